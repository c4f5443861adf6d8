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
from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.post import write_csv
from invoicekit.vocabulary import LINE_BREAKS
from tests.conftest import invoice
from tests.test_actions import decision, fix_list, frame

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
def test_an_invoice_number_broken_over_lines_is_not_posted_and_its_note_is_one_line(example_case, tmp_path, capsys, br):
    out = _run(example_case, tmp_path, invoice(invoice_id=f"F-1{br}2"), invoice(invoice_id="F-3", cpr=""))
    [broken, other] = _read(out / "decisions.csv", ",")
    assert broken["status"] == "manual" and broken["reason"] == "MISSING_INVOICE_ID"
    assert "delt over flere linjer" in broken["message"]
    assert other["reason"] == "MISSING_CPR"  # the next row is read as the row it is
    assert _read(out / "opus_postings.csv", ";") == [] and _read(out / "sensum_paid.csv", ",") == []
    notes = _lines(out / "opus_notes.csv")
    assert len(notes) == 3  # the header and one line per manual invoice
    assert notes[1].startswith("F-1 2;29345716;Robot: Fakturanummeret er delt over flere linjer")


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


def test_an_invoice_number_broken_over_lines_is_the_extracts_to_fix_not_the_suppliers():
    d = frame(
        decision(1, "MISSING_INVOICE_ID", invoice_id="F-1\u20282"),
        decision(2, "MISSING_INVOICE_ID", invoice_id="F-1\n2"),
        decision(3, "MISSING_INVOICE_ID", invoice_id=""),
        decision(4),
    )
    owners = fix_list(d).invoices.set_index("row")["owner"]
    assert owners.to_dict() == {1: "it", 2: "it", 3: "supplier"}
