"""A candidate model against a baseline on the site's truly labelled reviews, written
nowhere: accuracies, the reviews that separate them, McNemar's exact p.

Each model's answer is its stored prediction where it made one (the active model has scored
every review, and a model's answer to a text never changes), scored now where not.
Reviews either model was trained on are left out (feedback.judging_review_ids)."""

from dataclasses import dataclass

from django.db.models import Count, Max, OuterRef, Subquery

from ml.classifier import Classifier
from ml.models import ModelVersion
from ml.statistics import mcnemar_exact_p
from reviews.freshness import cached
from reviews.models import Feedback, Prediction, Review
from reviews.selectors.feedback import TRUE_LABELS, judging_review_ids, true_label_of

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

    @property
    def verdict(self) -> str:
        """The candidate is "significantly worse", "significantly better" or "not
        significantly different" (McNemar's p against SIGNIFICANCE)."""
        if self.p_value >= SIGNIFICANCE or self.candidate_right == self.baseline_right:
            return "not significantly different"
        worse = self.candidate_significantly_worse
        return "significantly worse" if worse else "significantly better"

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
            "verdict": self.verdict,
        }

    def refusal(self) -> str:
        """Why the candidate is refused, in one line."""
        return (
            f"model {self.candidate} is significantly worse than {self.baseline} on the "
            f"{self.n} truly labelled reviews ({self.candidate_right} right against "
            f"{self.baseline_right}, McNemar p = {self.p_value:.2g})"
        )


def answers(classifier: Classifier, texts: list[str], stored: list[str | None]) -> list[str]:
    """The classifier's sentiment for each text: its stored one, else scored now (in one
    batch)."""
    unscored = [text for text, said in zip(texts, stored, strict=True) if said is None]
    scored_now = iter(score.sentiment for score in classifier.predict_batch(unscored))
    return [said or next(scored_now) for said in stored]


def models_compare(
    *, candidate: Classifier, baseline: Classifier, batch_size: int = 1000
) -> Comparison:
    """Take every review with a true label (its newest) that neither model was trained on,
    in batches by primary key, and count what each model got right."""
    versions = ModelVersion.objects.filter(
        pk__in=[candidate.model_version_id, baseline.model_version_id]
    )

    def stored(classifier: Classifier) -> Subquery:
        said = Prediction.objects.filter(
            review=OuterRef("pk"), model_version_id=classifier.model_version_id
        )
        return Subquery(said.values("sentiment")[:1])

    labelled = (
        Review.objects.filter(pk__in=judging_review_ids(*versions))
        .annotate(
            true_label=true_label_of(OuterRef("pk")),
            candidate_said=stored(candidate),
            baseline_said=stored(baseline),
        )
        .order_by("pk")
        .values_list("pk", "text", "true_label", "candidate_said", "baseline_said")
    )
    counts = {"n": 0, "candidate": 0, "baseline": 0, "only_candidate": 0, "only_baseline": 0}
    last_pk = 0
    while batch := list(labelled.filter(pk__gt=last_pk)[:batch_size]):
        last_pk = batch[-1][0]
        texts = [row[1] for row in batch]
        truths = [row[2] for row in batch]
        ours = answers(candidate, texts, [row[3] for row in batch])
        theirs = answers(baseline, texts, [row[4] for row in batch])
        for truth, our, their in zip(truths, ours, theirs, strict=True):
            candidate_right, baseline_right = our == truth, their == truth
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


def models_compare_cached(*, candidate: Classifier, baseline: Classifier) -> Comparison:
    """models_compare, computed once per state of the true labels (their count and newest
    row, one query) and then reused: the reviews' texts and the models never change, so only
    a new or removed label changes the answer (the admin's page of a candidate)."""
    labels = Feedback.objects.filter(TRUE_LABELS).aggregate(n=Count("*"), newest=Max("pk"))
    return cached(
        f"comparison:{candidate.model_version_id}:{baseline.model_version_id}:"
        f"{labels['n']}:{labels['newest']}",
        lambda: models_compare(candidate=candidate, baseline=baseline),
        versioned=False,
    )
