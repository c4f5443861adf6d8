"""A second review of 0.9.37's mends: the rate fixes' paid grants of a collective invoice of one service,
a decisions file copied without its run.json read twice, and a shared-string index of other digits in a
support sheet. Each test failed on the mends the first review made."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import zipfile

from tests.period_runs import EXAMPLE, invoice

MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}


def test_rate_fix_misses_siblings_paid_on_a_collective_invoice_of_one_service():
    """Grant GA's invoices are 2.1 % over its rate in December and January (AMOUNT_MISMATCH), while
    the supplier's other grants of the same service, GB and GC, are paid as registered on a collective
    invoice each month (posted line by line: the journal holds ``grant_id`` = ``GB;GC`` and, the lines
    being of one service, ``service_code`` = ``108-LAN`` once: lines._joined keeps each value once).

    What goes wrong: the mend in _rate_fixes splits both joined columns and keeps only rows where they
    have as many parts (``even``); a collective invoice whose lines share a service has 2 grants and 1
    service, so it is dropped, GB and GC count as not paid, and the fix list tells administration to
    register a new rate for the supplier's whole service (``rate:29345716:108-LAN:...``). Before the
    mend the same data gave ``grant_rate:GA``. Following the fix raises GB's and GC's rates too, and
    their correct invoices then fail AMOUNT_MISMATCH.

    Right: grants paid on a collective invoice count under its service when its lines share one (the
    service joined once); the fix is ``grant_rate:GA``, as when GB and GC are paid on invoices of
    their own (tests/test_actions.py::test_one_grant_off_while_its_siblings_are_paid_...)."""
    from invoicekit.actions import fix_list
    from tests.test_actions import MASKED, B, C, day_grants, decision, frame

    d = frame(
        *(
            row
            for month in ("2018-12", "2019-01")
            for row in (
                decision(1, "AMOUNT_MISMATCH", month, amount=1021.0 * 31, expected_amount=31000.0),
                decision(
                    2,
                    "",
                    month,
                    cpr_masked=f"{MASKED[B]};{MASKED[C]}",
                    grant_id="GB;GC",
                    service_code="108-LAN",
                    amount=62000.0,
                ),
            )
        )
    )
    keys = fix_list(d, grants=day_grants()).fixes["fix_key"].tolist()
    assert keys == ["grant_rate:GA"], keys


def test_a_decisions_file_copied_without_its_run_json_is_read_twice(tmp_path):
    """March's run (recorded in a journal) writes ``ud/2019-03/decisions.csv`` with its ``run.json``;
    a clerk copies the decisions file alone to an archive folder (``arkiv/decisions.csv``), and
    ``evaluate`` is given both (a glob over the folders).

    What goes wrong: since the mend, a file's bytes are compared only for files without a run of their
    own, and only such files' bytes are remembered. The original has a run.json, so its bytes are never
    remembered; the copy has none, so it is compared against nothing: both are read, and the month's
    two invoices (one without a number) count four times. Before the mend the copy was refused.

    Why it matters: README (evaluate): the files are given "each once: a file given twice (it counted
    its numberless invoices twice) ... is refused"; a copy doubles the invoices and halves nothing, so
    error rate, automation rate and the sample's basis are wrong.

    Right: the copy is refused as one (the same bytes as a file already given, whether that one has a
    run.json or not), or read once: two decisions."""
    from invoicekit.errors import InputError
    from invoicekit.evaluate import read_decisions
    from tests.test_review_0937_figures import _run

    rows = [invoice(invoice_id="F-1", **MARCH), invoice(invoice_id="", **MARCH)]
    out = _run(tmp_path, "invoices-2019-03.csv", rows, "ud/2019-03", tmp_path / "journal.sqlite", dt.date(2019, 3, 31))
    (tmp_path / "arkiv").mkdir()
    shutil.copy(out / "decisions.csv", tmp_path / "arkiv" / "decisions.csv")
    for order in ([out, tmp_path / "arkiv"], [tmp_path / "arkiv", out]):
        try:
            d = read_decisions([p / "decisions.csv" for p in order])
        except InputError:
            continue  # refused: a copy
        assert len(d) == 2, f"a copy of March's decisions made {len(d)} decisions of a month of 2"


def test_a_shared_string_index_of_other_digits_crashes_reading_the_support_sheet(tmp_path):
    """A support sheet with a hidden row whose cell is a shared string (``t="s"``) with the index
    ``²`` (a damaged or hand-made file).

    What goes wrong: the mend in readers.rows_not_shown resolves a shared-string index when
    ``held.strip().isdigit()``; ``'²'.isdigit()`` is true but ``int('²')`` raises ValueError, which
    escapes read_support_sheet (a traceback, not the tool's exit 2 naming the file).

    Right: the index is tested with ``isdecimal`` (or the int() guarded), and the sheet is read or
    refused with an InputError."""
    from openpyxl import load_workbook

    from invoicekit.errors import InputError
    from invoicekit.extracts import read_support_sheet

    wb = load_workbook(EXAMPLE / "stoetteark.xlsx")
    ws = wb["Ydelser"]
    at = ws.max_row + 1
    ws.cell(at, 1).value = "XMARK"
    ws.row_dimensions[at].hidden = True
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    with zipfile.ZipFile(plain) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n, b in parts.items() if n.startswith("xl/worksheets/") and b"XMARK" in b)
    parts[sheet] = parts[sheet].replace(
        f'<c r="A{at}" t="inlineStr"><is><t>XMARK</t></is></c>'.encode(),
        f'<c r="A{at}" t="s"><v>\u00b2</v></c>'.encode(),
    )
    assert "\u00b2".encode() in parts[sheet]
    damaged = tmp_path / "stoetteark.xlsx"
    with zipfile.ZipFile(damaged, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with contextlib.suppress(InputError):
        read_support_sheet(damaged)
