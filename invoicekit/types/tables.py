"""The type mapping's tables: per type and per supplier, how many invoices,
how much money and how standardised (what the robot needs: a CPR number, a
period, a single citizen), and the same tables under Danish headers, as a
notebook shows them (Danish words and number formats)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from invoicekit.evaluate import billed_ore, other_currency
from invoicekit.extracts import Invoices, as_invoices
from invoicekit.identifiers import mask_cprs_in
from invoicekit.parsing import ORE_PER_KRONE
from invoicekit.render import DanishTable
from invoicekit.types.features import invoice_money
from invoicekit.types.kinds import type_label
from invoicekit.types.scope import BASIS_DA, IN_SCOPE_DA


def _standardisation(inv: pd.DataFrame) -> pd.DataFrame:
    """What the robot needs of each prepared invoice: ``with_cpr``,
    ``with_period``, ``single_citizen``."""
    count = inv["cpr_count"].to_numpy()
    with_period = ~np.isnat(inv["period_start"].to_numpy()) & ~np.isnat(inv["period_end"].to_numpy())
    return pd.DataFrame({"with_cpr": count >= 1, "with_period": with_period, "single_citizen": count == 1})


def type_table(invoices: Invoices | pd.DataFrame, types, posted=None) -> pd.DataFrame:
    """Per type: ``invoices``, ``share`` of invoices, ``amount`` (DKK billed: a credit note's taken from it
    whether written positive, as the spec allows, or negative), ``share_of_amount`` (of the absolute
    amounts), ``other_currency`` (invoices in another currency than kroner, in no amount), ``posted_share``
    (when ``posted`` — one yes/no per invoice — is given), and how standardised: ``with_cpr``,
    ``with_period``, ``single_citizen``. (A month's kroner were 328,500 or 184,500 by how its credit notes
    were written, with a euro invoice's amount among them: a review of 0.9.43.)"""
    inv = as_invoices(invoices).frame
    # evaluate's one reading of an amount (signed_ore's sign of a credit note, billed_ore's kroner only), as
    # the follow-up's and the fix list's, not a sign rule of its own
    money = invoice_money(inv)
    other = other_currency(money)
    amount = billed_ore(money).to_numpy(dtype=np.float64, na_value=0.0) / ORE_PER_KRONE
    frame = pd.DataFrame(
        {
            "invoice_type": np.asarray(types, dtype=object),
            "amount": amount,
            "abs_amount": np.abs(amount),
            "other_currency": other.astype(np.int64),
        }
    ).join(_standardisation(inv))
    if posted is not None:
        frame["posted"] = np.asarray(posted, dtype=float)
    agg = {
        "invoices": ("amount", "size"),
        "amount": ("amount", "sum"),
        "abs_amount": ("abs_amount", "sum"),
        "other_currency": ("other_currency", "sum"),
        "with_cpr": ("with_cpr", "mean"),
        "with_period": ("with_period", "mean"),
        "single_citizen": ("single_citizen", "mean"),
    }
    if posted is not None:
        agg["posted_share"] = ("posted", "mean")
    table = frame.groupby("invoice_type", sort=False).agg(**agg)
    table.insert(1, "share", table["invoices"] / max(len(frame), 1))
    total_abs = frame["abs_amount"].sum()
    table.insert(3, "share_of_amount", table["abs_amount"] / total_abs if total_abs else 0.0)
    table = table.drop(columns="abs_amount").sort_values("invoices", ascending=False, kind="stable")
    table["amount"] = table["amount"].round(2)
    return table.reset_index()


def supplier_table(invoices: Invoices | pd.DataFrame, types, posted=None) -> pd.DataFrame:
    """Per supplier: ``invoices``, the shares ``with_cpr``, ``with_period`` and
    ``single_citizen``, the ``score`` (their mean, 0-100: how standardised the
    supplier's invoices are), ``non_standard`` (invoices lacking a CPR
    number, a period or a single citizen) and the ``main_type``; sorted by
    ``non_standard``: the suppliers at the top gain most from the contact
    template. ``posted_share`` when ``posted`` is given."""
    inv = as_invoices(invoices).frame
    frame = pd.DataFrame(
        {
            "supplier_cvr": inv["supplier_cvr"].to_numpy(dtype=object),
            # a sole trader or foster family may be named by CPR number: masked like any other
            "supplier_name": mask_cprs_in(inv["supplier_name"].astype(str)).to_numpy(dtype=object),
            "invoice_type": np.asarray(types, dtype=object),
        }
    ).join(_standardisation(inv))
    frame["standard"] = frame["with_cpr"] & frame["with_period"] & frame["single_citizen"]
    if posted is not None:
        frame["posted"] = np.asarray(posted, dtype=float)
    g = frame.groupby("supplier_cvr", sort=False)
    agg = {
        "supplier_name": ("supplier_name", lambda s: s.mode().iat[0] if len(s.mode()) else ""),
        "invoices": ("standard", "size"),
        "with_cpr": ("with_cpr", "mean"),
        "with_period": ("with_period", "mean"),
        "single_citizen": ("single_citizen", "mean"),
        "non_standard": ("standard", lambda s: int((~s).sum())),
        "main_type": ("invoice_type", lambda s: s.value_counts().index[0]),
    }
    if posted is not None:
        agg["posted_share"] = ("posted", "mean")
    table = g.agg(**agg)
    table.insert(5, "score", (100 * table[["with_cpr", "with_period", "single_citizen"]].mean(axis=1)).round(1))
    table = table.sort_values(["non_standard", "invoices"], ascending=False, kind="stable")
    return table.reset_index()


#: the Danish header of each column, as the workbook shows the tables
DANISH = {
    "invoice_type": "Type",
    "invoices": "Fakturaer",
    "share": "Andel af fakturaer",
    "amount": "Beløb (kr.)",
    "share_of_amount": "Andel af beløb",
    "other_currency": "Heraf i anden valuta, ikke i beløbet",
    "with_cpr": "Med CPR-nummer",
    "with_period": "Med periode",
    "single_citizen": "Én borger",
    "posted_share": "Bogført af robotten",
    "supplier_cvr": "CVR-nr",
    "supplier_name": "Leverandør",
    "score": "Standardiseringsscore (0-100)",
    "non_standard": "Ikke-standardiserede fakturaer",
    "main_type": "Hyppigste type",
    "in_scope": "Kan robotten tage typen?",
    "scope_basis": "Afgjort efter",
    # the invoices' sheet (types.csv) and the classifier's quality per type
    "file": "Fil",
    "row": "Række",
    "invoice_id": "Fakturanummer",
    "labelled": "Mærket",
    "confidence": "Sikkerhed",
    "precision": "Præcision",
    "recall": "Genkaldelse",
    "f1": "F1",
    # the groups of a mapping without labels (its clusters)
    "group": "Gruppe",
    "top_terms": "Hyppigste ord",
    "credit_share": "Andel kreditnotaer",
    "several_cpr_share": "Andel med flere CPR-numre",
    "median_amount": "Medianbeløb (kr.)",
}
#: the columns that hold shares, shown as percentages
PERCENT_COLUMNS = ("share", "share_of_amount", "with_cpr", "with_period", "single_citizen", "posted_share")


#: the columns that hold amounts in kroner, and measures between 0 and 1 shown with two decimals
MONEY_COLUMNS = ("amount", "median_amount")
PERCENT_SHOWN = (*PERCENT_COLUMNS, "confidence", "credit_share", "several_cpr_share")
MEASURE_COLUMNS = ("precision", "recall", "f1")


def danish_headers(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a type or supplier table under Danish headers, with the
    types, the scope and what decided it in Danish words."""
    return _danish_words(table).rename(columns=DANISH)


def danish_table(table: pd.DataFrame, max_rows: int | None = None) -> DanishTable:
    """A type, supplier, quality or group table as a notebook shows it: Danish
    headers and words (:func:`danish_headers`), shares as ``36,7 %``, amounts
    as ``15.391.573``, counts as ``1.234``, CPR numbers in a text masked;
    its ``frame`` keeps the numbers (a notebook showed ``0.367``)."""
    t = _danish_words(table)
    columns = {}
    for col in t.columns:
        # by the values, not the dtype only: an object column of numbers, a count with a gap (float)
        inferred = pd.api.types.infer_dtype(t[col], skipna=True)
        numeric = inferred in ("integer", "floating", "mixed-integer-float", "decimal")
        if inferred == "boolean":
            kind = "bool"
        elif col in PERCENT_SHOWN and numeric:
            kind = "pct"
        elif col in MONEY_COLUMNS and numeric:
            kind = "dkk"
        elif col in MEASURE_COLUMNS and numeric:
            kind = "num2"
        elif inferred == "integer" or (numeric and _whole(t[col])):
            kind = "int"
        elif numeric:
            kind = "num1"
        else:
            kind = "text"
        # the quality table counts the labelled invoices of a type; the invoices' table says yes or no
        label = "Mærkede fakturaer" if col == "labelled" and kind == "int" else DANISH.get(col, str(col))
        columns[col] = (label, kind)
    return DanishTable(t, columns, max_rows)


def _whole(values: pd.Series) -> bool:
    """Whether every number given is whole (a count read as float because one is missing)."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(numbers)) and bool((numbers == numbers.round()).all())


def _danish_words(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with the types, the scope and what decided it in Danish words."""
    t = table.copy()
    for col in ("invoice_type", "main_type"):
        if col in t:
            t[col] = [type_label(v) for v in t[col]]
    if "in_scope" in t:
        t["in_scope"] = [IN_SCOPE_DA.get(v, "uafgjort") if not pd.isna(v) else "uafgjort" for v in t["in_scope"]]
    if "scope_basis" in t:
        t["scope_basis"] = [BASIS_DA.get(v, v) for v in t["scope_basis"]]
    return t
