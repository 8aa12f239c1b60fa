"""The model registry: every trained model version, and which one serves."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ModelVersion(models.Model):
    version = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    storage_key = models.CharField(
        max_length=500,
        help_text="Folder in the models storage holding model.joblib and metadata.json.",
    )
    sha256 = models.CharField(max_length=64, help_text="Checksum of model.joblib.")
    training_data = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The database itself guarantees there is never more than one active model.
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="ml_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return self.version
