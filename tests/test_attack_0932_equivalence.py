"""An attack on 0.9.31's fast, whole-column path against robot-spec.md
(and against the row-by-row reference, tests/reference.py). Each test fails on
the current code and passes once the fault is mended."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pandas as pd
import pytest

from invoicekit import Rules, decide, prepare_grants, prepare_invoice_lines, prepare_invoices, prepare_support_sheet
from tests.reference import reference_decide
from tests.test_equivalence import GRANT_COLUMNS, INVOICE_COLUMNS, LINE_COLUMNS, SERVICES, history, tables

CPR_A = "0101901234"
CPR_B = "0202851234"
CVR = "29345716"

CODING = [
    {"paragraph": para, "ownership": owner, "target_group": target, "art": f"4{cvr[:1]}000000",
     "psp_element": f"P-{code}-{cvr}", "valid_from": "2018-01-01", "valid_to": ""}
    for code, para, target in SERVICES
    for cvr, owner in {"29345716": "privat", "31587603": "kommunal"}.items()
]  # fmt: skip


def grant(**kw) -> dict:
    g = {"grant_id": "G1", "cpr": CPR_A, "service_code": "SEL108", "service_name": "", "supplier_cvr": CVR,
         "rate": "30000.00", "rate_unit": "month", "start_date": "2019-01-01", "end_date": ""}  # fmt: skip
    g.update(kw)
    return g


def invoice(**kw) -> dict:
    i = {"invoice_id": "F1", "supplier_cvr": CVR, "amount": "30000,00", "cpr": CPR_A, "period_start": "01.03.2019",
         "period_end": "31.03.2019", "text": "", "document_type": "", "currency": "", "prepaid_amount": ""}  # fmt: skip
    i.update(kw)
    return i


def line(no: str, cpr: str, amount: str, number: str = "S1") -> dict:
    return {"invoice_id": number, "supplier_cvr": CVR, "line_no": no, "cpr": cpr, "amount": amount,
            "period_start": "", "period_end": "", "text": ""}  # fmt: skip


def fast(invoices, grants, lines=None) -> pd.DataFrame:
    sheet = tables(CODING)
    return decide(
        prepare_invoices(pd.DataFrame(invoices, columns=INVOICE_COLUMNS)),
        prepare_grants(pd.DataFrame(grants, columns=GRANT_COLUMNS)),
        prepare_support_sheet(sheet),
        Rules(),
        history(set(), []),
        run_date=dt.date(2020, 6, 1),
        lines=prepare_invoice_lines(pd.DataFrame(lines, columns=LINE_COLUMNS)) if lines is not None else None,
    ).decisions


def reference(invoices, grants, lines=None) -> list[dict]:
    sheet = tables(CODING)
    rules = Rules()
    return reference_decide(
        invoices, grants, sheet["services"].to_dict("records"), sheet["suppliers"].to_dict("records"), CODING,
        Fraction(str(rules.tolerance)), Fraction(str(rules.max_amount)), set(rules.paragraphs),
        set(rules.excluded_suppliers), set(), [], lines=lines, run_date=dt.date(2020, 6, 1),
    )  # fmt: skip


# Unicode line breaks the README itself counts as line breaks (Python's splitlines, Java's \R):
# U+2028, U+2029, NEL, the vertical tab and the form feed
LINE_BREAKS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c"]


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=["U+2028", "U+2029", "NEL", "VT", "FF"])
def test_cpr_cell_split_on_every_line_break(brk):
    """robot-spec.md, Identifiers: "if the `cpr` cell is filled, split it on `,` `;` `/` `|` or
    line breaks". A CPR cell naming two valid citizens on two lines separated by a Unicode line
    break (U+2028 from a copy out of Word/a PDF, NEL, a vertical tab ...; the README itself calls
    these line breaks and reads them so in invoice numbers) is not split: the user sees
    `INVALID_CPR` with the message "CPR-nummeret på fakturaen (010190-xxxx) er ikke et gyldigt
    CPR-nummer (det indeholder andet end cifre)", about a number that is valid. They should see
    `MULTIPLE_CPR` (check 3) without lines, and, with the invoice lines given, the collective
    invoice decided line by line and posted (spec, "Collective invoices, line by line"), as it is
    with "\\n" between the two numbers. The row-by-row reference has the same fault."""
    grants = [grant(), grant(grant_id="G2", cpr=CPR_B, rate="20000")]
    alone = fast([invoice(cpr=f"{CPR_A}{brk}{CPR_B}")], grants)
    collective = fast(
        [invoice(invoice_id="S1", cpr=f"{CPR_A}{brk}{CPR_B}", amount="50000,00")],
        grants,
        lines=[line("1", CPR_A, "30000"), line("2", CPR_B, "20000")],
    )
    assert (alone.loc[0, "status"], alone.loc[0, "reason"]) == ("manual", "MULTIPLE_CPR")
    assert (collective.loc[0, "status"], collective.loc[0, "reason"]) == ("posted", "")


def test_fullwidth_digit_amounts_read_as_the_reference_reads_them():
    """The fast path and the row-by-row reference disagree on amounts written in full-width digits
    (`３００００,００`, as an East-Asian input method or a PDF copy writes them), though the same
    code reads full-width digits in a CPR cell (`０１０１９０１２３４`) and a CVR cell
    (`２９３４５７１６`) as the citizen and the supplier. An invoice `amount` of `３００００,００`
    that fits its grant is posted by the reference but goes to manual as `INVALID_AMOUNT` on the
    fast path; a grant whose `rate` is `３００００` is read by the reference (the invoice posts) but
    left out by the fast path (listed as an input problem, and its citizen's invoice goes to
    `NO_GRANT`). Spec: "Numbers may use a decimal comma and `.` as thousands separator" (Reading
    extracts) and check 8 "amount missing or not a number". Both paths should decide alike (here
    the fast path's RE2 patterns, where `\\d` is ASCII only, against the reference's Python `re`,
    where it is any digit). The divergence errs on the safe side (manual), but it is one that
    test_equivalence.py's strategies never draw."""
    cases = [
        ([invoice(amount="３００００,００")], [grant()]),
        ([invoice()], [grant(rate="３００００")]),
    ]
    for invoices, grants in cases:
        got = fast(invoices, grants)
        want = reference(invoices, grants)
        assert [(r["status"], r["reason"]) for r in want] == [("posted", "")]
        assert (got.loc[0, "status"], got.loc[0, "reason"]) == (want[0]["status"], want[0]["reason"]), (
            invoices[0]["amount"],
            grants[0]["rate"],
        )
