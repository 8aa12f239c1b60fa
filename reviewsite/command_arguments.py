"""argparse `type=` helpers for management commands' numeric options.

A bad value raises ArgumentTypeError, so argparse refuses it with the option's name and this
message (a CommandError under call_command) before the command does any work.
"""

import argparse

# numpy's random generators, and so scikit-learn's, take seeds of at most 32 bits.
MAX_SEED = 2**32 - 1


def whole_number(text: str, *, minimum: int, maximum: int | None = None) -> int:
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        limits = f"of at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise argparse.ArgumentTypeError(f"must be a whole number {limits}, not {text!r}")
    return number


def positive_int(text: str) -> int:
    """`text` as an int of at least 1 (a count of things to use)."""
    return whole_number(text, minimum=1)


def non_negative_int(text: str) -> int:
    """`text` as an int of at least 0 (an offset, a count that may be none)."""
    return whole_number(text, minimum=0)


def random_seed(text: str) -> int:
    """`text` as a seed scikit-learn takes: 0 to 2**32 - 1."""
    return whole_number(text, minimum=0, maximum=MAX_SEED)
