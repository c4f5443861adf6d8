"""A review of 0.9.30's line breaks (README: "An invoice number broken over lines ..."). A manual
invoice's message has its line breaks made spaces *before* it is masked, because ``010190⏎1234`` is two
lines and no CPR number, and on one line it is one (cells.fix_unsafe). decisions.csv and opus_notes.csv
masked such a number; each test below showed a place that saw the same text but masked it as two lines (the
journal's copy, ``explain``) or made it one line after it was masked (an invalid CVR in opus_notes.csv), so a
CPR number the robot masked in decisions.csv was kept in full elsewhere, and one where the import files'
writer failed on a column in chunks. Each failed on the version before its mend.

Each run is ``invoicekit run`` on the example municipality (tests/data/example: citizen 610190-1234 has
B-1001, § 108 at Solhøj CVR 29345716, 28,500 kr. a month).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from invoicekit.cli import main
from invoicekit.post import write_csv
from invoicekit.texts import TEXT
from tests.conftest import invoice, journal_text

HEADER = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text"]
#: the digits 0101901234 (a CPR-shaped number) with anything but digits between them
CPR_SPLIT = re.compile(r"0\D{0,3}1\D{0,3}0\D{0,3}1\D{0,3}9\D{0,3}0\D{0,3}1\D{0,3}2\D{0,3}3\D{0,3}4")
#: the CPR number written in pairs over lines, as a supplier's cell may hold it; on one line
#: ("0101 90 1234") every writer of invoicekit masks it
#: (line feed, carriage return, U+2028 and U+2029 alike; the vertical tab and the separators happen to be
#: masked as they are)
BROKEN = ["0101\n90\n1234", "0101\u202890\u20281234", "01\u202901\u202990\u202912\u202934"]


def _invoices(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        w.writerow(HEADER)
        for r in rows:
            w.writerow([r.get(c, "") for c in HEADER])
    return path


def _argv(case: Path, invoices: Path) -> list[str]:
    return ["--grants", str(case / "bevillinger.csv"), "--invoices", str(invoices),
            "--support-sheet", str(case / "stoetteark.xlsx")]  # fmt: skip


def _read(path: Path, sep: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=sep))


# ---------------------------------------------------------------- 1. the journal's copy of the messages


@pytest.mark.parametrize("cell", BROKEN, ids=["LF", "U+2028", "U+2029"])
def test_a_cpr_number_broken_over_lines_in_a_message_is_masked_in_the_journal_as_in_decisions_csv(
    example_case, tmp_path, capsys, cell
):
    # CPR NUMBER KEPT IN THE JOURNAL. A period date cell holding the CPR number in pairs over lines is quoted
    # in the manual invoice's message (MISSING_PERIOD: "Periodedatoen '0101⏎90⏎1234' kan ikke læses ...").
    # decisions.csv and opus_notes.csv make the line breaks spaces and then mask: "010190-xxxx". The
    # journal's copy (journal._journal_table: mask_arrow(arr, within=message_found)) masks the message as it
    # is, with its line breaks, where mask_cpr_text sees no CPR number: the journal, kept for years and read
    # by `actions`, `report followup` and `sample`, holds the citizen's CPR number in full, which the run's
    # own decisions.csv masks. `within` (scan_messages with breaks) does hold the cell; it is the masking of
    # it that is not the files' (no line breaks made spaces first). Every later report that prints the
    # message (Excel shows a cell's line feeds as nothing without wrap: 0101901234) shows it.
    journal = tmp_path / "j.sqlite"
    invoices = _invoices(tmp_path / "i.csv", invoice(period_start=cell, text="x"))
    argv = ["run", *_argv(example_case, invoices), "--out", str(tmp_path / "o"), "--new-journal", str(journal)]
    assert main(argv) == 0
    [decision] = _read(tmp_path / "o" / "decisions.csv", ",")
    assert decision["reason"] == "MISSING_PERIOD"
    assert not CPR_SPLIT.search(decision["message"])  # holds: masked once on one line ("010190-xxxx")
    assert not CPR_SPLIT.search(journal_text(journal))


def test_explain_masks_a_cpr_number_broken_over_lines_in_the_message_as_decisions_csv_does(
    example_case, tmp_path, capsys
):
    # CPR NUMBER PRINTED. `explain` says "CPR numbers are masked", and prints the invoice's message
    # ("Besked: ...") as decide made it: with the line breaks, so a CPR number in pairs over lines, which
    # decisions.csv masks since 0.9.30 (one line first, then masked), is printed in full, a pair a line.
    invoices = _invoices(tmp_path / "i.csv", invoice(period_start="0101\n90\n1234", text="x"))
    capsys.readouterr()
    assert main(["explain", *_argv(example_case, invoices), "--invoice-id", "F-1"]) == 0
    out = capsys.readouterr().out
    assert "Besked:" in out
    assert not CPR_SPLIT.search(out)


# ---------------------------------------------------------------- 2. opus_notes.csv's supplier column


@pytest.mark.parametrize("cell", BROKEN, ids=["LF", "U+2028", "U+2029"])
def test_an_invalid_cvr_that_is_a_cpr_number_broken_over_lines_is_masked_in_opus_notes(
    example_case, tmp_path, capsys, cell
):
    # CPR NUMBER IN OPUS. An invalid supplier CVR cell that reads as a CPR number is masked where it is read
    # (extracts._typed_invoices: mask_cprs_in), so opus_notes.csv's supplier_cvr says 010190-xxxx for
    # "0101901234" or "0101 90 1234". Broken over lines the cell is no CPR number to that masking (two lines),
    # and is kept; then write_csv makes the exact column one line (texts.one_line) after it was masked, and
    # the note's row reads "0101 90 1234": a CPR number in full in a file OPUS imports and people read, the
    # very text that is masked when the extract holds it on one line. (The message beside it is masked.)
    out = tmp_path / "o"
    invoices = _invoices(tmp_path / "i.csv", invoice(supplier_cvr=cell), invoice(invoice_id="F-2",
                         supplier_cvr="0101 90 1234"))  # fmt: skip
    assert main(["run", *_argv(example_case, invoices), "--out", str(out)]) == 0
    broken, whole = _read(out / "opus_notes.csv", ";")
    assert whole["supplier_cvr"] == "010190-xxxx"  # holds: on one line it is masked
    assert not CPR_SPLIT.search(broken["note"])  # holds: the message is masked
    assert not CPR_SPLIT.search(broken["supplier_cvr"]), broken["supplier_cvr"]


# ---------------------------------------------------------------- 3. one_line on a chunked column


def test_the_import_files_writer_takes_a_text_column_in_chunks_as_it_did(tmp_path):
    # CRASH (low: not reached by `run`, whose typed columns are one chunk each). write_csv takes arrow
    # columns in chunks (_arrow passes a pa.ChunkedArray on, _holds_any reads it chunk by chunk, and a
    # pandas str column made by pd.concat of two batches is two chunks); 0.9.29 wrote them. one_line, new in
    # the exact columns' path, asks the column for its buffers (text_bytes), which a ChunkedArray has not:
    # AttributeError, so write_outputs of two batches' decisions put together (pd.concat) fails writing
    # opus_postings.csv.
    column = pd.Series(
        pd.array(pa.chunked_array([pa.array(["a\nb"], pa.large_string()), pa.array(["c"], pa.large_string())]),
                 dtype=TEXT)
    )  # fmt: skip
    path = tmp_path / "a.csv"
    write_csv({"Tekst": column}, path, sep=";", mask=False, exact=("Tekst",))
    assert path.read_text(encoding="utf-8").splitlines() == ["Tekst", "a b", "c"]
