"""Rows a person hid, filtered away or struck through in a workbook given for invoices, grants, invoice
lines or paid marks (0.9.38). Until then only the support sheet refused them; in every other workbook
the robot read such a row as any other: a filter left on to hide the invoices already paid by hand paid
each of them again, and a grant struck through as void was matched and paid on."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl.styles import Font

from invoicekit.extracts import read_grants, read_invoices
from invoicekit.readers import InputError
from tests.test_review_0936_inputs import (
    GRANT_HEADER,
    GRANTS,
    INVOICE_HEADER,
    MARCH_A,
    SOLHOJ,
    run,
    write_xlsx,
)

#: an invoice for April of the same citizen and grant, paid by hand already
APRIL_A = ["F-2", SOLHOJ, "28500.00", "610190-1234", "2019-04-01", "2019-04-30", "Døgnophold"]


def hide_row(sheet: str, row: int):
    def hook(wb):
        wb[sheet].row_dimensions[row].hidden = True

    return hook


def strike_row(sheet: str, row: int):
    def hook(wb):
        for cell in wb[sheet][row]:
            cell.font = Font(strike=True)

    return hook


def test_an_invoice_row_filtered_away_is_not_paid_unseen(tmp_path, capsys):
    """Finance filtered the month's invoice workbook to hide April's invoice, which was paid by hand, and
    saved it so. The robot read the hidden row and paid April again. The run is refused, exit 2, naming
    the file, the sheet and the row, and saying how to put it right; nothing is written."""
    invoices = write_xlsx(tmp_path / "invoices.xlsx", {"Regninger": [INVOICE_HEADER, MARCH_A, APRIL_A]},
                          hide_row("Regninger", 3))  # fmt: skip
    rc, decisions, _ = run(tmp_path, invoices=invoices)
    err = capsys.readouterr().err
    assert rc == 2 and decisions is None
    assert "invoices.xlsx" in err and "sheet 'Regninger', row 3" in err and "filtered away" in err, err
    assert "clear the filter" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "opus_postings.csv").exists()


def test_an_invoice_row_struck_through_is_not_paid_unseen(tmp_path, capsys):
    """A row struck through reads as void to everyone who opens the workbook; the robot paid it."""
    invoices = write_xlsx(tmp_path / "invoices.xlsx", {"Regninger": [INVOICE_HEADER, MARCH_A, APRIL_A]},
                          strike_row("Regninger", 3))  # fmt: skip
    rc, _, _ = run(tmp_path, invoices=invoices)
    err = capsys.readouterr().err
    assert rc == 2 and "row 3: is struck through" in err and "take the strike off" in err, err


def test_the_same_invoices_shown_are_read_and_paid(tmp_path):
    """The refusal is for hidden rows alone: the same workbook with every row shown pays both months,
    and a blank hidden row (no values) is no reason to refuse."""

    def hide_blank(wb):
        wb["Regninger"].row_dimensions[10].hidden = True

    invoices = write_xlsx(tmp_path / "invoices.xlsx", {"Regninger": [INVOICE_HEADER, MARCH_A, APRIL_A]}, hide_blank)
    rc, decisions, _ = run(tmp_path, invoices=invoices)
    assert rc == 0
    assert decisions["status"].tolist() == ["posted", "posted"], decisions[["status", "reason"]]


def test_a_grant_struck_through_is_not_matched(tmp_path, capsys):
    """A grant struck through in a grants workbook (ended, its end date not yet entered) was matched and
    paid on. Refused as the invoices are."""
    grants = write_xlsx(
        tmp_path / "grants.xlsx", {"Bevillinger": [GRANT_HEADER, *GRANTS]}, strike_row("Bevillinger", 2)
    )
    rc, decisions, _ = run(tmp_path, grants=grants)
    err = capsys.readouterr().err
    assert rc == 2 and decisions is None and "grants.xlsx" in err and "sheet 'Bevillinger', row 2" in err, err


@pytest.mark.parametrize("reader, header, rows", [(read_invoices, INVOICE_HEADER, [MARCH_A, APRIL_A]),
                                                  (read_grants, GRANT_HEADER, GRANTS)])  # fmt: skip
def test_the_readers_refuse_a_hidden_row_by_name(tmp_path, reader, header, rows):
    """The library's readers refuse alike (an InputError naming the sheet and row, the count of the others)."""
    path: Path = write_xlsx(tmp_path / "x.xlsx", {"Ark1": [header, *rows]}, lambda wb: [
        setattr(wb["Ark1"].row_dimensions[r], "hidden", True) for r in (2, 3)])  # fmt: skip
    with pytest.raises(InputError, match=r"sheet 'Ark1', row 2.*is hidden \(and 1 more\)"):
        reader(path)


def group_rows(sheet: str, first: int, last: int):
    """Rows ``first`` to ``last`` in an outline group, collapsed (Data, Group, then the − in the margin)."""

    def hook(wb):
        wb[sheet].row_dimensions.group(first, last, outline_level=1, hidden=True)

    return hook


def test_an_invoice_row_in_a_collapsed_group_is_refused_and_named_so(tmp_path, capsys):
    """Finance grouped the invoices already paid by hand and collapsed the group: the rows show as a + in
    the margin, not as hidden rows, so "hidden, or filtered away" (0.9.38) sent them looking for a hidden
    row or a filter they could not find. The error names the collapsed group and says to expand it."""
    invoices = write_xlsx(tmp_path / "invoices.xlsx", {"Regninger": [INVOICE_HEADER, MARCH_A, APRIL_A]},
                          group_rows("Regninger", 3, 3))  # fmt: skip
    rc, decisions, _ = run(tmp_path, invoices=invoices)
    err = capsys.readouterr().err
    assert rc == 2 and decisions is None
    assert "sheet 'Regninger', row 3: is in a collapsed group" in err and "expand the group" in err, err
    assert "or delete the row if it is not meant to be read" in err and "show it" not in err, err


def test_a_coding_row_in_a_collapsed_group_is_refused_and_named_so(tmp_path, capsys):
    """The support sheet's retired rows kept in a collapsed group: the sheet is refused as for a hidden
    row (0.9.36), now naming the group, with the support sheet's own advice for a row not in use."""
    from tests.test_review_0937_support_sheet import coding_2018_only

    support = write_xlsx(tmp_path / "support.xlsx", coding_2018_only(), group_rows("coding", 2, 3))
    rc, _, _ = run(tmp_path, support=support)
    err = capsys.readouterr().err
    assert rc == 2 and "sheet 'coding', row 2: is in a collapsed group (and 1 more)" in err, err
    assert "expand the group" in err and "end it with a valid_to (Gyldig til) date" in err, err
