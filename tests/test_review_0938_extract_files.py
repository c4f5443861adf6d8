"""An attack on reading extract files as finance staff export them (0.9.38): a stray quote closed in the next row, month-first dates that mostly read, a wrapped header cell, a blank row of separators and a title row above the header."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from invoicekit.cli import main
from invoicekit.errors import InputError
from invoicekit.extracts import read_invoices

EXAMPLE = Path(__file__).parent / "data" / "example"
SOLHOJ = "29345716"
A = "610190-1234"
GRANT_HEADER = ["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date", "end_date"]
#: a grant of 28,500 kr. a month at Solhøj under § 108 (coded in the example support sheet), open-ended
GRANT = ["G1", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", ""]
DANISH_HEADER = "Fakturanr;CVR;Beløb;CPR;Periode fra;Periode til;Tekst"
MARCH = f"F-1;{SOLHOJ};28.500,00;{A};01.03.2019;31.03.2019;Døgnophold marts"
APRIL = f"F-2;{SOLHOJ};28.500,00;{A};01.04.2019;30.04.2019;Døgnophold april"


def write_text(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def write_grants(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(GRANT_HEADER)
        w.writerows(rows)
    return path


def run(
    tmp_path: Path, invoices: Path, grants: Path | None = None
) -> tuple[int, pd.DataFrame | None, pd.DataFrame | None]:
    """The robot run as a user runs it: exit code, decisions and OPUS postings (None unless exit 0)."""
    grants = grants or write_grants(tmp_path / "grants.csv", [GRANT])
    out = tmp_path / "out"
    rc = main(["run", "--grants", str(grants), "--invoices", str(invoices), "--support-sheet",
               str(EXAMPLE / "stoetteark.xlsx"), "--out", str(out), "--quiet"])  # fmt: skip
    if rc != 0:
        return rc, None, None
    decisions = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    postings = pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False)
    return rc, decisions, postings


# ---------------------------------------------------------------- 1. a stray quote merges two invoices


def test_a_stray_quote_closed_in_the_next_row_pays_one_invoice_with_the_next_ones_data(tmp_path):
    """A supplier name typed with a leading quote and no closing one (`"Solsikken`) in a `;` file whose
    next row holds a quoted name mid-cell (`Bosted "Lyset"`): the quote opened in row 1 is closed by the
    first quote of row 2, so row 1's name cell swallows the rest of row 1 and the start of row 2, and the
    fields after the closing quote (row 2's CVR, amount, CPR, period and text) become row 1's. The field
    count matches the header, so nothing is distrusted: F-1 (March) is posted with April's period, and
    F-2 has no decision at all (two rows in decisions.csv for three invoices).

    Why it matters: a wrong posting (F-1's number with F-2's period and amount; a later March invoice is
    then no longer seen as paid) and a lost invoice. Robot spec: "Nothing is dropped silently: every input
    invoice row has exactly one row in decisions.csv". The reader refuses an unclosed quote only when a
    swallowed line holds a whole row (`_refuse_swallowed_rows`); here the swallowed second line holds
    one separator.

    Right: the file is refused (exit 2, one line naming row 1 and the column whose quote is not closed,
    as for `test_an_unclosed_quote_that_swallows_rows_is_refused`), or at least every invoice gets its
    own decision and F-1 is never posted with April's period."""
    header = "invoice_id;supplier_name;supplier_cvr;amount;cpr;period_start;period_end;text"
    rows = [
        f'F-1;"Solsikken;{SOLHOJ};28.500,00;{A};01.03.2019;31.03.2019;Døgnophold marts',
        f'F-2;Bosted "Lyset";{SOLHOJ};28.500,00;{A};01.04.2019;30.04.2019;Døgnophold april',
        f"F-3;Solhøj;{SOLHOJ};28.500,00;{A};01.05.2019;31.05.2019;Døgnophold maj",
    ]
    invoices = write_text(tmp_path / "regninger.csv", "\n".join([header, *rows]) + "\n")
    rc, decisions, postings = run(tmp_path, invoices)
    if rc == 2:
        return
    assert len(decisions) == 3, f"{len(decisions)} decisions for 3 invoice rows: {decisions['invoice_id'].tolist()}"
    f1 = postings[postings["Fakturanummer"] == "F-1"]
    assert not (f1["Ydelsesperiode fra"] == "01.04.2019").any(), "F-1 (March) posted with F-2's April period"


# ---------------------------------------------------------------- 2. month-first dates that mostly read


def test_month_first_grant_dates_that_mostly_read_pay_a_period_before_the_grant(tmp_path):
    """A grant extract exported with US settings (month first: `04/01/2019` is 1 April, `03/15/2019` is
    15 March). Grants mostly start on the first of a month, and such a date reads as a Danish one with
    day and month swapped (`04/01/2019` as 4 January); only the dates after the 12th fail to read. Here 7
    of 12 start dates are on the first, 5 fall on the 15th: five month-first cells, plainly so, but not
    more than half the column, so `refuse_misread_file` lets the file through, the five grants are left
    out as unreadable and the seven others are read swapped. Citizen A's grant starting 1 April 2019 is
    read as starting 4 January, and Solhøj's February invoice for A is posted.

    Why it matters: a payment for a month no grant covers (spec check 13, PERIOD_NOT_COVERED). The reader
    itself says of such a file "where such a file's dates do read, they read wrongly, day and month
    swapped" (readers.refuse_misread_file), yet judges by the share of cells that fail, which the
    first-of-month dates keep low.

    Right: a date column whose unreadable cells are month-first (`_MONTH_FIRST`) while its other cells are
    written in the same `dd/dd/yyyy` shape is refused as month-first (exit 2 naming the column), or at least
    its ambiguous dates are not trusted: the February invoice is not posted."""
    cprs = [A, "020202-0208", "030303-0303", "040404-0404", "050505-0505", "060606-0606", "070707-0707",
            "080808-0808", "090909-0909", "101010-1010", "111111-1111", "121212-1212"]  # fmt: skip
    starts = ["04/01/2019", "01/01/2019", "02/01/2019", "03/01/2019", "05/01/2019", "06/01/2019", "07/01/2019",
              "01/15/2019", "02/15/2019", "03/15/2019", "05/15/2019", "06/15/2019"]  # fmt: skip
    grants = write_grants(
        tmp_path / "bevillinger.csv",
        [[f"G-{k}", cpr, "SEL108-BO", SOLHOJ, "28500,00", "month", start, ""]
         for k, (cpr, start) in enumerate(zip(cprs, starts, strict=True), start=1)],
    )  # fmt: skip
    invoices = write_text(
        tmp_path / "regninger.csv",
        f"{DANISH_HEADER}\nF-1;{SOLHOJ};28.500,00;{A};01.02.2019;28.02.2019;Døgnophold februar 2019\n",
    )
    rc, decisions, _ = run(tmp_path, invoices, grants)
    if rc == 2:
        return
    d = decisions.iloc[0]
    assert d["status"] == "manual", (
        f"February posted on {d['grant_id']}, a grant starting 1 April 2019 (04/01/2019, month first)"
    )


# ---------------------------------------------------------------- 3. a struck-through invoice row


# ---------------------------------------------------------------- 4. a header cell with a line break


def test_a_header_cell_with_a_line_break_misreads_every_row(tmp_path):
    """A header cell wrapped in Excel (Alt+Enter: `Periode⏎fra`, `Periode⏎til`), which Excel's CSV export
    writes quoted, with the line break inside the quotes: valid CSV. The reader takes the header from the
    first physical line (`first_line`), cut inside the quotes, so the header has 5 columns while every row
    has 7: each row is read as misaligned (INVALID_AMOUNT / MISSING_PERIOD, "felterne kan være forskudt"),
    and from five rows on the whole file is refused as "rows have another number of fields than the
    header's 5 ... (a decimal comma in a ',' file?)", a reason that is not the file's.

    Why it matters: a valid extract of correct invoices sends every invoice to a caseworker, or is refused
    with a misleading line. Robot spec: "Header names match case-insensitively after trimming" (the
    reader's header_key already folds the line break to a space: `periode fra`).

    Right: the header is read as the first CSV record (a quoted line break is part of its cell), and both
    invoices read: amount, CPR and period as written."""
    header = 'Fakturanr;CVR;Beløb;CPR;"Periode\nfra";"Periode\ntil";Tekst'
    invoices = write_text(tmp_path / "regninger.csv", f"{header}\n{MARCH}\n{APRIL}\n")
    frame = read_invoices(invoices).frame
    assert frame["fields"].tolist() == [0, 0], f"rows read as misaligned: {frame['fields'].tolist()}"
    assert frame["amount_ok"].all()
    assert [str(d)[:10] for d in frame["period_start"]] == ["2019-03-01", "2019-04-01"]


# ---------------------------------------------------------------- 5. a blank row of separators before the header


def test_a_blank_row_of_separators_above_the_header_refuses_the_csv(tmp_path):
    """A sheet whose first row is empty (the table starts in row 2) saved as CSV: Excel and LibreOffice
    write the empty row as separators alone (`;;;;;;`). The reader skips blank lines before the header
    only when they are empty (`lstrip(b"\\n")`), so `;;;;;;` is taken for the header and the run is refused
    with "column 'invoice_id': missing; accepted names: invoice_id, Fakturanummer, Fakturanr" -- while
    `Fakturanr` stands in the file's second line. The same sheet given as the .xlsx reads (the workbook
    reader skips blank rows above the header).

    Why it matters: a correct extract is refused with a message that contradicts the file (a user mistake
    at most, met with a misleading error). The readers' own rule: "Rows whose every cell is blank are not
    data and are skipped" (readers._read_csv_strings), as in a workbook.

    Right: a row whose every cell is blank is skipped above the header too, and the invoice reads."""
    invoices = write_text(tmp_path / "regninger.csv", f";;;;;;\n{DANISH_HEADER}\n{MARCH}\n")
    frame = read_invoices(invoices).frame
    assert frame["invoice_id"].tolist() == ["F-1"]
    assert frame["amount_ok"].all() and frame["amount"].tolist() == [28_500 * 10_000]


# ---------------------------------------------------------------- 6. a title row above the header


def test_a_title_row_above_the_header_is_told_as_a_missing_column_the_file_has(tmp_path):
    """An invoice workbook as staff make it: a title in A1 (`Regninger til betaling, marts 2019`), a blank
    row, then the header (`Fakturanr`, `CVR`, `Beløb` ...) in row 3. The reader takes the title for the
    header, and the run ends with "column 'invoice_id': missing; accepted names: invoice_id, Fakturanummer,
    Fakturanr, Fakturanr." -- naming as accepted the very header the user sees in the file, and not
    saying which row was read as the header.

    Why it matters: a user mistake met with a misleading error (robot spec, exit 2: "one line on stderr
    naming the file, the column or key and what was expected"); the user cannot tell from it that the
    title row is what is wrong.

    Right: either the header is found below the title (the first row holding the required names), or the
    line says which row it read as the header (row 1, its text) and that the header must be the first row
    with values."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Regninger til betaling, marts 2019"])
    ws.append([])
    ws.append(DANISH_HEADER.split(";"))
    ws.append(MARCH.split(";"))
    invoices = tmp_path / "regninger.xlsx"
    wb.save(invoices)
    try:
        frame = read_invoices(invoices).frame
    except InputError as err:
        line = err.line()
        assert "Regninger til betaling" in line or "row 1" in line, f"misleading: {line}"
        return
    assert frame["invoice_id"].tolist() == ["F-1"] and frame["amount_ok"].all()
