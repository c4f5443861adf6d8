"""The rendering toolkit: Danish numbers, HTML tables that escape what they
show, an embedded chart, and the page and workbook written side by side."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest
from matplotlib.figure import Figure
from openpyxl import load_workbook

from invoicekit import __version__
from invoicekit.render import dk_money, dk_number, dk_percent, dk_value, figure_html, page, table_html, write_report


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [(1234567.8, 0, "1.234.568"), (1234567.8, 1, "1.234.567,8"), (-0.4, 0, "0"), (float("nan"), 0, "")],
)
def test_dk_number_uses_danish_separators_and_never_minus_zero(value, decimals, shown):
    assert dk_number(value, decimals) == shown


def test_percent_money_and_values_in_their_units():
    assert dk_percent(0.3671) == "36,7 %"
    assert dk_percent(0.5, 0) == "50 %"
    assert dk_money(250000) == "250.000 kr."
    assert dk_value(0.035, "andel") == "3,5 %"
    assert dk_value(6000.0, "fakturaer") == "6.000"
    assert dk_value(0.25, "min.") == "0,25"
    assert dk_value(1.5, "timer") == "1,5"


def test_table_html_escapes_text_and_says_when_rows_are_left_out():
    frame = pd.DataFrame({"name": ["<b>x</b>", None, "z"], "n": [1000, 2, 3], "rate": [0.5, 0.25, 1.0]})
    out = table_html(frame, {"name": ("Navn", "text"), "n": ("Antal", "int"), "rate": ("Andel", "pct")}, max_rows=2)
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<b>x</b>" not in out
    assert '<td class="num">1.000</td>' in out and '<td class="num">50,0 %</td>' in out
    assert "<td></td>" in out  # nothing shown for a missing text
    assert "z" not in out and "Viser 2 af 3 rækker" in out


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
