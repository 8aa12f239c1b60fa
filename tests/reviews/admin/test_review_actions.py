"""Actions on the selected reviews: re-score and export."""

import datetime

import pytest
from django.contrib.messages.constants import ERROR, SUCCESS
from django.urls import reverse

from ml.models import ModelVersion
from ml.services import model_activate
from reviews.models import Job, Movie, Prediction, Review
from reviews.services.scoring import review_create
from tests.jobs import run_job_here
from tests.reviews.admin.helpers import (
    REVIEWS,
    action,
    exported_rows,
    messages_of,
    staff_user,
    stored_review,
)


def test_rescore_action_queues_a_job_and_links_to_it(
    admin_client, admin_user, ozark, active_model, refresh_at_once
):
    first = review_create(movie_id=ozark.pk, text="Brilliant and moving.")
    register_and_activate_new_model()

    response = action(admin_client, REVIEWS, "rescore", [first])

    assert response.status_code == 200
    job = Job.objects.get()
    assert (job.status, job.model_version.version, job.requested_by) == (
        "queued",
        "new-model",
        admin_user,
    )
    [(level, message)] = messages_of(response)
    assert level == SUCCESS
    assert reverse("admin:reviews_job_change", args=[job.pk]) in message


def test_the_rescore_actions_job_brings_only_the_selected_reviews_to_the_active_model(
    admin_client, ozark, active_model, refresh_at_once
):
    first = review_create(movie_id=ozark.pk, text="Brilliant and moving.")
    second = review_create(movie_id=ozark.pk, text="Dull and far too long.")
    untouched = review_create(movie_id=ozark.pk, text="Not selected.")
    register_and_activate_new_model()

    action(admin_client, REVIEWS, "rescore", [first, second])
    run_job_here(Job.objects.get())

    assert set(Review.objects.filter(model_version__version="new-model")) == {first, second}
    assert Review.objects.get(pk=untouched.pk).model_version == active_model
    assert Prediction.objects.filter(model_version__version="new-model").count() == 2
    assert Job.objects.get().status == "done"


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
    assert not Job.objects.exists()


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
        storage_key=model_version.storage_key,
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
    assert not Job.objects.exists()


def test_rescore_action_is_offered_to_staff_with_the_change_permission(
    client, ozark, active_model, refresh_at_once
):
    review = review_create(movie_id=ozark.pk, text="Fine.")
    register_and_activate_new_model()
    staff = staff_user("reviews.view_review", "reviews.change_review")
    client.force_login(staff)

    action(client, REVIEWS, "rescore", [review])

    assert Job.objects.get().requested_by == staff


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
