"""The command line: ``invoicekit run``, ``invoicekit replay``, and commands
that other packages register under the ``invoicekit.commands`` entry point
(``invoicekit synth`` comes from the ``synthetic`` package that way).

A user's mistake (a missing file, a missing column, an unknown rules key)
prints one line on stderr and exits 2; no traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from invoicekit import __version__
from invoicekit.errors import InputError

RUN_DESCRIPTION = """\
Decide, code and post a batch of invoices, as the robot does.

For every invoice the robot finds, by exclusion, the one grant (bevilling) in
the Sensum extract that explains it (CPR, supplier CVR, period, amount), codes
it from the support sheet (støtteark) and posts it; otherwise it sends the
invoice to manual handling with a reason code and a Danish message for the
caseworker. Every input invoice row gets exactly one row in decisions.csv.

Inputs are .csv (UTF-8 or Windows-1252, ',' or ';', decimal comma or point)
or .xlsx; Danish headers are accepted (see the README).

Exit status: 0 when the run completed (however many invoices went to manual),
2 when an input cannot be used at all (the message names the file, the column
or key and what was expected).
"""

RUN_EPILOG = """\
Outputs written in --out:
  decisions.csv       one row per invoice: status, reason, grant, coding, message
  opus_postings.csv   the posted invoices in OPUS's import layout (';', decimal comma);
                      the only file with full CPR numbers
  opus_notes.csv      the note written in OPUS on each manual invoice
  sensum_paid.csv     the grant periods to mark as paid in Sensum
  input_problems.csv  grant and support-sheet rows left out of matching, and why

Example:
  invoicekit run --grants bevillinger.csv --invoices regninger.csv \\
      --support-sheet stoetteark.xlsx --rules rules.toml \\
      --journal journal.sqlite --out ud/
"""


def _run_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="decide, code and post a batch of invoices",
        description=RUN_DESCRIPTION,
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--grants",
        required=True,
        metavar="PATH",
        help="grants (bevillinger) extracted from Sensum, .csv or .xlsx: grant_id, cpr, service_code, "
        "supplier_cvr, rate, rate_unit, start_date, [end_date], [service_name]",
    )
    p.add_argument(
        "--invoices",
        required=True,
        metavar="PATH",
        help="invoices (regninger), .csv or .xlsx, one row per invoice: invoice_id, supplier_cvr, amount, "
        "[cpr], [period_start], [period_end], [text], [invoice_date], [supplier_name]",
    )
    p.add_argument(
        "--support-sheet",
        required=True,
        metavar="PATH",
        help="the support sheet (støtteark), an .xlsx workbook with the sheets services (Ydelser), "
        "suppliers (Leverandører) and coding (Kontering)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the output files (created if missing)")
    p.add_argument(
        "--rules",
        metavar="PATH",
        help="business rules, a TOML file with any of: tolerance (DKK, default 1.00), max_amount "
        "(DKK, default 100000), paragraphs (default 103, 104, 107, 108, STU), excluded_suppliers "
        "(CVR numbers, default none)",
    )
    p.add_argument(
        "--journal",
        metavar="PATH",
        help="SQLite journal of earlier runs (created if missing): catches invoices and grant periods "
        "handled before, and records this run in one transaction. Without it, only this batch counts",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="test without posting: decide and write the output files, but record nothing in the journal",
    )
    p.add_argument("--quiet", action="store_true", help="print no summary")
    p.set_defaults(handler=cmd_run)


REPLAY_DESCRIPTION = """\
Run the robot month by month on a municipality's extracts, as it would have
run in operation, with one journal, and measure every month.

DIR holds stoetteark.xlsx, sensum/grants-YYYY-MM.csv and
invoices/invoices-YYYY-MM.csv for each month, and optionally rules.toml and
truth.csv (as written by invoicekit synth). Each month's robot outputs go to
OUT/YYYY-MM/; OUT/monthly.csv holds month, invoices, posted, automation_rate,
wrong_postings (posted invoices the truth says were wrong: not to be paid, or
another grant, PSP element or art) and top_reasons.
"""


def _replay_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay",
        help="run the robot month by month on a municipality and measure each month",
        description=REPLAY_DESCRIPTION,
        epilog="Example:\n  invoicekit synth --scenario baseline --seed 1 --out verden/\n"
        "  invoicekit replay verden/ --journal journal.sqlite --out replay/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("world", metavar="DIR", help="the municipality's folder (from invoicekit synth)")
    p.add_argument(
        "--rules",
        metavar="PATH",
        help="business rules (TOML); default: DIR/rules.toml if it exists, else the robot's defaults",
    )
    p.add_argument("--journal", required=True, metavar="PATH", help="a new SQLite journal for the replay's runs")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for each month's outputs and monthly.csv")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    p.set_defaults(handler=cmd_replay)


def _plugin_commands(sub: argparse._SubParsersAction) -> None:
    """Commands other installed packages add (``invoicekit.commands`` entry
    points): each entry point is a function that adds its subparser."""
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group="invoicekit.commands"), key=lambda e: e.name):
        try:
            add = ep.load()
        except ImportError:  # pragma: no cover - a broken plugin must not break the robot
            continue
        add(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="invoicekit",
        description="invoicekit: map, decide, post and follow up social-services invoices.",
    )
    parser.add_argument("--version", action="version", version=f"invoicekit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _run_parser(sub)
    _replay_parser(sub)
    _plugin_commands(sub)
    return parser


def _progress(enabled: bool):
    t0 = time.perf_counter()

    def say(message: str) -> None:
        if enabled:
            print(f"[{time.perf_counter() - t0:6.1f} s] {message} …", file=sys.stderr, flush=True)

    return say


def cmd_run(args: argparse.Namespace) -> int:
    from invoicekit.run import run, summary

    res = run(
        grants=args.grants,
        invoices=args.invoices,
        support_sheet=args.support_sheet,
        out=args.out,
        rules=args.rules,
        journal=args.journal,
        dry_run=args.dry_run,
        progress=_progress(sys.stderr.isatty() and not args.quiet),
    )
    if not args.quiet:
        print(summary(res))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from invoicekit.replay import format_monthly, replay, world_months

    n = len(world_months(args.world))
    with tqdm(total=n, desc="replay", unit="måned", disable=args.quiet or None, file=sys.stderr) as bar:
        monthly = replay(args.world, args.out, args.journal, rules=args.rules, on_month=lambda _m: bar.update(1))
    if not args.quiet:
        print(format_monthly(monthly))
        print(f"Monthly table: {args.out}/monthly.csv; each month's outputs in {args.out}/YYYY-MM/")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from invoicekit.run import OutputsNotMoved

    try:
        return args.handler(args)
    except InputError as exc:
        print(f"invoicekit: error: {exc.line()}", file=sys.stderr)
        return 2
    except OutputsNotMoved as exc:
        print(f"invoicekit: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file we may not read or write: the user's to fix
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"invoicekit: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
