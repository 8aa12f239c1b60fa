"""Live accuracy per model version on the site's true labels, and `evaluate_model --stored`.

The constructed set, by hand. The active model ("test-model") scored ten labelled reviews:
true positive predicted positive 5, true positive predicted negative 1, true negative
predicted negative 3, true negative predicted positive 1. Right: 8 of 10, Wilson 95%
interval (0.4902, 0.9433), confusion matrix (rows true, columns predicted, negative first)
[[3, 1], [1, 5]]. One of the true negatives was first labelled positive: the newest label
counts. A labelled review it never scored and an unlabelled one it scored do not count.

The old model scored the same ten reviews, all positive, and the labelled one the active model
never scored, negative and truly negative: right 7 of 11, [[1, 4], [0, 6]].

Visitors voted four times on reviews the active model scored, three agreeing with it: 3 of 4;
one more vote, on a review only the old model scored, is not the active model's.
"""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ml.models import ModelVersion
from reviews.models import Movie, Prediction, Review
from reviews.selectors.accuracy import live_accuracy, live_accuracy_of
from reviews.services.feedback import feedback_set_true_label, feedback_vote
from tests.conftest import register


def scored_review(movie: Movie, predictions: dict[ModelVersion, str]) -> Review:
    """A review with a prediction by each version; its current one is the last given."""
    *_, (current, sentiment) = predictions.items()
    review = Review.objects.create(
        movie=movie,
        text="A review.",
        sentiment=sentiment,
        probability_positive=0.9 if sentiment == "positive" else 0.1,
        model_version=current,
    )
    Prediction.objects.bulk_create(
        Prediction(
            review=review,
            model_version=version,
            sentiment=label,
            probability_positive=0.9 if label == "positive" else 0.1,
        )
        for version, label in predictions.items()
    )
    return review


def label(review: Review, *labels: str, user=None) -> None:
    for true_label in labels:
        feedback_set_true_label(review_ids=[review.pk], label=true_label, user=user)


@pytest.fixture
def old_model(trained_artifact, active_model) -> ModelVersion:
    return register(trained_artifact, version="old-model", active=False)


@pytest.fixture
def constructed(ozark, active_model, old_model, admin_user):
    cells = [("positive", "positive", 5), ("positive", "negative", 1)]
    # The third true negative predicted negative is the relabelled one, below.
    cells += [("negative", "negative", 2), ("negative", "positive", 1)]
    reviews = []
    for true_label, predicted, count in cells:
        for _ in range(count):
            review = scored_review(ozark, {old_model: "positive", active_model: predicted})
            label(review, true_label, user=admin_user)
            reviews.append((review, predicted))
    relabelled = scored_review(ozark, {old_model: "positive", active_model: "negative"})
    label(relabelled, "positive", "negative", user=admin_user)
    reviews.append((relabelled, "negative"))
    # Not the active model's: labelled but never scored by it; scored but not labelled.
    only_old = scored_review(ozark, {old_model: "negative"})
    label(only_old, "negative", user=admin_user)
    scored_review(ozark, {active_model: "positive"})
    # Votes: the first three agree with the active model, the fourth does not.
    for number, (review, predicted) in enumerate(reviews[:3]):
        feedback_vote(review_id=review.pk, label=predicted, visitor_key=f"visitor {number}")
    disagreeing = "negative" if reviews[3][1] == "positive" else "positive"
    feedback_vote(review_id=reviews[3][0].pk, label=disagreeing, visitor_key="visitor 3")
    feedback_vote(review_id=only_old.pk, label="negative", visitor_key="visitor 4")


def test_accuracy_counts_the_labelled_reviews_the_version_scored(constructed, active_model):
    accuracy = live_accuracy(model_version=active_model).accuracy

    assert (accuracy.n, accuracy.right, accuracy.value) == (10, 8, 0.8)


def test_accuracy_comes_with_its_wilson_interval(constructed, active_model):
    low, high = live_accuracy(model_version=active_model).accuracy.interval

    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_the_confusion_matrix_has_true_labels_in_rows_negative_first(constructed, active_model):
    assert live_accuracy(model_version=active_model).confusion == [[3, 1], [1, 5]]


def test_an_older_version_keeps_its_own_record(constructed, old_model):
    record = live_accuracy(model_version=old_model)

    assert (record.accuracy.n, record.accuracy.right) == (11, 7)
    assert record.confusion == [[1, 4], [0, 6]]


def test_visitor_agreement_is_counted_apart_from_accuracy(constructed, active_model):
    agreement = live_accuracy(model_version=active_model).visitor_agreement

    assert (agreement.n, agreement.right, agreement.value) == (4, 3, 0.75)


def test_a_version_with_no_labelled_reviews_has_no_accuracy_and_no_interval(active_model):
    accuracy = live_accuracy(model_version=active_model).accuracy

    assert (accuracy.n, accuracy.value, accuracy.interval) == (0, None, None)


def labelled_reviews(movie, version, count: int, admin_user) -> None:
    for number in range(count):
        review = scored_review(movie, {version: "positive"})
        label(review, "negative" if number % 3 else "positive", user=admin_user)
        feedback_vote(review_id=review.pk, label="negative", visitor_key="one visitor")


def queries_of_live_accuracy(version) -> int:
    with CaptureQueriesContext(connection) as queries:
        live_accuracy(model_version=version)
    return len(queries)


def test_live_accuracy_takes_as_many_queries_for_30_labels_as_for_3(
    ozark, active_model, admin_user
):
    labelled_reviews(ozark, active_model, 3, admin_user)
    few = queries_of_live_accuracy(active_model)
    labelled_reviews(ozark, active_model, 27, admin_user)

    assert queries_of_live_accuracy(active_model) == few == 2
    assert live_accuracy(model_version=active_model).accuracy.n == 30


# ---- evaluate_model --stored


def evaluate_stored(*args: str) -> dict:
    out = io.StringIO()
    call_command("evaluate_model", "--stored", *args, stdout=out)
    return json.loads(out.getvalue())


def test_evaluate_model_stored_prints_one_json_object_for_the_active_model(constructed):
    report = evaluate_stored()

    assert report["version"] == "test-model"
    assert (report["n"], report["accuracy"]) == (10, 0.8)
    assert report["interval"] == pytest.approx([0.4902, 0.9433], abs=1e-4)
    assert report["confusion_matrix"] == [[3, 1], [1, 5]]
    assert report["labels"] == ["negative", "positive"]
    assert report["visitor_agreement"]["n"] == 4


def test_evaluate_model_stored_reports_the_version_named(constructed):
    report = evaluate_stored("--version", "old-model")

    assert (report["version"], report["n"], report["confusion_matrix"]) == (
        "old-model",
        11,
        [[1, 4], [0, 6]],
    )


def test_evaluate_model_stored_of_an_unknown_version_is_a_clear_error(active_model):
    with pytest.raises(CommandError, match="unknown model version 'nope'"):
        evaluate_stored("--version", "nope")


def test_evaluate_model_stored_without_an_active_model_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no active model"):
        evaluate_stored()


def test_evaluate_model_needs_data_or_stored(active_model):
    with pytest.raises(CommandError, match="--data --stored"):
        call_command("evaluate_model", stdout=io.StringIO())


# ---- the model version's admin page


def test_the_model_versions_admin_page_shows_its_live_accuracy(admin_client, constructed):
    version = ModelVersion.objects.get(version="test-model")

    response = admin_client.get(reverse("admin:ml_modelversion_change", args=[version.pk]))

    content = response.content.decode()
    assert "Live accuracy" in content
    assert "80.0%" in content and "49.0–94.3%" in content
    assert "of 10 labelled reviews" in content
    assert "3 of 4 votes" in content


def test_live_accuracy_of_names_the_active_version_by_default(constructed):
    assert live_accuracy_of().version == "test-model"
