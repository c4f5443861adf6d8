"""An auditor's attack (f3) on the run's outputs against spec version 2: opus_postings.csv, the posting date
and text, decisions.csv, opus_notes.csv, sensum_paid.csv, run.json and the summary printed on stdout.

Each test builds its inputs in tmp_path, runs the robot through the command line and asserts what the
spec (docs/robot-spec.md) or the README demands; each fails on invoicekit 0.9.39."""

from __future__ import annotations

import re
from pathlib import Path

from invoicekit.cli import main
from tests.period_runs import EXAMPLE, GRANT_HEADER, INVOICE_HEADER, grant, invoice, write_rows

MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}


def _cli(tmp_path: Path, grants: list[dict], invoices: list[dict], *extra: str) -> list[str]:
    argv = ["run", "--grants", str(write_rows(tmp_path / "g.csv", GRANT_HEADER, grants)),
            "--invoices", str(write_rows(tmp_path / "i.csv", INVOICE_HEADER, invoices)),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(tmp_path / "out"), *extra]  # fmt: skip
    assert main(argv) == 0
    return argv


def psp_sheet(path: Path) -> Path:
    """The example support sheet with PSP elements whose ten digits read as a birth date (§ 108's and a § 104
    row for a private home): ``XG-0306101080-00002`` and ``XG-0306101040-00001``."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.load_workbook(EXAMPLE / "stoetteark.xlsx")
    coding = wb["Kontering"]
    for row in coding.iter_rows(min_row=2):
        if row[0].value == "108" and str(row[3].value).endswith("00002"):
            row[3].value = "XG-0306101080-00002"
    coding.append(["104", "privat", "Udviklingshæmmede", "XG-0306101040-00001", "47000000", dt.datetime(2018, 1, 1)])
    wb.save(path)
    return path


def test_the_summary_shows_one_count_as_one_share(tmp_path, capsys):
    """What goes wrong: the summary on stdout rounds the same share two ways. With 16 invoices, 1
    posted and 1 sent to manual for MISSING_INVOICE_ID, it prints ``Posted: 1 (6.3%)`` (rounded half
    up, as :func:`invoicekit.formats.rounded` says every figure is: "6.25 → 6.3 ... where Python's
    round and format round the binary value half to even (6.2)") and, a few lines below,
    ``MISSING_INVOICE_ID  1  6.2%`` (Python's ``{:.1%}``, half to even). The line "Most invoices share
    one problem" uses ``{:.0%}`` too (62% of 0.625 where the rest of the tool shows 63%).

    Why it matters: the spec's summary gives "posted (share), the most common reasons"; a
    controller who compares one count with another sees two shares for the same count in one
    printout, and the tool's own rule for shown figures (formats.rounded: "a printed line beside a
    workbook's cell then shows what the cell shows") is broken in its most-read figures.

    Right behaviour: every share in the summary is rounded the one way (``en_percent``): a count of
    1 in 16 reads 6.3% wherever it is printed."""
    invoices = [invoice(invoice_id="P-1", **MARCH), invoice(invoice_id="", **MARCH)]
    # 14 more to manual, two by two under other reasons, so that no reason has "most" invoices
    invoices += [invoice(invoice_id=f"N-{k}", supplier_cvr="12345678", **MARCH) for k in range(4)]
    invoices += [invoice(invoice_id=f"A-{k}", amount="1.000,00", **MARCH) for k in range(4)]
    invoices += [invoice(invoice_id=f"C-{k}", cpr="", **MARCH) for k in range(3)]
    invoices += [invoice(invoice_id=f"X-{k}", amount="-5,00", **MARCH) for k in range(3)]
    assert len(invoices) == 16
    _cli(tmp_path, [grant()], invoices)
    out = capsys.readouterr().out
    posted = re.search(r"^Posted:\s+1 \(([\d.]+)%\)", out, re.M)
    reason = re.search(r"^\s+MISSING_INVOICE_ID\s+1\s+([\d.]+)%", out, re.M)
    assert posted and reason, out
    assert posted[1] == reason[1] == "6.3", (
        f"one invoice in 16 is shown as {posted[1]}% posted and {reason[1]}% for MISSING_INVOICE_ID:\n{out}"
    )


def test_a_collective_invoices_psp_elements_are_shown_as_written_in_decisions_csv(tmp_path):
    """What goes wrong: the support sheet's PSP elements ``XG-0306101080-00002`` (§ 108) and
    ``XG-0306101040-00001`` (§ 104), whose ten digits read as a birth date, are written for a
    collective invoice posted line by line as ``XG-030610-xxxx-00002;XG-030610-xxxx-00001`` in
    decisions.csv's ``psp_element`` column: the joined cell is no longer "of a PSP element's shape",
    so it is masked as a CPR number. decision_lines.csv and opus_postings.csv show the elements as they
    are; a single invoice's row shows them as they are too (the fix of an attack on 0.9.21).

    Why it matters: README ("the psp_element column shows it as it is"; the attack on 0.9.21:
    "XG-0306101080-00002 was masked to XG-030610-xxxx-00002 in decisions.csv") and the spec's
    decisions.csv, which gives the coding of every invoice: a controller checking where the robot
    posted the collective invoice reads two PSP elements that do not exist in OPUS.

    Right behaviour: each PSP element of the ``;``-joined cell is shown as written, as for a single
    invoice (anything else in the cell still masked)."""

    import pandas as pd

    from tests.test_attack_0931_collective import LINE_HEADER, A, B, _grant, _invoice, _line

    psp_sheet(tmp_path / "s.xlsx")
    grants = [_grant("G1", A), {**_grant("G2", B), "service_code": "SEL104-AKT", "rate": "9000.00"}]
    argv = ["run", "--grants", str(write_rows(tmp_path / "g.csv", GRANT_HEADER, grants)),
            "--invoices", str(write_rows(tmp_path / "i.csv", INVOICE_HEADER, [_invoice(amount="37.500,00")])),
            "--invoice-lines", str(write_rows(tmp_path / "l.csv", LINE_HEADER,
                                              [_line(1, A, "28.500,00"), _line(2, B, "9.000,00")])),
            "--support-sheet", str(tmp_path / "s.xlsx"), "--out", str(tmp_path / "out"), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    out = tmp_path / "out"
    postings = pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False)
    assert postings["PSP-element"].tolist() == ["XG-0306101080-00002", "XG-0306101040-00001"]  # posted so
    d = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False).iloc[0]
    assert d["status"] == "posted"
    assert d["psp_element"] == "XG-0306101080-00002;XG-0306101040-00001", (
        f"decisions.csv says the collective invoice was posted on {d['psp_element']!r}, PSP elements OPUS does "
        "not have; it was posted on XG-0306101080-00002 and XG-0306101040-00001"
    )
