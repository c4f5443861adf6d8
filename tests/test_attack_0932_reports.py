"""An attack on 0.9.31's follow-up and business-case reports: each test failed on that version."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from invoicekit import business_case as b
from invoicekit.cli import main
from invoicekit.reports import write_business_case


@pytest.fixture(scope="module")
def one_month_journal(tmp_path_factory):
    """A small synthetic municipality's first month, replayed into a journal."""
    root = tmp_path_factory.mktemp("h1world")
    world, journal = root / "world", root / "journal.sqlite"
    assert main(["synth", "--seed", "5", "--citizens", "40", "--months", "1", "--out", str(world), "--quiet"]) == 0
    assert (
        main(["replay", "--world", str(world), "--new-journal", str(journal), "--out", str(root / "r"), "--quiet"]) == 0
    )
    return journal


def test_followup_monthly_table_rounds_the_target(one_month_journal, tmp_path):
    """`invoicekit report followup --target 37.5%`: the overview (HTML key figure, the Overblik
    sheet, the chart's legend) says the target is 37,5 %, but the monthly table beside it, in the
    page and in the workbook's sheet *Måneder* (number format ``0%``), shows the target as "38 %".
    A month at 37,6 % (target reached, "Målet er nået") then reads as below its target in the
    table. The target is a rate someone set and should be shown with the decimals it has (as
    ``dk_rate`` shows it in the overview): "37,5 %", in the page's table and in the workbook.
    Cause: invoicekit/reports.py MONTHLY maps ``target`` to the kind ``pct0``."""
    out = tmp_path / "fu"
    assert main(["report", "followup", "--journal", str(one_month_journal), "--target", "37.5%",
                 "--out", str(out), "--quiet"]) == 0  # fmt: skip
    page = (out / "followup.html").read_text(encoding="utf-8")
    table = page[page.index("<th>Mål</th>") :]
    table = table[: table.index("</table>")]
    targets = re.findall(r'<td class="num">([^<]*)</td><td>[^<]*</td></tr>', table)  # Mål, then Bemærkning
    assert targets and all(t == "37,5 %" for t in targets), f"the monthly table shows the 37,5 % target as {targets}"
    ws = load_workbook(out / "followup.xlsx")["Måneder"]
    headers = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=headers.index("Mål") + 1)
    assert cell.value == pytest.approx(0.375)
    assert cell.number_format != "0%", "the workbook shows the 37,5 % target as 38 %"


def test_business_case_scenario_rounds_the_minutes(tmp_path):
    """A business case with ``minutes_control = 0.25`` and ``minutes_exception = 1.25`` (the README:
    "A minute or an hour a month may be a decimal (minutes_control = 1.250 is 1¼ minutes)";
    --print-config itself suggests minutes_control = [0.25, 0.5, 1]): the report's *Scenarier*
    section says the postings are controlled "med 0,3 minutter pr. postering" and the manual ones
    get "1,3 minutters ekstra opfølgning", while the assumptions (Forudsætninger) say 0,25 and
    1,25: the figure the model uses is shown 20 % too high. It should say 0,25 and 1,25 minutes.
    Cause: invoicekit/reports.py:_minutes shows at most one decimal."""
    bc = b.build(b.load_config(text="minutes_control = 0.25\nminutes_exception = 1.25\n"))
    paths = write_business_case(bc, tmp_path / "bc")
    page = paths["html"].read_text(encoding="utf-8")
    scenario = page[page.index("Scenarie 1 (robot)") :]
    scenario = scenario[: scenario.index("</p>")]
    assert "0,25 minutter" in scenario, scenario
    assert "1,25 minutter" in scenario, scenario


def test_probability_of_a_positive_npv_shown_as_certain(tmp_path, capsys):
    """A business case whose Monte Carlo finds 34 of 10,000 draws negative (P(NPV > 0) = 0.9966):
    the report's summary says "positiv i 99,7 % af 10.000 trækninger", but its key figures (the
    *Nøgletal* table in the page, the workbook's *Nøgletal* sheet with format ``0%``, the Monte
    Carlo chart's title "sandsynligheden for en positiv nutidsværdi er 100 %") and the command's
    printed line "P(NPV > 0) = 100%" say the NPV is certainly positive. The report contradicts
    itself, and a manager reads certainty the simulation does not give; the code's own rule
    (reports._uncertainty_sentence: "99,6 % is not 100 %") is kept in the summary only. It should
    read 99,7 % wherever it is shown. Cause: invoicekit/reports.py write_business_case
    (dk_percent(..., 0)) and _key_figures ("pct0"), charts.monte_carlo_figure, BusinessCase.text."""
    cfg = tmp_path / "bc.toml"
    cfg.write_text("invoices_per_year = 10000\nautomation_rate = 0.5\nminutes_manual = [6.7, 10, 12]\n")
    out = tmp_path / "bc"
    assert main(["report", "business-case", "--config", str(cfg), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    headline = b.build(b.load_config(cfg)).headline
    p = headline["probability_npv_positive"]
    assert 0.99 < p < 0.999  # the premise: some draws are negative
    page = (out / "business-case.html").read_text(encoding="utf-8")
    shown = re.search(r"Sandsynlighed for positiv nutidsværdi</td><td>([^<]*)<", page)[1]
    assert shown != "100 %", f"the key figures say {shown} where {p:.2%} of the draws are positive"
    assert "P(NPV > 0) = 100%" not in printed
