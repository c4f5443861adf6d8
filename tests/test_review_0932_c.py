"""A third review of the 0.9.32 session's mends (a collective invoice's line naming a month, the
period rules, sample control): faults they left open or made. Each test failed on the mends reviewed."""

from __future__ import annotations

import pandas as pd
import pytest

import invoicekit as ik
from tests.test_attack_0932_equivalence import fast, grant, invoice
from tests.test_lines import ANNA


def _collective(line_1_text: str, line_2_text: str = "") -> ik.Decisions:
    """A collective invoice for March 2019 of Anna's and Bo's lines, both with blank period cells (the
    fourth review's, :func:`tests.test_review_0932_d._collective`)."""
    from tests.test_review_0932_d import _collective as march

    return march(line_1_text, line_2_text=line_2_text)


def _anna_posted_for_march(r: ik.Decisions) -> bool:
    p = r.postings
    return bool(((p["cpr"] == ANNA) & (p["period_start"] == pd.Timestamp("2019-03-01"))).any())


@pytest.mark.parametrize("text", ["Døgnophold marts måned 2019", "Ophold marts", "Døgnophold for marts, 2019"])
def test_line_naming_the_invoices_own_month_goes_to_manual(text):
    """User sees: a collective invoice for March 2019 whose line reads "Døgnophold marts måned 2019" (or "Ophold
    marts", "Døgnophold for marts, 2019": the very month and year of the invoice, as suppliers write a line) goes
    to manual, MISSING_PERIOD ("line 1 has no period"); 0.9.31 posted it, for March, rightly.

    Should see: posted, each line for March 2019 (robot-spec.md: a line's blank period cells are "the invoice's
    period"; the README's exception is a text that "says something of its period and gives none": a line naming
    the invoice's own month says nothing else). The mend was for another month named (`Ophold februar` on a March
    invoice); the automation rate pays for every ordinary line that names its month.

    Cause: invoicekit/parsing.py:_names_a_month (called by names_no_one_period, used by
    invoicekit/lines.py:_Plan.batch) counts any month name as "no period", never comparing it with the
    invoice's period it would be given; tests/reference.py text_periods alike."""
    r = _collective(text)
    d = r.decisions.iloc[0]
    assert d["status"] == "posted", (d["status"], d["reason"], d["message"])
    assert _anna_posted_for_march(r)


def test_line_naming_a_citizen_with_a_hyphenated_name_ending_in_a_month_goes_to_manual():
    """User sees: a collective invoice for March whose lines read "Borger: Anne-Maj Jensen" and "Borger: Bo
    Nielsen" (the citizen named on her line, blank period cells) goes to manual, MISSING_PERIOD; before 0.9.32
    it posted for March.

    Should see: posted for March. README, "Collective invoices, line by line" (0.9.32): a month's name as a word
    gives no period, "not a hyphenated first name such as `Maj-Britt`": Anne-Maj is a hyphenated first name too.

    Cause: invoicekit/parsing.py:_names_a_month tests only a hyphenated name that begins with the month
    (_HYPHENATED_NAME matched from the month on), never one whose second part is the month (``Anne-Maj``,
    ``Lise-Maj``); tests/reference.py text_periods alike."""
    r = _collective("Borger: Anne-Maj Jensen", "Borger: Bo Nielsen")
    d = r.decisions.iloc[0]
    assert d["status"] == "posted", (d["status"], d["reason"], d["message"])
    assert _anna_posted_for_march(r)


def test_line_naming_a_citizen_whose_first_name_is_a_month_goes_to_manual():
    """User sees: a collective e-invoice for March whose lines carry no period of their own and name each citizen
    as the synthetic generator writes a line's note ("Borger: August Hansen, ..."; August is a first name of
    faker's da_DK list synthetic/people.py draws from) goes to manual, MISSING_PERIOD; before 0.9.32 it posted,
    each line for the invoice's March. Every collective invoice billing a citizen called August, Maj, Juni or Juli
    by name is now a caseworker's.

    Should see: posted for March: the text names a person and says nothing of a period (robot-spec.md: a line's
    blank period cells are the invoice's period). The README's accepted cost of a month-named citizen is for a
    name standing beside a period (`april 2019, August Jensen`), where two months may be meant; here no period
    is named at all, and before the mend nothing was lost.

    Cause: invoicekit/parsing.py:_names_a_month counts a capitalised month followed by a capitalised name as a
    month (only a hyphenated first name is a person); tests/reference.py text_periods alike."""
    r = _collective("Borger: August Hansen", "Borger: Bo Nielsen")
    d = r.decisions.iloc[0]
    assert d["status"] == "posted", (d["status"], d["reason"], d["message"])
    assert _anna_posted_for_march(r)


@pytest.mark.parametrize("text", ["Døgnophold feb. 2019", "Døgnophold febr 2019", "Ophold okt. 2018"])
def test_line_naming_another_month_abbreviated_is_paid_as_the_invoices_month(text):
    """User sees: a collective invoice for March 2019 whose line 1 reads "Døgnophold feb. 2019" (February's stay,
    the month abbreviated as suppliers' systems print it) is posted: OPUS gets Anna's 30.000 kr. for
    01.03.2019-31.03.2019 and Sensum marks March paid; her real March invoice will be held as ALREADY_PAID.

    Should see: no period for that line (MISSING_PERIOD, manual), as for "Ophold februar" since 0.9.32: the
    attack the mend answers (February paid as March) in the form suppliers most often write it. The README's "an
    abbreviated month is not read: such a text still gives the month" presumes a text that names its month in
    full; this line names none, and gets the invoice's.

    Cause: invoicekit/parsing.py:_names_a_month (via names_no_one_period, invoicekit/lines.py:_Plan.batch) knows
    only the full month names (_MONTH_WORD over MONTHS_DA); tests/reference.py text_periods alike."""
    r = _collective(text)
    assert not _anna_posted_for_march(r), f"line 1 ({text!r}) was posted for March, the invoice's month"
    d = r.decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD"), (d["status"], d["message"])


def _decided(text: str):
    """A one-citizen invoice of 30,000 kr., period cells blank, a monthly grant of 30,000 kr. from 1 January 2019,
    decided by the robot's whole-column path."""
    return fast([invoice(period_start="", period_end="", text=text, amount="30000,00")], [grant()]).iloc[0]


@pytest.mark.parametrize(
    "text",
    [
        "Døgnophold 2019-02-01 - 2019-02-28, faktureret marts 2019",
        "Døgnophold 2019-02-01 til 2019-02-28. Faktureret marts 2019",
    ],
)
def test_iso_date_range_beside_a_month_is_posted_as_the_month(text):
    """User sees: "Døgnophold 2019-02-01 - 2019-02-28, faktureret marts 2019" (February's stay in ISO dates, as
    e-invoices and convert write dates) is POSTED for 01.03.2019-31.03.2019: February paid as March, and March
    marked paid in Sensum. The same stay written "01-02-19 - 28-02-19" or "01.02.2019 - 28.02.2019" beside
    "marts 2019" goes to manual (README, Periods, since 0.9.32).

    Should see: manual, MISSING_PERIOD: the text holds two periods (February's range and March), so none
    (robot-spec.md: exactly one period, else none; README: a chain of dates or days beside a period give none).

    Cause: invoicekit/parsing.py _RANGE (``_D``: day first only) reads no ISO range, and _LOOSE_DAYS's dashed
    alternative excludes an ISO date on purpose (``(?<!\\d-)``) with nothing else taking it;
    _MONTH_BEFORE_MONTH sees the date joined to "marts" only without a word between. tests/reference.py
    text_periods alike, so the equivalence tests agree."""
    d = _decided(text)
    assert d["status"] == "manual" and d["reason"] == "MISSING_PERIOD", (d["status"], d["message"])


@pytest.mark.parametrize("dash", ["\u2011", "\u2013"], ids=["non-breaking-hyphen", "en-dash"])
def test_dates_written_with_another_dash_beside_a_month_are_posted_as_the_month(dash):
    """User sees: "Døgnophold 01‑02‑2019 - 28‑02‑2019, faktureret marts 2019" (Word's non-breaking hyphen, or an
    en dash, inside each date of February's stay) is POSTED for March 2019; with "-" in the dates it goes to
    manual.

    Should see: manual, MISSING_PERIOD: two periods, so none (robot-spec.md: exactly one, else none). The code
    itself counts U+2011 and U+2013 as dashes (parsing._DASHES: between two dates, and in "15-april 2019").

    Cause: invoicekit/parsing.py ``_D`` and the dashed alternative of _LOOSE_DAYS take only "-", "." and "/"
    inside a date, so neither date is read nor counted as loose, and "marts 2019" is the one period;
    tests/reference.py text_periods alike."""
    text = f"Døgnophold 01{dash}02{dash}2019 - 28{dash}02{dash}2019, faktureret marts 2019"
    d = _decided(text)
    assert d["status"] == "manual" and d["reason"] == "MISSING_PERIOD", (d["status"], d["message"])
