import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# IMDB reviews carry literal "<br />" tags; after escaping they are shown as line breaks.
ESCAPED_BREAK = re.compile(r"&lt;br\s*/?&gt;|\r?\n", re.IGNORECASE)


@register.filter
def percent(value: float | None) -> str:
    """0.873 -> '87%'."""
    if value is None:
        return "–"
    shown = f"{value * 100:.0f}"
    if shown == "100" and value < 1:
        # A model is never certain: 0.996 reads "99.6%", not "100%".
        shown = f"{min(value * 100, 99.9):.1f}"
    return f"{shown}%"


@register.filter
def review_text(value: str) -> SafeString:
    """Escape a review, then turn its <br /> tags and newlines into real line breaks."""
    return mark_safe(ESCAPED_BREAK.sub("<br>", escape(value)))


MARK = (
    '<mark class="pushes-{polarity}" title="pushes {polarity}">{text}'
    '<span class="visually-hidden"> (pushes {polarity})</span></mark>'
)


@register.filter
def marked_review(segments) -> SafeString:
    """The review's segments (ml.highlight) as HTML: each decisive phrase in a <mark> that
    says which way it pushed, in words too for screen readers; the rest as plain text."""
    return mark_safe(
        "".join(
            format_html(MARK, polarity=segment.polarity, text=review_text(segment.text))
            if segment.polarity
            else review_text(segment.text)
            for segment in segments
        )
    )
