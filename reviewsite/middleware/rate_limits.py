"""Rate limits: the review form and votes, the API's writes and predict, failed admin logins.

Counted by django-ratelimit (its public get_usage) in the "ratelimit" cache, which every
worker of a host shares (a file cache in var/) or every host (Redis, when REDIS_URL is set;
exact counts: the file cache's increment is a read and a write, so requests at the same
instant can be counted once, letting a flood through a little past the limit).
Each limit is a setting read at request time (RATE_LIMIT_FORM, RATE_LIMIT_API,
RATE_LIMIT_LOGIN: "N/s", "N/m", "N/h", or None for off). A refused request is answered
429 with Retry-After before the view runs, so nothing is stored: pages by
RateLimitMiddleware below, the API by its error handler (reviews/api/errors.py).
"""

import functools
import hashlib
import logging

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django_ratelimit.core import get_usage

from reviewsite.middleware.errors import refuse

logger = logging.getLogger(__name__)

FORM, API, LOGIN = "form", "api", "login"
SETTING = {FORM: "RATE_LIMIT_FORM", API: "RATE_LIMIT_API", LOGIN: "RATE_LIMIT_LOGIN"}
MESSAGE = {
    FORM: "Too many submissions from your address: wait {seconds} s and try again.",
    API: "Too many requests for this token or address: retry after {seconds} s.",
    LOGIN: "Too many failed sign-ins from your address: wait {seconds} s and try again.",
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
    that setting is made. django-ratelimit's "ip" key reads it (RATELIMIT_IP_META_KEY)."""
    header = settings.CLIENT_IP_HEADER
    forwarded = request.headers.get(header, "") if header else ""
    return forwarded.rpartition(",")[2].strip() or request.META["REMOTE_ADDR"]


def client_key(group: str, request) -> str:
    """Who is counted by the API's limit: the token (a hash of it), else the signed-in user,
    else the client's address."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return "ip:" + client_address(request)


def rate_of(group: str, request) -> str | None:
    return getattr(settings, SETTING[group])


def usage(limit: str, request, *, increment: bool) -> dict | None:
    key = client_key if limit == API else "ip"
    return get_usage(request, group=limit, key=key, rate=rate_of, increment=increment)


def check(limit: str, request) -> None:
    """Count this request against `limit`; RateLimited when it is over."""
    counted = usage(limit, request, increment=True)
    if counted is not None and counted["should_limit"]:
        raise RateLimited(limit, counted["time_left"])


def rate_limit(limit: str):
    """Decorate a view (or an API operation) to count each POST to it against `limit`."""

    def decorator(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST":
                check(limit, request)
            return view(request, *args, **kwargs)

        return limited

    return decorator


def login_locked_out(view):
    """Refuse sign-ins from an address once it has failed RATE_LIMIT_LOGIN times in the
    period (the failures are counted by count_failed_login below)."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if request.method == "POST":
            failures = usage(LOGIN, request, increment=False)
            if failures is not None and failures["count"] >= failures["limit"]:
                raise RateLimited(LOGIN, failures["time_left"])
        return view(request, *args, **kwargs)

    return guarded


def count_failed_login(sender, credentials, request=None, **kwargs):
    if request is not None:
        usage(LOGIN, request, increment=True)


class RateLimitMiddleware:
    """Answer a page's RateLimited with 429, Retry-After and the reason; count failed
    sign-ins (the signal carries the request)."""

    def __init__(self, get_response):
        self.get_response = get_response
        user_login_failed.connect(count_failed_login, dispatch_uid="rate-limit-failed-login")

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            logger.info("rate limited", extra={"limit": exception.limit, "path": request.path})
            response = refuse(request, 429, "Too many requests", str(exception))
            response["Retry-After"] = str(exception.retry_after)
            return response
        return None
