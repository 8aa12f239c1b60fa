"""Running a job's tasks in the test's own process, in the order a worker would."""

from reviews.models import Job, JobChunk
from reviews.services import jobs


def run_job_here(job: Job) -> Job:
    """Plan `job` and run each of its chunks here; returns the job as it ended."""
    jobs.job_plan(job.pk)
    for chunk_id in JobChunk.objects.filter(job=job).values_list("pk", flat=True):
        jobs.chunk_run(chunk_id)
    job.refresh_from_db()
    return job
