"""A missing input file is a FileNotFoundError for the library's callers and
one line with exit status 2 for the command line's users."""

from __future__ import annotations

import pytest

from invoicekit.business_case import load_config
from invoicekit.cli import main
from invoicekit.errors import InputError, MissingFileError, refuse_given_twice
from invoicekit.extracts import read_grants, read_invoice_lines, read_invoices, read_support_sheet
from invoicekit.journal import Journal
from invoicekit.letters import read_template
from invoicekit.posting_history import read_posting_history
from invoicekit.readers import read_raw
from invoicekit.replay import read_truth
from invoicekit.rules import load_rules
from invoicekit.types.labels import read_labels


@pytest.mark.parametrize(
    "read",
    [
        read_raw,
        read_invoices,
        read_invoice_lines,
        read_grants,
        read_support_sheet,
        read_posting_history,
        read_labels,
        read_truth,
        read_template,
        load_rules,
        load_config,
        Journal,
    ],
)
def test_reading_a_missing_file_raises_file_not_found_naming_it(read, tmp_path):
    path = tmp_path / "gone.xlsx"
    with pytest.raises(FileNotFoundError) as caught:
        read(path)
    assert isinstance(caught.value, InputError)  # the command line still says it in one line
    assert caught.value.filename == str(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_missing_file_is_an_oserror_with_enoent():
    exc = MissingFileError("x.csv", "does not exist; expected the grants")
    assert isinstance(exc, OSError) and exc.errno == 2
    assert str(exc) == "x.csv: does not exist; expected the grants"


def test_the_command_line_says_a_missing_file_in_one_line_and_exits_2(tmp_path, capsys):
    missing = tmp_path / "regninger.csv"
    inputs = ["--grants", str(missing), "--invoices", str(missing), "--support-sheet", str(missing)]
    code = main(["run", *inputs, "--out", str(tmp_path / "out"), "--new-journal", str(tmp_path / "j.sqlite")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and str(missing) in err and "Traceback" not in err


def test_a_file_named_twice_by_any_spelling_is_refused_naming_both_and_distinct_files_pass(tmp_path, monkeypatch):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    refuse_given_twice([a, b, str(tmp_path / "c.csv")], "--invoices", "give each once")  # distinct: no error
    monkeypatch.chdir(tmp_path)
    for again in (str(a), "a.csv", tmp_path / "." / "a.csv", tmp_path / "x" / ".." / "a.csv"):
        with pytest.raises(InputError) as e:
            refuse_given_twice([a, b, again], "--invoices", "give each once")
        assert str(e.value) == f"{again}: --invoices: is given twice (as {a} too); give each once"
