"""Attack r11 on ``invoicekit actions`` (the fix list, its workbook and the supplier letters). Each test runs the
commands a municipality runs (``invoicekit run`` on small hand-made extracts, then ``invoicekit actions``) and
reads the files it writes; each failed on the code as found."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import docx
import pandas as pd
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from invoicekit.cli import main

EXAMPLE = Path(__file__).parent / "data" / "example"
SOLHOJ = "29345716"  # Bostedet Solhøj, privat, in the example support sheet
CPR_RE = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
GRANT_HEADER = ["grant_id", "cpr", "service_code", "service_name", "supplier_cvr", "rate", "rate_unit",
                "start_date", "end_date"]  # fmt: skip
INVOICE_HEADER = ["Fakturanummer", "Leverandør CVR", "Leverandør", "CPR-nr", "Periode fra", "Periode til", "Beløb",
                  "Tekst", "Fakturadato"]  # fmt: skip


def _grant(gid: str, cpr: str, service: str = "SEL108-BO", rate: str = "28500.00", start: str = "01-01-2018",
           supplier: str = SOLHOJ, unit: str = "month") -> dict:  # fmt: skip
    return {"grant_id": gid, "cpr": cpr, "service_code": service, "service_name": "", "supplier_cvr": supplier,
            "rate": rate, "rate_unit": unit, "start_date": start, "end_date": ""}  # fmt: skip


def _invoice(number: str, cpr: str, amount: str = "28.500,00", start: str = "01.03.2019", end: str = "31.03.2019"):
    return {"Fakturanummer": number, "Leverandør CVR": SOLHOJ, "Leverandør": "Bostedet Solhøj", "CPR-nr": cpr,
            "Periode fra": start, "Periode til": end, "Beløb": amount, "Tekst": "Døgnophold",
            "Fakturadato": "05.04.2019"}  # fmt: skip


def _write(path: Path, header: list[str], rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, header, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _run(tmp_path: Path, name: str, grants: Path, invoices: list[dict], journal: Path) -> list[str]:
    """``invoicekit run`` of ``invoices`` (an extract named for March 2019) recorded in ``journal``: the reasons."""
    extract = _write(tmp_path / name / "invoices-2019-03.csv", INVOICE_HEADER, invoices)
    option = "--journal" if journal.exists() else "--new-journal"
    args = ["run", "--grants", str(grants), "--invoices", str(extract), "--support-sheet",
            str(EXAMPLE / "stoetteark.xlsx"), "--rules", str(EXAMPLE / "rules.toml"), option, str(journal),
            "--out", str(tmp_path / name / "out"), "--quiet"]  # fmt: skip
    assert main(args) == 0
    decided = pd.read_csv(tmp_path / name / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    return decided["reason"].tolist()


def _actions(tmp_path: Path, journal: Path, *more: str) -> Path:
    out = tmp_path / "opgaver"
    assert main(["actions", "--journal", str(journal), *more, "--out", str(out), "--quiet"]) == 0
    return out


def _excluded_paragraph_month(tmp_path: Path, grants: Path, journal: Path) -> list[str]:
    """March at Solhøj: one invoice without a period for a § 108 citizen (610190-1234) and one for a § 97 citizen
    (720385-4321, a paragraph the example rules keep from the robot), and the § 97 citizen's regular invoice: the
    reasons."""
    invoices = [
        _invoice("SOL-1", "610190-1234", start="", end=""),
        _invoice("SOL-2", "720385-4321", amount="3.000,00", start="", end=""),
        _invoice("SOL-3", "720385-4321", amount="3.000,00"),
    ]
    return _run(tmp_path, "march", grants, invoices, journal)


def _fixes(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "actions.csv", dtype={"invoices": int}, keep_default_na=False).set_index("fix_key")


# ---------------------------------------------------------------- 1: a CPR number in the template reaches every letter


def test_a_cpr_number_in_the_templates_link_target_simple_field_or_control_title_reaches_every_letter(tmp_path):
    """Scenario: the municipality edits kontaktskabelon.docx in Word from a letter once written about one
    citizen, and gives it back with ``--template``. It still holds that citizen's CPR number in a hyperlink to
    the case (the link's address, https://sag.kommune.dk/borger?cpr=1201904321, behind the text "sagen"), in a
    simple field (``w:fldSimple``, the form Word saves a HYPERLINK or MERGEFIELD field in) and in a content
    control's title and tag (the title Word shows on the control's tab).

    Found: every letter in ``breve/`` (and kontaktskabelon.docx) carries 1201904321 and 120190-4321 in full:
    in ``word/_rels/document.xml.rels`` (the hyperlink's target: shown when the supplier points at the link,
    and sent to the case system when clicked), in ``w:instr`` of the simple field and in ``w:alias``/``w:tag``
    of the control. ``_mask_everywhere`` masks text nodes (``w:t``, ``w:delText``, ``w:instrText``) and two
    attributes (``descr``, ``title``), never a relationship target or the other attributes.

    Expected (README): "Any CPR number the template holds is masked in every letter: in the body, tables,
    headers, footers, text boxes, comments and footnotes, tracked insertions and deletions, hyperlinks, content
    controls, field codes and smart tags"; and "CPR numbers appear masked (DDMMYY-xxxx) in every file"
    (``actions --help``).

    Why it matters: a citizen's full CPR number goes out to every supplier on the list, outside the
    municipality: the one thing the masking promises never happens."""
    journal = tmp_path / "journal.sqlite"
    grants = _write(tmp_path / "grants.csv", GRANT_HEADER, [_grant("B-1001", "610190-1234")])
    _run(tmp_path, "march", grants, [_invoice("SOL-1", cpr="")], journal)  # no CPR number: the template's letter

    own = docx.Document()
    own.add_paragraph("Kære {{leverandør}}")
    p = own.add_paragraph("Se ")
    rid = p.part.relate_to("https://sag.kommune.dk/borger?cpr=1201904321", RELATIONSHIP_TYPE.HYPERLINK, True)
    body = own.element.body
    for inner in (
        f'<w:hyperlink r:id="{rid}"><w:r><w:t>sagen</w:t></w:r></w:hyperlink>',
        '<w:fldSimple w:instr=" HYPERLINK &quot;https://sag.kommune.dk/?cpr=1201904321&quot; ">'
        "<w:r><w:t>sagen</w:t></w:r></w:fldSimple>",
        '<w:sdt><w:sdtPr><w:alias w:val="Borger 120190-4321"/><w:tag w:val="1201904321"/></w:sdtPr>'
        "<w:sdtContent><w:r><w:t>felt</w:t></w:r></w:sdtContent></w:sdt>",
    ):
        body.insert(len(body) - 1, parse_xml(f"<w:p {nsdecls('w', 'r')}>{inner}</w:p>"))
    own.add_paragraph("{{eksempler}}")
    own.save(str(tmp_path / "skabelon.docx"))

    out = _actions(tmp_path, journal, "--template", str(tmp_path / "skabelon.docx"))
    letters = sorted((out / "breve").glob("*.docx"))
    assert [p.name for p in letters] == [f"{SOLHOJ}.docx"]
    for path in [*letters, out / "kontaktskabelon.docx"]:
        with zipfile.ZipFile(path) as z:
            found = {
                name: CPR_RE.findall(z.read(name).decode("utf-8", "replace"))
                for name in z.namelist()
                if name.endswith((".xml", ".rels"))
            }
        found = {name: numbers for name, numbers in found.items() if numbers}
        assert not found, f"{path.name} holds full CPR numbers from the template: {found}"


# ---------------------------------------------------------------- 2: a grant already registered is to be created again


def test_a_grant_the_given_extract_already_holds_is_proposed_created_again(tmp_path):
    """Scenario: a month of weekly runs. Week 1: Solhøj bills March for citizen 720385-4321, who has no grant:
    NO_GRANT, and the caseworker creates grant B-2001 in Sensum (28,500 kr. a month at Solhøj, from
    01.01.2019). Week 2's run reads the new grant extract (B-2001 in it). At month's end the analyst runs
    ``invoicekit actions --grants <week 2's extract>``, the extract the month's last run read (no warning).

    Found: actions.csv's one fix is ``grant_missing:720385-xxxx:29345716``, "Opret bevillingen: borger
    720385-xxxx hos leverandør CVR 29345716 ...", 1 invoice, 50.0 points: B-2001, in the very extract given,
    is that grant, covering the invoice's period with its amount. ``_grant_fixes`` proposes a grant to create
    for every NO_GRANT (and NO_GRANT_FOR_SUPPLIER) invoice without looking at the grants it is given.

    Expected (README): ``grant_missing`` is for "no grant for the citizen at this supplier: create it"; and the
    same release line mended this for the other inputs: "an invoice the sheet given codes ... is no longer
    counted (since 0.9.38: a row added for the month's later runs was proposed again)", and the max amount
    "(today's: since 0.9.38 a limit raised for the month's later runs was proposed again)". A fix is "proposed
    only on evidence found in the decisions (and, where given, the grants ...)".

    Why it matters: the caseworker is told to register a grant that exists: followed, the citizen has the
    grant twice (the README's own ``grant_double`` cause), and every later invoice of the citizen matches two
    grants (AMBIGUOUS, manual) or is paid on either; the fix's 50 points are worth nothing."""
    journal = tmp_path / "journal.sqlite"
    week1 = _write(tmp_path / "grants-uge1.csv", GRANT_HEADER, [_grant("B-1001", "610190-1234")])
    week2 = _write(
        tmp_path / "grants-uge2.csv",
        GRANT_HEADER,
        [_grant("B-1001", "610190-1234"), _grant("B-2001", "720385-4321", start="01-01-2019")],
    )
    _run(tmp_path, "uge1", week1, [_invoice("SOL-1", "720385-4321")], journal)
    _run(tmp_path, "uge2", week2, [_invoice("SOL-2", "610190-1234")], journal)
    decided = pd.read_csv(tmp_path / "uge1" / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert decided["reason"].tolist() == ["NO_GRANT"]

    fixes = _fixes(_actions(tmp_path, journal, "--grants", str(week2)))
    assert "grant_missing:720385-xxxx:29345716" not in fixes.index, (
        "the caseworker is told to create a grant the given extract already holds (B-2001): " + fixes["action"].iat[0]
    )


# ---------------------------------------------------------------- 3: the template fix's sentence counts invoices it leaves out


def test_the_template_fix_sentence_counts_invoices_the_rules_keep_from_posting(tmp_path):
    """Scenario: Solhøj (CVR 29345716) has two citizens: 610190-1234 under § 108 (posted by the robot) and
    720385-4321 under SEL97-LED, § 97, a paragraph the rules (``paragraphs`` without 97) keep from the robot.
    In March it sends one invoice for each without a period (MISSING_PERIOD), and the § 97 citizen's regular
    invoice (PARAGRAPH_EXCLUDED). ``invoicekit actions --grants --support-sheet``.

    Found: actions.csv: ``template:29345716``, "Send kontaktskabelonen til Bostedet Solhøj (CVR 29345716):
    2 uden periode (1 faktura, 33,3 procentpoint)", ``invoices`` 1. The § 97 citizen's invoice is rightly not
    linked (with a period it would still not post), but ``_template_fixes`` writes the sentence from every
    template-fixable invoice of the supplier before ``fix_list`` drops the blocked ones: the same row says 2
    and 1. The letter to Solhøj says 1 ({{mangler}} from the linked invoices); actions.xlsx's sheet
    *Opgaver - Leverandør* and *Manuelle fakturaer* show "2 uden periode" beside 1.

    Expected (README): a fix is grouped from "Invoices that one change would let through ... with the invoices
    it would unlock", and "nor does an invoice that a fix would take past its check only to meet the robot's
    rules (its supplier excluded, or every grant of the citizen at the supplier of a paragraph the rules leave
    out)". The figures in one row must agree.

    Why it matters: a misleading figure in the list a manager ranks work by: the action promises twice the
    invoices the fix is counted for, and the letter the supplier gets says another number than the list."""
    journal = tmp_path / "journal.sqlite"
    grants = _write(
        tmp_path / "grants.csv",
        GRANT_HEADER,
        [_grant("B-1001", "610190-1234"), _grant("B-1010", "720385-4321", service="SEL97-LED", rate="3000.00")],
    )
    _excluded_paragraph_month(tmp_path, grants, journal)
    decided = pd.read_csv(tmp_path / "march" / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert decided["reason"].tolist() == ["MISSING_PERIOD", "MISSING_PERIOD", "PARAGRAPH_EXCLUDED"]

    out = _actions(tmp_path, journal, "--grants", str(grants), "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"))
    fix = _fixes(out).loc[f"template:{SOLHOJ}"]
    counted = sum(int(n) for n in re.findall(r"(\d+) (?:uden|med) ", fix["action"].split(": ", 1)[1]))
    assert counted == fix["invoices"], (
        f"the action counts {counted} invoices, the fix {fix['invoices']}: {fix['action']}"
    )


# ---------------------------------------------------------------- 4: {{eksempler}} in a table cell


def test_examples_placeholder_in_a_table_cell_leaves_the_cell_without_a_paragraph(tmp_path):
    """Scenario: the municipality's letter template is laid out in a table (as Danish municipal letterheads
    often are), and ``{{eksempler}}`` stands alone in a paragraph of a table cell, the last one in it. The
    module says placeholders may stand "in the body or in table cells".

    Found: in every letter that cell holds the examples table and nothing after it (``<w:tc><w:tcPr/><w:tbl>
    ...</w:tbl></w:tc>``): ``letters._table`` puts the table after the placeholder's paragraph and removes the
    paragraph. Word requires a table cell to end with a paragraph; a letter whose cell ends with a nested
    table opens with "Word found unreadable content ... Do you want to recover the contents?" (as python-docx,
    pandoc and unioffice users report; Word's own nested tables always end with an empty paragraph).

    Expected (letters.py, the template's contract): "any .docx whose text holds the placeholders below (in the
    body or in table cells ...)"; ``{{eksempler}}`` "on a paragraph of its own: replaced by a table"; README:
    `breve/<cvr>.docx` is "a Danish letter to each supplier", for the municipality to send.

    Why it matters: every letter to every supplier on the list is a file Word calls damaged; the municipality
    either sends letters that open with a repair prompt or has to fix each by hand."""
    journal = tmp_path / "journal.sqlite"
    grants = _write(tmp_path / "grants.csv", GRANT_HEADER, [_grant("B-1001", "610190-1234")])
    _run(tmp_path, "march", grants, [_invoice("SOL-1", cpr="")], journal)
    own = docx.Document()
    own.add_paragraph("Til {{leverandør}}")
    layout = own.add_table(rows=1, cols=1)
    layout.cell(0, 0).text = "{{eksempler}}"
    own.save(str(tmp_path / "skabelon.docx"))

    out = _actions(tmp_path, journal, "--template", str(tmp_path / "skabelon.docx"))
    letter = docx.Document(str(out / "breve" / f"{SOLHOJ}.docx"))
    cell = letter.tables[0]._tbl.tr_lst[0].tc_lst[0]
    assert cell.findall(qn("w:tbl")), "the examples table is in the cell"
    blocks = [child.tag for child in cell if child.tag != qn("w:tcPr")]
    assert blocks[-1] == qn("w:p"), f"the cell ends with {blocks[-1]}, not a paragraph: Word calls the letter damaged"
