"""Background jobs: a re-score split into chunks of reviews, one Celery task per chunk.

The database holds every job's state, so no result backend is needed and any worker on any
host can take any chunk:
- queueing creates the Job; planning (a task) splits the pending reviews into chunks by
  primary key and queues one task per chunk;
- a chunk runs rescore_batches() (the one re-scoring path) over its range; each batch's
  transaction also adds to the job's counts and raises the chunk's heartbeat;
- a chunk is idempotent (reviews the target model already scored are skipped), so running
  it again after a lost worker is safe; its attempts are counted, and a chunk that failed
  MAX_ATTEMPTS times fails its job instead of looping;
- the first final state wins: done, failed, cancelled, or superseded (another model was
  activated: nothing more of the job's model is written).
"""

import base64
import logging
import pickle
from datetime import timedelta

import django
from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from ml.classifier import ModelUnavailable, get_active_classifier, get_classifier
from reviews.models import Job, JobChunk, Review
from reviews.services.rescoring import ModelSuperseded, rescore_batches

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class ChunkFailed(RuntimeError):
    """A chunk's attempt failed; the task is retried until the chunk's attempts run out."""


class JobUnreadable(ValueError):
    """The job's stored selection cannot be read by this worker; no retry would help."""


def rescore_job_queue(
    *, reviews: QuerySet[Review] | None = None, requested_by=None, batch_size: int = 1000
) -> Job:
    """Queue a re-score of `reviews` (default: all) with the active model; returns the job.

    Raises ModelUnavailable when no model is active. The job is planned by a worker.
    """
    classifier = get_active_classifier()
    selection = Review.objects.all() if reviews is None else reviews
    with transaction.atomic():
        job = Job.objects.create(
            kind=Job.Kind.RESCORE,
            model_version_id=classifier.model_version_id,
            requested_by=requested_by,
            parameters={
                "batch_size": batch_size,
                # Django's documented way to keep a queryset for later (its query, pickled);
                # read back only by the same Django version.
                "selection": base64.b64encode(pickle.dumps(selection.query)).decode(),
                "django": django.__version__,
            },
        )
        transaction.on_commit(lambda: send_plan(job.pk))
    return job


def job_selection(job: Job) -> QuerySet[Review]:
    if job.parameters.get("django") != django.__version__:
        raise JobUnreadable(
            f"the job was queued by Django {job.parameters.get('django')} and this worker runs "
            f"{django.__version__}: queue it again"
        )
    selection = Review.objects.all()
    selection.query = pickle.loads(base64.b64decode(job.parameters["selection"]))
    # select_related(None): the batches load only a few columns, which a join would forbid.
    return selection.select_related(None)


def job_plan(job_id: int) -> None:
    """Split a queued job's pending reviews into chunks and queue them (idempotent)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("model_version").get(pk=job_id)
        if job.status != Job.Status.QUEUED:
            return
        if not job.model_version.is_active:
            job_finish(job.pk, Job.Status.SUPERSEDED, error=superseded_message(job))
            return
        try:
            pending = job_selection(job).exclude(model_version_id=job.model_version_id)
        except JobUnreadable as error:
            job_finish(job.pk, Job.Status.FAILED, error=str(error))
            return
        bounds = list(chunk_bounds(pending, size=settings.JOB_CHUNK_SIZE))
        JobChunk.objects.bulk_create(
            JobChunk(job=job, first_pk=first, last_pk=last) for first, last, _ in bounds
        )
        job.total = sum(count for _, _, count in bounds)
        job.status, job.started_at = Job.Status.RUNNING, timezone.now()
        job.save(update_fields=["total", "status", "started_at"])
        transaction.on_commit(lambda: [send_chunk(chunk.pk) for chunk in job.chunks.all()])
    job_complete_if_done(job_id)


def chunk_bounds(pending: QuerySet[Review], *, size: int):
    """(first pk, last pk, count) of consecutive runs of `size` pending reviews."""
    last_pk = 0
    while True:
        query = pending.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)
        pks = list(query[:size])
        if not pks:
            return
        yield pks[0], pks[-1], len(pks)
        last_pk = pks[-1]


def chunk_run(chunk_id: int) -> None:
    """Bring a chunk's reviews up to its job's model; raises ChunkFailed to be retried."""
    chunk = chunk_claim(chunk_id)
    if chunk is None:
        return
    job = chunk.job
    try:
        classifier = get_classifier(job.model_version.version)
        pending = job_selection(job).filter(pk__range=(chunk.first_pk, chunk.last_pk))
        rescore_batches(
            pending.exclude(model_version_id=job.model_version_id),
            classifier=classifier,
            batch_size=job.parameters.get("batch_size", 1000),
            limit=None,
            dry_run=False,
            progress=lambda result: None,
            record=lambda scored, changed: batch_record(chunk, scored=scored, changed=changed),
            keep_going=lambda: job_is_running(job.pk),
        )
    except ModelSuperseded:
        job_finish(job.pk, Job.Status.SUPERSEDED, error=superseded_message(job))
        return
    except JobUnreadable as error:
        job_finish(job.pk, Job.Status.FAILED, error=f"{chunk}: {error}")
        return
    except Exception as error:
        logger.exception("job chunk failed", extra={"chunk": chunk.pk, "job": job.pk})
        JobChunk.objects.filter(pk=chunk.pk).update(
            status=JobChunk.Status.QUEUED, error=repr(error)
        )
        raise ChunkFailed(f"{chunk}: {error!r}") from error
    if job_is_running(job.pk):
        JobChunk.objects.filter(pk=chunk.pk).update(status=JobChunk.Status.DONE, error="")
        # After the commit above, so of two chunks ending together the later sees both done.
        job_complete_if_done(job.pk)


def chunk_claim(chunk_id: int) -> JobChunk | None:
    """The chunk, marked running with one more attempt; None when it has nothing to do (done,
    or its job is over), or when its attempts ran out (which fails the job)."""
    with transaction.atomic():
        chunk = (
            JobChunk.objects.select_for_update()
            .select_related("job__model_version")
            .filter(pk=chunk_id)
            .first()
        )
        if chunk is None or chunk.status == JobChunk.Status.DONE:
            return None
        if chunk.job.status != Job.Status.RUNNING:
            return None
        if chunk.attempts >= MAX_ATTEMPTS:
            last_error = chunk.error or "its worker was lost each time"
            job_finish(
                chunk.job_id,
                Job.Status.FAILED,
                error=f"{chunk} failed {chunk.attempts} times; the last error: {last_error}",
            )
            return None
        chunk.attempts += 1
        chunk.status, chunk.heartbeat_at = JobChunk.Status.RUNNING, timezone.now()
        chunk.save(update_fields=["attempts", "status", "heartbeat_at"])
        return chunk


def batch_record(chunk: JobChunk, *, scored: int, changed: int) -> None:
    """Runs inside each batch's transaction: the job's counts and the chunk's heartbeat."""
    Job.objects.filter(pk=chunk.job_id).update(
        done=F("done") + scored, changed=F("changed") + changed
    )
    JobChunk.objects.filter(pk=chunk.pk).update(heartbeat_at=timezone.now())


def job_is_running(job_id: int) -> bool:
    return Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).exists()


def job_complete_if_done(job_id: int) -> None:
    if not JobChunk.objects.filter(job_id=job_id).exclude(status=JobChunk.Status.DONE).exists():
        job_finish(job_id, Job.Status.DONE)


def job_finish(job_id: int, status: str, *, error: str = "") -> bool:
    """Give a job its final state, unless it already has one (the first one wins)."""
    updated = Job.objects.filter(pk=job_id, status__in=Job.ACTIVE).update(
        status=status, finished_at=timezone.now(), error=error
    )
    if updated:
        logger.info("job finished", extra={"job": job_id, "status": status, "error": error})
    return bool(updated)


def job_cancel(job: Job, *, by=None) -> bool:
    """Stop a queued or running job: no chunk starts after this, a running one stops after
    its batch. False when the job had already ended."""
    who = f" by {by}" if by is not None else ""
    return job_finish(job.pk, Job.Status.CANCELLED, error=f"cancelled{who}")


def superseded_message(job: Job) -> str:
    active = get_active_classifier_version()
    now_active = f"{active} was activated" if active else "it was deactivated"
    return (
        f"model {job.model_version.version} is no longer active ({now_active}): nothing more "
        "of it was written; queue a new re-score to use the active model"
    )


def get_active_classifier_version() -> str | None:
    try:
        return get_active_classifier().version
    except ModelUnavailable:
        return None


def jobs_recover() -> int:
    """Queue again what a lost worker left: the planning of old queued jobs, and the chunks
    of running jobs whose heartbeat went silent. Every worker runs it now and then; safe to
    repeat (planning and chunks are idempotent). Returns how many tasks were sent."""
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
    sent = 0
    for job_id in Job.objects.filter(status=Job.Status.QUEUED, queued_at__lt=stale).values_list(
        "pk", flat=True
    ):
        send_plan(job_id)
        sent += 1
    silent = JobChunk.objects.filter(
        job__status=Job.Status.RUNNING, heartbeat_at__lt=stale
    ).exclude(status=JobChunk.Status.DONE)
    for chunk_id in list(silent.values_list("pk", flat=True)):
        # Raised first, so workers starting together do not all queue it again.
        if JobChunk.objects.filter(pk=chunk_id, heartbeat_at__lt=stale).update(
            heartbeat_at=timezone.now()
        ):
            send_chunk(chunk_id)
            sent += 1
    return sent


def send_plan(job_id: int) -> None:
    from reviews.tasks import plan_job

    send(plan_job, job_id)


def send_chunk(chunk_id: int) -> None:
    from reviews.tasks import rescore_chunk

    send(rescore_chunk, chunk_id)


def send(task, object_id: int) -> None:
    """Queue `task`; with the broker unreachable the job stays as it is in the database,
    and the next worker to start queues it again (jobs_recover)."""
    try:
        task.delay(object_id)
    except OperationalError:
        logger.exception("broker unreachable", extra={"task": task.name, "id": object_id})
