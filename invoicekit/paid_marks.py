"""Sensum's paid marks (``--paid``): the grant periods marked paid in Sensum,
by the robot or by a caseworker paying by hand, read and typed once, and
turned into the earlier payments check 21 compares.

The journal knows only what the robot posted. An invoice sent to manual
handling and paid by hand, then sent again under a new number (a reminder, a
copy), would be paid twice; a caseworker who marks the period paid in Sensum,
as the robot does, makes the mark the robot sees. A mark is a grant and a
period (``grant_id``, ``period_start``, ``period_end``; the columns, with the
Danish headers accepted beside them: :data:`invoicekit.columns.PAID_MARK_COLUMNS`).
The robot's own ``sensum_paid.csv`` reads as a file of marks.

Check 21 compares a mark as a payment in the journal: by the grant (its id as
check 10 compares numbers) and by the citizen's service and paragraph at the
supplier, which the mark's own ``cpr``, ``supplier_cvr`` and
``service_code`` give where all three are valid, else the grant extract's
rows of that id (:func:`paid_from_marks`). A mark whose grant is in neither
is compared by its grant id alone.

What cannot be read is never taken as unpaid: a row without a grant id is
listed in ``problems`` (it names no grant; a file where most rows cannot be
read is refused), and a row whose period cannot be read counts as paying
every period of its grant, and is listed too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.columns import PAID_MARK_COLUMNS
from invoicekit.errors import InputError
from invoicekit.extracts import Grants, Problems, SupportSheet, padded_cpr_cells
from invoicekit.history import MARK_WHOLE_TIME, PAID_COLUMNS, SENSUM_MARK, History
from invoicekit.identifiers import cpr_column, cvr_column, mask_cprs_in
from invoicekit.keys import normalise_grant_ids, normalise_numbers
from invoicekit.parsing import parse_dates
from invoicekit.readers import canonical_columns, read_raw, refuse_misread_file, source_column

#: the share of a file's rows that may lack a grant id before the file is refused
MAX_UNREADABLE_SHARE = 0.5

#: the period a mark whose period cannot be read is taken to pay: every one
WHOLE_TIME = tuple(np.datetime64(day, "D") for day in MARK_WHOLE_TIME)

#: columns of :attr:`PaidMarks.frame`
MARK_FRAME_COLUMNS = (
    "row",
    "grant_id",
    "period_start",
    "period_end",
    "period_read",
    "invoice_id",
    "cpr",
    "supplier_cvr",
    "service_code",
)


@dataclass(frozen=True)
class PaidMarks:
    """Sensum's paid marks, typed.

    ``frame`` has one row per usable mark (:data:`MARK_FRAME_COLUMNS`:
    ``grant_id`` as written, ``period_start`` and ``period_end`` as
    ``datetime64[D]`` (:data:`WHOLE_TIME` where ``period_read`` is false),
    ``invoice_id`` with any CPR number masked, ``cpr`` compact and
    ``supplier_cvr`` compact where valid, else blank, ``service_code``
    trimmed); ``problems`` the rows left out or read without their period
    (``file``, ``row``, ``column``, ``problem``). Made by
    :func:`read_paid_marks`, or :func:`prepare_paid_marks` from a table in
    memory."""

    frame: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=lambda: Problems().frame())
    source: str = "paid"

    def __len__(self) -> int:
        return len(self.frame)


def read_paid_marks(path: str | Path) -> PaidMarks:
    """Read Sensum's paid marks (CSV or xlsx, ``;`` or ``,``, Danish or ISO
    dates; headers: :data:`~invoicekit.columns.PAID_MARK_COLUMNS`)."""
    path = Path(path)
    raw = read_raw(path)
    dates = refuse_misread_file(raw, path, tuple(c for c in PAID_MARK_COLUMNS if c.name.startswith("period_")))
    numeric_cpr = raw.numeric_cells(source_column(raw.frame, PAID_MARK_COLUMNS[4]))
    df = canonical_columns(raw.frame, PAID_MARK_COLUMNS, path)
    return _typed(df, path, path.name, raw.misaligned, numeric_cpr, dates)


def prepare_paid_marks(df: pd.DataFrame, source: str = "paid") -> PaidMarks:
    """Type paid marks held in memory (canonical or Danish headers), as
    :func:`read_paid_marks` types a file."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"prepare_paid_marks takes a pandas DataFrame, not {type(df).__name__}")
    return _typed(canonical_columns(df, PAID_MARK_COLUMNS, source), source, source, {}, None, None)


def _typed(
    df: pd.DataFrame,
    path: str | Path,
    name: str,
    misaligned: dict[int, int],
    numeric_cpr: np.ndarray | None,
    dates: dict | None,
) -> PaidMarks:
    n = len(df)
    rows = np.arange(1, n + 1, dtype=np.int64)
    problems = Problems()
    for r, count in misaligned.items():  # its cells may be shifted: its grant id is still looked for
        problems.add(name, r, "", f"rækken har {count} felter, men overskriften har {len(df.columns)}")
    grant_id = df["grant_id"].str.strip()
    missing = (grant_id == "").to_numpy()
    problems.add_many(
        name, rows[missing], "grant_id", "bevillings-ID mangler; mærket kan ikke knyttes til en bevilling"
    )
    if n and missing.sum() > MAX_UNREADABLE_SHARE * n:
        raise InputError(
            path,
            f"row {int(rows[missing][0])}, column 'grant_id'",
            f"the grant id is blank in {int(missing.sum()):,} of {n:,} rows; expected Sensum's paid marks: "
            "Bevilling, Periode fra, Periode til (one row per grant period marked paid)",
        )

    def period(column: str) -> tuple[np.ndarray, np.ndarray]:
        read = dates.get(column) if dates else None
        values, ok, _blank = read if read is not None else parse_dates(df[column])
        return values, ok

    start, start_ok = period("period_start")
    end, end_ok = period("period_end")
    read = start_ok & end_ok & (end >= start)
    unread = ~read & ~missing
    problems.add_many(
        name,
        rows[unread],
        "period_start",
        "perioden mangler eller kan ikke læses (eller slutter før den begynder); mærket tæller for hver periode "
        "af bevillingen",
    )
    start = np.where(read, start, WHOLE_TIME[0])
    end = np.where(read, end, WHOLE_TIME[1])
    cpr = cpr_column(padded_cpr_cells(df["cpr"], numeric_cpr))
    cvr = cvr_column(df["supplier_cvr"].str.strip())
    frame = pd.DataFrame(
        {
            "row": rows,
            "grant_id": grant_id.to_numpy(dtype=object),
            "period_start": start.astype("datetime64[D]"),
            "period_end": end.astype("datetime64[D]"),
            "period_read": read,
            "invoice_id": mask_cprs_in(df["invoice_id"].str.strip()).to_numpy(dtype=object),
            "cpr": cpr.to_numpy(dtype=object),
            "supplier_cvr": cvr.to_numpy(dtype=object),
            "service_code": df["service_code"].str.strip().to_numpy(dtype=object),
        }
    )[~missing].reset_index(drop=True)
    found = problems.frame().sort_values("row", kind="stable").reset_index(drop=True)
    return PaidMarks(frame, found, str(path))


def paid_from_marks(marks: PaidMarks, grants: Grants, support: SupportSheet, secret: str) -> pd.DataFrame:
    """The marks as earlier payments, in :class:`~invoicekit.history.History`'s
    ``paid`` columns (``run_id`` :data:`~invoicekit.history.SENSUM_MARK`,
    ``started_at`` blank), keyed with ``secret``: a mark's citizen is its own
    ``cpr``, ``supplier_cvr`` and ``service_code`` where all three are valid,
    else that of each grant of its id in ``grants`` (ids compared as check 21
    compares them); the paragraph is the service's in ``support``."""
    m = marks.frame
    own = ((m["cpr"] != "") & (m["supplier_cvr"] != "") & (m["service_code"] != "")).to_numpy()
    g = grants.frame
    extract = pd.DataFrame(
        {
            "grant_norm": normalise_grant_ids(g["grant_id"].to_numpy(dtype=object)),
            "cpr": g["cpr"].to_numpy(dtype=object),
            "supplier_cvr": g["supplier_cvr"].to_numpy(dtype=object),
            "service_code": g["service_code"].to_numpy(dtype=object),
        }
    ).drop_duplicates()
    marked = m.assign(grant_norm=normalise_grant_ids(m["grant_id"].to_numpy(dtype=object)))
    looked_up = marked[~own].drop(columns=["cpr", "supplier_cvr", "service_code"])
    looked_up = looked_up.merge(extract, on="grant_norm", how="left", sort=False)
    paid = pd.concat([marked[own], looked_up], ignore_index=True).sort_values("row", kind="stable")
    paid = paid.fillna({"cpr": "", "supplier_cvr": "", "service_code": ""})
    services = support.services
    paragraph_of = dict(zip(services["service_key"], services["paragraph"], strict=True))
    paid["paragraph"] = [paragraph_of.get(str(s).strip().casefold(), "") for s in paid["service_code"]]
    known = (paid["cpr"] != "").to_numpy()
    keyed = History.from_tables(paid=paid.loc[known, [*_KEYED]].reset_index(drop=True), secret=secret).paid
    bare = History.from_tables(paid=paid.loc[~known, ["grant_id", "period_start", "period_end", "invoice_id"]]
                               .reset_index(drop=True), secret=secret).paid  # fmt: skip
    out = pd.concat([keyed, bare], ignore_index=True)
    out["run_id"] = SENSUM_MARK
    out["started_at"] = ""
    return out[list(PAID_COLUMNS)]


_KEYED = ("grant_id", "cpr", "supplier_cvr", "service_code", "paragraph", "period_start", "period_end", "invoice_id")


def with_paid_marks(history: History, marks: PaidMarks | None, grants: Grants, support: SupportSheet) -> History:
    """``history`` with ``marks`` among its earlier payments (``history``
    itself where there are none). A mark of a posting the history holds (the
    same grant, period and invoice number: the robot's own mark, back from
    Sensum) is that posting, and is not added again."""
    if marks is None or len(marks) == 0:
        return history
    paid = paid_from_marks(marks, grants, support, history.secret)
    if len(history.paid):
        # the robot's own marks, back from Sensum, are its postings: check 21 then names the run that posted
        same = ["grant_key", "period_start", "period_end", "invoice"]
        journal = history.paid.assign(invoice=normalise_numbers(history.paid["invoice_id"].to_numpy(dtype=object)))
        ours = paid.assign(invoice=normalise_numbers(paid["invoice_id"].to_numpy(dtype=object)))
        known = ours[same].merge(journal[same].drop_duplicates(), how="left", indicator=True)["_merge"] == "both"
        paid = paid[~known.to_numpy()]
    both = pd.concat([history.paid, paid], ignore_index=True) if len(history.paid) else paid
    return History(seen=history.seen, paid=both.astype({"run_id": "int64"}), secret=history.secret)
