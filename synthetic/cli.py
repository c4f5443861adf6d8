"""``invoicekit synth``: the command is registered with invoicekit's command
line through the ``invoicekit.commands`` entry point, so that invoicekit
itself never imports this package."""

from __future__ import annotations

import argparse
import sys

from invoicekit.cli import QUIET_HELP
from invoicekit.errors import InputError
from invoicekit.identifiers import mask_cpr_text
from synthetic.scenario import MAX_CITIZENS

SYNTH_DESCRIPTION = """\
Generate a synthetic municipality: citizens with replacement CPR numbers
(day + 60, never a real person's), suppliers, grants in Sensum as registered
month by month, the invoices received each month, and the truth behind them.

Files written in --out:
  stoetteark.xlsx                 the support sheet (Ydelser, Leverandører, Kontering)
  sensum/grants-YYYY-MM.csv       the grants as Sensum shows them when the robot runs that month
  invoices/invoices-YYYY-MM.csv   the invoices received that month (Danish or canonical layout)
  oioubl/YYYY-MM/*.xml            the same invoices as OIOUBL 2.1 files (with --oioubl)
  truth.csv                       per invoice: its type, true grant, whether to pay it, true coding, the fix it needs
  opus_history.csv                what the specialists posted, as an OPUS export (';', decimal comma,
                                  dd.mm.yyyy, Danish headers): for evaluate --history
  rules.toml                      the municipality's business rules
  world.json                      the scenario, its parameters and the seed

With --follow-fixes K the loop is closed: each month the robot decides the
month's files, invoicekit actions makes the month's fix list, and the
municipality makes its first K fixes before the next month (a supplier gets
the contact template, a grant is registered, a new rate, a coding row ...).
A support sheet or rules that a fix changes are written again for the month
they hold from:
  stoetteark-YYYY-MM.xlsx         the support sheet from that month on
  rules-YYYY-MM.toml              the business rules from that month on

Then: invoicekit replay --world DIR --new-journal journal.sqlite --out replay/
"""


def add_synth_command(sub: argparse._SubParsersAction) -> None:
    from synthetic.scenario import SCENARIOS

    scenarios = "\n".join(f"  {name:<12} {text}" for name, (_f, text) in SCENARIOS.items())
    p = sub.add_parser(
        "synth",
        help="generate a synthetic municipality to run the robot on",
        description=SYNTH_DESCRIPTION,
        epilog=f"Scenarios (combine with '+', e.g. template+discipline):\n{scenarios}\n\n"
        "Examples:\n  invoicekit synth --scenario baseline --seed 1 --out verden/\n"
        "  invoicekit synth --scenario baseline --seed 3 --follow-fixes 10 --out verden-loop/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--scenario", default="baseline", metavar="NAME", help="scenario name(s) joined by '+' (default baseline)"
    )
    p.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="N",
        help="random seed, 0 to 999999999; the same seed gives the same files (default 1)",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder to write the municipality into: new, empty, or an earlier world (which is replaced)",
    )
    p.add_argument("--start", metavar="YYYY-MM", help="go-live month, the first month the robot runs (default 2018-11)")
    p.add_argument("--months", type=int, metavar="N", help="months to simulate (default 12)")
    p.add_argument(
        "--citizens",
        type=int,
        metavar="N",
        help="citizens in day and residential offers at go-live (default 560, a municipality of about "
        "56,000 inhabitants; the national scenario, 65000, gives a national-scale year of about a million invoices)",
    )
    p.add_argument(
        "--follow-fixes",
        type=int,
        default=0,
        metavar="K",
        help="close the loop: the municipality makes the first K fixes of each month's fix list "
        "(invoicekit actions) before the next month; 0, the default, makes none (the plain world). "
        "Slower: the robot runs every month while the world is made",
    )
    p.add_argument("--oioubl", action="store_true", help="also write every invoice as an OIOUBL 2.1 XML file")
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    p.set_defaults(handler=cmd_synth)


def cmd_synth(args: argparse.Namespace) -> int:
    import re
    from pathlib import Path

    from tqdm import tqdm

    from synthetic import UnknownScenario, parse_scenario, synthesize

    try:
        params = parse_scenario(args.scenario)
    except UnknownScenario as exc:
        raise InputError(None, "--scenario", str(exc)) from None
    if args.start is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.start):
        raise InputError(None, "--start", f"{args.start!r} is not a month; expected YYYY-MM, e.g. 2018-11")
    if args.months is not None and not 1 <= args.months <= 120:
        raise InputError(None, "--months", f"{args.months} is out of range; expected 1 to 120")
    if args.citizens is not None and not 10 <= args.citizens <= MAX_CITIZENS:
        raise InputError(
            None,
            "--citizens",
            f"{args.citizens:,} is out of range; expected 10 to {MAX_CITIZENS:,} (Denmark: about 65,000 for a "
            "million invoices a year)",
        )
    out = Path(args.out)
    months = args.months or params.months
    with tqdm(total=months, desc="synth", unit="month", disable=args.quiet or None, file=sys.stderr) as bar:
        info = synthesize(
            args.scenario,
            seed=args.seed,
            out=out,
            start=args.start,
            months=args.months,
            citizens=args.citizens,
            oioubl=args.oioubl,
            progress=bar.update,
            follow_fixes=args.follow_fixes,
        )
    if not args.quiet:
        n = sum(info["invoices_per_month"].values())
        print(  # the folder's name may read as a CPR number: masked, as every command shows paths
            mask_cpr_text(
                f"Municipality written to {out}/: scenario {args.scenario}, seed {args.seed}, "
                f"{info['citizens']:,} citizens, {info['suppliers']:,} suppliers, {info['grants']:,} grants, "
                f"{n:,} invoices in {len(info['invoices_per_month'])} months"
                + (f"; the top {args.follow_fixes} fixes made each month" if args.follow_fixes else "")
            )
        )
    return 0
