"""Staff browse the prediction history here. The admin is an interface only: the reads
come from reviews/admin_selectors.py, re-scoring from reviews/services.py, the CSV from
reviews/export.py.

Nothing about a review or a prediction is edited by hand: a prediction changes only when a
model scores the review, so the change permission on reviews is what allows re-scoring.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import F
from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from ml.classifier import ModelUnavailable
from ml.models import ModelVersion
from reviews import admin_selectors, services
from reviews.admin_paging import LargeTableAdminMixin
from reviews.export import reviews_csv_lines
from reviews.models import Movie, Prediction, Review, Sentiment
from reviews.templatetags.review_format import percent
from reviewsite.admin_mixins import CheckedSelectionAdminMixin, ReadOnlyAdminMixin
from reviewsite.row_ids import is_row_id

EXCERPT_LENGTH = 80
# A sign and a word, so the badge reads the same without colour.
SENTIMENT_BADGE_LABELS = {Sentiment.POSITIVE: "+ Positive", Sentiment.NEGATIVE: "− Negative"}


def sentiment_badge(sentiment: str) -> str:
    return format_html(
        '<span class="sentiment-badge sentiment-{}">{}</span>',
        sentiment,
        SENTIMENT_BADGE_LABELS.get(sentiment, sentiment or "–"),
    )


# --- Reviews


class SelectorFilter(admin.SimpleListFilter):
    """A list filter applied by one selector; a value it refuses is a bad lookup, not a 500."""

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            return self.select(queryset, self.value())
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error

    def select(self, queryset, value: str):
        raise NotImplementedError


class SentimentFilter(SelectorFilter):
    title = "sentiment"
    parameter_name = "sentiment__exact"  # the parameter of Django's own filter on the field

    def lookups(self, request, model_admin):
        return Sentiment.choices

    def select(self, queryset, value: str):
        return admin_selectors.reviews_with_sentiment(reviews=queryset, sentiment=value)


class ModelVersionFilter(SelectorFilter):
    title = "model version"
    parameter_name = "model_version__id__exact"  # as Django's own filter on the field

    def lookups(self, request, model_admin):
        return ModelVersion.objects.values_list("pk", "version")

    def select(self, queryset, value: str):
        if not is_row_id(value):
            raise ValueError(f"no model version has the id {value!r}")
        return admin_selectors.reviews_scored_by(reviews=queryset, model_version_id=int(value))


class ConfidenceBandFilter(SelectorFilter):
    title = "confidence"
    parameter_name = "confidence"

    def lookups(self, request, model_admin):
        return admin_selectors.ConfidenceBand.choices

    def select(self, queryset, value: str):
        return admin_selectors.reviews_in_confidence_band(reviews=queryset, band=value)


class YesNoFilter(admin.SimpleListFilter):
    """A filter with the two choices "yes" and "no", each applied by a selector."""

    yes_label = "Yes"
    no_label = "No"

    def lookups(self, request, model_admin):
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in ("yes", "no"):
            raise IncorrectLookupParameters(f"{self.parameter_name} is yes or no")
        return self.select(queryset, self.value() == "yes")

    def select(self, queryset, yes: bool):
        raise NotImplementedError


class StaleFilter(YesNoFilter):
    title = "scored by"
    parameter_name = "stale"
    yes_label = "an older model (stale)"
    no_label = "the active model"

    def select(self, queryset, yes: bool):
        return admin_selectors.reviews_stale(reviews=queryset, stale=yes)


class FlippedFilter(YesNoFilter):
    title = "flipped by the latest re-scoring"
    parameter_name = "flipped"
    yes_label = "Flipped"
    no_label = "Not flipped"

    def select(self, queryset, yes: bool):
        return admin_selectors.reviews_flipped(reviews=queryset, flipped=yes)


class PredictionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Prediction
    fields = [
        "created_at",
        "model_version",
        "sentiment_badge",
        "confidence",
        "probability_positive",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    can_delete = False
    verbose_name_plural = "Prediction history (newest first)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("model_version")

    @admin.display(description="Sentiment")
    def sentiment_badge(self, prediction: Prediction) -> str:
        return sentiment_badge(prediction.sentiment)

    @admin.display(description="Confidence")
    def confidence(self, prediction: Prediction) -> str:
        return percent(prediction.confidence)


@admin.register(Review)
class ReviewAdmin(
    CheckedSelectionAdminMixin, ReadOnlyAdminMixin, LargeTableAdminMixin, admin.ModelAdmin
):
    list_display = [
        "movie",
        "excerpt",
        "sentiment_badge",
        "confidence",
        "model_version",
        "created_at",
    ]
    list_display_links = ["excerpt"]
    list_filter = [
        SentimentFilter,
        "movie",
        ModelVersionFilter,
        "created_at",
        ConfidenceBandFilter,
        StaleFilter,
        FlippedFilter,
    ]
    list_select_related = ["movie", "model_version"]
    date_hierarchy = "created_at"
    search_fields = ["text", "movie__title"]
    search_help_text = "Words in the review text, or the movie title."
    # Sorting by movie or version would sort the whole table on every page.
    sortable_by = ["confidence", "created_at"]
    actions = ["rescore", "export_csv"]
    fieldsets = [
        ("Review", {"fields": ["movie", "created_at", "text"]}),
        (
            "Current prediction",
            {
                "fields": [
                    "sentiment_badge",
                    "confidence",
                    "probability_positive",
                    "model_version",
                    "scored_at",
                    "previous_prediction",
                ]
            },
        ),
        ("Words that decided it", {"fields": ["explanation"]}),
    ]
    readonly_fields = [
        "movie",
        "created_at",
        "text",
        "sentiment_badge",
        "confidence",
        "probability_positive",
        "model_version",
        "scored_at",
        "previous_prediction",
        "explanation",
    ]
    inlines = [PredictionInline]

    def has_rescore_permission(self, request) -> bool:
        return request.user.has_perm("reviews.change_review")

    @admin.display(description="Review")
    def excerpt(self, review: Review) -> str:
        return Truncator(review.text).chars(EXCERPT_LENGTH)

    @admin.display(description="Sentiment", ordering="sentiment")
    def sentiment_badge(self, review: Review) -> str:
        return sentiment_badge(review.sentiment)

    @admin.display(description="Confidence", ordering=admin_selectors.CONFIDENCE_ORDER)
    def confidence(self, review: Review) -> str:
        return percent(review.confidence)

    @admin.display(description="Previous prediction")
    def previous_prediction(self, review: Review) -> str:
        if not review.previous_sentiment:
            return "None: scored by one model only"
        if review.previous_sentiment == review.sentiment:
            return format_html("{} (unchanged)", sentiment_badge(review.previous_sentiment))
        return format_html("{} (flipped)", sentiment_badge(review.previous_sentiment))

    @admin.display(description="Explanation")
    def explanation(self, review: Review) -> str:
        positive, negative = admin_selectors.review_explanation_each_way(review=review)
        return render_to_string(
            "admin/reviews/review/explanation.html",
            {"positive": positive, "negative": negative, "review": review},
        )

    @admin.action(description="Re-score with the active model", permissions=["rescore"])
    def rescore(self, request, queryset):
        try:
            # The list's joins are for display; scoring reads the review rows only.
            result = services.reviews_rescore(reviews=queryset.select_related(None))
        except ModelUnavailable as error:
            self.message_user(request, f"Nothing re-scored: {error}", messages.ERROR)
            return
        self.message_user(
            request,
            f"Re-scored {result.scored} review(s) with model {result.target_version} in "
            f"{result.seconds:.1f} s ({result.skipped} already scored by it). "
            f"{result.changed} changed sentiment: {result.to_positive} to positive, "
            f"{result.to_negative} to negative.",
            messages.SUCCESS,
        )

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        response = StreamingHttpResponse(
            reviews_csv_lines(queryset), content_type="text/csv; charset=utf-8"
        )
        filename = f"reviews-{timezone.now():%Y%m%d-%H%M%S}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- Movies


@admin.register(Movie)
class MovieAdmin(CheckedSelectionAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "review_count",
        "share_positive",
        "average_confidence",
        "latest_review_at",
        "reviews_link",
    ]
    search_fields = ["title"]
    show_full_result_count = False

    def get_queryset(self, request):
        return admin_selectors.movies_with_review_stats(movies=super().get_queryset(request))

    @admin.display(description="Reviews", ordering="review_count")
    def review_count(self, movie: Movie) -> int:
        return admin_selectors.movie_review_count(movie)

    # A movie without reviews sorts as the lowest, on PostgreSQL as on SQLite.
    @admin.display(description="Positive", ordering=F("share_positive").asc(nulls_first=True))
    def share_positive(self, movie: Movie) -> str:
        return percent(admin_selectors.movie_share_positive(movie))

    @admin.display(
        description="Average confidence",
        ordering=F("average_confidence").asc(nulls_first=True),
    )
    def average_confidence(self, movie: Movie) -> str:
        return percent(admin_selectors.movie_average_confidence(movie))

    @admin.display(
        description="Latest review",
        ordering=F("latest_review_at").asc(nulls_first=True),
        empty_value="–",
    )
    def latest_review_at(self, movie: Movie):
        return movie.latest_review_at

    @admin.display(description="")
    def reviews_link(self, movie: Movie) -> str:
        url = reverse("admin:reviews_review_changelist")
        return format_html('<a href="{}?movie__id__exact={}">Its reviews</a>', url, movie.pk)


# --- Predictions: the append-only history, read-only everywhere


@admin.register(Prediction)
class PredictionAdmin(ReadOnlyAdminMixin, LargeTableAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "review_link",
        "model_version",
        "sentiment_badge",
        "confidence",
        "probability_positive",
        "created_at",
    ]
    list_filter = ["model_version", "sentiment"]
    list_select_related = ["review__movie", "model_version"]
    # Newest rows first by primary key: the table has no index on created_at, and sorting
    # millions of rows by it on every page would be slow.
    ordering = ["-id"]
    fields = ["review", "model_version", "sentiment", "probability_positive", "created_at"]

    @admin.display(description="Review", ordering="review")
    def review_link(self, prediction: Prediction) -> str:
        url = reverse("admin:reviews_review_change", args=[prediction.review_id])
        return format_html(
            '<a href="{}">#{} ({})</a>', url, prediction.review_id, prediction.review.movie
        )

    @admin.display(description="Sentiment", ordering="sentiment")
    def sentiment_badge(self, prediction: Prediction) -> str:
        return sentiment_badge(prediction.sentiment)

    @admin.display(description="Confidence")
    def confidence(self, prediction: Prediction) -> str:
        return percent(prediction.confidence)


from reviews import admin_auth, admin_tokens  # noqa: E402, F401
