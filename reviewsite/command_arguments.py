"""argparse `type=` helpers for management commands' numeric options.

A bad value raises ArgumentTypeError, so argparse refuses it with the option's name and this
message (a CommandError under call_command) before the command does any work.
"""

import argparse


def whole_number_at_least(minimum: int, text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of at least {minimum}, not {text!r}"
        )
    return number


def positive_int(text: str) -> int:
    """`text` as an int of at least 1 (a count of things to use)."""
    return whole_number_at_least(1, text)


def non_negative_int(text: str) -> int:
    """`text` as an int of at least 0 (a seed, an offset, a count that may be none)."""
    return whole_number_at_least(0, text)
