"""compare_models and activate_model's judgement on the site's true labels: a candidate
trained on inverted labels is significantly worse than the active model and is refused
unless --force."""

import io
import json

import pytest
from django.contrib.messages.constants import ERROR
from django.core.management import CommandError, call_command
from django.urls import reverse

from ml.models import ModelVersion
from reviews.models import Prediction, Review
from reviews.services.feedback import feedback_set_true_label
from reviews.services.scoring import review_create
from tests.conftest import register
from tests.reviews.admin.helpers import VERSIONS, action, messages_of
from tests.reviews.test_rescore import TEXTS

LABELLED = 20


@pytest.fixture
def labelled_reviews(active_model, ozark, admin_user):
    """Reviews whose true label is what the active model says, set by staff."""
    reviews = [
        review_create(movie_id=ozark.pk, text=f"{TEXTS[n % len(TEXTS)]} ({n})")
        for n in range(LABELLED)
    ]
    for label in ("positive", "negative"):
        ids = [review.pk for review in reviews if review.sentiment == label]
        feedback_set_true_label(review_ids=ids, label=label, user=admin_user)
    return reviews


@pytest.fixture
def inverted(inverted_artifact) -> ModelVersion:
    return register(inverted_artifact, version="inverted", active=False)


def compare(*arguments: str) -> dict:
    out = io.StringIO()
    call_command("compare_models", *arguments, stdout=out)
    return json.loads(out.getvalue())


def test_compare_models_finds_an_inverted_candidate_significantly_worse(
    labelled_reviews, inverted, active_model
):
    report = compare("inverted")

    assert (report["candidate"], report["baseline"], report["n"]) == (
        "inverted",
        active_model.version,
        LABELLED,
    )
    assert report["baseline_accuracy"] == 1.0
    # The baseline is right on every review: each the candidate gets wrong separates them.
    candidate_wrong = round((1 - report["candidate_accuracy"]) * LABELLED)
    assert (report["only_baseline_right"], report["only_candidate_right"]) == (candidate_wrong, 0)
    assert report["mcnemar_p"] < 0.05 and report["candidate_significantly_worse"]


def test_compare_models_of_a_model_with_itself_finds_no_difference(
    labelled_reviews, trained_artifact
):
    register(trained_artifact, version="same-again", active=False)

    report = compare("same-again")

    assert report["candidate_accuracy"] == report["baseline_accuracy"] == 1.0
    assert report["mcnemar_p"] == 1.0 and not report["candidate_significantly_worse"]


def test_compare_models_takes_another_baseline(labelled_reviews, inverted, active_model):
    report = compare(active_model.version, "--baseline", "inverted")

    assert report["baseline"] == "inverted" and not report["candidate_significantly_worse"]


def test_compare_models_takes_a_models_stored_prediction_as_its_answer(
    labelled_reviews, inverted, active_model
):
    # A model's answer to a text never changes, so what it stored is not scored again: here
    # one stored answer is made wrong, and the comparison counts it wrong.
    review = labelled_reviews[0]
    other = "negative" if review.sentiment == "positive" else "positive"
    Prediction.objects.filter(review=review, model_version=active_model).update(sentiment=other)

    report = compare("inverted")

    assert report["baseline_accuracy"] == (LABELLED - 1) / LABELLED


def test_compare_models_writes_nothing(labelled_reviews, inverted):
    before = [(r.pk, r.sentiment, r.model_version_id) for r in labelled_reviews]

    compare("inverted")

    after = list(Review.objects.order_by("pk").values_list("pk", "sentiment", "model_version_id"))
    assert after == before
    assert Prediction.objects.count() == LABELLED


def test_compare_models_with_an_unknown_candidate_is_a_one_line_error(labelled_reviews):
    with pytest.raises(CommandError, match="unknown model version 'nope'"):
        compare("nope")


def test_activate_model_refuses_a_significantly_worse_candidate(
    labelled_reviews, inverted, active_model
):
    with pytest.raises(CommandError, match="significantly worse.*--force activates it anyway"):
        call_command("activate_model", "inverted")

    assert ModelVersion.objects.get(is_active=True) == active_model


def test_activate_model_with_force_activates_it_anyway(labelled_reviews, inverted):
    call_command("activate_model", "inverted", "--force", stdout=io.StringIO())

    assert ModelVersion.objects.get(is_active=True) == inverted


def test_activate_model_without_true_labels_has_nothing_to_judge_and_activates(
    active_model, inverted
):
    call_command("activate_model", "inverted", stdout=io.StringIO())

    assert ModelVersion.objects.get(is_active=True) == inverted


def test_the_admins_activate_action_refuses_a_significantly_worse_candidate(
    admin_client, labelled_reviews, inverted, active_model
):
    response = action(admin_client, VERSIONS, "activate", [inverted])

    [(level, message)] = messages_of(response)
    assert level == ERROR and message.startswith("Not activated: model inverted is significantly")
    assert ModelVersion.objects.get(is_active=True) == active_model


def version_page(admin_client, model_version) -> str:
    url = reverse("admin:ml_modelversion_change", args=[model_version.pk])
    return admin_client.get(url).content.decode()


def test_a_candidates_admin_page_compares_it_with_the_active_model(
    admin_client, labelled_reviews, inverted, active_model
):
    content = version_page(admin_client, inverted)

    comparison = content[content.index("Against the active model") :]
    assert f"On the {LABELLED} truly labelled reviews" in comparison
    assert "this version is <strong>significantly worse</strong>" in comparison
    assert "“Activate” refuses it" in comparison


def test_the_active_models_admin_page_has_nothing_to_compare(admin_client, active_model):
    assert "This is the active model." in version_page(admin_client, active_model)


def test_a_candidate_without_true_labels_to_compare_on_says_so(
    admin_client, active_model, inverted
):
    assert "No truly labelled review to compare on yet" in version_page(admin_client, inverted)
