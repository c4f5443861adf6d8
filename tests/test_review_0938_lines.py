"""An attack on collective invoices and their lines (0.9.38): a lines extract whose period columns were named as OPUS names them, a line whose text names a lone day, a citizen with two services named twice."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from tests.test_lines import ANNA, BO, CVR, GRANTS, SHEET


def _write(path: Path, rows: list[dict]) -> Path:
    header = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header, delimiter=";", restval="")
        w.writeheader()
        w.writerows(rows)
    return path


def _run(tmp: Path, name: str, invoices: list[dict], lines: list[dict] | None = None, *extra: str) -> tuple[int, Path]:
    """``invoicekit run`` on test_lines' grants and support sheet; returns (exit status, out folder)."""
    grants = tmp / "grants.csv"
    if not grants.exists():
        pd.DataFrame(GRANTS).to_csv(grants, index=False)
        with pd.ExcelWriter(tmp / "sheet.xlsx") as w:
            for sheet, frame in SHEET.items():
                frame.to_excel(w, sheet_name=sheet, index=False)
    argv = ["run", "--grants", str(grants), "--invoices", str(_write(tmp / f"{name}-invoices.csv", invoices)),
            "--support-sheet", str(tmp / "sheet.xlsx"), "--out", str(tmp / name), "--quiet", *extra]  # fmt: skip
    if lines is not None:
        argv += ["--invoice-lines", str(_write(tmp / f"{name}-lines.csv", lines))]
    return main(argv), tmp / name


def _postings(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False)


def _invoice(number: str, amount: str, cpr: str = "", text: str = "Samlefaktura marts 2019") -> dict:
    return {"Fakturanummer": number, "CVR": CVR, "Beløb": amount, "CPR": cpr, "Tekst": text}


@pytest.mark.parametrize(
    ("start", "end"),
    [("Ydelsesperiode fra", "Ydelsesperiode til"), ("Periode fra og med", "Periode til og med")],
    ids=["opus-names", "fra-og-med"],
)
def test_a_lines_period_in_a_column_the_robot_does_not_read_is_replaced_by_the_invoices(tmp_path, start, end):
    """What goes wrong: a supplier's lines extract gives each line's period in columns named as
    OPUS itself names them (``Ydelsesperiode fra``/``Ydelsesperiode til``, the headers of the
    robot's own ``opus_postings.csv``) or ``Periode fra og med``/``Periode til og med``. The robot
    reads neither, says nothing (no exit 2, no warning, nothing in input_problems.csv), takes every
    line's period as blank and gives it the invoice's (March, from "Samlefaktura marts 2019"). Bo's
    line bills February, which invoice B2 in the same batch already paid; it is posted as March:
    OPUS gets Bo's February paid a second time, booked as March, and Sensum marks March paid, so
    Bo's real March invoice will be held back as ALREADY_PAID.

    Why it matters: a double payment, and a wrong period in OPUS and Sensum, from an ordinary
    export. The robot refuses the same thing in the grant extract (an unread column that looks
    like the end date, README "Which exports to take", ``_refuse_unread_end_dates``) and warns of
    unread payment columns in the invoice extract; a lines extract is read with neither guard.

    Right behaviour: robot-spec.md "Collective invoices": a line's period is the invoice's only
    when its period cells are *blank* ("`period_start`, `period_end` | no | blank: the invoice's
    period"). A lines extract whose unread columns look like a period (and hold dates) is refused
    (exit 2 naming the column, as for the grants' end date) or its lines are not given the
    invoice's period: Bo's February is never posted as March, and never paid twice."""
    code, bo = bos_february_with_line_periods_under(tmp_path, start, end)
    if code == 2:
        return  # refused, naming the column: right
    assert len(bo) == 1, f"Bo's February paid twice, the second time as March:\n{bo.to_string()}"


def bos_february_with_line_periods_under(tmp_path: Path, start: str, end: str) -> tuple[int, pd.DataFrame | None]:
    """Bo's February invoice B2 beside a March collective invoice S1 whose lines give their periods under the
    headers ``start`` and ``end`` (Anna March, Bo February): the exit code and Bo's postings (None unless 0)."""
    single = _invoice("B2", "20000", cpr=BO, text="Ophold februar 2019")
    lines = [
        {"Fakturanummer": "S1", "CVR": CVR, "Linje": "1", "CPR": ANNA, "Beløb": "30000",
         start: "01.03.2019", end: "31.03.2019"},
        {"Fakturanummer": "S1", "CVR": CVR, "Linje": "2", "CPR": BO, "Beløb": "20000",
         start: "01.02.2019", end: "28.02.2019"},
    ]  # fmt: skip
    code, out = _run(tmp_path, "out", [single, _invoice("S1", "50000")], lines)
    if code != 0:
        return code, None
    postings = _postings(out)
    return code, postings[postings["Ydelsesmodtagernr."] == BO]


@pytest.mark.parametrize("text", ["Udflyttet d. 15.", "Død d. 12.", "Ophold til og med den 15.", "Ophold d. 1 - 15"])
def test_a_line_whose_text_names_a_lone_day_is_not_paid_for_the_invoices_whole_month(tmp_path, text):
    """What goes wrong: a collective invoice for March (its text "Samlefaktura marts 2019") whose
    line for Anna has blank period cells, 30.000 kr. (a whole month of her grant) and the text
    "Udflyttet d. 15." (or "Død d. 12.", "Ophold til og med den 15.", "Ophold d. 1 - 15") is posted:
    OPUS gets Anna's whole March, 01.03.2019-31.03.2019, and Sensum marks it paid, although the
    line itself says she left (or died) in the middle of the month. The same text with the month
    ("udflyttet 15. marts 2019", "udflyttet 15.03", "Ophold 1.-15.") goes to a caseworker.

    Why it matters: a month paid in full for a citizen who moved out or died on the 12th or 15th:
    an overpayment the caseworker never sees, since the invoice is posted.

    Right behaviour: README "Collective invoices, line by line": a line's blank period cells are
    the invoice's "unless the line's text says something of its period and gives none: two
    periods, a date or loose days"; such a line has no period, MISSING_PERIOD, and the invoice goes
    to manual naming that line (tests/test_lines.py::test_a_line_whose_text_says_something_of_its_
    period_is_not_given_the_invoices holds the same for "udflyttet 15. marts 2019")."""
    lines = [
        {"Fakturanummer": "S1", "CVR": CVR, "Linje": "1", "CPR": ANNA, "Beløb": "30000", "Tekst": text},
        {"Fakturanummer": "S1", "CVR": CVR, "Linje": "2", "CPR": BO, "Beløb": "20000", "Tekst": "Døgnophold"},
    ]
    code, out = _run(tmp_path, "out", [_invoice("S1", "50.000,00")], lines)
    assert code == 0
    decision_lines = pd.read_csv(out / "decision_lines.csv", dtype=str, keep_default_na=False)
    assert len(_postings(out)) == 0, f"Anna's whole March posted although her line says {text!r}"
    assert decision_lines["reason"].iloc[0] == "MISSING_PERIOD"


def test_a_collective_invoice_names_a_citizen_with_two_services_once():
    """What goes wrong: a collective invoice with three lines, Anna's residential stay (§ 108),
    Anna's day service (§ 104) and Bo's stay, is posted, and its row in decisions.csv gives
    ``cpr_masked`` as "010190-xxxx;010190-xxxx;020290-xxxx": three citizens, where there are two.
    The column lists the lines' citizens by check 21's citizen key, which is (citizen, supplier,
    service), so one citizen with two services is listed as two.

    Why it matters (cosmetic): the row is what the caseworker and the follow-up read; two masked
    numbers alike is how the tool shows two citizens born on the same day
    (tests/test_review_0935_lines.py::test_a_collective_invoice_for_two_citizens_born_the_same_day_
    names_both), so the reader cannot tell a second service from a second citizen.

    Right behaviour: each citizen of the invoice once (README: the invoice's row "names two
    citizens, as it names two grants"): "010190-xxxx;020290-xxxx"; the grants stay three."""
    import invoicekit as ik
    from tests.test_lines import line

    grants = [*GRANTS, {"grant_id": "G5", "cpr": ANNA, "service_code": "SEL104", "supplier_cvr": CVR, "rate": "5000",
                        "rate_unit": "month", "start_date": "2019-01-01", "end_date": ""}]  # fmt: skip
    sheet = {
        "services": pd.DataFrame([{"service_code": "SEL108", "paragraph": "108", "target_group": "UH"},
                                  {"service_code": "SEL104", "paragraph": "104", "target_group": "UH"}]),
        "suppliers": SHEET["suppliers"],
        "coding": pd.DataFrame([{"paragraph": p, "ownership": "privat", "target_group": "UH", "psp_element": f"P{p}",
                                 "art": "40000000", "valid_from": "2018-01-01", "valid_to": ""} for p in ("108", "104")]),
    }  # fmt: skip
    invoice = {"invoice_id": "S1", "supplier_cvr": CVR, "amount": "55000", "cpr": "", "text": "Samlefaktura marts 2019"}
    lines = [line("S1", "1", ANNA, "30000"), line("S1", "2", ANNA, "5000"), line("S1", "3", BO, "20000")]
    r = ik.decide(
        ik.prepare_invoices(pd.DataFrame([invoice])),
        ik.prepare_grants(pd.DataFrame(grants)),
        ik.prepare_support_sheet(sheet),
        lines=ik.prepare_invoice_lines(pd.DataFrame(lines)),
    )
    d = r.decisions.iloc[0]
    assert (d["status"], d["grant_id"]) == ("posted", "G1;G5;G2")
    assert d["cpr_masked"] == "010190-xxxx;020290-xxxx"
