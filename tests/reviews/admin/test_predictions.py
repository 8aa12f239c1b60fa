"""The prediction history, read-only."""

from django.urls import reverse

from tests.reviews.admin.helpers import (
    MAX_PREDICTION_LIST_QUERIES,
    PREDICTIONS,
    action,
    stored_review,
)


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
