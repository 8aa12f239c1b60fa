"""Model artifacts in the models storage, and each host's local cache of them.

The storage (settings.STORAGES["models"]: a local folder by default, any Django storage, S3
through django-storages, by configuration) holds <key>/model.joblib and <key>/metadata.json
for every registered version; the registry keeps the key and the model file's sha256.

A host loads a model only from its cache, MODEL_CACHE_DIR/<sha256>/: a copy from the storage
is made in a temporary folder beside it and renamed into place once its checksum matched, so
a process never sees half an entry, and nothing is unpickled before the registry's sha256
matched. A damaged cache entry is fetched again; a damaged stored file is refused.
"""

import contextlib
import json
import logging
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages

from ml.artifacts import (
    METADATA_FILE,
    MODEL_FILE,
    RETRAIN_HINT,
    ArtifactError,
    check_sha256,
    copy_with_sha256,
    load_artifact,
    stream_sha256,
    verify_artifact,
)

ARTIFACT_FILES = (MODEL_FILE, METADATA_FILE)

logger = logging.getLogger(__name__)


def models_storage() -> Storage:
    return storages["models"]


def stored_name(key: str, file_name: str) -> str:
    return f"{key}/{file_name}"


def described(key: str, file_name: str) -> str:
    return f"{stored_name(key, file_name)} in the models storage"


def artifact_publish(directory: Path, *, key: str) -> None:
    """Copy a saved artifact directory (ml.artifacts.save_artifact) to the storage as `key`.

    A key is never overwritten; a failed copy deletes what it wrote.
    """
    storage = models_storage()
    if storage.exists(stored_name(key, MODEL_FILE)):
        raise ArtifactError(f"{described(key, MODEL_FILE)} already exists; keys are never reused")
    try:
        for file_name in ARTIFACT_FILES:
            with open(Path(directory) / file_name, "rb") as handle:
                saved_as = storage.save(stored_name(key, file_name), File(handle))
            if saved_as != stored_name(key, file_name):
                # The storage chose another name: a concurrent writer took this one.
                storage.delete(saved_as)
                raise ArtifactError(f"{described(key, file_name)} appeared while publishing")
    except BaseException:
        artifact_delete(key=key)
        raise


def artifact_delete(*, key: str) -> None:
    """Delete the artifact `key` from the storage (what there is of it)."""
    storage = models_storage()
    for file_name in ARTIFACT_FILES:
        storage.delete(stored_name(key, file_name))
    # A folder-based storage removes the emptied folder too; an object store has none.
    storage.delete(key)


def artifact_verify(*, key: str, sha256: str) -> None:
    """ArtifactError unless the stored model file matches `sha256` and its metadata is there.

    Reads the storage itself, not this host's cache: every host will fetch that copy.
    """
    storage = models_storage()
    try:
        with storage.open(stored_name(key, MODEL_FILE), "rb") as source:
            actual = stream_sha256(source)
    except FileNotFoundError:
        raise ArtifactError(f"{described(key, MODEL_FILE)} is missing; {RETRAIN_HINT}") from None
    check_sha256(described(key, MODEL_FILE), actual=actual, expected=sha256)
    if not storage.exists(stored_name(key, METADATA_FILE)):
        raise ArtifactError(f"{described(key, METADATA_FILE)} is missing; {RETRAIN_HINT}")


def artifact_metadata(*, key: str) -> dict:
    """The stored metadata.json of `key`."""
    try:
        with models_storage().open(stored_name(key, METADATA_FILE), "rb") as handle:
            return json.loads(handle.read())
    except FileNotFoundError:
        raise ArtifactError(f"{described(key, METADATA_FILE)} is missing; {RETRAIN_HINT}") from None
    except (OSError, ValueError) as error:
        raise ArtifactError(
            f"{described(key, METADATA_FILE)} cannot be read ({error}); {RETRAIN_HINT}"
        ) from None


def artifact_load(*, key: str, sha256: str):
    """The model of `key`, loaded from this host's verified copy (fetched when needed)."""
    return load_artifact(artifact_fetch(key=key, sha256=sha256), expected_sha256=sha256)


def artifact_fetch(*, key: str, sha256: str) -> Path:
    """This host's copy of the artifact, MODEL_CACHE_DIR/<sha256>/, its checksum verified:
    the cached one if intact, else a fresh copy from the storage."""
    cache = Path(settings.MODEL_CACHE_DIR)
    entry = cache / sha256
    if _is_intact(entry, sha256):
        return entry
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{sha256[:12]}.", dir=cache))
    try:
        _copy_from_storage(key, sha256, staging)
        staging.chmod(0o755)
        _rename_into_place(staging, entry, sha256)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # already gone once renamed into place
    return entry


def _is_intact(entry: Path, sha256: str) -> bool:
    if not (entry / MODEL_FILE).exists():
        return False
    try:
        verify_artifact(entry, expected_sha256=sha256)
    except ArtifactError as error:
        logger.warning("model cache entry damaged, fetching it again: %s", error)
        return False
    return (entry / METADATA_FILE).is_file()


def _copy_from_storage(key: str, sha256: str, target: Path) -> None:
    storage = models_storage()
    for file_name in ARTIFACT_FILES:
        try:
            with (
                storage.open(stored_name(key, file_name), "rb") as source,
                open(target / file_name, "wb") as copy,
            ):
                actual = copy_with_sha256(source, copy)
        except FileNotFoundError:
            raise ArtifactError(f"{described(key, file_name)} is missing; {RETRAIN_HINT}") from None
        if file_name == MODEL_FILE:
            check_sha256(described(key, file_name), actual=actual, expected=sha256)


def _rename_into_place(staging: Path, entry: Path, sha256: str) -> None:
    # rename() within one file system is atomic, but never replaces a non-empty folder.
    try:
        os.rename(staging, entry)
        return
    except OSError:
        if _is_intact(entry, sha256):
            return  # another process of this host put the same file in place first
    discarded = entry.with_name(f".discarded.{secrets.token_hex(4)}")
    with contextlib.suppress(FileNotFoundError):  # another process set it aside already
        os.rename(entry, discarded)
    try:
        os.rename(staging, entry)
    except OSError:
        if not _is_intact(entry, sha256):
            raise
    shutil.rmtree(discarded, ignore_errors=True)
