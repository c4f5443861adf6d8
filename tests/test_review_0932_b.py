"""A second review of the 0.9.32 session's mends (periods, masking, the Danish clock, sample
control): faults they left open. Each test failed on the mends reviewed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from invoicekit.identifiers import mask_cpr_text, mask_cprs_in
from invoicekit.parsing import period_from_texts, period_in_text
from tests.test_attack_0932_equivalence import fast, grant, invoice


def _decided(text: str):
    """A one-citizen invoice of 30,000 kr., period cells blank, a monthly grant of 30,000 kr. from 1 January 2019:
    decided by the robot (its whole-column path, period_from_texts)."""
    return fast([invoice(period_start="", period_end="", text=text, amount="30000,00")], [grant()]).iloc[0]


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2009", "\x0b"])
def test_month_two_digit_year_after_a_no_break_space_is_posted_by_the_fast_path(space):
    """User sees: "Døgnophold februar<no-break space>19. Faktureret marts 2019" (February's stay, as Excel or Word
    writes a no-break space) is POSTED for 01.03.2019-31.03.2019, while period_in_text on the same text gives no
    period, and with an ordinary space the same invoice goes to manual (MISSING_PERIOD).

    Should see: manual, MISSING_PERIOD, as for "februar 19" (README, Periods, since 0.9.32), and
    period_from_texts equal to period_in_text for every text (its docstring: "the result is the same as calling
    it on every text").

    Cause: invoicekit/parsing.py _LOOSE_DAYS_RE2, the new alternative ``(?:months)[\\s.,']*\\d{1,2}...``: RE2's
    ``\\s`` is ASCII only, where Python's _LOOSE_DAYS (``[\\s.,']*``) reads every Unicode space; the prefilter
    misses the text, period_from_texts reads its one month with RE2 and never asks Python (it should use _WS,
    as the other RE2 alternatives do). The same alternative has no _I_RE2 for the month names, so
    "aprıl 19" beside "marts 2019" also parts the fast path from period_in_text."""
    text = f"Døgnophold februar{space}19. Faktureret marts 2019"
    start, _end = period_from_texts(np.array([text], dtype=object))
    assert period_in_text(text) is None
    assert np.isnat(start[0]), f"fast path read {start[0]} where period_in_text reads none"
    d = _decided(text)
    assert d["status"] == "manual" and d["reason"] == "MISSING_PERIOD", (d["status"], d["message"])


@pytest.mark.parametrize(
    "text",
    [
        "Døgnophold 01-02-19-28-02-19, faktureret marts 2019",  # the attack's February stay, no spaces round the dash
        "Døgnophold 1-2-19-28-2-19, faktureret marts 2019",
        "Ophold marts 2019, udflyttet 15-03-19.",  # moved out mid-March, at the end of a sentence
    ],
)
def test_dashed_two_digit_year_date_beside_a_dash_or_full_stop_is_posted_as_the_month(text):
    """User sees: "Døgnophold 01-02-19-28-02-19, faktureret marts 2019" (the February stay of
    tests/test_attack_0932_periods.py, written without spaces round the dash, as the robot's own OPUS text
    writes a period) is POSTED for March 2019; so is "Ophold marts 2019, udflyttet 15-03-19." (a full stop after
    the date). The dotted forms "01.02.19-28.02.19" and "udflyttet 15.03.19." go to manual, and so does
    "udflyttet 15-03-19" without the full stop.

    Should see: manual, MISSING_PERIOD (README, Periods: since 0.9.32 `15-03-19` is a day no month or year
    follows, which gives no period).

    Cause: invoicekit/parsing.py _LOOSE_DAYS, the new dashed alternative
    ``(?<![\\d.,/-])...-\\d{2}(?![\\d./-])``: a ``-`` before or after the date (the dash joining two dates) and a
    ``.`` after it (a sentence's end; the dotted alternative allows ``\\.(?!\\d)``) refuse it; tests/reference.py
    text_periods copies the pattern, so the equivalence tests agree with the mistake."""
    d = _decided(text)
    assert d["status"] == "manual" and d["reason"] == "MISSING_PERIOD", (d["status"], d["message"])


@pytest.mark.parametrize("written", ["februar-19", "februar/19"])
def test_month_name_and_two_digit_year_joined_by_a_dash_is_posted_as_the_other_month(written):
    """User sees: "Døgnophold februar-19, faktureret marts 2019" (February 2019 as Excel's "mmmm-yy" writes it) is
    POSTED for March 2019; "februar 19", "februar '19", "februar.19" and "februar, 19" beside it go to manual.

    Should see: manual, MISSING_PERIOD: README, Periods (since 0.9.32) "a month name with one or two digits,
    `februar 19`" gives no period; the spec: exactly one period, else none.

    Cause: invoicekit/parsing.py _LOOSE_DAYS, the new month-name alternative, reads only ``[\\s.,']*`` between
    the name and the digits (no dash, no slash), and _MONTH_BEFORE_MONTH wants a dotted day after a joiner;
    tests/reference.py text_periods alike."""
    text = f"Døgnophold {written}, faktureret marts 2019"
    d = _decided(text)
    assert d["status"] == "manual" and d["reason"] == "MISSING_PERIOD", (d["status"], d["message"])


@pytest.mark.parametrize("space", ["\x0b", "\x1c", "\x85"])
def test_thousands_grouped_cpr_with_python_only_spaces_is_shown_in_full_in_a_column(space):
    """User sees: a text cell "Ref 2<VT>.012<VT>.621<VT>.896" (a vertical tab, as Word's line break pastes, around
    each dot) shown in full in the robot's columns (mask_cprs_in: decisions, messages), while mask_cpr_text on the
    same text masks it as "Ref 201262-xxxx".

    Should see: the CPR number masked in the column as in the text (README: since the review of 0.9.32's mend,
    "spaces of any kind around a dot"); the spec: CPR numbers masked everywhere but where OPUS needs them.

    Cause: invoicekit/vocabulary.py CPR_THOUSANDS_RE2 (_RE2_THOUSANDS_SEPARATOR ``[\\s\\p{Z}]*``) leaves out the
    controls Python's ``\\s`` counts as space (\\x0b, \\x1c-\\x1f, \\x85), which CPR_THOUSANDS's ``\\s*`` reads, so
    identifiers.may_hold_cpr never hands the cell to mask_cpr_text (_RE2_SPACE names them for CPR_DATED)."""
    text = f"Ref 2{space}.012{space}.621{space}.896"
    assert "xxxx" in mask_cpr_text(text)
    shown = mask_cprs_in(pd.Series([text])).iat[0]
    assert shown == mask_cpr_text(text), repr(shown)
