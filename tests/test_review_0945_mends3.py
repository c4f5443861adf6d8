"""Attack r16 on the last hour's mends (0.9.45: delivery's refusal of a changed file and 0.9.44's order, the
replay's "after the work was done", the letters' embedded objects).

Each test fails on the code as found and passes once its defect is mended. The robot scenes use the example
municipality of tests/test_attacks.py: citizen 610190-1234, grant B-1001 (§ 108 at Solhøj, 28,500 kr. a
month); ``month(m)`` is its invoice for month ``m`` of 2019."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.test_attacks import month
from tests.test_attacks import robot as robot  # a fixture, found by its name
from tests.test_review_0945_mends2 import _delivered, _killed_while_delivering

# ---------------------------------------------------------------- 1: delivery


def test_a_payment_file_lost_from_the_staging_folder_of_a_run_this_version_stopped_passes_as_delivered(robot):
    """Scenario: run 2 (March, F-1, 28.500,00 kr.) is recorded by THIS version and killed (a power cut) while
    its files are moved into ``o1``, in this version's order (by name, ``run.json`` last): ``decision_lines.csv``
    and ``decisions.csv`` are in place; ``input_problems.csv``, ``opus_notes.csv``, ``opus_postings.csv``,
    ``sensum_paid.csv`` and ``run.json`` are still staged. Before the next run ``opus_postings.csv`` is lost from
    the staging folder (deleted by a clean-up, quarantined by a virus scanner): it was never delivered. Then
    April's run on the journal.

    Now: exit 0, "run 2's files were delivered into o1; opus_postings.csv have been taken from there since
    (imported?)", run 2 marked delivered, April decided. In this version's order ``opus_postings.csv`` comes
    after ``input_problems.csv`` and ``opus_notes.csv``, still staged, so it was never moved; but
    ``_moved_before`` now also tries ``ORDER_BEFORE_0945`` (0.9.44's order, where the payment file is third)
    for every run, not only for a run 0.9.44 stopped, and there it "was moved".

    README (0.9.45): "only the delivery takes a file from the staging folder, in one order (by name,
    ``run.json`` last), so a file gone while one after it is still staged was delivered (as it is in the order
    0.9.44 and earlier delivered in, for a run one of them stopped)"; and "… and the staged files were deleted |
    a recorded run without its files | stops with exit 2 naming the run and the folder, and decides nothing until
    they are restored". The journal keeps each run's ``tool_version``.

    Why it matters: March's payment file never reaches OPUS, yet the journal records the month as posted and
    delivered (its grant periods paid, its invoices DUPLICATE_INVOICE from now on), and the only word is a
    warning that it was probably imported: a whole month's payments lost without an error."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    staging = _killed_while_delivering(robot, "decisions.csv")  # this version's order: decision_lines, decisions
    o1 = robot.tmp / "o1"
    assert (o1 / "decisions.csv").is_file() and not (o1 / "opus_postings.csv").exists()
    assert (staging / "opus_notes.csv").is_file() and (staging / "input_problems.csv").is_file()
    (staging / "opus_postings.csv").unlink()  # lost, never delivered

    code, printed, _ = robot.run(month(4, invoice_id="F-2"), out="o2")
    said = printed.out + printed.err
    # observed: exit 0, "opus_postings.csv have been taken from there since (imported?)", run 2 marked delivered
    assert code == 2, said
    assert "opus_postings.csv" in said and "taken from there since" not in said, said
    assert not _delivered(robot.journal, 2)


# ---------------------------------------------------------------- 3: letters


def _template_with_embedded(path: Path, name: str, content_type: str, blob: bytes) -> None:
    """A template with a chart as Word makes one (``word/charts/chart1.xml``), its data in the package Word
    embeds beside it, ``word/embeddings/<name>`` (``blob``)."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    doc = docx.Document()
    doc.add_paragraph("Til {{leverandør}}")
    doc.add_paragraph("{{eksempler}}")
    package = doc.part.package
    chart = Part(
        PackURI("/word/charts/chart1.xml"),
        "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b"<c:chart><c:plotArea><c:layout/></c:plotArea></c:chart>"
        b'<c:externalData r:id="rId1"><c:autoUpdate val="0"/></c:externalData></c:chartSpace>',
        package,
    )
    assert chart.relate_to(Part(PackURI(f"/word/embeddings/{name}"), content_type, blob, package), RT.PACKAGE) == "rId1"
    doc.part.relate_to(chart, RT.CHART)
    doc.save(str(path))


def _workbook(label: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Måned", "Andel bogført automatisk"])
    book.active.append([label, 0.52])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _with_member(package: bytes, name: str, blob: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for m in src.infolist():
            dst.writestr(m, src.read(m))
        dst.writestr(name, blob)
    return out.getvalue()


def _letter_document(text: str) -> bytes:
    import docx

    doc = docx.Document()
    doc.add_paragraph(text)
    data = io.BytesIO()
    doc.save(data)
    return data.getvalue()


def _binary_workbook(text: str) -> bytes:
    """An .xlsb as Excel saves one: a zip of binary records (BIFF12); its shared strings in UTF-16, as a
    BrtSSTItem holds them (here the string's bytes alone, which is what a reader of the package sees)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.bin"/></Relationships>',
        )
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
        z.writestr("xl/sharedStrings.bin", b"\x9f\x01" + len(text).to_bytes(4, "little") + text.encode("utf-16-le"))
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.12"


def _embedded_cases() -> dict[str, tuple[str, str, bytes]]:
    cpr = "Borger 120190-4321"
    return {
        "a binary workbook (.xlsb)": ("Microsoft_Excel_Binary_Worksheet.xlsb", XLSB, _binary_workbook(cpr)),
        "a Word document embedded in the chart's workbook": (
            "Microsoft_Excel_Worksheet.xlsx",
            XLSX,
            _with_member(_workbook("Marts"), "xl/embeddings/Microsoft_Word_Document.docx", _letter_document(cpr)),
        ),
        "an OLE object embedded in the chart's workbook": (
            "Microsoft_Excel_Worksheet.xlsx",
            XLSX,
            _with_member(
                _workbook("Marts"), "xl/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0" + cpr.encode("utf-16-le")
            ),
        ),
    }


@pytest.mark.parametrize("case", list(_embedded_cases()))
def test_a_cpr_number_in_an_embedded_package_the_check_does_not_open_reaches_every_letter(tmp_path, capsys, case):
    """Scenario: the municipality's contact template (``invoicekit actions --template``) holds a chart or an
    embedded workbook whose data names a citizen, "Borger 120190-4321", but not in an XML member of the
    embedded package: (a) the workbook was saved as Excel's binary workbook (``.xlsb``; Word embeds it as
    ``word/embeddings/Microsoft_Excel_Binary_Worksheet.xlsb``), whose sheets and shared strings are binary
    members (``xl/sharedStrings.bin``); (b) the chart's ``.xlsx`` itself embeds a Word document
    (``xl/embeddings/Microsoft_Word_Document.docx``) holding the number; (c) it embeds an OLE object
    (``xl/embeddings/oleObject1.bin``).

    Now: exit 0, and every letter (and ``kontaktskabelon.docx``) carries the embedded package unchanged, the CPR
    number in it. ``_refuse_embedded_cprs`` opens the package as a zip and reads only the members whose names
    end ``.xml`` or ``.rels``: every other member, a binary sheet, a nested package, an OLE object, passes unread.
    The same OLE object, or a Word document, embedded directly in the template is refused.

    README: "A template that cannot be masked is refused, exit 2, naming the part: … an embedded object
    (``word/embeddings/``: a chart's workbook) whose text holds a CPR number or cannot be read (an OLE
    object)"; and "personal data (CPR numbers) masked everywhere but where OPUS needs them".

    Why it matters: a citizen's CPR number goes to every supplier that gets a letter, inside the document,
    where any of them opens it by double-clicking the chart or the object."""
    from invoicekit.cli import main
    from tests.test_review_0945_mends import _template_run

    name, content_type, blob = _embedded_cases()[case]
    journal = _template_run(tmp_path)
    _template_with_embedded(tmp_path / "skabelon.docx", name, content_type, blob)
    out = tmp_path / "opgaver"
    code = main(["actions", "--journal", str(journal), "--template", str(tmp_path / "skabelon.docx"),
                 "--out", str(out), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    # observed: exit 0, the letters made, the embedded package in each as it was
    assert code == 2, f"exit {code}; letters: {sorted(p.name for p in (out / 'breve').glob('*'))}"
    assert name in err and "4321" not in err, err
    assert not (out / "breve").exists()


def _excel_365_workbook() -> bytes:
    """A chart's workbook as Excel 365 saves it: ``xl/workbook.xml`` carries the revision pointer Excel writes in
    every workbook it saves, whose ``documentId`` holds a GUID; here one Excel drew at random that reads as a
    CPR number to the masking ({78255D68-0792-3986-…}: about one GUID in 300 does)."""
    book = _workbook("Marts")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for m in src.infolist():
            blob = src.read(m)
            if m.filename == "xl/workbook.xml":
                text = blob.decode("utf-8")
                text = text.replace(
                    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
                    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
                    'xmlns:xr6="http://schemas.microsoft.com/office/spreadsheetml/2016/revision6" '
                    'xmlns:xr10="http://schemas.microsoft.com/office/spreadsheetml/2016/revision10">',
                ).replace(
                    "<workbookPr/>",
                    '<workbookPr/><xr:revisionPtr revIDLastSave="0" '
                    'documentId="13_ncr:1_{78255D68-0792-3986-BB96-8A437D5C8DFC}" xr6:coauthVersionLast="47" '
                    'xr6:coauthVersionMax="47" xr10:uidLastSave="{00000000-0000-0000-0000-000000000000}"/>',
                )
                blob = text.encode("utf-8")
            dst.writestr(m, blob)
    return out.getvalue()


def _workbook_with_its_own_chart() -> bytes:
    """An Excel workbook embedded in the template (Insert > Object > Excel worksheet) that draws its own chart:
    ``xl/charts/chart1.xml``, whose two axes Excel numbers at random (``<c:axId val="1608394249"/>``: one such
    number in about twenty reads as a CPR number to the masking)."""
    chart = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        '<c:chart><c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>'
        '<c:ser><c:idx val="0"/><c:order val="0"/><c:val><c:numRef><c:f>Sheet!$B$2</c:f><c:numCache>'
        '<c:ptCount val="1"/><c:pt idx="0"><c:v>0.52</c:v></c:pt></c:numCache></c:numRef></c:val></c:ser>'
        '<c:axId val="1608394249"/><c:axId val="511584392"/></c:barChart>'
        '<c:catAx><c:axId val="1608394249"/><c:crossAx val="511584392"/></c:catAx>'
        '<c:valAx><c:axId val="511584392"/><c:crossAx val="1608394249"/></c:valAx>'
        "</c:plotArea></c:chart></c:chartSpace>"
    )
    return _with_member(_workbook("Marts"), "xl/charts/chart1.xml", chart.encode("utf-8"))


@pytest.mark.parametrize(
    "make", [_excel_365_workbook, _workbook_with_its_own_chart], ids=["a GUID Excel wrote", "a chart axis id"]
)
def test_a_template_whose_embedded_workbook_holds_a_guid_or_an_id_that_reads_as_a_cpr_is_refused(
    tmp_path, capsys, make
):
    """Scenario: the contact template holds a chart (or an embedded Excel worksheet) whose workbook holds no CPR
    number; but Excel filled one of its own identifiers at random with digits the masking reads as one: the
    GUID of the revision pointer it writes into every workbook it saves (``documentId="13_ncr:1_{78255D68-0792-
    3986-…}"``), or the id of a chart's axis (``<c:axId val="1608394249"/>``).

    Now: exit 2, "word/embeddings/Microsoft_Excel_Worksheet.xlsx: is an embedded object whose xl/workbook.xml
    (xl/charts/chart1.xml) holds a CPR number, which every letter would carry; remove the number from it (a
    chart's data: edit the data in Word)". ``_refuse_embedded_cprs`` reads every attribute of every member as
    text, where the masking of the template's own parts leaves Word's identifiers alone (``_identifier``: a
    GUID, ``c:axId``, a content control's id).

    README: "every attribute but Word's own identifiers …; a content control's numeric id or a GUID that reads
    as one is left as Word needs it", and "a font, a picture or a chart's workbook without one [a CPR number]
    goes as it is".

    Why it matters: the municipality's own template is refused and no letter is made, with a message that
    says a citizen's number is in the chart's data when none is, and whose advice (edit the data) cannot
    help: nobody can find, let alone remove, the "number"."""
    import docx

    from invoicekit.cli import main
    from tests.test_review_0945_actions import SOLHOJ
    from tests.test_review_0945_mends import _template_run

    journal = _template_run(tmp_path)
    _template_with_embedded(tmp_path / "skabelon.docx", "Microsoft_Excel_Worksheet.xlsx", XLSX, make())
    out = tmp_path / "opgaver"
    code = main(["actions", "--journal", str(journal), "--template", str(tmp_path / "skabelon.docx"),
                 "--out", str(out), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    # observed: exit 2, "… is an embedded object whose xl/workbook.xml holds a CPR number …"
    assert "holds a CPR number" not in err, err
    assert code == 0, err
    docx.Document(str(out / "breve" / f"{SOLHOJ}.docx"))  # and the letter opens
