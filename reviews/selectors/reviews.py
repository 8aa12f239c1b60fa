"""Reads of reviews: the latest, one review, a movie's reviews, keyset pages, explanations,
and why a review flipped between two models."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from ml.classifier import ModelUnavailable, get_classifier
from ml.highlight import Segment, changed_most, decisive, highlight
from reviews.freshness import cached
from reviews.models import Movie, Prediction, Review
from reviews.selectors.movies import movie_get_by_title_or_id


def review_list_latest(*, limit: int = 10) -> QuerySet[Review]:
    """The latest reviews with their movies, newest first (lazy: read when iterated)."""
    return Review.objects.select_related("movie").order_by("-created_at", "-id")[:limit]


def review_get(*, review_id: int) -> Review:
    """Raises Review.DoesNotExist for an unknown id."""
    return (
        Review.objects.select_related("movie", "model_version")
        .defer("model_version__metrics")  # a page of JSON no page shows
        .get(pk=review_id)
    )


def reviews_of_movie(*, movie: Movie) -> QuerySet[Review]:
    return movie.reviews.order_by("-created_at", "-id")


@dataclass(frozen=True)
class ReviewPage:
    reviews: list[Review]
    # (created_at, id) of the page's last review when more follow, else None.
    next_position: tuple[datetime, int] | None


def review_page(
    *,
    movie_id: int | None = None,
    sentiment: str | None = None,
    model_version: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 20,
) -> ReviewPage:
    """Reviews newest first, `limit` at a time, starting after a previous page's position.

    Keyset paging on (created_at, id): reviews written while a client pages through are
    never repeated and never push others onto the next page, unlike OFFSET paging.
    created_after is inclusive and created_before exclusive, so adjacent windows tile.
    """
    reviews = Review.objects.select_related("movie", "model_version").order_by("-created_at", "-id")
    if movie_id is not None:
        reviews = reviews.filter(movie_id=movie_id)
    if sentiment is not None:
        reviews = reviews.filter(sentiment=sentiment)
    if model_version is not None:
        reviews = reviews.filter(model_version__version=model_version)
    if created_after is not None:
        reviews = reviews.filter(created_at__gte=created_after)
    if created_before is not None:
        reviews = reviews.filter(created_at__lt=created_before)
    if after is not None:
        created_at, pk = after
        reviews = reviews.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    rows = list(reviews[: limit + 1])
    page = rows[:limit]
    more = len(rows) > limit
    return ReviewPage(page, (page[-1].created_at, page[-1].pk) if more else None)


def reviews_matching(
    *, movie: str | None = None, since: datetime | None = None
) -> QuerySet[Review]:
    """All reviews, or only those of `movie` (its title or id), written at or after `since`.

    Raises Movie.DoesNotExist for an unknown movie.
    """
    reviews = Review.objects.all()
    if movie is not None:
        reviews = reviews.filter(movie=movie_get_by_title_or_id(title_or_id=movie))
    if since is not None:
        reviews = reviews.filter(created_at__gte=since)
    return reviews


def review_explanation(*, review: Review, top_n: int = 10) -> list[tuple[str, float]]:
    """The words that decided the review's current prediction, by the model that made it:
    computed once per review, model version and length, then cached (a review's text and a
    model never change).

    Empty when that model can no longer be loaded: the page still shows the stored result.
    """
    try:
        classifier = get_classifier(review.model_version.version)
    except ModelUnavailable:
        return []
    return cached(
        f"explanation:{review.pk}:{review.model_version_id}:{top_n}",
        lambda: classifier.explain(review.text, top_n=top_n),
        versioned=False,
    )


@dataclass(frozen=True)
class ExplainedReview:
    terms: list[tuple[str, float]]  # strongest first; weight > 0 pushes positive
    segments: list[Segment]  # the review's text, cut where those terms occur


def review_explained(*, review: Review, top_n: int = 12) -> ExplainedReview:
    """The review's deciding words, and its text with them marked, for the result page."""
    terms = decisive(review_explanation(review=review, top_n=top_n))
    return ExplainedReview(terms=terms, segments=highlight(review.text, terms))


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


@dataclass(frozen=True)
class Flip:
    before: Prediction
    after: Prediction
    # (term, weight in the model before, weight in the model after), largest change first;
    # empty when one of the two models cannot be loaded here.
    changes: list[tuple[str, float, float]]


def review_flip(*, review: Review, top_n: int = 10) -> Flip | None:
    """Why the review's sentiment changed between its two newest predictions: the words whose
    contribution changed most between the two models' explanations (computed once, cached).
    None when the two newest predictions agree, or there is only one."""
    newest = list(
        review.predictions.select_related("model_version")
        .defer("model_version__metrics", "model_version__training_data")
        .order_by("-created_at", "-id")[:2]
    )
    if len(newest) < 2 or newest[0].sentiment == newest[1].sentiment:
        return None
    after, before = newest

    def build() -> list[tuple[str, float, float]] | None:
        try:
            old, new = (get_classifier(p.model_version.version) for p in (before, after))
        except ModelUnavailable:
            return None  # not cached: asked again next time
        return changed_most(
            old.explain(review.text, top_n=EXPLANATION_ALL_TERMS),
            new.explain(review.text, top_n=EXPLANATION_ALL_TERMS),
            top_n=top_n,
        )

    changes = cached(
        f"flip:{review.pk}:{before.model_version_id}:{after.model_version_id}:{top_n}",
        build,
        versioned=False,
    )
    return Flip(before=before, after=after, changes=changes or [])
