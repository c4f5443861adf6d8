"""Calibration: the monthly automation rate of a scenario over several seeds,
and what each cause in the world costs.

    python -m synthetic.calibrate --scenarios baseline,template,discipline,template+discipline --seeds 1-20
    python -m synthetic.calibrate --causes --seeds 1-6

Each world is generated in a temporary folder and replayed with a new journal.
Not part of the test suite (it takes minutes); the README's tables come from
it.
"""

from __future__ import annotations

import argparse
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.replay import replay
from synthetic import parse_scenario, synthesize


def one(args: tuple) -> pd.DataFrame:
    scenario, seed, changes, replay_months = args
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        params = parse_scenario(scenario).replace(**changes)
        synthesize(scenario, seed=seed, out=tmp / "w", params=params)
        monthly = replay(tmp / "w", tmp / "r", tmp / "j.sqlite", months=replay_months)
    monthly["seed"] = seed
    monthly["m"] = np.arange(1, len(monthly) + 1)
    return monthly


def rates(
    scenario: str, seeds: list[int], changes: dict | None = None, workers: int = 2, months: int | None = None
) -> pd.DataFrame:
    """Month-by-seed table of automation rates; ``months`` replays only the
    first so many months of each world."""
    with ProcessPoolExecutor(workers) as pool:
        frames = list(pool.map(one, [(scenario, s, changes or {}, months) for s in seeds]))
    all_ = pd.concat(frames, ignore_index=True)
    return all_.pivot(index="m", columns="seed", values="automation_rate")


# causes the world can be rid of, one at a time, to see what each costs
CAUSES = {
    "no CPR on the invoice": {"share_no_cpr": 0.0},
    "no period on the invoice": {"share_no_period": 0.0},
    "collective invoices": {"share_collective": 0.0},
    "extras invoiced": {"share_extras": 0.0},
    "§ 97 by the hour": {"hourly_97_share": 0.0},
    "day offers billed per attendance day": {"day_rate_day_offer_share": 0.0},
    "STU billed in twelfths": {"share_stu_twelfths": 0.0},
    "late registration of grants and ends": {"new_grant_lag": (1.0,), "end_lag": (1.0,), "extension_lag": (1.0,)},
    "January rates registered late": {"rate_lag": (1.0,)},
    "errors in Sensum at go-live": {
        "backlog_unregistered": 0.0,
        "backlog_wrong_supplier": 0.0,
        "backlog_stale_rate": 0.0,
        "backlog_double": 0.0,
    },
    "wrong supplier on new grants": {"wrong_supplier_new": 0.0},
    "suppliers missing from the support sheet": {"share_suppliers_missing_from_sheet": 0.0, "late_coding_groups": 0},
    "duplicates, reminders and credit notes": {
        "share_duplicates": 0.0,
        "resend_rate": 0.0,
        "correction_credit_rate": 0.0,
    },
    "deviating amounts (rounding, fees, deductions)": {
        "rounding_small": 0.0,
        "rounding_medium": 0.0,
        "fee_added": 0.0,
        "absence_deduction": 0.0,
        "back_payment_per_citizen_month": 0.0,
    },
    "keying errors on paper invoices": {"keying_error_rate": 0.0},
}


def _seeds(text: str) -> list[int]:
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", default="baseline", help="comma-separated scenarios (default baseline)")
    ap.add_argument("--seeds", default="1-5", help="seeds, as 1-10 or 1,2,3 (default 1-5)")
    ap.add_argument(
        "--causes", action="store_true", help="also: what each cause costs at month 6 of the first scenario"
    )
    args = ap.parse_args()
    seeds = _seeds(args.seeds)
    print(f"Automation rate over {len(seeds)} seeds (mean, sd, min-max):\n")
    print("| scenario | month 1 | month 6 | month 12 |\n|---|---:|---:|---:|")
    first = None
    for scenario in args.scenarios.split(","):
        r = rates(scenario, seeds)
        first = r if first is None else first

        def cell(m: int, r: pd.DataFrame = r) -> str:
            x = r.loc[m]
            return f"{x.mean():.1%} (sd {x.std():.1%}, {x.min():.1%}-{x.max():.1%})"

        print(f"| {scenario} | {r.loc[1].mean():.1%} | {cell(6)} | {cell(12)} |", flush=True)
    print("\nMonth by month, mean over seeds:\n")
    print((first.mean(axis=1) * 100).round(1).to_string())
    if args.causes:
        scenario = args.scenarios.split(",")[0]
        base = first.loc[6].mean()
        print("\n| cause taken out of the world | month 6 | points it costs |\n|---|---:|---:|")
        for name, changes in CAUSES.items():
            r = rates(scenario, seeds, changes, months=6).loc[6].mean()
            print(f"| {name} | {r:.1%} | {100 * (r - base):.1f} |", flush=True)


if __name__ == "__main__":
    main()
