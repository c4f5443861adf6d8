"""An attack on real e-invoices as suppliers' systems vary them (0.9.38): factored and French corrective type codes, a note naming another period than the period element, a citizen named in the delivery place, an address's attention line or a contact."""

from __future__ import annotations

import pytest

from tests.test_attack_0932_einvoice import decided, line, peppol
from tests.test_review_0936_einvoice import cii, cii_line
from tests.test_review_0936_einvoice import decided as decided_cii

A = "610190-1234"  # grant B-1001
B = "620585-2345"  # grant B-2001, at the same home and the same rate


def _outcome(decisions) -> list[tuple[str, str, str]]:
    return list(zip(decisions["status"], decisions["reason"], decisions["grant_id"], strict=True))


# ---------------------------------------------------------------------------------------------------------------
# 1. a factored invoice (UNTDID 1001 393) is paid to the supplier


@pytest.mark.parametrize("syntax", ["UBL", "CII"])
def test_factored_invoice_type_code_393_is_paid_to_the_supplier(tmp_path, syntax):
    """A Peppol BIS 3 invoice (UBL or CII) of type code ``393``, *Factored invoice* ("invoice
    assigned to a third party for collection", UNTDID 1001; in Peppol's own code list), for A's
    March, whose factoring company is named only as the document type says it (no ``PayeeParty`` /
    ``PayeeTradeParty``: the factor's account is in the payment means, which the robot never reads).

    What goes wrong: ``INVOICE_TYPE_CODES`` lists 393 as a plain invoice, so `convert oioubl`
    writes ``document_type`` = ``invoice``, no warning, and the robot posts 28,500 kr. to Bostedet
    Solhøj on grant B-1001 (``posted``), the month marked paid.

    Why it matters: the type code *is* the notice of assignment. After such a notice the
    municipality pays the supplier at its own risk and may have to pay the factor again. The
    README, `convert` table (``supplier_cvr``): a document "to be paid to another party than the
    supplier ... a factored invoice, *overdraget* ... has its amount written with the payee ... so
    that a caseworker pays the right party (since 0.9.37: it was posted to the supplier, whom the
    municipality may not pay after notice of the assignment)". That guard looks only at the payee
    party; a 393 without one slips past it. The factored *credit note*, 396, already goes to a
    caseworker.

    Right behaviour: a factored invoice (393, and the French CIUS's 501 and 472 that the code also
    lists) is never posted as an ordinary invoice to the supplier: convert writes it so that the
    robot leaves it to a caseworker (as it does for ``PayeeParty``), with a warning."""
    note = f"Døgnophold marts 2019, borger {A}"
    if syntax == "UBL":
        decisions = decided(tmp_path, peppol(f"<cbc:Note>{note}</cbc:Note>", "28500.00", line(1, "28500.00"),
                                             type_code="393"))  # fmt: skip
    else:
        doc = cii(note, "28500.00", cii_line(1, "28500.00")).replace(
            "<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>393</ram:TypeCode>", 1
        )
        assert "<ram:TypeCode>393</ram:TypeCode>" in doc
        decisions = decided_cii(tmp_path, doc)
    outcome = _outcome(decisions)
    assert outcome[0][0] != "posted", outcome


# ---------------------------------------------------------------------------------------------------------------
# 2. corrective invoices under the codes the converter itself takes from the French CIUS are posted


@pytest.mark.parametrize("code", ["471", "472", "473"])
def test_corrective_invoice_type_codes_other_than_384_are_posted_as_invoices(tmp_path, code):
    """An invoice for A's March under type code 471 (self-billed corrective invoice), 472
    (factored corrective invoice) or 473 (self-billed factored corrective invoice): the corrective
    codes of the French CIUS, from which ``INVOICE_TYPE_CODES`` takes "470–473" (einvoice.py). Like
    a Peppol 384, it names no ``BillingReference`` (EN 16931 does not require one).

    What goes wrong: the three codes are in ``INVOICE_TYPE_CODES``, so the document is written
    ``invoice`` and posted on B-1001, where the same correction under 384 is written ``rettet
    faktura`` and left to a caseworker.

    Why it matters: a corrective invoice takes the place of one sent before; posted, it pays again
    what the invoice it corrects may already have paid. README, `convert` table
    (``document_type``): "A corrected invoice (type code 384, or an invoice naming a preceding
    document ...) is written ``rettet faktura`` ... and the robot leaves it to a caseworker as
    neither, who checks what the invoice it corrects was paid (since 0.9.24: a correction under a
    new number of an invoice left to a caseworker was posted)". 472 is moreover factored (see the
    test above).

    Right behaviour: every corrective type code the converter knows (384, 471, 472, 473) is written
    as a corrected invoice, so the robot never posts it."""
    doc = peppol(f"<cbc:Note>Døgnophold marts 2019, borger {A}</cbc:Note>", "28500.00", line(1, "28500.00"),
                 type_code=code)  # fmt: skip
    outcome = _outcome(decided(tmp_path, doc))
    assert outcome[0][0] != "posted", outcome


# ---------------------------------------------------------------------------------------------------------------
# 3. the document's note names another period than its InvoicePeriod: paid for the element's


def test_note_naming_another_period_than_the_invoice_period_is_posted_for_the_element(tmp_path):
    """A Peppol invoice for A whose supplier's system fills ``cac:InvoicePeriod`` with the month it
    is issued in (March), while its note says what the stay was for: ``Periode: 01.02.2019 -
    28.02.2019`` (the form the robot reads), February. No line has a period of its own.

    What goes wrong: `convert oioubl` writes period 2019-03-01 to 2019-03-31 and no warning; the
    robot reads the filled cells, never the text, and posts 28,500 kr. for *March* on B-1001 and
    marks March paid. February, if it was paid already, is now paid twice (and A's real March
    invoice is refused as ``ALREADY_PAID``); if it was not, February stays open and March is paid
    for a month the supplier did not bill.

    Why it matters: the document names two periods and nothing says which the amount is for. The
    converter already refuses to choose in the same case one level down: README, `convert` table
    (``period_start``): "A line without a period of its own is held to the period its text names
    ... (since 0.9.31: a one-citizen March invoice whose one line's text said February was posted
    for March ...)", and an invoice "whose line has a period of its own outside the period it is
    decided on ... a caseworker decides (INVALID_AMOUNT)". The document's own note saying February
    is passed over where a line's note saying it is not.

    Right behaviour: a one-citizen invoice whose notes name one period outside the period it is
    decided on is not posted on either (written so that a caseworker decides, as for a line);
    a note naming the same period as the element is posted as before."""
    other = peppol(f"<cbc:Note>Døgnophold, borger {A}. Periode: 01.02.2019 - 28.02.2019</cbc:Note>", "28500.00",
                   line(1, "28500.00"))  # fmt: skip
    (tmp_path / "feb").mkdir()
    (tmp_path / "mar").mkdir()
    outcome = _outcome(decided(tmp_path / "feb", other))
    assert outcome[0][0] != "posted", outcome
    # the same note naming the element's own month is an ordinary invoice, posted
    same = peppol(f"<cbc:Note>Døgnophold, borger {A}. Periode: 01.03.2019 - 31.03.2019</cbc:Note>", "28500.00",
                  line(1, "28500.00"))  # fmt: skip
    assert _outcome(decided(tmp_path / "mar", same))[0][:2] == ("posted", "")


# ---------------------------------------------------------------------------------------------------------------
# 4. a citizen named in the delivery location, its address or a contact is not read

_DELIVERY_TEXTS = {
    # the brief's case: the place of delivery named after the citizen who lives there
    "DeliveryLocation/Name": f"<cac:Delivery><cac:DeliveryLocation><cbc:Name>Borger {B}</cbc:Name>"
    "</cac:DeliveryLocation></cac:Delivery>",
    # "att." on the delivery address: where suppliers' systems put "who is this for"
    "DeliveryLocation/Address/MarkAttention": "<cac:Delivery><cac:DeliveryLocation><cac:Address>"
    f"<cbc:MarkAttention>Att. borger {B}</cbc:MarkAttention></cac:Address></cac:DeliveryLocation></cac:Delivery>",
    # the buyer's contact, written as the municipality's case ("sag") and the citizen
    "AccountingCustomerParty/Contact/Name": "<cac:AccountingCustomerParty><cac:Party><cbc:EndpointID "
    'schemeID="0088">5798000000001</cbc:EndpointID><cac:PartyName><cbc:Name>Kommunen</cbc:Name></cac:PartyName>'
    f"<cac:Contact><cbc:Name>Socialafdelingen vedr. {B}</cbc:Name></cac:Contact></cac:Party>"
    "</cac:AccountingCustomerParty>",
}


@pytest.mark.parametrize("where", [*_DELIVERY_TEXTS, "CII ShipToTradeParty/DefinedTradeContact/PersonName"])
def test_citizen_in_delivery_location_or_contact_beside_another_in_the_note_is_paid_on_the_note(tmp_path, where):
    """An invoice for B's March whose municipality (EAN in ``AccountingCustomerParty``) asked for the
    citizen on the delivery: B's CPR number is in ``cac:Delivery/cac:DeliveryLocation/cbc:Name``,
    in the delivery address's ``cbc:MarkAttention`` ("Att. borger 620585-2345") or in the buyer's
    ``cac:Contact/cbc:Name`` (CII: the ship-to party's contact, ``ShipToTradeParty/DefinedTradeContact/
    PersonName``); the note names her brother A ("Søskende 610190-1234 faktureres
    særskilt").

    What goes wrong: the converter reads CPR numbers from notes, item texts, ``PartyName/Name``,
    identifiers and ``BuyerReference``/``AccountingCost`` only; a location's name, an address line
    or a contact's name is none of these. It writes ``cpr`` = A alone, and the robot posts the
    28,500 kr. on A's grant B-1001 (``posted``): B's month paid as A's.

    Why it matters: the document names two citizens, so the robot must not choose (spec check 3,
    ``MULTIPLE_CPR``: "more than one distinct CPR"). The same attack through ``OrderReference``,
    ``BuyerReference`` and the delivery party's identifier was mended in 0.9.37
    (tests/test_review_0937_citizens.py: "a CPR number anywhere in the document outside the
    supplier's own parties counts"); the delivery location and the contact, free texts a
    municipality may ask suppliers to fill in, were left out.

    Right behaviour: a valid CPR number in any text outside the supplier's own parties counts: the
    row names both citizens, and the invoice goes to a caseworker."""
    if where.startswith("CII"):
        doc = cii(f"Døgnophold marts 2019. Søskende {A} faktureres særskilt.", "28500.00", cii_line(1, "28500.00"))
        doc = doc.replace(
            "<ram:ApplicableHeaderTradeDelivery/>",
            "<ram:ApplicableHeaderTradeDelivery><ram:ShipToTradeParty><ram:DefinedTradeContact><ram:PersonName>"
            f"Borger {B}</ram:PersonName></ram:DefinedTradeContact></ram:ShipToTradeParty></ram:ApplicableHeaderTradeDelivery>",
        )
        assert B in doc
        outcome = _outcome(decided_cii(tmp_path, doc))
        assert outcome[0][0] != "posted", outcome
        return
    note = f"<cbc:Note>Døgnophold marts 2019. Søskende {A} faktureres særskilt.</cbc:Note>"
    doc = peppol(note, "28500.00", line(1, "28500.00"))
    xml = _DELIVERY_TEXTS[where]
    if where.startswith("AccountingCustomerParty"):
        start = doc.index("<cac:AccountingCustomerParty>")
        end = doc.index("</cac:AccountingCustomerParty>") + len("</cac:AccountingCustomerParty>")
        doc = doc[:start] + xml + doc[end:]
    else:
        doc = doc.replace("<cac:TaxTotal>", xml + "<cac:TaxTotal>", 1)
    assert B in doc
    outcome = _outcome(decided(tmp_path, doc))
    assert outcome[0][0] != "posted", outcome
