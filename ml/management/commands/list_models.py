"""List the registered model versions, newest first."""

from django.core.management.base import BaseCommand

from ml.models import ModelVersion


class Command(BaseCommand):
    help = "List registered model versions with their held-out accuracy; * marks the active one."

    def handle(self, *args, **options):
        versions = ModelVersion.objects.order_by("-created_at")
        if not versions:
            self.stdout.write("No models yet; train one with `python manage.py train_model`.")
            return
        for model_version in versions:
            accuracy = model_version.metrics.get("held_out", {}).get("accuracy")
            shown = f"{accuracy:.4f}" if accuracy is not None else "   -  "
            marker = "*" if model_version.is_active else " "
            self.stdout.write(
                f"{marker} {model_version.version}  accuracy {shown}  "
                f"{model_version.created_at:%Y-%m-%d %H:%M}  {model_version.storage_key}"
            )
