"""Reads of feedback: a review's true label (its newest staff or import row), its visitors'
votes, and the reviews the admin's feedback filters keep.

A fixed fifth of the reviews, by id (HELD_OUT_RULE), is never trained on: a model trained
with the site's true labels (`train_model --with-labels`) learns from the other four fifths
and is judged on this one (`compare_models`, activation, live accuracy). A review keeps its
side whatever is labelled later, so no model ever trained on a held-out review.

"Visitors disagree with the prediction" means most of a review's votes name the other
sentiment than its current one; a tie is no disagreement (one stray vote against one vote
for is no evidence either way).
"""

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Mod
from django.db.models.lookups import Exact

from ml.models import ModelVersion
from reviews.models import Feedback, Review, Sentiment

TRUE_LABELS = Q(source__in=Feedback.TRUE_LABEL_SOURCES)
VOTES = Q(source=Feedback.Source.VISITOR)


def true_label_of(review: OuterRef) -> Subquery:
    """The newest true label of `review` (an outer reference to a review's id), or NULL."""
    newest = (
        Feedback.objects.filter(TRUE_LABELS, review=review)
        .order_by("-created_at", "-id")
        .values("label")[:1]
    )
    return Subquery(newest)


def true_label_history(*, review: Review) -> QuerySet[Feedback]:
    """The review's true labels, newest first, with who set them."""
    return (
        Feedback.objects.filter(TRUE_LABELS, review=review)
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def vote_counts(*, review: Review) -> dict[str, int]:
    """How many visitors voted for each sentiment on the review (one query)."""
    counts = dict(
        Feedback.objects.filter(VOTES, review=review)
        .order_by()
        .values_list("label")
        .annotate(count=Count("*"))
    )
    return {sentiment: counts.get(sentiment, 0) for sentiment in Sentiment.values}


# ModelVersion.training_data[SITE_LABELS] says how a model trained with the site's labels
# split them; a model without it never saw a stored review's label.
SITE_LABELS = "site_labels"
HELD_OUT_EVERY = 5
HELD_OUT_RULE = f"held out: the reviews whose id is divisible by {HELD_OUT_EVERY}"


def held_out(review_id: str = "pk") -> Exact:
    """True for the reviews held out of training (on the field naming the review's id)."""
    return Exact(Mod(F(review_id), Value(HELD_OUT_EVERY)), 0)


def labelled_review_ids() -> QuerySet:
    return Feedback.objects.filter(TRUE_LABELS).order_by().values("review_id")


def trained_on_site_labels(*model_versions: ModelVersion) -> bool:
    return any(SITE_LABELS in (version.training_data or {}) for version in model_versions)


def judging_review_ids(*model_versions: ModelVersion) -> QuerySet:
    """The labelled reviews none of `model_versions` was trained on, to judge them on: all of
    them, or only the held-out fifth once one of the versions learnt from the site's labels."""
    labelled = labelled_review_ids()
    if trained_on_site_labels(*model_versions):
        labelled = labelled.filter(held_out("review_id"))
    return labelled


def voted_review_ids() -> QuerySet:
    return Feedback.objects.filter(VOTES).order_by().values("review_id")


def reviews_with_true_label(*, reviews: QuerySet[Review], labelled: bool = True):
    """Reviews that have a true label (or, labelled=False, that have none)."""
    condition = Q(pk__in=labelled_review_ids())
    return reviews.filter(condition if labelled else ~condition)


def reviews_true_label_disagrees(*, reviews: QuerySet[Review], disagrees: bool = True):
    """Labelled reviews whose newest true label differs from their current prediction (or,
    disagrees=False, equals it)."""
    labelled = reviews_with_true_label(reviews=reviews).alias(label=true_label_of(OuterRef("pk")))
    # One comparison of two columns, never NULL here (every labelled review has a newest
    # label): no index serves it, so the database starts from the few labelled reviews. As
    # "(label, sentiment) is (positive, negative) or (negative, positive)", SQLite read every
    # review of a sentiment through its index to test each one.
    same = Q(Exact(F("label"), F("sentiment")))
    return labelled.filter(~same if disagrees else same)


def votes_of(review: OuterRef, *, agreeing: bool) -> Coalesce:
    """How many votes on the outer review name its current sentiment (or the other one)."""
    votes = Feedback.objects.filter(VOTES, review=review)
    votes = (
        votes.filter(label=OuterRef("sentiment"))
        if agreeing
        else votes.exclude(label=OuterRef("sentiment"))
    )
    count = votes.order_by().values("review").annotate(count=Count("*")).values("count")
    return Coalesce(Subquery(count), Value(0))


def reviews_visitors_disagree(*, reviews: QuerySet[Review], disagree: bool = True):
    """Reviews with votes, most of which name the other sentiment than the current one (or,
    disagree=False, at most half of which do)."""
    voted = reviews.filter(pk__in=voted_review_ids()).alias(
        against=votes_of(OuterRef("pk"), agreeing=False),
        agreeing=votes_of(OuterRef("pk"), agreeing=True),
    )
    majority_against = Q(against__gt=F("agreeing"))
    return voted.filter(majority_against if disagree else ~majority_against)
