"""An attack on crash safety and delivery (0.9.38): a stopped run's files delivered by the next run while the journal's note could not be written, a new journal named as a run's file reached by a link, a staging folder of another journal's killed run."""

from __future__ import annotations

import sqlite3

import pytest

from invoicekit.cli import main
from invoicekit.journal import Journal, _journal_error
from tests.test_attacks import cli, month, runs_in, write_invoices
from tests.test_attacks import robot as robot  # a fixture, found by its name


@pytest.mark.parametrize(
    "why", ["database or disk is full", "database is locked"], ids=["full disk", "journal held by another run"]
)
def test_a_stopped_runs_files_delivered_by_the_next_run_are_announced_when_the_note_cannot_be_written(
    robot, monkeypatch, why
):
    """Spec ('Writing'): 'If a run is killed after its commit and before delivery, the next invoicekit
    run on that journal first delivers the staged files'. README ('What happens on a crash'): where 'the
    journal cannot take the note that the files were delivered (another run holds it past the timeout, a
    full disk)', the run 'warns that it is recorded and delivered and that only that note is missing'
    (since 0.9.12: 'it ended in an error saying the run failed, or "nothing was recorded"').

    That was mended for a run's own delivery only. The next run, delivering a stopped run's files,
    moves run 2's payment file into o1 and then fails on the note: the only line printed is
    'journal.sqlite: cannot be written (database or disk is full); nothing was recorded' (or 'is in use
    by another run'), exit 1/2. Nothing says that run 2's files, a payment file to import, have just
    appeared in o1 (the 'delivered the files of run 2' warning is logged only after the note is
    written). An operator told 'nothing was recorded' beside a new opus_postings.csv takes it for a
    failed run's leftover: not imported, the citizens' months the journal holds as paid are never paid
    (and deleted, every later run takes it as imported). Right: as for a run's own delivery, a warning
    naming run 2 and its folder says its files are delivered there and only the journal's note is
    missing."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    invoices = write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1"))
    killed = cli(robot, invoices, "o1", env={"INVOICEKIT_CRASH_AT": "after-commit"})
    killed.communicate(timeout=120)
    assert killed.returncode == 137 and runs_in(robot.journal) == 2

    def note_fails(self, run_id):
        raise _journal_error(self.path, sqlite3.OperationalError(why))

    monkeypatch.setattr(Journal, "mark_delivered", note_fails)
    _code, printed, _ = robot.run(month(5, invoice_id="F-3"), out="o2")
    monkeypatch.undo()
    # the stopped run's files were moved into place (as they should be) ...
    assert (robot.tmp / "o1" / "opus_postings.csv").exists()
    assert not list((robot.tmp / "o1").glob(".invoicekit-staging-*"))
    # ... and the operator must be told so; observed: only "cannot be written ...; nothing was recorded"
    said = printed.out + printed.err
    assert "run 2" in said and "deliver" in said and str(robot.tmp / "o1") in said, said


def test_a_new_journal_in_the_output_folder_reached_by_a_link_is_never_overwritten_by_run_json(robot):
    """Spec ('Writing'): 'A run also refuses an --out in which it would replace one of its own input
    files'; ('The journal'): the journal 'remembers every run ... so that reruns are safe'. run.py
    refuses a --new-journal named as a file the run writes into --out ('a review found the payment file
    in the journal's place, the run's history gone, and exit 0'), but compares the folders as typed
    (``made.parent == out_dir.absolute()``). With --out given as a link to the folder (``current`` ->
    ``2019-03``, as a monthly schedule points at the month's folder), or with ``..`` in either path, the
    check is passed: the journal is started as 2019-03/run.json, the run recorded in it, and delivery
    moves the run's run.json over the journal. Observed: exit 0, a warning that only the delivery note
    could not be written, the journal gone (the next --journal run: 'not an invoicekit journal'), so the
    run's payments are remembered nowhere and a new journal pays them again. Right: refused (exit 2)
    before anything is made, as for the same names typed without the link: the folders compared as
    resolved."""
    (robot.tmp / "2019-03").mkdir()
    (robot.tmp / "current").symlink_to(robot.tmp / "2019-03", target_is_directory=True)
    invoices = write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1"))
    journal = robot.tmp / "2019-03" / "run.json"
    argv = ["run", "--grants", str(robot.grants), "--invoices", str(invoices), "--support-sheet",
            str(robot.case / "stoetteark.xlsx"), "--out", str(robot.tmp / "current"), "--new-journal", str(journal)]  # fmt: skip
    code = main(argv)
    printed = robot.capsys.readouterr()
    if code == 0:  # observed: the run went on; its journal must have survived it
        try:
            with sqlite3.connect(journal) as conn:
                runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        except sqlite3.DatabaseError as exc:  # observed: 'file is not a database', the run.json in its place
            runs = f"none: {exc}"
        assert runs == 1, f"the journal {journal} lost its run ({runs}); {printed.err}"
    else:
        assert code == 2, printed.err
        assert "Traceback" not in printed.err
        assert not (robot.tmp / "2019-03" / "opus_postings.csv").exists()


def test_a_staging_folder_left_before_the_commit_never_blocks_a_run_starting_another_journal(robot):
    """Spec ('Writing'): 'A run that fails before its commit removes its staging folder'; README: 'A
    staging folder whose run was never recorded (a kill before the commit) is removed by the next run in
    that folder'. A first run with --new-journal j.sqlite is killed before its commit: o1 keeps a staging
    folder whose run.json says run 1 of j.sqlite, and j.sqlite (which exists) says no run 1 was ever
    recorded. The next run into o1 starts another journal (--new-journal j2.sqlite, the operator's
    'start afresh'): _leftover asks j2.sqlite too, which does not exist yet, and takes that as 'cannot be
    opened'. Observed: exit 2, 'o1: holds .invoicekit-staging-…, the files of run 1 of the journal
    j2.sqlite, which cannot be opened to tell whether they were recorded; move that folder away or
    restore the journal': a false statement (those files are j.sqlite's, and j.sqlite answers that they
    were never recorded) and advice to 'restore' a journal that never existed. Right: the staging folder
    is removed (its own journal says it holds nothing recorded) and the run goes on; a journal this run
    is about to start holds no run of anyone's."""
    invoices = write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1"))
    killed = cli(robot, invoices, "o1", env={"INVOICEKIT_CRASH_AT": "before-commit"})
    killed.communicate(timeout=120)
    assert killed.returncode == 137
    assert runs_in(robot.journal) == 0  # j.sqlite exists and holds no run
    assert len(list((robot.tmp / "o1").glob(".invoicekit-staging-*"))) == 1

    robot.journal = robot.tmp / "j2.sqlite"  # --new-journal j2.sqlite
    code = main(robot.argv(invoices, "o1"))
    printed = robot.capsys.readouterr()
    assert "j2.sqlite, which cannot be opened" not in printed.err
    assert code == 0, printed.err
    assert robot.postings("o1")["Fakturanummer"].tolist() == ["F-1"]
    assert not list((robot.tmp / "o1").glob(".invoicekit-staging-*"))
