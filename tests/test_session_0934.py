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
        for run_id, data in conn.execute("SELECT run_id, data FROM run_decisions").fetchall():
            t = pq.read_table(pa.BufferReader(data))
            for ore, dkk in (("amount_ore", "amount"), ("expected_amount_ore", "expected_amount")):
                k = t.schema.get_field_index(ore)
                values = t.column(k).to_pandas().astype("Float64") / 100
                t = t.set_column(k, dkk, pa.array(values.to_numpy(dtype=np.float64, na_value=np.nan), from_pandas=True))
            sink = pa.BufferOutputStream()
            pq.write_table(t, sink, compression="zstd")
            conn.execute("UPDATE run_decisions SET data = ? WHERE run_id = ?", (sink.getvalue().to_pybytes(), run_id))
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
        assert j.version == SCHEMA_VERSION == 12
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


@pytest.mark.parametrize("column", ["amount_ore", "expected_amount_ore"])
def test_a_journal_reader_never_hands_out_kroner_as_ore(example_case, tmp_path, column):
    """The library's tables and the journal's agree to the øre, whichever a notebook reads."""
    import invoicekit as ik

    _run(example_case, tmp_path, "--new-journal", "first")
    result = ik.decide(
        ik.read_invoices(example_case / "regninger.csv"),
        ik.read_grants(example_case / "bevillinger.csv"),
        ik.read_support_sheet(example_case / "stoetteark.xlsx"),
    )
    with Journal(tmp_path / "journal.sqlite", readonly=True) as j:
        stored = j.decisions()[column].reset_index(drop=True)
    assert str(result.decisions[column].dtype) == "Int64"
    pd.testing.assert_series_equal(result.decisions[column], stored, check_names=False)
