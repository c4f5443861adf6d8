"""make test draws a fifth of the costly property tests' examples, pytest --deep all of them (tests/depth.py)."""

from __future__ import annotations

import pytest

from tests import depth
from tests import test_equivalence as equivalence  # the module, not its tests: pytest would run them here too
from tests import test_journal_sequences as sequences


def _drawn(test) -> int:
    return test._hypothesis_internal_use_settings.max_examples


def test_the_depth_the_suite_was_started_with_reaches_the_property_tests(request):
    deep = request.config.getoption("--deep")
    assert depth.DEEP is deep
    assert _drawn(equivalence.test_fast_path_decides_as_the_reference) == (150 if deep else 30)
    assert _drawn(equivalence.collective_invoices_are_decided_line_by_line_as_the_reference) == (150 if deep else 30)
    assert (50 if deep else 10) == sequences.EXAMPLES


def test_a_fifth_is_drawn_but_never_fewer_than_ten_nor_more_than_written(monkeypatch):
    monkeypatch.setattr(depth, "DEEP", False)
    assert [depth.examples(n) for n in (500, 151, 40, 12, 3)] == [100, 31, 10, 10, 3]
    monkeypatch.setattr(depth, "DEEP", True)
    assert [depth.examples(n) for n in (500, 151, 40, 12, 3)] == [500, 151, 40, 12, 3]


def test_a_number_of_examples_given_in_the_environment_is_taken_as_it_is_and_a_bad_one_named(monkeypatch):
    monkeypatch.setattr(depth, "DEEP", False)
    monkeypatch.setenv("MESSY_EXAMPLES", " 2000 ")
    assert depth.examples(300, more="MESSY_EXAMPLES") == 2000
    monkeypatch.setenv("MESSY_EXAMPLES", "")
    assert depth.examples(300, more="MESSY_EXAMPLES") == 60
    for bad in ("many", "0", "-5", "2.5"):
        monkeypatch.setenv("MESSY_EXAMPLES", bad)
        with pytest.raises(ValueError, match=f"MESSY_EXAMPLES='{bad}': expected a whole number"):
            depth.examples(300, more="MESSY_EXAMPLES")
