"""The pipeline's features and its decision: n-grams, the threshold, texts with no words."""

import numpy as np
import pytest

from ml.artifacts import load_artifact
from ml.labels import POSITIVE_THRESHOLD, sentiment_of
from ml.pipeline import probability_positive, tokenize, word_ngrams


@pytest.fixture(scope="module")
def model(trained_artifact):
    """The session's model, trained on a small sample of the bundled data."""
    return load_artifact(trained_artifact.directory, expected_sha256=trained_artifact.sha256)


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


def test_a_text_without_ngrams_scores_the_intercept_alone(model):
    intercept = model.named_steps["classifier"].intercept_[0]

    assert probability_positive(model, ["", "..."]) == pytest.approx(
        1 / (1 + np.exp(-intercept)), rel=1e-6
    )
