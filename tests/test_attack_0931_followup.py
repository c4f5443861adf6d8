"""An attack on 0.9.30's follow-up numbers: each test builds its own inputs
in tmp_path and failed on the code as found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from invoicekit import run
from invoicekit.followup import followup
from invoicekit.sample import month_postings

CVR = "29345716"
ANNA, BO = "0101901234", "0202901234"
GRANTS = [
    {"grant_id": "G1", "cpr": ANNA, "service_code": "SEL108", "supplier_cvr": CVR, "rate": "30000",
     "rate_unit": "month", "start_date": "2019-01-01", "end_date": ""},
    {"grant_id": "G2", "cpr": BO, "service_code": "SEL104", "supplier_cvr": CVR, "rate": "20000",
     "rate_unit": "month", "start_date": "2019-01-01", "end_date": ""},
]  # fmt: skip
SHEET = {
    "services": pd.DataFrame(
        [
            {"service_code": "SEL108", "paragraph": "108", "target_group": "UH"},
            {"service_code": "SEL104", "paragraph": "104", "target_group": "UH"},
        ]
    ),
    "suppliers": pd.DataFrame([{"supplier_cvr": CVR, "ownership": "privat"}]),
    "coding": pd.DataFrame(
        [
            {
                "paragraph": "108",
                "ownership": "privat",
                "target_group": "UH",
                "psp_element": "P108",
                "art": "40000000",
                "valid_from": "2018-01-01",
                "valid_to": "",
            },
            {
                "paragraph": "104",
                "ownership": "privat",
                "target_group": "UH",
                "psp_element": "P104",
                "art": "40000000",
                "valid_from": "2018-01-01",
                "valid_to": "",
            },
        ]
    ),
}


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    pd.DataFrame(GRANTS).to_csv(tmp_path / "grants.csv", index=False)
    with pd.ExcelWriter(tmp_path / "sheet.xlsx") as w:
        for name, frame in SHEET.items():
            frame.to_excel(w, sheet_name=name, index=False)
    return tmp_path / "grants.csv", tmp_path / "sheet.xlsx"


def _inv(number: str, amount: str, cpr: str = "", start: str = "2019-03-01", end: str = "2019-03-31",
         text: str = "Ophold") -> dict:  # fmt: skip
    return {"invoice_id": number, "supplier_cvr": CVR, "amount": amount, "cpr": cpr, "period_start": start,
            "period_end": end, "text": text}  # fmt: skip


def _run_months(tmp_path: Path, months: dict[str, tuple[list[dict], list[dict] | None]]) -> Path:
    """Run the robot on each month's invoices (and lines) into one journal."""
    grants, sheet = _inputs(tmp_path)
    journal = tmp_path / "journal.sqlite"
    for i, (month, (invoices, lines)) in enumerate(months.items()):
        path = tmp_path / f"invoices-{month}.csv"
        pd.DataFrame(invoices).to_csv(path, index=False)
        lines_path = None
        if lines is not None:
            lines_path = tmp_path / f"invoice-lines-{month}.csv"
            pd.DataFrame(lines).to_csv(lines_path, index=False)
        kw = {"new_journal": journal} if i == 0 else {"journal": journal}
        run(
            grants=grants,
            invoices=path,
            support_sheet=sheet,
            out=tmp_path / f"out-{month}",
            invoice_lines=lines_path,
            started_at=dt.datetime(int(month[:4]), int(month[5:]), 28, 6, tzinfo=dt.UTC),
            **kw,
        )
    return journal


# ---------------------------------------------------------------- 1


def test_an_invoice_posted_after_a_credit_note_of_its_number_counts_as_posted(tmp_path):
    """A credit note is not remembered by check 10 (README), so an invoice
    under the same supplier and number after it is posted (paid 30,000 kr.).
    The follow-up keys both as one invoice and counts only the first
    decision, the credit note's (manual): it reports 0 of 1 posted, while
    the journal, decisions.csv and the month's sample population say 1
    posting. The robot's payment vanishes from the success rate, the hours
    saved and the wrong-posting check."""
    journal = _run_months(
        tmp_path,
        {
            "2019-03": (
                [
                    _inv("K-100", "-30000", ANNA, "2019-02-01", "2019-02-28", "Kreditnota"),
                    _inv("K-100", "30000", ANNA),
                ],
                None,
            )
        },
    )
    decisions = pd.read_csv(tmp_path / "out-2019-03" / "decisions.csv", dtype=str, keep_default_na=False)
    assert decisions["status"].tolist() == ["manual", "posted"]  # the robot paid the invoice
    assert len(month_postings(journal, "2019-03")) == 1  # the sample control's population
    f = followup(journal)
    assert f.headline()["posted"] == 1


# ---------------------------------------------------------------- 2


def test_the_paragraph_table_counts_collective_invoices_of_one_mix_of_paragraphs_under_one_key(tmp_path):
    """A collective invoice posted line by line whose lines are of §§ 108 and
    104 appeared in the paragraph table under "108;104", and another whose
    lines came the other way round under "104;108": the same mix split into
    two rows by line order. The service table alike ("SEL108;SEL104"). One
    invoice counts once, under the paragraphs its lines have, in one order
    (the journal keeps no paragraph per line, to share its amount out)."""
    invoices = [_inv("S1", "50000", "", "", "", "Samlefaktura marts 2019"),
                _inv("S2", "50000", "", "", "", "Samlefaktura april 2019")]  # fmt: skip
    invoices[1]["period_start"], invoices[1]["period_end"] = "", ""
    lines = [
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "1", "cpr": ANNA, "amount": "30000",
         "period_start": "2019-03-01", "period_end": "2019-03-31", "text": ""},
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "2", "cpr": BO, "amount": "20000",
         "period_start": "2019-03-01", "period_end": "2019-03-31", "text": ""},
        {"invoice_id": "S2", "supplier_cvr": CVR, "line_no": "1", "cpr": BO, "amount": "20000",
         "period_start": "2019-04-01", "period_end": "2019-04-30", "text": ""},
        {"invoice_id": "S2", "supplier_cvr": CVR, "line_no": "2", "cpr": ANNA, "amount": "30000",
         "period_start": "2019-04-01", "period_end": "2019-04-30", "text": ""},
    ]  # fmt: skip
    journal = _run_months(tmp_path, {"2019-04": (invoices, lines)})
    decisions = pd.read_csv(tmp_path / "out-2019-04" / "decisions.csv", dtype=str, keep_default_na=False)
    assert decisions["status"].tolist() == ["posted", "posted"]
    f = followup(journal)
    assert f.paragraphs[["paragraph", "invoices", "posted"]].values.tolist() == [["104;108", 2, 2]]
    assert f.services[["service_code", "invoices"]].values.tolist() == [["SEL104;SEL108", 2]]
