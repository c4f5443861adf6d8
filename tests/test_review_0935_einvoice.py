"""Found by an attack on the e-invoice path of 0.9.35 before its release: a type code written as a
word or spaced out ("Faktura", "3 8 0", "invoice" on a CreditNote) is written so that the robot reads
it as neither an invoice nor a credit note (a credit note was posted as an invoice), and the CPR
number of the supplier's invoicer or despatch party is not a citizen's. Each test failed before."""

from __future__ import annotations

from pathlib import Path

import invoicekit as ik
from invoicekit.convert import convert

EINVOICES = Path(__file__).parent / "data" / "einvoices"


def _one(tmp_path: Path, text: str, name: str = "faktura.xml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = convert([path])
    assert result.refused == []
    return result


def test_a_cii_invoicer_partys_cpr_is_not_a_citizen(tmp_path):
    """A CII invoice from a sole trader (a foster family, *plejefamilie*, is
    one) names the trader as the Invoicer (``InvoicerTradeParty``, BG-10's
    sibling in CII D16B: "the party issuing the invoice"), with the trader's
    CPR number under scheme 0237 and in its name.

    Expected: the Invoicer is one of the supplier's own parties, so its CPR
    is not a citizen's: the cpr column names the citizens of the invoice
    (610180-1234, 620585-2345, 631290-3456) and no more.
    README ("cpr"): "The supplier's own parties (its tax representative and
    the one who signed for it too, since 0.9.15) are left out: a sole
    trader's CPR is not a citizen's."
    Got: 010170-1234, the trader's, is written as a fourth citizen
    (cii.SUPPLIER_PARTIES lists Seller, Payee and SellerTaxRepresentative
    only; ShipFromTradeParty is read alike). The collective invoice then
    goes to LINES_MISMATCH (the lines' citizens are not the invoice's); a
    one-citizen invoice becomes MULTIPLE_CPR, or, where the citizen is named
    only in BuyerReference, is decided for the trader.
    Severity: medium (wrong CPR in the extract; a caseworker, no payment)."""
    doc = (
        (EINVOICES / "cii-collective.xml")
        .read_text(encoding="utf-8")
        .replace(
            "<ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>",
            "<ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>"
            '<ram:InvoicerTradeParty><ram:ID schemeID="0237">0101701234</ram:ID>'
            "<ram:Name>Plejefamilie Jens Hansen 010170-1234</ram:Name></ram:InvoicerTradeParty>",
        )
    )
    row = _one(tmp_path, doc).invoices.iloc[0]
    assert "010170-1234" not in row["cpr"], row["cpr"]


_UBL_NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def _peppol(
    root: str = "Invoice", type_code: str = "380", note: str = "Borger 610190-1234", extra_head: str = ""
) -> str:
    """A Peppol BIS 3 document of one line, 28,500.00 kr. for March 2019, from
    Bostedet Solhøj (CVR 29345716), VAT exempt."""
    line = "CreditNoteLine" if root == "CreditNote" else "InvoiceLine"
    qty = "CreditedQuantity" if root == "CreditNote" else "InvoicedQuantity"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} {_UBL_NS.format(root=root)}>
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>SOL-1001</cbc:ID>
  <cbc:IssueDate>2019-04-03</cbc:IssueDate>
  <cbc:{root}TypeCode>{type_code}</cbc:{root}TypeCode>
  <cbc:Note>{note}</cbc:Note>{extra_head}
  <cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>
  <cac:InvoicePeriod><cbc:StartDate>2019-03-01</cbc:StartDate><cbc:EndDate>2019-03-31</cbc:EndDate></cac:InvoicePeriod>
  <cac:AccountingSupplierParty><cac:Party><cbc:EndpointID schemeID="0184">29345716</cbc:EndpointID><cac:PartyName><cbc:Name>Bostedet Solhøj</cbc:Name></cac:PartyName><cac:PartyLegalEntity><cbc:RegistrationName>Bostedet Solhøj ApS</cbc:RegistrationName><cbc:CompanyID schemeID="0184">DK29345716</cbc:CompanyID></cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party><cbc:EndpointID schemeID="0088">5798000000001</cbc:EndpointID><cac:PartyName><cbc:Name>Kommunen</cbc:Name></cac:PartyName></cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="DKK">0.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="DKK">28500.00</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount currencyID="DKK">28500.00</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID="DKK">28500.00</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID="DKK">28500.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
  <cac:{line}><cbc:ID>1</cbc:ID><cbc:{qty} unitCode="MON">1</cbc:{qty}><cbc:LineExtensionAmount currencyID="DKK">28500.00</cbc:LineExtensionAmount><cac:Item><cbc:Description>Døgnophold § 108</cbc:Description><cbc:Name>Døgnophold</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item><cac:Price><cbc:PriceAmount currencyID="DKK">28500.00</cbc:PriceAmount></cac:Price></cac:{line}>
</{root}>"""


def _read_as(tmp_path: Path, text: str, name: str) -> str:
    """The document type the robot reads of the converted document."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = convert([path])
    assert result.refused == []
    return ik.prepare_invoices(result.invoices).frame["document_type"].iat[0]


def test_a_credit_note_whose_type_code_is_a_word_is_never_read_as_an_invoice(tmp_path):
    """A UBL ``CreditNote`` whose ``CreditNoteTypeCode`` is a word or a spaced code (``invoice``,
    ``Faktura``, ``IN-VOICE``, ``3 8 0``). README (``document_type``): "A type code in neither EN
    16931's invoice nor its credit list is written as it stands, and the robot sends the document to
    manual as neither". Written as it stood, the robot's reader (case, spaces and dashes ignored) read
    it as an invoice, and the credit note of 28,500.00 kr. was posted as March's invoice."""
    for code in ("invoice", "Faktura", "IN-VOICE", "3 8 0"):
        kind = _read_as(tmp_path, _peppol(root="CreditNote", type_code=code), f"kreditnota-{len(code)}.xml")
        assert kind == "other", (code, kind)
    assert _read_as(tmp_path, _peppol(root="CreditNote", type_code="381"), "k381.xml") == "credit_note"


def test_an_invoice_whose_type_code_is_a_word_goes_to_a_caseworker_not_past_converts_checks(tmp_path):
    """An ``Invoice`` typed ``Faktura`` or ``3 8 0``: convert applies its checks of an invoice (a line's
    period outside the invoice's, a correction named) only to what it writes as an invoice, and the
    robot read these as invoices: a March invoice whose one line is for February, and a correction of
    SOL-0305, were posted. Both are now read as neither, so a caseworker decides (check 9); ``380``
    is an invoice as before."""
    for code in ("Faktura", "3 8 0"):
        assert _read_as(tmp_path, _peppol(type_code=code), "f.xml") == "other", code
    assert _read_as(tmp_path, _peppol(type_code="380"), "i.xml") == "invoice"


def test_a_ubl_despatch_partys_cpr_is_not_a_citizen(tmp_path):
    """The party that despatches (``Delivery/Despatch/DespatchParty``) is the supplier's own, as its
    ``AccountingSupplierParty`` is: a sole trader's CPR number there is not a citizen's."""
    despatch = (
        "<cac:Delivery><cac:Despatch><cac:DespatchParty><cac:PartyIdentification>"
        '<cbc:ID schemeID="0237">0101701234</cbc:ID></cac:PartyIdentification><cac:PartyName>'
        "<cbc:Name>Plejefamilie Jens Hansen 010170-1234</cbc:Name></cac:PartyName></cac:DespatchParty>"
        "</cac:Despatch></cac:Delivery>"
    )
    doc = _peppol().replace("<cac:TaxTotal>", despatch + "<cac:TaxTotal>")
    assert despatch in doc
    row = _one(tmp_path, doc).invoices.iloc[0]
    assert "010170-1234" not in row["cpr"] and "610190-1234" in row["cpr"], row["cpr"]
