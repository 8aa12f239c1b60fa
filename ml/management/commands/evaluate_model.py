"""Score a labelled CSV with a registered model and print the metrics as one JSON object."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from ml import dataset
from ml import pipeline as ml_pipeline
from ml.classifier import ModelUnavailable, get_active_classifier, get_classifier


class Command(BaseCommand):
    help = (
        "Evaluate a model (default: the active one) on a labelled CSV; prints n, accuracy, "
        "F1 per class, confusion matrix, Brier score, seconds and reviews per second as JSON."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version V` names a model version here, not Django's own version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="CSV file with a header row.")
        parser.add_argument("--text-column", default="text")
        parser.add_argument("--label-column", default="label")
        parser.add_argument("--version", help="A version from `list_models` (default: active).")

    def handle(self, *args, **options):
        try:
            data = dataset.load_csv(
                options["data"],
                text_column=options["text_column"],
                label_column=options["label_column"],
                require_both_classes=False,
            )
            version = options["version"]
            classifier = get_classifier(version) if version else get_active_classifier()
        except (dataset.DatasetError, ModelUnavailable) as error:
            raise CommandError(str(error)) from None
        started = time.perf_counter()
        metrics = ml_pipeline.evaluate(classifier.model, data.texts, data.labels)
        seconds = time.perf_counter() - started
        metrics.pop("reliability")
        report = {
            "version": classifier.version,
            **metrics,
            "seconds": round(seconds, 3),
            "reviews_per_second": round(len(data) / seconds, 1),
        }
        self.stdout.write(json.dumps(report))
