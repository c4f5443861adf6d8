"""A hunt for needless manual invoices in 0.9.37's first mends: an identifier whose scheme names something
else than a person (a P number under DK:P) and a despatch note or sales order numbered by date were read
as citizens beside the one in the note, and the invoice went to a caseworker."""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as ET

from invoicekit import einvoice
from invoicekit.oioubl import read_ubl

EXAMPLE = Path("/work/shared/examples/oioubl/happy-path_real.xml")
CITIZEN = "0101801234"  # 010180-1234, the one citizen the invoice is for


def _invoice(extra_after_order: str = "", in_delivery: str = "") -> einvoice.Document:
    """The real OIOUBL 2.01 example, the citizen written in a note (as municipalities ask), with ``extra``
    references added where OIOUBL puts them."""
    xml = EXAMPLE.read_text(encoding="utf-8-sig")
    xml = xml.replace("<cbc:DocumentCurrencyCode>", f"<cbc:Note>Borger: {CITIZEN}</cbc:Note><cbc:DocumentCurrencyCode>")
    xml = xml.replace("</cac:OrderReference>", "</cac:OrderReference>" + extra_after_order)
    if in_delivery:
        xml = xml.replace(
            "<cbc:ActualDeliveryDate>2005-11-15</cbc:ActualDeliveryDate>",
            f"<cbc:ActualDeliveryDate>2005-11-15</cbc:ActualDeliveryDate>{in_delivery}",
        )
    return read_ubl(ET.fromstring(xml.encode("utf-8")))


def test_p_number_of_the_delivery_location_is_read_as_a_second_citizen():
    """What goes wrong: a care home invoice names its delivery location (the bosted where the citizen lives)
    by its P-number, OIOUBL's ``<cbc:ID schemeID="DK:P">``: P-numbers are 10 digits (1xxxxxxxxx), and
    about one in eight has a valid CPR date in its first six (1012107685 reads as 101210-7685, born
    2010). reference_texts reads every element named ``...ID`` as text, without looking at its schemeID,
    so an identifier the document itself declares a P-number (or a GLN, CVR, SE number) is searched for
    CPR numbers; convert writes two citizens and the robot sends the invoice to a caseworker
    (MULTIPLE_CPR), every month, for every invoice of that bosted.

    Why it matters: a needless manual invoice from an ordinary, correct OIOUBL document, and nothing the
    supplier or finance can see in the document explains it (the robot spec reads CPR numbers from
    texts, and identifiers under a CPR scheme; no spec line reads a DK:P identifier as a citizen).

    Right: an identifier whose schemeID names another register (DK:P, DK:CVR, DK:SE, GLN/0088, 0184,
    ...) is no reference text; convert names the one citizen 010180-1234."""
    doc = _invoice(
        in_delivery='<cac:DeliveryLocation><cbc:ID schemeID="DK:P">1012107685</cbc:ID></cac:DeliveryLocation>'
    )
    assert einvoice.citizens(doc) == ["010180-1234"], einvoice.citizens(doc)
    row, _ = einvoice.invoice_row(doc)
    assert row["cpr"] == "010180-1234", row["cpr"]


def test_date_based_despatch_or_sales_order_number_is_read_as_a_second_citizen():
    """What goes wrong: suppliers commonly number delivery notes and sales orders by date and a counter,
    ``YYMMDD-NNNN`` or ``YYMMDDNNNN`` (2403150012: 15 March 2024, no. 12). Read as DDMMYY, every such
    number of 2024 and 2025 has a valid CPR date (day 24 or 25), so the invoice's
    ``DespatchDocumentReference/ID`` (or ``OrderReference/SalesOrderID``) becomes a second citizen beside
    the one in the note, and the invoice goes to a caseworker as MULTIPLE_CPR. In 0.9.36 the same
    document was read with one citizen and posted.

    Why it matters: a regression that sends correct single-citizen invoices to manual, every month, for
    every supplier that numbers this way; the spec reads CPR numbers from texts (``\\d{6}-?\\d{4}`` in
    ``text``), not from another document's number.

    Right: the number of another document the invoice refers to (despatch advice, the supplier's own
    sales order, a preceding invoice) is no citizen reference; the invoice names one citizen."""
    doc = _invoice("<cac:DespatchDocumentReference><cbc:ID>2403150012</cbc:ID></cac:DespatchDocumentReference>")
    assert einvoice.citizens(doc) == ["010180-1234"], einvoice.citizens(doc)
