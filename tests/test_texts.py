"""texts.arrow_text: the one way a column of texts becomes arrow."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from invoicekit.texts import TEXT, arrow_text


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
