"""Read a UBL e-invoice (OIOUBL 2.0x/2.1, OIOUBL 3, Peppol BIS Billing 3.0)
into a :class:`~invoicekit.einvoice.Document`.

All three are UBL 2 ``Invoice`` and ``CreditNote`` documents with the same
elements, but they do not give them the same meaning. OIOUBL 2.x puts the
*tax* in ``LegalMonetaryTotal/TaxExclusiveAmount`` (its schematron rule
F-INV127: the sum of ``TaxTotal/TaxSubtotal/TaxAmount`` must equal
``TaxExclusiveAmount``; the shared examples hold 1262.50 there on a 5050.00 net
total), while OIOUBL 3 and Peppol BIS 3 follow EN 16931, where it is the total
*without* VAT (BT-109). The VAT is read from ``TaxTotal/TaxAmount`` in the
document's currency; only a document without one falls back on
``TaxExclusiveAmount``, read by its format:

- ``CustomizationID`` ``OIOUBL-2.…`` (``OIOUBL-2.01``, ``OIOUBL-2.02``,
  ``OIOUBL-2.1``): OIOUBL 2.x, ``TaxExclusiveAmount`` is the VAT;
- ``CustomizationID`` naming ``oioubl.dk`` (``urn:fdc:oioubl.dk:trns:billing:
  invoice:3.0``): OIOUBL 3, EN 16931 meaning;
- ``CustomizationID`` naming ``peppol.eu`` (``urn:cen.eu:en16931:2017#compliant
  #urn:fdc:peppol.eu:2017:poacc:billing:3.0``): Peppol BIS 3, EN 16931 meaning;
- otherwise ``UBLVersionID`` 2.0 (only OIOUBL used UBL 2.0 in Denmark): OIOUBL
  2.x; anything else is read as plain UBL, whose own definition is EN 16931's.

Documents that are not invoices or credit notes are refused naming what they
are: other UBL documents by their root element (``Reminder``,
``OrderResponse``, ``ApplicationResponse`` …), and OIOUBL 3 reminders and
pro-forma invoices, which are ``Invoice`` documents, by their ``ProfileID``;
a pro-forma invoice also by its type code 325.

CPR numbers: in the notes; in each line's note, item description, item name
and item property values (``AdditionalItemProperty/Value``); in the names of
parties other than the supplier's own; and in any identifier with the scheme
``DK:CPR`` or ``0237`` outside the supplier's parties (a delivery party, a
document reference, a line's delivery party). A line's CPR numbers are the
ones found inside that line, its sub-lines included (``SubInvoiceLine``,
``SubCreditNoteLine``), whose notes, item texts and periods count as the
line's.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from invoicekit.einvoice import (
    PROFORMA_TYPE_CODE,
    Document,
    Line,
    Refused,
    calendar_date,
    cpr_ids_in,
    dated_against_words,
    difference,
    document_kind,
    first_cvr,
    inside,
    is_charge,
    lines_period,
    make_line,
    named_currencies,
    only_one,
    payee_of,
    period_as_said,
    plain_text,
    reference_texts,
    tax_in,
)
from invoicekit.vocabulary import CREDIT_NOTE, INVOICE

UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
CBC = UBL + "CommonBasicComponents-2"
CAC = UBL + "CommonAggregateComponents-2"
ROOTS = {f"{{{UBL}Invoice-2}}Invoice": INVOICE, f"{{{UBL}CreditNote-2}}CreditNote": CREDIT_NOTE}
#: UBL documents that are not invoices, by root element: what they are
NOT_INVOICES = {
    "Reminder": "a reminder (rykker)",
    "OrderResponse": "an order response (ordrebekræftelse)",
    "OrderResponseSimple": "an order response (ordrebekræftelse)",
    "ApplicationResponse": "an application response (a receipt or an answer to a document sent)",
    "Order": "an order",
    "OrderChange": "an order change",
    "OrderCancellation": "an order cancellation",
    "Statement": "a statement of account (kontoudtog)",
    "DespatchAdvice": "a despatch advice (følgeseddel)",
    "UtilityStatement": "a utility statement (forsyningsspecifikation)",
    "Catalogue": "a catalogue",
}
#: the supplier's own parties: a sole trader's CPR there is not a citizen's; and its signature
#: (``cac:Signature``, whose ``SignatoryParty`` is the one who signed for the supplier)
SUPPLIER_PARTIES = (
    "AccountingSupplierParty", "SellerSupplierParty", "PayeeParty", "TaxRepresentativeParty", "Signature",
)  # fmt: skip


#: where a document names a party, a person or a place outside the supplier's party, which a citizen may be
#: written in (a party's name; ``cac:DeliveryLocation/cbc:Name``, an address's ``cbc:MarkAttention``, the
#: buyer's ``cac:Contact``): a second citizen so written was passed over, and the invoice paid on the first's
#: grant (an attack on 0.9.37); an address's own lines too, as CII's are read (``c/o borger …`` in the second
#: street line or an address line: an attack on 0.9.39)
_ADDRESS_PARTS = ("cbc:MarkAttention", "cbc:MarkCare", "cbc:StreetName", "cbc:AdditionalStreetName",
                  "cac:AddressLine/cbc:Line")  # fmt: skip
PERSON_PATHS = (
    ("PartyName", "cbc:Name"),
    ("DeliveryLocation", "cbc:Name"),
    *((address, part) for address in ("Address", "DeliveryAddress", "PostalAddress") for part in _ADDRESS_PARTS),
    ("Contact", "cbc:Name"),
    ("Person", "cbc:FirstName"),
    ("Person", "cbc:MiddleName"),
    ("Person", "cbc:FamilyName"),
)


def _person_texts(root, skip: set[int]) -> list[str]:
    """The texts of :data:`PERSON_PATHS` outside the supplier's party (``skip``)."""
    found = []
    for parent, child in PERSON_PATHS:
        for el in root.iter(_q("cac", parent)):
            if id(el) not in skip:
                found.extend(_text(n) for n in el.findall(_path(*child.split("/"))))
    return found


def is_ubl(root: Element) -> bool:
    return root.tag.startswith(f"{{{UBL}")


def _q(prefix: str, name: str) -> str:
    return f"{{{CBC if prefix == 'cbc' else CAC}}}{name}"


def _path(*steps: str) -> str:
    """``_path("cac:Party", "cbc:ID")`` → an ElementTree path in Clark notation."""
    return "/".join(_q(*s.split(":")) for s in steps)


def _text(el: Element | None) -> str:
    return plain_text(el)


def _texts(el: Element | None, *steps: str) -> list[str]:
    return [_text(e) for e in el.findall(_path(*steps))] if el is not None else []


def ubl_format(root: Element) -> str:
    """``OIOUBL 2.1``, ``OIOUBL 3``, ``Peppol BIS 3``, ``EN 16931`` or ``UBL``
    (see the module's docstring)."""
    customization = _text(root.find(_path("cbc:CustomizationID")))
    if customization.upper().startswith("OIOUBL-2"):
        return "OIOUBL " + customization[len("OIOUBL-") :]
    lowered = customization.casefold()
    if "oioubl.dk" in lowered:
        return "OIOUBL 3"
    if "peppol.eu" in lowered:
        return "Peppol BIS 3"
    if lowered.startswith("urn:cen.eu:en16931"):
        return "EN 16931"
    if _text(root.find(_path("cbc:UBLVersionID"))) == "2.0":
        return "OIOUBL 2.0"
    return "UBL"


def _kind(root: Element) -> str:
    """``invoice`` or ``credit_note``; :class:`Refused` for any other document."""
    local = root.tag.rsplit("}", 1)[-1]
    kind = ROOTS.get(root.tag)
    if kind is None:
        what = NOT_INVOICES.get(local, f"a UBL {local} document")
        raise Refused(f"is {what}, not an invoice or credit note (root element <{local}>); left out")
    profile = _text(root.find(_path("cbc:ProfileID")))
    if "reminder" in profile.casefold():
        raise Refused(f"is a reminder (rykker), sent as an {local} document (ProfileID {profile}); left out")
    # an invoice's and a credit note's type code together are two type codes, refused as two of one
    # name are (an Invoice typed 380 with a CreditNoteTypeCode 381 beside it was posted: an attack on 0.9.35)
    invoice_code = only_one(root.findall(_path("cbc:InvoiceTypeCode")), "InvoiceTypeCode")
    credit_code = only_one(root.findall(_path("cbc:CreditNoteTypeCode")), "CreditNoteTypeCode")
    if invoice_code is not None and credit_code is not None:
        raise Refused(
            "has an InvoiceTypeCode and a CreditNoteTypeCode, two type codes where a document has one; left out"
        )
    type_code = _text(invoice_code if invoice_code is not None else credit_code)
    if "proforma" in profile.casefold() or type_code == PROFORMA_TYPE_CODE:
        raise Refused(
            "is a pro-forma invoice, which claims no payment (type code 325 or a pro-forma profile); left out"
        )
    return document_kind(type_code, kind)


def read_ubl(root: Element) -> Document:
    """The document's values; :class:`Refused` when it is no invoice or credit
    note."""
    kind = _kind(root)
    fmt = ubl_format(root)
    line_tag = _q("cac", "CreditNoteLine" if root.tag.endswith("CreditNote") else "InvoiceLine")
    supplier = only_one(root.findall(_path("cac:AccountingSupplierParty")), "AccountingSupplierParty")
    supplier = only_one(supplier.findall(_path("cac:Party")), "Party") if supplier is not None else None
    # and the party that despatches (a delivery's, at any depth): the supplier's own
    despatch = list(root.iter(_q("cac", "DespatchParty")))
    skip = inside([p for name in SUPPLIER_PARTIES for p in root.findall(_path(f"cac:{name}"))] + despatch)
    currency = _text(only_one(root.findall(_path("cbc:DocumentCurrencyCode")), "DocumentCurrencyCode"))
    totals = only_one(root.findall(_path("cac:LegalMonetaryTotal")), "LegalMonetaryTotal")

    def total(name: str) -> Element | None:
        return only_one(totals.findall(_path(f"cbc:{name}")), name) if totals is not None else None

    period = _period_of(root)

    return Document(
        format=fmt,
        document_type=kind,
        invoice_id=_text(only_one(root.findall(_path("cbc:ID")), "ID")),
        invoice_date=calendar_date(_text(root.find(_path("cbc:IssueDate")))),
        supplier_cvr=supplier_cvr(supplier),
        supplier_name=_supplier_name(supplier),
        currency=currency,
        amount_currencies=tuple(
            (el.get("currencyID") or "")
            for el in (total("TaxInclusiveAmount"), total("PayableAmount"))
            if el is not None
        ),
        total=_text(total("TaxInclusiveAmount")),
        prepaid=_text(total("PrepaidAmount")),
        rounding=_text(total("PayableRoundingAmount")),
        payable=_text(total("PayableAmount")),
        vat=_vat(root, currency, fmt, total),
        period=period,
        period_said=_period_words(root),
        notes=tuple(_texts(root, "cbc:Note")),
        party_texts=tuple(_person_texts(root, skip)),
        cpr_ids=cpr_ids_in(root, skip),
        lines=tuple(_line(el, currency, skip, period) for el in root.findall(line_tag)),
        other_currencies=named_currencies(root),
        corrects=_preceding(root),
        adjustments=tuple(
            (
                is_charge(_text(ac.find(_path("cbc:ChargeIndicator")))),
                _text(ac.find(_path("cbc:Amount"))),
            )
            for ac in root.findall(_path("cac:AllowanceCharge"))
        ),
        allowance_total=_text(total("AllowanceTotalAmount")),
        charge_total=_text(total("ChargeTotalAmount")),
        paid=tuple(_text(el) for el in root.findall(_path("cac:PrepaidPayment", "cbc:PaidAmount"))),
        # its own number and its lines' aside (each line reads its own)
        reference_texts=reference_texts(
            root, skip | {id(el) for el in root.findall(line_tag)}, root.findall(_path("cbc:ID"))
        ),
        payee=payee_of(
            _party(only_one(root.findall(_path("cac:PayeeParty")), "PayeeParty")), _party(supplier) or ("", [], [])
        ),
    )


def _party(party: Element | None) -> tuple[str, list[str], list[str]] | None:
    """A party's CVR number, identifiers and names, for :func:`~invoicekit.einvoice.payee_of`."""
    if party is None:
        return None
    ids = party.findall(_path("cac:PartyIdentification", "cbc:ID")) + party.findall(_path("cbc:EndpointID"))
    ids += party.findall(_path("cac:PartyLegalEntity", "cbc:CompanyID"))
    names = party.findall(_path("cac:PartyName", "cbc:Name")) + party.findall(
        _path("cac:PartyLegalEntity", "cbc:RegistrationName")
    )
    return supplier_cvr(party), [_text(e) for e in ids], [_text(e) for e in names]


def _preceding(root: Element) -> tuple[str, ...]:
    """The numbers of the documents ``root`` names in a ``BillingReference``,
    its own or any line's (a sub-line's too): an invoice, a credit note, a
    self-billed invoice or credit note, a debit note, a reminder … (each a
    ``…DocumentReference``), blank where one has no number, and for a
    reference that names none (only a ``BillingReferenceLine``). A line
    naming one was left out (an invoice correcting another on one line was
    posted: a review of 0.9.24)."""
    found: list[str] = []
    for ref in root.iter(_q("cac", "BillingReference")):
        docs = [doc for doc in ref if doc.tag.endswith("DocumentReference")]
        found += [_text(doc.find(_path("cbc:ID"))) for doc in docs] or [""]
    return tuple(found)


def _tax(tax_totals: list[Element], currency: str) -> str:
    amounts = [a for a in (t.find(_path("cbc:TaxAmount")) for t in tax_totals) if a is not None]
    return tax_in([(_text(a), a.get("currencyID") or "") for a in amounts], currency)


def _vat(root: Element, currency: str, fmt: str, total) -> str:
    """``TaxTotal/TaxAmount`` in the document's currency; else from the totals,
    by the format's meaning of ``TaxExclusiveAmount`` (module docstring)."""
    vat = _tax(root.findall(_path("cac:TaxTotal")), currency)
    if vat:
        return vat
    exclusive = _text(total("TaxExclusiveAmount"))
    if fmt.startswith("OIOUBL 2"):
        return exclusive
    return difference(_text(total("TaxInclusiveAmount")), exclusive)


def _line(el: Element, currency: str, skip: set[int], document: tuple[str, str]) -> Line:
    """One line, with what its sub-lines say (:func:`_sub_lines`;
    ``document``: the document's period)."""
    parts = [el, *_sub_lines(el)]
    items = [part.find(_path("cac:Item")) for part in parts]
    # each part's item by its descriptions, else its name (a sub-line's description pooled with the
    # line's pushed out the line's own name, "Ophold februar 2019": a review of the first version)
    shown = [
        t for item in items for t in ([d for d in _texts(item, "cbc:Description") if d] or _texts(item, "cbc:Name"))
    ]
    return make_line(
        line_no=_text(el.find(_path("cbc:ID"))),
        net=_text(only_one(el.findall(_path("cbc:LineExtensionAmount")), "LineExtensionAmount", "a line")),
        vat=_tax(el.findall(_path("cac:TaxTotal")), currency),
        vat_percent=_text(el.find(_path("cac:Item", "cac:ClassifiedTaxCategory", "cbc:Percent"))),
        period=lines_period(_period_of(el, "a line"), [_period_of(sub, "a sub-line") for sub in parts[1:]], document),
        notes=[t for part in parts for t in _texts(part, "cbc:Note")],
        descriptions=shown if len(parts) > 1 else _texts(items[0], "cbc:Description"),
        names=[t for item in items for t in _texts(item, "cbc:Name")],
        other_texts=[t for item in items for t in _texts(item, "cac:AdditionalItemProperty", "cbc:Value")]
        # where its own parties name a person or a place (its delivery's address lines and contact, as the
        # document's are read: a second citizen written there was passed over, a review of 0.9.40's first version)
        + _person_texts(el, skip)
        # its references (its own number and its sub-lines' aside): a citizen written there is the line's
        + list(reference_texts(el, skip, [x for part in parts for x in part.findall(_path("cbc:ID"))])),
        cpr_ids=cpr_ids_in(el, skip),
    )


def _sub_lines(el: Element) -> list[Element]:
    """The sub-lines of a line (UBL 2.1's ``SubInvoiceLine`` and
    ``SubCreditNoteLine``, nested to any depth), in document order. A sub-line
    details its line (its amount is in the line's): its notes, item texts and
    period say who and what the line is for, and were not read until 0.9.26
    (a line naming no one, with two sub-lines each naming a citizen, was
    posted in full as the first citizen's month: an attack on 0.9.25)."""
    return [
        sub
        for sub in el.iter()
        if sub is not el and sub.tag in (_q("cac", "SubInvoiceLine"), _q("cac", "SubCreditNoteLine"))
    ]


def supplier_cvr(party: Element | None) -> str:
    """The supplier's CVR number: ``PartyLegalEntity/CompanyID``, else
    ``EndpointID``, else ``PartyIdentification/ID``, whichever first carries the
    scheme ``DK:CVR``, ``0184`` or ``9902``; ``DK`` prefix and spaces removed. Blank when
    the supplier has no CVR (a sole trader identified by CPR, or only a GLN)."""
    if party is None:
        return ""
    candidates = (
        party.findall(_path("cac:PartyLegalEntity", "cbc:CompanyID"))
        + party.findall(_path("cbc:EndpointID"))
        + party.findall(_path("cac:PartyIdentification", "cbc:ID"))
    )
    return first_cvr([(el.get("schemeID") or "", _text(el)) for el in candidates])


def _supplier_name(party: Element | None) -> str:
    if party is None:
        return ""
    name = _text(party.find(_path("cac:PartyName", "cbc:Name")))
    return name or _text(party.find(_path("cac:PartyLegalEntity", "cbc:RegistrationName")))


def _period_of(parent: Element, where: str = "a document") -> tuple[str, str]:
    """The start and end of ``parent``'s InvoicePeriod, which it has at most
    once, each date at most once (:func:`~invoicekit.einvoice.only_one`): of
    two periods nothing says which the amount is for."""
    el = only_one(parent.findall(_path("cac:InvoicePeriod")), "InvoicePeriod", where)
    if el is None:
        return "", ""
    start, end = (
        calendar_date(_text(only_one(el.findall(_path(f"cbc:{name}")), name, where)))
        for name in ("StartDate", "EndDate")
    )
    said = [_text(d) for d in el.findall(_path("cbc:Description"))]
    if not (start or end):
        # a period given in words alone (``<cbc:Description>Februar 2019</cbc:Description>``) is a period all
        # the same (a line so dated was paid for its invoice's month: an attack on 0.9.31), and one of dates
        # this reader does not know is none it may pass over
        return period_as_said(el, said)
    # a line's element whose own words name another period than its dates is for neither (the document's:
    # compared in invoice_row, which says so)
    return (start, end) if where == "a document" else dated_against_words((start, end), said)


def _period_words(root: Element) -> tuple[str, ...]:
    """The document's InvoicePeriod's own words (:attr:`~invoicekit.einvoice.Document.period_said`)."""
    return tuple(_text(d) for d in root.findall(_path("cac:InvoicePeriod", "cbc:Description")))
