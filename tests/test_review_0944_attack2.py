"""Review r7 of 0.9.44 (its three findings mended in 0.9.44). Attack r7 on 0.9.44: evaluate's judgement of credit notes and set-offs read back from ``decisions.csv`` and
``decision_lines.csv`` (``_never_payable``), and the posting history's lines in a month run in parts. Each test
runs the commands a user runs (``invoicekit run``, ``invoicekit evaluate``), reads what they write
(evaluation.csv, the exit code) and fails on the code as found."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import invoicekit as ik
from invoicekit.cli import main
from invoicekit.evaluate import evaluate
from tests.test_lines import ANNA, BO, CVR, GRANTS, SHEET
from tests.test_review_0942_followup import _inputs as followup_inputs

TRUTH_COLUMNS = ["supplier_cvr", "invoice_id", "should_pay", "true_grant_id", "true_psp_element", "true_art"]


def _inputs(folder: Path) -> tuple[Path, Path]:
    """The lines tests' grant extract and support sheet, written in ``folder``."""
    return followup_inputs(folder, GRANTS, SHEET)


def _in_memory(invoices: list[dict], lines: list[dict]) -> ik.Decisions:
    """The same invoices decided by the library, in memory (the document type known)."""
    return ik.decide(
        ik.prepare_invoices(pd.DataFrame(invoices)),
        ik.prepare_grants(pd.DataFrame(GRANTS)),
        ik.prepare_support_sheet(SHEET),
        lines=ik.prepare_invoice_lines(pd.DataFrame(lines)),
    )


def _invoice(number: str, amount: str, cpr: str = "", text: str = "Ophold marts 2019", kind: str = "") -> dict:
    return {"invoice_id": number, "supplier_cvr": CVR, "amount": amount, "cpr": cpr, "period_start": "2019-03-01",
            "period_end": "2019-03-31", "text": text, "document_type": kind}  # fmt: skip


def _line(number: str, no: str, cpr: str, amount: str) -> dict:
    return {"invoice_id": number, "supplier_cvr": CVR, "line_no": no, "cpr": cpr, "amount": amount}


def _dry_run(folder: Path, name: str, invoices: list[dict], lines: list[dict]) -> Path:
    """``invoicekit run --dry-run`` on ``invoices-<name>.csv`` (and its lines) into ``folder/<name>``; its
    decisions.csv."""
    grants, sheet = _inputs(folder)
    extract = folder / f"invoices-{name}.csv"
    pd.DataFrame(invoices).to_csv(extract, index=False)
    args = ["run", "--grants", str(grants), "--invoices", str(extract), "--support-sheet", str(sheet)]
    if lines:
        pd.DataFrame(lines).to_csv(folder / f"lines-{name}.csv", index=False)
        args += ["--invoice-lines", str(folder / f"lines-{name}.csv")]
    out = folder / name
    assert main([*args, "--out", str(out), "--dry-run", "--quiet"]) == 0
    return out / "decisions.csv"


def _evaluation(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "evaluation.csv", dtype=str, keep_default_na=False).set_index("invoice_id")


# ---------------------------------------------------------------- 1: a collective credit note taken for an invoice


@pytest.mark.parametrize(
    ("kind", "sign"),
    [("", "-"), ("credit_note", "")],
    ids=["written_negative", "e_invoiced_written_positive"],
)
def test_evaluate_decisions_counts_a_collective_credit_note_payable(tmp_path: Path, kind: str, sign: str):
    """Scenario: in March a supplier sends K1, a collective credit note of 50,000 kr. for two citizens (Anna
    30,000, Bo 20,000), with its lines in the invoice-lines extract: written negative (-50,000.00, lines
    -30,000/-20,000), or as every e-invoiced credit note is, positive with ``document_type`` credit_note. The
    robot decides it line by line; every line fails check 9, so K1 goes to manual as ``CREDIT_NOTE`` and
    ``decision_lines.csv`` lists its two lines (every one of them held for check 9). The specialists set it
    off by hand, so the truth says ``should_pay`` true for it (it was acted on). The analyst runs
    ``evaluate --decisions march/decisions.csv --truth truth.csv``.

    Found: evaluation.csv says K1 ``should_pay`` true, ``manual_payable`` ("Manuel, kunne være betalt"). The
    same run judged in memory (``invoicekit.evaluate`` on the run's own Decisions and lines, and so
    ``evaluate --world``) says ``manual_held``. ``evaluate._never_payable`` takes every credit note whose row
    has lines in ``decision_lines.csv`` for "a collective invoice held for a credit line", even one known by
    its amount (-50,000.00), and one whose every line is a credit (no line is an invoice's).

    Expected (README, evaluate): "A credit note is never payable, whatever the truth says of it ... held, it
    is `manual_held`, by the truth and by a posting history alike"; "Read back from `decisions.csv`, which has
    no document type, a credit note is known by its amount or its reason `CREDIT_NOTE`; a collective invoice
    held so for a credit line ... is an invoice all the same". K1 is no invoice with a credit line: its amount
    is negative, or every line of it is held as a credit note.

    Why it matters: the potential (what better data and rules could win) is inflated by every collective
    credit note, exactly what 0.9.44 says it mended, and ``evaluate --decisions`` disagrees with ``--world``
    and the library on the same run (the synthetic worlds' ``lines`` scenario writes such credit notes, with
    ``should_pay`` true, into truth.csv)."""
    credit = _invoice("K1", f"{sign}50000.00", text="Kreditnota samlefaktura marts 2019", kind=kind)
    lines = [_line("K1", "1", ANNA, f"{sign}30000.00"), _line("K1", "2", BO, f"{sign}20000.00")]
    decisions = _dry_run(tmp_path, "2019-03", [credit], lines)
    decided = pd.read_csv(decisions, dtype=str, keep_default_na=False)
    assert decided[["invoice_id", "status", "reason"]].values.tolist() == [["K1", "manual", "CREDIT_NOTE"]]
    written = pd.read_csv(decisions.parent / "decision_lines.csv", dtype=str, keep_default_na=False)
    assert written["reason"].tolist() == ["CREDIT_NOTE", "CREDIT_NOTE"]  # every line a credit
    truth = pd.DataFrame([[CVR, "K1", "true", "", "P1", "40000000"]], columns=TRUTH_COLUMNS)
    truth.to_csv(tmp_path / "truth.csv", index=False)

    # the same invoice judged in memory: rightly held
    in_memory = _in_memory([credit], lines)
    held = evaluate(in_memory.decisions, truth, in_memory.lines).invoices.set_index("invoice_id")
    assert held.loc["K1", "outcome"] == "manual_held"

    ev = tmp_path / "ev"
    args = ["evaluate", "--decisions", str(decisions), "--truth", str(tmp_path / "truth.csv"), "--out", str(ev)]
    assert main([*args, "--quiet"]) == 0
    got = _evaluation(ev)
    assert (got.loc["K1", "outcome"], got.loc["K1", "should_pay"]) == ("manual_held", "false"), (
        "a collective credit note read back from decisions.csv is counted as an invoice that could be paid"
    )


# ---------------------------------------------------------------- 2: a credit note taken for another run's collective invoice


def _month_in_two_parts(tmp_path: Path) -> tuple[Path, Path]:
    """March run in two parts (two extracts named for March, each part's rows from 1): week 1 holds K-7, an
    e-invoiced credit note of 1,000 kr. written positive, at row 1, and A-1, Anna's stay, at row 2; week 2
    holds S2, a collective invoice of 50,000 kr. decided line by line, at row 1."""
    week1 = _dry_run(
        tmp_path,
        "2019-03-uge1",
        [_invoice("K-7", "1000.00", ANNA, "Kreditnota", "credit_note"), _invoice("A-1", "30000.00", ANNA)],
        [],
    )
    week2 = _dry_run(
        tmp_path,
        "2019-03-uge2",
        [_invoice("S2", "50000.00", text="Samlefaktura marts 2019")],
        [_line("S2", "1", ANNA, "30000.00"), _line("S2", "2", BO, "20000.00")],
    )
    return week1, week2


def test_a_credit_note_is_payable_when_another_part_of_its_month_holds_a_collective_invoice(tmp_path: Path):
    """Scenario: March is run in two parts, ``invoices-2019-03-uge1.csv`` and ``invoices-2019-03-uge2.csv``
    (the README: "a month run in parts (a later part's rows start again at 1)"). Week 1's row 1 is K-7, an
    e-invoiced credit note of 1,000 kr. (written positive, ``document_type`` credit_note): the robot holds it
    as ``CREDIT_NOTE``. Week 2's row 1 is S2, a collective invoice decided line by line, so week 2's
    ``decision_lines.csv`` holds lines of row 1. The specialists set K-7 off by hand (the truth says pay: it
    was acted on). The analyst runs ``evaluate --decisions uge1/decisions.csv uge2/decisions.csv --truth``.

    Found: K-7 is ``manual_payable`` with ``should_pay`` true; given week 1's file alone it is
    ``manual_held``. ``evaluate._never_payable`` matches ``decision_lines.csv`` to decisions by month and
    row, and both parts are March: week 2's lines of row 1 are taken for lines of week 1's row 1, and the
    credit note for "a collective invoice held for a credit line".

    Expected (README): "A credit note is never payable, whatever the truth says of it ... held, it is
    `manual_held`"; read back from decisions.csv "a credit note is known by ... its reason `CREDIT_NOTE`".
    K-7 has no lines at all. Adding another run's file must not change how a credit note is judged.

    Why it matters: a credit note is counted as a payment the robot missed (the potential inflated), by a
    coincidence of row numbers, and the figures change with which runs of a month are given."""
    week1, week2 = _month_in_two_parts(tmp_path)
    assert pd.read_csv(week1, dtype=str, keep_default_na=False)[["row", "invoice_id", "reason"]].values.tolist()[0] == [
        "1",
        "K-7",
        "CREDIT_NOTE",
    ]
    lined = pd.read_csv(week2.parent / "decision_lines.csv", dtype=str, keep_default_na=False)
    assert set(lined["row"]) == {"1"}
    truth = pd.DataFrame(
        [
            [CVR, "K-7", "true", "G1", "P1", "40000000"],
            [CVR, "A-1", "true", "G1", "P1", "40000000"],
            [CVR, "S2", "true", "G1;G2", "P1", "40000000"],
        ],
        columns=TRUTH_COLUMNS,
    )
    truth.to_csv(tmp_path / "truth.csv", index=False)
    alone, both = tmp_path / "ev-alone", tmp_path / "ev-both"
    t = ["--truth", str(tmp_path / "truth.csv")]
    assert main(["evaluate", "--decisions", str(week1), *t, "--out", str(alone), "--quiet"]) == 0
    assert _evaluation(alone).loc["K-7", "outcome"] == "manual_held"
    assert main(["evaluate", "--decisions", str(week1), str(week2), *t, "--out", str(both), "--quiet"]) == 0
    got = _evaluation(both)
    assert (got.loc["K-7", "outcome"], got.loc["K-7", "should_pay"]) == ("manual_held", "false"), (
        "week 2's collective invoice at row 1 made week 1's credit note at row 1 payable"
    )


# ---------------------------------------------------------------- 3: the history refuses a month run in parts


def test_evaluate_history_refuses_a_month_run_in_parts_with_a_collective_invoice(tmp_path: Path, capsys):
    """Scenario: the same March in two parts as above (week 1: the credit note K-7 and Anna's stay A-1; week 2:
    the collective invoice S2, posted line by line, its lines in week 2's ``decision_lines.csv``), each run's
    folder whole with its ``run.json``. The analyst measures the weeks against OPUS: ``evaluate --decisions
    uge1/decisions.csv uge2/decisions.csv --history opus.csv``.

    Found: exit 2, "decision_lines.csv: belongs to decisions of several runs whose rows cannot be told apart;
    give each run's decisions.csv and decision_lines.csv with the run.json the run wrote beside them (it says
    the run's month), or in a folder named for its month": the analyst did just that; both runs are March,
    and ``evaluate._signatures_by_line`` keys the lines by month and row, which repeat in a month run in
    parts. The same files are judged against a truth (exit 0), and each week alone against the history.

    Expected: the README supports a month run in parts ("a later part's rows start again at 1") and says
    "`evaluate` reads them [a collective invoice's lines] from the `decision_lines.csv` beside each
    `decisions.csv`"; exit 2 is for unusable input, and nothing here is unusable: each file's lines belong to
    the decisions beside them. The history is found by supplier and number, no row is needed.

    Why it matters: a municipality that runs weekly cannot evaluate a month against its posting history at
    all once one collective invoice is among them, and the message sends it looking for a fault that is not
    there."""
    week1, week2 = _month_in_two_parts(tmp_path)
    history = tmp_path / "opus.csv"
    history.write_text(
        "Fakturanummer;Leverandør CVR;Beløb;PSP-element;Artskonto\n"
        f"A-1;{CVR};30.000,00;P1;40000000\n"
        f"K-7;{CVR};-1.000,00;P1;40000000\n"
        f"S2;{CVR};50.000,00;P1;40000000\n",
        encoding="utf-8",
    )
    ev = tmp_path / "ev"
    args = ["evaluate", "--decisions", str(week1), str(week2), "--history", str(history), "--out", str(ev)]
    code = main([*args, "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, f"a month run in parts was refused: {err.strip()}"
    got = _evaluation(ev)
    assert got.loc["A-1", "outcome"] == "posted_right"
    assert got.loc["K-7", "outcome"] == "manual_held"
