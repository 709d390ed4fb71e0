"""Tardis.dev normalized CSV datasets: ``book_snapshot_<N>``, ``incremental_book_L2``,
``trades`` and ``quotes`` of any exchange Tardis records.

Instruments are ``tardis:<exchange>:<symbol>``; ``timestamp`` (exchange time) and
``local_timestamp`` (Tardis receive time) are microseconds, turned into nanoseconds.
"""
