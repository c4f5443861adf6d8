"""A review of 0.9.31's first mends (CPR numbers with thousands separators, the journal's commit):
each test builds its inputs in tmp_path and failed on the code reviewed."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from invoicekit.cli import main
from tests.conftest import SOLHOJ, journal_text
from tests.test_attacks import month
from tests.test_attacks import robot as robot  # a fixture, found by its name

EXAMPLE = Path(__file__).parent / "data" / "example"
CPR_DIGITS = "2311854711"  # 23.11.1985-4711, a valid CPR number
HEADER = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text", "supplier_name"]
BASE = {"invoice_id": "F-1", "supplier_cvr": SOLHOJ, "amount": "28.500,00", "cpr": "610190-1234",
        "period_start": "01.03.2019", "period_end": "31.03.2019", "text": "Døgnophold", "supplier_name": "Solhøj"}  # fmt: skip


def _leaks(text: str) -> bool:
    return re.search(r"\D{0,4}".join(CPR_DIGITS), text) is not None


def _run(tmp: Path, **fields: str) -> tuple[Path, Path]:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(HEADER)
    row = {**BASE, **fields}
    w.writerow([row[c] for c in HEADER])
    invoices = tmp / "invoices.csv"
    invoices.write_text(buf.getvalue(), encoding="utf-8")
    out, journal = tmp / "out", tmp / "journal.sqlite"
    argv = ["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", str(invoices), "--support-sheet",
            str(EXAMPLE / "stoetteark.xlsx"), "--out", str(out), "--new-journal", str(journal), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    return out, journal


@pytest.mark.parametrize("cell", ["2.311.854.711,00", "2,311,854,711.00"])
@pytest.mark.parametrize("column", ["supplier_cvr", "invoice_id"])
def test_a_cpr_number_shown_with_thousands_separators_and_two_decimals_is_masked(tmp_path, column, cell):
    """Excel's usual number format with a thousands separator is ``#,##0.00`` (Format Cells > Number > Use
    1000 separator; the Comma Style button): a CPR number held as a number shows as ``2.311.854.711,00``.
    CPR_THOUSANDS refuses any decimals after the last group, so the full number stands in decisions.csv
    (the supplier_cvr / invoice_id column), opus_notes.csv and the journal. Spec: 'The journal holds no
    full CPR number in clear text'."""
    out, journal = _run(tmp_path, **{column: cell})
    assert not _leaks((out / "decisions.csv").read_text(encoding="utf-8"))
    assert not _leaks(journal_text(journal))


def test_ctrl_c_as_a_migration_commits_still_names_the_backup_it_kept(robot, monkeypatch):
    """The mend keeps the backup when Ctrl-C is raised as the migration's COMMIT returns (the journal is
    migrated), and moved the 'journal upgraded; the old file is kept as ...' warning to just after the
    journal opens so that a run that fails later still names it. But here Journal() itself raises, so the
    warning is never logged: the operator sees only 'stopped (Ctrl-C); a run is recorded whole or not at
    all', while the journal was upgraded and a backup holding every number the journal held in full (the
    README: 'keep it as safe as the journal, and delete it once the migrated journal has served a run')
    stands beside it unannounced."""
    import contextlib
    import sqlite3

    import invoicekit.journal as journal_module
    from tests.conftest import old_schema

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    with contextlib.closing(sqlite3.connect(robot.journal)) as conn:
        old_schema(conn, 8)
        conn.commit()
    real_connect = sqlite3.connect
    fired = []

    class CtrlCAfterCommit:
        def __init__(self, real):
            self._real = real

        def __getattr__(self, name):
            return getattr(self._real, name)

        def execute(self, sql, *args):
            result = self._real.execute(sql, *args)
            if sql == "COMMIT" and not fired:
                fired.append(True)
                raise KeyboardInterrupt
            return result

    def connect(database, *args, **kwargs):
        conn = real_connect(database, *args, **kwargs)
        return CtrlCAfterCommit(conn) if str(database) == str(robot.journal) else conn

    monkeypatch.setattr(journal_module.sqlite3, "connect", connect)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    monkeypatch.undo()
    assert code == 130, printed.err
    backup = robot.journal.with_name(robot.journal.name + ".schema8-backup")
    assert backup.exists()
    assert backup.name in printed.err, printed.err


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
