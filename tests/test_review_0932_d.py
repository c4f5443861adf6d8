"""A fourth review of the 0.9.32 session's mends (a collective invoice's lines naming months, the
e-invoice period of several citizens, the period rules): faults they left open or made. Each test
failed on the mends reviewed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import invoicekit as ik
from tests.test_attack_0932_einvoice import decided, line, peppol
from tests.test_attack_0932_equivalence import fast, grant, invoice
from tests.test_lines import ANNA, BO, CVR, GRANTS, SHEET


def _collective(line_1_text: str, start: str = "01.03.2019", end: str = "31.03.2019", line_2_text: str = ""):
    """A collective invoice (period cells ``start``-``end``) of 50,000 kr.: Anna's line of 30,000 kr. and Bo's
    of 20,000 kr., both with blank period cells (the invoice's); monthly grants of 30,000 and 20,000 kr."""
    inv = {"invoice_id": "S1", "supplier_cvr": CVR, "amount": "50.000,00", "cpr": "",
           "period_start": start, "period_end": end, "text": "Samlefaktura"}  # fmt: skip
    lines = [
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "1", "cpr": ANNA, "amount": "30000", "text": line_1_text},
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "2", "cpr": BO, "amount": "20000", "text": line_2_text},
    ]
    return ik.decide(
        ik.prepare_invoices(pd.DataFrame([inv])),
        ik.prepare_grants(pd.DataFrame(GRANTS)),
        ik.prepare_support_sheet(SHEET),
        lines=ik.prepare_invoice_lines(pd.DataFrame(lines)),
        run_date=dt.date(2020, 6, 1),
    )


def _anna_posted_for(r: ik.Decisions, start: str) -> bool:
    p = r.postings
    return bool(((p["cpr"] == ANNA) & (p["period_start"] == pd.Timestamp(start))).any())


# ---------------------------------------------------------------- 1. a line naming a month (wrong payments)


@pytest.mark.parametrize("text", ["Døgnophold Februar Måned 2019", "Døgnophold Februar Anna Hansen"])
def test_capitalised_month_before_a_capitalised_word_is_taken_for_a_name(text):
    """User sees: a collective invoice for March 2019 whose line 1 (blank period cells) reads "Døgnophold
    Februar Måned 2019" (title case, as many suppliers' systems print a line) or "Døgnophold Februar Anna
    Hansen" (the month, then the citizen) is POSTED: Anna's 30.000 kr. for 01.03.2019-31.03.2019, March marked
    paid; February's stay paid as March, her real March invoice later held as ALREADY_PAID.

    Should see: manual, MISSING_PERIOD, as for "Døgnophold februar måned 2019" since 0.9.32 (README, Collective
    invoices: a month named as a word that the invoice's period does not hold gives the line no period; "a
    capitalised month in a person's name is none" - Februar is no one's first name). README, Periods, already
    records this very lesson: "The third review found `April Måned` ... read as names that way, and March
    posted for two months; a name cannot be told from a word by its shape."

    Cause: invoicekit/parsing.py:_in_a_name (via months_named, invoicekit/lines.py:_Plan.batch) takes any
    capitalised month followed by any capitalised word as a person's name, for months that are never names
    (Februar, Marts, Oktober ...) and words that are no names (Måned); tests/reference.py line_months alike."""
    r = _collective(text)
    assert not _anna_posted_for(r, "2019-03-01"), f"line 1 ({text!r}) was posted for March"
    d = r.decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD"), (d["status"], d["message"])


@pytest.mark.parametrize("text", ["Ophold Jan-Feb 2019", "Efterregulering Dec-Jan"])
def test_two_short_months_joined_by_a_hyphen_are_taken_for_a_name(text):
    """User sees: a collective invoice for March 2019 whose line 1 (blank period cells) reads "Ophold Jan-Feb
    2019" (or "Efterregulering Dec-Jan") is POSTED as Anna's March (01.03.2019-31.03.2019): a line for January
    and February paid as March.

    Should see: manual, MISSING_PERIOD: the line names months the invoice's period does not hold (README,
    Collective invoices, since 0.9.32: "a month named as a word, in full or short, that the invoice's period
    does not hold ... `feb. 2019` on a March invoice ... such a line has no period").

    Cause: invoicekit/parsing.py:_in_a_name: "Jan" followed by "-Feb" is a name because only the FULL month
    names are excluded (``after[2].casefold() not in MONTHS_DA``, not MONTH_ABBREVIATIONS), and "Feb" after
    "Jan-" is a name because the hyphen-before test excludes no month at all; so months_named gives {} and
    lines.py:_Plan.batch gives the line the invoice's March. tests/reference.py line_months alike."""
    r = _collective(text)
    assert not _anna_posted_for(r, "2019-03-01"), f"line 1 ({text!r}) was posted for March"


@pytest.mark.parametrize("text", ["Døgnophold marts måned 2018", "Døgnophold for marts, 2018"])
def test_the_invoices_month_of_another_year_is_paid_as_this_years(text):
    """User sees: a collective invoice for March 2019 whose line 1 (blank period cells) reads "Døgnophold marts
    måned 2018" (a late line for March of the year before) is POSTED for 01.03.2019-31.03.2019: March 2018
    paid as March 2019, and March 2019 marked paid in Sensum.

    Should see: manual, MISSING_PERIOD, as "Døgnophold februar måned 2019" on that invoice is: the line names a
    month (March 2018) that the invoice's period (March 2019) does not hold (README, Collective invoices).

    Cause: invoicekit/lines.py:_Plan.batch compares months_named(text) with _months_held(start, end) as month
    NUMBERS (1-12), never the year the text writes beside the month; tests/reference.py line_months/months_held
    alike."""
    r = _collective(text)
    assert not _anna_posted_for(r, "2019-03-01"), f"line 1 ({text!r}) was posted for March 2019"


# ---------------------------------------------------------------- 1. needless manual


@pytest.mark.parametrize("text", ["Borger: JAN OLSEN", "Borger: Olsen, Jan"])
def test_a_citizen_called_jan_sends_the_collective_invoice_to_manual(text):
    """User sees: a collective invoice for March 2019 whose line names its citizen "JAN OLSEN" (names in
    capitals, as the CPR register and many systems print them) or "Olsen, Jan" (surname first) goes to manual,
    MISSING_PERIOD ("line 1 has no period"); 0.9.31 posted it for March (short month names were not read).

    Should see: posted for March: the text names a person and nothing of a period (robot-spec.md: a line's
    blank period cells are the invoice's period; README: "a capitalised month in a person's name is none ...
    `Jan Olsen`"). Every collective line naming a Jan (a common Danish first name) this way is now a
    caseworker's.

    Cause: invoicekit/parsing.py:months_named takes "jan" (new in MONTH_ABBREVIATIONS) as January unless it is
    written Capitalised and followed by a Capitalised word (_in_a_name); tests/reference.py line_months alike."""
    r = _collective(text)
    d = r.decisions.iloc[0]
    assert d["status"] == "posted", (d["status"], d["reason"], d["message"])


def test_christmas_on_a_december_line_sends_it_to_manual():
    """User sees: a collective invoice for December 2019 whose line 1 reads "Døgnophold inkl. ekstra personale
    i jul" ("jul" is the Danish word for Christmas) goes to manual, MISSING_PERIOD; 0.9.31 posted it for
    December.

    Should see: posted for December: the line names no month ("jul" is Christmas; July would be "juli"), and
    its blank cells are the invoice's period (robot-spec.md). A December (or January) invoice mentioning
    Christmas is ordinary.

    Cause: invoicekit/parsing.py MONTH_ABBREVIATIONS holds "jul" (July), a common Danish word of its own, so
    months_named gives {7}, which December does not hold (invoicekit/lines.py:_Plan.batch); tests/reference.py
    SHORT_MONTHS alike."""
    r = _collective("Døgnophold inkl. ekstra personale i jul", "01.12.2019", "31.12.2019")
    d = r.decisions.iloc[0]
    assert d["status"] == "posted", (d["status"], d["reason"], d["message"])


# ---------------------------------------------------------------- 2. e-invoices


def test_collective_einvoice_whose_note_names_the_period_goes_to_manual(tmp_path: Path):
    """User sees: an ordinary Peppol collective invoice, no InvoicePeriod, its note "Samlefaktura marts 2019",
    one undated line per citizen (A, B, monthly grants fitting), is converted with the period
    "(flere perioder i teksten)" and the warning "names its one period only in a line's text, not for the
    invoice" (it is in the invoice's own note), and the robot sends it to manual, MISSING_PERIOD. Before
    0.9.32 it was posted, each line for March.

    Should see: posted, each line for March 2019: the period is the document's own note's (README,
    period_start: "else a period written in the text"; 0.9.32: "of an invoice for several citizens, the
    text's period is the one its own notes name, never a line's").

    Cause: invoicekit/einvoice.py:_period returns ("", "") when no line has a period (``found`` is
    {("", "")}, one element, for several citizens) before it reads the notes; invoice_row's new MANY_PERIODS
    block then sees period_in_text(full) (the note's March) and writes the marker."""
    lines = line(1, "28500.00", note="Borger 610190-1234") + line(2, "28500.00", note="Borger 620585-2345")
    decisions = decided(tmp_path, peppol("<cbc:Note>Samlefaktura marts 2019</cbc:Note>", "57000.00", lines, period=""))
    d = decisions.iloc[0]
    assert d["status"] == "posted", (d["status"], d["reason"], d["message"])


def test_an_invoice_period_in_words_is_overruled_by_a_month_in_the_note(tmp_path: Path):
    """User sees: a Peppol invoice for one citizen whose document InvoicePeriod holds only
    ``<cbc:Description>Februar 2019</cbc:Description>`` (the period in words, which 0.9.32 reads as a period:
    oioubl._period_of) and whose note says "Faktureret marts 2019" (the billing month) is POSTED for
    01.03.2019-31.03.2019 (``SEL108-BO 01.03.2019-31.03.2019 B-1001``): February's stay paid as March.

    Should see: no period (MISSING_PERIOD, or a caseworker by any other road): the document names February as
    its period and the text March; no one period (robot-spec.md, Period from text: "exactly one such period,
    else none"; README 0.9.32: "a period given in words alone ... is written as those words, which the robot
    reads as no date").

    Cause: invoicekit/einvoice.py:invoice_row drops a document period that is no ISO date ("left out, so the
    period is the lines' or the text's") and reads the notes' March, though oioubl.py:_period_of now returns
    the words "Februar 2019" as the period; the words are never compared with the text's period. (Before
    0.9.32 the words were not read at all: the same result.)"""
    words = "<cac:InvoicePeriod><cbc:Description>Februar 2019</cbc:Description></cac:InvoicePeriod>"
    doc = peppol(
        "<cbc:Note>Borger 610190-1234. Faktureret marts 2019</cbc:Note>",
        "28500.00",
        line(1, "28500.00"),
        period="",
        after_period=words,
    )
    decisions = decided(tmp_path, doc)
    posted = [m for s, m in zip(decisions["status"], decisions["message"], strict=True) if s == "posted"]
    assert not any("01.03.2019-31.03.2019" in m for m in posted), posted


# ---------------------------------------------------------------- 3. loose days


def _decided_one(text: str):
    """A one-citizen invoice of 30,000 kr., period cells blank, a monthly grant of 30,000 kr., fast path."""
    return fast([invoice(period_start="", period_end="", text=text, amount="30000,00")], [grant()]).iloc[0]


def test_an_iso_interval_with_a_slash_beside_a_month_is_posted_as_the_month():
    """User sees: "Døgnophold 2019-02-01/2019-02-28, faktureret marts 2019" (February's stay as an ISO 8601
    interval, start/end, the form e-invoice and ERP exports write) is POSTED for 01.03.2019-31.03.2019:
    February paid as March. Since 0.9.32 the same range written "2019-02-01 - 2019-02-28" goes to manual.

    Should see: manual, MISSING_PERIOD: two periods, so none (robot-spec.md: exactly one, else none; README,
    Periods: "a range of ISO dates ... (`2019-02-01 - 2019-02-28` ...; since 0.9.32, each was posted as the
    month beside it)").

    Cause: invoicekit/parsing.py _LOOSE_DAYS's new ISO-range alternative joins the two dates only by a dash
    or ``til`` (``(?:[{_DASHES}]|til)``), not by ``/``, and no other pattern reads an ISO date beside a month;
    tests/reference.py text_periods alike (and _LOOSE_DAYS_RE2)."""
    d = _decided_one("Døgnophold 2019-02-01/2019-02-28, faktureret marts 2019")
    assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD"), (d["status"], d["message"])


@pytest.mark.parametrize(
    "text",
    [
        "Døgnophold 2019\u201102\u201101 \u2013 2019\u201102\u201128, faktureret marts 2019",
        "Døgnophold 01\u221202\u22122019 - 28\u221202\u22122019, faktureret marts 2019",
    ],
    ids=["iso-non-breaking-hyphens", "minus-sign"],
)
def test_dates_with_other_dashes_beside_a_month_are_still_posted_as_the_month(text):
    """User sees: February's stay written with Word's non-breaking hyphen inside ISO dates
    ("2019‑02‑01 – 2019‑02‑28, faktureret marts 2019") or with a minus sign U+2212 inside day-first dates
    ("01−02−2019 - 28−02−2019", as a PDF copy gives them) is POSTED for March 2019: February paid as March.

    Should see: manual, MISSING_PERIOD (README, Periods, since 0.9.32: "a date with other dashes in it
    (`01‑02‑2019` ...) ... each was posted as the month beside it"; robot-spec.md: exactly one period, else
    none). The code itself counts U+2212 (and U+2012, U+FF0D) as dashes (parsing._JOINERS).

    Cause: invoicekit/parsing.py _LOOSE_DAYS's new other-dash alternative reads only a day-first date
    (``\\d{1,2}[–—‐‑]\\d{1,2}[–—‐‑]\\d{2,4}``: not an ISO date with those dashes) and only the dashes
    –—‐‑ (not the minus sign U+2212, the figure dash U+2012, the full-width hyphen U+FF0D);
    tests/reference.py text_periods alike."""
    d = _decided_one(text)
    assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD"), (d["status"], d["message"])


def test_a_weekly_rate_beside_the_month_sends_the_invoice_to_manual():
    """User sees: "Døgnophold marts 2019, takst pr. uge 7.000,00 kr." (the weekly rate quoted, as suppliers of
    week-rated services write) goes to manual, MISSING_PERIOD; 0.9.31 posted it for March.

    Should see: posted for March 2019: "pr. uge 7.000,00 kr." is an amount per week, no week's number (README,
    Periods, 0.9.32: "a week's number (`uge 5-8`)"; the text names one period, robot-spec.md).

    Cause: invoicekit/parsing.py _LOOSE_DAYS's new ``uge(?:nr\\.?)?\\s*\\d{1,2}(?!\\d)`` alternative takes the
    "7" of "7.000,00" for a week's number (a thousands separator may follow); tests/reference.py
    text_periods alike."""
    d = _decided_one("Døgnophold marts 2019, takst pr. uge 7.000,00 kr.")
    assert d["status"] == "posted", (d["status"], d["reason"], d["message"])
