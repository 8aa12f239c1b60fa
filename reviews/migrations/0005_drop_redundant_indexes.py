"""Drop indexes that every submitted review paid for and no query needed.

- reviews_review.movie_id: the (movie, created_at) and (movie, sentiment, probability)
  indexes lead with it.
- reviews_prediction.review_id: the unique (review, model_version) index leads with it.
- reviews_review.sentiment on PostgreSQL: db_index=True also built a varchar_pattern_ops
  copy for LIKE queries; the plain index stays, now declared in Meta as review_sentiment.

Django would rebuild both tables on SQLite (and re-check the foreign keys on PostgreSQL) to
change db_index; dropping the indexes by name does the same to the schema in milliseconds,
however many reviews are stored.
"""

import django.db.models.deletion
from django.db import migrations, models

DROP = """
DROP INDEX IF EXISTS reviews_review_movie_id_29a4797f;
DROP INDEX IF EXISTS reviews_prediction_review_id_be9a2a57;
DROP INDEX IF EXISTS reviews_review_sentiment_2826c291_like;
DROP INDEX IF EXISTS reviews_review_sentiment_2826c291;
CREATE INDEX review_sentiment ON reviews_review (sentiment);
"""

RESTORE = """
DROP INDEX IF EXISTS review_sentiment;
CREATE INDEX reviews_review_sentiment_2826c291 ON reviews_review (sentiment);
CREATE INDEX reviews_prediction_review_id_be9a2a57 ON reviews_prediction (review_id);
CREATE INDEX reviews_review_movie_id_29a4797f ON reviews_review (movie_id);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ml", "0001_initial"),
        ("reviews", "0004_admin_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(DROP, reverse_sql=RESTORE)],
            state_operations=[
                migrations.AlterField(
                    model_name="prediction",
                    name="review",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="predictions",
                        to="reviews.review",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="movie",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="reviews.movie",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="sentiment",
                    field=models.CharField(
                        choices=[("positive", "Positive"), ("negative", "Negative")],
                        max_length=8,
                    ),
                ),
                migrations.AddIndex(
                    model_name="review",
                    index=models.Index(fields=["sentiment"], name="review_sentiment"),
                ),
            ],
        ),
    ]
