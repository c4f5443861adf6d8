"""An auditor's attack (r2) on 0.9.39's changes to the journal (schema 13), check 21's moved grants
(paid_marks.with_moved_grants) and the workbooks written whole (workbook.write_workbook). Each test fails
on 0.9.39 and passes once the behaviour is right."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import invoicekit as ik
from invoicekit.cli import main
from tests.period_runs import SOLHOJ, A, grant, invoice, run_robot, write_rows

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = Path(__file__).parent / "data" / "example"
MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}
#: a private supplier in the example support sheet: the moved grant codes as § 108 privat, like Solhøj's
OTHER = "25118871"


# ---------------------------------------------------------------- check 21: a moved grant, its id written otherwise


@pytest.mark.parametrize(
    ("paid_as", "today_as"),
    [("00123", "123"), ("0123456789", "123456789")],
    ids=["leading-zeros", "ten-digits-hashed"],
)
def test_a_moved_grant_whose_id_excel_wrote_without_its_zeros_is_not_paid_again(tmp_path, paid_as, today_as):
    """What goes wrong: run 1 posts citizen 610190-1234's March 2019 at Solhøj on Sensum grant
    ``00123`` (the February extract, a CSV with the id as text). The place is taken over: the
    caseworker moves grant 00123 to the new owner's CVR, ends it 28 February and registers the stay
    again from 1 March as G-N, exactly the takeover 0.9.39's ``with_moved_grants`` was made for
    (tests/test_review_0939_grants.py::test_a_month_paid_before_a_takeover_is_not_paid_again_to_the_new_cvr).
    But this month's extract went through Excel, which keeps the id as a number: ``123`` (a ten-digit
    id ``0123456789`` the journal keeps hashed becomes ``123456789``). The new owner bills March again
    and it is POSTED on G-N: the same stay paid twice, 28,500 kr.

    Why it matters: with the id written as it was (``G-A108``, or ``00123`` both times) the robot holds
    the bill as ALREADY_PAID; only the spelling of the id Excel changed decides whether March is paid
    twice. ``with_moved_grants`` joins the journal's payments to today's extract on the exact grant key,
    while check 21 itself, and the robot everywhere else, compares grant ids of digits by value
    (robot spec check 21: "has the same grant (ids compared as invoice numbers are in check 10 ...)";
    keys.grant_values: "one extract's 00123 and 123 are one grant"; tests/test_review_0938_grant_ids.py
    for the same grant moved, written otherwise). (tests/reference.py's moved-grant rule joins on the
    exact key too.)

    Right behaviour: the new owner's March invoice goes to a caseworker as ALREADY_PAID, as it does
    when the id is written alike."""
    journal = tmp_path / "j.sqlite"
    first = run_robot(tmp_path / "feb", [grant(grant_id=paid_as)], [invoice(invoice_id="F-1", **MARCH)], journal)
    assert first["decisions"]["status"].tolist() == ["posted"]
    moved = grant(grant_id=today_as, supplier_cvr=OTHER, end_date="2019-02-28")
    again = grant(grant_id="G-N", supplier_cvr=OTHER, start_date="2019-03-01")
    second = run_robot(tmp_path / "mar", [moved, again], [invoice(invoice_id="N-1", supplier_cvr=OTHER, **MARCH)],
                       journal)  # fmt: skip
    d = second["decisions"].iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "ALREADY_PAID"), (
        f"March 2019 of 610190-xxxx, posted in run 1 on grant {paid_as} (moved since, written {today_as} "
        f"today), was {d['status']} again on {d['grant_id']} at the new owner"
    )


# ---------------------------------------------------------------- sample draw: a full disk at its second save


def _limited(limit: int):
    def apply() -> None:  # files may not grow past `limit` bytes, as a full disk stops them (RLIMIT_FSIZE)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_while_sample_draw_adds_its_drop_down_leaves_no_broken_control_sheet(tmp_path):
    """What goes wrong: 0.9.39 writes workbooks via a hidden temporary file moved into place whole, so a
    full disk "leaves nothing at path and raises OSError naming it" (workbook.write_workbook). But
    `sample draw` then opens the control sheet it just wrote, adds the ja/nej drop-down, and saves it
    again straight over --out (sample.Control.write: ``wb.save(path)``). When the disk fills during
    that second save (here a file-size limit one byte under the finished sheet's size), the command
    says only ``invoicekit: error: File too large`` (no file named), exit 1, and leaves at --out a
    control sheet cut short: not a zip, not a workbook.

    Why it matters: "a control sheet is never written over a file", so `sample draw` cannot draw
    again under that name ("exists; ... it may hold findings already"), and `sample evaluate` cannot
    read it; the auditor has a file that looks like the drawn sample. 0.9.39's own test
    (tests/test_review_0939_cli.py::test_a_full_disk_while_a_workbook_is_written_ends_in_one_line_and_leaves_no_broken_file)
    asks for exactly this and misses it only because its limits (4,000, 6,000, 8,000 bytes) all fall in
    the first save. Spec 'Limits': errors in one line, never a traceback; run --help: "a full disk: the
    message names the file".

    Right behaviour: exit 1, one line naming kontrol.xlsx and the OS's reason, and no half-written
    workbook at --out (nothing, or the whole control sheet)."""
    journal = tmp_path / "j.sqlite"
    argv = ["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", str(EXAMPLE / "regninger.csv"),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(tmp_path / "run1"),
            "--new-journal", str(journal), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    month = dt.date.today().strftime("%Y-%m")  # the journal's one run was started today
    whole = tmp_path / "whole" / "kontrol.xlsx"
    assert main(["sample", "draw", "--journal", str(journal), "--month", month, "--out", str(whole)]) == 0
    refused = 0
    for limit in range(whole.stat().st_size - 1, 3000, -900):  # from one byte short of the whole sheet down
        out = tmp_path / f"out-{limit}" / "kontrol.xlsx"
        out.parent.mkdir()
        proc = subprocess.run(
            [sys.executable, "-m", "invoicekit_command", "sample", "draw", "--journal", str(journal), "--month",
             month, "--out", str(out)],
            capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)),
            preexec_fn=_limited(limit), timeout=120,
        )  # fmt: skip
        if proc.returncode == 0:  # it fitted (a sheet's size varies by a few bytes from draw to draw)
            openpyxl.load_workbook(out, read_only=True).close()
            continue
        refused += 1
        err = proc.stderr.strip()
        assert "Traceback" not in err and err.count("\n") == 0 and "kontrol.xlsx" in err, err
        if out.exists():  # no half-written workbook left behind
            try:
                openpyxl.load_workbook(out, read_only=True).close()
            except Exception as exc:
                pytest.fail(f"a control sheet cut short ({out.stat().st_size} bytes) is left at --out: {exc!r}")
        assert not list(out.parent.glob(".*")), list(out.parent.iterdir())  # nor a hidden part of one
    assert refused, "every limit let the control sheet be written"


# ---------------------------------------------------------------- the journal alone: the inputs' plain checksums

#: a one-invoice extract as a finance officer types it for a late invoice: the spec's Danish headers, the
#: required columns and the CPR and period (the optional ones left out)
LATE_HEADER = "Fakturanummer;Leverandør CVR;CPR-nr;Periode fra;Periode til;Beløb\n"


def _late_invoice_file(invoice_id: str, cvr: str, cpr: str, start, end, amount_ore: int) -> bytes:
    kroner, ore = divmod(amount_ore, 100)
    amount = f"{kroner:,}".replace(",", ".") + f",{ore:02d}"
    return (LATE_HEADER + f"{invoice_id};{cvr};{cpr};{start:%d.%m.%Y};{end:%d.%m.%Y};{amount}\n").encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_journal_alone_gives_no_late_invoices_cpr_through_the_invoices_files_checksum(tmp_path):
    """What goes wrong: 0.9.39 keyed `run_files`' checksums because the payment file holds nothing but
    CPR numbers the journal does not (README, schema 13), and left the inputs' SHA-256 in `runs`
    plain: "an extract holds much the journal does not". A late invoice run on an extract of one
    invoice in the spec's columns (Fakturanummer, Leverandør CVR, CPR-nr, Periode fra, Periode til,
    Beløb: the required ones with the CPR and period, as staff type it) holds nothing the journal
    lacks either: the invoice number, CVR, period and amount are in its decisions, the birth date in
    `cpr_masked`. `runs.invoices_sha256` and 10,000 tries of the sequence number give the citizen's
    whole CPR number in milliseconds, from the journal alone (the same attack as
    tests/test_review_0939_journal.py, through another column; the layout's few variants, `;` or `,`,
    the amount's written forms, multiply the tries by tens, not millions).

    Why it matters: the journal is handed out alone (README: "the reports, the follow-up, sample
    control and the notebooks read it without the key"), and the spec's journal section says it "holds
    no full CPR number in clear text (... stored in a form that does not reveal one, e.g. a keyed
    hash)".

    Right behaviour: the journal keeps no unkeyed checksum of an input that may hold CPR numbers
    (keyed with the secret, as run_files' are, and compared keyed where a command looks a file up by
    it, as `explain` does), so no sequence number is found."""
    journal = tmp_path / "j.sqlite"
    case = tmp_path / "late"
    case.mkdir()
    write_rows(case / "g.csv", ["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date",
                                "end_date"], [grant()])  # fmt: skip
    (case / "i.csv").write_bytes(
        _late_invoice_file("F-77", SOLHOJ, A, dt.date(2019, 3, 1), dt.date(2019, 3, 31), 2_850_000)
    )
    argv = ["run", "--grants", str(case / "g.csv"), "--invoices", str(case / "i.csv"),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(case / "out"),
            "--new-journal", str(journal), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    # --- from here on, only the journal (no key file, no inputs, no output folder)
    journal.with_name(journal.name + ".key").rename(tmp_path / "key-elsewhere")
    with sqlite3.connect(journal) as conn:
        digests = {d for (d,) in conn.execute("SELECT invoices_sha256 FROM runs")}
    conn.close()
    (d,) = [r for r in ik.Journal(journal, readonly=True).decisions().itertuples()]
    found = [
        f"{d.cpr_masked[:6]}-{s:04d}"
        for s in range(10_000)
        if _sha256(
            _late_invoice_file(
                d.invoice_id,
                d.supplier_cvr,
                f"{d.cpr_masked[:6]}-{s:04d}",
                d.period_start,
                d.period_end,
                int(d.amount_ore),
            )
        )
        in digests
    ]
    assert found == [], f"the journal alone gives the full CPR number {found} (the invoice's citizen is {A})"
