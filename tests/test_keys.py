"""How numbers are compared to catch a payment made twice, and what of them
the journal may keep."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

from invoicekit.keys import (
    HASHED,
    LEGACY,
    citizen_keys,
    digest,
    digests,
    legacy_citizen_keys,
    legacy_keys,
    new_secret,
    normalise_grant_id,
    normalise_grant_ids,
    normalise_number,
    normalise_numbers,
    normalise_numbers_arrow,
    stored_keys,
    stored_keys_arrow,
    stored_masked,
)

SAME_AS_SOL_1001 = ["SOL-1001", "sol-1001", "SOL 1001", "SOL–1001", "SOL—1001", "SOL−1001", "SOL\u00ad1001",
                    "SOL\u200b-1001", "ＳＯＬ－１００１", " SOL\t1001 ", "S O L 1 0 0 1"]  # fmt: skip


@pytest.mark.parametrize("number", SAME_AS_SOL_1001)
def test_case_spacing_dashes_and_invisible_characters_do_not_make_another_number(number):
    assert normalise_number(number) == "sol1001"


def test_numbers_that_differ_stay_different():
    assert len({normalise_number(n) for n in ["SOL-1001", "SOL-1002", "SOL-10010", "SOL/1001", "SOL.1001"]}) == 5


def test_case_folding_is_more_than_lower_case():
    assert normalise_number("STRASSE-7") == normalise_number("straße 7")


def test_the_whole_column_form_agrees_with_one_by_one():
    values = [*SAME_AS_SOL_1001, "", None, "Ærø-1", "æRØ 1", "0504190001", "x\x1cy", "a\u2028b", "ǅ-1"]
    assert normalise_numbers(values).tolist() == [normalise_number(v) for v in values]


def test_the_arrow_form_agrees_with_one_by_one_on_a_slice_of_an_array():
    """Arrow text handed on as it is (a slice of a column read in parts, of
    either string type): each cell's bytes are its own, whatever comes before."""
    values = ["--", " A-1 ", "x\x7fy", "", "Ærø-1", "B\t-2", "SOL-1001", "\x00", "c"]
    for kind in (pa.string(), pa.large_string()):
        sliced = pa.array(["-pre- ", *values, " post-"], type=kind).slice(1, len(values))
        assert normalise_numbers_arrow(sliced).to_pylist() == [normalise_number(v) for v in values]
        assert normalise_numbers(sliced).tolist() == [normalise_number(v) for v in values]


@pytest.mark.parametrize("grant", ["B-1001", "b-1001", "B-1001.", "B–1001", "B 1001..", "b1001"])
def test_grant_ids_compare_like_numbers_without_trailing_dots(grant):
    assert normalise_grant_id(grant) == "b1001"
    assert normalise_grant_ids([grant]).tolist() == ["b1001"]


def test_a_number_that_could_be_a_cpr_number_is_stored_hashed_and_others_as_they_are():
    secret = new_secret()
    keys = stored_keys(
        normalise_numbers(["SOL-1001", "0504190001", "050419-0001", "INV12345678901", "١٢٣٤٥٦٧٨٩٠"]), secret
    )
    assert keys[0] == "sol1001"
    assert keys[1] == keys[2] and keys[1].startswith(HASHED) and "0504190001" not in keys[1]
    assert keys[3].startswith(HASHED)  # ten digits in a row anywhere
    assert keys[4].startswith(HASHED)  # other scripts' digits too
    # the same secret gives the same key; another secret another
    assert stored_keys(normalise_numbers(["0504190001"]), secret)[0] == keys[1]
    assert stored_keys(normalise_numbers(["0504190001"]), new_secret())[0] != keys[1]


def test_the_arrow_form_of_the_stored_keys_and_the_hashes_made_together_agree_with_one_by_one():
    secret = new_secret()
    numbers = normalise_numbers(["SOL-1001", "0504190001", "", "INV12345678901", "١٢٣٤٥٦٧٨٩٠", "x"])
    assert stored_keys_arrow(numbers, secret).to_pylist() == list(stored_keys(numbers, secret))
    assert stored_keys_arrow(["sol1001"], secret).to_pylist() == ["sol1001"]
    assert digests(["a", "0504190001", "a"], secret) == [digest(t, secret) for t in ("a", "0504190001", "a")]


def test_the_citizen_key_hides_the_cpr_number_and_normalises_the_service():
    secret = new_secret()
    keys = citizen_keys(np.array(["6101901234", "6101901234"]), np.array(["29345716"] * 2),
                        np.array(["SEL108-BO", "sel108 bo"]), secret)  # fmt: skip
    assert keys[0] == keys[1] and keys[0].startswith(HASHED)
    assert "6101901234" not in keys[0] and "29345716" not in keys[0]
    other = citizen_keys(np.array(["6101901234"]), np.array(["29345716"]), np.array(["SEL108-BO-2"]), secret)
    assert other[0] != keys[0]


def test_each_citizen_key_is_the_hash_of_its_own_triple_however_they_repeat():
    # keys are worked out once per distinct triple: each row must still get its own
    secret = new_secret()
    cpr = np.array(["6101901234", "0504190001", "6101901234", "0504190001", "6101901234", "1"], dtype=object)
    cvr = np.array(["29345716", "29345716", "11111111", "29345716", "29345716", "29345716|1"], dtype=object)
    service = np.array(["SEL108-BO", "sel108 bo", "SEL108-BO", "ABC", "sel108bo", "2|SEL108"], dtype=object)
    one_by_one = [digest(f"{a}|{b}|{normalise_number(c)}", secret) for a, b, c in zip(cpr, cvr, service, strict=True)]
    assert citizen_keys(cpr, cvr, service, secret).tolist() == one_by_one
    # a blank read as NaN or None counts as the text str() makes of it
    odd = np.array([np.nan, None, "6101901234"], dtype=object)
    expected = [digest(f"{a}|29345716|abc", secret) for a in ("nan", "None", "6101901234")]
    assert citizen_keys(odd, np.array(["29345716"] * 3), np.array(["ABC"] * 3), secret).tolist() == expected


def test_legacy_keys_use_what_schema_1_kept():
    secret = new_secret()
    shown = np.array(["050419-xxxx", "SOL-1001"], dtype=object)
    assert stored_masked(shown).tolist() == [True, False]  # only a number stored masked has a legacy key
    assert legacy_keys(shown[stored_masked(shown)], secret).tolist() == [LEGACY + "050419xxxx"]
    # a masked number that still reads as a CPR number (a form schema 1 did not mask) is hashed
    shown = np.array(["050419-xxxx/010140/1234"], dtype=object)
    assert stored_masked(shown).tolist() == [True]
    assert legacy_keys(shown, secret).tolist() == [LEGACY + digest("050419xxxx/010140/1234", secret)]
    legacy = legacy_citizen_keys(np.array(["610190-xxxx"]), np.array(["29345716"]), np.array(["SEL108-BO"]), secret)
    again = legacy_citizen_keys(np.array(["6101901234"]), np.array(["29345716"]), np.array(["sel108 bo"]), secret)
    assert legacy[0] == again[0] and legacy[0].startswith(LEGACY + HASHED)  # the birth date is what counts


@pytest.mark.parametrize("number", ["13.03.85-3333", "13.03.85_3333", "13/03/1985-3333", "13.03.85 - 3333"])
def test_a_number_holding_a_birth_date_written_as_a_date_is_stored_hashed(number):
    """Found by a review of 0.9.9: masking reads 13.03.85-3333 as a CPR number,
    but its key (the dash gone: 13.03.853333) was stored in the journal as it was."""
    key = stored_keys(normalise_numbers([number]), new_secret())[0]
    # a hash and nothing else: "3333" may turn up among a random secret's hex digits (1 key in 2,500 held
    # it, failing this test at random: a hunt for flaky tests)
    assert re.fullmatch(re.escape(HASHED) + "[0-9a-f]{32}", key), key


@pytest.mark.parametrize("number", ["'1000234567", "'SOL-78", "'", "''x"])
def test_a_number_that_truly_begins_with_a_mark_keeps_it_in_its_key(number):
    """Found by a review of 0.9.9's first take, which took every leading ' off
    the keys: 0.9.8 hashed '1000234567 with its mark, and the same invoice
    sent again after the upgrade was no longer a duplicate (it was posted)."""
    assert normalise_number(number).startswith("'")
    assert normalise_numbers([number]).tolist() == [normalise_number(number)]


def test_keys_a_journal_holds_from_before_with_the_mark_match_a_guarded_number_read_now():
    """0.9.8 stored '=x1 for an invoice convert wrote as '=X1 (=X1 guarded);
    0.9.9 reads it as =X1, key =x1: the stored key is seen both ways."""
    import pandas as pd

    from invoicekit.history import PAID_COLUMNS, SEEN_COLUMNS, history_tables

    decisions = pd.DataFrame(
        {c: ["x"] for c in {*SEEN_COLUMNS, *PAID_COLUMNS}}
        | {
            "status": ["posted"],
            "reason": [""],
            "row": [1],
            "run_id": [1],
            "supplier_cvr": ["29345716"],  # a valid one: check 10 remembers no other
            "invoice_key": ["'=x1"],
            "grant_key": ["'g1"],
            "period_start": [pd.Timestamp("2019-01-01")],
            "period_end": [pd.Timestamp("2019-01-31")],
        }
    )
    lines = pd.DataFrame(columns=["run_id", "row", "status", "check"])
    seen, paid = history_tables(decisions, lines)
    assert seen["invoice_key"].tolist() == ["'=x1", "=x1"]
    assert paid["grant_key"].tolist() == ["'g1"]  # grant ids come from Sensum, never guarded
