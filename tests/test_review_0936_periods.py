"""Periods read from an invoice's text (an attack on 0.9.35's matcher): two dates joined by `til og med`,
`t.o.m.`, `indtil`, `frem til`, `til den`, a minus sign or two hyphens are a range, and digits of any
script are read as 0-9, so that neither is paid as the month named beside it."""

from __future__ import annotations

import numpy as np
import pytest

from invoicekit.parsing import period_from_texts, period_in_text
from tests.period_runs import february_then as _february_then
from tests.period_runs import grant as _grant
from tests.period_runs import invoice as _invoice
from tests.period_runs import run_robot as _run

# ------------------------------------------------------------------ periods read from an invoice's text

#: a February stay written as a range of dates joined otherwise than by "-", "–" or a bare "til" (Danish
#: "til og med", "t.o.m.", "indtil", "frem til", "fra den ... til den ..."; a minus sign; a double hyphen
#: as typed), beside the month it was invoiced in
FEBRUARY_JOINED_OTHERWISE = [
    "Døgnophold 01.02.2019 til og med 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 t.o.m. 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 indtil 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 frem til 28.02.2019. Faktura marts 2019",
    "Døgnophold 01.02.2019 \u2212 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 -- 28.02.2019, faktureret marts 2019",
    "Døgnophold fra den 01.02.2019 til den 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 til den 28.02.2019, faktureret marts 2019",
]


@pytest.mark.parametrize("text", FEBRUARY_JOINED_OTHERWISE)
def test_a_february_stay_written_til_og_med_is_never_paid_again_as_march(tmp_path, text):
    """A user suffers February paid twice: the supplier's February invoice F-100 (period cells filled)
    is posted in one run; a reminder F-101 with its period only in the text, "Døgnophold 01.02.2019 til
    og med 28.02.2019, faktureret marts 2019", is read as March (the two dates are taken for lone
    dates, "marts 2019" for the one period), posted as 01.03.2019-31.03.2019 at a month's rate and
    March marked paid in Sensum; check 21 does not see February again. The same text joined by
    "til" alone, "-" or "–" gives no period, and the same text on a collective invoice's line gives
    none (MISSING_PERIOD). README, "Periods": months and dates joined by "til og med", "t.o.m.",
    "indtil", "frem" ... give no period (`marts 2019 til den 30.04.2019`, `01.03.2019 til april 2019`),
    and "a text whose one period is found is held to it"; spec, check 21 ("never pay twice"): the
    stay of 1-28 February is paid once. Either no period (manual) or February (ALREADY_PAID) is
    right; March is not."""
    again = _february_then(tmp_path, text)
    d = again["decisions"].iloc[0]
    assert d["status"] == "manual", (
        f"{text!r} posted as {list(again['postings']['Ydelsesperiode fra'])}-"
        f"{list(again['postings']['Ydelsesperiode til'])}: February's stay paid a second time, as March"
    )
    assert len(again["postings"]) == 0


#: forms the README says give no period beside a month (`01-02-19 - 28-02-19`, `02/2019`, `02.2019`,
#: `periode 201902`, `Q4 2018`, a range of compact dates), written with full-width digits, as a PDF's
#: text layer or an East-Asian input method writes them; the README reads such digits as 0-9 in CPR,
#: CVR and amount cells, and the text's own range `０１.０３.２０１９ - ３１.０３.２０１９` is read as March
OTHER_DIGIT_FEBRUARY = [
    "Døgnophold ０１-０２-１９ - ２８-０２-１９, faktureret marts 2019",
    "Ophold ０２/２０１９, faktureret marts 2019",
    "Ophold ０２.２０１９, faktureret marts 2019",
    "Ophold marts 2019, periode ２０１９０２",
    "Ophold ２０１９０２０１-２０１９０２２８, faktureret marts 2019",
    "Ophold Q４ 2018 marts 2019",
]


@pytest.mark.parametrize("text", OTHER_DIGIT_FEBRUARY)
def test_a_stay_written_in_full_width_digits_is_never_paid_as_the_month_beside_it(tmp_path, text):
    """A user suffers another month's stay posted as March: each text names February (or the fourth
    quarter of 2018) in full-width digits beside "marts 2019"; written in digits 0-9 the robot gives
    no period (MISSING_PERIOD: README, "Periods", `Døgnophold 01-02-19 - 28-02-19, faktureret marts
    2019`, `Ophold 02.2019, faktureret marts 2019`, `periode 201902`, `Q4 2018`, `20190201-20190228`
    were each "paid as March" and mended), but in full-width digits the loose-day, month-in-digits,
    compact-date and quarter patterns (ASCII classes such as `0?[1-9]`, `(?:19|20)\\d\\d`, `q([1-4])`)
    do not see them, while the range and month patterns read `\\d` of any script: March is posted and
    marked paid. The row-by-row reference (tests/reference.py) shares the patterns, so the equivalence
    tests cannot see it. README, "Amounts"/"CPR numbers": digits of any script are read as 0-9."""
    got = _run(tmp_path, [_grant()], [_invoice(period_start="", period_end="", text=text)])
    d = got["decisions"].iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD"), (
        f"{text!r} read as {list(got['postings']['Ydelsesperiode fra'])} and posted"
    )


#: a February stay beside "marts 2019" written so that its dates or month name were not read: a date with
#: spaces after its dots, a soft hyphen or a zero-width space inside the month's name (each was read as
#: March, the one period left, and paid)
FEBRUARY_HIDDEN = [
    "Døgnophold 01. 02. 2019 - 28. 02. 2019, faktureret marts 2019",
    "Døgnophold 1. 2. 19 - 28. 2. 19, faktureret marts 2019",
    "Døgnophold Fe\u00adbruar 2019, faktureret marts 2019",
    "Døgnophold Febru\u200bar 2019, faktureret marts 2019",
]


@pytest.mark.parametrize("text", FEBRUARY_HIDDEN)
def test_a_stay_whose_dates_are_spaced_or_whose_month_hides_a_soft_hyphen_is_never_paid_as_march(tmp_path, text):
    """The text names February in a form people write (spaced dates) or a PDF's text layer gives (a soft
    hyphen, a zero-width space), beside the month it was invoiced in: the robot reads no one period
    (MISSING_PERIOD), a caseworker decides; 0.9.35 posted March. The row-by-row reference reads them so."""
    got = _run(tmp_path, [_grant()], [_invoice(period_start="", period_end="", text=text)])
    d = got["decisions"].iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD"), (
        f"{text!r} read as {list(got['postings']['Ydelsesperiode fra'])} and posted"
    )


def test_a_soft_hyphen_in_the_only_month_named_is_read_past_and_the_fast_path_agrees():
    """What shows nothing is read past, by the whole-column reading as by one text at a time:
    `Fe\u00adbruar 2019` alone is February, and `§ 108` (whose first byte a soft hyphen shares) changes
    nothing."""
    texts = np.array(["Ophold Fe\u00adbruar 2019", "Ophold § 108 marts 2019", "Ophold\u200b marts 2019"], dtype=object)
    start, end = period_from_texts(texts)
    expected = [("2019-02-01", "2019-02-28"), ("2019-03-01", "2019-03-31"), ("2019-03-01", "2019-03-31")]
    assert [(str(s), str(e)) for s, e in zip(start, end, strict=True)] == expected
    for text, (s, e) in zip(texts, expected, strict=True):
        assert tuple(d.isoformat() for d in period_in_text(text)) == (s, e)
