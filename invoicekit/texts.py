"""How the typed tables hold text columns: pandas' ``str`` dtype with arrow
underneath (:data:`TEXT`), the test for a column held that way, and the one
way to take any column of texts as arrow (:func:`arrow_text`), so that arrow
text is handed on without being made Python strings first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

#: pandas' text type, arrow underneath, NaN where missing
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


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
