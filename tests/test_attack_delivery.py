"""Attacks on delivery (an attack on 0.9.26): a flush that fails, a run recorded while another waited for the
journal, and what others keep inside a stopped run's staging folder. Each failed on 0.9.26."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable

import pytest

from invoicekit.cli import main
from tests.test_attacks import month, runs_in, write_invoices
from tests.test_attacks import robot as robot  # a fixture, found by its name


def fail_fsync_of(monkeypatch, chosen: Callable[[str], bool], code: int = errno.EIO) -> None:
    """Make delivery's flushes fail, as a full or failing disk does, for the files and folders whose path
    ``chosen`` picks (the path of each descriptor flushed, as the system names it)."""
    from invoicekit import delivery

    real = os.fsync

    def failing(fd: int) -> None:
        if chosen(os.readlink(f"/proc/self/fd/{fd}")):
            raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(delivery.os, "fsync", failing)


def test_an_fsync_that_fails_with_a_full_disk_fails_the_run_before_its_commit(robot, monkeypatch):
    """Spec: 'A run that fails before its commit removes its staging folder,
    whatever failed (a full disk included), and its error names the file it was
    writing.' The staged files are flushed (fsync) before the commit so that a
    power cut after the commit cannot lose a recorded run's payment file. On
    Linux a failed fsync (ENOSPC/EIO/EDQUOT, e.g. NFS or thin provisioning)
    means the data may never reach the disk. Here fsync of the staged payment
    file fails: the run must not be recorded."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    fail_fsync_of(monkeypatch, lambda name: name.endswith("opus_postings.csv"), errno.ENOSPC)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    monkeypatch.undo()
    # observed: exit 0, run 2 recorded and delivered although its payment file was never flushed
    assert code == 1, printed.out
    assert runs_in(robot.journal) == 1
    assert not (robot.tmp / "o1" / "opus_postings.csv").exists()


SLOW_DECIDE = (
    "import sys, time, invoicekit.run; r = sys.modules['invoicekit.run']; d = r.decide; "
    "r.decide = lambda *a, **k: (time.sleep(8), d(*a, **k))[1]; "
    "from invoicekit.cli import main; sys.exit(main(sys.argv[1:]))"
)


def test_a_run_that_waited_for_the_journal_delivers_a_run_recorded_meanwhile_before_deciding(robot):
    """Spec: 'If a run is killed after its commit and before delivery, the next
    invoicekit run on that journal first delivers the staged files ... and
    only then decides anything.' Run A holds the journal (deciding), commits
    and is killed before delivering. Run B, started while A decided, looked
    for undelivered runs before it waited for the journal, so it decides and
    delivers its own payment file and leaves A's recorded run undelivered."""
    import subprocess
    import sys
    import time

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    a_in = write_invoices(robot.tmp / "a.csv", month(3, invoice_id="F-1"))
    b_in = write_invoices(robot.tmp / "b.csv", month(4, invoice_id="F-2"))
    env = {**os.environ, "INVOICEKIT_CRASH_AT": "after-commit"}
    a = subprocess.Popen([sys.executable, "-c", SLOW_DECIDE, *robot.argv(a_in, "oa"), "--quiet"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while not list((robot.tmp / "oa").glob(".invoicekit-staging-*")):  # A is in its transaction
        assert time.monotonic() < deadline and a.poll() is None, a.communicate()
        time.sleep(0.1)
    time.sleep(1.0)
    b = subprocess.Popen([sys.executable, "-m", "invoicekit.cli", *robot.argv(b_in, "ob")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    a.communicate(timeout=120)
    out, err = b.communicate(timeout=120)
    assert a.returncode == 137
    assert b.returncode == 0, err
    with sqlite3.connect(robot.journal) as conn:
        undelivered = conn.execute("SELECT run_id FROM runs WHERE delivered_at IS NULL").fetchall()
    assert (robot.tmp / "ob" / "opus_postings.csv").exists()  # B decided and delivered
    # observed: A's run 2 is still undelivered after B (run 3) decided, posted and delivered
    assert undelivered == [], (undelivered, out)
    assert (robot.tmp / "oa" / "opus_postings.csv").exists()


def test_a_recorded_runs_folder_inside_a_stopped_runs_staging_folder_is_never_removed(robot):
    """'A recorded run's files are never lost.' Run A (journal 1) is killed
    after its commit: its files wait in o1/.invoicekit-staging-XXXXXXXX. Run B
    (another journal) is given --out inside that folder (o1/.invoicekit-staging-
    XXXXXXXX/b): a folder named like a staging folder is refused, one inside it
    is not. B is recorded and delivered there. Then the next run on journal 1
    delivers A's files and removes A's staging folder whole, with B's recorded
    payment file and run.json in it."""
    import json
    import subprocess
    import sys

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    a_in = write_invoices(robot.tmp / "a.csv", month(3, invoice_id="F-1"))
    a = subprocess.Popen([sys.executable, "-m", "invoicekit.cli", *robot.argv(a_in, "o1"), "--quiet"],
                         env={**os.environ, "INVOICEKIT_CRASH_AT": "after-commit"})  # fmt: skip
    assert a.wait(timeout=120) == 137
    (staging,) = (robot.tmp / "o1").glob(".invoicekit-staging-*")

    j2 = robot.tmp / "other.sqlite"
    b_in = write_invoices(robot.tmp / "b.csv", month(6, invoice_id="G-1"))
    b_out = staging / "b"
    argv = ["run", "--grants", str(robot.grants), "--invoices", str(b_in), "--support-sheet",
            str(robot.case / "stoetteark.xlsx"), "--out", str(b_out), "--new-journal", str(j2)]  # fmt: skip
    code = main(argv)
    robot.capsys.readouterr()
    assert code == 0  # a folder inside a staging folder may take a run: it is never removed
    assert runs_in(j2) == 1
    assert json.loads((b_out / "run.json").read_text(encoding="utf-8"))["run_id"] == 1

    # the next run on journal 1 delivers A's files ...
    code, printed, _ = robot.run(month(7, invoice_id="F-3"), out="o2")
    assert code == 0, printed.err
    assert (robot.tmp / "o1" / "opus_postings.csv").exists()
    # ... observed: and removes B's recorded, delivered files with A's staging folder
    assert (b_out / "opus_postings.csv").exists(), "run 1 of other.sqlite: its payment file is gone"
    assert (b_out / "run.json").exists()


def test_a_journal_kept_in_a_stopped_runs_staging_folder_is_never_removed(robot):
    """README: 'Only a folder a run made is ever removed ... Until 0.9.21 any
    folder named .invoicekit-staging-... went, a recorded run's delivered files
    in a subfolder of it or a journal kept there included; now such a folder is
    left as it is.' That holds when a run finds such a folder (_leftover), not
    when the next run on the journal delivers a stopped run's files: deliver()
    removes the staging folder whole (shutil.rmtree), whatever was put in it
    since. Here another journal, with a recorded run, is kept there; it is
    removed, key file and all: team B's next run cannot see what it paid
    (--journal exits 2; a --new-journal would pay it again)."""
    import subprocess
    import sys

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    a_in = write_invoices(robot.tmp / "a.csv", month(3, invoice_id="F-1"))
    a = subprocess.Popen([sys.executable, "-m", "invoicekit.cli", *robot.argv(a_in, "o1"), "--quiet"],
                         env={**os.environ, "INVOICEKIT_CRASH_AT": "after-commit"})  # fmt: skip
    assert a.wait(timeout=120) == 137
    (staging,) = (robot.tmp / "o1").glob(".invoicekit-staging-*")

    j2 = staging / "team-b.sqlite"
    b_in = write_invoices(robot.tmp / "b.csv", month(6, invoice_id="G-1"))

    def b_argv(out: str, journal_option: str) -> list[str]:
        return ["run", "--grants", str(robot.grants), "--invoices", str(b_in), "--support-sheet",
                str(robot.case / "stoetteark.xlsx"), "--out", str(robot.tmp / out), journal_option, str(j2)]  # fmt: skip

    assert main(b_argv("ob1", "--new-journal")) == 0
    robot.capsys.readouterr()
    assert runs_in(j2) == 1

    code, printed, _ = robot.run(month(7, invoice_id="F-3"), out="o2")  # the next run on journal 1
    assert code == 0, printed.err
    # observed: team B's journal (and its key file) went with run 2's staging folder
    assert j2.exists(), "the journal team-b.sqlite, holding a recorded run, was removed"


def test_a_folder_the_file_system_cannot_flush_is_passed_by_and_a_file_it_cannot_flush_is_an_error(
    tmp_path, monkeypatch
):
    from invoicekit import delivery
    from invoicekit.errors import OutputError

    folder, file = tmp_path / "out", tmp_path / "out" / "opus_postings.csv"
    folder.mkdir()
    file.write_text("x\n", encoding="utf-8")

    def failing(fd):
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(delivery.os, "fsync", failing)
    delivery.fsync_path(folder)  # a file system that flushes no folders
    with pytest.raises(OutputError, match=r"opus_postings\.csv"):
        delivery.fsync_path(file)


def test_removing_a_staging_folder_keeps_what_the_run_did_not_put_there(tmp_path):
    from invoicekit.delivery import remove_staging

    staging = tmp_path / ".invoicekit-staging-abcd1234"
    (staging / "b").mkdir(parents=True)
    (staging / "b" / "opus_postings.csv").write_text("theirs\n", encoding="utf-8")
    for name in ("decisions.csv", "run.json"):
        (staging / name).write_text("ours\n", encoding="utf-8")
    remove_staging(staging, ("decisions.csv", "opus_postings.csv", "run.json"))
    assert sorted(p.name for p in staging.iterdir()) == ["b"]
    assert (staging / "b" / "opus_postings.csv").read_text(encoding="utf-8") == "theirs\n"
    (staging / "b" / "opus_postings.csv").unlink()
    (staging / "b").rmdir()
    remove_staging(staging, ("decisions.csv",))
    assert not staging.exists()
