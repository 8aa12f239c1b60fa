"""The cached classifier: loaded once per process, lazily, and swapped when a new model
version is activated (checked at most every MODEL_REFRESH_SECONDS, so running gunicorn
workers follow `activate_model` without a restart).
"""

import functools
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from ml import pipeline as ml_pipeline
from ml.artifact_store import artifact_load, artifact_metadata
from ml.artifacts import ArtifactError
from ml.labels import confidence, sentiment_of
from ml.models import ModelVersion


class ModelUnavailable(RuntimeError):
    """No model can serve predictions right now; the message says why and what to do."""


@dataclass(frozen=True)
class Score:
    sentiment: str
    probability_positive: float

    @property
    def confidence(self) -> float:
        return confidence(self.probability_positive)


@dataclass(frozen=True)
class Classifier:
    version: str
    model_version_id: int
    model: object

    def predict_batch(self, texts: list[str]) -> list[Score]:
        """Score many texts with one call of the model (the fast path for every caller)."""
        if not texts:
            return []
        probabilities = ml_pipeline.probability_positive(self.model, texts)
        return [Score(sentiment_of(p), p) for p in probabilities.tolist()]

    def explain(self, text: str, *, top_n: int = 10) -> list[tuple[str, float]]:
        """The words and phrases that pushed this text each way, strongest first."""
        return ml_pipeline.explain(self.model, text, top_n=top_n)


def model_version_get(*, version: str) -> ModelVersion:
    """The registered `version`; ModelUnavailable, saying where to look, if there is none."""
    try:
        return ModelVersion.objects.get(version=version)
    except ModelVersion.DoesNotExist:
        raise ModelUnavailable(
            f"unknown model version {version!r}; `python manage.py list_models` lists them"
        ) from None


def active_model_exists() -> bool:
    """Whether any model version is active (one is at most)."""
    return ModelVersion.objects.filter(is_active=True).exists()


def active_model_scikit_learn() -> str | None:
    """The scikit-learn version that saved the active model, as its metadata says (None
    when no model is active, or when its metadata cannot be read)."""
    active = ModelVersion.objects.filter(is_active=True).first()
    if active is None:
        return None
    try:
        return artifact_metadata(key=active.storage_key).get("scikit-learn")
    except ArtifactError:
        return None


def load_classifier(model_version: ModelVersion) -> Classifier:
    """The version's model, from this host's cache of the models storage, once its sha256
    matched the registry's."""
    try:
        model = artifact_load(key=model_version.storage_key, sha256=model_version.sha256)
    except ArtifactError as error:
        raise ModelUnavailable(f"model {model_version.version}: {error}") from error
    return Classifier(model_version.version, model_version.pk, model)


@functools.lru_cache(maxsize=4)
def _classifier_for(version_id: int, sha256: str) -> Classifier:
    # Keyed on the checksum too, so a re-registered artifact is never served from cache.
    return load_classifier(ModelVersion.objects.get(pk=version_id))


def get_classifier(version: str) -> Classifier:
    """The classifier of a given (possibly inactive) version, loaded once per process."""
    model_version = model_version_get(version=version)
    return _classifier_for(model_version.pk, model_version.sha256)


class ActiveClassifier:
    """The active model, cached, re-checked against the registry every few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._classifier: Classifier | None = None
        self._checked_at = float("-inf")

    def get(self) -> Classifier:
        now = time.monotonic()
        if self._classifier is not None and now - self._checked_at < settings.MODEL_REFRESH_SECONDS:
            return self._classifier
        with self._lock:
            active = ModelVersion.objects.filter(is_active=True).values_list("pk", "sha256").first()
            if active is None:
                raise ModelUnavailable(
                    "no active model; train one with `python manage.py train_model`"
                )
            if self._classifier is None or self._classifier.model_version_id != active[0]:
                self._classifier = _classifier_for(*active)
            self._checked_at = now
            return self._classifier

    def cache_clear(self) -> None:
        with self._lock:
            self._classifier = None
            self._checked_at = float("-inf")
        _classifier_for.cache_clear()


active_classifier = ActiveClassifier()


def get_active_classifier() -> Classifier:
    """The classifier of the active model version, loaded once per process."""
    return active_classifier.get()
