"""Codes of tuples and each code's first row, against plain Python."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicekit.distinct import first_rows, tuple_codes

small = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["a", "b", None]), st.integers(-2, 2)), max_size=40)


@settings(deadline=None)  # a stall of the shared machine is no failure (the other hypothesis tests say so too)
@given(small)
def test_tuple_codes_number_the_tuples_in_the_order_they_first_occur(rows):
    a = np.array([r[0] for r in rows], dtype=np.int64)
    b = np.array([r[1] for r in rows], dtype=object)
    c = np.array([r[2] for r in rows], dtype=np.int64)
    codes, n = tuple_codes(a, b, c)
    seen: dict[tuple, int] = {}
    expected = [seen.setdefault(r, len(seen)) for r in rows]  # None equal to None, as a value
    assert codes.tolist() == expected and n == len(seen)


@settings(deadline=None)
@given(small)
def test_first_rows_are_where_each_tuple_first_occurs(rows):
    codes, n = tuple_codes(np.array([str(r) for r in rows], dtype=object))
    first = first_rows(codes, n)
    assert first.tolist() == [rows.index(r) for r in dict.fromkeys(rows)]
