"""Typed tables: the invoices (and their lines), grants and support sheet the robot decides on,
each typed once from the text cells :mod:`invoicekit.readers` reads, and
carrying the rows left out (``problems``).

``read_*`` take a path and return :class:`Invoices`, :class:`InvoiceLines`,
:class:`Grants` or a :class:`SupportSheet`; ``prepare_*`` type a DataFrame already in memory, so
notebooks and tests can pass small tables written inline, with canonical or
Danish headers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.amounts import unit_codes
from invoicekit.columns import (
    CODING_COLUMNS,
    GRANT_COLUMNS,
    INVOICE_COLUMNS,
    INVOICE_LINE_CHECKED,
    INVOICE_LINE_COLUMNS,
    PROBLEM_COLUMNS,
    SUPPORT_SHEETS,
    Column,
    end_date_columns,
    header_key,
    of_grant_handling,
    period_end_columns,
    period_range_columns,
    period_start_columns,
    unread_columns,
)
from invoicekit.errors import InputError, MissingFileError
from invoicekit.identifiers import (
    compact_cpr,
    cpr_birth_year,
    cpr_born_later,
    cpr_codes,
    cpr_column,
    cpr_keys,
    cprs_of_cells,
    cvr_codes,
    cvr_column,
    is_valid_cpr,
    mask_cpr_text,
    mask_cprs_in,
    mask_cprs_in_arrow,
    utf8_path,
)
from invoicekit.keys import (
    ascii_dashes,
    normalise_grant_ids,
    normalise_numbers_arrow,
    service_keys,
    sheet_keys,
    value_keys,
)
from invoicekit.parsing import (
    CPR_SEPARATOR_CLASS,
    MONEY_SCALE,
    arrow_texts,
    distinct_texts,
    other_digit_texts,
    parse_amounts,
    parse_dates,
    period_from_texts,
    period_in_text,
    shown_amount_cell,
    split_cpr_cells,
    text_array,
)
from invoicekit.readers import (
    Workbook,
    canonical_columns,
    numeric_cells,
    open_ended,
    open_workbook,
    read_raw,
    refuse_lost_digits,
    refuse_misread_file,
    source_column,
)
from invoicekit.texts import LINE_BREAK_RE2, TEXT, arrow_text, counts_regex, is_arrow_text, matches_regex, one_line
from invoicekit.vocabulary import (
    ANY_PARAGRAPH,
    CPR_BOUNDED_RE2,
    CPR_INVISIBLE,
    CPR_LOOSE_RE2,
    CPR_PATTERN,
    CPR_THOUSANDS,
    CREDIT_NOTE_SAID,
    CURRENCY_CODES,
    DOCUMENT_TYPES,
    ENDED,
    EXCEL_ERRORS,
    FLAG_NO,
    FLAG_YES,
    GUARDED_CELL_RE2,
    IGNORABLE_RE2,
    IN_FORCE,
    INVOICE,
    KRONE_SAID,
    NAMES_SOMETHING_RE2,
    OWNERSHIP,
    RATE_UNIT_NAMES_DA,
    RATE_UNITS,
    VOID,
    cpr_digits,
    document_type_key,
    grant_standing,
    masked_cpr,
    normalise_paragraph,
)

__all__ = ["RATE_UNITS", "RATE_UNIT_NAMES_DA", "normalise_paragraph"]  # where older code found them

#: :data:`EXCEL_ERRORS` for arrow's ``is_in``
_EXCEL_ERRORS_ARROW = pa.array(sorted(EXCEL_ERRORS), pa.large_string())
MAX_RATE_DKK = 100_000_000  # a rate above this cannot be right, and would overflow

# ---------------------------------------------------------------- problems


@dataclass
class Problems:
    """Rows left out of matching, as data: ``file``, ``row``, ``column``, ``problem``."""

    records: list[tuple[str, int, str, str]] = field(default_factory=list)

    def add(self, file: str, row: int, column: str, problem: str) -> None:
        self.records.append((file, int(row), column, problem))

    def add_many(self, file: str, rows: np.ndarray, column: str, problem: str) -> None:
        self.records.extend((file, int(r), column, problem) for r in rows)

    def frame(self) -> pd.DataFrame:
        # a file named otherwise than in UTF-8 (a Windows share's æøå) named with its bytes as \xe6, as
        # run.json names it: its name stopped the run as an unexpected error (an attack on 0.9.37)
        records = [(utf8_path(f) if isinstance(f, str) else f, *rest) for f, *rest in self.records]
        df = pd.DataFrame(records, columns=list(PROBLEM_COLUMNS))
        return df.astype({"row": "int64"})

    def __len__(self) -> int:
        return len(self.records)


# ---------------------------------------------------------------- typed tables


def _no_problems() -> pd.DataFrame:
    return Problems().frame()


@dataclass(frozen=True)
class Invoices:
    """Invoices read and typed once: what :func:`invoicekit.decide.decide`
    takes. ``frame`` has one row per input row, in input order (the columns:
    :func:`_typed_invoices`); ``problems`` the rows that could not be read as
    data (none so far: every invoice row gets a decision). Made by
    :func:`read_invoices`, or :func:`prepare_invoices` from a table in memory.
    ``unread``: the extract's columns that no invoice column accepts, which
    the robot does not read (:func:`~invoicekit.columns.unread_columns`)."""

    frame: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=_no_problems)
    unread: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _refuse_untyped(self.frame, "invoices", "prepare_invoices", "read_invoices")

    def refuse_repeated_rows(self) -> None:
        """Raise ``ValueError`` where two invoices share a row number, as
        deciding them needs each to have its own: two typed frames joined
        with pd.concat repeated every row number of the second, and the
        decisions with them (a review of 0.9.32). A collective invoice's lines,
        decided under their invoice's row, carry ``post_group``; the type
        mapping's tables of several extracts number rows per ``file``."""
        rows = self.frame["row"].to_numpy()
        ascending = len(rows) < 2 or bool((np.diff(rows) > 0).all())
        if "post_group" not in self.frame and not ascending and not pd.Index(rows).is_unique:
            raise ValueError(
                "these invoices' row numbers repeat (typed tables joined with pd.concat?): join typed invoices "
                "with Invoices.concat([...]), which numbers the rows of the batch 1..n"
            )

    def __len__(self) -> int:
        return len(self.frame)

    @classmethod
    def concat(cls, parts: list[Invoices]) -> Invoices:
        """Several extracts as one batch: ``row`` numbers the rows of the
        batch (1..n), so that each invoice still has a row of its own."""
        frame = _optional_columns_filled(pd.concat([p.frame for p in parts], ignore_index=True))
        frame["row"] = np.arange(1, len(frame) + 1, dtype=np.int64)
        unread = tuple(dict.fromkeys(c for p in parts for c in p.unread))
        return cls(frame, pd.concat([p.problems for p in parts], ignore_index=True), unread)


@dataclass(frozen=True)
class Grants:
    """Grants read from Sensum and typed once: the usable ones in ``frame``
    (the columns: :func:`_typed_grants`) and the rows left out, with the
    reason, in ``problems``. Made by :func:`read_grants`, or
    :func:`prepare_grants` from a table in memory."""

    frame: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=_no_problems)
    #: what deciding works out from these grants alone, kept for the next
    #: decision over the same grants (a replay or tuning decides each month's
    #: grants many times); never part of what the grants are
    derived: dict = field(default_factory=dict, compare=False, repr=False)
    #: the CPR keys (``cpr_key``) of the rows left out: where no grant of a
    #: citizen is found, the caseworker is told that a row of theirs could
    #: not be read, not that none exists
    left_out_citizens: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), compare=False, repr=False)
    #: each row left out with a valid CPR number: ``pair``, its (citizen,
    #: supplier) as :func:`citizen_supplier_keys` (the supplier 0 where its CVR
    #: could not be read), and ``start`` and ``end`` (NaT where not read, or
    #: open): an invoice that fits one grant of the citizen at the supplier is
    #: not posted while such a row may cover part of its period too
    left_out_rows: pd.DataFrame = field(default_factory=lambda: _left_out_frame(), compare=False, repr=False)
    #: the rows left out that name their grant, a valid CPR number and a valid
    #: supplier CVR: ``grant_id``, ``cpr``, ``supplier_cvr`` as the grants hold
    #: them. A paid mark of such a grant is still the citizen's at the supplier
    #: (:func:`~invoicekit.paid_marks.paid_from_marks`)
    left_out_ids: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["grant_id", "cpr", "supplier_cvr"], dtype=object),
        compare=False,
        repr=False,
    )

    def __post_init__(self) -> None:
        _refuse_untyped(self.frame, "grants", "prepare_grants", "read_grants")

    def __len__(self) -> int:
        return len(self.frame)


def _left_out_frame(
    pair: np.ndarray | None = None, start: np.ndarray | None = None, end: np.ndarray | None = None
) -> pd.DataFrame:
    """:attr:`Grants.left_out_rows`, of the given columns or none."""
    none = np.empty(0, dtype="datetime64[D]")
    rows = pd.DataFrame(
        {
            "pair": np.empty(0, np.int64) if pair is None else np.asarray(pair, dtype=np.int64),
            "start": none if start is None else np.asarray(start, dtype="datetime64[D]"),
            "end": none if end is None else np.asarray(end, dtype="datetime64[D]"),
        }
    )
    # each distinct row once: check 16 pairs them with the citizen's invoices at the supplier
    return rows.drop_duplicates(ignore_index=True)


#: a CVR key's span (eight digits): a (citizen, supplier) key is the citizen's key times it, plus the supplier's
_CVR_SPAN = 100_000_000


def citizen_supplier_keys(cpr_key: np.ndarray, cvr_key: np.ndarray) -> np.ndarray:
    """(citizen, supplier) as one int64 per row, from the ``cpr_key`` (ten
    digits) and ``cvr_key`` (eight digits, 0 for none) of grants or invoices."""
    return np.asarray(cpr_key, dtype=np.int64) * _CVR_SPAN + np.asarray(cvr_key, dtype=np.int64)


def citizen_and_supplier(pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``cpr_key`` and ``cvr_key`` a :func:`citizen_supplier_keys` key was made of."""
    pair = np.asarray(pair, dtype=np.int64)
    return pair // _CVR_SPAN, pair % _CVR_SPAN


def left_out_at_supplier(inv: pd.DataFrame, pairs: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per invoice of ``inv`` (typed: ``cpr_key``, ``cvr_key``): whether one of
    ``pairs`` (:attr:`Grants.left_out_rows`) names its citizen at its supplier,
    or at a supplier whose CVR could not be read; beside it the invoice's two
    keys those were looked up by, in that order."""
    cpr_key = inv["cpr_key"].to_numpy()
    keys = [citizen_supplier_keys(cpr_key, cvr) for cvr in (inv["cvr_key"].to_numpy(), 0)]
    return np.isin(keys[0], pairs) | np.isin(keys[1], pairs), keys


def as_invoices(invoices: Invoices | pd.DataFrame) -> Invoices:
    """For the analysis functions that take invoices any way they come (the
    type mapping's estimators take a DataFrame, as scikit-learn does): typed
    invoices, or their ``.frame``, as they are; a raw table typed
    (:func:`prepare_invoices`)."""
    if isinstance(invoices, Invoices):
        return invoices
    if isinstance(invoices, pd.DataFrame) and _is_typed(invoices, "invoices"):
        return Invoices(invoices)
    return prepare_invoices(invoices)


#: columns only a typed table has: a frame with them was typed already
_TYPED_MARKS = {"invoices": ("invoice_key", "cpr_key"), "grants": ("cpr_key", "unit_code")}


def written_invoice_ids(inv: pd.DataFrame) -> pd.Series:
    """Each invoice's number as the supplier wrote it, what OPUS finds the
    invoice by (its note): ``invoice_id_written`` where the table keeps it
    (some number names nothing), else ``invoice_id_raw``."""
    return inv["invoice_id_written"] if "invoice_id_written" in inv else inv["invoice_id_raw"]


def _is_typed(df: pd.DataFrame, what: str) -> bool:
    return all(c in df.columns for c in _TYPED_MARKS[what])


def _refuse_untyped(df: object, what: str, helper: str, reader: str) -> None:
    """A table given to a typed container must have been typed (by ``helper``
    or ``reader``): a raw one was taken, and deciding it failed deep inside
    with a KeyError naming a column the typing makes (a review of 0.9.32)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a typed pandas DataFrame of {what}, not {type(df).__name__}")
    if not _is_typed(df, what):
        raise TypeError(
            f"this table of {what} was never typed: make it with invoicekit.{helper}(table) for a table in memory, "
            f"or invoicekit.{reader}(path) for a file"
        )


def _refuse_typed(df: pd.DataFrame, what: str, helper: str, container: str) -> None:
    """A typed frame given to be typed again would be read as raw cells: say
    what to do instead."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{helper} takes a pandas DataFrame of {what}, not {type(df).__name__}")
    if _is_typed(df, what):
        raise TypeError(
            f"this table of {what} is typed already (the .frame of an {container} object); pass the {container} "
            f"object itself, or {container}.concat([...]) to join several"
        )


# ---------------------------------------------------------------- invoices


def _named(columns: tuple[Column, ...], *names: str) -> tuple[Column, ...]:
    return tuple(c for c in columns if c.name in names)


def _kinds_from_unread(frame: pd.DataFrame, df: pd.DataFrame) -> None:
    """In ``df`` (the invoices' columns of ``frame``), where an invoice's document type is blank, a column the
    robot does not read whose cell says a credit note (:data:`~invoicekit.vocabulary.CREDIT_NOTE_SAID`) gives it; where its
    currency is blank, a column whose every filled cell is a currency code (the krone's as :data:`~invoicekit.vocabulary.KRONE_SAID`
    writes it) or an Excel error, one of them not the krone's (SAP's ``Crcy``), gives it. Under a name the robot does not read (``Type``, ``Dok.type``, ``Crcy``) a credit note of
    28,500 kr. was paid out as an invoice, and an amount in euro posted as kroner, unsaid (an attack on
    0.9.38). Nothing is looked at where every column is read."""
    for header in unread_columns(list(frame.columns), INVOICE_COLUMNS):
        cells = frame[header]
        if isinstance(cells, pd.DataFrame):
            continue  # a header given twice: canonical_columns says so if it is one it reads
        codes, distinct = pd.factorize(cells.fillna("").astype(str).str.strip().to_numpy(dtype=object))
        if not len(distinct):
            continue
        said = np.asarray(distinct, dtype=object)
        credit = np.array([CREDIT_NOTE_SAID.search(v.casefold()) is not None for v in said])[codes]
        upper = np.array([v.upper() for v in said], dtype=object)
        filled = upper[upper != ""]
        # a currency column: every filled cell a currency's code, the krone's, or an Excel error (a lookup that
        # found none: no currency known, which no DKK invoice is)
        known = CURRENCY_CODES | KRONE_SAID | EXCEL_ERRORS
        currency = len(filled) > 0 and all(v in known for v in filled) and any(v not in KRONE_SAID for v in filled)
        other = np.array([v != "" and v not in KRONE_SAID for v in upper])[codes]
        foreign = other if currency else np.zeros(len(codes), dtype=bool)
        for column, given in (("document_type", credit), ("currency", foreign)):
            take = given & df[column].fillna("").astype(str).str.strip().eq("").to_numpy(dtype=bool)
            if take.any():
                df[column] = df[column].mask(pd.Series(take, index=df.index), pd.Series(said[codes], index=df.index))


def read_invoices(path: str | Path) -> Invoices:
    """Read an invoice extract (CSV or xlsx) into the typed table the robot
    decides on: one row per input row, in input order."""
    raw = read_raw(path, in_parts=True)  # typed in the halves it was read in
    _refuse_lines_extract(raw.frame, path)
    _refuse_unread_periods(raw.frame, INVOICE_COLUMNS, path)
    dates = refuse_misread_file(raw, path, _named(INVOICE_COLUMNS, "period_start", "period_end", "invoice_date"))
    numeric_cpr = raw.numeric_cells(source_column(raw.frame, INVOICE_COLUMNS[3]))
    id_header = source_column(raw.frame, INVOICE_COLUMNS[0])
    raw.read_as_shown(id_header)  # OPUS finds the invoice by the number as shown: 0004711, not 4711
    df = canonical_columns(raw.frame, INVOICE_COLUMNS, path)
    _kinds_from_unread(raw.frame, df)
    numeric_id = raw.numeric_cells(id_header)
    lost_id = lost_digit_cells(arrow_text(df["invoice_id"]), numeric_id)
    refuse_lost_digits(path, id_header, df["invoice_id"], lost_id, "invoice numbers")
    # a number Excel made a date (4-3 typed, kept as 4 March) is read as 2019-03-04, which nobody wrote and OPUS
    # finds no invoice by: no number for sure, as one that lost its digits (an attack on 0.9.36)
    lost_id = lost_id | raw.dated_cells(id_header)
    typed = _typed_in_parts(
        df, misaligned=raw.misaligned, numeric_cpr=numeric_cpr, dates=dates, lost_id=lost_id, numeric_id=numeric_id
    )
    return Invoices(typed, unread=unread_columns(raw.frame.columns, INVOICE_COLUMNS))


def _refuse_lines_extract(df: pd.DataFrame, source: str | Path) -> None:
    """Refuse an invoice extract with a column of line numbers: the invoice
    lines extract (``--invoice-lines``; ``convert --lines-out`` writes it), a
    row a line, given as the invoices. Its lines hold every column an invoice
    needs but not their invoice's type, currency or prepayment, and a credit
    note's line was paid as an invoice (an attack on 0.9.36)."""
    header = source_column(df, INVOICE_LINE_COLUMNS[2])
    if header is not None:
        raise InputError(
            source,
            str(header),
            "is a column of invoice line numbers, as the invoice lines extract has (a row a line, without its "
            "invoice's document type, currency or prepayment); expected the invoice extract, a row an invoice: "
            "give this file as --invoice-lines beside it",
        )


#: rows from which an extract is typed in two halves, one on each core
PARTS_FROM = 100_000


def _typed_in_parts(
    df: pd.DataFrame,
    misaligned: dict[int, int] | None,
    numeric_cpr: np.ndarray | None,
    dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None,
    parts_from: int | None = None,
    lost_id: np.ndarray | None = None,
    numeric_id: np.ndarray | None = None,
) -> pd.DataFrame:
    """:func:`_typed_invoices` of a large extract as two halves typed side by
    side: each row is typed from its own cells alone, and most of the work is
    arrow's and numpy's, which let go of the interpreter. The halves are put
    together in input order and ``row`` numbered again, so the table is the
    one typing it whole gives (``tests/test_extracts.py`` checks it). A
    file read in two parts is split where the second part starts
    (:func:`_second_part_at`), else in the middle."""
    n = len(df)
    if n < max(PARTS_FROM if parts_from is None else parts_from, 2):
        return _typed_invoices(
            df, misaligned=misaligned, numeric_cpr=numeric_cpr, dates=dates, lost_id=lost_id, numeric_id=numeric_id
        )

    def part(start: int, stop: int) -> pd.DataFrame:
        return _typed_invoices(
            df.iloc[start:stop].reset_index(drop=True),
            misaligned={r - start: c for r, c in (misaligned or {}).items() if start < r <= stop},
            numeric_cpr=numeric_cpr[start:stop] if numeric_cpr is not None else None,
            dates={k: tuple(a[start:stop] for a in v) for k, v in dates.items()} if dates is not None else None,
            lost_id=lost_id[start:stop] if lost_id is not None else None,
            numeric_id=numeric_id[start:stop] if numeric_id is not None else None,
        )

    half = _second_part_at(df) or n // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.submit(part, 0, half), pool.submit(part, half, n)
        parts = [first.result(), second.result()]
        typed = pd.concat(parts, ignore_index=True)
        typed["row"] = np.arange(1, n + 1, dtype=np.int64)
        typed = _optional_columns_filled(typed)
        # each text column joined into one array once, here in the typing: pandas
        # leaves it in the halves' two pieces, and each later use would join them
        # again; the columns are joined on both cores (arrow copies without the interpreter)
        names = [name for name in typed.columns if is_arrow_text(typed[name])]
        joined = list(pool.map(lambda name: arrow_text(typed[name]), names))
    for name, values in zip(names, joined, strict=True):
        typed[name] = pd.Series(values, dtype=typed[name].dtype, copy=False)
    return typed


def _optional_columns_filled(typed: pd.DataFrame) -> pd.DataFrame:
    """Typed invoice tables put together (two halves, or several extracts),
    where only some held the columns made only when needed: the numbers as
    written (the others' are as written), and the flags of numbers a
    workbook lost digits of or held as numbers (the others' hold none)."""
    if "invoice_id_written" in typed:
        typed["invoice_id_written"] = typed["invoice_id_written"].fillna(typed["invoice_id_raw"])
    for name in ("invoice_id_lost", "invoice_id_numeric"):
        if name in typed:
            typed[name] = typed[name].astype(object).fillna(False).astype(bool)
    return typed


def _second_part_at(df: pd.DataFrame) -> int | None:
    """The row where the second part starts, when the columns held in
    pieces are each held in the two parts of a file read in two
    (:func:`invoicekit.readers.read_raw`): typed apart, each part's cells
    are taken as they are, where a split elsewhere copies the cut columns."""
    starts = set()
    for name in df.columns:
        if not is_arrow_text(df[name]):
            continue
        values = pa.array(df[name])  # no copy: one chunk as an array, more as a chunked array
        if isinstance(values, pa.ChunkedArray) and values.num_chunks > 1:
            if values.num_chunks > 2:
                return None
            starts.add(len(values.chunk(0)))
    at = starts.pop() if len(starts) == 1 else 0
    return at if 0 < at < len(df) else None


def prepare_invoices(
    df: pd.DataFrame, misaligned: dict[int, int] | None = None, numeric_cpr: np.ndarray | None = None
) -> Invoices:
    """Type an invoice table held in memory (canonical or Danish headers), as
    :func:`read_invoices` types a file: for notebooks and tests that write
    small tables inline. See :func:`_typed_invoices` for the columns."""
    _refuse_typed(df, "invoices", "prepare_invoices", "Invoices")
    _refuse_lines_extract(df, "invoices")
    # what the cells were (numbers, floats too long to hold every digit) is seen before the columns are
    # mapped, which makes every cell text; the mapping is made once, here, as read_invoices makes it
    mapped = canonical_columns(df, INVOICE_COLUMNS, "invoices")
    _kinds_from_unread(df, mapped)
    typed = _typed_invoices(
        mapped,
        misaligned=misaligned,
        numeric_cpr=numeric_cells(df, INVOICE_COLUMNS[3]) if numeric_cpr is None else numeric_cpr,
        lost_id=_lossy_float_cells(df, INVOICE_COLUMNS[0]),
        numeric_id=numeric_cells(df, INVOICE_COLUMNS[0]),
    )
    return Invoices(typed, unread=unread_columns(df.columns, INVOICE_COLUMNS))


def _typed_invoices(
    df: pd.DataFrame,
    misaligned: dict[int, int] | None = None,
    numeric_cpr: np.ndarray | None = None,
    dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    lost_id: np.ndarray | None = None,
    numeric_id: np.ndarray | None = None,
    amounts_name_currency: bool = True,
) -> pd.DataFrame:
    """The typed invoice table (``amounts_name_currency``: :func:`_add_amounts_currency`, for invoices; a line
    whose amount cell names a currency is a line whose amount cannot be read, as its message says).

    Columns: ``row``, ``invoice_id`` (any CPR number in it
    masked), ``invoice_id_raw`` (blank where it names nothing: no letter or
    digit), ``invoice_id_written`` (only when some number names nothing: every
    number as written, for OPUS), ``invoice_id_lost`` (only when some number
    was a workbook's number cell too long to keep every digit: which),
    ``invoice_id_numeric`` (only when some number was a workbook's number
    cell, or a number in memory: which), ``supplier_cvr`` (compact when valid, else as
    given with any CPR number in it masked), ``cvr_valid``, ``amount`` (1/10,000 DKK),
    ``amount_ok``, ``amount_raw`` (the cell as given where it could not be
    read), ``cpr`` (the one valid CPR, else blank),
    ``cpr_count`` (distinct valid CPR numbers), ``cpr_all`` (all of them,
    ``;``-joined), ``cpr_invalid`` (a filled cell held an invalid part),
    ``cpr_invalid_masked``, ``cpr_invalid_fault`` (what is wrong with it, in Danish), ``period_start``, ``period_end``, ``period_source``
    (``columns``, ``text`` or blank), ``period_unreadable`` (date cells that
    could not be read), ``text``, ``invoice_date``, ``supplier_name``,
    ``fields`` (the number of fields of a CSV row that did not match the
    header, else 0).

    ``invoice_id``, ``invoice_id_raw``, ``invoice_key``, ``supplier_cvr``,
    ``document_type``, ``text`` and ``supplier_name`` are held in arrow
    (pandas' ``str``): the robot passes them on as they are, hashes them as
    arrow, or never reads them. The other texts are Python objects.

    ``numeric_cpr`` marks CPR cells that were numbers in a workbook; a leading
    zero Excel dropped there is put back. Nothing else is padded. ``dates``:
    date columns read already (:func:`_read_dates`). ``lost_id`` marks
    invoice numbers that were numbers of over 15 digits in a workbook, which
    have lost their last digits (:func:`lost_digit_cells`); in memory, floats
    of 16 digits or more (:func:`_lossy_float_cells`).
    """
    n = len(df)
    if numeric_cpr is None:
        numeric_cpr = np.zeros(n, dtype=bool)
    if lost_id is None:
        lost_id = np.zeros(n, dtype=bool)
    if numeric_id is None:
        numeric_id = np.zeros(n, dtype=bool)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out["row"] = np.arange(1, n + 1, dtype=np.int64)
    # for OPUS and Sensum only: it may be anything the supplier wrote
    raw_ids = _trimmed(df["invoice_id"])
    # an Excel error value (#N/A of a lookup that found nothing) is no number: blank (check 1)
    error = pc.is_in(raw_ids, value_set=_EXCEL_ERRORS_ARROW.cast(raw_ids.type))
    if pc.any(error).as_py():
        raw_ids = pc.if_else(error, pa.scalar("", raw_ids.type), raw_ids)
    # a guarded number is the number after the ': else check 10 took it for another invoice
    raw_ids = unguarded_cells(raw_ids)
    # a line break inside a number is a space, as convert reads an e-invoice's (XML's identifiers): OPUS and
    # Sensum read their import a line at a time, and 0.9.29 split the row in two (an attack). Its key is the
    # same (check 10 drops white space): F-1⏎2 after F-12, or before it, is the invoice seen
    raw_ids = one_line(raw_ids)
    # the number as the supplier wrote it: what OPUS finds the invoice by (its note), and people read
    written = raw_ids
    # a number of no letter or digit (``-``, ``'``, a zero-width space) names no invoice: blank to
    # the checks (check 1), so never posted to OPUS under a number nobody can tell from another
    nameless = pc.invert(names_something_cells(raw_ids))
    if lost_id.any():  # a number Excel could not hold to the last digit names no invoice for sure either
        nameless = pc.or_(nameless, pa.array(lost_id))
        out["invoice_id_lost"] = lost_id  # only then: check 1's message says why
    if pc.any(nameless).as_py():
        # the numbers as written kept beside, only then (nearly never: no copy of a million numbers)
        out["invoice_id_written"] = _texts(written)
        raw_ids = pc.if_else(nameless, pa.scalar("", raw_ids.type), raw_ids)
    out["invoice_id_raw"] = _texts(raw_ids)
    if numeric_id.any():  # a workbook's number cell drops leading zeros: check 10 pads it against older runs
        out["invoice_id_numeric"] = numeric_id
    # the numbers are worked on whole-column in arrow, not made distinct
    # first: hashing half a million numbers costs more than what follows.
    # What people read: a CPR number used as invoice number is masked like
    # any other (the cells as written, not copied, where none is)
    out["invoice_id"] = _texts(mask_cprs_in_arrow(written))
    # what check 10 compares: the number as written, normalised (never the
    # masked form); arrow, as decide hashes it
    out["invoice_key"] = _texts(normalise_numbers_arrow(raw_ids))

    # a few thousand suppliers: each distinct cell is read, checked and keyed once
    cvr_codes, cvr_cells = distinct_texts(df["supplier_cvr"], strip=True)
    u_cvr = cvr_column(_arrow_series(cvr_cells)).to_numpy(dtype=object)
    u_shown = u_cvr.copy()
    if (u_cvr == "").any():
        # on one line, as OPUS's note shows it: a CPR number written over two lines is one, and masked (a review)
        invalid = one_line(cvr_cells.filter(pa.array(u_cvr == "")))
        u_shown[u_cvr == ""] = mask_cprs_in(_arrow_series(invalid)).to_numpy()
    shown = pa.array(u_shown, type=pa.large_string())
    if len(shown) and pc.all(pc.equal(shown, cvr_cells.cast(pa.large_string()))).as_py():
        shown_cvr = _cells_of_rows(df["supplier_cvr"], cvr_codes, cvr_cells)  # as written (nearly always)
    else:
        shown_cvr = shown.take(pa.array(cvr_codes))
    out["supplier_cvr"] = _texts(shown_cvr)
    out["cvr_valid"] = (u_cvr != "")[cvr_codes]
    out["cvr_key"] = digits_key(u_cvr)[cvr_codes] if len(u_cvr) else np.zeros(n, dtype=np.int64)

    units, ok, _blank = parse_amounts(df["amount"], max_decimals=2)
    fields = np.zeros(n, dtype=np.int64)
    for r, count in (misaligned or {}).items():
        fields[r - 1] = count
    ok = ok & (fields == 0)  # a row with the wrong number of fields: its amount cannot be trusted
    out["amount"] = units
    out["amount_ok"] = ok
    amount_raw = np.full(n, "", dtype=object)
    if (~ok).any():
        # an amount's shape with thousands separators is shown as amounts are (1.507.8xx.xxx,xx) before it is
        # masked, which since 0.9.31 reads such a number as a CPR number's (150780-xxxx,00)
        written = df["amount"][~ok].str.strip()
        written = written.map(lambda c: shown_amount_cell(c) if CPR_THOUSANDS.search(c) else c)
        cells = mask_cprs_in(written).to_numpy(dtype=object)
        amount_raw[~ok] = [shown_amount_cell(c) for c in cells]  # few: the cells that are no amount
    out["amount_raw"] = _objects(amount_raw)
    out["fields"] = fields

    if numeric_cpr.any():
        cpr_codes, cpr_cells = distinct_texts(padded_cpr_cells(df["cpr"], numeric_cpr))
    else:
        cpr_codes, cpr_cells = distinct_texts(df["cpr"], strip=True)
    period = _read_dates(df, "period_start", dates), _read_dates(df, "period_end", dates)
    # texts repeat too (a citizen's invoice each month): each distinct text of
    # the rows whose CPR cell or period is blank is searched for CPR numbers
    # and a period once; the other rows' texts are not looked at
    texts = _Texts(df["text"])
    cpr_blank = pc.equal(cpr_cells, "").to_numpy(zero_copy_only=False)[cpr_codes]
    texts.look_at((cpr_blank | _period_wanted(*period)) & texts.filled)
    _add_invoice_cprs(out, cpr_codes, cpr_cells, texts)
    _add_invoice_periods(out, df, texts, *period)

    _add_document_type(out, df["document_type"])
    _add_currency_and_prepaid(out, df["currency"], df["prepaid_amount"])
    if amounts_name_currency:
        _add_amounts_currency(out, amount_raw)

    out["text"] = _texts(texts.column)
    inv_date, _, _ = _read_dates(df, "invoice_date", dates)
    out["invoice_date"] = inv_date
    out["supplier_name"] = _texts(_trimmed(df["supplier_name"]))
    return out


def unguarded_cells(cells: pa.Array) -> pa.Array:
    """Numbers a spreadsheet-safe writer guarded (``'-SOL-77``, as ``convert``
    writes ``-SOL-77``, or ``'-1001``, a grant id in ``sensum_paid.csv``) as
    the number after the ``'``, as Excel reads them; the cells themselves
    where none is guarded."""
    guarded = pc.match_substring_regex(cells, GUARDED_CELL_RE2)
    if pc.any(guarded).as_py():
        return pc.if_else(guarded, pc.utf8_slice_codeunits(cells, 1), cells)
    return cells


#: a whole number of more digits than the 15 a spreadsheet's number cell keeps exactly
_TOO_LONG_FOR_A_NUMBER_CELL = r"^-?[0-9]{16,}$"


#: a number as a spreadsheet shows one too wide for its column, saved so into a CSV
#: (``1,23457E+16``, ``1.23457E+16``): six digits of it are left
_EXCEL_EXPONENT = r"^[0-9][.,][0-9]+[Ee]\+[0-9]{2}$"


def shows_lost_digits(invoice_ids) -> np.ndarray:
    """Which invoice numbers, as check 1 left them in the decisions, are a
    workbook's number cell of over 15 digits or a number saved as Excel
    shows it (``1,23457E+16``): a fault of the extract's making, not the
    supplier's. Only such a number has digits alone past 15 and is check 1's
    (a number of text cells is posted whatever its length)."""
    cells = arrow_text(np.asarray(invoice_ids, dtype=object))
    return lost_digit_cells(cells, np.ones(len(cells), dtype=bool))  # held as a number cell, or none of it is left


def lost_digit_cells(cells: pa.Array, numeric: np.ndarray) -> np.ndarray:
    """Which cells were numbers in a workbook (``numeric``) with more digits
    than Excel keeps (15): Excel stores a number in 15 significant digits and
    sets the rest to 0 (``12345678901234567`` is kept as
    ``12345678901234500``), so the digits read are not the ones written. And
    any cell a spreadsheet saved as it shows a number too wide for its column
    (``1,23457E+16``: a review found an invoice number so posted)."""
    lost = pc.fill_null(pc.match_substring_regex(cells, _EXCEL_EXPONENT), False).to_numpy(zero_copy_only=False)
    if not numeric.any():
        return lost
    long = pc.fill_null(pc.match_substring_regex(cells, _TOO_LONG_FOR_A_NUMBER_CELL), False)
    return lost | (numeric & long.to_numpy(zero_copy_only=False))


def _lossy_float_cells(df: pd.DataFrame, column: Column) -> np.ndarray:
    """Cells of an in-memory table that are floats of 16 digits or more
    before the point (as a workbook's number cells are read): such a float
    holds 15 to 17 of them exactly. An integer column is exact."""
    name = source_column(df, column)
    if name is None:
        return np.zeros(len(df), dtype=bool)
    values = df[name]
    if pd.api.types.is_float_dtype(values.dtype):
        return (values.abs() >= 1e15).fillna(False).to_numpy(dtype=bool)
    if values.dtype != object:
        return np.zeros(len(df), dtype=bool)
    return np.array([isinstance(v, float) and abs(v) >= 1e15 for v in values], dtype=bool)


def names_something_cells(cells: pa.Array) -> pa.BooleanArray:
    """Whether each cell holds a letter or a digit a reader sees
    (:data:`~invoicekit.vocabulary.NAMES_SOMETHING_RE2`; a null cell names
    nothing). The invisible characters are taken out only where a cell
    holds one: nearly never."""
    hidden = pc.fill_null(matches_regex(cells, IGNORABLE_RE2), False)
    if pc.any(hidden).as_py():
        cells = pc.if_else(hidden, pc.replace_substring_regex(cells, IGNORABLE_RE2, ""), cells)
    return pc.fill_null(matches_regex(cells, NAMES_SOMETHING_RE2), False)


def _cells_of_rows(values: pd.Series, codes: np.ndarray, cells: pa.Array) -> pa.Array:
    """Each row's cell, ``cells.take(codes)`` (``codes`` and ``cells`` as
    :func:`distinct_texts` gives them, trimmed): the column itself, not
    copied, where trimming changed no cell (nearly always). A cell trimmed
    is shorter than the cell, so the same number of bytes in all means no
    cell was."""
    column = text_array(values)
    if len(column) and pc.sum(pc.binary_length(column)).as_py() == int(
        pc.binary_length(cells).to_numpy(zero_copy_only=False)[codes].sum()
    ):
        return column
    return cells.take(pa.array(codes))


def _trimmed(values: pd.Series) -> pa.Array:
    """Each row's cell trimmed, as :func:`distinct_texts` with ``strip=True``
    gives its cells, without hashing the column: the column itself, not
    copied, where trimming changes no cell (nearly always; a cell trimmed
    is shorter, so the same number of bytes in all means none was)."""
    if not is_arrow_text(values):
        return text_array(values.str.strip())  # Python's strip, as pandas does for such a column
    column = text_array(values)
    trimmed = pc.utf8_trim_whitespace(column)
    if pc.sum(pc.binary_length(trimmed)).as_py() == pc.sum(pc.binary_length(column)).as_py():
        return column
    return trimmed


def _python_texts(cells: pa.Array) -> np.ndarray:
    """Arrow text as an object array of Python strings."""
    return np.asarray(cells.to_numpy(zero_copy_only=False), dtype=object)


def _arrow_series(cells: pa.Array) -> pd.Series:
    """Arrow text as a pandas text Series, without a copy."""
    return pd.Series(cells, dtype="str")


def _add_document_type(out: pd.DataFrame, cells: pd.Series) -> None:
    """``document_type``: ``invoice`` (also when blank), ``credit_note``, or
    ``other`` with the cell as written (masked) in ``document_type_raw``."""
    codes, uniques = distinct_texts(cells, strip=True)
    raw = pd.Series(_python_texts(uniques), dtype=object).fillna("").astype(str)
    key = raw.map(document_type_key)  # each distinct cell once
    kind = key.map(DOCUMENT_TYPES).astype(object)
    kind = kind.where(kind.notna(), "other").to_numpy(dtype=object).copy()
    kind[(raw == "").to_numpy()] = INVOICE
    shown = np.full(len(raw), "", dtype=object)
    other = kind == "other"
    if other.any():
        shown[other] = mask_cprs_in(raw[other]).str.slice(0, 60).to_numpy(dtype=object)
    kind_a = pa.array(kind if len(kind) else [INVOICE], type=pa.large_string())
    out["document_type"] = _texts(kind_a.take(pa.array(codes if len(kind) else np.zeros(len(cells), np.int64))))
    out["document_type_raw"] = _objects(shown[codes] if len(shown) else np.full(len(cells), "", dtype=object))


def _add_currency_and_prepaid(out: pd.DataFrame, currency: pd.Series, prepaid: pd.Series) -> None:
    """``currency`` (blank means DKK; ``currency_ok`` where it is DKK) and
    ``prepaid`` (1/10,000 DKK, blank means 0; ``prepaid_ok`` False where the
    cell is not an amount)."""
    codes, uniques = distinct_texts(currency, strip=True)
    cur = pd.Series(_python_texts(_upper(uniques, currency)), dtype=object).fillna("").astype(str)
    cur = cur.where(cur != "", "DKK")
    # as people read it: nine digits or more kept to five, as the message shows a cell (a CPR number without its
    # leading zero was shown whole in the fix list, explain and the journal: a review of 0.9.43)
    shown = mask_cprs_in(cur).map(shown_amount_cell).str.slice(0, 20).to_numpy(dtype=object)
    n = len(currency)
    out["currency_ok"] = (cur == "DKK").to_numpy()[codes] if len(cur) else np.ones(n, dtype=bool)
    out["currency"] = _objects(shown[codes] if len(cur) else np.full(n, "DKK", dtype=object))
    prepaid_codes, prepaid_cells = distinct_texts(prepaid, strip=True)
    blank = pc.equal(prepaid_cells, "").to_numpy(zero_copy_only=False)[prepaid_codes]
    if blank.all():
        out["prepaid"], out["prepaid_ok"] = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
        return
    units, ok, _blank = parse_amounts(prepaid, max_decimals=2)
    out["prepaid"] = units
    out["prepaid_ok"] = ok | blank


#: an amount cell that names its currency, as a workbook's number format shows one (``28500 EUR``, read as
#: shown by :func:`~invoicekit.readers.format_currency`) or as a supplier writes it (``EUR 1.000,00``)
_AMOUNT_IN_CURRENCY = re.compile(r"\s*(?:([A-Za-z]{3})\s*)?[-+]?[0-9][0-9.,' ]*?(?:\s*([A-Za-z]{3}))?\s*")


def currency_in_amount(cell: str) -> str | None:
    """The currency other than the krone that an amount cell names beside its number (``EUR`` of ``28500 EUR``
    or ``EUR 1.000,00``), None for any other cell."""
    m = _AMOUNT_IN_CURRENCY.fullmatch(cell)
    if m is None or bool(m[1]) == bool(m[2]):
        return None
    code = (m[1] or m[2]).upper()
    return code if code in CURRENCY_CODES else None


def _add_amounts_currency(out: pd.DataFrame, amount_raw: np.ndarray) -> None:
    """Where the currency cell is blank (read as DKK) and the amount cell, which is no amount in kroner
    (``amount_raw``: blank where it is), names another currency, ``currency`` says that currency and
    ``currency_ok`` is False: the robot holds the invoice for its amount either way, and the journal keeps
    its currency, so that the follow-up, the types' table and the run's summary count it as in another
    currency, not in neither its kroner nor its other currencies (reviews of 0.9.43)."""
    for row in np.flatnonzero(amount_raw != ""):
        code = currency_in_amount(str(amount_raw[row]))
        if code is not None and out["currency"].iat[row] == "DKK":
            out.iloc[row, out.columns.get_loc("currency")] = code
            # no DKK invoice: check 8 holds it for its amount all the same, and says so first
            out.iloc[row, out.columns.get_loc("currency_ok")] = False


def _upper(cells: pa.Array, values: pd.Series) -> pa.Array:
    """``.str.upper()`` of the distinct ``cells`` of ``values``, as pandas
    makes it for such a column (arrow's, else Python's)."""
    if is_arrow_text(values):
        return pc.utf8_upper(cells)
    return pa.array([c.upper() for c in cells.to_pylist()], type=cells.type)


class _Texts:
    """A column of free text: ``column`` (arrow, blank where missing),
    ``filled`` (the row's text is not empty), and the distinct texts of the
    rows :meth:`look_at` names: ``cells`` (arrow) and ``codes`` (each of
    those rows' index into ``cells``). :meth:`other_digits` looks at the
    texts once however often it is asked."""

    def __init__(self, values: pd.Series) -> None:
        self.column = text_array(values)
        self.filled = pc.greater(pc.binary_length(self.column), 0).to_numpy(zero_copy_only=False)
        self._looked = np.zeros(len(self.column), dtype=bool)
        self.look_at(self._looked)

    def look_at(self, rows: np.ndarray) -> None:
        """Make the distinct texts of ``rows`` (a mask) the ones
        :meth:`distinct` takes its texts from: the other rows' texts are
        never hashed."""
        self._looked = rows
        encoded = pc.dictionary_encode(self.column.filter(pa.array(rows)))
        self.cells = encoded.dictionary
        self.codes = np.zeros(len(self.column), dtype=np.int64)
        self.codes[rows] = encoded.indices.to_numpy(zero_copy_only=False)
        self._odd = None

    def distinct(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct texts of ``rows`` (indices into ``cells``, ascending)
        and, for each row, its text's place among them. ``rows`` are among
        the rows looked at."""
        if not self._looked[rows].all():
            raise ValueError("the texts of these rows were not looked at")
        wanted = np.zeros(len(self.cells), dtype=bool)
        wanted[self.codes[rows]] = True
        which = np.flatnonzero(wanted)
        place = np.cumsum(wanted) - 1
        return which, place[self.codes[rows]]

    def other_digits(self, which: np.ndarray) -> np.ndarray:
        """Whether each of the texts ``which`` holds digits other than 0-9."""
        if self._odd is None:
            self._odd = other_digit_texts(self.cells)
        return self._odd[which]


def _add_invoice_cprs(out: pd.DataFrame, codes: np.ndarray, cells: pa.Array, texts: _Texts) -> None:
    """The CPR numbers of each invoice, from the CPR cells trimmed, given as
    each row's code into the distinct ``cells``, else from the text. Each
    distinct cell and text is worked out once (most invoices share their cell
    with others of the same citizen)."""
    n = len(codes)
    uniques = _python_texts(cells)
    m = len(uniques)
    u_cpr = np.full(m, "", dtype=object)
    u_count = np.zeros(m, dtype=np.int64)
    u_all = np.full(m, "", dtype=object)
    u_invalid = np.zeros(m, dtype=bool)
    u_masked = np.full(m, "", dtype=object)
    u_fault = np.full(m, "", dtype=object)
    u_series = _arrow_series(cells)
    filled = (u_series != "").to_numpy()
    multi = filled & u_series.str.contains(CPR_SEPARATOR_CLASS, regex=True).to_numpy()
    single = filled & ~multi
    valid = cprs_of_cells(cells.filter(pa.array(single)))  # distinct already: not hashed again
    is_ok = valid != ""
    idx = np.flatnonzero(single)
    u_cpr[idx[is_ok]] = valid[is_ok]
    u_all[idx[is_ok]] = valid[is_ok]
    u_count[idx[is_ok]] = 1
    u_invalid[idx[~is_ok]] = True
    u_masked[idx[~is_ok]] = [_mask_raw(v) for v in uniques[idx[~is_ok]]]
    u_fault[idx[~is_ok]] = [_cpr_fault(v) for v in uniques[idx[~is_ok]]]
    # cells of several numbers: split in Python, set whole-column (not one
    # array item at a time)
    multi_idx = np.flatnonzero(multi)
    split = split_cpr_cells(uniques[multi_idx])
    goods = [list(dict.fromkeys(good)) for good, _bad in split]
    u_count[multi_idx] = [len(good) for good in goods]
    u_all[multi_idx] = _object_array([";".join(good) for good in goods])
    u_cpr[multi_idx] = _object_array([good[0] if len(good) == 1 else "" for good in goods])
    with_bad = [i for i, (_good, bad) in enumerate(split) if bad]
    u_invalid[multi_idx[with_bad]] = True
    u_masked[multi_idx[with_bad]] = _object_array([";".join(_mask_raw(b) for b in split[i][1]) for i in with_bad])
    # of several numbers, the fault of each said only where one is invalid
    u_fault[multi_idx[with_bad]] = _object_array(
        [_cpr_fault(split[i][1][0]) if len(split[i][1]) == 1 else "" for i in with_bad]
    )
    cpr, count, cpr_all = u_cpr[codes], u_count[codes], u_all[codes]
    key = digits_key(u_cpr)[codes] if m else np.zeros(n, dtype=np.int64)

    # a blank cell: every valid CPR in the free text
    from_text = ~filled[codes] & texts.filled if m else np.zeros(n, dtype=bool)
    if from_text.any():
        rows = np.flatnonzero(from_text)
        which, place = texts.distinct(rows)
        t_cpr, t_count, t_all, t_key = _cprs_in_texts(texts.cells.take(pa.array(which)), texts.other_digits(which))
        hit = (t_count > 0)[place]
        rows, place = rows[hit], place[hit]
        cpr[rows], count[rows], cpr_all[rows], key[rows] = t_cpr[place], t_count[place], t_all[place], t_key[place]
    out["cpr"] = _objects(cpr)
    out["cpr_key"] = key
    out["cpr_count"] = count
    out["cpr_all"] = _objects(cpr_all)
    out["cpr_invalid"] = u_invalid[codes]
    out["cpr_invalid_masked"] = _objects(u_masked[codes])
    out["cpr_invalid_fault"] = _objects(u_fault[codes])


def cprs_in_texts(texts: object) -> np.ndarray:
    """Every valid CPR number each text names, as ``cpr_all`` holds an
    invoice's (``;``-joined, each once, in the order they stand; ``""`` for
    none): read as the text of an invoice whose CPR cell is blank is read."""
    arr = pc.fill_null(arrow_text(texts, pa.large_string()), "")
    return _cprs_in_texts(arr, other_digit_texts(arr))[2]


def _cprs_in_texts(texts: pa.Array, odd: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every valid CPR number in each text: ``(cpr, count, all, key)`` as the
    typed table has them (``odd``: the texts with digits other than 0-9). The
    candidates found by the pattern are validated together, whole-column."""
    n = len(texts)
    cpr = np.full(n, "", dtype=object)
    cpr_all = np.full(n, "", dtype=object)
    count = np.zeros(n, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    owner, found = _text_cpr_candidates(np.arange(n), texts, odd)
    if len(found):
        checked, keys = cpr_keys(_arrow_series(found))
        hit = checked != ""
        owner, checked, keys = owner[hit], checked[hit], keys[hit]
        # most texts have one valid number: set whole-column; the rest one by one
        per_text = np.bincount(owner, minlength=n) if len(owner) else np.zeros(n, dtype=np.int64)
        one = per_text[owner] == 1
        single_texts, single = owner[one], checked[one]
        cpr[single_texts] = single
        cpr_all[single_texts] = single
        count[single_texts] = 1
        key[single_texts] = keys[one]
        # each text's numbers once, in the order they stand (a dict: a text naming thousands of
        # citizens was otherwise searched for each of them, the square of them)
        several: dict[int, dict[str, None]] = {}
        for i, number in zip(owner[~one].tolist(), checked[~one], strict=True):
            several.setdefault(i, {})[number] = None
        for i, distinct in several.items():
            numbers = list(distinct)
            _set_cprs(i, numbers, cpr, count, cpr_all)
            key[i] = int(numbers[0]) if len(numbers) == 1 else 0
    return cpr, count, cpr_all, key


def _text_cpr_candidates(
    rows: np.ndarray, texts: np.ndarray, odd: np.ndarray | None = None
) -> tuple[np.ndarray, pa.Array]:
    """Every match of the CPR pattern in each text, as ``(owner rows,
    numbers)`` (the numbers as arrow text, each text's in the order they
    stand). A text with one candidate is read whole-column (RE2); texts with
    more, or with digits other than 0-9 (``odd``, when known already), go
    through the Python pattern, so the result is the same as matching every
    text in Python."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64), pa.array([], type=pa.large_string())
    arr, texts = arrow_texts(texts)
    loose = counts_regex(arr, CPR_LOOSE_RE2).to_numpy(zero_copy_only=False)
    if odd is None:
        odd = other_digit_texts(arr)
    one = (loose == 1) & ~odd
    owners: list[np.ndarray] = []
    found: list[pa.Array] = []
    if one.any():
        idx = np.flatnonzero(one)
        g = pc.extract_regex(arr.take(pa.array(idx)), CPR_BOUNDED_RE2)
        ok = g.is_valid()
        owners.append(np.asarray(rows)[idx[ok.to_numpy(zero_copy_only=False)]])
        found.append(pc.replace_substring_regex(g.field("cpr").filter(ok), r"\D", "").cast(pa.large_string()))
    owner: list[int] = []
    numbers: list[str] = []
    for i in np.flatnonzero(~one & ((loose > 0) | odd)):
        for match in CPR_PATTERN.finditer(texts[i]):
            owner.append(int(rows[i]))
            numbers.append(cpr_digits(match.group()))
    owners.append(np.array(owner, dtype=np.int64))
    found.append(pa.array(numbers, type=pa.large_string()))
    return np.concatenate(owners).astype(np.int64), pa.concat_arrays(found)


def _object_array(texts: list[str]) -> np.ndarray:
    """Python strings as a one-dimensional object array, to set many items at once."""
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out


def _set_cprs(i: int, numbers: list[str], cpr, count, cpr_all) -> None:
    count[i] = len(numbers)
    cpr_all[i] = ";".join(numbers)
    if len(numbers) == 1:
        cpr[i] = numbers[0]


def _mask_raw(value: str) -> str:
    return masked_cpr(compact_cpr(value))


def _cpr_fault(value: str) -> str:
    """What is wrong with an invalid CPR number, from the number as written (its masked form, always
    ``DDMMYY-xxxx``, cannot tell: seven digits read as a birth date that does not exist)."""
    compact = compact_cpr(value)
    if not (compact.isascii() and compact.isdigit()):
        return "det indeholder andet end cifre"
    if len(compact) == 9 and value.strip().isdigit() and is_valid_cpr("0" + compact):
        # a number cell drops the leading 0 of a birth day 1-9 (a user review: blamed on the supplier alone)
        return "det har 9 cifre, ikke 10; med et 0 foran er det gyldigt: et regneark kan have fjernet nullet"
    if len(compact) != 10:
        return f"det har {len(compact)} cifre, ikke 10"
    shown = f"fødselsdatoen {compact[:2]}.{compact[2:4]}.{cpr_birth_year(compact)}"
    return f"{shown} ligger i fremtiden" if cpr_born_later(compact) else f"{shown} findes ikke"


def excel_number_cells(cells: pd.Series, digits: str) -> pd.Series:
    """Cells of a number as a person reads them where a CSV saved from Excel
    wrote it otherwise: without characters nobody sees, trimmed, without a
    leading ``'`` (Excel's mark of text) or the ``="…"`` of its text export,
    and without a ``.0`` or ``,0`` after a run of ``digits`` digits (a
    regular expression's count: ``"8"``, ``"9,10"``): for CPR and CVR cells
    read loosely where they can only hold an invoice back (a row left out, a
    paid mark)."""
    cells = cells.fillna("").astype(str).str.replace(CPR_INVISIBLE, "", regex=True).str.strip()
    cells = cells.str.replace(r'^="(.*)"$', r"\1", regex=True).str.strip().str.lstrip("'")
    return cells.str.replace(rf"^(\d{{{digits}}})[.,]0*$", r"\1", regex=True)


def padded_cpr_cells(cells: pd.Series, numeric: np.ndarray | None) -> pd.Series:
    """CPR cells trimmed; a cell that was a number in a workbook gets back the
    leading zero Excel dropped. Text is never padded."""
    cells = cells.str.strip()
    if numeric is None or not numeric.any():
        return cells
    short = numeric & cells.str.fullmatch(r"\d{1,9}").fillna(False).to_numpy()
    return cells.where(~short, cells.str.zfill(10))


def _objects(values) -> pd.Series:
    """Text held as Python objects: the robot indexes these by position, and
    pandas would otherwise convert them to arrow strings and back."""
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype=object)
    # not copied: every caller hands over an array of its own
    return pd.Series(np.asarray(values, dtype=object), dtype=object, copy=False)


def _texts(values: pd.Series | pa.Array) -> pd.Series:
    """Text held in arrow (pandas' ``str``, NaN where missing): the columns
    the robot mostly passes on to the result tables as they are."""
    return arrow_text(values, pa.large_string()).to_pandas(types_mapper=lambda _type: TEXT)


def digits_key(values) -> np.ndarray:
    """Whole-column: a number made of digits as int64 (0 where blank), used as
    a join key for CPR and CVR numbers."""
    arr = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    digits = pc.fill_null(pc.match_substring_regex(arr, r"^[0-9]{1,18}$"), False)
    arr = pc.if_else(digits, arr, "0")  # anything else (valid numbers are compact 0-9 already) joins nothing
    return pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False)


def _excel_errors(df: pd.DataFrame, columns: tuple[str, ...], flag) -> None:
    """``flag`` (mask, column, problem) the rows of ``df`` where one of
    ``columns`` holds one of Excel's error values (:data:`EXCEL_ERRORS`, a
    lookup that found nothing): never a value to post or match on."""
    for column in columns:
        cells, found = _error_cells(df[column])
        if not found.any():
            continue
        for value in sorted(set(cells.filter(pa.array(found)).to_pylist())):
            same = pc.equal(cells, pa.scalar(value, pa.large_string())).to_numpy(zero_copy_only=False)
            flag(found & same, column, f"cellen holder Excel-fejlværdien {value}")


def _error_cells(values: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """A column's cells trimmed (arrow text, blank where missing), and which hold one of Excel's error values
    (:data:`EXCEL_ERRORS`). A cell held as a number or a date holds none, and is read as blank. Trimmed as
    pandas trims a text column (arrow's white space), in arrow: a support sheet's few rows took 5 ms a table
    in pandas' steps, the most of a small run's reading of it."""
    if is_arrow_text(values):
        cells = pc.fill_null(arrow_text(values, pa.large_string()), "")
    else:
        cells = pa.array([v if isinstance(v, str) else "" for v in values.to_numpy(dtype=object)], pa.large_string())
    cells = pc.utf8_trim_whitespace(cells)
    return cells, pc.is_in(cells, value_set=_EXCEL_ERRORS_ARROW).to_numpy(zero_copy_only=False)


def _read_dates(
    df: pd.DataFrame, column: str, dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_dates` of a column, or what
    :func:`invoicekit.readers.refuse_misread_file` read of it already (the
    same cells: it looks at the file's date columns first)."""
    if dates is not None and column in dates:
        return dates[column]
    return parse_dates(df[column])


def _period_wanted(
    start: tuple[np.ndarray, np.ndarray, np.ndarray], end: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> np.ndarray:
    """The rows whose period is looked for in the text: a period cell is
    blank and neither cell is unreadable (``start`` and ``end``: what
    :func:`_read_dates` gives for the two columns)."""
    (_, start_ok, start_blank), (_, end_ok, end_blank) = start, end
    return (start_blank | end_blank) & (start_ok | start_blank) & (end_ok | end_blank)


def _add_invoice_periods(
    out: pd.DataFrame,
    df: pd.DataFrame,
    texts: _Texts,
    start: tuple[np.ndarray, np.ndarray, np.ndarray],
    end: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Period from the columns (``start`` and ``end``: what
    :func:`_read_dates` gives for them); a blank cell is filled from the one
    period written in the text, when the date in the other cell, if any, lies
    in that period. A cell that cannot be read is not replaced: the invoice
    then has no period, and the message names the cell."""
    need = _period_wanted(start, end) & texts.filled
    (start, start_ok, start_blank), (end, end_ok, end_blank) = start, end
    start, end = start.copy(), end.copy()  # filled in from the text below
    source = np.full(len(df), "", dtype=object)
    source[start_ok & end_ok] = "columns"
    unreadable = np.full(len(df), "", dtype=object)
    bad_start = ~start_ok & ~start_blank
    bad_end = ~end_ok & ~end_blank
    bad = np.flatnonzero(bad_start | bad_end)
    raw_start = df["period_start"].iloc[bad].tolist()
    raw_end = df["period_end"].iloc[bad].tolist()
    for i, s_cell, e_cell in zip(bad, raw_start, raw_end, strict=True):
        cells = [s_cell if bad_start[i] else "", e_cell if bad_end[i] else ""]
        # a cell of nine digits alone may be a CPR number a workbook's number cell dropped the
        # leading zero of (the CPR column pads it back): shown as an amount cell is (a PII scan)
        shown = [shown_amount_cell(c.strip()) if c.strip().isdigit() else c.strip() for c in cells]
        # joined by a word: " / " made ``kl. 12 / 01.03.2019`` read as a birth date, masked (a review of 0.9.23)
        unreadable[i] = mask_cpr_text(" og ".join(c for c in shown if c))
    rows = np.flatnonzero(need)
    which, place = texts.distinct(rows)
    f_start, f_end = period_from_texts(texts.cells.take(pa.array(which)), odd=texts.other_digits(which))
    f_start, f_end = f_start[place], f_end[place]
    hit = ~np.isnat(f_start)
    # a date written in one cell must lie in the text's period: 01.01.2019 and
    # "marts 2019" are no period (stitched, they would make January to March)
    given_start, given_end = ~start_blank[rows] & start_ok[rows], ~end_blank[rows] & end_ok[rows]
    with np.errstate(invalid="ignore"):
        hit &= ~given_start | ((start[rows] >= f_start) & (start[rows] <= f_end))
        hit &= ~given_end | ((end[rows] >= f_start) & (end[rows] <= f_end))
    if hit.any():
        rows, f_start, f_end = rows[hit], f_start[hit], f_end[hit]
        s_blank = start_blank[rows]
        e_blank = end_blank[rows]
        start[rows[s_blank]] = f_start[s_blank]
        end[rows[e_blank]] = f_end[e_blank]
        source[rows] = "text"
    out["period_start"] = start
    out["period_end"] = end
    out["period_source"] = _objects(source)
    out["period_unreadable"] = _objects(unreadable)


# ---------------------------------------------------------------- invoice lines


@dataclass(frozen=True)
class InvoiceLines:
    """The lines of collective invoices (``--invoice-lines``), typed once:
    what :func:`invoicekit.decide.decide` takes as ``lines``. ``frame`` has one
    row per line that names an invoice (the columns:
    :func:`_typed_invoice_lines`); ``problems`` the rows that do not, and the
    lines that cannot be trusted (kept in ``frame`` with ``usable`` False, so
    that their invoice goes to manual rather than being decided on the other
    lines). Made by :func:`read_invoice_lines`, or
    :func:`prepare_invoice_lines` from a table in memory."""

    frame: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=_no_problems)
    #: the file name the lines' problems carry
    source: str = "invoice_lines"

    def __len__(self) -> int:
        return len(self.frame)


def read_invoice_lines(path: str | Path) -> InvoiceLines:
    """Read an invoice-lines extract (CSV or xlsx): one row per line of a
    collective invoice; see :class:`InvoiceLines`."""
    raw = read_raw(path)
    _refuse_unread_periods(raw.frame, INVOICE_LINE_COLUMNS, path)
    refuse_misread_file(raw, path, _named(INVOICE_LINE_COLUMNS, "period_start", "period_end"))
    numeric_cpr = raw.numeric_cells(source_column(raw.frame, INVOICE_LINE_COLUMNS[3]))
    raw.read_as_shown(source_column(raw.frame, INVOICE_LINE_COLUMNS[0]))  # as the invoices' numbers are read
    df = canonical_columns(raw.frame, INVOICE_LINE_COLUMNS + INVOICE_LINE_CHECKED, path)
    problems = Problems()
    name = Path(path).name
    for r, count in raw.misaligned.items():
        problems.add(name, r, "", f"rækken har {count} felter, men overskriften har {len(raw.frame.columns)}")
    frame = _typed_invoice_lines(df, name, problems, misaligned=raw.misaligned, numeric_cpr=numeric_cpr)
    return InvoiceLines(frame, problems.frame(), name)


def prepare_invoice_lines(df: pd.DataFrame, source: str = "invoice_lines") -> InvoiceLines:
    """Type an invoice-lines table held in memory (canonical or Danish
    headers), as :func:`read_invoice_lines` types a file."""
    if isinstance(df, InvoiceLines) or (isinstance(df, pd.DataFrame) and "usable" in df.columns):
        raise TypeError("these invoice lines are typed already; pass the InvoiceLines object itself")
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"prepare_invoice_lines takes a pandas DataFrame of invoice lines, not {type(df).__name__}")
    numeric_cpr = numeric_cells(df, INVOICE_LINE_COLUMNS[3])
    problems = Problems()
    frame = _typed_invoice_lines(canonical_columns(df, INVOICE_LINE_COLUMNS + INVOICE_LINE_CHECKED, source), source, problems,
                                 numeric_cpr=numeric_cpr)  # fmt: skip
    return InvoiceLines(frame, problems.frame(), source)


def _typed_invoice_lines(
    df: pd.DataFrame,
    source: str,
    problems: Problems,
    misaligned: dict[int, int] | None = None,
    numeric_cpr: np.ndarray | None = None,
) -> pd.DataFrame:
    """The typed lines: each line typed as an invoice is
    (:func:`_typed_invoices`: CPR from the cell or the text, the period from
    the columns or the text, the amount), plus ``line_no`` (as written,
    trimmed), ``usable`` and ``row`` (the row in the lines file).

    A row without an invoice number or a valid supplier CVR names no invoice:
    it is left out and recorded in ``problems``. A row without a line number,
    with the wrong number of fields, or whose (supplier, invoice, line
    number) comes again, or that says it is in another currency than DKK,
    not an invoice line or prepaid, is recorded there too and kept with
    ``usable`` False: its invoice then cannot be decided on its lines."""
    # on one line, as the invoice numbers: a CPR number over two lines is one, and masked where it is shown
    line_no = _arrow_series(one_line(text_array(df["line_no"].str.strip()))).to_numpy(dtype=object)
    # the lines' columns as an invoice's, those a line has not blank (a projection: mapped on reading already)
    as_invoices = canonical_columns(df.drop(columns=["line_no"]), INVOICE_COLUMNS, source)
    typed = _typed_invoices(as_invoices, misaligned=misaligned, numeric_cpr=numeric_cpr, amounts_name_currency=False)
    rows = typed["row"].to_numpy()
    named = (typed["invoice_id_raw"] != "").to_numpy() & typed["cvr_valid"].to_numpy()
    problems.add_many(source, rows[(typed["invoice_id_raw"] == "").to_numpy()], "invoice_id", "fakturanummeret mangler")
    problems.add_many(
        source,
        rows[(typed["invoice_id_raw"] != "").to_numpy() & ~typed["cvr_valid"].to_numpy()],
        "supplier_cvr",
        "leverandørens CVR-nummer mangler eller er ugyldigt",
    )
    usable = np.ones(len(typed), dtype=bool)
    usable[[r - 1 for r in (misaligned or {})]] = False
    no_number = named & (line_no == "")
    problems.add_many(source, rows[no_number], "line_no", "linjenummeret mangler")
    usable &= ~no_number
    # line numbers compare as numbers where they are (1, 01 and 001 are one line), else in any case
    line_key = pd.Series(line_no, dtype=object).str.replace(r"^0+(?=\d+$)", "", regex=True).str.casefold()
    # the invoice's number as its lines are found by it (decide: check 10's way, digits alone by value)
    inv_key = value_keys(arrow_text(typed["invoice_key"])).to_numpy(zero_copy_only=False)
    key = pd.DataFrame({"cvr": typed["cvr_key"].to_numpy(), "inv": inv_key,
                        "line": line_key.to_numpy(dtype=object)})  # fmt: skip
    again = named & (line_no != "") & key.duplicated(keep=False).to_numpy()
    problems.add_many(source, rows[again], "line_no", "samme linjenummer står flere gange på fakturaen")
    usable &= ~again
    # a line is posted in DKK as part of its invoice: one that says it is in another
    # currency, a credit line or prepaid cannot be (its invoice goes to manual, check 3)
    for bad, column, problem in (
        (~typed["currency_ok"].to_numpy(), "currency", "linjen er ikke i DKK; linjer bogføres kun i DKK"),
        ((typed["document_type"] != INVOICE).to_numpy(), "document_type", "linjen er ikke en fakturalinje"),
        (~typed["prepaid_ok"].to_numpy() | (typed["prepaid"].to_numpy() != 0), "prepaid_amount",
         "linjen er forudbetalt; en forudbetaling afregnes manuelt"),
    ):  # fmt: skip
        problems.add_many(source, rows[named & bad], column, problem)
        usable &= ~bad
    typed["line_no"] = _objects(line_no)
    typed["usable"] = usable
    return typed[named].reset_index(drop=True)


# ---------------------------------------------------------------- grants


def read_grants(path: str | Path) -> Grants:
    """Read a grant extract from Sensum: the usable grants, typed, and the
    rows left out with the reason (``.problems``)."""
    raw = read_raw(path)
    dates = refuse_misread_file(raw, path, _named(GRANT_COLUMNS, "start_date", "end_date"))
    numeric_cpr = raw.numeric_cells(source_column(raw.frame, GRANT_COLUMNS[1]))
    id_header = source_column(raw.frame, GRANT_COLUMNS[0])
    raw.read_as_shown(id_header)  # Sensum finds the grant by the id as shown: 000108, not 108
    _refuse_unread_end_dates(raw.frame, path)
    raw.frame = _status_by_another_name(raw.frame, path)
    df = canonical_columns(raw.frame, GRANT_COLUMNS, path)
    lost_id = lost_digit_cells(arrow_text(df["grant_id"].str.strip()), raw.numeric_cells(id_header))
    refuse_lost_digits(path, id_header, df["grant_id"], lost_id, "grant ids")
    dated_id = raw.dated_cells(id_header)  # a grant id Excel made a date: left out, as one that lost digits
    problems = Problems()
    name = Path(path).name
    for r, count in raw.misaligned.items():
        problems.add(name, r, "", f"rækken har {count} felter, men overskriften har {len(raw.frame.columns)}")
    grants, left_out, rows, ids = _typed_grants(
        df, name, problems, skip_rows=list(raw.misaligned), numeric_cpr=numeric_cpr, dates=dates, lost_id=lost_id,
        dated_id=dated_id,
    )  # fmt: skip
    return Grants(grants, problems.frame(), left_out_citizens=left_out, left_out_rows=rows, left_out_ids=ids)


def _refuse_unread_periods(frame: pd.DataFrame, columns: tuple[Column, ...], source: str | Path) -> None:
    """Refuse an invoice or invoice-lines extract with no period column of a
    name the robot knows for a start (or an end), where a column it does not
    read looks like one (:func:`~invoicekit.columns.period_start_columns`,
    :func:`~invoicekit.columns.period_end_columns`) and holds dates (at least
    half of its filled cells). Read without it, a line's period was the
    invoice's and an invoice's the one its text names: a February line of a
    March invoice was paid as March (an attack on 0.9.37)."""
    unread = unread_columns(list(frame.columns), columns)
    roles = {c.name: c for c in columns if c.name in ("period_start", "period_end")}
    known = {name for name, role in roles.items() if source_column(frame, role) is not None}
    if not known:
        # one column of the period as a range (``Periode``: 01.02.2019-28.02.2019), which the robot does not split
        for h in period_range_columns(unread):
            cells = frame[h]
            if isinstance(cells, pd.DataFrame):
                continue
            filled = [c for c in cells.astype(str).str.strip().tolist() if c][:RANGE_SAMPLE]
            if filled and sum(period_in_text(c) is not None for c in filled) * 2 >= len(filled):
                raise InputError(
                    source,
                    f"column {h!r}",
                    "is not read, and holds the period as one range; expected the period in two columns, "
                    "Periode fra and Periode til (read without them the period would be taken from elsewhere: "
                    "the text, or the invoice's)",
                )
    for name, looking in (("period_start", period_start_columns), ("period_end", period_end_columns)):
        if name in known:
            continue
        role = roles[name]
        looks = _dated(frame, looking(unread))
        if looks:
            raise InputError(
                source,
                f"column {looks[0]!r}",
                f"is not read, and the extract has no {name} column: read without it the period would be "
                f"taken from elsewhere (the text, or the invoice's). If it holds the {name}, name it one of "
                f"{', '.join(role.accepted())}; else remove it",
            )


#: the cells of a column looked at for periods written as ranges (:func:`_refuse_unread_periods`)
RANGE_SAMPLE = 1_000


def _dated(frame: pd.DataFrame, headers: tuple[str, ...]) -> list[str]:
    """Those of ``headers`` whose column holds dates (at least half of its
    filled cells; ``Visiteret til`` naming a place is none: a review)."""
    found = []
    for h in headers:
        cells = frame[h]
        if isinstance(cells, pd.DataFrame):
            continue  # a header given twice: canonical_columns says so if it is one it reads
        _values, ok, blank = parse_dates(cells)
        filled = int((~blank).sum())
        if filled and int((ok & ~blank).sum()) * 2 >= filled:
            found.append(h)
    return found


def _status_by_another_name(frame: pd.DataFrame, source: str | Path) -> pd.DataFrame:
    """``frame`` with a grant's status under a name the robot does not know read as its ``status``: a header
    holding ``status`` (``Indsatsstatus``, ``Status på bevilling``) or beginning ``Afgørelse`` (*Afslag*), where
    no status column has a name it knows, and it names no handling (``Betalingsstatus``). Two such columns are refused: nothing says which holds. Under such a
    name a grant marked *Annulleret* was paid on, unsaid (a review of 0.9.39's first version)."""
    status = next(c for c in GRANT_COLUMNS if c.name == "status")
    named = source_column(frame, status)
    found = [
        h
        for h in unread_columns(list(frame.columns), GRANT_COLUMNS)
        if ("status" in header_key(h) or header_key(h).startswith(("afgørelse", "afgoerelse")))
        and not of_grant_handling(h)
    ]
    if named is not None:
        found = [named, *found]  # beside a status column of a name it knows, another is no less a status (a review)
    if len(found) > 1:
        raise InputError(
            source,
            f"columns {found[0]!r} and {found[1]!r}",
            "both look as if they hold the grant's status, and nothing says which holds; expected one: name it "
            f"{status.aliases[0]}, or remove the other",
        )
    return frame.rename(columns={found[0]: status.name}) if found and named is None else frame


def _refuse_unread_end_dates(frame: pd.DataFrame, source: str | Path) -> None:
    """Refuse a grant extract with no end-date column of a name the robot
    knows, where a column it does not read looks like one: named so
    (``Bevilget til og med``, ``Ophørsdato``) and holding dates (at least half
    of its filled cells; ``Visiteret til`` naming a place is none: a review).
    Read without it, every grant is open-ended, and a grant that had ended was
    paid on, unsaid (an attack on 0.9.35). Its accepted names are said, so
    that the column can be named one of them."""
    end = next(c for c in GRANT_COLUMNS if c.name == "end_date")
    read = source_column(frame, end)
    if read is not None:
        # a second end beside it (``Ophørsdato``, ``Faktisk slutdato``: the day the stay stopped, where the
        # granted end is blank): read without it, March was paid on a grant that ended in February (an attack on
        # 0.9.38); a date of the grant's handling (``Betalt til``, ``Godkendt til``) is none
        unread = unread_columns(list(frame.columns), GRANT_COLUMNS)
        second = _dated(frame, tuple(h for h in end_date_columns(unread) if not of_grant_handling(h)))
        if not second or isinstance(frame[read], pd.DataFrame):
            return  # (a header given twice: canonical_columns says so)
        ends, end_ok, end_blank = parse_dates(frame[read])
        for h in second:
            other, other_ok, other_blank = parse_dates(frame[h])
            # only where it ends the grant sooner than the end read (an Ophørsdato that repeats Slutdato, or
            # lies after it, changes nothing: a review of 0.9.39's first version refused such an extract)
            sooner = other_ok & ~other_blank & (end_blank | (end_ok & (other < ends)))
            # a cell that does not read as a date may end it sooner all the same (28.02.19, 28. februar 2019,
            # 28.02.2019 (død): a review of 0.9.39's first version passed them over and paid March)
            sooner |= ~other_ok & ~other_blank
            if sooner.any():
                raise InputError(
                    source,
                    f"column {h!r}, row {int(np.flatnonzero(sooner)[0]) + 1}",
                    f"is not read, and ends the grant sooner than {read!r}, which is read: nothing says which end "
                    f"holds, and read without it a grant that had stopped would be paid on; expected one end date a "
                    f"grant: give the earlier of the two under {read!r}, or remove the column",
                )
        return
    looks = _dated(frame, end_date_columns(unread_columns(list(frame.columns), GRANT_COLUMNS)))
    if looks:
        raise InputError(
            source,
            f"column {looks[0]!r}",
            "is not read, and the extract has no end-date column: read without it every grant would be open-ended. "
            f"If it holds the grants' end dates, name it one of {', '.join(end.accepted())}; else remove it",
        )


def prepare_grants(df: pd.DataFrame, source: str = "grants") -> Grants:
    """Type a grant table held in memory (canonical or Danish headers), as
    :func:`read_grants` types a file; rows that cannot be used are left out
    and recorded in ``.problems``."""
    _refuse_typed(df, "grants", "prepare_grants", "Grants")
    _refuse_unread_end_dates(df, source)
    problems = Problems()
    grants, left_out, rows, ids = _typed_grants(
        canonical_columns(
            _status_by_another_name(df, source), GRANT_COLUMNS, source
        ),  # once, here, as read_grants maps them
        source,
        problems,
        numeric_cpr=numeric_cells(df, GRANT_COLUMNS[1]),
        lost_id=_lossy_float_cells(df, GRANT_COLUMNS[0]),
    )
    return Grants(grants, problems.frame(), left_out_citizens=left_out, left_out_rows=rows, left_out_ids=ids)


def _typed_grants(
    df: pd.DataFrame,
    source: str,
    problems: Problems,
    skip_rows: list[int] | None = None,
    numeric_cpr: np.ndarray | None = None,
    dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    lost_id: np.ndarray | None = None,
    dated_id: np.ndarray | None = None,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """The typed grant table, the CPR keys of the rows left out and those
    rows' citizen, supplier and dates (:attr:`Grants.left_out_rows`); rows
    that cannot be used are left out and recorded in ``problems``
    (``dates``: date columns read already, see :func:`_read_dates`).

    Columns: ``row``, ``grant_id``, ``cpr``, ``service_code``, ``service_name``,
    ``supplier_cvr``, ``rate`` (1/10,000 DKK), ``rate_unit`` (``day``,
    ``week``, ``month``, ``year`` or ``hour``), ``start_date``, ``end_date``
    (NaT = open-ended).
    """
    n = len(df)
    if numeric_cpr is None:
        numeric_cpr = np.zeros(n, dtype=bool)
    if lost_id is None:
        lost_id = np.zeros(n, dtype=bool)
    rows = np.arange(1, n + 1, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    if skip_rows:
        bad[np.asarray(skip_rows) - 1] = True

    def flag(mask: np.ndarray, column: str, problem: str) -> None:
        nonlocal bad
        problems.add_many(source, rows[mask], column, problem)
        bad |= mask

    _excel_errors(df, ("grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit"), flag)
    grant_id = df["grant_id"].str.strip()
    flag((grant_id == "").to_numpy(), "grant_id", "bevillings-ID mangler")
    # an id of no letter or digit names no grant that Sensum could find again (see NAMES_SOMETHING_RE2)
    ids = pa.array(grant_id, pa.large_string())
    named = names_something_cells(ids)
    flag(
        (grant_id != "").to_numpy() & ~named.to_numpy(zero_copy_only=False),
        "grant_id",
        "bevillings-ID'et har hverken bogstav eller ciffer",
    )
    # an id broken over lines: the paid mark's row split in two in Sensum's import, which reads a line at a time
    broken = pc.fill_null(pc.match_substring_regex(ids, LINE_BREAK_RE2), False)
    flag(
        broken.to_numpy(zero_copy_only=False),
        "grant_id",
        "bevillings-ID'et indeholder et linjeskift, så Sensum ikke kan læse mærket som betalt; ret det i udtrækket",
    )
    # a number cell of over 15 digits, whose last digits Excel changed: marked paid under it, the mark
    # named a grant Sensum does not have (a review)
    flag(
        lost_id & (grant_id != "").to_numpy(),
        "grant_id",
        "bevillings-ID'et står som et tal med over 15 cifre i regnearket, og Excel gemmer kun 15: de sidste "
        "cifre kan være ændret; skriv det som tekst",
    )
    # a grant id Excel made a date (7-1 typed, kept as 7 January): marked paid under the date, the mark named a
    # grant Sensum does not have (an attack on 0.9.36)
    if dated_id is not None and dated_id.any():
        flag(
            dated_id & (grant_id != "").to_numpy(),
            "grant_id",
            "bevillings-ID'et står som en dato i regnearket (Excel har gjort det til en dato), så det kan ikke læses, "
            "som det blev skrevet; skriv det som tekst",
        )
    # each distinct CPR and CVR cell is read once, and its text and key made once
    cpr = cpr_codes(padded_cpr_cells(df["cpr"], numeric_cpr))
    flag(_blank(*cpr), "cpr", "CPR-nummeret mangler eller er ugyldigt")
    service = df["service_code"].str.strip()
    flag((service == "").to_numpy(), "service_code", "ydelseskoden mangler")
    cvr = cvr_codes(df["supplier_cvr"].str.strip())
    flag(_blank(*cvr), "supplier_cvr", "leverandørens CVR-nummer mangler eller er ugyldigt")
    # read up to ten billion, as before 0.9.16, so that a rate too large is said to be so
    rate, rate_ok, _ = parse_amounts(df["rate"], max_decimals=4, limit=10**10)
    # a number with more decimals than a rate is read with (=22000/30 in a workbook): said as such
    precise = df["rate"].str.fullmatch(r"\s*-?\d+[.,]\d{5,}\s*").fillna(False).to_numpy(dtype=bool)
    flag(~rate_ok & precise, "rate", "taksten har mere end 4 decimaler; skriv den med højst 4")
    flag(~rate_ok & ~precise, "rate", "taksten er ikke et tal")
    flag(rate_ok & (rate < 0), "rate", "taksten er negativ")
    flag(rate_ok & (rate > MAX_RATE_DKK * MONEY_SCALE), "rate", "taksten er urealistisk stor")
    # a handful of units: each distinct cell is read once
    unit_codes_, unit_cells = pd.factorize(df["rate_unit"].str.strip().str.lower(), use_na_sentinel=False)
    u_unit = pd.Series(unit_cells, dtype=object).map(RATE_UNITS).fillna("").astype(object).to_numpy()
    unit = u_unit[unit_codes_] if len(u_unit) else np.full(n, "", dtype=object)
    flag(
        unit == "",
        "rate_unit",
        "ukendt takstenhed; forventet day, week, month, year, hour (døgn/dag, uge, måned, år, time)",
    )
    start, start_ok, _ = _read_dates(df, "start_date", dates)
    flag(~start_ok, "start_date", "startdatoen mangler eller kan ikke læses")
    end, end_ok, end_blank = _read_dates(df, "end_date", dates)
    end_blank = open_ended(df["end_date"], end_ok, end_blank)
    flag(~end_ok & ~end_blank, "end_date", "slutdatoen kan ikke læses")
    flag(start_ok & end_ok & (end < start), "end_date", "slutdatoen ligger før startdatoen")
    void = _grant_standing(df, end_blank, flag)

    cpr_text, cpr_key = _text_and_key(*cpr)
    cvr_text, cvr_key = _text_and_key(*cvr)
    out = pd.DataFrame(
        {
            "row": rows,
            # text columns of the typed grants are pandas' text (arrow): the
            # cells are handed over as they are, not made Python strings first
            "grant_id": _text(grant_id),
            "cpr": cpr_text,
            "service_code": _text(service),
            "service_name": _text(df["service_name"].str.strip()),
            "supplier_cvr": cvr_text,
            "cpr_key": cpr_key,
            "cvr_key": cvr_key,
            "rate": rate,
            "rate_unit": unit,
            "unit_code": unit_codes(u_unit)[unit_codes_] if len(u_unit) else np.zeros(n, dtype=np.int8),
            "start_date": start,
            "end_date": end,
        }
    )
    kept, copies = _dedupe_grants(out, bad, source, problems)
    # the citizens of the rows left out, bad or conflicting, not an exact copy of a row kept, nor a grant its
    # status says never holds (a valid CPR's key is its digits)
    rows = out["row"].to_numpy()
    gone = ~np.isin(rows, kept["row"].to_numpy()) & ~np.isin(rows, copies) & ~void
    cpr_key, cvr_key = out["cpr_key"].to_numpy().copy(), out["cvr_key"].to_numpy().copy()
    starts = out["start_date"].to_numpy(dtype="datetime64[D]").copy()  # as check 16 weighs them: changed below
    ends = out["end_date"].to_numpy(dtype="datetime64[D]").copy()
    if skip_rows:  # cells shifted: its citizen is any valid CPR number in the row; supplier and dates unknown
        at = np.asarray(skip_rows) - 1
        cells = df.iloc[at].fillna("").astype(str)
        valid = cpr_column(pd.Series(cells.to_numpy().ravel(), dtype=object).str.strip())
        valid = valid.to_numpy(dtype=object).reshape(cells.shape)
        first = [next((c for c in row if c), "") for row in valid]  # the few rows misaligned
        cpr_key[at], cvr_key[at] = digits_key(np.asarray(first, dtype=object)), 0
        starts[at] = ends[at] = np.datetime64("NaT")
    # a CPR cell the reader refuses may still name the citizen: a CSV saved from Excel drops the
    # leading zero (101001234), or keeps '.0' or a leading ' (for holding back only: check 16)
    loose = gone & (cpr_key == 0)
    if loose.any():
        cells = excel_number_cells(df["cpr"].iloc[np.flatnonzero(loose)], "9,10")
        cells = cells.str.replace(r"^(\d{9})$", r"0\1", regex=True)
        cpr_key[loose] = digits_key(cpr_column(cells).to_numpy(dtype=object))
    # a row that ends before it starts (a year mistyped) may cover any period
    backwards = ~np.isnat(starts) & ~np.isnat(ends) & (ends < starts)
    starts[backwards] = ends[backwards] = np.datetime64("NaT")
    # a row left out that names its grant, citizen and supplier: a paid mark of it is theirs (a fifth review:
    # such a mark was compared with nothing, and the citizen's month paid again under a new grant)
    # (its citizen read as check 16 reads it: a leading zero lost, '.0' or a leading ' too: a sixth review)
    # (its supplier read loosely too, for this only: '.0' or a leading ' of a CSV saved from Excel; check 16
    # holds the citizen at every supplier where the CVR cell is not read strictly)
    supplier_key = cvr_key.copy()
    loose = gone & (supplier_key == 0)
    if loose.any():
        supplier_key[loose] = digits_key(
            cvr_column(excel_number_cells(df["supplier_cvr"].iloc[np.flatnonzero(loose)], "8"))
        )
    named = gone & (cpr_key > 0) & (supplier_key > 0)
    named &= out["grant_id"].fillna("").astype(str).str.strip().ne("").to_numpy()
    ids = pd.DataFrame(
        {
            "grant_id": out.loc[named, "grant_id"].fillna("").astype(str).str.strip().to_numpy(dtype=object),
            "cpr": np.asarray([f"{k:010d}" for k in cpr_key[named]], dtype=object),
            "supplier_cvr": np.asarray([f"{k:08d}" for k in supplier_key[named]], dtype=object),
        }
    ).drop_duplicates(ignore_index=True)
    gone &= cpr_key > 0
    left_out = _left_out_frame(citizen_supplier_keys(cpr_key[gone], cvr_key[gone]), starts[gone], ends[gone])
    return kept.reset_index(drop=True), np.unique(cpr_key[gone]).astype(np.int64), left_out, ids


def _grant_standing(
    df: pd.DataFrame, end_blank: np.ndarray, flag: Callable[[np.ndarray, str, str], None]
) -> np.ndarray:
    """Leave out (``flag``) the grants whose ``status`` or ``cancelled`` flag says they do not hold, and
    return those that never hold (cancelled, refused, deleted: :data:`~invoicekit.vocabulary.GRANT_VOID`),
    which hold nothing back. A grant whose status says it has ended holds up to its end date, and is left
    out, holding back, where it has none; a status or flag of no word the robot knows is left out, holding
    back. Sensum's extracts carry a grant's status beside the columns read, and the robot paid March on a
    grant marked *Annulleret* or *Afslået* as on any other (an attack on 0.9.38)."""
    # each distinct status read once, word by word (:func:`~invoicekit.vocabulary.grant_standing`)
    codes, distinct = pd.factorize(df["status"].fillna("").astype(str).to_numpy(dtype=object), use_na_sentinel=False)
    standing = np.array([grant_standing(v) for v in distinct], dtype=object)[codes] if len(codes) else np.array([])
    said = df["cancelled"].fillna("").astype(str).str.strip().str.casefold()
    void = (standing == VOID) | said.isin(FLAG_YES).to_numpy(dtype=bool)
    ended = (standing == ENDED) & ~void
    in_force = standing == IN_FORCE
    flag(void, "status", "bevillingen er annulleret, afslået eller slettet ifølge sin status; den bruges ikke")
    flag(ended & end_blank, "status", "bevillingen er afsluttet ifølge sin status, men har ingen slutdato; "
         "forventet slutdatoen")  # fmt: skip
    flag(~void & ~ended & ~in_force, "status",
         "ukendt bevillingsstatus; forventet fx Bevilget, Aktiv, Afsluttet eller Annulleret")  # fmt: skip
    flag(~said.isin(FLAG_YES + FLAG_NO).to_numpy(dtype=bool), "cancelled",
         "kolonnen om annullering siger hverken ja eller nej")  # fmt: skip
    return void


def _text(values: pd.Series) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """A text column as the typed grants hold it: pandas' text as it is,
    anything else as Python objects (pandas then makes it text, unless the
    column is empty: then it stays objects, as it always has)."""
    if len(values) and values.dtype == TEXT:
        return values.array
    return values.to_numpy(dtype=object)


def _blank(codes: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """The rows whose number is blank (invalid), from :func:`cpr_codes` or :func:`cvr_codes`."""
    return (numbers == "")[codes] if len(numbers) else np.zeros(len(codes), dtype=bool)


def _text_and_key(codes: np.ndarray, numbers: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Compact CPR or CVR numbers, as each row's code into what each
    distinct cell is (Python strings, blank where invalid: :func:`cpr_codes`,
    :func:`cvr_codes`), as arrow text and as :func:`digits_key`, each
    distinct cell once."""
    if len(codes) == 0:
        return np.empty(0, dtype=object), np.zeros(0, dtype=np.int64)
    text = pa.array(numbers, type=pa.large_string()).take(pa.array(codes))
    return pd.array(text, dtype="str"), digits_key(numbers)[codes]


def _dedupe_grants(
    grants: pd.DataFrame, bad: np.ndarray, source: str, problems: Problems
) -> tuple[pd.DataFrame, np.ndarray]:
    """The grants without the ``bad`` rows (left out already), and the same
    grant twice: identical copies are kept once (the rows of the others are
    given beside); conflicting copies are all left out (nobody can tell which
    is right). Grant ids are compared as
    check 21 compares them (case, dashes, a trailing ``.``: ``G1`` and ``g1.``
    are one grant), and a copy that could not be read conflicts too: the one
    read was posted where Sensum held another version of it."""
    ids = grants["grant_id"].to_numpy(dtype=object)
    key = normalise_grant_ids(np.where(pd.isna(ids), "", ids).astype(object))
    # the rows read whose id is also a row's that could not be read
    # hashed, not np.isin over Python strings (which compares each with each: 133 s for 100,000 bad rows)
    beside_unread = pd.Series(key, dtype=object).isin(set(key[bad & (key != "")])).to_numpy()[~bad]
    grants, key = grants[~bad], key[~bad]
    dup = pd.Series(key).duplicated(keep=False).to_numpy() | beside_unread
    none = np.empty(0, dtype=np.int64)
    if not dup.any():
        return grants, none
    fields = [c for c in grants.columns if c != "row"]
    # an exact copy repeats its grant_id too: only the rows whose id repeats are compared
    exact_copy = np.zeros(len(grants), dtype=bool)
    exact_copy[dup] = grants[dup].duplicated(subset=fields, keep="first").to_numpy()
    copies = grants["row"].to_numpy()[exact_copy] if exact_copy.any() else none
    if exact_copy.any():
        problems.add_many(
            source, grants["row"].to_numpy()[exact_copy], "grant_id", "dublet af en tidligere række; ignoreret"
        )
        grants, key, beside_unread = grants[~exact_copy], key[~exact_copy], beside_unread[~exact_copy]
    conflict = pd.Series(key).duplicated(keep=False).to_numpy()
    problems.add_many(
        source,
        grants["row"].to_numpy()[conflict],
        "grant_id",
        "samme bevillings-ID findes flere gange med forskellige oplysninger",
    )
    unread = ~conflict & beside_unread
    problems.add_many(
        source,
        grants["row"].to_numpy()[unread],
        "grant_id",
        "samme bevillings-ID findes også i en række, der ikke kunne læses; ret den, så robotten ved, hvilken der gælder",
    )
    return grants[~(conflict | unread)], copies


# ---------------------------------------------------------------- support sheet


@dataclass(frozen=True)
class SupportSheet:
    """The support sheet (støtteark), typed: services, suppliers and coding
    rows, and the rows left out with the reason (``problems``). Made by
    :func:`read_support_sheet` or :func:`prepare_support_sheet`."""

    services: pd.DataFrame
    suppliers: pd.DataFrame
    coding: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=lambda: Problems().frame())
    #: the service keys, supplier CVR numbers and coding keys (paragraph,
    #: ownership, target key) the sheet names in a row that was left out: a
    #: grant whose service or supplier is not in the sheet, or whose coding
    #: row is missing, may be one of them, and the caseworker is told so
    left_out_services: frozenset = field(default_factory=frozenset, compare=False, repr=False)
    left_out_suppliers: frozenset = field(default_factory=frozenset, compare=False, repr=False)
    left_out_coding: frozenset = field(default_factory=frozenset, compare=False, repr=False)
    #: the coding rows left out that name a part of their key (paragraph,
    #: ownership, target key; blank for a part that could not be read, which
    #: then stands for any), with the days each may hold (``valid_from``,
    #: ``valid_to``; the whole of time where its dates could not be read): on
    #: those days nobody can tell which of its keys' rows holds, so none is used
    held_coding: pd.DataFrame = field(default_factory=lambda: _held_rows(pd.DataFrame()), compare=False, repr=False)
    #: the service keys and supplier CVR numbers whose rows were read, but
    #: which a row left out names too (:func:`_held_back`): not used to code,
    #: though their rows are kept (what an earlier payment's paragraph was)
    held_services: frozenset = field(default_factory=frozenset, compare=False, repr=False)
    held_suppliers: frozenset = field(default_factory=frozenset, compare=False, repr=False)

    def service_paragraphs(self) -> dict[str, str]:
        """The paragraph the sheet names for certain of each service it names, keyed as check 21 compares
        services (:func:`~invoicekit.keys.service_keys`): :data:`~invoicekit.vocabulary.ANY_PARAGRAPH` for one
        that a row left out names (its readable row is no more to be trusted than the other) or whose
        spellings name two paragraphs. What check 21 asks of a payment recorded without its paragraph, and
        what a caseworker's mark of a paid month is paid under (``run --paid``): one rule for both."""
        by_name = pd.DataFrame(
            {"service": service_keys(self.services["service_code"].to_numpy(dtype=object)),
             "paragraph": self.services["paragraph"].to_numpy(dtype=object)}
        ).drop_duplicates()  # fmt: skip
        doubted = set(service_keys(sorted(self.left_out_services)))
        doubted |= set(by_name.loc[by_name["service"].duplicated(keep=False), "service"])
        certain = by_name.drop_duplicates("service", keep=False).set_index("service")["paragraph"].to_dict()
        out = certain | dict.fromkeys(doubted, ANY_PARAGRAPH)
        out.pop("", None)  # a blank code names no service
        return out


def read_support_sheet(path: str | Path) -> SupportSheet:
    """Read the support-sheet workbook (sheets services/Ydelser,
    suppliers/Leverandører, coding/Kontering), typed, with the rows left out
    in ``.problems``."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(path)
    if path.is_dir():  # was "unknown extension ''" (0.9.25)
        raise InputError(path, None, "is a folder; expected the support sheet, an .xlsx workbook")
    if path.suffix.lower() != ".xlsx":
        raise InputError(path, None, f"unknown extension '{path.suffix}'; expected an .xlsx workbook")
    wb = open_workbook(path)
    try:
        frames, chosen = {}, {}
        for name, (danish, columns) in SUPPORT_SHEETS.items():
            titles = [t for t in wb.titles if header_key(t) in (header_key(name), header_key(danish))]
            found = ", ".join(map(repr, wb.titles))
            if not titles:
                raise InputError(path, f"sheet '{name}'", f"missing; accepted names: {name}, {danish} (found {found})")
            if len(titles) > 1:  # a hidden old sheet beside the new one: nothing says which holds
                raise InputError(
                    path,
                    f"sheet '{name}'",
                    f"given {len(titles)} times ({', '.join(map(repr, titles))}), hidden sheets counted; "
                    f"expected one sheet named {name} or {danish}: delete or rename the others",
                )
            if wb.hidden(titles[0]):
                # a hidden sheet is read by nobody but the robot: the one people keep may be a visible copy
                # ('Kontering (2)'), and the robot posted on the old sheet's PSP elements (an attack on 0.9.35)
                raise InputError(
                    path,
                    f"sheet '{titles[0]}'",
                    "is hidden; expected the sheet people see and keep: show it (right-click a sheet tab, Unhide), "
                    "or delete it and name the sheet in use " + f"{name} or {danish}",
                )
            _refuse_rows_not_shown(wb, titles[0])
            raw = wb.table(titles[0])
            if name == "coding":  # month-first dates read wrongly where they read at all
                refuse_misread_file(raw, f"{path} [{titles[0]}]", _named(columns, "valid_from", "valid_to"))
            frames[name] = canonical_columns(raw.frame, columns, path, titles[0])
            _refuse_header_again(frames[name], columns, path, titles[0])
            _refuse_columns_not_shown(wb, raw.frame, columns, path, titles[0], frames[name])
            chosen[name] = titles[0]
        _refuse_second_tables(wb, path, chosen)
    finally:
        wb.close()
    return _typed_support_sheet(frames, source=path.name)


def _refuse_rows_not_shown(wb: Workbook, title: str) -> None:
    """Refuse a support sheet's role sheet with a row of values hidden (or
    filtered away) or struck through (:meth:`Workbook.refuse_rows_not_shown`):
    the robot posted on a retired row's PSP element, hidden or struck through
    at the new year, without a word (an attack on 0.9.36). Refused, not left
    out: a filter hides rows in use, and left out they would send every
    invoice of their keys to a caseworker."""
    wb.refuse_rows_not_shown(
        title,
        "would code postings by it",
        "show it (or clear the filter), or delete it, or end it with a valid_to (Gyldig til) date if it no "
        "longer holds",
        "only rows in use: delete it, or end it with a valid_to (Gyldig til) date and take the strike off",
    )


def _refuse_header_again(frame: pd.DataFrame, columns: tuple[Column, ...], path: Path, title: str) -> None:
    """Refuse a role's sheet with a row that repeats its header (each required column's cell one of that
    column's names): a second table begins there, as last year's coding kept below this year's under a
    heading, and the robot read its rows as rows in use and posted on a retired PSP element (an attack on
    0.9.38), where a second table on another sheet is refused (:func:`_refuse_second_tables`)."""
    again = np.ones(len(frame), dtype=bool)
    for column in (c for c in columns if c.required):
        if not again.any():  # no row repeats the header's cells so far: none can (most sheets, at once)
            return
        names = {header_key(a) for a in column.accepted()}
        again &= frame[column.name].fillna("").astype(str).map(header_key).isin(names).to_numpy(dtype=bool)
    if again.any():
        raise InputError(
            path,
            f"sheet '{title}', data row {int(np.flatnonzero(again)[0]) + 1}",
            "repeats the table's header: a second table begins there (last year's kept below this year's?), "
            "and nothing says which holds; expected the table once: move the other table to another workbook, "
            "or delete it",
        )


def _refuse_columns_not_shown(
    wb: Workbook, frame: pd.DataFrame, columns: tuple[Column, ...], path: Path, title: str, frame_mapped: pd.DataFrame
) -> None:
    """Refuse a role's sheet where a column the robot reads is hidden, or holds a value struck through: the
    old ``PSP-element`` column hidden beside a visible ``PSP-element 2019``, or a retired element's cell
    struck through with its key cells left as they were, was posted on, while everyone who reads the sheet
    sees the new element, or the old one void (an attack on 0.9.38). A hidden column the robot does not
    read, or a struck cell in one, is no reason to refuse."""
    hidden, struck = wb.columns_not_shown(title)
    if not hidden and not struck:
        return
    read = {header_key(h): str(h) for c in columns if (h := source_column(frame, c)) is not None}
    for header in sorted(hidden, key=str):
        if header_key(header) in read:
            raise InputError(
                path,
                f"sheet '{title}', column '{read[header_key(header)]}'",
                "is hidden: nobody who reads the sheet sees it, and the robot would code postings by it; expected "
                "the columns it reads shown: show it (select the columns beside it, right-click, Unhide), or "
                "delete it and give its place to the column in use",
            )
    # a coding row with a value it reads struck through is left out, listed, and holds its key back on the days
    # it may hold (a row ended by its Gyldig til codes nothing after; one still open holds every invoice of its key
    # back): reviews of 0.9.39's first versions found a sheet refused for an ended row struck through, then a
    # struck element posted on while its Gyldig til lay ahead. Elsewhere the sheet is refused
    coding = {c.name for c in CODING_COLUMNS}
    for row, header, held in struck:
        if header_key(header) not in read:
            continue
        if coding <= {c.name for c in columns}:
            _mark_struck(frame_mapped, columns, frame, held)
            continue
        raise InputError(
            path,
            f"sheet '{title}', row {row}",
            f"its {read[header_key(header)]} is struck through, which a person reads as void, and the robot "
            "would code postings by it; expected only values in use: delete the row, or take the strike off",
        )


#: the coding columns whose text finds a struck row again among the rows read (its dates are stored as numbers)
_STRUCK_KEYS = ("paragraph", "ownership", "target_group", "psp_element", "art")


def _mark_struck(mapped: pd.DataFrame, columns: tuple[Column, ...], frame: pd.DataFrame, held: dict[str, str]) -> None:
    """Mark (column ``struck``) the rows of the coding table ``mapped`` that are the struck row ``held`` (its texts
    by header, as stored): those whose texts of :data:`_STRUCK_KEYS` are its."""
    found = np.ones(len(mapped), dtype=bool)
    by_key = {header_key(h): t for h, t in held.items()}
    for c in (c for c in columns if c.name in _STRUCK_KEYS):
        header = source_column(frame, c)
        text = by_key.get(header_key(header), "") if header is not None else ""
        found &= mapped[c.name].fillna("").astype(str).str.strip().eq(text.strip()).to_numpy(dtype=bool)
    if "struck" not in mapped:
        mapped["struck"] = False
    mapped.loc[found, "struck"] = True


def _refuse_second_tables(wb: Workbook, path: Path, chosen: dict[str, str]) -> None:
    """Refuse a support sheet with another sheet holding a role's columns
    beside the role's own sheet (``Kontering (2)``, Excel's name for a copy,
    beside ``Kontering``): nothing says which holds, and the robot posted on
    the old sheet's PSP elements while staff kept the copy (an attack on
    0.9.36). An old year's table kept beside it is refused alike: it belongs
    in another workbook."""
    for title in wb.titles:
        if title in chosen.values():
            continue
        try:
            frame = wb.table(title).frame
        except InputError:  # a sheet of no values, or a damaged one: no table of a role
            continue
        for name, (_danish, columns) in SUPPORT_SHEETS.items():
            if all(source_column(frame, c) is not None for c in columns if c.required):
                raise InputError(
                    path,
                    f"sheet '{title}'",
                    f"holds the columns of the {name} table, as sheet '{chosen[name]}' does: nothing says which "
                    f"holds; expected the {name} table once: delete the other sheet, or move it to another workbook",
                )


def prepare_support_sheet(frames: dict[str, pd.DataFrame], source: str = "support_sheet") -> SupportSheet:
    """Type the three support-sheet tables held in memory (``services``,
    ``suppliers``, ``coding``, canonical or Danish headers); rows that cannot
    be used are left out and recorded in ``.problems``."""
    if isinstance(frames, SupportSheet):
        raise TypeError("this support sheet is typed already; pass it on as it is")
    for name in SUPPORT_SHEETS:
        if name not in frames:
            raise InputError(source, f"sheet '{name}'", "missing")
    f = {name: canonical_columns(frames[name], cols, source, name) for name, (_danish, cols) in SUPPORT_SHEETS.items()}
    return _typed_support_sheet(f, source)


def _typed_support_sheet(f: dict[str, pd.DataFrame], source: str) -> SupportSheet:
    """The support sheet typed from its three tables, their columns mapped (once: on reading, or by
    :func:`prepare_support_sheet`)."""
    problems = Problems()
    services, services_out, services_held = _prepare_services(f["services"], f"{source} [services]", problems)
    suppliers, suppliers_out, suppliers_held = _prepare_suppliers(f["suppliers"], f"{source} [suppliers]", problems)
    coding, coding_out, held = _prepare_coding(f["coding"], f"{source} [coding]", problems)
    return SupportSheet(
        services,
        suppliers,
        coding,
        problems.frame(),
        left_out_services=services_out | services_held,
        left_out_suppliers=suppliers_out | suppliers_held,
        left_out_coding=coding_out,
        held_coding=held,
        held_services=services_held,
        held_suppliers=suppliers_held,
    )


def _held_back(kept: pd.DataFrame, key: str, named: np.ndarray, source: str, problems: Problems, column: str,
               what: str) -> frozenset:  # fmt: skip
    """The keys of ``kept`` that a row left out names too (``named``): the
    sheet says two things of each, one of them unreadable, and nobody can
    tell which holds (as for two grants of one id), so none codes an invoice.
    The readable one decided: a service whose other row's paragraph could not
    be read was posted under the first's (an attack on 0.9.25). Its rows are
    kept all the same: an earlier payment of the service is still known by
    its paragraph (check 21; dropped, a period paid was paid again: a review)."""
    held = kept[key].isin(frozenset(named) - {""}).to_numpy()
    problems.add_many(
        source,
        kept["row"].to_numpy()[held],
        column,
        f"{what} står også i en række, der ikke kunne bruges; ikke brugt til kontering",
    )
    return frozenset(kept.loc[held, key])


def _named_not_kept(named: np.ndarray, kept: pd.Series) -> frozenset:
    """The keys that rows name (``named``, blank for none) and no row kept has."""
    return frozenset(named) - {""} - set(kept)


def _ownership(values: pd.Series) -> np.ndarray:
    """Ownership cells as :data:`~invoicekit.vocabulary.OWNERSHIP` reads them; blank where unknown. Read as the
    target groups are (:func:`~invoicekit.keys.sheet_keys`: any space a space, spaces run together, case folded),
    and a ``/`` with spaces around it as one without: ``Egen kommune`` with a no-break space, pasted from an
    intranet, was unknown, and its message asked for what the cell showed (an attack on 0.9.38)."""
    keys = sheet_keys(values).str.replace(r"\s*/\s*", "/", regex=True)
    return keys.map(OWNERSHIP).fillna("").to_numpy(dtype=object)


def _rows(df: pd.DataFrame) -> np.ndarray:
    return np.arange(1, len(df) + 1, dtype=np.int64)


def _left_out(df: pd.DataFrame, source: str, problems: Problems, columns: tuple[str, ...]) -> np.ndarray:
    """The support-sheet rows left out because a cell holds one of Excel's
    error values (recorded in ``problems``), as a mask; the checks after
    look only at the rows not left out, so each row is listed once."""
    bad = np.zeros(len(df), dtype=bool)
    rows = _rows(df)

    def flag(mask: np.ndarray, column: str, problem: str) -> None:
        problems.add_many(source, rows[mask & ~bad], column, problem)
        bad[:] |= mask

    _excel_errors(df, columns, flag)
    return bad


def _visible(values: pd.Series) -> pd.Series:
    """Cells as a person sees them: without the characters nobody sees (a
    zero-width space, a direction mark: :data:`CPR_INVISIBLE`), trimmed."""
    return values.fillna("").astype(str).str.replace(CPR_INVISIBLE, "", regex=True).str.strip()


def _prepare_services(df: pd.DataFrame, source: str, problems: Problems) -> tuple[pd.DataFrame, frozenset, frozenset]:
    """The services, the service keys named only in rows left out, and the
    keys held back (:func:`_held_back`)."""
    rows = _rows(df)
    out = pd.DataFrame(
        {
            "row": rows,
            "service_code": df["service_code"].str.strip().to_numpy(dtype=object),
            "service_key": sheet_keys(df["service_code"], codes=True).to_numpy(),
            "paragraph": df["paragraph"].map(normalise_paragraph).to_numpy(dtype=object),
            "target_group": df["target_group"].str.strip().to_numpy(dtype=object),
            "target_key": sheet_keys(df["target_group"]).to_numpy(),
        }
    )
    bad = _left_out(df, source, problems, ("service_code", "paragraph", "target_group"))
    # a code or target group of characters nobody sees is none (a review: a grant's zero-width code found a
    # row whose code was a soft hyphen, and was posted under its paragraph)
    for column, key, problem in (
        ("service_code", "service_key", "ydelseskoden mangler"),
        ("paragraph", "paragraph", "paragraffen mangler eller angiver ikke én paragraf"),
        ("target_group", "target_key", "målgruppen mangler"),
    ):
        mask = (out[key] == "").to_numpy()
        problems.add_many(source, rows[mask & ~bad], column, problem)
        bad |= mask
    kept = _dedupe_key(
        out[~bad], "service_key", ["paragraph", "target_key"], source, problems, "service_code", "ydelsen"
    )
    held = _held_back(kept, "service_key", out["service_key"].to_numpy()[bad], source, problems, "service_code",
                      "ydelsen")  # fmt: skip
    return kept, _named_not_kept(out["service_key"].to_numpy(), kept["service_key"]), held


def _prepare_suppliers(df: pd.DataFrame, source: str, problems: Problems) -> tuple[pd.DataFrame, frozenset, frozenset]:
    """The suppliers, the CVR numbers named only in rows left out, and the
    CVR numbers held back (:func:`_held_back`)."""
    rows = _rows(df)
    cvr = cvr_column(df["supplier_cvr"].str.strip()).to_numpy(dtype=object)
    ownership = _ownership(df["ownership"])
    errors = _left_out(df, source, problems, ("supplier_cvr", "ownership"))
    bad_cvr = (cvr == "") & ~errors
    bad_own = (ownership == "") & ~bad_cvr & ~errors
    problems.add_many(source, rows[bad_cvr], "supplier_cvr", "CVR-nummeret mangler eller er ugyldigt")
    problems.add_many(
        source,
        rows[bad_own],
        "ownership",
        "ukendt ejerforhold; forventet kommunal, egen kommune, anden kommune, regional, privat/selvejende eller statslig",
    )
    out = pd.DataFrame({"row": rows, "supplier_cvr": cvr, "ownership": ownership})[~(bad_cvr | bad_own | errors)]
    kept = _dedupe_key(out, "supplier_cvr", ["ownership"], source, problems, "supplier_cvr", "leverandøren")
    held = _held_back(kept, "supplier_cvr", cvr[bad_own | errors], source, problems, "supplier_cvr", "leverandøren")
    return kept, _named_not_kept(cvr, kept["supplier_cvr"]), held


def _dedupe_key(
    df: pd.DataFrame, key: str, fields: list[str], source: str, problems: Problems, column: str, what: str
) -> pd.DataFrame:
    copy = df.duplicated(subset=[key, *fields], keep="first").to_numpy()
    problems.add_many(source, df["row"].to_numpy()[copy], column, "dublet af en tidligere række; ignoreret")
    df = df[~copy]
    conflict = df[key].duplicated(keep=False).to_numpy()
    problems.add_many(
        source, df["row"].to_numpy()[conflict], column, f"{what} står flere gange med forskellige oplysninger"
    )
    out = df[~conflict].reset_index(drop=True)
    return out


def _prepare_coding(df: pd.DataFrame, source: str, problems: Problems) -> tuple[pd.DataFrame, frozenset, pd.DataFrame]:
    """The coding rows, the coding keys (paragraph, ownership, target key)
    that a row left out names, its three parts read, and those rows
    (:func:`_held_rows`)."""
    rows = _rows(df)
    valid_from, from_ok, _ = parse_dates(df["valid_from"])
    valid_to, to_ok, to_blank = parse_dates(df["valid_to"])
    to_blank = open_ended(df["valid_to"], to_ok, to_blank)
    # a PSP element pasted from Word or a PDF keeps its typographic dashes: written as OPUS knows it, not
    # as an element OPUS does not have (an attack on 0.9.36)
    psp, art = _visible(df["psp_element"]).map(ascii_dashes), _visible(df["art"])
    out = pd.DataFrame(
        {
            "row": rows,
            "paragraph": df["paragraph"].map(normalise_paragraph).to_numpy(dtype=object),
            "ownership": _ownership(df["ownership"]),
            "target_group": df["target_group"].str.strip().to_numpy(dtype=object),
            "target_key": sheet_keys(df["target_group"]).to_numpy(),
            "psp_element": psp.to_numpy(dtype=object),
            "art": art.to_numpy(dtype=object),
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
    )
    bad = _left_out(df, source, problems, tuple(c.name for c in CODING_COLUMNS))
    hidden = df["psp_element"].fillna("").astype(str).str.strip() != psp  # characters nobody sees
    checks = (
        ((out["paragraph"] == "").to_numpy(), "paragraph", "paragraffen mangler eller angiver ikke én paragraf"),
        ((out["ownership"] == "").to_numpy(), "ownership", "ejerforholdet mangler eller er ukendt"),
        ((out["target_key"] == "").to_numpy(), "target_group", "målgruppen mangler"),
        (
            df["struck"].fillna(False).to_numpy(dtype=bool) if "struck" in df else np.zeros(len(df), dtype=bool),
            "psp_element",
            "rækken har en værdi, robotten læser, overstreget, som man læser som ugyldig; slet rækken, eller tag "
            "overstregningen af",
        ),
        ((psp == "").to_numpy(), "psp_element", "PSP-elementet mangler"),
        (
            # a placeholder (-, ?, ...) for an element yet to be made was posted as one (an attack on 0.9.36)
            ~psp.str.contains(r"[^\W_]", regex=True).to_numpy(dtype=bool),
            "psp_element",
            "PSP-elementet har intet bogstav eller ciffer (en pladsholder?); forventet ét PSP-element",
        ),
        (
            # a word for an element yet to be made (Afventer, TBD, N/A, mangler), or the 0 a lookup of a blank
            # cell gives, was posted as one (an attack on 0.9.38): OPUS's elements carry digits
            ~psp.str.contains(r"[1-9]", regex=True).to_numpy(dtype=bool),
            "psp_element",
            "PSP-elementet har intet andet ciffer end 0 (en pladsholder som 'Afventer' eller 'TBD', eller et "
            "opslags 0?); forventet ét PSP-element",
        ),
        (
            (psp.str.contains(r"\s", regex=True) | hidden).to_numpy(dtype=bool),
            "psp_element",
            "PSP-elementet indeholder mellemrum, linjeskift eller usynlige tegn; forventet ét PSP-element",
        ),
        ((art == "").to_numpy(), "art", "arten (artskontoen) mangler"),
        (
            ~art.str.fullmatch(r"[0-9]{8}").to_numpy(dtype=bool),
            "art",
            "arten er ikke en artskonto på 8 cifre",
        ),
        (~from_ok, "valid_from", "gyldig fra-datoen mangler eller kan ikke læses"),
        (~to_ok & ~to_blank, "valid_to", "gyldig til-datoen kan ikke læses"),
        (from_ok & to_ok & (valid_to < valid_from), "valid_to", "gyldig til ligger før gyldig fra"),
    )
    for mask, column, problem in checks:
        problems.add_many(source, rows[mask & ~bad], column, problem)
        bad |= mask
    # the key's parts as arrays (a few rows: pandas' steps cost more than the work)
    paragraph, ownership, target = (out[k].to_numpy(dtype=object) for k in ("paragraph", "ownership", "target_key"))
    whole = (paragraph != "") & (ownership != "") & (target != "") & bad
    named = frozenset(zip(paragraph[whole], ownership[whole], target[whole], strict=True))
    # a row left out holds back every key that agrees with the parts it names (a part it does not
    # name, or names with an Excel error, stands for any: a newer row whose paragraph read § 107/108
    # let the older row of § 108 code, as a PSP element with a space did: a review of the first version)
    target = np.where(_error_cells(df["target_group"])[1], "", target)
    named_one = np.array([p == "STU" or p.isdecimal() for p in paragraph], dtype=bool)
    paragraph = np.where(named_one, paragraph, "")  # #N/A is no paragraph
    # and claims something (a PSP element, an art or a date): a heading row ("Udviklingshæmmede" alone) claims
    # nothing (a review); a new row whose PSP element is yet to be filled in does (a review of that)
    filled = [df[c].fillna("").astype(str).str.strip() != "" for c in ("valid_from", "valid_to")]
    claims = ((psp != "") | (art != "") | filled[0] | filled[1]).to_numpy(dtype=bool)
    keyed = ((paragraph != "") | (ownership != "") | (target != "")) & claims & bad
    whole_time = (~from_ok | (from_ok & to_ok & (valid_to < valid_from)))[keyed]
    start, end = valid_from[keyed].copy(), valid_to[keyed].copy()
    start[whole_time] = end[whole_time] = np.datetime64("NaT")
    end[(~to_ok & ~to_blank)[keyed]] = np.datetime64("NaT")  # an end not read: open
    held = {"paragraph": paragraph[keyed], "ownership": ownership[keyed], "target_key": target[keyed],
            "valid_from": start, "valid_to": end}  # fmt: skip
    return out[~bad].reset_index(drop=True), named, _held_rows(held)


def held_agreeing(held: pd.DataFrame, paragraph: str, ownership: str, target_key: str) -> np.ndarray:
    """Which held coding rows (:attr:`SupportSheet.held_coding`) hold back the
    coding key (``paragraph``, ``ownership``, ``target_key``): those whose
    every part they name is the key's (a blank part stands for any)."""
    agree = np.ones(len(held), dtype=bool)
    for column, part in (("paragraph", paragraph), ("ownership", ownership), ("target_key", target_key)):
        named = held[column].to_numpy(dtype=object)
        agree &= (named == "") | (named == part)
    return agree


def held_on(held: pd.DataFrame, paragraph: str, ownership: str, target_key: str, day: np.datetime64) -> np.ndarray:
    """Which held coding rows hold back the coding key on ``day``: those that
    agree with it (:func:`held_agreeing`) and may hold that day (their end
    blank: open)."""
    to = held["valid_to"].to_numpy(dtype="datetime64[D]")
    on_the_day = (held["valid_from"].to_numpy(dtype="datetime64[D]") <= day) & ~(to < day)
    return on_the_day & held_agreeing(held, paragraph, ownership, target_key)


#: the first day a held coding row whose start could not be read may hold
HELD_FROM = np.datetime64("1900-01-01", "D")


def _held_rows(held: pd.DataFrame | dict[str, np.ndarray]) -> pd.DataFrame:
    """Coding rows left out whose key could be read (``paragraph``,
    ``ownership``, ``target_key``) and the days each may hold: a start not
    read is :data:`HELD_FROM`, an end not read open (NaT). ``held``: a table or its columns."""
    columns = ["paragraph", "ownership", "target_key"]
    out = {c: np.asarray(held[c], dtype=object) if c in held else np.empty(0, object) for c in columns}
    start = (
        np.asarray(held["valid_from"], dtype="datetime64[D]") if "valid_from" in held else np.empty(0, "datetime64[D]")
    )
    out["valid_from"] = np.where(np.isnat(start), HELD_FROM, start)
    out["valid_to"] = np.asarray(held["valid_to"], dtype="datetime64[D]") if "valid_to" in held else start
    return pd.DataFrame(out)
