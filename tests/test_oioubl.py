"""invoicekit convert oioubl: the shared real e-invoices, every extraction
rule on documents written here, the refusals, and a synthetic month converted
and run through the robot exactly as its CSV extract."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.convert import convert, parse_document
from invoicekit.einvoice import INVOICE_COLUMNS as COLUMNS
from invoicekit.einvoice import Refused
from invoicekit.run import run as run_robot
from tests.einvoice_files import EINVOICES, converted

EXAMPLES = Path(__file__).parent / "data" / "oioubl"  # a copy of shared/examples/oioubl
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
PEPPOL = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"


def doc(
    body: str = "",
    *,
    supplier: str = '<cbc:EndpointID schemeID="DK:CVR">DK29345716</cbc:EndpointID>',
    lines: str = "<cac:InvoiceLine><cbc:ID>1</cbc:ID><cac:Item><cbc:Name>Ophold</cbc:Name></cac:Item></cac:InvoiceLine>",
    root: str = "Invoice",
    payable: str = "1000.00",
    customization: str = "OIOUBL-2.1",
    currency: str = "DKK",
) -> bytes:
    """A minimal UBL document; ``body`` goes between the header and the parties."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" xmlns:cbc="{CBC}" xmlns:cac="{CAC}">
  <cbc:CustomizationID>{customization}</cbc:CustomizationID>
  <cbc:ID>F-1</cbc:ID>
  <cbc:IssueDate>2019-03-05</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>
  {body}
  <cac:AccountingSupplierParty><cac:Party>{supplier}
    <cac:PartyName><cbc:Name>Bostedet Solhøj</cbc:Name></cac:PartyName></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party><cbc:EndpointID schemeID="GLN">5798000000000</cbc:EndpointID>
    </cac:Party></cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="{currency}">{payable}</cbc:PayableAmount></cac:LegalMonetaryTotal>
  {lines}
</{root}>""".encode()


def line(
    description: str = "", name: str = "Ydelse", period: str = "", note: str = "", tag: str = "InvoiceLine"
) -> str:
    desc = f"<cbc:Description>{description}</cbc:Description>" if description else ""
    per = (
        f"<cac:InvoicePeriod><cbc:StartDate>{period.split('/')[0]}</cbc:StartDate>"
        f"<cbc:EndDate>{period.split('/')[1]}</cbc:EndDate></cac:InvoicePeriod>"
        if period
        else ""
    )
    n = f"<cbc:Note>{note}</cbc:Note>" if note else ""
    return f"<cac:{tag}><cbc:ID>1</cbc:ID>{n}{per}<cac:Item>{desc}<cbc:Name>{name}</cbc:Name></cac:Item></cac:{tag}>"


# ---------------------------------------------------------------- the shared real files


def test_shared_examples_give_id_amount_currency_type_and_cvr():
    result = convert([EXAMPLES])
    assert result.refused == []
    got = result.invoices.set_index(result.invoices["source"].map(lambda s: Path(s).name))
    expected = {
        "happy-path_real.xml": ("A00095678", "6312.50", "DKK", "invoice", "16356700", 2),
        "credit-note.xml": ("A00095679", "6312.50", "DKK", "credit_note", "16356700", 2),
        "cpr-supplier.xml": ("SAMPLE-002", "100.00", "DKK", "invoice", "", 1),
        "nemkonto.xml": ("NEMKONTO-001", "41178.80", "DKK", "invoice", "10000009", 2),
    }
    assert sorted(got.index) == sorted(expected)
    for name, (iid, amount, currency, kind, cvr, lines) in expected.items():
        row = got.loc[name]
        assert (row.invoice_id, str(row.amount), row.currency, row.document_type, row.supplier_cvr, row.lines) == (
            iid,
            amount,
            currency,
            kind,
            cvr,
            lines,
        ), name
    # OIOUBL 2.x: the VAT is the TaxTotal, which TaxExclusiveAmount repeats (F-INV127)
    vat = {name: str(got.loc[name, "vat_amount"]) for name in expected}
    assert vat == {
        "happy-path_real.xml": "1262.50",
        "credit-note.xml": "1262.50",
        "cpr-supplier.xml": "0.00",
        "nemkonto.xml": "8235.76",
    }
    assert [str(got.loc[n, "payable_amount"]) for n in expected] == [str(got.loc[n, "amount"]) for n in expected]
    assert {got.loc[n, "prepaid_amount"] for n in expected} == {""}
    assert got.loc["happy-path_real.xml", "format"] == "OIOUBL 2.01"
    assert got.loc["nemkonto.xml", "format"] == "OIOUBL 2.1"
    # the sole trader's own CPR identifies the supplier, not a citizen
    assert got.loc["cpr-supplier.xml", "cpr"] == ""
    assert got.loc["happy-path_real.xml", "text"] == "Hejsetavle | Beslag"
    assert got.loc["happy-path_real.xml", "invoice_date"] == "2005-11-20"
    assert got.loc["nemkonto.xml", "supplier_name"] == "Sample Supplier ApS"
    assert list(result.invoices.columns) == list(COLUMNS)


def test_cli_converts_the_shared_examples_into_a_file_the_robot_reads(tmp_path, capsys):
    out = tmp_path / "regninger.csv"
    assert main(["convert", "oioubl", str(EXAMPLES), "--out", str(out)]) == 0
    assert "Converted 4 of 4 files (1 credit note)" in capsys.readouterr().out
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(frame) == 4 and list(frame.columns) == list(COLUMNS)
    from invoicekit.extracts import read_invoices

    prepared = read_invoices(out).frame
    assert sorted(prepared["invoice_id"]) == ["A00095678", "A00095679", "NEMKONTO-001", "SAMPLE-002"]


# ---------------------------------------------------------------- supplier CVR


@pytest.mark.parametrize(
    ("supplier", "cvr"),
    [
        # PartyLegalEntity/CompanyID comes first ...
        (
            '<cbc:EndpointID schemeID="DK:CVR">11111111</cbc:EndpointID><cac:PartyLegalEntity>'
            '<cbc:CompanyID schemeID="DK:CVR">DK29345716</cbc:CompanyID></cac:PartyLegalEntity>',
            "29345716",
        ),
        # ... but only with a CVR scheme; else EndpointID (Peppol's 0184)
        (
            '<cbc:EndpointID schemeID="0184">31587603</cbc:EndpointID><cac:PartyLegalEntity>'
            "<cbc:CompanyID>99999999</cbc:CompanyID></cac:PartyLegalEntity>",
            "31587603",
        ),
        # else PartyIdentification/ID
        (
            '<cbc:EndpointID schemeID="GLN">5790000000000</cbc:EndpointID><cac:PartyIdentification>'
            '<cbc:ID schemeID="0184">DK19554627</cbc:ID></cac:PartyIdentification>',
            "19554627",
        ),
        # DK prefix (any case) and spaces removed; the scheme compares case-insensitively
        ('<cbc:EndpointID schemeID="dk:cvr">dk 40 71 33 52</cbc:EndpointID>', "40713352"),
        # and a dash after it (an attack on 0.9.14: written '-29345716, a formula guarded)
        ('<cbc:EndpointID schemeID="0184">DK-29345716</cbc:EndpointID>', "29345716"),
        # left as read when it fails the checksum: the robot says INVALID_CVR
        ('<cbc:EndpointID schemeID="DK:CVR">DK12345678</cbc:EndpointID>', "12345678"),
        # no CVR at all: a GLN, or a sole trader by CPR
        ('<cbc:EndpointID schemeID="GLN">5790000000000</cbc:EndpointID>', ""),
        ('<cbc:EndpointID schemeID="DK:CPR">6101600001</cbc:EndpointID>', ""),
    ],
)
def test_supplier_cvr_rules(supplier, cvr):
    assert parse_document(doc(supplier=supplier))["supplier_cvr"] == cvr


def test_peppol_bis3_invoice_and_credit_note():
    supplier = '<cbc:EndpointID schemeID="0184">29345716</cbc:EndpointID>'
    inv = parse_document(doc(supplier=supplier, customization=PEPPOL, payable="1250.50"))
    assert (inv["supplier_cvr"], str(inv["amount"]), inv["document_type"]) == ("29345716", "1250.50", "invoice")
    credit = parse_document(
        doc(
            supplier=supplier,
            customization=PEPPOL,
            root="CreditNote",
            payable="300.00",
            lines=line("Kreditering", tag="CreditNoteLine") + line("Rettelse", tag="CreditNoteLine"),
        )
    )
    assert (str(credit["amount"]), credit["document_type"], credit["lines"]) == ("300.00", "credit_note", 2)
    assert credit["text"] == "Kreditering | Rettelse"


# ---------------------------------------------------------------- amount, type, currency, lines


def test_without_a_tax_inclusive_total_the_amount_is_payable_plus_prepaid_minus_rounding():
    assert parse_document(doc(payable=" 28500.00 "))["amount"] == Decimal("28500.00")
    totals = "<cbc:PrepaidAmount>500.00</cbc:PrepaidAmount><cbc:PayableRoundingAmount>0.25</cbc:PayableRoundingAmount>"
    row = parse_document(doc(payable="1000.00").replace(b"<cbc:PayableAmount", totals.encode() + b"<cbc:PayableAmount"))
    assert (row["amount"], row["prepaid_amount"]) == (Decimal("1499.75"), Decimal("500.00"))
    # a credit note's amount stays as written: positive, document_type says what it is
    credit = parse_document(doc(root="CreditNote", payable="28500.00", lines=""))
    assert (credit["amount"], credit["document_type"]) == (Decimal("28500.00"), "credit_note")
    # an Invoice document with a credit-note type code is a credit note
    coded = parse_document(doc('<cbc:InvoiceTypeCode listID="UNCL1001">381</cbc:InvoiceTypeCode>', payable="10.00"))
    assert (coded["document_type"], coded["amount"]) == ("credit_note", Decimal("10.00"))
    # not a number: written as read, with what was not a number, for the robot to refuse with INVALID_AMOUNT
    amount = parse_document(doc(root="CreditNote", payable="ti kroner", lines=""))["amount"]
    assert amount == "ti kroner (ikke tal som i XML: payable)"
    assert parse_document(doc(payable=""))["amount"] == ""


def test_currency_lines_date_and_name():
    row = parse_document(doc(currency="EUR", lines=line("a") + line("b") + line("c")))
    assert (row["currency"], row["lines"], row["invoice_date"], row["supplier_name"]) == (
        "EUR",
        3,
        "2019-03-05",
        "Bostedet Solhøj",
    )


def test_other_currency_is_written_and_warned_about(tmp_path):
    (tmp_path / "eur.xml").write_bytes(doc(currency="EUR"))
    result = convert([tmp_path])
    assert len(result.invoices) == 1 and result.refused == []
    assert result.invoices.loc[0, "currency"] == "EUR"
    assert "EUR" in result.warnings[0][1] and "caseworker" in result.warnings[0][1]


# ---------------------------------------------------------------- period


def test_period_from_the_document_first():
    body = "<cac:InvoicePeriod><cbc:StartDate>2019-03-01</cbc:StartDate><cbc:EndDate>2019-03-31</cbc:EndDate></cac:InvoicePeriod>"
    row = parse_document(doc(body, lines=line(period="2019-03-01/2019-03-15")))
    assert (row["period_start"], row["period_end"]) == ("2019-03-01", "2019-03-31")


@pytest.mark.parametrize("citizens", [1, 2])
def test_a_line_period_outside_the_documents_is_not_paid_on_either(tmp_path, citizens):
    """Found by an attack on 0.9.14: an invoice of one citizen said March
    and its one line "Døgnophold februar" 2019-02-01 to 2019-02-28; the robot,
    which reads no line of such an invoice, posted it for March after
    February had been paid: February paid twice, and March marked paid. The
    amount is now written with the line's period, which the robot does not
    read as an amount: a caseworker decides (as for lines that contradict the
    total; written in the period, a column of such made the robot refuse the
    whole extract). A collective invoice is posted line by line, each on its
    own period: left as it was."""
    from invoicekit.convert import read_document
    from invoicekit.einvoice import invoice_row

    body = (
        "<cbc:Note>Borger 610160-0001</cbc:Note>"
        "<cac:InvoicePeriod><cbc:StartDate>2019-03-01</cbc:StartDate><cbc:EndDate>2019-03-31</cbc:EndDate>"
        "</cac:InvoicePeriod>"
    )
    lines = line("Døgnophold februar", period="2019-02-01/2019-02-28", note="610160-0001")
    if citizens == 2:
        lines += line("Døgnophold marts", period="2019-03-01/2019-03-31", note="620260-0002")
    row, warnings = invoice_row(read_document(doc(body, lines=lines)))
    if citizens == 2:
        assert (row["period_start"], row["period_end"]) == ("2019-03-01", "2019-03-31") and not warnings
        return
    # a credit note is never posted: marked, it was an invoice seen, and the invoice of its number that
    # followed a duplicate (a review of the first version)
    credit, _ = invoice_row(read_document(doc(body, lines=lines.replace("InvoiceLine", "CreditNoteLine"),
                                              root="CreditNote")))  # fmt: skip
    assert credit["document_type"] == "credit_note" and not str(credit["amount"]).count("linjens")
    assert (row["period_start"], row["period_end"]) == ("2019-03-01", "2019-03-31")
    assert row["amount"] == "1000.00 (linjens periode: 2019-02-01 til 2019-02-28)"
    assert any("a line's 2019-02-01 to 2019-02-28, outside it" in w for w in warnings)


def test_period_from_the_lines_when_they_agree():
    agree = line("a", period="2019-04-01/2019-04-30") + line("b", period="2019-04-01/2019-04-30") + line("c")
    row = parse_document(doc(lines=agree))
    assert (row["period_start"], row["period_end"]) == ("2019-04-01", "2019-04-30")
    disagree = line("Ophold marts 2019", period="2019-04-01/2019-04-30") + line("b", period="2019-05-01/2019-05-31")
    row = parse_document(doc(lines=disagree))
    # the lines disagree: the period written in the text decides
    assert (row["period_start"], row["period_end"]) == ("2019-03-01", "2019-03-31")


def test_period_from_the_text_else_none():
    row = parse_document(doc("<cbc:Note>Ophold, Periode 01.03.2019 - 15.03.2019</cbc:Note>"))
    assert (row["period_start"], row["period_end"]) == ("2019-03-01", "2019-03-15")
    two = parse_document(doc("<cbc:Note>marts 2019 og april 2019</cbc:Note>"))
    assert (two["period_start"], two["period_end"]) == ("", "")
    assert parse_document(doc())["period_start"] == ""


# ---------------------------------------------------------------- CPR and text


def test_cpr_from_notes_descriptions_names_parties_and_references():
    body = (
        "<cbc:Note>Borger 610160-0001</cbc:Note>"
        '<cac:AdditionalDocumentReference><cbc:ID schemeID="0237">6202600002</cbc:ID></cac:AdditionalDocumentReference>'
        '<cac:Delivery><cac:DeliveryParty><cac:PartyIdentification><cbc:ID schemeID="DK:CPR">630360-0003</cbc:ID>'
        "</cac:PartyIdentification><cac:PartyName><cbc:Name>Jens Hansen 6404600004</cbc:Name></cac:PartyName>"
        "</cac:DeliveryParty></cac:Delivery>"
    )
    lines = line("Ophold for 650560-0005", name="Ydelse 660660-0006") + line("Igen 610160-0001", note="cpr 670760-0007")
    cprs = parse_document(doc(body, lines=lines))["cpr"].split(", ")
    # texts first (notes, then each line's note, description and name, then party names), then schemes
    assert cprs == [
        "610160-0001",
        "650560-0005",
        "660660-0006",
        "670760-0007",
        "640460-0004",
        "620260-0002",
        "630360-0003",
    ]
    assert len(cprs) == len(set(cprs)) == 7


def test_cpr_ignores_the_supplier_and_impossible_dates_but_keeps_bad_scheme_values():
    supplier = (
        '<cbc:EndpointID schemeID="DK:CPR">6808600008</cbc:EndpointID><cac:PartyIdentification>'
        '<cbc:ID schemeID="DK:CPR">6808600008</cbc:ID></cac:PartyIdentification>'
    )
    # 320160-0001 is no date; 12345678901 touches other digits
    body = "<cbc:Note>Ref 320160-0001 og 12345678901</cbc:Note>"
    assert parse_document(doc(body, supplier=supplier))["cpr"] == ""
    # a number under a CPR scheme is kept as read: the robot says INVALID_CPR
    body = '<cac:Delivery><cac:DeliveryParty><cac:PartyIdentification><cbc:ID schemeID="DK:CPR">99 99 99-9999</cbc:ID>'
    body += "</cac:PartyIdentification></cac:DeliveryParty></cac:Delivery>"
    assert parse_document(doc(body))["cpr"] == "999999-9999"


def test_the_supplier_signatorys_cpr_is_no_citizens():
    """Found by an attack on 0.9.14: the CPR number of the one who signed for
    the supplier (``cac:Signature/cac:SignatoryParty``) was read as a second
    citizen, and a one-citizen invoice went to a caseworker as a collective one."""
    body = (
        "<cbc:Note>Borger 610160-0001</cbc:Note>"
        '<cac:Signature><cbc:ID>S1</cbc:ID><cac:SignatoryParty><cac:PartyIdentification><cbc:ID schemeID="DK:CPR">'
        "6202600002</cbc:ID></cac:PartyIdentification><cac:PartyName><cbc:Name>Jens 6303600003</cbc:Name>"
        "</cac:PartyName></cac:SignatoryParty></cac:Signature>"
    )
    assert parse_document(doc(body))["cpr"] == "610160-0001"


def test_text_joins_notes_and_descriptions_with_names_only_as_fallback():
    body = "<cbc:Note>Opholdsbetaling</cbc:Note><cbc:Note>Takst 2019</cbc:Note>"
    lines = line("Døgnophold", name="Ydelse") + line(name="Kørsel") + line("Døgnophold")
    assert parse_document(doc(body, lines=lines))["text"] == "Opholdsbetaling | Takst 2019 | Døgnophold | Kørsel"
    assert parse_document(doc(lines=""))["text"] == ""


# ---------------------------------------------------------------- refusals

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol3;</Invoice>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><x>&ext;</x></Invoice>"""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"Fakturanummer;CVR\n1;29345716\n", "not well-formed XML (line 1, column 14)"),
        (doc()[:-20], "not well-formed XML"),
        (BOMB, "entity-expansion attack"),
        (EXTERNAL, "declares an external entity"),
        (doc().replace(b'encoding="UTF-8"', b'encoding="nonsense"'), "declares an encoding"),
        (doc().replace(b'encoding="UTF-8"', b'encoding="Shift_JIS"'), "declares an encoding"),
        (b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>", "root element <Order>"),
        (b"<Invoice><ID>1</ID></Invoice>", "not an e-invoice (root element <Invoice>"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not well-formed XML"),
        # UTF-32, with a byte order mark and without, either way round (an attack on 0.9.25: "not well-formed")
        *(
            (text.encode(codec), "written in UTF-32")
            for text in (doc().decode().replace('encoding="UTF-8"', 'encoding="UTF-32"'),)
            for codec in ("utf-32", "utf-32-le", "utf-32-be")
        ),
    ],
)
def test_unreadable_documents_are_refused_with_the_reason(data, reason):
    with pytest.raises(Refused, match=re.escape(reason)):
        parse_document(data)


def test_cli_refuses_bad_files_writes_the_rest_and_exits_1(tmp_path, capsys):
    inbox = tmp_path / "indbakke"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "good.xml").write_bytes(doc())
    (inbox / "sub" / "GOOD2.XML").write_bytes(doc(root="CreditNote", lines=""))
    (inbox / "bomb.xml").write_bytes(BOMB)
    (inbox / "broken.xml").write_bytes(b"<Invoice>")
    (inbox / "notes.txt").write_text("ignored: not .xml")
    os.symlink(tmp_path / "gone.xml", inbox / "dangling.xml")
    out = tmp_path / "out" / "regninger.xlsx"
    assert main(["convert", "oioubl", str(inbox), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    refused = [ln for ln in err.splitlines() if ln.startswith("invoicekit: refused")]
    assert len(refused) == 3
    assert any("bomb.xml" in ln and "entity" in ln for ln in refused)
    assert any("broken.xml" in ln and "not well-formed" in ln for ln in refused)
    assert any("dangling.xml" in ln and "cannot be read" in ln for ln in refused)
    frame = pd.read_excel(out, dtype=str, engine="calamine")
    assert sorted(frame["document_type"]) == ["credit_note", "invoice"]
    assert sorted(Path(s).name for s in frame["source"]) == ["GOOD2.XML", "good.xml"]


def test_cli_unusable_arguments_exit_2(tmp_path, capsys):
    assert main(["convert", "oioubl", str(tmp_path / "missing"), "--out", str(tmp_path / "x.csv")]) == 2
    assert "missing: no such file or folder" in capsys.readouterr().err
    assert main(["convert", "oioubl", str(tmp_path), "--out", str(tmp_path / "x.csv")]) == 2
    assert "no XML files found" in capsys.readouterr().err
    (tmp_path / "a.xml").write_bytes(doc())
    assert main(["convert", "oioubl", str(tmp_path), "--out", str(tmp_path / "x.txt")]) == 2
    assert ".csv or .xlsx" in capsys.readouterr().err
    assert not (tmp_path / "x.txt").exists()


# ---------------------------------------------------------------- a synthetic month, both ways


@pytest.fixture(scope="module")
def oioubl_world(tmp_path_factory) -> Path:
    from synthetic import synthesize

    out = tmp_path_factory.mktemp("oioubl") / "world"
    synthesize("baseline", seed=11, out=out, months=2, citizens=80, oioubl=True)
    return out


def test_a_converted_synthetic_month_decides_as_its_csv_extract(oioubl_world, tmp_path):
    month = sorted((oioubl_world / "oioubl").iterdir())[-1]
    csv = oioubl_world / "invoices" / f"invoices-{month.name}.csv"
    converted = tmp_path / "converted.csv"
    assert main(["convert", "oioubl", str(month), "--out", str(converted), "--quiet"]) == 0
    grants = oioubl_world / "sensum" / f"grants-{month.name}.csv"
    common = dict(grants=grants, support_sheet=oioubl_world / "stoetteark.xlsx")
    from_csv = run_robot(invoices=csv, out=tmp_path / "csv", **common).decisions
    from_xml = run_robot(invoices=converted, out=tmp_path / "xml", **common).decisions
    # the e-invoice has every invoice but the scanned ones that had no amount
    kept = from_csv[from_csv["reason"] != "INVALID_AMOUNT"].reset_index(drop=True)
    assert len(from_xml) == len(kept) > 50
    # the CSV writes a credit note's amount negative; the e-invoice writes it as the
    # document does, positive, with document_type credit_note: the same decision
    assert (kept["amount_ore"] < 0).any() and (kept.loc[kept["amount_ore"] < 0, "reason"] == "CREDIT_NOTE").all()
    kept = kept.assign(amount_ore=kept["amount_ore"].abs())
    cols = ["invoice_id", "supplier_cvr", "cpr_masked", "amount_ore", "status", "reason", "grant_id", "psp_element"]
    pd.testing.assert_frame_equal(from_xml[cols].reset_index(drop=True), kept[cols])


@pytest.fixture(scope="module")
def lines_world(tmp_path_factory) -> Path:
    """The scenario ``lines``: the suppliers of collective invoices send them with their lines."""
    from synthetic import synthesize

    out = tmp_path_factory.mktemp("oioubl-lines") / "world"
    synthesize("lines", seed=4, out=out, months=2, citizens=150, oioubl=True)
    return out


def _by_invoice(decisions: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """decision_lines.csv with each line's invoice named by number and CVR
    (the converted extract numbers its rows otherwise)."""
    named = decisions.set_index("row")[["invoice_id", "supplier_cvr"]]
    return lines.join(named, on="row").drop(columns="row").sort_values(["invoice_id", "line_no"], ignore_index=True)


def test_a_converted_month_of_collective_invoices_decides_line_by_line_as_its_csv_extracts(lines_world, tmp_path):
    month = "2018-12"
    folder = lines_world / "oioubl" / month
    converted, converted_lines = tmp_path / "r.csv", tmp_path / "l.csv"
    argv = ["convert", "oioubl", str(folder), "--out", str(converted), "--lines-out", str(converted_lines), "--quiet"]
    assert main(argv) == 0
    common = dict(grants=lines_world / "sensum" / f"grants-{month}.csv", support_sheet=lines_world / "stoetteark.xlsx")
    from_csv = run_robot(
        invoices=lines_world / "invoices" / f"invoices-{month}.csv",
        invoice_lines=lines_world / "invoices" / f"invoice-lines-{month}.csv",
        out=tmp_path / "csv",
        **common,
    )
    from_xml = run_robot(invoices=converted, invoice_lines=converted_lines, out=tmp_path / "xml", **common)
    # every invoice but the scanned ones without an amount; credit notes positive, as written
    kept = from_csv.decisions[from_csv.decisions["reason"] != "INVALID_AMOUNT"].reset_index(drop=True)
    kept = kept.assign(amount_ore=kept["amount_ore"].abs())
    xml = from_xml.decisions
    assert len(xml) == len(kept) > 100
    # An e-invoice always has lines, so the converted lines extract has them for an
    # invoice that names no citizen at all: it lacks a CPR number (MISSING_CPR), as
    # from the CSV extract, and is not a collective invoice whose lines fail check 3
    no_cpr = (kept["reason"] == "MISSING_CPR").to_numpy()
    assert no_cpr.any() and (xml.loc[no_cpr, "reason"] == "MISSING_CPR").all()
    cols = ["invoice_id", "supplier_cvr", "cpr_masked", "amount_ore", "status", "reason", "grant_id",
            "expected_amount_ore", "psp_element", "art"]  # fmt: skip
    pd.testing.assert_frame_equal(xml[cols], kept[cols])

    # the collective invoices were decided line by line, each line as from the CSV lines
    csv_lines = pd.read_csv(tmp_path / "csv" / "decision_lines.csv", dtype=str, keep_default_na=False)
    xml_lines = pd.read_csv(tmp_path / "xml" / "decision_lines.csv", dtype=str, keep_default_na=False)
    sent = pd.read_csv(lines_world / "invoices" / f"invoice-lines-{month}.csv", dtype=str, keep_default_na=False)
    assert len(csv_lines) == len(sent) >= 6 and (csv_lines["status"] == "posted").any()
    pd.testing.assert_frame_equal(
        _by_invoice(xml.astype({"row": str}), xml_lines),
        _by_invoice(from_csv.decisions.astype({"row": str}), csv_lines),
    )
    by_lines = xml["invoice_id"].isin(sent["invoice_id"])
    assert (xml.loc[by_lines, "status"] == "posted").any()
    assert (
        xml.loc[by_lines, "message"].tolist()
        == kept.loc[kept["invoice_id"].isin(sent["invoice_id"]), "message"].tolist()
    )


def test_a_file_named_twice_is_read_once_and_utf16_is_read(tmp_path):
    (tmp_path / "a.xml").write_bytes(doc())
    text = doc().decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    (tmp_path / "b.xml").write_bytes(text.encode("utf-16"))
    result = convert([tmp_path, tmp_path, tmp_path / "a.xml"])
    assert len(result.invoices) == 2 and result.refused == []


def test_linked_folders_are_followed_once(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "inbox").mkdir()
    (tmp_path / "real" / "a.xml").write_bytes(doc())
    os.symlink(tmp_path / "real", tmp_path / "inbox" / "linked")
    os.symlink(tmp_path / "inbox", tmp_path / "inbox" / "loop")  # a link back up the tree
    result = convert([tmp_path / "inbox"])
    assert len(result.invoices) == 1 and result.refused == []


def test_supplier_text_is_never_a_formula_in_the_workbook(tmp_path):
    (tmp_path / "f.xml").write_bytes(doc("<cbc:Note>=HYPERLINK(&quot;http://x&quot;)</cbc:Note>"))
    out = tmp_path / "f.xlsx"
    assert main(["convert", "oioubl", str(tmp_path / "f.xml"), "--out", str(out), "--quiet"]) == 0
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    text_col = [c.value for c in ws[1]].index("text") + 1
    cell = ws.cell(row=2, column=text_col)
    assert cell.value.startswith("'=HYPERLINK") and cell.data_type == "s"


# ---------------------------------------------------------------- documents written from the specifications


def test_oioubl21_prepaid_invoice_keeps_the_total_and_the_prepayment():
    row, lines, warnings = converted("oioubl21-prepaid.xml")
    assert row == {
        "invoice_id": "SOL-2019-0301",
        "supplier_cvr": "29345716",
        "amount": "13000.00",  # TaxInclusiveAmount, not the 12900.00 payable
        "cpr": "610180-1234",
        "period_start": "2019-03-01",
        "period_end": "2019-03-31",
        "text": "Botilbud § 107, marts 2019 | Døgnophold marts 2019",
        "invoice_date": "2019-04-02",
        "supplier_name": "Bostedet Solhøj",
        "document_type": "invoice",
        "currency": "DKK",
        "prepaid_amount": "100.00",
        "vat_amount": "0.00",
        "payable_amount": "12900.00",
        "format": "OIOUBL 2.1",
        "source": str(EINVOICES / "oioubl21-prepaid.xml"),
        "lines": 1,
    }
    assert lines == [
        {
            "invoice_id": "SOL-2019-0301",
            "supplier_cvr": "29345716",
            "line_no": "1",
            "cpr": "",  # the citizen is named on the document, not on the line
            "amount": "13000.00",
            "period_start": "",
            "period_end": "",
            "text": "Døgnophold marts 2019",
        }
    ]
    assert warnings == []


def test_oioubl21_credit_note_is_positive_with_its_vat():
    row, lines, warnings = converted("oioubl21-credit-note.xml")
    assert (row["invoice_id"], row["supplier_cvr"], row["supplier_name"]) == ("KN-77", "31587603", "Taxa Fyn")
    assert (row["amount"], row["vat_amount"], row["payable_amount"], row["prepaid_amount"]) == (
        "4500.00",
        "900.00",
        "4500.00",
        "",
    )
    assert (row["document_type"], row["currency"], row["format"], row["cpr"]) == (
        "credit_note",
        "DKK",
        "OIOUBL 2.1",
        "",
    )
    # the line's own TaxTotal is its VAT: 3600.00 + 900.00
    assert [(ln["line_no"], ln["amount"]) for ln in lines] == [("1", "4500.00")]
    assert warnings == []


def test_oioubl3_amount_is_before_the_payable_rounding():
    row, lines, warnings = converted("oioubl3-rounding.xml")
    assert (row["amount"], row["payable_amount"], row["prepaid_amount"], row["vat_amount"]) == (
        "9000.40",
        "9000.00",
        "",
        "0.00",
    )
    assert (row["format"], row["cpr"], row["period_start"], row["period_end"]) == (
        "OIOUBL 3",
        "640701-4567",  # the delivery party under scheme 0237
        "2019-05-01",
        "2019-05-31",
    )
    assert [ln["amount"] for ln in lines] == ["9000.40"] and warnings == []


def test_peppol_vat_invoice_lines_carry_their_vat():
    row, lines, warnings = converted("peppol-vat.xml")
    assert (row["invoice_id"], row["amount"], row["vat_amount"], row["payable_amount"], row["format"]) == (
        "KURSUS-12",
        "1250.00",
        "250.00",
        "1250.00",
        "Peppol BIS 3",
    )
    # net 800.00 and 200.00 at ClassifiedTaxCategory 25 %
    assert [(ln["line_no"], ln["amount"], ln["text"]) for ln in lines] == [
        ("1", "1000.00", "Kursus for personale"),
        ("2", "250.00", "Materialer"),
    ]
    assert warnings == []


def test_peppol_collective_invoice_gives_one_citizen_and_period_a_line():
    row, lines, warnings = converted("peppol-collective.xml")
    assert (row["invoice_id"], row["amount"], row["cpr"], row["lines"]) == (
        "SAML-2019-03",
        "21500.00",
        "610180-1234, 620585-2345, 631290-3456",
        3,
    )
    assert lines == [
        {
            "invoice_id": "SAML-2019-03",
            "supplier_cvr": "29345716",
            "line_no": "1",
            "cpr": "610180-1234",  # the line's note
            "amount": "12400.00",
            "period_start": "2019-03-01",
            "period_end": "2019-03-31",
            "text": "Borger 610180-1234 | Døgnophold § 107",
        },
        {
            "invoice_id": "SAML-2019-03",
            "supplier_cvr": "29345716",
            "line_no": "2",
            "cpr": "620585-2345",  # the item's name
            "amount": "6000.00",
            "period_start": "2019-03-01",
            "period_end": "2019-03-15",
            "text": "Aflastning 620585-2345",
        },
        {
            "invoice_id": "SAML-2019-03",
            "supplier_cvr": "29345716",
            "line_no": "3",
            "cpr": "631290-3456",  # an item property
            "amount": "3100.00",
            "period_start": "",  # blank: the invoice's period
            "period_end": "",
            "text": "Bostøtte",
        },
    ]
    assert sum(Decimal(ln["amount"]) for ln in lines) == Decimal(row["amount"]) and warnings == []


def test_peppol_credit_note_line_has_its_citizen_and_period():
    row, lines, _ = converted("peppol-credit-note.xml")
    assert (row["invoice_id"], row["amount"], row["document_type"], row["cpr"]) == (
        "KRED-5",
        "800.00",
        "credit_note",
        "610180-1234",
    )
    assert [(ln["cpr"], ln["amount"], ln["period_start"], ln["period_end"]) for ln in lines] == [
        ("610180-1234", "800.00", "2019-03-10", "2019-03-11")
    ]


def test_a_foreign_invoice_with_a_negative_payable_amount_is_no_dkk_invoice():
    row, lines, warnings = converted("peppol-nok-negative.xml")
    assert (row["amount"], row["currency"], row["prepaid_amount"], row["payable_amount"], row["supplier_cvr"]) == (
        "5000.00",
        "NOK",
        "6000.00",
        "-1000.00",
        "",  # a Norwegian organisation number (0192) is no CVR
    )
    assert [ln["amount"] for ln in lines] == ["5000.00"]
    assert len(warnings) == 2 and "NOK" in warnings[0] and "negative payable amount (-1000.00)" in warnings[1]


@pytest.mark.parametrize(
    ("customization", "version", "fmt", "exclusive"),
    [
        # OIOUBL 2.x writes the VAT in TaxExclusiveAmount (F-INV127) ...
        ("OIOUBL-2.1", "2.1", "OIOUBL 2.1", "250.00"),
        ("OIOUBL-2.02", "2.0", "OIOUBL 2.02", "250.00"),
        ("", "2.0", "OIOUBL 2.0", "250.00"),
        # ... OIOUBL 3, Peppol BIS 3 and plain UBL the net total (EN 16931 BT-109)
        ("urn:fdc:oioubl.dk:trns:billing:invoice:3.0", "2.1", "OIOUBL 3", "1000.00"),
        (PEPPOL, "2.1", "Peppol BIS 3", "1000.00"),
        ("urn:cen.eu:en16931:2017", "2.1", "EN 16931", "1000.00"),
        ("", "2.1", "UBL", "1000.00"),
    ],
)
def test_without_a_tax_total_the_vat_is_read_by_the_format(customization, version, fmt, exclusive):
    """1000.00 net + 250.00 VAT, each format writing its own TaxExclusiveAmount:
    read by the other format's meaning, the VAT would come out 1000.00."""
    totals = (
        f"<cbc:TaxExclusiveAmount>{exclusive}</cbc:TaxExclusiveAmount>"
        "<cbc:TaxInclusiveAmount>1250.00</cbc:TaxInclusiveAmount>"
    )
    data = doc(f"<cbc:UBLVersionID>{version}</cbc:UBLVersionID>", customization=customization, payable="1250.00")
    row = parse_document(data.replace(b"<cbc:PayableAmount", totals.encode() + b"<cbc:PayableAmount"))
    assert (row["format"], str(row["vat_amount"]), str(row["amount"])) == (fmt, "250.00", "1250.00")


def test_the_tax_total_in_the_document_currency_is_the_vat():
    body = (
        '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">100.00</cbc:TaxAmount></cac:TaxTotal>'
        '<cac:TaxTotal><cbc:TaxAmount currencyID="DKK">745.80</cbc:TaxAmount></cac:TaxTotal>'
    )
    assert str(parse_document(doc(body, currency="EUR", customization=PEPPOL))["vat_amount"]) == "100.00"
    # OIOUBL 2.x: VAT and another tax (afgift) are both tax
    two = '<cac:TaxTotal><cbc:TaxAmount currencyID="DKK">25.00</cbc:TaxAmount></cac:TaxTotal>' * 2
    assert str(parse_document(doc(two))["vat_amount"]) == "50.00"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("oioubl21-reminder.xml", "is a reminder (rykker), not an invoice or credit note (root element <Reminder>)"),
        ("oioubl3-reminder.xml", "is a reminder (rykker), sent as an Invoice document (ProfileID"),
        ("order-response.xml", "is an order response (ordrebekræftelse), not an invoice or credit note"),
        ("application-response.xml", "is an application response"),
        ("placeholder-number.xml", "has the placeholder '___ignore___' for an invoice number"),
    ],
)
def test_documents_that_are_no_invoices_are_refused_naming_what_they_are(name, reason):
    result = convert([EINVOICES / name])
    assert result.invoices.empty and result.lines.empty
    assert [(Path(p).name, r) for p, r in result.refused] == [(name, result.refused[0][1])]
    assert reason in result.refused[0][1]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("<cbc:ProfileID>urn:fdc:oioubl.dk:bis:billing_proforma_with_response:3</cbc:ProfileID>", "pro-forma"),
        ("<cbc:InvoiceTypeCode>325</cbc:InvoiceTypeCode>", "pro-forma"),
        ("<cbc:ProfileID>urn:fdc:oioubl.dk:bis:reminder_private_without_response:3</cbc:ProfileID>", "reminder"),
    ],
)
def test_pro_forma_invoices_and_reminders_in_an_invoice_are_refused(body, reason):
    with pytest.raises(Refused, match=reason):
        parse_document(doc(body))


@pytest.mark.parametrize("number", ["", "   ", "\n\t", "___ignore___", "__x__", "---", "IGNORE", "n/a", "null"])
def test_blank_and_placeholder_numbers_are_refused(number):
    with pytest.raises(Refused, match="invoice number"):
        parse_document(doc().replace(b"<cbc:ID>F-1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode()))


def test_a_negative_invoice_without_a_prepayment_is_said_to_credit():
    """Found by an attack on 0.9.14: an invoice (380) of -1000.00 with no
    PrepaidAmount was said to have "more paid on account than it costs"."""
    from invoicekit.convert import read_document
    from invoicekit.einvoice import invoice_row

    _, warnings = invoice_row(read_document(doc(payable="-1000.00")))
    assert any("it credits, and the robot never posts it (CREDIT_NOTE)" in w for w in warnings)
    assert not any("paid on account" in w for w in warnings)


def test_a_date_that_is_no_iso_date_is_left_out():
    """Found by an attack on 0.9.14: an InvoicePeriod written 03/01/2019 to
    03/12/2019 (1 to 12 March, as the US writes it) was passed on as written,
    and the robot, reading day-first, took it for 3 January to 3 December.
    It is left blank, with a warning, so the robot reads the period from the
    text or leaves the invoice to a caseworker (written as it was but marked,
    a column of such dates made the robot refuse the whole extract). A line's
    such date is written so that the robot reads none (left blank, it was the
    invoice's: an attack on 0.9.23), and one citizen's invoice whose line has
    one is not posted: nothing says the line's period is the invoice's."""
    from invoicekit.convert import read_document
    from invoicekit.einvoice import invoice_row, line_rows

    us = "<cac:InvoicePeriod><cbc:StartDate>03/01/2019</cbc:StartDate><cbc:EndDate>03/12/2019</cbc:EndDate></cac:InvoicePeriod>"
    body = "<cbc:Note>Borger 610160-0001</cbc:Note>" + us
    lines = (
        "<cac:InvoiceLine><cbc:ID>1</cbc:ID>"
        + us
        + "<cac:Item><cbc:Name>Ophold</cbc:Name></cac:Item></cac:InvoiceLine>"
    )
    document = read_document(doc(body, lines=lines))
    row, warnings = invoice_row(document)
    assert (row["period_start"], row["period_end"]) == ("", "")
    assert any("which is no ISO date (2019-03-01): left out" in w for w in warnings)
    assert "(linjens periode: 03/01/2019 til 03/12/2019)" in str(row["amount"])
    written, line_warnings = line_rows(document, row)
    assert (written[0]["period_start"], written[0]["period_end"]) == (
        "(ikke en ISO-dato: 03/01/2019)",
        "(ikke en ISO-dato: 03/12/2019)",
    )
    assert any("no ISO date" in w for w in line_warnings)
    # an ISO date with a time zone is the day it names, as before
    zoned = body.replace("03/01/2019", "2019-03-01").replace("03/12/2019", "2019-03-12+01:00")
    assert parse_document(doc(zoned))["period_end"] == "2019-03-12"
    # a line's own ISO period is the period then, as where the document names none; and a text that says
    # another month is no way round the check of the lines (a review: such a March invoice with a February
    # line was posted for March, read from the text, after February was paid)
    february = line("Døgnophold februar", period="2019-02-01/2019-02-28")
    row, _ = invoice_row(read_document(doc(body, lines=february)))
    assert (row["period_start"], row["period_end"]) == ("2019-02-01", "2019-02-28") and str(row["amount"]) == "1000.00"
    marts = "<cbc:Note>Borger 610160-0001, døgnophold marts 2019</cbc:Note>" + us
    two = february + line("Tillæg", period="2019-01-01/2019-01-31")
    row, _ = invoice_row(read_document(doc(marts, lines=two)))
    # since 0.9.33 the text that names March and (its line) February gives no period at all, so a caseworker
    # decides (MISSING_PERIOD); it gave March, and the line's February then kept it from being posted
    assert (row["period_start"], row["period_end"]) == ("", "")


@pytest.mark.parametrize("written", ["20-11-2005", "710190-8001"])
def test_an_issue_date_that_is_no_iso_date_is_left_out_with_a_warning(tmp_path, capsys, written):
    """An attack on 0.9.25: an ``IssueDate`` written otherwise than ISO was
    left out without a word, though the help says a bad value is left as
    read or said. It is said now (a CPR number in it masked)."""
    xml = doc().replace(
        b"<cbc:IssueDate>2019-03-05</cbc:IssueDate>", f"<cbc:IssueDate>{written}</cbc:IssueDate>".encode()
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xml").write_bytes(xml)
    assert main(["convert", "oioubl", str(tmp_path / "in"), "--out", str(tmp_path / "r.csv")]) == 0
    err = capsys.readouterr().err
    shown = "710190-xxxx" if written.startswith("7101") else written
    assert f"has the issue date {shown}, which is no ISO date (2019-03-01): left out (invoice_date blank)" in err
    assert "710190-8001" not in err
    row = pd.read_csv(tmp_path / "r.csv", sep=None, engine="python", dtype=str, keep_default_na=False).iloc[0]
    assert row["invoice_date"] == ""
