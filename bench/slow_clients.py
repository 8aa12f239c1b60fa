"""Slow clients against the site as `make run` serves it, sync workers beside gevent's; JSON.

    .venv/bin/python bench/slow_clients.py
    .venv/bin/python bench/slow_clients.py --slow 0,10,50 --database-url postgres://postgres@127.0.0.1:5432/slow_bench

For each worker class (gunicorn's sync, and gevent's, the default of
reviewsite/serving/gunicorn_conf.py), ours is started as bench/load.py starts it (2 workers,
a throwaway database, a sampled model, rate limits off). Then for each number of slow
clients: that many connections to 127.0.0.1, half trickling a request's headers and half a
form's body, one byte a second each; after 3 s of that, /healthz, GET / and a form POST are
each asked --probes times, one after another, and the seconds to each answer (and its
status) recorded. A probe that gets no answer within --timeout counts as that timeout.
Target (issue 17): with 50 slow clients, each probe answered within 1 s.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: the same site, started the same way)

TARGET_SECONDS = 1.0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", default="0,10,50", help="slow client counts (0,10,50)")
    parser.add_argument("--worker-classes", default="sync,gevent")
    parser.add_argument("--probes", type=int, default=5, help="requests per probe kind (5)")
    parser.add_argument("--timeout", type=float, default=35.0, help="per probe, seconds (35)")
    parser.add_argument("--sample", type=int, default=2000, help="training texts for the model")
    parser.add_argument("--database-url", help="PostgreSQL URL (dropped and re-created)")
    return parser.parse_args()


class Trickle:
    """`count` connections sending one byte a second: half a request's headers, half the
    body of a form whose headers said 10,000 bytes."""

    def __init__(self, port: int, count: int):
        self.sockets = []
        for number in range(count):
            connection = socket.create_connection((load.HOST, port), timeout=5)
            if number % 2:
                connection.sendall(
                    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: 10000\r\n\r\n"
                )
            else:
                connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            self.sockets.append(connection)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            for connection in self.sockets:
                try:
                    connection.send(b"a")
                except OSError:
                    continue  # the server gave up on it: that is its right

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        for connection in self.sockets:
            connection.close()


def probe(port: int, method: str, path: str, body: str, headers: dict, timeout: float):
    started = time.perf_counter()
    connection = http.client.HTTPConnection(load.HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError as error:  # timed out, refused, reset
        status = type(error).__name__
    finally:
        connection.close()
    return min(time.perf_counter() - started, timeout), status


def probes(server, arguments, body: str, cookie: str) -> dict:
    form_headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    kinds = {
        "GET /healthz": ("GET", "/healthz", "", {}),
        "GET /": ("GET", "/", "", {}),
        "POST /": ("POST", "/", body, form_headers),
    }
    results = {}
    for name, (method, path, payload, headers) in kinds.items():
        answers = [
            probe(server.port, method, path, payload, headers, arguments.timeout)
            for _ in range(arguments.probes)
        ]
        seconds = [answer[0] for answer in answers]
        results[name] = {
            "median_seconds": round(statistics.median(seconds), 3),
            "max_seconds": round(max(seconds), 3),
            "statuses": sorted({str(answer[1]) for answer in answers}),
        }
    return results


def main() -> int:
    arguments = parse_arguments()
    # SIGTERM unwinds like Ctrl-C, so the servers are stopped either way.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    counts = [int(count) for count in arguments.slow.split(",")]
    database_url = load.own_work_dir("slow_clients", arguments.database_url)
    environment = load.site_environment(database_url)
    report = {
        "database": "PostgreSQL" if arguments.database_url else "SQLite",
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": load.load_average(),
            "python_loop_ms_before": load.python_loop_ms(),
        },
        "workers_each": load.WORKERS,
        "results": {},
    }
    with ExitStack() as stack:
        if arguments.database_url:
            load.postgres_recreate(database_url)
            stack.callback(load.postgres_drop, database_url)
        load.log("preparing the site")
        load.prepare_site(environment, arguments.sample)
        for worker_class in arguments.worker_classes.split(","):
            load.log(f"{worker_class} workers")
            with ExitStack() as serving:
                server = load.start_ours(
                    serving, {**environment, "GUNICORN_WORKER_CLASS": worker_class}
                )
                body, cookie, _ = load.our_form_body(server, "A slow night, a fine film.")
                by_count = {}
                for count in counts:
                    load.log(f"  {count} slow clients")
                    trickle = Trickle(server.port, count)
                    try:
                        time.sleep(3)
                        by_count[str(count)] = probes(server, arguments, body, cookie)
                    finally:
                        trickle.close()
                    time.sleep(1)
                report["results"][worker_class] = by_count
    report["machine"]["python_loop_ms_after"] = load.python_loop_ms()
    report["machine"]["load_average_after"] = load.load_average()
    worst = {
        worker_class: max(
            kind["max_seconds"] for kinds in by_count.values() for kind in kinds.values()
        )
        for worker_class, by_count in report["results"].items()
    }
    report["worst_seconds"] = worst
    report["target_seconds"] = TARGET_SECONDS
    report["meets_target"] = {name: value <= TARGET_SECONDS for name, value in worst.items()}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
