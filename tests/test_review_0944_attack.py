"""Attack on 0.9.44 (r6; the three findings, mended in 0.9.44): the RE2 memo, Excel's error values in arrow, the held coding rows in arrays, and
credit notes never payable in evaluate. The memo, the error values and the held rows held (see the report);
what failed is in evaluate's reading of ``decisions.csv`` against a posting history, and in the fix list's
currency column. Each test reads what a user reads (evaluation.csv, actions.xlsx) and fails on the code as
found."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from invoicekit.cli import main

CVR = "29345716"


def _evaluation(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "evaluation.csv", dtype=str, keep_default_na=False).set_index("invoice_id")


def _against_history(tmp_path: Path, decisions: Path, postings: list[str]) -> pd.DataFrame:
    """``evaluate --decisions`` of ``decisions`` against an OPUS history of ``postings`` (its rows as written)."""
    history = tmp_path / "opus.csv"
    header = "Fakturanummer;Leverandør CVR;Beløb;PSP-element;Artskonto\n"
    history.write_text(header + "".join(f"{row}\n" for row in postings), encoding="utf-8")
    ev = tmp_path / "ev"
    args = ["evaluate", "--decisions", str(decisions), "--history", str(history), "--out", str(ev)]
    assert main([*args, "--quiet"]) == 0
    return _evaluation(ev)


# ---------------------------------------------------------------- 1: a credit note set off counted as paid


def test_history_counts_a_credit_note_set_off_by_hand_as_paid_when_held_before_check_9(tmp_path: Path):
    """Scenario: March's extract holds A-1, an invoice of 31,000 kr. the robot holds for its amount (a
    specialist pays it), and K-2, an e-invoiced credit note of 200 kr.: ``document_type`` credit_note,
    written positive as every e-invoiced credit note is, with no period. The robot holds K-2 at check 6
    (MISSING_PERIOD, before check 9) and its message says so: "Bemærk: dokumentet er en kreditnota; den skal
    ikke betales". The specialists set it off by hand: the OPUS history holds K-2 at -200,00. The analyst runs
    ``evaluate --decisions out/decisions.csv --history opus.csv`` (the README's way for a real test run).

    Found: evaluation.csv says K-2 ``should_pay`` true, ``manual_payable`` ("could be paid"), beside
    ``true_amount`` -200.00: a set-off counted as a payment the robot missed. The same decisions judged in
    memory (``evaluate_history`` on the run's own Decisions, which know the document type) say
    ``manual_held``: the two readings of one run disagree.

    Expected (README, evaluate): "A credit note is never payable, whatever the truth says of it (no money goes
    out for one; the robot holds every one at check 9, and the specialists set it off by hand): held, it is
    `manual_held`, by the truth and by a posting history alike"; and of the history: "`manual_payable`
    (missed) when they paid what the robot sent to manual (a credit note they set off is none: it is
    `manual_held`)". A history whose net for an invoice is below zero shows a set-off, not a payment, and the
    row's own message names the credit note.

    Why it matters: the potential (*Manuel, kunne være betalt*) is inflated by every credit note held before
    check 9 (a credit note seldom states a period), exactly the inflation 0.9.44 says it mended; a business
    case built on it promises savings no rule can win."""
    from tests.test_review_0942_followup import _inputs, _inv

    grants, sheet = _inputs(tmp_path)
    invoices = tmp_path / "invoices-2019-03.csv"
    pd.DataFrame(
        [
            _inv("A-1", "31000"),
            _inv("K-2", "200.00", start="", end="", document_type="credit_note", text="Kreditnota"),
        ]
    ).to_csv(invoices, index=False)
    out = tmp_path / "out"
    run = ["run", "--grants", str(grants), "--invoices", str(invoices), "--support-sheet", str(sheet)]
    assert main([*run, "--out", str(out), "--dry-run", "--quiet"]) == 0
    decided = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False).set_index("invoice_id")
    assert decided.loc["K-2", "reason"] == "MISSING_PERIOD"  # held before check 9
    assert "kreditnota" in decided.loc["K-2", "message"]  # and the row says what it is
    got = _against_history(
        tmp_path, out / "decisions.csv", [f"A-1;{CVR};31.000,00;P108;40000000", f"K-2;{CVR};-200,00;P108;40000000"]
    )
    assert got.loc["A-1", "outcome"] == "manual_payable"
    assert got.loc["K-2", "true_amount"] == "-200.00"
    assert (got.loc["K-2", "outcome"], got.loc["K-2", "should_pay"]) == ("manual_held", "false"), (
        "a credit note the specialists set off (-200,00 in the history) is counted as one they paid"
    )


# ---------------------------------------------------------------- 2: a collective invoice taken for a credit note


def test_decisions_csv_takes_a_collective_invoice_with_one_credit_line_for_a_credit_note(tmp_path: Path):
    """Scenario: a supplier sends collective invoice S1 of 29,000 kr. for March with its lines: Anna's stay,
    30,000 kr., and a correction for Bo, -1,000 kr. The robot decides it line by line; line 2 fails check 9,
    so S1 goes to manual as ``CREDIT_NOTE`` ("Samlefakturaen er ikke bogført ... Linje 2 ... en kreditnota"),
    and ``decision_lines.csv`` beside ``decisions.csv`` lists both lines. The specialists pay S1 (the OPUS
    history holds 30,000,00 and -1.000,00 under S1: net 29,000 kr.). The analyst runs ``evaluate --decisions
    out/decisions.csv --history opus.csv``.

    Found: S1 is ``manual_held`` with ``should_pay`` false ("rightly held"), though the history shows it paid:
    since 0.9.44 ``credit_notes`` makes every untyped row of reason CREDIT_NOTE never payable, and a
    collective invoice held for one credit line has that reason. Judged in memory (the run's Decisions, whose
    ``document_type`` is invoice) the same S1 is ``manual_payable``; so it was in ``evaluate --decisions``
    before 0.9.44. (The truth path, ``--truth`` with ``should_pay`` true, says ``manual_held`` too.)

    Expected (README): "a collective invoice with one credit line, or a debit note, which the robot holds as
    `CREDIT_NOTE`, is no credit note here", and of the history "`manual_payable` (missed) when they paid what
    the robot sent to manual". The README's limit for ``decisions.csv`` ("knows a credit note written positive
    by its reason `CREDIT_NOTE`") speaks of credit notes; S1 is an invoice of a positive amount, and its lines
    in ``decision_lines.csv`` (which evaluate reads) say it was decided line by line.

    Why it matters: a payable invoice the specialists paid is reported as rightly held: the potential is
    understated and the evaluation contradicts the history it was given, differently from the same run judged
    in memory."""
    from tests.test_lines import ANNA, BO, GRANTS, SHEET

    pd.DataFrame(GRANTS).to_csv(tmp_path / "grants.csv", index=False)
    invoices = tmp_path / "invoices-2019-03.csv"
    s1 = {"invoice_id": "S1", "supplier_cvr": CVR, "amount": "29000.00", "cpr": "", "period_start": "2019-03-01",
          "period_end": "2019-03-31", "text": "Samlefaktura marts 2019"}  # fmt: skip
    pd.DataFrame([s1]).to_csv(invoices, index=False)
    pd.DataFrame(
        [
            {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "1", "cpr": ANNA, "amount": "30000.00"},
            {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "2", "cpr": BO, "amount": "-1000.00"},
        ]
    ).to_csv(tmp_path / "lines.csv", index=False)
    with pd.ExcelWriter(tmp_path / "sheet.xlsx") as w:
        for name, frame in SHEET.items():
            frame.to_excel(w, sheet_name=name, index=False)
    out = tmp_path / "out"
    run = ["run", "--grants", str(tmp_path / "grants.csv"), "--invoices", str(invoices), "--invoice-lines",
           str(tmp_path / "lines.csv"), "--support-sheet", str(tmp_path / "sheet.xlsx"), "--out", str(out)]  # fmt: skip
    assert main([*run, "--dry-run", "--quiet"]) == 0
    decided = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    assert decided[["invoice_id", "reason", "amount"]].values.tolist() == [["S1", "CREDIT_NOTE", "29000.00"]]
    assert (out / "decision_lines.csv").exists()
    got = _against_history(
        tmp_path, out / "decisions.csv", [f"S1;{CVR};30.000,00;P1;40000000", f"S1;{CVR};-1.000,00;P1;40000000"]
    )
    assert got.loc["S1", "true_amount"] == "29000.00"
    assert (got.loc["S1", "outcome"], got.loc["S1", "should_pay"]) == ("manual_payable", "true"), (
        "a collective invoice the specialists paid (29,000 kr.) is counted as a credit note rightly held"
    )


# ---------------------------------------------------------------- 3: the fix list's currency in capitals


def test_fix_list_shows_a_masked_cpr_number_without_its_leading_zero_in_capitals(tmp_path: Path):
    """Scenario: in March Anna's stay is posted; on a second invoice the supplier keyed the citizen's CPR number
    into the currency column, as Excel stores it, a number without its leading zero (``101901234`` for
    010190-1234; the spec: "Excel often stores a CPR or CVR as a number and drops a leading zero"). The robot
    holds it at check 8, and the journal, decisions.csv and the message keep the currency masked as the
    extract shows it: ``10190xxxx``. The administration opens ``invoicekit actions``' workbook.

    Found: *Manuelle fakturaer* shows *Valuta* ``10190XXXX`` beside the row's own message "Fakturaen er i
    valutaen '10190xxxx'": ``evaluate.currencies`` (0.9.44) keeps a cell as written only where it holds the
    masked form ``-xxxx``, and upper-cases every other masked form.

    Expected (README, fix list): "a CPR number keyed into the currency column is shown there masked as
    written, `010190-xxxx`: until 0.9.44 in capitals, `010190-XXXX`"; the 0.9.44 mend's own reason: in
    capitals it is "a masked form no search for one finds".

    Why it matters: the fix list, which people search and compare with the journal and the message beside
    it, shows a masked number in a form nothing else writes (no digits are shown: a small harm)."""
    from tests.test_review_0942_followup import _inv, _journal

    journal = _journal(tmp_path, {"2019-03": [_inv("F-1", "30000"), _inv("E-1", "1000", currency="101901234")]})
    assert main(["actions", "--journal", str(journal), "--out", str(tmp_path / "act"), "--quiet"]) == 0
    ws = load_workbook(tmp_path / "act" / "actions.xlsx")["Manuelle fakturaer"]
    rows = list(ws.iter_rows(values_only=True))
    sheet = pd.DataFrame(rows[1:], columns=rows[0]).set_index("Fakturanummer")
    message = next(v for v in sheet.loc["E-1"] if isinstance(v, str) and "valutaen" in v)
    assert "'10190xxxx'" in message  # as the journal and decisions.csv show it
    assert sheet.loc["E-1", "Valuta"] == "10190xxxx"
