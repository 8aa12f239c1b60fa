"""Admin for API tokens: create one (its secret is shown once, on the page that follows) or
revoke one."""

from django.contrib import admin
from django.template.response import TemplateResponse

from reviews.admin.mixins import CheckedSelectionAdminMixin
from reviews.models import ApiToken
from reviews.services.tokens import api_token_issue


@admin.register(ApiToken)
class ApiTokenAdmin(CheckedSelectionAdminMixin, admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["created_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user"]
        return ["name", "user", "is_active", "created_at", "last_used_at"]

    def get_changeform_initial_data(self, request):
        return {"user": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            # The secret lives only on this object until the next page shows it.
            obj.issued_secret = api_token_issue(obj)

    def response_add(self, request, obj, post_url_continue=None):
        """Show the secret once instead of redirecting: it never goes into a cookie, a
        session or a log."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API token created",
            "token": obj,
            "secret": obj.issued_secret,
        }
        # Admin views are never_cache: the page with the secret is not kept by the browser.
        return TemplateResponse(request, "admin/reviews/apitoken/created.html", context)
