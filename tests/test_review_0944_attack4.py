"""Review r9 of 0.9.44 (its finding mended in 0.9.44). Attack r9 on 0.9.44: evaluate's judging of collective invoices found by number, credit lines and the
decisions file key (``decisions_file``, ``_never_payable``, ``_by_number``/``_join``'s ``truth_at``,
``agree_by_lines``). Each test runs what a user runs (``invoicekit run``, ``invoicekit evaluate``, the library's
``evaluate``), reads what they write (evaluation.csv) and fails on the code as found."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicekit.cli import main
from invoicekit.evaluate import evaluate
from tests.test_review_0944_attack2 import ANNA, BO, CVR, TRUTH_COLUMNS, _dry_run, _in_memory, _invoice, _line


def test_a_collective_invoice_held_for_a_credit_line_read_back_counts_its_resend_as_another_invoice(
    tmp_path: Path,
):
    """Scenario: a test period without posting (dry runs, each month's folder whole). In March a supplier sends
    S1, a collective invoice of 29,000 kr.: Anna's stay 30,000 and a correction for Bo of -1,000. The robot
    decides it line by line, holds it as ``CREDIT_NOTE`` for line 2, and ``decision_lines.csv`` lists both
    lines (line 1 billed, not held so). In April the supplier sends S1 again under the same number, corrected
    (Anna 30,000, Bo 20,000); this run (a dry run, no journal) posts it. The truth has a row for each month.
    The analyst runs ``evaluate --decisions 2019-03/decisions.csv 2019-04/decisions.csv --truth truth.csv``;
    the same two runs judged in memory (the library's ``evaluate`` on the runs' own Decisions and lines, as
    ``--world`` judges them) give the reference.

    Found: in memory S1 is one invoice, counted at its first decision (March, ``manual_payable``); read back
    from the files it is two: March's ``manual_payable`` and April's posting ``posted_wrong`` (2 invoices, 1
    posted, error rate 100 % where in memory nothing was posted). ``_never_payable`` now exempts S1 from being
    a credit note (its lines show a credit line beside a billed one), but ``first_decision`` (called by
    ``_join``) still keys it by ``credit_notes``, which reads the reason ``CREDIT_NOTE`` alone: S1 of March
    is taken for a credit note, "a document of its own", and April's S1 for another invoice.

    Expected (README, evaluate): "Each invoice counts once, at its first decision"; "Read back from
    `decisions.csv`, which has no document type, a credit note is known by its amount or its reason
    `CREDIT_NOTE`; a collective invoice held so for a credit line, whose lines `decision_lines.csv` holds, is
    an invoice all the same"; and the task's promise that judging a run in memory and its written files agree.

    Why it matters: the figures of one set of runs depend on how they are read: an invoice counted twice, a
    posting the rule leaves out counted wrong, the automation and error rates off (here 0 % against 50 %
    automation, no posting against an error rate of 100 %)."""
    march_invoices = [_invoice("S1", "29000.00", text="Samlefaktura marts 2019")]
    march_lines = [_line("S1", "1", ANNA, "30000.00"), _line("S1", "2", BO, "-1000.00")]
    april_invoices = [_invoice("S1", "50000.00", text="Samlefaktura marts 2019")]
    april_lines = [_line("S1", "1", ANNA, "30000.00"), _line("S1", "2", BO, "20000.00")]
    march = _dry_run(tmp_path, "2019-03", march_invoices, march_lines)
    april = _dry_run(tmp_path, "2019-04", april_invoices, april_lines)
    assert pd.read_csv(march, dtype=str)[["invoice_id", "status", "reason"]].values.tolist() == [
        ["S1", "manual", "CREDIT_NOTE"]
    ]
    assert pd.read_csv(april, dtype=str)["status"].tolist() == ["posted"]
    truth = pd.DataFrame(
        [
            ["2019-03", "1", CVR, "S1", "true", "G1;G2", "P1", "40000000"],
            ["2019-04", "1", CVR, "S1", "false", "", "", ""],
        ],
        columns=["month", "row", *TRUTH_COLUMNS],
    )
    truth.to_csv(tmp_path / "truth.csv", index=False)

    # the same runs judged in memory: one invoice, at its first decision
    m1, m2 = _in_memory(march_invoices, march_lines), _in_memory(april_invoices, april_lines)
    decisions = pd.concat(
        [m1.decisions.assign(month="2019-03"), m2.decisions.assign(month="2019-04")], ignore_index=True
    )
    lines = pd.concat([m1.lines.assign(month="2019-03"), m2.lines.assign(month="2019-04")], ignore_index=True)
    in_memory = evaluate(decisions, truth, lines).invoices
    assert in_memory[["month", "invoice_id", "outcome"]].values.tolist() == [["2019-03", "S1", "manual_payable"]]

    ev = tmp_path / "ev"
    args = ["evaluate", "--decisions", str(march), str(april), "--truth", str(tmp_path / "truth.csv")]
    assert main([*args, "--out", str(ev), "--quiet"]) == 0
    got = pd.read_csv(ev / "evaluation.csv", dtype=str, keep_default_na=False)
    assert got[["month", "invoice_id", "outcome"]].values.tolist() == [["2019-03", "S1", "manual_payable"]], (
        "read back from decisions.csv, the collective invoice held for its credit line is taken for a credit "
        f"note, and its April resend counted as another invoice: {got[['month', 'invoice_id', 'outcome']].values}"
    )
