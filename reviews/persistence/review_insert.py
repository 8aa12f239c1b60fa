"""Store a new, scored review and its first prediction: both or neither.

The review row is selected from its movie's row (INSERT ... SELECT ... FROM movie), so the
statement that stores it also checks the movie exists, and the form needs no query of its
own: for an unknown movie nothing is stored.
"""

from django.db import connections, transaction

from reviews.models import Movie, Prediction, Review
from reviews.persistence.bulk_writes import FAST_VENDORS, predictions_insert


def review_insert_with_prediction(
    review: Review, prediction: Prediction, *, using: str = "default"
) -> bool:
    """Insert `review` and `prediction`; False, with nothing stored, for an unknown movie."""
    connection = connections[using]
    if connection.vendor not in FAST_VENDORS:
        inserted = review_insert_checked(review, prediction, using=using)
    elif connection.vendor == "postgresql" and not connection.in_atomic_block:
        inserted = review_insert_in_one_statement(review, prediction, using=using)
    else:
        inserted = review_insert_from_movie(review, prediction, using=using)
    if inserted:
        prediction.review_id = review.pk
    return inserted


def review_insert_checked(review: Review, prediction: Prediction, *, using: str) -> bool:
    """Any database: look the movie up, then save both rows, in one transaction."""
    with transaction.atomic(using=using):
        if not Movie.objects.using(using).filter(pk=review.movie_id).exists():
            return False
        review.save(force_insert=True, using=using)
        predictions_insert([prediction], using=using)
    return True


def review_from_movie_sql(review: Review, *, using: str) -> tuple[str, list]:
    """INSERT INTO review SELECT <its values> FROM movie WHERE id = <its movie> RETURNING id."""
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = [field for field in Review._meta.concrete_fields if not field.primary_key]
    values = [
        field.get_db_prep_save(getattr(review, field.attname), connection) for field in fields
    ]
    sql = f"""
        INSERT INTO {quote(Review._meta.db_table)} ({", ".join(quote(f.column) for f in fields)})
        SELECT {", ".join(["%s"] * len(fields))} FROM {quote(Movie._meta.db_table)}
        WHERE {quote(Movie._meta.pk.column)} = %s
        RETURNING {quote(Review._meta.pk.column)}
    """
    return sql, [*values, review.movie_id]


def review_insert_from_movie(review: Review, prediction: Prediction, *, using: str) -> bool:
    """SQLite (or inside a transaction): two INSERTs in one transaction."""
    sql, params = review_from_movie_sql(review, using=using)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        inserted = cursor.fetchone()
        if inserted is None:
            return False
        review.pk = inserted[0]
        predictions_insert([prediction], using=using)
    return True


def review_insert_in_one_statement(review: Review, prediction: Prediction, *, using: str) -> bool:
    """PostgreSQL: both INSERTs in one prepared statement (a data-modifying CTE, atomic by
    itself).

    One round trip instead of four (BEGIN, two INSERTs, COMMIT), and, prepared, parsed and
    planned once per connection instead of on every submission: together most of a form
    submission's time there (bench/load.py on PostgreSQL, the POST target).
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    review_sql, params = review_from_movie_sql(review, using=using)
    sql = f"""
        WITH new_review AS ({review_sql})
        INSERT INTO {quote(Prediction._meta.db_table)}
            (review_id, model_version_id, sentiment, probability_positive, created_at)
        SELECT {quote(Review._meta.pk.column)}, %s, %s, %s, %s FROM new_review
        RETURNING review_id, {quote(Prediction._meta.pk.column)}
    """
    params += [
        prediction.model_version_id,
        prediction.sentiment,
        prediction.probability_positive,
        prediction.created_at,
    ]
    if connection.queries_logged:
        # Debugging: Django's own cursor, so the statement is logged with its SQL.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = cursor.fetchone()
    else:
        inserted = prepared_fetchone(connection, sql, params)
    if inserted is None:
        return False
    review.pk, prediction.pk = inserted
    return True


def prepared_fetchone(connection, sql: str, params: list):
    """Run `sql` as a prepared statement of the connection's psycopg connection.

    Django's cursors bind parameters on the client, which PostgreSQL cannot prepare; a
    plain psycopg cursor binds them on the server and prepares the statement on first use
    (psycopg's `prepare=True`). settings.py sets psycopg's prepare_threshold in DATABASES'
    OPTIONS (Django's default, None, turns preparing off for the whole connection, and
    DATABASE_PREPARED_STATEMENTS=0 keeps it off, for poolers); Django's own cursors still
    never prepare. Errors come out as Django's, as from its own cursors.
    """
    import psycopg  # only PostgreSQL gets here

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()
