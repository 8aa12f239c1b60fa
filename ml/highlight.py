"""Split a text into plain and highlighted pieces from an explanation. No Django here.

The explanation's n-grams are found again in the text, token by token, with the same
tokenizer the model uses, so exactly the words the model weighed are marked.
"""

from dataclasses import dataclass

from ml.features import BREAK_TAG, WORD
from ml.labels import NEGATIVE, POSITIVE


@dataclass(frozen=True)
class Segment:
    text: str
    polarity: str = ""  # "positive", "negative", or "" for plain text
    weight: float = 0.0


def decisive(explanation: list[tuple[str, float]], *, min_share: float = 0.1) -> list:
    """The terms weighing at least `min_share` of the strongest one: the rest is noise."""
    strongest = max((abs(weight) for _, weight in explanation), default=0.0)
    return [(term, weight) for term, weight in explanation if abs(weight) >= min_share * strongest]


def highlight(text: str, explanation: list[tuple[str, float]]) -> list[Segment]:
    """The text cut into segments; each decisive n-gram of `explanation` is marked.

    Where marked n-grams overlap, the stronger weight wins, token by token.
    """
    explanation = decisive(explanation)
    # Break tags become spaces of the same length, and tokens are lower-cased one by one
    # (lower-casing a whole text can change its length), so offsets still index `text`.
    searchable = BREAK_TAG.sub(lambda match: " " * len(match.group()), text)
    tokens = [
        (match.group().lower(), match.start(), match.end()) for match in WORD.finditer(searchable)
    ]
    words = [token for token, _, _ in tokens]
    strongest: list[float] = [0.0] * len(tokens)
    for term, weight in explanation:
        needle = term.split()
        for start in range(len(words) - len(needle) + 1):
            if words[start : start + len(needle)] == needle:
                for index in range(start, start + len(needle)):
                    if abs(weight) > abs(strongest[index]):
                        strongest[index] = weight

    segments: list[Segment] = []
    position = 0
    for (_, start, end), weight in zip(tokens, strongest, strict=True):
        if not weight:
            continue
        polarity = POSITIVE if weight > 0 else NEGATIVE
        gap = text[position:start]
        previous = segments[-1] if segments else None
        if previous and previous.polarity == polarity and not gap.strip():
            # Neighbouring words pushing the same way read as one phrase: one mark.
            segments[-1] = Segment(previous.text + gap + text[start:end], polarity, previous.weight)
        else:
            if gap:
                segments.append(Segment(gap))
            segments.append(Segment(text[start:end], polarity, weight))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def changed_most(
    before: list[tuple[str, float]], after: list[tuple[str, float]], *, top_n: int = 10
) -> list[tuple[str, float, float]]:
    """The terms whose weight moved most from one explanation of a text to another (two
    models reading it): (term, weight before, weight after), the largest change first. A
    term one model did not weigh counts 0 there."""
    old, new = dict(before), dict(after)
    terms = sorted(
        old.keys() | new.keys(),
        key=lambda term: (-abs(new.get(term, 0.0) - old.get(term, 0.0)), term),
    )
    return [(term, old.get(term, 0.0), new.get(term, 0.0)) for term in terms[:top_n]]
