"""Every notebook runs top to bottom on a small synthetic municipality with no
error, no warning or other text on stderr, and no full CPR number in any
output, started from another working folder than its own: its relative paths
are read from the notebook's folder, and it writes nothing but into its data
folder. Every notebook is committed without outputs, which git's clean
filter strips."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from invoicekit.notebook_paths import CHECKOUT_NOTEBOOKS, from_notebook, notebook_folder

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STRIP = ROOT / "scripts" / "strip_notebook_outputs.py"
CPR_RE = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
#: what running Python may leave in the checkout, and the caches of the tools
NOT_OUTPUTS = {".git", "__pycache__", ".venv", ".ruff_cache", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints"}


def _committed(path: Path) -> str:
    """The notebook as git holds it for the next commit (the index, through
    the clean filter when a clone has it on); the file itself outside git."""
    shown = subprocess.run(
        ["git", "show", f":{path.relative_to(ROOT).as_posix()}"], cwd=ROOT, capture_output=True, text=True
    )
    return shown.stdout if shown.returncode == 0 else path.read_text(encoding="utf-8")


def test_the_five_notebooks_are_there_and_committed_clean():
    assert [p.name for p in NOTEBOOKS] == [
        "01_invoice_types.ipynb",
        "02_business_rules.ipynb",
        "03_success_rate.ipynb",
        "04_business_case.ipynb",
        "05_actions.ipynb",
    ]
    for path in NOTEBOOKS:
        book = nbformat.reads(_committed(path), as_version=4)
        code = [c for c in book.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert "parameters" in code[0].metadata.get("tags", []), path.name


def test_git_strips_the_notebooks_outputs_with_the_filter_gitattributes_names():
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8").split()
    assert attributes[attributes.index("notebooks/*.ipynb") + 1] == "filter=strip-notebook-outputs"
    assert 'filter.strip-notebook-outputs.clean "python3 scripts/strip_notebook_outputs.py"' in STRIP.read_text()


def test_the_filter_strips_outputs_and_leaves_everything_else_as_written():
    original = NOTEBOOKS[2].read_text(encoding="utf-8")
    book = json.loads(original)
    code = [c for c in book["cells"] if c["cell_type"] == "code"]
    code[0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["010190-1234 Solhøj\n"]}]
    code[0]["execution_count"] = 7
    run = json.dumps(book, indent=1, ensure_ascii=False) + "\n"
    assert run != original
    done = subprocess.run([sys.executable, str(STRIP)], input=run, capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert done.stdout == original


def test_a_notebooks_relative_paths_start_in_its_own_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert notebook_folder() == CHECKOUT_NOTEBOOKS == ROOT / "notebooks"
    assert from_notebook("../reports/notebooks") == ROOT / "reports" / "notebooks"
    assert from_notebook(tmp_path / "x.csv") == tmp_path / "x.csv"
    assert from_notebook(None) is None
    # run where a notebook lies (nbclient, papermill or VS Code in a copy's folder): that folder, not the
    # checkout's (an analyst's walk-through of 0.9.20: a copy read from and wrote into the checkout)
    (tmp_path / "copy").mkdir()
    shutil.copy(ROOT / "notebooks" / "03_success_rate.ipynb", tmp_path / "copy")
    monkeypatch.chdir(tmp_path / "copy")
    assert from_notebook("data/journal.sqlite") == tmp_path / "copy" / "data" / "journal.sqlite"
    # papermill writes its output notebook where it was started before a cell runs: that is no copy
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "out.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "root")
    assert notebook_folder() == CHECKOUT_NOTEBOOKS
    # in Jupyter, the notebook's own folder, wherever the notebook was copied to
    (tmp_path / "mine").mkdir()
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "mine" / "03_success_rate.ipynb"))
    assert from_notebook("data/journal.sqlite") == tmp_path / "mine" / "data" / "journal.sqlite"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """One small municipality shared by the notebooks, made once."""
    from synthetic import example_municipality

    folder = tmp_path_factory.mktemp("notebooks") / "data"
    example_municipality(folder, seed=4, citizens=120, months=6)
    return folder


def _outputs(book) -> list[dict]:
    return [o for c in book.cells if c.cell_type == "code" for o in c.outputs]


def _text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return "\n".join(str(v) for k, v in data.items() if k.startswith("text/"))


def _files(root: Path) -> dict[str, int]:
    """Every file below ``root`` with its modification time, the caches left out."""
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in NOT_OUTPUTS]
        for name in files:
            path = Path(folder, name)
            found[str(path.relative_to(root))] = path.stat().st_mtime_ns
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_clean_from_another_working_folder(path, data, tmp_path):
    book = nbformat.read(path, as_version=4)
    # papermill's way: a cell after the parameters cell overrides them; DATA is given relative to the
    # notebook's folder, and the kernel starts in an empty folder elsewhere, at another depth
    relative = os.path.relpath(data, path.parent)
    injected = nbformat.v4.new_code_cell(f'DATA = r"{relative}"\nCITIZENS = 120\nMONTHS = 6\nSEED = 4')
    injected.metadata["tags"] = ["injected-parameters"]
    book.cells.insert(
        1 + next(i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", [])), injected
    )
    elsewhere = tmp_path / "a" / "working" / "folder"
    elsewhere.mkdir(parents=True)
    checkout, others, before = _files(ROOT), _files(data.parent), _files(data)
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(elsewhere)}}).execute()
    outputs = _outputs(book)
    stderr = [o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert stderr == [], f"{path.name} wrote to stderr: {stderr[:3]}"
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} drew no chart"
    texts = "\n".join(_text(o) for o in outputs)
    assert CPR_RE.findall(texts) == [], f"{path.name} shows a full CPR number"
    # an object's memory address shown as text (0x7f4539151210) holds ten digits that read as a CPR number one
    # run in some hundred; what a notebook displays shows itself as text
    assert re.findall(r"object at 0x|at 0x[0-9a-f]{6,}", texts) == [], f"{path.name} shows an object's address"
    # nothing written but into the data folder: not in the working folder, not in the checkout
    assert set(tmp_path.rglob("*")) == {tmp_path / "a", tmp_path / "a" / "working", elsewhere}
    assert _files(ROOT) == checkout
    after = _files(data.parent)
    assert {k: v for k, v in after.items() if not k.startswith("data" + os.sep)} == {
        k: v for k, v in others.items() if not k.startswith("data" + os.sep)
    }
    new = sorted(set(_files(data)) - set(before))
    if path.name.startswith("03_"):
        month = sorted(p.stem.removeprefix("invoices-") for p in (data / "world" / "invoices").glob("invoices-*.csv"))[
            -1
        ]
        assert f"kontrol-journal-{month}.xlsx" in new or f"kontrol-journal-{month}.xlsx" in before


def test_notebook_01_on_an_unlabelled_extract_takes_scope_from_what_the_robot_posted(data):
    """A user's own extract with the robot's decisions and no labels: the groups
    the robot posted most of are in scope (not "0 %" because no group has a
    known type), and the notebook says what decided it."""
    from synthetic import example_municipality

    paths = example_municipality(data, seed=4, citizens=120, months=6)
    invoices = sorted(paths["invoices"].glob("invoices-*.csv"))
    decisions = [paths["replay"] / p.stem.removeprefix("invoices-") / "decisions.csv" for p in invoices]
    path = NOTEBOOKS[0]
    book = nbformat.read(path, as_version=4)
    injected = nbformat.v4.new_code_cell(
        f"INVOICES = {[str(p) for p in invoices]!r}\nDECISIONS = {[str(p) for p in decisions]!r}\nSEED = 4"
    )
    injected.metadata["tags"] = ["injected-parameters"]
    book.cells.insert(
        1 + next(i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", [])), injected
    )
    NotebookClient(
        book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    texts = "\n".join(_text(o) for o in _outputs(book))
    line = next(x for x in texts.splitlines() if x.startswith("Types in scope:"))
    share = int(re.search(r"Types in scope: (\d+)%", line).group(1))
    assert share > 0 and "by what the robot did" in line, line
    assert "Robottens bogføringer" in texts and "Macro F1" not in texts


def test_notebook_03_on_a_given_journal_makes_the_folder_for_its_control_sheet(data, tmp_path):
    """Found by an attack session on 0.9.8: given a JOURNAL (as the README's
    papermill example does), the notebook made no DATA folder, and writing the
    control sheet into it raised FileNotFoundError."""
    from synthetic import example_municipality

    paths = example_municipality(data, seed=4, citizens=120, months=6)
    book = nbformat.read(NOTEBOOKS[2], as_version=4)
    injected = nbformat.v4.new_code_cell(f"JOURNAL = r'{paths['journal']}'\nDATA = r'{tmp_path / 'new' / 'folder'}'")
    injected.metadata["tags"] = ["injected-parameters"]
    book.cells.insert(
        1 + next(i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", [])), injected
    )
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert [p.name for p in (tmp_path / "new" / "folder").iterdir()] == [f"kontrol-journal-{_last_month(paths)}.xlsx"]


@pytest.mark.parametrize("index", [2, 4], ids=["03", "05"])
def test_notebooks_03_and_05_take_a_journal_whose_last_month_found_no_invoice(data, tmp_path, index):
    """Found by a review of 0.9.9: with such a month last, notebook 03 drew its
    sample from it (no postings: an error), and notebook 05 took the month
    before while invoicekit actions took it."""
    import shutil

    from invoicekit.journal import key_path
    from invoicekit.run import run
    from synthetic import example_municipality

    paths = example_municipality(data, seed=4, citizens=120, months=6)
    journal = tmp_path / "journal.sqlite"
    shutil.copy(paths["journal"], journal)
    shutil.copy(key_path(paths["journal"]), key_path(journal))  # the run below needs its key file too
    last = _last_month(paths)
    after = str(pd.Period(last, "M") + 1)
    empty = tmp_path / f"invoices-{after}.csv"
    empty.write_bytes((paths["invoices"] / f"invoices-{last}.csv").read_bytes().splitlines(keepends=True)[0])
    world = paths["world"]
    run(world / "sensum" / f"grants-{last}.csv", empty, world / "stoetteark.xlsx", tmp_path / "o", journal=journal)
    book = nbformat.read(NOTEBOOKS[index], as_version=4)
    injected = nbformat.v4.new_code_cell(f"JOURNAL = r'{journal}'\nDATA = r'{tmp_path / 'data'}'")
    injected.metadata["tags"] = ["injected-parameters"]
    book.cells.insert(
        1 + next(i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", [])), injected
    )
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    texts = "\n".join(_text(o) for o in _outputs(book))
    if index == 2:
        assert f"kontrol-journal-{last}.xlsx" in texts  # the last month with postings
    else:
        assert f"{after}: 0 manual invoices of 0" in texts


def _last_month(paths: dict) -> str:
    return sorted(p.stem.removeprefix("invoices-") for p in paths["invoices"].glob("invoices-*.csv"))[-1]
