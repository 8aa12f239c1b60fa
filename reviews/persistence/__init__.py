"""Writes in bulk SQL: the database-specific fast paths live here and only here."""
