"""Excel workbooks people open: one sheet per table, bold headers, frozen
header row, filters, sensible column widths, percentages shown as such."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from invoicekit.cells import safe_text


def write_workbook(
    path: str | Path,
    sheets: dict[str, pd.DataFrame],
    percent: dict[str, dict[str, list[int] | None]] | None = None,
    mask: bool = True,
) -> Path:
    """Write each DataFrame to its own sheet. ``percent`` names, per sheet, the
    columns shown as percentages (all rows, or the 0-based data rows listed).
    Text cells never hold a formula (a leading ``'`` where one would start)
    and, with ``mask``, nothing in them reads as a CPR number."""
    percent = percent or {}
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append([str(c) for c in df.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in df.itertuples(index=False):
            values = [_cell(v, mask) for v in row]
            ws.append(values)
            for j, v in enumerate(values):
                if isinstance(v, str) and v.startswith("'"):  # text, never a formula a supplier wrote
                    ws.cell(row=ws.max_row, column=j + 1).data_type = "s"
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(1, len(df) + 1)}"
        for j, col in enumerate(df.columns, start=1):
            sample = [str(col), *(str(v) for v in df[col].head(200))]
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, max(len(s) for s in sample) + 2))
        for col, rows in percent.get(name, {}).items():
            if col not in df.columns:
                continue
            j = list(df.columns).index(col) + 1
            for i in rows if rows is not None else range(len(df)):
                ws.cell(row=i + 2, column=j).number_format = "0.0%"
    path = Path(path)
    wb.save(path)
    return path


def _cell(v: object, mask: bool = True) -> object:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    if isinstance(v, str):
        # a leading tab or carriage return is kept as the ' says; other control characters a workbook cannot hold
        return ILLEGAL_CHARACTERS_RE.sub("", safe_text(v, mask, csv=False))
    return v
