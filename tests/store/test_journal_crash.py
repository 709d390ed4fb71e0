"""A writer killed with SIGKILL loses no committed record and leaves the journal writable."""

import os
import signal
import subprocess
import sys
import textwrap

from pythia.store import Journal

WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pythia.store import Journal

    journal = Journal.open(sys.argv[1])
    for i in range(int(sys.argv[2])):
        journal.append("fill", {"i": i}, i)
    print("written", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_killed_writer_keeps_every_committed_record(journal_url):
    done = subprocess.run(
        [sys.executable, "-c", WRITER, journal_url, "25"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout.strip() == "written"
    with Journal.open(journal_url) as journal:  # the dead writer's lock is gone
        assert journal.last_seq == 25
        assert [r.payload["i"] for r in journal.records()] == list(range(25))
        assert journal.append("fill", {"i": 25}, 25).seq == 26
        assert journal.verify().ok
    assert os.environ.get("PYTHIA_FAULT_KILL_AFTER") is None
