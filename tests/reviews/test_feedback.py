"""Visitors' votes and true labels: stored as Feedback rows, one vote per visitor."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from reviews.models import Feedback, Review
from reviews.services.feedback import (
    LABEL_REFUSED,
    VISITOR_COOKIE,
    UnknownLabel,
    feedback_set_true_label,
    feedback_vote,
)
from reviews.services.scoring import review_create
from reviews.views import THANK_YOU


@pytest.fixture
def review(ozark, active_model) -> Review:
    return review_create(movie_id=ozark.pk, text="A superb, moving film.")


def test_a_second_vote_of_a_visitor_replaces_the_first(review):
    feedback_vote(review_id=review.pk, label="negative", visitor_key="visitor:a")
    feedback_vote(review_id=review.pk, label="positive", visitor_key="visitor:a")

    assert list(Feedback.objects.values_list("label", "source")) == [("positive", "visitor")]


def test_votes_of_two_visitors_are_two_rows(review):
    feedback_vote(review_id=review.pk, label="negative", visitor_key="visitor:a")
    feedback_vote(review_id=review.pk, label="negative", visitor_key="visitor:b")

    assert Feedback.objects.filter(source="visitor").count() == 2


def test_the_database_refuses_a_second_vote_row_of_a_visitor(review):
    Feedback.objects.create(review=review, label="negative", source="visitor", visitor_key="k")

    with pytest.raises(IntegrityError):
        Feedback.objects.create(review=review, label="positive", source="visitor", visitor_key="k")


def test_a_vote_with_an_unknown_label_stores_nothing(review):
    with pytest.raises(UnknownLabel):
        feedback_vote(review_id=review.pk, label="neutral", visitor_key="visitor:a")

    assert not Feedback.objects.exists()


def test_a_vote_on_an_unknown_review_stores_nothing(review):
    with pytest.raises(Review.DoesNotExist):
        feedback_vote(review_id=review.pk + 1, label="positive", visitor_key="visitor:a")

    assert not Feedback.objects.exists()


def test_true_labels_keep_their_history_and_leave_the_review_unchanged(review, admin_user):
    before = Review.objects.values().get(pk=review.pk)

    feedback_set_true_label(review_ids=[review.pk], label="negative", user=admin_user)
    feedback_set_true_label(review_ids=[review.pk], label="positive", user=admin_user)

    rows = list(Feedback.objects.values_list("label", "source", "user"))
    assert rows == [("positive", "staff", admin_user.pk), ("negative", "staff", admin_user.pk)]
    assert Review.objects.values().get(pk=review.pk) == before


# ---- the review page's vote form

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def page_of(client, review) -> str:
    response = client.get(reverse("reviews:review_detail", args=[review.pk]))
    assert response.status_code == 200
    return response.content.decode()


def vote(client, review, label, *, review_id=None):
    """Votes as a browser does: with the token of the form on the page it just read."""
    token = CSRF_INPUT.search(page_of(client, review))[1]
    url = reverse("reviews:review_feedback", args=[review_id or review.pk])
    return client.post(url, {"label": label, "csrfmiddlewaretoken": token})


def nothing_stored_by_the_vote() -> bool:
    return not Feedback.objects.exists() and not Session.objects.exists()


def test_the_review_page_asks_whether_we_got_it_right(client, review):
    page = page_of(client, review)

    assert "Did we get it right?" in page
    assert 'name="label" value="positive"' in page and 'name="label" value="negative"' in page


def test_a_vote_is_stored_and_answered_with_303_back_to_the_review_page(review):
    browser = Client(enforce_csrf_checks=True)

    response = vote(browser, review, "negative")

    assert response.status_code == 303
    assert response["Location"] == reverse("reviews:review_detail", args=[review.pk]) + "#feedback"
    assert Feedback.objects.get().label == "negative"


def test_the_review_page_thanks_the_visitor_after_their_vote(review):
    browser = Client(enforce_csrf_checks=True)

    response = vote(browser, review, "negative")

    assert THANK_YOU in browser.get(response["Location"]).content.decode()


def test_the_cached_review_page_shows_no_visitor_another_visitors_thanks(review):
    voter, other = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    vote(voter, review, "negative")
    assert THANK_YOU in page_of(voter, review)  # the page is cached with it now, if ever

    assert THANK_YOU not in page_of(other, review)


def test_each_visitor_gets_a_vote_token_of_their_own_from_the_cached_review_page(review):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_of(first, review)

    response = vote(second, review, "positive")

    assert response.status_code == 303
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value


def test_a_second_vote_through_the_page_replaces_the_first(review):
    browser = Client(enforce_csrf_checks=True)

    vote(browser, review, "negative")
    vote(browser, review, "positive")

    assert list(Feedback.objects.values_list("label", flat=True)) == ["positive"]


def test_a_vote_on_an_unknown_review_is_a_404_storing_nothing(review):
    response = vote(Client(enforce_csrf_checks=True), review, "positive", review_id=review.pk + 1)

    assert response.status_code == 404
    assert nothing_stored_by_the_vote()


@pytest.mark.parametrize("label", ["neutral", "", "Positive"])
def test_a_vote_with_another_label_is_a_400_that_says_so_storing_nothing(review, label):
    response = vote(Client(enforce_csrf_checks=True), review, label)

    assert response.status_code == 400
    assert LABEL_REFUSED in response.content.decode()
    assert nothing_stored_by_the_vote()


def test_a_vote_without_a_label_is_a_400_storing_nothing(review):
    browser = Client(enforce_csrf_checks=True)
    token = CSRF_INPUT.search(page_of(browser, review))[1]

    response = browser.post(
        reverse("reviews:review_feedback", args=[review.pk]), {"csrfmiddlewaretoken": token}
    )

    assert response.status_code == 400
    assert nothing_stored_by_the_vote()


def test_a_vote_without_the_csrf_token_is_a_403_storing_nothing(review):
    browser = Client(enforce_csrf_checks=True)
    page_of(browser, review)

    response = browser.post(
        reverse("reviews:review_feedback", args=[review.pk]), {"label": "positive"}
    )

    assert response.status_code == 403
    assert nothing_stored_by_the_vote()


def test_a_signed_in_visitors_vote_names_them(review, admin_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)

    vote(browser, review, "negative")

    assert Feedback.objects.values_list("user", "visitor_key").get() == (
        admin_user.pk,
        f"user:{admin_user.pk}",
    )


def test_an_anonymous_vote_stores_the_vote_and_no_session(review):
    browser = Client(enforce_csrf_checks=True)

    vote(browser, review, "negative")

    assert Feedback.objects.get().visitor_key.startswith("visitor:")
    assert not Session.objects.exists()


def test_an_anonymous_visitors_id_is_kept_in_a_signed_http_only_cookie(review):
    browser = Client(enforce_csrf_checks=True)

    response = vote(browser, review, "negative")

    cookie = response.cookies[VISITOR_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    visitor = Feedback.objects.get().visitor_key.removeprefix("visitor:")
    assert visitor in cookie.value and cookie.value != visitor  # signed, not bare


def test_a_forged_visitor_cookie_votes_as_a_new_visitor_not_as_the_forged_one(review):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[VISITOR_COOKIE] = "someone-else"

    vote(browser, review, "negative")

    assert Feedback.objects.get().visitor_key != "visitor:someone-else"
