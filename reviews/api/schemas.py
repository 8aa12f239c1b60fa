"""The JSON API's request and response shapes; the OpenAPI description is generated from them.

Rules that the HTML form also enforces (a review's length, a known movie) are checked as the
form checks them, by reviews.forms.ReviewForm (and, for a movie id, by the insert itself:
services.scoring.UnknownMovie), not here, so the API and the form give the same messages and can
never drift apart. The schemas below only document those rules (WithJsonSchema); they check
JSON types and the API's own limits (page size, number of texts, ISO 8601 times).
"""

from datetime import datetime
from typing import Annotated

from django.conf import settings
from ninja import Field, Schema
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictStr,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reviews.models import Sentiment
from reviews.parsing import MAX_ROW_ID, TimeOutOfRange, iso_time_in_utc
from reviews.selectors.movies import MovieStats

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_PREDICT_TEXTS = 100

# No "maxLength": the form trims surrounding spaces first and then allows 10,000
# characters, so a longer text padded with spaces is accepted, as it is on the page.
REVIEW_TEXT_JSON_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "description": f"A review: not blank, and at most {settings.REVIEW_MAX_LENGTH:,} characters "
    "once surrounding spaces are trimmed (they are not stored).",
}


def only_digits(value):
    """A path's id is digits and nothing else: pydantic's own int parsing would also take
    "3\n" or " 3" (schemathesis found /api/movies/3%0A answered 200)."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise PydanticCustomError("int_parsing", "Input should be a whole number of digits")
    return value


# An id in a URL path: digits only, then checked against the row range (Path(ge=, le=)).
PathId = Annotated[int, BeforeValidator(only_digits)]


def json_object(data):
    if not isinstance(data, dict):
        raise PydanticCustomError("object_type", "The body must be a JSON object.")
    return data


def refuse_null_characters(value: str) -> str:
    # PostgreSQL text cannot hold NUL; the form refuses it in a review the same way.
    if "\x00" in value:
        raise PydanticCustomError("null_characters", "Null characters are not allowed.")
    return value


# ---- errors


class Error(Schema):
    detail: str = Field(description="What went wrong, in a sentence.")


class ValidationErrorBody(Schema):
    detail: str = Field(description="A summary; the details are in `errors`.")
    errors: dict[str, list[str]] = Field(
        description="Messages per field: `text`, `movie`, `texts.3` (the fourth text), "
        "`limit`, … and `body` when the body as a whole is wrong."
    )


# ---- movies


class MovieRef(Schema):
    id: int
    title: str


class MovieOut(Schema):
    id: int
    title: str
    review_count: int = Field(description="How many reviews the movie has.")
    positive_count: int = Field(description="How many of them read positive.")
    share_positive: float | None = Field(
        description="positive_count / review_count; null when there are no reviews."
    )

    @staticmethod
    def resolve_review_count(movie) -> int:
        return MovieStats.of(movie).reviews

    @staticmethod
    def resolve_share_positive(movie) -> float | None:
        return MovieStats.of(movie).share_positive


# ---- reviews


class TermWeight(Schema):
    term: str = Field(description="A word or short phrase of the review.")
    weight: float = Field(description="How hard it pushed: > 0 towards positive, < 0 negative.")


class ReviewOut(Schema):
    id: int
    movie: MovieRef
    text: str
    created_at: datetime
    sentiment: Sentiment
    probability_positive: float = Field(ge=0, le=1)
    confidence: float = Field(
        ge=0.5, le=1, description="How sure the model is of the sentiment it gave."
    )
    model_version: str = Field(description="The model version that scored the review.")
    scored_at: datetime
    url: str = Field(description="The review's page on the site.")

    @staticmethod
    def resolve_model_version(review) -> str:
        return review.model_version.version

    @staticmethod
    def resolve_url(review) -> str:
        return review.get_absolute_url()


class ReviewDetailOut(ReviewOut):
    explanation: list[TermWeight] = Field(
        description="The words that decided the prediction, strongest first (at most 10)."
    )


class ReviewPageOut(Schema):
    items: list[ReviewOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class ReviewIn(BaseModel):
    """A new review. `movie` is the movie's id (a number) or its exact title (a string)."""

    # Both fields may be missing or null as far as this schema goes: ReviewForm then answers
    # with its own "required" messages. The description still marks them as required.
    model_config = ConfigDict(json_schema_extra={"required": ["movie", "text"]})

    movie: Annotated[
        int | str | None,
        WithJsonSchema(
            {
                "description": "The movie's id (a number) or its exact title (a string).",
                "oneOf": [
                    {"type": "integer", "minimum": 1, "description": "The movie's id."},
                    {"type": "string", "description": "The movie's exact title."},
                ],
            }
        ),
    ] = None
    text: Annotated[StrictStr | None, WithJsonSchema(REVIEW_TEXT_JSON_SCHEMA)] = None

    @model_validator(mode="before")
    @classmethod
    def an_object(cls, data):
        return json_object(data)

    @field_validator("movie", mode="before")
    @classmethod
    def id_or_title(cls, value):
        # One message for a wrong type, not one per member of the union.
        if isinstance(value, bool) or not isinstance(value, int | str | None):
            raise PydanticCustomError(
                "movie_type", "Give the movie's id (a number) or its exact title (a string)."
            )
        return refuse_null_characters(value) if isinstance(value, str) else value


class ReviewFilters(BaseModel):
    movie: int | None = Field(
        None, ge=1, le=MAX_ROW_ID, description="Only this movie's reviews (id)."
    )
    sentiment: Sentiment | None = Field(None, description="Only this sentiment.")
    model_version: str | None = Field(
        None, max_length=64, description="Only reviews currently scored by this model version."
    )
    created_after: datetime | None = Field(
        None, description="Only reviews created at or after this time (ISO 8601; UTC if no zone)."
    )
    created_before: datetime | None = Field(
        None, description="Only reviews created before this time (ISO 8601; UTC if no zone)."
    )
    limit: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Reviews per page (at most 100)."
    )
    cursor: str | None = Field(
        None, max_length=200, description="`next_cursor` of the previous page."
    )

    @field_validator("model_version", "cursor")
    @classmethod
    def no_null_characters(cls, value: str | None) -> str | None:
        return None if value is None else refuse_null_characters(value)

    @field_validator("created_after", "created_before", mode="before")
    @classmethod
    def iso_8601_in_utc(cls, value):
        if value is None or isinstance(value, datetime):
            return value
        try:
            # Only ISO 8601: pydantic alone would also read "0.5" as a Unix timestamp.
            return iso_time_in_utc(value)
        except TimeOutOfRange:
            raise PydanticCustomError("datetime_range", "The time is out of range.") from None
        except (TypeError, ValueError):
            raise PydanticCustomError(
                "datetime_format", "Give a time in ISO 8601, e.g. 2026-01-31T18:00:00Z."
            ) from None


# ---- feedback


class FeedbackIn(BaseModel):
    """A vote: the sentiment the caller says the review really has."""

    model_config = ConfigDict(json_schema_extra={"required": ["label"]})

    # Checked by the service, with the form's message (reviews.services.feedback).
    label: Annotated[
        StrictStr | None,
        WithJsonSchema({"type": "string", "enum": [choice.value for choice in Sentiment]}),
    ] = None

    @model_validator(mode="before")
    @classmethod
    def an_object(cls, data):
        return json_object(data)


class FeedbackOut(Schema):
    id: int
    review: int = Field(description="The review's id.")
    label: Sentiment = Field(description="The sentiment voted for.")
    source: str = Field(description="Where the row came from: `visitor` for a vote.")
    created_at: datetime

    @staticmethod
    def resolve_review(vote) -> int:
        return vote.review_id


# ---- predictions


class PredictIn(BaseModel):
    texts: list[Annotated[StrictStr, WithJsonSchema(REVIEW_TEXT_JSON_SCHEMA)]] = Field(
        min_length=1,
        max_length=MAX_PREDICT_TEXTS,
        description="1 to 100 texts, each checked like a review.",
    )

    @model_validator(mode="before")
    @classmethod
    def an_object(cls, data):
        return json_object(data)


class PredictionOut(BaseModel):
    # A plain pydantic model, built directly: up to 100 per answer, so no ORM-style lookups.
    sentiment: Sentiment
    probability_positive: float = Field(ge=0, le=1)
    confidence: float = Field(ge=0.5, le=1, description="As for a review: max(p, 1 - p).")

    @classmethod
    def of(cls, score) -> "PredictionOut":
        return cls(
            sentiment=score.sentiment,
            probability_positive=score.probability_positive,
            confidence=score.confidence,
        )


class PredictOut(Schema):
    model_version: str = Field(description="The model version that made the predictions.")
    predictions: list[PredictionOut] = Field(description="One per text, in the same order.")
