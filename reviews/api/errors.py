"""The API's errors: always JSON, always a 4xx for bad input, a 503 when a dependency is down.

Every refusal is `{"detail": "..."}`, plus `"errors": {"field": [...]}` when fields are at
fault (422).
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ml.classifier import ModelUnavailable
from reviewsite.middleware.rate_limits import RateLimited

logger = logging.getLogger(__name__)

UNAUTHENTICATED = (
    "Authentication required: send `Authorization: Bearer <token>` with an API token from the "
    "admin, or sign in and send the CSRF token."
)
DATABASE_UNAVAILABLE = (
    "The database cannot be reached right now; nothing was saved. Please try again in a minute."
)
MODEL_UNAVAILABLE = "The sentiment model is unavailable right now; please try again later."
RETRY_AFTER_SECONDS = "30"


class InvalidInput(Exception):
    """Input that parsed but breaks a rule; `errors` maps API field names to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def error_field(location: tuple) -> str:
    """("body", "payload", "texts", 3) -> "texts.3"; ("query", "limit") -> "limit"."""
    source, *path = location
    if source == "body":
        path = path[1:]  # the endpoint's parameter name, which clients never see
    return ".".join(str(part) for part in path) or source


def schema_errors(exc: ValidationError) -> dict[str, list[str]]:
    """pydantic's errors as messages per API field."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        field = error_field(tuple(error["loc"]))
        message = error["msg"]
        if field == "body" and error["type"] == "missing":
            message = "The request needs a JSON object as its body."
        errors.setdefault(field, []).append(message)
    return errors


def http_error_detail(exc: HttpError) -> str:
    """django-ninja answers a body it cannot parse with a bare "Cannot parse request body"
    (the reason only in DEBUG); the reason is safe to give and helps the client."""
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, json.JSONDecodeError):
        return f"The request body is not valid JSON: {cause}."
    if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
        return "The request body is not valid JSON text in UTF-8."
    return str(exc)


def register_error_handlers(api: NinjaAPI) -> None:
    """Answer each kind of failure in JSON, before the site's middleware would answer HTML."""

    def invalid_input(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
        fields = ", ".join(errors)
        body = {"detail": f"The request is not valid ({fields}); see errors.", "errors": errors}
        return api.create_response(request, body, status=422)

    def unavailable(request: HttpRequest, detail: str) -> HttpResponse:
        response = api.create_response(request, {"detail": detail}, status=503)
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response

    def on_schema_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return invalid_input(request, schema_errors(exc))

    def on_invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
        return invalid_input(request, exc.errors)

    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(request, {"detail": UNAUTHENTICATED}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(
            request, {"detail": http_error_detail(exc)}, status=exc.status_code
        )

    # The site's middleware refuses a body with a Content-Length over the limit before it is
    # read; this answers in JSON if Django itself finds the body too big when it is read.
    def on_body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = {"detail": f"The request body is larger than the limit of {limit:,} bytes."}
        return api.create_response(request, body, status=413)

    def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error("API request failed, database unavailable: %s", exc)
        return unavailable(request, DATABASE_UNAVAILABLE)

    def on_model_unavailable(request: HttpRequest, exc: ModelUnavailable) -> HttpResponse:
        logger.error("API request not scored: %s", exc)
        return unavailable(request, MODEL_UNAVAILABLE)

    def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = api.create_response(request, {"detail": str(exc)}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response

    api.add_exception_handler(ValidationError, on_schema_error)
    api.add_exception_handler(RateLimited, on_rate_limited)
    api.add_exception_handler(InvalidInput, on_invalid_input)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(RequestDataTooBig, on_body_too_big)
    api.add_exception_handler(OperationalError, on_database_unavailable)
    api.add_exception_handler(InterfaceError, on_database_unavailable)
    api.add_exception_handler(ModelUnavailable, on_model_unavailable)
