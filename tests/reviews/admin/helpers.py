"""Constants and helpers the admin tests share."""

import csv
import datetime
import io

from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from ml.models import ModelVersion
from reviews.models import Movie, Prediction, Review

REVIEWS = reverse("admin:reviews_review_changelist")
MOVIES = reverse("admin:reviews_movie_changelist")
PREDICTIONS = reverse("admin:reviews_prediction_changelist")
VERSIONS = reverse("admin:ml_modelversion_changelist")
# Column numbers for ?o= (column 0 holds the action checkboxes).
CONFIDENCE_COLUMN = 4
CREATED_COLUMN = 6

# Queries for one page, whatever its size. The review list: session, user, the movies and the
# versions to filter by, the ids of a small result or a count, the page, the first and latest
# dates.
MAX_REVIEW_LIST_QUERIES = 9
MAX_MOVIE_LIST_QUERIES = 4
MAX_PREDICTION_LIST_QUERIES = 6
MAX_VERSION_LIST_QUERIES = 5
# A review's page, its prediction and true label histories, its visitors' vote counts and
# its two newest predictions (why it flipped).
MAX_REVIEW_DETAIL_QUERIES = 10


def stored_review(
    movie: Movie,
    version: ModelVersion,
    *,
    text: str = "A stored review.",
    probability: float = 0.9,
    previous: str = "",
    created_at: datetime.datetime | None = None,
) -> Review:
    """A review with exactly the prediction a test needs, stored with its history row."""
    review = Review(
        movie=movie,
        text=text,
        sentiment="positive" if probability >= 0.5 else "negative",
        probability_positive=probability,
        model_version=version,
        previous_sentiment=previous,
        created_at=created_at or timezone.now(),
    )
    Review.objects.bulk_create([review])
    Prediction.objects.bulk_create(
        [
            Prediction(
                review=review,
                model_version=version,
                sentiment=review.sentiment,
                probability_positive=probability,
            )
        ]
    )
    return review


def staff_user(*permissions: str) -> User:
    user = User.objects.create_user("analyst", password="unused-password", is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def listed_texts(response) -> set[str]:
    assert response.status_code == 200
    return {review.text for review in response.context["cl"].result_list}


def action(client, url: str, name: str, objects, **extra):
    return client.post(
        url,
        {"action": name, "_selected_action": [obj.pk for obj in objects], **extra},
        follow=True,
    )


def messages_of(response) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in get_messages(response.wsgi_request)]


def exported_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
