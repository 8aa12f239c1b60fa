"""The behavioural suite (ml/behaviour.py) on three models side by side; prints JSON.

    .venv/bin/python bench/behaviour.py       # about 2 minutes on 2 cores

Each capability's failure rate, and the suite's, for:
- ours, each pipeline of ml.pipeline.build_pipeline (word-ngrams, the default, and
  negation-contrast) trained on all the bundled data, as `train_model` trains it;
- VADER (vaderSentiment, a test dependency, never a runtime one): positive when its
  compound score is at least 0 (a text with no word of its lexicon scores 0);
- the tutorial's model (TF-IDF + SVC, the file in the tutorial app beside this project),
  run in the tutorial's own virtualenv (its scikit-learn), built the way its run.sh does.

The targets: at most 5% of all cases and at most 10% of each capability's fail, for ours
(`ours` in the report is the default pipeline; `meets_target` is said for each).
No Django is involved.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from load import python_loop_ms  # noqa: E402  (bench/load.py: the machine's speed)

from ml import behaviour, dataset  # noqa: E402
from ml.labels import NEGATIVE, POSITIVE, sentiment_of  # noqa: E402
from ml.pipeline import (  # noqa: E402
    DEFAULT_PIPELINE,
    NEGATION_CONTRAST,
    WORD_NGRAMS,
    build_pipeline,
    probability_positive,
)

TUTORIAL_APP = PROJECT / ".." / "shared" / "anchors" / "tutorial_app"
TUTORIAL_VENV = Path(os.environ.get("TUTORIAL_VENV", "/tmp/tutorial-app-venv"))
TUTORIAL_PREDICT = """
import json, sys, joblib
vectorizer, model = joblib.load(sys.argv[1])
texts = json.load(sys.stdin)
print(json.dumps([str(label) for label in model.predict(vectorizer.transform(texts))]))
"""
MAX_OVERALL = 0.05
MAX_PER_CAPABILITY = 0.10


def ours(kind: str) -> tuple:
    data = dataset.load_bundled()
    started = time.perf_counter()
    model = build_pipeline(seed=0, kind=kind).fit(data.texts, data.labels)
    seconds = time.perf_counter() - started

    def predict(texts):
        return [sentiment_of(p) for p in probability_positive(model, list(texts))]

    return predict, round(seconds, 1)


def vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def predict(texts):
        return [
            POSITIVE if analyzer.polarity_scores(text)["compound"] >= 0 else NEGATIVE
            for text in texts
        ]

    return predict


def tutorial():
    python = TUTORIAL_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TUTORIAL_VENV)], check=True)
        subprocess.run(
            [
                str(TUTORIAL_VENV / "bin" / "pip"),
                "install",
                "-q",
                "-r",
                str(TUTORIAL_APP / "requirements.txt"),
            ],
            check=True,
        )

    def predict(texts):
        result = subprocess.run(
            [str(python), "-c", TUTORIAL_PREDICT, str(TUTORIAL_APP / "tutorial_model.joblib")],
            input=json.dumps(list(texts)),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout)

    return predict


def cached(predict):
    """The same predictions, one call per distinct batch (the suite asks per group)."""
    seen: dict[str, str] = {}

    def batch(texts):
        texts = list(texts)
        missing = [text for text in dict.fromkeys(texts) if text not in seen]
        if missing:
            seen.update(zip(missing, predict(missing), strict=True))
        return [seen[text] for text in texts]

    return batch


def all_texts() -> list[str]:
    texts = [case.text for cases in behaviour.capabilities().values() for case in cases]
    for groups in behaviour.invariance_groups().values():
        texts += [text for group in groups for text in group]
    return texts


def main() -> None:
    loop_before = python_loop_ms()
    report = {"machine": {"cpus": os.cpu_count(), "python_loop_ms_before": loop_before}}
    models = {}
    for kind in (WORD_NGRAMS, NEGATION_CONTRAST):
        models[f"ours_{kind}"], report[f"ours_{kind}_training_seconds"] = ours(kind)
    models |= {"vader": vader(), "tutorial": tutorial()}
    for name, predict in models.items():
        predict = cached(predict)
        predict(all_texts())  # one call for everything: the tutorial's runs in a subprocess
        report[name] = behaviour.failure_rates(predict)
    report["ours"] = report[f"ours_{DEFAULT_PIPELINE}"]
    capabilities = [name for name in report["ours"] if name != "overall"]
    report["targets"] = {
        "overall_at_most": MAX_OVERALL,
        "each_capability_at_most": MAX_PER_CAPABILITY,
    }
    for kind in (WORD_NGRAMS, NEGATION_CONTRAST):
        rates = report[f"ours_{kind}"]
        report[f"ours_{kind}_meets_targets"] = rates["overall"][
            "failure_rate"
        ] <= MAX_OVERALL and all(
            rates[name]["failure_rate"] <= MAX_PER_CAPABILITY for name in capabilities
        )
    report["machine"]["python_loop_ms_after"] = python_loop_ms()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
