"""Admin behaviour shared by the apps."""


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
