"""An attack on collective invoices decided line by line (0.9.37): `explain` of a recorded run's collective
invoice, its lines not given again, showed the posted invoice as manual under "decided as run 1 decided
it". Failed on 0.9.36."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from invoicekit.cli import main
from invoicekit.run import run
from tests.period_runs import GRANT_HEADER, write_rows

EXAMPLE = Path(__file__).parent / "data" / "example"
SOLHOJ = "29345716"
ANNA, BO = "610190-1234", "720385-4321"
INVOICE_HEADER = ["invoice_id", "supplier_cvr", "supplier_name", "amount", "cpr", "period_start", "period_end", "text"]
LINE_HEADER = ["invoice_id", "supplier_cvr", "line_no", "cpr", "amount", "period_start", "period_end", "text"]


def _grant(gid: str, cpr: str) -> dict:
    return {"grant_id": gid, "cpr": cpr, "service_code": "SEL108-BO", "supplier_cvr": SOLHOJ, "rate": "28500.00",
            "rate_unit": "month", "start_date": "2018-01-01", "end_date": ""}  # fmt: skip


def _collective_run(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """A collective invoice S-1 from Solhøj (no CPR of its own) with a line for Anna and one for Bo,
    March 2019, run with its lines into a new journal: it posts. Returns grants, invoices, lines, journal."""
    g = write_rows(tmp_path / "bevillinger.csv", GRANT_HEADER, [_grant("G1", ANNA), _grant("G2", BO)])
    i = write_rows(
        tmp_path / "regninger.csv",
        INVOICE_HEADER,
        [{"invoice_id": "S-1", "supplier_cvr": SOLHOJ, "supplier_name": "Bostedet Solhøj", "amount": "57000.00",
          "cpr": "", "period_start": "2019-03-01", "period_end": "2019-03-31", "text": "Samlefaktura"}],
    )  # fmt: skip
    lines = write_rows(
        tmp_path / "fakturalinjer.csv",
        LINE_HEADER,
        [{"invoice_id": "S-1", "supplier_cvr": SOLHOJ, "line_no": str(n), "cpr": cpr, "amount": "28500.00",
          "period_start": "2019-03-01", "period_end": "2019-03-31", "text": ""}
         for n, cpr in ((1, ANNA), (2, BO))],
    )  # fmt: skip
    journal = tmp_path / "journal.sqlite"
    run(g, i, EXAMPLE / "stoetteark.xlsx", tmp_path / "out", new_journal=journal, invoice_lines=lines,
        run_date=dt.date(2019, 3, 28))  # fmt: skip
    decisions = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert list(decisions["status"]) == ["posted"]
    return g, i, lines, journal


def test_explain_of_a_recorded_collective_invoice_without_its_lines_contradicts_the_run(tmp_path, capsys):
    """`explain --journal` on the very invoice file a recorded run decided says "Afgjort, som kørsel 1
    i journalen afgjorde denne fakturafil" and then, when the user does not repeat `--invoice-lines`,
    decides the collective invoice without its lines: "Resultat: manuel, MISSING_CPR", for an invoice
    that run 1 POSTED line by line (two OPUS posting lines, 57,000 kr.). The run's run.json records the
    lines file it was given (inputs.invoice_lines, with its SHA-256), just as it records the paid
    marks, and for the marks explain already says "Kørsel 1 fik Sensums markeringer ...: giv den
    samme fil med --paid for at se fakturaen, som kørslen afgjorde den". For the lines it says
    nothing.

    Why it matters: explain is what a caseworker or auditor uses to ask "why was this paid?" (README,
    "invoicekit explain: why this invoice?": "decided against the runs before that one and with the
    rules that run recorded, as that run decided it (the first line says so)"). Here it claims to
    show the run's decision and shows the opposite: a posting of 57,000 kr. is presented as an
    invoice left to a caseworker, which hides a payment from whoever checks it.

    Right: decide it as the run did, or say that the run was given an invoice-lines file and to give
    the same file with --invoice-lines (as for --paid); never present a posted invoice as manual
    under "Afgjort, som kørsel 1 ... afgjorde"."""
    g, i, _lines, journal = _collective_run(tmp_path)
    capsys.readouterr()
    code = main(["explain", "--grants", str(g), "--invoices", str(i), "--support-sheet",
                 str(EXAMPLE / "stoetteark.xlsx"), "--invoice-id", "S-1", "--journal", str(journal)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    claims_the_run = "som kørsel 1 i journalen afgjorde" in out
    shown_posted = "Resultat: bogført" in out
    tells_of_the_lines = "--invoice-lines" in out
    assert not claims_the_run or shown_posted or tells_of_the_lines, out
