"""An audit of 0.9.30 against the spec (version 2), collective invoices: each test builds its inputs in tmp_path,
runs `invoicekit run` and asserts what the spec demands."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicekit.cli import main
from tests.test_review_0930_lines import _table

EXAMPLE = Path(__file__).parent / "data" / "example"
SOLHOJ = "29345716"
A, B, C = "610190-1234", "020290-1235", "030390-1236"
GRANT_HEADER = ["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date", "end_date"]
INVOICE_HEADER = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text"]
LINE_HEADER = ["invoice_id", "supplier_cvr", "line_no", "cpr", "amount", "period_start", "period_end", "text"]


def _csv(path: Path, header: list[str], rows: list[dict]) -> Path:
    return _table(path, header, rows)


def _grant(grant_id: str, cpr: str) -> dict:
    # 28,500 kr. a month at Solhøj, § 108 (coded in the example support sheet)
    return {"grant_id": grant_id, "cpr": cpr, "service_code": "SEL108-BO", "supplier_cvr": SOLHOJ,
            "rate": "28500.00", "rate_unit": "month", "start_date": "2018-01-01"}  # fmt: skip


def _run(tmp_path: Path, grants: list[dict], invoices: list[dict], lines: list[dict] | None = None) -> dict:
    argv = ["run", "--grants", str(_csv(tmp_path / "g.csv", GRANT_HEADER, grants)),
            "--invoices", str(_csv(tmp_path / "i.csv", INVOICE_HEADER, invoices)),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(tmp_path / "out"), "--quiet"]  # fmt: skip
    if lines is not None:
        argv += ["--invoice-lines", str(_csv(tmp_path / "l.csv", LINE_HEADER, lines))]
    assert main(argv) == 0
    out = tmp_path / "out"
    return {
        "decisions": pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False),
        "postings": pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False),
    }


def _line(no: int, cpr: str, amount: str) -> dict:
    return {"invoice_id": "S-1", "supplier_cvr": SOLHOJ, "line_no": str(no), "cpr": cpr, "amount": amount}


def _invoice(**fields: str) -> dict:
    row = {"invoice_id": "S-1", "supplier_cvr": SOLHOJ, "amount": "28.500,00", "cpr": "",
           "period_start": "01.03.2019", "period_end": "31.03.2019", "text": "Samlefaktura"}  # fmt: skip
    row.update(fields)
    return row


# ------------------------------------------------------------------ collective invoices: CPR cell AND text


def test_collective_invoice_whose_cell_names_one_cpr_and_text_another_is_decided_line_by_line(tmp_path):
    # Spec, "Collective invoices, line by line": "An invoice that has rows in `--invoice-lines` ... and whose
    # own CPR cell and text give more than one distinct CPR, or none, is decided line by line (an invoice with
    # exactly one CPR is decided as usual, its lines ignored)". Here the cell names A, the text A and B, and
    # the lines bill A and B 14,250 kr. each: line by line, neither line matches its 28,500 kr. grant, so the
    # invoice goes to manual. The robot instead decides it on its total and posts all 28,500 kr. on A.
    result = _run(
        tmp_path,
        [_grant("B-1001", A), _grant("B-2001", B)],
        [_invoice(cpr=A, text=f"Samlefaktura for {A} og {B}")],
        [_line(1, A, "14250"), _line(2, B, "14250")],
    )
    d = result["decisions"].iloc[0]
    assert d["status"] == "manual", "posted the whole invoice on one citizen although its lines bill two"
    assert len(result["postings"]) == 0


def test_collective_invoice_lines_must_be_exactly_the_cprs_the_cell_and_text_name(tmp_path):
    # Spec: "`LINES_MISMATCH` (at check 3) when ... the invoice names CPR numbers and the lines' CPR numbers
    # are not exactly those", the invoice's CPR numbers being those its "own CPR cell and text give". The cell
    # names A and B, the text A, B and C; the lines only A and B: LINES_MISMATCH. The robot posts both lines.
    result = _run(
        tmp_path,
        [_grant("B-1001", A), _grant("B-2001", B), _grant("B-3001", C)],
        [_invoice(cpr=f"{A};{B}", amount="57.000,00", text=f"Samlefaktura: {A}, {B} og {C}")],
        [_line(1, A, "28500"), _line(2, B, "28500")],
    )
    d = result["decisions"].iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "LINES_MISMATCH")
    assert len(result["postings"]) == 0


def test_an_invoice_whose_lines_do_not_fit_the_citizens_its_cell_and_text_name_is_never_posted_on_the_cells_one(
    tmp_path,
):
    # The cell names A, the text A and B, and the one line bills A the whole 28,500 kr.: the lines are not
    # exactly the invoice's citizens (LINES_MISMATCH). The invoice row itself must not be decided on the cell's
    # one citizen: so decided, it matched A's grant, posted, and only its reason said LINES_MISMATCH (the
    # first mend of the findings above).
    result = _run(
        tmp_path,
        [_grant("B-1001", A), _grant("B-2001", B)],
        [_invoice(cpr=A, text=f"Samlefaktura for {A} og {B}")],
        [_line(1, A, "28500")],
    )
    d = result["decisions"].iloc[0]
    assert (d["status"], d["reason"], d["grant_id"]) == ("manual", "LINES_MISMATCH", "")
    assert len(result["postings"]) == 0


def test_an_invoice_with_lines_whose_text_names_its_one_citizen_again_is_decided_as_usual(tmp_path):
    # "an invoice with exactly one CPR is decided as usual, its lines ignored": the text naming the cell's
    # citizen again is still one CPR (the lines here would not add up, and are not read)
    result = _run(
        tmp_path,
        [_grant("B-1001", A)],
        [_invoice(cpr=A, text=f"Ophold for {A}")],
        [_line(1, A, "100")],
    )
    d = result["decisions"].iloc[0]
    assert (d["status"], d["grant_id"]) == ("posted", "B-1001")
