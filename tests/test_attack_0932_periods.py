"""An attack on 0.9.31: invoices whose period the robot reads wrongly from the free text and then posts
for a month the invoice is not for (robot-spec.md, "Period from text": "exactly one such period,
else none"; README, "Where the spec leaves room", *Periods*). Each test failed on that version.

Every case: a one-citizen invoice, period columns blank, a monthly grant of 30,000 kr. from
1 January 2019, amount 30,000 kr. The robot posts it for March 2019 (``SEL108
01.03.2019-31.03.2019 G1``) although the text also names February or part of April. The
row-by-row reference (tests/reference.py, ``text_periods``) makes the same mistake, so the
equivalence tests cannot see it."""

from __future__ import annotations

import pytest

from tests.test_attack_0932_equivalence import fast, grant, invoice


def _decided(text: str):
    return fast([invoice(period_start="", period_end="", text=text, amount="30000,00")], [grant()]).iloc[0]


@pytest.mark.parametrize(
    "text",
    [
        "Døgnophold 01-02-19 - 28-02-19, faktureret marts 2019",  # a February stay, invoiced in March
        "Døgnophold 1-2-19 - 28-2-19, faktureret marts 2019",
        "Ophold marts 2019, udflyttet 15-03-19",  # moved out mid-March
    ],
)
def test_dashed_dates_with_two_digit_year_beside_a_month(text):
    """User sees: an invoice whose text reads "Døgnophold 01-02-19 - 28-02-19, faktureret marts
    2019" (February's stay, invoiced in March) is POSTED for 01.03.2019-31.03.2019; February is
    then still open to be paid again and March is marked paid. Written with dots
    ("01.02.19 - 28.02.19") or slashes the same invoice goes to manual (MISSING_PERIOD), and so does
    "udflyttet 15.03.19", while "udflyttet 15-03-19" is posted as all of March.

    Should see: manual, MISSING_PERIOD, as for the dotted form. README, Periods: days no month or
    year follows, "a day and a month in digits, no year or two of it (`15.4.`, `15.04`, `1/4`,
    `15.04.19`)", give no period; the spec itself lists `-` as a date separator beside `.` and `/`
    (`01-03-2019`), and `names_no_one_period`/`_DIGIT_DATE` already read `15-03-19` as a date for
    invoice lines.

    Cause: invoicekit/parsing.py `_LOOSE_DAYS` (third alternative `\\d{1,2}[./]\\d{1,2}(?:[./]\\d{2})?`,
    and `_LOOSE_DAYS_RE2` alike) knows only `.` and `/`, so `_loose_days` misses a dashed date with a
    two-digit year, and `_MONTH_BEFORE_MONTH` only sees it when a joiner links it to the month;
    tests/reference.py `text_periods` copies the same pattern."""
    d = _decided(text)
    assert d["status"] == "manual" and d["reason"] == "MISSING_PERIOD", (d["status"], d["message"])


@pytest.mark.parametrize("text", ["Døgnophold marts 2019 + 1-5 april", "Døgnophold marts 2019 inkl. 1-5. april"])
def test_day_range_without_dot_before_a_month_name(text):
    """User sees: "Døgnophold marts 2019 + 1-5 april" (March and the first five days of April) is
    POSTED as March alone (01.03.2019-31.03.2019), the April days unpaid-for but billed in the
    amount. "marts 2019 + 1.-5. april" and "marts 2019 + 1 - 5 april" both go to manual.

    Should see: manual, MISSING_PERIOD. README, Periods: "since 0.9.29 a month name ... joined to
    another month name, to a day of a range or a named day" gives no period (`marts og 1.-15. april
    2019`), as does a day before a month name without a year (`1. april - 15. april`); the spec: exactly
    one period, else none.

    Cause: invoicekit/parsing.py `_YEARLESS_DAY` starts with `_DAY_AT`, whose look-behind
    `(?<!\\d[.,/-])` (meant for `2019-04-15 april 2019`) refuses the `5` after `1-`, and `_DAY_AFTER`
    in `_MONTH_BEFORE_MONTH` wants a dot after the first day; tests/reference.py alike."""
    d = _decided(text)
    assert d["status"] == "manual" and d["reason"] == "MISSING_PERIOD", (d["status"], d["message"])


def test_a_range_with_an_impossible_date_is_dropped_and_the_other_month_posted():
    """User sees: "Døgnophold 01.02.2019 - 29.02.2019. Faktureret marts 2019" (a February stay,
    its end mistyped as 29 February in a year that has none) is POSTED for March 2019. With the
    end written 28.02.2019 the same text is manual (two periods), so a typo turns a manual invoice
    into a payment of the wrong month.

    Should see: manual (MISSING_PERIOD): the text names a period beside March, and the spec asks for
    "exactly one such period, else none"; README (invoice lines): a date in digits "may be none
    (`01.04.2019 - 31.04.2019`)" and still says something of the period. A range that cannot be read
    is no license to take the other one.

    Cause: invoicekit/parsing.py `_periods_and_named_days` `continue`s past a `_RANGE` match whose
    date does not exist (ValueError), so only `marts 2019` is found; tests/reference.py `text_periods`
    suppresses the ValueError the same way."""
    d = _decided("Døgnophold 01.02.2019 - 29.02.2019. Faktureret marts 2019")
    assert d["status"] == "manual" and d["reason"] == "MISSING_PERIOD", (d["status"], d["message"])


@pytest.mark.parametrize(
    "text", ["Døgnophold februar 19. Faktureret marts 2019", "Døgnophold marts 2019, efterregulering februar 19"]
)
def test_a_month_with_a_two_digit_year_is_a_second_period(text):
    """User sees: "Døgnophold februar 19. Faktureret marts 2019" is POSTED for March 2019, though the
    stay named is February ('19).

    Should see: manual (MISSING_PERIOD). Spec: "a Danish month name with a year ... exactly one such
    period, else none": `februar 19` is a Danish month name with a year (two digits, as the README
    counts `15.04.19` as saying something of the period), so the text names two periods; at the
    least it names something of the period and gives no one period.

    Cause: invoicekit/parsing.py `_MONTH` (and `_MONTH_BEFORE_MONTH`, whose joiners do not include a
    year) read only a four-digit year, so `februar 19` is invisible and `marts 2019` is the one
    period; tests/reference.py alike."""
    d = _decided(text)
    assert d["status"] == "manual" and d["reason"] == "MISSING_PERIOD", (d["status"], d["message"])
