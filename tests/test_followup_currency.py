"""The follow-up sums kroner only: an invoice in another currency is counted beside the amount, not in it
(until 0.9.43 the journal kept no currency, and a euro invoice's 1,000 was summed as 1,000 kr.)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pyarrow as pa
import pyarrow.parquet as pq

from invoicekit import Journal
from tests.test_review_0942_followup import UNKNOWN, _decisions, _followup_sheet, _inv, _journal

OTHER = "Heraf i anden valuta, ikke i beløbet"


def test_an_invoice_in_another_currency_is_counted_beside_the_kroner_and_not_summed_as_kroner(tmp_path):
    """March: Anna's stay, 30,000 kr. (posted); a euro invoice of 1,000 and one in Swedish kronor (written
    lower case, as a supplier may) of 500, which the robot leaves to a caseworker; and one of 200 kr. with its
    currency blank, which is DKK, held for its missing period. The paragraph table's kroner are 30,000 and
    200; the two foreign invoices are counted in their own column."""
    invoices = [
        _inv("F-1", "30000"),
        _inv("E-1", "1000", currency="EUR"),
        _inv("S-1", "500", currency=" sek "),
        _inv("D-1", "200", "", ""),
    ]
    journal = _journal(tmp_path, {"2019-03": invoices})
    assert _decisions(tmp_path, "2019-03")["status"].tolist() == ["posted", "manual", "manual", "manual"]
    with Journal(journal) as j:
        assert j.decisions()["currency"].tolist() == ["DKK", "EUR", "SEK", "DKK"]
    table = _followup_sheet(journal, tmp_path / "report", "Paragraffer").set_index("Paragraf")
    assert table.loc["108", "Beløb (kr.)"] == 30000
    assert table.loc["108", OTHER] == 0
    assert table.loc[UNKNOWN, "Beløb (kr.)"] == 200, "an invoice of 1,000 EUR or 500 SEK summed as kroner"
    assert table.loc[UNKNOWN, OTHER] == 2
    assert table.loc[UNKNOWN, "Fakturaer"] == 3  # counted as invoices all the same
    services = _followup_sheet(journal, tmp_path / "report2", "Ydelser")
    assert services[OTHER].sum() == 2 and services["Beløb (kr.)"].sum() == 30200


def test_a_run_recorded_before_the_journal_kept_currencies_is_read_and_summed_as_it_was(tmp_path):
    """A run recorded by 0.9.42 stored no currency column: it is read as blank, and its invoices are summed as
    kroner, as that version's follow-up summed them (nothing is refused, nothing is lost)."""
    journal = _journal(tmp_path, {"2019-03": [_inv("F-1", "30000"), _inv("E-1", "1000", currency="EUR")]})
    with closing(sqlite3.connect(journal)) as conn, conn:
        (data,) = conn.execute("SELECT data FROM run_decisions").fetchone()
        table = pq.read_table(pa.BufferReader(data))
        assert "currency" in table.column_names
        sink = pa.BufferOutputStream()
        pq.write_table(table.drop_columns(["currency"]), sink, compression="zstd")
        conn.execute("UPDATE run_decisions SET data = ?", (sink.getvalue().to_pybytes(),))
    with Journal(journal) as j:
        assert j.decisions()["currency"].tolist() == ["", ""]
    table = _followup_sheet(journal, tmp_path / "report", "Paragraffer").set_index("Paragraf")
    assert table.loc[UNKNOWN, "Beløb (kr.)"] == 1000
    assert table.loc[UNKNOWN, OTHER] == 0
