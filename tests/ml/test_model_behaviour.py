"""Behaviour of the model itself (Made-With-ML style): direction, invariance, explanations.

Trained on a small sample of the bundled data, so only clear-cut cases are asserted.
"""

import pytest

from ml.classifier import get_active_classifier
from ml.highlight import highlight

POSITIVE_REVIEW = "Brilliant, moving, superb. One of the best films I have seen."
NEGATIVE_REVIEW = "Boring, awful, a waste of time. The worst film I have seen."


@pytest.fixture
def classifier(active_model):
    return get_active_classifier()


def probability(classifier, text: str) -> float:
    return classifier.predict_batch([text])[0].probability_positive


def test_obvious_reviews_get_the_obvious_sentiment(classifier):
    positive, negative = classifier.predict_batch([POSITIVE_REVIEW, NEGATIVE_REVIEW])

    assert positive.sentiment == "positive"
    assert negative.sentiment == "negative"


def test_adding_great_raises_the_positive_probability(classifier):
    text = "The plot was told in two hours."

    assert probability(classifier, text + " Great.") > probability(classifier, text)


def test_adding_terrible_lowers_the_positive_probability(classifier):
    text = "The plot was told in two hours."

    assert probability(classifier, text + " Terrible.") < probability(classifier, text)


def test_swapping_the_movie_title_does_not_flip_the_label(classifier):
    labels = {
        classifier.predict_batch([POSITIVE_REVIEW.replace("films", f"{title} films")])[0].sentiment
        for title in ("Ozark", "Vincenzo", "The Dark Knight", "Blacklist")
    }

    assert labels == {"positive"}


def test_line_break_tags_do_not_change_the_prediction(classifier):
    with_breaks = POSITIVE_REVIEW.replace(". ", ".<br /><br />")

    assert probability(classifier, with_breaks) == pytest.approx(
        probability(classifier, POSITIVE_REVIEW.replace(". ", ".  "))
    )


def test_explanation_of_a_glowing_review_points_positive(classifier):
    terms = dict(classifier.explain("brilliant, moving, superb"))

    assert terms["brilliant"] > 0 and terms["superb"] > 0


def test_explanation_of_a_scathing_review_points_negative(classifier):
    terms = dict(classifier.explain("boring, awful, waste of time"))

    assert terms["boring"] < 0 and terms["awful"] < 0


def test_explanation_is_strongest_first(classifier):
    weights = [abs(weight) for _, weight in classifier.explain(NEGATIVE_REVIEW)]

    assert weights == sorted(weights, reverse=True)


def test_explanation_adds_up_to_the_models_log_odds(classifier):
    import math

    text = "A fine cast, a dull script and a superb score."
    contributions = classifier.explain(text, top_n=1000)
    intercept = classifier.model.named_steps["classifier"].intercept_[0]
    log_odds = math.log(probability(classifier, text) / (1 - probability(classifier, text)))

    # Features and coefficients are float32: equal to float32 precision.
    assert sum(weight for _, weight in contributions) + intercept == pytest.approx(
        log_odds, rel=1e-5
    )


def test_highlight_marks_words_where_they_occur_and_keeps_the_text(classifier):
    text = "Brilliant acting.<br />But a BORING ending!"
    segments = highlight(text, classifier.explain(text))

    assert "".join(segment.text for segment in segments) == text
    # A word may be marked alone or inside a phrase the model weighs ("Brilliant acting").
    polarity_of = {
        word: segment.polarity
        for segment in segments
        if segment.polarity
        for word in segment.text.split()
    }
    assert polarity_of["Brilliant"] == "positive"
    assert polarity_of["BORING"] == "negative"
