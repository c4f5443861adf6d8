"""Writing a fix list (:class:`~invoicekit.actions.Actions`) for the people
who act on it: ``actions.csv`` (one row a fix), ``action_invoices.csv`` (each
linked invoice once), ``actions.xlsx`` (one sheet per owner, Danish headings,
numbers as numbers, and a sheet of every manual invoice), the supplier letters
``breve/<cvr>.docx`` and ``kontaktskabelon.docx``, the template they were
made from, to edit and give back with ``--template``.

All files are written all or nothing (:func:`invoicekit.render.replace_together`);
letters left in ``breve/`` by an earlier list for suppliers no longer on it
are removed (only files named ``<8 digits>.docx``). Every text cell is
formula-guarded and nothing in any file reads as a full CPR number.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
from docx import Document

from invoicekit.actions import FIX_COLUMNS, LINK_COLUMNS, OWNER_LABELS_DA, Actions
from invoicekit.errors import InputError, OutputError, make_folder
from invoicekit.formats import EXCEL_DECIMAL2, EXCEL_INT, EXCEL_MONEY, EXCEL_MONTH
from invoicekit.letters import fill_letter, letter_values, read_template
from invoicekit.post import write_csv
from invoicekit.reasons import LABELS_DA
from invoicekit.render import replace_together
from invoicekit.workbook import write_workbook

#: the fixes as the workbook heads them
FIX_HEADINGS_DA = {
    "action": "Opgave",
    "invoices": "Fakturaer",
    "points": "Procentpoint",
    "fix_key": "Nøgle",
}
INVOICE_HEADINGS_DA = {
    "month": "Måned",
    "run_id": "Kørsel",  # the journal's run: a month of several runs numbers each run's rows from 1
    "row": "Række",
    "invoice_id": "Fakturanummer",
    "supplier_cvr": "Leverandør (CVR)",
    "supplier_name": "Leverandør",
    "cpr_masked": "CPR-nummer",
    "amount": "Beløb (kr.)",  # none for an invoice in another currency: its amount is beside its currency
    "currency": "Valuta",  # blank for kroner
    "amount_in_currency": "Beløb i valuta",
    "reason_da": "Årsag",  # as the follow-up names it
    "reason": "Årsagskode",  # as decisions.csv has it
    "owner": "Ansvarlig",
    "action": "Handling",
    "fix_key": "Nøgle",
    "sent_again": "Sendt igen",  # a resend, counted at its first decision
}
LETTERS = "breve"
TEMPLATE_FILE = "kontaktskabelon.docx"
_LETTER_NAME = re.compile(r"\d{8}\.docx")


def owner_sheets(actions: Actions) -> dict[str, pd.DataFrame]:
    """One sheet per owner with a fix (Danish name and headings), numbers as numbers."""
    return {
        f"Opgaver - {OWNER_LABELS_DA[o]}": f[list(FIX_HEADINGS_DA)].rename(columns=FIX_HEADINGS_DA)
        for o, f in actions.by_owner().items()
    }


def _invoice_sheet(actions: Actions) -> pd.DataFrame:
    inv = actions.invoices.assign(
        owner=actions.invoices["owner"].map(OWNER_LABELS_DA),
        reason_da=actions.invoices["reason"].map(lambda r: LABELS_DA.get(r, r)),
    )
    return inv[list(INVOICE_HEADINGS_DA)].rename(columns=INVOICE_HEADINGS_DA)


def _formats(actions: Actions) -> dict[str, dict[str, str]]:
    """Counts grouped, points with two decimals (as the CSV), amounts in
    kroner and øre, months as real dates."""
    fixes = {FIX_HEADINGS_DA["invoices"]: EXCEL_INT, FIX_HEADINGS_DA["points"]: EXCEL_DECIMAL2}
    invoices = {
        INVOICE_HEADINGS_DA["month"]: EXCEL_MONTH,
        INVOICE_HEADINGS_DA["amount"]: EXCEL_MONEY,
        INVOICE_HEADINGS_DA["amount_in_currency"]: EXCEL_MONEY,
    }
    return {**dict.fromkeys(owner_sheets(actions), fixes), "Manuelle fakturaer": invoices}


def write_actions(
    actions: Actions, out: str | Path, template: str | Path | None = None, today: dt.date | None = None
) -> dict[str, Path]:
    """Write the fix list's files in ``out`` (created if missing); returns
    their paths by name (``letters`` is the folder of letters)."""
    out = Path(out)
    doc = read_template(template)  # refused before anything is written
    if out.exists() and not out.is_dir():
        raise InputError(out, "--out", "is a file; expected a folder for the fix list and the letters")
    letters_dir = out / LETTERS
    if letters_dir.exists() and not letters_dir.is_dir():
        raise OutputError(f"{letters_dir}: is a file; expected a folder for the supplier letters")
    for folder in (out, letters_dir):
        make_folder(folder)
    # the CSV's points: a number with a decimal point and two decimals, never quoted as text (the
    # workbook keeps the number whole; as text, "2.03" was quoted beside a bare count of invoices)
    points = pa.array([Decimal(f"{p:.2f}") for p in actions.fixes["points"]], pa.decimal128(18, 2))
    fixes = {name: points if name == "points" else actions.fixes[name] for name in FIX_COLUMNS}
    writers = {
        out / "actions.csv": lambda tmp: write_csv(fixes, tmp, numbers=("points",)),
        out / "action_invoices.csv": lambda tmp: write_csv(actions.links[list(LINK_COLUMNS)], tmp),
        out / "actions.xlsx": lambda tmp: write_workbook(
            tmp, {**owner_sheets(actions), "Manuelle fakturaer": _invoice_sheet(actions)}, formats=_formats(actions)
        ),
        out / TEMPLATE_FILE: lambda tmp: doc.save(str(tmp)),
    }
    blank = io.BytesIO()
    doc.save(blank)  # each letter starts from a fresh copy of the template
    suppliers = []
    for key in actions.fixes.loc[actions.fixes["kind"] == "template", "fix_key"]:
        cvr = key.split(":", 1)[1]
        mine = actions.invoices[actions.invoices["fix_key"] == key]
        letter = fill_letter(
            Document(io.BytesIO(blank.getvalue())), letter_values(cvr, actions.month, mine, today), mine
        )
        writers[letters_dir / f"{cvr}.docx"] = lambda tmp, letter=letter: letter.save(str(tmp))
        suppliers.append(cvr)
    replace_together(writers)
    keep = {f"{cvr}.docx" for cvr in suppliers}
    for old in letters_dir.iterdir():
        if _LETTER_NAME.fullmatch(old.name) and old.name not in keep:
            old.unlink()
    return {
        "actions": out / "actions.csv",
        "links": out / "action_invoices.csv",
        "xlsx": out / "actions.xlsx",
        "template": out / TEMPLATE_FILE,
        "letters": letters_dir,
    }
