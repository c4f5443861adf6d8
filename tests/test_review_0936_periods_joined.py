"""Periods read from an invoice's text (an attack on 0.9.35): two dates joined otherwise than by a dash or
`til` (`til d.`, `fra den … til og med den …`, a label, an arrow, any dash, a line break) are a range, and a
date in digits inside the one period gives none, so that neither is paid as the month named beside it."""

from __future__ import annotations

import datetime as dt

import pytest

from invoicekit.rules import Rules
from tests.period_runs import (
    february_then as _february_then,
)
from tests.period_runs import (
    grant as _grant,
)
from tests.period_runs import (
    invoice as _invoice,
)
from tests.period_runs import (
    posted_as as _posted_as,
)
from tests.period_runs import (
    run_robot as _run,
)

# ------------------------------------------------------------------ 1. two dates joined otherwise

#: a February stay as Danish suppliers write it: two dates joined by a word the joiner list lacks (``til d.``
#: is ``til den`` abbreviated; ``til og med den``; ``t.o.m. d.``), by labels (``Periode fra: … Periode til:``,
#: ``Startdato … Slutdato``, a comma before ``til``), by an arrow or a slash; beside the month it was invoiced in
FEBRUARY_JOINED_BY_WORDS = [
    "Døgnophold 01.02.2019 til d. 28.02.2019, faktureret marts 2019",
    "Døgnophold fra den 01.02.2019 til og med den 28.02.2019, faktureret marts 2019",
    "Døgnophold fra d. 01.02.2019 t.o.m. d. 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 indtil d. 28.02.2019, faktureret marts 2019",
    "Døgnophold fra 01.02.2019, til 28.02.2019, faktureret marts 2019",
    "Periode fra: 01.02.2019 Periode til: 28.02.2019. Døgnophold faktureret marts 2019",
    "Startdato 01.02.2019 Slutdato 28.02.2019, døgnophold faktureret marts 2019",
    "Døgnophold 01.02.2019 -> 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 / 28.02.2019, faktureret marts 2019",
]


@pytest.mark.parametrize("text", FEBRUARY_JOINED_BY_WORDS)
def test_a_february_stay_joined_by_til_d_is_never_paid_again_as_march(tmp_path, text):
    """A user suffers February paid twice and March blocked: F-100 (February, period cells filled) is
    posted; the supplier's reminder F-101, "Døgnophold 01.02.2019 til d. 28.02.2019, faktureret marts
    2019", its period cells blank, is POSTED as 01.03.2019-31.03.2019 at a month's rate and March marked
    paid in Sensum; the real March invoice is later ALREADY_PAID. The two dates are taken for two lone
    dates (outside March, which "leaves the period as it is") and "marts 2019" for the one period.
    README, "Periods": since 0.9.36 dates joined by `til den` (`fra den 01.02.2019 til den 28.02.2019`),
    `til og med`, `t.o.m.` are a range, and a text whose one period is found is held to it; `til d.`
    is `til den` written as Danes abbreviate it (`d.` is itself one of the README's joiners of months).
    Spec check 21: never pay twice. Manual (no period) or February (ALREADY_PAID) is right; March is
    not."""
    again = _february_then(tmp_path, text)
    d = again["decisions"].iloc[0]
    assert d["status"] == "manual", f"{text!r} posted as {_posted_as(again)}: February paid again, as March"


#: the same stay joined by dashes Unicode calls dashes (figure dash, horizontal bar, full-width and small
#: hyphen-minus) or by two hyphens with a space between
FEBRUARY_JOINED_BY_OTHER_DASHES = [
    "Døgnophold 01.02.2019 \u2012 28.02.2019, faktureret marts 2019",  # figure dash
    "Døgnophold 01.02.2019 \u2015 28.02.2019, faktureret marts 2019",  # horizontal bar
    "Døgnophold 01.02.2019 \uff0d 28.02.2019, faktureret marts 2019",  # full-width hyphen-minus
    "Døgnophold 01.02.2019 \ufe63 28.02.2019, faktureret marts 2019",  # small hyphen-minus
    "Døgnophold 01.02.2019 - - 28.02.2019, faktureret marts 2019",
]


@pytest.mark.parametrize("text", FEBRUARY_JOINED_BY_OTHER_DASHES)
def test_a_february_stay_joined_by_any_dash_is_never_paid_as_march(tmp_path, text):
    """As above, with the dates joined by a figure dash (U+2012, what Word's AutoFormat and some PDF
    text layers give), a horizontal bar, a full-width or small hyphen-minus: February's reminder is
    POSTED as March. README, "Periods": "dates may be joined by any dash (`01.04.2019—30.04.2019`)";
    the joiners of months (`_JOINERS`) already take U+2012, U+2015 and U+FF0D, the range of dates
    (`RANGE_JOINER`) does not."""
    again = _february_then(tmp_path, text)
    d = again["decisions"].iloc[0]
    assert d["status"] == "manual", f"{text!r} posted as {_posted_as(again)}: February paid again, as March"


#: a period split over lines, as a PDF's text layer gives a table of "Fra" and "Til" columns
FEBRUARY_ON_TWO_LINES = [
    "Døgnophold\n01.02.2019\n28.02.2019\nFaktureret marts 2019",
    "Periode\n01.02.2019\n28.02.2019\nFakturadato 01.03.2019\nmarts 2019",
]


@pytest.mark.parametrize("text", FEBRUARY_ON_TWO_LINES)
def test_a_february_period_split_over_lines_is_never_paid_as_march(tmp_path, text):
    """A user suffers February paid twice: a reminder whose text holds the period's two dates on two
    lines (a table's "fra" and "til" cells read out of a PDF) and "marts 2019" below is POSTED as
    March; the two dates are lone dates outside March, which leave March as the one period. README,
    "Periods": a text whose one period is found is held to it; the brief's "periods split across line
    breaks". A human reads February (or cannot tell); the robot pays March."""
    again = _february_then(tmp_path, text)
    d = again["decisions"].iloc[0]
    assert d["status"] == "manual", f"{text!r} posted as {_posted_as(again)}: February paid again, as March"


def test_a_december_stay_joined_by_til_d_is_posted_in_its_own_year(tmp_path):
    """Spec version 2, the posting date: with `supplementary_period_end = "01-31"` a run on 15 January
    2019 posts an invoice whose whole period lies in 2018 on 31.12.2018. "Døgnophold 01.12.2018 til d.
    31.12.2018, faktureret januar 2019" (a December stay) is read as January 2019: POSTED for
    01.01.2019-31.01.2019 with Bogføringsdato 15.01.2019, December's expense lands in 2019's books,
    January is marked paid and the true January invoice will be ALREADY_PAID. It should be manual (no
    one period), or December posted on 31.12.2018."""
    result = _run(tmp_path, [_grant()],
                  [_invoice(text="Døgnophold 01.12.2018 til d. 31.12.2018, faktureret januar 2019")],
                  rules=Rules(supplementary_period_end="01-31"), run_date=dt.date(2019, 1, 15))  # fmt: skip
    d = result["decisions"].iloc[0]
    if d["status"] == "posted":
        p = result["postings"].iloc[0]
        assert (p["Ydelsesperiode fra"], p["Bogføringsdato"]) == ("01.12.2018", "31.12.2018"), (
            f"December's stay posted as {_posted_as(result)} on {p['Bogføringsdato']}: in 2019's books, January paid"
        )


# ------------------------------------------------------------------ 2. a move-out date in digits


@pytest.mark.parametrize(
    "text",
    ["Døgnophold marts 2019, udflyttet 15.03.2019", "Døgnophold marts 2019, udskrevet d. 15/03/2019",
     "Døgnophold 01.03.2019 - 31.03.2019, udflyttet 15.03.2019"],
)  # fmt: skip
def test_a_move_out_date_in_digits_inside_the_month_is_not_paid_as_the_whole_month(tmp_path, text):
    """A user suffers a whole month paid for a citizen who moved out mid-month: "Døgnophold marts 2019,
    udflyttet 15.03.2019" at a month's amount is POSTED for 01.03-31.03.2019, where "Døgnophold marts
    2019, udflyttet 15. marts 2019" goes to a caseworker (MISSING_PERIOD), and so do "udflyttet
    15.03.19", "udflyttet 15-03-19" and "udskrevet 15.04" (tests/test_parsing.py,
    test_attack_0932_periods.py). README, "Periods": a day "inside the one period the text names but for
    its first and last day (`Døgnophold april 2019, udflyttet 15. april 2019`: maybe half of April)"
    gives no period; the collective invoice's line of the same text ("since 0.9.29 a date in digits,
    `udflyttet 15.03.2019`") is given none. Only the four-digit-year digit date, the commonest way to
    write it, still pays the month whole."""
    result = _run(tmp_path, [_grant()], [_invoice(text=text)])
    d = result["decisions"].iloc[0]
    assert d["status"] == "manual", f"{text!r} posted as {_posted_as(result)}: a whole month for half a stay"


# ------------------------------------------------------------------ 3. months named otherwise


# ------------------------------------------------------------------ 4. forms read only in parsing (lower severity)


# ------------------------------------------------------------------ 5. the same on a collective invoice's line
