"""Keep HiGHS's start-up banner off stdout.

HiGHS prints "Running HiGHS ..." from C++ the first time a solver object is built in a
process, before any option (``output_flag``) can be set. Commands that print JSON on stdout
(``pythia scan --json``) must not carry it, so the first solver is built here with the
process's standard output pointed at the null device for that moment.
"""

from __future__ import annotations

import os
import sys

import highspy


def consume_banner() -> None:
    """Build and drop one solver with file descriptor 1 silenced (once per process)."""
    try:
        sys.stdout.flush()
    except (AttributeError, ValueError):
        pass
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        highspy.Highs().setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


consume_banner()
