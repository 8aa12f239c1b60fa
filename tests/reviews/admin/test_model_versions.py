"""The model registry: metrics, counts, activation."""

import re

from django.contrib.messages.constants import ERROR, SUCCESS
from django.urls import reverse

from ml.models import ModelVersion
from tests.conftest import register
from tests.reviews.admin.helpers import (
    MAX_VERSION_LIST_QUERIES,
    VERSIONS,
    action,
    messages_of,
    staff_user,
    stored_review,
)


def test_model_version_detail_shows_metrics_as_a_table_and_the_artifact_read_only(
    admin_client, active_model
):
    active_model.metrics = {
        "held_out": {
            "n": 200,
            "accuracy": 0.875,
            "f1": {"negative": 0.87, "positive": 0.88},
            "confusion_matrix": [[88, 12], [13, 87]],
            "brier": 0.09,
        }
    }
    active_model.save()

    response = admin_client.get(reverse("admin:ml_modelversion_change", args=[active_model.pk]))

    content = response.content.decode()
    assert "<td>0.8750</td>" in content
    assert "<td>0.8700</td>" in content and "<td>0.8800</td>" in content
    assert "Actually negative</th><td>88</td><td>12</td>" in content
    assert "Actually positive</th><td>13</td><td>87</td>" in content
    storage_key = r'<label>Storage key:</label>\s*<div class="readonly">test-model</div>'
    assert re.search(storage_key, content)
    assert active_model.sha256 in content
    assert 'name="sha256"' not in content and 'name="storage_key"' not in content


def test_model_version_list_shows_how_many_reviews_each_version_scored(
    admin_client, ozark, active_model, old_model
):
    for _ in range(3):
        stored_review(ozark, active_model)
    stored_review(ozark, old_model)

    response = admin_client.get(VERSIONS)

    scored = {
        version.version: version.reviews_scored for version in response.context["cl"].result_list
    }
    assert scored == {"test-model": 3, "old-model": 1}


def test_model_version_list_renders_in_a_fixed_number_of_queries(
    admin_client, ozark, active_model, trained_artifact, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_VERSION_LIST_QUERIES):
        assert admin_client.get(VERSIONS).status_code == 200

    for number in range(20):
        stored_review(ozark, register(trained_artifact, version=f"v{number}", active=False))
    with django_assert_max_num_queries(MAX_VERSION_LIST_QUERIES):
        assert admin_client.get(VERSIONS).status_code == 200


def test_activate_action_makes_the_selected_version_the_active_one(
    admin_client, active_model, old_model
):
    response = action(admin_client, VERSIONS, "activate", [old_model])

    assert ModelVersion.objects.get(is_active=True) == old_model
    [(level, message)] = messages_of(response)
    assert level == SUCCESS
    assert message.startswith("Model old-model is now active")


def test_activate_action_refuses_an_altered_artifact_and_says_why(admin_client, active_model):
    altered = ModelVersion.objects.create(
        version="altered",
        storage_key=active_model.storage_key,
        sha256="0" * 64,
    )

    response = action(admin_client, VERSIONS, "activate", [altered])

    assert ModelVersion.objects.get(is_active=True) == active_model
    [(level, message)] = messages_of(response)
    assert level == ERROR
    assert "altered cannot be activated" in message


def test_activate_action_refuses_more_than_one_version(admin_client, active_model, old_model):
    response = action(admin_client, VERSIONS, "activate", [active_model, old_model])

    assert ModelVersion.objects.get(is_active=True) == active_model
    assert messages_of(response) == [(ERROR, "Select exactly one version to activate.")]


def test_activate_action_needs_the_change_permission(client, active_model, old_model):
    client.force_login(staff_user("ml.view_modelversion"))

    listing = client.get(VERSIONS).content.decode()
    action(client, VERSIONS, "activate", [old_model])

    assert 'value="activate"' not in listing
    assert ModelVersion.objects.get(is_active=True) == active_model


def test_model_versions_cannot_be_added_changed_or_deleted_through_the_admin(
    admin_client, active_model
):
    change = reverse("admin:ml_modelversion_change", args=[active_model.pk])

    assert admin_client.get(reverse("admin:ml_modelversion_add")).status_code == 403
    admin_client.post(change, {"sha256": "0" * 64, "is_active": ""})
    deleted = admin_client.post(
        reverse("admin:ml_modelversion_delete", args=[active_model.pk]), {"post": "yes"}
    )

    assert deleted.status_code == 403
    active_model.refresh_from_db()
    assert active_model.is_active and active_model.sha256 != "0" * 64
