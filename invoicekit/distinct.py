"""Work done once per distinct value: the codes of the rows' tuples of
several columns, and the row where each code first occurs, so that a value
worked out for that row can be taken back to every row by its code."""

from __future__ import annotations

import numpy as np
import pandas as pd


def tuple_codes(*parts: np.ndarray | pd.Series) -> tuple[np.ndarray, int]:
    """Codes of each row's tuple of ``parts`` (columns of one length), 0 to
    n - 1 in the order the tuples first occur (as ``pd.factorize`` numbers
    them), and n. A missing value is a value like any other."""
    codes = np.zeros(len(parts[0]) if parts else 0, dtype=np.int64)
    n = 1 if len(codes) else 0
    for part in parts:
        part_code, part_distinct = pd.factorize(part, use_na_sentinel=False)
        codes, distinct = pd.factorize(codes * max(len(part_distinct), 1) + part_code)
        codes, n = codes.astype(np.int64), len(distinct)
    return codes, n


def first_rows(codes: np.ndarray, n: int) -> np.ndarray:
    """The row where each of the codes 0 to ``n`` - 1 first occurs in
    ``codes`` (each of them occurs, as ``pd.factorize`` numbers them)."""
    first = np.empty(n, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return first
