"""Writes to the model registry: train and register a version, activate a version."""

import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ml import pipeline as ml_pipeline
from ml.artifact_store import artifact_delete, artifact_publish, artifact_verify, described
from ml.artifacts import MODEL_FILE, ArtifactError, save_artifact
from ml.classifier import ModelUnavailable, model_version_get
from ml.dataset import LabelledTexts, check_trainable, stratified_split
from ml.models import ModelVersion


def new_version_id() -> str:
    return f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def model_train(
    *,
    data: LabelledTexts,
    seed: int = 0,
    pipeline: str = ml_pipeline.DEFAULT_PIPELINE,
    activate: bool = True,
    data_notes: dict | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> ModelVersion:
    """Train on `data`, record held-out metrics, save the artifact and register it.

    `data_notes` join the summary of the training data in the version's metadata (where
    the texts came from, what was held out).

    The metrics come from a model fitted on 80% of the data and scored on the other 20%
    (stratified by source and label); the saved model is then refitted on all of it.
    Raises DatasetError, before fitting anything, for data too small to fit and measure
    (dataset.check_trainable).
    Nothing is registered unless the artifact was written whole.
    """
    check_trainable(data)
    started = time.perf_counter()
    metrics = held_out_metrics(data, seed=seed, pipeline=pipeline, progress=progress)
    refit_started = time.perf_counter()
    model = ml_pipeline.build_pipeline(seed=seed, kind=pipeline).fit(data.texts, data.labels)
    metrics["training_seconds"] = round(time.perf_counter() - refit_started, 2)
    metrics["total_seconds"] = round(time.perf_counter() - started, 2)
    return model_register(
        model=model,
        data=data,
        seed=seed,
        metrics=metrics,
        activate=activate,
        data_notes=data_notes,
        progress=progress,
    )


def held_out_metrics(
    data: LabelledTexts, *, seed: int, pipeline: str, progress: Callable[[str], None]
) -> dict[str, dict]:
    """Fit on 80% of `data` and evaluate on the held-out 20%: overall and per source."""
    train, held_out = stratified_split(data, seed=seed)
    progress(f"fitting on {len(train)} texts to measure on {len(held_out)} held-out texts")
    estimate = ml_pipeline.build_pipeline(seed=seed, kind=pipeline).fit(train.texts, train.labels)
    metrics = {"held_out": ml_pipeline.evaluate(estimate, held_out.texts, held_out.labels)}
    for source in sorted(set(held_out.sources)):
        part = held_out.only_source(source)
        metrics[f"held_out_{source}"] = ml_pipeline.evaluate(estimate, part.texts, part.labels)
    progress(
        f"held-out accuracy {metrics['held_out']['accuracy']:.4f}; refitting on all {len(data)}"
    )
    return metrics


def model_register(
    *,
    model,
    data: LabelledTexts,
    seed: int,
    metrics: dict,
    activate: bool,
    progress: Callable[[str], None],
    data_notes: dict | None = None,
) -> ModelVersion:
    """Save `model` as a new version's artifact in the models storage and register it
    (activated if asked).

    A failed registration removes the artifact: no registry row, no stored files.
    """
    version = new_version_id()
    created_at = timezone.now()
    summary = {**data.summary(), **(data_notes or {})}
    metadata = {
        "created_at": created_at.isoformat(),
        "training_data": summary,
        "hyperparameters": ml_pipeline.describe(model),
        "seed": seed,
        "metrics": metrics,
    }
    cache = Path(settings.MODEL_CACHE_DIR)
    cache.mkdir(parents=True, exist_ok=True)
    # Written whole on this host's disk first, then copied to the storage (a key is never
    # reused); the local copy goes either way.
    with tempfile.TemporaryDirectory(prefix=".training.", dir=cache) as staging:
        saved = save_artifact(Path(staging), version, model, metadata)
        artifact_publish(saved.directory, key=version)
    progress(f"saved {described(version, MODEL_FILE)}")
    try:
        if activate:
            # Before the transaction: reading a remote storage must not hold the database.
            artifact_verify(key=version, sha256=saved.sha256)
        with transaction.atomic():
            model_version = ModelVersion.objects.create(
                version=version,
                created_at=created_at,
                storage_key=version,
                sha256=saved.sha256,
                training_data=summary,
                metrics=metrics,
            )
            if activate:
                model_version = _make_active(model_version)
    except BaseException:
        artifact_delete(key=version)
        raise
    return model_version


def model_activate(*, version: str) -> ModelVersion:
    """Make `version` the one active model; running workers pick it up within seconds.

    The stored model file's checksum is verified first (the storage's copy, which every host
    fetches, not this host's cache), so a missing or altered file is never activated.
    """
    model_version = model_version_get(version=version)
    try:
        artifact_verify(key=model_version.storage_key, sha256=model_version.sha256)
    except ArtifactError as error:
        raise ModelUnavailable(f"model {version} cannot be activated: {error}") from error
    return _make_active(model_version)


def _make_active(model_version: ModelVersion) -> ModelVersion:
    """Switch the active flag to `model_version`, whose stored file was verified."""
    with transaction.atomic():
        ModelVersion.objects.filter(is_active=True).exclude(pk=model_version.pk).update(
            is_active=False
        )
        ModelVersion.objects.filter(pk=model_version.pk).update(is_active=True)
    model_version.is_active = True
    return model_version
