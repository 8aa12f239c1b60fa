"""backup_database and restore_database on the test's own database (SQLite file or
PostgreSQL, whichever the suite runs on): an online copy while reviews are written, restored
into a fresh database with every review accepted before it and its prediction history."""

import os
import secrets
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from reviews.models import Movie, Prediction
from reviews.services.scoring import review_create
from tests import PROJECT
from tests.conftest import database_url

pytestmark = pytest.mark.slow

HISTORY = "SELECT review_id, model_version_id, sentiment FROM reviews_prediction"


@pytest.fixture
def fresh_database(transactional_db, tmp_path) -> Iterator[str]:
    """The URL of a new, empty database of the suite's kind; dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"restored_{secrets.token_hex(4)}"
    server = database_url().rsplit("/", 1)[0]
    with closing(psycopg.connect(f"{server}/postgres", autocommit=True)) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with closing(psycopg.connect(f"{server}/postgres", autocommit=True)) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(url: str, query: str) -> set[tuple]:
    if url.startswith("sqlite:///"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as database:
            return set(database.execute(query).fetchall())
    with closing(psycopg.connect(url)) as database:
        return set(database.execute(query).fetchall())


def manage(url: str, *arguments: str) -> subprocess.CompletedProcess:
    """A command run against the database at `url`, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": settings.SECRET_KEY},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def ozark(transactional_db):
    # get_or_create: an earlier transactional test may have flushed the migrated movies.
    return Movie.objects.get_or_create(title="Ozark")[0]


def history() -> set[tuple]:
    return set(Prediction.objects.values_list("review_id", "model_version_id", "sentiment"))


@pytest.fixture
def backup(transactional_db, active_model, ozark, tmp_path):
    for number in range(5):
        review_create(movie_id=ozark.pk, text=f"A fine film, number {number}.")
    path = tmp_path / "backup"
    call_command("backup_database", str(path))
    return path


def test_a_backup_taken_during_writes_restores_every_review_accepted_before_it(
    transactional_db, active_model, ozark, tmp_path, fresh_database
):
    for number in range(20):
        review_create(movie_id=ozark.pk, text=f"Accepted before the backup, {number}.")
    accepted_before = history()
    writing, stop, written = threading.Event(), threading.Event(), []

    def write_meanwhile():
        try:
            while not stop.is_set():
                written.append(review_create(movie_id=ozark.pk, text="Written meanwhile.").pk)
                writing.set()
        finally:
            connection.close()

    writer = threading.Thread(target=write_meanwhile)
    writer.start()
    try:
        assert writing.wait(30), "the writer stored nothing"
        call_command("backup_database", str(tmp_path / "backup"))
        written_during = len(written)
    finally:
        stop.set()
        writer.join()

    restored = manage(fresh_database, "restore_database", str(tmp_path / "backup"))

    assert restored.returncode == 0, restored.stderr
    restored_history = rows(fresh_database, HISTORY)
    assert accepted_before <= restored_history
    # A consistent copy: no review caught without its prediction while it was written.
    reviews = rows(fresh_database, "SELECT id FROM reviews_review")
    assert reviews == {(review_id,) for review_id, _, _ in restored_history}
    assert written_during >= 1


def test_every_restored_review_has_its_prediction(backup, fresh_database):
    manage(fresh_database, "restore_database", str(backup))

    reviews = rows(fresh_database, "SELECT id FROM reviews_review")
    predicted = {(review_id,) for review_id, _, _ in rows(fresh_database, HISTORY)}
    assert reviews and reviews == predicted


def test_a_restore_onto_a_database_with_reviews_is_refused_unless_forced(backup, fresh_database):
    manage(fresh_database, "restore_database", str(backup))

    refused = manage(fresh_database, "restore_database", str(backup))
    forced = manage(fresh_database, "restore_database", str(backup), "--force")

    assert refused.returncode == 1 and "holds reviews already" in refused.stderr
    assert "--force" in refused.stderr
    assert forced.returncode == 0, forced.stderr
    assert rows(fresh_database, HISTORY) == history()


def test_a_backup_never_overwrites_a_file(backup):
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_database", str(backup))


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(
    transactional_db, active_model, ozark, tmp_path
):
    review_create(movie_id=ozark.pk, text="Kept.")
    stored = history()
    (tmp_path / "notes.txt").write_text("not a backup")

    with pytest.raises(CommandError, match="is not"):
        call_command("restore_database", str(tmp_path / "notes.txt"), "--force")

    assert history() == stored


def test_a_missing_backup_is_refused_in_one_line(transactional_db, tmp_path):
    with pytest.raises(CommandError, match="no backup at"):
        call_command("restore_database", str(tmp_path / "missing"))


def test_a_backup_that_fails_says_why_in_one_line_and_leaves_no_file(transactional_db, tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    path = tmp_path / "not-a-folder" / "backup"

    with pytest.raises(CommandError, match="the backup failed"):
        call_command("backup_database", str(path))

    assert list(tmp_path.iterdir()) == [tmp_path / "not-a-folder"]
