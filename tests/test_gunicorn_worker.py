"""How the web worker ends a connection (reviewsite/gunicorn_worker.py), under real gunicorn.

A request read to its end is closed as soon as it is answered; a request whose body is left
unread keeps gunicorn's graceful close, so its answer still arrives whole.
"""

import re
import socket
from urllib.parse import urlencode

import pytest

from reviews.models import Movie, Review
from tests.live_gunicorn import HOST, REQUEST_TIMEOUT, Gunicorn

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
SET_CSRF_COOKIE = re.compile(rb"Set-Cookie: (csrftoken=[^;]+)", re.IGNORECASE)


def connect(server: Gunicorn) -> socket.socket:
    return socket.create_connection((HOST, server.port), timeout=REQUEST_TIMEOUT)


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends, up to its end of the connection."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def form_post(server: Gunicorn, fields: dict) -> bytes:
    """A complete form POST (headers and body) with a fresh CSRF cookie and token."""
    with connect(server) as connection:
        connection.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        page = read_until_closed(connection)
    token = CSRF_INPUT.search(page).group(1).decode()
    cookie = SET_CSRF_COOKIE.search(page).group(1).decode()
    body = urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    headers = (
        f"POST / HTTP/1.1\r\nHost: {HOST}\r\nCookie: {cookie}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return headers.encode() + body


@pytest.fixture
def movie(gunicorn) -> Movie:
    # Not the `ozark` fixture: a transactional test's flush removes the migrated movies.
    return Movie.objects.get_or_create(title="Ozark")[0]


@pytest.mark.slow
def test_a_submission_read_to_its_end_is_closed_as_soon_as_it_is_answered(gunicorn, movie):
    request = form_post(gunicorn, {"movie": movie.pk, "review": "A superb, moving film."})
    with connect(gunicorn) as connection:
        connection.sendall(request)
        answer = read_until_closed(connection)
        assert answer.startswith(b"HTTP/1.1 303 ")
        # The server's socket is already closed, not lingering for this client to close
        # first: what is sent next is answered with a reset, so sending again fails.
        connection.sendall(b"anything more")
        with pytest.raises((ConnectionResetError, BrokenPipeError)):
            for _ in range(100):  # the reset may take a moment to come back
                connection.sendall(b"anything more")
    assert Review.objects.filter(text="A superb, moving film.").count() == 1


@pytest.mark.slow
def test_a_body_refused_unread_still_gets_its_whole_answer(gunicorn, movie, settings):
    declared = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    request = form_post(gunicorn, {"movie": movie.pk, "review": "x" * 16 * 1024})
    request = re.sub(rb"Content-Length: \d+", f"Content-Length: {declared}".encode(), request)
    with connect(gunicorn) as connection:
        connection.sendall(request)  # only part of the declared body: the rest never comes
        answer = read_until_closed(connection)
    head, _, page = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"The request is too large" in page
    assert b"</html>" in page and page.endswith(b"\r\n0\r\n\r\n")  # the last, empty chunk
    assert not Review.objects.exists()
