"""An attack on 0.9.28's amounts, currencies and posting dates, each finding a test: a number typed into a
workbook's cell is read as Excel shows it, and a text naming two months of one year, the year written once,
gives no period (one of its months was paid as the invoice's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.parsing import period_from_texts, period_in_text
from tests.conftest import invoice
from tests.test_decide import run

EXAMPLE = Path(__file__).parent / "data" / "example"


def _case(tmp_path: Path) -> Path:
    case = tmp_path / "case"
    shutil.copytree(EXAMPLE, case)
    (case / "rules.toml").write_text("max_amount = 5000000\n", encoding="utf-8")
    return case


def _run(case: Path, invoices: Path, grants: Path, out: Path) -> pd.DataFrame:
    argv = ["run", "--grants", str(grants), "--invoices", str(invoices),
            "--support-sheet", str(case / "stoetteark.xlsx"), "--rules", str(case / "rules.toml"),
            "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    return pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)


# 843738.07 is held as 843738.06999999994...; the sum as 800000.0700000001
@pytest.mark.parametrize("amount", [843738.07, 1234567.89, 100000.01 + 700000.06, 4999999.99])
def test_a_number_cell_is_read_as_excel_shows_it(tmp_path, amount):
    # an invoice's amount typed into a number cell: read with ten decimals it was 843738.0699999999, no
    # amount (more than two decimals), and the invoice went to manual as INVALID_AMOUNT
    case = _case(tmp_path)
    shown = round(amount, 2)
    grants = pd.read_csv(case / "bevillinger.csv", dtype=str, keep_default_na=False)
    grants.loc[0, "rate"] = f"{shown:.2f}"  # B-1001: 610190-1234 at Solhøj, per month
    grants.to_csv(case / "g.csv", index=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["invoice_id", "supplier_cvr", "cpr", "period_start", "period_end", "amount"])
    ws.append(["X-1", "29345716", "610190-1234", "2019-03-01", "2019-03-31", amount])
    wb.save(case / "inv.xlsx")
    d = _run(case, case / "inv.xlsx", case / "g.csv", tmp_path / "out").iloc[0]
    assert (d["status"], d["reason"], d["grant_id"], d["amount"]) == ("posted", "", "B-1001", f"{shown:.2f}")


def test_a_rate_in_a_number_cell_is_read_as_excel_shows_it(tmp_path):
    # the same for a grant's rate: 843738.07 was left out of matching ("taksten har mere end 4 decimaler")
    case = _case(tmp_path)
    grants = pd.read_csv(case / "bevillinger.csv", dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(grants.columns))
    for k in range(len(grants)):
        row = grants.iloc[k].tolist()
        if k == 0:
            row[grants.columns.get_loc("rate")] = 843738.07
            row[grants.columns.get_loc("rate_unit")] = "month"
        ws.append(row)
    wb.save(case / "g.xlsx")
    pd.DataFrame(
        [
            {
                "invoice_id": "X-1",
                "supplier_cvr": "29345716",
                "cpr": "610190-1234",
                "period_start": "2019-03-01",
                "period_end": "2019-03-31",
                "amount": "843.738,07",
            }
        ]
    ).to_csv(case / "inv.csv", index=False)
    out = tmp_path / "out"
    d = _run(case, case / "inv.csv", case / "g.xlsx", out).iloc[0]
    problems = pd.read_csv(out / "input_problems.csv", dtype=str, keep_default_na=False)
    assert not (problems["column"] == "rate").any(), problems.to_dict("records")
    assert (d["status"], d["grant_id"], d["amount"]) == ("posted", "B-1001", "843738.07")


@pytest.mark.parametrize("value", [0.1 + 0.2, 1e-7, 24.205, 1.5e16])
def test_small_and_large_number_cells_read_as_before(tmp_path, value):
    # the float noise of small sums is still dropped, a number is never written with an exponent, and 24.205
    # stays a number with decimals (never 24.205 with a thousands dot): an invoice of it is no amount of øre
    from invoicekit.readers import _cell_text

    assert _cell_text(value) == {0.1 + 0.2: "0.3", 1e-7: "0.0000001", 24.205: "24.2050",
                                 1.5e16: "15000000000000000"}[value]  # fmt: skip


TWO_MONTHS = [
    "Døgnophold januar og februar 2019",
    "Døgnophold februar-marts 2019",
    "Døgnophold februar – marts 2019",
    "Døgnophold marts/april 2019",
    "Døgnophold marts til april 2019",
    "Døgnophold marts til og med april 2019",
    "Ophold januar, februar & marts 2019",
    "Ophold MARTS + APRIL 2019",
]


@pytest.mark.parametrize("text", TWO_MONTHS)
def test_two_months_of_one_year_written_once_give_no_period(text):
    # the last month was read alone (januar og februar 2019 as February), a month's amount posted on it
    # and the month marked paid; the text names two months: a caseworker sees which were billed
    assert period_in_text(text) is None
    start, end = period_from_texts(np.array([text, "Ophold marts 2019"], dtype=object))  # whole-column too
    assert np.isnat(start[0]) and np.isnat(end[0])
    assert (str(start[1]), str(end[1])) == ("2019-03-01", "2019-03-31")
    d = run(invoice(period_start="", period_end="", text=text, amount="28.500,00")).decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD"), d["message"]


@pytest.mark.parametrize(
    "text",
    ["Ophold marts 2019", "Marts 2019 og frem", "Ophold for marts 2019, faktura 12", "1. marts til 30. april 2019"],
)
def test_one_month_or_one_range_with_words_after_it_is_still_read(text):
    # only a month name joined to another makes two: a month and words after it is the month
    assert period_in_text(text) is not None


# ---------------------------------------------------------------- collective invoices (an attack on 0.9.28)


def _decide_lines(invoices: list[dict], lines: list[dict]):
    import invoicekit as ik
    from tests.test_lines import GRANTS, SHEET

    return ik.decide(
        ik.prepare_invoices(pd.DataFrame(invoices)),
        ik.prepare_grants(pd.DataFrame(GRANTS)),
        ik.prepare_support_sheet(SHEET),
        lines=ik.prepare_invoice_lines(pd.DataFrame(lines)),
    )


@pytest.mark.parametrize("cell", ["{a},-,{b}", "{a};{b};--", "{a} / – / {b}", "-"])
def test_a_part_of_dashes_among_cpr_numbers_is_a_part_that_is_no_cpr(cell):
    # spec, Identifiers: split the cell, "remove spaces and hyphens in each part; every part must be a valid CPR".
    # A part of dashes alone (a citizen whose number the supplier did not know) was skipped, and the
    # collective invoice of the other two posted line by line; a cell of '-' alone was INVALID_CPR already
    from tests.test_lines import ANNA, BO, invoice, line

    lines = [line("S1", "1", ANNA, "30000"), line("S1", "2", BO, "20000")]
    r = _decide_lines([invoice("S1", "50.000,00", cpr=cell.format(a=ANNA, b=BO))], lines)
    d = r.decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "INVALID_CPR"), d["message"]
    assert len(r.postings) == 0


@pytest.mark.parametrize("cell", ["{a};", "{a};;{b}", "{a}, ,{b}", "{a}\n"])
def test_a_blank_part_among_cpr_numbers_is_none(cell):
    # a separator that ends the cell, or two together, leaves a blank part: no part, as before
    from tests.test_lines import ANNA, BO, invoice, line

    lines = [line("S1", "1", ANNA, "30000"), line("S1", "2", BO, "20000")]
    r = _decide_lines([invoice("S1", "50.000,00", cpr=cell.format(a=ANNA, b=BO))], lines)
    assert r.decisions["reason"].iat[0] != "INVALID_CPR", r.decisions["message"].iat[0]


@pytest.mark.parametrize("text", ["Anna udflyttet 15.03.2019", "udflyttet 2019-03-15", "udflyttet 15/03/2019"])
def test_a_line_whose_text_holds_a_date_in_digits_is_not_given_the_invoices_period(text):
    # README, Collective invoices: a blank line period is the invoice's "unless the line's text says something of
    # its period and gives none: two periods, a date or loose days". 15. marts 2019 was so; 15.03.2019 was paid as
    # the invoice's whole March
    from tests.test_lines import ANNA, BO, invoice, line

    r = _decide_lines(
        [invoice("S1", "50.000,00")], [line("S1", "1", ANNA, "30000", text), line("S1", "2", BO, "20000")]
    )
    assert r.decisions["status"].tolist() == ["manual"]
    assert r.lines["reason"].iat[0] == "MISSING_PERIOD"
    # a number that is no date (an account, a case number) says nothing of the period
    quiet = line("S1", "1", ANNA, "30000", "Sag 12-34-5678, konto 2019-13-45")
    r = _decide_lines([invoice("S1", "50.000,00")], [quiet, line("S1", "2", BO, "20000")])
    assert r.decisions["status"].tolist() == ["posted"]
