"""Models reach every host through the models storage, and each host loads only a copy in
its own cache whose checksum matched the registry's."""

import os
import shutil
from pathlib import Path

import joblib
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile

import reviewsite.settings
from ml.artifact_store import artifact_publish, models_storage
from ml.artifacts import ArtifactError, file_sha256
from ml.classifier import ModelUnavailable, active_classifier, get_active_classifier, get_classifier
from ml.dataset import sample
from ml.models import ModelVersion
from ml.services import model_activate, model_train
from reviewsite.settings import model_storage_from_environment
from tests.conftest import register

TEXTS = ["Brilliant, moving, superb.", "Boring, awful, a waste of time."]


class LeavesAMark:
    """Pickled, it is a file that, unpickled, creates a folder: proof that it was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "unpickled"


def a_storage_in(settings, location: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "models": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }


def another_host(settings, tmp_path, name: str) -> None:
    """From here on the test is a fresh process on another machine: its own (empty) cache,
    and a MODEL_DIR with nothing in it; the registry and the models storage are shared."""
    settings.MODEL_DIR = tmp_path / name / "models"
    settings.MODEL_CACHE_DIR = tmp_path / name / "model-cache"
    active_classifier.cache_clear()


def cache_entry(settings, sha256: str) -> Path:
    return Path(settings.MODEL_CACHE_DIR) / sha256


def published_copy(trained_artifact, tmp_path, *, key: str, model_file=None) -> str:
    """The session's model published as `key`; its model file replaced by `model_file`."""
    directory = tmp_path / "to-publish" / key
    shutil.copytree(trained_artifact.directory, directory)
    if model_file is not None:
        joblib.dump(model_file, directory / "model.joblib")
    artifact_publish(directory, key=key)
    return key


def test_a_second_host_with_an_empty_cache_loads_the_model_from_the_storage_alone(
    db, settings, tmp_path, trained_artifact
):
    a_storage_in(settings, tmp_path / "shared-storage")
    register(trained_artifact, version="shared", active=True)
    first_host_scores = get_active_classifier().predict_batch(TEXTS)

    another_host(settings, tmp_path, "second-host")
    scores = get_active_classifier().predict_batch(TEXTS)

    assert scores == first_host_scores
    assert not settings.MODEL_DIR.exists()
    entry = cache_entry(settings, trained_artifact.sha256)
    assert file_sha256(entry / "model.joblib") == trained_artifact.sha256


def test_a_model_trained_into_a_storage_without_local_files_serves(db, settings, sample_data):
    settings.STORAGES = {
        **settings.STORAGES,
        "models": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }

    model_version = model_train(data=sample(sample_data, size=400))

    assert get_active_classifier().version == model_version.version
    assert len(get_active_classifier().predict_batch(TEXTS)) == 2
    assert not settings.MODEL_DIR.exists()


def test_a_damaged_cache_entry_is_fetched_again_and_never_unpickled(active_model, settings, marker):
    get_active_classifier()
    entry = cache_entry(settings, active_model.sha256)
    joblib.dump(LeavesAMark(marker), entry / "model.joblib")

    active_classifier.cache_clear()  # a new process on this host
    scores = get_active_classifier().predict_batch(TEXTS)

    assert [score.sentiment for score in scores] == ["positive", "negative"]
    assert not marker.exists()
    assert file_sha256(entry / "model.joblib") == active_model.sha256


def test_an_altered_stored_file_is_refused_with_its_name_and_never_unpickled(
    db, settings, tmp_path, trained_artifact, marker
):
    key = published_copy(trained_artifact, tmp_path, key="altered", model_file=LeavesAMark(marker))
    ModelVersion.objects.create(
        version="altered", storage_key=key, sha256=trained_artifact.sha256, is_active=True
    )

    with pytest.raises(
        ModelUnavailable,
        match=r"altered/model\.joblib in the models storage does not match its registered "
        r"checksum .* will not be loaded; retrain",
    ):
        get_active_classifier()

    assert not marker.exists()
    assert list(Path(settings.MODEL_CACHE_DIR).iterdir()) == []


def test_a_missing_stored_file_is_refused_with_its_name(db, trained_artifact):
    ModelVersion.objects.create(version="gone", storage_key="gone", sha256=trained_artifact.sha256)

    missing = r"gone/model\.joblib in the models storage is missing"
    with pytest.raises(ModelUnavailable, match=missing):
        get_classifier("gone")


def test_activation_checks_the_stored_file_even_when_this_host_has_a_good_copy(
    active_model, tmp_path, trained_artifact
):
    key = published_copy(trained_artifact, tmp_path, key="candidate")
    ModelVersion.objects.create(version="candidate", storage_key=key, sha256=active_model.sha256)
    get_classifier("candidate")  # this host's cache holds the intact file
    models_storage().delete(f"{key}/model.joblib")
    models_storage().save(f"{key}/model.joblib", ContentFile(b"altered"))

    with pytest.raises(ModelUnavailable, match="candidate cannot be activated: .*does not match"):
        model_activate(version="candidate")

    assert ModelVersion.objects.get(is_active=True) == active_model


def test_a_stored_key_is_never_overwritten(db, trained_artifact):
    artifact_publish(trained_artifact.directory, key="taken")

    with pytest.raises(ArtifactError, match=r"taken/model\.joblib .* already exists"):
        artifact_publish(trained_artifact.directory, key="taken")


def test_the_models_storage_is_a_folder_in_model_dir_by_default(monkeypatch):
    monkeypatch.delenv("MODEL_STORAGE_BACKEND", raising=False)
    monkeypatch.delenv("MODEL_STORAGE_OPTIONS", raising=False)

    storage = model_storage_from_environment()

    assert storage == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(reviewsite.settings.MODEL_DIR)},
    }


def test_the_models_storage_backend_and_its_options_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MODEL_STORAGE_BACKEND", "storages.backends.s3.S3Storage")
    monkeypatch.setenv("MODEL_STORAGE_OPTIONS", '{"bucket_name": "models", "location": "v1"}')

    assert model_storage_from_environment() == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "models", "location": "v1"},
    }


@pytest.mark.parametrize("options", ["{bucket_name: models}", '["models"]'])
def test_model_storage_options_that_are_not_a_json_object_are_refused(monkeypatch, options):
    monkeypatch.setenv("MODEL_STORAGE_OPTIONS", options)

    with pytest.raises(ImproperlyConfigured, match="MODEL_STORAGE_OPTIONS"):
        model_storage_from_environment()
