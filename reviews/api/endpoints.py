"""The API's endpoints, as thin as the pages: parse the request, call one service or
selector, present the result."""

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError
from ninja.renderers import JSONRenderer
from pydantic import TypeAdapter

from ml.classifier import get_active_classifier
from reviews.api.auth import WRITE_AUTH
from reviews.api.errors import InvalidInput
from reviews.api.pagination import cursor_decode, cursor_encode
from reviews.api.schemas import (
    Error,
    FeedbackIn,
    FeedbackOut,
    MovieOut,
    PathId,
    PredictIn,
    PredictionOut,
    PredictOut,
    ReviewDetailOut,
    ReviewFilters,
    ReviewIn,
    ReviewPageOut,
    ValidationErrorBody,
)
from reviews.api.validation import review_form_cleaned, texts_cleaned
from reviews.forms import UNKNOWN_MOVIE
from reviews.freshness import cached
from reviews.models import ApiToken, Movie, Review
from reviews.parsing import MAX_ROW_ID
from reviews.selectors.movies import movie_get_with_stats, movies_with_stats
from reviews.selectors.reviews import review_explanation, review_get, review_page
from reviews.services.feedback import UnknownLabel, feedback_vote, visitor_key_for
from reviews.services.scoring import UnknownMovie, review_create
from reviewsite.middleware.rate_limits import API, rate_limit

JSON = JSONRenderer()
WRITE_ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    413: Error,
    422: ValidationErrorBody,
    429: Error,
    503: Error,
}

reviews_router = Router(tags=["reviews"])
movies_router = Router(tags=["movies"])
predictions_router = Router(tags=["predictions"])


def cached_json(request: HttpRequest, name: str, schema, build) -> HttpResponse:
    """`build()`'s answer, checked and rendered with `schema` as ninja renders a response,
    once per content version (reviews/freshness.py): rendering a page of reviews through
    the schema cost four times the rest of the request (bench/pages.py)."""

    def render() -> bytes:
        adapter = TypeAdapter(schema)
        data = adapter.validate_python(build(), context={"request": request})
        return JSON.render(request, adapter.dump_python(data), response_status=200)

    return HttpResponse(cached(name, render), content_type=JSON.media_type + "; charset=utf-8")


def review_detail(review: Review) -> Review:
    """The review, for ReviewDetailOut: with the words that decided its prediction."""
    review.explanation = [
        {"term": term, "weight": weight} for term, weight in review_explanation(review=review)
    ]
    return review


@reviews_router.get(
    "",
    response={200: ReviewPageOut, 422: ValidationErrorBody, 503: Error},
    summary="List reviews, newest first",
)
def list_reviews(request: HttpRequest, filters: Query[ReviewFilters]):
    """Filter by movie, sentiment, model version and creation time. Pages hold `limit`
    reviews (at most 100); follow `next_cursor` for the next one. Paging is by position,
    so reviews written meanwhile never repeat or shift a review onto another page."""
    after = cursor_decode(filters.cursor)

    def answer() -> dict:
        page = review_page(
            movie_id=filters.movie,
            sentiment=filters.sentiment,
            model_version=filters.model_version,
            created_after=filters.created_after,
            created_before=filters.created_before,
            after=after,
            limit=filters.limit,
        )
        return {"items": page.reviews, "next_cursor": cursor_encode(page.next_position)}

    return cached_json(request, f"api-reviews:{filters.model_dump_json()}", ReviewPageOut, answer)


@reviews_router.post(
    "",
    auth=WRITE_AUTH,
    response={201: ReviewDetailOut, **WRITE_ERRORS},
    summary="Score a review and store it",
)
@rate_limit(API)
def create_review(request: HttpRequest, payload: ReviewIn):
    """Checked exactly like the site's form (same rules, same messages), scored by the
    active model, and stored with its prediction. Answers with the stored review, its
    sentiment, probability, model version and the words that decided it."""
    cleaned = review_form_cleaned(payload)
    try:
        review = review_create(movie_id=cleaned["movie"], text=cleaned["review"])
    except UnknownMovie:
        raise InvalidInput({"movie": [UNKNOWN_MOVIE]}) from None
    return Status(201, review_detail(review))


@reviews_router.get(
    "/{review_id}",
    response={200: ReviewDetailOut, 404: Error, 422: ValidationErrorBody, 503: Error},
    summary="One review, with the words that decided it",
)
def get_review(
    request: HttpRequest,
    review_id: PathId = Path(..., ge=1, le=MAX_ROW_ID, description="The review's id."),
):
    try:
        review = review_get(review_id=review_id)
    except Review.DoesNotExist:
        raise HttpError(404, "No review with that number.") from None
    return review_detail(review)


@reviews_router.post(
    "/{review_id}/feedback",
    auth=WRITE_AUTH,
    response={201: FeedbackOut, 404: Error, **WRITE_ERRORS},
    summary="Vote on a review's sentiment",
)
@rate_limit(API)
def vote_on_review(
    request: HttpRequest,
    payload: FeedbackIn,
    review_id: PathId = Path(..., ge=1, le=MAX_ROW_ID, description="The review's id."),
):
    """`label` is the sentiment the caller says is right (`positive` or `negative`). One
    vote per user (the token's, or the signed-in one) and review: a second replaces the
    first. Answers with the stored vote."""
    user = request.auth.user if isinstance(request.auth, ApiToken) else request.auth
    try:
        vote = feedback_vote(
            review_id=review_id,
            label=payload.label,
            visitor_key=visitor_key_for(user=user),
            user=user,
        )
    except UnknownLabel as error:
        raise InvalidInput({"label": [str(error)]}) from None
    except Review.DoesNotExist:
        raise HttpError(404, "No review with that number.") from None
    return Status(201, vote)


@movies_router.get(
    "", response={200: list[MovieOut], 503: Error}, summary="All movies, with review counts"
)
def list_movies(request: HttpRequest):
    return cached_json(request, "api-movies", list[MovieOut], movies_with_stats)


@movies_router.get(
    "/{movie_id}",
    response={200: MovieOut, 404: Error, 422: ValidationErrorBody, 503: Error},
    summary="One movie, with its review counts and share positive",
)
def get_movie(
    request: HttpRequest,
    movie_id: PathId = Path(..., ge=1, le=MAX_ROW_ID, description="The movie's id."),
):
    try:
        return movie_get_with_stats(movie_id=movie_id)
    except Movie.DoesNotExist:
        raise HttpError(404, "No movie with that number.") from None


@predictions_router.post(
    "",
    auth=WRITE_AUTH,
    response={200: PredictOut, **WRITE_ERRORS},
    summary="Predict the sentiment of up to 100 texts; nothing is stored",
)
@rate_limit(API)
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
