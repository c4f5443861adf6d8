"""Found by an attack on 0.9.35's e-invoice amounts before its release: allowances and charges on the
whole document (UBL ``cac:AllowanceCharge``, CII ``SpecifiedTradeAllowanceCharge``) leave what each
line, each citizen, is owed untold, so the amount is written with them and a caseworker decides.
Each test failed before the mend."""

from __future__ import annotations

from invoicekit.convert import convert
from tests.test_attack_0932_einvoice import decided, inbox, line, peppol

A, B = "610190-1234", "620585-2345"  # the citizens of GRANTS in test_attack_0932_einvoice (28,500.00 a month each)


def _allowance_charge(charge: bool, amount: str, reason: str) -> str:
    return (
        f"<cac:AllowanceCharge><cbc:ChargeIndicator>{'true' if charge else 'false'}</cbc:ChargeIndicator>"
        f"<cbc:AllowanceChargeReason>{reason}</cbc:AllowanceChargeReason>"
        f'<cbc:Amount currencyID="DKK">{amount}</cbc:Amount>'
        "<cac:TaxCategory><cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:AllowanceCharge>"
    )


def _cii(
    lines: list[tuple[str, str]], header_charges: str, total: str, allowances: str = "0.00", charges: str = "0.00"
) -> str:
    """A Peppol CII invoice from Bostedet Solhøj (CVR 29345716) for March 2019, VAT exempt, one line a
    ``(citizen, amount)``."""
    items = "".join(
        f"<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>{k}</ram:LineID>"
        f"<ram:IncludedNote><ram:Content>Borger {cpr}</ram:Content></ram:IncludedNote></ram:AssociatedDocumentLineDocument>"
        "<ram:SpecifiedTradeProduct><ram:Name>Døgnophold § 108</ram:Name></ram:SpecifiedTradeProduct>"
        f"<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{amount}</ram:ChargeAmount>"
        "</ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
        '<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="MON">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>'
        "<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>E"
        "</ram:CategoryCode><ram:RateApplicablePercent>0</ram:RateApplicablePercent></ram:ApplicableTradeTax>"
        "<ram:SpecifiedTradeSettlementLineMonetarySummation>"
        f"<ram:LineTotalAmount>{amount}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>"
        "</ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>"
        for k, (cpr, amount) in enumerate(lines, start=1)
    )
    line_total = f"{sum(float(a) for _, a in lines):.2f}"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument><ram:ID>SOL-2001</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20190403</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>{items}
    <ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:Name>Bostedet Solhøj</ram:Name><ram:SpecifiedLegalOrganization><ram:ID schemeID="0184">29345716</ram:ID></ram:SpecifiedLegalOrganization></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Kommunen</ram:Name></ram:BuyerTradeParty></ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>
      <ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format="102">20190301</udt:DateTimeString></ram:StartDateTime><ram:EndDateTime><udt:DateTimeString format="102">20190331</udt:DateTimeString></ram:EndDateTime></ram:BillingSpecifiedPeriod>
      {header_charges}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{line_total}</ram:LineTotalAmount><ram:ChargeTotalAmount>{charges}</ram:ChargeTotalAmount><ram:AllowanceTotalAmount>{allowances}</ram:AllowanceTotalAmount>
        <ram:TaxBasisTotalAmount>{total}</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID="DKK">0.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{total}</ram:GrandTotalAmount><ram:DuePayableAmount>{total}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""


def _cii_allowance_charge(charge: bool, amount: str, reason: str) -> str:
    return (
        "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>"
        f"{'true' if charge else 'false'}</udt:Indicator></ram:ChargeIndicator>"
        f"<ram:ActualAmount>{amount}</ram:ActualAmount><ram:Reason>{reason}</ram:Reason>"
        "<ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>E</ram:CategoryCode>"
        "<ram:RateApplicablePercent>0</ram:RateApplicablePercent></ram:CategoryTradeTax></ram:SpecifiedTradeAllowanceCharge>"
    )


def test_a_collective_invoices_document_allowance_netted_by_a_charge_is_not_posted_line_by_line(tmp_path):
    """A collective invoice (Peppol BIS 3, VAT exempt) for March 2019: line 1 citizen A
    28,500.00, line 2 citizen B 28,500.00; on the whole invoice an allowance of 1,500.00
    ("Fravær 3 dage" for A, naming A's CPR) and a charge of 1,500.00 ("Ekstra støtte" for B,
    naming B's CPR). AllowanceTotalAmount = ChargeTotalAmount = 1,500.00, so the invoice total
    is 57,000.00 and the lines add up to it.

    Expected: the robot does not post it line by line (a caseworker decides: A is owed
    27,000.00, B 30,000.00, not 28,500.00 each). README ("The lines extract"): "Where they do
    not [add up] (VAT rounded line by line, a discount on the whole invoice) nothing is spread
    over the lines to hide it: the converter warns and the robot sends the invoice to a
    caseworker (LINES_MISMATCH)." A discount on the whole invoice is only caught when it
    changes the sum; convert never reads a document-level AllowanceCharge, so one offset by a
    charge is hidden, and each line's amount is posted as that citizen's.
    Got: no warning; posted, A 28,500.00 and B 28,500.00 in opus_postings.csv and
    sensum_paid.csv (A's month paid 1,500.00 too much, B's 1,500.00 too little).
    Severity: high (money posted on the wrong citizen/grant, no human sees it)."""
    doc = peppol(
        _allowance_charge(False, "1500.00", f"Fravær 3 dage, borger {A}")
        + _allowance_charge(True, "1500.00", f"Ekstra støtte, borger {B}"),
        "57000.00",
        line(1, "28500.00", note=f"Borger {A}") + line(2, "28500.00", note=f"Borger {B}"),
        totals='<cbc:AllowanceTotalAmount currencyID="DKK">1500.00</cbc:AllowanceTotalAmount>'
        '<cbc:ChargeTotalAmount currencyID="DKK">1500.00</cbc:ChargeTotalAmount>',
    )
    decision = decided(tmp_path, doc).iloc[0]
    assert (decision["status"], decision["reason"]) == ("manual", "LINES_MISMATCH"), decision.to_dict()
    assert "fradrag på 1.500,00 kr. og tillæg på 1.500,00 kr. på hele fakturaen" in decision["message"]


def test_the_same_in_cii(tmp_path):
    """The same collective invoice in UN/CEFACT CII (Peppol BIS 3 CII): header
    ``SpecifiedTradeAllowanceCharge`` allowance 1,500.00 for A and charge 1,500.00 for B,
    GrandTotalAmount 57,000.00 = the lines' 28,500.00 + 28,500.00.

    Expected: not posted line by line (README, "The lines extract", as above: a discount on
    the whole invoice goes to a caseworker).
    Got: posted, 28,500.00 for each citizen.
    Severity: high."""
    doc = _cii(
        [(A, "28500.00"), (B, "28500.00")],
        _cii_allowance_charge(False, "1500.00", f"Fravær 3 dage, borger {A}")
        + _cii_allowance_charge(True, "1500.00", f"Ekstra støtte, borger {B}"),
        "57000.00",
        allowances="1500.00",
        charges="1500.00",
    )
    (tmp_path / "check").mkdir()
    assert convert([inbox(tmp_path / "check", doc)]).refused == []
    decision = decided(tmp_path, doc).iloc[0]
    assert decision["status"] != "posted", decision.to_dict()


def test_a_total_that_leaves_out_the_documents_own_allowance_is_not_paid(tmp_path):
    """A one-citizen invoice (Peppol BIS 3, VAT exempt), March 2019, citizen A, one line
    28,500.00, and a document-level allowance of 1,500.00 ("Fravær 3 dage"), with
    AllowanceTotalAmount 1,500.00, while its TaxExclusiveAmount, TaxInclusiveAmount and
    PayableAmount are 28,500.00: the supplier's system left the discount out of the totals
    (EN 16931 BR-CO-13: net total = sum of lines − allowances + charges, 27,000.00).

    Expected: the robot does not pay 28,500.00 on it (a caseworker decides what is owed).
    README: "Totals the converter cannot check are not paid on", and convert's checks of the
    lines against the total ("when its lines contradict that total … a caseworker decides");
    the document's own allowance contradicts its total just as much, but convert reads no
    AllowanceCharge nor AllowanceTotalAmount/ChargeTotalAmount/LineExtensionAmount/
    TaxExclusiveAmount of the totals, so nothing compares them.
    Got: amount 28500.00, no warning; posted 28,500.00 (the grant's monthly rate), 1,500.00
    more than the document itself says the month costs.
    Severity: medium (an overpayment on an internally inconsistent document; the payable
    amount does ask for 28,500.00)."""
    doc = peppol(
        f"<cbc:Note>Borger {A}</cbc:Note>" + _allowance_charge(False, "1500.00", "Fravær 3 dage"),
        "28500.00",
        line(1, "28500.00", note=f"Borger {A}"),
        totals='<cbc:AllowanceTotalAmount currencyID="DKK">1500.00</cbc:AllowanceTotalAmount>',
    )
    decision = decided(tmp_path, doc).iloc[0]
    assert (decision["status"], decision["reason"]) == ("manual", "INVALID_AMOUNT"), decision.to_dict()
    assert decision["message"].startswith("E-fakturaen på 28.500,00 kr. har fradrag på 1.500,00 kr.")


def test_an_allowance_of_nothing_changes_nothing(tmp_path):
    """An allowance of 0.00 on the whole document tells nothing of what a line is owed: the invoice
    is decided as before, and posted."""
    doc = peppol(
        f"<cbc:Note>Borger {A}</cbc:Note>" + _allowance_charge(False, "0.00", "Ingen rabat"),
        "28500.00",
        line(1, "28500.00", note=f"Borger {A}"),
    )
    decision = decided(tmp_path, doc).iloc[0]
    assert decision["status"] == "posted", decision.to_dict()
