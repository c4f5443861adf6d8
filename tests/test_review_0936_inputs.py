"""The grants extract, the support sheet and the paid marks as finance staff make them (an attack on 0.9.35):
an end-date column under a name the robot does not know, merged cells, a hidden role sheet beside its
visible copy, a paid mark without a grant id that names the citizen and supplier."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from invoicekit.cli import main

A, B = "6101901234", "7203854321"
SOLHOJ, KILDEN, ENGEN = "29345716", "31587603", "19554627"

GRANT_HEADER = ["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date", "end_date"]
GRANTS = [
    ["G-A108", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", ""],
    ["G-A104", A, "SEL104-AKT", KILDEN, "450.00", "day", "2018-06-01", ""],
    ["G-B107", B, "SEL107-MID", ENGEN, "1850.00", "day", "2019-01-01", "2019-02-28"],
]
CODING_HEADER = ["paragraph", "ownership", "target_group", "psp_element", "art", "valid_from", "valid_to"]
INVOICE_HEADER = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text"]
MARCH_A = ["F-1", SOLHOJ, "28500.00", "610190-1234", "2019-03-01", "2019-03-31", "Døgnophold"]


def sheets() -> dict[str, list[list]]:
    return {
        "services": [
            ["service_code", "paragraph", "target_group"],
            ["SEL108-BO", "§ 108", "Udviklingshæmmede"],
            ["SEL104-AKT", "SEL §104", "Udviklingshæmmede"],
            ["SEL107-MID", "107", "Sindslidende"],
        ],
        "suppliers": [["supplier_cvr", "ownership"], [SOLHOJ, "privat"], [KILDEN, "kommunal"], [ENGEN, "regional"]],
        "coding": [
            CODING_HEADER,
            ["108", "privat", "Udviklingshæmmede", "PSP-108-2018", "40000000", "2018-01-01", "2018-12-31"],
            ["108", "privat", "Udviklingshæmmede", "PSP-108-2019", "40000000", "2019-01-01", ""],
            ["104", "kommunal", "Udviklingshæmmede", "PSP-104", "47000000", "2018-01-01", ""],
            ["107", "regional", "Sindslidende", "PSP-107", "48000000", "2018-01-01", ""],
        ],
    }


def write_csv(path: Path, header: list[str], rows: list[list[str]], sep: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=sep)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, tables: dict[str, list[list]], hook=None) -> Path:
    """``tables`` as a workbook, one sheet each in order; ``hook(wb)`` edits it before saving
    (merge cells, hide a sheet) as a person does in Excel."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    if hook:
        hook(wb)
    wb.save(path)
    return path


def run(
    tmp_path: Path,
    grants: Path | None = None,
    support: Path | None = None,
    invoices: Path | None = None,
    paid: Path | None = None,
):
    grants = grants or write_csv(tmp_path / "grants.csv", GRANT_HEADER, GRANTS)
    support = support or write_xlsx(tmp_path / "support.xlsx", sheets())
    invoices = invoices or write_csv(tmp_path / "invoices.csv", INVOICE_HEADER, [MARCH_A])
    out = tmp_path / "out"
    rc = main(["run", "--grants", str(grants), "--invoices", str(invoices), "--support-sheet", str(support),
               "--out", str(out), "--quiet", *(["--paid", str(paid)] if paid is not None else [])])  # fmt: skip
    decisions = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False) if rc == 0 else None
    problems = pd.read_csv(out / "input_problems.csv", dtype=str, keep_default_na=False) if rc == 0 else None
    return rc, decisions, problems


# ---------------------------------------------------------------- 1. the grants' end date under a header not known


def test_a_grant_end_date_column_under_an_unknown_header_never_makes_every_grant_open_ended(tmp_path, capsys):
    """Sensum's end-date column headed `Bevilget til og med` (as the support sheet's `Gyldig til og med`
    is accepted), `Slutdato (inkl.)` or `Ophørsdato` is not among the names the reader knows, so it is
    dropped unseen and every grant is read as open-ended: citizen B's § 107 grant ended 28.02.2019, yet
    the supplier's March invoice is posted and March marked paid in Sensum, without a word on stdout or
    stderr. The user pays for a month no grant covers (spec check 13 PERIOD_NOT_COVERED; "Nothing is
    dropped silently"); the README refuses the same fault in the coding sheet ("a header that the robot
    does not know can never make every coding row open-ended unseen",
    `test_a_coding_sheet_without_valid_to_is_refused`). Expected: the run refuses the file (exit 2 naming
    the column) or at least never posts past the grant's end."""
    grants = write_csv(tmp_path / "grants.csv", [*GRANT_HEADER[:-1], "Bevilget til og med"], GRANTS)
    march_b = ["F-9", ENGEN, "57350.00", "720385-4321", "2019-03-01", "2019-03-31", "Ophold"]
    invoices = write_csv(tmp_path / "invoices.csv", INVOICE_HEADER, [march_b])
    rc, decisions, _ = run(tmp_path, grants=grants, invoices=invoices)
    err = capsys.readouterr().err
    if rc == 2:
        assert "Bevilget til og med" in err or "end_date" in err
        return
    assert rc == 0
    assert decisions.loc[0, "status"] == "manual", (
        "posted for March on a grant that ended 28.02.2019: the end-date column was dropped unseen"
    )


# ---------------------------------------------------------------- 2. merged cells in the support sheet


def test_a_merged_valid_to_cell_is_read_as_the_date_it_shows_not_as_open_ended(tmp_path):
    """Finance staff merge `Gyldig til` over the two 2018 rows (both end 31.12.2018) and have not yet
    made a 2019 row for `Sindslidende`. Excel shows 31.12.2018 on both rows; the reader sees the merged
    cell's value on its first row only, reads the second row's `Gyldig til` as blank, i.e. open-ended,
    and posts a March 2019 invoice on the expired element PSP-108-SL-2018, listing nothing in
    input_problems.csv. Wrong PSP element, silently (spec check 17: no coding row valid on
    period_start → NO_CODING; "a bad support-sheet row is left out ... and listed")."""
    tables = sheets()
    tables["services"][1] = ["SEL108-BO", "§ 108", "Sindslidende"]
    tables["coding"] = [
        CODING_HEADER,
        ["108", "privat", "Udviklingshæmmede", "PSP-108-UH-2018", "40000000", "2018-01-01", "2018-12-31"],
        ["108", "privat", "Sindslidende", "PSP-108-SL-2018", "40000000", "2018-01-01", None],
        ["108", "privat", "Udviklingshæmmede", "PSP-108-UH-2019", "40000000", "2019-01-01", ""],
        ["104", "kommunal", "Udviklingshæmmede", "PSP-104", "47000000", "2018-01-01", ""],
        ["107", "regional", "Sindslidende", "PSP-107", "48000000", "2018-01-01", ""],
    ]
    support = write_xlsx(tmp_path / "support.xlsx", tables, lambda wb: wb["coding"].merge_cells("G2:G3"))
    rc, decisions, _ = run(tmp_path, support=support)
    assert rc == 0
    d = decisions.iloc[0]
    assert d["psp_element"] != "PSP-108-SL-2018", "posted on a PSP element the sheet shows ended 31.12.2018"
    assert (d["status"], d["reason"]) == ("manual", "NO_CODING")


def test_a_merged_service_code_naming_two_target_groups_is_not_coded_on_the_first(tmp_path):
    """The services sheet groups a service's target groups under one merged `Ydelse` cell: SEL108-BO
    shows for `Udviklingshæmmede` and for `Sindslidende`. As a person reads the sheet it says two things
    of the service (README: rows of one service that disagree leave it out: "nobody can tell which
    holds"); the reader sees the second row's code blank, lists it as "ydelseskoden mangler", and codes
    the invoice on the first target group's PSP element. Expected: NO_CODING, never a posting on one of
    the two target groups' elements chosen by the order of the rows."""
    tables = sheets()
    tables["services"] = [
        ["service_code", "paragraph", "target_group"],
        ["SEL108-BO", "§ 108", "Udviklingshæmmede"],
        [None, "§ 108", "Sindslidende"],
        ["SEL104-AKT", "SEL §104", "Udviklingshæmmede"],
        ["SEL107-MID", "107", "Sindslidende"],
    ]
    tables["coding"].append(["108", "privat", "Sindslidende", "PSP-108-SL", "40000000", "2018-01-01", ""])
    support = write_xlsx(tmp_path / "support.xlsx", tables, lambda wb: wb["services"].merge_cells("A2:A3"))
    rc, decisions, _ = run(tmp_path, support=support)
    assert rc == 0
    d = decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "NO_CODING"), (d["status"], d["psp_element"])


# ---------------------------------------------------------------- 3. a hidden role sheet beside its visible copy


def test_a_hidden_coding_sheet_is_not_used_while_a_visible_copy_holds_the_coding(tmp_path, capsys):
    """Finance staff copy the sheet `Kontering` (Excel names the copy `Kontering (2)`), put the new PSP
    elements in the copy and hide the old sheet. The robot reads the hidden sheet nobody sees, ignores
    the visible one, and posts on the old element PSP-108-GAMMEL without a word. README: "A role's sheet
    given twice (..., hidden sheets counted) is refused: nothing says which holds" — here too nothing
    says which holds, and the one the user sees is not the one paid from. Expected: exit 2 naming the
    sheets (a hidden role sheet, or a second sheet holding the coding columns), never a posting on the
    hidden sheet's element."""
    tables = sheets()
    tables["coding"][2][3] = "PSP-108-GAMMEL"
    copy = [list(r) for r in sheets()["coding"]]
    copy[2][3] = "PSP-108-NY"
    tables["Kontering (2)"] = copy

    def hide(wb):
        wb["coding"].sheet_state = "hidden"
        wb.active = 3

    support = write_xlsx(tmp_path / "support.xlsx", tables, hide)
    rc, decisions, _ = run(tmp_path, support=support)
    if rc == 2:
        assert "Kontering" in capsys.readouterr().err
        return
    assert rc == 0
    assert decisions.loc[0, "psp_element"] != "PSP-108-GAMMEL", "posted on the hidden sheet's PSP element"


# ---------------------------------------------------------------- 4. paid marks the reader drops


def test_a_paid_mark_under_a_merged_grant_cell_still_counts_as_paid(tmp_path):
    """A paid-marks workbook grouped by grant, as a report puts it out or a caseworker keeps it: the
    `Bevilling` cell is merged over each grant's months. Excel shows G-A108 beside February and March;
    the reader sees the id on the first row only, drops the March row ("bevillings-ID mangler") and pays
    March again, a month a caseworker paid by hand and marked. README (`--paid`): "the grant periods
    marked paid ... which check 21 counts as paid"; paid_marks.py: "What cannot be read is never taken as
    unpaid"; the robot must never pay twice (spec check 21 ALREADY_PAID)."""
    marks = {
        "paid": [
            ["Bevilling", "Periode fra", "Periode til"],
            ["G-A104", "01.01.2019", "31.01.2019"],
            [None, "01.02.2019", "28.02.2019"],
            ["G-A108", "01.02.2019", "28.02.2019"],
            [None, "01.03.2019", "31.03.2019"],
        ]
    }

    def merge(wb):
        wb["paid"].merge_cells("A2:A3")
        wb["paid"].merge_cells("A4:A5")

    paid = write_xlsx(tmp_path / "paid.xlsx", marks, merge)
    rc, decisions, _ = run(tmp_path, paid=paid)
    assert rc == 0
    d = decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "ALREADY_PAID"), "March, marked paid in the workbook, paid again"


def test_a_paid_mark_without_grant_id_that_names_the_citizens_service_still_counts(tmp_path):
    """A mark of a month paid by hand before the grant was registered (or with its id left out) names
    the citizen, the supplier and the service (`CPR`, `Leverandør CVR`, `Ydelse`, all valid) but no
    grant id. README: those three "together name the citizen's service where the grant is no longer in
    the extract", and paid_marks.py: "What cannot be read is never taken as unpaid"; yet the row is
    dropped as "mærket kan ikke knyttes til en bevilling" and March is paid a second time (spec check 21:
    the same CPR, supplier CVR and service code is the same service paid twice)."""
    paid = write_csv(
        tmp_path / "paid.csv",
        ["Bevilling", "Periode fra", "Periode til", "CPR", "Leverandør CVR", "Ydelse"],
        [["G-A104", "01.01.2019", "31.01.2019", "", "", ""],
         ["", "01.03.2019", "31.03.2019", "610190-1234", SOLHOJ, "SEL108-BO"]],
        sep=";",
    )  # fmt: skip
    rc, decisions, _ = run(tmp_path, paid=paid)
    assert rc == 0
    d = decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "ALREADY_PAID"), "March, marked paid, paid again"
