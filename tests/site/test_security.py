"""Security headers, deployment checks, request size limits and CSRF."""

import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Review
from reviews.services.scoring import review_create
from tests import PROJECT

HOME = reverse("reviews:home")
FORM = "application/x-www-form-urlencoded"
STYLESHEET_LINK = re.compile(r'rel="stylesheet" href="([^"]+)"')
# An address the browser would fetch or go to (an XML namespace such as SVG's is neither).
LINK_TO_ANOTHER_SITE = re.compile(r"""(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?//""")
PRODUCTION_ENVIRONMENT = {
    "DJANGO_DEBUG": "0",
    "DJANGO_HTTPS": "1",
    "DJANGO_HSTS_PRELOAD": "1",
    "DJANGO_ALLOWED_HOSTS": "reviews.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://reviews.example.com",
    "DJANGO_SECRET_KEY": "k3Yq-8w1Zr0pV5nF7tB2mX9cL4hJ6sD0gA3eR8uI1oP5yT7wQ2zK",
}


def test_check_deploy_reports_no_issue_with_the_documented_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**os.environ, **PRODUCTION_ENVIRONMENT},
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("path", ["/", "/reviews/1/", "/no-such-page/", "/admin/login/"])
def test_every_page_carries_the_security_headers(client, active_model, path):
    response = client.get(path)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def oversized_form(client):
    return client.post(HOME, data="review=" + "a" * (1024 * 1024 + 1), content_type=FORM)


def chunked_form(client):
    chunked = {"headers": {"Transfer-Encoding": "chunked"}, "CONTENT_LENGTH": ""}
    return client.post(HOME, data="review=x", content_type=FORM, **chunked)


def form_in_latin1(client):
    return client.post(HOME, data="review=x", content_type=f"{FORM}; charset=iso-8859-1")


def url_without_its_slash(client):
    return client.get("/reviews/1")


def stylesheet(client):
    """Served by whitenoise, before any other middleware runs."""
    path = STYLESHEET_LINK.search(client.get(HOME).content.decode())[1]
    response = client.get(path)
    response.close()  # only its headers are read: let whitenoise close the file
    return response


@pytest.mark.parametrize(
    ("request_made", "status"),
    [
        (oversized_form, 413),
        (chunked_form, 411),
        (form_in_latin1, 400),
        (url_without_its_slash, 301),
        (stylesheet, 200),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_answers_made_before_any_view_carry_the_security_headers_too(
    client, settings, active_model, request_made, status
):
    # whitenoise serves from the finders: tests do not run collectstatic.
    settings.WHITENOISE_USE_FINDERS = True

    response = request_made(client)

    assert response.status_code == status
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("page", ["home", "review", "movie", "admin login"])
def test_pages_load_nothing_from_other_sites(client, ozark, active_model, page):
    review = review_create(movie_id=ozark.pk, text="Fine.")
    path = {
        "home": HOME,
        "review": review.get_absolute_url(),
        "movie": ozark.get_absolute_url(),
        "admin login": "/admin/login/",
    }[page]

    content = client.get(path).content.decode()

    assert not LINK_TO_ANOTHER_SITE.search(content)


def test_a_body_over_one_megabyte_is_refused_with_413_unread(client, ozark, active_model):
    # The test client's input raises on any read past the bytes it holds: a Content-Length
    # of 2 MB over 8 bytes is refused from the header alone, or the test fails.
    response = client.post(
        HOME, data="review=x", content_type=FORM, CONTENT_LENGTH=str(2 * 1024 * 1024)
    )

    assert response.status_code == 413
    assert b"too large" in response.content
    assert not Review.objects.exists()


def test_a_chunked_body_without_length_is_refused(client, active_model):
    response = client.post(
        HOME,
        data="review=x",
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        CONTENT_LENGTH="",
    )

    assert response.status_code == 411
    assert not Review.objects.exists()


def test_a_wrong_csrf_token_is_refused(ozark, active_model):
    client = Client(enforce_csrf_checks=True)
    client.get(HOME)

    response = client.post(
        HOME, {"movie": ozark.pk, "review": "Fine.", "csrfmiddlewaretoken": "x" * 64}
    )

    assert response.status_code == 403
    assert b"The form expired" in response.content
    assert not Review.objects.exists()


def test_a_valid_csrf_token_from_the_form_is_accepted(ozark, active_model):
    client = Client(enforce_csrf_checks=True)
    page = client.get(HOME).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    response = client.post(
        HOME, {"movie": ozark.pk, "review": "Fine.", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 303
    assert Review.objects.count() == 1


def test_an_oversized_api_body_is_refused_with_a_json_413(client, db):
    response = client.post(
        "/api/predict", data="x" * (1024 * 1024 + 1), content_type="application/json"
    )

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
