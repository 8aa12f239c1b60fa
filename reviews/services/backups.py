"""Back the database up while the site takes writes, and restore it.

SQLite: the sqlite3 module's online backup API, one step, so the copy is one consistent
snapshot (in WAL mode writers carry on meanwhile); the backup is an SQLite file. PostgreSQL:
pg_dump's custom format, one consistent snapshot of its own (MVCC); restored by pg_restore.
A restore is refused onto a database that holds reviews unless forced.
"""

import contextlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.db.utils import DatabaseError

from reviews.models import Review

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupRefused(Exception):
    """Why a backup or restore was not made, in one line; nothing was written."""


def sqlite_copy(source_path, target_path) -> None:
    """The whole of one SQLite database into another, in one step of the backup API: one
    consistent snapshot, whatever is written meanwhile."""
    source, target = sqlite3.connect(source_path, timeout=20), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def database_backup(path: Path) -> str:
    """Copy the database to `path` (never over an existing file; a failed backup leaves no
    file). Returns what was done."""
    if path.exists():
        raise BackupRefused(f"{path} exists already; choose a new file for the backup")
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "sqlite":
            source = Path(connection.settings_dict["NAME"])
            if not source.is_file():
                raise BackupRefused(f"no SQLite database at {source}")
            sqlite_copy(source, partial)
            done = f"SQLite database copied to {path}"
        elif connection.vendor == "postgresql":
            pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={partial}")
            done = f"PostgreSQL database dumped to {path} (pg_dump custom format)"
        else:
            raise BackupRefused(f"backups of a {connection.vendor} database are not supported")
        partial.replace(path)
    except (OSError, sqlite3.Error) as error:
        raise BackupRefused(f"the backup failed: {error}") from None
    finally:
        with contextlib.suppress(OSError):  # no folder to hold it: nothing was written
            partial.unlink(missing_ok=True)
    return done


def database_restore(path: Path, *, force: bool = False) -> str:
    """Replace the database's contents with the backup at `path`, then clear the cache (the
    pages cached for the content before it would otherwise come back for reused ids)."""
    if not path.is_file():
        raise BackupRefused(f"no backup at {path}")
    with path.open("rb") as backup:
        header = backup.read(16)
    expected = SQLITE_HEADER if connection.vendor == "sqlite" else PG_DUMP_HEADER
    if not header.startswith(expected):
        kind = "an SQLite file" if connection.vendor == "sqlite" else "a pg_dump custom file"
        raise BackupRefused(f"{path} is not {kind}, the backup this {connection.vendor} takes")
    if not force and holds_reviews():
        raise BackupRefused(
            "the database holds reviews already; restore into an empty database, or pass "
            "--force to replace them"
        )
    connection.close()
    try:
        if connection.vendor == "sqlite":
            sqlite_copy(path, connection.settings_dict["NAME"])
            done = f"SQLite database restored from {path}"
        else:
            pg_tool(
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                str(path),
            )
            done = f"PostgreSQL database restored from {path}"
    except (OSError, sqlite3.Error) as error:
        raise BackupRefused(f"the restore failed: {error}") from None
    cache.clear()
    return done


def holds_reviews() -> bool:
    """Whether the database holds a review; a database without the table holds none. Any
    other failure to tell (locked, unreachable) refuses the restore."""
    try:
        if Review._meta.db_table not in connection.introspection.table_names():
            return False
        return Review.objects.exists()
    except DatabaseError as error:
        raise BackupRefused(f"cannot tell whether the database holds reviews: {error}") from None


def pg_tool(name: str, *arguments: str) -> None:
    """Run pg_dump or pg_restore on the configured database (libpq's variables carry its
    password, not the command line)."""
    if shutil.which(name) is None:
        raise BackupRefused(f"{name} is not installed (PostgreSQL's client tools)")
    settings = connection.settings_dict
    environment = {
        "PGHOST": settings["HOST"] or "",
        "PGPORT": str(settings["PORT"] or ""),
        "PGUSER": settings["USER"] or "",
        "PGPASSWORD": settings["PASSWORD"] or "",
        "PGDATABASE": settings["NAME"],
    }
    if name == "pg_restore":
        arguments = ("--dbname", settings["NAME"], *arguments)
    finished = subprocess.run(
        [name, *arguments],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        lines = finished.stderr.strip().splitlines() or ["no message"]
        # With --single-transaction pg_restore stops at its first error; later lines are
        # the statement ("Command was: ..."), not the reason.
        reason = next((line for line in lines if "error:" in line), lines[-1])
        raise BackupRefused(f"{name} failed: {reason}")
