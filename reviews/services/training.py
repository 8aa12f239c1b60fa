"""Training data with the site's true labels: the labelled reviews outside the held-out
fifth (reviews/selectors/feedback.py) join the bundled data (or a CSV), each text once."""

import hashlib

from django.db.models import Max, OuterRef

from ml import dataset
from ml.dataset import DatasetError, LabelledTexts
from reviews.models import Feedback, Review
from reviews.selectors.feedback import (
    HELD_OUT_RULE,
    SITE_LABELS,
    TRUE_LABELS,
    held_out,
    labelled_review_ids,
    true_label_of,
)

SITE_SOURCE = "site"


def training_data_with_labels(base: LabelledTexts) -> tuple[LabelledTexts, dict]:
    """`base` with the truly labelled stored reviews that are not held out, their newest
    label counting over `base`'s label for the same text; a held-out review's text is taken
    out of `base` too. Returns the data and the notes recorded in the model's metadata: how
    many texts came from where, the held-out rule, the newest label used.

    Raises DatasetError when no labelled review can be trained on.
    """
    newest_label = Feedback.objects.filter(TRUE_LABELS).aggregate(newest=Max("pk"))["newest"]
    rows = (
        Review.objects.filter(pk__in=labelled_review_ids())
        .annotate(true_label=true_label_of(OuterRef("pk")), is_held_out=held_out())
        .order_by("pk")
        .values_list("text", "true_label", "is_held_out")
    )
    texts, labels, held_out_texts = [], [], set()
    digest = hashlib.sha256()
    for text, label, is_held_out in rows.iterator(chunk_size=2000):
        if is_held_out:
            held_out_texts.add(text)
            continue
        texts.append(text)
        labels.append(dataset.parse_label(label))
        digest.update(f"{label}\t{text}\0".encode())
    if not texts:
        raise DatasetError(
            f"no truly labelled review can be trained on: {len(held_out_texts)} are labelled, "
            f"all {HELD_OUT_RULE.removeprefix('held out: ')}, which are held out to judge "
            "models; label more reviews in the admin"
        )
    site = LabelledTexts(texts, labels, [SITE_SOURCE] * len(texts), "site", digest.hexdigest())
    combined = dataset.combine(
        base,
        site,
        never_train_on=held_out_texts,
        name=f"{base.name} + the site's true labels",
    )
    held_out_keys = {text.strip() for text in held_out_texts}
    notes = {
        SITE_LABELS: {
            "trained": len(texts),
            "held_out": len(held_out_texts),
            "held_out_rule": HELD_OUT_RULE,
            "left_out_of_base": sum(text.strip() in held_out_keys for text in base.texts),
            "newest_label_id": newest_label,
        }
    }
    return combined, notes
