"""An attack on coding from finance's support sheet (støtteark) as staff keep it in Excel (0.9.38):
placeholder words and a lookup's 0 in `PSP-element`, last year's table kept below this year's on the
*Kontering* sheet, a hidden column holding the retired PSP elements, a struck-through PSP element, and an
ownership written with a no-break space. Each test failed on 0.9.38.

The support sheet, grants and invoice are those of tests/test_review_0936_inputs.py: citizen A's § 108 grant
G-A108 at Solhøj (privat, Udviklingshæmmede), 28,500 kr. a month, and the March 2019 invoice F-1 of it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl.styles import Font

from tests.test_review_0936_inputs import (
    CODING_HEADER,
    GRANT_HEADER,
    GRANTS,
    INVOICE_HEADER,
    KILDEN,
    run,
    sheets,
    write_csv,
    write_xlsx,
)

#: the coding sheet's header as finance writes it (Danish names, as accepted)
DANISH_CODING_HEADER = ["Paragraf", "Ejerforhold", "Målgruppe", "PSP-element", "Artskonto", "Gyldig fra", "Gyldig til"]


#: a coding sheet whose § 108 / privat / Udviklingshæmmede row is 2018's, left open, the 2019 row not yet entered
CODING_2018_OPEN = (
    tuple(CODING_HEADER),
    ("108", "privat", "Udviklingshæmmede", "PSP-108-2018", "40000000", "2018-01-01", ""),
    ("104", "kommunal", "Udviklingshæmmede", "PSP-104", "47000000", "2018-01-01", ""),
    ("107", "regional", "Sindslidende", "PSP-107", "48000000", "2018-01-01", ""),
)


def _not_posted_on(decisions, psp: str) -> None:
    d = decisions.iloc[0]
    assert not (d["status"] == "posted" and d["psp_element"] == psp), (
        f"posted 28,500 kr. on PSP element {d['psp_element']!r}: {d.to_dict()}"
    )


# ---------------------------------------------------------------- 1. a placeholder word for a PSP element


@pytest.mark.parametrize("placeholder", ["Afventer", "TBD", "N/A", "mangler"])
def test_a_placeholder_word_in_psp_element_is_left_out_not_posted(tmp_path, placeholder):
    """Finance enters the 2019 row of § 108 / privat / Udviklingshæmmede before OPUS has the new element and
    writes a word where the element will go: `Afventer` (awaiting), `TBD`, `N/A` typed as text, `mangler`
    (missing). The robot takes the word for a PSP element: opus_postings.csv gets
    `40000000;Afventer;28500,00;…`, decisions.csv says `posted`, the period is marked paid in Sensum, and
    input_problems.csv is empty.

    Why it matters: a posting on no cost object (rejected by OPUS or parked on a suspense account) that the
    robot counts as an automatic success, while Sensum is told the month is paid, so no caseworker ever
    sees the invoice. 0.9.37 fixed exactly this for placeholders of no letter or digit (`-`, `?`, `...`;
    README "a placeholder (-, ?, ...) for an element yet to be made: since 0.9.37, posted as one",
    tests/test_review_0937_support_sheet.py::test_a_placeholder_psp_element_is_never_posted), and the
    e-invoice reader already refuses `TBD`, `N/A`, `xxx` as invoice numbers (einvoice._PLACEHOLDER_WORDS).
    An OPUS PSP element always carries digits (`XG-5385000108-00001`, domain notes).

    Right (spec: "a bad support-sheet row is left out of matching and listed in input_problems.csv"; check
    17): the row is left out and listed (column psp_element), and the invoice goes to manual as NO_CODING."""
    tables = sheets()
    tables["coding"][2][3] = placeholder  # the 2019 row of § 108 / privat / Udviklingshæmmede
    rc, decisions, problems = run(tmp_path, support=write_xlsx(tmp_path / "support.xlsx", tables))
    assert rc == 0
    d = decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "NO_CODING"), f"posted on PSP element {d['psp_element']!r}"
    assert (problems["column"] == "psp_element").any(), problems


# ---------------------------------------------------------------- 2. a lookup's 0 for a PSP element


def _with_cached_formula(path: Path, sheet_part: str, ref: str, formula: str, cached: str) -> Path:
    """Rewrite cell ``ref`` of ``sheet_part`` as Excel saves a formula cell: the formula and its computed
    value (a number: no ``t`` attribute)."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    cell = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
    new = b'<c r="' + ref.encode() + b'"><f>' + formula.encode() + b"</f><v>" + cached.encode() + b"</v></c>"
    parts[sheet_part], n = cell.subn(new, parts[sheet_part])
    assert n == 1, ref
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_a_psp_lookups_0_is_left_out_not_posted(tmp_path):
    """The PSP elements of *Kontering* are looked up from finance's list of elements
    (`=VLOOKUP(C3;Opslag!A:B;2;FALSE)`). The new year's element for § 108 / privat / Udviklingshæmmede is not
    created yet, so its cell in the list is blank, and Excel's VLOOKUP of a blank cell gives 0: the sheet
    shows `0` and Excel saves the value 0 beside the formula. (A workbook written by XlsxWriter, pandas'
    usual engine, saves 0 beside every formula alike.) The robot reads the value, takes `0` for a PSP
    element and posts March: opus_postings.csv gets `40000000;0;28500,00;…`, decisions.csv `posted`,
    Sensum's period marked paid; input_problems.csv is empty.

    Why it matters: a posting on no element, counted as an automatic success, the month marked paid in
    Sensum and no caseworker told. `0` is no more a PSP element than the `-` placeholder the README refuses
    since 0.9.37, or the blank cell the lookup found (`PSP-elementet mangler`).

    Right (spec: a bad support-sheet row is left out and listed; check 17 NO_CODING): the row is left out
    (column psp_element) and the invoice goes to manual as NO_CODING; or the workbook is refused (exit 2)."""
    tables = sheets()
    tables["coding"][2][3] = "placeholder"  # replaced by the formula below (row 3 of the sheet, column D)
    tables["Opslag"] = [["Nøgle", "Element"], ["108 privat Udviklingshæmmede 2019", None]]
    support = write_xlsx(tmp_path / "support.xlsx", tables)
    _with_cached_formula(support, "xl/worksheets/sheet3.xml", "D3", 'VLOOKUP("108",Opslag!A:B,2,FALSE)', "0")
    rc, decisions, problems = run(tmp_path, support=support)
    if rc == 2:
        return
    d = decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "NO_CODING"), f"posted on PSP element {d['psp_element']!r}"
    assert (problems["column"] == "psp_element").any(), problems


# ---------------------------------------------------------------- 3. last year's table below this year's


def test_last_years_coding_table_kept_below_this_years_refuses_the_sheet(tmp_path):
    """At the new year finance types the 2019 coding table at the top of *Kontering* and keeps the 2018
    table below it for reference, under a heading `Konteringer 2018 (udgået)` and its own header row. The
    2019 row of § 108 / privat / Udviklingshæmmede is entered late (README's own scenario: "two groups'
    new rows entered a month late"), and the retired 2018 row has no `Gyldig til`: it stands in the table
    headed *udgået*. A person sees no 2019 row for the key and sends March to a caseworker; the robot reads
    the heading and the repeated header row as two bad data rows (input_problems.csv: "paragraffen
    mangler"), reads the retired table's rows as rows in use, and posts 28,500 kr. on PSP-108-2018.

    Why it matters: a posting on last year's (closed) PSP element, counted as an automatic success. The
    README refuses this very thing one sheet over (0.9.37: "another sheet holding a role's columns beside
    the role's own (the copy kept visible, or last year's table kept beside this year's: it belongs in
    another workbook)" is refused: nothing says which holds). A header row repeated inside the table says
    the same: a second table begins.

    Right: the workbook is refused (exit 2, naming the sheet and the row where the second table begins), or
    at least the invoice is not posted on the retired table's element."""
    tables = sheets()
    tables["coding"] = [
        DANISH_CODING_HEADER,
        ["104", "kommunal", "Udviklingshæmmede", "PSP-104-2019", "47000000", "2019-01-01", ""],
        ["107", "regional", "Sindslidende", "PSP-107-2019", "48000000", "2019-01-01", ""],
        [],
        ["Konteringer 2018 (udgået)"],
        DANISH_CODING_HEADER,
        ["108", "privat", "Udviklingshæmmede", "PSP-108-2018", "40000000", "2018-01-01", ""],
        ["104", "kommunal", "Udviklingshæmmede", "PSP-104-2018", "47000000", "2018-01-01", "2018-12-31"],
        ["107", "regional", "Sindslidende", "PSP-107-2018", "48000000", "2018-01-01", "2018-12-31"],
    ]
    rc, decisions, _ = run(tmp_path, support=write_xlsx(tmp_path / "support.xlsx", tables))
    if rc == 2:
        return
    _not_posted_on(decisions, "PSP-108-2018")


# ---------------------------------------------------------------- 4. a hidden column of retired elements


def test_a_hidden_psp_column_of_retired_elements_refuses_the_sheet(tmp_path):
    """At the new year finance adds a column `PSP-element 2019` beside `PSP-element` in *Kontering*, fills
    in the new elements and hides the old column (right-click the column, Skjul), keeping it for the
    history. Everybody who opens the sheet sees one PSP column, the 2019 one. The robot reads the hidden
    `PSP-element` column (its header is the one it knows), silently ignores the visible one, and posts
    March 2019 on the retired PSP-108-2018; input_problems.csv is empty and nothing is said on stdout.

    Why it matters: a posting on last year's element that nobody reading the sheet can see the robot
    chose. The README refuses a hidden role sheet (0.9.36: "a hidden sheet is read by nobody but the
    robot") and a hidden coding row (0.9.37: "nobody who reads the sheet takes such a row for one in use,
    and the robot posted on a retired row's PSP element"); a hidden column that the robot codes from is
    read by nobody but the robot in the same way. (A hidden helper column the robot does not read is no
    reason to refuse: tests/test_review_0938_review.py.)

    Right: the workbook is refused (exit 2, naming the sheet and the hidden column it would code from), or
    at least March is not posted on the hidden column's element."""
    tables = sheets()
    tables["coding"] = [
        ["Paragraf", "Ejerforhold", "Målgruppe", "PSP-element", "PSP-element 2019", "Artskonto", "Gyldig fra",
         "Gyldig til"],
        ["108", "privat", "Udviklingshæmmede", "PSP-108-2018", "PSP-108-2019", "40000000", "2018-01-01", ""],
        ["104", "kommunal", "Udviklingshæmmede", "PSP-104-2018", "PSP-104-2019", "47000000", "2018-01-01", ""],
        ["107", "regional", "Sindslidende", "PSP-107-2018", "PSP-107-2019", "48000000", "2018-01-01", ""],
    ]  # fmt: skip

    def hide_old_psp_column(wb):
        wb["coding"].column_dimensions["D"].hidden = True

    rc, decisions, _ = run(tmp_path, support=write_xlsx(tmp_path / "support.xlsx", tables, hide_old_psp_column))
    if rc == 2:
        return
    _not_posted_on(decisions, "PSP-108-2018")


# ---------------------------------------------------------------- 5. a struck-through PSP element


def test_a_struck_through_psp_element_refuses_the_sheet(tmp_path):
    """Finance closes the 2018 element of § 108 / privat / Udviklingshæmmede at the new year by striking
    through its `PSP-element` and `Artskonto` cells (Ctrl+5 on the two cells: the key cells on the left
    stay as they are, so the sheet still shows which key had that element); the 2019 row is entered a
    month late. A person reading the sheet sees the key's only element struck out, void, and sends March
    to a caseworker. The robot posts 28,500 kr. on the struck-through PSP-108-2018, saying nothing.

    Why it matters: a posting on a closed element. The README refuses a role sheet "with every value in a
    row struck through ... nobody who reads the sheet takes such a row for one in use, and the robot posted
    on a retired row's PSP element, hidden or struck through at the new year"; a struck-through PSP element
    is read as void just the same, whether or not the key cells beside it are struck too.

    Right: the workbook is refused (exit 2, naming the sheet and the row), or the row is left out and holds
    its key back, so the invoice goes to manual (NO_CODING); never posted on the struck element."""
    tables = sheets()
    tables["coding"] = [list(row) for row in CODING_2018_OPEN]

    def strike_psp_and_art(wb):
        for ref in ("D2", "E2"):
            wb["coding"][ref].font = Font(strike=True)

    rc, decisions, _ = run(tmp_path, support=write_xlsx(tmp_path / "support.xlsx", tables, strike_psp_and_art))
    if rc == 2:
        return
    _not_posted_on(decisions, "PSP-108-2018")


# ---------------------------------------------------------------- 6. an ownership with a no-break space


@pytest.mark.parametrize("written", ["Egen\u00a0kommune", "Egen  kommune"], ids=["no-break space", "two spaces"])
def test_an_ownership_with_a_no_break_space_is_read(tmp_path, written):
    """*Leverandører* gives Kilden's ownership as `Egen kommune` pasted from the municipality's intranet, with
    a no-break space between the words (or two spaces); *Kontering* codes § 104 / egen kommune /
    Udviklingshæmmede. The cell reads `Egen kommune` to every eye, but the robot finds the ownership
    unknown, leaves Kilden's row out ("ukendt ejerforhold; forventet ... egen kommune ...": it asks for
    what the cell shows) and sends every Kilden invoice to a caseworker as NO_CODING, saying the supplier's
    row could not be read. A coding row so written leaves its row out too and, its ownership standing for
    any, holds back every other ownership's row of its paragraph and target group.

    Why it matters: a correct invoice refused with a reason the user cannot act on (the cell already says
    what the message asks for). Target groups and service codes in the same sheet are compared with
    "any space (a no-break space) as a space, spaces run together" (README, support sheet), and headers
    likewise; the ownership cell is the one key compared by its exact spaces.

    Right: the ownership is read as `egen kommune` and Kilden's March invoice (450 kr. a day, 31 days) is
    posted on PSP-104."""
    tables = sheets()
    tables["suppliers"] = [["supplier_cvr", "ownership"], [KILDEN, written]]
    tables["coding"] = [
        list(CODING_HEADER),
        ["104", "egen kommune", "Udviklingshæmmede", "PSP-104", "47000000", "2018-01-01", ""],
    ]
    march = ["K-1", KILDEN, "13950.00", "610190-1234", "2019-03-01", "2019-03-31", "Aktivitetstilbud"]
    invoices = write_csv(tmp_path / "invoices.csv", INVOICE_HEADER, [march])
    grants = write_csv(tmp_path / "grants.csv", GRANT_HEADER, GRANTS)
    rc, decisions, problems = run(
        tmp_path, grants=grants, invoices=invoices, support=write_xlsx(tmp_path / "support.xlsx", tables)
    )
    assert rc == 0
    d = decisions.iloc[0]
    assert (d["status"], d["psp_element"]) == ("posted", "PSP-104"), (d.to_dict(), problems.to_dict("records"))


def test_the_refusals_name_the_sheet_the_column_and_the_row(tmp_path, capsys):
    """The refusals say where: the hidden column read names its column; a coding row whose PSP element is
    struck through is left out and listed instead (since a review of 0.9.39's first version)."""
    tables = sheets()
    header = ["Paragraf", "Ejerforhold", "Målgruppe", "PSP-element", "PSP-element 2019", "Artskonto", "Gyldig fra",
              "Gyldig til"]  # fmt: skip
    tables["coding"] = [header, ["108", "privat", "Udviklingshæmmede", "PSP-108-2018", "PSP-108-2019", "40000000",
                                 "2018-01-01", ""]]  # fmt: skip

    def hide(wb):
        wb["coding"].column_dimensions["D"].hidden = True

    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    rc, decisions, _ = run(tmp_path / "a", support=write_xlsx(tmp_path / "a.xlsx", tables, hide))
    err = capsys.readouterr().err
    assert rc == 2 and decisions is None and "sheet 'coding', column 'PSP-element': is hidden" in err, err
    tables = sheets()

    def strike(wb):
        wb["coding"]["D3"].font = Font(strike=True)

    # a coding row struck through is left out and listed, and holds its key back on its days (since a review of
    # 0.9.39's first version: refused before, also where its Gyldig til had ended it)
    rc, decisions, problems = run(tmp_path / "b", support=write_xlsx(tmp_path / "b.xlsx", tables, strike))
    assert rc == 0
    assert (decisions.iloc[0]["status"], decisions.iloc[0]["reason"]) == ("manual", "NO_CODING")
    assert "overstreget" in " ".join(problems["problem"]), problems


def test_a_hidden_or_struck_column_the_robot_does_not_read_is_no_reason_to_refuse(tmp_path):
    """A helper column finance hides (a lookup key), or a note struck through in a column the robot does
    not read, changes nothing: March is posted on the 2019 element as before."""
    tables = sheets()
    notes = ["Note", "gammel"] + [""] * (len(tables["coding"]) - 2)
    tables["coding"] = [[*row, note] for row, note in zip(tables["coding"], notes, strict=True)]

    def hide_and_strike(wb):
        wb["coding"].column_dimensions["H"].hidden = True
        wb["coding"]["H2"].font = Font(strike=True)

    rc, decisions, _ = run(tmp_path, support=write_xlsx(tmp_path / "s.xlsx", tables, hide_and_strike))
    assert rc == 0
    assert decisions.iloc[0]["status"] == "posted", decisions.iloc[0].to_dict()
