"""How the admin shows a sentiment: a badge that reads the same without colour."""

from django.utils.html import format_html

from reviews.models import Sentiment

# A sign and a word, so the badge reads the same without colour.
SENTIMENT_BADGE_LABELS = {Sentiment.POSITIVE: "+ Positive", Sentiment.NEGATIVE: "− Negative"}


def sentiment_badge(sentiment: str) -> str:
    return format_html(
        '<span class="sentiment-badge sentiment-{}">{}</span>',
        sentiment,
        SENTIMENT_BADGE_LABELS.get(sentiment, sentiment or "–"),
    )
