"""What the model reads in a review: words and phrases, with negation and contrast marked.

No Django here. ``review_features`` is the analyzer of the current pipeline; models saved
before it read plain word n-grams (``ml.pipeline.word_ngrams``), which stays as it was.

- Negation (Das & Chen 2001; Pang, Lee & Vaithyanathan 2002): every word after a negator
  ("not", "no", "never", "without", "hardly", any "...n't", ...) up to the end of its clause
  (punctuation or a contrast word) is read as a negated word, ``not_bad``, so "not bad" no
  longer carries the weight of "bad".
- Contrast: in "X, but Y" a reader weighs Y. Every word after a contrast word up to the end
  of its sentence is read twice: as itself and as ``but_<word>``, so the model can learn
  how much more the clause after "but" counts. No rule overrides the model.
- Typos: every word of four letters or more also gives its character 3-grams inside word
  boundaries (``#ama``, ``#maz``, ...), so "amazng" still shares most of "amazing".
"""

import re
from dataclasses import dataclass

# IMDB reviews contain literal "<br />" line breaks; they are markup, not words.
BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Words (inner apostrophes kept: "don't" is one word), "!" and "?", which carry sentiment,
# and the punctuation that ends a clause (not a feature: it only ends a scope).
TOKEN = re.compile(r"\w+(?:'\w+)*|[!?]|[.,;:()]")
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


def is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


@dataclass(frozen=True)
class MarkedWords:
    """A text's words as the model reads them, and where each came from."""

    words: list[str]  # as written, lower-cased
    features: list[str]  # the word, or not_<word> in a negation's scope
    negator: list[int]  # for each word, the index of the negator whose scope it is in, or -1
    after_contrast: list[bool]  # whether the word follows a contrast word in its sentence


def marked_words(text: str) -> MarkedWords:
    """The words of ``text`` with negation scopes and after-contrast clauses marked."""
    words, features, negator, after_contrast = [], [], [], []
    scope = -1  # the index of the negator whose scope is open, or -1
    contrasted = False
    for token in TOKEN.findall(BREAK_TAG.sub(" ", text.lower())):
        if token in CLAUSE_ENDS:
            scope = -1
            if token in SENTENCE_ENDS:
                contrasted = False
            if token not in "!?":
                continue
        index = len(words)
        words.append(token)
        negated = scope >= 0 and token not in CONTRASTS
        features.append(NEGATED + token if negated else token)
        negator.append(scope if negated else -1)
        after_contrast.append(contrasted)
        if token in CONTRASTS:
            scope, contrasted = -1, True
        elif is_negator(token):
            scope = index
    return MarkedWords(words, features, negator, after_contrast)


def review_features(text: str) -> list[str]:
    """Everything the model weighs in ``text`` (the pipeline's analyzer).

    Word 1..MAX_NGRAM-grams over the marked words, the after-contrast copy of each word,
    and the character 3-grams of longer words.
    """
    marked = marked_words(text)
    features = marked.features
    grams = list(features)
    for n in range(2, MAX_NGRAM + 1):
        grams += map(" ".join, zip(*(features[i:] for i in range(n)), strict=False))
    grams += [
        AFTER_CONTRAST + feature
        for feature, contrasted in zip(features, marked.after_contrast, strict=True)
        if contrasted
    ]
    for word in marked.words:
        if len(word) >= MIN_WORD_FOR_CHARACTER_GRAMS:
            padded = f"<{word}>"
            grams += [
                CHARACTER_GRAM + padded[i : i + CHARACTER_GRAM_SIZE]
                for i in range(len(padded) - CHARACTER_GRAM_SIZE + 1)
            ]
    return grams


def feature_phrases(text: str) -> dict[str, str]:
    """Each word-based feature of ``text`` and the phrase of the text it stands for.

    A negated word's phrase runs from its negator ("not_bad" in "not a bad film" stands for
    "not a bad"), an after-contrast copy stands for its word, and a character 3-gram for
    the word it came from (its first one). Phrases are words of the text in order, so the
    review page can find and mark them.
    """
    marked = marked_words(text)
    words, features = marked.words, marked.features
    phrases: dict[str, str] = {}
    for n in range(1, MAX_NGRAM + 1):
        for start in range(len(features) - n + 1):
            first = marked.negator[start] if marked.negator[start] >= 0 else start
            feature = " ".join(features[start : start + n])
            phrases.setdefault(feature, " ".join(words[first : start + n]))
    for index, contrasted in enumerate(marked.after_contrast):
        if contrasted:
            phrases.setdefault(AFTER_CONTRAST + features[index], words[index])
    for word in words:
        padded = f"<{word}>"
        if len(word) >= MIN_WORD_FOR_CHARACTER_GRAMS:
            for i in range(len(padded) - CHARACTER_GRAM_SIZE + 1):
                phrases.setdefault(CHARACTER_GRAM + padded[i : i + CHARACTER_GRAM_SIZE], word)
    return phrases
