"""The output folder: its lock, the folders a run refuses, and delivery of
staged files, including one interrupted half-way."""

from __future__ import annotations

import subprocess
import sys
import time

import pyarrow as pa
import pytest

from invoicekit import InputError
from invoicekit.delivery import (
    MANIFEST,
    STAGING_PREFIX,
    FolderLock,
    HashedFile,
    deliver,
    file_facts,
    new_staging,
    prepare,
    write_manifest,
)

OUTPUTS = ("decisions.csv", "opus_postings.csv")


def staged(out, run_id=None, journal=None):
    staging = new_staging(out)
    for name in OUTPUTS:
        (staging / name).write_text(f"{name} of run {run_id}\n", encoding="utf-8")
    write_manifest(staging, {"run_id": run_id, "journal": journal})
    files = file_facts(staging, [*OUTPUTS, MANIFEST])
    return staging, {n: f["sha256"] for n, f in files.items()}


def test_delivery_moves_every_file_and_the_manifest_last(tmp_path):
    staging, files = staged(tmp_path, run_id=7)
    outputs = deliver(7, staging, tmp_path, files)
    assert list(outputs) == [*sorted(OUTPUTS), MANIFEST]
    assert not staging.exists()
    assert (tmp_path / "opus_postings.csv").read_text(encoding="utf-8") == "opus_postings.csv of run 7\n"


def test_a_delivery_interrupted_half_way_is_finished_by_checksum(tmp_path):
    staging, files = staged(tmp_path, run_id=7)
    (staging / "decisions.csv").replace(tmp_path / "decisions.csv")  # moved before the kill
    deliver(7, staging, tmp_path, files)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([MANIFEST, *OUTPUTS])


def test_a_file_neither_staged_nor_in_place_stops_delivery_and_moves_nothing(tmp_path):
    staging, files = staged(tmp_path, run_id=7)
    (staging / "opus_postings.csv").unlink()
    (tmp_path / "opus_postings.csv").write_text("something else\n")  # not the recorded file
    with pytest.raises(InputError, match=r"run 7 is recorded.*opus_postings\.csv"):
        deliver(7, staging, tmp_path, files)
    assert (staging / "decisions.csv").exists() and not (tmp_path / "decisions.csv").exists()


def test_a_file_hashed_as_it_is_written_has_the_facts_read_back(tmp_path):
    pieces = [b"row,amount\n", memoryview(b"1,2.00\n" * 5000), pa.py_buffer(b"2,-3.50\n" * 300), b""]
    with HashedFile(tmp_path / "a.csv") as f:
        for piece in pieces:
            f.write(piece)
    assert f.closed
    assert f.facts() == file_facts(tmp_path, ["a.csv"])["a.csv"]


def test_a_folder_is_locked_until_released(tmp_path):
    lock = FolderLock(tmp_path)
    with pytest.raises(InputError, match="in use by another invoicekit run"):
        FolderLock(tmp_path)
    lock.release()
    FolderLock(tmp_path).release()


def test_a_killed_process_lets_go_of_its_lock(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from invoicekit.delivery import FolderLock; lock = FolderLock(__import__('pathlib').Path({str(tmp_path)!r})); print('held', flush=True); __import__('time').sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(InputError):
        FolderLock(tmp_path)
    holder.kill()
    holder.wait()
    time.sleep(0.1)
    FolderLock(tmp_path, wait=5).release()


def test_staging_left_by_a_run_that_was_never_recorded_is_removed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    staged(out)  # a dry run killed before delivery
    journal = tmp_path / "j.sqlite"
    from invoicekit import Journal

    Journal(journal, create=True).close()
    staged(out, run_id=1, journal=str(journal))  # a run killed before its commit: not in the journal
    prepare(out, OUTPUTS, [], journal).release()
    assert not list(out.glob(STAGING_PREFIX + "*"))


@pytest.mark.parametrize("kind", ["a run's delivered files", "a journal", "another name", "another file"])
def test_a_folder_named_like_a_staging_folder_that_no_run_made_is_never_removed(tmp_path, kind):
    """An attack on 0.9.20: any run into a folder removed every folder in it named like a staging folder,
    a recorded run's delivered files one level down and a journal kept there included."""
    out = tmp_path / "out"
    out.mkdir()
    if kind == "another name":
        kept = out / (STAGING_PREFIX + "archive")  # not a name a run gives, whatever it holds
        kept.mkdir()
        (kept / "decisions.csv").write_text("x\n")
    else:
        kept = new_staging(out)
        if kind == "a run's delivered files":
            (kept / "2019-03").mkdir()
            (kept / "2019-03" / "opus_postings.csv").write_text("the payment file\n")
        elif kind == "a journal":
            (kept / "j.sqlite").write_bytes(b"SQLite format 3\x00")
        else:
            (kept / "decisions.csv").write_text("x\n")
            (kept / "notes.txt").write_text("mine\n")
    before = sorted(str(p.relative_to(kept)) for p in kept.rglob("*"))
    prepare(out, OUTPUTS, [], None).release()
    assert sorted(str(p.relative_to(kept)) for p in kept.rglob("*")) == before


def test_staging_of_a_run_whose_journal_cannot_be_opened_is_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    staging, _ = staged(out, run_id=3, journal=str(tmp_path / "gone.sqlite"))
    with pytest.raises(InputError, match="cannot be opened to tell whether they were recorded"):
        prepare(out, OUTPUTS, [], None)
    assert staging.exists()


def test_an_unreadable_manifest_refuses_the_folder(tmp_path):
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(InputError, match=r"run\.json: cannot be read"):
        prepare(tmp_path, OUTPUTS, [], None)
