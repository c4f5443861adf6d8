"""Attack r13 on the 0.9.45 mends of ``invoicekit actions`` (grants created since, the template fix's sentence,
the letters' masking and examples table). Each test runs the commands a municipality runs (``invoicekit run`` on
small hand-made extracts, then ``invoicekit actions`` or ``invoicekit report followup``) and reads the files they
write; each fails on the code as found."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pandas as pd
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from invoicekit.cli import main
from tests.test_review_0945_actions import (
    CPR_RE,
    EXAMPLE,
    GRANT_HEADER,
    SOLHOJ,
    _actions,
    _excluded_paragraph_month,
    _fixes,
    _grant,
    _invoice,
    _run,
    _write,
)

LYSTRUP = "36209488"  # another private supplier of the example support sheet


def _template_run(tmp_path: Path) -> Path:
    """A journal whose March holds one Solhøj invoice without a CPR number: the contact template's letter."""
    journal = tmp_path / "journal.sqlite"
    grants = _write(tmp_path / "grants.csv", GRANT_HEADER, [_grant("B-1001", "610190-1234")])
    assert _run(tmp_path, "march", grants, [_invoice("SOL-1", cpr="")], journal) == ["MISSING_CPR"]
    return journal


def _no_cpr_in_letters(out: Path) -> None:
    for path in [out / "breve" / f"{SOLHOJ}.docx", out / "kontaktskabelon.docx"]:
        found = _letter_cprs(path)
        assert not found, f"{path.name} holds full CPR numbers from the template: {found}"


def _letter_cprs(path: Path) -> dict[str, list[str]]:
    """Full CPR numbers in each part of a .docx, in its bytes or in its text read with the tags taken out
    (a number split over two runs reads whole to whoever opens the letter)."""
    found = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            raw = z.read(name).decode("utf-8", "replace")
            numbers = CPR_RE.findall(raw) + CPR_RE.findall(re.sub(r"<[^>]+>", "", raw))
            if numbers:
                found[name] = sorted(set(numbers))
    return found


# ---------------------------------------------------------------- grants created since: the grant_supplier fix


def test_grant_supplier_fix_tells_to_move_a_grant_when_the_extract_holds_the_grant_at_the_supplier(tmp_path):
    """Scenario: citizen 720385-4321 goes to a day offer at Lystrup (CVR 36209488, grant B-3001, 950 kr. a day)
    and, from March 2019, lives at Bostedet Solhøj, who bill March: 29.450,00 kr. (31 days at 950 kr.). Week 1:
    no grant at Solhøj yet, NO_GRANT_FOR_SUPPLIER. The caseworker creates B-2001 at Solhøj (950 kr. a day from
    01.03.2019); week 2's run reads the new extract. At month's end ``invoicekit actions --grants`` is given
    week 2's extract, the one the month's last run read.

    Found: actions.csv still says ``grant_supplier:B-3001``: "Ret leverandøren på bevilling B-3001 fra CVR
    36209488 til CVR 29345716, eller opret bevillingen hos CVR 29345716": B-2001, the grant at Solhøj covering
    March with the invoiced amount, is in the very extract given. 0.9.45's ``_granted_since`` is checked only in
    the ``grant_missing`` branch of ``_grant_fixes``; the ``grant_supplier`` branch comes first and never reads
    it.

    Expected (README, 0.9.45): no grant fix "where the grants given (``--grants``) hold a grant at the supplier
    covering the invoice's period for a citizen born that day: registered since the run that held it, for a
    month's later runs, and not to be created twice"; ``grant_supplier`` is for a grant "registered at the wrong
    supplier", and here the citizen has one at the right supplier.

    Why it matters: the caseworker is told to move the day offer's grant (right where it is) to Solhøj or to
    create Solhøj's grant a second time. Followed, the citizen has two grants at Solhøj: every later Solhøj
    invoice matches two (AMBIGUOUS) or is paid on either, and Lystrup's invoices find no grant."""
    journal = tmp_path / "journal.sqlite"
    day_offer = _grant("B-3001", "720385-4321", service="SEL104-AKT", rate="950.00", start="01-01-2019",
                       supplier=LYSTRUP, unit="day")  # fmt: skip
    week1 = _write(tmp_path / "grants-uge1.csv", GRANT_HEADER, [_grant("B-1001", "610190-1234"), day_offer])
    week2 = _write(
        tmp_path / "grants-uge2.csv",
        GRANT_HEADER,
        [
            _grant("B-1001", "610190-1234"),
            day_offer,
            _grant("B-2001", "720385-4321", rate="950.00", start="01-03-2019", unit="day"),
        ],
    )
    assert _run(tmp_path, "uge1", week1, [_invoice("SOL-1", "720385-4321", amount="29.450,00")], journal) == [
        "NO_GRANT_FOR_SUPPLIER"
    ]
    _run(tmp_path, "uge2", week2, [_invoice("SOL-2", "610190-1234")], journal)
    # with week 2's extract the robot finds B-2001 for that very invoice: it would post it
    assert _run(tmp_path, "check", week2, [_invoice("SOL-9", "720385-4321", amount="29.450,00")],
                tmp_path / "check.sqlite") == [""]  # fmt: skip

    fixes = _fixes(_actions(tmp_path, journal, "--grants", str(week2)))
    moved = [k for k in fixes.index if k.startswith(("grant_supplier:", "grant_missing:"))]
    assert not moved, (
        "the caseworker is told to move a grant or create one though the extract given holds the citizen's grant "
        f"at Solhøj (B-2001): {[fixes.loc[k, 'action'] for k in moved]}"
    )


def test_grant_missing_tells_to_create_a_second_grant_where_the_supplier_has_one_from_mid_period(tmp_path):
    """Scenario: week 1, Solhøj bills March 2019 for citizen 720385-4321, who has no grant: NO_GRANT. The
    caseworker creates B-2001 at Solhøj, from 15.03.2019 (the date of the decision, not of the move). Week 2's
    run reads that extract, and so does ``invoicekit actions --grants`` at month's end.

    Found: actions.csv: ``grant_missing:720385-xxxx:29345716``, "Opret bevillingen: borger 720385-xxxx hos
    leverandør CVR 29345716 ...": create a grant. ``_granted_since`` skips the fix only for a grant covering the
    whole period; one covering part of it lets the old "create" fix through, though the citizen now has a grant
    at this supplier (the robot would now say PERIOD_NOT_COVERED, whose fix is to backdate B-2001).

    Expected (README): ``grant_missing`` is for "no grant for the citizen at this supplier: create it", and
    since 0.9.45 a grant registered since is "not to be created twice". The grant to act on is B-2001: "A
    grant's period fix asks first whether the service went on ..., then to extend or backdate".

    Why it matters: followed, the citizen has two grants at Solhøj from 15.03 on: every later month's invoice
    matches both (AMBIGUOUS, manual every month) or is paid on either, the README's own ``grant_double``."""
    journal = tmp_path / "journal.sqlite"
    week1 = _write(tmp_path / "grants-uge1.csv", GRANT_HEADER, [_grant("B-1001", "610190-1234")])
    week2 = _write(
        tmp_path / "grants-uge2.csv",
        GRANT_HEADER,
        [_grant("B-1001", "610190-1234"), _grant("B-2001", "720385-4321", start="15-03-2019")],
    )
    assert _run(tmp_path, "uge1", week1, [_invoice("SOL-1", "720385-4321")], journal) == ["NO_GRANT"]
    _run(tmp_path, "uge2", week2, [_invoice("SOL-2", "610190-1234")], journal)

    fixes = _fixes(_actions(tmp_path, journal, "--grants", str(week2)))
    assert "grant_missing:720385-xxxx:29345716" not in fixes.index, (
        "the caseworker is told to create a grant at Solhøj though B-2001, at Solhøj from 15.03.2019, is in the "
        "extract given: " + fixes.loc["grant_missing:720385-xxxx:29345716", "action"]
    )


# ---------------------------------------------------------------- the template's figures in the follow-up


def test_followup_template_figures_count_invoices_the_fix_list_leaves_out(tmp_path):
    """Scenario: attack r11's third case, now in the follow-up. Solhøj has a § 108 citizen (610190-1234) and a
    § 97 one (720385-4321: SEL97-LED, a paragraph the rules keep from the robot). In March it sends one invoice
    for each without a period, and the § 97 citizen's regular invoice. ``invoicekit report followup --grants
    --support-sheet``, as the README and ``make demo`` run it.

    Found: followup.xlsx, sheet *Kontaktskabelon*: Solhøj, "Fakturaer, skabelonen retter" 2, "Procentpoint,
    skabelonen kan give" 66,7 (and 2 in *Leverandører*); the same workbook's *Opgaver - Leverandør* (the fix
    list, 0.9.45) says ``template:29345716`` "1 uden periode (1 faktura, 33,3 procentpoint)". The mend of
    ``_template_sentence`` reached the fix list only: ``supplier_followup``/``template_candidates`` count every
    template-fixable invoice of the supplier, the § 97 one too, which would not post with a period.

    Expected (README, follow-up): the suppliers that would gain most from the contact template, by "the reasons
    of the ``template:<cvr>`` fix in ``invoicekit actions`` ..., and with ``--grants`` none at a supplier at
    which no grant can post, as that fix"; and the fix list leaves out "an invoice that a fix would take past
    its check only to meet the robot's rules (... every grant of the citizen at the supplier of a paragraph the
    rules leave out)".

    Why it matters: one report gives a manager two figures for the same letter, 66,7 and 33,3 points; the
    table that ranks suppliers to contact promises twice what the template can win."""
    journal = tmp_path / "journal.sqlite"
    grants = _write(
        tmp_path / "grants.csv",
        GRANT_HEADER,
        [_grant("B-1001", "610190-1234"), _grant("B-1010", "720385-4321", service="SEL97-LED", rate="3000.00")],
    )
    reasons = _excluded_paragraph_month(tmp_path, grants, journal)
    assert reasons == ["MISSING_PERIOD", "MISSING_PERIOD", "PARAGRAPH_EXCLUDED"]
    sheet = str(EXAMPLE / "stoetteark.xlsx")
    fix = _fixes(_actions(tmp_path, journal, "--grants", str(grants), "--support-sheet", sheet)).loc[
        f"template:{SOLHOJ}"
    ]
    assert fix["invoices"] == 1

    out = tmp_path / "rapport"
    assert main(["report", "followup", "--journal", str(journal), "--grants", str(grants), "--support-sheet", sheet,
                 "--out", str(out), "--quiet"]) == 0  # fmt: skip
    table = pd.read_excel(
        out / "followup.xlsx", sheet_name="Kontaktskabelon", dtype={"Leverandør (CVR)": str}, engine="openpyxl"
    )
    row = table[table["Leverandør (CVR)"].astype(str) == SOLHOJ].iloc[0]
    assert int(row["Fakturaer, skabelonen retter"]) == fix["invoices"], (
        f"the follow-up says the template fixes {int(row['Fakturaer, skabelonen retter'])} of Solhøj's invoices "
        f"({row['Procentpoint, skabelonen kan give']:.1f} points), the fix list {fix['invoices']} "
        f"({fix['points']:.1f} points)"
    )


# ---------------------------------------------------------------- letters: CPR numbers the masking misses


def test_a_cpr_number_in_the_templates_html_alt_chunk_reaches_every_letter(tmp_path):
    """Scenario: the municipality's template was made by its case system's letter generator, which puts the
    standard paragraph as an HTML "alt chunk" (``w:altChunk``, a ``word/afchunk1.html`` part of type
    ``text/html``, which Word renders in place when it opens the document). That paragraph still holds a
    citizen's CPR number, "Borger 120190-4321".

    Found: every letter in ``breve/`` and kontaktskabelon.docx carry ``word/afchunk1.html`` with 120190-4321 in
    full, shown in the letter's body by Word. ``_mask_everywhere`` masks a part python-docx keeps as bytes only
    where its content type holds "xml" (``elif "xml" in part.content_type``): ``text/html``, ``text/plain``,
    ``application/rtf`` and ``message/rfc822`` alt chunks are left as they are.

    Expected (README): "Any CPR number the template holds is masked in every letter"; ``actions --help``: "CPR
    numbers appear masked (DDMMYY-xxxx) in every file".

    Why it matters: a citizen's full CPR number goes to every supplier on the template list."""
    journal = _template_run(tmp_path)
    own = docx.Document()
    own.add_paragraph("Kære {{leverandør}}")
    chunk = Part(
        PackURI("/word/afchunk1.html"),
        "text/html",
        b"<html><body><p>Borger 120190-4321 har spurgt til sin sag.</p></body></html>",
        own.part.package,
    )
    rid = own.part.relate_to(chunk, RELATIONSHIP_TYPE.A_F_CHUNK)
    body = own.element.body
    body.insert(len(body) - 1, parse_xml(f'<w:altChunk {nsdecls("w", "r")} r:id="{rid}"/>'))
    own.add_paragraph("{{eksempler}}")
    own.save(str(tmp_path / "skabelon.docx"))

    out = _actions(tmp_path, journal, "--template", str(tmp_path / "skabelon.docx"))
    _no_cpr_in_letters(out)


def test_a_cpr_number_split_over_two_runs_in_a_footnote_reaches_every_letter(tmp_path):
    """Scenario: the template has a footnote "Se borger 120190-4321", which Word saved in two runs
    (``<w:t>Se borger 120190-</w:t>`` and ``<w:t>4321</w:t>``: Word splits runs at each editing session, at a
    spelling mark, a change of formatting).

    Found: every letter's ``word/footnotes.xml`` reads "Se borger 120190-4321" to whoever opens it. python-docx
    keeps the footnotes part (like endnotes and the glossary) as bytes, and ``_mask_everywhere`` masks such a
    part with a regular expression on each text node alone (``_XML_TEXT``): "120190-" and "4321" are no CPR
    number each. The paragraph masking that joins runs (``_mask_paragraph``) is used only for the parts
    python-docx parses (body, headers, footers, comments).

    Expected (README): "Any CPR number the template holds is masked in every letter: in the body, tables,
    headers, footers, text boxes, comments and footnotes ... (a number split over runs too)".

    Why it matters: a citizen's full CPR number goes to every supplier on the template list, in a footnote
    printed on the letter's first page."""
    journal = _template_run(tmp_path)
    own = docx.Document()
    own.add_paragraph("Kære {{leverandør}}")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    footnotes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {w}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        "</w:footnote>"
        '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> Se borger 120190-</w:t>'
        "</w:r><w:r><w:t>4321</w:t></w:r></w:p></w:footnote></w:footnotes>"
    ).encode()
    part = Part(
        PackURI("/word/footnotes.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        footnotes,
        own.part.package,
    )
    own.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    p = own.add_paragraph("Vi henviser til sagen.")
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:footnoteReference w:id="1"/></w:r>'))
    own.add_paragraph("{{eksempler}}")
    own.save(str(tmp_path / "skabelon.docx"))

    out = _actions(tmp_path, journal, "--template", str(tmp_path / "skabelon.docx"))
    _no_cpr_in_letters(out)


# ---------------------------------------------------------------- letters: valid templates broken


def test_examples_placeholder_in_a_merged_table_cell_stops_actions_with_an_unexpected_error(tmp_path, capsys):
    """Scenario: the municipality's letter is laid out in a table (a letterhead), and ``{{eksempler}}`` stands
    alone in a cell merged across the table's two columns (Word's Merge Cells, the usual way to give the
    examples the letter's full width).

    Found: ``invoicekit actions --template`` prints "invoicekit: error: unexpected AttributeError: 'NoneType'
    object has no attribute 'tag' (please report it)" and exits 1; nothing is written (no actions.csv, no
    workbook, no letter). ``letters._paragraphs`` takes ``row.cells``, in which python-docx repeats a merged
    cell once per column it spans: ``fill_letter`` meets the placeholder's paragraph twice, and the second time
    ``_table`` asks for the parent of the paragraph the first time removed (0.9.45's new
    ``p._p.getparent().tag``).

    Expected (letters.py): the template is "any .docx whose text holds the placeholders below (in the body or
    in table cells ...)", ``{{eksempler}}`` "on a paragraph of its own: replaced by a table"; the README: exit 2
    with one line naming the input for an input that cannot be used, never an unexpected error, and the fix
    list is "Written in ``--out``, all or nothing".

    Why it matters: a valid template takes the whole month's fix list with it: no list, no workbook, no letter,
    and an error that tells the user to report a bug rather than what to change."""
    journal = _template_run(tmp_path)
    own = docx.Document()
    own.add_paragraph("Til {{leverandør}}")
    layout = own.add_table(rows=1, cols=2)
    layout.cell(0, 0).merge(layout.cell(0, 1)).text = "{{eksempler}}"
    own.save(str(tmp_path / "skabelon.docx"))

    out = tmp_path / "opgaver"
    code = main(["actions", "--journal", str(journal), "--template", str(tmp_path / "skabelon.docx"),
                 "--out", str(out), "--quiet"])  # fmt: skip
    assert code == 0, f"exit {code}: {capsys.readouterr().err.strip()}"
    letter = docx.Document(str(out / "breve" / f"{SOLHOJ}.docx"))
    cell = letter.tables[0]._tbl.tr_lst[0].tc_lst[0]
    assert len(cell.findall(qn("w:tbl"))) == 1, "the examples table is in the merged cell, once"


def test_a_placeholder_in_a_nested_table_reaches_the_supplier_unfilled(tmp_path):
    """Scenario: the template's letterhead is a layout table with a table inside one of its cells (the
    address block), and that inner table's cell reads "{{leverandør}}: {{antal}} fakturaer i {{måned}}".

    Found: the letter to Solhøj says "{{leverandør}}: {{antal}} fakturaer i {{måned}}" as written: no
    placeholder in a nested table is filled. ``letters._paragraphs`` reads the paragraphs of the body's and the
    headers' tables' cells (``cell.paragraphs``), never of a table inside a cell; ``read_template`` checks the
    same paragraphs, so an unknown ``{{navn}}`` there is not refused either.

    Expected (letters.py): "any .docx whose text holds the placeholders below (in the body or in table cells
    ...)"; README: ``breve/<cvr>.docx`` is "a Danish letter to each supplier on the template list", made from
    the template with ``{{leverandør}}`` "(``Bostedet Lind (CVR 29345716)`` by the name its latest invoice gave"
    and ``{{antal}}`` filled in.

    Why it matters: every supplier gets a letter that reads "Til {{leverandør}}" and "{{antal}} fakturaer":
    the municipality sends a form with its blanks, or has to find and mend each letter by hand."""
    journal = _template_run(tmp_path)
    own = docx.Document()
    own.add_paragraph("Kære leverandør")
    layout = own.add_table(rows=1, cols=1)
    inner = layout.cell(0, 0).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "{{leverandør}}: {{antal}} fakturaer i {{måned}}"
    own.add_paragraph("{{eksempler}}")
    own.save(str(tmp_path / "skabelon.docx"))

    out = _actions(tmp_path, journal, "--template", str(tmp_path / "skabelon.docx"))
    letter = docx.Document(str(out / "breve" / f"{SOLHOJ}.docx"))
    text = letter.tables[0].cell(0, 0).tables[0].cell(0, 0).text
    assert "{{" not in text, f"the letter to Solhøj reads {text!r}"
    assert text == "Bostedet Solhøj (CVR 29345716): 1 fakturaer i marts 2019", text


def test_masking_every_attribute_turns_a_content_controls_number_id_into_text(tmp_path):
    """Scenario: the template has content controls (``w:sdt``, Word's "Klik her for at angive tekst" fields,
    common in municipal letterheads). Word gives each a random 32-bit id, ``<w:id w:val="1708921537"/>`` and
    ``<w:id w:val="-2103871146"/>``: half of such ids have ten digits, and about one in nine of those reads as
    a valid CPR number (17.08.92-1537, 21.03.87-1146): one id in eighteen.

    Found: in every letter and kontaktskabelon.docx the ids are ``170892-xxxx`` and ``-210387-xxxx``.
    0.9.45's ``_mask_everywhere`` masks every attribute of every part (``for name, value in node.items()``),
    numbers that are no CPR number too. ``w:id`` is an ``ST_DecimalNumber`` (ECMA-376): a letter with text in
    it is no valid package, and Word opens it with "Word found unreadable content" (as it does for any integer
    attribute it cannot read). The same masking breaks GUIDs (``w15:docId``, ``a16:creationId``,
    ``ds:itemID``) whose hex digits happen to hold ten decimal ones.

    Expected (README): the template's CPR numbers masked, "A paragraph whose number was masked keeps its first
    run's formatting only": nothing else of the template changed; ``breve/<cvr>.docx`` "a Danish letter to each
    supplier", for the municipality to send. A number that is an element's id is no CPR number.

    Why it matters: of templates with five content controls, one in four makes every letter a file Word calls
    damaged: the municipality either sends letters that open with a repair prompt or mends each by hand."""
    journal = _template_run(tmp_path)
    own = docx.Document()
    own.add_paragraph("Til {{leverandør}}")
    body = own.element.body
    ids = ("1708921537", "-2103871146")
    for n, sdt_id in enumerate(ids):
        body.insert(
            len(body) - 1,
            parse_xml(
                f'<w:p {nsdecls("w")}><w:sdt><w:sdtPr><w:alias w:val="Felt {n}"/><w:id w:val="{sdt_id}"/>'
                "</w:sdtPr><w:sdtContent><w:r><w:t>Sagsbehandler</w:t></w:r></w:sdtContent></w:sdt></w:p>"
            ),
        )
    own.add_paragraph("{{eksempler}}")
    own.save(str(tmp_path / "skabelon.docx"))

    out = _actions(tmp_path, journal, "--template", str(tmp_path / "skabelon.docx"))
    for path in [out / "breve" / f"{SOLHOJ}.docx", out / "kontaktskabelon.docx"]:
        document = docx.Document(str(path)).element
        found = tuple(e.get(qn("w:val")) for e in document.iter(qn("w:id")))
        assert found == ids, f"{path.name}: the content controls' ids (integers) are now {found}"
