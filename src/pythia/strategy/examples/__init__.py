"""Example strategies that exercise the engine honestly."""
