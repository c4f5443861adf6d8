"""One run of the robot, as ``invoicekit run`` does it: read the extracts,
decide, write the outputs and record the run in the journal.

The order is what makes a run safe (robot spec, "A recorded run's files are
never lost"):

1. every input is read and checked before anything is touched;
2. the journal is opened (``--journal`` must exist, ``--new-journal`` must
   not) and any run of it whose files a kill left undelivered is delivered;
3. the output folder is locked and checked (:mod:`invoicekit.delivery`);
4. in one journal transaction: the history is read, the invoices decided,
   the files written to a staging folder with ``run.json`` and flushed to
   disk, the run and its decisions recorded; then the transaction commits;
5. the files are moved into place (``run.json`` last) and the delivery is
   recorded.

A failure before the commit removes the staging folder, whatever failed (a
full disk included), and records nothing; a kill before the commit leaves a
staging folder that holds nothing recorded, and the next run in that folder
removes it. After the commit the files are never deleted: a kill leaves them
staged for the next run on the journal to deliver.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from invoicekit.cells import cpr_cells
from invoicekit.columns import payment_columns
from invoicekit.decide import Decisions, decide
from invoicekit.delivery import (
    LOCK,
    MANIFEST,
    STAGING_PREFIX,
    FolderLock,
    cleaned_on_failure,
    crash_point,
    deliver,
    file_facts,
    new_staging,
    prepare,
    sha256,
    write_manifest,
)
from invoicekit.errors import InputError, OutputError, done_before
from invoicekit.extracts import (
    Grants,
    InvoiceLines,
    Invoices,
    currency_in_amount,
    read_grants,
    read_invoice_lines,
    read_invoices,
    read_support_sheet,
)
from invoicekit.formats import en_percent
from invoicekit.history import History
from invoicekit.identifiers import is_utf8_path, mask_cpr_text, refuse_cpr_in_file_name, shown_path
from invoicekit.journal import (
    PREPAYMENT_STATED,
    SCHEMA_VERSION,
    Journal,
    StoredDecisions,
    refuse_new_journal,
    stored_decisions,
)
from invoicekit.paid_marks import PaidMarks, read_paid_marks
from invoicekit.post import OUTPUT_FILES, scan_messages, write_outputs
from invoicekit.reasons import POSTED
from invoicekit.rules import Rules, load_rules
from invoicekit.texts import TEXT, arrow_text
from invoicekit.version import __version__, recorded_before
from invoicekit.vocabulary import danish_now, danish_today

log = logging.getLogger(__name__)

#: how long a run waits for another process that is delivering a run's files
DELIVERY_WAIT_SECONDS = 60

#: one problem is worth a line of its own when it holds more than this share
#: of the rows, and at least SHARED_MIN_ROWS of them
SHARED_SHARE = 0.5
SHARED_MIN_ROWS = 5

#: for the operator (English): what most invoices going to manual for one
#: reason usually means; a reason not named here means the data itself
LIKELY_CAUSE: dict[str, str] = {
    "MISSING_INVOICE_ID": "the invoice number column is empty: check which column holds it in the invoice extract",
    "INVALID_CPR": "the cpr column does not hold CPR numbers: check the column, and that leading zeros were kept "
    "(a CPR number read as a number loses them)",
    "MISSING_CPR": "no CPR number on the invoices: check that the extract has the cpr column (or the text with it)",
    "MULTIPLE_CPR": "collective invoices: give their lines with --invoice-lines",
    "LINES_MISMATCH": "the invoice lines do not explain their invoices: is --invoice-lines the same month's extract?",
    "INVALID_CVR": "the supplier_cvr column does not hold CVR numbers (8 digits): check the column",
    "MISSING_PERIOD": "no period on the invoices: check the period columns of the invoice extract",
    "INVALID_PERIOD": "the periods could not be read as dates: check the date format of the invoice extract "
    "(e.g. 2019-03-31 or 31.03.2019)",
    "INVALID_AMOUNT": "the amounts could not be read: check the decimal separator (comma or point) and the column "
    "separator of the invoice extract",
    "CREDIT_NOTE": "credit notes are never posted: check the document_type column",
    "DUPLICATE_INVOICE": "this batch was decided before: is it the extract of a month the journal already holds?",
    "ALREADY_PAID": "these grant periods are paid already: is this the extract of a month the journal already holds "
    "(or, with --paid, that Sensum's marks show paid)?",
    "NO_GRANT": "no grant for the citizens: is the grant extract from the same municipality and month, and were its "
    "rows read (input_problems.csv)?",
    "NO_GRANT_FOR_SUPPLIER": "the grants name other suppliers: check the supplier CVR numbers in the grant extract "
    "against the invoices' (the supplier list)",
    "PERIOD_NOT_COVERED": "the grants do not cover the invoiced periods: is the grant extract from the same month, and "
    "are its dates read in the right format?",
    "NO_FIXED_RATE": "the grants have no fixed rate (hourly or per unit): these are for a caseworker",
    "AMOUNT_MISMATCH": "the amounts differ from the grants' rates: check the rates in the grant extract and the "
    "decimal separator of both extracts",
    "AMBIGUOUS": "more than one grant fits: does the grant extract hold its rows twice?",
    "NO_CODING": "the support sheet has no coding row for these grants: a missing support sheet row (Kontering)",
    "SUPPLIER_EXCLUDED": "the rules exclude these suppliers (excluded_suppliers in the rules)",
    "PARAGRAPH_EXCLUDED": "the rules exclude these paragraphs (paragraphs in the rules)",
    "AMOUNT_ABOVE_LIMIT": "the amounts exceed the rules' max_amount",
}
#: INVALID_AMOUNT's likely cause where most were held for their currency or prepayment (:func:`amount_causes`)
AMOUNT_CAUSE: dict[str, str] = {
    "currency": "they are in another currency than kroner, as the currency column (Valuta) says: the robot posts "
    "kroner only; check that the column holds each invoice's currency (blank or DKK for kroner)",
    "currency_in_amount": "their amount cells name another currency than kroner (28500 EUR, or a workbook's "
    "number format in euro): the robot posts kroner only; check that the extract gives each amount in kroner",
    "prepaid": "they have an amount paid on account, as the prepaid_amount column (Forudbetalt) says, or one that "
    "cannot be read: check that column (blank or 0 for none)",
}

#: what most grant rows left out for one column usually means
GRANT_COLUMN_CAUSE: dict[str, str] = {
    "start_date": "check the date format of the grant extract (e.g. 2019-03-01 or 01.03.2019)",
    "end_date": "check the date format of the grant extract (e.g. 2019-03-31 or 31.03.2019)",
    "rate": "check the decimal separator (comma or point) of the grant extract",
    "cpr": "check the cpr column, and that leading zeros were kept",
    "supplier_cvr": "check the supplier_cvr column (8 digits)",
}


@dataclass
class RunResult:
    result: Decisions
    outputs: dict[str, Path]
    run_id: int | None
    dry_run: bool
    rules: Rules
    manifest: dict = field(default_factory=dict)
    #: runs stopped after their commit whose files this run delivered first: (run, folder, the files that had been
    #: delivered before and taken from the folder since, imported: named so that nobody imports the rest alone)
    delivered: list[tuple[int, Path, tuple[str, ...]]] = field(default_factory=list)
    #: the backup made when this run migrated an older journal
    journal_backup: Path | None = None
    #: grant rows in the extract, those left out (``input_problems.csv``) included
    grant_rows: int = 0
    #: the grant rows left out, one row per (row, column) problem: file, row, column, problem
    grant_problems: pd.DataFrame | None = None
    #: the invoice extract's columns the robot does not read (``Invoices.unread``)
    unread_columns: tuple[str, ...] = ()
    #: of the invoices held as INVALID_AMOUNT, how many for what (:func:`amount_causes`): the summary names
    #: the likely cause by the most (it blamed the decimal separator for invoices in euro: a review of 0.9.43)
    amount_causes: dict[str, int] = field(default_factory=dict)

    @property
    def decisions(self) -> pd.DataFrame:
        return self.result.decisions

    @functools.cached_property
    def manual_reasons(self) -> pd.Series:
        """How many invoices went to manual for each reason, most first: the
        summary, the log and :func:`shared_problems` all read it."""
        d = self.decisions
        return d.loc[d["status"] != POSTED, "reason"].value_counts()


def run(
    grants: str | Path,
    invoices: str | Path,
    support_sheet: str | Path,
    out: str | Path,
    rules: str | Path | Rules | None = None,
    journal: str | Path | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    new_journal: str | Path | None = None,
    run_date: dt.date | None = None,
    invoice_lines: str | Path | None = None,
    started_at: dt.datetime | None = None,
    paid: str | Path | None = None,
) -> RunResult:
    """Run the robot on extract files. Raises :class:`InputError` for an input
    that cannot be used (the command line's exit 2) and
    :class:`~invoicekit.delivery.OutputError` when files cannot be written or
    delivered (exit 1); bad rows become manual decisions or input problems.

    ``journal`` names a journal that exists; ``new_journal`` starts one (and
    refuses a file that exists). A dry run takes ``journal`` only, reads it
    and records nothing. ``invoice_lines`` (``--invoice-lines``) decides the
    collective invoices that have lines line by line. ``paid``
    (``--paid``) names Sensum's paid marks: grant periods marked paid, by
    the robot or by hand, which check 21 counts as paid beside the
    journal's (:mod:`invoicekit.paid_marks`). ``started_at`` is
    when the journal says the run started (default: now); a replay gives
    each month's run date, so that what later runs say of it ("kørsel 1 den
    30.11.2018") is the same whenever the world is replayed."""
    shown = progress or (lambda _msg: None)

    def say(message: str) -> None:
        log.debug("%s", message)
        shown(message)

    for name, value, kind in (("run_date", run_date, dt.date), ("started_at", started_at, dt.datetime)):
        if value is not None and not isinstance(value, kind):
            raise TypeError(
                f"{name}: expected a {kind.__module__}.{kind.__name__}, not {type(value).__name__} ({value!r})"
            )
    clock = time.perf_counter()
    started_at = (started_at or danish_now()).isoformat(timespec="seconds")
    run_date = run_date or danish_today()
    if journal is not None and new_journal is not None:
        raise InputError(
            None,
            "--journal / --new-journal",
            "give one: --journal for a journal that exists, --new-journal to start one",
        )
    if dry_run and new_journal is not None:
        raise InputError(None, "--new-journal", "a dry run records nothing; give --journal to let it see a journal")
    journal_path = Path(journal if journal is not None else new_journal) if (journal or new_journal) else None
    if journal_path is not None and not is_utf8_path(journal_path.resolve()):
        raise InputError(
            shown_path(journal_path.resolve()),
            None,
            "is not named in UTF-8 (the journal is found again by its name); choose a file name (and a folder) in UTF-8",
        )
    if journal_path is not None:
        refuse_cpr_in_file_name(journal_path)
    rule_set = rules if isinstance(rules, Rules) else load_rules(rules)
    paths = {"grants": Path(grants), "invoices": Path(invoices), "support_sheet": Path(support_sheet)}
    if invoice_lines is not None:
        paths["invoice_lines"] = Path(invoice_lines)
    if paid is not None:
        paths["paid"] = Path(paid)
    if isinstance(rules, str | Path):
        paths["rules"] = Path(rules)
    log.info(
        "run starting: invoicekit %s, %s, run date %s, output folder %s",
        __version__,
        "dry run" if dry_run else (f"journal {journal_path}" if journal_path is not None else "no journal"),
        run_date.isoformat(),
        Path(out).resolve(),
    )
    say("reading grants, the support sheet and invoices")

    def read_and_hash(reader: Callable, name: str) -> tuple[object, tuple[str, str]]:
        """A file read, then its checksum: a file is only hashed once read, so
        never a pipe or a device, which the readers refuse unopened."""
        return reader(paths[name]), (str(paths[name]), sha256(paths[name]))

    def hash_if_file(name: str) -> tuple[str, str] | None:
        """The checksum of a regular file, taken while its reader reads it;
        ``None`` for anything else (a pipe or a device: its reader refuses it,
        and a pipe must not be drained or waited on here)."""
        return (str(paths[name]), sha256(paths[name])) if paths[name].is_file() else None

    # the invoices on one core; the rest on the other, then the invoice file's
    # checksum there too, while the invoices are still being read (arrow, numpy and
    # hashlib let go of the interpreter); an error is raised as reading in turn would raise it
    with ThreadPoolExecutor(max_workers=2) as pool:
        invoices_read = pool.submit(read_invoices, paths["invoices"])
        grants_read = pool.submit(read_and_hash, read_grants, "grants")
        sheet_read = pool.submit(read_and_hash, read_support_sheet, "support_sheet")
        lines_read = (
            pool.submit(read_and_hash, read_invoice_lines, "invoice_lines") if invoice_lines is not None else None
        )
        paid_read = pool.submit(read_and_hash, read_paid_marks, "paid") if paid is not None else None
        invoices_hashed = pool.submit(hash_if_file, "invoices")
        grant_table, grants_digest = grants_read.result()
        sheet, sheet_digest = sheet_read.result()
        invoice_table = invoices_read.result()
        invoices_digest = invoices_hashed.result() or (str(paths["invoices"]), sha256(paths["invoices"]))
        line_table: InvoiceLines | None = None
        digests = {"grants": grants_digest, "invoices": invoices_digest, "support_sheet": sheet_digest}
        if lines_read is not None:
            line_table, digests["invoice_lines"] = lines_read.result()
        marks: PaidMarks | None = None
        if paid_read is not None:
            marks, digests["paid"] = paid_read.result()
    if "rules" in paths:  # read by load_rules above
        digests["rules"] = (str(paths["rules"]), sha256(paths["rules"]))
    inputs = {name: digests[name] for name in paths}
    for name, (p, digest) in inputs.items():
        log.info("input %s: %s (sha256 %s)", name, Path(p).resolve(), digest[:16])
    grants_left_out = int(grant_table.problems["row"].nunique())
    if invoice_table.unread:
        log.info("invoice columns not read: %s", ", ".join(map(repr, invoice_table.unread)))
    log.info(
        "read %d grants (%d rows left out), %d invoices%s%s; rules %s",
        len(grant_table),
        grants_left_out,
        len(invoice_table),
        f", {len(line_table)} invoice lines" if line_table is not None else "",
        f", {len(marks)} paid marks" if marks is not None else "",
        json.dumps(rule_set.to_dict(), ensure_ascii=False, sort_keys=True),
    )
    out_dir = Path(out)

    def decide_now(history: History) -> Decisions:
        say(f"deciding {len(invoice_table):,} invoices")
        return decide(
            invoice_table, grant_table, sheet, rule_set, history, run_date=run_date, lines=line_table, paid=marks
        )

    def manifest(result: Decisions, run_id: int | None, outputs: dict[str, dict]) -> dict:
        d = result.decisions
        posted = int((d["status"] == POSTED).sum())
        return {
            "tool": f"invoicekit {__version__}",
            "run_id": run_id,
            "dry_run": dry_run,
            "recorded": run_id is not None,
            "journal": str(journal_path.resolve()) if journal_path is not None else None,
            "started_at": started_at,
            "decided_at": danish_now().isoformat(timespec="seconds"),
            "run_date": run_date.isoformat(),
            "inputs": {
                name: {"path": shown_path(Path(p).resolve()), "sha256": digest, "bytes": Path(p).stat().st_size}
                for name, (p, digest) in inputs.items()
            },
            "rules": json.loads(mask_cpr_text(json.dumps(rule_set.to_dict(), ensure_ascii=False))),
            "invoices": len(d),
            "posted": posted,
            "manual": len(d) - posted,
            "posting_lines": len(result.postings),
            "invoice_lines": len(result.lines) if result.lines is not None else None,
            "outputs": outputs,
        }

    def stage(
        staging: Path, result: Decisions, run_id: int | None, message_found: Future | None = None
    ) -> dict[str, dict]:
        say("writing the output files")
        recorded = run_id is not None
        # each file's checksum is taken as it is written (and it is flushed to disk when recorded)
        files = write_outputs(
            staging,
            result.decisions,
            result.postings,
            result.notes,
            result.problems,
            result.lines,
            durable=recorded,
            message_found=message_found,
        )
        facts = manifest(result, run_id, files)
        write_manifest(staging, facts)
        files |= file_facts(staging, [MANIFEST], durable=recorded, folders=lock.made)
        staged_manifest.update(facts)
        return files

    staged_manifest: dict = {}
    j: Journal | None = None
    created = committed = False
    run_id: int | None = None
    delivered: list[tuple[int, Path, tuple[str, ...]]] = []

    def recorded_after_all() -> bool:
        # a failure that came as the commit returned (a Ctrl-C): the run is recorded, its files the next run's
        return j is not None and run_id is not None and j.committed(run_id, staging.resolve())

    try:
        if journal is not None:
            j = Journal(journal, readonly=dry_run)
            if j.backup is not None:  # said now: the run may yet fail, and leave the journal upgraded all the same
                log.warning("journal upgraded; the old file is kept as %s", j.backup, extra={"in_summary": True})
        elif new_journal is not None:
            # before the output folder is prepared: it may be the journal's own folder, which a mistyped path
            # must not find made (the journal itself is started once the folder is known to take the run)
            refuse_new_journal(Path(new_journal))
            made = Path(new_journal).absolute()
            if made.resolve() in (out_dir.resolve(), *out_dir.resolve().parents):
                # the output folder would be made where the journal was to start: refused only after the folder
                # was made, and the folder stayed behind (an attack on 0.9.17)
                raise InputError(made, "--new-journal", "is the output folder (--out) or holds it; expected a file")
            # the folders as resolved: an --out given as a link to the folder (current -> 2019-03), or with
            # "..", passed a comparison of the paths as typed, and run.json was delivered over the journal
            if made.parent.resolve() == out_dir.resolve() and (
                made.name in (*OUTPUT_FILES, MANIFEST, LOCK) or made.name.startswith(STAGING_PREFIX)
            ):
                # the run's own file would be written over the journal (a review found the payment file
                # in the journal's place, the run's history gone, and exit 0)
                raise InputError(made, "--new-journal", "is a file this run writes into --out; expected another path")
        if j is not None and not dry_run:
            delivered = _deliver_pending(j, say)
        input_files = [*paths.values(), *([journal_path] if journal_path is not None else [])]
        lock = prepare(out_dir, OUTPUT_FILES, input_files, journal_path, recovering=not dry_run)
        try:
            if new_journal is not None:  # once the output folder is known to take the run: no journal for nothing
                j = Journal(new_journal, create=True)
                created = True
            staging = new_staging(out_dir)
            if j is None or dry_run:
                result = decide_now(j.history() if j is not None else History())
                with cleaned_on_failure(staging, (*OUTPUT_FILES, MANIFEST)):
                    files = stage(staging, result, None)
                outputs = deliver(
                    None, staging, out_dir, {n: f["sha256"] for n, f in files.items()}, importable=not dry_run
                )
                run_id = None
            else:
                # the staging folder goes with any failure up to and including the commit, but for one that
                # came as the commit returned: the run is then recorded, and its files the next run's to deliver
                with (
                    cleaned_on_failure(staging, (*OUTPUT_FILES, MANIFEST), recorded_after_all),
                    j.transaction() as conn,
                ):
                    # a run recorded while this one waited for the journal is delivered first (an attack on
                    # 0.9.26: this run decided, recorded and delivered, and that run's files waited for a third)
                    while len(pending := j.pending_deliveries()):
                        conn.execute("ROLLBACK")  # the journal let go while they are delivered: nothing was written
                        _refuse_pending_here(pending, out_dir, j)
                        delivered += _deliver_pending(j, say)
                        conn.execute("BEGIN IMMEDIATE")
                    result = decide_now(j.history())
                    run_id = j.begin_run(
                        conn,
                        {name: (shown_path(p), digest) for name, (p, digest) in inputs.items()},
                        rule_set.to_dict(),
                        started_at,
                        __version__,
                        out_dir.resolve(),
                        staging.resolve(),
                    )
                    # the journal's copy of the decisions is made while the files are written;
                    # the messages are scanned once, for the files and the journal's copy
                    with ThreadPoolExecutor(max_workers=2) as pool:
                        message_found = pool.submit(scan_messages, result.decisions)
                        copy = pool.submit(_journal_copy, result, invoice_table, grant_table, message_found)
                        files = stage(staging, result, run_id, message_found)
                        say("recording the run in the journal")
                        named, stored = copy.result()
                        j.record(conn, run_id, named, files, result.lines, stored=stored)
                    crash_point("before-commit")
                committed = True
                crash_point("after-commit")
                outputs = deliver(run_id, staging, out_dir, {n: f["sha256"] for n, f in files.items()})
                crash_point("before-delivered-mark")
                try:
                    j.mark_delivered(run_id)
                except (InputError, OutputError) as exc:
                    # recorded and delivered: only the mark is missing, and the next run on the
                    # journal writes it (it finds the files in place); an error here said the
                    # run failed, or "nothing was recorded", beside a payment file to import.
                    # The error's own advice (run again, nothing recorded) is not repeated
                    if isinstance(exc, InputError):
                        why = "another run held the journal"
                    elif "full" in str(exc):
                        why = "the disk was full"
                    else:
                        why = "the journal could not be written"
                    log.warning(
                        "run %d is recorded and its files are delivered to %s; only the journal's note that "
                        "they were delivered could not be written (%s): the next run on this journal writes it",
                        run_id,
                        out_dir.resolve(),
                        why,
                    )
        finally:
            lock.release()
    except BaseException:
        committed = committed or recorded_after_all()
        if j is not None:
            j.close()
        if created and not committed:
            # the journal this run started is left as it is: until 0.9.16 it was removed here as holding
            # nothing, but once it existed another run could open it with --journal and record a run in it
            # (an attack on 0.9.16 lost a recorded run so)
            log.info("the journal %s this run started holds no run of it: use --journal", shown_path(Path(new_journal)))
        raise
    backup = j.backup if j is not None else None
    if j is not None:
        j.close()
    try:
        res = RunResult(
            result=result,
            outputs=outputs,
            run_id=run_id,
            dry_run=dry_run,
            rules=rule_set,
            manifest=staged_manifest,
            delivered=delivered,
            journal_backup=backup,
            grant_rows=len(grant_table) + grants_left_out,
            grant_problems=grant_table.problems,
            unread_columns=invoice_table.unread,
            amount_causes=amount_causes(result.decisions, invoice_table),
        )
        _log_result(res, time.perf_counter() - clock)
    except BaseException as exc:
        # the work is done (recorded, delivered): a failure counting the figures for the summary says so, or the
        # run reads as one that failed and its payment file is not imported (an attack on 0.9.44)
        done_before(exc, done_text(run_id, dry_run, out_dir))
        raise
    return res


def done_text(run_id: int | None, dry_run: bool, out_dir: Path) -> str:
    """What a run did, said when something fails once it is done: ``run 2 is recorded, and its files are in
    o1``."""
    if dry_run:
        done = "the dry run's files are"
    elif run_id is None:
        done = "the run is done (no journal: nothing recorded), and its files are"
    else:
        done = f"run {run_id} is recorded, and its files are"
    return f"{done} in {out_dir}"


def _log_result(res: RunResult, seconds: float) -> None:
    """The run's outcome in the log: counts, reasons, what most rows share,
    where the files went and how long it took."""
    d = res.decisions
    posted = int((d["status"] == POSTED).sum())
    log.info(
        "decided %d invoices: %d posted, %d manual; %d posting lines; %d input problems",
        len(d),
        posted,
        len(d) - posted,
        len(res.result.postings),
        len(res.result.problems),
    )
    reasons = res.manual_reasons
    if len(reasons):
        log.info("manual reasons: %s", "; ".join(f"{code} {count}" for code, count in reasons.items()))
    for line in shared_problems(res):
        log.warning("%s", line, extra={"in_summary": True})
    if res.dry_run:
        recorded = "dry run: nothing recorded"
    elif res.run_id is not None:
        recorded = f"run {res.run_id} recorded in the journal"
    else:
        recorded = "no journal: nothing recorded"
    out_dir = next(iter(res.outputs.values())).parent if res.outputs else None
    log.info("run finished in %.1f s: %s; outputs in %s", seconds, recorded, out_dir)


def _refuse_pending_here(pending: pd.DataFrame, out_dir: Path, j: Journal) -> None:
    """Refuse the run when a run of ``j`` recorded while it waited (``pending``) was to deliver its files into this
    run's own output folder: this run holds that folder, and a folder holding a recorded run's files takes no
    other run's."""
    for r in pending.itertuples(index=False):
        if Path(r.out_dir).resolve() == out_dir.resolve():
            raise InputError(
                out_dir,
                None,
                f"run {int(r.run_id)} of the journal {j.path} was recorded into this folder while this run waited "
                "for the journal; nothing was recorded: run again (it delivers that run's files first) with a new "
                "--out folder",
            )


def _deliver_pending(j: Journal, say: Callable[[str], None]) -> list[tuple[int, Path, tuple[str, ...]]]:
    """Deliver the files of every run of ``j`` that was recorded and never
    delivered (a kill between its commit and its delivery), before anything
    is decided. Raises InputError naming the run and the folder when its
    files are gone."""
    done = []
    for r in j.pending_deliveries().itertuples(index=False):
        run_id, out_dir, staging = int(r.run_id), Path(r.out_dir), Path(r.staging_dir)
        if not out_dir.is_dir():
            raise InputError(
                out_dir,
                None,
                f"run {run_id} of the journal {j.path} is recorded, but its output folder is gone, so its files "
                f"cannot be delivered; restore the folder (with {staging.name}) from a backup and run again",
            )
        lock = FolderLock(out_dir, wait=DELIVERY_WAIT_SECONDS)
        try:
            if j.delivered(run_id):  # the run itself finished delivering while we waited
                continue
            # the run whole in the journal before any of its files is put where it is imported from
            j.refuse_unsound_run(run_id)
            say(f"delivering the files of run {run_id}, which was stopped after it was recorded")
            placed = deliver(
                run_id, staging, out_dir, dict(r.files), checked=True, digest=j.file_digest,
                older_order=recorded_before(str(r.tool_version), (0, 9, 45)),
            )  # fmt: skip
            gone = tuple(name for name in sorted(r.files) if name not in placed)
            try:
                j.mark_delivered(run_id)
            except (InputError, OutputError):
                # the files are in place: said before the error, which says only that this run recorded
                # nothing, so that the payment file just delivered is imported (an attack on 0.9.37)
                log.warning(
                    "delivered the files of run %d into %s, which was stopped before it could; the journal's "
                    "note that they were delivered could not be written: the next run on this journal writes it",
                    run_id,
                    out_dir,
                )
                raise
            log.warning(
                "delivered the files of run %d into %s: that run was stopped before it could",
                run_id,
                out_dir,
                extra={"in_summary": True},
            )
            done.append((run_id, out_dir, gone))
        finally:
            lock.release()
    return done


def summary(res: RunResult, top: int = 5) -> str:
    """The short summary printed after a run."""
    d = res.decisions
    n = len(d)
    posted = int((d["status"] == POSTED).sum())
    share = posted / n if n else 0.0
    lines = []
    for run_id, folder, gone in res.delivered:
        line = f"Delivered first:  run {run_id}'s files, which a stopped run had left staged, into {folder}/"
        if gone:  # delivered before, the journal's note of it unwritten: said, not held back (an attack on 0.9.44)
            line += (
                f"; {', '.join(gone)} had been delivered there before and taken since (imported?): check that they were"
            )
        lines.append(line)
    if res.journal_backup is not None:
        lines.append(f"Journal upgraded: to schema {SCHEMA_VERSION}; the old file is kept as {res.journal_backup}")
    lines += [
        f"Invoices read:   {n:,}",
        f"Posted:          {posted:,} ({en_percent(share)})",
        f"Manual:          {n - posted:,} ({en_percent(1 - share if n else 0)})",
    ]
    reasons = res.manual_reasons
    if len(reasons):
        lines.append("Most common reasons:")
        for code, count in reasons.head(top).items():
            lines.append(f"  {code:<22} {count:>8,}  {en_percent(count / n):>6}")
    lines += shared_problems(res)
    if res.result.lines is not None:
        by_lines = int(res.result.lines["row"].nunique())
        lines.append(f"Line by line:    {by_lines:,} collective invoices, {len(res.result.lines):,} lines "
                     "(decision_lines.csv)")  # fmt: skip
    if len(res.result.problems):
        lines.append(
            f"Input problems:  {len(res.result.problems):,} grant, support-sheet, invoice-line or paid-mark rows "
            "left out or read in part (input_problems.csv)"
        )
    if res.dry_run:
        lines.append("Dry run:         nothing recorded in the journal")
    elif res.run_id is not None:
        lines.append(f"Journal:         run {res.run_id} recorded")
    else:
        lines.append("Journal:         none; nothing recorded, so a rerun would post the same invoices again")
    out_dir = next(iter(res.outputs.values())).parent if res.outputs else None
    if out_dir is not None:
        lines.append(f"Outputs:         {out_dir}{os.sep} ({', '.join(sorted(res.outputs))})")
    return "\n".join(lines)


def shared_problems(res: RunResult) -> list[str]:
    """A line for a problem most rows share: more than half the invoices
    (and at least five) sent to manual for one reason, or more than half the
    grant rows left out for one column. Such a run usually means something
    about the inputs (a date format, a separator, the supplier list, a support
    sheet row), not about the invoices one by one: the line says what. And a
    line for columns of the invoice extract the robot does not read that
    look as if they hold a currency, a prepayment or the kind of document
    (:func:`~invoicekit.columns.payment_columns`): under another name, every
    invoice is taken as a DKK invoice with nothing paid on account."""
    lines = []
    unread = payment_columns(res.unread_columns)
    if unread:
        lines.append(
            f"Columns not read: {', '.join(map(repr, unread))} in the invoice extract may hold a currency, a "
            "prepayment or the kind of document, which the robot reads only from currency (Valuta), prepaid_amount "
            "(Forudbetalt) and document_type (Dokumenttype): rename the column, or every invoice is taken as a DKK "
            "invoice with nothing paid on account"
        )
    d = res.decisions
    n = len(d)
    reasons = res.manual_reasons
    if len(reasons):
        code, count = str(reasons.index[0]), int(reasons.iloc[0])
        if count >= SHARED_MIN_ROWS and count > SHARED_SHARE * n:
            cause = LIKELY_CAUSE.get(code, "look at the first of them in decisions.csv")
            held = res.amount_causes
            if code == "INVALID_AMOUNT" and held:
                cause = AMOUNT_CAUSE.get(max(held, key=held.get), cause)
            lines.append(
                f"Most invoices share one problem: {count:,} of {n:,} ({en_percent(count / n, 0)}) are {code}; {cause}"
            )
    problems = res.grant_problems
    if problems is not None and len(problems) and res.grant_rows:
        by_column = problems.groupby("column")["row"].nunique().sort_values(ascending=False, kind="stable")
        column, count = str(by_column.index[0]), int(by_column.iloc[0])
        if count >= SHARED_MIN_ROWS and count > SHARED_SHARE * res.grant_rows:
            cause = GRANT_COLUMN_CAUSE.get(column, f"check the {column} column of the grant extract")
            lines.append(
                f"Most grant rows share one problem: {count:,} of {res.grant_rows:,} left out for their {column} "
                f"(input_problems.csv); {cause}"
            )
    return lines


def amount_causes(decisions: pd.DataFrame, invoices: Invoices) -> dict[str, int]:
    """Of the invoices held as INVALID_AMOUNT, how many for another currency than kroner (``currency``: the
    currency column's, or one the amount cell named, ``28500 EUR``), for an amount that cannot be read
    (``amount``) and for an amount paid on account (``prepaid``), each counted under the first of these that
    holds for it."""
    held = (decisions["reason"] == "INVALID_AMOUNT").to_numpy() & (decisions["status"] != POSTED).to_numpy()
    if not held.any():
        return {}
    inv = invoices.frame
    currency = ~inv["currency_ok"].to_numpy(dtype=bool)
    unread = ~inv["amount_ok"].to_numpy(dtype=bool) | (inv["fields"].to_numpy() != 0)
    # a currency the amount cell named (``28500 EUR``), not the currency column: a cause of its own
    in_amount = currency & unread
    if in_amount.any():
        raw = inv["amount_raw"].to_numpy(dtype=object)
        in_amount[in_amount] = [currency_in_amount(str(c)) is not None for c in raw[in_amount]]
    amount = ~currency & unread
    prepaid = ~amount & ~currency
    return {name: int((held & mask).sum()) for name, mask in (("amount", amount), ("currency", currency & ~in_amount),
                                                                ("currency_in_amount", in_amount),
                                                                ("prepaid", prepaid))}  # fmt: skip


def _journal_copy(
    result: Decisions, invoices: Invoices, grants: Grants, message_found: Future | None = None
) -> tuple[pd.DataFrame, StoredDecisions]:
    """The decisions as the journal records them: with the names (only the
    journal keeps them), and as it stores them. ``message_found``:
    :func:`~invoicekit.post.scan_messages` of the decisions, which the
    writer scans for the files (the journal masks the messages it found)."""
    named, service_found = _named(result.decisions, invoices, grants)
    found = {"service_name": lambda: service_found}
    if message_found is not None:
        found["message"] = message_found.result
    return named, stored_decisions(named, result.lines, found=found)


def with_names(decisions: pd.DataFrame, invoices: Invoices, grants: Grants) -> pd.DataFrame:
    """The decisions with ``supplier_name`` (as the invoice gives it) and
    ``service_name`` (as the grants give the service's code: the first name
    given; for a collective invoice each of its services', ``;``-joined),
    blank where the extract has none: the journal keeps them, so follow-ups
    show names beside CVR numbers and service codes. And ``currency``, the
    invoice's (``DKK`` where its cell was blank): follow-ups sum kroner only;
    and ``prepayment``, :data:`~invoicekit.journal.PREPAYMENT_STATED` where the
    invoice states an amount paid on account (or one that cannot be read)."""
    return _named(decisions, invoices, grants)[0]


def _named(decisions: pd.DataFrame, invoices: Invoices, grants: Grants) -> tuple[pd.DataFrame, pa.BooleanArray | None]:
    """:func:`with_names`, and where ``service_name`` may read as a CPR
    number (:func:`~invoicekit.cells.cpr_cells`, None where nowhere): found
    in the few names, each row's taken from its name's, as the names are."""
    inv = invoices.frame
    if len(inv) != len(decisions):  # one decision per invoice row, in input order
        raise ValueError(f"{len(decisions)} decisions for {len(inv)} invoices")
    g = grants.frame
    named = g.loc[g["service_name"].fillna("") != "", ["service_code", "service_name"]]
    first = named.drop_duplicates("service_code")
    by_code = dict(zip(first["service_code"], first["service_name"], strict=True))
    codes, uniques = pd.factorize(decisions["service_code"].fillna("").astype(str), use_na_sentinel=False)
    names = [";".join(dict.fromkeys(n for n in (by_code.get(c, "") for c in u.split(";")) if n)) for u in uniques]
    out = decisions.copy(deep=False)  # copy-on-write: the caller's table stays as it is
    # the names stay arrow text where they are (a million Python strings made and unmade cost 0.3 s)
    out["supplier_name"] = inv["supplier_name"].array
    # the invoice's currency as read (DKK where blank), so that the follow-up sums kroner only; and whether it
    # states a prepayment: check 8 holds either whatever a fix mends, and the fix list counts neither as unlocked
    out["currency"] = inv["currency"].array
    stated = ~inv["prepaid_ok"].to_numpy(dtype=bool) | (inv["prepaid"].to_numpy() != 0)
    out["prepayment"] = np.where(stated, PREPAYMENT_STATED, "").astype(object)
    if not len(uniques):
        out["service_name"] = ""
        return out, None
    names_text, taken = arrow_text(names), pa.array(codes)
    out["service_name"] = pd.Series(names_text.take(taken), index=out.index, dtype=TEXT)
    found = cpr_cells(names_text)
    return out, None if found is None else found.take(taken)
