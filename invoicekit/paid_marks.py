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
supplier, which the grant extract's rows of that id give, and the mark's own
``cpr``, ``supplier_cvr`` and ``service_code`` beside them where all three
are valid (:func:`paid_from_marks`). A mark with neither could be compared
by its grant id alone, which no invoice can match: it is listed.

What cannot be read is never taken as unpaid: a row without a grant id is
listed in ``problems`` (it names no grant; a file where most rows cannot be
read is refused), and a row whose period cannot be read counts as paying
every period of its grant and of the citizen's service, and is listed too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.columns import PAID_MARK_COLUMNS
from invoicekit.errors import InputError
from invoicekit.extracts import (
    Grants,
    Problems,
    SupportSheet,
    excel_number_cells,
    names_something_cells,
    padded_cpr_cells,
    unguarded_cells,
)
from invoicekit.history import MARK_WHOLE_TIME, PAID_COLUMNS, PAID_KEYS, SENSUM_MARK, History
from invoicekit.identifiers import cpr_column, cvr_column, mask_cprs_in_arrow
from invoicekit.keys import (
    HASHED,
    grant_values,
    normalise_grant_ids,
    normalise_numbers,
    service_keys,
    stored_keys,
    valued_grant_ids,
)
from invoicekit.parsing import parse_amounts, parse_dates
from invoicekit.readers import canonical_columns, read_raw, refuse_misread_file, source_column
from invoicekit.vocabulary import ANY_PARAGRAPH, EXCEL_ERRORS, FORMULA_START_RE2

log = logging.getLogger(__name__)

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
    #: the file's name, as ``input_problems.csv`` names it
    name: str = "paid"

    def __len__(self) -> int:
        return len(self.frame)


def read_paid_marks(path: str | Path) -> PaidMarks:
    """Read Sensum's paid marks (CSV or xlsx, ``;`` or ``,``, Danish or ISO
    dates; headers: :data:`~invoicekit.columns.PAID_MARK_COLUMNS`)."""
    path = Path(path)
    raw = read_raw(path)
    dates = refuse_misread_file(raw, path, tuple(c for c in PAID_MARK_COLUMNS if c.name.startswith("period_")))
    numeric_cpr = raw.numeric_cells(source_column(raw.frame, PAID_MARK_COLUMNS[4]))
    for column in (c for c in PAID_MARK_COLUMNS if c.name in ("grant_id", "invoice_id")):
        raw.read_as_shown(source_column(raw.frame, column))  # as the grants' ids and the invoices' numbers are read
    df = canonical_columns(raw.frame, PAID_MARK_COLUMNS, path)
    return _typed(df, path, path.name, raw.misaligned, numeric_cpr, dates, len(raw.frame.columns))


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
    width: int = 0,
) -> PaidMarks:
    """The marks of ``df`` (canonical columns), typed; ``width``: the fields of
    the file's header, which a misaligned row is told of."""
    n = len(df)
    rows = np.arange(1, n + 1, dtype=np.int64)
    problems = Problems()
    for r, count in misaligned.items():  # its cells may be shifted: read as they stand
        problems.add(name, r, "", f"rækken har {count} felter, men overskriften har {width}")

    def cells(column: str) -> pd.Series:
        """A column trimmed, Excel's error values (a lookup that found nothing) blank."""
        values = df[column].fillna("").astype(str).str.strip()
        return values.mask(values.isin(EXCEL_ERRORS), "")

    def unguarded(values: pd.Series) -> pa.Array:
        """Numbers as the checks read them (:func:`~invoicekit.extracts.unguarded_cells`)."""
        return unguarded_cells(pa.array(values.to_numpy(dtype=object), pa.large_string()))

    # Excel's text export (="00123") read as the id it holds: the mark was compared with nothing (a review)
    grant_ids = unguarded(cells("grant_id").str.replace(r'^="(.*)"$', r"\1", regex=True).str.strip())
    # an id of no letter or digit ('-', '.') names no grant, as the grants reader reads one
    no_id = ~names_something_cells(grant_ids).to_numpy(zero_copy_only=False)
    # read loosely ('.0' or a leading ' of a CSV saved from Excel): a mark can only hold an invoice back (a review:
    # a mark written 6101901234.0 was not comparable, and March was paid again)
    # (and nine digits alone padded, the leading zero Excel dropped, as check 16 reads a grant's: a review)
    loose_cpr = excel_number_cells(cells("cpr"), "9,10").str.replace(r"^(\d{9})$", r"0\1", regex=True)
    cpr = cpr_column(padded_cpr_cells(loose_cpr, numeric_cpr))
    cvr = cvr_column(excel_number_cells(cells("supplier_cvr"), "8"))
    # a mark without an id that names the citizen and the supplier counts by its own cells, as one of a grant
    # the extract lacks: dropped, a month marked paid by hand was paid again (an attack on 0.9.35)
    own = no_id & (cpr.to_numpy(dtype=object) != "") & (cvr.to_numpy(dtype=object) != "")
    missing = no_id & ~own
    problems.add_many(
        name,
        rows[missing],
        "grant_id",
        "bevillings-ID mangler (eller er en Excel-fejlværdi, eller har hverken bogstav eller ciffer); mærket kan "
        "ikke knyttes til en bevilling",
    )
    problems.add_many(
        name,
        rows[own],
        "grant_id",
        "bevillings-ID mangler; mærket tæller for borgerens ydelse hos leverandøren efter sit CPR- og CVR-nummer "
        "(og sin ydelse, hvor støttearket kender den)",
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

    # a mark of a negative or no amount (a reversal, a credit) still counts as paid: it can only hold an invoice back;
    # said, since the caseworker is told the period is paid (an attack on 0.9.37: taken as a payment unsaid)
    amounts, amount_ok, amount_blank = parse_amounts(cells("amount"))
    # (or one no amount reads from: a reversal written with a minus sign or in parentheses, −28.500,00 or (28.500,00),
    # was taken unsaid: a review)
    problems.add_many(
        name,
        rows[~amount_blank & (~amount_ok | (amounts <= 0)) & ~missing],
        "amount",
        "beløbet er negativt, 0 eller kan ikke læses (en tilbageførsel?); mærket tæller stadig som betalt for "
        "perioden: kontrollér i Sensum, om perioden er betalt",
    )
    start, start_ok = period("period_start")
    end, end_ok = period("period_end")
    read = start_ok & end_ok & (end >= start)
    why = (
        " mangler eller kan ikke læses; mærket tæller for hver periode af bevillingen og borgerens ydelse (alle "
        "borgerens ydelser hos leverandøren, hvor mærket ikke nævner en ydelse, som støttearket kender)"
    )
    for column, bad, problem in (
        ("period_start", ~start_ok, "periodens start" + why),
        ("period_end", start_ok & ~end_ok, "periodens slutning" + why),
        ("period_end", ~read & start_ok & end_ok, "perioden slutter, før den begynder; mærket tæller for hver "
                                                  "periode af bevillingen og borgerens ydelse"),
    ):  # fmt: skip
        problems.add_many(name, rows[bad & ~missing], column, problem)
    start = np.where(read, start, WHOLE_TIME[0])
    end = np.where(read, end, WHOLE_TIME[1])
    frame = pd.DataFrame(
        {
            "row": rows,
            "grant_id": grant_ids.to_numpy(zero_copy_only=False),
            "period_start": start.astype("datetime64[D]"),
            "period_end": end.astype("datetime64[D]"),
            "period_read": read,
            "invoice_id": mask_cprs_in_arrow(unguarded(df["invoice_id"].fillna("").astype(str).str.strip())).to_numpy(
                zero_copy_only=False
            ),
            "cpr": cpr.to_numpy(dtype=object),
            "supplier_cvr": cvr.to_numpy(dtype=object),
            "service_code": cells("service_code").to_numpy(dtype=object),
        }
    )[~missing].reset_index(drop=True)
    # an id with a ' after a ';' or ',' inside it, as invoicekit 0.9.28 and before guarded one (B,'-1001: the mark
    # named no grant, and the month was paid again; a review), counts for the id without it too: a mark can only
    # hold an invoice back (an id written so is read as written as well: a review of that)
    inner = pc.replace_substring_regex(
        pa.array(frame["grant_id"].to_numpy(dtype=object), pa.large_string()), _INNER_GUARD, r"\1\2"
    ).to_numpy(zero_copy_only=False)
    other = inner != frame["grant_id"].to_numpy(dtype=object)
    if other.any():
        frame = pd.concat([frame, frame[other].assign(grant_id=inner[other])], ignore_index=True)
    found = problems.frame().sort_values("row", kind="stable").reset_index(drop=True)
    return PaidMarks(frame, found, str(path), name)


#: a ' after a ';' or ',' that a formula start follows: the guard invoicekit 0.9.28 and before put inside an id
_INNER_GUARD = "([;,])'(" + FORMULA_START_RE2 + ")"

#: the problem of a mark whose grant the extract lacks and that names no citizen's service of its own
NOT_COMPARABLE = (
    "bevillingen er ikke blandt udtrækkets brugbare bevillinger (den mangler, eller dens rækker kunne ikke bruges), "
    "og mærket har ikke både gyldigt CPR-nummer og leverandørens CVR-nummer; det kan ikke sammenlignes "
    "med nogen faktura"
)


#: the problem of a mark of a grant the extract lacks whose service the sheet does not know (blank, or its name)
ANY_SERVICE = (
    "mærket nævner ingen ydelse, som støttearket entydigt kender (ydelsen mangler, står ikke i arket, eller arkets "
    "rækker for den siger to ting), og bevillingen siger det ikke; det tæller for alle borgerens ydelser hos "
    "leverandøren i perioden"
)


def paid_from_marks(
    marks: PaidMarks,
    grants: Grants,
    support: SupportSheet,
    secret: str,
    within: tuple[np.datetime64, np.datetime64] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The marks as earlier payments, in :class:`~invoicekit.history.History`'s
    ``paid`` columns (``run_id`` :data:`~invoicekit.history.SENSUM_MARK`,
    ``started_at`` blank), keyed with ``secret``; the rows (``row``) of
    the marks that cannot be compared with any invoice; and those of the
    marks that count under every paragraph (their service blank there).

    A mark's citizen is that of each grant of its id in ``grants`` (ids as
    check 21 compares them) and, where its own ``cpr``, ``supplier_cvr`` and
    ``service_code`` are all valid, that one too: a mark yields a payment for
    each (a mark's own cells never hide what the extract says). The paragraph
    is the service's in ``support``, service codes compared as check 21
    compares them; a mark's own citizen and supplier whose service is blank,
    or one the sheet does not know (written by its name), of a grant the
    extract lacks, is a payment under every paragraph the sheet names: which the citizen had there, nobody can
    tell, and comparing so can only hold an invoice back. A mark with neither could compare by its grant id alone,
    which no invoice can match while the extract lacks the grant: those are
    the rows returned, and no payment is made of them. ``within`` (first
    day, last day): the span of the periods decided; a mark wholly outside
    it can overlap none of them and is left out (a year's marks cost seconds
    to key)."""
    m = marks.frame
    g = grants.frame
    extract = pd.DataFrame(
        {
            "grant_norm": normalise_grant_ids(g["grant_id"].to_numpy(dtype=object)),
            "cpr": g["cpr"].to_numpy(dtype=object),
            "supplier_cvr": g["supplier_cvr"].to_numpy(dtype=object),
            "service_code": g["service_code"].to_numpy(dtype=object),
        }
    ).drop_duplicates()
    # a grant whose rows were all left out, but name its citizen and supplier: the mark is theirs
    lost = pd.DataFrame(
        {"grant_norm": normalise_grant_ids(grants.left_out_ids["grant_id"].to_numpy(dtype=object)),
         "cpr": grants.left_out_ids["cpr"].to_numpy(dtype=object),
         "supplier_cvr": grants.left_out_ids["supplier_cvr"].to_numpy(dtype=object)}
    ).drop_duplicates()  # fmt: skip
    marked = m.assign(grant_norm=normalise_grant_ids(m["grant_id"].to_numpy(dtype=object)))
    # a grant left out is looked for by the mark's own id (by value), whatever else the mark finds: a usable grant
    # of the same value (00123 beside a left-out 123) or its own cells (another service, a mistyped supplier) hid
    # the left-out grant's citizen, and the month was paid again (an eighth review)
    lost = lost[lost["grant_norm"] != ""]
    lost = lost.assign(grant_value=grant_values(lost["grant_norm"]))
    values = grant_values(marked["grant_norm"])
    in_left_out = pd.Series(values, dtype=object).isin(set(lost["grant_value"])).to_numpy()
    of_lost = marked[in_left_out].assign(grant_value=values[in_left_out])
    marked = _by_value(marked, extract["grant_norm"])
    # a citizen at a supplier: with a service the sheet knows, under its paragraph; else under every paragraph
    # (a mark of a grant registered again, its service blank or written by its name, held nothing back, and
    # the month was paid again: an attack on 0.9.25)
    own = ((marked["cpr"] != "") & (marked["supplier_cvr"] != "")).to_numpy()
    in_extract = marked["grant_norm"].isin(set(extract["grant_norm"])).to_numpy()
    inert = np.setdiff1d(marked["row"].to_numpy(dtype=np.int64)[~own & ~in_extract], of_lost["row"].to_numpy())
    if within is not None:
        near = ((marked["period_end"] >= within[0]) & (marked["period_start"] <= within[1])).to_numpy()
        marked, own, in_extract = marked[near], own[near], in_extract[near]
        of_lost = of_lost[((of_lost["period_end"] >= within[0]) & (of_lost["period_start"] <= within[1])).to_numpy()]
    looked_up = marked[in_extract].drop(columns=["cpr", "supplier_cvr", "service_code"])
    looked_up = looked_up.merge(extract, on="grant_norm", how="inner", sort=False)
    # own: a mark's own cells, of a grant the extract lacks (else the extract says which service it was)
    of_lost = of_lost.drop(columns=["cpr", "supplier_cvr", "service_code"])
    of_lost = of_lost.merge(lost.drop(columns="grant_norm"), on="grant_value", how="inner", sort=False)
    of_lost = of_lost.drop(columns="grant_value").assign(service_code="")
    citizens = pd.concat(
        [marked[own].assign(own=~in_extract[own], looked=False), looked_up.assign(own=False, looked=True),
         of_lost.assign(own=True, looked=False)],
        ignore_index=True,
    )  # fmt: skip
    # a mark's own service written as in the extract: one payment, not two
    citizens = citizens.assign(service_norm=normalise_numbers(citizens["service_code"].to_numpy(dtype=object)))
    # (what the extract says of the grant kept with it: a mark's own cells naming the same citizen and service came
    # first and hid that the extract's service is unknown to the sheet, and March was paid again: a review)
    same = ["row", "cpr", "supplier_cvr", "service_norm"]
    citizens = citizens.assign(
        own=citizens.groupby(same, sort=False)["own"].transform("any").to_numpy(dtype=bool),
        looked=citizens.groupby(same, sort=False)["looked"].transform("any").to_numpy(dtype=bool),
    )
    citizens = citizens.drop_duplicates(same).sort_values("row", kind="stable")
    # the paragraph of each service as check 21 asks it of a payment recorded without one (one rule for both);
    # a service code of no letter or digit (a placeholder '-') is none a mark names (its service is read as
    # blank): it gave a mark naming none its paragraph (an eighth review)
    paragraph_of = support.service_paragraphs()
    citizens["paragraph"] = citizens["service_norm"].map(paragraph_of).fillna("").astype(object)
    # and a mark of a service the sheet does not name for certain: a row of it left out, rows of it that say
    # two paragraphs, or rows held back; of a grant in the extract or not (reviews: its grant still in the
    # extract, a readable row's paragraph was trusted, or none was found and nothing held; a held service's
    # readable row's § 104 trusted let a mark of it pass a § 108 invoice)
    doubted = (citizens["paragraph"] == ANY_PARAGRAPH).to_numpy()
    citizens.loc[doubted, "paragraph"] = ""
    # (the extract's own grant too, whose service the sheet does not know: a fifth review, its grant ended, March
    # paid again; a seventh, the same with the old grant left open. A mark of a grant running through the period
    # holds the citizen's other services back too, until the sheet names its service: a sixth review asked that it
    # did not, but nothing in the extract tells a grant left open from one still in use)
    # and a mark's own citizen and supplier that the extract does not name for its grant, its service blank or
    # unknown: what the extract says of the grant does not say which service this was (a review: citizen B in
    # the own cells of a mark of A's grant, service blank, and B's March paid again)
    pair = ["row", "cpr", "supplier_cvr"]
    by_extract = citizens.loc[citizens["looked"].to_numpy(dtype=bool), pair].drop_duplicates()
    named = citizens[pair].merge(by_extract, how="left", indicator=True)["_merge"].eq("both").to_numpy()
    unknown = (
        ((citizens["own"] | citizens["looked"]).to_numpy(dtype=bool) | ~named)
        & (citizens["paragraph"] == "").to_numpy()
    ) | doubted
    anyone_rows = np.unique(citizens.loc[unknown, "row"].to_numpy(dtype=np.int64))
    if unknown.any():
        every = sorted(set(support.services["paragraph"]) - {""})
        # its service blank: what check 21 then says is that no service the sheet knows was named
        anyone = citizens[unknown].drop(columns="paragraph").assign(service_code="")
        anyone = anyone.merge(pd.DataFrame({"paragraph": every}), how="cross")
        citizens = pd.concat([citizens[~unknown], anyone], ignore_index=True).sort_values("row", kind="stable")
    # a mark with neither is not kept: its grant key is no grant's of the extract, which every invoice's is
    out = History.from_tables(paid=citizens[list(_KEYED)].reset_index(drop=True), secret=secret).paid
    out["run_id"] = SENSUM_MARK
    out["started_at"] = ""
    return out[list(PAID_COLUMNS)], inert, anyone_rows


def _another_citizen(marks: PaidMarks, grants: Grants) -> np.ndarray:
    """The rows of the marks whose own CPR number is none of the citizens the
    extract names for the mark's grant: the mark counts for both (it can
    only hold an invoice back), but the caseworker of the grant's citizen was
    told as fact that the period was paid, and nothing said the mark was in
    doubt (an attack on 0.9.37)."""
    m = marks.frame
    own = m["cpr"].to_numpy(dtype=object) != ""
    if not own.any():
        return np.empty(0, dtype=np.int64)
    g = grants.frame
    named = pd.DataFrame(
        {
            # grants compared as check 21 compares them, by value (a mark of 123 is the extract's 00123: a review)
            "grant_norm": grant_values(normalise_grant_ids(g["grant_id"].to_numpy(dtype=object))),
            "cpr": g["cpr"].to_numpy(dtype=object),
        }
    ).drop_duplicates()
    marked = pd.DataFrame(
        {"row": m["row"].to_numpy(dtype=np.int64)[own],
         "grant_norm": grant_values(normalise_grant_ids(m["grant_id"].to_numpy(dtype=object)[own])),
         "cpr": m["cpr"].to_numpy(dtype=object)[own]}
    ).drop_duplicates()  # fmt: skip
    of_grant = marked.merge(named, on="grant_norm", how="inner", suffixes=("", "_grant"))
    if of_grant.empty:
        return np.empty(0, dtype=np.int64)
    agrees = (of_grant["cpr"] == of_grant["cpr_grant"]).groupby(of_grant["row"]).any()
    return np.asarray(agrees.index[~agrees.to_numpy(dtype=bool)], dtype=np.int64)


#: the problem of a mark whose own CPR number is not its grant's citizen's
ANOTHER_CITIZEN = (
    "mærkets CPR-nummer er ikke bevillingens borgers; mærket tæller for dem begge: kontrollér i Sensum, hvem "
    "perioden er betalt for"
)


def _by_value(marked: pd.DataFrame, extract_ids: pd.Series) -> pd.DataFrame:
    """``marked`` with each grant id of digits alone replaced by the
    extract's ids of the same value, written as the mark writes it or with
    other leading zeros (a row for each; the mark's row number kept; the
    mark's own id where the extract holds none): a workbook keeps an id as a
    number, without its leading zeros (``00123`` is ``123``), in the marks
    or in the extract. Comparing so can only find a period paid, and hold an
    invoice back for a person to look at; missing it could pay the period
    again."""
    known = set(extract_ids)
    # also where the extract holds the mark's id as written: 123 beside 00123, the mark may be of either
    # (Sensum's 00123, its zeros dropped by a workbook: B's March was paid again, a review)
    values, lost = valued_grant_ids(marked["grant_norm"])
    if not lost.any():
        return marked
    ids = np.array(sorted(known), dtype=object)
    extract_values, digits = valued_grant_ids(ids)  # 123.0 of an extract saved from Excel too
    value_of = pd.DataFrame({"value": extract_values[digits], "extract_id": ids[digits]})
    wanted = marked[lost].assign(value=values[lost])
    found = wanted.merge(value_of, on="value", how="inner", sort=False)
    if not len(found):
        return marked
    other = found.loc[found["extract_id"] != found["grant_norm"], "row"].nunique()
    if other:
        log.info(
            "%d paid marks name a grant by its number written otherwise than in the grant extract (other leading "
            "zeros, a '.0'): compared by its value",
            other,
        )
    found = found.assign(grant_id=found["extract_id"], grant_norm=found["extract_id"])[list(marked.columns)]
    matched = marked["row"].isin(set(found["row"])).to_numpy() & lost
    return pd.concat([marked[~matched], found], ignore_index=True).sort_values("row", kind="stable")


_KEYED = ("grant_id", "cpr", "supplier_cvr", "service_code", "paragraph", "period_start", "period_end", "invoice_id")


def todays_grant_keys(grants: Grants, support: SupportSheet, secret: str) -> pd.DataFrame:
    """Each distinct grant row of today's extract (``grant_id`` as written) with the keys of check 21 a
    payment on it carries today (``grant_key``, ``citizen_key``, ``paragraph_key``: blank where its service
    is under no paragraph for certain): what :func:`with_moved_grants` counts a moved grant's payments
    under, and tuning's replay too (``_Payments`` in :mod:`invoicekit.replay`)."""
    today, keyed = _todays_keys(grants, support, secret)
    return pd.concat([today[["grant_id"]], keyed], axis=1).reset_index(drop=True)


def _todays_keys(grants: Grants, support: SupportSheet, secret: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The distinct grant rows as :func:`todays_grant_keys` reads them, and their keys (the same index)."""
    g = grants.frame
    today = pd.DataFrame(
        {c: g[c].astype(str).to_numpy(dtype=object) for c in ("grant_id", "cpr", "supplier_cvr", "service_code")}
    ).drop_duplicates()
    paragraph = pd.Series(service_keys(today["service_code"].to_numpy(dtype=object)), dtype=object)
    paragraph = paragraph.map(support.service_paragraphs()).fillna("").replace(ANY_PARAGRAPH, "")
    today = today.assign(paragraph=paragraph.to_numpy(dtype=object), period_start="2000-01-01",
                         period_end="2000-01-01", invoice_id="")  # fmt: skip
    return today, History.from_tables(paid=today, secret=secret).paid[list(PAID_KEYS)]


def with_moved_grants(
    history: History,
    grants: Grants,
    support: SupportSheet,
    within: tuple[np.datetime64, np.datetime64] | None = None,
) -> History:
    """``history`` with each of the robot's own payments on a grant that today's extract names for another
    citizen's service at another supplier (the grant moved since: a place taken over by a new owner, the
    grant moved to its CVR number and the stay registered again under a new id) counted under today's keys
    too, as a paid mark of it is (:func:`paid_from_marks`): check 21 then holds the new owner's bill for a
    month paid to the old. With the journal alone, the month was paid again (an attack on 0.9.38). ``within``:
    the span of the periods decided (:func:`with_paid_marks`). Where today's extract names the grant's
    service under no paragraph for certain, the citizen's service alone is compared."""
    paid = history.paid
    if not len(paid) or not len(grants.frame):
        return history
    posted = paid[(paid["run_id"] > 0).to_numpy()]
    if within is not None:
        posted = posted[((posted["period_end"] >= within[0]) & (posted["period_start"] <= within[1])).to_numpy()]
    if not len(posted):
        return history
    today, keyed = _todays_keys(grants, support, history.secret)
    # an id of digits by its value too, as check 21 compares the journal's (``00123`` paid, ``123`` today: a review
    # of 0.9.39's first version paid the month again); one the journal keeps hashed, where it was ten to fifteen
    # digits bare, by today's value padded so and hashed
    values, digits = valued_grant_ids(normalise_grant_ids(today["grant_id"].to_numpy(dtype=object)))
    probes = [keyed.rename(columns={"grant_key": "probe"})]
    by_value = keyed[digits].assign(probe=["=" + v for v in values[digits]]).drop(columns="grant_key")
    probes.append(by_value)
    hashed = posted["grant_key"].astype(str).str.startswith(HASHED)
    if hashed.any() and digits.any():
        for width in range(10, 16):
            fits = np.array([len(v) <= width for v in values[digits]], dtype=bool)
            padded = np.array([v.zfill(width) for v in values[digits][fits]], dtype=object)
            probes.append(
                keyed[digits][fits].assign(probe=stored_keys(padded, history.secret)).drop(columns="grant_key")
            )
    probes_all = pd.concat(probes, ignore_index=True).drop_duplicates()
    posted_values, posted_digits = valued_grant_ids(posted["grant_key"].astype(str).to_numpy(dtype=object))
    posted_digits = posted_digits & ~hashed.to_numpy(dtype=bool)
    asked = pd.concat(
        [posted.assign(probe=posted["grant_key"]),
         posted[posted_digits].assign(probe=["=" + v for v in posted_values[posted_digits]])],
        ignore_index=True,
    )  # fmt: skip
    joined = asked.merge(probes_all, on="probe", how="inner", suffixes=("", "_today"), sort=False)
    moved = (joined["citizen_key_today"] != "") & (joined["citizen_key_today"] != joined["citizen_key"])
    if not moved.any():
        return history
    extra = (
        joined[moved.to_numpy()]
        .assign(citizen_key=lambda f: f["citizen_key_today"], paragraph_key=lambda f: f["paragraph_key_today"])[
            list(PAID_COLUMNS)
        ]
        .drop_duplicates()
    )
    both = pd.concat([paid, extra], ignore_index=True).astype({"run_id": "int64"})
    return History(seen=history.seen, paid=both, secret=history.secret, moved=history.moved + len(extra))


def with_paid_marks(
    history: History,
    marks: PaidMarks | None,
    grants: Grants,
    support: SupportSheet,
    within: tuple[np.datetime64, np.datetime64] | None = None,
) -> tuple[History, pd.DataFrame]:
    """``history`` with ``marks`` among its earlier payments (``history``
    itself where there are none), and the marks' problems: those of reading
    them, and the marks that cannot be compared with any invoice
    (:func:`paid_from_marks`, which ``within`` is given to). A mark of a posting the history holds (the
    same grant, period and invoice number, and the same citizen and paragraph keys: the robot's own
    mark, back from Sensum, of a grant as it was) is that posting, and is not added again; the marks go before the
    history's postings, so that where check 21 finds a mark and a posting
    ending on the same day it names the posting (the later of two such rows:
    see ``_overlapping`` in :mod:`invoicekit.decide`)."""
    if marks is None:
        return history, Problems().frame()
    paid, inert, anyone = paid_from_marks(marks, grants, support, history.secret, within)
    problems = marks.problems
    other = _another_citizen(marks, grants)
    if len(inert) or len(anyone) or len(other):
        more = Problems()
        more.add_many(marks.name, inert, "grant_id", NOT_COMPARABLE)
        more.add_many(marks.name, anyone, "service_code", ANY_SERVICE)
        more.add_many(marks.name, other, "cpr", ANOTHER_CITIZEN)
        problems = pd.concat([problems, more.frame()], ignore_index=True).sort_values("row", kind="stable")
    if len(inert):
        log.warning(
            "%d of %d paid marks name a grant the grant extract lacks and no valid CPR number and supplier CVR of "
            "their own: they cannot be compared with any invoice (input_problems.csv)",
            len(inert),
            len(marks),
        )
    if len(anyone):
        log.warning(
            "%d of %d paid marks name no service the support sheet knows for certain: each counts for every "
            "service of its citizen at its supplier (input_problems.csv)",
            len(anyone),
            len(marks),
        )
    if len(paid) and len(history.paid):
        # the robot's own marks, back from Sensum, are its postings: check 21 then names the run that posted;
        # only a mark that says no more than its posting (the same keys: a grant moved to another supplier
        # since, say, gives the mark today's citizen key, which the posting lacks and check 21 needs: a
        # review of 0.9.24 found the month paid again to the new supplier)
        same = [*PAID_KEYS, "period_start", "period_end", "invoice"]
        journal = history.paid.assign(invoice=normalise_numbers(history.paid["invoice_id"].to_numpy(dtype=object)))
        ours = paid.assign(invoice=normalise_numbers(paid["invoice_id"].to_numpy(dtype=object)))
        known = ours[same].merge(journal[same].drop_duplicates(), how="left", indicator=True)["_merge"] == "both"
        paid = paid[~known.to_numpy()]
    problems = problems.reset_index(drop=True)
    if len(paid) == 0:
        return history, problems
    both = pd.concat([paid, history.paid], ignore_index=True) if len(history.paid) else paid
    return History(seen=history.seen, paid=both.astype({"run_id": "int64"}), secret=history.secret), problems
