"""An attack on 0.9.31's `convert oioubl`: e-invoices as real suppliers' systems write them,
converted and run through the robot. Each test failed on that version."""

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

_NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def peppol(
    head: str,
    total: str,
    lines: str,
    period: str = "2019-03-01/2019-03-31",
    number: str = "SOL-1001",
    root: str = "Invoice",
    type_code: str = "380",
    totals: str = "",
    payable: str = "",
    after_period: str = "",
) -> str:
    """A Peppol BIS 3 invoice from Bostedet Solhøj (CVR 29345716), VAT exempt."""
    start, end = period.split("/") if period else ("", "")
    invoice_period = (
        f"<cac:InvoicePeriod><cbc:StartDate>{start}</cbc:StartDate><cbc:EndDate>{end}</cbc:EndDate></cac:InvoicePeriod>"
        if period
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} {_NS.format(root=root)}>
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>2019-04-03</cbc:IssueDate>
  <cbc:{root}TypeCode>{type_code}</cbc:{root}TypeCode>
  {head}
  <cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>
  {invoice_period}{after_period}
  <cac:AccountingSupplierParty><cac:Party><cbc:EndpointID schemeID="0184">29345716</cbc:EndpointID><cac:PartyName><cbc:Name>Bostedet Solhøj</cbc:Name></cac:PartyName><cac:PartyLegalEntity><cbc:RegistrationName>Bostedet Solhøj ApS</cbc:RegistrationName><cbc:CompanyID schemeID="0184">DK29345716</cbc:CompanyID></cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party><cbc:EndpointID schemeID="0088">5798000000001</cbc:EndpointID><cac:PartyName><cbc:Name>Kommunen</cbc:Name></cac:PartyName></cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="DKK">0.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="DKK">{total}</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount currencyID="DKK">{total}</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID="DKK">{total}</cbc:TaxInclusiveAmount>{totals}<cbc:PayableAmount currencyID="DKK">{payable or total}</cbc:PayableAmount></cac:LegalMonetaryTotal>
  {lines}
</{root}>"""


def line(
    no: object,
    amount: str,
    note: str = "",
    period: str = "",
    extra: str = "",
    description: str = "Døgnophold § 108",
    quantity: str = "1",
    unit: str = "MON",
    tag: str = "InvoiceLine",
    quantity_tag: str = "InvoicedQuantity",
) -> str:
    per = ""
    if period:
        s, e = period.split("/")
        per = f"<cac:InvoicePeriod><cbc:StartDate>{s}</cbc:StartDate><cbc:EndDate>{e}</cbc:EndDate></cac:InvoicePeriod>"
    n = f"<cbc:Note>{note}</cbc:Note>" if note else ""
    d = f"<cbc:Description>{description}</cbc:Description>" if description else ""
    return (
        f'<cac:{tag}><cbc:ID>{no}</cbc:ID>{n}<cbc:{quantity_tag} unitCode="{unit}">{quantity}</cbc:{quantity_tag}>'
        f'<cbc:LineExtensionAmount currencyID="DKK">{amount}</cbc:LineExtensionAmount>{per}{extra}'
        f"<cac:Item>{d}<cbc:Name>Døgnophold</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>E</cbc:ID>"
        "<cbc:Percent>0</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>"
        f'<cac:Price><cbc:PriceAmount currencyID="DKK">{amount}</cbc:PriceAmount></cac:Price></cac:{tag}>'
    )


def inbox(tmp_path: Path, *documents: str | bytes) -> Path:
    folder = tmp_path / "indbakke"
    folder.mkdir()
    for k, text in enumerate(documents):
        path = folder / f"{k}.xml"
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text, encoding="utf-8")
    return folder


def decided(tmp_path: Path, *documents: str):
    """The robot's decisions on the documents, converted by `convert oioubl`."""
    result = convert([inbox(tmp_path, *documents)])
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


def test_impossible_day_in_invoice_period_stops_the_whole_batch(tmp_path):
    """A Peppol invoice whose InvoicePeriod/StartDate is a day no calendar has
    (``2019-02-30``, a supplier's system adding a month to 30 January), for
    one citizen, with a second line that names no one and has no period (an
    administration fee of 0.00), sits in an inbox beside an ordinary invoice.

    User sees: ``invoicekit: error: unexpected ValueError: day is out of range
    for month (please report it)``: nothing is written, the ordinary invoice
    is lost with it.
    Should see: that one file refused or sent to a caseworker, the other
    converted (README, convert: "calendar_date ... a day no calendar has, is
    left as written"; the limits: "Hostile or absurd input ends ... in manual
    decisions; never in a traceback"; every file one row or one refusal).
    Cause: einvoice.py:_unnamed_line_apart takes ``whole`` after
    ``_iso_or_blank`` (a regex that lets 2019-02-30 pass) and calls
    ``dt.date.fromisoformat(whole[0])`` outside its try; convert_files catches
    Refused and ArithmeticError only."""
    odd = peppol(
        "<cbc:Note>Ophold</cbc:Note>",
        "28500.00",
        line(1, "28500.00", note="Borger 610190-1234")
        + line(2, "0.00", note="Administrationsgebyr", description="Adm"),
        period="2019-02-30/2019-03-31",
    )
    ordinary = peppol("<cbc:Note>Borger 620585-2345</cbc:Note>", "28500.00", line(1, "28500.00"), number="OK-1")
    result = convert([inbox(tmp_path, odd, ordinary)])
    assert "OK-1" in result.invoices["invoice_id"].tolist()
    assert len(result.invoices) + len(result.refused) == 2


def test_one_citizens_line_text_dates_another_citizens_undated_line(tmp_path):
    """A Peppol collective invoice with no InvoicePeriod: line 1 (citizen A)
    has an InvoicePeriod of March; line 2 (citizen B) has no period and no
    date in its text; line 3 (citizen C, day rate) says in its note
    "aflastning februar 2019". Nothing in the document says which month B's
    line is for.

    User sees: the invoice posted, B's line as February 2019 (grant B-2001,
    ``SEL108-BO 01.02.2019-28.02.2019 B-2001``), a month the document never
    gives B: convert wrote the invoice's period as February, read from C's
    line text, and B's undated line takes the invoice's period.
    Should see: B's line not paid for a month taken from another citizen's
    line (README, period_start: "of an invoice for several citizens: when
    every line has the same; since 0.9.24, one citizen's dated line made the
    period of another's undated one"; since 0.9.31 a line's text is read as
    its period, so C's text dates C's line as an InvoicePeriod would); B's line
    has no period, so a caseworker decides (MISSING_PERIOD).
    Cause: einvoice.py:_period falls back on period_in_text(full), where full
    holds every line's text (invoice_row's ``descriptions``), so one citizen's
    line text becomes the collective invoice's period."""
    lines = (
        line(1, "28500.00", note="Borger 610190-1234", period="2019-03-01/2019-03-31")
        + line(2, "28500.00", note="Borger 620585-2345")
        + line(3, "11200.00", note="Borger 631290-3456, aflastning februar 2019")
    )
    decisions = decided(tmp_path, peppol("<cbc:Note>Samlefaktura</cbc:Note>", "68200.00", lines, period=""))
    posted = [m for s, m in zip(decisions["status"], decisions["message"], strict=True) if s == "posted"]
    assert not any("01.02.2019-28.02.2019 B-2001" in m for m in posted)


def test_a_lines_invoice_period_given_in_words_is_paid_as_the_invoices_month(tmp_path):
    """A collective invoice for March (document InvoicePeriod 1-31 March):
    line 1 citizen A; line 2 citizen B, whose own ``cac:InvoicePeriod`` holds
    only ``<cbc:Description>Februar 2019</cbc:Description>`` (UBL's PeriodType
    has a Description; some OIOUBL systems write the period in words there
    rather than as StartDate/EndDate).

    User sees: B's line posted for March (``SEL108-BO 01.03.2019-31.03.2019
    B-2001``): the lines extract has B's period blank, which the robot reads
    as the invoice's, though the line's own period says February (March then
    paid again when it is invoiced).
    Should see: a line whose InvoicePeriod the converter cannot read as
    dates is not given the invoice's period; it goes to a caseworker, as a
    line's period that is no ISO date does (README, lines extract: "Its
    period is the line's own invoice period, else blank (the invoice's)";
    period_start: "A line's such date is written (ikke en ISO-dato: …) …, so
    the line has no period and a caseworker decides"; left blank "the line's
    period was the invoice's, and a February line on a March invoice was paid
    for March").
    Cause: oioubl.py:_period_of reads only StartDate/EndDate; an InvoicePeriod
    holding neither gives ("", ""), the same as no InvoicePeriod at all."""
    in_words = "<cac:InvoicePeriod><cbc:Description>Februar 2019</cbc:Description></cac:InvoicePeriod>"
    lines = line(1, "28500.00", note="Borger 610190-1234") + line(
        2, "28500.00", note="Borger 620585-2345", extra=in_words
    )
    decisions = decided(tmp_path, peppol("<cbc:Note>Samlefaktura</cbc:Note>", "57000.00", lines))
    posted = [m for s, m in zip(decisions["status"], decisions["message"], strict=True) if s == "posted"]
    assert not any("01.03.2019-31.03.2019 B-2001" in m for m in posted)
