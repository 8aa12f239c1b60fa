"""A candidate model against a baseline on the site's truly labelled reviews, scored now by
both and written nowhere: accuracies, the reviews that separate them, McNemar's exact p."""

from dataclasses import dataclass

from django.db.models import OuterRef

from ml.classifier import Classifier
from ml.statistics import mcnemar_exact_p
from reviews.models import Review
from reviews.selectors.feedback import labelled_review_ids, true_label_of

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Comparison:
    candidate: str
    baseline: str
    n: int
    candidate_right: int
    baseline_right: int
    only_candidate_right: int
    only_baseline_right: int

    @property
    def p_value(self) -> float:
        return mcnemar_exact_p(self.only_candidate_right, self.only_baseline_right)

    @property
    def candidate_significantly_worse(self) -> bool:
        return self.candidate_right < self.baseline_right and self.p_value < SIGNIFICANCE

    def as_dict(self) -> dict:
        def accuracy(right: int) -> float | None:
            return right / self.n if self.n else None

        return {
            "candidate": self.candidate,
            "baseline": self.baseline,
            "n": self.n,
            "candidate_accuracy": accuracy(self.candidate_right),
            "baseline_accuracy": accuracy(self.baseline_right),
            "only_candidate_right": self.only_candidate_right,
            "only_baseline_right": self.only_baseline_right,
            "mcnemar_p": self.p_value,
            "candidate_significantly_worse": self.candidate_significantly_worse,
        }

    def refusal(self) -> str:
        """Why the candidate is refused, in one line."""
        return (
            f"model {self.candidate} is significantly worse than {self.baseline} on the "
            f"{self.n} truly labelled reviews ({self.candidate_right} right against "
            f"{self.baseline_right}, McNemar p = {self.p_value:.2g})"
        )


def models_compare(
    *, candidate: Classifier, baseline: Classifier, batch_size: int = 1000
) -> Comparison:
    """Score every review with a true label (its newest) with both models, in batches by
    primary key, and count what each got right."""
    labelled = (
        Review.objects.filter(pk__in=labelled_review_ids())
        .annotate(true_label=true_label_of(OuterRef("pk")))
        .order_by("pk")
        .values_list("pk", "text", "true_label")
    )
    counts = {"n": 0, "candidate": 0, "baseline": 0, "only_candidate": 0, "only_baseline": 0}
    last_pk = 0
    while batch := list(labelled.filter(pk__gt=last_pk)[:batch_size]):
        last_pk = batch[-1][0]
        texts = [text for _, text, _ in batch]
        truths = [truth for _, _, truth in batch]
        for truth, ours, theirs in zip(
            truths, candidate.predict_batch(texts), baseline.predict_batch(texts), strict=True
        ):
            candidate_right, baseline_right = ours.sentiment == truth, theirs.sentiment == truth
            counts["n"] += 1
            counts["candidate"] += candidate_right
            counts["baseline"] += baseline_right
            counts["only_candidate"] += candidate_right and not baseline_right
            counts["only_baseline"] += baseline_right and not candidate_right
    return Comparison(
        candidate=candidate.version,
        baseline=baseline.version,
        n=counts["n"],
        candidate_right=counts["candidate"],
        baseline_right=counts["baseline"],
        only_candidate_right=counts["only_candidate"],
        only_baseline_right=counts["only_baseline"],
    )
