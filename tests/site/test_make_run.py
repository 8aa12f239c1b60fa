"""What `make run` starts once set up: the Procfile's web and worker under honcho. The site
answers, its worker runs jobs on the file-system broker, and Ctrl-C stops both."""

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ml.services import model_activate
from reviews.models import Review
from tests import PROJECT, model_environment
from tests.conftest import database_url, register
from tests.live_gunicorn import HOST, free_port, worker_pids
from tests.reviews.test_rescore import TEXTS, bulk_reviews

BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def answers(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def descendants(pid: int) -> set[int]:
    """Every process under `pid` (honcho starts each of its processes in a session of its own)."""
    children = worker_pids(pid)
    return children.union(*(descendants(child) for child in children))


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting for its parent to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_make_runs_processes_serve_run_jobs_and_stop_together_on_ctrl_c(
    transactional_db, active_model, trained_artifact, settings, tmp_path
):
    bulk_reviews(50, model_version=active_model, texts=TEXTS)
    new_model = register(trained_artifact, version="v2", active=False)
    model_activate(version="v2")
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))},
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": database_url(),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "VAR_DIR": str(tmp_path / "var"),
        **model_environment(),
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=PROJECT, env=environment)
    log = tmp_path / "honcho.log"
    with log.open("w") as output:
        honcho = subprocess.Popen(
            [str(BIN / "honcho"), "start", "web", "worker"],
            cwd=PROJECT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while answers(port, "/healthz") != 200 or " ready." not in log.read_text():
            assert time.monotonic() < deadline and honcho.poll() is None, log.read_text()
            time.sleep(0.2)

        queued = subprocess.run(
            [*manage, "rescore_reviews", "--queue", "--wait"],
            cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert queued.returncode == 0, queued.stderr + log.read_text()
        assert Review.objects.filter(model_version=new_model).count() == 50

        started = descendants(honcho.pid)
        assert len(started) >= 4  # two shells, gunicorn's master and worker, celery's two
        os.killpg(honcho.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        honcho.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in started):
            assert time.monotonic() < deadline, "a process of make run outlived Ctrl-C"
            time.sleep(0.2)
        assert answers(port, "/healthz") is None
    finally:
        for pid in [honcho.pid, *descendants(honcho.pid)]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
