"""A fourth review of 0.9.29's month rule, each finding a test: a date of another month before the month
(01.03.2019 til april 2019), a later date written otherwise after it (til den 30.04.2019, 30-04-2019, 2019-04-30),
a capitalised common word after the second month taken for a person's name (April Måned, April Kr.), joiners the
list lacked (other dashes, inkl., til udgangen af), and a Turkish i in a day's month name read apart. Left, and
said in the README: "(og april)", a month in digits (04/2019), and a first name after a surname ("Hansen, Maj -
april 2019", held)."""

from __future__ import annotations

import numpy as np
import pytest

from invoicekit.parsing import period_from_texts, period_in_text
from tests.reference import text_periods


def _column(text: str):
    start, end = period_from_texts(np.array([text], dtype=object))
    return None if np.isnat(start[0]) else (start[0].astype(object), end[0].astype(object))


def _all_three(text: str):
    ref = text_periods(text)
    return period_in_text(text), _column(text), next(iter(ref)) if len(ref) == 1 else None


# ------------------------------------------------------------------ 1. a date BEFORE the month (mirror of the rule)

# README: `marts 2019 til 30.04.2019` (a month, then a date of another month) gives no period. The mirror,
# a date of another month and then the month with its year, is not looked at: April alone is read, for a
# stay from 1 March to the end of April.
DATE_THEN_MONTH = [
    "Ophold 01.03.2019 til april 2019",
    "Ophold fra 01.03.2019 - april 2019",
    "Ophold 1. marts 2019 til april 2019",
    "Ophold fra 1. marts 2019 til og med april 2019",
]


@pytest.mark.parametrize("text", DATE_THEN_MONTH)
def test_a_date_of_another_month_before_the_month_gives_no_one_month(text):
    assert _all_three(text) == (None, None, None), _all_three(text)


# ------------------------------------------------------------------ 2. the month then a date, as Danes write it

# `marts 2019 til 30.04.2019` is refused; a `den` / `d.` before the date (the ordinary Danish "til den 30."), or
# the date written with dashes, slashes or ISO (every other date form the robot reads) lets March through.
MONTH_THEN_DATE = [
    "Ophold marts 2019 til den 30.04.2019",
    "Ophold marts 2019 til d. 30.04.2019",
    "Ophold marts 2019 til den 30. april 2019",
    "Ophold marts 2019 - 30-04-2019",
    "Ophold marts 2019 - 30/04/2019",
    "Ophold marts 2019 - 2019-04-30",
]


@pytest.mark.parametrize("text", MONTH_THEN_DATE)
def test_a_month_joined_to_a_later_date_written_otherwise_gives_no_one_month(text):
    assert _all_three(text) == (None, None, None), _all_three(text)


# ------------------------------------------------------------------ 3. the person rule: any capitalised word

# README: a Capitalised month followed on its line by "a name (a capital and a small letter)" is a person.
# Any capitalised word counts as the name, so a second month followed by Måned, Kr., Beløb or Ophold is
# taken for a person and March alone is read.
NOT_A_PERSON = [
    "Ophold marts 2019 til og med April Måned",
    "Ophold marts 2019 - April Kr. 57.000,00",
    "Ophold marts 2019 - April Beløb 57.000,00",
    "Ophold marts 2019 og April Ophold",
]


@pytest.mark.parametrize("text", NOT_A_PERSON)
def test_a_second_month_before_a_capitalised_common_word_is_no_person(text):
    assert _all_three(text) == (None, None, None), _all_three(text)


# ------------------------------------------------------------------ 4. joiners outside the closed list

# Two months joined by signs and words the closed joiner list lacks: the month with the year is read alone.
OTHER_JOINERS = [
    "Ophold marts ‒ april 2019",  # U+2012 figure dash
    "Ophold marts ― april 2019",  # U+2015 horizontal bar
    "Ophold marts － april 2019",  # U+FF0D full-width hyphen-minus
    "Ophold marts … april 2019",  # ellipsis
    "Ophold marts\\april 2019",
    "Ophold marts → april 2019",
    "Ophold marts 2019 inkl. april",
    "Ophold marts 2019 til ultimo april",
    "Ophold marts 2019 til udgangen af april",
]


@pytest.mark.parametrize("text", OTHER_JOINERS)
def test_two_months_joined_otherwise_give_no_one_month(text):
    assert _all_three(text) == (None, None, None), _all_three(text)


# ------------------------------------------------------------------ 5. the readers disagree (Turkish i)

# _DAY_AFTER (Python, and the reference) matches a month name with a dotless ı / dotted İ under IGNORECASE
# and _months_joined never checks that the day's month name is one: Python refuses. _DAY_AFTER_RE2 uses the
# plain month names, which RE2's (?i) does not match with ı/İ: the text is never sent to Python, and the
# column reads March. period_from_texts must equal period_in_text on every text.
TURKISH_I_DAY = [
    "Ophold marts 2019 til 15. aprıl",
    "Ophold oktober 2018 - 1. julİ",
]


@pytest.mark.parametrize("text", TURKISH_I_DAY)
def test_a_day_before_a_month_name_with_a_turkish_i_is_read_alike(text):
    assert period_in_text(text) == _column(text), (period_in_text(text), _column(text))
