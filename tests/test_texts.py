"""texts: the one way a column of texts becomes arrow, and its bytes looked at in place."""

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import invoicekit.texts
from invoicekit.texts import TEXT, arrow_text, holds_ascii, text_bytes


def test_arrow_held_text_is_taken_as_it_is_without_a_copy():
    column = pd.Series(["a", None, "ccc"], dtype=TEXT)
    arr = arrow_text(column)
    assert isinstance(arr, pa.Array) and arr.to_pylist() == ["a", None, "ccc"]
    chunked = pa.chunked_array([pa.array(["x", "yy"], pa.large_string())])
    assert arrow_text(chunked).buffers()[2].address == chunked.chunk(0).buffers()[2].address
    plain = pa.array(["x"], pa.string())
    assert arrow_text(plain) is plain


def test_several_chunks_are_made_one_array_in_order():
    chunked = pa.chunked_array([pa.array(["a", "b"]), pa.array([], pa.string()), pa.array([None, "d"])])
    arr = arrow_text(chunked)
    assert isinstance(arr, pa.Array) and arr.to_pylist() == ["a", "b", None, "d"]
    assert arrow_text(pa.chunked_array([], pa.string())).to_pylist() == []


@pytest.mark.parametrize(
    "values",
    [["a", None, "æøå"], np.array(["a", np.nan, "æøå"], dtype=object), pd.Series(["a", None, "æøå"], dtype=object)],
    ids=["list", "objects", "object-series"],
)
def test_python_strings_become_large_string_with_missing_as_null(values):
    arr = arrow_text(values)
    assert arr.type == pa.large_string() and arr.to_pylist() == ["a", None, "æøå"]


def test_type_casts_only_where_it_differs():
    large = pa.array(["a", "b"], pa.large_string())
    assert arrow_text(large, pa.large_string()) is large
    small = arrow_text(large, pa.string())
    assert small.type == pa.string() and small.to_pylist() == ["a", "b"]
    assert arrow_text(pd.Series(["a"], dtype=TEXT), pa.large_string()).type == pa.large_string()


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_text_bytes_are_the_cells_of_the_slice_in_place(kind):
    cells = ["ab", None, "", "æø", "c;d"]
    whole = pa.array(["zz", *cells, "yy"], kind)
    part = whole.slice(1, len(cells))
    bounds, raw = text_bytes(part)
    assert bounds[0] == 0 and len(bounds) == len(cells) + 1
    assert [bytes(raw[a:b]).decode() for a, b in itertools.pairwise(bounds)] == [c or "" for c in cells]
    assert raw.base is not None  # a view of the array's buffer, not a copy
    for empty in (pa.array([], kind), whole.slice(3, 0), pa.array([None, None], kind)):
        bounds, raw = text_bytes(empty)
        assert len(raw) == 0 and (bounds == 0).all() and len(bounds) == len(empty) + 1


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_holds_ascii_is_any_cell_holding_one_of_the_characters(kind, monkeypatch):
    monkeypatch.setattr(invoicekit.texts, "SCAN_BLOCK", 3)  # the blocks' edges fall inside cells
    cells = ["ab", None, "x\ny", 'q"', "æ;ø", ""]
    arr = pa.array(["ab,", *cells], kind).slice(1)  # the comma before the slice is not looked at
    for chars in (",", ";", '"', "\n", "\r", ",\r", "z"):
        expected = any(c is not None and any(ch in c for ch in chars) for c in cells)
        assert holds_ascii(arr, chars) == expected, chars
    with pytest.raises(ValueError):
        holds_ascii(arr, "æ")
