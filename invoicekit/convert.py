"""Read e-invoices (OIOUBL 2.0x/2.1 and Peppol BIS Billing 3.0 invoices and
credit notes) into the robot's canonical invoice columns.

Both formats are UBL: the same namespaces and the same elements, so one reader
serves both. XML is parsed with :mod:`defusedxml`, which refuses entity
declarations (the "billion laughs" expansion attack) and external references.

A file that cannot be read is *refused* with the reason; every other file gives
one row. Values the robot validates itself (CVR, CPR, amount, dates) are left as
read, so a bad value becomes a manual decision with its reason code rather than
a lost invoice.
"""

from __future__ import annotations

import decimal
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
import pandas as pd

from invoicekit.cells import safe_frame
from invoicekit.errors import InputError
from invoicekit.identifiers import compact_cpr
from invoicekit.parsing import cprs_in_text, period_in_text

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "credit_note",
}
#: UNCL 1001 document type codes that make an ``Invoice`` document a credit note
CREDIT_TYPE_CODES = {"381", "396", "81", "83", "532"}
CVR_SCHEMES = {"DK:CVR", "0184"}
CPR_SCHEMES = {"DK:CPR", "0237"}
#: the supplier's own parties: a sole trader's CPR there is not a citizen's
SUPPLIER_PARTIES = ("AccountingSupplierParty", "SellerSupplierParty", "PayeeParty")

COLUMNS = (
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
    "source",
    "lines",
)


def _q(prefix: str, name: str) -> str:
    return f"{{{CBC if prefix == 'cbc' else CAC}}}{name}"


def _path(*steps: str) -> str:
    """``_path("cac:Party", "cbc:ID")`` → an ElementTree path in Clark notation."""
    return "/".join(_q(*s.split(":")) for s in steps)


def _text(el: Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _scheme(el: Element) -> str:
    return (el.get("schemeID") or "").strip().upper()


class Refused(ValueError):
    """A file that is not a readable UBL invoice or credit note."""


@dataclass
class Conversion:
    """The result of :func:`convert`: ``invoices`` in the canonical columns,
    and ``refused`` as ``(path, reason)`` pairs in the order met."""

    invoices: pd.DataFrame
    refused: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def parse_document(data: bytes, source: str = "") -> dict[str, object]:
    """One e-invoice (bytes of an XML file) as a row of the canonical columns.

    Raises :class:`Refused` with the reason when the bytes are not a UBL
    invoice or credit note, or declare entities or external references.
    """
    if not data.strip():
        raise Refused("the file is empty")
    try:
        root = SafeET.fromstring(data)
    except defusedxml.EntitiesForbidden as exc:
        if exc.sysid or exc.pubid:
            raise Refused(
                "declares an external entity (a reference to another file or address); refused, e-invoices never do"
            ) from None
        raise Refused(
            "declares XML entities, which an e-invoice never needs; refused as a possible entity-expansion attack"
        ) from None
    except defusedxml.ExternalReferenceForbidden:
        raise Refused("refers to an external resource (DTD or entity); refused, e-invoices never do") from None
    except defusedxml.DefusedXmlException as exc:
        raise Refused(f"refused by the safe XML parser ({exc})") from None
    except (LookupError, ValueError) as exc:  # an unknown or multi-byte encoding expat cannot read
        raise Refused(f"declares an encoding the XML parser cannot read ({exc}); expected UTF-8 or UTF-16") from None
    except ParseError as exc:
        line, column = exc.position
        raise Refused(f"is not well-formed XML (line {line}, column {column + 1})") from None
    kind = ROOTS.get(root.tag)
    if kind is None:
        local = root.tag.rsplit("}", 1)[-1]
        raise Refused(
            f"is XML but not a UBL invoice or credit note (root element <{local}>; expected Invoice or "
            "CreditNote in the UBL 2 namespaces)"
        )
    type_code = _text(root.find(_path("cbc:InvoiceTypeCode")))
    if kind == "invoice" and type_code in CREDIT_TYPE_CODES:
        kind = "credit_note"
    line_tag = _q("cac", "CreditNoteLine" if root.tag.endswith("CreditNote") else "InvoiceLine")
    lines = root.findall(line_tag)
    supplier = root.find(_path("cac:AccountingSupplierParty", "cac:Party"))

    notes = [_text(n) for n in root.findall(_path("cbc:Note"))]
    descriptions = []
    for line in lines:
        item = line.find(_path("cac:Item"))
        described = [_text(d) for d in item.findall(_path("cbc:Description"))] if item is not None else []
        described = [d for d in described if d]
        if not described and item is not None:  # a line with a name only: the name says what it is
            described = [_text(item.find(_path("cbc:Name")))]
        descriptions += [d for d in described if d]
    text = " | ".join(dict.fromkeys(t for t in notes + descriptions if t))  # each part once, in order

    payable = root.find(_path("cac:LegalMonetaryTotal", "cbc:PayableAmount"))
    amount = _amount(_text(payable), kind == "credit_note")
    currency = _text(root.find(_path("cbc:DocumentCurrencyCode")))
    if not currency and payable is not None:
        currency = (payable.get("currencyID") or "").strip()

    start, end = _period(root, lines)
    if not start and not end:
        found = period_in_text(text)
        if found:
            start, end = found[0].isoformat(), found[1].isoformat()

    return {
        "invoice_id": _text(root.find(_path("cbc:ID"))),
        "supplier_cvr": supplier_cvr(supplier),
        "amount": amount,
        "cpr": ", ".join(_cprs(root, lines, supplier)),
        "period_start": start,
        "period_end": end,
        "text": text,
        "invoice_date": _text(root.find(_path("cbc:IssueDate"))),
        "supplier_name": _supplier_name(supplier),
        "document_type": kind,
        "currency": currency,
        "source": source,
        "lines": len(lines),
    }


def _amount(text: str, credit: bool) -> str:
    """The payable amount as written, negated for a credit note; left as read
    when it is no number (the robot then says so)."""
    if not credit:
        return text
    try:
        value = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return text
    if not value.is_finite():
        return text
    return str(-value) if value else text


def supplier_cvr(party: Element | None) -> str:
    """The supplier's CVR number: ``PartyLegalEntity/CompanyID``, else
    ``EndpointID``, else ``PartyIdentification/ID``, whichever first carries the
    scheme ``DK:CVR`` or ``0184``; ``DK`` prefix and spaces removed. Blank when
    the supplier has no CVR (a sole trader identified by CPR, or only a GLN)."""
    if party is None:
        return ""
    candidates = (
        party.findall(_path("cac:PartyLegalEntity", "cbc:CompanyID"))
        + party.findall(_path("cbc:EndpointID"))
        + party.findall(_path("cac:PartyIdentification", "cbc:ID"))
    )
    for el in candidates:
        if _scheme(el) in CVR_SCHEMES:
            value = "".join(_text(el).split())
            return value[2:] if value[:2].upper() == "DK" else value
    return ""


def _supplier_name(party: Element | None) -> str:
    if party is None:
        return ""
    name = _text(party.find(_path("cac:PartyName", "cbc:Name")))
    return name or _text(party.find(_path("cac:PartyLegalEntity", "cbc:RegistrationName")))


def _period_of(el: Element | None) -> tuple[str, str]:
    if el is None:
        return "", ""
    return _text(el.find(_path("cbc:StartDate"))), _text(el.find(_path("cbc:EndDate")))


def _period(root: Element, lines: list[Element]) -> tuple[str, str]:
    """The document's ``InvoicePeriod``; else the lines' when every line that
    has one has the same."""
    start, end = _period_of(root.find(_path("cac:InvoicePeriod")))
    if start or end:
        return start, end
    found = {_period_of(line.find(_path("cac:InvoicePeriod"))) for line in lines}
    found.discard(("", ""))
    return found.pop() if len(found) == 1 else ("", "")


def _supplier_side(root: Element) -> set[int]:
    """ids of every element inside the supplier's own parties."""
    inside: set[int] = set()
    for name in SUPPLIER_PARTIES:
        for party in root.findall(_path(f"cac:{name}")):
            inside.update(id(el) for el in party.iter())
    return inside


def _cprs(root: Element, lines: list[Element], supplier: Element | None) -> list[str]:
    """CPR numbers from the notes, the lines' descriptions, names and notes, the
    names of parties other than the supplier's, and any party or reference
    with the scheme ``DK:CPR`` or ``0237``. Distinct, in order of appearance."""
    skip = _supplier_side(root)
    texts = [_text(n) for n in root.findall(_path("cbc:Note"))]
    for line in lines:
        texts += [_text(n) for n in line.findall(_path("cbc:Note"))]
        item = line.find(_path("cac:Item"))
        if item is not None:
            texts += [_text(d) for d in item.findall(_path("cbc:Description"))]
            texts += [_text(d) for d in item.findall(_path("cbc:Name"))]
    for party_name in root.iter(_q("cac", "PartyName")):
        if id(party_name) not in skip:
            texts += [_text(n) for n in party_name.findall(_path("cbc:Name"))]
    found: dict[str, None] = {}  # ordered and distinct
    for t in texts:
        found.update(dict.fromkeys(cprs_in_text(t)))
    for el in root.iter():
        if id(el) in skip or "schemeID" not in el.attrib or _scheme(el) not in CPR_SCHEMES:
            continue
        number = compact_cpr(_text(el))
        if number:
            found[number] = None
    return [_formatted(n) for n in found]


def _formatted(number: str) -> str:
    return f"{number[:6]}-{number[6:]}" if len(number) == 10 and number.isdigit() else number


def xml_files(paths: Sequence[str | Path]) -> list[Path]:
    """The files named, and every ``*.xml`` file under the folders named
    (recursively, sorted). A path that does not exist is an :class:`InputError`."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(_walk(p))
        elif os.path.lexists(p):  # a dangling link is refused as unreadable, with the others converted
            found.append(p)
        else:
            raise InputError(p, None, "no such file or folder")
    # a file named twice (a folder and a file in it, say) is read once
    return _once(found)


def _walk(folder: Path) -> list[Path]:
    """Every *.xml file under ``folder``, following linked folders once each;
    a folder that cannot be listed is an :class:`InputError`."""
    files: list[Path] = []
    seen: set[str] = set()

    def fail(exc: OSError) -> None:
        raise InputError(exc.filename, None, f"cannot be listed ({exc.strerror or exc})")

    for d, dirs, names in os.walk(folder, followlinks=True, onerror=fail):
        real = os.path.realpath(d)
        if real in seen:  # a link back up the tree
            dirs[:] = []
            continue
        seen.add(real)
        files += [Path(d) / f for f in names if f.lower().endswith(".xml")]
    return files


def _once(files: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    out = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def convert(
    paths: Iterable[str | Path],
    on_file: Callable[[Path], None] | None = None,
) -> Conversion:
    """Read every e-invoice under ``paths`` (files, or folders searched
    recursively for ``*.xml``) into one DataFrame of the canonical invoice
    columns plus ``document_type``, ``currency``, ``source`` and ``lines``.
    Files that cannot be read are listed in ``refused`` with the reason."""
    return convert_files(xml_files(list(paths)), on_file)


def convert_files(files: list[Path], on_file: Callable[[Path], None] | None = None) -> Conversion:
    """:func:`convert` for files already listed by :func:`xml_files`."""
    rows: list[dict[str, object]] = []
    refused: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    for path in files:
        if on_file:
            on_file(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            refused.append((str(path), f"cannot be read ({exc.strerror or exc})"))
            continue
        try:
            row = parse_document(data, str(path))
        except Refused as exc:
            refused.append((str(path), str(exc)))
            continue
        if row["currency"] and row["currency"] != "DKK":
            code = str(row["currency"])
            shown = code if len(code) == 3 and code.isalpha() else "an unknown currency"
            warnings.append((str(path), f"the amount is in {shown}, not DKK; the robot reads it as DKK"))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["lines"] = frame["lines"].astype("int64")
    return Conversion(frame, refused, warnings)


def check_out(out: str | Path) -> Path:
    """The output file, checked before any work: a .csv or .xlsx path that is
    not a folder."""
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(out, None, "the output must be a .csv or .xlsx file")
    if out.is_dir():
        raise InputError(out, None, "is a folder; expected the name of a .csv or .xlsx file to write")
    return out


def write_invoices(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write converted invoices as ``.csv`` (UTF-8) or ``.xlsx``, whole or not
    at all."""
    out = check_out(out)
    suffix = out.suffix.lower()
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    # amounts as numbers; text never a formula; CPR numbers kept (the robot reads them)
    frame = safe_frame(frame.assign(amount=_numbers_where_possible(frame["amount"])), mask=False)
    try:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False, encoding="utf-8")
        else:
            from invoicekit.workbook import write_workbook

            write_workbook(tmp, {"Regninger": frame}, mask=False)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _numbers_where_possible(values: pd.Series) -> pd.Series:
    """Amounts read from XML as exact numbers (``Decimal``), text where a
    document held something else (the robot then says what)."""
    out = []
    for v in values.astype(object):
        text = str(v).strip()
        if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
            out.append(Decimal(text))
        else:
            out.append(v)
    return pd.Series(out, index=values.index, dtype=object)
