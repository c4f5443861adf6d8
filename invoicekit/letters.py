"""Supplier letters: the contact template (kontaktskabelon) filled in for each
supplier whose invoices lack a CPR number, a period or one citizen per
invoice, as a Word document (.docx) the municipality sends.

The template is the municipality's own: any .docx whose text holds the
placeholders below (in the body or in table cells; a placeholder's paragraph
takes the formatting of its first run). :func:`default_template` makes the
one shipped with invoicekit, to be edited.

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

import datetime as dt
import re
from pathlib import Path

import pandas as pd
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from invoicekit.actions import TEMPLATE_FIX_REASONS, supplier_name_of
from invoicekit.cells import safe_text
from invoicekit.errors import InputError, MissingFileError
from invoicekit.identifiers import mask_cpr_text
from invoicekit.parsing import MONEY_SCALE, MONTHS_DA, date_dk, format_money_one
from invoicekit.reasons import LABELS_DA
from invoicekit.vocabulary import MONTH

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
    core.created = core.modified = dt.datetime.now().replace(microsecond=0)


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
    try:
        doc = Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a file that is no .docx
        raise InputError(path, None, f"is not a Word document (.docx) ({type(exc).__name__})") from None
    paragraphs = _paragraphs(doc)
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
        masked = mask_cpr_text(p.text)  # a CPR number in the template reaches every letter
        if masked != p.text:
            _set_text(p, masked)
    return doc


def _paragraphs(doc: DocumentObject) -> list[Paragraph]:
    """Every paragraph of the document: its body, its tables' cells, and its
    sections' headers and footers."""
    out = list(doc.paragraphs)
    tables = list(doc.tables)
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):  # fmt: skip
            if not part.is_linked_to_previous:
                out.extend(part.paragraphs)
                tables.extend(part.tables)
    for table in tables:
        for row in table.rows:
            for cell in row.cells:
                out.extend(cell.paragraphs)
    return out


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
            "Fakturanummer": [safe_text(str(v), csv=False) or "(intet)" for v in shown["invoice_id"]],
            "Periode": [
                f"{date_dk(s)}–{date_dk(e)}" if pd.notna(s) else "(ingen)"
                for s, e in zip(shown["period_start"], shown["period_end"], strict=True)
            ],
            "Beløb (kr.)": [format_money_one(round(a * MONEY_SCALE)) if pd.notna(a) else "" for a in shown["amount"]],
            "CPR-nummer": [safe_text(str(v), csv=False) or "(intet)" for v in shown["cpr_masked"]],
            "Det manglede": [LABELS_DA.get(r, r) for r in shown["reason"]],
        }
    )


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
            _bullets(p, REQUIREMENTS_DA)
        elif _alone(text) == "eksempler":
            _table(template, p, _examples(invoices))
        else:
            _set_text(p, _PLACEHOLDER.sub(lambda m: _docx_text(values.get(m[1], "")), text))
    return template


def _bullets(p: Paragraph, items: tuple[str, ...]) -> None:
    """``p`` replaced by one bulleted paragraph per item (a "• " where the
    template has no List Bullet style)."""
    bullet = "List Bullet" in {s.name for s in p.part.document.styles}
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
    p._p.getparent().remove(p._p)


def letter_values(cvr: str, month: str, invoices: pd.DataFrame, today: dt.date | None = None) -> dict[str, str]:
    """The placeholders' text for one supplier."""
    counts = invoices["reason"].value_counts()
    missing = ", ".join(f"{int(counts[r])} {w}" for r, w in TEMPLATE_FIX_REASONS.items() if r in counts.index)
    # the month as a supplier reads it: oktober 2019, not 2019-10 (found by a newcomer's walk-through)
    shown_month = f"{MONTHS_DA[int(month[5:]) - 1]} {month[:4]}" if MONTH.fullmatch(month) else month
    return {
        "dato": date_dk(today or dt.date.today()),
        "måned": shown_month,
        "leverandør": f"{name} (CVR {cvr})" if (name := supplier_name_of(invoices)) else f"CVR {cvr}",
        "antal": str(len(invoices)),
        "mangler": missing,
    }
