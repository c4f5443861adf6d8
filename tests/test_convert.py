"""invoicekit convert oioubl end to end: the invoice and lines extracts
written, every refusal one line on stderr, the limits, and what the robot
decides on converted e-invoices that are foreign, prepaid or credit notes."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path
from xml.etree.ElementTree import TreeBuilder

import defusedxml.ElementTree
import pandas as pd
import pytest

import invoicekit as ik
from invoicekit import convert as convert_module
from invoicekit.cli import main
from invoicekit.convert import convert, parse_document, read_document
from invoicekit.einvoice import INVOICE_COLUMNS, LINE_COLUMNS, Refused
from invoicekit.run import run as run_robot
from tests.einvoice_files import EINVOICES

DATA = Path(__file__).parent / "data"
REFUSED = {
    "application-response.xml",
    "cii-order-response.xml",
    "oioubl21-reminder.xml",
    "oioubl3-reminder.xml",
    "order-response.xml",
    "placeholder-number.xml",
}


def test_cli_writes_both_extracts_and_names_each_refusal_once(tmp_path, capsys):
    out, lines_out = tmp_path / "regninger.csv", tmp_path / "linjer" / "fakturalinjer.xlsx"
    code = main(["convert", "oioubl", str(EINVOICES), "--out", str(out), "--lines-out", str(lines_out)])
    captured = capsys.readouterr()
    assert code == 1  # some files were refused; the others are written
    refused = [ln for ln in captured.err.splitlines() if ln.startswith("invoicekit: refused")]
    assert sorted(Path(ln.split()[2].rstrip(":")).name for ln in refused) == sorted(REFUSED)
    files = len(list(EINVOICES.glob("*.xml")))
    assert f"Converted {files - len(REFUSED)} of {files} files (3 credit notes)" in captured.out
    invoices = pd.read_csv(out, dtype=str, keep_default_na=False)
    lines = pd.read_excel(lines_out, dtype=str, engine="openpyxl").fillna("")
    assert list(invoices.columns) == list(INVOICE_COLUMNS) and list(lines.columns) == list(LINE_COLUMNS)
    assert len(invoices) == files - len(REFUSED) and len(lines) == invoices["lines"].astype(int).sum() == 16
    collective = lines[lines["invoice_id"] == "SAML-2019-03"]
    assert collective["cpr"].tolist() == ["610180-1234", "620585-2345", "631290-3456"]  # full: input for run
    assert collective["amount"].astype(float).sum() == 21500.0
    # the robot reads both files
    from invoicekit.extracts import read_invoices

    assert len(read_invoices(out).frame) == len(invoices)


def test_stderr_masks_cpr_numbers(tmp_path, capsys):
    xml = (EINVOICES / "placeholder-number.xml").read_bytes().replace(b"___ignore___", b"   ")
    named = tmp_path / "610180-1234.xml"
    named.write_bytes(xml)
    assert main(["convert", "oioubl", str(named), "--out", str(tmp_path / "r.csv"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "610180-xxxx.xml" in err and "610180-1234" not in err and "no invoice number" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lines-out", "linjer.txt"], ".csv or .xlsx"),
        (["--lines-out", "r.csv"], "same file as --out"),
    ],
)
def test_cli_refuses_an_unusable_lines_out(tmp_path, capsys, argv, message):
    argv = [a if not a.endswith((".txt", ".csv")) else str(tmp_path / a) for a in argv]
    code = main(["convert", "oioubl", str(EINVOICES / "peppol-vat.xml"), "--out", str(tmp_path / "r.csv"), *argv])
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


def test_a_file_over_the_limit_is_refused_unread(tmp_path, monkeypatch):
    big = tmp_path / "big.xml"
    shutil.copy(EINVOICES / "peppol-vat.xml", big)
    monkeypatch.setattr(convert_module, "MAX_XML_BYTES", 1000)
    result = convert([big])
    assert result.invoices.empty and "is over 0 MB" in result.refused[0][1]
    with pytest.raises(Refused, match="expected an e-invoice of at most"):
        read_document(big.read_bytes())


class _Counted:
    """A tree builder that counts the elements and the pieces of text handed to it."""

    def __init__(self) -> None:
        self.tree = TreeBuilder()
        self.starts = self.texts = 0

    def start(self, tag, attrs):
        self.starts += 1
        return self.tree.start(tag, attrs)

    def end(self, tag):
        return self.tree.end(tag)

    def data(self, text):
        self.texts += 1
        self.tree.data(text)

    def close(self):
        return self.tree.close()


def _spied(monkeypatch) -> list[_Counted]:
    """The tree builders the parser hands elements to from now on, counted."""
    made: list[_Counted] = []
    monkeypatch.setattr(convert_module, "TreeBuilder", lambda: made.append(_Counted()) or made[-1])
    return made


def _nested_in(invoice: bytes, depth: int) -> bytes:
    """``invoice`` with ``depth`` elements nested one inside the other in its note."""
    return invoice.replace(b"</cbc:Note>", b"</cbc:Note>" + b"<x>" * depth + b"</x>" * depth, 1)


def _note_depth(invoice: bytes) -> int:
    """How deep the invoice's first note lies (the root is 1)."""
    depth = 0
    for event, element in defusedxml.ElementTree.iterparse(io.BytesIO(invoice), events=("start", "end")):
        depth += 1 if event == "start" else -1
        if event == "start" and element.tag.endswith("}Note"):
            return depth
    raise AssertionError("no note")


def test_a_file_nested_too_deep_is_refused_as_read_and_the_batch_goes_on(tmp_path, monkeypatch):
    # under the 100 MB limit, a file of nothing but elements inside one another
    # was built whole before it was judged (14 MB took 690 MiB; 99 MB over 4 GB)
    invoice = (EINVOICES / "oioubl21-prepaid.xml").read_bytes()
    deep = _nested_in(invoice, 2_000_000)  # 14 MB
    builders = _spied(monkeypatch)
    with pytest.raises(Refused, match=f"nests elements more than {convert_module.MAX_XML_DEPTH} deep"):
        read_document(deep)
    # refused as read: the elements before the note and the first hundred nested, not two million
    assert builders[0].starts < invoice.count(b"<") + convert_module.MAX_XML_DEPTH
    monkeypatch.undo()
    inbox = tmp_path / "indbakke"
    inbox.mkdir()
    (inbox / "deep.xml").write_bytes(deep)
    (inbox / "good.xml").write_bytes(invoice)
    result = convert([inbox])
    assert [Path(p).name for p, _ in result.refused] == ["deep.xml"]
    assert result.invoices["invoice_id"].tolist() == ["SOL-2019-0301"]
    # the nested elements start beside the note: nested to the limit exactly, the file is read
    at_limit = convert_module.MAX_XML_DEPTH - _note_depth(invoice) + 1
    assert read_document(_nested_in(invoice, at_limit)).invoice_id == "SOL-2019-0301"
    with pytest.raises(Refused, match="deep"):
        read_document(_nested_in(invoice, at_limit + 1))


def test_a_file_of_too_many_elements_is_refused_as_read(monkeypatch):
    invoice = (EINVOICES / "oioubl21-prepaid.xml").read_bytes()
    elements = sum(1 for _ in defusedxml.ElementTree.iterparse(io.BytesIO(invoice), events=("start",)))
    monkeypatch.setattr(convert_module, "MAX_XML_ELEMENTS", elements)
    assert read_document(invoice).invoice_id == "SOL-2019-0301"  # exactly at the limit: read
    flat = invoice.replace(b"</cbc:Note>", b"</cbc:Note>" + b"<x/>" * 100_000, 1)
    builders = _spied(monkeypatch)
    with pytest.raises(Refused, match=f"holds more than {elements:,} elements"):
        read_document(flat)
    assert builders[0].starts == elements  # refused as read: the one over the limit was never built


@pytest.mark.parametrize(
    ("prolog", "reason"),
    [
        # attribute defaults: every <x/> of the document gets its own copy (1 MB made 2 GiB)
        (b'<!DOCTYPE Invoice [<!ATTLIST x a CDATA "' + b"A" * 1000 + b'">]>', "declares a document type (DTD)"),
        (b"<!DOCTYPE Invoice>", "declares a document type (DTD)"),
        (b'<!DOCTYPE Invoice SYSTEM "http://example.org/ubl.dtd">', "refers to an external document type"),
        (b'<!DOCTYPE Invoice [<!ENTITY e "x">]>', "entity-expansion attack"),
        (b'<!DOCTYPE Invoice [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "declares an external entity"),
    ],
)
@pytest.mark.parametrize("utf16", [False, True])
def test_a_document_type_declaration_is_refused_naming_what_it_declares(prolog, reason, utf16, monkeypatch):
    # e-invoices never carry one, and its declarations cost memory far beyond the
    # file's size (attribute defaults, comments kept while it is read) or reach out
    invoice = (EINVOICES / "oioubl21-prepaid.xml").read_bytes()
    assert invoice.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') and b"<!DOCTYPE" not in invoice
    declared = invoice.replace(b"?>", b"?>" + prolog, 1)
    if utf16:
        declared = declared.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16")
    builders = _spied(monkeypatch)
    with pytest.raises(Refused, match=re.escape(reason)):
        read_document(declared)
    assert sum(b.starts for b in builders) == 0  # refused before any element


def test_attributes_are_counted_by_their_equals_signs_before_the_file_is_read(monkeypatch):
    # an element's attributes are all made before the tree sees the element:
    # 98 MB of one element's attributes took 2.7 GiB
    invoice = (EINVOICES / "oioubl21-prepaid.xml").read_bytes()
    monkeypatch.setattr(convert_module, "MAX_XML_ATTRIBUTES", invoice.count(b"="))
    assert read_document(invoice).invoice_id == "SOL-2019-0301"
    more = invoice.replace(b"<cbc:Note>", b'<cbc:Note x="">', 1)
    builders = _spied(monkeypatch)
    with pytest.raises(Refused, match="refused unread"):
        read_document(more)
    assert builders == []  # not a single element parsed


def test_a_text_in_thousands_of_pieces_is_read_whole_and_handed_on_at_once(monkeypatch):
    # comments, processing instructions and CDATA sections cut a text into pieces;
    # each held as a Python text took 1.2 GiB for 95 MB, so they are joined as they
    # come, a few thousand at a time: the text is the same as written in one piece
    invoice = (EINVOICES / "oioubl21-prepaid.xml").read_bytes()
    note = re.search(rb"<cbc:Note>(.*?)</cbc:Note>", invoice).group(1)
    assert b"<" not in note and len(note) > 10
    pieces = len(note.decode()) * 800  # the note 800 times, each character a piece of its own
    assert pieces > 2 * convert_module._TEXT_PIECES
    whole = invoice.replace(note, note * 800, 1)
    cut = b"".join(
        c.encode() + (b"<!--x-->", b"<?pi?>", b"<![CDATA[]]>")[k % 3] for k, c in enumerate(note.decode() * 800)
    )
    builders = _spied(monkeypatch)
    assert parse_document(invoice.replace(note, cut, 1)) == parse_document(whole)
    cut_builder, whole_builder = builders
    assert cut_builder.texts == whole_builder.texts  # the pieces joined before the tree sees them


def test_converted_foreign_prepaid_and_credit_documents_go_to_a_caseworker(tmp_path):
    prepaid = (EINVOICES / "oioubl21-prepaid.xml").read_bytes()
    inbox = tmp_path / "indbakke"
    inbox.mkdir()
    (inbox / "prepaid.xml").write_bytes(prepaid)
    # the same invoice in Norwegian crowns, and one whose prepayment exceeds its total
    nok = prepaid.replace(b'"DKK"', b'"NOK"').replace(b">DKK<", b">NOK<").replace(b"SOL-2019-0301", b"NOK-1")
    (inbox / "nok.xml").write_bytes(nok)
    over = prepaid.replace(b">100.00<", b">13100.00<").replace(b">12900.00<", b">-100.00<")
    (inbox / "over.xml").write_bytes(over.replace(b"SOL-2019-0301", b"OVER-1"))
    shutil.copy(EINVOICES / "peppol-credit-note.xml", inbox)
    out = tmp_path / "regninger.csv"
    assert main(["convert", "oioubl", str(inbox), "--out", str(out), "--quiet"]) == 0
    example = DATA / "example"
    decisions = run_robot(
        grants=example / "bevillinger.csv",
        invoices=out,
        support_sheet=example / "stoetteark.xlsx",
        out=tmp_path / "run",
    ).decisions.set_index("invoice_id")
    assert decisions.loc["SOL-2019-0301", "reason"] == "INVALID_AMOUNT"
    assert "a conto" in decisions.loc["SOL-2019-0301", "message"]
    assert decisions.loc["NOK-1", "reason"] == "INVALID_AMOUNT" and "'NOK'" in decisions.loc["NOK-1", "message"]
    assert decisions.loc["OVER-1", "reason"] == "INVALID_AMOUNT" and "13.100,00" in decisions.loc["OVER-1", "message"]
    assert decisions.loc["KRED-5", "reason"] == "CREDIT_NOTE"
    assert set(decisions["status"]) == {"manual"} and len(decisions) == 4


def test_a_collective_invoice_sent_twice_has_its_lines_written_once_and_the_resend_is_a_duplicate(tmp_path):
    collective = (EINVOICES / "peppol-collective.xml").read_bytes()
    inbox = tmp_path / "indbakke"
    inbox.mkdir()
    (inbox / "a-first.xml").write_bytes(collective)
    # the resend writes the number in another case and with a dash: check 10 reads it as the same
    number = b"SAML-2019-03"
    assert collective.count(number) >= 1
    (inbox / "b-again.xml").write_bytes(collective.replace(number, b"saml 2019-03"))
    result = convert([inbox])
    assert len(result.invoices) == 2
    assert len(result.lines) == 3  # once, not twice: both copies would make the lines add up to double
    assert [Path(f).name for f, w in result.warnings if "DUPLICATE_INVOICE" in w] == ["b-again.xml"]
    decided = ik.decide(
        ik.prepare_invoices(result.invoices.astype(str)),
        ik.read_grants(DATA / "example" / "bevillinger.csv"),
        ik.read_support_sheet(DATA / "example" / "stoetteark.xlsx"),
        lines=ik.prepare_invoice_lines(result.lines.astype(str)),
    ).decisions
    assert "LINES_MISMATCH" not in set(decided["reason"])
    assert decided["reason"].tolist()[1] == "DUPLICATE_INVOICE"


def test_a_document_without_lines_does_not_keep_the_lines_of_one_sent_after_it(tmp_path):
    collective = (EINVOICES / "peppol-collective.xml").read_text(encoding="utf-8")
    bare = re.sub(r"<cac:InvoiceLine>.*?</cac:InvoiceLine>", "", collective, flags=re.S)
    (tmp_path / "a-without-lines.xml").write_text(bare, encoding="utf-8")
    (tmp_path / "b-with-lines.xml").write_text(collective, encoding="utf-8")
    result = convert([tmp_path])
    assert len(result.invoices) == 2 and len(result.lines) == 3


def test_a_workbook_convert_writes_has_real_dates_and_amounts_and_is_decided_as_its_csv(tmp_path):
    """A user review: convert's workbook held dates as text ('2024-05-15')
    and amounts in Excel's General format. Dates are now dates (shown
    dd.mm.yyyy) and amounts numbers with two decimals, and the robot decides
    the workbook exactly as the CSV of the same documents."""
    from openpyxl import load_workbook

    for ext in ("csv", "xlsx"):
        argv = ["convert", "oioubl", str(EINVOICES), "--out", str(tmp_path / f"r.{ext}"),
                "--lines-out", str(tmp_path / f"l.{ext}"), "--quiet"]  # fmt: skip
        assert main(argv) == 1  # some of the examples are refused
    sheet = load_workbook(tmp_path / "r.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    cells = {name: [row[header.index(name)] for row in sheet.iter_rows(min_row=2)] for name in header}
    dated = [c for c in cells["period_start"] + cells["invoice_date"] if c.value is not None]
    assert dated and all(isinstance(c.value, dt.datetime) and c.number_format == "dd.mm.yyyy" for c in dated)
    amounts = [c for c in cells["amount"] if c.value is not None]
    assert amounts and all(not isinstance(c.value, str) and c.number_format == "#,##0.00" for c in amounts)
    example = DATA / "example"
    decided = {}
    for ext in ("csv", "xlsx"):
        argv = ["run", "--invoices", str(tmp_path / f"r.{ext}"), "--invoice-lines", str(tmp_path / f"l.{ext}"),
                "--grants", str(example / "bevillinger.csv"), "--support-sheet", str(example / "stoetteark.xlsx"),
                "--dry-run", "--out", str(tmp_path / f"o{ext}"), "--quiet"]  # fmt: skip
        assert main(argv) == 0
        decided[ext] = pd.read_csv(tmp_path / f"o{ext}" / "decisions.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(decided["xlsx"], decided["csv"])
    assert (decided["csv"]["reason"] != "MISSING_PERIOD").any()
