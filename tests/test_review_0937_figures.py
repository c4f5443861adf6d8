"""An attack on the follow-up, evaluate and the control sample of historical runs (0.9.37): every row
counted once, reruns never counted twice, a wrong payment never judged right. Each test failed on
0.9.36."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from invoicekit.cli import main
from invoicekit.followup import followup
from invoicekit.run import run
from tests.period_runs import EXAMPLE, GRANT_HEADER, INVOICE_HEADER, SOLHOJ, grant, invoice, write_rows

MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}
TRUTH_HEADER = "supplier_cvr,invoice_id,should_pay,true_grant_id,true_psp_element,true_art\n"


def _grants(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_rows(folder / "bevillinger.csv", GRANT_HEADER, [grant()])


def _run(folder: Path, name: str, rows: list[dict], out: str, journal: Path | None, day: dt.date) -> Path:
    """One run of the robot on an extract ``name`` of ``rows``, recorded in ``journal``."""
    extract = write_rows(folder / name, INVOICE_HEADER, rows)
    kw = {} if journal is None else ({"journal": journal} if journal.exists() else {"new_journal": journal})
    run(_grants(folder), extract, EXAMPLE / "stoetteark.xlsx", folder / out, run_date=day, **kw)
    return folder / out


def test_rerunning_the_same_extract_counts_its_numberless_invoices_twice_in_the_follow_up(tmp_path):
    """The spec (*The journal*): "Running the same extract twice against the same journal posts
    nothing the second time", the journal being there "so that reruns are safe and follow-up reports
    have history"; README (*report followup*): "Each invoice counts once, at its first decision".

    A finance clerk who is unsure whether March's run went through runs ``invoices-2019-03.csv``
    again (the very same file: the journal records its SHA-256 both times). The robot rightly posts
    nothing the second time, but the follow-up now counts March's invoice without a number
    (``MISSING_INVOICE_ID``, a keyed-in paper invoice) twice: 3 invoices and 33 % automation where
    the month had 2 invoices and 50 %. Every rerun lowers the rate the municipality reports
    against its 50 % target (and raises the business case's volume); nothing says why.

    Right: a row of an extract the journal has decided already (the same file by its SHA-256,
    the same row) is the same invoice row and counts once, numbered or not."""
    journal = tmp_path / "journal.sqlite"
    rows = [invoice(invoice_id="F-1", **MARCH), invoice(invoice_id="", **MARCH)]
    _run(tmp_path, "invoices-2019-03.csv", rows, "ud1", journal, dt.date(2019, 3, 31))
    _run(tmp_path, "invoices-2019-03.csv", rows, "ud2", journal, dt.date(2019, 3, 31))

    march = followup(journal).monthly.set_index("month").loc["2019-03"]
    assert (march["invoices"], march["posted"]) == (2, 1), (
        f"the rerun's numberless row was counted again: {march['invoices']} invoices, "
        f"{march['automation_rate']:.1%} automation for a month of 2 invoices, 1 posted"
    )


def test_evaluate_takes_a_later_runs_duplicate_for_the_first_decision_and_hides_the_payment(tmp_path, capsys):
    """README (*evaluate*): "The `--decisions` files are given oldest first, each once: ... a month's
    file after a later month's (a later decision was taken for the first) is refused, since 0.9.12";
    "Each invoice counts once, at its first decision".

    The municipality runs weekly (the README's own example: ``--decisions uge1/decisions.csv
    uge2/decisions.csv``) and evaluates a month with ``--decisions ud/*/decisions.csv``: the shell
    sorts ``uge10`` before ``uge9``. In week 9 the robot posted F-1, which the specialist says must
    not be paid; week 10's extract held F-1 again, held as ``DUPLICATE_INVOICE``. Both runs are of one
    month, so the month check passes, and evaluate takes week 10's duplicate (manual) for F-1's first
    decision: "Posted: 0 ... posted wrong: 0 ... error rate – (nothing was posted)". The one wrong
    payment vanishes from the figures. Each run.json beside the files names its journal and run id
    (and when it started), so the order can be told.

    Right: runs given out of order within a month are refused (exit 2) as months out of order are,
    or taken in the order they ran; either way F-1's posting is judged, and judged wrong."""
    journal = tmp_path / "journal.sqlite"
    _run(tmp_path, "regninger-uge9.csv", [invoice(invoice_id="F-1", **MARCH)], "uge9", journal, dt.date(2019, 3, 1))
    _run(tmp_path, "regninger-uge10.csv", [invoice(invoice_id="F-1", **MARCH)], "uge10", journal, dt.date(2019, 3, 8))
    truth = tmp_path / "facit.csv"
    truth.write_text(TRUTH_HEADER + f"{SOLHOJ},F-1,nej,,,\n", encoding="utf-8")
    files = sorted(str(p) for p in tmp_path.glob("uge*/decisions.csv"))  # as the shell globs them
    assert files[0].endswith("uge10/decisions.csv")

    code = main(["evaluate", "--decisions", *files, "--truth", str(truth), "--out", str(tmp_path / "ev"), "--quiet"])
    if code == 2:
        return  # refused: the files were given out of the order they ran in
    ev = pd.read_csv(tmp_path / "ev" / "evaluation.csv", dtype=str, keep_default_na=False)
    assert code == 0 and ev["outcome"].tolist() == ["posted_wrong"], (
        f"F-1 was posted (and should not have been) but evaluate judged {ev['outcome'].tolist()}"
    )


def test_a_truth_naming_one_invoice_twice_is_read_by_its_first_row_and_a_wrong_posting_judged_right(tmp_path, capsys):
    """README (*evaluate*): the truth may be "the specialist's postings from a test without posting in
    the same columns"; a truth with a month and row given twice is refused ("each invoice of a month
    once"), as a decisions or truth file with a column given twice is ("the second was left unread").

    The specialist's sheet names F-1 twice, as such logs do when a verdict is corrected: first
    "ja" (pay on G1), then "nej" (must not be paid). evaluate silently keeps the first row and drops
    the second (``drop_duplicates``): the robot's payment of F-1 is reported "posted right", error
    rate 0.00 %. An auditor relying on the evaluation never learns the truth disagreed with itself,
    and a wrong payment is counted as right.

    Right: a truth that names the same invoice (supplier and number, as check 10 compares them)
    twice with different verdicts is refused, exit 2, naming the rows (which row holds cannot be
    told), or the invoice is at least not judged right."""
    out = _run(tmp_path, "invoices-2019-03.csv", [invoice(invoice_id="F-1", **MARCH)], "ud", None, dt.date(2019, 3, 31))
    d = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    assert d["status"].tolist() == ["posted"]
    psp, art = d["psp_element"].iat[0], d["art"].iat[0]
    truth = tmp_path / "facit.csv"
    truth.write_text(TRUTH_HEADER + f"{SOLHOJ},F-1,ja,G1,{psp},{art}\n{SOLHOJ},F-1,nej,,,\n", encoding="utf-8")

    code = main(["evaluate", "--decisions", str(out / "decisions.csv"), "--truth", str(truth),
                 "--out", str(tmp_path / "ev"), "--quiet"])  # fmt: skip
    if code == 2:
        return  # refused: which of the two rows holds cannot be told
    ev = pd.read_csv(tmp_path / "ev" / "evaluation.csv", dtype=str, keep_default_na=False)
    assert "posted_right" not in ev["outcome"].tolist(), (
        "the truth's second row says F-1 must not be paid, yet evaluate judged its payment right from the first row"
    )


def test_a_control_sheet_whose_reviewer_found_a_wrong_account_is_accepted_with_no_error(tmp_path):
    """README (*sample*): the control sheet "has one row per posting with the fields to check (CPR
    masked), columns for the reviewer, and a *Fejl (ja/nej)* column"; `evaluate` "reports the errors
    found and the one-sided upper bound ... below the tolerable rate, the postings are accepted".

    The sheet asks the reviewer three questions per posting (*Rigtig bevilling?*, *Rigtigt beløb og
    periode?*, *Rigtig kontering (PSP, art)?*) before *Fejl (ja/nej)*. A reviewer answers "nej" to
    *Rigtig kontering (PSP, art)?* on one posting and writes "forkert PSP-element" in *Bemærkning*,
    but leaves *Fejl* at "nej" (the drop-down's other answer, filled down the column). `sample
    evaluate` reads *Fejl* alone and reports "Errors found: 0 ... accepted": the month's postings pass
    control with a wrong posting found in the sheet itself, and the follow-up counts it among the
    accepted controls.

    Right: a row that says a posting is wrong in any of its checks counts as an error (or the sheet
    is refused, exit 2, naming the row whose answers disagree); the month is then not accepted on
    0 errors."""
    from openpyxl import load_workbook

    from invoicekit.errors import InputError
    from invoicekit.sample import FINDING, SHEET_SAMPLE, draw, evaluate_control

    journal = tmp_path / "journal.sqlite"
    rows = [invoice(invoice_id=f"F-{m}", period_start=f"01.{m:02d}.2019", period_end=f"{last}.{m:02d}.2019")
            for m, last in ((1, 31), (2, 28), (3, 31))]  # fmt: skip
    _run(tmp_path, "invoices-2019-03.csv", rows, "ud", journal, dt.date(2019, 3, 31))
    sheet = draw(journal, "2019-03").write(tmp_path / "kontrol-2019-03.xlsx")

    wb = load_workbook(sheet)
    ws = wb[SHEET_SAMPLE]
    heading = [c.value for c in ws[1]]
    assert ws.max_row >= 2
    for r in range(2, ws.max_row + 1):
        for question in ("Rigtig bevilling?", "Rigtigt beløb og periode?", "Rigtig kontering (PSP, art)?"):
            ws.cell(r, heading.index(question) + 1).value = "ja"
        ws.cell(r, heading.index(FINDING) + 1).value = "nej"
    ws.cell(2, heading.index("Rigtig kontering (PSP, art)?") + 1).value = "nej"
    ws.cell(2, heading.index("Bemærkning") + 1).value = "forkert PSP-element"
    wb.save(sheet)

    try:
        result = evaluate_control(sheet, journal)
    except InputError:
        return  # refused: the row's answers disagree
    assert result.errors >= 1 and not result.accepted, (
        f"the reviewer found a wrong account on row 2, yet the control says {result.errors} errors, "
        f"{'accepted' if result.accepted else 'not accepted'}"
    )


def test_evaluate_counts_a_copy_of_a_runs_folder_as_a_second_run(tmp_path, capsys):
    """README (*evaluate*): "The `--decisions` files are given oldest first, each once: a file given
    twice (it counted its numberless invoices twice) ... is refused".

    The refusal compares paths only. A caseworker copies March's output folder before opening it in
    Excel (Windows Explorer names the copy ``2019-03 - Kopi``), and the evaluation is run over
    ``ud/*/decisions.csv``. The copy is the same run, with the same run.json (journal, run id,
    SHA-256 of every file), yet it is read as a second run: March's numberless invoice counts twice
    and the month shows 3 invoices and 33.3 % automation where it had 2 and 50 %.

    Right: the same run given twice, by any path (its run.json names the same journal and run id;
    or the same file by its SHA-256), is refused, exit 2, as the same path is; or counted once."""
    day = dt.date(2019, 3, 31)
    rows = [invoice(invoice_id="F-1", **MARCH), invoice(invoice_id="", **MARCH)]
    out = _run(tmp_path, "invoices-2019-03.csv", rows, "ud/2019-03", tmp_path / "journal.sqlite", day)
    shutil.copytree(out, tmp_path / "ud" / "2019-03 - Kopi")
    d = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    truth = tmp_path / "truth.csv"
    truth.write_text(
        "month,row,supplier_cvr,invoice_id,should_pay,true_grant_id,true_psp_element,true_art\n"
        f"2019-03,1,{SOLHOJ},F-1,true,G1,{d['psp_element'].iat[0]},{d['art'].iat[0]}\n"
        f"2019-03,2,{SOLHOJ},,false,,,\n",
        encoding="utf-8",
    )
    files = sorted(str(p) for p in (tmp_path / "ud").glob("*/decisions.csv"))
    assert len(files) == 2

    code = main(["evaluate", "--decisions", *files, "--truth", str(truth), "--out", str(tmp_path / "ev"), "--quiet"])
    if code == 2:
        return  # refused: the same run given twice
    ev = pd.read_csv(tmp_path / "ev" / "evaluation.csv", dtype=str, keep_default_na=False)
    assert len(ev) == 2, (
        f"a copy of one run's folder made {len(ev)} invoices of a month of 2 ({ev['outcome'].tolist()})"
    )
