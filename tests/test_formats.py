"""Danish numbers in one place: the text pages, charts and letters show, and
the Excel formats that make a Danish Excel show the same."""

from __future__ import annotations

import pytest

from invoicekit.formats import (
    EXCEL_FORMATS,
    dk_money,
    dk_number,
    dk_percent,
    dk_points,
    dk_short,
    dk_tick,
    dk_value,
    en_number,
    en_percent,
    excel_text,
)


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [(1234567.8, 0, "1.234.568"), (1234567.8, 1, "1.234.567,8"), (-0.4, 0, "0"), (float("nan"), 0, "")],
)
def test_dk_number_uses_danish_separators_and_never_minus_zero(value, decimals, shown):
    assert dk_number(value, decimals) == shown


def test_percent_money_and_values_in_their_units():
    assert dk_percent(0.3671) == "36,7 %"
    assert dk_percent(0.5, 0) == "50 %"
    assert dk_money(250000) == "250.000 kr."
    assert dk_value(0.035, "andel") == "3,5 %"
    assert dk_value(6000.0, "fakturaer") == "6.000"
    assert dk_value(0.25, "min.") == "0,25"
    assert dk_value(1.5, "timer") == "1,5"


def test_a_short_number_has_only_the_decimals_it_needs():
    assert [dk_short(v) for v in (0.25, 1.5, 6000.0, 2.0001, -1234.5)] == ["0,25", "1,5", "6.000", "2", "-1.234,5"]
    assert dk_points(17.44) == "17,4 pt"


def test_axis_ticks_lose_float_noise_and_group_thousands():
    assert dk_tick(0.30000000000000004, 0) == "0,3"
    assert dk_tick(-2500.0, 1) == "-2.500"
    assert dk_tick(0.0) == "0"


def test_excel_text_is_what_the_format_shows_in_a_danish_excel():
    assert excel_text(319373.7957610791, EXCEL_FORMATS["dkk"]) == "319.373,80"
    assert excel_text(0.4012, EXCEL_FORMATS["pct"]) == "40,1%"
    assert excel_text(0.5, EXCEL_FORMATS["pct0"]) == "50%"
    assert excel_text(1234, EXCEL_FORMATS["int"]) == "1.234"


@pytest.mark.parametrize(
    ("value", "decimals", "dk", "en"),
    [(6.25, 1, "6,3", "6.3"), (-2.5, 0, "-3", "-3"), (2.675, 2, "2,68", "2.68"), (36.25, 1, "36,3", "36.3"),
     (1234567.85, 1, "1.234.567,9", "1,234,567.9"), (-0.04, 1, "0,0", "0.0"),
     (1e26, 2, "100.000.000.000.000.000.000.000.000,00", "100,000,000,000,000,000,000,000,000.00")],
)  # fmt: skip
def test_numbers_round_half_away_from_zero_as_excel_shows_them(value, decimals, dk, en):
    """A page, a letter or a printed line beside a workbook cell shows what
    Excel shows there (``#,##0.0`` shows 6.25 as 6,3): Python's round gave
    6,2 beside it, and 36,2 % beside the cell's 36,3 %."""
    assert (dk_number(value, decimals), en_number(value, decimals)) == (dk, en)


def test_percentages_round_as_excel_shows_them():
    assert (dk_percent(0.3625), en_percent(0.3625)) == ("36,3 %", "36.3%")
    assert (dk_number(float("nan")), en_percent(float("nan"))) == ("", "")


def test_a_rate_someone_set_shows_the_decimals_it_has():
    """Found by an attack session on 0.9.8: --target 0.5% was reported as a target of 0%."""
    from invoicekit.formats import dk_rate, en_rate

    assert [dk_rate(v) for v in (0.5, 0.005, 0.125, 1.0)] == ["50 %", "0,5 %", "12,5 %", "100 %"]
    assert [en_rate(v) for v in (0.5, 0.005, 0.125, 125.0)] == ["50%", "0.5%", "12.5%", "12,500%"]
    assert dk_rate(float("nan")) == en_rate(None) == ""


def test_a_rate_someone_set_keeps_its_decimals_in_a_workbook_too():
    """An attack on 0.9.31: the follow-up's monthly sheet showed a 37,5 % target as "38%" (format 0%)."""
    from invoicekit.formats import excel_format, rate_decimals

    assert [rate_decimals(v) for v in (0.5, 0.375, 0.3725, 0.005, 1.0, float("nan"))] == [0, 1, 2, 1, 0, 0]
    assert [excel_format("rate", v) for v in (0.5, 0.375, 0.3725, None)] == ["0%", "0.0%", "0.00%", "0%"]
    assert excel_text(0.375, excel_format("rate", 0.375)) == "37,5%"


@pytest.mark.parametrize(
    ("p", "dk", "en", "excel"),
    [(0.39, "39 %", "39%", "0%"), (0.9966, "99,7 %", "99.7%", "0.0%"), (0.995, "99,5 %", "99.5%", "0.0%"),
     (0.004, "0,4 %", "0.4%", "0.0%"), (0.4996, "49,96 %", "49.96%", "0.00%"), (0.9996, "99,96 %", "99.96%", "0.00%"),
     (1.0, "100 %", "100%", "0%"), (0.0, "0 %", "0%", "0%"), (0.5, "50 %", "50%", "0%"), (0.005, "1 %", "1%", "0%")],
)  # fmt: skip
def test_a_probability_is_never_shown_as_certain_where_it_is_not(p, dk, en, excel):
    """An attack on 0.9.31: P(NPV > 0) = 0.9966 read "100 %" in the key figures, the chart and the
    printed line, and "99,7 %" in the summary. One rule for all of them, and the workbook's format."""
    from invoicekit.formats import dk_probability, en_probability, excel_format

    assert (dk_probability(p), en_probability(p), excel_format("probability", p)) == (dk, en, excel)
    assert excel_text(p, excel) == dk.replace(" ", "")


def test_shares_that_differ_get_the_decimals_that_tell_them_apart():
    from invoicekit.formats import telling_decimals

    assert telling_decimals([0.401, 0.5, 0.3966]) == 1  # 40 % and 40 % would not tell today from the break-even
    assert telling_decimals([0.38, 0.5, 0.45]) == 0
    assert telling_decimals([0.4001, 0.4004]) == 2
    assert telling_decimals([0.40001, 0.40002]) == 0  # equal to two decimals: no more is asked for
    assert telling_decimals([0.4, 0.4, float("nan")]) == telling_decimals([]) == 0
    assert telling_decimals([0.40049, 0.40051], most=1) == 1  # rounded apart at the most allowed
