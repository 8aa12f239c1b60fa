"""The two sentiments, the threshold between them, and confidence. No Django here.

Every part of the project reads a probability of positive through these: the pipeline's
predict and evaluate, the cached classifier, the stored reviews and the pages.
"""

POSITIVE = "positive"
NEGATIVE = "negative"
# A text is positive when the model gives it a probability of positive of at least this.
POSITIVE_THRESHOLD = 0.5


def is_positive(probability_positive: float) -> bool:
    return probability_positive >= POSITIVE_THRESHOLD


def sentiment_of(probability_positive: float) -> str:
    """ "positive" or "negative", for a probability of positive."""
    return POSITIVE if is_positive(probability_positive) else NEGATIVE


def confidence(probability_positive: float) -> float:
    """How sure the model is of the sentiment it gave: max(p, 1 - p), from 0.5 to 1."""
    return max(probability_positive, 1 - probability_positive)
