"""The review list's filters and search, and their queries on a large table."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from reviews.models import Review
from reviews.selectors import review_filters
from tests.reviews.admin.helpers import (
    CONFIDENCE_COLUMN,
    MAX_REVIEW_LIST_QUERIES,
    REVIEWS,
    listed_texts,
    stored_review,
)


def test_sentiment_filter_lists_only_that_sentiment(admin_client, ozark, active_model):
    stored_review(ozark, active_model, text="liked", probability=0.8)
    stored_review(ozark, active_model, text="disliked", probability=0.2)

    response = admin_client.get(REVIEWS, {"sentiment__exact": "negative"})

    assert listed_texts(response) == {"disliked"}


def test_movie_filter_lists_only_that_movies_reviews(admin_client, ozark, vincenzo, active_model):
    stored_review(ozark, active_model, text="about ozark")
    stored_review(vincenzo, active_model, text="about vincenzo")

    response = admin_client.get(REVIEWS, {"movie__id__exact": ozark.pk})

    assert listed_texts(response) == {"about ozark"}


def test_model_version_filter_lists_only_that_versions_reviews(
    admin_client, ozark, active_model, old_model
):
    stored_review(ozark, active_model, text="by the active model")
    stored_review(ozark, old_model, text="by the old model")

    response = admin_client.get(REVIEWS, {"model_version__id__exact": old_model.pk})

    assert listed_texts(response) == {"by the old model"}


def test_created_filter_past_seven_days_leaves_out_older_reviews(admin_client, ozark, active_model):
    now = timezone.now()
    stored_review(ozark, active_model, text="this week", created_at=now)
    stored_review(ozark, active_model, text="last month", created_at=now - datetime.timedelta(30))
    # The parameters of the filter's "Past 7 days" link.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    past_seven_days = {
        "created_at__gte": str(today - datetime.timedelta(days=7)),
        "created_at__lt": str(today + datetime.timedelta(days=1)),
    }

    response = admin_client.get(REVIEWS, past_seven_days)

    assert listed_texts(response) == {"this week"}


def test_date_hierarchy_month_lists_only_that_months_reviews(admin_client, ozark, active_model):
    march = datetime.datetime(2025, 3, 14, 12, tzinfo=datetime.UTC)
    stored_review(ozark, active_model, text="march", created_at=march)
    stored_review(ozark, active_model, text="april", created_at=march.replace(month=4))

    response = admin_client.get(REVIEWS, {"created_at__year": 2025, "created_at__month": 3})

    assert listed_texts(response) == {"march"}


def test_date_hierarchy_offers_each_year_from_the_first_review_to_the_latest(
    admin_client, ozark, active_model
):
    stored_review(
        ozark, active_model, created_at=datetime.datetime(2023, 5, 1, tzinfo=datetime.UTC)
    )
    stored_review(
        ozark, active_model, created_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC)
    )

    content = admin_client.get(REVIEWS).content.decode()

    for year in (2023, 2024, 2025):
        assert f'href="?created_at__year={year}"' in content


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ("low", {"p=0.41", "p=0.59"}),
        ("medium", {"p=0.20", "p=0.40", "p=0.60", "p=0.80"}),
        ("high", {"p=0.19", "p=0.81"}),
    ],
)
def test_confidence_band_filter_lists_reviews_whose_confidence_is_in_the_band(
    admin_client, ozark, active_model, band, expected
):
    for probability in (0.19, 0.20, 0.40, 0.41, 0.59, 0.60, 0.80, 0.81):
        stored_review(ozark, active_model, text=f"p={probability:.2f}", probability=probability)

    response = admin_client.get(REVIEWS, {"confidence": band})

    assert listed_texts(response) == expected


def test_stale_filter_lists_reviews_scored_by_a_version_other_than_the_active_one(
    admin_client, ozark, active_model, old_model
):
    stored_review(ozark, active_model, text="current")
    stored_review(ozark, old_model, text="stale")

    assert listed_texts(admin_client.get(REVIEWS, {"stale": "yes"})) == {"stale"}
    assert listed_texts(admin_client.get(REVIEWS, {"stale": "no"})) == {"current"}


def test_flipped_filter_lists_reviews_whose_sentiment_changed_at_the_latest_rescoring(
    admin_client, ozark, active_model
):
    stored_review(ozark, active_model, text="now positive", probability=0.9, previous="negative")
    stored_review(ozark, active_model, text="now negative", probability=0.1, previous="positive")
    stored_review(ozark, active_model, text="unchanged", probability=0.9, previous="positive")
    stored_review(ozark, active_model, text="scored once", probability=0.1)

    flipped = listed_texts(admin_client.get(REVIEWS, {"flipped": "yes"}))
    not_flipped = listed_texts(admin_client.get(REVIEWS, {"flipped": "no"}))

    assert flipped == {"now positive", "now negative"}
    assert not_flipped == {"unchanged", "scored once"}


@pytest.mark.parametrize(
    "bad_filter",
    [
        {"confidence": "enormous"},
        {"sentiment__exact": "meh"},
        {"model_version__id__exact": "x"},
        {"model_version__id__exact": str(2**63)},
        {"created_at__year": "99999999999"},
        {"created_at__year": "9999"},
    ],
    ids=[
        "confidence",
        "sentiment",
        "model-version",
        "model-version-past-64-bits",
        "year-past-c-int",
        "year-9999",
    ],
)
def test_an_unknown_filter_value_sends_back_to_the_unfiltered_list(
    admin_client, active_model, bad_filter
):
    response = admin_client.get(REVIEWS, bad_filter)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_search_finds_words_in_the_review_text(admin_client, ozark, active_model):
    stored_review(ozark, active_model, text="The casino scenes are superb")
    stored_review(ozark, active_model, text="Too slow for me")

    response = admin_client.get(REVIEWS, {"q": "casino"})

    assert listed_texts(response) == {"The casino scenes are superb"}


def test_search_finds_reviews_by_movie_title(admin_client, ozark, vincenzo, active_model):
    stored_review(ozark, active_model, text="first")
    stored_review(vincenzo, active_model, text="second")

    response = admin_client.get(REVIEWS, {"q": "vincen"})

    assert listed_texts(response) == {"second"}


def test_review_list_queries_stay_the_same_whatever_the_number_of_rows(
    admin_client,
    ozark,
    vincenzo,
    active_model,
    old_model,
    small_paging_limits,
    django_assert_max_num_queries,
):
    stored_review(ozark, active_model, previous="negative")
    with django_assert_max_num_queries(MAX_REVIEW_LIST_QUERIES):
        assert admin_client.get(REVIEWS).status_code == 200

    for number in range(60):
        version = old_model if number % 3 else active_model
        stored_review(vincenzo if number % 2 else ozark, version, probability=number / 60)
    with django_assert_max_num_queries(MAX_REVIEW_LIST_QUERIES):
        assert admin_client.get(REVIEWS).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"sentiment__exact": "positive"},
        {"movie__id__exact": "1"},
        {"model_version__id__exact": "1"},
        {"created_at__year": "2025"},
        {"confidence": "medium"},
        {"stale": "yes"},
        {"flipped": "yes"},
        {"true_label": "yes"},
        {"true_label_disagrees": "yes"},
        {"visitors_disagree": "yes"},
        {"q": "review"},
        {"o": f"-{CONFIDENCE_COLUMN}"},
    ],
)
def test_each_filter_renders_in_a_fixed_number_of_queries(
    admin_client,
    ozark,
    active_model,
    old_model,
    small_paging_limits,
    django_assert_max_num_queries,
    query,
):
    for number in range(40):
        version = old_model if number % 2 else active_model
        stored_review(ozark, version, probability=number / 40, previous="negative")

    with django_assert_max_num_queries(MAX_REVIEW_LIST_QUERIES):
        assert admin_client.get(REVIEWS, query).status_code == 200


@pytest.mark.parametrize(
    "narrow",
    [
        lambda reviews: review_filters.reviews_with_sentiment(
            reviews=reviews, sentiment="negative"
        ),
        lambda reviews: review_filters.reviews_scored_by(reviews=reviews, model_version_id=1),
        lambda reviews: review_filters.reviews_in_confidence_band(reviews=reviews, band="medium"),
        lambda reviews: review_filters.reviews_flipped(reviews=reviews),
    ],
    ids=["sentiment", "model version", "confidence band", "flipped"],
)
def test_on_sqlite_a_filtered_page_walks_the_date_index_instead_of_sorting_every_match(db, narrow):
    if connection.vendor != "sqlite":
        pytest.skip("a hint to SQLite's query planner")
    newest_first = Review.objects.select_related("movie", "model_version").order_by(
        "-created_at", "-id"
    )

    plan = narrow(newest_first)[:100].explain()

    assert "reviews_review_created_at" in plan
    assert "TEMP B-TREE" not in plan
