"""What the read path may reuse: one version of the site's content, read from the database.

Pages and API answers built from the database are cached under the version of the content
(``cached``). The version is the largest review id, which every stored review raises, and
a generation that writes other than storing a review raise (``content_changed``: a
re-scoring, a movie added, renamed or deleted, a review deleted), in the same transaction
as the write. Both are read in one query per request, from the database every worker on
every host shares, so the very next request after a write builds its answer again:
nothing is invalidated by hand, an old answer is never served, only left to expire, and
storing a review (the form's hot path) pays nothing for it.

The answers themselves go to Django's default cache (settings.CACHES): each process's own
memory unless REDIS_URL names a Redis that several processes and hosts then share.
Correctness never depends on which: a key holds the version it was built for.
"""

import functools
import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import F

from reviews.models import ContentVersion, Review

# How long a cached answer is kept after it was built (an old version's answer is never
# read again; this only bounds the memory it holds).
ANSWER_SECONDS = 600

T = TypeVar("T")


def content_version() -> str:
    """The content's version now: the generation and the largest review id, one query."""
    with connection.cursor() as cursor:
        cursor.execute(version_sql(connection.vendor), [ContentVersion.SINGLETON])
        row = cursor.fetchone()
    generation, latest_review = row if row else (0, None)
    return f"{generation}.{latest_review or 0}"


@functools.cache
def version_sql(vendor: str) -> str:
    """The version's query, written once per database kind: built by the ORM on every
    request, it cost more CPU than the rest of a cached page (bench/pages.py)."""
    quote = connection.ops.quote_name
    return (
        f"SELECT {quote('generation')}, (SELECT MAX({quote('id')}) FROM "
        f"{quote(Review._meta.db_table)}) FROM {quote(ContentVersion._meta.db_table)} "
        f"WHERE {quote('id')} = %s"
    )


def cached(name: str, build: Callable[[], T], *, versioned: bool = True) -> T:
    """``build()``'s answer, reused until the content changes. ``name`` says what was built
    from what (the page and its arguments); an answer that depends only on what ``name``
    names, never on other content, is not ``versioned``."""
    # Hashed: a name carries a client's query (spaces, any length), and a cache key may not.
    digest = hashlib.blake2b(name.encode(), digest_size=16).hexdigest()
    key = f"answer:{content_version()}:{digest}" if versioned else f"answer:{digest}"
    answer = cache.get(key)
    if answer is None:
        answer = build()
        cache.set(key, answer, timeout=ANSWER_SECONDS)
    return answer


def content_changed() -> None:
    """A write other than storing a review changed what pages show: a new generation, in
    the transaction in progress (so it commits, or rolls back, with the write)."""
    updated = ContentVersion.objects.filter(pk=ContentVersion.SINGLETON).update(
        generation=F("generation") + 1
    )
    if not updated:
        ContentVersion.objects.get_or_create(
            pk=ContentVersion.SINGLETON, defaults={"generation": 1}
        )
