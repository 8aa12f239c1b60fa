"""Make one registered model version the active one, unless the true labels say it is
worse (a command of the reviews app: the judgement reads the site's labelled reviews)."""

from django.core.management.base import BaseCommand, CommandError

from ml.classifier import ModelUnavailable
from reviews.services.activation import CandidateWorse, model_activate_judged


class Command(BaseCommand):
    help = (
        "Activate a registered model version. Running web workers switch to it within "
        "MODEL_REFRESH_SECONDS, without a restart. A version significantly worse than the "
        "active one on the reviews staff labelled (compare_models) is refused unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", help="A version from `list_models`.")
        parser.add_argument(
            "--force", action="store_true", help="Activate it even if the labels say it is worse."
        )

    def handle(self, *args, **options):
        try:
            model_version = model_activate_judged(
                version=options["version"], force=options["force"]
            )
        except CandidateWorse as error:
            raise CommandError(f"{error}; --force activates it anyway") from None
        except ModelUnavailable as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Model {model_version.version} is now active."))
