"""Values as people and clients send them: row ids and ISO 8601 times.

The form, the API, the admin and the commands all read ids and times through these, so
they accept and refuse the same things.
"""

import datetime

# The largest value a database's 64-bit integer key can hold.
MAX_ROW_ID = 2**63 - 1


def is_row_id(text: str) -> bool:
    """Whether `text` can name a row: str.isdigit() alone would take "²" and "١"."""
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ROW_ID


class TimeOutOfRange(ValueError):
    """An ISO time whose UTC equivalent is before the year 1 (0001-01-01T00:00+05:00)."""


def iso_time_in_utc(text: str) -> datetime.datetime:
    """An ISO 8601 date or date-time as an aware UTC time; one without a zone is UTC.

    Raises ValueError for anything else (TimeOutOfRange for a time before the year 1 in UTC).
    """
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        raise TimeOutOfRange(f"{text!r} is out of range") from None
