"""An attack on 0.9.32's periods read from free text (a helper's grammar fuzz, kept as it found the
faults): the fast path and the reference agreed on some 400,000 texts; each test here is a text where both
paid a month the text says is not (only) the invoiced one. Each failed on 0.9.32 and passes since 0.9.33."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import invoicekit as ik
from invoicekit.parsing import period_from_texts, period_in_text
from tests.reference import text_periods
from tests.test_attack_0932_lines import _decide
from tests.test_lines import ANNA, CVR
from tests.test_review_0932_f import _march_invoice_with_line as _march_line


def _fast(text: str):
    """The whole-column reader's period of one text (None for none)."""
    start, end = period_from_texts(np.array([text], dtype=object))
    return None if np.isnat(start[0]) else (start[0].astype(object), end[0].astype(object))


def _ref(text: str):
    """The reference's period of one text (None unless it reads exactly one)."""
    found = text_periods(text)
    return next(iter(found)) if len(found) == 1 else None


def _all_three(text: str):
    """The period of one text by Python, the whole-column reader and the reference."""
    return period_in_text(text), _fast(text), _ref(text)


def _one_invoice(text: str) -> ik.Decisions:
    return _decide([{"invoice_id": "F1", "supplier_cvr": CVR, "amount": "30.000,00", "cpr": ANNA,
                     "period_start": "", "period_end": "", "text": text}])  # fmt: skip


def _posted_march(r: ik.Decisions) -> int:
    p = r.postings
    return int(((p["cpr"] == ANNA) & (p["period_start"] == pd.Timestamp("2019-03-01"))).sum())


def _held_not_posted_as_march(r: ik.Decisions, why: str = "") -> None:
    """Anna's invoice (or a collective invoice's line) is not posted for March: held, MISSING_PERIOD."""
    assert _posted_march(r) == 0, why
    assert r.decisions.iloc[0]["reason"] == "MISSING_PERIOD"


# ---------------------------------------------------------------- 1. a month and its year joined by - / . ,

MONTH_YEAR_JOINED = [
    "Døgnophold februar-2019, faktureret marts 2019",
    "Ophold februar/2019, faktureret marts 2019",
    "Ophold februar.2019, faktureret marts 2019",
    "Ophold februar,2019, faktureret marts 2019",
    "Ophold feb-2019, faktureret marts 2019",
    "Ophold feb.2019, faktureret marts 2019",
]


@pytest.mark.parametrize("text", MONTH_YEAR_JOINED)
def test_a_month_and_its_year_joined_by_a_sign_beside_another_month_gives_no_period(text):
    """``februar-2019`` (as Excel writes a month), ``februar/2019``, ``februar.2019`` is February 2019, yet
    it is neither a period (_MONTH needs white space) nor a blocker (_MONTH_SHORT_NUMBER takes one or two
    digits only, _MONTH_IN_DIGITS digits only): beside ``marts 2019`` the text is read as March. Fast path,
    Python path and reference all give March; should be None (MISSING_PERIOD)."""
    assert _all_three(text) == (None, None, None)


def test_february_stay_written_februar_dash_2019_is_not_paid_as_march():
    """End to end: one citizen, blank period cells, text ``Døgnophold februar-2019, faktureret marts 2019``,
    30.000 kr. = the monthly rate: posted for 01.03.2019-31.03.2019 and March marked paid."""
    r = _one_invoice(MONTH_YEAR_JOINED[0])
    _held_not_posted_as_march(r)


# ---------------------------------------------------------------- 2. a month in digits with a dot or year first

MONTH_IN_DIGITS = [
    "Ophold 02.2019, faktureret marts 2019",
    "Ophold 2.2019 marts 2019",
    "Ophold 2019/02, marts 2019",
    # "Ophold 2019.02 marts 2019" is left out: year first with a dot is more often an amount (2019.10 kr;
    # a review of the first mend), and is not read as a month
    "Periode 201902. Fakturadato marts 2019",
]


@pytest.mark.parametrize("text", MONTH_IN_DIGITS)
def test_a_month_in_digits_written_with_a_dot_or_year_first_beside_a_named_month_gives_no_period(text):
    """README: a month in digits with its year beside a named month gives no period (``02/2019``, ``2-2019``,
    ``2019-02``). The Danish ``02.2019`` / ``2.2019``, and ``2019/02``, ``2019.02``, ``201902`` (OPUS/SAP's
    posting period) are not in _MONTH_IN_DIGITS_RE nor MONTH_IN_DIGITS: March is read. Both sides."""
    assert _all_three(text) == (None, None, None)


@pytest.mark.parametrize("text", ["Ophold 02.2019", "Ophold 2019/02", "Periode 201902"])
def test_a_line_naming_february_in_digits_with_a_dot_is_not_paid_as_the_invoices_march(text):
    """A collective invoice for March; line 1 (blank period cells) says ``Ophold 02.2019``: months_named
    (and the reference's line_months) knows ``02/2019`` but not ``02.2019``, so the line takes the
    invoice's March and Anna's February stay is posted as March. Should be MISSING_PERIOD."""
    r = _march_line(text)
    _held_not_posted_as_march(r, f"line 1 ({text!r}) was posted for March")


# ---------------------------------------------------------------- 3. a month name without year, words between

MONTH_WORDS_APART = [
    "Døgnophold februar, faktureret marts 2019",
    "Ophold februar. Faktureret marts 2019",
    "Ophold for februar - faktura marts 2019",
    "Døgnophold FEBRUAR\nfaktureret marts 2019",
    "Ophold marts 2019, afregning februar",
    "Ophold marts 2019 samt restbeløb for februar",
    "Ophold marts 2019 inkl. efterregulering af februar",
]


@pytest.mark.parametrize("text", MONTH_WORDS_APART)
def test_a_full_month_name_apart_from_the_named_month_gives_no_period(text):
    """A full month name without its year counts on an invoice only when a joiner ties it to the period
    (``februar, marts 2019`` gives none); one word between (``februar, faktureret marts 2019``,
    ``marts 2019, afregning februar``) and the other month is not looked at: March is paid for a February
    stay. On a line the same name is a month (months_named), but a line's own text is read first, so the
    line gets March too. Not the README's bracket case. Both sides."""
    assert _all_three(text) == (None, None, None)


def test_a_february_stay_billed_in_march_is_not_posted_as_march():
    """End to end: ``Døgnophold februar, faktureret marts 2019``, 30.000 kr., blank period cells: posted
    for March."""
    r = _one_invoice(MONTH_WORDS_APART[0])
    _held_not_posted_as_march(r)


def test_a_lines_own_text_naming_february_and_march_is_not_posted_as_march():
    """A collective invoice for March; line 1's text ``Døgnophold februar, faktureret marts 2019``: its own
    text gives March, so it is posted for March though the line names February (months_named says so)."""
    r = _march_line(MONTH_WORDS_APART[0])
    _held_not_posted_as_march(r)


# ---------------------------------------------------------------- 4. lower severity


@pytest.mark.parametrize("text", ["Ophold okt. Faktureret marts 2019", "Døgnophold sept., marts 2019 "])
def test_an_unambiguous_short_month_with_its_dot_beside_a_month_gives_no_period(text):
    """``okt.``, ``sept.``, ``febr.``, ``nov.`` with their dot are no Danish word nor first name (unlike
    ``jan``/``jul``), yet a short name is read only before a number, after a day or joined to a month."""
    assert _all_three(text) == (None, None, None)


@pytest.mark.parametrize("text", ["Ophold 2. kvartal 2019, marts 2019", "Ophold Q4 2018 marts 2019"])
def test_a_quarter_beside_a_month_gives_no_period(text):
    """A quarter names a period of three months (here one that does not even hold March); it is not read
    and March is paid. Lower severity: a quarter's amount seldom fits a monthly rate."""
    assert _all_three(text) == (None, None, None)
