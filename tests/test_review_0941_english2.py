"""An attack (r8) on 0.9.41's reading of periods from words: English months, ``last month``, ``weeks 5-8``,
a document's notes and undated lines held to the invoice's month (``parsing.names_another_month``,
``names_another_period``'s ``_RELATIVE_MONTH``/``_weeks_outside``/``_impossible_date``, and the fast path's
RE2 twin ``_LOOSE_DAYS_RE2``).

Each test failed on 0.9.41's first version (a review of it) and passes on the mend. Most are FALSE HOLDS of
correct invoices (the robot's rate falls where the README says the words are no period billed); two are
WRONG PAYMENTS (an invoice posted for a period its own words contradict)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.period_runs import both_paths, grant, invoice, posted_as, run_robot
from tests.test_attack_0932_einvoice import decided, line, peppol

#: the citizen of grant B-1001 (28,500 kr. a month at Solhøj, § 108) in test_attack_0932_einvoice's grants
CITIZEN = "<cbc:Note>Borger 610190-1234</cbc:Note>"
MARCH = "2019-03-01/2019-03-31"


def _decision(tmp_path: Path, document: str):
    d = decided(tmp_path, document).iloc[0]
    return d["status"], d["reason"], d["message"]


def _document(where: str, words: str) -> str:
    """A correct one-citizen invoice of March 2019 (28,500 kr., grant B-1001) with ``words`` in its notes, on
    its one line dated March, or on its one line without a period of its own."""
    if where == "note":
        return peppol(f"<cbc:Note>Borger 610190-1234. {words}</cbc:Note>", "28500.00", line(1, "28500.00"))
    if where == "dated line":
        return peppol(CITIZEN, "28500.00", line(1, "28500.00", description=words, period=MARCH))
    if where == "dated line note":
        return peppol(CITIZEN, "28500.00", line(1, "28500.00", note=words, period=MARCH))
    assert where == "undated line"
    return peppol(CITIZEN, "28500.00", line(1, "28500.00", description=words))


# ------------------------------------------------------------------ 1. a day and its month, no year


@pytest.mark.parametrize(
    "where, words",
    [
        ("note", "Ny takst pr. 1. januar"),
        ("note", "Betalingsfrist: 15. april"),
        ("dated line", "Døgnophold, takst pr. 1. januar"),
        ("undated line", "Døgnophold, takst pr. 1. januar"),
    ],
)
def test_a_day_named_with_its_month_without_a_year_holds_a_correct_invoice(tmp_path, where, words):
    """What goes wrong: a correct March 2019 invoice (InvoicePeriod March, 28,500 kr., grant B-1001) whose
    notes or line say ``Ny takst pr. 1. januar`` (the rate's date) or ``Betalingsfrist: 15. april`` (payment
    terms) goes to a caseworker (MISSING_PERIOD via the notes, INVALID_AMOUNT "linjens periode: (flere
    perioder i teksten)" via the line). A day written before a month name is turned into a date only where a
    year follows (``takst pr. 1. januar 2019`` posts, tests/test_review_0941_english.py), so the bare
    ``januar``/``april`` is read by ``months_named`` as "a month the element does not hold". The notes check
    (``einvoice.invoice_row`` → ``names_another_month``) and the undated-line check (``_lines_outside``) are new
    in 0.9.41; the undated line posted on 0.9.40.

    Why it matters: ordinary invoices fall to manual handling (the robot's rate falls) for words that bill no
    period. README, convert ``period_start``: "(a month named with its day, `indflyttet 15. februar 2019`,
    `takst pr. 1. januar`, and one day alone, `jf. aftale af 12.02.2019`, are no period billed …)" and, of
    0.9.41's notes check, "while payment terms and days named with their month, `betales senest 15. april
    2019`, are none". Right behaviour: a day named with its month, with or without the year, is no month
    billed: the invoice is posted for March."""
    status, reason, message = _decision(tmp_path, _document(where, words))
    assert (status, reason) == ("posted", ""), f"{where} {words!r} held a correct March invoice: {message!r}"


# ------------------------------------------------------------------ 2. a day and its month in English


@pytest.mark.parametrize(
    "where, words",
    [
        ("note", "Payment due 3 May 2019"),
        ("note", "Rates as of 1 January 2019"),
        ("dated line", "Residential care, moved in 15 February 2019"),
    ],
)
def test_an_english_day_named_with_its_month_holds_a_correct_invoice(tmp_path, where, words):
    """What goes wrong: a correct March 2019 Peppol invoice written in English whose note gives the due date
    (``Payment due 3 May 2019``, the usual wording beside an issue date of 3 April) or the date of the rate
    (``Rates as of 1 January 2019``), or whose March line says when the citizen moved in (``moved in 15
    February 2019``), goes to a caseworker. The Danish words are no month (``betales senest 15. april 2019``,
    ``takst pr. 1. januar 2019``, ``indflyttet 15. februar 2019`` post): ``_named_days_as_numbers`` turns a
    day before a Danish month name into a date, but not one before ``January``/``February``/``May``, which
    ``months_named`` (since 0.9.41 ``_ENGLISH_MONTH`` reads January/February/October without a year) then
    counts as a month billed. 0.9.40 posted the notes' cases (the notes were compared with their one period
    only).

    Why it matters: 0.9.41 set out to read English invoices like Danish ones; it now holds correct English
    invoices over their payment terms (the robot's rate falls). README, convert ``period_start``: "payment
    terms and days named with their month, `betales senest 15. april 2019`, are none" and "a month named with
    its day, `indflyttet 15. februar 2019` … are no period billed". Right behaviour: a day named with its
    English month is a day, as in Danish: posted for March."""
    status, reason, message = _decision(tmp_path, _document(where, words))
    assert (status, reason) == ("posted", ""), f"{where} {words!r} held a correct March invoice: {message!r}"


# ------------------------------------------------------------------ 3. digits that are no date read as an impossible one


@pytest.mark.parametrize(
    "where, words",
    [
        ("dated line note", "Jeres sagsnr. 27.24.08-G01-21-19"),  # a KLE journal number, as municipalities ask
        ("dated line", "Aflastning hverdage kl. 7.30-16"),  # opening hours
    ],
)
def test_a_case_number_or_a_clock_time_is_read_as_an_impossible_date(tmp_path, where, words):
    """What goes wrong: a correct March 2019 invoice whose March-dated line quotes the municipality's case
    number (a KLE journal number, ``27.24.08-G01-21-19``: group 27, number 24, 08, as every Danish
    municipality journals its cases) or opening hours (``kl. 7.30-16``) goes to a caseworker (INVALID_AMOUNT,
    "linjens periode: (flere perioder i teksten)"). 0.9.41's ``parsing._impossible_date`` reads any
    ``d.d.yy`` as day, month, year and calls ``27.24.08`` (month 24) and ``7.30-16`` (month 30) "a date the
    calendar has not", which ``names_another_period`` takes as another period billed. 0.9.40 posted both.

    Why it matters: the case number is what municipalities ask suppliers to quote; every such invoice falls
    to manual handling (the robot's rate falls). README, convert ``period_start``: the held form is "a date
    the calendar has not, `02/28/2019` as a US system writes February", and "one day alone … is no period
    billed": a journal number or a time of day is neither. Right behaviour: digits no reading makes a date
    of (a month over 12 that is no US date either) are no period: posted for March."""
    status, reason, message = _decision(tmp_path, _document(where, words))
    assert (status, reason) == ("posted", ""), f"{where} {words!r} held a correct March invoice: {message!r}"


# ------------------------------------------------------------------ 4. ISO week 1 at the turn of the year


def test_week_one_at_the_turn_of_the_year_is_read_as_the_wrong_years_week_one(tmp_path):
    """What goes wrong: a correct respite invoice (grant B-2002, 400 kr. a day) for ISO week 1 of 2020,
    dated 30.12.2019-05.01.2020 on the document and its line, whose line says ``Aflastning uge 1``, goes to a
    caseworker (INVALID_AMOUNT, "linjens periode: (flere perioder i teksten)"). ``parsing._weeks_outside``
    takes a week without a year in ``start.year`` (2019), so ``uge 1`` is 31.12.2018-06.01.2019, outside the
    dates. ISO week 1 of 2020 is exactly 30.12.2019-05.01.2020. Without ``uge 1`` the invoice posts; 0.9.40
    posted it with the words too.

    Why it matters: weekly respite (rate unit ``week``, robot-spec's grants table) is invoiced by week number,
    and every such invoice at the turn of the year falls to manual handling. README, convert
    ``period_start`` (0.9.41): "a week its dates do not hold, `uge 5-8 2019`, `weeks 5-8` (week 10 beside
    March's dates is within them)": week 1 beside the dates of week 1 is within them. Right behaviour: a week
    without its year is read in the ISO year of the dates (or any ISO year they touch): posted."""
    period = "2019-12-30/2020-01-05"
    document = peppol("<cbc:Note>Borger 631290-3456</cbc:Note>", "2800.00",
                      line(1, "2800.00", description="Aflastning uge 1", period=period, quantity="7", unit="DAY"),
                      period=period)  # fmt: skip
    status, reason, message = _decision(tmp_path, document)
    assert (status, reason) == ("posted", ""), f"week 1 beside the dates of ISO week 1 of 2020 held: {message!r}"


# ------------------------------------------------------------------ 5. the notes name another period, not by a month word


@pytest.mark.parametrize(
    "note",
    [
        "Døgnophold 01.02.19-28.02.19",  # February in dates of two-digit years
        "Døgnophold uge 5-8 2019",  # weeks 5-8: 28 January to 24 February
        "Residential care 02/01/2019 - 02/28/2019",  # February as an English-language system writes it
        "Døgnophold forrige måned",  # beside March's dates: February
    ],
)
def test_notes_naming_another_period_in_dates_weeks_or_last_month_are_posted_for_the_element(tmp_path, note):
    """What goes wrong: a one-citizen invoice whose InvoicePeriod is March 2019 (the supplier's system fills
    in the month) and whose document note says which period the stay was: ``Døgnophold 01.02.19-28.02.19``,
    ``Døgnophold uge 5-8 2019``, ``Residential care 02/01/2019 - 02/28/2019`` or ``Døgnophold forrige
    måned``. Each is POSTED on B-1001 for 01.03.2019-31.03.2019. The same words on a March-dated line are
    held (``names_another_period``: README "two dates in digits no one period is read from
    (`01.02.19-28.02.19`)", "a week its dates do not hold, `uge 5-8 2019`", "`02/28/2019`", "a month by
    where it stands, `forrige måned`"), but 0.9.41's check of the notes, ``names_another_month``, reads only
    month words, and ``period_in_text(notes)`` gives no one period for these forms (they are "loose"), so the
    notes are never compared.

    Why it matters: February's stay is paid as March and March marked paid in Sensum (February perhaps paid
    twice; the real March invoice then held ALREADY_PAID). README, convert ``period_start`` since 0.9.38:
    "where the document's own notes name one period the element's does not lie within: `InvoicePeriod` March
    and a note saying February was posted for March". Right behaviour: notes that say the stay was in
    another period, in any form the line's words are held for (payment terms' ``næste måned`` aside), make
    the period uncertain: a caseworker decides."""
    status, _reason, message = _decision(tmp_path, _document("note", note))
    assert status == "manual", f"note {note!r} beside a March InvoicePeriod was posted: {message!r}"


# ------------------------------------------------------------------ 6. the fast path and a Turkish i


@pytest.mark.parametrize(
    "text",
    ["Døgnophold marts 2019, PREVİOUS MONTH", "Stay prıor month, faktureret marts 2019"],
)
def test_fast_path_reads_an_english_relative_month_with_a_turkish_i_as_no_loose_word(tmp_path, text):
    """What goes wrong: an extract row with blank period cells whose text says ``PREVİOUS MONTH`` (upper-cased
    under a Turkish locale, as ``SİDSTE MÅNED`` is, which the project already reads) or ``prıor month`` beside
    ``marts 2019`` is POSTED for 01.03.2019-31.03.2019. ``period_in_text`` (Python, ``_LOOSE_DAYS`` with
    IGNORECASE, where a dotted or dotless Turkish i is an i) finds the loose words and gives no period; the
    whole-column fast path ``period_from_texts`` (``_LOOSE_DAYS_RE2``, 0.9.41's new
    ``(?:last|previous|prior|next){_WS}+month``) spells the i as ``i`` and not ``_I_RE2``, as its Danish twin
    ``s{_I_RE2}dste`` does, so it reads March. ``run`` reads blank cells by the fast path.

    Why it matters: the two readers must agree on every text (tests/test_fast_paths.py,
    tests/period_runs.both_paths: "period_in_text and the whole-column fast path, which agree on every
    text"), and here the disagreement pays the previous month's stay as March. README, Periods (0.9.41):
    "`last month`, `previous month` … give no period as `forrige måned` … do: beside `faktureret marts 2019`
    each was paid as March". Right behaviour: the fast path equals ``period_in_text`` (None), and the run
    sends the invoice to a caseworker (MISSING_PERIOD)."""
    slow, fast = both_paths(text)
    assert slow is None
    assert fast == slow, f"fast path read {fast} from {text!r}, period_in_text {slow}"
    got = run_robot(tmp_path, [grant()], [invoice(text=text)])
    assert got["decisions"].iloc[0]["status"] == "manual", f"{text!r} was posted as {posted_as(got)}"
