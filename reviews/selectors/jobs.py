"""Reads of background jobs: what their progress bar shows, and where their chunks are."""

from django.db.models import Count
from django.utils import timezone

from reviews.models import Job, JobChunk


def job_progress(job: Job) -> dict:
    """What a progress bar shows: share done, rate (reviews/s) and seconds left."""
    share = job.done / job.total if job.total else (1.0 if job.is_finished else 0.0)
    end = job.finished_at or timezone.now()
    seconds = (end - job.started_at).total_seconds() if job.started_at else 0.0
    rate = job.done / seconds if seconds > 0 else 0.0
    left = (job.total - job.done) / rate if rate and not job.is_finished else None
    return {"share": min(share, 1.0), "rate": rate, "seconds_left": left}


def job_chunk_counts(job: Job) -> dict[str, int]:
    """How many of the job's chunks are queued, running and done."""
    counts = dict.fromkeys(JobChunk.Status.values, 0)
    for row in job.chunks.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts
