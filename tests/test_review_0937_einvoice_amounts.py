"""An attack on the amounts `invoicekit convert oioubl` reads from e-invoices (UBL and CII) and what
`invoicekit run` then posts (0.9.37): a payment on account stated as a payment element, allowances and charges
stated only in the totals, a charge indicator written `1`, and the lines extract given as the invoices. Each
failed on 0.9.36."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.test_attack_0932_einvoice import EXAMPLE, GRANTS, decided, inbox, line, peppol
from tests.test_review_0935_allowances import _cii

A, B = "610190-1234", "620585-2345"  # the citizens of GRANTS (28,500.00 a month each at Solhøj)
ROOT = Path(__file__).resolve().parent.parent


def _posted(decisions: pd.DataFrame) -> list[str]:
    return [m for s, m in zip(decisions["status"], decisions["message"], strict=True) if s == "posted"]


# ---------------------------------------------------------------- 1. a prepayment stated as a payment

_UBL_PAID = (
    "<cac:PrepaidPayment><cbc:ID>A-CONTO-2019-03</cbc:ID>"
    '<cbc:PaidAmount currencyID="DKK">10000.00</cbc:PaidAmount>'
    "<cbc:ReceivedDate>2019-03-05</cbc:ReceivedDate></cac:PrepaidPayment>"
)
_CII_PAID = (
    "<ram:SpecifiedAdvancePayment><ram:PaidAmount>10000.00</ram:PaidAmount>"
    '<ram:FormattedReceivedDateTime><qdt:DateTimeString xmlns:qdt="urn:un:unece:uncefact:data:standard:'
    'QualifiedDataType:100" format="102">20190305</qdt:DateTimeString></ram:FormattedReceivedDateTime>'
    "</ram:SpecifiedAdvancePayment>"
)


def _with_prepaid_payment(syntax: str) -> str:
    if syntax == "ubl":
        doc = peppol(f"<cbc:Note>Borger {A}</cbc:Note>", "28500.00", line(1, "28500.00"))
        return doc.replace("<cac:TaxTotal>", _UBL_PAID + "<cac:TaxTotal>", 1)
    doc = _cii([(A, "28500.00")], "", "28500.00")
    return doc.replace(
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
        _CII_PAID + "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
        1,
    )


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_a_prepayment_stated_as_a_payment_is_paid_again_in_full(tmp_path, syntax):
    """A one-citizen invoice for March 2019 (28,500.00, the grant's month) that states the a conto
    payment already received: UBL ``cac:PrepaidPayment/cbc:PaidAmount`` 10,000.00 (OIOUBL 2.1 and
    Peppol BIS 3 both have the element), CII ``ram:SpecifiedAdvancePayment/ram:PaidAmount``; the
    supplier's system left ``LegalMonetaryTotal/PrepaidAmount`` (``TotalPrepaidAmount``) out and
    the payable amount at the whole 28,500.00 (the prepayment forgotten in the payable amount).

    What goes wrong: convert reads a prepayment only from ``PrepaidAmount``/``TotalPrepaidAmount``,
    so ``prepaid_amount`` is written blank, and the robot posts 28,500.00 in full: the 10,000.00
    the municipality already paid on account is paid a second time.
    Why it matters: a double payment of the a conto amount, with nothing in the run telling anyone.
    Right behaviour: the robot spec (Invoices table, check 8) makes ``prepaid_amount`` "already
    paid on account (a conto)" and sends any prepayment other than 0 to a caseworker ("a
    prepayment is settled by hand"); the README's ``prepaid_amount`` row: "never 0 where a
    prepayment is stated: where the difference would make it 0 (prepaid 10,000 and the whole
    28,500 payable, the prepayment forgotten), the stated prepayment". A payment the document
    states is a stated prepayment: the invoice must not be posted (INVALID_AMOUNT).
    (Handled already: the same document whose payable amount is 18,500.00 goes to a caseworker,
    as the difference is written as prepaid.)"""
    decisions = decided(tmp_path, _with_prepaid_payment(syntax))
    assert _posted(decisions) == [], decisions[["status", "reason", "message"]].to_string()


# ---------------------------------------------------------------- 2. allowances and charges stated in the totals


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_allowances_and_charges_stated_only_in_the_totals_let_a_collective_invoice_post(tmp_path, syntax):
    """A collective invoice for March 2019: line 1 citizen A 28,500.00, line 2 citizen B
    28,500.00, total 57,000.00. Its totals say the document takes off 1,500.00 and adds 1,500.00
    on the whole of it (UBL ``LegalMonetaryTotal/AllowanceTotalAmount`` and ``ChargeTotalAmount``,
    CII ``AllowanceTotalAmount``/``ChargeTotalAmount``), e.g. an absence deduction for A and extra
    support for B, but the ``cac:AllowanceCharge`` (``SpecifiedTradeAllowanceCharge``) elements
    that would say which are missing.

    What goes wrong: convert looks for allowances and charges only in those elements, so the
    amount is written plain and the robot posts both lines as written, 28,500.00 each, and marks
    both months paid, though the document itself says the citizens are not owed their lines.
    Why it matters: the same wrong payment 0.9.35 mended for documents with the elements
    (``tests/test_review_0935_allowances.py``): one citizen's grant is overpaid and the other's
    underpaid, and each is marked paid.
    Right behaviour: README, convert's ``amount`` row: "A document with allowances or charges on
    the whole of it, not on a line ... has its amount written with them ...: what each line,
    each citizen or period, is owed is not told, so a caseworker decides (INVALID_AMOUNT, a
    collective invoice LINES_MISMATCH)". Totals that state allowances or charges state them as
    much as the elements do: the invoice goes to a caseworker, nothing is posted."""
    if syntax == "ubl":
        lines = line(1, "28500.00", note=f"Borger {A}") + line(2, "28500.00", note=f"Borger {B}")
        totals = (
            '<cbc:AllowanceTotalAmount currencyID="DKK">1500.00</cbc:AllowanceTotalAmount>'
            '<cbc:ChargeTotalAmount currencyID="DKK">1500.00</cbc:ChargeTotalAmount>'
        )
        doc = peppol("<cbc:Note>Samlefaktura</cbc:Note>", "57000.00", lines, totals=totals)
    else:
        doc = _cii([(A, "28500.00"), (B, "28500.00")], "", "57000.00", allowances="1500.00", charges="1500.00")
    decisions = decided(tmp_path, doc)
    assert _posted(decisions) == [], decisions[["status", "reason", "message"]].to_string()


# ---------------------------------------------------------------- 3. ChargeIndicator 1


def _ubl_charge(indicator: str) -> str:
    return (
        f"<cac:AllowanceCharge><cbc:ChargeIndicator>{indicator}</cbc:ChargeIndicator>"
        "<cbc:AllowanceChargeReason>Ekstra støtte</cbc:AllowanceChargeReason>"
        '<cbc:Amount currencyID="DKK">1500.00</cbc:Amount>'
        "<cac:TaxCategory><cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:AllowanceCharge>"
    )


def _cii_charge(indicator: str) -> str:
    return (
        "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>"
        f"{indicator}</udt:Indicator></ram:ChargeIndicator>"
        "<ram:ActualAmount>1500.00</ram:ActualAmount><ram:Reason>Ekstra støtte</ram:Reason>"
        "<ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>E</ram:CategoryCode>"
        "<ram:RateApplicablePercent>0</ram:RateApplicablePercent></ram:CategoryTradeTax>"
        "</ram:SpecifiedTradeAllowanceCharge>"
    )


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_a_charge_whose_indicator_is_written_1_is_told_to_the_caseworker_as_a_deduction(tmp_path, syntax):
    """A collective invoice (A and B, 28,500.00 each) with a charge of 1,500.00 on the whole
    document ("Ekstra støtte"), total 58,500.00, whose ``ChargeIndicator`` (CII
    ``ChargeIndicator/udt:Indicator``) is written ``1``: ``xs:boolean``'s other spelling of true,
    which both schemas accept and some generators write.

    What goes wrong: ``einvoice.is_charge`` takes only ``true`` for a charge, so the charge is
    counted as an allowance: the extract says ``(fradrag og tillæg på hele fakturaen: 1500.00 og
    0)`` and the caseworker's message "e-fakturaen har fradrag på 1.500,00 kr. og tillæg på
    0,00 kr.": a deduction of 1,500 where the supplier added 1,500. (The invoice still goes to a
    caseworker; what is wrong is the figure the caseworker is given to settle it with.)
    Why it matters: the caseworker who settles the invoice by hand is told the opposite of what
    the document says, and may pay 3,000 kr. off (deduct where a charge is owed, or the reverse).
    Right behaviour: README, convert's ``amount`` row, writes the allowances and the charges apart
    ("57000.00 (fradrag og tillæg på hele fakturaen: 1500.00 og 1500.00)"); ``1`` is true as
    ``true`` is, so the charge is named a charge: allowances 0, charges 1,500.00."""
    if syntax == "ubl":
        lines = line(1, "28500.00", note=f"Borger {A}") + line(2, "28500.00", note=f"Borger {B}")
        totals = '<cbc:ChargeTotalAmount currencyID="DKK">1500.00</cbc:ChargeTotalAmount>'
        doc = peppol("<cbc:Note>Samlefaktura</cbc:Note>", "58500.00", lines, totals=totals)
        doc = doc.replace("<cac:TaxTotal>", _ubl_charge("1") + "<cac:TaxTotal>", 1)
    else:
        doc = _cii([(A, "28500.00"), (B, "28500.00")], _cii_charge("1"), "58500.00", charges="1500.00")
    decisions = decided(tmp_path, doc)
    message = decisions["message"].iloc[0]
    assert decisions["status"].iloc[0] == "manual"
    assert "tillæg på 1.500,00 kr." in message, message
    assert "fradrag på 1.500,00 kr." not in message, message


# ---------------------------------------------------------------- 4. the lines extract read as invoices


def test_the_lines_extract_given_as_the_invoices_posts_a_credit_note(tmp_path):
    """A Peppol credit note (``CreditNote``, type code 381) from Solhøj crediting citizen A's
    March 2019 (28,500.00; the line carries its period), converted as the README shows:
    ``invoicekit convert oioubl indbakke/ --out regninger.csv --lines-out fakturalinjer.csv``.
    The finance clerk then runs the robot with ``--invoices fakturalinjer.csv`` (the other of the
    two files convert just wrote; nothing else given).

    What goes wrong: the lines extract has every column the invoices extract requires
    (``invoice_id``, ``supplier_cvr``, ``amount``) but no ``document_type``, ``currency`` or
    ``prepaid_amount``, so the robot reads the credit note's line as an ordinary invoice in DKK
    and posts it: 28,500.00 paid to the supplier under ``KN-1``, March marked paid in Sensum;
    exit 0, no warning. The same holds for an invoice in EUR whose line names its citizen and
    period (its 28,500.00 EUR posted as kroner), and for one with a prepayment.
    Why it matters: a credit note, money owed *to* the municipality, is paid out as an invoice.
    Right behaviour: robot spec check 9 ("CREDIT_NOTE: document_type is credit_note") and the
    README's lines table ("currency, document_type, prepaid_amount (a line that is not plain DKK
    cannot be used)"): convert's lines extract never reads as plain invoices it does not hold
    (e.g. it carries its invoice's ``document_type``/``currency``/``prepaid_amount``), or `run`
    refuses a lines extract given as ``--invoices`` (exit 2, naming the file and the
    ``line_no`` column). Either way nothing is posted."""
    credit = peppol(
        "<cbc:Note>Kreditering af marts</cbc:Note>",
        "28500.00",
        line(1, "28500.00", note=f"Borger {A}", period="2019-03-01/2019-03-31", tag="CreditNoteLine",
             quantity_tag="CreditedQuantity"),
        root="CreditNote",
        type_code="381",
        number="KN-1",
    )  # fmt: skip
    folder = inbox(tmp_path, credit)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    invoices, lines = tmp_path / "regninger.csv", tmp_path / "fakturalinjer.csv"
    cli = [sys.executable, "-m", "invoicekit_command"]
    done = subprocess.run([*cli, "convert", "oioubl", str(folder), "--out", str(invoices), "--lines-out",
                           str(lines), "--quiet"], capture_output=True, text=True, env=env, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    grants = tmp_path / "bevillinger.csv"
    grants.write_text(GRANTS, encoding="utf-8")
    out = tmp_path / "ud"
    ran = subprocess.run([*cli, "run", "--grants", str(grants), "--invoices", str(lines), "--support-sheet",
                          str(EXAMPLE / "stoetteark.xlsx"), "--out", str(out)],
                         capture_output=True, text=True, env=env, cwd=ROOT)  # fmt: skip
    assert "Traceback" not in ran.stderr
    if ran.returncode == 2:
        return  # refused: nothing posted
    postings = pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str, keep_default_na=False)
    assert "KN-1" not in postings["Fakturanummer"].tolist(), postings.to_string()
