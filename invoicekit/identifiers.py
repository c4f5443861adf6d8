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

import datetime as dt
import functools
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.dk import cpr as _cpr
from stdnum.dk import cvr as _cvr

from invoicekit.errors import InputError
from invoicekit.texts import arrow_text, is_arrow_text, matches_regex
from invoicekit.vocabulary import (
    CPR_APART,
    CPR_DATED,
    CPR_GROUPED,
    CPR_GROUPED_RE2,
    CPR_INVISIBLE,
    CPR_LIKE,
    CPR_LIKE_RE2,
    CPR_LIKE_SEPARATORS,
    CPR_MASK,
    CPR_THOUSANDS,
    CPR_THOUSANDS_RE2,
    DIGIT_LIKE,
    danish_today,
    masked_cpr,
)

# ---------------------------------------------------------------- CPR


def compact_cpr(number: object) -> str:
    """Remove spaces and hyphens. A number (not text) is read as a CPR that a
    spreadsheet stored as a number, and left-padded with zeros to ten digits."""
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if isinstance(number, int) and not isinstance(number, bool):
        return f"{number:010d}"
    number = str(number)
    if _PLAIN_CPR.fullmatch(number):  # nearly always: what stdnum's compact makes of it, without its Unicode pass
        return number.replace(" ", "").replace("-", "")
    return _cpr.compact(number)


#: digits 0-9, spaces and hyphens only: compacting such a number removes the spaces and hyphens
_PLAIN_CPR = re.compile(r"[0-9 \-]*")


def is_valid_cpr(number: object) -> bool:
    """True when ``number`` is a valid CPR or replacement CPR number: its
    birth date exists and is not after Denmark's today (stdnum's rule, on
    Denmark's clock: stdnum's own check takes the machine's day, and a machine
    on UTC, or further west, judged a child born today in Denmark invalid for an
    hour or more after Danish midnight, and one ahead of Denmark a birth date
    of Denmark's tomorrow valid; an attack on 0.9.32)."""
    born = _birth_date(number if isinstance(number, str) else compact_cpr(number))
    return born is not None and born <= danish_today()


@functools.lru_cache(maxsize=1 << 16)
def _birth_date(number: str) -> dt.date | None:
    """The birth date of a CPR number, or of a replacement number's (day +
    60); None where it has no date that exists. Ten digits 0-9 only: a
    circled or superscript digit is a digit to isdigit() but no number to
    int(), and a CPR cell of them stopped the whole run (an attack on 0.9.23)."""
    text = compact_cpr(number)
    if len(text) != 10 or not (text.isascii() and text.isdigit()):
        return None
    return cpr_birth_date(text)


def validate_cpr(number: object) -> str:
    """Return the compact CPR number, or raise ``ValueError``."""
    if not is_valid_cpr(number):
        raise ValueError(f"not a valid CPR number: {mask_cpr(number)}")
    return compact_cpr(number)


def mask_cpr(number: object) -> str:
    """``DDMMYY-xxxx``: the birth date kept, the sequence number hidden."""
    return masked_cpr(compact_cpr(number))


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


def _cvr_or_blank(value: str) -> str:
    value = ascii_digits(value)
    return compact_cvr(value) if is_valid_cvr(value) else ""


def cpr_birth_year(compact: str) -> int:
    """The birth year of ten digits 0-9 by the 7th digit, as ``stdnum.dk.cpr`` and :func:`valid_cpr_mask`
    read it (29.02.00 of a 1900 number is no date, of a 2000 number one)."""
    yy, seventh = int(compact[4:6]), int(compact[6])
    if seventh in (5, 6, 7, 8) and yy >= 58:
        return 1800 + yy
    if seventh in (0, 1, 2, 3) or (seventh in (4, 9) and yy >= 37):
        return 1900 + yy
    return 2000 + yy


def cpr_birth_date(compact: str) -> dt.date | None:
    """The birth date ten digits 0-9 name, the century by :func:`cpr_birth_year` and day + 60 read as a
    replacement number's; None where no such day exists."""
    day = int(compact[:2])
    try:
        return dt.date(cpr_birth_year(compact), int(compact[2:4]), day - 60 if day > 60 else day)
    except ValueError:
        return None


def cpr_born_later(compact: str) -> bool:
    """Whether ten digits 0-9 name a birth date that exists but lies after Denmark's today."""
    born = cpr_birth_date(compact)
    return born is not None and born > danish_today()


def valid_cpr_mask(numbers: object) -> np.ndarray:
    """Whole-column :func:`is_valid_cpr` for compact numbers (the same rules:
    stdnum's century from the 7th digit, no future birth dates, replacement
    numbers with day + 60). Only ten digits 0-9 can be valid."""
    arr = arrow_text(numbers)
    ok = pc.fill_null(pc.match_substring_regex(arr, r"^[0-9]{10}$"), False).to_numpy(zero_copy_only=False).copy()
    if not ok.any():
        return ok
    number = pc.cast(arr.filter(pa.array(ok)), pa.int64()).to_numpy()  # DDMMYYSSSS as one number
    day, month, yy, d7 = number // 10**8, number // 10**6 % 100, number // 10**4 % 100, number // 1000 % 10
    year = np.where(
        np.isin(d7, (5, 6, 7, 8)) & (yy >= 58),
        1800 + yy,
        np.where(np.isin(d7, (0, 1, 2, 3)) | (np.isin(d7, (4, 9)) & (yy >= 37)), 1900 + yy, 2000 + yy),
    )
    day = np.where(day > 60, day - 60, day)
    good = (month >= 1) & (month <= 12) & (day >= 1)
    safe_month = np.clip(month, 1, 12)
    first = (year - 1970) * 12 + (safe_month - 1)
    month_start = first.astype("datetime64[M]").astype("datetime64[D]")
    month_len = ((first + 1).astype("datetime64[M]").astype("datetime64[D]") - month_start).astype(np.int64)
    good &= day <= month_len
    born = month_start + (np.clip(day, 1, 31) - 1).astype("timedelta64[D]")
    good &= born <= np.datetime64(danish_today(), "D")
    ok[ok] = good
    return ok


def ascii_digits(text: str) -> str:
    """Digits of any script (fullwidth ``６``, Arabic-Indic ``٦`` …) as 0-9, so
    a number is the same number however it was typed."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def cpr_column(values: pd.Series) -> pd.Series:
    """Compact valid CPR numbers (digits 0-9); blank where the value is not a
    valid CPR. Digits of any script are read as 0-9, then the value is what
    :func:`compact_cpr` and :func:`is_valid_cpr` make of it.

    Each distinct value is checked once. One of digits 0-9, spaces and
    hyphens only (nearly all) is compacted and checked whole-column; any other
    goes through the scalar functions (stdnum) one by one."""
    codes, mapped = cpr_codes(values)
    out = mapped[codes] if len(mapped) else np.empty(0, dtype=object)
    return pd.Series(out, index=values.index, dtype=object, copy=False)


def cpr_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cpr_column` as each row's code into the distinct cells and
    what each of those is (Python strings), for a caller that works on the
    distinct numbers (the grants' keys) without finding them again."""
    codes, arr = _distinct_cells(values)
    return codes, cprs_of_cells(arr)


def cprs_of_cells(arr: pa.Array) -> np.ndarray:
    """:func:`cpr_column` of cells held in arrow that are distinct already
    (no null among them), each read once: what each is, as Python strings."""
    return _cprs_and_keys(arr)[0]


def cpr_keys(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cpr_column` as Python strings, and each number as an integer
    (0 where blank: what ``digits_key`` makes of it), each distinct value
    read once and its integer read from arrow, not from the strings."""
    codes, arr = _distinct_cells(values)
    mapped, keys = _cprs_and_keys(arr)
    if len(mapped) == 0:
        return np.empty(0, dtype=object), np.zeros(0, dtype=np.int64)
    return mapped[codes], keys[codes]


def _cprs_and_keys(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    mapped = np.full(len(arr), "", dtype=object)
    keys = np.zeros(len(arr), dtype=np.int64)
    if len(arr):
        plain = pc.match_substring_regex(arr, r"^[0-9 \-]*$").to_numpy(zero_copy_only=False)
        idx = np.flatnonzero(plain)
        compact = pc.replace_substring(pc.replace_substring(arr.take(pa.array(idx)), " ", ""), "-", "")
        ok = valid_cpr_mask(compact)
        valid = compact.filter(pa.array(ok))  # ten digits 0-9 each
        mapped[idx[ok]] = valid.to_numpy(zero_copy_only=False)
        keys[idx[ok]] = pc.cast(valid, pa.int64()).to_numpy(zero_copy_only=False)
        other = np.flatnonzero(~plain)
        for k, value in zip(other, arr.take(pa.array(other)).to_pylist(), strict=True):
            mapped[k] = _cpr_or_blank(value)
            keys[k] = int(mapped[k]) if _KEY_DIGITS.fullmatch(mapped[k]) else 0
    return mapped, keys


#: what a join key is made of (as ``digits_key`` reads a number)
_KEY_DIGITS = re.compile(r"[0-9]{1,18}")


def _distinct_cells(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """The cells of ``values`` as ``values.fillna("").astype(str)`` reads
    them, as each row's code into the distinct cells (arrow text): text held
    in arrow stays there, and only the few cells the scalar functions read
    become Python strings."""
    encoded = pc.dictionary_encode(pc.fill_null(arrow_text(values.fillna("").astype(str)), ""))
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary


def _cpr_or_blank(value: str) -> str:
    value = ascii_digits(value)
    return compact_cpr(value) if is_valid_cpr(value) else ""


def cvr_column(values: pd.Series) -> pd.Series:
    """Compact valid CVR numbers; blank where the value is not a valid CVR.

    Each distinct value is checked once. One that is already compact (eight
    digits 0-9, the first not 0; nearly all) is checked whole-column with the
    modulus 11 above; any other goes through :func:`is_valid_cvr` (stdnum), so
    prefixes, separators and digits of other scripts are read as one by one."""
    codes, mapped = cvr_codes(values)
    out = mapped[codes] if len(mapped) else np.empty(len(values), dtype=object)
    return pd.Series(out, index=values.index, dtype=object, copy=False)


def cvr_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cvr_column` as each row's code into the distinct cells and
    what each of those is (see :func:`cpr_codes`)."""
    codes, arr = _distinct_cells(values)
    mapped = np.full(len(arr), "", dtype=object)
    if len(arr):
        plain = pc.fill_null(pc.match_substring_regex(arr, _CVR_PLAIN_RE2), False).to_numpy(zero_copy_only=False)
        if plain.any():
            idx = np.flatnonzero(plain)
            compact = pc.utf8_slice_codeunits(arr.take(pa.array(idx)), -8)  # the prefix goes, as stdnum's compact
            number = pc.cast(compact, pa.int64()).to_numpy()
            digits = number[:, None] // 10 ** np.arange(7, -1, -1) % 10
            ok = (digits @ np.array(_CVR_WEIGHTS, dtype=np.int64)) % 11 == 0
            mapped[idx[ok]] = compact.filter(pa.array(ok)).to_numpy(zero_copy_only=False)
        other = np.flatnonzero(~plain)
        for k, value in zip(other, arr.take(pa.array(other)).to_pylist(), strict=True):
            mapped[k] = _cvr_or_blank(value)
    return codes, mapped


#: a CVR number as written by a system: eight digits 0-9, the first not 0, maybe after DK
_CVR_PLAIN_RE2 = r"^(?:DK|dk|Dk|dK)?[1-9][0-9]{7}$"
_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def shown_path(path: str | os.PathLike) -> str:
    """A file's path as the run's record shows it (``run.json``, the journal):
    CPR numbers masked, and bytes of a name that is not UTF-8 (which Python
    holds as surrogate escapes, and no UTF-8 file can hold) written ``\\xff``."""
    return mask_cpr_text(utf8_path(path))


def utf8_text(text: str) -> str:
    """``text`` as UTF-8 can hold it: the surrogate escapes of a file name
    that is not UTF-8 written as their bytes, ``\\xff`` (the text itself,
    nearly always)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def utf8_path(path: str | os.PathLike) -> str:
    """A path as UTF-8 can hold it: the bytes of a name that is not UTF-8
    (which Python holds as surrogate escapes) written ``\\xff``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def refuse_cpr_in_file_name(path: str | os.PathLike, option: str | None = None) -> None:
    """Refuse a file (a journal, a control sheet) whose path reads as holding
    a CPR number: it is named again later (in the journal, in the command to
    run next), and only ever masked, as a file that does not exist."""
    where = str(Path(path).resolve())
    if mask_cpr_text(where) != where:
        raise InputError(
            mask_cpr_text(where),
            option,
            "holds what reads as a CPR number; choose a file name (and a folder) without one",
        )


def is_utf8_path(path: str | os.PathLike) -> bool:
    """Whether a path's name is UTF-8 text (a folder or journal the run names
    again later must be: it is stored as written)."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


#: the characters :data:`~invoicekit.vocabulary.DIGIT_LIKE` names, as the digits NFKC makes them
_AS_DIGITS = str.maketrans(
    {c: unicodedata.normalize("NFKC", c) for c in map(chr, range(0x2500)) if re.fullmatch(f"[{DIGIT_LIKE}]", c)}
)


#: an OPUS PSP element (``XG-5385001080-00002``: two capitals, ten digits and a number, dashed):
#: the municipality's own cost object, from its support sheet, never a person's number, though its
#: ten digits may read as a birth date (``XG-0306190114-00001``). Shown as it is only in a column
#: of PSP elements (:func:`mask_unless_psp`), never in a text: 0.9.22 kept one after the words
#: "PSP-element " in any text, and three reviews of 0.9.23 put a CPR number there in clear through
#: those words (an invoice number ``PSP-element DK-1212814011-1``, the robot's whole phrase "…, art
#: 12345678." typed into a cell, digits after the element joining its last ones into one). In a
#: text it is masked as any number: the robot's note may say ``XG-030619-xxxx-00001``, and the
#: decision's ``psp_element`` column shows the element
_PSP_SHAPE = r"[A-Z]{2}-[0-9]{10}-[0-9]{1,5}"


#: a whole cell of a PSP element's shape (RE2), or of several joined by ``;`` (a collective invoice's decision
#: names each line's: masked whole as no element's shape, two real elements were shown as none OPUS has,
#: an attack on 0.9.39)
_PSP_CELL_RE2 = rf"^{_PSP_SHAPE}(?:;{_PSP_SHAPE})*$"
_PSP_CELL = re.compile(rf"{_PSP_SHAPE}(?:;{_PSP_SHAPE})*")


def psp_shaped(text: object) -> bool:
    """Whether a cell is, whole, of a PSP element's shape (``XG-0306190114-00001``), or several joined by
    ``;`` (a collective invoice's: :data:`_PSP_CELL_RE2`)."""
    return isinstance(text, str) and _PSP_CELL.fullmatch(text) is not None


def mask_unless_psp(cells: object) -> pa.Array:
    """A column of the support sheet's PSP elements as people read it: a cell
    of a PSP element's shape as it is (its ten digits may read as a birth
    date), any other cell masked (a CPR number pasted into the sheet's PSP
    column is no PSP element: a review)."""
    arr = pc.fill_null(arrow_text(cells, pa.large_string()), "")
    masked = mask_cprs_in_arrow(arr)
    if masked is arr:
        return arr
    return pc.if_else(pc.match_substring_regex(arr, _PSP_CELL_RE2), arr, masked)


def mask_cpr_text(text: str) -> str:
    """Mask every valid CPR number in free text, e.g. a CPR typed in the wrong
    column and echoed in a message: in any form :data:`CPR_LIKE` reads as one,
    also with characters a reader does not see among its digits (those are
    dropped with the number they hid in; elsewhere the text is as it was), and
    a birth date written as a date (:data:`CPR_DATED`). A PSP element whose
    digits read as one is masked too (see :data:`_PSP_SHAPE`)."""
    if not text or not any(ch.isdigit() for ch in text):
        return text

    def masked(birth: str, sequence: str) -> str | None:
        birth = ascii_digits(birth.translate(_AS_DIGITS))
        return birth + CPR_MASK if is_valid_cpr(birth + ascii_digits(sequence.translate(_AS_DIGITS))) else None

    text = _masked_like(text, lambda m: masked(m[1] + (m[2] or m[3]) + m[4], m[5]))
    # a birth date written as a date, and one with a pair apart, in the text as written (see CPR_DATED),
    # but for the controls no reader sees between its digits, dots and slashes: where a date so
    # read is masked, the text without them (they would close up in a workbook)
    dated = lambda t: CPR_DATED.sub(  # noqa: E731 (the day and the month may have one digit: 1.2.85-1234)
        lambda m: masked(m[1].rjust(2, "0") + m[2].rjust(2, "0") + m[3], m[4]) or m[0], t
    )
    closed = _UNSEEN_SPACES_AMONG_DIGITS.sub("", text) if _UNSEEN_SPACES.search(text) else text
    masked_closed = dated(closed)
    text = masked_closed if closed is text or masked_closed != closed else dated(text)
    text = CPR_APART.sub(
        lambda m: masked(re.sub("[^0-9]", "", m[1] or m[3]), re.sub("[^0-9]", "", m[2] or m[4])) or m[0], text
    )
    text = CPR_THOUSANDS.sub(lambda m: masked(m[1] + m[3] + m[4][:2], m[4][2:] + m[5]) or m[0], text)
    return _masked_grouped(text, masked)


def _masked_grouped(text: str, masked: Callable[[str, str], str | None]) -> str:
    """``text`` with each run of :data:`CPR_GROUPED` that is ten digits, no
    digit joined to it, no decimals after it, and a valid CPR number, masked."""
    out, at = [], 0
    for m in CPR_GROUPED.finditer(text):
        digits = [ch for ch in m[0] if _IS_DIGIT(ch)]
        if len(digits) != 10 or _DECIMALS_AFTER.match(text, m.end()) or _year_apart(m[0]):
            continue
        shown = masked("".join(digits[:6]), "".join(digits[6:]))
        if shown is not None:
            out += [text[at : m.start()], shown]
            at = m.end()
    return "".join([*out, text[at:]]) if out else text


def _year_apart(run: str) -> bool:
    """Whether a run's fifth to eighth digits stand alone, as a group of
    their own, and read as a year 1900-2099 (``0101-2019-12``, ``01 03 2019
    - 31``): a date and a number, not a CPR number's birth year of two digits."""
    at = 0
    for group in _DIGIT_GROUP.findall(run):
        if at == 4 and len(group) == 4:
            return ascii_digits(group.translate(_AS_DIGITS))[:2] in ("19", "20")
        at += len(group)
    return False


_IS_DIGIT = re.compile(f"[\\d{DIGIT_LIKE}]").fullmatch
_DIGIT_GROUP = re.compile(f"[\\d{DIGIT_LIKE}]+")
#: an amount's decimals right after a number (``1 234 567 890,00``)
_DECIMALS_AFTER = re.compile(r"[.,]\d")


def mask_as_shown(text: object) -> str:
    """``text`` with its spaces and line breaks closed up, then masked: as a
    browser, a wrapped chart label or a cell on one line shows it. Masking
    reads a line break between the pairs of a birth date (``15⏎0587-9898``)
    as two lines; shown closed up, it is one number."""
    return mask_cpr_text(" ".join(str(text).split()))


def quoted(value: object) -> str:
    """A value as an error message quotes it (``repr``), masked first: quoted
    as ``repr`` writes it, a soft hyphen, a zero-width space or a line break
    inside a CPR number became ``\\xad``, ``\\u200b`` or ``\\n``, which the
    masking of the message afterwards did not read as part of the number."""
    if isinstance(value, dt.date | dt.time):  # a TOML date or time: as people write it, not as Python's repr
        kind = (
            "a date and time"
            if isinstance(value, dt.datetime)
            else "a date"
            if isinstance(value, dt.date)
            else "a time"
        )
        return f"{value.isoformat()} ({kind}, not a text)"
    if not isinstance(value, str):  # a number or True stays one to read, as repr shows it
        shown = mask_cpr_text(repr(value))  # a list of 30,000 CVR numbers is cut too (a review)
        return shown if len(shown) <= QUOTED_CHARS else shown[:QUOTED_CHARS] + f"… ({len(shown):,} characters)"
    masked = mask_cpr_text(value)
    if len(masked) > QUOTED_CHARS:  # a 100,000-character invoice number made a 100 kB error line
        return repr(masked[:QUOTED_CHARS]) + f"… ({len(value):,} characters)"
    return repr(masked)


#: the most characters of a value an error message quotes
QUOTED_CHARS = 200


#: beside :data:`~invoicekit.vocabulary.CPR_INVISIBLE`, every combining and
#: enclosing mark and format character: the invoice key removes them (a mark
#: over a digit is read as the digit; Python's ``re`` has no ``\p{Mn}``)
_MARKS = frozenset(("Mn", "Me", "Cf"))
#: the controls Python counts as white space but a line break or a tab (the vertical tab and form
#: feed, the file, group, record and unit separators): no reader sees them apart, and a workbook
#: or a letter cannot hold them, so the writers drop them and the digits around one close up.
#: Masking reads past them as it reads past the other controls (a PII scan of 0.9.16 found
#: ``1410813\x0b590`` in a workbook as 1410813590)
_UNSEEN_SPACES = re.compile("[\x0b\x0c\x1c-\x1f]")
#: such controls between the parts of a dated form (digits, ``.``, ``/``, ``_`` and the dashes)
_PARTS = "\\d./_" + CPR_LIKE_SEPARATORS.removeprefix("\\s")  # a class: the dashes are escaped there
_UNSEEN_SPACES_AMONG_DIGITS = re.compile(f"(?<=[{_PARTS}])[\x0b\x0c\x1c-\x1f]+(?=[{_PARTS}])")


def _unseen(ch: str) -> bool:
    """Whether masking reads past ``ch`` (a reader does not see it apart)."""
    category = unicodedata.category(ch)
    return category != "Cn" and (
        category in _MARKS or CPR_INVISIBLE.match(ch) is not None or _UNSEEN_SPACES.match(ch) is not None
    )


def _masked_like(text: str, masked: Callable[[re.Match], str | None]) -> str:
    """``text`` with each match of :data:`CPR_LIKE` that ``masked`` masks
    (None: left as it is), read as a person sees it."""
    if (
        not CPR_INVISIBLE.search(text)
        and not _UNSEEN_SPACES.search(text)
        and not any(unicodedata.category(ch) in _MARKS for ch in text)
    ):
        return CPR_LIKE.sub(lambda m: masked(m) or m[0], text)
    # read as a person sees it, each match put back where its characters stood
    # (a code point Unicode has not assigned yet is not hidden: RE2, which finds
    # the cells worth this, may know another version of Unicode)
    kept = [i for i, ch in enumerate(text) if not _unseen(ch)]
    seen = "".join(text[i] for i in kept)
    out, at = [], 0
    for m in CPR_LIKE.finditer(seen):
        shown = masked(m)
        if shown is not None:
            start, end = kept[m.start()], kept[m.end() - 1] + 1
            out += [text[at:start], shown]
            at = end
    return "".join([*out, text[at:]])


def may_hold_cpr(cells: pa.Array | pa.ChunkedArray, also: str | None = None) -> pa.BooleanArray:
    """The text cells that may hold what :func:`mask_cpr_text` masks (False
    for a null): where :data:`CPR_LIKE_RE2` or :data:`CPR_GROUPED_RE2` (or
    :data:`CPR_THOUSANDS_RE2`) matches, each its own pass (RE2 lets go of the interpreter). ``also``: a
    pattern (RE2) whose cells count too, looked for in the first pass (at
    little more than its cost, where a pass of its own costs as much again). A small column asks RE2
    only of texts it has not seen (:func:`~invoicekit.texts.matches_regex`): arrow compiles these patterns
    anew for every call, 13 ms however few the cells."""
    found = matches_regex(cells, CPR_LIKE_RE2 if also is None else f"{CPR_LIKE_RE2}|{also}")
    grouped = matches_regex(cells, f"{CPR_GROUPED_RE2}|{CPR_THOUSANDS_RE2}")
    return pc.fill_null(pc.or_(found, grouped), False)


def mask_cprs_in(values: pd.Series, objects: np.ndarray | None = None) -> pd.Series:
    """:func:`mask_cpr_text` for a column, once per distinct value; the
    cells that may hold one are found whole-column (RE2). ``objects``: the
    same cells as Python strings, when the caller has them already."""
    text = values.fillna("").astype(str)
    # no copy where the text is held in arrow already
    arr = pa.array(text) if is_arrow_text(text) else pa.array(text.to_numpy(dtype=object), type=pa.large_string())
    # digits of any script, as Python's \d in the pattern that masks
    may_hold = may_hold_cpr(arr).to_numpy(zero_copy_only=False)
    out = text.to_numpy(dtype=object) if objects is None else objects
    if may_hold.any():
        out = out.copy()
        out[may_hold] = map_unique(text[may_hold], mask_cpr_text)
    # the caller's objects are copied, never shared between two columns
    return pd.Series(out, index=values.index, dtype=object, copy=out is objects)


def mask_cprs_in_arrow(cells: pa.Array) -> pa.Array:
    """:func:`mask_cprs_in` for cells held in arrow, arrow out:
    only the cells that may hold a CPR number become Python strings, and
    ``cells`` itself is returned when none may (nearly always, for invoice
    numbers)."""
    # ten digits at least: a cell of fewer than ten bytes holds none, and
    # is not searched (most invoice numbers are shorter)
    long = pc.fill_null(pc.greater_equal(pc.binary_length(cells), 10), False)
    if not pc.any(long).as_py():
        return cells
    found = may_hold_cpr(cells.filter(long))
    if not pc.any(found).as_py():
        return cells
    may_hold = long.to_numpy(zero_copy_only=False).copy()
    may_hold[may_hold] = found.to_numpy(zero_copy_only=False)
    may_hold = pa.array(may_hold)
    masked = map_unique(pd.Series(cells.filter(may_hold).to_pylist(), dtype=object), mask_cpr_text)
    return pc.replace_with_mask(cells, may_hold, pa.array(masked, type=cells.type))
