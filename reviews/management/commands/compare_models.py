"""Judge a candidate model against the active one (or another) on the site's true labels."""

import json

from django.core.management.base import BaseCommand, CommandError

from ml.classifier import ModelUnavailable, get_active_classifier, get_classifier
from reviews.selectors.comparison import models_compare


class Command(BaseCommand):
    help = (
        "Score the reviews staff gave a true label with CANDIDATE and with the baseline (the "
        "active model unless --baseline), writing nothing, and print one JSON object: n, both "
        "accuracies, the reviews only each got right, McNemar's exact p-value."
    )

    def add_arguments(self, parser):
        parser.add_argument("candidate", help="A version from `list_models`.")
        parser.add_argument("--baseline", help="Another version (default: the active one).")

    def handle(self, *args, **options):
        try:
            candidate = get_classifier(options["candidate"])
            baseline = (
                get_classifier(options["baseline"])
                if options["baseline"]
                else get_active_classifier()
            )
        except ModelUnavailable as error:
            raise CommandError(str(error)) from None
        comparison = models_compare(candidate=candidate, baseline=baseline)
        self.stdout.write(json.dumps(comparison.as_dict(), indent=2))
