"""train_model: a real model trained on a small sample, saved, registered, activated."""

import csv
import io
import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from ml.artifact_store import artifact_metadata, artifact_publish
from ml.artifacts import METADATA_FILE, file_sha256
from ml.classifier import get_active_classifier
from ml.dataset import MIN_TEXTS_PER_LABEL
from ml.models import ModelVersion

SAMPLE = "1200"


def test_train_model_saves_registers_and_activates_a_model(db, settings):
    call_command("train_model", "--sample", SAMPLE, stdout=io.StringIO())

    model_version = ModelVersion.objects.get()
    assert model_version.is_active
    assert model_version.storage_key == model_version.version
    stored = settings.MODEL_DIR / model_version.storage_key / "model.joblib"
    assert model_version.sha256 == file_sha256(stored)
    assert model_version.metrics["held_out"]["accuracy"] > 0.6
    assert model_version.training_data["n"] == int(SAMPLE)


def test_metadata_records_versions_data_hyperparameters_and_metrics(db):
    call_command("train_model", "--sample", SAMPLE, stdout=io.StringIO())

    model_version = ModelVersion.objects.get()
    metadata = artifact_metadata(key=model_version.storage_key)
    assert metadata["version"] == model_version.version
    assert metadata["sha256"] == model_version.sha256
    assert {"python", "scikit-learn", "joblib"} <= metadata.keys()
    assert len(metadata["training_data"]["sha256"]) == 64
    assert set(metadata["training_data"]["labels"]) == {"positive", "negative"}
    assert set(metadata["training_data"]["sources"]) == {"imdb", "rotten_tomatoes"}
    assert metadata["hyperparameters"]
    held_out = metadata["metrics"]["held_out"]
    assert {"accuracy", "f1", "confusion_matrix", "brier", "reliability"} <= held_out.keys()
    assert metadata["metrics"]["training_seconds"] > 0


def test_no_activate_registers_an_inactive_model_beside_the_active_one(db, active_model):
    call_command("train_model", "--sample", SAMPLE, "--no-activate", stdout=io.StringIO())

    new = ModelVersion.objects.exclude(pk=active_model.pk).get()
    assert not new.is_active
    assert ModelVersion.objects.get(is_active=True) == active_model


def test_if_none_active_does_nothing_when_a_model_is_active(db, active_model):
    call_command("train_model", "--if-none-active", stdout=io.StringIO())

    assert ModelVersion.objects.count() == 1


@pytest.fixture
def model_of_another_scikit_learn(db, trained_artifact, tmp_path) -> ModelVersion:
    """The active model, as a scikit-learn other than the installed one saved it."""
    directory = tmp_path / "older"
    shutil.copytree(trained_artifact.directory, directory)
    metadata = json.loads((directory / METADATA_FILE).read_text())
    metadata["scikit-learn"] = "1.0.2"
    (directory / METADATA_FILE).write_text(json.dumps(metadata))
    artifact_publish(directory, key="older")
    return ModelVersion.objects.create(
        version="older",
        storage_key="older",
        sha256=trained_artifact.sha256,
        is_active=True,
    )


def test_if_none_active_trains_when_another_scikit_learn_saved_the_active_model(
    model_of_another_scikit_learn,
):
    out = io.StringIO()

    call_command("train_model", "--if-none-active", "--sample", SAMPLE, stdout=out)

    assert "saved with scikit-learn 1.0.2" in out.getvalue()
    active = ModelVersion.objects.get(is_active=True)
    assert active != model_of_another_scikit_learn
    assert ModelVersion.objects.filter(pk=model_of_another_scikit_learn.pk).exists()
    assert get_active_classifier().version == active.version


def test_the_form_serves_again_after_set_up_retrains_for_an_upgrade(
    client, ozark, model_of_another_scikit_learn
):
    assert client.post("/", {"movie": ozark.pk, "review": "Superb."}).status_code == 503

    call_command("train_model", "--if-none-active", "--sample", SAMPLE, stdout=io.StringIO())

    assert client.post("/", {"movie": ozark.pk, "review": "Superb."}).status_code == 303


def test_training_on_a_missing_file_fails_clearly_and_registers_nothing(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("train_model", "--data", str(tmp_path / "absent.csv"))

    assert not ModelVersion.objects.exists()


def test_compare_prints_ours_beside_the_tutorials_four_classifiers(db):
    out = io.StringIO()

    call_command("train_model", "--sample", "600", "--compare", stdout=out)

    table = out.getvalue().split("Comparing with the tutorial's classifiers")[1]
    for name in ("ours", "tutorial SVM", "decision tree", "naive Bayes", "logistic regression"):
        assert name in table
    assert "accuracy" in table and "ms/review" in table


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--sample", "0"),
        ("--sample", "-5"),
        ("--compare-training-size", "0"),
        ("--seed", "-1"),
        ("--seed", str(2**32)),
    ],
)
def test_a_count_or_seed_out_of_range_is_refused_before_any_work(db, option, value):
    refusal = f"argument {option}: must be (a whole number of at least|at most) .*'{value}'"
    with pytest.raises(CommandError, match=refusal):
        call_command("train_model", option, value, stdout=io.StringIO())

    assert not ModelVersion.objects.exists()


def test_a_comparison_too_small_to_train_on_is_refused_before_our_model_is_trained(db):
    with pytest.raises(CommandError, match="a training size of 1 gives the tutorial's"):
        call_command(
            "train_model",
            "--sample",
            "400",
            "--compare",
            "--compare-training-size",
            "1",
            stdout=io.StringIO(),
        )

    assert not ModelVersion.objects.exists()


def test_a_sample_too_small_to_train_on_is_refused_and_nothing_is_saved(db, settings):
    with pytest.raises(CommandError, match="too few texts to train on: 3 positive and 3 negative"):
        call_command("train_model", "--sample", "5", stdout=io.StringIO())

    assert not ModelVersion.objects.exists()
    assert not settings.MODEL_DIR.exists()


def test_the_fewest_texts_of_each_label_the_rule_allows_train_a_model(db, tmp_path, sample_data):
    fewest = []
    for label in (1, 0):
        fewest += [i for i, each in enumerate(sample_data.labels) if each == label][
            :MIN_TEXTS_PER_LABEL
        ]
    path = tmp_path / "fewest.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "label"])
        writer.writerows([sample_data.texts[i], sample_data.labels[i]] for i in fewest)

    call_command("train_model", "--data", str(path), stdout=io.StringIO())

    model_version = ModelVersion.objects.get()
    assert model_version.training_data["n"] == 2 * MIN_TEXTS_PER_LABEL
    assert model_version.metrics["held_out"]["n"] == 2


def test_the_negation_contrast_pipeline_is_trained_on_request_and_scores(db):
    call_command(
        "train_model", "--sample", SAMPLE, "--pipeline", "negation-contrast", stdout=io.StringIO()
    )

    model_version = ModelVersion.objects.get(is_active=True)
    metadata = artifact_metadata(key=model_version.storage_key)
    assert metadata["hyperparameters"]["features"]["class"] == "ReviewHasher"
    assert metadata["hyperparameters"]["classifier"]["class"] == "LengthCalibratedNBLR"
    [score] = get_active_classifier().predict_batch(["Not bad at all."])
    assert 0 < score.probability_positive < 1
