"""A third review of 0.9.33's mend of the periods read from free text (a helper's fuzz, kept as it found
the faults): an ordinal with a Turkish i stopped a whole run with a KeyError, NFC of the whole text let the
fast path and Python part ways, more ranges of months in digits and ordinals with ``kvt.`` or ``halvår 2``
paid March, and a range of compact dates (``20190201-20190228``, so in 0.9.32 too) paid the month beside
it. Each failed on the mend as reviewed and passes since."""

from __future__ import annotations

import datetime as dt

import pytest

from invoicekit.parsing import period_in_text
from tests.test_attack_0933_periods import (
    _all_three,
    _fast,
    _held_not_posted_as_march,
    _march_line,
    _one_invoice,
    _posted_march,
    _ref,
)

# ---------------------------------------------------------------- 1. "sidste" with a Turkish i: a KeyError stops the run

SIDSTE = [
    "DØGNOPHOLD SİDSTE KVARTAL 2018, FAKTURERET MARTS 2019",  # "sidste".upper() in a Turkish locale
    "Døgnophold sıdste kvartal 2018, faktureret marts 2019",
    "Ophold sıdste halvår 2018, faktureret marts 2019",
]


@pytest.mark.parametrize("text", SIDSTE)
def test_sidste_with_a_turkish_i_neither_raises_nor_pays_march(text):
    """_QUARTER/_HALF match ``sidste`` with IGNORECASE, which lets ``ı``/``İ`` match ``i``; months_named then
    looks up ``m["q_word"].casefold()`` (``'sıdste'``, ``'si̇dste'``) in ``{**_ORDINALS, "sidste": 4}``: a
    KeyError, in the fast path, Python and the reference alike (the reference's ORDINALS lookup too).
    Now: KeyError from all three. Should: no exception, and no period (the text names Q4 / H2 2018)."""
    assert _all_three(text) == (None, None, None)


def test_a_turkish_i_in_sidste_does_not_stop_a_whole_run():
    """End to end: one invoice with such a text makes ``decide`` raise for the whole batch."""
    r = _one_invoice(SIDSTE[1])
    _held_not_posted_as_march(r)


# ---------------------------------------------------------------- 2. fast path: RE2 prefilter reads the raw text, Python its NFC

NFC_ONLY = [
    # PERİODE with its İ decomposed (I + U+0307): RE2's per[iİı]ode sees I then U+0307, Python's NFC sees İ
    "Ophold marts 2019, PERI\u0307ODE 201902",
    # a letter NFC splits into letter + mark (U+0958, a composition exclusion): RE2 sees a letter before
    # februar, Python (after NFC) a mark, so februar is a month
    "Ophold \u0958februar, faktureret marts 2019",
]


@pytest.mark.parametrize("text", NFC_ONLY)
def test_fast_path_agrees_with_python_where_nfc_changes_the_text(text):
    """months_named normalised the whole text to NFC; _NAMES_TWO_MONTHS_RE2 / _LOOSE_DAYS_RE2 match the raw
    text, so a text whose second month appeared only after NFC was never sent to Python: Python and the
    reference gave none, the fast path March. Only an å written as a and a ring is composed now, as the
    patterns read it, and the three agree (contrived texts: what they agree on matters less than that they
    agree)."""
    assert _fast(text) == period_in_text(text) == _ref(text)


# ---------------------------------------------------------------- 3. ranges of months in digits not read at all

DIGIT_RANGES = [
    "Ophold 2019-01/2019-02, faktureret marts 2019",  # ISO 8601's own interval notation
    "Ophold 2019/01-2019/02, faktureret marts 2019",
    "Ophold 01-2019-02-2019, faktureret marts 2019",  # the README's 2-2019, joined by a dash
    "Ophold 2019-01-2019-02, faktureret marts 2019",
]


@pytest.mark.parametrize("text", DIGIT_RANGES)
def test_more_ranges_of_months_in_digits_give_no_period(text):
    """_MONTH_IN_DIGITS reads ``01/2019-02/2019`` and ``2019-01 - 2019-02`` but neither end of these: the
    dash after the first end is allowed only before a ``MM/YYYY``/``MM.YYYY`` second end, and the second end
    only after ``[/.]YYYY-``. No month is named but March; all three pay the January-February stay as
    March. Should: no period."""
    assert _all_three(text) == (None, None, None)


@pytest.mark.parametrize("text", ["Ophold 2019-01/2019-02", "Ophold 2019/01-2019/02", "Ophold 01-2019-02-2019"])
def test_a_line_with_such_a_range_is_not_the_invoices_march(text):
    """End to end: the line (blank period cells) of a collective invoice for March 2019 is posted as March."""
    assert _posted_march(_march_line(text)) == 0


# ---------------------------------------------------------------- 4. quarters and half years in forms next to the read ones

QUARTER_FORMS = [
    "Døgnophold fjerde kvt. 2018, faktureret marts 2019",  # 4. kvt. 2018 and fjerde kvartal 2018 are read
    "Døgnophold halvår 2 2018, faktureret marts 2019",  # kvartal 4 2018 is read, halvår 2 is not
]


@pytest.mark.parametrize("text", QUARTER_FORMS)
def test_an_ordinal_with_kvt_or_a_half_years_number_after_names_its_months(text):
    """_QUARTER's word ordinals want ``kvartal`` (not ``kvt.``), and _HALF has no ``halvår N`` as _QUARTER
    has ``kvartal N``: all three pay the 2018 stay as March 2019. Should: no period."""
    assert _all_three(text) == (None, None, None)


# ---------------------------------------------------------------- 5. compact dates (YYYYMMDD, as e-invoices and SAP export them)


def test_a_range_of_compact_dates_beside_a_month_gives_no_period():
    """``20190201-20190228`` (dates as exports write them) was read neither as a period nor as a month named:
    the February stay was paid as March by all three readings (so in 0.9.32 too). A range of them is now
    loose days, as a range of ISO dates is: no period. A single compact date stays a number."""
    text = "Ophold 20190201-20190228, faktureret marts 2019"
    assert _all_three(text) == (None, None, None)
    alone = "Faktura 20190305 marts 2019"
    march = (dt.date(2019, 3, 1), dt.date(2019, 3, 31))
    assert (period_in_text(alone), _fast(alone), _ref(alone)) == (march, march, march)
