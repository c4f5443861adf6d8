"""Writing a run's outputs: decisions (and the lines of collective invoices
decided line by line), OPUS posting lines and notes, the paid marks for
Sensum, and the input problems.

``decisions.csv``, ``decision_lines.csv``, ``sensum_paid.csv`` and ``input_problems.csv``: UTF-8,
``,``, decimal point, ISO dates. ``opus_postings.csv`` and ``opus_notes.csv``
go to OPUS: ``;``, decimal comma, ``dd.mm.yyyy``. Only ``opus_postings.csv``
holds full CPR numbers.

Who reads what (robot spec): the files imported into OPUS and Sensum carry
invoice numbers exactly as written, so the systems can find the invoice;
``decisions.csv``, ``decision_lines.csv`` and ``input_problems.csv``, which people read, have
anything that reads as a CPR number masked. In every file a text cell that
would start a formula gets a leading ``'`` (:mod:`invoicekit.cells`).
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from invoicekit.cells import fix_unsafe, unsafe_after, unsafe_cells
from invoicekit.columns import (
    DECISION_COLUMNS,
    DECISION_LINE_COLUMNS,
    IN_ORE,
    OPUS_NOTE_COLUMNS,
    OPUS_POSTING_COLUMNS,
    PROBLEM_COLUMNS,
    SENSUM_PAID_COLUMNS,
    TYPED_LINE_COLUMNS,
)
from invoicekit.delivery import HashedFile, crash_point, fsync_path
from invoicekit.errors import OutputError
from invoicekit.identifiers import mask_unless_psp
from invoicekit.parsing import NAT_DAYS, format_date_dk, format_date_iso, ore_arrow
from invoicekit.texts import holds_ascii, one_line

#: the code OPUS gets in ``Ydelsesmodtagernr.kode`` for a CPR number (assumed; a setting in OPUS)
RECIPIENT_CODE_CPR = "CPR"

#: what the note written in OPUS on a manual invoice says before the robot's message
NOTE_PREFIX = "Robot: "

#: ``decision_lines.csv`` is written by every run, with its header only when no
#: invoice was decided line by line: the same files every time, and no file of
#: an earlier dry run left beside this run's
OUTPUT_FILES = (
    "decisions.csv",
    "decision_lines.csv",
    "opus_postings.csv",
    "opus_notes.csv",
    "sensum_paid.csv",
    "input_problems.csv",
)


Columns = dict[str, object]

#: rows pyarrow's CSV writer formats at a time: each block is one write, hashed as it goes
WRITE_BATCH_ROWS = 1 << 14


def _dates(values: pd.Series, text: Callable[[np.ndarray], pd.Series]) -> pa.Array:
    """A column of dates as ``text`` writes them, each distinct date once
    (a year's postings hold a few hundred dates): every day from the first
    to the last where they lie close together (a day's text is found by its
    distance from the first, nothing searched), else each distinct one."""
    days = values.to_numpy(dtype="datetime64[D]").view(np.int64)  # NaT: a value like the others
    first = days.min() if len(days) else NAT_DAYS
    if first != NAT_DAYS and days.max() - first < _DATE_SPAN:
        codes, uniques = days - first, np.arange(first, days.max() + 1)
    else:
        codes, uniques = pd.factorize(days)
    return pa.array(text(np.asarray(uniques, dtype=np.int64).view("datetime64[D]"))).take(pa.array(codes))


#: the most days from the first date to the last that :func:`_dates` writes out one by one
_DATE_SPAN = 1 << 12


def _opus_postings_columns(postings: pd.DataFrame) -> Columns:
    return {
        "Artskonto": postings["art"],
        "PSP-element": postings["psp_element"],
        "Beløb": ore_arrow(postings["amount_ore"], decimal=","),
        "Tekst": postings["text"],
        "Ydelsesmodtagernr.": postings["cpr"],
        "Ydelsesmodtagernr.kode": pa.repeat(pa.scalar(RECIPIENT_CODE_CPR, pa.large_string()), len(postings)),
        "Ydelsesperiode fra": _dates(postings["period_start"], format_date_dk),
        "Ydelsesperiode til": _dates(postings["period_end"], format_date_dk),
        "Fakturanummer": postings["invoice_id"],
        "Leverandør CVR": postings["supplier_cvr"],
        "Bogføringsdato": _dates(postings["posting_date"], format_date_dk),
    }


def _notes_messages(notes: pd.DataFrame) -> pa.Array:
    return pc.fill_null(pa.array(notes["message"], type=pa.large_string(), from_pandas=True), "")


def scan_messages(decisions: pd.DataFrame) -> pa.BooleanArray | None:
    """What :func:`~invoicekit.cells.unsafe_cells` finds in the decisions'
    messages, as :func:`write_outputs` scans them for decisions.csv and
    opus_notes.csv: every message that may start a formula, hold a CPR
    number or break a line (None where none does)."""
    return unsafe_cells(_arrow(decisions["message"]), breaks=True)


def _opus_notes_columns(notes: pd.DataFrame) -> Columns:
    return {
        "invoice_id": notes["invoice_id"],  # as written, so OPUS finds the invoice
        "supplier_cvr": notes["supplier_cvr"],
        "note": pc.binary_join_element_wise(
            pa.scalar(NOTE_PREFIX, pa.large_string()), _notes_messages(notes), pa.scalar("", pa.large_string())
        ),
    }


def _notes_found(
    notes: pd.DataFrame, decisions: pd.DataFrame, message: pa.Array, found: pa.BooleanArray | None
) -> dict[str, pa.BooleanArray | None]:
    """What :func:`~invoicekit.cells.unsafe_cells` finds in the notes (each
    :data:`NOTE_PREFIX` and its invoice's message), from what it found in
    the decisions' messages (``message``, ``found``): only the messages found
    there are looked at again (:func:`~invoicekit.cells.unsafe_after`), which
    spares a second scan of the same texts. ``{"note": ...}``, or ``{}``
    (scan the notes) unless each note's message is its invoice's, found by
    its row, character for character."""
    rows, at = decisions["row"].to_numpy(), notes["row"].to_numpy()
    if len(rows) == 0 or len(at) == 0 or not (np.diff(rows) > 0).all():  # each row once, in order
        return {}
    if rows[-1] - rows[0] == len(rows) - 1:
        # the rows counted one by one (as read): a row's position is its distance from the first
        pos = np.clip(at - rows[0], 0, len(rows) - 1)
    else:
        pos = np.minimum(np.searchsorted(rows, at), len(rows) - 1)
    if not (rows[pos] == at).all():
        return {}
    mine = _notes_messages(notes)
    # compared a slice at a time: memory reused, not 126 MB at 1M touched for the first time
    for start in range(0, len(pos), _COMPARE_ROWS):
        taken = message.take(pa.array(pos[start : start + _COMPARE_ROWS]))
        if not taken.cast(mine.type).equals(mine.slice(start, _COMPARE_ROWS)):
            return {}
    return {"note": unsafe_after(NOTE_PREFIX, mine, None if found is None else found.take(pa.array(pos)), breaks=True)}


#: messages compared at a time by :func:`_notes_found`
_COMPARE_ROWS = 1 << 15


def _sensum_paid_columns(postings: pd.DataFrame) -> Columns:
    return {
        "grant_id": postings["grant_id"],
        "period_start": _dates(postings["period_start"], format_date_iso),
        "period_end": _dates(postings["period_end"], format_date_iso),
        "invoice_id": postings["invoice_id"],
        "amount": ore_arrow(postings["amount_ore"]),
    }


def _frame(columns: Columns) -> pd.DataFrame:
    return pd.DataFrame({name: np.asarray(values, dtype=object) for name, values in columns.items()})


def opus_postings(postings: pd.DataFrame) -> pd.DataFrame:
    """The posting lines in OPUS's import layout (text cells). Full CPR numbers."""
    return _frame(_opus_postings_columns(postings))[list(OPUS_POSTING_COLUMNS)]


def opus_notes(notes: pd.DataFrame) -> pd.DataFrame:
    """The note written in OPUS on each manual invoice (``Decisions.notes``)."""
    return _frame(_opus_notes_columns(notes))[list(OPUS_NOTE_COLUMNS)]


def sensum_paid(postings: pd.DataFrame) -> pd.DataFrame:
    """The grant periods to mark as paid in Sensum."""
    return _frame(_sensum_paid_columns(postings))[list(SENSUM_PAID_COLUMNS)]


def _arrow(values: object) -> pa.Array:
    """One output column as arrow: integers as they are, everything else text
    (an arrow column that is not text, a decimal, as it is: null an empty cell)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return (
            pc.fill_null(values, "")
            if pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
            else values
        )
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.StringDtype):
            return pc.fill_null(pa.array(values), "")
        values = values.to_numpy()
    values = np.asarray(values)
    if np.issubdtype(values.dtype, np.integer):
        return pa.array(values)
    return pc.fill_null(pa.array(values.astype(object), type=pa.string(), from_pandas=True), "")


def _holds_any(arrays: list[pa.Array | pa.ChunkedArray], chars: tuple[str, ...]) -> bool:
    """Whether any text in ``arrays`` holds one of ``chars`` (ASCII), its
    bytes compared in place (:func:`~invoicekit.texts.holds_ascii`); the
    largest column first, as the one most likely to hold one (a message with
    a comma) ends the search."""
    text = [a for a in arrays if pa.types.is_string(a.type) or pa.types.is_large_string(a.type)]
    for arr in sorted(text, key=lambda a: a.nbytes, reverse=True):
        for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
            if holds_ascii(chunk, "".join(chars)):
                return True
    return False


def write_csv(
    columns: pd.DataFrame | Columns,
    path: Path,
    sep: str = ",",
    numbers: tuple[str, ...] = (),
    mask: bool | tuple[str, ...] = True,
    found: Mapping[str, pa.BooleanArray | None] | None = None,
    helper: Executor | None = None,
    exact: tuple[str, ...] = (),
    breaks: tuple[str, ...] = (),
) -> dict[str, object]:
    """Write a table (a DataFrame, or a mapping of column name to values)
    quickly, quoting only where needed. Text cells never start a formula;
    anything that reads as a CPR number is masked in every column (``mask``
    True) or in the columns named. ``numbers`` names the columns written as
    they are: numbers and dates this module formatted, codes of the
    vocabulary. ``found``: for the columns it names, what
    :func:`~invoicekit.cells.unsafe_cells` found in them beforehand (with
    the same ``mask``), so they are not scanned again. ``helper``: a pool
    whose free thread may format rows ahead (:func:`_parts`). ``exact`` names the columns another system
    imports, whose text is guarded at the start of a cell alone (:func:`~invoicekit.cells.fix_unsafe`'s
    ``inner``), so that it names what was written, and line breaks made spaces. ``breaks`` names the
    columns whose line breaks are made spaces as their CPR numbers are masked (a message quoting a cell: what
    was found in them beforehand found line breaks too, :func:`scan_messages`). Returns the
    file's SHA-256 and size, taken as it is written
    (:class:`~invoicekit.delivery.HashedFile`)."""
    found = found or {}
    names, arrays = [], []
    for name, values in columns.items():
        names.append(str(name))
        arr = _arrow(values)
        masked = mask if isinstance(mask, bool) else name in mask
        inner = name not in exact
        if name not in numbers:
            if not inner:  # imported by OPUS or Sensum, a line at a time
                arr = one_line(arr)
            one = name in breaks
            hit = found[name] if name in found else unsafe_cells(arr, masked, inner, one)
            arr = fix_unsafe(arr, hit, masked, inner, one)
        arrays.append(arr)
    table = pa.Table.from_arrays(arrays, names=names)
    # quote nothing when nothing needs it (cleaner for OPUS and Excel); else quote text cells
    needs_quotes = _holds_any([pa.array(names), *arrays], (sep, '"', "\n", "\r"))
    options = pacsv.WriteOptions(
        include_header=False,
        delimiter=sep,
        quoting_style="needed" if needs_quotes else "none",
        batch_size=WRITE_BATCH_ROWS,
    )
    # the header is written here: pyarrow would quote every name
    header = io.StringIO()
    csv.writer(header, delimiter=sep, lineterminator="\n").writerow(names)
    with HashedFile(path) as f:
        f.write(header.getvalue().encode("utf-8"))
        if helper is None or table.num_rows <= WRITE_BATCH_ROWS:
            pacsv.write_csv(table, f, write_options=options)
        else:
            for part in _parts(table, options, helper):
                f.write(part)
    return f.facts()


#: parts of a table that a helper may format ahead of the one being written
PARTS_AHEAD = 4


def _parts(table: pa.Table, options: pacsv.WriteOptions, helper: Executor) -> Iterator[pa.Buffer]:
    """The table's CSV text, :data:`WRITE_BATCH_ROWS` rows at a time, in
    order: the same bytes as one call of the writer (rows are written one by
    one, each ending in a line break). The next :data:`PARTS_AHEAD` parts are
    handed to ``helper``; a part its threads have not begun on is taken back
    and formatted here, so this thread never waits on a busy helper, and no
    more than those and the part being written are held at a time."""

    def formatted(at: int) -> pa.Buffer:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table.slice(at, WRITE_BATCH_ROWS), sink, write_options=options)
        return sink.getvalue()

    starts = iter(range(0, table.num_rows, WRITE_BATCH_ROWS))
    ahead: deque[tuple[int, Future]] = deque()
    try:
        while True:
            for at in starts:
                ahead.append((at, helper.submit(formatted, at)))
                if len(ahead) > PARTS_AHEAD:
                    break
            if not ahead:
                return
            at, part = ahead.popleft()
            yield formatted(at) if part.cancel() else part.result()
    finally:
        for _, part in ahead:
            part.cancel()


def write_outputs(
    out_dir: Path,
    decisions: pd.DataFrame,
    postings: pd.DataFrame,
    notes: pd.DataFrame,
    problems: pd.DataFrame,
    lines: pd.DataFrame | None = None,
    durable: bool = False,
    message_found: Future[pa.BooleanArray | None] | None = None,
) -> dict[str, dict[str, object]]:
    """Write the output files into ``out_dir`` (``lines``: the lines of the
    invoices decided line by line, ``Decisions.lines``); returns each file's
    SHA-256 and size (:func:`~invoicekit.delivery.file_facts`), in the order
    of :data:`OUTPUT_FILES`. ``durable`` (a run to be recorded): the files
    and the folder are flushed to disk before it returns. A file that cannot
    be written (a full disk) raises :class:`OutputError` naming it.
    ``message_found``: :func:`scan_messages` of these decisions, begun by a
    caller that shares it (the journal's copy masks with it); else the
    messages are scanned here."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = lines if lines is not None else pd.DataFrame(columns=list(TYPED_LINE_COLUMNS))

    # the decisions' messages are scanned once, for decisions.csv and for the
    # notes in opus_notes.csv, which say the same
    message = _arrow(decisions["message"])

    def shown(frame: pd.DataFrame, names: tuple[str, ...]) -> Columns:
        # the amounts, whole øre in the typed table, written as DKK: formatted here, in the writer's thread
        return {
            c: ore_arrow(frame[IN_ORE[c]].array)
            if c in IN_ORE
            else mask_unless_psp(frame[c])
            if c == "psp_element"
            else frame[c]
            for c in names
        }

    # (name, the columns and what was found in them beforehand (made in the
    # writer's thread), separator, written as they are, masked, imported exactly: the spec's guard alone,
    # a message's line breaks made spaces: it is a note in OPUS, which reads its import a line at a time)
    plain_decision = ("row", "amount", "expected_amount", "status", "reason")  # numbers and vocabulary codes
    # every column masked but the PSP element, the municipality's own cost object from its support sheet
    # (XG-0306190114-00001 was shown as XG-030619-xxxx-00001: an attack on 0.9.21), which shown()
    # masks where a cell is no PSP element
    decision_mask = tuple(c for c in DECISION_COLUMNS if c != "psp_element")
    line_mask = tuple(c for c in DECISION_LINE_COLUMNS if c != "psp_element")
    nothing_found: Callable[[], dict] = dict
    writes = {
        "decisions.csv": (
            lambda: shown(decisions, DECISION_COLUMNS) | {"message": message},  # the column scanned
            lambda: {"message": message_found.result()},
            ",",
            plain_decision,
            decision_mask,
            (),
            ("message",),
        ),
        "decision_lines.csv": (
            lambda: shown(lines, DECISION_LINE_COLUMNS),
            nothing_found,
            ",",
            plain_decision,
            line_mask,
            (),
            ("message",),
        ),
        "opus_postings.csv": (
            lambda: _opus_postings_columns(postings),
            nothing_found,
            ";",
            ("Beløb", "Ydelsesmodtagernr.kode", "Ydelsesperiode fra", "Ydelsesperiode til", "Bogføringsdato"),
            False,
            OPUS_POSTING_COLUMNS,
            (),
        ),
        # the note is a message people read in OPUS: masked; the invoice number as written
        "opus_notes.csv": (
            lambda: _opus_notes_columns(notes),
            lambda: _notes_found(notes, decisions, message, message_found.result()),
            ";",
            (),
            ("note",),
            ("invoice_id", "supplier_cvr"),
            ("note",),
        ),
        "sensum_paid.csv": (
            lambda: _sensum_paid_columns(postings),
            nothing_found,
            ",",
            ("period_start", "period_end", "amount"),
            False,
            SENSUM_PAID_COLUMNS,
            (),
        ),
        "input_problems.csv": (
            lambda: problems.reindex(columns=list(PROBLEM_COLUMNS)),
            nothing_found,
            ",",
            ("row",),
            True,
            (),
            (),
        ),
    }
    assert tuple(writes) == OUTPUT_FILES
    flushed: list[Future] = []  # with durable: each file's flush, once written

    def write(name: str) -> dict[str, object]:
        columns, found, sep, numbers, mask, exact, breaks = writes[name]
        try:
            facts = write_csv(
                columns(), out_dir / name, sep=sep, numbers=numbers, mask=mask, found=found(), helper=pool,
                exact=exact, breaks=breaks,
            )  # fmt: skip
        except OSError as exc:
            raise OutputError(f"could not write {out_dir / name} ({exc.strerror or exc})") from None
        if durable:  # flushed by a third thread, while the two write on
            flushed.append(flusher.submit(fsync_path, out_dir / name))
        return facts

    # two threads share the work (the scans, the CSV writer and the hashing
    # are arrow's and hashlib's, which let go of the interpreter): one scans
    # the messages while the other starts on decisions.csv, the largest file;
    # then each takes the next file, the largest first
    largest_first = ("decisions.csv", "opus_notes.csv", "opus_postings.csv", "sensum_paid.csv")
    order = [*largest_first, *(n for n in OUTPUT_FILES if n not in largest_first)]
    with ThreadPoolExecutor(max_workers=1) as flusher, ThreadPoolExecutor(max_workers=2) as pool:
        if message_found is None:
            message_found = pool.submit(unsafe_cells, message, breaks=True)
        written = {name: pool.submit(write, name) for name in order}
        facts = {"decisions.csv": written["decisions.csv"].result()}
        crash_point("while-writing")
        facts |= {name: written[name].result() for name in OUTPUT_FILES}
        for done in flushed:
            done.result()
    if durable:
        fsync_path(out_dir)
    return {name: facts[name] for name in OUTPUT_FILES}
