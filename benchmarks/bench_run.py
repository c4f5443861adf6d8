"""Scale measurement for ``invoicekit run --dry-run``.

Generates a synthetic municipality's year at several sizes with
``invoicekit synth --citizens`` (the national scenario at the top size: about
a million invoices against the grants of 65,000 citizens), then times the run
end to end in a fresh process and reads its peak memory. As a yardstick it
times the least any tool must do: read the two CSVs with pandas, merge them
once on CPR and write the result.

    python benchmarks/bench_run.py                 # 10k, 100k, 1M
    python benchmarks/bench_run.py --sizes 10000   # one size
    python benchmarks/bench_run.py --markdown      # the table for the README

Data are written under benchmarks/data/ (not committed) and reused.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
DATA = HERE / "data"

BASELINE = """
import sys, pandas as pd
grants, invoices, out = sys.argv[1:4]
g = pd.read_csv(grants, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
i = pd.read_csv(invoices, sep=",", dtype=str, keep_default_na=False, encoding="utf-8")
m = i.merge(g, left_on="cpr", right_on="CPR-nr", how="left")
m.to_csv(out, index=False)
"""


CITIZENS_PER_MILLION = 65_000  # the national scenario: about 1,000,000 invoices a year


def _read_month(path: Path) -> pd.DataFrame:
    """One month's invoice file as text columns with canonical names."""
    from synthetic.write import INVOICE_HEADERS_DA

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    sep = ";" if text.split("\n", 1)[0].count(";") else ","
    df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    return df.rename(columns={v: k for k, v in INVOICE_HEADERS_DA.items()})


def generate(n_invoices: int, folder: Path, seed: int = 1) -> None:
    """A year of a synthetic municipality scaled to about ``n_invoices``
    (invoicekit synth --citizens), as one extract: every month's invoices in
    one file (mixed Danish and canonical formats, as months come), and the
    grants as Sensum shows them in the last month."""
    from synthetic import synthesize

    citizens = max(20, round(n_invoices / 1_000_000 * CITIZENS_PER_MILLION))
    world = folder / "world"
    synthesize("baseline", seed=seed, out=world, citizens=citizens)
    months = sorted((world / "invoices").glob("invoices-*.csv"))
    year = pd.concat([_read_month(f) for f in months], ignore_index=True)
    year.to_csv(folder / "invoices.csv", index=False)
    shutil.copy(sorted((world / "sensum").glob("grants-*.csv"))[-1], folder / "grants.csv")
    shutil.copy(world / "stoetteark.xlsx", folder / "stoetteark.xlsx")


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB) of a command run in a fresh process."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "wall = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(r.returncode, wall, peak)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, check=True
    ).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return float(out[1]), float(out[2])


def bench(n: int, repeat: int) -> dict:
    folder = DATA / f"n{n}"
    if not (folder / "invoices.csv").exists():
        t = time.perf_counter()
        generate(n, folder)
        print(f"  generated {n:,} invoices in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    invoicekit = str(Path(sys.executable).with_name("invoicekit"))
    with tempfile.TemporaryDirectory() as tmp:
        run_cmd = [invoicekit, "run", "--grants", str(folder / "grants.csv"), "--invoices", str(folder / "invoices.csv"),
                   "--support-sheet", str(folder / "stoetteark.xlsx"), "--out", tmp, "--dry-run", "--quiet"]  # fmt: skip
        base_cmd = [
            sys.executable,
            "-c",
            BASELINE,
            str(folder / "grants.csv"),
            str(folder / "invoices.csv"),
            os.path.join(tmp, "m.csv"),
        ]
        runs = [measure(run_cmd) for _ in range(repeat)]
        bases = [measure(base_cmd) for _ in range(repeat)]
        decisions = pd.read_csv(os.path.join(tmp, "decisions.csv"), usecols=["status"])
    wall, peak = min(r[0] for r in runs), max(r[1] for r in runs)
    base_wall, base_peak = min(b[0] for b in bases), max(b[1] for b in bases)
    grants = (folder / "grants.csv").read_text(encoding="utf-8-sig").count("\n") - 1
    return {
        "invoices": len(decisions),
        "grants": grants,
        "seconds": wall,
        "invoices_per_second": len(decisions) / wall,
        "peak_mib": peak,
        "baseline_seconds": base_wall,
        "baseline_peak_mib": base_peak,
        "ratio": wall / base_wall,
        "posted_share": float((decisions["status"] == "posted").mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest counts")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        print(f"{n:,} invoices …", file=sys.stderr)
        rows.append(bench(n, args.repeat))
    table = pd.DataFrame(rows)
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, pandas {pd.__version__}"
    )
    if args.markdown:
        print(f"Measured on: {machine}\n")
        print("| invoices | grants | run --dry-run | invoices/s | peak memory | read+merge+write baseline | ratio |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(
                f"| {r['invoices']:,} | {r['grants']:,} | {r['seconds']:.1f} s | {r['invoices_per_second']:,.0f} | "
                f"{r['peak_mib']:,.0f} MiB | {r['baseline_seconds']:.1f} s, {r['baseline_peak_mib']:,.0f} MiB | {r['ratio']:.1f}× |"
            )
    else:
        print(machine)
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


if __name__ == "__main__":
    main()
