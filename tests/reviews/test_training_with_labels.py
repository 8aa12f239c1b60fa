"""train_model --with-labels: the site's truly labelled reviews join the training data, except
the held-out fifth (ids divisible by 5), which no model ever learns from and which judges a
model trained this way."""

import io

import pytest
from django.core.management import CommandError, call_command

from ml.classifier import get_active_classifier, get_classifier
from ml.models import ModelVersion
from reviews.models import Prediction
from reviews.selectors.accuracy import live_accuracy
from reviews.selectors.comparison import models_compare
from reviews.selectors.feedback import HELD_OUT_EVERY, HELD_OUT_RULE, SITE_LABELS
from reviews.services.feedback import feedback_set_true_label
from reviews.services.scoring import review_create
from reviews.services.training import training_data_with_labels
from tests.conftest import register

REVIEWS = 10  # consecutive ids: two of them divisible by 5


def label(reviews, sentiment: str, user) -> None:
    feedback_set_true_label(
        review_ids=[review.pk for review in reviews], label=sentiment, user=user
    )


def held_out(reviews) -> list:
    return [review for review in reviews if review.pk % HELD_OUT_EVERY == 0]


def trainable(reviews) -> list:
    return [review for review in reviews if review.pk % HELD_OUT_EVERY != 0]


@pytest.fixture
def site_reviews(active_model, ozark, admin_user):
    """Ten reviews of texts no other data has, all truly labelled positive."""
    reviews = [
        review_create(movie_id=ozark.pk, text=f"Site review number {n}: a fine evening.")
        for n in range(REVIEWS)
    ]
    label(reviews, "positive", admin_user)
    return reviews


@pytest.fixture
def base(sample_data):
    return sample_data.subset(list(range(200)), name="base")


def test_the_labelled_reviews_outside_the_held_out_fifth_are_added(site_reviews, base):
    data, _ = training_data_with_labels(base)

    added = {
        text for text, source in zip(data.texts, data.sources, strict=True) if source == "site"
    }
    assert added == {review.text for review in trainable(site_reviews)}
    assert len(data) == len(base) + len(trainable(site_reviews))


def test_a_held_out_review_is_never_trained_on(site_reviews, base):
    data, _ = training_data_with_labels(base)

    assert held_out(site_reviews)
    assert not {review.text for review in held_out(site_reviews)} & set(data.texts)


def test_a_held_out_reviews_text_is_taken_out_of_the_other_data_too(
    active_model, ozark, admin_user, base
):
    copies = [review_create(movie_id=ozark.pk, text=text) for text in base.texts[:REVIEWS]]
    label(copies, "positive", admin_user)

    data, notes = training_data_with_labels(base)

    assert not {review.text for review in held_out(copies)} & set(data.texts)
    assert notes[SITE_LABELS]["left_out_of_base"] == len(held_out(copies))


def test_each_text_is_trained_on_once_with_the_newest_true_label(
    active_model, ozark, admin_user, base
):
    copies = [review_create(movie_id=ozark.pk, text=text) for text in base.texts[:REVIEWS]]
    label(copies, "positive", admin_user)
    label(copies, "negative", admin_user)  # the newest counts

    data, _ = training_data_with_labels(base)

    for review in trainable(copies):
        assert data.texts.count(review.text) == 1
        assert data.labels[data.texts.index(review.text)] == 0


def test_train_model_with_labels_records_the_split_in_the_models_metadata(site_reviews):
    call_command(
        "train_model", "--with-labels", "--sample", "300", "--no-activate", stdout=io.StringIO()
    )

    trained = ModelVersion.objects.exclude(pk=site_reviews[0].model_version_id).get()
    site = trained.training_data[SITE_LABELS]
    assert site["trained"] == len(trainable(site_reviews))
    assert site["held_out"] == len(held_out(site_reviews))
    assert site["held_out_rule"] == HELD_OUT_RULE
    assert trained.training_data["sources"]["site"] == len(trainable(site_reviews))


def test_train_model_with_labels_refuses_when_no_review_can_be_trained_on(active_model, ozark):
    with pytest.raises(CommandError, match="no truly labelled review can be trained on"):
        call_command("train_model", "--with-labels", "--sample", "300", stdout=io.StringIO())

    assert ModelVersion.objects.count() == 1


@pytest.fixture
def trained_with_labels(trained_artifact) -> ModelVersion:
    """A version whose metadata says it learnt from the site's labels."""
    version = register(trained_artifact, version="with-labels", active=False)
    version.training_data = {SITE_LABELS: {"trained": 8, "held_out": 2}}
    version.save()
    return version


def test_a_model_trained_with_labels_is_compared_only_on_the_held_out_reviews(
    site_reviews, trained_with_labels
):
    comparison = models_compare(
        candidate=get_classifier("with-labels"), baseline=get_active_classifier()
    )

    assert comparison.n == len(held_out(site_reviews))


def test_a_model_not_trained_with_labels_is_compared_on_every_labelled_review(
    site_reviews, trained_artifact
):
    register(trained_artifact, version="plain", active=False)

    comparison = models_compare(candidate=get_classifier("plain"), baseline=get_active_classifier())

    assert comparison.n == REVIEWS


def test_live_accuracy_of_a_model_trained_with_labels_counts_only_the_held_out_reviews(
    site_reviews, trained_with_labels
):
    Prediction.objects.bulk_create(
        Prediction(
            review=review,
            model_version=trained_with_labels,
            sentiment=review.sentiment,
            probability_positive=review.probability_positive,
        )
        for review in site_reviews
    )

    record = live_accuracy(model_version=trained_with_labels)

    assert record.accuracy.n == len(held_out(site_reviews))
