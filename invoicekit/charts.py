"""The charts of the follow-up, the business case, an explained invoice and
rule tuning: each function takes the tables (DataFrames) and plain numbers the
computations made and returns a matplotlib Figure; it computes nothing beyond what it draws, writes no file and
never calls ``plt.show()``. The reports embed them and the notebooks show them.
Every number on them, ticks included, is written as the tables write it
(:mod:`invoicekit.formats`: decimal comma, thousands point).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from invoicekit.case_parameters import PARAMS
from invoicekit.formats import (
    decimals_beside,
    dk_number,
    dk_percent,
    dk_points,
    dk_probability,
    dk_rate,
    dk_tick,
    dk_value,
    telling_decimals,
)
from invoicekit.identifiers import mask_as_shown

# ---------------------------------------------------------------- follow-up


def monthly_figure(monthly: pd.DataFrame) -> Figure:
    """Invoices and postings per month as bars, the automation rate as a line
    against the target."""
    fig = Figure(figsize=(10, 5))
    ax = fig.subplots()
    x = np.arange(len(monthly))
    ax.bar(x - 0.2, monthly["invoices"], width=0.4, color="#c9d6e3", label="Fakturaer")
    ax.bar(x + 0.2, monthly["posted"], width=0.4, color="#2b6c9e", label="Bogført automatisk")
    ax.set_ylabel("Antal")
    ax.set_xticks(x, monthly["month"], rotation=45, ha="right")
    ax2 = ax.twinx()
    ax2.plot(x, monthly["automation_rate"] * 100, color="#c0504d", marker="o", label="Automatiseringsgrad")
    ax2.axhline(
        monthly["target"].iat[0] * 100,
        color="#3a8d5c",
        linestyle="--",
        label=f"Mål ({dk_rate(monthly['target'].iat[0])})",
    )
    ax2.set_ylabel("%")
    ax2.set_ylim(0, 100)
    notes = monthly["note"] if "note" in monthly.columns else pd.Series("", index=monthly.index)
    for xi, r, target, note in zip(x, monthly["automation_rate"], monthly["target"], notes, strict=True):
        if np.isnan(r):  # a month without a run, or whose runs found no invoice: no rate, said so
            if note:
                ax2.annotate(note, (xi, 3), ha="center", va="bottom", rotation=90, fontsize=8, color="#777777")
            continue
        # whole percent, unless that reads as the target line while the month is not on it: 49,95 %, not 50 %
        ax2.annotate(
            dk_percent(r, decimals_beside(r, target, least=0)),
            (xi, r * 100),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
        )
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(
        handles,
        [h.get_label() for h in handles],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        fontsize=8,
        ncol=4,
        frameon=False,
    )
    ax.set_title("Automatiseringsgrad pr. måned")
    ax.yaxis.set_major_formatter(dk_tick)
    ax2.yaxis.set_major_formatter(dk_tick)
    fig.tight_layout()
    return fig


def pareto_figure(reasons: pd.DataFrame, title: str = "Årsager til manuel behandling", top: int = 12) -> Figure:
    """The manual reasons as a Pareto chart: bars of invoices, the cumulative
    share as a line, each bar labelled with its cost in points. Beyond ``top``
    bars the rest are one bar, "Øvrige", so that every manual invoice is drawn
    and the line ends at 100 %."""
    t = reasons.head(top)
    if len(reasons) > top:
        rest = reasons.iloc[top - 1 :]
        other = {
            "label": f"Øvrige ({len(rest)} årsager)",
            "invoices": rest["invoices"].sum(),
            "points": rest["points"].sum(),
            "cumulative_share": rest["cumulative_share"].iat[-1],
        }
        t = pd.concat([reasons.head(top - 1), pd.DataFrame([other])], ignore_index=True)
    fig = Figure(figsize=(10, 4.8))
    ax = fig.subplots()
    x = np.arange(len(t))
    ax.bar(x, t["invoices"], color="#2b6c9e")
    for xi, (n, pts) in enumerate(zip(t["invoices"], t["points"], strict=True)):
        ax.annotate(dk_points(pts), (xi, n), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=8)
    ax.set_xticks(x, t["label"], rotation=40, ha="right", fontsize=8)
    ax.set_ylabel("Fakturaer")
    if not len(t):  # a month without manual invoices (or without invoices): said, not an empty frame
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.text(0.5, 0.5, "Ingen manuelle fakturaer", ha="center", va="center", transform=ax.transAxes)
    ax2 = ax.twinx()
    ax2.plot(x, t["cumulative_share"] * 100, color="#c0504d", marker="o")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("Akkumuleret andel af manuelle, %")
    if not len(t):
        ax2.set_yticks([])
    ax.set_title(title)
    ax.yaxis.set_major_formatter(dk_tick)
    ax2.yaxis.set_major_formatter(dk_tick)
    fig.tight_layout()
    return fig


def template_figure(candidates: pd.DataFrame) -> Figure:
    """The suppliers that gain most from the contact template."""
    t = candidates.iloc[::-1]
    fig = Figure(figsize=(9, 0.42 * len(t) + 1.6))
    ax = fig.subplots()
    names = t["supplier_name"].fillna("") if "supplier_name" in t else pd.Series("", index=t.index)
    labels = [_supplier_label(str(c), str(n)) for c, n in zip(t["supplier_cvr"], names, strict=True)]
    ax.barh(np.arange(len(t)), t["template_invoices"], color="#c0504d")
    ax.set_yticks(np.arange(len(t)), labels)
    texts = [
        ax.text(n, y, f" {dk_points(pts)}, {why}", va="center", fontsize=8)
        for y, (n, pts, why) in enumerate(
            zip(t["template_invoices"], t["template_points"], t["template_reason"], strict=True)
        )
    ]
    ax.set_xlabel("Manuelle fakturaer, kontaktskabelonen kan rette")
    ax.set_ylabel("Leverandør (CVR)")
    ax.set_xlim(0, max(float(t["template_invoices"].max()) * 1.3, 1) if len(t) else 1)
    ax.set_title("Leverandører, der får mest ud af kontaktskabelonen")
    ax.xaxis.set_major_formatter(dk_tick)
    fig.tight_layout()
    _fit_texts(ax, texts)  # the longest reason beside the longest bar stays inside
    return fig


#: the longest supplier name a chart's axis shows in full
NAME_CHARS = 32


def _supplier_label(cvr: str, name: str) -> str:
    """ "Bostedet Lind (29345716)": the name, masked and cut to
    :data:`NAME_CHARS`, then the CVR number; the number alone when unnamed."""
    name = mask_as_shown(name)
    if len(name) > NAME_CHARS:
        name = name[: NAME_CHARS - 1].rstrip() + "…"
    return drawn_as_written(f"{name} ({cvr})" if name else cvr)


def drawn_as_written(text: str) -> str:
    """``text`` as matplotlib draws it letter for letter: a ``$`` is no start of
    mathtext (``1505$8$7-9898`` was drawn 150587-9898, a number masking did
    not read)."""
    return text.replace("$", r"\$")


# ---------------------------------------------------------------- business case


def cash_flow_figure(years: pd.DataFrame) -> Figure:
    """The undiscounted cash flow per year as bars (green in, red out), the
    cumulative cash flow as a line (the business case's ``years`` table)."""
    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    colors = np.where(years["cash_flow"] >= 0, "#3a8d5c", "#c0504d")
    ax.bar(years["year"], years["cash_flow"] / 1000, color=colors, label="Nettogevinst")
    ax.plot(years["year"], years["cumulative"] / 1000, color="#2b6c9e", marker="o", label="Akkumuleret")
    ax.axhline(0, color="#444", linewidth=0.8)
    ax.set_xlabel("År")
    ax.set_ylabel("1.000 kr.")
    step = max(1, int(np.ceil(len(years) / 20)))  # at most about 20 year labels: a long horizon's ran together
    ax.set_xticks(years["year"].iloc[::step])
    ax.legend(fontsize=8)
    ax.set_title("Nettogevinst pr. år (udiskonteret; frigjort tid værdisat minus udgifter)")
    ax.yaxis.set_major_formatter(dk_tick)
    fig.tight_layout()
    return fig


def _param_text(name: str, value: float) -> str:
    p = PARAMS.get(name)
    return dk_value(value, p.unit if p is not None else "")


def tornado_figure(t: pd.DataFrame, base: float) -> Figure:
    """The business case's ``tornado`` table as bars from the NPV at each
    parameter's low to that at its high value, largest swing on top, each end
    labelled with the value and a measured figure marked "(målt)"; ``base``
    (the NPV with likely values) as a line. The value labels stay inside the
    axes: its x range is widened until they fit."""
    t = t.iloc[::-1]
    fig = Figure(figsize=(9, 0.45 * max(len(t), 1) + 1.8))
    ax = fig.subplots()
    y = np.arange(len(t))
    lo = np.minimum(t["npv_low"], t["npv_high"]) / 1000
    hi = np.maximum(t["npv_low"], t["npv_high"]) / 1000
    ax.barh(y, hi - lo, left=lo, color="#8fb3d3")
    texts = []
    rows = zip(t["parameter"], t["npv_low"], t["npv_high"], t["low"], t["high"], strict=True)
    for yi, (name, a, b, low, high) in enumerate(rows):
        left, right = (low, high) if a <= b else (high, low)
        texts.append(ax.text(min(a, b) / 1000, yi, f"{_param_text(name, left)} ", va="center", ha="right", fontsize=7))
        texts.append(ax.text(max(a, b) / 1000, yi, f" {_param_text(name, right)}", va="center", ha="left", fontsize=7))
    ax.axvline(base / 1000, color="#c0504d", linestyle="--")
    measured = t["measured"] if "measured" in t else pd.Series(False, index=t.index)
    ax.set_yticks(y, [f"{label} (målt)" if m else label for label, m in zip(t["label"], measured, strict=True)])
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylim(-0.6, len(t) - 0.4)
    ax.set_xlabel(f"Nutidsværdi, 1.000 kr. (stiplet: med sandsynlige værdier, {dk_number(round(base / 1000) + 0)})")
    ax.set_title("Følsomhed: nutidsværdien med hver parameter på lav og høj værdi")
    ax.margins(x=0.05)
    ax.xaxis.set_major_formatter(dk_tick)
    fig.tight_layout()
    _fit_texts(ax, texts)
    return fig


def _fit_texts(ax, texts: list, pad_px: float = 4.0, tries: int = 6) -> None:
    """Widen ``ax``'s x range until every text lies inside the axes (a text
    anchored at a bar's end keeps its size in points while the range
    grows, so this takes a few rounds), laying the figure out again each
    time the tick labels may have changed."""
    for _ in range(tries):
        box = ax.get_window_extent()
        extents = [text.get_window_extent() for text in texts]
        if not extents:
            return
        over_left = max(0.0, box.x0 + pad_px - min(e.x0 for e in extents))
        over_right = max(0.0, max(e.x1 for e in extents) - (box.x1 - pad_px))
        if not over_left and not over_right:
            return
        x0, x1 = ax.get_xlim()
        per_px = (x1 - x0) / box.width
        # the range grows by what sticks out, and by as much again for the share of the axes that takes
        grow = (over_left + over_right) / box.width
        ax.set_xlim(
            x0 - over_left * per_px * (1 + grow) - (per_px if over_left else 0),
            x1 + over_right * per_px * (1 + grow) + (per_px if over_right else 0),
        )
        ax.figure.tight_layout()


def monte_carlo_figure(simulated: np.ndarray, headline: dict) -> Figure:
    """A histogram of the simulated NPVs, with the ``headline``'s P10, P50
    and P90 marked and its probability of a positive NPV in the title."""
    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    spread = float(np.ptp(simulated)) if len(simulated) else 0.0
    if spread > 0:
        ax.hist(simulated / 1000, bins=60, color="#8fb3d3")
    else:  # every figure fixed: one value, drawn as one bar around it (60 bins of no width show nothing)
        value = float(simulated[0]) / 1000 if len(simulated) else 0.0
        width = max(abs(value) * 0.02, 1.0)
        ax.bar([value], [len(simulated)], width=width, color="#8fb3d3")
    marks = {}
    for key, name in (("npv_p10", "P10"), ("npv_p50", "P50"), ("npv_p90", "P90")):
        marks.setdefault(round(headline[key], 0), []).append(name)  # equal marks share one line and label
    for at, names in marks.items():
        ax.axvline(at / 1000, color="#2b6c9e", linestyle="--")
        ax.annotate(" = ".join(names), (at / 1000, ax.get_ylim()[1] * 0.95), ha="center", fontsize=8)
    ax.axvline(0, color="#c0504d")
    ax.set_xlabel("Nutidsværdi, 1.000 kr.")
    ax.set_ylabel("Trækninger")
    ax.xaxis.set_major_formatter(dk_tick)
    ax.yaxis.set_major_formatter(dk_tick)
    ax.set_title(
        f"Usikkerhed: sandsynligheden for en positiv nutidsværdi er {dk_probability(headline['probability_npv_positive'])}"
    )
    fig.tight_layout()
    return fig


#: how each mark of :meth:`BusinessCase.rate_marks` is drawn: label, colour, text offset in points
RATE_MARKS = {
    "now": ("Nu", "#c0504d", (-10, 6)),  # above the zero line, where the rising line is not
    "target": ("Mål", "#3a8d5c", (-10, 8)),
    "break_even": ("Nulpunkt", "#555", (10, -14)),
}


def rate_figure(by_rate: pd.DataFrame, marks: pd.DataFrame) -> Figure:
    """NPV against the automation rate (``by_rate``: ``automation_rate``,
    ``npv``), with the ``marks`` (``mark``, ``automation_rate``, ``npv``:
    today's rate, the target and the break-even) labelled."""
    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    ax.plot(by_rate["automation_rate"] * 100, by_rate["npv"] / 1000, color="#2b6c9e")
    ax.axhline(0, color="#444", linewidth=0.8)
    decimals = telling_decimals(marks["automation_rate"])  # today's 40,1 % and a break-even of 39,7 % both read "40 %"
    for mark, r, value in zip(marks["mark"], marks["automation_rate"], marks["npv"], strict=True):
        name, color, offset = RATE_MARKS[mark]
        v = value / 1000
        ax.plot([r * 100], [v], "o", color=color)
        ax.annotate(
            f"{name}: {dk_percent(r, decimals)} → {dk_number(round(v) + 0)} t.kr.",
            (r * 100, v),
            textcoords="offset points",
            xytext=offset,
            ha="right" if offset[0] < 0 else "left",
            fontsize=8,
            color=color,
        )
    ax.set_xlabel("Automatiseringsgrad, %")
    ax.set_ylabel("Nutidsværdi, 1.000 kr.")
    ax.set_title("Nutidsværdien ved forskellige automatiseringsgrader")
    ax.xaxis.set_major_formatter(dk_tick)
    ax.yaxis.set_major_formatter(dk_tick)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- explain and tune


def funnel_figure(funnel: pd.DataFrame, title: str, note: str | None = None) -> Figure:
    """An explained invoice's funnel (``funnel``: ``step``, ``grants``, as
    :class:`invoicekit.explain.Explanation` holds it) as bars: the grants left
    after each check, the first step at the top, titled ``title`` as written.
    ``note``: written instead of the bars, where there is no funnel to draw (the
    invoice stopped before its grants were compared)."""
    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.subplots()
    if note is not None:
        ax.set_axis_off()
        ax.text(0.5, 0.5, drawn_as_written(note), ha="center", va="center", transform=ax.transAxes)
        ax.set_title(drawn_as_written(title))
        return fig
    y = np.arange(len(funnel))[::-1]
    ax.barh(y, funnel["grants"], color="#1f5fa8")
    ax.set_yticks(y, funnel["step"])
    for yy, n in zip(y, funnel["grants"], strict=True):
        ax.text(n + 0.05, yy, str(n), va="center")
    ax.set_xlabel("bevillinger tilbage")
    ax.set_title(drawn_as_written(title))
    ax.set_xlim(0, max(1, int(funnel["grants"].max())) + 1)
    return fig


def tuning_figure(table: pd.DataFrame, max_error: float, recommended: str = "") -> Figure:
    """Rule tuning's rule sets (``table``: ``error_rate``, ``automation_rate``,
    ``pareto``, ``recommended``, as :class:`invoicekit.tune.Tuning` holds it):
    automation against the error rate of automatic postings, the Pareto front
    as a line, ``max_error`` as a dashed line and the recommended rule set as a
    star labelled ``recommended`` (its rules as a Danish reader reads them)."""
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    ax.scatter(table["error_rate"] * 100, table["automation_rate"] * 100, color="#9aa5b1", label="regelsæt")
    front = table[table["pareto"]].sort_values("error_rate")
    ax.plot(front["error_rate"] * 100, front["automation_rate"] * 100, "-o", color="#1f5fa8", label="Pareto-front")
    ax.axvline(
        max_error * 100,
        color="#c0392b",
        linestyle="--",
        label=f"maks. fejlrate {dk_percent(max_error, 2)}",
    )
    rec = table[table["recommended"]]
    if len(rec):
        r = rec.iloc[0]
        ax.scatter(
            [r["error_rate"] * 100],
            [r["automation_rate"] * 100],
            marker="*",
            s=250,
            color="#e67e22",
            zorder=5,
            label="anbefalet",
        )
        ax.annotate(
            recommended,
            (r["error_rate"] * 100, r["automation_rate"] * 100),
            xytext=(8, -14),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_xlabel("Fejlrate i automatiske posteringer (%)")
    ax.set_ylabel("Automatiseringsgrad (%)")
    ax.set_title("Forretningsregler: automatisering mod fejl")
    ax.grid(alpha=0.3)
    # below the axes: inside, it hid the points of the lower right (an analyst's walk-through of 0.9.16)
    fig.legend(loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    ax.xaxis.set_major_formatter(dk_tick)
    ax.yaxis.set_major_formatter(dk_tick)
    return fig
