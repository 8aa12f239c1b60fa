"""The result page, the movie page and the latest reviews on the home page."""

import html
import re

import pytest
from django.urls import reverse

from reviews.models import Movie, Review
from reviews.services.scoring import review_create
from reviews.templatetags.review_format import percent


def shown_review_text(content: str) -> str:
    """The review as a reader sees it: marks and screen-reader notes removed."""
    quote = re.search(r'<blockquote class="review-text">(.*?)</blockquote>', content, re.S)
    visible = re.sub(r'<span class="visually-hidden">.*?</span>', "", quote.group(1))
    return html.unescape(re.sub(r"<[^>]+>", "", visible))


def test_result_page_shows_movie_review_sentiment_confidence_and_version(
    client, ozark, active_model
):
    review = review_create(movie_id=ozark.pk, text="Superb acting and a moving story.")

    response = client.get(reverse("reviews:review_detail", args=[review.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Ozark" in content
    assert shown_review_text(content) == "Superb acting and a moving story."
    assert review.get_sentiment_display() in content
    assert percent(review.confidence) in content
    assert active_model.version in content


def test_home_lists_the_ten_latest_reviews_newest_first(client, ozark, active_model):
    for number in range(12):
        review_create(movie_id=ozark.pk, text=f"Review number {number:02d}")

    content = client.get(reverse("reviews:home")).content.decode()

    assert "Review number 11" in content
    assert "Review number 02" in content
    assert "Review number 01" not in content
    assert content.index("Review number 11") < content.index("Review number 10")


def test_movie_page_lists_its_reviews_and_share_positive(client, ozark, active_model):
    other = Movie.objects.get(title="Vincenzo")
    review_create(movie_id=ozark.pk, text="A brilliant, superb, wonderful film.")
    review_create(movie_id=ozark.pk, text="Boring, awful, a waste of time.")
    review_create(movie_id=other.pk, text="Not about Ozark at all")
    positive = Review.objects.filter(movie=ozark, sentiment="positive").count()

    response = client.get(reverse("reviews:movie_detail", args=[ozark.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "A brilliant, superb, wonderful film." in content
    assert "Not about Ozark at all" not in content
    assert f"{positive / 2 * 100:.0f}%</strong> of 2 reviews" in content


def test_movie_page_paginates_twenty_reviews_a_page(client, ozark, active_model):
    for number in range(25):
        review_create(movie_id=ozark.pk, text=f"Numbered review {number:02d}")
    url = reverse("reviews:movie_detail", args=[ozark.pk])

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert "Numbered review 24" in first and "Numbered review 05" in first
    assert "Numbered review 04" not in first
    assert "Numbered review 04" in second and "Page 2 of 2" in second


def test_result_page_marks_the_deciding_words_each_way(client, ozark, active_model):
    review = review_create(
        movie_id=ozark.pk, text="Brilliant, moving, superb. But a boring ending."
    )

    content = client.get(reverse("reviews:review_detail", args=[review.pk])).content.decode()

    assert re.search(r'<mark class="pushes-positive"[^>]*>Brilliant', content)
    assert re.search(r'<mark class="pushes-negative"[^>]*>boring', content)
    assert "(pushes positive)" in content and "(pushes negative)" in content


def test_result_page_shows_html_in_a_review_as_text(client, ozark, active_model):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)> great film'
    review = review_create(movie_id=ozark.pk, text=attack)

    content = client.get(reverse("reviews:review_detail", args=[review.pk])).content.decode()

    assert "<script>alert" not in content
    assert "<img src=x" not in content
    assert shown_review_text(content) == attack


def test_result_page_shows_imdb_line_breaks_as_line_breaks(client, ozark, active_model):
    review = review_create(movie_id=ozark.pk, text="First line.<br /><br />Second line.")

    content = client.get(reverse("reviews:review_detail", args=[review.pk])).content.decode()

    assert "<br><br>" in content
    assert "&lt;br" not in content


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.873, "87%"), (0.5, "50%"), (0.996, "99.6%"), (0.99999, "99.9%"), (1.0, "100%")],
)
def test_confidence_is_shown_as_a_percentage_never_rounded_up_to_certainty(value, shown):
    assert percent(value) == shown
