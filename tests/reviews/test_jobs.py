"""Re-score jobs, step by step in this process: planning, chunks, progress, and how a job
ends (done, superseded, cancelled, failed). tests/reviews/test_job_workers.py runs them on
real Celery workers."""

import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ml.artifact_store import artifact_publish, models_storage
from ml.classifier import ModelUnavailable, active_classifier
from ml.models import ModelVersion
from ml.services import model_activate
from reviews.models import Job, JobChunk, Prediction, Review
from reviews.services import jobs
from reviews.services.rescoring import ModelSuperseded, reviews_rescore
from reviewsite.celery import app as celery_app
from tests.conftest import register
from tests.jobs import run_job_here
from tests.reviews.test_rescore import TEXTS, assert_all_current_on, bulk_reviews


@pytest.fixture
def old_model(active_model):
    return active_model


@pytest.fixture
def reviews_on_old_model(old_model, trained_artifact, settings):
    """Ten reviews scored by the old model; a new model is then active; chunks of three."""
    settings.MODEL_REFRESH_SECONDS = 0
    settings.JOB_CHUNK_SIZE = 3
    bulk_reviews(10, model_version=old_model, texts=TEXTS)
    register(trained_artifact, version="v2", active=False)
    return model_activate(version="v2")


def queued_job(**options) -> Job:
    return jobs.rescore_job_queue(**options)


def test_a_job_brings_every_review_to_the_active_model_once(reviews_on_old_model):
    job = run_job_here(queued_job())

    assert (job.status, job.total, job.done) == ("done", 10, 10)
    assert_all_current_on(reviews_on_old_model)


def test_planning_splits_the_pending_reviews_into_chunks_by_primary_key(reviews_on_old_model):
    job = queued_job()

    jobs.job_plan(job.pk)

    pks = sorted(Review.objects.values_list("pk", flat=True))
    bounds = list(JobChunk.objects.filter(job=job).values_list("first_pk", "last_pk"))
    assert bounds == [(pks[0], pks[2]), (pks[3], pks[5]), (pks[6], pks[8]), (pks[9], pks[9])]


def test_a_job_counts_the_reviews_whose_sentiment_changed(old_model, trained_artifact, settings):
    settings.MODEL_REFRESH_SECONDS = 0
    bulk_reviews(5, model_version=old_model, texts=TEXTS)  # all stored as negative
    register(trained_artifact, version="v2", active=False)
    model_activate(version="v2")

    job = run_job_here(queued_job())

    assert job.changed == Review.objects.filter(sentiment="positive").count() > 0


def test_a_chunk_run_again_writes_nothing_more(reviews_on_old_model):
    job = run_job_here(queued_job())
    predictions = Prediction.objects.count()

    for chunk in JobChunk.objects.filter(job=job):
        JobChunk.objects.filter(pk=chunk.pk).update(status=JobChunk.Status.QUEUED)
        Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
        jobs.chunk_run(chunk.pk)

    job.refresh_from_db()
    assert Prediction.objects.count() == predictions
    assert job.done == 10
    assert_all_current_on(reviews_on_old_model)


def test_a_job_queued_for_a_selection_scores_only_it(reviews_on_old_model):
    chosen = list(Review.objects.order_by("pk")[:4])

    run_job_here(queued_job(reviews=Review.objects.filter(pk__in=[r.pk for r in chosen])))

    assert set(Review.objects.filter(model_version=reviews_on_old_model)) == set(chosen)


def test_activating_another_model_during_a_job_supersedes_it(reviews_on_old_model, old_model):
    job = queued_job()
    jobs.job_plan(job.pk)
    first, *rest = JobChunk.objects.filter(job=job)
    jobs.chunk_run(first.pk)

    model_activate(version=old_model.version)
    for chunk in rest:
        jobs.chunk_run(chunk.pk)

    job.refresh_from_db()
    assert job.status == "superseded"
    assert f"{old_model.version} was activated" in job.error
    assert Review.objects.filter(model_version=reviews_on_old_model).count() == job.done == 3


def test_a_job_whose_model_was_replaced_before_planning_is_superseded(
    reviews_on_old_model, old_model
):
    job = queued_job()
    model_activate(version=old_model.version)

    job = run_job_here(job)

    assert job.status == "superseded"
    assert not Review.objects.filter(model_version=reviews_on_old_model).exists()


def test_no_chunk_starts_after_a_job_is_cancelled(reviews_on_old_model, admin_user):
    job = queued_job()
    jobs.job_plan(job.pk)

    assert jobs.job_cancel(job, by=admin_user)
    for chunk in JobChunk.objects.filter(job=job):
        jobs.chunk_run(chunk.pk)

    job.refresh_from_db()
    assert (job.status, job.done, job.error) == ("cancelled", 0, f"cancelled by {admin_user}")
    assert not JobChunk.objects.filter(job=job, attempts__gt=0).exists()


def test_a_job_that_has_ended_cannot_be_cancelled(reviews_on_old_model):
    job = run_job_here(queued_job())

    assert not jobs.job_cancel(job)
    job.refresh_from_db()
    assert job.status == "done"


def test_a_failing_chunk_is_retried_and_then_fails_its_job(
    reviews_on_old_model, trained_artifact, settings
):
    artifact_publish(trained_artifact.directory, key="v3")
    ModelVersion.objects.create(version="v3", storage_key="v3", sha256=trained_artifact.sha256)
    model_activate(version="v3")
    job = queued_job()
    jobs.job_plan(job.pk)
    chunk = JobChunk.objects.filter(job=job).first()
    # A worker that never loaded the model, whose file has gone from the storage:
    models_storage().delete("v3/model.joblib")
    shutil.rmtree(settings.MODEL_CACHE_DIR)
    active_classifier.cache_clear()

    for _ in range(jobs.MAX_ATTEMPTS):
        with pytest.raises(jobs.ChunkFailed):
            jobs.chunk_run(chunk.pk)
    jobs.chunk_run(chunk.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert f"failed {jobs.MAX_ATTEMPTS} times" in job.error and "missing" in job.error
    assert not Review.objects.filter(model_version__version="v3").exists()


def test_a_chunk_whose_worker_was_lost_too_often_fails_its_job(reviews_on_old_model):
    job = queued_job()
    jobs.job_plan(job.pk)
    chunk = JobChunk.objects.filter(job=job).first()
    JobChunk.objects.filter(pk=chunk.pk).update(attempts=jobs.MAX_ATTEMPTS)

    jobs.chunk_run(chunk.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "its worker was lost each time" in job.error


@pytest.fixture
def tasks_run_here():
    """Tasks sent run at once in this process, as Celery's eager mode does."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_a_silent_chunk_is_queued_again_and_its_job_completes(
    reviews_on_old_model, settings, tasks_run_here
):
    job = queued_job()
    jobs.job_plan(job.pk)
    long_ago = timezone.now() - timezone.timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    JobChunk.objects.filter(job=job).update(status=JobChunk.Status.RUNNING, heartbeat_at=long_ago)

    assert jobs.jobs_recover() == 4

    job.refresh_from_db()
    assert job.status == "done"
    assert_all_current_on(reviews_on_old_model)


def test_a_chunk_with_a_recent_heartbeat_is_left_to_its_worker(
    reviews_on_old_model, tasks_run_here
):
    job = queued_job()
    jobs.job_plan(job.pk)
    JobChunk.objects.filter(job=job).update(status=JobChunk.Status.RUNNING)

    assert jobs.jobs_recover() == 0


def test_a_job_cannot_be_queued_without_an_active_model(reviews_on_old_model):
    ModelVersion.objects.update(is_active=False)

    with pytest.raises(ModelUnavailable):
        queued_job()
    assert not Job.objects.exists()


def test_activating_another_model_stops_an_in_process_rescore_after_its_batch(
    reviews_on_old_model, old_model
):
    def activate_after_the_first_batch(result):
        if result.scored:
            model_activate(version=old_model.version)

    with pytest.raises(ModelSuperseded):
        reviews_rescore(batch_size=4, progress=activate_after_the_first_batch)

    assert Review.objects.filter(model_version=reviews_on_old_model).count() == 4


def test_the_command_queues_a_job_and_prints_its_id(reviews_on_old_model):
    out = io.StringIO()

    call_command("rescore_reviews", "--queue", stdout=out)

    job = Job.objects.get()
    assert f"Queued job {job.pk}" in out.getvalue()
    assert job.model_version == reviews_on_old_model


@pytest.mark.parametrize(
    "options", [["--dry-run"], ["--limit", "3"], ["--workers", "2"], ["--version", "v2"]]
)
def test_the_command_refuses_in_process_options_with_queue(reviews_on_old_model, options):
    with pytest.raises(CommandError, match="only run in process"):
        call_command("rescore_reviews", "--queue", *options)
    assert not Job.objects.exists()
