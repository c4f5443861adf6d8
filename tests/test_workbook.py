"""Workbooks as finance staff expect them: numbers as numbers in Danish
display formats, dates and months as real dates, each sheet an Excel Table
with a frozen header and columns wide enough to read."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from invoicekit.workbook import write_workbook


def _sheet(tmp_path, frame, **kw):
    path = write_workbook(tmp_path / "w.xlsx", {"Måneder i år": frame}, **kw)
    return load_workbook(path)["Måneder i år"]


def test_decimal_numbers_are_numbers_shown_with_two_decimals_and_whole_numbers_as_they_are(tmp_path):
    frame = pd.DataFrame({"beløb": [319373.7957610791, np.nan], "cvr": [29345716, 10150817], "år": [2019, 2020]})
    ws = _sheet(tmp_path, frame)
    assert isinstance(ws["A2"].value, float) and ws["A2"].number_format == "#,##0.00"
    assert ws["A3"].value is None
    assert isinstance(ws["B2"].value, int) and ws["B2"].number_format == "General"  # a CVR number is not 29.345.716
    assert ws["C2"].value == 2019 and ws["C2"].number_format == "General"


def test_dates_are_dates_and_months_are_their_first_day(tmp_path):
    frame = pd.DataFrame(
        {
            "måned": ["2019-03", "2019-04"],
            "dato": pd.to_datetime(["2019-03-05", None]),
            "periode": pd.PeriodIndex(["2019-03", "2019-04"], freq="M"),
            "dag": [dt.date(2019, 3, 1), dt.date(2019, 3, 2)],
            "tekst": ["2019-03", "ikke en måned"],
        }
    )
    ws = _sheet(tmp_path, frame, formats={"Måneder i år": {"måned": "yyyy-mm"}})
    assert ws["A2"].value == dt.datetime(2019, 3, 1) and ws["A2"].number_format == "yyyy-mm"
    assert ws["B2"].value == dt.datetime(2019, 3, 5) and ws["B2"].number_format == "dd.mm.yyyy"
    assert ws["B3"].value is None
    assert ws["C3"].value == dt.datetime(2019, 4, 1)
    assert ws["D2"].is_date and ws["D2"].number_format == "dd.mm.yyyy"
    assert ws["E2"].value == "2019-03"  # text where no month format is asked for


def test_each_sheet_is_a_table_with_a_frozen_header_and_readable_widths(tmp_path):
    frame = pd.DataFrame({"Leverandør": ["Bostedet Solsikken ApS", "B"], "n": [1, 2]})
    path = write_workbook(tmp_path / "w.xlsx", {"Årsager 2019-03": frame, "Årsager 2019_03": frame.head(1)})
    wb = load_workbook(path)
    first, second = wb.worksheets
    assert [t.ref for t in first.tables.values()] == ["A1:B3"] and [t.ref for t in second.tables.values()] == ["A1:B2"]
    names = [*first.tables, *second.tables]
    assert len(set(names)) == 2 and all(n.replace("_", "").isalnum() and n.isascii() for n in names)
    assert [c.name for c in first.tables[names[0]].tableColumns] == ["Leverandør", "n"]
    assert first.tables[names[0]].autoFilter.ref == "A1:B3"  # the filter buttons in the header
    assert first.freeze_panes == "A2" and first["A1"].font.b
    assert first.column_dimensions["A"].width >= len("Bostedet Solsikken ApS")
    assert 8 <= first.column_dimensions["B"].width < 12


def test_a_sheet_without_rows_gets_a_filter_not_a_table(tmp_path):
    ws = _sheet(tmp_path, pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=str)}))
    assert not ws.tables and ws.auto_filter.ref == "A1:B1"
    assert [c.value for c in ws[1]] == ["a", "b"]


def test_formats_by_row_and_percent_rows(tmp_path):
    frame = pd.DataFrame({"nøgletal": ["Fakturaer", "Grad", "Værdi"], "værdi": [8443, 0.4012, 1250.5]})
    ws = _sheet(tmp_path, frame, formats={"Måneder i år": {"værdi": ["#,##0", "0.0%", "#,##0.00"]}})
    assert [ws.cell(r, 2).number_format for r in (2, 3, 4)] == ["#,##0", "0.0%", "#,##0.00"]
    ws = _sheet(tmp_path, frame, percent={"Måneder i år": {"værdi": [1]}})
    assert ws["B3"].number_format == "0.0%" and ws["B2"].number_format != "0.0%"


@pytest.mark.parametrize("bad", ["=1+1", "+45 12 34 56", "@SUM(A1)"])
def test_text_that_would_be_a_formula_stays_text_in_a_table(tmp_path, bad):
    ws = _sheet(tmp_path, pd.DataFrame({"tekst": [bad]}))
    assert ws["A2"].value == f"'{bad}" and ws["A2"].data_type == "s"


def test_true_and_false_are_written_ja_and_nej(tmp_path):
    """Found by an attack on 0.9.13: a boolean cell reads SAND/FALSK in a
    Danish Excel, where the report's page says ja/nej (the follow-up's
    Godkendt, types' Mærket)."""
    df = pd.DataFrame(
        {
            "Mærket": [True, False],
            "as objects": pd.Series([np.True_, False], dtype=object),
            "boolean": pd.array([True, None], dtype="boolean"),
        }
    )
    ws = load_workbook(write_workbook(tmp_path / "b.xlsx", {"Ark": df}))["Ark"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [["ja", "ja", "ja"], ["nej", "nej", None]]


def test_a_cpr_number_split_by_a_line_break_is_masked_as_the_cell_shows_it(tmp_path):
    """A cell without wrapped text shows its line breaks as nothing: "Bo 15⏎0587-9898", which masking
    reads as two lines, showed as the full number in the follow-up's workbook (an attack on 0.9.17).
    A line break that splits no number stays."""
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Ark": pd.DataFrame({"name": ["Bo 15\n0587-9898", "Bosted 1505\r\n87-9897", "Linje 1\nLinje 2 2019"]})},
    )
    cells = [r[0] for r in load_workbook(path)["Ark"].iter_rows(min_row=2, values_only=True)]
    assert cells == ["Bo 150587-xxxx", "Bosted 150587-xxxx", "Linje 1\nLinje 2 2019"]


def test_an_excel_escape_in_a_text_is_shown_as_written_not_as_the_character_it_names(tmp_path):
    """Excel reads _x0031_ as "1": "Bo _x0031_50587-9898" showed a full CPR number masking did not
    read (a review of 0.9.17). calamine reads a workbook as Excel shows it."""
    text = "Bo _x0031_50587-9898"
    path = write_workbook(tmp_path / "w.xlsx", {"Ark": pd.DataFrame({"name": [text, "a_b"]})})
    shown = pd.read_excel(path, sheet_name="Ark", engine="calamine")["name"].tolist()
    assert shown == [text, "a_b"]
