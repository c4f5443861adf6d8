"""CPR and CVR numbers: one small API per identifier, python-stdnum underneath.

CPR (``stdnum.dk.cpr``): ten digits ``DDMMYY-SSSS``, hyphen optional. The birth
date must exist, the century taken from the 7th digit as stdnum does, and not
lie in the future (stdnum's rule). There is no modulus-11 check: numbers
without it are issued since 2007. A replacement number (erstatningspersonnummer,
day + 60) is valid when day - 60 gives a real date. A nine-digit number is
taken to be a CPR whose leading zero a spreadsheet dropped, and is padded.

CVR (``stdnum.dk.cvr``): eight digits, no leading zero, modulus 11 with weights
2,7,6,5,4,3,2,1; a ``DK`` prefix, spaces and the separators stdnum knows are
removed.

The ``*_column`` functions do the same for a whole pandas Series, validating
each distinct value once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from stdnum.dk import cpr as _cpr
from stdnum.dk import cvr as _cvr
from stdnum.exceptions import ValidationError

# ---------------------------------------------------------------- CPR


def compact_cpr(number: object) -> str:
    """Remove spaces and hyphens; pad a nine-digit number to ten digits."""
    text = _cpr.compact(str(number))
    if len(text) == 9 and text.isdigit():
        text = "0" + text
    return text


def is_valid_cpr(number: object) -> bool:
    """True when ``number`` is a valid CPR or replacement CPR number."""
    text = compact_cpr(number)
    if len(text) != 10 or not text.isdigit():
        return False
    try:
        _cpr.validate(text)
        return True
    except ValidationError:
        pass
    day = int(text[:2])
    if day > 60:
        try:
            _cpr.validate(f"{day - 60:02d}{text[2:]}")
            return True
        except ValidationError:
            return False
    return False


def validate_cpr(number: object) -> str:
    """Return the compact CPR number, or raise ``ValueError``."""
    if not is_valid_cpr(number):
        raise ValueError(f"not a valid CPR number: {mask_cpr(number)}")
    return compact_cpr(number)


def mask_cpr(number: object) -> str:
    """``DDMMYY-xxxx``: the birth date kept, the sequence number hidden."""
    text = compact_cpr(number)
    head = text[:6] if len(text) >= 6 else "x" * 6
    return f"{head}-xxxx"


def format_cpr(number: object) -> str:
    """``DDMMYY-SSSS``. Only for places that need the full number."""
    text = compact_cpr(number)
    return f"{text[:6]}-{text[6:]}"


# ---------------------------------------------------------------- CVR


def compact_cvr(number: object) -> str:
    """Remove spaces, separators and a ``DK`` prefix."""
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return _cvr.compact(str(number))


def is_valid_cvr(number: object) -> bool:
    """True when ``number`` is a valid CVR number."""
    return _cvr.is_valid(compact_cvr(number))


def validate_cvr(number: object) -> str:
    """Return the compact CVR number, or raise ``ValueError``."""
    if not is_valid_cvr(number):
        raise ValueError(f"not a valid CVR number: {number!r}")
    return compact_cvr(number)


def cvr_checksum_digit(first_seven: str) -> str | None:
    """The eighth digit that makes ``first_seven`` a valid CVR, if any."""
    weights = (2, 7, 6, 5, 4, 3, 2)
    total = sum(w * int(d) for w, d in zip(weights, first_seven, strict=True))
    digit = (-total) % 11
    return None if digit == 10 else str(digit)


# ---------------------------------------------------------------- columns


def map_unique(values: pd.Series, func: Callable[[str], object]) -> np.ndarray:
    """Apply ``func`` once per distinct value of a string Series."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.array([func(u) for u in uniques], dtype=object)
    if len(mapped) == 0:
        return np.empty(len(values), dtype=object)
    return mapped[codes]


def _cpr_or_blank(value: str) -> str:
    return compact_cpr(value) if is_valid_cpr(value) else ""


def _cvr_or_blank(value: str) -> str:
    return compact_cvr(value) if is_valid_cvr(value) else ""


def cpr_column(values: pd.Series) -> pd.Series:
    """Compact valid CPR numbers; blank where the value is not a valid CPR."""
    out = map_unique(values.fillna("").astype(str), _cpr_or_blank)
    return pd.Series(out, index=values.index, dtype=object)


def cvr_column(values: pd.Series) -> pd.Series:
    """Compact valid CVR numbers; blank where the value is not a valid CVR."""
    out = map_unique(values.fillna("").astype(str), _cvr_or_blank)
    return pd.Series(out, index=values.index, dtype=object)


def mask_cpr_column(values: pd.Series) -> pd.Series:
    """Mask a column of compact CPR numbers; blank stays blank."""
    text = values.fillna("").astype(str)
    out = np.where(text.str.len() >= 6, text.str.slice(0, 6) + "-xxxx", "")
    return pd.Series(out, index=values.index, dtype=object)
