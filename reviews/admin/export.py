"""Reviews as CSV that spreadsheet programs open correctly and safely."""

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC

from django.db.models import QuerySet

from reviews.models import Review

# Excel reads a CSV file without a byte-order mark in the machine's legacy code page, which
# garbles every accent and dash; with the BOM it reads UTF-8.
BOM = "\ufeff"
HEADER = ["movie", "text", "sentiment", "probability_positive", "model_version", "created_at_utc"]
# A cell starting with one of these is read as a formula by spreadsheet programs (CSV
# injection, OWASP): "=HYPERLINK(...)" in a review would become a live link. Tab and
# carriage return are on the list because some programs strip them before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_CHUNK_SIZE = 2000


def spreadsheet_safe(value: str) -> str:
    """The text, with a leading apostrophe if a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def review_csv_row(review: Review) -> list[str]:
    return [
        spreadsheet_safe(review.movie.title),
        spreadsheet_safe(review.text),
        review.sentiment,
        f"{review.probability_positive:.6f}",
        spreadsheet_safe(review.model_version.version),
        review.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
    ]


class Echo:
    """A file-like object whose write() hands back the line csv.writer gives it (the
    pattern of Django's "Streaming large CSV files" how-to)."""

    def write(self, line: str) -> str:
        return line


def reviews_csv_lines(reviews: QuerySet[Review] | Iterable[Review]) -> Iterator[str]:
    """The CSV file, line by line (so a large export streams instead of filling memory):
    a UTF-8 byte-order mark and the header, then one line per review."""
    if isinstance(reviews, QuerySet):
        reviews = reviews.select_related("movie", "model_version").iterator(
            chunk_size=EXPORT_CHUNK_SIZE
        )
    writer = csv.writer(Echo())
    yield BOM + writer.writerow(HEADER)
    for review in reviews:
        yield writer.writerow(review_csv_row(review))
