"""Speed and memory of ``invoicekit run`` against a floor, measured side by side.

Generates (once, under benchmarks/data/, not committed) a synthetic
municipality's year at each size with ``invoicekit synth --citizens`` (the
national scenario at 1M: about a million invoices against the grants of 65,000
citizens), then runs, in turn and in fresh processes, ``repeat`` times each:

- the **floor**: the least any tool must do with these files: read both CSVs
  as text with pyarrow, one hash join on CPR, write one CSV (pyarrow, its
  default threads);
- ``invoicekit run --dry-run``;
- ``invoicekit run --new-journal`` (a recorded run into a fresh journal).

It reports the median wall seconds, the largest peak memory, and the ratios
the issue sets targets for: dry run / floor, recorded / dry run (per pair of
runs, then the median), and the cost per invoice at the largest size against
the smallest; beside them the CPU seconds (user + system) of each command and
the dry run's CPU against the floor's, a steadier figure on a shared machine.

Before each command the files the commands before it wrote are flushed to
disk (``os.sync``), and the machine's memory is made resident (``--warm-gib``,
3 GiB by default, touched by a throwaway process). On the virtual machines
these figures come from, memory a process freed a few seconds ago costs
little to use again, but memory left idle for longer is handed back to the
host and costs the kernel about 1.5 to 3 s a GiB to hand out again. Run
back to back, the floor always started right after the recorded run had
freed over 2 GiB, and the dry run after the floor had freed under 1: the
two started from different machines. ``--warm-gib 0`` measures that way
again. For the same reason each command's files are removed as soon as it
is measured: left on disk, a recorded run's files made the floor after it
take 1.4 s instead of 0.8 s (1.1 s more system time; 2026-12-03), and the
script's ratios until then (2.3x to 2.8x, the floor slow in each) were too
kind to the dry run.

``--idle SECONDS`` measures the other end: before each command the machine
lies idle that long (after the warming, if any), so the host takes back what
is free, and every command starts as a robot started once a day would, each
fresh page a fault to the host. Measured on 2026-12-03 at a million
invoices (three rounds, 30 s): the floor took 2.3 to 2.5 s (3.8 s of CPU),
the dry run 2.4x its time and 2.3x its CPU, a recorded run 1.03x the dry
run. The targets are held to the warm ratio.

Beside the wall and CPU ratios, ``dry_user_vs_floor`` is the dry run's user
CPU against the floor's: the work each command does, which the host's memory
moves little (system time carries the faults). Measured on 2026-12-03 at a
million invoices, in rounds of the floor and the dry run in turn: 4.3x warm
(8 rounds; the floor 0.8 s) and 4.1x idle (4 rounds, 30 s; the floor 1.7 s),
where the wall ratio was 4.1x and 2.2x.

That cost is also why the dry run's *fresh memory* is reported: the memory
each command is handed by the kernel (its page faults, counted in one more
run of each with transparent huge pages off, so that a fault is one 4 KiB
page), which is steadier than any time on a shared machine. It is what a
process pays for memory it did not have, however much of it it frees and
asks for again.

    python benchmarks/bench_run.py                          # 100k and 1M
    python benchmarks/bench_run.py --sizes 100000 --repeat 5
    python benchmarks/bench_run.py --markdown               # the README's table
    python benchmarks/bench_run.py --code /tmp/old          # another checkout's invoicekit, to compare
    python benchmarks/bench_run.py --warm-gib 0             # without making memory resident first
    python benchmarks/bench_run.py --idle 30                # each command after 30 s idle (memory cold)
    python benchmarks/bench_run.py --no-fresh               # without the runs that count fresh memory
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
DATA = HERE / "data"

#: the floor, as the issue defines it
FLOOR = """
import sys
import pyarrow as pa, pyarrow.csv as pc
grants, invoices, out = sys.argv[1:4]
def read(path, sep):
    with open(path, "rb") as f:
        names = [c.strip() for c in f.readline().decode("utf-8-sig").strip().split(sep)]
    return pc.read_csv(path, read_options=pc.ReadOptions(skip_rows=1, column_names=names),
                       parse_options=pc.ParseOptions(delimiter=sep),
                       convert_options=pc.ConvertOptions(column_types={n: pa.string() for n in names}))
g, i = read(grants, ";"), read(invoices, ",")
pc.write_csv(i.join(g, keys="cpr", right_keys="CPR-nr", join_type="left outer"), out)
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


#: touches every page of a buffer of the given size, then exits
WARM = "import sys; b = bytearray(int(float(sys.argv[1]) * 2**30)); b[::4096] = b'\\1' * len(range(0, len(b), 4096))"


def warm(gib: float) -> None:
    """Write what the commands before wrote to disk, then make ``gib`` GiB of
    the machine's memory resident, so that the command measured next starts
    from the same machine as any other (see the module's docstring)."""
    settle()
    if gib > 0:
        subprocess.run([sys.executable, "-c", WARM, str(gib)], check=True)


def settle() -> None:
    """Flush the files the commands before wrote (``os.sync``): a command
    leaves hundreds of MB of them in memory, and the kernel may write them
    out on the two cores while the next command runs, which is no cost of
    that command. (Measured on 2026-12-03 it made no difference the noise
    showed: the floor took 2.0 to 2.7 s in the script both before and after,
    against 1.2 to 2.1 s in paired rounds of a shell loop within the hour.)"""
    if hasattr(os, "sync"):
        os.sync()


def measure(
    cmd: list[str], env: dict | None = None, cwd: str | None = None, warm_gib: float = 0, idle: float = 0
) -> tuple[float, float, float, float]:
    """Wall seconds, peak memory (MiB), CPU seconds (user + system) and user
    CPU seconds of a command run in a fresh process (in ``cwd``: ``python -m`` puts the
    working folder first on the path, so it must not be a checkout other
    than the one measured), after :func:`warm` of ``warm_gib`` and then
    ``idle`` seconds of nothing."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "wall = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(r.returncode, wall, u.ru_maxrss / 1024, u.ru_utime + u.ru_stime, u.ru_utime)\n"
    )
    warm(warm_gib)
    time.sleep(idle)
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, check=True, env=env, cwd=cwd
    ).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return float(out[1]), float(out[2]), float(out[3]), float(out[4])


#: runs a command with transparent huge pages off (Linux's PR_SET_THP_DISABLE,
#: which the command inherits) and prints the MiB of the pages it faulted in
FRESH = (
    "import ctypes, resource, subprocess, sys\n"
    "ctypes.CDLL(None).prctl(41, 1, 0, 0, 0)\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(r.returncode, u.ru_minflt * resource.getpagesize() / 2**20)\n"
)


def fresh_mib(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> float | None:
    """The fresh memory (MiB) a command is handed, in a run of its own (see
    the module's docstring); None where it cannot be counted (not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    settle()
    out = subprocess.run(
        [sys.executable, "-c", FRESH, *cmd], capture_output=True, text=True, check=True, env=env, cwd=cwd
    ).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return float(out[1])


def compiled(checkout: Path) -> None:
    """Compile the measured package's bytecode first, as installing a package
    does: an editable install does not, and where PYTHONDONTWRITEBYTECODE is
    set every start would compile the package anew (about 0.2 s), a cost no
    installed robot pays. The floor's pyarrow is compiled too."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "invoicekit")], check=True)


def command_module(checkout: Path) -> str:
    """The module the checkout's console script starts in, for ``python -m``:
    ``invoicekit_command`` since 0.9.4 (it settles arrow's allocator before
    pyarrow loads), an older checkout's ``invoicekit.cli``."""
    return "invoicekit_command" if (checkout / "invoicekit_command.py").exists() else "invoicekit.cli"


def bench(n: int, repeat: int, code: Path | None, warm_gib: float = 0, fresh: bool = True, idle: float = 0) -> dict:
    folder = DATA / f"n{n}"
    if not (folder / "invoices.csv").exists():
        print(f"  generating {n:,} invoices …", file=sys.stderr)
        generate(n, folder)
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    compiled(code or HERE.parent)
    cli = [sys.executable, "-m", command_module(code or HERE.parent), "run"]
    inputs = ["--grants", str(folder / "grants.csv"), "--invoices", str(folder / "invoices.csv"),
              "--support-sheet", str(folder / "stoetteark.xlsx"), "--quiet"]  # fmt: skip
    floors, dry, recorded = [], [], []
    with tempfile.TemporaryDirectory() as tmp:

        def floor_cmd(name: str) -> list[str]:  # a new file each time, as each dry run writes into a new folder
            return [sys.executable, "-c", FLOOR, str(folder / "grants.csv"), str(folder / "invoices.csv"),
                    os.path.join(tmp, name)]  # fmt: skip

        def removed(*paths: str) -> None:
            """What a command wrote, removed once it is measured: left on disk,
            a recorded run's files made the floor after it pay about 1.1 s more
            system time (1.4 s against 0.8 s; measured on 2026-12-03), and each
            command is to start from the same machine."""
            for path in paths:
                if os.path.isdir(path):
                    shutil.rmtree(path)
                elif os.path.exists(path):
                    os.remove(path)

        posted_share = journal_mib = None
        for k in range(repeat):
            floor_out = os.path.join(tmp, f"floor{k}.csv")
            floors.append(measure(floor_cmd(f"floor{k}.csv"), warm_gib=warm_gib, idle=idle))
            removed(floor_out)
            dry_out = os.path.join(tmp, f"dry{k}")
            dry.append(measure([*cli, *inputs, "--dry-run", "--out", dry_out], env, tmp, warm_gib, idle))
            if posted_share is None:
                status = pd.read_csv(os.path.join(dry_out, "decisions.csv"), usecols=["status"])["status"]
                invoices, posted_share = len(status), float((status == "posted").mean())
            removed(dry_out)
            journal, rec_out = os.path.join(tmp, f"j{k}.sqlite"), os.path.join(tmp, f"rec{k}")
            recorded.append(
                measure([*cli, *inputs, "--new-journal", journal, "--out", rec_out], env, tmp, warm_gib, idle)
            )
            if journal_mib is None:
                journal_mib = os.path.getsize(journal) / 2**20
            removed(journal, rec_out)
            print(
                f"  {n:,}: floor {floors[-1][0]:.1f} s, dry run {dry[-1][0]:.1f} s, recorded {recorded[-1][0]:.1f} s",
                file=sys.stderr,
            )
        counted = (
            (
                fresh_mib(floor_cmd("fresh.csv")),
                fresh_mib([*cli, *inputs, "--dry-run", "--out", os.path.join(tmp, "fresh")], env, tmp),
            )
            if fresh
            else (None, None)
        )

    def median(xs):
        return statistics.median(x[0] for x in xs)

    return {
        "invoices": invoices,
        "floor_s": median(floors),
        "dry_s": median(dry),
        "recorded_s": median(recorded),
        "dry_vs_floor": statistics.median(d[0] / f[0] for d, f in zip(dry, floors, strict=True)),
        "floor_cpu_s": statistics.median(x[2] for x in floors),
        "dry_cpu_s": statistics.median(x[2] for x in dry),
        "dry_cpu_vs_floor": statistics.median(d[2] / f[2] for d, f in zip(dry, floors, strict=True)),
        # the work done, whatever the memory cost: system time moves with the host's state
        "dry_user_vs_floor": statistics.median(d[3] / f[3] for d, f in zip(dry, floors, strict=True)),
        "recorded_vs_dry": statistics.median(r[0] / d[0] for r, d in zip(recorded, dry, strict=True)),
        "peak_mib": max(x[1] for x in dry + recorded),
        "floor_peak_mib": max(x[1] for x in floors),
        "journal_mib": journal_mib,
        "floor_fresh_mib": counted[0],
        "dry_fresh_mib": counted[1],
        "posted_share": posted_share,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command per size (medians count)")
    parser.add_argument("--code", type=Path, help="run the invoicekit found here (a checkout) instead")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument(
        "--warm-gib",
        type=float,
        default=3.0,
        help="GiB of memory made resident before each command (0: none; see above)",
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds the machine lies idle before each command, after the warming (memory cold; see above)",
    )
    parser.add_argument(
        "--no-fresh", action="store_true", help="skip the extra runs that count each command's fresh memory"
    )
    args = parser.parse_args()
    rows = [bench(n, args.repeat, args.code, args.warm_gib, not args.no_fresh, args.idle) for n in args.sizes]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    small, large = rows[0], rows[-1]
    per_invoice = (large["dry_s"] / large["invoices"]) / (small["dry_s"] / small["invoices"])
    warmed = f"{args.warm_gib:g} GiB made resident before each" if args.warm_gib > 0 else "memory not warmed"
    if args.idle > 0:
        warmed += f", then {args.idle:g} s idle"
    if args.markdown:
        print(f"Measured on: {machine}, median of {args.repeat} runs in turn, {warmed}\n")
        print(
            "| invoices | floor | run --dry-run | ×floor | CPU: floor, dry run, ×floor | user CPU ×floor | recorded run "
            "| ×dry run | peak memory | journal |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(
                f"| {r['invoices']:,} | {r['floor_s']:.1f} s | {r['dry_s']:.1f} s | {r['dry_vs_floor']:.1f}× | "
                f"{r['floor_cpu_s']:.1f} s, {r['dry_cpu_s']:.1f} s, {r['dry_cpu_vs_floor']:.1f}× | "
                f"{r['dry_user_vs_floor']:.1f}× | "
                f"{r['recorded_s']:.1f} s | {r['recorded_vs_dry']:.2f}× | {r['peak_mib']:,.0f} MiB | "
                f"{r['journal_mib']:.0f} MB |"
            )
        if len(rows) > 1:
            print(f"\nCost per invoice, {large['invoices']:,} against {small['invoices']:,}: {per_invoice:.2f}×")
        for r in rows:
            if r["dry_fresh_mib"] is not None:
                print(
                    f"\nFresh memory at {r['invoices']:,}: floor {r['floor_fresh_mib']:,.0f} MiB, "
                    f"dry run {r['dry_fresh_mib']:,.0f} MiB ({r['dry_fresh_mib'] / r['floor_fresh_mib']:.1f}×)"
                )
    else:
        print(f"{machine}; {warmed}")
        print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
        if len(rows) > 1:
            print(f"cost per invoice, largest against smallest: {per_invoice:.2f}x")


if __name__ == "__main__":
    main()
