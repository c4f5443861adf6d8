"""An auditor's attack on spec v2's amounts, currencies and document types (0.9.38): an amount cell formatted
in a foreign currency, and a credit note or a currency under a column name the robot does not read. Each test
failed on 0.9.38."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from invoicekit.run import run
from tests.period_runs import EXAMPLE, GRANT_HEADER, grant, write_rows

SOLHOJ = "29345716"
A = "610190-1234"
ROOT = Path(__file__).resolve().parent.parent


def _invoice_workbook(path: Path, amount_format: str) -> Path:
    """An invoice extract as finance staff keep it in Excel: the amount a number cell, its
    currency shown by the cell's number format, no Valuta column."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Fakturanummer", "CVR", "Beløb", "CPR", "Periode fra", "Periode til", "Tekst"])
    ws.append(["SE-4711", SOLHOJ, 28500, A, "01.03.2019", "31.03.2019", "Døgnophold marts 2019"])
    ws.cell(2, 3).number_format = amount_format
    wb.save(path)
    return path


def _run_workbook(tmp_path: Path, amount_format: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    grants = write_rows(tmp_path / "g.csv", GRANT_HEADER, [grant()])
    invoices = _invoice_workbook(tmp_path / "regninger.xlsx", amount_format)
    run(grants, invoices, EXAMPLE / "stoetteark.xlsx", tmp_path / "out")
    out = tmp_path / "out"
    return (
        pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False),
        pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False),
    )


@pytest.mark.parametrize(
    "amount_format",
    [
        "#,##0.00 [$€-407]",  # Excel's euro format (German locale): shown 28.500,00 €
        "[$EUR] #,##0.00",  # the ISO code in front: EUR 28.500,00
        "[$SEK] #,##0.00",  # a Swedish supplier: SEK 28.500,00
        '#,##0.00 "EUR"',  # a custom format typed by hand
    ],
)
def test_an_amount_cell_formatted_in_a_foreign_currency_is_not_posted_as_kroner(tmp_path: Path, amount_format: str):
    """An .xlsx invoice extract whose Beløb cell holds the number 28500 with a number format that
    names another currency (``#,##0.00 [$€-407]``: Excel shows ``28.500,00 €``; ``[$SEK] #,##0.00``
    shows ``SEK 28.500,00``), and no Valuta column: the robot reads the bare value and posts
    ``28500,00`` in opus_postings.csv on the citizen's grant of 28.500 kr. a month, marking March paid.

    Severity: wrong payment. The invoice asks for 28.500 euro (about 212.000 kr.) or 28.500 Swedish
    kronor (about 18.000 kr.); a foreign amount is posted as kroner. The same cell written as text
    in a CSV (``28.500,00 €``, ``SEK 28.500,00``) is refused by the amount reader (INVALID_AMOUNT),
    so the outcome depends only on whether the sheet keeps the currency in the cell's text or in its
    format. The readers already look at number formats (readers._shown_cell / shown_digits, for
    identifiers), so the currency is there to be seen.

    Right behaviour: README, "Nothing is paid that should not be": "an invoice in another currency
    ... goes to a person"; spec check 8 (INVALID_AMOUNT: "a currency other than DKK") and "Reading
    extracts" (`amount`: "invoiced amount, DKK"). A number cell whose format names a currency other
    than DKK/kr. is no DKK amount: the invoice goes to manual (INVALID_AMOUNT, the message naming the
    currency) and nothing is posted. A cell formatted as kroner (``#,##0.00 [$kr.-406]``) is a DKK
    amount and is posted as today (checked by hand: it is)."""
    decisions, postings = _run_workbook(tmp_path, amount_format)
    assert decisions.loc[0, "status"] == "manual", decisions.loc[0].to_dict()
    assert decisions.loc[0, "reason"] == "INVALID_AMOUNT", decisions.loc[0].to_dict()
    assert postings.empty


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Type", "Kreditnota"),  # an e-invoice inbox's list: Type = Faktura / Kreditnota
        ("Dok.type", "Kreditnota"),  # the same, abbreviated
        ("Crcy", "EUR"),  # SAP's short label for the document currency
    ],
)
def test_a_column_whose_cells_say_kreditnota_or_eur_under_another_name_is_not_posted(
    tmp_path: Path, header: str, value: str
):
    """An invoice extract with one more column the robot does not read, ``Type`` (or ``Dok.type``)
    whose cell says ``Kreditnota`` - the very word the robot reads as a credit note under
    Dokumenttype - or ``Crcy`` whose cell says ``EUR``. The amount is positive (28.500,00), as the spec
    says a credit note's is "when document_type says what the document is". The robot posts it on the
    citizen's grant and marks March paid, and says nothing: no "Columns not read" line in the summary.

    Severity: wrong payment, unflagged. A credit note of 28.500 kr. is paid out as an invoice (or an
    amount in euro posted as kroner). The README's only safeguard for such extracts ("Nothing is paid
    that should not be": "a column it does not read that looks as if it holds one [a currency, a
    prepayment, the kind of document] ... is named in the summary and the log ..., since under
    another name every invoice is taken as a DKK invoice") looks at header words alone
    (columns.PAYMENT_HINTS): a generic header whose cells hold ``Kreditnota``/``credit note``/``381``
    or an ISO code other than DKK is never pointed out, though its contents say exactly what it is.

    Right behaviour: the invoice is not posted (sent to a caseworker), or at the least the run's
    summary names the column as one that may hold the kind of document or the currency, as it does
    for ``Møntsort`` or ``Credit note`` (README, same paragraph)."""
    grants = write_rows(tmp_path / "g.csv", GRANT_HEADER, [grant()])
    invoices = tmp_path / "regninger.csv"
    invoices.write_text(
        f"Fakturanummer;CVR;Beløb;CPR;Periode fra;Periode til;Tekst;{header}\n"
        f"KN-88;{SOLHOJ};28.500,00;{A};01.03.2019;31.03.2019;Døgnophold marts 2019;{value}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "invoicekit_command", "run", "--grants", str(grants), "--invoices", str(invoices),
         "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    decisions = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    posted = decisions.loc[0, "status"] == "posted"
    pointed_out = f"'{header}'" in done.stdout + done.stderr
    assert not posted or pointed_out, (decisions.loc[0].to_dict(), done.stdout)


def test_a_kroner_format_and_an_unread_column_of_other_words_still_post(tmp_path: Path):
    """The guards are for what the cells say: an amount cell formatted as kroner (``[$kr.-406]``, Excel's
    Danish currency format) posts as before, and so does an invoice beside an unread column of other words
    (``Type`` holding ``Faktura``, a ``Note`` holding ``EUR-konto`` in prose)."""
    decisions, postings = _run_workbook(tmp_path, "#,##0.00 [$kr.-406]")
    assert decisions.loc[0, "status"] == "posted" and postings.loc[0, "Beløb"] == "28500,00"
    grants = write_rows(tmp_path / "g2.csv", GRANT_HEADER, [grant()])
    invoices = tmp_path / "regninger2.csv"
    invoices.write_text(
        "Fakturanummer;CVR;Beløb;CPR;Periode fra;Periode til;Tekst;Type;Note\n"
        f"F-88;{SOLHOJ};28.500,00;{A};01.03.2019;31.03.2019;Døgnophold marts 2019;Faktura;betalt fra EUR-konto\n",
        encoding="utf-8",
    )
    run(grants, invoices, EXAMPLE / "stoetteark.xlsx", tmp_path / "out2")
    decided = pd.read_csv(tmp_path / "out2" / "decisions.csv", dtype=str, keep_default_na=False)
    assert decided.loc[0, "status"] == "posted", decided.loc[0].to_dict()


def test_a_credit_note_in_an_unread_column_is_held_as_one(tmp_path: Path):
    """A credit note found so is decided as a credit note (CREDIT_NOTE), and a currency as one
    (INVALID_AMOUNT), as when the column has its own name."""
    grants = write_rows(tmp_path / "g.csv", GRANT_HEADER, [grant()])
    invoices = tmp_path / "regninger.csv"
    invoices.write_text(
        "Fakturanummer;CVR;Beløb;CPR;Periode fra;Periode til;Tekst;Type;Crcy\n"
        f"KN-1;{SOLHOJ};28.500,00;{A};01.03.2019;31.03.2019;Døgnophold marts 2019;Kreditnota;DKK\n"
        f"F-2;{SOLHOJ};28.500,00;{A};01.04.2019;30.04.2019;Døgnophold april 2019;Faktura;SEK\n",
        encoding="utf-8",
    )
    run(grants, invoices, EXAMPLE / "stoetteark.xlsx", tmp_path / "out")
    decided = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert decided["reason"].tolist() == ["CREDIT_NOTE", "INVALID_AMOUNT"], decided[["status", "reason"]]
