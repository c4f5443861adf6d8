"""Invoice types: what kinds of invoice an extract holds, how standardised
each kind and each supplier is, and which the robot can take.

Two estimators with scikit-learn's API work on the same features
(:func:`invoice_features`):

- :class:`InvoiceTypeClassifier` learns types from a labelled sample
  (``fit``/``predict``/``predict_proba``/``score``);
- :class:`InvoiceClusters` groups an unlabelled extract (``fit``/``predict``)
  and names each group by its top terms.

:func:`type_table` and :func:`supplier_table` summarise an extract by type and
by supplier, and :func:`map_types` does the whole step that
``invoicekit types`` runs.

Texts are normalised before any term is learnt: CPR numbers, dates and other
numbers become the tokens ``cprnr``, ``dato`` and ``tal``; and a term counts
only when it occurs on the invoices of several suppliers, so that no citizen's
name or number can become a feature or a cluster's top term.

The package has one room per concern; each imports only rooms above it in
this list, never the package itself:

- ``kinds``: the types and their Danish names (imports nothing);
- ``features``: the extracts read and stacked, the text normalised, the
  features of each invoice;
- ``estimators``: the term filter and the two estimators;
- ``scope``: which types the robot can take, by the rule for a known type or
  by what the robot posted, else undecided;
- ``tables``: per type and per supplier, and their Danish headers;
- ``charts``: the type charts, DataFrames in and matplotlib Figures out;
- ``labels``: a labelled sample read and matched to its invoices;
- ``mapping``: the whole step (:func:`map_types`) and its result.

The public names are those in ``__all__``, importable from here
(``from invoicekit.types import map_types``); the rooms' other names are
internal and may change. A name is loaded from its room on first use, so that
``invoicekit.types.kinds`` stays cheap to import (the synthetic
municipality needs the types without scikit-learn and matplotlib).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from invoicekit.types.charts import confusion_figure, standardisation_figure, supplier_figure, type_figure
    from invoicekit.types.estimators import InvoiceClusters, InvoiceTypeClassifier, SharedTermsTfidf
    from invoicekit.types.features import FLAGS, NAME_WORDS, NUMERIC, invoice_features, normalise_text, read_extracts
    from invoicekit.types.kinds import FIXED_RATE_TYPES, TYPE_NAMES_DA, TYPES, type_label
    from invoicekit.types.labels import LabelMatch, match_labels, read_labels
    from invoicekit.types.mapping import TypeMapping, map_types, posted_flags
    from invoicekit.types.scope import Scope, scope_summary, scope_table
    from invoicekit.types.tables import danish_headers, danish_table, supplier_table, type_table

#: each public name and the room it lives in
_ROOMS = {
    "TYPES": "kinds",
    "FIXED_RATE_TYPES": "kinds",
    "TYPE_NAMES_DA": "kinds",
    "type_label": "kinds",
    "NUMERIC": "features",
    "FLAGS": "features",
    "NAME_WORDS": "features",
    "normalise_text": "features",
    "read_extracts": "features",
    "invoice_features": "features",
    "SharedTermsTfidf": "estimators",
    "InvoiceTypeClassifier": "estimators",
    "InvoiceClusters": "estimators",
    "Scope": "scope",
    "scope_summary": "scope",
    "scope_table": "scope",
    "type_table": "tables",
    "supplier_table": "tables",
    "danish_headers": "tables",
    "danish_table": "tables",
    "type_figure": "charts",
    "standardisation_figure": "charts",
    "supplier_figure": "charts",
    "confusion_figure": "charts",
    "read_labels": "labels",
    "LabelMatch": "labels",
    "match_labels": "labels",
    "map_types": "mapping",
    "TypeMapping": "mapping",
    "posted_flags": "mapping",
}

__all__ = [
    "FIXED_RATE_TYPES",
    "FLAGS",
    "NAME_WORDS",
    "NUMERIC",
    "TYPES",
    "TYPE_NAMES_DA",
    "InvoiceClusters",
    "InvoiceTypeClassifier",
    "LabelMatch",
    "Scope",
    "SharedTermsTfidf",
    "TypeMapping",
    "confusion_figure",
    "danish_headers",
    "danish_table",
    "invoice_features",
    "map_types",
    "match_labels",
    "normalise_text",
    "posted_flags",
    "read_extracts",
    "read_labels",
    "scope_summary",
    "scope_table",
    "standardisation_figure",
    "supplier_figure",
    "supplier_table",
    "type_figure",
    "type_label",
    "type_table",
]


def __getattr__(name: str):
    # a lazy import for start-up speed (PEP 562): a room is loaded when one of its names is first asked for
    room = _ROOMS.get(name)
    if room is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{room}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
