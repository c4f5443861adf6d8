"""``identifiers.may_hold_cpr`` asks RE2 of a small column's texts once (a memo since 0.9.42, the one of
``texts.matches_regex`` since 0.9.44: arrow compiles the CPR patterns anew for every call, 13 ms however few
the cells). Its answers must be RE2's for every cell, in order, for nulls and texts seen before, and kept
apart for each ``also`` pattern; and so must every pattern's asked through that memo, counted too."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from invoicekit import identifiers, texts
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


def _by_re2(cells: list, also: str | None) -> list[bool]:
    """What RE2 finds asked of the whole column at once, past the memo (a column longer than it takes)."""
    padded = cells + ["fyld"] * (texts.MEMO_CELLS + 1 - len(cells))
    return identifiers.may_hold_cpr(pa.array(padded, pa.large_string()), also).to_pylist()[: len(cells)]


def test_a_small_columns_answers_are_re2s_first_asked_and_seen_again():
    texts._ASKED.clear()
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
    monkeypatch.setattr(texts, "_ASKED_MOST", 6)
    texts._ASKED.clear()
    for text in TEXTS[:6]:
        assert identifiers.may_hold_cpr(pa.array([text])).to_pylist() == _by_re2([text], None)
        assert len(texts._ASKED) <= 6
    assert identifiers.may_hold_cpr(pa.chunked_array([TEXTS[:3], TEXTS[3:6]])).to_pylist() == _by_re2(TEXTS[:6], None)


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
@pytest.mark.parametrize("chunked", [False, True])
def test_any_pattern_asked_through_the_memo_answers_as_arrow_asked_directly(kind, chunked):
    """The periods', the hashed keys' and the readers' patterns go through the memo as the CPR patterns do:
    the same answer, type and nulls as arrow's, first asked and again, whatever the text type; a column past
    the memo's size is arrow's own."""
    texts._ASKED.clear()
    cells = [t for t in TEXTS if t is not None] + [None] + TEXTS[:3]
    column = pa.chunked_array([cells[:5], cells[5:]], kind) if chunked else pa.array(cells, kind)
    for pattern in (r"\d{6}-?\d{4}", r"[0-9]", r"^$", identifiers.CPR_LIKE_RE2):
        for ask, direct in (
            (texts.matches_regex, pc.match_substring_regex),
            (texts.counts_regex, pc.count_substring_regex),
        ):
            expected = direct(column, pattern)
            for _ in range(2):  # asked, then answered from the memo
                got = ask(column, pattern)
                assert got.type == expected.type and type(got) is type(expected)
                assert got.to_pylist() == expected.to_pylist()
    # a text answered for one pattern is asked again for another
    assert texts.matches_regex(pa.array(["abc"]), "b").to_pylist() == [True]
    assert texts.matches_regex(pa.array(["abc"]), "x").to_pylist() == [False]
    assert texts.counts_regex(pa.array(["abcb"]), "b").to_pylist() == [2]
    big = pa.array(["x1"] * (texts.MEMO_CELLS + 1), kind)
    before = len(texts._ASKED)
    assert texts.counts_regex(big, "[0-9]").to_pylist() == [1] * len(big)
    assert len(texts._ASKED) == before


def test_the_memo_holds_no_more_text_than_its_bound_and_still_answers(monkeypatch):
    """A process making run after run of long texts (a notebook) must not keep every text it was asked of:
    the memo is emptied once it would hold more characters than its bound, and a column of texts longer than
    the bound is asked of RE2 without being kept."""
    monkeypatch.setattr(texts, "_ASKED_MOST_CHARS", 1_000)
    texts._ASKED.clear()
    monkeypatch.setattr(texts, "_asked_chars", 0)
    for k in range(20):
        cells = pa.array([f"tekst {k} " + "x" * 300, None, "CPR 010190-1234"])
        assert (
            texts.matches_regex(cells, identifiers.CPR_LIKE_RE2).to_pylist()
            == pc.match_substring_regex(cells, identifiers.CPR_LIKE_RE2).to_pylist()
        )
        assert sum(len(text) for _, _, text in texts._ASKED) <= 1_000
    long = pa.array(["y" * 2_000, "010190-1234"])
    assert texts.matches_regex(long, r"\d{6}-\d{4}").to_pylist() == [False, True]
    assert not any(text.startswith("y") for _, _, text in texts._ASKED)
