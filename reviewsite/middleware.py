"""Project-wide request guards and response headers.

Each class does one thing; they are listed in settings.MIDDLEWARE in the order they run.
"""

import base64
import binascii
import codecs
import contextlib
import io
import logging
import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.http.multipartparser import (
    FIELD,
    ChunkIter,
    LazyStream,
    MultiPartParser,
    MultiPartParserError,
    Parser,
    exhaust,
)
from django.shortcuts import render

from reviewsite.security_headers import CONTENT_SECURITY_POLICY

logger = logging.getLogger("reviewsite")

# A percent-escape of a byte over 0x7F: the only way an ASCII form body can hold a
# non-ASCII (so possibly invalid) UTF-8 byte.
NON_ASCII_ESCAPE = re.compile(rb"%[89a-fA-F]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NOT_UTF8 = "The form data is not valid UTF-8 text."


def refuse(request, status: int, title: str, message: str):
    """The error as the caller reads it: JSON for the API, a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "error.html", {"title": title, "message": message}, status=status)


class HeadWithoutBodyMiddleware:
    """Answers HEAD with the GET's headers, Content-Length included, and no body.

    Django renders the body anyway; gunicorn drops it, as HTTP says, but logs a warning for
    each such response: a load balancer probing with HEAD would fill the log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            response.headers.setdefault("Content-Length", str(len(response.content)))
            response.content = b""
        return response


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header to every response (Django 5.2 has none)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class RequestBodyLimitMiddleware:
    """Refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE before a byte of it is read.

    A body without a Content-Length (chunked) is refused too: its size is unknown until it
    has been read, and reading it is what must not happen.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not length:
            return refuse(
                request, 411, "Length required", "Send the request with a Content-Length."
            )
        try:
            size = int(length) if length else 0
        except ValueError:
            return refuse(request, 400, "Bad request", "The Content-Length header is not a number.")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if size > limit:
            logger.warning("request body refused: %s bytes over the %s limit", size, limit)
            return refuse(
                request,
                413,
                "Too large",
                f"The request is too large: at most {limit // 1024} KB is accepted.",
            )
        return self.get_response(request)


class StrictFormEncodingMiddleware:
    """Refuses form data that is not valid UTF-8 instead of storing replacement characters.

    Django decodes form fields leniently (invalid bytes become U+FFFD); a review would then
    be stored with characters its writer never typed. Both form encodings are checked:
    URL-encoded (what browsers send) and multipart (what `curl -F` and Django's test
    client send).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Django's own parsed, lower-cased media type: the one it decides to parse a form by,
        # so "Application/X-WWW-Form-Urlencoded" or a leading space cannot slip past.
        if request.method != "POST" or request.content_type not in FORM_TYPES:
            return self.get_response(request)
        charset = request.content_params.get("charset")
        if charset is not None:
            if not declares_utf8(charset):
                # Django refuses a URL-encoded one too, but only when a page reads the form:
                # inside its own error pages, which then fail with a bare 500.
                return refuse(request, 400, "Bad request", "Send the form data as UTF-8.")
            request.encoding = "utf-8"  # Django takes only this spelling of it
        if request.content_type == "multipart/form-data":
            problem = multipart_form_problem(request)
        else:
            problem = None if urlencoded_form_is_utf8(request.body) else NOT_UTF8
        if problem:
            return refuse(request, 400, "Bad request", problem)
        return self.get_response(request)


def declares_utf8(charset: str) -> bool:
    """A charset whose text is UTF-8: utf-8, UTF8, us-ascii (a subset)."""
    try:
        return codecs.lookup(charset).name in ("utf-8", "ascii")
    except LookupError:
        return False


def urlencoded_form_is_utf8(body: bytes) -> bool:
    # Most forms are plain ASCII: two scans in C settle those without parsing.
    if body.isascii() and not NON_ASCII_ESCAPE.search(body):
        return True
    try:
        parse_qsl(body.decode("utf-8"), encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def multipart_form_problem(request) -> str | None:
    """Why the multipart form is refused, or None: a field that is not valid UTF-8, or more
    parts than Django takes fields.

    The parts are split by Django's own multipart parser, which fills request.POST, so both
    see the same parts. The boundary is checked as Django checks it first, and the parts are
    counted, so this costs no more than Django's own parse: an odd boundary is left to Django
    (it refuses it at once), and a body of thousands of tiny parts is refused here. Files are
    not text: they are skipped (no form here takes one, and they stay out of request.POST).
    """
    boundary = request.content_params.get("boundary", "")
    if not MultiPartParser.boundary_re.fullmatch(boundary):
        return None
    # As Django counts: the fields, and an empty part before and after the last boundary.
    most_parts = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 2
    stream = LazyStream(ChunkIter(io.BytesIO(request.body), 64 * 1024))
    try:
        for number, (item_type, headers, part) in enumerate(
            Parser(stream, boundary.encode("ascii")), start=1
        ):
            if number > most_parts:
                return f"The form has too many parts: at most {most_parts - 2} fields are taken."
            if item_type != FIELD:
                exhaust(part)
                continue
            value = part.read()
            encoding = headers.get("content-transfer-encoding")
            if encoding and encoding[0].strip() == "base64":
                with contextlib.suppress(binascii.Error):  # Django keeps it as it came
                    value = base64.b64decode(value)
            value.decode("utf-8")
    except UnicodeDecodeError:
        return NOT_UTF8
    except MultiPartParserError:
        return None  # Django's own parse refuses it with a 400
    return None


class DatabaseUnavailableMiddleware:
    """Answers 503 with a readable page when the database cannot be reached.

    Django drops a connection that failed at the end of the request, so the next request
    connects afresh: the site recovers by itself when the database returns, and the
    worker never crashes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        return refuse(
            request,
            503,
            "Temporarily unavailable",
            "The site cannot reach its database right now. Nothing was saved; please try "
            "again in a minute.",
        )
