"""An attack on 0.9.30's CPR masking: a CPR number written with
thousands separators between groups of three (``2.311.854.711``, as Excel
shows a CPR stored as a number in a ``#,##0`` cell, or ``2,311,854,711`` in an
English locale) reaches decisions.csv, the notes and the journal whole."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from invoicekit.cli import main
from tests.conftest import SOLHOJ, journal_text

CPR_DIGITS = "2311854711"  # 23.11.1985-4711, a valid CPR number
HEADER = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text", "supplier_name"]
BASE = {"invoice_id": "F-1", "supplier_cvr": SOLHOJ, "amount": "28.500,00", "cpr": "610190-1234",
        "period_start": "01.03.2019", "period_end": "31.03.2019", "text": "Døgnophold", "supplier_name": "Solhøj"}  # fmt: skip


def _leaks(text: str) -> bool:
    """Whether the CPR number's ten digits stand in ``text`` in order, at most four other characters apart."""
    return re.search(r"\D{0,4}".join(CPR_DIGITS), text) is not None


def _run(case: Path, tmp: Path, **fields: str) -> tuple[Path, Path, str]:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(HEADER)
    row = {**BASE, **fields}
    w.writerow([row[c] for c in HEADER])
    invoices = tmp / "invoices.csv"
    invoices.write_text(buf.getvalue(), encoding="utf-8")
    out, journal, log = tmp / "out", tmp / "journal.sqlite", tmp / "run.log"
    argv = ["run", "--grants", str(case / "bevillinger.csv"), "--invoices", str(invoices), "--support-sheet",
            str(case / "stoetteark.xlsx"), "--out", str(out), "--new-journal", str(journal),
            "--log-file", str(log), "--log-level", "DEBUG"]  # fmt: skip
    assert main(argv) == 0
    return out, journal, log.read_text(encoding="utf-8")


@pytest.mark.parametrize("cell", ["2.311.854.711", "2,311,854,711"])
def test_cpr_with_thousands_separators_in_the_amount_is_echoed_whole(example_case, tmp_path, capsys, cell):
    # the README: a cell whose whole part has nine digits or more is echoed with its digits after the
    # fifth as x (1.507.8xx.xxx,xx); without decimals the last group is taken for decimals and the
    # cell is echoed whole in the INVALID_AMOUNT message
    out, journal, log = _run(example_case, tmp_path, amount=cell)
    printed = capsys.readouterr()
    decisions = (out / "decisions.csv").read_text(encoding="utf-8")
    assert "INVALID_AMOUNT" in decisions
    assert not _leaks(decisions), decisions
    assert not _leaks((out / "opus_notes.csv").read_text(encoding="utf-8"))
    assert not _leaks(journal_text(journal))
    assert not _leaks(printed.out + printed.err + log)


def test_cpr_with_thousands_separators_in_the_supplier_cvr_is_echoed_whole(example_case, tmp_path, capsys):
    # INVALID_CVR: "Leverandørens CVR-nummer '2.311.854.711' er ikke gyldigt", in decisions.csv, the note and the journal
    out, journal, _ = _run(example_case, tmp_path, supplier_cvr="2.311.854.711")
    decisions = (out / "decisions.csv").read_text(encoding="utf-8")
    assert "INVALID_CVR" in decisions
    assert not _leaks(decisions), decisions
    assert not _leaks((out / "opus_notes.csv").read_text(encoding="utf-8"))
    assert not _leaks(journal_text(journal))


def test_cpr_with_thousands_separators_in_the_period_is_echoed_whole(example_case, tmp_path, capsys):
    # MISSING_PERIOD: "Periodedatoen '2.311.854.711' kan ikke læses ..."
    out, journal, _ = _run(example_case, tmp_path, period_start="2.311.854.711")
    decisions = (out / "decisions.csv").read_text(encoding="utf-8")
    assert not _leaks(decisions), decisions
    assert not _leaks(journal_text(journal))


@pytest.mark.parametrize("column", ["invoice_id", "supplier_name"])
def test_cpr_with_thousands_separators_in_a_text_cell_is_kept_whole(example_case, tmp_path, capsys, column):
    # mask_cpr_text leaves 2.311.854.711 as written: the invoice number in decisions.csv and the
    # journal, the supplier's name and the text in the journal's decisions
    out, journal, _ = _run(
        example_case, tmp_path, **{column: "Borger 2.311.854.711" if column != "invoice_id" else "2.311.854.711"}
    )
    decisions = (out / "decisions.csv").read_text(encoding="utf-8")
    assert not _leaks(decisions), decisions
    assert not _leaks(journal_text(journal))


def test_mask_cpr_text_masks_a_cpr_number_grouped_by_thousands_separators():
    from invoicekit.identifiers import mask_cpr_text

    for text in ["2.311.854.711", "2,311,854,711", "CPR 2.311.854.711"]:
        assert not _leaks(mask_cpr_text(text)), text


def test_a_schema_9_journal_holding_such_a_number_in_full_is_masked_and_rekeyed_and_still_finds_it_paid(
    example_case, tmp_path, monkeypatch
):
    """A journal of 0.9.24 to 0.9.30 (schema 9) holds such an invoice number in full, as its key and in
    its decisions; the first recorded run of 0.9.31 migrates it to schema 10: masked and the key hashed,
    and the invoice, sent again, is still the one posted (check 10), not paid twice."""
    import contextlib
    import re as re_module
    import sqlite3

    import invoicekit.identifiers as identifiers
    import invoicekit.keys as keys
    from invoicekit.journal import SCHEMA_VERSION
    from tests.conftest import old_schema

    # as 0.9.30 ran: no thousands form masked or hashed
    with monkeypatch.context() as old:
        old.setattr(identifiers, "CPR_THOUSANDS", re_module.compile(r"(?!)"))
        without = keys._HASHED_WHEN_RE2.replace(f"|{keys.CPR_THOUSANDS_RE2}|", "|")
        assert without != keys._HASHED_WHEN_RE2
        old.setattr(keys, "_HASHED_WHEN_RE2", without)
        _out, journal, _ = _run(example_case, tmp_path, invoice_id="2.311.854.711")
    assert _leaks(journal_text(journal))  # as schema 9 kept it
    with contextlib.closing(sqlite3.connect(journal)) as conn:
        old_schema(conn, 9)
        conn.commit()
    row = {**BASE, "invoice_id": "2.311.854.711", "period_start": "01.04.2019", "period_end": "30.04.2019"}
    invoices = tmp_path / "again.csv"
    invoices.write_text(";".join(HEADER) + "\n" + ";".join(row[c] for c in HEADER) + "\n", encoding="utf-8")
    out = tmp_path / "out2"
    argv = ["run", "--grants", str(example_case / "bevillinger.csv"), "--invoices", str(invoices),
            "--support-sheet", str(example_case / "stoetteark.xlsx"), "--out", str(out), "--journal", str(journal),
            "--quiet"]  # fmt: skip
    assert main(argv) == 0
    assert "DUPLICATE_INVOICE" in (out / "decisions.csv").read_text(encoding="utf-8")
    with contextlib.closing(sqlite3.connect(journal)) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert not _leaks(journal_text(journal))


@pytest.mark.parametrize("cell", ["2.311.854.711,00", "2,311,854,711.00"])
@pytest.mark.parametrize("column", ["supplier_cvr", "invoice_id"])
def test_a_cpr_number_shown_with_thousands_separators_and_two_decimals_is_masked(example_case, tmp_path, column, cell):
    """Excel's usual number format with a thousands separator is ``#,##0.00`` (the Comma Style button): a CPR
    number held as a number shows as ``2.311.854.711,00``. The first mend refused any decimals after the last
    group, so the full number stood in decisions.csv, opus_notes.csv and the journal (a review)."""
    out, journal, _ = _run(example_case, tmp_path, **{column: cell})
    assert not _leaks((out / "decisions.csv").read_text(encoding="utf-8"))
    assert not _leaks(journal_text(journal))
