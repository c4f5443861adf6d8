"""An attack on the meaning of what 0.9.30's `convert oioubl` read: real
suppliers' variations of e-invoices, converted and run through the robot.
Each finding's test failed on the version attacked."""

from __future__ import annotations

from pathlib import Path

from invoicekit.convert import convert, write_conversion
from invoicekit.run import run as run_robot

EXAMPLE = Path(__file__).parent / "data" / "example"

GRANTS = """grant_id,cpr,service_code,service_name,supplier_cvr,rate,rate_unit,start_date,end_date
B-1001,610190-1234,SEL108-BO,Længerevarende botilbud,29345716,28500.00,month,01-01-2018,
B-2001,620585-2345,SEL108-BO,Længerevarende botilbud,29345716,28500.00,month,01-01-2018,
B-2002,631290-3456,SEL108-BO,Længerevarende botilbud,29345716,400.00,day,01-01-2018,
"""


def ubl(note: str, total: str, lines: str, period: str = "2019-03-01/2019-03-31", extra: str = "") -> str:
    """An OIOUBL 2.1 invoice from Bostedet Solhøj (CVR 29345716), VAT exempt,
    as a supplier's system writes one."""
    start, end = period.split("/") if period else ("", "")
    invoice_period = (
        f"<cac:InvoicePeriod><cbc:StartDate>{start}</cbc:StartDate><cbc:EndDate>{end}</cbc:EndDate></cac:InvoicePeriod>"
        if period
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:CustomizationID>OIOUBL-2.1</cbc:CustomizationID>
  <cbc:ProfileID schemeAgencyID="320" schemeID="urn:oioubl:id:profileid-1.4">urn:www.nesubl.eu:profiles:profile5:ver2.0</cbc:ProfileID>
  <cbc:ID>SOL-1001</cbc:ID>
  <cbc:IssueDate>2019-04-05</cbc:IssueDate>
  <cbc:InvoiceTypeCode listAgencyID="320" listID="urn:oioubl:codelist:invoicetypecode-1.1">380</cbc:InvoiceTypeCode>
  <cbc:Note>{note}</cbc:Note>
  <cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>
  {invoice_period}
  <cac:AccountingSupplierParty><cac:Party><cbc:EndpointID schemeID="DK:CVR">DK29345716</cbc:EndpointID><cac:PartyName><cbc:Name>Bostedet Solhøj</cbc:Name></cac:PartyName></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party><cbc:EndpointID schemeID="GLN">5798000000001</cbc:EndpointID><cac:PartyName><cbc:Name>Kommunen</cbc:Name></cac:PartyName></cac:Party></cac:AccountingCustomerParty>
  {extra}
  <cac:TaxTotal><cbc:TaxAmount currencyID="DKK">0.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="DKK">{total}</cbc:LineExtensionAmount><cbc:TaxInclusiveAmount currencyID="DKK">{total}</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID="DKK">{total}</cbc:PayableAmount></cac:LegalMonetaryTotal>
  {lines}
</Invoice>"""


def line(no: int, note: str, amount: str, period: str = "") -> str:
    per = ""
    if period:
        s, e = period.split("/")
        per = f"<cac:InvoicePeriod><cbc:StartDate>{s}</cbc:StartDate><cbc:EndDate>{e}</cbc:EndDate></cac:InvoicePeriod>"
    return (
        f'<cac:InvoiceLine><cbc:ID>{no}</cbc:ID><cbc:Note>{note}</cbc:Note><cbc:InvoicedQuantity unitCode="MON">1'
        f'</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID="DKK">{amount}</cbc:LineExtensionAmount>{per}'
        "<cac:Item><cbc:Description>Døgnophold § 108</cbc:Description><cbc:Name>Døgnophold</cbc:Name></cac:Item>"
        f'<cac:Price><cbc:PriceAmount currencyID="DKK">{amount}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>'
    )


def decided(tmp_path: Path, *documents: str):
    """The robot's decisions on the documents, converted by `convert oioubl`."""
    inbox = tmp_path / "indbakke"
    inbox.mkdir()
    for k, text in enumerate(documents):
        (inbox / f"{k}.xml").write_text(text, encoding="utf-8")
    result = convert([inbox])
    assert result.refused == []
    invoices, lines = tmp_path / "regninger.csv", tmp_path / "fakturalinjer.csv"
    write_conversion(result.invoices, invoices, result.lines, lines)
    grants = tmp_path / "bevillinger.csv"
    grants.write_text(GRANTS, encoding="utf-8")
    return run_robot(
        grants=grants,
        invoices=invoices,
        invoice_lines=lines,
        support_sheet=EXAMPLE / "stoetteark.xlsx",
        out=tmp_path / "ud",
    ).decisions


def posted_periods(decisions) -> list[str]:
    return [m for s, m in zip(decisions["status"], decisions["message"], strict=True) if s == "posted"]


def test_a_single_citizens_line_saying_february_is_not_paid_as_the_documents_march(tmp_path):
    """An invoice of one citizen says InvoicePeriod March; its one line says
    "Døgnophold februar 2019" in its note, with no InvoicePeriod of its own (a
    late line: the supplier's system stamps the header with the billing
    month). A clerk sees a contradiction. convert's check of a line's period
    against the document's (_lines_outside) reads only the line's
    InvoicePeriod element, so the invoice is posted as March. Yet the robot
    itself reads such a line's period from its text: the very same line on a
    collective invoice is posted for February (see below). The line's period
    as the robot reads it lies outside the document's: a caseworker decides."""
    single = ubl("Borger 610190-1234", "28500.00", line(1, "Døgnophold februar 2019", "28500.00"))
    assert posted_periods(decided(tmp_path, single)) == []


def test_the_same_line_on_a_collective_invoice_is_read_as_february(tmp_path):
    """Shows the robot's own reading (passes): on a collective invoice the
    line without an InvoicePeriod is posted for the period its text names,
    February, under the document's March."""
    collective = ubl(
        "Samlefaktura",
        "57000.00",
        line(1, "Borger 610190-1234, ophold februar 2019", "28500.00")
        + line(2, "Borger 620585-2345, ophold marts 2019", "28500.00"),
    )
    (message,) = posted_periods(decided(tmp_path, collective))
    assert "01.02.2019-28.02.2019 B-1001" in message


def test_a_line_naming_no_one_for_the_second_half_of_the_month_in_its_text_is_not_the_citizens(tmp_path):
    """One citizen (day rate 400) named on line 1 "ophold 1.-15. marts 2019"
    (6,000.00); line 2, naming no one, "Aflastning 16.-31. marts 2019"
    (6,400.00); document period March, total 12,400.00. Written with
    InvoicePeriod elements, convert marks the amount (linje uden CPR for
    2019-03-16 til 2019-03-31) and a caseworker decides; written in the lines'
    texts, which the robot reads as the lines' periods, it is posted as the
    citizen's whole March: 16 days that may be another citizen's."""
    doc = ubl(
        "Faktura marts 2019",
        "12400.00",
        line(1, "Borger 631290-3456, ophold 1.-15. marts 2019", "6000.00")
        + line(2, "Aflastning 16.-31. marts 2019", "6400.00"),
    )
    assert posted_periods(decided(tmp_path, doc)) == []


def test_an_empty_cvr_element_does_not_hide_the_suppliers_cvr_after_it(tmp_path):
    """The supplier's CVR is the first value under a CVR scheme: an empty ``CompanyID schemeID="DK:CVR"``, as
    some systems write an element they have no value for, was taken as that value, and the invoice went to
    manual with no CVR number though its ``EndpointID`` held a valid one (an attack on 0.9.30)."""
    from invoicekit.convert import convert

    real = (Path(__file__).parent / "data" / "oioubl" / "happy-path_real.xml").read_text(encoding="utf-8")
    legal = '<cbc:CompanyID schemeID="DK:CVR">DK16356700</cbc:CompanyID>'
    assert real.count(legal) == 1
    emptied = real.replace(legal, '<cbc:CompanyID schemeID="DK:CVR"> </cbc:CompanyID>')
    (tmp_path / "empty-first.xml").write_text(emptied, encoding="utf-8")
    result = convert([tmp_path / "empty-first.xml"])
    assert result.invoices["supplier_cvr"].tolist() == ["16356700"]
