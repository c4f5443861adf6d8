"""The reports' workbooks as finance staff open them: the business case's
key figures as numbers, each in its own format, and every sheet a table."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from invoicekit.business_case import build, load_config
from invoicekit.reports import write_business_case


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    bc = build(load_config(text="[monte_carlo]\nsimulations = 500\n"))
    paths = write_business_case(bc, tmp_path_factory.mktemp("bc"))
    return bc, load_workbook(paths["xlsx"])


def test_the_key_figures_are_numbers_in_their_own_formats(workbook):
    bc, wb = workbook
    ws = wb["Nøgletal"]
    assert [c.value for c in ws[1]] == ["Nøgletal", "Værdi", "Enhed", "Bemærkning"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    npv = rows["Nutidsværdi"]
    assert npv[1].value == pytest.approx(bc.headline["npv"]) and npv[1].number_format == "#,##0.00"
    assert npv[2].value == "kr."
    share = rows["Sandsynlighed for positiv nutidsværdi"][1]
    assert share.value == pytest.approx(bc.headline["probability_npv_positive"]) and share.number_format == "0%"
    fte = rows["Frigjorte årsværk"][1]
    assert isinstance(fte.value, float) and fte.number_format == "#,##0.00"
    assert {"Nutidsværdi P10", "Nutidsværdi P50", "Nutidsværdi P90"} <= set(rows)
    payback = rows["Tilbagebetalingstid"]
    if bc.headline["payback_months"] is None:  # none within the horizon: a blank number and the reason beside it
        assert payback[1].value is None and payback[3].value == "ikke inden for tidshorisonten"
    else:
        assert payback[1].value == pytest.approx(bc.headline["payback_months"])
    numbers = [r[1].value for r in rows.values() if r[1].value is not None]
    assert all(isinstance(v, int | float) for v in numbers)


def test_every_sheet_is_a_table_and_amounts_are_formatted(workbook):
    bc, wb = workbook
    for ws in wb.worksheets:
        rows = ws.max_row
        if rows > 1:
            assert [t.ref for t in ws.tables.values()] == [f"A1:{ws.cell(1, ws.max_column).column_letter}{rows}"]
        assert ws.freeze_panes == "A2"
    years = wb["År"]
    heading = [c.value for c in years[1]]
    benefit = years.cell(3, heading.index("Gevinst: frigjort tid værdisat (kr.)") + 1)
    assert isinstance(benefit.value, int | float) and benefit.number_format == "#,##0.00"
    assert years.cell(2, 1).value == bc.years["year"].iat[0] and years.cell(2, 1).number_format == "#,##0"


def test_assumptions_show_a_share_as_a_percentage_and_other_values_as_numbers(workbook):
    _, wb = workbook
    ws = wb["Forudsætninger"]
    heading = [c.value for c in ws[1]]
    rows = {r[heading.index("Nøgle i konfigurationen")].value: r for r in ws.iter_rows(min_row=2)}
    likely = heading.index("Sandsynlig")
    assert rows["automation_rate"][likely].number_format == "0.0%"
    assert rows["hourly_cost"][likely].number_format == "#,##0.00"
    assert all(isinstance(r[likely].value, int | float) for r in rows.values())


def test_a_notebook_shows_a_report_table_in_danish_formats_and_keeps_its_numbers():
    """The notebooks displayed the tables as pandas does: shares as 0.367, amounts as 15391573.37
    (an analyst's walk-through of 0.9.16)."""
    import pandas as pd
    import pytest

    from invoicekit.reports import danish_table

    monthly = pd.DataFrame({"month": ["2019-01"], "invoices": [1234], "posted": [453], "manual": [781],
                            "automation_rate": [0.36709], "target": [0.5], "note": [""]})  # fmt: skip
    shown = danish_table(monthly, "monthly")
    html = shown._repr_html_()
    assert "<th>Automatiseringsgrad</th>" in html and "36,7 %" in html and "1.234" in html
    assert shown.frame["automation_rate"].iat[0] == 0.36709  # the numbers stay to compute with
    from invoicekit.actions import OWNER_LABELS_DA
    from invoicekit.reports import YEARS

    years = pd.DataFrame({c: [15391573.37] for c in YEARS}).assign(year=[1])
    assert "15.391.573" in danish_table(years, "years")._repr_html_()
    fixes = pd.DataFrame({"owner": ["finance"], "action": ["Opret række"], "invoices": [3], "points": [1.25],
                          "fix_key": ["coding:108"]})  # fmt: skip
    assert f"<td>{OWNER_LABELS_DA['finance']}</td>" in danish_table(fixes, "fixes")._repr_html_()
    with pytest.raises(ValueError, match="unknown table 'monthy'; expected one of monthly"):
        danish_table(monthly, "monthy")


def test_notebook_04_shows_the_tornado_and_the_rates_as_the_report_does():
    """An audit: notebook 04 showed the tornado as pandas does, English headings and the discount rate as
    0.02 / 0.04 / 0.04 (2,5 / 3,5 / 4,0 %), and a payback never reached as NaN."""
    import pandas as pd

    from invoicekit.business_case import build, load_config
    from invoicekit.reports import danish_table

    case = build(load_config(text="discount_rate = [0.025, 0.035, 0.04]\nautomation_rate = [0.3, 0.38, 0.5]"))
    text = repr(danish_table(case.tornado, "tornado"))
    assert text.splitlines()[0].split()[:4] == ["Parameter", "Lav", "Sandsynlig", "Høj"]
    assert "2,5 %" in text and "3,5 %" in text and "4,0 %" in text and "0.04" not in text
    assert case.tornado["low"].tolist()[-1] in (0.025, 0.3)  # the numbers kept
    rates = pd.DataFrame({"automation_rate": [0.3, 0.65], "npv": [-46819, 120000], "payback_months": [None, 40.2],
                          "hours_saved_per_year": [250, 540]})  # fmt: skip
    shown = repr(danish_table(rates, "at_rates")).splitlines()
    assert shown[0].startswith("Automatiseringsgrad  Nutidsværdi (kr.)  Tilbagebetalingstid")
    assert shown[1].split() == ["30,0", "%", "-46.819", "250"] and shown[2].split() == [
        "65,0",
        "%",
        "120.000",
        "40,2",
        "540",
    ]


def test_a_report_tables_plain_text_is_the_table_not_a_memory_address():
    """A notebook's text/plain output of a table was ``<invoicekit.render.DanishTable at 0x7f4539151210>``:
    ten digits of the address read as a CPR number, and the notebook check failed one run in some hundred."""
    import re

    import pandas as pd

    from invoicekit.reports import danish_table

    template = pd.DataFrame({"supplier_cvr": ["12345678", "87654321"], "supplier_name": ["Solhøj 010190-1234", "Bo"],
                             "invoices": [1234, 5], "automation_rate": [0.36709, 1.0], "template_invoices": [3, 0],
                             "template_points": [1.25, 0.0], "template_reason": ["Periode\nmangler", ""]})  # fmt: skip
    text = repr(danish_table(template, "template", max_rows=1))
    assert not re.search(r"0x[0-9a-f]+|object at", text)
    lines = text.splitlines()
    assert lines[0].split("  ")[0] == "Leverandør (CVR)" and "Automatiseringsgrad" in lines[0]
    assert lines[1].startswith("12345678          Solhøj 010190-xxxx")  # masked as the HTML masks it
    assert "1.234" in lines[1] and "36,7 %" in lines[1] and lines[1].endswith("Periode mangler")  # one line a row
    assert lines[2] == "Viser 1 af 2 rækker; alle står i regnearket."
    assert len(lines) == 3
    # the numbers stand right-aligned under their heading, the text left-aligned
    assert lines[0].index("Fakturaer") + len("Fakturaer") == lines[1].index("1.234") + len("1.234")
