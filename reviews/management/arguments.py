"""argparse `type=` helpers for the reviews commands' options (counts: ml.management.arguments)."""

import argparse
import datetime

from reviews.parsing import TimeOutOfRange, iso_time_in_utc


def moment(text: str) -> datetime.datetime:
    """An ISO date or date-time; one without a time zone is taken as UTC."""
    try:
        return iso_time_in_utc(text)
    except TimeOutOfRange:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range") from None
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
