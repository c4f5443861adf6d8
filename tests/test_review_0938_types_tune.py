"""An attack on the analyst's tools (0.9.38): a citizen's name as a group's top term, labels in the tool's Danish type names, numpy numbers and dict grids in tune, and notebook 02's table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from invoicekit.replay import load_world
from invoicekit.rules import Rules
from invoicekit.tune import tune
from invoicekit.types import map_types
from invoicekit.types.kinds import TYPE_NAMES_DA

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_world(tmp_path_factory) -> Path:
    from synthetic import synthesize

    out = tmp_path_factory.mktemp("c2") / "world"
    synthesize("baseline", seed=5, out=out, months=3, citizens=60)
    return out


# ---------------------------------------------------------------- types


def test_a_citizens_name_written_by_three_suppliers_names_a_group(tmp_path):
    """A citizen with three services (a home, a day offer, an escort) from three
    suppliers, each of which writes "Borger: Yusuf Hassan" in its texts, as suppliers do.
    The name is not in faker's Danish name lists, so it passes the three-supplier filter
    and becomes the top term, and then the *name* of a group: ``types`` writes
    "gruppe 01: hassan, yusuf, yusuf hassan" as the ``invoice_type`` of every invoice in
    types.csv, clusters.csv, types.xlsx and the charts, which caseworkers and managers
    read. README (`invoicekit types`, Features): "So no citizen's name or number becomes
    a feature, a top term or a figure". Right: a term that only ever occurs beside one
    citizen (one CPR number) is a name, not a kind of invoice, and never becomes a term;
    no group is named by a citizen's name."""
    cvrs = ["64869310", "77679839", "93184637", "38644548", "72339592", "31604079"]
    citizens = [("0101904321", "Yusuf Hassan"), ("0202805432", "Ole Hansen"), ("0303706543", "Mette Nielsen")]
    rows, n = [], 0
    for month in (1, 2, 3):
        for i, cvr in enumerate(cvrs):
            for k, (cpr, name) in enumerate(citizens):
                n += 1
                who = name if (name != "Yusuf Hassan" or i < 3) else "Ole Hansen"  # Yusuf at three suppliers
                rows.append(
                    {
                        "invoice_id": f"F{n}",
                        "supplier_cvr": cvr,
                        "amount": f"{1000 * (i + 1) + k}.00",
                        "cpr": cpr,
                        "period_start": f"2019-0{month}-01",
                        "period_end": f"2019-0{month}-28",
                        "text": f"Månedlig betaling, Borger: {who}",
                        "supplier_name": f"Bostedet {i}",
                    }
                )
    path = tmp_path / "regninger.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    mapping = map_types([path])
    shown = " ".join(mapping.types["invoice_type"]) + " " + " ".join(mapping.clusters["top_terms"])
    assert "yusuf" not in shown.lower() and "hassan" not in shown.lower(), mapping.clusters[["group", "top_terms"]]


def test_labels_in_the_tools_own_danish_type_names_get_no_scope(small_world):
    """A labelled sample whose types are written as the tool itself shows them in
    types.xlsx, the notebook and the charts (`Døgntakst`, `Botilbud, månedstakst`,
    `Dag- og aktivitetstilbud`, `STU`: kinds.TYPE_NAMES_DA), as a Danish caseworker
    labelling from that sheet writes them. The same invoices labelled `daily_rate` etc.
    give "Types in scope: 74 %"; labelled in Danish every type is *undecided*
    (100 %), and the text says "without labels the groups have no known type ...
    give a labelled sample (LABELS, --labels)" although a labelled sample was given.
    With decisions the scope would instead be decided by the posted share, not by the
    rule. README (notebook 01): "which types are in scope: a known type by the rule (a
    fixed rate, at least 70 % of its invoices for one citizen)"; the tool reads Danish
    names for everything else it takes (columns, units, `Type`). Right: a type named by
    its Danish name is that known type, and decided by the rule."""
    truth = pd.read_csv(small_world / "truth.csv", dtype=str, keep_default_na=False)
    files = sorted((small_world / "invoices").glob("invoices-*.csv"))
    labels = truth[["month", "row", "invoice_id", "invoice_type"]]
    english = map_types(files, labels=labels).scope()
    danish = map_types(files, labels=labels.assign(invoice_type=labels["invoice_type"].map(TYPE_NAMES_DA))).scope()
    assert english.in_scope > 0.5
    assert danish.undecided == 0 and danish.in_scope == pytest.approx(english.in_scope), danish.text()


# ---------------------------------------------------------------- tune


def test_a_grid_of_numpy_numbers_is_refused_as_not_a_number(small_world):
    """scikit-learn's convention, which ``tune`` says it follows (the grid "in the order
    scikit-learn's ParameterGrid would give them"), is a dict of lists or arrays:
    ``{"tolerance": np.arange(0, 30, 5)}``. Here every numpy integer is refused,
    "key 'tolerance': expected a number from 0 to 1000000000 (DKK), got np.int64(0)":
    a number called not a number (``Rules(max_amount=df["limit"].max())`` the same, and
    np.float32). Right: a numpy number is a number (``Rules`` takes it as its Python
    value), and the grid is tuned."""
    assert Rules(tolerance=np.int64(5)).tolerance == 5
    assert Rules(max_amount=np.float32(25000)).max_amount == 25000
    result = tune(load_world(small_world), {"tolerance": np.arange(0, 10, 5)}, "100%", workers=1)
    assert len(result.table) == 2


def test_a_grid_given_as_a_dict_skips_the_grids_checks(small_world):
    """``tune(world, grid)`` takes the grid as text or as a dict (``dict[str, list]``, as
    scikit-learn's ParameterGrid). The text is checked (README, `invoicekit tune`: "a rule
    or a value given twice is refused (tolerance=1,1 made two rule sets alike, both on
    the front ...)", and `supplementary_period_end` "sets only the posting date and so
    has nothing to weigh"), the dict not at all: ``{"tolerance": [1, 1]}`` gives two rule
    sets alike, both on the Pareto front, and ``{"supplementary_period_end": [...]}``
    is weighed as if it changed what is posted, both sets "on the front". A notebook's
    GRID may be a dict. Right: the dict is checked as the text is, refused with
    InputError naming the rule."""
    from invoicekit.errors import InputError

    world = load_world(small_world)
    with pytest.raises(InputError, match="twice"):
        tune(world, {"tolerance": [1, 1]}, "100%", workers=1)
    with pytest.raises(InputError, match="supplementary_period_end"):
        tune(world, {"supplementary_period_end": ["01-31", "02-28"]}, "100%", workers=1)


# ---------------------------------------------------------------- notebooks


def _cell(notebook: str, needle: str) -> str:
    cells = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    found = ["".join(c["source"]) for c in cells if c["cell_type"] == "code" and needle in "".join(c["source"])]
    assert len(found) == 1
    return found[0]


def _parameter(notebook: str, name: str) -> object:
    params = _cell(notebook, "# Parameters")
    space: dict = {}
    exec(params, {}, space)  # the parameters cell holds only assignments
    return space[name]


def test_notebook_02_shows_the_rule_sets_least_automated_and_not_the_recommended_one(small_world):
    """Notebook 02 tunes the rules with its default GRID (16 rule sets) and then shows
    the table as ``display(tuning.table.head(12))``. ``tune`` sorts the table by
    automation, lowest first, so the analyst is shown the twelve *least* automated rule
    sets: the recommended one and the other high-automation sets on the front are left
    out (on a 60-citizen world the recommended set is the 13th of 16). README (notebook
    02): "tune the rules (the
    trade-off chart and the recommended rule set under a maximum error rate)". Right: the
    table shown holds the recommended rule set (e.g. the front, or the table sorted best
    first)."""
    grid, max_error = _parameter("02_business_rules.ipynb", "GRID"), _parameter("02_business_rules.ipynb", "MAX_ERROR")
    tuning = tune(load_world(small_world), grid, max_error, workers=1)
    assert tuning.table["recommended"].any()
    shown: list = []
    exec(_cell("02_business_rules.ipynb", "tuning.table"), {"display": shown.append, "tuning": tuning})
    best = tuning.table.loc[tuning.table["recommended"], "rule_set"].iat[0]
    frames = [getattr(s, "frame", s) for s in shown]
    listed = [
        set(f[c]) for f in frames if isinstance(f, pd.DataFrame) for c in ("rule_set", "Regelsæt") if c in f.columns
    ]
    assert listed and any(best in names for names in listed), (best, listed)
