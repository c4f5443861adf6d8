"""How the typed tables hold text columns: pandas' ``str`` dtype with arrow
underneath (:data:`TEXT`), the test for a column held that way, and the one
way to take any column of texts as arrow (:func:`arrow_text`), so that arrow
text is handed on without being made Python strings first, and the one way
to look at its bytes in place (:func:`text_bytes`, :func:`holds_ascii`); and
what breaks a line (:data:`LINE_BREAKS`), and a text's or a column's line
breaks made spaces (:func:`one_line_text`, :func:`one_line`); and RE2 asked of a small column's texts
once (:func:`matches_regex`, :func:`counts_regex`).

A leaf: it imports nothing from invoicekit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: pandas' text type, arrow underneath, NaN where missing
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)

#: every character that breaks a line, as Python's ``splitlines`` and Java's ``\R`` read them: an
#: invoice number or a grant id holding one inside cannot go into a file OPUS or Sensum import a line
#: at a time (the row splits in two), nor is it a number anyone wrote
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
#: :data:`LINE_BREAKS` (RE2)
LINE_BREAK_RE2 = r"[\n\r\x0b\x0c\x1c-\x1e\x{85}\x{2028}\x{2029}]"
_ONE_LINE = str.maketrans(dict.fromkeys(LINE_BREAKS, " "))


def one_line_text(text: str) -> str:
    """``text`` with every line break (:data:`LINE_BREAKS`) a space: a message as the files hold it."""
    return text.translate(_ONE_LINE)


def is_arrow_text(values: object) -> bool:
    """Whether ``values`` is a pandas Series of text held in arrow."""
    return (
        isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"
    )


def arrow_text(values: object, type: pa.DataType | None = None) -> pa.Array:
    """A column of texts as one arrow array: taken as it is where arrow holds
    it already (a pandas ``str`` column or an arrow array; a single chunk is
    not copied), else made from Python strings (``large_string``; a missing
    value is null). ``type`` casts it where it is another string type."""
    if is_arrow_text(values):
        values = pa.array(values)
    if isinstance(values, pa.ChunkedArray):
        values = values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    return values if type is None or values.type == type else values.cast(type)


#: columns of at most this many cells are asked of RE2 through :data:`_ASKED` (:func:`matches_regex`)
MEMO_CELLS = 256
#: what RE2 answered of each text of a small column, by (what was asked, pattern, text): arrow compiles a
#: pattern anew for every call, 9 to 15 ms for the largest (the periods', the CPR numbers', the keys hashed
#: as CPR numbers) however few the cells, a third of a run of a few invoices, while the same texts come
#: again (a message in two files, the same example run again); emptied once it holds :data:`_ASKED_MOST`
#: answers or :data:`_ASKED_MOST_CHARS` characters of text (a notebook making run after run of long texts
#: kept 150 MB of copies of 250 texts of 200 KB: a review of 0.9.44)
_ASKED: dict[tuple[str, str, str], object] = {}
_ASKED_MOST = 100_000
_ASKED_MOST_CHARS = 10_000_000
_asked_chars = 0


def matches_regex(cells: pa.Array | pa.ChunkedArray, pattern: str) -> pa.Array | pa.ChunkedArray:
    """``pc.match_substring_regex(cells, pattern)``, the same answer (null for a null cell); a text column
    of at most :data:`MEMO_CELLS` cells asks RE2 only of the texts it has not been asked of with
    ``pattern`` (:data:`_ASKED`): each cell's answer is its text's alone."""
    return _asked(pc.match_substring_regex, "match", cells, pattern, pa.bool_())


def counts_regex(cells: pa.Array | pa.ChunkedArray, pattern: str) -> pa.Array | pa.ChunkedArray:
    """``pc.count_substring_regex(cells, pattern)`` as :func:`matches_regex` asks it (the same type:
    ``int32`` for ``string`` cells, ``int64`` for ``large_string``)."""
    kind = pa.int64() if pa.types.is_large_string(cells.type) else pa.int32()
    return _asked(pc.count_substring_regex, "count", cells, pattern, kind)


def _asked(ask, what: str, cells: pa.Array | pa.ChunkedArray, pattern: str, kind: pa.DataType):
    text = pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type)
    if len(cells) > MEMO_CELLS or not text:
        return ask(cells, pattern)
    values = cells.to_pylist()
    known = {t: _ASKED.get((what, pattern, t)) for t in dict.fromkeys(values) if t is not None}
    unseen = [t for t, answer in known.items() if answer is None]
    if unseen:
        global _asked_chars
        answers = ask(pa.array(unseen, cells.type), pattern).to_pylist()
        known.update(zip(unseen, answers, strict=True))
        chars = sum(map(len, unseen))
        if len(_ASKED) >= _ASKED_MOST or _asked_chars + chars > _ASKED_MOST_CHARS:
            _ASKED.clear()
            _asked_chars = 0
        if chars <= _ASKED_MOST_CHARS:  # texts longer than the memo holds are asked each time
            _ASKED.update(((what, pattern, t), answer) for t, answer in zip(unseen, answers, strict=True))
            _asked_chars += chars
    out = pa.array([None if t is None else known[t] for t in values], kind)
    return pa.chunked_array([out], kind) if isinstance(cells, pa.ChunkedArray) else out


def text_bytes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A text array's cells as numpy views of its buffers, no copy: where
    each cell starts and ends in the character data (the first at 0), and
    that data (``uint8``; the array's slice only). Both are read-only; the
    offsets are copied only for a slice whose first cell does not start at 0
    (called on million-cell columns many times a run)."""
    if len(arr) == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    offsets, data = arr.buffers()[1:3]
    kind = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    bounds = np.frombuffer(offsets, dtype=kind)[arr.offset : arr.offset + len(arr) + 1]
    first = int(bounds[0])
    if first:  # a slice that starts inside the data: shifted (a copy); else the view itself (read-only)
        bounds = bounds - first
    if data is None:
        return bounds, np.zeros(0, dtype=np.uint8)
    return bounds, np.frombuffer(data, dtype=np.uint8)[first : first + int(bounds[-1])]


#: bytes of character data compared at a time by :func:`holds_ascii` (a
#: reused temporary, not one the size of the column)
SCAN_BLOCK = 1 << 20


def holds_ascii(arr: pa.Array, chars: str) -> bool:
    """Whether any cell of a text array holds one of ``chars`` (ASCII, so
    never part of a longer UTF-8 character): its bytes compared in place, a
    block at a time, far faster than a search per cell."""
    wanted = [ord(c) for c in chars]
    if any(w >= 128 for w in wanted):
        raise ValueError("only ASCII characters are looked for byte by byte")
    _, raw = text_bytes(arr)
    for at in range(0, len(raw), SCAN_BLOCK):
        block = raw[at : at + SCAN_BLOCK]
        if any((block == w).any() for w in wanted):
            return True
    return False


def one_line(arr: pa.Array) -> pa.Array:
    """``arr`` with every line break (:data:`LINE_BREAKS`) a space: a cell of a file
    OPUS or Sensum imports, which read it a line at a time, so that its row stays one row whatever a cell
    holds (a quoted line feed too). A grant id holding one is left out, and an invoice number is read so
    (:func:`invoicekit.extracts.read_invoices`); a note's message is made so as it is masked
    (:func:`invoicekit.cells.fix_unsafe` with ``breaks``). The array itself where no cell holds one, which
    its bytes say at a glance (:func:`_may_break`) nearly always: RE2 cell by cell took 72 ms for a
    million invoice numbers, the glance 2.5 ms."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or len(arr) == 0:
        return arr
    if isinstance(arr, pa.ChunkedArray):  # each chunk; the column itself where none breaks a line
        if not any(_may_break(text_bytes(chunk)[1]) for chunk in arr.chunks if len(chunk)):
            return arr
        return pa.chunked_array([one_line(chunk) for chunk in arr.chunks], arr.type)
    if not _may_break(text_bytes(arr)[1]):
        return arr
    if not pc.any(pc.match_substring_regex(arr, LINE_BREAK_RE2)).as_py():
        return arr
    return pc.replace_substring_regex(arr, LINE_BREAK_RE2, " ")


def _may_break(raw: np.ndarray) -> bool:
    """Whether UTF-8 text (``raw``) may hold a line break: a control byte but the tab (a line feed, the
    separators, and controls that are none), or 0x85, 0xA8 or 0xA9, the last byte of U+0085, U+2028 and
    U+2029 (and of a few letters, é and è among them). False means none; True is decided by RE2."""
    for at in range(0, len(raw), SCAN_BLOCK):
        block = raw[at : at + SCAN_BLOCK]
        if ((block < 0x1F) & (block != 0x09)).any() or (block == 0x85).any() or ((block & 0xFE) == 0xA8).any():
            return True
    return False
