"""Cached pages under real gunicorn (2 workers): a review submitted is on the next page
every worker serves, with each process's own cache and with a shared Redis."""

import html
import re
import secrets
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from reviews.models import Movie
from tests.live_gunicorn import form_session

REQUESTS = 40
REDIS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def a_movie() -> Movie:
    # The tutorial's movies come from a data migration, which a transactional test's flush
    # may have removed.
    return Movie.objects.get_or_create(title="Ozark")[0]


def pages_at_once(server, path: str) -> list[str]:
    """`REQUESTS` GETs of `path`, four at a time, so both workers answer some."""
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: server.request("GET", path), range(REQUESTS)))
    assert {status for status, _, _ in answers} == {200}
    return [html.unescape(page) for _, _, page in answers]


def submit(server, movie_id: int, text: str) -> None:
    token, headers = form_session(server)
    body = urlencode({"csrfmiddlewaretoken": token, "movie": movie_id, "review": text})
    status, _, _ = server.request("POST", "/", body, headers)
    assert status == 303


def check_every_worker_shows_a_new_review_at_once(server, movie) -> None:
    movie_page = f"/movies/{movie.pk}/"
    submit(server, movie.pk, "The first review: superb.")
    pages_at_once(server, "/"), pages_at_once(server, movie_page)  # cached in both workers

    submit(server, movie.pk, "The second review: dreadful.")

    assert all("The second review: dreadful." in page for page in pages_at_once(server, "/"))
    for page in pages_at_once(server, movie_page):
        assert "The second review: dreadful." in page
        assert re.search(r"of 2 reviews read positive", page)


def test_every_worker_shows_a_new_review_at_the_next_request(gunicorn):
    check_every_worker_shows_a_new_review_at_once(gunicorn, a_movie())


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_workers_sharing_a_redis_cache_show_a_new_review_at_the_next_request(gunicorn_with):
    environment = {
        "REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/15",
        "CACHE_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
    }
    with gunicorn_with(environment) as server:
        check_every_worker_shows_a_new_review_at_once(server, a_movie())
