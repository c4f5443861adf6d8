"""An invoice number, a grant id or any other cell broken over lines never splits a row of the files OPUS and
Sensum import. They read them a line at a time, and a line break is more than a line feed: Python's
``splitlines`` and Java's ``\\R`` break at U+2028, U+0085, the vertical tab, the form feed and the file, group
and record separators too. An attack on 0.9.29 found an invoice number read from a CSV extract written raw
into opus_postings.csv and sensum_paid.csv (a line feed quoted, the others not even that).

Each run is ``invoicekit run`` on the example municipality (tests/data/example: citizen 610190-1234 has
B-1001, § 108 at Solhøj, 28,500 kr. a month).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from invoicekit.cli import main
from invoicekit.post import write_csv, write_outputs
from invoicekit.texts import LINE_BREAKS, one_line
from tests.conftest import invoice
from tests.test_lines import decide, line
from tests.test_lines import invoice as collective

HEADER = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text"]
BREAKS = list(LINE_BREAKS)
IMPORTED = ("opus_postings.csv", "opus_notes.csv", "sensum_paid.csv")


def _invoices(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)  # a line break quoted
        w.writerow(HEADER)
        for r in rows:
            w.writerow([r.get(c, "") for c in HEADER])
    return path


def _run(case: Path, tmp: Path, *rows: dict[str, str], grants: Path | None = None) -> Path:
    out = tmp / "out"
    argv = ["run", "--grants", str(grants or case / "bevillinger.csv"), "--invoices",
            str(_invoices(tmp / "i.csv", *rows)), "--support-sheet", str(case / "stoetteark.xlsx"),
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out


def _lines(path: Path) -> list[str]:
    """The file's lines as a reader that reads a line at a time sees them."""
    return path.read_text(encoding="utf-8").splitlines()


def _read(path: Path, sep: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=sep))


@pytest.mark.parametrize("br", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_an_invoice_number_broken_over_lines_reaches_opus_and_sensum_on_one_line(example_case, tmp_path, capsys, br):
    # its line break a space, as convert reads an e-invoice's number: the row stays one row
    out = _run(example_case, tmp_path, invoice(invoice_id=f"F-1{br}2"), invoice(invoice_id="F-3", cpr=""))
    [posted, other] = _read(out / "decisions.csv", ",")
    assert posted["status"] == "posted" and posted["invoice_id"] == "F-1 2"
    assert other["reason"] == "MISSING_CPR"  # the next row is read as the row it is
    [posting] = _read(out / "opus_postings.csv", ";")
    [paid] = _read(out / "sensum_paid.csv", ",")
    assert posting["Fakturanummer"] == "F-1 2" and paid["invoice_id"] == "F-1 2"
    for name in IMPORTED:
        rows = _read(out / name, ";" if name.startswith("opus") else ",")
        assert len(_lines(out / name)) == len(rows) + 1, name


@pytest.mark.parametrize("br", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_an_invoice_number_broken_over_lines_of_a_manual_invoice_is_one_line_in_its_note(
    example_case, tmp_path, capsys, br
):
    out = _run(example_case, tmp_path, invoice(invoice_id=f"F-1{br}2", cpr=""))
    notes = _lines(out / "opus_notes.csv")
    assert len(notes) == 2 and notes[1].startswith("F-1 2;29345716;Robot: ")


@pytest.mark.parametrize("first", ["F-12", "F-1\n2", "F-1\u20282"])
@pytest.mark.parametrize("then", ["F-12", "F-1\r2", "F-1\x852"])
def test_an_invoice_number_broken_over_lines_is_the_same_invoice_as_the_number_whole(
    example_case, tmp_path, capsys, first, then
):
    # a review: sent to manual as no number (check 1), F-1⏏2 after F-12 was to be posted by hand, and F-12
    # after it was posted by the robot: paid twice. Check 10 drops white space, a line break too
    out = _run(example_case, tmp_path, invoice(invoice_id=first), invoice(invoice_id=then))
    one, two = _read(out / "decisions.csv", ",")
    assert one["status"] == "posted"
    assert two["reason"] == "DUPLICATE_INVOICE"
    assert len(_read(out / "opus_postings.csv", ";")) == 1


def test_an_invoice_number_broken_over_lines_is_the_invoice_a_journalled_run_posted(example_case, tmp_path, capsys):
    journal = tmp_path / "j.sqlite"
    argv = ["run", "--grants", str(example_case / "bevillinger.csv"), "--support-sheet",
            str(example_case / "stoetteark.xlsx")]  # fmt: skip
    first = _invoices(tmp_path / "a.csv", invoice(invoice_id="F-1\u20282"))
    assert main([*argv, "--invoices", str(first), "--out", str(tmp_path / "o1"), "--new-journal", str(journal)]) == 0
    then = _invoices(tmp_path / "b.csv", invoice(invoice_id="F-12"))
    assert main([*argv, "--invoices", str(then), "--out", str(tmp_path / "o2"), "--journal", str(journal)]) == 0
    [d] = _read(tmp_path / "o2" / "decisions.csv", ",")
    assert d["reason"] == "DUPLICATE_INVOICE"


@pytest.mark.parametrize("br", ["\t", "\u00a0"])
def test_a_tab_or_a_no_break_space_in_an_invoice_number_breaks_no_line_and_is_posted_as_written(
    example_case, tmp_path, capsys, br
):
    out = _run(example_case, tmp_path, invoice(invoice_id=f"F-1{br}2"))
    [posting] = _read(out / "opus_postings.csv", ";")
    assert posting["Fakturanummer"] == f"F-1{br}2"


@pytest.mark.parametrize("br", ["\n", "\u2028", "\x1e"], ids=["LF", "U+2028", "RS"])
def test_a_grant_id_broken_over_lines_is_left_out_and_never_marked_paid(example_case, tmp_path, capsys, br):
    grants = pd.read_csv(example_case / "bevillinger.csv", dtype=str, keep_default_na=False)
    grants["grant_id"] = grants["grant_id"].replace({"B-1001": f"B-10{br}01"})
    grants.to_csv(tmp_path / "g.csv", index=False)
    out = _run(example_case, tmp_path, invoice(), grants=tmp_path / "g.csv")
    [decision] = _read(out / "decisions.csv", ",")
    assert decision["status"] == "manual"
    assert _read(out / "sensum_paid.csv", ",") == []
    problems = _read(out / "input_problems.csv", ",")
    assert any(p["column"] == "grant_id" and "linjeskift" in p["problem"] for p in problems)


def test_a_service_code_broken_over_lines_keeps_the_posting_on_one_line(example_case, tmp_path, capsys):
    # the service code reaches OPUS in the posting's text; the support sheet's key reads it as SEL108-BO
    grants = pd.read_csv(example_case / "bevillinger.csv", dtype=str, keep_default_na=False)
    grants["service_code"] = grants["service_code"].replace({"SEL108-BO": "SEL108\u2028BO"})
    grants.to_csv(tmp_path / "g.csv", index=False)
    out = _run(example_case, tmp_path, invoice(), grants=tmp_path / "g.csv")
    [posting] = _read(out / "opus_postings.csv", ";")
    assert posting["Tekst"].startswith("SEL108 BO ")
    for name in IMPORTED:
        rows = _read(out / name, ";" if name.startswith("opus") else ",")
        assert len(_lines(out / name)) == len(rows) + 1, name


@pytest.mark.parametrize("br", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_the_import_files_writer_makes_every_line_break_in_a_cell_a_space(tmp_path, br):
    path = tmp_path / "a.csv"
    write_csv({"Tekst": [f"a{br}b", "c"], "Beløb": ["1,00", "2,00"]}, path, sep=";", numbers=("Beløb",),
              mask=False, exact=("Tekst",))  # fmt: skip
    assert _lines(path) == ["Tekst;Beløb", "a b;1,00", "c;2,00"]


def test_a_file_people_read_keeps_a_line_feed_in_a_cell_quoted(tmp_path):
    # decisions.csv is read as CSV (Excel, pandas): a line feed in a cell is quoted, not changed
    path = tmp_path / "a.csv"
    write_csv({"text": ["a\nb"]}, path)
    assert pd.read_csv(path, dtype=str)["text"].tolist() == ["a\nb"]


# ---------------------------------------------------------------- a note quoting a cell (a review)
# A manual invoice's message quotes what the extract holds, as written: an invalid CVR, an amount, a currency,
# a date, a grant's service code, a paid mark's invoice number. Its note in opus_notes.csv was written with the
# line break (a line feed quoted, the others bare): OPUS got the note's row in two.


def _grants_with(case: Path, tmp: Path, column: str, value: str) -> Path:
    grants = pd.read_csv(case / "bevillinger.csv", dtype=str, keep_default_na=False)
    grants.loc[grants["grant_id"] == "B-1001", column] = value
    grants.to_csv(tmp / "g.csv", index=False)
    return tmp / "g.csv"


def _paid_marks(tmp: Path, invoice_id: str) -> Path:
    with (tmp / "paid.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["grant_id", "period_start", "period_end", "invoice_id"])
        w.writerow(["B-1001", "2019-03-01", "2019-03-31", invoice_id])
    return tmp / "paid.csv"


NOTE_SOURCES = {
    "invalid-cvr-U+2028": lambda case, tmp: ([invoice(supplier_cvr="2934\u20285716")], None, ()),
    "invalid-cvr-LF": lambda case, tmp: ([invoice(supplier_cvr="2934\n5716")], None, ()),
    "amount-U+0085": lambda case, tmp: ([invoice(amount="28.500\x85,00")], None, ()),
    "period-date-RS": lambda case, tmp: ([invoice(period_start="01.03\x1e.2019", text="x")], None, ()),
    "cpr-cell-U+2028": lambda case, tmp: ([invoice(cpr="010190\u20281234")], None, ()),
    "grant-service-code-U+2028": lambda case, tmp: (
        [invoice()], _grants_with(case, tmp, "service_code", "SEL999\u2028X"), ()),
    "paid-mark-invoice-number-U+2028": lambda case, tmp: (
        [invoice()], None, ("--paid", str(_paid_marks(tmp, "F-9\u20289")))),
}  # fmt: skip


@pytest.mark.parametrize("source", list(NOTE_SOURCES))
def test_a_note_quoting_a_cell_with_a_line_break_is_one_line_in_opus_notes(example_case, tmp_path, capsys, source):
    rows, grants, extra = NOTE_SOURCES[source](example_case, tmp_path)
    out = tmp_path / "out"
    argv = ["run", "--grants", str(grants or example_case / "bevillinger.csv"), "--invoices",
            str(_invoices(tmp_path / "i.csv", *rows)), "--support-sheet", str(example_case / "stoetteark.xlsx"),
            "--out", str(out), *extra]  # fmt: skip
    assert main(argv) == 0
    [note] = _read(out / "opus_notes.csv", ";")
    assert len(_lines(out / "opus_notes.csv")) == 2
    assert not any(c in LINE_BREAKS for c in note["note"])
    # on one line, a CPR number whose halves stood on two lines is one, and masked as any other
    assert not re.search(r"010190\D{0,3}1234", note["note"])
    [decision] = _read(out / "decisions.csv", ",")
    assert decision["message"] == note["note"].removeprefix("Robot: ")


def test_a_collective_invoices_note_quoting_a_line_number_with_a_line_break_is_one_line(tmp_path):
    r = decide([collective("S1", "50.000,00")],
               [line("S1", "1\u20282", "0101901234", "30000") | {"currency": "EUR"},
                line("S1", "2", "0202901234", "20000")])  # fmt: skip
    # the line number is read on one line (a review), and its note is one line
    assert r.decisions.iloc[0]["reason"] == "LINES_MISMATCH" and "1 2" in r.decisions.iloc[0]["message"]
    write_outputs(tmp_path, r.decisions, r.postings, r.notes, r.problems, r.lines)
    [note] = _read(tmp_path / "opus_notes.csv", ";")
    assert len(_lines(tmp_path / "opus_notes.csv")) == 2 and "1 2" in note["note"]


def test_a_lines_row_whose_invoice_number_is_broken_over_lines_is_a_line_of_that_invoice():
    # the number's line break a space, its key the invoice's (a review found it left out as "missing")
    r = decide([collective("S1", "50.000,00")],
               [line("S\u20281", "1", "0101901234", "30000"), line("S1", "2", "0202901234", "20000")])  # fmt: skip
    assert r.problems.empty
    assert r.decisions.iloc[0]["status"] == "posted"


@pytest.mark.parametrize("br", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_one_line_makes_each_line_break_a_space_wherever_it_stands_in_the_column(br):
    cells = ["é", *["x"] * 5000, f"a{br}b", "Å\x01è"]  # a break far into the data, after bytes that look alike
    arr = pa.array(cells, pa.large_string())
    assert one_line(arr).to_pylist() == ["é", *["x"] * 5000, "a b", "Å\x01è"]
    sliced = arr.slice(5001)  # a slice of the column: its own bytes alone
    assert one_line(sliced).to_pylist() == ["a b", "Å\x01è"]


def test_one_line_hands_back_the_column_itself_where_nothing_breaks_a_line():
    arr = pa.array(["é è Å", "\t", "x\x01y", "æøå", None], pa.string())
    assert one_line(arr) is arr
    assert one_line(arr.slice(0, 0)) is not None
