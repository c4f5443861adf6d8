"""An attack on 0.9.30 (numbers read as Excel shows them; line breaks read as spaces): a collective
invoice's lines are found by its number as check 10 compares numbers, digits alone by their value. Attached
by the number as written, an invoice read as 0004711 (a number cell shown with zeros) lost its lines written
4711, and went to manual as MISSING_CPR. Each test failed on the version before its mend. The example municipality is
tests/data/example (citizen 610190-1234 has B-1001, § 108 at Solhøj CVR 29345716, 28,500 kr. a month); a second
citizen, 020290-1235, is given a grant B-2001 like it, so that a collective invoice of 57,000 kr. has two lines.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from invoicekit.cli import main
from tests.conftest import invoice
from tests.test_shown_numbers import INVOICE_HEADER, _read

LINE_HEADER = ["invoice_id", "supplier_cvr", "line_no", "cpr", "amount", "text"]
SOLHOJ = "29345716"


def _grants_two_citizens(case: Path) -> Path:
    g = pd.read_csv(case / "bevillinger.csv", dtype=str, keep_default_na=False)
    a = g[g["grant_id"] == "B-1001"].iloc[0].to_dict()
    b = dict(a, grant_id="B-2001", cpr="020290-1235")
    pd.DataFrame([a, b]).to_csv(case / "two.csv", index=False)
    return case / "two.csv"


def _table(path: Path, header: list[str], rows: list[dict], shown_rows: tuple[int, ...] = (), fmt: str = "0000000"):
    """A CSV (;) or an xlsx of ``rows``; in an xlsx the first column of the data rows ``shown_rows`` (0-based)
    formatted ``fmt``."""
    if path.suffix == ".xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(header)
        for r in rows:
            ws.append([r.get(c, "") for c in header])
        for k in shown_rows:
            ws.cell(row=k + 2, column=1).number_format = fmt
        wb.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, delimiter=";")
            w.writerow(header)
            for r in rows:
                w.writerow([r.get(c, "") for c in header])
    return path


def _lines(number: object) -> list[dict]:
    return [
        {"invoice_id": number, "supplier_cvr": SOLHOJ, "line_no": "1", "cpr": "610190-1234", "amount": "28500"},
        {"invoice_id": number, "supplier_cvr": SOLHOJ, "line_no": "2", "cpr": "020290-1235", "amount": "28500"},
    ]


def _collective(number: object) -> dict:
    return invoice(invoice_id=number, cpr="", amount="57.000,00", text="Samlefaktura marts 2019")


def _run(case: Path, invoices: Path, lines: Path, out: Path) -> Path:
    argv = ["run", "--grants", str(_grants_two_citizens(case)), "--invoices", str(invoices),
            "--invoice-lines", str(lines), "--support-sheet", str(case / "stoetteark.xlsx"), "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out


# ------------------------------------------------------------ a collective invoice's lines, number shown with zeros


@pytest.mark.parametrize(
    ("invoices", "lines"),
    [
        # the invoice extract a workbook whose invoice number 4711 is formatted 0000000 (read now as 0004711),
        # the supplier's lines a CSV saying 4711
        pytest.param(("xlsx", 4711, (0,)), ("csv", "4711", ()), id="invoice-shown-lines-csv"),
        # the invoice extract a CSV saying 4711, the lines a workbook whose numbers are 4711 formatted 0000000
        pytest.param(("csv", "4711", ()), ("xlsx", 4711, (0, 1)), id="invoice-csv-lines-shown"),
        # both workbooks, the invoice's cell and one line's formatted 0000000, the other line's cell the same
        # number 4711 unformatted: one invoice's lines split between two numbers
        pytest.param(("xlsx", 4711, (0,)), ("xlsx", 4711, (0,)), id="one-line-shown-one-not"),
    ],
)
def test_a_collective_invoices_lines_are_found_when_its_number_is_a_number_cell_shown_with_zeros(
    example_case, tmp_path, capsys, invoices, lines
):
    # WRONG DECISION (a regression: 0.9.29 posted these; no money is paid wrongly, but the decision and its
    # message are wrong). The invoices' and the lines' numbers are now read as Excel shows them where a number
    # cell is formatted with leading zeros, but a line is attached to its invoice by the number as written
    # (invoice_key: 0004711 is not 4711), not by its value as README says a number cell is compared "where numbers
    # are" (check 10 and 21 do: 0004711 and 4711 are one invoice there). So a collective invoice whose number
    # cell is 4711 formatted 0000000 no longer finds lines numbered 4711 (or the reverse): the lines are listed as
    # "ingen faktura med dette nummer og CVR-nummer i regningerne" and the invoice goes to a caseworker as
    # MISSING_CPR ("Der står intet CPR-nummer på fakturaen") or LINES_MISMATCH, while check 10 in the same run
    # would call 0004711 and 4711 the same invoice. Before 0.9.30 both cells read 4711 and the invoice posted line
    # by line. A number cell's lines should be found by its value, as check 10 finds the invoice.
    iext, inum, ishown = invoices
    lext, lnum, lshown = lines
    inv_path = _table(tmp_path / f"i.{iext}", INVOICE_HEADER, [_collective(inum)], ishown)
    line_path = _table(tmp_path / f"l.{lext}", LINE_HEADER, _lines(lnum), lshown)
    out = _run(example_case, inv_path, line_path, tmp_path / "o")
    [decision] = _read(out / "decisions.csv", ",")
    assert decision["status"] == "posted", (decision["reason"], decision["message"])
    assert len(_read(out / "opus_postings.csv", ";")) == 2
    assert _read(out / "input_problems.csv", ",") == []
