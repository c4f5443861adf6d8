"""An attack on the conversion of e-invoices: no converted row may let the
robot pay more than the document asks, or a citizen other than the one it
names (README, "`invoicekit convert oioubl`"; robot spec, the invoice
columns: ``amount`` is the total before prepayment and payable rounding, a
prepayment is settled by hand).

Each test here once got through (found by an attack session on 0.9.7)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from invoicekit.convert import convert, parse_document, read_document, write_invoices
from invoicekit.einvoice import Refused, invoice_row, line_rows
from invoicekit.parsing import parse_amounts
from tests import test_cii
from tests.test_oioubl import doc, line

CPR_NOTE = "<cbc:Note>Ophold marts 2019, borger 610190-1234</cbc:Note>"


def ubl(totals: str, body: str = CPR_NOTE, lines: str | None = None) -> bytes:
    """A UBL invoice whose LegalMonetaryTotal holds ``totals``."""
    data = doc(body, **({} if lines is None else {"lines": lines})).decode()
    start, end = data.index("<cac:LegalMonetaryTotal>"), data.index("</cac:LegalMonetaryTotal>")
    return (data[:start] + f"<cac:LegalMonetaryTotal>{totals}</cac:LegalMonetaryTotal>" + data[end + 25 :]).encode()


def amounts(tax_inclusive: str = "", prepaid: str = "", rounding: str = "", payable: str = "") -> str:
    tags = (("TaxInclusiveAmount", tax_inclusive), ("PrepaidAmount", prepaid), ("PayableRoundingAmount", rounding),
            ("PayableAmount", payable))  # fmt: skip
    return "".join(f'<cbc:{t} currencyID="DKK">{v}</cbc:{t}>' for t, v in tags if v)


def read_by_the_robot(amount: object) -> bool:
    """Whether the robot's reader takes the converted amount as an amount."""
    _units, ok, _blank = parse_amounts(pd.Series([str(amount)], dtype="str"), max_decimals=2)
    return bool(ok[0])


@pytest.mark.parametrize(
    "totals",
    [
        amounts("28500,00", payable="14250.00"),
        amounts("28 500.00", payable="14250.00"),
        amounts("28500.00", payable="14250,00"),
        amounts("28500.00", prepaid="0,00", payable="14250.00"),
        amounts("2.85E+4", payable="14250.00"),
    ],
    ids=["comma total", "spaced total", "comma payable", "comma prepaid", "exponent"],
)
def test_a_total_written_as_no_xml_number_is_never_read_as_an_amount(totals):
    """The document asks for half its total, but one of its amounts is not
    an XML number, so the check of total against payable cannot be made:
    the amount is written so that the robot does not read it."""
    row, warnings = invoice_row(read_document(ubl(totals)))
    assert "ikke tal som i XML" in str(row["amount"])
    assert not read_by_the_robot(row["amount"])
    assert any("not written as XML numbers" in w for w in warnings)


def test_the_same_in_cii():
    totals = "<ram:GrandTotalAmount>4500,00</ram:GrandTotalAmount><ram:DuePayableAmount>450.00</ram:DuePayableAmount>"
    row, _ = invoice_row(read_document(test_cii.doc(totals)))
    assert not read_by_the_robot(row["amount"])


def test_plain_xml_numbers_are_read_as_before():
    row, warnings = invoice_row(read_document(ubl(amounts("28500.00", payable="28500.00"))))
    assert (row["amount"], row["prepaid_amount"], warnings) == (Decimal("28500.00"), "", [])


def test_a_payable_rounding_of_a_krone_or_more_is_no_rounding():
    """Half the total left unpaid as "rounding" is asked less: written as
    prepaid, so the robot leaves it to a caseworker."""
    row, warnings = invoice_row(read_document(ubl(amounts("28500.00", rounding="-14250.00", payable="14250.00"))))
    assert row["prepaid_amount"] == Decimal("14250.00")
    assert any("no rounding" in w for w in warnings)
    row, warnings = invoice_row(read_document(ubl(amounts("28500.00", rounding="-0.40", payable="28499.60"))))
    assert (row["amount"], row["prepaid_amount"], warnings) == (Decimal("28500.00"), "", [])


@pytest.mark.parametrize(
    "totals",
    [
        amounts("28500.00", payable="28500.00") + '</cac:LegalMonetaryTotal><cac:LegalMonetaryTotal>'
        + amounts("28500.00", payable="28500.00").replace("DKK", "EUR"),
        amounts("28500.00", payable="28500.00") + amounts(payable="1000.00"),
    ],
    ids=["two totals", "two payable amounts"],
)  # fmt: skip
def test_a_document_with_two_totals_is_refused(totals):
    with pytest.raises(Refused, match="where"):
        read_document(ubl(totals))


def test_two_cii_grand_totals_are_refused():
    totals = "<ram:GrandTotalAmount>100.00</ram:GrandTotalAmount>" * 2
    with pytest.raises(Refused, match="GrandTotalAmount"):
        read_document(test_cii.doc(totals + "<ram:DuePayableAmount>100.00</ram:DuePayableAmount>"))


def test_the_sellers_tax_representative_is_no_citizen():
    representative = (
        '<cac:TaxRepresentativeParty><cac:PartyIdentification><cbc:ID schemeID="DK:CPR">6212031122</cbc:ID>'
        "</cac:PartyIdentification></cac:TaxRepresentativeParty>"
    )
    data = ubl(amounts("31200.00", payable="31200.00"), body="").decode()
    data = data.replace("<cac:LegalMonetaryTotal>", representative + "<cac:LegalMonetaryTotal>", 1)
    assert parse_document(data.encode())["cpr"] == ""


def test_one_citizens_lines_that_contradict_the_total_leave_it_to_a_caseworker():
    """The citizen named in a note, one line of −28,500.00 naming none, the
    total +28,500.00: the amount is written with both, which the robot does
    not read."""
    lines = (
        "<cac:InvoiceLine><cbc:ID>1</cbc:ID>"
        '<cbc:LineExtensionAmount currencyID="DKK">-28500.00</cbc:LineExtensionAmount>'
        "<cac:Item><cbc:Name>Ophold</cbc:Name></cac:Item></cac:InvoiceLine>"
    )
    document = read_document(ubl(amounts("28500.00", payable="28500.00"), lines=lines))
    row, _ = invoice_row(document)
    _rows, warnings = line_rows(document, row)
    assert "linjerne: -28500.00" in str(row["amount"]) and not read_by_the_robot(row["amount"])
    assert any("INVALID_AMOUNT" in w for w in warnings)


def test_lines_that_name_no_citizen_may_differ_by_rounded_vat():
    lines = line(name="a") + line(name="b")
    document = read_document(ubl(amounts("28500.00", payable="28500.00"), lines=lines))
    row, _ = invoice_row(document)
    assert line_rows(document, row)[1] == [] and row["amount"] == Decimal("28500.00")


def test_an_amount_of_more_digits_than_a_decimal_holds_stops_only_its_own_document(tmp_path):
    (tmp_path / "a.xml").write_bytes(ubl(amounts("28500.00", payable="28500.00")))
    (tmp_path / "b.xml").write_bytes(
        ubl(amounts("1" + "0" * 40 + ".00", payable="1" + "0" * 40 + ".00")).replace(b"<cbc:ID>F-1", b"<cbc:ID>F-2")
    )
    result = convert([tmp_path])
    assert sorted(result.invoices["invoice_id"]) == ["F-1", "F-2"]
    out = tmp_path / "extract.csv"
    write_invoices(result.invoices, out)
    written = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("invoice_id")["amount"]
    assert written["F-1"] == "28500.00" and not read_by_the_robot(written["F-2"])


def _citizen_line(tag: str, no: int, cpr: str, amount: str, month: str) -> str:
    last = {"11": "30", "12": "31"}[month]
    return (
        f"<cac:{tag}><cbc:ID>{no}</cbc:ID><cbc:Note>Borger CPR {cpr}</cbc:Note>"
        f'<cbc:LineExtensionAmount currencyID="DKK">{amount}</cbc:LineExtensionAmount>'
        f"<cac:InvoicePeriod><cbc:StartDate>2018-{month}-01</cbc:StartDate><cbc:EndDate>2018-{month}-{last}"
        f"</cbc:EndDate></cac:InvoicePeriod><cac:Item><cbc:Name>Døgnophold</cbc:Name></cac:Item></cac:{tag}>"
    )


def test_an_invoice_after_a_credit_note_of_its_number_keeps_its_own_lines(tmp_path):
    """A credit note of November and then the invoice of December under the
    same number: the lines written are the invoice's, so the robot posts
    (and marks paid) December, not the credited November."""
    totals = amounts("59700.00", payable="59700.00")

    def document(root: str, tag: str, month: str) -> bytes:
        lines = _citizen_line(tag, 1, "610190-1234", "28500.00", month)
        lines += _citizen_line(tag, 2, "621203-1122", "31200.00", month)
        data = ubl(totals, body="", lines=lines).decode()
        return (
            data.replace("<Invoice ", f"<{root} ")
            .replace("</Invoice>", f"</{root}>")
            .replace("xsd:Invoice-2", f"xsd:{root}-2")
            .encode()
        )

    (tmp_path / "a-kreditnota.xml").write_bytes(document("CreditNote", "CreditNoteLine", "11"))
    (tmp_path / "b-faktura.xml").write_bytes(document("Invoice", "InvoiceLine", "12"))
    result = convert([tmp_path])
    assert sorted(result.invoices["document_type"]) == ["credit_note", "invoice"]
    assert result.lines["period_start"].tolist() == ["2018-12-01", "2018-12-01"]
    assert any("the lines written are this invoice's" in w for _, w in result.warnings)


PERIOD = "<cac:InvoicePeriod><cbc:StartDate>2019-{m}-01</cbc:StartDate><cbc:EndDate>2019-{m}-28</cbc:EndDate></cac:InvoicePeriod>"


@pytest.mark.parametrize(
    "period",
    [
        PERIOD.format(m="03") + PERIOD.format(m="04"),
        PERIOD.format(m="03").replace(
            "</cac:InvoicePeriod>", "<cbc:EndDate>2019-04-30</cbc:EndDate></cac:InvoicePeriod>"
        ),
    ],
    ids=["two periods", "two end dates"],
)
def test_a_document_with_two_periods_is_refused(period):
    """Two InvoicePeriods (or two end dates in one): nothing says which the
    amount is for; the first was taken, and the robot could pay March for an
    invoice that was for April."""
    with pytest.raises(Refused, match=r"InvoicePeriod|EndDate"):
        read_document(doc(CPR_NOTE + period))


def test_a_line_with_two_periods_is_refused():
    lines = (
        "<cac:InvoiceLine><cbc:ID>1</cbc:ID>" + PERIOD.format(m="03") + PERIOD.format(m="04")
        + "<cac:Item><cbc:Name>Ophold</cbc:Name></cac:Item></cac:InvoiceLine>"
    )  # fmt: skip
    with pytest.raises(Refused, match="has 2 InvoicePeriod elements where a line has one"):
        read_document(doc(CPR_NOTE, lines=lines))


def test_a_line_with_two_net_amounts_is_refused():
    """Found by an attack on 0.9.14: a line with two LineExtensionAmounts
    (20000.00 and 15000.00) was read as its first, where two totals or two
    periods are refused: nothing says which holds."""
    lines = (
        "<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID=\"DKK\">20000.00</cbc:LineExtensionAmount>"
        "<cbc:LineExtensionAmount currencyID=\"DKK\">15000.00</cbc:LineExtensionAmount>"
        "<cac:Item><cbc:Name>Ophold</cbc:Name></cac:Item></cac:InvoiceLine>"
    )  # fmt: skip
    with pytest.raises(Refused, match="has 2 LineExtensionAmount elements where a line has one"):
        read_document(doc(CPR_NOTE, lines=lines))


def test_one_period_is_read_as_before():
    got = read_document(doc(CPR_NOTE + PERIOD.format(m="03")))
    assert got.period == ("2019-03-01", "2019-03-28")


def test_two_cii_billing_periods_are_refused():
    period = (
        "<ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format='102'>20190301</udt:DateTimeString>"
        "</ram:StartDateTime></ram:BillingSpecifiedPeriod>"
    )
    totals = "<ram:GrandTotalAmount>100.00</ram:GrandTotalAmount><ram:DuePayableAmount>100.00</ram:DuePayableAmount>"
    data = test_cii.doc(totals).decode()
    at = data.index("<ram:SpecifiedTradeSettlementHeaderMonetarySummation>")
    udt = 'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" '
    one = (data[:at] + period + data[at:]).replace("<rsm:CrossIndustryInvoice ", "<rsm:CrossIndustryInvoice " + udt)
    assert read_document(one.encode()).period == ("2019-03-01", "")
    two = (data[:at] + period * 2 + data[at:]).replace("<rsm:CrossIndustryInvoice ", "<rsm:CrossIndustryInvoice " + udt)
    with pytest.raises(Refused, match="BillingSpecifiedPeriod"):
        read_document(two.encode())


# ---------------------------------------------------------------- found by an attack session on 0.9.8


def _eur_lines(root_currency: str) -> bytes:
    """A UBL invoice whose totals name no currency, and whose line is in EUR."""
    lines = _citizen_line("InvoiceLine", 1, "610190-1234", "28500.00", "11").replace('"DKK"', '"EUR"')
    data = doc(CPR_NOTE, lines=lines, currency=root_currency).decode()
    return data.replace('<cbc:PayableAmount currencyID="">', "<cbc:PayableAmount>").encode()


@pytest.mark.parametrize(("root_currency", "written"), [("", "EUR"), ("DKK", "DKK/EUR")])
def test_an_invoice_whose_amounts_are_in_eur_is_never_written_as_dkk(root_currency, written):
    """No document currency (or DKK) but its line in EUR: the currency was
    written blank (DKK to the robot) or DKK, and the robot posted euros as kroner."""
    row, _ = invoice_row(read_document(_eur_lines(root_currency)))
    assert row["currency"] == written


def test_a_cii_invoice_whose_only_currency_is_its_tax_currency_is_not_dkk():
    totals = (
        '<ram:TaxTotalAmount currencyID="EUR">0.00</ram:TaxTotalAmount>'
        "<ram:GrandTotalAmount>4500.00</ram:GrandTotalAmount><ram:DuePayableAmount>4500.00</ram:DuePayableAmount>"
    )
    data = test_cii.doc(totals).decode().replace("<ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>", "")
    data = data.replace(
        "</ram:ApplicableHeaderTradeSettlement>",
        "<ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode></ram:ApplicableHeaderTradeSettlement>",
    )
    row, _ = invoice_row(read_document(data.encode()))
    assert row["currency"] == "EUR"


def test_a_foreign_invoice_with_a_dkk_tax_currency_keeps_its_own_and_a_dkk_one_stays_dkk():
    data = (
        doc(CPR_NOTE, currency="EUR")
        .decode()
        .replace(
            "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
            "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>DKK</cbc:TaxCurrencyCode>",
        )
    )
    assert invoice_row(read_document(data.encode()))[0]["currency"] == "EUR"
    assert invoice_row(read_document(doc(CPR_NOTE)))[0]["currency"] == "DKK"


@pytest.mark.parametrize(
    ("element", "twice"),
    [
        ("DocumentCurrencyCode", "<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"),
        ("InvoiceTypeCode", "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:InvoiceTypeCode>381</cbc:InvoiceTypeCode><cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>"),
    ],
)  # fmt: skip
def test_a_document_naming_two_currencies_or_two_types_is_refused(element, twice):
    """The first was taken: DKK of a DKK/EUR document, an invoice of a 380/381 one (both posted)."""
    data = doc(CPR_NOTE).decode().replace("<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>", twice)
    with pytest.raises(Refused, match=f"2 {element} elements"):
        read_document(data.encode())


def test_two_cii_type_codes_or_currencies_are_refused():
    totals = "<ram:GrandTotalAmount>4500.00</ram:GrandTotalAmount><ram:DuePayableAmount>4500.00</ram:DuePayableAmount>"
    data = test_cii.doc(totals).decode()
    for old in ("<ram:TypeCode>380</ram:TypeCode>", "<ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>"):
        with pytest.raises(Refused, match=r"2 (TypeCode|InvoiceCurrencyCode) elements"):
            read_document(data.replace(old, old * 2).encode())


@pytest.mark.parametrize("order", ["credit note first", "invoice first"])
def test_an_invoice_without_lines_is_never_given_a_credit_notes_lines(tmp_path, order):
    """The credit note of an invoice's number had two citizens' lines, the
    invoice none: the lines file held the credit note's, and the robot posted
    the invoice line by line on them (and marked both grants paid)."""
    totals = amounts("59700.00", payable="59700.00")
    lines = _citizen_line("CreditNoteLine", 1, "610190-1234", "28500.00", "11")
    lines += _citizen_line("CreditNoteLine", 2, "621203-1122", "31200.00", "11")
    credit = ubl(totals, body="", lines=lines).decode()
    credit = (
        credit.replace("<Invoice ", "<CreditNote ")
        .replace("</Invoice>", "</CreditNote>")
        .replace("xsd:Invoice-2", "xsd:CreditNote-2")
    )
    invoice = ubl(totals, body="", lines="")
    names = ("a.xml", "b.xml") if order == "credit note first" else ("b.xml", "a.xml")
    (tmp_path / names[0]).write_bytes(credit.encode())
    (tmp_path / names[1]).write_bytes(invoice)
    result = convert([tmp_path])
    assert sorted(result.invoices["document_type"]) == ["credit_note", "invoice"]
    assert len(result.lines) == 0
    assert any("the credit note's lines are left out" in w for _, w in result.warnings)


def test_a_credit_note_alone_keeps_its_lines(tmp_path):
    lines = _citizen_line("CreditNoteLine", 1, "610190-1234", "28500.00", "11")
    lines += _citizen_line("CreditNoteLine", 2, "621203-1122", "31200.00", "11")
    credit = ubl(amounts("59700.00", payable="59700.00"), body="", lines=lines).decode()
    credit = (
        credit.replace("<Invoice ", "<CreditNote ")
        .replace("</Invoice>", "</CreditNote>")
        .replace("xsd:Invoice-2", "xsd:CreditNote-2")
    )
    (tmp_path / "a.xml").write_bytes(credit.encode())
    assert len(convert([tmp_path]).lines) == 2


def test_an_invoice_number_that_starts_a_formula_is_the_same_invoice_converted_or_not(tmp_path):
    """Found by an attack session on 0.9.8: convert writes -SOL-77 as '-SOL-77
    (no formula in a file people open), and the robot compared '-SOL-77 with
    the -SOL-77 it had paid from a CSV file: another invoice, not DUPLICATE_INVOICE."""
    from invoicekit.extracts import prepare_invoices

    typed = prepare_invoices(pd.DataFrame({"invoice_id": ["-SOL-77", "'-SOL-77", "'SOL-78", "'=A1"],
                                           "supplier_cvr": "29345716", "amount": "1,00"})).frame  # fmt: skip
    assert typed["invoice_id_raw"].tolist() == ["-SOL-77", "-SOL-77", "'SOL-78", "=A1"]
    assert typed["invoice_key"].tolist() == ["sol77", "sol77", "'sol78", "=a1"]  # only a guard's ' is read off
    (tmp_path / "in").mkdir()
    data = doc(CPR_NOTE).decode().replace("<cbc:ID>F-1</cbc:ID>", "<cbc:ID>-SOL-77</cbc:ID>")
    (tmp_path / "in" / "a.xml").write_bytes(data.encode())
    out = write_invoices(convert([tmp_path / "in"]).invoices, tmp_path / "regninger.csv")
    assert "'-SOL-77" in out.read_text(encoding="utf-8")  # guarded where people open it
    assert from_file_key(out) == "sol77"


def from_file_key(path) -> str:
    from invoicekit.extracts import read_invoices

    return read_invoices(path).frame["invoice_key"].iat[0]


def test_convert_writes_its_two_files_as_a_pair_and_never_over_another_file(tmp_path, capsys):
    """Found by an attack session on 0.9.8: with the lines file unwritable,
    the invoices were replaced beside the last batch's lines; and --out named
    a grants extract by mistake replaced it."""
    from invoicekit.cli import main

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xml").write_bytes(doc(CPR_NOTE))
    args = ["convert", "oioubl", str(tmp_path / "in"), "--quiet"]
    out, lines = tmp_path / "r.csv", tmp_path / "l.csv"
    assert main([*args, "--out", str(out), "--lines-out", str(lines)]) == 0
    before = out.read_bytes(), lines.read_bytes()
    (tmp_path / "in" / "b.xml").write_bytes(doc(CPR_NOTE).replace(b"F-1", b"F-2"))
    (tmp_path / ".l.csv.tmp").mkdir()  # the lines cannot be written
    assert main([*args, "--out", str(out), "--lines-out", str(lines)]) != 0
    assert (out.read_bytes(), lines.read_bytes()) == before
    assert not (tmp_path / ".r.csv.tmp").exists()
    (tmp_path / ".l.csv.tmp").rmdir()
    assert main([*args, "--out", str(out), "--lines-out", str(lines)]) == 0  # its own files: replaced
    assert out.read_bytes() != before[0]

    grants = tmp_path / "bevillinger.csv"
    grants.write_text("grant_id,cpr,service_code\nG1,0101401234,SEL108\n", encoding="utf-8")
    capsys.readouterr()
    assert main([*args, "--out", str(grants)]) == 2
    assert "exists and is no extract convert wrote" in capsys.readouterr().err
    assert grants.read_text(encoding="utf-8").startswith("grant_id,cpr")
    # nor a municipality's own workbook whose sheet is called Regninger, as convert's is (found by a review)
    from invoicekit.workbook import write_workbook

    own = tmp_path / "regninger.xlsx"
    write_workbook(own, {"Regninger": pd.DataFrame({"Fakturanummer": ["F-9"], "Beløb": [1.0]})})
    before = own.read_bytes()
    assert main([*args, "--out", str(own)]) == 2
    assert own.read_bytes() == before
    assert main([*args, "--out", str(tmp_path / "ny.xlsx")]) == 0
    assert main([*args, "--out", str(tmp_path / "ny.xlsx")]) == 0  # its own: replaced


# ---------------------------------------------------------------- found by an attack session on 0.9.10

MARCH = "<cac:InvoicePeriod><cbc:StartDate>2019-03-01</cbc:StartDate><cbc:EndDate>2019-03-31</cbc:EndDate></cac:InvoicePeriod>"


def _posted_by_the_robot(tmp_path, xml: bytes) -> tuple[str, str, str]:
    """The converted document run on the worked example: its
    ``document_type`` as converted, and the robot's status and reason."""
    from invoicekit.cli import main
    from tests.conftest import EXAMPLE

    (tmp_path / "in").mkdir(parents=True)
    (tmp_path / "in" / "a.xml").write_bytes(xml)
    assert main(["convert", "oioubl", str(tmp_path / "in"), "--out", str(tmp_path / "r.csv"), "--quiet"]) == 0
    converted = pd.read_csv(tmp_path / "r.csv", sep=None, engine="python", dtype=str, keep_default_na=False)
    argv = ["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", str(tmp_path / "r.csv"),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(tmp_path / "o"), "--dry-run", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    d = pd.read_csv(tmp_path / "o" / "decisions.csv", dtype=str, keep_default_na=False)
    return converted["document_type"].iat[0], d["status"].iat[0], d["reason"].iat[0]


def cii_march(type_code: str, settlement: str = "") -> bytes:
    """A CII invoice from Solhøj for the example's citizen 610190-1234 for
    March 2019, 28,500.00 kr., with ``type_code``; ``settlement`` is put
    after its one header settlement."""
    day = '<udt:DateTimeString format="102">{}</udt:DateTimeString>'
    sums = "<ram:GrandTotalAmount>28500.00</ram:GrandTotalAmount><ram:DuePayableAmount>28500.00</ram:DuePayableAmount>"
    return f"""<rsm:CrossIndustryInvoice xmlns:rsm="{test_cii.RSM}"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocument><ram:ID>SOL-1001</ram:ID><ram:TypeCode>{type_code}</ram:TypeCode>
 <ram:IncludedNote><ram:Content>Ophold, borger 610190-1234</ram:Content></ram:IncludedNote></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:Name>Solhøj</ram:Name>
 <ram:SpecifiedLegalOrganization><ram:ID schemeID="0184">29345716</ram:ID></ram:SpecifiedLegalOrganization>
 </ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement>
 <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>
 <ram:BillingSpecifiedPeriod><ram:StartDateTime>{day.format("20190301")}</ram:StartDateTime>
 <ram:EndDateTime>{day.format("20190331")}</ram:EndDateTime></ram:BillingSpecifiedPeriod>
 <ram:SpecifiedTradeSettlementHeaderMonetarySummation>{sums}</ram:SpecifiedTradeSettlementHeaderMonetarySummation>
 </ram:ApplicableHeaderTradeSettlement>{settlement}</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>""".encode()


@pytest.mark.parametrize("code", ["458", "502", "503", "999"])
@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_a_credit_notes_type_code_is_never_posted_as_an_invoice(tmp_path, syntax, code):
    """A reimbursable credit note (458), a self-billed factored one (502) and
    a prepayment's credit note (503) were converted as invoices and posted:
    their amounts are positive, so the type code is all that tells them
    apart. A code in no list (999) is written as it stands: neither an
    invoice nor a credit note to the robot."""
    if syntax == "ubl":

        def make(c: str) -> bytes:
            return doc(f"<cbc:InvoiceTypeCode>{c}</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}", payable="28500.00")
    else:
        make = cii_march
    assert _posted_by_the_robot(tmp_path / "invoice", make("380")) == ("invoice", "posted", "")
    kind, status, reason = _posted_by_the_robot(tmp_path / "credit", make(code))
    assert kind == ("credit_note" if code != "999" else "999")
    assert (status, reason) == ("manual", "CREDIT_NOTE")


def _convert(tmp_path, capsys, files: dict[str, bytes]) -> tuple[int, pd.DataFrame, str]:
    """``convert oioubl`` of a folder holding ``files``: the exit code, the
    invoices written and stderr."""
    from invoicekit.cli import main

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    code = main(["convert", "oioubl", str(inbox), "--out", str(tmp_path / "r.csv"), "--quiet"])
    written = pd.read_csv(tmp_path / "r.csv", sep=None, engine="python", dtype=str, keep_default_na=False)
    return code, written, capsys.readouterr().err


GOOD = doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}", payable="28500.00")


@pytest.mark.parametrize(
    "bad",
    [doc(CPR_NOTE, payable="28500.00", lines="<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount "
         'currencyID="DKK">28500.00</cbc:LineExtensionAmount><cac:Item><cbc:Name>x</cbc:Name><cac:ClassifiedTaxCategory>'
         "<cbc:ID>S</cbc:ID><cbc:Percent>99999999999999999999999999</cbc:Percent></cac:ClassifiedTaxCategory></cac:Item>"
         "</cac:InvoiceLine>"),
     ubl(amounts("9" * 1_000_001, payable="1.00")),
     ubl(amounts(prepaid="1", payable="9" * 1_000_001))],
    ids=["vat percent", "huge total", "huge payable"],
)  # fmt: skip
def test_an_absurd_number_refuses_its_file_not_the_batch(tmp_path, capsys, bad):
    """decimal's InvalidOperation or Overflow ended the whole conversion
    (exit 1, 'unexpected', nothing written): the good invoice beside it was
    lost too."""
    code, written, err = _convert(tmp_path, capsys, {"a-good.xml": GOOD, "b-bad.xml": bad})
    assert code == 1 and written["invoice_id"].tolist() == ["F-1"]
    assert "refused" in err and "b-bad.xml" in err and "too large to compute with" in err and "unexpected" not in err


@pytest.mark.parametrize("kind", ["pipe", "device"])
def test_a_pipe_or_device_in_the_inbox_is_refused_unread(tmp_path, capsys, kind):
    """convert waited on a named pipe for ever, and read /dev/zero until
    memory ran out."""
    import os

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    if kind == "pipe":
        os.mkfifo(inbox / "b.xml")
    else:
        os.symlink("/dev/zero", inbox / "b.xml")
    from invoicekit.cli import main

    (inbox / "a.xml").write_bytes(GOOD)
    assert main(["convert", "oioubl", str(inbox), "--out", str(tmp_path / "r.csv"), "--quiet"]) == 1
    assert "b.xml: is not a regular file" in capsys.readouterr().err
    assert pd.read_csv(tmp_path / "r.csv", sep=None, engine="python", dtype=str)["invoice_id"].tolist() == ["F-1"]


@pytest.mark.parametrize("zone", ["+01:00", "Z", "-05:00"])
@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_a_date_with_its_time_zone_is_the_day_it_names(tmp_path, syntax, zone):
    """xs:date may carry a time zone; written on as it stood, the robot could
    not read it (MISSING_PERIOD), and a batch of such invoices was refused as
    an extract exported wrongly."""
    if syntax == "ubl":
        zoned = MARCH.replace("-01<", f"-01{zone}<").replace("-31<", f"-31{zone}<")
        xml = doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{zoned}{CPR_NOTE}", payable="28500.00")
    else:
        xml = cii_march("380").replace(b'format="102">20190301', f'format="205">2019-03-01{zone}'.encode())
        xml = xml.replace(b'format="102">20190331', f'format="205">2019-03-31{zone}'.encode())
    if syntax == "ubl":  # the issue date too: a batch of them was refused as dates exported wrongly
        xml = xml.replace(b"<cbc:IssueDate>2019-03-05<", f"<cbc:IssueDate>2019-03-05{zone}<".encode())
    assert read_document(xml).period == ("2019-03-01", "2019-03-31")
    assert read_document(xml).invoice_date == ("2019-03-05" if syntax == "ubl" else "")
    assert _posted_by_the_robot(tmp_path, xml) == ("invoice", "posted", "")


@pytest.mark.parametrize(
    ("start", "end"),
    [("2019-02-28T23:00:00Z", "2019-03-31T21:59:59Z"), ("2019-02-28T23:00:00+00:00", "2019-03-31T21:30:00+00:00"),
     ("2019-03-01T00:00:00+01:00", "2019-03-31T23:59:59+02:00"), ("2019-03-01T06:00:00-05:00", "2019-03-31T12:00Z")],
)  # fmt: skip
def test_a_moment_with_its_zone_is_the_day_it_is_in_denmark(tmp_path, start, end):
    """A period a system wrote as moments in UTC (midnight in Copenhagen on
    1 March is 23:00 on 28 February in UTC) was read as the day UTC names:
    28 February to 31 March, a period no grant explains."""
    period = (
        f"<cac:InvoicePeriod><cbc:StartDate>{start}</cbc:StartDate><cbc:EndDate>{end}</cbc:EndDate></cac:InvoicePeriod>"
    )
    xml = doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{period}{CPR_NOTE}", payable="28500.00")
    assert read_document(xml).period == ("2019-03-01", "2019-03-31")
    assert _posted_by_the_robot(tmp_path, xml) == ("invoice", "posted", "")


@pytest.mark.parametrize(
    ("written", "read"),
    [("2019-03-31T22:00:00Z", "2019-04-01"), ("2019-07-31T22:00Z", "2019-08-01"), ("2019-03-01T00:30+02:00", "2019-02-28"),
     ("2019-03-01T9:30:00.123456789+05:00", "2019-03-01"), ("2019-03-01T23:30:00", "2019-03-01"),
     ("2019-03-01+14:00", "2019-03-01"), ("2019-03-01T24:00:00Z", "2019-03-01T24:00:00Z"),
     ("2019-02-29T12:00Z", "2019-02-29T12:00Z"), ("2019-03-01T12:61Z", "2019-03-01T12:61Z"),
     ("9999-12-31T23:30:00-01:00", "9999-12-31T23:30:00-01:00"), ("0001-01-01T00:30:00+01:00", "0001-01-01T00:30:00+01:00")],
)  # fmt: skip
def test_the_danish_day_of_a_moment(written, read):
    """Summer time (UTC+2), a zone east of Denmark, a fraction of a second
    beyond what Python reads, no zone (the day as written), a date with a
    zone (the day it names); a time no clock shows is left as written, as a
    day no calendar has: the robot reads no date from it."""
    from invoicekit.einvoice import calendar_date

    assert calendar_date(written) == read


def test_two_cii_settlements_or_ubl_numbers_are_refused(tmp_path, capsys):
    """Of two header settlements (28,500 and 50,000 kr.) the first was paid;
    of two invoice numbers the first was taken."""
    second = (
        "<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>"
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:GrandTotalAmount>50000.00</ram:GrandTotalAmount>"
        "<ram:DuePayableAmount>50000.00</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        "</ram:ApplicableHeaderTradeSettlement>"
    )
    with pytest.raises(Refused, match="has 2 ApplicableHeaderTradeSettlement elements"):
        read_document(cii_march("380", settlement=second))
    assert read_document(cii_march("380")).total == "28500.00"
    with pytest.raises(Refused, match="has 2 ID elements"):
        read_document(doc("<cbc:ID>F-2</cbc:ID>" + CPR_NOTE))


def test_files_not_named_xml_are_named_not_passed_over(tmp_path, capsys):
    """An invoice saved as 'c', 'd.ubl' or 'e.xml.tmp' was in no output and no
    message: 'Converted 1 of 1 files'."""
    code, written, err = _convert(tmp_path, capsys, {"a.xml": GOOD, "c": GOOD, "d.ubl": GOOD})
    assert code == 0 and written["invoice_id"].tolist() == ["F-1"]
    assert "warning: 2 files in the folders given are not named *.xml and were not read" in err
    assert "inbox/c" in err and "d.ubl" in err


@pytest.mark.parametrize("name", ["utf8", "UTF_8", "utf-8", "latin1"])
def test_an_encoding_under_another_spelling_is_read(name):
    """encoding="utf8" was refused as 'not well-formed XML' at the first ø,
    never naming the encoding."""
    data = GOOD.replace(b'encoding="UTF-8"', f'encoding="{name}"'.encode())
    if name == "latin1":
        data = data.decode("utf-8").encode("latin-1")
    assert read_document(data).supplier_name == "Bostedet Solhøj"


# ---------------------------------------------------------------- found by an attack session on 0.9.21

# (it said "denne faktura gælder næste måned" until 0.9.36, which reads a month named by where it stands
# as saying something of the period: the text cut short then gave no period either)
PAID_BEFORE = "<cbc:Note>Faktura for februar 2019 er betalt; denne faktura gælder perioden nedenfor</cbc:Note>"
FILLER = "<cbc:Note>" + "Bemærkning til ophold og aftaler. " * 1100 + "</cbc:Note>"  # 37,400 characters
MARCH_IN_TEXT = "<cbc:Note>Periode: marts 2019, borger 610190-1234</cbc:Note>"


def test_a_period_read_from_a_text_cut_short_is_never_the_one_posted(tmp_path):
    """A document of no period but its notes: the first says February was
    paid, the last, 37,000 characters on, names March. The text was cut to
    32,000 characters before its period was read, and the robot posted
    February (and marked it paid in Sensum). The whole text names two
    periods: none is read, and the cut text the robot is given cannot
    give it one (its period cell says why); a period named only past the
    cut is read from the whole text."""
    from invoicekit.vocabulary import MANY_PERIODS

    xml = doc(PAID_BEFORE + FILLER + MARCH_IN_TEXT, payable="28500.00")
    row, warnings = invoice_row(read_document(xml))
    assert (row["period_start"], row["period_end"]) == (MANY_PERIODS, "")
    assert any("MISSING_PERIOD" in w for w in warnings)
    assert _posted_by_the_robot(tmp_path / "a", xml)[1:] == ("manual", "MISSING_PERIOD")
    # the same two periods in a short text: as before, none
    assert _posted_by_the_robot(tmp_path / "b", doc(PAID_BEFORE + MARCH_IN_TEXT, payable="28500.00"))[1:] == (
        "manual",
        "MISSING_PERIOD",
    )
    # one period, named past the cut: read from the whole text, and posted
    xml = doc(FILLER + MARCH_IN_TEXT, payable="28500.00")
    assert invoice_row(read_document(xml))[0]["period_start"] == "2019-03-01"
    assert _posted_by_the_robot(tmp_path / "c", xml)[1:] == ("posted", "")


def test_a_line_whose_text_cut_short_names_another_period_is_given_none():
    texts = ("Denne linje gælder marts 2019 ", "x " * 20_000, "Rettet: april 2019")
    xml = doc(
        MARCH_IN_TEXT,
        lines="".join(f"<cac:InvoiceLine><cbc:ID>{k}</cbc:ID><cbc:Note>{t}</cbc:Note><cac:Item><cbc:Name>Ophold</cbc:Name>"
                      "</cac:Item></cac:InvoiceLine>" for k, t in ((1, "marts 2019"), (2, "".join(texts)))),
    )  # fmt: skip
    document = read_document(xml)
    rows, warnings = line_rows(document, invoice_row(document)[0])
    from invoicekit.vocabulary import MANY_PERIODS

    assert [r["period_start"] for r in rows] == ["", MANY_PERIODS]
    assert any("lines 2 name no one period" in w for w in warnings)


def test_an_invoice_that_names_no_currency_anywhere_is_never_posted_as_dkk(tmp_path):
    """Both syntaxes require the document's currency; a German invoice with
    none, and no currencyID on its amounts, was written with a blank
    currency, which the robot reads as DKK, and posted."""
    xml = doc(CPR_NOTE + MARCH, payable="28500.00", currency="").replace(b' currencyID=""', b"")
    row, warnings = invoice_row(read_document(xml))
    assert row["currency"] == "XXX" and any("names no currency" in w for w in warnings)
    assert _posted_by_the_robot(tmp_path, xml)[1:] == ("manual", "INVALID_AMOUNT")
    assert _posted_by_the_robot(tmp_path / "dkk", doc(CPR_NOTE + MARCH, payable="28500.00"))[1:] == ("posted", "")


def test_a_line_naming_no_citizen_for_a_period_no_named_line_has_is_not_posted_on_the_one_citizen():
    """One line names the citizen for 1-15 March, another names no one (its
    citizen's CPR stood where the reader does not look) for 16-31 March: the
    invoice was taken as the one citizen's whole month, which a day rate
    made fit, and posted and marked paid. A line without a CPR for the same
    period (the citizen's board) is the citizen's, as before."""
    citizen = line(note="Borger 631290-3456", name="Ophold", period="2019-03-01/2019-03-15")
    other = line(name="Aflastning Jens Hansen", period="2019-03-16/2019-03-31")
    row, warnings = invoice_row(read_document(doc(lines=citizen + other, payable="31000.00")))
    assert "(linje uden CPR for 2019-03-16 til 2019-03-31)" in str(row["amount"])
    assert not read_by_the_robot(row["amount"]) and any("may be another citizen's" in w for w in warnings)
    # a day shared with the citizen's line, or a start alone, is no way round it (a review)
    for other in (
        line(name="Aflastning", period="2019-03-15/2019-03-31"),
        line(name="Aflastning", period="2019-03-20/"),
    ):
        row, _ = invoice_row(read_document(doc(lines=citizen + other, payable="31000.00")))
        assert "(linje uden CPR for 2019-03-" in str(row["amount"]), row["amount"]
    # the citizen's line undated, the other dated for part of the invoice's month (a second review)
    undated = line(note="Borger 631290-3456", name="Ophold")
    aflastning = line(name="Aflastning Jens Hansen", period="2019-03-16/2019-03-31")
    row, _ = invoice_row(read_document(doc(MARCH, lines=undated + aflastning, payable="31000.00")))
    assert "(linje uden CPR for 2019-03-16 til 2019-03-31)" in str(row["amount"]), row["amount"]
    row, _ = invoice_row(read_document(doc(MARCH, lines=undated + line(name="Kost", period="2019-03-01/2019-03-31"))))
    assert read_by_the_robot(row["amount"])  # the whole month: the citizen's board, as before
    for board in (
        line(name="Kost", period="2019-03-01/2019-03-15"),
        line(name="Kost"),
        line(name="Kost", period="2019-03-05/2019-03-10"),
    ):
        row, warnings = invoice_row(read_document(doc(lines=citizen + board, payable="31000.00")))
        assert read_by_the_robot(row["amount"]) and not warnings, (row["amount"], warnings)


def test_a_zip_archive_among_the_files_is_refused_not_passed_over(tmp_path, capsys):
    """An attack on 0.9.21: an invoice inside more.zip was in no output; the
    archive got a warning among the files not named *.xml, and exit 0."""
    import io
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("b.xml", GOOD.replace(b"F-1", b"F-2"))
    files = {"a.xml": GOOD, "more.zip": packed.getvalue(), "faktura.pdf": b"%PDF-1.4", "gemt": packed.getvalue()}
    code, written, err = _convert(tmp_path, capsys, files)
    assert code == 1 and written["invoice_id"].tolist() == ["F-1"]
    assert "refused" in err and "more.zip: is a zip archive" in err and "inbox/gemt: is a zip archive" in err
    assert "warning: 1 files in the folders given are not named *.xml" in err and "faktura.pdf" in err
    # other archives, whatever their names, and a zip with a program before it (a review of the first mend)
    import gzip
    import tarfile

    tarred = io.BytesIO()
    with tarfile.open(fileobj=tarred, mode="w") as t:
        info = tarfile.TarInfo("c.xml")
        info.size = len(GOOD)
        t.addfile(info, io.BytesIO(GOOD))
    others = {"a.xml": GOOD, "more.tar.gz": gzip.compress(tarred.getvalue()), "d.xml.gz": gzip.compress(GOOD),
              "e.tar": tarred.getvalue(), "sfx.exe": b"MZ" + b"\0" * 200 + packed.getvalue()}  # fmt: skip
    (tmp_path / "c").mkdir()
    code, _, err = _convert(tmp_path / "c", capsys, others)
    assert code == 1
    for name, kind in (("more.tar.gz", "gzip"), ("d.xml.gz", "gzip"), ("e.tar", "tar"), ("sfx.exe", "zip")):
        assert f"{name}: is a {kind} archive" in err, (name, err)
    # a PDF beside the invoices (an attachment) is still a warning: exit 0
    (tmp_path / "b").mkdir()
    code, _, err = _convert(tmp_path / "b", capsys, {"a.xml": GOOD, "faktura.pdf": b"%PDF-1.4"})
    assert code == 0 and "refused" not in err


@pytest.mark.parametrize("declared", ["ISO-8859-1", "windows-1252", "no-such-encoding"])
def test_a_utf8_byte_order_mark_with_another_declared_encoding_is_refused(declared):
    """XML 1.0, appendix F: the mark says the encoding. The parser let the
    declaration win, and Bostedet Solhøj was read Bostedet SolhÃ¸j."""
    data = b"\xef\xbb\xbf" + GOOD.replace(b'encoding="UTF-8"', f'encoding="{declared}"'.encode())
    with pytest.raises(Refused, match=r"byte order mark|encoding"):
        read_document(data)
    assert read_document(b"\xef\xbb\xbf" + GOOD).supplier_name == "Bostedet Solhøj"
    assert read_document(b"\xef\xbb\xbf" + GOOD.replace(b'encoding="UTF-8"', b'encoding="utf8"')).supplier_name


def test_many_documents_whose_period_was_cut_away_are_each_decided_not_the_extract_refused(tmp_path, capsys):
    """A review of the first mend: six converted documents whose period cell
    says (flere perioder i teksten) made run refuse the whole extract as
    dates exported wrongly ("6 of 6 dates cannot be read"). Each now goes to
    manual (MISSING_PERIOD), and the invoices beside them are decided."""
    from invoicekit.cli import main
    from tests.conftest import EXAMPLE

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for k in range(6):
        xml = doc(PAID_BEFORE + FILLER + MARCH_IN_TEXT, payable="28500.00").replace(b"F-1", f"LONG-{k}".encode())
        (inbox / f"long{k}.xml").write_bytes(xml)
    (inbox / "good.xml").write_bytes(GOOD)
    assert main(["convert", "oioubl", str(inbox), "--out", str(tmp_path / "r.csv"), "--quiet"]) == 0
    argv = ["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", str(tmp_path / "r.csv"),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(tmp_path / "o"), "--dry-run", "--quiet"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    d = pd.read_csv(tmp_path / "o" / "decisions.csv", dtype=str, keep_default_na=False).set_index("invoice_id")
    assert d.loc[[f"LONG-{k}" for k in range(6)], "reason"].eq("MISSING_PERIOD").all()
    assert d.loc["F-1", "status"] == "posted"


@pytest.mark.parametrize("declared", ["US-ASCII", "utf-8-sig", "UTF8"])
def test_a_utf8_byte_order_mark_with_a_declaration_that_agrees_is_read(declared):
    """A review of the first mend: an ASCII file with the mark that declared
    US-ASCII or UTF-8-SIG was refused, though it read before."""
    ascii_only = GOOD.replace("Solhøj".encode(), b"Solhoej")
    data = b"\xef\xbb\xbf" + ascii_only.replace(b'encoding="UTF-8"', f'encoding="{declared}"'.encode())
    assert read_document(data).supplier_name == "Bostedet Solhoej"


# ---------------------------------------------------------------- found by an attack on 0.9.23

GRANTS_0923 = """grant_id,cpr,service_code,service_name,supplier_cvr,rate,rate_unit,start_date,end_date
B-1001,610190-1234,SEL108-BO,Længerevarende botilbud,29345716,28500.00,month,01-01-2018,
B-2002,650577-2468,SEL108-BO,Længerevarende botilbud,29345716,28500.00,month,01-01-2018,
"""


def _dated_line(no: int, note: str, amount: str, start: str = "", end: str = "") -> str:
    """A UBL invoice line; its InvoicePeriod only where ``start`` or ``end`` is given."""
    dates = "".join(f"<cbc:{tag}>{d}</cbc:{tag}>" for tag, d in (("StartDate", start), ("EndDate", end)) if d)
    period = f"<cac:InvoicePeriod>{dates}</cac:InvoicePeriod>" if dates else ""
    note = f"<cbc:Note>{note}</cbc:Note>" if note else ""
    return (
        f'<cac:InvoiceLine><cbc:ID>{no}</cbc:ID>{note}<cbc:LineExtensionAmount currencyID="DKK">{amount}'
        f"</cbc:LineExtensionAmount>{period}<cac:Item><cbc:Name>Døgnophold</cbc:Name></cac:Item></cac:InvoiceLine>"
    )


def _numbered(number: str, body: str, lines: str, payable: str) -> bytes:
    return doc(body, lines=lines, payable=payable).replace(
        b"<cbc:ID>F-1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode()
    )


#: February paid for citizen 650577-2468 (grant B-2002), before each attack
FEBRUARY_PAID = _numbered(
    "SOL-0201",
    "<cbc:Note>Døgnophold februar 2019</cbc:Note>",
    _dated_line(1, "Borger 650577-2468", "28500.00", "2019-02-01", "2019-02-28"),
    "28500.00",
)


def _runs_on_one_journal(tmp_path, *documents: bytes) -> list[pd.DataFrame]:
    """Each document converted (with its lines) and run in turn on one
    journal: each run's decisions.csv."""
    from invoicekit.cli import main
    from tests.conftest import EXAMPLE

    grants = tmp_path / "grants.csv"
    grants.write_text(GRANTS_0923, encoding="utf-8")
    journal = tmp_path / "journal.sqlite"
    decided = []
    for k, xml in enumerate(documents):
        folder = tmp_path / f"run{k}"
        (folder / "in").mkdir(parents=True)
        (folder / "in" / "a.xml").write_bytes(xml)
        converted = [str(folder / "i.csv"), str(folder / "l.csv")]
        assert main(["convert", "oioubl", str(folder / "in"), "--out", converted[0], "--lines-out", converted[1],
                     "--quiet"]) == 0  # fmt: skip
        argv = ["run", "--grants", str(grants), "--invoices", converted[0], "--invoice-lines", converted[1],
                "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(folder / "o"), "--quiet",
                "--journal" if k else "--new-journal", str(journal)]  # fmt: skip
        assert main(argv) == 0
        decided.append(pd.read_csv(folder / "o" / "decisions.csv", dtype=str, keep_default_na=False))
    return decided


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        ("2019-02-01T00:00:00", "2019-02-28T00:00:00", "ALREADY_PAID"),  # a date and a time: read as its day
        ("2019-2-1", "2019-2-28", "ALREADY_PAID"),  # ISO without its zeros: read
        ("01/02/2019", "28/02/2019", "MISSING_PERIOD"),  # nothing says which is the day: read as none
    ],
)
def test_a_collective_invoices_line_dated_otherwise_than_iso_is_never_paid_for_the_invoices_period(
    tmp_path, start, end, reason
):
    """A March collective invoice whose second line is February's, its dates
    written with a time, or as the US writes them: the line's period was left
    blank, so it was the invoice's, and February, paid already, was paid
    again as March (and March marked paid)."""
    collective = _numbered(
        "SOL-0301",
        f"<cbc:Note>Samlefaktura</cbc:Note>{MARCH}",
        _dated_line(1, "Borger 610190-1234", "28500.00") + _dated_line(2, "Borger 650577-2468", "28500.00", start, end),
        "57000.00",
    )
    first, second = _runs_on_one_journal(tmp_path, FEBRUARY_PAID, collective)
    assert first["status"].tolist() == ["posted"]
    assert (second["status"].tolist(), second["reason"].tolist()) == (["manual"], [reason])


def test_a_line_dated_otherwise_than_iso_is_read_where_it_names_a_day_and_marked_where_not():
    from xml.etree.ElementTree import fromstring

    from invoicekit.cii import UDT, _date

    def written(text: str, code: str) -> str:
        return _date(fromstring(f'<x xmlns:udt="{UDT}"><udt:DateTimeString format="{code}">{text}'
                                "</udt:DateTimeString></x>"))  # fmt: skip

    assert written("201903010000", "203") == "2019-03-01"
    assert written("20190301000000", "204") == "2019-03-01"
    assert written("20190301", "102") == "2019-03-01"
    assert written("201903", "610") == "201903"  # a month names no day
    assert written("20190230", "102") == "20190230"  # nor does a day no calendar has
    document = read_document(
        _numbered("S-1", CPR_NOTE, _dated_line(1, "", "1000.00", "2019-03-01T00:00:00+01:00", "03/31/2019"), "1000.00")
    )
    rows, warnings = line_rows(document, invoice_row(document)[0])
    assert (rows[0]["period_start"], rows[0]["period_end"]) == ("2019-03-01", "(ikke en ISO-dato: 03/31/2019)")
    assert any("no ISO date" in w for w in warnings)


@pytest.mark.parametrize(
    "period",
    ["<cbc:StartDate>2019-03-01</cbc:StartDate>", "<cbc:EndDate>2019-03-31</cbc:EndDate>"],
    ids=["start alone", "end alone"],
)
def test_a_documents_period_with_a_start_or_an_end_alone_still_holds_its_lines_to_it(tmp_path, period):
    """The document said only that March began (or ended), the text said
    March, the one line February: the line was not compared, and the robot,
    reading the rest of the period from the text, paid February again as
    March."""
    march = _numbered(
        "SOL-0310",
        f"<cbc:Note>Døgnophold marts 2019</cbc:Note><cac:InvoicePeriod>{period}</cac:InvoicePeriod>",
        _dated_line(1, "Borger 650577-2468", "28500.00", "2019-02-01", "2019-02-28"),
        "28500.00",
    )
    _first, second = _runs_on_one_journal(tmp_path, FEBRUARY_PAID, march)
    assert (second["status"].tolist(), second["reason"].tolist()) == (["manual"], ["INVALID_AMOUNT"])
    assert (
        "har en linje for perioden 01.02.2019–28.02.2019, uden for fakturaens egen periode" in second["message"].iat[0]
    )


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        (_dated_line(1, "Borger 610190-1234", "28500.00", "2019-02-01", "2019-02-28"),
         "E-fakturaen på 28.500,00 kr. har en linje for perioden 01.02.2019–28.02.2019, uden for fakturaens egen "
         "periode, så det er uvist, hvilken periode beløbet dækker, og den periode kan være betalt før."),
        (_dated_line(1, "Borger 610190-1234", "14000.00", "2019-03-01", "2019-03-15")
         + _dated_line(2, "", "14500.00", "2019-03-16", "2019-03-31"),
         "E-fakturaen på 28.500,00 kr. har en linje uden CPR-nummer for perioden 16.03.2019–31.03.2019, en periode "
         "ingen af borgerens linjer har: linjen kan gælde en anden borger."),
        (_dated_line(1, "Borger 610190-1234", "28500.00") + _dated_line(2, "", "1250.50"),
         "E-fakturaens linjer giver tilsammen 29.750,50 kr., fakturaen 28.500,00 kr., så det er uvist, hvad der "
         "skal betales."),
        (_dated_line(1, "Borger 610190-1234", "28500.00") + _dated_line(2, "", "971234567.00"),
         "E-fakturaens linjer giver tilsammen 97126xxxx.xx kr., fakturaen 28.500,00 kr."),
        # a total that reads as a CPR number is masked before anything else reads the cell
        (_dated_line(1, "Borger 610190-1234", "28500.00") + _dated_line(2, "", "1010901234.00"),
         "Beløbet '28500.xx (linjerne: xxxxxx-xxxx.xx)' er ikke et beløb i kroner og øre."),
    ],
    ids=["line period", "unnamed line", "lines total", "lines total of nine digits", "lines total a cpr number"],
)  # fmt: skip
def test_the_message_says_what_convert_noted_beside_the_amount(tmp_path, lines, says):
    """Convert writes why the robot must not pay an e-invoice beside its
    amount; the caseworker was told ``Beløbet '28500.xx (linjens periode:
    xxxx-xx-xx t…' er ikke et beløb i kroner og øre``: the dates x-ed as if
    they were CPR numbers, the reason cut off. A total of ten digits, which
    may be a CPR number, keeps its last five x-ed."""
    xml = _numbered("SOL-0310", f"{MARCH}{CPR_NOTE}", lines, "28500.00")
    assert _posted_by_the_robot(tmp_path, xml)[1:] == ("manual", "INVALID_AMOUNT")
    message = pd.read_csv(tmp_path / "o" / "decisions.csv", dtype=str, keep_default_na=False)["message"].iat[0]
    assert message.startswith(says)
    assert message.endswith("og bogfør manuelt.") and "1234" not in message and "3067" not in message
    assert "9734" not in message


def test_an_undated_line_naming_no_one_is_for_the_invoices_whole_period():
    """One citizen's line for 1-15 March and an undated line naming no one
    (16 days of someone else's, at a day rate) made the citizen's whole
    March: an undated line is for the invoice's period, days the citizen's
    line does not have."""
    lines = _dated_line(1, "Borger 610190-1234", "6000.00", "2019-03-01", "2019-03-15")
    lines += _dated_line(2, "", "6400.00")
    row, warnings = invoice_row(read_document(_numbered("S-3", MARCH, lines, "12400.00")))
    assert "(linje uden CPR for 2019-03-01 til 2019-03-31)" in str(row["amount"])
    assert not read_by_the_robot(row["amount"]) and any("may be another citizen's" in w for w in warnings)
    # the citizen's line for the whole month, and the undated one its board, as before
    lines = _dated_line(1, "Borger 610190-1234", "6000.00", "2019-03-01", "2019-03-31") + _dated_line(2, "", "6400.00")
    row, warnings = invoice_row(read_document(_numbered("S-3", MARCH, lines, "12400.00")))
    assert read_by_the_robot(row["amount"]) and not warnings


def test_a_collective_invoices_undated_line_is_given_no_other_citizens_period():
    """No period on the document, one citizen's line dated March, another's
    undated: the invoice's period was taken from the one dated line, and so
    the undated line's (a blank line period is the invoice's)."""
    lines = _dated_line(1, "Borger 610190-1234", "28500.00", "2019-03-01", "2019-03-31")
    lines += _dated_line(2, "Borger 650577-2468", "28500.00")
    document = read_document(_numbered("S-4", "<cbc:Note>Samlefaktura</cbc:Note>", lines, "57000.00"))
    row, _ = invoice_row(document)
    assert (row["period_start"], row["period_end"]) == ("", "")
    both = _dated_line(2, "Borger 650577-2468", "28500.00", "2019-03-01", "2019-03-31")
    row, _ = invoice_row(
        read_document(_numbered("S-4", "", lines.split("<cac:InvoiceLine><cbc:ID>2")[0] + both, "57000.00"))
    )
    assert (row["period_start"], row["period_end"]) == ("2019-03-01", "2019-03-31")  # every line's: as before


def test_a_file_name_not_in_utf8_stops_not_the_batch(tmp_path, capsys):
    """A name of Latin-1 bytes (a "Søren" from a Windows share) ended the
    whole conversion as 'unexpected' (exit 1), every other invoice lost."""
    import os

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / os.fsdecode(b"faktura-s\xf8ren.xml")).write_bytes(GOOD)
    (inbox / "other.xml").write_bytes(GOOD.replace(b"<cbc:ID>F-1</cbc:ID>", b"<cbc:ID>F-2</cbc:ID>"))
    from invoicekit.cli import main

    for out in ("r.csv", "r.xlsx"):
        assert main(["convert", "oioubl", str(inbox), "--out", str(tmp_path / out), "--quiet"]) == 0
    written = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False)
    assert sorted(written["invoice_id"]) == ["F-1", "F-2"]
    assert any(s.endswith("faktura-s\\xf8ren.xml") for s in written["source"])
    assert "unexpected" not in capsys.readouterr().err


def test_a_cii_line_with_two_settlements_is_refused():
    """Of a line's two settlements (March and April) the first was paid and
    the second left unread, where UBL's line with two periods is refused."""
    from tests.einvoice_files import EINVOICES

    xml = (EINVOICES / "cii-collective.xml").read_bytes()
    start = xml.index(b"<ram:SpecifiedLineTradeSettlement>")
    end = xml.index(b"</ram:SpecifiedLineTradeSettlement>") + len(b"</ram:SpecifiedLineTradeSettlement>")
    read_document(xml)  # one each, as sent
    with pytest.raises(Refused, match="has 2 SpecifiedLineTradeSettlement elements where a line has one"):
        read_document(xml[:end] + xml[start:end] + xml[end:])


#: an invoice line of the whole 28,500 kr., ``ref`` inside it
UBL_LINE = (
    "<cac:InvoiceLine><cbc:ID>1</cbc:ID>"
    '<cbc:LineExtensionAmount currencyID="DKK">28500.00</cbc:LineExtensionAmount>{ref}'
    "<cac:Item><cbc:Name>Ophold</cbc:Name></cac:Item></cac:InvoiceLine>"
)
#: half of it: two such lines make up the invoice
HALF_LINE = UBL_LINE.replace(">28500.00<", ">14250.00<")
UBL_REF = "<cac:BillingReference><cac:{kind}DocumentReference><cbc:ID>{id}</cbc:ID></cac:{kind}DocumentReference></cac:BillingReference>"
CII_LINE = (
    "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID>"
    "</ram:AssociatedDocumentLineDocument><ram:SpecifiedTradeProduct><ram:Name>Ophold</ram:Name>"
    "</ram:SpecifiedTradeProduct><ram:SpecifiedLineTradeSettlement>{ref}"
    "<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>28500.00</ram:LineTotalAmount>"
    "</ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>"
    "</ram:IncludedSupplyChainTradeLineItem>"
)
CII_REF = "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>SOL-0305</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>"


@pytest.mark.parametrize(
    ("xml", "written"),
    [
        (doc(f"<cbc:InvoiceTypeCode>384</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}", payable="28500.00"),
         "rettet faktura"),
        (doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}<cac:BillingReference>"
             "<cac:InvoiceDocumentReference><cbc:ID>SOL-0305</cbc:ID></cac:InvoiceDocumentReference>"
             "</cac:BillingReference>", payable="28500.00"),
         "rettet faktura af SOL-0305"),
        (cii_march("380", settlement="").replace(
            b"</ram:ApplicableHeaderTradeSettlement>",
            b"<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>SOL-0305</ram:IssuerAssignedID>"
            b"</ram:InvoiceReferencedDocument></ram:ApplicableHeaderTradeSettlement>"),
         "rettet faktura af SOL-0305"),
        (cii_march("384"), "rettet faktura"),
        (doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}", payable="28500.00",
             lines=UBL_LINE.format(ref=UBL_REF.format(kind="Invoice", id="SOL-0305"))),
         "rettet faktura af SOL-0305"),
        (doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}", payable="28500.00",
             lines=HALF_LINE.format(ref=UBL_REF.format(kind="Invoice", id="SOL-0305"))
             + HALF_LINE.format(ref=UBL_REF.format(kind="Invoice", id="SOL-0305")).replace("<cbc:ID>1<", "<cbc:ID>2<")),
         "rettet faktura af SOL-0305"),
        (doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}"
             + UBL_REF.format(kind="SelfBilledInvoice", id="SB-12"), payable="28500.00"),
         "rettet faktura af SB-12"),
        (doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}"
             + UBL_REF.format(kind="Invoice", id=""), payable="28500.00"),
         "rettet faktura"),
        (cii_march("380", settlement=CII_LINE.format(ref=CII_REF)), "rettet faktura af SOL-0305"),
        (doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}", payable="28500.00",
             lines=UBL_LINE.format(ref="<cac:SubInvoiceLine><cbc:ID>1.1</cbc:ID>"
                                   + UBL_REF.format(kind="Invoice", id="SOL-0305") + "</cac:SubInvoiceLine>")),
         "rettet faktura af SOL-0305"),
        (doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}<cac:BillingReference>"
             "<cac:BillingReferenceLine><cbc:ID>3</cbc:ID></cac:BillingReferenceLine></cac:BillingReference>",
             payable="28500.00"),
         "rettet faktura"),
    ],
    ids=["ubl 384", "ubl preceding invoice", "cii preceding invoice", "cii 384", "ubl line", "ubl two lines",
         "ubl self-billed", "ubl no number", "cii line", "ubl sub-line", "ubl reference to a line alone"],
)  # fmt: skip
def test_a_corrected_invoice_is_left_to_a_caseworker(tmp_path, xml, written):
    """An invoice left to a caseworker (who may pay it by hand), then its
    correction under a new number (type 384, naming the first): the
    correction was posted, and the month paid twice. So too where one of its
    lines names the invoice corrected, or it names a self-billed invoice or
    one without a number (a review of 0.9.24: each was posted)."""
    assert _posted_by_the_robot(tmp_path, xml) == (written, "manual", "CREDIT_NOTE")


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_the_same_invoice_naming_nothing_before_it_is_posted(tmp_path, syntax):
    """The line of the corrections above without its reference: posted, so
    that reference alone sends them to a caseworker."""
    if syntax == "ubl":
        xml = doc(f"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{MARCH}{CPR_NOTE}", payable="28500.00",
                  lines=UBL_LINE.format(ref=""))  # fmt: skip
    else:
        xml = cii_march("380", settlement=CII_LINE.format(ref=""))
    assert _posted_by_the_robot(tmp_path, xml) == ("invoice", "posted", "")


def test_a_credit_note_naming_the_invoice_it_credits_is_a_credit_note():
    from tests.einvoice_files import EINVOICES

    assert (
        invoice_row(read_document((EINVOICES / "peppol-credit-note.xml").read_bytes()))[0]["document_type"]
        == "credit_note"
    )


@pytest.mark.parametrize("brk", ["\r\n", "\n", "\u2028", "\u2029", "&#x85;", "&#x0B;"])
def test_a_line_break_in_an_invoice_number_is_a_space(brk):
    """``SOL-⏎1001`` split the number's row of the OPUS file over two lines
    (a review: also a Unicode line or paragraph separator, or NEL, which
    Python's splitlines reads as breaks)."""
    xml = GOOD.replace(b"<cbc:ID>F-1</cbc:ID>", f"<cbc:ID>SOL-{brk}1001\t</cbc:ID>".encode())
    if brk == "&#x0B;":  # XML 1.0 holds no vertical tab: the file is refused, never read with one
        with pytest.raises(Refused):
            read_document(xml)
        return
    row, _ = invoice_row(read_document(xml))
    assert row["invoice_id"] == "SOL- 1001"  # XML reads \r\n as one line break
    assert len(row["invoice_id"].splitlines()) == 1


def test_many_lines_dated_otherwise_than_iso_are_each_decided_not_the_lines_extract_refused(tmp_path, capsys):
    """A month of collective invoices from one supplier whose lines write
    their dates as the US does: each line's dates are written so that the
    robot reads none, and each invoice goes to manual; the lines extract is
    not refused as dates exported wrongly."""
    from invoicekit.cli import main
    from tests.conftest import EXAMPLE

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for k in range(6):
        lines = _dated_line(1, "Borger 610190-1234", "28500.00")
        lines += _dated_line(2, "Borger 650577-2468", "28500.00", "03/01/2019", "03/31/2019")
        (inbox / f"c{k}.xml").write_bytes(
            _numbered(f"C-{k}", f"<cbc:Note>Samlefaktura</cbc:Note>{MARCH}", lines, "57000.00")
        )
    out = [str(tmp_path / "i.csv"), str(tmp_path / "l.csv")]
    assert main(["convert", "oioubl", str(inbox), "--out", out[0], "--lines-out", out[1], "--quiet"]) == 0
    argv = ["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", out[0], "--invoice-lines", out[1],
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--out", str(tmp_path / "o"), "--dry-run", "--quiet"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    lines = pd.read_csv(tmp_path / "o" / "decision_lines.csv", dtype=str, keep_default_na=False)
    assert lines.loc[lines["line_no"] == "2", "reason"].eq("MISSING_PERIOD").all() and len(lines) == 12


def _sub_line(no: str, note: str = "", period: tuple[str, str] | None = None, tag: str = "SubInvoiceLine") -> str:
    """A UBL 2.1 sub-line: a detail of its line, whose amount is in the line's."""
    dates = (
        f"<cac:InvoicePeriod><cbc:StartDate>{period[0]}</cbc:StartDate><cbc:EndDate>{period[1]}</cbc:EndDate>"
        "</cac:InvoicePeriod>"
        if period
        else ""
    )
    note = f"<cbc:Note>{note}</cbc:Note>" if note else ""
    return (
        f'<cac:{tag}><cbc:ID>{no}</cbc:ID>{note}<cbc:LineExtensionAmount currencyID="DKK">14250.00'
        f"</cbc:LineExtensionAmount>{dates}<cac:Item><cbc:Name>Ophold</cbc:Name></cac:Item></cac:{tag}>"
    )


def _line_of_sub_lines(subs: str, note: str = "", tag: str = "InvoiceLine") -> str:
    note = f"<cbc:Note>{note}</cbc:Note>" if note else ""
    return (
        f'<cac:{tag}><cbc:ID>1</cbc:ID>{note}<cbc:LineExtensionAmount currencyID="DKK">28500.00</cbc:LineExtensionAmount>'
        f"<cac:Item><cbc:Name>Plads, marts</cbc:Name></cac:Item>{subs}</cac:{tag}>"
    )


def test_a_second_citizen_named_only_in_a_sub_line_is_never_paid_as_the_first_citizens_month(tmp_path):
    """An attack on 0.9.25: a document naming one citizen, whose one line
    names no one and details itself in two sub-lines (UBL 2.1's
    ``SubInvoiceLine``), 1-15 March for that citizen and 16-31 March for
    another. The sub-lines were not read: the invoice was posted in full as
    the first citizen's March, and March marked paid. Both citizens are read
    now, and the robot leaves the invoice to a caseworker."""
    subs = _sub_line("1.1", "Borger 610190-1234", ("2019-03-01", "2019-03-15"))
    subs += _sub_line("1.2", "Borger 650577-2468", ("2019-03-16", "2019-03-31"))
    xml = doc(f"{MARCH}{CPR_NOTE}", payable="28500.00", lines=_line_of_sub_lines(subs))
    row, _ = invoice_row(read_document(xml))
    assert row["cpr"] == "610190-1234, 650577-2468"
    [written], _ = line_rows(read_document(xml), row)
    assert written["cpr"] == "610190-1234, 650577-2468" and "650577-2468" in written["text"]
    assert _posted_by_the_robot(tmp_path, xml)[1:] == ("manual", "MULTIPLE_CPR")


def test_a_sub_lines_period_outside_the_documents_is_not_paid_as_the_documents(tmp_path):
    """The same attack: one citizen's line without a period of its own, whose
    one sub-line is February's, under a March invoice, was posted for March.
    The line now reaches from the first day a sub-line names to the last, so
    it lies outside the document's period and a caseworker decides, as for
    a line of its own period (``test_a_line_period_outside_...``)."""
    xml = doc(f"{MARCH}{CPR_NOTE}", payable="28500.00",
              lines=_line_of_sub_lines(_sub_line("1.1", period=("2019-02-01", "2019-02-28")), "Borger 610190-1234"))  # fmt: skip
    [written], _ = line_rows(read_document(xml), invoice_row(read_document(xml))[0])
    # blank, the line is for the document's March; its sub-line reaches back into February
    assert (written["period_start"], written["period_end"]) == ("2019-02-01", "2019-03-31")
    assert _posted_by_the_robot(tmp_path, xml)[1:] == ("manual", "INVALID_AMOUNT")


@pytest.mark.parametrize(
    "own, subs, period",
    [
        (None, [("2019-03-01", "2019-03-15"), ("2019-03-16", "2019-03-31")], ("2019-03-01", "2019-03-31")),
        (("2019-03-01", "2019-03-31"), [("2019-03-01", "2019-03-15")], ("2019-03-01", "2019-03-31")),
        (("2019-03-01", "2019-03-31"), [("2019-02-20", "2019-03-05")], ("2019-02-20", "2019-03-31")),
        (
            None,
            [("2019-03-01", "2019-03-15"), ("01.04.2019", "2019-04-30")],
            ("(ikke en ISO-dato: 01.04.2019)", "2019-04-30"),
        ),
        (None, [], ("", "")),
    ],
    ids=["two halves", "inside its own", "reaching before", "a date as written", "none"],
)
def test_a_lines_period_reaches_over_its_sub_lines(own, subs, period):
    own_period = f"<cac:InvoicePeriod><cbc:StartDate>{own[0]}</cbc:StartDate><cbc:EndDate>{own[1]}</cbc:EndDate></cac:InvoicePeriod>" if own else ""  # fmt: skip
    nested = "".join(_sub_line(f"1.{k}", period=p) for k, p in enumerate(subs))
    if subs:  # a sub-line of a sub-line counts as well
        nested = nested.replace("</cac:SubInvoiceLine>", _sub_line("1.0.1") + "</cac:SubInvoiceLine>", 1)
    line_xml = _line_of_sub_lines(nested, "Borger 610190-1234").replace("<cac:Item>", own_period + "<cac:Item>", 1)
    document = read_document(doc(CPR_NOTE, payable="28500.00", lines=line_xml))
    [written], _ = line_rows(document, invoice_row(document)[0])
    assert (written["period_start"], written["period_end"]) == period


def test_a_credit_note_reads_its_sub_lines():
    subs = _sub_line("1.1", "Borger 650577-2468", tag="SubCreditNoteLine")
    xml = doc(CPR_NOTE, payable="28500.00", root="CreditNote", lines=_line_of_sub_lines(subs, tag="CreditNoteLine"))
    row, _ = invoice_row(read_document(xml))
    assert row["document_type"] == "credit_note" and row["cpr"] == "610190-1234, 650577-2468"


def test_a_sub_lines_description_never_hides_its_lines_own_name(tmp_path):
    """A review of 0.9.26's first version: a line named "Ophold februar 2019"
    (no description) with a sub-line described "Døgnophold" lost its name
    from the text (descriptions were pooled, the names used only when there
    were none), so a document of no period whose note said March was posted
    for March; the name says February too: no one period, a caseworker
    decides. Each part is shown by its description, else its name."""
    sub = _sub_line("1.1").replace("<cac:Item>", "<cac:Item><cbc:Description>Døgnophold</cbc:Description>")
    line_xml = _line_of_sub_lines(sub).replace("Plads, marts", "Ophold februar 2019")
    xml = doc(CPR_NOTE, payable="28500.00", lines=line_xml)
    [written], _ = line_rows(read_document(xml), invoice_row(read_document(xml))[0])
    assert written["text"] == "Ophold februar 2019 | Døgnophold"
    assert _posted_by_the_robot(tmp_path, xml)[1:] == ("manual", "MISSING_PERIOD")


def test_an_undated_lines_sub_line_never_narrows_it_to_fewer_days_than_the_documents():
    """A review of 0.9.26's first version: a sub-line of 1-15 March narrowed
    its undated line (for the whole of March) to 1-15 March, a blank period
    spanned as no days. Blank, a line is the document's period, spanned with
    its sub-lines'. (Whether a sub-line's citizen, named for fewer days than
    its line's, makes the whole line the citizen's is left to the spec's
    owner: it does, as the line's own note would.)"""
    first = _dated_line(1, "Borger 610190-1234", "13790.00", "2019-03-01", "2019-03-15")
    sub = _sub_line("2.1", "Borger 610190-1234", ("2019-03-01", "2019-03-15")).replace("14250.00", "0.00")
    second = (
        '<cac:InvoiceLine><cbc:ID>2</cbc:ID><cbc:LineExtensionAmount currencyID="DKK">14710.00'
        f"</cbc:LineExtensionAmount><cac:Item><cbc:Name>Ophold</cbc:Name></cac:Item>{sub}</cac:InvoiceLine>"
    )
    xml = doc(MARCH, payable="28500.00", lines=first + second)
    rows, _ = line_rows(read_document(xml), invoice_row(read_document(xml))[0])
    assert (rows[1]["period_start"], rows[1]["period_end"]) == ("2019-03-01", "2019-03-31")
    # a line of a start alone: its end is the document's, not its sub-line's (a fourth review)
    half = second.replace("<cac:Item>", "<cac:InvoicePeriod><cbc:StartDate>2019-03-01</cbc:StartDate>"
                          "</cac:InvoicePeriod><cac:Item>", 1)  # fmt: skip
    xml = doc(MARCH, payable="28500.00", lines=first + half)
    rows, _ = line_rows(read_document(xml), invoice_row(read_document(xml))[0])
    assert (rows[1]["period_start"], rows[1]["period_end"]) == ("2019-03-01", "2019-03-31")
    # without a document period, the sub-lines' alone (nothing to span with)
    xml = doc(CPR_NOTE, payable="28500.00", lines=first + second)
    rows, _ = line_rows(read_document(xml), invoice_row(read_document(xml))[0])
    assert (rows[1]["period_start"], rows[1]["period_end"]) == ("2019-03-01", "2019-03-15")
