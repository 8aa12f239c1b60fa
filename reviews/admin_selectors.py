"""Reads behind the admin's lists: confidence bands, stale and flipped reviews, per-movie
statistics, the range of review dates, and a review's explanation split by direction.

Each is written so an index can serve it on a table of a million reviews.
"""

from datetime import datetime

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)

from reviews.models import Movie, Review, Sentiment
from reviews.selectors import review_explanation


class Likely(Func):
    """A condition, marked for SQLite's query planner as true for a large share of rows.

    The review lists are sorted by creation date. For a filter that keeps many rows the
    fast plan walks the created_at index newest first and stops after one page; without
    statistics, SQLite instead picks the filter's own index, then sorts every match
    (seconds for half a million rows). `likelihood(condition, 0.5)` tells it the condition
    is no narrow filter; counting still uses the filter's index. A filter that does match
    few rows is fetched by id instead (reviews/admin_paging.py), so the walk never runs
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

# Sorting by confidence = sorting by (p - 0.5)^2 - 0.25 = p*p - p. That form has no
# constant in it (a constant becomes a query parameter, which SQLite cannot match with an
# index expression), so an index on exactly this expression can serve the sort.
CONFIDENCE_ORDER = F(P) * F(P) - F(P)

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


def movies_with_review_stats(*, movies: QuerySet[Movie] | None = None) -> QuerySet[Movie]:
    """Movies annotated, in one query, with positive_count, negative_count, the sums of
    probability_positive over their positive and over their negative reviews, and
    latest_review_at. review_count, share_positive and average_confidence are computed
    from those (movie_review_count, movie_share_positive, movie_average_confidence) and
    can be sorted on.

    Each figure is a subquery on the movie's reviews rather than a join: counting the
    movies then needs no join, and a page of movies sorted by title reads only its own
    movies' reviews. Each subquery reads one stretch of an index on (movie, sentiment,
    probability_positive) when there is one, every review once for the counts and once
    for the sums. The derived figures are aliases, computed only to sort: Django would
    repeat the subqueries they are made of in every row it selects.
    """
    movies = Movie.objects.all() if movies is None else movies
    its_reviews = Review.objects.filter(movie=OuterRef("pk")).order_by().values("movie")
    positive = its_reviews.filter(sentiment=Sentiment.POSITIVE)
    negative = its_reviews.filter(sentiment=Sentiment.NEGATIVE)

    def per_movie(reviews, aggregate, empty):
        return Coalesce(Subquery(reviews.annotate(value=aggregate).values("value")), empty)

    reviews = NullIf(F("positive_count") + F("negative_count"), 0)
    return movies.annotate(
        # COUNT(*), not COUNT(id): PostgreSQL can then count from the index alone.
        positive_count=per_movie(positive, Count("*"), 0),
        negative_count=per_movie(negative, Count("*"), 0),
        positive_probability_sum=per_movie(positive, Sum(P), 0.0),
        negative_probability_sum=per_movie(negative, Sum(P), 0.0),
        latest_review_at=Subquery(
            Review.objects.filter(movie=OuterRef("pk"))
            .order_by("-created_at")
            .values("created_at")[:1]
        ),
    ).alias(
        review_count=F("positive_count") + F("negative_count"),
        share_positive=Cast("positive_count", FloatField()) / reviews,
        average_confidence=ExpressionWrapper(
            (F("positive_probability_sum") + F("negative_count") - F("negative_probability_sum"))
            / reviews,
            output_field=FloatField(),
        ),
    )


def movie_review_count(movie: Movie) -> int:
    """Of a movie from movies_with_review_stats: its number of reviews."""
    return movie.positive_count + movie.negative_count


def movie_share_positive(movie: Movie) -> float | None:
    """Of a movie from movies_with_review_stats: its share of positive reviews."""
    reviews = movie_review_count(movie)
    return movie.positive_count / reviews if reviews else None


def movie_average_confidence(movie: Movie) -> float | None:
    """Of a movie from movies_with_review_stats: the mean confidence of its reviews.

    A positive review's confidence is p, a negative one's 1 - p (positive means p >= 0.5),
    so the mean is (sum of p over positives + negatives - sum of p over negatives) / n.
    """
    reviews = movie_review_count(movie)
    if not reviews:
        return None
    confidence_sum = (
        movie.positive_probability_sum + movie.negative_count - movie.negative_probability_sum
    )
    return confidence_sum / reviews


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


# A review has at most 10,000 characters, so far fewer distinct words and word pairs.
EXPLANATION_ALL_TERMS = 20_000


def review_explanation_each_way(
    *, review: Review, top_n: int = 10
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The `top_n` words that pushed the review most towards positive, and towards negative."""
    terms = review_explanation(review=review, top_n=EXPLANATION_ALL_TERMS)
    positive = [(term, weight) for term, weight in terms if weight > 0]
    negative = [(term, weight) for term, weight in terms if weight < 0]
    return positive[:top_n], negative[:top_n]
