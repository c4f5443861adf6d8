"""``identifiers.may_hold_cpr`` asks RE2 of a small column's texts once (its memo, since 0.9.42: arrow
compiles the CPR patterns anew for every call, 13 ms however few the cells). Its answers must be RE2's for
every cell, in order, for nulls and texts seen before, and kept apart for each ``also`` pattern."""

from __future__ import annotations

import pyarrow as pa

from invoicekit import identifiers
from invoicekit.texts import LINE_BREAK_RE2

TEXTS = [
    "Ophold marts 2019",
    "CPR 010190-1234",
    "610 180 1001",
    "6 1 0 1 8 0 1 2 3 4",
    "01.01.90-1234",
    "Faktura 12 610 180 1001",
    "beløb 1.234.567.890",
    "0101-2019-12",
    "linje 1\nlinje 2",
    "٠١٠١٩٠١٢٣٤",
    "",
    None,
]


def _by_re2(texts: list, also: str | None) -> list[bool]:
    """What RE2 finds asked of the whole column at once, past the memo (a column longer than it takes)."""
    padded = texts + ["fyld"] * (identifiers.MEMO_CELLS + 1 - len(texts))
    return identifiers.may_hold_cpr(pa.array(padded, pa.large_string()), also).to_pylist()[: len(texts)]


def test_a_small_columns_answers_are_re2s_first_asked_and_seen_again():
    identifiers._SEEN.clear()
    for also in (None, LINE_BREAK_RE2):
        expected = _by_re2(TEXTS, also)
        assert expected[1] and not expected[0] and expected[-1] is False
        column = pa.array(TEXTS + TEXTS[::-1], pa.string())
        first = identifiers.may_hold_cpr(column, also).to_pylist()
        again = identifiers.may_hold_cpr(column, also).to_pylist()  # every text seen: RE2 not asked
        assert first == again == expected + expected[::-1]
    # the line break counts only where it is asked for: one text, two answers by the pattern asked with
    assert identifiers.may_hold_cpr(pa.array(["linje 1\nlinje 2"]), LINE_BREAK_RE2).to_pylist() == [True]
    assert identifiers.may_hold_cpr(pa.array(["linje 1\nlinje 2"])).to_pylist() == [False]


def test_the_memo_is_emptied_when_full_and_still_answers(monkeypatch):
    monkeypatch.setattr(identifiers, "_SEEN_MOST", 3)
    identifiers._SEEN.clear()
    for text in TEXTS[:6]:
        assert identifiers.may_hold_cpr(pa.array([text])).to_pylist() == _by_re2([text], None)
        assert len(identifiers._SEEN) <= 3
    assert identifiers.may_hold_cpr(pa.chunked_array([TEXTS[:3], TEXTS[3:6]])).to_pylist() == _by_re2(TEXTS[:6], None)
