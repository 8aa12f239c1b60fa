"""Fixtures the admin tests share."""

import pytest

from ml.models import ModelVersion
from reviews.admin import paging as admin_paging
from reviews.admin.reviews import ReviewAdmin
from reviews.models import Movie
from tests.conftest import register


@pytest.fixture
def vincenzo(db) -> Movie:
    return Movie.objects.get(title="Vincenzo")


@pytest.fixture
def old_model(trained_artifact, active_model) -> ModelVersion:
    return register(trained_artifact, version="old-model", active=False)


@pytest.fixture
def small_paging_limits(monkeypatch):
    """Counts stop after 5 rows; results of up to 3 rows are fetched by id."""
    monkeypatch.setattr(admin_paging, "COUNT_LIMIT", 5)
    monkeypatch.setattr(admin_paging, "FEW_ROWS", 3)


@pytest.fixture
def two_a_page(monkeypatch):
    monkeypatch.setattr(ReviewAdmin, "list_per_page", 2)


@pytest.fixture
def refresh_at_once(settings):
    settings.MODEL_REFRESH_SECONDS = 0
