"""Slow clients under real gunicorn, as `make run` starts it: 50 connections trickling their
headers or a form's body one byte a second hold no worker, so the site keeps answering
(gunicorn's sync workers would each be held until the 30 s timeout)."""

import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest

from reviews.models import Movie, Review
from tests.live_gunicorn import HOST, Gunicorn, form_session

pytestmark = pytest.mark.slow

SLOW_CLIENTS = 50
# Far below the 30 s a held sync worker would take to time out the slow clients.
ANSWER_WITHIN_SECONDS = 10


@contextmanager
def trickling(server: Gunicorn, count: int) -> Iterator[None]:
    """`count` connections, half sending headers, half a form's body, a byte a second."""
    connections = []
    for number in range(count):
        connection = socket.create_connection((HOST, server.port), timeout=5)
        if number % 2:
            connection.sendall(
                b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n"
            )
        else:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        connections.append(connection)
    stopping = threading.Event()

    def trickle():
        while not stopping.wait(1.0):
            for connection in connections:
                try:
                    connection.send(b"a")
                except OSError:
                    continue

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        stopping.wait(2.0)  # every slow client has sent bytes and is being read
        yield
    finally:
        stopping.set()
        thread.join()
        for connection in connections:
            connection.close()


def answer(server: Gunicorn, method: str, path: str, body: str = "", headers=None) -> int:
    connection = http.client.HTTPConnection(HOST, server.port, timeout=ANSWER_WITHIN_SECONDS)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.fixture
def movie(gunicorn) -> Movie:
    # get_or_create: an earlier transactional test may have flushed the migrated movies.
    return Movie.objects.get_or_create(title="Ozark")[0]


def test_health_is_answered_beside_fifty_slow_clients(gunicorn):
    with trickling(gunicorn, SLOW_CLIENTS):
        assert answer(gunicorn, "GET", "/healthz") == 200


def test_the_home_page_is_answered_beside_fifty_slow_clients(gunicorn):
    with trickling(gunicorn, SLOW_CLIENTS):
        assert answer(gunicorn, "GET", "/") == 200


def test_a_review_is_stored_beside_fifty_slow_clients(gunicorn, movie):
    token, headers = form_session(gunicorn)
    form = urlencode({"csrfmiddlewaretoken": token, "movie": movie.pk, "review": "Superb."})

    with trickling(gunicorn, SLOW_CLIENTS):
        assert answer(gunicorn, "POST", "/", form, headers) == 303

    assert Review.objects.get().text == "Superb."
