import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.dk import cpr as std_cpr

from invoicekit.identifiers import (
    compact_cpr,
    cpr_column,
    cvr_checksum_digit,
    cvr_column,
    format_cpr,
    is_valid_cpr,
    is_valid_cvr,
    mask_cpr,
    validate_cvr,
)


def test_ordinary_cpr_is_valid_with_or_without_hyphen():
    assert is_valid_cpr("211062-5629")
    assert is_valid_cpr("2110625629")
    assert is_valid_cpr(" 211062 5629 ")


def test_cpr_without_modulus_11_is_valid():
    # issued since 2007: the old check digit no longer holds
    assert std_cpr.checksum("0101901235") != 0
    assert is_valid_cpr("0101901235")


def test_replacement_cpr_day_plus_60_is_valid():
    assert is_valid_cpr("6101901234")  # 1 January 1990 + 60
    assert is_valid_cpr("9112851234")  # 31 December 1985 + 60


def test_replacement_cpr_must_give_a_real_date():
    assert not is_valid_cpr("9202901234")  # 32 + 60
    assert not is_valid_cpr("8902901234")  # 29 February 1990 + 60 does not exist


def test_cpr_with_impossible_date_is_invalid():
    assert not is_valid_cpr("3102901234")
    assert not is_valid_cpr("0013901234")


def test_cpr_of_wrong_length_or_with_letters_is_invalid():
    assert not is_valid_cpr("12345")
    assert not is_valid_cpr("01019012345")
    assert not is_valid_cpr("01019O1234")
    assert not is_valid_cpr("")


def test_cpr_stored_as_a_number_is_padded_but_nine_digits_of_text_are_not():
    assert compact_cpr(101901234) == "0101901234"
    assert compact_cpr(101901234.0) == "0101901234"
    assert is_valid_cpr(101901234)
    assert not is_valid_cpr("101901234")  # a mistyped CPR must not become another citizen's


def test_century_from_seventh_digit_as_stdnum():
    # 7th digit 4 with year < 37 is 20xx: a birth date in the future is not valid yet
    future = dt.date.today().year + 2 - 2000
    assert not is_valid_cpr(f"0101{future:02d}4000")
    assert is_valid_cpr("0101504000")  # 1950


def test_mask_keeps_birth_date_only():
    assert mask_cpr("211062-5629") == "211062-xxxx"
    assert mask_cpr("2110625629") == "211062-xxxx"
    assert format_cpr("2110625629") == "211062-5629"


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_cpr_agrees_with_stdnum_or_its_replacement(number):
    day = int(number[:2])
    expected = std_cpr.is_valid(number) or (day > 60 and std_cpr.is_valid(f"{day - 60:02d}{number[2:]}"))
    assert is_valid_cpr(number) == expected


def test_cpr_column_validates_each_value():
    out = cpr_column(pd.Series(["211062-5629", "3102901234", "", "101901234", "211062-5629"]))
    assert out.tolist() == ["2110625629", "", "", "", "2110625629"]


def test_cvr_modulus_11():
    assert is_valid_cvr("13585628")
    assert not is_valid_cvr("13585627")


def test_cvr_prefix_and_spaces_removed():
    assert validate_cvr("DK 1358 5628") == "13585628"
    assert is_valid_cvr("dk13585628")


def test_cvr_leading_zero_or_wrong_length_is_invalid():
    assert not is_valid_cvr("03585628")
    assert not is_valid_cvr("1358562")
    assert not is_valid_cvr("")


def test_cvr_from_an_excel_number():
    assert is_valid_cvr(13585628.0)


def test_cvr_checksum_digit_makes_valid_numbers():
    for base in ("2934571", "3158760", "1955462"):
        digit = cvr_checksum_digit(base)
        assert digit is not None and is_valid_cvr(base + digit)


def test_cvr_column():
    assert cvr_column(pd.Series(["DK13585628", "13585627", ""])).tolist() == ["13585628", "", ""]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.from_regex(r"\A[0-9]{10}\Z"),
            st.from_regex(r"\A[0-3][0-9][01][0-9]{3}-?[0-9]{4}\Z"),
            st.from_regex(r"\A[6-9][0-9][01][0-9]{3}[0-9]{4}\Z"),
            st.from_regex(r"\A[0-9]{9}\Z"),
            st.text(max_size=12),
        ),
        max_size=30,
    )
)
def test_cpr_column_agrees_with_the_scalar_check(values):
    got = cpr_column(pd.Series(values, dtype=object)).tolist()
    want = [compact_cpr(v) if is_valid_cpr(v) else "" for v in values]
    assert got == want


def test_cpr_column_treats_odd_whitespace_as_the_scalar_check_does():
    values = ["610190\t1234", " 6101901234\n", "610190 - 1234"]
    assert cpr_column(pd.Series(values)).tolist() == [compact_cpr(v) if is_valid_cpr(v) else "" for v in values]
