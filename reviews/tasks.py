"""Celery tasks: thin shells around reviews/services/jobs.py, which holds every decision."""

import logging
import threading

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from reviews.services import jobs

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def plan_job(job_id: int) -> None:
    jobs.job_plan(job_id)


@shared_task(bind=True, ignore_result=True, max_retries=None)
def rescore_chunk(self, chunk_id: int) -> None:
    # Retried without a bound here: the chunk's attempts are counted in the database, which
    # also counts the attempts lost with their worker, and end the job at MAX_ATTEMPTS.
    try:
        jobs.chunk_run(chunk_id)
    except jobs.ChunkFailed as error:
        raise self.retry(exc=error, countdown=2) from error


@worker_ready.connect
def recover_lost_work(**kwargs) -> None:
    """When a worker starts, and then every JOB_STALE_SECONDS / 2 in its main process: queue
    again what a lost worker or an unreachable broker left behind (jobs.jobs_recover)."""

    def recover_forever() -> None:
        while True:
            try:
                jobs.jobs_recover()
            except Exception:
                logger.exception("could not look for lost job work")
            stop.wait(settings.JOB_STALE_SECONDS / 2)

    stop = threading.Event()
    threading.Thread(target=recover_forever, name="jobs-recover", daemon=True).start()
