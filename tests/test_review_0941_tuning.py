"""An auditor's attack on rule tuning, the rules file and the evaluation behind tune's figures: each test
failed on 0.9.40 and passes on the mend."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.errors import InputError
from invoicekit.rules import load_rules


@pytest.fixture(scope="module")
def small_world(tmp_path_factory) -> Path:
    from synthetic import synthesize

    out = tmp_path_factory.mktemp("i3") / "world"
    synthesize("baseline", seed=5, out=out, months=2, citizens=40)
    return out


# ---------------------------------------------------------------- the rules file


@pytest.mark.parametrize(("line", "key"), [("max_amount = 25.000", "max_amount"), ("tolerance = 5.000", "tolerance"),
                                           ('"max_amount" = 100.000', "max_amount")])  # fmt: skip
def test_a_rules_file_with_windows_line_endings_still_refuses_danish_thousands_separators(tmp_path, line, key):
    """What goes wrong: ``max_amount = 25.000`` is 25 kr. to TOML and twenty-five thousand to a
    Dane. The rules file refuses it, naming the key, but only when the file has Unix line ends:
    the check's pattern ends a line at ``\\n`` and allows only spaces and tabs before it, so the
    ``\\r`` of a file saved by Notepad (CRLF, what finance staff on Windows write) slips it past
    and the robot runs with a limit of 25 kr. (every invoice above it to manual, unsaid), and
    ``tune --rules`` weighs every rule set against that limit.

    Why it matters: the municipality's rules file is written on Windows; the very mistake the
    README guards against is let through for the files that are actually written.

    Right behaviour (README, options table: "`max_amount = 25.000` is 25 kr. to TOML and is
    refused, naming the key, since 0.9.17"; spec: exit 2 for a value of the wrong type): the
    same refusal whatever the line ends."""
    path = tmp_path / "rules.toml"
    path.write_bytes(f"# kommunens regler\r\n{line}\r\n".encode())
    with pytest.raises(InputError) as caught:
        rules = load_rules(path)
        pytest.fail(f"a CRLF rules file with {line!r} was read as {rules}")
    assert key in str(caught.value) and "thousands" in str(caught.value)


def test_a_workbook_given_as_the_rules_file_is_not_called_a_notepad_encoding_problem(tmp_path, capsys):
    """What goes wrong: ``--rules stoetteark.xlsx`` (the support sheet given for the rules, or
    rules kept in a workbook) is refused with "is not UTF-8 text but another encoding
    (Notepad's 'ANSI', Windows-1252?) ... (in Notepad: Save as, Encoding UTF-8)": advice to
    re-save a workbook in Notepad, which cannot help and may mangle it.

    Why it matters: the one line of the error is all the user gets (spec: "one line on stderr
    naming the file ... and what was expected"); it should say what the file is.

    Right behaviour: refused, exit 2, naming the file and saying it is a workbook (an .xlsx),
    where a rules file is a TOML text file."""
    wb = openpyxl.Workbook()
    wb.active.append(["tolerance", 1])
    rules = tmp_path / "regler.xlsx"
    wb.save(rules)
    with pytest.raises(InputError) as caught:
        load_rules(rules)
    said = str(caught.value)
    assert "regler.xlsx" in said
    assert "Notepad" not in said and ("workbook" in said or "xlsx" in said.replace("regler.xlsx", "")), said


# ---------------------------------------------------------------- tune's figures


def test_tunings_workbook_and_csv_give_no_error_rate_to_a_rule_set_that_posts_nothing(small_world, tmp_path):
    """What goes wrong: a rule set that posts nothing (``max_amount=0``, ``paragraphs=-``) has
    no error rate, and the printed table says so (``–``), but ``tuning.xlsx`` shows it with a
    *Fejlrate* of 0,00 % (and an upper bound of 100 %), and ``tuning.csv`` with 0.0: in the
    workbook, the file finance staff sort and pass on, it reads as the safest rule set of all.

    Why it matters: it is the very misreading that had it recommended until 0.9.11 and on the
    front until 0.9.17; ``evaluation.xlsx`` leaves these cells blank for the same reason ("no
    rate of no postings: a blank cell, not 0,00 % (a user review)").

    Right behaviour (README, tune: "A rule set that posts nothing has no error rate (`–` in the
    table)"): its error rate and bounds blank in tuning.xlsx and tuning.csv."""
    argv = ["tune", "--world", str(small_world), "--grid", "tolerance=1;max_amount=0,100000", "--max-error", "100%",
            "--out", str(tmp_path), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    table = pd.read_csv(tmp_path / "tuning.csv")
    nothing = table[table["posted"] == 0]
    assert len(nothing) == 1 and (table["posted"] > 0).any()
    ws = openpyxl.load_workbook(tmp_path / "tuning.xlsx")["Regelsæt"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=2)]
    row = next(r for r in rows if r["Bogført automatisk"] == 0)
    shown = {k: row[k] for k in ("Fejlrate", "Fejlrate, nedre 95 %-grænse", "Fejlrate, øvre 95 %-grænse")}
    assert all(v is None or v == "" for v in shown.values()), f"tuning.xlsx gives the set that posts nothing {shown}"
    assert nothing["error_rate"].isna().all(), f"tuning.csv: {nothing[['error_rate', 'error_rate_high']]}"


# ---------------------------------------------------------------- evaluate


def test_evaluate_does_not_count_a_collective_invoice_right_when_its_decision_lines_are_missing(tmp_path, capsys):
    """What goes wrong: ``evaluate --decisions`` judges a collective invoice posted line by line by
    its lines only when a ``decision_lines.csv`` stands beside the ``decisions.csv``. Given the
    decisions file alone (copied out of the run folder for the audit, or renamed
    ``decisions-2019-03.csv`` in a folder of its own), the invoice whose line 2 went to the § 108
    PSP element where ``truth-lines.csv`` says § 104 is counted *posted right*, error rate 0.00 %,
    with nothing said; with the lines file beside it the same decision is a wrong posting.

    Why it matters: the figure hides a wrong posting, silently; ``decisions.csv`` itself shows the
    invoice was posted line by line (three grants, ``;``-separated), and the truth beside it
    (``truth-lines.csv``) holds each line's truth, so the tool knows it is judging blind.

    Right behaviour (README, evaluate: "A collective invoice the robot posted line by line is
    judged by its lines ... `evaluate` reads them from the `decision_lines.csv` beside each
    `decisions.csv`"): refused (exit 2, naming the missing decision_lines.csv), or at least said on
    stderr, or the invoice not counted right."""
    from tests.test_review_0936_evaluate import _collective_world

    w = tmp_path / "w"
    _collective_world(w)
    out = tmp_path / "replay"
    assert main(["replay", "--world", str(w), "--new-journal", str(tmp_path / "j.sqlite"), "--out", str(out),
                 "--quiet"]) == 0  # fmt: skip
    audit = tmp_path / "audit" / "2019-03"
    audit.mkdir(parents=True)
    for name in ("decisions.csv", "run.json"):  # the decisions and their manifest, not the lines
        (audit / name).write_bytes((out / "2019-03" / name).read_bytes())
    capsys.readouterr()
    rc = main(["evaluate", "--decisions", str(audit / "decisions.csv"), "--truth", str(w / "truth.csv"),
               "--out", str(tmp_path / "ev"), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    if rc == 2 or "decision_lines" in err:
        return  # refused or said: fine
    assert rc == 0
    ev = pd.read_csv(tmp_path / "ev" / "evaluation.csv", dtype=str)
    assert ev["outcome"].tolist() != ["posted_right"], (
        "the collective invoice with line 2 on the wrong PSP element was counted posted right, unsaid"
    )
