"""Benchmark the admin's lists on a large prediction history; prints JSON.

    .venv/bin/python bench/admin.py --reviews 10000            # a quick check
    .venv/bin/python bench/admin.py                            # 1,000,000 reviews, SQLite
    .venv/bin/python bench/admin.py --database-url postgres://postgres@127.0.0.1:5432/admin_bench

Builds (once, then reuses) a database of N reviews and 2N predictions: every review was
scored by two model versions (85% by "bench-v2" then the active "bench-v3", 15% by
"bench-v1" then "bench-v2", so those are stale), about 7% flipped at the latest re-scoring,
created over two years, spread over --movies movies, texts drawn from the bundled IMDB and
Rotten Tomatoes reviews (about 1,000 characters on average). The rows go in with plain
multi-row INSERTs (SQLite) or COPY (PostgreSQL) in large transactions, secondary indexes
dropped during the load and rebuilt after it.

Then it requests each admin page through django.test.Client as a logged-in superuser:
one warm-up request, then --repeat timed ones (p50, min, max), and the queries of one
request at 100 and at 20 rows a page (equal counts: no N+1). The admin's three indexes
(migration reviews 0004) are present; `--without-admin-indexes` drops them for the run, to
show what they buy (run again without it to restore them).
The machine is shared: expect noise, compare p50s.
"""

import argparse
import json
import math
import os
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
BENCH_DIR = PROJECT / "var" / "bench"
# Bumped whenever the generated data changes, so an older database is rebuilt.
DATA_VERSION = 1
TARGET_P50_MS = 300
VERSIONS = ["bench-v1", "bench-v2", "bench-v3"]  # the last one is active
SPAN = timedelta(days=730)
CHUNK = 50_000


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--movies", type=int, default=100, help="at least the 9 tutorial ones")
    parser.add_argument("--repeat", type=int, default=7, help="timed requests per page")
    parser.add_argument("--database-url", help="default: an SQLite file in var/bench/")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data even if present")
    parser.add_argument(
        "--without-admin-indexes",
        action="store_true",
        help="drop the admin's three indexes (migration reviews 0004) for this run",
    )
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def configure(arguments: argparse.Namespace) -> str:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = arguments.database_url or f"sqlite:///{BENCH_DIR}/admin-{arguments.reviews}.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewsite.settings")
    # The benchmark serves nothing, so a throwaway key is enough when none is configured.
    if not (PROJECT / "var" / "secret_key").exists():
        os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    if url.startswith("postgres"):
        create_postgres_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def create_postgres_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        name = config["NAME"]
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


# --- The data


def bench_meta() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key varchar(50), value text)")
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'admin'")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def save_bench_meta(meta: dict) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_meta WHERE key = 'admin'")
        cursor.execute(
            "INSERT INTO bench_meta (key, value) VALUES ('admin', %s)", [json.dumps(meta)]
        )


def bundled_texts() -> list[str]:
    from ml.dataset import load_bundled

    return load_bundled().texts


def logit_to_probability(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def generate(arguments: argparse.Namespace, movie_ids: list[int], version_ids: list[int]):
    """Yield chunks of (review rows, prediction rows), ids from 1, in creation order."""
    from django.db import connection

    adapt = connection.ops.adapt_datetimefield_value
    rng = random.Random(arguments.seed)
    texts = bundled_texts()
    v1, v2, v3 = version_ids
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - SPAN
    step = SPAN / arguments.reviews
    for first in range(1, arguments.reviews + 1, CHUNK):
        reviews, predictions = [], []
        for pk in range(first, min(first + CHUNK, arguments.reviews + 1)):
            created = start + step * pk + timedelta(microseconds=rng.randrange(1, 999_999))
            # The current model's belief, and the previous model's: mostly in agreement.
            label = rng.random() < 0.5
            z = (2.2 if label else -2.2) + rng.gauss(0, 1.6)
            p = logit_to_probability(z)
            p_before = logit_to_probability(z + rng.gauss(0, 0.8))
            sentiment = "positive" if p >= 0.5 else "negative"
            before = "positive" if p_before >= 0.5 else "negative"
            stale = rng.random() < 0.15
            earlier, current = (v1, v2) if stale else (v2, v3)
            rescored = created + timedelta(days=rng.randrange(1, 60))
            reviews.append(
                (
                    pk,
                    rng.choice(movie_ids),
                    rng.choice(texts),
                    adapt(created),
                    sentiment,
                    p,
                    current,
                    before,
                    adapt(rescored),
                )
            )
            predictions.append((2 * pk - 1, pk, earlier, before, p_before, adapt(created)))
            predictions.append((2 * pk, pk, current, sentiment, p, adapt(rescored)))
        yield reviews, predictions


REVIEW_COLUMNS = (
    "id, movie_id, text, created_at, sentiment, probability_positive, model_version_id, "
    "previous_sentiment, scored_at"
)
PREDICTION_COLUMNS = "id, review_id, model_version_id, sentiment, probability_positive, created_at"


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that are not constraints."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint)",
                [table],
            )
        return cursor.fetchall()


def insert_rows(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        # One prepared INSERT run for every row, inside the caller's transaction.
        placeholders = ", ".join(["%s"] * (columns.count(",") + 1))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def build(arguments: argparse.Namespace) -> float:
    from django.contrib.auth.models import User
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from ml.models import ModelVersion
    from reviews.models import Movie, Prediction, Review

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous = OFF")
        else:
            # Foreign keys are checked by triggers; the generated ids are known to be right.
            cursor.execute("SET session_replication_role = replica")
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("TRUNCATE reviews_prediction, reviews_review")
            else:
                cursor.execute("DELETE FROM reviews_prediction")
                cursor.execute("DELETE FROM reviews_review")
        ModelVersion.objects.all().delete()
        Movie.objects.filter(title__startswith="Bench movie").delete()
        for number in range(Movie.objects.count(), arguments.movies):
            Movie.objects.create(title=f"Bench movie {number + 1:04d}")
        version_ids = [
            ModelVersion.objects.create(
                version=name,
                created_at=datetime.now(UTC) - SPAN + timedelta(days=200 * index),
                storage_key=f"nonexistent-{name}",
                sha256="0" * 64,
                metrics={"held_out": {"n": 6706, "accuracy": 0.87 + index / 100}},
                is_active=index == len(VERSIONS) - 1,
            ).pk
            for index, name in enumerate(VERSIONS)
        ]
    movie_ids = list(Movie.objects.values_list("pk", flat=True))
    dropped = []
    for table in ("reviews_review", "reviews_prediction"):
        for name, create in secondary_indexes(table):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP INDEX "{name}"')
            dropped.append(create)
    for reviews, predictions in generate(arguments, movie_ids, version_ids):
        with transaction.atomic(), connection.cursor() as cursor:
            insert_rows(cursor, "reviews_review", REVIEW_COLUMNS, reviews)
            insert_rows(cursor, "reviews_prediction", PREDICTION_COLUMNS, predictions)
        print(f"inserted {reviews[-1][0]:,} reviews", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        for create in dropped:
            cursor.execute(create)
        for sql in connection.ops.sequence_reset_sql(no_style(), [Review, Prediction]):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    if connection.vendor == "postgresql":
        # What autovacuum would have done by the time anyone browses a table this size.
        connection.cursor().execute("VACUUM ANALYZE")
    else:
        connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if not User.objects.filter(username="bench").exists():
        User.objects.create_superuser("bench", password=secrets.token_urlsafe(20))
    return time.perf_counter() - started


# The admin's indexes (reviews/models.py, migration 0004): what each one serves.
def proposed_indexes() -> list:
    from django.db.models import F, Index

    from reviews.models import CONFIDENCE_ORDER

    p = F("probability_positive")
    assert str(CONFIDENCE_ORDER) == str(p * p - p)
    return [
        # The "flipped" filter: two equality lookups instead of reading every row.
        Index(fields=["previous_sentiment", "sentiment"], name="review_flipped"),
        # Sorting by confidence.
        Index(CONFIDENCE_ORDER, name="review_confidence"),
        # The movie list's counts and sums, read from the index alone (no table rows).
        Index(fields=["movie", "sentiment", "probability_positive"], name="review_movie_stats"),
    ]


def set_proposed_indexes(wanted: bool) -> None:
    from django.db import connection

    from reviews.models import Review

    present = {name for name, _ in secondary_indexes("reviews_review")}
    with connection.schema_editor() as editor:
        for index in proposed_indexes():
            if wanted and index.name not in present:
                editor.add_index(Review, index)
            elif not wanted and index.name in present:
                editor.remove_index(Review, index)
    if connection.vendor == "postgresql":
        connection.cursor().execute("ANALYZE reviews_review")


# --- The measurements


def cases() -> list[tuple[str, str, dict]]:
    from django.urls import reverse

    from ml.models import ModelVersion
    from reviews.models import Movie, Review

    reviews = reverse("admin:reviews_review_changelist")
    movies = reverse("admin:reviews_movie_changelist")
    predictions = reverse("admin:reviews_prediction_changelist")
    versions = reverse("admin:ml_modelversion_changelist")
    ozark = Movie.objects.get(title="Ozark").pk
    old = ModelVersion.objects.get(version="bench-v2").pk
    oldest = ModelVersion.objects.get(version="bench-v1").pk  # no review's current version
    latest = Review.objects.order_by("-created_at").values_list("created_at", flat=True)[0]
    today = latest.replace(hour=0, minute=0, second=0, microsecond=0)
    middle = latest - SPAN / 2
    some_review = Review.objects.order_by("pk").values_list("pk", flat=True)[0]
    return [
        ("reviews", reviews, {}),
        ("reviews: sentiment", reviews, {"sentiment__exact": "negative"}),
        ("reviews: movie", reviews, {"movie__id__exact": ozark}),
        ("reviews: model version", reviews, {"model_version__id__exact": old}),
        ("reviews: model version, no match", reviews, {"model_version__id__exact": oldest}),
        (
            "reviews: created past 7 days",
            reviews,
            {
                "created_at__gte": str(today - timedelta(days=7)),
                "created_at__lt": str(today + timedelta(days=1)),
            },
        ),
        (
            "reviews: date hierarchy month",
            reviews,
            {"created_at__year": middle.year, "created_at__month": middle.month},
        ),
        ("reviews: confidence below 60%", reviews, {"confidence": "low"}),
        ("reviews: confidence 60-80%", reviews, {"confidence": "medium"}),
        ("reviews: confidence above 80%", reviews, {"confidence": "high"}),
        ("reviews: stale", reviews, {"stale": "yes"}),
        ("reviews: flipped", reviews, {"flipped": "yes"}),
        ("reviews: page 50", reviews, {"p": 50}),
        ("reviews: sorted by confidence", reviews, {"o": "-4"}),
        ("reviews: search (reads every row)", reviews, {"q": "masterpiece"}),
        ("movies", movies, {}),
        ("movies: sorted by reviews", movies, {"o": "-2"}),
        ("predictions", predictions, {}),
        ("predictions: model version", predictions, {"model_version__id__exact": old}),
        ("predictions: sentiment", predictions, {"sentiment__exact": "positive"}),
        ("model versions", versions, {}),
        ("review detail", reverse("admin:reviews_review_change", args=[some_review]), {}),
        ("dashboard", reverse("admin-dashboard"), {}),
        (
            "dashboard: by week, one movie",
            reverse("admin-dashboard"),
            {"bucket": "week", "movie": ozark},
        ),
        ("dashboard: 366 days", reverse("admin-dashboard"), {"days": 366}),
    ]


# The review list and the movie list, each with any one filter, are what issue 1 times, and
# the dashboard for 30 days what issue 20 times; these variants are measured for information.
NOT_TARGETED = (
    "reviews: page 50",
    "reviews: sorted by confidence",
    "reviews: search",
    "dashboard: 366 days",
)


def is_targeted(name: str) -> bool:
    if name.startswith(NOT_TARGETED):
        return False
    return name in ("reviews", "movies", "dashboard") or name.startswith(
        ("reviews: ", "movies: ", "dashboard: ")
    )


def query_count(client, url: str, params: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url, params)
    return len(queries)


def measure(client, name: str, url: str, params: dict, repeat: int) -> dict:
    from django.contrib import admin

    from ml.models import ModelVersion
    from reviews.models import Movie, Prediction, Review

    response = client.get(url, params)
    if response.status_code != 200:
        raise SystemExit(f"{name}: {url} {params} answered {response.status_code}")
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
    queries = query_count(client, url, params)
    model = {"reviews": Review, "movies": Movie, "predictions": Prediction}.get(
        name.split(":")[0], ModelVersion
    )
    model_admin = admin.site.get_model_admin(model)
    per_page = model_admin.list_per_page
    model_admin.list_per_page = 20
    try:
        queries_at_20 = query_count(client, url, params)
    finally:
        model_admin.list_per_page = per_page
    result = {
        "page": name,
        "url": url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""),
        "p50_ms": round(statistics.median(timings), 1),
        "min_ms": round(min(timings), 1),
        "max_ms": round(max(timings), 1),
        "queries": queries,
        "queries_at_20_a_page": queries_at_20,
    }
    if is_targeted(name):
        result["within_target"] = result["p50_ms"] <= TARGET_P50_MS
    return result


def main() -> None:
    arguments = parse_arguments()
    configure(arguments)
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client, override_settings

    wanted = {"data_version": DATA_VERSION, "reviews": arguments.reviews}
    wanted |= {"movies": arguments.movies, "seed": arguments.seed}
    build_seconds = None
    if arguments.rebuild or bench_meta() != wanted:
        build_seconds = round(build(arguments), 1)
        save_bench_meta(wanted)
    set_proposed_indexes(not arguments.without_admin_indexes)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench"))
    # Plain static storage: the manifest one needs `collectstatic`, irrelevant to timing.
    storages = {
        **settings.STORAGES,  # the models storage too: a review's page loads its models
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        results = [
            measure(client, name, page, params, arguments.repeat) for name, page, params in cases()
        ]
    targeted = [result for result in results if "within_target" in result]
    report = {
        "benchmark": "admin lists",
        "database": connection.vendor,
        "database_version": database_version(),
        "reviews": arguments.reviews,
        "predictions": 2 * arguments.reviews,
        "movies": arguments.movies,
        "admin_indexes": not arguments.without_admin_indexes,
        "build_seconds": build_seconds,
        "repeat": arguments.repeat,
        "target_p50_ms": TARGET_P50_MS,
        "all_targeted_within": all(result["within_target"] for result in targeted),
        "worst_targeted_p50_ms": max(result["p50_ms"] for result in targeted),
        "results": results,
    }
    print(json.dumps(report, indent=2))


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
