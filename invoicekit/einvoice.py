"""E-invoices as the robot's extracts: the rows of the invoice extract and of
the invoice lines extract, built from one e-invoice whatever its syntax.

The syntax readers (:mod:`invoicekit.oioubl` for UBL, :mod:`invoicekit.cii`
for UN/CEFACT CII) only find the values in their XML and hand them over as a
:class:`Document`; every rule about what the values mean lives here, once.

What the rows say (robot spec, "Invoices" and "Invoice lines"):

- ``amount`` is what the service costs: the total including VAT, before any
  prepayment and payable rounding (UBL ``TaxInclusiveAmount``, CII
  ``GrandTotalAmount``), as written, so positive for a credit note, whose
  ``document_type`` says what it is. A document without that total gives the
  payable amount plus the prepaid amount minus the rounding (the same figure
  by the standards' own equation).
- ``prepaid_amount`` is the amount paid on account (``PrepaidAmount``,
  ``TotalPrepaidAmount``). When a document asks for less than its total without
  saying why (payable ≠ total − prepaid + rounding), the difference is written
  as prepaid and a warning says so: the robot then leaves it to a caseworker
  instead of paying a total nobody asked for.
- ``currency`` is the document's currency code; when the totals carry other
  codes as well, every code, joined by ``/``: never DKK unless DKK is all the
  document names. The robot posts DKK only.
- ``vat_amount`` and ``payable_amount`` are for people to see; the robot does
  not read them.
- The invoice number is refused when blank or a placeholder (see
  :func:`check_invoice_id`).

An invoice line's ``amount`` is its net amount (``LineExtensionAmount``,
``LineTotalAmount``) plus its VAT: the VAT the line states itself (OIOUBL 2.x
lines carry a ``TaxTotal``), else the net amount times the line's VAT rate
rounded half up to øre, else nothing. For a VAT-exempt invoice, as a
municipality's social services are, the lines then add up exactly to
``amount`` (the standards require the net amounts to add up to the net total).
With VAT, lines rounded one by one, or a discount or charge on the whole
document, can leave øre between the lines and the total: nothing is spread
over the lines to hide it; a warning names the difference, and the robot,
which needs the lines to add up exactly, sends such an invoice to a
caseworker (``LINES_MISMATCH``).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import decimal
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.etree.ElementTree import Element

from invoicekit.columns import INVOICE_LINE_COLUMNS
from invoicekit.identifiers import compact_cpr, quoted
from invoicekit.parsing import (
    cprs_in_text,
    months_named,
    names_another_month,
    names_another_period,
    names_no_one_period,
    notes_name_another_period,
    period_in_text,
)
from invoicekit.texts import LINE_BREAKS
from invoicekit.vocabulary import (
    ADJUSTED_NOTE,
    CREDIT_NOTE,
    DANISH_TIME,
    DOCUMENT_TYPES,
    INVOICE,
    LINE_PERIOD_NOTE,
    LINES_TOTAL_NOTE,
    MANY_PERIODS,
    NO_CURRENCY,
    PAYEE_NOTE,
    UNNAMED_LINE_NOTE,
    amount_noted,
    document_type_key,
    names_something,
    not_iso_date,
)

#: the columns of the converted invoice extract, in order
INVOICE_COLUMNS = (
    "invoice_id",
    "supplier_cvr",
    "amount",
    "cpr",
    "period_start",
    "period_end",
    "text",
    "invoice_date",
    "supplier_name",
    "document_type",
    "currency",
    "prepaid_amount",
    "vat_amount",
    "payable_amount",
    "format",
    "source",
    "lines",
)
#: the columns of the invoice lines extract (robot spec, "Invoice lines")
LINE_COLUMNS = tuple(c.name for c in INVOICE_LINE_COLUMNS)

#: 9902 is Peppol's former code for DK:CVR, still met in older senders' documents (it left the CVR
#: blank and the invoice to a caseworker until 0.9.32)
CVR_SCHEMES = {"DK:CVR", "0184", "9902"}
#: 9901 is Peppol's former code for DK:CPR, as 9902 was for DK:CVR (not read until 0.9.37: a citizen named
#: under it beside another was passed over, and the invoice paid on the other's grant)
CPR_SCHEMES = {"DK:CPR", "0237", "9901"}
#: the elements beside the identifiers (whose names end in ``ID``) that hold a buyer's references:
#: what municipalities ask suppliers to write the citizen in (:func:`reference_texts`)
REFERENCE_NAMES = ("BuyerReference", "AccountingCost", "CustomerReference", "DocumentDescription")
#: texts of a reference read as its identifiers are, by the element they are in: CII's description of a
#: document referred to (EN 16931 BT-123, UBL's ``DocumentDescription``: a grant letter, "Bevilling for …")
REFERENCE_TEXTS = {"AdditionalReferencedDocument": ("Name",)}
#: UNTDID 1001 document type codes that make an invoice document a credit note
#: (EN 16931's code list; 502 and 503 from the French CIUS): its amount is
#: positive, so its type code is all that tells it from an invoice
CREDIT_TYPE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "502", "503", "532"})
#: UNTDID 1001 codes of invoices (EN 16931's code list, with the French
#: CIUS's 470–473, 500 and 501); 325, pro forma, is refused apart. A code in
#: neither list is written as it stands, so that the robot sends the document
#: to manual as neither an invoice nor a credit note (check 9)
INVOICE_TYPE_CODES = frozenset(
    {"71", "80", "82", "84", "102", "130", "202", "203", "204", "211", "218", "219", "295", "326", "331", "380",
     "382", "383", "385", "386", "387", "388", "389", "390", "393", "394", "395", "456", "457", "470", "471",
     "472", "473", "500", "501", "527", "553", "575", "623", "633", "751", "780", "817", "870", "875", "876", "877",
     "935"}
)  # fmt: skip


def document_kind(type_code: str, root_kind: str) -> str:
    """What a document with this UNTDID 1001 ``type_code`` is to the robot
    (``document_type``): ``credit_note`` for a credit note's code, the kind its
    root element says (``invoice`` or ``credit_note``) for an invoice's code or
    none, :data:`CORRECTED_INVOICE` for a corrected invoice's (384), and the
    code itself for any other, which the robot reads as neither."""
    if type_code in CREDIT_TYPE_CODES:
        return CREDIT_NOTE
    if type_code in CORRECTED_TYPE_CODES:
        return CORRECTED_INVOICE
    if type_code in FACTORED_TYPE_CODES:
        # assigned to a factoring company: paid to the supplier after that notice, it may have to be paid again
        # (a type code alone says so, where a payee party may be left out: an attack on 0.9.37)
        return f"{FACTORED_INVOICE} (typekode {type_code})"
    if not type_code or type_code in INVOICE_TYPE_CODES:
        return root_kind
    if document_type_key(type_code) in DOCUMENT_TYPES:
        # a word or a code spaced out that the robot reads as an invoice or a credit note ("Faktura",
        # "3 8 0"): written so that it reads as neither. As it stood, a CreditNote typed "invoice" was
        # posted as an invoice, and an Invoice typed "Faktura" passed without convert's checks of an
        # invoice (its lines' periods, a correction named): an attack on 0.9.35
        return f"typekode {type_code}"
    return type_code


#: UNTDID 1001 384: a corrected invoice, which takes the place of one sent before
CORRECTED_TYPE_CODE = "384"
#: and the French CIUS's corrective invoices, self-invoiced, factored, or both (471, 472, 473): written as
#: invoices until 0.9.38, they were posted where 384 went to a caseworker (an attack on 0.9.37)
CORRECTED_TYPE_CODES = frozenset({CORRECTED_TYPE_CODE, "471", "472", "473"})
#: UNTDID 1001 393 (a factored invoice) and the French CIUS's 501 (self-billed and factored)
FACTORED_TYPE_CODES = frozenset({"393", "501"})
#: the document type convert writes for a factored invoice: neither an invoice nor a credit note to the
#: robot, so a caseworker pays the party the claim was assigned to
FACTORED_INVOICE = "factoringfaktura"
#: the document type convert writes for an invoice that corrects another (type code 384, or one
#: naming a preceding invoice): neither an invoice nor a credit note to the robot, so a caseworker
#: decides; paid as an invoice, it paid again what the invoice it corrects may have paid (an attack
#: on 0.9.23: a correction under a new number of an invoice left to a caseworker was posted)
CORRECTED_INVOICE = "rettet faktura"


#: UNTDID 1001 325: a pro-forma invoice, which claims no payment
PROFORMA_TYPE_CODE = "325"
#: a text cell longer than this is shortened (Excel holds 32,767 characters in a cell)
MAX_TEXT_CHARS = 32_000
TEXT_SEPARATOR = " | "

_CENT = Decimal("0.01")
#: invoice numbers that stand in for one: words a template leaves behind
_PLACEHOLDER_WORDS = {"ignore", "null", "none", "n/a", "na", "undefined", "placeholder", "tbd", "xxx"}
#: a word wrapped in underscores, as ``___ignore___``
_WRAPPED = re.compile(r"_{2,}.*_{2,}", re.DOTALL)


class Refused(ValueError):
    """A file that is not a readable e-invoice or credit note; the message says why."""


#: a date written year first, as ISO 8601 writes one: ``xs:date`` (``2019-03-01``, with a time zone
#: ``2019-03-01+01:00`` or ``2019-03-01Z``), an ``xs:dateTime`` where the standards want a date
#: (``2019-03-01T00:00:00``, a zone too), and the month or the day without its zero (``2019-3-1``)
_YEAR_FIRST = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:T(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(?P<zone>Z|[+-]\d{2}:\d{2})?"
)


def calendar_date(text: str) -> str:
    """A date written year first as ISO (``2019-03-01``): the day the
    document names, its time left out (some suppliers write a date and time
    where a date belongs, which the robot read as no date: the line's period
    was left out, and the line paid for the invoice's month; an attack on
    0.9.23). A date and time with a zone is the day it is in Denmark then:
    ``2019-02-28T23:00:00Z`` is midnight on 1 March here, a start a system
    wrote in UTC, not a day of February (an ``xs:date`` with a zone,
    ``2019-03-01Z``, names its day whatever the zone). Anything else, or a
    day no calendar has, is left as written: :func:`invoice_row` leaves such
    a date out, and :func:`line_rows` writes it so that the robot reads no
    period (``03/01/2019`` is 1 March in the US and 3 January to the robot,
    which reads day first)."""
    m = _YEAR_FIRST.fullmatch(text.strip())
    day = iso_day(m[1], m[2], m[3]) if m else None
    if day is None:
        return text
    if m["time"] and m["zone"]:
        try:
            moment = dt.datetime.fromisoformat(f"{day}T{_padded(m['time'])}{m['zone']}")
            return moment.astimezone(DANISH_TIME).date().isoformat()
        except (ValueError, OverflowError):  # 24:00 or 12:61, a time no clock shows; a moment before year 1
            return text
    return day


def _padded(time: str) -> str:
    """``9:30`` as ``09:30``, as :meth:`datetime.fromisoformat` reads a time."""
    return time.zfill(len(time) + 1) if time.index(":") == 1 else time


def iso_day(year: str, month: str, day: str) -> str | None:
    """``2019-03-01`` of a day written in parts, None for a day no calendar has."""
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def only_one(found: list[Element], name: str, where: str = "a document") -> Element | None:
    """The one element ``found`` of ``name``, which a document (or ``where``:
    a line) has at most once (a set of totals, a total), None for none:
    :class:`Refused` when it has more, as nothing says which holds."""
    if len(found) > 1:
        raise Refused(f"has {len(found)} {name} elements where {where} has one; left out")
    return found[0] if found else None


def plain_text(el: object) -> str:
    """The value of an element that holds a plain value (an amount, a date,
    an id, a note), trimmed; blank for none. One that holds elements inside
    (``<cbc:PayableAmount>285<b/>00.00</cbc:PayableAmount>``) is refused: its
    text would be the part before the first of them, a value the document
    does not state."""
    if el is None:
        return ""
    if len(el):
        name = el.tag.rsplit("}", 1)[-1]
        raise Refused(f"holds markup inside <{name}>, where a plain value belongs; left out")
    return (el.text or "").strip()


@dataclass(frozen=True)
class Line:
    """One invoice or credit note line, values as written in the document."""

    line_no: str
    net: str
    #: the VAT amount the line states itself, blank when it states none
    vat: str
    #: the line's VAT rate in percent, blank when it has none
    vat_percent: str
    period: tuple[str, str]
    #: the line's notes and descriptions (its name when it has no description)
    texts: tuple[str, ...]
    #: texts searched for CPR numbers: notes, descriptions, names, property values
    cpr_texts: tuple[str, ...]
    #: values under a CPR scheme (``DK:CPR``, ``0237``) inside the line
    cpr_ids: tuple[str, ...]


def period_span(periods: list[tuple[str, str]]) -> tuple[str, str]:
    """From the first day ``periods`` name to the last (the days a line and
    its sub-lines are for); a date that is no ISO date is kept as written (the
    first such), so that the robot refuses it."""

    def bound(dates: list[str], pick) -> str:
        dates = [d for d in dates if d]
        unread = [d for d in dates if not (d.isascii() and ISO_DATE.fullmatch(d))]
        return unread[0] if unread else pick(dates) if dates else ""

    return bound([s for s, _ in periods], min), bound([e for _, e in periods], max)


def period_as_said(el: Element, descriptions: list[str]) -> tuple[str, str]:
    """The period of a period element (UBL's ``InvoicePeriod``, CII's
    ``BillingSpecifiedPeriod``) whose dates read as none: the one period its
    description names, as the robot reads a text (``Februar 2019``); else
    whatever it holds, as written, a period no calendar reads, so that the
    robot finds none and a caseworker decides; ("", "") for an empty one. A
    period element is never read as no period while it says something: a
    line dated in words, or in dates the reader does not know (CII's dates
    without ``udt:DateTimeString``, or in another namespace), was paid for
    its invoice's month (an attack on 0.9.35)."""
    said = " ".join(t for t in descriptions if t)
    if said:
        found = period_in_text(said)
        return (found[0].isoformat(), found[1].isoformat()) if found else (said, said)
    written = " ".join(t.strip() for t in el.itertext() if t.strip())
    return written, written


def lines_period(own: tuple[str, str], subs: list[tuple[str, str]], document: tuple[str, str]) -> tuple[str, str]:
    """A line's period with its sub-lines' (:func:`period_span`): where a
    sub-line has one, from the first day any names to the last, the line's
    own blank period counting as the ``document``'s (blank, a line is for the
    invoice's period: spanned as no days, a sub-line's 1-15 March made an
    undated line 1-15 March: a review of 0.9.26's first version)."""
    dated = [p for p in subs if any(p)]
    if not dated:
        return own
    # a side the line leaves blank is the document's (a start alone was narrowed to a sub-line's end: a review)
    return period_span([(own[0] or document[0], own[1] or document[1]), *dated])


def with_sub_lines(line: Line, subs: list[Line], document: tuple[str, str]) -> Line:
    """``line`` with what its sub-lines say: their texts, CPR numbers and
    periods (:func:`lines_period`, ``document`` the document's period); its
    amounts its own (a sub-line's are in its line's)."""
    if not subs:
        return line
    return dataclasses.replace(
        line,
        period=lines_period(line.period, [sub.period for sub in subs], document),
        texts=line.texts + tuple(t for sub in subs for t in sub.texts),
        cpr_texts=line.cpr_texts + tuple(t for sub in subs for t in sub.cpr_texts),
        cpr_ids=line.cpr_ids + tuple(i for sub in subs for i in sub.cpr_ids),
    )


def dated_against_words(period: tuple[str, str], words: Sequence[str]) -> tuple[str, str]:
    """A period element's dates, or :data:`MANY_PERIODS` for both where ``words`` written beside them (a
    line's own texts, the element's own description) bill another period than theirs
    (:func:`~invoicekit.parsing.names_another_period`): which of the two the amount is for, nobody can
    tell. Dates that are not both ISO days, or no calendar's, are left as they are (their own guards read
    them)."""
    start, end = (d.strip() for d in period)
    if not (start and end and ISO_DATE.fullmatch(start) and ISO_DATE.fullmatch(end)):
        return period
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:  # a day no calendar has (2019-02-30): left as it is, for its own guards (a review)
        return period
    # also a month named without its year, or short (``Døgnophold februar``, ``feb. 2019`` beside March's
    # dates), and dates in digits the reader makes no one period of: reviews of the first version
    text = _full_text([w for w in words if w])
    if first <= last and names_another_period(text, first, last):
        return MANY_PERIODS, MANY_PERIODS
    return period


def make_line(
    line_no: str,
    net: str,
    vat: str,
    vat_percent: str,
    period: tuple[str, str],
    notes: list[str],
    descriptions: list[str],
    names: list[str],
    other_texts: list[str],
    cpr_ids: tuple[str, ...],
) -> Line:
    """A :class:`Line`: its text is its notes and descriptions (its name when
    it has no description); CPR numbers are looked for in all of its texts."""
    descriptions = [d for d in descriptions if d]
    texts = tuple(notes + (descriptions or [n for n in names if n]))
    return Line(
        line_no=line_no,
        net=net,
        vat=vat,
        vat_percent=vat_percent,
        # a line whose own text names a month its period element does not lie in is for neither (an
        # InvoicePeriod of March filled in by the system, "Døgnophold februar 2019" typed by the home: posted
        # for March, an attack on 0.9.39), as a document whose notes do so (invoice_row)
        period=dated_against_words(period, texts),
        texts=texts,
        cpr_texts=tuple(notes + descriptions + names + other_texts),
        cpr_ids=cpr_ids,
    )


@dataclass(frozen=True)
class Document:
    """One e-invoice or credit note as its syntax reader found it: values as
    written (amounts as text, dates ISO where the syntax has another form)."""

    format: str
    document_type: str
    invoice_id: str
    invoice_date: str
    supplier_cvr: str
    supplier_name: str
    currency: str
    #: currency codes on the totals (``currencyID``), in order, blanks included
    amount_currencies: tuple[str, ...]
    total: str
    prepaid: str
    rounding: str
    payable: str
    vat: str
    period: tuple[str, str]
    notes: tuple[str, ...]
    #: names of the parties other than the supplier's own, searched for CPR numbers
    party_texts: tuple[str, ...]
    #: values under a CPR scheme anywhere outside the supplier's parties, lines included
    cpr_ids: tuple[str, ...]
    lines: tuple[Line, ...]
    #: every other currency the document names (:func:`named_currencies`): a
    #: tax currency, a line's or any amount's ``currencyID``
    other_currencies: tuple[str, ...] = ()
    #: the preceding documents it names, the document or any of its lines (UBL ``BillingReference``:
    #: an invoice, credit note, self-billed or debit note reference; CII ``InvoiceReferencedDocument``:
    #: EN 16931's preceding invoice, BT-25), by number, blank for one named without a number
    corrects: tuple[str, ...] = ()
    #: the allowances and charges on the whole document, not on a line: (a charge?, its amount as written)
    adjustments: tuple[tuple[bool, str], ...] = ()
    #: the totals of those, as the document's totals state them (UBL ``AllowanceTotalAmount`` and
    #: ``ChargeTotalAmount``, CII the same names, BT-107 and BT-108), as written: blank for none
    allowance_total: str = ""
    charge_total: str = ""
    #: the payments it says were made on account, each as written (UBL ``PrepaidPayment/PaidAmount``,
    #: CII ``SpecifiedAdvancePayment/PaidAmount``)
    paid: tuple[str, ...] = ()
    #: its references and identifiers outside its lines and the supplier's parties, but its own number
    #: (:func:`reference_texts`), searched for CPR numbers
    reference_texts: tuple[str, ...] = ()
    #: the party to be paid where the document names one other than the supplier (UBL ``PayeeParty``, CII
    #: ``PayeeTradeParty``; :func:`payee_of`): its CVR number and its name, blank where it names none
    payee: tuple[str, str] = ("", "")
    #: the words its period element says beside its dates (UBL ``InvoicePeriod/Description``, CII
    #: ``BillingSpecifiedPeriod/Description``), compared with them as its notes are (:func:`invoice_row`)
    period_said: tuple[str, ...] = ()


def is_charge(indicator: str) -> bool:
    """An allowance or charge's indicator (UBL ``ChargeIndicator``, CII ``ChargeIndicator/Indicator``):
    true (``xs:boolean``'s ``true`` or ``1``) for a charge, anything else an allowance (``1`` was read
    as an allowance, and a caseworker told of a deduction where the supplier added a charge: an
    attack on 0.9.36)."""
    return indicator.strip().casefold() in ("true", "1")


def adjusted_totals(doc: Document) -> tuple[Decimal, Decimal] | None:
    """The totals of the document's own allowances and charges (on the whole document, not on a
    line); None where it has none, or only of 0 (one whose amount is no number counts as one).
    Where its elements say none but 0, the totals it states (``AllowanceTotalAmount``,
    ``ChargeTotalAmount``): read from the elements alone, a collective invoice whose totals took off
    1,500 on the whole of it, without an element or beside one of 0, was posted line by line in full
    (an attack on 0.9.36, and a review of its first mend)."""
    totals = tuple(
        (charge, written)
        for charge, written in ((False, doc.allowance_total), (True, doc.charge_total))
        if written.strip()
    )
    return _summed(doc.adjustments) or _summed(totals)


def _summed(adjustments: tuple[tuple[bool, str], ...]) -> tuple[Decimal, Decimal] | None:
    """The allowances' and the charges' sums of ``adjustments`` ((a charge?, its amount as written));
    None where there is none, or only of 0 (one whose amount is no number counts as one)."""
    allowances = charges = Decimal(0)
    found = False
    for charge, written in adjustments:
        value = number(written.strip())
        if value is None or value != 0:
            found = True
        value = abs(value) if value is not None else Decimal(0)
        if charge:
            charges += value
        else:
            allowances += value
    return (allowances, charges) if found else None


def named_currencies(root: Element) -> tuple[str, ...]:
    """Every currency code the document names anywhere, in order: the
    ``currencyID`` of any amount (lines, taxes, allowances …) and the text of
    any ``…CurrencyCode`` element (a tax currency). A document whose own
    currency code is missing but whose amounts are in EUR is not in DKK."""
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get("currencyID"):
            found.append(el.get("currencyID"))
        if el.tag.rsplit("}", 1)[-1].endswith("CurrencyCode") and (el.text or "").strip():
            found.append(el.text.strip())
    return tuple(found)


#: every character that breaks a line (as Python's ``splitlines`` reads them) and the tabs
_LINE_BREAKS_AND_TABS = str.maketrans(dict.fromkeys(LINE_BREAKS + "\t", " "))


def check_invoice_id(number: str) -> str:
    """The invoice number trimmed; :class:`Refused` when it is blank or a
    placeholder: no letter or digit at all (``---``), a word wrapped in
    underscores (``___ignore___``), or a word a template leaves behind
    (``ignore``, ``null``, ``n/a`` …, any case). A line break or a tab in it
    is a space, as XML Schema reads an identifier (``xs:normalizedString``):
    kept, it split the number's row of the OPUS file over two lines (an
    attack on 0.9.23)."""
    number = number.translate(_LINE_BREAKS_AND_TABS).strip()
    if not number:
        raise Refused("has no invoice number (ID is blank); an invoice the robot cannot name is left out")
    if not names_something(number) or _WRAPPED.fullmatch(number) or number.casefold() in _PLACEHOLDER_WORDS:
        raise Refused(f"has the placeholder {quoted(number[:40])} for an invoice number, not a number; left out")
    return number


def number(text: str) -> Decimal | None:
    """An amount as XML writes one (``xsd:decimal``: ``1234.50``, ``-3``),
    else None: no exponent (``1E+30``), no comma, no space between the digits,
    no ``Infinity``, which :class:`~decimal.Decimal` would read but the
    standards never write (the robot's own reader reads ``28500,00`` and
    ``28 500.00`` as amounts: a total it could read otherwise than the
    document's checks do is no total to pay on)."""
    text = text.strip()
    return Decimal(text) if _XML_DECIMAL.fullmatch(text) else None


#: ``xsd:decimal``'s lexical form (ASCII digits only)
_XML_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

#: the most a payable rounding may be: more is no rounding, but part of the total left unpaid
MAX_ROUNDING = Decimal(1)


def _as_read(text: str) -> Decimal | str:
    """The amount as a number when it is one, else the text as written (the
    robot then says what is wrong with it)."""
    value = number(text)
    return text.strip() if value is None else value


def scheme_of(value: str) -> str:
    """A ``schemeID`` as compared: trimmed, upper case."""
    return value.strip().upper()


def first_cvr(candidates: list[tuple[str, str]]) -> str:
    """The first ``(schemeID, value)`` under a CVR scheme (``DK:CVR``,
    ``0184``, ``9902``) that holds anything, ``DK`` prefix (``DK-`` too) and spaces
    removed; blank when none is. An empty one is passed over (an attack on
    0.9.30: an empty ``CompanyID`` hid the ``EndpointID`` after it, and the
    invoice went to manual as having no CVR number)."""
    for scheme, value in candidates:
        value = "".join(value.split())
        if scheme_of(scheme) in CVR_SCHEMES and value:
            # DK-29345716 was written '-29345716, a formula guarded (found by an attack on 0.9.14)
            return value[2:].removeprefix("-") if value[:2].upper() == "DK" else value
    return ""


def tax_in(amounts: list[tuple[str, str]], currency: str) -> str:
    """The sum of the ``(amount, currencyID)`` in ``currency`` (a blank
    currencyID counts as the document's; with no document currency the first
    only, as a second is in the tax currency); blank when there is none, the
    value as written when one is no number."""
    if not currency.strip():
        amounts = amounts[:1]
    kept = [a for a, cur in amounts if scheme_of(cur or currency) == scheme_of(currency)]
    values = [number(a) for a in kept]
    if not kept:
        return ""
    if None in values:
        return kept[values.index(None)].strip()
    return str(sum(values, Decimal(0)))


def difference(total: str, part: str) -> str:
    """``total - part`` when both are numbers, else blank."""
    a, b = number(total), number(part)
    return str(a - b) if a is not None and b is not None else ""


def inside(elements: list[Element]) -> set[int]:
    """ids of every element in the trees of ``elements`` (the supplier's parties)."""
    return {id(el) for top in elements for el in top.iter()}


#: the parts of a document that say how it is paid, taxed and totalled, whose identifiers are no reference to a
#: citizen: a bank account (``3001234567`` read as 300123-4567), a payment id repeating the invoice's number
#: (a review of 0.9.37's first version sent ordinary invoices to a caseworker by them)
NOT_REFERENCES = frozenset(
    {
        "PaymentMeans", "PaymentTerms", "PrepaidPayment", "TaxTotal", "WithholdingTaxTotal", "LegalMonetaryTotal",
        "SpecifiedTradeSettlementPaymentMeans", "SpecifiedTradePaymentTerms", "SpecifiedAdvancePayment",
        "ApplicableTradeTax", "SpecifiedTradeSettlementHeaderMonetarySummation",
        # and the supplier's own numbers of other documents and of its goods, which it numbers as it numbers its
        # invoices (by date: a despatch note 2403150012 read as a citizen, a second review of 0.9.37), and the
        # invoices a document corrects
        "SalesOrderID", "DespatchDocumentReference", "ReceiptDocumentReference", "BillingReference",
        "SellersItemIdentification", "StandardItemIdentification", "CommodityClassification",
        "SellerOrderReferencedDocument", "DespatchAdviceReferencedDocument", "ReceivingAdviceReferencedDocument",
        "InvoiceReferencedDocument", "SellerAssignedID", "GlobalID",
    }
)  # fmt: skip
#: the schemes an identifier may name and still be a person's: a CPR scheme, the mutually agreed ``ZZZ``, or none;
#: one that names another (a P number under ``DK:P``, a GLN under ``0088``, a CVR number) is no citizen (a P
#: number 1012107685 read as 101210-7685: a second review of 0.9.37)
_PERSON_SCHEMES = frozenset({"", "ZZZ"} | CPR_SCHEMES)


def reference_texts(el: Element, skip: set[int], own: list[Element]) -> tuple[str, ...]:
    """The identifiers (an element whose name ends in ``ID``) and the buyer's
    references (:data:`REFERENCE_NAMES`) in the tree of ``el``, outside the
    elements in ``skip`` (and below them: a skipped element is not entered)
    and the parts that say how it is paid (:data:`NOT_REFERENCES`), as
    written, but the document's or line's own number (the elements ``own``,
    and their text wherever it is repeated): searched for CPR numbers as
    notes are. A citizen written in the buyer's reference, an order or a
    grant letter's reference, or as the party delivered to under another
    scheme, beside another in a note, was passed over, and the invoice paid
    on the other's grant (an attack on 0.9.36)."""
    numbers = {(e.text or "").strip() for e in own}
    skip = skip | {id(e) for e in own}
    found = []
    # depth first, in document order, without recursion (a document may nest deep); each level with the texts
    # read there beside the identifiers (:data:`REFERENCE_TEXTS`)
    stack = [(iter(el), ())]
    while stack:
        e = next(stack[-1][0], None)
        if e is None:
            stack.pop()
            continue
        if not isinstance(e.tag, str) or id(e) in skip:
            continue
        name = e.tag.rsplit("}", 1)[-1]
        if name in NOT_REFERENCES:
            continue
        if len(e):
            stack.append((iter(e), REFERENCE_TEXTS.get(name, ())))
        elif scheme_of(e.get("schemeID") or "") not in _PERSON_SCHEMES:
            continue
        elif (name.endswith("ID") and name != "UUID") or name in REFERENCE_NAMES or name in stack[-1][1]:
            text = (e.text or "").strip()
            if text and text not in numbers:
                found.append(text)
    return tuple(found)


def cpr_ids_in(el: Element, skip: set[int]) -> tuple[str, ...]:
    """Values under a CPR scheme (``schemeID`` ``DK:CPR`` or ``0237``) in the
    tree of ``el``, outside the elements in ``skip``, as written."""
    return tuple(
        (e.text or "").strip()
        for e in el.iter()
        if id(e) not in skip and scheme_of(e.get("schemeID") or "") in CPR_SCHEMES
    )


def formatted_cpr(number: str) -> str:
    return f"{number[:6]}-{number[6:]}" if len(number) == 10 and number.isdigit() else number


def cprs(texts: tuple[str, ...] | list[str], ids: tuple[str, ...] | list[str]) -> list[str]:
    """CPR numbers in ``texts`` (valid dates only), then the values under a CPR
    scheme (as read, for the robot to judge); distinct, in order, formatted
    ``DDMMYY-SSSS``."""
    found: dict[str, None] = {}  # ordered and distinct
    for t in texts:
        found.update(dict.fromkeys(cprs_in_text(t)))
    for value in ids:
        compact = compact_cpr(value)
        if compact:
            found[compact] = None
    return [formatted_cpr(n) for n in found]


def joined(texts: list[str] | tuple[str, ...]) -> tuple[str, bool]:
    """Non-blank texts, each once, in order, joined by ``' | '``; shortened to
    :data:`MAX_TEXT_CHARS` (the flag says whether it was)."""
    return _cut(_full_text(texts))


def _full_text(texts: list[str] | tuple[str, ...]) -> str:
    """Non-blank texts, each once, in order, joined by ``' | '``, never
    shortened: what periods are read from."""
    return TEXT_SEPARATOR.join(dict.fromkeys(t for t in texts if t))


def _cut(text: str) -> tuple[str, bool]:
    """``text`` shortened to :data:`MAX_TEXT_CHARS`, and whether it was."""
    if len(text) > MAX_TEXT_CHARS:
        return text[: MAX_TEXT_CHARS - 1] + "…", True
    return text, False


def _period(doc: Document, text: str, documents: bool = True) -> tuple[str, str]:
    """The document's period (unless ``documents`` is false); else the lines'
    when every line that has one has the same (of an invoice for several
    citizens: when every line has the same, and has one); else the one period
    written in the text (of several citizens, in the document's notes alone).
    A collective invoice's line without a period is for the
    invoice's: one citizen's dated line made the invoice's period, and so
    another citizen's undated line's (an attack on 0.9.23)."""
    if documents and any(doc.period):
        return doc.period
    found = {line.period for line in doc.lines}
    several = len(citizens(doc)) >= 2
    if not several:
        found -= {("", "")}
    if len(found) == 1 and found != {("", "")}:
        return found.pop()
    # of several citizens, the period the document's own notes name, also where no line has one: one citizen's
    # line text ("aflastning februar 2019") was the invoice's period, and another's undated line paid for it (an
    # attack on 0.9.31)
    in_text = period_in_text(_full_text(doc.notes) if several else text)
    return (in_text[0].isoformat(), in_text[1].isoformat()) if in_text else ("", "")


#: a date as e-invoices write it (ISO 8601): compared as text, in order; what convert writes as a date
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_or_blank(*dates: str) -> bool:
    """Whether each of ``dates`` is an ISO date of a day the calendar has, or
    blank: what the robot may be given of an e-invoice's dates (``2019-02-30``
    passed, and a line's period read from it stopped the whole batch with
    "unexpected ValueError": an attack on 0.9.31)."""
    return all(not d or (ISO_DATE.fullmatch(d) and iso_day(*d.split("-")) is not None) for d in dates)


def _as_decided(start: str, end: str, text: str) -> tuple[str, str]:
    """The period the robot decides a row on when one of its period cells is
    blank: that one filled from the one period its text names, where the
    other date lies in that period (as the robot's reader does); else as
    written."""
    if bool(start) == bool(end) or not _iso_or_blank(start, end):
        return start, end
    found = period_in_text(text)
    if not found:
        return start, end
    first, last = found[0].isoformat(), found[1].isoformat()
    return (start or first, end or last) if first <= (start or end) <= last else (start, end)


def _read_period(line: Line) -> tuple[str, str]:
    """A line's period as the robot reads it from the lines extract convert
    writes: its own period element, else the one period its text names (a
    text that says something of its period and names none is left as before:
    a review found one citizen's ordinary lines held, their texts naming a
    case number, a birth date or the month in ISO dates). The guards below looked at the element alone: one citizen's line saying
    ``februar 2019`` under a March document was posted for March, and the same
    line of a collective invoice for February (an attack on 0.9.30)."""
    ls, le = (d.strip() for d in line.period)
    if ls or le:
        return ls, le
    found = period_in_text(_full_text(line.texts))
    if found:
        return found[0].isoformat(), found[1].isoformat()
    return _period_beside(line) or ("", "")


def _period_beside(line: Line) -> tuple[str, str] | None:
    """What a line's other texts (its item's name where it has a
    description, its item's properties; its CPR numbers were read there
    already) say of its period, where neither its period element nor its
    text says one: the one period they name, ISO (a line named ``Døgnophold
    februar 2019``, or with a property ``Periode: februar 2019``, beside a
    description naming no month was paid for its invoice's March: an attack
    on 0.9.35); :data:`MANY_PERIODS` where they say something of it and name
    no one period (``Døgnophold februar``, ``02/2019``: no ISO date, so
    nothing says it lies inside the invoice's period; a review of the first
    mend); None where they say nothing of it."""
    if any(d.strip() for d in line.period) or period_in_text(_full_text(line.texts)):
        return None
    beside = _full_text([t for t in line.cpr_texts if t not in line.texts])
    if not beside:
        return None
    found = period_in_text(beside)
    if found:
        return found[0].isoformat(), found[1].isoformat()
    if months_named(beside) or names_no_one_period(beside):
        return MANY_PERIODS, MANY_PERIODS
    return None


def _lines_outside(doc: Document, start: str, end: str) -> tuple[str, str] | None:
    """For an invoice of one citizen, the first line period (start, end) that
    lies outside the period it is decided on (the document's, else the
    lines' or the text's), or that has a date that is no ISO date (nothing
    says it lies inside); None where none does. A period with only a start
    or only an end is compared on the date it has (a line for February under
    a document that said only that March began was posted for March, the
    robot reading the end from the text: an attack on 0.9.23); one with no
    ISO date, on nothing. Several citizens' lines are posted each on its own
    period, and a credit note is never posted (marked, it would be an
    invoice seen, and the invoice of its number a duplicate): not looked at."""
    if doc.document_type != INVOICE or len(citizens(doc)) > 1:
        return None
    start, end = (d if d and _iso_or_blank(d) else "" for d in (start, end))
    dates = (dt.date.fromisoformat(start), dt.date.fromisoformat(end)) if start and end and start <= end else None
    for line in doc.lines:
        ls, le = _read_period(line)
        if not (ls or le):
            # a line whose words name a month the period does not hold and no one period (``Residential care
            # February 2019``, ``Døgnophold feb. 2019`` under a March invoice: posted for March, an attack on 0.9.40)
            if dates is not None and names_another_month(_full_text(line.texts), *dates):
                return MANY_PERIODS, MANY_PERIODS
            continue
        if not _iso_or_blank(ls, le):
            return ls, le
        if (start and ((ls and ls < start) or (le and le < start))) or (
            end and ((le and le > end) or (ls and ls > end))
        ):
            return ls, le
    return None


def _unnamed_line_apart(doc: Document, period: tuple[str, str]) -> tuple[str, str] | None:
    """For an invoice of one citizen, the period of a line that names no
    citizen and has a day no line naming the citizen has; None where there
    is no such line (or nothing to compare: no ISO dates). Such a line may be
    another citizen's, named where the reader does not look: one citizen's 15
    days and someone's 16 more, at one day rate, made the citizen's whole
    month, posted and marked paid (an attack on 0.9.21; a review found the
    first version let a line through that shared one day with the citizen's,
    and one with a start or an end alone). Where no line naming the citizen
    has a period, such a line is one whose period is not the invoice's whole
    ``period`` (a second review: the citizen's line undated, someone's dated
    16-31 March, was posted)."""
    if doc.document_type != INVOICE or len(doc.lines) < 2 or len(citizens(doc)) != 1:
        return None
    whole = period if all(period) and _iso_or_blank(*period) else None
    named: list[tuple[dt.date, dt.date]] = []
    unnamed: list[tuple[str, str, dt.date, dt.date]] = []
    undated: list[tuple[str, str, dt.date, dt.date]] = []  # lines naming no one, for the invoice's period
    for line in doc.lines:
        ls, le = _read_period(line)
        is_named = bool(cprs(line.cpr_texts, line.cpr_ids))
        if not (ls or le):
            if not is_named and whole is not None:
                undated.append((*whole, dt.date.fromisoformat(whole[0]), dt.date.fromisoformat(whole[1])))
            continue
        if not _iso_or_blank(ls, le):
            if is_named:
                continue  # the citizen's own line: what its dates say is the robot's to read
            return ls, le  # no ISO date: nothing says its days are the citizen's
        try:  # a start or an end alone is that one day
            start, end = dt.date.fromisoformat(ls or le), dt.date.fromisoformat(le or ls)
        except ValueError:
            return ls, le
        if is_named:
            named.append((start, end))
        else:
            unnamed.append((ls, le, start, end))
    if not named:
        for ls, le, start, end in unnamed:
            if whole is None or (start.isoformat(), end.isoformat()) != whole:
                return ls, le
        return None
    # a line naming no one and no period is for the invoice's whole period (UBL, CII): where the
    # citizen's lines cover only part of it, it has days they do not (one citizen's 1-15 March and an
    # undated line of 16 days were posted as the citizen's whole March: an attack on 0.9.23)
    unnamed += undated
    covered = _runs_of_days(named)
    for ls, le, start, end in unnamed:
        if _first_day_not_in(covered, start) <= end:
            return ls, le
    return None


def _runs_of_days(periods: list[tuple[dt.date, dt.date]]) -> tuple[list[dt.date], list[dt.date]]:
    """The days ``periods`` cover, as runs of days (periods that overlap or
    touch joined): their starts and their ends, in order. Sorted once, not
    once per line that is compared with them (a file of 4,000 lines took 3 s
    that way, and ten times the lines a hundred times that)."""
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    for start, end in sorted(periods):
        if ends and start <= ends[-1] + dt.timedelta(days=1):
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _first_day_not_in(runs: tuple[list[dt.date], list[dt.date]], day: dt.date) -> dt.date:
    """The first day from ``day`` on that none of :func:`_runs_of_days`' ``runs`` holds."""
    starts, ends = runs
    k = bisect.bisect_right(starts, day) - 1
    return ends[k] + dt.timedelta(days=1) if k >= 0 and day <= ends[k] else day


def stated_payments(doc: Document) -> Decimal | str | None:
    """What the document says was paid on account (:attr:`Document.paid`): their sum, the texts as
    written (``;``-joined) where one is no number, None where it states none or only 0."""
    written = [p.strip() for p in doc.paid if p.strip()]
    values = [number(p) for p in written]
    if any(v is None for v in values):
        return "; ".join(written)
    total = sum(values, Decimal(0))
    return total if any(values) else None


def _currency(doc: Document) -> str:
    """The document's currency and its totals', ``/``-joined. Where those
    are DKK or say nothing, any other currency the document names anywhere
    is added: DKK only when DKK is all it names (a blank means DKK to the
    robot). A foreign invoice with a DKK tax currency stays its own."""
    own = [c.strip().upper() for c in (doc.currency, *doc.amount_currencies)]
    if set(own) <= {"", "DKK"}:
        own += [c.strip().upper() for c in doc.other_currencies]
    return "/".join(dict.fromkeys(c for c in own if c)) or NO_CURRENCY


def _period_cut_away(full: str, cut: str, period: tuple[str, str]) -> bool:
    """Whether a period cell is blank (so the robot reads the period from the
    text it is given) and the shortened text ``cut`` gives another period than
    the whole text ``full`` does: a note saying last month was paid, then
    32,000 characters, then this month's period, was posted on last month
    (an attack on 0.9.21)."""
    return (not period[0] or not period[1]) and cut != full and period_in_text(cut) != period_in_text(full)


def invoice_row(doc: Document, source: str = "") -> tuple[dict[str, object], list[str]]:
    """The document's row of the invoice extract, and warnings for people."""
    warnings: list[str] = []
    invoice_id = check_invoice_id(doc.invoice_id)
    payable, prepaid = number(doc.payable), number(doc.prepaid)
    rounding = number(doc.rounding) or Decimal(0)
    if abs(rounding) >= MAX_ROUNDING:  # no rounding: what it leaves unpaid is asked less, below
        warnings.append(
            f"has a payable rounding of {rounding}, which is no rounding (at most ±{MAX_ROUNDING - Decimal('0.01')})"
        )
        rounding = Decimal(0)
    amount: Decimal | str
    if doc.total.strip():
        amount = _as_read(doc.total)
    elif payable is not None:
        amount = payable + (prepaid or 0) - rounding
    else:
        amount = doc.payable.strip()
    prepaid_amount: Decimal | str = _as_read(doc.prepaid)
    if isinstance(amount, Decimal) and payable is not None:
        asked_less = amount - (prepaid or 0) + rounding - payable
        if asked_less and (prepaid is not None or not doc.prepaid.strip()):
            # never 0: a stated prepayment the payable amount forgot (prepaid 10000, payable the whole
            # 28500) came out as 0 prepaid, and the robot posted the whole again (an attack on 0.9.35)
            prepaid_amount = (prepaid or 0) + asked_less or prepaid
            warnings.append(
                f"asks for {payable} of a total of {amount} without saying why (prepaid "
                f"{prepaid or 0}, rounding {rounding}); written with {prepaid_amount} prepaid, "
                "so that the robot leaves it to a caseworker"
            )
    if (said := stated_payments(doc)) is not None and not number(str(prepaid_amount) or "0"):
        # payments on account stated, and no prepaid amount (or 0) beside them: the payable amount may
        # have forgotten them (10,000 paid on account, the whole 28,500 payable), and the robot paid the
        # whole again (an attack on 0.9.36); written as prepaid, so that a caseworker settles it
        prepaid_amount = said
        warnings.append(
            f"states payments of {said} made on account (PrepaidPayment, SpecifiedAdvancePayment) and no prepaid "
            f"amount; written with {said} prepaid, so that the robot leaves it to a caseworker"
        )
    unread = [(name, text.strip()) for name, text in (("total", doc.total), ("payable", doc.payable),
              ("prepaid", doc.prepaid), ("rounding", doc.rounding)) if text.strip() and number(text) is None]  # fmt: skip
    if unread:
        # the robot's reader would read 28500,00 or 28 500.00 as an amount: written so that it does not
        amount = f"{doc.total.strip() or doc.payable.strip()} (ikke tal som i XML: {', '.join(n for n, _ in unread)})"
        warnings.append(
            "has amounts that are not written as XML numbers (1234.50): "
            + ", ".join(f"{name} {quoted(value)}" for name, value in unread)
            + "; written so that the robot does not read the amount, and a caseworker decides (INVALID_AMOUNT)"
        )
    currency = _currency(doc)
    if "/" in currency:
        warnings.append(
            f"names several currencies ({currency}); written as such, so the robot leaves it to a caseworker"
        )
    elif currency == NO_CURRENCY:
        warnings.append(
            "names no currency (DocumentCurrencyCode or InvoiceCurrencyCode, which every e-invoice has); written as "
            f"{NO_CURRENCY} (ISO 4217: no currency), so the robot leaves it to a caseworker"
        )
    elif currency and currency != "DKK":
        shown = currency if len(currency) == 3 and currency.isalpha() else "an unknown currency"
        warnings.append(f"is in {shown}, not DKK; written with its currency, so the robot leaves it to a caseworker")
    if payable is not None and payable < 0 and doc.document_type == INVOICE:
        why = (
            "more was paid on account than it costs"
            if prepaid
            else "it credits, and the robot never posts it (CREDIT_NOTE)"
        )
        warnings.append(f"has a negative payable amount ({payable}): {why}")

    notes = list(doc.notes)
    descriptions = [t for line in doc.lines for t in line.texts]
    full = _full_text(notes + descriptions)
    text, shortened = _cut(full)
    if shortened:
        warnings.append(f"has over {MAX_TEXT_CHARS:,} characters of text; the text is shortened")
    if not _iso_or_blank(doc.invoice_date):  # left blank below: said, as the period's (an attack on 0.9.25)
        warnings.append(
            f"has the issue date {doc.invoice_date}, which is no ISO date (2019-03-01): left out (invoice_date blank)"
        )
    start, end = _period(doc, full)
    if not _iso_or_blank(start, end):
        # not the ISO date both syntaxes require: 03/01/2019 is 1 March in the US and 3 January to the
        # robot, which reads day-first (found by an attack on 0.9.14). Left out, as one invoice's (a
        # column of such dates written as they are made the robot refuse the whole extract): the
        # lines' period where they agree, else the text's, as where the document names none
        warnings.append(
            f"has the period {start or '?'} to {end or '?'}, which is no ISO date (2019-03-01): left out, so the "
            "period is the lines' or the text's, or a caseworker decides"
        )
        start, end = _period(doc, full, documents=False)
        if not _iso_or_blank(start, end):
            start, end = "", ""
    if not (start or end) and len(citizens(doc)) >= 2 and period_in_text(full) is not None:
        # of several citizens, the period is the notes' (:func:`_period`); where only a line's text names one,
        # the robot, reading the whole text for blank cells, would make it the invoice's, and another
        # citizen's undated line's (an attack on 0.9.31): none
        warnings.append(
            "is for several citizens and names its one period only in a line's text, not for the invoice: "
            f"the period is written {MANY_PERIODS}, so a line without a period of its own goes to a caseworker"
        )
        start, end = MANY_PERIODS, MANY_PERIODS
    said = period_in_text(_full_text(notes)) if start and end and start != MANY_PERIODS else None
    if (
        doc.period_said
        and (start, end) == tuple(d.strip() for d in doc.period)
        and dated_against_words((start, end), doc.period_said) != (start, end)
    ):
        # the period element's own words name another period than its dates (``<cbc:Description>Døgnophold
        # februar 2019`` beside March's dates: posted for March, an attack on 0.9.39)
        warnings.append(
            f"has the period {start} to {end}, but the period's own description names another: the period is "
            f"written {MANY_PERIODS}, so the robot leaves it to a caseworker (MISSING_PERIOD)"
        )
        start, end = MANY_PERIODS, MANY_PERIODS
        said = None
    if said is None and start and end and start != MANY_PERIODS and _iso_or_blank(start, end) and notes:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        if first <= last and notes_name_another_period(_full_text(notes), first, last):
            # the notes name no one period but a month, a week or dates the element does not hold (``Residential
            # care February 2019``, ``Døgnophold februar``, ``uge 5-8 2019``, ``01.02.19-28.02.19`` beside March's
            # dates: posted for March, an attack on 0.9.40 and a review): as where they name a period
            warnings.append(
                f"has the period {start} to {end}, but its notes name another period: the period is written "
                f"{MANY_PERIODS}, so the robot leaves it to a caseworker (MISSING_PERIOD)"
            )
            start, end = MANY_PERIODS, MANY_PERIODS
    if said is not None and not (said[0].isoformat() <= start and end <= said[1].isoformat()):
        # the period element and the document's own notes name two periods (InvoicePeriod filled with the month
        # of issue, the note saying which month the stay was for): which the amount is for, nobody can tell, and
        # the element's was posted while the note's month may be paid already (an attack on 0.9.37). An element
        # within the note's period (ten days of the April a note names) says the same
        warnings.append(
            f"has the period {start} to {end}, but its notes name {said[0].isoformat()} to {said[1].isoformat()}: "
            f"the period is written {MANY_PERIODS}, so the robot leaves it to a caseworker (MISSING_PERIOD)"
        )
        start, end = MANY_PERIODS, MANY_PERIODS
    if _period_cut_away(full, text, (start, end)):
        warnings.append(
            f"names no one period in its whole text, but another in its first {MAX_TEXT_CHARS:,} characters, which "
            f"the extract holds: the period is written {MANY_PERIODS}, so the robot leaves it to a caseworker "
            "(MISSING_PERIOD)"
        )
        start, end = (MANY_PERIODS, end) if not start else (start, MANY_PERIODS)
    decided_on = _as_decided(start, end, text)
    outside = _lines_outside(doc, *decided_on)
    if outside:
        # one citizen: the robot decides on the document's period, its lines unread; a document whose
        # lines say another period is not paid on either (a month paid twice: found by an attack on
        # 0.9.14). Written in the amount, as lines that contradict the total are: in the period, a
        # column of such made the robot refuse the whole extract as dates exported wrongly
        ls, le = outside
        warnings.append(
            f"its period is {start or '?'} to {end or '?'}, a line's {ls or '?'} to {le or '?'}, outside it: the amount is "
            "written with the line's period, which the robot does not read as an amount, so a caseworker "
            "decides (INVALID_AMOUNT)"
        )
        amount = amount_noted(amount, LINE_PERIOD_NOTE, ls, le)
    apart = _unnamed_line_apart(doc, decided_on) if not outside else None
    if apart:
        ls, le = apart
        warnings.append(
            f"names one citizen, but a line that names no one is for {ls} to {le}, a period no line naming the "
            "citizen has: it may be another citizen's; the amount is written with that line's period, which the "
            "robot does not read as an amount, so a caseworker decides (INVALID_AMOUNT)"
        )
        amount = amount_noted(amount, UNNAMED_LINE_NOTE, ls, le)
    document_type = doc.document_type
    if document_type == INVOICE and doc.corrects:
        document_type = CORRECTED_INVOICE
    if document_type == CORRECTED_INVOICE:
        named = [c for c in dict.fromkeys(doc.corrects) if c]  # each once (lines may name the same), a number
        of = f" of {', '.join(quoted(c) for c in named)}" if named else ""
        warnings.append(
            f"is a correction{of} (type code 384, or a preceding invoice named): written as "
            f"'{document_type}', so the robot leaves it to a caseworker, who checks what the invoice it "
            "corrects was paid"
        )
        if named:
            document_type = f"{CORRECTED_INVOICE} af {', '.join(named)}"
    if document_type.startswith(FACTORED_INVOICE):
        warnings.append(
            f"is a factored invoice ({document_type}): written as '{document_type}', so the robot leaves it to a "
            "caseworker, who pays the party the claim was assigned to"
        )
    if any(payee := doc.payee):
        # a factored invoice: paid to the supplier after notice of the assignment, the municipality may have
        # to pay it again (an attack on 0.9.36)
        warnings.append(
            f"is to be paid to another party than the supplier ({payee[1] or 'a payee'}, CVR {payee[0] or '?'}): "
            "written so that the robot does not read the amount, and a caseworker pays the right party"
        )
        if isinstance(amount, Decimal):
            amount = amount_noted(amount, PAYEE_NOTE, payee[0])
    row = {
        "invoice_id": invoice_id,
        "supplier_cvr": doc.supplier_cvr,
        "amount": amount,
        "cpr": ", ".join(citizens(doc)),
        "period_start": start,
        "period_end": end,
        "text": text,
        "invoice_date": doc.invoice_date if _iso_or_blank(doc.invoice_date) else "",
        "supplier_name": doc.supplier_name,
        "document_type": document_type,
        "currency": currency,
        "prepaid_amount": prepaid_amount,
        "vat_amount": _as_read(doc.vat),
        "payable_amount": _as_read(doc.payable),
        "format": doc.format,
        "source": source,
        "lines": len(doc.lines),
    }
    return row, warnings


#: legal forms a company's name may end in or leave out (``Bostedet Solhøj ApS`` is ``Bostedet Solhøj``)
_LEGAL_FORMS = re.compile(r"[\s,.]+(?:aps|a/s|as|i/s|is|ivs|k/s|p/s|smba|s\.m\.b\.a\.|amba|a\.m\.b\.a\.|fmba)\.?$")


def _party_id(identifier: str) -> str:
    """A party's identifier as compared: letters and digits alone, a ``DK`` before a number aside."""
    said = re.sub(r"[^0-9A-Za-z]", "", identifier).upper()
    return said[2:] if said.startswith("DK") and said[2:].isdigit() else said


def _party_name(name: str) -> str:
    """A party's name as compared: case, spaces and a legal form at its end aside."""
    said = " ".join(name.casefold().split())
    return _LEGAL_FORMS.sub("", said).strip()


def payee_of(
    payee: tuple[str, list[str], list[str]] | None, supplier: tuple[str, list[str], list[str]]
) -> tuple[str, str]:
    """The payee a document names, as its CVR number and name, where it is
    another party than the supplier; ("", "") where it names none, or the
    supplier itself: the same CVR number, another of the same identifiers
    (a GLN), or, where the payee has no CVR number, one of the supplier's
    names (its party name or registered name; a legal form aside). Each
    party is given as (CVR number, identifiers, names). A payee naming the
    supplier by its registered name was taken for a factoring company (a
    review of 0.9.37's first version)."""
    if payee is None:
        return "", ""
    cvr, ids, names = payee
    own_cvr, own_ids, own_names = supplier
    shown = next((n for n in names if n.strip()), "")
    if not cvr and not any(i.strip() for i in ids) and not shown:
        return "", ""
    if cvr:
        return ("", "") if cvr == own_cvr else (cvr, shown)
    if {_party_id(i) for i in ids} - {""} & {_party_id(i) for i in own_ids}:
        return "", ""
    if {_party_name(n) for n in names if n.strip()} & {_party_name(n) for n in own_names if n.strip()}:
        return "", ""
    return cvr, shown or "?"


def citizens(doc: Document) -> list[str]:
    """The CPR numbers the invoice names: in its notes, its lines' notes and
    item texts, and parties other than the supplier's, and identifiers of a
    CPR scheme (see :func:`cprs`)."""
    line_texts = [t for line in doc.lines for t in line.cpr_texts]
    return cprs([*doc.notes, *line_texts, *doc.party_texts, *doc.reference_texts], doc.cpr_ids)


def line_amount(line: Line) -> Decimal | str:
    """The line's net amount plus its VAT (see the module's docstring); the net
    amount as written when it is no number."""
    net = number(line.net)
    if net is None:
        return line.net.strip()
    vat = number(line.vat)
    if vat is None:
        rate = number(line.vat_percent)
        vat = (net * rate / 100).quantize(_CENT, rounding=decimal.ROUND_HALF_UP) if rate else Decimal(0)
    return net + vat


def line_rows(doc: Document, invoice: dict[str, object]) -> tuple[list[dict[str, object]], list[str]]:
    """The document's rows of the invoice lines extract, and a warning when
    lines that name citizens do not add up to the invoice's amount."""
    rows = []
    cut_away: list[str] = []
    not_iso: list[str] = []
    for position, line in enumerate(doc.lines, start=1):
        # a date that is no ISO date (calendar_date read the ISO ones) is written so that the robot reads
        # no period: left blank, it was the invoice's, and a February line was paid for March (an attack
        # on 0.9.23); an invoice's own such date is left out (invoice_row)
        period = tuple(d if _iso_or_blank(d.strip()) else not_iso_date(d.strip()) for d in line.period)
        if period != line.period:
            not_iso.append(line.line_no.strip() or str(position))
        if (beside := _period_beside(line)) is not None:
            # the robot reads the line's period from the text written below, which holds no name or property
            period = beside
        full = _full_text(line.texts)
        text, shortened = _cut(full)
        if shortened and _period_cut_away(full, text, period):
            period = (MANY_PERIODS, period[1]) if not period[0] else (period[0], MANY_PERIODS)
            cut_away.append(line.line_no.strip() or str(position))
        rows.append(
            {
                "invoice_id": invoice["invoice_id"],
                "supplier_cvr": invoice["supplier_cvr"],
                "line_no": line.line_no.strip() or str(position),
                "cpr": ", ".join(cprs(line.cpr_texts, line.cpr_ids)),
                "amount": line_amount(line),
                "period_start": period[0],
                "period_end": period[1],
                "text": text,
            }
        )
    warnings = []
    if not_iso:
        warnings.append(
            f"lines {', '.join(not_iso)} have a period date that is no ISO date (2019-03-01): written as "
            f"{not_iso_date('…')}, so the robot reads no period for them and a caseworker decides"
        )
    if cut_away:
        warnings.append(
            f"lines {', '.join(cut_away)} name no one period in their whole text, but another in its first "
            f"{MAX_TEXT_CHARS:,} characters: their period is written {MANY_PERIODS}, so the robot reads none"
        )
    adjusted = adjusted_totals(doc)
    if adjusted is not None and isinstance(invoice["amount"], Decimal):
        # what each line (each citizen, each period) is owed is not told where the document takes off or
        # adds on the whole of it: a caseworker decides, whether or not the lines add up to the total
        allowances, charges = adjusted
        warnings.append(
            f"has allowances of {allowances} and charges of {charges} on the whole document, not on its lines: "
            "the amount is written with them, which the robot does not read as an amount, so a caseworker "
            "decides (INVALID_AMOUNT)"
        )
        invoice["amount"] = amount_noted(invoice["amount"], ADJUSTED_NOTE, allowances, charges)
        return rows, warnings
    amounts = [r["amount"] for r in rows]
    named = any(r["cpr"] for r in rows)
    if (
        rows
        and isinstance(invoice["amount"], Decimal)
        and all(isinstance(a, Decimal) for a in amounts)
        # lines that name no citizen may differ by the VAT rounded line by line, not by more
        and (sum(amounts) != invoice["amount"] if named else abs(sum(amounts) - invoice["amount"]) >= MAX_ROUNDING)
    ):
        total = sum(amounts)
        if len(citizens(doc)) > 1:
            if not named:  # lines that name no citizen are not posted one by one
                return rows, warnings
            warnings.append(
                f"its lines add up to {total}, the invoice to {invoice['amount']}: posted line by line, "
                "the robot leaves it to a caseworker (LINES_MISMATCH)"
            )
        else:
            # one citizen: the robot decides the invoice as usual, its lines unread; a
            # document whose lines contradict its total is not paid on either
            warnings.append(
                f"its lines add up to {total}, the invoice to {invoice['amount']}: the amount is written "
                "with both, which the robot does not read as an amount, so a caseworker decides (INVALID_AMOUNT)"
            )
            invoice["amount"] = amount_noted(invoice["amount"], LINES_TOTAL_NOTE, total)
    return rows, warnings
