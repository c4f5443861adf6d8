"""Rule tuning: the trade-off shows, the Pareto front is right, and the
recommendation respects the maximum error rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from invoicekit import Rules, prepare_grants, prepare_invoices, prepare_support_sheet
from invoicekit.cli import main
from invoicekit.decide import check_batch, decide, decide_checked, final_reasons
from invoicekit.errors import InputError
from invoicekit.history import History, extend_history
from invoicekit.replay import WorldData, load_world, simulate, simulate_rule_sets
from invoicekit.tune import pareto_front, parse_grid, parse_rate, tune
from synthetic import synthesize
from tests.conftest import KILDEN, grants_table, invoice, support_tables


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("tune") / "world"
    synthesize("baseline", seed=2, out=out, months=6)
    return out


def test_more_tolerance_posts_more_and_wrongly_more(world):
    t = tune(load_world(world), "tolerance=0,1,5,25", max_error="100%").table.set_index("tolerance")
    auto, wrong = t["automation_rate"], t["posted_wrong"]
    assert auto[0.0] <= auto[1.0] <= auto[5.0] < auto[25.0]
    assert wrong[0.0] <= wrong[1.0] <= wrong[5.0] < wrong[25.0]  # fees of 5-25 kr. slip through at 25


def test_the_recommendation_respects_the_maximum_error_rate(world):
    w = load_world(world)
    grid = "tolerance=1,25;max_amount=25000,100000"
    table = tune(w, grid, max_error="100%").table
    limit = float(table["error_rate"].sort_values().iloc[1])  # only some rule sets stay under it
    result = tune(w, grid, max_error=limit)
    ok = result.table[result.table["error_rate"] <= limit]
    rec = result.table[result.table["recommended"]]
    assert len(rec) == 1 and rec["error_rate"].iloc[0] <= limit
    assert rec["automation_rate"].iloc[0] == ok["automation_rate"].max()
    assert result.recommended.tolerance == rec["tolerance"].iloc[0]
    none = tune(w, grid, max_error=float(table["error_rate"].min()) / 2 if table["error_rate"].min() > 0 else -1)
    assert none.recommended is None and not none.table["recommended"].any()
    assert "No rule set" in none.text()


def test_pareto_front_keeps_only_undominated_rule_sets():
    auto = np.array([0.30, 0.35, 0.35, 0.40, 0.32])
    err = np.array([0.001, 0.002, 0.003, 0.010, 0.004])
    assert pareto_front(auto, err).tolist() == [True, True, False, True, False]


def test_grid_syntax_and_its_mistakes():
    g = parse_grid(
        "tolerance=0,1,5;paragraphs=103+104+107+108+STU,103+104+107+108+STU+97;excluded_suppliers=-,29345716"
    )
    assert g["tolerance"] == [0.0, 1.0, 5.0]
    assert g["paragraphs"][1][-1] == "97"
    assert g["excluded_suppliers"] == [(), ("29345716",)]
    assert parse_rate("0.5%") == pytest.approx(0.005) and parse_rate("0,005") == pytest.approx(0.005)
    for bad, where in (
        ("tolerence=1", "unknown rule"),
        ("tolerance", "no '='"),
        ("tolerance=a,b", "not all numbers"),
        ("", "empty"),
    ):
        with pytest.raises(InputError, match=where):
            parse_grid(bad)


def test_tune_command_writes_table_workbook_and_chart(world, tmp_path, capsys):
    argv = ["tune", "--world", str(world), "--grid", "tolerance=1,25", "--max-error", "5%", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Recommended" in out and "tolerance=1" in out
    table = pd.read_csv(tmp_path / "tuning.csv")
    assert len(table) == 2 and table["recommended"].sum() == 1
    assert (tmp_path / "tuning.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["tune", "--world", str(world), "--grid", "speed=1"]) == 2
    assert "unknown rule 'speed'" in capsys.readouterr().err


def test_rule_sets_come_in_scikit_learns_order():
    from sklearn.model_selection import ParameterGrid

    from invoicekit.tune import rule_sets

    grid = parse_grid("tolerance=0,1,5;max_amount=25000,100000;paragraphs=103+107,STU")
    assert rule_sets(grid) == list(ParameterGrid(grid))


def test_counting_without_texts_decides_the_same(world):
    """Tuning replays without the message texts; every decision is the same."""
    from invoicekit.replay import simulate

    w = load_world(world)
    with_texts, without = simulate(w), simulate(w, messages=False)
    assert (without["message"] == "").all() and (with_texts["message"] != "").all()
    keys = ["invoice_key", "grant_key", "citizen_key"]  # hashed with each replay's own secret
    same = [c for c in with_texts.columns if c not in ("message", *keys)]
    pd.testing.assert_frame_equal(with_texts[same], without[same])
    for k in keys:  # but blank in the same places
        assert ((with_texts[k] == "") == (without[k] == "")).all()


def test_rule_sets_replayed_side_by_side_weigh_the_same(world):
    """Tuning spreads rule sets over processes; the table is the one a single
    process gives, in the same order."""
    w = load_world(world)
    grid = "tolerance=0,25;max_amount=25000,100000"
    one = tune(w, grid, max_error="100%", workers=1).table
    two = tune(w, grid, max_error="100%", workers=2).table
    pd.testing.assert_frame_equal(one, two)


def test_a_checked_month_finishes_under_each_rule_set_as_decide_decides_it(world):
    """Checks 1-17 made once serve rule sets of the same tolerance one after
    another: each gets what decide gives it, messages included."""
    w = load_world(world)
    history = History()
    first = decide(w.invoices[0], w.grants[0], w.sheet, w.rules, history).decisions
    history = extend_history(history, first, run_id=1, started_at=w.months[0])
    checked = check_batch(w.invoices[1], w.grants[1], w.sheet, w.rules.tolerance, history)
    narrow = w.rules.replace(max_amount=20_000.0, paragraphs=("108",))
    posted = []
    for rules in (narrow, w.rules, narrow):
        once = decide_checked(checked, rules, history).decisions
        alone = decide(w.invoices[1], w.grants[1], w.sheet, rules, history).decisions
        pd.testing.assert_frame_equal(once, alone)
        assert (final_reasons(checked, rules, history) == alone["check"].to_numpy()).all()
        posted.append(int((once["status"] == "posted").sum()))
    assert posted[0] < posted[1]  # the rules do make a difference
    with pytest.raises(ValueError, match="tolerance"):
        decide_checked(checked, w.rules.replace(tolerance=25.0), history)
    with pytest.raises(ValueError, match="secret"):
        decide_checked(checked, w.rules, History())


def test_rule_sets_of_one_tolerance_replayed_together_decide_as_each_alone(world):
    """Replayed together, the months checked once, every rule set decides
    what simulate decides for it alone, already paid (check 21, against its
    own earlier postings) included."""
    w = load_world(world)
    paragraphs = (w.rules.paragraphs, ("103", "107"))
    rule_list = [
        w.rules.replace(tolerance=5.0, max_amount=limit, paragraphs=p, excluded_suppliers=excluded)
        for limit in (20_000.0, 1_000_000.0)
        for p in paragraphs
        for excluded in ((), w.rules.excluded_suppliers)
    ]
    keys = ["invoice_key", "grant_key", "citizen_key"]  # hashed with each replay's own secret
    already_paid = set()
    seen = []  # the invoices seen month by month, grown by a replay of another tolerance and read here
    list(simulate_rule_sets(w, [w.rules.replace(tolerance=25.0)], seen=seen))
    assert len(seen) == len(w.months)
    for rules, together in zip(rule_list, simulate_rule_sets(w, rule_list, seen=seen), strict=True):
        alone = simulate(w, rules, messages=False)
        assert list(together.columns) == list(alone.columns)
        same = [c for c in alone.columns if c not in keys]
        pd.testing.assert_frame_equal(together[same], alone[same])
        for k in keys:
            assert ((together[k] == "") == (alone[k] == "")).all()
        already_paid.add(int((alone["reason"] == "ALREADY_PAID").sum()))
    assert len(already_paid) > 1  # what earlier months posted differs from rule set to rule set
    with pytest.raises(ValueError, match="one tolerance"):
        list(simulate_rule_sets(w, [w.rules, w.rules.replace(tolerance=25.0)]))


def _two_months_of_citizen_a() -> WorldData:
    """March and April 2019 of citizen A, written inline: in March the 108
    grant is paid three times over overlapping periods and the 104 grant
    once; in April the 108 grant is registered again under a new id and
    March is invoiced again."""
    march = [
        invoice(invoice_id="F-2", period_start="01.03.2019", period_end="15.03.2019", amount="13.790,32"),
        invoice(invoice_id="F-1"),  # the whole month, overlaps F-2 and F-3
        invoice(invoice_id="F-3", period_start="16.03.2019", period_end="31.03.2019", amount="14.709,68"),
        invoice(invoice_id="K-1", supplier_cvr=KILDEN, amount="13.950,00"),
    ]
    april = [
        invoice(invoice_id="F-4", period_start="01.04.2019", period_end="30.04.2019"),
        invoice(invoice_id="K-2", supplier_cvr=KILDEN, period_end="15.03.2019", amount="6.750,00"),
        invoice(invoice_id="F-5", period_start="16.03.2019", period_end="31.03.2019", amount="14.709,68"),
        invoice(invoice_id="F-6", period_start="01.03.2019", period_end="15.03.2019", amount="13.790,32"),
    ]
    grants = grants_table()
    again = grants.assign(grant_id=grants["grant_id"].replace({"G-A108": "G-A108-NY"}))
    return WorldData(
        Path("inline"),
        ["2019-03", "2019-04"],
        [prepare_invoices(pd.DataFrame(rows)) for rows in (march, april)],
        [prepare_grants(g) for g in (grants, again)],
        [None, None],
        prepare_support_sheet(support_tables()),
        Rules(),
        None,
    )


def test_already_paid_of_rule_sets_replayed_together_is_what_each_alone_finds():
    """Check 21 of the rule sets replayed together (the pairs that can clash
    found once a month) against what decide finds for each alone: over
    the journal of its own earlier months (by grant, and by citizen after a
    grant's new id), and within a month in input order, where an invoice
    already paid blocks no later one."""
    w = _two_months_of_citizen_a()
    rule_list = [
        Rules(max_amount=limit, paragraphs=paragraphs)
        for limit in (10_000.0, 20_000.0, 1_000_000.0)
        for paragraphs in (("104", "108"), ("108",))
    ]
    reasons = []
    for rules, together in zip(rule_list, simulate_rule_sets(w, rule_list), strict=True):
        alone = simulate(w, rules, messages=False)
        pd.testing.assert_frame_equal(together[["month", "row", "status", "reason", "check"]],
                                      alone[["month", "row", "status", "reason", "check"]])  # fmt: skip
        reasons.append(alone.set_index("invoice_id")["reason"])
    paid = "ALREADY_PAID"
    wide, narrow = reasons[4], reasons[3]  # every paragraph up to 1,000,000 kr.; 108 only up to 20,000 kr.
    assert wide[["F-2", "F-1", "F-3", "K-1"]].tolist() == ["", paid, "", ""]  # F-1 blocked: it blocks not F-3
    assert narrow[["F-2", "F-1", "F-3", "K-1"]].tolist() == ["", "AMOUNT_ABOVE_LIMIT", "", "PARAGRAPH_EXCLUDED"]
    assert wide[["F-4", "K-2", "F-5", "F-6"]].tolist() == ["", paid, paid, paid]  # F-5, F-6 by citizen key
    assert narrow[["F-4", "K-2", "F-5", "F-6"]].tolist() == ["AMOUNT_ABOVE_LIMIT", "PARAGRAPH_EXCLUDED", paid, paid]
    assert reasons[0]["K-2"] == "" and reasons[0]["K-1"] == "AMOUNT_ABOVE_LIMIT"  # K-1 not paid: K-2 posts


def test_in_a_world_with_invoice_lines_every_rule_set_decides_its_collective_invoices_line_by_line(tmp_path):
    synthesize("lines", seed=4, out=tmp_path / "w", months=3, citizens=150)
    w = load_world(tmp_path / "w")
    assert any(lines is not None for lines in w.lines)
    rule_list = [w.rules.replace(max_amount=limit) for limit in (20_000.0, 1_000_000.0)]
    keys = ["invoice_key", "grant_key", "citizen_key"]
    for rules, together in zip(rule_list, simulate_rule_sets(w, rule_list), strict=True):
        alone = simulate(w, rules, messages=False)
        same = [c for c in alone.columns if c not in keys]
        pd.testing.assert_frame_equal(together[same], alone[same])
        collective = together["grant_id"].str.contains(";") & (together["status"] == "posted")
        assert collective.any()  # posted line by line, a grant a line
