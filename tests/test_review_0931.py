"""A review of 0.9.31's first mends (the journal's commit): each test builds its inputs in tmp_path and
failed on the code reviewed."""

from __future__ import annotations

from pathlib import Path

from tests.test_attacks import month
from tests.test_attacks import robot as robot  # a fixture, found by its name


def test_a_run_reads_as_committed_only_under_its_own_staging_folder(robot):
    """After a failure the run's staging folder is kept only when the journal holds the run (Journal.committed):
    asked by id alone, a run rolled back whose id another run took meanwhile read as committed, and its
    staging folder, holding files nothing recorded, was kept (a review of the first mend)."""
    from invoicekit.journal import Journal

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    with Journal(robot.journal) as j:
        run_id, staging = j.conn.execute("SELECT run_id, staging_dir FROM runs").fetchone()
        assert j.committed(run_id, Path(staging))
        assert not j.committed(run_id, Path(staging + "-another"))
        assert not j.committed(run_id + 1, Path(staging))
