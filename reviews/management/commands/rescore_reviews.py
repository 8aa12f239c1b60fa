"""Re-score stored reviews with the active model: in this process (reviews_rescore), or as
a background job on the Celery workers (--queue), followed to its end with --wait."""

import time

from django.core.management.base import BaseCommand, CommandError

from ml.classifier import ModelUnavailable
from ml.management.arguments import non_negative_int, positive_int
from reviews.management.arguments import moment
from reviews.management.progress import ProgressReporter
from reviews.models import Job, Movie
from reviews.selectors.jobs import job_progress
from reviews.selectors.reviews import reviews_matching
from reviews.services.jobs import rescore_job_queue
from reviews.services.parallel import RescoreWorkerFailed
from reviews.services.rescoring import ModelSuperseded, VersionNeedsDryRun, reviews_rescore


class Command(BaseCommand):
    help = (
        "Bring stored reviews up to the active model: batches by primary key, one transaction "
        "per batch, reviews the model already scored skipped (so an interrupted run resumes "
        "where it stopped). --dry-run --version V judges a candidate model without writing. "
        "--queue runs it as a background job on the Celery workers instead; --wait follows it."
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
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue a background job for the workers and print its id (see the admin's Jobs).",
        )
        parser.add_argument(
            "--wait", action="store_true", help="With --queue: follow the job until it ends."
        )

    def handle(self, *args, **options):
        movie, since, limit = options["movie"], options["since"], options["limit"]
        batch_size, workers = options["batch_size"], options["workers"]
        version, dry_run = options["version"], options["dry_run"]
        try:
            reviews = reviews_matching(movie=movie, since=since)
        except Movie.DoesNotExist:
            raise CommandError(f"no movie {movie!r} (give its exact title or id)") from None
        if options["queue"] or options["wait"]:
            self.queue(reviews, options)
            return

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

    def queue(self, reviews, options) -> None:
        in_process_only = [name for name in ("limit", "version") if options[name] is not None] + [
            name for name in ("dry_run",) if options[name]
        ]
        if options["workers"] != 1:
            in_process_only.append("workers")
        if in_process_only:
            flags = ", ".join(f"--{name.replace('_', '-')}" for name in in_process_only)
            raise CommandError(f"--queue runs on the Celery workers: {flags} only run in process")
        try:
            job = rescore_job_queue(reviews=reviews, batch_size=options["batch_size"])
        except ModelUnavailable as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Queued job {job.pk}: re-score with model {job.model_version}.")
        if options["wait"]:
            self.follow(job)

    def follow(self, job: Job) -> None:
        progress = ProgressReporter(self.stderr, label=f"Job {job.pk}")
        try:
            while not job.is_finished:
                time.sleep(0.5)
                job.refresh_from_db()
                progress.update(job.done, total=job.total)
        finally:
            progress.finish()
        rate = job_progress(job)["rate"]
        summary = (
            f"Job {job.pk} {job.get_status_display().lower()}: scored {job.done} of {job.total} "
            f"reviews, {job.changed} changed sentiment ({rate:.0f} reviews/s)."
        )
        if job.status != Job.Status.DONE:
            raise CommandError(f"{summary} {job.error}")
        self.stdout.write(self.style.SUCCESS(summary))
