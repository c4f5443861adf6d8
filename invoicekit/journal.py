"""The journal: a SQLite file that remembers every run and every decision.

A run is one transaction, recorded whole or not at all: the run, its output
files' checksums and all its decisions are inserted and committed together,
so a run that is killed half-way leaves nothing behind. The delivery of the
run's files is recorded after they are in place (:mod:`invoicekit.delivery`).

The journal holds no full CPR number: decisions keep ``cpr_masked``, and what
checks 10 and 21 compare is kept as keys (:mod:`invoicekit.keys`) hashed with
the journal's own secret wherever a CPR could hide in them.

Schema 2: ``meta``, ``runs`` (one row a run: plain SQL lists them),
``run_files`` (each output file's SHA-256) and ``run_decisions``: each run's
decisions as one zstd-compressed Parquet table, written in the run's
transaction (a million decisions in about a second, a tenth of the size of a
row a decision) and read back whole-column. A journal of schema 1 (invoicekit
0.1: a ``decisions`` table, a row a decision) is migrated in place, in one
transaction, after a backup copy beside it; one of a newer schema is refused.
Readers (reports, sample control, explain, dry runs) open it read-only and
read a schema-1 journal as it is.

Schema 3 adds ``run_decision_lines``: the lines of the collective invoices a
run decided line by line (:mod:`invoicekit.lines`), one Parquet table a run
like the decisions. What checks 10 and 21 compare of such an invoice lives in
its lines (each line's grant, citizen and period), so a version that did not
read them could pay a line's period again: a schema-2 journal is migrated to
3 (the table added, after a backup copy), and older versions refuse schema 3.

Schema 4 (invoicekit 0.9.3) stores as a keyed hash every key whose number
reads as a CPR number (``010140/1234``: see :mod:`invoicekit.keys`), where
older versions hashed only ten digits in a row and kept such a number in full.
A journal of schema 2 or 3 is migrated: each run's stored tables are rewritten
with those keys hashed and every text masked as this version masks it (older
versions let some forms of a CPR number through), the legacy keys of numbers
schema 1 stored masked made again from them masked so, and each run's input
paths and rules masked so, after a backup copy; the pages freed are cleared.
Older versions refuse schema 4: they would compare the number unhashed and miss
an invoice paid before. Read-only, an older journal's keys are made so in
memory, in one read transaction that reads the schema again (another process
may have migrated it since it was opened).

Schema 5 (invoicekit 0.9.10) is schema 4 with what 0.9.9 added to what reads
as a CPR number: a key of a birth date written as a date (``01.01.90-1234``,
kept as ``01.01.901234``) hashed, and that form masked in the texts. Versions
0.9.3 to 0.9.8 stored it in full, and a run of 0.9.9 compared its hash with
the key they stored, so check 10 missed the invoice they had seen. A journal
of schema 4 is migrated as one of schema 2 or 3 is (the same rewrite, after
a backup copy), and read-only its keys are made so, and its texts masked so,
in memory. Older versions refuse schema 5.

Schema 6 (invoicekit 0.9.13) is schema 5 with what 0.9.13 added to what reads
as a CPR number: the birth date and the sequence number joined by ``,``,
``:``, ``+``, ``#``, ``'`` or a middle dot (``200190,1234``). Such a key is
hashed, and such a text masked; a journal of schema 5 is migrated as one of
schema 4 is, and older versions refuse schema 6.

Schema 7 (invoicekit 0.9.16) is schema 6 with a birth date written as a date
whose sequence number follows one more ``.`` or ``/`` (``14.10.80.1515``,
``14/10/80/1515``), or whose day or month has one digit (``1.2.85-1234``), read as a
CPR number: such a key is hashed (0.9.15 stored ``14.10.80.1515`` as its key, in full)
and such a text masked. A journal of
schema 6 is migrated as one of schema 5 is, and older versions refuse schema 7.

Schema 8 (invoicekit 0.9.23) is schema 7 with each number's value key and a
sequence number in two pairs masked. Schema 9 (invoicekit 0.9.24) keeps the
secret the keys are hashed with in the key file beside the journal
(:func:`key_path`), not in ``meta``: the journal alone reveals no CPR number.
A migration to 9 moves it there (written before the commit, never over
another key), and clears its row from the journal's pages.

Schema 12 (invoicekit 0.9.34) stores a decision's and a line's amounts as
whole øre, integers (``amount_ore``, ``expected_amount_ore``), where schemas
2 to 11 stored DKK as floating point (``amount``, ``expected_amount``) and
schema 1 as text. A migration to 12 rewrites each run's stored tables so;
an older journal read as it is is handed øre all the same. Older versions
refuse schema 12: they would read øre as kroner.

Schema 13 (invoicekit 0.9.39) keeps each file's checksum keyed with the journal's secret
(``run_files.keyed_sha256``: :func:`~invoicekit.keys.file_digest` of its SHA-256), where schemas 2
to 12 kept its SHA-256 (``run_files.sha256``), and so each run's inputs' (``runs.invoices_sha256`` and the
others keep their names and hold the keyed form: a one-invoice extract with the spec's columns holds nothing
the journal does not, but four digits). The payment file ``opus_postings.csv`` holds the
citizens' CPR numbers and nothing the journal does not hold besides (art, PSP element, amount, text,
period, invoice number, CVR number, posting date, birth date), so its plain checksum gave a run's
citizen's whole number to 10,000 tries (an attack on 0.9.38). A migration to 13 keys the checksums
kept, and older versions refuse schema 13: they would find every staged file changed.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import json
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from invoicekit.cells import mask_arrow, one_line_within
from invoicekit.columns import DECISION_COLUMNS, IN_ORE, TYPED_DECISION_COLUMNS
from invoicekit.delivery import MANIFEST, fsync_path, read_only, read_regular, sha256
from invoicekit.errors import InputError, MissingFileError, OutputError
from invoicekit.history import KEY_COLUMNS, History, history_tables
from invoicekit.identifiers import mask_cpr_text, mask_cprs_in, mask_unless_psp
from invoicekit.keys import (
    HASHED,
    LEGACY,
    file_digest,
    legacy_citizen_keys,
    legacy_keys,
    new_secret,
    normalise_grant_ids,
    normalise_numbers,
    rekeyed,
    stored_keys,
    stored_masked,
)
from invoicekit.parsing import dkk_ore
from invoicekit.reasons import POSTED
from invoicekit.texts import arrow_text, one_line
from invoicekit.vocabulary import danish_now, run_month

#: schema 8 (0.9.23): runs from 0.9.22 on may store ``invoice_value_key`` (check 10 by value), which
#: versions reading schema 7 do not read, so they would post again an invoice seen with other leading
#: zeros (an attack on 0.9.22: 0.9.21 opened 0.9.22's journal and did); and 0.9.22 masked a CPR
#: number's sequence written in two pairs (``121281 40 11``), which journals of 0.9.16 to 0.9.21 hold
#: in full: migrated to 8, they are masked so (a review of 0.9.23's first version, which only
#: renumbered them)
#: schema 9 (0.9.24): the secret the keys are hashed with is kept in a key file beside the journal
#: (:func:`key_path`), no longer in it: a hashed key can be tried against the birth date stored
#: beside it and 10,000 sequence numbers, so whoever held the journal and its secret had every CPR
#: number it keyed (an attack on 0.9.23 had them all in under a second). Older versions refuse
#: schema 9: they would find no secret
#: schema 10 (0.9.31): a CPR number shown with thousands separators (``2.311.854.711``, a workbook's
#: number cell saved as CSV) is masked in the texts and its key hashed, where schema 9 kept both in
#: full (an attack on 0.9.30); older versions refuse it, as they would not find such a number paid
#: schema 11 (0.9.32): ten digits joined by ``_`` have their key hashed, and a CPR number with thousands
#: separators in other digits, full-width separators or a space after each is masked (an attack on 0.9.31)
#: schema 12 (0.9.34): amounts as whole øre, integers (the columns of :data:`IN_ORE`), where 2 to 11 stored
#: DKK as doubles; older versions refuse it, as they would read øre as kroner
#: schema 13 (0.9.39): each file's checksum keyed with the secret (``run_files.keyed_sha256``), where 2 to
#: 12 kept its SHA-256, which with the rest of what the journal holds gave away a payment file's CPR numbers
SCHEMA_VERSION = 13
#: the first schema whose stored decisions are as this version stores them (13 changed the checksums alone): one
#: of an older schema read as it is is cleaned as a migration would (:meth:`Journal._as_now`), with the secret; a
#: schema-12 journal handed out alone, without its key file, was called damaged by every report (a review)
DECISIONS_AS_NOW_FROM = 12
#: the first schema that keeps the files' checksums keyed
KEYED_FILES_FROM = 13
#: the runs' columns of their inputs' checksums, keyed with the secret from schema 13 on, their names kept
_INPUT_DIGESTS = ("grants_sha256", "invoices_sha256", "support_sheet_sha256")


def _digest_column(version: int) -> str:
    """The column of ``run_files`` that holds each file's checksum in a journal of schema ``version``."""
    return "keyed_sha256" if version >= KEYED_FILES_FROM else "sha256"


#: schema 13's change to ``run_files``, made on a new journal and by a migration
_KEYED_FILES = "ALTER TABLE run_files RENAME COLUMN sha256 TO keyed_sha256"
#: the first schema whose secret is in its key file
KEY_FILE_FROM = 9

_RUNS_V1 = """
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    grants_file TEXT, grants_sha256 TEXT,
    invoices_file TEXT, invoices_sha256 TEXT,
    support_sheet_file TEXT, support_sheet_sha256 TEXT,
    rules TEXT NOT NULL,
    invoices INTEGER NOT NULL,
    posted INTEGER NOT NULL
"""
#: the texts of a run people read, masked (:meth:`Journal.begin_run`)
_RUN_TEXTS = ("grants_file", "invoices_file", "support_sheet_file", "rules")
#: where a run's files go: masked once they are delivered (:meth:`Journal.mark_delivered`)
_RUN_FOLDERS = ("out_dir", "staging_dir")
#: what schema 2 adds to schema 1 (the migration adds exactly these)
_RUNS_V2 = (
    ("out_dir", "TEXT"),  # where the files go
    ("staging_dir", "TEXT"),  # where they wait until delivered
    ("delivered_at", "TEXT"),  # NULL until they are in place
)
#: what schema 2 keeps of a decision beside schema 1's columns: its keys
#: (:data:`~invoicekit.history.KEY_COLUMNS`): check 10's (the number's, and from 0.9.22 its
#: value's; blank before) and check 21's (the same grant; the same citizen, supplier and service;
#: from 0.9.13 the same citizen, supplier and paragraph, blank before)
_KEY_COLUMNS = KEY_COLUMNS
#: keys added without a migration (0.9.13, schema 6; 0.9.22): a run recorded before kept none (read as blank)
_LATER_KEYS = ("paragraph_key", "invoice_value_key")
_DECISION_COLUMNS_V2 = (*_KEY_COLUMNS, "document_type")
_RUN_DECISIONS = """
CREATE TABLE run_decisions (
    run_id INTEGER PRIMARY KEY REFERENCES runs(run_id),
    rows INTEGER NOT NULL,
    format TEXT NOT NULL,
    data BLOB NOT NULL
)
"""
#: schema 3: the lines of the invoices decided line by line, one table a run
_RUN_DECISION_LINES = """
CREATE TABLE run_decision_lines (
    run_id INTEGER PRIMARY KEY REFERENCES runs(run_id),
    rows INTEGER NOT NULL,
    format TEXT NOT NULL,
    data BLOB NOT NULL
)
"""
#: what the journal keeps of a line (beside ``row``, the invoice's row)
LINE_JOURNAL_COLUMNS = (
    "row", "line_no", "cpr_masked", "amount_ore", "status", "reason", "grant_id", "expected_amount_ore", "paragraph",
    "psp_element", "art", "service_code", "period_start", "period_end", "message", "check", "grant_key", "citizen_key",
    "paragraph_key",
)  # fmt: skip
#: how a run's decisions are stored in ``run_decisions.data``
DECISIONS_FORMAT = "parquet-zstd"
_RUN_FILES = """
CREATE TABLE run_files (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
)
"""


def _schema_v2() -> str:
    runs = _RUNS_V1.rstrip() + "".join(f",\n    {name} {kind}" for name, kind in _RUNS_V2) + "\n);\n"
    return (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
        + runs
        + _RUN_DECISIONS.strip()
        + ";\n"
        + _RUN_FILES.strip()
        + ";\n"
        + _RUN_DECISION_LINES.strip()
        + ";\n"
    )


#: the names the extracts give beside the numbers (the supplier's on the
#: invoice, the service's on the grant), for people reading follow-ups; blank
#: where the extract had none, and in runs recorded before invoicekit 0.4.0
NAME_COLUMNS = ("supplier_name", "service_name")
#: kept since 0.9.43 without a migration (read as blank in runs recorded before): the invoice's currency as
#: read, ``DKK`` where its cell was blank, so that a follow-up sums kroner only (it summed a euro invoice's
#: amount as kroner)
#: and whether it states a prepayment (*a conto*): :data:`PREPAYMENT_STATED`, or blank for none. Check 8
#: holds such an invoice whatever else is mended, so the fix list counts neither as one a fix unlocks
LATER_COLUMNS = ("currency", "prepayment")
#: ``prepayment`` of an invoice that states an amount paid on account, or one that cannot be read
PREPAYMENT_STATED = "a conto"
#: what the journal keeps of a decision: the columns of decisions.csv, with the
#: service and period beside the message (schema 1), the keys (schema 2) and
#: the names
JOURNAL_COLUMNS = (
    *(c for c in TYPED_DECISION_COLUMNS if c != "message"),
    "service_code",
    "period_start",
    "period_end",
    "message",
    *_DECISION_COLUMNS_V2,
    *NAME_COLUMNS,
    *LATER_COLUMNS,
)
#: what schema 1 kept of a decision, in its table ``decisions`` (the amounts as text, in DKK)
_V1_DECISION_COLUMNS = (
    *(c for c in DECISION_COLUMNS if c != "message"),
    "service_code",
    "period_start",
    "period_end",
    "message",
)
#: typed in the journal: amounts in whole øre (null where the invoice had none) and
#: periods as dates; ``row`` an integer, every other column text. (Runs recorded
#: by 0.2.0 kept amounts and periods as text, and runs before schema 12 amounts in DKK
#: under the names of :data:`IN_ORE`: they are read as these types.)
_AMOUNT_COLUMNS = tuple(IN_ORE.values())
_DATE_COLUMNS = ("period_start", "period_end")
_V1_RUN_COLUMNS = (
    "run_id", "started_at", "finished_at", "tool_version", "grants_file", "grants_sha256", "invoices_file",
    "invoices_sha256", "support_sheet_file", "support_sheet_sha256", "rules", "invoices", "posted",
)  # fmt: skip


#: a secret as :func:`~invoicekit.keys.new_secret` makes it
_SECRET = re.compile(r"[0-9a-f]{64}")
#: less than a secret: what a write of one that stopped leaves
_PART_OF_A_SECRET = re.compile(r"[0-9a-f]{0,63}")


def key_path(journal: str | Path) -> Path:
    """The key file of a journal: beside it, its name and ``.key``
    (``journal.sqlite.key``). It holds the secret the journal's keys are
    hashed with; the journal alone, handed to an analyst or a report, does
    not reveal a CPR number."""
    journal = Path(os.path.realpath(journal))  # a journal reached by a link: the key beside the file itself
    return journal.with_name(journal.name + ".key")


#: the most a key file holds: 64 hexadecimal digits and a line break (a FIFO, a device or a file of
#: gigabytes named so is never read whole: a review of the first version hung or took 6 GB)
_KEY_BYTES = 128


def key_check(secret: str) -> str:
    """What the journal keeps (``meta``, ``key_check``) to know its own key
    by: a keyed hash of a constant, which says nothing of the secret. A key
    file of another journal (copied in, restored from the wrong backup) is
    refused by it: with another secret every hashed key misses, and a run
    paid again what the journal says was paid (a review of the first version)."""
    return hashlib.blake2b(b"invoicekit journal key", key=bytes.fromhex(secret), digest_size=16).hexdigest()


def _read_key(journal: Path) -> str:
    """The secret in ``journal``'s key file; :class:`InputError` when it is
    missing, unreadable or not one invoicekit writes."""
    path = key_path(journal)
    restore = "restore it from a backup of the journal's folder (the journal and its key file together)"
    try:
        text = read_regular(path, _KEY_BYTES).decode("ascii")
    except FileNotFoundError:
        raise InputError(
            journal,
            None,
            f"its key file {path.name} is missing (made beside the journal with it: it holds the secret the "
            "journal's keys are hashed with, and without it the robot cannot see what it paid before); " + restore,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise InputError(path, None, f"cannot be read ({why}); expected the journal's key file: {restore}") from None
    secret = text.strip()
    if not _SECRET.fullmatch(secret):
        raise InputError(
            path,
            None,
            "is not a key invoicekit writes (64 hexadecimal digits): with another secret the robot cannot see "
            f"what the journal says it paid; {restore}",
        )
    return secret


def _write_key(journal: Path, secret: str) -> None:
    """Write ``secret`` to ``journal``'s key file, readable by its owner
    only, flushed to disk, placed whole (never half a key) and never over
    another key: :class:`InputError` where one with another secret is there.
    A key file that holds the start of this secret or nothing (a write
    stopped by a full disk or a kill where the folder has no hard links) is
    this write's own, and replaced. Nothing is written where it holds this
    secret already."""
    path = key_path(journal)
    _refuse_long_key_name(journal)
    stopped = False  # a key file this write's last try left half written
    if path.exists() or path.is_symlink():
        if _key_in(path) == secret:  # this journal's (a link to it too)
            _remove_key_copies(path)
            return
        if not _begun_with(path, secret):
            raise InputError(
                path,
                None,
                "exists and is not this journal's key file; it may be another journal's key: move it away "
                "(never delete a key whose journal you keep)",
            )
        stopped = True
    made: Path | None = None
    try:
        if stopped:
            path.unlink(missing_ok=True)
        # a name of its own length, whatever the journal's (one of 240 bytes had no room for a longer one)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=_key_copy_prefix(path), suffix=".new")
        made = Path(name)
        _write_all(fd, secret)
        try:
            os.link(made, path)  # placed only where there is none: two runs never write over each other's
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            # a file system without hard links (FAT, some network shares): made in place, where there
            # is none; what a stopped write leaves is this write's own to replace (above), never used
            _write_in_place(path, secret)
        fsync_path(path.parent)
    except FileExistsError:
        raise InputError(path, None, "was made by another run at the same moment; run again") from None
    except OSError as exc:
        raise OutputError(
            f"{key_path(journal)}: cannot be written ({exc.strerror or exc}); nothing was recorded: free some disk "
            "space, or choose a folder you may write, and run again"
        ) from None
    finally:
        if made is not None:
            with contextlib.suppress(OSError):
                made.unlink(missing_ok=True)


def _key_copy_prefix(path: Path) -> str:
    """How the copy of the key at ``path`` a run writes before placing it
    begins: ``.invoicekit-key-`` and eight hexadecimal digits of the key
    file's name, its journal's own (``.invoicekit-key-1a2b3c4d-….new``
    beside it), of the same length whatever the journal's name."""
    return f".invoicekit-key-{hashlib.blake2b(os.fsencode(path.name), digest_size=4).hexdigest()}-"


def _remove_key_copies(path: Path) -> None:
    """The copies of the key at ``path`` a stopped run left beside it: a
    second name of the key file (stopped between placing the key and
    removing its copy), or a copy holding its secret (stopped before placing
    it): removed. Only this journal's copies (a journal copied beside it with
    its key holds the same secret, and its copy is its own: a review found
    one removed while it was written); of them no other run is writing one
    (a journal's key is written inside its lock, and a run finding the key
    there writes none)."""
    prefix = glob.escape(_key_copy_prefix(path))
    copies = [*path.parent.glob(f"{prefix}*.new"), *path.parent.glob(f"{glob.escape(path.name)}.*.new")]
    secret = _key_in(path)
    if not secret or not _SECRET.fullmatch(secret):
        return
    for copy in copies:  # (named the second way by 0.9.24)
        with contextlib.suppress(OSError):
            if os.path.samefile(copy, path) or _key_in(copy) == secret:
                copy.unlink()


def _begun_with(path: Path, secret: str) -> bool:
    """Whether the key file at ``path`` (a file, no link) holds less than
    ``secret`` and its line break, and nothing but their start: a write of
    it that stopped."""
    if path.is_symlink():
        return False
    try:
        held = read_regular(path, _KEY_BYTES)
    except OSError:
        return False
    whole = (secret + "\n").encode("ascii")
    return len(held) < len(whole) and whole.startswith(held)


def _refuse_long_key_name(journal: Path) -> None:
    """:class:`InputError` where the key file's name (the journal's and
    ``.key``) is longer than the folder's file system allows."""
    path = key_path(journal)
    try:
        most = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        most = 255
    if len(os.fsencode(path.name)) > most:
        raise InputError(
            journal,
            None,
            f"its name leaves no room for its key file beside it ({path.name}, over {most} bytes); expected a "
            "shorter name",
        )


#: what ``link`` says where the file system has no hard links
_NO_LINKS = frozenset(
    code for code in (errno.EPERM, errno.ENOTSUP, getattr(errno, "EOPNOTSUPP", None), errno.EXDEV, errno.ENOSYS) if code
)


def _write_in_place(path: Path, secret: str) -> None:
    """``secret`` in a new file at ``path`` (none may be there), readable by
    its owner only, flushed to disk; a write that fails (a full disk) leaves
    no file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _write_all(fd, secret)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def _write_all(fd: int, secret: str) -> None:
    """``secret`` and a line break written to ``fd`` whole (a short write
    goes on), flushed to disk; ``fd`` closed."""
    try:
        data = memoryview((secret + "\n").encode("ascii"))
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _key_in(path: Path) -> str | None:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return read_regular(path, _KEY_BYTES).decode("ascii").strip()
    return None


def _journal_error(path: Path, exc: Exception) -> InputError | OutputError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return InputError(path, None, "is in use by another run; try again when that run has finished")
    if "full" in text or "disk I/O" in text:
        return OutputError(
            f"{path}: cannot be written ({text}); nothing was recorded: free some disk space and run again"
        )
    if "readonly" in text and Path(f"{path}-journal").exists():
        # a read-only reader (a dry run, a report) meets a transaction a stopped run left unfinished:
        # only a connection that may write can roll it back (an attack on 0.9.22 was told the file
        # could not be written, as if its permissions were wrong)
        return InputError(
            path,
            None,
            f"holds a transaction a stopped run left unfinished ({path.name}-journal beside it), which a "
            "reader may not roll back; expected a journal with none: a recorded run (without --dry-run) "
            "rolls it back first, and nothing it held was recorded",
        )
    if "readonly" in text or "unable to open" in text:
        folder = path.absolute().parent
        if path.exists() and os.access(path, os.W_OK) and not os.access(folder, os.W_OK | os.X_OK):
            # the file may be written, its folder not: SQLite writes the file it undoes a transaction with beside
            # the journal (an attack on 0.9.30 was sent to the file's permissions, and the folder never named)
            return InputError(
                path,
                None,
                f"cannot be written ({text}): its folder {folder} may not be written, and SQLite writes the file it "
                f"undoes an unfinished run with ({path.name}-journal) beside the journal; expected a journal in a "
                "folder I may write",
            )
        return InputError(path, None, f"cannot be written ({text}); expected a journal file I may write")
    if "malformed" in text:
        # an SQLite file whose pages are damaged (cut short by a copy, a disk fault): a journal, and no run can trust
        # what it holds (an attack on 0.9.30 was told it was not a journal at all)
        return InputError(
            path,
            None,
            f"is damaged (SQLite said: {text}); nothing was recorded: restore the journal from a backup (keep the "
            "damaged file for whoever looks into it)",
        )
    return InputError(path, None, f"not an invoicekit journal (SQLite said: {text})")


def _backup_error(backup: Path, exc: sqlite3.Error) -> InputError | OutputError:
    """The error of a migration's backup copy that could not be written: the
    copy named, not the journal (which is as it was; an attack on 0.9.30
    found the journal named, as if it could not be written)."""
    text = str(exc)
    if "full" in text or "disk I/O" in text:
        return OutputError(
            f"{backup}: the journal's copy before its upgrade cannot be written ({text}); the journal is as it "
            "was and nothing was recorded: free some disk space and run again"
        )
    return InputError(
        backup,
        None,
        f"the journal's copy before its upgrade cannot be written ({text}); the journal is as it was and nothing "
        "was recorded; expected a journal in a folder I may write",
    )


def _now() -> str:
    return danish_now().isoformat(timespec="seconds")


def months_of_runs(runs: pd.DataFrame) -> pd.Series:
    """The month each run of :meth:`Journal.runs` belongs to, as every
    command counts it (:func:`~invoicekit.vocabulary.run_month`), indexed as
    ``runs``."""
    months = [run_month(f, s) for f, s in zip(runs["invoices_file"], runs["started_at"], strict=True)]
    return pd.Series(months, index=runs.index, dtype=object)


log = logging.getLogger(__name__)

#: the tables that hold what a run recorded, in any schema
_RUN_TABLES = frozenset({"runs", "decisions", "run_decisions", "run_decision_lines", "run_files"})


def refuse_new_journal(path: Path) -> None:
    """Raise :class:`InputError` where ``--new-journal`` cannot start a
    journal at ``path``: the file exists (the spec: refused, whatever it
    holds; a journal a run started and left holding no run, as a run that
    failed before its commit leaves it, is named so, for ``--journal``), or
    its folder does not (a mistyped path never starts a second journal).
    Checked before anything is made, the run's output folder included: that
    folder may be the journal's."""
    if path.is_dir():
        raise InputError(path, None, "is a folder; expected a journal file (SQLite)")
    key = key_path(path)
    if path.parent.is_dir():
        _refuse_long_key_name(path)
    if not (path.exists() or path.is_symlink()) and (key.exists() or key.is_symlink()):
        raise InputError(
            key,
            None,
            f"exists without its journal {path.name}: it may be the key of a journal moved elsewhere; move it "
            "away first (never delete a key whose journal you keep; one a run left that stopped while starting "
            "the journal, when you deleted the empty journal it left, keys nothing), or give that journal with "
            "--journal",
        )
    if path.is_symlink() and not path.exists():
        raise InputError(
            path,
            None,
            f"is a link to {os.readlink(path)}, which does not exist; a new journal is started at a path where "
            "nothing is: start it at the link's target itself, or remove the link",
        )
    if path.exists() or path.is_symlink():
        if path.is_file() and path.stat().st_size == 0:
            raise InputError(
                path,
                None,
                "exists; --new-journal starts a journal and never reuses a file. It is empty: where it is what a run "
                "that stopped while starting a journal there left (it holds nothing), delete it, with its key file "
                f"{key_path(path).name} if there is one, and run again; else choose another path",
            )
        if path.is_file() and path.stat().st_size > 0 and _holds_no_run(path):
            raise InputError(
                path,
                None,
                "exists, a journal that holds no run yet (a run that started it is still running, or stopped before "
                "its commit): use --journal once no run is running",
            )
        raise InputError(path, None, "exists; --new-journal starts a journal and never reuses a file: use --journal")
    if not path.parent.is_dir():
        raise InputError(
            path, None, "its folder does not exist; create the folder first, or start the journal elsewhere"
        )


#: a new journal's permissions, as SQLite made them (the umask taken from them): only its owner may change the
#: record of what was paid (0o666 let a group or everyone write it: a review of 0.9.42's first version)
JOURNAL_MODE = 0o644


def _made_file(path: Path) -> os.stat_result | None:
    """A new journal's file made empty at ``path``, where no file may be (``O_EXCL``: of two runs starting it
    at the same moment, the second is refused here), and what identifies it: SQLite then opens the file this
    run made, and :meth:`Journal._create` writes only into it (its identity taken after SQLite made the file,
    a file put in its place in between was taken for it: a review of 0.9.42's first version)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, JOURNAL_MODE)
    except FileExistsError:
        raise InputError(path, None, "was started by another run at the same moment: use --journal") from None
    except OSError:
        return None  # SQLite, opening it, says what is wrong (a folder that may not be written, a full disk)
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def _same_file(path: Path, made: os.stat_result | None) -> bool:
    """Whether ``path`` is still the file ``made`` was taken of (not removed, nor another in its place)."""
    if made is None:
        return False
    try:
        now = path.stat()
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (made.st_dev, made.st_ino)


def _holds_no_run(path: Path) -> bool:
    """Whether ``path`` (a regular file) is an invoicekit journal that holds
    no run (and no decision): what a run that failed before its commit
    leaves. Read only; any doubt (another program's file, a damaged one) is
    False."""
    try:
        conn = read_only(path)
    except sqlite3.DatabaseError:
        return False
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "runs"} <= tables:
            return False
        counted = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in sorted(tables & _RUN_TABLES)]
        return not any(counted)
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


class Journal:
    """A journal file.

    ``Journal(path)`` opens one that exists (a path that does not is refused,
    so a typo never starts an empty journal), migrating a schema-1 journal
    after a backup copy. ``Journal(path, create=True)`` starts a new one and
    refuses a path that exists. ``readonly=True`` opens for reading only and
    migrates nothing.
    """

    def __init__(self, path: str | Path, readonly: bool = False, create: bool = False) -> None:
        self.path = Path(path)
        self.backup: Path | None = None  # the copy made before a migration
        self._secret_value: str | None = None  # read when first needed (see secret)
        if self.path.is_dir():
            raise InputError(self.path, None, "is a folder; expected a journal file (SQLite)")
        if create:
            refuse_new_journal(self.path)
        elif self.path.is_symlink() and not self.path.exists():
            raise InputError(
                self.path,
                None,
                f"is a link to {os.readlink(self.path)}, which does not exist; expected the robot's journal there: "
                "point the link at the journal, or restore the journal from a backup",
            )
        elif not self.path.exists():
            raise MissingFileError(
                self.path, "does not exist; expected the robot's journal (start a new one with --new-journal)"
            )
        elif not readonly and (names := self.path.stat().st_nlink) > 1:
            # SQLite keeps a stopped run's undo file beside the name it was opened by; by another name (ln, cp -al)
            # the stopped run read as recorded, its payment file was delivered, and the journal's own name then
            # rolled it back and paid the month again (an attack on 0.9.27)
            raise InputError(
                self.path,
                None,
                f"is one file under {names} names (hard links, as ln or cp -al make); SQLite keeps what undoes a "
                "stopped run beside one name only, and through another a run that was never recorded reads as "
                "recorded; expected the journal under one name: remove the other names (a backup is a copy, "
                "cp, taken while no run is going)",
            )
        elif self.path.stat().st_size == 0:
            raise InputError(
                self.path,
                None,
                "is empty, not an invoicekit journal (a run stopped while starting it leaves one so: it holds "
                f"nothing, and may be deleted, with its key file {key_path(self.path).name} if there is one, and "
                "started again with --new-journal); expected the robot's journal",
            )
        if create:
            self._made = _made_file(self.path)
        try:
            if readonly:
                self.conn = read_only(self.path, isolation_level=None)
            else:
                # isolation_level=None: we issue BEGIN/COMMIT ourselves
                self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big runs write many pages
            if create:
                self._create()
            self.version = self._check()
            if self.version < SCHEMA_VERSION and not readonly:
                self._migrate()
            elif not readonly:
                _remove_key_copies(key_path(self.path))
            if self.version < KEY_FILE_FROM:  # kept in the journal: every command reads it, as before
                self.secret = self._secret()
        except sqlite3.DatabaseError as exc:
            self.close()
            self._drop_made_if_empty(create)
            raise _journal_error(self.path, exc) from None
        except BaseException:
            self.close()
            self._drop_made_if_empty(create)
            raise

    def _drop_made_if_empty(self, create: bool) -> None:
        """The file this run made for a new journal removed where starting the journal failed (a full disk,
        Ctrl-C, as SQLite opened it or as the journal was started) and left it empty: it holds nothing. Left,
        the same command was refused ("exists") and so was ``--journal`` ("is empty"), and the robot's first
        month stayed stopped until someone deleted it by hand (an attack on 0.9.41). Removed only while it is
        still the file this run made and still empty; no other run can be in it: ``--new-journal`` cannot make
        it again (``O_EXCL``), ``--journal`` refuses an empty file."""
        if create and _same_file(self.path, self._made):
            with contextlib.suppress(OSError):
                if self.path.stat().st_size == 0:
                    self.path.unlink()

    @property
    def secret(self) -> str:
        """The secret the journal's keys are hashed with: from schema 9 in its
        key file (:func:`key_path`), read when first needed, so that the
        commands that only read what was decided (reports, sample control)
        need the journal alone."""
        if self._secret_value is None:
            self._secret_value = self._secret()
        return self._secret_value

    @secret.setter
    def secret(self, value: str) -> None:
        self._secret_value = value

    def _secret(self) -> str:
        """The secret the journal's keys are hashed with. A schema-1 journal
        has none (its keys are made from its plain values, with a new one,
        when it is read or migrated); from schema 2 on, a journal without one
        is damaged: a new one would make every stored key match nothing, and
        check 21 would pass an invoice for a period paid before. From schema
        9 it is in the key file beside the journal."""
        if self.version >= KEY_FILE_FROM:
            secret = _read_key(self.path)
            if self._meta("key_check") != key_check(secret):
                raise InputError(
                    key_path(self.path),
                    None,
                    f"is not the key of the journal {self.path.name} (the journal knows its own key, and this is "
                    "another: another journal's, or one restored from another backup); with it the robot would "
                    "not see what the journal says it paid: restore the journal's own key file from a backup of "
                    "the journal's folder (the journal and its key file together)",
                )
            return secret
        secret = self._meta("secret")
        if secret and not _SECRET.fullmatch(secret):
            # edited by hand: no key made with it could be checked (an attack on 0.9.22 met "unexpected
            # ValueError ... please report it")
            raise InputError(
                self.path,
                None,
                "has a secret that is not the 64 hexadecimal digits invoicekit writes (the table meta, key "
                "'secret'): the journal is damaged, and with another secret the robot cannot see what it paid "
                "before; restore the journal from a backup",
            )
        if secret:
            return secret
        if self.version >= 2:
            raise InputError(
                self.path,
                None,
                "has lost its secret (the table meta has no 'secret'), with which its stored keys were made: "
                "the journal is damaged, and without it the robot cannot see what it paid before; restore the "
                "journal from a backup",
            )
        return new_secret()

    # ------------------------------------------------------------ schema

    def _migrations(self) -> list[dict]:
        """The migrations recorded in ``meta`` (``migrations``, a JSON list),
        the oldest first; a journal migrated before that list was kept has its
        one migration in ``migrated_from``, ``migrated_at`` and
        ``migration_backup``."""
        stored = self._meta("migrations")
        if stored:
            with contextlib.suppress(ValueError):
                history = json.loads(stored)
                if isinstance(history, list):
                    return history
        was = self._meta("migrated_from")
        if was is None:
            return []
        last = {
            "from": int(was) if was.isdigit() else was,
            "at": self._meta("migrated_at"),
            "backup": self._meta("migration_backup"),
        }
        return [last]

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _create(self) -> None:
        secret = new_secret()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if not _same_file(self.path, self._made):
                # removed (or replaced) since this run made it
                raise InputError(self.path, None, "was removed while this run waited to start it: run again")
            if self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                # another run started the empty file at the same moment, and made it a journal first
                raise InputError(self.path, None, "was started by another run at the same moment: use --journal")
            for statement in _schema_v2().split(";\n"):
                if statement.strip():
                    self.conn.execute(statement)
            self.conn.execute(_KEYED_FILES)
            self.conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("schema_version", str(SCHEMA_VERSION)), ("key_check", key_check(secret)), ("created_at", _now())],
            )
            _write_key(self.path, secret)  # before the commit: never a journal without its key
            self.conn.execute("COMMIT")
        except BaseException:
            self._rollback()  # SQLite may have rolled back already (a full disk)
            self._drop_key_of_nothing(secret)  # no journal was started
            raise
        self.version, self.secret = SCHEMA_VERSION, secret

    def _check(self) -> int:
        """The schema version, after checking the tables and columns readers need."""
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            raise InputError(self.path, None, "is empty, not an invoicekit journal; expected the robot's journal")
        if "meta" not in tables:
            raise InputError(self.path, None, "is a SQLite file of another program; expected an invoicekit journal")
        raw = self._meta("schema_version")
        try:
            version = int(raw or "")
        except ValueError:
            raise InputError(
                self.path, None, f"has no readable schema version ({raw!r}); expected an invoicekit journal"
            ) from None
        if version > SCHEMA_VERSION:
            raise InputError(
                self.path,
                None,
                f"was written by a newer invoicekit (journal schema {version}); this version reads schema "
                f"{SCHEMA_VERSION} and older: upgrade invoicekit",
            )
        need = {"runs": _V1_RUN_COLUMNS, "decisions": _V1_DECISION_COLUMNS}
        if version >= 2:
            need = {
                "runs": (*_V1_RUN_COLUMNS, *(n for n, _ in _RUNS_V2)),
                "run_decisions": ("run_id", "rows", "format", "data"),
                "run_files": ("run_id", "name", _digest_column(version), "bytes"),
            }
        if version >= 3:
            need["run_decision_lines"] = ("run_id", "rows", "format", "data")
        for table, columns in need.items():
            if table not in tables:
                raise InputError(self.path, f"table '{table}'", "missing; the journal is damaged or not invoicekit's")
            have = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            lacking = [c for c in columns if c not in have]
            if lacking:
                raise InputError(
                    self.path,
                    f"table '{table}'",
                    f"lacks the column(s) {', '.join(lacking)}; the journal is damaged or not invoicekit's",
                )
        return version

    def _migrate(self) -> None:
        """Schema 1 → 2 → 3 → 4 → 5 → 6 → 7 → 8 → 9, in one transaction, after a backup copy
        beside the file. 1 → 2: the decisions as one table a run, with keys
        computed from what schema 1 kept (see :mod:`invoicekit.keys` for
        numbers it stored masked); 2 → 3 adds the table of decision lines;
        3 → 4 → 5 → 6 → 7 hash the keys that read as a CPR number and mask the texts
        as this version does (:meth:`_rekey_and_mask`; 6 → 7 for the sequence number
        after a dated birth date's ``.`` or ``/``, 5 → 6 for the marks
        that may join the birth date and the sequence number, 4 → 5 for the dated
        form 0.9.9 added; 7 → 8 for a sequence number in two pairs, which 0.9.22
        masked); → 9 moves the secret to the key file; 9 → 10 for a number shown with
        thousands separators; 10 → 11 for ten digits joined by ``_`` and more thousands
        separators; 11 → 12 for the amounts in whole øre, not DKK as floating
        point; 12 → 13 keys the files' checksums (:meth:`_key_file_digests`). No decision is changed."""
        self.backup = copy = _backup_path(self.path, self.version)
        try:
            target = sqlite3.connect(copy)
        except sqlite3.Error as exc:
            self._drop_backup()  # the empty file made for it
            raise _backup_error(copy, exc) from None
        try:
            self.conn.backup(target)
        except BaseException as exc:
            target.close()
            self._drop_backup()  # half a copy is no backup
            if isinstance(exc, sqlite3.Error):
                raise _backup_error(copy, exc) from None
            raise
        target.close()
        secret = new_secret()
        had_key = True  # a failure before it is known takes no key away
        # the pages of the tables rewritten are cleared as they are freed: they
        # show what the migration takes out (a build of SQLite may not, by default)
        self.conn.execute("PRAGMA secure_delete = ON")
        try:
            # inside: a lock another run holds past the timeout leaves the journal as it was
            self.conn.execute("BEGIN IMMEDIATE")
            # another process may have migrated it meanwhile, all the way or a step (an older version)
            self.version = self._check()
            if self.version >= SCHEMA_VERSION:  # nothing for this one to do: no backup of its own
                self.conn.execute("ROLLBACK")
                self._drop_backup()
                return
            if self.version < 2:
                secret = self._v1_secret()
                self._migrate_v1(secret)
            else:  # keys made with it are stored: without it (damaged) nothing is migrated
                secret = self._secret()
            had_key = key_path(self.path).exists() or key_path(self.path).is_symlink()
            if self.version < 3:
                self.conn.execute(_RUN_DECISION_LINES)
            self._rekey_and_mask(secret)
            if self.version < KEYED_FILES_FROM:
                self._key_file_digests(secret)
            at = _now()
            # every migration is kept (the keys below say the last): a second one
            # wrote over the first one's, and with them where its backup is
            history = self._migrations()
            history.append({"from": self.version, "to": SCHEMA_VERSION, "at": at, "backup": self.backup.name})
            # the secret moves to the key file (written before the commit: never a journal without its
            # key), and out of the journal: its row is cleared as it is deleted (secure_delete)
            _write_key(self.path, secret)
            self.conn.execute("DELETE FROM meta WHERE key = 'secret'")
            self.conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("key_check", key_check(secret)),
                    ("migrated_from", str(self.version)),
                    ("migrated_at", at),
                    ("migration_backup", self.backup.name),
                    ("migrations", json.dumps(history)),
                ],
            )
            self.conn.execute("COMMIT")  # inside: a commit that fails (a full disk) leaves it as it was too
        except BaseException:
            if self._migration_committed():
                # a Ctrl-C raised as the commit returned (an attack on 0.9.30 found the backup the migrated
                # journal names removed here, and the key it now needs would have gone with it); said now, as
                # no caller will (a review found the copy, every number in full, left unannounced)
                self.version, self.secret = SCHEMA_VERSION, secret
                log.warning("journal upgraded; the old file is kept as %s", self.backup)
                raise
            self._rollback()  # SQLite may have rolled back already (a full disk)
            # the journal is as it was: the copy beside it backs up nothing, and
            # would only be one more file holding every number the journal holds;
            # nor the key this call made (the journal keeps its secret, or has none)
            self._drop_backup()
            if not had_key:
                self._drop_key_of_nothing(secret)
            raise
        old, self.version, self.secret = self.version, SCHEMA_VERSION, secret
        if old < 2:
            with contextlib.suppress(sqlite3.DatabaseError):  # give back the old table's pages (the backup keeps them)
                self.conn.execute("VACUUM")

    def _migration_committed(self) -> bool:
        """Whether the migration is in the journal for good although the call
        failed (a Ctrl-C pressed while SQLite wrote the commit is raised after
        it): then its backup and key file stay. In doubt (the journal does not
        answer) it says yes: a backup kept is one file too many, a key
        removed is a journal no run can read."""
        try:
            if self.conn.in_transaction:  # not committed: rolled back below
                return False
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'migration_backup'").fetchone()
            version = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.Error:
            return True
        return (
            version is not None and version[0] == str(SCHEMA_VERSION) and row is not None and row[0] == self.backup.name
        )

    def _v1_secret(self) -> str:
        """The secret a schema-1 journal is migrated with (inside the
        migration's lock). It has none of its own (its keys are made from its
        plain values): the key a migration that stopped left beside it (a kill
        after the key was placed) serves, else a new one (a new one each time
        refused the last one's key, and every later run with it: a review of
        0.9.24); part of a key (a write in place a kill stopped) is none."""
        key = key_path(self.path)
        left = _key_in(key)
        if left is not None and _PART_OF_A_SECRET.fullmatch(left) and not key.is_symlink():
            key.unlink(missing_ok=True)
            left = None
        return left if left and _SECRET.fullmatch(left) else new_secret()

    def _drop_key_of_nothing(self, secret: str) -> None:
        """The key file holding ``secret``, which this call wrote, removed
        where the journal did not take it (its transaction rolled back): a
        key of nothing. Kept where the journal did (an interrupt after the
        commit), or may have: a journal never loses its key."""
        try:
            has_meta = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is not None
            took = has_meta and self._meta("key_check") == key_check(secret)
        except sqlite3.DatabaseError:
            took = True
        if not took and _key_in(key_path(self.path)) == secret:
            key_path(self.path).unlink(missing_ok=True)

    def _drop_backup(self) -> None:
        """The copy :meth:`_migrate` made removed, where the journal stayed as it was."""
        if self.backup is not None:
            self.backup.unlink(missing_ok=True)
            self.backup = None

    def _migrate_v1(self, secret: str) -> None:
        """Schema 1 → 2 (inside :meth:`_migrate`'s transaction): the runs'
        new columns, the decisions as one table a run with their keys."""
        for name, kind in _RUNS_V2:
            self.conn.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
        self.conn.execute(_RUN_FILES)
        self.conn.execute(_RUN_DECISIONS)
        d = self._frame(
            f"SELECT run_id, {', '.join(_V1_DECISION_COLUMNS)} FROM decisions ORDER BY run_id, row", self.conn
        )
        with _read_as_now(self.path, None):
            d = _v1_in_ore(pd.concat([d, _v1_keys(d, secret)], axis=1).assign(document_type="invoice"))
        for run_id, part in d.groupby("run_id", sort=True):
            _insert_stored(
                self.conn, "run_decisions", int(run_id), len(part), _to_parquet(_journal_table(part, masked=True))
            )
        # every value is now in run_decisions, unchanged; the backup keeps the old table
        self.conn.execute("DROP TABLE decisions")

    def _key_file_digests(self, secret: str) -> None:
        """→ 13 (inside :meth:`_migrate`'s transaction): each file's SHA-256 kept keyed
        (:func:`~invoicekit.keys.file_digest`), in the column named so; the plain ones' pages
        are cleared as they are freed (``secure_delete``)."""
        rows = self.conn.execute("SELECT run_id, name, sha256 FROM run_files").fetchall()
        self.conn.executemany(
            "UPDATE run_files SET sha256 = ? WHERE run_id = ? AND name = ?",
            [(file_digest(str(plain), secret), run_id, name) for run_id, name, plain in rows],
        )
        self.conn.execute(_KEYED_FILES)
        # and the inputs' (a one-invoice extract holds nothing but what the journal holds and four digits)
        for column in _INPUT_DIGESTS:
            rows = self.conn.execute(f"SELECT run_id, {column} FROM runs WHERE {column} IS NOT NULL").fetchall()
            self.conn.executemany(
                f"UPDATE runs SET {column} = ? WHERE run_id = ?",
                [(file_digest(str(plain), secret), run_id) for run_id, plain in rows if str(plain)],
            )

    def _rekey_and_mask(self, secret: str) -> None:
        """Schema 2 to 9 → 10 (inside :meth:`_migrate`'s transaction): each run's
        stored decisions and lines rewritten where a key reads as a CPR number
        (it is hashed, as this version stores it) or a text shows one (it is
        masked); a run with neither is left as it is. The paths of a run's
        inputs and its rules, masked when it began (:meth:`begin_run`), are
        masked again as this version masks them, and so are the folders the
        files of a delivered run went to."""
        _mask_runs(self.conn, _RUN_TEXTS)
        # where a delivered run's files went: no delivery looks for them again (an undelivered
        # run's are masked once delivered, :meth:`mark_delivered`)
        _mask_runs(self.conn, _RUN_FOLDERS, "delivered_at IS NOT NULL")
        for table in ("run_decisions", "run_decision_lines"):
            # one run's table in memory at a time (a journal of many big runs holds GBs)
            runs = [r for (r,) in self.conn.execute(f"SELECT run_id FROM {table} ORDER BY run_id").fetchall()]
            for run_id in runs:
                query = f"SELECT rows, format, data FROM {table} WHERE run_id = ?"
                rows, fmt, data = self.conn.execute(query, (run_id,)).fetchone()
                if fmt != DECISIONS_FORMAT:
                    raise InputError(
                        self.path, f"run {run_id}", f"stores its decisions as {fmt!r}; expected {DECISIONS_FORMAT}"
                    )
                with _read_as_now(self.path, run_id):
                    t, changed = _cleaned(_stored(self.path, run_id, rows, data, pq.read_table), secret)
                if changed:
                    self.conn.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))
                    _insert_stored(self.conn, table, run_id, rows, _to_parquet(t))

    # ------------------------------------------------------------ use

    def close(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An exclusive write transaction: committed on success, rolled back on
        any exception (a killed process is rolled back by SQLite on next open)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise _journal_error(self.path, exc) from None
        try:
            yield self.conn
        except sqlite3.DatabaseError as exc:  # a full disk while writing: nothing was recorded
            self._rollback()
            raise _journal_error(self.path, exc) from None
        except BaseException:
            self._rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:  # a full disk: nothing was recorded
            self._rollback()
            raise _journal_error(self.path, exc) from None

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.DatabaseError):  # SQLite already rolled back (after some errors it does)
            self.conn.execute("ROLLBACK")

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Reads of a journal opened read-only at an older schema: inside a
        read transaction, in which the schema version and the secret are read
        again, as another process may have migrated it since (a schema-1
        table of decisions dropped, keys hashed with a new secret), and may
        not while these reads go on. A journal of this schema is read as it
        is (no lock held while a reader reads, as before)."""
        if self.conn.in_transaction or self.version >= SCHEMA_VERSION:
            yield
            return
        try:
            self.conn.execute("BEGIN")
            self.version = self._check()
            # from schema 2 its own (or refused; from schema 9 read when needed); a schema-1 journal keeps the
            # one it was opened with
            if self.version >= KEY_FILE_FROM:
                self._secret_value = None
            else:
                self.secret = self._secret() if self.version >= 2 else self._meta("secret") or self.secret
        except sqlite3.DatabaseError as exc:
            self._rollback()
            raise _journal_error(self.path, exc) from None
        try:
            yield
        finally:
            self._rollback()  # nothing was written

    def history(self) -> History:
        """What earlier runs tell a new one: invoices seen, periods paid."""
        with self._snapshot():
            try:
                return self._history()
            except (pa.ArrowException, UnicodeDecodeError) as exc:
                # a damaged blob can read as Parquet and still hold text that is no text (a page
                # overwritten): what it says is not shown, it may be any bytes of the stored data
                raise InputError(
                    self.path,
                    None,
                    f"its stored decisions cannot be read ({type(exc).__name__}); the journal is damaged: "
                    "restore it from a backup",
                ) from None

    def _history(self) -> History:
        columns = ["row", "supplier_cvr", "invoice_id", "cpr_masked", "grant_id", "service_code", "paragraph",
                   "period_start", "period_end", "status", "reason", "amount_ore"]  # fmt: skip
        if self.version >= 2:
            columns += [*_KEY_COLUMNS, "document_type"]  # check 10 forgets a credit note, not another document
        d = self._decisions(columns)
        if self.version < 2:  # read as it is: the keys schema 1 allows, in memory
            d = pd.concat([d, _v1_keys(d, self.secret)], axis=1)
            d["invoice_value_key"] = ""  # kept since 0.9.22 (check 10 then looks as for a run before it)
        lines = self.decision_lines(columns=["row", "status", "check", "grant_key", "citizen_key", "paragraph_key",
                                             "grant_id", "service_code", "paragraph", "period_start",
                                             "period_end", "amount_ore"])  # fmt: skip
        if self.version < 2:
            # read as it is: the keys as this version stores them, in memory (schemas 2
            # to 4 are read so by _as_now); keyed from the numbers as stored, then read
            # as a migration would leave them
            for frame, name in ((d, "invoice_key"), (d, "grant_key"), (lines, "grant_key")):
                keys, changed = rekeyed(frame[name], self.secret)
                if changed:
                    frame[name] = keys.to_numpy(zero_copy_only=False).astype(object)
            d = _v1_masked(d)
        else:
            self._refuse_lost_lines(d, lines)
        seen, paid = history_tables(d, lines)
        return History(seen=seen, paid=paid, secret=self.secret)

    def _refuse_lost_lines(self, decisions: pd.DataFrame, lines: pd.DataFrame) -> None:
        """Refuse a run that posted an invoice line by line and stores none of
        its posted lines: such an invoice's own row holds no grant or citizen
        key (its lines hold them), so read without its lines, what it paid
        would be paid again (an attack on 0.9.34 deleted a run's
        ``run_decision_lines`` and the next run paid a citizen's March twice)."""
        keyless = (
            (decisions["status"] == POSTED).to_numpy()
            & (decisions["grant_key"] == "").to_numpy()
            & (decisions["citizen_key"] == "").to_numpy()
        )
        if not keyless.any():
            return
        held = pd.MultiIndex.from_frame(lines.loc[lines["status"] == POSTED, ["run_id", "row"]])
        wanted = decisions.loc[keyless, ["run_id", "row"]]
        lost = ~pd.MultiIndex.from_frame(wanted).isin(held)
        if lost.any():
            rid, row = (int(v) for v in wanted.to_numpy()[np.flatnonzero(lost)[0]])
            raise InputError(
                self.path,
                f"run {rid}",
                f"posted the invoice of its row {row} line by line, and none of its posted lines is stored; the "
                "journal is damaged (its lines deleted or a copy taken while a run was recorded?): restore it "
                "from a backup",
            )

    def decision_lines(self, run_id: int | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        """The lines of the invoices decided line by line, all runs or one:
        ``run_id``, ``row`` (the invoice's row in that run), the other columns
        of :data:`LINE_JOURNAL_COLUMNS` (or those named) and ``started_at``."""
        with self._snapshot():
            return self._decision_lines(run_id, columns)

    def _decision_lines(self, run_id: int | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        columns = list(columns or LINE_JOURNAL_COLUMNS)
        empty = pd.DataFrame({"run_id": pd.Series(dtype="int64"), **{c: pd.Series(dtype=_dtype(c)) for c in columns},
                              "started_at": pd.Series(dtype=object)})  # fmt: skip
        if self.version < 3:
            return empty
        where, params = ("WHERE r.run_id = ?", (run_id,)) if run_id is not None else ("", ())
        rows = self.conn.execute(
            f"SELECT r.run_id, r.started_at, d.rows, d.data FROM run_decision_lines d JOIN runs r USING (run_id) "
            f"{where} ORDER BY r.run_id",
            params,
        ).fetchall()
        tables = []

        for rid, started_at, count, data in rows:
            with _read_as_now(self.path, rid):
                t = self._as_now(_stored(self.path, rid, count, data, _stored_columns(columns)))
            n = t.num_rows
            for name in (c for c in columns if c not in t.column_names):
                if name not in _LATER_KEYS:
                    raise InputError(
                        self.path, f"run {rid}", f"its stored lines lack {name!r}; the journal is damaged: "
                        "restore it from a backup"
                    )  # fmt: skip
                t = t.append_column(name, pa.array([""] * n, type=pa.string()))  # a run recorded before it kept it
            t = t.select(columns)
            t = t.add_column(0, "run_id", pa.array(np.full(n, rid, dtype=np.int64)))
            tables.append(t.append_column("started_at", pa.array([started_at] * n, type=pa.string())))
        if not tables:
            return empty
        d = pa.concat_tables(tables).to_pandas(date_as_object=False)
        return d.astype({c: "datetime64[s]" for c in _DATE_COLUMNS if c in d.columns} | _ore_dtypes(d))

    def _as_now(self, t: pa.Table) -> pa.Table:
        """A run's stored table as a migration to this schema would leave it
        (:func:`_cleaned`), for a journal of an older schema read as it is:
        what a reader is handed never shows a CPR number this version masks."""
        return _cleaned(t, self.secret)[0] if 2 <= self.version < DECISIONS_AS_NOW_FROM else t

    def begin_run(
        self,
        conn: sqlite3.Connection,
        inputs: dict[str, tuple[str, str]],
        rules: dict,
        started_at: str,
        tool_version: str,
        out_dir: Path,
        staging_dir: Path,
    ) -> int:
        """Insert the run (inside :meth:`transaction`); its counts are set by :meth:`record`."""

        def inp(name: str) -> tuple[str | None, str | None]:
            path, digest = inputs.get(name, (None, None))
            # its checksum keyed, as the files' are (schema 13): a one-invoice extract holds nothing but what the
            # journal holds and four digits (a review of 0.9.39's first version)
            return (mask_cpr_text(path) if path else None, self.keyed_digest(digest) if digest else digest)

        cur = conn.execute(
            "INSERT INTO runs (started_at, finished_at, tool_version, grants_file, grants_sha256, "
            "invoices_file, invoices_sha256, support_sheet_file, support_sheet_sha256, rules, invoices, posted, "
            "out_dir, staging_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
            (
                started_at,
                _now(),
                tool_version,
                *inp("grants"),
                *inp("invoices"),
                *inp("support_sheet"),
                mask_cpr_text(json.dumps(rules, ensure_ascii=False)),
                str(out_dir),
                str(staging_dir),
            ),
        )
        return int(cur.lastrowid)

    def record(
        self,
        conn: sqlite3.Connection,
        run_id: int,
        decisions: pd.DataFrame,
        files: dict[str, dict],
        lines: pd.DataFrame | None = None,
        stored: StoredDecisions | None = None,
    ) -> None:
        """Insert the run's decisions, the lines of those decided line by line
        (``Decisions.lines``) and the output files (inside :meth:`transaction`).
        ``stored``: what :func:`stored_decisions` made of them beforehand."""
        posted = int((decisions["status"] == POSTED).sum())
        conn.execute(
            "UPDATE runs SET invoices = ?, posted = ?, finished_at = ? WHERE run_id = ?",
            (len(decisions), posted, _now(), run_id),
        )
        conn.executemany(
            f"INSERT INTO run_files (run_id, name, {self._digest_column}, bytes) VALUES (?, ?, ?, ?)",
            [(run_id, name, self.keyed_digest(f["sha256"]), int(f["bytes"])) for name, f in files.items()],
        )
        stored = stored if stored is not None else stored_decisions(decisions, lines)
        if stored.rows != len(decisions) or stored.line_rows != (len(lines) if lines is not None else 0):
            raise ValueError("the stored decisions are not those of this run")
        _insert_stored(conn, "run_decisions", run_id, stored.rows, stored.decisions)
        if stored.lines is not None:
            _insert_stored(conn, "run_decision_lines", run_id, stored.line_rows, stored.lines)

    @property
    def _digest_column(self) -> str:
        """The column of ``run_files`` that holds each file's checksum, as :meth:`keyed_digest` makes it."""
        return _digest_column(self.version)

    def keyed_digest(self, sha256_hex: str) -> str:
        """A file's checksum as the journal keeps it (``sha256_hex``: its SHA-256): keyed with the secret
        (:func:`~invoicekit.keys.file_digest`) from schema 13, as it is in an older journal read as it is."""
        return file_digest(sha256_hex, self.secret) if self.version >= KEYED_FILES_FROM else sha256_hex

    def file_digest(self, path: Path) -> str:
        """:meth:`keyed_digest` of the file at ``path``: what to compare with a checksum the journal keeps."""
        return self.keyed_digest(sha256(path))

    def pending_deliveries(self) -> pd.DataFrame:
        """Recorded runs whose files are not yet in place: ``run_id``,
        ``out_dir``, ``staging_dir``, ``tool_version`` and ``files`` (name → the checksum kept,
        :meth:`keyed_digest`; compare a file's with :meth:`file_digest`)."""
        if self.version < 2:
            return pd.DataFrame(columns=["run_id", "out_dir", "staging_dir", "tool_version", "files"])
        runs = self._frame(
            "SELECT run_id, out_dir, staging_dir, tool_version FROM runs "
            "WHERE delivered_at IS NULL AND staging_dir IS NOT NULL ORDER BY run_id",
            self.conn,
        )
        files = [
            dict(
                self.conn.execute(
                    f"SELECT name, {self._digest_column} FROM run_files WHERE run_id = ?", (int(r),)
                ).fetchall()
            )
            for r in runs["run_id"]
        ]
        return runs.assign(files=files)

    def delivered_manifest(self, run_id: int) -> dict | None:
        """The ``run.json`` a recorded run delivered, read from its output
        folder when its SHA-256 is the one the journal recorded for it; None
        where the folder, the file or its checksum says otherwise (moved,
        changed, not yet delivered, or a folder kept masked)."""
        if self.version < 2:  # a journal of invoicekit 0.1 kept neither the folder nor the files
            return None
        row = self.conn.execute("SELECT out_dir FROM runs WHERE run_id = ?", (int(run_id),)).fetchone()
        recorded = self.conn.execute(
            f"SELECT {self._digest_column}, bytes FROM run_files WHERE run_id = ? AND name = ?",
            (int(run_id), MANIFEST),
        ).fetchone()
        if row is None or row[0] is None or recorded is None:
            return None
        path = Path(row[0]) / MANIFEST
        try:
            # a file of another size is another file: not read (it may be anything, of any size)
            if not path.is_file() or path.stat().st_size != recorded[1] or self.file_digest(path) != recorded[0]:
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def refuse_unsound_run(self, run_id: int) -> None:
        """Refuse to deliver recorded run ``run_id`` unless the journal holds it whole: its stored decisions
        readable and as many as it recorded, and the journal sound (SQLite's quick check). A journal copied
        while a run was being recorded, without the file SQLite undoes it with, holds part of a run that was
        never recorded: delivered, its payment file was imported and the run, rolled back in the journal itself,
        paid again (an attack on 0.9.27). Costs a read of the run's decisions; only a stopped run's delivery
        asks it."""
        problem = self.conn.execute("PRAGMA quick_check").fetchone()
        if problem is None or problem[0] != "ok":
            raise InputError(
                self.path,
                f"run {run_id}",
                f"is recorded and not delivered, but the journal is damaged ({problem[0] if problem else 'no answer'}"
                "; a copy taken while a run was being recorded?), so its files were not delivered: restore the "
                "journal from a backup",
            )
        recorded = self.conn.execute("SELECT invoices FROM runs WHERE run_id = ?", (int(run_id),)).fetchone()
        # counted as stored before they are read, so that a short table is named as undelivered here
        counted = self.conn.execute("SELECT rows FROM run_decisions WHERE run_id = ?", (int(run_id),)).fetchone()
        stored = counted[0] if counted else 0
        if recorded is None or stored != recorded[0] or len(self.decisions(int(run_id))) != stored:
            raise InputError(
                self.path,
                f"run {run_id}",
                f"is recorded with {(recorded[0] if recorded else 0) or 0:,} decisions, and {stored:,} are stored; the "
                "journal is damaged (a copy taken while a run was being recorded?), so its files were not "
                "delivered: restore the journal from a backup",
            )

    def _frame(self, sql: str, conn: sqlite3.Connection, params: object = None) -> pd.DataFrame:
        """``pandas.read_sql_query``, its error told as every journal error is: pandas wraps SQLite's (a
        damaged table read so was "Execution failed on sql '…'", no file named; a review of 0.9.31)."""
        try:
            return pd.read_sql_query(sql, conn, params=params)
        except pd.errors.DatabaseError as exc:
            cause = exc.__cause__
            raise _journal_error(self.path, cause if isinstance(cause, sqlite3.DatabaseError) else exc) from None

    def committed(self, run_id: int, staging: Path) -> bool:
        """Whether run ``run_id`` is in the journal for good: asked after a
        failure that may have come just as its commit returned (Ctrl-C pressed
        while SQLite wrote the commit to disk is raised after it), when its
        staged files must be kept for the next run to deliver. In doubt (the
        journal does not answer) it says yes: a staging folder kept is left
        over at worst, a recorded run's payment file removed is a payment lost
        (an attack on 0.9.30). ``staging``: the folder the run was recorded
        with, as :meth:`begin_run` was given it."""
        try:
            if self.conn.in_transaction:  # still open: nothing of it was committed, and closing rolls it back
                return False
            # the staging folder too: a run rolled back, its id taken by another run meanwhile, is not that run
            query = "SELECT 1 FROM runs WHERE run_id = ? AND staging_dir = ?"
            return self.conn.execute(query, (int(run_id), str(staging))).fetchone() is not None
        except sqlite3.Error:
            return True

    def delivered(self, run_id: int) -> bool:
        row = self.conn.execute("SELECT delivered_at FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return row is not None and row[0] is not None

    def mark_delivered(self, run_id: int) -> None:
        """The run's files are in place; where they went is then kept masked
        (no delivery looks for them again; a folder an older version allowed
        may name a CPR number)."""
        with self.transaction() as conn:
            _mask_runs(conn, _RUN_FOLDERS, "run_id = ?", (run_id,))
            conn.execute("UPDATE runs SET delivered_at = ? WHERE run_id = ?", (_now(), run_id))

    def runs(self) -> pd.DataFrame:
        """The runs recorded, one row each; of a journal of an older schema read
        as it is, the input paths and rules masked as a migration masks them."""
        runs = self._frame("SELECT * FROM runs ORDER BY run_id", self.conn)
        if self.version < SCHEMA_VERSION:
            for name in (c for c in _RUN_TEXTS if c in runs.columns):
                runs[name] = runs[name].map(_masked_run_text)
            if "delivered_at" in runs.columns:
                delivered = runs["delivered_at"].notna()
                for name in _RUN_FOLDERS:
                    runs.loc[delivered, name] = runs.loc[delivered, name].map(_masked_run_text)
        return runs

    def decisions(self, run_id: int | None = None) -> pd.DataFrame:
        """Decisions recorded, all runs or one: ``run_id``, the journal's
        columns and the run's ``started_at``, in the order decided. A run
        whose invoices posted line by line lost their stored lines is refused
        here as in :meth:`history`: every reader of the journal (the follow-up,
        the sample, a delivery) sees the damage, not a run that looks whole."""
        with self._snapshot():
            if self.version >= 2:
                d = self._decisions(list(JOURNAL_COLUMNS), run_id)
                self._refuse_lost_lines(d, self._decision_lines(run_id, ["row", "status"]))
                return d
            return _v1_masked(self._decisions(list(_V1_DECISION_COLUMNS), run_id))

    def _refuse_lost_decisions(self, where: str, params: tuple) -> None:
        """Refuse a run recorded with invoices whose decisions are not stored
        at all (a journal copied while a run was committed: the run's row made
        it, its decisions did not): read as none, it would post again all it
        posted. Schema 1 keeps them as rows of ``decisions``, later ones as a
        table per run in ``run_decisions``."""
        table = "decisions" if self.version < 2 else "run_decisions"
        missing = where.replace("WHERE", "WHERE d.run_id IS NULL AND") if where else "WHERE d.run_id IS NULL"
        lost = self.conn.execute(
            f"SELECT r.run_id, r.invoices FROM runs r LEFT JOIN (SELECT DISTINCT run_id FROM {table}) d "
            f"USING (run_id) {missing} AND r.invoices > 0 ORDER BY r.run_id LIMIT 1",
            params,
        ).fetchone()
        if lost is not None:
            raise InputError(
                self.path,
                f"run {lost[0]}",
                f"recorded {lost[1]:,} decisions, and none is stored; the journal is damaged (a copy taken while "
                "a run was recorded?): restore it from a backup",
            )
        if self.version >= 2:
            # stored, but not as many as the run recorded: its stored table replaced by a shorter one
            # (the blob's rows are checked against its count when read; the count against the run's here)
            short = self.conn.execute(
                "SELECT r.run_id, r.invoices, d.rows FROM runs r JOIN run_decisions d USING (run_id) "
                f"{where} {'AND' if where else 'WHERE'} d.rows != r.invoices "
                "ORDER BY r.run_id LIMIT 1",
                params,
            ).fetchone()
            if short is not None:
                raise InputError(
                    self.path,
                    f"run {short[0]}",
                    f"recorded {short[1]:,} decisions, and {short[2]:,} are stored; the journal is damaged: "
                    "restore it from a backup",
                )
        # and the other way: decisions stored for a run that has no row in runs (deleted by hand) are read
        # through runs, so not at all, and what that run posted would be posted again (an attack on 0.9.22)
        stored = " UNION ".join(
            f"SELECT run_id FROM {t}" for t in (table, *(("run_decision_lines",) if self.version >= 3 else ()))
        )
        orphan = self.conn.execute(
            f"SELECT d.run_id FROM ({stored}) d LEFT JOIN runs r USING (run_id) "
            "WHERE r.run_id IS NULL ORDER BY d.run_id LIMIT 1"
        ).fetchone()
        if orphan is not None:
            raise InputError(
                self.path,
                f"run {orphan[0]}",
                "has its decisions stored, but no row in the table runs; the journal is damaged (a run's row "
                "deleted?), and read without that run it would post again what the run posted: restore it from "
                "a backup",
            )

    def _decisions(self, columns: list[str], run_id: int | None = None) -> pd.DataFrame:
        where, params = ("WHERE r.run_id = ?", (run_id,)) if run_id is not None else ("", ())
        self._refuse_lost_decisions(where, params)
        if self.version < 2:  # schema 1, read as it is: amounts (DKK) and periods as text, typed here
            written = {ore: dkk for dkk, ore in IN_ORE.items()}
            d = self._frame(
                f"SELECT d.run_id, {', '.join('d.' + written.get(c, c) for c in columns)}, r.started_at "
                f"FROM decisions d JOIN runs r USING (run_id) {where} ORDER BY d.run_id, d.row",
                self.conn,
                params=params,
            )
            with _read_as_now(self.path, run_id):
                d = _v1_in_ore(d)
            for c in _DATE_COLUMNS:
                if c in d.columns:
                    d[c] = pd.to_datetime(d[c].replace("", None), format="%Y-%m-%d").astype("datetime64[s]")
            return d
        rows = self.conn.execute(
            f"SELECT r.run_id, r.started_at, d.format, d.rows, d.data FROM run_decisions d JOIN runs r "
            f"USING (run_id) {where} ORDER BY r.run_id",
            params,
        ).fetchall()

        tables = []
        for rid, started_at, fmt, count, data in rows:
            if fmt != DECISIONS_FORMAT:
                raise InputError(
                    self.path, f"run {rid}", f"stores its decisions as {fmt!r}; expected {DECISIONS_FORMAT}"
                )
            with _read_as_now(self.path, rid):
                t = _typed(self._as_now(_stored(self.path, rid, count, data, _stored_columns(columns))))
            stored = t.column_names
            n = t.num_rows
            lacking = next((c for c in columns if c not in stored and c in (*_AMOUNT_COLUMNS, *_DATE_COLUMNS)), None)
            if lacking is not None:  # every version kept them: read as blank text, they ended in "unexpected"
                raise InputError(
                    self.path, f"run {rid}", f"its stored decisions lack {lacking!r}; the journal is damaged: "
                    "restore it from a backup"
                )  # fmt: skip
            for name in (c for c in columns if c not in stored):  # a name a run recorded earlier did not keep
                t = t.append_column(name, pa.array([""] * n, type=pa.string()))
            t = t.select(columns)
            t = t.add_column(0, "run_id", pa.array(np.full(n, rid, dtype=np.int64)))
            tables.append(t.append_column("started_at", pa.array([started_at] * n, type=pa.string())))
        if not tables:
            empty = {"run_id": pd.Series(dtype="int64"), **{c: pd.Series(dtype=_dtype(c)) for c in columns}}
            return pd.DataFrame({**empty, "started_at": pd.Series(dtype=object)})
        d = pa.concat_tables(tables, promote_options="permissive").to_pandas(date_as_object=False)
        return d.astype({c: "datetime64[s]" for c in _DATE_COLUMNS if c in d.columns} | _ore_dtypes(d))


@dataclass(frozen=True)
class StoredDecisions:
    """A run's decisions (and lines) as :meth:`Journal.record` stores them."""

    rows: int
    decisions: pa.Buffer  # Parquet (DECISIONS_FORMAT)
    line_rows: int
    lines: pa.Buffer | None  # None when no invoice was decided line by line


#: bytes of a stored table written to its blob at a time (:func:`_insert_stored`)
BLOB_CHUNK = 1 << 20


def _insert_stored(conn: sqlite3.Connection, table: str, run_id: int, rows: int, data: pa.Buffer) -> None:
    """A run's stored table (``run_decisions`` or ``run_decision_lines``)
    inserted: the row with a blob of zeros, then the Parquet bytes written
    into it from arrow's buffer, :data:`BLOB_CHUNK` at a time. Bound as a
    parameter, the bytes would be copied twice more (into Python, then by
    SQLite) before reaching its pages: 90 MB of fresh memory at 1M."""
    conn.execute(
        f"INSERT INTO {table} (run_id, rows, format, data) VALUES (?, ?, ?, zeroblob(?))",
        (run_id, rows, DECISIONS_FORMAT, data.size),
    )
    view = memoryview(data)
    with conn.blobopen(table, "data", run_id) as blob:
        for at in range(0, len(view), BLOB_CHUNK):
            blob.write(view[at : at + BLOB_CHUNK])


def stored_decisions(
    decisions: pd.DataFrame, lines: pd.DataFrame | None = None, found: Found | None = None
) -> StoredDecisions:
    """What :meth:`Journal.record` stores of a run's decisions and of the lines
    of those decided line by line. It needs no journal, so a run makes it
    in another thread while its files are written (most of the time a
    recorded run takes beyond a dry run). ``found``: for decisions' columns
    it names, what the writer's scan of the same texts found (see
    :func:`_journal_table`)."""
    has_lines = lines is not None and len(lines) > 0
    return StoredDecisions(
        rows=len(decisions),
        decisions=_to_parquet(_journal_table(decisions, found=found)),
        line_rows=len(lines) if lines is not None else 0,
        lines=_to_parquet(_journal_table(lines, LINE_JOURNAL_COLUMNS)) if has_lines else None,
    )


#: for text columns, the cells that may read as a CPR number, found
#: beforehand in the same texts (what :func:`~invoicekit.cells.unsafe_cells`
#: with ``mask`` or :func:`~invoicekit.cells.cpr_cells` finds; None for none):
#: a call, as the scan may still be running
Found = Mapping[str, Callable[[], pa.BooleanArray | None]]


def _v1_masked(d: pd.DataFrame) -> pd.DataFrame:
    """Decisions of a schema-1 journal read as they are (read only, not
    migrated) with their texts masked as a migration masks them: invoicekit
    0.1 stored an invoice number that reads as a CPR number in full."""
    out = d.copy()
    for name in out.columns:
        if name in (*_KEY_COLUMNS, "cpr_masked", "started_at", "run_id") or name in _AMOUNT_COLUMNS:
            continue
        if name in _DATE_COLUMNS or not (out[name].dtype == object or pd.api.types.is_string_dtype(out[name])):
            continue
        out[name] = mask_cprs_in(out[name]).to_numpy(dtype=object)
    return out


def _journal_table(
    decisions: pd.DataFrame,
    columns: tuple[str, ...] = JOURNAL_COLUMNS,
    masked: bool = False,
    found: Found | None = None,
) -> pa.Table:
    """A run's decisions as the journal keeps them: ``row`` a number, amounts
    in whole øre, periods as dates, the rest text; nothing that reads as a CPR
    number, unless ``masked`` says the text was masked already (the keys are
    clean by construction: normalised without ten digits in a row, or hashed).
    ``found`` (:data:`Found`): for the columns it names, the cells found
    beforehand in the same texts (by the scan for the files people read,
    say): they hold every cell that may read as a CPR number, so only those
    are looked at again (and the answer is asked for last, after the other
    columns)."""
    found = found or {}
    arrays = {}
    for name in sorted(columns, key=lambda c: c in found):  # the columns found elsewhere last
        # decided without the names (a migrated run), or by a version that kept no such key
        if (name in NAME_COLUMNS or name in _LATER_KEYS or name in LATER_COLUMNS) and name not in decisions:
            arrays[name] = pa.array([""] * len(decisions), type=pa.string())
            continue
        values = decisions[name]
        if name in ("row", "check"):
            arrays[name] = pa.array(values.to_numpy().astype(np.int64))
        elif name in _AMOUNT_COLUMNS:  # whole øre (Int64, blank for none)
            ore = pd.array(values, dtype="Int64")
            arrays[name] = pa.array(ore.to_numpy(dtype=np.int64, na_value=0), mask=np.asarray(ore.isna()))
        elif name in _DATE_COLUMNS:
            if not pd.api.types.is_datetime64_any_dtype(values.dtype):  # ISO text from a schema-1 journal
                values = pd.to_datetime(values.replace("", None), format="%Y-%m-%d", errors="coerce")
            arrays[name] = pa.array(values.to_numpy().astype("datetime64[D]"), type=pa.date32(), from_pandas=True)
        else:
            arr = pc.fill_null(arrow_text(values, pa.string()), "")
            # people read the journal: nothing in it reads as a CPR number (but the support sheet's
            # PSP element, the municipality's own cost object, which masking made no PSP element)
            if masked or name in _KEY_COLUMNS:
                arrays[name] = arr
            elif name == "psp_element":
                arrays[name] = mask_unless_psp(arr).cast(pa.string())
            elif name in found:
                within = found[name]()
                if name == "message":  # found with its line breaks (scan_messages), made spaces as the files have it
                    arr = one_line_within(arr, within)
                arrays[name] = arr if within is None else mask_arrow(arr, within)
            else:
                # a message on one line, as the files have it, then masked: a CPR number over two lines is one
                arrays[name] = mask_arrow(one_line(arr) if name == "message" else arr)
    return pa.table({name: arrays[name] for name in columns})


def _mask_runs(conn: sqlite3.Connection, columns: tuple[str, ...], where: str = "", params: tuple = ()) -> None:
    """Those ``columns`` of the runs (``where`` they hold) masked as this
    version masks them (:func:`_masked_run_text`), each run only where that
    changes it."""
    condition = f" WHERE {where}" if where else ""
    for run_id, *shown in conn.execute(f"SELECT run_id, {', '.join(columns)} FROM runs{condition}", params).fetchall():
        masked = [_masked_run_text(t) for t in shown]
        if masked != shown:
            assign = ", ".join(f"{c} = ?" for c in columns)
            conn.execute(f"UPDATE runs SET {assign} WHERE run_id = ?", (*masked, run_id))


def _masked_run_text(text: object) -> object:
    """A run's input path or rules (:data:`_RUN_TEXTS`) masked as this version
    masks them; a blank or missing one as it is."""
    return mask_cpr_text(text) if isinstance(text, str) and text else text


def _cleaned(t: pa.Table, secret: str) -> tuple[pa.Table, bool]:
    """A stored table as this version stores it: the amounts in øre
    (:func:`_in_ore`), the keys of numbers that read as a CPR number hashed
    (:func:`~invoicekit.keys.rekeyed`), and every other text masked; and
    whether anything changed."""
    t, changed = _in_ore(t)
    if "invoice_key" in t.column_names and "invoice_id" in t.column_names:
        k = t.schema.get_field_index("invoice_key")
        keys, count = _legacy_made_again(t.column(k), t.column("invoice_id"), secret)
        if count:
            t = t.set_column(k, "invoice_key", keys.cast(t.schema.field(k).type))
            changed = True
    for k, name in enumerate(t.column_names):
        column = t.column(k)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        text = pc.fill_null(arrow_text(column), "")
        if name in _KEY_COLUMNS:
            clean, count = rekeyed(text, secret)
            if count == 0:
                continue
        else:
            clean = mask_arrow(text)
            if clean.equals(text):
                continue
        t = t.set_column(k, name, clean.cast(column.type))
        changed = True
    return t, changed


def _legacy_made_again(keys: object, shown: object, secret: str) -> tuple[pa.Array, int]:
    """Legacy invoice keys (``~`` and a number schema 1 stored masked) made
    again from that number (``shown``, ``invoice_id``) masked as this version
    masks it, as :func:`_v1_keys` makes them now: an older version made them
    from the number as schema 1 masked it (``DDMMYY-SSSS`` only), which
    check 10 never makes of a new number once masking reads more forms. A
    key is taken for a legacy key where it is exactly ``~`` and that number
    normalised; and how many changed."""
    keys = pc.fill_null(arrow_text(keys), "")
    legacy = pc.and_(pc.starts_with(keys, LEGACY), pc.invert(pc.starts_with(keys, LEGACY + HASHED)))
    at = np.flatnonzero(legacy.to_numpy(zero_copy_only=False))
    if len(at) == 0:
        return keys, 0
    ids = np.array(pc.fill_null(arrow_text(shown), "").take(pa.array(at)).to_pylist(), dtype=object)
    old = np.array(keys.take(pa.array(at)).to_pylist(), dtype=object)
    made = (LEGACY + normalise_numbers(ids)) == old  # a legacy key of this number (a number may begin with ~)
    again = _legacy_keys_masked_now(ids, secret)
    differs = made & (again != old)
    if not differs.any():
        return keys, 0
    out = np.array(keys.to_pylist(), dtype=object)
    out[at[differs]] = again[differs]
    return pa.array(out, type=keys.type), int(differs.sum())


def _legacy_keys_masked_now(shown: np.ndarray, secret: str) -> np.ndarray:
    """The legacy keys of numbers schema 1 stored masked (``shown``), made of
    each number masked as this version masks it, as check 10 masks a new
    number to compare (:func:`~invoicekit.identifiers.mask_cprs_in`: once per
    distinct number, only those that may hold a CPR number)."""
    masked = mask_cprs_in(pd.Series(shown, dtype=object)).to_numpy(dtype=object)
    return legacy_keys(masked, secret)


def _dtype(column: str) -> str:
    if column in ("row", "check"):
        return "int64"
    if column in _AMOUNT_COLUMNS:
        return "Int64"
    return "datetime64[s]" if column in _DATE_COLUMNS else "object"


def _stored_columns(columns: list[str]) -> Callable[[pa.BufferReader], pa.Table]:
    """A reader for :func:`_stored` of the ``columns`` asked for that a run stored."""

    # a run recorded before schema 12 keeps its amounts in DKK, under the names of decisions.csv
    wanted = [*columns, *(dkk for dkk, ore in IN_ORE.items() if ore in columns)]

    def read(source: pa.BufferReader) -> pa.Table:
        parquet = pq.ParquetFile(source)
        return parquet.read(columns=[c for c in wanted if c in parquet.schema_arrow.names])

    return read


def _stored(
    journal: Path, run_id: int, rows: int, data: bytes, read: Callable[[pa.BufferReader], pa.Table]
) -> pa.Table:
    """A run's stored table, read by ``read`` from its Parquet ``data``; an
    :class:`InputError` naming the journal and the run when it cannot be
    read, or holds another number of rows than the journal recorded for it
    (a blob damaged or replaced: a run's decisions lost would let it post
    again what it posted)."""
    try:
        t = read(pa.BufferReader(data))
    except (pa.ArrowException, OSError, TypeError, ValueError) as exc:
        raise InputError(
            journal,
            f"run {run_id}",
            f"its stored decisions cannot be read ({exc}); the journal is damaged: restore it from a backup",
        ) from None
    if rows is not None and t.num_rows != rows:
        raise InputError(
            journal,
            f"run {run_id}",
            f"stores {t.num_rows:,} decisions where the journal recorded {rows:,}; the "
            "journal is damaged: restore it from a backup",
        )
    return t


@contextlib.contextmanager
def _read_as_now(journal: Path, run_id: int | None) -> Iterator[None]:
    """A run's stored table converted as this schema holds it (its amounts as
    whole øre): a value no conversion takes (an amount of ``inf`` kr., a
    damaged page or a hand edit) is an :class:`InputError` naming the journal
    and the run, not another amount nor an "unexpected" error."""
    try:
        yield
    except (pa.ArrowException, ValueError) as exc:
        raise InputError(
            journal,
            f"run {run_id}" if run_id is not None else None,
            ("its" if run_id is not None else "a run's")
            + f" stored decisions cannot be read ({exc}); the journal is damaged: restore it from a backup",
        ) from None


def _typed(t: pa.Table) -> pa.Table:
    """A stored run's decisions with amounts and periods typed: runs recorded
    by invoicekit 0.2.0 kept them as text (blank where none), and runs before
    schema 12 their amounts in DKK (:func:`_in_ore`)."""
    for name in _DATE_COLUMNS:
        k = t.schema.get_field_index(name)
        if k < 0 or not pa.types.is_string(t.schema.field(k).type):
            continue
        text = t.column(k)
        blank = pc.equal(text, "")
        t = t.set_column(k, name, pc.cast(pc.if_else(blank, pa.scalar(None, pa.string()), text), pa.date32()))
    return _in_ore(t)[0]


def _in_ore(t: pa.Table) -> tuple[pa.Table, bool]:
    """A stored table's amounts as schema 12 stores them, whole øre (int64,
    null for none), under the names of :data:`IN_ORE`; and whether any was
    not. Schemas 2 to 11 stored DKK as doubles (``amount``), runs of
    invoicekit 0.2.0 and schema 1 DKK as text (``1234.50``, blank for none):
    each rounded to the øre, as they were written."""
    changed = False
    for dkk, ore in IN_ORE.items():
        k = t.schema.get_field_index(dkk)
        if k < 0 or ore in t.column_names:
            continue
        t = t.set_column(k, ore, pa.array(_dkk_as_ore(t.column(k)), type=pa.int64()))
        changed = True
    return t, changed


def _v1_in_ore(d: pd.DataFrame) -> pd.DataFrame:
    """Decisions read from schema 1's table, their amounts (DKK as text) as
    whole øre under the names of :data:`IN_ORE`, in the same places."""
    return d.assign(**{dkk: _dkk_as_ore(d[dkk]) for dkk in IN_ORE if dkk in d}).rename(columns=IN_ORE)


def _ore_dtypes(d: pd.DataFrame) -> dict[str, str]:
    """The amounts of a table read from the journal as pandas ``Int64``
    (arrow's integers with a null come to pandas as floating point)."""
    return {c: "Int64" for c in _AMOUNT_COLUMNS if c in d.columns}


def _dkk_as_ore(values: object) -> pd.arrays.IntegerArray:
    """DKK (doubles, or text as schema 1 and 0.2.0 wrote it; blank or null for none) as whole øre."""
    series = pd.Series(values.to_pandas() if isinstance(values, (pa.Array, pa.ChunkedArray)) else values)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        series = pd.to_numeric(series.replace("", np.nan), errors="coerce")
    return dkk_ore(series.to_numpy(dtype=np.float64, na_value=np.nan))


#: columns that hold (nearly) a value of their own per invoice or line: a
#: dictionary of their values is built in vain (Parquet gives it up after a
#: MB), so they are stored plain, which is both faster and smaller (0.07 s
#: CPU and 0.8 MB less at 1M)
_PLAIN_COLUMNS = ("row", "invoice_id", "amount_ore", "message", "invoice_key", "citizen_key")


def _to_parquet(table: pa.Table) -> pa.Buffer:
    """The table as Parquet (:data:`DECISIONS_FORMAT`), in arrow's buffer (no
    copy into Python: SQLite takes it as it is)."""
    sink = pa.BufferOutputStream()
    # no min/max statistics: a run's decisions are read whole, never filtered by row group (0.2 s at 1M)
    dictionary = [name for name in table.column_names if name not in _PLAIN_COLUMNS]
    pq.write_table(table, sink, compression="zstd", write_statistics=False, use_dictionary=dictionary)
    return sink.getvalue()


def _backup_path(path: Path, version: int) -> Path:
    """A new file for the backup, made here (``.schema4-backup``, or with the
    time after it where that exists): made, not only chosen, so that two
    runs migrating at once never pick the same one (the one that finds the
    journal migrated by the other removes its own, never the other's)."""
    stamp = danish_now().strftime("%Y%m%dT%H%M%S")  # Denmark's clock, as every time the robot shows
    names = [f"{path.name}.schema{version}-backup", f"{path.name}.schema{version}-backup-{stamp}"]
    names += [f"{names[1]}-{k}" for k in range(2, 100)]
    for name in names:
        backup = path.with_name(name)
        try:
            # readable by its owner only: it is the journal as it was, its secret included
            os.close(os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        return backup
    raise FileExistsError(f"{path.name}: no free name for a backup beside it")


def _v1_keys(d: pd.DataFrame, secret: str) -> pd.DataFrame:
    """The keys of schema-1 decisions (``supplier_cvr``, ``invoice_id``,
    ``cpr_masked``, ``grant_id``, ``service_code``, ``status``): invoice
    numbers stored as written get their ordinary key, those stored masked a
    legacy key; grant ids were stored as written; the citizen key of a posted
    invoice is a legacy key on the birth date, as only the masked CPR is known.
    A legacy key is made of the number masked as this version masks it, as
    check 10 masks a new number to compare: schema 1 masked ``DDMMYY-SSSS``
    only, and left ``050419-xxxx/010140.1234`` of a number with two in it."""
    shown = d["invoice_id"].to_numpy(dtype=object)
    masked = stored_masked(shown)
    invoice_key = np.full(len(shown), "", dtype=object)
    if (~masked).any():
        invoice_key[~masked] = stored_keys(normalise_numbers(shown[~masked]), secret)
    if masked.any():  # stored masked: the legacy key of the number masked as now
        invoice_key[masked] = _legacy_keys_masked_now(shown[masked], secret)
    invoice_key[shown == ""] = ""
    grant_ids = d["grant_id"].to_numpy(dtype=object)
    grant_key = np.where(grant_ids != "", stored_keys(normalise_grant_ids(grant_ids), secret), "")
    posted = (d["status"] == POSTED).to_numpy()
    citizen_key = np.full(len(d), "", dtype=object)
    if posted.any():
        citizen_key[posted] = legacy_citizen_keys(
            d["cpr_masked"].to_numpy(dtype=object)[posted],
            d["supplier_cvr"].to_numpy(dtype=object)[posted],
            d["service_code"].to_numpy(dtype=object)[posted],
            secret,
        )
    return pd.DataFrame(
        {
            "invoice_key": invoice_key.astype(object),
            "grant_key": grant_key.astype(object),
            "citizen_key": citizen_key,
            "paragraph_key": np.full(len(d), "", dtype=object),  # none kept before 0.9.13
        },
        index=d.index,
    )
