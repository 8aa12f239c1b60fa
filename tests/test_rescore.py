"""rescore_reviews: every stored review brought up to the active model, once."""

import io

import pytest
from django.core.management import CommandError, call_command

from ml.services import model_activate
from reviews.models import Movie, Prediction, Review
from reviews.services import review_create
from tests.conftest import register

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
    return [review_create(movie=movie, text=text) for text in TEXTS]


@pytest.fixture
def new_model(trained_artifact, stored_reviews, settings):
    settings.MODEL_REFRESH_SECONDS = 0
    register(trained_artifact, version="v2", active=False)
    return model_activate(version="v2")


def rescore(*args) -> str:
    out = io.StringIO()
    call_command("rescore_reviews", *args, stdout=out)
    return out.getvalue()


def test_rescore_brings_every_review_to_the_active_model(new_model):
    output = rescore("--batch-size", "2")

    assert "Scored 5 reviews" in output
    for review in Review.objects.all():
        newest = review.predictions.order_by("-created_at", "-id").first()
        assert review.model_version == new_model
        assert newest.model_version == new_model
        assert (newest.sentiment, newest.probability_positive) == (
            review.sentiment,
            review.probability_positive,
        )
    assert Prediction.objects.filter(model_version=new_model).count() == 5


def test_a_second_run_skips_everything_and_adds_nothing(new_model):
    rescore()
    predictions = Prediction.objects.count()

    output = rescore()

    assert "Scored 0 reviews" in output
    assert "5 already up to date" in output
    assert Prediction.objects.count() == predictions


def test_dry_run_reports_and_writes_nothing(new_model):
    output = rescore("--dry-run")

    assert "Scored 5 reviews" in output
    assert "would change" in output
    assert not Prediction.objects.filter(model_version=new_model).exists()


def test_limit_scores_only_that_many(new_model):
    rescore("--limit", "3", "--batch-size", "2")

    assert Review.objects.filter(model_version=new_model).count() == 3


def test_negative_batch_size_is_a_clear_error(stored_reviews):
    with pytest.raises(CommandError, match="batch-size"):
        rescore("--batch-size", "-1")
