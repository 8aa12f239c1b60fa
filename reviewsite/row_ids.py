"""Row ids as people and clients send them: plain ASCII digits naming a 64-bit key."""

# The largest value a database's 64-bit integer key can hold.
MAX_ROW_ID = 2**63 - 1


def is_row_id(text: str) -> bool:
    """Whether `text` can name a row: str.isdigit() alone would take "²" and "١"."""
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ROW_ID
