"""The ``pythia`` command: one module per command group."""
