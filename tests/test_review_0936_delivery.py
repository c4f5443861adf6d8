"""Recorded runs and the delivery of their files (an attack on 0.9.35): a run whose files were delivered,
its note not written, and its payment file since imported (taken from the folder) no longer stops every
later run; a pipe named run.json in the output folder is refused unopened, not waited on for ever."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.test_attacks import month, write_invoices
from tests.test_attacks import robot as robot  # a fixture, found by its name


def undelivered(journal: Path) -> int:
    with sqlite3.connect(journal) as conn:
        return conn.execute("SELECT count(*) FROM runs WHERE delivered_at IS NULL").fetchone()[0]


@pytest.mark.parametrize("how", ["journal held by another run", "folder could not be flushed"])
def test_a_delivered_payment_file_imported_before_the_note_was_written_never_stops_the_robot(robot, monkeypatch, how):
    """Run 2's files are moved into place, but the run could not finish: the journal could not take the note
    that they were delivered (another run held it past the timeout), or the folder could not be flushed after
    the move. The run tells the operator the files ARE in place, to be imported (README, "What happens on a
    crash": "the run ends well (exit 0) and warns that it is recorded and delivered ... the next run writes the
    note"; delivery.py: "its files are in <out>, ... check the disk before importing the payment file; the next
    run on the journal finishes the delivery"). So the operator imports opus_postings.csv, and the import (as
    OPUS's pick-up folders do) takes the file away. The next run never writes the note: every run exits 2, "its
    files (opus_postings.csv) are neither in staging nor in place ... restore that folder from a backup and run
    again". The robot is stopped for good, and following its advice puts the payment file that was already
    imported back in the folder it is imported from: the month paid twice. The run.json in place with its
    recorded SHA-256 proves the delivery was finished (run.json is moved last)."""
    from invoicekit.errors import InputError
    from invoicekit.journal import Journal

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    with monkeypatch.context() as m:
        if how == "journal held by another run":

            def refuse(self, run_id):
                raise InputError(self.path, None, "is in use by another run; try again when that run has finished")

            m.setattr(Journal, "mark_delivered", refuse)
        else:
            from tests.test_attack_delivery import fail_fsync_of

            folder = str(robot.tmp / "o1")
            # after the move (the folder is flushed before the commit too, since 0.9.42)
            fail_fsync_of(m, lambda name: name == folder and Path(folder, "opus_postings.csv").exists())
        code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    assert "files are" in printed.err and (
        "delivered" in printed.err or "in place" in printed.err or str(robot.tmp / "o1") in printed.err
    ), printed.err
    assert undelivered(robot.journal) == 1
    assert (robot.tmp / "o1" / "opus_postings.csv").exists()
    # the operator imports the delivered payment file; the import takes it out of the folder
    (robot.tmp / "o1" / "opus_postings.csv").rename(robot.tmp / "imported-opus_postings.csv")

    code, printed, d = robot.run(month(3, invoice_id="F-1"), month(5, invoice_id="F-3"), out="o2")
    # observed: exit 2, "run 2 is recorded in the journal, but its files (opus_postings.csv) are neither in ...
    # nor in place, so they cannot be delivered; restore that folder from a backup and run again"
    assert code == 0, printed.err
    assert d["reason"].tolist() == ["DUPLICATE_INVOICE", ""]
    assert undelivered(robot.journal) == 0


@pytest.mark.parametrize("where", ["out", "staging"])
def test_a_pipe_named_run_json_in_the_output_folder_is_refused_not_waited_on_forever(robot, where):
    """A FIFO named run.json in --out (or in a leftover staging folder there): the run opens it to read
    whose files the folder holds and waits for a writer that never comes; `invoicekit run` hangs for ever,
    holding the folder's lock, where the spec ("Limits": hostile or absurd inputs end in exit 2 with one line)
    and the project's own care elsewhere (a FIFO key file or input "is never read", refused unopened) ask for
    exit 2 naming the file. delivery.read_manifest opens it without checking it is a regular file."""
    from tests.test_attacks import cli

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    folder = robot.tmp / "o1"
    inside = folder / ".invoicekit-staging-abcd1234" if where == "staging" else folder
    inside.mkdir(parents=True)
    os.mkfifo(inside / "run.json")
    proc = cli(robot, write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1")), "o1")
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("invoicekit run still waiting after 30 s on a pipe named run.json")  # observed
    assert "Traceback" not in err
    if where == "out":  # whose files the folder holds cannot be told: refused, naming the file
        assert proc.returncode == 2 and "run.json" in err and "not a regular file" in err, err
    else:  # a staging folder holding what no run stages there is left as it is, said, and the run goes on
        assert proc.returncode == 0, err
        assert "holds what no run stages there; left as it is" in err
        assert (folder / "opus_postings.csv").is_file() and (inside / "run.json").exists()
