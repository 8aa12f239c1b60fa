"""Visitors' votes and true labels: stored as Feedback rows, one vote per visitor."""

import pytest
from django.db import IntegrityError

from reviews.models import Feedback, Review
from reviews.services.feedback import (
    UnknownLabel,
    feedback_set_true_label,
    feedback_vote,
)
from reviews.services.scoring import review_create


@pytest.fixture
def review(ozark, active_model) -> Review:
    return review_create(movie_id=ozark.pk, text="A superb, moving film.")


def test_a_second_vote_of_a_visitor_replaces_the_first(review):
    feedback_vote(review_id=review.pk, label="negative", visitor_key="session:a")
    feedback_vote(review_id=review.pk, label="positive", visitor_key="session:a")

    assert list(Feedback.objects.values_list("label", "source")) == [("positive", "visitor")]


def test_votes_of_two_visitors_are_two_rows(review):
    feedback_vote(review_id=review.pk, label="negative", visitor_key="session:a")
    feedback_vote(review_id=review.pk, label="negative", visitor_key="session:b")

    assert Feedback.objects.filter(source="visitor").count() == 2


def test_the_database_refuses_a_second_vote_row_of_a_visitor(review):
    Feedback.objects.create(review=review, label="negative", source="visitor", visitor_key="k")

    with pytest.raises(IntegrityError):
        Feedback.objects.create(review=review, label="positive", source="visitor", visitor_key="k")


def test_a_vote_with_an_unknown_label_stores_nothing(review):
    with pytest.raises(UnknownLabel):
        feedback_vote(review_id=review.pk, label="neutral", visitor_key="session:a")

    assert not Feedback.objects.exists()


def test_a_vote_on_an_unknown_review_stores_nothing(review):
    with pytest.raises(Review.DoesNotExist):
        feedback_vote(review_id=review.pk + 1, label="positive", visitor_key="session:a")

    assert not Feedback.objects.exists()


def test_true_labels_keep_their_history_and_leave_the_review_unchanged(review, admin_user):
    before = Review.objects.values().get(pk=review.pk)

    feedback_set_true_label(review_ids=[review.pk], label="negative", user=admin_user)
    feedback_set_true_label(review_ids=[review.pk], label="positive", user=admin_user)

    rows = list(Feedback.objects.values_list("label", "source", "user"))
    assert rows == [("positive", "staff", admin_user.pk), ("negative", "staff", admin_user.pk)]
    assert Review.objects.values().get(pk=review.pk) == before
