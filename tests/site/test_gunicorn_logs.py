"""Logs under real gunicorn, as `make run` starts it: one JSON object per line, gunicorn's
own lines (start, workers, shutdown) included, beside the site's."""

import json
from urllib.parse import urlencode

from reviews.models import Movie, Review
from tests.live_gunicorn import Gunicorn, form_session, stop


def submit_review(server: Gunicorn, movie: Movie, text: str) -> int:
    token, headers = form_session(server)
    form = {"csrfmiddlewaretoken": token, "movie": movie.pk, "review": text}
    return server.request("POST", "/", urlencode(form), headers)[0]


def json_lines(server: Gunicorn) -> list[dict]:
    return [json.loads(line) for line in server.log.read_text().splitlines() if line]


def test_every_line_gunicorn_and_the_site_log_is_one_json_object(gunicorn):
    # get_or_create: an earlier transactional test may have flushed the migrated movies.
    movie, _ = Movie.objects.get_or_create(title="Ozark")

    assert submit_review(gunicorn, movie, "Superb.") == 303
    assert gunicorn.request("GET", "/no-such-page/")[0] == 404
    stop(gunicorn.process)

    lines = json_lines(gunicorn)
    loggers = {line["logger"] for line in lines}
    assert {"gunicorn.error", "django.request", "reviews.services.scoring"} <= loggers
    [scored] = [line for line in lines if line["message"] == "review scored"]
    assert scored["review_id"] == Review.objects.get().pk
    assert any(line["message"].startswith("Booting worker") for line in lines)
    assert any(line["message"] == "Shutting down: Master" for line in lines)


def test_requests_are_not_logged_unless_access_log_is_set(gunicorn):
    assert gunicorn.request("GET", "/healthz")[0] == 200
    stop(gunicorn.process)

    assert "gunicorn.access" not in {line["logger"] for line in json_lines(gunicorn)}


def test_with_access_log_set_each_request_is_logged_as_json(gunicorn_with):
    with gunicorn_with({"ACCESS_LOG": "-"}) as server:
        assert server.request("GET", "/healthz")[0] == 200

    access = [line for line in json_lines(server) if line["logger"] == "gunicorn.access"]
    assert any('"GET /healthz HTTP/1.1" 200' in line["message"] for line in access)


def test_a_head_request_gets_the_gets_length_and_logs_no_warning(gunicorn):
    _, _, page = gunicorn.request("GET", "/healthz")

    status, headers, body = gunicorn.request("HEAD", "/healthz")
    stop(gunicorn.process)

    assert status == 200 and body == ""
    assert int(dict(headers)["Content-Length"]) == len(page.encode())

    assert [line for line in json_lines(gunicorn) if line["level"] == "WARNING"] == []
