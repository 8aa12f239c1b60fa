"""The admin: staff browse the prediction history, filter it, re-score and export it."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.contrib.messages.constants import ERROR, SUCCESS
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ml.models import ModelVersion
from ml.services import model_activate
from reviews.admin import paging as admin_paging
from reviews.admin.reviews import ReviewAdmin
from reviews.models import Movie, Prediction, Review
from reviews.selectors import review_filters
from reviews.selectors.movies import MovieStats
from reviews.services.scoring import review_create
from reviews.templatetags.review_format import percent
from tests.conftest import register

REVIEWS = reverse("admin:reviews_review_changelist")
MOVIES = reverse("admin:reviews_movie_changelist")
PREDICTIONS = reverse("admin:reviews_prediction_changelist")
VERSIONS = reverse("admin:ml_modelversion_changelist")
# Column numbers for ?o= (column 0 holds the action checkboxes).
CONFIDENCE_COLUMN = 4
CREATED_COLUMN = 6

# Queries for one page, whatever its size. The review list: session, user, the movies and the
# versions to filter by, the ids of a small result or a count, the page, the first and latest
# dates.
MAX_REVIEW_LIST_QUERIES = 9
MAX_MOVIE_LIST_QUERIES = 4
MAX_PREDICTION_LIST_QUERIES = 6
MAX_VERSION_LIST_QUERIES = 5
MAX_REVIEW_DETAIL_QUERIES = 8


@pytest.fixture
def vincenzo(db) -> Movie:
    return Movie.objects.get(title="Vincenzo")


@pytest.fixture
def old_model(trained_artifact, active_model) -> ModelVersion:
    return register(trained_artifact, version="old-model", active=False)


def stored_review(
    movie: Movie,
    version: ModelVersion,
    *,
    text: str = "A stored review.",
    probability: float = 0.9,
    previous: str = "",
    created_at: datetime.datetime | None = None,
) -> Review:
    """A review with exactly the prediction a test needs, stored with its history row."""
    review = Review(
        movie=movie,
        text=text,
        sentiment="positive" if probability >= 0.5 else "negative",
        probability_positive=probability,
        model_version=version,
        previous_sentiment=previous,
        created_at=created_at or timezone.now(),
    )
    Review.objects.bulk_create([review])
    Prediction.objects.bulk_create(
        [
            Prediction(
                review=review,
                model_version=version,
                sentiment=review.sentiment,
                probability_positive=probability,
            )
        ]
    )
    return review


@pytest.fixture
def small_paging_limits(monkeypatch):
    """Counts stop after 5 rows; results of up to 3 rows are fetched by id."""
    monkeypatch.setattr(admin_paging, "COUNT_LIMIT", 5)
    monkeypatch.setattr(admin_paging, "FEW_ROWS", 3)


@pytest.fixture
def two_a_page(monkeypatch):
    monkeypatch.setattr(ReviewAdmin, "list_per_page", 2)


@pytest.fixture
def refresh_at_once(settings):
    settings.MODEL_REFRESH_SECONDS = 0


def staff_user(*permissions: str) -> User:
    user = User.objects.create_user("analyst", password="unused-password", is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def listed_texts(response) -> set[str]:
    assert response.status_code == 200
    return {review.text for review in response.context["cl"].result_list}


def action(client, url: str, name: str, objects, **extra):
    return client.post(
        url,
        {"action": name, "_selected_action": [obj.pk for obj in objects], **extra},
        follow=True,
    )


def messages_of(response) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in get_messages(response.wsgi_request)]


# --- Access


def test_anonymous_request_goes_to_the_login_page(client, db):
    response = client.get(REVIEWS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_user_who_is_not_staff_goes_to_the_login_page(client, db):
    user = User.objects.create_user("reader", password="unused-password")
    client.force_login(user)

    response = client.get(REVIEWS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_view_permission_cannot_see_reviews(client, db):
    client.force_login(staff_user())

    assert client.get(REVIEWS).status_code == 403


# --- Review list


def test_review_list_shows_movie_excerpt_sentiment_confidence_version_and_date(
    admin_client, ozark, active_model
):
    stored_review(ozark, active_model, text="Gripping from start to end. " * 10, probability=0.93)

    content = admin_client.get(REVIEWS).content.decode()

    assert "Ozark" in content
    assert "Gripping from start to end. Gripping" in content
    assert ("Gripping from start to end. " * 10).strip() not in content
    assert "+ Positive" in content
    assert "93%" in content
    assert "test-model" in content


def test_sentiment_badges_carry_a_sign_and_a_word_not_only_a_colour(
    admin_client, ozark, active_model
):
    stored_review(ozark, active_model, probability=0.9)
    stored_review(ozark, active_model, probability=0.1)

    content = admin_client.get(REVIEWS).content.decode()

    assert '<span class="sentiment-badge sentiment-positive">+ Positive</span>' in content
    assert '<span class="sentiment-badge sentiment-negative">− Negative</span>' in content


def test_review_text_is_escaped_in_the_list(admin_client, ozark, active_model):
    stored_review(ozark, active_model, text="<script>alert('x')</script> nice")

    content = admin_client.get(REVIEWS).content.decode()

    assert "<script>alert(" not in content
    assert "&lt;script&gt;alert(" in content


def test_sorting_by_confidence_puts_the_surest_first(admin_client, ozark, active_model):
    stored_review(ozark, active_model, text="unsure", probability=0.55)
    stored_review(ozark, active_model, text="sure negative", probability=0.02)
    stored_review(ozark, active_model, text="fairly sure", probability=0.75)

    response = admin_client.get(REVIEWS, {"o": f"-{CONFIDENCE_COLUMN}"})

    texts = [review.text for review in response.context["cl"].result_list]
    assert texts == ["sure negative", "fairly sure", "unsure"]


def test_sorting_by_date_puts_the_oldest_first(admin_client, ozark, active_model):
    now = timezone.now()
    stored_review(ozark, active_model, text="new", created_at=now)
    stored_review(ozark, active_model, text="old", created_at=now - datetime.timedelta(days=9))

    response = admin_client.get(REVIEWS, {"o": str(CREATED_COLUMN)})

    assert [review.text for review in response.context["cl"].result_list] == ["old", "new"]


# --- Review filters and search


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


# --- Paging a large list


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


# --- Review detail


def test_review_detail_shows_the_review_its_prediction_and_the_words_each_way(
    admin_client, ozark, active_model
):
    review = review_create(movie_id=ozark.pk, text="A superb, moving film with an awful ending.")

    content = admin_client.get(reverse("admin:reviews_review_change", args=[review.pk])).content
    content = content.decode()

    assert "A superb, moving film with an awful ending." in content
    assert percent(review.confidence) in content
    assert "test-model" in content
    assert "Pushed towards positive" in content and "Pushed towards negative" in content
    assert "superb" in content and "awful" in content


def test_review_detail_is_read_only(admin_client, ozark, active_model):
    review = review_create(movie_id=ozark.pk, text="Fine.")
    url = reverse("admin:reviews_review_change", args=[review.pk])

    content = admin_client.get(url).content.decode()
    admin_client.post(url, {"text": "Rewritten by hand", "movie": ozark.pk})

    assert 'name="text"' not in content
    assert 'name="_save"' not in content
    assert Review.objects.get().text == "Fine."


def test_review_detail_lists_the_prediction_history_newest_first(
    admin_client, ozark, active_model, old_model
):
    review = stored_review(ozark, old_model, probability=0.3)
    Prediction.objects.create(
        review=review, model_version=active_model, sentiment="positive", probability_positive=0.7
    )

    content = admin_client.get(reverse("admin:reviews_review_change", args=[review.pk]))
    content = content.content.decode()

    history = content[content.index("Prediction history") :]
    assert history.index("test-model") < history.index("old-model")


def test_review_detail_escapes_the_review_text(admin_client, ozark, active_model):
    review = stored_review(ozark, active_model, text="<img src=x onerror=alert(1)>")

    content = admin_client.get(reverse("admin:reviews_review_change", args=[review.pk])).content

    assert b"<img src=x" not in content
    assert b"&lt;img src=x onerror=alert(1)&gt;" in content


def test_review_detail_renders_in_a_fixed_number_of_queries(
    admin_client, ozark, trained_artifact, old_model, django_assert_max_num_queries
):
    review = stored_review(ozark, old_model, probability=0.3)
    for version in ("v3", "v4", "v5"):
        model_version = register(trained_artifact, version=version, active=False)
        Prediction.objects.create(
            review=review, model_version=model_version, sentiment="negative", probability_positive=0
        )
    url = reverse("admin:reviews_review_change", args=[review.pk])
    admin_client.get(url)  # loads the model once per process

    with django_assert_max_num_queries(MAX_REVIEW_DETAIL_QUERIES):
        assert admin_client.get(url).status_code == 200


def test_reviews_cannot_be_added_or_deleted_through_the_admin(admin_client, ozark, active_model):
    review = stored_review(ozark, active_model)

    assert admin_client.get(reverse("admin:reviews_review_add")).status_code == 403
    delete = reverse("admin:reviews_review_delete", args=[review.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Review.objects.filter(pk=review.pk).exists()


# --- Review actions


def test_rescore_action_brings_the_selected_reviews_to_the_active_model(
    admin_client, ozark, active_model, refresh_at_once
):
    first = review_create(movie_id=ozark.pk, text="Brilliant and moving.")
    second = review_create(movie_id=ozark.pk, text="Dull and far too long.")
    untouched = review_create(movie_id=ozark.pk, text="Not selected.")
    register_and_activate_new_model()

    response = action(admin_client, REVIEWS, "rescore", [first, second])

    assert response.status_code == 200
    assert set(Review.objects.filter(model_version__version="new-model")) == {first, second}
    assert Review.objects.get(pk=untouched.pk).model_version == active_model
    assert Prediction.objects.filter(model_version__version="new-model").count() == 2
    [(level, message)] = messages_of(response)
    assert level == SUCCESS
    assert message.startswith("Re-scored 2 review(s) with model new-model")


NOT_ROW_IDS = ["abc", str(2**63), "\u00b2", "-1"]


@pytest.mark.parametrize("sent", NOT_ROW_IDS)
def test_an_action_sent_with_ids_of_no_row_answers_with_a_message_and_changes_nothing(
    admin_client, ozark, active_model, refresh_at_once, sent
):
    review_create(movie_id=ozark.pk, text="Fine.")
    register_and_activate_new_model()

    response = admin_client.post(
        REVIEWS, {"action": "rescore", "_selected_action": [sent]}, follow=True
    )

    assert response.status_code == 200
    [(level, message)] = messages_of(response)
    assert level == ERROR
    assert "not rows of this list" in message
    assert not Prediction.objects.filter(model_version__version="new-model").exists()


@pytest.mark.parametrize("sent", NOT_ROW_IDS)
def test_an_export_sent_with_ids_of_no_row_answers_with_a_message_not_a_file(
    admin_client, ozark, active_model, sent
):
    response = admin_client.post(
        REVIEWS, {"action": "export_csv", "_selected_action": [sent]}, follow=True
    )

    assert response["Content-Type"].startswith("text/html")
    [(level, _)] = messages_of(response)
    assert level == ERROR


@pytest.mark.parametrize(
    "changelist", ["admin:auth_user_changelist", "admin:auth_group_changelist"]
)
def test_djangos_own_admins_answer_ids_of_no_row_with_a_message_too(admin_client, changelist):
    response = admin_client.post(
        reverse(changelist), {"action": "delete_selected", "_selected_action": ["abc"]}, follow=True
    )

    assert response.status_code == 200
    [(level, message)] = messages_of(response)
    assert level == ERROR
    assert "not rows of this list" in message


def register_and_activate_new_model():
    model_version = ModelVersion.objects.get(is_active=True)
    ModelVersion.objects.create(
        version="new-model",
        artifact_path=model_version.artifact_path,
        sha256=model_version.sha256,
    )
    model_activate(version="new-model")


def test_rescore_action_without_an_active_model_reports_the_error(
    admin_client, ozark, active_model, refresh_at_once
):
    review = review_create(movie_id=ozark.pk, text="Fine.")
    ModelVersion.objects.update(is_active=False)

    response = action(admin_client, REVIEWS, "rescore", [review])

    [(level, message)] = messages_of(response)
    assert level == ERROR
    assert "no active model" in message


def test_rescore_action_needs_the_change_permission(client, ozark, active_model, refresh_at_once):
    review = review_create(movie_id=ozark.pk, text="Fine.")
    register_and_activate_new_model()
    client.force_login(staff_user("reviews.view_review"))

    listing = client.get(REVIEWS).content.decode()
    action(client, REVIEWS, "rescore", [review])

    assert 'value="rescore"' not in listing
    assert Review.objects.get().model_version == active_model


def test_rescore_action_is_offered_to_staff_with_the_change_permission(
    client, ozark, active_model, refresh_at_once
):
    review = review_create(movie_id=ozark.pk, text="Fine.")
    register_and_activate_new_model()
    client.force_login(staff_user("reviews.view_review", "reviews.change_review"))

    action(client, REVIEWS, "rescore", [review])

    assert Review.objects.get().model_version.version == "new-model"


def exported_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_export_action_writes_the_selected_reviews_as_csv(admin_client, ozark, active_model):
    created = datetime.datetime(2025, 3, 14, 9, 26, 53, tzinfo=datetime.UTC)
    review = stored_review(ozark, active_model, text='Said "wow",\nthen left.', created_at=created)
    stored_review(ozark, active_model, text="Not selected")

    response = admin_client.post(REVIEWS, {"action": "export_csv", "_selected_action": [review.pk]})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="reviews-')
    assert exported_rows(response) == [
        ["movie", "text", "sentiment", "probability_positive", "model_version", "created_at_utc"],
        [
            "Ozark",
            'Said "wow",\nthen left.',
            "positive",
            "0.900000",
            "test-model",
            "2025-03-14 09:26:53",
        ],
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_neutralises_cells_a_spreadsheet_would_run_as_a_formula(
    admin_client, ozark, active_model, start
):
    review = stored_review(ozark, active_model, text=f'{start}HYPERLINK("http://x.example","hi")')

    response = admin_client.post(REVIEWS, {"action": "export_csv", "_selected_action": [review.pk]})

    text = exported_rows(response)[1][1]
    assert text == f'\'{start}HYPERLINK("http://x.example","hi")'


def test_export_neutralises_a_movie_title_that_starts_like_a_formula(admin_client, active_model):
    movie = Movie.objects.create(title="=1+1")
    review = stored_review(movie, active_model)

    response = admin_client.post(REVIEWS, {"action": "export_csv", "_selected_action": [review.pk]})

    assert exported_rows(response)[1][0] == "'=1+1"


def test_export_is_allowed_with_the_view_permission(client, ozark, active_model):
    review = stored_review(ozark, active_model, text="Viewed")
    client.force_login(staff_user("reviews.view_review"))

    response = client.post(REVIEWS, {"action": "export_csv", "_selected_action": [review.pk]})

    assert exported_rows(response)[1][1] == "Viewed"


# --- Movies


def test_movie_list_shows_review_count_share_positive_average_confidence_and_latest(
    admin_client, ozark, active_model
):
    latest = datetime.datetime(2025, 6, 1, 18, 30, tzinfo=datetime.UTC)
    stored_review(ozark, active_model, probability=0.9, created_at=latest)
    stored_review(ozark, active_model, probability=0.7, created_at=latest.replace(month=5))
    stored_review(ozark, active_model, probability=0.2, created_at=latest.replace(month=4))

    response = admin_client.get(MOVIES, {"q": "Ozark"})

    [movie] = response.context["cl"].result_list
    content = response.content.decode()
    stats = MovieStats.of(movie)
    assert stats.reviews == 3
    assert stats.share_positive == pytest.approx(2 / 3)
    assert stats.average_confidence == pytest.approx((0.9 + 0.7 + 0.8) / 3)
    assert movie.latest_review_at == latest
    assert "67%" in content and "80%" in content
    assert f'href="{REVIEWS}?movie__id__exact={ozark.pk}"' in content


def test_movie_list_sorts_by_number_of_reviews(admin_client, ozark, vincenzo, active_model):
    stored_review(vincenzo, active_model)
    stored_review(vincenzo, active_model)
    stored_review(ozark, active_model)

    response = admin_client.get(MOVIES, {"o": "-2"})

    titles = [movie.title for movie in response.context["cl"].result_list]
    assert titles[:2] == ["Vincenzo", "Ozark"]


def test_movie_list_sorts_by_share_positive(admin_client, ozark, vincenzo, active_model):
    stored_review(ozark, active_model, probability=0.9)
    stored_review(ozark, active_model, probability=0.1)
    stored_review(vincenzo, active_model, probability=0.9)

    response = admin_client.get(MOVIES, {"o": "-3"})

    titles = [movie.title for movie in response.context["cl"].result_list]
    assert titles[:2] == ["Vincenzo", "Ozark"]


def test_movie_list_sorts_by_average_confidence(admin_client, ozark, vincenzo, active_model):
    stored_review(ozark, active_model, probability=0.55)
    stored_review(ozark, active_model, probability=0.02)
    stored_review(vincenzo, active_model, probability=0.95)
    stored_review(vincenzo, active_model, probability=0.15)

    response = admin_client.get(MOVIES, {"o": "-4"})

    titles = [movie.title for movie in response.context["cl"].result_list]
    assert titles[:2] == ["Vincenzo", "Ozark"]  # 90% against 71.5%


def test_movie_list_renders_in_a_fixed_number_of_queries(
    admin_client, ozark, vincenzo, active_model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_MOVIE_LIST_QUERIES):
        assert admin_client.get(MOVIES).status_code == 200

    for number in range(30):
        Movie.objects.create(title=f"Movie {number}")
        stored_review(ozark if number % 2 else vincenzo, active_model)
    with django_assert_max_num_queries(MAX_MOVIE_LIST_QUERIES):
        assert admin_client.get(MOVIES).status_code == 200


# --- Predictions


def test_prediction_list_links_each_prediction_to_its_review(admin_client, ozark, active_model):
    review = stored_review(ozark, active_model)

    content = admin_client.get(PREDICTIONS).content.decode()

    assert f'href="{reverse("admin:reviews_review_change", args=[review.pk])}"' in content


def test_prediction_list_filters_by_version_and_sentiment(
    admin_client, ozark, active_model, old_model
):
    stored_review(ozark, active_model, probability=0.9)
    stored_review(ozark, active_model, probability=0.1)
    stored_review(ozark, old_model, probability=0.1)

    response = admin_client.get(
        PREDICTIONS, {"model_version__id__exact": active_model.pk, "sentiment__exact": "negative"}
    )

    [prediction] = response.context["cl"].result_list
    assert (prediction.model_version, prediction.sentiment) == (active_model, "negative")


def test_predictions_cannot_be_added_changed_or_deleted_through_the_admin(
    admin_client, ozark, active_model
):
    prediction = stored_review(ozark, active_model, probability=0.9).predictions.get()
    change = reverse("admin:reviews_prediction_change", args=[prediction.pk])
    delete = reverse("admin:reviews_prediction_delete", args=[prediction.pk])

    added = admin_client.post(reverse("admin:reviews_prediction_add"), {"sentiment": "negative"})
    changed = admin_client.post(change, {"sentiment": "negative", "probability_positive": 0})
    deleted = admin_client.post(delete, {"post": "yes"})
    bulk_deleted = action(admin_client, PREDICTIONS, "delete_selected", [prediction], post="yes")

    assert added.status_code == 403
    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert b"Are you sure?" not in bulk_deleted.content
    assert b'value="delete_selected"' not in bulk_deleted.content
    prediction.refresh_from_db()
    assert (prediction.sentiment, prediction.probability_positive) == ("positive", 0.9)


def test_prediction_detail_is_read_only(admin_client, ozark, active_model):
    prediction = stored_review(ozark, active_model).predictions.get()

    content = admin_client.get(reverse("admin:reviews_prediction_change", args=[prediction.pk]))

    assert content.status_code == 200
    assert b'name="_save"' not in content.content
    assert b'name="sentiment"' not in content.content


def test_prediction_list_renders_in_a_fixed_number_of_queries(
    admin_client, ozark, vincenzo, active_model, old_model, django_assert_max_num_queries
):
    stored_review(ozark, active_model)
    with django_assert_max_num_queries(MAX_PREDICTION_LIST_QUERIES):
        assert admin_client.get(PREDICTIONS).status_code == 200

    for number in range(40):
        stored_review(vincenzo if number % 2 else ozark, old_model if number % 3 else active_model)
    with django_assert_max_num_queries(MAX_PREDICTION_LIST_QUERIES):
        assert admin_client.get(PREDICTIONS).status_code == 200


# --- Model versions


def test_model_version_detail_shows_metrics_as_a_table_and_the_artifact_read_only(
    admin_client, active_model
):
    active_model.metrics = {
        "held_out": {
            "n": 200,
            "accuracy": 0.875,
            "f1": {"negative": 0.87, "positive": 0.88},
            "confusion_matrix": [[88, 12], [13, 87]],
            "brier": 0.09,
        }
    }
    active_model.save()

    response = admin_client.get(reverse("admin:ml_modelversion_change", args=[active_model.pk]))

    content = response.content.decode()
    assert "<td>0.8750</td>" in content
    assert "<td>0.8700</td>" in content and "<td>0.8800</td>" in content
    assert "Actually negative</th><td>88</td><td>12</td>" in content
    assert "Actually positive</th><td>13</td><td>87</td>" in content
    assert active_model.artifact_path in content and active_model.sha256 in content
    assert 'name="sha256"' not in content and 'name="artifact_path"' not in content


def test_model_version_list_shows_how_many_reviews_each_version_scored(
    admin_client, ozark, active_model, old_model
):
    for _ in range(3):
        stored_review(ozark, active_model)
    stored_review(ozark, old_model)

    response = admin_client.get(VERSIONS)

    scored = {
        version.version: version.reviews_scored for version in response.context["cl"].result_list
    }
    assert scored == {"test-model": 3, "old-model": 1}


def test_model_version_list_renders_in_a_fixed_number_of_queries(
    admin_client, ozark, active_model, trained_artifact, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_VERSION_LIST_QUERIES):
        assert admin_client.get(VERSIONS).status_code == 200

    for number in range(20):
        stored_review(ozark, register(trained_artifact, version=f"v{number}", active=False))
    with django_assert_max_num_queries(MAX_VERSION_LIST_QUERIES):
        assert admin_client.get(VERSIONS).status_code == 200


def test_activate_action_makes_the_selected_version_the_active_one(
    admin_client, active_model, old_model
):
    response = action(admin_client, VERSIONS, "activate", [old_model])

    assert ModelVersion.objects.get(is_active=True) == old_model
    [(level, message)] = messages_of(response)
    assert level == SUCCESS
    assert message.startswith("Model old-model is now active")


def test_activate_action_refuses_an_altered_artifact_and_says_why(admin_client, active_model):
    altered = ModelVersion.objects.create(
        version="altered",
        artifact_path=active_model.artifact_path,
        sha256="0" * 64,
    )

    response = action(admin_client, VERSIONS, "activate", [altered])

    assert ModelVersion.objects.get(is_active=True) == active_model
    [(level, message)] = messages_of(response)
    assert level == ERROR
    assert "altered cannot be activated" in message


def test_activate_action_refuses_more_than_one_version(admin_client, active_model, old_model):
    response = action(admin_client, VERSIONS, "activate", [active_model, old_model])

    assert ModelVersion.objects.get(is_active=True) == active_model
    assert messages_of(response) == [(ERROR, "Select exactly one version to activate.")]


def test_activate_action_needs_the_change_permission(client, active_model, old_model):
    client.force_login(staff_user("ml.view_modelversion"))

    listing = client.get(VERSIONS).content.decode()
    action(client, VERSIONS, "activate", [old_model])

    assert 'value="activate"' not in listing
    assert ModelVersion.objects.get(is_active=True) == active_model


def test_model_versions_cannot_be_added_changed_or_deleted_through_the_admin(
    admin_client, active_model
):
    change = reverse("admin:ml_modelversion_change", args=[active_model.pk])

    assert admin_client.get(reverse("admin:ml_modelversion_add")).status_code == 403
    admin_client.post(change, {"sha256": "0" * 64, "is_active": ""})
    deleted = admin_client.post(
        reverse("admin:ml_modelversion_delete", args=[active_model.pk]), {"post": "yes"}
    )

    assert deleted.status_code == 403
    active_model.refresh_from_db()
    assert active_model.is_active and active_model.sha256 != "0" * 64
