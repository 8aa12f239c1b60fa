"""Benchmark the classifier: accuracy, calibration, speed, size, training time; prints JSON.

    .venv/bin/python bench/classifier.py            # about 5 minutes on 2 cores
    .venv/bin/python bench/classifier.py --pipeline negation-contrast

Trains the production pipeline on 80% of the bundled data (stratified by source and label)
and scores the held-out 20% (IMDB and Rotten Tomatoes separately), as `train_model` does for
the model's metadata; then runs 5-fold cross-validation (every text held out once: the
steadier estimate), with the out-of-fold calibration by text length; then trains on all of
it, as `train_model` does, and saves the artifact. A fresh process (so nothing is warm)
then loads it and measures load time, resident memory, single-review latency on a
~1,000-character review and batch throughput on one core. No Django is involved.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
# Which pipeline (ml.pipeline.build_pipeline's kind): `--pipeline negation-contrast`.
KIND = sys.argv[sys.argv.index("--pipeline") + 1] if "--pipeline" in sys.argv else "word-ngrams"

MEASURE_IN_FRESH_PROCESS = """
import json, statistics, sys, time
started = time.perf_counter()
from ml.artifacts import load_artifact
from ml.pipeline import probability_positive
from ml.dataset import load_bundled
imported = time.perf_counter()
model = load_artifact(sys.argv[1], expected_sha256=sys.argv[2])
loaded = time.perf_counter()
rss_mb = next(int(line.split()[1]) for line in open("/proc/self/status")
              if line.startswith("VmRSS")) / 1024
texts = load_bundled().only_source("imdb").texts
one = min(texts, key=lambda text: abs(len(text) - 1000))
for _ in range(200):
    probability_positive(model, [one])
latencies = []
for _ in range(3000):
    begin = time.perf_counter()
    probability_positive(model, [one])
    latencies.append((time.perf_counter() - begin) * 1000)
latencies.sort()
batch = texts[:10000]
begin = time.perf_counter()
for start in range(0, len(batch), 1000):
    probability_positive(model, batch[start:start + 1000])
batch_seconds = time.perf_counter() - begin
print(json.dumps({
    "import_seconds": round(imported - started, 3),
    "load_seconds": round(loaded - imported, 3),
    "rss_mb_after_load": round(rss_mb, 1),
    "single_review_chars": len(one),
    "single_p50_ms": round(latencies[len(latencies) // 2], 3),
    "single_p99_ms": round(latencies[int(len(latencies) * 0.99)], 3),
    "batch_reviews_per_second_one_core": round(len(batch) / batch_seconds, 1),
    "batch_mean_chars": round(sum(map(len, batch)) / len(batch)),
}))
"""


def cross_validate(data, *, folds: int) -> dict:
    """Accuracy and Brier score per source over `folds` stratified folds: mean, std, each.

    One 20% split moves by about +-0.004 from split to split; five folds see every text
    held out once, so their mean is the steadier estimate.
    """
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from ml import pipeline
    from ml.dataset import LabelledTexts

    strata = [f"{source}:{label}" for source, label in zip(data.sources, data.labels, strict=True)]
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    per_fold: dict[str, list[dict]] = {"imdb": [], "rotten_tomatoes": []}
    out_of_fold = np.empty(len(data))
    for train_rows, test_rows in splitter.split(np.zeros(len(data)), strata):
        train: LabelledTexts = data.subset(train_rows.tolist())
        held_out = data.subset(test_rows.tolist())
        model = pipeline.build_pipeline(seed=0, kind=KIND).fit(train.texts, train.labels)
        out_of_fold[test_rows] = pipeline.probability_positive(model, held_out.texts)
        for source, scores in per_fold.items():
            part = held_out.only_source(source)
            scores.append(pipeline.evaluate(model, part.texts, part.labels))
    report = {}
    for source, scores in per_fold.items():
        accuracy = [score["accuracy"] for score in scores]
        brier = [score["brier"] for score in scores]
        report[source] = {
            "accuracy_mean": round(float(np.mean(accuracy)), 4),
            "accuracy_std": round(float(np.std(accuracy)), 4),
            "accuracy_per_fold": [round(value, 4) for value in accuracy],
            "brier_mean": round(float(np.mean(brier)), 4),
        }
    report["calibration_by_length"] = pipeline.calibration_by_length(
        data.texts, data.labels, out_of_fold
    )
    return report


def main() -> None:
    from load import python_loop_ms  # bench/load.py: the machine's speed

    from ml import pipeline
    from ml.artifacts import save_artifact
    from ml.dataset import load_bundled, stratified_split

    loop_before = python_loop_ms()
    data = load_bundled()
    train, held_out = stratified_split(data, test_fraction=0.2, seed=0)
    started = time.perf_counter()
    estimate = pipeline.build_pipeline(seed=0, kind=KIND).fit(train.texts, train.labels)
    estimate_seconds = time.perf_counter() - started
    metrics = {}
    for source in ("imdb", "rotten_tomatoes"):
        part = held_out.only_source(source)
        scores = pipeline.evaluate(estimate, part.texts, part.labels)
        metrics[source] = {
            key: scores[key] for key in ("n", "accuracy", "f1", "brier", "confusion_matrix")
        }
        metrics[source]["reliability"] = [
            (row["bin"], row["mean_predicted"], row["observed_positive_rate"], row["count"])
            for row in scores["reliability"]
            if row["count"]
        ]

    cross_validated = cross_validate(data, folds=5)

    # Training on all the data uses the machine as a deployment would (no thread cap).
    started = time.perf_counter()
    model = pipeline.build_pipeline(seed=0, kind=KIND).fit(data.texts, data.labels)
    full_training_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as directory:
        saved = save_artifact(Path(directory), "bench", model, {})
        size_mb = (saved.directory / "model.joblib").stat().st_size / 1e6
        fresh = subprocess.run(
            [sys.executable, "-c", MEASURE_IN_FRESH_PROCESS, str(saved.directory), saved.sha256],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            check=True,
        )
    report = {
        "benchmark": "classifier",
        "machine": {
            "cpus": os.cpu_count(),
            "python_loop_ms_before": loop_before,
            "python_loop_ms_after": python_loop_ms(),
        },
        "pipeline_kind": KIND,
        "pipeline": pipeline.describe(model),
        "held_out": metrics,
        "cross_validated_5_folds": cross_validated,
        "training_seconds_80_percent": round(estimate_seconds, 1),
        "training_seconds_all_data": round(full_training_seconds, 1),
        "training_texts_all_data": len(data),
        "model_file_mb": round(size_mb, 1),
        **json.loads(fresh.stdout),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
