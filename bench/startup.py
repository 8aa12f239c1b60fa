"""How long a second `make run` takes to serve; prints JSON.

    .venv/bin/python bench/startup.py            # a minute or two the first time, then seconds

Runs `make run` on a free port of 127.0.0.1 with a throwaway VAR_DIR (var/bench/startup/):
once to set everything up (migrations, the first model, static files), stopped as soon as
/healthz answers 200, then --runs more times, each timed from the start of `make` to the
first 200 from /healthz: what a person waits for when they start the site again. The
target: within 10 s.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import free_port, python_loop_ms  # noqa: E402  (bench/load.py)

PROJECT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT / "var" / "bench" / "startup"
TARGET_SECONDS = 10
GIVE_UP_SECONDS = 600


def serving_after(port: int) -> float:
    """Seconds from starting `make run` to the first 200 from /healthz; then stops it."""
    environment = {**os.environ, "VAR_DIR": str(VAR_DIR), "BIND": f"127.0.0.1:{port}"}
    started = time.perf_counter()
    process = subprocess.Popen(
        ["make", "run", f"BIND=127.0.0.1:{port}", f"VAR_DIR={VAR_DIR}"],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < GIVE_UP_SECONDS:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=1
                ) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except OSError:
                pass
            if process.poll() is not None:
                raise SystemExit(f"make run exited with {process.returncode} before serving")
            time.sleep(0.05)
        raise SystemExit(f"make run did not serve within {GIVE_UP_SECONDS} s")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed second starts (3)")
    arguments = parser.parse_args()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    loop_before = python_loop_ms()
    first = serving_after(free_port())
    again = [serving_after(free_port()) for _ in range(arguments.runs)]
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python_loop_ms_before": loop_before,
            "python_loop_ms_after": python_loop_ms(),
        },
        "first_start_seconds": round(first, 2),
        "second_start_seconds": [round(seconds, 2) for seconds in again],
        "worst_second_start_seconds": round(max(again), 2),
        "target_seconds": TARGET_SECONDS,
        "meets_target": max(again) <= TARGET_SECONDS,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
