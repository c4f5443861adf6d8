"""A review of 0.9.38's mends: month-first dates seen in one column or with a time, a quote left open in the last column, a correct wrapped text with commas, and a hidden column that made every row be parsed."""

from __future__ import annotations

from pathlib import Path

from invoicekit import readers
from invoicekit.extracts import read_invoices
from invoicekit.readers import rows_not_shown
from tests.test_review_0938_extract_files import DANISH_HEADER, SOLHOJ, A, run, write_grants, write_text

#: Solhøj's February invoice for citizen A, 28.500,00 kr. (A's grant, below, starts on 1 April 2019)
FEBRUARY = f"{DANISH_HEADER}\nF-1;{SOLHOJ};28.500,00;{A};01.02.2019;28.02.2019;Døgnophold februar 2019\n"
OTHERS = ["020202-0208", "030303-0303", "040404-0404", "050505-0505", "060606-0606", "070707-0707"]


def _grants_month_first(tmp_path: Path, starts: list[str], ends: list[str]) -> Path:
    """A grant extract as Sensum exports it with US settings: A's grant first (from 1 April 2019)."""
    rows = [
        [f"G-{k}", cpr, "SEL108-BO", SOLHOJ, "28500,00", "month", start, end]
        for k, (cpr, start, end) in enumerate(zip([A, *OTHERS], starts, ends, strict=True), start=1)
    ]
    return write_grants(tmp_path / "bevillinger.csv", rows)


def test_month_first_seen_only_in_the_end_date_column_leaves_the_start_dates_read_swapped(tmp_path):
    """A grant extract exported month first (US settings), as the mend of 0.9.38 means to refuse. Grants
    start on the first of a month and end on the last: every start date (`04/01/2019`, `01/01/2019`, ...)
    reads either way, and only the end dates (`12/31/2019`, day over 12) read month first. Most grants are
    open-ended, so the end-date column has one filled cell: too few for the share rule, and
    `_refuse_month_first` looks at each column on its own: the end-date column has no cell that reads
    either way (its one cell does not read at all), and the start-date column no cell that fails. So the
    file passes, every start date is read with day and month swapped, and A's grant from 1 April 2019
    (`04/01/2019`) is read as from 4 January: Solhøj's February invoice for A is POSTED.

    Why it matters: a wrong payment, for a month no grant covers (spec check 13, PERIOD_NOT_COVERED).
    README ("A file read wrongly as a whole"): a date column with a cell that reads only month first and
    none that reads only day first "was exported month first, and the file is refused". One export writes
    all its date columns alike: the end dates say how the start dates were written.

    Right: the file is refused (exit 2, naming the file and a date column), as the single-column case
    is (`test_month_first_grant_dates_that_mostly_read_pay_a_period_before_the_grant`); at the least the
    February invoice is not posted."""
    starts = ["04/01/2019", "01/01/2019", "02/01/2019", "03/01/2019", "05/01/2019", "06/01/2019", "07/01/2019"]
    ends = ["", "", "12/31/2019", "", "", "", ""]
    grants = _grants_month_first(tmp_path, starts, ends)
    invoices = write_text(tmp_path / "regninger.csv", FEBRUARY)
    rc, decisions, _ = run(tmp_path, invoices, grants)
    if rc == 2:
        return
    d = decisions.iloc[0]
    assert d["status"] == "manual", f"February posted on {d['grant_id']}, a grant from 1 April (04/01/2019)"


def test_month_first_dates_written_with_a_time_are_read_swapped(tmp_path):
    """The same month-first grant extract, but with its dates written as a system exports a date column
    holding date-times (`04/01/2019 00:00:00`, `01/15/2019 00:00:00`). The reader reads
    `04/01/2019 00:00:00` (as 4 January: its time left out), but `_MONTH_FIRST`, `_EITHER_WAY` and
    `_DAY_FIRST` match the date alone, so the two cells that read only month first (`01/15/2019 00:00:00`,
    `02/15/2019 00:00:00`) are not counted as month first, and two failing cells of seven are too few
    for the share rule: the file passes, and A's grant from 1 April 2019 is read as from 4 January.
    Solhøj's February invoice for A is POSTED.

    Why it matters: a wrong payment for a month no grant covers (check 13). README: "a date column where
    a cell reads only month first (`03/15/2019`), another reads either way (`04/01/2019`) and none reads
    only day first: that column was exported month first, and the file is refused".

    Right: a date with a time after it is judged by its date (the file is refused, exit 2), or at least
    the February invoice is not posted."""
    starts = [f"{d} 00:00:00" for d in ("04/01/2019", "01/01/2019", "02/01/2019", "03/01/2019", "05/01/2019",
                                        "01/15/2019", "02/15/2019")]  # fmt: skip
    grants = _grants_month_first(tmp_path, starts, [""] * 7)
    invoices = write_text(tmp_path / "regninger.csv", FEBRUARY)
    rc, decisions, _ = run(tmp_path, invoices, grants)
    if rc == 2:
        return
    d = decisions.iloc[0]
    assert d["status"] == "manual", f"February posted on {d['grant_id']}, a grant from 1 April (04/01/2019 00:00:00)"


def test_a_quote_left_open_in_the_last_column_loses_the_next_invoice(tmp_path):
    """A text typed with a leading quote and no closing one (`"Døgnophold marts`) in the LAST column of
    row 1, and a supplier name quoted mid-cell in row 2's second column (`Bosted "Lyset"`): the quote
    opened in row 1 is closed by row 2's first quote, so row 1's text swallows `F-2;Bosted ` and row 2's
    remaining fields become extra fields of row 1. The mend of 0.9.38 (`_refuse_swallowed_rows`) refuses a
    swallowed line only when the cell holds a row's worth of separators (width - 1); this cell holds one.
    So the file is read: F-1 goes to a caseworker as a row of 14 fields, and F-2 (April) has NO decision
    at all: three invoice rows, two rows in decisions.csv.

    Why it matters: a lost row. Robot spec: "Nothing is dropped silently: every input invoice row has
    exactly one row in decisions.csv"; README (Reading): since 0.9.38 "a quote not closed in its row but
    by a quote in the next ... is refused", because "the next had no decision".

    Right: the file is refused (exit 2, naming row 1 and column 'text', as when the quote is in the second
    column), or at least every invoice has its own decision."""
    header = "invoice_id;supplier_name;supplier_cvr;amount;cpr;period_start;period_end;text"
    rows = [
        f'F-1;Solhøj;{SOLHOJ};28.500,00;{A};01.03.2019;31.03.2019;"Døgnophold marts',
        f'F-2;Bosted "Lyset";{SOLHOJ};28.500,00;{A};01.04.2019;30.04.2019;Døgnophold april',
        f"F-3;Solhøj;{SOLHOJ};28.500,00;{A};01.05.2019;31.05.2019;Døgnophold maj",
    ]
    invoices = write_text(tmp_path / "regninger.csv", "\n".join([header, *rows]) + "\n")
    rc, decisions, _ = run(tmp_path, invoices)
    if rc == 2:
        return
    assert decisions["invoice_id"].tolist() == ["F-1", "F-2", "F-3"], (
        f"{len(decisions)} decisions for 3 invoice rows: {decisions['invoice_id'].tolist()}"
    )


def test_a_correct_comma_file_with_a_wrapped_text_holding_commas_is_refused(tmp_path):
    """A correct `,` extract whose text cell was wrapped in Excel (Alt+Enter) and holds commas, as an
    invoice text that names the citizen and the period does (`Døgnophold marts 2019, Anna Jensen,⏎CPR
    610190-1234, jf. aftale`): Excel writes it quoted, line break and all, which is valid CSV and was read
    until 0.9.38. The new rule of `_refuse_swallowed_rows` refuses a multi-line cell that holds as many
    separators as the row has columns less one with one of them on a later line; in a file of four
    columns (number, CVR, amount, text: the README's "CPR and period ... only in the text") three commas
    suffice, so the whole file is refused: "a quote (") opened here is not closed in its row", which is
    false (every quote is closed in its row) and leaves the user nothing to put right.

    Why it matters: a regression: a correct extract of correct invoices is refused (no invoice is paid
    that month), with a message that contradicts the file. README (Reading): "any line ending", a quoted
    line break in a cell is read (`test_line_breaks.py`); the mend was meant for a quote "not closed in its
    row but by a quote in the next".

    Right: both invoices read, as before 0.9.38: a cell whose quotes pair up and whose row has as many
    fields as the header is no swallowed row."""
    header = "Fakturanr,CVR,Beløb,Tekst"
    rows = [
        f'F-1,{SOLHOJ},28500.00,"Døgnophold marts 2019, Anna Jensen,\nCPR {A}, jf. aftale"',
        f'F-2,{SOLHOJ},28500.00,"Døgnophold april 2019, Anna Jensen, CPR {A}"',
    ]
    invoices = write_text(tmp_path / "regninger.csv", "\n".join([header, *rows]) + "\n")
    frame = read_invoices(invoices).frame
    assert frame["invoice_id"].tolist() == ["F-1", "F-2"]
    assert frame["amount_ok"].all() and frame["amount"].tolist() == [28_500 * 10_000] * 2
    assert frame["fields"].tolist() == [0, 0]


def _sheet_parts(rows: int, cols_xml: bytes) -> dict[str, bytes]:
    """The parts of a one-sheet workbook ('Regninger') of ``rows`` invoice rows, ``cols_xml`` before its data."""
    body = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>F-%d</t></is></c><c r="B%d"><v>29345716</v></c>'
        b'<c r="C%d"><v>28500</v></c></row>' % (k, k, k, k, k)
        for k in range(2, rows + 2)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main">' + cols_xml + b"<sheetData>" + body + b"</sheetData></worksheet>"
    )
    book = (
        b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        b'<sheet name="Regninger" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    return {"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels, "xl/worksheets/sheet1.xml": sheet}


def test_a_hidden_column_makes_every_workbook_row_be_looked_at_in_python(monkeypatch):
    """`rows_not_shown` skipped the row-by-row look only where the sheet's bytes held no `hidden="1"` at
    all; but a hidden COLUMN (`<col ... hidden="1"/>`, a CPR or helper column hidden, as finance staff often
    do) holds the same bytes, so every row was parsed and looked at in Python although no row was hidden
    (measured on 2bfc229: a workbook of 100,000 invoices read in 2.5 s, with one column hidden in 5.4 s;
    some 30 s more at a million). A struck-through style no cell uses did the same.

    Right: such a sheet is never parsed row by row (no timing here: the row-by-row reader must not be
    called), while a sheet with a row hidden still is, and is found."""
    looked: list[int] = []
    streamed = readers._rows_streamed

    def counting(data):
        looked.append(1)
        return streamed(data)

    monkeypatch.setattr(readers, "_rows_streamed", counting)
    parts = _sheet_parts(50, b'<cols><col min="4" max="4" width="12" hidden="1" customWidth="1"/></cols>')
    assert rows_not_shown(parts, "Regninger") == [] and looked == []
    struck = _sheet_parts(50, b"")
    struck["xl/styles.xml"] = (
        b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font/>'
        b'<font><strike/></font></fonts><cellXfs count="2"><xf fontId="0"/><xf fontId="1"/></cellXfs></styleSheet>'
    )
    assert rows_not_shown(struck, "Regninger") == [] and looked == []
    hidden = _sheet_parts(50, b"")
    hidden["xl/worksheets/sheet1.xml"] = hidden["xl/worksheets/sheet1.xml"].replace(
        b'<row r="7">', b'<row r="7" hidden="1">'
    )
    assert rows_not_shown(hidden, "Regninger") == [(7, "hidden")] and looked == [1]
    struck["xl/worksheets/sheet1.xml"] = (
        struck["xl/worksheets/sheet1.xml"]
        .replace(b'<c r="A9" t="inlineStr">', b'<c r="A9" s="1" t="inlineStr">')
        .replace(b'<c r="B9">', b'<c r="B9" s="1">')
        .replace(b'<c r="C9">', b'<c r="C9" s="1">')
    )
    assert rows_not_shown(struck, "Regninger") == [(9, "struck through")]
