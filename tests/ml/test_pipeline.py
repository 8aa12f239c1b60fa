"""The pipeline's features and its decision: n-grams, the threshold, texts with no words."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize

from ml.artifacts import load_artifact, save_artifact
from ml.features import weighted_features
from ml.labels import POSITIVE_THRESHOLD, sentiment_of
from ml.pipeline import (
    NEGATION_CONTRAST,
    WORD_NGRAMS,
    ReviewVectorizer,
    build_pipeline,
    explain,
    probability_positive,
    tokenize,
    word_ngrams,
)


@pytest.fixture(scope="module")
def model(trained_artifact):
    """The session's model, trained on a small sample of the bundled data."""
    return load_artifact(trained_artifact.directory, expected_sha256=trained_artifact.sha256)


@pytest.fixture(scope="module")
def negation_contrast_model(sample_data):
    return build_pipeline(kind=NEGATION_CONTRAST).fit(sample_data.texts, sample_data.labels)


def test_tokens_keep_inner_apostrophes_and_exclamation_marks_and_drop_break_tags():
    assert tokenize("Didn't<br />LIKE it!") == ["didn't", "like", "it", "!"]


def test_word_ngrams_are_every_run_of_one_to_three_tokens():
    assert word_ngrams("not bad at") == [
        "not",
        "bad",
        "at",
        "not bad",
        "bad at",
        "not bad at",
    ]


def test_predict_says_positive_exactly_where_the_probability_reaches_the_threshold(
    model, sample_data
):
    texts = sample_data.texts[:500]
    probabilities = probability_positive(model, texts)

    predicted = model.predict(texts)

    assert predicted.tolist() == (probabilities >= POSITIVE_THRESHOLD).astype(int).tolist()
    assert [sentiment_of(p) for p in probabilities] == [
        "positive" if label else "negative" for label in predicted
    ]


def test_a_text_without_features_scores_the_log_odds_baseline_alone(negation_contrast_model):
    model = negation_contrast_model
    rows = model.named_steps["features"].transform(["", "..."])
    baseline = model.named_steps["classifier"].log_odds_baseline(rows)

    assert rows.nnz == 0
    assert probability_positive(model, ["", "..."]) == pytest.approx(
        1 / (1 + np.exp(-baseline)), rel=1e-6
    )


def word_ngram_pipeline(*, n_features: int) -> Pipeline:
    """The word n-gram pipeline, with a smaller hash space."""
    return build_pipeline(kind=WORD_NGRAMS).set_params(features__n_features=n_features)


def test_a_saved_word_ngram_model_loads_scores_and_explains(sample_data, tmp_path):
    earlier = word_ngram_pipeline(n_features=2**18).fit(sample_data.texts, sample_data.labels)
    saved = save_artifact(tmp_path, "earlier", earlier, {})

    loaded = load_artifact(saved.directory, expected_sha256=saved.sha256)

    text = "A superb film, moving and brilliant."
    assert probability_positive(loaded, [text]) == pytest.approx(
        probability_positive(earlier, [text])
    )
    assert {term for term, _ in explain(loaded, text)} <= set(word_ngrams(text))


# ---- the fast scoring paths compute exactly what scikit-learn's generic ones do

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
def word_ngram_model(sample_data):
    """A model saved with word n-grams (the earlier pipeline), and some texts it saw."""
    model = word_ngram_pipeline(n_features=2**20).fit(sample_data.texts, sample_data.labels)
    return model, sample_data.texts[:300]


def test_vectorizer_rows_equal_hashingvectorizer_output(word_ngram_model):
    model, sample = word_ngram_model
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


def test_probability_positive_equals_predict_proba_of_the_generic_features(word_ngram_model):
    model, sample = word_ngram_model
    vectorizer, classifier = model.named_steps["features"], model.named_steps["classifier"]
    texts = TEXTS + sample

    generic = classifier.predict_proba(HashingVectorizer.transform(vectorizer, texts))[:, 1]

    # The lean path sums float32 coefficients in another order: equal to float32 precision.
    assert probability_positive(model, texts) == pytest.approx(generic, rel=1e-5, abs=1e-6)


def test_with_word_ngrams_a_text_without_ngrams_scores_the_intercept_alone(word_ngram_model):
    model, _ = word_ngram_model
    intercept = model.named_steps["classifier"].intercept_[0]

    assert probability_positive(model, ["", "..."]) == pytest.approx(
        1 / (1 + np.exp(-intercept)), rel=1e-12
    )


def test_review_hasher_rows_equal_feature_hasher_output_normalised(negation_contrast_model):
    hasher = negation_contrast_model.named_steps["features"]
    texts = TEXTS + ["Not bad, but not great either.", "It wasn't terrible!"]

    fast = hasher.transform(texts)
    generic = hasher.hasher().transform(weighted_features(text) for text in texts)
    np.clip(generic.data, -1.0, 1.0, out=generic.data)
    generic.eliminate_zeros()
    generic = normalize(generic)

    assert np.array_equal(fast.indptr, generic.indptr)
    assert np.array_equal(fast.indices, generic.indices)
    assert fast.data == pytest.approx(generic.data, rel=1e-6)


def test_probability_positive_equals_predict_proba_of_the_negation_contrast_pipeline(
    negation_contrast_model, sample_data
):
    texts = TEXTS + sample_data.texts[:200]

    assert probability_positive(negation_contrast_model, texts) == pytest.approx(
        negation_contrast_model.predict_proba(texts)[:, 1], rel=1e-6, abs=1e-9
    )


def test_an_unknown_pipeline_is_refused():
    with pytest.raises(ValueError, match="unknown pipeline"):
        build_pipeline(kind="bag-of-letters")
