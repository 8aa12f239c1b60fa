"""The one code path that scores reviews and stores their predictions.

The form and the API (review_create), the admin action and `rescore_reviews`
(services.rescoring) all go through reviews_score(), so they can never disagree about a review.
"""

import logging
import time
from collections.abc import Sequence

from django.utils import timezone

from ml.classifier import Classifier, get_active_classifier
from reviews.models import Prediction, Review
from reviews.persistence.review_insert import review_insert_with_prediction

logger = logging.getLogger(__name__)


def reviews_score(reviews: Sequence[Review], *, classifier: Classifier) -> list[Prediction]:
    """Score `reviews` with one batch call and set each one's current prediction fields.

    Returns the unsaved Prediction rows; the caller stores them with the reviews in one
    transaction (reviews/persistence/).
    """
    scores = classifier.predict_batch([review.text for review in reviews])
    now = timezone.now()
    predictions = []
    for review, score in zip(reviews, scores, strict=True):
        if review.sentiment and review.model_version_id != classifier.model_version_id:
            review.previous_sentiment = review.sentiment
        review.sentiment = score.sentiment
        review.probability_positive = score.probability_positive
        review.model_version_id = classifier.model_version_id
        review.scored_at = now
        predictions.append(
            Prediction(
                review=review,
                model_version_id=classifier.model_version_id,
                sentiment=score.sentiment,
                probability_positive=score.probability_positive,
                created_at=now,
            )
        )
    return predictions


class UnknownMovie(LookupError):
    """The review names a movie that is not in the database; nothing was stored."""


def review_create(*, movie_id: int, text: str, classifier: Classifier | None = None) -> Review:
    """Score a new review and store it with its prediction, both or neither.

    Raises UnknownMovie when no movie has this id: the insert itself checks, so a form
    submission needs no query to look the movie up first.
    """
    classifier = classifier or get_active_classifier()
    review = Review(movie_id=movie_id, text=text)
    # Scoring happens before the transaction so the write lock is held for microseconds.
    started = time.perf_counter()
    predictions = reviews_score([review], classifier=classifier)
    latency_ms = (time.perf_counter() - started) * 1000
    if not review_insert_with_prediction(review, predictions[0]):
        raise UnknownMovie(f"no movie has the id {movie_id}")
    logger.info(
        "review scored",
        extra={
            "review_id": review.pk,
            "model_version": classifier.version,
            "sentiment": review.sentiment,
            "latency_ms": round(latency_ms, 3),
        },
    )
    return review
