"""Writes: the one code path that scores reviews and stores their predictions.

The form (review_create), the admin action and `rescore_reviews` (reviews_rescore) all go
through reviews_score(), so they can never disagree about a review.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ml.classifier import Classifier, get_active_classifier, get_classifier
from reviews.models import Movie, Prediction, Review


def reviews_score(reviews: Sequence[Review], *, classifier: Classifier) -> list[Prediction]:
    """Score `reviews` with one batch call and set each one's current prediction fields.

    Returns the unsaved Prediction rows; the caller stores them with the reviews in one
    transaction (predictions_store).
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


def predictions_store(predictions: list[Prediction]) -> None:
    """Append predictions; a (review, version) pair seen before is refreshed, not doubled.

    Re-activating an older model re-scores reviews that already have its prediction: the
    row is brought up to date so it is again the newest, keeping one row per pair.
    """
    Prediction.objects.bulk_create(
        predictions,
        update_conflicts=True,
        unique_fields=["review", "model_version"],
        update_fields=["sentiment", "probability_positive", "created_at"],
    )


def review_create(*, movie: Movie, text: str, classifier: Classifier | None = None) -> Review:
    """Score a new review and store it with its prediction, both or neither."""
    classifier = classifier or get_active_classifier()
    review = Review(movie=movie, text=text)
    # Scoring happens before the transaction so the write lock is held for microseconds.
    predictions = reviews_score([review], classifier=classifier)
    with transaction.atomic():
        review.save(force_insert=True)
        predictions_store(predictions)
    return review


@dataclass
class RescoreResult:
    target_version: str
    scored: int = 0
    skipped: int = 0
    to_positive: int = 0
    to_negative: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def changed(self) -> int:
        return self.to_positive + self.to_negative

    @property
    def rate(self) -> float:
        return self.scored / self.seconds if self.seconds else 0.0


REVIEW_SCORE_FIELDS = [
    "sentiment",
    "probability_positive",
    "model_version",
    "previous_sentiment",
    "scored_at",
]


def reviews_rescore(
    *,
    reviews: QuerySet[Review] | None = None,
    version: str | None = None,
    batch_size: int = 1000,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Callable[[RescoreResult], None] = lambda result: None,
) -> RescoreResult:
    """Bring `reviews` (default: all) up to the active model, or to `version` in a dry run.

    Walks primary keys in batches (keyset paging: safe while the table changes), skips
    reviews the target model already scored, and writes each batch's predictions and
    current fields in one transaction, so an interrupted run resumes where it stopped.
    """
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    if version is not None and not dry_run:
        raise ValueError("a version other than the active one can only be tried with a dry run")
    classifier = get_classifier(version) if version else get_active_classifier()
    selection = Review.objects.all() if reviews is None else reviews
    result = RescoreResult(target_version=classifier.version, dry_run=dry_run)
    started = time.perf_counter()
    result.skipped = selection.filter(model_version_id=classifier.model_version_id).count()
    pending = selection.exclude(model_version_id=classifier.model_version_id).order_by("pk")
    last_pk = 0
    while limit is None or result.scored < limit:
        size = batch_size if limit is None else min(batch_size, limit - result.scored)
        batch = list(pending.filter(pk__gt=last_pk).only("text", *REVIEW_SCORE_FIELDS)[:size])
        if not batch:
            break
        last_pk = batch[-1].pk
        before = [review.sentiment for review in batch]
        predictions = reviews_score(batch, classifier=classifier)
        if not dry_run:
            with transaction.atomic():
                predictions_store(predictions)
                Review.objects.bulk_update(batch, REVIEW_SCORE_FIELDS)
        for old, review in zip(before, batch, strict=True):
            if old != review.sentiment:
                if review.sentiment == "positive":
                    result.to_positive += 1
                else:
                    result.to_negative += 1
        result.scored += len(batch)
        result.seconds = time.perf_counter() - started
        progress(result)
    result.seconds = time.perf_counter() - started
    return result
