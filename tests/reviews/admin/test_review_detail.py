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


def flipped_review(ozark, before, after, text: str) -> Review:
    """A review `before` scored negative and `after` re-scored positive."""
    return flip_to_positive(stored_review(ozark, before, text=text, probability=0.1), after)


def flip_to_positive(review: Review, after) -> Review:
    """`review`, negative until now, re-scored positive by `after`."""
    Prediction.objects.create(
        review=review, model_version=after, sentiment="positive", probability_positive=0.9
    )
    Review.objects.filter(pk=review.pk).update(
        sentiment="positive",
        probability_positive=0.9,
        model_version=after,
        previous_sentiment="negative",
    )
    return review


def test_a_flipped_reviews_page_shows_the_words_whose_weight_changed_most(
    admin_client, ozark, active_model, inverted_artifact
):
    inverted = register(inverted_artifact, version="inverted", active=False)
    review = flipped_review(ozark, inverted, active_model, "A superb film, but a dull plot.")

    content = admin_client.get(reverse("admin:reviews_review_change", args=[review.pk]))
    content = content.content.decode()

    why = content[content.index("Why it flipped") :]
    why = why[: why.index("</table>")]
    assert "from negative (model inverted) to positive (model test-model)" in why
    # The inverted model weighs every word the other way: the strongest words moved most.
    rows = why[why.index("<tbody>") :].split("<tr>")[1:]
    assert "superb" in rows[0] or "dull" in rows[0]


def test_an_unflipped_reviews_page_has_no_why_it_flipped(admin_client, ozark, active_model):
    review = review_create(movie_id=ozark.pk, text="A superb film.")

    content = admin_client.get(reverse("admin:reviews_review_change", args=[review.pk])).content

    assert b"Why it flipped" not in content


def test_a_flip_between_models_not_loadable_here_says_so(
    admin_client, ozark, active_model, old_model
):
    old_model.sha256 = "0" * 64  # its stored file fails the checksum: it cannot be loaded
    old_model.save()
    review = flipped_review(ozark, old_model, active_model, "A superb film.")

    content = admin_client.get(reverse("admin:reviews_review_change", args=[review.pk])).content

    assert b"no comparison of the words: one of the two models cannot be loaded" in content


def test_review_detail_escapes_the_review_text(admin_client, ozark, active_model):
    review = stored_review(ozark, active_model, text="<img src=x onerror=alert(1)>")

    content = admin_client.get(reverse("admin:reviews_review_change", args=[review.pk])).content

    assert b"<img src=x" not in content
    assert b"&lt;img src=x onerror=alert(1)&gt;" in content


def test_review_detail_renders_in_a_fixed_number_of_queries(
    admin_client,
    admin_user,
    ozark,
    trained_artifact,
    active_model,
    old_model,
    django_assert_max_num_queries,
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
    flip_to_positive(review, active_model)  # and why it flipped
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
