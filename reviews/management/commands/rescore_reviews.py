"""Re-score stored reviews with the active model (a thin shell around reviews_rescore)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ml.classifier import ModelUnavailable
from reviews.models import Movie, Review
from reviews.parallel import RescoreWorkerFailed
from reviews.progress import ProgressReporter
from reviews.services import reviews_rescore


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
            "--since", help="Only reviews written on or after this date (YYYY-MM-DD)."
        )
        parser.add_argument("--limit", type=int, help="Score at most this many reviews.")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--workers", type=int, default=1, help="Processes to split the work over."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Score and report changes; write nothing."
        )
        parser.add_argument("--version", help="With --dry-run: try this (inactive) version.")

    def handle(self, *args, **options):
        batch_size, workers, limit = options["batch_size"], options["workers"], options["limit"]
        version, dry_run = options["version"], options["dry_run"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if limit is not None and limit < 0:
            raise CommandError("--limit cannot be negative")
        if version and not dry_run:
            raise CommandError("--version needs --dry-run: only the active model writes")
        reviews = self.select_reviews(options["movie"], options["since"])

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

    def select_reviews(self, movie: str | None, since: str | None):
        reviews = Review.objects.all()
        if movie:
            lookup = {"pk": int(movie)} if movie.isdigit() else {"title": movie}
            try:
                reviews = reviews.filter(movie=Movie.objects.get(**lookup))
            except Movie.DoesNotExist:
                raise CommandError(f"no movie {movie!r} (give its exact title or id)") from None
        if since:
            try:
                moment = datetime.datetime.fromisoformat(since)
            except ValueError:
                raise CommandError(f"--since {since!r} is not a date (YYYY-MM-DD)") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            reviews = reviews.filter(created_at__gte=moment)
        return reviews
