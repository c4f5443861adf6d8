"""Amounts as whole øre, integers (0.9.34, issue 13: numbers stay numbers):
the decisions and their lines hold ``amount_ore`` and ``expected_amount_ore``
(pandas ``Int64``), the journal stores them as integers (schema 12), the files
write them as DKK, and a journal of schema 11, which stored DKK as floating
point, is migrated without an amount changing by an øre."""

from __future__ import annotations

import contextlib
import sqlite3
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from invoicekit.cli import main
from invoicekit.journal import SCHEMA_VERSION, Journal
from tests.conftest import old_schema


def _run(example: Path, tmp_path: Path, journal_flag: str, out: str, dry: bool = False) -> Path:
    argv = ["run", "--grants", str(example / "bevillinger.csv"), "--invoices", str(example / "regninger.csv"),
            "--support-sheet", str(example / "stoetteark.xlsx"), "--out", str(tmp_path / out),
            journal_flag, str(tmp_path / "journal.sqlite"), "--quiet", *(["--dry-run"] if dry else [])]  # fmt: skip
    assert main(argv) == 0
    return tmp_path / out


def _stored(journal: Path, table: str = "run_decisions") -> list[pa.Table]:
    with contextlib.closing(sqlite3.connect(journal)) as conn:
        return [
            pq.read_table(pa.BufferReader(data))
            for (data,) in conn.execute(f"SELECT data FROM {table} ORDER BY run_id")
        ]


def _as_0933(journal: Path) -> None:
    """The journal as invoicekit 0.9.33 (schema 11) left it: each run's amounts in DKK as doubles,
    under the names of decisions.csv."""
    with contextlib.closing(sqlite3.connect(journal)) as conn:
        stored = [(table, run_id, data) for table in ("run_decisions", "run_decision_lines")
                  for run_id, data in conn.execute(f"SELECT run_id, data FROM {table}").fetchall()]  # fmt: skip
        for table, run_id, data in stored:
            t = pq.read_table(pa.BufferReader(data))
            for ore, dkk in (("amount_ore", "amount"), ("expected_amount_ore", "expected_amount")):
                k = t.schema.get_field_index(ore)
                values = t.column(k).to_pandas().astype("Float64") / 100
                t = t.set_column(k, dkk, pa.array(values.to_numpy(dtype=np.float64, na_value=np.nan), from_pandas=True))
            sink = pa.BufferOutputStream()
            pq.write_table(t, sink, compression="zstd")
            conn.execute(f"UPDATE {table} SET data = ? WHERE run_id = ?", (sink.getvalue().to_pybytes(), run_id))
        old_schema(conn, 11)
        conn.commit()


def _kroner(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def test_decisions_hold_whole_ore_and_the_files_write_the_same_amounts_in_kroner(example_case, tmp_path):
    out = _run(example_case, tmp_path, "--new-journal", "first")
    written = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    with Journal(tmp_path / "journal.sqlite", readonly=True) as j:
        d = j.decisions()
    assert str(d["amount_ore"].dtype) == "Int64" and str(d["expected_amount_ore"].dtype) == "Int64"
    assert "amount" not in d and "expected_amount" not in d
    for ore, dkk in (("amount_ore", "amount"), ("expected_amount_ore", "expected_amount")):
        held = [None if pd.isna(v) else Decimal(int(v)) / 100 for v in d[ore]]
        assert held == [_kroner(t) for t in written[dkk]], dkk
    assert written["expected_amount"].eq("").any() and written["expected_amount"].ne("").any()
    # the journal stores integers: no amount as floating point
    (stored,) = _stored(tmp_path / "journal.sqlite")
    assert stored.schema.field("amount_ore").type == pa.int64()
    assert stored.schema.field("expected_amount_ore").type == pa.int64()
    assert not [f.name for f in stored.schema if pa.types.is_floating(f.type)]


def test_a_schema_11_journal_is_migrated_to_whole_ore_and_no_amount_changes(example_case, tmp_path):
    _run(example_case, tmp_path, "--new-journal", "first")
    journal = tmp_path / "journal.sqlite"
    with Journal(journal, readonly=True) as j:
        before = j.decisions()
    _as_0933(journal)
    (legacy,) = _stored(journal)
    assert legacy.schema.field("amount").type == pa.float64()
    # read as it is (a report, a dry run): øre all the same, and the journal left as it was
    with Journal(journal, readonly=True) as j:
        assert j.version == 11
        pd.testing.assert_frame_equal(j.decisions(), before)
    # the next recorded run migrates it: each run rewritten in øre, after a backup; nothing posted again
    again = _run(example_case, tmp_path, "--journal", "again")
    assert (tmp_path / "journal.sqlite.schema11-backup").exists()
    first, _second = _stored(journal)
    assert first.schema.field("amount_ore").type == pa.int64() and "amount" not in first.column_names
    with Journal(journal, readonly=True) as j:
        assert j.version == SCHEMA_VERSION == 13
        pd.testing.assert_frame_equal(j.decisions(run_id=1).reset_index(drop=True), before)
    assert "posted" not in pd.read_csv(again / "decisions.csv", dtype=str)["status"].tolist()


def test_every_amount_a_double_held_comes_back_to_its_own_ore():
    """Schemas 2 to 11 stored DKK as doubles: each is read back as the øre it was written from,
    from 0 to 100 million kroner (the largest amount read), and negative ones (credit notes)."""
    from invoicekit.journal import _dkk_as_ore

    rng = np.random.default_rng(34)
    ore = np.concatenate([np.arange(0, 2_000_000), rng.integers(-(10**10), 10**10, 2_000_000)])
    dkk = ore / 100  # as 0.9.33 held them: the nearest double to each amount in DKK
    back = _dkk_as_ore(pa.array(np.append(dkk, np.nan), from_pandas=True))
    assert back[-1] is pd.NA
    assert np.array_equal(back[:-1].to_numpy(dtype=np.int64), ore)


def test_a_journal_text_amount_of_schema_1_is_read_as_whole_ore():
    from invoicekit.journal import _dkk_as_ore

    back = _dkk_as_ore(pd.Series(["28500.00", "", "0.10", "-1006.45", "9552.48"], dtype=object))
    assert back.tolist() == [2_850_000, pd.NA, 10, -100_645, 955_248]


@pytest.mark.parametrize("column", ["amount", "expected_amount"])
def test_the_librarys_decisions_and_postings_hold_the_files_amounts_in_ore(example_case, tmp_path, column):
    """A notebook's ``ik.decide`` gives each amount decisions.csv and opus_postings.csv write, times 100:
    whole øre, never kroner, nor the unit amounts are worked in (1/10,000 DKK)."""
    import invoicekit as ik

    out = _run(example_case, tmp_path, "--new-journal", "first")
    written = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    result = ik.decide(
        ik.read_invoices(example_case / "regninger.csv"),
        ik.read_grants(example_case / "bevillinger.csv"),
        ik.read_support_sheet(example_case / "stoetteark.xlsx"),
    )
    held = result.decisions[column + "_ore"]
    assert str(held.dtype) == "Int64"
    assert [None if pd.isna(v) else int(v) for v in held] == [
        None if t == "" else int(Decimal(t) * 100) for t in written[column]
    ]
    if column == "amount":  # what OPUS is sent (Danish decimals), from the postings
        posted = pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False)["Beløb"]
        assert result.postings["amount_ore"].tolist() == [int(Decimal(t.replace(",", ".")) * 100) for t in posted]


def test_a_schema_11_journal_of_lines_is_migrated_to_whole_ore_and_the_invoice_is_not_paid_again(tmp_path):
    """A collective invoice posted line by line by 0.9.33: its lines' amounts, stored in DKK, come back
    to the øre, read as they are and after the migration, and the invoice sent again is not paid."""
    from tests.test_attack_0931_collective import (
        EXAMPLE,
        GRANT_HEADER,
        INVOICE_HEADER,
        LINE_HEADER,
        _csv,
        _grant,
        _invoice,
        _line,
    )

    a, b = "610190-1234", "020290-1235"
    files = {
        "--grants": _csv(tmp_path / "g.csv", GRANT_HEADER, [_grant("GA", a), _grant("GB", b)]),
        "--invoices": _csv(tmp_path / "i.csv", INVOICE_HEADER, [_invoice(amount="57.000,01")]),
        "--invoice-lines": _csv(tmp_path / "l.csv", LINE_HEADER, [_line(1, a, "28500,00"), _line(2, b, "28500,01")]),
        "--support-sheet": EXAMPLE / "stoetteark.xlsx",
    }
    journal = tmp_path / "journal.sqlite"

    def run(flag: str, out: str) -> pd.DataFrame:
        argv = [*(str(x) for kv in files.items() for x in kv), flag, str(journal), "--out", str(tmp_path / out)]
        assert main(["run", *argv, "--quiet"]) == 0
        return pd.read_csv(tmp_path / out / "decisions.csv", dtype=str, keep_default_na=False)

    assert run("--new-journal", "first")["status"].tolist() == ["posted"]
    with Journal(journal, readonly=True) as j:
        lines = j.decision_lines()
    assert lines["amount_ore"].tolist() == [2_850_000, 2_850_001] and str(lines["amount_ore"].dtype) == "Int64"
    _as_0933(journal)
    assert _stored(journal, "run_decision_lines")[0].schema.field("amount").type == pa.float64()
    with Journal(journal, readonly=True) as j:
        pd.testing.assert_frame_equal(j.decision_lines(), lines)
    assert run("--journal", "again")["reason"].tolist() == ["DUPLICATE_INVOICE"]
    migrated = _stored(journal, "run_decision_lines")[0]  # the first run's (the rerun's lines after it)
    assert migrated.column("amount_ore").to_pylist() == [2_850_000, 2_850_001] and "amount" not in migrated.column_names
    with Journal(journal, readonly=True) as j:
        assert j.version == SCHEMA_VERSION
        pd.testing.assert_frame_equal(j.decision_lines(run_id=1), lines)


def test_a_double_a_hair_off_its_ore_comes_back_to_the_nearest_ore_half_up():
    """The rounding rule for kroner held as floating point: to the nearest øre, a half øre up, as the
    unit amounts are rounded (one rule, ``parsing.whole_ore``)."""
    from invoicekit.journal import _dkk_as_ore

    back = _dkk_as_ore(pa.array([1006.4499999999, 1006.4500000001, 0.005, 0.015, 2.675, -0.005]))
    assert back.tolist() == [100_645, 100_645, 1, 2, 268, 0]


def test_a_credit_note_of_a_negative_amount_in_the_journal_is_forgotten_by_check_10(example_case, tmp_path):
    """The journal's amounts are whole øre now: the history still reads a recorded credit note's sign
    (an amount below 0 is a credit note, check 9), so an invoice of its number later is posted, not
    held as a duplicate of it."""
    from tests.test_journal import run_example

    header = "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n"
    (example_case / "credit.csv").write_text(
        header + "SOL-7001;29345716;-28.500,00;6101901234;01.06.2019;30.06.2019\n", encoding="utf-8"
    )
    (example_case / "invoice.csv").write_text(
        header + "SOL-7001;29345716;28.500,00;6101901234;01.06.2019;30.06.2019\n", encoding="utf-8"
    )
    journal = tmp_path / "journal.sqlite"
    credit = run_example(example_case, tmp_path / "c", journal, invoices="credit.csv")
    assert credit.decisions["reason"].tolist() == ["CREDIT_NOTE"]
    assert credit.decisions["amount_ore"].tolist() == [-2_850_000]
    later = run_example(example_case, tmp_path / "i", journal, invoices="invoice.csv")
    assert later.decisions["status"].tolist() == ["posted"]


def test_an_evaluation_against_a_posting_history_holds_ore_and_writes_kroner(tmp_path):
    """``Evaluation.invoices`` and ``history_only`` hold the robot's and the specialists' amounts in
    whole øre (``amount_ore``, ``true_amount_ore``); evaluation.csv writes them as kroner under the
    file's names, and evaluation.xlsx as numbers in kroner, an øre apart where they differ."""
    from openpyxl import load_workbook

    from invoicekit.evaluate import HISTORY_EVALUATION_COLUMNS, evaluate_history
    from tests.test_evaluate import _decisions, _opus

    decisions = _decisions([("A", "posted", "G1", "P1", "40000000", 1000.00), ("B", "manual", "", "", "", 0.01)])
    history = _opus([("A", "1000,01", "P1", "40000000"), ("B", "0,01", "P1", "40000000"), ("Z", "42,00", "P1", "1")])
    ev = evaluate_history(decisions, history)
    assert ev.invoices["amount_ore"].tolist() == [100_000, 1] and str(ev.invoices["amount_ore"].dtype) == "Int64"
    assert ev.invoices["true_amount_ore"].tolist() == [100_001, 1]
    assert ev.history_only["true_amount_ore"].tolist() == [4_200]
    assert "forkert beløb (1.000,00, rigtigt: 1.000,01)" in ev.invoices["why"].iat[0]
    ev.write(tmp_path)
    written = pd.read_csv(tmp_path / "evaluation.csv", dtype=str, keep_default_na=False)
    assert list(written.columns) == list(HISTORY_EVALUATION_COLUMNS)
    assert (written["amount"].tolist(), written["true_amount"].tolist()) == (["1000.00", "0.01"], ["1000.01", "0.01"])
    assert pd.read_csv(tmp_path / "history_only.csv", dtype=str)["true_amount"].tolist() == ["42.00"]
    ws = load_workbook(tmp_path / "evaluation.xlsx")["Fakturaer"]
    header = [c.value for c in ws[1]]
    cells = [ws.cell(2, header.index(name) + 1) for name in ("Beløb (kr.)", "Rigtigt beløb (kr.)")]
    assert [c.value for c in cells] == [1000.0, 1000.01] and cells[0].number_format == cells[1].number_format
