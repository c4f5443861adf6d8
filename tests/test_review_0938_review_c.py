"""A last review of 0.9.38's reading mends: a quoted cell beginning with a line break, and a line's period under Fra dato, Leveret fra or Startdato."""

from __future__ import annotations

import pytest

from tests.test_review_0938_extract_files import SOLHOJ, A, run, write_text
from tests.test_review_0938_lines import bos_february_with_line_periods_under


def _quoted(row: list[str]) -> str:
    return ";".join('"' + c.replace('"', '""') + '"' for c in row)


def test_a_quoted_cell_beginning_with_a_line_break_refuses_a_correct_all_quoted_file(tmp_path):
    """What goes wrong: an invoice extract written with every field quoted (as many systems and
    LibreOffice's "quote all text cells" write CSV), CRLF line ends, one invoice whose text cell
    begins with a line break (Alt+Enter typed first in Excel: ``"\\nDøgnophold marts"``). The file
    is correct CSV, but it is refused (exit 2): "row 1, column 'Tekst': a quote (") opened here is
    not closed in its row, but by a quote inside a later one". ``readers._refuse_swallowing``
    looks for the cell in the raw bytes as ``'"' + first line + '\\n'``; with an empty first line
    that is ``"\\n``, which it finds at the header's closing quote, and then takes the next quote
    (row 1's opening quote of ``"F-1"``, followed by ``F``) for the cell's closing one.

    Why it matters: a correct extract refused as a whole: no invoice of the batch is paid until
    someone edits the export. README (Reading): a cell Excel wrapped and quoted, closed by its
    quote and a separator or the line's end, is read; robot spec: exit 2 only "when an input
    cannot be used at all".

    Right behaviour: the run completes (exit 0) and F-1 is posted for March like the same file
    without the leading line break."""
    header = ["Fakturanr", "CVR", "Beløb", "CPR", "Periode fra", "Periode til", "Tekst"]
    row = ["F-1", SOLHOJ, "28.500,00", A, "01.03.2019", "31.03.2019", "\nDøgnophold marts"]
    invoices = write_text(tmp_path / "regninger.csv", "\r\n".join(map(_quoted, [header, row])) + "\r\n")
    rc, decisions, _ = run(tmp_path, invoices)
    assert rc == 0, "a correct all-quoted extract with a cell beginning with a line break refused"
    assert decisions["status"].tolist() == ["posted"]


@pytest.mark.parametrize(
    ("start", "end"),
    [("Fra dato", "Til dato"), ("Leveret fra", "Leveret til"), ("Startdato", "Slutdato")],
    ids=["fra-dato", "leveret", "startdato"],
)
def test_a_lines_period_in_fra_dato_columns_is_paid_as_the_invoices_month(tmp_path, start, end):
    """What goes wrong: a supplier's lines extract gives each line's period in ``Fra dato``/``Til
    dato`` (or ``Leveret fra``/``Leveret til``, ``Startdato``/``Slutdato``), ordinary Danish
    headers the robot does not read. Until 26532df ``_refuse_unread_periods`` refused such an
    extract (``start_date_columns``: a word ``fra``, or one beginning ``start``); 26532df narrowed
    the guard to headers that also name a period (``Periode…``, ``Første dag``), so these columns
    are now passed over in silence, every line gets the invoice's period (March, from
    "Samlefaktura marts 2019"), and Bo's FEBRUARY line is posted as March although invoice B2 in
    the same batch already pays his February.

    Why it matters: a double payment (Bo's February twice, booked as March in OPUS and Sensum).
    README (Columns): an extract with no period column of a known name and "a column named for the
    period's start or end ... that holds dates ... is refused, naming it: a lines extract so headed
    had its lines' periods unread, each line given the invoice's, and a February line was paid as
    March"; tests/test_review_0938_review_b.py names ``Leveret fra``/``til`` as what the guard is
    for. Robot spec "Collective invoices": a line gets the invoice's period only when its period
    cells are blank.

    Right behaviour: exit 2 naming the column, or Bo's February line never posted as March."""
    code, bo = bos_february_with_line_periods_under(tmp_path, start, end)
    if code == 2:
        return  # refused, naming the column: right
    assert len(bo) == 1, f"Bo's February paid twice, the second time as March:\n{bo.to_string()}"
