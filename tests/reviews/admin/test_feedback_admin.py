"""True labels in the admin: the list actions, the review's label history, the filters."""

import pytest
from django.contrib.messages.constants import SUCCESS
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Feedback
from reviews.services.feedback import feedback_set_true_label, feedback_vote
from tests.reviews.admin.helpers import (
    REVIEWS,
    action,
    listed_texts,
    messages_of,
    staff_user,
    stored_review,
)


def test_the_set_true_label_action_stores_a_staff_row_with_who_for_each_selected_review(
    client, ozark, active_model
):
    staff = staff_user("reviews.view_review", "reviews.add_feedback")
    client.force_login(staff)
    first, second = stored_review(ozark, active_model), stored_review(ozark, active_model)
    stored_review(ozark, active_model, text="not selected")

    response = action(client, REVIEWS, "set_true_label_negative", [first, second])

    rows = set(Feedback.objects.values_list("review", "label", "source", "user"))
    assert rows == {
        (first.pk, "negative", "staff", staff.pk),
        (second.pk, "negative", "staff", staff.pk),
    }
    assert messages_of(response) == [
        (SUCCESS, "True label negative recorded for 2 review(s), by you, now.")
    ]


def test_the_set_true_label_action_leaves_the_review_unchanged(admin_client, ozark, active_model):
    review = stored_review(ozark, active_model, probability=0.9)

    action(admin_client, REVIEWS, "set_true_label_negative", [review])

    review.refresh_from_db()
    assert (review.sentiment, review.probability_positive) == ("positive", 0.9)


def test_staff_without_the_feedback_permission_are_not_offered_the_true_label_actions(
    client, ozark, active_model
):
    client.force_login(staff_user("reviews.view_review", "reviews.change_review"))
    stored_review(ozark, active_model)

    actions = dict(client.get(REVIEWS).context["action_form"].fields["action"].choices)

    assert "rescore" in actions
    assert "set_true_label_positive" not in actions
    assert "set_true_label_negative" not in actions


def test_a_staff_member_without_the_permission_cannot_post_the_action(client, ozark, active_model):
    client.force_login(staff_user("reviews.view_review"))
    review = stored_review(ozark, active_model)

    action(client, REVIEWS, "set_true_label_positive", [review])

    assert not Feedback.objects.exists()


def test_the_review_page_shows_the_true_label_history_newest_first(
    admin_client, admin_user, ozark, active_model
):
    review = stored_review(ozark, active_model)
    feedback_set_true_label(review_ids=[review.pk], label="negative", user=admin_user)
    feedback_set_true_label(review_ids=[review.pk], label="positive", user=admin_user)

    response = admin_client.get(reverse("admin:reviews_review_change", args=[review.pk]))

    [inline] = [
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.opts.model is Feedback
    ]
    assert [form.original.label for form in inline] == ["positive", "negative"]
    assert "True label history" in response.content.decode()


def test_the_review_page_counts_the_visitors_votes(admin_client, ozark, active_model):
    review = stored_review(ozark, active_model)
    for visitor, label in [("a", "negative"), ("b", "negative"), ("c", "positive")]:
        feedback_vote(review_id=review.pk, label=label, visitor_key=visitor)

    response = admin_client.get(reverse("admin:reviews_review_change", args=[review.pk]))

    assert "1 say positive, 2 say negative" in response.content.decode()


# ---- filters


@pytest.fixture
def labelled(admin_user, ozark, active_model):
    """Four reviews: labelled right, labelled wrong (relabelled: the newest counts),
    with no label, and labelled wrong then right."""
    right = stored_review(ozark, active_model, text="labelled right", probability=0.9)
    wrong = stored_review(ozark, active_model, text="labelled wrong", probability=0.9)
    stored_review(ozark, active_model, text="no label", probability=0.9)
    corrected = stored_review(ozark, active_model, text="corrected", probability=0.2)
    for review, labels in [
        (right, ["positive"]),
        (wrong, ["positive", "negative"]),
        (corrected, ["positive", "negative"]),
    ]:
        for label in labels:
            feedback_set_true_label(review_ids=[review.pk], label=label, user=admin_user)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", {"labelled right", "labelled wrong", "corrected"}), ("no", {"no label"})],
)
def test_true_label_filter_lists_the_reviews_with_or_without_one(
    admin_client, labelled, value, expected
):
    assert listed_texts(admin_client.get(REVIEWS, {"true_label": value})) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", {"labelled wrong"}), ("no", {"labelled right", "corrected"})],
)
def test_true_label_disagrees_filter_compares_the_newest_label_with_the_prediction(
    admin_client, labelled, value, expected
):
    response = admin_client.get(REVIEWS, {"true_label_disagrees": value})

    assert listed_texts(response) == expected


@pytest.fixture
def voted(ozark, active_model):
    """Positive reviews: most votes against, a tie, most votes for, and no votes."""
    votes = {
        "most against": ["negative", "negative", "positive"],
        "a tie": ["negative", "positive"],
        "most for": ["positive"],
        "no votes": [],
    }
    for text, labels in votes.items():
        review = stored_review(ozark, active_model, text=text, probability=0.9)
        for number, label in enumerate(labels):
            feedback_vote(review_id=review.pk, label=label, visitor_key=f"visitor {number}")


@pytest.mark.parametrize(
    ("value", "expected"), [("yes", {"most against"}), ("no", {"a tie", "most for"})]
)
def test_visitors_disagree_filter_goes_by_the_majority_of_votes(
    admin_client, voted, value, expected
):
    assert listed_texts(admin_client.get(REVIEWS, {"visitors_disagree": value})) == expected


# ---- the feedback list

FEEDBACK = reverse("admin:reviews_feedback_changelist")


def queries_of_the_feedback_list(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(FEEDBACK).status_code == 200
    return len(queries)


def test_the_feedback_list_takes_as_many_queries_for_30_rows_as_for_3(
    admin_client, admin_user, ozark, active_model
):
    review = stored_review(ozark, active_model)
    for number in range(3):
        feedback_vote(review_id=review.pk, label="negative", visitor_key=f"visitor {number}")
    few = queries_of_the_feedback_list(admin_client)
    for number in range(3, 30):
        feedback_vote(review_id=review.pk, label="negative", visitor_key=f"visitor {number}")

    assert queries_of_the_feedback_list(admin_client) == few
