"""The opaque cursor: a position (created_at, id) in the newest-first order of reviews."""

import base64
import binascii
from datetime import datetime

from reviews.api.errors import InvalidInput
from reviews.parsing import MAX_ROW_ID, iso_time_in_utc

INVALID_CURSOR = "This cursor is not valid: pass a page's next_cursor unchanged."


def cursor_encode(position: tuple[datetime, int] | None) -> str | None:
    if position is None:
        return None
    created_at, pk = position
    raw = f"{created_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> tuple[datetime, int] | None:
    """The position a cursor names; InvalidInput for anything cursor_encode did not make."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk_text = raw.split("|")
        created_at = iso_time_in_utc(created)
        pk = int(pk_text)
        if not 1 <= pk <= MAX_ROW_ID:
            raise ValueError(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput({"cursor": [INVALID_CURSOR]}) from None
    return created_at, pk
