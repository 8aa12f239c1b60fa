"""Paging a review list of any size."""

import datetime

from django.utils import timezone

from reviews.models import Review
from tests.reviews.admin.helpers import REVIEWS, exported_rows, stored_review


def reviews_a_day_apart(movie, version, count: int, **fields) -> None:
    start = timezone.now() - datetime.timedelta(days=count)
    for day in range(count):
        created_at = start + datetime.timedelta(days=day)
        stored_review(movie, version, text=f"day {day}", created_at=created_at, **fields)


def test_a_count_beyond_the_limit_reads_more_than_the_limit(
    admin_client, ozark, active_model, small_paging_limits
):
    reviews_a_day_apart(ozark, active_model, 8)

    content = admin_client.get(REVIEWS).content.decode()

    assert "More than 5 reviews" in content
    assert "Select all matching reviews (more than 5)" in content


def test_pages_of_a_large_list_follow_each_other_newest_first(
    admin_client, ozark, active_model, small_paging_limits, two_a_page
):
    reviews_a_day_apart(ozark, active_model, 8)

    first = admin_client.get(REVIEWS)
    second = admin_client.get(REVIEWS, {"p": 2})

    assert [review.text for review in first.context["cl"].result_list] == ["day 7", "day 6"]
    assert [review.text for review in second.context["cl"].result_list] == ["day 5", "day 4"]


def test_a_small_result_is_listed_whole_newest_first(
    admin_client, ozark, vincenzo, active_model, small_paging_limits
):
    reviews_a_day_apart(ozark, active_model, 3)
    reviews_a_day_apart(vincenzo, active_model, 6)

    response = admin_client.get(REVIEWS, {"movie__id__exact": ozark.pk})

    assert [review.text for review in response.context["cl"].result_list] == [
        "day 2",
        "day 1",
        "day 0",
    ]
    assert "3 reviews" in response.content.decode()


def test_a_small_result_over_two_pages_is_paged_newest_first(
    admin_client, ozark, vincenzo, active_model, small_paging_limits, two_a_page
):
    reviews_a_day_apart(ozark, active_model, 3)
    reviews_a_day_apart(vincenzo, active_model, 6)

    second = admin_client.get(REVIEWS, {"movie__id__exact": ozark.pk, "p": 2})

    assert [review.text for review in second.context["cl"].result_list] == ["day 0"]


def test_selecting_all_acts_on_every_matching_review_beyond_the_count_limit(
    admin_client, ozark, active_model, small_paging_limits
):
    reviews_a_day_apart(ozark, active_model, 8)

    response = admin_client.post(
        REVIEWS,
        {
            "action": "export_csv",
            "select_across": "1",
            "_selected_action": [Review.objects.first().pk],
        },
    )

    assert len(exported_rows(response)) == 1 + 8
