"""argparse `type=` helpers for management commands' options: numbers and moments.

A bad value raises ArgumentTypeError, so argparse refuses it with the option's name and this
message (a CommandError under call_command) before the command does any work.
"""

import argparse
import datetime
import re

from django.utils import timezone

# Plain ASCII digits: int() alone would also take "٥" and "1_000".
WHOLE_NUMBER = re.compile(r"-?[0-9]+")
# The largest count a database takes (in a LIMIT, say): a 64-bit signed integer.
MAX_COUNT = 2**63 - 1
# numpy's random generators, and so scikit-learn's, take seeds of at most 32 bits.
MAX_SEED = 2**32 - 1


def whole_number(text: str, *, minimum: int, maximum: int = MAX_COUNT) -> int:
    """`text` as an int from `minimum` to `maximum`, or ArgumentTypeError saying why not."""
    number = int(text) if WHOLE_NUMBER.fullmatch(text) else None
    if number is None or number < minimum:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of at least {minimum}, not {text!r}"
        )
    if number > maximum:
        raise argparse.ArgumentTypeError(f"must be at most {maximum}, not {text!r}")
    return number


def positive_int(text: str) -> int:
    """`text` as an int of at least 1 (a count of things to use)."""
    return whole_number(text, minimum=1)


def non_negative_int(text: str) -> int:
    """`text` as an int of at least 0 (a count that may be none)."""
    return whole_number(text, minimum=0)


def random_seed(text: str) -> int:
    """`text` as a seed scikit-learn takes: 0 to 2**32 - 1."""
    return whole_number(text, minimum=0, maximum=MAX_SEED)


def moment(text: str) -> datetime.datetime:
    """An ISO date or date-time; one without a time zone is taken as UTC."""
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if timezone.is_naive(parsed):
        return timezone.make_aware(parsed, datetime.UTC)
    try:
        return parsed.astimezone(datetime.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:00, before the year 1 in UTC
        raise argparse.ArgumentTypeError(f"{text!r} is out of range") from None
