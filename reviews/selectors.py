"""Reads: what the pages show."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from ml.classifier import ModelUnavailable, get_classifier
from reviews.models import Movie, Review, Sentiment


def review_list_latest(*, limit: int = 10) -> list[Review]:
    return list(Review.objects.select_related("movie").order_by("-created_at", "-id")[:limit])


def review_get(*, review_id: int) -> Review:
    """Raises Review.DoesNotExist for an unknown id."""
    return Review.objects.select_related("movie", "model_version").get(pk=review_id)


def movie_reviews(*, movie: Movie) -> QuerySet[Review]:
    return movie.reviews.order_by("-created_at", "-id")


@dataclass(frozen=True)
class MovieStats:
    reviews: int
    positive: int

    @property
    def share_positive(self) -> float | None:
        return self.positive / self.reviews if self.reviews else None


def movie_stats(*, movie: Movie) -> MovieStats:
    counts = movie.reviews.aggregate(
        reviews=Count("pk"), positive=Count("pk", filter=Q(sentiment=Sentiment.POSITIVE))
    )
    return MovieStats(**counts)


def review_explanation(*, review: Review, top_n: int = 10) -> list[tuple[str, float]]:
    """The words that decided the review's current prediction, by the model that made it.

    Empty when that model can no longer be loaded: the page still shows the stored result.
    """
    try:
        classifier = get_classifier(review.model_version.version)
    except ModelUnavailable:
        return []
    return classifier.explain(review.text, top_n=top_n)
