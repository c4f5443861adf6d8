"""An attack on the coding of a posting from finance's support sheet (støtteark) as staff keep it in Excel
(0.9.37): a retired coding row hidden or struck through, a visible copy of the coding sheet, a placeholder
and a pasted typographic dash in the PSP element. Each was posted on in 0.9.36."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from openpyxl.styles import Font

from tests.test_review_0936_inputs import CODING_HEADER, run, write_xlsx
from tests.test_review_0936_inputs import sheets as _sheets


def sheets() -> dict[str, list[list]]:
    """The support sheet of tests/test_review_0936_inputs.py, free to change (its header list is shared)."""
    return copy.deepcopy(_sheets())


def coding_2018_only(psp_2018: str = "PSP-108-2018") -> dict[str, list[list]]:
    """The support sheet whose § 108 key (privat, Udviklingshæmmede) has only its 2018 row, left open-ended:
    the new year's row is not entered yet (README: "two groups' new rows entered a month late")."""
    tables = sheets()
    tables["coding"] = [
        list(CODING_HEADER),
        ["108", "privat", "Udviklingshæmmede", psp_2018, "40000000", "2018-01-01", ""],
        ["104", "kommunal", "Udviklingshæmmede", "PSP-104", "47000000", "2018-01-01", ""],
        ["107", "regional", "Sindslidende", "PSP-107", "48000000", "2018-01-01", ""],
    ]
    return tables


# ---------------------------------------------------------------- the support sheet as staff keep it


def test_a_hidden_obsolete_coding_row_is_not_posted_on(tmp_path):
    """Finance staff retire the 2018 coding row of § 108 / privat / Udviklingshæmmede at the new year by
    hiding its row in *Kontering* (right-click, Skjul) instead of deleting it or filling in `Gyldig til`;
    the 2019 row is entered a month late. Nobody who opens the sheet sees a row for the key, so a person
    sends the March invoice to a caseworker; the robot reads the hidden row and posts 28,500 kr. on the
    obsolete element PSP-108-2018 without a word (nothing in input_problems.csv).

    Why it matters: a posting on a closed PSP element is a wrong posting that sample control must find.
    The README refuses the same thing one level up: "a hidden sheet is read by nobody but the robot"
    (0.9.36: a hidden role sheet is refused) -- a hidden row is read by nobody but the robot either.

    Right: a hidden coding row never codes a posting unseen: either the workbook is refused (exit 2,
    naming the sheet and row) or the row is left out, listed in input_problems.csv and holds its key
    back, so the invoice goes to manual (NO_CODING)."""

    def hide(wb):
        wb["coding"].row_dimensions[2].hidden = True  # the 2018 § 108 row

    support = write_xlsx(tmp_path / "support.xlsx", coding_2018_only(), hide)
    rc, decisions, _ = run(tmp_path, support=support)
    if rc == 2:
        return
    d = decisions.iloc[0]
    assert d["psp_element"] != "PSP-108-2018" and d["status"] == "manual", (
        f"posted on the hidden row's element: {d['status']} {d['psp_element']}"
    )


def test_a_struck_through_coding_row_is_not_posted_on(tmp_path):
    """Finance staff mark the retired 2018 § 108 row as void the way many keep such sheets: the whole row
    struck through (Ctrl+5), its `Gyldig til` left blank; the 2019 row is not entered yet. Everybody who
    reads the sheet reads the row as cancelled; the robot ignores the formatting and posts March 2019 on
    PSP-108-2018, silently.

    Why it matters: a wrong PSP element posted with no trace (input_problems.csv is empty). Robot spec:
    the coding row must be one "valid on period_start"; README: the support sheet is read "as a person
    reads" it, and nothing a file says may be dropped unseen.

    Right: a struck-through coding row is not used to post: refused (exit 2) or left out and listed in
    input_problems.csv, holding its key back (manual, NO_CODING)."""

    def strike(wb):
        for cell in wb["coding"][2]:
            cell.font = Font(strike=True)

    support = write_xlsx(tmp_path / "support.xlsx", coding_2018_only(), strike)
    rc, decisions, _ = run(tmp_path, support=support)
    if rc == 2:
        return
    d = decisions.iloc[0]
    assert d["psp_element"] != "PSP-108-2018" and d["status"] == "manual", (
        f"posted on the struck-through row's element: {d['status']} {d['psp_element']}"
    )


def test_a_visible_copy_of_the_coding_sheet_is_not_passed_over(tmp_path, capsys):
    """Finance staff copy the sheet *Kontering* (Excel names the copy `Kontering (2)`), enter the new PSP
    element PSP-108-NY in the copy and keep working there, both sheets visible. The robot reads the sheet
    named coding/Kontering, never looks at the copy, and posts March on PSP-108-GAMMEL without a word.

    Why it matters: the posting goes on the element the staff replaced. README ("The support sheet"): "A
    role's sheet given twice (...) is refused: nothing says which holds"; 0.9.36 refused the copy only
    when the old sheet was hidden (tests/test_review_0936_inputs.py expected "a second sheet holding the
    coding columns" to be refused too). With both visible nothing says which holds either.

    Right: a second sheet holding the coding table's columns beside *Kontering* is refused, exit 2 naming
    both sheets (or at the least the invoice is not posted on either sheet's element unasked)."""
    tables = sheets()
    tables["coding"][2][3] = "PSP-108-GAMMEL"
    newer = copy.deepcopy(_sheets()["coding"])
    newer[2][3] = "PSP-108-NY"
    tables["Kontering (2)"] = newer
    support = write_xlsx(tmp_path / "support.xlsx", tables)
    rc, decisions, _ = run(tmp_path, support=support)
    if rc == 2:
        assert "Kontering (2)" in capsys.readouterr().err
        return
    d = decisions.iloc[0]
    assert d["psp_element"] != "PSP-108-GAMMEL", "posted on the coding sheet the staff replaced, unasked"


@pytest.mark.parametrize("placeholder", ["-", "–", "?", "..."], ids=["dash", "en dash", "question mark", "dots"])
def test_a_placeholder_psp_element_is_never_posted(tmp_path, placeholder):
    """The chart of accounts changes at the new year; finance enters the 2019 row for § 108 / privat /
    Udviklingshæmmede before OPUS has its new element, writing a placeholder in `PSP-element` (`-`, `–`,
    `?`, `...`) to be filled in later. The robot takes the placeholder for a PSP element and posts March:
    opus_postings.csv gets `Artskonto 40000000; PSP-element '-` (or `?`, `...`) for 28,500 kr., and
    decisions.csv shows it `posted`; input_problems.csv is empty.

    Why it matters: a posting on no cost object (rejected by OPUS, or posted to a suspense account), and
    the robot's figures count it as an automatic success. README: a PSP element "holding a space, a line
    break or a character nobody sees (...) leaves its row out", a blank one is "PSP-elementet mangler";
    an invoice number or a service code "of no letter or digit" is no number (a placeholder). A PSP
    element of no letter or digit names no element either.

    Right: the row is left out and listed in input_problems.csv (column psp_element), and the invoice goes
    to manual as NO_CODING."""
    tables = sheets()
    tables["coding"][2][3] = placeholder  # the 2019 row of § 108 / privat / Udviklingshæmmede
    support = write_xlsx(tmp_path / "support.xlsx", tables)
    rc, decisions, problems = run(tmp_path, support=support)
    assert rc == 0
    d = decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "NO_CODING"), f"posted on PSP element {d['psp_element']!r}"
    assert (problems["column"] == "psp_element").any(), problems


# ---------------------------------------------------------------- invoicekit types: matching the labels


@pytest.mark.parametrize("dash", ["\u2011", "\u2010", "\u2013"], ids=["non-breaking hyphen", "hyphen", "en dash"])
def test_a_psp_element_with_a_typographic_dash_is_not_posted_as_written(tmp_path, dash):
    """The 2019 PSP element is pasted into *Kontering* from a Word memo or a PDF of the new chart of
    accounts, and its dashes come along as Word's non-breaking hyphen (U+2011), Unicode's hyphen (U+2010)
    or an en dash (U+2013): `PSP‑108‑2019` looks exactly like `PSP-108-2019`. The robot posts March with the
    typographic dashes in opus_postings.csv's `PSP-element` column and counts it as posted.

    Why it matters: OPUS (SAP) has no such element: the posting line is rejected or lands in a suspense
    account, while decisions.csv and the automation figures call it paid. README: the sheet's service codes
    and target groups are read "as a person reads them (...) any dash (Word's en dash, a non-breaking
    hyphen) as `-`", and a PSP element holding "a character nobody sees" leaves its row out; a PSP element
    is the one cell of the sheet written into OPUS, and it is the one not guarded against this.

    Right: the element is written as OPUS knows it (`PSP-108-2019`, ASCII hyphens), or the row is left out
    and listed in input_problems.csv (NO_CODING); never a posting line with a typographic dash."""
    tables = sheets()
    tables["coding"][2][3] = f"PSP{dash}108{dash}2019"
    support = write_xlsx(tmp_path / "support.xlsx", tables)
    rc, decisions, _ = run(tmp_path, support=support)
    assert rc == 0
    postings = pd.read_csv(tmp_path / "out" / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False)
    written = postings["PSP-element"].tolist()
    assert all(p == "PSP-108-2019" for p in written), f"posted on a PSP element OPUS does not have: {written}"
    d = decisions.iloc[0]
    assert d["status"] == "manual" or d["psp_element"] == "PSP-108-2019", (d["status"], d["psp_element"])
