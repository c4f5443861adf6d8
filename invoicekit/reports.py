"""Reports people open: one self-contained HTML file (charts embedded as PNG,
no scripts, no links out, opens offline) and a formatted workbook with the
same tables, one sheet each, with Danish labels."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.version import __version__
from invoicekit.workbook import write_workbook

CSS = """
body { font-family: "Segoe UI", Helvetica, Arial, sans-serif; color: #222; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #2b6c9e; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
p.meta { color: #666; font-size: .9em; }
.kpis { display: flex; flex-wrap: wrap; gap: .8em; margin: 1em 0; }
.kpi { border: 1px solid #d5dde6; border-radius: 6px; padding: .6em 1em; min-width: 10em; background: #f7f9fb; }
.kpi b { display: block; font-size: 1.5em; color: #2b6c9e; }
.kpi span { font-size: .85em; color: #555; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #d5dde6; padding: .3em .6em; vertical-align: top; }
th { background: #eef3f8; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
.note { background: #fff8e5; border-left: 4px solid #e0a800; padding: .5em .8em; }
"""


# ---------------------------------------------------------------- formatting (Danish)


def dk_number(value: float, decimals: int = 0) -> str:
    """``1234567.8`` → ``1.234.568`` (or with ``decimals``, ``1.234.567,8``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{round(value, decimals) + 0.0:,.{decimals}f}"  # + 0.0: never "-0"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def dk_percent(value: float, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{dk_number(100 * value, decimals)} %"


def dk_money(value: float) -> str:
    return f"{dk_number(value)} kr."


def param_value(name: str, value: float) -> str:
    """A parameter's value as a Danish reader expects it: shares as
    percentages, whole numbers without decimals."""
    from invoicekit.business_case import PARAMS

    p = PARAMS.get(name)
    if p is not None and p.unit == "andel":
        return dk_percent(value, 1)
    if float(value).is_integer():
        return dk_number(value)
    return dk_number(value, 2).rstrip("0").rstrip(",")


FORMATS = {
    "int": lambda v: dk_number(v),
    "num1": lambda v: dk_number(v, 1),
    "num2": lambda v: dk_number(v, 2),
    "pct": lambda v: dk_percent(v),
    "pct0": lambda v: dk_percent(v, 0),
    "dkk": lambda v: dk_number(v),
    "bool": lambda v: "ja" if v else "nej",
}


def table_html(frame: pd.DataFrame, columns: dict[str, tuple[str, str]], max_rows: int | None = None) -> str:
    """An HTML table of ``frame``: ``columns`` maps each column shown to its
    Danish heading and its format (``text``, ``int``, ``pct`` …)."""
    shown = frame if max_rows is None else frame.head(max_rows)
    head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in columns.values())
    body = []
    for _, row in shown.iterrows():
        cells = []
        for col, (_, kind) in columns.items():
            v = row[col]
            if kind == "textnum":
                cells.append(f'<td class="num">{html.escape(str(v))}</td>')
            elif kind == "text":
                cells.append(
                    f"<td>{html.escape('' if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))}</td>"
                )
            else:
                cells.append(f'<td class="num">{html.escape(FORMATS[kind](v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if max_rows is not None and len(frame) > max_rows:
        more = f'<p class="meta">Viser {max_rows} af {len(frame)} rækker; alle står i regnearket.</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def figure_html(fig, caption: str) -> str:
    """The figure as an embedded PNG, closed afterwards."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    alt = html.escape(caption)
    return f'<figure><img alt="{alt}" src="data:image/png;base64,{data}"><figcaption>{alt}</figcaption></figure>'


def kpis_html(items: list[tuple[str, str]]) -> str:
    cells = "".join(f"<div class='kpi'><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>" for k, v in items)
    return f"<div class='kpis'>{cells}</div>"


def page(title: str, subtitle: str, sections: list[tuple[str, str]]) -> str:
    stamp = dt.datetime.now().astimezone().strftime("%d.%m.%Y %H:%M")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="da"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(subtitle)} · Dannet {stamp} med invoicekit {__version__}</p>',
    ]
    for heading, body in sections:
        parts.append(f"<section><h2>{html.escape(heading)}</h2>{body}</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _danish_sheet(frame: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> tuple[pd.DataFrame, list[str]]:
    out = frame[list(columns)].rename(columns={c: label for c, (label, _) in columns.items()})
    percent = [label for c, (label, kind) in columns.items() if kind.startswith("pct")]
    return out, percent


def _write_outputs(
    out: str | Path, stem: str, document: str, sheets: dict[str, tuple[pd.DataFrame, dict]]
) -> dict[str, Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"html": out / f"{stem}.html", "xlsx": out / f"{stem}.xlsx"}
    tmp = paths["html"].with_suffix(".html.tmp")
    tmp.write_text(document, encoding="utf-8")
    tmp.replace(paths["html"])
    frames, percent = {}, {}
    for name, (frame, columns) in sheets.items():
        frames[name], pct = _danish_sheet(frame, columns)
        percent[name] = dict.fromkeys(pct)
    write_workbook(paths["xlsx"], frames, percent=percent)
    return paths


# ---------------------------------------------------------------- follow-up

MONTHLY = {
    "month": ("Måned", "text"),
    "invoices": ("Fakturaer", "int"),
    "posted": ("Bogført automatisk", "int"),
    "manual": ("Manuelle", "int"),
    "automation_rate": ("Automatiseringsgrad", "pct"),
    "target": ("Mål", "pct0"),
}
REASONS = {
    "label": ("Årsag", "text"),
    "reason": ("Kode", "text"),
    "invoices": ("Fakturaer", "int"),
    "share_of_manual": ("Andel af manuelle", "pct"),
    "cumulative_share": ("Akkumuleret andel", "pct"),
    "points": ("Koster point af automatiseringsgraden", "num1"),
}
SUPPLIERS = {
    "supplier_cvr": ("Leverandør (CVR)", "text"),
    "invoices": ("Fakturaer", "int"),
    "posted": ("Bogført automatisk", "int"),
    "automation_rate": ("Automatiseringsgrad", "pct"),
    "main_reason": ("Hyppigste årsag til manuel", "text"),
    "template_invoices": ("Fakturaer, skabelonen retter", "int"),
    "template_points": ("Point, skabelonen kan give", "num1"),
}
TEMPLATE = {
    "supplier_cvr": ("Leverandør (CVR)", "text"),
    "invoices": ("Fakturaer", "int"),
    "automation_rate": ("Automatiseringsgrad", "pct"),
    "template_invoices": ("Fakturaer, skabelonen retter", "int"),
    "template_points": ("Point, skabelonen kan give", "num1"),
    "template_reason": ("Hyppigste årsag, skabelonen retter", "text"),
}


def _group_columns(key: str, label: str) -> dict[str, tuple[str, str]]:
    return {
        key: (label, "text"),
        "invoices": ("Fakturaer", "int"),
        "posted": ("Bogført automatisk", "int"),
        "automation_rate": ("Automatiseringsgrad", "pct"),
        "amount": ("Beløb (kr.)", "dkk"),
        "main_reason": ("Hyppigste årsag til manuel", "text"),
    }


HOURS = {
    "month": ("Måned", "text"),
    "hours_saved": ("Sparede timer", "num1"),
    "cumulative_hours": ("Sparede timer i alt", "num1"),
    "value_dkk": ("Værdi i alt (kr.)", "dkk"),
}
WRONG = {
    "month": ("Måned", "text"),
    "posted": ("Bogført automatisk", "int"),
    "wrong": ("Fejlposteringer", "int"),
    "error_rate": ("Fejlrate", "pct"),
}
CONTROLS = {
    "month": ("Måned", "text"),
    "checked": ("Kontrolleret", "int"),
    "errors": ("Fejl fundet", "int"),
    "upper_bound": ("Øvre grænse for fejlraten", "pct"),
    "tolerable": ("Tålelig fejlrate", "pct"),
    "accepted": ("Godkendt", "bool"),
}


def write_followup(f, out: str | Path) -> dict[str, Path]:
    """``followup.html`` and ``followup.xlsx`` in ``out``."""
    h = f.headline()
    figs = f.figures()
    kpis = [
        ("Automatiseringsgrad, hele perioden", dk_percent(h["automation_rate"])),
        (f"Automatiseringsgrad, {h['last_month']}", dk_percent(h["last_month_rate"])),
        ("Mål", dk_percent(h["target"], 0)),
        ("Fakturaer", dk_number(h["invoices"])),
        ("Sparede timer indtil nu", dk_number(h["hours_saved"])),
    ]
    if h["wrong_postings"] is not None:
        kpis.append(("Fejlposteringer fundet", dk_number(h["wrong_postings"])))
    gap = h["target"] - h["last_month_rate"]
    verdict = (
        f"Målet er nået i {h['last_month']}."
        if gap <= 0
        else f"Der mangler {dk_number(100 * gap, 1)} point for at nå målet i {h['last_month']}."
    )
    sections = [
        (
            "Overblik",
            kpis_html(kpis)
            + f"<p>{html.escape(verdict)} Hver faktura tæller én gang, ved robottens første beslutning om den.</p>",
        ),
        (
            "Automatiseringsgrad pr. måned",
            figure_html(
                figs["monthly"], "Fakturaer og automatiske posteringer pr. måned, og automatiseringsgraden mod målet"
            )
            + table_html(f.monthly, MONTHLY),
        ),
        (
            "Årsager til manuel behandling",
            "<p>Point: hvor mange procentpoint automatiseringsgraden ville stige, hvis fakturaerne med denne årsag "
            "var bogført automatisk.</p>"
            + figure_html(figs["pareto"], "Pareto over årsagerne, hele perioden")
            + table_html(f.reasons, REASONS)
            + f"<h3>{html.escape(f.last_month)}</h3>"
            + figure_html(figs["pareto_last"], f"Pareto over årsagerne, {f.last_month}")
            + table_html(f.reasons_last, REASONS),
        ),
        (
            "Leverandører",
            "<p>De leverandører, hvis fakturaer oftest afvises af en årsag, kontaktskabelonen retter (CPR-nummer, "
            "periode, én borger pr. faktura, fakturanummer, CVR-nummer):</p>"
            + (
                figure_html(figs["template"], "Leverandører, der får mest ud af kontaktskabelonen")
                if "template" in figs
                else ""
            )
            + table_html(f.template, TEMPLATE)
            + "<h3>Alle leverandører efter antal fakturaer</h3>"
            + table_html(f.suppliers, SUPPLIERS, max_rows=25),
        ),
        (
            "Paragraffer og ydelser",
            "<h3>Pr. paragraf</h3>"
            + table_html(f.paragraphs, _group_columns("paragraph", "Paragraf"))
            + "<h3>Pr. ydelse</h3>"
            + table_html(f.services, _group_columns("service_code", "Ydelse"), max_rows=25),
        ),
    ]
    wrong_body = ""
    if f.wrong is not None:
        wrong_body += "<h3>Fundet ved sammenligning med facit</h3>" + table_html(f.wrong, WRONG)
    if f.controls is not None:
        wrong_body += "<h3>Fundet ved stikprøvekontrol</h3>" + table_html(f.controls, CONTROLS)
    if wrong_body:
        sections.append(("Fejlposteringer", wrong_body))
    sections.append(
        (
            "Sparede timer",
            "<p>Automatiske posteringer × (minutter pr. manuel faktura − kontrolminutter) − manuelle fakturaer × "
            "ekstra minutter pr. afvist faktura, med business casens parametre.</p>" + table_html(f.hours, HOURS),
        )
    )
    document = page("Opfølgning på robottens automatiseringsgrad", f"Journal: {Path(f.source).name}", sections)
    sheets = {
        "Måneder": (f.monthly, MONTHLY),
        "Årsager": (f.reasons, REASONS),
        f"Årsager {f.last_month}": (f.reasons_last, REASONS),
        "Leverandører": (f.suppliers, SUPPLIERS),
        "Kontaktskabelon": (f.template, TEMPLATE),
        "Paragraffer": (f.paragraphs, _group_columns("paragraph", "Paragraf")),
        "Ydelser": (f.services, _group_columns("service_code", "Ydelse")),
        "Sparede timer": (f.hours, HOURS),
    }
    if f.wrong is not None:
        sheets["Fejlposteringer"] = (f.wrong, WRONG)
    if f.controls is not None:
        sheets["Stikprøvekontrol"] = (f.controls, CONTROLS)
    return _write_outputs(out, "followup", document, sheets)


# ---------------------------------------------------------------- business case

YEARS = {
    "year": ("År", "int"),
    "scenario0_cost": ("Scenarie 0: manuel behandling (kr.)", "dkk"),
    "scenario1_handling": ("Scenarie 1: manuelle rester og kontrol (kr.)", "dkk"),
    "development": ("Scenarie 1: udvikling (kr.)", "dkk"),
    "running": ("Scenarie 1: drift (kr.)", "dkk"),
    "scenario1_cost": ("Scenarie 1 i alt (kr.)", "dkk"),
    "hours_saved": ("Sparede timer", "int"),
    "benefit": ("Gevinst (kr.)", "dkk"),
    "cash_flow": ("Nettopengestrøm (kr.)", "dkk"),
    "present_value": ("Nutidsværdi (kr.)", "dkk"),
    "cumulative": ("Akkumuleret (kr.)", "dkk"),
}
TORNADO = {
    "label": ("Parameter", "text"),
    "low": ("Lav", "num2"),
    "likely": ("Sandsynlig", "num2"),
    "high": ("Høj", "num2"),
    "npv_low": ("Nutidsværdi ved lav (kr.)", "dkk"),
    "npv_high": ("Nutidsværdi ved høj (kr.)", "dkk"),
    "swing": ("Udsving (kr.)", "dkk"),
}
ASSUMPTIONS = {
    "label": ("Parameter", "text"),
    "name": ("Nøgle i konfigurationen", "text"),
    "low": ("Lav", "num2"),
    "likely": ("Sandsynlig", "num2"),
    "high": ("Høj", "num2"),
    "unit": ("Enhed", "text"),
    "source": ("Kilde", "text"),
}
RISKS = {
    "risk": ("Risiko", "text"),
    "likelihood": ("Sandsynlighed", "text"),
    "consequence": ("Konsekvens", "text"),
    "mitigation": ("Håndtering", "text"),
}
HEADLINE = {"figure": ("Nøgletal", "text"), "value": ("Værdi", "text")}


def cash_flow_figure(years: pd.DataFrame):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    colors = np.where(years["cash_flow"] >= 0, "#3a8d5c", "#c0504d")
    ax.bar(years["year"], years["cash_flow"] / 1000, color=colors, label="Nettopengestrøm")
    ax.plot(years["year"], years["cumulative"] / 1000, color="#2b6c9e", marker="o", label="Akkumuleret")
    ax.axhline(0, color="#444", linewidth=0.8)
    ax.set_xlabel("År")
    ax.set_ylabel("1.000 kr.")
    ax.set_xticks(years["year"])
    ax.legend(fontsize=8)
    ax.set_title("Pengestrømme pr. år (udiskonterede)")
    fig.tight_layout()
    return fig


def tornado_figure(t: pd.DataFrame, base: float):
    from matplotlib.figure import Figure

    t = t.iloc[::-1]
    fig = Figure(figsize=(9, 0.45 * max(len(t), 1) + 1.8))
    ax = fig.subplots()
    y = np.arange(len(t))
    lo = np.minimum(t["npv_low"], t["npv_high"]) / 1000
    hi = np.maximum(t["npv_low"], t["npv_high"]) / 1000
    ax.barh(y, hi - lo, left=lo, color="#8fb3d3")
    rows = zip(t["parameter"], t["npv_low"], t["npv_high"], t["low"], t["high"], strict=True)
    for yi, (name, a, b, low, high) in enumerate(rows):
        ax.text(
            min(a, b) / 1000, yi, f"{param_value(name, low if a <= b else high)} ", va="center", ha="right", fontsize=7
        )
        ax.text(
            max(a, b) / 1000, yi, f" {param_value(name, high if a <= b else low)}", va="center", ha="left", fontsize=7
        )
    ax.axvline(base / 1000, color="#c0504d", linestyle="--", label="Nutidsværdi med sandsynlige værdier")
    ax.set_yticks(y, t["label"], fontsize=8)
    ax.set_xlabel("Nutidsværdi, 1.000 kr.")
    ax.set_title("Følsomhed: nutidsværdien med hver parameter på lav og høj værdi")
    ax.legend(fontsize=8, loc="lower right")
    ax.margins(x=0.15)
    fig.tight_layout()
    return fig


def monte_carlo_figure(simulated: np.ndarray, headline: dict):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    ax.hist(simulated / 1000, bins=60, color="#8fb3d3")
    for key, name in (("npv_p10", "P10"), ("npv_p50", "P50"), ("npv_p90", "P90")):
        ax.axvline(headline[key] / 1000, color="#2b6c9e", linestyle="--")
        ax.annotate(name, (headline[key] / 1000, ax.get_ylim()[1] * 0.95), ha="center", fontsize=8)
    ax.axvline(0, color="#c0504d")
    ax.set_xlabel("Nutidsværdi, 1.000 kr.")
    ax.set_ylabel("Trækninger")
    ax.set_title(
        f"Usikkerhed: sandsynligheden for en positiv nutidsværdi er {dk_percent(headline['probability_npv_positive'], 0)}"
    )
    fig.tight_layout()
    return fig


def rate_figure(bc):
    """NPV against the automation rate, with today's rate, the target 50 %
    and the break-even marked."""
    from matplotlib.figure import Figure

    from invoicekit.business_case import npv

    rates = np.linspace(0, 1, 101)
    values = np.array([npv({**bc.values, "automation_rate": r}) for r in rates]) / 1000
    fig = Figure(figsize=(9, 4.2))
    ax = fig.subplots()
    ax.plot(rates * 100, values, color="#2b6c9e")
    ax.axhline(0, color="#444", linewidth=0.8)
    marks = [(bc.values["automation_rate"], "Nu", "#c0504d", (-10, -4)), (0.5, "Mål", "#3a8d5c", (-10, 8))]
    be = bc.headline["break_even_automation_rate"]
    if be is not None and 0 <= be <= 1:
        marks.append((be, "Nulpunkt", "#555", (10, -14)))
    for r, name, color, offset in marks:
        v = npv({**bc.values, "automation_rate": r}) / 1000
        ax.plot([r * 100], [v], "o", color=color)
        ax.annotate(
            f"{name}: {dk_percent(r, 0)} → {dk_number(round(v) + 0)} t.kr.",
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
    fig.tight_layout()
    return fig


def _shown(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """low, likely and high as text in each parameter's own format."""
    out = frame.copy()
    for col in ("low", "likely", "high"):
        out[col] = [param_value(n, v) for n, v in zip(frame[key], frame[col], strict=True)]
    return out


def _as_text(columns: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    return {c: (label, "textnum" if c in ("low", "likely", "high") else kind) for c, (label, kind) in columns.items()}


def write_business_case(bc, out: str | Path) -> dict[str, Path]:
    """``business-case.html``, ``business-case.xlsx`` and ``business-case.json``."""
    from invoicekit.business_case import PARAMETERS

    h = bc.headline
    v = bc.values
    pb = h["payback_months"]
    be = h["break_even_automation_rate"]
    payback_text = "ikke inden for tidshorisonten" if pb is None else f"{dk_number(pb, 1)} måneder"
    be_text = (
        "ingen"
        if be is None
        else dk_percent(be)
        + (" (over 100 %: ikke opnåelig)" if be > 1 else " (under 0 %: altid positiv)" if be < 0 else "")
    )
    at50 = bc.at_rate(0.5)
    headline_rows = pd.DataFrame(
        [
            ("Nutidsværdi", dk_money(h["npv"])),
            ("Tilbagebetalingstid", payback_text),
            ("Sparede timer pr. år", dk_number(h["hours_saved_per_year"])),
            ("Frigjorte årsværk", dk_number(h["fte"], 2)),
            ("Automatiseringsgrad, der giver nutidsværdi 0", be_text),
            (
                "Nutidsværdi P10 / P50 / P90",
                f"{dk_money(h['npv_p10'])} / {dk_money(h['npv_p50'])} / {dk_money(h['npv_p90'])}",
            ),
            ("Sandsynlighed for positiv nutidsværdi", dk_percent(h["probability_npv_positive"], 0)),
            ("Nutidsværdi ved 50 % automatisering", dk_money(at50["npv"])),
        ],
        columns=["figure", "value"],
    )
    rate_note = bc.config.measured.get("automation_rate", "fra konfigurationen")
    summary = (
        f"<p>Robotten bogfører {dk_percent(v['automation_rate'])} af {dk_number(v['invoices_per_year'])} fakturaer om "
        f"året automatisk ({html.escape(rate_note)}). Over {int(v['horizon_years'])} år giver det en nutidsværdi på "
        f"{dk_money(h['npv'])} med en diskonteringsrente på {dk_percent(v['discount_rate'])}, og investeringen er "
        + ("ikke tjent hjem inden for tidshorisonten." if pb is None else f"tjent hjem efter {payback_text}.")
        + "</p>"
    )
    assumptions = pd.DataFrame(
        [
            {
                "label": p.label_da,
                "name": p.name,
                "low": bc.config.estimates[p.name][0],
                "likely": bc.config.estimates[p.name][1],
                "high": bc.config.estimates[p.name][2],
                "unit": p.unit,
                "source": bc.config.measured.get(
                    p.name, "konfiguration" if p.name in bc.config.given else "standardværdi"
                ),
            }
            for p in PARAMETERS
        ]
    )
    risks = pd.DataFrame(bc.config.risks, columns=list(RISKS)).fillna("")
    benefits = (
        "".join(f"<li>{html.escape(b)}</li>" for b in bc.config.non_economic_benefits) or "<li>(ingen angivet)</li>"
    )
    scenarios = (
        "<p><b>Scenarie 0 (i dag):</b> alle fakturaer behandles manuelt, "
        f"{dk_number(v['minutes_manual'], 1)} minutter pr. faktura.</p>"
        "<p><b>Scenarie 1 (robot):</b> robotten bogfører de fakturaer, den kan; de øvrige behandles manuelt med "
        f"{dk_number(v['minutes_exception'], 1)} minutters ekstra opfølgning, og de automatiske posteringer kontrolleres "
        f"med {dk_number(v['minutes_control'], 1)} minutter pr. postering. Udvikling i år 0, derefter abonnement, drift og "
        "tilpasning hvert år.</p>"
    )
    sections = [
        ("Resumé", kpis_html([(r.figure, r.value) for r in headline_rows.itertuples()][:5]) + summary),
        ("Scenarier", scenarios),
        (
            "Økonomi pr. år",
            figure_html(cash_flow_figure(bc.years), "Nettopengestrøm pr. år og akkumuleret")
            + table_html(bc.years, YEARS),
        ),
        ("Nøgletal", table_html(headline_rows, HEADLINE)),
        (
            "Følsomhed og usikkerhed",
            figure_html(rate_figure(bc), "Nutidsværdien som funktion af automatiseringsgraden")
            + (figure_html(tornado_figure(bc.tornado, h["npv"]), "Tornado-diagram") if len(bc.tornado) else "")
            + table_html(_shown(bc.tornado, "parameter"), _as_text(TORNADO))
            + figure_html(monte_carlo_figure(bc.simulated, h), "Monte Carlo-simulering af nutidsværdien")
            + f"<p>{dk_number(bc.config.simulations)} trækninger ({html.escape(bc.config.distribution)}-fordeling, "
            f"seed {bc.config.seed}) af alle parametre med et trepunktsestimat.</p>",
        ),
        ("Ikke-økonomiske gevinster", f"<ul>{benefits}</ul>"),
        ("Risici", table_html(risks, RISKS)),
        ("Forudsætninger", table_html(_shown(assumptions, "name"), _as_text(ASSUMPTIONS))),
    ]
    title = bc.config.title + (f", {bc.config.municipality}" if bc.config.municipality else "")
    document = page(title, "Business case efter statens business case-model", sections)
    sheets = {
        "Nøgletal": (headline_rows, HEADLINE),
        "År": (bc.years, YEARS),
        "Følsomhed": (bc.tornado, TORNADO),
        "Forudsætninger": (assumptions, ASSUMPTIONS),
        "Risici": (risks, RISKS),
    }
    paths = _write_outputs(out, "business-case", document, sheets)
    paths["json"] = Path(out) / "business-case.json"
    paths["json"].write_text(json.dumps(h, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths
