"""An attack on the support sheet (støtteark), the grants' and invoices'
workbook cells and the invoice-lines file: no cell that is not a value may
be posted, and nothing a file says may be dropped unseen (robot spec, "a bad
support-sheet row is left out of matching and listed in input_problems.csv";
README, "A file read wrongly as a whole").

Each test here once got through (found by an attack session on 0.9.7)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from invoicekit import Rules, decide, prepare_grants, prepare_invoices, prepare_support_sheet
from invoicekit.errors import InputError
from invoicekit.extracts import read_grants, read_invoice_lines, read_invoices, read_support_sheet
from invoicekit.vocabulary import normalise_paragraph
from tests.conftest import SOLHOJ, grants_table, invoice, support_tables
from tests.test_extracts import _workbook


def workbook(path: Path, sheets: dict[str, pd.DataFrame], formulas: dict[str, str] | None = None) -> Path:
    """``sheets`` as a workbook; ``formulas`` puts a formula (cell → text)
    into the first sheet, saved as openpyxl saves it: without its value."""
    _workbook(path, sheets)
    if formulas:
        wb = load_workbook(path)
        for cell, formula in formulas.items():
            wb.worksheets[0][cell] = formula
        wb.save(path)
    return path


def with_coding(*rows: tuple) -> dict[str, pd.DataFrame]:
    """The conftest support sheet with its § 108 coding rows for 2019 replaced by ``rows``."""
    tables = support_tables()
    coding = tables["coding"]
    kept = coding[coding["psp_element"] != "PSP-108-2019"]
    tables["coding"] = pd.concat([kept, pd.DataFrame(list(rows), columns=coding.columns)], ignore_index=True)
    return tables


def decided(support, **fields: str) -> pd.Series:
    """The decision on conftest's March 2019 invoice from Solhøj (§ 108, PSP-108-2019)."""
    typed = support if not isinstance(support, dict) else prepare_support_sheet(support)
    res = decide(prepare_invoices(pd.DataFrame([invoice(**fields)])), prepare_grants(grants_table()), typed, Rules())
    return res.decisions.iloc[0]


ROW_108 = ("108", "privat", "Udviklingshæmmede", "PSP-108-2019", "40000000", "2019-01-01", "")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("psp_element", "#N/A"),
        ("art", "#REF!"),
        ("target_group", "#N/A"),
        ("psp_element", "\u200b"),
        ("psp_element", "PSP-108\nPSP-108-B"),
        ("psp_element", "PSP-108 PSP-108-B"),
        ("psp_element", "PSP-\u200b108-2019"),
        ("art", "40000000 / 48010000"),
        ("art", "4000"),
    ],
    ids=["PSP #N/A", "art #REF!", "target group #N/A", "PSP a zero-width space", "two PSPs on two lines",
         "two PSPs", "PSP with a hidden character", "two arts", "art of 4 digits"],
)  # fmt: skip
def test_a_coding_cell_that_is_no_value_is_never_posted(column, value):
    """An Excel error value (a lookup that found nothing), a cell that looks
    blank, two values in one cell, or an art that is no 8-digit artskonto:
    the row is left out and listed, and the invoice it would code is not
    posted (NO_CODING)."""
    row = dict(zip(support_tables()["coding"].columns, ROW_108, strict=True))
    row[column] = value
    typed = prepare_support_sheet(with_coding(tuple(row.values())))
    listed = typed.problems[typed.problems["column"] == column]
    assert len(listed) == 1, typed.problems
    assert (decided(typed)["status"], decided(typed)["reason"]) == ("manual", "NO_CODING")


def test_an_excel_error_is_named_in_the_problem():
    row = dict(zip(support_tables()["coding"].columns, ROW_108, strict=True)) | {"psp_element": "#N/A"}
    problems = prepare_support_sheet(with_coding(tuple(row.values()))).problems
    assert problems["problem"].tolist() == ["cellen holder Excel-fejlværdien #N/A"]


def test_a_good_coding_row_still_posts():
    assert decided(with_coding(ROW_108))["psp_element"] == "PSP-108-2019"
    row = (*ROW_108[:4], " 40000000 ", *ROW_108[5:])  # spaces around the art are trimmed, as before
    assert decided(with_coding(row))["status"] == "posted"


def test_an_error_value_in_a_services_or_suppliers_cell_leaves_the_row_out():
    tables = support_tables()
    tables["services"].loc[len(tables["services"])] = ["#N/A", "108", "#N/A"]
    tables["suppliers"].loc[len(tables["suppliers"])] = ["#N/A", "privat"]
    problems = prepare_support_sheet(tables).problems
    assert sorted(problems["problem"]) == ["cellen holder Excel-fejlværdien #N/A"] * 2


def test_an_invoice_numbered_with_an_excel_error_is_not_posted():
    d = decided(support_tables(), invoice_id="#N/A")
    assert (d["status"], d["reason"]) == ("manual", "MISSING_INVOICE_ID")


def test_a_grant_whose_id_is_an_excel_error_is_left_out():
    grants = grants_table()
    grants.loc[grants["grant_id"] == "G-A108", "grant_id"] = "#N/A"
    typed = prepare_grants(grants)
    assert "#N/A" not in typed.frame["grant_id"].astype(str).tolist()
    assert typed.problems["problem"].tolist() == ["cellen holder Excel-fejlværdien #N/A"]


def test_a_coding_row_ending_31_12_9999_is_open_ended():
    """31.12.9999, SAP's way of writing no end: the row is used, so a row
    beside it valid on the same day makes the coding ambiguous (NO_CODING);
    the 9999 row was left out as unreadable, and the old row posted."""
    old = ("108", "privat", "Udviklingshæmmede", "PSP-108-OLD", "40000000", "2018-01-01", "")
    new = ("108", "privat", "Udviklingshæmmede", "PSP-108-NEW", "40000000", "2019-01-01", "31.12.9999")
    typed = prepare_support_sheet(with_coding(old, new))
    assert typed.problems.empty
    assert decided(typed)["reason"] == "NO_CODING"
    alone = prepare_support_sheet(with_coding((*new[:-1], "9999-12-31")))
    assert decided(alone)["psp_element"] == "PSP-108-NEW"


@pytest.mark.parametrize(
    ("written", "read"),
    [("§§ 107/108", ""), ("tidl. § 91, nu § 108", ""), ("§ 103 (STU-lignende)", ""), ("SEL 2019 § 107", "107"),
     ("§ 107 stk. 2", "107"), ("SEL §107", "107"), ("stu", "STU"), ("108", "108"), ("§§ 107 og 108", ""),
     # found by a review: common ways of writing one paragraph, which the first fix left out
     ("§ 108, stk. 1, 1. pkt.", "108"), ("§ 104, 2. pkt.", "104"), ("§ 108, stk. 1-2", "108"),
     ("§ 107, stk. 1 og 2", "107"), ("§ 108 - 24 timers botilbud", "108"), ("§ 104 (dagtilbud 2 dage/uge)", "104"),
     ("§ 107 (2019)", "107"), ("§ 85, stk. 1", "85"), ("Serviceloven § 108", "108"),
     # found by an attack on 0.9.11: two paragraphs after one § were read as the first
     ("§ 107/108", ""), ("§ 107 og 108", ""), ("§ 107, 108", ""), ("§ 107-108", ""), ("§ 107–108", ""),
     ("§ 107 eller 108", ""), ("§ 107 el. 108", ""), ("§ 107 + 108", ""), ("§ 107 & 108", ""), ("§ 97/98", "")],
)  # fmt: skip
def test_a_paragraph_cell_names_one_paragraph_or_none(written, read):
    assert normalise_paragraph(written) == read


@pytest.mark.parametrize("written", ["§§ 107/108", "§ 107/108"])
def test_a_service_naming_two_paragraphs_is_left_out_and_not_posted(written):
    """``§§ 107/108`` was read as § 107, and the rules that exclude § 108
    let the invoice through."""
    tables = support_tables()
    tables["services"].loc[tables["services"]["service_code"] == "SEL108-BO", "paragraph"] = written
    typed = prepare_support_sheet(tables)
    assert "paragraph" in typed.problems["column"].tolist()
    assert decided(typed)["status"] == "manual"


@pytest.mark.parametrize("written", ["§§ 107/108", "§ 107/108", "§ 107 og 108"])
def test_rules_naming_two_paragraphs_in_one_are_refused(written):
    with pytest.raises(InputError, match="paragraphs"):
        Rules(paragraphs=[written])


# ---------------------------------------------------------------- the workbook as read


def test_a_formula_whose_value_was_not_saved_refuses_the_workbook(tmp_path):
    """A workbook last saved by openpyxl holds ``=DATE(2018,12,31)`` without
    its value: read as blank, the coding row was open-ended, and March 2019
    was posted to a PSP element closed at the end of 2018."""
    path = workbook(tmp_path / "s.xlsx", {"coding": support_tables()["coding"], **support_tables()},
                    formulas={"G2": "=DATE(2018,12,31)"})  # fmt: skip
    with pytest.raises(InputError, match=r"sheet 'coding', cell G2: holds a formula whose value was not saved"):
        read_support_sheet(path)


def test_a_formula_with_its_value_saved_reads_as_its_value(tmp_path):
    path = workbook(tmp_path / "s.xlsx", support_tables(), formulas={"G2": "=DATE(2018,12,31)"})
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = next(p for p in parts if p.startswith("xl/worksheets/"))
    # as Excel saves it: the formula and its value (31 Dec 2018 as a serial; ISO text will do here)
    parts[sheet] = parts[sheet].replace(b"<f>DATE(2018,12,31)</f><v></v>", b"<f>DATE(2018,12,31)</f><v>43465</v>")
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(saved, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    # the first sheet is services here: G2 lies outside its columns, and the sheet reads as before
    assert len(read_support_sheet(saved).services) == len(support_tables()["services"])


def test_two_sheets_for_one_role_are_refused(tmp_path):
    """A hidden old 'coding' sheet beside 'Kontering': the old one was used."""
    tables = support_tables()
    old = tables["coding"].assign(psp_element="PSP-OLD")
    path = workbook(tmp_path / "s.xlsx", {**tables, "Kontering": old})
    with pytest.raises(InputError, match="given 2 times"):
        read_support_sheet(path)


def test_a_coding_sheet_without_valid_to_is_refused(tmp_path):
    """A header the robot did not know ('Gyldig indtil') made every coding
    row open-ended, unseen."""
    tables = support_tables()
    tables["coding"] = tables["coding"].rename(columns={"valid_to": "Gyldig indtil"})
    with pytest.raises(InputError, match="valid_to"):
        read_support_sheet(workbook(tmp_path / "s.xlsx", tables))
    tables["coding"] = tables["coding"].rename(columns={"Gyldig indtil": "Gyldig til og med"})
    assert len(read_support_sheet(workbook(tmp_path / "t.xlsx", tables)).coding) == 6


def test_a_coding_sheet_with_month_first_dates_is_refused(tmp_path):
    tables = support_tables()
    coding = pd.concat([tables["coding"]] * 2, ignore_index=True)
    coding["valid_from"] = ["01/31/2018"] * len(coding)
    tables["coding"] = coding
    with pytest.raises(InputError, match="month first"):
        read_support_sheet(workbook(tmp_path / "s.xlsx", tables))


def lines_file(path: Path, rows: list[str], sep: str = ";") -> Path:
    header = sep.join(["invoice_id", "supplier_cvr", "line_no", "cpr", "amount", "period_start", "period_end"])
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_an_invoice_lines_file_with_month_first_dates_is_refused(tmp_path):
    rows = [f"F-{k};{SOLHOJ};1;6101901234;100,00;03/{k + 10}/2019;03/31/2019" for k in range(6)]
    with pytest.raises(InputError, match="month first"):
        read_invoice_lines(lines_file(tmp_path / "l.csv", rows))


def test_an_invoice_lines_file_read_wrongly_as_a_whole_is_refused(tmp_path):
    rows = [f"F-{k},{SOLHOJ},1,6101901234,100,50,01.03.2019,31.03.2019" for k in range(6)]  # decimal commas
    with pytest.raises(InputError, match="another number of fields"):
        read_invoice_lines(lines_file(tmp_path / "l.csv", rows, sep=","))


def test_an_invoices_workbook_with_an_error_value_reads(tmp_path):
    """The error value itself is read as text, and check 1 then stops it."""
    frame = pd.DataFrame([invoice(invoice_id="#N/A")])
    typed = read_invoices(workbook(tmp_path / "i.xlsx", {"Regninger": frame}))
    assert typed.frame["invoice_id_raw"].tolist() == [""]


def test_a_grants_workbook_with_a_formula_without_value_is_refused(tmp_path):
    path = workbook(tmp_path / "g.xlsx", {"Bevillinger": grants_table()}, formulas={"H2": "=DATE(2018,12,31)"})
    with pytest.raises(InputError, match="cell H2"):
        read_grants(path)


def test_a_coding_sheet_whose_open_rows_end_31_12_9999_is_read(tmp_path):
    """Five of six rows ending 31.12.9999 were counted as unreadable dates,
    and the whole sheet refused as month-first (found by a review); the same
    for a grant extract whose grants mostly end so."""
    tables = support_tables()
    tables["coding"]["valid_to"] = ["2018-12-31"] + ["31.12.9999"] * 5
    typed = read_support_sheet(workbook(tmp_path / "s.xlsx", tables))
    assert len(typed.coding) == 6 and typed.problems.empty
    assert typed.coding["valid_to"].isna().sum() == 5
    grants = grants_table().assign(end_date="31.12.9999")
    grants.to_csv(tmp_path / "g.csv", index=False)
    assert len(read_grants(tmp_path / "g.csv").frame) == len(grants)


def test_a_blank_styled_cell_before_a_text_formula_is_no_unsaved_formula(tmp_path):
    """``<c r="G3" s="1"/>`` was taken for the start of a cell that ran on
    into the next one, a text formula whose value is empty text, and the
    workbook was refused (found by a review)."""
    path = workbook(tmp_path / "s.xlsx", support_tables())
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = sorted(p for p in parts if p.startswith("xl/worksheets/"))[0]
    cells = b'<c r="Z2" s="0"/><c r="AA2" t="str"><f>IF(Z2="","","x")</f><v></v></c>'
    parts[sheet] = parts[sheet].replace(b"</row>", cells + b"</row>", 1)
    with zipfile.ZipFile(tmp_path / "t.xlsx", "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert len(read_support_sheet(tmp_path / "t.xlsx").services) == len(support_tables()["services"])
