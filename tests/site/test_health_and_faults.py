"""Health checks, logs, and behaviour when the database or the model file fails."""

import contextlib
import json
import logging
import shutil

import pytest
from django.db import connection
from django.urls import reverse

from ml.artifact_store import artifact_publish
from ml.models import ModelVersion
from reviews.models import Review
from reviews.services.scoring import review_create

HOME = reverse("reviews:home")


DAMAGED_FILE = "damaged/model.joblib"


@pytest.fixture
def damaged_model(db, trained_artifact, tmp_path):
    """The active model, its stored file altered after registration."""
    directory = tmp_path / "damaged"
    shutil.copytree(trained_artifact.directory, directory)
    (directory / "model.joblib").write_bytes(b"replaced by someone")
    artifact_publish(directory, key="damaged")
    return ModelVersion.objects.create(
        version="damaged",
        storage_key="damaged",
        sha256=trained_artifact.sha256,
        is_active=True,
    )


@contextlib.contextmanager
def database_down():
    """Point the connection at a database that cannot be reached; restore afterwards."""
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent-directory/db.sqlite3"
    else:
        settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        settings_dict.update(saved)


def test_healthz_reports_ok_and_the_active_model_version(client, active_model):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model_version": active_model.version}


def test_healthz_is_503_naming_the_model_when_no_model_is_active(client, db, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["model"]}
    assert "no active model" in caplog.text


def test_healthz_never_shows_the_model_files_name_but_logs_it(client, damaged_model, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/healthz")

    assert response.json() == {"status": "unavailable", "failing": ["model"]}
    assert DAMAGED_FILE not in response.content.decode()
    assert DAMAGED_FILE in caplog.text


@pytest.mark.django_db(transaction=True)
def test_healthz_never_shows_the_database_error_but_logs_it(client, caplog):
    with caplog.at_level(logging.ERROR), database_down():
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["database"]}
    assert "database is unavailable" in caplog.text


def test_an_altered_model_file_makes_the_form_answer_503_and_store_nothing(
    client, ozark, damaged_model, caplog
):
    with caplog.at_level(logging.ERROR):
        response = client.post(HOME, {"movie": ozark.pk, "review": "Great."})

    assert response.status_code == 503
    assert b"model is unavailable" in response.content
    assert not Review.objects.exists()
    assert DAMAGED_FILE in caplog.text


def test_other_pages_keep_working_when_the_model_file_is_altered(client, ozark, damaged_model):
    review = Review.objects.create(
        movie=ozark,
        text="Stored earlier.",
        sentiment="positive",
        probability_positive=0.9,
        model_version=damaged_model,
    )

    assert client.get(HOME).status_code == 200
    assert client.get(f"/movies/{ozark.pk}/").status_code == 200
    result = client.get(f"/reviews/{review.pk}/")
    assert result.status_code == 200
    assert b"Stored earlier." in result.content


@pytest.mark.django_db(transaction=True)
def test_pages_answer_503_while_the_database_is_down_and_recover_after(client, active_model):
    assert client.get(HOME).status_code == 200

    with database_down():
        down = client.get(HOME)
        health = client.get("/healthz")

    assert down.status_code == 503
    assert b"cannot reach its database" in down.content
    assert health.status_code == 503
    assert health.json()["status"] == "unavailable"
    assert client.get(HOME).status_code == 200


def test_each_prediction_is_logged_as_one_json_line(ozark, active_model, caplog):
    from reviewsite.logging import JsonFormatter

    with caplog.at_level(logging.INFO, logger="reviews.services"):
        review = review_create(movie_id=ozark.pk, text="Superb.")

    records = [record for record in caplog.records if record.getMessage() == "review scored"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["review_id"] == review.pk
    assert line["model_version"] == active_model.version
    assert line["sentiment"] == review.sentiment
    assert line["latency_ms"] > 0
