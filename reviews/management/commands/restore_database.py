"""Replace the database's contents with a backup made by backup_database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.services.backups import BackupRefused, database_restore


class Command(BaseCommand):
    help = (
        "Restore the database from a backup_database file. Refused onto a database that "
        "holds reviews unless --force. Stop the site (web and worker) while it runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A file made by backup_database.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that holds reviews (what it holds now is lost).",
        )

    def handle(self, *args, **options):
        try:
            done = database_restore(options["path"], force=options["force"])
        except BackupRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(done))
