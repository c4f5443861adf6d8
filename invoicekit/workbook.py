"""Excel workbooks people open: one sheet per table, each an Excel Table with
a frozen header row and sensible column widths; numbers stay numbers, shown
in Danish display formats (amounts ``#,##0.00``, shares ``0.0%``), and dates
and months are real Excel dates."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gc
import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from invoicekit.cells import safe_text
from invoicekit.formats import EXCEL_DATE, EXCEL_DECIMAL2, EXCEL_MONTH, EXCEL_PERCENT, excel_text
from invoicekit.identifiers import mask_cpr_text, psp_shaped
from invoicekit.vocabulary import MONTH, PSP_COLUMNS

#: a column's number format: one for every row, or one per data row (None: Excel's own)
ColumnFormat = str | Sequence[str | None]

_LINE_BREAKS = re.compile(r"[\r\n]+")
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_TABLE_STYLE = "TableStyleMedium2"


def write_workbook(
    path: str | Path,
    sheets: dict[str, pd.DataFrame],
    percent: dict[str, dict[str, list[int] | None]] | None = None,
    mask: bool = True,
    formats: dict[str, dict[str, ColumnFormat]] | None = None,
) -> Path:
    """Write each DataFrame to its own sheet, as an Excel Table (a sheet with
    no rows gets a filter instead: Excel wants a table to have one).

    ``formats`` names, per sheet, the Excel number format of a column (see
    :mod:`invoicekit.formats`), or one per data row. ``percent`` is the short
    way to show columns as ``0.0%`` (all rows, or the 0-based data rows
    listed). A column of decimal numbers with no format is shown with two
    decimals; dates as ``dd.mm.yyyy``; a ``month`` format turns ``YYYY-MM``
    text into the month's first day, a real date. True and False are
    written ``ja`` and ``nej``, as the reports say them.

    Text cells never hold a formula (a leading ``'`` where one would start)
    and, with ``mask``, nothing in them reads as a CPR number. A folder that
    is missing or cannot be written into, or a folder in the workbook's
    place, raises :class:`OSError` before
    anything is built (a streamed workbook that cannot be saved leaves its
    half-written sheets to be torn down noisily). The workbook is written
    beside ``path`` under a hidden name and moved into place whole: one that
    cannot be written (a full disk) leaves nothing at ``path`` and raises
    :class:`OSError` naming it (:func:`_write_error`)."""
    folder = Path(path).absolute().parent
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
    if not os.access(folder, os.W_OK):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))
    if Path(path).is_dir():
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    wb = Workbook(write_only=True)  # streamed: a sheet of 100,000 invoices is written in seconds

    def write(tmp: Path) -> None:
        _fill(wb, sheets, percent, mask, formats)
        wb.save(tmp)

    return _whole(Path(path), write, lambda: _discard(wb))


def save_whole(wb: Workbook, path: str | Path) -> Path:
    """Save an openpyxl workbook at ``path`` whole or not at all, as :func:`write_workbook` writes one: beside
    it under a hidden name, then moved into place; one that cannot be written (a full disk) leaves nothing at
    ``path`` and raises :class:`OSError` naming it, nothing more on stderr. ``sample draw`` saved its control
    sheet a second time, with its drop-down, straight over ``--out``: a full disk then left a sheet cut short
    there, which no draw may replace (a review of 0.9.39's first version)."""
    return _whole(Path(path), wb.save, gc.collect)


def _whole(path: Path, write: Callable[[Path], object], discard: Callable[[], object]) -> Path:
    """``write`` a workbook to a hidden name beside ``path``, then move it there. A failure to write it (a full
    disk, :func:`_write_error`) removes it, lets go of what was half-written (``discard``) and raises
    :class:`OSError` naming ``path``; whatever stopped it (a Ctrl-C too), nothing half-written is left beside it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    failed = None
    hook = sys.unraisablehook
    try:
        try:
            write(tmp)
            os.replace(tmp, path)
        except Exception as exc:
            tmp.unlink(missing_ok=True)
            failed = _write_error(exc)
            if failed is None:
                raise
            # what the half-written workbook held open raises again as it is let go (the zip file, the
            # sheets' writers): "Exception ignored" tracebacks that say nothing the error does not
            sys.unraisablehook = lambda _unraisable: None
        if failed is not None:
            discard()
            raise OSError(failed[0], failed[1], str(path))
    finally:
        sys.unraisablehook = hook
        tmp.unlink(missing_ok=True)
    return path


#: what lxml names the errors of the file it writes (a full disk, a size limit): the OS's numbers
_LXML_IO_ERRORS = {"IO_ENOSPC": errno.ENOSPC, "IO_EFBIG": errno.EFBIG, "IO_EDQUOT": errno.EDQUOT, "IO_EIO": errno.EIO}


def _write_error(exc: BaseException) -> tuple[int, str] | None:
    """The OS's number and reason of an error writing a workbook (a full disk,
    a size limit), also where lxml names it (``SerialisationError: IO_EFBIG``:
    openpyxl streams a sheet's rows through lxml); None for any other error.
    A workbook that could not be written left lxml's own error ("unexpected
    SerialisationError … please report it") and the tracebacks of the
    half-written sheets torn down after it, and a control sheet cut short
    where a drawn one is never written over (an attack on 0.9.38)."""
    if isinstance(exc, OSError):
        return exc.errno or errno.EIO, exc.strerror or str(exc)
    if type(exc).__module__.startswith("lxml") and type(exc).__name__ == "SerialisationError":
        code = next((n for name, n in _LXML_IO_ERRORS.items() if name in str(exc)), errno.EIO)
        return code, os.strerror(code)
    return None


def _discard(wb: Workbook) -> None:
    """Let go of a streamed workbook whose writing failed: its sheets' writers closed, and what they held
    collected now (while :func:`write_workbook` keeps what that raises off stderr)."""
    for ws in list(getattr(wb, "_sheets", [])):
        writer = getattr(ws, "_writer", None)
        with contextlib.suppress(Exception):
            if writer is not None:
                writer.close()
    wb._sheets = []
    gc.collect()


def _fill(
    wb: Workbook,
    sheets: dict[str, pd.DataFrame],
    percent: dict[str, dict[str, list[int] | None]] | None,
    mask: bool,
    formats: dict[str, dict[str, ColumnFormat]] | None,
) -> None:
    """The sheets of :func:`write_workbook`, streamed into ``wb``."""
    table_names: set[str] = set()
    for name, df in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        headers = [str(c) for c in df.columns]
        column_formats = _column_formats(df, (formats or {}).get(name, {}), (percent or {}).get(name, {}))
        columns = [_column(ws, df.iloc[:, j], fmt, mask) for j, fmt in enumerate(column_formats)]
        for j, (header, cells) in enumerate(zip(headers, columns, strict=True)):  # sized before any row is written
            width = max([len(header) + 4, *(len(_shown(c)) + 2 for c in cells[:200])])  # + 4: the filter button
            ws.column_dimensions[get_column_letter(j + 1)].width = min(60, max(8, width))
        ws.freeze_panes = "A2"
        bold = Font(bold=True)
        ws.append([_styled(ws, h, font=bold) for h in headers])
        for row in zip(*columns, strict=True):
            ws.append(list(row))
        if len(df.columns):
            ref = f"A1:{get_column_letter(len(df.columns))}{len(df) + 1}"
            if len(df) and len(set(headers)) == len(headers) and all(headers):
                table = Table(displayName=_table_name(name, table_names), ref=ref, autoFilter=AutoFilter(ref=ref))
                table.tableStyleInfo = TableStyleInfo(name=_TABLE_STYLE, showRowStripes=True)
                table.tableColumns = [TableColumn(id=j + 1, name=h) for j, h in enumerate(headers)]
                with warnings.catch_warnings():  # openpyxl warns that a streamed sheet's table needs its columns named
                    warnings.simplefilter("ignore", UserWarning)
                    ws.add_table(table)
            else:
                ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(1, len(df) + 1)}"


def _column(ws: object, values: pd.Series, fmt: ColumnFormat | None, mask: bool) -> list[object]:
    """A column's cells: plain values, or cells carrying their number format."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        plain = values.astype(object).where(values.notna(), None).tolist()
        plain = [v.item() if hasattr(v, "item") else v for v in plain]  # numpy scalars from extension types
    else:
        month = fmt == EXCEL_MONTH or (fmt is not None and not isinstance(fmt, str) and EXCEL_MONTH in fmt)
        psp = values.name in PSP_COLUMNS  # a PSP element's digits may read as a birth date: shown as it is
        plain = [_cell(v, mask and not (psp and psp_shaped(v)), month=month) for v in values]
    out = []
    for i, value in enumerate(plain):
        shown = fmt if fmt is None or isinstance(fmt, str) else fmt[i]
        if isinstance(value, dt.date) and shown is None:
            shown = EXCEL_DATE
        if value is None or isinstance(value, str) or shown is None:
            out.append(value)
        else:
            out.append(_styled(ws, value, number_format=shown))
    return out


def _styled(ws: object, value: object, number_format: str | None = None, font: Font | None = None) -> Cell:
    cell = WriteOnlyCell(ws, value=value)
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell


def _column_formats(
    df: pd.DataFrame, formats: dict[str, ColumnFormat], percent: dict[str, list[int] | None]
) -> list[ColumnFormat | None]:
    """Each column's format: as given, else percent, else two decimals for a
    column of decimal numbers, else Excel's own (whole numbers such as a year
    or a CVR number are shown as they are)."""
    out: list[ColumnFormat | None] = []
    for col in df.columns:
        if col in formats:
            out.append(formats[col])
        elif col in percent:
            rows = percent[col]
            out.append(
                EXCEL_PERCENT if rows is None else [EXCEL_PERCENT if i in rows else None for i in range(len(df))]
            )
        elif pd.api.types.is_float_dtype(df[col].dtype):
            out.append(EXCEL_DECIMAL2)
        else:
            out.append(None)
    return out


def _table_name(sheet: str, taken: set[str]) -> str:
    """A name Excel accepts for a table (letters, digits and ``_``, not like
    a cell reference), unique in the workbook."""
    ascii_name = sheet.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    ascii_name = ascii_name.replace("Æ", "Ae").replace("Ø", "Oe").replace("Å", "Aa")
    base = "Tabel_" + (re.sub(r"[^A-Za-z0-9_]+", "_", ascii_name).strip("_") or "ark")
    name, k = base, 2
    while name.lower() in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name.lower())
    return name


def _shown(cell: object) -> str:
    """About what Excel shows for a cell, to size its column by."""
    if isinstance(cell, Cell):
        value, fmt = cell.value, cell.number_format
        if isinstance(value, dt.date):
            return "2019-03" if fmt == EXCEL_MONTH else "01.03.2019"
        if isinstance(value, int | float):
            return excel_text(value, fmt)
        return str(value)
    return "" if cell is None else str(cell)


def _cell(v: object, mask: bool = True, month: bool = False) -> object:
    if isinstance(v, pd.Period):
        return v.start_time.to_pydatetime()
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v)
    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if isinstance(v, bool):  # ja/nej, as the reports say it: a boolean cell reads SAND/FALSK in a Danish Excel
        return "ja" if v else "nej"
    if isinstance(v, str):
        if month and MONTH.fullmatch(v):  # a month of a year 1900-2099; another is written as text
            return dt.datetime(int(v[:4]), int(v[5:]), 1)
        # a leading tab or carriage return is kept as the ' says; other control characters a workbook cannot hold
        # (taken out first: masking then reads the text as the cell shows it)
        text = ILLEGAL_CHARACTERS_RE.sub("", v)
        if mask and ("\n" in text or "\r" in text):
            # a cell without wrapped text shows its line breaks as nothing: "15⏎0587-9898", which masking
            # reads as two lines, showed as the full number (an attack on 0.9.17); such a cell is written
            # on one line, its line breaks spaces, and masked so
            joined = _LINE_BREAKS.sub("", text)
            if mask_cpr_text(joined) != joined:
                text = _LINE_BREAKS.sub(" ", text)
        # Excel reads _xHHHH_ as the character HHHH ("Bo _x0031_50587-9898" showed a full CPR number that
        # masking did not read): its _ is escaped so, and the text is shown as written (a review)
        return _EXCEL_ESCAPE.sub(r"_x005F_\1", safe_text(text, mask, csv=False))
    return v
