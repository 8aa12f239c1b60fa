from django.contrib import admin
from django.urls import include, path

from reviews.admin.dashboard import dashboard
from reviewsite.middleware.rate_limits import LOGIN, rate_limit

urlpatterns = [
    # Before the admin's own patterns: every sign-in attempt is counted per address.
    path("admin/login/", rate_limit(LOGIN)(admin.site.login)),
    path("admin/dashboard/", admin.site.admin_view(dashboard), name="admin-dashboard"),
    path("admin/", admin.site.urls),
    path("api/", include("reviews.api.urls")),
    path("", include("reviews.urls")),
]
