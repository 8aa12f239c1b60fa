"""POST /api/reviews/<id>/feedback: a vote through the API, protected like its other writes."""

import json

import pytest
from django.test import Client

from reviews.models import Feedback, Review
from reviews.services.feedback import LABEL_REFUSED
from reviews.services.scoring import review_create


@pytest.fixture
def review(ozark, active_model) -> Review:
    return review_create(movie_id=ozark.pk, text="A superb, moving film.")


def post_vote(client, review_id: int, body, *, token=None, **extra):
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(
        f"/api/reviews/{review_id}/feedback",
        data=json.dumps(body),
        content_type="application/json",
        **extra,
    )


def test_a_vote_through_the_api_is_stored_and_answered_201_with_it(client, review, token, api_user):
    response = post_vote(client, review.pk, {"label": "negative"}, token=token)

    vote = Feedback.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": vote.pk,
        "review": review.pk,
        "label": "negative",
        "source": "visitor",
        "created_at": response.json()["created_at"],
    }
    assert (vote.user_id, vote.visitor_key) == (api_user.pk, f"user:{api_user.pk}")


def test_a_second_api_vote_of_the_same_user_replaces_the_first(client, review, token):
    post_vote(client, review.pk, {"label": "negative"}, token=token)
    post_vote(client, review.pk, {"label": "positive"}, token=token)

    assert list(Feedback.objects.values_list("label", flat=True)) == ["positive"]


def test_an_api_vote_without_credentials_is_a_401_storing_nothing(review):
    response = post_vote(Client(enforce_csrf_checks=True), review.pk, {"label": "positive"})

    assert response.status_code == 401
    assert not Feedback.objects.exists()


def test_an_api_vote_with_another_label_is_a_422_naming_the_field(client, review, token):
    response = post_vote(client, review.pk, {"label": "neutral"}, token=token)

    assert response.status_code == 422
    assert response.json()["errors"] == {"label": [LABEL_REFUSED]}
    assert not Feedback.objects.exists()


def test_an_api_vote_on_an_unknown_review_is_a_404(client, review, token):
    response = post_vote(client, review.pk + 1, {"label": "positive"}, token=token)

    assert response.status_code == 404
    assert not Feedback.objects.exists()
