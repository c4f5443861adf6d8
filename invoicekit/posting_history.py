"""The posting history as the truth: an OPUS export of posted supplier
invoices (what the specialists posted, e.g. last year), read and typed once,
and summed per invoice into what was posted in the end.

A history has one row per posting line: the invoice number, the supplier's
CVR number, the amount, the PSP element and the art, and optionally the
posting date and the text (the columns, with the Danish OPUS headers accepted
beside them: :data:`invoicekit.columns.POSTING_HISTORY_COLUMNS`; the robot's
own ``opus_postings.csv`` reads as one). An invoice is known by its supplier
and its number, the number compared as check 10 compares numbers.

The same number may come several times: an invoice split over accounts, a
posting reversed and posted again, a credit under the invoice's number. What
counts is the net (:func:`posted_per_invoice`): the lines summed per PSP
element and art, the sums of zero dropped (a posting reversed). An invoice
whose lines all cancel was not paid in the end.

A row without an invoice number or a valid CVR number, or whose amount is not
an amount with at most two decimals, is left out and listed in ``problems``;
an invoice with such a row cannot be judged (``unreadable``). A file with no
usable row, or whose rows mostly cannot be read, is refused
(:class:`~invoicekit.errors.InputError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.columns import POSTING_HISTORY_COLUMNS
from invoicekit.errors import InputError
from invoicekit.extracts import Problems
from invoicekit.identifiers import cvr_column, mask_cprs_in
from invoicekit.keys import normalise_numbers
from invoicekit.parsing import format_money_dk, parse_amounts, parse_dates, whole_ore
from invoicekit.readers import canonical_columns, read_raw, source_column

#: the share of a file's rows that may be unreadable before the file is refused
MAX_UNREADABLE_SHARE = 0.5

#: columns of :attr:`PostingHistory.frame`
HISTORY_FRAME_COLUMNS = (
    "row",
    "supplier_cvr",
    "invoice_id",
    "invoice_key",
    "amount",
    "psp_element",
    "art",
    "posting_date",
    "text",
)


def _no_problems() -> pd.DataFrame:
    return Problems().frame()


@dataclass(frozen=True)
class PostingHistory:
    """A posting history read and typed once.

    ``frame`` has one row per usable posting line (:data:`HISTORY_FRAME_COLUMNS`:
    ``supplier_cvr`` compact, ``invoice_id`` as written with any CPR number
    masked, ``invoice_key`` as check 10 compares it, ``amount`` in 1/10,000 DKK,
    ``posting_date`` NaT where blank or unreadable, ``text`` masked);
    ``problems`` the rows left out (or read without their posting date), as
    ``file``, ``row``, ``column``, ``problem``; ``unreadable`` the
    ``(supplier_cvr, invoice_key)`` of invoices that had a row left out.
    Made by :func:`read_posting_history`, or :func:`prepare_posting_history`
    from a table in memory."""

    frame: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=_no_problems)
    unreadable: frozenset[tuple[str, str]] = frozenset()
    source: str = "history"

    def __len__(self) -> int:
        return len(self.frame)


def read_posting_history(path: str | Path) -> PostingHistory:
    """Read a posting history (CSV or xlsx, ``;`` or ``,``, decimal comma or
    point, Danish or ISO dates; headers: :data:`POSTING_HISTORY_COLUMNS`)."""
    path = Path(path)
    raw = read_raw(path)
    misaligned = raw.misaligned
    return _typed(raw.frame, path, path.name, misaligned)


def prepare_posting_history(df: pd.DataFrame, source: str = "history") -> PostingHistory:
    """Type a posting history held in memory (canonical or Danish headers),
    as :func:`read_posting_history` types a file."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"prepare_posting_history takes a pandas DataFrame, not {type(df).__name__}")
    return _typed(df, source, source, {})


def _typed(raw: pd.DataFrame, path: str | Path, name: str, misaligned: dict[int, int]) -> PostingHistory:
    headers = {c.name: source_column(raw, c) or c.name for c in POSTING_HISTORY_COLUMNS}
    df = canonical_columns(raw, POSTING_HISTORY_COLUMNS, path)
    n = len(df)
    if n == 0:
        raise InputError(path, None, "holds no posting lines; expected an OPUS export of posted supplier invoices")
    rows = np.arange(1, n + 1, dtype=np.int64)
    problems = Problems()
    first: list[tuple[int, str, str]] = []  # the first problem of each kind, for the refusal
    bad = np.zeros(n, dtype=bool)

    def flag(mask: np.ndarray, column: str, problem: str) -> None:
        nonlocal bad
        mask = mask & ~bad
        if mask.any():
            problems.add_many(name, rows[mask], column, problem)
            first.append((int(rows[mask][0]), column, problem))
            bad |= mask

    fields = np.zeros(n, dtype=bool)
    for r in misaligned:
        fields[r - 1] = True
    flag(fields, "", f"rækken har ikke de {len(raw.columns)} felter, overskriften har")
    number = df["invoice_id"].str.strip()
    flag((number == "").to_numpy(), "invoice_id", "fakturanummeret mangler")
    cvr = cvr_column(df["supplier_cvr"].str.strip())
    flag((cvr == "").to_numpy(), "supplier_cvr", "leverandørens CVR-nummer mangler eller er ugyldigt")
    units, amount_ok, _blank = parse_amounts(df["amount"], max_decimals=2)
    flag(~amount_ok, "amount", "beløbet mangler eller er ikke et beløb med højst to decimaler")

    shown = mask_cprs_in(number)  # as decisions.csv shows numbers: what check 10 compares there
    key = normalise_numbers(shown.to_numpy(dtype=object))
    usable = ~bad
    if not usable.any() or bad.sum() > MAX_UNREADABLE_SHARE * n:
        row, column, problem = first[0]
        raise InputError(
            path,
            f"row {row}, column '{headers.get(column, column)}'" if column else f"row {row}",
            f"{problem}; {int(bad.sum()):,} of {n:,} rows cannot be read. Expected an OPUS export of posted "
            "supplier invoices: Fakturanummer, Leverandør CVR, Beløb, PSP-element, Artskonto",
        )
    keyed = bad & (key != "") & (cvr != "").to_numpy()
    unreadable = frozenset(zip(cvr.to_numpy(dtype=object)[keyed], key[keyed], strict=True))

    date, date_ok, date_blank = parse_dates(df["posting_date"])
    late = usable & ~date_ok & ~date_blank
    problems.add_many(name, rows[late], "posting_date", "bogføringsdatoen kan ikke læses; rækken bruges uden dato")

    frame = pd.DataFrame(
        {
            "row": rows,
            "supplier_cvr": cvr.to_numpy(dtype=object),
            "invoice_id": shown.to_numpy(dtype=object),
            "invoice_key": key,
            "amount": units,
            "psp_element": df["psp_element"].str.strip().to_numpy(dtype=object),
            "art": df["art"].str.strip().to_numpy(dtype=object),
            "posting_date": date,
            "text": mask_cprs_in(df["text"].str.strip()).to_numpy(dtype=object),
            # several numbers shown alike (0101901234 and 0101905678, both 010190-xxxx): what is posted
            # under the number as shown is not one invoice's
            "shown_alike": _shown_alike(cvr.to_numpy(dtype=object), key, number.to_numpy(dtype=object), usable),
        }
    )[usable].reset_index(drop=True)
    found = problems.frame().sort_values("row", kind="stable").reset_index(drop=True)
    return PostingHistory(frame, found, unreadable, str(path))


def _shown_alike(cvr: np.ndarray, key: np.ndarray, number: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Whether each row's number, as shown (``key``), is shown so for more
    than one number of its supplier (compared as check 10 compares them)."""
    typed = pd.DataFrame({"cvr": cvr, "key": key, "number": normalise_numbers(number)})[usable]
    distinct = typed.groupby(["cvr", "key"], sort=False)["number"].transform("nunique")
    out = np.zeros(len(cvr), dtype=bool)
    out[np.flatnonzero(usable)] = (distinct > 1).to_numpy()
    return out


def account_code(values: pd.Series | np.ndarray) -> np.ndarray:
    """How a PSP element or an art is compared: without spaces, case folded
    (``xg-5120 0001`` is ``XG-51200001``); blank is blank."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(values, dtype=object)).fillna(""), use_na_sentinel=False)
    # a few thousand accounts, each compacted once
    compact = np.array(["".join(str(u).split()).casefold() for u in uniques] + [""], dtype=object)
    return compact[codes]


def posting_signature(psp: np.ndarray, art: np.ndarray, ore: np.ndarray) -> np.ndarray:
    """One posting line as text, for comparing postings whole: the PSP element
    and art (as :func:`account_code` compares them) and the amount in øre."""
    return (
        pd.Series(account_code(psp), dtype=object)
        + "\x1f"
        + pd.Series(account_code(art), dtype=object)
        + "\x1f"
        + pd.Series(np.asarray(ore, dtype=np.int64)).astype(str)
    ).to_numpy(dtype=object)


#: columns of :func:`posted_per_invoice`
PER_INVOICE_COLUMNS = (
    "supplier_cvr",
    "invoice_key",
    "invoice_id",
    "postings",
    "lines",
    "true_psp_element",
    "true_art",
    "true_amount",
    "signature",
    "posted_as",
    "posting_date",
    "unreadable",
    "shown_alike",
)


def posted_per_invoice(history: PostingHistory) -> pd.DataFrame:
    """What the specialists posted in the end, one row per invoice
    (:data:`PER_INVOICE_COLUMNS`): ``postings`` the history's rows for it,
    ``lines`` the net posting lines (summed per PSP element and art, zero sums
    dropped; 0 when every posting was reversed), ``true_psp_element`` and
    ``true_art`` as written (``;``-joined when several lines), ``true_amount``
    the net amount (1/10,000 DKK), ``signature`` the net lines as
    :func:`posting_signature` writes them, sorted and joined, ``posted_as`` the
    net lines for people to read (``PSP / art: amount``), ``posting_date`` the
    last, ``unreadable`` whether a row of it was left out, ``shown_alike``
    whether its number as shown is more than one number's (masked as CPR
    numbers: they cannot be told apart). Invoices that only had unreadable
    rows are there too, with no lines."""
    f = history.frame
    inv = ["supplier_cvr", "invoice_key"]
    work = f.assign(psp_code=account_code(f["psp_element"]), art_code=account_code(f["art"]), order=np.arange(len(f)))
    per_account = (
        work.groupby([*inv, "psp_code", "art_code"], sort=True)
        .agg(
            amount=("amount", "sum"),
            psp_element=("psp_element", "first"),
            art=("art", "first"),
        )
        .reset_index()
    )
    net = per_account[per_account["amount"] != 0].reset_index(drop=True)
    ore = whole_ore(net["amount"].to_numpy(dtype=np.int64))
    net["signature"] = posting_signature(net["psp_code"], net["art_code"], ore)
    net["posted_as"] = net["psp_element"] + " / " + net["art"] + ": " + format_money_dk(net["amount"].to_numpy())
    # the net lines are sorted by invoice: each invoice's lines are one run of rows
    cvr, key = (net[c].to_numpy(dtype=object) for c in inv)
    starts = (
        np.flatnonzero(np.r_[True, (cvr[1:] != cvr[:-1]) | (key[1:] != key[:-1])]) if len(net) else np.zeros(0, int)
    )
    counts = np.diff(np.r_[starts, len(net)])

    def joined(column: str, sep: str) -> np.ndarray:
        """Each invoice's values of ``column`` joined; Python only for the few with several lines."""
        values = net[column].to_numpy(dtype=object)
        out = values[starts].copy()
        for k in np.flatnonzero(counts > 1):
            out[k] = sep.join(values[starts[k] : starts[k] + counts[k]])
        return out

    lines = pd.DataFrame(
        {
            "supplier_cvr": cvr[starts],
            "invoice_key": key[starts],
            "lines": counts,
            "true_psp_element": joined("psp_element", ";"),
            "true_art": joined("art", ";"),
            "true_amount": np.add.reduceat(net["amount"].to_numpy(dtype=np.int64), starts) if len(net) else counts,
            "signature": joined("signature", "\x1e"),
            "posted_as": joined("posted_as", "; "),
        }
    )
    g = work.groupby(inv, sort=False)
    out = pd.DataFrame(
        {
            "invoice_id": g["invoice_id"].first(),
            "postings": g.size(),
            "posting_date": g["posting_date"].max(),
            "shown_alike": g["shown_alike"].any(),
            "order": g["order"].min(),
        }
    ).reset_index()
    out = out.merge(lines, on=inv, how="left", validate="1:1")
    out = out.sort_values("order", kind="stable").drop(columns="order").reset_index(drop=True)
    out["lines"] = out["lines"].fillna(0).astype(np.int64)
    out["true_amount"] = out["true_amount"].fillna(0).astype(np.int64)
    for col in ("true_psp_element", "true_art", "signature", "posted_as"):
        out[col] = out[col].fillna("").astype(object)
    out["unreadable"] = False
    if history.unreadable:
        bad = pd.MultiIndex.from_tuples(sorted(history.unreadable), names=inv)
        known = pd.MultiIndex.from_arrays([out["supplier_cvr"], out["invoice_key"]])
        out["unreadable"] = known.isin(bad)
        only_bad = bad[~bad.isin(known)]
        if len(only_bad):  # invoices known only from rows that could not be read
            extra = only_bad.to_frame(index=False).assign(
                invoice_id="", postings=0, lines=0, true_psp_element="", true_art="", true_amount=0, signature="",
                posted_as="", posting_date=np.datetime64("NaT", "D"), unreadable=True, shown_alike=False,
            )  # fmt: skip
            out = pd.concat([out, extra], ignore_index=True)
    out["postings"] = out["postings"].astype(np.int64)
    return out[list(PER_INVOICE_COLUMNS)]
