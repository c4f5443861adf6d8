"""A third review of 0.9.29's mends, each finding a test: the person rule let a capitalised second month through
(a line break, capitals, Title Case after it) and March was posted for March and April; an amount after the month
(12.345,67) was read as a day, holding April and sending every such text to Python one by one; a Turkish i in
"indtil" read apart by the whole-column pass; a run's own mark of a grant whose id holds ,' read as another."""

from __future__ import annotations

import numpy as np
import pytest

from invoicekit.parsing import period_from_texts, period_in_text
from tests.conftest import assert_read_whole_column, invoice
from tests.reference import text_periods
from tests.test_attack_import_files import _grants_with_id, _march, _read, _run
from tests.test_decide import run


def _column(text: str):
    start, end = period_from_texts(np.array([text], dtype=object))
    return None if np.isnat(start[0]) else (start[0].astype(object), end[0].astype(object))


# ------------------------------------------------------------------ 1. the person rule reopens two months

# Two months of 2019, the year written once (README: such a text gives no period). The new person rule
# ("a capital, and a name after it") takes any capitalised second month followed by whitespace and any
# capitalised word for a person: a line break or tab before the next line (no one writes a first and last
# name across a line break), an all-caps text (legacy systems), Title Case. 0.9.28 refused every one of
# these; 0.9.29 reads March alone: one month's amount posted and marked paid for an invoice of two months.
TWO_MONTHS_READ_AS_ONE = [
    "Ophold marts 2019 til og med April\nBorger: Jens Hansen",
    "Ophold marts 2019 - April\tCPR 1234567890",
    "OPHOLD MARTS 2019 - APRIL BORGER JENS HANSEN",
    "OPHOLD MARTS 2019 TIL OG MED APRIL CPR 1234567890",
    "Ophold Marts 2019 Til Og Med April Måned",
]


@pytest.mark.parametrize("text", TWO_MONTHS_READ_AS_ONE)
def test_a_capitalised_second_month_before_any_capitalised_word_is_still_a_second_month(text):
    assert period_in_text(text) is None, period_in_text(text)
    assert _column(text) is None


def test_march_to_april_across_a_line_break_is_not_posted_as_march():
    d = run(
        invoice(
            period_start="",
            period_end="",
            text="Døgnophold marts 2019 til og med April\nBorger: Jens Hansen",
            amount="28.500,00",
        )
    ).decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD"), (d["status"], d["reason"], d["message"])


# ------------------------------------------------------------------ 2. an amount after the month refused

# A month and its year followed by an amount (Danish thousands dot): _DAY_AFTER's `\d{1,2}\.\s*\d` takes
# "12." of "12.345,67" for the day of a date, and the text for a month joined to a day. 0.9.28 read each as
# April (README: `kr. 1.234,50 april 2019` is April; "a day is one of a date or range"); 0.9.29 gives none:
# every such invoice goes to a caseworker as MISSING_PERIOD. The reference agrees with the robot (same
# pattern), so the equivalence tests do not see it.
ONE_MONTH_AND_AN_AMOUNT = [
    "Ophold april 2019, 12.345,67 kr.",
    "Ophold april 2019 - 1.234,50 kr",
    "Opholdsbetaling april 2019 28.500,00",
]


@pytest.mark.parametrize("text", ONE_MONTH_AND_AN_AMOUNT)
def test_an_amount_after_the_month_is_no_day(text):
    april = (np.datetime64("2019-04-01").astype(object), np.datetime64("2019-04-30").astype(object))
    assert period_in_text(text) == april
    assert _column(text) == april


def test_an_invoice_for_april_with_its_amount_after_the_month_is_not_held():
    d = run(
        invoice(period_start="", period_end="", text="Døgnophold marts 2019, 28.500,00 kr.", amount="28.500,00")
    ).decisions.iloc[0]
    assert d["reason"] != "MISSING_PERIOD", d["message"]


def test_month_then_amount_texts_are_read_whole_column(monkeypatch):
    # speed: the widened _LOOSE_DAYS_RE2 (`month YYYY` + joiner + `\d{1,2}\.`) sends every such text to
    # Python: a million "Opholdsbetaling januar 2019, 50.776,53 kr." took 29 s (1,000,000 Python calls, and
    # every one refused) against 1.7 s and no call in 0.9.28
    months = ["januar", "februar", "marts", "april", "maj", "juni"]
    texts = [f"Opholdsbetaling {months[i % 6]} 2019, {i % 90 + 10}.{i % 1000:03d},50 kr." for i in range(2000)]
    assert_read_whole_column(monkeypatch, texts)


# ------------------------------------------------------------------ 3. the column and period_in_text disagree

# Python's IGNORECASE matches "indtil" with a dotless ı or a dotted İ (as the reference does); RE2's
# `ind{_TIL_RE2}` does not (only til's i was widened), so _LOOSE_DAYS_RE2 does not send the text to Python
# and the whole-column path reads the month with the year alone.
DOTLESS = [
    "Ophold marts \u0131ndtil april 2019",
    "Ophold marts \u0130ndtil april 2019",
    "Ophold marts 2019 \u0131ndtil april",
]


@pytest.mark.parametrize("text", DOTLESS)
def test_the_column_reads_a_turkish_i_in_indtil_as_period_in_text_does(text):
    assert period_in_text(text) is None
    assert text_periods(text) == {None, ()}
    assert _column(text) == period_in_text(text)


# ------------------------------------------------------------------ 4. paid marks: the un-guard is not undone


def test_a_runs_own_mark_of_a_grant_whose_id_holds_a_quote_after_a_comma_reads_back(example_case, tmp_path, capsys):
    # 0.9.29 writes sensum_paid.csv's grant id as written (no guard inside the cell), but reads every
    # `,'-` / `;'=` inside a grant id as 0.9.28's guard: a grant whose id holds them is read back as
    # another id (B,'-1001 -> B,-1001), and its own mark holds nothing
    _grants_with_id(example_case, "B-1001", "B,'-1001")
    first = _run(example_case, tmp_path, "o1", _march(invoice_id="SOL-1"))
    paid = first / "sensum_paid.csv"
    assert "B,'-1001" in paid.read_text(encoding="utf-8")
    second = _run(example_case, tmp_path, "o2", _march(invoice_id="SOL-2"), extra=("--paid", str(paid)))
    decisions = _read(second / "decisions.csv", ",")
    assert [d["reason"] for d in decisions] == ["ALREADY_PAID"], decisions
