"""The lean scoring path computes exactly what scikit-learn's generic one does."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from ml.artifacts import load_artifact
from ml.pipeline import ReviewVectorizer, probability_positive, word_ngrams

# Repeated words and phrases, accents, non-Latin script, markup, and texts with no n-grams.
TEXTS = [
    "Great great great film, great acting: a great film!",
    "Not good. Not good at all? No, not good.",
    "Café, naïve, 日本語のレビュー and ümlauts",
    "Line one<br />line two<br/>line three",
    "",
    "   ",
    "...",
]


@pytest.fixture(scope="module")
def fitted(trained_artifact, sample_data):
    """The session's model (trained on a small sample) and some of the texts it saw."""
    model = load_artifact(trained_artifact.directory, expected_sha256=trained_artifact.sha256)
    return model, sample_data.texts[:300]


def test_vectorizer_rows_equal_hashingvectorizer_output(fitted):
    model, sample = fitted
    vectorizer = model.named_steps["features"]
    texts = TEXTS + sample

    lean = vectorizer.transform(texts)
    generic = HashingVectorizer.transform(vectorizer, texts)

    assert lean.dtype == generic.dtype and lean.shape == generic.shape
    assert np.array_equal(lean.indptr, generic.indptr)
    assert np.array_equal(lean.indices, generic.indices)
    assert np.array_equal(lean.data, generic.data)


@pytest.mark.parametrize("alternate_sign", [False, True])
def test_rows_equal_hashingvectorizer_output_when_most_ngrams_collide(alternate_sign):
    # Eight columns: nearly every n-gram shares one, and with alternating signs some pairs
    # cancel out in the generic sum before `binary` sets them back to 1.
    vectorizer = ReviewVectorizer(
        analyzer=word_ngrams,
        n_features=8,
        alternate_sign=alternate_sign,
        binary=True,
        norm="l2",
        dtype=np.float32,
    )

    lean = vectorizer.transform(TEXTS)
    generic = HashingVectorizer.transform(vectorizer, TEXTS)

    assert np.array_equal(lean.indptr, generic.indptr)
    assert np.array_equal(lean.indices, generic.indices)
    assert np.array_equal(lean.data, generic.data)


def test_probability_positive_equals_predict_proba_of_the_generic_features(fitted):
    model, sample = fitted
    vectorizer, classifier = model.named_steps["features"], model.named_steps["classifier"]
    texts = TEXTS + sample

    generic = classifier.predict_proba(HashingVectorizer.transform(vectorizer, texts))[:, 1]

    # The lean path sums float32 coefficients in another order: equal to float32 precision.
    assert probability_positive(model, texts) == pytest.approx(generic, rel=1e-5, abs=1e-6)


def test_a_text_without_ngrams_scores_the_intercept_alone(fitted):
    model, _ = fitted
    intercept = model.named_steps["classifier"].intercept_[0]

    assert probability_positive(model, ["", "..."]) == pytest.approx(
        1 / (1 + np.exp(-intercept)), rel=1e-12
    )
