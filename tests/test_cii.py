"""The CII reader: each value of the CII documents written from EN 16931's
syntax binding, the lines, the refusals, and hostile XML refused as in UBL."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from invoicekit.convert import convert, read_document
from invoicekit.einvoice import Refused, invoice_row
from tests.einvoice_files import EINVOICES, converted

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"


def test_cii_prepaid_invoice_with_vat():
    row, lines, warnings = converted("cii-prepaid.xml")
    assert row == {
        "invoice_id": "CII-2019-0042",
        "supplier_cvr": "31587603",  # SpecifiedLegalOrganization 0184; the VAT number (VA) is not read
        "amount": "10000.00",  # GrandTotalAmount
        "cpr": "650375-5678",  # the ship-to party under scheme 0237
        "period_start": "2019-04-01",
        "period_end": "2019-04-10",
        "text": "Aflastning april 2019 | Aflastningsophold, 10 døgn",
        "invoice_date": "2019-04-12",  # format 102 written ISO
        "supplier_name": "Aflastningshjemmet Bøgely",
        "document_type": "invoice",
        "currency": "DKK",
        "prepaid_amount": "2500.00",
        "vat_amount": "2000.00",
        "payable_amount": "7500.00",
        "format": "Peppol BIS 3 (CII)",
        "source": str(EINVOICES / "cii-prepaid.xml"),
        "lines": 1,
    }
    # net 8000.00 at 25 %
    assert lines == [
        {
            "invoice_id": "CII-2019-0042",
            "supplier_cvr": "31587603",
            "line_no": "A1",
            "cpr": "",
            "amount": "10000.00",
            "period_start": "2019-04-01",
            "period_end": "2019-04-10",
            "text": "Aflastningsophold, 10 døgn",
        }
    ]
    assert warnings == []


def test_cii_credit_note_is_positive():
    row, lines, warnings = converted("cii-credit-note.xml")
    assert (row["invoice_id"], row["document_type"], row["amount"], row["vat_amount"], row["payable_amount"]) == (
        "CII-KN-7",
        "credit_note",
        "3000.00",
        "0.00",
        "3000.00",
    )
    assert (row["text"], row["invoice_date"], row["prepaid_amount"]) == ("Aflastning, aflyst døgn", "2019-05-02", "")
    assert [(ln["line_no"], ln["amount"]) for ln in lines] == [("1", "3000.00")] and warnings == []


def test_cii_collective_invoice_one_citizen_a_line():
    row, lines, warnings = converted("cii-collective.xml")
    assert (row["amount"], row["cpr"], row["period_start"], row["period_end"], row["lines"]) == (
        "7250.50",
        "610180-1234, 620585-2345, 631290-3456",
        "2019-04-01",
        "2019-04-30",
        3,
    )
    got = [(ln["line_no"], ln["cpr"], ln["amount"], ln["period_start"], ln["period_end"], ln["text"]) for ln in lines]
    assert got == [
        ("1", "610180-1234", "4200.00", "2019-04-01", "2019-04-30", "Borger 610180-1234 | Dagtilbud"),  # line note
        ("2", "620585-2345", "2100.00", "2019-04-01", "2019-04-15", "Dagtilbud 620585-2345"),  # product name
        ("3", "631290-3456", "950.50", "", "", "Kørsel"),  # product characteristic
    ]
    assert {ln["invoice_id"] for ln in lines} == {"CII-SAML-04"} and {ln["supplier_cvr"] for ln in lines} == {
        "31587603"
    }
    assert sum(Decimal(ln["amount"]) for ln in lines) == Decimal(row["amount"]) and warnings == []


def test_cii_foreign_currency_with_a_negative_payable_amount():
    row, lines, warnings = converted("cii-eur-negative.xml")
    # the VAT in the invoice currency, not the tax-currency figure beside it
    assert (row["currency"], row["amount"], row["prepaid_amount"], row["payable_amount"], row["vat_amount"]) == (
        "EUR",
        "500.00",
        "600.00",
        "-100.00",
        "100.00",
    )
    assert [ln["amount"] for ln in lines] == ["500.00"]
    assert "EUR" in warnings[0] and "negative payable amount (-100.00)" in warnings[1]


def doc(totals: str, type_code: str = "380", number: str = "C-1", extra: str = "") -> bytes:
    return f"""<rsm:CrossIndustryInvoice xmlns:rsm="{RSM}"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
 <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>{type_code}</ram:TypeCode></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>{extra}<ram:ApplicableHeaderTradeSettlement>
 <ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>
 <ram:SpecifiedTradeSettlementHeaderMonetarySummation>{totals}</ram:SpecifiedTradeSettlementHeaderMonetarySummation>
 </ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>""".encode()


def test_cii_without_a_tax_total_the_vat_is_grand_total_minus_the_net_total():
    totals = (
        "<ram:TaxBasisTotalAmount>1000.00</ram:TaxBasisTotalAmount><ram:GrandTotalAmount>1250.00</ram:GrandTotalAmount>"
    )
    got = read_document(doc(totals + "<ram:DuePayableAmount>1250.00</ram:DuePayableAmount>"))
    assert (got.vat, got.total, got.format) == ("250.00", "1250.00", "CII")


def test_cii_seller_cvr_from_the_identifiers_in_order():
    seller = (
        '<ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:ID schemeID="0184">19554627</ram:ID>'
        '<ram:GlobalID schemeID="0088">5790000000000</ram:GlobalID>'
        '<ram:URIUniversalCommunication><ram:URIID schemeID="0184">DK 40 71 33 52</ram:URIID></ram:URIUniversalCommunication>'
        "<ram:PostalTradeAddress/><ram:Name>Sælger</ram:Name>"
        '<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DK29345716</ram:ID></ram:SpecifiedTaxRegistration>'
        "<ram:DefinedTradeContact><ram:PersonName>Egen CPR</ram:PersonName></ram:DefinedTradeContact>"
        '<ram:SpecifiedLegalOrganization><ram:ID schemeID="0237">6101801234</ram:ID></ram:SpecifiedLegalOrganization>'
        "</ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement>"
    )
    got = read_document(doc("<ram:GrandTotalAmount>1.00</ram:GrandTotalAmount>", extra=seller))
    # the endpoint comes before the bare ID; the seller's own CPR is no citizen
    assert (got.supplier_cvr, got.supplier_name, got.cpr_ids) == ("40713352", "Sælger", ())


@pytest.mark.parametrize(("code", "kind"), [("380", "invoice"), ("381", "credit_note"), ("396", "credit_note")])
def test_cii_type_codes(code, kind):
    assert read_document(doc("", type_code=code)).document_type == kind


BOMB = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rsm:CrossIndustryInvoice xmlns:rsm="{RSM}"><rsm:ExchangedDocument>&lol3;</rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>""".encode()
EXTERNAL = f"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<rsm:CrossIndustryInvoice xmlns:rsm="{RSM}"><rsm:ExchangedDocument>&ext;</rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>""".encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BOMB, "entity-expansion attack"),
        (EXTERNAL, "declares an external entity"),
        (doc("", type_code="325"), "pro-forma invoice"),
        (doc("", number="___ignore___"), "placeholder '___ignore___'"),
        (doc("", number=" "), "no invoice number"),
        (doc("")[:-30], "not well-formed XML"),
    ],
)
def test_cii_refusals(data, reason):
    with pytest.raises(Refused, match=re.escape(reason)):
        invoice_row(read_document(data))


def test_cii_order_response_is_refused_naming_it():
    result = convert([EINVOICES / "cii-order-response.xml"])
    assert result.invoices.empty
    assert "is an order response (ordrebekræftelse), not an invoice or credit note" in result.refused[0][1]
    assert "<CrossIndustryOrderResponse>" in result.refused[0][1]


def test_cii_a_line_with_two_net_amounts_is_refused():
    """As in UBL (an attack on 0.9.14): two LineTotalAmounts on one line, of
    which the first was read; nothing says which holds."""
    line = (
        "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID>"
        "</ram:AssociatedDocumentLineDocument><ram:SpecifiedLineTradeSettlement>"
        "<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>20000.00</ram:LineTotalAmount>"
        "<ram:LineTotalAmount>15000.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>"
        "</ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>"
    )
    with pytest.raises(Refused, match="has 2 LineTotalAmount elements where a line has one"):
        read_document(doc("<ram:GrandTotalAmount>20000.00</ram:GrandTotalAmount>", extra=line))


def _with_sub_lines(*subs: tuple[str, str, str, str]) -> bytes:
    """The collective fixture with sub-lines (number, parent, note, name)
    after its first line, each of 2100.00, in its parent's 4200.00."""
    data = (EINVOICES / "cii-collective.xml").read_text(encoding="utf-8")
    first = data.index("<ram:IncludedSupplyChainTradeLineItem>")
    end = data.index("</ram:IncludedSupplyChainTradeLineItem>", first) + len("</ram:IncludedSupplyChainTradeLineItem>")
    items = "".join(
        "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument>"
        f"<ram:LineID>{no}</ram:LineID><ram:ParentLineID>{parent}</ram:ParentLineID>"
        + (f"<ram:IncludedNote><ram:Content>{note}</ram:Content></ram:IncludedNote>" if note else "")
        + "<ram:LineStatusReasonCode>DETAIL</ram:LineStatusReasonCode></ram:AssociatedDocumentLineDocument>"
        f"<ram:SpecifiedTradeProduct><ram:Name>{name}</ram:Name></ram:SpecifiedTradeProduct>"
        "<ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation>"
        "<ram:LineTotalAmount>2100.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>"
        "</ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>"
        for no, parent, note, name in subs
    )
    return (data[:end] + items + data[end:]).encode()


def _lines_of(data: bytes, tmp_path) -> tuple[list[dict], list[str]]:
    (tmp_path / "s.xml").write_bytes(data)
    result = convert([tmp_path / "s.xml"])
    assert result.refused == []
    return result.lines.to_dict("records"), [w for _, w in result.warnings]


def test_cii_sub_lines_are_parts_of_their_line_not_lines_of_their_own(tmp_path):
    """An attack on 0.9.25: XRechnung's and Factur-X's sub-lines (a line
    naming its parent, ``ParentLineID``; its amount is in the parent's) were
    read as lines of their own: the amounts counted twice, and a collective
    invoice that was right went to a caseworker asking for a corrected one.
    They are read as parts of the line at the top of their parents: their
    texts, citizens and periods are the line's, their amounts not counted."""
    lines, warnings = _lines_of(_with_sub_lines(("1.1", "1", "", "Bolig"), ("1.1.1", "1.1", "", "Kost")), tmp_path)
    assert [(ln["line_no"], ln["cpr"], str(ln["amount"])) for ln in lines] == [
        ("1", "610180-1234", "4200.00"), ("2", "620585-2345", "2100.00"), ("3", "631290-3456", "950.50"),
    ]  # fmt: skip
    assert lines[0]["text"] == "Borger 610180-1234 | Dagtilbud | Bolig | Kost" and warnings == []
    # a second citizen named only in a sub-line: the line names two, and the robot leaves it to a caseworker
    lines, _ = _lines_of(_with_sub_lines(("1.1", "1", "Borger 650577-2468", "Bolig")), tmp_path)
    assert lines[0]["cpr"] == "610180-1234, 650577-2468"
    # a parent that names no one line: a line of its own, counted, and the amounts do not add up
    lines, warnings = _lines_of(_with_sub_lines(("1.1", "9", "", "Bolig")), tmp_path)
    assert [ln["line_no"] for ln in lines] == ["1", "1.1", "2", "3"] and "add up" in " ".join(warnings)
    lines, warnings = _lines_of(_with_sub_lines(("1.1", "1.2", "", "Bolig"), ("1.2", "1.1", "", "Kost")), tmp_path)
    assert len(lines) == 5 and "add up" in " ".join(warnings)  # a circle
