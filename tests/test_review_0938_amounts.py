"""An attack on the amount check (0.9.38): the whole-days advice for a day rate with fractions of an øre, an amount written with zero decimals past the øre, and a tolerance too large for a float."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from invoicekit import InputError, Rules, decide, load_rules, prepare_grants, prepare_invoices, prepare_support_sheet
from tests.conftest import SOLHOJ, A, invoice, support_tables

COLUMNS = ["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date", "end_date"]


def decided(inv: dict, *grants: tuple[str, str], rules: Rules | None = None) -> dict:
    """One invoice of citizen A at Solhøj decided against grants (rate, unit) of A at Solhøj
    from 2018 on, open-ended; the decision row as a dict."""
    table = pd.DataFrame(
        [(f"G{k + 1}", A, "SEL108-BO", SOLHOJ, rate, unit, "2018-01-01", "") for k, (rate, unit) in enumerate(grants)],
        columns=COLUMNS,
    )
    result = decide(
        prepare_invoices(pd.DataFrame([inv])),
        prepare_grants(table),
        prepare_support_sheet(support_tables()),
        rules,
    )
    return result.decisions.iloc[0].to_dict()


def test_whole_days_advice_is_given_for_a_day_rate_with_four_decimals():
    """A day rate of 1.234,5678 kr. (a rate may have four decimals, README "Amounts") and an
    invoice for 10 of March's 31 days: 10 × 1.234,5678 = 12.345,678, which a supplier bills as
    12.345,68 kr., exactly the expected amount the robot itself computes for 10 days (spec:
    "computed exactly and rounded once, to øre, half up"). The message should say that the amount
    is 10 days at the rate (README "Whole days at a day rate": "Where an AMOUNT_MISMATCH amount
    is a whole number of days at the grant's day rate, fewer than the period holds, the message
    says so and asks the caseworker to check the days"). It does not: the whole-days test
    compares days × rate with the amount to the 1/10,000 krone, so a rate with fractions of an
    øre never gives it, and the caseworker is sent to look for a new rate in Sensum instead of
    checking the days of attendance (a misleading message; the decision, manual, is right)."""
    d = decided(
        invoice(amount="12.345,68", period_start="01.03.2019", period_end="31.03.2019"),
        ("1234.5678", "day"),
    )
    assert d["reason"] == "AMOUNT_MISMATCH"
    assert "Beløbet svarer til 10 dage" in d["message"], d["message"]


@pytest.mark.parametrize("amount", ["28.500,000", "28500,000", "28500.000"])
def test_an_amount_written_with_a_third_decimal_zero_is_the_amount_it_is(amount):
    """28.500,000 is exactly 28.500,00 kr., a whole number of øre, and fits the monthly grant of
    28.500,00 kr. to the øre. The robot refuses it as INVALID_AMOUNT with the message "Beløbet
    '28.500,000' er ikke et beløb i kroner og øre", which is false: it is a number (spec check 8
    refuses an amount "missing or not a number") and a whole number of øre (the README's reason
    for two decimals is that "OPUS posts øre"). The same amount reaching the robot from an
    e-invoice posts (tests/test_attack_xml.py: "28500.000 is 28,500.00 and posts against the
    month's grant"), so only the extract's form of it is refused: a correct invoice wrongly sent
    to a caseworker with a message that tells the caseworker something untrue. An amount with a
    third decimal other than 0 (28.500,004) must stay INVALID_AMOUNT."""
    d = decided(invoice(amount=amount), ("28500.00", "month"))
    assert (d["status"], d["reason"]) == ("posted", ""), d["message"]
    assert d["amount_ore"] == 2_850_000


def test_a_tolerance_too_large_for_a_float_is_refused_naming_the_key(tmp_path: Path):
    """A rules file whose tolerance is a whole number beyond a float's range (TOML integers are
    read as Python ints of any size, e.g. a value pasted twice over) makes Rules' range check call
    math.isfinite on it, which raises OverflowError: `invoicekit run --rules` ends with exit 1 and
    "unexpected OverflowError ... (please report it)" instead of exit 2 naming the key. Spec
    (Command): exit 2 "with one line on stderr naming the file, the column or key and what was
    expected" for "a value of the wrong type there"; and "`tolerance` and `max_amount` must lie
    between 0 and 1,000,000,000 (exit 2 otherwise)". The right behaviour: the InputError the
    rules give any other out-of-range value ("expected a number from 0 to 1000000000 (DKK)")."""
    rules = tmp_path / "rules.toml"
    rules.write_text("tolerance = 1" + "0" * 400 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="tolerance"):
        load_rules(rules)


@pytest.mark.parametrize("amount", ["1,000", "28,000", "28,500", "28500,004"])
def test_an_amount_that_reads_two_ways_or_has_a_fraction_of_an_ore_stays_invalid(amount):
    """The zeros past the øre go only where nothing else can be meant: 28,000 is 28,000 kr. written in
    English or 28 kr. to three decimals in Danish, and stays no amount (INVALID_AMOUNT), as does a fraction
    of an øre."""
    d = decided(invoice(amount=amount), ("28500.00", "month"))
    assert d["reason"] == "INVALID_AMOUNT", (d["reason"], d["message"])


def test_a_toml_date_given_for_a_rule_is_said_as_a_date(tmp_path: Path):
    """A TOML date where a text belongs is said as people write it, not as Python's repr
    (datetime.date(2019, 1, 31))."""
    rules = tmp_path / "rules.toml"
    rules.write_text("supplementary_period_end = 2019-01-31\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_rules(rules)
    assert "2019-01-31 (a date, not a text)" in err.value.line() and "datetime" not in err.value.line()
