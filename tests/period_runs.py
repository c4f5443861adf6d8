"""What the tests of periods read from invoice texts share (0.9.36's attacks and reviews): a grant of
28,500 kr. a month at Solhøj under § 108, an invoice of it with blank period cells, and a run of the robot
on them with the example support sheet."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.parsing import period_from_texts, period_in_text
from invoicekit.run import run

EXAMPLE = Path(__file__).parent / "data" / "example"
SOLHOJ = "29345716"
A = "610190-1234"
GRANT_HEADER = ["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date", "end_date"]
INVOICE_HEADER = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text"]


def write_rows(path: Path, header: list[str], rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, header, delimiter=";", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def grant(**fields: str) -> dict:
    # 28,500 kr. a month at Solhøj, § 108 (coded in the example support sheet)
    row = {"grant_id": "G1", "cpr": A, "service_code": "SEL108-BO", "supplier_cvr": SOLHOJ, "rate": "28500.00",
           "rate_unit": "month", "start_date": "2018-01-01", "end_date": ""}  # fmt: skip
    row.update(fields)
    return row


def invoice(**fields: str) -> dict:
    row = {"invoice_id": "F-1", "supplier_cvr": SOLHOJ, "amount": "28.500,00", "cpr": A,
           "period_start": "", "period_end": "", "text": "Døgnophold"}  # fmt: skip
    row.update(fields)
    return row


def run_robot(folder: Path, grants: list[dict], invoices: list[dict], journal: Path | None = None, **kw) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    args = {}
    if journal is not None:
        args["journal" if journal.exists() else "new_journal"] = journal
    run(write_rows(folder / "g.csv", GRANT_HEADER, grants), write_rows(folder / "i.csv", INVOICE_HEADER, invoices),
        EXAMPLE / "stoetteark.xlsx", folder / "out", **args, **kw)  # fmt: skip
    out = folder / "out"
    return {
        "decisions": pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False),
        "postings": pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False),
    }


def february_then(tmp_path: Path, text: str) -> dict:
    """February posted from its cells in one run; then a reminder whose period is only in ``text``."""
    journal = tmp_path / "journal.sqlite"
    first = run_robot(tmp_path / "feb", [grant()],
                 [invoice(invoice_id="F-100", period_start="01.02.2019", period_end="28.02.2019")], journal)  # fmt: skip
    assert first["decisions"].loc[0, "status"] == "posted"
    return run_robot(tmp_path / "reminder", [grant()], [invoice(invoice_id="F-101", text=text)], journal)


def posted_as(result: dict) -> str:
    p = result["postings"]
    return f"{list(p['Ydelsesperiode fra'])}-{list(p['Ydelsesperiode til'])}"


def both_paths(text: str):
    """period_in_text and the whole-column fast path, which agree on every text here."""
    start, end = period_from_texts(np.array([text], dtype=object))
    fast = None if np.isnat(start[0]) else (start[0].astype(object), end[0].astype(object))
    return period_in_text(text), fast
