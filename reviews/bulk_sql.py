"""One statement per batch of predictions, and one UPDATE per batch of re-scored reviews.

Django's bulk_update() builds one CASE WHEN per row and field, which grows quadratically
with the batch (Django ticket #31202). SQLite (3.33+) and PostgreSQL both accept
`WITH scored AS (VALUES ...) UPDATE ... FROM scored`, which joins the new values in one
pass; other databases fall back to bulk_update(). bulk_create() on SQLite splits a batch
into statements of 999 parameters, Django's conservative limit for old SQLite versions.
"""

import functools
from collections.abc import Sequence

from django.conf import settings
from django.db import connections, transaction

from reviews.models import Movie, Prediction, Review

# Rows per statement: at 5 parameters a row this stays far below SQLite's limit of 32,766
# variables (since 3.32) and PostgreSQL's 65,535.
ROWS_PER_STATEMENT = 2000
FAST_VENDORS = {"sqlite", "postgresql"}
# psycopg's own default: a statement run this often on a connection is prepared.
PSYCOPG_PREPARE_THRESHOLD = 5


def predictions_insert(predictions: Sequence[Prediction], *, using: str = "default") -> None:
    """Append predictions; a (review, version) pair already stored is refreshed instead.

    Re-activating an older model re-scores reviews that already have its prediction: the
    row is brought up to date so it is again the newest, keeping one row per pair.
    """
    if not predictions:
        return
    connection = connections[using]
    if connection.vendor not in FAST_VENDORS:
        Prediction.objects.using(using).bulk_create(
            predictions,
            update_conflicts=True,
            unique_fields=["review", "model_version"],
            update_fields=["sentiment", "probability_positive", "created_at"],
        )
        return
    table = connection.ops.quote_name(Prediction._meta.db_table)
    # A batch's predictions share one timestamp: adapt it once, not once per row (this
    # loop runs beside the next batch's scoring, and competes with it for the GIL).
    adapted_times = {}
    with connection.cursor() as cursor:
        for start in range(0, len(predictions), ROWS_PER_STATEMENT):
            chunk = predictions[start : start + ROWS_PER_STATEMENT]
            params = []
            for prediction in chunk:
                created_at = prediction.created_at
                if created_at not in adapted_times:
                    adapted_times[created_at] = connection.ops.adapt_datetimefield_value(created_at)
                # A review saved after its Prediction was built has its id only on the object.
                params += [
                    prediction.review_id or prediction.review.pk,
                    prediction.model_version_id,
                    prediction.sentiment,
                    prediction.probability_positive,
                    adapted_times[created_at],
                ]
            cursor.execute(
                f"""
                INSERT INTO {table}
                    (review_id, model_version_id, sentiment, probability_positive, created_at)
                VALUES {", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))}
                ON CONFLICT (review_id, model_version_id) DO UPDATE SET
                    sentiment = excluded.sentiment,
                    probability_positive = excluded.probability_positive,
                    created_at = excluded.created_at
                """,
                params,
            )


def reviews_write_scores(reviews: Sequence[Review], *, using: str = "default") -> None:
    """Write the current-prediction fields of `reviews` (all scored by one model, at once)."""
    if not reviews:
        return
    connection = connections[using]
    if connection.vendor not in FAST_VENDORS:
        Review.objects.using(using).bulk_update(
            reviews,
            [
                "sentiment",
                "probability_positive",
                "model_version",
                "previous_sentiment",
                "scored_at",
            ],
        )
        return
    model_version_id = reviews[0].model_version_id
    scored_at = connection.ops.adapt_datetimefield_value(reviews[0].scored_at)
    casts = (
        ("::bigint", "::varchar", "::double precision", "::varchar")
        if connection.vendor == "postgresql"
        else ("", "", "", "")
    )
    table = connection.ops.quote_name(Review._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(reviews), ROWS_PER_STATEMENT):
            chunk = reviews[start : start + ROWS_PER_STATEMENT]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params = []
            for review in chunk:
                params += [
                    review.pk,
                    review.sentiment,
                    review.probability_positive,
                    review.previous_sentiment,
                ]
            params += [model_version_id, scored_at]
            cursor.execute(
                f"""
                WITH scored(id, sentiment, probability, previous_sentiment) AS (VALUES {values})
                UPDATE {table} SET
                    sentiment = scored.sentiment{casts[1]},
                    probability_positive = scored.probability{casts[2]},
                    previous_sentiment = scored.previous_sentiment{casts[3]},
                    model_version_id = %s,
                    scored_at = %s
                FROM scored
                WHERE {table}.id = scored.id{casts[0]}
                """,
                params,
            )


def prepared_cursor(connection):
    """A cursor for one hot statement that PostgreSQL should parse and plan only once.

    Django's psycopg cursors bind parameters client-side, so nothing can be prepared;
    this one binds them server-side and prepares its statement on first use, once per
    connection. It is still Django's cursor wrapper (execute wrappers, error translation).
    Elsewhere, with DATABASE_PREPARED_STATEMENTS off, or while queries are being logged
    (DEBUG, debug tools: a prepared statement would be logged without its SQL), it is the
    ordinary cursor.
    """
    if (
        connection.vendor != "postgresql"
        or not settings.DATABASE_PREPARED_STATEMENTS
        or connection.queries_logged
    ):
        return connection.cursor()
    connection.ensure_connection()
    psycopg_connection = connection.connection
    client_side_binding = not connection.settings_dict["OPTIONS"].get("server_side_binding")
    if psycopg_connection.prepare_threshold is None and client_side_binding:
        # Django switches preparing off for the whole connection, which overrides even an
        # explicit prepare=True. Its own cursors bind client-side and never prepare, so
        # switching it back on changes nothing but this cursor. (With server_side_binding
        # on, Django's cursors could prepare too: the configured threshold is left alone.)
        psycopg_connection.prepare_threshold = PSYCOPG_PREPARE_THRESHOLD
    with connection.wrap_database_errors:
        return connection._prepare_cursor(prepared_cursor_class()(psycopg_connection))


@functools.cache
def prepared_cursor_class():
    # Imported on first use: the PostgreSQL backend module needs psycopg.
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparedCursor


def review_insert_with_prediction(
    review: Review, prediction: Prediction, *, using: str = "default"
) -> bool:
    """Insert a new, scored review and its first prediction: both or neither.

    The review row is selected from its movie's row (INSERT ... SELECT ... FROM movie), so
    the statement that stores it also checks the movie exists, and the form needs no query
    of its own: for an unknown movie nothing is stored and this returns False.

    On PostgreSQL one statement does both inserts (a data-modifying CTE, atomic by itself):
    one round trip instead of four (BEGIN, two INSERTs, COMMIT), which is most of a form
    submission's time there. Elsewhere, two INSERTs in one transaction.
    """
    connection = connections[using]
    if connection.vendor not in FAST_VENDORS:
        with transaction.atomic(using=using):
            if not Movie.objects.using(using).filter(pk=review.movie_id).exists():
                return False
            review.save(force_insert=True, using=using)
            predictions_insert([prediction], using=using)
        return True

    fields = [field for field in Review._meta.concrete_fields if not field.primary_key]
    values = [
        field.get_db_prep_save(getattr(review, field.attname), connection) for field in fields
    ]
    quote = connection.ops.quote_name
    review_from_movie = f"""
        INSERT INTO {quote(Review._meta.db_table)} ({", ".join(quote(f.column) for f in fields)})
        SELECT {", ".join(["%s"] * len(fields))} FROM {quote(Movie._meta.db_table)}
        WHERE {quote(Movie._meta.pk.column)} = %s
        RETURNING {quote(Review._meta.pk.column)}
    """
    params = [*values, review.movie_id]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with prepared_cursor(connection) as cursor:
            cursor.execute(
                f"""
                WITH new_review AS ({review_from_movie})
                INSERT INTO {quote(Prediction._meta.db_table)}
                    (review_id, model_version_id, sentiment, probability_positive, created_at)
                SELECT {quote(Review._meta.pk.column)}, %s, %s, %s, %s FROM new_review
                RETURNING review_id, {quote(Prediction._meta.pk.column)}
                """,
                [
                    *params,
                    prediction.model_version_id,
                    prediction.sentiment,
                    prediction.probability_positive,
                    prediction.created_at,
                ],
            )
            inserted = cursor.fetchone()
        if inserted is None:
            return False
        review.pk, prediction.pk = inserted
    else:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(review_from_movie, params)
            inserted = cursor.fetchone()
            if inserted is None:
                return False
            review.pk = inserted[0]
            predictions_insert([prediction], using=using)
    review._state.adding, review._state.db = False, using
    prediction.review_id = review.pk
    prediction._state.adding, prediction._state.db = False, using
    return True
