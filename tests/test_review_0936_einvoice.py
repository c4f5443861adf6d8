"""An attack on 0.9.35's `convert` (real e-invoices in, as they come), each document converted and run
through the robot end to end: a stated prepayment the payable amount forgot, a line period the reader
could not read, an Invoice carrying a credit note's type code, a line's month named in its item."""

from __future__ import annotations

from pathlib import Path

import pytest

from invoicekit.convert import convert, write_conversion
from invoicekit.run import run as run_robot
from tests.test_attack_0932_einvoice import line as ubl_line
from tests.test_attack_0932_einvoice import peppol

EXAMPLE = Path(__file__).parent / "data" / "example"

GRANTS = """grant_id,cpr,service_code,service_name,supplier_cvr,rate,rate_unit,start_date,end_date
B-1001,610190-1234,SEL108-BO,Længerevarende botilbud,29345716,28500.00,month,01-01-2018,
B-2001,620585-2345,SEL108-BO,Længerevarende botilbud,29345716,28500.00,month,01-01-2018,
B-2002,631290-3456,SEL108-BO,Længerevarende botilbud,29345716,400.00,day,01-01-2018,
"""

# ------------------------------------------------------------------ UBL (Peppol BIS 3)


def ubl(
    note: str,
    total: str,
    lines: str,
    period: str = "2019-03-01/2019-03-31",
    number: str = "SOL-1001",
    totals: str = "",
    payable: str = "",
    head: str = "",
) -> str:
    """A Peppol BIS 3 invoice from Bostedet Solhøj (CVR 29345716), VAT exempt, with ``note`` (and ``head``)
    after its type code (:func:`tests.test_attack_0932_einvoice.peppol`)."""
    return peppol(f"<cbc:Note>{note}</cbc:Note>{head}", total, lines, period, number, totals=totals, payable=payable)


# ------------------------------------------------------------------ CII (UN/CEFACT D16B)

_CII_NS = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)


def _d102(iso: str) -> str:
    return f'<udt:DateTimeString format="102">{iso.replace("-", "")}</udt:DateTimeString>'


def cii_period(period: str) -> str:
    if not period:
        return ""
    s, e = period.split("/")
    return (
        f"<ram:BillingSpecifiedPeriod><ram:StartDateTime>{_d102(s)}</ram:StartDateTime>"
        f"<ram:EndDateTime>{_d102(e)}</ram:EndDateTime></ram:BillingSpecifiedPeriod>"
    )


def cii_line(no: object, amount: str, note: str = "", period_xml: str = "") -> str:
    n = f"<ram:IncludedNote><ram:Content>{note}</ram:Content></ram:IncludedNote>" if note else ""
    return (
        "<ram:IncludedSupplyChainTradeLineItem>"
        f"<ram:AssociatedDocumentLineDocument><ram:LineID>{no}</ram:LineID>{n}</ram:AssociatedDocumentLineDocument>"
        "<ram:SpecifiedTradeProduct><ram:Name>Døgnophold</ram:Name></ram:SpecifiedTradeProduct>"
        "<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>"
        f"<ram:ChargeAmount>{amount}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
        '<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="MON">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>'
        "<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode>"
        "<ram:CategoryCode>E</ram:CategoryCode><ram:RateApplicablePercent>0</ram:RateApplicablePercent>"
        f"</ram:ApplicableTradeTax>{period_xml}<ram:SpecifiedTradeSettlementLineMonetarySummation>"
        f"<ram:LineTotalAmount>{amount}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>"
        "</ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>"
    )


def cii(
    note: str,
    total: str,
    lines: str,
    period: str = "2019-03-01/2019-03-31",
    number: str = "CII-1001",
    sums: str = "",
    payable: str = "",
) -> str:
    """A Peppol BIS 3 CII invoice from Bostedet Solhøj (CVR 29345716), VAT exempt."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice {_CII_NS}>
  <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime>{_d102("2019-04-03")}</ram:IssueDateTime>
    <ram:IncludedNote><ram:Content>{note}</ram:Content></ram:IncludedNote></rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    {lines}
    <ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:Name>Bostedet Solhøj</ram:Name><ram:SpecifiedLegalOrganization><ram:ID schemeID="0184">29345716</ram:ID></ram:SpecifiedLegalOrganization></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Kommunen</ram:Name></ram:BuyerTradeParty></ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>
      {cii_period(period)}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{total}</ram:LineTotalAmount><ram:TaxBasisTotalAmount>{total}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="DKK">0.00</ram:TaxTotalAmount><ram:GrandTotalAmount>{total}</ram:GrandTotalAmount>{sums}
        <ram:DuePayableAmount>{payable or total}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""


# ------------------------------------------------------------------ end to end


def converted(tmp_path: Path, *documents: str | bytes):
    """`convert oioubl` on an inbox of the documents; the conversion and the extracts' paths."""
    inbox = tmp_path / "indbakke"
    inbox.mkdir()
    for k, text in enumerate(documents):
        path = inbox / f"{k}.xml"
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text, encoding="utf-8")
    result = convert([inbox])
    invoices, lines = tmp_path / "regninger.csv", tmp_path / "fakturalinjer.csv"
    write_conversion(result.invoices, invoices, result.lines, lines)
    return result, invoices, lines


def decided(tmp_path: Path, *documents: str | bytes, grants: str = GRANTS):
    """The robot's decisions on the documents, converted by `convert oioubl` and run."""
    _result, invoices, lines = converted(tmp_path, *documents)
    grants_file = tmp_path / "bevillinger.csv"
    grants_file.write_text(grants, encoding="utf-8")
    return run_robot(
        grants=grants_file,
        invoices=invoices,
        invoice_lines=lines,
        support_sheet=EXAMPLE / "stoetteark.xlsx",
        out=tmp_path / "ud",
    ).decisions


def posted(decisions) -> list[str]:
    """The posting texts of the invoices the robot posted."""
    return [m for s, m in zip(decisions["status"], decisions["message"], strict=True) if s == "posted"]


# ------------------------------------------------------------------ findings


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_a_stated_prepayment_is_never_written_away_when_the_payable_amount_forgets_it(tmp_path, syntax):
    """An invoice for one citizen's March (28,500.00) on which the supplier
    states that 10,000.00 was paid on account (*a conto*: UBL
    ``PrepaidAmount``, CII ``TotalPrepaidAmount``), but whose payable amount
    forgot to take it off (payable 28,500.00 = the total, not 18,500.00).

    User sees: the invoice posted in full, 28,500.00 for March (``SEL108-BO
    01.03.2019-31.03.2019 B-1001``): convert writes ``prepaid_amount`` 0.00
    (the stated 10,000.00 "corrected" by the 10,000.00 the payable amount
    lacks), with the warning "asks for 28500.00 of a total of 28500.00 …
    written with 0.00 prepaid, so that the robot leaves it to a caseworker",
    which the robot does not. The 10,000.00 paid on account is paid again.
    The same invoice with its payable amount right (18,500.00) goes to a
    caseworker: the inconsistent document gets less scrutiny than the sound one.
    Should see: a caseworker decides (INVALID_AMOUNT): spec check 8, "a
    ``prepaid_amount`` other than 0 (a prepayment is settled by hand)"; README,
    convert: ``prepaid_amount`` is ``PrepaidAmount`` / ``TotalPrepaidAmount``,
    "when the payable amount is not total − prepaid + rounding, the
    difference, with a warning"; einvoice.py's docstring: "the robot then
    leaves it to a caseworker instead of paying a total nobody asked for".
    Cause: einvoice.py:invoice_row (``asked_less`` … ``prepaid_amount =
    (prepaid or 0) + asked_less``): a payable amount above total − prepaid
    makes ``asked_less`` negative, which cancels the stated prepayment."""
    if syntax == "ubl":
        document = ubl(
            "Borger 610190-1234, ophold marts 2019",
            "28500.00",
            ubl_line(1, "28500.00"),
            totals='<cbc:PrepaidAmount currencyID="DKK">10000.00</cbc:PrepaidAmount>',
            payable="28500.00",
        )
    else:
        document = cii(
            "Borger 610190-1234, ophold marts 2019",
            "28500.00",
            cii_line(1, "28500.00"),
            sums="<ram:TotalPrepaidAmount>10000.00</ram:TotalPrepaidAmount>",
            payable="28500.00",
        )
    decisions = decided(tmp_path, document)
    assert posted(decisions) == []
    assert decisions["reason"].tolist() == ["INVALID_AMOUNT"]


#: a citizen's line period that the reader meets but reads no date from
_UNREAD_LINE_PERIODS = {
    # CII D16B's SpecifiedPeriodType has a Description, as UBL's PeriodType does (whose
    # period in words convert reads since 0.9.32)
    "cii-in-words": (
        "cii",
        "<ram:BillingSpecifiedPeriod><ram:Description>Februar 2019</ram:Description></ram:BillingSpecifiedPeriod>",
    ),
    # the dates written straight into StartDateTime/EndDateTime, without udt:DateTimeString
    "cii-dates-without-datetimestring": (
        "cii",
        "<ram:BillingSpecifiedPeriod><ram:StartDateTime>20190201</ram:StartDateTime>"
        "<ram:EndDateTime>20190228</ram:EndDateTime></ram:BillingSpecifiedPeriod>",
    ),
    # the dates in the qualified data type's namespace rather than the unqualified one
    "cii-dates-in-another-namespace": (
        "cii",
        '<ram:BillingSpecifiedPeriod xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">'
        '<ram:StartDateTime><qdt:DateTimeString format="102">20190201</qdt:DateTimeString></ram:StartDateTime>'
        '<ram:EndDateTime><qdt:DateTimeString format="102">20190228</qdt:DateTimeString></ram:EndDateTime>'
        "</ram:BillingSpecifiedPeriod>",
    ),
    # UBL: StartDate/EndDate without the cbc prefix (in the document's default namespace)
    "ubl-dates-in-another-namespace": (
        "ubl",
        "<cac:InvoicePeriod><StartDate>2019-02-01</StartDate><EndDate>2019-02-28</EndDate></cac:InvoicePeriod>",
    ),
}


@pytest.mark.parametrize("variant", list(_UNREAD_LINE_PERIODS))
def test_a_line_period_the_converter_cannot_read_is_never_paid_as_the_invoices(tmp_path, variant):
    """A collective invoice for March (document period 1-31 March): line 1
    citizen A, no period of its own; line 2 citizen B, whose own period
    element says February, in a form the reader does not read: in words
    (CII ``BillingSpecifiedPeriod/Description``, which D16B's
    SpecifiedPeriodType has, as UBL's PeriodType has one), or its dates in
    a place or namespace the reader does not look (``StartDateTime``
    holding the date itself, a ``qdt:DateTimeString``, a UBL ``StartDate``
    without its ``cbc:`` namespace).

    User sees: B's line posted for March (``SEL108-BO 01.03.2019-31.03.2019
    B-2001``), a month the line's own period does not name; March is paid
    again when it is invoiced. convert writes no warning: the lines extract
    has B's period blank, which the robot reads as the invoice's.
    Should see: B's line goes to a caseworker, as 0.9.32 made it for a UBL
    period in words (README, period_start: "a period given in words alone …
    is the one period the words name, else written as those words, which the
    robot reads as no date (a line so dated was paid for its invoice's
    month)"; the 0.9.32 test: "a line whose InvoicePeriod the converter
    cannot read as dates is not given the invoice's period").
    Cause: cii.py:_period reads only ``StartDateTime/udt:DateTimeString`` and
    ``EndDateTime/udt:DateTimeString`` (``_date`` gives "" when the
    DateTimeString is missing), and oioubl.py:_period_of only
    ``cbc:StartDate``/``cbc:EndDate`` and ``cbc:Description``: a period
    element that is there but yields no date is taken for no period at all."""
    syntax, period_xml = _UNREAD_LINE_PERIODS[variant]
    if syntax == "cii":
        lines = cii_line(1, "28500.00", note="Borger 610190-1234") + cii_line(
            2, "28500.00", note="Borger 620585-2345", period_xml=period_xml
        )
        document = cii("Samlefaktura", "57000.00", lines)
    else:
        lines = ubl_line(1, "28500.00", note="Borger 610190-1234") + ubl_line(
            2, "28500.00", note="Borger 620585-2345", extra=period_xml
        )
        document = ubl("Samlefaktura", "57000.00", lines)
    decisions = decided(tmp_path, document)
    assert not any("01.03.2019-31.03.2019 B-2001" in m for m in posted(decisions))


def test_an_invoice_that_also_says_it_is_a_credit_note_is_never_posted(tmp_path):
    """A UBL ``Invoice`` of 28,500.00 for one citizen's March that carries two
    type codes: ``InvoiceTypeCode`` 380 (an invoice) and
    ``CreditNoteTypeCode`` 381 (a credit note), as a supplier's system that
    turns an invoice into a credit note by adding the credit note's code
    writes it.

    User sees: the document posted as an invoice (``SEL108-BO
    01.03.2019-31.03.2019 B-1001``), no warning; had both codes been written
    as ``InvoiceTypeCode`` the file would have been refused ("has 2
    InvoiceTypeCode elements"). If it is the credit note its 381 says, March
    is paid where it should have been credited.
    Should see: the file refused, or written so the robot reads neither an
    invoice nor a credit note (a caseworker decides): README, convert, "since
    0.9.9, one with two ``DocumentCurrencyCode``s or two type codes … is
    refused … as nothing says which holds"; ``document_type``: "a
    ``CreditNote``, or any of EN 16931's credit type codes (… 381 …)".
    Cause: oioubl.py:_kind, ``type_code = _text(only_one(InvoiceTypeCode))
    or _text(only_one(CreditNoteTypeCode))``: each element is checked for a
    second of its own name only, and the credit note's code is read only
    when the invoice's is blank."""
    document = ubl(
        "Borger 610190-1234",
        "28500.00",
        ubl_line(1, "28500.00"),
        head="<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>",
    )
    result, _invoices, _lines = converted(tmp_path, document)
    if result.refused:
        return  # refused, as two type codes are: nothing posted
    (tmp_path / "run").mkdir()
    decisions = decided(tmp_path / "run", document)
    assert posted(decisions) == []


#: a line's item name or item property that names its month, beside a description that names none
_ITEM_NAME_FEBRUARY = "<cbc:Name>Døgnophold februar 2019</cbc:Name>"
_ITEM_PROPERTY_FEBRUARY = (
    "<cac:AdditionalItemProperty><cbc:Name>Periode</cbc:Name><cbc:Value>februar 2019</cbc:Value>"
    "</cac:AdditionalItemProperty>"
)


def _ubl_line_saying_february(no: int, note: str, where: str) -> str:
    line = ubl_line(no, "28500.00", note=note)
    if where == "name":
        return line.replace("<cbc:Name>Døgnophold</cbc:Name>", _ITEM_NAME_FEBRUARY)
    return line.replace("</cac:ClassifiedTaxCategory>", "</cac:ClassifiedTaxCategory>" + _ITEM_PROPERTY_FEBRUARY)


@pytest.mark.parametrize(
    "case", ["one-citizen-item-name", "one-citizen-item-property", "collective-item-name", "cii-collective-item-name"]
)
def test_a_line_whose_item_names_february_is_never_paid_as_the_invoices_march(tmp_path, case):
    """An invoice for March (document period 1-31 March) whose line has no
    period of its own, a generic description (``Døgnophold § 108``), and
    its month in the item's name (``Døgnophold februar 2019``: BT-153, the
    one item text EN 16931 requires) or in an item property (``Periode:
    februar 2019``, BT-160/161). One citizen; or a collective invoice where
    that line is citizen B's.

    User sees: the line paid for March (``SEL108-BO 01.03.2019-31.03.2019
    B-1001`` / ``B-2001``), a month it does not name, and no warning; March is
    paid again when it is invoiced. convert reads CPR numbers from the same
    item name and properties (README, ``cpr``: "the lines' notes,
    descriptions, names and item properties"), but the month beside them is
    not looked at.
    Should see: the line held to the month it names, as a line's note or
    description saying ``Døgnophold februar 2019`` is held since 0.9.31
    (README, period_start: "A line without a period of its own is held to
    the period its text names … (since 0.9.31: a one-citizen March invoice
    whose one line's text said February was posted for March, and that line
    on a collective invoice for February)"): a caseworker decides
    (INVALID_AMOUNT for one citizen, MISSING_PERIOD or the line's month for
    a collective invoice).
    Cause: einvoice.py:make_line puts the item name in ``texts`` only when
    the line has no description, and item properties never; _read_period,
    _lines_outside and line_rows' text (which the robot reads a line's
    period from) use ``texts``, while CPR numbers are read from ``cpr_texts``
    (names and properties included)."""
    if case.startswith("one-citizen"):
        where = "name" if case.endswith("name") else "property"
        document = ubl("Borger 610190-1234, ophold", "28500.00", _ubl_line_saying_february(1, "", where))
        shown = "01.03.2019-31.03.2019 B-1001"
    elif case == "collective-item-name":
        lines = ubl_line(1, "28500.00", note="Borger 610190-1234") + _ubl_line_saying_february(
            2, "Borger 620585-2345", "name"
        )
        document = ubl("Samlefaktura", "57000.00", lines)
        shown = "01.03.2019-31.03.2019 B-2001"
    else:
        lines = cii_line(1, "28500.00", note="Borger 610190-1234") + cii_line(
            2, "28500.00", note="Borger 620585-2345"
        ).replace(
            "<ram:Name>Døgnophold</ram:Name>",
            "<ram:Description>Døgnophold § 108</ram:Description><ram:Name>Døgnophold februar 2019</ram:Name>",
        )
        document = cii("Samlefaktura", "57000.00", lines)
        shown = "01.03.2019-31.03.2019 B-2001"
    decisions = decided(tmp_path, document)
    assert not any(shown in m for m in posted(decisions))
