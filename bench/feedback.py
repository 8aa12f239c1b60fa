"""Benchmark live accuracy and compare_models on many truly labelled reviews; prints JSON.

    .venv/bin/python bench/feedback.py --reviews 5000     # a quick check
    .venv/bin/python bench/feedback.py                    # 100,000 labelled reviews, SQLite

Builds a throwaway SQLite database in var/bench/ (rebuilt each run) with N reviews drawn
from the bundled IMDB and Rotten Tomatoes data, each scored by the active model (a model
trained on --train-sample texts) and each given its dataset label as a true label by staff.
A second model, trained on another sample, is the candidate: it has scored nothing, as a
freshly trained one has not. Then it times, best of --repeat, `live_accuracy` of the active
version (what `evaluate_model --stored` and the version's admin page show) with its query
count, and `models_compare` of the candidate against the active model (what `compare_models`
and "Activate" run): the active model's stored predictions are its answers, the candidate
scores every labelled review. Beside it, in the same run, the candidate's own
`predict_batch` rate on the same texts: the floor of any comparison that must score them.
"""

import argparse
import json
import os
import secrets
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))
BENCH_DIR = PROJECT / "var" / "bench"
TARGET_SECONDS = 5  # "within a few seconds" (issue 19)
BATCH = 5000


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--train-sample", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def configure(arguments: argparse.Namespace) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = BENCH_DIR / f"feedback-{arguments.reviews}.sqlite3"
    for path in BENCH_DIR.glob(f"{database.name}*"):
        path.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["MODEL_DIR"] = str(BENCH_DIR / "feedback-models")
    os.environ["MODEL_CACHE_DIR"] = str(BENCH_DIR / "feedback-model-cache")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewsite.settings")
    if not (PROJECT / "var" / "secret_key").exists():
        os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(arguments: argparse.Namespace) -> tuple:
    from django.contrib.auth.models import User
    from django.db import transaction

    from ml import dataset
    from ml.classifier import get_classifier
    from ml.services import model_train
    from reviews.models import Feedback, Movie, Prediction, Review

    data = dataset.load_bundled()
    active = model_train(
        data=dataset.sample(data, size=arguments.train_sample, seed=1), seed=1, activate=True
    )
    candidate = model_train(
        data=dataset.sample(data, size=arguments.train_sample, seed=2), seed=2, activate=False
    )
    classifier = get_classifier(active.version)
    movie = Movie.objects.order_by("pk").first()
    staff = User.objects.create_superuser("bench", password=secrets.token_urlsafe(12))
    started = time.perf_counter()
    for start in range(0, arguments.reviews, BATCH):
        indices = [i % len(data) for i in range(start, min(start + BATCH, arguments.reviews))]
        texts = [data.texts[i] for i in indices]
        scores = classifier.predict_batch(texts)
        with transaction.atomic():
            reviews = Review.objects.bulk_create(
                Review(
                    movie=movie,
                    text=text,
                    sentiment=score.sentiment,
                    probability_positive=score.probability_positive,
                    model_version=active,
                )
                for text, score in zip(texts, scores, strict=True)
            )
            Prediction.objects.bulk_create(
                Prediction(
                    review=review,
                    model_version=active,
                    sentiment=review.sentiment,
                    probability_positive=review.probability_positive,
                )
                for review in reviews
            )
            Feedback.objects.bulk_create(
                Feedback(
                    review=review,
                    label="positive" if data.labels[i] else "negative",
                    source=Feedback.Source.STAFF,
                    user=staff,
                )
                for review, i in zip(reviews, indices, strict=True)
            )
        log(f"built {start + len(indices)} labelled reviews")
    log(f"built in {time.perf_counter() - started:.1f} s")
    return active, candidate


def best_of(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    arguments = parse_arguments()
    configure(arguments)
    import load
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ml.classifier import get_active_classifier, get_classifier
    from reviews.models import Review
    from reviews.selectors.accuracy import live_accuracy
    from reviews.selectors.comparison import models_compare

    loop_before = load.python_loop_ms()
    active, candidate = build(arguments)
    n = arguments.reviews

    with CaptureQueriesContext(connection) as queries:
        live_accuracy(model_version=active)
    accuracy_seconds, record = best_of(
        arguments.repeat, lambda: live_accuracy(model_version=active)
    )

    baseline, challenger = get_active_classifier(), get_classifier(candidate.version)
    compare_seconds, comparison = best_of(
        arguments.repeat, lambda: models_compare(candidate=challenger, baseline=baseline)
    )
    every = max(1, n // 10_000)  # 10,000 of the texts, spread over IMDB and Rotten Tomatoes
    texts = list(Review.objects.order_by("pk").values_list("text", flat=True))[::every]
    classifier_seconds, _ = best_of(arguments.repeat, lambda: challenger.predict_batch(texts))
    classifier_rate = len(texts) / classifier_seconds

    report = {
        "labelled_reviews": n,
        "mean_text_characters": round(sum(map(len, texts)) / len(texts)),
        "target_seconds": TARGET_SECONDS,
        "live_accuracy": {
            "seconds": round(accuracy_seconds, 3),
            "queries": len(queries),
            "n": record.accuracy.n,
            "within_target": accuracy_seconds <= TARGET_SECONDS,
        },
        "compare_models": {
            "seconds": round(compare_seconds, 3),
            "reviews_per_second": round(n / compare_seconds, 1),
            "n": comparison.n,
            "within_target": compare_seconds <= TARGET_SECONDS,
        },
        "candidate_predict_batch_reviews_per_second": round(classifier_rate, 1),
        "compare_over_classifier_rate": round(n / compare_seconds / classifier_rate, 3),
        "python_loop_ms_before": loop_before,
        "python_loop_ms_after": load.python_loop_ms(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
