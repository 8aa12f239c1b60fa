"""Reads about the site itself: is the database answering?"""

from django.db import connection


def database_check() -> None:
    """Raises django.db.DatabaseError when the database does not answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
