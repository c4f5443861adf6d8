"""What a review of 0.9.27's check 21, paid marks and support sheet found: a grant id compared by its text
alone against the journal, marks' grant ids and CPR/CVR cells as Excel writes them, a mark's own citizen beside
its grant's, and support-sheet keys with characters nobody sees. Each test failed on 0.9.27: in all but the
last two, a month already paid was posted again; in those, an invoice was posted on an older PSP element or
under a paragraph the sheet did not name for certain."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from invoicekit import decide, prepare_grants, prepare_invoices, prepare_support_sheet, run
from invoicekit.paid_marks import prepare_paid_marks, read_paid_marks
from tests.conftest import LEDSAGER, SOLHOJ, A, grants_table, invoice, support_tables
from tests.test_extracts import _workbook

MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}
COLS6 = ["grant_id", "period_start", "period_end", "cpr", "supplier_cvr", "service_code"]
B_CPR = "6202901234"


def _write_sheet(path: Path) -> Path:
    return _workbook(path, support_tables())


def _postings(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str)


def _re_registered(old_id: str = "G-A108") -> pd.DataFrame:
    """Citizen A's § 108 stay at Solhøj: ``old_id`` until February, G-NEW (same service) from March."""
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", ["grant_id", "end_date"]] = [old_id, "2019-02-28"]
    g.loc[len(g)] = ["G-NEW", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-03-01", ""]
    return g


def _decide(invoices, grants, paid, sheet=None) -> pd.DataFrame:
    return decide(
        prepare_invoices(pd.DataFrame(list(invoices))),
        prepare_grants(grants),
        prepare_support_sheet(support_tables() if sheet is None else sheet),
        paid=paid,
    ).decisions


# ---------------------------------------------------------------- 1. the journal's grant key is not compared by value
@pytest.mark.parametrize(
    ("first_id", "later_id"),
    [("00123", "123"), ("00123", "0123"), ("00123", "00123.0"),
     # ten digits with the zero: kept hashed by the journal (a review of the mends: paid twice, both ways)
     ("123456789", "0123456789"), ("0123456789", "123456789"),
     # and kept hashed as Excel wrote it (a second review of the mends)
     ("1234567890.0", "1234567890"), ("'0123456789", "0123456789"), ("'0123456789", "123456789"),
     ("0123456789,0", "123456789"),
     # and in Excel's Number format, two decimals (a third review: test_review_0928.py)
     ("1234567890,00", "1234567890"), ("1234567890.00", "1234567890"), ("0123456789,00", "123456789"),
     # three zeros, and a ' with decimals (a fourth review)
     ("1234567890.000", "1234567890"), ("'1234567890,00", "1234567890")],
)  # fmt: skip
def test_a_grant_moved_to_another_supplier_is_the_same_grant_whatever_zeros_its_id_is_written_with(
    tmp_path: Path, first_id: str, later_id: str
):
    """March is posted under grant 00123 at Solhøj (run 1, a CSV extract). Sensum then moves the grant to
    another supplier (Ledsager, the same grant id, the same service); the next extract comes from a workbook
    (or a CSV saved from Excel), which writes Sensum's 00123 as 123 (or 00123.0). The new supplier invoices
    March: the same grant, the same period, already paid. Check 21 compares grant ids only as normalised text
    (normalise_grant_ids: no value comparison), while check 10 and the paid marks compare a number of digits
    alone by its value (README: 'its id compared like invoice numbers'; 'a grant id of digits followed by .0
    ... is compared by its value'). The supplier differs, so neither the citizen key nor the paragraph key
    finds the payment, and March is paid twice. A key of ten digits is kept hashed in the journal: today's
    value is padded to each width from ten to fifteen digits and hashed so."""
    case = tmp_path / "case"
    case.mkdir()
    sheet = _write_sheet(case / "stoetteark.xlsx")
    g1 = grants_table()
    g1.loc[g1["grant_id"] == "G-A108", "grant_id"] = first_id
    g1.to_csv(case / "grants-1.csv", index=False)
    g2 = grants_table()
    g2.loc[g2["grant_id"] == "G-A108", ["grant_id", "supplier_cvr"]] = [later_id, LEDSAGER]
    g2.to_csv(case / "grants-2.csv", index=False)
    pd.DataFrame([invoice(invoice_id="SOL-1", **MARCH)]).to_csv(case / "inv-1.csv", index=False)
    pd.DataFrame([invoice(invoice_id="LED-1", supplier_cvr=LEDSAGER, **MARCH)]).to_csv(case / "inv-2.csv", index=False)
    journal = tmp_path / "j.sqlite"
    first = run(grants=case / "grants-1.csv", invoices=case / "inv-1.csv", support_sheet=sheet, out=tmp_path / "o1",
                new_journal=journal)  # fmt: skip
    assert first.decisions["status"].tolist() == ["posted"]
    assert first.decisions["grant_id"].tolist() == [first_id]
    second = run(grants=case / "grants-2.csv", invoices=case / "inv-2.csv", support_sheet=sheet, out=tmp_path / "o2",
                 journal=journal)  # fmt: skip
    assert second.decisions["grant_id"].tolist() == [later_id]
    # 0.9.27: posted, and opus_postings.csv of run 2 pays March again
    assert len(_postings(tmp_path / "o2")) == 0, "March of grant 00123 paid twice"
    assert second.decisions["reason"].tolist() == ["ALREADY_PAID"]
    # the caseworker is told it may be another grant of the same number
    assert "samme nummer skrevet med andre foranstillede nuller" in second.decisions["message"][0]


# ---------------------------------------------------------------- 2. a mark's grant id as a CSV saved from Excel writes it
# (and Excel's text export ="00123": a review of the mends)
@pytest.mark.parametrize("written", ["'00123", "'123", "123,0", '="00123"', '="123"'])
def test_a_marks_grant_id_with_excels_text_mark_or_a_decimal_comma_is_the_grant(tmp_path: Path, written: str):
    """Sensum's grant 00123 (ended February, registered again as G-NEW from March) has March marked paid by
    hand. The marks CSV was saved from Excel, which keeps the leading zeros of a number typed as text behind
    its text mark ('00123), or written from a Danish float column (123,0). The marks reader reads the same
    file's CPR cells loosely ('6101901234, 6101901234.0: README 0.9.27) and a grant id 123.0 by its value, but
    not a grant id '00123 (unguarded_cells takes the ' off only before a formula start) nor 123,0 (the value
    pattern knew only '.0'): the mark is 'not comparable' and the reminder is paid on G-NEW."""
    path = tmp_path / "paid.csv"
    path.write_text(f"grant_id;period_start;period_end;invoice_id\n{written};01.03.2019;31.03.2019;SOL-1001\n",
                    encoding="utf-8")  # fmt: skip
    d = _decide([invoice(invoice_id="SOL-1001-R", **MARCH)], _re_registered("00123"), read_paid_marks(path))
    assert d["grant_id"].tolist() == ["G-NEW"]
    # 0.9.27: posted
    assert d["reason"].tolist() == ["ALREADY_PAID"], d[["status", "message"]].to_dict("records")


def test_a_marks_grant_id_written_plainly_or_as_a_float_is_the_grant(tmp_path: Path):
    """The same mark written 123 or 00123.0 holds March (it did on 0.9.27 too)."""
    for written in ("123", "00123.0"):
        path = tmp_path / "paid.csv"
        path.write_text(f"grant_id;period_start;period_end\n{written};01.03.2019;31.03.2019\n", encoding="utf-8")
        d = _decide([invoice(invoice_id="SOL-1001-R", **MARCH)], _re_registered("00123"), read_paid_marks(path))
        assert d["reason"].tolist() == ["ALREADY_PAID"]


# ---------------------------------------------------------------- 3. a mark by value beside an exact id
def test_a_mark_of_a_number_the_extract_holds_exactly_is_not_compared_with_the_grant_of_the_same_value():
    """The extract holds grant 123 (citizen A at Kilden, § 104, usable) and grant 00123 (citizen B at Solhøj,
    § 108, ended February; B's G-BNEW from March). Sensum marked B's March paid under 00123; the marks
    workbook holds it as the number 123. _by_value looks for ids of the same value only where the mark's id is
    not among the extract's, so the mark is A's grant alone and B's March is paid again. Written 0123 (any
    other zeros) the same mark finds 00123 by value and holds B's March: the comparison by value depends on
    which zeros the workbook left."""
    g = grants_table()
    g.loc[g["grant_id"] == "G-A104", "grant_id"] = "123"
    g.loc[len(g)] = ["00123", B_CPR, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", "2019-02-28"]
    g.loc[len(g)] = ["G-BNEW", B_CPR, "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-03-01", ""]
    inv = [invoice(invoice_id="SOL-B-R", cpr="620290-1234", **MARCH)]
    as_0123 = prepare_paid_marks(pd.DataFrame([("0123", "01.03.2019", "31.03.2019")], columns=COLS6[:3]))
    assert _decide(inv, g, as_0123)["reason"].tolist() == ["ALREADY_PAID"]  # held on 0.9.27 too
    as_123 = prepare_paid_marks(pd.DataFrame([("123", "01.03.2019", "31.03.2019")], columns=COLS6[:3]))
    d = _decide(inv, g, as_123)
    assert d["grant_id"].tolist() == ["G-BNEW"]
    # 0.9.27: posted
    assert d["reason"].tolist() == ["ALREADY_PAID"], d[["status", "message"]].to_dict("records")


# ---------------------------------------------------------------- 4. a mark's own citizen without a known service
@pytest.mark.parametrize("service", ["", "Botilbud"])
def test_a_marks_own_citizen_with_no_known_service_counts_beside_the_extracts_grant(service: str):
    """A mark names grant G-A108 (citizen A) and, in its own cells, citizen B at Solhøj, with the service blank
    or written by its name. README: 'The mark's own cells add to what the extract says of its grant, never
    replace it', and a mark's own citizen whose service is blank or unknown counts under every paragraph.
    With the service written as a code (SEL108-BO) B's March is held; blank or by its name, the own-cells
    row of a grant the extract holds gets own=False, looked=False, so it is not 'unknown' (paid_from_marks),
    is compared under the blank service alone, and B's March is posted."""
    g = grants_table()
    g.loc[len(g)] = ["G-B108", B_CPR, "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-01-01", ""]
    inv = [invoice(invoice_id="SOL-B-3", cpr="620290-1234", **MARCH)]

    def marks(svc: str):
        return prepare_paid_marks(
            pd.DataFrame([("G-A108", "01.03.2019", "31.03.2019", "620290-1234", SOLHOJ, svc)], columns=COLS6)
        )

    assert _decide(inv, g, marks("SEL108-BO"))["reason"].tolist() == ["ALREADY_PAID"]  # held on 0.9.27 too
    # the same own cells on a grant the extract lacks: held under every paragraph (on 0.9.27 too)
    gone = prepare_paid_marks(
        pd.DataFrame([("G-GONE", "01.03.2019", "31.03.2019", "620290-1234", SOLHOJ, service)], columns=COLS6)
    )
    assert _decide(inv, g, gone)["reason"].tolist() == ["ALREADY_PAID"]
    d = _decide(inv, g, marks(service))
    # 0.9.27: posted
    assert d["reason"].tolist() == ["ALREADY_PAID"], d[["status", "message"]].to_dict("records")


# ---------------------------------------------------------------- 5. a row left out, its key written with a character nobody sees
@pytest.mark.parametrize("hidden", ["\u200b", "\u00ad"])  # a zero-width space, a soft hyphen
def test_a_coding_row_left_out_whose_target_group_holds_an_invisible_character_holds_back_its_twin(hidden):
    """README: 'A row left out that still names ... its coding key (paragraph, ownership and target group)
    holds back the rows read for the same' (an invoice posted on an old PSP element beside a newer row whose
    PSP element held a space was the fault of 0.9.26). The newer § 108 / privat row's PSP element holds a
    space (left out) and its target group, pasted from Word, a zero-width space or soft hyphen nobody sees.
    The held row's target key is strip().casefold() (extracts._key), not the visible text, so it agrees with
    no readable key and the invoice is posted on the OLD row's PSP element."""
    sheet = support_tables()
    c = sheet["coding"][sheet["coding"]["paragraph"] != "108"]
    rows = [("108", "privat", "Udviklingshæmmede", "PSP-108-2018", "40000000", "2018-01-01", ""),  # never closed
            ("§ 108", "privat", f"Udviklings{hidden}hæmmede", "PSP 108 2019", "40000000", "2019-01-01", "")]  # fmt: skip
    sheet["coding"] = pd.concat([c, pd.DataFrame(rows, columns=c.columns)], ignore_index=True)
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-1", **MARCH)])), prepare_grants(grants_table()),
               prepare_support_sheet(sheet)).decisions  # fmt: skip
    # 0.9.27: posted on PSP-108-2018
    assert d["reason"].tolist() == ["NO_CODING"], d[["status", "psp_element"]].to_dict("records")


@pytest.mark.parametrize("written", ["SEL108-BO\u200b", "\u200bSEL108-BO"])
def test_a_services_row_left_out_whose_code_holds_an_invisible_character_holds_back_its_twin(written):
    """The same for the services sheet: SEL108-BO written a second time, with '§ 107/108' (left out) and a
    zero-width space in the code. Written plainly, the readable row is held back (NO_CODING, since 0.9.26);
    with the invisible character _held_back compares service_key (strip().casefold()) and the invoice is posted
    under the readable row's § 108. (Check 21 and the marks compare services by normalise_numbers, which drops
    it: there the two rows ARE one service.)"""
    sheet = support_tables()
    sheet["services"].loc[len(sheet["services"])] = [written, "§ 107/108", "Udviklingshæmmede"]
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-1", **MARCH)])), prepare_grants(grants_table()),
               prepare_support_sheet(sheet)).decisions  # fmt: skip
    # 0.9.27: posted on PSP-108-2019
    assert d["reason"].tolist() == ["NO_CODING"], d[["status", "psp_element"]].to_dict("records")


# ---------------------------------------------------------------- 6. a mark's own CPR / CVR in other Excel forms
@pytest.mark.parametrize(
    ("cpr", "cvr"),
    # (not a dashed CPR with '.0' after it: no spreadsheet writes a text cell so)
    [("6101901234,0", SOLHOJ), ("610190-1234", f"{SOLHOJ},0"), ('="6101901234"', SOLHOJ)],
)
def test_a_marks_own_cpr_and_cvr_in_other_spreadsheet_forms_still_name_the_citizen(cpr, cvr):
    """The mend of 0.9.27 reads a mark's CPR/CVR '.0' and leading ' loosely (excel_number_cells), but not the
    Danish decimal comma of the same float (',0') nor Excel's ="..." text export: the mark of the grant gone (G-OLD, registered again as G-NEW) is 'not comparable' and March
    is paid again."""
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", "grant_id"] = "G-NEW"
    marks = prepare_paid_marks(pd.DataFrame([("G-OLD", "01.03.2019", "31.03.2019", cpr, cvr, "SEL108-BO")],
                                            columns=COLS6))  # fmt: skip
    d = _decide([invoice(invoice_id="SOL-1001-R", **MARCH)], g, marks)
    # 0.9.27: posted
    assert d["reason"].tolist() == ["ALREADY_PAID"], d[["status", "message"]].to_dict("records")


# ---------------------------------------------------------------- (reviews of the mends) sheet_keys: a letter's mark
@pytest.mark.parametrize(
    ("plain", "marked", "written", "decided"),
    [
        # Å decomposed, as a Mac writes it: A and a combining ring; composed, it is the sheet's BO-Å (§ 108)
        ("BO-A", "BO-\u00c5", "BO-A\u030a", ["posted", "108", ""]),
        # Ø has no decomposition: O and a combining long solidus shows as Ø and is no letter of the sheet's
        ("BO-O", "BO-\u00d8", "BO-O\u0338", ["manual", "", "NO_CODING"]),
        # a superscript two is no 2 to a reader (NFKC would make BO² the sheet's BO2, and the two one service)
        ("BO2", "BO\u00b2", "BO\u00b2", ["posted", "108", ""]),
    ],
)
def test_a_grant_service_written_with_a_combining_mark_is_not_coded_as_the_service_without_it(
    plain, marked, written, decided
):
    """The sheet names two services, BO-A or BO-O (§ 104) and BO-Å or BO-Ø (§ 108); the grant extract writes the
    second letter as a letter and a combining mark. The first mend of the sheet keys removed the combining
    marks as invisible (with CPR_INVISIBLE), and the grant was coded as BO-A / BO-O: posted under § 104 on
    PSP-104-PRIV (until 0.9.27, strip and casefold alone, it matched no service). The keys are now NFKC (Å
    composed) and keep combining marks: the person reads BO-Å, BO-Ø."""
    sheet = support_tables()
    sheet["services"].loc[len(sheet["services"])] = [plain, "§ 104", "Udviklingshæmmede"]
    sheet["services"].loc[len(sheet["services"])] = [marked, "§ 108", "Udviklingshæmmede"]
    sheet["coding"].loc[len(sheet["coding"])] = [
        "104", "privat", "Udviklingshæmmede", "PSP-104-PRIV", "47000000", "2018-01-01", ""
    ]  # fmt: skip
    g = grants_table()
    g = g[g["cpr"] != A].reset_index(drop=True)
    g.loc[len(g)] = ["G-X", A, written, SOLHOJ, "28500.00", "month", "2019-01-01", ""]
    d = decide(prepare_invoices(pd.DataFrame([invoice()])), prepare_grants(g), prepare_support_sheet(sheet),
               None, None).decisions  # fmt: skip
    assert d[["status", "paragraph", "reason"]].values.tolist() == [decided], d.to_dict("records")


# ---------------------------------------------------------------- (a second review of the mends) 1. sheet_keys: a no-break space a person reads as a space
def test_a_coding_row_left_out_whose_target_group_holds_a_no_break_space_holds_back_its_twin():
    """As test_review_0927's row left out with a zero-width space in its target group, with the space between
    two words pasted from Word as a no-break space (U+00A0): a person reads 'Voksne udviklingshæmmede' in both."""
    sheet = support_tables()
    sheet["services"].loc[sheet["services"]["service_code"] == "SEL108-BO", "target_group"] = "Voksne udviklingshæmmede"
    c = sheet["coding"][sheet["coding"]["paragraph"] != "108"]
    rows = [("108", "privat", "Voksne udviklingshæmmede", "PSP-108-2018", "40000000", "2018-01-01", ""),
            ("§ 108", "privat", "Voksne\u00a0udviklingshæmmede", "PSP 108 2019", "40000000", "2019-01-01", "")]  # fmt: skip
    sheet["coding"] = pd.concat([c, pd.DataFrame(rows, columns=c.columns)], ignore_index=True)
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-1", **MARCH)])), prepare_grants(grants_table()),
               prepare_support_sheet(sheet)).decisions  # fmt: skip
    assert d["reason"].tolist() == ["NO_CODING"], d[["status", "psp_element"]].to_dict("records")


def test_a_services_row_left_out_whose_code_holds_a_no_break_space_holds_back_its_twin():
    """The same of a service code: SEL108 BO written again with a no-break space and '§ 107/108' (left out)."""
    sheet = support_tables()
    sheet["services"].loc[sheet["services"]["service_code"] == "SEL108-BO", "service_code"] = "SEL108 BO"
    sheet["services"].loc[len(sheet["services"])] = ["SEL108\u00a0BO", "§ 107/108", "Udviklingshæmmede"]
    g = grants_table()
    g.loc[g["service_code"] == "SEL108-BO", "service_code"] = "SEL108 BO"
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-1", **MARCH)])), prepare_grants(g),
               prepare_support_sheet(sheet)).decisions  # fmt: skip
    assert d["reason"].tolist() == ["NO_CODING"], d[["status", "paragraph", "psp_element"]].to_dict("records")
