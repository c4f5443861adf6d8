"""Attack r15 on this afternoon's 0.9.45 mends (delivery order, "recorded, and its files are in", explain's
checksums, the follow-up's template figures, the rewritten letter masking).

Each test fails on the code as found and passes once its defect is mended. The robot scenes use the example
municipality of tests/test_attacks.py: citizen 610190-1234, grant B-1001 (§ 108 at Solhøj, 28,500 kr. a
month); ``month(m)`` is its invoice for month ``m`` of 2019."""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from invoicekit.delivery import PROGRESS  # the delivery's note of how far it got
from tests.test_attacks import month, runs_in, write_invoices
from tests.test_attacks import robot as robot  # a fixture, found by its name
from tests.test_review_0945_delivery import KILLED_AFTER_MOVING


def _killed_while_delivering(robot, after: str, invoices_month: int = 3, out: str = "o1") -> Path:
    """Run ``month(invoices_month)`` into ``out``, recorded, and killed right after the delivery moved
    ``after`` into the folder; the staging folder it left."""
    invoices = write_invoices(robot.tmp / f"m{invoices_month}.csv", month(invoices_month, invoice_id="F-1"))
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_MOVING, after, *robot.argv(invoices, out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == 137, killed.stderr
    (staging,) = (robot.tmp / out).glob(".invoicekit-staging-*")
    return staging


def _delivered(journal: Path, run_id: int) -> bool:
    with sqlite3.connect(journal) as conn:
        return bool(conn.execute("SELECT delivered_at IS NOT NULL FROM runs WHERE run_id = ?", (run_id,)).fetchone()[0])


# ---------------------------------------------------------------- 1: delivery


def test_a_payment_file_changed_in_the_folder_after_a_stopped_delivery_is_said_taken_and_passed(robot):
    """Scenario: run 2 (March, F-1 for 28.500,00 kr.) is recorded and killed (power cut) while its files are
    moved into ``o1``: by name, ``decision_lines.csv`` … ``opus_postings.csv`` are in place,
    ``sensum_paid.csv`` and ``run.json`` still staged. Before the next run, ``o1/opus_postings.csv`` is
    changed (opened and saved by a spreadsheet, or an amount edited by hand: 28500 → 85000). Then April's
    run on the journal.

    Now: the next run counts the changed payment file as "missing" (not staged, not in place as recorded),
    and since a file after it (``sensum_paid.csv``) is still staged, ``_moved_before`` says it was delivered
    and *taken* since: exit 0, "run 2's files were delivered into o1; opus_postings.csv have been taken from
    there since (imported?)", run 2 marked delivered. The changed payment file stays in ``o1`` beside the
    run's ``run.json``, ready for the import, and nothing says it is not the one run 2 wrote. (0.9.44 stopped
    here, exit 2, as for any file neither staged nor in place as recorded.)

    README, *What happens on a crash*: stopped after the commit "during the move … delivers them first,
    checked against their recorded checksums"; ``deliver``: "A file already moved (a delivery interrupted
    half-way) is recognised by its checksum", and a staged file that is not the one recorded stops the
    delivery: "it was changed after the run, so none of the run's files were delivered". The 0.9.45 mend
    is for a file "gone" from the folder (imported), not for one that is there and changed.

    Why it matters: a payment file that is not the one the robot decided (an amount changed) is imported
    into OPUS as run 2's, and the journal, which records 28.500,00 kr., says all is delivered: money paid
    wrongly, with the warning saying the opposite of what happened (the file was not taken, it is there)."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    staging = _killed_while_delivering(robot, "opus_postings.csv")
    o1 = robot.tmp / "o1"
    assert (staging / "sensum_paid.csv").is_file() and (staging / "run.json").is_file()
    postings = o1 / "opus_postings.csv"
    text = postings.read_text(encoding="utf-8")
    assert "28500" in text, text
    postings.write_text(text.replace("28500", "85000"), encoding="utf-8")  # changed in place

    code, printed, _ = robot.run(month(4, invoice_id="F-2"), out="o2")
    said = printed.out + printed.err
    # observed: exit 0, "opus_postings.csv have been taken from there since (imported?)", run 2 delivered
    assert not (code == 0 and _delivered(robot.journal, 2)), (
        "a run whose payment file in the folder is not the one recorded was marked delivered: " + said
    )
    assert "taken from there since" not in said, said
    assert "opus_postings.csv" in said, said  # the changed file named


def test_a_run_stopped_by_0944_whose_payment_file_was_imported_still_stops_every_later_run(robot):
    """Scenario: run 2 (March) was recorded by invoicekit 0.9.44 and killed while delivering, in 0.9.44's
    order (``decisions.csv``, ``decision_lines.csv``, ``opus_postings.csv``, ``opus_notes.csv``,
    ``sensum_paid.csv``, ``input_problems.csv``, ``run.json``): the first three are in ``o1``, the rest
    still staged. The nightly import takes ``opus_postings.csv`` from ``o1``, as it does. The municipality
    then upgrades to 0.9.45 (the release that mends exactly this) and runs April on the journal. (Made here
    by killing this version after ``decisions.csv`` and moving ``opus_postings.csv`` as 0.9.44 had: the
    folders are then as 0.9.44 left them.)

    Now: exit 2, "run 2 is recorded in the journal, but its files (opus_postings.csv) are neither in <staging>
    nor in place, so they cannot be delivered; restore that folder from a backup and run again", and every
    later run the same: ``_moved_before`` reads the staging folder in 0.9.45's order (by name), in which
    ``opus_postings.csv`` comes after ``input_problems.csv`` and ``opus_notes.csv``, still staged.

    README (0.9.45): "where the delivery was stopped half-way and a payment file already moved into place
    was imported: only the delivery takes a file from the staging folder, in one order …, so a file gone
    while one after it is still staged was delivered (since 0.9.45: every later run stopped with exit 2,
    asking for the imported file back)". A journal's stopped run is delivered by whichever version runs
    next; 0.9.44's order was the order of ``OUTPUT_FILES``.

    Why it matters: the robot stops for good until someone puts back a payment file OPUS already imported,
    and the advice ("restore that folder from a backup") has it imported again: the month paid twice."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    staging = _killed_while_delivering(robot, "decisions.csv")  # by name: decision_lines.csv, decisions.csv
    o1 = robot.tmp / "o1"
    shutil.move(staging / "opus_postings.csv", o1 / "opus_postings.csv")  # 0.9.44's third file
    assert sorted(p.name for p in staging.iterdir() if p.name != PROGRESS) == [
        "input_problems.csv", "opus_notes.csv", "run.json", "sensum_paid.csv"
    ]  # fmt: skip
    imported = robot.tmp / "imported"
    imported.mkdir()
    shutil.move(o1 / "opus_postings.csv", imported / "opus_postings.csv")  # the import takes it
    with sqlite3.connect(robot.journal) as conn:  # as 0.9.44 recorded it (the order is chosen by the version)
        conn.execute("UPDATE runs SET tool_version = '0.9.44' WHERE run_id = 2")

    code, printed, decisions = robot.run(month(4, invoice_id="F-2"), out="o2")
    # observed: exit 2, "… cannot be delivered; restore that folder from a backup and run again"
    assert code == 0, printed.err
    assert "restore" not in printed.err, printed.err
    assert decisions["reason"].tolist() == [""]
    assert (o1 / "run.json").is_file() and not (o1 / "opus_postings.csv").exists()
    assert _delivered(robot.journal, 2)


# ---------------------------------------------------------------- 5: letters


def _chart_template(path: Path, label: str = "Marts") -> None:
    """A template with a chart as Word makes one: ``word/charts/chart1.xml`` drawn in the body, its data in
    the workbook Word embeds beside it (``word/embeddings/Microsoft_Excel_Worksheet.xlsx``), ``label`` in a
    cell of it."""
    import docx
    import openpyxl
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    doc = docx.Document()
    doc.add_paragraph("Til {{leverandør}}")
    doc.add_paragraph("{{eksempler}}")
    book = openpyxl.Workbook()
    book.active.append(["Måned", "Andel bogført automatisk"])
    book.active.append([label, 0.52])
    data = io.BytesIO()
    book.save(data)
    package = doc.part.package
    chart = Part(
        PackURI("/word/charts/chart1.xml"),
        "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<c:chart><c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>'
        b'<c:ser><c:idx val="0"/><c:order val="0"/><c:val><c:numRef><c:f>Sheet!$B$2</c:f><c:numCache>'
        b'<c:ptCount val="1"/><c:pt idx="0"><c:v>0.52</c:v></c:pt></c:numCache></c:numRef></c:val></c:ser>'
        b'<c:axId val="111"/><c:axId val="222"/></c:barChart></c:plotArea></c:chart>'
        b'<c:externalData r:id="rId1"><c:autoUpdate val="0"/></c:externalData></c:chartSpace>',
        package,
    )
    workbook = Part(
        PackURI("/word/embeddings/Microsoft_Excel_Worksheet.xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        data.getvalue(),
        package,
    )
    assert chart.relate_to(workbook, RT.PACKAGE) == "rId1"
    doc.part.relate_to(chart, RT.CHART)
    doc.save(str(path))


def _font_template(path: Path) -> None:
    """A template with the municipality's font embedded (Word: File > Options > Save > "Embed fonts in the
    file"): ``word/fonts/font1.odttf``, of type ``application/vnd.openxmlformats-officedocument.obfuscatedFont``,
    named in ``word/fontTable.xml``."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    doc = docx.Document()
    doc.add_paragraph("Til {{leverandør}}")
    doc.add_paragraph("{{eksempler}}")
    font = Part(
        PackURI("/word/fonts/font1.odttf"),
        "application/vnd.openxmlformats-officedocument.obfuscatedFont",
        bytes(range(256)) * 16,  # an obfuscated TrueType font: binary
        doc.part.package,
    )
    doc.part.relate_to(font, RT.FONT)
    doc.save(str(path))


@pytest.mark.parametrize("make", [_chart_template, _font_template], ids=["a chart made in Word", "an embedded font"])
def test_a_word_template_with_a_chart_or_an_embedded_font_is_refused_as_not_well_formed_xml(tmp_path, capsys, make):
    """Scenario: the municipality's contact template, edited in Word and passed with ``invoicekit actions
    --template``, holds a chart (the share of its invoices posted automatically: Word keeps a chart's data
    in an embedded workbook, ``word/embeddings/Microsoft_Excel_Worksheet.xlsx``), or embeds the
    municipality's own font (Word's "Embed fonts in the file", common in a design manual's templates:
    ``word/fonts/font1.odttf``). Neither holds a CPR number.

    Now: exit 2, "skabelon.docx: word/embeddings/Microsoft_Excel_Worksheet.xlsx: is not well-formed XML
    (Start tag expected, '<' not found …)", or the same of ``word/fonts/font1.odttf``: no letter is made.
    ``_mask_everywhere`` parses as XML every part whose content type holds the letters "xml" anywhere
    (``elif "xml" in media``), and ``application/vnd.openxmlformats-officedocument.…`` holds them in
    "openxmlformats": a workbook, a font, printer settings, an OLE object are binary.

    README: "Since 0.9.45 also … footnotes, endnotes, the glossary and charts paragraph by paragraph as the
    body", and "A template that cannot be masked is refused, exit 2, naming the part: XML that declares
    entities or does not parse, an alt chunk of another type": a font or a workbook is no XML part and no
    alt chunk; the template "is the municipality's own: any .docx whose text holds the placeholders".

    Why it matters: the municipality cannot send the letters at all with its own template (Word's
    charts always carry their workbook), and the message, that a font "is not well-formed XML", tells
    nobody what to change. (A mend that lets an embedded workbook through must still mask, or refuse, a CPR
    number in its cells: a chart's data goes to every supplier with the letter.)"""
    from invoicekit.cli import main
    from tests.test_review_0945_actions import SOLHOJ
    from tests.test_review_0945_mends import _template_run

    journal = _template_run(tmp_path)
    make(tmp_path / "skabelon.docx")
    out = tmp_path / "opgaver"
    code = main(["actions", "--journal", str(journal), "--template", str(tmp_path / "skabelon.docx"),
                 "--out", str(out), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    # observed: exit 2, "word/embeddings/Microsoft_Excel_Worksheet.xlsx: is not well-formed XML (…)"
    assert "well-formed" not in err, err
    assert code == 0, err
    assert (out / "breve" / f"{SOLHOJ}.docx").is_file()


# ---------------------------------------------------------------- 2: "after the work was done"


def test_a_replay_stopped_after_its_first_month_says_the_work_was_done(tmp_path, capsys, monkeypatch):
    """Scenario: an analyst replays a synthetic municipality of three months into a new journal
    (``invoicekit replay --world W --new-journal J --out R``) and presses Ctrl-C while the first month's
    figures are counted (the run is recorded and its files delivered into ``R/2018-11``; months two and three
    are not yet run, and ``R/monthly.csv`` is not written).

    Now: exit 130, "stopped (Ctrl-C) after the work was done: run 1 is recorded, and its files are in
    R/2018-11". ``run`` marks every failure after a month's delivery with :func:`done_before` as if the
    command's work were done, and ``main`` says so for ``replay`` too, whose work is every month: two of
    its three months were never replayed.

    README: the 0.9.45 line is for "Ctrl-C, or a fault of ours, once the run is recorded and delivered",
    saying "that run N is recorded and its files are in the folder"; for ``replay`` the promise is
    "``replay`` alike, its months recorded" only where the summary is written after every month. A replay is
    "a municipality's history from go-live" that refuses an existing journal, so it cannot be resumed.

    Why it matters: the analyst reads the replay as finished (the work "done"), while the journal holds one
    month of three and there is no monthly table: the automation rate and the months taken from it are
    wrong, and nothing says to replay again into a new journal."""
    from invoicekit.cli import main

    world = tmp_path / "world"
    assert main(["synth", "--seed", "3", "--citizens", "20", "--months", "3", "--out", str(world), "--quiet"]) == 0
    capsys.readouterr()

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["invoicekit.run"], "amount_causes", ctrl_c)
    code = main(["replay", "--world", str(world), "--new-journal", str(tmp_path / "j.sqlite"),
                 "--out", str(tmp_path / "rp"), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 130
    assert runs_in(tmp_path / "j.sqlite") == 1  # one month of three
    assert not (tmp_path / "rp" / "monthly.csv").exists()
    # observed: "stopped (Ctrl-C) after the work was done: run 1 is recorded, and its files are in …/2018-11"
    assert "after the work was done" not in err, err


def test_a_cpr_number_in_a_charts_embedded_workbook_refuses_the_template(tmp_path, capsys):
    """The mend of the test above lets a chart's embedded workbook through: one whose cells hold a CPR number
    (a label ``Borger 120190-4321``) would go to every supplier with the letter, where nothing masks it. The
    template is refused, exit 2, naming the workbook."""
    from invoicekit.cli import main
    from tests.test_review_0945_mends import _template_run

    journal = _template_run(tmp_path)
    _chart_template(tmp_path / "skabelon.docx", label="Borger 120190-4321")
    out = tmp_path / "opgaver"
    code = main(["actions", "--journal", str(journal), "--template", str(tmp_path / "skabelon.docx"),
                 "--out", str(out), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Microsoft_Excel_Worksheet.xlsx" in err and "CPR number" in err and "4321" not in err, err
    assert not (out / "breve").exists()


def test_no_letter_carries_the_templates_thumbnail(tmp_path):
    """A template's ``docProps/thumbnail.*`` is a picture of its first page as it was last saved (Word saves one
    with "Save preview picture"; python-docx's own template has one): a CPR number on that page goes to every
    supplier in its pixels, where no masking reaches. No letter, nor the template written beside them, carries
    it (a review of 0.9.45)."""
    import zipfile

    import docx

    from invoicekit.cli import main
    from tests.test_review_0945_actions import SOLHOJ
    from tests.test_review_0945_mends import _template_run

    journal = _template_run(tmp_path)
    template = docx.Document()
    template.add_paragraph("Til {{leverandør}}")
    template.add_paragraph("{{eksempler}}")
    template.save(str(tmp_path / "skabelon.docx"))
    assert any("thumbnail" in n for n in zipfile.ZipFile(tmp_path / "skabelon.docx").namelist())
    out = tmp_path / "opgaver"
    assert main(["actions", "--journal", str(journal), "--template", str(tmp_path / "skabelon.docx"),
                 "--out", str(out), "--quiet"]) == 0  # fmt: skip
    for path in (out / "breve" / f"{SOLHOJ}.docx", out / "kontaktskabelon.docx"):
        names = zipfile.ZipFile(path).namelist()
        assert not any("thumbnail" in n for n in names), (path.name, names)
        docx.Document(str(path))  # and it opens
