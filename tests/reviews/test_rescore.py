"""rescore_reviews: every stored review brought up to the active model, exactly once."""

import datetime
import hashlib
import io
import os
import subprocess
import sys
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ml.artifact_store import artifact_publish
from ml.models import ModelVersion
from ml.services import model_activate
from reviews.models import Movie, Prediction, Review
from reviews.services.rescoring import reviews_rescore
from reviews.services.scoring import review_create
from tests import PROJECT, model_environment
from tests.conftest import database_url, register

TEXTS = [
    "Brilliant, moving, superb.",
    "Boring, awful, a waste of time.",
    "A wonderful cast and a great script.",
    "The worst film I have seen this year.",
    "Fine.",
]


@pytest.fixture
def stored_reviews(active_model):
    movie = Movie.objects.get(title="Ozark")
    return [review_create(movie_id=movie.pk, text=text) for text in TEXTS]


@pytest.fixture
def new_model(trained_artifact, settings):
    settings.MODEL_REFRESH_SECONDS = 0
    register(trained_artifact, version="v2", active=False)
    return model_activate(version="v2")


def rescore(*args) -> str:
    out = io.StringIO()
    call_command("rescore_reviews", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def bulk_reviews(count: int, *, model_version: ModelVersion, texts: list[str]) -> None:
    """Many stored reviews, scored by `model_version`, written the fast way."""
    # get_or_create: a transactional test flushes the tables, migrated movies included.
    movie, _ = Movie.objects.get_or_create(title="Ozark")
    Review.objects.bulk_create(
        Review(
            movie=movie,
            text=texts[number % len(texts)],
            sentiment="negative",
            probability_positive=0.2,
            model_version=model_version,
        )
        for number in range(count)
    )


def assert_all_current_on(model_version: ModelVersion) -> None:
    """Every review: exactly one Prediction by `model_version`, equal to its current fields."""
    reviews = Review.objects.count()
    assert Review.objects.filter(model_version=model_version).count() == reviews
    predictions = Prediction.objects.filter(model_version=model_version)
    assert predictions.count() == reviews
    assert (
        predictions.filter(
            sentiment=F("review__sentiment"), probability_positive=F("review__probability_positive")
        ).count()
        == reviews
    )


def test_rescore_brings_every_review_to_the_active_model(stored_reviews, new_model):
    output = rescore("--batch-size", "2")

    assert "Scored 5 reviews" in output
    assert_all_current_on(new_model)
    for review in Review.objects.all():
        newest = review.predictions.order_by("-created_at", "-id").first()
        assert newest.model_version == new_model


def test_rescore_keeps_the_earlier_prediction_in_the_history(stored_reviews, new_model):
    rescore()

    assert Prediction.objects.count() == 2 * len(TEXTS)
    assert Prediction.objects.filter(model_version__version="test-model").count() == len(TEXTS)


def test_a_second_run_skips_everything_and_adds_nothing(stored_reviews, new_model):
    rescore()
    predictions = Prediction.objects.count()

    output = rescore()

    assert "Scored 0 reviews" in output
    assert "5 already up to date" in output
    assert Prediction.objects.count() == predictions


def test_a_flip_is_counted_and_remembered(stored_reviews, new_model):
    review = stored_reviews[0]
    Review.objects.filter(pk=review.pk).update(sentiment="negative")  # as an old model said

    output = rescore()

    review.refresh_from_db()
    assert review.sentiment == "positive"
    assert review.previous_sentiment == "negative"
    assert "1 negative to positive" in output


def test_dry_run_reports_and_writes_nothing(stored_reviews, new_model):
    output = rescore("--dry-run")

    assert "Scored 5 reviews" in output
    assert "would change" in output
    assert not Prediction.objects.filter(model_version=new_model).exists()


def test_dry_run_with_a_candidate_version_judges_it_without_activating(
    stored_reviews, trained_artifact
):
    register(trained_artifact, version="candidate", active=False)

    output = rescore("--dry-run", "--version", "candidate")

    assert "with model candidate" in output
    assert not Prediction.objects.filter(model_version__version="candidate").exists()
    assert ModelVersion.objects.get(is_active=True).version == "test-model"


def test_limit_scores_only_that_many(stored_reviews, new_model):
    rescore("--limit", "3", "--batch-size", "2")

    assert Review.objects.filter(model_version=new_model).count() == 3


def test_movie_option_rescores_only_that_movies_reviews(stored_reviews, new_model):
    other = review_create(movie_id=Movie.objects.get(title="Vincenzo").pk, text="Superb.")
    Review.objects.filter(pk=other.pk).update(
        model_version=ModelVersion.objects.get(version="test-model")
    )

    rescore("--movie", "Vincenzo")

    assert list(Review.objects.filter(model_version=new_model)) == [other]


def test_movie_option_takes_the_movies_id(stored_reviews, new_model):
    other = review_create(movie_id=Movie.objects.get(title="Vincenzo").pk, text="Superb.")
    Review.objects.filter(pk=other.pk).update(
        model_version=ModelVersion.objects.get(version="test-model")
    )

    rescore("--movie", str(other.movie_id))

    assert list(Review.objects.filter(model_version=new_model)) == [other]


def test_since_option_rescores_only_recent_reviews(stored_reviews, new_model):
    Review.objects.exclude(pk=stored_reviews[0].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )

    rescore("--since", (timezone.now() - datetime.timedelta(days=1)).date().isoformat())

    assert list(Review.objects.filter(model_version=new_model)) == [stored_reviews[0]]


def test_queries_do_not_grow_with_the_number_of_reviews_in_a_batch(
    active_model, new_model, sample_data
):
    reviews_rescore()  # loads the model, so both measurements below start warm
    bulk_reviews(10, model_version=active_model, texts=sample_data.texts)
    with CaptureQueriesContext(connection) as few:
        reviews_rescore(batch_size=500)
    bulk_reviews(200, model_version=active_model, texts=sample_data.texts)
    with CaptureQueriesContext(connection) as many:
        reviews_rescore(batch_size=500)

    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-size", "-1"], "batch-size"),
        (["--workers", "0"], "workers"),
        (["--limit", "-5"], "limit"),
        (["--limit", str(2**63), "--workers", "2"], "--limit: must be at most"),
        (["--workers", "1_0"], "workers"),
        (["--movie", "No Such Movie"], "no movie 'No Such Movie'"),
        (["--movie", "²"], "no movie '²'"),
        (["--movie", str(2**64)], f"no movie '{2**64}'"),
        (["--since", "yesterday"], "not a date"),
        (["--since", "0001-01-01T00:00+05:00"], "out of range"),
        (["--dry-run", "--version", "nope"], "unknown model version 'nope'"),
        (["--version", "test-model"], "needs --dry-run"),
    ],
    ids=[
        "batch",
        "workers",
        "limit",
        "limit-past-64-bits",
        "workers-with-underscore",
        "movie",
        "movie-superscript-digit",
        "movie-id-beyond-any-key",
        "since",
        "since-before-the-year-1",
        "version",
        "version-without-dry-run",
    ],
)
def test_bad_options_are_clear_errors_and_write_nothing(stored_reviews, new_model, args, message):
    with pytest.raises(CommandError, match=message):
        rescore(*args)

    assert not Prediction.objects.filter(model_version=new_model).exists()


def test_a_candidate_whose_file_was_altered_is_refused(stored_reviews, tmp_path):
    directory = tmp_path / "altered"
    directory.mkdir()
    (directory / "model.joblib").write_bytes(b"not the registered model")
    (directory / "metadata.json").write_text("{}")
    artifact_publish(directory, key="altered")
    registered = hashlib.sha256(b"the registered model").hexdigest()
    ModelVersion.objects.create(version="altered", storage_key="altered", sha256=registered)

    with pytest.raises(CommandError, match="does not match its registered checksum"):
        rescore("--dry-run", "--version", "altered")


def test_two_workers_rescore_every_review_exactly_once(
    transactional_db, active_model, new_model, sample_data
):
    bulk_reviews(300, model_version=active_model, texts=sample_data.texts)

    output = rescore("--workers", "2", "--batch-size", "25")

    assert "Scored 300 reviews" in output
    assert_all_current_on(new_model)


def test_a_limit_over_two_workers_scores_exactly_the_lowest_pending_ids(
    transactional_db, active_model, new_model, sample_data
):
    bulk_reviews(10, model_version=active_model, texts=sample_data.texts)
    ids = list(Review.objects.order_by("pk").values_list("pk", flat=True))
    # Already current on the new model, so not pending: the limit counts past it.
    Review.objects.filter(pk=ids[1]).update(model_version=new_model)

    output = rescore("--limit", "5", "--workers", "2", "--batch-size", "2")

    assert "Scored 5 reviews" in output
    rescored = Prediction.objects.filter(model_version=new_model)
    assert sorted(rescored.values_list("review_id", flat=True)) == [ids[0], *ids[2:6]]


def test_a_limit_of_zero_over_two_workers_scores_nothing(
    transactional_db, active_model, new_model, sample_data
):
    bulk_reviews(10, model_version=active_model, texts=sample_data.texts)

    output = rescore("--limit", "0", "--workers", "2")

    assert "Scored 0 reviews" in output
    assert not Prediction.objects.filter(model_version=new_model).exists()


def test_two_workers_report_progress_up_to_the_total(
    transactional_db, active_model, new_model, sample_data
):
    bulk_reviews(200, model_version=active_model, texts=sample_data.texts)
    reported = []

    reviews_rescore(workers=2, batch_size=20, progress=lambda done: reported.append(done.scored))

    assert reported == sorted(reported)
    assert reported[-1] == 200


def subprocess_environment() -> dict:
    return {
        **os.environ,
        **model_environment(),
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.slow
def test_killed_at_any_moment_a_rerun_finishes_with_one_prediction_each(
    transactional_db, active_model, new_model, sample_data
):
    bulk_reviews(3000, model_version=active_model, texts=sample_data.texts)
    command = [sys.executable, "manage.py", "rescore_reviews", "--batch-size", "50"]

    for kill_after in (200, 1500):
        process = subprocess.Popen(command, cwd=PROJECT, env=subprocess_environment())
        deadline = time.monotonic() + 120
        while Review.objects.filter(model_version=new_model).count() < kill_after:
            assert process.poll() is None, "finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        process.kill()
        process.wait()
        assert Review.objects.filter(model_version=new_model).count() < 3000

    rescore()

    assert_all_current_on(new_model)


@pytest.mark.slow
def test_reviews_submitted_while_rescoring_are_all_stored_and_scored(
    transactional_db, active_model, new_model, sample_data
):
    bulk_reviews(3000, model_version=active_model, texts=sample_data.texts)
    ozark = Movie.objects.get(title="Ozark")  # created by bulk_reviews
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rescore_reviews", "--batch-size", "100"],
        cwd=PROJECT,
        env=subprocess_environment(),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not Prediction.objects.filter(model_version=new_model).exists():
        assert process.poll() is None, "finished before its first batch was seen"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    client = Client()
    statuses = []
    answered_while_rescoring = 0
    # Submit for as long as the rescoring writes (within a bound), counting the submissions
    # answered while it was still running: those are the ones this test is about.
    while process.poll() is None and len(statuses) < 2000:
        response = client.post("/", {"movie": ozark.pk, "review": f"Live review {len(statuses)}"})
        statuses.append(response.status_code)
        answered_while_rescoring += process.poll() is None
    _, errors = process.communicate(timeout=300)

    assert answered_while_rescoring >= 1
    assert process.returncode == 0, errors
    assert "locked" not in errors
    assert statuses == [303] * len(statuses)
    assert Review.objects.filter(text__startswith="Live review").count() == len(statuses)
    rescore()
    assert_all_current_on(new_model)
