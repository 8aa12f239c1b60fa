"""Load-test the read path (pages and API lists) beside the form's POST and the tutorial's
GET /, as `make run` serves them; prints JSON.

    make bench-tools                   # installs wrk once (apt-get)
    .venv/bin/python bench/pages.py    # SQLite, 100,000 reviews over 100 movies
    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/pages_bench

Builds a fresh database of --reviews reviews over --movies movies (bench/admin.py's data:
bundled texts, two predictions each), then trains a model on a sample with the project's
own `train_model --sample` and gives it every review, so each review page explains its
prediction with a real model. Starts the tutorial's app and ours (gunicorn with
reviewsite/serving/gunicorn_conf.py, 2 workers each, as bench/load.py does) and loads each
case below with wrk (2 threads, 8 connections), in --slices rounds that alternate the
cases, so a neighbour's load on this shared machine falls on all alike:

- the tutorial's GET / (its static form) and ours (the form and the 10 latest reviews);
- GET /reviews/<id>/ over every review, in random order (nearly every view is a review's
  first: a cache cannot help, the page must be cheap to build);
- GET /movies/<id>/, the first page and a deep one (page 40 of about 50), random movies;
- GET /api/reviews (the first page), GET /api/movies;
- POST / (score and store the tutorial's median review, as bench/load.py does);
- POST /reviews/<id>/feedback/ (a visitor's vote, on random reviews): every request is a
  new visitor (no voter cookie), so each inserts a vote row, the costlier case.

Targets: our GET / at least 0.5x the tutorial's GET / throughput; every other page at
least 2x our own POST throughput; a vote at least 1x it (it costs no more than a
submission); no errors. CPU time of each app's gunicorn processes per
request, and the Python loop of bench/load.py (the machine's speed) before and after, are
reported beside the figures.
"""

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import sys
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import admin as admin_bench  # noqa: E402  (bench/ is a folder of scripts, not a package)
import load  # noqa: E402

PROJECT = BENCH.parent
WORK_DIR = PROJECT / "var" / "bench" / "pages"
DEEP_PAGE = 40
TARGET_HOME_TO_TUTORIAL = 0.5
TARGET_PAGE_TO_POST = 2
TARGET_VOTE_TO_POST = 1
VOTE = "POST /reviews/<id>/feedback/"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--movies", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10, help="load per case and slice (10)")
    parser.add_argument("--slices", type=int, default=2, help="rounds over all cases (2)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sample", type=int, default=3000, help="training texts for the model")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL of a throwaway database (dropped and created here); "
        "default: a fresh SQLite file in var/bench/pages/",
    )
    return parser.parse_args()


def build_database(arguments: argparse.Namespace, environment: dict) -> dict:
    """bench/admin.py's data, then a real model that every review is scored by."""
    names = ("DATABASE_URL", "VAR_DIR", "MODEL_DIR", "DJANGO_SECRET_KEY", "DJANGO_DEBUG")
    os.environ.update({name: environment[name] for name in names})
    admin_bench.configure(SimpleNamespace(database_url=environment["DATABASE_URL"]))
    from django.core.management import call_command
    from django.db import connections

    from ml.models import ModelVersion
    from reviews.models import Movie, Review

    admin_bench.build(SimpleNamespace(reviews=arguments.reviews, movies=arguments.movies, seed=0))
    call_command(
        "train_model", sample=arguments.sample, seed=0, verbosity=0, stdout=sys.stderr
    )  # stdout carries the JSON report only
    Review.objects.update(model_version=ModelVersion.objects.get(is_active=True))
    call_command("collectstatic", interactive=False, verbosity=0)
    review_ids = list(Review.objects.values_list("id", flat=True))
    random.Random(0).shuffle(review_ids)
    movie_ids = list(Movie.objects.values_list("id", flat=True))
    connections.close_all()
    return {"review_ids": review_ids, "movie_ids": movie_ids}


def paths_file(name: str, paths: list[str]) -> Path:
    path = WORK_DIR / f"{name}.paths"
    path.write_text("\n".join(paths) + "\n")
    return path


def main() -> int:
    arguments = parse_arguments()
    if shutil.which("wrk") is None:
        print("wrk is not installed: run `make bench-tools` (apt-get install wrk)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    WORK_DIR.mkdir(parents=True)
    load.WORK_DIR = WORK_DIR  # the servers' logs
    database_url = arguments.database_url or f"sqlite:///{WORK_DIR / 'db.sqlite3'}"
    environment = {
        **load.site_environment(database_url),
        "VAR_DIR": str(WORK_DIR),
        "MODEL_DIR": str(WORK_DIR / "models"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    }
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, WORK_DIR, ignore_errors=True)
        if arguments.database_url:
            load.postgres_recreate(database_url)
            stack.callback(load.postgres_drop, database_url)
        load.log(f"building {arguments.reviews:,} reviews over {arguments.movies} movies")
        data = build_database(arguments, environment)
        load.log("starting both apps")
        tutorial = load.start_tutorial(stack)
        ours = load.start_ours(stack, environment)
        body, cookie, _ = load.our_form_body(ours, load.tutorial_review_text())
        body_file = WORK_DIR / "our_body.txt"
        body_file.write_text(body)
        token = parse_qs(body)["csrfmiddlewaretoken"][0]
        vote_file = WORK_DIR / "vote_body.txt"
        vote_file.write_text(urlencode({"csrfmiddlewaretoken": token, "label": "positive"}))

        movie_ids = data["movie_ids"]
        cases = {
            "tutorial GET /": {"server": tutorial},
            "GET /": {"server": ours},
            "GET /reviews/<id>/": {
                "server": ours,
                "paths_file": paths_file(
                    "reviews", [f"/reviews/{pk}/" for pk in data["review_ids"]]
                ),
            },
            "GET /movies/<id>/": {
                "server": ours,
                "paths_file": paths_file("movies", [f"/movies/{pk}/" for pk in movie_ids]),
            },
            f"GET /movies/<id>/?page={DEEP_PAGE}": {
                "server": ours,
                "paths_file": paths_file(
                    "deep", [f"/movies/{pk}/?page={DEEP_PAGE}" for pk in movie_ids]
                ),
            },
            "GET /api/reviews": {"server": ours, "paths_file": paths_file("api", ["/api/reviews"])},
            "GET /api/movies": {
                "server": ours,
                "paths_file": paths_file("api_movies", ["/api/movies"]),
            },
            "POST /": {"server": ours, "body_file": body_file, "cookie": cookie},
            VOTE: {
                "server": ours,
                "body_file": vote_file,
                "cookie": cookie,
                "paths_file": paths_file(
                    "votes", [f"/reviews/{pk}/feedback/" for pk in data["review_ids"]]
                ),
            },
        }
        loop_before, load_before = load.python_loop_ms(), load.load_average()
        slices = {name: [] for name in cases}
        for number in range(arguments.slices):
            for name, case in cases.items():
                load.log(f"  slice {number + 1}/{arguments.slices}: {name}")
                slices[name].append(
                    load.wrk_slice(seconds=arguments.seconds, arguments=arguments, **case)
                )
        loop_after, load_after = load.python_loop_ms(), load.load_average()

    results = {name: load.summarize(pieces) for name, pieces in slices.items()}
    post = results["POST /"]["requests_per_second"]
    ratios = {
        "GET / to the tutorial's GET /": round(
            results["GET /"]["requests_per_second"]
            / results["tutorial GET /"]["requests_per_second"],
            2,
        ),
        **{
            f"{name} to our POST /": round(result["requests_per_second"] / post, 2)
            for name, result in results.items()
            if name not in {"tutorial GET /", "GET /", "POST /"}
        },
    }
    meets = (
        ratios["GET / to the tutorial's GET /"] >= TARGET_HOME_TO_TUTORIAL
        and ratios[f"{VOTE} to our POST /"] >= TARGET_VOTE_TO_POST
        and all(
            ratio >= TARGET_PAGE_TO_POST
            for name, ratio in ratios.items()
            if name.endswith("to our POST /") and not name.startswith(VOTE)
        )
    )
    errors = sum(result["errors"] + result["non_2xx_3xx"] for result in results.values())
    report = {
        "database": "postgresql" if arguments.database_url else "sqlite",
        "reviews": arguments.reviews,
        "movies": arguments.movies,
        "load": {
            "seconds_per_slice": arguments.seconds,
            "slices": arguments.slices,
            "connections": arguments.connections,
            "threads": arguments.threads,
            "gunicorn_workers_each": load.WORKERS,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": load_after,
            "python_loop_ms_before": loop_before,
            "python_loop_ms_after": loop_after,
        },
        "results": results,
        "ratios": ratios,
        "targets": {
            "GET / to the tutorial's GET /": TARGET_HOME_TO_TUTORIAL,
            "every other page to our POST /": TARGET_PAGE_TO_POST,
            f"{VOTE} to our POST /": TARGET_VOTE_TO_POST,
        },
        "errors": errors,
        "meets_targets": meets and errors == 0,
    }
    print(json.dumps(report, indent=2))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
