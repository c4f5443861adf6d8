"""Review r8 of 0.9.44 (its four findings mended in 0.9.44). Attack r8 on 0.9.44: decision lines keyed to the ``decisions.csv`` beside them in ``evaluate`` (``DECISIONS_FILE``,
``_run_key``, ``_keyed``, ``_never_payable``, ``_signatures_by_line``, ``agree_by_lines``, ``read_decisions``,
``read_decision_lines``). Each test runs the commands a user runs (``invoicekit run``/``replay``, ``invoicekit
evaluate``), reads what they write (evaluation.csv, the exit code, the message) and fails on the code as found."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.evaluate import evaluate
from tests.test_review_0936_evaluate import P104, _collective_world
from tests.test_review_0944_attack2 import (
    ANNA,
    BO,
    CVR,
    TRUTH_COLUMNS,
    _dry_run,
    _in_memory,
    _invoice,
    _line,
)


def _evaluation(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "evaluation.csv", dtype=str, keep_default_na=False).set_index("invoice_id")


def _replayed(tmp_path: Path) -> Path:
    """The 0.9.36 world (one collective invoice SOL-2000, its line 2 posted on the § 108 PSP element where
    truth-lines.csv says § 104) replayed into ``tmp_path/replay``; the world's folder."""
    w = tmp_path / "w"
    _collective_world(w)
    argv = ["replay", "--world", str(w), "--new-journal", str(tmp_path / "j.sqlite"), "--out", str(tmp_path / "replay")]
    assert main([*argv, "--quiet"]) == 0
    return w


# ---------------------------------------------------------------- 1: the decisions' path spelled otherwise


@pytest.mark.parametrize("spelled", ["./replay/2019-03/decisions.csv", "replay//2019-03/decisions.csv"],
                         ids=["dot_slash", "double_slash"])  # fmt: skip
def test_a_decisions_path_spelled_with_dot_slash_counts_a_miscoded_collective_line_right(
    tmp_path: Path, monkeypatch, spelled: str
):
    """Scenario: the replay's March run holds SOL-2000, a collective invoice posted line by line, its line 2
    on the § 108 PSP element where the world's truth-lines.csv says § 104. The analyst, in the folder above,
    runs ``invoicekit evaluate --decisions ./replay/2019-03/decisions.csv --truth w/truth.csv`` (``./`` as a
    script or ``find .`` writes it; ``$RUN/decisions.csv`` with ``RUN=replay/2019-03/`` gives ``//``; on
    Windows PowerShell's tab completion writes ``.\\replay\\...`` and every ``/`` is spelled otherwise).

    Found: SOL-2000 is ``posted_right``, no why. Spelled ``replay/2019-03/decisions.csv`` (or absolute) it
    is ``posted_wrong`` "forkert PSP-element ... på linje 2". ``read_decisions`` keys each decision by
    ``str(Path(p))`` (``replay/2019-03/decisions.csv``: Path drops ``./`` and ``//``), ``read_decision_lines``
    keys each line by ``str(p)`` as given (``./replay/...``): ``_run_key`` picks ``decisions_file`` because
    both carry it, no line matches its decision, and ``agree_by_lines`` silently judges the invoice by its
    row, where 108;104 reads alike.

    Expected (README, evaluate): "each `decision_lines.csv` belongs to the `decisions.csv` beside it"; "A
    collective invoice posted line by line is judged **line by line** where the world's `truth-lines.csv`
    holds each of its lines (... beside the `truth.csv` given to `--decisions` ...)".

    Why it matters: a wrong payment is counted right and drops out of the error rate (the 0.9.36 defect back),
    depending only on how the path was typed."""
    w = _replayed(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "--decisions", "replay/2019-03/decisions.csv", "--truth", "w/truth.csv",
                 "--out", "ev-plain", "--quiet"]) == 0  # fmt: skip
    assert _evaluation(tmp_path / "ev-plain").loc["SOL-2000", "outcome"] == "posted_wrong"
    assert main(["evaluate", "--decisions", spelled, "--truth", str(w / "truth.csv"), "--out", "ev", "--quiet"]) == 0
    got = _evaluation(tmp_path / "ev").loc["SOL-2000"]
    assert got["outcome"] == "posted_wrong" and "på linje 2" in got["why"] and P104 in got["why"], (
        f"given as {spelled!r}, the miscoded collective invoice is judged by its row: {got.to_dict()}"
    )


def test_history_refuses_a_decisions_path_spelled_with_dot_slash(tmp_path: Path, monkeypatch, capsys):
    """Scenario: the same replayed March (SOL-2000 posted line by line, line 2 on the wrong PSP element), judged
    against what the specialists posted: ``invoicekit evaluate --decisions ./replay/2019-03/decisions.csv
    --history w/opus_history.csv``.

    Found: exit 2, "replay/2019-03/decision_lines.csv: row: row 1 names no decision in decisions.csv". Row 1
    is SOL-2000, in the decisions.csv beside it; the same files given as ``replay/2019-03/decisions.csv`` are
    judged (exit 0, SOL-2000 ``posted_wrong``). Same root cause as above: ``read_decisions`` keys by
    ``str(Path(p))``, ``read_decision_lines`` by ``str(p)``, and ``_signatures_by_line`` finds no decision.

    Expected (README): "`evaluate` reads them from the `decision_lines.csv` beside each `decisions.csv`"; exit
    2 is for unusable input, and these are the run's own untouched files.

    Why it matters: the evaluation against OPUS is refused with a message that is false and sends the analyst
    looking for a damaged file; on Windows (``.\\`` from tab completion, or ``/`` anywhere) every run with a
    collective invoice is refused so."""
    _replayed(tmp_path)
    monkeypatch.chdir(tmp_path)
    history = ["--history", "w/opus_history.csv", "--quiet"]
    assert main(["evaluate", "--decisions", "replay/2019-03/decisions.csv", *history, "--out", "ev-plain"]) == 0
    capsys.readouterr()
    code = main(["evaluate", "--decisions", "./replay/2019-03/decisions.csv", *history, "--out", "ev"])
    err = capsys.readouterr().err
    assert code == 0, f"the run's own files, given as ./…, were refused: {err.strip()}"
    assert _evaluation(tmp_path / "ev").loc["SOL-2000", "outcome"] == "posted_wrong"


# ---------------------------------------------------------------- 2: a month run in parts, judged by truth lines


def test_a_month_run_in_parts_judges_its_later_parts_collective_invoice_by_its_row_not_its_truth_lines(
    tmp_path: Path,
):
    """Scenario: March's extract holds SOL-1999 (row 1, a citizen without a grant) and SOL-2000 (row 2, the
    collective invoice whose line 2 goes on § 108 where truth-lines.csv says § 104). The municipality runs
    March in two parts, ``invoices-2019-03-uge1.csv`` (SOL-1999) and ``invoices-2019-03-uge2.csv`` (SOL-2000,
    with its lines), so SOL-2000 is row 1 of week 2. The analyst runs ``evaluate --decisions
    uge1/decisions.csv uge2/decisions.csv --truth w/truth.csv`` (truth-lines.csv beside it).

    Found: SOL-2000 ``posted_right``. The same March run whole is ``posted_wrong`` "... på linje 2".
    ``_join`` finds week 2's SOL-2000 by supplier and number (its row 1 is SOL-1999's in the truth), so it is
    not ``placed``, and ``agree_by_lines`` judges only placed invoices (it joins the truth lines by the
    decision's own month and row): the invoice is judged by its row alone, where 108;104 reads alike.

    Expected (README, evaluate): "one of a month run in parts (a later part's rows start again at 1) among its
    month's; each `decision_lines.csv` belongs to the `decisions.csv` beside it"; "A collective invoice posted
    line by line is judged **line by line** where the world's `truth-lines.csv` holds each of its lines". Here
    it holds each of them (under the truth's row 2, same supplier and number).

    Why it matters: a wrong payment counted right, and the error rate depends on whether a month was run
    whole or in parts."""
    w = tmp_path / "w"
    _collective_world(w)
    invoices = pd.read_csv(w / "invoices" / "invoices-2019-03.csv", dtype=str, keep_default_na=False)
    other = invoices.iloc[0].copy()
    other[["invoice_id", "cpr", "amount", "text"]] = ["SOL-1999", "0909090909", "5000.00", "Ophold marts 2019"]
    truth = pd.read_csv(w / "truth.csv", dtype=str, keep_default_na=False).assign(row="2")
    first = truth.iloc[0].copy()
    first[["row", "invoice_id", "invoice_type", "true_grant_id", "should_pay", "true_psp_element", "true_art",
           "cause"]] = ["1", "SOL-1999", "single", "", "false", "", "", "no_grant"]  # fmt: skip
    pd.concat([pd.DataFrame([first]), truth]).to_csv(w / "truth.csv", index=False)
    truth_lines = pd.read_csv(w / "truth-lines.csv", dtype=str, keep_default_na=False).assign(row="2")
    truth_lines.to_csv(w / "truth-lines.csv", index=False)
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    pd.DataFrame([other]).to_csv(extracts / "invoices-2019-03-uge1.csv", index=False)
    invoices.to_csv(extracts / "invoices-2019-03-uge2.csv", index=False)
    pd.concat([pd.DataFrame([other]), invoices]).to_csv(extracts / "invoices-2019-03.csv", index=False)
    lines = ["--invoice-lines", str(w / "invoices" / "invoice-lines-2019-03.csv")]
    run = ["run", "--grants", str(w / "sensum" / "grants-2019-03.csv"), "--support-sheet", str(w / "stoetteark.xlsx"),
           "--dry-run", "--quiet"]  # fmt: skip
    assert main([*run, "--invoices", str(extracts / "invoices-2019-03-uge1.csv"), "--out", str(tmp_path / "uge1")]) == 0
    uge2 = ["--invoices", str(extracts / "invoices-2019-03-uge2.csv"), *lines, "--out", str(tmp_path / "uge2")]
    assert main([*run, *uge2]) == 0
    assert (
        main([*run, "--invoices", str(extracts / "invoices-2019-03.csv"), *lines, "--out", str(tmp_path / "whole")])
        == 0
    )

    t = ["--truth", str(w / "truth.csv"), "--quiet"]
    assert (
        main(
            [
                "evaluate",
                "--decisions",
                str(tmp_path / "whole" / "decisions.csv"),
                *t,
                "--out",
                str(tmp_path / "ev-whole"),
            ]
        )
        == 0
    )
    assert _evaluation(tmp_path / "ev-whole").loc["SOL-2000", "outcome"] == "posted_wrong"
    parts = [str(tmp_path / "uge1" / "decisions.csv"), str(tmp_path / "uge2" / "decisions.csv")]
    assert main(["evaluate", "--decisions", *parts, *t, "--out", str(tmp_path / "ev")]) == 0
    got = _evaluation(tmp_path / "ev").loc["SOL-2000"]
    assert got["outcome"] == "posted_wrong" and "på linje 2" in got["why"], (
        f"week 2's collective invoice was judged by its row, not by its truth lines: {got.to_dict()}"
    )


# ---------------------------------------------------------------- 3: a collective credit note with a line of 0.00


def test_a_collective_credit_note_with_a_zero_line_read_back_is_counted_payable(tmp_path: Path):
    """Scenario: an e-invoiced collective credit note K1 (``document_type`` credit_note, written positive as
    every e-invoiced credit note is, 50,000 kr.) with three lines: Anna 30,000, Bo 20,000 and a line of 0.00
    (a text or information line, common in OIOUBL). The robot holds it and every one of its lines as
    ``CREDIT_NOTE``. The specialists set it off by hand (the truth says pay: it was acted on). ``evaluate
    --decisions march/decisions.csv --truth truth.csv``.

    Found: K1 ``manual_payable``, ``should_pay`` true; the same run judged in memory (the library's
    ``evaluate`` on the run's Decisions and lines, as ``--world`` does) says ``manual_held``.
    ``_never_payable`` takes any line of 0 or less (``line_units <= 0``) for "a credit line", and the 0.00
    line makes the credit note "a collective invoice held for that line". It cannot be: every line of K1,
    the positive ones too, is held as ``CREDIT_NOTE``, where an invoice held for a credit line has its
    positive lines held without that reason.

    Expected (README, evaluate): "A credit note is never payable, whatever the truth says of it ... held, it
    is `manual_held`"; the 0.9.44 docstring: "A collective credit note, every line a credit or written
    positive, stays one"; and judging a run in memory and its written files agree.

    Why it matters: the potential ("what better data and rules could win") is inflated by a credit note no
    rule may ever pay, and ``--decisions`` disagrees with the library on the same run."""
    credit = _invoice("K1", "50000.00", text="Kreditnota samlefaktura marts 2019", kind="credit_note")
    lines = [_line("K1", "1", ANNA, "30000.00"), _line("K1", "2", BO, "20000.00"), _line("K1", "3", ANNA, "0.00")]
    decisions = _dry_run(tmp_path, "2019-03", [credit], lines)
    written = pd.read_csv(decisions.parent / "decision_lines.csv", dtype=str, keep_default_na=False)
    assert written["reason"].tolist() == ["CREDIT_NOTE"] * 3  # every line held as a credit note
    truth = pd.DataFrame([[CVR, "K1", "true", "", "P1", "40000000"]], columns=TRUTH_COLUMNS)
    truth.to_csv(tmp_path / "truth.csv", index=False)
    in_memory = _in_memory([credit], lines)
    assert evaluate(in_memory.decisions, truth, in_memory.lines).invoices["outcome"].tolist() == ["manual_held"]
    ev = tmp_path / "ev"
    argv = ["evaluate", "--decisions", str(decisions), "--truth", str(tmp_path / "truth.csv"), "--out", str(ev)]
    assert main([*argv, "--quiet"]) == 0
    got = _evaluation(ev).loc["K1"]
    assert (got["outcome"], got["should_pay"]) == ("manual_held", "false"), (
        "a collective credit note with a 0.00 line, read back from decisions.csv, is counted as payable"
    )


# ---------------------------------------------------------------- 4: the error names another run's file


def test_a_line_naming_no_decision_is_blamed_on_another_runs_decision_lines(tmp_path: Path, capsys):
    """Scenario: March in two parts, each with a collective invoice posted line by line: week 1's S1 at row 1,
    week 2's S2 at row 2 (after A-1). The analyst removed S2's row from week 2's decisions.csv (a test invoice,
    say) and runs ``evaluate --decisions uge1/decisions.csv uge2/decisions.csv --history opus.csv``.

    Found: exit 2, "<...>/2019-03-uge1/decision_lines.csv: row: row 2 names no decision in decisions.csv".
    Week 1's decision_lines.csv holds lines of row 1 only; the row 2 is week 2's. ``_signatures_by_line`` names
    ``lines["source"].iat[0]``, the first file read, whichever file the line came from, and since 0.9.44
    (the key ``decisions_file``) says nothing of which run either.

    Expected (README, "What the robot guarantees" / the brief's promise of clear errors): exit 2 "naming the
    file, row and column" of the unusable input; the file named must be the one at fault.

    Why it matters: the analyst opens week 1's file, finds nothing wrong with it, and cannot mend the input."""
    week1 = _dry_run(
        tmp_path,
        "2019-03-uge1",
        [_invoice("S1", "50000.00", text="Samlefaktura marts 2019")],
        [_line("S1", "1", ANNA, "30000.00"), _line("S1", "2", BO, "20000.00")],
    )
    week2 = _dry_run(
        tmp_path,
        "2019-03-uge2",
        [_invoice("A-1", "1000.00", "0909090909"), _invoice("S2", "50000.00", text="Samlefaktura marts 2019")],
        [_line("S2", "1", ANNA, "30000.00"), _line("S2", "2", BO, "20000.00")],
    )
    d = pd.read_csv(week2, dtype=str, keep_default_na=False)
    d[d["invoice_id"] != "S2"].to_csv(week2, index=False)
    history = tmp_path / "opus.csv"
    history.write_text(
        "Fakturanummer;Leverandør CVR;Beløb;PSP-element;Artskonto\n"
        f"S1;{CVR};50.000,00;P1;40000000\nA-1;{CVR};1.000,00;P1;40000000\n",
        encoding="utf-8",
    )
    code = main(
        ["evaluate", "--decisions", str(week1), str(week2), "--history", str(history), "--out", str(tmp_path / "ev")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert str(week2.parent / "decision_lines.csv") in err and str(week1.parent) not in err, (
        f"the error names the wrong run's file: {err.strip()}"
    )
