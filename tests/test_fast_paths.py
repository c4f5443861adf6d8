"""The whole-column fast paths against their Python twins, character by
character: where a column is scanned with RE2 (pyarrow) or byte by byte and
only the cells found are handed to Python's logic, every cell Python's logic
would change must be found. RE2's ``\\s``, ``\\d``, ``\\w`` and ``\\b`` are
ASCII only, its case folding is not Python's, and its Unicode tables are not
Python's: each test tries every code point where the question is "which
character". (The CPR masking pattern has its own such test in
tests/test_identifiers.py; the strings, with hypothesis, are tried in the
modules' own test files.)
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.keys import normalise_number, normalise_numbers
from invoicekit.parsing import (
    OTHER_DIGITS_RE2,
    distinct_texts,
    other_digit_texts,
    period_from_texts,
    period_in_text,
)
from invoicekit.vocabulary import MONTHS_DA

#: every code point but the surrogates, as one text (one pass of a Python pattern finds the few it matches)
EVERYTHING = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)


def _periods(texts: list[str]) -> list[tuple | None]:
    start, end = period_from_texts(np.array(texts, dtype=object))
    return [None if np.isnat(s) else (s.astype(object), e.astype(object)) for s, e in zip(start, end, strict=True)]


def test_every_white_space_python_reads_between_the_parts_of_a_period_is_read_whole_column():
    """Python's period patterns join a month name and its year, and a range's
    dates, with ``\\s``: only a character it matches can make a period, so
    every code point is tried whole-column and those it matches in Python."""
    spaces = set(re.findall(r"\s", EVERYTHING))
    # a character that shows nothing (Unicode's Cf) is read past by Python since 0.9.36: between a range's
    # dates and its dash, the range stands
    unseen = {c for c in EVERYTHING if unicodedata.category(c) == "Cf"}
    for make in (lambda c: f"Ophold marts{c}2019", lambda c: f"Ophold 01.03.2019{c}-{c}31.03.2019"):
        texts = [make(c) for c in EVERYTHING]
        found = _periods(texts)
        expected = [period_in_text(t) if c in spaces | unseen else None for c, t in zip(EVERYTHING, texts, strict=True)]
        assert sum(e is not None for e in expected) >= len(spaces) >= 25
        assert [repr(c) for c, f, e in zip(EVERYTHING, found, expected, strict=True) if f != e] == []


def test_every_letter_python_folds_to_a_month_names_letter_is_read_as_the_whole_column_reads_it():
    """A month name written with any character Python's case-insensitive
    match takes for one of its letters (the long s, the Kelvin sign, a dotted
    or dotless i ...): the whole column reads it as Python does, and neither
    raises."""
    variants = {ch: set(re.findall(re.escape(ch), EVERYTHING, re.IGNORECASE)) for ch in set("".join(MONTHS_DA))}
    assert {"\u017f", "\u0131", "\u0130", "\u212a"} <= set().union(*variants.values())
    texts = []
    for name in MONTHS_DA:
        for at, ch in enumerate(name):
            for other in sorted(variants[ch] - {ch}):
                word = name[:at] + other + name[at + 1 :]
                # alone, beside another period, and with a digit Python must read (the text goes to Python)
                texts += [f"Ophold {word} 2019", f"marts 2020 og {word} 2019", f"{word} 2019, \uff16 dage"]
    expected = []
    for t in texts:
        try:
            expected.append(period_in_text(t))
        except ValueError as e:
            expected.append(f"raises {e}")
    assert _periods(texts) == expected


def test_every_letter_python_folds_to_a_letter_of_til_joins_a_range_whole_column_too():
    variants = [ch + "".join(sorted(set(re.findall(re.escape(ch), EVERYTHING, re.IGNORECASE)) - {ch})) for ch in "til"]
    words = sorted({a + b + c for a in variants[0] for b in variants[1] for c in variants[2]})
    assert "t\u0131l" in words and "T\u0130L" in words
    texts = [f"Ophold 01.03.2019 {word} 31.03.2019" for word in words]
    assert _periods(texts) == [period_in_text(t) for t in texts]


def test_every_character_before_a_month_name_is_judged_a_letter_as_python_judges_it():
    """A month name right after a letter is part of another word (Python's
    ``(?<![^\\W\\d_])``); the whole column tells a letter with RE2's
    classes, whose Unicode tables are not Python's: every code point of the
    planes that hold any letter or number (0-3; 4-13 are unassigned, 14 holds
    tags and variation selectors, 15-16 private use) and of plane 14. A
    digit (any Python reads) before it is a day: ``2marts 2019`` is 2 March,
    a date and no period (since 0.9.25); a zero is no day."""
    chars = [c for c in EVERYTHING if ord(c) < 0x40000 or 0xE0000 <= ord(c) < 0xF0000]
    letters = set(re.findall(r"[^\W\d_]", EVERYTHING))
    digits = set(re.findall(r"\d", EVERYTHING))
    assert not letters - set(chars)
    texts = [f"{c}marts 2019" for c in chars]
    march = period_in_text("marts 2019")
    expected = [None if c in letters or (c in digits and int(c)) else march for c in chars]
    assert [period_in_text(t) for t in texts[::331]] == expected[::331]
    assert [repr(c) for c, f, e in zip(chars, _periods(texts), expected, strict=True) if f != e] == []


def test_every_digit_python_reads_outside_0_9_sends_the_text_to_python():
    """The whole-column CPR and period patterns use RE2's ``\\d`` (0-9 only);
    a text with any other digit Python's ``\\d`` reads must be found by
    :data:`OTHER_DIGITS_RE2` and left to Python (RE2's tables may know more
    digits than Python's: those only cost a look in Python)."""
    digits = [c for c in re.findall(r"\d", EVERYTHING) if not "0" <= c <= "9"]
    assert len(digits) > 600
    found = pc.match_substring_regex(pa.array([f"nr. {c}" for c in digits]), OTHER_DIGITS_RE2).to_pylist()
    assert [hex(ord(c)) for c, f in zip(digits, found, strict=True) if not f] == []
    # the byte scan in front of the pattern (a slice, in both kinds of arrow text)
    for kind in (pa.string(), pa.large_string()):
        cells = pa.array(["x", *(f"nr. {c}!" for c in digits), "\u0660"], kind).slice(1, len(digits))
        odd = other_digit_texts(cells)
        assert [hex(ord(c)) for c, f in zip(digits, odd, strict=True) if not f] == []


def test_arrow_trims_exactly_what_python_strips():
    """Blank rows and trimmed cells are found with arrow's
    ``utf8_trim_whitespace`` where pyarrow read the file, with Python's
    ``str.strip`` where pandas did: the two must agree on every code point."""
    cells = [f"{c}{c}x{c}y{c}" for c in EVERYTHING]
    trimmed = pc.utf8_trim_whitespace(pa.array(cells, pa.large_string())).to_pylist()
    assert [hex(ord(c)) for c, t, s in zip(EVERYTHING, trimmed, cells, strict=True) if t != s.strip()] == []
    codes, uniques = distinct_texts(pd.Series([f" {c}x{c} " for c in EVERYTHING[:4096]], dtype="str"), strip=True)
    assert uniques.take(pa.array(codes)).to_pylist() == [f" {c}x{c} ".strip() for c in EVERYTHING[:4096]]


def test_every_ascii_character_in_a_number_is_kept_or_removed_as_python_does():
    """Invoice numbers in ASCII are normalised with arrow (lower case, ASCII
    controls, space and hyphen removed); the rest with Python (NFKC,
    casefold, white space, dashes and invisible characters removed)."""
    ascii_ = [chr(c) for c in range(128)]
    values = [f"A{c}1{c}" for c in ascii_] + [f"{c}" for c in ascii_]
    assert normalise_numbers(values).tolist() == [normalise_number(v) for v in values]
