"""The queries behind the admin's review-list filters: sentiment, model version, confidence
bands, stale and flipped reviews, and the range of review dates for the date links.

Each is written so an index can serve it on a table of a million reviews.
"""

from datetime import datetime

from django.db.models import (
    BooleanField,
    F,
    Func,
    Q,
    QuerySet,
    TextChoices,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)

from reviews.models import Review, Sentiment


class Likely(Func):
    """A condition, marked for SQLite's query planner as true for a large share of rows.

    The review lists are sorted by creation date. For a filter that keeps many rows the
    fast plan walks the created_at index newest first and stops after one page; without
    statistics, SQLite instead picks the filter's own index, then sorts every match
    (seconds for half a million rows). `likelihood(condition, 0.5)` tells it the condition
    is no narrow filter; counting still uses the filter's index. A filter that does match
    few rows is fetched by id instead (reviews/admin/paging.py), so the walk never runs
    long. Other databases get the condition unchanged (PostgreSQL's planner has statistics).
    """

    output_field = BooleanField()

    def __init__(self, condition):
        super().__init__(condition)

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # The probability must be a literal: SQLite reads no parameter here.
        return f"likelihood({sql}, 0.5)", params


def likely(lookup, field: str, value) -> Q:
    return Q(Likely(lookup(F(field), value)))


class ConfidenceBand(TextChoices):
    LOW = "low", "below 60%"
    MEDIUM = "medium", "60–80%"
    HIGH = "high", "above 80%"


P = "probability_positive"
# Confidence is max(p, 1 - p) with p = probability_positive, so each band is one or two
# ranges of p: range conditions on the column use its index (review_probability), where a
# condition on max(p, 1 - p) would read every row.
CONFIDENCE_BANDS = {
    ConfidenceBand.LOW: likely(GreaterThan, P, 0.4) & likely(LessThan, P, 0.6),
    ConfidenceBand.MEDIUM: (likely(GreaterThanOrEqual, P, 0.2) & likely(LessThanOrEqual, P, 0.4))
    | (likely(GreaterThanOrEqual, P, 0.6) & likely(LessThanOrEqual, P, 0.8)),
    ConfidenceBand.HIGH: likely(LessThan, P, 0.2) | likely(GreaterThan, P, 0.8),
}

# "Flipped": the previous prediction differs from the current one. previous_sentiment is
# "" (never re-scored by another model), "positive" or "negative", so this equals
# `previous_sentiment not in ("", sentiment)`, written as equalities an index on
# (previous_sentiment, sentiment) can serve.
FLIPPED = (
    likely(Exact, "previous_sentiment", Sentiment.POSITIVE)
    & likely(Exact, "sentiment", Sentiment.NEGATIVE)
) | (
    likely(Exact, "previous_sentiment", Sentiment.NEGATIVE)
    & likely(Exact, "sentiment", Sentiment.POSITIVE)
)


def reviews_with_sentiment(*, reviews: QuerySet[Review], sentiment: str) -> QuerySet[Review]:
    """Raises ValueError for an unknown sentiment."""
    return reviews.filter(likely(Exact, "sentiment", Sentiment(sentiment)))


def reviews_scored_by(*, reviews: QuerySet[Review], model_version_id: int) -> QuerySet[Review]:
    """Reviews whose current prediction comes from that model version."""
    # Written as the range [id, id]: from an equality SQLite would derive the version's
    # row first and read its reviews through the version index, sorting them all.
    return reviews.filter(
        likely(GreaterThanOrEqual, "model_version_id", model_version_id)
        & likely(LessThanOrEqual, "model_version_id", model_version_id)
    )


def reviews_in_confidence_band(*, reviews: QuerySet[Review], band: str) -> QuerySet[Review]:
    """Raises ValueError for an unknown band."""
    return reviews.filter(CONFIDENCE_BANDS[ConfidenceBand(band)])


def reviews_stale(*, reviews: QuerySet[Review], stale: bool = True) -> QuerySet[Review]:
    """Reviews scored by a model version other than the active one (or, stale=False, by it).

    With no active model every review is stale.
    """
    return reviews.filter(model_version__is_active=not stale)


def reviews_flipped(*, reviews: QuerySet[Review], flipped: bool = True) -> QuerySet[Review]:
    """Reviews whose latest re-scoring changed their sentiment (or, flipped=False, did not)."""
    return reviews.filter(FLIPPED if flipped else ~FLIPPED)


def review_created_range() -> tuple[datetime, datetime] | None:
    """The creation times of the first and the latest review, or None without reviews.

    Two queries, each answered from the created_at index (one MIN and one MAX in a single
    query would make SQLite read the whole index).
    """
    dates = Review.objects.order_by().values_list("created_at", flat=True)
    first = dates.order_by("created_at").first()
    if first is None:
        return None
    return first, dates.order_by("-created_at").first()
