"""Errors of the store layer: a journal that cannot be opened, written or trusted."""

from __future__ import annotations

from pythia.core.errors import DataError, PythiaError


class StoreError(PythiaError):
    """The journal's database cannot be used: unreachable, missing, locked or inconsistent.

    Messages name the journal by its masked URL (``postgresql://user:***@host/db``), never
    with a password.
    """


class JournalLocked(StoreError):
    """Another process (or another open ``Journal``) is already the journal's writer."""


class PayloadRefused(DataError):
    """A record's payload may not be journaled: a secret-looking key, a float, a bad type.

    The message names the offending key path (``order.legs[0].api_key``), never its value.
    """
