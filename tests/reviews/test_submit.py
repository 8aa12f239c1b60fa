"""Submitting a review through the form: stored with its prediction, or refused whole."""

import pytest
from django.db import connection
from django.urls import reverse

from reviews.models import Movie, Prediction, Review
from reviews.services.scoring import UnknownMovie, review_create
from reviewsite.settings import database_from_environment
from tests.conftest import nothing_stored

HOME = reverse("reviews:home")


def test_home_shows_the_form_with_movies_from_the_database(client, active_model):
    Movie.objects.create(title="Paddington 2")

    response = client.get(HOME)

    assert response.status_code == 200
    assert b"Paddington 2" in response.content
    assert b"Ozark" in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_valid_review_is_stored_with_its_prediction_and_redirects_to_it(
    client, ozark, active_model
):
    response = client.post(HOME, {"movie": ozark.pk, "review": "A brilliant, moving film."})

    review = Review.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/reviews/{review.pk}/"
    assert review.movie == ozark
    assert review.text == "A brilliant, moving film."
    assert review.sentiment in {"positive", "negative"}
    assert review.model_version == active_model
    prediction = Prediction.objects.get()
    assert prediction.review == review
    assert prediction.sentiment == review.sentiment
    assert prediction.probability_positive == review.probability_positive
    assert prediction.model_version == active_model


def test_review_text_is_trimmed_before_it_is_stored(client, ozark, active_model):
    client.post(HOME, {"movie": ozark.pk, "review": "   Loved it.  \n"})

    assert Review.objects.get().text == "Loved it."


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_review_is_refused_and_nothing_is_stored(client, ozark, active_model, text):
    response = client.post(HOME, {"movie": ozark.pk, "review": text})

    assert response.status_code == 400
    assert b"cannot be empty" in response.content
    assert nothing_stored()


def test_review_over_ten_thousand_characters_is_refused(client, ozark, active_model):
    response = client.post(HOME, {"movie": ozark.pk, "review": "a" * 10_001})

    assert response.status_code == 400
    assert b"at most 10000 characters" in response.content
    assert nothing_stored()


def test_review_of_exactly_ten_thousand_characters_is_accepted(client, ozark, active_model):
    text = "good " * 1999 + "film!"

    response = client.post(HOME, {"movie": ozark.pk, "review": text})

    assert response.status_code == 303
    assert Review.objects.get().text == text
    assert len(text) == 10_000


@pytest.mark.parametrize("movie", ["999999", "abc", "", "-1", "1_0", "\u0661", str(2**63)])
def test_unknown_or_missing_movie_is_refused(client, active_model, movie):
    response = client.post(HOME, {"movie": movie, "review": "Great."})

    assert response.status_code == 400
    assert b"movie" in response.content.lower()
    assert nothing_stored()


def test_refused_form_keeps_what_the_person_wrote(client, active_model):
    response = client.post(HOME, {"movie": "", "review": "My careful words"})

    assert b"My careful words" in response.content


def test_post_without_csrf_token_is_refused(ozark, active_model):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(HOME, {"movie": ozark.pk, "review": "Hi"})

    assert response.status_code == 403
    assert nothing_stored()


def test_without_an_active_model_the_form_answers_503_and_stores_nothing(client, ozark):
    response = client.post(HOME, {"movie": ozark.pk, "review": "Great."})

    assert response.status_code == 503
    assert b"unavailable" in response.content
    assert nothing_stored()


@pytest.mark.django_db(transaction=True)
def test_a_review_created_outside_a_transaction_is_stored_with_its_prediction(active_model):
    # Outside a transaction PostgreSQL takes the one-statement path; this proves it too.
    movie, _ = Movie.objects.get_or_create(title="Ozark")

    review = review_create(movie_id=movie.pk, text="Superb.")

    stored = Review.objects.get(pk=review.pk)
    prediction = Prediction.objects.get(review=stored)
    assert (stored.movie, stored.text, stored.model_version) == (movie, "Superb.", active_model)
    assert (prediction.sentiment, prediction.probability_positive) == (
        stored.sentiment,
        stored.probability_positive,
    )
    assert prediction.created_at == stored.scored_at


@pytest.mark.django_db(transaction=True)
def test_a_review_of_an_unknown_movie_outside_a_transaction_is_refused_and_nothing_stored(
    active_model,
):
    with pytest.raises(UnknownMovie):
        review_create(movie_id=999_999, text="Superb.")

    assert nothing_stored()


def test_a_review_of_an_unknown_movie_inside_a_transaction_is_refused_and_nothing_stored(
    active_model,
):
    with pytest.raises(UnknownMovie):
        review_create(movie_id=999_999, text="Superb.")

    assert nothing_stored()


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_each_review_is_stored_with_its_prediction(active_model):
    # On PostgreSQL this is the one-statement insert (a data-modifying CTE).
    movie, _ = Movie.objects.get_or_create(title="Ozark")

    first = review_create(movie_id=movie.pk, text="Superb.")
    second = review_create(movie_id=movie.pk, text="Dreadful.")

    assert list(Review.objects.order_by("pk").values_list("pk", "text")) == [
        (first.pk, "Superb."),
        (second.pk, "Dreadful."),
    ]
    assert list(Prediction.objects.order_by("review_id").values_list("review_id", "sentiment")) == [
        (first.pk, first.sentiment),
        (second.pk, second.sentiment),
    ]


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_a_review_of_an_unknown_movie_stores_nothing(active_model):
    with pytest.raises(UnknownMovie):
        review_create(movie_id=999_999, text="Superb.")

    assert nothing_stored()


def prepared_inserts() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%new_review%"],
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_insert_is_prepared_once_and_reused(active_model):
    movie, _ = Movie.objects.get_or_create(title="Ozark")

    first = review_create(movie_id=movie.pk, text="Superb.")
    second = review_create(movie_id=movie.pk, text="Dreadful.")

    assert prepared_inserts() == 1
    assert Prediction.objects.filter(review__in=[first, second]).count() == 2


def test_prepared_statements_can_be_turned_off_for_poolers_that_cannot_keep_them(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://reviews@db.example.com:5432/reviews")
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")

    assert database_from_environment()["OPTIONS"]["prepare_threshold"] is None


def test_prepared_statements_are_on_by_default_on_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://reviews@db.example.com:5432/reviews")
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)

    assert database_from_environment()["OPTIONS"]["prepare_threshold"] == 5
