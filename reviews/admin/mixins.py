"""Admin behaviour the site's admins share: read-only history, checked selections, lookups."""

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList

from reviews.parsing import is_row_id


class ReadOnlyAdminMixin:
    """Rows that change only through the site's own code paths, never by hand in the admin.

    Reviews are stored with their prediction by the form, predictions only by scoring, and
    model versions only by training (`train_model`); stored predictions refer to their
    version, so the registry is part of the history and is never deleted either.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CheckedSelectionAdminMixin:
    """An action posted with ids that name no row answers with a message, not a 500.

    Django filters by the posted ids as they come: "abc" fails in the filter, and a number
    past 64 bits in the database (or, in an export, halfway through the download).
    """

    def response_action(self, request, queryset):
        if not all(map(is_row_id, request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))):
            self.message_user(
                request,
                "The rows sent are not rows of this list: tick the rows to act on and try again.",
                messages.ERROR,
            )
            return None  # Django then shows the list again, with the message
        return super().response_action(request, queryset)


class CheckedLookupsChangeList(ChangeList):
    """A date-hierarchy year out of range is a bad lookup (the list again), not a 500.

    Django turns only the ValueError of building the first day into a bad lookup; a year
    too large for C (OverflowError), or the year 9999 (whose end is past datetime's range),
    escape it.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            if not self.date_hierarchy_in(request):
                raise  # another filter's error is a bug to see, not a bad lookup
            raise IncorrectLookupParameters(error) from error

    def date_hierarchy_in(self, request) -> bool:
        prefix = f"{self.date_hierarchy}__"
        return bool(self.date_hierarchy) and any(name.startswith(prefix) for name in request.GET)
