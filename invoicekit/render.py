"""The rendering toolkit the reports are made with: a
self-contained HTML page (charts embedded as PNG, no scripts, no links out, it
opens offline), its tables and key figures, and the workbook beside it with the
same tables under Danish headings, one sheet each, as numbers in Danish
display formats (:mod:`invoicekit.formats`). It knows no report; the layouts
in :mod:`invoicekit.reports` use it."""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from invoicekit.errors import InputError, OutputError, make_folder
from invoicekit.formats import (
    EXCEL_FORMATS,
    EXCEL_VALUE_FORMATS,
    dk_number,
    dk_percent,
    dk_probability,
    dk_rate,
    excel_format,
)
from invoicekit.identifiers import mask_as_shown, psp_shaped
from invoicekit.version import __version__
from invoicekit.vocabulary import PSP_COLUMNS, danish_now
from invoicekit.workbook import write_workbook

if TYPE_CHECKING:  # a figure is only drawn out here: invoicekit actions writes its files without loading matplotlib
    from matplotlib.figure import Figure

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


# ---------------------------------------------------------------- HTML and workbook


#: how :func:`table_html` shows a cell of each kind (``text``, ``textnum`` and ``month`` are shown as they
#: are); a workbook holds the number and the kind's Excel format (:data:`invoicekit.formats.EXCEL_FORMATS`)
FORMATS = {
    "int": lambda v: dk_number(v),
    "num1": lambda v: dk_number(v, 1),
    "num2": lambda v: dk_number(v, 2),
    "pct": lambda v: dk_percent(v),
    "pct0": lambda v: dk_percent(v, 0),
    "pct2": lambda v: dk_percent(v, 2),
    "pct3": lambda v: dk_percent(v, 3),
    "pct4": lambda v: dk_percent(v, 4),
    "rate": lambda v: dk_rate(v),  # a rate someone set, with the decimals it has: 37,5 %, 50 %
    "probability": lambda v: dk_probability(v),  # 99,7 %, never 100 % where it is not
    "dkk": lambda v: dk_number(v),
    "bool": lambda v: (
        "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else "ja" if v else "nej"
    ),
}


class DanishTable:
    """A table as the reports show it, for a notebook's ``display()``: Danish
    headings, numbers in Danish formats (``36,7 %``, ``15.391.573,37``), CPR
    numbers masked (:func:`table_html`). ``frame`` keeps the numbers to
    compute with; a notebook showed ``0.367`` and ``15391573.37``. Its plain
    text (a terminal, a notebook's text/plain output) is the same table as
    text, not an object's memory address, which could read as a CPR number."""

    def __init__(self, frame: pd.DataFrame, columns: dict[str, tuple[str, str]], max_rows: int | None = None) -> None:
        self.frame, self.columns, self.max_rows = frame, columns, max_rows

    def _repr_html_(self) -> str:
        return table_html(self.frame, self.columns, self.max_rows)

    def __repr__(self) -> str:
        return table_text(self.frame, self.columns, self.max_rows)


def _shown_cells(frame: pd.DataFrame, columns: dict[str, tuple[str, str]], max_rows: int | None) -> list[list[str]]:
    """Each shown row's cells as text: CPR numbers masked in text cells, numbers in Danish formats."""
    shown = frame if max_rows is None else frame.head(max_rows)
    rows = []
    for i, (_, row) in enumerate(shown.iterrows()):
        cells = []
        for col, (_, kinds) in columns.items():
            v = row[col]
            kind = kinds[i] if isinstance(kinds, list) else kinds  # one kind per row, as the workbook's formats
            if kind == "textnum":
                cells.append(mask_as_shown(v))
            elif col in PSP_COLUMNS and psp_shaped(v):  # its digits may read as a birth date
                cells.append(v)
            elif kind in ("text", "month"):
                cells.append("" if v is None or (isinstance(v, float) and math.isnan(v)) else mask_as_shown(v))
            else:
                cells.append(FORMATS[kind](v))
        rows.append(cells)
    return rows


def _more_rows(frame: pd.DataFrame, max_rows: int | None) -> str:
    if max_rows is not None and len(frame) > max_rows:
        return f"Viser {max_rows} af {len(frame)} rækker; alle står i regnearket."
    return ""


def table_html(frame: pd.DataFrame, columns: dict[str, tuple[str, str]], max_rows: int | None = None) -> str:
    """An HTML table of ``frame``: ``columns`` maps each column shown to its
    Danish heading and its format (``text``, ``int``, ``pct`` …, or a list of one per row). Anything in
    a text cell that reads as a CPR number is masked, as the workbooks mask it
    (a grant id from Sensum may be one)."""
    head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in columns.values())
    kinds = [kind for _, kind in columns.values()]
    body = []
    for cells in _shown_cells(frame, columns, max_rows):
        tds = (
            f"<td>{html.escape(c)}</td>" if kind in ("text", "month") else f'<td class="num">{html.escape(c)}</td>'
            for c, kind in zip(cells, kinds, strict=True)
        )
        body.append("<tr>" + "".join(tds) + "</tr>")
    more = _more_rows(frame, max_rows)
    more = f'<p class="meta">{more}</p>' if more else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def table_text(frame: pd.DataFrame, columns: dict[str, tuple[str, str]], max_rows: int | None = None) -> str:
    """The same table as :func:`table_html` as plain text, columns aligned:
    text to the left, numbers to the right."""
    labels = [label for label, _ in columns.values()]
    kinds = [kind for _, kind in columns.values()]
    rows = [[" ".join(c.split()) for c in cells] for cells in _shown_cells(frame, columns, max_rows)]
    widths = [max([len(label)] + [len(r[i]) for r in rows]) for i, label in enumerate(labels)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if kind in ("text", "month") else c.rjust(w)
            for c, w, kind in zip(cells, widths, kinds, strict=True)
        ).rstrip()

    more = _more_rows(frame, max_rows)
    return "\n".join([line(labels)] + [line(r) for r in rows] + ([more] if more else []))


def figure_html(fig: Figure, caption: str) -> str:
    """The figure as an embedded PNG (100 dpi) with its caption."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    alt = html.escape(caption)
    return f'<figure><img alt="{alt}" src="data:image/png;base64,{data}"><figcaption>{alt}</figcaption></figure>'


def kpis_html(items: list[tuple[str, str]]) -> str:
    """Key figures as boxes: each ``(label, value)`` with the value large."""
    cells = "".join(f"<div class='kpi'><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>" for k, v in items)
    return f"<div class='kpis'>{cells}</div>"


def page(title: str, subtitle: str, sections: list[tuple[str, str]]) -> str:
    """The whole HTML document: the title, a line saying what it was made from
    and when, and each ``(heading, HTML body)`` section."""
    stamp = danish_now().strftime("%d.%m.%Y %H:%M")
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


def danish_sheet(
    frame: pd.DataFrame, columns: dict[str, tuple[str, str | list[str]]]
) -> tuple[pd.DataFrame, dict[str, str | list[str | None]]]:
    """The columns of ``frame`` that ``columns`` names, under their Danish
    headings, and the Excel number format of each heading that has one: the
    kind's, or where a column's kind is a list (one kind per row, as on a
    sheet of key figures) or a kind whose format is each value's own (a
    target's ``rate``, a ``probability``), one format per row."""
    out = frame[list(columns)].rename(columns={c: label for c, (label, _) in columns.items()})
    formats: dict[str, str | list[str | None]] = {}
    for col, (label, kind) in columns.items():
        if isinstance(kind, list):
            formats[label] = [excel_format(k, v) for k, v in zip(kind, frame[col], strict=True)]
        elif kind in EXCEL_VALUE_FORMATS:
            formats[label] = [excel_format(kind, v) for v in frame[col]]
        elif kind in EXCEL_FORMATS:
            formats[label] = EXCEL_FORMATS[kind]
    return out, formats


def write_report(
    out: str | Path,
    stem: str,
    document: str,
    sheets: dict[str, tuple[pd.DataFrame, dict]],
    extra: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Path]:
    """``{stem}.html`` (``document``) and ``{stem}.xlsx`` (one sheet per
    ``name: (frame, columns)``) in ``out``, created if missing, plus any
    ``extra`` text files (``key: (file name, text)``): all of them replaced,
    or none (see :func:`replace_together`)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(out, "--out", "is a file; expected a folder for the reports")
    make_folder(out)
    frames, formats = {}, {}
    for name, (frame, columns) in sheets.items():
        frames[name], formats[name] = danish_sheet(frame, columns)
    writers = {
        "html": (out / f"{stem}.html", lambda tmp: tmp.write_text(document, encoding="utf-8")),
        "xlsx": (out / f"{stem}.xlsx", lambda tmp: write_workbook(tmp, frames, formats=formats)),
    }
    for key, (name, text) in (extra or {}).items():
        writers[key] = (out / name, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
    replace_together({path: write for path, write in writers.values()})
    return {key: path for key, (path, _) in writers.items()}


def replace_together(files: dict[Path, Callable[[Path], object]]) -> None:
    """Write a report's files all or not at all: each is written to a hidden
    temporary file beside its target, then every target is checked (one
    open in Excel cannot be replaced on Windows), and only then are they
    moved into place. On any failure the temporary files are removed, the
    old files are left as they were, and an :class:`OutputError` names the
    file."""
    written: dict[Path, Path] = {}
    try:
        for target, write in files.items():
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            written[target] = tmp
            try:
                write(tmp)
            except OSError as exc:
                raise OutputError(f"{target}: could not be written ({exc.strerror or exc})") from exc
        for target in written:
            _check_replaceable(target)
        for target, tmp in written.items():
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise OutputError(f"{target}: could not be replaced ({exc.strerror or exc}){_CLOSE_IT}") from exc
    finally:
        for tmp in written.values():
            tmp.unlink(missing_ok=True)


_CLOSE_IT = "; if it is open in Excel or another program, close it and run again"


def _check_replaceable(target: Path) -> None:
    """Refuse a target that is a folder, or that cannot be opened for writing
    (a file open in Excel is locked on Windows; a read-only file)."""
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; expected a file the report may replace")
    if not target.exists():
        return
    try:
        with open(target, "r+b"):
            pass
    except OSError as exc:
        raise OutputError(f"{target}: cannot be replaced ({exc.strerror or exc}){_CLOSE_IT}") from exc
