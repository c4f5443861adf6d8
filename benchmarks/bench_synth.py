"""How long ``invoicekit synth`` takes to write a municipality, and its peak memory.

Runs ``invoicekit synth --scenario national`` (about a million invoices a year)
in a fresh process and prints a Markdown table: wall time, CPU time (user +
system; steadier than wall time on a shared machine), peak memory and invoices
per second. With ``--before REV`` the ``synthetic`` package as it was at that
git revision is measured in the same run, beside the current one (invoicekit
itself is the current one in both), and the two worlds are compared file by
file: the files both write must be the same (files only one of them writes are
listed apart).

    python benchmarks/bench_synth.py
    python benchmarks/bench_synth.py --before 8228d98 --repeat 2
    python benchmarks/bench_synth.py --citizens 6500          # a tenth of the size, quicker

Worlds are written to a temporary folder and removed.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "wall = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(r.returncode, wall, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024)\n"
)


def measure(pythonpath: str, out: Path, scenario: str, seed: int, citizens: int | None) -> dict:
    """One ``synth`` in a fresh process: wall and CPU seconds, peak MiB, invoices."""
    cmd = [sys.executable, "-m", "invoicekit.cli", "synth", "--scenario", scenario, "--seed", str(seed),
           "--out", str(out), "--quiet"]  # fmt: skip
    if citizens:
        cmd += ["--citizens", str(citizens)]
    env = {**os.environ, "PYTHONPATH": pythonpath}
    # run from the world's parent folder: ``python -m`` puts the working folder first on the path, and
    # from the repository that would be today's synthetic/ whatever PYTHONPATH says
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, env=env, check=True, cwd=out.parent
    )
    code, wall, cpu, peak = result.stdout.split()
    if code != "0":
        raise SystemExit(f"synth failed: {' '.join(cmd)}\n{result.stderr}")
    info = json.loads((out / "world.json").read_text(encoding="utf-8"))
    return {
        "invoices": sum(info["invoices_per_month"].values()),
        "wall": float(wall),
        "cpu": float(cpu),
        "peak": float(peak),
    }


def same_files(a: Path, b: Path) -> list[str]:
    """The files both worlds hold that differ (the workbook is compared by bytes too)."""
    names = _names(a) & _names(b)
    return sorted(n for n in names if not filecmp.cmp(a / n, b / n, False))


def _names(world: Path) -> set[str]:
    return {str(f.relative_to(world)) for f in world.rglob("*") if f.is_file()}


def best(runs: list[dict]) -> dict:
    """The fastest run's times, the largest peak memory."""
    return {
        "invoices": runs[0]["invoices"],
        "wall": min(r["wall"] for r in runs),
        "cpu": min(r["cpu"] for r in runs),
        "peak": max(r["peak"] for r in runs),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="national")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--citizens", type=int, help="override the scenario's number of citizens")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    ap.add_argument("--before", metavar="REV", help="also measure synthetic/ as of this git revision")
    args = ap.parse_args()

    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        versions = {"now": str(ROOT)}
        if args.before:
            old = tmp / "before"
            old.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.before, "synthetic"], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            versions = {f"synthetic/ at {args.before}": f"{old}{os.pathsep}{ROOT}", **versions}
        for label, path in versions.items():
            runs = []
            for i in range(args.repeat):
                print(f"{label}, run {i + 1} …", file=sys.stderr)
                runs.append(measure(path, tmp / label.replace("/", "_").replace(" ", "_"), args.scenario, args.seed,
                                    args.citizens))  # fmt: skip
            rows[label] = best(runs)
        worlds = [tmp / label.replace("/", "_").replace(" ", "_") for label in versions]
        differ = same_files(*worlds) if args.before else []
        # a file a newer version adds (or an older one had) is no difference in the files both write
        added = sorted(_names(worlds[-1]) - _names(worlds[0])) if args.before else []
        removed = sorted(_names(worlds[0]) - _names(worlds[-1])) if args.before else []

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"`invoicekit synth --scenario {args.scenario} --seed {args.seed}` on {machine}\n")
    print("| synthetic | invoices | wall | CPU (user+sys) | peak memory | invoices/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, r in rows.items():
        print(
            f"| {label} | {r['invoices']:,} | {r['wall']:.1f} s | {r['cpu']:.1f} s | {r['peak']:,.0f} MiB | "
            f"{r['invoices'] / r['wall']:,.0f} |"
        )
    if args.before:
        print(
            f"\nFiles both worlds hold that differ: {len(differ)}" + (f" ({', '.join(differ[:5])} …)" if differ else "")
        )
        for what, names in (("Only in the newer world", added), ("Only in the older world", removed)):
            if names:
                print(f"{what}: {', '.join(names[:5])}" + (" …" if len(names) > 5 else ""))


if __name__ == "__main__":
    main()
