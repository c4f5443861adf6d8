"""An attack on the files OPUS and Sensum import (0.9.37): an invoice number or a grant id that Excel made a
date (`4-3` typed, kept as 4 March) was read as the date, and posted and marked paid under a number
nobody wrote. Each failed on 0.9.36."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd

from invoicekit.run import run
from tests.period_runs import EXAMPLE, GRANT_HEADER, INVOICE_HEADER, SOLHOJ, grant, write_rows


def _outputs(out: Path) -> dict:
    return {
        "decisions": pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False),
        "postings": pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False),
        "notes": pd.read_csv(out / "opus_notes.csv", sep=";", dtype=str, keep_default_na=False),
        "paid": pd.read_csv(out / "sensum_paid.csv", dtype=str, keep_default_na=False),
    }


def test_invoice_number_in_an_excel_date_cell_is_posted_as_an_iso_date_nobody_wrote(tmp_path):
    """What goes wrong: an invoice extract (.xlsx) whose Fakturanummer cell Excel turned into a date (a
    supplier's number ``4-3`` or ``04.03``, typed or pasted, becomes the date 4 March; the cell shows
    ``4-3``) is posted with Fakturanummer ``2019-03-04`` in opus_postings.csv and sensum_paid.csv.

    Why it matters: OPUS finds the invoice by its number; ``2019-03-04`` is neither what the supplier
    wrote nor what the workbook shows (an ISO date, a form no Danish extract uses), so the posting is
    booked against an invoice OPUS cannot find, and Sensum's paid mark names an invoice that does not
    exist. The robot already refuses to guess for the other Excel corruption of an invoice number (a
    number cell of over 15 digits goes to manual, MISSING_INVOICE_ID with a message saying why).

    Spec: robot-spec.md, Writing, "Who reads what": opus_postings.csv, opus_notes.csv and
    sensum_paid.csv "carry invoice numbers exactly as written, so the systems can find the invoice".

    What is right: a date cell in the invoice-number column is not a number as written: the invoice goes
    to manual saying the number is a date in the workbook (fix the extract so the number is text), or is
    posted with the number as the cell shows it; never under ``2019-03-04``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(INVOICE_HEADER)
    ws.append([dt.datetime(2019, 3, 4), int(SOLHOJ), 28500, "610190-1234", dt.datetime(2019, 3, 1),
               dt.datetime(2019, 3, 31), "Døgnophold"])  # fmt: skip
    ws.cell(row=2, column=1).number_format = "d-m"  # as Excel shows a typed 4-3
    wb.save(tmp_path / "i.xlsx")
    grants = write_rows(tmp_path / "g.csv", GRANT_HEADER, [grant()])
    run(grants, tmp_path / "i.xlsx", EXAMPLE / "stoetteark.xlsx", tmp_path / "out")
    o = _outputs(tmp_path / "out")
    assert "2019-03-04" not in list(o["postings"]["Fakturanummer"]) + list(o["paid"]["invoice_id"]), o[
        "postings"
    ].to_dict("records")


def test_grant_id_in_an_excel_date_cell_is_marked_paid_in_sensum_as_an_iso_date(tmp_path):
    """What goes wrong: a grant extract (.xlsx) whose Bevilling cell Excel turned into a date (an id
    ``7-1`` typed or pasted becomes 7 January; the cell shows ``7-1``) is matched and posted, and the
    grant id is written as ``2019-01-07``: in the Tekst of opus_postings.csv
    (``SEL108-BO 01.03.2019-31.03.2019 2019-01-07``) and as sensum_paid.csv's grant_id.

    Why it matters: Sensum marks the grant period paid by grant_id; ``2019-01-07`` names no grant, so
    the mark is rejected or lands nowhere, the period stays unpaid in Sensum, and the OPUS text names a
    grant nobody can find. For the other Excel corruption of a grant id (a number cell of over 15
    digits) the robot leaves the grant out and lists it in input_problems.csv.

    Spec: robot-spec.md, Writing: ``Tekst`` holds "the service code, the period ... and the grant id";
    sensum_paid.csv is "the paid marks written back to Sensum: grant_id, ..."; Command: "a bad grant ...
    row is left out of matching and listed in input_problems.csv".

    What is right: a date cell in the grant-id column is left out of matching with an input problem
    (write the id as text in the extract), as the 15-digit number cell is; or the id is written as the
    cell shows it. Never ``2019-01-07``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(GRANT_HEADER)
    ws.append([dt.datetime(2019, 1, 7), "610190-1234", "SEL108-BO", int(SOLHOJ), 28500, "month",
               dt.datetime(2018, 1, 1), None])  # fmt: skip
    ws.cell(row=2, column=1).number_format = "d-m"  # as Excel shows a typed 7-1
    wb.save(tmp_path / "g.xlsx")
    invoices = write_rows(tmp_path / "i.csv", INVOICE_HEADER, [
        {"invoice_id": "F-1", "supplier_cvr": SOLHOJ, "amount": "28.500,00", "cpr": "610190-1234",
         "period_start": "01.03.2019", "period_end": "31.03.2019", "text": "Døgnophold"}])  # fmt: skip
    run(tmp_path / "g.xlsx", invoices, EXAMPLE / "stoetteark.xlsx", tmp_path / "out")
    o = _outputs(tmp_path / "out")
    written = list(o["paid"]["grant_id"]) + [t.split()[-1] for t in o["postings"]["Tekst"]]
    assert "2019-01-07" not in written, o["postings"].to_dict("records")
