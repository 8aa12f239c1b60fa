"""Benchmark `rescore_reviews` against the classifier's own batch throughput; prints JSON.

    .venv/bin/python bench/rescore.py --reviews 100000 --workers 1,2
    .venv/bin/python bench/rescore.py --reviews 100000 --database-url postgres://postgres@127.0.0.1:5432/rescore_bench

Stores N IMDB reviews (cycling through the bundled 25,000) scored by a "previous" model
version, then times the real command (a subprocess, as an operator runs it) bringing them
up to the active model, once per worker count. In the same run it measures the classifier
scoring the same texts in batches in this process on one core; the ratio of the two is the
figure to watch (the machine is shared, so absolute numbers drift, ratios much less).
Peak RSS comes from GNU time (the largest process of the run).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
BENCH_DIR = PROJECT / "var" / "bench"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--database-url", help="default: an SQLite file in var/bench/")
    return parser.parse_args()


def configure(arguments: argparse.Namespace) -> str:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = arguments.database_url or f"sqlite:///{BENCH_DIR}/rescore-{arguments.reviews}.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ["MODEL_DIR"] = str(BENCH_DIR / "models")
    os.environ["MODEL_CACHE_DIR"] = str(BENCH_DIR / "model-cache")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewsite.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def ensure_models():
    """The active model (trained once on all the bundled data) and a 'previous' version."""
    from ml.dataset import load_bundled
    from ml.models import ModelVersion
    from ml.services import model_train

    active = ModelVersion.objects.filter(is_active=True).first()
    if active is None:
        active = model_train(data=load_bundled())
    previous, _ = ModelVersion.objects.get_or_create(
        version="bench-previous",
        defaults={"storage_key": active.storage_key, "sha256": active.sha256},
    )
    return active, previous


def imdb_texts() -> list[str]:
    from ml.dataset import load_bundled

    return load_bundled().only_source("imdb").texts


def ensure_reviews(count: int, previous, texts: list[str]) -> None:
    """Top the table up to `count` reviews, in large transactions of plain INSERTs."""
    from django.db import connection, transaction
    from django.utils import timezone

    from reviews.models import Movie, Review

    existing = Review.objects.count()
    movie_ids = list(Movie.objects.values_list("pk", flat=True))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = Review._meta.db_table
    chunk = 20_000
    for start in range(existing, count, chunk):
        rows = [
            (
                movie_ids[n % len(movie_ids)],
                texts[n % len(texts)],
                now,
                "negative",
                0.3,
                previous.pk,
                "",
                now,
            )
            for n in range(start, min(start + chunk, count))
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (movie_id, text, created_at, sentiment, "
                "probability_positive, model_version_id, previous_sentiment, scored_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )


def reset_to_previous(active, previous) -> None:
    from django.db import connection, transaction

    from reviews.models import Prediction, Review

    with transaction.atomic():
        Prediction.objects.filter(model_version=active).delete()
        Review.objects.update(model_version=previous, sentiment="negative")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE reviews_review")
            cursor.execute("VACUUM ANALYZE reviews_prediction")
    connection.close()


def classifier_throughput(texts: list[str], *, batch_size: int, seconds: float = 10.0) -> float:
    """Reviews per second of the active classifier alone, in batches, on one core."""
    from ml.classifier import get_active_classifier

    classifier = get_active_classifier()
    scored, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        start = scored % len(texts)
        classifier.predict_batch(texts[start : start + batch_size])
        scored += len(texts[start : start + batch_size])
    return scored / (time.perf_counter() - started)


def run_command(workers: int, batch_size: int) -> dict:
    command = [
        "/usr/bin/time",
        "-f",
        "peak_rss_kb=%M",
        sys.executable,
        "manage.py",
        "rescore_reviews",
        "--workers",
        str(workers),
        "--batch-size",
        str(batch_size),
    ]
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    summary = re.search(r"Scored (\d+) reviews.* in ([\d.]+) s", finished.stdout)
    peak = re.search(r"peak_rss_kb=(\d+)", finished.stderr)
    scored, seconds = int(summary.group(1)), float(summary.group(2))
    return {
        "workers": workers,
        "scored": scored,
        "seconds": seconds,
        "reviews_per_second": round(scored / seconds, 1),
        "wall_seconds_with_startup": round(wall, 2),
        "peak_rss_mb": round(int(peak.group(1)) / 1024, 1),
    }


def main() -> None:
    arguments = parse_arguments()
    url = configure(arguments)
    active, previous = ensure_models()
    texts = imdb_texts()
    ensure_reviews(arguments.reviews, previous, texts)
    runs = []
    for workers in [int(w) for w in arguments.workers.split(",")]:
        reset_to_previous(active, previous)
        before = classifier_throughput(texts, batch_size=arguments.batch_size)
        run = run_command(workers, arguments.batch_size)
        after = classifier_throughput(texts, batch_size=arguments.batch_size)
        run["classifier_reviews_per_second"] = round((before + after) / 2, 1)
        run["ratio_to_classifier_one_core"] = round(
            run["reviews_per_second"] / run["classifier_reviews_per_second"], 3
        )
        runs.append(run)
    report = {
        "benchmark": "rescore_reviews",
        "database": url.split(":")[0],
        "reviews": arguments.reviews,
        "batch_size": arguments.batch_size,
        "mean_text_chars": round(sum(map(len, texts)) / len(texts)),
        "runs": runs,
    }
    if len(runs) > 1:
        report["speedup_last_vs_first"] = round(
            runs[-1]["reviews_per_second"] / runs[0]["reviews_per_second"], 2
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
