"""invoicekit: the posting robot for Danish municipal social-services invoices,
as a library.

The public API, for notebooks and scripts::

    import invoicekit as ik

    invoices = ik.read_invoices("regninger.csv")
    grants, grant_problems = ik.read_grants("bevillinger.csv")
    sheet, sheet_problems = ik.read_support_sheet("stoetteark.xlsx")
    result = ik.decide(invoices, grants, sheet, ik.Rules(tolerance=5), explain=True)
    result.decisions       # one row per invoice, CPR masked
    result.candidates      # every grant considered, and where it was excluded
"""

from __future__ import annotations

from invoicekit.decide import Decisions, decide
from invoicekit.errors import InputError
from invoicekit.extracts import (
    SupportSheet,
    prepare_grants,
    prepare_invoices,
    prepare_support_sheet,
    read_grants,
    read_invoices,
    read_support_sheet,
)
from invoicekit.history import History
from invoicekit.journal import Journal
from invoicekit.reasons import LABELS_DA, REASONS
from invoicekit.rules import Rules, load_rules
from invoicekit.run import RunResult, run
from invoicekit.version import __version__

__all__ = [
    "LABELS_DA",
    "REASONS",
    "Decisions",
    "History",
    "InputError",
    "Journal",
    "Rules",
    "RunResult",
    "SupportSheet",
    "__version__",
    "decide",
    "load_rules",
    "prepare_grants",
    "prepare_invoices",
    "prepare_support_sheet",
    "read_grants",
    "read_invoices",
    "read_support_sheet",
    "run",
]
