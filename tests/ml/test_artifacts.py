"""Model files are loaded only when the registry vouches for them (local directories here;
tests/ml/test_artifact_store.py has the models storage and the hosts' caches)."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ml.artifact_store import artifact_publish, models_storage
from ml.artifacts import ArtifactError, load_artifact, save_artifact
from ml.classifier import ModelUnavailable, get_active_classifier
from ml.dataset import sample
from ml.models import ModelVersion
from ml.services import model_train


@pytest.fixture
def copied_artifact(trained_artifact, tmp_path):
    """A private copy of the session's model, safe to damage."""
    directory = tmp_path / "copy"
    directory.mkdir()
    for name in ("model.joblib", "metadata.json"):
        (directory / name).write_bytes((trained_artifact.directory / name).read_bytes())
    return directory


def test_an_intact_artifact_loads(copied_artifact, trained_artifact):
    model = load_artifact(copied_artifact, expected_sha256=trained_artifact.sha256)

    assert model.predict_proba(["great"]).shape == (1, 2)


def test_an_altered_model_file_is_refused_before_it_is_unpickled(copied_artifact, trained_artifact):
    with open(copied_artifact / "model.joblib", "ab") as handle:
        handle.write(b"tampered")

    with pytest.raises(ArtifactError, match=r"model\.joblib does not match .*retrain"):
        load_artifact(copied_artifact, expected_sha256=trained_artifact.sha256)


def test_a_missing_model_file_is_refused_with_its_name(copied_artifact, trained_artifact):
    (copied_artifact / "model.joblib").unlink()

    with pytest.raises(ArtifactError, match=r"model\.joblib is missing"):
        load_artifact(copied_artifact, expected_sha256=trained_artifact.sha256)


def test_a_model_saved_by_another_scikit_learn_version_is_refused(
    copied_artifact, trained_artifact
):
    metadata_path = copied_artifact / "metadata.json"
    metadata = json.loads(metadata_path.read_text())
    metadata["scikit-learn"] = "0.24.2"
    metadata_path.write_text(json.dumps(metadata))

    with pytest.raises(ArtifactError, match="saved with scikit-learn 0.24.2"):
        load_artifact(copied_artifact, expected_sha256=trained_artifact.sha256)


def test_an_active_model_whose_file_was_altered_is_unavailable(
    db, copied_artifact, trained_artifact
):
    artifact_publish(copied_artifact, key="v")
    ModelVersion.objects.create(
        version="v", storage_key="v", sha256=trained_artifact.sha256, is_active=True
    )
    with models_storage().open("v/model.joblib", "wb") as stored:
        stored.write(b"not a model")

    with pytest.raises(ModelUnavailable, match="does not match its registered checksum"):
        get_active_classifier()


def test_activating_a_model_with_an_altered_file_fails_and_changes_nothing(active_model):
    ModelVersion.objects.create(
        version="broken", storage_key=active_model.storage_key, sha256="0" * 64
    )

    with pytest.raises(CommandError, match="cannot be activated"):
        call_command("activate_model", "broken")

    assert ModelVersion.objects.get(is_active=True) == active_model


def test_a_version_is_never_overwritten(trained_artifact):
    with pytest.raises(ArtifactError, match="already exists"):
        save_artifact(trained_artifact.directory.parent, "test-model", object(), {})


def empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def test_a_failed_training_leaves_no_files_and_no_model_version(
    db, settings, monkeypatch, sample_data
):
    def fail_during_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("ml.artifacts.joblib.dump", fail_during_save)
    data = sample(sample_data, size=400)

    with pytest.raises(OSError, match="disk full"):
        model_train(data=data)

    assert not ModelVersion.objects.exists()
    assert empty(settings.MODEL_DIR) and empty(settings.MODEL_CACHE_DIR)


def test_a_failed_registration_removes_the_stored_files(db, settings, monkeypatch, sample_data):
    def fail_to_register(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("ml.services.ModelVersion.objects.create", fail_to_register)
    data = sample(sample_data, size=400)

    with pytest.raises(RuntimeError, match="database went away"):
        model_train(data=data)

    assert empty(settings.MODEL_DIR) and empty(settings.MODEL_CACHE_DIR)
