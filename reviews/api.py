"""The JSON API under /api/: typed schemas (reviews/schemas.py), an OpenAPI description
generated from them (/api/openapi.json, readable at /api/docs), and endpoints as thin as the
pages: parse the request, call one service or selector, present the result.

Reads are public, like the site's pages. Every POST needs either an API token created in
the admin (`Authorization: Bearer <token>`) or a signed-in browser session that sends its
CSRF token, as the site's forms do.
"""

import base64
import binascii
import json
import logging
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Path, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from ml.classifier import ModelUnavailable, get_active_classifier
from reviews import selectors, services, tokens
from reviews.api_docs import ApiDocsPage
from reviews.forms import UNKNOWN_MOVIE, ReviewForm
from reviews.models import Movie, Review
from reviews.schemas import (
    Error,
    MovieOut,
    PredictIn,
    PredictionOut,
    PredictOut,
    ReviewDetailOut,
    ReviewFilters,
    ReviewIn,
    ReviewPageOut,
    ValidationErrorBody,
)
from reviewsite.row_ids import MAX_ROW_ID

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Score movie reviews with the site's sentiment model, store them, and read them back.

**Reads** (`GET`) are public. **Writes** (`POST`) need one of:

* an API token created by staff in the admin (*API tokens*), sent as
  `Authorization: Bearer <token>`;
* a signed-in browser session that sends the `csrftoken` cookie's value in the
  `X-CSRFToken` header, as the site's forms do.

Refused input is answered with a 4xx status and a JSON body: `{"detail": "..."}`, plus
`"errors": {"field": ["message", ...]}` when fields are at fault.
"""


# ---- authentication


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`, with an active token created in the admin."""

    def authenticate(self, request: HttpRequest, token: str):
        return tokens.api_token_authenticate(secret=token)  # request.auth: the ApiToken


class SessionCsrfAuth(APIKeyCookie):
    """A signed-in browser session; like a form, a write must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            # No session: the client gets a 401 naming both ways in, not a CSRF error.
            return None
        if check_csrf(request):
            raise HttpError(
                403,
                "CSRF check failed: a signed-in browser must send the csrftoken cookie's "
                "value in the X-CSRFToken header (or use an API token instead).",
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        return request.user if request.user.is_authenticated else None


WRITE_AUTH = [ApiTokenAuth(), SessionCsrfAuth()]

WRITE_ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    413: Error,
    422: ValidationErrorBody,
    503: Error,
}


class ReviewsApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # "list_reviews", not "reviews_api_list_reviews": clients generated from the
        # description get readable method names.
        return operation.view_func.__name__


api = ReviewsApi(
    title="Movie review sentiment API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=ApiDocsPage(),
    docs_url="/docs",
)


# ---- errors: always JSON, always a 4xx for bad input


class InvalidInput(Exception):
    """Input that parsed but breaks a rule; `errors` maps API field names to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def invalid_input_response(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    fields = ", ".join(errors)
    body = {"detail": f"The request is not valid ({fields}); see errors.", "errors": errors}
    return api.create_response(request, body, status=422)


def error_field(location: tuple) -> str:
    """("body", "payload", "texts", 3) -> "texts.3"; ("query", "limit") -> "limit"."""
    source, *path = location
    if source == "body":
        path = path[1:]  # the endpoint's parameter name, which clients never see
    return ".".join(str(part) for part in path) or source


@api.exception_handler(ValidationError)
def on_schema_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        field = error_field(tuple(error["loc"]))
        message = error["msg"]
        if field == "body" and error["type"] == "missing":
            message = "The request needs a JSON object as its body."
        errors.setdefault(field, []).append(message)
    return invalid_input_response(request, errors)


@api.exception_handler(InvalidInput)
def on_invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return invalid_input_response(request, exc.errors)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {
        "detail": "Authentication required: send `Authorization: Bearer <token>` with an API "
        "token from the admin, or sign in and send the CSRF token."
    }
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    cause = exc.__cause__
    # django-ninja answers a body it cannot parse with a bare "Cannot parse request body"
    # (the reason only in DEBUG); the reason is safe to give and helps the client.
    if exc.status_code == 400 and isinstance(cause, json.JSONDecodeError):
        detail = f"The request body is not valid JSON: {cause}."
    elif exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
        detail = "The request body is not valid JSON text in UTF-8."
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


# The site's middleware refuses a body with a Content-Length over the limit before it is
# read; this answers in JSON if Django itself finds the body too big when it is read.
@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = {"detail": f"The request body is larger than the limit of {limit:,} bytes."}
    return api.create_response(request, body, status=413)


def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.error("API request failed, database unavailable: %s", exc)
    body = {
        "detail": "The database cannot be reached right now; nothing was saved. "
        "Please try again in a minute."
    }
    response = api.create_response(request, body, status=503)
    response["Retry-After"] = "30"
    return response


# Answered here, in JSON, before the site's middleware would answer with an HTML page.
api.add_exception_handler(OperationalError, on_database_unavailable)
api.add_exception_handler(InterfaceError, on_database_unavailable)


@api.exception_handler(ModelUnavailable)
def on_model_unavailable(request: HttpRequest, exc: ModelUnavailable) -> HttpResponse:
    logger.error("API request not scored: %s", exc)
    body = {"detail": "The sentiment model is unavailable right now; please try again later."}
    response = api.create_response(request, body, status=503)
    response["Retry-After"] = "30"
    return response


# ---- input through the form's own rules


# The form calls the review "review"; the API calls it "text".
FORM_TO_API_FIELD = {"review": "text", "__all__": "body"}


def review_form_cleaned(payload: ReviewIn) -> dict:
    """Check {movie, text} with ReviewForm itself, so the API and the page give the same
    messages; a string names the movie by its exact title, a number by its id."""
    movie = "" if payload.movie is None else payload.movie
    form = ReviewForm(data={"movie": movie, "review": payload.text or ""})
    if isinstance(payload.movie, str):
        form.fields["movie"].to_field_name = "title"  # this form's copy of the field only
    if not form.is_valid():
        raise InvalidInput(
            {
                FORM_TO_API_FIELD.get(field, field): list(messages)
                for field, messages in form.errors.items()
            }
        )
    return form.cleaned_data


def texts_cleaned(texts: list[str]) -> list[str]:
    """Each text checked (and trimmed) by the form's review field, as a review would be."""
    field = ReviewForm.base_fields["review"]
    cleaned, errors = [], {}
    for index, text in enumerate(texts):
        try:
            cleaned.append(field.clean(text))
        except DjangoValidationError as error:
            errors[f"texts.{index}"] = error.messages
    if errors:
        raise InvalidInput(errors)
    return cleaned


# ---- the opaque cursor: a position (created_at, id) in the newest-first order


def cursor_encode(position: tuple[datetime, int] | None) -> str | None:
    if position is None:
        return None
    created_at, pk = position
    raw = f"{created_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk_text = raw.split("|")
        created_at = datetime.fromisoformat(created)
        pk = int(pk_text)
        if created_at.tzinfo is None or not 1 <= pk <= MAX_ROW_ID:
            raise ValueError(raw)
        created_at = created_at.astimezone(UTC)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            {"cursor": ["This cursor is not valid: pass a page's next_cursor unchanged."]}
        ) from None
    return created_at, pk


def review_detail(review: Review) -> Review:
    """The review, for ReviewDetailOut: with the words that decided its prediction."""
    review.explanation = [
        {"term": term, "weight": weight}
        for term, weight in selectors.review_explanation(review=review)
    ]
    return review


# ---- endpoints

reviews_router = Router(tags=["reviews"])
movies_router = Router(tags=["movies"])
predictions_router = Router(tags=["predictions"])


@reviews_router.get(
    "",
    response={200: ReviewPageOut, 422: ValidationErrorBody, 503: Error},
    summary="List reviews, newest first",
)
def list_reviews(request: HttpRequest, filters: Query[ReviewFilters]):
    """Filter by movie, sentiment, model version and creation time. Pages hold `limit`
    reviews (at most 100); follow `next_cursor` for the next one. Paging is by position,
    so reviews written meanwhile never repeat or shift a review onto another page."""
    page = selectors.review_page(
        movie_id=filters.movie,
        sentiment=filters.sentiment,
        model_version=filters.model_version,
        created_after=filters.created_after,
        created_before=filters.created_before,
        after=cursor_decode(filters.cursor),
        limit=filters.limit,
    )
    return {"items": page.reviews, "next_cursor": cursor_encode(page.next_position)}


@reviews_router.post(
    "",
    auth=WRITE_AUTH,
    response={201: ReviewDetailOut, **WRITE_ERRORS},
    summary="Score a review and store it",
)
def create_review(request: HttpRequest, payload: ReviewIn):
    """Checked exactly like the site's form (same rules, same messages), scored by the
    active model, and stored with its prediction. Answers with the stored review, its
    sentiment, probability, model version and the words that decided it."""
    cleaned = review_form_cleaned(payload)
    try:
        review = services.review_create(movie_id=cleaned["movie"], text=cleaned["review"])
    except services.UnknownMovie:
        raise InvalidInput({"movie": [UNKNOWN_MOVIE]}) from None
    return Status(201, review_detail(review))


@reviews_router.get(
    "/{review_id}",
    response={200: ReviewDetailOut, 404: Error, 422: ValidationErrorBody, 503: Error},
    summary="One review, with the words that decided it",
)
def get_review(
    request: HttpRequest,
    review_id: int = Path(..., ge=1, le=MAX_ROW_ID, description="The review's id."),
):
    try:
        review = selectors.review_get(review_id=review_id)
    except Review.DoesNotExist:
        raise HttpError(404, "No review with that number.") from None
    return review_detail(review)


@movies_router.get(
    "", response={200: list[MovieOut], 503: Error}, summary="All movies, with review counts"
)
def list_movies(request: HttpRequest):
    return selectors.movies_with_stats()


@movies_router.get(
    "/{movie_id}",
    response={200: MovieOut, 404: Error, 422: ValidationErrorBody, 503: Error},
    summary="One movie, with its review counts and share positive",
)
def get_movie(
    request: HttpRequest,
    movie_id: int = Path(..., ge=1, le=MAX_ROW_ID, description="The movie's id."),
):
    try:
        return selectors.movie_get_with_stats(movie_id=movie_id)
    except Movie.DoesNotExist:
        raise HttpError(404, "No movie with that number.") from None


@predictions_router.post(
    "",
    auth=WRITE_AUTH,
    response={200: PredictOut, **WRITE_ERRORS},
    summary="Predict the sentiment of up to 100 texts; nothing is stored",
)
def predict(request: HttpRequest, payload: PredictIn):
    """Each text is checked like a review; all are scored with one batch call of the active
    model, in the order given."""
    texts = texts_cleaned(payload.texts)
    classifier = get_active_classifier()
    scores = classifier.predict_batch(texts)
    return {
        "model_version": classifier.version,
        "predictions": [PredictionOut.of(score) for score in scores],
    }


api.add_router("/reviews", reviews_router)
api.add_router("/movies", movies_router)
api.add_router("/predict", predictions_router)

# reviewsite/urls.py mounts this module at /api/ with include("reviews.api").
app_name = api.urls_namespace
urlpatterns = api.urls[0]
