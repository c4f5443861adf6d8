"""Supplier letters: the contact template (kontaktskabelon) filled in for each
supplier whose invoices lack a CPR number, a period or one citizen per
invoice, as a Word document (.docx) the municipality sends.

The template is the municipality's own: any .docx whose text holds the
placeholders below (in the body, table cells and tables nested in them, text
boxes, headers and footers; a placeholder's paragraph takes the formatting of
its first run). :func:`default_template` makes the one shipped with
invoicekit, to be edited.

- ``{{dato}}``: today's date; ``{{måned}}``: the month of the invoices;
  ``{{leverandør}}``: the supplier (``Bostedet Lind (CVR 12345678)``, ``CVR 12345678`` where
  its invoices gave no name);
  ``{{antal}}``: how many of its invoices could not be posted automatically;
  ``{{mangler}}``: what they lacked (``12 uden CPR-nummer, 3 uden periode``).
- ``{{krav}}`` on a paragraph of its own: replaced by a bulleted list of what
  every invoice must carry.
- ``{{eksempler}}`` on a paragraph of its own: replaced by a table of two or
  three of the supplier's own recent invoices (CPR numbers masked).
"""

from __future__ import annotations

import codecs
import datetime as dt
import html
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from lxml import etree
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from invoicekit.actions import supplier_name_of
from invoicekit.cells import safe_text
from invoicekit.errors import InputError, MissingFileError
from invoicekit.identifiers import mask_cpr_text
from invoicekit.parsing import ORE_PER_KRONE, date_dk, ore_dk
from invoicekit.reasons import LABELS_DA, TEMPLATE_FIX_REASONS
from invoicekit.vocabulary import danish_today, month_da

PLACEHOLDERS = ("dato", "måned", "leverandør", "antal", "mangler", "krav", "eksempler")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
#: the placeholders that become a list or a table: each alone in its paragraph
_BLOCKS = ("krav", "eksempler")

#: what every invoice must carry, as the letter lists it
REQUIREMENTS_DA = (
    "Borgerens CPR-nummer (ét pr. faktura), i CPR-feltet eller i fakturateksten.",
    "Perioden, fakturaen dækker, med fra- og til-dato (fx 01.03.2019–31.03.2019).",
    "Én faktura pr. borger; en samlefaktura skal have én fakturalinje pr. borger med borgerens CPR-nummer og beløb.",
    "Jeres fakturanummer og CVR-nummer.",
    "Beløbet efter den takst, kommunen har bevilget for perioden.",
)
#: examples in a letter
EXAMPLES = 3


def default_template() -> DocumentObject:
    """The contact template shipped with invoicekit: a short Danish letter
    with every placeholder, for the municipality to edit in Word."""
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    _danish_a4(doc)
    doc.add_paragraph("{{dato}}")
    doc.add_paragraph("Til {{leverandør}}")
    doc.add_heading("Fakturaer til kommunen: hvad de skal indeholde", level=1)
    doc.add_paragraph(
        "Kommunen betaler fakturaer for dag- og botilbud automatisk, når fakturaen kan kobles til borgerens "
        "bevilling. I {{måned}} måtte vi behandle {{antal}} af jeres fakturaer manuelt: {{mangler}}."
    )
    doc.add_paragraph("For at vi kan betale jeres fakturaer hurtigt, skal hver faktura indeholde:")
    doc.add_paragraph("{{krav}}")
    doc.add_paragraph("Eksempler på jeres fakturaer, vi ikke kunne behandle automatisk:")
    doc.add_paragraph("{{eksempler}}")
    doc.add_paragraph("Har I spørgsmål, er I velkomne til at kontakte os.")
    doc.add_paragraph("Med venlig hilsen\nKommunens økonomiafdeling")
    return doc


def _danish_a4(doc: DocumentObject) -> None:
    """A4 pages with 2,5 cm margins, Danish as the text's language (Word checks the spelling in
    Danish), and the file's properties the municipality's, not python-docx's: the default document
    was US Letter, English (US) and "python-docx" from 2013 (an analyst's walk-through)."""
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(25)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    run = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    properties = run.find(qn("w:rPr")) if run is not None else None
    if properties is not None:
        lang = properties.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            properties.append(lang)
        lang.set(qn("w:val"), "da-DK")
    core = doc.core_properties
    core.author = core.last_modified_by = "Kommunens økonomiafdeling"
    core.title = "Fakturaer til kommunen: hvad de skal indeholde"
    core.language = "da-DK"
    core.comments = ""  # python-docx's own "generated by python-docx"
    # python-docx writes these as UTC: a naive time in UTC, not the local one
    core.created = core.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def read_template(path: str | Path | None) -> DocumentObject:
    """The municipality's template, or the default one when ``path`` is None;
    a file that is not a Word document, or a placeholder this module does not
    know, is an :class:`InputError`."""
    if path is None:
        return default_template()
    path = Path(path)
    if not path.exists():
        raise MissingFileError(path, "does not exist; expected the contact template (.docx)")
    if not path.is_file():
        raise InputError(path, None, "is not a file; expected the contact template (.docx)")
    _refuse_template_bomb(path)
    try:
        doc = Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a file that is no .docx
        raise InputError(path, None, f"is not a Word document (.docx) ({type(exc).__name__})") from None
    paragraphs = _paragraphs(doc)
    if len(paragraphs) > MAX_TEMPLATE_PARAGRAPHS:
        raise InputError(
            path,
            None,
            f"holds {len(paragraphs):,} paragraphs; expected a letter of at most {MAX_TEMPLATE_PARAGRAPHS:,} "
            "(each letter is a copy of it)",
        )
    unknown = sorted({m for p in paragraphs for m in _PLACEHOLDER.findall(p.text) if m not in PLACEHOLDERS})
    if unknown:
        expected = ", ".join("{{" + p + "}}" for p in PLACEHOLDERS)
        raise InputError(path, "{{" + unknown[0] + "}}", f"is not a placeholder; expected one of {expected}")
    for p in paragraphs:
        for name in _BLOCKS:
            if name in _PLACEHOLDER.findall(p.text) and _alone(p.text) != name:
                shown = mask_cpr_text(p.text.strip())[:60]
                raise InputError(
                    path,
                    "{{" + name + "}}",
                    f"stands in a paragraph with other text ({shown!r}); expected it alone in its paragraph, "
                    "which becomes a list or a table",
                )
    _mask_everywhere(doc, path)  # a CPR number in the template reaches every letter
    return doc


#: a contact template's limits: a letter of a page or two, a logo; a zip that unpacks to more XML, or a
#: document of more paragraphs, is refused before it is read (an attack on 0.9.20: 81 KB of empty
#: paragraphs, packed, ran for ten minutes and took 5.8 GB)
MAX_TEMPLATE_XML = 10_000_000
MAX_TEMPLATE_UNPACKED = 100_000_000
MAX_TEMPLATE_PARAGRAPHS = 10_000


def _refuse_template_bomb(path: Path) -> None:
    """A .docx is a zip: one whose XML unpacks to more than
    :data:`MAX_TEMPLATE_XML` bytes, or whose parts in all to more than
    :data:`MAX_TEMPLATE_UNPACKED`, is refused before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return  # not a zip: python-docx says so below
    # every part but pictures counts as text, whatever its name ([Content_Types] may name any part XML)
    xml = sum(p.file_size for p in parts if not p.filename.startswith(("word/media/", "docProps/thumbnail")))
    total = sum(p.file_size for p in parts)
    if xml > MAX_TEMPLATE_XML or total > MAX_TEMPLATE_UNPACKED:
        raise InputError(
            path,
            None,
            f"unpacks to {total:,} bytes ({xml:,} of them text); expected a letter template of at most "
            f"{MAX_TEMPLATE_XML // 1_000_000} MB of text and {MAX_TEMPLATE_UNPACKED // 1_000_000} MB in all",
        )


#: the document's properties a person sees in Word's File > Info (and anyone the letter is sent to)
_PROPERTIES = ("author", "category", "comments", "content_status", "identifier", "keywords", "language",
               "last_modified_by", "subject", "title", "version")  # fmt: skip
#: a part python-docx keeps as bytes parsed as python-docx parses its own: no entity expanded, nothing fetched
_BYTES_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
#: the namespaces of Word's own markup (transitional, strict, Microsoft's extensions, VML): their identifiers
#: are left as they are; a custom XML part's data (what content controls are bound to) is the template's text
_OFFICE_NAMESPACES = ("http://schemas.openxmlformats.org/", "http://purl.oclc.org/ooxml/",
                      "http://schemas.microsoft.com/", "urn:schemas-microsoft-com:")  # fmt: skip
#: elements whose every attribute is an identifier beside those named so: a chart's axis names its
#: crossing axis by that axis's random id, a building block its GUID
_IDENTIFIER_ELEMENTS = ("crossAx", "guid")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def _mask_everywhere(doc: DocumentObject, path: Path) -> None:
    """Every CPR number the template at ``path`` holds masked, wherever a
    letter carries it: in every XML part, python-docx's (the body, headers,
    footers, comments, styles …) and those it keeps as bytes (footnotes,
    endnotes, the glossary, charts, custom XML, the extended and custom
    properties …), each paragraph as its runs join it (:func:`_mask_paragraph`),
    any other text alone, and every attribute but Word's identifiers (a
    content control's, a paragraph's, a chart axis's id, a GUID, a revision
    id: :func:`_identifier`); the text parts a document imports as content
    (an HTML or plain-text alt chunk); every relationship's external target
    (a hyperlink's address, in the body, a header or a footer); and the
    document's properties (title, subject, keywords, comments …).

    A template is refused (:class:`InputError`) where a part cannot be
    masked: XML that does not parse or declares entities, a text part in no
    charset it names, or an alt chunk of another type (RTF, a web archive,
    a Word document).

    Until 0.9.21 only the body, tables, headers and footers were masked: a
    CPR number in the title or a comment went to every supplier (an attack on
    0.9.20). Until 0.9.45 only two attributes were, and no relationship (attack
    r11 on ``invoicekit actions``). Then the parts kept as bytes were masked
    text node by text node (a number split over a footnote's two runs went
    out whole), an alt chunk not at all, and every attribute was, a content
    control's numeric id too (a letter Word calls damaged): review r13."""
    package = doc.part.package
    # the template's thumbnail, a picture of its first page as it was saved, goes with no letter: no masking
    # reaches a number in its pixels (a review of 0.9.45)
    for rel_id in [rel_id for rel_id, rel in package.rels.items() if rel.reltype == RT.THUMBNAIL]:
        package.rels.pop(rel_id)
    chunks = {id(rel.target_part) for rel in package.iter_rels() if rel.reltype == RT.A_F_CHUNK and not rel.is_external}
    for part in package.iter_parts():
        element = getattr(part, "_element", None)  # a part python-docx reads as XML
        media = part.content_type.split(";")[0].strip().lower()
        if element is not None:
            _refuse_entities(path, part, element.getroottree())
            _mask_tree(element)
        elif _is_xml(media):
            try:
                tree = etree.ElementTree(etree.fromstring(part.blob, _BYTES_PARSER))
            except etree.XMLSyntaxError as exc:
                raise InputError(path, part.partname.membername, f"is not well-formed XML ({exc})") from None
            _refuse_entities(path, part, tree)
            if _mask_tree(tree.getroot()):
                info = tree.docinfo
                part._blob = etree.tostring(
                    tree, xml_declaration=part.blob.lstrip().startswith(b"<?xml"),
                    encoding=info.encoding or "UTF-8", standalone=info.standalone,
                )  # fmt: skip
            if id(part) in chunks:
                _refuse_split_numbers(path, part, "".join(tree.getroot().itertext()))
        elif media.startswith("text/"):
            part._blob = _masked_text_part(path, part)
        elif part.partname.startswith("/word/embeddings/") and id(part) not in chunks:
            # an embedded object goes to every supplier with the letter (a chart's data, a workbook shown as
            # an icon): one whose text holds a CPR number, or whose text cannot be read, is refused (a review of
            # 0.9.45: every part whose type held the letters "xml", openxmlformats, was parsed as XML, and a
            # template with a chart or an embedded font refused as "not well-formed XML")
            _refuse_embedded_cprs(path, part)
        elif id(part) in chunks:
            # Word puts an alt chunk's content into the letter as it opens it: one this module cannot read
            # for CPR numbers is not sent to every supplier
            raise InputError(
                path,
                part.partname.membername,
                f"is content of type {media} the document imports (an alt chunk), whose CPR numbers cannot be "
                "masked; expected HTML, plain text or XML: open the template in Word and save it again, which "
                "makes it text of the document",
            )
    # the relationships of the package and of every part, the headers' and footers' too: an external
    # target (a hyperlink's address, a linked picture, the attached template's path) is written as
    # it is into the part's .rels, shown when the supplier points at a link and sent on when clicked
    for rel in package.iter_rels():
        if rel.is_external and mask_cpr_text(rel.target_ref) != rel.target_ref:
            rel._target = mask_cpr_text(rel.target_ref)
    properties = doc.core_properties
    for name in _PROPERTIES:
        value = getattr(properties, name)
        if isinstance(value, str) and mask_cpr_text(value) != value:
            setattr(properties, name, mask_cpr_text(value))


def _is_xml(media: str) -> bool:
    """Whether a part of content type ``media`` (lower case, no parameters) is XML: ``…+xml`` or ``…/xml``, not
    a binary type that names Office Open XML (``application/vnd.openxmlformats-officedocument.obfuscatedFont``)."""
    return media.endswith(("+xml", "/xml"))


#: how much text an embedded package may unpack to before it is refused unread (a template is 10 MB of text at most)
MAX_EMBEDDED_TEXT = 10_000_000


def _refuse_embedded_cprs(path: Path, part) -> None:
    """Refuse the template (:class:`InputError`, naming the part) where an embedded object holds a CPR
    number, or cannot be read for one. An Office package (a chart's workbook) is read member by member: each
    XML member as a template's own part is masked (:func:`_mask_tree`: Word's identifiers left out, so a GUID
    or an axis id that reads as a number is no finding), each rich text's runs joined; a package inside it
    likewise (:data:`MAX_EMBEDDED_DEPTH` deep); a picture or printer settings pass; any other member (a binary
    workbook's records, an OLE object) cannot be read, and neither can a binary object that is no package."""
    where = part.partname.membername
    budget = [MAX_EMBEDDED_TEXT]
    try:
        found = _package_cpr(io.BytesIO(part.blob), budget, MAX_EMBEDDED_DEPTH)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, OSError, ValueError, RuntimeError, EOFError):
        found = None
    if found is None:
        raise InputError(
            path,
            where,
            "is an embedded object that cannot be read for CPR numbers, which every letter would carry; remove "
            "it, or paste it as a picture",
        )
    if found:
        raise InputError(
            path,
            where,
            f"is an embedded object whose {found} holds a CPR number, which every letter would carry; remove the "
            "number from it (a chart's data: edit the data in Word)",
        )


#: how deep packages inside an embedded package are read (a chart's workbook embedding a document: 2)
MAX_EMBEDDED_DEPTH = 3
#: members of an embedded package that hold no text to read: pictures and printer settings
_UNREAD_MEMBERS = re.compile(r"(\.(png|jpe?g|gif|bmp|tiff?|emf|wmf|ico)|/printerSettings\d*\.bin)$", re.IGNORECASE)


def _package_cpr(data: io.BytesIO, budget: list[int], depth: int) -> str | None:
    """The first member of the Office package ``data`` whose text holds a CPR number (``""``: none); None
    where a member cannot be read, the package is nested deeper than ``depth`` or its text is more than
    ``budget`` (shared by the packages inside it)."""
    with zipfile.ZipFile(data) as z:
        for m in z.infolist():
            name = m.filename
            if m.is_dir() or _UNREAD_MEMBERS.search(name):
                continue
            budget[0] -= m.file_size
            if budget[0] < 0:
                return None
            if name.lower().endswith(".vml"):  # Excel's legacy drawings are no well-formed XML (<br> unclosed)
                text = re.sub(r"<[^>]*>", " ", z.read(m).decode("utf-8", "replace"))
                if mask_cpr_text(text) != text:
                    return name
            elif name.lower().endswith((".xml", ".rels")):
                root = etree.fromstring(z.read(m), _BYTES_PARSER)
                if root.getroottree().docinfo.internalDTD is not None:  # entities: read as the template's parts
                    return None
                runs = [e for e in root.iter() if isinstance(e.tag, str) and any(_local(c.tag)[1] == "r"
                        for c in e if isinstance(c.tag, str))]  # fmt: skip
                joined = ["".join(e.itertext()) for e in runs]
                if _mask_tree(root) or any(mask_cpr_text(t) != t for t in joined):
                    return name
            elif name.lower().endswith((".xlsx", ".xlsm", ".docx", ".docm", ".pptx", ".pptm")) and depth > 1:
                inner = _package_cpr(io.BytesIO(z.read(m)), budget, depth - 1)
                if inner is None or inner:
                    return inner and f"{name}/{inner}"
            else:
                return None
    return ""


def _refuse_entities(path: Path, part, tree) -> None:
    """A part that declares XML entities is refused: Word never writes one, and an entity (left unexpanded
    here) may hide a CPR number from the masking or expand to gigabytes in whatever reads the letter."""
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise InputError(
            path,
            part.partname.membername,
            "declares XML entities, which a Word document never needs; refused as a possible entity-expansion attack",
        )


def _mask_tree(root) -> bool:
    """Mask the CPR numbers in an XML part's tree, ``root`` and all under it:
    each paragraph's text streams joined (:func:`_mask_paragraph`), any other
    text alone (a comment, a custom property, a chart's values, math), and
    every attribute but an identifier (:func:`_identifier`); any attribute
    may hold text a person reads or a program sends on (``w:instr``,
    ``w:alias``/``w:tag``, ``descr``, a VML title …), so none else is left
    out. True where anything was masked."""
    changed = False
    for p in root.iter(qn("w:p")):
        changed |= _mask_paragraph(p)
    for node in root.iter():
        element = isinstance(node.tag, str)
        joined = element and node.tag in _TEXT_STREAMS and _paragraph_of(node) is not None
        # a processing instruction's "text" is its instruction (<?mso-application progid=…?>): left as it is
        texts = ("text", "tail") if (element and not joined) or node.tag is etree.Comment else ("tail",)
        for name in texts:
            value = getattr(node, name)
            if value and mask_cpr_text(value) != value:
                setattr(node, name, mask_cpr_text(value))
                changed = True
        if not element:
            continue
        for name, value in node.items():
            if not _identifier(node.tag, name) and mask_cpr_text(value) != value:
                node.set(name, mask_cpr_text(value))
                changed = True
    return changed


def _local(name: str) -> tuple[str, str]:
    """An lxml name's namespace and local name (``{ns}local``)."""
    return tuple(name[1:].split("}", 1)) if name.startswith("{") else ("", name)


def _identifier(tag: str, attribute: str) -> bool:
    """Whether ``attribute`` of element ``tag`` is one of Word's identifiers, which a random number may
    fill with ten digits reading as a CPR number: a content control's ``<w:id w:val="1708921537"/>`` (an
    integer Word requires: masked, the letter opened as damaged), ``w14:paraId``, ``w15:docId``,
    ``ds:itemID``, a picture's ``id``, an OLE object's ``ObjectID``, a revision's ``w:rsidR``, a chart's
    ``c:axId``. Only in Word's own namespaces: a custom XML part's ``cprId`` is the template's text."""
    element_ns, element = _local(tag)
    attribute_ns, name = _local(attribute)
    if element_ns.startswith(_OFFICE_NAMESPACES) and (
        element == "id"
        or element.endswith(("Id", "ID"))
        or element.startswith("rsid")
        or element in _IDENTIFIER_ELEMENTS
    ):
        return True
    return (attribute_ns or element_ns).startswith(_OFFICE_NAMESPACES) and (
        name.lower().endswith("id") or name.startswith("rsid")
    )


def _masked_text_part(path: Path, part) -> bytes:
    """A text part's bytes (an HTML or plain-text alt chunk) with its CPR numbers masked, read in the
    charset its content type names, its byte order mark, an HTML part's own ``<meta charset>``, or UTF-8;
    a part in none of them is refused, as its numbers could not be read."""
    blob, media = part.blob, part.content_type.split(";")[0].strip().lower()
    named = _CHARSET.search(part.content_type) or (
        _CHARSET.search(blob[:2048].decode("ascii", "replace")) if "html" in media else None
    )
    boms = {codecs.BOM_UTF32_LE: "utf-32", codecs.BOM_UTF32_BE: "utf-32", codecs.BOM_UTF8: "utf-8-sig",
            codecs.BOM_UTF16_LE: "utf-16", codecs.BOM_UTF16_BE: "utf-16"}  # fmt: skip
    bom = next((codec for mark, codec in boms.items() if blob.startswith(mark)), None)
    charset = bom or (named[1] if named else "utf-8")
    try:
        text = blob.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise InputError(
            path, part.partname.membername, f"is text ({part.content_type}) that does not read as {charset}; "
            "expected UTF-8 or the charset it names, to mask its CPR numbers",
        ) from None  # fmt: skip
    masked = mask_cpr_text(text)
    if "html" in media:
        _refuse_split_numbers(path, part, html.unescape(re.sub(r"<[^>]*>", "", masked)))
    return blob if masked == text else masked.encode(charset)


def _refuse_split_numbers(path: Path, part, shown: str) -> None:
    """An alt chunk whose text as Word shows it, ``shown`` (its markup taken out), still reads a CPR number
    is refused: the number is split by the markup (``120190-<b>4321</b>``) or written as character
    references, and cannot be masked where it stands."""
    if mask_cpr_text(shown) != shown:
        raise InputError(
            path,
            part.partname.membername,
            "holds a CPR number split by its markup, which cannot be masked where it stands; expected it in one "
            "piece: open the template in Word and save it again, which makes the chunk text of the document",
        )


#: the elements that hold a paragraph's text, each a stream of its own: what it shows (runs, insertions,
#: hyperlinks, content controls, smart tags alike), what a tracked change deleted, and field codes
_TEXT_STREAMS = (qn("w:t"), qn("w:delText"), qn("w:instrText"))
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _mask_paragraph(p) -> bool:
    """Mask the CPR numbers in paragraph ``p``'s text, read as each of
    :data:`_TEXT_STREAMS` joins it across the runs, wherever they stand in
    the paragraph (inside tracked changes, hyperlinks, content controls,
    smart tags; not a text box's own paragraphs, which are masked as
    paragraphs of their own). A stream that changes is written whole into
    its first element: a number split over two runs is masked, at the
    cost of the later runs' formatting in that paragraph. A review of
    0.9.21's first version found a hyperlink's, a tracked insertion's and a
    field code's numbers left as they were. True where anything was masked."""
    changed = False
    for tag in _TEXT_STREAMS:
        nodes = [n for n in p.iter(tag) if _paragraph_of(n) is p]
        text = "".join(n.text or "" for n in nodes)
        masked = mask_cpr_text(text)
        if masked == text:
            continue
        nodes[0].text = masked
        nodes[0].set(_XML_SPACE, "preserve")
        for n in nodes[1:]:
            n.text = ""
        changed = True
    return changed


def _paragraph_of(node):
    """The nearest paragraph (``w:p``) that holds ``node``."""
    parent = node.getparent()
    while parent is not None and parent.tag != qn("w:p"):
        parent = parent.getparent()
    return parent


def _paragraphs(doc: DocumentObject) -> list[Paragraph]:
    """Every paragraph of the document's stories, its body and its sections'
    headers and footers, in document order: in tables and tables nested in
    their cells, content controls and text boxes too, each once. Read as
    XML: python-docx's ``row.cells`` repeats a merged cell once per column it
    spans (its ``{{eksempler}}`` was made a table twice: a crash) and gives
    no table inside a cell (its placeholders went out unfilled): review r13."""
    stories = [doc.part]
    for section in doc.element.body.iter(qn("w:sectPr")):
        for ref in section.iterchildren(qn("w:headerReference"), qn("w:footerReference")):
            rel = doc.part.rels.get(ref.get(qn("r:id")))
            part = rel.target_part if rel is not None and not rel.is_external else None
            if hasattr(part, "element") and all(part is not s for s in stories):
                stories.append(part)
    # a paragraph's part is its story's (a header's, for a header's paragraph): XmlPart.part is itself
    return [Paragraph(p, story) for story in stories for p in story.element.iter(qn("w:p"))]


def _docx_text(text: str) -> str:
    """A text a Word document can hold: the characters XML 1.0 does not allow (a vertical tab
    from an Excel cell, other controls) left out; python-docx refuses them (a supplier name with
    one crashed ``invoicekit actions``: a review of 0.9.16's letters)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _set_text(p: Paragraph, text: str) -> None:
    """The paragraph's text replaced, keeping its first run's formatting."""
    runs = p.runs
    if not runs:
        p.add_run(text)
        return
    runs[0].text = text
    for r in runs[1:]:
        r.text = ""


def _examples(invoices: pd.DataFrame) -> pd.DataFrame:
    shown = invoices.sort_values(["period_start", "row"], ascending=False, na_position="last").head(EXAMPLES)
    return pd.DataFrame(
        {
            # the controls a letter cannot hold taken out before masking, as a workbook's writer does
            "Fakturanummer": [safe_text(_docx_text(str(v)), csv=False) or "(intet)" for v in shown["invoice_id"]],
            "Periode": [
                f"{date_dk(s)}–{date_dk(e)}" if pd.notna(s) else "(ingen)"
                for s, e in zip(shown["period_start"], shown["period_end"], strict=True)
            ],
            # each amount with its unit: kroner, or an invoice's other currency (a review of 0.9.43)
            "Beløb": _amounts_shown(shown),
            "CPR-nummer": [safe_text(_docx_text(str(v)), csv=False) or "(intet)" for v in shown["cpr_masked"]],
            "Årsag": [LABELS_DA.get(r, r) for r in shown["reason"]],
        }
    )


def _amounts_shown(shown: pd.DataFrame) -> list[str]:
    """Each invoice's amount as the letter writes it: ``28.500,00 kr.``, or ``1.000,00 EUR`` for an invoice in
    another currency (the fix list's ``currency`` and ``amount_in_currency``); blank for none."""
    # the fix list's amounts are kroner (or the currency's units) from whole øre: back to them exactly
    amount = shown["amount_in_currency"].where(shown["currency"] != "", shown["amount"])
    return [
        ore_dk(round(a * ORE_PER_KRONE), code) if pd.notna(a) else ""
        for a, code in zip(amount, shown["currency"], strict=True)
    ]


def _alone(text: str) -> str | None:
    """The placeholder a paragraph holds and nothing else, or None."""
    m = _PLACEHOLDER.fullmatch(text.strip())
    return m[1] if m else None


def fill_letter(template: DocumentObject, values: dict[str, str], invoices: pd.DataFrame) -> DocumentObject:
    """One letter: ``template`` (changed in place; pass a fresh copy) with the
    placeholders filled from ``values`` and the examples from ``invoices``
    (the supplier's linked invoices, as :attr:`Actions.invoices` has them)."""
    for p in _paragraphs(template):
        text = p.text
        if not _PLACEHOLDER.search(text):
            continue
        if _alone(text) == "krav":
            _bullets(template, p, REQUIREMENTS_DA)
        elif _alone(text) == "eksempler":
            _table(template, p, _examples(invoices))
        else:
            _set_text(p, _PLACEHOLDER.sub(lambda m: _docx_text(values.get(m[1], "")), text))
    return template


def _bullets(doc: DocumentObject, p: Paragraph, items: tuple[str, ...]) -> None:
    """``p`` replaced by one bulleted paragraph per item (a "• " where the
    template has no List Bullet style)."""
    # the document's styles, not ``p.part``'s: a header's part has none of its own
    bullet = "List Bullet" in {s.name for s in doc.styles}
    anchor = p
    for k, item in enumerate(items):
        if k == 0:
            para = p
        else:
            element = OxmlElement("w:p")
            anchor._p.addnext(element)
            para = Paragraph(element, anchor._parent)
        if bullet:
            para.style = "List Bullet"
        _set_text(para, item if bullet else "• " + item)
        anchor = para


def _table(doc: DocumentObject, p: Paragraph, frame: pd.DataFrame) -> None:
    table = doc.add_table(rows=1, cols=len(frame.columns))
    if "Table Grid" in {s.name for s in doc.styles}:
        table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = str(name)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for values in frame.itertuples(index=False):
        for cell, v in zip(table.add_row().cells, values, strict=True):
            cell.text = _docx_text(str(v))
    p._p.addnext(table._tbl)
    if p._p.getparent().tag == qn("w:tc"):
        # Word requires a table cell to end with a paragraph: a letter whose cell ends with the table
        # opens as "unreadable content" (as Word's own nested tables do, an empty one follows it)
        table._tbl.addnext(OxmlElement("w:p"))
    p._p.getparent().remove(p._p)


def letter_values(cvr: str, month: str, invoices: pd.DataFrame, today: dt.date | None = None) -> dict[str, str]:
    """The placeholders' text for one supplier."""
    counts = invoices["reason"].value_counts()
    missing = ", ".join(f"{int(counts[r])} {w}" for r, w in TEMPLATE_FIX_REASONS.items() if r in counts.index)
    # the month as a supplier reads it: oktober 2019, not 2019-10 (found by a newcomer's walk-through)
    shown_month = month_da(month)
    return {
        "dato": date_dk(today or danish_today()),
        "måned": shown_month,
        "leverandør": f"{name} (CVR {cvr})" if (name := supplier_name_of(invoices)) else f"CVR {cvr}",
        "antal": str(len(invoices)),
        "mangler": missing,
    }
