"""How the typed tables hold text columns: pandas' ``str`` dtype with arrow
underneath (:data:`TEXT`), and the test for a column held that way, so that
arrow text is handed on without being made Python strings first."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: pandas' text type, arrow underneath, NaN where missing
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def is_arrow_text(values: object) -> bool:
    """Whether ``values`` is a pandas Series of text held in arrow."""
    return (
        isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"
    )
