"""`invoicekit run` end to end, as a user runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.columns import DECISION_COLUMNS, OPUS_POSTING_COLUMNS

EXPECTED_REASONS = [
    "", "", "PERIOD_NOT_COVERED", "", "NO_FIXED_RATE", "AMBIGUOUS", "MULTIPLE_CPR", "NO_CODING",
    "AMOUNT_MISMATCH", "DUPLICATE_INVOICE", "CREDIT_NOTE", "NO_GRANT", "NO_GRANT_FOR_SUPPLIER",
    "INVALID_CVR", "ALREADY_PAID", "MISSING_INVOICE_ID", "INVALID_CPR", "AMOUNT_ABOVE_LIMIT",
    "MISSING_PERIOD", "MISSING_CPR", "", "",
]  # fmt: skip


def args(case: Path, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--grants", str(case / "bevillinger.csv"),
        "--invoices", str(case / "regninger.csv"),
        "--support-sheet", str(case / "stoetteark.xlsx"),
        "--out", str(out),
        *extra,
    ]  # fmt: skip


def test_example_case_end_to_end(example_case, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(args(example_case, out, "--rules", str(example_case / "rules.toml"))) == 0
    printed = capsys.readouterr().out
    assert "Invoices read:   22" in printed and "Posted:          5 (22.7%)" in printed

    decisions = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    assert list(decisions.columns) == list(DECISION_COLUMNS)
    assert decisions["reason"].tolist() == EXPECTED_REASONS
    assert decisions["row"].tolist() == [str(k) for k in range(1, 23)]

    postings = pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str)
    assert list(postings.columns) == list(OPUS_POSTING_COLUMNS)
    first = postings.iloc[0]
    assert first["Beløb"] == "28500,00" and first["Ydelsesperiode fra"] == "01.03.2019"
    assert first["Ydelsesmodtagernr."] == "6101901234"
    assert first["Tekst"] == "SEL108-BO 01.03.2019-31.03.2019 B-1001"
    assert postings["Tekst"].str.len().max() <= 50

    notes = pd.read_csv(out / "opus_notes.csv", sep=";", dtype=str, keep_default_na=False)
    assert len(notes) == 17 and notes["note"].str.startswith("Robot: ").all()
    paid = pd.read_csv(out / "sensum_paid.csv", dtype=str)
    assert paid.columns.tolist() == ["grant_id", "period_start", "period_end", "invoice_id", "amount"]
    assert paid.iloc[0].tolist() == ["B-1001", "2019-03-01", "2019-03-31", "SOL-1001", "28500.00"]
    problems = pd.read_csv(out / "input_problems.csv", dtype=str)
    assert problems.iloc[0].tolist() == ["bevillinger.csv", "9", "cpr", "CPR-nummeret mangler eller er ugyldigt"]


def test_only_the_opus_posting_file_holds_full_cpr_numbers(example_case, tmp_path, capsys):
    out = tmp_path / "out"
    main(args(example_case, out))
    inputs = (example_case / "bevillinger.csv").read_text() + (example_case / "regninger.csv").read_text("cp1252")
    citizens = {m.replace("-", "") for m in re.findall(r"(?<!\d)\d{6}-?\d{4}(?!\d)", inputs)}
    assert len(citizens) >= 7
    forms = {c for n in citizens for c in (n, f"{n[:6]}-{n[6:]}")}
    printed = capsys.readouterr()
    assert not any(c in printed.out + printed.err for c in forms)
    for f in out.iterdir():
        text = f.read_text(encoding="utf-8")
        assert any(c in text for c in forms) == (f.name == "opus_postings.csv"), f.name


def test_help_documents_every_option():
    result = subprocess.run([sys.executable, "-m", "invoicekit.cli", "run", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for option in (
        "--grants",
        "--invoices",
        "--support-sheet",
        "--out",
        "--rules",
        "--journal",
        "--new-journal",
        "--dry-run",
        "--quiet",
    ):
        assert option in result.stdout
    assert "opus_postings.csv" in result.stdout and "run.json" in result.stdout and "Exit status" in result.stdout


def run_cli(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "invoicekit.cli", *argv], capture_output=True, text=True)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_column_exits_2_naming_file_and_column(example_case, tmp_path):
    (example_case / "regninger.csv").write_text("Fakturanummer;CVR\nF-1;29345716\n", encoding="utf-8")
    result = run_cli(args(example_case, tmp_path / "out"))
    assert_one_line_error(result, "regninger.csv", "column 'amount'", "Beløb")


def test_an_extract_read_wrongly_as_a_whole_exits_2_in_one_line(example_case, tmp_path):
    rows = "".join(f"F-{k},29345716,28500,00,610190-1234,2019-03-01,2019-03-31\n" for k in range(6))
    (example_case / "regninger.csv").write_text(
        "invoice_id,supplier_cvr,amount,cpr,period_start,period_end\n" + rows, encoding="utf-8"
    )
    result = run_cli(args(example_case, tmp_path / "out"))
    assert_one_line_error(result, "regninger.csv", "6 of 6 rows", "decimal comma")
    assert not (tmp_path / "out" / "decisions.csv").exists()


def test_unknown_rules_key_exits_2(example_case, tmp_path):
    rules = example_case / "rules.toml"
    rules.write_text("tolerence = 5\n", encoding="utf-8")
    result = run_cli(args(example_case, tmp_path / "out", "--rules", str(rules)))
    assert_one_line_error(result, "rules.toml", "key 'tolerence'", "known keys")


def test_missing_file_exits_2(example_case, tmp_path):
    (example_case / "bevillinger.csv").unlink()
    result = run_cli(args(example_case, tmp_path / "out"))
    assert_one_line_error(result, "bevillinger.csv", "file not found")


def test_support_sheet_without_coding_sheet_exits_2(example_case, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(example_case / "stoetteark.xlsx")
    del wb["Kontering"]
    wb.save(example_case / "stoetteark.xlsx")
    result = run_cli(args(example_case, tmp_path / "out"))
    assert_one_line_error(result, "stoetteark.xlsx", "sheet 'coding'")


def test_out_that_is_a_file_exits_2(example_case, tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("x")
    assert_one_line_error(run_cli(args(example_case, target)), "out.txt", "not a folder")


def test_missing_required_option_exits_2():
    result = run_cli(["run", "--grants", "x.csv"])
    assert result.returncode == 2 and "required" in result.stderr


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("abc", "INVALID_AMOUNT"), ("", "INVALID_AMOUNT"), ("12,34,56", "INVALID_AMOUNT")],
)
def test_garbage_amount_cells_go_to_manual_and_the_run_completes(example_case, tmp_path, cell, reason):
    (example_case / "regninger.csv").write_text(
        f"invoice_id;supplier_cvr;amount;cpr;period_start;period_end\nF-1;29345716;{cell};6101901234;01.03.2019;31.03.2019\n",
        encoding="utf-8",
    )
    result = run_cli(args(example_case, tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    d = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert d["reason"].tolist() == [reason]


def test_duplicated_rows_are_both_decided(example_case, tmp_path):
    row = "F-1;29345716;28.500,00;6101901234;01.03.2019;31.03.2019"
    (example_case / "regninger.csv").write_text(
        f"invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n{row}\n{row}\n", encoding="utf-8"
    )
    assert run_cli(args(example_case, tmp_path / "out")).returncode == 0
    d = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert d["reason"].tolist() == ["", "DUPLICATE_INVOICE"]


def test_rules_path_that_is_a_folder_exits_2(example_case, tmp_path):
    result = run_cli(args(example_case, tmp_path / "out", "--rules", str(tmp_path)))
    assert_one_line_error(result, "is a folder")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_rules_with_a_number_that_is_not_finite_exit_2(example_case, tmp_path, value):
    rules = example_case / "rules.toml"
    rules.write_text(f"tolerance = {value}\n", encoding="utf-8")
    assert_one_line_error(run_cli(args(example_case, tmp_path / "out", "--rules", str(rules))), "key 'tolerance'")


def test_out_below_a_file_exits_2(example_case, tmp_path):
    (tmp_path / "h.csv").write_text("x")
    assert_one_line_error(run_cli(args(example_case, tmp_path / "h.csv" / "sub")), "h.csv")


def test_an_output_file_that_is_a_folder_exits_2_before_anything_is_recorded(example_case, tmp_path):
    out = tmp_path / "out"
    (out / "opus_postings.csv").mkdir(parents=True)
    journal = tmp_path / "j.sqlite"
    result = run_cli(args(example_case, out, "--new-journal", str(journal)))
    assert_one_line_error(result, "opus_postings.csv", "is a folder")
    assert not journal.exists()  # the journal this run started is removed: it recorded nothing
    assert not list(out.glob(".invoicekit-staging-*"))


def test_a_sqlite_file_of_another_program_is_refused_and_left_alone(example_case, tmp_path):
    import sqlite3

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE runs (x)")
    before = foreign.read_bytes()
    result = run_cli(args(example_case, tmp_path / "out", "--journal", str(foreign)))
    assert_one_line_error(result, "foreign.db", "another program")
    assert foreign.read_bytes() == before


def test_dry_run_opens_the_journal_read_only(example_case, tmp_path, monkeypatch):
    import sqlite3

    from invoicekit import Journal
    from invoicekit import journal as journal_module

    journal = tmp_path / "j.sqlite"
    assert run_cli(args(example_case, tmp_path / "o1", "--new-journal", str(journal))).returncode == 0
    with Journal(journal, readonly=True) as j, pytest.raises(sqlite3.OperationalError, match="readonly"):
        j.conn.execute("DELETE FROM runs")
    modes = []
    real_init = journal_module.Journal.__init__

    def spy(self, path, readonly=False, create=False):
        modes.append(readonly)
        real_init(self, path, readonly, create)

    monkeypatch.setattr(journal_module.Journal, "__init__", spy)
    assert main(args(example_case, tmp_path / "o2", "--journal", str(journal), "--dry-run", "--quiet")) == 0
    assert modes == [True]
