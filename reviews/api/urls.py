"""Mounted at /api/ by reviewsite/urls.py."""

from reviews.api.app import api

app_name = api.urls_namespace
urlpatterns = api.urls[0]
