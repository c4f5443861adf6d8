"""A review of 0.9.31's later mends: each test builds its inputs in tmp_path and failed on the change."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.errors import InputError

EXAMPLE = Path(__file__).parent / "data" / "example"
SOLHOJ = "29345716"
HEAD = "Fakturanummer;CVR;Dokumenttype;Beløb;CPR;Periode fra;Periode til\n"


def _run_month(tmp: Path, journal: Path, name: str, rows: str, new: bool) -> None:
    path = tmp / name
    path.write_text(HEAD + rows, encoding="utf-8")
    argv = ["run", "--invoices", str(path), "--grants", str(EXAMPLE / "bevillinger.csv"),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--new-journal" if new else "--journal",
            str(journal), "--out", str(tmp / f"out-{path.stem}"), "--quiet"]  # fmt: skip
    assert main(argv) == 0


# ------------------------------------------------------------------ first_decision: credit notes keyed apart


def test_a_resend_check_10_found_after_a_debetnota_counts_once(tmp_path):
    # A document of another type (debetnota) goes to manual as CREDIT_NOTE, and check 10 remembers it (README,
    # "No invoice is paid twice"): the faktura resent under its number (0004711, then 4711: one number by value,
    # as check 10 compares) is held as DUPLICATE_INVOICE, a resend. The follow-up counted it once (0.9.30); keyed
    # apart as a credit note, the resend is now a second invoice, and decided_again does not list it.
    from invoicekit.followup import decided_again, load_decisions, load_every_decision

    journal = tmp_path / "j.sqlite"
    _run_month(tmp_path, journal, "regninger_2019-03.csv",
               "0004711;29345716;debetnota;28.500,00;610190-1234;01.03.2019;31.03.2019\n", new=True)  # fmt: skip
    _run_month(tmp_path, journal, "regninger_2019-04.csv",
               "4711;29345716;faktura;28.500,00;610190-1234;01.03.2019;31.03.2019\n", new=False)  # fmt: skip
    every = load_every_decision(journal)
    assert list(every["reason"]) == ["CREDIT_NOTE", "DUPLICATE_INVOICE"]
    assert len(load_decisions(journal)) == 1, "a resend check 10 held as a duplicate counted as a second invoice"
    assert len(decided_again(every)) == 1


# ------------------------------------------------------------------ followup: sorted keys of collective invoices


def test_service_table_names_a_collective_invoices_services_whatever_their_order(tmp_path):
    # The journal keeps a collective invoice's service_code and service_name ';'-joined in its lines' order
    # (run.with_names). _group_table now sorts the code ("SEL104-AKT;SEL108-BO"), and service_table looks the
    # name up under the sorted code, which latest_names keys as written: the name is lost (blank).
    from invoicekit.followup import service_table

    d = pd.DataFrame(
        {
            "service_code": ["SEL108-BO;SEL104-AKT", "SEL108-BO"],
            "service_name": ["Længerevarende botilbud;Aktivitets- og samværstilbud", "Længerevarende botilbud"],
            "paragraph": ["108;104", "108"],
            "posted": [True, True],
            "amount_ore": pd.array([10_000, 20_000], dtype="Int64"),
            "reason": ["", ""],
            "status": ["posted", "posted"],
        }
    )
    t = service_table(d)
    collective = t[t["service_code"].str.contains(";")].iloc[0]
    assert collective["service_name"] != "", "the collective invoice's services lost their names"


# ------------------------------------------------------------------ sample: the 1,000,000,000 limit


@pytest.mark.parametrize("seed", ["3000000000"])
def test_a_control_sheet_drawn_with_a_seed_above_a_billion_is_evaluated_against_its_journal(tmp_path, seed):
    # sample draw takes --seed 0 to 4294967295 and writes it in Oplysninger; sample evaluate with --journal reads it
    # back through _info_number, which now refuses any whole number above 1,000,000,000: the sheet invoicekit drew
    # itself is refused ("is not a whole number up to 1,000,000,000").
    from invoicekit.sample import evaluate_control

    journal = tmp_path / "j.sqlite"
    _run_month(tmp_path, journal, "regninger_2019-03.csv",
               "SOL-1;29345716;faktura;28.500,00;610190-1234;01.03.2019;31.03.2019\n", new=True)  # fmt: skip
    path = tmp_path / "kontrol.xlsx"
    argv = ["sample", "draw", "--journal", str(journal), "--month", "2019-03", "--seed", seed, "--out", str(path)]
    assert main(argv) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["Stikprøve"]
    heading = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(heading, start=1) if h and str(h).lower().startswith("fejl"))
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value = "nej"
    wb.save(path)
    result = evaluate_control(path, journal)
    assert result.errors == 0


# ------------------------------------------------------------------ readers.refuse_no_xlsx


@pytest.mark.parametrize(
    "data",
    [
        "Fakturanummer\tCVR\tBeløb\nSOL-1\t29345716\t28500,00\n".encode("utf-16"),  # Excel's "Unicode text"
        "Beløb;CPR;Fakturanummer\n28.500,00;610190-1234;SOL-1\n".encode(),  # a Danish letter in 8 bytes
        "\ufeffLøbenr;Beløb\n1;2\n".encode("utf-8"),  # the same with a BOM
    ],
    ids=["utf16", "utf8-danish-header", "utf8-bom-danish-header"],
)
def test_a_text_file_named_xlsx_is_told_as_text_not_badzipfile(tmp_path, data):
    # refuse_no_xlsx tells a CSV file under an .xlsx name by 8 bytes of printable ASCII: a CSV saved as UTF-16
    # (FF FE, NUL bytes) or one whose first heading has a Danish letter is missed, and still told
    # "cannot be opened as an Excel .xlsx workbook (BadZipFile)", a Python exception's name and no way on.
    from invoicekit.readers import open_workbook

    path = tmp_path / "regninger.xlsx"
    path.write_bytes(data)
    with pytest.raises(InputError) as refused:
        open_workbook(path)
    assert "BadZipFile" not in str(refused.value)
    assert "text" in str(refused.value) or "CSV" in str(refused.value)


# ------------------------------------------------------------------ journal: a damaged journal is told so


def test_a_journal_whose_runs_table_is_damaged_is_named_and_told_damaged(tmp_path, capsys):
    # _journal_error now tells "malformed" as damaged, naming the journal; a journal whose damage is met first at
    # pending_deliveries (pandas' read_sql_query: its DatabaseError is an OSError) is told
    # "Execution failed on sql 'SELECT run_id, out_dir, staging_dir FROM runs ...': database disk image is
    # malformed": no file named, an SQL statement, no way on.
    import sqlite3

    journal = tmp_path / "j.sqlite"
    _run_month(tmp_path, journal, "regninger_2019-03.csv",
               "SOL-1;29345716;faktura;28.500,00;610190-1234;01.03.2019;31.03.2019\n", new=True)  # fmt: skip
    conn = sqlite3.connect(journal)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'runs'").fetchone()
    conn.close()
    data = bytearray(journal.read_bytes())
    data[(root - 1) * page_size : root * page_size] = b"\xab" * page_size
    journal.write_bytes(bytes(data))
    capsys.readouterr()
    path = tmp_path / "regninger_2019-04.csv"
    path.write_text(HEAD + "SOL-2;29345716;faktura;28.500,00;610190-1234;01.04.2019;30.04.2019\n", encoding="utf-8")
    argv = ["run", "--invoices", str(path), "--grants", str(EXAMPLE / "bevillinger.csv"),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--journal", str(journal),
            "--out", str(tmp_path / "out2"), "--quiet"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Execution failed on sql" not in err
    assert str(journal) in err and "damaged" in err
