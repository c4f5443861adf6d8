"""Scale measurement for ``invoicekit run --dry-run``.

Generates a municipality's extracts at several sizes (a year of monthly
invoices against about 90,000 grants at the top size), then times the run
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
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

HERE = Path(__file__).parent
DATA = HERE / "data"
GRANTS_AT_FULL_SIZE = 90_000

BASELINE = """
import sys, pandas as pd
grants, invoices, out = sys.argv[1:4]
g = pd.read_csv(grants, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
i = pd.read_csv(invoices, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
m = i.merge(g, left_on="CPR-nr", right_on="cpr", how="left")
m.to_csv(out, index=False)
"""


def _cvr(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct valid CVR numbers."""
    out: list[str] = []
    weights = np.array([2, 7, 6, 5, 4, 3, 2])
    seen = set()
    while len(out) < n:
        digits = rng.integers(0, 10, size=7)
        digits[0] = rng.integers(1, 10)
        check = (-(digits * weights).sum()) % 11
        if check == 10:
            continue
        number = "".join(map(str, digits)) + str(check)
        if number not in seen:
            seen.add(number)
            out.append(number)
    return np.array(out, dtype=object)


def _cpr(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct replacement CPR numbers (day + 60): no real person's number."""
    born = np.datetime64("1940-01-01") + rng.integers(0, 365 * 60, size=n * 2).astype("timedelta64[D]")
    ymd = pd.DatetimeIndex(born)
    seq = rng.integers(0, 4000, size=n * 2)  # 7th digit 0-3: born 1900-1999
    numbers = [
        f"{d + 60:02d}{m:02d}{y % 100:02d}{s:04d}" for d, m, y, s in zip(ymd.day, ymd.month, ymd.year, seq, strict=True)
    ]
    return np.array(list(dict.fromkeys(numbers))[:n], dtype=object)


def generate(n_invoices: int, folder: Path, seed: int = 1) -> None:
    """A year (2019) of invoices against grants scaled to the size."""
    from invoicekit.amounts import expected_amounts

    rng = np.random.default_rng(seed)
    n_grants = max(100, min(GRANTS_AT_FULL_SIZE, n_invoices // 12))
    n_citizens = int(n_grants * 0.7)
    suppliers = _cvr(rng, 300)
    owners = rng.choice(["privat", "kommunal", "regional", "selvejende"], size=len(suppliers))
    services = np.array(["SEL108-BO", "SEL104-AKT", "SEL107-MID", "STU", "SEL103-BE", "SEL97-LED"], dtype=object)
    paragraphs = {
        "SEL108-BO": "108",
        "SEL104-AKT": "104",
        "SEL107-MID": "107",
        "STU": "STU",
        "SEL103-BE": "103",
        "SEL97-LED": "97",
    }
    units = {
        "SEL108-BO": "month",
        "SEL104-AKT": "day",
        "SEL107-MID": "day",
        "STU": "year",
        "SEL103-BE": "week",
        "SEL97-LED": "hour",
    }
    rates = {"month": 28_500, "day": 1_450, "year": 285_000, "week": 2_100, "hour": 420}

    citizens = _cpr(rng, n_citizens)
    g_cpr = np.concatenate([citizens, rng.choice(citizens, n_grants - n_citizens)])
    g_service = rng.choice(services, n_grants, p=[0.35, 0.3, 0.1, 0.1, 0.1, 0.05])
    g_unit = np.array([units[s] for s in g_service], dtype=object)
    g_rate = np.array([rates[u] for u in g_unit]) * (1 + rng.integers(0, 40, n_grants) / 100)
    g_rate = np.round(g_rate, 2)
    g_start = np.datetime64("2015-01-01") + rng.integers(0, 365 * 4, n_grants).astype("timedelta64[D]")
    ended = rng.random(n_grants) < 0.15
    g_end = np.where(
        ended,
        np.datetime64("2019-01-01") + rng.integers(0, 365, n_grants).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    g_supplier = rng.choice(suppliers, n_grants)
    grants = pd.DataFrame(
        {
            "grant_id": [f"B{k:07d}" for k in range(n_grants)],
            "cpr": g_cpr,
            "service_code": g_service,
            "supplier_cvr": g_supplier,
            "rate": [f"{r:.2f}".replace(".", ",") for r in g_rate],
            "rate_unit": g_unit,
            "start_date": pd.DatetimeIndex(g_start).strftime("%d.%m.%Y"),
            "end_date": pd.Series(pd.DatetimeIndex(g_end).strftime("%d.%m.%Y")).fillna("").to_numpy(),
        }
    )

    # invoices: a grant and a month each, mostly right, some with the usual faults
    k = rng.permutation(n_invoices)  # each grant once a month, in random order
    pick = k % n_grants
    month = (k // n_grants) % 12
    start = (np.datetime64("2019-01") + month.astype("timedelta64[M]")).astype("datetime64[D]")
    end = (np.datetime64("2019-01") + (month + 1).astype("timedelta64[M]")).astype("datetime64[D]") - np.timedelta64(
        1, "D"
    )
    rate_units = np.round(g_rate[pick] * 10_000).astype(np.int64)
    expected = expected_amounts(rate_units, g_unit[pick], start, end)
    expected = np.where(expected < 0, rate_units * 20, expected)  # hourly: some hours
    fault = rng.random(n_invoices)
    amount = np.where(fault < 0.08, expected + 50_000 * rng.integers(1, 40, n_invoices), expected)
    amount = np.where((fault > 0.08) & (fault < 0.1), -amount, amount)
    cpr = g_cpr[pick].copy()
    text = np.full(n_invoices, "Ophold", dtype=object)
    no_cpr = (fault > 0.1) & (fault < 0.16)
    cpr[no_cpr] = ""
    text[no_cpr] = (
        "Ophold for "
        + pd.Series(g_cpr[pick][no_cpr]).str.slice(0, 6).to_numpy()
        + "-"
        + pd.Series(g_cpr[pick][no_cpr]).str.slice(6).to_numpy()
    )
    whole, frac = np.divmod(np.abs(amount) // 100, 100)
    sign = np.where(amount < 0, "-", "")
    invoices = pd.DataFrame(
        {
            "Fakturanummer": [f"F{k:08d}" for k in range(n_invoices)],
            "Leverandør CVR": g_supplier[pick],
            "CPR-nr": cpr,
            "Periode fra": pd.DatetimeIndex(start).strftime("%d.%m.%Y"),
            "Periode til": pd.DatetimeIndex(end).strftime("%d.%m.%Y"),
            "Beløb": sign.astype(object)
            + whole.astype(str).astype(object)
            + ","
            + pd.Series(frac).astype(str).str.zfill(2).to_numpy(),
            "Tekst": text,
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    grants.to_csv(folder / "grants.csv", sep=";", index=False)
    invoices.to_csv(folder / "invoices.csv", sep=";", index=False)

    wb = Workbook()
    ws = wb.active
    ws.title = "services"
    ws.append(["service_code", "paragraph", "target_group"])
    for s in services:
        ws.append([s, paragraphs[s], "Udviklingshæmmede"])
    ws = wb.create_sheet("suppliers")
    ws.append(["supplier_cvr", "ownership"])
    for c, o in zip(suppliers, owners, strict=True):
        ws.append([c, o])
    ws = wb.create_sheet("coding")
    ws.append(["paragraph", "ownership", "target_group", "psp_element", "art", "valid_from", "valid_to"])
    for p in sorted(set(paragraphs.values())):
        for o in ("privat", "kommunal", "regional"):  # selvejende suppliers are coded as private
            ws.append([p, o, "Udviklingshæmmede", f"XG-{p}-{o}", "40000000", "2010-01-01", None])
    wb.save(folder / "stoetteark.xlsx")


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
    grants = (folder / "grants.csv").read_text(encoding="utf-8").count("\n") - 1
    return {
        "invoices": n,
        "grants": grants,
        "seconds": wall,
        "invoices_per_second": n / wall,
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
