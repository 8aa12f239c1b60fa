"""Back the database up while the site takes writes, and restore it.

SQLite: the sqlite3 module's online backup API, one step, so the copy is one consistent
snapshot (in WAL mode writers carry on meanwhile); the backup is an SQLite file. PostgreSQL:
pg_dump's custom format, one consistent snapshot of its own (MVCC); restored by pg_restore.
A restore is refused onto a database that holds reviews unless forced.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

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
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def database_backup(path: Path) -> str:
    """Copy the database to `path` (not overwritten if it exists). Returns what was done."""
    if path.exists():
        raise BackupRefused(f"{path} exists already; choose a new file for the backup")
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        sqlite_copy(connection.settings_dict["NAME"], path)
        return f"SQLite database copied to {path}"
    if connection.vendor == "postgresql":
        pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={path}")
        return f"PostgreSQL database dumped to {path} (pg_dump custom format)"
    raise BackupRefused(f"backups of a {connection.vendor} database are not supported")


def database_restore(path: Path, *, force: bool = False) -> str:
    """Replace the database's contents with the backup at `path`."""
    if not path.is_file():
        raise BackupRefused(f"no backup at {path}")
    header = path.read_bytes()[:16] if path.stat().st_size else b""
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
    if connection.vendor == "sqlite":
        sqlite_copy(path, connection.settings_dict["NAME"])
        return f"SQLite database restored from {path}"
    pg_tool("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(path))
    return f"PostgreSQL database restored from {path}"


def holds_reviews() -> bool:
    try:
        return Review.objects.exists()
    except DatabaseError:  # no tables yet: a fresh, empty database
        return False


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
        last_line = (finished.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupRefused(f"{name} failed: {last_line}")
