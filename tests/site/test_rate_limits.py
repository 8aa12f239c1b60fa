"""Rate limits on the review form and votes, the API's writes and predict, and admin sign-ins:
429 with Retry-After and a clear message, nothing stored, counted per address or token."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from reviews.models import Feedback, Movie, Review
from reviews.services.scoring import review_create
from reviews.services.tokens import api_token_create
from reviewsite.settings import rate_limit_from_environment
from tests.live_gunicorn import form_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_limit(settings):
    settings.RATE_LIMIT_FORM = "2/h"


def submit(client, movie, text="A fine film.", **headers):
    return client.post("/", {"movie": movie.pk, "review": text}, **headers)


def assert_too_many(response, message_part: str):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600  # the rest of the limit's hour
    assert message_part in response.content.decode()


def test_a_review_over_the_form_limit_is_a_429_with_retry_after_storing_nothing(
    client, active_model, ozark, form_limit
):
    assert [submit(client, ozark).status_code for _ in range(2)] == [303, 303]

    response = submit(client, ozark, "One too many.")

    assert_too_many(response, "Too many submissions from your address")
    assert not Review.objects.filter(text="One too many.").exists()


def test_reading_pages_is_not_counted_against_the_form_limit(
    client, active_model, ozark, form_limit
):
    for _ in range(5):
        assert client.get("/").status_code == 200

    assert submit(client, ozark).status_code == 303


def test_votes_count_against_the_form_limit(client, active_model, ozark, form_limit):
    review = review_create(movie_id=ozark.pk, text="Superb.")
    submit(client, ozark)
    vote_url = reverse("reviews:review_feedback", args=[review.pk])
    assert client.post(vote_url, {"label": "negative"}).status_code == 303

    response = client.post(vote_url, {"label": "positive"})

    assert_too_many(response, "Too many submissions")
    assert list(Feedback.objects.values_list("label", flat=True)) == ["negative"]


def test_another_address_has_a_limit_of_its_own(client, active_model, ozark, form_limit):
    submit(client, ozark)
    submit(client, ozark)

    assert submit(client, ozark, REMOTE_ADDR="192.0.2.7").status_code == 303


def test_a_forwarded_address_is_not_trusted_unless_configured(
    client, active_model, ozark, form_limit
):
    submit(client, ozark, HTTP_X_FORWARDED_FOR="198.51.100.1")
    submit(client, ozark, HTTP_X_FORWARDED_FOR="198.51.100.2")

    response = submit(client, ozark, HTTP_X_FORWARDED_FOR="198.51.100.3")

    assert response.status_code == 429


def test_behind_a_configured_proxy_the_header_names_the_client(
    client, active_model, ozark, form_limit, settings
):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    submit(client, ozark, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")
    submit(client, ozark, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")

    # The proxy appends the address it saw: the last one counts, not what the client wrote.
    limited = submit(client, ozark, HTTP_X_FORWARDED_FOR="203.0.113.10, 198.51.100.1")
    other = submit(client, ozark, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.2")

    assert (limited.status_code, other.status_code) == (429, 303)


@pytest.fixture
def api_limit(settings):
    settings.RATE_LIMIT_API = "1/h"


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def api_tokens(count: int) -> list[str]:
    users = get_user_model().objects
    return [
        api_token_create(name=f"t{n}", user=users.create_user(f"api{n}"))[1] for n in range(count)
    ]


def post_json(client, path: str, body: dict, token: str):
    return client.post(path, body, content_type="application/json", **bearer(token))


def test_an_api_write_over_its_limit_is_a_json_429_storing_nothing(
    client, active_model, ozark, api_limit
):
    [token] = api_tokens(1)
    body = {"movie": ozark.pk, "text": "A fine film."}
    assert post_json(client, "/api/reviews", body, token).status_code == 201

    response = post_json(client, "/api/reviews", {**body, "text": "Again."}, token)

    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "Too many requests for this token" in response.json()["detail"]
    assert not Review.objects.filter(text="Again.").exists()


def test_api_predict_is_limited_too(client, active_model, api_limit):
    [token] = api_tokens(1)
    body = {"texts": ["Superb."]}
    assert post_json(client, "/api/predict", body, token).status_code == 200

    assert post_json(client, "/api/predict", body, token).status_code == 429


def test_each_api_token_has_a_limit_of_its_own(client, active_model, api_limit):
    first, second = api_tokens(2)
    body = {"texts": ["Superb."]}
    post_json(client, "/api/predict", body, first)

    assert post_json(client, "/api/predict", body, second).status_code == 200


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("staff", password="right-password", is_staff=True)


def sign_in(client, password: str):
    return client.post(
        reverse("admin:login"), {"username": "staff", "password": password, "next": "/admin/"}
    )


def test_admin_sign_in_is_locked_out_after_repeated_attempts(client, staff, settings):
    settings.RATE_LIMIT_LOGIN = "2/h"
    assert [sign_in(client, "wrong").status_code for _ in range(2)] == [200, 200]

    response = sign_in(client, "right-password")

    assert_too_many(response, "Too many sign-in attempts")
    assert "_auth_user_id" not in client.session


def test_a_locked_out_address_does_not_lock_out_another(client, staff, settings):
    settings.RATE_LIMIT_LOGIN = "2/h"
    for _ in range(3):
        sign_in(client, "wrong")

    assert sign_in(Client(REMOTE_ADDR="192.0.2.8"), "right-password").status_code == 302


def test_an_address_that_is_not_an_ip_is_counted_not_refused_with_a_500(
    client, active_model, ozark, form_limit
):
    assert submit(client, ozark, REMOTE_ADDR="").status_code == 303
    assert submit(client, ozark, REMOTE_ADDR="unknown").status_code == 303

    assert submit(client, ozark, REMOTE_ADDR="").status_code == 429


def test_a_failing_store_lets_requests_through(client, active_model, ozark, settings, tmp_path):
    settings.RATE_LIMIT_FORM = "1/h"
    unwritable = tmp_path / "a-file-not-a-folder"
    unwritable.write_text("")
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(unwritable),
        },
    }

    statuses = [submit(client, ozark).status_code for _ in range(2)]

    assert statuses == [303, 303]


def test_a_bearer_header_that_authenticates_nobody_new_buys_no_fresh_limit(
    client, active_model, api_limit, admin_user
):
    client.force_login(admin_user)
    token = client.get("/").cookies["csrftoken"].value
    headers = {"HTTP_X_CSRFTOKEN": token}
    body = {"texts": ["Superb."]}
    assert (
        client.post("/api/predict", body, content_type="application/json", **headers).status_code
        == 200
    )

    response = client.post(
        "/api/predict",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer made-up",
        **headers,
    )

    assert response.status_code == 429  # the signed-in user's own count, not a new one


@pytest.mark.parametrize(
    ("value", "limit"), [("off", None), ("OFF", None), ("5/s", "5/s"), ("12/m", "12/m")]
)
def test_a_limit_is_read_from_the_environment(monkeypatch, value, limit):
    monkeypatch.setenv("RATE_LIMIT_FORM", value)

    assert rate_limit_from_environment("RATE_LIMIT_FORM", "30/m") == limit


def test_a_limit_is_on_by_default(monkeypatch):
    monkeypatch.delenv("RATE_LIMIT_FORM", raising=False)

    assert rate_limit_from_environment("RATE_LIMIT_FORM", "30/m") == "30/m"


@pytest.mark.parametrize("value", ["five", "0/m", "5/d", "5 per minute"])
def test_a_limit_in_another_form_is_refused_with_its_name(monkeypatch, value):
    monkeypatch.setenv("RATE_LIMIT_API", value)

    with pytest.raises(ImproperlyConfigured, match="RATE_LIMIT_API must be"):
        rate_limit_from_environment("RATE_LIMIT_API", "300/m")


@pytest.mark.slow
def test_a_limit_holds_under_gunicorn_counted_in_the_store_its_workers_share(gunicorn_with):
    with gunicorn_with({"RATE_LIMIT_FORM": "4/h"}) as server:
        movie_id = Movie.objects.create(title="Heat").pk
        statuses, retry_after = [], []
        for number in range(8):  # new connections: gunicorn's two workers share them
            token, headers = form_session(server)
            form = {"csrfmiddlewaretoken": token, "movie": movie_id, "review": f"Film {number}"}
            status, answer_headers, _ = server.request("POST", "/", urlencode(form), headers)
            statuses.append(status)
            retry_after += [value for name, value in answer_headers if name == "Retry-After"]

    assert statuses == [303] * 4 + [429] * 4, server.log_tail()
    assert Review.objects.count() == 4
    assert all(int(value) >= 1 for value in retry_after) and len(retry_after) == 4
