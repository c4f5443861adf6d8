"""A CPR number pasted into a kroner figure of the business case is refused, not shown in the report and
workbook as 1.503.823.313 (an attack on 0.9.35)."""

from __future__ import annotations

import zipfile

import pytest

from invoicekit.cli import main
from invoicekit.identifiers import mask_cpr_text

CPR = "1503823313"  # 15 March 1982, a valid CPR number


@pytest.mark.parametrize("key", ["development_cost", "subscription_per_year"])
def test_business_case_shows_a_cpr_typed_into_a_kroner_figure_in_full(tmp_path, capsys, key):
    """A CPR number pasted into a number of the business case (``development_cost = 1503823313``,
    a figure taken from the wrong cell) is accepted and shown in ``business-case.html`` as
    ``1.503.823.313`` (the year-0 row of the cash-flow table, the parameter table) and in
    ``business-case.xlsx`` as a number cell Excel formats ``1.503.823.313``: a form the project's
    own ``mask_cpr_text`` reads as 150382-3313. Breaks "Nothing a person opens ... shows a CPR
    number" (reports and workbooks mask anything that reads as one). ``run`` refuses the same
    number as an invoice amount or a grant rate (a hundred million kroner or more is no amount:
    "urealistisk stor"); the business case has no such bound (``business_case._estimate`` checks
    only ``p.low``/``p.high``, and these parameters' ``high`` is infinite)."""
    (tmp_path / "bc.toml").write_text(f"{key} = {CPR}\n", encoding="utf-8")
    code = main(["report", "business-case", "--config", str(tmp_path / "bc.toml"), "--out", str(tmp_path / "o")])
    printed = capsys.readouterr()
    if code == 2:  # refused: no leak (the fix may refuse such a figure, one line on stderr, masked)
        assert mask_cpr_text(printed.err) == printed.err
        return
    assert code == 0, printed.err
    html = (tmp_path / "o" / "business-case.html").read_text(encoding="utf-8")
    assert "1.503.823.313" not in html, "business-case.html shows 1.503.823.313 (mask_cpr_text reads 150382-3313)"
    assert mask_cpr_text(html) == html
    with zipfile.ZipFile(tmp_path / "o" / "business-case.xlsx") as z:
        sheets = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert CPR not in sheets, "business-case.xlsx holds the CPR number as a number cell shown 1.503.823.313"
