"""Make one registered model version the active one."""

from django.core.management.base import BaseCommand, CommandError

from ml.classifier import ModelUnavailable
from ml.services import model_activate


class Command(BaseCommand):
    help = (
        "Activate a registered model version. Running web workers switch to it within "
        "MODEL_REFRESH_SECONDS, without a restart."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", help="A version from `list_models`.")

    def handle(self, *args, **options):
        try:
            model_version = model_activate(version=options["version"])
        except ModelUnavailable as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Model {model_version.version} is now active."))
