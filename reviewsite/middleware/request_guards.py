"""Requests refused before a view runs: bodies too large, and form data that is not UTF-8."""

import codecs
import logging
import re
from urllib.parse import parse_qsl

from django.conf import settings

from reviewsite.middleware.errors import refuse

logger = logging.getLogger("reviewsite")

# A percent-escape of a byte over 0x7F: the only way an ASCII form body can hold a
# non-ASCII (so possibly invalid) UTF-8 byte.
NON_ASCII_ESCAPE = re.compile(rb"%[89a-fA-F]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NOT_UTF8 = "The form data is not valid UTF-8 text."
REPLACEMENT_CHARACTER = "\ufffd"


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
            valid = multipart_form_is_utf8(request)
        else:
            valid = urlencoded_form_is_utf8(request.body)
        if not valid:
            return refuse(request, 400, "Bad request", NOT_UTF8)
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


def multipart_form_is_utf8(request) -> bool:
    """Whether Django's parse of the form replaced no bytes with U+FFFD.

    Django's parser (request.POST, which Django fills anyway) turns each invalid byte
    sequence into U+FFFD. A writer may type U+FFFD too, so the fields may hold as many as
    the body does, and no more. A body Django cannot parse raises MultiPartParserError,
    which Django answers with a 400.
    """
    typed = request.body.count(REPLACEMENT_CHARACTER.encode())  # read before the parse
    replaced = 0
    for name, values in request.POST.lists():
        replaced += name.count(REPLACEMENT_CHARACTER)
        replaced += sum(value.count(REPLACEMENT_CHARACTER) for value in values)
    return replaced <= typed
