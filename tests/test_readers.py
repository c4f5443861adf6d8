"""Reading workbooks: calamine where it reads a workbook as openpyxl does and
within the limits, openpyxl (a row at a time) everywhere else."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import warnings

import openpyxl
import pytest

from invoicekit import readers
from invoicekit.readers import _calamine_reads_as_openpyxl, open_workbook, sheet_rows
from tests.conftest import EXAMPLE
from tests.test_attacks import HEADER_ROW, xlsx


def _by_openpyxl(path, title):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sheet_rows(wb[title], path, title)
    finally:
        wb.close()


def _same_as_openpyxl(path) -> None:
    wb = open_workbook(path)
    try:
        for title in wb.titles:
            fast, slow = wb.table(title), _by_openpyxl(path, title)
            assert fast.frame.equals(slow.frame), title
            assert fast.numeric.equals(slow.numeric), title
    finally:
        wb.close()


def _workbook(path, rows, formats=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Regninger"
    for row in rows:
        ws.append(row)
    for (r, c), number_format in formats:
        ws.cell(r, c).number_format = number_format
    wb.save(path)
    return path


def test_dates_numbers_and_text_read_with_calamine_as_openpyxl_reads_them(tmp_path):
    rows = [
        [None, "Fakturanummer", "CVR", "CPR", "Periode fra", "Periode til", "Beløb", "Tid", "Ja"],
        [None, "F-1", 29345716, 101901234, dt.datetime(2019, 3, 1), dt.date(2019, 3, 31), 28500.5, 0.1234, True],
        [None, None, None, None, None, None, None, None, None],  # a blank row is not an invoice
        [None, "F-2", "29345716", "0101901234", 43525, "31-03-2019", "28.500,50", 1.75, False],
        [None, "  F-3 ", 2.9345716e7, 24.205, 43525.999, 0, -1, 1e-7, "x\ny"],
    ]
    formats = [((4, 5), "dd.mm.yyyy"), ((5, 5), "yyyy-mm-dd hh:mm"), ((2, 8), "h:mm:ss"), ((4, 8), "[h]:mm")]
    path = _workbook(tmp_path / "r.xlsx", rows, formats)
    assert _calamine_reads_as_openpyxl(path)
    _same_as_openpyxl(path)


def test_the_support_sheet_is_read_with_calamine_as_openpyxl_reads_it():
    path = EXAMPLE / "stoetteark.xlsx"
    assert _calamine_reads_as_openpyxl(path)
    _same_as_openpyxl(path)


@pytest.mark.parametrize(
    ("rows", "formats"),
    [
        ([["CPR"], [101901234]], [((2, 1), "yyyy-mm-dd")]),  # past Excel's last date: openpyxl says '#VALUE!'
        ([["Beløb"], [-1]], [((2, 1), "dd.mm.yyyy")]),  # before Excel's first date
    ],
)
def test_what_calamine_reads_otherwise_is_read_with_openpyxl(tmp_path, rows, formats):
    path = _workbook(tmp_path / "r.xlsx", rows, formats)
    assert not _calamine_reads_as_openpyxl(path)
    _same_as_openpyxl(path)


@pytest.mark.parametrize(
    "sheet",
    [
        f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2" t="e"><v>#N/A</v></c></row></sheetData>',
        f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>a\r\nb</t></is></c></row></sheetData>',
        f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>a_x000D_b</t></is></c></row></sheetData>',
        f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2" t="b"><v>true</v></c></row></sheetData>',
        f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2" t="s"><v>3</v></c></row></sheetData>',
        f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2"><v> 12</v></c></row></sheetData>',
        # an integer openpyxl keeps exact and calamine rounds to a float
        f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2"><v>12345678901234567890</v></c></row></sheetData>',
    ],
)
def test_cells_the_two_libraries_read_apart_are_read_with_openpyxl(tmp_path, sheet):
    path = xlsx(tmp_path / "r.xlsx", sheet, shared=["a", "b"])
    assert not _calamine_reads_as_openpyxl(path)
    ok = xlsx(tmp_path / "ok.xlsx", f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2"><v>12</v></c></row></sheetData>')
    assert _calamine_reads_as_openpyxl(ok)  # the same workbook, the cell as both read it


def test_a_sheet_whose_cells_lie_far_apart_is_read_with_openpyxl(tmp_path):
    """calamine would make a grid of every cell between A1 and XFD1048576
    (17 billion) and the process would die; openpyxl reads the rows it has."""
    path = xlsx(
        tmp_path / "r.xlsx",
        f'<sheetData>{HEADER_ROW}<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>F-9</t></is></c></row>'
        "</sheetData>",
    )
    assert not _calamine_reads_as_openpyxl(path)
    code = f"from invoicekit.readers import read_raw; print(len(read_raw({str(path)!r}).frame))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "0"


def test_a_shared_string_repeated_past_the_text_limit_is_read_with_openpyxl(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_SHEET_TEXT", 100_000)
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(2, 30))
    path = xlsx(tmp_path / "r.xlsx", f"<sheetData>{HEADER_ROW}{rows}</sheetData>", shared=["x" * 10_000])
    assert not _calamine_reads_as_openpyxl(path)
    monkeypatch.setattr(readers, "MAX_SHEET_TEXT", 1_000_000)
    assert _calamine_reads_as_openpyxl(path)
    _same_as_openpyxl(path)


# ---------------------------------------------------------------- a large CSV file read in two parts

_PARTS_HEADER = "invoice_id,amount,text\n"


def _chunks(frame) -> list[int]:
    """How many chunks each column of a frame of text is held in."""
    import pyarrow as pa

    arrays = [pa.array(frame[c]) for c in frame]
    return [a.num_chunks if isinstance(a, pa.ChunkedArray) else 1 for a in arrays]


def _rows_around(middle: str, rows: int = 40) -> str:
    """``rows`` plain rows, then ``middle``, then as many again."""
    plain = [f"F-{k},{k}00,Ophold {k}\n" for k in range(rows)]
    return _PARTS_HEADER + "".join(plain) + middle + "".join(plain)


def _middle_at(row: str, at: int, rows: int = 20) -> str:
    """A file (ASCII) whose middle byte is byte ``at`` of ``row``, which
    comes after ``rows`` plain rows; a row of the length needed after it."""
    before = _PARTS_HEADER + "".join(f"F-{k},{k}00,Ophold {k}\n" for k in range(rows))
    target = len(before) + at
    rest = 2 * target - len(before) - len(row)
    return before + row + "F-b,1," + "x" * (rest - 7) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_rows_around(""), id="plain rows"),
        pytest.param(_rows_around("\n  ,  , \nF-x,1,\n"), id="blank rows"),
        pytest.param(
            _rows_around('F-y,1,"Ophold\nmarts"\n', rows=5) + _rows_around("")[len(_PARTS_HEADER) :],
            id="a text over two lines, away from the middle",
        ),
        pytest.param(_rows_around('F-z,1,"' + "en linje\n" * 60 + '"\n'), id="the middle inside a quoted last cell"),
        pytest.param(_rows_around('"F-' + "\n" * 200 + 'z",1,tekst\n'), id="the middle inside a quoted first cell"),
        pytest.param(_rows_around('F-m,"1' + "\n" * 200 + '",tekst\n'), id="the middle inside a quoted middle cell"),
        pytest.param(
            _rows_around('F-r,1,"' + "linje\r\n" * 60 + '"\r\n'), id="the middle inside a quoted last cell, CRLF"
        ),
        pytest.param(
            _rows_around('F-s,1,"' + 'a ""citat""\n' * 60 + '"\n'), id="the middle inside a cell with quotes in it"
        ),
        pytest.param(_middle_at('F-q,1,"slut\n"\n', 12), id="the middle after a last cell ending in a line break"),
        pytest.param(_middle_at('F-q,1,"slut\n"\n', 10), id="the middle inside a last cell ending in a line break"),
        pytest.param(_rows_around("F-w,1,2,3\n"), id="a row with too many fields"),
    ],
)
def test_a_csv_file_read_in_two_parts_is_the_file_read_whole(tmp_path, monkeypatch, text):
    import pandas as pd

    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    whole = readers.read_raw(path)
    monkeypatch.setattr(readers, "CSV_PARTS_FROM_BYTES", 1)
    for in_parts in (False, True):
        parts = readers.read_raw(path, in_parts=in_parts)
        pd.testing.assert_frame_equal(parts.frame, whole.frame, check_exact=True)
        assert parts.misaligned == whole.misaligned
    assert set(_chunks(parts.frame)) <= {1, 2}


def test_a_csv_file_is_read_in_two_parts_where_the_middle_is_between_rows(tmp_path, monkeypatch):
    path = tmp_path / "r.csv"
    path.write_text(_rows_around('F-y,1,"Ophold\nmarts"\n', rows=5) + _rows_around("")[len(_PARTS_HEADER) :])
    monkeypatch.setattr(readers, "CSV_PARTS_FROM_BYTES", 1)
    raw = readers.read_raw(path, in_parts=True)
    assert _chunks(raw.frame) == [2, 2, 2]  # so the parts were read
    # the middle inside a quoted cell: read whole, one chunk
    path.write_text(_rows_around('F-z,1,"' + "en linje\n" * 60 + '"\n'))
    raw = readers.read_raw(path, in_parts=True)
    assert _chunks(raw.frame) == [1, 1, 1]


def test_a_quote_left_open_past_the_middle_is_refused_as_when_read_whole(tmp_path, monkeypatch):
    """The second part reads as rows; the cell the quote opens in the first
    holds whole rows: the file is refused, as reading it whole refuses it."""
    path = tmp_path / "r.csv"
    path.write_text(_rows_around('F-z,1,"tekst\n' + "F-a,1,b\n" * 60 + 'F-b,1,c"\n'))
    with pytest.raises(readers.InputError) as whole:
        readers.read_raw(path)
    monkeypatch.setattr(readers, "CSV_PARTS_FROM_BYTES", 1)
    for in_parts in (False, True):
        with pytest.raises(readers.InputError) as parts:
            readers.read_raw(path, in_parts=in_parts)
        assert str(parts.value) == str(whole.value)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_a_missing_optional_column_is_the_blank_text_pandas_makes(n):
    import pandas as pd

    from invoicekit.readers import _blank_column

    index = pd.RangeIndex(n)
    pd.testing.assert_series_equal(_blank_column(index), pd.Series("", index=index, dtype="str"), check_exact=True)


def test_a_cell_is_blank_as_trimming_it_would_leave_it_for_every_character():
    import sys

    import pyarrow as pa
    import pyarrow.compute as pc

    from invoicekit.readers import _blank_cells

    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    cells = pa.array(["", " \t", "\u3000\u00a0", " x ", *characters, *(c * 2 + " " for c in characters[:5000])])
    trimmed = pc.equal(pc.utf8_trim_whitespace(cells), "")
    assert _blank_cells(cells).to_pylist() == trimmed.to_pylist()
    assert 20 < sum(trimmed.to_pylist()) < 100  # some characters are whitespace, most are not


def test_line_breaks_are_counted_as_python_counts_them_across_blocks(monkeypatch):
    """The line breaks of a CSV file are counted a block at a time: a break
    on either side of a block's edge is counted once."""
    from invoicekit import readers

    monkeypatch.setattr(readers, "SCAN_BLOCK", 3)
    for data in (b"", b"\n", b"a\nb\n", b"abc\n\n\nde", b"\n" * 7, "ø\næ\r\n".encode()):
        assert readers._count_line_breaks(data) == data.count(b"\n")


# ---------------------------------------------------------------- what old exporters and Excel put around a CSV

ROWS = "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\nF-1;29345716;28.500,00;610190-1234;01.03.2019;31.03.2019\nF-2;29345716;28.500,00;610190-1234;01.04.2019;30.04.2019\n"  # fmt: skip


@pytest.mark.parametrize("ending", ["\x1a", "\r\n\x1a", "\x1a\r\n", "\x1a\x1a"])
def test_a_dos_end_of_file_byte_is_no_invoice(tmp_path, ending):
    """Found by an attack on 0.9.13: a file ending in Ctrl-Z, as old DOS and
    AS/400 exports end, got a third invoice of blank cells (MISSING_CPR)."""
    from invoicekit.extracts import read_invoices

    f = tmp_path / "invoices.csv"
    f.write_bytes((ROWS.replace("\n", "\r\n") + ending).encode("cp1252"))
    inv = read_invoices(f).frame
    assert inv["invoice_id"].tolist() == ["F-1", "F-2"]
    # a Ctrl-Z inside a cell is a character like others (check 1 then finds no number in a cell of it alone)
    f.write_bytes((ROWS + "\x1a;29345716;1,00;;;\n").encode())
    assert read_invoices(f).frame["invoice_id_raw"].tolist() == ["F-1", "F-2", ""]


@pytest.mark.parametrize("line", ["sep=;", "SEP=;", '"sep=;"', "sep=;;;;;"])
def test_excels_separator_line_names_the_separator(tmp_path, line):
    """Found by an attack on 0.9.13: a CSV beginning with Excel's ``sep=;``
    line was refused as "column 'invoice_id': missing", the header being on
    the line after it."""
    from invoicekit.extracts import read_invoices

    f = tmp_path / "invoices.csv"
    f.write_text(f"{line}\n{ROWS}", encoding="utf-8")
    inv = read_invoices(f).frame
    assert inv["invoice_id"].tolist() == ["F-1", "F-2"] and inv["row"].tolist() == [1, 2]
    # the separator it names is the one used: a comma file whose text holds semicolons
    f.write_text('sep=,\ninvoice_id,supplier_cvr,amount,text\nF-1,29345716,"28.500,00",a;b;c;d\n', encoding="utf-8")
    assert read_invoices(f).frame["text"].tolist() == ["a;b;c;d"]
    f.write_text(f"{line}\n", encoding="utf-8")
    with pytest.raises(readers.InputError, match="only Excel's sep= line"):
        read_invoices(f)


def test_a_wide_sep_line_is_read_and_a_separator_no_csv_has_is_a_users_mistake(tmp_path):
    """Found by a review of the first fix: Excel pads its sep= line with a
    separator per column (a guard on the line's length refused 12 columns and
    more), and sep=ø stopped the command with exit 1 (not an ASCII mark)."""
    from invoicekit.extracts import read_invoices

    f = tmp_path / "invoices.csv"
    f.write_text("sep=;" + ";" * 20 + "\n" + ROWS, encoding="utf-8")
    assert read_invoices(f).frame["invoice_id"].tolist() == ["F-1", "F-2"]
    for mark in ("ø", "€", '"'):
        f.write_text(f"sep={mark}\n{ROWS}", encoding="utf-8")
        with pytest.raises(readers.InputError, match="invoice_id"):  # the header is then that line: missing
            read_invoices(f)


def _two_encodings(path, in_utf8: str, in_windows_1252: str):
    """A file of text in UTF-8, then text in Windows-1252."""
    path.write_bytes(in_utf8.encode("utf-8") + in_windows_1252.encode("cp1252"))
    return path


def test_a_csv_that_mixes_utf8_and_windows_1252_is_refused_naming_the_line(tmp_path, capsys):
    """An attack on 0.9.20: one Windows-1252 byte in a UTF-8 file made the whole file read as
    Windows-1252, every UTF-8 letter two others: SØ-1, posted the month before, read SÃ˜-1, which check
    10 did not know, and was paid again; OPUS got a number it cannot find."""
    from invoicekit.cli import main
    from invoicekit.errors import InputError
    from invoicekit.extracts import read_invoices

    header = "invoice_id;supplier_cvr;amount;cpr;period_start;period_end;text\n"
    mixed = _two_encodings(
        tmp_path / "mixed.csv",
        header + "SØ-1;62227869;10.756,00;;01.11.2018;30.11.2018;Bøf\n",
        "INV2;40249656;13.922,00;;01.10.2018;31.10.2018;Sø\n",
    )
    with pytest.raises(InputError, match=r"line 3: holds a byte that is not UTF-8 \(0xF8\), while line 2"):
        read_invoices(mixed)
    # a UTF-8 part whose only letters beyond ASCII are a dash (E2 80 93), in a file whose lines end in CR alone
    dashed = tmp_path / "dashed.csv"
    dashed.write_bytes(
        (header + "SOL–2;62227869;10.756,00;;01.11.2018;30.11.2018;x\r").replace("\n", "\r").encode("utf-8")
        + "INV2;40249656;13.922,00;;01.10.2018;31.10.2018;bostæd\r".encode("cp1252")
    )
    with pytest.raises(InputError, match=r"line 3: holds a byte that is not UTF-8 \(0xE6\), while line 2"):
        read_invoices(dashed)
    argv = ["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", str(mixed),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--dry-run", "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mixes two encodings" in err[0] and not (tmp_path / "o" / "decisions.csv").exists()
    # Windows-1252 throughout is read as it always was, signs after capitals included (Ø§ is no UTF-8 letter)
    plain = tmp_path / "plain.csv"
    plain.write_bytes((header + "SØ-1;62227869;10.756,00;;01.11.2018;30.11.2018;Ø§ 108 Bøf\n").encode("cp1252"))
    assert read_invoices(plain).frame[["invoice_id", "text"]].values.tolist() == [["SØ-1", "Ø§ 108 Bøf"]]


def test_a_tab_separated_file_and_a_workbook_named_csv_are_told_as_what_they_are(tmp_path):
    """An attack on 0.9.20: a tab-separated extract was refused for a missing column that was plainly there
    (its header read as one column), and a workbook saved as .csv was called "UTF-16 or binary"."""
    from invoicekit.errors import InputError
    from invoicekit.extracts import read_invoices

    tab = tmp_path / "tab.csv"
    tab.write_text("Fakturanummer\tLeverandør CVR\tBeløb\nF-1\t29345716\t100,00\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"header row: is separated by tabs; expected ; or ,"):
        read_invoices(tab)
    # a header name with a comma in it does not hide the tabs (a review of the first version)
    tab.write_text("Fakturanummer\tLeverandør CVR\tBeløb, kr.\nF-1\t29345716\t100,00\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"header row: is separated by tabs; expected ; or ,"):
        read_invoices(tab)
    # Excel's sep= line naming the tab is read as before
    named = tmp_path / "named.csv"
    named.write_text("sep=\t\ninvoice_id\tsupplier_cvr\tamount\nF-1\t29345716\t100.00\n", encoding="utf-8")
    assert read_invoices(named).frame["invoice_id"].tolist() == ["F-1"]
    book = tmp_path / "book.csv"
    openpyxl.Workbook().save(book)
    with pytest.raises(InputError, match=r"is a zip file \(an Excel workbook saved under a \.csv name\?\)"):
        read_invoices(book)


def test_both_readers_refuse_a_file_mixing_encodings_by_either_rule(tmp_path):
    """The extracts' reader refused a mix only where it wrote a Latin letter in UTF-8, the truth's
    reader only where most bytes above ASCII were UTF-8 letters: each read as Windows-1252 what
    the other refused. A Polish supplier's name (Ł is C5 81) in UTF-8 beside one Windows-1252 ø
    was read Å\x81Ä\x99…, and a truth's one UTF-8 number SØ-1 among Windows-1252 notes was read
    SÃ˜-1 and matched no invoice. Now one test serves both."""
    from invoicekit.errors import InputError
    from invoicekit.evaluate import read_text_csv
    from invoicekit.extracts import read_invoices

    header = "invoice_id;supplier_cvr;amount;cpr;period_start;period_end;supplier_name\n"
    polish = _two_encodings(
        tmp_path / "polish.csv",
        header + "F-1;62227869;10.756,00;;01.11.2018;30.11.2018;Łężeń Śćż Kęś\n",
        "F-2;40249656;13.922,00;;01.10.2018;31.10.2018;Bøf\n",
    )
    with pytest.raises(InputError, match=r"line 3: holds a byte that is not UTF-8 \(0xF8\), while line 2"):
        read_invoices(polish)
    with pytest.raises(InputError, match=r"line 3: .* line 2 writes a letter in UTF-8"):
        read_text_csv(polish, "a truth", windows_1252=True)
    truth = tmp_path / "facit.csv"
    truth.write_bytes(
        b"invoice_id,supplier_cvr,status,note\n"
        + "SØ-1,62227869,posted,\n".encode()
        + "F-2,40249656,manual,blød bæræble på øen små både\n".encode("cp1252")
    )
    with pytest.raises(InputError, match=r"line 3: .* line 2 writes a letter in UTF-8"):
        read_text_csv(truth, "a truth", windows_1252=True)
    with pytest.raises(InputError, match="mixes two encodings"):
        read_invoices(truth)
    # Windows-1252 throughout, or UTF-8 throughout, is read by both
    plain = tmp_path / "plain.csv"
    for encoding in ("cp1252", "utf-8"):
        plain.write_bytes((header + "SØ-1;62227869;10.756,00;;01.11.2018;30.11.2018;Bøf “TRÆ” å…\n").encode(encoding))
        assert read_invoices(plain).frame["supplier_name"].tolist() == ["Bøf “TRÆ” å…"]
        assert read_text_csv(plain, "a truth", windows_1252=True)["supplier_name"].tolist() == ["Bøf “TRÆ” å…"]


def test_a_utf8_letter_windows_1252_cannot_hold_among_windows_1252_letters_is_refused(tmp_path):
    """A review of the mend above: a Windows-1252 file of Danish letters with
    one row in UTF-8 numbered ŁOD-7 (Ł is C5 81, and 81 is no Windows-1252
    byte) was read as Windows-1252 and posted as Å\\ufffdOD-7."""
    from invoicekit.errors import InputError
    from invoicekit.extracts import read_invoices

    header = "invoice_id;supplier_cvr;amount;cpr;period_start;period_end;supplier_name\n"
    rows = "".join(f"F-{k};62227869;10.756,00;;01.11.2018;30.11.2018;Bøf på Ærø og Åbo\n" for k in range(6))
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes((header + rows).encode("cp1252") + "ŁOD-7;62227869;1,00;;;;x\n".encode())
    with pytest.raises(InputError, match=r"line 2: .* line 8 writes a letter in UTF-8"):
        read_invoices(mixed)
