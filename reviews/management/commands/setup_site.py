"""Everything the site needs before it serves, in one process: `make setup` runs this."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Prepare the site to serve: apply migrations, train and activate the default model "
        "when no model is active (about a minute, once), and collect the static files. "
        "Safe to run again: what is already done is skipped."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        # One process for the three steps: each Django start-up costs seconds of imports.
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        call_command("train_model", if_none_active=True, verbosity=verbosity)
        call_command("collectstatic", interactive=False, verbosity=max(verbosity - 1, 0))
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS("The site is set up."))
