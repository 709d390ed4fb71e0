"""Store tests run on SQLite and PostgreSQL (see journalkit.py)."""

from store.journalkit import journal_url  # noqa: F401  (the two-backend fixture)
