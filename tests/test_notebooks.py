"""Every notebook runs top to bottom on a small synthetic municipality with no
error, no warning or other text on stderr, and no full CPR number in any
output; and every notebook is committed without outputs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
CPR_RE = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")


def test_the_five_notebooks_are_there_and_committed_clean():
    assert [p.name for p in NOTEBOOKS] == [
        "01_invoice_types.ipynb",
        "02_business_rules.ipynb",
        "03_success_rate.ipynb",
        "04_business_case.ipynb",
        "05_actions.ipynb",
    ]
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        code = [c for c in book.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert "parameters" in code[0].metadata.get("tags", []), path.name


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """One small municipality shared by the notebooks, made once."""
    from synthetic import example_municipality

    folder = tmp_path_factory.mktemp("notebooks")
    example_municipality(folder, seed=4, citizens=120, months=6)
    return folder


def _outputs(book) -> list[dict]:
    return [o for c in book.cells if c.cell_type == "code" for o in c.outputs]


def _text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return "\n".join(str(v) for k, v in data.items() if k.startswith("text/"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_clean(path, data):
    book = nbformat.read(path, as_version=4)
    # papermill's way: a cell after the parameters cell overrides them
    injected = nbformat.v4.new_code_cell(f'DATA = r"{data}"\nCITIZENS = 120\nMONTHS = 6\nSEED = 4')
    injected.metadata["tags"] = ["injected-parameters"]
    book.cells.insert(
        1 + next(i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", [])), injected
    )
    NotebookClient(
        book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = _outputs(book)
    stderr = [o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert stderr == [], f"{path.name} wrote to stderr: {stderr[:3]}"
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} drew no chart"
    texts = "\n".join(_text(o) for o in outputs)
    assert CPR_RE.findall(texts) == [], f"{path.name} shows a full CPR number"


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
