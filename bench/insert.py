"""PostgreSQL server CPU per stored submission, with the prepared insert and without; prints JSON.

    .venv/bin/python bench/insert.py --database-url postgres://postgres@127.0.0.1:5432/insert_bench

Drops and creates that database (a local server: its CPU is read from /proc), migrates it
and trains a small model as bench/load.py does. Then, for --rounds rounds, it runs the
form's write path (`reviews.services.review_create`, scoring included) --inserts times in a
fresh process with DATABASE_PREPARED_STATEMENTS on, then off (the order alternates from
round to round, so the machine's drift falls on both), each time reading its own database
backend's CPU time before and after. Reports the median per insert of each setting.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import load  # bench/load.py: the throwaway database and site it prepares

PROJECT = Path(__file__).resolve().parent.parent
SETTINGS = {"prepared": "1", "not_prepared": "0"}


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a throwaway PostgreSQL database")
    parser.add_argument("--inserts", type=int, default=3000, help="per round and setting")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def backend_cpu_seconds(pid: int) -> float:
    return load.cpu_ticks(pid) / os.sysconf("SC_CLK_TCK")


def child(inserts: int) -> dict:
    """In a fresh process: `inserts` submissions through the form's write path."""
    sys.path.insert(0, str(PROJECT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewsite.settings")
    import django

    django.setup()
    from django.db import connection

    from reviews.models import Movie
    from reviews.services import review_create

    text = load.tutorial_review_text()
    movie_id = Movie.objects.order_by("pk").values_list("pk", flat=True).first()
    review_create(movie_id=movie_id, text=text)  # connects, loads the model
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu_before, started = backend_cpu_seconds(backend), time.perf_counter()
    for _ in range(inserts):
        review_create(movie_id=movie_id, text=text)
    return {
        "server_cpu_ms_per_insert": 1000 * (backend_cpu_seconds(backend) - cpu_before) / inserts,
        "wall_ms_per_insert": 1000 * (time.perf_counter() - started) / inserts,
    }


def main() -> int:
    arguments = parse_arguments()
    if arguments.child:
        print(json.dumps(child(arguments.inserts)))
        return 0
    environment = load.site_environment(arguments.database_url)
    load.postgres_recreate(arguments.database_url)
    try:
        load.log("preparing the site on PostgreSQL")
        load.prepare_site(environment, sample=2000)
        runs = {name: [] for name in SETTINGS}
        for number in range(arguments.rounds):
            order = list(SETTINGS) if number % 2 == 0 else list(reversed(SETTINGS))
            for name in order:
                load.log(f"round {number + 1}/{arguments.rounds}: {name}")
                finished = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        "--inserts",
                        str(arguments.inserts),
                        "--database-url",
                        arguments.database_url,
                    ],
                    env={**environment, "DATABASE_PREPARED_STATEMENTS": SETTINGS[name]},
                    cwd=PROJECT,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs[name].append(json.loads(finished.stdout.splitlines()[-1]))
    finally:
        load.postgres_drop(arguments.database_url)
    report = {"benchmark": "insert", "inserts_per_round": arguments.inserts}
    for name, results in runs.items():
        report[name] = {
            key: round(statistics.median(result[key] for result in results), 3)
            for key in ("server_cpu_ms_per_insert", "wall_ms_per_insert")
        } | {"rounds": results}
    report["server_cpu_ratio_prepared_to_not"] = round(
        report["prepared"]["server_cpu_ms_per_insert"]
        / report["not_prepared"]["server_cpu_ms_per_insert"],
        3,
    )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
