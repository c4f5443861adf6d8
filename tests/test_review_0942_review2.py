"""Review r2 of this session's mends (CHANGES.diff): the journal's own file (``_made_file``), the credit
notes the follow-up, the fix list and ``evaluate`` tell apart (``evaluate.credit_notes``), and the summary
printed after the work (``cli._show_after_the_work``). Each test fails on the code as reviewed and passes
once its defect is mended.

The command tests use the example municipality of ``tests/test_attacks.py`` (citizen 610190-1234, grant
B-1001, § 108 at Solhøj, 28,500 kr. a month; ``month(m)`` is its invoice for month ``m`` of 2019); the
``evaluate`` test builds a run with ``tests/test_review_0942_followup.py``'s helpers (citizen Anna, grant
G1, § 108 at CVR 29345716, 30,000 kr. a month)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd

from invoicekit.cli import main
from tests.test_attacks import month, runs_in, write_invoices
from tests.test_attacks import robot as robot  # a fixture, found by its name
from tests.test_review_0942_followup import CVR, _decisions, _inv, _journal


def _command(robot, invoices: Path, out: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "invoicekit.cli", *robot.argv(invoices, out, *extra)]


# ---------------------------------------------------------------- evaluate: what is a credit note


def test_evaluate_decisions_drops_a_posted_invoice_that_follows_a_credit_note_of_its_number(tmp_path):
    """Scenario: a test run before going live (the README's ``evaluate --decisions`` use). Solhøj's
    extract holds its credit note F-1 for February (30,000 kr., ``document_type`` credit_note: written
    positive, as the spec allows and as ``convert oioubl`` writes every e-invoiced credit note), then
    its invoice F-1 for March. The robot holds the credit note (``CREDIT_NOTE``) and posts the invoice
    (check 10 does not remember credit notes). The specialist's truth (by month and row) says the
    credit note is not to be paid and the invoice is, but on grant G9: the robot's posting on G1 is
    wrong.

    Now: ``invoicekit evaluate --decisions decisions.csv --truth truth.csv`` reports 1 invoice, 0
    posted, 0 posted wrong ("error rate – (nothing was posted)"). ``decisions.csv`` has no
    ``document_type`` column, and its ``amount`` (30000.00) is known, so ``evaluate.credit_notes``
    (0.9.42: the reason ``CREDIT_NOTE`` counts only where neither amount nor type is given) takes
    the credit note for an invoice, and ``first_decision`` drops the posted invoice as a resend of
    it. 0.9.41 knew the credit note by its reason and counted both. (``evaluate --history`` goes
    through the same ``first_decision``.)

    README (follow-up, of every count): "Each invoice counts once, at its first decision ... A credit
    note is a document of its own: an invoice of its number after it counts apart (check 10 does not
    remember credit notes, and posts it; until 0.9.31 the follow-up counted only the credit note,
    manual, and the payment was in no rate and no hours saved)". ``evaluate``'s help: "Each invoice
    counts once, at its first decision, with one outcome".

    Why it matters: the wrong payment disappears from the evaluation the go-live decision rests on:
    automation 0 % and no error instead of one wrong posting in one; every e-invoiced credit note
    followed by an invoice of its number hides that invoice's payment from the figures."""
    credit_note = _inv("F-1", "30000", "2019-02-01", "2019-02-28", document_type="credit_note")
    invoice = _inv("F-1", "30000")
    _journal(tmp_path, {"2019-03": [credit_note, invoice]})
    decided = _decisions(tmp_path, "2019-03")
    assert decided["reason"].tolist() == ["CREDIT_NOTE", ""]
    assert decided["status"].tolist() == ["manual", "posted"]
    truth = pd.DataFrame(
        [
            {"month": "2019-03", "row": 1, "supplier_cvr": CVR, "invoice_id": "F-1", "should_pay": "false",
             "true_grant_id": "", "true_psp_element": "", "true_art": ""},
            {"month": "2019-03", "row": 2, "supplier_cvr": CVR, "invoice_id": "F-1", "should_pay": "true",
             "true_grant_id": "G9", "true_psp_element": "P108", "true_art": "40000000"},
        ]
    )  # fmt: skip
    truth.to_csv(tmp_path / "truth.csv", index=False)
    code = main(["evaluate", "--decisions", str(tmp_path / "out-2019-03" / "decisions.csv"),
                 "--truth", str(tmp_path / "truth.csv"), "--out", str(tmp_path / "ev"), "--quiet"])  # fmt: skip
    assert code == 0
    ev = pd.read_csv(tmp_path / "ev" / "evaluation.csv", dtype=str, keep_default_na=False)
    assert ev["row"].tolist() == ["1", "2"], (
        "the posted invoice F-1 (row 2) is missing from the evaluation: taken for a resend of the credit note "
        f"before it; outcomes {ev[['row', 'status', 'outcome']].to_dict('records')}"
    )
    assert ev["outcome"].tolist() == ["manual_held", "posted_wrong"]


# ---------------------------------------------------------------- the summary, once the work is done


def test_a_recorded_run_with_standard_output_closed_ends_as_an_unexpected_error(robot):
    """Scenario: the robot started by a scheduler or an RPA tool with no standard output at all
    (``invoicekit run ... >&-``; on Windows ``pythonw`` or a service, where Python's ``sys.stdout``
    is ``None`` likewise). The run decides, records run 1 in its new journal and delivers its files,
    the payment file ``opus_postings.csv`` among them.

    Now: exit 1 and "invoicekit: error: unexpected AttributeError: 'NoneType' object has no attribute
    'flush' (please report it; a run is recorded whole or not at all)". ``cli._show_after_the_work``
    calls ``sys.stdout.flush()`` and catches only ``OSError``; ``print`` itself skips a ``None``
    stdout. ``replay`` goes through the same function.

    README (failure table, 0.9.42): "standard output on a full disk ... as the summary is printed |
    a recorded run, its files delivered | exit 0 with a warning that run N is recorded and its files
    are in the folder ... (since 0.9.42: exit 1 and "No space left on device" alone, which reads as a
    run that failed, so its payment file might not be imported)"; the spec: "Exit 0 when the run
    completed".

    Why it matters: the exact harm 0.9.42 mended, worse worded: a recorded, delivered run reads as a
    crash of the robot ("please report it"), so its payment file may go unimported, or the month be
    run again by hand."""
    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    command = _command(robot, invoices, "o1")
    assert "--new-journal" in command and "--quiet" not in command
    proc = subprocess.run(
        command, preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE, text=True, timeout=180, check=False
    )
    assert runs_in(robot.journal) == 1  # recorded
    assert robot.postings("o1")["Fakturanummer"].tolist() == ["F-1"]  # delivered: a payment file to import
    assert "unexpected" not in proc.stderr, proc.stderr.strip()
    assert proc.returncode == 0, (proc.returncode, proc.stderr)


def test_a_recorded_run_whose_output_pipe_is_closed_does_not_say_it_is_recorded(robot):
    """Scenario: the robot's output piped to a reader that is gone before the summary comes (a log
    shipper restarted, ``invoicekit run ... | head -0``, a scheduler's pipe closed). The run records
    run 1 and delivers its files, the payment file among them; then the summary meets the closed pipe.

    Now: exit 141 and the one line "the output's reader stopped reading (a closed pipe); a run is
    recorded whole or not at all": whether this run was recorded is not said, nor where its files
    are. ``cli._show_after_the_work`` re-raises a broken pipe to ``main``, which says the same for a
    run that stopped before its commit as for one that is recorded.

    Spec: "Exit 0 when the run completed". README (0.9.42, the summary on a full disk): "exit 0 with a
    warning that run N is recorded and its files are in the folder ... (since 0.9.42: exit 1 and
    "No space left on device" alone, which reads as a run that failed, so its payment file might not
    be imported)". A closed pipe is the same moment of the same run: its work done, only the summary
    lost.

    Why it matters: a non-zero exit whose line leaves open whether anything was recorded reads as a
    failed run: the payment file may go unimported, and ``set -o pipefail`` schedulers mark the month
    failed."""
    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    command = _command(robot, invoices, "out-march")
    assert "--quiet" not in command
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        proc = subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=180, check=False)
    finally:
        os.close(write_end)
    assert runs_in(robot.journal) == 1  # recorded
    assert robot.postings("out-march")["Fakturanummer"].tolist() == ["F-1"]  # delivered
    assert "Traceback" not in proc.stderr
    said = proc.stderr
    assert "run 1" in said and "out-march" in said, (
        f"exit {proc.returncode}; a recorded run's closed pipe says neither the run nor its folder: {said.strip()}"
    )


# ---------------------------------------------------------------- the journal's own file


def test_a_new_journal_is_made_writable_by_others_than_its_owner(robot):
    """Scenario: the first month, ``--new-journal journal.sqlite``, run under the umask 002 that
    Debian and Ubuntu give every user with a group of their own, and that shared service accounts
    use (000 in many containers).

    Now: the journal is made ``-rw-rw-r--`` (``-rw-rw-rw-`` under umask 000):
    ``journal._made_file`` (0.9.42) makes the file itself with ``os.open(..., 0o666)``, where SQLite,
    which made it until 0.9.41, gives a new database 0644 (``SQLITE_DEFAULT_FILE_PERMISSIONS``), so
    ``-rw-r--r--`` whatever the umask's group bits. The journal's backups are made 0600, its key file
    0600.

    README (the journal): its key file "made with the journal and readable by its owner only"; "A
    run is one transaction: it is recorded whole or not at all" and the journal is what checks 10
    and 21 read: "Running the same extract twice against the same journal posts nothing the second
    time".

    Why it matters: anyone in the group (everyone, under umask 000) may now write the record of what
    was paid: a run's decisions deleted or a journal emptied, and the next run pays those invoices and
    periods again. A mend of a race widened who may write the robot's one guard against paying twice."""
    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    argv = robot.argv(invoices, "o1")
    assert "--new-journal" in argv
    before = os.umask(0o002)
    try:
        code = main(argv)
    finally:
        os.umask(before)
    assert code == 0, robot.capsys.readouterr().err
    mode = stat.S_IMODE(robot.journal.stat().st_mode)
    assert mode & 0o022 == 0, f"the new journal is {stat.filemode(robot.journal.stat().st_mode)} ({mode:o})"


def test_a_journal_left_empty_by_a_killed_start_is_sent_from_one_option_to_the_other(robot):
    """Scenario: the first month's run, ``--new-journal journal.sqlite``, is killed (SIGKILL: the
    scheduler's timeout, the OOM killer, a reboot) while it starts the journal: after it made the
    file (``_made_file``), before the commit. What it leaves: ``journal.sqlite`` of 0 bytes, no key.
    The operator runs the same command again, then does what the refusal says.

    Now: the same command: exit 2, "exists; --new-journal starts a journal and never reuses a file:
    use --journal"; ``--journal`` as told: exit 2, "is empty, not an invoicekit journal (...) may be
    deleted ... and started again with --new-journal". ``journal.refuse_new_journal`` says "use
    --journal" of every file but one that holds a journal, and ``Journal`` refuses an empty one.

    README (0.9.42, failure table): of the same moment on a full disk or Ctrl-C, "the same command runs
    again and starts it (since 0.9.42: a 0-byte journal was left, which `--new-journal` refused as
    existing and `--journal` as empty)"; the brief's promise of clear errors: "what was expected".
    A kill cannot clean up, so the file stays; its first refusal still gives the advice 0.9.42 named
    a defect.

    Why it matters: the robot's first month stays stopped behind an error whose remedy is refused in
    turn; the operator is led to delete journal files by hand on the second message's word."""
    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    argv = robot.argv(invoices, "o1")
    assert "--new-journal" in argv
    killed = (
        "import os, signal, sys\n"
        "from invoicekit import journal\n"
        "journal._write_key = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from invoicekit.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", killed, *argv], capture_output=True, text=True, timeout=180)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    assert robot.journal.exists() and robot.journal.stat().st_size == 0  # what the kill left
    again = main(argv)  # the same command
    said_again = robot.capsys.readouterr().err
    if again == 0:
        return
    if "use --journal" not in said_again:  # a refusal that says what the file is, and what to do with it
        assert "empty" in said_again, said_again
        return
    code = main(robot.argv(invoices, "o2"))  # --journal, as the refusal said
    said = robot.capsys.readouterr().err
    assert code == 0, f"--new-journal said: {said_again.strip()}\n--journal then said: {said.strip()}"


def test_a_link_to_a_journal_not_yet_made_is_refused_by_each_option_naming_the_other(robot):
    """Scenario: the journal is to live on a protected drive, reached by a link from the robot's
    folder, as the README allows ("beside the file itself where the journal is reached by a link"):
    ``ln -s /secure/journal.sqlite robot/journal.sqlite``, before the first month, whose run is
    started with ``--new-journal robot/journal.sqlite``.

    Now: exit 2, "journal.sqlite: exists; --new-journal starts a journal and never reuses a file:
    use --journal"; with ``--journal``, as told: exit 2, "journal.sqlite: does not exist; expected the
    robot's journal (start a new one with --new-journal)". Each option sends the operator to the
    other; neither says the path is a link, nor to what (``journal.refuse_new_journal``: a link counts
    as existing; ``Journal``: ``Path.exists`` follows it).

    The brief's promise of clear errors ("which file ... what was expected"); README: "A path that
    cannot be ... is refused ... naming" what is wrong, and journals reached by a link are supported.

    Why it matters: the first month cannot start, and neither message leads anywhere; the operator
    is left guessing, and may delete the link or point it elsewhere."""
    secure = robot.tmp / "secure"
    secure.mkdir()
    robot.journal.symlink_to(secure / "journal.sqlite")
    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    new = ["run", *robot.argv(invoices, "o1")[1:-2], "--new-journal", str(robot.journal)]
    first = main(new)
    said_new = robot.capsys.readouterr().err
    if first == 0:
        assert (secure / "journal.sqlite").stat().st_size > 0
        return
    code = main(["run", *robot.argv(invoices, "o2")[1:-2], "--journal", str(robot.journal)])
    said_journal = robot.capsys.readouterr().err
    loop = "--journal" in said_new and "--new-journal" in said_journal
    told = (said_new + said_journal).replace(str(robot.tmp), "")  # the folder's own name aside
    assert not loop and "link" in told, (
        f"exit {first} then {code}:\n--new-journal: {said_new.strip()}\n--journal: {said_journal.strip()}"
    )
