import numpy as np
import pytest

from invoicekit.amounts import expected_amounts

DKK = 10_000


def expected(rate_dkk: str, unit: str, start: str, end: str) -> float | None:
    rate = round(float(rate_dkk) * DKK)
    got = expected_amounts(
        np.array([rate]),
        np.array([unit], dtype=object),
        np.array([start], "datetime64[D]"),
        np.array([end], "datetime64[D]"),
    )[0]
    return None if got < 0 else got / DKK


def test_day_rate_times_days():
    assert expected("1850.00", "day", "2019-03-01", "2019-03-31") == 57_350.00


def test_week_rate_over_days_divided_by_seven():
    assert expected("2100.00", "week", "2019-03-04", "2019-03-31") == 8_400.00
    assert expected("1000.00", "week", "2019-03-01", "2019-03-10") == 1_428.57


def test_whole_month_is_the_monthly_rate_whatever_its_length():
    for start, end in (("2019-02-01", "2019-02-28"), ("2019-03-01", "2019-03-31"), ("2020-02-01", "2020-02-29")):
        assert expected("28500.00", "month", start, end) == 28_500.00


def test_partial_month_is_prorated_by_days_in_month():
    # 14 of 28 February days + 15 of 31 March days
    assert expected("30000.00", "month", "2019-02-15", "2019-03-15") == 29_516.13


def test_leap_february_prorates_by_29_days():
    assert expected("29000.00", "month", "2020-02-01", "2020-02-10") == 10_000.00


def test_month_rate_over_a_year_end():
    assert expected("31000.00", "month", "2019-12-01", "2020-01-31") == 62_000.00


def test_year_rate_prorated_by_days_in_year():
    assert expected("285000.00", "year", "2019-03-01", "2019-03-31") == 24_205.48
    assert expected("366000.00", "year", "2020-02-01", "2020-02-29") == 29_000.00  # leap year: 366 days


def test_year_rate_over_two_years():
    # 1/365 of the rate for 2019 plus 1/366 for 2020: 1000 + 997.267… = 1997.27
    assert expected("365000.00", "year", "2019-12-31", "2020-01-01") == 1_997.27


def test_rounded_once_half_up():
    # 0.05 per day for 1 day of a 7-day week: 0.00714… rounds to 0.01
    assert expected("0.05", "week", "2019-03-01", "2019-03-01") == 0.01
    # exactly half an øre rounds up
    assert expected("0.01", "month", "2019-04-01", "2019-04-15") == 0.01


def test_hour_rate_has_no_expected_amount():
    assert expected("420.00", "hour", "2019-03-01", "2019-03-31") is None


@pytest.mark.parametrize("unit", ["day", "week", "month", "year"])
def test_long_periods_do_not_overflow(unit):
    got = expected("100000000.00", unit, "1900-01-01", "2199-12-31")
    assert got is not None and got > 0
