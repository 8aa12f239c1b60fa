"""Reviews: the list staff filter and sort, a review's read-only page (its prediction and
true label histories, its visitors' votes, why it flipped), re-score, set the true label,
and export."""

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from ml.classifier import ModelUnavailable
from reviews.admin.display import sentiment_badge
from reviews.admin.export import reviews_csv_lines
from reviews.admin.filters import (
    ConfidenceBandFilter,
    FlippedFilter,
    ModelVersionFilter,
    SentimentFilter,
    StaleFilter,
    TrueLabelDisagreesFilter,
    TrueLabelFilter,
    VisitorsDisagreeFilter,
)
from reviews.admin.mixins import CheckedSelectionAdminMixin, ReadOnlyAdminMixin
from reviews.admin.paging import LargeTableAdminMixin
from reviews.models import CONFIDENCE_ORDER, Feedback, Prediction, Review, Sentiment
from reviews.selectors.feedback import TRUE_LABELS, vote_counts
from reviews.selectors.reviews import review_explanation_each_way, review_flip
from reviews.services.feedback import feedback_set_true_label
from reviews.services.jobs import rescore_job_queue
from reviews.templatetags.review_format import percent

EXCERPT_LENGTH = 80


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


class TrueLabelInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Feedback
    fields = ["created_at", "label_badge", "source", "user"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    can_delete = False
    verbose_name = "true label"
    verbose_name_plural = "True label history (newest first: the first one counts)"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(TRUE_LABELS).select_related("user")

    @admin.display(description="Label")
    def label_badge(self, row: Feedback) -> str:
        return sentiment_badge(row.label)


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
        TrueLabelFilter,
        TrueLabelDisagreesFilter,
        VisitorsDisagreeFilter,
    ]
    list_select_related = ["movie", "model_version"]
    date_hierarchy = "created_at"
    search_fields = ["text", "movie__title"]
    search_help_text = "Words in the review text, or the movie title."
    # Sorting by movie or version would sort the whole table on every page.
    sortable_by = ["confidence", "created_at"]
    actions = ["rescore", "set_true_label_positive", "set_true_label_negative", "export_csv"]
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
        ("Feedback", {"fields": ["visitor_votes"]}),
    ]
    # Shown after "Words that decided it" when the two newest predictions disagree.
    flip_fieldset = ("Why it flipped", {"fields": ["flip_explanation"]})
    # Everything shown is read-only: nothing on a review is edited by hand.
    readonly_fields = [
        field for _, options in [*fieldsets, flip_fieldset] for field in options["fields"]
    ]
    inlines = [TrueLabelInline, PredictionInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.previous_sentiment or obj.previous_sentiment == obj.sentiment:
            return fieldsets
        at = [name for name, _ in fieldsets].index("Words that decided it") + 1
        return [*fieldsets[:at], self.flip_fieldset, *fieldsets[at:]]

    def has_rescore_permission(self, request) -> bool:
        return request.user.has_perm("reviews.change_review")

    def has_set_true_label_permission(self, request) -> bool:
        # Setting a true label adds a feedback row; the review itself is never changed.
        return request.user.has_perm("reviews.add_feedback")

    @admin.display(description="Review")
    def excerpt(self, review: Review) -> str:
        return Truncator(review.text).chars(EXCERPT_LENGTH)

    @admin.display(description="Sentiment", ordering="sentiment")
    def sentiment_badge(self, review: Review) -> str:
        return sentiment_badge(review.sentiment)

    @admin.display(description="Confidence", ordering=CONFIDENCE_ORDER)
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
        positive, negative = review_explanation_each_way(review=review)
        return render_to_string(
            "admin/reviews/review/explanation.html",
            {"positive": positive, "negative": negative, "review": review},
        )

    @admin.display(description="Words whose weight changed most")
    def flip_explanation(self, review: Review) -> str:
        flip = review_flip(review=review)
        if flip is None:
            return "Not flipped: its two newest predictions agree."
        return render_to_string(
            "admin/reviews/review/flip.html",
            {
                "flip": flip,
                "changes": [
                    (term, before, after, after - before) for term, before, after in flip.changes
                ],
            },
        )

    @admin.display(description="Visitors' votes")
    def visitor_votes(self, review: Review) -> str:
        counts = vote_counts(review=review)
        return format_html(
            "{} say positive, {} say negative",
            counts[Sentiment.POSITIVE],
            counts[Sentiment.NEGATIVE],
        )

    @admin.action(description="Set true label: positive", permissions=["set_true_label"])
    def set_true_label_positive(self, request, queryset):
        self.set_true_label(request, queryset, Sentiment.POSITIVE)

    @admin.action(description="Set true label: negative", permissions=["set_true_label"])
    def set_true_label_negative(self, request, queryset):
        self.set_true_label(request, queryset, Sentiment.NEGATIVE)

    def set_true_label(self, request, queryset, label: Sentiment) -> None:
        recorded = feedback_set_true_label(
            review_ids=queryset.select_related(None).order_by().values_list("pk", flat=True),
            label=label,
            user=request.user,
        )
        self.message_user(
            request,
            f"True label {label.label.lower()} recorded for {recorded} review(s), by you, now.",
            messages.SUCCESS,
        )

    @admin.action(description="Re-score with the active model", permissions=["rescore"])
    def rescore(self, request, queryset):
        try:
            # The list's joins are for display; scoring reads the review rows only.
            job = rescore_job_queue(
                reviews=queryset.select_related(None).order_by(), requested_by=request.user
            )
        except ModelUnavailable as error:
            self.message_user(request, f"Nothing re-scored: {error}", messages.ERROR)
            return
        self.message_user(
            request,
            format_html(
                '<a href="{}">{}</a> is queued: the workers re-score the selected reviews with '
                "model {} in the background (follow it on its page; you can close this one).",
                reverse("admin:reviews_job_change", args=[job.pk]),
                job,
                job.model_version,
            ),
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
