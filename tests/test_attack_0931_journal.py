"""An attack on 0.9.30's crash safety and delivery: each test asserts the promised
behaviour and fails on the code as it was attacked."""

from __future__ import annotations

import contextlib
import errno
import sqlite3

from invoicekit.journal import SCHEMA_VERSION, Journal
from tests.conftest import old_schema
from tests.test_attacks import cli, month, runs_in, write_invoices
from tests.test_attacks import robot as robot  # a fixture, found by its name


class _Wrapped:
    """A connection of the journal's, passed through but for what a subclass overrides."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)


def _wrap_journal(monkeypatch, journal, wrapper) -> None:
    """The journal module's connections to ``journal`` made ``wrapper(connection)``."""
    import invoicekit.journal as journal_module

    real_connect = sqlite3.connect

    def connect(database, *args, **kwargs):
        conn = real_connect(database, *args, **kwargs)
        return wrapper(conn) if str(database) == str(journal) else conn

    monkeypatch.setattr(journal_module.sqlite3, "connect", connect)


def test_ctrl_c_as_the_run_commits_never_removes_the_recorded_runs_staged_files(robot, monkeypatch):
    """README: 'A run is recorded whole or not at all'; after the commit 'the files are never deleted: a
    kill leaves them staged for the next run on the journal to deliver'. Ctrl-C pressed while the journal
    commits (SQLite's COMMIT flushes the journal to disk, the longest step of 'recording the run') is
    raised by Python at the first bytecode after COMMIT returns: still inside
    ``with cleaned_on_failure(staging), j.transaction()``, so the staging folder of a run the journal has
    just committed is removed. Observed: run 2 is recorded, its payment file is gone, and every later run
    stops with exit 2 ('restore that folder from a backup'), for which no backup exists."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    real = Journal.transaction
    fired = []

    @contextlib.contextmanager
    def ctrl_c_as_it_commits(self):
        with real(self) as conn:
            yield conn
        if not fired:  # the commit is done; the operator's Ctrl-C arrived during it
            fired.append(True)
            raise KeyboardInterrupt

    monkeypatch.setattr(Journal, "transaction", ctrl_c_as_it_commits)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    monkeypatch.undo()
    assert code == 130, printed.err
    assert runs_in(robot.journal) == 2  # run 2 is recorded (its invoice F-1 is posted in the journal)
    # the next run must be able to deliver run 2's payment file
    code, printed, _ = robot.run(month(5, invoice_id="F-3"), out="o2")
    assert code == 0, printed.err  # observed: exit 2, 'run 2 is recorded ... its files ... cannot be delivered'
    assert robot.postings("o1")["Fakturanummer"].tolist() == ["F-1"]


def test_a_run_that_delivers_a_stopped_runs_files_and_then_fails_says_it_delivered_them(robot):
    """README ('What happens on a crash'): the next run 'delivers them first, checked against their
    recorded SHA-256, and says so'. It says so in the summary only; the warning is kept off stderr because
    the summary will show it. When the run then fails (here: its --out holds a recorded run's files), no
    summary is printed and the operator is told only of the refusal: run 2's payment file was put into o1
    to be imported, unannounced (with --quiet the same warning is shown)."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    invoices = write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1"))
    killed = cli(robot, invoices, "o1", env={"INVOICEKIT_CRASH_AT": "after-commit"})
    killed.communicate(timeout=120)
    assert killed.returncode == 137
    code, printed, _ = robot.run(month(5, invoice_id="F-3"), out="o0")  # o0 holds run 1: refused
    assert code == 2
    assert (robot.tmp / "o1" / "opus_postings.csv").exists()  # run 2 was delivered by this failed run
    # observed: stderr holds only 'o0: holds the files of run 1 ...'
    assert "run 2" in printed.err and str(robot.tmp / "o1") in printed.err, printed.err


def test_a_run_that_migrates_the_journal_and_then_fails_names_the_backup_it_made(robot):
    """README: the backup a migration makes 'is the old journal as it was, those numbers in full included:
    keep it as safe as the journal, and delete it once the migrated journal has served a run'; the run says
    where it is ('Journal upgraded: ... the old file is kept as ...') in its summary only. A run that
    migrates the journal and then fails (here: its --out holds a recorded run's files) leaves the journal
    migrated and the backup beside it, and says nothing of either."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    with contextlib.closing(sqlite3.connect(robot.journal)) as conn:
        old_schema(conn, 8)
        conn.commit()
    code, printed, _ = robot.run(month(5, invoice_id="F-3"), out="o0")  # refused after the migration
    assert code == 2
    backup = robot.journal.with_name(robot.journal.name + ".schema8-backup")
    assert backup.exists()  # migrated, the old journal (its secret in it) kept beside it
    assert backup.name in printed.err, printed.err  # observed: only the refusal of o0


def test_a_full_disk_when_the_staging_folder_is_made_exits_1(robot, monkeypatch):
    """README: exit '1 with one line naming the file when the files or the journal could not be written (a
    full disk)'; 'Exit 1 is for files that could not be written or moved (a full disk ...)'. Making the
    staging folder on a full disk (ENOSPC from mkdir: no block or inode left, seen on a full tmpfs) is
    not caught: the raw OSError ends the run with exit 2, the code of an input that cannot be used."""
    from invoicekit import delivery

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(robot.tmp / "o1" / ".invoicekit-staging-x"))

    monkeypatch.setattr(delivery.tempfile, "mkdtemp", full)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    monkeypatch.undo()
    assert runs_in(robot.journal) == 1
    assert "No space left on device" in printed.err
    assert code == 1, printed.err  # observed: 2


def test_ctrl_c_as_a_migration_commits_keeps_the_backup_the_migrated_journal_names(robot, monkeypatch):
    """Spec: an older journal 'is migrated in place, in one transaction, after a backup copy beside it';
    README: 'A migration that fails ... leaves the journal as it was and removes its copy ...; only a
    killed one leaves it behind.' Ctrl-C while the migration's COMMIT runs is raised just after it
    returns, inside _migrate's try: the except clause takes the committed migration for a failed one and
    removes the backup. Observed: the journal is migrated, its meta names migration_backup
    'journal.sqlite.schema8-backup', and that file is gone."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    with contextlib.closing(sqlite3.connect(robot.journal)) as conn:
        old_schema(conn, 8)
        conn.commit()
    fired = []

    class CtrlCAfterCommit(_Wrapped):
        def execute(self, sql, *args):
            result = self._real.execute(sql, *args)
            if sql == "COMMIT" and not fired:  # the migration's commit is done; Ctrl-C arrived during it
                fired.append(True)
                raise KeyboardInterrupt
            return result

    _wrap_journal(monkeypatch, robot.journal, CtrlCAfterCommit)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    monkeypatch.undo()
    assert code == 130, printed.err
    # and says so: no caller will (a review found the backup, every number in full, left unannounced)
    assert f"{robot.journal.name}.schema8-backup" in printed.err, printed.err
    with contextlib.closing(sqlite3.connect(robot.journal)) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    assert meta["schema_version"] == str(SCHEMA_VERSION)  # the migration was committed
    assert (robot.journal.parent / meta["migration_backup"]).exists()  # observed: removed


def test_a_journal_in_a_read_only_folder_is_refused_naming_the_folder(robot):
    """The journal file may be written, its folder may not (SQLite writes its undo file,
    journal.sqlite-journal, beside it). Observed: exit 2, 'journal.sqlite: cannot be written (attempt to
    write a readonly database); expected a journal file I may write': the file named is writable, and
    the operator is sent to its permissions; the folder, the thing to fix, is not named."""
    import os
    import shutil
    import subprocess
    import sys

    import pytest

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    home = robot.tmp / "jf"
    home.mkdir()
    journal = home / "journal.sqlite"
    for p in (robot.journal, robot.journal.with_name(robot.journal.name + ".key")):
        shutil.move(p, home / p.name)
    invoices = write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1"))
    argv = ["run", "--grants", str(robot.grants), "--invoices", str(invoices), "--support-sheet",
            str(robot.case / "stoetteark.xlsx"), "--out", str(robot.tmp / "o1"), "--journal", str(journal), "--quiet"]  # fmt: skip
    prefix: list[str] = []
    if os.geteuid() == 0:  # root ignores permissions unless it drops the capability that overrides them
        if not shutil.which("setpriv"):
            pytest.skip("root without setpriv: cannot make a folder read-only to this process")
        drop = "-dac_override,-dac_read_search"
        prefix = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", "--"]
    os.chmod(home, 0o555)
    try:
        done = subprocess.run([*prefix, sys.executable, "-m", "invoicekit.cli", *argv], capture_output=True,
                              text=True, timeout=120, env={**os.environ})  # fmt: skip
    finally:
        os.chmod(home, 0o755)
    assert done.returncode == 2, done.stderr
    assert runs_in(journal) == 1
    assert os.access(journal, os.W_OK)
    # the line must name the folder that cannot be written, not only send the operator to the file
    assert f"{home}:" in done.stderr or f"{home} " in done.stderr or "folder" in done.stderr, done.stderr


def test_a_stopped_run_whose_file_list_is_missing_from_a_damaged_journal_is_not_marked_delivered(robot):
    """Spec: 'the next invoicekit run on that journal first delivers the staged files (or, when they are
    gone, exits 2 naming the run and the folder)'. refuse_unsound_run checks the quick check and the
    decisions' count, not the run's list of files (run_files). A journal that lost a stopped run's
    run_files rows (damaged, or rows deleted) delivers nothing: the run is marked delivered, the warning
    says 'delivered the files of run 2 into o1', and the payment file stays in a staging folder that the
    next run into o1 removes (the run reads as delivered). Expected: exit 2 naming the run, not marked."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    invoices = write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1"))
    killed = cli(robot, invoices, "o1", env={"INVOICEKIT_CRASH_AT": "after-commit"})
    killed.communicate(timeout=120)
    assert killed.returncode == 137
    with contextlib.closing(sqlite3.connect(robot.journal)) as conn:
        conn.execute("DELETE FROM run_files WHERE run_id = 2")
        conn.commit()
    code, printed, _ = robot.run(month(5, invoice_id="F-3"), out="o2")
    with contextlib.closing(sqlite3.connect(robot.journal)) as conn:
        delivered = conn.execute("SELECT delivered_at FROM runs WHERE run_id = 2").fetchone()[0]
    assert not (robot.tmp / "o1" / "opus_postings.csv").exists()  # nothing was delivered ...
    assert delivered is None, printed.err  # ... observed: yet run 2 is marked delivered
    assert code == 2


def test_a_journal_cut_short_is_called_damaged_and_sent_to_its_backup(robot):
    """A journal cut short (a copy stopped half-way, a disk fault) is an SQLite file whose pages are missing:
    SQLite says 'database disk image is malformed'. It was refused as 'not an invoicekit journal', which
    sends the operator looking for another file; it is the journal, damaged: restore it from a backup."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    data = robot.journal.read_bytes()
    robot.journal.write_bytes(data[: len(data) // 2])
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    assert code == 2, printed.err
    assert "is damaged" in printed.err and "backup" in printed.err, printed.err
    assert "not an invoicekit journal" not in printed.err


def test_a_full_disk_while_a_migration_copies_the_journal_names_the_copy_and_leaves_the_journal_as_it_was(
    robot, monkeypatch
):
    """The backup a migration writes first may meet a full disk: the error named the journal ('cannot be
    written'), as if the journal were at fault; it names the copy, the journal is as it was (schema 9), no
    half copy is left, and it is exit 1 (a full disk), not 2."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    with contextlib.closing(sqlite3.connect(robot.journal)) as conn:
        old_schema(conn, 9)
        conn.commit()

    class FullOnCopy(_Wrapped):
        def backup(self, target, *args, **kwargs):
            raise sqlite3.OperationalError("database or disk is full")

    _wrap_journal(monkeypatch, robot.journal, FullOnCopy)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    monkeypatch.undo()
    assert code == 1, printed.err
    assert "schema9-backup" in printed.err, printed.err
    assert not list(robot.journal.parent.glob("*-backup*"))
    with contextlib.closing(sqlite3.connect(robot.journal)) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "9"
    assert runs_in(robot.journal) == 1
