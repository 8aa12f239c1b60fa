from django.contrib import admin
from django.urls import include, path

from reviewsite.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("reviews.api")),
    path("", include("reviews.urls")),
]
