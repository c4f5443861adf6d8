"""The rendering toolkit: HTML tables that escape what they
show, an embedded chart, and the page and workbook written side by side."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pandas as pd
import pytest
from matplotlib.figure import Figure
from openpyxl import load_workbook

from invoicekit import __version__
from invoicekit.errors import OutputError
from invoicekit.render import figure_html, page, table_html, write_report


def test_table_html_escapes_text_and_says_when_rows_are_left_out():
    frame = pd.DataFrame({"name": ["<b>x</b>", None, "z"], "n": [1000, 2, 3], "rate": [0.5, 0.25, 1.0]})
    out = table_html(frame, {"name": ("Navn", "text"), "n": ("Antal", "int"), "rate": ("Andel", "pct")}, max_rows=2)
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<b>x</b>" not in out
    assert '<td class="num">1.000</td>' in out and '<td class="num">50,0 %</td>' in out
    assert "<td></td>" in out  # nothing shown for a missing text
    assert "z" not in out and "Viser 2 af 3 rækker" in out


def test_a_text_cell_is_masked_as_the_browser_shows_it():
    """A browser closes up spaces and line breaks, and masking reads a line break between the pairs
    of a birth date as two lines: the follow-up's supplier "Bo 15⏎0587-9898" was shown as the full
    number (an attack on 0.9.17)."""
    frame = pd.DataFrame({"name": ["Bo 15\n0587-9898", "Bosted 1505\n87-9897", "Hjem  Lind"]})
    out = table_html(frame, {"name": ("Navn", "text")})
    assert "<td>Bo 150587-xxxx</td>" in out and "<td>Bosted 150587-xxxx</td>" in out and "<td>Hjem Lind</td>" in out
    assert "9898" not in out and "9897" not in out


def test_figure_html_embeds_a_png_with_its_caption():
    fig = Figure(figsize=(2, 1))
    fig.subplots().plot([0, 1], [0, 1])
    out = figure_html(fig, "Før & efter")
    data = re.search(r'src="data:image/png;base64,([^"]+)"', out)[1]
    assert base64.b64decode(data).startswith(b"\x89PNG")
    assert 'alt="Før &amp; efter"' in out and "<figcaption>Før &amp; efter</figcaption>" in out


def test_write_report_writes_the_page_and_the_workbook_under_danish_headings(tmp_path):
    document = page("Titel", "Kilde", [("Afsnit", "<p>tekst</p>")])
    assert f"med invoicekit {__version__}" in document and "<section><h2>Afsnit</h2><p>tekst</p></section>" in document
    frame = pd.DataFrame({"month": ["2019-01"], "rate": [0.4], "hidden": [1]})
    paths = write_report(
        tmp_path / "ud", "rapport", document, {"Ark": (frame, {"month": ("Måned", "text"), "rate": ("Grad", "pct")})}
    )
    assert paths["html"].read_text(encoding="utf-8") == document
    ws = load_workbook(paths["xlsx"])["Ark"]
    assert [c.value for c in ws[1]] == ["Måned", "Grad"]
    assert ws["B2"].value == 0.4 and ws["B2"].number_format == "0.0%"
    assert ws["A2"].value == "2019-01"  # a text column stays text


def test_write_report_gives_each_kind_its_excel_format_and_months_as_dates(tmp_path):
    frame = pd.DataFrame(
        {"month": ["2019-01", "2019-02"], "n": [1234, 5], "amount": [319373.7957610791, 0.5], "rate": [0.4, 0.05]}
    )
    columns = {
        "month": ("Måned", "month"),
        "n": ("Fakturaer", "int"),
        "amount": ("Beløb (kr.)", "dkk"),
        "rate": ("Grad", "pct"),
    }
    paths = write_report(tmp_path, "rapport", "<p></p>", {"Ark": (frame, columns)})
    assert '<td class="num">2019-01</td>' not in table_html(frame, columns)  # the page shows the month as text
    assert "<td>2019-01</td>" in table_html(frame, columns)
    ws = load_workbook(paths["xlsx"])["Ark"]
    assert ws["A2"].value == dt.datetime(2019, 1, 1) and ws["A2"].number_format == "yyyy-mm"
    assert ws["B2"].value == 1234 and ws["B2"].number_format == "#,##0"
    assert ws["C2"].value == pytest.approx(319373.7957610791) and ws["C2"].number_format == "#,##0.00"
    assert ws["D3"].value == 0.05 and ws["D3"].number_format == "0.0%"
    assert ws.tables["Tabel_Ark"].ref == "A1:D3"


def test_a_column_of_kinds_gives_each_row_its_own_format(tmp_path):
    frame = pd.DataFrame({"figure": ["Nutidsværdi", "Sandsynlighed"], "value": [1250000.0, 0.75]})
    columns = {"figure": ("Nøgletal", "text"), "value": ("Værdi", ["dkk", "pct0"])}
    ws = load_workbook(write_report(tmp_path, "r", "", {"Ark": (frame, columns)})["xlsx"])["Ark"]
    assert [ws["B2"].number_format, ws["B3"].number_format] == ["#,##0.00", "0%"]


def test_a_rate_or_a_probability_is_shown_with_its_own_decimals_in_the_page_and_the_workbook(tmp_path):
    """An attack on 0.9.31: a 37,5 % target read "38 %" in the monthly table, and a probability of
    0,9966 "100 %" in the key figures; a whole target stays "50 %"."""
    frame = pd.DataFrame({"target": [0.375, 0.5], "p": [0.9966, 0.39]})
    columns = {"target": ("Mål", "rate"), "p": ("Sandsynlighed", "probability")}
    shown = table_html(frame, columns)
    assert '<td class="num">37,5 %</td><td class="num">99,7 %</td>' in shown
    assert '<td class="num">50 %</td><td class="num">39 %</td>' in shown
    ws = load_workbook(write_report(tmp_path, "r", "", {"Ark": (frame, columns)})["xlsx"])["Ark"]
    assert [ws["A2"].number_format, ws["A3"].number_format, ws["B2"].number_format, ws["B3"].number_format] == [
        "0.0%", "0%", "0.0%", "0%"]  # fmt: skip
    assert ws["A2"].value == 0.375 and ws["B2"].value == 0.9966


# --- a report is written whole or not at all


def _report(tmp_path, document="<p>ny</p>", **kw):
    return write_report(tmp_path, "rapport", document, {"Ark": (pd.DataFrame({"a": [1]}), {"a": ("A", "int")})}, **kw)


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_report_that_cannot_replace_one_file_replaces_none(tmp_path, monkeypatch):
    _report(tmp_path, "<p>gammel</p>", extra={"json": ("rapport.json", "{}\n")})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    locked = tmp_path / "rapport.xlsx"
    real_open = open

    def excel_has_it(path, mode="r", *args, **kwargs):  # as Windows refuses a file open in Excel
        if str(path) == str(locked) and "+" in mode:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", excel_has_it)
    with pytest.raises(OutputError, match=r"rapport\.xlsx: cannot be replaced .*close it and run again"):
        _report(tmp_path, extra={"json": ("rapport.json", '{"ny": 1}\n')})
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # the page too, and no temporary file


def test_a_folder_where_the_workbook_goes_is_refused_before_anything_is_replaced(tmp_path):
    (tmp_path / "rapport.html").write_text("<p>gammel</p>", encoding="utf-8")
    (tmp_path / "rapport.xlsx").mkdir()
    with pytest.raises(OutputError, match=r"rapport\.xlsx: is a folder"):
        _report(tmp_path)
    assert (tmp_path / "rapport.html").read_text(encoding="utf-8") == "<p>gammel</p>"
    assert _leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_files_and_no_temporary_file(tmp_path, monkeypatch):
    _report(tmp_path, "<p>gammel</p>")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("invoicekit.render.write_workbook", disk_full)
    with pytest.raises(OutputError, match=r"rapport\.xlsx: could not be written \(No space left on device\)"):
        _report(tmp_path)
    assert (tmp_path / "rapport.html").read_text(encoding="utf-8") == "<p>gammel</p>"
    assert _leftovers(tmp_path) == []
