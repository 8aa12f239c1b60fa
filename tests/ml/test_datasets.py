"""Bad training or evaluation data: a clear error naming the problem, and nothing changed."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from ml.dataset import sample
from ml.models import ModelVersion

GOOD_ROWS = "text,label\nWonderful film,positive\nTerrible film,negative\n"


def write(tmp_path, content: bytes | str, name="data.csv"):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"text,label\n\xff\xfe bad bytes,1\n", "not UTF-8"),
        (b"", "empty"),
        ("text,label\n", "no rows"),
        ("review,stars\nGood,5\n", "missing column"),
        ("text,label\nGood,5\nBad,0\n", "label '5' is not"),
        ("text,label\nGood,positive\nGreat,1\n", "only one class"),
        (
            GOOD_ROWS,
            "too few texts to train on: 1 positive and 1 negative; at least 4 of each are needed",
        ),
        (
            "text,label,source\n"
            + "".join(f"Good {n},1,site {n}\nBad {n},0,site {n}\n" for n in range(4)),
            "none of the 4 positive texts would be held out",
        ),
    ],
    ids=[
        "not-utf8",
        "empty",
        "header-only",
        "missing-columns",
        "bad-label",
        "single-class",
        "too-few-texts",
        "no-source-big-enough-to-hold-out",
    ],
)
def test_bad_training_data_is_refused_and_nothing_is_registered(db, tmp_path, content, message):
    path = write(tmp_path, content)

    with pytest.raises(CommandError, match=message):
        call_command("train_model", "--data", path, stdout=io.StringIO())

    assert not ModelVersion.objects.exists()
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_custom_column_names_are_used_for_training(db, tmp_path, sample_data):
    picked = sample(sample_data, size=600)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["opinion", "verdict"])
    for text, label in zip(picked.texts, picked.labels, strict=True):
        writer.writerow([text, "positive" if label else "negative"])
    path = write(tmp_path, buffer.getvalue())

    call_command(
        "train_model",
        "--data",
        path,
        "--text-column",
        "opinion",
        "--label-column",
        "verdict",
        stdout=io.StringIO(),
    )

    assert ModelVersion.objects.get().training_data["n"] == len(picked)


def test_evaluate_model_prints_one_json_object_of_metrics(active_model, tmp_path):
    path = write(tmp_path, GOOD_ROWS + "Brilliant and moving,1\nBoring and awful,0\n")
    out = io.StringIO()

    call_command("evaluate_model", "--data", path, stdout=out)

    report = json.loads(out.getvalue())
    assert report["n"] == 4
    assert report["version"] == active_model.version
    assert 0 <= report["accuracy"] <= 1
    assert {"negative", "positive"} == set(report["f1"])
    assert sum(map(sum, report["confusion_matrix"])) == 4
    assert {"brier", "seconds", "reviews_per_second"} <= report.keys()


def test_evaluate_model_of_an_unknown_version_is_a_clear_error(active_model, tmp_path):
    with pytest.raises(CommandError, match="unknown model version 'nope'"):
        call_command("evaluate_model", "--data", write(tmp_path, GOOD_ROWS), "--version", "nope")
