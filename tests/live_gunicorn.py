"""gunicorn started exactly as `make run` starts it, for tests that need a real server.

reviewsite/serving/gunicorn_conf.py, the preloaded app, two workers, the test database: what the
server stores is committed and visible to the test (the `gunicorn` fixture in conftest.py
needs transactional_db).
"""

import http.client
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import PROJECT, model_environment

GUNICORN = Path(sys.executable).with_name("gunicorn")
HOST = "127.0.0.1"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_TIMEOUT = 30
RATE_LIMITS_OFF = {"RATE_LIMIT_FORM": "off", "RATE_LIMIT_API": "off", "RATE_LIMIT_LOGIN": "off"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def worker_pids(master_pid: int) -> set[int]:
    """The master's child processes (gunicorn's workers), read from /proc."""
    children = set()
    for listing in Path(f"/proc/{master_pid}/task").glob("*/children"):
        children.update(int(pid) for pid in listing.read_text().split())
    return children


def trusting_tls_context() -> ssl.SSLContext:
    """A client context that accepts the test's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    log: Path
    tls: bool = False

    def log_tail(self, characters: int = 3000) -> str:
        return self.log.read_text()[-characters:]

    def request(self, method: str, path: str, body: str = "", headers=None):
        if self.tls:
            connection = http.client.HTTPSConnection(
                HOST, self.port, timeout=REQUEST_TIMEOUT, context=trusting_tls_context()
            )
        else:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read().decode()
        finally:
            connection.close()


def form_session(server: "Gunicorn") -> tuple[str, dict[str, str]]:
    """As a browser starts: GET / for the CSRF cookie and the form's token. Returns the
    token and the headers to post the form with."""
    _, headers, page = server.request("GET", "/")
    cookie = next(value for name, value in headers if name.lower() == "set-cookie")
    post_headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie.split(";", 1)[0],
    }
    return CSRF_INPUT.search(page)[1], post_headers


def wait_until_answering(server: Gunicorn, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log_tail()
        try:
            if server.request("GET", "/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer within {seconds} s:\n{server.log_tail()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def start(
    *,
    database_url: str,
    secret_key: str,
    var_dir: Path,
    log: Path,
    certificate: tuple[Path, Path] | None = None,
    environment: dict[str, str] | None = None,
) -> Gunicorn:
    """`certificate` (certificate file, key file): gunicorn itself serves HTTPS with them;
    `environment`: more variables for gunicorn, e.g. ACCESS_LOG."""
    extra_environment = environment or {}
    port = free_port()
    environment = {
        **os.environ,
        **extra_environment,
        "BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": "2",
        "DATABASE_URL": database_url,
        # A throwaway var/ (static files) so the test leaves the project's alone.
        "VAR_DIR": str(var_dir),
        **model_environment(),
        "DJANGO_SECRET_KEY": secret_key,
    }
    if certificate:
        certificate_file, key_file = certificate
        environment["GUNICORN_CMD_ARGS"] = f"--certfile {certificate_file} --keyfile {key_file}"
    # As `make run` does: the manifest storage serves only what collectstatic wrote.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=PROJECT,
        env=environment,
        check=True,
        timeout=120,
    )
    with log.open("w") as output:
        process = subprocess.Popen(
            [GUNICORN, "--config", "reviewsite/serving/gunicorn_conf.py", "reviewsite.wsgi"],
            cwd=PROJECT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Gunicorn(process=process, port=port, log=log, tls=certificate is not None)
    try:
        wait_until_answering(server, seconds=60)
    except BaseException:
        stop(process)
        raise
    return server


@contextmanager
def serving(**start_arguments) -> Iterator[Gunicorn]:
    """start(**start_arguments), stopped on leaving: before the test database is flushed,
    so that no worker holds a connection then."""
    server = start(**start_arguments)
    try:
        yield server
    finally:
        stop(server.process)
