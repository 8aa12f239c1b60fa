"""Activating a model version, judged first on the site's true labels."""

from ml.classifier import ModelUnavailable, get_active_classifier, get_classifier
from ml.models import ModelVersion
from ml.services import model_activate
from reviews.selectors.comparison import models_compare
from reviews.selectors.feedback import labelled_review_ids


class CandidateWorse(ValueError):
    """The candidate is significantly worse than the active model on the true labels."""


def model_activate_judged(*, version: str, force: bool = False) -> ModelVersion:
    """Activate `version` (ml.services.model_activate), unless it is significantly worse
    than the active model on the truly labelled reviews: lower accuracy and McNemar's p below
    0.05 (CandidateWorse, with the one-line reason). `force` activates it regardless.
    Raises ModelUnavailable for an unknown version or an artifact that fails its checksum.
    """
    if not force:
        try:
            active = get_active_classifier()
        except ModelUnavailable:
            active = None  # nothing to be worse than
        if active is not None and active.version != version and labelled_review_ids().exists():
            comparison = models_compare(candidate=get_classifier(version), baseline=active)
            if comparison.candidate_significantly_worse:
                raise CandidateWorse(comparison.refusal())
    return model_activate(version=version)
