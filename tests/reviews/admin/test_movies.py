"""The movie list and its statistics."""

import datetime

import pytest

from reviews.models import Movie
from reviews.selectors.movies import MovieStats
from tests.reviews.admin.helpers import MAX_MOVIE_LIST_QUERIES, MOVIES, REVIEWS, stored_review


def test_movie_list_shows_review_count_share_positive_average_confidence_and_latest(
    admin_client, ozark, active_model
):
    latest = datetime.datetime(2025, 6, 1, 18, 30, tzinfo=datetime.UTC)
    stored_review(ozark, active_model, probability=0.9, created_at=latest)
    stored_review(ozark, active_model, probability=0.7, created_at=latest.replace(month=5))
    stored_review(ozark, active_model, probability=0.2, created_at=latest.replace(month=4))

    response = admin_client.get(MOVIES, {"q": "Ozark"})

    [movie] = response.context["cl"].result_list
    content = response.content.decode()
    stats = MovieStats.of(movie)
    assert stats.reviews == 3
    assert stats.share_positive == pytest.approx(2 / 3)
    assert stats.average_confidence == pytest.approx((0.9 + 0.7 + 0.8) / 3)
    assert movie.latest_review_at == latest
    assert "67%" in content and "80%" in content
    assert f'href="{REVIEWS}?movie__id__exact={ozark.pk}"' in content


def test_movie_list_sorts_by_number_of_reviews(admin_client, ozark, vincenzo, active_model):
    stored_review(vincenzo, active_model)
    stored_review(vincenzo, active_model)
    stored_review(ozark, active_model)

    response = admin_client.get(MOVIES, {"o": "-2"})

    titles = [movie.title for movie in response.context["cl"].result_list]
    assert titles[:2] == ["Vincenzo", "Ozark"]


def test_movie_list_sorts_by_share_positive(admin_client, ozark, vincenzo, active_model):
    stored_review(ozark, active_model, probability=0.9)
    stored_review(ozark, active_model, probability=0.1)
    stored_review(vincenzo, active_model, probability=0.9)

    response = admin_client.get(MOVIES, {"o": "-3"})

    titles = [movie.title for movie in response.context["cl"].result_list]
    assert titles[:2] == ["Vincenzo", "Ozark"]


def test_movie_list_sorts_by_average_confidence(admin_client, ozark, vincenzo, active_model):
    stored_review(ozark, active_model, probability=0.55)
    stored_review(ozark, active_model, probability=0.02)
    stored_review(vincenzo, active_model, probability=0.95)
    stored_review(vincenzo, active_model, probability=0.15)

    response = admin_client.get(MOVIES, {"o": "-4"})

    titles = [movie.title for movie in response.context["cl"].result_list]
    assert titles[:2] == ["Vincenzo", "Ozark"]  # 90% against 71.5%


def test_movie_list_renders_in_a_fixed_number_of_queries(
    admin_client, ozark, vincenzo, active_model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_MOVIE_LIST_QUERIES):
        assert admin_client.get(MOVIES).status_code == 200

    for number in range(30):
        Movie.objects.create(title=f"Movie {number}")
        stored_review(ozark if number % 2 else vincenzo, active_model)
    with django_assert_max_num_queries(MAX_MOVIE_LIST_QUERIES):
        assert admin_client.get(MOVIES).status_code == 200
