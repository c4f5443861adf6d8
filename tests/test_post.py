"""The writer's own helpers: what they decide about a column must be what a
look at each value decides."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicekit import post

_CELLS = st.one_of(st.none(), st.text(alphabet='ab;,"\n\ræø', max_size=6))


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(_CELLS, max_size=30),
    start=st.integers(0, 4),
    stop=st.integers(0, 4),
    large=st.booleans(),
    block=st.sampled_from([1, 3, 1 << 20]),
)
def test_a_column_holds_a_character_only_if_one_of_its_values_does(values, start, stop, large, block):
    # the raw character data is scanned in place, in blocks: only the values of
    # the slice count, not what the buffer holds beside them
    arr = pa.array(['x;"'] * start + values + ["\n,"] * stop, pa.large_string() if large else pa.string())
    arr = arr[start : len(arr) - stop]
    original, post._SCAN_BLOCK = post._SCAN_BLOCK, block
    try:
        for chars in ((";", '"'), (",", "\n", "\r"), ("a",)):
            expected = any(c in v for v in values if v is not None for c in chars)
            assert post._holds_any([arr], chars) == expected
            assert post._holds_any([pa.chunked_array([arr, arr[:0]])], chars) == expected
    finally:
        post._SCAN_BLOCK = original
