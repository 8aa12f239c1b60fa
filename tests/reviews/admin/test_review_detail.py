"""A review's read-only page."""

from django.urls import reverse

from reviews.models import Prediction, Review
from reviews.services.feedback import feedback_set_true_label, feedback_vote
from reviews.services.scoring import review_create
from reviews.templatetags.review_format import percent
from tests.conftest import register
from tests.reviews.admin.helpers import MAX_REVIEW_DETAIL_QUERIES, stored_review


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
    admin_client, admin_user, ozark, trained_artifact, old_model, django_assert_max_num_queries
):
    review = stored_review(ozark, old_model, probability=0.3)
    for label in ("positive", "negative", "positive"):
        feedback_set_true_label(review_ids=[review.pk], label=label, user=admin_user)
        feedback_vote(review_id=review.pk, label=label, visitor_key=f"voter {label}")
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
