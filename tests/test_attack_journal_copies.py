"""A journal read without the file SQLite undoes a stopped run with (a second name, a copy), and a dry run whose
folder cannot be flushed: what an attack on 0.9.27's delivery found. Each failed on 0.9.27."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from invoicekit.cli import main
from tests.test_attack_delivery import fail_fsync_of
from tests.test_attacks import cli, month, write_invoices
from tests.test_attacks import robot as robot  # a fixture, found by its name


def posted_rows(folder: Path) -> int:
    p = folder / "opus_postings.csv"
    return len(p.read_text(encoding="utf-8").strip().splitlines()) - 1 if p.exists() else 0


# ---------------------------------------------------------------- (a) a dry run's folder flush


def test_a_dry_run_never_flushes_its_folder_and_leaves_no_staging_folder(robot, monkeypatch):
    """A dry run records nothing and its files are never made durable (file_facts(durable=False)), yet 0.9.27
    flushed the output folder after moving its files in, and a failed flush ended it with exit 1 and the bare
    'could not flush <folder> to disk', which said neither that this was a dry run nor that nothing was
    recorded, and left its emptied staging folder behind. A dry run now does not flush the folder; a run
    without a journal whose folder cannot be flushed removes its staging folder and says its files are there."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    fail_fsync_of(monkeypatch, lambda name: name.endswith("/dry") or name.endswith("/plain"), errno.EIO)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="dry", extra=("--dry-run",))
    assert code == 0, printed.err
    assert (robot.tmp / "dry" / "opus_postings.csv").exists()
    assert list((robot.tmp / "dry").glob(".invoicekit-staging-*")) == []
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="plain", journal=False)
    monkeypatch.undo()
    assert code == 1
    assert "the run's files are in" in printed.err and "check the disk" in printed.err
    assert list((robot.tmp / "plain").glob(".invoicekit-staging-*")) == []


def test_a_stopped_run_whose_stored_decisions_are_fewer_than_it_recorded_is_not_delivered(robot):
    """A run stopped after its commit is delivered by the next run only when the journal holds it whole: here
    its row says one more decision than is stored (a journal put together from two copies). Nothing is put in
    its folder, and the run is refused with the journal named."""
    invoices = write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1"))
    killed = cli(robot, invoices, "o1", env={"INVOICEKIT_CRASH_AT": "after-commit"})
    killed.communicate(timeout=120)
    assert killed.returncode != 0
    with sqlite3.connect(robot.journal) as conn:
        conn.execute("UPDATE runs SET invoices = invoices + 1")
    code, printed, _ = robot.run(month(4, invoice_id="F-2"), out="o2")
    assert code == 2
    assert "is recorded with 2 decisions, and 1 are stored" in printed.err
    assert not (robot.tmp / "o1" / "opus_postings.csv").exists()
    assert not (robot.tmp / "o2").exists() or not (robot.tmp / "o2" / "opus_postings.csv").exists()


# ---------------------------------------------------------------- (b), (c) a journal read without its hot journal

#: a run whose transaction outgrows SQLite's page cache (a big run, a migration of a big journal) writes pages of
#: its uncommitted transaction into the journal file, the originals kept in ``journal.sqlite-journal`` beside it;
#: a small cache makes a small run do so (as a kill inside COMMIT would leave the file too)
SPILL = (
    "import sys, invoicekit.journal as jj; J = jj.Journal; init = J.__init__\n"
    "def patched(self, *a, **k):\n"
    "    init(self, *a, **k); self.conn.execute('PRAGMA cache_size = 10')\n"
    "J.__init__ = patched\n"
    "from invoicekit.cli import main; sys.exit(main(sys.argv[1:]))"
)


def _killed_before_commit_with_spilled_pages(robot, link: Path | None = None) -> Path:
    """Run 1 recorded into o0; run 2 (March, 3,000 rows) killed before its commit, its staged files in o1 and
    its uncommitted pages in the journal file, with the hot ``journal.sqlite-journal`` beside it."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    rows = [month(3, invoice_id=f"F-{i}-" + os.urandom(12).hex(), text=os.urandom(40).hex()) for i in range(3000)]
    a_in = write_invoices(robot.tmp / "a.csv", *rows)
    a = subprocess.run([sys.executable, "-c", SPILL, *robot.argv(a_in, "o1"), "--quiet"],
                       env={**os.environ, "INVOICEKIT_CRASH_AT": "before-commit"}, capture_output=True, text=True)  # fmt: skip
    assert a.returncode == 137, a.stderr
    assert Path(f"{robot.journal}-journal").exists()  # hot: the next writer through this name rolls run 2 back
    if link is not None:  # a second name of the journal and of its key file, as ln or cp -al makes
        link.parent.mkdir()
        os.link(robot.journal, link)
        os.link(f"{robot.journal}.key", f"{link}.key")
    return a_in


def _then_month_3_is_posted_once(robot, a_in: Path, other: Path, refused: str, mend=lambda: None) -> None:
    """A run on ``other`` (the journal by another name, or a copy), then a rerun of run 2's extract on the
    journal itself: March may be posted once across the folders, never twice."""
    b_in = write_invoices(robot.tmp / "b.csv", month(4, invoice_id="G-1"))
    argv = ["run", "--grants", str(robot.grants), "--invoices", str(b_in), "--support-sheet",
            str(robot.case / "stoetteark.xlsx"), "--out", str(robot.tmp / "o2"), "--journal", str(other)]  # fmt: skip
    # 0.9.27: exit 2 ("run 2 ... the journal is damaged"), after delivering run 2 into o1
    assert main(argv) == 2
    assert refused in robot.capsys.readouterr().err
    assert not (robot.tmp / "o1" / "opus_postings.csv").exists()  # nothing delivered where it is imported from
    mend()  # what the message asks, where it asks anything
    assert main(robot.argv(a_in, "o3")) == 0  # the journal by its own name: rolls run 2 back and decides March
    robot.capsys.readouterr()
    paid = {o: posted_rows(robot.tmp / o) for o in ("o1", "o3")}
    # 0.9.27: {'o1': 1, 'o3': 1}: o1's payment file was of a run never committed, and o3 paid March again
    assert paid == {"o1": 0, "o3": 1}


def test_a_hard_linked_journal_never_delivers_a_run_that_was_never_committed(robot):
    """(b) A journal with a second name (``ln``, or ``cp -al`` of its folder, the key file linked with it): SQLite
    finds a stopped transaction's rollback file by the name it was opened with, so through the other name the
    uncommitted run 2 reads as recorded and undelivered. The next run there delivers run 2's staged payment file
    into o1 (before it finds the run's decisions missing and stops, exit 2); the journal's own name then rolls run
    2 back, and March is paid again."""
    link = robot.tmp / "snapshot" / "journal.sqlite"
    a_in = _killed_before_commit_with_spilled_pages(robot, link)

    def other_name_removed() -> None:
        link.unlink()
        Path(f"{link}.key").unlink()

    _then_month_3_is_posted_once(robot, a_in, link, "is one file under 2 names (hard links", other_name_removed)


def test_a_journal_copied_after_a_stopped_run_never_delivers_a_run_that_was_never_committed(robot):
    """(c) The operator copies the journal and its key (a backup before trying again) after a run was killed; the
    copy lacks journal.sqlite-journal. A run on the copy delivers the killed run's staged files as a recorded run
    (o1/opus_postings.csv, run.json naming run 2), then stops (exit 2: 'a copy taken while a run was recorded?');
    the journal never recorded run 2, and its next run pays March again."""
    a_in = _killed_before_commit_with_spilled_pages(robot)
    copy = robot.tmp / "backup" / "journal.sqlite"
    copy.parent.mkdir()
    shutil.copy(robot.journal, copy)
    shutil.copy(f"{robot.journal}.key", f"{copy}.key")
    _then_month_3_is_posted_once(robot, a_in, copy, "the journal is damaged")
