"""Rate limits: the review form and votes, the API's writes and predict, admin sign-ins.

Counted by django-ratelimit (its public get_usage) in the "ratelimit" cache, which every
worker of a host shares (a file cache in var/) or every host (Redis, when REDIS_URL is set;
exact counts: the file cache's increment is a read and a write, so requests at the same
instant can be counted once, letting a flood through a little past the limit).
Each limit is a setting read at request time (RATE_LIMIT_FORM, RATE_LIMIT_API,
RATE_LIMIT_LOGIN: "N/s", "N/m", "N/h", or None for off). A refused request is answered
429 with Retry-After before the view runs, so nothing is stored: pages by
RateLimitMiddleware below, the API by its error handler (reviews/api/errors.py). If the
store fails, requests go through (and the failure is logged): an outage of the counter must
not refuse everyone.
"""

import functools
import ipaddress
import logging

from django.conf import settings
from django_ratelimit.core import get_usage

from reviewsite.middleware.errors import refuse

logger = logging.getLogger(__name__)

FORM, API, LOGIN = "form", "api", "login"
SETTING = {FORM: "RATE_LIMIT_FORM", API: "RATE_LIMIT_API", LOGIN: "RATE_LIMIT_LOGIN"}
MESSAGE = {
    FORM: "Too many submissions from your address: wait {seconds} s and try again.",
    API: "Too many requests for this token or address: retry after {seconds} s.",
    LOGIN: "Too many sign-in attempts from your address: wait {seconds} s and try again.",
}


class RateLimited(Exception):
    """Over a limit; nothing was done."""

    def __init__(self, limit: str, retry_after: int):
        self.limit = limit
        self.retry_after = max(1, retry_after)
        super().__init__(MESSAGE[limit].format(seconds=self.retry_after))


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy the last address in the header
    settings.CLIENT_IP_HEADER names (the one the trusted proxy itself appended), only when
    that setting is made. django-ratelimit's "ip" key reads it (RATELIMIT_IP_META_KEY).
    Anything that is not an IP address (a unix socket's empty REMOTE_ADDR, "unknown")
    counts as 0.0.0.0, one shared bucket."""
    header = settings.CLIENT_IP_HEADER
    forwarded = request.headers.get(header, "") if header else ""
    for candidate in (forwarded.rpartition(",")[2].strip(), request.META.get("REMOTE_ADDR")):
        try:
            return str(ipaddress.ip_address(candidate or ""))
        except ValueError:
            continue
    return "0.0.0.0"


def client_key(group: str, request) -> str:
    """Who is counted by the API's limit: the identity the API authenticated (an API token
    or a signed-in user: request.auth, set before the operation runs), else the address."""
    auth = getattr(request, "auth", None)
    if auth is not None and getattr(auth, "pk", None) is not None:
        return f"{type(auth).__name__}:{auth.pk}"
    return "ip:" + client_address(request)


def rate_of(group: str, request) -> str | None:
    return getattr(settings, SETTING[group])


def usage(limit: str, request, *, increment: bool) -> dict | None:
    """django-ratelimit's count of this request against `limit`; None when the limit is off
    or the store failed."""
    key = client_key if limit == API else "ip"
    try:
        return get_usage(request, group=limit, key=key, rate=rate_of, increment=increment)
    except Exception:  # the store (files, Redis) failed: let the request through
        logger.exception("rate limit store failed; request let through", extra={"limit": limit})
        return None


def check(limit: str, request) -> None:
    """Count this request against `limit`; RateLimited when it is over."""
    counted = usage(limit, request, increment=True)
    if counted is not None and counted["should_limit"]:
        raise RateLimited(limit, counted["time_left"])


def rate_limit(limit: str):
    """Decorate a view (or an API operation) to count each POST to it against `limit`,
    before the view runs: on the admin's sign-in, every attempt counts, so guesses sent in
    parallel are counted too."""

    def decorator(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST":
                check(limit, request)
            return view(request, *args, **kwargs)

        return limited

    return decorator


class RateLimitMiddleware:
    """Answer a page's RateLimited with 429, Retry-After and the reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            logger.info("rate limited", extra={"limit": exception.limit, "path": request.path})
            response = refuse(request, 429, "Too many requests", str(exception))
            response["Retry-After"] = str(exception.retry_after)
            return response
        return None
