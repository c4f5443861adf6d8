"""An attack on 0.9.32's figures: are those finance staff and auditors read
right? Each test builds its own inputs in tmp_path and failed on 0.9.32."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from invoicekit import run
from invoicekit.business_case import build, load_config
from invoicekit.followup import followup
from invoicekit.formats import dk_number
from invoicekit.reports import write_business_case, write_followup
from invoicekit.sample import draw, evaluate_control

CVR = "29345716"


def _cprs(n: int) -> list[str]:
    """``n`` distinct CPR numbers with valid dates."""
    return [f"{1 + i % 28:02d}{1 + (i // 28) % 12:02d}{50 + i // 336:02d}{1000 + i:04d}" for i in range(n)]


def _world(tmp_path: Path, cprs: list[str]) -> tuple[Path, Path]:
    """A grant of 30,000 kr. a month for each citizen at one supplier, and a support sheet that codes them."""
    grants = tmp_path / "grants.csv"
    pd.DataFrame(
        [
            {"grant_id": f"G{i}", "cpr": c, "service_code": "SEL108", "supplier_cvr": CVR, "rate": "30000",
             "rate_unit": "month", "start_date": "2019-01-01", "end_date": ""}
            for i, c in enumerate(cprs)
        ]
    ).to_csv(grants, index=False)  # fmt: skip
    sheet = tmp_path / "sheet.xlsx"
    with pd.ExcelWriter(sheet) as w:
        pd.DataFrame([{"service_code": "SEL108", "paragraph": "108", "target_group": "UH"}]).to_excel(
            w, sheet_name="services", index=False
        )
        pd.DataFrame([{"supplier_cvr": CVR, "ownership": "privat"}]).to_excel(w, sheet_name="suppliers", index=False)
        pd.DataFrame(
            [{"paragraph": "108", "ownership": "privat", "target_group": "UH", "psp_element": "P108",
              "art": "40000000", "valid_from": "2018-01-01", "valid_to": ""}]
        ).to_excel(w, sheet_name="coding", index=False)  # fmt: skip
    return grants, sheet


def _invoice(number: str, cpr: str) -> dict:
    return {"invoice_id": number, "supplier_cvr": CVR, "amount": "30000", "cpr": cpr,
            "period_start": "2019-03-01", "period_end": "2019-03-31", "text": "Ophold"}  # fmt: skip


def _run(tmp_path: Path, grants: Path, sheet: Path, month: str, invoices: list[dict], first: bool) -> Path:
    journal = tmp_path / "journal.sqlite"
    path = tmp_path / f"invoices-{month}.csv"
    pd.DataFrame(invoices).to_csv(path, index=False)
    kw = {"new_journal": journal} if first else {"journal": journal}
    run(
        grants=grants,
        invoices=path,
        support_sheet=sheet,
        out=tmp_path / f"out-{month}",
        started_at=dt.datetime(int(month[:4]), int(month[5:]), 28, 6, tzinfo=dt.UTC),
        **kw,
    )
    return journal


# ---------------------------------------------------------------- 1


def test_followup_summary_does_not_print_an_accepted_controls_bound_as_the_tolerable_rate(tmp_path):
    """A month of 101 automatic postings, sampled at 95 %/5 % (39 drawn), 0
    errors: the hypergeometric upper bound is 5/101 = 4.95 % < 5 %, so the
    month is accepted. ``sample evaluate`` prints 4.95 %, the follow-up's
    workbook 4,95 %; but the follow-up's printed summary rounds the bound to
    one decimal: "at most 5.0% wrong against 5% tolerable: accepted." A bound
    equal to the tolerable rate is exactly what must *not* be accepted, so
    the line contradicts itself (and 101, 121, 141 ... 202, 222, 242, 262
    postings a month, the case's own size, all do it)."""
    cprs = _cprs(101)
    grants, sheet = _world(tmp_path, cprs)
    journal = _run(tmp_path, grants, sheet, "2019-03", [_invoice(f"F-{i}", c) for i, c in enumerate(cprs)], True)
    path = draw(journal, "2019-03", 0.95, 0.05, 0, 1).write(tmp_path / "kontrol-2019-03.xlsx")
    wb = load_workbook(path)
    ws = wb["Stikprøve"]
    col = [c.value for c in ws[1]].index("Fejl (ja/nej)") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value = "nej"
    wb.save(path)

    result = evaluate_control(path, journal)
    assert result.accepted and result.upper_bound < 0.05  # 4.95 %: accepted, rightly

    f = followup(journal, controls=[path])
    line = next(s for s in f.text().splitlines() if s.startswith("Sample control"))
    m = re.search(r"at most ([\d.]+)% wrong against ([\d.]+)% tolerable: accepted", line)
    assert m, line
    # the printed bound must read below the printed tolerable rate (4.95% against 5%), as the workbook's does
    assert float(m[1]) < float(m[2]), line


# ---------------------------------------------------------------- 2


def test_overview_does_not_show_the_target_as_met_and_zero_points_missing(tmp_path):
    """500 of 1,001 invoices posted: 49.95 %, below the 50 % target. The
    overview shows "Automatiseringsgrad, 2019-03: 50,0 %" beside "Mål: 50 %"
    and says "Der mangler 0,0 procentpoint for at nå målet": the rate reads as
    the target, and the gap as nothing, while the verdict says it is not
    reached. The rate (or the gap) must be shown with the decimals that tell
    it below the target (49,95 %, 0,05 procentpoint), as the business case's
    rate chart does since 0.9.17."""
    cprs = _cprs(500)
    grants, sheet = _world(tmp_path, cprs)
    invoices = [_invoice(f"F-{i}", c) for i, c in enumerate(cprs)]
    invoices += [_invoice(f"M-{i}", "") for i in range(501)]  # no CPR: MISSING_CPR, manual
    journal = _run(tmp_path, grants, sheet, "2019-03", invoices, True)
    f = followup(journal)
    h = f.headline()
    assert h["last_month_rate"] < h["target"]  # 0.4995: not reached
    write_followup(f, tmp_path / "rep")
    page = (tmp_path / "rep" / "followup.html").read_text(encoding="utf-8")
    overview = page[page.find("Overblik") : page.find("Hver faktura tæller")]
    assert "Der mangler 0,0 procentpoint" not in overview
    shown = re.sub(r"<[^>]+>", " ", overview)
    assert not re.search(r"50,0\s*%\s+Automatiseringsgrad, 2019-03", shown), shown


# ---------------------------------------------------------------- 3


def test_printed_payback_is_rounded_as_the_report_rounds_it(tmp_path):
    """A payback of exactly 30.25 months: the report (page and workbook cell)
    shows 30,3 måneder, rounded half up as every figure of the tool is
    (``formats.rounded``: "a printed line beside a workbook's cell then shows
    what the cell shows"), but the command prints "30.2 months" (Python's
    round-half-even on ``:.1f``), the one headline figure it formats apart."""
    cfg = load_config(
        text="invoices_per_year = 720\nautomation_rate = 1\nerror_rate = 0\nminutes_exception = 0\n"
        "minutes_control = 0\nsubscription_per_year = 0\nmaintenance_hours_per_month = 0\n"
        "change_cost_per_year = 0\ndevelopment_cost = 121000\n"
    )
    bc = build(cfg)
    assert bc.headline["payback_months"] == 30.25
    write_business_case(bc, tmp_path / "bc")
    page = (tmp_path / "bc" / "business-case.html").read_text(encoding="utf-8")
    report = dk_number(bc.headline["payback_months"], 1)  # 30,3
    assert f"{report} måneder" in page
    printed = re.search(r"Payback \(undiscounted\): ([\d.]+) months", bc.text())[1]
    assert printed.replace(".", ",") == report, (printed, report)


# ---------------------------------------------------------------- 4


def test_a_month_of_resends_is_not_said_to_have_found_no_invoices(tmp_path):
    """March posts invoice F-1; in April the supplier sends F-1 again and the
    robot holds it as a DUPLICATE_INVOICE for a caseworker (decisions.csv has
    one row, manual). The follow-up counts the resend under March (each
    invoice once), which is its rule; but it then says of April "no invoices
    (the robot ran and found none)" and "Robotten kørte i april 2019 uden at
    finde fakturaer": the robot found, and sent to manual, an invoice that
    month."""
    cprs = _cprs(1)
    grants, sheet = _world(tmp_path, cprs)
    _run(tmp_path, grants, sheet, "2019-03", [_invoice("F-1", cprs[0])], True)
    journal = _run(tmp_path, grants, sheet, "2019-04", [_invoice("F-1", cprs[0])], False)
    april = pd.read_csv(tmp_path / "out-2019-04" / "decisions.csv", dtype=str)
    assert april["reason"].tolist() == ["DUPLICATE_INVOICE"]  # the robot found it, and held it
    f = followup(journal)
    write_followup(f, tmp_path / "rep")
    page = (tmp_path / "rep" / "followup.html").read_text(encoding="utf-8")
    assert "found none" not in f.text(), f.text()
    assert "found only 1 invoice it had seen in an earlier month" in f.text(), f.text()
    assert "Largest manual reasons" not in f.text()  # none sent to manual: no line ending in nothing
    assert "uden at finde fakturaer" not in page
    assert "kun fakturaer, den havde set i en tidligere måned: 1 gensendt faktura" in page
