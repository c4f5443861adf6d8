"""The shape of the package: one version, one definition of each shared word."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

import invoicekit
from invoicekit import vocabulary
from invoicekit.version import __version__
from invoicekit.vocabulary import month_run_date

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_is_the_one_pyproject_declares():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert __version__ == project["version"] == invoicekit.__version__


def test_the_month_of_a_run():
    assert vocabulary.run_month("/x/invoices-2018-11.csv", "2026-12-02T10:00:00") == "2018-11"
    assert vocabulary.run_month("regninger.csv", "2026-12-02T10:00:00") == "2026-12"
    assert vocabulary.run_month("faktura-2018-13.csv", "2026-01-05") == "2026-01"  # month 13 is no month
    assert vocabulary.run_month("/2018-11/regninger.csv", "2026-01-05") == "2026-01"  # the file's name, not its folder
    assert vocabulary.month_in_name("invoices-12018-11.csv") == ""
    # a batch number before the month is no year (an attack on 0.9.30: the month 4711-12)
    assert vocabulary.month_in_name("batch_4711-12_2019-03.csv") == "2019-03"
    assert vocabulary.run_month("batch_4711-12.csv", "2026-01-05") == "2026-01"
    # a month given is of the same years (a review: synth made a world of 2150, whose runs counted in the month
    # they ran), and so are a synthetic municipality's months
    assert vocabulary.MONTH.fullmatch("2150-01") is None and vocabulary.MONTH.fullmatch("2099-12")
    from synthetic.scenario import Params

    with pytest.raises(ValueError, match="end by 2099-12"):
        Params(start="2099-06", months=12).check()
    assert Params(start="2099-01", months=12).check().start == "2099-01"


def test_masked_cpr():
    assert vocabulary.masked_cpr("0101901234") == "010190-xxxx"
    assert vocabulary.masked_cpr("12") == "xxxxxx-xxxx"


def test_no_module_defines_a_cpr_pattern_of_its_own():
    """The CPR patterns live in the vocabulary; a second copy drifts."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "invoicekit").rglob("*.py"))
        if path != ROOT / "invoicekit" / "vocabulary.py" and r"\d{6}-?\d{4}" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("month", "day"),
    [("2019-01", dt.date(2019, 1, 31)), ("2020-02", dt.date(2020, 2, 29)), ("2019-02", dt.date(2019, 2, 28)),
     ("2018-12", dt.date(2018, 12, 31)), ("2019-04", dt.date(2019, 4, 30))],
)  # fmt: skip
def test_a_replayed_month_runs_on_its_last_day(month, day):
    assert month_run_date(month) == day


@pytest.mark.parametrize("bad", ["2019-13", "2019-1", "19-01", ""])
def test_a_month_run_date_refuses_what_is_not_a_month(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_run_date(bad)
