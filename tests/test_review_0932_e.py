"""A fifth review of the 0.9.32 session's mends (lines naming months, the commands' refusals): faults
they left open or made. Each test failed on the mends reviewed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from invoicekit.parsing import months_named
from tests.reference import line_months
from tests.test_lines import ANNA
from tests.test_review_0932_d import _anna_posted_for, _collective

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "data" / "example"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "invoicekit_command", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip


# ---------------------------------------------------------------- 1. a line naming a month: wrong payments


@pytest.mark.parametrize("text", ["Døgnophold April Måned 2019", "Døgnophold Juni Måned", "Døgnophold Juli Md. 2019"])
def test_name_month_before_maaned_is_paid_as_the_invoices_month(text):
    """User sees: a collective invoice for March 2019 whose line 1 (blank period cells) reads "Døgnophold April
    Måned 2019" (title case, as many suppliers' systems print) is POSTED: Anna's 30.000 kr. for
    01.03.2019-31.03.2019, March marked paid. April's (June's, July's) stay paid as March. The same line written
    "Døgnophold Februar Måned 2019" goes to manual.

    Should see: manual, MISSING_PERIOD (README, Collective invoices: a month named as a word that the invoice's
    period does not hold gives the line no period; "never `Februar Måned`"; README, Periods: "`April Måned` ...
    read as names that way, and March posted for two months; a name cannot be told from a word by its shape").

    Cause: invoicekit/parsing.py:_in_a_name (used by months_named): for the months that are first names (april,
    maj, juni, juli, august, jan) any capitalised word after them that is no month ("Måned", "Md") makes them a
    person's name, so months_named gives {}; tests/reference.py line_months alike."""
    assert months_named(text) == line_months(text)  # the two agree: both wrong
    r = _collective(text)
    assert not _anna_posted_for(r, "2019-03-01"), f"line 1 ({text!r}) was posted for March"


@pytest.mark.parametrize("text", ["Ophold feb-19", "Ophold feb-2019", "Ophold Feb-19"])
def test_excel_month_year_form_is_paid_as_the_invoices_month(text):
    """User sees: a collective invoice for March 2019 whose line 1 (blank period cells) reads "Ophold feb-19"
    (Excel's mmm-yy date format, as a spreadsheet-made invoice prints February 2019) or "Ophold feb-2019" is
    POSTED for 01.03.2019-31.03.2019: February paid as March. "Ophold februar-19" and "Ophold feb. 2019" go to
    manual.

    Should see: manual, MISSING_PERIOD: the line names February, which the March invoice does not hold
    (README, Collective invoices: "a month named as a word, in full or short ... `feb. 2019`"; a short name
    counts "before a number").

    Cause: invoicekit/parsing.py:_AFTER_SHORT lets a short month name count only where a digit follows after an
    optional dot and spaces, or a dash and another month; a dash then a year ("-19", "-2019") is neither, so
    months_named drops "feb" (and _YEAR_AFTER would not read the year either); tests/reference.py line_months
    alike."""
    r = _collective(text)
    assert not _anna_posted_for(r, "2019-03-01"), f"line 1 ({text!r}) was posted for March"


def test_maaned_comma_year_is_paid_as_this_years_month():
    """User sees: a collective invoice for March 2019 whose line 1 (blank period cells) reads "Døgnophold marts
    måned, 2018" (a late line for March of the year before) is POSTED for 01.03.2019-31.03.2019: March 2018 paid
    as March 2019. "Døgnophold marts måned 2018" and "Døgnophold marts, 2018" go to manual since this session.

    Should see: manual, MISSING_PERIOD (README, Collective invoices: "with the year after it where one follows
    ... `marts måned 2018` on an invoice for March 2019").

    Cause: invoicekit/parsing.py:_YEAR_AFTER reads "måned" only followed by white space (``måned\\s+``), so
    "måned, 2018" gives (3, 0) and lines._holds takes March of any year; tests/reference.py line_months alike."""
    r = _collective("Døgnophold marts måned, 2018")
    assert not _anna_posted_for(r, "2019-03-01"), "March 2018 was posted as March 2019"


@pytest.mark.parametrize("text", ["Ophold dec-jan", "Ophold dec/jan", "Ophold dec. - jan."])
def test_second_short_month_of_a_pair_is_not_read(text):
    """User sees: a collective invoice for December 2019 whose line 1 (blank period cells) reads "Ophold
    dec-jan" (a stay over the turn of the year) is POSTED for 01.12.2019-31.12.2019, while "Ophold
    december-januar" on the same invoice goes to manual, MISSING_PERIOD. The short form of the same words pays
    the line as December.

    Should see: manual, MISSING_PERIOD, as for "december-januar" (README, Collective invoices: a short name
    counts "before a number or joined to another month, `jan-feb`": "jan" in "dec-jan" is joined to one).

    Cause: invoicekit/parsing.py:months_named/_AFTER_SHORT only look AFTER a short name: the first of a pair is
    read (a dash and a month follow it), the second is dropped (nothing follows it); tests/reference.py
    line_months alike."""
    r = _collective(text, "01.12.2019", "31.12.2019")
    assert not _anna_posted_for(r, "2019-12-01"), f"line 1 ({text!r}) was posted for December"


# ---------------------------------------------------------------- 1. needless manual


@pytest.mark.parametrize("text", [f"Olsen, Jan {ANNA[:6]}-{ANNA[6:]}", f"Jan {ANNA}"])
def test_jan_before_a_cpr_number_sends_the_invoice_to_manual(text):
    """User sees: a collective invoice for March 2019 whose line 1 names its citizen with the CPR number after
    the first name ("Olsen, Jan 010190-1234", "Jan 0101901234", as citizen lists print them) goes to manual,
    MISSING_PERIOD ("line 1 has no period").

    Should see: posted for March: the text names a person and a CPR number, nothing of a period (README: a
    short name counts only "before a number (a year or a day)"; "`Jan Olsen`" is a man). A CPR number is
    neither a day nor a year.

    Cause: invoicekit/parsing.py:_AFTER_SHORT takes any digit after "Jan" (``['’]?\\d``) for a day or year,
    the first digit of a 6- or 10-digit CPR number too; tests/reference.py line_months alike."""
    r = _collective(text)
    d = r.decisions.iloc[0]
    assert d["status"] == "posted", (d["status"], d["reason"], d["message"])


# ---------------------------------------------------------------- 3. commands


def test_types_refuses_the_decisions_of_an_empty_month(tmp_path):
    """User sees: `invoicekit types --invoices nov.csv dec.csv --decisions nov/decisions.csv
    dec/decisions.csv --out O`, where December's extract held no invoices and its run (exit 0) wrote a
    decisions.csv of its header: exit 2, "dec/decisions.csv: holds no decisions, only its header; expected a
    decisions.csv of a run". The empty extract itself is accepted, and its decisions are the robot's own output.

    Should see: exit 0, the types of November's invoices with their posted flags (the same command without
    --decisions runs; before this session it ran with them too).

    Cause: invoicekit/evaluate.py:read_decisions now refuses every call whose files are all header-only
    (_header_only), and invoicekit/types/mapping.py:posted_flags calls it once per file (read_decisions([p])),
    so one empty month's file is refused alone."""
    invoices = EXAMPLE / "regninger.csv"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(invoices.read_bytes().splitlines()[0] + b"\n")  # its header, as written (Windows-1252)
    common = ["--grants", EXAMPLE / "bevillinger.csv", "--support-sheet", EXAMPLE / "stoetteark.xlsx"]
    r = cli("run", *common, "--invoices", invoices, "--out", tmp_path / "r1", "--new-journal", tmp_path / "j.sqlite")
    assert r.returncode == 0, r.stderr
    r = cli("run", *common, "--invoices", empty, "--out", tmp_path / "r2", "--journal", tmp_path / "j.sqlite")
    assert r.returncode == 0, r.stderr
    r = cli(
        "types", "--invoices", invoices, empty,
        "--decisions", tmp_path / "r1" / "decisions.csv", tmp_path / "r2" / "decisions.csv",
        "--out", tmp_path / "t", "--quiet",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr


def test_types_out_that_is_a_file_says_no_expectation(tmp_path):
    """User sees: `invoicekit types --invoices X --out FILE` (an --out that is a file): "FILE: --out: File
    exists" (and "FILE/sub: --out: Not a directory" for a folder under it): the old message the session mended
    for evaluate, report, actions and sample draw; it names no expectation, and a folder that exists is fine.

    Should see: one line saying what was expected, as the others now do ("is a file, or lies under one;
    expected a folder"; robot-spec.md, Command: "one line on stderr naming the file, the column or key and
    what was expected").

    Cause: invoicekit/types/mapping.py (the types result's write) calls out.mkdir directly, not
    errors.make_folder; the OSError reaches cli.py's bare strerror line."""
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    r = cli("types", "--invoices", EXAMPLE / "regninger.csv", "--out", blocker, "--quiet")
    assert r.returncode == 2, r.stderr
    assert "expected" in r.stderr, r.stderr


def test_convert_out_under_a_file_names_a_file_never_given(tmp_path):
    """User sees: `invoicekit convert oioubl --out FILE/regninger.csv INBOX` (an --out whose folder is a file):
    "invoicekit: error: FILE/.regninger.csv.tmp: Not a directory": a hidden temporary file the user never
    named, no option and no expectation.

    Should see: one line naming FILE/regninger.csv (or --out) and what was expected, as run, evaluate,
    report, actions and sample draw now say ("is a file, or lies under one; expected a folder").

    Cause: invoicekit/convert.py:_write_beside makes the parent only where it does not exist (a file exists)
    and writes the temporary file under it; errors.make_folder is not used."""
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    r = cli("convert", "oioubl", "--out", blocker / "regninger.csv", ROOT / "tests" / "data" / "oioubl", "--quiet")
    assert r.returncode == 2, r.stderr
    assert ".tmp" not in r.stderr and "expected" in r.stderr, r.stderr
