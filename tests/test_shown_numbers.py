"""A workbook's number cell read as Excel shows it where its number format writes digits the number does
not hold: Sensum's grant id 000108 kept as the number 108 formatted ``000000``, an invoice number 0004711
formatted ``0000000``. OPUS and Sensum must get the number as written (spec, "Writing": the import files
"carry invoice numbers exactly as written, so the systems can find the invoice"); the readers used to take
the value alone (openpyxl ``values_only``, calamine has no formats), so Sensum was asked to mark grant 108
paid, which is not its grant 000108.

Each run is ``invoicekit run`` on the example municipality (tests/data/example: citizen 610190-1234 has
B-1001, § 108 at Solhøj, 28,500 kr. a month).
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.readers import _calamine_reads_as_openpyxl, read_raw, shown_digits
from tests.conftest import invoice

INVOICE_HEADER = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text"]


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (108, "000000", "000108"),
        (108.0, "000000", "000108"),
        (101901234, "0000000000", "0101901234"),
        (101901234, "000000-0000", "010190-1234"),
        (7, "00\\-00", "00-07"),
        (1001, '"B-"0', "B-1001"),
        (12, "(000)", "(012)"),
        (12, "0000;[Red]-0000", "0012"),  # the first section is the one for numbers >= 0
        (0, "000", "000"),
        (123456789, "000", None),  # more digits than placeholders: the number itself
        (108, "0", None),
        (108, "General", None),
        (108.5, "000000", None),  # not whole: Excel would round what it shows; the value is read
        (-5, "000", None),
        (1234, "#,##0", None),  # thousands, decimals, colours, dates: read as the value, as before
        (1234, "0.00", None),
        (7, "[Red]000", None),
        (7, "yyyy", None),
        (5, "#-#", None),  # no 0 placeholder
        (1, "0" * 16, None),  # past 15 digits: a cell that lost digits, as before
        (True, "000", None),
        ("108", "000000", None),
    ],
)
def test_a_number_shown_with_digits_it_does_not_hold_is_read_as_shown(value, code, shown):
    assert shown_digits(value, code) == shown


def _workbook(path: Path, header: list[str], rows: list[list[object]], formats: dict[str, str]) -> Path:
    """An xlsx of ``rows`` under ``header``; ``formats`` maps a column to the number format of its cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    for column, code in formats.items():
        k = header.index(column) + 1
        for r in range(2, len(rows) + 2):
            ws.cell(row=r, column=k).number_format = code
    wb.save(path)
    return path


def _grants_workbook(case: Path, formats: dict[str, str], **ids: object) -> Path:
    grants = pd.read_csv(case / "bevillinger.csv", dtype=str, keep_default_na=False)
    rows = [[ids.get(v, v) if c == "grant_id" else v for c, v in row.items()] for row in grants.to_dict("records")]
    return _workbook(case / "bevillinger.xlsx", list(grants.columns), rows, formats)


def _invoices(path: Path, *rows: dict[str, object], formats: dict[str, str] | None = None) -> Path:
    if path.suffix == ".xlsx":
        return _workbook(path, INVOICE_HEADER, [[r.get(c, "") for c in INVOICE_HEADER] for r in rows], formats or {})
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        w.writerow(INVOICE_HEADER)
        for r in rows:
            w.writerow([r.get(c, "") for c in INVOICE_HEADER])
    return path


def _run(case: Path, grants: Path, invoices: Path, out: Path, *extra: str) -> Path:
    argv = ["run", "--grants", str(grants), "--invoices", str(invoices),
            "--support-sheet", str(case / "stoetteark.xlsx"), "--out", str(out), *extra]  # fmt: skip
    assert main(argv) == 0
    return out


def _read(path: Path, sep: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=sep))


def test_a_grant_id_with_leading_zeros_of_its_number_format_is_marked_paid_as_sensum_writes_it(
    example_case, tmp_path, capsys
):
    grants = _grants_workbook(example_case, {"grant_id": "000000"}, **{"B-1001": 108})
    out = _run(example_case, grants, _invoices(tmp_path / "i.csv", invoice()), tmp_path / "o")
    [paid] = _read(out / "sensum_paid.csv", ",")
    [posting] = _read(out / "opus_postings.csv", ";")
    [decision] = _read(out / "decisions.csv", ",")
    assert paid["grant_id"] == "000108"  # was 108: a grant Sensum does not have
    assert posting["Tekst"].endswith(" 000108")
    assert decision["status"] == "posted" and decision["grant_id"] == "000108"


def test_an_invoice_number_with_leading_zeros_of_its_number_format_reaches_opus_and_sensum_as_shown(
    example_case, tmp_path, capsys
):
    invoices = _invoices(tmp_path / "i.xlsx", invoice(invoice_id=4711), formats={"invoice_id": "0000000"})
    out = _run(example_case, example_case / "bevillinger.csv", invoices, tmp_path / "o")
    [posting] = _read(out / "opus_postings.csv", ";")
    [paid] = _read(out / "sensum_paid.csv", ",")
    assert posting["Fakturanummer"] == "0004711" and paid["invoice_id"] == "0004711"


def test_a_cpr_number_cell_shown_with_its_dash_is_the_citizens(example_case, tmp_path, capsys):
    invoices = _invoices(tmp_path / "i.xlsx", invoice(cpr=6101901234), formats={"cpr": "000000-0000"})
    out = _run(example_case, example_case / "bevillinger.csv", invoices, tmp_path / "o")
    [posting] = _read(out / "opus_postings.csv", ";")
    assert posting["Ydelsesmodtagernr."] == "6101901234"


@pytest.mark.parametrize("first", ["csv", "xlsx"])
def test_an_invoice_number_shown_with_zeros_is_the_same_invoice_as_its_value_in_an_earlier_run(
    example_case, tmp_path, capsys, first
):
    # a rerun of the same workbook, or the number written without its zeros in a CSV extract the month
    # before (or read so by an older invoicekit): one invoice, posted once
    journal = tmp_path / "journal.sqlite"
    as_csv = _invoices(tmp_path / "a.csv", invoice(invoice_id="4711"))
    as_shown = _invoices(tmp_path / "a.xlsx", invoice(invoice_id=4711), formats={"invoice_id": "0000000"})
    grants = example_case / "bevillinger.csv"
    earlier, later = (as_csv, as_shown) if first == "csv" else (as_shown, as_shown)
    _run(example_case, grants, earlier, tmp_path / "o1", "--new-journal", str(journal))
    out = _run(example_case, grants, later, tmp_path / "o2", "--journal", str(journal))
    [decision] = _read(out / "decisions.csv", ",")
    assert decision["status"] == "manual" and decision["reason"] == "DUPLICATE_INVOICE"
    assert _read(out / "opus_postings.csv", ";") == []


def test_a_grant_marked_paid_as_shown_is_already_paid_for_its_value_in_the_marks_read_back(
    example_case, tmp_path, capsys
):
    # the marks of a run read back with --paid where the next run's grants are a CSV extract holding 108
    grants = _grants_workbook(example_case, {"grant_id": "000000"}, **{"B-1001": 108})
    out = _run(example_case, grants, _invoices(tmp_path / "i.csv", invoice()), tmp_path / "o1")
    plain = pd.read_csv(example_case / "bevillinger.csv", dtype=str, keep_default_na=False)
    plain["grant_id"] = plain["grant_id"].replace({"B-1001": "108"})
    plain.to_csv(example_case / "b2.csv", index=False)
    again = _invoices(tmp_path / "i2.csv", invoice(invoice_id="F-2"))
    out2 = _run(example_case, example_case / "b2.csv", again, tmp_path / "o2", "--paid", str(out / "sensum_paid.csv"))
    [decision] = _read(out2 / "decisions.csv", ",")
    assert decision["reason"] == "ALREADY_PAID"


def test_a_workbook_whose_number_cells_are_shown_with_zeros_is_read_by_openpyxl_not_calamine(tmp_path):
    shown = _workbook(tmp_path / "a.xlsx", ["grant_id"], [[108]], {"grant_id": "000000"})
    plain = _workbook(tmp_path / "b.xlsx", ["grant_id"], [[108]], {"grant_id": "0.00"})
    assert not _calamine_reads_as_openpyxl(shown)
    assert _calamine_reads_as_openpyxl(plain)
    raw = read_raw(shown)
    assert raw.frame["grant_id"].tolist() == ["000108"]
    assert raw.numeric_cells("grant_id").tolist() == [True]  # still a number cell: compared by value
    assert read_raw(plain).frame["grant_id"].tolist() == ["108"]


def test_a_format_code_with_escaped_quotes_in_the_styles_part_is_read(tmp_path):
    # the styles part writes a format's quotes as &quot;: '"B-"0' shows 1001 as B-1001
    path = _workbook(tmp_path / "a.xlsx", ["grant_id"], [[1001]], {"grant_id": '"B-"0'})
    with zipfile.ZipFile(path) as z:
        assert b"&quot;B-&quot;0" in z.read("xl/styles.xml")
    assert read_raw(path).frame["grant_id"].tolist() == ["B-1001"]
