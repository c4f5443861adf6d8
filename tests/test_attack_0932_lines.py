"""An attack on 0.9.31's collective invoices decided line by line (robot-spec.md v2, "Collective
invoices, line by line"; README "Collective invoices, line by line (*samlefakturaer*)"). Each test
failed on that version."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import invoicekit as ik
from tests.test_lines import ANNA, BO, CVR, GRANTS, SHEET


def _decide(invoices: list[dict], lines: list[dict] | None = None) -> ik.Decisions:
    return ik.decide(
        ik.prepare_invoices(pd.DataFrame(invoices)),
        ik.prepare_grants(pd.DataFrame(GRANTS)),
        ik.prepare_support_sheet(SHEET),
        lines=ik.prepare_invoice_lines(pd.DataFrame(lines)) if lines else None,
        run_date=dt.date(2020, 6, 1),
    )


@pytest.mark.parametrize(
    "text",
    ["Døgnophold februar måned 2019", "Ophold februar", "Døgnophold for februar, 2019"],
    ids=["month-maaned-year", "month-without-year", "month-comma-year"],
)
def test_a_line_whose_text_names_another_month_is_not_paid_as_the_invoices_month(text):
    """What a user sees: a collective invoice for March (period cells 01.03.2019-31.03.2019) whose
    line 1 has blank period cells and the text "Døgnophold februar måned 2019" (or "Ophold februar",
    "Døgnophold for februar, 2019": the supplier billing Anna's February stay on the March invoice) is
    posted; OPUS gets Anna's 30.000 kr. with "Ydelsesperiode" 01.03.2019-31.03.2019 and Sensum marks
    March paid. February is paid as March: the period posted is wrong, and Anna's real March invoice
    will be held as ALREADY_PAID.

    What they should see: the line has no period (MISSING_PERIOD), so the invoice goes to manual with a
    message naming line 1. README, "Collective invoices, line by line": a line's blank period cells are
    "the invoice's, unless the line's text says something of its period and gives none ... such a line
    has no period, MISSING_PERIOD ... test_a_line_whose_text_says_something_of_its_period_is_not_given_
    the_invoices"; the docstring of parsing.names_no_one_period: "a line's blank period cells are the
    invoice's only where its text says nothing". A full Danish month name (the spec's own form,
    `marts 2019`) says something of the line's period, even where the year is not right after it.

    Cause: invoicekit/parsing.py:names_no_one_period (used by invoicekit/lines.py:_Plan.batch) counts a
    month name only when it is read as a period or joined to another month/day/date; a lone month name
    not followed directly by its year reads as saying nothing, and the line takes the invoice's
    period. tests/reference.py (text_periods, len < 2) has the same fault."""
    invoice = {"invoice_id": "S1", "supplier_cvr": CVR, "amount": "50.000,00", "cpr": "",
               "period_start": "01.03.2019", "period_end": "31.03.2019", "text": "Samlefaktura"}  # fmt: skip
    lines = [
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "1", "cpr": ANNA, "amount": "30000", "text": text},
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "2", "cpr": BO, "amount": "20000", "text": ""},
    ]
    r = _decide([invoice], lines)
    posted_march_for_anna = r.postings[
        (r.postings["cpr"] == ANNA) & (r.postings["period_start"] == pd.Timestamp("2019-03-01"))
    ]
    assert len(posted_march_for_anna) == 0, f"line 1 ({text!r}) was posted for March, the invoice's month"
    d = r.decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD")
