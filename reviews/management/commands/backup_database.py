"""Copy the database to a file while the site keeps taking writes."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.services.backups import BackupRefused, database_backup


class Command(BaseCommand):
    help = (
        "Back the database up to PATH, online: one consistent snapshot while the site keeps "
        "serving (SQLite: a copy made with its backup API; PostgreSQL: pg_dump's custom "
        "format). Restore it with restore_database."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A new file for the backup.")

    def handle(self, *args, **options):
        try:
            done = database_backup(options["path"])
        except BackupRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(done))
