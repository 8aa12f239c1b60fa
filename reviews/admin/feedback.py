"""Feedback rows (votes and true labels) in the admin: read-only, like the rest of the
history; staff set true labels with the review list's actions."""

from django.contrib import admin

from reviews.admin.display import sentiment_badge
from reviews.admin.mixins import CheckedSelectionAdminMixin, ReadOnlyAdminMixin
from reviews.admin.paging import LargeTableAdminMixin
from reviews.models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(
    CheckedSelectionAdminMixin, ReadOnlyAdminMixin, LargeTableAdminMixin, admin.ModelAdmin
):
    list_display = ["created_at", "review", "label_badge", "source", "user"]
    list_filter = ["source", "label"]
    list_select_related = ["review__movie", "user"]
    raw_id_fields = ["review", "user"]
    sortable_by = ["created_at"]
    fields = ["review", "label", "source", "user", "visitor_key", "created_at"]
    readonly_fields = fields

    @admin.display(description="Label", ordering="label")
    def label_badge(self, row: Feedback) -> str:
        return sentiment_badge(row.label)
