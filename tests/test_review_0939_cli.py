"""An auditor's attack on the command line as a municipal user meets it (0.9.38): options given twice,
paths with '~', rules files in the encodings Notepad saves, workbooks on a full disk, tune --quiet, a
control sheet saved as CSV. Each test failed on 0.9.38."""

from __future__ import annotations

import datetime as dt
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from invoicekit.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = Path(__file__).parent / "data" / "example"
EINVOICES = Path(__file__).parent / "data" / "oioubl"


def _case(tmp_path: Path) -> Path:
    case = tmp_path / "case"
    shutil.copytree(EXAMPLE, case)
    return case


def _run_argv(case: Path, out: Path, *extra: str) -> list[str]:
    return ["run", "--grants", str(case / "bevillinger.csv"), "--invoices", str(case / "regninger.csv"),
            "--support-sheet", str(case / "stoetteark.xlsx"), "--out", str(out), "--quiet", *extra]  # fmt: skip


def _one_line_exit_2(code: int, err: str, *names: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for name in names:
        assert name in err, err


def _decisions(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)


def test_run_paid_given_twice_is_refused_not_half_read(tmp_path, capsys):
    """`run --paid haandbetalt.csv --paid ud/2019-03/sensum_paid.csv`: a user with two files of
    paid marks (the caseworkers' own marks from Sensum and last month's sensum_paid.csv, which
    --help says "reads as one") gives --paid twice. argparse keeps the last one alone, without a
    word, so the period of grant B-1001 that a caseworker paid by hand is paid again: SOL-1001
    (28,500 kr.) is posted where check 21 should have said ALREADY_PAID.

    Why it matters: a double payment, the very thing --paid exists to stop (--help: "so that an
    invoice paid by hand and sent again under a new number is not paid twice"). The code already
    refuses or joins a second --grid, --control, --decisions and --invoices of `types`
    (tests/test_cli.py, test_an_option_of_several_files_given_again_keeps_the_files_before), but
    not a second value of an option that takes one file.

    Right: either both files are read as paid marks, or the command is refused, exit 2, in one
    line naming --paid (spec 'Command': exit 2 "when an input cannot be used at all")."""
    case = _case(tmp_path)
    by_hand = case / "haandbetalt.csv"
    by_hand.write_text("grant_id;period_start;period_end;invoice_id\nB-1001;01.03.2019;31.03.2019;MANUEL-77\n",
                       encoding="utf-8")  # fmt: skip
    other = case / "sensum_paid_februar.csv"
    other.write_text("grant_id,period_start,period_end,invoice_id,amount\n"
                     "B-1002,2019-02-01,2019-02-28,KIL-190,12600.00\n", encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    code = main(_run_argv(case, out, "--dry-run", "--paid", str(by_hand), "--paid", str(other)))
    err = capsys.readouterr().err
    if code == 2:
        _one_line_exit_2(code, err, "--paid")
        return
    assert code == 0, err
    sol = _decisions(out).set_index("invoice_id").loc["SOL-1001"]
    sol = sol.iloc[0] if isinstance(sol, pd.DataFrame) else sol  # SOL-1001 is on rows 1 and 10
    assert (sol["status"], sol["reason"]) == ("manual", "ALREADY_PAID"), "the period paid by hand was paid again"


def test_run_invoices_given_twice_is_refused(tmp_path, capsys):
    """`run --invoices regninger-uge1.csv --invoices regninger-uge2.csv`: two extracts of the
    month given to one run (as `types --invoices a --invoices b` and `evaluate --decisions a
    --decisions b` take them) decide the second file alone; the first file's 22 invoices get no
    row in decisions.csv, no note in OPUS, and exit 0 with the summary of the other file.

    Why it matters: spec 'Command': "Nothing is dropped silently: every input invoice row has
    exactly one row in decisions.csv"; --help: "Every input invoice row gets exactly one row in
    decisions.csv". The invoices of the first file lie unpaid with no caseworker told.

    Right: exit 2 in one line naming --invoices (give one extract per run), or every row of both
    files decided."""
    case = _case(tmp_path)
    second = case / "regninger-uge2.csv"
    second.write_text("invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n"
                      "SOL-2001;29345716;28.500,00;610190-1234;01.04.2019;30.04.2019\n", encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    code = main([*_run_argv(case, out, "--dry-run"), "--invoices", str(second)])
    err = capsys.readouterr().err
    if code == 2:
        _one_line_exit_2(code, err, "--invoices")
        return
    assert code == 0, err
    first = pd.read_csv(case / "regninger.csv", sep=";", encoding="cp1252", dtype=str)
    assert len(_decisions(out)) == len(first) + 1, "the first extract's invoices got no decision"


def test_run_out_with_a_tilde_writes_into_the_home_folder(tmp_path, monkeypatch, capsys):
    """`invoicekit run ... --out=~/ud/2019-03` (the `--opt=value` form, in which no shell expands
    the '~', nor does cmd.exe or PowerShell for a native program, nor a script passing the path
    as a string) makes a folder literally named `~` in the current folder and writes the run's
    payment file there, exit 0; the summary names `~/ud/2019-03/` so the user looks in the
    home folder and finds nothing.

    Why it matters: the payment file (opus_postings.csv) and the notes are not where the user
    was told they are (the spec's "Writing (in `--out DIR`)"), and a folder named '~' is one an
    operator deletes with `rm -r ~` at their peril. The notebooks read '~' as the home folder
    (invoicekit/notebook_paths.py: `Path(path).expanduser()`), the command line not.

    Right: '~' read as the home folder, as the notebooks and the shell do (the files land in
    $HOME/ud/2019-03), or the path refused, exit 2, in one line naming --out and the '~'. Never a
    folder named '~'."""
    case = _case(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    argv = ["run", "--grants", str(case / "bevillinger.csv"), "--invoices", str(case / "regninger.csv"),
            "--support-sheet", str(case / "stoetteark.xlsx"), "--dry-run", "--quiet", "--out=~/ud/2019-03"]  # fmt: skip
    code = main(argv)
    err = capsys.readouterr().err
    assert not (work / "~").exists(), "a folder named '~' was made in the current folder"
    if code == 2:
        _one_line_exit_2(code, err, "--out", "~")
        return
    assert code == 0, err
    assert (home / "ud" / "2019-03" / "opus_postings.csv").exists()


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"], ids=["notepad-ansi", "notepad-unicode"])
def test_a_rules_file_saved_by_notepad_is_refused_naming_its_encoding(tmp_path, capsys, encoding):
    """A rules.toml with a Danish comment (`# Regler aftalt med økonomi, ændret af Søren`) saved by
    Notepad as "ANSI" (Windows-1252) or "Unicode" (UTF-16) is refused with Python's decoder text:
    `rules.toml: not valid TOML ('utf-8' codec can't decode byte 0xe6 in position 22: invalid
    continuation byte)`. It says the TOML is invalid, which it is not, and names no encoding a
    finance officer can act on. `report business-case --config` says of the same file "is not
    UTF-8 text; expected a TOML file saved as UTF-8", and the extracts are read in Windows-1252 as
    well as UTF-8 (spec 'Reading extracts').

    Why it matters: spec 'Command': exit 2 "with one line on stderr naming the file, the column or
    key and what was expected"; a message that blames the TOML sends the user hunting for a syntax
    error in a file that has none.

    Right: read the file (the comment's letters are no rule), or refuse it in one line saying it is
    not UTF-8 and that it should be saved as UTF-8, without Python's codec text."""
    case = _case(tmp_path)
    rules = case / "regler.toml"
    rules.write_bytes("# Regler aftalt med økonomi, ændret af Søren\nmax_amount = 20000\n".encode(encoding))
    out = tmp_path / "out"
    code = main(_run_argv(case, out, "--dry-run", "--rules", str(rules)))
    err = capsys.readouterr().err
    if code == 0:
        first = _decisions(out).iloc[0]  # SOL-1001, 28,500 kr.: posted under the default 100,000 kr.
        assert (first["invoice_id"], first["reason"]) == ("SOL-1001", "AMOUNT_ABOVE_LIMIT")
        return
    _one_line_exit_2(code, err, str(rules), "UTF-8")
    assert "codec" not in err and "not valid TOML" not in err, err


# ---------------------------------------------------------------- a full disk while a workbook is written


def _limited(limit: int):
    def apply() -> None:  # files may not grow past `limit` bytes, as a full disk stops them (RLIMIT_FSIZE)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("e4j")
    argv = ["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", str(EXAMPLE / "regninger.csv"),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(base / "run1"),
            "--new-journal", str(base / "j.sqlite"), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    return base / "j.sqlite"


@pytest.mark.parametrize(
    ("command", "limit"),
    [("sample", 4_000), ("sample", 6_000), ("sample", 8_000), ("actions", 3_000), ("types", 9_000), ("convert", 3_000)],
)
def test_a_full_disk_while_a_workbook_is_written_ends_in_one_line_and_leaves_no_broken_file(
    journal, tmp_path, command, limit
):
    """A full disk (here a file-size limit, RLIMIT_FSIZE, as test_attacks.py's
    test_a_real_file_size_limit_fails_the_run_cleanly sets it) while `sample draw`, `actions`,
    `types` or `convert oioubl --out x.xlsx` writes its workbook ends in
    `invoicekit: error: unexpected SerialisationError: IO_EFBIG (please report it)` followed by
    openpyxl's "Exception ignored … Traceback" blocks, or in `invoicekit: error: File too large`
    naming no file. `sample draw` leaves the control sheet cut short (8,000 bytes of a zip, not a
    workbook) at --out, and since a control sheet "is never written over a file" the draw cannot
    be repeated under its name, while `sample evaluate` cannot read it.

    Why it matters: the reports already do this right (`followup.html: could not be written (File
    too large)`, exit 1, old files kept); `run --help`: "1 when the output files could not be
    written … (a full disk: the message names the file)"; spec 'Limits': "never in a traceback".
    A finance officer seeing "please report it" and a traceback cannot tell that the disk is full,
    and the broken control sheet looks like a drawn sample.

    Right: exit 1, one line naming the workbook being written and the OS's reason, no traceback,
    and no half-written workbook left behind."""
    out = tmp_path / "out"
    month = dt.date.today().strftime("%Y-%m")  # the journal's one run was started today
    argv = {
        "sample": ["sample", "draw", "--journal", journal, "--month", month, "--out", out / "kontrol.xlsx"],
        "actions": ["actions", "--journal", journal, "--out", out, "--quiet"],
        "types": ["types", "--invoices", EXAMPLE / "regninger.csv", "--out", out, "--quiet"],
        "convert": ["convert", "oioubl", EINVOICES, "--out", out / "regninger.xlsx", "--quiet"],
    }[command]
    out.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "invoicekit_command", *map(str, argv)],
        capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)),
        preexec_fn=_limited(limit), timeout=120,
    )  # fmt: skip
    err = "\n".join(line for line in proc.stderr.splitlines() if "warning:" not in line)  # convert: README.md etc.
    if proc.returncode == 0:  # it fitted: nothing to show at this limit
        return
    assert "Traceback" not in err and "please report it" not in err, err
    assert proc.returncode == 1 and err.count("\n") == 0 and ".xlsx" in err, err
    for book in out.rglob("*.xlsx"):  # no half-written workbook left
        openpyxl.load_workbook(book, read_only=True).close()


def test_tune_quiet_without_out_still_shows_its_table(tmp_path, capsys):
    """`invoicekit tune --world verden/ --grid "tolerance=1,5" --quiet` (quiet, as in a scheduled
    job or a script) replays the world under every rule set, then prints nothing and writes
    nothing, exit 0: without --out its table and recommendation on stdout are the command's only
    result (--help: "without it, prints the table and writes nothing"), and --quiet suppresses it.

    Why it matters: the rule-set recommendation is lost after minutes of replays (a national grid
    runs for hours), and exit 0 says all went well. --quiet is to drop "progress and summary"
    (its help); README: "`explain` and `sample` print only their result, and take no `--quiet`" —
    a result is never silenced.

    Right: the table and the recommendation printed even with --quiet (only the progress bar
    silenced), or tune --quiet without --out refused, exit 2, in one line naming --quiet and --out."""
    world = tmp_path / "w"
    assert main(["synth", "--citizens", "10", "--months", "1", "--out", str(world), "--quiet"]) == 0
    capsys.readouterr()
    code = main(["tune", "--world", str(world), "--grid", "tolerance=1,5", "--quiet"])
    printed = capsys.readouterr()
    if code == 2:
        _one_line_exit_2(code, printed.err, "--quiet", "--out")
        return
    assert code == 0, printed.err
    assert "tolerance=1" in printed.out and "ecommended" in printed.out, "tune's result was not shown"


def test_a_control_sheet_saved_as_csv_is_asked_for_as_the_drawn_workbook(journal, tmp_path, capsys):
    """A reviewer fills in the control sheet from `sample draw` and saves it from Excel as CSV
    (`kontrol.csv`, to mail it). `sample evaluate --control kontrol.csv` answers
    `kontrol.csv: holds text, not a workbook (a CSV file named .xlsx?); expected an Excel .xlsx
    workbook, or the file under a .csv name`: the file is not named .xlsx, it already is under a
    .csv name, and a CSV is no control sheet in any name. `report followup --control` says the same.

    Why it matters: spec 'Command': the one line names "what was expected"; this one sends the
    reviewer in a circle (rename to .csv), where `--support-sheet x.csv` says plainly "unknown
    extension '.csv'; expected an .xlsx workbook".

    Right: exit 2, one line naming the file and asking for the control sheet as the .xlsx workbook
    `sample draw` wrote, with no hint to rename it to .csv or that it is named .xlsx."""
    month = dt.date.today().strftime("%Y-%m")
    sheet = tmp_path / "kontrol.xlsx"
    assert main(["sample", "draw", "--journal", str(journal), "--month", month, "--out", str(sheet)]) == 0
    drawn = pd.read_excel(sheet, sheet_name=None, dtype=str, engine="openpyxl")
    first = next(iter(drawn.values()))
    first.iloc[:, -1] = "nej"
    as_csv = tmp_path / "kontrol.csv"
    first.to_csv(as_csv, sep=";", index=False, encoding="cp1252", errors="replace")
    capsys.readouterr()
    code = main(["sample", "evaluate", "--control", str(as_csv), "--journal", str(journal)])
    err = capsys.readouterr().err
    _one_line_exit_2(code, err, str(as_csv), ".xlsx")
    assert "named .xlsx" not in err and "under a .csv name" not in err, err
