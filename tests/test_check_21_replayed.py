"""Check 21 (already paid) replayed three ways decides the same, month after
month: ``invoicekit replay`` (``run`` with a journal, month by month), the
in-memory replay (:func:`~invoicekit.replay.simulate`: ``decide`` against a
history grown with ``extend_history``) and tuning's replay of rule sets side
by side (:func:`~invoicekit.replay.simulate_rule_sets`, whose check 21 is
its own ``_Payments``). The months hold what check 21 must catch: the same
grant period twice in one month, partial months, periods that touch at a
day, a grant registered again under a new id (and under another service of
its paragraph: a monthly rate made daily), grant ids spelt otherwise, an
invoice sent again under a case or dash variant of its number, a credit note.
And a month that invoices one grant period over and over, whose pairs tuning's
replay does not list (they grow as the square of the invoices).
"""

from __future__ import annotations

import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import invoicekit.replay as replay_module
from invoicekit import Rules
from invoicekit.decide import check_batch
from invoicekit.replay import _Payments, _TooManyClashes, load_world, replay, simulate, simulate_rule_sets
from tests.conftest import EXAMPLE, KILDEN, LEDSAGER, SOLHOJ

A = "610190-1234"
GRANT_COLUMNS = ["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date", "end_date"]
INVOICE_COLUMNS = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "document_type"]


def _home(grant_id: str) -> tuple:  # § 108 at Solhøj, by the month
    return (grant_id, A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", "")


def _home_daily(grant_id: str) -> tuple:  # the home registered again under § 108's daily service
    return (grant_id, A, "SEL108-DAG", SOLHOJ, "950.00", "day", "2019-04-01", "")


def _activity(grant_id: str) -> tuple:  # § 104 at Kilden, by the day
    return (grant_id, A, "SEL104-AKT", KILDEN, "450.00", "day", "2018-06-01", "")


def _sol(number: str, start: str, end: str, amount: str, kind: str = "") -> tuple:
    return (number, SOLHOJ, amount, A, start, end, kind)


def _kil(number: str, start: str, end: str, amount: str, kind: str = "") -> tuple:
    return (number, KILDEN, amount, A, start, end, kind)


MONTHS = {
    "2019-03": (
        [_home("G-1"), _activity("G-2")],
        [
            _sol("SOL-1", "01.03.2019", "31.03.2019", "28500.00"),
            _sol("SOL-2", "01.03.2019", "15.03.2019", "13790.32"),  # inside SOL-1, this month
            _kil("KIL-1", "01.03.2019", "31.03.2019", "13950.00"),
            _kil("KIL-CN", "01.03.2019", "31.03.2019", "13950.00", "credit_note"),
            _sol("SOL-3", "01.02.2019", "15.02.2019", "15267.86"),  # half of February
        ],
    ),
    "2019-04": (
        [_home("G-1-NY"), _activity("G-2")],  # the home registered again under a new id
        [
            _sol("sol 1", "01.03.2019", "31.03.2019", "28500.00"),  # SOL-1 again: check 10
            _sol("SOL-4", "16.03.2019", "31.03.2019", "14709.68"),  # March again, by the new id
            _sol("SOL-5", "01.04.2019", "30.04.2019", "28500.00"),
            _sol("SOL\u20136", "01.04.2019", "15.04.2019", "14250.00"),  # inside SOL-5, this month
            _kil("KIL-2", "01.03.2019", "15.03.2019", "6750.00"),  # inside KIL-1, last month
            _kil("KIL-3", "31.03.2019", "06.04.2019", "3150.00"),  # touches KIL-1 at its last day
            _sol("SOL-8", "16.02.2019", "28.02.2019", "13232.14"),  # the rest of February
        ],
    ),
    "2019-05": (
        [_home("g1ny."), _activity("G 2.")],  # the same ids spelt otherwise
        [
            _sol("SOL-7", "30.04.2019", "15.05.2019", "14740.32"),  # touches SOL-5 at its last day
            _kil("KIL-4", "07.04.2019", "13.04.2019", "3150.00"),  # after KIL-3
            _kil("kil\u20124", "01.05.2019", "31.05.2019", "13950.00"),  # KIL-4's number, a figure dash
        ],
    ),
    "2019-06": (
        [_home_daily("G-1-DAG"), _activity("G-2")],  # the home again, by the day, under another service of § 108
        [
            _sol("SOL-9", "01.04.2019", "15.04.2019", "14250.00"),  # April again (SOL-5), by the daily grant
            _sol("SOL-10", "01.06.2019", "30.06.2019", "28500.00"),
        ],
    ),
}

RULE_SETS = [
    Rules(),
    Rules(max_amount=20_000.0),  # the whole months of the home go to manual: their halves are not paid
    Rules(paragraphs=("104",)),  # the home never posts
]


def _world(folder: Path, months: dict = MONTHS) -> Path:
    (folder / "sensum").mkdir(parents=True)
    (folder / "invoices").mkdir()
    sheet = openpyxl.load_workbook(EXAMPLE / "stoetteark.xlsx")
    sheet["Ydelser"].append(["SEL108-DAG", "§ 108", "Udviklingshæmmede"])  # § 108's daily service
    sheet.save(folder / "stoetteark.xlsx")
    for month, (grants, invoices) in months.items():
        pd.DataFrame(grants, columns=GRANT_COLUMNS).to_csv(folder / "sensum" / f"grants-{month}.csv", index=False)
        pd.DataFrame(invoices, columns=INVOICE_COLUMNS).to_csv(
            folder / "invoices" / f"invoices-{month}.csv", index=False
        )
    return folder


def _decided(frame: pd.DataFrame) -> list[tuple[str, int, str, str]]:
    return list(zip(frame["month"], frame["row"].astype(int), frame["status"], frame["reason"].fillna(""), strict=True))


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    return _world(tmp_path_factory.mktemp("attack_replay") / "world")


@pytest.mark.parametrize("k", range(len(RULE_SETS)))
def test_check_21_in_memory_and_side_by_side_decides_as_run_with_a_journal(world, tmp_path, k):
    rules = RULE_SETS[k]
    replay(world, tmp_path / "out", tmp_path / "journal.sqlite", rules=rules)
    by_runs = pd.concat(
        [
            pd.read_csv(tmp_path / "out" / month / "decisions.csv", dtype=str, keep_default_na=False).assign(
                month=month
            )
            for month in MONTHS
        ],
        ignore_index=True,
    )
    w = load_world(world, rules)
    in_memory = simulate(w, messages=False)
    side_by_side = list(simulate_rule_sets(w, RULE_SETS))[k]
    assert _decided(in_memory) == _decided(by_runs)
    assert _decided(side_by_side) == _decided(by_runs)


def test_check_21_of_the_months_is_what_the_spec_says(world):
    """The anchor: under the default rules, what each invoice must get."""
    d = simulate(load_world(world, Rules()), messages=False)
    got = dict(zip(d["invoice_id"], d["reason"].fillna(""), strict=True))
    paid, dup = "ALREADY_PAID", "DUPLICATE_INVOICE"
    assert got == {
        "SOL-1": "", "SOL-2": paid, "KIL-1": "", "KIL-CN": "CREDIT_NOTE", "SOL-3": "",
        "sol 1": dup, "SOL-4": paid, "SOL-5": "", "SOL\u20136": paid, "KIL-2": paid, "KIL-3": paid, "SOL-8": "",
        "SOL-7": paid, "KIL-4": "", "kil\u20124": dup, "SOL-9": paid, "SOL-10": "",
    }  # fmt: skip


#: one grant period invoiced 60 times a month under new numbers, two months running
OVER_AND_OVER = {
    month: ([_home("G-1")], [_sol(f"{month}-{k}", "01.03.2019", "31.03.2019", "28500.00") for k in range(60)])
    for month in ("2019-03", "2019-04")
}


def test_tunings_check_21_counts_a_months_pairs_before_it_lists_them(tmp_path, monkeypatch):
    """60 copies of one grant period pair 1,770 ways, found by the grant's
    key and again by the citizen's and the paragraph's: over the bound (here 8 a month's
    invoice, at least 100) they are refused before any is listed, where
    4,000 copies listed 8 million pairs (1.1 GB, 13 s of CPU)."""
    monkeypatch.setattr(replay_module, "CLASH_PAIRS_PER_INVOICE", 8)
    monkeypatch.setattr(replay_module, "CLASH_PAIRS_AT_LEAST", 100)
    w = load_world(_world(tmp_path / "world", OVER_AND_OVER), Rules())
    checked = check_batch(w.invoices[0], w.grants[0], w.sheet_of(0), 0.0)
    with pytest.raises(_TooManyClashes, match="pairs of 60 invoices"):
        _Payments(1).clashes(checked, w.grant_keys_of(0, checked.secret))
    # found by the grant's key and again by the citizen's and the paragraph's: counted three times, listed once
    monkeypatch.setattr(replay_module, "CLASH_PAIRS_AT_LEAST", 3 * 1770)
    assert len(_Payments(1).clashes(checked, w.grant_keys_of(0, checked.secret)).run_a) == 1770


def test_a_month_of_one_period_invoiced_over_and_over_is_replayed_rule_set_by_rule_set(
    tmp_path, monkeypatch, caplog, world
):
    """Tuning's replay then decides each rule set with decide's own check 21
    (which walks such invoices in input order): the same decisions as the
    in-memory replay, in both months (the second's copies pair with the
    first's payment too). A month under the bound is replayed side by side."""
    monkeypatch.setattr(replay_module, "CLASH_PAIRS_PER_INVOICE", 8)
    monkeypatch.setattr(replay_module, "CLASH_PAIRS_AT_LEAST", 100)
    w = load_world(_world(tmp_path / "world", OVER_AND_OVER), Rules())
    with caplog.at_level(logging.INFO, logger="invoicekit.replay"):
        side_by_side = list(simulate_rule_sets(w, RULE_SETS))
    assert "replaying the rule sets one by one" in caplog.text
    for rules, got in zip(RULE_SETS, side_by_side, strict=True):
        want = simulate(load_world(tmp_path / "world", rules), messages=False)
        assert _decided(got) == _decided(want)
    assert [r for _, _, _, r in _decided(side_by_side[0])] == ["", *["ALREADY_PAID"] * 119]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="invoicekit.replay"):
        list(simulate_rule_sets(load_world(world, Rules()), RULE_SETS))
    assert "one by one" not in caplog.text


#: March paid on grant 00123 at Solhøj; in April the grant is 123 at Ledsager (moved supplier, zeros dropped)
#: and Ledsager invoices March again: run (decide against a journal) holds it, kind _KIND_SAME_GRANT_VALUE
MOVED = {
    "2019-03": (
        [("00123", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", "")],
        [("SOL-1", SOLHOJ, "28500.00", A, "01.03.2019", "31.03.2019", "")],
    ),
    "2019-04": (
        [("123", A, "SEL108-BO", LEDSAGER, "28500.00", "month", "2019-01-01", "")],
        [("LED-1", LEDSAGER, "28500.00", A, "01.03.2019", "31.03.2019", "")],
    ),
}

#: both in one month's extract
TOGETHER = {
    "2019-03": (
        [
            ("00123", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", ""),
            ("123", A, "SEL108-BO", LEDSAGER, "28500.00", "month", "2019-01-01", ""),
        ],
        [
            ("SOL-1", SOLHOJ, "28500.00", A, "01.03.2019", "31.03.2019", ""),
            ("LED-1", LEDSAGER, "28500.00", A, "01.03.2019", "31.03.2019", ""),
        ],
    ),
}


@pytest.mark.parametrize("months", [MOVED, TOGETHER], ids=["across-months", "within-a-month"])
def test_tunings_replay_compares_grant_ids_by_value_as_run_does(tmp_path, months):
    """The replay's own check 21 (tune's) compared grant keys as text, and paid LED-1 where the run, comparing
    an id of digits by its value since 0.9.28, held it: tune counted a double payment the robot does not make
    (a fifth review)."""
    w = load_world(_world(tmp_path / "world", months), Rules())
    in_memory = simulate(w, messages=False)
    assert in_memory["reason"].fillna("").tolist() == ["", "ALREADY_PAID"]  # decide's check 21 (the run's)
    side_by_side = next(iter(simulate_rule_sets(w, [Rules(), Rules(max_amount=50_000.0)])))
    assert _decided(side_by_side) == _decided(in_memory)


#: March paid on G-7 at Solhøj; in April the place has a new owner (Ledsager's CVR): G-7 is moved to it and
#: ended on 28 February, the stay registered again from 1 March as G-N, and the new owner bills March again
TAKEN_OVER = {
    "2019-03": (
        [("G-7", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", "")],
        [("SOL-1", SOLHOJ, "28500.00", A, "01.03.2019", "31.03.2019", "")],
    ),
    "2019-04": (
        [
            ("G-7", A, "SEL108-BO", LEDSAGER, "28500.00", "month", "2018-01-01", "2019-02-28"),
            ("G-N", A, "SEL108-BO", LEDSAGER, "28500.00", "month", "2019-03-01", ""),
        ],
        [("LED-1", LEDSAGER, "28500.00", A, "01.03.2019", "31.03.2019", "")],
    ),
}


def test_tunings_replay_holds_a_month_paid_before_a_takeover_as_run_does(tmp_path):
    """A payment on a grant today's extract names at another supplier counts under today's keys in the run
    (``paid_marks.with_moved_grants``, since 0.9.39), but tuning's side-by-side replay compared only the keys
    the payment was made under, and counted the new owner's March as posted where the run holds it."""
    folder = _world(tmp_path / "world", TAKEN_OVER)
    w = load_world(folder, Rules())
    in_memory = simulate(w, messages=False)
    assert in_memory["reason"].fillna("").tolist() == ["", "ALREADY_PAID"]  # decide's check 21 (the run's)
    replay(folder, tmp_path / "out", tmp_path / "journal.sqlite", rules=Rules())
    by_runs = pd.read_csv(tmp_path / "out" / "2019-04" / "decisions.csv", dtype=str, keep_default_na=False)
    assert by_runs["reason"].tolist() == ["ALREADY_PAID"]
    # the old owner's March left to a caseworker under the second: the new owner's is that rule set's to post
    rule_sets = [Rules(), Rules(excluded_suppliers=(SOLHOJ,)), Rules(max_amount=50_000.0), Rules(paragraphs=("104",))]
    decided = [_decided(side_by_side) for side_by_side in simulate_rule_sets(w, rule_sets)]
    for rules, side_by_side in zip(rule_sets, decided, strict=True):
        assert side_by_side == _decided(simulate(w, rules, messages=False))
    assert [status for _, _, status, _ in decided[1]] == ["manual", "posted"]
    assert _decided(next(iter(simulate_rule_sets(w, rule_sets)))) == _decided(in_memory)
