"""Movies: each with its review statistics (one query, sortable); titles can be edited."""

from django.contrib import admin
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html

from reviews.admin.mixins import CheckedSelectionAdminMixin
from reviews.models import Movie
from reviews.selectors.movies import MovieStats, movies_with_stats
from reviews.templatetags.review_format import percent


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
        return movies_with_stats(movies=super().get_queryset(request))

    @admin.display(description="Reviews", ordering="review_count")
    def review_count(self, movie: Movie) -> int:
        return MovieStats.of(movie).reviews

    # A movie without reviews sorts as the lowest, on PostgreSQL as on SQLite.
    @admin.display(description="Positive", ordering=F("share_positive").asc(nulls_first=True))
    def share_positive(self, movie: Movie) -> str:
        return percent(MovieStats.of(movie).share_positive)

    @admin.display(
        description="Average confidence",
        ordering=F("average_confidence").asc(nulls_first=True),
    )
    def average_confidence(self, movie: Movie) -> str:
        return percent(MovieStats.of(movie).average_confidence)

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
