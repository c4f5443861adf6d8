"""An attack on 0.9.30's fix list (invoicekit actions): who must fix what, and its worth; each test failed on it."""

from __future__ import annotations

import pandas as pd

from invoicekit.actions import fix_list
from tests.test_actions import decision as base_decision

S1 = "29345716"  # a valid CVR number


def decision(row: int, reason: str = "", month: str = "2019-01", **fields) -> dict:
    """:func:`tests.test_actions.decision` of a named supplier, with no CPR number."""
    return base_decision(row, reason, month, **{"supplier_name": "Bostedet Lind", "cpr_masked": "", **fields})


def test_a_credit_note_without_cpr_is_not_counted_as_unlocked_by_the_contact_template():
    # two invoices without a CPR number, and a credit note (negative amount) without one: check 9 sends a
    # credit note to manual whatever it carries, so the template cannot let it through
    d = pd.DataFrame(
        [
            decision(1, "MISSING_CPR"),
            decision(2, "MISSING_CPR"),
            decision(
                3,
                "MISSING_CPR",
                amount=-5857.10,
                message="Der står intet CPR-nummer på fakturaen. Bemærk: dokumentet er en kreditnota; den skal "
                "ikke betales, men modregnes manuelt i den faktura, den krediterer.",
            ),
            *[decision(r) for r in range(4, 11)],
        ]
    )
    a = fix_list(d, month="2019-01")
    fix = a.fixes[a.fixes["fix_key"] == f"template:{S1}"]
    assert len(fix) == 1
    linked = set(a.links.loc[a.links["fix_key"] == f"template:{S1}", "row"])
    assert 3 not in linked, "a credit note is never posted: the template unlocks no credit note"
    assert int(fix["invoices"].iat[0]) == 2
    assert abs(float(fix["points"].iat[0]) - 20.0) < 1e-9  # 2 of 10 invoices


def test_a_collective_invoice_whose_lines_do_not_fit_is_the_suppliers_to_fix():
    # LINES_MISMATCH: the message asks the supplier for a corrected invoice, as MULTIPLE_CPR,
    # MISSING_INVOICE_ID and INVALID_CPR do, which the fix list gives to the supplier
    msg = (
        "Samlefakturaens linjer stemmer ikke med fakturaen (linje 2 har intet CPR-nummer). Robotten bogfører en "
        "samlefaktura linje for linje, når hver linje har ét CPR-nummer, og linjernes beløb tilsammen er "
        "fakturaens. Bogfør manuelt, og bed leverandøren om en rettet faktura."
    )
    d = pd.DataFrame([decision(1, "LINES_MISMATCH", message=msg), decision(2, "MULTIPLE_CPR"), decision(3)])
    a = fix_list(d, month="2019-01")
    owner = dict(zip(a.invoices["reason"], a.invoices["owner"], strict=True))
    assert owner["MULTIPLE_CPR"] == "supplier"
    assert owner["LINES_MISMATCH"] == "supplier"
