"""Migration scripts, one a schema version: ``NNNN_what.py`` with ``revision = "NNNN"``."""
