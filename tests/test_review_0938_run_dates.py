"""Replays and explanations in memory decide each month on its own run date (0.9.38): evaluate --world, tune and explain took today's, and counted as posted an invoice whose year was mistyped ahead, which the robot's own run of the month sent to a caseworker (INVALID_PERIOD, check 7)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from invoicekit import Rules
from invoicekit.cli import main
from invoicekit.replay import load_world, replay, simulate, simulate_rule_sets
from tests.period_runs import EXAMPLE, GRANT_HEADER, INVOICE_HEADER, grant, invoice, run_robot, write_rows


def _world(tmp_path: Path, month: str, invoices: list[dict]) -> Path:
    """A world folder of one month: the example support sheet, one § 108 grant (28,500 kr. a month at
    Solhøj from 2018, open-ended) and ``invoices``."""
    w = tmp_path / "world"
    (w / "invoices").mkdir(parents=True)
    (w / "sensum").mkdir()
    shutil.copy(EXAMPLE / "stoetteark.xlsx", w / "stoetteark.xlsx")
    write_rows(w / "sensum" / f"grants-{month}.csv", GRANT_HEADER, [grant()])
    write_rows(w / "invoices" / f"invoices-{month}.csv", INVOICE_HEADER, invoices)
    return w


def test_in_memory_replay_and_tuning_judge_a_mistyped_future_year_by_todays_date_not_the_months(tmp_path):
    """A user suffers wrong figures: `invoicekit evaluate --world` and `invoicekit tune` (both decide a
    world's months in memory: `replay.simulate` / `simulate_rule_sets`) count as POSTED an invoice that
    the robot itself, run on that month (`invoicekit replay`, or `run` on the month's last day), sends
    to a caseworker.

    November 2018's invoice F-1 is for 01.11.2020-30.11.2020 (the year mistyped two years ahead; the
    grant is open-ended, so it covers it). Spec check 7 / README (0.9.37, tests/test_review_0937_future.py):
    "a period starting more than a year after the run date is no period to pay" -> INVALID_PERIOD, and
    `replay` (run date 30.11.2018) does so. But `simulate` and tuning's `check_batch` are called without
    a run date, so `decide` takes *today* (`danish_today()`), and on any day after 2019-11 the period
    2020-11 is "within a year": posted, and counted in the automation rate and in the error rate that
    the tuning recommendation and the evaluation rest on. The in-memory replays are documented as
    replaying the months as the journal would (`simulate`: "Decide every month in turn ... as the
    journal would"), and `replay` gives each month its run date (`month_run_date`).

    Right: each month decided in memory with that month's run date (`month_run_date(month)`), so the
    three replays agree: INVALID_PERIOD here."""
    typo = invoice(invoice_id="F-1", period_start="01.11.2020", period_end="30.11.2020")
    world = _world(tmp_path, "2018-11", [typo])
    replayed = replay(world, tmp_path / "out", tmp_path / "journal.sqlite")
    assert replayed is not None
    as_run = pd.read_csv(tmp_path / "out" / "2018-11" / "decisions.csv", dtype=str, keep_default_na=False)
    assert (as_run.loc[0, "status"], as_run.loc[0, "reason"]) == ("manual", "INVALID_PERIOD")  # the robot's own run

    data = load_world(world)
    in_memory = simulate(data)
    assert in_memory.loc[0, "reason"] == "INVALID_PERIOD", (
        f"evaluate --world decides F-1 {in_memory.loc[0, 'status']} {in_memory.loc[0, 'reason']!r}; "
        "the robot's run of 2018-11 sent it to manual (INVALID_PERIOD)"
    )
    tuned = next(iter(simulate_rule_sets(data, [Rules()])))
    assert tuned.loc[0, "reason"] == "INVALID_PERIOD", (
        f"tune counts F-1 as {tuned.loc[0, 'status']}: the robot's run of 2018-11 sent it to manual"
    )


def test_explain_decides_a_recorded_run_on_that_runs_date(tmp_path, capsys):
    """`explain --journal` of the very file a run recorded decides it as that run did: on the run's date
    too. The run of 30.11.2018 sent the invoice for November 2020 (a year mistyped) to a caseworker as
    INVALID_PERIOD; explained today, it was shown as posted, contradicting the journal."""
    journal = tmp_path / "journal.sqlite"
    typo = invoice(invoice_id="F-1", period_start="01.11.2020", period_end="30.11.2020")
    ran = run_robot(tmp_path / "run", [grant()], [typo], journal=journal, run_date=dt.date(2018, 11, 30))
    assert ran["decisions"].loc[0, "reason"] == "INVALID_PERIOD"
    capsys.readouterr()
    rc = main(["explain", "--grants", str(tmp_path / "run" / "g.csv"), "--invoices", str(tmp_path / "run" / "i.csv"),
               "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--journal", str(journal), "--invoice-id", "F-1"])  # fmt: skip
    shown = capsys.readouterr().out
    assert rc == 0 and "INVALID_PERIOD" in shown, shown
