"""A review of 0.9.31's first e-invoice mend: ordinary one-citizen e-invoices that 0.9.30
converted for the robot to post, now held to a caseworker by the line-text
period guard (einvoice._read_period), and a text file under an .xlsx name
still told as BadZipFile. Each test failed on the version reviewed."""

from __future__ import annotations

from pathlib import Path

import pytest

from invoicekit.convert import convert
from invoicekit.errors import InputError

NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def _line(no: int, description: str, amount: str, note: str = "") -> str:
    n = f"<cbc:Note>{note}</cbc:Note>" if note else ""
    return (
        f'<cac:InvoiceLine><cbc:ID>{no}</cbc:ID>{n}<cbc:InvoicedQuantity unitCode="MON">1</cbc:InvoicedQuantity>'
        f'<cbc:LineExtensionAmount currencyID="DKK">{amount}</cbc:LineExtensionAmount>'
        f"<cac:Item><cbc:Description>{description}</cbc:Description><cbc:Name>Døgnophold</cbc:Name></cac:Item>"
        f'<cac:Price><cbc:PriceAmount currencyID="DKK">{amount}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>'
    )


def _invoice(lines: str, note: str = "Borger CPR 610190-1234", total: str = "28500.00") -> str:
    """A one-citizen OIOUBL 2.1 invoice for March 2019 (InvoicePeriod), VAT exempt."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice {NS}>
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:CustomizationID>OIOUBL-2.1</cbc:CustomizationID>
  <cbc:ID>SOL-1001</cbc:ID>
  <cbc:IssueDate>2019-04-05</cbc:IssueDate>
  <cbc:InvoiceTypeCode listAgencyID="320" listID="urn:oioubl:codelist:invoicetypecode-1.1">380</cbc:InvoiceTypeCode>
  <cbc:Note>{note}</cbc:Note>
  <cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>
  <cac:InvoicePeriod><cbc:StartDate>2019-03-01</cbc:StartDate><cbc:EndDate>2019-03-31</cbc:EndDate></cac:InvoicePeriod>
  <cac:AccountingSupplierParty><cac:Party><cbc:EndpointID schemeID="DK:CVR">DK29345716</cbc:EndpointID><cac:PartyName><cbc:Name>Bostedet Solhøj</cbc:Name></cac:PartyName></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party><cbc:EndpointID schemeID="GLN">5798000000001</cbc:EndpointID><cac:PartyName><cbc:Name>Kommunen</cbc:Name></cac:PartyName></cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="DKK">0.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="DKK">{total}</cbc:LineExtensionAmount><cbc:TaxInclusiveAmount currencyID="DKK">{total}</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID="DKK">{total}</cbc:PayableAmount></cac:LegalMonetaryTotal>
  {lines}
</Invoice>"""


def _converted(tmp_path: Path, xml: str) -> dict:
    (tmp_path / "a.xml").write_text(xml, encoding="utf-8")
    result = convert([tmp_path / "a.xml"])
    assert result.refused == []
    inv = result.invoices
    return inv[0] if isinstance(inv, list) else inv.iloc[0].to_dict()


# ------------------------------------------------------------------ a line text naming the document's own period


@pytest.mark.parametrize(
    "text",
    [
        "Døgnophold 2019-03-01 - 2019-03-31",  # ISO, as the XML writes dates
        "Døgnophold 01.03.19 - 31.03.19",  # two-digit years
        "Døgnophold 1.3.-31.3.2019",
        "Døgnophold 01.03-31.03.2019",
        "Døgnophold 1/3-31/3 2019",
    ],
)
def test_a_one_citizen_line_naming_the_documents_own_month_is_not_held(tmp_path, text):
    # the March document's one line says March in a form period_in_text does not read; names_no_one_period
    # calls it "something of its period" and _read_period writes the amount with "(flere perioder i teksten)":
    # INVALID_AMOUNT, where 0.9.30 converted 28500.00 and the robot posted it
    row = _converted(tmp_path, _invoice(_line(1, text, "28500.00")))
    assert (str(row["amount"]), row["period_start"], row["period_end"]) == ("28500.00", "2019-03-01", "2019-03-31")


# ------------------------------------------------------------------ a line text with numbers that are no dates


@pytest.mark.parametrize(
    "text",
    [
        "Døgnophold marts 2019, sagsnr. 27.24.00-G01-123-19",  # a KLE case number, as municipalities write them
        "Kørsel 12.5 km",
        "Fremmøde 20.5 dage",
        "Indsats 3.2 (STU)",
    ],
)
def test_a_one_citizen_line_with_numbers_that_are_no_dates_is_not_held(tmp_path, text):
    # _LOOSE_DAYS reads 27.24.00, 12.5, 20.5, 3.2 as "a day and a month in digits without a year", so
    # names_no_one_period is true and the invoice is held (INVALID_AMOUNT); 0.9.30 posted it
    row = _converted(tmp_path, _invoice(_line(1, text, "28500.00")))
    assert str(row["amount"]) == "28500.00"


# ------------------------------------------------------------------ a line text naming a date that is no period


@pytest.mark.parametrize(
    "text",
    ["Døgnophold, født 12.05.1950", "Døgnophold jf. kontrakt af 1. januar 2018", "Døgnophold, opkrævet 28.02.2019"],
)
def test_a_one_citizen_line_naming_a_date_that_is_no_period_is_not_held(tmp_path, text):
    # a birth date, a contract date, a billing date: no period of the line, yet the amount is written
    # "(linjens periode: (flere perioder i teksten) …)" and a caseworker decides; 0.9.30 posted it
    row = _converted(tmp_path, _invoice(_line(1, text, "28500.00")))
    assert str(row["amount"]) == "28500.00"


# ------------------------------------------------------------------ readers.refuse_no_xlsx


def test_a_utf16_csv_without_bom_named_xlsx_is_told_as_text(tmp_path):
    # _text_head strips a BOM and decodes the rest as UTF-8: UTF-16 without a BOM (NUL every other byte) is no
    # text to it, and the file is still told "cannot be opened as an Excel .xlsx workbook (BadZipFile)"
    from invoicekit.readers import open_workbook

    path = tmp_path / "regninger.xlsx"
    path.write_bytes("Fakturanummer\tCVR\tBeløb\r\nSOL-1\t29345716\t28500,00\r\n".encode("utf-16-le"))
    with pytest.raises(InputError) as refused:
        open_workbook(path)
    assert "BadZipFile" not in str(refused.value)
