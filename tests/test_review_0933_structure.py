"""A review of 0.9.32's structure against the issue "the core rebuilt: one
vocabulary, rooms with one concern": the words defined once, in leaves that
import nothing of the package; charts drawn in the chart modules only; the
public modules named alike everywhere and the only ones the notebooks import.
Each test failed on 0.9.32."""

from __future__ import annotations

import ast
import collections
import json
import re
from pathlib import Path

import invoicekit as ik
from invoicekit.followup import _calendar

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "invoicekit"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


# ---------------------------------------------------------------- one vocabulary


def _string_tuples(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            values = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if values and len(values) == len(node.elts):
                yield node, set(values)


def test_rate_units_are_defined_once_in_vocabulary():
    """vocabulary.RATE_UNITS defines the units; on 0.9.32 amounts.py
    (``FIXED_UNITS``, ``UNITS``) and types/features.py (``UNITS``) spelt them
    out again."""
    units = {"day", "week", "month", "year"}
    again = []
    for name, path in _modules().items():
        if name == "invoicekit.vocabulary":
            continue
        for node, values in _string_tuples(ast.parse(path.read_text(encoding="utf-8"))):
            if units <= values:
                again.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not again, f"rate units spelt out outside vocabulary.py: {again}"


def test_the_month_pattern_is_defined_once_in_vocabulary():
    """vocabulary.MONTH / MONTH_IN_NAME are the month (a year 1900-2099); on
    0.9.32 followup (``_MONTH``), workbook (``_MONTH_TEXT``) and replay
    (``_MONTH_FILE``) each compiled their own, which took any four-digit year
    (followup's calendar made 1,562 months of 2019-12 and 2150-01, which
    vocabulary.MONTH refuses)."""
    again = []
    for name, path in _modules().items():
        if name in ("invoicekit.vocabulary", "invoicekit.parsing"):  # parsing: periods written in invoice texts
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "re.compile" in line and "0[1-9]|1[0-2]" in line:
                again.append(f"{path.relative_to(ROOT)}:{lineno}")
    assert not again, f"a month pattern of its own: {again}"
    assert _calendar(["2019-12", "2150-01"]) is None  # a month the vocabulary does not read: no calendar made up
    assert _calendar(["2019-12", "2020-02"]) == ["2019-12", "2020-01", "2020-02"]


def test_the_leaves_the_readme_names_import_nothing_of_the_package():
    """README: "The words everything shares are defined once, in leaves that
    import nothing of the package: ..." — on 0.9.32 texts.py imported
    vocabulary (for LINE_BREAK_RE2)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("leaves that import nothing of the package")
    paragraph = readme[start : readme.index("`notebook_paths.py`", start)]
    # parsing.py is named only in an aside (where exact amounts are formatted), not as a leaf
    leaves = [leaf for leaf in re.findall(r"`(\w+)\.py`", paragraph) if leaf != "parsing"]
    assert "texts" in leaves
    importing = {}
    for leaf in leaves:
        tree = ast.parse((PACKAGE / f"{leaf}.py").read_text(encoding="utf-8"))
        found = [
            n.module
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("invoicekit")
        ] + [
            a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import)
            for a in n.names
            if a.name.startswith("invoicekit")
        ]
        if found:
            importing[leaf] = found
    assert not importing, f"README calls these leaves, but they import the package: {importing}"


# ---------------------------------------------------------------- rooms with one concern


def test_charts_are_drawn_in_the_chart_modules_only():
    """ "charts in one place taking DataFrames and returning Figures" (README:
    "`charts` draws every chart"): on 0.9.32 explain.Explanation.figure and
    tune.Tuning.figure built a matplotlib Figure themselves, importing it
    inside the method."""
    allowed = {"invoicekit.charts", "invoicekit.types.charts"}
    drawn = []
    for name, path in _modules().items():
        if name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Figure":
                drawn.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not drawn, f"a Figure made outside the chart modules: {drawn}"


def _public_modules_in_readme() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("The public modules, which the notebooks use")
    sentence = readme[start : readme.index("The other modules", start)]
    return {"invoicekit"} | {f"invoicekit.{m}" for m in re.findall(r"`(?:invoicekit)?\.(\w+)`", sentence)}


def _public_modules_in_package_docstring() -> set[str]:
    doc = ik.__doc__
    start = doc.index("Public modules")
    sentence = doc[start : doc.index("The others", start)]
    return {"invoicekit"} | set(re.findall(r"``(invoicekit\.\w+)``", sentence))


def test_readme_and_package_name_the_same_public_modules():
    """On 0.9.32 the README omitted invoicekit.posting_history, which the
    package docstring (and notebook 02) counted as public."""
    assert _public_modules_in_readme() == _public_modules_in_package_docstring()


def test_notebooks_import_only_public_modules():
    """On 0.9.32 the notebooks imported invoicekit.notebook_paths (all five),
    invoicekit.formats (04), invoicekit.actions and invoicekit.extracts (05),
    none of them public by either list."""
    public = _public_modules_in_readme() | _public_modules_in_package_docstring()
    modules = set(_modules())
    used: dict[str, set[str]] = collections.defaultdict(set)
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("invoicekit"):
                names = [f"{node.module}.{a.name}" for a in node.names]
                found = [n for n in names if n in modules] or [node.module]
                used[nb.name].update(found)
            elif isinstance(node, ast.Import):
                used[nb.name].update(a.name for a in node.names if a.name.startswith("invoicekit"))
    private = {nb: sorted(mods - public) for nb, mods in used.items() if mods - public}
    assert not private, f"notebooks import modules that are not public: {private}"
