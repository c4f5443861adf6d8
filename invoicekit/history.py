"""What earlier runs tell a new one: the invoices seen and the grant periods
paid, as checks 10 and 21 compare them. The journal reads a :class:`History`
from its runs; a replay in memory grows one run by run with
:func:`extend_history`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from invoicekit.identifiers import is_valid_cvr, map_unique
from invoicekit.keys import (
    LEGACY,
    citizen_keys,
    new_secret,
    normalise_grant_ids,
    normalise_numbers,
    paragraph_keys,
    stored_keys,
    value_key_texts,
    with_unmarked,
)
from invoicekit.parsing import ore_dkk
from invoicekit.reasons import CHECK_NUMBER, POSTED, UNSEEN_REASONS
from invoicekit.vocabulary import CREDIT_NOTE, normalise_paragraph

#: the keys check 21 compares, in the order it compares them: the same grant,
#: the same citizen, supplier and service, the same citizen, supplier and paragraph
PAID_KEYS = ("grant_key", "citizen_key", "paragraph_key")
#: the keys of check 10 a decision carries: its number's, and its value's (since 0.9.22)
SEEN_KEYS = ("invoice_key", "invoice_value_key")
#: every key a decision carries, hashed (where they are) with the history's own secret: what the
#: journal keeps unmasked, and what two replays of the same invoices hold differently
KEY_COLUMNS = (*SEEN_KEYS, *PAID_KEYS)
#: the ``run_id`` of an earlier payment that no run recorded: a grant period
#: marked paid in Sensum (``--paid``, :mod:`invoicekit.paid_marks`)
SENSUM_MARK = -1
#: the period of a Sensum mark whose own period could not be read: every period of its grant
MARK_WHOLE_TIME = ("1900-01-01", "2999-12-31")
SEEN_COLUMNS = ("supplier_cvr", "invoice_key", "invoice_id", "run_id", "started_at", "status", "invoice_value_key")
PAID_COLUMNS = (
    "grant_key",
    "citizen_key",
    "paragraph_key",
    "grant_id",
    "service_code",
    "paragraph",
    "period_start",
    "period_end",
    "invoice_id",
    "run_id",
    "started_at",
)


def _empty_seen() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "supplier_cvr": pd.Series(dtype=object),
            "invoice_key": pd.Series(dtype=object),
            "invoice_id": pd.Series(dtype=object),
            "run_id": pd.Series(dtype="int64"),
            "started_at": pd.Series(dtype=object),
            "status": pd.Series(dtype=object),
            "invoice_value_key": pd.Series(dtype=object),
        }
    )


def _empty_paid() -> pd.DataFrame:
    return pd.DataFrame(
        {
            **{
                c: pd.Series(dtype=object)
                for c in ("grant_key", "citizen_key", "paragraph_key", "grant_id", "service_code", "paragraph")
            },
            "period_start": pd.Series(dtype="datetime64[s]"),
            "period_end": pd.Series(dtype="datetime64[s]"),
            "invoice_id": pd.Series(dtype=object),
            "run_id": pd.Series(dtype="int64"),
            "started_at": pd.Series(dtype=object),
        }
    )


@dataclass(frozen=True)
class History:
    """What earlier runs (the journal) tell a new run.

    ``seen``: invoices decided before with a number and a valid supplier CVR: ``supplier_cvr``,
    ``invoice_key`` (the number as check 10 compares it, see
    :mod:`invoicekit.keys`), ``invoice_id`` (as people read it), ``run_id``,
    ``started_at``, ``status`` (how that run decided it: ``posted`` or ``manual``; blank where a history built
    by hand does not say). ``paid``: posted invoices: ``grant_key``, ``citizen_key``,
    ``paragraph_key`` (as check 21 compares them; blank for a payment recorded
    before invoicekit 0.9.13 kept it), ``grant_id``, ``service_code``,
    ``paragraph`` (as the payment was coded; blank where unknown),
    ``period_start``, ``period_end``, ``invoice_id``, ``run_id``,
    ``started_at``. ``secret`` keys the hashes in those keys: the journal's
    own, or a fresh one for a history held in memory.
    """

    seen: pd.DataFrame = field(default_factory=_empty_seen)
    paid: pd.DataFrame = field(default_factory=_empty_paid)
    secret: str = field(default_factory=new_secret)
    #: of ``paid``, how many rows at its end are copies of the robot's own payments on a grant moved to
    #: another supplier since, under today's keys (:func:`invoicekit.paid_marks.with_moved_grants`): check 21
    #: weighs them after every other payment, so that it names a payment as it was where it finds both
    moved: int = 0

    def __post_init__(self) -> None:
        # a table of paid periods built by hand as an older version's was: the columns it lacks blank
        missing = [c for c in ("paragraph_key", "paragraph") if c not in self.paid.columns]
        if missing:
            object.__setattr__(self, "paid", self.paid.assign(**{c: "" for c in missing}))
        if "status" not in self.seen.columns:  # nor how an invoice seen was decided
            object.__setattr__(self, "seen", self.seen.assign(status=""))

    def before(self, run_id: int) -> History:
        """What the runs before ``run_id`` told that run: the history it was
        decided against (``invoicekit explain`` of a recorded run)."""
        return replace(
            self,
            seen=self.seen[self.seen["run_id"] < run_id].reset_index(drop=True),
            paid=self.paid[self.paid["run_id"] < run_id].reset_index(drop=True),
        )

    @classmethod
    def from_tables(
        cls, seen: pd.DataFrame | None = None, paid: pd.DataFrame | None = None, secret: str | None = None
    ) -> History:
        """A history from tables written by hand (tests, notebooks): the keys
        missing from them are worked out from ``invoice_id`` (seen) and from
        ``grant_id`` and, for the citizen key, ``cpr``, ``supplier_cvr`` and
        ``service_code`` (paid), for the paragraph key ``cpr``,
        ``supplier_cvr`` and ``paragraph``."""
        secret = secret or new_secret()
        seen = _empty_seen() if seen is None else seen.copy()
        paid = _empty_paid() if paid is None else paid.copy()
        if "invoice_key" not in seen:
            normalised = normalise_numbers(seen["invoice_id"].to_numpy(dtype=object))
            seen["invoice_key"] = stored_keys(normalised, secret)
            if "invoice_value_key" not in seen:
                seen["invoice_value_key"] = np.asarray(value_key_texts(normalised, secret).to_pylist(), dtype=object)
        if "grant_key" not in paid:
            paid["grant_key"] = stored_keys(normalise_grant_ids(paid["grant_id"].to_numpy(dtype=object)), secret)
        if "citizen_key" not in paid:
            if {"cpr", "supplier_cvr", "service_code"} <= set(paid.columns):
                paid["citizen_key"] = citizen_keys(
                    paid["cpr"].to_numpy(dtype=object),
                    paid["supplier_cvr"].to_numpy(dtype=object),
                    paid["service_code"].to_numpy(dtype=object),
                    secret,
                )
            else:
                paid["citizen_key"] = ""
        if "paragraph_key" not in paid:
            paid["paragraph_key"] = ""
            if {"cpr", "supplier_cvr", "paragraph"} <= set(paid.columns):
                # written as in a sheet (§ 108, SEL §108): the paragraph as decide codes it
                codes, written = pd.factorize(paid["paragraph"].to_numpy(dtype=object), use_na_sentinel=False)
                each = np.array([normalise_paragraph(p) if isinstance(p, str) else "" for p in written], dtype=object)
                paid["paragraph"] = each[codes] if len(codes) else np.empty(0, dtype=object)  # each written once
                known = (paid["paragraph"] != "").to_numpy()
                if known.any():
                    paid.loc[known, "paragraph_key"] = paragraph_keys(
                        paid["cpr"].to_numpy(dtype=object)[known],
                        paid["supplier_cvr"].to_numpy(dtype=object)[known],
                        paid["paragraph"].to_numpy(dtype=object)[known],
                        secret,
                    )
        for frame, columns in ((seen, SEEN_COLUMNS), (paid, PAID_COLUMNS)):
            for col in columns:
                if col not in frame:
                    frame[col] = 0 if col == "run_id" else ""
        for col in ("period_start", "period_end"):
            paid[col] = pd.to_datetime(paid[col]).astype("datetime64[s]")
        return cls(
            seen=seen[list(SEEN_COLUMNS)].astype({c: object for c in SEEN_COLUMNS if c != "run_id"}),
            paid=paid[list(PAID_COLUMNS)].astype(
                {c: object for c in PAID_COLUMNS if c not in ("run_id", "period_start", "period_end")}
            ),
            secret=secret,
        )

    @functools.cached_property
    def has_legacy(self) -> bool:
        """Whether keys from a schema-1 journal (masked numbers) are among them."""
        return any(
            len(frame) and frame[col].astype(str).str.startswith(LEGACY).any()
            for frame, col in ((self.seen, "invoice_key"), (self.paid, "citizen_key"))
        )


def extend_history(
    history: History, decisions: pd.DataFrame, run_id: int, started_at: str, lines: pd.DataFrame | None = None
) -> History:
    """``history`` plus one more run's decisions (and the lines of those
    decided line by line, ``Decisions.lines``), as the journal would record
    them: for replaying months in memory (tuning, evaluation) without a
    journal file. ``decisions`` must have been decided with ``history``."""
    d = decisions.assign(run_id=run_id, started_at=started_at)
    lines = (lines if lines is not None else pd.DataFrame(columns=["row", "status", "check"])).assign(
        run_id=run_id, started_at=started_at
    )
    seen, paid = history_tables(d, lines)
    paid = paid.astype({"period_start": "datetime64[s]", "period_end": "datetime64[s]", "run_id": "int64"})
    seen = seen.astype({"run_id": "int64"})
    return History(
        seen=pd.concat([history.seen, seen], ignore_index=True) if len(history.seen) else seen,
        paid=pd.concat([history.paid, paid], ignore_index=True) if len(history.paid) else paid,
        secret=history.secret,
    )


def forgotten_credit_notes(credit_note: np.ndarray, amount: object, document_type: object) -> np.ndarray:
    """Of the decisions check 9 held (``credit_note``), those check 10
    forgets: the spec's credit notes, an amount of 0 or less or the
    ``document_type`` credit_note. A document of another type with an
    amount above 0, which check 9 holds too (the robot posts only invoices),
    passed the spec's checks 1-9 and is remembered: forgotten, its number
    resent as an invoice was posted (an attack on 0.9.22)."""
    return np.asarray(credit_note, dtype=bool) & spec_credit_notes(amount, document_type)


def _ore_or_nan(table: pd.DataFrame) -> np.ndarray:
    """A table's amounts (``amount_ore``, whole øre) as numbers whose sign check 9 reads; NaN where
    there is none (or the table keeps no amounts)."""
    return ore_dkk(table["amount_ore"]) if "amount_ore" in table else np.full(len(table), np.nan)


def spec_credit_notes(amount: object, document_type: object) -> np.ndarray:
    """The spec's credit notes: an amount of 0 or less (not one that could not be read), or the
    ``document_type`` credit_note; documents the robot never posts."""
    amount = np.asarray(amount, dtype=np.float64)
    return (np.nan_to_num(amount, nan=1.0) <= 0) | (np.asarray(document_type, dtype=object) == CREDIT_NOTE)


def history_tables(decisions: pd.DataFrame, lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What checks 10 and 21 see of recorded decisions (``run_id``,
    ``started_at`` and the columns :class:`History` keeps) and of the lines of
    those decided line by line (``run_id``, ``row``, ``status``, ``check``
    and the keys, periods, grant and service of each line).

    Seen: every invoice with a number and a valid supplier CVR but a credit
    note (:data:`~invoicekit.reasons.UNSEEN_REASONS`); one decided line by
    line unless every line was a credit note. Paid: posted invoices; one
    decided line by line is paid line by line (its own row holds no grant or
    citizen key)."""
    # a valid CVR is stored compact (an invalid one as written: 029345716, 29345716.0)
    cvr = decisions["supplier_cvr"].astype(str)
    valid_cvr = map_unique(cvr, lambda v: len(v) == 8 and v.isdigit() and is_valid_cvr(v)).astype(bool)
    reason = decisions["reason"]
    kind = decisions["document_type"] if "document_type" in decisions else np.full(len(decisions), "", dtype=object)
    amount = _ore_or_nan(decisions)
    credit = forgotten_credit_notes((reason == "CREDIT_NOTE").to_numpy(), amount, kind)
    passed = valid_cvr & (~reason.isin(UNSEEN_REASONS - {"CREDIT_NOTE"})).to_numpy() & ~credit
    posted = (decisions["status"] == POSTED).to_numpy()
    paid = decisions.loc[posted, list(PAID_COLUMNS)]
    if len(lines):
        key = pd.MultiIndex.from_frame(decisions[["run_id", "row"]])
        line_key = pd.MultiIndex.from_frame(lines[["run_id", "row"]])
        at = key.get_indexer(line_key)
        by_lines = np.bincount(at, minlength=len(decisions)) > 0
        # a line held as a credit note, as the run forgets one: its own amount of 0 or less, or the
        # invoice's type credit_note (a line of another type above 0 is remembered, as in the run)
        line_amount = _ore_or_nan(lines)
        line_credit = forgotten_credit_notes(
            (lines["check"].to_numpy() == CHECK_NUMBER["CREDIT_NOTE"]), line_amount, np.asarray(kind, dtype=object)[at]
        )
        not_credit = np.bincount(at[~line_credit], minlength=len(decisions)) > 0
        passed = np.where(by_lines, valid_cvr & not_credit, passed)
        posted_lines = (lines["status"] == POSTED).to_numpy()
        from_lines = lines.loc[posted_lines].assign(
            invoice_id=decisions["invoice_id"].to_numpy(dtype=object)[at[posted_lines]]
        )
        paid = pd.concat([paid[~by_lines[posted]], from_lines[list(PAID_COLUMNS)]], ignore_index=True)
    if "invoice_value_key" not in decisions:  # decided by a version that kept none (before 0.9.22)
        decisions = decisions.assign(invoice_value_key="")
    seen = decisions.loc[passed, list(SEEN_COLUMNS)].reset_index(drop=True)
    paid = paid.reset_index(drop=True)
    text = [c for c in (*SEEN_COLUMNS, *PAID_COLUMNS) if c not in ("run_id", "period_start", "period_end")]
    seen = seen.astype({c: object for c in text if c in seen.columns})
    paid = paid.astype({c: object for c in text if c in paid.columns})
    # keys written before 0.9.9 may begin with the mark the readers now take off first
    if "invoice_key" in seen.columns:
        seen = with_unmarked(seen)
    return seen, paid
