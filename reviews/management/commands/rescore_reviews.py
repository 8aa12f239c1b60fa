"""Re-score stored reviews with the active model (a thin shell around reviews_rescore)."""

from django.core.management.base import BaseCommand, CommandError

from ml.classifier import ModelUnavailable
from ml.management.arguments import non_negative_int, positive_int
from reviews.management.arguments import moment
from reviews.management.progress import ProgressReporter
from reviews.models import Movie
from reviews.selectors.reviews import reviews_matching
from reviews.services.parallel import RescoreWorkerFailed
from reviews.services.rescoring import ModelSuperseded, VersionNeedsDryRun, reviews_rescore


class Command(BaseCommand):
    help = (
        "Bring stored reviews up to the active model: batches by primary key, one transaction "
        "per batch, reviews the model already scored skipped (so an interrupted run resumes "
        "where it stopped). --dry-run --version V judges a candidate model without writing."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version V` names a model version here, not Django's own version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--movie", help="Only this movie's reviews (title or id).")
        parser.add_argument(
            "--since", type=moment, help="Only reviews written on or after this date (YYYY-MM-DD)."
        )
        parser.add_argument(
            "--limit", type=non_negative_int, help="Score at most this many reviews."
        )
        parser.add_argument("--batch-size", type=positive_int, default=1000)
        parser.add_argument(
            "--workers", type=positive_int, default=1, help="Processes to split the work over."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Score and report changes; write nothing."
        )
        parser.add_argument("--version", help="With --dry-run: try this (inactive) version.")

    def handle(self, *args, **options):
        movie, since, limit = options["movie"], options["since"], options["limit"]
        batch_size, workers = options["batch_size"], options["workers"]
        version, dry_run = options["version"], options["dry_run"]
        try:
            reviews = reviews_matching(movie=movie, since=since)
        except Movie.DoesNotExist:
            raise CommandError(f"no movie {movie!r} (give its exact title or id)") from None

        progress = ProgressReporter(self.stderr, label="Re-scoring")
        try:
            result = reviews_rescore(
                reviews=reviews,
                version=version,
                batch_size=batch_size,
                limit=limit,
                dry_run=dry_run,
                workers=workers,
                progress=lambda done: progress.update(done.scored, total=done.pending),
            )
        except VersionNeedsDryRun:
            raise CommandError("--version needs --dry-run: only the active model writes") from None
        except ModelSuperseded:
            raise CommandError(
                "another model was activated during the run: the reviews scored before it "
                "are kept; run the command again to bring the rest up to the new model"
            ) from None
        except (ModelUnavailable, RescoreWorkerFailed) as error:
            raise CommandError(str(error)) from None
        finally:
            progress.finish()
        verb = "would change" if result.dry_run else "changed"
        self.stdout.write(
            self.style.SUCCESS(
                f"Scored {result.scored} reviews with model {result.target_version} "
                f"({result.skipped} already up to date, skipped); {verb} {result.changed} "
                f"({result.to_negative} positive to negative, {result.to_positive} negative "
                f"to positive) in {result.seconds:.2f} s, {result.rate:.0f} reviews/s."
            )
        )
