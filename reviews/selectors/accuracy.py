"""Live accuracy of a model version on the site's own reviews, with honest denominators.

A version's record comes from the Prediction history, so an old version keeps it after the
reviews are re-scored by a newer one. Only reviews with a true label count (their newest
staff or import label, reviews/selectors/feedback.py) and only those the version scored
and was not trained on (for a version trained with the site's labels, the held-out fifth):
``n`` says how many. Visitors' votes are counted apart: they say how often visitors agree
with the version, not what the truth is.

Two queries whatever the number of labels or votes: the counts are grouped in the database.
"""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery

from ml.classifier import ModelUnavailable, model_version_get
from ml.models import ModelVersion
from ml.statistics import wilson_interval
from reviews.models import Feedback, Prediction, Sentiment
from reviews.selectors.feedback import VOTES, judging_review_ids, true_label_of

# The confusion matrix's rows (true label) and columns (prediction), in the order of
# ml.pipeline.evaluate's matrix.
CONFUSION_LABELS = [Sentiment.NEGATIVE, Sentiment.POSITIVE]


@dataclass(frozen=True)
class Share:
    """How many of n were right (agreed), the share and its 95% Wilson interval."""

    n: int
    right: int

    @property
    def value(self) -> float | None:
        return self.right / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.right, self.n) if self.n else None


@dataclass(frozen=True)
class LiveAccuracy:
    version: str
    accuracy: Share
    # confusion[i][j]: reviews whose true label is CONFUSION_LABELS[i] and that the version
    # predicted CONFUSION_LABELS[j].
    confusion: list[list[int]]
    visitor_agreement: Share

    def as_dict(self) -> dict:
        """The figures as plain JSON types (what `evaluate_model --stored` prints)."""
        return {
            "version": self.version,
            "n": self.accuracy.n,
            "accuracy": self.accuracy.value,
            "interval": list(self.accuracy.interval) if self.accuracy.n else None,
            "confusion_matrix": self.confusion,
            "labels": [str(label) for label in CONFUSION_LABELS],
            "visitor_agreement": {
                "n": self.visitor_agreement.n,
                "share": self.visitor_agreement.value,
                "interval": (
                    list(self.visitor_agreement.interval) if self.visitor_agreement.n else None
                ),
            },
        }


def live_accuracy(*, model_version: ModelVersion) -> LiveAccuracy:
    """`model_version`'s accuracy on the truly labelled reviews it scored, its confusion
    matrix, and the share of visitors' votes that agree with its predictions."""
    cells = (
        Prediction.objects.filter(
            model_version=model_version, review_id__in=judging_review_ids(model_version)
        )
        .order_by()
        .annotate(true_label=true_label_of(OuterRef("review_id")))
        .values("true_label", "sentiment")
        .annotate(count=Count("*"))
    )
    confusion = [[0, 0], [0, 0]]
    for cell in cells:
        row = CONFUSION_LABELS.index(cell["true_label"])
        confusion[row][CONFUSION_LABELS.index(cell["sentiment"])] += cell["count"]
    right = confusion[0][0] + confusion[1][1]
    total = sum(map(sum, confusion))

    predicted = Prediction.objects.filter(
        review=OuterRef("review_id"), model_version=model_version
    ).values("sentiment")[:1]
    votes = (
        Feedback.objects.filter(
            VOTES,
            review_id__in=Prediction.objects.filter(model_version=model_version).values(
                "review_id"
            ),
        )
        .order_by()
        .aggregate(n=Count("*"), agreeing=Count("pk", filter=Q(label=Subquery(predicted))))
    )
    return LiveAccuracy(
        version=model_version.version,
        accuracy=Share(n=total, right=right),
        confusion=confusion,
        visitor_agreement=Share(n=votes["n"], right=votes["agreeing"]),
    )


def live_accuracy_of(*, version: str | None = None) -> LiveAccuracy:
    """live_accuracy of the named version, or of the active one; ModelUnavailable, saying
    why, when there is no such version or no active one."""
    if version is None:
        model_version = ModelVersion.objects.filter(is_active=True).first()
        if model_version is None:
            raise ModelUnavailable(
                "no active model; name a version with --version (`list_models` lists them)"
            )
    else:
        model_version = model_version_get(version=version)
    return live_accuracy(model_version=model_version)
