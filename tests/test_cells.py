"""Text cells people open in Excel: never a formula, no CPR number where it
does not belong; numbers stay numbers."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from invoicekit import cells
from invoicekit.cells import (
    cpr_cells,
    fix_unsafe,
    mask_arrow,
    neutralise,
    neutralise_arrow,
    safe_arrow,
    safe_frame,
    safe_text,
    unsafe_after,
    unsafe_cells,
)
from invoicekit.identifiers import mask_cpr_text
from invoicekit.workbook import write_workbook

#: a column longer than a few blocks of cells, and cells longer than most (the
#: scans once matched cells joined in blocks of 512, or one by one when long)
BLOCK_ROWS = 512
LONG_CELLS = 64


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_would_start_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text
    assert neutralise_arrow(pa.array([text])).to_pylist() == ["'" + text]


@pytest.mark.parametrize("text", ["SOL-1001", "", "'=already", " =1", "Døgn"])
def test_other_text_is_left_alone(text):
    assert neutralise(text) == text
    assert neutralise_arrow(pa.array([text])).to_pylist() == [text]


def test_cpr_numbers_are_masked_only_where_valid():
    arr = pa.array(["borger 610190-1234", "6101901234", "nr 1234567890", None])
    assert mask_arrow(arr).to_pylist() == ["borger 610190-xxxx", "610190-xxxx", "nr 1234567890", None]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_a_long_column_is_fixed_cell_by_cell_as_each_cell_alone(kind):
    # the column is scanned in blocks of joined cells: a cell's fix may not
    # depend on where in a block it lies or what its neighbours hold
    plain = ["Døgnophold 01.01.2026–31.01.2026", "", "SOL-1001", "123456", "7890", None, "a,b;c"]
    risky = ["=1+1", "-2", "x;@A1", "a,+b", "610190-1234", "6101901234", "x\x00=1", "610190 1234", "\tx"]
    values = [plain[k % len(plain)] for k in range(3 * BLOCK_ROWS + 7)]
    for k, text in enumerate(risky):
        values[(k * 331 + BLOCK_ROWS - 1) % len(values)] = text
    arr = pa.chunked_array([pa.array(values[:100], kind), pa.array(values[100:], kind)])
    for mask in (True, False):
        expected = [None if v is None else safe_text(v, mask) for v in values]
        assert safe_arrow(arr, mask).to_pylist() == expected
    assert safe_arrow(pa.array(plain * BLOCK_ROWS, kind)).to_pylist() == [
        None if v is None else safe_text(v) for v in plain * BLOCK_ROWS
    ]


def test_a_frame_keeps_its_numbers_and_fixes_its_text():
    df = pd.DataFrame({"amount": [-450.0, 12.5], "n": [1, -2], "text": ["=HYPERLINK(1)", "6101901234"]})
    out = safe_frame(df)
    assert out["amount"].tolist() == [-450.0, 12.5] and out["n"].tolist() == [1, -2]
    assert out["text"].tolist() == ["'=HYPERLINK(1)", "610190-xxxx"]
    assert safe_frame(df, mask=False)["text"].tolist() == ["'=HYPERLINK(1)", "6101901234"]


def test_mixed_columns_keep_numbers_as_numbers():
    df = pd.DataFrame({"amount": pd.Series([-450.5, "-x"], dtype=object)})
    assert safe_frame(df)["amount"].tolist() == [-450.5, "'-x"]


def test_a_workbook_never_holds_a_formula_and_masks_cpr_numbers(tmp_path):
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Ark": pd.DataFrame({"tekst": ["=1+1", "@A1", "610190-1234", "ok"], "beløb": [-1.5, 2.0, 3.0, 4.0]})},
    )
    ws = load_workbook(path).active
    cells = [(ws.cell(row=r, column=1).value, ws.cell(row=r, column=1).data_type) for r in range(2, 6)]
    assert cells == [("'=1+1", "s"), ("'@A1", "s"), ("610190-xxxx", "s"), ("ok", "s")]
    assert [ws.cell(row=r, column=2).value for r in range(2, 6)] == [-1.5, 2.0, 3.0, 4.0]


#: pieces of cells: separators, formula starts, digits that are, or run into, a CPR number
_PIECES = [
    "610190-1234",
    "6101901234",
    "12345",
    "7890",
    "=",
    "-",
    "+",
    "@",
    "\t",
    "\r",
    ";",
    ",",
    " ",
    "x",
    "\x00",
    "١٢",
]


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.lists(st.sampled_from(_PIECES), max_size=4).map("".join)), max_size=40),
    start=st.integers(0, 5),
    large=st.booleans(),
)
def test_a_column_is_fixed_as_each_cell_alone_whatever_its_neighbours_and_slice(values, start, large):
    # the first scan looks at blocks of cells (of a slice of a longer column too):
    # only the cells themselves may count
    arr = pa.array(["=0"] * start + values, pa.large_string() if large else pa.string())[start:]
    for mask in (True, False):
        assert safe_arrow(arr, mask).to_pylist() == [None if v is None else safe_text(v, mask) for v in values]
    assert mask_arrow(arr).to_pylist() == [None if v is None else mask_cpr_text(v) for v in values]
    # given what the scan for the files people read found (every cell that may hold one), the same
    found, hit = unsafe_cells(arr), cpr_cells(arr)
    assert (arr if found is None else mask_arrow(arr, found)).to_pylist() == mask_arrow(arr).to_pylist()
    assert hit is None or (found is not None and pc.all(pc.or_(pc.invert(hit), found)).as_py())


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.lists(st.sampled_from(_PIECES), max_size=4).map("".join)), max_size=20),
    start=st.integers(0, 3),
)
def test_long_cells_matched_one_by_one_are_fixed_as_the_blocks_fix_them(values, start):
    # columns of long cells (messages) skip the blocks: the same cells must be fixed
    pad = "Beløbet passer ikke med bevillingen. " * (LONG_CELLS // 16)
    long = [None if v is None else pad + v + pad for v in values] + [pad]
    arr = pa.array(["=0" + pad] * start + long, pa.large_string())[start:]
    for mask in (True, False):
        assert safe_arrow(arr, mask).to_pylist() == [None if v is None else safe_text(v, mask) for v in long]


#: pieces of hostile messages: formula starts at the start and after either separator, CPR
#: numbers (with a hyphen, a Unicode minus, in Arabic-Indic digits), NUL, quotes and line breaks
_MESSAGE_PIECES = [*_PIECES, '"', "\n", "610190\u22121234", "٦١٠١٩٠١٢٣٤", "Beløbet ", ": "]


@settings(max_examples=120, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.lists(st.sampled_from(_MESSAGE_PIECES), max_size=5).map("".join)), max_size=30
    ),
    prefix=st.sampled_from(["Robot: ", "", "x", "a;", "b,", " ", "'", "\x00", "ø;\n"]),
    mask=st.booleans(),
)
def test_a_prefixed_column_is_found_and_fixed_from_what_the_column_alone_holds(values, prefix, mask):
    # opus_notes.csv's notes are "Robot: " and a message that decisions.csv's scan looked at
    # already: what that scan found must be all a scan of the notes themselves would find
    arr = pa.array(values, pa.large_string())
    prefixed = pa.array([None if v is None else prefix + v for v in values], pa.large_string())
    found = unsafe_after(prefix, arr, unsafe_cells(arr, mask), mask)
    expected = unsafe_cells(prefixed, mask)
    as_list = lambda hit: [False] * len(values) if hit is None else hit.to_pylist()  # noqa: E731
    assert as_list(found) == as_list(expected)
    assert fix_unsafe(prefixed, found, mask).to_pylist() == [
        None if v is None else safe_text(prefix + v, mask) for v in values
    ]


@pytest.mark.parametrize("prefix", ["=x", "-", "Robot 1: ", "a,+b", "x;@", "٣"])
def test_a_prefix_that_holds_a_digit_or_a_formula_start_is_refused(prefix):
    with pytest.raises(ValueError, match="prefix"):
        unsafe_after(prefix, pa.array(["x"]), None)


def _re2_found(arr: pa.Array, mask: bool) -> list[bool]:
    """The plain scan: RE2 over each cell, for a formula start and (``mask``)
    each pattern of what may be a CPR number."""
    from invoicekit.vocabulary import CPR_GROUPED_RE2, CPR_LIKE_RE2

    patterns = [cells._FORMULA_RE2, *((CPR_LIKE_RE2, CPR_GROUPED_RE2) if mask else ())]
    found = [pc.fill_null(pc.match_substring_regex(arr, p), False).to_pylist() for p in patterns]
    return [any(hits) for hits in zip(*found, strict=True)] if len(arr) else []


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.lists(st.sampled_from(_MESSAGE_PIECES), max_size=4).map("".join)), max_size=30
    ),
    start=st.integers(0, 3),
    hidden=st.sets(st.integers(0, 29)),
    large=st.booleans(),
    mask=st.booleans(),
)
def test_formula_starts_found_byte_by_byte_are_what_re2_finds(values, start, hidden, large, mask):
    # columns that cannot hold a CPR number (or need not be masked) are scanned for formula
    # starts with numpy: the same cells as RE2, whatever the slice, and a null whose slot
    # still holds characters (arrow allows it) found nowhere
    kind = pa.large_string() if large else pa.string()
    whole = pa.array(["=,-"] * start + [v if v is not None else "x;=" for v in values], kind)
    nulls = [k < start or values[k - start] is None or (k - start) in hidden for k in range(len(whole))]
    validity = pa.array([not n for n in nulls], pa.bool_()).buffers()[1] if nulls else None
    arr = pa.Array.from_buffers(kind, len(whole), [validity, *whole.buffers()[1:]], null_count=sum(nulls))[start:]
    found = unsafe_cells(arr, mask)
    assert ([False] * len(arr) if found is None else found.to_pylist()) == _re2_found(arr, mask)


#: pieces that make or nearly make a CPR number RE2 finds: digits of other scripts, the
#: separators it takes between the sixth and seventh digit (white space of all kinds,
#: dashes, a minus, a soft hyphen) and characters whose bytes look like a digit's
_CPR_PIECES = [
    "6101",
    "90",
    "1234",
    "12",
    "٦١٠",
    "١٩٠",
    "１２３",
    "４",
    "\u00a0",
    "\u2013",
    "\u2212",
    "\u00ad",
    "\x85",
    "\x0b",
    "\x1c",
    "\u3000",
    "-",
    " ",
    "ø",
    "x",
    ";",
    "=",
]


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.lists(st.sampled_from(_CPR_PIECES), max_size=8).map("".join)), max_size=30),
    block=st.sampled_from([1, 2, 3, 7, 10, 11, 64]),
    large=st.booleans(),
)
def test_cells_that_may_hold_a_cpr_number_found_byte_by_byte_are_what_re2_finds(values, block, large):
    # the byte scan picks the cells worth matching with RE2: it may pick more, never fewer,
    # wherever its blocks' edges fall (inside a cell, inside a number)
    arr = pa.array(values, pa.large_string() if large else pa.string())
    original, cells.SCAN_BYTES = cells.SCAN_BYTES, block
    try:
        found = unsafe_cells(arr, True)
    finally:
        cells.SCAN_BYTES = original
    assert ([False] * len(arr) if found is None else found.to_pylist()) == _re2_found(arr, True)


@pytest.mark.parametrize(
    "number",
    [
        "6101901234",
        "610190-1234",
        "610190 1234",
        "610190\u00a01234",
        "610190\u20131234",
        "610190\u22121234",
        "610190\u00ad1234",
        "610190\x851234",
        "610190\x0b1234",
        "610190\u30001234",
        "٦١٠١٩٠١٢٣٤",
        "６１０１９０-１２３４",
        "61019٠١٢٣٤",
    ],
)
@pytest.mark.parametrize("block", [1, 3, 9, 10, 11, 1 << 18])
def test_a_cpr_number_is_found_byte_by_byte_wherever_it_lies_in_its_cell(number, block):
    values = [number, "x" + number, number + "x", "ø" + number + ";", "12", number, None, "1" + number]
    arr = pa.array(values, pa.large_string())
    original, cells.SCAN_BYTES = cells.SCAN_BYTES, block
    try:
        found = unsafe_cells(arr, True)
    finally:
        cells.SCAN_BYTES = original
    assert found is not None and found.to_pylist() == _re2_found(arr, True) == [True] * 4 + [False, True, False, True]
