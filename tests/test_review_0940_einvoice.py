"""An auditor's attack (f1) on reading real e-invoices as they come: `convert oioubl` and the robot
on its extracts. Each test fails on the code as it stands and passes once the behaviour is right."""

from __future__ import annotations

import pytest

from invoicekit.convert import convert
from tests.test_attack_0932_einvoice import decided, inbox, line, peppol
from tests.test_review_0936_einvoice import cii, cii_line
from tests.test_review_0936_einvoice import decided as decided_cii

A = "610190-1234"  # grant B-1001, 28,500 kr. a month at Bostedet Solhøj
B = "620585-2345"  # grant B-2001, the same home, the same rate
NOTE = f"<cbc:Note>Døgnophold marts 2019. Borger {A}.</cbc:Note>"


def _outcome(decisions) -> list[tuple[str, str, str]]:
    return list(zip(decisions["status"], decisions["reason"], decisions["grant_id"], strict=True))


# ---------------------------------------------------------------------------------------------------------------
# 1. a second citizen in a UBL address's own lines is passed over (CII's address lines are read)

_ADDRESS_LINES = {
    # Peppol BT-163 / BT-80's third address line: "Att." or "c/o" written where the system has room
    "AddressLine/Line": f"<cac:AddressLine><cbc:Line>Att. borger {B}</cbc:Line></cac:AddressLine>",
    # Peppol BT-76 / BT-165: the second address line, "c/o" the citizen
    "AdditionalStreetName": f"<cbc:StreetName>Solvej 1</cbc:StreetName><cbc:AdditionalStreetName>c/o borger {B}"
    "</cbc:AdditionalStreetName>",
}


@pytest.mark.parametrize("where", list(_ADDRESS_LINES))
def test_citizen_in_a_ubl_delivery_address_line_beside_another_in_the_note_is_paid_on_the_note(tmp_path, where):
    """A Peppol BIS 3 (UBL) invoice of 28,500 kr. for March whose note names citizen A and whose
    delivery address names citizen B in an address line (``cac:AddressLine/cbc:Line``, or the
    second address line ``cbc:AdditionalStreetName``: "c/o borger 620585-2345"), as a supplier
    whose system has no field for the citizen writes it.

    What goes wrong: `convert oioubl` reads a UBL address's ``MarkAttention`` and ``MarkCare``
    only (``oioubl.PERSON_PATHS``); it writes ``cpr`` = A alone, and the robot posts 28,500 kr. on
    A's grant B-1001. The same document in CII is read right: ``cii.PERSON_PATHS`` reads the
    address's ``LineOne``, ``LineTwo`` and ``LineThree``, the very fields UBL calls
    ``StreetName``, ``AdditionalStreetName`` and ``AddressLine/Line`` (EN 16931 BT-75, BT-76,
    BT-165).

    Why it matters: a document naming two citizens is not one citizen's (spec check 3,
    ``MULTIPLE_CPR``: "more than one distinct CPR"); B's month may be paid as A's. README, `convert`
    table, ``cpr``: CPR numbers are read "where they name a person or a place (since 0.9.38: a
    delivery location's name, an address's attention line, a contact's or a person's name; CII's
    contacts and address lines: a second citizen written there was passed over".

    Right behaviour: a UBL address's lines are read as CII's are: the row names both citizens, and
    the invoice goes to a caseworker."""
    address = _ADDRESS_LINES[where]
    delivery = f"<cac:Delivery><cac:DeliveryLocation><cac:Address>{address}</cac:Address></cac:DeliveryLocation></cac:Delivery>"
    doc = peppol(NOTE, "28500.00", line(1, "28500.00")).replace("<cac:TaxTotal>", delivery + "<cac:TaxTotal>", 1)
    assert B in doc
    outcome = _outcome(decided(tmp_path, doc))
    assert outcome[0][0] != "posted", outcome


# ---------------------------------------------------------------------------------------------------------------
# 2. a second citizen in a document reference's free text is passed over

_REFERENCES = {
    # UBL: the buyer's own reference on the order (OIOUBL's "kundens reference"), the text beside the order's ID
    "UBL OrderReference/CustomerReference": f"<cac:OrderReference><cbc:ID>4500012345</cbc:ID>"
    f"<cbc:CustomerReference>Borger {B}</cbc:CustomerReference></cac:OrderReference>",
    # UBL: the grant letter attached, described by whom it is for (Peppol BT-123)
    "UBL AdditionalDocumentReference/DocumentDescription": "<cac:AdditionalDocumentReference><cbc:ID>Bevillingsbrev"
    f"</cbc:ID><cbc:DocumentDescription>Bevilling for {B}</cbc:DocumentDescription></cac:AdditionalDocumentReference>",
    # CII: the same grant letter (BT-123 is ram:Name there)
    "CII AdditionalReferencedDocument/Name": "<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>Bevillingsbrev"
    f"</ram:IssuerAssignedID><ram:TypeCode>916</ram:TypeCode><ram:Name>Bevilling for {B}</ram:Name>"
    "</ram:AdditionalReferencedDocument>",
}


@pytest.mark.parametrize("where", list(_REFERENCES))
def test_citizen_in_a_references_free_text_beside_another_in_the_note_is_paid_on_the_note(tmp_path, where):
    """An invoice of 28,500 kr. for March whose note names citizen A and whose references name
    citizen B in their free text: the order reference's ``cbc:CustomerReference`` (the buyer's
    reference, which a municipality asks suppliers to fill with the citizen), or the description of
    an attached grant letter (UBL ``AdditionalDocumentReference/cbc:DocumentDescription``, CII
    ``AdditionalReferencedDocument/ram:Name``, EN 16931 BT-123).

    What goes wrong: the converter reads a reference's identifiers (names ending in ``ID``),
    ``BuyerReference`` and ``AccountingCost`` only (``einvoice.REFERENCE_NAMES``); the reference's
    own texts are passed over, ``cpr`` = A alone, and the robot posts 28,500 kr. on A's grant
    B-1001.

    Why it matters: B's month may be paid as A's; the document names two citizens (spec check 3,
    ``MULTIPLE_CPR``). README, `convert` table, ``cpr``: "the document's and its lines' references
    ... the buyer's reference, an order or contract reference, a grant letter as an additional
    document ...: since 0.9.37, a citizen written there beside another in a note was passed over
    and the invoice paid on the other's grant".

    Right behaviour: a CPR number in a reference's text counts as one in its ID: both citizens
    are named, and the invoice goes to a caseworker."""
    xml = _REFERENCES[where]
    if where.startswith("CII"):
        doc = cii(f"Døgnophold marts 2019. Borger {A}.", "28500.00", cii_line(1, "28500.00"))
        doc = doc.replace("</ram:BuyerTradeParty>", "</ram:BuyerTradeParty>" + xml, 1)
        assert B in doc
        outcome = _outcome(decided_cii(tmp_path, doc))
    else:
        doc = peppol(NOTE, "28500.00", line(1, "28500.00"))
        doc = doc.replace("<cac:AccountingSupplierParty>", xml + "<cac:AccountingSupplierParty>", 1)
        assert B in doc
        outcome = _outcome(decided(tmp_path, doc))
    assert outcome[0][0] != "posted", outcome


# ---------------------------------------------------------------------------------------------------------------
# 3. a Peppol invoice in its SBDH envelope is refused as "not an e-invoice"

_SBDH = (
    '<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader">'
    "<StandardBusinessDocumentHeader><HeaderVersion>1.0</HeaderVersion>"
    '<Sender><Identifier Authority="iso6523-actorid-upis">0184:29345716</Identifier></Sender>'
    '<Receiver><Identifier Authority="iso6523-actorid-upis">0088:5798000000001</Identifier></Receiver>'
    "<DocumentIdentification><Standard>urn:oasis:names:specification:ubl:schema:xsd:Invoice-2</Standard>"
    "<TypeVersion>2.1</TypeVersion><InstanceIdentifier>6f1c2a9e-0001</InstanceIdentifier><Type>Invoice</Type>"
    "<CreationDateAndTime>2019-04-03T10:00:00</CreationDateAndTime></DocumentIdentification>"
    "</StandardBusinessDocumentHeader>{body}</StandardBusinessDocument>"
)


def test_a_peppol_invoice_in_its_sbdh_envelope_is_refused_as_no_e_invoice(tmp_path):
    """A Peppol BIS 3 invoice as a Peppol access point delivers it: the UBL ``Invoice`` inside a
    ``StandardBusinessDocument`` (SBDH) envelope, the transport header every Peppol message
    carries and that many access points hand on to the receiver's inbox unchanged.

    What goes wrong: `convert oioubl` refuses the file with "is XML but not an e-invoice (root
    element <StandardBusinessDocument>; expected a UBL Invoice or CreditNote ...)". That is not
    true: it is the invoice, wrapped. Finance staff reading the refusals take it for a receipt or
    transport message and set it aside: the invoice is in no output, and the supplier is not paid
    (or the invoice is keyed in by hand, outside the duplicate check).

    Why it matters: README, `convert oioubl`: it "reads invoices and credit notes ... in ...
    Peppol BIS Billing 3.0"; every refusal names "what the document is". The envelope is part of
    how Peppol delivers BIS 3.

    Right behaviour: the invoice inside the envelope is read as the same invoice unwrapped (the
    envelope's header says nothing the robot needs); at the very least the refusal says that the
    file is an invoice in an SBDH envelope, never that it is no e-invoice."""
    body = peppol(NOTE, "28500.00", line(1, "28500.00")).split("?>", 1)[1]
    wrapped = '<?xml version="1.0" encoding="UTF-8"?>' + _SBDH.format(body=body)
    result = convert([inbox(tmp_path, wrapped)])
    refusals = [reason for _file, reason in result.refused]
    assert not any("not an e-invoice" in reason for reason in refusals), refusals
    if not refusals:
        row = result.invoices.iloc[0]
        assert (row["invoice_id"], row["supplier_cvr"], str(row["amount"]), row["cpr"]) == (
            "SOL-1001", "29345716", "28500.00", A,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# 4. a line's own note naming another month than the line's period element is posted for the element


@pytest.mark.parametrize("citizens", ["one citizen", "collective"])
def test_a_lines_note_naming_another_month_than_its_period_element_is_posted_for_the_element(tmp_path, citizens):
    """A Peppol BIS 3 invoice whose line carries an ``InvoicePeriod`` of March (the supplier's
    system fills every line's period with the month it bills in) and whose line note, typed by
    the home's staff, says what the 28,500 kr. are for: "Døgnophold februar 2019". Once for one
    citizen (A), once as a collective invoice with a second line for B's March.

    What goes wrong: the converter writes the line's period from its element (March) and never
    compares it with the line's own text; the robot posts A's line for March on grant B-1001
    (``posted``), and marks March paid. Without the element, the same line is sent to a caseworker
    (``INVALID_AMOUNT``, "har en linje for perioden 01.02.2019–28.02.2019, uden for fakturaens egen
    periode"); with it, the note's February is silently overruled.

    Why it matters: February's stay is paid as March: if February was paid already it is paid
    twice, and the real March invoice later is refused as ``ALREADY_PAID``. README, `convert`
    table, ``period_start``: since 0.9.38 a document whose "own notes name one period the
    element's does not lie within" is written ``(flere perioder i teksten)`` "so that a caseworker
    decides (`InvoicePeriod` March and a note saying February was posted for March)"; and "A line
    without a period of its own is held to the period its text names". The line's own note and
    its element disagree in just that way.

    Right behaviour: a line whose own text names one period its period element does not lie
    within is not posted on either: the invoice goes to a caseworker."""
    first = line(1, "28500.00", note=f"Borger {A}. Døgnophold februar 2019", period="2019-03-01/2019-03-31")
    if citizens == "one citizen":
        doc = peppol("", "28500.00", first)
    else:
        doc = peppol("", "57000.00", first + line(2, "28500.00", note=f"Borger {B}", period="2019-03-01/2019-03-31"))
    outcome = _outcome(decided(tmp_path, doc))
    assert outcome[0][0] != "posted", outcome


# ---------------------------------------------------------------------------------------------------------------
# 5. the period element's own description naming another month than its dates is passed over


def test_a_period_elements_own_description_naming_another_month_than_its_dates_is_passed_over(tmp_path):
    """A Peppol BIS 3 invoice for citizen A whose ``cac:InvoicePeriod`` holds the dates of the month
    billed in (1-31 March) and, beside them, its own ``cbc:Description``: "Døgnophold februar 2019",
    what the 28,500 kr. are for.

    What goes wrong: ``oioubl._period_of`` reads the description only when the element has no
    dates; with dates, the description is never looked at, no warning is given, and the robot
    posts the invoice for March on grant B-1001 (``posted``).

    Why it matters: February's stay is paid as March (twice, if February was paid; and the real
    March invoice later refused as ``ALREADY_PAID``). README, `convert` table, ``period_start``:
    "a period given in words alone (`<cbc:Description>Februar 2019</cbc:Description>`, no dates) is
    the one period the words name", and since 0.9.38 a document whose "own notes name one period
    the element's does not lie within" is written ``(flere perioder i teksten)`` "so that a
    caseworker decides". The period element's own words contradicting its dates say at least as
    much as a note does.

    Right behaviour: a period element whose description names one period its dates do not lie
    within is not posted on either: a caseworker decides."""
    doc = peppol(f"<cbc:Note>Borger {A}</cbc:Note>", "28500.00", line(1, "28500.00"))
    doc = doc.replace(
        "<cbc:EndDate>2019-03-31</cbc:EndDate></cac:InvoicePeriod>",
        "<cbc:EndDate>2019-03-31</cbc:EndDate><cbc:Description>Døgnophold februar 2019</cbc:Description>"
        "</cac:InvoicePeriod>",
        1,
    )
    assert "februar 2019</cbc:Description>" in doc
    outcome = _outcome(decided(tmp_path, doc))
    assert outcome[0][0] != "posted", outcome


def test_a_peppol_envelope_holding_two_documents_is_refused_naming_it(tmp_path):
    """An envelope holds one document; of two, nothing says which is the invoice: refused, saying so."""
    body = peppol(NOTE, "28500.00", line(1, "28500.00")).split("?>", 1)[1]
    wrapped = '<?xml version="1.0" encoding="UTF-8"?>' + _SBDH.format(body=body + body)
    result = convert([inbox(tmp_path, wrapped)])
    assert len(result.invoices) == 0
    [(_file, reason)] = result.refused
    assert "Peppol envelope" in reason and "holding 2 documents" in reason


def test_a_lines_period_its_own_text_agrees_with_is_posted(tmp_path):
    """Not every line text naming a month holds a line back: one naming the month of its period, or the
    period's own description doing so, is posted as before."""
    (tmp_path / "line").mkdir()
    (tmp_path / "element").mkdir()
    first = line(1, "28500.00", note=f"Borger {A}. Døgnophold marts 2019", period="2019-03-01/2019-03-31")
    assert _outcome(decided(tmp_path / "line", peppol("", "28500.00", first)))[0][:2] == ("posted", "")
    doc = peppol(f"<cbc:Note>Borger {A}</cbc:Note>", "28500.00", line(1, "28500.00")).replace(
        "<cbc:EndDate>2019-03-31</cbc:EndDate></cac:InvoicePeriod>",
        "<cbc:EndDate>2019-03-31</cbc:EndDate><cbc:Description>Døgnophold marts 2019</cbc:Description>"
        "</cac:InvoicePeriod>",
        1,
    )
    assert _outcome(decided(tmp_path / "element", doc))[0][:2] == ("posted", "")


def test_an_invoice_in_an_envelope_in_an_envelope_is_read_and_a_deeper_nest_is_refused_plainly(tmp_path):
    """An access point that wraps what it was handed: the SBDH envelope holds another envelope,
    which holds the invoice. 0.9.40 refused it as an envelope "holding 0 documents", which it
    does not: it holds the invoice. The invoice is read as the one envelope's is; envelopes
    nested deeper than any access point makes are refused, saying so (one of thousands is refused
    by the reader's depth guard before)."""
    body = peppol(NOTE, "28500.00", line(1, "28500.00")).split("?>", 1)[1]
    twice = '<?xml version="1.0" encoding="UTF-8"?>' + _SBDH.format(body=_SBDH.format(body=body))
    result = convert([inbox(tmp_path, twice)])
    assert not result.refused, result.refused
    row = result.invoices.iloc[0]
    assert (row["invoice_id"], row["supplier_cvr"], str(row["amount"]), row["cpr"]) == (
        "SOL-1001",
        "29345716",
        "28500.00",
        A,
    )

    deep = body
    for _ in range(5):
        deep = _SBDH.format(body=deep)
    (tmp_path / "deep").mkdir()
    result = convert([inbox(tmp_path / "deep", '<?xml version="1.0" encoding="UTF-8"?>' + deep)])
    assert result.invoices.empty
    (reason,) = [reason for _file, reason in result.refused]
    assert "in more than 3 envelopes" in reason, reason
