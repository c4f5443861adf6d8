"""Evaluation against the truth: every invoice once, at its first decision,
with one outcome; the counts agree with a count by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.evaluate import OUTCOMES, clopper_pearson, evaluate, evaluate_alike, read_decisions
from invoicekit.parsing import money_text
from invoicekit.replay import load_world, replay, simulate
from synthetic import synthesize


@pytest.fixture(scope="module")
def replayed(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("ev")
    synthesize("baseline", seed=4, out=tmp / "world", months=5)
    replay(tmp / "world", tmp / "replay", tmp / "journal.sqlite")
    return tmp / "world", tmp / "replay"


def _by_hand(world: Path, replay_dir: Path) -> dict[str, int]:
    """The outcomes counted row by row from decisions.csv and truth.csv."""
    truth = pd.read_csv(world / "truth.csv", dtype=str, keep_default_na=False)
    facit = {(r.month, int(r.row)): r for r in truth.itertuples(index=False)}
    seen: set[tuple[str, str]] = set()
    counts = dict.fromkeys(OUTCOMES, 0)
    for f in sorted(replay_dir.glob("*/decisions.csv")):
        month = f.parent.name
        for d in pd.read_csv(f, dtype=str, keep_default_na=False).itertuples(index=False):
            key = (d.supplier_cvr, d.invoice_id)
            if d.invoice_id and key in seen:
                continue  # the same invoice again: it counted at its first decision
            seen.add(key)
            t = facit[(month, int(d.row))]
            pay = t.should_pay == "true"
            if d.status == "posted":
                same = (d.grant_id, d.psp_element, d.art) == (t.true_grant_id, t.true_psp_element, t.true_art)
                counts["posted_right" if pay and same else "posted_wrong"] += 1
            else:
                counts["manual_payable" if pay else "manual_held"] += 1
    return counts


def test_outcomes_add_up_and_agree_with_a_count_by_hand(replayed):
    world, replay_dir = replayed
    hand = _by_hand(world, replay_dir)
    files = sorted(replay_dir.glob("*/decisions.csv"))
    ev = evaluate(read_decisions(files), pd.read_csv(world / "truth.csv", dtype=str, keep_default_na=False))
    assert ev.counts().to_dict() == hand
    assert sum(hand.values()) == ev.summary["invoices"]
    rows = sum(len(pd.read_csv(f)) for f in files)
    assert ev.summary["invoices"] < rows  # duplicates under the same number counted once
    assert hand["posted_wrong"] > 0 and hand["manual_held"] > 0
    s = ev.summary
    assert s["automation_rate"] == pytest.approx((hand["posted_right"] + hand["posted_wrong"]) / s["invoices"])
    assert s["error_rate"] == pytest.approx(hand["posted_wrong"] / s["posted"])
    assert s["error_rate_low"] < s["error_rate"] < s["error_rate_high"]


def test_replaying_in_memory_decides_as_the_journal_replay_did(replayed):
    world, replay_dir = replayed
    mem = simulate(load_world(world))
    disk = pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(replay_dir.glob("*/decisions.csv"))],
        ignore_index=True,
    )
    assert len(mem) == len(disk)
    for col in ("status", "reason", "grant_id", "psp_element"):
        assert (mem[col].fillna("").astype(str).to_numpy() == disk[col].to_numpy()).all(), col
    for col in ("amount", "expected_amount"):  # numbers in memory, written as the file shows them
        assert (money_text(mem[col]) == disk[col].to_numpy()).all(), col
    # messages too, except where they name the earlier run and its date (a month label in memory)
    dated = disk["reason"].isin(["DUPLICATE_INVOICE", "ALREADY_PAID"]).to_numpy()
    assert (mem["message"].to_numpy()[~dated] == disk["message"].to_numpy()[~dated]).all()


def test_evaluating_a_world_equals_evaluating_its_replay(replayed):
    world, replay_dir = replayed
    w = load_world(world)
    a = evaluate(simulate(w), w.truth).summary
    b = evaluate(read_decisions(sorted(replay_dir.glob("*/decisions.csv"))), w.truth).summary
    assert a == b


def test_manual_postings_are_matched_by_supplier_and_invoice_number():
    decisions = pd.DataFrame(
        {
            "row": [1, 2, 3, 4],
            "supplier_cvr": ["29345716"] * 4,
            "invoice_id": ["A", "B", "C", "A"],
            "status": ["posted", "posted", "manual", "manual"],
            "reason": ["", "", "AMOUNT_MISMATCH", "DUPLICATE_INVOICE"],
            "grant_id": ["G1", "G2", "", ""],
            "psp_element": ["P1", "P1", "", ""],
            "art": ["40000000"] * 2 + [""] * 2,
        }
    )
    truth = pd.DataFrame(
        {
            "supplier_cvr": ["29345716"] * 3,
            "invoice_id": ["A", "B", "C"],
            "should_pay": ["ja", "ja", "nej"],
            "true_grant_id": ["G1", "G9", ""],
            "true_psp_element": ["P1", "P1", ""],
            "true_art": ["40000000", "40000000", ""],
        }
    )
    ev = evaluate(decisions, truth)
    assert ev.invoices["outcome"].tolist() == ["posted_right", "posted_wrong", "manual_held"]
    assert "forkert bevilling (G2, rigtig: G9)" in ev.wrong.loc[0, "why"]


def test_clopper_pearson_matches_known_values():
    low, high = clopper_pearson(0, 59)
    assert low == 0.0 and high == pytest.approx(0.0606, abs=1e-4)  # two-sided 95 %: 1 - 0.025**(1/59)
    low, high = clopper_pearson(5, 100)
    assert low == pytest.approx(0.01643, abs=1e-4) and high == pytest.approx(0.11284, abs=1e-4)


def test_evaluate_command_writes_csv_and_workbook_and_refuses_half_inputs(replayed, tmp_path, capsys):
    world, _ = replayed
    assert main(["evaluate", "--world", str(world), "--out", str(tmp_path / "ev")]) == 0
    out = capsys.readouterr().out
    assert "error rate" in out and "automation" in out
    table = pd.read_csv(tmp_path / "ev" / "evaluation.csv", dtype=str, keep_default_na=False)
    assert set(table["outcome"]) <= set(OUTCOMES)
    sheets = pd.read_excel(tmp_path / "ev" / "evaluation.xlsx", sheet_name=None)
    assert list(sheets) == ["Oversigt", "Fakturaer", "Fejlposteringer"]
    assert len(sheets["Fakturaer"]) == len(table)
    assert main(["evaluate", "--decisions", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x")]) == 2
    assert "--truth" in capsys.readouterr().err
    assert main(["evaluate", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--world" in err and "Traceback" not in err


def test_tables_alike_are_evaluated_as_each_alone(replayed):
    """evaluate_alike joins the truth once for tables that differ only in
    status and reason, and again when a table differs in more; every
    evaluation is the one evaluate gives that table."""
    world, _ = replayed
    w = load_world(world)
    d = simulate(w, messages=False)
    posted = d["status"] == "posted"
    held = d.assign(
        status=d["status"].where(~posted | (d["amount"] < 20_000), "manual"),
        reason=d["reason"].where(~posted | (d["amount"] < 20_000), "AMOUNT_ABOVE_LIMIT"),
    )
    regranted = held.assign(grant_id=held["grant_id"].where(~posted, "G-OTHER"))
    tables = [d, held, d, regranted, held]
    alike = list(evaluate_alike(tables, w.truth))
    for table, e in zip(tables, alike, strict=True):
        alone = evaluate(table, w.truth)
        pd.testing.assert_frame_equal(e.invoices, alone.invoices)
        assert e.summary == alone.summary
    assert alike[0].summary["posted"] > alike[1].summary["posted"]
    assert alike[1].summary["posted_wrong"] < alike[3].summary["posted_wrong"]
