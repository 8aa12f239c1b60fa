"""Feedback: visitors' votes on a prediction and the true labels staff (or an import) set.

Both are stored as Feedback rows, never as edits of the review. A visitor has one vote per
review: a second vote replaces the first. True labels are a history: the newest counts.
"""

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.models import Feedback, Review, Sentiment

# An anonymous visitor's random id is kept in a signed cookie of its own, not in their
# session: it survives their signing in, and a vote stores one row, no session besides
# (issue 19: a vote costs no more than a submission).
VISITOR_COOKIE = "voter"
VISITOR_COOKIE_SALT = "reviews.feedback.visitor"
VISITOR_COOKIE_MAX_AGE = timedelta(days=365)
VISITOR = "visitor:"


LABEL_REFUSED = f"The label must be {Sentiment.POSITIVE.value} or {Sentiment.NEGATIVE.value}."


class UnknownLabel(ValueError):
    """A label other than positive or negative; nothing was stored."""


def feedback_label(label: object) -> Sentiment:
    """`label` as a Sentiment, or UnknownLabel saying what is accepted."""
    try:
        return Sentiment(label)
    except ValueError:
        raise UnknownLabel(LABEL_REFUSED) from None


def visitor_id_new() -> str:
    """A new anonymous visitor's random id, for their cookie."""
    return secrets.token_urlsafe(24)


def visitor_key_for(*, user: AbstractBaseUser | None, visitor_id: str | None = None) -> str:
    """Who votes: "user:<id>" for a signed-in user (any browser, or an API token's user),
    else "visitor:<visitor_id>", the random id from the anonymous visitor's cookie."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if not visitor_id:
        raise ValueError("an anonymous visitor needs an id to vote")
    return VISITOR + visitor_id


def feedback_vote(
    *,
    review_id: int,
    label: str,
    visitor_key: str,
    user: AbstractBaseUser | None = None,
) -> Feedback:
    """Store a visitor's vote that `label` is the review's right sentiment, replacing the
    visitor's earlier vote on it. Raises UnknownLabel or Review.DoesNotExist, storing nothing.
    """
    sentiment = feedback_label(label)
    if not visitor_key:
        raise ValueError("a vote needs a visitor key")
    if not Review.objects.filter(pk=review_id).exists():
        raise Review.DoesNotExist(f"no review has the id {review_id}")
    vote = Feedback(
        review_id=review_id,
        label=sentiment,
        source=Feedback.Source.VISITOR,
        visitor_key=visitor_key,
        user_id=user.pk if user is not None and user.is_authenticated else None,
        created_at=timezone.now(),
    )
    # One statement, INSERT ... ON CONFLICT DO UPDATE, so a second vote replaces the first
    # without a read before it, and two at once cannot both insert.
    try:
        Feedback.objects.bulk_create(
            [vote],
            update_conflicts=True,
            unique_fields=["review", "visitor_key"],
            update_fields=["label", "user", "created_at"],
        )
    except IntegrityError:
        # The review was deleted since the check above.
        if not Review.objects.filter(pk=review_id).exists():
            raise Review.DoesNotExist(f"no review has the id {review_id}") from None
        raise
    return vote


def feedback_set_true_label(
    *,
    review_ids: Iterable[int],
    label: str,
    user: AbstractBaseUser | None,
    source: str = Feedback.Source.STAFF,
) -> int:
    """Record `label` as the true label of each review, by `user`, now: new rows, so the
    history is kept and the newest counts. Returns how many were recorded."""
    sentiment = feedback_label(label)
    if source not in Feedback.TRUE_LABEL_SOURCES:
        raise ValueError(f"a true label comes from staff or an import, not {source!r}")
    now = timezone.now()
    rows = [
        Feedback(
            review_id=review_id,
            label=sentiment,
            source=source,
            user=user,
            created_at=now,
        )
        for review_id in review_ids
    ]
    with transaction.atomic():
        Feedback.objects.bulk_create(rows)
    return len(rows)
