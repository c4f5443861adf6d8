"""An attack on `invoicekit explain` and `invoicekit report business-case` (r14).

Each test fails on the code as it was attacked and passes once the defect is mended."""

from __future__ import annotations

from pathlib import Path

import matplotlib.text
import pandas as pd

import invoicekit as ik
from invoicekit.cli import main
from invoicekit.explain import explain
from tests.period_runs import EXAMPLE, GRANT_HEADER, SOLHOJ, A, grant, invoice, run_robot, write_rows

EX = "tests/data/example/"
BO = "621203-1122"


def _explain(capsys, grants: Path, invoices: Path, number: str, *extra: str) -> str:
    argv = ["explain", "--grants", str(grants), "--invoices", str(invoices)]
    argv += ["--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--invoice-id", number, *extra]
    assert main(argv) == 0
    return capsys.readouterr().out


def _result_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("Resultat: "))


def test_explain_claims_the_runs_decision_with_another_grants_extract(tmp_path, capsys):
    """A caseworker asks in March why February's invoice F-100 was handled as it was. Run 1 (recorded in
    the journal) POSTED it on grant G1 at 28,500 kr. a month. Since then Sensum's rate for G1 went up to
    29,000 kr., and the caseworker gives `explain` today's grants extract beside the journal and the very
    invoice file run 1 decided.

    Now: the first line says "Afgjort, som kørsel 1 i journalen afgjorde denne fakturafil: mod kørslerne
    før den, med dens regler." and then "Resultat: manuel, AMOUNT_MISMATCH" with a message asking the
    caseworker to post it by hand, for an invoice the robot already paid. Nothing says the grants are not
    the ones run 1 was given, though the journal keeps the SHA-256 of the run's grants and support sheet
    (runs.grants_sha256, support_sheet_sha256; run.json's inputs) and explain compares the paid marks and
    the invoice lines files with the run's.

    README (explain): "when the journal recorded a run of this very invoice file (its SHA-256), the batch is
    decided against the runs before that one and with the rules that run recorded, as that run decided it
    (the first line says so)"; and "Where the run was given Sensum's paid marks or an invoice lines file
    that `explain` is not given (or another file, by its SHA-256), it says so".

    Why it matters: money paid twice. The caseworker is told, under "as run 1 decided it", that the robot
    sent the invoice to manual and to post it by hand; run 1 had posted it in OPUS already. The same holds
    for a support sheet other than the run's (another PSP element or art shown as the run's)."""
    run_robot(tmp_path / "feb", [grant()],
              [invoice(invoice_id="F-100", period_start="01.02.2019", period_end="28.02.2019")],
              tmp_path / "journal.sqlite")  # fmt: skip
    decided = pd.read_csv(tmp_path / "feb" / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert decided.loc[0, "status"] == "posted" and decided.loc[0, "grant_id"] == "G1"
    march = write_rows(tmp_path / "bevillinger-marts.csv", GRANT_HEADER, [grant(rate="29000.00")])
    out = _explain(capsys, march, tmp_path / "feb" / "i.csv", "F-100", "--journal", str(tmp_path / "journal.sqlite"))
    assert "Afgjort, som kørsel 1" in out  # it claims to show run 1's decision
    # either it shows what run 1 decided, or it says that the grants are not the ones run 1 was given
    assert _result_line(out).startswith("Resultat: bogført på bevilling G1") or "--grants" in out, out


def test_explain_claims_the_runs_decision_with_invoice_lines_the_run_never_had(tmp_path, capsys):
    """Run 1 (recorded) was given no invoice lines: the collective invoice S-1 for two citizens (Anna,
    28,500 kr., and Bo, 31,200 kr., Solhøj, February 2019) went to manual, MULTIPLE_CPR, and was not paid.
    A caseworker explains it with `--journal` and the lines file that arrived later (`--invoice-lines`).

    Now: "Afgjort, som kørsel 1 i journalen afgjorde denne fakturafil ..." and then "Resultat: bogført på
    bevilling G1;G2", each line "→ bogført". Nothing says that run 1 had no lines: `_lines_as_recorded`
    returns "" when the run's run.json names no lines file, where `_paid_as_recorded` says for the paid
    marks "Kørsel 1 fik ingen markeringer af betalte perioder; fakturaen afgøres med den givne --paid-fil,
    som kørslen ikke så."

    README (explain): the batch is decided "as that run decided it (the first line says so)"; "Where the
    run was given Sensum's paid marks or an invoice lines file that `explain` is not given (or another
    file, by its SHA-256), it says so, and to give the same file".

    Why it matters: an invoice of 59,700 kr. that the robot never paid is shown as posted by run 1: the
    caseworker leaves it, and the supplier is not paid (or, reading the OPUS file for it, finds none)."""
    grants = [grant(), grant(grant_id="G2", cpr=BO, rate="31200.00")]
    collective = invoice(invoice_id="S-1", cpr="", amount="59.700,00", period_start="01.02.2019",
                         period_end="28.02.2019", text=f"Samlefaktura {A}, {BO}")  # fmt: skip
    run_robot(tmp_path / "run", grants, [collective], tmp_path / "journal.sqlite")
    decided = pd.read_csv(tmp_path / "run" / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert (decided.loc[0, "status"], decided.loc[0, "reason"]) == ("manual", "MULTIPLE_CPR")
    lines = tmp_path / "fakturalinjer.csv"
    lines.write_text(
        "invoice_id;supplier_cvr;line_no;cpr;period_start;period_end;amount\n"
        f"S-1;{SOLHOJ};1;{A};01.02.2019;28.02.2019;28.500,00\n"
        f"S-1;{SOLHOJ};2;{BO};01.02.2019;28.02.2019;31.200,00\n",
        encoding="utf-8",
    )
    out = _explain(capsys, tmp_path / "run" / "g.csv", tmp_path / "run" / "i.csv", "S-1",
                   "--journal", str(tmp_path / "journal.sqlite"), "--invoice-lines", str(lines))  # fmt: skip
    assert "Afgjort, som kørsel 1" in out  # it claims to show run 1's decision
    # either it shows what run 1 decided, or it says that run 1 was given no invoice lines
    assert "MULTIPLE_CPR" in _result_line(out) or "--invoice-lines" in out, out


def test_explain_chart_of_an_invoice_stopped_before_the_grants_draws_no_grants_for_the_citizen(tmp_path):
    """The worked example's credit note KIL-K1 (citizen 610190-xxxx, who has two grants, B-1001 and
    B-1002) stops at check 9, CREDIT_NOTE, before any grant is compared. `explain --chart` draws its funnel.

    Now: the text says so ("ikke sammenlignet: fakturaen stoppede ved tjek 9 ...", "Tragt: ingen
    (bevillingerne blev ikke sammenlignet)"), but the chart (`Explanation.figure()`, what `--chart`
    saves) draws the funnel from "Bevillinger med borgerens CPR 0" down to 0 and says nothing of the
    grants not being compared: the same picture as a citizen with no grant at all. The same holds for
    every invoice held at checks 1-10 (a duplicate, no period, an invalid CPR ...).

    README (explain): "an invoice that stopped before the grants were compared (checks 1–10, a duplicate
    say) says so instead of showing none" (`tests/test_explain.py::
    test_an_invoice_stopped_before_the_grants_were_compared_says_so` mended the text alone).

    Why it matters: a misleading figure. The chart, pasted into a case or sent to Sensum's administrators,
    says the citizen has no grant, and a caseworker asks for a grant to be created that exists already."""
    invoices = ik.read_invoices(EX + "regninger.csv")
    grants = ik.read_grants(EX + "bevillinger.csv")
    sheet = ik.read_support_sheet(EX + "stoetteark.xlsx")
    (e,) = explain(invoices, grants, sheet, "KIL-K1")
    assert e.reason == "CREDIT_NOTE" and "ikke sammenlignet" in e.text()
    fig = e.figure()
    fig.savefig(tmp_path / "k1.png")
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    bars = [p.get_width() for ax in fig.axes for p in ax.patches]
    # either the chart says the grants were not compared, or it does not draw "0 grants with the CPR"
    assert any("sammenlign" in t for t in texts) or (bars and bars[0] == 2), (texts, bars)
