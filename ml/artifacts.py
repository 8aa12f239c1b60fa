"""Save and load a local model directory: model.joblib + metadata.json, checked by sha256.

joblib files are pickles, and unpickling runs code: a model file is loaded only after its
checksum matches the one the registry recorded when we wrote it. No Django here: the models
storage and each host's cache of it are ml/artifact_store.py's.
"""

import hashlib
import json
import os
import platform
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import joblib
import sklearn
from sklearn.exceptions import InconsistentVersionWarning

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
RETRAIN_HINT = "retrain with `python manage.py train_model`"
CHUNK_BYTES = 1024 * 1024


class ArtifactError(RuntimeError):
    """A model directory that must not be loaded; the message names the file and the fix."""


@dataclass(frozen=True)
class SavedArtifact:
    directory: Path
    sha256: str


def library_versions() -> dict:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
    }


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return stream_sha256(handle)


def stream_sha256(source: BinaryIO) -> str:
    """The sha256 of what is left to read in an open file, read in chunks."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
        digest.update(chunk)
    return digest.hexdigest()


def copy_with_sha256(source: BinaryIO, target: BinaryIO) -> str:
    """Copy one open file into another, in chunks; the sha256 of what was copied."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest()


def check_sha256(name: str, *, actual: str, expected: str) -> None:
    """ArtifactError, naming the file, unless its checksum is the registry's."""
    if actual != expected:
        raise ArtifactError(
            f"{name} does not match its registered checksum (expected {expected[:12]}…, "
            f"found {actual[:12]}…): it was altered or replaced and will not be loaded; "
            f"{RETRAIN_HINT}"
        )


def save_artifact(model_dir: Path, version: str, model, metadata: dict) -> SavedArtifact:
    """Write model_dir/<version>/ atomically: it appears whole or not at all."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    final = model_dir / version
    if final.exists():
        raise ArtifactError(f"{final} already exists; versions are never overwritten")
    staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=model_dir))
    try:
        joblib.dump(model, staging / MODEL_FILE)
        sha256 = file_sha256(staging / MODEL_FILE)
        full_metadata = {**metadata, "version": version, "sha256": sha256, **library_versions()}
        (staging / METADATA_FILE).write_text(json.dumps(full_metadata, indent=2, sort_keys=True))
        staging.chmod(0o755)
        # rename() within one file system is atomic: readers never see a half-written model.
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SavedArtifact(final, sha256)


def read_metadata(directory: Path) -> dict:
    path = Path(directory) / METADATA_FILE
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing; {RETRAIN_HINT}") from None
    except (OSError, ValueError) as error:
        raise ArtifactError(f"{path} cannot be read ({error}); {RETRAIN_HINT}") from None


def verify_artifact(directory: Path, *, expected_sha256: str) -> Path:
    """The model file's path, if it exists and its checksum matches the registry's."""
    path = Path(directory) / MODEL_FILE
    try:
        actual = file_sha256(path)
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing; {RETRAIN_HINT}") from None
    check_sha256(str(path), actual=actual, expected=expected_sha256)
    return path


def load_artifact(directory: Path, *, expected_sha256: str):
    """Load the model in `directory` if, and only if, it is the file the registry knows."""
    path = verify_artifact(directory, expected_sha256=expected_sha256)
    saved_with = read_metadata(directory).get("scikit-learn")
    if saved_with != sklearn.__version__:
        raise ArtifactError(
            f"{path} was saved with scikit-learn {saved_with}, but {sklearn.__version__} is "
            f"installed; a model is only loaded by the version that saved it: {RETRAIN_HINT}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        return joblib.load(path)
