"""Alembic migrations of the book schema (run on open, after a backup copy)."""
