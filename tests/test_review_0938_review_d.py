"""A last review of 0.9.38's analyst and paid-marks mends: a name seen beside one citizen and on an invoice without a CPR number, feature frames without citizens, blank citizens, dict grids of whole-number paragraphs or one value, and a mark of a grant id written without its zeros."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from invoicekit import decide, prepare_grants, prepare_invoices, prepare_support_sheet
from invoicekit.errors import InputError
from invoicekit.paid_marks import prepare_paid_marks
from tests.conftest import SOLHOJ, grants_table, invoice, support_tables


@pytest.fixture(scope="module")
def small_world(tmp_path_factory) -> Path:
    from synthetic import synthesize

    out = tmp_path_factory.mktemp("d2") / "world"
    synthesize("baseline", seed=5, out=out, months=3, citizens=60)
    return out


# ---------------------------------------------------------------- types

CVRS = ["64869310", "77679839", "93184637", "38644548", "72339592", "31604079"]
CITIZENS = [("0101904321", "Yusuf Hassan"), ("0202805432", "Ole Hansen"), ("0303706543", "Mette Nielsen")]


def _name_extract(path: Path, blank_cpr_once: bool) -> Path:
    """Three citizens at six suppliers, three months; Yusuf Hassan's name written by three suppliers
    (as in test_review_0938_types_tune); with ``blank_cpr_once`` one of his 54 invoices lacks its CPR."""
    rows, n = [], 0
    for month in (1, 2, 3):
        for i, cvr in enumerate(CVRS):
            for k, (cpr, name) in enumerate(CITIZENS):
                n += 1
                who = name if (name != "Yusuf Hassan" or i < 3) else "Ole Hansen"
                missing = blank_cpr_once and name == "Yusuf Hassan" and i == 0 and month == 1
                rows.append(
                    {
                        "invoice_id": f"F{n}",
                        "supplier_cvr": cvr,
                        "amount": f"{1000 * (i + 1) + k}.00",
                        "cpr": "" if missing else cpr,
                        "period_start": f"2019-0{month}-01",
                        "period_end": f"2019-0{month}-28",
                        "text": f"Månedlig betaling, Borger: {who}",
                        "supplier_name": f"Bostedet {i}",
                    }
                )
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_citizens_name_names_a_group_again_once_one_of_his_invoices_lacks_its_cpr(tmp_path):
    """0.9.38 drops a term seen beside one citizen alone, but keeps every term that occurs on an
    invoice naming no citizen (``_beside_several_citizens``: ``anonymous``). So one invoice of 54
    on which a supplier forgot the CPR number (the commonest supplier error, and exactly the
    invoice that names the citizen by name instead) brings "Yusuf Hassan" back: ``types`` writes
    groups named "gruppe 02: betaling yusuf, hassan, yusuf" into types.csv, clusters.csv,
    types.xlsx and the charts. The same extract with his CPR on every invoice names no group
    after him. README (`invoicekit types`, Features): "So no citizen's name or number becomes a
    feature, a top term or a figure" (the README's "wherever its invoices name a citizen" says how
    the filter works, not that one CPR-less invoice may undo it). Right: a term that occurs beside one citizen alone where
    citizens are named is not made shared by an invoice that names none (an invoice without a CPR
    number says nothing about whose name a word is); no group or top term names him."""
    from invoicekit.types import map_types

    mapping = map_types([_name_extract(tmp_path / "regninger.csv", blank_cpr_once=True)])
    shown = " ".join(mapping.types["invoice_type"]) + " " + " ".join(mapping.clusters["top_terms"])
    assert "yusuf" not in shown.lower() and "hassan" not in shown.lower(), mapping.clusters[["group", "top_terms"]]


def test_a_feature_frame_without_citizen_key_is_refused_by_both_estimators_with_a_traceback(tmp_path):
    """0.9.38 added the column ``citizen_key`` to ``invoice_features`` and made both estimators
    select it by name: ``InvoiceClusters().fit(X)`` raises ``KeyError: "['citizen_key'] not in
    index"`` and ``InvoiceTypeClassifier().fit(X, y)`` ``ValueError: Some column names are not
    columns of the dataframe``, for a feature frame made before 0.9.38 (saved with the labelled
    sample) or built by the analyst, although ``SharedTermsTfidf`` itself still takes two columns
    (text, supplier) and the citizen is only a filter on terms. README (Features, In Python):
    ``X = invoice_features(invoices)`` ... "Both are scikit-learn estimators"; a frame of the
    0.9.37 features worked. Right: a frame without ``citizen_key`` is fitted as before (the term
    filter without the citizen), or refused with an InputError naming the missing column."""
    from invoicekit.types import InvoiceClusters, InvoiceTypeClassifier, invoice_features

    df = pd.read_csv(_name_extract(tmp_path / "r.csv", False), dtype=str, keep_default_na=False)
    X = invoice_features(prepare_invoices(df)).drop(columns="citizen_key")
    y = np.where(np.arange(len(X)) % 2, "daily_rate", "residential_monthly")
    for fit in (lambda: InvoiceClusters().fit(X), lambda: InvoiceTypeClassifier().fit(X, y)):
        try:
            fit()
        except InputError:
            pass  # refused, said
        except Exception as exc:
            pytest.fail(f"a traceback, not a refusal: {type(exc).__name__}: {exc}")


def test_a_citizen_column_with_blanks_crashes_the_term_filter():
    """``SharedTermsTfidf`` takes a third column, the citizen, and treats 0 as "names none". A
    citizen column as an analyst has it (CPR numbers or keys, blank as NaN where an invoice names
    none: ``X[["text", "supplier_key", "cpr"]]``) makes ``pd.factorize`` code the blanks -1, and
    ``fit`` dies in scipy with ``ValueError: negative axis 0 index: -1``. README: the estimators
    are scikit-learn estimators; ``SharedTermsTfidf`` is public (``invoicekit.types.__all__``).
    Right: a blank citizen (NaN, None, "") is read as naming none, as 0 is, and the terms fitted."""
    from invoicekit.types import SharedTermsTfidf

    X = pd.DataFrame(
        {
            "text": ["døgnophold marts", "døgnophold april", "døgnophold maj", "døgnophold juni"],
            "supplier_key": [1, 2, 3, 4],
            "citizen": [11.0, 12.0, np.nan, 13.0],
        }
    )
    fitted = SharedTermsTfidf(min_suppliers=3).fit(X)
    assert "døgnophold" in fitted.vocabulary_


# ---------------------------------------------------------------- tune


def test_a_dict_grid_of_paragraphs_as_whole_numbers_crashes_tune(small_world):
    """``Rules`` takes paragraphs as "a list of texts or whole numbers" (``Rules(paragraphs=[103,
    107])`` works, and rules.toml's ``paragraphs = [103, 107]`` too), and 0.9.38's ``check_grid``
    passes ``{"paragraphs": [[103, 104, 107, 108], [103, 104]]}`` as valid; ``tune`` then dies
    after replaying every rule set, in ``_describe``: ``TypeError: sequence item 0: expected str
    instance, int found`` (excluded suppliers given as numbers the same). README (`tune`): the grid
    may be a dict as scikit-learn's ParameterGrid, checked as the text is. Right: the grid is tuned
    (paragraphs read as the rules read them), or refused up front with an InputError."""
    from invoicekit.replay import load_world
    from invoicekit.tune import tune

    try:
        result = tune(
            load_world(small_world), {"paragraphs": [[103, 104, 107, 108], ["103", "104"]]}, "100%", workers=1
        )
    except InputError:
        return
    except TypeError as exc:
        pytest.fail(f"a traceback after the whole replay: {exc}")
    assert len(result.table) == 2


def test_a_dict_grid_with_one_value_not_in_a_list_crashes(small_world):
    """A notebook's GRID written ``{"tolerance": 5, "max_amount": [25000, 100000]}`` (one value
    meant, as for a rule not varied) makes ``check_grid`` call ``list(5)``: ``TypeError: 'int'
    object is not iterable`` (``np.float64(5)`` the same), a traceback from inside invoicekit where
    every other mistake in a grid is an InputError naming the rule (an empty grid, a value twice,
    an unknown rule; a single string is even taken as one value). Right: an InputError naming
    ``tolerance`` and the form expected (a list of values), or the value taken as a list of one."""
    from invoicekit.replay import load_world
    from invoicekit.tune import tune

    world = load_world(small_world)
    for grid in ({"tolerance": 5, "max_amount": [25000, 100000]}, {"tolerance": np.float64(5)}):
        try:
            tune(world, grid, "100%", workers=1)
        except InputError as exc:
            assert "tolerance" in str(exc)
        except TypeError as exc:
            pytest.fail(f"{grid}: a traceback, not a refusal: {exc}")


# ---------------------------------------------------------------- paid marks


def test_a_mark_of_a_grant_id_written_without_its_zeros_and_another_citizens_cpr_is_not_listed():
    """A grant whose id is numeric, 00123 in the extract and 123 in Sensum's mark (Excel dropped the
    zeros): ``paid_from_marks`` finds the grant by value (``_by_value``) and holds citizen A's
    March invoice as ALREADY_PAID ("Bevilling ... er allerede betalt ... afvis den over for
    leverandøren"). The mark's own CPR cell names another citizen (010190-1234, with a grant of her
    own at Solhøj). With the id written as in the extract, 0.9.38 lists the mark in
    input_problems.csv under ``cpr`` ("mærkets CPR-nummer er ikke bevillingens borgers");
    written 123, ``_another_citizen`` compares ids exactly, finds no grant, and nothing is listed,
    though the invoice is held on the strength of the same doubtful mark. README (paid marks, 0.9.38):
    a mark whose own CPR number is not its grant's citizen's is listed. Right: the mark is listed
    under ``cpr``, as it is when the id is written with its zeros (grant ids compared as check 21
    compares them)."""
    other = pd.DataFrame(
        [("G-O108", "0101901234", "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", "")],
        columns=grants_table().columns,
    )
    grants = pd.concat([grants_table(), other], ignore_index=True)
    grants.loc[0, "grant_id"] = "00123"  # citizen A's § 108 grant at Solhøj
    marks = prepare_paid_marks(
        pd.DataFrame(
            [("123", "01.03.2019", "31.03.2019", "HAND-7", "010190-1234", SOLHOJ)],
            columns=["grant_id", "period_start", "period_end", "invoice_id", "cpr", "supplier_cvr"],
        )
    )
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="A-MAR")])),
        prepare_grants(grants),
        prepare_support_sheet(support_tables()),
        paid=marks,
    )
    assert d.decisions["reason"].tolist() == ["ALREADY_PAID"]  # held by the mark: the finding is what is said
    said = d.problems[(d.problems["file"] == "paid") & (d.problems["row"] == 1)]
    assert "cpr" in said["column"].tolist(), said[["column", "problem"]].values.tolist()
