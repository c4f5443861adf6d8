"""Reruns never post twice; a dry run records nothing; a killed run leaves no trace."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from invoicekit import Journal, run
from invoicekit.journal import Journal as JournalClass


def run_example(case: Path, out: Path, journal: Path | None, dry_run: bool = False, invoices: str = "regninger.csv"):
    return run(
        grants=case / "bevillinger.csv",
        invoices=case / invoices,
        support_sheet=case / "stoetteark.xlsx",
        out=out,
        journal=journal,
        dry_run=dry_run,
    )


def count_runs(journal: Path) -> int:
    with sqlite3.connect(journal) as conn:
        return conn.execute("SELECT count(*) FROM runs").fetchone()[0]


def test_a_run_is_recorded_with_its_inputs_and_decisions(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    res = run_example(example_case, tmp_path / "out", journal)
    with Journal(journal) as j:
        runs = j.runs()
        decisions = j.decisions(res.run_id)
    assert len(runs) == 1 and runs["invoices"].iloc[0] == 22 and runs["posted"].iloc[0] == 5
    assert len(runs["invoices_sha256"].iloc[0]) == 64
    assert len(decisions) == 22
    assert decisions["status"].value_counts()["posted"] == 5


def test_the_journal_holds_no_full_cpr(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    content = journal.read_bytes()
    for cpr in (b"6101901234", b"610190-1234", b"6505772468"):
        assert cpr not in content


def test_rerun_of_the_same_extract_posts_nothing(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    first = run_example(example_case, tmp_path / "out1", journal)
    second = run_example(example_case, tmp_path / "out2", journal)
    assert (first.decisions["status"] == "posted").sum() == 5
    assert (second.decisions["status"] == "posted").sum() == 0
    assert len(pd.read_csv(tmp_path / "out2" / "opus_postings.csv", sep=";")) == 0
    # an invoice that failed checks 1-9 keeps its reason; all the others are duplicates now
    first_reasons = first.decisions["reason"].tolist()
    early = {"MISSING_INVOICE_ID", "INVALID_CPR", "MULTIPLE_CPR", "MISSING_CPR", "INVALID_CVR",
             "MISSING_PERIOD", "INVALID_PERIOD", "INVALID_AMOUNT", "CREDIT_NOTE"}  # fmt: skip
    expected = [r if r in early else "DUPLICATE_INVOICE" for r in first_reasons]
    assert second.decisions["reason"].tolist() == expected
    assert count_runs(journal) == 2


def test_new_invoice_for_a_paid_period_is_already_paid_in_a_later_run(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out1", journal)
    (example_case / "later.csv").write_text(
        "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n"
        "SOL-2001;29345716;28.500,00;6101901234;01.03.2019;31.03.2019\n"
        "SOL-2002;29345716;28.500,00;6101901234;01.05.2019;31.05.2019\n",
        encoding="utf-8",
    )
    res = run_example(example_case, tmp_path / "out2", journal, invoices="later.csv")
    assert res.decisions["reason"].tolist() == ["ALREADY_PAID", ""]
    assert "SOL-1001" in res.decisions["message"].iloc[0]


def test_dry_run_records_nothing(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out1", journal, dry_run=True)
    assert not journal.exists()
    run_example(example_case, tmp_path / "out2", journal)
    before = journal.read_bytes()
    res = run_example(example_case, tmp_path / "out3", journal, dry_run=True)
    assert journal.read_bytes() == before
    assert (res.decisions["status"] == "posted").sum() == 0  # it still sees the journal
    assert (tmp_path / "out3" / "decisions.csv").exists()


def test_an_error_while_recording_rolls_the_whole_run_back(example_case, tmp_path, monkeypatch):
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out1", journal)

    real_rows = JournalClass._rows

    def broken_rows(run_id, decisions):
        yield from list(real_rows(run_id, decisions))[:10]
        raise KeyboardInterrupt  # as if stopped half-way

    monkeypatch.setattr(JournalClass, "_rows", staticmethod(broken_rows))
    with pytest.raises(KeyboardInterrupt):
        run_example(example_case, tmp_path / "out2", journal)
    assert count_runs(journal) == 1
    with sqlite3.connect(journal) as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 22
    assert not (tmp_path / "out2" / "decisions.csv").exists()
    assert not list((tmp_path / "out2").glob(".invoicekit-staging-*"))


def test_a_process_killed_before_commit_leaves_no_trace(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    out = tmp_path / "out"
    cmd = [
        sys.executable, "-m", "invoicekit.cli", "run",
        "--grants", str(example_case / "bevillinger.csv"),
        "--invoices", str(example_case / "regninger.csv"),
        "--support-sheet", str(example_case / "stoetteark.xlsx"),
        "--journal", str(journal), "--out", str(out),
    ]  # fmt: skip
    killed = subprocess.run(cmd, env={**os.environ, "INVOICEKIT_CRASH_AT": "before-commit"}, capture_output=True)
    assert killed.returncode == 137
    assert count_runs(journal) == 0
    assert not (out / "decisions.csv").exists()
    staged = list(out.glob(".invoicekit-staging-*"))
    assert len(staged) <= 1  # the killed run's hidden staging folder, nothing else
    # the next run goes through and posts as if the killed one never happened
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert count_runs(journal) == 1
    assert len(pd.read_csv(out / "opus_postings.csv", sep=";")) == 5


def test_a_file_that_is_not_a_journal_is_refused(tmp_path):
    bogus = tmp_path / "j.sqlite"
    bogus.write_text("hello, not sqlite at all" * 100)
    from invoicekit import InputError

    with pytest.raises(InputError, match="not an invoicekit journal"):
        Journal(bogus)
