"""The writer's own helpers: what they decide about a column must be what a
look at each value decides."""

from __future__ import annotations

import csv
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicekit import post, texts
from invoicekit.cells import safe_text, unsafe_cells
from invoicekit.columns import PROBLEM_COLUMNS, TYPED_DECISION_COLUMNS
from invoicekit.texts import one_line_text

_CELLS = st.one_of(st.none(), st.text(alphabet='ab;,"\n\ræø', max_size=6))


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(_CELLS, max_size=30),
    start=st.integers(0, 4),
    stop=st.integers(0, 4),
    large=st.booleans(),
    block=st.sampled_from([1, 3, 1 << 20]),
)
def test_a_column_holds_a_character_only_if_one_of_its_values_does(values, start, stop, large, block):
    # the raw character data is scanned in place, in blocks: only the values of
    # the slice count, not what the buffer holds beside them
    arr = pa.array(['x;"'] * start + values + ["\n,"] * stop, pa.large_string() if large else pa.string())
    arr = arr[start : len(arr) - stop]
    original, texts.SCAN_BLOCK = texts.SCAN_BLOCK, block
    try:
        for chars in ((";", '"'), (",", "\n", "\r"), ("a",)):
            expected = any(c in v for v in values if v is not None for c in chars)
            assert post._holds_any([arr], chars) == expected
            assert post._holds_any([pa.chunked_array([arr, arr[:0]])], chars) == expected
    finally:
        texts.SCAN_BLOCK = original


_MESSAGES = [
    "Beløbet passer ikke",
    "=HYPERLINK(1)",
    "-2 kr., men +3",
    "borger 610190-1234;@A1",
    'citat "x"\nny linje',
    "x\x00=1",
    "",
    None,
    "a,-b",
]


def _decided(messages: list[str | None], rows: list[int]) -> pd.DataFrame:
    n = len(messages)
    frame = pd.DataFrame({c: [f"{c}-{k}" for k in range(n)] for c in TYPED_DECISION_COLUMNS})
    frame["row"] = rows
    frame["amount_ore"] = frame["expected_amount_ore"] = pd.array([150] * n, dtype="Int64")
    frame["status"], frame["reason"] = "manual", ""
    frame["message"] = pd.Series(messages, dtype="str")
    return frame


def _no_postings() -> pd.DataFrame:
    dates = pd.Series([], dtype="datetime64[s]")
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in ("art", "psp_element", "text", "cpr", "grant_id")})
    frame["invoice_id"] = frame["supplier_cvr"] = pd.Series([], dtype=object)
    frame["amount_ore"] = pd.Series([], dtype="Int64")
    frame["period_start"] = frame["period_end"] = frame["posting_date"] = dates
    return frame


@pytest.mark.parametrize(
    "case",
    [
        "same messages",
        "rows with gaps",
        "another message",
        "rows out of order",
        "a row not decided",
        "a row before the first",
    ],
)
def test_the_notes_are_written_as_a_scan_of_the_notes_alone_writes_them(tmp_path, case):
    # opus_notes.csv is fixed from what the scan of decisions.csv's messages found, when
    # each note's message is its invoice's; else the notes are scanned themselves (a note's
    # invoice is found by its row: counted from the first where the rows go one by one)
    rows = list(range(2, 2 + len(_MESSAGES)))
    if case == "rows with gaps":
        rows = [2 + 3 * k for k in range(len(_MESSAGES))]
    decisions = _decided(_MESSAGES, rows[::-1] if case == "rows out of order" else rows)
    notes = decisions[["row", "invoice_id", "supplier_cvr", "message"]].iloc[::2].copy()
    if case == "another message":
        notes["message"] = notes["message"].fillna("").str.replace("Beløbet", "6101901234,=")
    if case == "a row not decided":
        notes["row"] = notes["row"] + 100
    if case == "a row before the first":
        notes["row"] = notes["row"] - 100
    message = post._arrow(decisions["message"])
    found = post._notes_found(notes, decisions, message, unsafe_cells(message, breaks=True))
    assert ("note" in found) == (case in ("same messages", "rows with gaps"))
    problems = pd.DataFrame(columns=list(PROBLEM_COLUMNS))
    post.write_outputs(tmp_path / "out", decisions, _no_postings(), notes, problems)
    # as write_outputs writes them: the note masked and on one line (OPUS reads a line at a time), the invoice
    # number and the CVR as written, guarded at their start alone
    alone = post.write_csv(post._opus_notes_columns(notes), tmp_path / "alone.csv", sep=";", mask=("note",),
                           exact=("invoice_id", "supplier_cvr"), breaks=("note",))  # fmt: skip
    written = (tmp_path / "out" / "opus_notes.csv").read_bytes()
    assert written == (tmp_path / "alone.csv").read_bytes()
    assert hashlib.sha256(written).hexdigest() == alone["sha256"]
    with open(tmp_path / "out" / "opus_notes.csv", newline="", encoding="utf-8") as f:
        cells = [line[2] for line in csv.reader(f, delimiter=";")][1:]
    assert cells == [safe_text(one_line_text(post.NOTE_PREFIX + (m or ""))) for m in notes["message"].fillna("")]


@pytest.mark.parametrize("helper_busy", [False, True])
def test_a_file_formatted_in_parts_by_two_threads_is_the_file_written_at_once(tmp_path, monkeypatch, helper_busy):
    # decisions.csv's rows are formatted a part at a time, by a helper thread where
    # one is free, and written in order: the same bytes and checksum as one write
    monkeypatch.setattr(post, "WRITE_BATCH_ROWS", 3)
    columns = {
        "row": np.arange(40),
        "text": [_MESSAGES[k % len(_MESSAGES)] for k in range(40)],
        "amount": [f"{k}.50" for k in range(40)],
    }
    plain = post.write_csv(columns, tmp_path / "plain.csv", numbers=("row", "amount"))
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as helper:
        if helper_busy:  # its one thread is taken: every part is taken back and formatted by the writer
            helper.submit(release.wait)
        try:
            parts = post.write_csv(columns, tmp_path / "parts.csv", numbers=("row", "amount"), helper=helper)
        finally:
            release.set()
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
    assert parts == plain


@pytest.mark.parametrize(
    "dates",
    [
        ["2019-03-01", "2019-03-31", "2019-03-01", "2019-02-28 13:45"],  # close together: every day in between
        ["1900-01-01", "2199-12-31", "1900-01-01"],  # far apart: each distinct one
        ["2019-03-01", "NaT", "2019-03-02"],
        ["NaT"],
        [],
    ],
)
def test_a_column_of_dates_is_written_as_each_date_alone(dates):
    values = pd.Series(np.array(dates, dtype="datetime64[s]"))
    for text, alone in ((post.format_date_dk, "%d.%m.%Y"), (post.format_date_iso, "%Y-%m-%d")):
        expected = ["" if pd.isna(d) else d.strftime(alone) for d in values]
        written = post._dates(values, text)
        assert written.to_pylist() == expected and written.type == pa.large_string()
