"""An attack on 0.9.30's errors: user mistakes that ended in a fault of the
tool's own, or a message that hid what the user needs."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from invoicekit.cli import main


@pytest.fixture(scope="module")
def world_and_journal(tmp_path_factory):
    """A small synthetic municipality, replayed into a journal (3 months)."""
    base = tmp_path_factory.mktemp("h7")
    world = base / "world"
    assert main(["synth", "--seed", "3", "--citizens", "40", "--months", "3", "--out", str(world), "--quiet"]) == 0
    journal = base / "j.sqlite"
    rc = main(["replay", "--world", str(world), "--new-journal", str(journal), "--out", str(base / "rp"), "--quiet"])
    assert rc == 0
    return world, journal


def _control_sheet(tmp_path, journal, population):
    sheet = tmp_path / "kontrol.xlsx"
    assert main(["sample", "draw", "--journal", str(journal), "--month", "2018-12", "--out", str(sheet)]) == 0
    wb = openpyxl.load_workbook(sheet)
    ws = wb["Stikprøve"]
    finding = [c.value for c in ws[1]].index("Fejl (ja/nej)") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value is not None:
            ws.cell(r, finding, "nej")
    info = wb["Oplysninger"]
    for r in range(1, info.max_row + 1):
        if info.cell(r, 1).value == "Automatiske posteringer i måneden":
            info.cell(r, 2, population)
    wb.save(sheet)
    return sheet


@pytest.mark.parametrize("with_journal", [False, True])
def test_control_sheet_with_a_huge_population_is_refused_not_a_fault(world_and_journal, tmp_path, capsys, with_journal):
    """sample evaluate: a control sheet whose 'Automatiske posteringer i måneden'
    was edited to 1e30 ends in 'unexpected TypeError' (exit 1); sample size
    refuses a population above 1,000,000,000 with exit 2."""
    _, journal = world_and_journal
    sheet = _control_sheet(tmp_path, journal, 1e30)
    capsys.readouterr()
    argv = ["sample", "evaluate", "--control", str(sheet)] + (["--journal", str(journal)] if with_journal else [])
    rc = main(argv)
    err = capsys.readouterr().err
    assert "unexpected" not in err
    assert rc == 2
    assert "kontrol.xlsx" in err and "Automatiske posteringer i måneden" in err


def test_tune_max_error_100_percent_means_no_limit(world_and_journal, capsys):
    """tune --max-error 100%: README and the error itself say '100% for no
    limit', yet the CLI parses it to 1.0 and tune() parses that again as a bare
    share, so it is refused: "--max-error: 1.0 is 100%; expected a rate below
    100 % ... (100% for no limit)"."""
    world, _ = world_and_journal
    rc = main(["tune", "--world", str(world), "--grid", "tolerance=1", "--max-error", "100%", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 0, err


def test_a_sample_larger_than_any_population_is_refused_not_printed_masked(capsys):
    """sample size --expected-errors 999999999 --tolerable 0.999 printed
    '100100-xxxx': the size 1001002648 was masked as a CPR number, so the user
    never learnt it. No month has a thousand million postings (the population's
    own limit): such a size is refused, exit 2, saying what to change."""
    rc = main(["sample", "size", "--expected-errors", "999999999", "--tolerable", "0.999"])
    printed = capsys.readouterr()
    assert rc == 2
    assert "xxxx" not in printed.out + printed.err
    assert "--expected-errors" in printed.err and "1,000,000,000" in printed.err


def test_password_protected_workbook_is_named_as_such(tmp_path, capsys):
    """A password-protected .xlsx (Excel stores it as an OLE2 compound file,
    as an old .xls is) is refused as 'cannot be opened as an Excel .xlsx
    workbook (BadZipFile)': a Python exception name, and no word of the
    password or of the old .xls format, the two causes a user can fix."""
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
    locked = tmp_path / "bevillinger.xlsx"
    locked.write_bytes(ole)
    other = tmp_path / "other.csv"
    other.write_text("x;y\n1;2\n", encoding="utf-8")
    support = tmp_path / "s.xlsx"
    openpyxl.Workbook().save(support)
    rc = main(
        ["run", "--grants", str(locked), "--invoices", str(other), "--support-sheet", str(support),
         "--out", str(tmp_path / "out"), "--dry-run", "--quiet"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2
    assert "bevillinger.xlsx" in err
    assert "BadZipFile" not in err
    assert "password" in err and ".xls" in err


def test_a_csv_file_named_xlsx_is_named_as_text(tmp_path, capsys):
    """A CSV file saved under an .xlsx name was 'cannot be opened as an Excel .xlsx workbook (BadZipFile)'."""
    example = Path(__file__).parent / "data" / "example"
    support = tmp_path / "stoetteark.xlsx"
    support.write_text("service_code;paragraph\nSEL108;108\n", encoding="utf-8")
    rc = main(
        ["run", "--grants", str(example / "bevillinger.csv"), "--invoices", str(example / "regninger.csv"),
         "--support-sheet", str(support),
         "--out", str(tmp_path / "out"), "--dry-run", "--quiet"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2
    assert "stoetteark.xlsx" in err and "holds text" in err and "BadZipFile" not in err
