"""Re-scoring stored reviews: in batches by primary key, resumable, in one or more processes."""

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import QuerySet

from ml.classifier import Classifier, get_active_classifier, get_classifier
from reviews.freshness import content_changed
from reviews.models import Prediction, Review, Sentiment
from reviews.persistence.batch_writer import BatchWriter
from reviews.persistence.bulk_writes import (
    model_still_active,
    predictions_insert,
    reviews_write_scores,
)
from reviews.services.parallel import rescore_in_processes
from reviews.services.scoring import reviews_score

# The columns a batch loads: what scoring reads and what it compares.
RESCORE_FIELDS = ["text", "sentiment", "model_version", "previous_sentiment"]


class VersionNeedsDryRun(ValueError):
    """Only the active model writes: another version can only be judged in a dry run."""


class ModelSuperseded(RuntimeError):
    """Another model was activated during the run: nothing more of this one is written."""


# A batch's write, after its scoring: (scored, changed) counted in the batch's transaction.
BatchRecord = Callable[[int, int], None]


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


def rescore_options_check(
    *, version: str | None, batch_size: int, limit: int | None, dry_run: bool, workers: int
) -> None:
    """Raises ValueError for options no run can follow (VersionNeedsDryRun for a version)."""
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
    rescore_options_check(
        version=version, batch_size=batch_size, limit=limit, dry_run=dry_run, workers=workers
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
    record: BatchRecord | None = None,
    keep_going: Callable[[], bool] = lambda: True,
) -> RescoreResult:
    """Score `pending` batch by batch in primary-key order; one transaction per batch.

    The one path of all re-scoring (the command, its worker processes, a job's chunks).
    Before each batch `keep_going()` may stop the run; `record(scored, changed)` runs
    inside each batch's transaction. Raises ModelSuperseded when `classifier` is no longer
    the active model: the batches committed before the activation are kept, no later one.
    """
    result = RescoreResult(target_version=classifier.version, dry_run=dry_run)
    store = functools.partial(
        batch_store, model_version_id=classifier.model_version_id, record=record
    )
    last_pk = 0
    with BatchWriter(store) as writer:
        while (limit is None or result.scored < limit) and keep_going():
            size = batch_size if limit is None else min(batch_size, limit - result.scored)
            query = pending.filter(pk__gt=last_pk).order_by("pk").only(*RESCORE_FIELDS)
            batch = list(query[:size])
            if not batch:
                break
            last_pk = batch[-1].pk
            before = [review.sentiment for review in batch]
            predictions = reviews_score(batch, classifier=classifier)
            changes = RescoreResult(target_version=classifier.version, scored=len(batch))
            count_changes(changes, before=before, after=batch)
            if not dry_run:
                writer.write(predictions, batch, changes.changed)
            result.add(changes)
            progress(result)
    return result


def count_changes(result: RescoreResult, *, before: list[str], after: list[Review]) -> None:
    """Add the reviews whose sentiment changed to `result`'s counts, by new sentiment."""
    for old, review in zip(before, after, strict=True):
        if old != review.sentiment:
            if review.sentiment == Sentiment.POSITIVE:
                result.to_positive += 1
            else:
                result.to_negative += 1


def batch_store(
    predictions: list[Prediction],
    reviews: list[Review],
    changed: int,
    *,
    model_version_id: int,
    record: BatchRecord | None = None,
) -> None:
    """One transaction: the batch's new predictions, its reviews' current fields, and a new
    content generation, so pages show the new scores from the next request on.

    The model is checked to be still active under a lock on its row, which activate_model
    must wait for to deactivate it: a batch commits before an activation or not at all.
    """
    with transaction.atomic():
        if not model_still_active(model_version_id):
            raise ModelSuperseded("another model was activated; this one no longer writes")
        predictions_insert(predictions)
        reviews_write_scores(reviews)
        content_changed()
        if record is not None:
            record(len(reviews), changed)
