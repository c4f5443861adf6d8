"""How right the fix list is: :func:`invoicekit.actions.fix_list` against the
fixes a synthetic world knows each invoice needs (``fix_key`` in its
``truth.csv``, :mod:`synthetic.fixes`).

For each seed, makes the baseline world ``make demo`` makes (a year, demo
size; under benchmarks/data/, not committed), replays it in memory, and runs
the fix list for each month with that month's grants and the support sheet.
Then, over the year:

- precision: the share of linked invoices whose true fix is the fix they are
  linked to;
- recall: the share of manual invoices with a true fix that are linked to it.

Targets: precision ≥ 0.9 and recall ≥ 0.8. Per kind of key as well, and the
commonest misses (``--misses``) to see why.

    python benchmarks/bench_fixes.py                  # seeds 1-3
    python benchmarks/bench_fixes.py --seeds 3 --misses 20
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from invoicekit.actions import Settings, fix_list
from invoicekit.followup import first_decisions
from invoicekit.replay import WorldData, load_world, simulate

DATA = Path(__file__).parent / "data"


def world(seed: int, scenario: str = "baseline") -> Path:
    """The world of ``seed``, made once (again when its truth predates the fix columns)."""
    path = DATA / f"fixes-{scenario.replace('+', '_')}-{seed}"
    truth = path / "truth.csv"
    if not truth.exists() or "fix_key" not in truth.open(encoding="utf-8").readline():
        from synthetic import synthesize  # only the benchmark needs the generator

        synthesize(scenario, seed=seed, out=path)
    return path


def fix_lists(w: WorldData) -> pd.DataFrame:
    """Every month's manual invoices with the fix each is linked to
    (``fix_key``, blank when none) and the true one (``true_fix``)."""
    d = first_decisions(simulate(w))
    frames = []
    for k, (month, grants) in enumerate(zip(w.months, w.grants, strict=True)):
        rules = w.rules_of(k)
        settings = Settings(tolerance=float(rules.tolerance), max_amount=rules.max_amount)
        actions = fix_list(d, grants, w.sheet_of(k), month=month, settings=settings)
        frames.append(actions.invoices[["month", "row", "reason", "fix_key"]])
    manual = pd.concat(frames, ignore_index=True)
    truth = w.truth[["month", "row", "fix_key", "cause"]].rename(columns={"fix_key": "true_fix"})
    return manual.merge(truth, on=["month", "row"], how="left", validate="one_to_one")


def kind(keys: pd.Series) -> pd.Series:
    return keys.str.split(":").str[0].where(keys != "", "(none)")


def scores(m: pd.DataFrame) -> dict:
    linked = m[m["fix_key"] != ""]
    needs = m[m["true_fix"] != ""]
    return {
        "manual": len(m),
        "linked": len(linked),
        "with_true_fix": len(needs),
        "precision": (linked["fix_key"] == linked["true_fix"]).mean() if len(linked) else float("nan"),
        "recall": (needs["fix_key"] == needs["true_fix"]).mean() if len(needs) else float("nan"),
    }


def by_kind(m: pd.DataFrame) -> pd.DataFrame:
    """Precision by the kind of fix linked, recall by the kind of the true fix."""
    linked = m[m["fix_key"] != ""]
    needs = m[m["true_fix"] != ""]
    p = (linked["fix_key"] == linked["true_fix"]).groupby(kind(linked["fix_key"])).agg(["size", "mean"])
    r = (needs["fix_key"] == needs["true_fix"]).groupby(kind(needs["true_fix"])).agg(["size", "mean"])
    out = p.set_axis(["linked", "precision"], axis=1).join(r.set_axis(["true", "recall"], axis=1), how="outer")
    return out.fillna({"linked": 0, "true": 0})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--misses", type=int, default=0, help="show this many of the commonest disagreements")
    args = parser.parse_args()
    pd.set_option("display.width", 160)
    all_m = []
    for seed in args.seeds:
        m = fix_lists(load_world(world(seed, args.scenario)))
        all_m.append(m.assign(seed=seed))
        s = scores(m)
        print(
            f"seed {seed}: {s['manual']:,} manual invoices, {s['linked']:,} linked, {s['with_true_fix']:,} with a "
            f"true fix; precision {s['precision']:.3f}, recall {s['recall']:.3f}"
        )
    m = pd.concat(all_m, ignore_index=True)
    s = scores(m)
    print(f"all seeds: precision {s['precision']:.3f}, recall {s['recall']:.3f} (targets 0.9 and 0.8)")
    print(by_kind(m).to_string(float_format=lambda v: f"{v:.3f}"))
    if args.misses:
        wrong = m[(m["fix_key"] != m["true_fix"]) & ((m["fix_key"] != "") | (m["true_fix"] != ""))]
        table = wrong.assign(linked=kind(wrong["fix_key"]), truth=kind(wrong["true_fix"]))
        print(table.groupby(["linked", "truth", "reason"]).size().sort_values(ascending=False).head(args.misses))


if __name__ == "__main__":
    main()
