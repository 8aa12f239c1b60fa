"""Behaviour of the model itself: direction, invariance, explanations (Made-With-ML style) on
the small test model, where only clear-cut cases are asserted; and the behavioural suite
(CheckList, ml/behaviour.py) on the production model trained on all the bundled data.
"""

import pytest

from ml import behaviour, dataset
from ml.classifier import get_active_classifier
from ml.highlight import highlight
from ml.labels import sentiment_of
from ml.pipeline import NEGATION_CONTRAST, build_pipeline, explain, probability_positive

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
    steps = classifier.model.named_steps
    baseline = steps["classifier"].log_odds_baseline(steps["features"].transform([text]))[0]
    log_odds = math.log(probability(classifier, text) / (1 - probability(classifier, text)))

    # Features and coefficients are float32: equal to float32 precision.
    assert sum(weight for _, weight in contributions) + baseline == pytest.approx(
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


# ---- the negation-contrast pipeline on the behavioural suite (ml/behaviour.py and
# bench/behaviour.py), trained on all the bundled data as `train_model --pipeline
# negation-contrast` trains it

# Set from bench/behaviour.py's run of the same model (bench/README.md): the targets are at
# most 5% of all cases and 10% of each capability.
MAX_OVERALL_FAILURES = 0.05
MAX_CAPABILITY_FAILURES = 0.10


@pytest.fixture(scope="session")
def production_model():
    """The negation-contrast pipeline trained on all the bundled data."""
    data = dataset.load_bundled()
    return build_pipeline(seed=0, kind=NEGATION_CONTRAST).fit(data.texts, data.labels)


def sentiments(model, texts) -> list[str]:
    return [sentiment_of(p) for p in probability_positive(model, list(texts))]


@pytest.fixture(scope="session")
def suite_report(production_model):
    return behaviour.failure_rates(lambda texts: sentiments(production_model, texts))


@pytest.mark.slow
@pytest.mark.parametrize(
    "text, sentiment",
    [
        ("Not bad at all.", "positive"),
        ("It was not terrible.", "positive"),
        ("The movie was not great.", "negative"),
        ("The script was gripping.", "positive"),
    ],
)
def test_the_production_model_reads_short_reviews_like_a_person(production_model, text, sentiment):
    assert sentiments(production_model, [text]) == [sentiment]


@pytest.mark.slow
def test_the_production_model_fails_few_cases_of_the_behavioural_suite(suite_report):
    assert suite_report["overall"]["failure_rate"] <= MAX_OVERALL_FAILURES


# Known shortfall (issue 15 stays open for it): some names carry sentiment learned from the
# training reviews ("Tom Hanks could not save this mess." flips with the name). Strict, so
# the test fails the day the model passes, and this mark must go.
NAMES_CARRY_SENTIMENT = pytest.mark.xfail(
    strict=True, reason="some people's names carry sentiment from the training reviews"
)
CAPABILITIES = [
    pytest.param(name, marks=NAMES_CARRY_SENTIMENT) if name == "invariance_person_name" else name
    for name in [*behaviour.capabilities(), *behaviour.invariance_groups()]
]


@pytest.mark.slow
@pytest.mark.parametrize("capability", CAPABILITIES)
def test_the_production_model_fails_few_cases_of_each_capability(suite_report, capability):
    assert suite_report[capability]["failure_rate"] <= MAX_CAPABILITY_FAILURES, suite_report[
        capability
    ]["examples"]


@pytest.mark.slow
def test_the_explanation_of_not_bad_gives_the_negated_phrase_as_the_reason(production_model):
    terms = dict(explain(production_model, "Not bad at all."))

    assert terms["not bad"] > 0
    assert "bad" not in terms


@pytest.mark.slow
def test_the_review_page_marks_the_negated_phrase_as_pushing_positive(production_model):
    text = "Not bad at all."
    segments = highlight(text, explain(production_model, text))

    marked = {segment.text: segment.polarity for segment in segments if segment.polarity}
    assert marked.get("Not bad") == "positive" or marked.get("Not bad at all") == "positive"
