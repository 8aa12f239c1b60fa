"""Logs under real gunicorn, as `make run` starts it: one JSON object per line, gunicorn's
own lines (start, workers, shutdown) included, beside the site's."""

import json
import re
from urllib.parse import urlencode

from reviews.models import Movie, Review
from tests.live_gunicorn import Gunicorn, stop

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def submit_review(server: Gunicorn, movie: Movie, text: str) -> int:
    _, headers, page = server.request("GET", "/")
    cookie = next(value.split(";")[0] for name, value in headers if name == "Set-Cookie")
    form = {
        "csrfmiddlewaretoken": CSRF_INPUT.search(page)[1],
        "movie": movie.pk,
        "review": text,
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    return server.request("POST", "/", urlencode(form), headers)[0]


def test_every_line_gunicorn_and_the_site_log_is_one_json_object(gunicorn):
    # get_or_create: an earlier transactional test may have flushed the migrated movies.
    movie, _ = Movie.objects.get_or_create(title="Ozark")

    assert submit_review(gunicorn, movie, "Superb.") == 303
    assert gunicorn.request("GET", "/no-such-page/")[0] == 404
    stop(gunicorn.process)

    lines = [json.loads(line) for line in gunicorn.log.read_text().splitlines() if line]

    loggers = {line["logger"] for line in lines}
    assert {"gunicorn.error", "django.request", "reviews.services"} <= loggers
    [scored] = [line for line in lines if line["message"] == "review scored"]
    assert scored["review_id"] == Review.objects.get().pk
    assert any(line["message"].startswith("Booting worker") for line in lines)
    assert any(line["message"] == "Shutting down: Master" for line in lines)
