"""Feedback: visitors' votes on a prediction and the true labels staff (or an import) set.

Both are stored as Feedback rows, never as edits of the review. A visitor has one vote per
review: a second vote replaces the first. True labels are a history: the newest counts.
"""

import secrets
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from reviews.models import Feedback, Review, Sentiment

# Where an anonymous visitor's random id is kept in their session. Not the session key
# itself: that changes when the visitor signs in (Django cycles it), the session's data
# does not, so the vote stays the visitor's.
VISITOR_SESSION_KEY = "feedback_visitor"


LABEL_REFUSED = f"The label must be {Sentiment.POSITIVE.value} or {Sentiment.NEGATIVE.value}."


class UnknownLabel(ValueError):
    """A label other than positive or negative; nothing was stored."""


def feedback_label(label: object) -> Sentiment:
    """`label` as a Sentiment, or UnknownLabel saying what is accepted."""
    try:
        return Sentiment(label)
    except ValueError:
        raise UnknownLabel(LABEL_REFUSED) from None


SESSION_VISITOR = "session:"


def visitor_key_for(*, user: AbstractBaseUser | None, session: SessionBase | None) -> str:
    """Who votes: "user:<id>" for a signed-in user (any browser, or an API token's user),
    else "session:<random id>", the id kept in the visitor's session (a new one before their
    first vote: visitor_key_remember stores it once the vote is). Writes nothing."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if session is None:
        raise ValueError("an anonymous visitor needs a session to vote")
    return SESSION_VISITOR + (session.get(VISITOR_SESSION_KEY) or secrets.token_urlsafe(24))


def visitor_key_remember(*, session: SessionBase, visitor_key: str) -> None:
    """Keep an anonymous visitor's id in their session, so their next vote replaces this one."""
    visitor = visitor_key.removeprefix(SESSION_VISITOR)
    if visitor_key.startswith(SESSION_VISITOR) and session.get(VISITOR_SESSION_KEY) != visitor:
        session[VISITOR_SESSION_KEY] = visitor


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
    user_id = user.pk if user is not None and user.is_authenticated else None
    with transaction.atomic():
        if not Review.objects.filter(pk=review_id).exists():
            raise Review.DoesNotExist(f"no review has the id {review_id}")
        vote, _ = Feedback.objects.update_or_create(
            review_id=review_id,
            source=Feedback.Source.VISITOR,
            visitor_key=visitor_key,
            defaults={"label": sentiment, "user_id": user_id, "created_at": timezone.now()},
        )
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
