"""ml's migrations: ModelVersion's local path becomes a key in the models storage."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ml.models import ModelVersion

WITH_PATHS = ("ml", "0001_initial")
WITH_KEYS = ("ml", "0002_modelversion_storage_key")


def migrate(target: tuple[str, str]):
    """Migrate the test database to `target`; the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def at_paths(transactional_db):
    """The test database with ml migrated back to local paths; forward again afterwards."""
    apps = migrate(WITH_PATHS)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_migrating_turns_a_models_folder_into_its_storage_key(at_paths, settings):
    at_paths.get_model("ml", "ModelVersion").objects.create(
        version="v1", artifact_path=str(settings.MODEL_DIR / "20261125-080000-abc123"), sha256="a"
    )

    migrate(WITH_KEYS)

    assert ModelVersion.objects.get(version="v1").storage_key == "20261125-080000-abc123"


def test_migrating_back_turns_a_storage_key_into_its_folder_in_model_dir(at_paths, settings):
    migrate(WITH_KEYS)
    ModelVersion.objects.create(version="v1", storage_key="20261125-080000-abc123", sha256="a")

    apps = migrate(WITH_PATHS)

    model_version = apps.get_model("ml", "ModelVersion").objects.get(version="v1")
    assert model_version.artifact_path == str(settings.MODEL_DIR / "20261125-080000-abc123")
