"""The admin, one module per registered model. Staff browse the prediction history here.

The admin is an interface only: its reads come from reviews/selectors/, its writes from
reviews/services/ and ml/services.py. Nothing about a review or a prediction is edited by
hand: a prediction changes only when a model scores the review.
"""

# Importing the modules registers their admins; auth replaces Django's user and group admins.
from reviews.admin import (  # noqa: F401
    auth,
    feedback,
    jobs,
    model_versions,
    movies,
    predictions,
    reviews,
    tokens,
)
