"""An attack on `convert oioubl`'s citizen and supplier (0.9.37): the CPR number of the citizen and the payee
in real OIOUBL 2.1 / Peppol BIS 3 UBL and CII e-invoices, converted and run through the robot end to end.
Each was posted on citizen A's grant, paid to the supplier, on 0.9.36.

The grants (tests/test_attack_0932_einvoice.py): citizen A 610190-1234 (grant B-1001) and citizen B
620585-2345 (grant B-2001), siblings at Bostedet Solhøj (CVR 29345716), each at 28,500 kr. a month.
Each document below is an invoice of 28,500 kr. for March 2019 that names *both* siblings, or is paid
to someone else than the supplier: none may be posted as A's month paid to Solhøj."""

from __future__ import annotations

import pytest

from tests.test_attack_0932_einvoice import decided, line, peppol
from tests.test_review_0936_einvoice import cii, cii_line
from tests.test_review_0936_einvoice import decided as decided_cii

A = "610190-1234"  # grant B-1001
B = "620585-2345"  # grant B-2001, A's sister at the same home, at the same rate


def _outcome(decisions) -> list[tuple[str, str, str]]:
    return list(zip(decisions["status"], decisions["reason"], decisions["grant_id"], strict=True))


@pytest.mark.parametrize(
    "written",
    [
        "620585 2345",  # a space where the hyphen goes, as the brief's "010190 1234"
        "620585\u20132345",  # Word's autocorrect turns "-" between digits into an en dash
    ],
)
def test_second_citizen_written_with_a_space_or_an_en_dash_is_not_seen(tmp_path, written):
    """An invoice for March for B, whose CPR number the supplier typed ``620585 2345`` (or Word
    made ``620585–2345``), with a note that names her brother A in the usual form ("Søskende
    610190-1234 faktureres særskilt").

    What goes wrong: `convert oioubl` finds only ``610190-1234`` and writes ``cpr`` = A alone;
    the robot, whose cpr cell is filled, never looks at the text again, and posts 28,500 kr. on
    A's grant B-1001 (status ``posted``). B's stay is paid as A's month; A's own March invoice is
    then ``ALREADY_PAID`` and B's month paid again later, or never.

    Why it matters: the invoice names two citizens; the robot was told it names one. The tool's
    own masking reads both forms as a CPR number (``mask_cpr_text('620585 2345')`` gives
    ``620585-xxxx``), and the robot itself reads ``610190–1234`` with an en dash in a CPR cell as
    the citizen (README, "CPR numbers": "the dashes and spaces python-stdnum reads as a hyphen or
    a space are removed"), so the converter passes over a number everything else in the package
    takes for a citizen.

    Right behaviour: an invoice naming more than one distinct CPR number is a collective invoice,
    never paid on one of them (spec check 3, ``MULTIPLE_CPR``; with lines, ``LINES_MISMATCH``):
    convert writes both numbers (or something the robot does not read as one citizen), and the
    invoice goes to a caseworker."""
    doc = peppol(
        f"<cbc:Note>Døgnophold marts 2019 for {written}. Søskende {A} faktureres særskilt.</cbc:Note>",
        "28500.00",
        line(1, "28500.00"),
    )
    outcome = _outcome(decided(tmp_path, doc))
    assert outcome[0][0] != "posted", outcome


_UBL_REFERENCES = {
    # Peppol BT-10, the buyer reference Danish public buyers ask suppliers to fill in (OIOUBL's ContactID)
    "BuyerReference": (f"<cbc:BuyerReference>{B}</cbc:BuyerReference>", "head"),
    # OIOUBL 2.1 requires an order reference; where a buyer gives none, suppliers write their own reference
    "OrderReference": (f"<cac:OrderReference><cbc:ID>{B}</cbc:ID></cac:OrderReference>", "after_period"),
    # BT-19, the buyer's accounting reference (kontostreng / sagsreference)
    "AccountingCost": (f"<cbc:AccountingCost>{B}</cbc:AccountingCost>", "head"),
    # BT-122, a supporting document: the grant letter (bevillingsskrivelse) for the citizen
    "AdditionalDocumentReference": (
        f"<cac:AdditionalDocumentReference><cbc:ID>{B}</cbc:ID>"
        "<cbc:DocumentDescription>Bevillingsskrivelse</cbc:DocumentDescription></cac:AdditionalDocumentReference>",
        "after_period",
    ),
    # the one the service was delivered to, identified under "mutually agreed" (ZZZ), not DK:CPR
    "DeliveryParty ZZZ": (
        '<cac:Delivery><cac:DeliveryParty><cac:PartyIdentification><cbc:ID schemeID="ZZZ">'
        f"{B}</cbc:ID></cac:PartyIdentification></cac:DeliveryParty></cac:Delivery>",
        "before_tax",
    ),
}


@pytest.mark.parametrize("field", [*_UBL_REFERENCES, "CII BuyerReference"])
def test_citizen_in_a_reference_field_beside_another_in_the_note_is_paid_on_the_note(tmp_path, field):
    """An invoice for March whose reference field, the one the municipality tells suppliers to
    fill in (Peppol ``BuyerReference``, OIOUBL's mandatory ``OrderReference/ID``,
    ``AccountingCost``, an ``AdditionalDocumentReference`` to the grant letter, the
    ``DeliveryParty`` identified under the mutually agreed scheme ``ZZZ``; CII's
    ``BuyerReference``), holds citizen B's CPR number ``620585-2345``, and whose note names her
    brother A ("Søskende 610190-1234 faktureres særskilt").

    What goes wrong: `convert oioubl` reads CPR numbers only from notes, item texts, party names
    and CPR-scheme identifiers, so it writes ``cpr`` = A alone, and the robot posts the 28,500 kr.
    on A's grant B-1001 (``posted``): B's stay paid as A's month, a full ten-digit CPR number
    in the document passed over without a word.

    Why it matters: the document names two citizens; which one the money is for is exactly what
    the robot cannot tell, and the spec sends such an invoice to a caseworker (check 3,
    ``MULTIPLE_CPR``: "more than one distinct CPR"). The README already guards a line "that names
    no citizen ... it may be another citizen's, named where the reader does not look"; here the
    other citizen is named, in the very fields Danish buyers ask for references in.

    Right behaviour: a CPR number anywhere in the document outside the supplier's own parties
    counts (or at least stops the invoice): the converted row names both, or is left to a
    caseworker; it is never posted on A alone."""
    if field == "CII BuyerReference":
        doc = cii(f"Døgnophold marts 2019. Søskende {A} faktureres særskilt.", "28500.00", cii_line(1, "28500.00"))
        doc = doc.replace(
            "<ram:ApplicableHeaderTradeAgreement>",
            f"<ram:ApplicableHeaderTradeAgreement><ram:BuyerReference>{B}</ram:BuyerReference>",
        )
        decisions = decided_cii(tmp_path, doc)
    else:
        xml, where = _UBL_REFERENCES[field]
        note = f"<cbc:Note>Døgnophold marts 2019. Søskende {A} faktureres særskilt.</cbc:Note>"
        if where == "head":
            doc = peppol(note + xml, "28500.00", line(1, "28500.00"))
        elif where == "before_tax":
            doc = peppol(note, "28500.00", line(1, "28500.00")).replace("<cac:TaxTotal>", xml + "<cac:TaxTotal>", 1)
        else:
            doc = peppol(note, "28500.00", line(1, "28500.00"), after_period=xml)
        decisions = decided(tmp_path, doc)
    outcome = _outcome(decisions)
    assert outcome[0][0] != "posted", outcome


def test_citizen_under_peppols_former_cpr_scheme_9901_is_not_read(tmp_path):
    """The citizen B identified as the delivery party (the one who received the service) under
    Peppol's former code for DK:CPR, ``schemeID="9901"`` (replaced by ``0237``, as ``9902``, the
    former code for DK:CVR, was replaced by ``0184``), and her brother A named in the note.

    What goes wrong: ``CPR_SCHEMES`` is ``{"DK:CPR", "0237"}``; the converter takes ``9902`` as a
    CVR scheme ("still met in older senders' documents", einvoice.py) but not its sibling
    ``9901`` as a CPR scheme, so it writes ``cpr`` = A alone and the robot posts 28,500 kr. on A's
    grant B-1001 (``posted``).

    Why it matters: a document naming two citizens is paid as one of them (spec check 3,
    ``MULTIPLE_CPR``). README, convert: ``cpr`` is read from "any identifier with scheme
    ``DK:CPR`` or ``0237``", and the supplier's CVR from "``DK:CVR`` or ``0184``, or Peppol's
    former code for it, ``9902``": the former code for CPR is the same case.

    Right behaviour: ``9901`` read as a CPR scheme (the invoice then names two citizens and goes
    to a caseworker), or the invoice otherwise never posted on A alone. (Alone, a citizen named
    under 9901 is simply not found: MISSING_CPR, safe but needlessly manual.)"""
    delivery = (
        "<cac:Delivery><cac:DeliveryParty><cac:PartyIdentification>"
        f'<cbc:ID schemeID="9901">{B.replace("-", "")}</cbc:ID>'
        "</cac:PartyIdentification></cac:DeliveryParty></cac:Delivery>"
    )
    doc = peppol(
        f"<cbc:Note>Døgnophold marts 2019. Søskende {A} faktureres særskilt.</cbc:Note>",
        "28500.00",
        line(1, "28500.00"),
    ).replace("<cac:TaxTotal>", delivery + "<cac:TaxTotal>", 1)
    outcome = _outcome(decided(tmp_path, doc))
    assert outcome[0][0] != "posted", outcome


@pytest.mark.parametrize("syntax", ["UBL", "CII"])
def test_factored_invoice_is_posted_as_a_payment_to_the_supplier(tmp_path, syntax):
    """A factored invoice (*overdraget faktura*): Bostedet Solhøj (CVR 29345716) has sold its
    claim to a factoring company, which the e-invoice says as both standards say it: a
    ``PayeeParty`` (EN 16931 BG-10, the payee "when different from the seller") with the
    factoring company's own CVR number 10000009, its bank account in ``PaymentMeans``, and the
    usual note "Fakturaen er overdraget til Nordisk Factoring A/S; betaling med frigørende
    virkning kan kun ske til ...".

    What goes wrong: `convert oioubl` reads only ``AccountingSupplierParty`` (PayeeParty is merely
    left out of the CPR search) and writes nothing that says the invoice is to be paid to another
    party; no warning, and the robot posts it (``posted``) with ``Leverandør CVR`` 29345716 in
    opus_postings.csv, i.e. OPUS pays Solhøj's NemKonto.

    Why it matters: after notice of the assignment the municipality is discharged only by paying
    the factoring company; paid to the supplier, it may have to pay the invoice again. The robot
    decides "for the wrong supplier" without anyone seeing the payee (spec, introduction:
    anything it cannot decide goes to a caseworker with a reason).

    Right behaviour: an invoice whose payee differs from the supplier (another CVR in
    ``PayeeParty``, CII ``PayeeTradeParty``) is not posted as an ordinary payment to the supplier:
    it goes to a caseworker (or is converted so that the robot cannot post it), with a reason
    naming the payee."""
    payee = (
        '<cac:PayeeParty><cac:PartyIdentification><cbc:ID schemeID="0184">10000009</cbc:ID>'
        "</cac:PartyIdentification><cac:PartyName><cbc:Name>Nordisk Factoring A/S</cbc:Name></cac:PartyName>"
        '<cac:PartyLegalEntity><cbc:CompanyID schemeID="0184">DK10000009</cbc:CompanyID></cac:PartyLegalEntity>'
        "</cac:PayeeParty>"
        "<cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>"
        "<cac:PayeeFinancialAccount><cbc:ID>DK5000400440116243</cbc:ID>"
        "<cbc:Name>Nordisk Factoring A/S</cbc:Name></cac:PayeeFinancialAccount></cac:PaymentMeans>"
    )
    note = (
        f"Døgnophold marts 2019, borger {A}. Fakturaen er overdraget til Nordisk Factoring A/S; "
        "betaling med frigørende virkning kan kun ske til Nordisk Factoring A/S."
    )
    if syntax == "CII":
        cii_payee = (
            '<ram:PayeeTradeParty><ram:ID schemeID="0184">10000009</ram:ID><ram:Name>Nordisk Factoring A/S</ram:Name>'
            '<ram:SpecifiedLegalOrganization><ram:ID schemeID="0184">10000009</ram:ID></ram:SpecifiedLegalOrganization>'
            "</ram:PayeeTradeParty>"
        )
        doc = cii(note, "28500.00", cii_line(1, "28500.00")).replace(
            "<ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>",
            "<ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>" + cii_payee,
            1,
        )
        decisions = decided_cii(tmp_path, doc)
    else:
        doc = peppol(f"<cbc:Note>{note}</cbc:Note>", "28500.00", line(1, "28500.00"))
        decisions = decided(tmp_path, doc.replace("<cac:TaxTotal>", payee + "<cac:TaxTotal>", 1))
    outcome = _outcome(decisions)
    assert outcome[0][0] != "posted", outcome


@pytest.mark.parametrize("written", ["620585 2345", "620585\u20132345", "620585 - 2345", "620585\u00a02345"])
def test_an_extracts_text_naming_a_second_citizen_with_a_space_or_a_dash_names_two(tmp_path, written):
    """The robot itself, on an invoice extract whose CPR cell is blank: the text names B with a space or
    another dash, and A as the spec writes a CPR number. Read as ``\\d{6}-?\\d{4}`` alone, A was the one
    citizen and the invoice was posted on A's grant; it names two, MULTIPLE_CPR."""
    from tests.period_runs import grant, invoice, run_robot

    text = f"Døgnophold marts 2019 for {written}. Søskende 610190-1234 faktureres særskilt."
    ran = run_robot(
        tmp_path, [grant()], [invoice(cpr="", text=text, period_start="2019-03-01", period_end="2019-03-31")]
    )
    d = ran["decisions"].iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "MULTIPLE_CPR"), d.to_dict()


def test_a_factored_invoice_tells_the_caseworker_whom_to_pay(tmp_path):
    """The factored invoice's message says it is to be paid to another party, naming its CVR number."""
    payee = (
        '<cac:PayeeParty><cac:PartyLegalEntity><cbc:CompanyID schemeID="0184">DK10000009</cbc:CompanyID>'
        "</cac:PartyLegalEntity></cac:PayeeParty>"
    )
    doc = peppol(f"<cbc:Note>Døgnophold marts 2019, borger {A}.</cbc:Note>", "28500.00", line(1, "28500.00"))
    decisions = decided(tmp_path, doc.replace("<cac:TaxTotal>", payee + "<cac:TaxTotal>", 1))
    d = decisions.iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "INVALID_AMOUNT"), d.to_dict()
    assert "betales til en anden end leverandøren (CVR 10000009)" in d["message"], d["message"]
    assert "overdraget" in d["message"]
