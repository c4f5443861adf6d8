"""The type mapping's charts: each takes a table (or the true and predicted
types) and returns a matplotlib Figure, labelled in Danish, its numbers written
as the tables write them (:mod:`invoicekit.formats`)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

from invoicekit.charts import drawn_as_written
from invoicekit.formats import dk_number, dk_tick
from invoicekit.identifiers import mask_as_shown
from invoicekit.types.kinds import TYPES, type_label

#: the widest line and the most lines of a label beside a chart's bars: a group named by its words
#: ("gruppe 09: samværstilbud udviklingshæmning, …") squeezed the bars to a sliver
LABEL_WIDTH, LABEL_LINES = 32, 2


def _fitted(text: str) -> str:
    """``text`` masked and in at most :data:`LABEL_LINES` lines of
    :data:`LABEL_WIDTH` characters, cut with … where longer. Its spaces and
    line breaks are closed up first and then it is masked, as it is drawn: a
    line break between the pairs of a birth date (``15⏎0587-9898``) is not
    read as a CPR number, and closed up it was one (a review)."""
    lines = textwrap.wrap(mask_as_shown(text), LABEL_WIDTH) or [""]
    if len(lines) > LABEL_LINES:
        lines = [*lines[: LABEL_LINES - 1], lines[LABEL_LINES - 1][: LABEL_WIDTH - 1].rstrip() + "…"]
    return drawn_as_written("\n".join(lines))


def _shown(value: str) -> str:
    """A type as the charts name it: a label's own name may hold what reads as a CPR number."""
    return _fitted(type_label(value))


def type_figure(table: pd.DataFrame):
    """Bars per type: share of invoices and of the amount, and the share the
    robot posted when known."""
    t = table.iloc[::-1]
    labels = [_shown(v) for v in t["invoice_type"]]
    panels = [("share", "Andel af fakturaer"), ("share_of_amount", "Andel af beløb")]
    if "posted_share" in t:
        panels.append(("posted_share", "Bogført af robotten"))
    fig = Figure(figsize=(4 + 3 * len(panels), 0.45 * len(t) + 1.6))
    axes = fig.subplots(1, len(panels), sharey=True)
    for ax, (col, title) in zip(np.atleast_1d(axes), panels, strict=True):
        values = t[col].fillna(0).to_numpy() * 100
        ax.barh(labels, values, color="#2b6c9e" if col != "posted_share" else "#3a8d5c")
        ax.set_title(title)
        ax.set_xlabel("%")
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:.0f}", va="center", fontsize=8)
        ax.set_xlim(0, max(values.max() * 1.2, 10))
        ax.xaxis.set_major_formatter(dk_tick)
    fig.suptitle("Fakturatyper")
    fig.tight_layout()
    return fig


def standardisation_figure(table: pd.DataFrame):
    """Per type, the shares with a CPR number, with a period and with a single
    citizen: the three things the robot needs."""
    t = table.iloc[::-1]
    labels = [_shown(v) for v in t["invoice_type"]]
    y = np.arange(len(t))
    fig = Figure(figsize=(8, 0.5 * len(t) + 1.6))
    ax = fig.subplots()
    for j, (col, name) in enumerate(
        [("with_cpr", "Med CPR-nummer"), ("with_period", "Med periode"), ("single_citizen", "Én borger")]
    ):
        ax.barh(y + (1 - j) * 0.27, t[col].to_numpy() * 100, height=0.27, label=name)
    ax.set_yticks(y, labels)
    ax.set_xlabel("% af fakturaerne")
    ax.set_xlim(0, 100)
    ax.set_title("Hvor standardiserede er fakturaerne?")
    ax.xaxis.set_major_formatter(dk_tick)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def supplier_figure(suppliers: pd.DataFrame, top: int = 15):
    """The suppliers with most non-standard invoices, with their score."""
    t = suppliers[suppliers["non_standard"] > 0].head(top).iloc[::-1]  # a supplier with none needs no template
    names = [_fitted(f"{n} ({c})") if n else str(c) for n, c in zip(t["supplier_name"], t["supplier_cvr"], strict=True)]
    fig = Figure(figsize=(9, 0.4 * len(t) + 1.6))
    ax = fig.subplots()
    ax.barh(names, t["non_standard"].to_numpy(), color="#c0504d")
    for y, (v, s) in enumerate(zip(t["non_standard"], t["score"], strict=True)):
        ax.text(v, y, f" score {s:.0f}", va="center", fontsize=8)
    ax.set_xlabel("Fakturaer uden CPR-nummer, periode eller med flere borgere")
    ax.set_title(f"De {len(t)} leverandører, der har mest gavn af kontaktskabelonen")
    ax.set_xlim(0, max(float(t["non_standard"].max()) * 1.25, 1) if len(t) else 1)
    ax.xaxis.set_major_formatter(dk_tick)
    fig.tight_layout()
    return fig


def confusion_figure(y_true, y_pred, title: str = "Fakturatyper: sand mod forudsagt"):
    """The confusion matrix, each row as shares of the true type."""
    labels = [t for t in TYPES if t in set(y_true) | set(y_pred)]
    labels += sorted((set(y_true) | set(y_pred)) - set(labels))
    fig = Figure(figsize=(9, 8))
    ax = fig.subplots()
    shown = ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        display_labels=[_shown(v) for v in labels],
        normalize="true",
        values_format=".2f",
        cmap="Blues",
        ax=ax,
        colorbar=False,
        xticks_rotation=45,
    )
    for (i, j), text in np.ndenumerate(shown.text_):
        text.set_text(dk_number(shown.confusion_matrix[i, j], 2))
    for label in ax.get_xticklabels():
        label.set(rotation=40, ha="right", rotation_mode="anchor")
    ax.set_xlabel("Forudsagt type")
    ax.set_ylabel("Sand type")
    ax.set_title(title)
    fig.tight_layout()
    return fig
