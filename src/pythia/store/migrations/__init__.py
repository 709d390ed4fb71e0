"""Alembic migrations of the journal schema (applied by ``Journal.open``; see migrate.py)."""
