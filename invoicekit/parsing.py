"""Reading values out of extract cells: amounts, dates, CPR numbers in cells and
in free text, and invoice periods written in free text.

Money is held as whole numbers of ten-thousandths of a krone
(:data:`MONEY_SCALE`), so that sums and comparisons are exact. Dates are numpy
``datetime64[D]``; ``NaT`` means blank or unreadable.
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import datetime as dt
import functools
import itertools
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.identifiers import ascii_digits, compact_cpr, is_valid_cpr, mask_cprs_in_arrow, valid_cpr_mask
from invoicekit.texts import LINE_BREAKS, counts_regex, is_arrow_text, matches_regex, text_bytes
from invoicekit.vocabulary import AMOUNT_NOTE, CPR_PATTERN, DASH_CHARS, MONTHS_DA, cpr_digits

MONEY_SCALE = 10_000  # 1 DKK = 10,000 units; 1 øre = 100 units
#: øre in a krone: the typed tables hold whole øre (:func:`ore_array`), people read kroner
ORE_PER_KRONE = 100
ORE = MONEY_SCALE // ORE_PER_KRONE
#: larger figures are not read as amounts: a hundred million kroner has nine digits, as a CPR
#: number that Excel formatted as an amount has, its leading zero dropped (``109.812.073,00`` for
#: 010981-2073; ``1.507.801.515,00`` with ten), and no invoice or rate comes near it (a grant's rate
#: above it is refused too, :data:`~invoicekit.extracts.MAX_RATE_DKK`); until 0.9.15 ten billion,
#: and such a number was written back out in full in the decisions and the messages (PII scans)
MAX_AMOUNT_DKK = 10**8
#: the digits of a cell that make it a number a message does not echo whole (a CPR number's ten,
#: or nine once a spreadsheet dropped its leading zero)
_ECHOED_DIGITS = 9

NAT = np.datetime64("NaT", "D")
#: NaT as ``datetime64[D]``'s count of days (the smallest int64)
NAT_DAYS = int(NAT.view(np.int64))
_EXCEL_EPOCH = dt.date(1899, 12, 30)
MIN_YEAR, MAX_YEAR = 1900, 2199

# ---------------------------------------------------------------- money


def text_array(values: pd.Series, large: bool = True) -> pa.Array:
    """The cells as one arrow string array, blanks for missing values;
    ``large=False`` keeps pyarrow's own string type (no copy to make)."""
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype(object).where(values.notna(), "").astype("str")
    arr = pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()  # one chunk: not copied
    if large or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    return pc.fill_null(arr, "")


def distinct_texts(values: pd.Series, strip: bool = False) -> tuple[np.ndarray, pa.Array]:
    """A text column as ``(codes, uniques)``: each row's index into the
    distinct cells (an arrow string array; blank for a missing value), so
    that work on the cells is done once per distinct cell. ``strip=True``
    gives the distinct cells as ``values.str.strip()`` would (two of them may
    then be equal)."""
    if strip and not is_arrow_text(values):
        values, strip = values.str.strip(), False  # Python's strip, as pandas does for such a column
    cells = text_array(values, large=False)
    if len(cells) and pc.sum(pc.binary_length(cells)).as_py() == 0:
        # every cell blank (a column the extract does not have): what encoding gives, without hashing
        return np.zeros(len(cells), dtype=np.int32), pa.array([""], type=cells.type)
    cells = pc.dictionary_encode(cells)
    codes = cells.indices.to_numpy(zero_copy_only=False)
    uniques = cells.dictionary
    return codes, pc.utf8_trim_whitespace(uniques) if strip else uniques


def parse_amounts(
    values: pd.Series, max_decimals: int = 4, limit: int = MAX_AMOUNT_DKK
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read amounts such as ``1.234,50``, ``1234.50``, ``-1234``, ``1.234,50-``
    or ``kr. 1.234,50``, whole-column.

    Returns ``(units, ok, blank)``: the amount in 1/10,000 DKK (0 where not
    ok), whether the cell held a readable amount, and whether it was blank.
    A comma is the decimal separator when present (dots are then thousands
    separators, before it and grouping threes: ``1,850.5`` is no amount, where
    it was read as 1,8505); without a comma a dot is a decimal point, unless
    every dot is followed by exactly three digits after a first group of 1 to
    999 (``13.500``, ``1.234.567``; not ``0.004``): Danish thousands separators. A space, no-break space or ``'`` between digits
    is a thousands separator (``1 234 567,00``, ``28'500``) in an integer part
    of one to three digits and groups of three; any other between digits
    (``12 03 41 1403``, ``1234 50``) makes the cell no amount. Up to
    ``max_decimals`` (at most four) decimals are read: an invoice amount has
    at most two, a rate may have four. A cell that reads as a CPR number
    (``1507801515``, ``150780-1515``: what masking masks) is no amount, nor
    is ``limit`` or more (:data:`MAX_AMOUNT_DKK`, a hundred million kroner;
    the grants' reader reads larger rates, to say that they are too large).
    """
    cells = text_array(values)
    # nearly every amount is written as a system writes it (``-1.234,50``,
    # ``1234.50``): such a cell is its digits in øre, read whole-column
    plain = pc.match_substring_regex(cells, _PLAIN_AMOUNT_RE2).to_numpy(zero_copy_only=False)
    units = np.zeros(len(cells), dtype=np.int64)
    ok, blank = plain.copy(), np.zeros(len(cells), dtype=bool)
    if plain.any():
        digits = cells if plain.all() else cells.filter(pa.array(plain))
        digits = pc.replace_substring(pc.replace_substring(digits, ".", ""), ",", "")
        units[plain] = pc.cast(digits, pa.int64()).to_numpy() * ORE
    if not plain.all():
        # the rest repeat (one rate for many grants, one price for many
        # invoices): each distinct cell is read once
        other = ~plain
        encoded = pc.dictionary_encode(cells if not plain.any() else cells.filter(pa.array(other)))
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        u_units, u_ok, u_blank = _parse_distinct_amounts(encoded.dictionary, max_decimals, limit)
        units[other], ok[other], blank[other] = u_units[codes], u_ok[codes], u_blank[codes]
    too_big = np.abs(units) >= limit * MONEY_SCALE  # as systems write it too (109.812.073,00)
    if too_big.any():
        units[too_big], ok[too_big] = 0, False
    return units, ok, blank


def shown_amount_cell(text: str) -> str:
    """An amount cell that could not be read, as a message may echo it: a
    cell whose whole part has nine digits or more keeps its first five (less
    than a birth date, with or without its leading zero), the others become
    ``x`` (``1.507.8xx.xxx,xx``, ``10981xxxx``); decimals do not count
    (``1.234.567,891`` is shown as written). An amount with one of convert's
    notes (:data:`~invoicekit.vocabulary.AMOUNT_NOTE`: ISO dates, which no
    CPR number reads as, or the lines' total) has each amount in it shown so,
    its dates as written, for the message to say what the note says."""
    noted = AMOUNT_NOTE.fullmatch(text)
    if noted:
        return "".join(
            shown_amount_cell(part) if i % 2 else part
            for i, part in enumerate(
                _split_at(text, [noted.span(g) for g in ("amount", "total", "allowances", "charges")])
            )
        )
    # decimals after the last separator, unless it separates thousands before too (``2.311.854.711``, a CPR
    # number a workbook showed with thousands dots, was taken for 2.311.854 and .711, and shown whole: an attack)
    decimals = re.search(r"([.,])\d{1,4}\D*$", text)
    whole = text[: decimals.start()] if decimals and text.count(decimals[1]) == 1 else text
    if sum(ch.isdigit() for ch in whole) < _ECHOED_DIGITS:
        return text
    keep = 5
    seen = 0
    out = []
    for ch in text:
        seen += ch.isdigit()
        out.append("x" if ch.isdigit() and seen > keep else ch)
    return "".join(out)


def _split_at(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """``text`` cut around each span (``(-1, -1)``: none), the spans at odd places."""
    out, at = [], 0
    for start, end in sorted(s for s in spans if s[0] >= 0):
        out += [text[at:start], text[start:end]]
        at = end
    return [*out, text[at:]]


#: an amount as systems write it: a minus or not, up to nine digits (in groups
#: of three after Danish thousands dots, or not), a decimal comma or point and
#: two decimals. :func:`_parse_distinct_amounts` reads such a cell as its
#: digits in øre (the separators gone), whatever ``max_decimals``
_PLAIN_AMOUNT_RE2 = r"^-?(?:(?:\d{1,9}|\d{1,3}(?:\.\d{3}){1,2}),|\d{1,9}\.)\d{2}$"


#: a cell with a decimal comma whose dots, if any, group thousands before it
_DANISH_DOTS_RE2 = r"^[-+]?(?:\d*|\d{1,3}(?:\.\d{3})+),[^.]*$"
#: a space, no-break space or apostrophe: between two digits only a
#: thousands separator, ignored elsewhere (``- 450,00``, ``1.234,50 -``).
#: Not a tab or a line break, which no one groups thousands with: until
#: 0.9.23 ``28⇥500,00`` was read as 28.500,00 (a fuzzer found the reference
#: of the spec reading it as no amount)
_SEPARATOR_RE2 = r"[ \x{a0}']"
#: the first digits of a cell written as one to three digits and one to four
#: groups of three, the last followed by no digit (an amount has at most
#: eleven digits; ``1 234 567,00``, ``28'500``, ``- 28 500``): its six
#: captures are the cell up to there without the groups' separators
_GROUPED_RE2 = rf"^(\D*\d{{1,3}}){_SEPARATOR_RE2}(\d{{3}})" + rf"(?:{_SEPARATOR_RE2}(\d{{3}}))?" * 3 + r"(\D|$)"
#: separators between two digits: not a thousands separator
_SPACED_DIGITS_RE2 = rf"\d{_SEPARATOR_RE2}+\d"


def _parse_distinct_amounts(
    cells: pa.Array, max_decimals: int, limit: int = MAX_AMOUNT_DKK
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = pc.utf8_trim_whitespace(cells)
    other_script = pc.invert(pc.string_is_ascii(s))
    if pc.any(other_script).as_py():
        # digits of any script are read as 0-9, as in a CPR or CVR cell (``３００００,００`` was no amount
        # until 0.9.32, where the row-by-row reference read it: an attack)
        written = s.to_pylist()
        flags = other_script.to_numpy(zero_copy_only=False)
        s = pa.array(
            [ascii_digits(c) if f and c is not None else c for c, f in zip(written, flags, strict=True)], type=s.type
        )
    blank = pc.equal(s, "").to_numpy(zero_copy_only=False)
    if pc.any(pc.not_equal(pc.ascii_upper(s), pc.ascii_lower(s))).as_py():  # a letter A-Z (not a regex: faster)
        s = pc.replace_substring_regex(s, r"(?i)\b(?:dkk|kr)\b\.?", "")
    if pc.any(pc.match_substring_regex(s, _SEPARATOR_RE2)).as_py():
        # a space between two digits is a thousands separator or the cell is
        # no amount: the separators of the first digits, if they are grouped
        # in threes, go; a space still between digits then spoils the cell
        s = pc.replace_substring_regex(s, _GROUPED_RE2, r"\1\2\3\4\5\6")
        spaced = pc.match_substring_regex(s, _SPACED_DIGITS_RE2)
        s = pc.if_else(spaced, "", pc.replace_substring_regex(s, _SEPARATOR_RE2, ""))
    trailing = pc.and_(pc.ends_with(s, "-"), pc.greater(pc.utf8_length(s), 1))
    if pc.any(trailing).as_py():
        s = pc.if_else(
            trailing,
            pc.binary_join_element_wise(
                pa.scalar("-", pa.large_string()), pc.utf8_slice_codeunits(s, 0, -1), pa.scalar("", pa.large_string())
            ),
            s,
        )
    comma = pc.match_substring(s, ",")
    # 1,000 or 28,000: a thousand English-written, or one krone with three decimals in Danish; read so
    # below only to be no amount (three decimals), never as either
    either_way = pc.match_substring_regex(s, r"^[-+]?\d{1,3},\d{3}$")
    if pc.any(comma).as_py():
        # the dots of a Danish amount group its thousands before the comma;
        # any other (1,850.5: English, its comma a thousands separator) spoils
        # the cell, which was read as 1,8505 kr.
        grouped_ok = pc.match_substring_regex(s, _DANISH_DOTS_RE2)
        danish = pc.replace_substring(pc.replace_substring(s, ".", ""), ",", ".")
        s = pc.if_else(comma, pc.if_else(grouped_ok, danish, ""), s)
    grouped = pc.and_(pc.invert(comma), pc.match_substring_regex(s, r"^[-+]?[1-9]\d{0,2}(?:\.\d{3})+$"))
    if pc.any(grouped).as_py():
        s = pc.if_else(grouped, pc.replace_substring(s, ".", ""), s)
    # decimals beyond max_decimals that are zeros are no fraction of an øre (28.500,000 is 28.500,00 kr.,
    # as an e-invoice's 28500.000 is read: since 0.9.38, where it was INVALID_AMOUNT)
    s = pc.if_else(either_way, s, pc.replace_substring_regex(s, rf"^([-+]?\d+\.\d{{{max_decimals}}})0+$", r"\1"))
    ok = pc.match_substring_regex(s, rf"^[-+]?\d{{1,11}}(?:\.\d{{1,{max_decimals}}})?$")
    ok = ok.to_numpy(zero_copy_only=False).copy()
    units = np.zeros(len(ok), dtype=np.int64)
    if ok.any():
        # a decimal string of at most 11 + 4 digits is read as a double and
        # rounded to 1/10,000: exact at this size
        numbers = pc.cast(pc.if_else(pa.array(ok), s, "0"), pa.float64()).to_numpy()
        units = np.round(numbers * MONEY_SCALE).astype(np.int64)
        units[~ok] = 0
    too_big = np.abs(units) >= limit * MONEY_SCALE
    # a cell that reads as a CPR number (``0105801515`` as text, leading zero and all) is none
    masked = mask_cprs_in_arrow(cells)  # ``cells`` itself where no cell may hold one (nearly always)
    if masked is not cells:
        too_big |= pc.fill_null(pc.not_equal(masked, cells), False).to_numpy(zero_copy_only=False)
    ok &= ~too_big
    units[too_big] = 0
    return units, ok, blank


def format_money(units: np.ndarray, decimal: str = ".") -> pd.Series:
    """Format 1/10,000 DKK amounts with two decimals (four when there are
    fractions of an øre), whole-column; a Series of text."""
    return pd.Series(_money_text(np.asarray(units, dtype=np.int64), decimal), dtype="str")


def _money_text(
    units: np.ndarray, decimal: str, known: np.ndarray | None = None, per_krone: int = MONEY_SCALE
) -> pa.Array:
    """:func:`format_money` as arrow text (``large_string``); ``known``
    False: a blank cell. The whole kroner are arrow's integers cast to text;
    the decimals are one of 10,000 texts (the decimal mark and two or four
    digits), taken by the fraction; then the two joined. No amount is made
    distinct first: the three steps cost less than finding the distinct ones
    (a million amounts: about 45 ms against 125)."""
    mag = np.abs(units)
    whole, frac = np.divmod(mag, per_krone)
    frac *= MONEY_SCALE // per_krone  # the fraction in 1/10,000 DKK, which the decimals' texts are taken by
    # a sign is written before the kroner: a negative whole count of kroner
    # carries its own, and only an amount above -1 DKK needs one added
    negative = units < 0
    signed = np.negative(whole, out=whole, where=negative)
    lone = negative & (whole == 0)
    kind = pa.large_string()
    kroner = pc.cast(pa.array(signed, mask=None if known is None else ~known), kind)
    if lone.any():
        kroner = pc.if_else(pa.array(lone), pa.scalar("-0", kind), kroner)
    if known is not None:
        frac = np.where(known, frac, MONEY_SCALE)  # the blank decimals
    decimals = _decimals(decimal).take(pa.array(frac))
    # an unknown amount: its null kroner left out, its blank decimals kept
    return pc.binary_join_element_wise(kroner, decimals, pa.scalar("", kind), null_handling="skip")


@functools.lru_cache(maxsize=1)
def _groups() -> pa.Array:
    """A group of three digits of kroner as :func:`format_money_dk_arrow`
    writes it: 0 … 999 plain (a leading group), then 1000 + the group after
    a dot (``.007``), then a blank (2000)."""
    return pa.array([*(str(g) for g in range(1000)), *(f".{g:03d}" for g in range(1000)), ""], type=pa.large_string())


@functools.lru_cache(maxsize=4)
def _decimals(decimal: str) -> pa.Array:
    """The decimal mark and the digits of each fraction 0 … 9,999 of a krone
    (two where it is whole øre, four otherwise), then a blank (for an unknown
    amount)."""
    texts = [f"{decimal}{f // ORE:02d}" if f % ORE == 0 else f"{decimal}{f:04d}" for f in range(MONEY_SCALE)]
    return pa.array([*texts, ""], type=pa.large_string())


def _distinct(units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of a column of amounts: amounts repeat (a month's
    rate is invoiced again and again), so each distinct one is formatted once."""
    units = np.asarray(units, dtype=np.int64)
    codes, uniques = pd.factorize(units, sort=False)
    return codes, np.asarray(uniques, dtype=np.int64)


def format_money_dk(units: np.ndarray, per_krone: int = MONEY_SCALE) -> np.ndarray:
    """Whole-column ``1.234,50``: what :func:`format_money_one` gives for
    each, each distinct amount once (``per_krone``: :data:`ORE_PER_KRONE`
    for amounts in whole øre)."""
    codes, uniques = _distinct(units)
    return np.asarray(format_money_dk_arrow(uniques, per_krone).to_pylist(), dtype=object)[codes]


def format_money_dk_arrow(units: np.ndarray, per_krone: int = MONEY_SCALE) -> pa.Array:
    """:func:`format_money_dk` of each amount as arrow text (``large_string``),
    each amount formatted (whether distinct or not). The kroner are written a
    group of three digits at a time: each group is one of the texts of
    :func:`_groups` (``7``, ``.007``, or nothing where an amount has fewer
    groups), taken by its value, so that an amount gets only the groups it
    needs; the decimals as :func:`_money_text` writes them."""
    units = np.asarray(units, dtype=np.int64)
    kind = pa.large_string()
    if len(units) == 0:
        return pa.array([], type=kind)
    mag = np.abs(units)
    whole, frac = np.divmod(mag, per_krone)
    frac *= MONEY_SCALE // per_krone
    table = _groups()
    # the groups from the last (kroner 0-999) to the first: plain where it is
    # the amount's leading group, after a dot where more lead, blank (index
    # 2000) where the amount has no more groups
    group = whole % 1000
    rest = whole // 1000
    columns = [table.take(pa.array(np.where(rest > 0, group + 1000, group)))]
    while rest.any():  # every group of every amount (a thousand million kroner and more were left ungrouped)
        group, more = rest % 1000, rest // 1000
        columns.append(table.take(pa.array(np.where(rest == 0, 2000, np.where(more > 0, group + 1000, group)))))
        rest = more
    blank = pa.scalar("", kind)
    sign = [pc.if_else(pa.array(units < 0), pa.scalar("-", kind), blank)] if (units < 0).any() else []
    decimals = _decimals(",").take(pa.array(frac))
    return pc.binary_join_element_wise(*sign, *reversed(columns), decimals, blank)


def ore_array(units: np.ndarray, known: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    """Amounts in 1/10,000 DKK as whole øre, the typed tables' money (the
    decisions, their lines and the journal hold ``amount_ore`` and
    ``expected_amount_ore``): pandas ``Int64``, blank where not ``known``.
    Such amounts are whole øre (an invoice's has at most two decimals, an
    expected amount is rounded to øre once); a fraction of one is rounded
    half up, never cut."""
    return ore_column(whole_ore(units), known)


def ore_column(ore: np.ndarray, known: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    """Whole øre (int64) as the typed tables' ``Int64`` column, blank where not ``known``."""
    ore = np.asarray(ore, dtype=np.int64)
    mask = np.zeros(len(ore), dtype=bool) if known is None else ~np.asarray(known, dtype=bool)
    return pd.arrays.IntegerArray(np.where(mask, 0, ore), mask)


def whole_ore(units: np.ndarray) -> np.ndarray:
    """Amounts in 1/10,000 DKK as whole øre (int64), a fraction of one rounded half up: the one
    rounding from the unit amounts are worked in to the øre they are held and compared in."""
    return (np.asarray(units, dtype=np.int64) + ORE // 2) // ORE


def dkk_ore(dkk: object) -> pd.arrays.IntegerArray:
    """Kroner as floating point (NaN for none; a table of one's own, or a journal before schema 12)
    as whole øre (``Int64``): to the 1/10,000 DKK nearest, then rounded as :func:`whole_ore` rounds."""
    values = np.asarray(dkk, dtype=np.float64)
    known = ~np.isnan(values)
    # no whole øre holds an infinite amount, nor one beyond int64's øre (numpy made such a value the
    # smallest int64, -922,337,203,685,477.58 kr., with a warning alone)
    odd = known & ~(np.abs(values) < MOST_DKK)
    if odd.any():
        raise ValueError(f"{float(values[odd][0]):g} kr. is no amount (whole øre hold less than {MOST_DKK:g} kr.)")
    values = np.where(known, values, 0)
    # to the 1/10,000 DKK nearest, then to øre half up, where those units fit in int64; above (a
    # collective invoice's expected amount, a sum of its lines') a double holds no fraction of an
    # øre: rounded to the øre at once
    small = np.abs(values) < MOST_DKK / ORE
    ore = np.where(small, 0, np.round(values * ORE_PER_KRONE)).astype(np.int64)
    ore[small] = whole_ore(np.round(values[small] * MONEY_SCALE).astype(np.int64))
    return ore_column(ore, known)


#: the amounts :func:`dkk_ore` takes are less: whole øre in int64 (a collective invoice's expected amount
#: is its lines' sum, each up to about 1.1e13 kr.: a day rate of :data:`MAX_AMOUNT_DKK` over 300 years)
MOST_DKK = 9e16


def kroner(ore: object) -> object:
    """Whole øre (a number or a column summed exactly) as kroner, for a figure people read."""
    return ore / ORE_PER_KRONE


def ore_units(ore: object) -> tuple[np.ndarray, np.ndarray]:
    """Whole øre (``Int64``, or any integer or float column; blank or NaN
    for none) as 1/10,000 DKK, and where there is an amount: what
    :func:`ore_arrow` and a Danish text take."""
    values, known = ore_values(ore)
    return values * ORE, known


def ore_values(ore: object) -> tuple[np.ndarray, np.ndarray]:
    """Whole øre as int64 (0 where none), and where there is an amount."""
    values = pd.array(ore, dtype="Int64") if not isinstance(ore, pd.arrays.IntegerArray) else ore
    known = ~np.asarray(values.isna(), dtype=bool)
    return np.asarray(values.to_numpy(dtype=np.int64, na_value=0), dtype=np.int64), known


def ore_arrow(ore: object, decimal: str = ".") -> pa.Array:
    """Whole øre as the files write DKK (``1234.50``), blank where there is
    none: the writers' one formatting of the typed tables' money."""
    values, known = ore_values(ore)
    # formatted from the øre themselves: in 1/10,000 DKK a sum of a collective invoice's lines above
    # 9.2e14 kr. overflowed int64 (0.9.34 wrote such an expected amount as a negative one)
    return _money_text(values, decimal, None if known.all() else known, per_krone=ORE_PER_KRONE)


def ore_dkk(ore: object) -> np.ndarray:
    """Whole øre as DKK floats (NaN for none), for a chart's axis, a workbook's
    number cell or a figure computed from exact sums: not for a sum itself (sum
    the øre)."""
    return kroner(pd.array(ore, dtype="Int64").to_numpy(dtype=np.float64, na_value=np.nan))


def ore_dk(ore: int, currency: str = "") -> str:
    """Whole øre as a Danish sentence writes the amount, with its unit (``9.552,48 kr.``): exact, where
    :func:`kroner_dk` of the kroner as floating point is not past 2**53 units (about 900 billion kr.).
    ``currency``: an invoice's, written as its unit where it is not the krone (``1.000,00 EUR``; blank or
    ``DKK``: kr.)."""
    code = str(currency or "").strip().upper()
    return f"{format_money_one(int(ore) * ORE)} {'kr.' if code in ('', 'DKK') else code}"


def kroner_dk(dkk: float) -> str:
    """An amount in DKK as a Danish sentence writes it, with its unit: ``9.552,48 kr.``."""
    return f"{format_money_one(round(float(dkk) * MONEY_SCALE))} kr."


def format_money_one(units: int, decimal: str = ",") -> str:
    """One amount for a Danish sentence: ``1.234,50``."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(int(units)), MONEY_SCALE)
    frac_text = f"{frac:04d}"
    if frac % ORE == 0:
        frac_text = frac_text[:2]
    grouped = f"{whole:,}".replace(",", ".") if decimal == "," else str(whole)
    return f"{sign}{grouped}{decimal}{frac_text}"


# ---------------------------------------------------------------- dates

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DANISH = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?: \d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?")
_SERIAL = re.compile(r"\d{5}(?:\.0+)?")


def parse_date(text: object) -> dt.date | None:
    """One date: ISO ``2019-03-01``, Danish ``01-03-2019``, ``01.03.2019`` or
    ``01/03/2019``, or an Excel date serial (``43525``). None when unreadable."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    s = str(text).strip()
    if not s:
        return None
    if m := _ISO.fullmatch(s):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _DANISH.fullmatch(s):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    elif _SERIAL.fullmatch(s):
        return _EXCEL_EPOCH + dt.timedelta(days=int(float(s)))
    else:
        return None
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 16)
def _date_or_nat(text: str) -> np.datetime64:
    d = parse_date(text)
    return NAT if d is None else np.datetime64(d, "D")


def parse_dates(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a column of dates. Returns ``(dates, ok, blank)`` with ``dates`` as
    ``datetime64[D]`` (NaT where blank or unreadable)."""
    values = values.fillna("").astype(str)
    # dates repeat (a few hundred distinct in a million invoices): each
    # distinct cell is trimmed and read once
    codes, cells = distinct_texts(values, strip=True)
    u_blank = pc.equal(cells, "").to_numpy(zero_copy_only=False)
    u_dates = np.array([_date_or_nat(c) for c in cells.to_pylist()], dtype="datetime64[D]")
    dates = u_dates[codes] if len(cells) else np.empty(0, dtype="datetime64[D]")
    blank = u_blank[codes] if len(cells) else np.zeros(0, dtype=bool)
    return dates, ~np.isnat(dates), blank


def _format_dates(dates: np.ndarray, danish: bool) -> pd.Series:
    """Each distinct date is formatted once; blank for NaT."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    if len(dates) == 0:
        return pd.Series([], dtype="str")
    days, inverse = np.unique(dates.view(np.int64), return_inverse=True)
    uniques = days.view("datetime64[D]")
    text = np.datetime_as_string(uniques, unit="D").astype(object)
    if danish:
        text = np.array([f"{u[8:10]}.{u[5:7]}.{u[0:4]}" for u in text], dtype=object)
    text[np.isnat(uniques)] = ""
    taken = pc.take(pa.array(text, type=pa.large_string()), pa.array(inverse.reshape(-1)))
    return pd.Series(taken, dtype="str")


def format_date_iso(dates: np.ndarray) -> pd.Series:
    """``2019-03-01``; blank for NaT."""
    return _format_dates(dates, danish=False)


def format_date_dk(dates: np.ndarray) -> pd.Series:
    """``01.03.2019``; blank for NaT."""
    return _format_dates(dates, danish=True)


@functools.lru_cache(maxsize=65536)
def _date_dk_days(days: int) -> str:
    d = _EPOCH + dt.timedelta(days=days)
    return f"{d.day:02d}.{d.month:02d}.{d.year}"


_EPOCH = dt.date(1970, 1, 1)


_DAY = np.dtype("datetime64[D]")


def date_dk(d: np.datetime64 | dt.date | None) -> str:
    """One date as ``01.03.2019`` (``?`` for none: ``None``, NaT or NaN). Called per row where a
    message names a date: a day (``datetime64[D]``, as the tables hold dates)
    is taken as its count of days without converting it again."""
    if d is None or (not isinstance(d, np.datetime64) and pd.isna(d)):  # NaN, pandas' NaT, None: no date
        return "?"
    if not (isinstance(d, np.datetime64) and d.dtype == _DAY):
        d = np.datetime64(d, "D")
    days = int(d.view(np.int64))
    if days == NAT_DAYS:
        return "?"
    return _date_dk_days(days)


# ---------------------------------------------------------------- CPR on an invoice

# every line break the spec's "line breaks" may be (U+2028 from a copy out of Word, NEL, a form feed):
# two valid numbers on two such lines were one invalid part until 0.9.32 (an attack)
#: what parts a CPR cell (robot spec: "`,` `;` `/` `|` or line breaks"), as a regular expression's class
CPR_SEPARATOR_CLASS = f"[,;/|{LINE_BREAKS}]"
_CPR_SEPARATORS = re.compile(f"{CPR_SEPARATOR_CLASS}+")


def split_cpr_cell(cell: str) -> tuple[list[str], list[str]]:
    """Split a filled ``cpr`` cell into ``(valid, invalid)`` compact parts. A
    blank part (``0101901234;``, two separators) is none; a part of dashes
    alone (``0101901234,-,0202901234``: a citizen whose number the supplier
    did not know) is one that is no CPR, as is a cell of ``-`` alone (an
    attack: it was skipped, and the invoice of the two numbers posted)."""
    valid: list[str] = []
    invalid: list[str] = []
    for written in _CPR_SEPARATORS.split(cell):
        part = compact_cpr(written)
        if not part:
            if written.strip():
                invalid.append(written.strip())
            continue
        (valid if is_valid_cpr(part) else invalid).append(part)
    return valid, invalid


#: a part made of digits 0-9, spaces and hyphens only: compacting it removes the spaces and hyphens
_PLAIN_CPR_PART = re.compile(r"[0-9 \-]*")
_TEN_DIGITS = re.compile(r"[0-9]{10}")


def split_cpr_cells(cells: object) -> list[tuple[list[str], list[str]]]:
    """:func:`split_cpr_cell` for many cells: each distinct part is compacted
    and checked once, the ten-digit ones whole-column."""
    split = [_CPR_SEPARATORS.split(cell) for cell in cells]
    compact: dict[str, str] = {}
    for part in dict.fromkeys(p for parts in split for p in parts):
        plain = _PLAIN_CPR_PART.fullmatch(part)
        compact[part] = part.replace(" ", "").replace("-", "") if plain else compact_cpr(part)
    numbers = list(dict.fromkeys(compact.values()))
    digits = [number for number in numbers if _TEN_DIGITS.fullmatch(number)]
    valid = dict(zip(digits, valid_cpr_mask(pd.Series(digits, dtype="str")).tolist(), strict=True))
    result = []
    for parts in split:
        good: list[str] = []
        bad: list[str] = []
        for part in parts:
            number = compact[part]
            if not number:
                if part.strip():  # dashes alone: a part that is no CPR (:func:`split_cpr_cell`)
                    bad.append(part.strip())
                continue
            ok = valid[number] if number in valid else is_valid_cpr(number)
            (good if ok else bad).append(number)
        result.append((good, bad))
    return result


@functools.lru_cache(maxsize=1 << 16)
def cprs_in_text(text: str) -> tuple[str, ...]:
    """Every CPR number (:data:`~invoicekit.vocabulary.CPR_PATTERN`: ``DDMMYY-SSSS``, the hyphen optional,
    or another dash or spaces) in ``text`` not touching other digits and whose date is valid, compact,
    distinct, in order of appearance."""
    found: dict[str, None] = {}  # ordered and distinct
    for m in CPR_PATTERN.finditer(text):
        number = compact_cpr(cpr_digits(m.group()))
        if number not in found and is_valid_cpr(number):
            found[number] = None
    return tuple(found)


# ---------------------------------------------------------------- period in text

_D = r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})"
#: hyphen-minus (escaped: a character class's range else), en and em dash, hyphen, non-breaking hyphen
_DASHES = "\\-–—‐‑"
#: every range, overlapping ones too (a lookahead): ``01.03.2019 - 15.03.2019 - 31.03.2019`` holds two,
#: where the first alone was read (a review of 0.9.24)
#: every dash (Unicode's ``Pd``), a minus sign and a tilde, as they join two dates or days: one set, written
#: out for Python's patterns and RE2's alike (their Unicode versions may differ)
_RANGE_DASH_CHARS = sorted(DASH_CHARS | {"~", "\u223c"})
_RANGE_DASH = "".join(re.escape(c) for c in _RANGE_DASH_CHARS)
#: the words that join two days or dates of a range: ``til``, ``til og med``, ``t.o.m.``, ``indtil``, ``frem
#: til`` (``og`` before, ``den`` or ``d.`` after)
_TIL_WORDS = r"(?:og\s+)?(?:til\s+og\s+med|t\.?\s*o\.?\s*m\.?|indtil|frem\s+til|til)(?:\s+(?:den|d\.))?"
#: what joins two days of a range (``1. til og med 28. februar 2019``): a dash or two (and ``til``), an arrow,
#: or the words
DAY_JOINER = rf"(?:->|→|[{_RANGE_DASH}](?:\s*[{_RANGE_DASH}])?(?:\s*{_TIL_WORDS})?|,?\s*{_TIL_WORDS})"
#: what joins the two dates of a range: as two days, or a label (``Periode fra: … Periode til: …``,
#: ``Startdato … Slutdato …``). Since 0.9.36: joined by anything but a dash or ``til``, the two dates of a
#: February stay were taken for lone dates, and ``faktureret marts 2019`` beside them was paid as March,
#: February paid twice (two attacks on 0.9.35). Two dates with space alone or a slash between them are
#: no range (an invoice date and a due date, as a PDF's table gives them, were paid as a period: a review)
#: but say the text is of some period (:data:`_LOOSE_DAYS`)
RANGE_JOINER = rf"(?:{DAY_JOINER}|(?:periode\s+)?(?:til|slut(?:dato)?)\s*:|slutdato)"
_RANGE = re.compile(rf"(?=((?<!\d){_D}\s*{RANGE_JOINER}\s*{_D}(?!\d)))", re.IGNORECASE)
#: the month names, as alternatives of a pattern
_MONTHS_ALT = "|".join(MONTHS_DA)
#: the months' short names as suppliers write them (``feb. 2019``, ``febr 2019``, ``okt. 2018``), each month's
#: number: read only before a number (a year or a day) or joined to another month (``jan-feb``): ``Jan Olsen``
#: is a man, and ``i jul`` Christmas (a fourth review)
MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "febr": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "okt": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_ANY_MONTH = f"{_MONTHS_ALT}|{'|'.join(MONTH_ABBREVIATIONS)}"
_MONTH = re.compile(rf"(?<![^\W\d_])({_MONTHS_ALT})\s+(\d{{4}})(?!\d)", re.IGNORECASE)
#: a number that may be a day: not the end of a longer one, nor the decimals of an amount (``1.234,15``),
#: nor the end of a date or number written with ``/`` or a dash (``2019-04-15 april 2019``: no 4-15 April)
_DAY_AT = rf"(?<!\d)(?<!\d[.,/{_DASHES}])"
#: a day written before a month name with a year (``15. april 2019``, ``15 april 2019``, ``15-april
#: 2019``), or two days (``1.-15. marts 2019``, ``1. til 15. marts 2019``): a date, or a range of dates,
#: read as ``15.04.2019`` and ``01.03.2019 - 15.03.2019`` are; the month name in it is no month (its
#: ``april 2019`` was read as all of April, and a stay to 15 April paid as the month: a review of 0.9.24)
_NAMED_DAYS = re.compile(
    rf"{_DAY_AT}(?:(?P<first>\d{{1,2}})\.?(?:[\s./{_DASHES}]*(?P<fmonth>{_MONTHS_ALT}))?\s*{DAY_JOINER}\s*)?"
    rf"(?P<day>\d{{1,2}})[\s./{_DASHES}]*"
    rf"(?P<month>{_MONTHS_ALT})(?:\s*[.,]\s*|\s+)(?P<year>\d{{4}})(?!\d)",
    re.IGNORECASE,
)


def _named_days_as_numbers(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with each day written before a month name as digits
    (:data:`_NAMED_DAYS`), and where in the new text each one that was one
    day (not two) stands. A month name that is none (``aprıl``: a Turkish i
    matches i only for Python's IGNORECASE, as for RE2) is left as written."""
    out: list[str] = []
    single: list[tuple[int, int]] = []
    at = length = 0
    for m in _NAMED_DAYS.finditer(text):
        name, first_name = m["month"].casefold(), (m["fmonth"] or m["month"]).casefold()
        if {name, first_name} - set(MONTHS_DA) or not all(1 <= int(d) <= 31 for d in (m["day"], m["first"] or "1")):
            continue  # no month, or no day (``§ 84 april 2019``): the month as written
        month, year = MONTHS_DA.index(name) + 1, int(m["year"])
        written = f"{int(m['day']):02d}.{month:02d}.{year}"
        if m["first"]:  # ``1. april - 30. april 2019``: the first day's month its own, the year the last's
            first_month = MONTHS_DA.index(first_name) + 1  # or the year before (``1. december - 15. januar 2019``)
            written = f"{int(m['first']):02d}.{first_month:02d}.{year - (first_month > month)} - {written}"
        piece = text[at : m.start()]
        out += [piece, written]
        length += len(piece)
        if not m["first"]:
            single.append((length, length + len(written)))
        length += len(written)
        at = m.end()
    if not out:
        return text, []
    return "".join([*out, text[at:]]), single


#: a month in digits with its year (``02/2019``, ``2-2019``, ``2019-02``): beside a named month a text gives
#: no period (:data:`_LOOSE_DAYS`: ``marts 2019 - 04/2019`` gave March until 0.9.32); on a collective
#: invoice's line a month named as much as in words (:func:`months_named`: a sixth review found
#: ``Ophold 02/2019`` paid as March); since 0.9.33 also with a dot, and year first with a slash (``02.2019``,
#: ``2.2019``, ``2019/02``: as Danes and spreadsheets write a month; not a date's ``01.02.2019``, nor after a
#: letter, ``Q3.2019`` being a quarter, nor ``2019.10``, more often an amount, nor ``2019-7``, more often an
#: invoice's number), either end of a range of them (``01/2019-02/2019``), and a posting period as OPUS
#: writes it after ``periode`` (``periode 201902``; a six-digit number alone is more often a case's or an
#: invoice's): an attack on 0.9.32 found each beside ``marts 2019`` paid as March, and two reviews the
#: mend's misreadings. Since 0.9.33 it is held to the text's period as any month named
#: (:func:`_one_period`): beside its own month it leaves the period
_MONTH_IN_DIGITS_RE = (
    # after no digit, dot, slash or dash, but for those between the ends of a range of them
    r"(?:(?<![\d./-])|(?<=[/.-](?:19|20)\d\d-)|(?<=(?:19|20)\d\d[/-](?:0[1-9]|1[0-2])[/-]))(?<![^\W\d_])"
    r"(?:(?P<month>0?[1-9]|1[0-2])[/.-](?P<year>(?:19|20)\d{2})|(?P<iso_year>(?:19|20)\d{2})[/-](?P<iso_month>0[1-9]|1[0-2]))"
    r"(?!\d|\.\d|[/-](?!(?:(?:0?[1-9]|1[0-2])[/.-](?:19|20)\d\d|(?:19|20)\d\d[/-](?:0[1-9]|1[0-2]))(?!\d)))"
    r"|(?<![^\W\d_])periode\s*:?\s*(?P<opus_year>(?:19|20)\d{2})(?P<opus_month>0[1-9]|1[0-2])(?!\d)"
)
_MONTH_IN_DIGITS = re.compile(_MONTH_IN_DIGITS_RE, re.IGNORECASE)


#: days no month or year follows (read once days written before a month name with a year are dates):
#: a dotted day, a dash and a number (``Ophold 1.-15. (marts 2019)``, ``1.-15``, ``15.-30.4.2019``); a
#: dotted day or range joined by ``og``, ``,`` or ``&`` to a number (``1.-3. og 10.-12. marts 2019``: the
#: second range was read, the first dropped; a review of 0.9.25's first version); a day and a month in
#: digits, no year or two of it (``15.4.``, ``15.04``, ``1/4``, ``15.04.19``; also ``kl. 8.30``), and with
#: dashes and two of the year (``15-03-19``: a February stay ``01-02-19 - 28-02-19`` beside ``marts 2019``
#: was posted as March, an attack on 0.9.31); a month name and a number of one or two digits, no year
#: (``februar 19``: 2019, or the 19th, beside ``marts 2019``: posted as March, the same attack); a text
#: holding them gives no period
_COMPACT_DATE = r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_LOOSE_DAYS = re.compile(
    rf"{_DAY_AT}\d{{1,2}}\.\s*{DAY_JOINER}\s*\d"
    rf"|{_DAY_AT}\d{{1,2}}\.(?:\s*{DAY_JOINER}\s*\d{{1,2}}\.)?\s*(?:og|,|&)\s*\d"
    r"|(?<![\d.,/])\d{1,2}[./]\d{1,2}(?:[./]\d{2})?(?:\.(?!\d)|(?![\d./]))"
    # a dash or a full stop may follow (``01-02-19-28-02-19``, ``udflyttet 15-03-19.``: a review), not a
    # digit after it; nor may a digit and a dash stand before (``2019-03-15``)
    r"|(?<![\d.,/])(?<!\d-)(?:0?[1-9]|[12]\d|3[01])-(?:0?[1-9]|1[0-2])-\d{2}(?![\d/]|[.-]\d{3})"
    # a range of ISO dates, a date with other dashes in it, a week's number (``2019-02-01 - 2019-02-28``,
    # ``01‑02‑2019``, ``uge 5-8``: beside ``marts 2019`` each was posted as March; a third review)
    rf"|(?<!\d)\d{{4}}-\d{{1,2}}-\d{{1,2}}\s*{RANGE_JOINER}\s*\d{{4}}-\d{{1,2}}-\d{{1,2}}(?!\d)"
    r"|(?<!\d)(?:\d{1,2}[–—‐‑−]\d{1,2}[–—‐‑−]\d{2}(?:\d{2})?|\d{4}[–—‐‑−]\d{1,2}[–—‐‑−]\d{1,2})(?!\d)"
    r"|(?<![^\W\d_])uge(?:nr\.?)?\s*\d{1,2}(?!\d|[.,]\d)"
    # a range of compact dates (``20190201-20190228``, as exports write them: beside ``marts 2019`` it was posted
    # as March; a review of 0.9.33's mend)
    rf"|(?<!\d){_COMPACT_DATE}\s*{RANGE_JOINER}\s*{_COMPACT_DATE}(?!\d)"
    # a date written with spaces after its dots (``01. 02. 2019 - 28. 02. 2019``: beside ``marts 2019`` it was
    # posted as March; an attack on 0.9.35)
    r"|(?<![\d.,])\d{1,2}\.\s+\d{1,2}\.\s*(?:\d{4}|\d{2})(?!\d)"
    # a day of the month named alone (``udflyttet d. 15.``, ``død den 12.``, ``ophold d. 1 - 15``): a March line so
    # written was posted as the whole of March (an attack on 0.9.37)
    r"|(?<![^\W\d_])[Dd](?:en)?(?:\.\s*|\s+)\d{1,2}\.?(?![\d.,]?\d)"
    # a month named by where it stands (``forrige måned``, ``sidste måned``, ``måneden før``: beside ``marts
    # 2019`` each was paid as March; an attack on 0.9.35), and a range of compact dates with two digits of the
    # year (``010219-280219``) or ISO dates with dots (``2019.02.01``)
    r"|(?<![^\W\d_])(?:forrige|sidste|næste|foregående|kommende)\s+måned(?![^\W\d_])|(?<![^\W\d_])måneden\s+før"
    # and in English (``last month``, ``weeks 5-8``: beside ``marts 2019`` each was paid as March, an attack on 0.9.40)
    r"|(?<![^\W\d_])(?:last|previous|prior|next)\s+month(?![^\W\d_])|(?<![^\W\d_])weeks?\s*\d{1,2}(?!\d|[.,]\d)"
    r"|(?<![\d.,/-])\d{6}\s*[-–]\s*\d{6}(?![\d])|(?<![\d.])(?:19|20)\d\d\.\d{1,2}\.\d{1,2}(?![\d])"
    # two dates with space alone or a slash between them (``01.02.2019 28.02.2019``, ``01.03.2019/31.03.2019``)
    r"|(?<!\d)\d{1,2}[./-]\d{1,2}[./-]\d{4}(?:\s+|\s*/\s*)\d{1,2}[./-]\d{1,2}[./-]\d{4}(?!\d)",
    re.IGNORECASE,
)
#: a month name and a number of one or two digits after it, no year (``februar 19``, ``februar-19``,
#: ``februar/19``: 2019, or the 19th): checked as found, the month name being one (as :data:`_YEARLESS_DAY`)
_MONTH_SHORT_NUMBER = re.compile(
    rf"(?<![^\W\d_])(?P<month>{_MONTHS_ALT})(?![^\W\d_])[\s.,'/{_DASHES}]*\d{{1,2}}(?![\d.,]\d|\d)",
    re.IGNORECASE,
)
#: a day written before a month name without a year (``1. april - 15. april``): checked as found, the
#: month name being one (:data:`_NAMED_DAYS`); or a range of such days, dotted or not (``1-5 april``: the ``5`` after
#: ``1-`` was taken for the end of a date, and ``marts 2019 + 1-5 april`` posted as March; an attack on 0.9.31)
_YEARLESS_DAY = re.compile(
    rf"{_DAY_AT}(?:\d{{1,2}}\.?\s*(?:[{_DASHES}]|til)\s*)?(?:[1-9]|[12]\d|3[01])[\s./{_DASHES}]*"
    rf"(?P<month>{_MONTHS_ALT})(?![\s.,]*\d)",
    re.IGNORECASE,
)


#: the words and signs that join two months of one year (``og``, ``til og med``, ``t.o.m.``, ``indtil``, ``frem
#: til``, ``til den``, ``eller``, ``og/eller``, ``og i``, ``samt hele``, ``inkl.``, ``til udgangen af``, any dash
#: or a minus sign …), and space alone
_JOINERS = (
    rf"[{_DASHES}\u2012\u2015\u2212\uff0d/\\.,;&+…→]"
    r"|(?:indtil|til|og|samt|med|eller|el\.?|frem|hele|i|den|d\.|inkl\.?|inklusive|ultimo|primo|udgangen|af"
    r"|t\.?\s*o\.?\s*m\.?)(?![^\W\d_])"
)
_JOINED = rf"(?:\s+|\s*(?:{_JOINERS})\s*)+"
#: a date in digits, day first or ISO (``30.04.2019``, ``30-04-19``, ``30/04/2019``, ``2019-04-30``)
_DATE_PARTS = r"(?:(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})|(\d{4})-(\d{1,2})-(\d{1,2}))"
_DATE = rf"(?<!\d){_DATE_PARTS}(?!\d)"
#: a day of a range or before a month name, or a date (``1.-15.``, ``30. april``, ``01.04.2019``; not ``1.
#: rate``, nor an amount's ``12.345,67``)
_DAY_AFTER = rf"(?<!\d)\d{{1,2}}\.\s*(?:[{_DASHES}]|til|(?P<day_month>{_MONTHS_ALT}))|{_DATE}"
#: a match of :data:`_MONTH_BEFORE_MONTH` that ends in a date, or begins with one (``april 2019, 30.04.2019``)
_ENDS_IN_DATE = re.compile(_DATE_PARTS + "$")
_BEGINS_WITH_DATE = re.compile(_DATE_PARTS)
#: a month name without a year joined to another month name (``januar og februar 2019``, ``marts-april
#: 2019``, ``marts til og med april 2019``) or to a day (``marts og 1.-15. april 2019``), a month and its year
#: joined so (``april 2019 til og med juni``, ``marts 2019 til den 30.04.2019``), or a date joined to a month
#: (``01.03.2019 til april 2019``, ``1. marts 2019 til april 2019``: the named day is made a date first): the
#: months of a year written once, as Danes write them; its ``februar 2019`` alone was read, and one month's
#: amount posted on it and marked paid (an attack; the forms four reviews of the mend found)
_MONTH_BEFORE_MONTH = re.compile(
    rf"(?<![^\W\d_])(?P<first>{_MONTHS_ALT}){_JOINED}(?:(?P<month>{_MONTHS_ALT})(?![^\W\d_])|(?:{_DAY_AFTER}))"
    rf"|(?<![^\W\d_])(?P<dated>{_MONTHS_ALT})\s*[.,]?\s*(?P<dated_year>\d{{4}}){_JOINED}"
    rf"(?:(?P<after>{_MONTHS_ALT})(?![^\W\d_])|(?:{_DAY_AFTER.replace('day_month', 'dated_day_month')}))"
    rf"|(?P<date>{_DATE}){_JOINED}(?P<later>{_MONTHS_ALT})(?![^\W\d_])",
    re.IGNORECASE,
)
#: a hyphenated first name that begins with a month's name (``Maj-Britt``, ``Juni-Marie``): a capital and a
#: small letter after the hyphen
_HYPHENATED_NAME = re.compile(rf"[^\W\d_]+[{_DASHES}]([^\W\d_])([^\W\d_]*)")  # any hyphen (a sixth review)


def _loose_days(text: str) -> bool:
    """Whether ``text`` (its named days as digits) holds days no month or
    year follows (:data:`_LOOSE_DAYS`, :data:`_YEARLESS_DAY`), or months of
    one year written once (:data:`_MONTH_BEFORE_MONTH`)."""
    if _LOOSE_DAYS.search(text):
        return True
    if any(m["month"].casefold() in MONTHS_DA for m in _YEARLESS_DAY.finditer(text)):
        return True
    if any(m["month"].casefold() in MONTHS_DA for m in _MONTH_SHORT_NUMBER.finditer(text)):
        return True
    # every start tried (a match that is a person's name may hide one that is not: ``maj 2020 APRIL-Juni. 2019``)
    at = 0
    while (m := _MONTH_BEFORE_MONTH.search(text, at)) is not None:
        if _months_joined(m, text):
            return True
        at = m.start() + 1
    return False


def _date_parts(m: re.Match | None) -> tuple[int, int] | None:
    """The month and year of a match of :data:`_ENDS_IN_DATE` or :data:`_BEGINS_WITH_DATE`."""
    if m is None:
        return None
    month, year = (m[2], m[3]) if m[1] else (m[5], m[4])
    return int(month), int(year) + (2000 if len(year) == 2 else 0)


def _months_joined(m: re.Match, text: str) -> bool:
    """Whether a match of :data:`_MONTH_BEFORE_MONTH` in ``text`` names months of one year: its names are month
    names (not ``aprıl``), a date in it is of another month than the month named (``april 2019, 30.04.2019`` is
    a lone date, which leaves the period), and the month after the joiner is no hyphenated first name
    (``Maj-Britt``). A month followed by a name (``april 2019, August Jensen``) is held all the same: a review
    found ``April Måned``, ``April Kr. 57.000,00`` let through so, and March posted for two months."""
    names = (m["first"], m["month"], m["dated"], m["after"], m["later"], m["day_month"], m["dated_day_month"])
    if not {name.casefold() for name in names if name} <= set(MONTHS_DA):
        return False
    if m["date"]:  # a date, then a month: of another month, two
        return _date_parts(_BEGINS_WITH_DATE.match(m[0]))[0] != MONTHS_DA.index(m["later"].casefold()) + 1
    second = "month" if m["month"] else "after" if m["after"] else None
    if second is None:
        # a day: of a range, or a date of another month (marts 2019 til 30.04.2019; 30. april 2019 is made so)
        date = _date_parts(_ENDS_IN_DATE.search(m[0]))
        if date is None:
            return True
        first = MONTHS_DA.index((m["first"] or m["dated"]).casefold()) + 1
        return date != (first, int(m["dated_year"]) if m["dated"] else date[1])
    name, joiner = m[second], text[m.end("first" if m["first"] else "dated") : m.start(second)]
    if not (name[0].isupper() and name[1:].islower()) or any(c.isupper() for c in joiner):
        return True
    hyphenated = _HYPHENATED_NAME.match(text, m.start(second))
    return not (
        hyphenated
        and hyphenated[1].isupper()
        and (hyphenated[1] + hyphenated[2]).casefold() not in MONTHS_DA
        and (not hyphenated[2] or hyphenated[2][0].islower())
    )


def periods_in_text(text: str) -> list[tuple[dt.date, dt.date]]:
    """Every distinct period written in ``text``: ``DD.MM.YYYY - DD.MM.YYYY``
    (separators ``.``, ``-`` or ``/``; joined by any dash or ``til``;
    overlapping ones each; a day written before a month name as its date,
    :data:`_NAMED_DAYS`) or a Danish month name with a year (``marts
    2019``)."""
    return _periods_and_named_days(text)[0]


def _as_read(text: str) -> str:
    """A text as its periods are read: digits of any script as 0-9, and
    without the characters that show nothing (a soft hyphen, a zero-width
    space: ``Fe\u00adbruar 2019`` is February, which beside ``marts 2019`` was
    not read, and March was paid; an attack on 0.9.35)."""
    if "\n" in text:  # a word broken over two lines by a hyphen (``febru-\nar 2019``) is one word
        text = _BROKEN_WORD.sub(r"\1\2", text)
    if text.isascii():
        return text
    return ascii_digits("".join(ch for ch in text if unicodedata.category(ch) != "Cf"))


#: a word broken over two lines by a hyphen, as a PDF's text layer gives it: a letter, a hyphen, the line
#: break, a small letter (``Febru-\nar 2019`` beside ``marts 2019`` was not read, and March paid; an attack on
#: 0.9.35)
_BROKEN_WORD = re.compile(r"([^\W\d_])[-\u2010\u2011\u00ad][ \t]*\r?\n[ \t]*([a-zæøåäöü])")


def _periods_and_named_days(text: str) -> tuple[list[tuple[dt.date, dt.date]], list[dt.date], bool, str]:
    """:func:`periods_in_text`, the days written before a month name that
    are part of no range, whether loose days stand in it
    (:data:`_LOOSE_DAYS`), and the text with its named days as digits
    (:func:`_named_days_as_numbers`), as it was read. Digits of any script
    are read as 0-9 first (``０２/２０１９``, full-width as a PDF's text layer
    may give them: the ranges read them, the forms that make no period did
    not, and such a February beside ``marts 2019`` was paid as March; an
    attack on 0.9.35)."""
    text, single = _named_days_as_numbers(_as_read(text))
    # each period once, in the order found (a dict: a text of thousands of periods was otherwise
    # searched for each of them, the square of them)
    found: dict[tuple[dt.date, dt.date], None] = {}
    ranged: list[tuple[int, int]] = []
    # a range of a date that does not exist (29.02.2019) or a year out of range says the text is of some
    # period, and gives none: beside it ``marts 2019`` was the one period, and a February stay posted as
    # March (an attack on 0.9.31)
    unreadable = False
    for m in _RANGE.finditer(text):
        ranged.append(m.span(1))
        if not all(MIN_YEAR <= int(y) <= MAX_YEAR for y in (m[4], m[7])):
            unreadable = True  # as for dates in columns: years 1900-2199
            continue
        try:
            start = dt.date(int(m[4]), int(m[3]), int(m[2]))
            end = dt.date(int(m[7]), int(m[6]), int(m[5]))
        except ValueError:
            unreadable = True
            continue
        found[start, end] = None
    for m in _MONTH.finditer(text):
        if not MIN_YEAR <= int(m[2]) <= MAX_YEAR:
            continue
        if m[1].casefold() not in MONTHS_DA:
            continue  # 'aprıl', 'APRİL': a Turkish i matches i only for Python's IGNORECASE; no month, as for RE2
        year, month = int(m[2]), MONTHS_DA.index(m[1].casefold()) + 1  # casefold: 'martſ' is 'marts'
        start = dt.date(year, month, 1)
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        found[start, end] = None
    # a day that is one end of a range is none of its own: the ranges' starts in order (as found), and
    # the furthest end any range starting there or before reaches (a search each, not a pass over all
    # of them: a text of 50,000 such days took 52 s)
    starts = [a for a, _ in ranged]
    reach = list(itertools.accumulate((b for _, b in ranged), max))
    lone = []
    for a, b in single:
        at = bisect.bisect_right(starts, a) - 1
        if at >= 0 and reach[at] >= b:
            continue
        d, mo, y = (int(part) for part in text[a:b].split("."))
        with contextlib.suppress(ValueError):
            lone.append(dt.date(y, mo, d))
    # and a date in digits that is no end of a range, as a day before a month name is (``Døgnophold marts
    # 2019, udflyttet 15.03.2019`` was paid as the whole of March: an attack on 0.9.35)
    for m in _LONE_DATE.finditer(text):
        at = bisect.bisect_right(starts, m.start()) - 1
        if at >= 0 and reach[at] >= m.end():
            continue
        y, mo, d = (m[3], m[2], m[1]) if m[1] else (m[4], m[5], m[6])
        with contextlib.suppress(ValueError):
            lone.append(dt.date(int(y), int(mo), int(d)))
    return list(found), lone, unreadable or _loose_days(text), text


#: a date in digits with its year in full, day first (``15.03.2019``, ``15-03-2019``, ``15/03/2019``) or ISO
#: (``2019-03-15``; a review of 0.9.36's first mend); a compact one (``20190315``) stays a number, as an
#: invoice's number may be one
_LONE_DATE = re.compile(rf"(?<!\d)(?:{_D}|(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}))(?!\d)")


# The same patterns for RE2 (pyarrow), which has no look-around: a boundary is
# matched as a character (or the start or end) instead. Python's \s and \d are
# Unicode; the RE2 classes below are widened to match, and a text with digits
# other than 0-9 is left to Python altogether.
#: "til" as Python's IGNORECASE reads it: a dotted or dotless Turkish i is an i
_TIL_RE2 = r"t[i\x{130}\x{131}]l"
_WS = r"[\s\x{0b}\p{Z}\x{1c}-\x{1f}\x{85}]"
#: an i as Python's IGNORECASE reads it (a dotted or dotless Turkish i is an i), for RE2
_I_RE2 = r"[i\x{130}\x{131}]"
_RANGE_DASH_RE2 = "".join(f"\\x{{{ord(c):x}}}" for c in _RANGE_DASH_CHARS)
#: :data:`_TIL_WORDS`, :data:`DAY_JOINER` and :data:`RANGE_JOINER` for RE2
_TIL_WORDS_RE2 = (
    rf"(?:og{_WS}+)?(?:{_TIL_RE2}{_WS}+og{_WS}+med|t\.?{_WS}*o\.?{_WS}*m\.?|{_I_RE2}nd{_TIL_RE2}"
    rf"|frem{_WS}+{_TIL_RE2}|{_TIL_RE2})(?:{_WS}+(?:den|d\.))?"
)
_DAY_JOINER_RE2 = (
    rf"(?:->|\x{{2192}}|[{_RANGE_DASH_RE2}](?:{_WS}*[{_RANGE_DASH_RE2}])?(?:{_WS}*{_TIL_WORDS_RE2})?"
    rf"|,?{_WS}*{_TIL_WORDS_RE2})"
)
_RANGE_JOINER_RE2 = rf"(?:{_DAY_JOINER_RE2}|(?:per{_I_RE2}ode{_WS}+)?(?:{_TIL_RE2}|slut(?:dato)?){_WS}*:|slutdato)"
_RANGE_RE2 = (
    rf"(?i)(?:^|\D)(?P<d1>\d{{1,2}})[./-](?P<m1>\d{{1,2}})[./-](?P<y1>\d{{4}}){_WS}*{_RANGE_JOINER_RE2}{_WS}*"
    r"(?P<d2>\d{1,2})[./-](?P<m2>\d{1,2})[./-](?P<y2>\d{4})"
    # a third date joined on (a second range, overlapping this one): left to Python, which reads both
    rf"(?P<more>{_WS}*{_RANGE_JOINER_RE2}{_WS}*\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{4}})?(?:\D|$)"
)
_RANGE_LOOSE_RE2 = (
    rf"(?i)\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{4}}{_WS}*{_RANGE_JOINER_RE2}{_WS}*\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{4}}"
)
# the character before a month name is captured (``pre``) and tested after:
# RE2 reads a text far faster without the Unicode class in the pattern
_MONTH_RE2 = rf"(?i)(?:^|(?P<pre>(?s:.)))(?P<mon>{_MONTHS_ALT}){_WS}+(?P<year>\d{{4}})(?:\D|$)"
#: :data:`_JOINED` for RE2
_JOINED_RE2 = (
    rf"(?:{_WS}+|{_WS}*(?:[{_DASHES}\x{{2012}}\x{{2015}}\x{{2212}}\x{{ff0d}}/\\.,;&+…→]|{_I_RE2}nd{_TIL_RE2}|{_TIL_RE2}"
    rf"|og|samt|med|eller|el\.?|frem|hele|{_I_RE2}|den|d\.|{_I_RE2}nkl\.?|{_I_RE2}nklus{_I_RE2}ve|ult{_I_RE2}mo"
    rf"|pr{_I_RE2}mo|udgangen|af|t\.?{_WS}*o\.?{_WS}*m\.?){_WS}*)+"
)
#: :data:`_DAY_AFTER` for RE2 (a superset: a day before a dash, til or a month name, or a date)
_DAY_AFTER_RE2 = (
    rf"\d{{1,2}}\.(?:{_WS}*(?:[{_DASHES}]|{_TIL_RE2}|{_MONTHS_ALT})|\d{{1,2}}\.\d{{2}})"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2}|\d{4}-\d{1,2}-\d{1,2}"
)
#: where :data:`_LOOSE_DAYS`, :data:`_NAMED_DAYS` or :data:`_MONTH_BEFORE_MONTH` may stand (a superset:
#: the texts it finds are left to Python): a digit and a dot, then a dash, ``til``, ``og``, ``,`` or
#: ``&``; a digit before a month name; a day and a month in digits without a year; a month name and a
#: word or sign that may join it to another
_LOOSE_DAYS_RE2 = (
    rf"(?i)\d\.{_WS}*(?:{_DAY_JOINER_RE2}|og|,|&)|\d(?:[./{_DASHES}]|{_WS})*(?:{_MONTHS_ALT})"
    r"|\d[./]\d{1,2}(?:[./]\d{2})?(?:\.(?:\D|$)|[^\d./]|$)"
    r"|\d-\d{1,2}-\d{2}(?:\D|$)"
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}{_WS}*{_RANGE_JOINER_RE2}|\d[–—‐‑−]\d{{1,2}}[–—‐‑−]\d"
    rf"|uge(?:nr\.?)?{_WS}*\d|weeks?{_WS}*\d|(?:last|prev{_I_RE2}ous|pr{_I_RE2}or|next){_WS}+month"
    rf"|\d{{8}}{_WS}*{_RANGE_JOINER_RE2}{_WS}*\d{{8}}|\d\.{_WS}+\d{{1,2}}\."
    rf"|(?:forrige|s{_I_RE2}dste|næste|foregående|kommende){_WS}+m(?:å|a\x{{30a}})ned|m(?:å|a\x{{30a}})neden{_WS}+før"
    r"|\d{6}\s*[-–]\s*\d{6}|(?:19|20)\d\d\.\d{1,2}\.\d"
    rf"|\d{{4}}(?:{_WS}+|{_WS}*/{_WS}*)\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{4}}"
    r"|(?:^|[^\d./-])\d{1,2}[/.-](?:19|20)\d{2}(?:[^\d/]|$)|(?:^|[^\d./-])(?:19|20)\d{2}[/-]\d{1,2}(?:[^\d/-]|[/-](?:19|20)\d\d|$)"
    rf"|per{_I_RE2}ode{_WS}*:?{_WS}*(?:19|20)\d{{4}}"
    rf"|(?:{_MONTHS_ALT})(?:{_WS}|[.,'/{_DASHES}])*\d{{1,2}}(?:[^\d.,]|[.,](?:\D|$)|$)"
    rf"|(?:{_MONTHS_ALT}){_JOINED_RE2}(?:{_MONTHS_ALT}|{_DAY_AFTER_RE2})"
    rf"|(?:{_MONTHS_ALT}){_WS}*[.,]?{_WS}*\d{{4}}{_JOINED_RE2}(?:{_MONTHS_ALT}|{_DAY_AFTER_RE2})"
    rf"|(?:\d[./-]\d{{1,2}}[./-]\d{{2}}(?:\d{{2}})?|\d{{4}}-\d{{1,2}}-\d{{1,2}}){_JOINED_RE2}(?:{_MONTHS_ALT})"
    # a day named alone after d. or den (``udflyttet d. 15.``): :data:`_LOOSE_DAYS` decides
    rf"|(?:^|[^\p{{L}}\d_])d(?:en)?[.\s]{_WS}*\d"
)
#: where a month may be named as :func:`months_named` reads one (a superset: a month's name or short name at
#: the start of a word, a quarter), for RE2: a text whose one period is a range of dates and that names one,
#: or whose one period is a month and that names two, is left to Python, which holds what they name to the
#: period (since 0.9.33)
_MONTH_TOKEN_RE2 = (
    rf"(?:(?:{_ANY_MONTH}|january|february|march|may|june|july|october|oct|m(?:ä|ae)rz|mai|dezember)"
    r"(?:s?(?:[^\p{L}]|$)|m(?:å|a\x{30a})ned)"  # februarmånedens too, and with a decomposed å
    r"|kvartal|kvt|kv\.|halv(?:å|a\x{30a})r|halvdel|q[1-4]|h[12])"
)
_NAMES_A_MONTH_RE2 = rf"(?i)(?:^|[^\p{{L}}]){_MONTH_TOKEN_RE2}"
#: two of them: the second right after the first (which ends in a sign: ``dec-marts 2019``), or after anything
#: and a sign
_NAMES_TWO_MONTHS_RE2 = rf"(?i)(?:^|[^\p{{L}}]){_MONTH_TOKEN_RE2}(?:(?s:.)*[^\p{{L}}])?{_MONTH_TOKEN_RE2}"
#: what may not stand right before a month name: a letter or a number that is not a digit
_LETTER_RE2 = r"[\p{L}\p{Nl}\p{No}]"
#: a month name and a year, also with ``,`` or ``.`` between (as :data:`_NAMED_DAYS` reads them): a
#: candidate, so that such a text is read, by Python where RE2's own pattern does not
_MONTH_LOOSE_RE2 = rf"(?i)({_MONTHS_ALT})(?:{_WS}*[.,]{_WS}*|{_WS}+)\d{{4}}"
#: :data:`_LONE_DATE`'s dates, for RE2 (each counted: a superset, not looking at what stands beside)
_DATE_DIGITS_RE2 = r"\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{1,2}-\d{1,2}"
#: digits other than 0-9, where Python's \d and RE2's part ways
OTHER_DIGITS_RE2 = r"[^0-9\P{Nd}]"
#: the first digit other than 0-9 is U+0660 (ARABIC-INDIC DIGIT ZERO); in UTF-8 every
#: character from U+0640 on starts with a byte of this value or more
_OTHER_DIGIT_LEAD_BYTE = 0xD9


def other_digit_texts(texts: pa.Array) -> np.ndarray:
    """Whether each text (arrow) holds digits other than 0-9
    (:data:`OTHER_DIGITS_RE2`). Only the texts holding a byte that may start
    one are matched with the pattern: nearly always none, and finding them
    is one pass over the bytes."""
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())
    odd = np.zeros(len(texts), dtype=bool)
    bounds, raw = text_bytes(texts)
    at = np.flatnonzero(raw >= _OTHER_DIGIT_LEAD_BYTE)
    if len(at):
        rows = np.unique(np.searchsorted(bounds, at, side="right") - 1)
        found = matches_regex(texts.take(pa.array(rows)), OTHER_DIGITS_RE2)
        odd[rows] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    return odd


#: a character that shows nothing (Unicode's format characters: a soft hyphen, a zero-width space …), or a word
#: broken over two lines by a hyphen (:data:`_BROKEN_WORD`)
_UNSEEN_RE2 = r"\p{Cf}|\pL[-\x{2010}\x{2011}\x{ad}][ \t]*\r?\n[ \t]*[a-zæøåäöü]"
#: the bytes that start such a character in UTF-8: the soft hyphen's (U+00AD: C2 AD) and from U+0600 on
_SOFT_HYPHEN_LEAD, _UNSEEN_LEAD_FROM, _LINE_FEED = 0xC2, 0xD8, 0x0A


def unseen_texts(texts: pa.Array) -> np.ndarray:
    """Whether each text (arrow) holds a character that shows nothing, or a
    word broken over two lines (:data:`_UNSEEN_RE2`), which Python reads
    otherwise than RE2's patterns (:func:`_as_read`); matched with the
    pattern only where a byte that may start one stands (a ``§`` or an NBSP
    starts as a soft hyphen does)."""
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())
    unseen = np.zeros(len(texts), dtype=bool)
    bounds, raw = text_bytes(texts)
    at = np.flatnonzero((raw == _SOFT_HYPHEN_LEAD) | (raw >= _UNSEEN_LEAD_FROM) | (raw == _LINE_FEED))
    if len(at):
        rows = np.unique(np.searchsorted(bounds, at, side="right") - 1)
        found = matches_regex(texts.take(pa.array(rows)), _UNSEEN_RE2)
        unseen[rows] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    return unseen


def period_from_texts(texts: np.ndarray, odd: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`period_in_text` for a whole column: ``(start, end)`` as
    ``datetime64[D]``, NaT where a text holds no period or more than one.

    Texts with exactly one candidate period are read whole-column with RE2;
    the rest (none is cheap to tell; two or more, an impossible date, digits
    other than 0-9: ``odd``, when known already) go through
    :func:`period_in_text`, so the result is the same as calling it on every
    text."""
    n = len(texts)
    start = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    end = start.copy()
    if n == 0:
        return start, end
    arr, texts = arrow_texts(texts)
    # and those with characters that show nothing, which Python reads past (:func:`_as_read`)
    odd = (other_digit_texts(arr) if odd is None else odd) | unseen_texts(arr)
    n_range = counts_regex(arr, _RANGE_LOOSE_RE2).to_numpy(zero_copy_only=False)
    n_month = counts_regex(arr, _MONTH_LOOSE_RE2).to_numpy(zero_copy_only=False)
    total = n_range + n_month
    one_range = (n_range == 1) & (n_month == 0) & ~odd
    one_month = (n_month == 1) & (n_range == 0) & ~odd
    # loose days beside the one period, or a month named beside it (two beside a month's name): left to
    # Python, which tells (a superset of them)
    # a date in digits beside the one period (a month's, or a third beside a range's two) too: Python holds it
    # to the period (:data:`_LONE_DATE`)
    for one, also, dates in ((one_range, _NAMES_A_MONTH_RE2, 2), (one_month, _NAMES_TWO_MONTHS_RE2, 0)):
        at = np.flatnonzero(one)
        if len(at):
            taken = arr.take(pa.array(at))
            loose = pc.fill_null(matches_regex(taken, f"{_LOOSE_DAYS_RE2}|{also}"), False)
            beside = pc.fill_null(counts_regex(taken, _DATE_DIGITS_RE2), 0)
            left = loose.to_numpy(zero_copy_only=False) | (beside.to_numpy(zero_copy_only=False) > dates)
            one[at[left]] = False
    done = np.zeros(n, dtype=bool)
    if one_range.any():
        idx = np.flatnonzero(one_range)
        g = pc.extract_regex(arr.take(pa.array(idx)), _RANGE_RE2)
        ok = g.is_valid().to_numpy(zero_copy_only=False)
        part = {
            k: pc.cast(pc.if_else(g.is_valid(), g.field(k), "0"), pa.int64()).to_numpy()
            for k in ("d1", "m1", "y1", "d2", "m2", "y2")
        }
        s = _ymd(part["y1"], part["m1"], part["d1"])
        e = _ymd(part["y2"], part["m2"], part["d2"])
        alone = pc.fill_null(pc.equal(pc.utf8_length(g.field("more")), 0), True).to_numpy(zero_copy_only=False)
        good = ok & alone & ~np.isnat(s) & ~np.isnat(e)
        start[idx[good]], end[idx[good]] = s[good], e[good]
        done[idx[good]] = True
    if one_month.any():
        idx = np.flatnonzero(one_month)
        g = pc.extract_regex(arr.take(pa.array(idx)), _MONTH_RE2)
        # only one candidate month in the text: the pattern matches it or
        # nothing, and the match stands alone unless a letter comes before it
        # (a digit before it, maybe a day, left the text to Python above)
        ok = g.is_valid().to_numpy(zero_copy_only=False).copy()
        ok[ok] = ~pc.match_substring_regex(g.field("pre").filter(g.is_valid()), _LETTER_RE2).to_numpy(
            zero_copy_only=False
        )
        names = pc.utf8_lower(pc.if_else(g.is_valid(), g.field("mon"), ""))
        # looked up in arrow: the names never become Python strings
        month = pc.index_in(names, value_set=pa.array(MONTHS_DA, type=names.type))
        month = pc.fill_null(month, -1).to_numpy(zero_copy_only=False)
        year = pc.cast(pc.if_else(g.is_valid(), g.field("year"), "0"), pa.int64()).to_numpy()
        good = ok & (month >= 0) & (year >= MIN_YEAR) & (year <= MAX_YEAR)
        first = ((np.where(good, year, 1970) - 1970) * 12 + np.where(good, month, 0)).astype("datetime64[M]")
        start[idx[good]] = first[good].astype("datetime64[D]")
        end[idx[good]] = (first[good] + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        done[idx[good]] = True
    for i in np.flatnonzero(~done & ((total > 0) | odd)):
        found = period_in_text(texts[i])
        if found is not None:
            start[i], end[i] = np.datetime64(found[0], "D"), np.datetime64(found[1], "D")
    return start, end


def arrow_texts(texts) -> tuple[pa.Array, object]:
    """Texts as an arrow array for the whole-column patterns, and as
    something indexable for the few that need Python's: an arrow array is
    taken as it is (its texts made Python strings only when asked for)."""
    if isinstance(texts, pa.Array):
        return texts, LazyTexts(texts)
    return pa.array(np.asarray(texts, dtype=object), type=pa.large_string()), texts


class LazyTexts:
    """The texts of an arrow array, each made a Python string when asked for."""

    def __init__(self, arr: pa.Array) -> None:
        self.arr = arr

    def __getitem__(self, i: int) -> str:
        return self.arr[int(i)].as_py()


def _ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Dates from parts; NaT where the date does not exist or its year lies
    outside 1900-2199 (as for dates in columns)."""
    ok = (year >= MIN_YEAR) & (year <= MAX_YEAR) & (month >= 1) & (month <= 12) & (day >= 1)
    first = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    ok &= day <= length
    out = first.astype("datetime64[D]") + np.where(ok, day - 1, 0).astype("timedelta64[D]")
    return np.where(ok, out, np.datetime64("NaT"))


def names_no_one_period(text: str) -> bool:
    """Whether ``text`` names periods, a day before a month name or loose
    days, and yet gives no one period (:func:`period_in_text` None): a text
    that says something of the period it is for, which no other period may
    stand in for (a line's blank period cells are the invoice's only where
    its text says nothing: ``udflyttet 15. april 2019`` on a line of an
    invoice for April was paid as April; a review of 0.9.25), nor a date in
    digits (:data:`_DIGIT_DATE`: ``udflyttet 15.03.2019``, ``2019-03-15``;
    an attack)."""
    found, lone, loose, plain = said = _periods_and_named_days(text)
    if found or lone or loose:
        return _one_period(*said) is None
    # the named days as digits, as the reference reads them: 1.-31. april 2019 makes no date (31 April), but
    # says something of the line's period (a review: paid as the invoice's March)
    return _digit_date_in(plain)


#: a month's name as a word, or joined to ``måned`` (``februarmåned``: a sixth review)
#: (or its genitive, ``februars``: a review of 0.9.33's first mend)
_MONTH_WORD = re.compile(rf"(?<![^\W\d_])({_ANY_MONTH})(?:s(?![^\W\d_])|(?=måned)|(?![^\W\d_]))", re.IGNORECASE)
#: what may follow a short name for it to be a month's: a number of at most four digits (a day or a year,
#: ``feb-19`` as Excel writes a month, not a CPR number's ``Jan 010190-1234``), or a dash or slash and
#: another month; or what may stand before it: a month and a dash or slash (``dec-jan``: a fifth review)
_AFTER_SHORT = re.compile(
    rf"\.?\s*(?:[{_DASHES}/]\s*)?(?:['’]?\d{{1,4}}(?!\d)|(?<=[{_DASHES}/])\s*(?:{_ANY_MONTH})(?![^\W\d_]))",
    re.IGNORECASE,
)
_BEFORE_SHORT = re.compile(
    rf"(?:(?<![^\W\d_])(?:{_ANY_MONTH})\.?\s*[{_DASHES}/]|(?<!\d)\d{{1,2}}\.)\s*$", re.IGNORECASE
)  # or a day with its dot (``15. feb.``: a sixth review)
#: the year a month named as a word is given (``marts 2018``, ``marts måned 2018``, ``marts måned, 2018``,
#: ``feb. 2019``, ``feb-19`` is none: two digits may be a day)
_YEAR_AFTER = re.compile(rf"\.?\s*(?:(?:måned|mdr?)\.?\s*)?[.,{_DASHES}/]?\s*((?:19|20)\d{{2}})(?!\d)", re.IGNORECASE)
#: words after a month that is also a first name that are no surname (``Juni Måned``, ``Juli Md. 2019``)
_NO_NAMES = frozenset(
    {"måned", "md", "mdr", "måneder", "uge", "år", "døgn", "dage", "ophold", "takst", "faktura", "faktureret",
     "regulering", "efterregulering", "betalt", "betaling", "afregning", "opkrævning", "døgnophold", "aflastning",
     "samt", "og", "til", "for"}
)  # fmt: skip
#: the months that are also first names (``August Hansen``, ``Maj-Britt``, ``Anne-Maj``, ``Jan Olsen``)
#: months named in English or German where the Danish name is another (``February 2019``, ``Mai 2019``): a
#: month's before a year or a day only (``may be``, ``Mai Hansen`` are none); beside ``marts 2019`` such a
#: month was not read, and March was paid (an attack on 0.9.35)
FOREIGN_MONTHS = {"january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10,
                  "märz": 3, "mai": 5, "dezember": 12}  # fmt: skip
_FOREIGN_MONTH = re.compile(
    rf"(?<![^\W\d_])({'|'.join(FOREIGN_MONTHS)}|maerz)(?![^\W\d_])\.?\s*((?:19|20)\d\d|\d{{1,2}})(?!\d)", re.IGNORECASE
)
#: English months that are no other word or name, read as a month's without a year too (``for the month of
#: February``, ``Oct. 2018``; ``March``, ``May``, ``June``, ``July`` are words or names, and read before a year or
#: a day only): beside March's dates or ``marts 2019`` each was paid as March (an attack on 0.9.40)
_ENGLISH_MONTHS = {"january": 1, "february": 2, "october": 10, "oct": 10}
_ENGLISH_MONTH = re.compile(rf"(?<![^\W\d_])({'|'.join(_ENGLISH_MONTHS)})(?![^\W\d_])", re.IGNORECASE)
_NAME_MONTHS = frozenset({"april", "maj", "juni", "juli", "august", "jan"})
#: short names that are also a name or a word (``Jan``, ``i jul``), a month's only before a number, after a day
#: or joined to another month: every other short name is a month's as a word (``okt.``, ``sept.``, ``feb``:
#: beside ``marts 2019`` each was paid as March, an attack on 0.9.32 and a review of the mend)
_WORD_MONTHS = frozenset({"jan", "jul"})
#: a quarter, with its year where one follows (``2. kvartal 2019``, ``1. kvt. 2019``, ``kvartal 3``, ``Q4
#: 2018``): its three months (beside ``marts 2019`` March was paid: an attack on 0.9.32)
#: a quarter's or a half year's number in words (``fjerde kvartal``, ``andet halvår``; the last, ``sidste``: 4 of
#: a quarter, 2 of a half year, set where it is read)
_ORDINALS = {"første": 1, "anden": 2, "andet": 2, "tredje": 3, "fjerde": 4}


def _ordinal(word: str, last: int) -> int:
    """The number of an ordinal in words as a pattern read it (a Turkish i as an i: ``SİDSTE`` stopped a
    whole run with a KeyError, a review); ``sidste`` is ``last``."""
    key = word.casefold().replace("i\u0307", "i").replace("ı", "i")
    return {**_ORDINALS, "sidste": last}.get(key, last)


_QUARTER = re.compile(
    r"(?:(?<![^\W\d_])(?P<q_word>første|anden|andet|tredje|fjerde|sidste)\s+(?:kvartal|kvt\.?|kv\.)"
    r"|(?<!\d)(?P<q>[1-4])\.?\s*(?:kvartal|kvt\.?|kv\.)|(?<![^\W\d_])(?:kvartal|kvt\.?|kv\.)\s*(?P<q_after>[1-4])(?!\d)"
    # in Roman numerals (``II. kvartal``), and ``kv.`` for kvartal (an attack on 0.9.35)
    r"|(?<![^\W\d_])(?P<q_roman>(?-i:IV|I{1,3}))\.?\s*(?:kvartal|kvt\.?|kv\.)"
    r"|(?<![^\W\d_])q(?P<q_letter>[1-4])(?!\w))"
    rf"(?:\s*[.,/{_DASHES}]?\s*(?P<year>(?:19|20)\d{{2}})(?!\d))?",
    re.IGNORECASE,
)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
#: a half year (``2. halvår 2018``, ``1. halvåret``, ``H1 2019`` with its year): its six months (a review)
_HALF = re.compile(
    r"(?:(?<![^\W\d_])(?P<h_word>første|anden|andet|sidste)\s+halvår"
    r"|(?<![^\W\d_])halvår\s*(?P<h_after>[12])(?!\d)"
    rf"|(?<!\d)(?P<h>[12])\.?\s*halv(?:år|del(?:en)?)|(?<![^\W\d_])h(?P<h_letter>[12])(?=\s*[.,/{_DASHES}]?\s*(?:19|20)\d{{2}}(?!\d)))"
    rf"(?:\s*(?:[.,/{_DASHES}]|af)?\s*(?P<year>(?:19|20)\d{{2}})(?!\d))?",
    re.IGNORECASE,
)


def months_named(text: str, surnames: bool = False) -> set[tuple[int, int]]:
    """The months ``text`` names as a word, in full or short, each as ``(month, year)``, the year 0 where
    none follows it (``Ophold februar`` is ``(2, 0)``, ``Døgnophold februar måned 2019`` ``(2, 2019)``,
    ``feb. 2019`` ``(2, 2019)``): a line of a collective invoice whose text names a month its invoice's
    period does not hold has no period of the invoice's (an attack on 0.9.31 found February's stay paid as
    March). A month that is also a first name is none where it is part of a person's name: joined by a
    hyphen to another name (``Maj-Britt``, ``Anne-Maj``) or followed by one (``August Hansen``); with
    ``surnames``, also after a surname and a comma or before an initial (``Hansen, Maj``, ``Maj B. Hansen``):
    for words beside a period element's dates (:func:`names_another_period`), which say the period already,
    never where the words are the only period there is (``Botilbud, Juni`` may be June)."""
    # an å written as a and a ring (as a Mac writes it) is an å; only that is composed, as the fast path's patterns
    # read it (a text made NFC as a whole read otherwise than they: a review)
    text = _as_read(text).replace("a\u030a", "å").replace("A\u030a", "Å")
    named: set[tuple[int, int]] = set()
    for m in _MONTH_WORD.finditer(text):
        word = m[1].casefold()
        number = MONTHS_DA.index(word) + 1 if word in MONTHS_DA else MONTH_ABBREVIATIONS.get(word)
        if number is None:
            continue  # 'aprıl'
        if word in _WORD_MONTHS and not (
            _AFTER_SHORT.match(text, m.end()) or _BEFORE_SHORT.search(text[max(0, m.start() - 24) : m.start()])
        ):
            continue
        if word == "maj" and m[0][-1] in "sS":
            continue  # majs: maize
        if (
            word in _NAME_MONTHS
            and m[1][0].isupper()
            and not m[1].isupper()
            and _in_a_name(text, m.start(), m.end(), surnames)
        ):
            continue
        year = _YEAR_AFTER.match(text, m.end())
        named.add((number, int(year[1]) if year else 0))
    for m in _FOREIGN_MONTH.finditer(text):
        named.add((FOREIGN_MONTHS[m[1].casefold().replace("ae", "ä")], int(m[2]) if len(m[2]) == 4 else 0))
    for m in _ENGLISH_MONTH.finditer(text):
        year = _YEAR_AFTER.match(text, m.end())
        named.add((_ENGLISH_MONTHS[m[1].casefold()], int(year[1]) if year else 0))
    for m in _MONTH_IN_DIGITS.finditer(text):
        named.add(
            (int(m["month"] or m["iso_month"] or m["opus_month"]), int(m["year"] or m["iso_year"] or m["opus_year"]))
        )
    for m in _QUARTER.finditer(text):
        quarter = (
            _ordinal(m["q_word"], 4)
            if m["q_word"]
            else _ROMAN[m["q_roman"].upper()]
            if m["q_roman"]
            else int(m["q"] or m["q_after"] or m["q_letter"])
        )
        year = int(m["year"]) if m["year"] else 0
        named.update((month, year) for month in range(3 * quarter - 2, 3 * quarter + 1))
    for m in _HALF.finditer(text):
        half = _ordinal(m["h_word"], 2) if m["h_word"] else int(m["h"] or m["h_letter"] or m["h_after"])
        year = int(m["year"]) if m["year"] else 0
        named.update((month, year) for month in range(6 * half - 5, 6 * half + 1))
    return named


def _in_a_name(text: str, start: int, end: int, surnames: bool = False) -> bool:
    """Whether the word ``text[start:end]``, a month that is also a first name, is part of a person's name:
    another name joined to it by a hyphen before or after it, or one after it, a space between (a name: a
    capital first, and no month)."""

    def a_name(word: str | None) -> bool:
        # a name's shape: a capital, then small letters (``HANSEN`` in a text in capitals, ``FAKTURERET``, is
        # no name: ``OPHOLD JUNI FAKTURERET MARTS 2019`` was paid as March, a review)
        return (
            bool(word)
            and word[0].isupper()
            and word[1:].islower()
            and not _MONTH_WORD.fullmatch(word)
            and word.casefold() not in _NO_NAMES
        )

    after = re.match(rf"(?:[{_DASHES}]|\s+)([^\W\d_]+)", text[end:])  # any hyphen (``Maj‐Britt``: a review)
    before = re.search(rf"([^\W\d_]+)[{_DASHES}]$", text[:start])
    if a_name(after[1] if after else None) or a_name(before[1] if before else None):
        return True
    # never before ``måned`` or a year: ``Botilbud, Juni måned`` is June (a review of 0.9.40's first version)
    if not surnames or re.match(r"[\s-]*(?:måned|md\b|mdr\b)", text[end:], re.IGNORECASE):
        return False
    # a middle initial after it (``Maj B. Hansen``), or a surname and a comma before it and no year after it
    # (``Hansen, Maj``): a citizen's name on a line dated March was read as May (a review of 0.9.40's first version)
    if re.match(r"\s+[A-ZÆØÅ]\.\s*[A-ZÆØÅ]", text[end:]):
        return True
    surname = re.search(r"([^\W\d_]+),\s*$", text[:start])
    return a_name(surname[1] if surname else None) and not _YEAR_AFTER.match(text, end)


#: a date in digits, day first (``15.03.2019``, ``15/03/2019``, ``15-03-2019``, ``15-03-19``) or ISO
#: (``2019-03-15``); its day and month may be none (``01.04.2019 - 31.04.2019``)
_DIGIT_DATE = re.compile(_DATE)


def _digit_date_in(text: str) -> bool:
    """Whether ``text`` holds what reads as a date in digits (:data:`_DIGIT_DATE`): a day of 1 to 31 and
    a month of 1 to 12."""
    for m in _DIGIT_DATE.finditer(text):
        day, month = (m[1], m[2]) if m[1] else (m[6], m[5])
        if 1 <= int(day) <= 31 and 1 <= int(month) <= 12:
            return True
    return False


#: a date in digits with a day and a month, whatever follows (``01.02.19``, ``1.2.``, ``28.2.2019``,
#: ``01/02/19``, ``01-02-19``, ``1/2``)
_DAY_MONTH_DIGITS = re.compile(r"(?<!\d)(?=(\d{1,2})[./-](\d{1,2})(?!\d))")  # at every start: they overlap


def names_another_period(text: str, start: dt.date, end: dt.date) -> bool:
    """Whether ``text``, written beside a period element's dates ``start`` to ``end`` (a line's own
    texts, the element's own description), bills another period than theirs: its one period
    (:func:`period_in_text`) does not hold them; or, naming none, it names a month they do not hold as a
    word (``februar``, ``feb. 2019``, ``februar måned``; a month part of a day, ``indflyttet 15. februar
    2019``, ``takst pr. 1. januar``, is none, nor a first name, :func:`months_named`), writes two or more
    dates in digits the reader cannot read as one period (``01.02.19-28.02.19``, ``1.2.-28.2.2019``), or
    two or more days, one outside them (``2019-02-01 - 2019-02-28``). One day alone is no period billed
    (``jf. aftale af 12.02.2019``)."""
    found, lone, loose, plain = _periods_and_named_days(text)
    said = _one_period(found, lone, loose, plain)
    if said is not None:
        return not (said[0] <= start and end <= said[1])
    if _RELATIVE_MONTH.search(plain) or _weeks_outside(plain, start, end) or _impossible_date(plain):
        return True
    # several periods: each within the dates, or holding them (a year's rate beside the month's stay); two
    # halves of February beside March's dates were paid as March (a third review)
    if any(not (start <= s and e <= end) and not (s <= start and end <= e) for s, e in found):
        return True
    if _another_month(plain, start, end):
        return True
    digit_dates = [m for m in _DAY_MONTH_DIGITS.finditer(plain) if 1 <= int(m[1]) <= 31 and 1 <= int(m[2]) <= 12]
    if loose and len(digit_dates) >= 2:
        return True
    days = set(lone)
    return len(days) >= 2 and any(not start <= day <= end for day in days)


def names_another_month(text: str, start: dt.date, end: dt.date) -> bool:
    """Whether ``text`` names a month as a word (:func:`months_named`, a first name none, nor a day named
    with its month: :func:`_without_named_days`) that ``start`` to ``end`` do not hold: the month part of
    :func:`names_another_period`, for an undated line's words."""
    return _another_month(_periods_and_named_days(text)[3], start, end)


def _another_month(plain: str, start: dt.date, end: dt.date) -> bool:
    """Whether ``plain`` (a text as :func:`_periods_and_named_days` gives it) names as a word a month that
    ``start`` to ``end`` do not hold, a first name and a day named with its month none."""
    return not holds_named(_without_named_days(plain), months_between(start, end), surnames=True)


def notes_name_another_period(text: str, start: dt.date, end: dt.date) -> bool:
    """Whether an invoice's notes, beside its period element's dates ``start`` to ``end``, name another
    period than theirs, where they name no one period: a month they do not hold (:func:`names_another_month`);
    a month before this by where it stands (``forrige måned``, ``previous month``; ``næste måned`` is payment
    terms); a week they do not hold; a date the calendar has not; a range of dates in digits outside them
    (``01.02.19-28.02.19``). Notes say much else (payment terms, dates of issue and due, opening hours), so
    one date or two not joined as a range are none. A review of 0.9.41's first version found February's stay
    so written in a note posted for March."""
    plain = _periods_and_named_days(text)[3]
    if _another_month(plain, start, end):
        return True
    if _PAST_MONTH.search(plain) or _weeks_outside(plain, start, end) or _impossible_date(plain):
        return True
    for m in _DIGIT_RANGE.finditer(plain):
        days = [_day_of(m[k], m[k + 1], m[k + 2]) for k in (1, 4)]
        if any(day is None or not start <= day <= end for day in days):
            return True
    return False


#: a day named with its month, in Danish, English or German, its year after it or not (``1. januar``, ``15.
#: april 2019``, ``3 May 2019``, ``1st of February``), and no range's end (``1.-28. februar`` is February):
#: a day, no month billed (``takst pr. 1. januar``, ``Payment due 3 May 2019`` held correct invoices: a review)
_NAMED_DAY = re.compile(
    rf"(?<![\d./{_DASHES}])(?<![{_DASHES}]\s)(?<!til\s)(?:[1-9]|[12]\d|3[01])(?:\.|st|nd|rd|th)?\s*(?:of\s+)?"
    rf"(?:{_ANY_MONTH}|{'|'.join(FOREIGN_MONTHS)}|maerz|{'|'.join(_ENGLISH_MONTHS)})\.?(?![^\W\d_])"
    r"(?!\s*[{_DASHES}])(?:\s*,?\s*(?:19|20)\d\d(?!\d))?".replace("{_DASHES}", _DASHES),
    re.IGNORECASE,
)


def _without_named_days(text: str) -> str:
    """``text`` with the days named with their month left out (:data:`_NAMED_DAY`)."""
    return _NAMED_DAY.sub(" ", text)


#: the month before this, and the month after it, named by where they stand (``forrige måned``, ``last month``;
#: ``næste måned``, ``next month``)
_PAST_MONTH_WORDS = r"(?:forrige|sidste|foregående)\s+måned|måneden\s+før|(?:last|previous|prior)\s+month"
_NEXT_MONTH_WORDS = r"(?:næste|kommende)\s+måned|next\s+month"
#: the month before this: beside an invoice's notes' dates another period (``næste måned`` is payment terms)
_PAST_MONTH = re.compile(rf"(?<![^\W\d_])(?:{_PAST_MONTH_WORDS})(?![^\W\d_])", re.IGNORECASE)
#: two dates in digits joined as a range (``01.02.19-28.02.19``, ``02/01/2019 - 02/28/2019``)
_DIGIT_RANGE = re.compile(
    rf"(?<![\d.,/-])(\d{{1,2}})[./-](\d{{1,2}})[./-](\d{{4}}|\d{{2}})\s*[{_DASHES}]\s*"
    r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?![\d/]|[.-]\d)"
)


def _day_of(day: str, month: str, year: str) -> dt.date | None:
    """The day ``day``.``month``.``year`` (a year of two digits in 2000-2099), None where the calendar has none."""
    try:
        return dt.date(int(year) if len(year) == 4 else 2000 + int(year), int(month), int(day))
    except ValueError:
        return None


#: a month named by where it stands, in Danish or English (``forrige måned``, ``last month``): no period a
#: date holds, beside a period element's dates another period (an attack on 0.9.40)
_RELATIVE_MONTH = re.compile(rf"(?<![^\W\d_])(?:{_PAST_MONTH_WORDS}|{_NEXT_MONTH_WORDS})(?![^\W\d_])", re.IGNORECASE)
#: a week's number or a range of them, with the year where one follows (``uge 9``, ``uge 5-8 2019``, ``weeks
#: 5-8``)
_WEEKS = re.compile(
    rf"(?<![^\W\d_])(?:uge(?:nr\.?)?|weeks?)\s*(\d{{1,2}})(?:\s*[{_DASHES}]\s*(\d{{1,2}}))?(?![\d.,]\d|\d)"
    r"(?:\s*[.,/]?\s*((?:19|20)\d\d)(?!\d))?",
    re.IGNORECASE,
)


def _weeks_outside(text: str, start: dt.date, end: dt.date) -> bool:
    """Whether ``text`` names a week (ISO, of its year, else of an ISO year the dates lie in: ``uge 1`` beside
    30.12.2019-05.01.2020 is 2020's, a review) whose days ``start`` to ``end`` do not all hold, or a week no
    year has: ``uge 5-8 2019`` beside March's dates was paid as March (an attack on 0.9.40); ``uge 10``
    beside the dates of week 10 is the same period."""
    years = {start.isocalendar()[0], end.isocalendar()[0]}
    for m in _WEEKS.finditer(text):
        held = False
        for year in [int(m[3])] if m[3] else sorted(years):
            try:
                first = dt.date.fromisocalendar(year, int(m[1]), 1)
                last = dt.date.fromisocalendar(year, int(m[2] or m[1]), 7)
            except ValueError:
                continue
            held = held or (start <= first and last <= end)
        if not held:
            return True
    return False


#: a date in digits, day or month first, with its year of four digits (``02/28/2019``, ``31.02.2019``; a KLE case
#: number, ``27.24.08-G01``, and a time, ``kl. 7.30-16``, are none: a review of the first version held both)
_ANY_DIGIT_DATE = re.compile(r"(?<![\d.,/-])(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?![\d/]|[.-]\d)")


def _impossible_date(text: str) -> bool:
    """Whether ``text`` writes a date in digits the calendar has not as day, month and year (``02/28/2019``,
    February as an English-language system writes it: beside March's dates it was paid as March, an attack on
    0.9.40; ``30.02.2019``): what it says of its period, nobody can tell."""
    return any(_day_of(*m.groups()) is None for m in _ANY_DIGIT_DATE.finditer(text))


@functools.lru_cache(maxsize=1 << 16)
def period_in_text(text: str) -> tuple[dt.date, dt.date] | None:
    """The period written in ``text`` when there is exactly one, else None;
    None too where a day written before a month name, part of no range, lies
    inside it but for its first and last day (``april 2019, udflyttet 15.
    april 2019``: maybe half of April)."""
    return _one_period(*_periods_and_named_days(text))


def _one_period(
    found: list[tuple[dt.date, dt.date]], lone: list[dt.date], loose: bool, plain: str
) -> tuple[dt.date, dt.date] | None:
    """:func:`period_in_text` of what :func:`_periods_and_named_days` found
    in a text (``plain``: with its named days as digits, so that ``faktureret
    5. maj 2019`` is a date, which leaves the period, and no month named):
    none either where the text names a month the one period
    does not hold (:func:`months_named`, as a collective invoice's line is
    held to its invoice's period: ``Døgnophold februar, faktureret marts
    2019``, ``februar-2019``, ``Ophold marts 2019, afregning februar`` were
    each paid as March until 0.9.33, an attack on 0.9.32)."""
    if len(found) != 1 or loose:
        return None
    start, end = found[0]
    if any(start < day < end for day in lone):
        return None
    return found[0] if holds_named(plain, months_between(start, end)) else None


def months_between(start: dt.date, end: dt.date) -> set[tuple[int, int]]:
    """The months from ``start`` to ``end`` as ``(month, year)`` (at most 25 of them)."""
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    return {(k % 12 + 1, k // 12) for k in range(first, min(last, first + 24) + 1)}


def holds_named(text: str, held: set[tuple[int, int]], surnames: bool = False) -> bool:
    """Whether every month ``text`` names (:func:`months_named`) is one of ``held``
    (:func:`months_between`): with its year, that month of that year; without, that month of any year
    held (``marts måned 2018`` of a period of March 2019 is not: a fourth review). Both a text's one
    period and a collective invoice's line are held so."""
    any_year = {month for month, _year in held}
    return all((month, year) in held if year else month in any_year for month, year in months_named(text, surnames))
