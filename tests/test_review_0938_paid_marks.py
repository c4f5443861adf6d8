"""An attack on Sensum's paid marks (0.9.38): a mark whose own CPR number is not its grant's citizen's, and a reversal, held invoices back unsaid."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicekit import decide, prepare_grants, prepare_invoices, prepare_support_sheet
from invoicekit.paid_marks import prepare_paid_marks, read_paid_marks
from tests.conftest import SOLHOJ, grants_table, invoice, support_tables

#: a second citizen at Solhøj, with a grant of her own of the same service
OTHER = "0101901234"


def _grants() -> pd.DataFrame:
    other = pd.DataFrame(
        [("G-O108", OTHER, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", "")],
        columns=grants_table().columns,
    )
    return pd.concat([grants_table(), other], ignore_index=True)


def _decide(*invoices: dict, marks):
    return decide(
        prepare_invoices(pd.DataFrame(list(invoices))),
        prepare_grants(_grants()),
        prepare_support_sheet(support_tables()),
        paid=marks,
    )


def test_a_mark_whose_own_cpr_is_not_its_grants_citizen_is_said():
    """A mark of grant G-A108 (citizen A's in the grant extract) whose own CPR cell names another
    citizen (010190-1234, who has a grant of her own at the same supplier) contradicts the extract:
    one of the two is wrong, and Sensum's mark may belong to either. The robot holds both citizens'
    March invoices (the mark's own cells add to what the extract says, README "A period paid by
    hand is not paid again"), which is safe, but nothing says why: A's message states as fact
    "Bevilling G-A108 er allerede betalt … Er det dobbeltfakturering, så betal den ikke, og afvis
    den over for leverandøren", and input_problems.csv lists the mark only for its blank service,
    never for its CPR number. A caseworker who follows the message rejects A's supplier's invoice
    although the only payment Sensum shows may be the other citizen's. Every other mark the robot
    reads otherwise than it is written is listed in input_problems.csv (README: "A mark that cannot
    be read is never taken as unpaid … and is listed in input_problems.csv"); right: the mark is
    listed in input_problems.csv under its `cpr` column (its CPR number is not its grant's
    citizen's), so that whoever opens the held invoice can see the mark is in doubt."""
    marks = prepare_paid_marks(
        pd.DataFrame(
            [("G-A108", "01.03.2019", "31.03.2019", "HAND-7", "010190-1234", SOLHOJ)],
            columns=["grant_id", "period_start", "period_end", "invoice_id", "cpr", "supplier_cvr"],
        )
    )
    d = _decide(invoice(invoice_id="A-MAR"), marks=marks)
    assert d.decisions["reason"].tolist() == ["ALREADY_PAID"]  # held: safe, and not the finding
    said = d.problems[(d.problems["file"] == "paid") & (d.problems["row"] == 1)]
    assert "cpr" in said["column"].tolist(), (
        "the mark whose CPR number is not its grant's citizen's is not listed for it: "
        f"{said[['column', 'problem']].values.tolist()}"
    )


def test_a_reversal_mark_with_a_negative_amount_is_not_taken_silently_as_a_payment(tmp_path: Path):
    """Sensum's paid-marks export carries the amount of each mark, as the robot's own
    sensum_paid.csv does (`amount`, which reads back as marks: README "a run's own sensum_paid.csv
    reads as one"). A reversal (a payment registered on the wrong grant and cancelled, or a credit
    registered against the period) is a row with a negative amount. The reader drops the amount
    unread, so a reversal row holds the period exactly as a payment does, and the caseworker is told
    "Bevilling G-A108 er allerede betalt … (markeret betalt i Sensum for 01.03.2019–31.03.2019,
    faktura HAND-1-K) … afvis den over for leverandøren" on the strength of a row that records money
    going back, not out. Holding the invoice is the safe side (README: a mark "can only hold an
    invoice back"), but a mark read otherwise than it says must be listed, as a mark whose period
    cannot be read is (README "… and is listed in input_problems.csv"); right: a mark whose amount
    is negative (or zero) is listed in input_problems.csv (column `amount`) as a reversal counted
    as paid, or is not counted as a payment at all."""
    path = tmp_path / "markeringer.csv"
    path.write_text(
        "Bevilling;Periode fra;Periode til;Fakturanummer;Beløb\nG-A108;01.03.2019;31.03.2019;HAND-1-K;-28.500,00\n",
        encoding="utf-8",
    )
    marks = read_paid_marks(path)
    d = _decide(invoice(invoice_id="A-MAR"), marks=marks)
    listed = d.problems[(d.problems["file"] == path.name) & (d.problems["row"] == 1)]
    held = d.decisions["reason"].tolist() == ["ALREADY_PAID"]
    assert not held or len(listed), (
        "a reversal (negative amount) held the invoice as a payment and is listed nowhere: "
        f"{d.decisions['message'].iat[0][:160]}"
    )
