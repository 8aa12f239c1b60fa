"""What the model reads: negation scopes, after-contrast clauses, character 3-grams."""

from ml.features import (
    BEFORE_CONTRAST_WEIGHT,
    MAX_WORDS_READ_CLOSELY,
    NEGATION_CORRECTION_WEIGHT,
    feature_phrases,
    marked_words,
    weighted_features,
)
from ml.pipeline import word_ngrams


def review_features(text: str) -> list[str]:
    return [feature for feature, _ in weighted_features(text)]


def test_words_after_a_negator_are_negated_up_to_the_end_of_the_clause():
    marked = marked_words("It was not a bad film, the acting was fine.")

    assert marked.features == [
        "it", "was", "not", "not_a", "not_bad", "not_film", "the", "acting", "was", "fine",
    ]  # fmt: skip


def test_a_contraction_ending_in_nt_negates_like_not():
    assert marked_words("I didn't like it").features == ["i", "didn't", "not_like", "not_it"]


def test_a_contrast_word_ends_a_negation_scope():
    assert marked_words("not great but fun").features == ["not", "not_great", "but", "fun"]


def test_words_after_a_contrast_word_are_marked_until_the_sentence_ends():
    marked = marked_words("Dull plot, but superb acting. A fine cast.")

    assert [
        word for word, after in zip(marked.words, marked.after_contrast, strict=True) if after
    ] == [
        "superb",
        "acting",
    ]


def test_words_after_a_contrast_word_are_weighed_twice():
    features = review_features("Dull, but superb.")

    assert "superb" in features and "but_superb" in features
    assert "but_dull" not in features


def test_longer_words_give_character_trigrams_so_a_typo_shares_most_of_them():
    typo = {f for f in review_features("amazng") if f.startswith("#")}
    right = {f for f in review_features("amazing") if f.startswith("#")}

    assert {"#<am", "#ama", "#maz"} <= typo & right
    assert not {f for f in review_features("bad") if f.startswith("#")}


def test_a_negated_word_stands_for_the_phrase_from_its_negator():
    phrases = feature_phrases("Not a bad film. Great cast.")

    assert phrases["not_bad"] == "not a bad"
    assert phrases["not not_a"] == "not a"
    assert phrases["#fil"] == "not a bad film"
    assert phrases["#cas"] == "cast"


def test_a_negated_word_is_weighed_as_the_opposite_of_itself_and_as_negated():
    weighted = weighted_features("not good")

    assert ("good", -1.0) in weighted
    assert ("not_good", NEGATION_CORRECTION_WEIGHT) in weighted
    assert ("not", 1.0) in weighted
    assert ("#goo", -1.0) in weighted


def test_a_negated_words_own_column_stands_for_the_negated_phrase():
    assert feature_phrases("It was not terrible.")["terrible"] == "not terrible"


def test_the_clause_before_a_contrast_word_weighs_less():
    weighted = dict(weighted_features("Dull plot, but superb acting."))

    assert weighted["dull"] == BEFORE_CONTRAST_WEIGHT
    assert weighted["superb"] == 1.0


def long_review(sentence: str) -> str:
    words = len(sentence.split())
    return " ".join([sentence] * (MAX_WORDS_READ_CLOSELY // words + 1))


def test_a_review_longer_than_the_close_reading_is_read_as_plain_word_ngrams():
    text = long_review("It was not a bad film, but the ending was weak.")

    assert weighted_features(text) == [(gram, 1.0) for gram in word_ngrams(text)]


def test_a_long_reviews_features_stand_for_themselves():
    text = long_review("It was not a bad film, but the ending was weak.")

    assert feature_phrases(text)["not a bad"] == "not a bad"
    assert "not_bad" not in feature_phrases(text)


def test_a_review_of_the_close_readings_length_is_read_closely():
    text = " ".join(["good"] * (MAX_WORDS_READ_CLOSELY - 2) + ["not", "bad"])

    assert "not_bad" in review_features(text)
