"""The journal: a SQLite file that remembers every run and every decision.

A run is one transaction, recorded whole or not at all: the run row and all
its decisions are inserted and committed together, so a run that is killed
half-way leaves nothing behind. The journal holds no full CPR numbers (only
``cpr_masked``); it is what makes reruns safe (``DUPLICATE_INVOICE``,
``ALREADY_PAID``) and what follow-up reports read.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.columns import DECISION_COLUMNS
from invoicekit.decide import History
from invoicekit.errors import InputError
from invoicekit.parsing import format_date_iso
from invoicekit.reasons import PASSED_BASIC_CHECKS, POSTED

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
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
);
CREATE TABLE IF NOT EXISTS decisions (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    row INTEGER NOT NULL,
    invoice_id TEXT NOT NULL,
    supplier_cvr TEXT NOT NULL,
    cpr_masked TEXT NOT NULL,
    amount TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    expected_amount TEXT NOT NULL,
    paragraph TEXT NOT NULL,
    psp_element TEXT NOT NULL,
    art TEXT NOT NULL,
    service_code TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, row)
);
CREATE INDEX IF NOT EXISTS decisions_invoice ON decisions (supplier_cvr, invoice_id);
CREATE INDEX IF NOT EXISTS decisions_grant ON decisions (grant_id) WHERE status = 'posted';
"""

#: what the journal keeps of a decision: the columns of decisions.csv, with the
#: service and period beside the message
JOURNAL_COLUMNS = (
    *(c for c in DECISION_COLUMNS if c != "message"),
    "service_code",
    "period_start",
    "period_end",
    "message",
)


def _journal_error(path: Path, exc: sqlite3.DatabaseError) -> InputError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return InputError(path, None, "is in use by another run; try again when that run has finished")
    if "readonly" in text or "unable to open" in text:
        return InputError(path, None, f"cannot be written ({text}); expected a journal file I may write")
    return InputError(path, None, f"not an invoicekit journal (SQLite said: {text})")


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class Journal:
    """A journal file. Use :meth:`run` to record a run atomically."""

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise InputError(self.path, None, "is a folder; expected a journal file (SQLite)")
        if not self.path.parent.exists():
            raise InputError(self.path, None, "folder does not exist")
        try:
            if readonly:
                self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
            else:
                # isolation_level=None: we issue BEGIN/COMMIT ourselves
                self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big runs update the indexes in place
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "meta" not in tables:
                raise InputError(self.path, None, "is a SQLite file of another program; expected an invoicekit journal")
            if readonly and not tables:
                raise InputError(self.path, None, "is empty, not an invoicekit journal; expected the robot's journal")
            if not readonly:
                self.conn.executescript(SCHEMA)
                self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            raise _journal_error(self.path, exc) from None

    def close(self) -> None:
        self.conn.close()

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
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def history(self) -> History:
        """What earlier runs tell a new one: invoices seen, grant periods paid."""
        runs = "SELECT run_id, started_at FROM runs"
        seen = pd.read_sql_query(
            f"SELECT d.supplier_cvr, d.invoice_id, d.run_id, r.started_at, d.reason, d.status "
            f"FROM decisions d JOIN ({runs}) r USING (run_id) ORDER BY d.run_id, d.row",
            self.conn,
        )
        passed = (seen["status"] == POSTED) | seen["reason"].isin(PASSED_BASIC_CHECKS)
        seen = seen[passed][["supplier_cvr", "invoice_id", "run_id", "started_at"]].reset_index(drop=True)
        paid = pd.read_sql_query(
            f"SELECT d.grant_id, d.period_start, d.period_end, d.invoice_id, d.run_id, r.started_at "
            f"FROM decisions d JOIN ({runs}) r USING (run_id) WHERE d.status = 'posted' ORDER BY d.run_id, d.row",
            self.conn,
        )
        for col in ("period_start", "period_end"):
            paid[col] = pd.to_datetime(paid[col], format="%Y-%m-%d").astype("datetime64[s]")
        return History(seen=seen.astype({"supplier_cvr": object, "invoice_id": object}), paid=paid)

    def record(
        self,
        conn: sqlite3.Connection,
        decisions: pd.DataFrame,
        inputs: dict[str, tuple[str, str]],
        rules: dict,
        started_at: str,
        tool_version: str,
    ) -> int:
        """Insert a run and its decisions (inside :meth:`transaction`)."""
        posted = int((decisions["status"] == POSTED).sum())

        def inp(name: str) -> tuple[str | None, str | None]:
            return inputs.get(name, (None, None))

        cur = conn.execute(
            "INSERT INTO runs (started_at, finished_at, tool_version, grants_file, grants_sha256, "
            "invoices_file, invoices_sha256, support_sheet_file, support_sheet_sha256, rules, invoices, posted) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                started_at,
                _now(),
                tool_version,
                *inp("grants"),
                *inp("invoices"),
                *inp("support_sheet"),
                json.dumps(rules, ensure_ascii=False),
                len(decisions),
                posted,
            ),
        )
        run_id = int(cur.lastrowid)
        conn.executemany(
            f"INSERT INTO decisions (run_id, {', '.join(JOURNAL_COLUMNS)}) VALUES ({', '.join('?' * (len(JOURNAL_COLUMNS) + 1))})",
            self._rows(run_id, decisions),
        )
        return run_id

    @staticmethod
    def _rows(run_id: int, decisions: pd.DataFrame) -> Iterator[tuple]:
        cols = []
        for name in JOURNAL_COLUMNS:
            values = decisions[name].to_numpy()
            if name in ("period_start", "period_end"):
                values = format_date_iso(values.astype("datetime64[D]"))
            elif name == "row":
                values = values.astype(np.int64).tolist()
            else:
                values = pd.Series(values, dtype=object).fillna("").astype(str).tolist()
            cols.append(values)
        for values in zip(*cols, strict=True):
            yield (run_id, *values)

    def runs(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT * FROM runs ORDER BY run_id", self.conn)

    def decisions(self, run_id: int | None = None) -> pd.DataFrame:
        """Decisions recorded, all runs or one."""
        query = "SELECT d.*, r.started_at FROM decisions d JOIN runs r USING (run_id)"
        params: tuple = ()
        if run_id is not None:
            query += " WHERE run_id = ?"
            params = (run_id,)
        return pd.read_sql_query(query + " ORDER BY d.run_id, d.row", self.conn, params=params)
