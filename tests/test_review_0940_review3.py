"""A third review of 0.9.40's final mends (parsing.names_another_period and parsing._in_a_name's new name
rules, used by einvoice.dated_against_words, months_named and so period_in_text and the collective
invoices' line checks; lines._Plan._lines_name_another). Each test fails on the code as it was found."""

from __future__ import annotations

import pytest

from tests.test_attack_0932_einvoice import decided
from tests.test_lines import ANNA, BO, invoice
from tests.test_lines import decide as decide_lines
from tests.test_lines import line as csv_line
from tests.test_review_0940_review2 import _dated


@pytest.mark.parametrize("words", ["Botilbud, Juni måned", "Husleje, Maj måned", "Kost, Juli Måned"])
@pytest.mark.parametrize("where", ["collective-line", "einvoice-line-period", "einvoice-period-description"])
def test_a_month_after_a_word_and_a_comma_followed_by_maaned_is_read_as_a_citizens_name(tmp_path, words, where):
    """A line whose words are a heading, a comma and a month with the word "måned" after it ("Botilbud, Juni
    måned", "Husleje, Maj måned"), as a home's invoicing system writes a line: (a) a line of collective
    invoice S1 ("Samlefaktura marts 2019", 50.000 kr.) for Anna, 30.000 kr., period cells blank, beside
    Bo's "Botilbud marts" line; (b) an e-invoice for Anna, 28.500 kr., whose line's (or document's) period
    element says March 2019 and whose words say June.

    What goes wrong: 0.9.40's last mend taught parsing._in_a_name that a capitalised word and a comma before
    a month that is also a first name is a surname ("Hansen, Maj"), unless a year follows. It never asks
    what follows the month: "måned" (which _NO_NAMES already lists as no surname, "Juni Måned") does not
    stop it, so "Botilbud, Juni måned" names no month at all. (a) the line takes the invoice's period and
    S1 is posted line by line, Anna's June paid as March (written in lower case, "Botilbud, juni måned",
    it goes to a caseworker as MISSING_PERIOD, as 0.9.39 sent the capitalised one); (b)
    einvoice.dated_against_words sees no other month and the invoice is posted for March on B-1001.
    March is then marked paid in Sensum, and March's real invoice is held as ALREADY_PAID.

    Right behaviour: README (periods in text): "A month that is also a first name is a person's only before
    or after a name written as one ... not `JUNI FAKTURERET` nor `Juni Regulering`"; a month followed by
    "måned" is a month (README: `februar måned` is named). The line is held (MISSING_PERIOD /
    "(flere perioder i teksten)"), never posted for March."""
    if where == "collective-line":
        lines = [csv_line("S1", "1", ANNA, "30000", words), csv_line("S1", "2", BO, "20000", "Botilbud marts")]
        r = decide_lines([invoice("S1", "50000")], lines)
        d = r.decisions.iloc[0]
        posted = r.postings[["cpr", "period_start"]].to_dict("records")
        assert d["status"] == "manual", (d["status"], d["grant_id"], posted)
        assert len(r.postings) == 0
        return
    d = decided(tmp_path, _dated(where.removeprefix("einvoice-"), words)).iloc[0]
    assert d["status"] == "manual", (d["status"], d["grant_id"], d["period_start"])


@pytest.mark.parametrize(
    "words",
    ["Døgnophold 01/02/19-28/02/19", "Døgnophold 01-02-19 - 28-02-19", "Døgnophold 1/2-28/2 2019",
     "Døgnophold 01/02-2019 - 28/02-2019"],
)  # fmt: skip
@pytest.mark.parametrize("where", ["line-period", "invoice-period-description"])
def test_februarys_dates_written_with_slashes_or_dashes_beside_march_dates_are_paid_as_march(tmp_path, words, where):
    """An e-invoice for Anna, 28.500 kr., whose period element holds March 2019 (filled in by the
    supplier's system as the invoice's month) and whose words beside it, typed by the home, bill February
    in digits as Danes most often write them: "01/02/19-28/02/19", "01-02-19 - 28-02-19", "1/2-28/2 2019",
    "01/02-2019 - 28/02-2019".

    What goes wrong: parsing.names_another_period sends a period to "(flere perioder i teksten)" where the
    words hold "two or more dates in digits the reader makes no one period of" ('loose'), but counts such
    dates with _DAY_MONTH_DIGITS, which knows only a dot between day and month ("01.02.19-28.02.19" is held,
    the mend's own test). With a slash or a dash the reader makes no period of them either ('loose' is
    True), yet none is counted: the invoice is posted on B-1001 for 01.03.2019-31.03.2019 and March is
    marked paid for February's stay. The same words on a collective invoice's line (lines.py,
    names_no_one_period) send the line to a caseworker (MISSING_PERIOD).

    Right behaviour: README (convert, period_start/period_end, since 0.9.40): "or two dates in digits no one
    period is read from (`01.02.19-28.02.19`)" -> "(flere perioder i teksten)", so a caseworker decides;
    spec "Period from text" knows `/` and `-` as separators as well as `.`. Never posted for March."""
    d = decided(tmp_path, _dated(where, words)).iloc[0]
    assert d["status"] == "manual", (d["status"], d["grant_id"], d["period_start"])


@pytest.mark.parametrize(
    "words",
    ["Døgnophold 01.02.2019-14.02.2019 og 15.02.2019-28.02.2019",
     "Døgnophold 01.02.2019 - 14.02.2019, 15.02.2019 - 28.02.2019"],
)  # fmt: skip
@pytest.mark.parametrize("where", ["line-period", "invoice-period-description"])
def test_two_february_periods_beside_march_dates_are_paid_as_march(tmp_path, words, where):
    """An e-invoice for Anna, 28.500 kr., whose period element holds March 2019 and whose words bill
    February in two parts (a rate change on 15 February: "Døgnophold 01.02.2019-14.02.2019 og
    15.02.2019-28.02.2019"), every date written in full.

    What goes wrong: parsing.names_another_period asks only whether the words give *one* period that does
    not hold the element's dates; where they give two (or more) full periods, neither a month word, nor
    'loose' dates, nor lone days are left to catch them, and it answers "no other period": the invoice is
    posted on B-1001 for 01.03.2019-31.03.2019, February's stay paid and marked in Sensum as March. A single
    "01.02.2019-28.02.2019" is held (the mend's purpose), so is the same text on a collective invoice's line
    (MISSING_PERIOD).

    Right behaviour: README (convert, since 0.9.40): the period is "(flere perioder i teksten)" where the
    words name a period the dates do not lie within; spec "Period from text": "exactly one such period, else
    none". Periods in the words that lie outside the element's dates leave it to a caseworker."""
    d = decided(tmp_path, _dated(where, words)).iloc[0]
    assert d["status"] == "manual", (d["status"], d["grant_id"], d["period_start"])


@pytest.mark.parametrize("copy", ["same-row-twice", "number-respelt"])
def test_an_invoice_sent_twice_in_one_extract_is_posted_whole_on_its_one_citizen_though_its_lines_name_another(copy):
    """Invoice S1 from the home, CPR cell Anna (its first line's citizen, as a supplier's system fills it),
    30.000 kr. for March, with lines of 15.000 kr. for Anna and 15.000 kr. for Bo: the very case 0.9.40
    mended (lines._Plan._lines_name_another: LINES_MISMATCH). But the month's invoice extract holds S1
    twice, as extracts do (the supplier sent it again as a reminder, or the export repeats a row; once
    written "S-1"): the very situation check 10 exists for.

    What goes wrong: the mend applies only to an invoice "alone with its number in the extract" (``once``;
    tests/reference.py mirrors it with ``documents_of == 1``), so with a second copy the lines are ignored
    again and the first S1 is posted whole on Anna's grant G1, Bo's 15.000 kr. paid as Anna's March; the copy
    is DUPLICATE_INVOICE. The README's reason for the exception ("a debit note and the faktura sent after
    it: whose lines they are, nothing says") does not hold where both documents are the same invoice for
    the same single citizen and amount: the lines are this invoice's whichever copy they belong to.

    Right behaviour: the README's departure (Collective invoices: "where its lines name another citizen, it
    goes to a caseworker as LINES_MISMATCH ... an invoice whose CPR cell named its first line's citizen was
    posted whole on that citizen's grant, the second citizen's half with it"): S1 is never posted on G1,
    with or without a copy of it later in the extract."""
    first = invoice("S1", "30000", cpr=ANNA, text="marts 2019")
    again = dict(first) if copy == "same-row-twice" else {**first, "invoice_id": "S-1"}
    lines = [csv_line("S1", "1", ANNA, "15000"), csv_line("S1", "2", BO, "15000")]
    alone = decide_lines([first], lines)
    assert alone.decisions["reason"].tolist() == ["LINES_MISMATCH"]  # the mend, alone
    r = decide_lines([first, again], lines)
    d = r.decisions.iloc[0]
    assert d["status"] == "manual", (d["status"], d["grant_id"], r.postings[["cpr", "amount_ore"]].to_dict("records"))
    assert len(r.postings) == 0
