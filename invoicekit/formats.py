"""Danish number display, in one place: the text a page, a chart, a letter or
a message shows (``1.234,5``, ``36,7 %``, ``250.000 kr.``) and the Excel number
formats a workbook gives its cells, so that a Danish Excel shows the same
(``#,##0.00`` shows 1.234,50 there). Numbers stay numbers until a writer
calls these. It imports nothing of the package.

Exact amounts held as whole units of money (øre and finer) are formatted
where that unit is defined, :func:`invoicekit.parsing.format_money_dk`.
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Context, Decimal

# ---------------------------------------------------------------- text


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def rounded(value: float, decimals: int = 0) -> Decimal:
    """``value`` rounded as Excel shows it: on its 15 significant digits, half
    away from zero (6.25 → 6.3, 0.3625 as a percentage → 36.3), where
    Python's ``round`` and format round the binary value half to even (6.2,
    36.2): a page, a letter or a printed line beside a workbook's cell then
    shows what the cell shows."""
    exact = Decimal(f"{value:.15g}")
    wide = Context(prec=400)  # the default 28 digits cannot hold 1e26 to two decimals
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=wide) + 0  # never "-0"


def en_number(value: float, decimals: int = 0) -> str:
    """``1234567.8`` → ``1,234,568`` (or ``1,234,567.8``), rounded as :func:`rounded`: for English text."""
    if _missing(value):
        return ""
    if math.isinf(value):
        return f"{value:,.{decimals}f}"
    return f"{rounded(value, decimals):,.{decimals}f}"


def en_percent(value: float, decimals: int = 1) -> str:
    """A share as an English percentage, rounded as :func:`rounded`: ``0.3625`` → ``36.3%``."""
    return f"{en_number(100 * value, decimals)}%" if not _missing(value) else ""


def dk_number(value: float, decimals: int = 0) -> str:
    """``1234567.8`` → ``1.234.568`` (or with ``decimals``, ``1.234.567,8``),
    rounded as :func:`rounded`; blank for a missing value."""
    text = en_number(value, decimals)
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def dk_short(value: float, max_decimals: int = 2) -> str:
    """A number with as few decimals as it needs, at most ``max_decimals``:
    ``0.25`` → ``0,25``, ``1.5`` → ``1,5``, ``6000.0`` → ``6.000``."""
    text = dk_number(value, max_decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def dk_percent(value: float, decimals: int = 1) -> str:
    """A share as a percentage: ``0.3671`` → ``36,7 %``."""
    if _missing(value):
        return ""
    return f"{dk_number(100 * value, decimals)} %"


def small_share_decimals(share: float) -> int:
    """The decimals that keep a share below 1 % from reading 0 as a
    percentage: two below 1 % (1 in 3,102 is 0.03 %, not 0.0 %), else one."""
    return 1 if share == 0 or share >= 0.01 else 2


def telling_decimals(shares: object, most: int = 2) -> int:
    """The fewest decimals (at most ``most``) at which ``shares`` that differ
    as percentages to ``most`` decimals also read differently: a chart marking
    today's 40,1 % beside a break-even of 39,7 % must not write both "40 %"."""
    values = [100 * float(v) for v in shares if not _missing(v)]
    distinct = len({rounded(v, most) for v in values})
    for d in range(most + 1):
        if len({rounded(v, d) for v in values}) == distinct:
            return d
    return most


def decimals_beside(value: float, mark: float, least: int = 1, most: int = 4) -> int:
    """The decimals of a measured share shown beside the rate it is judged
    against (a month's automation rate beside the target, a control's upper
    bound beside the tolerable rate): ``least``, or as many more, at most
    ``most``, as tell it from ``mark`` where it is not ``mark`` (:func:`telling_decimals`).
    49.95 % is "49,95 %" beside a 50 % target, never "50,0 %", which reads as
    reached (an attack on 0.9.32)."""
    return max(least, telling_decimals([value, mark], most))


def percent_kind(decimals: int) -> str:
    """The kind of a percentage cell with ``decimals`` decimals (:data:`EXCEL_FORMATS`): ``pct0``,
    ``pct``, ``pct2`` …"""
    return {0: "pct0", 1: "pct"}.get(decimals, f"pct{decimals}")


def rate_decimals(value: float, most: int = 2) -> int:
    """The decimals a rate someone set has as a percentage, at most ``most``:
    ``0.5`` (50 %) → 0, ``0.375`` (37,5 %) → 1, ``0.005`` (0,5 %) → 1."""
    if _missing(value) or math.isinf(value):
        return 0
    return max(0, -rounded(100 * value, most).normalize().as_tuple().exponent)


def dk_rate(value: float) -> str:
    """A rate someone set (a target, a tolerable error rate) as a percentage
    with the decimals it has, at most two (:func:`rate_decimals`): ``0.5`` →
    ``50 %``, ``0.005`` → ``0,5 %``."""
    return dk_percent(value, rate_decimals(value))


def probability_decimals(p: float, most: int = 4) -> int:
    """The decimals a probability (a share of draws) is shown with, wherever it
    is shown: none, unless whole percent would say all, none or half where it
    is not. 0,996 is "99,6 %", never "100 %", 0,004 "0,4 %", never "0 %",
    0,496 "49,6 %", never "50 %"; 0,9996 "99,96 %", never "100,0 %" (at most
    ``most``); 1, 0 and 0,5 exactly, and 0,39, are whole percent."""
    decimals = 0
    if _missing(p) or math.isinf(p):
        return decimals
    while p not in (0.0, 0.5, 1.0) and decimals < most and rounded(100 * p, decimals) in (0, 50, 100):
        decimals += 1
    return decimals


def dk_probability(p: float) -> str:
    """A probability as a Danish percentage, decimals by :func:`probability_decimals`: ``0.9966`` → ``99,7 %``."""
    return dk_percent(p, probability_decimals(p))


def en_probability(p: float) -> str:
    """:func:`dk_probability` in English: ``0.9966`` → ``99.7%``, ``0.39`` → ``39%``."""
    return en_percent(p, probability_decimals(p))


def en_rate(value: float) -> str:
    """:func:`dk_rate` in English: ``0.005`` → ``0.5%``."""
    if _missing(value):
        return ""
    text = en_number(100 * value, 2)
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def dk_points(value: float, decimals: int = 1) -> str:
    """Percentage points: ``17.44`` → ``17,4 pt``."""
    return f"{dk_number(value, decimals)} pt"


def dk_money(value: float, decimals: int = 0) -> str:
    """``250000`` → ``250.000 kr.``"""
    return f"{dk_number(value, decimals)} kr."


def dk_value(value: float, unit: str = "", decimals: int | None = None) -> str:
    """A value as a Danish reader expects it: a share (unit ``andel``) as a
    percentage (``decimals`` of them, by default two below 1 %:
    :func:`small_share_decimals`), a whole number without decimals, else up
    to two decimals."""
    if unit == "andel":
        return dk_percent(value, small_share_decimals(value) if decimals is None else decimals)
    return dk_short(value, 2)


def row_share_decimals(values: object) -> int:
    """The decimals of a row of shares shown side by side (low, likely,
    high): two where any that is not 0 lies below 1 %, so that 0,64 % is not
    shown as 0,6 % beside 0,00 % and 2,00 %; else one."""
    shares = [float(v) for v in values if not _missing(v)]
    return 2 if any(0 < abs(v) < 0.01 for v in shares) else 1


def dk_tick(value: float, _position: object = None) -> str:
    """An axis tick: as few decimals as it needs (ticks like 0.1 carry float
    noise, so at most six), thousands grouped. Takes matplotlib's
    ``(value, position)`` so that a ``FuncFormatter`` can call it."""
    return dk_short(value, 6)


def dk_percent_tick(value: float, _position: object = None) -> str:
    """An axis tick on a scale of 0–100: ``40`` → ``40 %``."""
    return f"{dk_short(value, 6)} %"


# ---------------------------------------------------------------- Excel

#: Excel number formats; Excel shows them with the reader's own separators (1.234,50 in a Danish Excel)
EXCEL_INT = "#,##0"
EXCEL_DECIMAL1 = "#,##0.0"
EXCEL_DECIMAL2 = "#,##0.00"
EXCEL_MONEY = "#,##0.00"
EXCEL_PERCENT = "0.0%"
EXCEL_PERCENT0 = "0%"
#: an error rate: a fraction of a percent (0.36 % is not 0,4 %)
EXCEL_PERCENT2 = "0.00%"
EXCEL_DATE = "dd.mm.yyyy"
EXCEL_MONTH = "yyyy-mm"


def excel_percent(decimals: int) -> str:
    """The Excel format of a percentage with ``decimals`` decimals: ``0%``, ``0.0%``, ``0.00%`` …"""
    return f"0.{'0' * decimals}%" if decimals > 0 else "0%"


#: each kind of column the reports know (see :data:`invoicekit.render.FORMATS`) and its Excel format
EXCEL_FORMATS = {
    "int": EXCEL_INT,
    "num1": EXCEL_DECIMAL1,
    "num2": EXCEL_DECIMAL2,
    "pct": EXCEL_PERCENT,
    "pct0": EXCEL_PERCENT0,
    "pct2": EXCEL_PERCENT2,
    # a share told from the rate it is judged against (:func:`decimals_beside`): 49,995 %, not 50,00 %
    "pct3": excel_percent(3),
    "pct4": excel_percent(4),
    "dkk": EXCEL_MONEY,
    "month": EXCEL_MONTH,
    "date": EXCEL_DATE,
}


#: the kinds whose Excel format is the value's own: a rate someone set with the decimals it has
#: (:func:`rate_decimals`: a 37,5 % target is not "38%", and 50 % stays "50%"), a probability with the
#: decimals :func:`probability_decimals` gives it (99,66 % is "99,7%", never "100%")
EXCEL_VALUE_FORMATS = {
    "rate": lambda v: excel_percent(rate_decimals(v)),
    "probability": lambda v: excel_percent(probability_decimals(v)),
}


def excel_format(kind: str, value: object = None) -> str | None:
    """The Excel format of a cell of ``kind`` holding ``value``: the kind's
    (:data:`EXCEL_FORMATS`), or the value's own (:data:`EXCEL_VALUE_FORMATS`);
    None where the kind has none (text)."""
    if kind in EXCEL_VALUE_FORMATS:
        return EXCEL_VALUE_FORMATS[kind](float(value) if isinstance(value, numbers.Real) else None)
    return EXCEL_FORMATS.get(kind)


def excel_text(value: float, number_format: str) -> str:
    """What a Danish Excel shows for ``value`` in ``number_format`` (one of
    this module's), to size a column by."""
    if number_format.endswith("%"):
        decimals = len(number_format.split(".")[1]) - 1 if "." in number_format else 0
        return dk_number(100 * value, decimals) + "%"
    decimals = len(number_format.split(".")[1]) if "." in number_format else 0
    return dk_number(value, decimals)
