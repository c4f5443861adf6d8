"""Reading the extracts, old code against new: the same typed tables, and how fast.

Reads the invoices, grants and support sheet of each benchmark size twice,
each time in a fresh process: once with an older checkout of invoicekit (a git
worktree, given with ``--old``) and once with this one. Asserts that every
typed table and every problems table is identical (columns, dtypes, values,
attrs) and prints the seconds each reader took, old and new.

    git worktree add --detach /tmp/read-old fdffb0f
    python benchmarks/bench_read.py --old /tmp/read-old
    python benchmarks/bench_read.py --old /tmp/read-old --sizes n100000

The data come from ``benchmarks/bench_run.py`` (under benchmarks/data/, not
committed).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
ROOT = HERE.parent

READERS = ("read_invoices", "read_grants", "read_support_sheet")

# Runs in a fresh process with PYTHONPATH pointing at the checkout to measure:
# reads the three extracts of one size, pickles the tables, prints the seconds.
CHILD = """
import json, pickle, sys, time
from pathlib import Path
from invoicekit import extracts
data, out = Path(sys.argv[1]), Path(sys.argv[2])
tables, seconds, cpu = {}, {}, {}
def timed(name, read, *args):
    t, c = time.perf_counter(), time.process_time()
    result = read(*args)
    seconds[name], cpu[name] = time.perf_counter() - t, time.process_time() - c
    return result
def split(result):  # 0.2.0's readers gave DataFrames and (table, problems); later ones typed containers
    if isinstance(result, tuple):
        return result
    return getattr(result, "frame", result), getattr(result, "problems", None)
tables["invoices"] = split(timed("read_invoices", extracts.read_invoices, data / "invoices.csv"))[0]
tables["grants"], tables["grant_problems"] = split(timed("read_grants", extracts.read_grants, data / "grants.csv"))
sheet, tables["sheet_problems"] = split(timed("read_support_sheet", extracts.read_support_sheet, data / "stoetteark.xlsx"))
tables.update(services=sheet.services, suppliers=sheet.suppliers, coding=sheet.coding)
tables = {k: (v, {a: b for a, b in v.attrs.items() if a != "invoicekit"}) for k, v in tables.items()}  # the old tag
out.write_bytes(pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL))
print(json.dumps({"seconds": seconds, "cpu": cpu, "module": extracts.__file__}))
"""


def read_with(checkout: Path, data: Path, tmp: Path) -> tuple[dict, dict]:
    """The tables of one checkout, read in a fresh process, and its wall and
    CPU seconds per reader (CPU counts every thread of the process; on a
    shared machine it varies less than wall time)."""
    out = tmp / f"{checkout.name}-{data.name}.pickle"
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(data), str(out)],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: reading {data} failed:\n{done.stderr}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    module = Path(report["module"]).resolve()
    if not module.is_relative_to(checkout.resolve()):
        raise SystemExit(f"{checkout}: imported {module} instead; is the checkout's package shadowed?")
    tables = pickle.loads(out.read_bytes())
    out.unlink()
    return tables, {"wall": report["seconds"], "cpu": report["cpu"]}


def assert_same(old: dict, new: dict, size: str) -> None:
    assert old.keys() == new.keys(), (size, sorted(old), sorted(new))
    for name, (frame, attrs) in old.items():
        new_frame, new_attrs = new[name]
        try:
            pd.testing.assert_frame_equal(frame, new_frame, check_dtype=True, check_exact=True)
        except AssertionError as exc:
            raise AssertionError(f"{size}: {name} differs: {exc}") from None
        assert attrs == new_attrs, (size, name, attrs, new_attrs)
        # object columns: the same Python types cell by cell (str stays str)
        for col in [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c].dtype)]:
            kinds = frame[col].map(type).value_counts().to_dict()
            new_kinds = new_frame[col].map(type).value_counts().to_dict()
            assert kinds == new_kinds, (size, name, col, kinds, new_kinds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, default=Path("/tmp/read-old"), help="checkout of the older code")
    parser.add_argument("--new", type=Path, default=ROOT, help="checkout of the new code (this one)")
    parser.add_argument("--data", type=Path, default=HERE / "data", help="folder of n<size>/ extracts")
    parser.add_argument("--sizes", nargs="+", default=["n100000", "n1000000"])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            data = args.data / size
            if not data.is_dir():
                raise SystemExit(f"{data}: not found; generate it with benchmarks/bench_run.py")
            old, old_s = read_with(args.old, data, Path(tmp))
            new, new_s = read_with(args.new, data, Path(tmp))
            assert_same(old, new, size)
            del old, new
            for reader in (*READERS, "total"):
                row = [size, reader]
                for kind in ("wall", "cpu"):
                    o = sum(old_s[kind].values()) if reader == "total" else old_s[kind][reader]
                    n = sum(new_s[kind].values()) if reader == "total" else new_s[kind][reader]
                    row += [o, n]
                rows.append(row)
    sys.stdout.write("identical typed tables and problems tables\n\n")
    head = f"{'size':<10} {'reader':<20} {'old wall':>9} {'new wall':>9} {'old/new':>8} {'old cpu':>8} {'new cpu':>8} {'old/new':>8}\n"
    sys.stdout.write(head)
    for size, reader, ow, nw, oc, nc in rows:
        sys.stdout.write(
            f"{size:<10} {reader:<20} {ow:9.2f} {nw:9.2f} {ow / nw:8.1f} {oc:8.2f} {nc:8.2f} {oc / nc:8.1f}\n"
        )


if __name__ == "__main__":
    main()
