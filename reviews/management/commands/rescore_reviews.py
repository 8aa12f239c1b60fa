"""Re-score stored reviews with the active model (a thin shell around reviews_rescore)."""

from django.core.management.base import BaseCommand, CommandError

from ml.classifier import ModelUnavailable
from reviews.models import Review
from reviews.services import reviews_rescore


class Command(BaseCommand):
    help = (
        "Bring stored reviews up to the active model: batches by primary key, one transaction "
        "per batch, reviews already scored by it skipped (so an interrupted run resumes)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version V` names a model version here, not Django's own version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--limit", type=int, help="Score at most this many reviews.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Score and report changes; write nothing."
        )
        parser.add_argument("--version", help="With --dry-run: try this (inactive) version.")

    def handle(self, *args, **options):
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if options["version"] and not options["dry_run"]:
            raise CommandError("--version needs --dry-run: only the active model writes")
        try:
            result = reviews_rescore(
                reviews=Review.objects.all(),
                version=options["version"],
                batch_size=batch_size,
                limit=options["limit"],
                dry_run=options["dry_run"],
            )
        except ModelUnavailable as error:
            raise CommandError(str(error)) from None
        verb = "would change" if result.dry_run else "changed"
        self.stdout.write(
            self.style.SUCCESS(
                f"Scored {result.scored} reviews with model {result.target_version} "
                f"({result.skipped} already up to date, skipped); {verb} {result.changed} "
                f"({result.to_negative} positive to negative, {result.to_positive} negative "
                f"to positive) in {result.seconds:.1f} s, {result.rate:.0f} reviews/s."
            )
        )
