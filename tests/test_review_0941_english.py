"""An attack on invoices and extracts written in English or by foreign suppliers (periods read from the
invoice's words beside its period element or in an extract's text).

Peppol BIS 3 invoices are often written in English, by Danish suppliers too, and access points translate.
Each test below gives the robot a realistic English (or loosely written) way of saying *which month* an
invoice is for, beside a period that says another month, and finds the invoice POSTED for the other month,
where the same words written the Danish way (``Døgnophold februar 2019``, ``Døgnophold februar``, ``okt.
2018``) send it to a caseworker. February's stay paid as March means March marked paid in Sensum, and
February (maybe paid already) paid twice, or the real March invoice held as ALREADY_PAID.

Every test failed on 0.9.40 (an attack on it) and passes now that such words are read (or at least make
the period uncertain, so a caseworker decides); the Danish cases the attack named beside them too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.period_runs import grant, invoice, posted_as, run_robot
from tests.test_attack_0932_einvoice import decided, line, peppol

#: the citizen of grant B-1001 (28,500 kr. a month at Solhøj, § 108) in test_attack_0932_einvoice's grants
CITIZEN = "<cbc:Note>Borger 610190-1234</cbc:Note>"
MARCH = "2019-03-01/2019-03-31"


def _period_with_words(words: str, start: str = "2019-03-01", end: str = "2019-03-31") -> str:
    """An InvoicePeriod of March whose own Description holds ``words``."""
    return (
        f"<cac:InvoicePeriod><cbc:StartDate>{start}</cbc:StartDate><cbc:EndDate>{end}</cbc:EndDate>"
        f"<cbc:Description>{words}</cbc:Description></cac:InvoicePeriod>"
    )


def _status(tmp_path: Path, document: str):
    d = decided(tmp_path, document).iloc[0]
    return d["status"], d["reason"], d["message"]


# ------------------------------------------------------------------ 1. the document's note in English


@pytest.mark.parametrize(
    "note",
    [
        "Residential care February 2019",
        "Accommodation for the month of February",
        "Residential care Feb 2019",
        "Døgnophold okt. 2018",  # the Danish short name beside the element, no period read from it
        "Døgnophold februar",  # a Danish month without its year
    ],
)
def test_english_note_naming_another_month_than_the_invoice_period_is_posted(tmp_path, note):
    """What goes wrong: a Peppol invoice for one citizen (28,500 kr., one line), whose InvoicePeriod is March
    2019 (filled in by the supplier's system as the month of issue) and whose document note, written in
    English by the home, says which month the stay was for: ``Residential care February 2019``. `convert
    oioubl` + `run` POST it on B-1001 for 01.03.2019-31.03.2019 and mark March paid.

    The same note in Danish (``Døgnophold februar 2019``) is held: ``einvoice.invoice_row`` compares the
    period element with ``period_in_text(notes)`` (the comment there: "the period element and the
    document's own notes name two periods (InvoicePeriod filled with the month of issue, the note saying
    which month the stay was for): which the amount is for, nobody can tell ... an attack on 0.9.37").
    ``period_in_text`` reads only Danish month names, so an English note (or one naming the month without
    its year, or short) is never compared, although ``parsing.months_named`` reads ``February 2019`` and
    ``Feb 2019`` (README, Periods: "a month's English or German name before a year or a day (`February
    2019`, ...)" is read as naming a month).

    Why it matters: February's stay is paid as March (wrong period posted, March marked paid in Sensum;
    February perhaps paid twice). README, convert's ``period_start``: "since 0.9.38 written `(flere perioder
    i teksten)`, so that a caseworker decides, where the document's own notes name one period the element's
    does not lie within: `InvoicePeriod` March and a note saying February was posted for March". Right
    behaviour: a note naming a month the period element does not hold (in English as in Danish) makes the
    period uncertain, and a caseworker decides, as for the Danish note."""
    status, _reason, message = _status(tmp_path, peppol(f"<cbc:Note>Borger 610190-1234. {note}</cbc:Note>",
                                                       "28500.00", line(1, "28500.00")))  # fmt: skip
    assert status == "manual", f"note {note!r} beside a March InvoicePeriod was posted: {message!r}"


# ------------------------------------------------------------------ 2. an undated line in English


@pytest.mark.parametrize(
    "description",
    ["Residential care February 2019", "Residential care Feb 2019", "Døgnophold feb. 2019", "Døgnophold 02/2019"],
)
def test_undated_english_line_naming_another_month_is_posted_for_the_document_period(tmp_path, description):
    """What goes wrong: a Peppol invoice for one citizen whose document InvoicePeriod is March 2019 and whose
    only line has no InvoicePeriod of its own and the item description ``Residential care February 2019``
    is POSTED for 01.03.2019-31.03.2019 on B-1001.

    The same line in Danish (``Døgnophold februar 2019``) goes to a caseworker (INVALID_AMOUNT: "har en
    linje for perioden 01.02.2019–28.02.2019, uden for fakturaens egen periode"): the line's period is read
    with ``period_in_text`` (``einvoice._read_period``), which knows Danish month names only, so the English
    line is taken to be for the document's March.

    Why it matters: a February stay paid and marked paid as March. README, convert's ``period_start``: "A
    line without a period of its own is held to the period its text names, as the robot reads a line's
    period (`Døgnophold februar 2019` ...) ... (since 0.9.31: a one-citizen March invoice whose one line's
    text said February was posted for March ...)". Right behaviour: the line's words name February, which
    the document's March does not hold: not posted for March (a caseworker decides, as for the Danish
    description)."""
    status, _reason, message = _status(tmp_path, peppol(CITIZEN, "28500.00", line(1, "28500.00",
                                                                               description=description)))  # fmt: skip
    assert status == "manual", f"undated line {description!r} under a March invoice was posted: {message!r}"


# ------------------------------------------------------------------ 3. English month names months_named misses


@pytest.mark.parametrize(
    "where",
    ["the line's item description", "the document's period description"],
)
@pytest.mark.parametrize(
    "words",
    [
        "Residential care for the month of February",  # English month name without a year
        "Residential care Oct. 2018",  # English short name (Danish: okt.)
        "Residential care, previous month",  # English for "forrige måned"
    ],
)
def test_english_month_words_beside_a_period_element_are_not_read(tmp_path, where, words):
    """What goes wrong: a line (or the document) dated March 2019 by its InvoicePeriod, whose own words,
    written in English, name another month: ``for the month of February`` (an English month without its
    year), ``Oct. 2018`` (the English short name), ``previous month``. Each is POSTED on B-1001 for
    01.03.2019-31.03.2019.

    The Danish words are held (``Døgnophold februar``, ``Døgnophold okt. 2018``:
    tests/test_review_0940_review.py, INVALID_AMOUNT / MISSING_PERIOD), because
    ``parsing.months_named`` reads a Danish month name without a year and the Danish short names, but
    ``FOREIGN_MONTHS`` only before a year or a day, has no ``oct``, and knows no English word for the month
    before (``forrige måned`` is read in a text).

    Why it matters: the month the supplier says it bills is not the month posted; February is paid as March
    and March marked paid. README (convert, period_start, since 0.9.40): "a line's period where its own texts
    or its period's description name one period its dates do not lie within ... is written (flere perioder i
    teksten)", and "a month's English or German name" is among what names a month. Right behaviour: such
    words beside March's dates make the period uncertain; a caseworker decides, as for the Danish words.
    (``May``, ``March`` are real words; ``February``, ``October``, ``Oct.`` are not.)"""
    if where == "the line's item description":
        document = peppol(CITIZEN, "28500.00", line(1, "28500.00", description=words, period=MARCH))
    else:
        document = peppol(CITIZEN, "28500.00", line(1, "28500.00"), period="", after_period=_period_with_words(words))
    status, _reason, message = _status(tmp_path, document)
    assert status == "manual", f"March's dates beside {where} {words!r} were posted: {message!r}"


# ------------------------------------------------------------------ 4. the same in an extract's text


@pytest.mark.parametrize(
    "text",
    [
        "Residential care for the month of February, faktureret marts 2019",
        "Stay Oct. 2018, faktureret marts 2019",
        "Stay last month, faktureret marts 2019",
        "Stay weeks 5-8, faktureret marts 2019",
    ],
)
def test_english_month_words_in_an_extract_text_beside_a_danish_month_are_posted_as_that_month(tmp_path, text):
    """What goes wrong: an invoices extract (period cells blank, as OPUS's inbox often has them) whose text
    mixes the supplier's English words with the Danish month of invoicing: ``Residential care for the month
    of February, faktureret marts 2019``, ``Stay Oct. 2018, faktureret marts 2019``, ``Stay last month,
    faktureret marts 2019``, ``Stay weeks 5-8, faktureret marts 2019``. The robot reads March 2019 from ``marts 2019`` and POSTS 28,500 kr. for
    01.03.2019-31.03.2019.

    tests/test_review_0936_periods_named.py made ``Stay February 2019, faktureret marts 2019`` give no
    period; the same month without its year, the English short name ``Oct.`` (the Danish ``okt.`` is read),
    ``last month`` (the Danish ``forrige måned``/``sidste måned`` are read) and the English ``weeks 5-8`` (the
    Danish ``uge 5-8`` gives no period) are not.

    Why it matters: another month's stay is paid as March and March marked paid (wrong period; the real
    March invoice then held as ALREADY_PAID). README, Periods: "a text whose one period is found is held to
    it ...: every month it names must lie in the period, or the text gives no period", and "a month named by
    where it stands (`forrige måned`, `sidste måned`, `måneden før`), a month's English or German name ...
    give no period". Right behaviour: MISSING_PERIOD, a caseworker decides."""
    got = run_robot(tmp_path, [grant()], [invoice(text=text)])
    d = got["decisions"].iloc[0]
    assert d["status"] == "manual", f"{text!r} was posted as {posted_as(got)}"


# ------------------------------------------------------------------ 5. loose words beside a period element


@pytest.mark.parametrize(
    "words",
    [
        "Døgnophold uge 5-8 2019",  # weeks 5 to 8: 28 January to 24 February
        "Residential care weeks 5-8 2019",
        "Døgnophold forrige måned",  # "last month"
        "Residential care 02/01/2019 - 02/28/2019",  # February in US dates, as an English-language system writes it
    ],
)
def test_words_that_give_no_period_in_a_text_are_passed_over_beside_a_period_element(tmp_path, words):
    """What goes wrong: a line dated March 2019 by its InvoicePeriod, whose description says it is for weeks
    5-8 (``uge 5-8 2019``, ``weeks 5-8 2019``), for the month before (``forrige måned``), or gives
    February's dates as an English-language system writes them (``02/01/2019 - 02/28/2019``), is POSTED on
    B-1001 for 01.03.2019-31.03.2019.

    In an invoice's text each of these gives no period beside a month (README, Periods: "a week's number
    (`uge 5-8`) ... since 0.9.32, each was posted as the month beside it"; "a month named by where it
    stands (`forrige måned`) ... give no period"; "a range of a date that does not exist ... beside a month"
    gives none). Beside a period element's dates ``parsing.names_another_period`` counts such loose words
    only when it also finds two day-month dates (``01.02.19-28.02.19``); a week's number, ``forrige
    måned`` and a US date (``02/28`` is no day-month) have at most one, so the words are passed over.

    Why it matters: the period posted is not the one the supplier bills (weeks 5-8 are January and
    February); March is marked paid. Right behaviour (README, convert period_start since 0.9.40): words
    beside the dates that name another period, or say something of the period and give no one period,
    make the line's period ``(flere perioder i teksten)``; a caseworker decides."""
    document = peppol(CITIZEN, "28500.00", line(1, "28500.00", description=words, period=MARCH))
    status, _reason, message = _status(tmp_path, document)
    assert status == "manual", f"a March line described {words!r} was posted: {message!r}"


@pytest.mark.parametrize(
    "where, words",
    [
        ("note", "Betaling senest 15. april 2019, jf. aftale af 12.02.2019"),
        ("note", "Residential care March 2019"),
        ("note", "Takst pr. 1. januar 2019"),
        ("note", "Octavia Hansen, værelse 4"),
        ("undated line", "Døgnophold marts"),
        ("undated line", "Residential care March 2019"),
        ("dated line", "Døgnophold uge 10"),
        ("dated line", "Døgnophold 01.03.2019-31.03.2019"),
        ("dated line", "Døgnophold, indflyttet 15. februar 2019"),
    ],
)
def test_words_that_agree_with_the_period_or_name_none_leave_the_invoice_posted(tmp_path, where, words):
    """The mend reads more words as naming a month; a correct invoice must still post: payment terms and a
    day named with its month in the notes, the month itself in English, a first name that starts like a
    month, an undated line naming the invoice's own month, week 10 (4-10 March 2019) beside March's dates."""
    if where == "note":
        document = peppol(f"<cbc:Note>Borger 610190-1234. {words}</cbc:Note>", "28500.00", line(1, "28500.00"))
    elif where == "undated line":
        document = peppol(CITIZEN, "28500.00", line(1, "28500.00", description=words))
    else:
        document = peppol(CITIZEN, "28500.00", line(1, "28500.00", description=words, period=MARCH))
    status, reason, message = _status(tmp_path, document)
    assert (status, reason) == ("posted", ""), message
