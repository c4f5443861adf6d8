"""Text cells in the files people open in Excel: never a formula, never a CPR
number where it does not belong (robot spec, "Formulas" and "Who reads what").

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is written with a leading ``'``, so that Excel shows it and never runs
it; so is such a character right after a ``;`` or ``,`` inside a cell, where
Excel would start a cell if it split the file on the other separator. Numbers
are written as numbers and are left alone. Files that people read
also have anything that reads as a CPR number masked (``DDMMYY-xxxx``); only
the files imported into OPUS and Sensum keep text as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.identifiers import mask_cpr_text
from invoicekit.vocabulary import CPR_LIKE_RE2

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: a formula start at the start of the cell, or after either separator: a file
#: written with ',' opened where Excel splits on ';' (or the reverse) starts a
#: new cell there
_FORMULA_RE2 = r"(?:^|[;,])[=+\-@\t\r]"
_AFTER_SEPARATOR = re.compile(r"([;,])(?=[=+\-@\t\r])")


def neutralise(text: str, csv: bool = True) -> str:
    """One text cell, safe to open in Excel (a CSV cell: whichever separator
    Excel splits it on)."""
    if csv:
        text = _AFTER_SEPARATOR.sub(r"\1'", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_text(text: str, mask: bool = True, csv: bool = True) -> str:
    """One text cell for a file people read: CPR numbers masked, no formula."""
    return neutralise(mask_cpr_text(text) if mask else text, csv)


def neutralise_arrow(arr: pa.Array) -> pa.Array:
    """:func:`neutralise` whole-column."""
    return safe_arrow(arr, mask=False)


def mask_arrow(arr: pa.Array) -> pa.Array:
    """Anything that reads as a CPR number masked, whole-column."""
    return _fix_where(arr, CPR_LIKE_RE2, mask_cpr_text)


def safe_arrow(arr: pa.Array, mask: bool = True) -> pa.Array:
    """:func:`safe_text` whole-column: one RE2 scan finds the few cells that
    need it (a formula start, or with ``mask`` ten digits that may be a CPR)."""
    pattern = _FORMULA_RE2 + (f"|{CPR_LIKE_RE2}" if mask else "")
    return _fix_where(arr, pattern, lambda text: safe_text(text, mask))


def _fix_where(arr: pa.Array, pattern: str, fix: Callable[[str], str]) -> pa.Array:
    """``fix`` applied to the cells of a text column that ``pattern`` (RE2)
    finds; the column as it is when it finds none (nearly always)."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or len(arr) == 0:
        return arr
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    if not pc.any(hit).as_py():
        return arr
    # only the cells found are taken out to Python and put back: the column stays arrow
    found = arr.filter(hit).to_pylist()
    fixed = pa.array([fix(v) for v in found], type=arr.type)
    if isinstance(arr, pa.ChunkedArray):
        arr, hit = arr.combine_chunks(), hit.combine_chunks()
    return pc.replace_with_mask(arr, hit, fixed)


def safe_frame(df: pd.DataFrame, mask: bool = True) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are safe to write (numbers untouched)."""
    out = df.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
            continue
        text = values.to_numpy(dtype=object)
        is_text = np.fromiter((isinstance(v, str) for v in text), dtype=bool, count=len(text))
        if not is_text.any():
            continue
        if is_text.all():
            arr = safe_arrow(pa.array(text, type=pa.large_string()), mask)
            fixed = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
        else:
            fixed = text.copy()
            fixed[is_text] = [safe_text(v, mask) for v in text[is_text]]
        out[col] = pd.Series(fixed, index=out.index, dtype=object)
    return out
