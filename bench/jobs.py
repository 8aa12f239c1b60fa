"""Benchmark re-scoring as a Celery job against re-scoring in process; prints JSON.

    .venv/bin/python bench/jobs.py --reviews 100000
    .venv/bin/python bench/jobs.py --reviews 100000 --brokers embedded,redis,rabbitmq
    .venv/bin/python bench/jobs.py --reviews 100000 --database-url postgres://postgres@127.0.0.1:5432/jobs_bench

The same N stored reviews (bench/rescore.py builds them, scored by a "previous" version)
are brought up to the active model, in one run: by `rescore_reviews` in process with one
worker, then by `rescore_reviews --queue` on a real Celery worker with 1 and with 2 pool
processes, on each broker. A job's rate is its reviews over the time from its start
(planned by a worker) to its end, both stamped in the database. Around the runs the
classifier alone is timed on one core, to say how fast the machine was.

It also measures the database's sustained rate for the bulk write statements a batch makes
(the predictions' upsert and the reviews' update, in one transaction per batch of 1,000,
already scored): divided by one worker's rate, that is how many worker processes one
database can feed.
"""

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench import load, rescore  # noqa: E402  (after the thread limits, before Django)

BROKERS = {
    "embedded": None,
    "redis": "redis://127.0.0.1:6379/12",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}
CELERY = Path(sys.executable).with_name("celery")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--brokers", default="embedded,redis", help=", ".join(BROKERS))
    parser.add_argument("--processes", default="1,2", help="worker pool sizes to run")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--database-url", help="default: an SQLite file in var/bench/")
    parser.add_argument("--write-seconds", type=float, default=15.0)
    return parser.parse_args()


def worker_environment(broker_url: str | None, queue: str) -> dict:
    from django.conf import settings

    environment = {
        **os.environ,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "VAR_DIR": str(rescore.BENCH_DIR),
        "CELERY_QUEUE": queue,
        "MODEL_REFRESH_SECONDS": "1",
    }
    environment.pop("CELERY_BROKER_URL", None)
    if broker_url:
        environment["CELERY_BROKER_URL"] = broker_url
    return environment


def start_worker(environment: dict, processes: int, log: Path) -> subprocess.Popen:
    command = [
        str(CELERY), "--app", "reviewsite", "worker", "--loglevel", "INFO",
        "--concurrency", str(processes), "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with log.open("w") as output:
        worker = subprocess.Popen(
            command,
            cwd=PROJECT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while " ready." not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def run_job(broker: str, processes: int, batch_size: int) -> dict:
    from reviews.models import Job

    queue = f"bench-{secrets.token_hex(4)}"
    environment = worker_environment(BROKERS[broker], queue)
    worker = start_worker(environment, processes, rescore.BENCH_DIR / f"worker-{broker}.log")
    try:
        queued = subprocess.run(
            [sys.executable, "manage.py", "rescore_reviews", "--queue", "--wait"]
            + ["--batch-size", str(batch_size)],
            cwd=PROJECT,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        stop_worker(worker)
    job = Job.objects.get(pk=int(re.search(r"Queued job (\d+)", queued.stdout).group(1)))
    seconds = (job.finished_at - job.started_at).total_seconds()
    return {
        "broker": broker,
        "processes": processes,
        "status": job.status,
        "scored": job.done,
        "seconds": round(seconds, 2),
        "reviews_per_second": round(job.done / seconds, 1),
        "seconds_queued_to_end": round((job.finished_at - job.queued_at).total_seconds(), 2),
    }


def database_write_rate(batch_size: int, seconds: float) -> dict:
    """Rows per second of a batch's bulk writes alone, sustained over `seconds`: the scores
    are computed once, then the same reviews are written again and again as if re-scored."""
    from django.db import connection

    from ml.classifier import get_active_classifier
    from reviews.models import Review
    from reviews.services.rescoring import RESCORE_FIELDS, batch_store
    from reviews.services.scoring import reviews_score

    classifier = get_active_classifier()
    pks = list(Review.objects.order_by("pk").values_list("pk", flat=True))
    batches = []
    for start in range(0, min(len(pks), 20 * batch_size), batch_size):
        reviews = list(
            Review.objects.filter(pk__in=pks[start : start + batch_size]).only(*RESCORE_FIELDS)
        )
        batches.append((reviews_score(reviews, classifier=classifier), reviews))
    written, started, index = 0, time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        predictions, reviews = batches[index % len(batches)]
        batch_store(predictions, reviews, 0, model_version_id=classifier.model_version_id)
        written += len(reviews)
        index += 1
    elapsed = time.perf_counter() - started
    return {
        "database": connection.vendor,
        "rows_per_second": round(written / elapsed, 1),
        "batches": index,
        "batch_size": batch_size,
    }


def main() -> None:
    arguments = parse_arguments()
    url = rescore.configure(arguments)
    active, previous = rescore.ensure_models()
    texts = rescore.imdb_texts()
    rescore.ensure_reviews(arguments.reviews, previous, texts)

    loop_before = load.python_loop_ms()
    speed_before = rescore.classifier_throughput(texts, batch_size=arguments.batch_size)
    rescore.reset_to_previous(active, previous)
    in_process = rescore.run_command(1, arguments.batch_size)
    jobs = []
    for broker in arguments.brokers.split(","):
        for processes in [int(n) for n in arguments.processes.split(",")]:
            rescore.reset_to_previous(active, previous)
            jobs.append(run_job(broker, processes, arguments.batch_size))
    writes = database_write_rate(arguments.batch_size, arguments.write_seconds)
    speed_after = rescore.classifier_throughput(texts, batch_size=arguments.batch_size)
    loop_after = load.python_loop_ms()

    def rate(broker: str, processes: int) -> float | None:
        runs = [j for j in jobs if (j["broker"], j["processes"]) == (broker, processes)]
        return runs[0]["reviews_per_second"] if runs else None

    ratios = {}
    for broker in arguments.brokers.split(","):
        one, two = rate(broker, 1), rate(broker, 2)
        if one:
            ratios[f"{broker}_1_worker_vs_in_process"] = round(
                one / in_process["reviews_per_second"], 2
            )
        if one and two:
            ratios[f"{broker}_2_workers_vs_1"] = round(two / one, 2)
    one_worker = min(filter(None, (rate(broker, 1) for broker in arguments.brokers.split(","))))
    report = {
        "benchmark": "jobs",
        "database": url.split(":")[0],
        "reviews": arguments.reviews,
        "batch_size": arguments.batch_size,
        "machine_classifier_reviews_per_second_one_core": round(
            (speed_before + speed_after) / 2, 1
        ),
        "python_loop_ms_before": loop_before,
        "python_loop_ms_after": loop_after,
        "in_process": in_process,
        "jobs": jobs,
        "ratios": ratios,
        "database_writes": writes,
        "worker_processes_one_database_feeds": round(writes["rows_per_second"] / one_worker, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
