"""The charts: each takes small tables and returns a matplotlib Figure with
what the reader needs written on it, and leaves pyplot alone."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from invoicekit import charts


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def _drawn_texts(fig: Figure) -> list[str]:
    """Every text on the figure once drawn, tick labels included."""
    fig.draw_without_rendering()
    return _texts(fig)


#: a number written the English way: a decimal point (a point before three digits groups thousands)
ENGLISH_DECIMAL = re.compile(r"\d\.(\d{1,2}|\d{4,})(?!\d)")


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    yield
    assert plt.get_fignums() == [], "a chart opened a pyplot figure"


def test_monthly_figure_labels_each_month_and_the_target():
    monthly = pd.DataFrame(
        {
            "month": ["2019-01", "2019-02"],
            "invoices": [100, 120],
            "posted": [30, 54],
            "automation_rate": [0.3, 0.45],
            "target": [0.5, 0.5],
        }
    )
    fig = charts.monthly_figure(monthly)
    texts = _texts(fig)
    assert isinstance(fig, Figure)
    assert {"2019-01", "2019-02", "30 %", "45 %", "Mål (50 %)"} <= set(texts)


def test_pareto_figure_shows_the_top_reasons_and_the_rest_as_one_bar():
    reasons = pd.DataFrame(
        {
            "label": ["A", "B", "C", "D"],
            "invoices": [50, 30, 15, 5],
            "points": [12.5, 7.5, 3.75, 1.25],
            "cumulative_share": [0.5, 0.8, 0.95, 1.0],
        }
    )
    fig = charts.pareto_figure(reasons, "Årsager", top=3)
    texts = _drawn_texts(fig)
    assert {"A", "B", "12,5 pt", "7,5 pt", "Årsager"} <= set(texts)
    assert "C" not in texts and "D" not in texts
    # every manual invoice is drawn: the two left are one bar, and the line ends at 100 %
    assert "Øvrige (2 årsager)" in texts and "5,0 pt" in texts
    bars, line = fig.axes[0].patches, fig.axes[1].lines[0]
    assert [b.get_height() for b in bars] == [50, 30, 20]
    assert list(line.get_ydata()) == pytest.approx([50, 80, 100])
    # as many reasons as bars: no bar of the rest
    assert "Øvrige" not in " ".join(_texts(charts.pareto_figure(reasons, "Årsager", top=4)))


def test_template_figure_names_each_supplier_and_its_reason():
    candidates = pd.DataFrame(
        {
            "supplier_cvr": ["29345716", "10150817"],
            "template_invoices": [8, 3],
            "template_points": [4.0, 1.5],
            "template_reason": ["Intet CPR-nummer", "Ingen periode"],
        }
    )
    texts = _texts(charts.template_figure(candidates))
    assert {"29345716", "10150817", " 4,0 pt, Intet CPR-nummer", " 1,5 pt, Ingen periode"} <= set(texts)


def test_template_figure_names_a_supplier_by_name_masked_and_cut_and_keeps_its_labels_inside():
    candidates = pd.DataFrame(
        {
            "supplier_cvr": ["29345716", "10150817", "12345674"],
            "supplier_name": ["Bostedet Lind", "Beskæftigelsestilbuddet Overgaarden Nord ApS", "Hjem 010190\n1234"],
            "template_invoices": [180, 3, 2],
            "template_points": [4.0, 1.5, 1.0],
            "template_reason": ["Samlefaktura (flere CPR-numre)", "Ingen periode", "Ingen periode"],
        }
    )
    candidates["supplier_name"] = candidates["supplier_name"].str.replace("\\n", "\n", regex=False)
    fig = charts.template_figure(candidates)
    texts = _drawn_texts(fig)
    assert "Bostedet Lind (29345716)" in texts
    cut = {t for t in texts if t.endswith("(10150817)")}
    assert cut == {f"{'Beskæftigelsestilbuddet Overgaarden Nord ApS'[: charts.NAME_CHARS - 1]}… (10150817)"}
    # no mathtext: "1505$8$7-9898" is drawn as 150587-9898 (a review of 0.9.17)
    dollars = charts.template_figure(candidates.assign(supplier_name=["Bo 1505$8$7-9898", "b", "c"]))
    assert {t for t in _drawn_texts(dollars) if t.endswith("(29345716)")} == {r"Bo 1505\$8\$7-9898 (29345716)"}
    masked = {t for t in texts if t.endswith("(12345674)")}
    assert masked == {"Hjem 010190-xxxx (12345674)"}
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    box = ax.get_window_extent(renderer)
    for label in ax.texts:
        assert label.get_window_extent(renderer).x1 <= box.x1, f"{label.get_text()!r} sticks out of the axes"


def test_cash_flow_figure_colours_years_in_and_out():
    years = pd.DataFrame({"year": [0, 1, 2], "cash_flow": [-250_000, 100_000, 100_000]})
    years["cumulative"] = years["cash_flow"].cumsum()
    ax = charts.cash_flow_figure(years).axes[0]
    colours = [tuple(np.round(b.get_facecolor()[:3], 3)) for b in ax.patches]
    assert colours[0] != colours[1] == colours[2]
    assert [b.get_height() for b in ax.patches] == [-250, 100, 100]  # in 1.000 kr.


def test_tornado_figure_writes_shares_as_percentages_and_the_largest_swing_on_top():
    t = pd.DataFrame(
        {
            "parameter": ["automation_rate", "hourly_cost"],
            "label": ["Automatiseringsgrad", "Timepris"],
            "low": [0.3, 350.0],
            "likely": [0.38, 400.0],
            "high": [0.45, 450.0],
            "npv_low": [-100_000.0, 10_000.0],
            "npv_high": [200_000.0, 60_000.0],
        }
    )
    fig = charts.tornado_figure(t, 35_000)
    texts = _texts(fig)
    assert {"30,0 % ", " 45,0 %", "350 ", " 450"} <= set(texts)
    ticks = [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    assert ticks == ["Timepris", "Automatiseringsgrad"]  # drawn bottom up: the largest swing on top


@pytest.mark.parametrize("dpi", [72, 100])
def test_tornado_value_labels_stay_inside_the_axes_and_a_measured_figure_is_marked(dpi):
    # the demo's shape: the largest swing reaches far out on one side, long values sit at the ends
    t = pd.DataFrame(
        {
            "parameter": ["automation_rate", "minutes_exception", "change_cost_per_year", "invoices_per_year"],
            "label": [
                "Automatiseringsgrad",
                "Ekstra minutter pr. faktura til manuel behandling",
                "Tilpasning",
                "Fakturaer om året",
            ],
            "low": [0.25, 1.0, 5_000.0, 8_247.0],
            "likely": [0.401, 3.0, 15_000.0, 8_443.0],
            "high": [0.6, 6.0, 40_000.0, 8_643.0],
            "npv_low": [-480_000.0, -300_000.0, -380_000.0, -430_000.0],
            "npv_high": [1_120_000.0, -620_000.0, -540_000.0, -410_000.0],
            "measured": [True, False, False, True],
        }
    )
    fig = charts.tornado_figure(t, -424_000)
    fig.set_dpi(dpi)  # drawn as the report (100 dpi) and the README's pictures (72 dpi) draw it
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    box = ax.get_window_extent(renderer)
    labels = [x for x in ax.texts if x.get_text().strip()]
    assert len(labels) == 2 * len(t)
    for label in labels:
        e = label.get_window_extent(renderer)
        assert box.x0 <= e.x0 and e.x1 <= box.x1, f"{label.get_text()!r} sticks out of the axes"
    # and clear of the category labels beside the axes
    ticks = [tick.get_window_extent(renderer) for tick in ax.get_yticklabels()]
    assert max(e.x1 for e in ticks) <= min(x.get_window_extent(renderer).x0 for x in labels)
    names = [tick.get_text() for tick in ax.get_yticklabels()]
    assert names[-1] == "Automatiseringsgrad (målt)" and names[0] == "Fakturaer om året (målt)"
    assert "Tilpasning" in names


def test_monte_carlo_figure_marks_the_percentiles_and_the_probability():
    simulated = np.linspace(-100_000, 300_000, 1000)
    headline = {"npv_p10": -60_000, "npv_p50": 100_000, "npv_p90": 260_000, "probability_npv_positive": 0.75}
    texts = _texts(charts.monte_carlo_figure(simulated, headline))
    assert {"P10", "P50", "P90"} <= set(texts)
    assert any(t.endswith("positiv nutidsværdi er 75 %") for t in texts)


def test_rate_figure_labels_each_mark_it_is_given():
    by_rate = pd.DataFrame({"automation_rate": [0.0, 0.5, 1.0], "npv": [-400_000.0, 50_000.0, 500_000.0]})
    marks = pd.DataFrame(
        {"mark": ["now", "target", "break_even"], "automation_rate": [0.38, 0.5, 0.45], "npv": [-58_000.0, 50_000, 0]}
    )
    texts = _texts(charts.rate_figure(by_rate, marks))
    assert {"Nu: 38 % → -58 t.kr.", "Mål: 50 % → 50 t.kr.", "Nulpunkt: 45 % → 0 t.kr."} <= set(texts)
    two = charts.rate_figure(by_rate, marks.head(2))
    assert not any(t.startswith("Nulpunkt") for t in _texts(two))


def test_rate_figure_writes_marks_that_differ_so_that_they_read_differently():
    # the demo's case: today 40,1 %, break-even 39,7 %; both were written "40 %"
    by_rate = pd.DataFrame({"automation_rate": [0.0, 0.5, 1.0], "npv": [-1_260_000.0, 329_000.0, 1_910_000.0]})
    marks = pd.DataFrame(
        {
            "mark": ["now", "target", "break_even"],
            "automation_rate": [0.401, 0.5, 0.3966],
            "npv": [14_828.0, 329_000, 0],
        }
    )
    texts = _texts(charts.rate_figure(by_rate, marks))
    assert {"Nu: 40,1 % → 15 t.kr.", "Mål: 50,0 % → 329 t.kr.", "Nulpunkt: 39,7 % → 0 t.kr."} <= set(texts)


def _every_chart() -> dict[str, Figure]:
    monthly = pd.DataFrame(
        {
            "month": ["2019-01", "2019-02"],
            "invoices": [1, 2],  # few: the count axis gets ticks like 0,25
            "posted": [1, 1],
            "automation_rate": [0.174, 0.5],
            "target": [0.455, 0.455],
        }
    )
    reasons = pd.DataFrame(
        {"label": ["A", "B"], "invoices": [3, 1], "points": [17.44, 2.5], "cumulative_share": [0.75, 1.0]}
    )
    candidates = pd.DataFrame(
        {
            "supplier_cvr": ["29345716"],
            "template_invoices": [1],
            "template_points": [17.44],
            "template_reason": ["Intet CPR-nummer"],
        }
    )
    years = pd.DataFrame({"year": [0, 1, 2], "cash_flow": [-2_500.0, 1_000.0, 1_500.0]})
    years["cumulative"] = years["cash_flow"].cumsum()
    tornado = pd.DataFrame(
        {
            "parameter": ["automation_rate", "minutes_control"],
            "label": ["Automatiseringsgrad", "Kontrolminutter"],
            "low": [0.301, 0.25],
            "likely": [0.38, 0.5],
            "high": [0.455, 1.5],
            "npv_low": [-1_500.0, 1_000.0],
            "npv_high": [2_500.0, 1_700.0],
        }
    )
    headline = {"npv_p10": -600, "npv_p50": 1_000, "npv_p90": 2_600, "probability_npv_positive": 0.755}
    by_rate = pd.DataFrame({"automation_rate": [0.0, 0.5, 1.0], "npv": [-4_000.0, 500.0, 5_000.0]})
    marks = pd.DataFrame({"mark": ["now"], "automation_rate": [0.384], "npv": [-580.0]})
    return {
        "monthly": charts.monthly_figure(monthly),
        "pareto": charts.pareto_figure(reasons),
        "template": charts.template_figure(candidates),
        "cash_flow": charts.cash_flow_figure(years),
        "tornado": charts.tornado_figure(tornado, 1_200.0),
        "monte_carlo": charts.monte_carlo_figure(np.linspace(-1_000, 3_000, 200), headline),
        "rate": charts.rate_figure(by_rate, marks),
    }


def test_every_chart_writes_decimal_commas_like_the_tables_ticks_included():
    figures = _every_chart()
    texts = {name: _drawn_texts(fig) for name, fig in figures.items()}
    for name, shown in texts.items():
        assert not [t for t in shown if ENGLISH_DECIMAL.search(t)], name
    assert "17,4 pt" in texts["pareto"] and " 17,4 pt, Intet CPR-nummer" in texts["template"]
    counts = [t.get_text() for t in figures["monthly"].axes[0].get_yticklabels()]
    assert "0,25" in counts or "0,5" in counts  # a tick between whole invoices, with a comma
    npv = [t.get_text() for t in figures["cash_flow"].axes[0].get_yticklabels()]
    assert any("," in t for t in npv)  # 1.000 kr.: -2,5 … 1,5
    assert " 1,5" in texts["tornado"]


def test_charts_of_nothing_to_show_say_so_and_fixed_figures_draw_one_bar():
    """Found by an attack session on 0.9.8: a month without manual invoices
    drew an empty Pareto (a y axis of -0.04 to 0.04), a business case with
    every figure fixed drew no histogram (60 bins of no width) and P10, P50
    and P90 on top of each other, and a 40-year horizon ran its year labels together."""
    import numpy as np
    import pandas as pd

    from invoicekit.charts import cash_flow_figure, monte_carlo_figure, pareto_figure

    empty = pd.DataFrame(columns=["reason", "label", "invoices", "share_of_manual", "cumulative_share", "points"])
    texts = [t.get_text() for t in pareto_figure(empty, "2019-02").axes[0].texts]
    assert texts == ["Ingen manuelle fakturaer"]
    fixed = monte_carlo_figure(np.full(500, 250_000.0), dict.fromkeys(("npv_p10", "npv_p50", "npv_p90"), 250_000.0)
                               | {"probability_npv_positive": 1.0})  # fmt: skip
    ax = fixed.axes[0]
    assert [p.get_height() for p in ax.patches] == [500]
    assert [t.get_text() for t in ax.texts] == ["P10 = P50 = P90"]
    years = pd.DataFrame({"year": np.arange(1, 41), "cash_flow": np.ones(40), "cumulative": np.arange(1, 41.0)})
    assert len(cash_flow_figure(years).axes[0].get_xticks()) <= 20
