"""A behavioural test suite for sentiment models, after CheckList (Ribeiro et al., ACL 2020).

No Django here. Minimum-functionality cases are short reviews built from templates, grouped
by capability, each with the sentiment a reader gives it; invariance cases are groups of
reviews that differ only in a movie's or a person's name, which must all get one sentiment.
``failure_rates`` scores any model given as a function from texts to sentiments, so the
site's model, VADER and the tutorial's model are judged on exactly the same cases.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import product

from ml.labels import NEGATIVE, POSITIVE

SUBJECTS = ["The movie", "This film", "It", "The show"]
GOOD = ["great", "excellent", "wonderful", "brilliant", "fantastic", "superb", "enjoyable"]
BAD = ["terrible", "awful", "boring", "dreadful", "horrible", "dull", "disappointing"]
PARTS_GOOD = ["the acting", "the music", "the cast", "the photography"]
PARTS_BAD = ["the plot", "the script", "the pacing", "the ending"]
MOVIES = ["Ozark", "Vincenzo", "Dark", "The Crown", "Casablanca", "Parasite"]
PEOPLE = ["Tom Hanks", "Meryl Streep", "Song Kang-ho", "Ana de Armas", "Idris Elba"]


@dataclass(frozen=True)
class Case:
    text: str
    expected: str  # POSITIVE or NEGATIVE


def filled(template: str, expected: str, **slots: list[str]) -> list[Case]:
    """One case per combination of the slots' values."""
    names = list(slots)
    texts = [
        template.format(**dict(zip(names, values, strict=True)))
        for values in product(*(slots[name] for name in names))
    ]
    return [Case(text[0].upper() + text[1:], expected) for text in texts]


def capabilities() -> dict[str, list[Case]]:
    """The minimum-functionality cases, by capability."""
    return {
        "simple_positive": filled("{s} was {g}.", POSITIVE, s=SUBJECTS, g=GOOD)
        + filled("I {v} it.", POSITIVE, v=["loved", "enjoyed", "liked", "adored"]),
        "simple_negative": filled("{s} was {b}.", NEGATIVE, s=SUBJECTS, b=BAD)
        + filled("I {v} it.", NEGATIVE, v=["hated", "disliked", "despised", "regretted"]),
        "negated_positive": filled("{s} was not {g}.", NEGATIVE, s=SUBJECTS, g=GOOD)
        + filled("I didn't {v} it.", NEGATIVE, v=["love", "enjoy", "like"])
        + filled("{s} isn't {g} at all.", NEGATIVE, s=SUBJECTS[:2], g=GOOD[:4]),
        "negated_negative": filled("{s} was not {b}.", POSITIVE, s=SUBJECTS, b=BAD[:5])
        + filled("Not {b} at all.", POSITIVE, b=BAD[:5])
        + filled("I didn't {v} it at all.", POSITIVE, v=["hate", "dislike"]),
        "contrast_ending_positive": filled(
            "{bad} was {b}, but {good} was {g}.",
            POSITIVE,
            bad=PARTS_BAD[:2],
            b=BAD[:4],
            good=PARTS_GOOD[:2],
            g=GOOD[:2],
        ),
        "contrast_ending_negative": filled(
            "{good} was {g}, but {bad} was {b}.",
            NEGATIVE,
            good=PARTS_GOOD[:2],
            g=GOOD[:4],
            bad=PARTS_BAD[:2],
            b=BAD[:2],
        ),
        "one_word": filled(
            "{w}.",
            POSITIVE,
            w=[
                "Great",
                "Excellent",
                "Brilliant",
                "Superb",
                "Wonderful",
                "Masterpiece",
                "Fantastic",
            ],
        )
        + filled(
            "{w}.",
            NEGATIVE,
            w=["Terrible", "Awful", "Boring", "Dreadful", "Rubbish", "Garbage", "Disappointing"],
        ),
        "two_words": filled(
            "{w}.",
            POSITIVE,
            w=["Loved it", "Highly recommended", "Truly great", "Pure joy", "Absolutely brilliant"],
        )
        + filled(
            "{w}.",
            NEGATIVE,
            w=["Hated it", "Utterly boring", "Total waste", "Avoid it", "Truly awful"],
        ),
        "everyday_phrases": [
            Case(text, POSITIVE)
            for text in [
                "A must-see.",
                "Two thumbs up.",
                "Worth every penny.",
                "Best film of the year.",
                "I would watch it again.",
                "It blew me away.",
            ]
        ]
        + [
            Case(text, NEGATIVE)
            for text in [
                "I want my money back.",
                "Waste of time.",
                "Don't bother.",
                "I fell asleep.",
                "What a letdown.",
                "Two hours I will never get back.",
            ]
        ],
        "typos": filled(
            "An {w} film.", POSITIVE, w=["amazng", "brillant", "excelent", "wonderfull", "fantastc"]
        )
        + filled(
            "A {w} film.", NEGATIVE, w=["terible", "awfull", "borng", "horible", "disapointing"]
        ),
    }


def invariance_groups() -> dict[str, list[list[str]]]:
    """Groups of reviews that differ only in a name; each group must share one sentiment."""
    movie_sentences = ["{m} was " + word + "." for word in GOOD + BAD] + [
        "I watched {m} last night and loved it.",
        "I watched {m} last night and hated it.",
        "{m} is the best thing I have seen this year.",
        "{m} is the worst thing I have seen this year.",
        "Everyone should see {m}.",
        "Nobody should waste an evening on {m}.",
    ]
    person_sentences = ["{p} was " + word + " in this film." for word in GOOD + BAD] + [
        "{p} gives a performance I will never forget.",
        "{p} could not save this mess.",
        "I loved every scene with {p}.",
        "Even {p} looked bored.",
        "{p} has never been better.",
        "{p} was miscast and it shows.",
    ]
    return {
        "invariance_movie_name": [[s.format(m=m) for m in MOVIES] for s in movie_sentences],
        "invariance_person_name": [[s.format(p=p) for p in PEOPLE] for s in person_sentences],
    }


def failure_rates(predict: Callable[[list[str]], Iterable[str]]) -> dict[str, dict]:
    """Each capability's cases, failures and failure rate, and the whole suite's, for a model.

    ``predict`` maps texts to sentiments ("positive" or "negative"). A minimum-functionality
    case fails when its sentiment is not the expected one; an invariance group fails when
    its reviews do not all get one sentiment.
    """
    report: dict[str, dict] = {}
    for name, cases in capabilities().items():
        predicted = list(predict([case.text for case in cases]))
        failed = [
            case.text
            for case, sentiment in zip(cases, predicted, strict=True)
            if sentiment != case.expected
        ]
        report[name] = summary(len(cases), failed)
    for name, groups in invariance_groups().items():
        failed = [group[0] for group in groups if len(set(predict(group))) > 1]
        report[name] = summary(len(groups), failed)
    cases = sum(part["cases"] for part in report.values())
    failures = sum(part["failures"] for part in report.values())
    report["overall"] = {"cases": cases, "failures": failures, "failure_rate": failures / cases}
    return report


def summary(cases: int, failed: list[str]) -> dict:
    return {
        "cases": cases,
        "failures": len(failed),
        "failure_rate": len(failed) / cases,
        "examples": failed[:5],
    }
