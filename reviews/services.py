"""Writes: the one code path that scores reviews and stores their predictions.

The form (review_create), the admin action and `rescore_reviews` (reviews_rescore) all go
through reviews_score(), so they can never disagree about a review.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ml.classifier import Classifier, get_active_classifier, get_classifier
from reviews.batch_writer import BatchWriter
from reviews.bulk_sql import (
    predictions_insert,
    review_insert_with_prediction,
    reviews_write_scores,
)
from reviews.models import Prediction, Review, Sentiment
from reviews.parallel import rescore_in_processes

logger = logging.getLogger(__name__)


def reviews_score(reviews: Sequence[Review], *, classifier: Classifier) -> list[Prediction]:
    """Score `reviews` with one batch call and set each one's current prediction fields.

    Returns the unsaved Prediction rows; the caller stores them with the reviews in one
    transaction (reviews/bulk_sql.py).
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


class VersionNeedsDryRun(ValueError):
    """Only the active model writes: another version can only be judged in a dry run."""


@dataclass
class RescoreResult:
    target_version: str
    scored: int = 0
    skipped: int = 0
    pending: int = 0
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

    def add(self, other: "RescoreResult") -> None:
        self.scored += other.scored
        self.to_positive += other.to_positive
        self.to_negative += other.to_negative


RESCORE_FIELDS = ["text", "sentiment", "model_version", "previous_sentiment"]


def reviews_rescore(
    *,
    reviews: QuerySet[Review] | None = None,
    version: str | None = None,
    batch_size: int = 1000,
    limit: int | None = None,
    dry_run: bool = False,
    workers: int = 1,
    progress: Callable[[RescoreResult], None] = lambda result: None,
) -> RescoreResult:
    """Bring `reviews` (default: all) up to the active model, or to `version` in a dry run.

    Walks primary keys in batches (keyset paging: safe while the table changes), skips
    reviews the target model already scored, and writes each batch's predictions and
    current fields in one transaction, so an interrupted run resumes where it stopped.
    With `workers` > 1 the pending id range is split over that many processes.
    Raises VersionNeedsDryRun for a `version` without `dry_run`.
    """
    if batch_size < 1:
        raise ValueError("the batch size must be at least 1")
    if workers < 1:
        raise ValueError("the number of workers must be at least 1")
    if limit is not None and limit < 0:
        raise ValueError("the limit cannot be negative")
    if version is not None and not dry_run:
        raise VersionNeedsDryRun(
            "a version other than the active one can only be tried with a dry run"
        )
    classifier = get_classifier(version) if version else get_active_classifier()
    # select_related(None): the batches load only a few columns, which a join would forbid.
    selection = (Review.objects.all() if reviews is None else reviews).select_related(None)
    started = time.perf_counter()
    result = RescoreResult(target_version=classifier.version, dry_run=dry_run)
    result.skipped = selection.filter(model_version_id=classifier.model_version_id).count()
    pending = selection.exclude(model_version_id=classifier.model_version_id)
    result.pending = pending.count() if limit is None else min(pending.count(), limit)
    progress(result)

    def report(done: RescoreResult) -> None:
        done.skipped, done.pending = result.skipped, result.pending
        done.seconds = time.perf_counter() - started
        progress(done)

    options = {"classifier": classifier, "batch_size": batch_size, "dry_run": dry_run}
    if workers == 1:
        result.add(rescore_batches(pending, limit=limit, progress=report, **options))
    else:
        for part in rescore_in_processes(
            pending,
            workers=workers,
            limit=limit,
            progress=lambda scored: report(replace(result, scored=scored)),
            run=rescore_batches,
            **options,
        ):
            result.add(part)
    result.seconds = time.perf_counter() - started
    return result


def rescore_batches(
    pending: QuerySet[Review],
    *,
    classifier: Classifier,
    batch_size: int,
    limit: int | None,
    dry_run: bool,
    progress: Callable[[RescoreResult], None],
) -> RescoreResult:
    """Score `pending` batch by batch in primary-key order; one transaction per batch."""
    result = RescoreResult(target_version=classifier.version, dry_run=dry_run)
    last_pk = 0
    with BatchWriter(batch_store) as writer:
        while limit is None or result.scored < limit:
            size = batch_size if limit is None else min(batch_size, limit - result.scored)
            query = pending.filter(pk__gt=last_pk).order_by("pk").only(*RESCORE_FIELDS)
            batch = list(query[:size])
            if not batch:
                break
            last_pk = batch[-1].pk
            before = [review.sentiment for review in batch]
            predictions = reviews_score(batch, classifier=classifier)
            if not dry_run:
                writer.write(predictions, batch)
            for old, review in zip(before, batch, strict=True):
                if old != review.sentiment:
                    if review.sentiment == Sentiment.POSITIVE:
                        result.to_positive += 1
                    else:
                        result.to_negative += 1
            result.scored += len(batch)
            progress(result)
    return result


def batch_store(predictions: list[Prediction], reviews: list[Review]) -> None:
    """One transaction: the batch's new predictions and its reviews' current fields."""
    with transaction.atomic():
        predictions_insert(predictions)
        reviews_write_scores(reviews)
