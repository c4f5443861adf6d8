"""Text cells in the files people open in Excel: never a formula, never a CPR
number where it does not belong (robot spec, "Formulas" and "Who reads what").

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is written with a leading ``'``, so that Excel shows it and never runs
it; so is such a character right after a ``;`` or ``,`` inside a cell, where
Excel would start a cell if it split the file on the other separator. Numbers
are written as numbers and are left alone. Files that people read
also have anything that reads as a CPR number masked (``DDMMYY-xxxx``); only
the files imported into OPUS and Sensum keep text as written, and their
identifiers (``inner=False``) are guarded at the start of the cell alone, as
the spec says: a ``'`` inside an invoice number or a grant id (``F-2019;'-1``)
named an invoice or a grant nobody wrote (an attack on 0.9.28). Nor does an
imported file's row ever break over lines (:func:`~invoicekit.texts.one_line`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.identifiers import map_unique, mask_cpr_text, mask_unless_psp, may_hold_cpr
from invoicekit.texts import LINE_BREAK_RE2, arrow_text, one_line, one_line_text, text_bytes
from invoicekit.vocabulary import FORMULA_START, FORMULA_START_RE2, PSP_COLUMNS

#: a formula start at the start of the cell, or after either separator: a file
#: written with ',' opened where Excel splits on ';' (or the reverse) starts a
#: new cell there
_FORMULA_RE2 = "(?:^|[;,])" + FORMULA_START_RE2
_AFTER_SEPARATOR = re.compile(f"([;,])(?={FORMULA_START_RE2})")
#: the fewest characters (and so bytes) that read as a CPR number: ten digits
_CPR_CHARACTERS = 10
#: the bytes that start a formula, and the separators after which one does (ASCII, so
#: never part of a longer UTF-8 character)
_FORMULA_BYTES = np.isin(np.arange(256), [ord(c) for c in FORMULA_START])
_FORMULA_START_BYTES = tuple(np.uint8(ord(c)) for c in FORMULA_START)
_SEPARATOR_BYTES = (ord(";"), ord(","))
_SPACE = ord(" ")


def neutralise(text: str, csv: bool = True) -> str:
    """One text cell, safe to open in Excel (a CSV cell: whichever separator
    Excel splits it on)."""
    if csv:
        text = _AFTER_SEPARATOR.sub(r"\1'", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def as_written(values: pd.Series) -> pd.Series:
    """Text cells as the robot writes them into a CSV people read
    (:func:`safe_text`: CPR numbers masked, a formula start guarded): what a
    cell of its own ``decisions.csv`` is compared with, exactly (no guess at
    undoing the guard: ``x,'+y`` may have been written so or guarded so)."""
    return pd.Series(map_unique(values.fillna("").astype(str), safe_text), index=values.index, dtype=object)


def safe_text(text: str, mask: bool = True, csv: bool = True) -> str:
    """One text cell for a file people read: CPR numbers masked, no formula."""
    return neutralise(mask_cpr_text(text) if mask else text, csv)


def neutralise_arrow(arr: pa.Array) -> pa.Array:
    """:func:`neutralise` whole-column."""
    return safe_arrow(arr, mask=False)


def mask_arrow(arr: pa.Array, within: pa.BooleanArray | None = None) -> pa.Array:
    """Anything that reads as a CPR number masked, whole-column: the cells
    :func:`cpr_cells` finds. ``within``: what :func:`unsafe_cells` (with
    ``mask``) found in the same texts beforehand, which holds every such
    cell: only those are looked at again."""
    text = _text(arr)
    if text is None:
        return arr
    return _fix(text, cpr_cells(text, within), mask_cpr_text)


def cpr_cells(arr: pa.Array, within: pa.BooleanArray | None = None) -> pa.BooleanArray | None:
    """Where :func:`~invoicekit.identifiers.may_hold_cpr` finds (False for
    a null); None where nowhere (nearly always), and for a column that is
    not text. RE2 looks at every cell (:func:`_cpr_matches`); none where no
    cell has the ten bytes a match needs. ``within`` (what
    :func:`unsafe_cells` with ``mask`` found in the same texts, a superset
    of these cells): only its cells are matched."""
    text = _text(arr)
    if text is None:
        return None
    if within is not None:
        if len(within) != len(text):
            raise ValueError(f"what was found covers {len(within)} cells, not {len(text)}")
        rows = np.flatnonzero(pc.fill_null(within, False).to_numpy(zero_copy_only=False))
    else:
        bounds, raw = text_bytes(text)
        if not len(raw) or np.diff(bounds).max() < _CPR_CHARACTERS:
            return None
        return _cpr_matches(text)
    if len(rows) == 0:
        return None
    matched = may_hold_cpr(text.take(pa.array(rows)))
    rows = rows[matched.to_numpy(zero_copy_only=False)]
    if len(rows) == 0:
        return None
    hit = np.zeros(len(text), dtype=bool)
    hit[rows] = True
    return pa.array(hit)


def safe_arrow(arr: pa.Array, mask: bool = True) -> pa.Array:
    """:func:`safe_text` whole-column: one scan of the bytes finds the few
    cells that need it (a formula start, or with ``mask`` ten digits that
    may be a CPR: those RE2 looks at), :func:`unsafe_cells`."""
    return fix_unsafe(arr, unsafe_cells(arr, mask), mask)


def unsafe_cells(arr: pa.Array, mask: bool = True, inner: bool = True, breaks: bool = False) -> pa.BooleanArray | None:
    """The cells of a text column that :func:`safe_arrow` fixes: where the
    scan finds a formula start or, with ``mask``, ten digits that may be a
    CPR number (False for a null); None where it finds none (nearly always),
    and for a column that is not text. The formula starts are found byte by
    byte (:func:`_formula_starts`), the CPR numbers by RE2 over the whole
    column (:func:`_cpr_matches`). ``breaks``: a line break found too
    (:func:`fix_unsafe` with ``breaks`` makes it a space, then masks), in the
    CPR numbers' pass where there is one."""
    text = _text(arr)
    if text is None:
        return None
    bounds, raw = text_bytes(text)
    hit = _formula_starts(text, bounds, raw, inner)
    if mask and len(raw) and np.diff(bounds).max() >= _CPR_CHARACTERS:
        found = _cpr_matches(text, LINE_BREAK_RE2 if breaks else None)
        if found is not None:
            hit |= found.to_numpy(zero_copy_only=False)
    elif breaks and len(raw):
        hit |= pc.fill_null(pc.match_substring_regex(text, LINE_BREAK_RE2), False).to_numpy(zero_copy_only=False)
    if text.null_count:
        hit &= text.is_valid().to_numpy(zero_copy_only=False)
    return pa.array(hit) if hit.any() else None


def fix_unsafe(
    arr: pa.Array, found: pa.BooleanArray | None, mask: bool = True, inner: bool = True, breaks: bool = False
) -> pa.Array:
    """:func:`safe_arrow`, given ``found``: what :func:`unsafe_cells` finds
    in ``arr`` with the same ``mask``, ``inner`` and ``breaks`` (found beforehand, once for two files).
    ``inner=False``: a formula start guarded at the start of the cell alone (an identifier in a file OPUS or
    Sensum imports). ``breaks``: every line break a space first, then masked (``010190⏎1234`` is two lines
    and no CPR number; on one line it is one)."""
    text = _text(arr)
    if text is None:
        return arr
    if breaks:
        return _fix(text, found, lambda cell: safe_text(one_line_text(cell), mask, csv=inner))
    return _fix(text, found, lambda cell: safe_text(cell, mask, csv=inner))


def unsafe_after(
    prefix: str, arr: pa.Array, found: pa.BooleanArray | None, mask: bool = True, breaks: bool = False
) -> pa.BooleanArray | None:
    """:func:`unsafe_cells` of ``prefix`` + each cell of ``arr`` (a null stays
    a null), given ``found``: what it finds in the cells of ``arr`` alone.
    Only the cells found there are looked at again: the prefix holds no digit
    and no formula start, so a formula start in ``prefix + cell`` lies in the
    cell, or starts it (found at the cell's start), and a CPR number lies in
    the cell, as it begins with a digit."""
    if pc.match_substring_regex(pa.array([prefix]), rf"\p{{Nd}}|{_FORMULA_RE2}")[0].as_py():
        raise ValueError("the prefix holds a digit or a formula start: the cells alone say nothing of it")
    if found is None:
        return None
    rows = np.flatnonzero(found.to_numpy(zero_copy_only=False))
    text = _text(arr)
    kind = text.type
    cells = pc.binary_join_element_wise(pa.scalar(prefix, kind), text.take(pa.array(rows)), pa.scalar("", kind))
    matched = pc.fill_null(
        pc.match_substring_regex(cells, _FORMULA_RE2 + (f"|{LINE_BREAK_RE2}" if breaks else "")), False
    )
    if mask:
        matched = pc.or_(matched, may_hold_cpr(cells))
    matched = matched.to_numpy(zero_copy_only=False)
    if not matched.any():
        return None
    hit = np.zeros(len(text), dtype=bool)
    hit[rows[matched]] = True
    return pa.array(hit)


#: bytes of character data looked at a time by the byte scans: buffers reused
#: from block to block (in the cache), none the size of the column
SCAN_BYTES = 1 << 18


def _formula_starts(arr: pa.Array, bounds: np.ndarray, raw: np.ndarray, inner: bool = True) -> np.ndarray:
    """Where :data:`_FORMULA_RE2` matches (a boolean per cell; nulls not yet
    left out), looked for byte by byte (``bounds``, ``raw``:
    :func:`~invoicekit.texts.text_bytes`): a cell's first byte, and each byte
    after a ``;`` or ``,``, the separators found :data:`SCAN_BYTES` at a
    time. Two to three times faster than RE2, which pays per byte for what
    it might look for."""
    starts, ends = bounds[:-1], bounds[1:]
    # each cell's first byte (an empty cell's: whatever follows, or the last byte; left out below)
    first = raw.take(starts, mode="clip") if len(raw) else np.zeros(len(arr), dtype=np.uint8)
    hit = np.zeros(len(arr), dtype=bool)
    for byte in _FORMULA_START_BYTES:  # compared one by one: faster than a table looked up
        hit |= first == byte
    hit &= ends > starts
    if not inner:  # the start of the cell alone
        return hit
    semi, comma = np.empty(SCAN_BYTES, dtype=bool), np.empty(SCAN_BYTES, dtype=bool)
    shifted = np.empty(SCAN_BYTES, dtype=np.uint8)
    for at in range(0, len(raw) - 1, SCAN_BYTES):
        block = raw[at : min(at + SCAN_BYTES, len(raw) - 1)]  # a separator with a byte after it
        k = len(block)
        np.equal(block, _SEPARATOR_BYTES[0], out=semi[:k])
        np.equal(block, _SEPARATOR_BYTES[1], out=comma[:k])
        np.logical_or(semi[:k], comma[:k], out=semi[:k])
        # a space or a digit after (a separator in a sentence, a Danish decimal comma)
        # starts no formula: the others are few, and none at all in most blocks
        following = raw[at + 1 : at + 1 + k]
        np.subtract(following, ord("0"), out=shifted[:k])  # the digits become 0 … 9, the rest wrap
        np.greater_equal(shifted[:k], 10, out=comma[:k])
        np.logical_and(semi[:k], comma[:k], out=semi[:k])
        np.not_equal(following, _SPACE, out=comma[:k])
        np.logical_and(semi[:k], comma[:k], out=semi[:k])
        if not semi[:k].any():
            continue
        after = np.flatnonzero(semi[:k]) + (at + 1)
        after = after[_FORMULA_BYTES[raw[after]]]
        # the cell that holds each such byte (where the separator ends the cell
        # before, the byte starts its own: a formula start all the same)
        hit[np.searchsorted(ends, after, side="right")] = True
    return hit


def _cpr_matches(text: pa.Array, also: str | None = None) -> pa.BooleanArray | None:
    """Where :func:`~invoicekit.identifiers.may_hold_cpr` finds (False for
    a null), RE2 over every cell: a CPR number may be written in pairs, with
    runs of spaces and dashes, or with invisible characters among its digits,
    and a byte scan that let through only what may hold one let through
    nearly every message with a date (measured on a million decisions: a
    scan 0.8 s and RE2 0.1 s on what it let through, against 0.23 s for RE2
    on all of it). None where it matches nowhere."""
    if len(text) >= HALVES_FROM:  # a large column in two halves side by side (RE2 lets go of the interpreter)
        half = len(text) // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(lambda part: may_hold_cpr(part, also), (text.slice(0, half), text.slice(half))))
        matched = pa.concat_arrays(parts)
    else:
        matched = may_hold_cpr(text, also)
    return matched if pc.any(matched).as_py() else None


#: cells from which :func:`_cpr_matches` looks at a column in two halves side by side
HALVES_FROM = 100_000


def _text(arr: pa.Array) -> pa.Array | None:
    """A text column as one array; None for an empty column or one that is not text."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or len(arr) == 0:
        return None
    return arrow_text(arr)


def _fix(arr: pa.Array, hit: pa.BooleanArray | None, fix: Callable[[str], str]) -> pa.Array:
    """``fix`` applied to the cells ``hit`` marks; the column as it is where
    it marks none (nearly always)."""
    if hit is None:
        return arr
    # only the cells found are taken out to Python and put back: the column stays arrow
    found = arr.filter(hit).to_pylist()
    fixed = pa.array([fix(v) for v in found], type=arr.type)
    return pc.replace_with_mask(arr, hit, fixed)


def safe_frame(df: pd.DataFrame, mask: bool = True) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are safe to write (numbers untouched;
    a PSP element in a column of them, :data:`~invoicekit.vocabulary.PSP_COLUMNS`,
    as it is)."""
    out = df.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
            continue
        text = values.to_numpy(dtype=object)
        is_text = np.fromiter((isinstance(v, str) for v in text), dtype=bool, count=len(text))
        if not is_text.any():
            continue
        if mask and col in PSP_COLUMNS:
            fixed = text.copy()
            kept = mask_unless_psp(text[is_text]).to_numpy(zero_copy_only=False)
            fixed[is_text] = [neutralise(v) for v in kept]
        elif is_text.all():
            arr = safe_arrow(pa.array(text, type=pa.large_string()), mask)
            fixed = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
        else:
            fixed = text.copy()
            fixed[is_text] = [safe_text(v, mask) for v in text[is_text]]
        out[col] = pd.Series(fixed, index=out.index, dtype=object)
    return out


def one_line_within(arr: pa.Array, within: pa.BooleanArray | None) -> pa.Array:
    """``arr`` with the line breaks of the cells ``within`` marks made spaces: what :func:`unsafe_cells` with
    ``breaks`` found in the same texts, which holds every cell with a line break. So a message the journal keeps
    is the one the files hold, masked on one line (``0101⏎90⏎1234`` was kept whole where decisions.csv masked
    it: a review)."""
    text = _text(arr)
    if text is None or within is None:
        return arr
    rows = np.flatnonzero(pc.fill_null(within, False).to_numpy(zero_copy_only=False))
    if len(rows) == 0:
        return arr
    taken = text.take(pa.array(rows))
    fixed = one_line(taken)
    if fixed is taken:
        return arr
    hit = np.zeros(len(text), dtype=bool)
    hit[rows] = True
    return pc.replace_with_mask(text, pa.array(hit), fixed)
