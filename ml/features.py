"""What the model reads in a review: words and phrases, with negation and contrast marked.

No Django here. ``weighted_features`` is what the current pipeline hashes
(``ml.pipeline.ReviewHasher``); models saved before it read plain word n-grams
(``ml.pipeline.word_ngrams``), which stay as they were.

- Negation (Das & Chen 2001; Pang, Lee & Vaithyanathan 2002): every word after a negator
  ("not", "no", "never", "without", "hardly", any "...n't", ...) up to the end of its clause
  (punctuation or a contrast word) is read as a negated word, ``not_bad``, and as "bad"
  with a minus sign: "not bad" starts as the opposite of "bad", and the model learns how
  far to correct that from the texts where "not bad" occurs.
- Contrast: in "X, but Y" a reader weighs Y. Every word after a contrast word up to the end
  of its sentence is read twice: as itself and as ``but_<word>``, so the model can learn
  how much more the clause after "but" counts. No rule overrides the model.
- Typos: every word of four letters or more also gives its character 3-grams inside word
  boundaries (``#ama``, ``#maz``, ...), so "amazng" still shares most of "amazing".

All three are for the short texts people type into a form (up to MAX_WORDS_READ_CLOSELY
words). A longer review has words enough for plain word n-grams: it is read as the word
n-gram pipeline reads it, which is more accurate on long reviews and three times faster.
"""

import re
from dataclasses import dataclass

# IMDB reviews contain literal "<br />" line breaks; they are markup, not words.
BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Words (inner apostrophes kept: "don't" is one word), "!" and "?", which carry sentiment,
# and the punctuation that ends a clause (not a feature: it only ends a scope).
TOKEN = re.compile(r"\w+(?:'\w+)*|[!?]|[.,;:()]")
# The same words, "!" and "?", without the punctuation: what plain word n-grams are made of.
WORD = re.compile(r"\w+(?:'\w+)*|[!?]")
SENTENCE_ENDS = frozenset(".!?")
CLAUSE_ENDS = frozenset(".,;:()!?")
NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nothing",
        "nobody",
        "nowhere",
        "neither",
        "nor",
        "without",
        "hardly",
        "barely",
        "scarcely",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "wont",
        "wouldnt",
        "couldnt",
        "shouldnt",
        "havent",
        "hasnt",
        "hadnt",
        "aint",
    ]
)
CONTRASTS = frozenset(
    ["but", "however", "yet", "though", "although", "nevertheless", "nonetheless", "whereas"]
)
NEGATED = "not_"
AFTER_CONTRAST = "but_"
CHARACTER_GRAM = "#"
MAX_NGRAM = 3
CHARACTER_GRAM_SIZE = 3
MIN_WORD_FOR_CHARACTER_GRAMS = 4
# What the negated word's own features (not_<word>, and the n-grams it is in) weigh: the
# model corrects the plain word's flipped weight through them. Below 1, a correction needs
# larger coefficients, which regularisation holds back. Like the next weight, chosen on
# held-out Rotten Tomatoes sentences with a negation or a contrast word (bench/README.md).
NEGATION_CORRECTION_WEIGHT = 0.2
# What a feature of the clause before a contrast word weighs ("X" in "X, but Y").
BEFORE_CONTRAST_WEIGHT = 0.1
# Negation, contrast and character 3-grams only for texts of up to this many words: they
# decide a one-line review, while on long IMDB reviews they cost 0.7 points of accuracy and
# twice the time to score (bench/README.md, classifier.py).
MAX_WORDS_READ_CLOSELY = 100


def is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


@dataclass(frozen=True)
class MarkedWords:
    """A text's words as the model reads them, and where each came from."""

    words: list[str]  # as written, lower-cased
    features: list[str]  # the word, or not_<word> in a negation's scope
    negator: list[int]  # for each word, the index of the negator whose scope it is in, or -1
    after_contrast: list[bool]  # whether the word follows a contrast word in its sentence
    before_contrast: list[bool]  # whether a contrast word follows it in its sentence


def marked_words(text: str) -> MarkedWords:
    """The words of ``text`` with negation scopes and contrasted clauses marked."""
    words, features, negator, after_contrast, sentence = [], [], [], [], []
    scope = -1  # the index of the negator whose scope is open, or -1
    contrasted = False
    sentences = 0
    contrasted_sentences = set()
    for token in TOKEN.findall(BREAK_TAG.sub(" ", text.lower())):
        if token in CLAUSE_ENDS:
            scope = -1
            if token in SENTENCE_ENDS:
                contrasted = False
            if token not in "!?":
                if token in SENTENCE_ENDS:
                    sentences += 1
                continue
        index = len(words)
        words.append(token)
        negated = scope >= 0 and token not in CONTRASTS
        features.append(NEGATED + token if negated else token)
        negator.append(scope if negated else -1)
        after_contrast.append(contrasted)
        sentence.append(sentences)
        if token in CONTRASTS:
            scope, contrasted = -1, True
            contrasted_sentences.add(sentences)
        elif is_negator(token):
            scope = index
        if token in SENTENCE_ENDS:  # "!" and "?" end a sentence and are words too
            contrasted = False
            sentences += 1
    before_contrast = [
        not after and words[index] not in CONTRASTS and sentence[index] in contrasted_sentences
        for index, after in enumerate(after_contrast)
    ]
    return MarkedWords(words, features, negator, after_contrast, before_contrast)


def weighted_features(text: str) -> list[tuple[str, float]]:
    """Everything the model weighs in ``text``, each with its value (the hasher's input).

    For a text of up to MAX_WORDS_READ_CLOSELY words: word 1..MAX_NGRAM-grams over the marked
    words; each word in a negation's scope again as itself with a minus sign, so it starts
    as the opposite of the plain word; the after-contrast copy of each word; the character
    3-grams of its words (negative in a negation's scope too). A feature of the clause
    before a contrast word weighs BEFORE_CONTRAST_WEIGHT. A longer text: its plain word
    n-grams, each weighing 1.
    """
    words = plain_words(text)
    if len(words) > MAX_WORDS_READ_CLOSELY:
        return [(gram, 1.0) for gram in word_ngrams(words)]
    marked = marked_words(text)
    features = marked.features
    weight = [BEFORE_CONTRAST_WEIGHT if before else 1.0 for before in marked.before_contrast]
    negated = [index >= 0 for index in marked.negator]
    weighted = []
    for n in range(1, MAX_NGRAM + 1):
        for start in range(len(features) - n + 1):
            value = weight[start]
            if any(negated[start : start + n]):
                value *= NEGATION_CORRECTION_WEIGHT
            if value:
                weighted.append((" ".join(features[start : start + n]), value))
    weighted += [
        (AFTER_CONTRAST + feature, 1.0)
        for feature, contrasted in zip(features, marked.after_contrast, strict=True)
        if contrasted
    ]
    for index, word in enumerate(marked.words):
        value = -weight[index] if negated[index] else weight[index]
        if negated[index]:
            weighted.append((word, value))
        weighted += [(gram, value) for gram in character_grams(word)]
    return weighted


def plain_words(text: str) -> list[str]:
    """Lower-cased ``text`` without ``<br />`` tags, as words and "!" / "?" tokens."""
    return WORD.findall(BREAK_TAG.sub(" ", text.lower()))


def word_ngrams(words: list[str]) -> list[str]:
    """All 1..MAX_NGRAM word n-grams of ``words``, in order."""
    grams = list(words)
    for n in range(2, MAX_NGRAM + 1):
        grams += map(" ".join, zip(*(words[i:] for i in range(n)), strict=False))
    return grams


def character_grams(word: str) -> list[str]:
    """The character 3-grams of a word of four letters or more, with its boundaries."""
    if len(word) < MIN_WORD_FOR_CHARACTER_GRAMS:
        return []
    padded = f"<{word}>"
    return [
        CHARACTER_GRAM + padded[i : i + CHARACTER_GRAM_SIZE]
        for i in range(len(padded) - CHARACTER_GRAM_SIZE + 1)
    ]


def feature_phrases(text: str) -> dict[str, str]:
    """Each word-based feature of ``text`` and the phrase of the text it stands for.

    A negated word's phrase runs from its negator ("not_bad" in "not a bad film" stands for
    "not a bad"), an after-contrast copy stands for its word, and a character 3-gram for
    the word it came from (its first one; from its negator in a negation's scope). Phrases
    are words of the text in order, so the review page can find and mark them.
    """
    words = plain_words(text)
    if len(words) > MAX_WORDS_READ_CLOSELY:
        return {gram: gram for gram in word_ngrams(words)}
    marked = marked_words(text)
    words, features = marked.words, marked.features
    phrases: dict[str, str] = {}
    for n in range(1, MAX_NGRAM + 1):
        for start in range(len(features) - n + 1):
            first = marked.negator[start] if marked.negator[start] >= 0 else start
            phrase = " ".join(words[first : start + n])
            phrases.setdefault(" ".join(features[start : start + n]), phrase)
            if n == 1 and first != start:  # the negated word's own, signed column
                phrases.setdefault(words[start], phrase)
    for index, contrasted in enumerate(marked.after_contrast):
        if contrasted:
            phrases.setdefault(AFTER_CONTRAST + features[index], words[index])
    for index, word in enumerate(words):
        start = marked.negator[index] if marked.negator[index] >= 0 else index
        for gram in character_grams(word):
            phrases.setdefault(gram, " ".join(words[start : index + 1]))
    return phrases
