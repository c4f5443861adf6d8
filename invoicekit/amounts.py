"""The expected amount of a grant over an invoice period.

For a period ``[s, e]`` (both inclusive), computed exactly and rounded once, to
øre, half up:

- ``day``: rate × days
- ``week``: rate × days / 7
- ``month``: for each calendar month touched, rate × (days of the period in
  that month / days in that month)
- ``year``: for each calendar year touched, rate × (days of the period in that
  year / days in that year)
- ``hour``: no expected amount (there is no fixed number of hours)

Whole-column integer arithmetic: each expected amount is written as
``rate × (full + num / den)`` where ``full`` counts whole units (days, weeks,
months or years wholly inside the period) and ``num / den`` is the exact
fraction of the partial units at the ends. No floating point is involved.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from invoicekit.parsing import ORE
from invoicekit.vocabulary import FIXED_RATE_UNITS, RATE_UNIT_ORDER

HOUR = RATE_UNIT_ORDER.index("hour")


def unit_codes(units) -> np.ndarray:
    """Rate units as small integers: the index in
    :data:`~invoicekit.vocabulary.RATE_UNIT_ORDER`, -1 if unknown."""
    return pd.Index(RATE_UNIT_ORDER).get_indexer(np.asarray(units, dtype=object)).astype(np.int8)


def _days_in(periods: np.ndarray) -> np.ndarray:
    """Days in each calendar month or year."""
    first = periods.astype("datetime64[D]")
    nxt = (periods + 1).astype("datetime64[D]")
    return (nxt - first).astype(np.int64)


def _calendar_fraction(start: np.ndarray, end: np.ndarray, unit: str) -> tuple[np.ndarray, ...]:
    """``full``, ``num``, ``den`` for calendar months (``M``) or years (``Y``)."""
    ps = start.astype(f"datetime64[{unit}]")
    pe = end.astype(f"datetime64[{unit}]")
    len_s = _days_in(ps)
    len_e = _days_in(pe)
    day_s = (start - ps.astype("datetime64[D]")).astype(np.int64) + 1  # 1-based day within the unit
    day_e = (end - pe.astype("datetime64[D]")).astype(np.int64) + 1
    same = ps == pe
    full = np.where(same, 0, (pe - ps).astype(np.int64) - 1)
    num = np.where(same, day_e - day_s + 1, (len_s - day_s + 1) * len_e + day_e * len_s)
    den = np.where(same, len_s, len_s * len_e)
    return full, num, den


def expected_amounts(rate: np.ndarray, unit: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Expected amounts in 1/10,000 DKK (whole øre); -1 where the unit has no
    fixed amount (``hour``) or the period is unusable.

    ``rate`` is in 1/10,000 DKK, ``unit`` one of day/week/month/year/hour
    (or their :func:`unit_codes`),
    ``start`` and ``end`` are ``datetime64[D]``.
    """
    rate = np.asarray(rate, dtype=np.int64)
    unit = np.asarray(unit)
    codes = unit if np.issubdtype(unit.dtype, np.integer) else unit_codes(unit)
    code_of = {name: k for k, name in enumerate(FIXED_RATE_UNITS)}
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    n = len(rate)
    full = np.zeros(n, dtype=np.int64)
    num = np.zeros(n, dtype=np.int64)
    den = np.ones(n, dtype=np.int64)
    usable = ~(np.isnat(start) | np.isnat(end)) & (end >= start)
    days = np.where(usable, (end - start).astype(np.int64) + 1, 0)

    is_day = codes == code_of["day"]
    full[is_day] = days[is_day]
    is_week = codes == code_of["week"]
    full[is_week] = days[is_week] // 7
    num[is_week] = days[is_week] % 7
    den[is_week] = 7
    for name, code in (("month", "M"), ("year", "Y")):
        mask = (codes == code_of[name]) & usable
        if mask.any():
            f, nu, de = _calendar_fraction(start[mask], end[mask], code)
            full[mask], num[mask], den[mask] = f, nu, de

    # expected øre = rate/ORE × (full + num/den), rounded half up; split so
    # that no intermediate product overflows int64
    q1, r1 = np.divmod(rate * full, ORE)
    frac_num = r1 * den + rate * num
    frac_den = ORE * den
    q2, r2 = np.divmod(frac_num, frac_den)
    ore = q1 + q2 + (2 * r2 >= frac_den)
    out = ore * ORE
    fixed = (codes >= 0) & (codes < len(FIXED_RATE_UNITS)) & usable
    return np.where(fixed, out, -1)
