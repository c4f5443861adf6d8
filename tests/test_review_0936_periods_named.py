"""Periods read from an invoice's text (an attack on 0.9.35): another month named otherwise than the reader knew
(a word broken over two lines, `forrige måned`, an English or German name) and other written periods (compact
dates of two-digit years, ISO dates with dots, `kv.`, Roman quarters, `halvdel`) give no period beside a
month, so that neither is paid as that month."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.period_runs import (
    both_paths as _both_paths,
)
from tests.period_runs import (
    february_then as _february_then,
)
from tests.period_runs import (
    posted_as as _posted_as,
)

# ------------------------------------------------------------------ 2. a move-out date in digits


# ------------------------------------------------------------------ 3. months named otherwise


@pytest.mark.parametrize(
    "text",
    ["Døgnophold febru-\nar 2019, faktureret marts 2019",  # hyphenated over a line break, as a PDF breaks it
     "Døgnophold forrige måned, faktureret marts 2019",  # "last month"
     "Døgnophold marts 2019 vedr. sidste måned",
     "Stay February 2019, faktureret marts 2019"],  # English month name
)  # fmt: skip
def test_another_month_named_otherwise_is_not_paid_as_the_month_beside_it(tmp_path, text):
    """A user suffers February paid twice: each reminder names February (or the month before) in a
    way months_named does not read (a name hyphenated over a line break, "forrige måned", "sidste
    måned", an English name, a misspelt one), is POSTED as March and March marked paid. README,
    "Periods": "a text whose one period is found is held to it ...: every month it names must lie in
    the period, or the text gives no period" (`Ophold marts 2019, afregning februar` gives none). A
    human reads February, or cannot tell; the robot pays March."""
    again = _february_then(tmp_path, text)
    d = again["decisions"].iloc[0]
    assert d["status"] == "manual", f"{text!r} posted as {_posted_as(again)}: February paid again, as March"


# ------------------------------------------------------------------ 4. forms read only in parsing (lower severity)


@pytest.mark.parametrize(
    "text",
    ["Ophold 010219-280219, faktureret marts 2019",  # a range of compact dates with two digits of the year
     "Ophold 2019.02.01-2019.02.28, faktureret marts 2019",  # ISO dates with dots
     "Ophold 4. kv. 2018, faktureret marts 2019",  # "kv." for kvartal ("kvt." gives none)
     "Ophold II. kvartal 2019, marts 2019",  # a Roman quarter
     "Ophold 2. halvdel af 2018, marts 2019"],
)  # fmt: skip
def test_other_written_periods_beside_a_month_give_no_period(text):
    """Each text names another period than March 2019, and both paths read March: an invoice at a
    month's amount is posted as March (a quarter's or half year's amount seldom fits a monthly rate, so
    the first three matter most). README, "Periods": a range of compact dates (`20190201-20190228`) and
    a range of ISO dates give none, as does `02/19`'s dotted twin `02.19` and `fjerde kvt. 2018`;
    the DDMMYY, dotted ISO, `mm-yy`, `kv.` and Roman forms are their siblings."""
    slow, fast = _both_paths(text)
    assert slow == fast
    assert slow is None, f"{text!r} read as {slow}"


# ------------------------------------------------------------------ 5. the same on a collective invoice's line


@pytest.mark.parametrize(
    "text",
    ["Døgnophold forrige måned", "Døgnophold febru-\nar 2019", "Stay February 2019",
     "Ophold 4. kv. 2018"],
)  # fmt: skip
def test_a_line_naming_another_period_otherwise_is_not_given_the_invoices_month(text):
    """A user suffers Anna's February (or last quarter's) stay paid as March: a collective invoice for
    March whose line 1, its period cells blank, reads "Døgnophold forrige måned" (or a month name
    hyphenated over a line break, an English name, `02-19`, `4. kv. 2018`) is posted for 01.03-31.03.2019
    on that line, and March marked paid for Anna. README, "Collective invoices, line by line": a line's
    blank period cells are the invoice's "unless the line's text says something of its period and gives
    none" (`Ophold februar`, `02/2019`, `fjerde kvt. 2018` give MISSING_PERIOD). Cause:
    invoicekit/lines.py `_Plan.batch` asks `names_no_one_period` and `holds_named`, which do not know
    these forms."""
    import invoicekit as ik
    from tests.test_lines import ANNA, BO, CVR, GRANTS, SHEET

    invoice = {"invoice_id": "S1", "supplier_cvr": CVR, "amount": "50.000,00", "cpr": "",
               "period_start": "01.03.2019", "period_end": "31.03.2019", "text": "Samlefaktura"}  # fmt: skip
    lines = [
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "1", "cpr": ANNA, "amount": "30000", "text": text},
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "2", "cpr": BO, "amount": "20000", "text": ""},
    ]
    r = ik.decide(
        ik.prepare_invoices(pd.DataFrame([invoice])),
        ik.prepare_grants(pd.DataFrame(GRANTS)),
        ik.prepare_support_sheet(SHEET),
        lines=ik.prepare_invoice_lines(pd.DataFrame(lines)),
        run_date=dt.date(2020, 6, 1),
    )
    march = r.postings[(r.postings["cpr"] == ANNA) & (r.postings["period_start"] == pd.Timestamp("2019-03-01"))]
    assert len(march) == 0, f"line 1 ({text!r}) was posted for March, the invoice's month"
