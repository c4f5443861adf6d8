"""Input files whose names are not UTF-8 (0.9.38): a Danish name in Latin-1, as a Windows share or a zip made on Windows leaves it, stopped a run with a row left out, every types mapping, and the log."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from invoicekit.cli import main
from tests.test_attacks import month, write_invoices

#: Latin-1 bytes of "æøå": a file name made on Windows (or unpacked from a zip made there) and
#: copied onto a Linux share keeps them, and Python holds them as surrogate escapes
LATIN1_AEOA = b"\xe6\xf8\xe5"


def _latin1_name(folder, stem: bytes, suffix: bytes) -> str:
    name = os.fsdecode(stem + b"-" + LATIN1_AEOA + suffix)
    try:
        (folder / name).touch()
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes only UTF-8 names")
    (folder / name).unlink()
    return name


@pytest.mark.parametrize("which", ["grants", "invoice-lines", "paid"])
def test_an_input_whose_name_is_not_utf8_and_has_a_row_left_out_stops_the_run(example_case, tmp_path, capsys, which):
    """An extract whose file name is not UTF-8 (``bevillinger-æøå.csv`` written in Latin-1 on a
    Windows share) is read; but as soon as one of its rows is left out, the run stops with
    "unexpected UnicodeEncodeError: ... surrogates not allowed (please report it ...)", exit 1,
    and writes nothing: the row's ``input_problems.csv`` entry names the file, and the name's
    surrogate escape cannot be made arrow text (``extracts.Problems.frame``). So a whole month's
    batch is not paid because of a file's name and one bad grant row.

    The README (*Who reads what*) promises: "an input file whose name is not UTF-8 is named with
    its other bytes written ``\\xff``", and the spec (*Limits*) that hostile or absurd inputs end
    in exit 2 with one line or in manual decisions, never in an unexpected error. The invoices file
    is so named already (``test_an_input_file_whose_name_is_not_utf8_is_run_and_named_masked``);
    the grants, invoice lines and paid marks are not. Right: the run completes (exit 0) and
    ``input_problems.csv`` names the file as run.json does, its other bytes written ``\\xe6``."""
    grants = example_case / "bevillinger.csv"
    invoices = write_invoices(tmp_path / "regninger.csv", month(3, invoice_id="A"))
    argv = ["run", "--grants", str(grants), "--invoices", str(invoices),
            "--support-sheet", str(example_case / "stoetteark.xlsx"), "--out", str(tmp_path / "o1"), "--dry-run"]  # fmt: skip
    if which == "grants":
        # the example's grants hold B-1009 without a CPR number: left out, a row of input_problems.csv
        name = _latin1_name(tmp_path, b"bevillinger", b".csv")
        shutil.copy(grants, tmp_path / name)
        argv[argv.index("--grants") + 1] = str(tmp_path / name)
    elif which == "invoice-lines":
        name = _latin1_name(tmp_path, b"fakturalinjer", b".csv")
        (tmp_path / name).write_text(
            "invoice_id,supplier_cvr,line_no,amount,cpr\nZZ-1,29345716,,1000.00,610190-1234\n", encoding="utf-8"
        )  # a line without its number: left out
        argv += ["--invoice-lines", str(tmp_path / name)]
    else:
        name = _latin1_name(tmp_path, b"betalt", b".csv")
        (tmp_path / name).write_text("grant_id,period_start,period_end\nB-1001,xx,31.03.2019\n", encoding="utf-8")
        argv += ["--paid", str(tmp_path / name)]
    code = main(argv)
    printed = capsys.readouterr()
    assert "unexpected" not in printed.err, printed.err
    assert code == 0, printed.err
    problems = pd.read_csv(tmp_path / "o1" / "input_problems.csv", dtype=str, keep_default_na=False)
    assert len(problems) >= 1
    assert any("\\xe6\\xf8\\xe5" in f for f in problems["file"]), problems["file"].tolist()


def test_types_on_an_extract_whose_name_is_not_utf8_always_stops(example_case, tmp_path, capsys):
    """``invoicekit types --invoices regninger-æøå.csv`` (the name in Latin-1, as a Windows share
    or a zip from Windows leaves it) stops with "unexpected UnicodeEncodeError: ... surrogates not
    allowed (please report it)", exit 1, for every such extract, however good its rows: the type
    mapping keeps each invoice's ``file`` (``types.csv``, the ``Fakturaer`` sheet), and the
    name's surrogate escape cannot be made text. ``invoicekit run`` reads the same file and names
    it in run.json with its other bytes written ``\\xe6`` (README, *Who reads what*: "an input file
    whose name is not UTF-8 is named with its other bytes written ``\\xff``"); the spec (*Limits*)
    wants exit 2 with one line at worst, never an unexpected error. Right: the mapping is made
    (exit 0) and ``types.csv`` names the file so."""
    name = _latin1_name(tmp_path, b"regninger", b".csv")
    shutil.copy(example_case / "regninger.csv", tmp_path / name)
    code = main(["types", "--invoices", str(tmp_path / name), "--out", str(tmp_path / "typer"), "--quiet"])
    printed = capsys.readouterr()
    assert "unexpected" not in printed.err, printed.err
    assert code == 0, printed.err
    files = pd.read_csv(tmp_path / "typer" / "types.csv", dtype=str, keep_default_na=False)["file"]
    assert all("\\xe6\\xf8\\xe5" in f for f in files), files.tolist()


def test_the_log_stops_at_an_input_whose_name_is_not_utf8(example_case, tmp_path, capsys):
    """``invoicekit run --log-file run.log`` with an invoice extract named in Latin-1
    (``regninger-æøå.csv``, which the run itself reads and names ``\\xe6\\xf8\\xe5`` in run.json)
    writes the log's first three lines and then gives up: "warning: --log-file …: 'utf-8' codec
    can't encode character '\\udce6' …: surrogates not allowed; logging stopped". The line naming
    the input is logged with the surrogate escape in it, which the UTF-8 log file cannot encode,
    so the log loses the run's inputs with their SHA-256, the counts, the manual reasons and its
    end: the audit trail the README promises ("``--log-file PATH``: append a log (one line per event
    …: run id, inputs with SHA-256, counts, manual reasons, timing, warnings)"). Right: the log
    names the file as run.json does (its other bytes written ``\\xe6``) and runs to its end."""
    name = _latin1_name(tmp_path, b"regninger", b".csv")
    write_invoices(tmp_path / name, month(3, invoice_id="A"))
    log = tmp_path / "run.log"
    code = main(["run", "--grants", str(example_case / "bevillinger.csv"), "--invoices", str(tmp_path / name),
                 "--support-sheet", str(example_case / "stoetteark.xlsx"), "--out", str(tmp_path / "o1"),
                 "--dry-run", "--log-file", str(log), "--quiet"])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "logging stopped" not in printed.err, printed.err
    text = log.read_text("utf-8")
    assert "decided 1 invoices" in text and "run finished" in text, text
    assert "regninger-\\xe6\\xf8\\xe5.csv" in text, text
