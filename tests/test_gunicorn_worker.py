"""How the web worker ends a connection (reviewsite/gunicorn_worker.py), under real gunicorn.

A request read to its end is closed as soon as it is answered; a request with bytes left
unread keeps gunicorn's graceful close, so its answer still arrives whole; so does TLS.
"""

import json
import re
import socket
import ssl
import subprocess
import time
from urllib.parse import urlencode

import pytest

from reviews.models import Movie, Review
from tests import live_gunicorn
from tests.conftest import database_url
from tests.live_gunicorn import HOST, REQUEST_TIMEOUT, Gunicorn

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
SET_CSRF_COOKIE = re.compile(rb"Set-Cookie: (csrftoken=[^;]+)", re.IGNORECASE)
STATUS_LINE = re.compile(rb"^HTTP/1\.1 \d{3} ", re.MULTILINE)
# gunicorn's graceful close waits this long for the client before closing anyway.
GRACEFUL_LINGER_SECONDS = 2


def connect(server: Gunicorn) -> socket.socket:
    connection = socket.create_connection((HOST, server.port), timeout=REQUEST_TIMEOUT)
    if server.tls:
        return live_gunicorn.trusting_tls_context().wrap_socket(connection)
    return connection


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends, up to its end of the connection."""
    received = b""
    while True:
        try:
            chunk = connection.recv(65536)
        except ssl.SSLEOFError:  # a TLS peer that closes without a close_notify alert
            break
        if not chunk:
            break
        received += chunk
    return received


def exchange(server: Gunicorn, request: bytes) -> bytes:
    """Send `request` on a new connection and read everything the server answers."""
    with connect(server) as connection:
        connection.sendall(request)
        return read_until_closed(connection)


def form_post(server: Gunicorn, fields: dict) -> bytes:
    """A complete form POST (headers and body) with a fresh CSRF cookie and token."""
    page = exchange(server, f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    token = CSRF_INPUT.search(page).group(1).decode()
    cookie = SET_CSRF_COOKIE.search(page).group(1).decode()
    body = urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    host = f"{HOST}:{server.port}"
    # Over HTTPS, Django's CSRF check also wants a Referer from the site itself.
    referer = f"Referer: https://{host}/\r\n" if server.tls else ""
    headers = (
        f"POST / HTTP/1.1\r\nHost: {host}\r\n{referer}Cookie: {cookie}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return headers.encode() + body


@pytest.fixture
def movie(transactional_db) -> Movie:
    # Not the `ozark` fixture: a transactional test's flush removes the migrated movies.
    return Movie.objects.get_or_create(title="Ozark")[0]


@pytest.fixture
def gunicorn_over_https(transactional_db, active_model, tmp_path, settings):
    """gunicorn as `make run` starts it, serving HTTPS itself with a self-signed certificate."""
    certificate, key = tmp_path / "certificate.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    with live_gunicorn.serving(
        database_url=database_url(),
        secret_key=settings.SECRET_KEY,
        var_dir=tmp_path / "var",
        log=tmp_path / "gunicorn.log",
        certificate=(certificate, key),
    ) as server:
        yield server


@pytest.mark.slow
def test_a_submission_read_to_its_end_is_closed_as_soon_as_it_is_answered(gunicorn, movie):
    request = form_post(gunicorn, {"movie": movie.pk, "review": "A superb, moving film."})
    with connect(gunicorn) as connection:
        connection.sendall(request)
        answer = read_until_closed(connection)
        assert answer.startswith(b"HTTP/1.1 303 ")
        # The server's socket is already closed, not lingering for this client to close
        # first: what is sent next is answered with a reset, so sending again fails. (Past
        # the linger, a graceful close would end in a reset too: the test stops well before.)
        deadline = time.monotonic() + GRACEFUL_LINGER_SECONDS / 2
        with pytest.raises((ConnectionResetError, BrokenPipeError)):
            while time.monotonic() < deadline:
                connection.sendall(b"anything more")
                time.sleep(0.01)
    assert Review.objects.filter(text="A superb, moving film.").count() == 1


@pytest.mark.slow
def test_a_body_refused_unread_still_gets_its_whole_answer(gunicorn, movie, settings):
    declared = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    request = form_post(gunicorn, {"movie": movie.pk, "review": "x" * 16 * 1024})
    request = re.sub(rb"Content-Length: \d+", f"Content-Length: {declared}".encode(), request)
    # Only part of the declared body is sent: the rest never comes. Closed at once with
    # those bytes unread, the socket would send a reset, and reading the answer would fail
    # with ConnectionResetError.
    answer = exchange(gunicorn, request)
    head, _, page = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"The request is too large" in page
    assert b"</html>" in page and page.endswith(b"\r\n0\r\n\r\n")  # the last, empty chunk
    assert not Review.objects.exists()


@pytest.mark.slow
def test_a_pipelined_request_keeps_the_graceful_close_and_the_answer_arrives_whole(gunicorn):
    first = f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    # Larger than gunicorn's 8 KB reads, so most of it is still in the kernel at close, but
    # under the 64 KB its graceful close drains. Nobody answers it: the first answer closes.
    pipelined = f"POST /healthz HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 30000\r\n\r\n"
    answer = exchange(gunicorn, first + pipelined.encode() + b"x" * 30000)
    assert len(STATUS_LINE.findall(answer)) == 1
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(body)["status"] == "ok"


@pytest.mark.slow
def test_over_https_a_submission_gets_exactly_one_whole_answer(gunicorn_over_https, movie):
    request = form_post(gunicorn_over_https, {"movie": movie.pk, "review": "Sharp and warm."})
    answer = exchange(gunicorn_over_https, request)
    assert answer.startswith(b"HTTP/1.1 303 ")
    assert len(STATUS_LINE.findall(answer)) == 1
    assert Review.objects.filter(text="Sharp and warm.").count() == 1
