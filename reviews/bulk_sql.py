"""One statement per batch of predictions, and one UPDATE per batch of re-scored reviews.

Django's bulk_update() builds one CASE WHEN per row and field, which grows quadratically
with the batch (Django ticket #31202). SQLite (3.33+) and PostgreSQL both accept
`WITH scored AS (VALUES ...) UPDATE ... FROM scored`, which joins the new values in one
pass; other databases fall back to bulk_update(). bulk_create() on SQLite splits a batch
into statements of 999 parameters, Django's conservative limit for old SQLite versions.
"""

from collections.abc import Sequence

from django.db import connections, transaction

from reviews.models import Prediction, Review

# Rows per statement: at 5 parameters a row this stays far below SQLite's limit of 32,766
# variables (since 3.32) and PostgreSQL's 65,535.
ROWS_PER_STATEMENT = 2000
FAST_VENDORS = {"sqlite", "postgresql"}


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
    with connection.cursor() as cursor:
        for start in range(0, len(predictions), ROWS_PER_STATEMENT):
            chunk = predictions[start : start + ROWS_PER_STATEMENT]
            params = []
            for prediction in chunk:
                # A review saved after its Prediction was built has its id only on the object.
                params += [
                    prediction.review_id or prediction.review.pk,
                    prediction.model_version_id,
                    prediction.sentiment,
                    prediction.probability_positive,
                    connection.ops.adapt_datetimefield_value(prediction.created_at),
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


def review_insert_with_prediction(
    review: Review, prediction: Prediction, *, using: str = "default"
) -> None:
    """Insert a new, scored review and its first prediction: both or neither.

    On PostgreSQL one statement does both (a data-modifying CTE, atomic by itself): one
    round trip instead of four (BEGIN, two INSERTs, COMMIT), which is most of a form
    submission's time there. Elsewhere, two INSERTs in one transaction.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic(using=using):
            review.save(force_insert=True, using=using)
            predictions_insert([prediction], using=using)
        return
    review_columns = [
        field.column for field in Review._meta.concrete_fields if not field.primary_key
    ]
    review_values = [
        field.get_db_prep_save(getattr(review, field.attname), connection)
        for field in Review._meta.concrete_fields
        if not field.primary_key
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH new_review AS (
                INSERT INTO {Review._meta.db_table} ({", ".join(review_columns)})
                VALUES ({", ".join(["%s"] * len(review_columns))})
                RETURNING id
            )
            INSERT INTO {Prediction._meta.db_table}
                (review_id, model_version_id, sentiment, probability_positive, created_at)
            SELECT id, %s, %s, %s, %s FROM new_review
            RETURNING review_id, id
            """,
            [
                *review_values,
                prediction.model_version_id,
                prediction.sentiment,
                prediction.probability_positive,
                prediction.created_at,
            ],
        )
        review.pk, prediction.pk = cursor.fetchone()
    review._state.adding, review._state.db = False, using
    prediction.review_id = review.pk
    prediction._state.adding, prediction._state.db = False, using
