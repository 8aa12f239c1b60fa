"""The review list: its columns and its sorting."""

import datetime

from django.utils import timezone

from tests.reviews.admin.helpers import CONFIDENCE_COLUMN, CREATED_COLUMN, REVIEWS, stored_review


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
