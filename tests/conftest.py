"""Shared fixtures: a real model trained once per test session on a small sample of the
bundled data, registered and activated in each test's database."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.db import connection

from ml import dataset
from ml.artifact_store import artifact_publish, models_storage, stored_name
from ml.artifacts import MODEL_FILE, save_artifact
from ml.classifier import active_classifier
from ml.models import ModelVersion
from ml.pipeline import build_pipeline
from reviews.models import Movie, Prediction, Review
from tests import live_gunicorn

SAMPLE_SIZE = 3000


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """An SQLite test database in a file, not in memory, configured like production (WAL,
    IMMEDIATE transactions), so worker processes and subprocesses can share it."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database["TEST"] = {**database.get("TEST", {}), "NAME": str(path)}


def database_url() -> str:
    """A DATABASE_URL naming the test database, for commands run in a subprocess."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    user = database["USER"]
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{user}{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture(autouse=True)
def isolated_settings(settings, tmp_path):
    # Plain storage: the manifest storage needs `collectstatic`, which tests do not run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Each test has its own models storage (in MODEL_DIR, as by default) and its own cache.
    settings.MODEL_DIR = tmp_path / "models"
    settings.STORAGES = {
        **settings.STORAGES,
        "models": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(settings.MODEL_DIR)},
        },
    }
    settings.MODEL_CACHE_DIR = tmp_path / "model-cache"
    active_classifier.cache_clear()
    # Tests roll their writes back: another test's pages could come back under the same
    # content version.
    cache.clear()
    # Each test counts its own requests (one process: memory is shared by all of them), and
    # only the rate-limit tests turn the limits on.
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "rate-limit-tests",
        },
    }
    caches["ratelimit"].clear()
    settings.RATE_LIMIT_FORM = settings.RATE_LIMIT_API = settings.RATE_LIMIT_LOGIN = None
    yield settings
    active_classifier.cache_clear()


@pytest.fixture(scope="session")
def sample_data() -> dataset.LabelledTexts:
    return dataset.sample(dataset.load_bundled(), size=SAMPLE_SIZE, seed=0)


@pytest.fixture(scope="session")
def trained_artifact(tmp_path_factory, sample_data):
    model = build_pipeline(seed=0).fit(sample_data.texts, sample_data.labels)
    model_dir = tmp_path_factory.mktemp("session-models")
    return save_artifact(model_dir, "test-model", model, {"training_data": sample_data.summary()})


@pytest.fixture(scope="session")
def inverted_artifact(tmp_path_factory, sample_data):
    """A model that learnt every label the wrong way round."""
    flipped = [1 - label for label in sample_data.labels]
    model = build_pipeline(seed=0).fit(sample_data.texts, flipped)
    directory = tmp_path_factory.mktemp("inverted-models")
    return save_artifact(directory, "inverted-model", model, {})


def stored(artifact) -> str:
    """The key of a locally saved artifact in the test's models storage (copied there once)."""
    key = artifact.directory.name
    if not models_storage().exists(stored_name(key, MODEL_FILE)):
        artifact_publish(artifact.directory, key=key)
    return key


def register(artifact, *, version: str, active: bool) -> ModelVersion:
    return ModelVersion.objects.create(
        version=version,
        storage_key=stored(artifact),
        sha256=artifact.sha256,
        metrics={"held_out": {"accuracy": 0.8}},
        is_active=active,
    )


@pytest.fixture
def ozark(db) -> Movie:
    """One of the tutorial's movies, which the data migration adds."""
    return Movie.objects.get(title="Ozark")


def nothing_stored() -> bool:
    return not Review.objects.exists() and not Prediction.objects.exists()


@pytest.fixture
def active_model(db, trained_artifact) -> ModelVersion:
    return register(trained_artifact, version="test-model", active=True)


@pytest.fixture
def gunicorn_with(transactional_db, active_model, tmp_path, settings):
    """gunicorn as `make run` starts it, with more environment variables:
    `with gunicorn_with({"NAME": "value"}) as server: ...`."""

    def serving(environment: dict[str, str]):
        return live_gunicorn.serving(
            database_url=database_url(),
            secret_key=settings.SECRET_KEY,
            var_dir=tmp_path / "var",
            log=tmp_path / "gunicorn.log",
            environment=environment,
        )

    return serving


@pytest.fixture
def gunicorn(gunicorn_with):
    """gunicorn as `make run` starts it, serving the test database with the active model;
    its rate limits off, as the load tests and benchmarks switch them off (the rate-limit
    tests start a server of their own with them on)."""
    with gunicorn_with(live_gunicorn.RATE_LIMITS_OFF) as server:
        yield server
