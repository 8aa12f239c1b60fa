from django.contrib import admin

from ml.models import ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "created_at", "is_active"]
    readonly_fields = [
        "version",
        "created_at",
        "artifact_path",
        "sha256",
        "training_data",
        "metrics",
        "is_active",
    ]

    def has_add_permission(self, request) -> bool:
        return False
