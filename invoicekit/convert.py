"""Convert e-invoice files into the robot's extracts: find the XML files,
parse each one safely, hand it to the reader of its syntax (UBL:
:mod:`invoicekit.oioubl`, UN/CEFACT CII: :mod:`invoicekit.cii`), and write the
invoice extract and the invoice lines extract (rows by
:mod:`invoicekit.einvoice`).

XML is parsed with :mod:`defusedxml`, and a document type declaration (DTD)
is refused, whatever the syntax: e-invoices never have one, and it is where
entity declarations (the "billion laughs" expansion attack), attribute
defaults and external references hide. A file over :data:`MAX_XML_BYTES`, or
with more ``=`` signs than :data:`MAX_XML_ATTRIBUTES`, is refused before it
is read; one nested deeper than :data:`MAX_XML_DEPTH` or holding more than
:data:`MAX_XML_ELEMENTS` elements is refused as it is read. Each of these
once made a file of under 100 MB take gigabytes of memory (bounds measured by
``benchmarks/bench_limits.py xml``).

A file that cannot be read, or is no invoice or credit note, is *refused* with
the reason, one line each; every other file gives one invoice row and a row per
invoice line. Values the robot validates itself (CVR, CPR, amount, dates) are
left as read, so a bad value becomes a manual decision with its reason code
rather than a lost invoice.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import defusedxml
import defusedxml.ElementTree as SafeET
import pandas as pd

from invoicekit.cells import safe_frame
from invoicekit.cii import is_cii, read_cii
from invoicekit.einvoice import INVOICE_COLUMNS, ISO_DATE, LINE_COLUMNS, Document, Refused, invoice_row, line_rows
from invoicekit.errors import InputError, make_folder
from invoicekit.formats import EXCEL_DECIMAL2
from invoicekit.identifiers import compact_cvr, utf8_path
from invoicekit.keys import normalise_number
from invoicekit.oioubl import is_ubl, read_ubl
from invoicekit.readers import MAX_CELL_BYTES
from invoicekit.vocabulary import CREDIT_NOTE
from invoicekit.workbook import write_workbook

#: an e-invoice file larger than this is refused unread (100 MB: far above any
#: invoice with its attachments, far below what would exhaust memory)
MAX_XML_BYTES = 100_000_000
#: elements inside one another at most (an OIOUBL or Peppol invoice, its
#: signature and extensions included, nests about 15 deep)
MAX_XML_DEPTH = 100
#: elements in one file at most (an invoice line is about 30: some 30,000
#: lines; the tree of a million elements takes about 150 MiB)
MAX_XML_ELEMENTS = 1_000_000
#: attributes and namespace declarations in one file at most, counted as its
#: ``=`` signs before it is read (each has one): the parser makes all of an
#: element's attributes before the tree sees any of them (one element of 9
#: million attributes, 98 MB, took 2.7 GiB)
MAX_XML_ATTRIBUTES = 1_000_000
#: pieces of one text gathered before they are joined: comments, processing
#: instructions and CDATA sections split a text into pieces, each some 60
#: bytes of memory as a Python text (95 MB of them took 1.2 GiB)
_TEXT_PIECES = 4096


class _BoundedTree:
    """The element tree of a file being parsed (:class:`TreeBuilder`'s), which
    refuses (:class:`Refused`) an element nested deeper than
    :data:`MAX_XML_DEPTH` or one more than :data:`MAX_XML_ELEMENTS` as the
    parser meets it: well under the limit on bytes, a file of bare elements
    would otherwise be built whole first, at about 300 bytes of memory an
    element. A text comes in pieces, joined a few thousand at a time and
    handed on whole where an element starts or ends, as the tree builder
    joins them; comments and processing instructions are left out, as it
    leaves them out."""

    def __init__(self) -> None:
        self._tree = TreeBuilder()
        self._depth = 0
        self._elements = 0
        self._pieces: list[str] = []
        self._joined: list[str] = []

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self._flush()
        self._depth += 1
        self._elements += 1
        if self._depth > MAX_XML_DEPTH:
            raise Refused(f"nests elements more than {MAX_XML_DEPTH} deep; refused, e-invoices never do")
        if self._elements > MAX_XML_ELEMENTS:
            raise Refused(f"holds more than {MAX_XML_ELEMENTS:,} elements; refused, far more than an e-invoice holds")
        return self._tree.start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._flush()
        self._depth -= 1
        return self._tree.end(tag)

    def data(self, text: str) -> None:
        self._pieces.append(text)
        if len(self._pieces) >= _TEXT_PIECES:
            self._joined.append("".join(self._pieces))
            self._pieces.clear()

    def comment(self, text: str) -> None:
        """Left out of the tree."""

    def pi(self, target: str, text: str | None = None) -> None:
        """Left out of the tree."""

    def close(self) -> Element:
        self._flush()
        return self._tree.close()

    def _flush(self) -> None:
        if self._pieces or self._joined:
            self._tree.data("".join([*self._joined, *self._pieces]))
            self._pieces.clear()
            self._joined.clear()


#: the XML declaration's encoding name, in a file whose declaration is ASCII
_DECLARED_ENCODING = re.compile(
    rb"""\A(\xef\xbb\xbf)?(<\?xml\s[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._-]{1,40})(["'])"""
)
#: how a UTF-32 file begins (XML 1.0, appendix F): with a byte order mark, big or little
#: endian, or without one, with its first character ``<``
_UTF32_STARTS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"<\x00\x00\x00", b"\x00\x00\x00<")
#: the spellings expat reads of the encodings it reads itself, by Python's name
_EXPAT_NAMES = {"utf-8": b"UTF-8", "iso8859-1": b"ISO-8859-1", "ascii": b"US-ASCII"}


def _expat_spelling(data: bytes) -> bytes:
    """``data`` with a declared encoding that expat reads under another
    spelling (``utf8``, ``UTF_8``, ``latin1``) spelled as expat spells it:
    expat misread such a file and refused it as not well-formed at its
    first letter beyond ASCII, never naming the encoding."""
    m = _DECLARED_ENCODING.match(data)
    if not m:
        return data
    try:
        name = codecs.lookup(m[3].decode("ascii")).name
    except LookupError:
        return data  # unknown: the parser says so
    spelled = _EXPAT_NAMES.get(name)
    if spelled is None or m[3].upper() == spelled:
        return data
    return data[: m.start(3)] + spelled + data[m.end(3) :]


def _fits_utf8(codec: str | None, data: bytes) -> bool:
    """Whether a declared encoding agrees with a UTF-8 byte order mark: UTF-8
    itself, or ASCII for a file of ASCII alone (a review: such files read
    before)."""
    return codec in ("utf-8", "utf-8-sig") or (codec == "ascii" and data[3:].isascii())


def _codec(name: bytes) -> str | None:
    """Python's name of a declared encoding; None where it knows none."""
    try:
        return codecs.lookup(name.decode("ascii")).name
    except LookupError:
        return None


def _parsed(data: bytes) -> Element:
    """The root of the XML in ``data``, parsed by defusedxml's parser into a
    :class:`_BoundedTree`; a document type declaration (DTD) is refused
    (``DTDForbidden``)."""
    parser = SafeET.DefusedXMLParser(target=_BoundedTree(), forbid_dtd=True)
    parser.feed(_expat_spelling(data))
    return parser.close()


def _dtd_refusal(data: bytes, dtd: defusedxml.DTDForbidden) -> str:
    """Why a file with a document type declaration is refused: an e-invoice
    never has one, and its declarations are where entity expansion, attribute
    defaults that cost memory far beyond the file's size and references to
    other files hide. The most telling of them found in the declaration is
    named (looked for in its ASCII letters: a UTF-16 file's zero bytes left
    out)."""
    text = data.replace(b"\x00", b"")  # UTF-16's ASCII letters as ASCII (XML holds no zero byte)
    at = max(text.find(b"<!DOCTYPE"), 0)
    end, subset = text.find(b">", at), text.find(b"[", at)
    if 0 <= subset < end:  # declarations inside [ ]: up to their end
        end = text.find(b"]>", subset)
    declared = text[at : end if end >= 0 else len(text)]
    if re.search(rb"<!ENTITY\s[^>]*\s(?:SYSTEM|PUBLIC)\s", declared):
        return "declares an external entity (a reference to another file or address); refused, e-invoices never do"
    if re.search(rb"<!ENTITY\s", declared):
        return "declares XML entities, which an e-invoice never needs; refused as a possible entity-expansion attack"
    if dtd.sysid or dtd.pubid:
        return "refers to an external document type (DTD); refused, e-invoices never do"
    return (
        "declares a document type (DTD), which an e-invoice never has; refused (its declarations can make "
        "the file take memory far beyond its size)"
    )


@dataclass
class Conversion:
    """The result of :func:`convert`: ``invoices`` in :data:`INVOICE_COLUMNS`,
    ``lines`` in :data:`LINE_COLUMNS`, ``refused`` and ``warnings`` as
    ``(path, reason)`` pairs in the order met."""

    invoices: pd.DataFrame
    lines: pd.DataFrame
    refused: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def read_document(data: bytes) -> Document:
    """One e-invoice (the bytes of an XML file), UBL or CII.

    Raises :class:`Refused` with the reason when the bytes are too large,
    hold too many attributes, nest too deep or hold too many elements, are not
    well-formed, declare a document type (entities, attribute defaults,
    external references), or are no invoice or credit note."""
    if len(data) > MAX_XML_BYTES:
        raise Refused(f"is {len(data) / 1e6:,.0f} MB; expected an e-invoice of at most {MAX_XML_BYTES // 1_000_000} MB")
    if not data.strip():
        raise Refused("the file is empty")
    if data.count(b"=") > MAX_XML_ATTRIBUTES:
        raise Refused(
            f"holds more than {MAX_XML_ATTRIBUTES:,} '=' signs, so as many attributes may be; refused unread, far "
            "more than an e-invoice holds"
        )
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared[1] and not _fits_utf8(_codec(declared[3]), data):
        # XML 1.0, appendix F: a byte order mark says the encoding; expat let the declaration win,
        # and a UTF-8 file declaring ISO-8859-1 was read Solhã¸j (an attack on 0.9.21)
        raise Refused(
            f"starts with a UTF-8 byte order mark but declares the encoding {declared[3].decode('ascii', 'replace')}; "
            "expected one encoding: the file is UTF-8, or the mark is wrong"
        )
    if data[:4] in _UTF32_STARTS:  # expat reads it as UTF-16 with zero characters, "not well-formed"
        raise Refused(
            "is written in UTF-32 (its first four bytes say so), which the XML parser cannot read; expected UTF-8 "
            "or UTF-16: save it again as UTF-8"
        )
    try:
        root = _parsed(data)
    except Refused:
        raise  # nested too deep or too many elements (a ValueError, as the encoding errors below)
    except defusedxml.DTDForbidden as exc:
        raise Refused(_dtd_refusal(data, exc)) from None
    except defusedxml.DefusedXmlException as exc:
        raise Refused(f"refused by the safe XML parser ({exc})") from None
    except (LookupError, ValueError) as exc:  # an unknown or multi-byte encoding expat cannot read
        raise Refused(f"declares an encoding the XML parser cannot read ({exc}); expected UTF-8 or UTF-16") from None
    except ParseError as exc:
        line, column = exc.position
        raise Refused(f"is not well-formed XML (line {line}, column {column + 1})") from None
    root = _unwrapped(root)
    if is_ubl(root):
        return read_ubl(root)
    if is_cii(root):
        return read_cii(root)
    local = root.tag.rsplit("}", 1)[-1]
    raise Refused(
        f"is XML but not an e-invoice (root element <{local}>; expected a UBL Invoice or CreditNote, "
        "or a UN/CEFACT CrossIndustryInvoice)"
    )


#: the envelope (SBDH) a Peppol access point delivers a document in
SBDH = "{http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader}"


def _unwrapped(root: Element) -> Element:
    """The document inside a Peppol envelope (``StandardBusinessDocument``: its header says who sent it to
    whom, nothing the robot reads), else ``root``. An invoice so delivered was refused as no e-invoice, and
    set aside as a receipt (an attack on 0.9.39). An envelope inside an envelope (an access point that wraps
    what it was handed) is opened too, to ``_ENVELOPES_MAX`` deep: a review of 0.9.40 found it refused as an
    envelope "holding 0 documents", which it does not."""
    for _ in range(_ENVELOPES_MAX):
        if root.tag != f"{SBDH}StandardBusinessDocument":
            return root
        inside = [el for el in root if isinstance(el.tag, str) and el.tag != f"{SBDH}StandardBusinessDocumentHeader"]
        if len(inside) != 1:
            raise Refused(
                f"is a Peppol envelope (StandardBusinessDocument) holding {len(inside)} documents; expected one "
                "invoice or credit note in it"
            )
        root = inside[0]
    if root.tag == f"{SBDH}StandardBusinessDocument":
        raise Refused(
            f"is a Peppol envelope (StandardBusinessDocument) in more than {_ENVELOPES_MAX} envelopes; expected one "
            "invoice or credit note in one envelope"
        )
    return root


#: envelopes opened at most, one inside another
_ENVELOPES_MAX = 3


def parse_document(data: bytes, source: str = "") -> dict[str, object]:
    """The invoice row of one e-invoice (see :func:`read_document`)."""
    return invoice_row(read_document(data), source)[0]


#: the first bytes of the archives and packed files an invoice may be sent in
_ARCHIVES = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"7z\xbc\xaf\x27\x1c": "7z",
    b"Rar!\x1a\x07": "rar",
    b"\x28\xb5\x2f\xfd": "zstd",
}


def archives_among(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """The archives among files not named ``*.xml`` (by their bytes, whatever
    their name: zip, a zip with a program before it, tar, gzip, bzip2, xz, 7z,
    rar, zstd), each with why it is refused: an archive may hold invoices,
    which a warning passed over with exit 0 (an attack on 0.9.21; a review
    of the first mend, which knew only a zip's first bytes)."""
    found = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                head = f.read(512)
            kind = next((name for magic, name in _ARCHIVES.items() if head.startswith(magic)), None)
            if kind is None and head[257:262] == b"ustar":
                kind = "tar"
            if kind is None and zipfile.is_zipfile(path):
                kind = "zip"
        except OSError:
            continue
        if kind is not None:
            found.append((path, f"is a {kind} archive, whose files are not read; expected e-invoices as .xml "
                                "files: unpack it and convert the folder"))  # fmt: skip
    return found


def xml_files(paths: Sequence[str | Path], skipped: list[Path] | None = None) -> list[Path]:
    """The files named, and every ``*.xml`` file under the folders named
    (recursively, sorted). A path that does not exist is an :class:`InputError`.
    The other files found in the folders are added to ``skipped``, for the
    caller to name: a file that is an invoice but not named ``*.xml`` must not
    be passed over in silence."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(_walk(p, skipped))
        elif os.path.lexists(p):  # a dangling link is refused as unreadable, with the others converted
            found.append(p)
        else:
            raise InputError(p, None, "no such file or folder")
    # a file named twice (a folder and a file in it, say) is read once
    return _once(found)


def _walk(folder: Path, skipped: list[Path] | None = None) -> list[Path]:
    """Every *.xml file under ``folder``, following linked folders once each
    (the other files into ``skipped``); a folder that cannot be listed is an
    :class:`InputError`."""
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
        if skipped is not None:
            skipped += sorted(Path(d) / f for f in names if not f.lower().endswith(".xml"))
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
    recursively for ``*.xml``) into the invoice extract and the invoice lines
    extract. Files that cannot be read are listed in ``refused`` with the
    reason."""
    return convert_files(xml_files(list(paths)), on_file)


def convert_files(files: list[Path], on_file: Callable[[Path], None] | None = None) -> Conversion:
    """:func:`convert` for files already listed by :func:`xml_files`."""
    rows: list[dict[str, object]] = []
    lines: list[dict[str, object]] = []
    refused: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    # a document sent again (same supplier, number as check 10 compares it): the robot
    # joins lines to invoices by that key, so its lines are written once, with the first;
    # but an invoice's lines take the place of a credit note's (which is never posted):
    # else the invoice would be posted on the credit note's lines, periods and all
    lines_of: dict[tuple[str, str], tuple[str, str]] = {}  # key: (file, document type) of the lines written
    for path in files:
        if on_file:
            on_file(path)
        # the name as the extract and the messages hold it: a name that is not UTF-8 (a Latin-1 "Søren"
        # from a Windows share) stopped the whole batch as it was written (an attack on 0.9.23)
        name = utf8_path(path)
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):  # a pipe never ends, /dev/zero never stops giving
                raise Refused("is not a regular file (a device, a pipe or a socket); expected an e-invoice")
            if st.st_size > MAX_XML_BYTES:  # refused before it is read
                raise Refused(f"is over {MAX_XML_BYTES // 1_000_000} MB; expected an e-invoice")
            data = path.read_bytes()
        except OSError as exc:
            refused.append((name, f"cannot be read ({exc.strerror or exc})"))
            continue
        except Refused as exc:
            refused.append((name, str(exc)))
            continue
        try:
            doc = read_document(data)
            row, row_warnings = invoice_row(doc, name)
            doc_lines, line_warnings = line_rows(doc, row)
            _refuse_huge_values([row, *doc_lines])
        except Refused as exc:
            refused.append((name, str(exc)))
            continue
        except ArithmeticError as exc:  # decimal's InvalidOperation or Overflow: one file, not the batch
            refused.append((name, f"holds an amount, quantity or rate too large to compute with "
                                       f"({type(exc).__name__}); expected the amounts of an invoice"))  # fmt: skip
            continue
        rows.append(row)
        key = _number_key(row)
        first, first_type = lines_of.get(key, ("", ""))
        if doc_lines and first and (first_type != CREDIT_NOTE or row["document_type"] == CREDIT_NOTE):
            line_warnings = [
                f"has the supplier and number of {first}: its lines are written once, with that "
                "file's; the robot finds the second a DUPLICATE_INVOICE"
            ]
        elif doc_lines:
            if first:  # a credit note's lines, replaced by this invoice's
                lines = [r for r in lines if _number_key(r) != key]
                line_warnings = [
                    *line_warnings,
                    f"has the supplier and number of the credit note {first}: the lines written are this "
                    "invoice's, not the credit note's",
                ]
            lines_of[key] = (name, str(row["document_type"]))
            lines += doc_lines
        warnings += [(name, w) for w in row_warnings + line_warnings]
    # nor may an invoice without lines of its own be posted on a credit note's of its number
    invoice_keys = {_number_key(r) for r in rows if r["document_type"] != CREDIT_NOTE}
    for key, (file, kind) in lines_of.items():
        if kind == CREDIT_NOTE and key in invoice_keys:
            lines = [r for r in lines if _number_key(r) != key]
            warnings.append(
                (file, "has the supplier and number of an invoice that has no lines: the credit note's lines are "
                       "left out, so that the robot never posts the invoice on them")
            )  # fmt: skip
    invoices = pd.DataFrame(rows, columns=list(INVOICE_COLUMNS))
    invoices["lines"] = invoices["lines"].astype("int64")
    return Conversion(invoices, pd.DataFrame(lines, columns=list(LINE_COLUMNS)), refused, warnings)


def _number_key(row: dict[str, object]) -> tuple[str, str]:
    """A converted row's (supplier, invoice number) as check 10 compares them."""
    return compact_cvr(row["supplier_cvr"]), normalise_number(row["invoice_id"])


def check_out(out: str | Path, option: str = "--out") -> Path:
    """An output file, checked before any work: a .csv or .xlsx path that is
    not a folder, and not a file of something else (a grants extract given
    as ``--out`` by mistake): an existing file is replaced only when it is
    one convert wrote (its header, or its one sheet)."""
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(out, option, "the output must be a .csv or .xlsx file")
    if out.is_dir():
        raise InputError(out, option, "is a folder; expected the name of a .csv or .xlsx file to write")
    if out.is_file() and out.stat().st_size and not _written_by_convert(out):
        raise InputError(
            out,
            option,
            "exists and is no extract convert wrote (its header is not convert's); expected a new file, "
            "or one convert wrote, to replace",
        )
    return out


def write_invoices(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write converted invoices as ``.csv`` (UTF-8) or ``.xlsx``, whole or not at all."""
    return _write((frame, check_out(out), "Regninger"))[0]


def write_lines(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write the invoice lines extract as ``.csv`` (UTF-8) or ``.xlsx``, whole or not at all."""
    return _write((frame, check_out(out, "--lines-out"), "Fakturalinjer"))[0]


def write_conversion(
    invoices: pd.DataFrame, out: str | Path, lines: pd.DataFrame | None = None, lines_out: str | Path | None = None
) -> tuple[Path, Path | None]:
    """:func:`write_invoices` and :func:`write_lines` as a pair: both files
    are written beside their places first, and only then moved into them, so
    that a file that cannot be written (a full disk) leaves both as they were,
    never this batch's invoices beside the last batch's lines."""
    targets = [(invoices, check_out(out), "Regninger")]
    if lines_out is not None:
        targets.append((lines if lines is not None else pd.DataFrame(), check_out(lines_out, "--lines-out"),
                        "Fakturalinjer"))  # fmt: skip
    written = _write(*targets)
    return written[0], written[1] if len(written) > 1 else None


def _write(*targets: tuple[pd.DataFrame, Path, str]) -> list[Path]:
    """Each (frame, file, sheet) written whole beside its file, then all moved
    into place: none is replaced unless every one could be written."""
    written: list[Path] = []
    try:
        for frame, path, sheet in targets:
            written.append(_write_beside(frame, path, sheet))
        for tmp, (_frame, path, _sheet) in zip(written, targets, strict=True):
            tmp.replace(path)
    finally:
        for tmp in written:
            tmp.unlink(missing_ok=True)
    return [path for _frame, path, _sheet in targets]


def _write_beside(frame: pd.DataFrame, out: Path, sheet: str) -> Path:
    """``frame`` written whole into a file beside ``out``; its path."""
    if out.parent and not out.parent.is_dir():
        make_folder(out.parent)  # a file there is named as one, not as a hidden temporary file
    tmp = out.with_name(f".{out.name}.tmp")
    # amounts stay numbers (Decimal) where the document holds one; text is
    # never a formula; CPR numbers are kept (the robot reads them)
    frame = safe_frame(frame, mask=False)
    try:
        if out.suffix.lower() == ".csv":
            frame.map(_amount_text).to_csv(tmp, index=False, encoding="utf-8")
        else:  # as a finance person opens it: dates as dates, amounts with two decimals (a user review)
            amounts = {c: EXCEL_DECIMAL2 for c in _AMOUNT_COLUMNS if c in frame.columns}
            write_workbook(tmp, {sheet: _dates_as_dates(frame)}, mask=False, formats={sheet: amounts})
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


#: the columns of dates and of amounts in what convert writes
_DATE_COLUMNS = ("period_start", "period_end", "invoice_date")
_AMOUNT_COLUMNS = ("amount", "prepaid_amount", "vat_amount", "payable_amount")


def _dates_as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """The date columns' ISO dates as dates, for a workbook; any other cell
    as written (the marker of a period cut with the text, say)."""
    out = frame.copy()
    for name in (c for c in _DATE_COLUMNS if c in out.columns):
        out[name] = pd.Series([_iso_date(v) for v in out[name]], index=out.index, dtype=object)
    return out


def _iso_date(value: object) -> object:
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:  # not a day of the calendar: as written, the robot says what is wrong with it
            return value
    return value


def _written_by_convert(path: Path) -> bool:
    """Whether ``path`` is an invoice or lines extract convert wrote: a CSV
    whose first line is one of its headers, or a workbook of one of its sheets."""
    headers = {",".join(INVOICE_COLUMNS), ",".join(LINE_COLUMNS)}
    try:
        if path.suffix.lower() == ".csv":
            with path.open("rb") as f:
                first = f.readline(4096).decode("utf-8-sig", errors="replace").strip()
            return first in headers
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            if wb.sheetnames not in (["Regninger"], ["Fakturalinjer"]):
                return False
            first = next(wb.worksheets[0].iter_rows(max_row=1, values_only=True), ())
            return ",".join("" if v is None else str(v) for v in first) in headers  # the sheet's name is common
        finally:
            wb.close()
    except Exception:  # unreadable: not one of ours
        return False


def _refuse_huge_values(rows: list[dict[str, object]]) -> None:
    """One document whose row or lines would hold a cell larger than the
    robot reads (:data:`~invoicekit.readers.MAX_CELL_BYTES`: a longer one
    refuses the whole extract) is refused alone, so that the others are
    decided: a 1 MB invoice number, a note naming 90,000 citizens."""
    for row in rows:
        for column, value in row.items():
            if isinstance(value, str) and len(value) > MAX_CELL_BYTES // 4:
                size = len(value.encode("utf-8"))
                if size > MAX_CELL_BYTES:
                    raise Refused(
                        f"would write {size:,} bytes into {column}, more than the robot reads in a cell "
                        f"({MAX_CELL_BYTES:,}); left out"
                    )


def _amount_text(value: object) -> object:
    """An amount (a ``Decimal``) as the robot's reader reads it and means
    nothing else: with a decimal point and two decimals where it has no more
    (``28.50``; XML's ``28.500`` written as it stands reads as 28,500.00, a
    dot before three digits being a Danish thousands separator), else as
    written with a decimal comma (``28,505``), which the reader refuses (an
    amount in øre at most), so the invoice goes to a caseworker. Anything
    else as it is; an amount of more digits than a Decimal holds (which no
    reader takes as an amount) as written."""
    if not isinstance(value, Decimal):
        return value
    try:
        cents = value.quantize(Decimal("0.01"))
    except InvalidOperation:
        return format(value, "f")
    if cents == value:
        return f"{cents:.2f}"
    return format(value, "f").replace(".", ",")
