"""One statement per batch of predictions, and one UPDATE per batch of re-scored reviews.

Django's bulk_update() builds one CASE WHEN per row and field, which grows quadratically
with the batch (Django ticket #31202). SQLite (3.33+) and PostgreSQL both accept
`WITH scored AS (VALUES ...) UPDATE ... FROM scored`, which joins the new values in one
pass; other databases fall back to bulk_update(). bulk_create() on SQLite splits a batch
into statements of 999 parameters, Django's conservative limit for old SQLite versions.
"""

from collections.abc import Sequence

from django.db import connections

from ml.models import ModelVersion
from reviews.models import Prediction, Review

# Rows per statement: at 5 parameters a row this stays far below SQLite's limit of 32,766
# variables (since 3.32) and PostgreSQL's 65,535.
ROWS_PER_STATEMENT = 2000
FAST_VENDORS = {"sqlite", "postgresql"}
SCORE_FIELDS = ["sentiment", "probability_positive", "model_version", "previous_sentiment"]


def predictions_insert(predictions: Sequence[Prediction], *, using: str = "default") -> None:
    """Append predictions; a (review, version) pair already stored is refreshed instead.

    Re-activating an older model re-scores reviews that already have its prediction: the
    row is brought up to date so it is again the newest, keeping one row per pair.
    """
    if not predictions:
        return
    if connections[using].vendor not in FAST_VENDORS:
        Prediction.objects.using(using).bulk_create(
            predictions,
            update_conflicts=True,
            unique_fields=["review", "model_version"],
            update_fields=["sentiment", "probability_positive", "created_at"],
        )
        return
    for start in range(0, len(predictions), ROWS_PER_STATEMENT):
        predictions_upsert(predictions[start : start + ROWS_PER_STATEMENT], using=using)


def predictions_upsert(predictions: Sequence[Prediction], *, using: str) -> None:
    """One INSERT ... ON CONFLICT DO UPDATE for `predictions` (SQLite and PostgreSQL)."""
    connection = connections[using]
    table = connection.ops.quote_name(Prediction._meta.db_table)
    # A batch's predictions share one timestamp: adapt it once, not once per row (this
    # loop runs beside the next batch's scoring, and competes with it for the GIL).
    adapted_times = {}
    params = []
    for prediction in predictions:
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
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table}
                (review_id, model_version_id, sentiment, probability_positive, created_at)
            VALUES {", ".join(["(%s, %s, %s, %s, %s)"] * len(predictions))}
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
    if connections[using].vendor not in FAST_VENDORS:
        Review.objects.using(using).bulk_update(reviews, [*SCORE_FIELDS, "scored_at"])
        return
    for start in range(0, len(reviews), ROWS_PER_STATEMENT):
        reviews_update_from_values(reviews[start : start + ROWS_PER_STATEMENT], using=using)


def reviews_update_from_values(reviews: Sequence[Review], *, using: str) -> None:
    """One UPDATE ... FROM (VALUES ...) for `reviews` (SQLite and PostgreSQL)."""
    connection = connections[using]
    # PostgreSQL types the VALUES list's columns as text: cast each to its column's type.
    casts = (
        ("::bigint", "::varchar", "::double precision", "::varchar")
        if connection.vendor == "postgresql"
        else ("", "", "", "")
    )
    table = connection.ops.quote_name(Review._meta.db_table)
    params = []
    for review in reviews:
        params += [review.pk, review.sentiment, review.probability_positive]
        params.append(review.previous_sentiment)
    params += [
        reviews[0].model_version_id,
        connection.ops.adapt_datetimefield_value(reviews[0].scored_at),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH scored(id, sentiment, probability, previous_sentiment) AS (
                VALUES {", ".join(["(%s, %s, %s, %s)"] * len(reviews))}
            )
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


def model_still_active(model_version_id: int, *, using: str = "default") -> bool:
    """Inside a transaction: whether the model is still the active one, and, on PostgreSQL,
    a shared lock on its row until the transaction ends.

    Deactivating the model (ml.services.model_activate) updates that row, so it waits for
    every batch holding the lock, and batches starting after it see it inactive. FOR SHARE,
    which Django's select_for_update() cannot ask for, lets the batches of many workers hold
    it at once (FOR UPDATE would run their writes one at a time). SQLite's transactions are
    one at a time already (IMMEDIATE).
    """
    connection = connections[using]
    table = connection.ops.quote_name(ModelVersion._meta.db_table)
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE id = %s AND is_active{lock}", [model_version_id]
        )
        return cursor.fetchone() is not None
