"""Re-score jobs on real Celery workers and real brokers (RabbitMQ, Redis, and the file-system
broker `make run` uses): two workers share a job; a worker killed mid-chunk, a restarted
broker, an activation and a cancel during a job. The invariant every test ends on: each
review has exactly one Prediction by the active model, equal to its current fields."""

import json
import re
import shutil
import subprocess
import time

import pytest

from ml.services import model_activate
from reviews.models import Job, JobChunk, Prediction, Review
from reviews.services.jobs import job_cancel
from tests.conftest import database_url, register
from tests.live_celery import (
    EMBEDDED,
    RABBITMQ,
    REDIS,
    answers,
    celery_workers,
    wait_until,
    wait_until_finished,
)
from tests.live_gunicorn import free_port
from tests.reviews.test_rescore import TEXTS, assert_all_current_on, bulk_reviews

REVIEWS = 3000
# Small chunks and batches: a job of many short steps, so faults land in the middle of one.
JOB_ENVIRONMENT = {"JOB_CHUNK_SIZE": "300"}
BATCH = "50"
LONG_JOB = 12_000


def brokers():
    return [
        pytest.param(
            url, marks=pytest.mark.skipif(not answers(url), reason=f"no broker at {url}"), id=name
        )
        for name, url in (("rabbitmq", RABBITMQ), ("redis", REDIS))
    ]


def every_broker():
    return [pytest.param(EMBEDDED, id="embedded"), *brokers()]


@pytest.fixture
def new_model(transactional_db, active_model, trained_artifact):
    """REVIEWS reviews scored by the old model, and a new model active."""
    bulk_reviews(REVIEWS, model_version=active_model, texts=TEXTS)
    register(trained_artifact, version="v2", active=False)
    return model_activate(version="v2")


@pytest.fixture
def long_job(new_model, active_model):
    """More reviews: a job still under way seconds after it was queued."""
    bulk_reviews(LONG_JOB - REVIEWS, model_version=active_model, texts=TEXTS)


@pytest.fixture
def workers_on(new_model, tmp_path, settings):
    def start(broker_url: str, *, environment: dict | None = None):
        return celery_workers(
            broker_url=broker_url,
            database_url=database_url(),
            secret_key=settings.SECRET_KEY,
            tmp_path=tmp_path,
            environment={**JOB_ENVIRONMENT, **(environment or {})},
        )

    return start


def chunks_done_by(workers, name: str) -> int:
    log = (workers.log_dir / f"{name}.log").read_text()
    return len(re.findall(r"Task reviews\.tasks\.rescore_chunk\[[-0-9a-f]+\] succeeded", log))


@pytest.mark.parametrize("broker_url", every_broker())
def test_two_workers_share_a_job_and_every_review_ends_on_the_active_model(
    workers_on, new_model, broker_url
):
    with workers_on(broker_url) as workers:
        workers.start(name="first")
        workers.start(name="second")
        job = wait_until_finished(workers.queue_rescore("--batch-size", BATCH), workers=workers)

        assert (job.status, job.total, job.done) == ("done", REVIEWS, REVIEWS)
        assert chunks_done_by(workers, "first") and chunks_done_by(workers, "second")
    assert_all_current_on(new_model)


def test_a_worker_with_an_empty_cache_and_only_the_storage_loads_the_model_and_scores(
    workers_on, new_model, settings, tmp_path
):
    elsewhere = {
        "MODEL_DIR": str(tmp_path / "no-such-folder"),
        "MODEL_STORAGE_BACKEND": "django.core.files.storage.FileSystemStorage",
        "MODEL_STORAGE_OPTIONS": json.dumps({"location": str(settings.MODEL_DIR)}),
        "MODEL_CACHE_DIR": str(tmp_path / "other-host-cache"),
    }
    with workers_on(EMBEDDED) as workers:
        workers.start(name="other-host", environment=elsewhere)
        job = wait_until_finished(workers.queue_rescore("--batch-size", BATCH), workers=workers)

    assert (job.status, job.done) == ("done", REVIEWS)
    assert (tmp_path / "other-host-cache" / new_model.sha256 / "model.joblib").exists()
    assert not (tmp_path / "no-such-folder").exists()
    assert_all_current_on(new_model)


@pytest.mark.skipif(not answers(RABBITMQ), reason=f"no broker at {RABBITMQ}")
def test_a_chunk_of_a_worker_killed_mid_chunk_is_finished_by_the_other(
    workers_on, long_job, new_model
):
    with workers_on(RABBITMQ) as workers:
        doomed = workers.start(name="doomed")
        workers.start(name="survivor")
        job = workers.queue_rescore("--batch-size", BATCH)
        # Mid-job both workers are always in a chunk: each takes the next as it ends one.
        wait_until(lambda: Job.objects.get(pk=job.pk).done >= LONG_JOB // 3, workers=workers)

        workers.kill(doomed)
        job = wait_until_finished(job, workers=workers)

    assert (job.status, job.done) == ("done", LONG_JOB)
    assert JobChunk.objects.filter(job=job, attempts__gt=1).exists()  # the redelivered one
    assert_all_current_on(new_model)


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of the test's own, which the test may restart (keeping its data, as a
    restarted server with an append-only file does)."""
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server to start")
    port = free_port()
    arguments = [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
        "--appendonly", "yes", "--save", "",
    ]  # fmt: skip

    def start():
        process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL)
        while not answers(f"redis://127.0.0.1:{port}"):
            time.sleep(0.05)
        return process

    server = {"process": start(), "url": f"redis://127.0.0.1:{port}/0"}

    def restart():
        server["process"].terminate()  # Redis saves its append-only file on SIGTERM
        server["process"].wait(timeout=30)
        server["process"] = start()

    server["restart"] = restart
    yield server
    server["process"].terminate()
    server["process"].wait(timeout=30)


def test_a_job_completes_when_its_broker_restarts_during_it(workers_on, new_model, private_redis):
    # Redis hands back what a worker had taken only after a visibility timeout; the
    # workers' own recovery queues a silent chunk again sooner (JOB_STALE_SECONDS).
    with workers_on(private_redis["url"], environment={"JOB_STALE_SECONDS": "3"}) as workers:
        workers.start(name="first")
        workers.start(name="second")
        job = workers.queue_rescore("--batch-size", BATCH)
        wait_until(lambda: Job.objects.get(pk=job.pk).done > 0, workers=workers)

        private_redis["restart"]()
        job = wait_until_finished(job, workers=workers)

    assert (job.status, job.done) == ("done", REVIEWS)
    assert_all_current_on(new_model)


@pytest.mark.parametrize("broker_url", brokers())
def test_activating_a_model_during_a_job_supersedes_it_and_stops_its_writes(
    workers_on, long_job, new_model, active_model, broker_url
):
    with workers_on(broker_url) as workers:
        workers.start(name="first")
        workers.start(name="second")
        job = workers.queue_rescore("--batch-size", BATCH)
        wait_until(lambda: Job.objects.get(pk=job.pk).done > 0, workers=workers)
        model_activate(version=active_model.version)
        written_before = Prediction.objects.filter(model_version=new_model).count()
        job = wait_until_finished(job, workers=workers)

    assert job.status == "superseded"
    assert f"{active_model.version} was activated" in job.error
    assert Prediction.objects.filter(model_version=new_model).count() == written_before
    assert Review.objects.filter(model_version=new_model).count() == written_before < LONG_JOB


@pytest.mark.parametrize("broker_url", brokers())
def test_after_a_cancel_no_chunk_starts_and_a_running_one_stops_after_its_batch(
    workers_on, long_job, new_model, broker_url
):
    with workers_on(broker_url) as workers:
        workers.start(name="first")
        workers.start(name="second")
        job = workers.queue_rescore("--batch-size", BATCH)
        wait_until(lambda: Job.objects.get(pk=job.pk).done > 0, workers=workers)

        job_cancel(job)
        done_at_cancel = Job.objects.get(pk=job.pk).done
        time.sleep(3)

    job.refresh_from_db()
    assert job.status == "cancelled"
    # After the cancel, each of the two workers writes at most what it had in hand: the batch
    # being written and the one being scored (reviews/persistence/batch_writer.py).
    assert job.done - done_at_cancel <= 2 * 2 * int(BATCH)
    assert JobChunk.objects.filter(job=job, attempts=0).exists()
    assert Review.objects.filter(model_version=new_model).count() == job.done < LONG_JOB
