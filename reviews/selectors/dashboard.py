"""The staff dashboard's figures over a period: reviews, share positive per model version,
confidence and low-margin predictions, by day or week. Each is one aggregate query over the
reviews' current predictions (the created_at index picks the period)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Avg, Count, DateField, F, Q, QuerySet, Value
from django.db.models.functions import Greatest, Trunc
from django.utils import timezone

from reviews.models import Review, Sentiment
from reviews.selectors.review_filters import CONFIDENCE_BANDS, ConfidenceBand

DAY, WEEK = "day", "week"
LOW_MARGIN = CONFIDENCE_BANDS[ConfidenceBand.LOW]
POSITIVE = Q(sentiment=Sentiment.POSITIVE)
# Confidence as the database computes it: max(p, 1 - p), ml.labels.confidence's definition.
CONFIDENCE = Greatest(F("probability_positive"), Value(1.0) - F("probability_positive"))


@dataclass(frozen=True)
class Bucket:
    """One day or week of reviews (by creation time, UTC)."""

    start: date
    reviews: int = 0
    positive: int = 0
    mean_confidence: float | None = None
    low_margin: int = 0

    @property
    def share_positive(self) -> float | None:
        return self.positive / self.reviews if self.reviews else None

    @property
    def low_margin_share(self) -> float | None:
        return self.low_margin / self.reviews if self.reviews else None


@dataclass(frozen=True)
class VersionBucket:
    start: date
    version: str
    reviews: int
    positive: int

    @property
    def share_positive(self) -> float:
        return self.positive / self.reviews


@dataclass(frozen=True)
class Dashboard:
    first_day: date
    last_day: date
    bucket: str
    buckets: list[Bucket]
    by_version: list[VersionBucket] = field(default_factory=list)

    @property
    def reviews(self) -> int:
        return sum(bucket.reviews for bucket in self.buckets)


def bucket_start(day: date, bucket: str) -> date:
    return day - timedelta(days=day.weekday()) if bucket == WEEK else day


def dashboard_figures(
    *, days: int, bucket: str, movie_id: int | None = None, today: date | None = None
) -> Dashboard:
    """The last `days` days up to `today` (UTC, default now), in `bucket`s; every bucket of
    the period is listed, an empty one with zero reviews. By week, the period starts on the
    Monday of its first day, so every bucket is a whole week (the last one up to today)."""
    last_day = today or timezone.now().date()
    first_day = bucket_start(last_day - timedelta(days=days - 1), bucket)
    reviews: QuerySet[Review] = Review.objects.filter(
        created_at__gte=datetime.combine(first_day, time.min, tzinfo=UTC),
        created_at__lt=datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC),
    )
    if movie_id is not None:
        reviews = reviews.filter(movie_id=movie_id)
    # In UTC whatever the active time zone, as the period's boundaries are.
    by_start = reviews.annotate(
        start=Trunc("created_at", bucket, output_field=DateField(), tzinfo=UTC)
    )

    rows = (
        by_start.values("start")
        .annotate(
            reviews=Count("pk"),
            positive=Count("pk", filter=POSITIVE),
            mean_confidence=Avg(CONFIDENCE),
            low_margin=Count("pk", filter=LOW_MARGIN),
        )
        .order_by("start")
    )
    found = {row["start"]: Bucket(**row) for row in rows}
    period_days = (last_day - first_day).days + 1
    starts = sorted(
        {bucket_start(first_day + timedelta(days=n), bucket) for n in range(period_days)}
    )
    buckets = [found.get(start, Bucket(start=start)) for start in starts]

    versions = (
        by_start.values("start", version=F("model_version__version"))
        .annotate(reviews=Count("pk"), positive=Count("pk", filter=POSITIVE))
        .order_by("start", "model_version__created_at")
    )
    return Dashboard(
        first_day=first_day,
        last_day=last_day,
        bucket=bucket,
        buckets=buckets,
        by_version=[VersionBucket(**row) for row in versions],
    )
