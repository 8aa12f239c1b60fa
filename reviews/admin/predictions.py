"""Predictions: the append-only history, read-only everywhere."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from reviews.admin.display import sentiment_badge
from reviews.admin.mixins import ReadOnlyAdminMixin
from reviews.admin.paging import LargeTableAdminMixin
from reviews.models import Prediction
from reviews.templatetags.review_format import percent


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
