"""Mends of 0.9.44 in the analysis commands: a credit note is never payable (evaluate by truth and by
history agree), clusters.csv's median takes kroner only, the types credit flag is evaluate's, and the fix
list keeps a masked CPR number as written. Each test reads what a user reads (evaluate's table and
evaluation.csv, clusters.csv, the types table, actions.xlsx) and failed on the code as found."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicekit.evaluate import evaluate, evaluate_history
from invoicekit.posting_history import prepare_posting_history

CVR = "29345716"


def _decisions(rows: list[tuple[str, str, str, str, str, str, float]]) -> pd.DataFrame:
    """(invoice_id, status, reason, grant_id, psp_element, art, amount in DKK), one supplier."""
    d = pd.DataFrame(rows, columns=["invoice_id", "status", "reason", "grant_id", "psp_element", "art", "amount"])
    return d.assign(row=range(1, len(d) + 1), supplier_cvr=CVR)


# ---------------------------------------------------------------- 1: a credit note is never payable


def test_a_credit_note_set_off_by_hand_is_not_counted_payable_by_history_nor_by_truth(tmp_path: Path):
    """Scenario: a month of three invoices of one supplier. A (1,000 kr.) the robot held for an amount that
    did not match, and a specialist paid it; K-1 is a credit note of 500 kr. written negative, K-2 one of
    200 kr. written positive (as the spec allows: known by check 9's reason). The robot holds both credit
    notes (check 9), as it must; the specialists set them off by hand, so the OPUS history holds their
    negative postings, and the truth says ``should_pay`` true for them (they were acted on).

    Found: ``evaluate --history`` counted each credit note ``manual_payable`` ("Manuel, kunne være betalt":
    what better data and rules could win), and so did ``evaluate`` by the truth. But the robot never posts a
    credit note, and no money goes out for one: the potential was inflated by every credit note of the
    period. A credit note is rightly held, by history and by truth alike (the two must agree)."""
    decisions = _decisions(
        [
            ("A", "manual", "AMOUNT_MISMATCH", "", "", "", 1000.00),
            ("K-1", "manual", "CREDIT_NOTE", "", "", "", -500.00),
            ("K-2", "manual", "CREDIT_NOTE", "", "", "", 200.00),
        ]
    )
    history = prepare_posting_history(
        pd.DataFrame(
            [
                ("A", "1.000,00", "P1", "40000000"),
                ("K-1", "-500,00", "P1", "40000000"),
                ("K-2", "-200,00", "P1", "40000000"),
            ],
            columns=["Fakturanummer", "Beløb", "PSP-element", "Artskonto"],
        ).assign(**{"Leverandør CVR": CVR})
    )
    truth = pd.DataFrame(
        {
            "supplier_cvr": CVR,
            "invoice_id": ["A", "K-1", "K-2"],
            "should_pay": "true",
            "true_grant_id": "G1",
            "true_psp_element": "P1",
            "true_art": "40000000",
        }
    )
    expected = {"A": "manual_payable", "K-1": "manual_held", "K-2": "manual_held"}
    for name, ev in (("history", evaluate_history(decisions, history)), ("truth", evaluate(decisions, truth))):
        got = dict(zip(ev.invoices["invoice_id"], ev.invoices["outcome"], strict=True))
        assert got == expected, f"judged by the {name}: {got}"
        assert ev.summary["manual_payable"] == 1 and ev.summary["manual_held"] == 2, name
        assert ev.summary["potential_rate"] == 1 / 3, name
        written = pd.read_csv(ev.write(tmp_path / name)["csv"], dtype=str, keep_default_na=False)
        assert written.set_index("invoice_id").loc[["K-1", "K-2"], "outcome"].tolist() == ["manual_held"] * 2, name
        assert written.set_index("invoice_id").loc[["K-1", "K-2"], "should_pay"].tolist() == ["false"] * 2, name
