from django.contrib import admin
from django.urls import include, path

from reviewsite.middleware.rate_limits import login_locked_out

urlpatterns = [
    # Before the admin's own patterns, so its sign-in is refused to an address that keeps failing.
    path("admin/login/", login_locked_out(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/", include("reviews.api.urls")),
    path("", include("reviews.urls")),
]
