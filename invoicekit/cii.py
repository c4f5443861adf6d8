"""Read a UN/CEFACT Cross Industry Invoice (CII D16B, the second syntax of
EN 16931 and Peppol BIS Billing 3.0) into a
:class:`~invoicekit.einvoice.Document`.

Where each value is found (EN 16931 business terms in brackets):

- number ``ExchangedDocument/ID`` (BT-1), type ``ExchangedDocument/TypeCode``
  (BT-3: a credit-note code makes it a credit note, 325 a refused pro-forma
  invoice), date ``IssueDateTime/DateTimeString`` (BT-2, ``format="102"``
  ``YYYYMMDD`` written ISO), notes ``ExchangedDocument/IncludedNote/Content``;
- supplier ``SellerTradeParty``: CVR from ``SpecifiedLegalOrganization/ID``,
  else ``URIUniversalCommunication/URIID``, else ``GlobalID``, else ``ID``,
  the first with the scheme ``0184``, ``DK:CVR`` or ``9902``; name ``Name``;
- currency ``InvoiceCurrencyCode`` (BT-5); totals in
  ``SpecifiedTradeSettlementHeaderMonetarySummation``: ``GrandTotalAmount``
  (BT-112, the amount), ``TotalPrepaidAmount`` (BT-113), ``RoundingAmount``
  (BT-114), ``DuePayableAmount`` (BT-115), VAT ``TaxTotalAmount`` in the
  invoice currency (BT-110), else ``GrandTotalAmount - TaxBasisTotalAmount``
  (BT-109 is the total without VAT, as in Peppol UBL);
- period ``ApplicableHeaderTradeSettlement/BillingSpecifiedPeriod`` (BG-14);
- lines ``IncludedSupplyChainTradeLineItem`` (BG-25): number
  ``AssociatedDocumentLineDocument/LineID``, note ``…/IncludedNote/Content``,
  net amount ``SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount``,
  VAT rate ``ApplicableTradeTax/RateApplicablePercent`` (a stated
  ``CalculatedAmount`` first), period ``BillingSpecifiedPeriod``, texts
  ``SpecifiedTradeProduct/Description`` and ``Name``;
- CPR numbers as in UBL: in the notes, each line's note, product description,
  name and characteristic values (``ApplicableProductCharacteristic/Value``),
  the names of trade parties other than the seller's, payee's and tax
  representative's, and any identifier with the scheme ``0237`` or ``DK:CPR``
  outside those parties.

Other UN/CEFACT documents (an order, an order response …) are refused naming
their root element.
"""

from __future__ import annotations

import re
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
    iso_day,
    make_line,
    named_currencies,
    only_one,
    payee_of,
    period_as_said,
    plain_text,
    reference_texts,
    tax_in,
    with_sub_lines,
)
from invoicekit.vocabulary import INVOICE

UNCEFACT = "urn:un:unece:uncefact:data:standard:"
RSM = UNCEFACT + "CrossIndustryInvoice:100"
RAM = UNCEFACT + "ReusableAggregateBusinessInformationEntity:100"
UDT = UNCEFACT + "UnqualifiedDataType:100"
ROOT = f"{{{RSM}}}CrossIndustryInvoice"
#: UN/CEFACT documents that are not invoices, by root element: what they are
NOT_INVOICES = {
    "CrossIndustryOrder": "an order",
    "CrossIndustryOrderResponse": "an order response (ordrebekræftelse)",
    "CrossIndustryOrderChange": "an order change",
    "CrossIndustryDespatchAdvice": "a despatch advice (følgeseddel)",
    "CrossIndustryQuotation": "a quotation",
    "CrossIndustryRemittanceAdvice": "a remittance advice",
}
#: the supplier's own parties: a sole trader's CPR there is not a citizen's
#: (the invoicer, who issues the invoice for the seller, and the party goods are shipped from, too:
#: a sole trader's CPR as the invoicer was written as a citizen's, an attack on 0.9.35)
SUPPLIER_PARTIES = (
    "SellerTradeParty", "PayeeTradeParty", "SellerTaxRepresentativeTradeParty", "InvoicerTradeParty",
    "ShipFromTradeParty",
)  # fmt: skip
_DATE_102 = re.compile(r"(\d{4})(\d{2})(\d{2})")
#: UNTDID 2379 formats of a day and a time: the day is what the robot reads
_DAY_AND_TIME = {
    "203": re.compile(r"(\d{4})(\d{2})(\d{2})\d{4}"),
    "204": re.compile(r"(\d{4})(\d{2})(\d{2})\d{6}"),
}
_NS = {"rsm": RSM, "ram": RAM, "udt": UDT}


#: where a trade party names itself, a person or a place (:data:`invoicekit.oioubl.PERSON_PATHS` as CII writes them)
PERSON_PATHS = (
    "ram:Name",
    "ram:DefinedTradeContact/ram:PersonName",
    "ram:DefinedTradeContact/ram:DepartmentName",
    "ram:PostalTradeAddress/ram:LineOne",
    "ram:PostalTradeAddress/ram:LineTwo",
    "ram:PostalTradeAddress/ram:LineThree",
)


def is_cii(root: Element) -> bool:
    return root.tag.startswith(f"{{{UNCEFACT}")


def _text(el: Element | None) -> str:
    return plain_text(el)


def _find(el: Element | None, path: str) -> Element | None:
    return el.find(path, _NS) if el is not None else None


def _all(el: Element | None, path: str) -> list[Element]:
    return el.findall(path, _NS) if el is not None else []


def _one(el: Element | None, path: str) -> Element | None:
    """The element at ``path``, which a document has at most once (a total)
    (:func:`~invoicekit.einvoice.only_one`)."""
    return only_one(_all(el, path), path.rsplit(":", 1)[-1])


def _texts(el: Element | None, path: str) -> list[str]:
    return [_text(e) for e in _all(el, path)]


def _date(el: Element | None) -> str:
    """A ``DateTimeString`` as ISO: its day when it is ``YYYYMMDD`` (format
    102, or no format said), or that and a time, ``YYYYMMDDHHMM`` (203) or
    ``YYYYMMDDHHMMSS`` (204); else as written, read as ISO where it is
    (:func:`~invoicekit.einvoice.calendar_date`). A month (``201903``,
    format 610) or a week (616) names no day: left as written, no date."""
    found = _find(el, "udt:DateTimeString")
    text = _text(found)
    code = (found.get("format") or "").strip() if found is not None else ""
    m = _DAY_AND_TIME[code].fullmatch(text) if code in _DAY_AND_TIME else None
    m = m or _DATE_102.fullmatch(text)
    if m is None:
        return calendar_date(text)
    return iso_day(m[1], m[2], m[3]) or text


def _period(el: Element | None, line: bool = False) -> tuple[str, str]:
    """A BillingSpecifiedPeriod's start and end, each at most once; one whose
    dates read as none, as it says (:func:`~invoicekit.einvoice.period_as_said`); a ``line``'s whose own
    words name another period than its dates, neither
    (:func:`~invoicekit.einvoice.dated_against_words`; the document's are compared in ``invoice_row``)."""
    start, end = _date(_one(el, "ram:StartDateTime")), _date(_one(el, "ram:EndDateTime"))
    if el is None:
        return start, end
    if start or end:
        return dated_against_words((start, end), _texts(el, "ram:Description")) if line else (start, end)
    return period_as_said(el, _texts(el, "ram:Description"))


def _kind(root: Element) -> str:
    local = root.tag.rsplit("}", 1)[-1]
    if root.tag != ROOT:
        what = NOT_INVOICES.get(local, f"a UN/CEFACT {local} document")
        raise Refused(f"is {what}, not an invoice or credit note (root element <{local}>); left out")
    type_code = _text(_one(_one(root, "rsm:ExchangedDocument"), "ram:TypeCode"))
    if type_code == PROFORMA_TYPE_CODE:
        raise Refused("is a pro-forma invoice, which claims no payment (type code 325); left out")
    return document_kind(type_code, INVOICE)


def cii_format(root: Element) -> str:
    guideline = _text(_find(root, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"))
    return "Peppol BIS 3 (CII)" if "peppol.eu" in guideline.casefold() else "CII"


def read_cii(root: Element) -> Document:
    """The document's values; :class:`Refused` when it is no invoice or credit
    note."""
    kind = _kind(root)
    # each at most once: of two settlements (two totals) or two sellers nothing says which holds
    header = _one(root, "rsm:ExchangedDocument")
    trade = _one(root, "rsm:SupplyChainTradeTransaction")
    seller = _one(_one(trade, "ram:ApplicableHeaderTradeAgreement"), "ram:SellerTradeParty")
    settlement = _one(trade, "ram:ApplicableHeaderTradeSettlement")
    sums = _one(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    currency = _text(_one(settlement, "ram:InvoiceCurrencyCode"))
    skip = inside([p for name in SUPPLIER_PARTIES for p in root.iter(f"{{{RAM}}}{name}")])
    grand, payable = _one(sums, "ram:GrandTotalAmount"), _one(sums, "ram:DuePayableAmount")
    period = _period(_one(settlement, "ram:BillingSpecifiedPeriod"))
    vat = tax_in([(_text(t), t.get("currencyID") or "") for t in _all(sums, "ram:TaxTotalAmount")], currency)
    return Document(
        format=cii_format(root),
        document_type=kind,
        invoice_id=_text(_one(header, "ram:ID")),
        invoice_date=_date(_find(header, "ram:IssueDateTime")),
        supplier_cvr=_supplier_cvr(seller),
        supplier_name=_text(_find(seller, "ram:Name")),
        currency=currency,
        amount_currencies=tuple((el.get("currencyID") or "") for el in (grand, payable) if el is not None),
        total=_text(grand),
        prepaid=_text(_one(sums, "ram:TotalPrepaidAmount")),
        rounding=_text(_one(sums, "ram:RoundingAmount")),
        payable=_text(payable),
        vat=vat or difference(_text(grand), _text(_find(sums, "ram:TaxBasisTotalAmount"))),
        period=period,
        period_said=tuple(_texts(_one(settlement, "ram:BillingSpecifiedPeriod"), "ram:Description")),
        notes=tuple(_texts(header, "ram:IncludedNote/ram:Content")),
        party_texts=tuple(
            _text(el)
            for party in root.iter()
            if party.tag.endswith("TradeParty") and id(party) not in skip
            # its name, and where it names a person or a place (a contact, an address's lines): a second citizen
            # written in the ship-to party's contact was passed over (an attack on 0.9.37)
            for path in PERSON_PATHS
            for el in _all(party, path)
        ),
        cpr_ids=cpr_ids_in(root, skip),
        lines=_lines(_all(trade, "ram:IncludedSupplyChainTradeLineItem"), skip, period),
        other_currencies=named_currencies(root),
        corrects=tuple(
            _text(_find(doc, "ram:IssuerAssignedID")) for doc in root.iter(f"{{{RAM}}}InvoiceReferencedDocument")
        ),
        adjustments=tuple(
            (
                is_charge(_text(_find(ac, "ram:ChargeIndicator/udt:Indicator"))),
                _text(_find(ac, "ram:ActualAmount")),
            )
            for ac in _all(settlement, "ram:SpecifiedTradeAllowanceCharge")
        ),
        allowance_total=_text(_one(sums, "ram:AllowanceTotalAmount")),
        charge_total=_text(_one(sums, "ram:ChargeTotalAmount")),
        paid=tuple(_text(el) for el in _all(settlement, "ram:SpecifiedAdvancePayment/ram:PaidAmount")),
        # its own number and its lines' aside (each line reads its own)
        reference_texts=reference_texts(
            root, skip | {id(el) for el in _all(trade, "ram:IncludedSupplyChainTradeLineItem")}, _all(header, "ram:ID")
        ),
        payee=payee_of(_party(_one(settlement, "ram:PayeeTradeParty")), _party(seller) or ("", [], [])),
    )


def _party(party: Element | None) -> tuple[str, list[str], list[str]] | None:
    """A party's CVR number, identifiers and names, for :func:`~invoicekit.einvoice.payee_of`."""
    if party is None:
        return None
    ids = _all(party, "ram:ID") + _all(party, "ram:GlobalID") + _all(party, "ram:SpecifiedLegalOrganization/ram:ID")
    ids += _all(party, "ram:URIUniversalCommunication/ram:URIID")
    names = _all(party, "ram:Name") + _all(party, "ram:SpecifiedLegalOrganization/ram:TradingBusinessName")
    return _supplier_cvr(party), [_text(e) for e in ids], [_text(e) for e in names]


def _supplier_cvr(seller: Element | None) -> str:
    candidates = (
        _all(seller, "ram:SpecifiedLegalOrganization/ram:ID")
        + _all(seller, "ram:URIUniversalCommunication/ram:URIID")
        + _all(seller, "ram:GlobalID")
        + _all(seller, "ram:ID")
    )
    return first_cvr([(el.get("schemeID") or "", _text(el)) for el in candidates])


def _lines(items: list[Element], skip: set[int], document: tuple[str, str]) -> tuple[Line, ...]:
    """The document's lines, each with what its sub-lines say
    (:func:`~invoicekit.einvoice.with_sub_lines`): a line naming its parent
    line (``AssociatedDocumentLineDocument/ParentLineID``, XRechnung's and
    Factur-X's sub-lines, whose amounts are in their parent's) counts as a
    part of the line at the top of its parents. Read as lines of their own,
    they were counted twice and a second citizen's line asked the supplier for
    a corrected invoice that was not wrong (an attack on 0.9.25). A parent
    that names no one line (missing, its number given twice, a circle) leaves
    it a line of its own, which the robot does not add up to the total."""
    lines = [_line(el, skip) for el in items]
    parent = [_text(_find(_find(el, "ram:AssociatedDocumentLineDocument"), "ram:ParentLineID")) for el in items]
    numbered: dict[str, list[int]] = {}
    for k, line in enumerate(lines):
        numbered.setdefault(line.line_no, []).append(k)

    tops: dict[int, int | None] = {}  # each line's top, found once (walked from every line, a chain was quadratic)

    def top(k: int) -> int | None:
        path, seen = [], set()
        while k not in tops and parent[k]:
            found = numbered.get(parent[k], [])
            if len(found) != 1 or k in seen:
                tops[k] = None  # no one parent, or a circle
                break
            seen.add(k)
            path.append(k)
            k = found[0]
        reached = tops.get(k, k)
        for on in path:
            tops[on] = reached
        return reached

    subs: dict[int, list[Line]] = {}
    is_sub = set()
    for k in range(len(lines)):
        at = top(k) if parent[k] else None
        if at is not None and at != k:
            subs.setdefault(at, []).append(lines[k])
            is_sub.add(k)
    return tuple(with_sub_lines(line, subs.get(k, []), document) for k, line in enumerate(lines) if k not in is_sub)


def _line(el: Element, skip: set[int]) -> Line:
    document = _find(el, "ram:AssociatedDocumentLineDocument")
    product = _find(el, "ram:SpecifiedTradeProduct")
    # at most once: of two, the first's amount and period were paid and the second's left unread
    # (an attack on 0.9.23), as UBL's line with two periods or two amounts is refused
    settlement = only_one(_all(el, "ram:SpecifiedLineTradeSettlement"), "SpecifiedLineTradeSettlement", "a line")
    return make_line(
        line_no=_text(_find(document, "ram:LineID")),
        net=_text(
            only_one(
                _all(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"),
                "LineTotalAmount",
                "a line",
            )
        ),
        vat=_text(_find(settlement, "ram:ApplicableTradeTax/ram:CalculatedAmount")),
        vat_percent=_text(_find(settlement, "ram:ApplicableTradeTax/ram:RateApplicablePercent")),
        period=_period(_one(settlement, "ram:BillingSpecifiedPeriod"), line=True),
        notes=_texts(document, "ram:IncludedNote/ram:Content"),
        descriptions=_texts(product, "ram:Description"),
        names=_texts(product, "ram:Name"),
        other_texts=_texts(product, "ram:ApplicableProductCharacteristic/ram:Value")
        # its own parties' names, and where they name a person or a place, as the document's are read (a second
        # citizen in a line's ship-to contact or address line was passed over: a review of 0.9.40's first version)
        + [_text(n) for p in el.iter() if p.tag.endswith("TradeParty") for path in PERSON_PATHS for n in _all(p, path)]
        # its references (its own number and its parent's aside): a citizen written there is the line's
        + list(reference_texts(el, skip, _all(document, "ram:LineID") + _all(document, "ram:ParentLineID"))),
        cpr_ids=cpr_ids_in(el, skip),
    )
