"""Movies, their reviews, and every prediction ever made for a review."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from ml import labels
from ml.models import ModelVersion


class Sentiment(models.TextChoices):
    POSITIVE = labels.POSITIVE, "Positive"
    NEGATIVE = labels.NEGATIVE, "Negative"


# Confidence is max(p, 1 - p) for p = probability_positive (ml.labels.confidence). Sorting by
# it is sorting by (p - 0.5)^2 - 0.25 = p*p - p. That form has no constant in it (a constant
# becomes a query parameter, which SQLite cannot match with an index expression), so the
# index review_confidence, on exactly this expression, serves the admin's sort.
CONFIDENCE_ORDER = F("probability_positive") * F("probability_positive") - F("probability_positive")


class Movie(models.Model):
    title = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:movie_detail", args=[self.pk])


class Review(models.Model):
    """A review and its current prediction, kept on the row so lists filter and sort cheaply.

    The current fields always equal the review's newest Prediction (reviews/services/scoring.py
    writes both in one transaction).
    """

    # No index of its own: the (movie, ...) indexes below lead with it. Every index is one
    # more write for each submitted review.
    movie = models.ForeignKey(
        Movie, on_delete=models.PROTECT, related_name="reviews", db_index=False
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sentiment = models.CharField(max_length=8, choices=Sentiment.choices)
    probability_positive = models.FloatField()
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="reviews"
    )
    # The sentiment before the latest re-scoring, if a re-scoring changed the model
    # ("" when the review has only ever had one prediction): lets staff find flips.
    previous_sentiment = models.CharField(
        max_length=8, choices=Sentiment.choices, blank=True, default=""
    )
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Declared here rather than with db_index=True, which on PostgreSQL adds a second
            # index for LIKE queries that nobody runs on a two-valued field.
            models.Index(fields=["sentiment"], name="review_sentiment"),
            models.Index(fields=["movie", "-created_at"], name="review_movie_created"),
            models.Index(fields=["probability_positive"], name="review_probability"),
            # The admin's movie list: counts, share positive and confidence per movie come
            # from this index alone instead of reading every review.
            models.Index(
                fields=["movie", "sentiment", "probability_positive"], name="review_movie_stats"
            ),
            # Sorting by confidence (CONFIDENCE_ORDER, above).
            models.Index(CONFIDENCE_ORDER, name="review_confidence"),
            # The admin's "flipped" filter.
            models.Index(fields=["previous_sentiment", "sentiment"], name="review_flipped"),
        ]

    def __str__(self) -> str:
        return f"{self.movie}: {self.text[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review_detail", args=[self.pk])

    @property
    def confidence(self) -> float:
        """How sure the model is of the sentiment it gave, from 0.5 to 1."""
        return labels.confidence(self.probability_positive)


class Prediction(models.Model):
    """Append-only history: one row per (review, model version)."""

    # No index of its own: the unique (review, model_version) index leads with it.
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="predictions", db_index=False
    )
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="predictions"
    )
    sentiment = models.CharField(max_length=8, choices=Sentiment.choices)
    probability_positive = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "model_version"], name="prediction_one_per_review_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sentiment} ({self.probability_positive:.2f}) by {self.model_version_id}"

    @property
    def confidence(self) -> float:
        return labels.confidence(self.probability_positive)


class Feedback(models.Model):
    """What people say a review's sentiment really is: a visitor's vote, or a true label set
    by staff or an import. Rows only, never an edit of the review, so every model version's
    live accuracy can be computed against the Prediction history.

    A review's true label is its newest staff or import row (TRUE_LABEL_SOURCES); votes are
    counted apart. A visitor has one vote per review: the unique constraint on (review,
    visitor_key), which the service's single upsert replaces a second vote on. ``visitor_key``
    names the voter (reviews/services/feedback.py): "user:<id>" for a signed-in user or an API
    token's user, "visitor:<random id>" kept in an anonymous visitor's signed cookie; NULL for
    true labels (NULLs are distinct, so a review keeps any number of them).
    """

    class Source(models.TextChoices):
        VISITOR = "visitor", "Visitor"
        STAFF = "staff", "Staff"
        IMPORT = "import", "Import"

    TRUE_LABEL_SOURCES = (Source.STAFF, Source.IMPORT)

    # No index of its own: the (review, source, created_at) index leads with it.
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="feedback", db_index=False
    )
    label = models.CharField(max_length=8, choices=Sentiment.choices)
    source = models.CharField(max_length=8, choices=Source.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_feedback",
    )
    # NULL, not "", for a true label: the unique constraint must not count those as a voter.
    visitor_key = models.CharField(max_length=80, null=True, blank=True, default=None)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "feedback"
        indexes = [
            # A review's newest true label, and the labelled reviews of the filters.
            models.Index(fields=["review", "source", "created_at"], name="feedback_review_source"),
            models.Index(fields=["source", "review"], name="feedback_source_review"),
        ]
        constraints = [
            # Not a partial constraint: bulk_create(update_conflicts=...) names its fields in
            # ON CONFLICT, which a partial unique index does not match.
            models.UniqueConstraint(
                fields=["review", "visitor_key"], name="feedback_one_vote_per_visitor"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(source="visitor", visitor_key__isnull=False)
                    & ~models.Q(visitor_key="")
                )
                | (~models.Q(source="visitor") & models.Q(visitor_key__isnull=True)),
                name="feedback_vote_has_visitor",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_label_display()} ({self.get_source_display()}) for review {self.review_id}"
        )


class ContentVersion(models.Model):
    """One row: the generation of the site's content, raised by every write other than
    storing a review (reviews/freshness.py), so cached pages know they are out of date."""

    SINGLETON = 1
    generation = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"content generation {self.generation}"


class ApiToken(models.Model):
    """A key for writing through the JSON API, created in the admin.

    Only the token's sha256 is stored: the token itself is shown once, when it is created,
    so a copy of the database never reveals a usable key.
    """

    name = models.CharField(
        max_length=100, help_text="What the token is for, e.g. “nightly import”."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(
        default=True, help_text="Untick to revoke the token; requests with it are refused at once."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return self.name


class Job(models.Model):
    """Long work run in the background by Celery workers, split into chunks of reviews.

    Progress (done, changed) is counted in the same transaction as each batch it counts, so
    it is exact whatever happens to a worker.
    """

    class Kind(models.TextChoices):
        RESCORE = "rescore", "Re-score reviews"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        SUPERSEDED = "superseded", "Superseded"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=20, choices=Kind.choices)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="jobs", help_text="The target model."
    )
    total = models.PositiveIntegerField(default=0, help_text="Reviews to score.")
    done = models.PositiveIntegerField(default=0, help_text="Reviews scored so far.")
    changed = models.PositiveIntegerField(default=0, help_text="Reviews whose sentiment changed.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status not in self.ACTIVE


class JobChunk(models.Model):
    """The reviews of a job with primary keys from first_pk to last_pk: one Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    first_pk = models.BigIntegerField()
    last_pk = models.BigIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Raised by every batch: a running chunk with an old heartbeat lost its worker.
    heartbeat_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "first_pk"]
        indexes = [models.Index(fields=["job", "status"], name="jobchunk_job_status")]

    def __str__(self) -> str:
        return f"{self.job} reviews {self.first_pk}–{self.last_pk}"
