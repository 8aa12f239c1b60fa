"""Celery workers started as `make worker` starts them (`celery --app reviewsite worker`), on a
real broker and the test database, for tests that need jobs run for real.

Each test gets its own queue, so tests and other users of the broker never share messages.
What the workers write is committed: tests using this need transactional_db.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import kombu

from reviews.models import Job
from tests import PROJECT, model_environment

CELERY = Path(sys.executable).with_name("celery")
READY_TIMEOUT = 60
EMBEDDED = ""  # no CELERY_BROKER_URL: the file-system broker in VAR_DIR/broker (`make run`)
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"
REDIS = "redis://127.0.0.1:6379/13"


def answers(url: str) -> bool:
    if url == EMBEDDED:
        return True
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class Workers:
    """Worker processes sharing one queue; `environment` also serves commands run beside them."""

    environment: dict
    log_dir: Path
    logs: list[Path] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, *, name: str, environment: dict | None = None) -> subprocess.Popen:
        log = self.log_dir / f"{name}.log"
        self.logs.append(log)
        command = [
            str(CELERY), "--app", "reviewsite", "worker", "--loglevel", "INFO",
            "--concurrency", "1", "--hostname", f"{name}@%h",
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        with log.open("w") as output:
            process = subprocess.Popen(
                command,
                cwd=PROJECT,
                env={**self.environment, **(environment or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed whole, like a lost host
            )
        self.processes.append(process)
        deadline = time.monotonic() + READY_TIMEOUT
        while " ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool: what a host's power failure does."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def manage(self, *arguments: str) -> str:
        """Run a management command as another process would, on the same broker and queue."""
        completed = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=PROJECT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert completed.returncode == 0, completed.stderr
        return completed.stdout

    def queue_rescore(self, *arguments: str) -> Job:
        out = self.manage("rescore_reviews", "--queue", *arguments)
        return Job.objects.get(pk=int(out.split("Queued job ")[1].split(":")[0]))

    def log_text(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in self.logs)


@contextmanager
def celery_workers(
    *,
    broker_url: str,
    database_url: str,
    secret_key: str,
    tmp_path: Path,
    environment: dict | None = None,
) -> Iterator[Workers]:
    queue = f"test-{secrets.token_hex(4)}"
    (tmp_path / "logs").mkdir(exist_ok=True)
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "JOB_", "MODEL_"))
    }
    workers = Workers(
        environment={
            **base,
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": secret_key,
            "VAR_DIR": str(tmp_path / "var"),
            **model_environment(),
            "MODEL_REFRESH_SECONDS": "0",
            "CELERY_BROKER_URL": broker_url,
            "CELERY_QUEUE": queue,
            **(environment or {}),
        },
        log_dir=tmp_path / "logs",
    )
    try:
        yield workers
    finally:
        workers.stop()
        if broker_url != EMBEDDED:
            delete_queue(broker_url, queue)


def delete_queue(broker_url: str, queue: str) -> None:
    # A broker the test stopped, or a queue never declared, leaves nothing to delete.
    with (
        kombu.Connection(broker_url, connect_timeout=2) as connection,
        contextlib.suppress(Exception),
    ):
        kombu.Queue(queue, channel=connection.default_channel).delete()


def wait_until_finished(job: Job, *, timeout: float = 180, workers: Workers) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job.pk} still {job.status}:\n{workers.log_text()}")
        time.sleep(0.1)


def wait_until(condition, *, timeout: float = 120, workers: Workers) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting:\n{workers.log_text()}")
        time.sleep(0.02)
