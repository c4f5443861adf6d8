"""Writing a run's outputs: decisions, OPUS posting lines and notes, the paid
marks for Sensum, and the input problems.

``decisions.csv``, ``sensum_paid.csv`` and ``input_problems.csv``: UTF-8,
``,``, decimal point, ISO dates. ``opus_postings.csv`` and ``opus_notes.csv``
go to OPUS: ``;``, decimal comma, ``dd.mm.yyyy``. Only ``opus_postings.csv``
holds full CPR numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from invoicekit.columns import (
    DECISION_COLUMNS,
    OPUS_NOTE_COLUMNS,
    OPUS_POSTING_COLUMNS,
    PROBLEM_COLUMNS,
    SENSUM_PAID_COLUMNS,
)
from invoicekit.parsing import format_date_dk, format_date_iso, format_money
from invoicekit.reasons import MANUAL

#: the code OPUS gets in ``Ydelsesmodtagernr.kode`` for a CPR number (assumed; a setting in OPUS)
RECIPIENT_CODE_CPR = "CPR"

OUTPUT_FILES = ("decisions.csv", "opus_postings.csv", "opus_notes.csv", "sensum_paid.csv", "input_problems.csv")


def opus_postings(postings: pd.DataFrame) -> pd.DataFrame:
    """The posting lines in OPUS's import layout (text cells)."""
    return pd.DataFrame(
        {
            "Artskonto": postings["art"].to_numpy(dtype=object),
            "PSP-element": postings["psp_element"].to_numpy(dtype=object),
            "Beløb": format_money(postings["amount"].to_numpy(), decimal=","),
            "Tekst": postings["text"].to_numpy(dtype=object),
            "Ydelsesmodtagernr.": postings["cpr"].to_numpy(dtype=object),
            "Ydelsesmodtagernr.kode": np.full(len(postings), RECIPIENT_CODE_CPR, dtype=object),
            "Ydelsesperiode fra": format_date_dk(postings["period_start"].to_numpy(dtype="datetime64[D]")),
            "Ydelsesperiode til": format_date_dk(postings["period_end"].to_numpy(dtype="datetime64[D]")),
            "Fakturanummer": postings["invoice_id"].to_numpy(dtype=object),
            "Leverandør CVR": postings["supplier_cvr"].to_numpy(dtype=object),
        },
        columns=list(OPUS_POSTING_COLUMNS),
    )


def opus_notes(decisions: pd.DataFrame) -> pd.DataFrame:
    manual = decisions[decisions["status"] == MANUAL]
    return pd.DataFrame(
        {
            "invoice_id": manual["invoice_id"].to_numpy(dtype=object),
            "supplier_cvr": manual["supplier_cvr"].to_numpy(dtype=object),
            "note": ("Robot: " + manual["message"].astype(str)).to_numpy(dtype=object),
        },
        columns=list(OPUS_NOTE_COLUMNS),
    )


def sensum_paid(postings: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "grant_id": postings["grant_id"].to_numpy(dtype=object),
            "period_start": format_date_iso(postings["period_start"].to_numpy(dtype="datetime64[D]")),
            "period_end": format_date_iso(postings["period_end"].to_numpy(dtype="datetime64[D]")),
            "invoice_id": postings["invoice_id"].to_numpy(dtype=object),
            "amount": format_money(postings["amount"].to_numpy()),
        },
        columns=list(SENSUM_PAID_COLUMNS),
    )


def _holds_any(arr: pa.Array | pa.ChunkedArray, chars: tuple[str, ...]) -> bool:
    """Whether any text in ``arr`` holds one of ``chars``: a scan of the raw
    character data, which is much faster than a search per value."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return False
    wanted = np.frombuffer("".join(chars).encode("utf-8"), dtype=np.uint8)
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        data = chunk.buffers()[2]
        if data is not None and np.isin(np.frombuffer(data, dtype=np.uint8), wanted).any():
            return True
    return False


def write_csv(df: pd.DataFrame, path: Path, sep: str = ",") -> None:
    """Write text and integer columns quickly, quoting only where needed."""
    arrays, names = [], []
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_integer_dtype(col.dtype):
            arrays.append(pa.array(col.to_numpy()))
        elif isinstance(col.dtype, pd.StringDtype):
            arrays.append(pc.fill_null(pa.array(col), ""))
        else:
            arrays.append(pc.fill_null(pa.array(col.to_numpy(dtype=object), type=pa.string(), from_pandas=True), ""))
        names.append(str(name))
    table = pa.Table.from_arrays(arrays, names=names)
    # quote nothing when nothing needs it (cleaner for OPUS and Excel); else quote text cells
    needs_quotes = any(_holds_any(a, (sep, '"', "\n", "\r")) for a in [pa.array(names), *arrays])
    options = pacsv.WriteOptions(
        include_header=False, delimiter=sep, quoting_style="needed" if needs_quotes else "none"
    )
    # the header is written here: pyarrow would quote every name
    header = io.StringIO()
    csv.writer(header, delimiter=sep, lineterminator="\n").writerow(names)
    with open(path, "wb") as f:
        f.write(header.getvalue().encode("utf-8"))
        if table.num_rows:
            pacsv.write_csv(table, f, write_options=options)


def write_outputs(
    out_dir: Path, decisions: pd.DataFrame, postings: pd.DataFrame, problems: pd.DataFrame
) -> dict[str, Path]:
    """Write the five output files into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in OUTPUT_FILES}
    write_csv(decisions[list(DECISION_COLUMNS)], paths["decisions.csv"])
    write_csv(opus_postings(postings), paths["opus_postings.csv"], sep=";")
    write_csv(opus_notes(decisions), paths["opus_notes.csv"], sep=";")
    write_csv(sensum_paid(postings), paths["sensum_paid.csv"])
    write_csv(problems.reindex(columns=list(PROBLEM_COLUMNS)), paths["input_problems.csv"])
    return paths
