"""An attack on 0.9.30's notebooks: a user's files in
the DATA folder are replaced, and two bad inputs give errors that do not
name the file or parameter."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {p.name[:2]: p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}


def _run(key: str, params: str, where: Path):
    book = nbformat.read(NOTEBOOKS[key], as_version=4)
    injected = nbformat.v4.new_code_cell(params)
    injected.metadata["tags"] = ["injected-parameters"]
    book.cells.insert(
        1 + next(i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", [])), injected
    )
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(where)}}).execute()
    return book


def test_notebook_03_never_deletes_a_users_journal_in_its_data_folder(tmp_path):
    """DATA given as the folder that holds the user's own journal (and its key), JOURNAL left out:
    the notebook generates its example there and deletes the user's journal.sqlite and
    journal.sqlite.key, replacing them with the example's (synthetic.example_municipality's _forget)."""
    from synthetic import example_municipality

    theirs = example_municipality(tmp_path / "elsewhere", seed=5, citizens=60, months=2)["journal"]
    user = tmp_path / "udtraek"
    user.mkdir()
    shutil.copy(theirs, user / "journal.sqlite")
    shutil.copy(theirs.with_name("journal.sqlite.key"), user / "journal.sqlite.key")
    before = {p.name: p.read_bytes() for p in user.iterdir()}
    with pytest.raises(CellExecutionError) as raised:  # refused, naming what it found
        _run("03", f"DATA = r'{user}'\nSEED = 3\nCITIZENS = 60\nMONTHS = 2", tmp_path)
    assert "which no example municipality made here" in str(raised.value)
    after = {p.name: p.read_bytes() for p in user.iterdir() if p.is_file()}
    assert {k: after.get(k) == v for k, v in before.items()} == {"journal.sqlite": True, "journal.sqlite.key": True}


def test_notebook_01_never_overwrites_a_labels_csv_in_its_data_folder(tmp_path):
    """DATA given as a folder that holds the user's labels.csv, INVOICES left out: the notebook
    writes its synthetic sample over it, every run."""
    user = tmp_path / "mine"
    user.mkdir()
    (user / "labels.csv").write_text("invoice_id,invoice_type\nF1,anbringelse\nF2,ledsagelse\n", encoding="utf-8")
    before = (user / "labels.csv").read_bytes()
    _run("01", f"DATA = r'{user}'\nSEED = 3\nCITIZENS = 60\nMONTHS = 2", tmp_path)  # its sample beside it
    assert (user / "labels.csv").read_bytes() == before


def test_notebook_02_on_a_world_without_truth_and_a_missing_history_names_the_file(tmp_path):
    """WORLD without truth.csv, HISTORY given but not there (a typo): cell 4 fails with
    AttributeError: 'NoneType' object has no attribute 'frame', naming neither file."""
    from synthetic import example_municipality

    world = tmp_path / "world"
    shutil.copytree(example_municipality(tmp_path / "ex", seed=3, citizens=60, months=2)["world"], world)
    (world / "truth.csv").unlink()
    (world / "opus_history.csv").unlink(missing_ok=True)
    history = tmp_path / "historik-2019.csv"
    with pytest.raises(CellExecutionError) as raised:
        _run("02", f"WORLD = r'{world}'\nHISTORY = r'{history}'\nDATA = r'{tmp_path / 'd'}'", tmp_path)
    message = str(raised.value).splitlines()[-1] if str(raised.value) else ""
    assert "AttributeError" not in str(raised.value), message
    assert "historik-2019.csv" in str(raised.value) or "truth.csv" in str(raised.value)


def test_notebook_01_with_a_glob_that_matches_nothing_names_the_pattern(tmp_path):
    """INVOICES given as a glob that matches no file (README: 'a list or a glob'): the error says
    '--invoices: no invoice extract given', a command-line option, and not the pattern given."""
    with pytest.raises(CellExecutionError) as raised:
        _run("01", f"INVOICES = r'{tmp_path / 'udtraek' / 'regninger-*.xlsx'}'", tmp_path)
    assert "regninger-*.xlsx" in str(raised.value)
