"""Review r5 of the 0.9.43 mends to money in other currencies and prepayments (``CHANGES.diff``): each test
builds its own small extracts in tmp_path, runs the command a user runs, reads what it writes, and fails on
the code as found."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicekit.cli import main
from tests.test_review_0942_followup import ANNA, CVR, _inputs, _inv

BO = "0202801234"


def _two_citizen_grants(folder: Path) -> tuple[Path, Path]:
    """The grants of test_review_0942_followup with a second citizen, Bo, at the same supplier and rate."""
    grants, sheet = _inputs(folder)
    g = pd.read_csv(grants, dtype=str, keep_default_na=False)
    bo = g.assign(grant_id="G2", cpr=BO)
    pd.concat([g, bo]).to_csv(grants, index=False)
    return grants, sheet


def _line(invoice: str, no: str, cpr: str, amount: str) -> dict:
    return {"invoice_id": invoice, "supplier_cvr": CVR, "line_no": no, "cpr": cpr, "amount": amount, "currency": ""}


# ---------------------------------------------------------------- 1


def test_a_line_whose_amount_names_the_euro_is_reported_as_a_line_in_another_currency_column(tmp_path):
    """Scenario: March's collective invoice S-1 from one supplier bills Anna and Bo, 30,000 kr. each, 60,000 kr.
    in all, with its lines in ``--invoice-lines``. Line 1's amount cell reads ``30000 EUR`` (a workbook's
    currency format, or the supplier's own writing); the lines file's ``currency`` cell of that line is blank.
    The robot cannot use that line and holds the invoice (LINES_MISMATCH), in 0.9.42 and now alike.

    Now: since 0.9.43's mend (extracts._add_amounts_currency sets ``currency_ok`` False, and
    extracts._typed_lines reads the line through it) the caseworker's message changed from 0.9.42's
    "Samlefakturaens linjer stemmer ikke med fakturaen (beløbet på linje 1 kan ikke læses)" to "(linje 1 kan
    ikke bruges (se input_problems.csv))", and input_problems.csv, where it sends the caseworker, names the
    line's column ``currency`` with "linjen er ikke i DKK; linjer bogføres kun i DKK", a cell that is blank.

    Spec/README: errors are clear, naming "which file, which row/column, what was expected"; the README's
    input_problems.csv lists "every … invoice-line … row left out … and why"; and the mend was meant to change
    no decision nor message ("the robot holds the invoice for its amount either way"; the brief: the robot's
    decisions and messages must be the same as 0.9.42's for every extract). Why it matters: the caseworker is
    sent to a column that holds nothing and told the line's currency is wrong, while the cell to correct (the
    amount) goes unnamed; the message of an unchanged decision changed under a mend that was to change none."""
    grants, sheet = _two_citizen_grants(tmp_path)
    pd.DataFrame([_inv("S-1", "60000", cpr=f"{ANNA}, {BO}")]).to_csv(tmp_path / "inv.csv", index=False)
    lines = [_line("S-1", "1", ANNA, "30000 EUR"), _line("S-1", "2", BO, "30000")]
    pd.DataFrame(lines).to_csv(tmp_path / "lines.csv", index=False)
    out = tmp_path / "out"
    args = ["run", "--grants", str(grants), "--invoices", str(tmp_path / "inv.csv"), "--invoice-lines",
            str(tmp_path / "lines.csv"), "--support-sheet", str(sheet), "--out", str(out), "--dry-run", "--quiet"]  # fmt: skip
    assert main(args) == 0
    decisions = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    assert decisions["reason"].tolist() == ["LINES_MISMATCH"]  # held, as 0.9.42 held it
    problems = pd.read_csv(out / "input_problems.csv", dtype=str, keep_default_na=False)
    blamed = problems[(problems["file"] == "lines.csv") & (problems["column"] == "currency")]
    assert blamed.empty, (
        "input_problems.csv blames the blank currency cell of a line whose amount cell names the euro:\n"
        + blamed.to_string()
    )
    message = decisions.loc[0, "message"]
    assert "beløbet på linje 1 kan ikke læses" in message, f"the message is no longer 0.9.42's: {message!r}"


# ---------------------------------------------------------------- 2


def test_the_summary_says_the_currency_column_holds_a_currency_the_extract_has_no_column_for(tmp_path, capsys):
    """Scenario: March's invoice extract (CSV) has no currency column at all; Anna's stay of 30,000 kr. and six
    invoices from a German supplier whose amount cells read ``EUR 28.500,00``. The robot reads no amount in
    kroner in each and holds the six (INVALID_AMOUNT, "Beløbet 'EUR 28.500,00' er ikke et beløb i kroner og
    øre"), rightly.

    Now: the summary on stdout says "Most invoices share one problem: 6 of 7 (86%) are INVALID_AMOUNT; they
    are in another currency than kroner, as the currency column (Valuta) says: the robot posts kroner only;
    check that the column holds each invoice's currency (blank or DKK for kroner)" (run.amount_causes counts
    every ``currency_ok`` False under ``currency`` since the mend, also the currency
    extracts._add_amounts_currency read from the amount cell, and run.AMOUNT_CAUSE has one sentence for both).
    The extract has no Valuta column; the euro is in the amount cells (likewise a workbook whose amount cells
    are formatted ``#,##0.00 [$€-407]``, its Valuta column blank).

    README (``run``): the summary names "the likely cause … for `INVALID_AMOUNT` what held most of them: an
    amount that cannot be read, another currency, or a prepayment"; spec: clear errors. Why it matters: the
    user is told that a column says something it does not say (here: a column the file does not have) and
    sent to check it, while what to look at, the amount cells, goes unsaid: a misleading message of the very
    kind the mend was made to end."""
    grants, sheet = _inputs(tmp_path)
    rows = [_inv("F-1", "30000"), *(_inv(f"E-{k}", "EUR 28.500,00") for k in range(1, 7))]
    for r in rows:
        del r["currency"]
    pd.DataFrame(rows).to_csv(tmp_path / "invoices-2019-03.csv", index=False)
    args = ["run", "--grants", str(grants), "--invoices", str(tmp_path / "invoices-2019-03.csv"), "--support-sheet",
            str(sheet), "--out", str(tmp_path / "out"), "--dry-run"]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    reasons = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)["reason"].tolist()
    assert reasons == ["", *["INVALID_AMOUNT"] * 6]
    summary = next((line for line in printed.splitlines() if line.startswith("Most invoices share one problem")), "")
    assert "INVALID_AMOUNT" in summary  # the summary names the shared reason
    assert "currency column (Valuta) says" not in summary, (
        f"the summary cites a currency column the extract does not have:\n{summary}"
    )
