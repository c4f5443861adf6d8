"""The features of an invoice, as the type mapping learns from them: the
extracts read and stacked in the order received, the text normalised so that
no citizen's name or number can become a term, and one row of features per
invoice (:func:`invoice_features`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from faker.providers.person.da_DK import Provider

from invoicekit.errors import InputError, refuse_given_twice
from invoicekit.evaluate import billed_ore, credit_notes, currencies, other_currency, signed_ore
from invoicekit.extracts import Grants, Invoices, as_invoices, digits_key, read_invoices
from invoicekit.identifiers import utf8_path
from invoicekit.parsing import ORE_PER_KRONE, ore_array
from invoicekit.vocabulary import CPR_WORD, MONTHS_DA

#: numeric features, as computed by :func:`invoice_features`
NUMERIC = ("amount_dkk", "period_days")
#: yes/no features
FLAGS = (
    "credit",
    "no_amount",
    "no_period",
    "whole_month",
    "no_cpr",
    "one_cpr",
    "several_cpr",
    "no_invoice_id",
    "same_number_before",
    "same_content_before",
    "rate_multiple",
    "rate_unknown",
)

# RE2-friendly (pyarrow) patterns; the order matters: CPR before dates before numbers
_NORMALISE = (
    (CPR_WORD, " cprnr "),
    (r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b", " dato "),
    (r"\d+(?:[.,]\d+)*", " tal "),
)


#: words that say how an invoice is written, not what it is for: left out of the terms
STOP_WORDS = frozenset(
    [
        "tal",
        "cprnr",
        "dato",
        "cpr",
        "nr",
        "borger",
        "borgeren",
        "periode",
        "perioden",
        "til",
        "fra",
        "for",
        "og",
        "af",
        "i",
        "på",
        "med",
        "vedr",
        "vedrørende",
        "den",
        "det",
        "de",
        "en",
        "et",
        "er",
        "ved",
        "pr",
        "à",
        "kr",
        *MONTHS_DA,
    ]
)


def _name_words() -> frozenset[str]:
    """Common Danish first and last names (faker's ``da_DK`` lists): a name
    says who an invoice is for, never what it is, and must not become a term."""
    names = [*Provider.first_names_male, *Provider.first_names_female, *Provider.last_names]
    return frozenset(w.lower() for name in names for w in re.findall(r"\w\w+", name))


NAME_WORDS = _name_words()
TERM_STOP_WORDS = sorted(STOP_WORDS | NAME_WORDS)
NAME_STOP_WORDS = sorted(NAME_WORDS)


def normalise_text(values: pd.Series) -> pd.Series:
    """Lower-case text with CPR numbers, dates and other numbers replaced by
    ``cprnr``, ``dato`` and ``tal``."""
    s = values.fillna("").astype("str").str.lower()
    for pattern, token in _NORMALISE:
        s = s.str.replace(pattern, token, regex=True)
    return s.str.replace(r"\s+", " ", regex=True).str.strip()


def read_extracts(paths: Sequence[str | Path]) -> pd.DataFrame:
    """One or more invoice extracts, prepared as the robot reads them and
    stacked in the order given, with ``file`` (the path) beside each ``row``:
    a typed frame, as the estimators take it."""
    frames = []
    # an extract given twice was read twice, every invoice of the second a resend (an attack on 0.9.31)
    refuse_given_twice(paths, "--invoices", "give each once")
    for p in paths:
        inv = read_invoices(p).frame.copy()
        inv.insert(0, "file", utf8_path(p))  # a name not in UTF-8 (a Windows share's æøå) with its bytes as \xe6
        frames.append(inv)
    if not frames:
        raise InputError(None, "--invoices", "no invoice extract given")
    # each row keeps its number in its own file, beside the file's name
    return pd.concat(frames, ignore_index=True)


def invoice_money(invoices: Invoices | pd.DataFrame) -> pd.DataFrame:
    """Each invoice's amount as evaluate reads a decision's: ``amount_ore`` (whole øre, blank where the cell
    is no amount), ``document_type`` and ``currency``, so that the type mapping takes a credit note, its
    sign and the kroner billed by evaluate's one rule (:func:`~invoicekit.evaluate.credit_notes`,
    :func:`~invoicekit.evaluate.signed_ore`, :func:`~invoicekit.evaluate.billed_ore`,
    :func:`~invoicekit.evaluate.other_currency`), not by one of its own."""
    inv = as_invoices(invoices).frame
    return pd.DataFrame(
        {
            "amount_ore": ore_array(inv["amount"].to_numpy(dtype=np.int64), inv["amount_ok"].to_numpy(dtype=bool)),
            "document_type": inv["document_type"].to_numpy(dtype=object),
            "currency": inv["currency"].to_numpy(dtype=object),
        }
    )


def invoice_features(invoices: Invoices | pd.DataFrame, grants: Grants | None = None) -> pd.DataFrame:
    """The features of each invoice, one row per invoice in the same order.

    ``invoices`` is an extract (canonical or Danish columns) or the result of
    :func:`read_extracts`; rows are taken to be in the order received, so
    ``same_number_before`` and ``same_content_before`` mark an invoice whose
    supplier and number, or whose supplier, CPR numbers, period and amount,
    came earlier. With ``grants`` (prepared by
    :func:`invoicekit.extracts.read_grants`), ``rate_multiple`` says whether the
    amount is a whole multiple of the rate of a grant for the invoice's citizen
    and supplier, and ``grant_unit`` gives that grant's rate unit.
    """
    inv = as_invoices(invoices).frame
    n = len(inv)
    f = pd.DataFrame(index=pd.RangeIndex(n))
    f["text"] = normalise_text(inv["text"]).to_numpy()
    f["supplier"] = normalise_text(inv["supplier_name"]).to_numpy()
    f["supplier_key"] = inv["cvr_key"].to_numpy()
    # the citizen (a keyed number, 0 for none): a word seen beside one citizen alone is a name (:class:`SharedTermsTfidf`)
    f["citizen_key"] = inv["cpr_key"].to_numpy()
    ok = inv["amount_ok"].to_numpy(dtype=bool)
    amount = inv["amount"].to_numpy(dtype=np.int64)
    money = invoice_money(inv)
    # the kroner billed, as evaluate reads them (billed_ore): a credit note written positive credits, and an
    # invoice in another currency has no amount in kroner (a euro invoice's 1,000 fell in the band of 1,000 kr.,
    # and a credit note of 5,000 beside invoices of 5,000: 0.9.44)
    f["amount_dkk"] = billed_ore(money).to_numpy(dtype=np.float64, na_value=np.nan) / ORE_PER_KRONE
    start = inv["period_start"].to_numpy().astype("datetime64[D]")
    end = inv["period_end"].to_numpy().astype("datetime64[D]")
    has_period = ~np.isnat(start) & ~np.isnat(end)
    days = (end - start).astype("timedelta64[D]").astype(np.float64) + 1
    f["period_days"] = np.where(has_period, days, np.nan)
    month_start = start.astype("datetime64[M]").astype("datetime64[D]")
    month_end = (end.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    whole = has_period & (start == month_start) & (end == month_end)
    count = inv["cpr_count"].to_numpy()
    flags = {
        # evaluate's credit notes, the spec's (check 9): an amount of 0 or less, or the document_type credit_note
        # (one written positive, as the spec allows: a review of 0.9.43); an amount of 0, which asks for nothing
        # and the robot never posts, was no credit note here (0.9.44)
        "credit": credit_notes(money),
        "no_amount": ~ok,
        "no_period": ~has_period,
        "whole_month": whole,
        "no_cpr": count == 0,
        "one_cpr": count == 1,
        "several_cpr": count > 1,
        "no_invoice_id": (inv["invoice_id"] == "").to_numpy(),
    }
    key = inv["cvr_key"].astype("int64")
    # the number as check 10 compares it (its key, from the number as written), never its masked form: numbers
    # that read as CPR numbers (1503190001, 1503190002) were one masked number, each a resend (an attack on 0.9.36)
    number = inv["invoice_key"] if "invoice_key" in inv else inv["invoice_id"]
    numbered = inv["invoice_id"] != ""
    same_number = pd.DataFrame({"k": key, "i": number}).groupby(["k", "i"], sort=False).cumcount() > 0
    flags["same_number_before"] = (same_number & numbered).to_numpy()
    # the amount as billed, in its currency: a credit note written positive is not its invoice again, nor 1,000
    # EUR an invoice of 1,000 kr. (a review of 0.9.44)
    signed = signed_ore(money).where(ok, pd.NA).to_numpy(dtype=object)
    content = pd.DataFrame(
        {"k": key, "c": inv["cpr_all"], "s": start, "e": end, "a": signed, "u": currencies(money).to_numpy()}
    )
    same_content = content.groupby(["k", "c", "s", "e", "a", "u"], sort=False, dropna=False).cumcount() > 0
    flags["same_content_before"] = (same_content & (count > 0) & ok & has_period).to_numpy()
    # a rate is in kroner: an amount in another currency is no multiple of it
    in_kroner = ok & ~other_currency(money)
    multiple, unknown, unit = _rate_multiple(inv, grants.frame if grants is not None else None, amount, in_kroner)
    flags["rate_multiple"] = multiple
    flags["rate_unknown"] = unknown
    for name in FLAGS:
        f[name] = np.asarray(flags[name], dtype=np.float64)
    f["grant_unit"] = unit
    return f


def _rate_multiple(
    inv: pd.DataFrame, grants: pd.DataFrame | None, amount: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(inv)
    multiple = np.zeros(n, dtype=bool)
    unit = np.full(n, "", dtype=object)
    if grants is None or not len(grants):
        return multiple, np.ones(n, dtype=bool), unit
    one = inv["cpr_count"].to_numpy() == 1
    keys = pd.DataFrame(
        {
            "i": np.arange(n),
            "cpr_key": digits_key(inv["cpr"].to_numpy(dtype=object)),
            "cvr_key": inv["cvr_key"].to_numpy(),
        }
    )[one]
    g = grants[["cpr_key", "cvr_key", "rate", "rate_unit"]]
    m = keys.merge(g, on=["cpr_key", "cvr_key"], how="inner")
    known = np.zeros(n, dtype=bool)
    known[m["i"].to_numpy()] = True
    rate = m["rate"].to_numpy(dtype=np.int64)
    a = np.abs(amount[m["i"].to_numpy()])
    hit = (rate > 0) & ok[m["i"].to_numpy()] & (a >= rate) & (a % np.maximum(rate, 1) == 0)
    multiple[m["i"].to_numpy()[hit]] = True
    first = m.drop_duplicates("i")
    unit[first["i"].to_numpy()] = first["rate_unit"].to_numpy(dtype=object)
    return multiple, ~known, unit
