"""Attack k1: crashes, kills, full disks and reruns of recorded runs.

Each test fails on the code as it was attacked and passes once its defect is mended. The example
municipality of tests/test_attacks.py: citizen 610190-1234, grant B-1001 (§ 108 at Solhøj, 28,500 kr. a
month); ``month(m)`` is its invoice for month ``m`` of 2019."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from invoicekit.cli import main
from tests.test_attacks import month, runs_in, write_invoices
from tests.test_attacks import robot as robot  # a fixture, found by its name


def _command(robot, invoices: Path, out: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "invoicekit.cli", *robot.argv(invoices, out, *extra)]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device every write to fails: ENOSPC)")
def test_a_recorded_run_whose_summary_meets_a_full_disk_ends_as_a_failure_that_names_nothing(robot):
    """Scenario: the robot runs from a scheduler with its output sent to a log file
    (``invoicekit run ... >> run.log``), and the disk holding that log is full (here
    ``/dev/full``, where every write fails with ENOSPC). The run itself is on another disk.

    Now: the run decides, records run 2 in the journal, delivers its files (the payment
    file ``opus_postings.csv`` is in its folder) and marks them delivered; then printing the
    summary fails and the command ends with exit 1 and the one line
    ``invoicekit: error: No space left on device``: no file named, nothing said of run 2,
    which is recorded and whose payment file waits to be imported.

    README (`invoicekit run`): "Exit status 0 when the run completed ... 1 with one line
    naming the file when the files or the journal could not be written (a full disk)"; and
    for a note the journal could not take after delivery: "the run ends well (exit 0) and
    warns that it is recorded and delivered". The closed-pipe case already says "a run is
    recorded whole or not at all".

    Why it matters: exit 1 is documented to mean that the files or the journal could not be
    written, so the operator (and the scheduler's alert) takes the run for one that failed and
    recorded nothing: its payment file is not imported, and a run again posts nothing (every
    invoice is a DUPLICATE_INVOICE of run 2): the month's invoices are recorded as paid and
    never paid."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    with open("/dev/full", "w") as full:
        proc = subprocess.run(_command(robot, invoices, "o1"), stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120)  # fmt: skip
    err = proc.stderr
    # the run is recorded and its files are delivered, whatever the exit code says
    assert runs_in(robot.journal) == 2
    with sqlite3.connect(robot.journal) as conn:
        assert conn.execute("SELECT delivered_at IS NOT NULL FROM runs WHERE run_id = 2").fetchone() == (1,)
    assert robot.postings("o1")["Fakturanummer"].tolist() == ["F-1"]
    # observed: exit 1, "invoicekit: error: No space left on device", nothing else
    assert "Traceback" not in err
    assert "run 2" in err and "recorded" in err, (proc.returncode, err)
    assert "standard output" in err or "stdout" in err, (proc.returncode, err)
    assert proc.returncode == 0, err  # the run completed: exit 1 would say its files were not written


def test_the_folders_that_hold_a_recorded_runs_staged_files_are_not_flushed_before_the_commit(robot, monkeypatch):
    """Scenario: a month's run into a new folder (``--out ud/2019-03``, "created if missing").
    The run makes ``ud`` and ``ud/2019-03``, makes its staging folder in it, writes and flushes
    (fsync) each staged file and the staging folder, and commits the run to the journal.

    Now: neither ``ud/2019-03`` (whose entry names the staging folder) nor ``ud`` (whose entry
    names ``2019-03``, just made) is flushed before the commit: the first is flushed only
    after the files were moved into it, ``ud`` never. On a file system that does not order
    directory updates with the journal's (the reason the code flushes folders at all), a power
    cut just after the commit can leave the run recorded and its staging folder, or the whole
    output folder, gone.

    README (the output folder): "Files are written to `.invoicekit-staging-*` inside it and
    flushed to disk before the journal commits"; delivery.file_facts: "flushed to disk first,
    so a power cut after the commit cannot lose them"; spec: "A recorded run's files are never
    lost."

    Why it matters: the run is recorded (its invoices are DUPLICATE_INVOICE / ALREADY_PAID to
    every later run) and its payment file is gone, with no backup of it anywhere: the next run
    stops with exit 2 asking to restore a folder no backup holds, and the month is never paid.
    Seen here by recording, at each flush, whether the journal already holds the run."""
    from invoicekit import delivery

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    journal = robot.journal
    real = os.fsync
    flushed: list[tuple[str, int]] = []  # (path flushed, runs in the journal at that moment)

    def watching(fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        if not path.startswith(str(journal)):
            conn = sqlite3.connect(f"{journal.as_uri()}?mode=ro", uri=True, timeout=5)
            try:
                runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
            finally:
                conn.close()
            flushed.append((path, runs))
        real(fd)

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name the flushed descriptors")
    monkeypatch.setattr(delivery.os, "fsync", watching)
    code = main(robot.argv(invoices, "ud/2019-03"))
    monkeypatch.undo()
    robot.capsys.readouterr()
    assert code == 0
    assert runs_in(journal) == 2
    out = (robot.tmp / "ud" / "2019-03").resolve()
    before_commit = {path for path, runs in flushed if runs == 1}
    staged = [p for p in before_commit if Path(p).parent == out and Path(p).name.startswith(".invoicekit-staging-")]
    assert staged, flushed  # the staging folder itself is flushed before the commit (this holds)
    # observed: flushed before the commit: the staged files and the staging folder only
    assert str(out) in before_commit, sorted(flushed)
    assert str(out.parent) in before_commit, sorted(flushed)


def _file_size_limited(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_new_journal_that_meets_a_full_disk_leaves_a_file_that_no_run_takes_again(robot):
    """Scenario: the first month, started with ``--new-journal journal.sqlite``, meets a full
    disk as it starts the journal (here files may not grow past 1,000 bytes, RLIMIT_FSIZE, as
    the existing full-disk tests do). The same happens on Ctrl-C while the journal is started.

    Now: exit 1, "journal.sqlite: cannot be written (...); nothing was recorded: free some disk
    space and run again", and an empty ``journal.sqlite`` (0 bytes) is left. Run again as told,
    with room on the disk: exit 2, "exists; --new-journal starts a journal and never reuses a
    file: use --journal". With ``--journal``, as told: exit 2, "is empty, not an invoicekit
    journal (...) may be deleted". The first two pieces of advice each lead to a refusal.

    README (the guarantees): "A run that started a journal (`--new-journal`) and failed before
    its commit leaves the journal as it is ... Such a journal holds no run of the failed one;
    `--new-journal` refuses it, as it refuses every file that exists (the spec), and says it
    holds no run: `--journal` takes it." Here `--new-journal` does not say it holds no run and
    `--journal` does not take it.

    Why it matters: the robot's first month is stopped by an error whose remedy ("run again",
    then "use --journal") fails twice; an operator is left to delete a journal file by hand on
    the third message's word, the step the README warns can lose a journal."""
    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    command = _command(robot, invoices, "o1")
    assert "--new-journal" in command
    first = subprocess.run(command, preexec_fn=_file_size_limited(1_000), capture_output=True, text=True, timeout=120)
    assert first.returncode == 1, first.stderr
    assert "nothing was recorded" in first.stderr and "run again" in first.stderr
    # observed: an empty journal.sqlite (0 bytes) is left behind
    # the disk has room again; the same command, as the error said
    again = main(command[3:])
    said_again = robot.capsys.readouterr().err
    if again == 0:
        assert len(robot.postings("o1")) == 1
        return
    # observed: exit 2, "exists; --new-journal starts a journal and never reuses a file: use --journal"
    code = main(robot.argv(invoices, "o2"))  # --journal, as the refusal said
    said = robot.capsys.readouterr().err
    # observed: exit 2, "is empty, not an invoicekit journal (...) may be deleted"
    assert code == 0, (said_again, said)
    assert len(robot.postings("o2")) == 1


def test_a_new_journal_stopped_by_ctrl_c_while_it_is_started_can_be_started_again(robot, monkeypatch):
    """Ctrl-C as the first month's run writes the new journal's key file (before its commit): exit 130, no
    journal file and no key left behind, and the same command, run again, starts the journal and posts."""
    from invoicekit import journal as journal_module

    invoices = write_invoices(robot.tmp / "m3.csv", month(3, invoice_id="F-1"))
    argv = robot.argv(invoices, "o1")
    assert "--new-journal" in argv

    def stopped(*_args) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(journal_module, "_write_key", stopped)
    assert main(argv) == 130
    monkeypatch.undo()
    robot.capsys.readouterr()
    assert not robot.journal.exists()
    assert not journal_module.key_path(robot.journal).exists()
    assert main(argv) == 0
    assert robot.postings("o1")["Fakturanummer"].tolist() == ["F-1"]


def test_a_run_starting_a_journal_never_removes_a_file_that_is_not_the_one_it_made(tmp_path, monkeypatch):
    """Two runs start the same new journal at once; the first stops and removes the empty file it made. The
    second, which opened that file, finds once it has the journal's lock that it is no longer the file at the
    path: it refuses ("run again") and removes nothing, not the file now at the path. Seen here by taking the
    file a run made for another (its inode differs)."""
    from invoicekit import errors
    from invoicekit import journal as journal_module

    path = tmp_path / "journal.sqlite"
    create = journal_module.Journal._create

    def opened_another(self) -> None:  # the file this run opened, and another at the path
        made = self._made
        self._made = os.stat_result((made.st_mode, made.st_ino + 1, *tuple(made)[2:]))
        create(self)

    monkeypatch.setattr(journal_module.Journal, "_create", opened_another)
    with pytest.raises(errors.InputError, match="was removed while this run waited to start it"):
        journal_module.Journal(path, create=True)
    monkeypatch.undo()
    assert path.exists() and path.stat().st_size == 0  # not its own: left as it is
    assert not journal_module.key_path(path).exists()


def test_a_run_starting_a_journal_another_run_made_at_the_same_moment_is_refused_and_leaves_it(tmp_path, monkeypatch):
    """Two runs start the same new journal at once, both past the check that no file is there: the one
    whose file is made second is refused ("use --journal") and leaves the other's file as it is."""
    from invoicekit import errors
    from invoicekit import journal as journal_module

    path = tmp_path / "journal.sqlite"
    monkeypatch.setattr(journal_module, "refuse_new_journal", lambda _path: None)  # both were past it
    path.write_bytes(b"")  # the other run's file, made a moment before
    with pytest.raises(errors.InputError, match="started by another run at the same moment"):
        journal_module.Journal(path, create=True)
    assert path.exists()


def test_a_new_journal_stopped_as_sqlite_opens_it_leaves_no_file(tmp_path, monkeypatch):
    """Ctrl-C as SQLite opens the file the run made for a new journal (before anything is written in it):
    the empty file goes, and the journal can be started again."""
    from invoicekit import journal as journal_module

    path = tmp_path / "journal.sqlite"

    def stopped(*_args, **_kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(journal_module.sqlite3, "connect", stopped)
    with pytest.raises(KeyboardInterrupt):
        journal_module.Journal(path, create=True)
    monkeypatch.undo()
    assert not path.exists()
    journal_module.Journal(path, create=True).close()
    assert path.stat().st_size > 0


def test_an_output_folder_that_cannot_be_flushed_before_the_commit_fails_the_run_recording_nothing(robot, monkeypatch):
    """The output folder, whose entry names the staging folder, is flushed before the commit (since 0.9.42):
    where that fails (a failing disk), the run fails before its commit, exit 1 naming the folder, nothing
    recorded and nothing left staged; the same command then runs."""
    from tests.test_attack_delivery import fail_fsync_of

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    out = str(robot.tmp / "o1")
    with monkeypatch.context() as m:
        fail_fsync_of(m, lambda name: name == out)
        code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    assert code == 1
    assert f"could not flush {out}" in printed.err, printed.err
    assert runs_in(robot.journal) == 1
    assert not any(p.name.startswith(".invoicekit-staging-") for p in Path(out).iterdir())
    assert not Path(out, "opus_postings.csv").exists()
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    assert code == 0, printed.err
    assert robot.postings("o1")["Fakturanummer"].tolist() == ["F-1"]
