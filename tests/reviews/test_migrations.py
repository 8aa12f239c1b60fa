"""reviews' migrations: a true label's visitor_key becomes NULL, so one constraint on every
row keeps a visitor to one vote."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ml.models import ModelVersion
from reviews.models import Feedback

EMPTY_VISITOR = ("reviews", "0008_feedback")
NULL_VISITOR = ("reviews", "0009_feedback_vote_upsert")


def migrate(target: tuple[str, str]):
    """Migrate the test database to `target`; the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def at_empty_visitor(transactional_db):
    """The test database with reviews migrated back to 0008; forward again afterwards."""
    apps = migrate(EMPTY_VISITOR)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def review_at(apps):
    movie = apps.get_model("reviews", "Movie").objects.create(title="Heat")
    # ml is not migrated back: its model of today is the table's.
    version = ModelVersion.objects.create(version="v1", storage_key="v1", sha256="a")
    return apps.get_model("reviews", "Review").objects.create(
        movie=movie,
        text="Great.",
        sentiment="positive",
        probability_positive=0.9,
        model_version_id=version.pk,
    )


def test_migrating_keeps_every_true_label_and_vote_and_names_no_visitor_for_labels(
    at_empty_visitor,
):
    review = review_at(at_empty_visitor)
    feedback = at_empty_visitor.get_model("reviews", "Feedback").objects
    for label in ["positive", "negative"]:
        feedback.create(review=review, label=label, source="staff", visitor_key="")
    feedback.create(review=review, label="negative", source="visitor", visitor_key="session:a")

    migrate(NULL_VISITOR)

    assert sorted(Feedback.objects.values_list("source", "label", "visitor_key")) == [
        ("staff", "negative", None),
        ("staff", "positive", None),
        ("visitor", "negative", "session:a"),
    ]


def test_migrating_back_gives_true_labels_an_empty_visitor_again(at_empty_visitor):
    review = review_at(migrate(NULL_VISITOR))
    Feedback.objects.create(review_id=review.pk, label="positive", source="staff")

    apps = migrate(EMPTY_VISITOR)

    labels = apps.get_model("reviews", "Feedback").objects.values_list("visitor_key", flat=True)
    assert list(labels) == [""]
