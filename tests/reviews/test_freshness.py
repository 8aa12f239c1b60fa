"""Cached pages are never stale: every write path shows on the very next request; each
page's queries stay the same whatever the number of reviews; no visitor sees another's
CSRF token."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ml.models import ModelVersion
from ml.services import model_activate
from reviews.models import Job, Movie, Review
from reviews.services.scoring import review_create
from reviews.services.tokens import api_token_create
from reviews.views import FORM_TOKEN_PLACEHOLDER
from tests.jobs import run_job_here
from tests.reviews.admin.helpers import REVIEWS, action

HOME = reverse("reviews:home")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def movie_page(movie: Movie, page: int | None = None) -> str:
    url = reverse("reviews:movie_detail", args=[movie.pk])
    return f"{url}?page={page}" if page else url


def review_page(review: Review) -> str:
    return reverse("reviews:review_detail", args=[review.pk])


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def another_model_active() -> ModelVersion:
    current = ModelVersion.objects.get(is_active=True)
    ModelVersion.objects.create(
        version="newer-model", storage_key=current.storage_key, sha256=current.sha256
    )
    return model_activate(version="newer-model")


@pytest.fixture
def reviewed(ozark, active_model) -> Review:
    return review_create(movie_id=ozark.pk, text="A superb, moving film.")


def test_a_review_posted_with_the_form_is_on_every_cached_page_at_once(client, ozark, reviewed):
    for url in (HOME, movie_page(ozark), "/api/reviews", "/api/movies"):
        client.get(url)  # cached now

    response = client.post(HOME, {"movie": ozark.pk, "review": "Dull, a waste of an evening."})

    assert response.status_code == 303
    assert "Dull, a waste of an evening." in page_text(client, HOME)
    movie = page_text(client, movie_page(ozark))
    assert "Dull, a waste of an evening." in movie
    assert "of 2 reviews read positive" in movie
    assert "Dull, a waste of an evening." in page_text(client, "/api/reviews")
    [listed] = [
        item for item in json.loads(page_text(client, "/api/movies")) if item["id"] == ozark.pk
    ]
    assert listed["review_count"] == 2


def test_a_review_posted_through_the_api_is_on_the_cached_pages_at_once(client, ozark, reviewed):
    token = api_token_create(name="tests", user=get_user_model().objects.create_user("api"))[1]
    client.get(HOME), client.get(movie_page(ozark))

    response = client.post(
        "/api/reviews",
        data=json.dumps({"movie": ozark.pk, "text": "Dreadful from start to end."}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 201
    assert "Dreadful from start to end." in page_text(client, HOME)
    assert "Dreadful from start to end." in page_text(client, movie_page(ozark))


def test_rescoring_shows_the_new_model_on_cached_pages(client, reviewed, settings):
    settings.MODEL_REFRESH_SECONDS = 0
    client.get(review_page(reviewed)), client.get(f"/api/reviews/{reviewed.pk}")
    newer = another_model_active()

    call_command("rescore_reviews", verbosity=0)

    assert newer.version in page_text(client, review_page(reviewed))
    assert (
        json.loads(page_text(client, "/api/reviews"))["items"][0]["model_version"] == "newer-model"
    )


def test_the_admins_rescore_job_shows_on_cached_pages(admin_client, reviewed, settings):
    settings.MODEL_REFRESH_SECONDS = 0
    admin_client.get(review_page(reviewed))
    newer = another_model_active()

    action(admin_client, REVIEWS, "rescore", [reviewed])
    run_job_here(Job.objects.get())

    assert newer.version in page_text(admin_client, review_page(reviewed))


def test_a_review_deleted_through_the_orm_leaves_the_cached_pages(client, ozark, reviewed):
    # The admin never deletes reviews (the history is kept); a shell or a data fix may.
    client.get(HOME), client.get(movie_page(ozark)), client.get(review_page(reviewed))

    Review.objects.get(pk=reviewed.pk).delete()

    assert "A superb, moving film." not in page_text(client, HOME)
    assert "No reviews yet." in page_text(client, movie_page(ozark))
    assert client.get(review_page(reviewed)).status_code == 404


def test_a_movie_renamed_in_the_admin_is_renamed_on_the_cached_pages(admin_client, ozark, reviewed):
    admin_client.get(HOME), admin_client.get(review_page(reviewed))

    response = admin_client.post(
        reverse("admin:reviews_movie_change", args=[ozark.pk]), {"title": "Ozark (2017)"}
    )

    assert response.status_code == 302
    assert "Ozark (2017)" in page_text(admin_client, HOME)
    assert "Ozark (2017)" in page_text(admin_client, review_page(reviewed))


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


PAGES = ["home", "review", "movie", "deep movie page", "api reviews", "api movies", "api review"]


def url_of(name: str, movie: Movie, review: Review) -> str:
    return {
        "home": HOME,
        "review": review_page(review),
        "movie": movie_page(movie),
        "deep movie page": movie_page(movie, page=2),
        "api reviews": "/api/reviews",
        "api movies": "/api/movies",
        "api review": f"/api/reviews/{review.pk}",
    }[name]


def add_reviews(movie: Movie, count: int) -> Review:
    for number in range(count):
        review = review_create(movie_id=movie.pk, text=f"Review {number}: fine, and moving.")
    return review


@pytest.mark.parametrize("name", PAGES)
def test_a_page_built_afresh_makes_as_many_queries_with_many_reviews_as_with_few(
    client, ozark, active_model, name
):
    review = add_reviews(ozark, 25)
    few = queries_of(client, url_of(name, ozark, review))
    review = add_reviews(ozark, 50)  # new content: built again
    assert queries_of(client, url_of(name, ozark, review)) == few


@pytest.mark.parametrize("name", [page for page in PAGES if page != "api review"])
def test_a_cached_page_costs_one_query(client, ozark, active_model, name):
    review = add_reviews(ozark, 25)
    client.get(url_of(name, ozark, review))

    assert queries_of(client, url_of(name, ozark, review)) == 1


def form_token_of(client) -> str:
    page = page_text(client, HOME)
    assert FORM_TOKEN_PLACEHOLDER not in page
    return CSRF_INPUT.search(page)[1]


def test_each_visitor_gets_a_form_token_of_their_own_from_the_cached_home_page(ozark, reviewed):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    form_token_of(first)  # the page's fragments are cached now

    response = second.post(
        HOME,
        {"movie": ozark.pk, "review": "Gripping.", "csrfmiddlewaretoken": form_token_of(second)},
    )

    assert response.status_code == 303
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
