"""Fixtures the API tests share: a user and an API token of theirs."""

import pytest
from django.contrib.auth import get_user_model

from reviews.services.tokens import api_token_create


@pytest.fixture
def api_user(db):
    return get_user_model().objects.create_user("api-client", password="not-used-here")


@pytest.fixture
def token(api_user) -> str:
    return api_token_create(name="tests", user=api_user)[1]
