"""Reading extract files as text: CSV (UTF-8 or Windows-1252, ``,`` or ``;``)
and xlsx workbooks into tables of text cells, the limits that refuse hostile
files (sizes, columns, workbook bombs, damaged sheets), and the mapping of
Danish or canonical headers to the canonical column names.

Workbooks are read with calamine (fast, a whole sheet at once) where a look
at the parts as written shows that it reads them as openpyxl does and within
the limits, else with openpyxl, a row at a time.

Nothing here knows what a cell means: :mod:`invoicekit.extracts` types the
tables this module reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import defusedxml.ElementTree as defused_et
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook, SheetTypeEnum

from invoicekit.columns import Column, header_key
from invoicekit.errors import MAX_INPUT_BYTES, InputError, MissingFileError, check_input_file, first_named
from invoicekit.identifiers import mask_cpr_text
from invoicekit.parsing import parse_dates
from invoicekit.texts import SCAN_BLOCK, arrow_text, matches_regex
from invoicekit.vocabulary import CURRENCY_CODES, KRONE_SAID, MANY_PERIODS, NO_END_DATE_RE, NOT_ISO_DATE


@dataclass
class RawTable:
    """An extract as text cells, before typing.

    ``misaligned`` maps a data row (1-based) whose number of fields did not
    match the header to that number. ``numeric`` marks, per column, the cells
    that were numbers in the workbook (xlsx only): a CPR number there may have
    lost its leading zero. ``shown`` maps a column's position to its number
    cells whose number format shows digits the number does not hold (xlsx
    only; :func:`shown_digits`), by row position, to the text shown: the frame
    holds their numbers, and :meth:`read_as_shown` puts the text in where a
    column is an identifier another system finds by it.
    """

    frame: pd.DataFrame
    misaligned: dict[int, int] = field(default_factory=dict)
    numeric: pd.DataFrame | None = None
    shown: dict[int, dict[int, str]] = field(default_factory=dict)
    #: per column position, the row positions of the cells that were dates in the workbook (xlsx only)
    dated: dict[int, set[int]] = field(default_factory=dict)

    def numeric_cells(self, column: str | None) -> np.ndarray:
        if self.numeric is None or column is None:
            return np.zeros(len(self.frame), dtype=bool)
        return self.numeric[column].to_numpy(dtype=bool)

    def dated_cells(self, column: str | None) -> np.ndarray:
        """The cells of the column headed ``column`` that were dates in the
        workbook: an identifier Excel made a date (``4-3`` typed, kept as 4
        March) is read as the date (``2019-03-04``), which nobody wrote."""
        out = np.zeros(len(self.frame), dtype=bool)
        if column is None or not self.dated:
            return out
        at = list(self.frame.columns).index(column)
        rows = sorted(self.dated.get(at, ()))
        out[rows] = True
        return out

    def read_as_shown(self, column: str | None) -> None:
        """The cells of the column headed ``column`` that a number format shows
        with digits their number does not hold (Sensum's grant id ``000108``
        kept as 108 formatted ``000000``) made the text Excel shows, in place;
        still number cells (``numeric``). For identifiers alone: an art account
        formatted ``00 00 00 00`` is still the number 40000000."""
        if column is None or not self.shown:
            return
        for k, name in enumerate(self.frame.columns):
            cells = self.shown.get(k)
            if name == column and cells:
                rows = np.fromiter(cells, dtype=np.int64, count=len(cells))
                values = self.frame.iloc[:, k].to_numpy(dtype=object, copy=True)
                values[rows] = list(cells.values())
                self.frame.isetitem(k, pd.Series(values, index=self.frame.index, dtype=object))


def utf16_or_binary(raw: bytes) -> bool:
    """Whether a file's first bytes are UTF-16 (Excel's "Unicode text" saves it) or no text at all:
    read as Windows-1252, each letter came with a zero byte beside it, and nothing was found."""
    return raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]


def _decode(raw: bytes, path: Path) -> str:
    if utf16_or_binary(raw):
        raise InputError(path, None, "file is UTF-16 or binary; expected CSV in UTF-8 or Windows-1252")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse_mixed_encodings(raw, exc.start, path)
        # Windows-1252; its five undefined bytes become U+FFFD rather than stop the run
        return raw.decode("cp1252", errors="replace")


#: a Latin-1 letter or sign written in UTF-8 (``ø`` is C3 B8, ``§`` C2 A7), or a dash, quote or
#: euro sign (``–`` is E2 80 93, ``€`` E2 82 AC): in Windows-1252 the same bytes are ``Ã``, ``Â`` or
#: ``â`` and a sign, which no Danish text writes
_UTF8_LATIN = re.compile(rb"[\xc2\xc3][\x80-\xbf]|\xe2[\x80-\x84][\x80-\xbf]")
#: any letter or sign of two or three bytes written in UTF-8 (not the overlong forms nor the
#: surrogates, which are no UTF-8: a file of those alone is Windows-1252)
_UTF8_LETTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
)
#: a letter written in UTF-8 with a byte Windows-1252 leaves undefined (81, 8D, 8F, 90, 9D):
#: ``Ł`` is C5 81. No Windows-1252 text holds it, so a file that does is UTF-8 there (a review
#: found ``ŁOD-7`` among Windows-1252 letters posted as ``Å\ufffdOD-7``)
_UTF8_UNDEFINED_IN_1252 = re.compile(
    rb"[\xc2-\xdf][\x81\x8d\x8f\x90\x9d]|[\xe0-\xef](?:[\x81\x8d\x8f\x90\x9d][\x80-\xbf]|[\x80-\xbf][\x81\x8d\x8f\x90\x9d])"
)
#: a line break, as the readers take any
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def mixed_encoding_lines(raw: bytes, bad: int) -> tuple[int, int] | None:
    """Where a file that is not UTF-8 throughout (its first byte that is not
    at ``bad``) also writes text in UTF-8: the lines of that byte and of the
    first UTF-8 letter, or None where it is one encoding. It mixes two when
    it writes a Latin letter, sign, dash or quote in UTF-8 (:data:`_UTF8_LATIN`),
    or a letter whose bytes Windows-1252 leaves undefined
    (:data:`_UTF8_UNDEFINED_IN_1252`), or when more of its bytes above ASCII
    make UTF-8 letters than not (a UTF-8
    file of other letters with a stray byte). In Windows-1252 text a letter
    and a quote may make such a pair by chance (``Æ”``), among many bytes that
    make none, so a Windows-1252 file is not taken for one by the count (a
    review refused such files). The one test of both readers: the extracts'
    and the truth's, which had a rule each (each let through what the other
    refused)."""
    found = _UTF8_LATIN.search(raw) or _UTF8_UNDEFINED_IN_1252.search(raw)
    if found is None:
        letters = list(_UTF8_LETTER.finditer(raw))
        high = int(np.count_nonzero(np.frombuffer(raw, dtype=np.uint8) >= 0x80))
        if not letters or len(letters) <= high - sum(m.end() - m.start() for m in letters):
            return None
        found = letters[0]
    line = len(_LINE_BREAK.findall(raw, 0, bad)) + 1
    return line, len(_LINE_BREAK.findall(raw, 0, found.start())) + 1


def _refuse_mixed_encodings(raw: bytes, bad: int, path: Path) -> None:
    """Refuse a file that :func:`mixed_encoding_lines` finds mixes two
    encodings: two exports pasted together, a hand edit in another program.
    Read whole as Windows-1252, every UTF-8 letter became two others: an
    invoice number ``SØ-1`` read ``SÃ˜-1``, which check 10 did not know and
    OPUS cannot find, and a Danish header no longer named its column (an
    attack on 0.9.20)."""
    lines = mixed_encoding_lines(raw, bad)
    if lines is None:
        return
    line, utf8_line = lines
    raise InputError(
        path,
        f"line {line}",
        f"holds a byte that is not UTF-8 (0x{raw[bad]:02X}), while line {utf8_line} writes a letter in UTF-8 (or "
        "text already garbled once, like 'Ã¦' for 'æ'): the file mixes two encodings, so its letters (and invoice "
        "numbers) cannot be read with certainty; expected CSV in UTF-8 or in Windows-1252 throughout: save it "
        "again in one of them",
    )


def sniff_separator(first_line: str) -> str:
    """The separator of a CSV by its header line: ``;`` where it holds more of them than ``,``."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def excel_separator(first_line: str) -> str | None:
    """The separator Excel's ``sep=`` first line names (``sep=;``); None
    where the line is no such line."""
    named = _EXCEL_SEPARATOR_LINE.fullmatch(first_line.rstrip("\r\n"))
    return named[1] if named is not None else None


def _read_bytes(path: Path) -> bytes:
    _check_file(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, None, f"cannot be read ({exc.strerror or exc})") from None
    if raw.startswith(b"PK\x03\x04"):  # it was called "UTF-16 or binary"
        raise InputError(
            path,
            None,
            "is a zip file (an Excel workbook saved under a .csv name?); expected CSV text, or the workbook under "
            "its .xlsx name",
        )
    return raw


def _check_file(path: Path, expected: str = "a .csv or .xlsx file") -> None:
    """A regular file of a readable size (:func:`~invoicekit.errors.check_input_file`)."""
    check_input_file(path, expected, MAX_FILE_BYTES)


def _utf8_bytes(raw: bytes, path: Path) -> bytes:
    """The file as UTF-8 with ``\\n`` line endings and no leading blank lines:
    what :func:`_decode` and the line-ending rules make of it, without
    holding it as Python text when it is UTF-8 already (nearly always)."""
    if utf16_or_binary(raw):
        return _decode(raw, path).encode("utf-8")  # raises the error for UTF-16 and binary
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not _is_utf8(raw):
        raw = _decode(raw, path).encode("utf-8")
    if b"\r" in raw:  # in UTF-8 the byte 0x0D is only ever the character \r
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if ends_in_dos_end(raw[-64:]):  # as old DOS and AS/400 exports end: no row
        # (only the tail is looked at; such a file is then copied once, without the bytes that end it)
        end = len(raw)
        while end and raw[end - 1] in b"\n\x1a":
            end -= 1
        raw = raw[:end]
    return raw.lstrip(b"\n")


#: the byte (Ctrl-Z) that ends a file written by old DOS and AS/400 programs: it
#: made a last row of its own, an invoice of blank cells but for it
DOS_END_OF_FILE = b"\x1a"


def ends_in_dos_end(tail: bytes) -> bool:
    """Whether a file whose last bytes are ``tail`` ends in
    :data:`DOS_END_OF_FILE` (line breaks after it allowed)."""
    return tail.rstrip(b"\r\n").endswith(DOS_END_OF_FILE)


#: Excel's first line naming the separator (``sep=;``), which it writes for
#: a CSV that is to open in columns whatever the machine's list separator
_EXCEL_SEPARATOR_LINE = re.compile(r'"?sep=([!#-/:-@\[-`{-~\t])"?[;,]*\s*', re.IGNORECASE)  # an ASCII mark, no quote


def _is_utf8(raw: bytes) -> bool:
    """Whether ``raw.decode("utf-8")`` would succeed, checked by arrow on the
    bytes as they are (no Python text made; the same strict rules: no
    surrogates, no overlong forms, nothing past U+10FFFF)."""
    offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(raw)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


#: ASCII characters Python's ``str.isspace`` accepts
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _is_blank_text(data: bytes) -> bool:
    """``not data.decode().strip()``, deciding on the first bytes when they can."""
    rest = data.lstrip(_ASCII_SPACE)
    if not rest:
        return True
    if rest[0] < 0x80:
        return False  # an ASCII character that is not whitespace
    return not data.decode("utf-8").strip()


#: how many lines a header row may take, its cells wrapped (a quoted line break in a cell)
MAX_HEADER_LINES = 10


def _header_first(data: bytes, first_line: str) -> tuple[bytes, str]:
    """``data`` and its first line, the header row first and on one line:
    rows of nothing but separators and spaces above it left out (Excel and
    LibreOffice write a blank first row as ``;;;;;;``, which was taken for
    the header and every column was said to be missing), and a header cell
    wrapped in Excel (Alt+Enter, written quoted with its line break) read
    with a space for the break, where the header was cut at the break and
    every row was read as misaligned (both an attack on 0.9.37)."""
    while first_line.strip(" \t\r;,") == "" and b"\n" in data:
        data = data[data.find(b"\n") + 1 :]
        end = data.find(b"\n")
        first_line = (data if end < 0 else data[:end]).decode("utf-8")
    if first_line.count('"') % 2 == 0:
        return data, first_line
    end = -1
    for _ in range(MAX_HEADER_LINES):  # the header's quote closed on a later line: the line break is a cell's
        end = data.find(b"\n", end + 1)
        if end < 0 or data[:end].count(b'"') % 2 == 0:
            break
    if end < 0 or data[:end].count(b'"') % 2:
        return data, first_line  # never closed: read as it is, and the reading says what is wrong
    header = data[:end].replace(b"\r\n", b" ").replace(b"\n", b" ").replace(b"\r", b" ")
    return header + data[end:], header.decode("utf-8")


def _read_csv_strings(path: Path, in_parts: bool = False) -> RawTable:
    """All cells as text, every line ending accepted. Rows whose every cell is
    blank are not data and are skipped. ``in_parts``: see :func:`read_raw`."""
    data = _utf8_bytes(_read_bytes(path), path)
    if _is_blank_text(data):
        raise InputError(path, None, "file is empty; expected a header row and data rows")
    end = data.find(b"\n")
    first_line = (data if end < 0 else data[:end]).decode("utf-8")  # not split: that copies the rest
    named = excel_separator(first_line)
    if named is not None:  # Excel's sep= line: the separator it names, the header on the next line
        data = b"" if end < 0 else data[end + 1 :].lstrip(b"\n")
        if _is_blank_text(data):
            raise InputError(path, None, "holds only Excel's sep= line; expected a header row and data rows")
        end = data.find(b"\n")
        first_line = (data if end < 0 else data[:end]).decode("utf-8")
    data, first_line = _header_first(data, first_line)
    sep = named if named is not None else sniff_separator(first_line)
    if named is None and first_line.count("\t") > max(first_line.count(";"), first_line.count(",")):
        # read with , its header was one column, and the message named a column that is plainly there
        raise InputError(
            path,
            "header row",
            "is separated by tabs; expected ; or , between the columns (save it as CSV, or as an .xlsx workbook)",
        )
    header = next(_csv_rows(first_line, sep, path))
    trailing = 0  # separators that end the header line: the rows may end in as many
    while len(header) > 1 and not header[-1].strip():
        header.pop()  # a trailing separator on the header line
        trailing += 1
    width = len(header)
    if width > MAX_COLUMNS:
        raise InputError(path, "header row", f"has {width:,} columns; expected at most {MAX_COLUMNS:,}")
    misaligned: dict[int, int] = {}
    try:
        table = _arrow_csv_in_parts(data, sep, width, chunk_per_part=in_parts)
        lines = _count_line_breaks(data) + (0 if data.endswith(b"\n") else 1)
        # each row takes at least one line: as many lines as rows and header
        # means no cell holds a line break, and no quote was left open
        one_line_each = lines == table.num_rows + 1
        table = _drop_blank_arrow_rows(table)
        _refuse_huge_arrow_cells(table, header, path)
        if not one_line_each:
            _refuse_unclosed_arrow_quotes(table, header, path, sep, width, data)
        # one chunk per column (per part): the typing's whole-column kernels then
        # take the cells as they are, without joining the chunks again for each kernel
        df = (table if in_parts else table.combine_chunks()).to_pandas()
        df.columns = header
        return RawTable(df, misaligned)
    except pa.ArrowInvalid:
        # Slow path: some rows have the wrong number of fields.
        body = []
        for row in _csv_rows(data.decode("utf-8"), sep, path):
            # as many trailing separators as the header line has are not fields; more fields
            # than that, blank or not, mean a separator inside a cell that was not quoted: the
            # cells after it moved one place, and the row's amount cannot be trusted
            while width < len(row) <= width + trailing and not row[-1].strip():
                row.pop()
            body.append(row)
        body = [row for row in body[1:] if any(cell.strip() for cell in row)]
        for k, row in enumerate(body, start=1):
            if len(row) != width:
                misaligned[k] = len(row)
        body = [(row + [""] * width)[:width] for row in body]
        df = pd.DataFrame(body, columns=header, dtype=object)
    df = _drop_blank_rows(df)
    _refuse_huge_cells(df, path)
    _refuse_unclosed_quotes(df, path, sep, width, data)
    return RawTable(df, misaligned)


def _count_line_breaks(data: bytes) -> int:
    """``data.count(b"\\n")``, a block at a time with numpy into one reused
    temporary: three times less CPU than Python's count on a large file
    (19 ms against 61 ms for a million invoices)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    found = np.empty(min(SCAN_BLOCK, len(raw)), dtype=bool)
    total = 0
    for at in range(0, len(raw), SCAN_BLOCK):
        block = raw[at : at + SCAN_BLOCK]
        total += int(np.count_nonzero(np.equal(block, 10, out=found[: len(block)])))
    return total


def _arrow_csv_in_parts(data: bytes, sep: str, width: int, chunk_per_part: bool) -> pa.Table:
    """:func:`_arrow_csv` of a file of :data:`CSV_PARTS_FROM_BYTES` or more
    as two parts read side by side, split after the line break nearest past
    the middle. ``chunk_per_part``: each column in one chunk per part (two
    in all), else in pieces, for the caller to join once.

    The first part is the start of the file, read as reading it whole reads
    it; it ends where a row ends unless the split falls inside a quoted cell
    (a cell holding a line break). Then it ends in a quote left open: its
    last cell ends in the line break, or its last row is short, which pyarrow
    refuses; either way the file is read whole instead, as it always was."""

    def read(rows: bytes | pa.Buffer, header: bool = True) -> pa.Table:
        table = _arrow_csv(rows, sep, width, header=header)
        return table.combine_chunks() if chunk_per_part else table

    start = data.find(b"\n") + 1  # the rows after the header line
    mid = data.find(b"\n", max(start, len(data) // 2)) + 1
    if len(data) < CSV_PARTS_FROM_BYTES or start == 0 or mid == 0 or mid == len(data):
        return read(data)
    buffer = pa.py_buffer(data)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            first, second = pool.submit(read, buffer.slice(0, mid)), pool.submit(read, buffer.slice(mid), False)
            parts = [first.result(), second.result()]
    except pa.ArrowInvalid:
        parts = []  # a row with the wrong number of fields, or the split inside a quoted cell
    if not parts or parts[0].num_rows == 0 or parts[0].column(width - 1)[-1].as_py().endswith("\n"):
        return read(data)  # raises ArrowInvalid for rows with the wrong number of fields
    return pa.concat_tables(parts)


def _arrow_csv(data: bytes | pa.Buffer, sep: str, width: int, header: bool = True) -> pa.Table:
    """The rows after the header of UTF-8 ``data`` (:func:`_utf8_bytes`) as
    text, read by pyarrow on this thread: a cell may hold a line break, and
    to read such a file in parallel pyarrow first scans it whole for the
    quotes, which costs about as much CPU as the reading (measured: 1.2 s of
    CPU against 0.65 s for a million invoices, for little gain in time when
    the other core is busy, as it is in a run). A row too long for a block is
    read again in blocks of 16 MB, and raises ``ArrowInvalid`` if it is
    longer still. ``header=False``: ``data`` holds rows only (the second part
    of :func:`_arrow_csv_in_parts`)."""
    names = [f"c{i}" for i in range(width)]
    for block_size in (1 << 22, 1 << 24):
        try:
            return pacsv.read_csv(
                pa.BufferReader(data) if isinstance(data, pa.Buffer) else io.BytesIO(data),
                read_options=pacsv.ReadOptions(
                    skip_rows=1 if header else 0, column_names=names, block_size=block_size, use_threads=False
                ),
                parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    # large_string: what pandas holds text as, so to_pandas need not convert
                    column_types={n: pa.large_string() for n in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    # the bytes are UTF-8 already (_utf8_bytes checked or made them so),
                    # and every cell is too: separators, quotes and line ends are ASCII
                    check_utf8=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            if block_size == 1 << 24 or "straddl" not in str(exc):
                raise
    raise AssertionError("unreachable")


#: rows from which an extract's date columns are read side by side
DATES_APART_FROM = 100_000
#: a CSV file this large or larger is read in two parts side by side (:func:`_arrow_csv_in_parts`)
CSV_PARTS_FROM_BYTES = 1 << 23
#: the largest cell read (robot spec, limits): a bigger one is not an extract
MAX_CELL_BYTES = 1_000_000
#: the largest extract file, the most text a sheet may hold, the most columns
MAX_FILE_BYTES = MAX_INPUT_BYTES
MAX_SHEET_TEXT = 1_000_000_000
MAX_COLUMNS = 1_000
#: a workbook part that unpacks to more than this many times its packed size and ...
MAX_UNPACK_RATIO = 100
#: ... to more than this many bytes is refused, as is a workbook over MAX_UNPACKED_TOTAL in all
MAX_UNPACKED_PART = 100_000_000
MAX_UNPACKED_TOTAL = 1_000_000_000


def _csv_rows(text: str, sep: str, path: Path) -> Iterator[list[str]]:
    """Python's CSV reader with room for cells up to the limit; a bigger cell
    is refused with its line number."""
    old = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL_BYTES * 4 + 1)  # characters; the byte limit is checked after
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(
                    path, f"line {reader.line_num}", f"cannot be read as CSV ({exc}); expected cells under 1 MB"
                ) from None
            yield row
    finally:
        csv.field_size_limit(old)


def _refuse_huge_cells(df: pd.DataFrame, path: Path, sheet: str | None = None) -> None:
    """A cell over :data:`MAX_CELL_BYTES` (UTF-8) refuses the file, naming the row and column."""
    for name in df.columns:
        if len(str(name).encode("utf-8", "replace")) > MAX_CELL_BYTES:
            raise InputError(path, _where(sheet, "header row"), "holds a cell over 1 MB; expected cells under 1 MB")
    for col in range(len(df.columns)):
        values = df.iloc[:, col]
        if isinstance(values.dtype, pd.StringDtype):
            arr = pa.array(values)  # no copy: pandas holds text in arrow already
        else:
            arr = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        sizes = pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)
        if len(sizes) and sizes.max() > MAX_CELL_BYTES:
            k = int(np.argmax(sizes > MAX_CELL_BYTES))
            raise InputError(
                path,
                _where(sheet, f"row {k + 1}, column '{str(df.columns[col])[:80]}'"),
                f"holds a cell of {sizes[k]:,} bytes; expected cells under 1 MB",
            )


def _blank_cells(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Whether each cell is blank once trimmed (``utf8_trim_whitespace``),
    told without trimming a copy of every cell: it is empty, or all
    whitespace by the test trimming uses (``utf8_is_space``)."""
    return pc.or_(pc.equal(pc.binary_length(values), 0), pc.utf8_is_space(values))


def _drop_blank_arrow_rows(table: pa.Table) -> pa.Table:
    """:func:`_drop_blank_rows` for the table pyarrow read: only the rows blank
    in every column so far are looked at in the next."""
    n = table.num_rows
    if table.num_columns == 0 or n == 0:
        return table
    candidates = np.arange(n)
    for values in table.columns:
        if len(candidates) < n:
            values = values.take(pa.array(candidates))
        blank = _blank_cells(values).to_numpy(zero_copy_only=False)
        candidates = candidates[blank]
        if len(candidates) == 0:
            return table
    keep = np.ones(n, dtype=bool)
    keep[candidates] = False
    return table.filter(pa.array(keep))


def _refuse_huge_arrow_cells(table: pa.Table, header: list[str], path: Path) -> None:
    """:func:`_refuse_huge_cells` for the table pyarrow read."""
    for name in header:
        if len(str(name).encode("utf-8", "replace")) > MAX_CELL_BYTES:
            raise InputError(path, "header row", "holds a cell over 1 MB; expected cells under 1 MB")
    for col, values in enumerate(table.columns):
        if len(values) == 0 or pc.max(pc.binary_length(values)).as_py() <= MAX_CELL_BYTES:
            continue
        sizes = pc.binary_length(values).to_numpy(zero_copy_only=False)
        k = int(np.argmax(sizes > MAX_CELL_BYTES))
        raise InputError(
            path,
            f"row {k + 1}, column '{str(header[col])[:80]}'",
            f"holds a cell of {sizes[k]:,} bytes; expected cells under 1 MB",
        )


def _refuse_unclosed_arrow_quotes(
    table: pa.Table, header: list[str], path: Path, sep: str, width: int, data: bytes
) -> None:
    """:func:`_refuse_unclosed_quotes` for the table pyarrow read."""
    cells = []
    for col, values in enumerate(table.columns):
        multi = pc.match_substring(values, "\n")
        if not pc.any(multi).as_py():
            continue
        rows = np.flatnonzero(multi.to_numpy(zero_copy_only=False))
        cells.extend(
            (int(k), col, header[col], cell) for k, cell in zip(rows, values.filter(multi).to_pylist(), strict=True)
        )
    _refuse_swallowing(cells, path, sep, width, data)


def _drop_blank_rows(df: pd.DataFrame) -> pd.DataFrame:
    if len(df.columns) == 0 or len(df) == 0:
        return df.reset_index(drop=True)
    blank = np.ones(len(df), dtype=bool)
    for col in range(len(df.columns)):
        blank &= (df.iloc[:, col].fillna("").astype(str).str.strip() == "").to_numpy()
    return df[~blank].reset_index(drop=True) if blank.any() else df


def _refuse_unclosed_quotes(df: pd.DataFrame, path: Path, sep: str, width: int, data: bytes) -> None:
    """Refuse a file with a quote that swallowed what follows it into one
    cell (:func:`_refuse_swallowing`), for the rows Python's reader read."""
    cells = []
    for col in range(len(df.columns)):
        values = df.iloc[:, col].fillna("").astype(str)
        multi = values.str.contains("\n", regex=False).to_numpy()
        cells.extend((int(k), col, df.columns[col], values.iat[k]) for k in np.flatnonzero(multi))
    _refuse_swallowing(cells, path, sep, width, data)


def _refuse_swallowing(
    cells: list[tuple[int, int, object, str]], path: Path, sep: str, width: int, data: bytes
) -> None:
    """Refuse a file whose cell of several lines (``cells``: row, column
    number, header, cell) was not quoted as CSV quotes one: its quote is
    never closed, or the quote that ends it is followed by something other
    than a separator or the line's end (``"Solsikken`` above ``Bosted
    "Lyset"``: a stray quote closed by one inside the next row). Read so, the
    rest of the row and the start of the next were taken for one cell and the
    next row's values for this row's: an invoice was posted with the next
    one's period, and the next had no decision (an attack on 0.9.37). A cell
    Excel wrapped and quoted is closed by its quote and a separator or the
    line's end (a rule that counted its separators refused correct files: a
    review), unless a line of it holds a field for every column. Cells are looked for in the file in row
    order, from where the last was found: once through the file."""
    at = 0
    quote, sep_byte = ord('"'), ord(sep)
    for k, _col, column, cell in sorted(cells, key=lambda c: (c[0], c[1])):
        lines = cell.split("\n")
        if width > 1 and any(line.count(sep) >= width - 1 for line in lines[1:]):
            # a line of it holds a field for every column: whole rows swallowed, by a quote closed or not (a text
            # line of as many separators as a row has reads so too, and is refused with it: a row lost is worse)
            raise _swallowed(path, k, column, 'a quote (") opened here is never closed')
        first = lines[0].rstrip("\r").encode("utf-8")
        if not first:  # a cell beginning with its line break: nothing to find it by (the header's quote was found)
            continue
        opens = -1
        for ending in (b"\n", b"\r\n"):
            found = data.find(b'"' + first + ending, at)
            opens = found if opens < 0 or (0 <= found < opens) else opens
        if opens < 0:  # not found as written (a cell the reader changed): whole rows swallowed were looked for
            continue
        q = opens + 1
        while True:  # the quote that closes the cell: not one of a pair ("") that writes a quote
            q = data.find(b'"', q)
            if q < 0 or q + 1 >= len(data) or data[q + 1] != quote:
                break
            q += 2
        if q < 0:
            raise _swallowed(path, k, column, 'a quote (") opened here is never closed')
        after = data[q + 1] if q + 1 < len(data) else None
        if after not in (None, sep_byte, ord("\n"), ord("\r")):
            raise _swallowed(
                path, k, column, 'a quote (") opened here is not closed in its row, but by a quote inside a later one'
            )
        at = q + 1


def _swallowed(path: Path, k: int, column: object, said: str) -> InputError:
    return InputError(
        path,
        f"row {k + 1}, column '{column}'",
        f"{said}, so the rows after it were read as part of this cell, and the next row's values as this row's; "
        "expected every quote closed in its own row",
    )


@dataclass(frozen=True, slots=True)
class ShownNumber:
    """A workbook's number cell (``value``) and the text its number format
    shows (``text``, :func:`shown_digits`): 108 formatted ``000000`` shows
    ``000108`` (Sensum's grant id)."""

    value: int | float
    text: str


#: a number format's section that shows digits alone: digit placeholders, and digits quoted or escaped
#: (``000000``, ``"0"00000``); anything else it shows (``"B-"0``, ``000000-0000``, a decimal point, a
#: thousands separator, a percent, a fraction's ``/``, a colour, a date letter) leaves the number as it is
_DIGITS_SECTION = re.compile(r'(?:[0#]|"\d*"|\\\d)*0(?:[0#]|"\d*"|\\\d)*')
_FORMAT_TOKEN = re.compile(r'[0#]|"[^"]*"|\\.|.')


def _sections(code: str) -> list[str]:
    """A number format's sections: split at each ``;`` outside quotes and not escaped (``\\;``)."""
    out, start, quoted, escaped = [], 0, False, False
    for k, c in enumerate(code):
        if escaped:
            escaped = False
        elif c == "\\" and not quoted:
            escaped = True
        elif c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            out.append(code[start:k])
            start = k + 1
    return [*out, code[start:]]


def shown_digits(value: object, code: str | None) -> str | None:
    """The text Excel shows for a whole number ``value`` ≥ 0 in number format
    ``code`` where that format shows it with zeros in front and nothing but
    digits (``000108`` of 108 in ``000000``); None where the format shows the
    number itself, shows more than digits (a literal, ``"B-"0``, or a dash,
    ``000000-0000``: read as the value, as before, so that an id is still
    compared by its value with one written without it), or is one the readers
    do not render (decimals, thousands, dates, colours), or the value is
    negative or not whole. Excel fills the placeholders from the right: ``0``
    shows a zero where no digit is left, ``#`` nothing, and digits beyond the
    placeholders go before the first. A text of more than 15 digits is a
    number cell Excel could not hold to the last digit, to the readers
    (:func:`invoicekit.extracts.lost_digit_cells`): safe, never the value
    without its zeros."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not code:
        return None
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            return None
        value = int(value)
    sections = _sections(code)
    # the first section shows a number > 0, and a zero too unless a third is written for it
    section = sections[2] if value == 0 and len(sections) >= 3 else sections[0]
    if value < 0 or not _DIGITS_SECTION.fullmatch(section):
        return None
    digits = str(value)
    tokens = _FORMAT_TOKEN.findall(section)
    placeholders = [k for k, t in enumerate(tokens) if t in ("0", "#")]
    shown = [t[1:-1] if t.startswith('"') else t[1:] if t.startswith("\\") else t for t in tokens]
    left = digits
    for k in reversed(placeholders):
        shown[k] = left[-1] if left else ("0" if tokens[k] == "0" else "")
        left = left[:-1]
    shown[placeholders[0]] = left + shown[placeholders[0]]
    text = "".join(shown)
    if text == digits or not (text.isascii() and text.isdigit()):
        return None
    return text


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, ShownNumber):
        value = value.value  # the number: read_as_shown puts the text in where a column is an identifier
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        # no finer than ten decimals: a formula's residue (=SUM(..)-SUM(..): 2.27E-13, shown 0,00) is 0 (a
        # review: read as 0.000000000000227373675443232 it was no amount)
        value = round(value, 10) + 0.0
        if value.is_integer():
            return str(int(value))
        # as Excel shows it: its 15 significant digits, never an exponent; no float noise such as
        # 0.30000000000000004, nor 843738.0699999999 of 843738.07 (ten decimals showed the noise of an amount
        # from 100,000 kr. on, and its invoice went to manual as no amount, its grant left out: an attack)
        text = format(Decimal(f"{value:.15g}"), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if re.fullmatch(r"-?\d{1,3}(?:\.\d{3})+", text):
            text += "0"  # 24.205 is a number with decimals, never 24.205 with a Danish thousands dot
        return text
    return str(value)


def sheet_rows(
    ws, path: Path, sheet: str, formats: bool = False, merged: list[tuple[int, int, int, int]] | None = None
) -> RawTable:
    """The rows of an openpyxl sheet as text. The sheet's own claim of its
    size is not trusted (a hostile one claims every cell of the grid); nor is
    its text, which may repeat one shared string many times: over
    :data:`MAX_SHEET_TEXT` characters in all, the sheet is refused.
    ``formats``: the workbook has number formats that show digits a number
    does not hold (:func:`shown_digits`): the text shown is kept beside
    (:attr:`RawTable.shown`)."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's warnings may quote a cell (a CPR number as a date)
            if formats:
                rows = ([_shown_cell(c) for c in row] for row in ws.iter_rows())
            else:
                rows = ws.iter_rows(values_only=True)
            return _table_from_rows(_merged_filled(rows, merged or []), path, sheet)
    except InputError:
        raise
    except Exception as exc:  # a damaged sheet: openpyxl raises many kinds while reading rows
        raise InputError(
            path, f"sheet '{sheet}'", f"cannot be read ({type(exc).__name__}); expected an Excel .xlsx workbook"
        ) from None


def _shown_cell(cell: object) -> object:
    """An openpyxl cell's value; a number as its format shows it where that
    writes digits the number does not hold (a :class:`ShownNumber`)."""
    value = getattr(cell, "value", None)
    if type(value) is int or type(value) is float:
        try:
            code = cell.number_format
        except (IndexError, KeyError, AttributeError):  # a style or format the workbook names but lacks: General
            return value
        text = shown_digits(value, code)
        if text is not None:
            return ShownNumber(value, text)
        currency = format_currency(code)
        if currency is not None:  # read as shown: no DKK amount (an attack on 0.9.38 found it posted as kroner)
            return f"{_cell_text(value)} {currency}"
    return value


#: a currency symbol a number format writes, and its code
_CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}
#: the locales (Excel's language ids, ``[$kr.-406]``) whose ``kr`` is the Danish krone, and those of others'
_KRONE_LOCALES = {"406": "DKK", "438": "DKK", "46f": "DKK", "41d": "SEK", "81d": "SEK", "414": "NOK", "814": "NOK",
                  "40f": "ISK"}  # fmt: skip
_FORMAT_BRACKET = re.compile(r"\[\$([^\]-]*)(?:-([^\]]*))?\]")


def format_currency(code: str | None) -> str | None:
    """The currency other than the Danish krone that a number format shows a number in (``EUR`` of
    ``#,##0.00 [$€-407]``, ``[$EUR] #,##0.00``, ``#,##0.00 "EUR"``, ``€#,##0``; ``SEK`` of ``[$kr-41D]``); None
    for one showing kroner (``[$kr.-406]``, ``"kr."``) or no currency. A workbook's amount cell so formatted
    shows 28.500,00 € and holds 28500: read as its number, it was posted as 28.500 kr. (an attack on 0.9.38)."""
    if not code or not any(ch in code for ch in '[$"€£¥'):
        return None
    found: list[str | None] = []
    for m in _FORMAT_BRACKET.finditer(code):
        # Excel's language id (``-406``), or another tail (``-x-euro2``, Excel 365's): no locale
        tail = (m.group(2) or "").lower()
        said, locale = m.group(1).strip(), tail[-3:] if re.fullmatch(r"[0-9a-f]+", tail) else ""
        word = said.rstrip(".").upper()
        if word == "KR":
            found.append(_KRONE_LOCALES.get(locale, "DKK" if not locale else f"kr ({locale})"))
        elif said in _CURRENCY_SYMBOLS:
            found.append(_CURRENCY_SYMBOLS[said])
        elif word in CURRENCY_CODES or word in KRONE_SAID:
            found.append(word)
    for quoted in re.findall(r'"([^"]*)"', code):
        found += [_CURRENCY_SYMBOLS.get(w, w.upper()) for w in re.findall(r"[€$£¥]|[A-Za-z]{3}", quoted)
                  if w in _CURRENCY_SYMBOLS or w.upper() in CURRENCY_CODES]  # fmt: skip
    # what it shows outside quotes and brackets, an escaped character as itself (``\€``: Excel's euro typed in)
    outside = re.sub(r'"[^"]*"|\[[^\]]*\]', "", code).replace("\\", "")
    found += [_CURRENCY_SYMBOLS[ch] for ch in outside if ch in _CURRENCY_SYMBOLS]
    return next((c for c in found if c and c not in KRONE_SAID), None)


#: the types of the cells that are not numbers in most rows of a sheet
_TEXT_OR_BLANK = frozenset({str, type(None)})


#: a merged range of a sheet's part: ``<mergeCell ref="G2:G3"/>`` (a prefixed element too)
_MERGE_CELL = re.compile(rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')


def _column_index(letters: bytes) -> int:
    k = 0
    for ch in letters:
        k = k * 26 + ch - 64
    return k - 1


def merged_ranges(parts: dict[str, bytes], title: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of the sheet named ``title`` (first row, first
    column, last row, last column; from 0), from its part as stored."""
    found = []
    for part in (p for p in parts if p.startswith("xl/worksheets/") and p.endswith(".xml")):
        if b"mergeCell" not in parts[part] or _sheet_title(parts, part) != title:
            continue
        for c1, r1, c2, r2 in _MERGE_CELL.findall(parts[part]):
            found.append((int(r1) - 1, _column_index(c1), int(r2) - 1, _column_index(c2)))
    return found


#: how each reader's advice for a hidden row begins (:meth:`Workbook.refuse_rows_not_shown`), left out for a
#: collapsed group, which is expanded instead
_SHOW_IT = "show it (or clear the filter), or "
#: why a row of a sheet is not shown as data (:func:`rows_not_shown`)
ROW_HIDDEN, ROW_STRUCK, ROW_GROUPED = "hidden", "struck through", "in a collapsed group"


def rows_not_shown(parts: dict[str, bytes], title: str) -> list[tuple[int, str]]:
    """The rows of the sheet named ``title`` that hold values a person does
    not read as data, each as Excel numbers it with why: hidden (right-click,
    Hide; or filtered away; or in a collapsed group, an outline Excel draws with a + beside
    it), or every value in it struck through (a row a
    person reads as void). From the parts as stored; nearly always none, and
    a sheet without a hidden row or a struck-through font is not parsed."""
    struck = _struck_styles(parts)
    found: list[tuple[int, str]] = []
    for part in (p for p in parts if p.startswith("xl/worksheets/") and p.endswith(".xml")):
        data = parts[part]
        if _sheet_title(parts, part) != title or not (_may_hide_rows(data, struck) or _may_strike_text(parts, data)):
            continue
        texts = _CellTexts(parts)
        for row in _rows_streamed(data):
            gone = []  # each cell of a value: struck through (by its style, or in its text)
            for c in row:
                if not c.tag.endswith("}c"):
                    continue
                if texts(c).strip():  # as the reader reads it: a cell of spaces holds nothing
                    gone.append(int(c.get("s") or 0) in struck or texts.struck(c))
            if not gone:
                continue
            at = int(row.get("r") or 0)
            if row.get("hidden") in ("1", "true"):
                grouped = (row.get("outlineLevel") or "0").strip() not in ("", "0")
                found.append((at, ROW_GROUPED if grouped else ROW_HIDDEN))
            elif all(gone):
                found.append((at, ROW_STRUCK))
    return sorted(found)


class _CellTexts:
    """A ``c`` element's text as stored (a shared string looked up, read once when first needed), and whether
    its text itself is struck through (:meth:`struck`)."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        self._parts = parts
        self._shared: list[str] | None = None
        self._struck_shared: set[int] | None = None

    def __call__(self, c) -> str:
        held = "".join(t for v in c if v.tag.endswith(("}v", "}is")) for t in v.itertext())
        if c.get("t") == "s" and held.strip().isascii() and held.strip().isdigit():  # a shared string's index
            self._shared = _shared_strings(self._parts) if self._shared is None else self._shared
            held = self._shared[int(held)] if int(held) < len(self._shared) else held
        return held

    def struck(self, c) -> bool:
        """Whether the cell's text is struck through in the text itself (rich text, each run of it that shows
        something: a strike made while editing the cell, which its style does not say)."""
        if c.get("t") == "inlineStr":
            return any(_runs_struck(v) for v in c if v.tag.endswith("}is"))
        if c.get("t") != "s":
            return False
        if self._struck_shared is None:
            self._struck_shared = _struck_strings(self._parts)
        index = "".join(t for v in c if v.tag.endswith("}v") for t in v.itertext()).strip()
        return index.isascii() and index.isdigit() and int(index) in self._struck_shared


def _runs_struck(text) -> bool:
    """Whether a rich text (``si`` or ``is``) has runs, and each run that shows something is struck through."""
    runs = [r for r in text if r.tag.endswith("}r")]
    shown = [r for r in runs if "".join(t.text or "" for t in r if t.tag.endswith("}t")).strip()]
    if not shown:
        return False
    for r in shown:
        props = next((p for p in r if p.tag.endswith("}rPr")), None)
        strike = None if props is None else next((p for p in props if p.tag.endswith("}strike")), None)
        if strike is None or strike.get("val", "1").strip().lower() in ("0", "false"):
            return False
    return True


def _struck_strings(parts: dict[str, bytes]) -> set[int]:
    """The indices of the workbook's shared strings whose text is struck through (:func:`_runs_struck`)."""
    data = parts.get("xl/sharedStrings.xml", b"")
    if b"strike" not in data:
        return set()
    try:
        root = defused_et.fromstring(data)
    except Exception:  # damaged: read as it reads
        return set()
    return {k for k, si in enumerate(e for e in root if e.tag.endswith("}si")) if _runs_struck(si)}


def _may_strike_text(parts: dict[str, bytes], data: bytes) -> bool:
    """Whether a worksheet part may hold a cell whose text is struck through in itself (a shared string or an
    inline one with a strike)."""
    return b"strike" in parts.get("xl/sharedStrings.xml", b"") or b"strike" in data


def _ref_column(ref: str) -> int:
    """The 1-based column of a cell reference (``D2`` → 4); 0 where it names none."""
    letters = ref.rstrip("0123456789").upper()
    if not letters or not all("A" <= ch <= "Z" for ch in letters):
        return 0
    return _column_number(letters.encode("ascii"))


def columns_not_shown(parts: dict[str, bytes], title: str) -> tuple[set[str], list[tuple[int, str, dict[str, str]]]]:
    """Of the sheet named ``title``, whose header is its first row of values: the headers of its hidden
    columns (``<col … hidden="1"/>``), and each cell below the header that holds a value struck through (by
    its style, or in its text: :meth:`_CellTexts.struck`), as (the row as Excel numbers it, its column's
    header, the row's texts by header). From the parts as stored; a sheet with neither a hidden column nor
    a strike is not parsed."""
    struck = _struck_styles(parts)
    hidden_headers: set[str] = set()
    struck_cells: list[tuple[int, str, dict[str, str]]] = []
    for part in (p for p in parts if p.startswith("xl/worksheets/") and p.endswith(".xml")):
        data = parts[part]
        if _sheet_title(parts, part) != title:
            continue
        hidden = _hidden_columns(data)
        if not hidden and not (struck and _may_hide_rows(data, struck)) and not _may_strike_text(parts, data):
            continue
        texts, header = _CellTexts(parts), None
        for row in _rows_streamed(data):
            cells, at = [], 0
            for c in (c for c in row if c.tag.endswith("}c")):
                at = _ref_column(c.get("r") or "") or at + 1
                cells.append((at, texts(c).strip(), int(c.get("s") or 0) in struck or texts.struck(c)))
            if header is None:
                if any(text for _, text, _ in cells):
                    header = {col: text for col, text, _ in cells if text}
                    hidden_headers |= {text for col, text in header.items() if col in hidden}
                continue
            row_at = int(row.get("r") or 0)
            held = {header[col]: text for col, text, _ in cells if col in header}
            struck_cells += [
                (row_at, header[col], held) for col, text, gone in cells if text and gone and col in header
            ]
    return hidden_headers, struck_cells


def _hidden_columns(data: bytes) -> set[int]:
    """The 1-based columns a worksheet part hides (``<col min="4" max="4" hidden="1"/>``)."""
    if b"hidden" not in data:
        return set()
    out: set[int] = set()
    for m in _HIDDEN_COL.finditer(data):
        low, high = int(m["min"]), int(m["max"])
        out |= set(range(low, min(high, low + 16384) + 1))
    return out


#: a ``col`` element hidden, its range
_HIDDEN_COL = re.compile(
    rb"""<(?:\w+:)?col\b(?=[^>]*\bhidden\s*=\s*["'](?:1|true)["'])(?=[^>]*\bmin\s*=\s*["'](?P<min>\d+)["'])"""
    rb"""(?=[^>]*\bmax\s*=\s*["'](?P<max>\d+)["'])"""
)
#: a row element hidden (``<row r="3" hidden="1">``; a hidden column's ``<col … hidden="1"/>`` is none)
_HIDDEN_ROW = re.compile(rb"""<(?:\w+:)?row\b[^>]*\bhidden\s*=\s*["'](?:1|true)["']""")


def _may_hide_rows(data: bytes, struck: frozenset[int]) -> bool:
    """Whether a worksheet part may hold a hidden row, or a cell in a style
    struck through: only such a sheet is parsed a row at a time. A hidden
    column (``hidden="1"`` too) or a struck style no cell uses made every row
    of a large workbook be looked at in Python (a review: 30 s more at a
    million rows)."""
    if b"hidden" in data and _HIDDEN_ROW.search(data):
        return True
    if not struck:
        return False
    ids = b"|".join(str(k).encode() for k in sorted(struck))
    return re.search(rb"""<(?:\w+:)?c\b[^>]*\bs\s*=\s*["'](?:""" + ids + rb""")["']""", data) is not None


def _rows_streamed(data: bytes) -> Iterator:
    """The ``row`` elements of a worksheet part, each dropped once looked at:
    a sheet of a million invoices parsed whole took gigabytes (the spec's
    limit is about 4 GB), streamed a row's worth. A damaged sheet ends the
    rows where it is damaged: reading it says what is wrong."""
    try:
        for _event, el in defused_et.iterparse(io.BytesIO(data), events=("end",)):
            if el.tag.endswith("}row"):
                yield el
                el.clear()
    except Exception:
        return


def _shared_strings(parts: dict[str, bytes]) -> list[str]:
    """The workbook's shared strings, in order (empty where it has none that read)."""
    try:
        root = defused_et.fromstring(parts.get("xl/sharedStrings.xml", b"<sst/>"))
    except Exception:  # damaged: each cell's index read as it is
        return []
    return ["".join(t.text or "" for t in si.iter() if t.tag.endswith("}t")) for si in root if si.tag.endswith("}si")]


def _struck_styles(parts: dict[str, bytes]) -> frozenset[int]:
    """The cell styles (``cellXfs``) whose font is struck through."""
    data = parts.get("xl/styles.xml", b"")
    if b"strike" not in data:
        return frozenset()
    try:
        root = defused_et.fromstring(data)
    except Exception:  # damaged styles: the sheet is read as it reads
        return frozenset()
    fonts = next((el for el in root if el.tag.endswith("}fonts")), None)
    xfs = next((el for el in root if el.tag.endswith("}cellXfs")), None)
    if fonts is None or xfs is None:
        return frozenset()
    struck_fonts = {
        k
        for k, font in enumerate(f for f in fonts if f.tag.endswith("}font"))
        if any(el.tag.endswith("}strike") and el.get("val") not in ("0", "false") for el in font)
    }
    return frozenset(
        k for k, xf in enumerate(x for x in xfs if x.tag.endswith("}xf")) if int(xf.get("fontId") or 0) in struck_fonts
    )


def _merged_filled(
    rows: Iterable[Sequence[object]], merged: list[tuple[int, int, int, int]]
) -> Iterator[Sequence[object]]:
    """``rows`` (from the sheet's first row and column) with every cell of a
    merged range below the header row holding its first cell's value, as
    Excel shows it: read as blank, a merged ``Gyldig til`` was open-ended (a
    posting on an expired PSP element), a merged ``Bevilling`` of paid marks
    left a month paid by hand unpaid, and paid again (an attack on 0.9.35). A
    range in the header row is left as it is (a title over the columns), and
    so is a row that holds nothing of its own (a blank row a merged cell
    reaches over is no row of data: read so, a blank spacer row under a
    merged grant id was a paid mark of no period, holding every month back;
    a review). The ranges are looked up by row (a sheet of 8,000 merged
    ranges took seconds when each row looked at all of them)."""
    if not merged:
        yield from rows
        return
    starting: dict[int, list[tuple[int, int, int, int]]] = {}
    for m in merged:
        starting.setdefault(m[0], []).append(m)
    header_at: int | None = None
    active: list[tuple[int, int, int, int]] = []
    held: dict[tuple[int, int, int, int], object] = {}
    for i, row in enumerate(rows):
        if header_at is None:
            if any(v is not None and str(v).strip() for v in row):
                header_at = i
            yield row
            continue
        active = [m for m in active if m[2] >= i] + starting.get(i, [])
        if not active:
            yield row
            continue
        row = list(row)
        covered = {(i, j) for m in active for j in range(m[1], m[3] + 1) if (i, j) != (m[0], m[1])}
        own = any(v is not None and str(v).strip() for j, v in enumerate(row) if (i, j) not in covered)
        for m in active:
            if i == m[0]:
                held[m] = row[m[1]] if m[1] < len(row) else None
            if not own:
                continue
            if len(row) <= m[3]:
                row += [None] * (m[3] + 1 - len(row))
            for j in range(m[1], m[3] + 1):
                if (i, j) != (m[0], m[1]):
                    row[j] = held.get(m)
        yield row


def _table_from_rows(rows: Iterable[Sequence[object]], path: Path, sheet: str) -> RawTable:
    """A sheet's rows of cell values (openpyxl's or calamine's: text,
    numbers, dates, booleans, None) as text cells, blank rows left out, with
    the limits on columns, text and cell size."""
    header: list[str] | None = None
    body: list[list[str]] = []
    numeric: list[list[bool]] = []
    shown: dict[int, dict[int, str]] = {}
    dated: dict[int, set[int]] = {}
    total = 0
    for values in rows:
        cells = [v if type(v) is str else _cell_text(v) for v in values[: MAX_COLUMNS + 1]]  # most are text
        if not any(map(str.strip, cells)):
            continue  # a blank row is not data
        total += sum(map(len, cells))
        if total > MAX_SHEET_TEXT:
            raise InputError(path, f"sheet '{sheet}'", "holds over 1,000,000,000 characters; expected an extract")
        if header is None:
            header = cells
            while header and not header[-1].strip():
                header.pop()
            if len(header) > MAX_COLUMNS:
                raise InputError(path, f"sheet '{sheet}'", f"has over {MAX_COLUMNS:,} columns; expected fewer")
            continue
        width = len(header)
        body.append((cells + [""] * width)[:width])
        if _TEXT_OR_BLANK.issuperset(map(type, values[:width])):
            flags = [False] * width  # most rows: no number
        else:
            flags = [isinstance(v, int | float | ShownNumber) and not isinstance(v, bool) for v in values[:width]]
            for k, v in enumerate(values[:width]):
                if type(v) is ShownNumber:
                    shown.setdefault(k, {})[len(body) - 1] = v.text
                elif isinstance(v, dt.date):
                    dated.setdefault(k, set()).add(len(body) - 1)
        numeric.append((flags + [False] * width)[:width])
    if header is None:
        raise InputError(path, f"sheet '{sheet}'", "sheet is empty; expected a header row and data rows")
    frame = pd.DataFrame(body, columns=header, dtype=object)
    _refuse_huge_cells(frame, path, sheet)
    return RawTable(frame, {}, pd.DataFrame(numeric, columns=header, dtype=bool), shown, dated)


def _refuse_workbook_bomb(path: Path) -> None:
    """A workbook is a zip: one whose parts unpack to far more than they
    pack (robot spec, limits) is refused before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return  # not a zip: openpyxl says so below
    total = 0
    for part in parts:
        total += part.file_size
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MAX_UNPACKED_PART and ratio > MAX_UNPACK_RATIO:
            raise InputError(
                path,
                f"part '{part.filename[:80]}'",
                f"unpacks to {part.file_size:,} bytes, {ratio:,.0f} times its packed size; "
                "expected a workbook whose sheets unpack to at most 100 MB or 100 times their size",
            )
    if total > MAX_UNPACKED_TOTAL:
        raise InputError(path, None, f"unpacks to {total:,} bytes in all; expected a workbook under 1 GB unpacked")


#: a formula whose cell ends without a value: ``<f>…</f></c>``, ``<f …/></c>`` or with an empty
#: value, as openpyxl writes one (a cell holds its formula, then its value); prefixed elements too
_UNSAVED_FORMULA = re.compile(
    rb"(?:</(?:[\w.-]+:)?f>|<(?:[\w.-]+:)?f\b[^>]*/>)\s*(?:<(?:[\w.-]+:)?v\s*/>|<(?:[\w.-]+:)?v>\s*</(?:[\w.-]+:)?v>)?"
    rb"\s*</(?:[\w.-]+:)?c>"
)
#: a whole cell: its attributes and what it holds
_WHOLE_CELL = re.compile(rb"<(?:[\w.-]+:)?c(\s[^>]*)?(?<!/)>(.*?)</(?:[\w.-]+:)?c>", re.DOTALL)  # not <c …/>
_CELL_NAME = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_TEXT_FORMULA = re.compile(rb'\bt="str"')
_HAS_VALUE = re.compile(rb"<(?:[\w.-]+:)?v\b")


def _parts(path: Path) -> dict[str, bytes] | None:
    """Every part of the workbook (a zip) unpacked, by name, read once for the
    checks on it; None for a file that is not one we can unpack (opening it
    says what is wrong)."""
    try:
        with zipfile.ZipFile(path) as z:
            return {info.filename: z.read(info) for info in z.infolist()}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        return None


def _refuse_unsaved_formulas(path: Path, parts: dict[str, bytes]) -> None:
    """Refuse a workbook with a formula whose value was not saved. Excel
    saves each formula's value beside it, and that value is what is read; a
    workbook last saved by a program that does not calculate (a script with
    openpyxl) holds the formula alone, which would read as a blank cell: a
    ``valid_to`` of ``=DATE(2018,12,31)`` as open-ended, a PSP element from a
    lookup as missing. Such a workbook is refused as a whole, naming the first
    such cell: opened and saved in Excel, it reads as it shows. (A text
    formula's value may be empty text.)"""
    where = _first_unsaved_formula(parts)
    if where is not None:
        raise InputError(
            path,
            where,
            "holds a formula whose value was not saved (the workbook was last saved by a program that does not "
            "calculate); expected every formula's value: open the workbook in Excel and save it",
        )


def _first_unsaved_formula(parts: dict[str, bytes]) -> str | None:
    """Where the first formula without a saved value is (sheet and cell), or None."""
    for part in sorted(p for p in parts if p.startswith("xl/worksheets/") and p.endswith(".xml")):
        data = parts[part]
        if not _UNSAVED_FORMULA.search(data):
            continue  # nearly always: the cell by cell look below only where one may be
        for attrs, inside in _WHOLE_CELL.findall(data):
            attrs = attrs or b""
            if _UNSAVED_FORMULA.search(inside + b"</c>") and not (
                _TEXT_FORMULA.search(attrs) and _HAS_VALUE.search(inside)
            ):
                name = _CELL_NAME.search(attrs)
                return f"sheet '{_sheet_title(parts, part)}', cell {name.group(1).decode() if name else '?'}"
    return None


def _sheet_title(parts: dict[str, bytes], part: str) -> str:
    """The title of the sheet stored in ``part``, else the part's name."""
    try:
        rels = defused_et.fromstring(parts["xl/_rels/workbook.xml.rels"])
        book = defused_et.fromstring(parts["xl/workbook.xml"])
    except Exception:  # a part missing or damaged: the part's own name will do
        return part
    target = {r.get("Id"): r.get("Target", "") for r in rels if r.tag.endswith("Relationship")}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            where = target.get(rid, "").lstrip("/")
            if where and part in (where, f"xl/{where}"):
                return sheet.get("name", part)
    return part


class Workbook:
    """An open xlsx workbook: its worksheets' titles, in order, and each
    sheet's rows as a :class:`RawTable`. Read with calamine where
    :func:`_calamine_reads_as_openpyxl` finds that it reads the file as
    openpyxl would and within the limits; else with openpyxl, a row at a time."""

    def __init__(self, path: Path, parts: dict[str, bytes] | None = None) -> None:
        self.path = path
        parts = _parts(path) if parts is None else parts
        self._parts = parts
        #: whether a cell style shows digits a number does not hold (``000108``): read so, by openpyxl
        self._shown = parts is not None and shows_digits_unheld(parts)
        self._calamine = None if self._shown else _open_calamine(path, parts, shown=False)
        self._openpyxl = None if self._calamine is not None else _open_openpyxl(path)
        if self._calamine is not None:
            self.titles = [m.name for m in self._calamine.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        else:
            self.titles = [ws.title for ws in self._openpyxl.worksheets]

    def table(self, title: str) -> RawTable:
        """The sheet named ``title`` as text cells."""
        if self._calamine is not None:
            try:
                rows = self._calamine.get_sheet_by_name(title).to_python(skip_empty_area=False)
            except Exception:  # calamine refuses what openpyxl may read, or name the damage of: ask openpyxl
                book, self._calamine = self._calamine, None
                book.close()
                self._openpyxl = _open_openpyxl(self.path)
            else:
                return _table_from_rows(_merged_filled(rows, self._merged(title)), self.path, title)
        return sheet_rows(self._worksheet(title), self.path, title, self._shown, self._merged(title))

    def hidden(self, title: str) -> bool:
        """Whether the sheet named ``title`` is hidden (``hidden`` or
        ``veryHidden`` in the workbook's list of sheets)."""
        if self._parts is None or "xl/workbook.xml" not in self._parts:
            return False
        try:
            book = defused_et.fromstring(self._parts["xl/workbook.xml"])
        except Exception:  # a damaged list of sheets: reading the sheet says what is wrong
            return False
        return any(
            el.tag.endswith("}sheet") and el.get("name") == title and el.get("state") in ("hidden", "veryHidden")
            for el in book.iter()
        )

    def columns_not_shown(self, title: str) -> tuple[set[str], list[tuple[int, str, dict[str, str]]]]:
        """The hidden columns' headers and the struck-through cells of the sheet named ``title``
        (:func:`columns_not_shown`)."""
        return columns_not_shown(self._parts, title) if self._parts is not None else (set(), [])

    def rows_not_shown(self, title: str) -> list[tuple[int, str]]:
        """The rows of the sheet named ``title`` hidden or struck through (:func:`rows_not_shown`)."""
        return rows_not_shown(self._parts, title) if self._parts is not None else []

    def refuse_rows_not_shown(self, title: str, used: str, hidden_fix: str, struck_fix: str) -> None:
        """Refuse (:class:`InputError`, naming the sheet and the first row)
        the sheet named ``title`` when a row of values in it is hidden (or
        filtered away) or struck through (:func:`rows_not_shown`): nobody
        reading the sheet takes it for a row in use, and the robot reads it as
        any other. ``used``: what the robot does with a row ("would code
        postings by it"); ``hidden_fix`` and ``struck_fix``: what to do."""
        found = self.rows_not_shown(title)
        if not found:
            return
        at, why = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        if why == ROW_GROUPED:
            said = (
                f"is in a collapsed group{more} (the + in the margin): nobody who reads the sheet sees it, and the "
                f"robot {used}; expected every row shown: expand the group (click the + in the margin), or "
                f"{hidden_fix.removeprefix(_SHOW_IT)}"
            )
        elif why == ROW_HIDDEN:
            said = (
                f"is hidden{more} (hidden, or filtered away): nobody who reads the sheet sees it, and the robot "
                f"{used}; expected every row shown: {hidden_fix}"
            )
        else:
            said = f"is struck through{more}, which a person reads as void, and the robot {used}; expected {struck_fix}"
        raise InputError(self.path, f"sheet '{title}', row {at}", said)

    def _merged(self, title: str) -> list[tuple[int, int, int, int]]:
        """The merged ranges of the sheet named ``title`` (:func:`merged_ranges`)."""
        return merged_ranges(self._parts, title) if self._parts is not None else []

    def _worksheet(self, title: str):
        """openpyxl's sheet named ``title``; a sheet the workbook names but does not hold (its part missing: a
        truncated copy, a hand-edited file) is an :class:`InputError`, where openpyxl's KeyError ended the
        command as a fault of the tool's, naming no file (an attack)."""
        try:
            return self._openpyxl[title]
        except KeyError:
            raise InputError(
                self.path,
                f"sheet '{title}'",
                "is named by the workbook, but its part is missing: the file is damaged; expected an Excel .xlsx "
                "workbook (save it again from Excel)",
            ) from None

    def holds_cells(self, title: str) -> bool:
        """Whether the sheet named ``title`` holds any value (formatting alone,
        or a cell of spaces, is none)."""
        if self._calamine is not None:
            try:
                rows = self._calamine.get_sheet_by_name(title).iter_rows()
                return any(v is not None and str(v).strip() != "" for row in rows for v in row)
            except Exception:  # calamine refuses what openpyxl may read: ask openpyxl, as table() does
                book, self._calamine = self._calamine, None
                book.close()
                self._openpyxl = _open_openpyxl(self.path)
        try:
            rows = self._worksheet(title).iter_rows(values_only=True)
            return any(v is not None and str(v).strip() != "" for row in rows for v in row)
        except Exception:  # a damaged sheet: table() names the damage if it is the one read
            return True

    def only_sheet(self) -> str:
        """The title of the one worksheet that holds values, hidden or not.
        An extract is one table: a workbook with values on more than one sheet
        is refused (``InputError``) rather than read from its first sheet with
        the rows on the others silently left out."""
        if not self.titles:
            raise InputError(self.path, None, "holds no worksheet; expected an Excel .xlsx workbook")
        if len(self.titles) == 1:
            return self.titles[0]
        filled = [t for t in self.titles if self.holds_cells(t)]
        if len(filled) > 1:
            names = first_named([f"'{t[:40]}'" for t in filled])
            raise InputError(
                self.path,
                None,
                f"has values on {len(filled)} sheets ({names}); expected one sheet of rows: save the sheet to "
                "read as a workbook or CSV file of its own, so that no rows on another sheet are left out",
            )
        return filled[0] if filled else self.titles[0]

    def close(self) -> None:
        for book in (self._calamine, self._openpyxl):
            if book is not None:
                book.close()


#: the first bytes of an OLE2 compound file: Excel 97-2003's .xls, and any workbook saved with a password
#: (Excel encrypts an .xlsx into such a container)
_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")


def refuse_no_xlsx(path: Path, expected: str | None = None) -> None:
    """Refuse a file that is no .xlsx workbook by its first bytes, saying what it is and what to do: an
    encrypted (password-protected) workbook or an old .xls, which both begin as OLE2 files, or text (a CSV
    file given an .xlsx name). Each was told "cannot be opened as an Excel .xlsx workbook (BadZipFile)", a
    Python exception's name and no way on (an attack on 0.9.30). ``expected``: what the option takes, said
    for text in a file not named .xlsx, where only a workbook will do (a control sheet saved as CSV was told
    to take a .csv name it had: an attack on 0.9.38)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return  # the reader says what is wrong with it
    if not head:
        raise InputError(path, None, "is empty (0 bytes); expected an .xlsx workbook")
    if head.startswith(b"PK"):
        return
    if head[:8] == _OLE2:
        raise InputError(
            path,
            None,
            "is a workbook saved with a password, or in the old Excel 97-2003 format (.xls); expected an .xlsx "
            "workbook: open it in Excel and save it as an Excel Workbook (.xlsx) without a password",
        )
    if _text_head(head) and expected is not None and path.suffix.lower() != ".xlsx":
        raise InputError(path, None, f"holds text (a CSV file?), not a workbook; expected {expected}")
    if _text_head(head):
        raise InputError(
            path, None, "holds text, not a workbook (a CSV file named .xlsx?); expected an Excel .xlsx workbook, or the "
            "file under a .csv name"
        )  # fmt: skip


def _text_head(head: bytes) -> bool:
    """Whether a file's first bytes are text: UTF-16 or UTF-8 (a BOM or none; the last character may be cut),
    no control but tab and line breaks (a review: a Danish letter, a BOM or Excel's "Unicode text" were taken
    for no text)."""
    encoding = "utf-8"
    if b"\x00" in head:  # UTF-16 without its BOM: a NUL every other byte (a review)
        halves = {"utf-16-le": head[1::2].count(0), "utf-16-be": head[0::2].count(0)}
        codec = max(halves, key=halves.__getitem__)
        if halves[codec] * 2 >= len(head) // 2:
            encoding = codec
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8")):
        if head.startswith(bom):
            head, encoding = head[len(bom) :], codec
            break
    text = head.decode(encoding, errors="ignore")  # a character cut at 512 bytes is dropped, never a reason
    return bool(text) and len(text) >= len(head) // 4 and all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def open_workbook(path: Path) -> Workbook:
    """Open an xlsx workbook for reading, once it passed the checks on
    unreadable files and workbook bombs."""
    _check_file(path, "an .xlsx workbook")  # a clear error for an unreadable file, a folder, a device or a pipe
    refuse_no_xlsx(path)
    _refuse_workbook_bomb(path)
    parts = _parts(path)  # unpacked once for the checks below (the bomb check unpacks nothing)
    if parts is not None:
        _refuse_unsaved_formulas(path, parts)
    return Workbook(path, parts)


def _open_openpyxl(path: Path):
    import openpyxl  # lazily: only a workbook that calamine cannot be trusted with needs it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise InputError(path, None, f"cannot be opened as an Excel .xlsx workbook ({type(exc).__name__})") from None


def _open_calamine(
    path: Path, parts: dict[str, bytes] | None = None, shown: bool | None = None
) -> CalamineWorkbook | None:
    """The workbook opened with calamine, or None where it should be read
    with openpyxl instead (``parts``: :func:`_parts` of it, when read already;
    ``shown``: :func:`shows_digits_unheld` of it, when known already)."""
    try:
        if not _calamine_reads_as_openpyxl(path, parts, shown):
            return None
        return CalamineWorkbook.from_path(str(path))
    except Exception:  # not a zip, a damaged part: openpyxl says what is wrong
        return None


_TAG = rb"<"  # an element's start: a prefixed element that matters sends the workbook to openpyxl
#: what calamine and openpyxl read differently, or what only one of them refuses: a carriage return
#: (which only openpyxl's parser makes a line feed), phonetic runs, escaped characters (_x000D_), a
#: document type, entity, CDATA section or comment, a processing instruction, the 1904 date system,
#: and the elements the checks below look at written with a namespace prefix
_READ_APART = (b"\r", b"rPh", b"<!", b"date1904")
_READ_APART_RE = re.compile(rb":(?:c|row|v|f|is|si|sst|xf|cellXfs|numFmt)[\s/>]|_x[0-9A-Fa-f]{4}_|<\?(?!xml\s)")
#: the start of a cell and of a row (never a <col> or a <rowBreaks>); their references; a cell's type
_CELL = re.compile(_TAG + rb"c[\s/>]")
_ROW = re.compile(_TAG + rb"row[\s/>]")
_CELL_REF = re.compile(_TAG + rb'c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(_TAG + rb'row\s[^>]*?\br="([0-9]{1,7})"')
_CELL_TYPE = re.compile(_TAG + rb'c\s[^>]*?\bt="([^"]*)"')
#: a cell with a value (after a formula, if it has one): its attributes and the value
_VALUE = re.compile(_TAG + rb"v>")
_VALUED = re.compile(_TAG + rb"c(\s[^>]*)?>(?:" + _TAG + rb"f\b[^<]*(?:</f>)?)?" + _TAG + rb"v>([^<]*)</")
_TYPE = re.compile(rb'\bt="([^"]*)"')
_STYLE = re.compile(rb'\bs="([0-9]{1,6})"')
#: a number both libraries read alike: an integer openpyxl keeps exact fits in a float
_NUMBER = re.compile(rb"-?(?:[0-9]{1,15}|[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]{1,3})?|[0-9]+[eE][+-]?[0-9]{1,3})")
_SHARED_STRING = re.compile(_TAG + rb"si[\s>].*?</si>|" + _TAG + rb"si\s*/>", re.DOTALL)
_CELL_FORMATS = re.compile(_TAG + rb"cellXfs\b.*?</cellXfs>", re.DOTALL)
_XF = re.compile(_TAG + rb"xf\b([^>]*)")
_NUMBER_FORMAT = re.compile(_TAG + rb'numFmt\b[^>]*?numFmtId="([0-9]+)"[^>]*?formatCode="([^"]*)"')
_FORMAT_ID = re.compile(rb'numFmtId="([0-9]+)"')
#: the built-in number formats that are not dates or times
_NOT_DATE_FORMATS = {*range(0, 14), *range(37, 45), 48, 49}
#: the last day Excel has (31 December 9999); openpyxl reads a number past it in a date cell as '#VALUE!'
_LAST_DATE_SERIAL = 2_958_465


def _calamine_reads_as_openpyxl(path: Path, parts: dict[str, bytes] | None = None, shown: bool | None = None) -> bool:
    """Whether calamine may read this workbook. It reads a whole sheet into
    memory as a grid, each cell a copy of its text, so a sheet whose cells
    lie far apart (one in A1, one in the last cell of the grid) or whose
    shared strings repeat into more text than :data:`MAX_SHEET_TEXT` would
    take all memory, where openpyxl reads a row at a time and refuses the
    sheet. And it must read each cell as openpyxl does: the cell types and
    numbers both read alike, no number outside Excel's dates in a date cell,
    no damaged number (which openpyxl refuses). Checked on the parts as
    written, every part alike, at most a few regular-expression scans each;
    anything unexpected says no. ``parts``: :func:`_parts` of it, when read
    already; ``shown``: :func:`shows_digits_unheld` of it, when known already
    (the style sheet is parsed once a workbook)."""
    parts = _parts(path) if parts is None else parts
    if parts is None:
        return False  # no zip to look into: openpyxl says what is wrong
    contents = list(parts.values())
    for data in contents:
        if any(text in data for text in _READ_APART) or _READ_APART_RE.search(data):
            return False
    tables = [data for data in contents if b"si" in data and _SHARED_STRING.search(data)]
    styles = [data for data in contents if b"cellXfs" in data and _CELL_FORMATS.search(data)]
    if len(tables) > 1 or len(styles) > 1:
        return False
    shared = [len(m) for m in _SHARED_STRING.findall(tables[0])] if tables else []
    longest = max(shared, default=0)
    dates = _date_styles(styles[0]) if styles else set()
    if shows_digits_unheld(parts) if shown is None else shown:
        return False  # calamine gives no number formats: a number shown with digits it does not hold is openpyxl's
    for data in contents:
        cells = len(_CELL.findall(data))
        if not cells:
            continue
        refs = _CELL_REF.findall(data)
        row_refs = _ROW_REF.findall(data)
        # a cell or row without a reference is the one after the one before it
        implied_cells, implied_rows = cells - len(refs), len(_ROW.findall(data)) - len(row_refs)
        letters = {c for c, _ in refs}
        width = max((_column_number(c) for c in letters), default=0) + implied_cells
        height = max(map(int, [*(r for _, r in refs), *row_refs]), default=0) + implied_rows
        if width * height > 4 * cells + 1_000_000:
            return False
        kinds = _CELL_TYPE.findall(data)
        if not set(kinds) <= {b"s", b"str", b"inlineStr", b"b", b"n"}:
            return False
        # the inline text is at most the part itself; each shared-string cell at most the longest string
        if len(data) + kinds.count(b"s") * longest > MAX_SHEET_TEXT:
            return False
        values = len(_VALUE.findall(data))
        valued = _VALUED.findall(data) if values else []
        if len(valued) != values:
            return False  # a value where it is not looked for
        for attrs, value in valued:
            kind = _TYPE.search(attrs)
            kind = kind.group(1) if kind else b"n"
            if kind == b"s":
                if not value.isdigit() or int(value) >= len(shared):
                    return False
            elif kind == b"b":
                if value not in (b"0", b"1"):
                    return False
            elif kind == b"n":
                if not _NUMBER.fullmatch(value):
                    return False
                style = _STYLE.search(attrs)
                style = int(style.group(1)) if style else 0
                if style in dates and not 0 <= float(value) <= _LAST_DATE_SERIAL:
                    return False
    return True


def _date_styles(styles: bytes) -> set[int]:
    """The cell styles whose number format may show a date or a time."""
    custom = {int(i): code for i, code in _NUMBER_FORMAT.findall(styles)}
    out = set()
    xfs = _CELL_FORMATS.search(styles).group(0)
    for k, attrs in enumerate(_XF.findall(xfs)):
        found = _FORMAT_ID.search(attrs)
        number_format = int(found.group(1)) if found else 0
        if number_format in custom:
            if re.search(rb"[dmyhsDMYHS]", custom[number_format]):
                out.add(k)
        elif number_format not in _NOT_DATE_FORMATS:
            out.add(k)
    return out


def shows_digits_unheld(parts: dict[str, bytes]) -> bool:
    """Whether a cell style of the workbook (``parts``: :func:`_parts`) has a
    number format that shows a whole number with digits it does not hold
    (:func:`shown_digits`: ``000000``), or a currency other than the krone
    (:func:`format_currency`): such a workbook is read by openpyxl, formats and all. Read from the style sheet parsed as
    XML (any prefix, attribute order, quotes, character references or
    encoding), its cell formats alone (a conditional format's own number
    formats show nothing of a cell's value). Only a part whose root is a style
    sheet is parsed (a cell may say ``styleSheet``: a review found every
    such part parsed, 17 s a time for a large sheet). A style sheet that
    cannot be parsed says yes: openpyxl reads the workbook, formats and all."""
    for data in parts.values():
        if not _STYLE_SHEET_ROOT.match(_xml_head(data)):
            continue
        try:
            root = defused_et.fromstring(data)
        except Exception:  # damaged or hostile (defusedxml refuses entities): let openpyxl read it, formats and all
            return True
        if _local(root.tag) != "styleSheet":
            continue
        codes, ids = {}, set()
        for section in root:
            if _local(section.tag) == "numFmts":
                for fmt in section:
                    got = {_local(k): v for k, v in fmt.attrib.items()}
                    if got.get("numFmtId", "").strip().isdigit():
                        codes[int(got["numFmtId"])] = got.get("formatCode", "")
            elif _local(section.tag) == "cellXfs":
                for xf in section:
                    got = {_local(k): v for k, v in xf.attrib.items()}
                    if got.get("numFmtId", "").strip().isdigit():
                        ids.add(int(got["numFmtId"]))
        if any(shown_digits(1, codes[i]) is not None or format_currency(codes[i]) for i in ids if i in codes):
            return True
    return False


#: a part whose first element (after the XML declaration, comments, white space) is a style sheet, any prefix
_STYLE_SHEET_ROOT = re.compile(
    r"\ufeff?(?:\s+|<\?.*?\?>|<!--.*?-->)*<(?:[A-Za-z_][\w.-]*:)?styleSheet[\s/>]", re.DOTALL
)


def _xml_head(data: bytes, size: int = 4096) -> str:
    """The start of an XML part as text: UTF-16 where it begins with its byte order mark, else UTF-8."""
    head = data[:size]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "ignore")
    return head.decode("utf-8", "ignore")


def _local(tag: str) -> str:
    """An XML name without its namespace (``{uri}cellXfs`` is ``cellXfs``)."""
    return tag.rsplit("}", 1)[-1]


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n


def read_raw(path: str | Path, in_parts: bool = False) -> RawTable:
    """Read a CSV file, or the one sheet with values of an xlsx file
    (:meth:`Workbook.only_sheet`), as text cells.

    A large CSV file is read in two parts side by side; ``in_parts=True``
    leaves each column in those two chunks (pandas' text over a chunked
    arrow array), for a typing that types the rows of each part apart
    (:func:`invoicekit.extracts.read_invoices`): joining them copies every
    cell. Otherwise each column is one chunk."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(path)
    if path.is_dir():
        raise InputError(path, None, "is a folder; expected a .csv or .xlsx file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv_strings(path, in_parts=in_parts)
    if suffix == ".xlsx":
        wb = open_workbook(path)
        try:
            title = wb.only_sheet()
            # a row someone hid, filtered away or struck through is no row they mean the robot to act on: a
            # filter left on to hide the invoices already paid by hand paid each of them again
            wb.refuse_rows_not_shown(
                title,
                "reads it as any other row",
                "show it (or clear the filter), or delete the row if it is not meant to be read",
                "only rows in use: delete it, or take the strike off",
            )
            return wb.table(title)
        finally:
            wb.close()
    raise InputError(path, None, f"unknown extension '{path.suffix}'; expected .csv or .xlsx")


def source_column(df: pd.DataFrame, column: Column) -> str | None:
    """The header in ``df`` that gives ``column``, if any."""
    wanted = {header_key(a) for a in column.accepted()}
    return next((c for c in df.columns if header_key(c) in wanted), None)


def canonical_columns(
    df: pd.DataFrame, columns: tuple[Column, ...], source: str | Path | None, where: str | None = None
) -> pd.DataFrame:
    """Rename the accepted header names to canonical names; keep only known
    columns (blank text for missing optional ones). Raises InputError for a
    missing required column or a column given twice."""
    keys = {header_key(c): c for c in df.columns}
    same: dict[str, list[str]] = {}
    for c in df.columns:
        same.setdefault(header_key(c), []).append(str(c))
    out = {}
    for col in columns:
        for alias in col.accepted():
            names = same.get(header_key(alias), [])
            if len(set(names)) > 1:  # 'Valuta' and 'valuta ': one column given twice
                raise InputError(
                    source,
                    _where(where, f"columns {', '.join(map(repr, names))}"),
                    f"are the same column '{col.name}' (headers compare without case and outer spaces); give it once",
                )
        hits = [keys[k] for k in dict.fromkeys(header_key(a) for a in col.accepted()) if k in keys]
        if len(hits) > 1:
            raise InputError(
                source,
                _where(where, f"columns {', '.join(map(repr, hits))}"),
                f"give only one of them for '{col.name}'",
            )
        if not hits:
            if col.required:
                raise InputError(
                    source,
                    _where(where, f"column '{col.name}'"),
                    f"missing; accepted names: {', '.join(col.accepted())}{_header_below(df, col)}",
                )
            out[col.name] = _blank_column(df.index)
            continue
        values = df[hits[0]]
        if isinstance(values, pd.DataFrame):
            raise InputError(source, _where(where, f"column '{hits[0]}'"), "appears twice in the header; expected once")
        if not isinstance(values.dtype, pd.StringDtype):
            values = values.astype(object).where(values.notna(), "").astype("str")
        out[col.name] = values.fillna("")
    result = pd.DataFrame(out, index=df.index)
    return result


#: how many rows below the header are searched for the header's names (:func:`_header_below`)
HEADER_SEARCH_ROWS = 20


def _header_below(df: pd.DataFrame, col: Column) -> str:
    """Where one of ``col``'s names stands in a row below the header (a title
    row above the table was read as the header, and the message listed as
    accepted the very name the user saw in the file: an attack on 0.9.37),
    said as a clause; else ``""``."""
    wanted = {header_key(a) for a in col.accepted()}
    for k in range(min(len(df), HEADER_SEARCH_ROWS)):
        for cell in df.iloc[k]:
            if isinstance(cell, str) and header_key(cell) in wanted:
                read = next((str(c).strip() for c in df.columns if str(c).strip()), "")
                below = "in the row" if k == 0 else f"{k + 1} rows"
                return (
                    f"; '{cell.strip()[:40]}' stands {below} below the one read as the header "
                    f"({mask_cpr_text(read)[:40]!r} …): expected the header as the first row with values (delete "
                    "the rows above it)"
                )
    return ""


def _blank_column(index: pd.Index) -> pd.Series:
    """``pd.Series("", index=index, dtype="str")``, made in arrow: every
    cell is the same blank, so no text need be made a million times."""
    n = len(index)
    offsets = pa.py_buffer(np.zeros(n + 1, dtype=np.int64))
    return pd.Series(
        pa.Array.from_buffers(pa.large_string(), n, [None, offsets, pa.py_buffer(b"")]), index=index, dtype="str"
    )


def numeric_cells(df: pd.DataFrame, column: Column) -> np.ndarray:
    """Cells of an in-memory table that hold numbers rather than text."""
    name = source_column(df, column)
    if name is None or isinstance(df[name].dtype, pd.StringDtype):
        return np.zeros(len(df), dtype=bool)
    values = df[name]
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.notna().to_numpy()
    return np.array([isinstance(v, int | float) and not isinstance(v, bool) and v == v for v in values], dtype=bool)


def _where(sheet: str | None, what: str) -> str:
    return f"sheet '{sheet}', {what}" if sheet else what


# ---------------------------------------------------------------- a file misread as a whole

#: a file is judged as a whole, not row by row, when more than this share of
#: its rows (or of a date column's filled cells) cannot be read ...
MISREAD_SHARE = 0.5
#: ... and at least this many: a small file's one bad row stays a bad row
MISREAD_MIN_ROWS = 5
#: a time after a date, as an export may write one (``04/01/2019 00:00:00``, ``04/01/2019 0:00``)
_TIME_AFTER = r"(?:[ T]+\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?\s*"
#: ``03/31/2019``: a month first, a day over 12 second
_MONTH_FIRST = re.compile(r"\s*(0?[1-9]|1[0-2])[./-](1[3-9]|2\d|3[01])[./-]\d{2,4}" + _TIME_AFTER)
#: ``04/01/2019``: a date that reads day first and month first alike
_EITHER_WAY = re.compile(r"\s*(0?[1-9]|1[0-2])[./-](0?[1-9]|1[0-2])[./-]\d{2,4}" + _TIME_AFTER)
#: ``31/03/2019``: a day over 12 first, a month second
_DAY_FIRST = re.compile(r"\s*(1[3-9]|2\d|3[01])[./-](0?[1-9]|1[0-2])[./-]\d{2,4}" + _TIME_AFTER)


def open_ended(cells: pd.Series, ok: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """``blank`` of a date column (:func:`~invoicekit.parsing.parse_dates`),
    with the cells that say 31 December 9999 (:data:`NO_END_DATE_RE`, which
    dates do not read) counted as blank: an open end."""
    unread = ~ok & ~blank
    if not unread.any():
        return blank
    return blank | (unread & cells.astype(str).str.fullmatch(NO_END_DATE_RE).to_numpy(dtype=bool))


def _mostly(k: int, of: int) -> bool:
    """Whether ``k`` cells or rows misread of ``of`` make a file read wrongly as a whole."""
    return k >= MISREAD_MIN_ROWS and k > MISREAD_SHARE * of


def refuse_lost_digits(path: str | Path, header: str | None, cells: pd.Series, lost: np.ndarray, what: str) -> None:
    """Refuse (``InputError``, one line) a workbook whose numbers in one
    column (``what``: the invoice numbers, the grant ids) are mostly number
    cells that lost digits (:func:`invoicekit.extracts.lost_digit_cells`
    marks them, ``lost``): the file was made the wrong way as a whole, and
    row by row the supplier or Sensum would be blamed for it."""
    k = int(lost.sum())
    if k < MISREAD_MIN_ROWS:  # nothing to count the filled cells for
        return
    filled = int((cells.fillna("").astype(str).str.strip() != "").sum())
    if _mostly(k, filled):
        first = int(np.flatnonzero(lost)[0])
        shown = mask_cpr_text(str(cells.iloc[first]).strip())[:40]
        raise InputError(
            path,
            f"column '{header}'",
            f"{k:,} of {filled:,} {what} are numbers of more digits than the 15 Excel keeps, so their last "
            f"digits were changed (row {first + 1}: {shown!r}); expected them as text: format the column as "
            "text before the numbers are put in, or export the extract as CSV from the system itself",
        )


def refuse_misread_file(
    raw: RawTable, path: str | Path, date_columns: tuple[Column, ...] = ()
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Refuse (``InputError``, one line) an extract that was exported in a way
    we read wrongly as a whole, instead of blaming most of its rows one by
    one on the suppliers or on Sensum: most rows with another number of fields
    than the header (a ``,`` file with decimal commas), or a date column whose
    filled cells are mostly not dates we read (``03/31/2019``, month first, as
    US settings export them; where such a file's dates do read, they read
    wrongly, day and month swapped).

    Returns what :func:`invoicekit.parsing.parse_dates` made of each date
    column found, by its canonical name, for the typing to use rather than
    read the dates again."""
    n = len(raw.frame)
    bad = len(raw.misaligned)
    if _mostly(bad, n):
        width = len(raw.frame.columns)
        first = min(raw.misaligned)
        more = sum(1 for count in raw.misaligned.values() if count > width)
        why = " (a separator inside the values, as a decimal comma in a ',' file?)" if more > bad / 2 else ""
        raise InputError(
            path,
            None,
            f"{bad:,} of {n:,} rows have another number of fields than the header's {width} "
            f"(row {first}: {raw.misaligned[first]}){why}; expected one field per column: "
            "export with ';' as the separator, or with quoted values",
        )
    found = [(column, header) for column in date_columns if (header := source_column(raw.frame, column)) is not None]
    columns = [raw.frame[header].fillna("").astype(str) for _, header in found]
    if n >= DATES_APART_FROM:  # side by side: hashing the cells, most of the work, lets go of the interpreter
        with ThreadPoolExecutor(max_workers=2) as pool:
            parsed = list(pool.map(parse_dates, columns))
    else:
        parsed = [parse_dates(cells) for cells in columns]
    read = {}
    seen: list[tuple[str, pd.Series, np.ndarray, np.ndarray]] = []  # each column's cells, unreadable and read
    for (column, header), cells, dates in zip(found, columns, parsed, strict=True):
        read[column.name] = _, ok, blank = dates
        unreadable = ~ok & ~open_ended(cells, ok, blank)  # 31.12.9999, an open end as SAP writes it, reads
        if unreadable.any():  # convert's words for a period cut away with the text (a review), or
            # for a date no ISO date, are no dates misread
            unreadable &= ~((cells == MANY_PERIODS) | cells.str.startswith(NOT_ISO_DATE)).to_numpy(dtype=bool)
        k, filled = int(unreadable.sum()), int((~blank).sum())
        if _mostly(k, filled):
            rows = np.flatnonzero(unreadable)
            us = cells.iloc[rows].str.fullmatch(_MONTH_FIRST).to_numpy(dtype=bool)
            shown = mask_cpr_text(str(cells.iloc[rows[0]]).strip())[:40]
            why = " (month first, as US settings export dates?)" if us.sum() > k / 2 else ""
            raise InputError(
                path,
                f"column '{header}'",
                f"{k:,} of {filled:,} dates cannot be read (row {rows[0] + 1}: {shown!r}){why}; expected dates "
                "as 2019-03-31, 31-03-2019, 31.03.2019 or 31/03/2019: export the dates day first or as ISO dates",
            )
        seen.append((header, cells, unreadable, ok))
    _refuse_month_first(seen, path, raw.frame)
    return read


def _any_match(cells: pa.Array, pattern: re.Pattern) -> bool:
    """Whether any of ``cells`` matches ``pattern`` whole (its syntax is RE2's too), whole-column."""
    return len(cells) > 0 and bool(pc.any(matches_regex(cells, f"^(?:{pattern.pattern})$")).as_py())


def _refuse_month_first(
    seen: list[tuple[str, pd.Series, np.ndarray, np.ndarray]], path: str | Path, frame: pd.DataFrame | None = None
) -> None:
    """Refuse a file whose date columns (``seen``: each column's header,
    cells, unreadable cells and cells read) hold a cell that reads only month
    first (``03/15/2019``), one read that reads either way (``04/01/2019``),
    and none read that reads only day first (``15/03/2019``): it was exported
    month first, and its dates that read at all read with day and month
    swapped (a grant from 1 April as from 4 January). Grants mostly start on
    the first of a month, so few cells failed, too few for the share above,
    and a February invoice was paid on a grant from April (an attack on
    0.9.37). The file as a whole, as it was exported: the only month-first
    date may be an end date, the start dates each reading either way (a
    review); a time after the date counts alike (``04/01/2019 00:00:00``).
    Where the dates read could be swapped and nothing in them says so,
    the file's other columns (``frame``) are asked too: the only month-first
    date may stand in a column the robot does not read (a decision date: a
    review)."""
    # whole-column RE2 (pyarrow), the usual Danish file told at once by a day-first date: Python's re over every
    # cell cost a run of a million invoices a third of a second
    read = [arrow_text(cells[ok]) for _header, cells, _unreadable, ok in seen if ok.any()]  # each column once
    if any(_any_match(cells, _DAY_FIRST) for cells in read):
        return
    if not any(_any_match(cells, _EITHER_WAY) for cells in read):
        return  # nothing read that could have been read swapped
    evidence = None
    for header, cells, unreadable, _ok in seen:
        if unreadable.any():
            us = cells[unreadable].str.fullmatch(_MONTH_FIRST).to_numpy(dtype=bool)
            if us.any():
                evidence = (header, cells, int(np.flatnonzero(unreadable)[np.argmax(us)]))
                break
    if evidence is None and frame is not None:
        read_headers = {h for h, *_ in seen}
        for header in (h for h in frame.columns if h not in read_headers):
            cells = frame[header]
            if isinstance(cells, pd.DataFrame):
                continue
            cells = cells.fillna("").astype(str)
            text = arrow_text(cells)
            if _any_match(text, _DAY_FIRST):
                return  # a day-first date in the file: it was exported day first
            if evidence is None and _any_match(text, _MONTH_FIRST):
                evidence = (str(header), cells, int(np.argmax(cells.str.fullmatch(_MONTH_FIRST).to_numpy(dtype=bool))))
    if evidence is None:
        return
    header, cells, row = evidence
    shown = mask_cpr_text(str(cells.iloc[row]).strip())[:40]
    raise InputError(
        path,
        f"column '{header}'",
        f"row {row + 1}: {shown!r} reads only month first, and no date in the file reads only day first: it was "
        "exported month first (US settings?), and its dates that read may be read with day and month swapped; "
        "expected dates as 2019-03-31, 31-03-2019, 31.03.2019 or 31/03/2019: export the dates day first or as "
        "ISO dates",
    )
