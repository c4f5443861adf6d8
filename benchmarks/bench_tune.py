"""Speed of ``invoicekit tune``: 50 rule sets over the demo year.

Makes the world ``make demo`` makes (the baseline scenario, seed 3, a year;
under benchmarks/data/, not committed) and times, in fresh processes, ``tune``
over a grid of 50 rule sets (5 tolerances × 5 maximum amounts × 2 paragraph
lists), ``repeat`` times; prints the median wall seconds and the peak memory.

    python benchmarks/bench_tune.py
    python benchmarks/bench_tune.py --code /tmp/old    # another checkout's invoicekit, to compare
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

# run as a script (python benchmarks/bench_tune.py), the checkout is not on the path yet
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_run import command_module, compiled, measure

ROOT = Path(__file__).resolve().parent.parent
WORLD = Path(__file__).parent / "data" / "demo-world"
GRID = (
    "tolerance=0,1,5,10,25;max_amount=25000,50000,100000,200000,1000000;paragraphs=103+104+107+108+STU,103+104+107+108"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--code", type=Path, help="run the invoicekit found here (a checkout) instead")
    args = parser.parse_args()
    if not (WORLD / "truth.csv").exists():
        from synthetic import synthesize

        synthesize("baseline", seed=3, out=WORLD)
    env = dict(os.environ)
    if args.code is not None:
        env["PYTHONPATH"] = str(args.code)
    compiled(args.code or ROOT)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeat):
            cmd = [sys.executable, "-m", command_module(args.code or ROOT), "tune", "--world", str(WORLD), "--grid", GRID, "--quiet",
                   "--out", os.path.join(tmp, str(k))]  # fmt: skip
            runs.append(measure(cmd, env, tmp))
            print(f"  tune, 50 rule sets: {runs[-1][0]:.1f} s", file=sys.stderr)
    print(
        f"tune, 50 rule sets over the demo year: {statistics.median(r[0] for r in runs):.1f} s "
        f"(median of {len(runs)}), peak {max(r[1] for r in runs):,.0f} MiB"
    )


if __name__ == "__main__":
    main()
