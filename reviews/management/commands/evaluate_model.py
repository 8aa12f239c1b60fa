"""Evaluate a registered model and print the metrics as one JSON object: on a labelled CSV
(--data), or on the site's own truly labelled reviews (--stored).

It lives in reviews, not ml, because --stored reads the site's reviews and their true labels
(reviews.selectors.accuracy), and ml never imports reviews. --data uses ml alone.
"""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from ml import dataset
from ml import pipeline as ml_pipeline
from ml.classifier import ModelUnavailable, get_active_classifier, get_classifier
from reviews.selectors.accuracy import live_accuracy_of


class Command(BaseCommand):
    help = (
        "Evaluate a model (default: the active one). With --data, on a labelled CSV: prints "
        "n, accuracy, F1 per class, confusion matrix, Brier score, seconds and reviews per "
        "second as JSON. With --stored, on the stored reviews' true labels, from the "
        "predictions the version made: n, accuracy, its 95% Wilson interval, the confusion "
        "matrix and visitors' agreement, as JSON."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version V` names a model version here, not Django's own version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--data", help="CSV file with a header row.")
        source.add_argument(
            "--stored",
            action="store_true",
            help="The stored reviews with a true label, scored as they were (nothing is run).",
        )
        parser.add_argument("--text-column", default="text")
        parser.add_argument("--label-column", default="label")
        parser.add_argument("--version", help="A version from `list_models` (default: active).")

    def handle(self, *args, **options):
        if options["stored"]:
            try:
                report = live_accuracy_of(version=options["version"]).as_dict()
            except ModelUnavailable as error:
                raise CommandError(str(error)) from None
        else:
            report = self.evaluate_csv(options)
        self.stdout.write(json.dumps(report))

    def evaluate_csv(self, options) -> dict:
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
        return {
            "version": classifier.version,
            **metrics,
            "seconds": round(seconds, 3),
            "reviews_per_second": round(len(data) / seconds, 1),
        }
