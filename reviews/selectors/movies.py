"""Movies and their statistics: ONE per-movie statistics query, for pages, API and admin."""

from dataclasses import dataclass

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from reviews.models import Movie, Review, Sentiment
from reviews.parsing import is_row_id

P = "probability_positive"


def movies_with_stats(*, movies: QuerySet[Movie] | None = None) -> QuerySet[Movie]:
    """Movies by title, annotated in one query with positive_count, negative_count, the sums
    of probability_positive over their positive and over their negative reviews, and
    latest_review_at. Read the figures with MovieStats.of(movie); review_count,
    share_positive and average_confidence can be sorted on.

    Each figure is a subquery on the movie's reviews rather than a join: counting the
    movies then needs no join, and a page of movies sorted by title reads only its own
    movies' reviews. Each subquery reads one stretch of the index on (movie, sentiment,
    probability_positive). The derived figures are aliases, computed only to sort: Django
    would repeat the subqueries they are made of in every row it selects.
    """
    movies = Movie.objects.all() if movies is None else movies
    its_reviews = Review.objects.filter(movie=OuterRef("pk")).order_by().values("movie")
    positive = its_reviews.filter(sentiment=Sentiment.POSITIVE)
    negative = its_reviews.filter(sentiment=Sentiment.NEGATIVE)

    def per_movie(reviews, aggregate, empty):
        return Coalesce(Subquery(reviews.annotate(value=aggregate).values("value")), empty)

    reviews = NullIf(F("positive_count") + F("negative_count"), 0)
    return (
        movies.annotate(
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
        )
        .alias(
            review_count=F("positive_count") + F("negative_count"),
            share_positive=Cast("positive_count", FloatField()) / reviews,
            average_confidence=ExpressionWrapper(
                (
                    F("positive_probability_sum")
                    + F("negative_count")
                    - F("negative_probability_sum")
                )
                / reviews,
                output_field=FloatField(),
            ),
        )
        .order_by("title")
    )


@dataclass(frozen=True)
class MovieStats:
    """A movie's review statistics, read from a movie of movies_with_stats()."""

    positive: int
    negative: int
    positive_probability_sum: float
    negative_probability_sum: float

    @classmethod
    def of(cls, movie: Movie) -> "MovieStats":
        return cls(
            movie.positive_count,
            movie.negative_count,
            movie.positive_probability_sum,
            movie.negative_probability_sum,
        )

    @property
    def reviews(self) -> int:
        return self.positive + self.negative

    @property
    def share_positive(self) -> float | None:
        return self.positive / self.reviews if self.reviews else None

    @property
    def average_confidence(self) -> float | None:
        """The mean confidence of the movie's reviews.

        A positive review's confidence is p, a negative one's 1 - p (ml.labels), so the mean
        is (sum of p over positives + negatives - sum of p over negatives) / n.
        """
        if not self.reviews:
            return None
        confidence_sum = (
            self.positive_probability_sum + self.negative - self.negative_probability_sum
        )
        return confidence_sum / self.reviews


def movie_get_with_stats(*, movie_id: int) -> Movie:
    """Raises Movie.DoesNotExist for an unknown id."""
    return movies_with_stats().get(pk=movie_id)


def movie_get_by_title_or_id(*, title_or_id: str) -> Movie:
    """The movie with this exact title, or with this id when given in plain ASCII digits.

    Raises Movie.DoesNotExist when there is none. A number beyond a key's range is no id,
    so it is looked up as a title.
    """
    if is_row_id(title_or_id):
        return Movie.objects.get(pk=int(title_or_id))
    return Movie.objects.get(title=title_or_id)
