"""The command line: ``invoicekit run``, ``invoicekit replay``, and commands
that other packages register under the ``invoicekit.commands`` entry point
(``invoicekit synth`` comes from the ``synthetic`` package that way).

A user's mistake (a missing file, a missing column, an unknown rules key)
prints one line on stderr and exits 2; no traceback.

One voice for every command:

- the command line speaks English to the operator (help, progress, summaries,
  errors); Danish is for what caseworkers and finance read: the reports,
  letters, messages and workbooks the commands write. A Danish word in an
  English line is a quoted name of something the user sees in Danish (a
  sheet, a column);
- what a command reads or writes is named by an option (``--world DIR``,
  ``--journal``, ``--out``); the only positional arguments are the lists of
  files a command works through (``convert oioubl``'s XML files). The old
  positional ``replay DIR`` and ``sample evaluate FILE`` still work, with a
  deprecation warning;
- ``--quiet`` means the same everywhere: no progress and no summary on the
  terminal; errors and warnings still go to stderr, and the files are written
  as without it;
- ``run`` and ``replay`` keep a log with ``--log-file PATH`` (appended to, one
  line per event with its time); no log line, and nothing on stderr, holds a
  full CPR number.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import errno
import gc
import logging
import os
import stat
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from invoicekit.columns import POSTING_HISTORY_COLUMNS
from invoicekit.delivery import MANIFEST, STAGING_PREFIX, sha256
from invoicekit.errors import DONE, InputError, OutputError, done_before, first_named
from invoicekit.identifiers import mask_cpr_text, quoted, shown_path, utf8_text
from invoicekit.version import __version__, recorded_before
from invoicekit.vocabulary import CREDIT_NOTE

#: named, not __name__: run as ``python -m invoicekit.cli`` this module is __main__
log = logging.getLogger("invoicekit.cli")

#: what --quiet means, for every command that has it
QUIET_HELP = (
    "print no progress and no summary (errors and warnings still go to stderr); a result printed for want of "
    "--out (tune's table) is printed all the same"
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING")


def _add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)


def _add_log_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--log-file",
        metavar="PATH",
        help="append a log to PATH, one line per event with its time: the run id, inputs (with SHA-256), counts, "
        "the manual reasons, timing and warnings; CPR numbers are masked. Not an input, the journal, a file "
        "named as a run's files (opus_postings.csv, run.json …) or a file in a staging folder",
    )
    p.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=LOG_LEVELS,
        help="how much --log-file holds: DEBUG adds each step (default INFO)",
    )


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
or key and what was expected), 1 when the output files could not be written or
moved into place (a full disk: the message names the file).

What the robot guarantees (see the README): an invoice number (compared without
case, spaces and dashes) or a grant period is paid once; a credit note is never
posted; a run is recorded in the journal whole or not at all; a recorded run's
files are never replaced, and if a run is stopped after recording, the next run
on the journal delivers its files first.
"""

RUN_EPILOG = """\
Outputs written in --out (a new folder for every recorded run):
  decisions.csv       one row per invoice: status, reason, grant, coding, message
  decision_lines.csv  one row per line of a collective invoice decided line by line
                      (--invoice-lines): status, reason, grant, coding; header only
                      when there were none
  opus_postings.csv   the posted invoices in OPUS's import layout (';', decimal comma),
                      with the posting date; the only file with full CPR numbers
  opus_notes.csv      the note written in OPUS on each manual invoice
  sensum_paid.csv     the grant periods to mark as paid in Sensum
  input_problems.csv  grant, support-sheet, invoice-line and paid-mark rows left out
                      of matching (or, for a paid mark, read without its period), and why
  run.json            the run's manifest: run id, journal, inputs and every output
                      file with its SHA-256

Examples:
  invoicekit run --grants bevillinger.csv --invoices regninger.csv \\
      --support-sheet stoetteark.xlsx --rules rules.toml \\
      --new-journal journal.sqlite --out ud/2019-03/
  invoicekit run ... --journal journal.sqlite --out ud/2019-04/    (every later month)
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
        "[cpr], [period_start], [period_end], [text], [invoice_date], [supplier_name], [document_type] "
        "(invoice/credit_note), [currency] (blank = DKK), [prepaid_amount]",
    )
    p.add_argument(
        "--invoice-lines",
        metavar="PATH",
        help="lines of collective invoices (fakturalinjer, samlefakturaer), .csv or .xlsx, one row per line: "
        "invoice_id, supplier_cvr, line_no, amount, [cpr], [period_start], [period_end] (blank: the invoice's), "
        "[text] (CPR and period read from it as for invoices), [currency], [document_type], [prepaid_amount] "
        "(a line in another currency than DKK, a credit line or a prepaid line cannot be used: its invoice goes "
        "to manual, LINES_MISMATCH). An invoice with lines and more than one CPR "
        "number, or none, is posted line by line when every line posts; LINES_MISMATCH when a line has not "
        "exactly one CPR number, the amounts do not add up or the CPR numbers differ from the invoice's",
    )
    p.add_argument(
        "--support-sheet",
        required=True,
        metavar="PATH",
        help="the support sheet (støtteark), an .xlsx workbook with the sheets services (Ydelser), "
        "suppliers (Leverandører) and coding (Kontering)",
    )
    p.add_argument(
        "--paid",
        metavar="PATH",
        help="Sensum's paid marks, .csv or .xlsx: the grant periods marked paid, by the robot or by a "
        "caseworker paying by hand: grant_id, period_start, period_end, [invoice_id], and, for a grant no "
        "longer in the extract, [cpr], [supplier_cvr], [service_code]; a run's own sensum_paid.csv reads as "
        "one. Check 21 counts them as paid beside the journal's postings (ALREADY_PAID), so that an invoice "
        "paid by hand and sent again under a new number is not paid twice. A mark whose period cannot be "
        "read counts for every period of its grant",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for the output files (created if missing); a folder holding a recorded run's files is "
        "refused, so that no payment file is ever replaced",
    )
    p.add_argument(
        "--rules",
        metavar="PATH",
        help="business rules, a TOML file with any of: tolerance (DKK, default 1.00), max_amount "
        "(DKK, default 100000), paragraphs (default 103, 104, 107, 108, STU), excluded_suppliers "
        '(CVR numbers, default none), supplementary_period_end ("MM-DD", default none)',
    )
    journal = p.add_mutually_exclusive_group()
    journal.add_argument(
        "--journal",
        metavar="PATH",
        help="the SQLite journal of earlier runs, which must exist: catches invoices and grant periods "
        "handled before, and records this run in one transaction. Its key file (PATH.key, beside it) must be "
        "there too: it holds the secret the journal's keys are hashed with. A journal of an older version is "
        "upgraded after a backup copy beside it (its secret moved to the key file)",
    )
    journal.add_argument(
        "--new-journal",
        metavar="PATH",
        help="start a journal with this run, and its key file PATH.key beside it, readable by you only: keep the "
        "two together, and hand out the journal alone (refused if the file or its key file exists, or if its "
        "folder does not). Without --journal or --new-journal only this batch counts and nothing is recorded",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="test without posting: decide (seeing --journal, if given) and write the output files, but record "
        "nothing in the journal",
    )
    _add_log_options(p)
    _add_quiet(p)
    p.set_defaults(handler=cmd_run)


REPLAY_DESCRIPTION = """\
Run the robot month by month on a municipality's extracts, as it would have
run in operation, with one journal, and measure every month.

--world DIR holds stoetteark.xlsx, sensum/grants-YYYY-MM.csv and
invoices/invoices-YYYY-MM.csv for each month, and optionally rules.toml,
truth.csv (as written by invoicekit synth) and invoices/invoice-lines-YYYY-MM.csv
(the lines of that month's collective invoices: run --invoice-lines). A
support sheet or rules changed during the year are given as
stoetteark-YYYY-MM.xlsx and rules-YYYY-MM.toml, each used from its month on
(as invoicekit synth --follow-fixes writes them); one dated outside the world's
months is named in a warning. Names are matched without case, as on Windows
(Stoetteark-2019-03.xlsx is stoetteark-2019-03.xlsx); two that differ only in
case are refused. Each month's robot outputs go to
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
        "  invoicekit replay --world verden/ --new-journal journal.sqlite --out replay/ --log-file replay.log",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--world", metavar="DIR", help="the municipality's folder (from invoicekit synth); required")
    p.add_argument("world_positional", nargs="?", metavar="DIR", help=argparse.SUPPRESS)  # deprecated spelling
    p.add_argument(
        "--rules",
        metavar="PATH",
        help="business rules (TOML) for every month; default: DIR/rules.toml (and DIR/rules-YYYY-MM.toml "
        "from their months) if it exists, else the robot's defaults",
    )
    p.add_argument(
        "--new-journal",
        required=True,
        metavar="PATH",
        help="the journal the replay starts, with its key file PATH.key beside it (refused if either exists: a "
        "replay runs from go-live; its folder must exist)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for each month's outputs and monthly.csv")
    p.add_argument(
        "--paid",
        action="store_true",
        help="give each month's run Sensum's paid marks of that month (DIR/sensum/paid-YYYY-MM.csv, as run --paid): "
        "a period paid by hand is then not paid again by the robot. Off by default, as the robot of the case ran "
        "without them",
    )
    _add_log_options(p)
    _add_quiet(p)
    _required_in_usage(p, "--world DIR")  # once every option is there
    p.set_defaults(handler=cmd_replay)


def _history_help() -> str:
    """``evaluate --help`` on the posting history, its columns from where they are defined."""
    required = [c for c in POSTING_HISTORY_COLUMNS if c.required]
    optional = [c for c in POSTING_HISTORY_COLUMNS if not c.required]

    def named(columns: list) -> str:
        return "; ".join(f"{c.name} ({', '.join(c.aliases)})" for c in columns)

    paragraphs = (
        "With --history instead of a truth: what the specialists posted, an OPUS export of posted supplier "
        "invoices (e.g. last year's), one row per posting line, CSV or xlsx. Columns (also accepted): "
        f"{named(required)}. Optional: {named(optional)}.",
        "Invoices are found by supplier CVR and invoice number (compared as the duplicate check compares them); "
        "the lines of one number are summed per PSP element and art (a reversed posting cancels). No grant is "
        "compared: a posting is right when the specialists posted the same PSP element, art and amount (to the "
        "øre), and wrong when they posted otherwise or never paid the invoice. The history must cover the period "
        "decided. Also writes DIR/history_only.csv (the history's invoices no decision holds) and "
        "DIR/history_problems.csv (its rows that could not be read); a history whose rows mostly cannot be read, "
        "or that holds none of the invoices decided, is refused (exit 2).",
    )
    return "\n\n".join(textwrap.fill(p, width=90) for p in paragraphs)


def _evaluate_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="compare the robot's decisions with the truth: automation, errors, wrong postings",
        description="Compare the robot's decisions with the truth: a synthetic world's truth.csv, or the\n"
        "postings a specialist made by hand beside the robot in a test without posting (columns\n"
        "supplier_cvr, invoice_id, should_pay, true_grant_id, true_psp_element, true_art).\n"
        "Each invoice counts once, at its first decision, with one outcome: posted_right,\n"
        "posted_wrong, manual_payable (payable but held: an upper bound on what could be won) or manual_held.\n\n"
        "Writes DIR/evaluation.csv (every invoice, its outcome and why) and DIR/evaluation.xlsx\n"
        "(Oversigt, Fakturaer, Fejlposteringer), and prints the figures with the error rate of\n"
        "automatic postings and its 95 % confidence interval (Clopper-Pearson).\n\n" + _history_help(),
        epilog="Examples:\n  invoicekit evaluate --world verden/ --out evaluering/\n"
        "  invoicekit evaluate --decisions test1/decisions.csv test2/decisions.csv --truth manuelt.csv --out evaluering/\n"
        "  invoicekit evaluate --world verden/ --history opus_2019.csv --out evaluering/\n"
        "  invoicekit evaluate --decisions test/*/decisions.csv --history opus_2019.xlsx --out evaluering/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--world",
        metavar="DIR",
        help="a world folder (invoicekit synth): replayed in memory and compared with its truth.csv",
    )
    p.add_argument("--rules", metavar="PATH", help="with --world: business rules (default: the world's rules.toml)")
    p.add_argument(
        "--decisions",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="decisions.csv files from test runs, oldest first (after one --decisions, or each after its own)",
    )
    p.add_argument(
        "--truth", metavar="FILE", help="with --decisions: the truth (truth.csv, or the specialist's postings)"
    )
    p.add_argument(
        "--history",
        metavar="FILE",
        help="instead of a truth: what the specialists posted, an OPUS export of posted supplier invoices "
        "(see above); with --world or --decisions",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for evaluation.csv and evaluation.xlsx")
    _add_quiet(p)
    p.set_defaults(handler=cmd_evaluate)


def _tune_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tune",
        help="weigh business rules: automation against wrong postings, over a grid of rule sets",
        description="Replay a world under every rule set of a grid (every combination of the values) and\n"
        "evaluate each against the truth. Prints automation against the error rate of automatic\n"
        "postings, marks the Pareto front, and recommends the rule set with the highest automation\n"
        "whose error rate is at most --max-error. With --out, writes tuning.csv, tuning.xlsx and\n"
        "tuning.png there; without it, prints the table and writes nothing.",
        epilog="Grid: key=value,value;key=value. Keys: tolerance, max_amount (DKK), paragraphs and\n"
        "excluded_suppliers (lists: items joined by '+', '-' for none).\n\nExample:\n"
        '  invoicekit tune --world verden/ --grid "tolerance=0,1,5,25;max_amount=25000,100000;'
        'paragraphs=103+104+107+108+STU,103+104+107+108+STU+97" --max-error 0.5% --out tuning/',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--world", required=True, metavar="DIR", help="a world folder with truth.csv (invoicekit synth)")
    p.add_argument(
        "--grid",
        required=True,
        action="append",
        metavar="GRID",
        help="the rule sets to try (see below); given again, its rules join the grid",
    )
    p.add_argument(
        "--max-error",
        default="0.5%",
        metavar="RATE",
        help="highest acceptable error rate of automatic postings: a percentage with %% (0.5%%) or a share "
        "(0.005; a bare 0.5 is 50%%) (default 0.5%%)",
    )
    p.add_argument("--rules", metavar="PATH", help="the rules not in the grid (default: the world's rules.toml)")
    p.add_argument(
        "--out", metavar="DIR", help="folder for tuning.csv, tuning.xlsx and tuning.png (default: none, print only)"
    )
    _add_quiet(p)
    p.set_defaults(handler=cmd_tune)


def _explain_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="show why one invoice was posted or sent to manual: the funnel of candidate grants",
        description="Decide the batch and explain one invoice: every grant with the citizen's CPR, the\n"
        "check that excluded each and why (supplier, period, hourly rate, expected against invoiced\n"
        "amount), the coding rows considered, and the final reason with the caseworker's message.\n"
        "CPR numbers are masked.",
        epilog="Example:\n  invoicekit explain --grants bevillinger.csv --invoices regninger.csv "
        "--support-sheet stoetteark.xlsx --invoice-id KIL-202",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--grants", required=True, metavar="PATH", help="grants from Sensum (.csv or .xlsx)")
    p.add_argument("--invoices", required=True, metavar="PATH", help="the invoice batch (.csv or .xlsx)")
    p.add_argument("--support-sheet", required=True, metavar="PATH", help="the support sheet (.xlsx)")
    p.add_argument("--invoice-id", required=True, metavar="X", help="the invoice number to explain (every row with it)")
    p.add_argument(
        "--rules",
        metavar="PATH",
        help="business rules (TOML; default the robot's defaults, or the rules of the journal's run of this file)",
    )
    p.add_argument(
        "--journal",
        metavar="PATH",
        help="the journal, so earlier runs count (read only); when it recorded a run of this very invoice "
        "file, the invoice is decided as that run decided it: against the runs before it, with the rules it "
        "recorded (unless --rules is given, which is then said). Its key file (PATH.key) must be beside it",
    )
    p.add_argument(
        "--invoice-lines", metavar="PATH", help="the invoice lines the run was given, for a collective invoice"
    )
    p.add_argument("--paid", metavar="PATH", help="Sensum's paid marks the run was given (run --paid)")
    p.add_argument("--chart", metavar="PNG", help="also save the funnel as a chart (.png)")
    p.set_defaults(handler=cmd_explain)


def _sample_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample",
        help="sample control of automatic postings: size, draw and evaluate (ISA 530)",
        description="Attribute sampling of the robot's automatic postings.\n\n"
        "  sample size      the sample size for a confidence and a tolerable error rate\n"
        "  sample draw      draw the sample from a month's postings in the journal, as a control sheet\n"
        "  sample evaluate  read the filled-in sheet: errors found and the upper bound on the error rate",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ss = p.add_subparsers(dest="sample_command", metavar="STEP")
    ss.required = True

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--confidence", default="0.95", metavar="C", help="confidence, e.g. 0.95 or 95%% (default 0.95)")
        q.add_argument(
            "--tolerable", default="0.05", metavar="P", help="tolerable error rate, e.g. 0.05 or 5%% (default 0.05)"
        )
        q.add_argument(
            "--expected-errors", type=int, default=0, metavar="K", help="errors allowed in the sample (default 0)"
        )

    q = ss.add_parser(
        "size",
        help="print the sample size",
        description="The attribute sample size: 59 at 95 % confidence and 5 % tolerable error with no\n"
        "errors expected, 93 and 124 with 1 and 2; hypergeometric with --population.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common(q)
    q.epilog = "Examples:\n  invoicekit sample size\n  invoicekit sample size --confidence 90% --tolerable 10% --expected-errors 1"
    q.add_argument(
        "--population",
        type=int,
        metavar="N",
        help="postings to sample from, for a small population (at most 1,000,000,000)",
    )
    q.set_defaults(handler=cmd_sample_size)
    q = ss.add_parser(
        "draw",
        help="draw the sample from a month's automatic postings into a control sheet",
        description="Draw a reproducible sample of one month's automatic postings from the journal and\n"
        "write a control sheet (xlsx): one row per posting with the fields to check and a column\n"
        "for the finding (ja/nej). The month's runs are those whose invoice extract is named for\n"
        "it (invoices-2019-04.csv, as in a replay) and, of those named for no month, those started\n"
        "in it: the month the follow-up counts a run in.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    q.add_argument("--journal", required=True, metavar="PATH", help="the robot's journal")
    q.add_argument("--month", required=True, metavar="YYYY-MM", help="the month whose postings are sampled")
    common(q)
    q.add_argument(
        "--seed",
        type=_seed,
        default=1,
        metavar="N",
        help="random seed (0 to 4294967295); the same seed draws the same sample (default 1)",
    )
    q.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the control sheet to write, a new file (one that exists is never replaced), e.g. control.xlsx",
    )
    q.epilog = "Example:\n  invoicekit sample draw --journal journal.sqlite --month 2019-03 --out kontrol-2019-03.xlsx"
    q.set_defaults(handler=cmd_sample_draw)
    q = ss.add_parser(
        "evaluate",
        help="read a filled-in control sheet and bound the error rate",
        description="Read a control sheet from invoicekit sample draw, every finding filled in (ja/nej),\n"
        "and bound the error rate of the month's automatic postings: the errors found and the\n"
        "one-sided upper bound at the sheet's confidence (hypergeometric on the month's postings the\n"
        "sheet was drawn from; Clopper-Pearson for a sheet that gives none). The sample is accepted\n"
        "when the upper bound is below the tolerable error rate the sheet was drawn for. A sheet\n"
        "with rows or lines of Oplysninger added, removed or given twice is refused.",
        epilog="Example:\n  invoicekit sample draw --journal journal.sqlite --month 2019-03 --out kontrol-2019-03.xlsx\n"
        "  invoicekit sample evaluate --control kontrol-2019-03.xlsx --journal journal.sqlite",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    q.add_argument("--control", metavar="FILE", help="the control sheet, every finding filled in (ja/nej); required")
    q.add_argument(
        "--journal",
        metavar="PATH",
        help="the journal the sheet was drawn from: every row must be one of its automatic postings in the "
        "sheet's month, drawn again with the sheet's seed, and the sheet's population their count (read only)",
    )
    q.add_argument("control_positional", nargs="?", metavar="FILE", help=argparse.SUPPRESS)  # deprecated spelling
    _required_in_usage(q, "--control FILE")  # once every option is there
    q.set_defaults(handler=cmd_sample_evaluate)


CONVERT_DESCRIPTION = """\
Convert e-invoices into an invoice extract the robot reads.

  convert oioubl   OIOUBL 2.0x/2.1, OIOUBL 3 and Peppol BIS Billing 3.0 invoices and
                   credit notes, in UBL or UN/CEFACT CII (XML)
"""

OIOUBL_DESCRIPTION = """\
Read e-invoices and credit notes (OIOUBL 2.0x/2.1, OIOUBL 3 and Peppol BIS
Billing 3.0; UBL or UN/CEFACT CII XML) into one invoice extract in the robot's
columns, and with --lines-out an invoice lines extract (one row per invoice
line) for posting collective invoices line by line.

  invoice_id      the document's number; blank or placeholder numbers
                  (___ignore___) are refused
  amount          the total including VAT before prepayment and rounding
                  (UBL TaxInclusiveAmount, CII GrandTotalAmount), as written:
                  positive for a credit note, which document_type names
  prepaid_amount  PrepaidAmount / TotalPrepaidAmount (the robot leaves a
                  prepaid invoice to a caseworker)
  currency        DocumentCurrencyCode / InvoiceCurrencyCode (the robot posts DKK only)
  vat_amount, payable_amount
                  for people to see: the VAT (TaxTotal) and the amount asked for
  supplier_cvr    the supplier's legal entity, endpoint or party identifier with
                  scheme DK:CVR, 0184 or 9902 (Peppol's former code);
                  DK prefix and spaces removed
  period          the document's invoice period, else the lines' when they
                  agree, else a period written in the text
  cpr             CPR numbers in the notes, the lines' notes, descriptions, names
                  and item properties, the names of parties other than the
                  supplier's, and any identifier with scheme DK:CPR or 0237
  text            the notes and the lines' descriptions, joined by ' | '
  format          OIOUBL 2.1, OIOUBL 3, Peppol BIS 3, CII …
  source, lines   the file and its number of lines

A line's amount is its net amount plus its VAT (exactly the invoice's amount
for VAT-exempt social services); its CPR and period are the ones the line
itself carries (a blank period means the invoice's).

Reminders, order responses, application responses and other documents that
are not invoices or credit notes are refused, one line each naming what they
are. Values the robot validates (CVR, CPR, amount, dates) are left as read: a
bad value becomes a manual decision with its reason, not a lost invoice. XML is
read with defusedxml, and a document type declaration (DTD: entities,
attribute defaults, external references) is refused; a file over 100 MB or
with over a million '=' signs (attributes) is refused unread, and one nesting
elements more than 100 deep or holding over a million elements as it is read.

Exit status: 0 when every file was converted; 1 when some were refused, a zip
archive among them (each is named on stderr with the reason; the others are
still written; other files not named *.xml, such as PDFs, are named in a
warning); 2 when a
path does not exist, no XML file was found, or --out or --lines-out is not
.csv or .xlsx.
"""


def _convert_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "convert",
        help="convert e-invoices (OIOUBL, Peppol) into an invoice extract",
        description=CONVERT_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cs = p.add_subparsers(dest="convert_command", metavar="FORMAT")
    cs.required = True
    q = cs.add_parser(
        "oioubl",
        help="OIOUBL 2.x/3 and Peppol BIS 3 invoices and credit notes (UBL or CII)",
        description=OIOUBL_DESCRIPTION,
        epilog="Example:\n  invoicekit convert oioubl indbakke/ --out regninger.csv --lines-out fakturalinjer.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    q.add_argument("paths", nargs="+", metavar="PATH", help="XML files, or folders searched recursively for *.xml")
    q.add_argument("--out", required=True, metavar="FILE", help="the invoice extract to write: .csv (UTF-8) or .xlsx")
    q.add_argument(
        "--lines-out",
        metavar="FILE",
        help="also write the invoice lines extract (for run --invoice-lines): .csv (UTF-8) or .xlsx",
    )
    _add_quiet(q)
    q.set_defaults(handler=cmd_convert_oioubl)


TYPES_DESCRIPTION = """\
Map the invoice types of one or more invoice extracts: how many of each kind,
their share of the amount, how standardised each kind and each supplier is
(share with a CPR number, with a period, with a single citizen) and, given the
robot's decisions, how much of each kind it posted.

With --labels (a labelled sample: invoice_id and invoice_type, plus
supplier_cvr, or month/file and row, where numbers repeat) a classifier learns
the types and predicts the rest; its macro F1, cross-validated on the sample,
is printed and written. Without labels the invoices are grouped by clustering,
each group named by its top terms.

Types worth telling apart: residential_monthly, daily_rate, day_offer, stu,
hourly_97, collective, extras, back_payment, credit_note, duplicate (any names
may be used in the labels).

Which types are in scope (the robot can take them): one of the types above by
its rule (a fixed rate: residential_monthly, daily_rate, day_offer, stu, with at
least 70 % of its invoices for a single citizen); any other type or group by
what the robot did, in scope where it posted at least half (needs
--decisions); else undecided, and the summary says so.
"""

TYPES_EPILOG = """\
Outputs written in --out:
  types.csv          every invoice: file, row, supplier_cvr, invoice_id, invoice_type
                     (with labels also: labelled, confidence)
  type_table.csv     per type: invoices, shares of count and amount, with_cpr,
                     with_period, single_citizen, [posted_share], in_scope
                     (empty where undecided) and scope_basis (rule, posted, undecided)
  suppliers.csv      per supplier: the standardisation score (0-100) and the
                     non-standard invoices; the first need the contact template most
  quality.csv        (with labels) precision, recall and F1 per type, cross-validated
  clusters.csv       (without labels) each group's size and top terms
  types.xlsx         the same tables with Danish headers
  types.png, standardisation.png, suppliers.png, [confusion.png]

Example:
  invoicekit types --invoices regninger-*.csv --labels stikproeve.xlsx \\
      --decisions ud/decisions.csv --out typer/
"""


def _types_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "types",
        help="map the invoice types of an extract, by labels or clustering",
        description=TYPES_DESCRIPTION,
        epilog=TYPES_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--invoices",
        required=True,
        nargs="+",
        action="extend",
        metavar="FILE",
        help="one or more invoice extracts (.csv or .xlsx, as for invoicekit run), in the order received "
        "(after one --invoices, or each after its own)",
    )
    p.add_argument(
        "--labels",
        metavar="FILE",
        help="a labelled sample (.csv or .xlsx): invoice_id, invoice_type and, where numbers repeat, "
        "supplier_cvr or month/file and row; without it the invoices are clustered",
    )
    p.add_argument(
        "--decisions",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="the robot's decisions.csv for the extracts (one per extract, same order), for the share posted "
        "(after one --decisions, or each after its own)",
    )
    p.add_argument(
        "--grants",
        metavar="FILE",
        help="a Sensum grant extract: adds whether the amount is a whole multiple of the citizen's grant rate",
    )
    p.add_argument(
        "--clusters", type=int, metavar="K", help="without labels: the number of groups (default: chosen by silhouette)"
    )
    p.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="N",
        help="random seed for clustering and folds, 0 to 4294967295 (default 0)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the tables and figures (created if missing)")
    _add_quiet(p)
    p.set_defaults(handler=cmd_types)


ACTIONS_DESCRIPTION = """\
Next month's work: who must fix what so that invoices pass, ranked by what it
wins.

Every manual invoice of the month gets an owner (caseworker, administration,
supplier, finance, it) and a Danish action; invoices one change would let
through are grouped into a fix, with the invoices it would unlock and the
points of automation it would win (unlocked / all invoices of the month x 100),
largest first. A fix is proposed only on evidence: a new rate when invoices of
one supplier and service miss their grants by the same factor from a date on
(a mismatch that varies invoice by invoice, or whole days billed, is none); a
grant to extend, create or move to the right supplier; a row the support sheet
lacks; the contact template for a supplier whose invoices lack CPR number,
period or one citizen per invoice; a rule (maximum amount, tolerance) only
when the invoices show it too narrow.

Fix keys: rate:<cvr>:<service>:<YYYY-MM-DD>, grant_rate:<grant_id>, grant_period:<grant_id>,
grant_missing:<DDMMYY-xxxx>:<cvr>, grant_supplier:<grant_id>,
coding:<paragraph>:<ownership>:<target group>, coding_service:<service>,
coding_supplier:<cvr>, template:<cvr>, rule:max_amount, rule:tolerance.

Exit status: 0 when the list was written, 2 when an input cannot be used (one
line names the file or option and what was expected), 1 when a file could not
be written.
"""

ACTIONS_EPILOG = """\
Written in --out:
  actions.csv           one row per fix: fix_key, owner, action, invoices, points
  action_invoices.csv   each linked invoice once: fix_key, month, row, invoice_id,
                        supplier_cvr (month and row as in the replay's folders)
  actions.xlsx          one sheet per owner (Danish), and every manual invoice
  breve/<cvr>.docx      a letter to each supplier to send the contact template
  kontaktskabelon.docx  the template the letters were made from: edit it in Word
                        and give it back with --template
CPR numbers appear masked (DDMMYY-xxxx) in every file.

Example:
  invoicekit actions --journal journal.sqlite --grants bevillinger-2019-03.csv \\
      --support-sheet stoetteark.xlsx --month 2019-03 --out opgaver/2019-03/
"""


def _actions_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "actions",
        help="next month's fix list: who must fix what, ranked by the points it wins",
        description=ACTIONS_DESCRIPTION,
        epilog=ACTIONS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--journal", required=True, metavar="PATH", help="the robot's journal (SQLite)")
    p.add_argument(
        "--grants",
        metavar="FILE",
        help="the month's Sensum grant extract (as for invoicekit run): needed to find new rates, grant periods "
        "and grants registered at another supplier",
    )
    p.add_argument(
        "--support-sheet",
        metavar="FILE",
        help="the support sheet (støtteark, .xlsx): needed to name the rows it lacks (NO_CODING)",
    )
    p.add_argument(
        "--month",
        metavar="YYYY-MM",
        help="the month whose manual invoices to act on (default: the journal's last month); earlier months "
        "are read as evidence",
    )
    p.add_argument(
        "--template",
        metavar="FILE",
        help="the municipality's contact template (.docx) with {{placeholders}} (default: the one shipped; "
        "written as kontaktskabelon.docx to edit)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the files (created if missing)")
    _add_quiet(p)
    p.set_defaults(handler=cmd_actions)


REPORT_DESCRIPTION = """\
Reports managers open: a self-contained HTML file (charts embedded, opens
offline in a browser) and a formatted workbook with the same tables.

  report followup        the automation rate per month against the target, the
                         manual reasons, suppliers, paragraphs and services
  report business-case   scenario 0 against scenario 1: NPV, payback, tornado,
                         Monte Carlo, after the state's business case model
"""

FOLLOWUP_DESCRIPTION = """\
Follow up on the robot from its journal: the automation rate per month against
the target, the manual reasons as a Pareto chart (overall and for the last
month) with what each costs in points of automation, per supplier (volume,
automation rate, main reason, and those whose invoices would gain most from the
contact template), per paragraph and per service, the wrong postings found
(--truth or --control) and the hours saved so far.

Each invoice counts once, at its first decision. A run belongs to the month its
invoice extract is named for (invoices-2019-03.csv), else the month it started.
Writes followup.html and followup.xlsx in --out (made if missing).

Exit status: 0 when the report was written, 2 when an input cannot be used (one
line names the file or option and what was expected), 1 when a file could not
be written.
"""

BUSINESS_CASE_DESCRIPTION = """\
The robot's business case after the Danish state's business case model:
scenario 0 (manual) against scenario 1 (robot), costs and benefits per year,
net present value, payback, hours and FTE freed, the break-even automation
rate, a tornado chart and a Monte Carlo simulation over the three-point
estimates, non-economic benefits and risks.

Every parameter in --config is a number or [low, likely, high]; see
--print-config for all of them with their defaults. With --journal, what the
journal knows is measured in it unless the config sets it: the invoices a year
(every full month, scaled to twelve) and the automation rate (the last three
full months); as low and high, the range the config gives as [low, high], else
a 95 % confidence interval from the journal's counts. With --truth beside
--journal, the share of the journal's automatic postings the truth says were
wrong is measured too (error_rate; each wrong posting costs its correction).
The report says which figures were measured, over which months, and which
assumed. Writes business-case.html, business-case.xlsx and
business-case.json (npv, payback_months, hours_saved_per_year, fte,
break_even_automation_rate, npv_p10, npv_p50, npv_p90,
probability_npv_positive) in --out.
"""


FOLLOWUP_EXAMPLES = """\
  invoicekit report followup --journal journal.sqlite --out rapporter/
  invoicekit report followup --journal journal.sqlite --truth verden/truth.csv --target 60% \\
      --grants bevillinger-2019-03.csv --support-sheet stoetteark.xlsx --out rapporter/
  invoicekit report followup --journal journal.sqlite --control kontrol-2019-03.xlsx --out rapporter/
"""

BUSINESS_CASE_EXAMPLES = """\
  invoicekit report business-case --print-config > business-case.toml
  invoicekit report business-case --config business-case.toml --journal journal.sqlite --out rapporter/
  invoicekit report business-case --journal journal.sqlite --truth verden/truth.csv --out rapporter/
"""


def _report_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="follow-up and business-case reports (HTML and xlsx)",
        description=REPORT_DESCRIPTION,
        epilog=f"Examples:\n{FOLLOWUP_EXAMPLES}{BUSINESS_CASE_EXAMPLES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rs = p.add_subparsers(dest="report_command", metavar="REPORT")
    rs.required = True
    q = rs.add_parser(
        "followup",
        help="the automation rate and what holds it back, from the journal",
        description=FOLLOWUP_DESCRIPTION,
        epilog=f"Examples:\n{FOLLOWUP_EXAMPLES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    q.add_argument("--journal", required=True, metavar="PATH", help="the robot's journal (SQLite)")
    q.add_argument(
        "--truth",
        metavar="FILE",
        help="the truth (a world's truth.csv, or a specialist's postings in its columns) to count wrong postings",
    )
    q.add_argument(
        "--control",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="filled-in control sheets from invoicekit sample draw (after one --control, or each after its own)",
    )
    q.add_argument("--target", default="0.50", metavar="RATE", help="the target automation rate (default 0.50)")
    q.add_argument(
        "--config",
        metavar="FILE",
        help="business-case TOML whose minutes and hourly cost value the hours saved (default: its defaults)",
    )
    q.add_argument(
        "--grants",
        metavar="FILE",
        help="the last month's Sensum grant extract: more fixes in 'Næste måneds opgaver' (new rates, grant periods)",
    )
    q.add_argument(
        "--support-sheet",
        metavar="FILE",
        help="the support sheet (støtteark): names the coding rows it lacks in 'Næste måneds opgaver'",
    )
    q.add_argument(
        "--out", required=True, metavar="DIR", help="folder for followup.html and followup.xlsx (created if missing)"
    )
    _add_quiet(q)
    q.set_defaults(handler=cmd_report_followup)
    q = rs.add_parser(
        "business-case",
        help="NPV, payback, tornado and Monte Carlo of the robot",
        description=BUSINESS_CASE_DESCRIPTION,
        epilog=f"Examples:\n{BUSINESS_CASE_EXAMPLES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    q.add_argument("--config", metavar="FILE", help="the business-case TOML (default: every parameter at its default)")
    q.add_argument(
        "--journal", metavar="PATH", help="the robot's journal, to measure the invoices a year and the automation rate"
    )
    q.add_argument(
        "--truth",
        metavar="FILE",
        help="the truth of the journal's invoices (as evaluate reads it), to measure the share of automatic "
        "postings that were wrong (error_rate); needs --journal",
    )
    q.add_argument("--print-config", action="store_true", help="print a commented default config and stop")
    q.add_argument("--out", metavar="DIR", help="folder for the reports (required unless --print-config)")
    _add_quiet(q)
    q.set_defaults(handler=cmd_report_business_case)


def _plugin_commands(sub: argparse._SubParsersAction) -> None:
    """Commands other installed packages add (``invoicekit.commands`` entry
    points): each entry point is a function that adds its subparser."""
    from importlib.metadata import entry_points  # lazily, for start-up speed: only a plugin's command needs it

    for ep in sorted(entry_points(group="invoicekit.commands"), key=lambda e: e.name):
        try:
            add = ep.load()
        except ImportError:  # pragma: no cover - a broken plugin must not break the robot
            continue
        add(sub)


class _Parser(argparse.ArgumentParser):
    """argparse, whose own error lines (which echo what was typed) never show a CPR number."""

    def error(self, message: str):  # type: ignore[override]
        super().error(mask_cpr_text(message))


def _seed(text: str) -> int:
    """A ``--seed``: a whole number numpy and scikit-learn both take."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{mask_cpr_text(text)!r}: expected a whole number from 0 to {2**32 - 1}")
    # as typed, as read, and as a number that lost a leading zero (0109812073 read as 109812073)
    read = [t for t in (text.strip(), str(value), str(value).zfill(10)) if mask_cpr_text(t) != t]
    if read:
        # the seed is written into the control sheet (sample evaluate draws again with it), unmasked
        raise argparse.ArgumentTypeError(
            f"{mask_cpr_text(read[-1])!r} reads as a CPR number, and the seed is written into the files; choose another"
        )
    return value


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser for ``argv`` (the words after ``invoicekit``).

    The commands other packages register are looked up only when ``argv``
    does not begin with a built-in command: the look-up scans every installed
    package's metadata and imports the plugin (``synth`` imports the whole
    ``synthetic`` package), which is most of the start-up time of
    ``invoicekit run`` that the run itself does not need. ``invoicekit
    --help``, a plugin's command, a mistyped command and ``argv=None`` get
    every command."""
    parser = _Parser(
        prog="invoicekit",
        description="invoicekit: map, decide, post and follow up social-services invoices.",
    )
    parser.add_argument("--version", action="version", version=f"invoicekit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _run_parser(sub)
    _replay_parser(sub)
    _evaluate_parser(sub)
    _tune_parser(sub)
    _explain_parser(sub)
    _sample_parser(sub)
    _convert_parser(sub)
    _types_parser(sub)
    _report_parser(sub)
    _actions_parser(sub)
    if not argv or argv[0] not in sub.choices:
        _plugin_commands(sub)
    _paths_named(parser)
    return parser


#: the options that name a file or a folder, by their metavar
PATH_METAVARS = frozenset({"DIR", "FILE", "PATH", "PNG"})


def _named_path(text: str) -> str:
    """A path option's value: not blank (``--out ""``, an unset shell variable,
    meant the current folder, and a run was recorded into it), with a ``~``
    first read as the home folder, as the shell reads it where it sees one
    (``--out=~/ud`` it does not: the files went into a folder named ``~``, an
    attack on 0.9.38)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is blank; expected the name of a file or a folder")
    return os.path.expanduser(text) if text.startswith("~") else text


class _Once(argparse._StoreAction):
    """An option that takes one value, given once: argparse kept the last of
    two without a word, so ``run --paid a.csv --paid b.csv`` read ``b.csv``
    alone and paid again what ``a.csv`` marked paid, and a second
    ``--invoices`` left the first extract's invoices undecided (an attack on
    0.9.38). A second one is noted here and refused by :func:`main`, in one
    line (:func:`refuse_repeated`)."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        seen = namespace.__dict__.setdefault(_SEEN, set())
        if self.dest in seen:
            namespace.__dict__.setdefault(REPEATED, {}).setdefault(
                self.dest, (option_string, getattr(namespace, self.dest), values)
            )
        seen.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


#: the namespace attributes that hold the options of one value given so far, and those given twice (:class:`_Once`)
_SEEN, REPEATED = "_options_given", "_given_twice"


def refuse_repeated(args: argparse.Namespace) -> None:
    """Refuse (:class:`InputError`, exit 2) an option of one value given twice (:class:`_Once`)."""
    for option, first, second in getattr(args, REPEATED, {}).values():
        raise InputError(
            None,
            option,
            f"given twice ({first} and {second}); it takes one value, and the robot would read the last "
            f"alone: give {option} once",
        )


def _paths_named(parser: argparse.ArgumentParser) -> None:
    """Every path option of ``parser`` and its commands refuses a blank value,
    and every option of one value refuses to be given twice (:class:`_Once`)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                _paths_named(command)
            continue
        if type(action) is argparse._StoreAction and action.option_strings:
            action.__class__ = _Once
        if action.metavar in PATH_METAVARS and action.type is None:
            action.type = _named_path


def _progress(enabled: bool):
    t0 = time.perf_counter()

    def say(message: str) -> None:
        if enabled:
            print(f"[{time.perf_counter() - t0:6.1f} s] {message} …", file=sys.stderr, flush=True)

    return say


#: glibc's malloc settings (malloc.h): the most freed at the top of the heap
#: before it is handed back, and the size from which a block is mapped apart
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: glibc's largest M_MMAP_THRESHOLD on 64 bits; larger blocks are always mapped apart
MMAP_THRESHOLD_MAX = 32 << 20


def keep_freed_memory() -> bool:
    """Let this process keep the memory it frees for what it allocates next
    (glibc's malloc; ``False``, and nothing changed, elsewhere). For the
    batch commands (``run``, ``replay``, ``tune``): they allocate and free
    columns of a few to some tens of MB step after step, and memory handed
    back to the system comes back as fresh pages, which the kernel must clear
    first and which a virtual machine that reports free pages to its host
    (as this project's CI machines do) must be given again: at a million
    invoices that was a third of the run's system time. The memory goes back
    when the command ends, seconds later. Not for the library's callers: a
    notebook's kernel lives on."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # blocks up to the largest threshold come from the heap, and the heap is not trimmed below 1 GB free
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX) == 1 and mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1


def _as_batch() -> None:
    """What a batch command sets once its modules are imported: the memory it
    frees kept for what it allocates next (:func:`keep_freed_memory`; arrow's
    own allocator is set so, for every command, before pyarrow loads, by
    :mod:`invoicekit_command`), and
    the objects the imports made frozen, so that the garbage collector's full
    passes no longer walk them (40 ms of a run at a million invoices)."""
    keep_freed_memory()
    gc.freeze()


def cmd_run(args: argparse.Namespace) -> int:
    from invoicekit.run import done_text, run, summary

    _as_batch()
    res = run(
        grants=args.grants,
        invoices=args.invoices,
        support_sheet=args.support_sheet,
        out=args.out,
        rules=args.rules,
        invoice_lines=args.invoice_lines,
        paid=args.paid,
        journal=args.journal,
        new_journal=args.new_journal,
        dry_run=args.dry_run,
        progress=_progress(sys.stderr.isatty() and not args.quiet),
    )
    if not args.quiet:
        done = done_text(res.run_id, res.dry_run, Path(args.out))
        try:
            _show_after_the_work(lambda: _show(summary(res)), done)
        except BaseException as exc:  # Ctrl-C or a fault as the summary is made: the work is done all the same
            done_before(exc, done)
            raise
    return 0


def _show_after_the_work(show: Callable[[], None], done: str) -> None:
    """``show`` what a command did, once its work is done (recorded, delivered), and flush it. Where standard
    output cannot take it (a full disk under ``>> run.log``), the command still ends well, with a warning on
    stderr that ``done`` and that only its summary is missing: an error (exit 1) read as a run that failed
    and recorded nothing, so its payment file went unimported (an attack and a review of 0.9.41). A reader
    that stopped reading (``| head``) is said as for every command (:func:`main`)."""
    try:
        show()
        if sys.stdout is not None:  # none at all (started with it closed, pythonw): print wrote nothing
            sys.stdout.flush()
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) and _stdout_is_a_pipe():
            # the reader stopped reading (| head): main says so, as for every command, after what was done
            with contextlib.suppress(OSError, ValueError):
                print(f"invoicekit: warning: {mask_cpr_text(done)}", file=sys.stderr)
            raise
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        log.warning("the summary could not be written to standard output: %s", exc.strerror or exc)
        with contextlib.suppress(OSError, ValueError):  # stderr on the full disk too: nothing more to say
            print(
                f"invoicekit: warning: {mask_cpr_text(done)}; only the summary could not be written to standard "
                f"output ({exc.strerror or exc})",
                file=sys.stderr,
            )


def _required_in_usage(p: argparse.ArgumentParser, option: str) -> None:
    """Show ``option`` as required in the usage line: argparse cannot require it, since the deprecated
    positional spelling may stand in for it (:func:`_deprecated_positional`), and showed ``[--world DIR]``."""
    usage = p.format_usage().removeprefix("usage: ").rstrip("\n")
    assert f"[{option}]" in usage, usage
    p.usage = usage.replace(f"[{option}]", option).replace("%", "%%")


def _deprecated_positional(args: argparse.Namespace, option: str, positional: str, command: str) -> str:
    """The value of ``option`` (e.g. ``--world``), or of the old positional
    spelling, which still works with a warning; one of them is required."""
    value = getattr(args, option.removeprefix("--").replace("-", "_"))
    old = getattr(args, positional)
    if value is not None and old is not None:
        raise InputError(None, option, f"given twice ({old} and {value}); give {option} once")
    if old is not None:
        print(
            f"invoicekit: warning: '{command} {mask_cpr_text(old)}' is deprecated and will be removed; "
            f"write '{command} {option} {mask_cpr_text(old)}'",
            file=sys.stderr,
        )
        return old
    if value is None:
        raise InputError(None, option, f"missing; expected '{command} {option} …'")
    return value


def cmd_replay(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from invoicekit.replay import format_monthly, replay, world_months

    _as_batch()

    world = _deprecated_positional(args, "--world", "world_positional", "invoicekit replay")
    n = len(world_months(world))
    with tqdm(total=n, desc="replay", unit="month", disable=args.quiet or None, file=sys.stderr) as bar:
        monthly = replay(
            world, args.out, args.new_journal, rules=args.rules, on_month=lambda _m: bar.update(1), paid=args.paid
        )
    if not args.quiet:

        def show() -> None:
            _show(format_monthly(monthly))
            _show(f"Monthly table: {args.out}/monthly.csv; each month's outputs in {args.out}/YYYY-MM/")

        _show_after_the_work(
            show,
            f"every month is recorded in {args.new_journal}, and the outputs are in {args.out}"
            if args.new_journal
            else f"every month is replayed, and the outputs are in {args.out}",
        )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from invoicekit.evaluate import evaluate, read_decision_lines, read_truth_file, truth_lines_beside
    from invoicekit.replay import load_world, simulate_with_lines

    if bool(args.world) == bool(args.decisions):
        raise InputError(
            None, "--world / --decisions", "give one: --world DIR, or --decisions FILE... with --truth FILE"
        )
    if args.world and args.truth:  # it was read past: the world's own truth.csv was used
        raise InputError(None, "--truth", "is for --decisions; --world compares with the world's own truth.csv")
    if args.decisions and args.rules:  # decisions made already: no rule would change them
        raise InputError(None, "--rules", "is for --world, whose invoices are decided here; --decisions are decided")
    if args.history:
        return _evaluate_history(args)
    if args.world:
        world = load_world(args.world, rules=args.rules)
        if world.truth is None:
            raise InputError(
                args.world, "truth.csv", "is missing; expected a world from invoicekit synth, or --history FILE"
            )
        decisions, lines = simulate_with_lines(world)
        ev = evaluate(decisions, world.truth, lines, world.truth_lines)
    else:
        if not args.truth:
            raise InputError(
                None, "--truth", "missing; --decisions needs the truth (or --history FILE) to compare with"
            )
        # a world's truth-lines.csv beside its truth.csv judges the collective invoices by their lines
        ev = evaluate(
            _decided(args.decisions),
            read_truth_file(args.truth),
            read_decision_lines(args.decisions),
            truth_lines_beside(args.truth),
        )
    paths = ev.write(args.out)
    if not args.quiet:
        _show(ev.text())
        _show(f"Written: {paths['csv']}, {paths['xlsx']}")
    return 0


def _decided(paths: list[str]):
    """The decisions ``evaluate`` weighs: none (files of their header alone, a month of no invoices) is
    nothing to weigh, refused (it reported 0 invoices and 0 % automation: an attack on 0.9.31). ``types``
    reads such a month's file as the robot wrote it."""
    from invoicekit.evaluate import read_decisions

    decisions = read_decisions(paths)
    if decisions.empty:
        raise InputError(paths[0], None, "holds no decisions; expected a decisions.csv of a run that decided invoices")
    return decisions


def _evaluate_history(args: argparse.Namespace) -> int:
    """``evaluate --history``: the decisions against what the specialists posted."""
    from invoicekit.evaluate import evaluate_history, read_decision_lines
    from invoicekit.posting_history import read_posting_history
    from invoicekit.replay import load_world, simulate_with_lines

    if args.truth:
        raise InputError(None, "--truth / --history", "give one: the truth, or the posting history")
    history = read_posting_history(args.history)
    if args.world:
        decisions, lines = simulate_with_lines(load_world(args.world, rules=args.rules))
    else:
        decisions, lines = _decided(args.decisions), read_decision_lines(args.decisions)
    ev = evaluate_history(decisions, history, lines)
    if ev.summary["in_history"] == 0 and ev.summary["invoices"]:
        raise InputError(
            args.history,
            None,
            f"holds none of the {ev.summary['invoices']:,} invoices decided (matched on supplier CVR and "
            "invoice number); expected what the specialists posted in the same period",
        )
    paths = ev.write(args.out)
    if not args.quiet:
        _show(ev.text())
        _show(f"Written: {', '.join(str(p) for p in paths.values())}")
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from invoicekit.replay import load_world
    from invoicekit.rules import load_rules
    from invoicekit.tune import max_error_rate, parse_grid, rule_sets, tune

    _as_batch()

    grid = parse_grid(";".join(args.grid))  # --grid given again joins the grid (it kept the last alone)
    max_error_rate(args.max_error)  # checked before the world is read; given to tune as written (100% is no limit)
    if args.out and os.path.exists(args.out) and not os.path.isdir(args.out):  # before the rule sets are weighed
        raise InputError(args.out, "--out", "is a file; expected a folder for tuning.csv, tuning.xlsx and tuning.png")
    world = load_world(args.world)
    base = load_rules(args.rules) if args.rules else None
    with tqdm(
        total=len(rule_sets(grid)), desc="tune", unit="rule set", disable=args.quiet or None, file=sys.stderr
    ) as bar:
        result = tune(world, grid, args.max_error, base=base, progress=bar.update)
    if args.out:
        paths = result.write(args.out)
    # without --out the table is the command's only result: shown with --quiet too, which silences the progress
    # (a scheduled tune --quiet weighed every rule set and showed nothing, exit 0: an attack on 0.9.38)
    if not args.quiet or not args.out:
        _show(result.text())
    if not args.quiet and args.out:
        _show(f"Written: {paths['csv']}, {paths['xlsx']}, {paths['png']}")
    return 0


#: the first version whose runs could be given Sensum's paid marks (``run --paid``)
PAID_MARKS_SINCE = (0, 9, 20)


def _before_paid_marks(tool: str) -> bool:
    """Whether a run recorded by ``tool`` (``invoicekit 0.9.19``, as the
    journal keeps it) was made before runs read paid marks. A version that
    cannot be read is not known to be."""
    return recorded_before(tool, PAID_MARKS_SINCE)


def _paid_as_recorded(run_id: int, manifest: dict | None, given: str | None) -> str:
    """What ``explain`` says of Sensum's paid marks beside a recorded run
    (``manifest``: its ``run.json``, None where it cannot be read): whether
    the run was given marks, and whether ``--paid`` (``given``) is that file.
    The journal does not keep the marks, so a decision they made is seen
    again only with the same file."""
    if manifest is None:
        with_what = "med den givne --paid-fil" if given is not None else "uden markeringer af betalte perioder"
        return (f"Om kørsel {run_id} fik Sensums markeringer af betalte perioder, kan ikke ses (dens run.json er ikke, "
                f"hvor journalen siger, eller er ændret); fakturaen afgøres {with_what}.\n")  # fmt: skip
    recorded = (manifest.get("inputs") or {}).get("paid")
    if recorded is None:
        if given is None:
            return ""
        return (f"Kørsel {run_id} fik ingen markeringer af betalte perioder; fakturaen afgøres med den givne "
                "--paid-fil, som kørslen ikke så.\n")  # fmt: skip
    return _file_as_recorded(run_id, recorded, given, "--paid", "Sensums markeringer af betalte perioder")


def _lines_as_recorded(run_id: int, manifest: dict | None, given: str | None) -> str:
    """What ``explain`` says of the invoice lines beside a recorded run
    (``manifest``: its ``run.json``): whether the run was given an invoice
    lines file, and whether ``--invoice-lines`` (``given``) is that file. A
    collective invoice the run posted line by line read as manual
    (MISSING_CPR) under "decided as run 1 decided it", the lines not given
    (an attack on 0.9.36)."""
    if manifest is None:
        if given is None:
            return ""
        # as for the paid marks: the run's files cannot tell, and the lines post a collective invoice line by line
        return (f"Om kørsel {run_id} fik fakturalinjer, kan ikke ses (dens run.json er ikke, hvor journalen siger, "
                "eller er ændret); fakturaen afgøres med den givne --invoice-lines-fil.\n")  # fmt: skip
    recorded = (manifest.get("inputs") or {}).get("invoice_lines")
    if not isinstance(recorded, dict):
        if given is None:
            return ""
        # a collective invoice the run held for its CPR numbers was shown posted line by line (an attack on 0.9.44)
        return (f"Kørsel {run_id} fik ingen fakturalinjer; fakturaen afgøres med den givne --invoice-lines-fil, som "
                "kørslen ikke så.\n")  # fmt: skip
    return _file_as_recorded(run_id, recorded, given, "--invoice-lines", "fakturalinjer")


def _file_as_recorded(run_id: int, recorded: dict, given: str | None, option: str, what: str) -> str:
    """What ``explain`` says of an input file a recorded run was given (``recorded``: its entry in the
    run's ``run.json``) beside ``option`` (``given``): to give the same file, or that it is another."""
    path = mask_cpr_text(str(recorded.get("path", "")))
    if given is None:
        return (f"Kørsel {run_id} fik {what} ({path}): giv den samme fil med {option} for at se fakturaen, som "
                "kørslen afgjorde den; her afgøres den uden dem.\n")  # fmt: skip
    if sha256(Path(given)) != recorded.get("sha256"):
        return (f"{option}-filen er ikke den, kørsel {run_id} fik ({path}, en anden SHA-256): fakturaen afgøres "
                "med den givne fil.\n")  # fmt: skip
    return ""


def _recorded_run_date(manifest: dict | None, started_at: str) -> dt.date | None:
    """The run date of a recorded run: its manifest's (``run_date``), else the
    day it started; None where neither reads as a date."""
    for said in ((manifest or {}).get("run_date"), started_at):
        try:
            return dt.date.fromisoformat(str(said)[:10])
        except (TypeError, ValueError):
            continue
    return None


def cmd_explain(args: argparse.Namespace) -> int:
    from invoicekit.explain import explain
    from invoicekit.extracts import read_grants, read_invoice_lines, read_invoices, read_support_sheet
    from invoicekit.journal import Journal
    from invoicekit.paid_marks import read_paid_marks
    from invoicekit.rules import load_rules, recorded_rules

    if args.chart and Path(args.chart).suffix.lower() != ".png":
        raise InputError(args.chart, "--chart", "expected a file name ending in .png")
    if args.chart and not Path(args.chart).resolve().parent.is_dir():  # known before the explaining, as other outputs
        raise InputError(args.chart, "--chart", "its folder does not exist; expected a .png file in a folder that does")
    rules = load_rules(args.rules)
    grants = read_grants(args.grants)
    sheet = read_support_sheet(args.support_sheet)
    invoices = read_invoices(args.invoices)
    lines = read_invoice_lines(args.invoice_lines) if args.invoice_lines else None
    paid = read_paid_marks(args.paid) if args.paid else None
    history, recorded, said, run_date, others = None, None, "", None, []
    if args.journal:
        with Journal(args.journal, readonly=True) as j:
            history, runs = j.history(), j.runs()
            same = runs[runs["invoices_sha256"] == j.file_digest(Path(args.invoices))]
            manifest = None
            if len(same) and not _before_paid_marks(str(same["tool_version"].iat[0])):
                manifest = j.delivered_manifest(int(same["run_id"].iat[0]))
            elif len(same):  # recorded before marks were read: it had none
                manifest = {"inputs": {}}
            # the grants and the support sheet the run read, by the checksums it recorded: another extract decides
            # otherwise (a grant's rate changed since), and was shown as the run's decision (an attack on 0.9.44)
            others = [
                option
                for option, column, given in (
                    ("--grants", "grants_sha256", args.grants),
                    ("--support-sheet", "support_sheet_sha256", args.support_sheet),
                )
                if len(same)
                and column in same
                and same[column].iat[0]
                and j.file_digest(Path(given)) != same[column].iat[0]
            ]
        if len(same):  # this very file was run: decide it against the runs before that one, with its rules
            # the first run of it: a later one of the same file finds every invoice a duplicate of itself
            # (a newcomer's walk-through of 0.9.14 asked after run 1 and was shown run 2's DUPLICATE_INVOICE)
            recorded = int(same["run_id"].iat[0])
            history = history.before(recorded)
            # on that run's date: check 7 judges from it how far ahead a period may start
            run_date = _recorded_run_date(manifest, str(same["started_at"].iat[0]))
            run_rules = recorded_rules(same["rules"].iat[0], args.journal, f"run {recorded}")
            again = f" (den første af dens {len(same)} kørsler)" if len(same) > 1 else ""
            if args.rules is None:
                rules = run_rules
                said = (f"Afgjort, som kørsel {recorded} i journalen afgjorde denne fakturafil{again}: mod kørslerne "
                        "før den, med dens regler.\n")  # fmt: skip
            elif rules == run_rules:
                said = (f"Afgjort, som kørsel {recorded} i journalen afgjorde denne fakturafil: mod kørslerne før den; "
                        f"reglerne i {args.rules} er dem, kørslen brugte.\n")  # fmt: skip
            else:
                changed = ", ".join(k for k, v in rules.to_dict().items() if v != run_rules.to_dict()[k])
                said = (f"Afgjort mod kørslerne før kørsel {recorded} i journalen, som kørte denne fakturafil, men med "
                        f"reglerne i {args.rules}: de afviger fra de regler, kørslen brugte ({changed}). "
                        "Udelad --rules for at se fakturaen, som kørslen afgjorde den.\n")  # fmt: skip
    if recorded is not None:
        for option in others:
            said += (f"{option}-filen er ikke den, kørsel {recorded} fik (en anden SHA-256): fakturaen afgøres med den "
                     "givne fil, og kan afgøres anderledes, end kørslen afgjorde den.\n")  # fmt: skip
        said += _paid_as_recorded(recorded, manifest, args.paid)
        said += _lines_as_recorded(recorded, manifest, args.invoice_lines)
    found = explain(invoices, grants, sheet, args.invoice_id, rules=rules, history=history, source=args.invoices,
                    lines=lines, paid=paid, run_date=run_date)  # fmt: skip
    if said:
        _show(said)
    _show("\n\n".join(e.text() for e in found))
    if args.chart:
        try:
            found[0].figure().savefig(args.chart, dpi=120)
        except OSError as exc:
            raise OutputError(f"{args.chart}: the chart cannot be written ({exc.strerror or exc})") from None
        # several invoices of the number: the chart is of the first, and says so
        which = (
            f" (række {found[0].invoice['row']}, den første af {len(found)} fakturaer med dette nummer)"
            if len(found) > 1
            else ""
        )
        _show(f"Diagram: {args.chart}{which}")
    return 0


def cmd_sample_size(args: argparse.Namespace) -> int:
    from invoicekit.sample import sample_size
    from invoicekit.tune import parse_rate

    c, p = parse_rate(args.confidence, "--confidence"), parse_rate(args.tolerable, "--tolerable")
    n = sample_size(c, p, args.expected_errors, args.population)
    _show(n)
    return 0


def cmd_sample_draw(args: argparse.Namespace) -> int:
    from invoicekit.sample import FINDING, draw
    from invoicekit.tune import parse_rate

    c, p = parse_rate(args.confidence, "--confidence"), parse_rate(args.tolerable, "--tolerable")
    control = draw(args.journal, args.month, c, p, args.expected_errors, args.seed)
    path = control.write(args.out)
    info = control.info
    _show(
        f"Drew {info['Stikprøvestørrelse']} of {info['Automatiske posteringer i måneden']} automatic postings "
        f"in {args.month} (seed {args.seed}) into {path}; fill in '{FINDING}' and run "
        f"invoicekit sample evaluate --control {path} --journal {shown_path(Path(args.journal))}"
    )
    return 0


def cmd_sample_evaluate(args: argparse.Namespace) -> int:
    from invoicekit.sample import evaluate_control

    control = _deprecated_positional(args, "--control", "control_positional", "invoicekit sample evaluate")
    _show(evaluate_control(control, args.journal).text())
    return 0


def cmd_convert_oioubl(args: argparse.Namespace) -> int:
    from invoicekit.convert import archives_among, check_out, convert_files, write_conversion, xml_files

    out = check_out(args.out)
    if args.lines_out:
        lines_out = check_out(args.lines_out, "--lines-out")
        if lines_out.resolve() == out.resolve():
            raise InputError(lines_out, "--lines-out", "is the same file as --out; expected another file")
    skipped: list[Path] = []
    files = xml_files(args.paths, skipped)
    # a zip in a folder may hold invoices: refused (exit 1), not a warning passed over
    archives = archives_among(skipped)
    skipped = [p for p in skipped if p not in {a for a, _ in archives}]
    if not files and not archives:
        raise InputError(", ".join(args.paths), None, "no XML files found (folders are searched for *.xml)")
    if skipped:  # an invoice saved without its .xml is no invoice passed over in silence
        names = first_named([mask_cpr_text(str(p)) for p in skipped])
        print(f"invoicekit: warning: {len(skipped)} files in the folders given are not named *.xml and were not "
              f"read: {names}", file=sys.stderr)  # fmt: skip
    from tqdm import tqdm

    with tqdm(total=len(files), desc="convert", unit="file", disable=args.quiet or None, file=sys.stderr) as bar:
        result = convert_files(files, on_file=lambda _: bar.update(1))
    refused = [*archives, *result.refused]
    for path, reason in refused:
        print(f"invoicekit: refused {mask_cpr_text(str(path))}: {mask_cpr_text(reason)}", file=sys.stderr)
    for path, warning in result.warnings:
        print(f"invoicekit: warning: {mask_cpr_text(path)}: {mask_cpr_text(warning)}", file=sys.stderr)
    written, lines_written = write_conversion(result.invoices, out, result.lines, args.lines_out)
    if not args.quiet:
        credit = int((result.invoices["document_type"] == CREDIT_NOTE).sum())
        _show(
            f"Converted {len(result.invoices)} of {len(files)} files ({credit} credit note{'' if credit == 1 else 's'}) "
            f"into {written}"
            + (f", {len(result.lines)} invoice lines into {lines_written}" if lines_written else "")
            + (f"; {len(refused)} refused" if refused else "")
            + (f"; {len(skipped)} files not named *.xml not read" if skipped else "")
        )
    return 1 if refused else 0


def cmd_types(args: argparse.Namespace) -> int:
    from invoicekit.types import map_types

    if args.clusters is not None and args.clusters < 2:
        raise InputError(None, "--clusters", f"is {args.clusters}; expected at least 2 groups")
    if args.clusters is not None and args.labels:  # the labels' types are the groups: the number was passed over
        raise InputError(None, "--clusters", "is for grouping without labels; leave it out with --labels")
    result = map_types(
        args.invoices,
        labels=args.labels,
        decisions=args.decisions,
        grants=args.grants,
        n_clusters=args.clusters,
        random_state=args.seed,
    )
    paths = result.write(args.out)
    if not args.quiet:
        _show(result.text())
        _show(f"Written in {args.out}: " + ", ".join(p.name for p in paths.values()))
    return 0


def cmd_report_followup(args: argparse.Namespace) -> int:
    from invoicekit.business_case import load_config
    from invoicekit.extracts import read_grants, read_support_sheet
    from invoicekit.followup import followup
    from invoicekit.reports import write_followup
    from invoicekit.tune import parse_rate

    target = parse_rate(args.target, "--target")
    if not 0 <= target <= 1:  # also refuses nan
        raise InputError(
            None, "--target", f"{quoted(args.target)} is out of range; expected a rate from 0 to 1 (0 % to 100 %)"
        )
    params = load_config(args.config).likely() if args.config else None
    grants = read_grants(args.grants) if args.grants else None
    support = read_support_sheet(args.support_sheet) if args.support_sheet else None
    result = followup(
        args.journal,
        truth=args.truth,
        controls=args.control,
        target=target,
        params=params,
        grants=grants,
        support=support,
    )
    if grants is not None or support is not None:  # a journal without runs is refused above, in its words
        _warn_if_not_read(args, result.last_month)
    paths = write_followup(result, args.out)
    if not args.quiet:
        _show(result.text())
        _show(f"Follow-up report: {paths['html']} and {paths['xlsx']}")
    return 0


def cmd_report_business_case(args: argparse.Namespace) -> int:
    from invoicekit.business_case import build, default_config_text, load_config, with_journal

    if args.print_config:
        given = [f"--{name}" for name in ("config", "journal", "truth", "out") if getattr(args, name, None)]
        if given:  # they were passed over in silence: a broken config looked fine
            raise InputError(
                None, "--print-config", f"prints the defaults and reads nothing; leave out {', '.join(given)}"
            )
        _show(default_config_text())
        return 0
    from invoicekit.reports import write_business_case  # draws with matplotlib: not needed to print the config

    if not args.out:
        raise InputError(None, "--out", "missing; expected the folder for the reports")
    if args.truth and not args.journal:
        raise InputError(None, "--truth", "measures the error rate of a journal's postings; give --journal too")
    config = load_config(args.config)
    if args.journal:
        config = with_journal(config, args.journal, truth=args.truth)
    bc = build(config)
    paths = write_business_case(bc, args.out)
    if not args.quiet:
        _show(bc.text())
        _show(f"Business case: {paths['html']}, {paths['xlsx']} and {paths['json']}")
    return 0


def cmd_actions(args: argparse.Namespace) -> int:
    from invoicekit.action_files import write_actions
    from invoicekit.actions import fix_list, rules_from_journal
    from invoicekit.extracts import read_grants, read_support_sheet
    from invoicekit.followup import decided_again, first_decisions, read_journal
    from invoicekit.vocabulary import MONTH

    if args.month is not None and not MONTH.fullmatch(args.month):
        raise InputError(None, "--month", f"{quoted(args.month)} is not a month; expected YYYY-MM")
    read = read_journal(args.journal)  # the runs and decisions of one reading: a run recorded meanwhile in neither
    every, months = read.every, read.months  # the months with those whose runs found no invoice
    decisions = first_decisions(every)
    if args.month is not None and args.month not in months:
        raise InputError(
            args.journal, "--month", f"{args.month} has no run; expected a month from {months[0]} to {months[-1]}"
        )
    grants = read_grants(args.grants) if args.grants else None
    support = read_support_sheet(args.support_sheet) if args.support_sheet else None
    _warn_if_not_read(args, args.month or months[-1])
    settings = rules_from_journal(args.journal, args.month or months[-1], runs=read.runs)
    actions = fix_list(
        decisions, grants, support, month=args.month, settings=settings, run_months=months, again=decided_again(every)
    )
    paths = write_actions(actions, args.out, template=args.template)
    if not args.quiet:
        _show(actions.text())
        _show(f"Fix list: {paths['actions']}, {paths['xlsx']}; letters in {paths['letters']}")
    return 0


def _warn_if_not_read(args: argparse.Namespace, month: str) -> None:
    """A warning for a ``--grants`` or ``--support-sheet`` that no run of
    ``month`` read: the fixes are then judged against another state of
    Sensum or the sheet (another month's grants made up missing grants)."""
    from invoicekit.followup import not_read_in_month

    given = {name: getattr(args, name) for name in ("grants", "support_sheet") if getattr(args, name)}
    for name in not_read_in_month(args.journal, month, given) if given else ():
        option, shown = "--" + name.replace("_", "-"), mask_cpr_text(shown_path(Path(given[name]).resolve()))
        print(
            f"invoicekit: warning: {option} {shown} is not the file the runs of {month} read (the journal has "
            "another SHA-256 for it): the fixes are judged against it as it stands, not as the robot saw it",
            file=sys.stderr,
        )


class MaskingFormatter(logging.Formatter):
    """A log line with every CPR number masked (``DDMMYY-xxxx``), whatever
    the message, its arguments or a traceback held: the safety net under the
    rule that logs never hold a full CPR number."""

    def format(self, record: logging.LogRecord) -> str:
        # a file name not in UTF-8 (surrogate escapes) with its bytes written \xe6, as run.json names it:
        # unwritable to a UTF-8 log, it stopped the log at the line naming the input (an attack on 0.9.37)
        return mask_cpr_text(utf8_text(super().format(record)))


class _LogFile(logging.FileHandler):
    """The ``--log-file`` handler. A line it cannot write (a full disk) is
    reported once on stderr, masked and without the record's raw arguments
    (logging's own report prints them, CPR numbers and all), and the log
    stops; the run goes on."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.failed:
            self.failed = True
            exc = sys.exc_info()[1]
            why = getattr(exc, "strerror", None) or exc
            print(f"invoicekit: warning: --log-file {mask_cpr_text(str(self.baseFilename))}: "
                  f"{mask_cpr_text(str(why))}; logging stopped", file=sys.stderr)  # fmt: skip

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def close(self) -> None:
        try:
            super().close()
        except OSError:
            self.handleError(None)  # type: ignore[arg-type]


def _show(text: object) -> None:
    """One message on stdout, for people: nothing in it reads as a CPR number
    (a grant id, a truth file's cell, a label or a path may hold one: only
    the OPUS posting file carries a full number)."""
    print(mask_cpr_text(str(text)))


def _log_file_apart(args: argparse.Namespace) -> None:
    """Refuse a ``--log-file`` that is one of the command's inputs, its
    journal or inside a folder it reads: the log lines would be appended to
    it. Nor may it be named as a run's file (``opus_postings.csv``,
    ``run.json`` …) or lie in a staging folder: a recorded run's files are
    never written into again, and a file a run writes would take the log's
    place. Nor may it be a file of several names (hard links): another may
    be any of those."""
    from invoicekit.post import OUTPUT_FILES  # lazily, for start-up speed: it imports pandas

    log_file = Path(args.log_file).resolve()
    if log_file.name in (*OUTPUT_FILES, MANIFEST):
        raise InputError(args.log_file, "--log-file", f"is named as a run's file ({log_file.name}); "
                         "expected a log file of its own, e.g. invoicekit.log")  # fmt: skip
    if any(folder.name.startswith(STAGING_PREFIX) for folder in log_file.parents):
        raise InputError(args.log_file, "--log-file", "is inside a run's staging folder; "
                         "expected a log file outside it")  # fmt: skip
    for option in ("grants", "invoices", "invoice_lines", "paid", "support_sheet", "rules", "journal", "new_journal"):
        given = getattr(args, option, None)
        if isinstance(given, str | Path) and Path(given).resolve() == log_file:
            raise InputError(args.log_file, "--log-file", f"is the --{option.replace('_', '-')} file; "
                             "expected a log file of its own")  # fmt: skip
    world = getattr(args, "world", None)
    if isinstance(world, str | Path) and Path(world).resolve() in log_file.parents:
        raise InputError(args.log_file, "--log-file", "is inside the --world folder; expected a log file outside it")
    # a file of more than one name (a hard link, e.g. from ``cp -al``): its other name may be a
    # recorded run's payment file, an input or a journal, which no name compared above shows
    try:
        names = log_file.stat().st_nlink if log_file.is_file() else 1
    except OSError:  # not there yet, or not to be looked at: opening it says what is wrong
        names = 1
    if names > 1:
        raise InputError(args.log_file, "--log-file", f"is one file under {names} names (hard links); the log "
                         "lines would be appended to it under each of them, and another name may be a recorded "
                         "run's file, an input or a journal; expected a log file of its own")  # fmt: skip


class _NotPrinted(logging.Filter):
    """What the terminal leaves out: the command line's own records (it
    prints its errors itself) and, unless --quiet, a warning the printed
    summary shows as well; those are kept in ``held``, to be shown after all
    when the command fails and prints no summary."""

    def __init__(self, summary: bool) -> None:
        super().__init__()
        self.summary = summary
        self.held: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == log.name:
            return False
        if self.summary and getattr(record, "in_summary", False):
            self.held.append(record)
            return False
        return True


#: the loggers whose records the command line shows and logs: the library's,
#: the synthetic municipality's and Python's warnings
_LOGGERS = ("invoicekit", "synthetic", "py.warnings")


@contextmanager
def _logging(args: argparse.Namespace) -> Iterator[None]:
    """Warnings (and errors) of the library on stderr; with ``--log-file``
    every event at ``--log-level`` appended to the file, one line each with
    its time. Both mask CPR numbers. Undone on the way out, so that ``main``
    can be called again in one process (the tests do)."""
    handlers: list[logging.Handler] = []
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setLevel(logging.WARNING)
    terminal.setFormatter(MaskingFormatter("invoicekit: warning: %(message)s"))
    not_printed = _NotPrinted(summary=not getattr(args, "quiet", False))
    terminal.addFilter(not_printed)
    handlers.append(terminal)
    level = logging.WARNING
    if getattr(args, "log_file", None):
        _log_file_apart(args)
        try:
            to_file = _LogFile(args.log_file, mode="a", encoding="utf-8", delay=False)
        except OSError as exc:  # a folder, a missing folder, /proc/version: the user's to fix
            raise InputError(args.log_file, "--log-file", f"cannot be opened to append to ({exc.strerror or exc}); "
                             "expected a file a log can be appended to") from exc  # fmt: skip
        to_file.setLevel(args.log_level)
        to_file.setFormatter(
            MaskingFormatter("%(asctime)s %(levelname)-7s %(name)s [%(process)d] %(message)s", "%Y-%m-%dT%H:%M:%S%z")
        )
        handlers.append(to_file)
        level = min(level, logging.getLevelName(args.log_level))
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    before = [(lg.level, lg.propagate) for lg in loggers]
    logging.captureWarnings(True)
    for lg in loggers:
        lg.setLevel(level)
        lg.propagate = False  # the root logger's handlers (if an embedding program set any) would see full lines
        for h in handlers:
            lg.addHandler(h)
    try:
        yield
    except BaseException:
        # no summary will show what was kept for it (files of a stopped run delivered, the journal upgraded and
        # the copy kept): said here, before the error (an attack on 0.9.30 found a run's payment file delivered
        # into a folder, and a backup of the journal made, by a run that failed and told of neither)
        not_printed.summary = False
        for record in not_printed.held:
            terminal.handle(record)
        raise
    finally:
        logging.captureWarnings(False)
        for lg, (lvl, propagate) in zip(loggers, before, strict=True):
            for h in handlers:
                lg.removeHandler(h)
            lg.setLevel(lvl)
            lg.propagate = propagate
        for h in handlers:
            h.close()


def _os_error_line(exc: OSError, args: argparse.Namespace, argv: Sequence[str]) -> str:
    """The line for a file the command could not read or write: the file,
    the option typed that names it, else one that names a folder it is in
    (``--out``, ``--world``), and why."""
    why = str(exc.strerror or exc)
    if not exc.filename:
        return why
    path = Path(os.path.abspath(exc.filename))  # abspath, not resolve: it reads no file system and cannot fail
    exact, around = [], []
    for dest, value in vars(args).items():
        option = f"--{dest.replace('_', '-')}"
        if not any(word == option or word.startswith(f"{option}=") for word in argv):
            continue
        values = value if isinstance(value, list) else [value]
        given = [Path(os.path.abspath(v)) for v in values if isinstance(v, str | Path)]
        if path in given:
            exact.append(option)
        elif any(g in path.parents for g in given):
            around.append(option)
    if isinstance(exc, FileExistsError):  # a file the command would make: the option that names one made
        made = {option for _, option in _MADE_FILES}
        exact.sort(key=lambda option: option not in made)
    return ": ".join([str(exc.filename), *(exact + around)[:1], why])


#: the options naming a file or folder a command makes (argparse's dest, the option)
_MADE_FILES = (("out", "--out"), ("chart", "--chart"), ("log_file", "--log-file"), ("new_journal", "--new-journal"))


def _refuse_cpr_in_new_name(path: str | os.PathLike, option: str) -> None:
    """Refuse a file or folder to be made (and the folders to be made for
    it) whose name reads as holding a CPR number: it would keep the number
    in its name, and be named masked, as a path that does not exist, in all
    the command says. Folders that exist already (the one worked in, a
    date-stamped one) are the user's, and not looked at."""
    # the path as typed, part by part (``x/..`` is made before it is left: abspath would drop it)
    typed = Path(path)
    at = Path(typed.anchor) if typed.is_absolute() else Path.cwd()
    made: list[str] = []
    for part in typed.parts[1 if typed.is_absolute() else 0 :]:
        at = at / part
        if part not in (".", "..") and not os.path.lexists(at):
            made.append(part)
    names = "/".join(made)
    if mask_cpr_text(names) != names:
        raise InputError(
            mask_cpr_text(str(Path(os.path.abspath(path)))),
            option,
            "holds what reads as a CPR number; choose a name without one",
        )


def _stdout_is_a_pipe() -> bool:
    """Whether standard output is a pipe or a socket (what ``| head`` gives it)."""
    try:
        mode = os.fstat(sys.stdout.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    steps = (getattr(args, k, None) for k in ("sample_command", "convert_command", "report_command"))
    command = " ".join(word for word in (args.command, *steps) if word)  # e.g. "report followup", for the log

    def error(line: str) -> None:
        # stderr is read by people: nothing in it reads as a CPR number
        print(f"invoicekit: error: {mask_cpr_text(line)}", file=sys.stderr)

    try:
        if getattr(args, "log_file", None):  # the log is made first: the rest is refused in it, below
            _refuse_cpr_in_new_name(args.log_file, "--log-file")
        with _logging(args):
            try:
                log.info("invoicekit %s %s started", __version__, command)
                # jemalloc when started as the command (invoicekit_command), else pyarrow's default
                log.debug("arrow's memory pool: %s", pa.default_memory_pool().backend_name)
                for dest, option in _MADE_FILES:
                    if dest != "log_file" and getattr(args, dest, None):  # the log's checked above
                        _refuse_cpr_in_new_name(getattr(args, dest), option)
                refuse_repeated(args)
                code = args.handler(args)
            except (InputError, OutputError, OSError) as exc:
                log.error("invoicekit %s stopped: %s", command, exc.line() if isinstance(exc, InputError) else exc)
                raise
            except KeyboardInterrupt:
                log.error("invoicekit %s stopped (Ctrl-C)", command)
                raise
            log.info("invoicekit %s finished (exit %d)", command, code)
            return code
    except InputError as exc:
        error(exc.line())
        return 2
    except OutputError as exc:
        error(str(exc))
        return 1
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) and exc.filename is None and _stdout_is_a_pipe():
            # whoever read the output stopped reading (| head): no mistake of the user's or ours to report
            # (an analyst's walk-through found "invoicekit: error: Broken pipe"); the shell's code for it
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
            if args.command in ("run", "replay"):
                error("the output's reader stopped reading (a closed pipe); a run is recorded whole or not at all")
            return 141
        error(_os_error_line(exc, args, argv))
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            # a full disk (or quota, or size limit) wherever it struck (making the staging folder, the lock):
            # the machine's, not the input's; exit 1 as for the files themselves (an attack on 0.9.30 found 2)
            return 1
        # a file we may not read or write (a pipe named as one too): the user's to fix
        return 2
    except KeyboardInterrupt as exc:
        if done := getattr(exc, DONE, None):  # stopped once the work was done: said, or it reads as a failed run
            error(f"stopped (Ctrl-C) after the work was done: {done}")
            return 130
        # a run is recorded whole or not at all; one stopped after recording is delivered by the next run
        error(
            "stopped (Ctrl-C); a run is recorded whole or not at all, and the next run delivers any files left staged"
        )
        return 130
    except Exception as exc:  # a fault of ours, not the user's: one masked line, never a raw traceback
        log.debug("unexpected error", exc_info=True)
        if done := getattr(exc, DONE, None):
            error(f"unexpected {type(exc).__name__}: {exc} (please report it) after the work was done: {done}")
            return 1
        # only run and replay record runs: the others have none to speak of
        recorded = "; a run is recorded whole or not at all" if args.command in ("run", "replay") else ""
        error(f"unexpected {type(exc).__name__}: {exc} (please report it{recorded})")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
