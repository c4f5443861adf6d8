"""Attack r12: crashes, kills, full disks and reruns of recorded runs (a fresh look at 0.9.44).

Each test fails on the code as it was attacked and passes once its defect is mended. The example
municipality of tests/test_attacks.py: citizen 610190-1234, grant B-1001 (§ 108 at Solhøj, 28,500 kr. a
month); ``month(m)`` is its invoice for month ``m`` of 2019."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.test_attacks import month, runs_in, write_invoices
from tests.test_attacks import robot as robot  # a fixture, found by its name

#: ``invoicekit run`` (argv after the first word) killed, as a power cut or kill -9 would, right after the
#: delivery has moved the file named by the first word into the output folder
KILLED_AFTER_MOVING = (
    "import os, sys, invoicekit.delivery as d\n"
    "real = os.replace\n"
    "def replace(src, dst):\n"
    "    real(src, dst)\n"
    "    if str(dst).endswith(sys.argv[1]):\n"
    "        os._exit(137)\n"
    "d.os.replace = replace\n"
    "from invoicekit.cli import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def test_a_payment_file_imported_while_its_delivery_was_stopped_stops_the_robot_and_is_asked_back(robot):
    """Scenario: run 2 (March) is recorded, and killed (a power cut, kill -9) while its files are moved
    from the staging folder into ``o1``: ``decisions.csv`` … ``opus_postings.csv`` and ``sensum_paid.csv``
    are in place, ``opus_notes.csv``, ``input_problems.csv`` and ``run.json`` still staged. The import
    into OPUS and Sensum picks the payment files up from the folder, as it does (it takes them away).
    Then the next month's run on the journal.

    Now: the next run stops, exit 2: "run 2 is recorded in the journal, but its files (opus_postings.csv,
    sensum_paid.csv) are neither in <staging> nor in place, so they cannot be delivered; restore that
    folder from a backup and run again". Every later run stops the same way until the imported payment
    file is put back into ``o1``, where the import takes it again.

    README, *What happens on a crash*: stopped "after the commit, before or during the move … | a
    recorded run; its files staged (or some already in place) | delivers them first, checked against
    their recorded checksums, and says so; then runs"; and for the files taken from the folder once
    delivered: "also where the payment file was imported, and so taken from the folder, meanwhile: …
    the next run warns which are gone (since 0.9.36: it stopped every later run with exit 2, asking for
    the imported file to be put back)". Only the delivery moves a file out of the staging folder, and it
    moves them in a fixed order: a file gone from the staging folder while a later one is still staged
    was delivered.

    Why it matters: the robot stops for good (no month is posted) until someone puts back a payment file
    that OPUS has already imported; put back, the import takes it again and the month's invoices are
    paid twice; the advice itself ("restore that folder from a backup") leads there."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_MOVING, "sensum_paid.csv", *robot.argv(invoices, "o1"), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == 137, killed.stderr
    assert runs_in(robot.journal) == 2  # recorded
    o1 = robot.tmp / "o1"
    assert (o1 / "opus_postings.csv").is_file() and not (o1 / "run.json").exists()
    (staging,) = o1.glob(".invoicekit-staging-*")
    assert (staging / "run.json").is_file()  # the delivery had not got that far
    imported = robot.tmp / "imported"
    imported.mkdir()
    for name in ("opus_postings.csv", "sensum_paid.csv"):  # the import takes them from the folder
        shutil.move(o1 / name, imported / name)

    code, printed, decisions = robot.run(month(4, invoice_id="F-2"), out="o2")
    # observed: exit 2, "… cannot be delivered; restore that folder from a backup and run again"
    assert code == 0, printed.err
    assert "restore" not in printed.err, printed.err
    assert _said(printed, o1, "opus_postings.csv"), printed  # said: taken from the folder since it was delivered
    assert decisions["reason"].tolist() == [""]  # April posted
    assert (o1 / "run.json").is_file()  # the rest of run 2's files delivered
    assert not (o1 / "opus_postings.csv").exists()  # and the imported file not put back
    with sqlite3.connect(robot.journal) as conn:
        assert conn.execute("SELECT delivered_at IS NOT NULL FROM runs WHERE run_id = 2").fetchone() == (1,)


def _said(printed, folder, name: str) -> bool:
    """Whether a line the command printed (stdout or stderr) names ``folder`` and the file ``name``."""
    return any(str(folder) in line and name in line for line in (printed.out + printed.err).splitlines())


def test_the_next_run_never_says_a_delivered_runs_payment_file_is_gone_from_its_folder(robot, monkeypatch):
    """Scenario: run 2 (March) is recorded and its files are moved into ``o1``, but the journal cannot take
    the note that they were delivered (another run holds it past the timeout): the run ends well and warns
    so, as the README promises. The payment file then leaves ``o1`` (the import takes it, or someone
    removes it by mistake). The next run (April, without ``--quiet``, as a scheduler runs it).

    Now: the next run finds run 2's ``run.json`` in place, marks run 2 delivered and logs the warning
    "run 2's files were delivered into o1; opus_postings.csv have been taken from there since
    (imported?)" with ``in_summary``: the terminal holds it back for the summary, and the summary never
    shows it. What is printed instead is "Delivered first:  run 2's files, which a stopped run had left
    staged, into o1/": the payment file is said to be delivered there now, and nothing says it is gone.
    (With ``--quiet`` the warning is shown.)

    README, *What happens on a crash*, the note the journal could not take: "also where the payment file
    was imported, and so taken from the folder, meanwhile: the run's run.json, moved in last, in place as
    recorded says every file was delivered, and the next run warns which are gone".

    Why it matters: a payment file removed by mistake is never missed: run 2 is marked delivered, its
    invoices are DUPLICATE_INVOICE on every rerun, and the month is recorded as paid and never paid; and
    the operator told that run 2's files were just delivered into ``o1`` goes to import a payment file
    that is not there."""
    from invoicekit.errors import InputError
    from invoicekit.journal import Journal

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    with monkeypatch.context() as m:

        def refuse(self, run_id):
            raise InputError(self.path, None, "is in use by another run; try again when that run has finished")

        m.setattr(Journal, "mark_delivered", refuse)
        code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    assert code == 0 and "run 2 is recorded" in printed.err, printed.err
    o1 = robot.tmp / "o1"
    (o1 / "opus_postings.csv").rename(robot.tmp / "gone-opus_postings.csv")

    code, printed, decisions = robot.run(month(4, invoice_id="F-2"), out="o2")
    assert code == 0, printed.err
    assert decisions["reason"].tolist() == [""]
    with sqlite3.connect(robot.journal) as conn:
        assert conn.execute("SELECT delivered_at IS NOT NULL FROM runs WHERE run_id = 2").fetchone() == (1,)
    # observed: only "Delivered first:  run 2's files, which a stopped run had left staged, into o1/"
    assert _said(printed, o1, "opus_postings.csv"), printed


def _ctrl_c(*args, **kwargs):
    raise KeyboardInterrupt


def _out_of_memory(*args, **kwargs):
    raise MemoryError


@pytest.mark.parametrize(
    ("where", "failure"),
    [("summary", _ctrl_c), ("amount_causes", _out_of_memory)],
    ids=["ctrl-c as the summary is printed", "out of memory as the run's figures are counted"],
)
def test_a_run_that_fails_after_it_is_recorded_and_delivered_never_says_it_is_recorded(
    robot, monkeypatch, where, failure
):
    """Scenario: run 2 (March) decides, is recorded in the journal, its files are moved into ``o1`` and
    the journal notes them delivered. Then, before the command ends, it fails: the operator presses
    Ctrl-C as the summary is printed, or memory runs out as the run's figures for the summary are counted
    (``amount_causes``, ``summary``: they walk every decision of a month of a million invoices again).

    Now: exit 130 with "stopped (Ctrl-C); a run is recorded whole or not at all, and the next run
    delivers any files left staged", or exit 1 with "unexpected MemoryError:  (please report it; a run
    is recorded whole or not at all)". Neither says that run 2 is recorded and that its payment file is
    in ``o1``, and no later run ever says so: the next run has nothing left to deliver, finds every
    invoice a DUPLICATE_INVOICE, and its summary asks "is it the extract of a month the journal already
    holds?".

    README: "Exit status 0 when the run completed … 1 with one line naming the file when the files or
    the journal could not be written"; for the summary that cannot be written after the work: "exit 0
    with a warning that run N is recorded and its files are in the folder … (since 0.9.42: exit 1 and
    'No space left on device' alone, which reads as a run that failed, so its payment file might not be
    imported)"; and for the delivery note: "the run ends well (exit 0) and warns that it is recorded and
    delivered … (since 0.9.12: it ended in an error saying the run failed, or 'nothing was recorded')".

    Why it matters: the operator (and the scheduler's alert) takes the month for one that failed; its
    payment file is not imported, and running it again posts nothing: the month's invoices are recorded
    as paid and never paid."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    monkeypatch.setattr(sys.modules["invoicekit.run"], where, failure)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    monkeypatch.undo()
    # the run is recorded and its files delivered, whatever the command said
    assert runs_in(robot.journal) == 2
    with sqlite3.connect(robot.journal) as conn:
        assert conn.execute("SELECT delivered_at IS NOT NULL FROM runs WHERE run_id = 2").fetchone() == (1,)
    assert robot.postings("o1")["Fakturanummer"].tolist() == ["F-1"]
    assert code != 0
    # observed: "stopped (Ctrl-C); a run is recorded whole or not at all, …" / "unexpected MemoryError: …"
    assert "run 2 is recorded" in printed.err, printed.err
    assert str(robot.tmp / "o1") in printed.err, printed.err
    assert "Traceback" not in printed.err
