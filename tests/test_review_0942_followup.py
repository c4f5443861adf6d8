"""Attack a1 on the analyst's reports (follow-up, business case, sample, evaluate, tune):
each test builds its own small journal in tmp_path, runs the command a user runs
(``invoicekit report followup``), reads the files it writes, and fails on the code as found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from invoicekit import run
from invoicekit.cli import main

CVR = "29345716"
ANNA = "0101901234"
GRANTS = [
    {"grant_id": "G1", "cpr": ANNA, "service_code": "SEL108", "supplier_cvr": CVR, "rate": "30000",
     "rate_unit": "month", "start_date": "2019-01-01", "end_date": ""},
]  # fmt: skip
SHEET = {
    "services": pd.DataFrame([{"service_code": "SEL108", "paragraph": "108", "target_group": "UH"}]),
    "suppliers": pd.DataFrame([{"supplier_cvr": CVR, "ownership": "privat"}]),
    "coding": pd.DataFrame(
        [{"paragraph": "108", "ownership": "privat", "target_group": "UH", "psp_element": "P108",
          "art": "40000000", "valid_from": "2018-01-01", "valid_to": ""}]
    ),
}  # fmt: skip
UNKNOWN = "Ukendt (ingen bevilling fundet)"


def _inv(number: str, amount: str, start: str = "2019-03-01", end: str = "2019-03-31", **more: str) -> dict:
    row = {"invoice_id": number, "supplier_cvr": CVR, "amount": amount, "cpr": ANNA, "period_start": start,
           "period_end": end, "text": "Ophold", "document_type": "", "currency": ""}  # fmt: skip
    row.update(more)
    return row


def _inputs(folder: Path, grants: list[dict] = GRANTS, sheet: dict[str, pd.DataFrame] = SHEET) -> tuple[Path, Path]:
    """The grant extract and support sheet (these by default) written in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(grants).to_csv(folder / "grants.csv", index=False)
    with pd.ExcelWriter(folder / "sheet.xlsx") as w:
        for name, frame in sheet.items():
            frame.to_excel(w, sheet_name=name, index=False)
    return folder / "grants.csv", folder / "sheet.xlsx"


def _journal(tmp_path: Path, months: dict[str, list[dict]]) -> Path:
    """The robot run on each month's extract (``invoices-YYYY-MM.csv``) into one journal."""
    _inputs(tmp_path)
    journal = tmp_path / "journal.sqlite"
    for i, (month, invoices) in enumerate(months.items()):
        path = tmp_path / f"invoices-{month}.csv"
        pd.DataFrame(invoices).to_csv(path, index=False)
        run(
            grants=tmp_path / "grants.csv",
            invoices=path,
            support_sheet=tmp_path / "sheet.xlsx",
            out=tmp_path / f"out-{month}",
            started_at=dt.datetime(int(month[:4]), int(month[5:]), 28, 6, tzinfo=dt.UTC),
            **({"new_journal": journal} if i == 0 else {"journal": journal}),
        )
    return journal


def _decisions(tmp_path: Path, month: str) -> pd.DataFrame:
    return pd.read_csv(tmp_path / f"out-{month}" / "decisions.csv", dtype=str, keep_default_na=False)


def _followup_sheet(journal: Path, out: Path, sheet: str) -> pd.DataFrame:
    """``invoicekit report followup --journal J --out OUT``, and one sheet of the workbook it writes."""
    assert main(["report", "followup", "--journal", str(journal), "--out", str(out), "--quiet"]) == 0
    ws = load_workbook(out / "followup.xlsx")[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


# ---------------------------------------------------------------- 1


def test_paragraph_amount_adds_a_credit_note_written_as_the_spec_writes_it(tmp_path):
    """Scenario: in March Solhøj bills Anna's stay, 30,000 kr. (posted), and sends a credit
    note of 30,000 kr. for February. The spec says a credit note's ``amount`` is "positive
    for credit notes too when ``document_type`` says what the document is" (as
    ``convert oioubl`` writes every OIOUBL CreditNote: ``credit-note.xml`` converts to
    ``6312.50, credit_note``); an extract may also write it as a negative amount, as the
    synthetic world does. Both are the same document and both are decided CREDIT_NOTE.

    Now: the follow-up's paragraph table (page and sheet *Paragraffer*, column *Beløb (kr.)*;
    the service table alike) sums ``amount_ore`` whatever the document: the credit note
    written the spec's way *adds* 30,000 kr. to the row *Ukendt*, written negative it
    subtracts it. The same month shows +30.000 or -30.000 kr. by the layout of the extract.

    Expected: one document, one figure: a credit note reduces what was invoiced (the
    journal keeps ``document_type``, so the report can tell). It matters because finance
    staff sum and compare these amounts (invoiced volume by paragraph): every e-invoiced
    credit note of a real municipality is counted as money billed, twice its size off."""
    positive = _inv("K-1", "30000", "2019-02-01", "2019-02-28", document_type="credit_note")
    negative = _inv("K-1", "-30000", "2019-02-01", "2019-02-28")
    amounts = {}
    for name, credit_note in (("positive", positive), ("negative", negative)):
        folder = tmp_path / name
        journal = _journal(folder, {"2019-03": [_inv("F-1", "30000"), credit_note]})
        assert _decisions(folder, "2019-03")[["status", "reason"]].values.tolist() == [
            ["posted", ""],
            ["manual", "CREDIT_NOTE"],
        ]
        table = _followup_sheet(journal, folder / "report", "Paragraffer")
        amounts[name] = dict(zip(table["Paragraf"], table["Beløb (kr.)"], strict=True))
    assert amounts["negative"] == {"108": 30000, UNKNOWN: -30000}
    assert amounts["positive"] == amounts["negative"], (
        f"the same credit note shows {amounts['positive'][UNKNOWN]:+,.2f} kr. when written as the spec writes it "
        f"and {amounts['negative'][UNKNOWN]:+,.2f} kr. when written negative"
    )


# ---------------------------------------------------------------- 2


def test_a_credit_note_sent_again_is_counted_as_two_documents(tmp_path):
    """Scenario: Solhøj's credit note K-2 (30,000 kr., ``document_type`` credit_note) comes in
    March without a period: the robot holds it at check 6, MISSING_PERIOD. Solhøj sends the
    same credit note again in April with its period: check 9 comes before check 10, so it is
    held as CREDIT_NOTE (the robot is right: nothing is paid either time).

    Now: the follow-up counts two documents, one in each month (*Måneder*: 1 invoice in
    March and 1 in April; the overview 2 invoices): ``evaluate.first_decision`` tells a credit
    note from an invoice by the *reason* CREDIT_NOTE, not by the document, so the first copy
    (reason MISSING_PERIOD) is taken for an invoice and the second for another document.

    README (follow-up): "Each invoice counts once, at its first decision: a resend under
    the same supplier and number is the same invoice ... A credit note is a document of its
    own: an invoice of its number after it counts apart". Here it is one credit note, same
    supplier, same number, same document type. It matters because a month's invoice count,
    its manual invoices and its automation rate are the figures the case is judged by: every
    credit note first held at checks 2-8 and sent again is counted twice, lowering the
    rate of the month it came back in."""
    first = _inv("K-2", "30000", "", "", document_type="credit_note")
    again = _inv("K-2", "30000", "2019-02-01", "2019-02-28", document_type="credit_note")
    journal = _journal(tmp_path, {"2019-03": [first], "2019-04": [again]})
    assert _decisions(tmp_path, "2019-03")["reason"].tolist() == ["MISSING_PERIOD"]
    assert _decisions(tmp_path, "2019-04")["reason"].tolist() == ["CREDIT_NOTE"]
    overview = _followup_sheet(journal, tmp_path / "report", "Overblik")
    invoices = dict(zip(overview["Nøgletal"], overview["Værdi"], strict=True))["Fakturaer"]
    assert invoices == 1, f"one credit note sent twice is counted as {invoices} documents"
