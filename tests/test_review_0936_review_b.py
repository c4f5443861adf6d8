"""A review of 0.9.36's mends of periods, workbooks and grants: two dates with space or a slash between are no
period (an invoice date and a due date were paid as one), an ISO date inside the month gives none, a blank
spacer row under a merged cell stays blank, merged ranges are looked up by row, and a column named like an
end date that holds no dates is no end-date column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicekit.parsing import period_in_text
from tests.period_runs import (
    EXAMPLE,
    GRANT_HEADER,
    INVOICE_HEADER,
    SOLHOJ,
    A,
)
from tests.period_runs import (
    grant as _grant,
)
from tests.period_runs import (
    invoice as _invoice,
)
from tests.period_runs import (
    posted_as as _posted_as,
)
from tests.period_runs import (
    run_robot as _run,
)
from tests.period_runs import write_rows as _csv

# ------------------------------------------------------------------ 1. an invoice date and a due date read as a period


def test_an_invoice_date_and_a_due_date_side_by_side_are_not_paid_as_a_period(tmp_path):
    """A user suffers a February stay paid as March (and the true March invoice later refused as
    ALREADY_PAID). The supplier's PDF has a header table "Fakturadato | Forfaldsdato" whose values
    a text layer gives on one line, "01.03.2019 31.03.2019" (invoiced 1 March, due at the month's
    end: a February stay billed in arrears); the text names no period, and 0.9.35 sent it to a
    caseworker (MISSING_PERIOD). Since the session's `RANGE_JOINER` takes space alone (and a slash)
    for the joiner of a range, the two unrelated dates are read as the period 01.03-31.03.2019 and
    the invoice is POSTED for March at the month's rate. Breaks "never pay wrongly" (spec: a period
    only where the text gives one; README "Periods": a date that is no end of a range is a lone
    date). Expected: no period (manual), as before."""
    texts = [
        "Døgnophold\nFakturadato Forfaldsdato\n01.03.2019 31.03.2019",
        "Døgnophold. Fakturadato/forfaldsdato: 01.03.2019/31.03.2019",
    ]
    for k, text in enumerate(texts):
        result = _run(tmp_path / str(k), [_grant()], [_invoice(text=text)])
        d = result["decisions"].iloc[0]
        assert (d["status"], d["reason"]) == ("manual", "MISSING_PERIOD"), (
            f"{text!r} posted as {_posted_as(result)}: an invoice date and a due date paid as the period"
        )


# ------------------------------------------------------------------ 2. the lone-date fix, a date in ISO or compact digits


def test_a_move_out_date_written_iso_inside_the_month_is_not_paid_as_the_whole_month(tmp_path):
    """A user suffers a whole month paid for a citizen who moved out mid-month: "Døgnophold marts
    2019, udflyttet 2019-03-15" (an ISO date, as Sensum and most systems export a date) at a month's
    amount is POSTED for 01.03-31.03.2019, where "udflyttet 15.03.2019" since this session goes to a
    caseworker. README "Periods": "A date in digits that is no end of a range is held to the one
    period ... inside it but for its first and last day, it gives no period"; `names_no_one_period`
    counts `2019-03-15` a date in digits. `_LONE_DATE` (parsing.py) read day-first dates only. (A compact
    `20190315` stays a number, as the README says: an invoice's number may be one.)"""
    for k, text in enumerate(["Døgnophold marts 2019, udflyttet 2019-03-15"]):
        assert period_in_text(text) is None, f"{text!r} read as the whole of March"
        result = _run(tmp_path / str(k), [_grant()], [_invoice(text=text)])
        d = result["decisions"].iloc[0]
        assert d["status"] == "manual", f"{text!r} posted as {_posted_as(result)}: a whole month for half a stay"


# ------------------------------------------------------------------ 3. merged cells


def _marks_workbook(path: Path, rows: list[list], merges: list[str]) -> Path:
    from openpyxl import Workbook as OpenpyxlWorkbook

    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = "paid"
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def test_a_merged_grant_cell_over_a_blank_spacer_row_makes_no_paid_mark(tmp_path):
    """A user suffers a grant the robot never pays again. The paid-marks workbook groups each grant's
    months under a merged `Bevilling` cell, with a blank spacer row closing the group (A2:A4: January,
    February, then the spacer). Excel shows two marks of G1; the reader fills the merged id into the
    blank spacer row too, which `_table_from_rows` then keeps as a data row: a third mark of G1 with
    no period, which "counts for every period of the grant" (README, `--paid`). March, marked by
    nobody, is refused ALREADY_PAID, and so is every later month of G1. Before the session the blank
    row was skipped ("a blank row is not data"). Breaks "merged cells are read as Excel shows them"
    (README, the support sheet) and leaves a legitimate invoice unpaid with a false reason."""
    from invoicekit.cli import main

    paid = _marks_workbook(
        tmp_path / "paid.xlsx",
        [["Bevilling", "Periode fra", "Periode til"], ["G1", "01.01.2019", "31.01.2019"],
         [None, "01.02.2019", "28.02.2019"], [None, None, None], ["G2", "01.01.2019", "31.01.2019"]],
        ["A2:A4"],
    )  # fmt: skip
    grants = _csv(tmp_path / "g.csv", GRANT_HEADER, [_grant()])
    invoices = _csv(tmp_path / "i.csv", INVOICE_HEADER,
                    [_invoice(period_start="01.03.2019", period_end="31.03.2019")])  # fmt: skip
    out = tmp_path / "out"
    rc = main(["run", "--grants", str(grants), "--invoices", str(invoices), "--support-sheet",
               str(EXAMPLE / "stoetteark.xlsx"), "--paid", str(paid), "--out", str(out), "--quiet"])  # fmt: skip
    assert rc == 0
    d = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False).iloc[0]
    assert d["reason"] != "ALREADY_PAID", "March, marked by nobody, held as paid by a mark the spacer row became"
    assert d["status"] == "posted", (d["status"], d["reason"])


def test_a_sheet_of_many_merged_ranges_reads_as_the_same_sheet_unmerged(tmp_path):
    """A paid-marks workbook grouped two months a grant under a merged `Bevilling` cell (as a report
    groups it) reads as the same workbook with every cell filled. (Its speed, which a first version made
    rows times ranges, is measured outside the tests: 16,000 rows with 8,000 ranges read in 6.3 s, then
    in about the time of the sheet unmerged.)"""
    from invoicekit.readers import Workbook

    n = 2_000
    header = [["Bevilling", "Periode fra", "Periode til"]]
    grouped = [[f"G{i // 2}" if i % 2 == 0 else None, "01.03.2019", "31.03.2019"] for i in range(n)]
    merged = _marks_workbook(tmp_path / "m.xlsx", header + grouped, [f"A{i + 2}:A{i + 3}" for i in range(0, n, 2)])
    plain = _marks_workbook(tmp_path / "p.xlsx", header + [[f"G{i // 2}", *r[1:]] for i, r in enumerate(grouped)], [])
    assert Workbook(merged).table("paid").frame.equals(Workbook(plain).table("paid").frame)


# ------------------------------------------------------------------ 4. a grants extract refused for a column that holds no end date


def test_a_grants_extract_with_a_visiteret_til_column_is_not_refused(tmp_path, capsys):
    """A user's monthly run stops (exit 2) on a legitimate Sensum extract of running grants: it has no
    end-date column (optional, README "Inputs": `end_date` Slutdato is optional) and a column
    `Visiteret til` (the offer the citizen is referred to: "Botilbud Solhøj"), which
    `columns.end_date_columns` takes for an end date because it holds the word `til`
    (so would `Udbetales til`, `Henvist til`, `Assigned to`). 0.9.35 posted the invoice. The README
    promises refusal only where "a column the robot does not read looks like an end date"; this one
    holds text, no date. Expected: the run reads the file (the column is unread, as any other)."""
    from invoicekit.cli import main

    grants = tmp_path / "g.csv"
    grants.write_text(
        "grant_id;cpr;service_code;supplier_cvr;rate;rate_unit;start_date;Visiteret til\n"
        f"G1;{A};SEL108-BO;{SOLHOJ};28500.00;month;2018-01-01;Botilbud Solhøj\n",
        encoding="utf-8",
    )
    invoices = _csv(tmp_path / "i.csv", INVOICE_HEADER, [_invoice(period_start="01.03.2019", period_end="31.03.2019")])
    rc = main(["run", "--grants", str(grants), "--invoices", str(invoices), "--support-sheet",
               str(EXAMPLE / "stoetteark.xlsx"), "--out", str(tmp_path / "out"), "--quiet"])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
