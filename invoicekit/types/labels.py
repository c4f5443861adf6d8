"""A labelled sample: reading it (CSV or xlsx) and matching each label to its
invoice, leaving out a label that fits no invoice or several."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.columns import INVOICE_COLUMNS, Column
from invoicekit.errors import InputError
from invoicekit.identifiers import cvr_column
from invoicekit.keys import normalise_numbers
from invoicekit.readers import canonical_columns, read_raw, source_column
from invoicekit.types.kinds import canonical_type
from invoicekit.vocabulary import month_in_name, month_of_cell


def _label_columns() -> tuple[Column, ...]:
    invoice = {c.name: c for c in INVOICE_COLUMNS}
    return (
        replace(invoice["invoice_id"], required=False),  # the same Danish names as in the extracts
        Column("invoice_type", False, ("Type", "Fakturatype")),
        replace(invoice["supplier_cvr"], required=False),
        Column("row", False, ("Række",)),
        Column("month", False, ("Måned",)),
        Column("file", False, ("source", "Fil")),
    )


def read_labels(path: str | Path) -> pd.DataFrame:
    """A labelled sample: ``invoice_id`` and ``invoice_type``, and to tell
    invoices apart that share a number, ``supplier_cvr``, or ``row`` with
    ``month`` or ``file`` (as in a world's ``truth.csv``). CSV or xlsx."""
    raw = read_raw(path).frame
    given = tuple(c for c in _label_columns() if source_column(raw, c) is not None)
    out = canonical_columns(raw, given, path).apply(lambda col: col.astype(str).str.strip())
    for need in ("invoice_type",):
        if need not in out:
            raise InputError(path, need, "missing; expected the columns invoice_id and invoice_type")
    if "invoice_id" not in out and "row" not in out:
        raise InputError(path, "invoice_id", "missing; expected the columns invoice_id and invoice_type")
    out = out[out["invoice_type"] != ""].reset_index(drop=True)
    if not len(out):
        raise InputError(path, "invoice_type", "no row has a type; expected a labelled sample")
    # a type written in another case or spacing (Døgnophold, døgnophold, DØGNOPHOLD: typed by hand) is one type,
    # named as first written: each spelling was a type of its own, and the type table split one kind of
    # invoice over three rows (an attack on 0.9.36)
    said = out["invoice_type"].str.casefold().str.split().str.join(" ")
    first = dict(zip(said[~said.duplicated()], out["invoice_type"][~said.duplicated()], strict=True))
    out["invoice_type"] = said.map(first)
    return out


@dataclass
class LabelMatch:
    """Labels matched to invoices: ``labels`` (one entry per invoice, None
    where unlabelled), how many labels matched no invoice or several, and
    the label columns they were matched by (``key``)."""

    labels: np.ndarray
    unmatched: int = 0
    ambiguous: int = 0
    key: tuple[str, ...] = ()


def match_labels(invoices: pd.DataFrame, labels: pd.DataFrame) -> LabelMatch:
    """Each label to its invoice: by ``row`` with ``month`` (a month Excel
    made a date read as that month, :func:`~invoicekit.vocabulary.month_of_cell`)
    or ``file`` when the labels have them, else by supplier and number, else by number alone;
    a label whose key fits several invoices (a resend under the same number)
    is left out rather than guessed."""
    inv = invoices
    n = len(inv)
    labels = labels.assign(invoice_type=labels["invoice_type"].map(canonical_type))  # Døgntakst is daily_rate
    out = np.full(n, None, dtype=object)
    # the numbers as written, not masked: one that reads as a CPR number (1503190001) is shown masked, and a
    # label of it matched nothing (an attack on 0.9.36)
    ids = (inv["invoice_id_raw"] if "invoice_id_raw" in inv else inv["invoice_id"]).astype(str).reset_index(drop=True)
    shown = inv["invoice_id"].astype(str).reset_index(drop=True)
    file = inv["file"].astype(str).to_numpy() if "file" in inv else np.full(n, "", dtype=object)
    month = np.array([month_in_name(f) for f in file], dtype=object)
    rows = inv["row"].astype(str).to_numpy()
    if "row" in labels and ("month" in labels or "file" in labels or len(set(file)) <= 1):
        by = ("month", "row") if "month" in labels else ("file", "row") if "file" in labels else ("row",)
        if "month" in labels:
            inv_key = pd.Series(list(zip(month, rows, strict=True)))
            # a month Excel made a date cell (2018-11 saved as 1 November 2018) is that month, as a control
            # sheet's is: read as 2018-11-01, no label matched (an attack on 0.9.31)
            lab_month = [month_of_cell(m) for m in labels["month"]]
            lab_key = pd.Series(list(zip(lab_month, labels["row"], strict=True)))
        elif "file" in labels:
            inv_key = pd.Series(list(zip([Path(f).name for f in file], rows, strict=True)))
            lab_key = pd.Series(list(zip([Path(f).name for f in labels["file"]], labels["row"], strict=True)))
        else:
            inv_key, lab_key = pd.Series(rows), labels["row"]
    elif "invoice_id" not in labels:  # rows alone name no invoice among several extracts
        raise InputError(
            "labels", "row", "is given without month or file, and there are several extracts: expected month or "
            "file beside row (as in a world's truth.csv), or invoice_id"
        )  # fmt: skip
    elif "supplier_cvr" in labels:
        by = ("supplier_cvr", "invoice_id")
        cvr = cvr_column(labels["supplier_cvr"]).where(lambda s: s != "", labels["supplier_cvr"])
        inv_key = pd.Series(list(zip(inv["supplier_cvr"], ids, strict=True)))
        lab_key = pd.Series(list(zip(cvr, labels["invoice_id"], strict=True)))
        # a label made from types.csv names a number that reads as a CPR number as the tool shows it, masked
        shown_key = pd.Series(list(zip(inv["supplier_cvr"], shown, strict=True)))
    else:
        by = ("invoice_id",)
        inv_key, lab_key, shown_key = ids, labels["invoice_id"], shown
    # a key no number as written gives is looked for among the numbers as shown (masked), by number
    as_shown: dict[object, list[int]] = {}
    if "row" not in by:
        for at, (raw_key, shown_at) in enumerate(zip(inv_key, shown_key, strict=True)):
            if shown_at != raw_key:
                as_shown.setdefault(shown_at, []).append(at)
    counts = inv_key.value_counts()
    position = pd.Series(np.arange(n), index=pd.Index(inv_key))
    unmatched = ambiguous = 0
    seen: dict[int, str] = {}
    conflicted: set[int] = set()
    # a label found by its row that names an invoice number (and supplier) beside it is put only on an invoice
    # of that number: the extract pulled again, its rows moved, and labels went on other invoices (an attack on
    # 0.9.36)
    by_row = "row" in by
    said_id = labels["invoice_id"].astype(str).to_numpy() if by_row and "invoice_id" in labels else None
    if said_id is not None:  # each number as check 10 compares it, keyed once
        said_key = normalise_numbers(said_id.astype(object))
        id_key = normalise_numbers(ids.to_numpy(dtype=object))
        shown_id_key = normalise_numbers(shown.to_numpy(dtype=object))
    said_cvr = cvr_column(labels["supplier_cvr"]).to_numpy() if by_row and "supplier_cvr" in labels else None
    own_cvr = cvr_column(inv["supplier_cvr"].astype(str)).to_numpy() if said_cvr is not None else None
    for k, (key, label) in enumerate(zip(lab_key, labels["invoice_type"], strict=True)):
        c = counts.get(key, 0)
        if c == 0 and key in as_shown:
            c = len(as_shown[key])
            if c == 1:
                i = as_shown[key][0]
        elif c == 1:
            i = int(position[key]) if np.isscalar(position[key]) else int(position[key].iat[0])
        if c == 0:
            unmatched += 1
            continue
        if c > 1:
            ambiguous += 1
            continue
        # the number as written, or as the tool shows it (masked: a label made from types.csv)
        if (said_id is not None and said_id[k] and said_key[k] not in (id_key[i], shown_id_key[i])) or (
            said_cvr is not None and said_cvr[k] and own_cvr[i] and said_cvr[k] != own_cvr[i]
        ):
            unmatched += 1
            continue
        if i in seen and seen[i] != label:
            conflicted.add(i)
        seen[i] = label
    for i, label in seen.items():
        if i not in conflicted:
            out[i] = label
    return LabelMatch(out, unmatched, ambiguous + len(conflicted), by)
