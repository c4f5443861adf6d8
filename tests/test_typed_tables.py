"""Typed tables as the boundary: decide takes only typed input, a typed table
is never typed twice, the rows left out travel with their table, and joining
extracts keeps every invoice on a row of its own."""

from __future__ import annotations

import pandas as pd
import pytest

from invoicekit import Journal, decide, prepare_grants, prepare_invoices, prepare_support_sheet
from invoicekit.extracts import Invoices, read_invoices
from invoicekit.run import run
from tests.conftest import EXAMPLE, SOLHOJ, A, grants_table, support_tables


def invoice(invoice_id: str) -> dict:
    return {"invoice_id": invoice_id, "supplier_cvr": SOLHOJ, "amount": "28.500,00", "cpr": A,
            "period_start": "01.03.2019", "period_end": "31.03.2019"}  # fmt: skip


def test_decide_takes_only_typed_tables_and_names_the_helper():
    raw = pd.DataFrame([invoice("F-1")])
    grants, sheet = prepare_grants(grants_table()), prepare_support_sheet(support_tables())
    with pytest.raises(TypeError, match="prepare_invoices"):
        decide(raw, grants, sheet)
    with pytest.raises(TypeError, match="prepare_grants"):
        decide(prepare_invoices(raw), grants_table(), sheet)
    with pytest.raises(TypeError, match="prepare_support_sheet"):
        decide(prepare_invoices(raw), grants, support_tables())


def test_a_typed_table_is_never_typed_again():
    typed = prepare_invoices(pd.DataFrame([invoice("F-1")]))
    with pytest.raises(TypeError, match="typed already"):
        prepare_invoices(typed.frame)
    with pytest.raises(TypeError, match="typed already"):
        prepare_grants(prepare_grants(grants_table()).frame)
    with pytest.raises(TypeError, match="typed already"):
        prepare_support_sheet(prepare_support_sheet(support_tables()))


def test_the_rows_left_out_travel_with_their_table_into_the_decisions():
    grants = grants_table()
    grants.loc[len(grants)] = ["G-X", A, "SEL108-BO", SOLHOJ, "mange penge", "month", "2019-01-01", ""]
    typed = prepare_grants(grants)
    assert typed.problems["problem"].str.contains("takst", case=False).any()
    res = decide(prepare_invoices(pd.DataFrame([invoice("F-1")])), typed, prepare_support_sheet(support_tables()))
    pd.testing.assert_frame_equal(res.problems, typed.problems)


def test_joined_extracts_keep_one_row_each_and_record_in_the_journal(tmp_path):
    """Once, two typed tables joined with pd.concat kept their tag and repeated
    their row numbers, and recording them failed; now the join numbers the
    batch's rows afresh."""
    one = read_invoices(EXAMPLE / "regninger.csv")
    both = Invoices.concat([one, one])
    assert len(both) == 2 * len(one) and both.frame["row"].tolist() == list(range(1, len(both) + 1))
    res = decide(both, prepare_grants(grants_table()), prepare_support_sheet(support_tables()))
    assert res.decisions["row"].is_unique
    # the second copy of each invoice is a duplicate of the first
    second = res.decisions.iloc[len(one) :]
    assert (second["status"] != "posted").all()


def test_a_run_reports_the_rows_its_extracts_left_out(tmp_path):
    res = run(
        grants=EXAMPLE / "bevillinger.csv",
        invoices=EXAMPLE / "regninger.csv",
        support_sheet=EXAMPLE / "stoetteark.xlsx",
        out=tmp_path / "out",
        new_journal=tmp_path / "j.sqlite",
    )
    problems = pd.read_csv(tmp_path / "out" / "input_problems.csv")
    assert len(problems) == len(res.result.problems) > 0
    with Journal(tmp_path / "j.sqlite", readonly=True) as j:
        assert j.decisions()["row"].is_unique


def test_extracts_put_together_where_one_holds_workbook_number_cells_keep_their_flags(tmp_path):
    """Invoices.concat of a workbook's extract (numbers in number cells, one
    of over 15 digits) and a CSV's: the flags check 1 and check 10 read were
    missing for the CSV's rows (NaN), not False."""
    from openpyxl import Workbook

    from invoicekit import Invoices, read_invoices
    from tests.conftest import SOLHOJ

    wb = Workbook()
    wb.active.append(["Fakturanummer", "CVR", "Beløb"])
    wb.active.append([4711, int(SOLHOJ), 100])
    wb.active.append([12345678901234567, int(SOLHOJ), 100])
    wb.save(tmp_path / "a.xlsx")
    (tmp_path / "b.csv").write_text(f"Fakturanummer;CVR;Beløb\nF-1;{SOLHOJ};100,00\n", encoding="utf-8")
    both = Invoices.concat([read_invoices(tmp_path / "a.xlsx"), read_invoices(tmp_path / "b.csv")]).frame
    assert both["invoice_id_numeric"].tolist() == [True, True, False]
    assert both["invoice_id_lost"].tolist() == [False, True, False]
    assert both["invoice_id_written"].tolist()[2] == "F-1"
