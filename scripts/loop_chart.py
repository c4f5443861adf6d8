"""The closed loop's chart for the README: the demo municipality's monthly
automation rate when nobody acts on the fix list (K = 0), when the
municipality makes the top K fixes of each month's list before the next month
(:mod:`synthetic.loop`), and in the scenarios ``discipline`` and
``template+discipline`` (nobody follows the list there either).

    python scripts/loop_chart.py                   # the demo: seed 3, 560 citizens, 12 months, K = 10
    python scripts/loop_chart.py --citizens 120    # a quick look
    python scripts/loop_chart.py --table loop.csv  # keep the lines measured (drawn again from them next time)

Writes docs/images/fixes-loop.png (small, 72 dpi) and prints each line's rate
in months 6 and 12. Takes a few minutes on the demo's size: the robot and the
fix list run every month of every line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from invoicekit.formats import dk_percent
from synthetic.loop import closed_loop

ROOT = Path(__file__).resolve().parents[1]
IMAGE = ROOT / "docs" / "images" / "fixes-loop.png"
COLOURS = ("#8c8c8c", "#c0504d", "#2b6c9e", "#3a8d5c")


def lines(top: int) -> list[tuple[str, str, int]]:
    """``(label, scenario, K)`` of each line, in the legend's order."""
    return [
        ("Ingen følger listen (K = 0)", "baseline", 0),
        (f"Top {top} rettelser pr. måned", "baseline", top),
        ("Scenariet discipline", "discipline", 0),
        ("Scenariet template+discipline", "template+discipline", 0),
    ]


def loop_figure(table: pd.DataFrame, marks: tuple[int, ...] = (6, 12)) -> Figure:
    """The monthly automation rate of each line (``label``, ``month``,
    ``automation_rate``, in order), the rates of the months ``marks`` written
    at their points."""
    fig = Figure(figsize=(9, 4.8))
    ax = fig.subplots()
    labels = list(dict.fromkeys(table["label"]))
    months = list(dict.fromkeys(table["month"]))
    x = np.arange(1, len(months) + 1)
    rates = {label: table.loc[table["label"] == label, "automation_rate"].to_numpy() for label in labels}
    for label, colour in zip(labels, COLOURS, strict=False):
        ax.plot(x[: len(rates[label])], rates[label] * 100, marker="o", color=colour, label=label)
    for m in marks:
        # the lowest line's rate below its point, the others above, stacked where two lie close
        at = sorted((r[m - 1] * 100, label) for label, r in rates.items() if m <= len(r))
        for rank, (value, label) in enumerate(at):
            close = rank > 1 and value - at[rank - 1][0] < 3
            dy = -12 if rank == 0 else (14 if close else 5)
            colour = COLOURS[labels.index(label) % len(COLOURS)]
            ax.annotate(dk_percent(value / 100), (m, value), textcoords="offset points", xytext=(3, dy),
                        fontsize=7, color=colour)  # fmt: skip
    ax.set_xticks(x, [f"{i}\n{m}" for i, m in zip(x, months, strict=True)], fontsize=7)
    ax.set_xlabel("Måned efter idriftsættelse")
    ax.set_ylabel("Automatiseringsgrad, %")
    ax.set_ylim(0, 100)
    ax.grid(axis="y", color="#e0e0e0")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title("Automatiseringsgrad pr. måned, når rettelseslisten følges")
    fig.tight_layout()
    return fig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=3, help="the world's seed (default 3, as make demo)")
    ap.add_argument("--citizens", type=int, default=None, help="citizens at go-live (default the scenario's, 560)")
    ap.add_argument("--months", type=int, default=None, help="months (default the scenario's, 12)")
    ap.add_argument("--top", type=int, default=10, help="fixes made each month on the followed line (default 10)")
    ap.add_argument("--out", type=Path, default=IMAGE, help=f"the picture (default {IMAGE.relative_to(ROOT)})")
    ap.add_argument("--table", type=Path, help="keep the measured lines in this CSV; draw from it when it exists")
    args = ap.parse_args()
    if args.table is not None and args.table.exists():
        table = pd.read_csv(args.table, dtype={"month": str}, keep_default_na=False)
    else:
        frames = []
        for label, scenario, top in lines(args.top):
            t = closed_loop(scenario, seed=args.seed, top=top, citizens=args.citizens, months=args.months)
            frames.append(t.assign(label=label))
        table = pd.concat(frames, ignore_index=True)
        if args.table is not None:
            table.to_csv(args.table, index=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    loop_figure(table).savefig(args.out, dpi=72)
    print(args.out)
    for label, t in table.groupby("label", sort=False):
        rate = t["automation_rate"].to_numpy()
        at = ", ".join(f"month {m}: {dk_percent(rate[m - 1])}" for m in (6, 12) if m <= len(rate))
        print(
            f"{label}: {at}; wrong postings {int(t['wrong_postings'].sum())}; fixes made {int(t['fixes_applied'].sum())}"
        )


if __name__ == "__main__":
    main()
