"""argparse `type=` helpers for management commands' options: counts and seeds.

A bad value raises ArgumentTypeError, so argparse refuses it with the option's name and this
message (a CommandError under call_command) before the command does any work.
"""

import argparse
import re

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
