"""invoicekit: the posting robot for Danish municipal social-services invoices,
as a library.

The public API, for notebooks and scripts::

    import invoicekit as ik

    invoices = ik.read_invoices("regninger.csv")     # ik.Invoices: .frame, typed once
    grants = ik.read_grants("bevillinger.csv")       # ik.Grants: .frame, and .problems (rows left out)
    sheet = ik.read_support_sheet("stoetteark.xlsx") # ik.SupportSheet, with .problems
    result = ik.decide(invoices, grants, sheet, ik.Rules(tolerance=5), explain=True)
    result.decisions       # one row per invoice, CPR masked; amounts in DKK, periods as dates
    result.candidates      # every grant considered, and where it was excluded
    result.problems        # the rows the inputs left out

A table held in memory (canonical or Danish headers) is typed with
``ik.prepare_invoices(df)``, ``ik.prepare_grants(df)`` and
``ik.prepare_support_sheet({"services": ..., "suppliers": ..., "coding": ...})``.
Sensum's paid marks (``ik.read_paid_marks``, ``ik.prepare_paid_marks``) go to
``ik.decide(..., paid=marks)``: check 21 then counts a period paid by hand.

Public modules (what the notebooks use): this package's names, and
``invoicekit.followup``, ``invoicekit.business_case``, ``invoicekit.charts``,
``invoicekit.reports``, ``invoicekit.replay``, ``invoicekit.tune``,
``invoicekit.evaluate``, ``invoicekit.posting_history``, ``invoicekit.sample``,
``invoicekit.explain``, ``invoicekit.actions`` (the fix list), ``invoicekit.types``,
``invoicekit.formats`` (numbers written as the reports write them) and
``invoicekit.notebook_paths`` (a notebook's relative paths read from its own folder).
The others are the robot's rooms, free to change.
"""

from __future__ import annotations

from invoicekit.decide import Decisions, decide
from invoicekit.errors import InputError
from invoicekit.extracts import (
    Grants,
    InvoiceLines,
    Invoices,
    SupportSheet,
    prepare_grants,
    prepare_invoice_lines,
    prepare_invoices,
    prepare_support_sheet,
    read_grants,
    read_invoice_lines,
    read_invoices,
    read_support_sheet,
)
from invoicekit.history import History
from invoicekit.journal import Journal
from invoicekit.paid_marks import PaidMarks, prepare_paid_marks, read_paid_marks
from invoicekit.reasons import LABELS_DA, REASONS
from invoicekit.rules import Rules, load_rules
from invoicekit.run import RunResult, run
from invoicekit.version import __version__

__all__ = [
    "LABELS_DA",
    "REASONS",
    "Decisions",
    "Grants",
    "History",
    "InputError",
    "InvoiceLines",
    "Invoices",
    "Journal",
    "PaidMarks",
    "Rules",
    "RunResult",
    "SupportSheet",
    "__version__",
    "decide",
    "load_rules",
    "prepare_grants",
    "prepare_invoice_lines",
    "prepare_invoices",
    "prepare_paid_marks",
    "prepare_support_sheet",
    "read_grants",
    "read_invoice_lines",
    "read_invoices",
    "read_paid_marks",
    "read_support_sheet",
    "run",
]
