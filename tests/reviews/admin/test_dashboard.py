"""The staff dashboard: reviews, share positive per model version, confidence and the
low-margin share over a period, on a history whose figures are known by hand."""

import datetime
import json

import pytest
from django.urls import reverse

from ml.models import ModelVersion
from reviews.models import Movie
from reviews.selectors.dashboard import WEEK, dashboard_figures
from tests.reviews.admin.helpers import staff_user, stored_review

DASHBOARD = reverse("admin-dashboard")
TODAY = datetime.date(2026, 12, 3)  # a Thursday


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def days_ago(count: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=count)


@pytest.fixture
def history(ozark, active_model):
    """Today: p 0.9, 0.55 and 0.2 (2 positive; confidences 0.9, 0.55, 0.8; one low-margin).
    Yesterday: nothing. Two days ago: p 0.3 by an older model. 40 days ago: outside 30 days."""
    older = ModelVersion.objects.create(version="older", storage_key="older", sha256="x")
    for probability in (0.9, 0.55, 0.2):
        stored_review(ozark, active_model, probability=probability, created_at=at(TODAY))
    stored_review(ozark, older, probability=0.3, created_at=at(days_ago(2)))
    stored_review(ozark, active_model, probability=0.9, created_at=at(days_ago(40)))
    return older


def test_each_day_of_the_period_is_a_bucket_an_empty_one_with_no_reviews(history):
    figures = dashboard_figures(days=30, bucket="day", today=TODAY)

    assert len(figures.buckets) == 30
    assert figures.buckets[0].start == days_ago(29) and figures.buckets[-1].start == TODAY
    yesterday = figures.buckets[-2]
    assert (yesterday.reviews, yesterday.share_positive, yesterday.mean_confidence) == (
        0,
        None,
        None,
    )


def test_reviews_share_positive_confidence_and_low_margin_of_a_day(history):
    today = dashboard_figures(days=30, bucket="day", today=TODAY).buckets[-1]

    assert (today.reviews, today.positive, today.low_margin) == (3, 2, 1)
    assert today.share_positive == pytest.approx(2 / 3)
    assert today.mean_confidence == pytest.approx((0.9 + 0.55 + 0.8) / 3)
    assert today.low_margin_share == pytest.approx(1 / 3)


def test_a_review_outside_the_period_is_not_counted(history):
    assert dashboard_figures(days=30, bucket="day", today=TODAY).reviews == 4


def test_the_share_positive_is_given_per_model_version(history, active_model):
    figures = dashboard_figures(days=30, bucket="day", today=TODAY)

    rows = {(row.start, row.version): (row.reviews, row.positive) for row in figures.by_version}
    assert rows == {(days_ago(2), "older"): (1, 0), (TODAY, active_model.version): (3, 2)}


def test_weeks_start_on_monday_and_hold_their_days(history):
    figures = dashboard_figures(days=30, bucket=WEEK, today=TODAY)

    this_week = figures.buckets[-1]
    assert this_week.start == datetime.date(2026, 11, 30)  # Monday
    assert this_week.reviews == 4  # today's three and Tuesday's one


def test_by_week_the_period_starts_on_a_monday_so_the_first_week_is_whole(ozark, active_model):
    monday = datetime.date(2026, 11, 2)  # 30 days to TODAY start on Wednesday 4 November
    stored_review(ozark, active_model, created_at=at(monday))

    first = dashboard_figures(days=30, bucket=WEEK, today=TODAY).buckets[0]

    assert (first.start, first.reviews) == (monday, 1)


def test_days_are_utc_days_whatever_the_time_zone(ozark, active_model, settings):
    settings.TIME_ZONE = "America/New_York"
    stored_review(ozark, active_model, created_at=at(TODAY, hour=0))  # 19:00 the day before there

    today = dashboard_figures(days=30, bucket="day", today=TODAY).buckets[-1]

    assert today.reviews == 1


def test_one_movie_only(history, ozark):
    other = Movie.objects.create(title="Heat")

    assert dashboard_figures(days=30, bucket="day", movie_id=other.pk, today=TODAY).reviews == 0
    assert dashboard_figures(days=30, bucket="day", movie_id=ozark.pk, today=TODAY).reviews == 4


def test_an_empty_period_has_buckets_and_no_reviews(db):
    figures = dashboard_figures(days=7, bucket="day", today=TODAY)

    assert [bucket.reviews for bucket in figures.buckets] == [0] * 7
    assert figures.by_version == []


def test_the_page_shows_the_figures_in_a_table_and_passes_them_to_the_charts(
    client, ozark, active_model
):
    stored_review(ozark, active_model, probability=0.9)
    client.force_login(staff_user("reviews.view_review"))

    response = client.get(DASHBOARD)

    page = response.content.decode()
    assert response.status_code == 200
    data = json.loads(page.split('id="dashboard-data" type="application/json">')[1].split("<")[0])
    assert data["reviews"][-1] == 1 and data["share_positive"][active_model.version][-1] == 1.0
    assert "<td>1</td>" in page and "0.900" in page
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in page


def test_the_page_has_no_inline_style_which_the_csp_would_block(admin_client):
    page = admin_client.get(DASHBOARD).content.decode()

    assert "<style" not in page and ' style="' not in page
    assert 'href="/static/css/admin.css"' in page


def test_the_page_runs_no_inline_script(admin_client):
    page = admin_client.get(DASHBOARD).content.decode()

    scripts = page.split("<script")[1:]
    assert scripts and all(
        " src=" in script.split(">")[0] or 'type="application/json"' in script.split(">")[0]
        for script in scripts
    )


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(DASHBOARD)

    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_staff_without_the_view_review_permission_are_refused(client, db):
    client.force_login(staff_user())

    assert client.get(DASHBOARD).status_code == 403


def test_a_period_it_cannot_show_is_a_400_that_says_so(admin_client):
    response = admin_client.get(DASHBOARD, {"days": "0", "bucket": "year"})

    assert response.status_code == 400
    assert "Not a period the dashboard can show" in response.content.decode()


def test_a_field_it_cannot_read_falls_back_and_the_others_still_count(admin_client):
    response = admin_client.get(DASHBOARD, {"days": "7", "movie": "999999"})

    assert response.status_code == 400
    assert len(response.context["figures"].buckets) == 7


def test_the_admin_index_links_to_the_dashboard(admin_client):
    assert DASHBOARD in admin_client.get(reverse("admin:index")).content.decode()
