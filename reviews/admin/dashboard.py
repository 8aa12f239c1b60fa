"""The staff dashboard at /admin/dashboard/: the site's sentiment and the model's confidence
over a period, as charts (Chart.js, static/js/dashboard.js) and the same figures as tables.
Staff with "Can view review" only; the figures come from reviews/selectors/dashboard.py."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from reviews.models import Movie
from reviews.selectors.dashboard import DAY, WEEK, dashboard_figures

DEFAULT_DAYS = 30


class PeriodForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=366, required=False, label="Last days")
    bucket = forms.ChoiceField(
        choices=[(DAY, "by day"), (WEEK, "by week")], required=False, label="Buckets"
    )
    movie = forms.ModelChoiceField(
        queryset=Movie.objects.order_by("title"), required=False, empty_label="every movie"
    )


def chart_data(figures) -> dict:
    """What static/js/dashboard.js draws, passed with json_script."""
    labels = [bucket.start.isoformat() for bucket in figures.buckets]
    versions = list(dict.fromkeys(row.version for row in figures.by_version))  # oldest first
    share = {(row.start.isoformat(), row.version): row.share_positive for row in figures.by_version}
    return {
        "labels": labels,
        "reviews": [bucket.reviews for bucket in figures.buckets],
        "mean_confidence": [bucket.mean_confidence for bucket in figures.buckets],
        "low_margin_share": [bucket.low_margin_share for bucket in figures.buckets],
        "share_positive": {
            version: [share.get((label, version)) for label in labels] for version in versions
        },
    }


@require_http_methods(["GET", "HEAD"])
def dashboard(request):
    if not request.user.has_perm("reviews.view_review"):
        raise PermissionDenied
    form = PeriodForm(request.GET)
    # An invalid field falls back to its default; the fields that are valid still count.
    status = 200 if form.is_valid() else 400
    period = form.cleaned_data
    movie = period.get("movie")
    figures = dashboard_figures(
        days=period.get("days") or DEFAULT_DAYS,
        bucket=period.get("bucket") or DAY,
        movie_id=movie.pk if movie else None,
    )
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "form": form,
        "figures": figures,
        "movie": movie,
        "chart_data": chart_data(figures),
    }
    return render(request, "admin/dashboard.html", context, status=status)
