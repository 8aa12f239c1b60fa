"""Django's own user and group admins, answering an action sent with ids of no row with a
message, as the site's own admins do (reviews/admin/mixins.py). Imported by
reviews/admin/__init__.py, after django.contrib.auth has registered them."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from reviews.admin.mixins import CheckedSelectionAdminMixin

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class CheckedUserAdmin(CheckedSelectionAdminMixin, UserAdmin):
    pass


@admin.register(Group)
class CheckedGroupAdmin(CheckedSelectionAdminMixin, GroupAdmin):
    pass
