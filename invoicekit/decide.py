"""Deciding a batch of invoices: the 21 ordered checks of the robot spec as
whole-column operations.

The first check that fails gives the reason. Checks 1-9 look at the invoice
alone, 10 at earlier invoices, 11-16 exclude candidate grants (CPR, supplier,
period, fixed rate, amount) until one is left, 17 codes it from the support
sheet, 18-20 apply the business rules and 21 looks for an earlier payment of
the same grant for an overlapping period.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import invoicekit.messages as msg
from invoicekit.amounts import HOUR, expected_amounts
from invoicekit.columns import TYPED_DECISION_COLUMNS
from invoicekit.distinct import first_rows, tuple_codes
from invoicekit.extracts import (
    Grants,
    InvoiceLines,
    Invoices,
    SupportSheet,
    citizen_supplier_keys,
    held_agreeing,
    held_on,
    left_out_at_supplier,
    written_invoice_ids,
)
from invoicekit.history import MARK_WHOLE_TIME, PAID_KEYS, SENSUM_MARK, History, forgotten_credit_notes
from invoicekit.identifiers import mask_cprs_in_arrow
from invoicekit.keys import (
    HASHED,
    LEGACY,
    MAX_NUMBER_CELL_DIGITS,
    PADDED_WIDTH,
    citizen_keys,
    digits_only,
    grant_values,
    legacy_citizen_keys,
    legacy_keys,
    marked_keys,
    normalise_grant_ids,
    normalise_numbers,
    paragraph_keys,
    service_keys,
    sheet_keys,
    stored_keys,
    stored_keys_arrow,
    value_key_texts,
    value_keys,
    valued_grant_ids,
)
from invoicekit.lines import LINES_CPRS, decide_by_lines
from invoicekit.paid_marks import PaidMarks, with_moved_grants, with_paid_marks
from invoicekit.parsing import (
    MONEY_SCALE,
    NAT_DAYS,
    date_dk,
    format_date_dk,
    format_money_dk,
    format_money_one,
    ore_array,
)
from invoicekit.reasons import CHECK_NUMBER, MANUAL, POSTED, REASONS
from invoicekit.rules import Rules
from invoicekit.texts import TEXT, arrow_text, is_arrow_text
from invoicekit.vocabulary import (
    AMOUNT_NOTE,
    ANY_PARAGRAPH,
    CPR_MASK,
    FORMULA_CELL_RE2,
    INVOICE,
    OWNERSHIP_DA,
    danish_today,
    latest_start,
    masked_cpr,
    normalise_paragraph,
)

NO_GRANT_POS = -1


@dataclass
class Decisions:
    """The result of deciding a batch.

    - ``decisions``: one row per invoice, in input order: the columns of
      ``decisions.csv``, the amounts as whole øre (``amount_ore``,
      ``expected_amount_ore``: pandas ``Int64``, blank where there is none;
      :data:`~invoicekit.columns.IN_ORE`), plus ``period_start``,
      ``period_end``, ``service_code`` and ``check`` (the number of the
      failed check, 0 when posted). CPR numbers masked.
    - ``postings``: the posted invoices with what OPUS needs, full CPR
      included (``cpr``), the invoice number as written and the amount in
      whole øre (``amount_ore``); see
      :func:`invoicekit.post.opus_postings`.
    - ``notes``: the manual invoices with the invoice number as written and
      the message, for the notes written in OPUS.
    - ``candidates`` (with ``explain=True``): every grant with the invoice's
      CPR, and how far it got (``supplier_ok``, ``covers``, ``fixed_rate``,
      ``expected_amount_ore``, ``invoiced_amount_ore``, ``amount_ok``,
      ``excluded_at``).
    - ``coding_candidates`` (with ``explain=True``): the coding rows
      considered for each invoice whose grant was found.
    - ``problems``: grant, support-sheet, invoice-line and paid-mark rows left out (a paid mark
      whose period could not be read is listed too: it counts for every period of its grant).
    - ``lines`` (when lines were given): the lines of collective invoices.
    """

    decisions: pd.DataFrame
    postings: pd.DataFrame
    problems: pd.DataFrame
    notes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["row", "invoice_id", "supplier_cvr", "message"])
    )
    candidates: pd.DataFrame | None = None
    coding_candidates: pd.DataFrame | None = None
    #: with ``lines``: one row per line of the invoices decided line by line
    #: (:func:`invoicekit.lines.decide_by_lines` gives the columns)
    lines: pd.DataFrame | None = None

    @property
    def automation_rate(self) -> float:
        n = len(self.decisions)
        return float((self.decisions["status"] == POSTED).sum() / n) if n else 0.0


def decide(
    invoices: Invoices,
    grants: Grants,
    support: SupportSheet,
    rules: Rules | None = None,
    history: History | None = None,
    explain: bool = False,
    max_pairs: int = 2_000_000,
    run_date: dt.date | None = None,
    messages: bool = True,
    lines: InvoiceLines | None = None,
    paid: PaidMarks | None = None,
) -> Decisions:
    """Decide every invoice: posted, or manual with a reason and a Danish message.

    Typed tables in (:class:`~invoicekit.extracts.Invoices`,
    :class:`~invoicekit.extracts.Grants` and
    :class:`~invoicekit.extracts.SupportSheet`, from the ``read_*`` functions,
    or from ``prepare_*`` for tables held in memory), a :class:`Decisions`
    out, whose ``problems`` are the rows the inputs left out. ``history`` holds
    what the journal knows of earlier runs; without it, only this batch counts.
    Candidate (invoice, grant) pairs are weighed at most ``max_pairs`` at a
    time, so memory stays bounded however many grants a citizen has.
    ``run_date`` (default today) gives the posting lines their posting date.
    ``messages=False`` leaves the texts blank (the Danish message and the
    posting text): for counting only, as tuning does, where they are most of
    the work. ``lines`` (:class:`~invoicekit.extracts.InvoiceLines`) decides
    the collective invoices that have lines line by line
    (:mod:`invoicekit.lines`); the result then has ``lines``. ``paid``
    (:class:`~invoicekit.paid_marks.PaidMarks`, ``--paid``): the grant
    periods marked paid in Sensum, which check 21 counts as paid beside the
    journal's (:func:`~invoicekit.paid_marks.with_paid_marks`); the marks
    left out or read without their period are among the result's ``problems``.

    ``decide`` is :func:`check_batch` (checks 1-17, which the rules touch only
    through the tolerance) and then :func:`decide_checked` (checks 18-21 and
    the result tables).
    """
    rules = rules or Rules()
    history = history or History()
    if not isinstance(rules, Rules):
        raise TypeError(
            f"decide takes its rules as Rules, not {type(rules).__name__} "
            "(invoicekit.Rules(tolerance=5), or invoicekit.load_rules for a TOML file)"
        )
    if run_date is not None and not isinstance(run_date, dt.date):
        raise TypeError(f"run_date: expected a datetime.date, not {type(run_date).__name__} ({run_date!r})")
    if paid is not None:
        if not isinstance(paid, PaidMarks):
            raise TypeError(
                f"decide takes Sensum's paid marks as PaidMarks, not {type(paid).__name__} "
                "(invoicekit.paid_marks.prepare_paid_marks types a table held in memory)"
            )
        history, marks_problems = with_paid_marks(history, paid, grants, support, _periods_span(invoices, lines))
        result = decide(invoices, grants, support, rules, history, explain, max_pairs, run_date, messages, lines)
        if len(marks_problems):
            result.problems = pd.concat([result.problems, marks_problems], ignore_index=True)
        return result
    if lines is not None:
        if not isinstance(lines, InvoiceLines):
            raise TypeError(
                f"decide takes typed invoice lines: InvoiceLines, not {type(lines).__name__} "
                "(invoicekit.prepare_invoice_lines types a table held in memory)"
            )
        core = functools.partial(decide, grants=grants, support=support, rules=rules, history=history,
                                 explain=explain, max_pairs=max_pairs, run_date=run_date, messages=messages)  # fmt: skip
        return decide_by_lines(invoices, lines, core, messages)
    if isinstance(invoices, Invoices) and isinstance(grants, Grants) and isinstance(support, SupportSheet):
        # the robot's own payments on a grant moved to another supplier since, under today's keys too (once: the
        # lines' own decide comes here; tables of another type are refused by check_batch, saying which)
        history = with_moved_grants(history, grants, support, _periods_span(invoices, None))
    checked = check_batch(invoices, grants, support, rules.tolerance, history, explain, max_pairs, run_date)
    return decide_checked(checked, rules, history, run_date, messages)


def _periods_span(invoices: Invoices, lines: InvoiceLines | None) -> tuple[np.datetime64, np.datetime64] | None:
    """The first and the last day of any period decided (the invoices' and
    the lines'): check 21 compares no earlier payment outside it. None when
    no period was read."""
    days = np.concatenate(
        [
            frame[c].to_numpy(dtype="datetime64[D]")
            for frame in (invoices.frame, *(() if lines is None else (lines.frame,)))
            for c in ("period_start", "period_end")
        ]
    )
    days = days[~np.isnat(days)]
    return (days.min(), days.max()) if len(days) else None


@dataclass
class Checked:
    """A batch through checks 1-17, with the keys check 21 compares: all of
    deciding that the business rules touch only through the tolerance (checks
    15-16). :func:`decide_checked` finishes it under any rule set of that
    tolerance, as often as wanted (it changes nothing here): tuning weighs
    many rule sets over the same months. ``reason`` is the failed check so
    far (0 while open), ``detail`` what the messages add about it. ``keys``
    holds the invoice, grant and citizen keys per invoice (arrow, blank for
    none), made with the history's ``secret``; ``key_codes`` the grant and
    citizen keys as integer codes per invoice (-1 for none) into
    ``key_distinct``: equal codes, equal keys."""

    invoices: Invoices
    grants: Grants
    support: SupportSheet
    problems: pd.DataFrame
    tolerance_units: int
    secret: str
    explain: bool
    reason: np.ndarray
    detail: np.ndarray
    match: _Match
    coded: dict
    amount: np.ndarray
    start: np.ndarray
    end: np.ndarray
    keys: dict[str, pa.Array]
    key_codes: dict[str, np.ndarray]
    key_distinct: dict[str, np.ndarray]
    paragraph_rows: np.ndarray
    #: every grant row's id as a code into the distinct ids, normalised (:func:`_grant_codes`), and those ids
    grant_ids: tuple[np.ndarray, np.ndarray]
    #: of the invoices held at checks 2-8, where their number was decided before (check 10's detail), else blank
    seen_before: np.ndarray | None = None

    def hash_paragraph_keys(self) -> None:
        """Put the paragraph keys in ``keys`` and ``key_distinct`` (their codes
        are in ``key_codes`` from the start): hashed when first asked for, so
        that :func:`decide_checked` makes them beside checks 18-21."""
        self._paragraph_keys  # noqa: B018 (made once)

    @functools.cached_property
    def _paragraph_keys(self) -> bool:
        rows, coded = self.paragraph_rows, self.coded
        cpr, cvr = (_objects_of(_pick(_column(self.invoices.frame, name), rows)) for name in ("cpr", "supplier_cvr"))
        distinct = paragraph_keys(cpr, cvr, coded["paragraphs"][coded["paragraph_code"][rows]], self.secret)
        self.key_distinct["paragraph_key"] = np.asarray(distinct, dtype=object)
        self.keys["paragraph_key"] = _key_texts(self.key_codes["paragraph_key"], self.key_distinct["paragraph_key"])
        return True

    @functools.cached_property
    def cpr_masked(self) -> pa.Array:
        """Every invoice's CPR numbers masked (:func:`_masked_cprs`), arrow;
        made when first asked for, and kept. :func:`decide_checked` has its
        helper thread ask first; from Python 3.12 on, two threads asking at
        the very same time may each make them (the same numbers)."""
        return _masked_cprs(self.invoices.frame)

    @functools.cached_property
    def grant_row_unread(self) -> np.ndarray:
        """Per invoice: whether a row of the citizen's at its supplier, or at a
        supplier whose CVR could not be read, was left out of the grant
        extract (the grant that fits may be that one; one at another supplier
        cannot be)."""
        return left_out_at_supplier(self.invoices.frame, self.grants.left_out_rows["pair"].to_numpy())[0]


def _held_by_left_out_row(inv: pd.DataFrame, grants: Grants, asked: np.ndarray, start, end) -> np.ndarray:
    """Per invoice (of those ``asked``): whether a grant row left out names
    its citizen and its supplier, or its citizen and a supplier that could
    not be read (:func:`~invoicekit.extracts.left_out_at_supplier`), and may
    cover part of its period (``start`` to ``end``): its dates overlap it,
    or could not be read. A row that ended years ago holds nothing back."""
    lo = grants.left_out_rows
    held = np.zeros(len(inv), dtype=bool)
    at_supplier, keys = left_out_at_supplier(inv, lo["pair"].to_numpy())
    near = np.flatnonzero(asked & at_supplier)
    if not len(near):
        return held
    pairs = pd.concat(
        [pd.DataFrame({"i": near, "pair": key[near]}).merge(lo, on="pair") for key in keys], ignore_index=True
    )
    i = pairs["i"].to_numpy()
    lo_start, lo_end = pairs["start"].to_numpy(dtype="datetime64[D]"), pairs["end"].to_numpy(dtype="datetime64[D]")
    inv_start, inv_end = start[i].astype("datetime64[D]"), end[i].astype("datetime64[D]")
    may = (np.isnat(lo_start) | (lo_start <= inv_end)) & (np.isnat(lo_end) | (lo_end >= inv_start))
    held[i[may]] = True
    return held


def _grant_row_unread(invoices: Invoices, grants: Grants) -> np.ndarray:
    """Per invoice: whether a row of the citizen's in the grant extract was left out."""
    left_out, cpr_key = grants.left_out_citizens, invoices.frame["cpr_key"].to_numpy()
    return np.isin(cpr_key, left_out) if len(left_out) else np.zeros(len(cpr_key), dtype=bool)


def check_batch(
    invoices: Invoices,
    grants: Grants,
    support: SupportSheet,
    tolerance: float = Rules.tolerance,
    history: History | None = None,
    explain: bool = False,
    max_pairs: int = 2_000_000,
    run_date: dt.date | None = None,
) -> Checked:
    """Checks 1-17 of a batch (see :func:`decide`): the only rule they read is
    ``tolerance``, and of ``history`` only the invoices seen (check 10);
    ``run_date`` (default today) how far ahead a period may start (check 7)."""
    history = history or History()
    rules = Rules(tolerance=tolerance)
    for value, kind, helper in ((invoices, Invoices, "prepare_invoices"), (grants, Grants, "prepare_grants"),
                                (support, SupportSheet, "prepare_support_sheet")):  # fmt: skip
        if not isinstance(value, kind):
            raise TypeError(
                f"decide takes typed tables: {kind.__name__}, not {type(value).__name__} "
                f"(invoicekit.{helper} types a table held in memory)"
            )
    invoices.refuse_repeated_rows()
    left_out = [p for p in (invoices.problems, grants.problems, support.problems) if len(p)]
    problems = pd.concat(left_out, ignore_index=True) if left_out else invoices.problems
    inv, gr, sheet = invoices.frame, grants.frame, support
    n = len(inv)
    state = _State(n)
    detail = np.full(n, "", dtype=object)

    # ------------------------------------------------ 1-9: the invoice alone
    # beside them the invoices' keys of check 10 and their codes (hashed texts, about as long
    # as checks 1-9 and the grants' keys)
    (start, end, amount, (grant_ids, grant_keys)), (invoice_keys, invoice_key_codes, value_keys_) = _side_by_side(
        lambda: (*_the_invoice_alone(inv, state, run_date or danish_today()), _grant_codes(gr, history.secret)),
        lambda: _invoice_keys(inv, history.secret),
        rows=n,
    )

    # ------------------------------------------------ 10: duplicates
    seen_before = np.full(n, "", dtype=object)
    _check_duplicates(inv, invoice_keys, invoice_key_codes, history, state, detail, value_keys_, seen_before)

    # ------------------------------------------------ 11-16: exclude grants
    m = _match(inv, gr, state, amount, start, end, rules, detail, explain, max_pairs)
    state.fail("NO_GRANT", m.n_cpr == 0)
    if len(grants.left_out_citizens):  # a row of the citizen's was left out: no grant is not none in Sensum
        detail[(state.reason == CHECK_NUMBER["NO_GRANT"]) & _grant_row_unread(invoices, grants)] = msg.NO_GRANT_UNREAD
    state.fail("NO_GRANT_FOR_SUPPLIER", m.n_sup == 0)
    state.fail("PERIOD_NOT_COVERED", m.n_cov == 0)
    state.fail("NO_FIXED_RATE", m.n_fixed == 0)
    state.fail("AMOUNT_MISMATCH", m.n_ok == 0)
    state.fail("AMBIGUOUS", m.n_ok > 1)
    if len(grants.left_out_rows):  # one fits, but a row of the citizen's at the supplier may fit too
        held_rows = _held_by_left_out_row(inv, grants, state.open & (m.n_ok == 1), start, end)
        held = np.flatnonzero(held_rows)
        state.fail("AMBIGUOUS", held_rows)
        # the one that fits is named in the message, and is no grant of the decision (as for two)
        ids = _short(_shown(gr["grant_id"]).take(pa.array(m.grant_pos[held]))).to_pylist()
        detail[held] = [
            f"bevilling {g}, forventet {a} kr."
            for g, a in zip(ids, msg.money_dk(m.exp_out[held]).to_pylist(), strict=True)
        ]
        m.grant_pos[held], m.exp_out[held] = NO_GRANT_POS, -1

    # ------------------------------------------------ 17: coding, beside the keys of check 21 (the grant found is all they need)
    coded, (keys, codes, distinct) = _side_by_side(
        lambda: _code(inv, grants, sheet, state, m.grant_pos, start, detail, explain),
        lambda: _keys_of_check_21(inv, gr, m.grant_pos, grant_keys, invoice_keys, value_keys_, history.secret),
        rows=n,
    )
    # the paragraph of the grant's service is check 17's
    codes["paragraph_key"], paragraph_rows = _paragraph_codes(inv, codes["citizen_key"], coded)
    return Checked(invoices, grants, support, problems, rules.tolerance_units, history.secret, explain,
                   state.reason, detail, m, coded, amount, start, end, keys, codes, distinct, paragraph_rows,
                   grant_ids, seen_before)  # fmt: skip


def _the_invoice_alone(
    inv: pd.DataFrame, state: _State, run_date: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checks 1-9 on ``state``; the periods' start and end and the amounts. A
    period that starts more than :data:`~invoicekit.vocabulary.FUTURE_DAYS`
    after ``run_date`` is no period to pay (check 7)."""
    state.fail("MISSING_INVOICE_ID", (inv["invoice_id_raw"] == "").to_numpy())
    state.fail("INVALID_CPR", inv["cpr_invalid"].to_numpy())
    count = inv["cpr_count"].to_numpy()
    state.fail("MULTIPLE_CPR", count > 1)
    state.fail("MISSING_CPR", count == 0)
    state.fail("INVALID_CVR", ~inv["cvr_valid"].to_numpy())
    start = inv["period_start"].to_numpy(dtype="datetime64[D]")
    end = inv["period_end"].to_numpy(dtype="datetime64[D]")
    state.fail("MISSING_PERIOD", np.isnat(start) | np.isnat(end))
    state.fail("INVALID_PERIOD", (end < start) | (start > np.datetime64(latest_start(run_date), "D")))
    currency_ok = inv["currency_ok"].to_numpy()
    prepaid_ok = inv["prepaid_ok"].to_numpy() & (inv["prepaid"].to_numpy() == 0)
    state.fail("INVALID_AMOUNT", ~inv["amount_ok"].to_numpy() | ~currency_ok | ~prepaid_ok)
    amount = inv["amount"].to_numpy()
    state.fail("CREDIT_NOTE", (amount <= 0) | (inv["document_type"] != INVOICE).to_numpy())
    return start, end, amount


def grant_value_codes(grant_ids: tuple[np.ndarray, np.ndarray], pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check 21's grant of each of ``pos`` (positions in ``gr``, -1 for none) as compared within a run and
    across a replay's months: codes (-1 for none) into the distinct ids, an id of digits by its value where any
    is written otherwise (:func:`~invoicekit.keys.grant_values`: one extract's 00123 and 123 are one grant;
    a review found both of one citizen's March invoices paid, and tuning's replay paid what the run held).
    ``grant_ids``: :attr:`Checked.grant_ids`. Held in memory only: the journal keeps each id's own key."""
    has = pos >= 0
    id_code, ids = grant_ids
    if not len(id_code):
        return np.full(len(pos), -1, dtype=np.int64), np.empty(0, dtype=object)
    value_code, distinct = _value_codes(ids)
    return np.where(has, value_code[id_code[np.where(has, pos, 0)]], -1), distinct


def _value_codes(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct normalised grant ids (``ids``, :attr:`Checked.grant_ids`) as codes into the distinct ids
    compared by value (:func:`grant_value_codes`): the ids themselves where none is written otherwise."""
    if not (len(ids) and _written_otherwise(ids).any()):
        return np.arange(len(ids)), ids  # distinct already: no second factorising
    value_code, distinct = pd.factorize(np.asarray(grant_values(ids), dtype=object))
    return value_code, np.asarray(distinct, dtype=object)


def _grant_codes(gr: pd.DataFrame, secret: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Check 21's grant of every grant row, each distinct id normalised once
    (:func:`~invoicekit.keys.normalise_grant_ids`): its id as a code into the
    distinct normalised ids (:attr:`Checked.grant_ids`), and its key as a code
    into the distinct keys."""
    raw_code, raw = pd.factorize(gr["grant_id"].to_numpy(dtype=object), use_na_sentinel=False)
    norm_code, ids = pd.factorize(normalise_grant_ids(np.asarray(raw, dtype=object)))
    ids = np.asarray(ids, dtype=object)
    key_code, keys = pd.factorize(stored_keys(ids, secret))
    id_code = norm_code[raw_code] if len(raw_code) else np.empty(0, dtype=np.int64)
    return (id_code, ids), (key_code[id_code] if len(id_code) else id_code, np.asarray(keys, dtype=object))


def _keys_of_check_21(inv, gr, grant_pos, grant_keys, invoice_keys, value_keys_, secret) -> tuple[dict, dict, dict]:
    """The keys, key codes and distinct keys of :class:`Checked`, of the
    invoices with ``grant_pos`` found; ``grant_keys`` the grants' codes
    (:func:`_grant_codes`)."""
    grant_code, grant_distinct = grant_keys
    has_grant = grant_pos >= 0
    citizen_code, citizen_distinct = _citizen_codes(inv, gr, grant_pos, secret)
    codes = {
        "grant_key": np.where(has_grant, grant_code[np.where(has_grant, grant_pos, 0)] if len(gr) else -1, -1),
        "citizen_key": citizen_code,
    }
    distinct = {"grant_key": grant_distinct, "citizen_key": citizen_distinct}
    keys = {"invoice_key": invoice_keys, "invoice_value_key": value_keys_}
    for name in ("grant_key", "citizen_key"):
        keys[name] = _key_texts(codes[name], distinct[name])
    return keys, codes, distinct


def _key_texts(codes: np.ndarray, distinct: np.ndarray) -> pa.Array:
    """Keys per invoice as arrow text, blank where the code is -1."""
    blank_last = np.where(codes >= 0, codes, len(distinct))
    return arrow_text(np.append(distinct, "")).take(pa.array(blank_last))


def _citizen_codes(inv: pd.DataFrame, gr: pd.DataFrame, grant_pos: np.ndarray, secret: str) -> tuple:
    """Check 21's citizen key (:func:`~invoicekit.keys.citizen_keys`) of every
    invoice with a grant, as codes per invoice (-1 for none) into the distinct
    keys. The grant found has the invoice's CPR and CVR numbers (their integer
    keys, which the texts determine) and gives the service, so the distinct
    (CPR, supplier, service) are found among the grants and each hashed once;
    that the invoices' texts agree within each is checked, else every row is
    hashed."""
    n = len(inv)
    codes = np.full(n, -1, dtype=np.int64)
    matched = np.flatnonzero(grant_pos >= 0)
    if len(matched) == 0:
        return codes, np.empty(0, dtype=object)
    gp = grant_pos[matched]
    # the services as they are held (arrow text, hashed there), as Python texts only for the rows hashed
    per_grant, _ = tuple_codes(gr["cpr_key"].to_numpy(), gr["cvr_key"].to_numpy(), gr["service_code"])
    services = _column(gr, "service_code")
    triple, triples = pd.factorize(per_grant[gp])  # the triples of the invoices, numbered from 0
    first = first_rows(triple, len(triples))  # each triple's first invoice
    cpr = _pick(_column(inv, "cpr"), matched)
    cvr = _pick(_column(inv, "supplier_cvr"), matched)
    if _same(cpr, first, triple) and _same(cvr, first, triple):
        cpr_first, cvr_first = (_objects_of(_pick(values, first)) for values in (cpr, cvr))
        service_first = _objects_of(_pick(services, gp[first]))
        triple_code, distinct = pd.factorize(citizen_keys(cpr_first, cvr_first, service_first, secret))
        codes[matched] = triple_code[triple]
    else:
        service = _objects_of(_pick(services, gp))
        codes[matched], distinct = pd.factorize(citizen_keys(_objects_of(cpr), _objects_of(cvr), service, secret))
    return codes, np.asarray(distinct, dtype=object)


def _paragraph_codes(inv: pd.DataFrame, citizen: np.ndarray, coded: dict) -> tuple[np.ndarray, np.ndarray]:
    """Check 21's paragraph key (:func:`~invoicekit.keys.paragraph_keys`) of
    every invoice with a citizen key (``citizen``, its codes) whose grant's
    service has a paragraph in the support sheet (``coded``, check 17's), as
    integer codes per invoice (-1 for none), and an invoice of each code
    (the key is hashed from its texts when asked for:
    :meth:`Checked.hash_paragraph_keys`). Invoices of one citizen key hold
    the same CPR and CVR texts (:func:`_citizen_codes`), and a grant's CPR
    and CVR texts are those of their integer keys (a CPR number normalised,
    a valid CVR number compact), so each (CPR key, CVR key, paragraph) is
    worked out once, from the first invoice of each (citizen key, paragraph)."""
    paragraphs, code = coded["paragraphs"], coded["paragraph_code"]
    codes = np.full(len(inv), -1, dtype=np.int64)
    matched = np.flatnonzero((citizen >= 0) & (code < len(paragraphs) - 1))  # the blank paragraph is last
    if len(matched) == 0:
        return codes, np.empty(0, dtype=np.int64)
    pair, pairs = pd.factorize(citizen[matched] * len(paragraphs) + code[matched])
    first = matched[first_rows(pair, len(pairs))]  # each (citizen key, paragraph)'s first invoice
    same, n = tuple_codes(inv["cpr_key"].to_numpy()[first], inv["cvr_key"].to_numpy()[first], code[first])
    codes[matched] = same[pair]
    return codes, first[first_rows(same, n)]


def _same(values: np.ndarray | pa.Array, first: np.ndarray, group: np.ndarray) -> bool:
    """Whether every row holds the value of its group's first row."""
    if isinstance(values, pa.Array):
        firsts = values.take(pa.array(first[group]))
        return bool(pc.all(pc.fill_null(pc.equal(values, firsts), False)).as_py() and values.null_count == 0)
    return bool((values == values[first][group]).all())


def _text_at(values: pa.Array, k: int) -> object:
    """One text of an arrow column as pandas gives it (NaN where missing)."""
    value = values[int(k)].as_py()
    return np.nan if value is None else value


def _value_at(values: np.ndarray | pa.Array, k: int) -> object:
    """One value of a column as :func:`_column` holds it, as pandas gives it."""
    return _text_at(values, k) if isinstance(values, pa.Array) else values[k]


def _objects_of(values: np.ndarray | pa.Array) -> np.ndarray:
    """Python texts (NaN where missing, as pandas holds them)."""
    if isinstance(values, pa.Array):
        out = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
        if values.null_count:
            out[pc.is_null(values).to_numpy(zero_copy_only=False)] = np.nan
        return out
    return values


def final_reasons(checked: Checked, rules: Rules, history: History) -> np.ndarray:
    """Checks 18-21 of a checked batch under ``rules`` (of the tolerance it
    was checked with), against the payments in ``history``: the failed check
    of every invoice, 0 for posted. ``checked`` is left as it was."""
    return _business_rules(checked, rules, history)[0].reason


def rule_reasons(checked: Checked, rules: Rules) -> np.ndarray:
    """Checks 18-20 of a checked batch under ``rules`` (of the tolerance it
    was checked with): the failed check of every invoice so far, 0 for those
    open for check 21. ``checked`` is left as it was."""
    _same_tolerance(checked, rules)
    state = _State(len(checked.reason))
    state.reason = checked.reason.copy()
    _business_rules_18_20(checked, rules, state, None)
    return state.reason


def _business_rules(checked: Checked, rules: Rules, history: History) -> tuple[_State, np.ndarray]:
    """Checks 18-21 on copies of ``checked``'s reasons and details."""
    _same_tolerance(checked, rules)
    if history.secret != checked.secret:
        raise ValueError("the batch was checked with another history's secret; its keys would not compare")
    inv, gr = checked.invoices.frame, checked.grants.frame
    state = _State(len(inv))
    state.reason = checked.reason.copy()
    detail = checked.detail.copy()
    start, end = checked.start, checked.end
    _business_rules_18_20(checked, rules, state, detail)

    # ------------------------------------------------ 21: already paid
    if len(history.paid):
        checked.hash_paragraph_keys()  # compared with the journal's
    _check_already_paid(inv, gr, history, state, checked.match.grant_pos, checked.key_codes, checked.key_distinct,
                        start, end, detail, checked.coded, checked.support, checked.grant_ids)  # fmt: skip
    return state, detail


def _same_tolerance(checked: Checked, rules: Rules) -> None:
    if rules.tolerance_units != checked.tolerance_units:
        raise ValueError(
            f"the batch was checked with tolerance {checked.tolerance_units / MONEY_SCALE}, not {rules.tolerance}"
        )


def _business_rules_18_20(checked: Checked, rules: Rules, state: _State, detail: np.ndarray | None) -> None:
    """Checks 18-20 on ``state`` (and the messages' details, unless None)."""
    coded = checked.coded
    if rules.excluded_suppliers:
        cvr = pd.Series(checked.invoices.frame["supplier_cvr"].to_numpy(dtype=object), dtype=object)
        state.fail("SUPPLIER_EXCLUDED", cvr.isin(set(rules.excluded_suppliers)).to_numpy())
    # the few distinct paragraphs weighed once
    allowed = pd.Series(coded["paragraphs"], dtype=object).isin(set(rules.paragraphs)).to_numpy()
    excluded_paragraph = ~allowed[coded["paragraph_code"]]
    if detail is not None:
        shown = [f"§ {p}" if p.isdigit() else p for p in rules.paragraphs]  # STU is no §
        detail[state.open & excluded_paragraph] = msg.listed_da(shown) or "ingen"
    state.fail("PARAGRAPH_EXCLUDED", excluded_paragraph)
    above = checked.amount > rules.max_amount_units
    if detail is not None:
        detail[state.open & above] = f"{format_money_one(rules.max_amount_units)} kr."
    state.fail("AMOUNT_ABOVE_LIMIT", above)


def decide_checked(
    checked: Checked,
    rules: Rules,
    history: History,
    run_date: dt.date | None = None,
    messages: bool = True,
) -> Decisions:
    """Checks 18-21 of a checked batch (see :func:`check_batch`) and the result
    tables, as :func:`decide` gives them."""
    inv, gr, problems = checked.invoices.frame, checked.grants.frame, checked.problems
    m, coded = checked.match, checked.coded
    # checks 18-21 here, and beside them the masked CPR numbers and the messages of
    # the invoices that failed checks 1-17 (their reasons and details are final);
    # this thread helps with the messages once the checks are done
    early = np.flatnonzero(checked.reason != 0) if messages else np.empty(0, dtype=np.int64)
    early_messages = _Messages(_manual_facts(checked, checked.detail, checked.reason), early, checked.reason)
    (state, detail), _ = _side_by_side(
        lambda: (_business_rules(checked, rules, history), early_messages.make())[0],
        lambda: (checked.cpr_masked, checked.hash_paragraph_keys(), early_messages.make()),
        rows=len(inv),
    )
    paid_notes = functools.partial(_paid_before, checked, state, history) if messages else None
    # _assemble lets go of the early messages once they are in the message column
    decisions, postings, notes = _assemble(checked, state, detail, early_messages.made, messages, paid_notes)
    start = postings["period_start"].to_numpy(dtype="datetime64[D]")
    end = postings["period_end"].to_numpy(dtype="datetime64[D]")
    if "post_group" in inv.columns and len(postings):
        # the lines of a collective invoice (one row number) take the date of the
        # invoice's whole period, all its lines': one invoice, one financial year
        by_row = pd.DataFrame({"row": postings["row"].to_numpy(), "start": start, "end": end}).groupby("row")
        start = by_row["start"].transform("min").to_numpy(dtype="datetime64[D]")
        end = by_row["end"].transform("max").to_numpy(dtype="datetime64[D]")
    postings["posting_date"] = posting_dates(start, end, run_date or danish_today(), rules.supplementary_period_end)
    result = Decisions(decisions=decisions, postings=postings, problems=problems, notes=notes)
    if checked.explain:
        result.candidates = (
            pd.concat(m.candidates, ignore_index=True) if m.candidates else _explain_candidates(*_no_pairs(inv, gr))
        )
        result.coding_candidates = coded["considered"]
    return result


class _State:
    """The reason of every invoice so far: 0 while all checks passed."""

    def __init__(self, n: int) -> None:
        self.reason = np.zeros(n, dtype=np.int8)

    @property
    def open(self) -> np.ndarray:
        return self.reason == 0

    def fail(self, code: str, mask: np.ndarray) -> None:
        hit = self.open & np.asarray(mask, dtype=bool)
        self.reason[hit] = CHECK_NUMBER[code]


def _invoice_keys(inv: pd.DataFrame, secret: str) -> tuple[pa.Array, np.ndarray, pa.Array]:
    """Check 10's invoice keys (what the journal stores), each row's code
    among the numbers as check 10 compares them within the run (equal codes,
    the same number, one of digits alone by its value: :func:`value_keys`),
    and the keys of their values the journal stores beside them
    (:func:`value_key_texts`); the hashing check 10 needs, done where a core
    is free."""
    normalised = _column(inv, "invoice_key")
    keys = stored_keys_arrow(normalised, secret)
    values = value_keys(normalised)
    codes = pc.dictionary_encode(values).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return keys, codes, value_key_texts(normalised, secret, values)


#: the checks before check 10 that leave a number and a supplier to compare: 2-4 and 6-8 (1 is no number, 5 no
#: valid CVR, 9 a credit note, which asks for no payment)
_HELD_BEFORE_CHECK_10 = [CHECK_NUMBER[code] for code in ("INVALID_CPR", "MULTIPLE_CPR", "MISSING_CPR",
                                                        "MISSING_PERIOD", "INVALID_PERIOD", "INVALID_AMOUNT")]  # fmt: skip


def _check_duplicates(
    inv: pd.DataFrame,
    keys: pa.Array,
    key_codes: np.ndarray,
    history: History,
    state: _State,
    detail,
    value_keys_: pa.Array,
    seen_before: np.ndarray | None = None,
) -> None:
    """Check 10: the same (supplier CVR, invoice number as check 10 compares
    it) was decided before, in the journal or earlier in this run, whatever
    its decision: every row with a number and a valid supplier CVR counts
    (checks 1 and 5), also one sent to manual at checks 2-8, but a credit note
    (check 9; a collective invoice unless all its lines were). ``key_codes``:
    each row's key as a code, ``value_keys_`` the key of its value
    (:func:`_invoice_keys`). ``seen_before``: filled with what check 10 would say of the rows held at checks
    2-8 that have a number and a valid CVR (their reason stays the first check that failed): a collective
    invoice the robot posted, seen again without its lines, went to a caseworker "to post by hand", never
    saying it was paid (an attack on 0.9.39)."""
    held = np.isin(state.reason, _HELD_BEFORE_CHECK_10) if seen_before is not None else np.zeros(len(inv), bool)
    held &= inv["cvr_valid"].to_numpy() & (inv["invoice_id_raw"] != "").to_numpy()
    alive = np.flatnonzero(state.open | held)
    dup = np.zeros(len(inv), dtype=bool)
    said = detail if seen_before is None else np.full(len(inv), "", dtype=object)
    cvr = inv["cvr_key"].to_numpy()[alive]
    if len(history.seen) and len(alive):
        key = np.asarray(keys.take(pa.array(alive)).to_numpy(zero_copy_only=False), dtype=object)
        seen = history.seen
        seen_cvr = pd.to_numeric(seen["supplier_cvr"], errors="coerce").fillna(-1).astype(np.int64).to_numpy()
        index = pd.MultiIndex.from_arrays([seen_cvr, seen["invoice_key"].to_numpy(dtype=object)])
        seen = _with_value_keys_shared(seen, index)
        # each (supplier, key) once, the first: as numbers, CVRs written two ways are one
        first = ~index.duplicated(keep="first")
        if not first.all():
            seen, index = seen[first].reset_index(drop=True), index[first]
        hit = index.get_indexer(pd.MultiIndex.from_arrays([cvr, key]))
        if history.has_legacy:
            # a schema-1 journal stored numbers masked: compare the masked form too
            raw = inv["invoice_id_raw"].to_numpy(dtype=object)[alive]
            shown = inv["invoice_id"].to_numpy(dtype=object)[alive]
            masked = (raw != shown) & (hit < 0)
            if masked.any():
                legacy = legacy_keys(shown[masked], history.secret)
                hit[masked] = index.get_indexer(pd.MultiIndex.from_arrays([cvr[masked], legacy]))
        # a number that starts a formula: a version before 0.9.9 read it from a guarded
        # cell ('-0101901234, as convert writes it) with the mark, and where it reads as a
        # CPR number hashed it so, which the journal's key cannot be made again without
        raw_ids = arrow_text(_column(inv, "invoice_id_raw"))
        formula = (hit < 0) & _starts_a_formula(raw_ids)[alive]
        if formula.any():
            raw = raw_ids.take(pa.array(alive[formula])).to_pylist()
            hit[formula] = index.get_indexer(
                pd.MultiIndex.from_arrays([cvr[formula], marked_keys(raw, history.secret)])
            )
        _by_value(inv, alive, cvr, hit, seen, index, history.secret, value_keys_)
        found = np.flatnonzero(hit >= 0)
        if len(found):
            at = hit[found]
            run_ids = seen["run_id"].to_numpy()[at]
            dates = [msg.run_day(d) for d in seen["started_at"].to_numpy(dtype=object)[at]]
            # how that run decided it: a caseworker looks for a payment by hand only where the robot made none
            how = [msg.DUPLICATE_HOW.get(s, "") for s in seen["status"].to_numpy(dtype=object)[at]]
            dup[alive[found]] = True
            said[alive[found]] = [
                msg.DUPLICATE_IN_JOURNAL.format(run_id=r, date=d) + h
                for r, d, h in zip(run_ids, dates, how, strict=True)
            ]
    if len(alive) == 0:  # none open: nothing to check (dup holds none from the journal either)
        return
    # earlier in this run: every row with a number and a valid CVR counts, whatever
    # checks 2-8 made of it, but a credit note (UNSEEN_REASONS: held by check 9 as one,
    # not as a document of another type); the rows still open are the ones checked
    credit = forgotten_credit_notes(
        state.reason == CHECK_NUMBER["CREDIT_NOTE"], inv["amount"].to_numpy(), inv["document_type"].to_numpy()
    )
    known = np.flatnonzero(inv["cvr_valid"].to_numpy() & (inv["invoice_id_raw"] != "").to_numpy() & ~credit)
    combined = inv["cvr_key"].to_numpy()[known] * (int(key_codes.max(initial=0)) + 1) + key_codes[known]
    if "post_group" in inv.columns:  # the lines of a collective invoice are not duplicates of each other
        in_known, first = _duplicate_groups(combined, inv["post_group"].to_numpy()[known])
    else:  # one hashing gives both: a row is a duplicate when its number first occurs before it
        code, distinct = pd.factorize(combined)
        first = first_rows(code, len(distinct))[code]
        in_known = first != np.arange(len(combined))
    at = np.searchsorted(known, alive)  # every open row has a number and a valid CVR
    in_run, first = in_known[at], first[at]
    if in_run.any():
        rows = inv["row"].to_numpy()
        for k in np.flatnonzero(in_run):
            pos = alive[k]
            if not dup[pos]:
                said[pos] = msg.DUPLICATE_IN_RUN.format(row=rows[known[first[k]]])
        dup[alive[in_run]] = True
    if seen_before is not None:
        open_ = state.open
        detail[dup & open_] = said[dup & open_]
        seen_before[dup & held] = said[dup & held]
    state.fail("DUPLICATE_INVOICE", dup)


def _with_value_keys_shared(seen: pd.DataFrame, index: pd.MultiIndex) -> pd.DataFrame:
    """``seen`` where a (supplier, key) that some run kept the value key of
    (``invoice_value_key``, since 0.9.22) has it on every row: check 10 keeps
    the first row of each, and in a journal begun before 0.9.22 that is a
    run's that kept none, which hid the later run's key (a review: 0000004711
    recorded by 0.9.21, seen again by 0.9.22, then 4711 from a CSV was
    posted)."""
    if "invoice_value_key" not in seen or not len(seen):
        return seen
    value = pc.fill_null(arrow_text(seen["invoice_value_key"]), "")
    blank = pc.equal(value, "").to_numpy(zero_copy_only=False)
    if blank.all() or not blank.any():
        return seen
    known = pd.Series(np.asarray(value.filter(pa.array(~blank)).to_pylist(), dtype=object), index=index[~blank])
    known = known[~known.index.duplicated(keep="first")]
    filled = known.reindex(index[blank]).to_numpy(dtype=object)
    if pd.isna(filled).all():
        return seen
    values = np.asarray(value.to_pylist(), dtype=object)
    at = np.flatnonzero(blank)
    got = ~pd.isna(filled)
    values[at[got]] = filled[got]
    return seen.assign(invoice_value_key=values)


def _by_value(
    inv: pd.DataFrame,
    alive: np.ndarray,
    cvr: np.ndarray,
    hit: np.ndarray,
    seen: pd.DataFrame,
    index: pd.MultiIndex,
    secret: str,
    value_keys_: pa.Array,
) -> None:
    """Check 10 against the journal for the open rows (``alive``) not found
    (``hit`` < 0) whose number is digits alone: by its value, as a
    workbook's number cell drops leading zeros (``0004711`` paid by hand
    from a CSV, ``4711`` from a workbook a month later was posted). Since
    0.9.22 the journal keeps the key of each such number's value
    (``invoice_value_key``), so it is found by an exact look-up whatever
    zeros stood before it (``value_keys_``: each row's). A run recorded
    before kept none; against its numbers:

    1. a number written with leading zeros: its value (hashed where it has
       ten digits or more), as a workbook's cell would have given it;
    2. a number the journal keeps as written with leading zeros (under ten
       digits): by its value;
    3. a workbook's number cell (``invoice_id_numeric``): its value padded
       with zeros to each width from ten to fifteen digits, hashed, as
       another file may have written it (a number that older run kept hashed
       with more zeros, or from a CSV without them, is not found).

    ``hit`` is filled in (a position in ``seen``, whose (supplier, key) pairs
    ``index`` holds)."""
    normalised = arrow_text(_column(inv, "invoice_key")).take(pa.array(alive))
    at = np.flatnonzero((hit < 0) & digits_only(normalised))
    if not len(at):
        return

    def look(rows: np.ndarray, keys: pa.Array) -> None:
        found = index.get_indexer(pd.MultiIndex.from_arrays([cvr[rows], np.asarray(keys.to_pylist(), dtype=object)]))
        hit[rows] = np.where(found >= 0, found, hit[rows])

    def among(where: np.ndarray, kept: pa.Array, rows: np.ndarray, keys: pa.Array) -> None:
        """:func:`look`, among the rows ``where`` of ``seen`` by the keys ``kept`` of them (the first of each)."""
        by_key = pd.MultiIndex.from_arrays(
            [index.get_level_values(0)[where], np.asarray(kept.to_pylist(), dtype=object)]
        )
        first = np.flatnonzero(~by_key.duplicated(keep="first"))  # 0004711 and 4711 both seen: the first
        found = by_key[first].get_indexer(
            pd.MultiIndex.from_arrays([cvr[rows], np.asarray(keys.to_pylist(), dtype=object)])
        )
        hit[rows] = np.where(found >= 0, where[first[np.maximum(found, 0)]], hit[rows])

    stored = pc.fill_null(arrow_text(seen["invoice_value_key"]), "") if "invoice_value_key" in seen else None
    older = np.ones(len(seen), dtype=bool) if stored is None else pc.equal(stored, "").to_numpy(zero_copy_only=False)
    if not older.all():  # 0: the values the journal keeps
        kept = np.flatnonzero(~older)
        among(kept, stored.take(pa.array(kept)), at, value_keys_.take(pa.array(alive[at])))
    if not older.any():
        return
    at = at[hit[at] < 0]
    if not len(at):
        return
    cur = normalised.take(pa.array(at))
    zeros = pc.starts_with(cur, "0").to_numpy(zero_copy_only=False)
    if zeros.any():  # 1
        look(at[zeros], stored_keys_arrow(value_keys(cur.filter(pa.array(zeros))), secret))
    seen_keys = pc.fill_null(arrow_text(seen["invoice_key"]), "")
    padded = pc.starts_with(seen_keys, "0").to_numpy(zero_copy_only=False) & older
    if padded.any():  # 2
        padded &= digits_only(seen_keys)
    left = at[hit[at] < 0]
    if padded.any() and len(left):
        where = np.flatnonzero(padded)
        values = value_keys(seen_keys.take(pa.array(where)))
        value = value_keys(normalised.take(pa.array(left)))
        maybe = pc.is_in(value, value_set=values).to_numpy(zero_copy_only=False)
        if maybe.any():
            among(where, values, left[maybe], value.filter(pa.array(maybe)))
    hashed = pc.starts_with(seen_keys, "#").to_numpy(zero_copy_only=False) & older
    if "invoice_id_numeric" not in inv or not hashed.any():
        return
    numeric = inv["invoice_id_numeric"].to_numpy()[alive]
    left = at[(hit[at] < 0) & numeric[at]]
    if len(left):  # 3
        value = value_keys(normalised.take(pa.array(left)))
        length = pc.utf8_length(value).to_numpy(zero_copy_only=False)
        for width in range(PADDED_WIDTH, MAX_NUMBER_CELL_DIGITS + 1):
            rows = (hit[left] < 0) & (length < width)
            if rows.any():
                look(left[rows], stored_keys_arrow(pc.utf8_lpad(value.filter(pa.array(rows)), width, "0"), secret))


def _starts_a_formula(numbers: pa.Array) -> np.ndarray:
    """Which numbers (arrow text) begin with a character that starts a formula."""
    return pc.fill_null(pc.match_substring_regex(numbers, FORMULA_CELL_RE2), False).to_numpy(zero_copy_only=False)


def _duplicate_groups(combined: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check 10 within a run when rows come in groups that share their number
    (``group``, ``post_group``: the lines of a collective invoice): a row is a
    duplicate when a group before it, another one, had the same number
    (``combined``). Per row: whether it is a duplicate, and the position of
    that earlier group's first row."""
    position = np.arange(len(combined))
    first = pd.Series(position).groupby(combined).transform("min").to_numpy()
    in_run = group != group[first]
    return in_run, first


@dataclass
class _Match:
    """Checks 11-16 per invoice: how many grants are left after each check (int32),
    the one grant left (``grant_pos``, -1 for none) and its expected amount,
    and for AMOUNT_MISMATCH the closest grant and its expected amount."""

    n_cpr: np.ndarray
    n_sup: np.ndarray
    n_cov: np.ndarray
    n_fixed: np.ndarray
    n_ok: np.ndarray
    grant_pos: np.ndarray
    exp_out: np.ndarray
    closest_grant: np.ndarray
    candidates: list[pd.DataFrame]


def _match(inv, gr, state: _State, amount, start, end, rules: Rules, detail, explain: bool, max_pairs: int) -> _Match:
    """Checks 11-16 over the (invoice, grant) pairs that share a CPR, ordered
    by invoice then grant (a sorted search, not a hash join), at most
    ``max_pairs`` pairs at a time: one citizen with 200,000 grants and 1,000
    invoices is 200 million pairs, decided in chunks of bounded memory. The
    chunks are decided two at a time, side by side (each at most half of
    ``max_pairs``): each writes its own invoices' rows of the result."""
    n = len(inv)
    zeros = [np.zeros(n, dtype=np.int32) for _ in range(5)]  # counts: half the fresh memory of int64
    res = _Match(*zeros, grant_pos=np.full(n, NO_GRANT_POS, np.int64), exp_out=np.full(n, -1, np.int64),
                 closest_grant=np.full(n, NO_GRANT_POS, np.int64), candidates=[])  # fmt: skip
    alive = np.flatnonzero(state.open)
    if len(alive) == 0:
        return res
    g_key = gr["cpr_key"].to_numpy()
    order = np.argsort(g_key, kind="stable")
    sorted_key = g_key[order]
    key = inv["cpr_key"].to_numpy()[alive]
    # each invoice's run of grants in sorted_key: looked up by hash (a million
    # binary searches in random order are ten times slower)
    distinct, first, size = np.unique(sorted_key, return_index=True, return_counts=True)
    at = pd.Index(distinct).get_indexer(key) if len(distinct) else np.full(len(key), -1)
    has = at >= 0
    lo = np.where(has, first[np.where(has, at, 0)] if len(distinct) else 0, 0)
    count = np.where(has, size[np.where(has, at, 0)] if len(distinct) else 0, 0)
    res.n_cpr[alive] = count
    with_grants = count > 0
    alive, lo, count = alive[with_grants], lo[with_grants], count[with_grants]
    cum = np.cumsum(count)
    # two chunks at once, each of about half the pairs (of at most half of max_pairs), and
    # at most MATCH_BLOCK (see there)
    per_chunk = max(min(-(-int(cum[-1]) // 2) if len(cum) else 0, max_pairs // 2, MATCH_BLOCK), 1)
    short_ids = functools.cache(lambda: _short(_shown(gr["grant_id"])))  # each grant's id cut once, if asked
    columns = {  # the grants' columns the chunks read, as numpy once
        "rate": gr["rate"].to_numpy(),
        "unit": gr["unit_code"].to_numpy(),
        "cvr_key": gr["cvr_key"].to_numpy(),
        "start": gr["start_date"].to_numpy(dtype="datetime64[D]"),
        "end": gr["end_date"].to_numpy(dtype="datetime64[D]"),
    }
    bounds = []
    a = 0
    while a < len(alive):
        # the next chunk: as many invoices as fit in per_chunk pairs (at least one)
        base = cum[a - 1] if a else 0
        b = max(a + 1, int(np.searchsorted(cum, base + per_chunk, side="right")))
        bounds.append((a, b))
        a = b

    def chunks(which: list[tuple[int, int]]) -> list[pd.DataFrame | None]:
        out = []
        for a, b in which:
            base = cum[a - 1] if a else 0
            invoices = alive[a:b]
            local = np.repeat(np.arange(b - a), count[a:b])
            within = np.arange(len(local)) - np.repeat(cum[a:b] - count[a:b] - base, count[a:b])
            g = order[np.repeat(lo[a:b], count[a:b]) + within]
            out.append(
                _match_pairs(
                    inv, gr, invoices, local, g, amount, start, end, rules, detail, explain, res, columns, short_ids
                )
            )
        return out

    even, odd = _side_by_side(lambda: chunks(bounds[0::2]), lambda: chunks(bounds[1::2]), rows=len(alive))
    in_order = [c for pair in itertools.zip_longest(even, odd) for c in pair]  # the chunks' candidates in order
    res.candidates.extend(c for c in in_order if c is not None)
    return res


def _match_pairs(
    inv, gr, invoices, local, g, amount, start, end, rules: Rules, detail, explain, res: _Match, columns, short_ids
) -> pd.DataFrame | None:
    """Checks 11-16 for one chunk of pairs: ``invoices`` ascending, ``local``
    the index in ``invoices`` of each pair's invoice (ascending), ``g`` its
    grant. Writes the rows of ``invoices`` in ``res`` and ``detail``; gives
    the chunk's candidates (with ``explain``, else None). ``columns``: the
    grants' rate, unit, cvr_key, start and end as numpy; ``short_ids()`` the
    grants' ids cut for the messages."""
    i = invoices[local]
    g_rate, g_unit = columns["rate"], columns["unit"]
    supplier_ok = columns["cvr_key"][g] == inv["cvr_key"].to_numpy()[i]
    g_start, g_end = columns["start"][g], columns["end"][g]
    covers = supplier_ok & (g_start <= start[i]) & (np.isnat(g_end) | (g_end >= end[i]))
    fixed = covers & (g_unit[g] != HOUR)
    expected = np.full(len(i), -1, dtype=np.int64)
    if fixed.any():
        expected[fixed] = _expected_once(g_rate, g_unit, start[invoices], end[invoices], g[fixed], local[fixed])
    diff = np.where(fixed, np.abs(amount[i] - expected), np.iinfo(np.int64).max)
    amount_ok = fixed & (diff <= rules.tolerance_units)

    def per_invoice(mask: np.ndarray) -> np.ndarray:
        return np.bincount(local[mask], minlength=len(invoices)).astype(np.int32)

    n_sup, n_cov, n_fixed, n_ok = (per_invoice(m) for m in (supplier_ok, covers, fixed, amount_ok))
    res.n_sup[invoices], res.n_cov[invoices], res.n_fixed[invoices], res.n_ok[invoices] = n_sup, n_cov, n_fixed, n_ok
    single = amount_ok & (n_ok[local] == 1)
    res.grant_pos[i[single]] = g[single]
    res.exp_out[i[single]] = expected[single]
    # the reason each invoice of the chunk gets at checks 12-16 (11 passed: it has grants)
    reason = np.select(
        [n_sup == 0, n_cov == 0, n_fixed == 0, n_ok == 0, n_ok > 1],
        [CHECK_NUMBER[c] for c in ("NO_GRANT_FOR_SUPPLIER", "PERIOD_NOT_COVERED", "NO_FIXED_RATE",
                                   "AMOUNT_MISMATCH", "AMBIGUOUS")],
        0,
    )  # fmt: skip
    # the closest expected amount, for AMOUNT_MISMATCH
    mismatch = reason == CHECK_NUMBER["AMOUNT_MISMATCH"]
    closest = _closest(i, g, diff, expected, fixed & mismatch[local])
    res.exp_out[closest[:, 0]] = expected[closest[:, 2]]
    res.closest_grant[closest[:, 0]] = closest[:, 1]
    _candidate_details(reason, local, invoices, detail, gr, g, supplier_ok, covers, amount_ok, columns, short_ids)
    if not explain:
        return None
    return _explain_candidates(inv, gr, i, g, supplier_ok, covers, fixed, expected, amount_ok, amount, g_start, g_end)


#: pairs looked at by :func:`_expected_once` to see whether their amounts repeat
EXPECTED_SAMPLE = 4096


def _expected_once(rate, unit, start, end, g, local) -> np.ndarray:
    """:func:`expected_amounts` of pairs (grant ``g`` of ``rate`` and
    ``unit``, invoice ``local`` of ``start`` and ``end``), worked out once
    per distinct (rate, unit, period): pairs repeat them (a month's
    invoices, a supplier's rates). Whether they repeat is seen first on a
    sample of the pairs: where they mostly do not (a month's many citizens
    on many rates), hashing them would cost more than it saves."""
    pair_rate = rate[g] * 8 + unit[g].astype(np.int64)
    pair_period = (start[local].astype(np.int64) << 24) + (end[local].astype(np.int64) & 0xFFFFFF)
    step = max(len(g) // EXPECTED_SAMPLE, 1)
    _, in_sample = tuple_codes(pair_rate[::step], pair_period[::step])
    if in_sample > len(pair_rate[::step]) // 2:  # mostly distinct: no gain
        return expected_amounts(rate[g], unit[g], start[local], end[local])
    inverse, n_unique = tuple_codes(pair_rate, pair_period)
    first = first_rows(inverse, n_unique)
    g, local = g[first], local[first]
    return expected_amounts(rate[g], unit[g], start[local], end[local])[inverse]


def _no_pairs(inv, gr) -> tuple:
    e = np.empty(0, np.int64)
    b = np.empty(0, bool)
    d = np.empty(0, "datetime64[D]")
    return inv, gr, e, e, b, b, b, e, b, inv["amount"].to_numpy(), d, d


def _closest(i: np.ndarray, g: np.ndarray, diff: np.ndarray, expected: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each invoice among ``i[mask]``: (invoice, grant, pair) with the
    smallest difference; on a tie the lower expected amount, then the grant
    that comes first in the extract."""
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return np.empty((0, 3), dtype=np.int64)
    order = idx[np.lexsort((g[idx], expected[idx], diff[idx], i[idx]))]
    first = np.concatenate(([True], i[order][1:] != i[order][:-1]))
    best = order[first]
    return np.column_stack((i[best], g[best], best))


def _join_per_invoice(i: np.ndarray, labels, n: int, more: np.ndarray | None = None) -> np.ndarray:
    """``"; "``-join the labels of each invoice (``i`` sorted ascending), and
    say how many more there were where ``more`` (per invoice) says so."""
    out = np.full(n, "", dtype=object)
    if len(i) == 0:
        return out
    starts = np.concatenate(([0], np.flatnonzero(np.diff(i)) + 1))
    offsets = pa.array(np.append(starts, len(i)).astype(np.int64))
    lists = pa.LargeListArray.from_arrays(offsets, pc.fill_null(arrow_text(labels), ""))
    joined = pc.binary_join(lists, pa.scalar("; ", pa.large_string()))
    if more is not None:
        extra = more[i[starts]]
        before, after = msg.MORE.split("{n}")
        said = msg.joined_arrow(before, msg.integers(extra), after)
        joined = pc.if_else(pa.array(extra != 0), msg.joined_arrow(joined, said), joined)
    out[i[starts]] = joined.to_numpy(zero_copy_only=False)
    return out


def _column(inv: pd.DataFrame, name: str) -> np.ndarray | pa.Array:
    """A column of the invoices as it is held: text in arrow as arrow."""
    values = inv[name]
    if is_arrow_text(values):
        return arrow_text(values)
    return values.to_numpy(dtype=object) if values.dtype == object else values.to_numpy()


def _pick(values: np.ndarray | pa.Array, rows: np.ndarray) -> np.ndarray | pa.Array:
    return values.take(pa.array(rows)) if isinstance(values, pa.Array) else values[rows]


def _short(values, width: int = 40, whole: re.Pattern | None = None) -> pa.Array:
    """Text cut to ``width`` characters (ending in …) where longer, but where
    ``whole`` matches it all; arrow."""
    arr = pc.fill_null(arrow_text(values), "")
    long = np.flatnonzero(pc.greater(pc.utf8_length(arr), width).to_numpy(zero_copy_only=False))
    if len(long):
        arr = _replace(
            arr,
            long,
            [t if whole and whole.fullmatch(t) else t[: width - 1] + "…" for t in _pylist(arr, long)],
        )
    return arr


def _candidate_details(
    reason, local, invoices, detail, gr, g, supplier_ok, covers, amount_ok, columns, short_ids
) -> None:
    """What the message of reasons 12, 13, 14 and 16 lists: the grants still
    in play when the invoice dropped out, at most five and how many more.
    ``reason`` is per invoice of the chunk (``invoices``), ``local`` per pair;
    ``columns`` and ``short_ids`` as :func:`_match_pairs` has them."""
    wanted = {
        "NO_GRANT_FOR_SUPPLIER": np.ones(len(g), dtype=bool),
        "PERIOD_NOT_COVERED": supplier_ok,
        "NO_FIXED_RATE": covers,
        "AMBIGUOUS": amount_ok,
    }
    for code, pair_mask in wanted.items():
        rows_mask = reason == CHECK_NUMBER[code]
        if not rows_mask.any():
            continue
        sel = np.flatnonzero(pair_mask & rows_mask[local])
        # the first LIST_AT_MOST pairs of each invoice, and how many more it has
        ls = local[sel]
        position = np.arange(len(sel))
        first = np.concatenate(([True], ls[1:] != ls[:-1])) if len(ls) else np.zeros(0, dtype=bool)
        rank = position - np.maximum.accumulate(np.where(first, position, 0))
        total = np.bincount(local[sel], minlength=len(invoices))
        sel = sel[rank < msg.LIST_AT_MOST]
        gs = g[sel]
        ids = short_ids().take(pa.array(gs))
        grant_id = (
            pd.Series(ids.to_pylist(), dtype=object)
            if code in ("NO_GRANT_FOR_SUPPLIER", "PERIOD_NOT_COVERED")
            else None
        )
        if code == "NO_GRANT_FOR_SUPPLIER":
            cvr = pd.Series(_objects_of(_pick(_column(gr, "supplier_cvr"), gs)), dtype=object)
            labels = "CVR " + cvr + " (bevilling " + grant_id + ")"
        elif code == "PERIOD_NOT_COVERED":
            e = columns["end"][gs]
            until = format_date_dk(e).where(~np.isnat(e), "løbende")
            labels = "bevilling " + grant_id + " gælder " + format_date_dk(columns["start"][gs]) + "–" + until
        else:
            labels = ids  # texts already, as astype(str) makes them
        if isinstance(labels, pd.Series):
            labels = labels.astype(str)
        more = np.maximum(total - msg.LIST_AT_MOST, 0)
        joined = _join_per_invoice(local[sel], labels, len(invoices), more)
        detail[invoices[rows_mask]] = joined[rows_mask]


def _grant_coding_keys(grants: Grants, sheet: SupportSheet) -> pd.DataFrame:
    """Per grant: paragraph, target group and ownership from the support sheet
    (NaN where missing) and ``group``, the index of its (paragraph, ownership,
    target group) among the coding rows' keys (-1 where there is none).
    Worked out once per grants and support sheet (read-only after).

    Many grants share a few dozen services and some thousand suppliers: each
    distinct service, supplier and (service, supplier) is looked up once, as
    a merge of the grants' columns with the sheet's finds it, and the grants
    take what theirs found."""
    held = grants.derived.get("coding_keys")
    seen = _coding_inputs(grants, sheet)
    if held is not None and held[0] is sheet and _same_coding_inputs(held[2], seen):
        return held[1]
    gr = grants.frame
    svc, svc_cells = pd.factorize(gr["service_code"], use_na_sentinel=False)
    sup, sup_cells = pd.factorize(gr["supplier_cvr"], use_na_sentinel=False)
    svc_key = sheet_keys(pd.Series(svc_cells, dtype=object), codes=True).to_numpy(dtype=object)
    services = pd.DataFrame({"service_key": svc_key}).merge(
        sheet.services[["service_key", "paragraph", "target_group", "target_key"]], on="service_key", how="left"
    )
    suppliers = pd.DataFrame({"supplier_cvr": np.asarray(sup_cells, dtype=object)}).merge(
        sheet.suppliers[["supplier_cvr", "ownership"]], on="supplier_cvr", how="left"
    )
    of_svc = {name: services[name].to_numpy(dtype=object) for name in ("paragraph", "target_group", "target_key")}
    ownership = suppliers["ownership"].to_numpy(dtype=object)
    g = pd.DataFrame(
        {
            "service_key": svc_key[svc],
            "supplier_cvr": suppliers["supplier_cvr"].to_numpy(dtype=object)[sup],
            **{name: values[svc] for name, values in of_svc.items()},
            "ownership": ownership[sup],
        },
        dtype=object,  # held as Python objects: made arrow text, every cell would be copied
    )
    coding_keys = pd.MultiIndex.from_frame(sheet.coding[["paragraph", "ownership", "target_key"]].astype(object))
    groups = coding_keys.unique()
    pair, n_pairs = tuple_codes(svc, sup)  # each distinct (service, supplier)
    first = first_rows(pair, n_pairs)
    p_svc, p_sup = svc[first], sup[first]
    pair_keys = pd.MultiIndex.from_arrays([of_svc["paragraph"][p_svc], ownership[p_sup], of_svc["target_key"][p_svc]])
    g["group"] = groups.get_indexer(pair_keys)[pair] if len(groups) and len(gr) else -1
    sheet_group = groups.get_indexer(coding_keys) if len(groups) else np.empty(0, np.int64)
    g.attrs["coding_group"] = sheet_group
    # a service or supplier held back (its rows read, but named by a row left out too) codes nothing
    for name, held_keys in (("service", sheet.held_services), ("supplier", sheet.held_suppliers)):
        column = g["service_key" if name == "service" else "supplier_cvr"].to_numpy(dtype=object)
        g[f"{name}_held"] = np.isin(column, list(held_keys)) if held_keys else np.zeros(len(g), dtype=bool)
    g.loc[(g["service_held"] | g["supplier_held"]).to_numpy(), "group"] = -1
    g.attrs["held_row"], g.attrs["held_group"] = _held_groups(sheet.held_coding, groups)
    code, distinct = pd.factorize(g["paragraph"].to_numpy(dtype=object))  # -1 where missing
    g["paragraph_code"] = code
    g.attrs["paragraphs"] = np.append(np.asarray(distinct, dtype=object), "")
    grants.derived["coding_keys"] = (sheet, g, seen)
    return g


def _coding_inputs(grants: Grants, sheet: SupportSheet) -> tuple:
    """What :func:`_grant_coding_keys` works out its coding from: the grants'
    services and suppliers and the sheet's rows. A table changed in place
    inside its container (a notebook's ``sheet.suppliers.loc[...] = ...``)
    was decided on with the coding worked out before the change (a review of
    0.9.32): the worked-out coding is used again only where these are still
    the same. A column held in arrow cannot change in place (pandas puts a
    new array in its place), so it is kept as that array and compared by
    identity; any other is copied (pointers, never the texts: making a
    million Python strings cost 0.4 s, a review of the first version), and
    the small sheet's tables are copied whole."""
    gr = grants.frame
    return (
        *(_column_state(gr[name]) for name in ("service_code", "supplier_cvr")),
        *(table.copy() for table in (sheet.services, sheet.suppliers, sheet.coding, sheet.held_coding)),
    )


def _column_state(column: pd.Series) -> object:
    """A grants column as :func:`_coding_inputs` keeps it: its arrow array, or a copy of its values."""
    held = getattr(column.array, "_pa_array", None)  # pandas' arrow-backed arrays (``str`` among them)
    return held if held is not None else column.to_numpy(copy=True)


def _same_coding_inputs(before: tuple, now: tuple) -> bool:
    """Whether two :func:`_coding_inputs` are the same (a missing value the same as another)."""

    def same(a: object, b: object) -> bool:
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            return pd.Series(a).equals(pd.Series(b))
        if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
            return a.equals(b)
        return a is b

    return all(same(a, b) for a, b in zip(before, now, strict=True))


def _held_groups(held: pd.DataFrame, groups: pd.MultiIndex) -> tuple[np.ndarray, np.ndarray]:
    """The coding keys (``groups``) each coding row left out (``held``) holds
    back: those that agree with every part of its key it names (a blank part
    stands for any: :func:`~invoicekit.extracts.held_agreeing`); as pairs
    (its row in ``held``, the key's group)."""
    if not len(held) or not len(groups):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    rows = [np.flatnonzero(held_agreeing(held, *key)) for key in groups]  # a few dozen keys
    found = [np.full(len(hits), k, dtype=np.int64) for k, hits in enumerate(rows)]
    return np.concatenate(rows).astype(np.int64), np.concatenate(found)


def _code(inv, grants: Grants, sheet: SupportSheet, state, grant_pos, start, detail, explain: bool = False) -> dict:
    """Check 17: the one grant's service, supplier and (paragraph, ownership,
    target group) must give exactly one coding row valid on period_start.
    ``paragraph``, ``psp_element`` and ``art`` per invoice (arrow, blank for
    none), each taken from the few distinct values; ``paragraph_code``
    indexes ``paragraphs``, the distinct paragraphs and the blank last."""
    n = len(inv)
    found = np.flatnonzero(grant_pos >= 0)
    coding = sheet.coding
    coding_row = np.full(n, -1, dtype=np.int64)  # the one valid coding row
    keys = _grant_coding_keys(grants, sheet) if len(found) else None
    if keys is None:
        paragraphs, paragraph_code = np.array([""], dtype=object), np.zeros(n, dtype=np.int64)
        mpos = mc = np.empty(0, dtype=np.int64)
        valid = np.empty(0, dtype=bool)
        vf = vt = np.empty(0, dtype="datetime64[D]")
    else:
        gp = grant_pos[found]
        has_service = (keys["paragraph"].notna() & ~keys["service_held"]).to_numpy()[gp]
        has_supplier = (keys["ownership"].notna() & ~keys["supplier_held"]).to_numpy()[gp]
        paragraphs = keys.attrs["paragraphs"]
        paragraph_code = np.full(n, len(paragraphs) - 1, dtype=np.int64)
        paragraph_code[found[has_service]] = keys["paragraph_code"].to_numpy()[gp][has_service]

        group = keys["group"].to_numpy()[gp]
        valid_from = coding["valid_from"].to_numpy(dtype="datetime64[D]")
        valid_to = coding["valid_to"].to_numpy(dtype="datetime64[D]")
        if explain:  # every (invoice, coding row) pair, to show them
            mpos, mc = _coding_rows_of(found, group, keys.attrs["coding_group"])
            s = start[mpos]
            vf, vt = valid_from[mc], valid_to[mc]
            valid = (vf <= s) & (np.isnat(vt) | (vt >= s))
            counts = np.bincount(mpos[valid], minlength=n)
            one = valid & (counts[mpos] == 1)
            coding_row[mpos[one]] = mc[one]
        else:  # counted by sorted searches: a key's many coding rows are not paired with its many invoices
            counts = np.zeros(n, dtype=np.int64)
            counts[found], the_row = _valid_coding_rows(
                group, start[found], keys.attrs["coding_group"], valid_from, valid_to
            )
            coding_row[found] = np.where(counts[found] == 1, the_row, -1)

        # a coding row of the key left out that may hold on the day: nobody can tell which row holds
        held, held_row = sheet.held_coding, keys.attrs["held_row"]
        if len(held_row):
            held_count, _ = _valid_coding_rows(
                group, start[found], keys.attrs["held_group"],
                held["valid_from"].to_numpy(dtype="datetime64[D]")[held_row],
                held["valid_to"].to_numpy(dtype="datetime64[D]")[held_row],
            )  # fmt: skip
            coding_row[found[held_count > 0]] = -1
        else:
            held_count = np.zeros(len(found), dtype=np.int64)
        fails = np.zeros(n, dtype=bool)
        fails[found] = True
        fails[coding_row >= 0] = False
        open_fail = fails & state.open
        # the detail depends on the grant, the count of rows and the start date alone: each distinct one said once
        ks = np.flatnonzero(open_fail[found])
        said, n_said = tuple_codes(gp[ks], counts[found[ks]], start[found[ks]].view(np.int64))
        first = first_rows(said, n_said)
        # the grants' texts of those alone, as Python values (a text column's every cell made one costs)
        said_grants = gp[ks[first]]
        svc_names, cvrs = (_objects_of(_pick(_column(grants.frame, name), said_grants))
                           for name in ("service_code", "supplier_cvr"))  # fmt: skip
        k_par, k_own, k_tg, k_tk, k_svc = (_objects_of(_pick(_column(keys, name), said_grants))
                              for name in ("paragraph", "ownership", "target_group", "target_key", "service_key"))  # fmt: skip
        texts = np.empty(len(first), dtype=object)
        for j, k in enumerate(ks[first]):
            p = found[k]
            if not has_service[k]:
                unread = k_svc[j] in sheet.left_out_services
                template = msg.CODING_SERVICE_UNREAD if unread else msg.CODING_SERVICE_MISSING
                texts[j] = template.format(service=svc_names[j])
            elif not has_supplier[k]:
                unread = cvrs[j] in sheet.left_out_suppliers
                texts[j] = (msg.CODING_SUPPLIER_UNREAD if unread else msg.CODING_SUPPLIER_MISSING).format(cvr=cvrs[j])
            else:
                template = msg.CODING_NO_ROW if counts[p] == 0 else msg.CODING_MANY_ROWS
                if group[k] < 0 and len(held):  # a key with no readable row: the rows left out that hold it
                    # (said, not counted as a row to choose from)
                    held_count[k] = int(held_on(held, k_par[j], k_own[j], k_tk[j], start[p]).sum())
                texts[j] = template.format(
                    n=counts[p] + held_count[k],  # the rows it has, one that could not be read among them
                    paragraph=k_par[j],
                    ownership=OWNERSHIP_DA.get(k_own[j], k_own[j]),
                    target=k_tg[j],
                    date=date_dk(start[p]),
                )
                if held_count[k] or (k_par[j], k_own[j], k_tk[j]) in sheet.left_out_coding:
                    texts[j] += msg.CODING_ROW_UNREAD
        detail[found[ks]] = texts[said]
        state.fail("NO_CODING", fails)
    blank_last = pa.array(np.where(coding_row >= 0, coding_row, len(coding)))
    coded = {
        "paragraph": arrow_text(paragraphs).take(pa.array(paragraph_code)),
        "paragraph_code": paragraph_code,
        "paragraphs": paragraphs,
        **{
            name: arrow_text(np.append(coding[name].to_numpy(dtype=object), "")).take(blank_last)
            for name in ("psp_element", "art")
        },
        "considered": None,
    }
    considered_columns = ["row", "coding_row", "psp_element", "art", "valid_from", "valid_to", "valid"]
    if not explain:
        return coded
    if len(found) == 0:
        coded["considered"] = pd.DataFrame(columns=considered_columns)
        return coded
    coded["considered"] = pd.DataFrame(
        {
            "row": inv["row"].to_numpy()[mpos],
            "coding_row": coding["row"].to_numpy()[mc],
            "psp_element": coding["psp_element"].to_numpy(dtype=object)[mc],
            "art": coding["art"].to_numpy(dtype=object)[mc],
            "valid_from": vf,
            "valid_to": vt,
            "valid": valid,
        }
    )
    return coded


def _valid_coding_rows(
    group: np.ndarray, day: np.ndarray, coding_group: np.ndarray, valid_from: np.ndarray, valid_to: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per invoice (its coding key's ``group``, -1 for none, and the ``day``
    its period starts): how many coding rows of its group are valid on that
    day, and the one that is where exactly one is (else -1). ``coding_group``,
    ``valid_from`` and ``valid_to`` (NaT: open) per coding row; no row ends
    before it begins (those were left out as input problems).

    Sorted searches, not (invoice, coding row) pairs: a sheet with thousands
    of rows for one key (one a month, say) beside a million invoices of that
    key would otherwise pair them all, billions of pairs. A row is valid on a
    day when it began on or before it and did not end before it; a row that
    ended before it began before it too, so the count is those begun less
    those ended. Among the rows begun, the one that ends last is valid if any
    is: where exactly one is, it is that one."""
    n = len(group)
    count, row = np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(coding_group >= 0)
    ask = np.flatnonzero((group >= 0) & ~np.isnat(day))
    if len(rows) == 0 or len(ask) == 0:
        return count, row
    vt = valid_to[rows]
    r_from, r_day = valid_from[rows].astype(np.int64), day[ask].astype("datetime64[D]").astype(np.int64)
    low = min(int(r_from.min()), int(r_day.min()))
    closed = vt[~np.isnat(vt)].astype(np.int64)
    high = max(int(r_from.max()), int(r_day.max()), int(closed.max(initial=low)))
    # a group and a day packed in one integer: days counted from the first, an open end after the last
    shift = (high - low + 1).bit_length()
    cg, g = coding_group[rows].astype(np.int64, copy=False), group[ask].astype(np.int64, copy=False)  # copies
    if shift > 31 or shift + int(max(cg.max(), g.max())).bit_length() > 62:  # far-off dates, huge groups: ranked
        _, rank = np.unique(np.concatenate([r_from, np.where(np.isnat(vt), high + 1, vt.astype(np.int64)), r_day]),
                            return_inverse=True)  # fmt: skip
        r_from, r_to, r_day = np.split(rank.astype(np.int64).reshape(-1), [len(rows), 2 * len(rows)])
        shift = (int(rank.max()) + 1).bit_length()
        _, rank = np.unique(np.concatenate([cg, g]), return_inverse=True)
        cg, g = np.split(rank.astype(np.int64).reshape(-1), [len(rows)])
    else:
        r_from -= low
        r_day -= low
        r_to = np.where(np.isnat(vt), high + 1, vt.astype(np.int64)) - low
    cg <<= shift
    g <<= shift
    order = np.lexsort((r_from, cg))
    begins = cg[order] | r_from[order]
    ends = np.sort(cg | r_to)  # packed as the days were
    probe = g | r_day
    # begun less ended up to the day; before the group's own rows both hold the earlier groups' rows alike
    last_begun = np.searchsorted(begins, probe, side="right")
    here = last_begun - np.searchsorted(ends, probe)
    count[ask] = here
    # the row that ends last among those of the group begun so far (running maximum within the group)
    latest = pd.Series((r_to[order] << 32) | np.arange(len(order))).groupby(cg[order]).cummax().to_numpy()
    one = here == 1
    row[ask[one]] = rows[order[latest[last_begun[one] - 1] & 0xFFFFFFFF]]
    return count, row


def _coding_rows_of(pos: np.ndarray, group: np.ndarray, coding_group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each of ``pos`` (its coding key's ``group``, -1 for none) beside each
    coding row of that group (``coding_group`` per coding row), as (pos,
    coding row) pairs: in the order of ``pos``, then of the coding rows (as
    an inner merge of the two gives them), found by a sort of the few coding
    rows, not a merge's hash join of the many invoices."""
    keep = group >= 0
    pos, group = pos[keep], group[keep]
    by_group = np.argsort(coding_group, kind="stable")
    n_groups = max(int(group.max()) + 1 if len(group) else 0, int(coding_group.max()) + 1 if len(coding_group) else 0)
    size = np.bincount(coding_group[coding_group >= 0], minlength=n_groups)
    first = np.searchsorted(coding_group[by_group], np.arange(n_groups))  # where each group's rows begin
    count = size[group]
    # pair k of a row holds its group's rows from first[group] on: first[group] + k - (pairs before the row)
    at = np.repeat(first[group] - (np.cumsum(count) - count), count)
    at += np.arange(len(at))
    return np.repeat(pos, count), by_group[at]


#: a key no stored one equals: of an invoice without that key (no paragraph)
_NO_KEY = "\x00"


def _check_already_paid(inv, gr, history: History, state: _State, grant_pos, codes, distinct, start, end, detail,
                        coded, sheet: SupportSheet, id_codes):  # fmt: skip
    """Check 21, in input order: a posted invoice whose period overlaps, in the
    journal or earlier in this run, with the same grant (ids as check 10
    compares numbers, trailing dots removed), the same citizen, supplier and
    service (a grant registered again under a new id), or the same citizen,
    supplier and paragraph (registered again under another service: a monthly
    rate made daily). ``codes`` and ``distinct``: the keys (see
    :class:`Checked`); ``coded``: check 17's paragraphs. A payment recorded
    before invoicekit 0.9.13 has no paragraph key: the paragraph it was coded
    with (else its service's in ``sheet``) is compared instead
    (:func:`_paid_under_the_paragraph`). ``id_codes``: :attr:`Checked.grant_ids`."""
    n = len(inv)
    cand = np.flatnonzero(state.open & (grant_pos >= 0))
    paid = np.zeros(n, dtype=bool)
    if len(cand) == 0:
        state.fail("ALREADY_PAID", paid)
        return
    # within this run the keys are compared by their codes; an invoice without a paragraph
    # key (none passes check 17 so, but a key it lacks must equal no other's) gets one of its own
    p_code = codes["paragraph_key"][cand]
    none = p_code < 0
    p_code = np.where(none, int(codes["paragraph_key"].max(initial=-1)) + np.cumsum(none), p_code)
    # an id of digits written with zeros, ', '.0' or ',0' (one extract's 00123 and 123): compared by its value in
    # the run too, as against the journal (a review: both of one citizen's March invoices were paid)
    g_code, g_ids = id_codes[0][grant_pos[cand]], id_codes[1]
    run_keys = (_value_codes(g_ids)[0][g_code], codes["citizen_key"][cand], p_code)
    s, e = start[cand], end[cand]
    # as they are held: the few said are taken one by one (every grant made a Python string costs)
    grant_ids, services = _shown(gr["grant_id"]), _shown(gr["service_code"])

    def say(pos: int, kind: int, earlier: str, paid_grant: str, paid_service: str) -> None:
        period = f"{date_dk(start[pos])}–{date_dk(end[pos])}"
        g = _value_at(grant_ids, grant_pos[pos])
        service = _value_at(services, grant_pos[pos])
        if kind == 0:
            text = msg.PAID_SAME_GRANT.format(grant_id=g, period=period, earlier=earlier)
        elif kind == _KIND_SAME_GRANT_VALUE:  # its id written otherwise: maybe another grant of the same number
            text = msg.PAID_SAME_GRANT_VALUE.format(
                grant_id=g, paid_grant_id=paid_grant, period=period, earlier=earlier
            )
        elif not paid_service:  # a mark naming no service the sheet knows, under every paragraph
            text = msg.PAID_ANY_SERVICE.format(period=period, paid_grant_id=paid_grant, earlier=earlier)
        elif kind == _KIND_ANY_PARAGRAPH:  # an old payment of a service the sheet does not name for certain
            text = msg.PAID_SERVICE_DOUBTED.format(
                paid_service=paid_service, period=period, paid_grant_id=paid_grant, earlier=earlier
            )
        elif kind == 1 or normalise_numbers([service])[0] == normalise_numbers([paid_service])[0]:
            text = msg.PAID_SAME_SERVICE.format(
                service=service, period=period, paid_grant_id=paid_grant, earlier=earlier
            )
        else:
            text = msg.PAID_SAME_PARAGRAPH.format(
                paragraph=coded["paragraphs"][coded["paragraph_code"][pos]], paid_service=paid_service,
                service=service, period=period, paid_grant_id=paid_grant, earlier=earlier,
            )  # fmt: skip
        detail[pos] = text

    h = history.paid
    if len(h):
        hs = h["period_start"].to_numpy(dtype="datetime64[D]")
        he = h["period_end"].to_numpy(dtype="datetime64[D]")
        # the rows of a moved grant's payments under today's keys are weighed last (History.moved)
        everyone, every_row = np.arange(len(cand)), np.arange(len(h) - history.moved)
        probes = []  # (the candidates asked, their keys, the history rows asked, its keys, kind)
        asked_keys = {
            name: np.where(codes[name][cand] >= 0, np.append(distinct[name], _NO_KEY)[codes[name][cand]], _NO_KEY)
            for name in PAID_KEYS
        }
        paid_keys = {name: h[name].to_numpy(dtype=object) for name in PAID_KEYS}  # each taken once
        for kind, name in enumerate(PAID_KEYS):
            probes.append((everyone, asked_keys[name], every_row, paid_keys[name][every_row], kind))
        if history.has_legacy:
            legacy = legacy_citizen_keys(
                inv["cpr"].to_numpy(dtype=object)[cand],
                inv["supplier_cvr"].to_numpy(dtype=object)[cand],
                _objects_of(_pick(services, grant_pos[cand])),
                history.secret,
            )
            probes.append((everyone, legacy, every_row, paid_keys["citizen_key"][every_row], 1))
        probes.extend(_same_grant_by_value(g_code, g_ids, h["grant_key"], history.secret))
        probes.extend(_paid_under_the_paragraph(inv, h, cand, grant_pos, coded, sheet, services, s, e, history.secret))
        if history.moved:
            moved_rows = np.arange(len(h) - history.moved, len(h))
            for kind, name in enumerate(PAID_KEYS):
                if name != "grant_key":  # the grant's own key is a payment's as it was
                    probes.append((everyone, asked_keys[name], moved_rows, paid_keys[name][moved_rows], kind))
        # the earlier payments' columns, each taken once: a row of a table read per payment found cost
        # 80 µs (an extract sent again under new numbers finds one for every invoice)
        paid_as = {c: h[c].to_numpy(dtype=object) for c in ("invoice_id", "started_at", "grant_id", "service_code")}
        paid_run = h["run_id"].to_numpy()
        for asked, keys, rows, hist_keys, kind in probes:
            found = _overlapping(keys, s[asked], e[asked], hist_keys, hs[rows], he[rows])
            for j in np.flatnonzero((found >= 0) & ~paid[cand[asked]]):
                k, r = asked[j], int(rows[found[j]])
                earlier = _earlier_payment(
                    paid_as["invoice_id"][r], int(paid_run[r]), paid_as["started_at"][r], hs[r], he[r]
                )
                paid[cand[k]] = True
                say(cand[k], kind, earlier, paid_as["grant_id"][r], paid_as["service_code"][r])

    # within this run: only invoices that overlap another candidate with the
    # same key can clash; those are decided one by one, in input order
    rest = np.flatnonzero(~paid[cand])
    suspect = np.zeros(len(cand), dtype=bool)
    # where each citizen key has one paragraph (a sheet gives a service one), the periods that
    # overlap another of the same citizen key overlap another of the same paragraph key too
    weighed = run_keys
    if len(pd.unique(run_keys[1] * (int(p_code.max()) + 1) + p_code)) == len(pd.unique(run_keys[1])):
        weighed = (run_keys[0], run_keys[2])
    if len(rest) == len(cand):  # none paid in the journal (the usual case): no copies
        for keys in weighed:
            suspect |= _overlaps_another(keys, s, e)
    else:
        s_rest, e_rest = s[rest], e[rest]
        for keys in weighed:
            suspect[rest] |= _overlaps_another(keys[rest], s_rest, e_rest)
    if suspect.any():
        invoice_ids = arrow_text(_column(inv, "invoice_id"))  # only the few rows that clash are read
        posted: dict[tuple[int, object], _Periods] = {}
        together = _PostTogether(inv, cand[~paid[cand]], posted)
        s_day, e_day = s.astype("datetime64[D]").astype(np.int64), e.astype("datetime64[D]").astype(np.int64)
        for k in np.flatnonzero(suspect):  # cand is in input order
            pos = cand[k]
            together.reach(pos)
            clash = None
            own = tuple((kind, keys[k]) for kind, keys in enumerate(run_keys))
            for kind, key in own:
                periods = posted.get((kind, key))
                clash = periods.first_overlapping(int(s_day[k]), int(e_day[k])) if periods is not None else None
                if clash is not None:
                    earlier = msg.PAID_IN_RUN.format(
                        invoice_id=_text_at(invoice_ids, clash), period=f"{date_dk(start[clash])}–{date_dk(end[clash])}"
                    )
                    paid[pos] = True
                    # the same grant by its value, its id written otherwise: maybe another grant of the number
                    written = g_ids[g_code[k]] != g_ids[g_code[np.searchsorted(cand, clash)]]
                    said = _KIND_SAME_GRANT_VALUE if kind == 0 and written else kind
                    say(pos, said, earlier, _value_at(grant_ids, grant_pos[clash]),
                        _value_at(services, grant_pos[clash]))  # fmt: skip
                    together.failed(pos)
                    break
            if clash is None:
                for key in own:
                    posted.setdefault(key, _Periods()).add(int(pos), int(s_day[k]), int(e_day[k]))
                together.registered(pos, own)
    state.fail("ALREADY_PAID", paid)


#: the checks whose message leaves a caseworker to post the invoice by hand, its citizen and supplier known:
#: told so, each is told too where the citizen's grant at the supplier was paid for an overlapping period
#: (:func:`_paid_before`)
_TOLD_TO_POST = np.array(
    [CHECK_NUMBER[c] for c in ("MULTIPLE_CPR", "NO_GRANT", "NO_GRANT_FOR_SUPPLIER", "PERIOD_NOT_COVERED",
                           "NO_FIXED_RATE", "AMOUNT_MISMATCH", "AMBIGUOUS", "NO_CODING", "SUPPLIER_EXCLUDED",
                           "PARAGRAPH_EXCLUDED", "AMOUNT_ABOVE_LIMIT")]
)  # fmt: skip
#: of those, the checks that find no grant of the citizen at the supplier to ask the journal by: asked by each
#: paragraph the journal paid under instead
_NO_GRANT_AT_SUPPLIER = np.array([CHECK_NUMBER["NO_GRANT"], CHECK_NUMBER["NO_GRANT_FOR_SUPPLIER"]])


def _paid_before(checked: Checked, state: _State, history: History) -> tuple[np.ndarray, pa.Array]:
    """Of the invoices held at checks 3 and 11-20 (:data:`_TOLD_TO_POST`), with a period and a valid supplier
    CVR: those of which one of its citizens was paid at its supplier for a period that overlaps its own, each
    with the note its message ends in (:data:`messages.ALSO_PAID_BEFORE`). In the journal or marked in
    Sensum: a grant of the citizen at the supplier, any of them, paid as check 21 finds a payment (the same
    grant, or the same citizen, supplier and service); in this run: an invoice of the citizen at the
    supplier posted, before or after it in the extract (its grant named). Check 21 comes last, so an invoice
    held before it was told "bogfør manuelt" and nothing of the payment: a month the robot paid, sent again
    under a new number at a new rate, was paid again by hand (an attack on 0.9.40). The rows ascending, and
    their notes."""
    inv, gr = checked.invoices.frame, checked.grants.frame
    reason, start, end = state.reason, checked.start, checked.end
    dated = ~(np.isnat(start) | np.isnat(end))
    told_to_post = np.isin(reason, _TOLD_TO_POST)
    # an invoice whose lines do not fit it (LINES_MISMATCH, check 3) is held at whatever check its own row
    # failed, and asked by its lines' citizens too
    lines_cprs = inv[LINES_CPRS].to_numpy(dtype=object) if LINES_CPRS in inv.columns else None
    if lines_cprs is not None:
        told_to_post |= (lines_cprs != "") & (reason != 0)
    held = np.flatnonzero(told_to_post & dated & inv["cvr_valid"].to_numpy(dtype=bool))
    posted = np.flatnonzero(reason == 0)
    none = (np.empty(0, dtype=np.int64), pa.array([], pa.large_string()))
    if not len(held) or not (len(posted) or len(history.paid)):
        return none
    if "post_group" in inv.columns and len(posted):
        # a line posts only where every line of its invoice posts (lines._fold): the others paid nothing
        group = inv["post_group"].to_numpy()
        failed = np.zeros(int(group.max(initial=0)) + 1, dtype=bool)
        failed[group[reason != 0]] = True
        posted = posted[~failed[group[posted]]]
    # each held invoice's citizens (a collective invoice's every one), as their keys; the CPR texts are
    # taken only where the journal's keys are made of them
    multi = reason[held] == CHECK_NUMBER["MULTIPLE_CPR"]
    on_lines = np.full(len(held), "", dtype=object)
    if lines_cprs is not None:
        on_lines = lines_cprs[held]
        multi |= on_lines != ""
    many_rows, many_cprs = [], []
    named = _objects_of(_pick(_column(inv, "cpr_all"), held[multi]))
    for r, every, more in zip(held[multi], named, on_lines[multi], strict=True):
        for cpr in dict.fromkeys(c for c in f"{every or ''};{more}".split(";") if c.isdigit()):
            many_rows.append(r)
            many_cprs.append(cpr)
    one = held[~multi]
    rows = np.concatenate([one, np.asarray(many_rows, dtype=np.int64)])
    cpr_key = np.concatenate([inv["cpr_key"].to_numpy()[one], np.array([int(c) for c in many_cprs], dtype=np.int64)])
    keep = cpr_key > 0
    rows, cpr_key = rows[keep], cpr_key[keep]
    asked = citizen_supplier_keys(cpr_key, inv["cvr_key"].to_numpy()[rows])
    s, e = start[rows], end[rows]
    # per asked citizen: what paid it (0: a row of the journal's, 1: an invoice posted in this run, -1: none),
    # that row, and the grant named
    kind = np.full(len(rows), -1, dtype=np.int64)
    at, named = np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
    h = history.paid
    if len(h) and len(gr):
        # the pairs of (held invoice's citizen, a grant of that citizen at its supplier)
        had = citizen_supplier_keys(gr["cpr_key"].to_numpy(), gr["cvr_key"].to_numpy())
        order = np.argsort(had, kind="stable")
        had = had[order]
        lo, hi = np.searchsorted(had, asked, "left"), np.searchsorted(had, asked, "right")
        count = hi - lo
        pair = np.repeat(np.arange(len(rows)), count)
        pair_grant = order[lo[pair] + np.arange(len(pair)) - np.repeat(np.cumsum(count) - count, count)]
        hs = h["period_start"].to_numpy(dtype="datetime64[D]")
        he = h["period_end"].to_numpy(dtype="datetime64[D]")
        id_code, ids = checked.grant_ids
        cprs = np.concatenate([_objects_of(_pick(_column(inv, "cpr"), one)), np.asarray(many_cprs, dtype=object)])[keep]
        cvrs = _objects_of(_pick(_column(inv, "supplier_cvr"), rows))
        paid_keys = {name: h[name].fillna("").to_numpy(dtype=object) for name in PAID_KEYS}
        cvr = cvrs[pair]
        services = _objects_of(_pick(_column(gr, "service_code"), pair_grant))
        found = np.full(len(pair), -1, dtype=np.int64)
        probes = [
            (np.arange(len(pair)), stored_keys(ids, history.secret)[id_code[pair_grant]], "grant_key"),
            (np.arange(len(pair)), citizen_keys(cprs[pair], cvr, services, history.secret), "citizen_key"),
        ]
        # and the paragraph the sheet names for certain of the grant's service, as check 21 compares it (a month
        # paid under another service of the paragraph went unsaid: a review of 0.9.41's first version)
        known = checked.support.service_paragraphs()
        paragraph = np.array([known.get(k, "") for k in service_keys(services)], dtype=object)
        certain = np.flatnonzero((paragraph != "") & (paragraph != ANY_PARAGRAPH))
        if len(certain):
            keys = paragraph_keys(cprs[pair[certain]], cvr[certain], paragraph[certain], history.secret)
            probes.append((certain, keys, "paragraph_key"))
        for which, keys, name in probes:
            hit = _overlapping(keys, s[pair[which]], e[pair[which]], paid_keys[name], hs, he)
            found[which] = np.where(found[which] >= 0, found[which], hit)
        hits = np.flatnonzero(found >= 0)
        firsts = hits[np.unique(pair[hits], return_index=True)[1]]  # each citizen's first pair found
        kind[pair[firsts]], at[pair[firsts]], named[pair[firsts]] = 0, found[firsts], pair_grant[firsts]
        # held at checks 11-12, no grant to ask by: the citizen at the supplier under each paragraph the journal
        # paid under (a grant gone from the extract, its month sent again, was told "opret bevillingen og bogfør
        # manuelt" and nothing of the payment: a review of 0.9.41's first version)
        bare = np.flatnonzero(np.isin(reason[rows], _NO_GRANT_AT_SUPPLIER) & (kind < 0))
        paid_under = sorted({p for p in (normalise_paragraph(v) for v in h["paragraph"].dropna().astype(str)) if p})
        if len(bare) and paid_under:
            for paragraph in paid_under:
                keys = paragraph_keys(
                    cprs[bare], cvrs[bare], np.full(len(bare), paragraph, dtype=object), history.secret
                )
                hit = _overlapping(keys, s[bare], e[bare], paid_keys["paragraph_key"], hs, he)
                new = (kind[bare] < 0) & (hit >= 0)
                kind[bare[new]], at[bare[new]], named[bare[new]] = 0, hit[new], -1
    if len(posted):
        paid_at = citizen_supplier_keys(inv["cpr_key"].to_numpy()[posted], inv["cvr_key"].to_numpy()[posted])
        # (an invoice held at checks 11-12 has no grant of its citizen at its supplier, so none of them posted)
        ask = np.flatnonzero(~np.isin(reason[rows], _NO_GRANT_AT_SUPPLIER))
        hit = np.full(len(rows), -1, dtype=np.int64)
        hit[ask] = _overlapping(asked[ask], s[ask], e[ask], paid_at, start[posted], end[posted])
        new = (kind < 0) & (hit >= 0)
        p = posted[hit[new]]
        kind[new], at[new], named[new] = 1, p, checked.match.grant_pos[p]
    told = np.flatnonzero(kind >= 0)
    if not len(told):
        return none
    # one note per invoice: of its first citizen found
    first = told[np.unique(rows[told], return_index=True)[1]]
    kinds, at, grants = kind[first], at[first], named[first]
    earlier = np.empty(len(first), dtype=object)  # every one of them a payment's, in the journal or this run
    if (kinds == 0).any():
        paid_as = {c: h[c].to_numpy(dtype=object) for c in ("invoice_id", "started_at")}
        run_ids = h["run_id"].to_numpy()
        for i in np.flatnonzero(kinds == 0):
            r = at[i]
            earlier[i] = _earlier_payment(
                paid_as["invoice_id"][r], int(run_ids[r]), paid_as["started_at"][r], hs[r], he[r]
            )
    in_run = np.flatnonzero(kinds == 1)
    if len(in_run):
        p = at[in_run]
        periods = (format_date_dk(start[p]) + "–" + format_date_dk(end[p])).to_numpy(dtype=object)
        said = msg.formatted_arrow(
            msg.PAID_IN_RUN_OR_LATER, invoice_id=_pick(_column(inv, "invoice_id"), p), period=periods
        )
        earlier[in_run] = said.to_pylist()
    # (-1: none in the extract, a payment found by the paragraph alone, named below by the journal's grant)
    shown = _objects_of(_shown(_pick(_column(gr, "grant_id"), np.maximum(grants, 0))))
    if (kinds == 0).any():
        # a payment in the journal names the grant it was paid on (of a grant registered again beside it, the
        # one asked first was named as paid: a review of 0.9.41's first version)
        journal = np.flatnonzero(kinds == 0)
        shown[journal] = _objects_of(_shown(h["grant_id"].to_numpy(dtype=object)[at[journal]]))
    return rows[first], msg.formatted_arrow(msg.ALSO_PAID_BEFORE, grant_id=shown, earlier=earlier)


def _same_grant_by_value(code: np.ndarray, distinct: np.ndarray, paid_keys: pd.Series, secret: str) -> list:
    """Check 21's probes of the same grant by value (:func:`~invoicekit.keys.grant_values`): a grant id of
    digits is the same grant written with other leading zeros or a ``.0`` (Sensum's 00123 as a workbook or a
    CSV saved from Excel writes it, 123), as check 10 compares numbers (a review: a grant moved to another
    supplier, its id written 123, was paid again for March, paid under 00123). ``code``: each candidate's grant
    id, a code into the normalised ``distinct`` ids; ``paid_keys``: the payments' grant keys. Only the pairs whose texts differ are asked (an id
    written alike was found by the grant key itself): the candidates written otherwise than their value
    against every payment kept as digits, and every candidate of digits against the payments written
    otherwise; and, where the journal kept ids hashed (ten digits or more read as a CPR number), each
    candidate's value padded with zeros to each width from ten to fifteen digits, and padded to ten (or as it
    is, where longer) behind a ``'`` and/or with a ``.`` or ``,`` and up to three zeros after it, hashed as the
    journal hashes it (reviews: 0123456789 and 123456789; 1234567890.0
    and 1234567890), and grouped in threes by ``.`` or ``,`` (Excel's thousands separator). A hashed id of
    more digits is not found by value. Kind :data:`_KIND_SAME_GRANT_VALUE`."""
    if not len(code) or not len(paid_keys):
        return []
    paid_code, paid_distinct = pd.factorize(paid_keys.fillna("").to_numpy(dtype=object))
    paid_distinct = np.asarray(paid_distinct, dtype=object)
    # nothing written otherwise than its value (no leading zero, ', . or ,) and nothing kept hashed: the grant
    # key's own probe compared all (the usual case: skipped at the cost of two scans)
    if not (_written_otherwise(distinct).any() or _written_otherwise(paid_distinct).any()) and not any(
        k.startswith(HASHED) for k in paid_distinct
    ):
        return []
    mine, mine_digits = valued_grant_ids(distinct)
    if not mine_digits.any():
        return []
    theirs, theirs_digits = valued_grant_ids(paid_distinct)
    valued = mine_digits[code]
    written_otherwise = valued & (mine != distinct)[code]
    paid_valued = theirs_digits[paid_code]
    paid_otherwise = paid_valued & (theirs != paid_distinct)[paid_code]
    keys = np.where(valued, mine[code], _NO_KEY).astype(object)
    paid_values = theirs[paid_code]
    probes = []
    for asked, rows in ((np.flatnonzero(written_otherwise), np.flatnonzero(paid_valued)),
                        (np.flatnonzero(valued), np.flatnonzero(paid_otherwise))):  # fmt: skip
        if len(asked) and len(rows):
            probes.append((asked, keys[asked], rows, paid_values[rows], _KIND_SAME_GRANT_VALUE))
    hashed = np.flatnonzero(pd.Series(paid_distinct, dtype=object).str.startswith(HASHED).to_numpy(dtype=bool))
    if len(hashed):
        rows = np.flatnonzero(np.isin(paid_code, hashed))
        paid_hashed = paid_distinct[paid_code[rows]]
        value_of = mine[mine_digits]
        own = distinct[mine_digits]
        # bare, padded to each width; and as Excel writes it (a leading ', a decimal point or comma and up to
        # three zeros: its Number format), padded to ten digits or as it is where longer: each form is a hash per
        # grant, so the widths beyond ten are tried bare only
        decimals = ("", ".0", ",0", ".00", ",00", ".000", ",000")
        forms = [(width, "", "", "") for width in range(10, 16)] + [
            (0, before, after, "") for before, after in itertools.product(("", "'"), decimals) if before or after
        ]
        # and grouped in threes, as Excel's number format with its thousands separator shows the value
        # (1.234.567.890, maybe with ,00; 1,234,567,890, maybe with .00): since 0.9.38
        forms += [(0, "", after, group) for group, after in ((".", ""), (".", ",00"), (",", ""), (",", ".00"))]
        for width, before, after, group in forms:
            fits = np.array([len(v) <= (width or len(v)) for v in value_of], dtype=bool)
            padded = np.array(
                [before + (_grouped(v, group) if group else v.zfill(width or 10)) + after for v in value_of],
                dtype=object,
            )
            stored = stored_keys(padded, secret)
            # a hashed form it is not already kept as (its own key found it)
            new = fits & np.array([k.startswith(HASHED) for k in stored], dtype=bool) & (padded != own)
            if not new.any():
                continue
            key_of = np.full(len(distinct), _NO_KEY, dtype=object)
            key_of[np.flatnonzero(mine_digits)[new]] = stored[new]
            asked = np.flatnonzero(key_of[code] != _NO_KEY)
            probes.append((asked, key_of[code][asked], rows, paid_hashed, _KIND_SAME_GRANT_VALUE))
    return probes


def _grouped(digits: str, sep: str) -> str:
    """``digits`` grouped in threes from the right by ``sep`` (``1234567890``, ``.``: ``1.234.567.890``)."""
    head = len(digits) % 3 or 3
    return sep.join([digits[:head], *(digits[k : k + 3] for k in range(head, len(digits), 3))])


def _written_otherwise(ids: np.ndarray) -> np.ndarray:
    """Which of ``ids`` may be written otherwise than its value (:data:`~invoicekit.keys.GRANT_DIGITS`): a
    leading zero, a ``'``, a ``.`` or a ``,``."""
    arr = pa.array(ids, type=pa.large_string(), from_pandas=True)
    return pc.fill_null(pc.match_substring_regex(arr, r"^'|^0|[.,]"), False).to_numpy(zero_copy_only=False)


#: the kind of :func:`_same_grant_by_value`'s probes: the same grant by the value of its id, written otherwise
_KIND_SAME_GRANT_VALUE = 4


def _earlier_payment(
    invoice_id: object, run_id: int, started_at: object, start: np.datetime64, end: np.datetime64
) -> str:
    """Where check 21 found an earlier payment (a row of ``History.paid``:
    its invoice, run and start, its period ``start`` to ``end``): a recorded
    run, or a mark in Sensum."""
    period = f"{date_dk(start)}–{date_dk(end)}"
    if run_id != SENSUM_MARK:
        return msg.PAID_IN_JOURNAL.format(
            invoice_id=invoice_id, period=period, run_id=run_id, date=msg.run_day(started_at)
        )
    invoice = msg.PAID_MARK_INVOICE.format(invoice_id=invoice_id) if invoice_id else ""
    if (str(start), str(end)) == MARK_WHOLE_TIME:
        return msg.PAID_IN_SENSUM_UNREAD.format(invoice=invoice)
    return msg.PAID_IN_SENSUM.format(period=period, invoice=invoice)


def _paid_under_the_paragraph(inv, h: pd.DataFrame, cand, grant_pos, coded, sheet, services, s, e, secret) -> list:
    """Check 21's probes for payments recorded without a paragraph key (by a
    version before 0.9.13): for each service and paragraph they were paid
    under (the paragraph the journal recorded with the payment; where it
    recorded none, the one ``sheet`` gives the service today; where neither
    knows one, none: no other service is known to be its kin), the citizen
    key each candidate would have under that service, of the candidates of that paragraph and another service whose
    period (``s`` to ``e``) may overlap one of those payments; as
    ``_check_already_paid``'s probes (the candidates asked, their keys, the
    payments, their citizen keys, kind 2). A schema-1 journal's legacy keys
    (``~``, the birth date for the CPR number) are compared as legacy keys."""
    citizen = h["citizen_key"].fillna("").to_numpy(dtype=object)
    old = (h["paragraph_key"].fillna("").to_numpy(dtype=object) == "") & (citizen != "")
    if not old.any():
        return []
    old_rows = np.flatnonzero(old)
    # a service today's sheet holds back (a row of it left out) may have been paid under any paragraph: its
    # readable row's is no more to be trusted than the other's (pre-0.9.13 payments: March paid again)
    # (and one named only in rows left out: a review); services compared as check 21 compares them (SEL108 BO is
    # SEL108-BO: a review found it looked up by its spelling, and March paid again), two paragraphs under one
    # name being none for certain
    known = sheet.service_paragraphs()
    service_of = h["service_code"].to_numpy(dtype=object)[old_rows]
    service_norm = service_keys(service_of)
    recorded = h["paragraph"].to_numpy(dtype=object)[old_rows]  # a History always has the column
    # a recorded paragraph that names none (SEL, as an older version coded a sheet's SEL row) is today's sheet's
    # too: since 0.9.27 it reads as none, and the payment was compared with no other service (a review)
    paragraph_of = np.array(
        [
            (normalise_paragraph(r) if isinstance(r, str) else "") or known.get(v, "")
            for v, r in zip(service_norm, recorded, strict=True)
        ],
        dtype=object,
    )
    legacy = np.array([str(k).startswith(LEGACY) for k in citizen[old_rows]], dtype=bool)
    hs = h["period_start"].to_numpy(dtype="datetime64[D]")[old_rows]
    he = h["period_end"].to_numpy(dtype="datetime64[D]")[old_rows]
    paragraphs = coded["paragraphs"][coded["paragraph_code"][cand]]
    own = normalise_numbers(_objects_of(_pick(services, grant_pos[cand])))
    cpr = inv["cpr"].to_numpy(dtype=object)[cand]
    cvr = inv["supplier_cvr"].to_numpy(dtype=object)[cand]
    s_d, e_d = s.astype("datetime64[D]"), e.astype("datetime64[D]")
    groups = pd.DataFrame({"service": service_of, "paragraph": paragraph_of, "legacy": legacy}).groupby(
        ["service", "paragraph", "legacy"], sort=False, dropna=False
    )
    probes = []
    for (service, paragraph, is_legacy), at in groups.indices.items():
        if not isinstance(paragraph, str) or not paragraph:  # of no paragraph known: no other service is its kin
            continue
        # only those whose period may overlap one of these payments (they all lie before the upgrade);
        # a payment without a start or an end bounds nothing on that side
        may = np.ones(len(cand), dtype=bool)
        if not np.isnat(he[at]).any():
            may &= s_d <= he[at].max()
        if not np.isnat(hs[at]).any():
            may &= e_d >= hs[at].min()
        of_paragraph = (paragraphs != "") if paragraph == ANY_PARAGRAPH else (paragraphs == paragraph)
        asked = np.flatnonzero(of_paragraph & may & (own != normalise_numbers([str(service)])[0]))
        if not len(asked):
            continue
        hasher = legacy_citizen_keys if is_legacy else citizen_keys
        keys = hasher(cpr[asked], cvr[asked], np.full(len(asked), str(service), dtype=object), secret)
        rows = old_rows[at]
        probes.append((asked, keys, rows, citizen[rows], _KIND_ANY_PARAGRAPH if paragraph == ANY_PARAGRAPH else 2))
    return probes


#: the kind of :func:`_paid_under_the_paragraph`'s probes of a payment that may have been under any paragraph
#: (check 21 says so: not the invoice's paragraph)
_KIND_ANY_PARAGRAPH = 3


class _Periods:
    """The periods posted so far in this run under one key (check 21), as
    days, held by start: which of them overlaps a period is looked for among
    those that start on or before its end, walking back from there. A period
    is posted under a key only when it overlaps none posted under it, so they
    never overlap each other: held by start, they are held by end too, and
    the walk stops at the first that ends before the period starts (only
    the periods it overlaps are looked at). Should two ever overlap (they
    cannot; it is checked as they are added), the walk stops only where
    none can reach the period (a start before its start less the longest
    added). Comparing with every period posted instead compared a citizen's
    thousands of daily invoices, each sent twice, with each other."""

    def __init__(self) -> None:
        self.by_start: list[tuple[int, int]] = []  # (start, row), ascending
        self.start: dict[int, int] = {}
        self.end: dict[int, int] = {}
        self.longest = 0
        self.apart = True  # no two periods overlap

    def add(self, row: int, start: int, end: int) -> None:
        at = bisect.bisect_left(self.by_start, (start, row))
        self.by_start.insert(at, (start, row))
        self.start[row], self.end[row] = start, end
        self.longest = max(self.longest, end - start)
        before = self.by_start[at - 1] if at else None
        after = self.by_start[at + 1] if at + 1 < len(self.by_start) else None
        if (before is not None and self.end[before[1]] >= start) or (after is not None and after[0] <= end):
            self.apart = False

    def remove(self, row: int) -> None:
        del self.by_start[bisect.bisect_left(self.by_start, (self.start.pop(row), row))]
        del self.end[row]

    def first_overlapping(self, start: int, end: int) -> int | None:
        """The first row, in input order, whose period overlaps
        ``[start, end]``; None where none does."""
        found = None
        i = bisect.bisect_right(self.by_start, (end, np.iinfo(np.int64).max))
        while i > 0:
            i -= 1
            begins, row = self.by_start[i]
            if self.end[row] >= start:
                if found is None or row < found:
                    found = row
            elif self.apart or begins < start - self.longest:
                break
        return found


class _PostTogether:
    """Check 21 within a run when rows come in groups that post together or
    not at all (``post_group``: the lines of a collective invoice, see
    :mod:`invoicekit.lines`). A row that passes counts for its own group's
    later rows at once, and for other groups' rows only if its whole group
    posts: when the rows of a group are behind us (groups are contiguous, in
    input order) and one of them failed, its rows are taken back out of
    ``posted``. Rows decide in input order and each depends only on earlier
    ones, so one pass gives what deciding invoice after invoice gives.
    Without ``post_group`` every row is a group of its own and nothing changes."""

    def __init__(self, inv: pd.DataFrame, open_rows: np.ndarray, posted: dict) -> None:
        self.group = inv["post_group"].to_numpy() if "post_group" in inv.columns else None
        self.posted = posted
        self.current, self.pending = -1, []
        if self.group is not None:
            still_open = np.zeros(len(inv), dtype=bool)
            still_open[open_rows] = True
            # a group with a row that failed an earlier check (or check 21 on the journal) cannot post
            self.broken = np.zeros(int(self.group.max()) + 1, dtype=bool)
            self.broken[self.group[~still_open]] = True

    def reach(self, pos: int) -> None:
        if self.group is None or self.group[pos] == self.current:
            return
        if self.current >= 0 and self.broken[self.current]:
            for keys, q in self.pending:
                for key in keys:
                    self.posted[key].remove(int(q))
        self.current, self.pending = int(self.group[pos]), []

    def failed(self, pos: int) -> None:
        if self.group is not None:
            self.broken[self.group[pos]] = True

    def registered(self, pos: int, keys: tuple) -> None:
        if self.group is not None:
            self.pending.append((keys, pos))


_DAY_OFFSET = 1 << 17  # days since 1970 of years 1900-2199 fit in 18 bits once shifted by this


def day_codes(dates: np.ndarray) -> np.ndarray:
    """Days as non-negative integers below 2**18, to pack beside a key code
    (check 21's periods; ``tune`` packs its own the same way)."""
    return np.clip(dates.astype(np.int64), -_DAY_OFFSET + 1, _DAY_OFFSET - 1) + _DAY_OFFSET


def _overlapping(keys, s, e, hist_keys, hs, he) -> np.ndarray:
    """For each (key, s, e): the position of a history row with that key whose
    period overlaps ``[s, e]``, else -1. Sorted searches, no pairs: memory is
    linear in the two tables however many rows share a key."""
    m = len(hist_keys)
    both = (np.asarray(hist_keys), np.asarray(keys))
    if not all(k.dtype.kind in "iu" for k in both):  # integer keys are factorised as integers, without objects
        both = tuple(np.asarray(k, dtype=object) for k in both)
    codes, _ = pd.factorize(np.concatenate(both))
    hk, ck = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    hs_d, he_d, s_d, e_d = (day_codes(d) for d in (hs, he, s, e))
    order = np.lexsort((hs_d, hk))
    sorted_comp = (hk[order] << 18) | hs_d[order]
    # running maximum of the period end within each key, with the row it belongs to
    end_and_row = (he_d[order] << 32) | order
    running = pd.Series(end_and_row).groupby(hk[order]).cummax().to_numpy()
    # the last history row of the same key that starts on or before e
    idx = np.searchsorted(sorted_comp, (ck << 18) | e_d, side="right") - 1
    out = np.full(len(ck), -1, dtype=np.int64)
    ok = idx >= 0
    ok[ok] = hk[order][idx[ok]] == ck[ok]
    best = running[np.where(ok, idx, 0)]
    hit = ok & ((best >> 32) >= s_d)
    out[hit] = best[hit] & 0xFFFFFFFF
    return out


def _overlaps_another(keys, s, e) -> np.ndarray:
    """Whether each period overlaps at least one other with the same key
    (texts, or integer codes of them).
    Sorted by key and start, a period overlaps an earlier one when it starts
    on or before the latest end so far, and a later one when the next period
    starts on or before its end. An invoice that overlaps no other under
    either key can neither be blocked in this run nor block another."""
    n = len(keys)
    if n < 2:
        return np.zeros(n, dtype=bool)
    codes = np.asarray(keys)
    if codes.dtype == object:
        codes, _ = pd.factorize(codes)
    codes = codes.astype(np.int64, copy=False)
    start, stop = np.asarray(s).view(np.int64), np.asarray(e).view(np.int64)  # days (NaT the least integer)
    low, start_min, stop_min = int(codes.min()), int(start.min()), int(stop.min())
    start_span, stop_span = int(start.max()) - start_min + 1, int(stop.max()) - stop_min + 1
    # packed, they would overflow; and an unknown start (NaT, the least integer: every start
    # unknown gives a small span too) is counted as overlapping only where they are sorted as dates
    if low < 0 or start_min == NAT_DAYS or (int(codes.max()) + 1) * max(start_span, stop_span) >= 1 << 62:
        order = np.lexsort((s, codes))  # as datetimes: NaT sorts last
        sc, ss, se = codes[order], start[order], stop[order]
        run_max = pd.Series(se).groupby(sc).cummax().to_numpy()
        unknown_start = ss == NAT_DAYS  # NaT: counted as overlapping (as it always was)
    else:
        # key and day packed in one integer: one sort, and the running maximum
        # within each key a plain running maximum (a later key packs higher);
        # few temporaries, each reused where it can be (fresh memory costs)
        packed = codes * start_span
        packed += start
        order = np.argsort(packed, kind="stable")
        del packed
        sc, ss, se = codes[order], start[order], stop[order]
        base = sc * stop_span
        run_max = base + se
        np.maximum.accumulate(run_max, out=run_max)
        run_max -= base
        del base
        unknown_start = None
    same_as_next = sc[1:] == sc[:-1]
    hit = np.zeros(n, dtype=bool)  # in sorted order, then in the input order
    np.less_equal(ss[1:], run_max[:-1], out=hit[1:])  # starts on or before the latest end before it
    hit[1:] &= same_as_next
    later = np.zeros(n, dtype=bool)
    np.less_equal(ss[1:], se[:-1], out=later[:-1])  # the next one starts on or before its end
    later[:-1] &= same_as_next
    hit |= later
    if unknown_start is not None:
        hit |= unknown_start
    out = np.empty(n, dtype=bool)
    out[order] = hit
    return out


def _money_dk_where_set(units: np.ndarray) -> np.ndarray:
    """Danish amounts where not zero (blank elsewhere): most invoices have no prepayment."""
    out = np.full(len(units), "", dtype=object)
    set_ = np.flatnonzero(units != 0)
    if len(set_):
        out[set_] = format_money_dk(units[set_])
    return out


def _shown(values) -> pa.Array:
    """Texts people read (arrow): any CPR number in them masked; ``values``'
    own arrow array where none is."""
    return mask_cprs_in_arrow(pc.fill_null(arrow_text(values, pa.large_string()), ""))


def _changed(shown: pa.Array, raw: pa.Array) -> bool:
    return shown is not raw and not pc.all(pc.equal(shown, raw)).as_py()


def _blank_last(values) -> pa.Array:
    """A column of texts as arrow with a blank appended: index ``len(values)``
    stands for none in a take."""
    return pa.concat_arrays([arrow_text(values, pa.large_string()), pa.array([""], pa.large_string())])


def _obj(values) -> pd.Series:
    """A column of text for the result tables: arrow-backed (pandas' ``str``),
    so that the writers and the journal take it as it is."""
    return pc.fill_null(arrow_text(values), "").to_pandas(types_mapper=lambda _type: TEXT)


def _masked_cprs(inv: pd.DataFrame) -> pa.Array:
    """``DDMMYY-xxxx`` for every CPR on the invoice (``;``-joined), or the
    masked invalid number; arrow."""
    count = inv["cpr_count"].to_numpy()
    # each citizen's masked number once: a citizen has many invoices
    codes, births = pd.factorize(inv["cpr_key"].to_numpy() // 10_000)
    text = pc.utf8_lpad(pc.cast(pa.array(np.asarray(births, dtype=np.int64)), pa.large_string()), 6, "0")
    mask, empty = pa.scalar(CPR_MASK, pa.large_string()), pa.scalar("", pa.large_string())
    masked = pc.binary_join_element_wise(text, mask, empty)
    shown = np.where(count == 1, codes, len(masked))  # the blank appended below
    texts_of = [masked, pa.array([""], pa.large_string())]
    invalid = inv["cpr_invalid"].to_numpy()
    several = (count > 1) & ~invalid
    if several.any() or invalid.any():
        rows = np.flatnonzero(several | invalid)
        texts = np.empty(len(rows), dtype=object)
        of_several = several[rows]
        # each distinct list of numbers masked once
        lists, distinct = pd.factorize(inv["cpr_all"].to_numpy(dtype=object)[rows[of_several]])
        texts[of_several] = np.array([";".join(masked_cpr(c) for c in cprs.split(";")) for cprs in distinct],
                                     dtype=object)[lists]  # fmt: skip
        texts[~of_several] = inv["cpr_invalid_masked"].to_numpy(dtype=object)[rows[~of_several]]
        shown[rows] = len(masked) + 1 + np.arange(len(rows))  # each its own text, appended after the blank
        texts_of.append(arrow_text(texts, pa.large_string()))
    # one take of the whole column (not a take, then a copy with the few replaced)
    return pa.concat_arrays(texts_of).take(pa.array(shown))


class _Facts:
    """What the messages say about manual invoices, each column worked out
    for the rows of one reason when its message asks for it (most columns
    serve one or two reasons, so building them all for every manual invoice
    would be most of the work). ``of(rows)`` gives the facts of those rows;
    ``facts["column"]`` the column for them, as an array (texts as arrow)."""

    def __init__(self, sources: dict[str, Callable[[np.ndarray], np.ndarray]]) -> None:
        self.sources = sources

    def of(self, rows: np.ndarray) -> _Rows:
        return _Rows(self, rows)


class _Rows:
    def __init__(self, facts: _Facts, rows: np.ndarray) -> None:
        self.facts, self.rows, self.columns = facts, rows, {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, name: str) -> np.ndarray | pa.Array:
        if name not in self.columns:
            values = self.facts.sources[name](self.rows)
            self.columns[name] = values if isinstance(values, pa.Array) else np.asarray(values)
        return self.columns[name]


def _manual_facts(checked: Checked, detail: np.ndarray, reason: np.ndarray) -> _Facts:
    """The facts the messages draw on (see :mod:`invoicekit.messages`), per
    invoice row; texts cut to a readable width. ``detail`` and ``reason``: the
    details and failed checks so far (final for the rows asked about)."""
    inv, gr, coded, start, end = checked.invoices.frame, checked.grants.frame, checked.coded, checked.start, checked.end
    m = checked.match
    grant_pos, closest_grant, exp_out, n_ok, n_fixed = m.grant_pos, m.closest_grant, m.exp_out, m.n_ok, m.n_fixed
    shown = np.where(grant_pos >= 0, grant_pos, closest_grant)
    shown_take = np.maximum(shown, 0)
    has_grants = len(gr) > 0
    amount = inv["amount"].to_numpy()
    column = functools.partial(_column, inv)

    @functools.cache
    def short_grant_ids() -> pa.Array:  # each grant's id cut once, a blank last for none
        return _short(_shown(_blank_last(gr["grant_id"])))

    def grant_id(r):
        return short_grant_ids().take(pa.array(np.where(shown[r] >= 0, shown[r], len(gr))))

    def rate_unit(r):
        if not has_grants:
            return pa.repeat(pa.scalar("", pa.large_string()), len(r))
        return arrow_text(gr["rate_unit"]).take(pa.array(shown_take[r]))

    def rate(r):
        return gr["rate"].to_numpy()[shown_take[r]] if has_grants else np.zeros(len(r), np.int64)

    def rate_dk(r):
        return msg.money_dk(rate(r))

    return _Facts({
        "invoice_id": lambda r: _short(_pick(column("invoice_id"), r), 60),
        "supplier_cvr": lambda r: _short(_pick(column("supplier_cvr"), r)),
        "invoice_id_lost": lambda r: (
            _pick(column("invoice_id_lost"), r) if "invoice_id_lost" in inv else np.zeros(len(r), dtype=bool)
        ),
        "cpr_masked": lambda r: _short(checked.cpr_masked.take(pa.array(r)), 200),
        "cpr_invalid_masked": lambda r: _short(_pick(column("cpr_invalid_masked"), r), 200),
        "cpr_invalid_fault": lambda r: _pick(column("cpr_invalid_fault"), r),
        "cpr_count": lambda r: _pick(column("cpr_count"), r),
        "amount": lambda r: amount[r],
        "amount_ok": lambda r: _pick(column("amount_ok"), r),
        "amount_dk": lambda r: msg.money_dk(amount[r]),
        "expected_dk": lambda r: msg.money_dk(np.maximum(exp_out[r], 0)),
        "amount_raw": lambda r: _short(_pick(column("amount_raw"), r), whole=AMOUNT_NOTE),  # its message reads it
        "currency": lambda r: _short(_pick(column("currency"), r), 20),
        "prepaid_ok": lambda r: _pick(column("prepaid_ok"), r),
        "prepaid_dk": lambda r: _money_dk_where_set(_pick(column("prepaid"), r)),
        "document_type": lambda r: _pick(column("document_type"), r),
        "cvr_valid": lambda r: _pick(column("cvr_valid"), r),
        "document_type_raw": lambda r: _pick(column("document_type_raw"), r),
        "fields": lambda r: _pick(column("fields"), r),
        "period_start": lambda r: start[r],
        "period_end": lambda r: end[r],
        "period": lambda r: (format_date_dk(start[r]) + "–" + format_date_dk(end[r])).to_numpy(dtype=object),
        "period_unreadable": lambda r: _short(_pick(column("period_unreadable"), r)),
        "expected": lambda r: exp_out[r],
        "grant_id": grant_id,
        "rate": rate,
        "rate_dk": rate_dk,
        "rate_unit": rate_unit,
        "n_candidates": lambda r: np.where(reason[r] == CHECK_NUMBER["AMBIGUOUS"], n_ok[r], n_fixed[r]),
        "detail": lambda r: detail[r],
        "seen_before": lambda r: (
            checked.seen_before[r] if checked.seen_before is not None else np.full(len(r), "", dtype=object)
        ),
        # a sentence said where a condition holds: arrow, not numpy (a numpy array of the text would
        # be a fixed-width copy of it per row: 136 MB for the amount mismatches of a million invoices)
        "grant_row_unread": lambda r: msg.said_where(checked.grant_row_unread[r], msg.GRANT_ROW_UNREAD),
        "hourly_too": lambda r: msg.said_where(m.n_cov[r] > m.n_fixed[r], msg.HOURLY_TOO),
        "paragraph": lambda r: coded["paragraph"].take(pa.array(r)),
        "psp_element": lambda r: coded["psp_element"].take(pa.array(r)),
        "art": lambda r: coded["art"].take(pa.array(r)),
    })  # fmt: skip


#: pairs of (invoice, grant) weighed at a time by checks 11-16 (at most): enough
#: that each numpy step of a chunk works long without the interpreter, so the
#: two chunks decided side by side use both cores (at 1 << 16 they mostly took
#: turns: checks 11-16 at a million invoices 0.42 s, now 0.29 s, and 0.19 s
#: less CPU), and few enough that a chunk's temporaries (some tens of MB) are
#: reused from chunk to chunk
MATCH_BLOCK = 1 << 18

#: rows below which steps run in turn: a thread then costs more than it saves
#: (tuning decides hundreds of small months)
BESIDE_FROM_ROWS = 50_000


class _Beside:
    """A helper thread for steps of a large batch (:data:`BESIDE_FROM_ROWS`
    ``rows`` or more) that this thread need not wait for at once:
    :meth:`submit` hands a step over, to be run in the order handed over;
    below that size each step runs at once, here. Leaving the ``with`` waits
    for every step handed over; a step's exception is raised by its
    future's ``result``."""

    def __init__(self, rows: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1) if rows >= BESIDE_FROM_ROWS else None

    def __enter__(self) -> _Beside:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    def submit(self, step: Callable[..., object], *args) -> Future:
        if self.pool is not None:
            return self.pool.submit(step, *args)
        done: Future = Future()
        try:
            done.set_result(step(*args))
        except BaseException as exc:  # as the pool would: raised by result()
            done.set_exception(exc)
        return done


def _side_by_side(here: Callable[[], object], beside: Callable[[], object], rows: int) -> tuple:
    """Run ``here`` on this thread and ``beside`` on a helper
    (:class:`_Beside`) at once, and give their results in that order. For
    steps that do not depend on each other and do their work in numpy and
    arrow, which let go of the interpreter: both cores work (deciding
    otherwise runs on one while the other idles). An exception of either is
    raised here, after both ended. Steps over fewer than
    :data:`BESIDE_FROM_ROWS` ``rows`` run in turn, ``beside`` first."""
    with _Beside(rows) as helper:
        other = helper.submit(beside)
        return here(), other.result()


class _Messages:
    """The Danish messages of the manual invoices ``rows``, each reason's rows
    at once, the reasons with the most rows first: :meth:`make` takes the
    next reason not yet begun until none is left, so two threads that call
    it share the work, each taking the next as it is free; it returns when
    none is left to begin, so ``made`` is whole once every thread that called
    it has returned. ``made`` holds (rows, messages) per reason, each message
    as the result holds it (:func:`_finished`), in the order they were
    finished."""

    def __init__(self, facts: _Facts, rows: np.ndarray, reason: np.ndarray) -> None:
        reasons = reason[rows]
        by_reason = [(code, rows[reasons == k]) for code, k in CHECK_NUMBER.items()]
        self.facts = facts
        self.todo = deque(sorted(((code, at) for code, at in by_reason if len(at)), key=lambda g: -len(g[1])))
        self.made: list[tuple[np.ndarray, pa.Array]] = []

    def make(self) -> list[tuple[np.ndarray, pa.Array]]:
        while True:
            try:
                code, at = self.todo.popleft()  # one thread's alone: a deque hands each item out once
            except IndexError:
                return self.made
            of = self.facts.of(at)
            text = arrow_text(msg.MESSAGES[code](of))
            if (also := msg.also_said(of, code)) is not None:
                text = pc.binary_join_element_wise(text.cast(pa.large_string()), also, pa.scalar("", pa.large_string()))
            self.made.append((at, _finished(text, of)))


def _finished(messages: pa.Array, facts: _Rows) -> pa.Array:
    """Manual invoices' messages as the result holds them (arrow): blank for
    none; on a row whose fields did not match the header, that said first;
    cut to ``MESSAGE_MAX`` characters, ending in …."""
    messages = pc.fill_null(messages.cast(pa.large_string()), "")
    fields = np.asarray(facts["fields"])
    if (fields > 0).any():
        at = np.flatnonzero(fields > 0)
        prefixed = msg.misaligned_prefix(facts.facts.of(facts.rows[at])) + _pylist(messages, at)
        messages = _replace(messages, at, prefixed)
    # a text is no longer in characters than in bytes: only the few long in bytes are counted
    long = np.flatnonzero(pc.greater(pc.binary_length(messages), msg.MESSAGE_MAX).to_numpy(zero_copy_only=False))
    if len(long):
        chars = pc.utf8_length(messages.take(pa.array(long))).to_numpy(zero_copy_only=False)
        long = long[chars > msg.MESSAGE_MAX]
    if len(long):
        messages = _replace(messages, long, [msg.cut_keeping_notes(m) for m in _pylist(messages, long)])
    return messages


def _assemble(
    checked: Checked,
    state: _State,
    detail: np.ndarray,
    early_messages: list[tuple[np.ndarray, pa.Array]],
    texts: bool = True,
    paid_notes: Callable[[], tuple[np.ndarray, pa.Array]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The result tables. Their text columns are built in arrow, each taken
    from its source once (a grant's id by position from the grants' column,
    the posted and manual rows filtered from the whole column), never a
    million Python texts converted one by one. ``early_messages``: those of
    the invoices that failed checks 1-17 (:class:`_Messages`);
    the list is emptied once they are in the message column, so that their
    memory is free again (reused, not fresh) for the manual rows' column. ``paid_notes``: makes the rows whose
    message ends in a note of a payment before, and their notes (:func:`_paid_before`), on the helper."""
    checked.hash_paragraph_keys()
    inv, gr, coded, keys = checked.invoices.frame, checked.grants.frame, checked.coded, checked.keys
    cpr_masked = checked.cpr_masked
    grant_pos, exp_out, start, end = checked.match.grant_pos, checked.match.exp_out, checked.start, checked.end
    n = len(inv)
    reason_idx = state.reason  # the failed check per invoice (int8), 0 for posted
    posted = reason_idx == 0
    manual = np.flatnonzero(~posted)
    has_grant = grant_pos >= 0
    blank_last = pa.array(np.where(has_grant, grant_pos, len(gr)))  # index len(gr): the blank appended
    raw_ids, raw_services = _blank_last(gr["grant_id"]), _blank_last(gr["service_code"])
    matched_id, service = raw_ids.take(blank_last), raw_services.take(blank_last)
    # what people read (decisions.csv, the library's table, notebooks): a grant id or service code
    # that reads as a CPR number masked (a grant extract with its columns swapped: an attack on
    # 0.9.21 found them in full in the library's table and a notebook); OPUS and Sensum get them
    # as written. Nearly always none is, and the columns are the same
    shown_ids, shown_services = _shown(raw_ids), _shown(raw_services)
    masked = _changed(shown_ids, raw_ids) or _changed(shown_services, raw_services)
    shown_id = shown_ids.take(blank_last) if masked else matched_id
    shown_service = shown_services.take(blank_last) if masked else service
    amount = inv["amount"].to_numpy()
    # numbers stay numbers: whole øre, blank where there is none; the writers format them
    amount_ore = ore_array(amount, inv["amount_ok"].to_numpy())
    expected_ore = ore_array(exp_out, exp_out >= 0)
    invoice_id_raw = arrow_text(_column(inv, "invoice_id_raw"))
    # a manual invoice's note carries its number as written, so OPUS finds it (one of no letter or digit too)
    invoice_id_written = arrow_text(written_invoice_ids(inv))
    supplier_cvr = arrow_text(_column(inv, "supplier_cvr"))
    psp, art = arrow_text(coded["psp_element"]), arrow_text(coded["art"])
    # the posted and the manual rows, in input order: taken (arrow's filter of long texts is slower)
    posted_at = np.flatnonzero(posted)
    posted_a, manual_a = pa.array(posted_at), pa.array(manual)

    def posting_texts(ids: pa.Array = matched_id, services: pa.Array = service) -> pa.Array:
        if not texts:
            return pa.repeat(pa.scalar("", pa.large_string()), len(posted_at))
        return msg.posting_texts_arrow(
            services.take(posted_a), start[posted_at], end[posted_at], ids.take(posted_a)
        ).cast(pa.large_string())

    def postings(posting_text: Future[pa.Array]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "row": inv["row"].to_numpy()[posted],
                "invoice_id": _obj(invoice_id_raw.take(posted_a)),
                "supplier_cvr": _obj(supplier_cvr.take(posted_a)),
                "cpr": _obj(_pick(_column(inv, "cpr"), posted_at)),
                "amount_ore": ore_array(amount[posted]),  # whole øre, as the decisions hold it
                "grant_id": _obj(matched_id.take(posted_a)),
                "service_code": _obj(service.take(posted_a)),
                "period_start": start[posted],
                "period_end": end[posted],
                "psp_element": _obj(psp.take(posted_a)),
                "art": _obj(art.take(posted_a)),
                "text": _obj(posting_text.result()),
            }
        )

    def notes(manual_message: pa.Array) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "row": inv["row"].to_numpy()[manual],
                "invoice_id": _obj(invoice_id_written.take(manual_a)),
                "supplier_cvr": _obj(supplier_cvr.take(manual_a)),
                "message": _obj(manual_message),
            }
        )

    def decisions(message: pa.Array) -> pd.DataFrame:
        table = pd.DataFrame(
            {
                "row": inv["row"].to_numpy(),
                "invoice_id": _obj(_column(inv, "invoice_id")),
                "supplier_cvr": _obj(supplier_cvr),
                "cpr_masked": _obj(cpr_masked),
                "amount_ore": amount_ore,
                "status": _obj(pa.array([MANUAL, POSTED], pa.large_string()).take(pa.array(posted.astype(np.int8)))),
                "reason": _obj(pa.array(["", *REASONS], pa.large_string()).take(pa.array(reason_idx))),
                "grant_id": _obj(shown_id),
                "expected_amount_ore": expected_ore,
                "paragraph": _obj(coded["paragraph"]),
                "psp_element": _obj(psp),
                "art": _obj(art),
                "message": _obj(message),
                "period_start": start,
                "period_end": end,
                "service_code": _obj(shown_service),
                "check": state.reason.astype(np.int64),
                "document_type": _obj(_column(inv, "document_type")),
                **{name: _obj(values) for name, values in keys.items()},
            }
        )
        assert list(table.columns[: len(TYPED_DECISION_COLUMNS)]) == list(TYPED_DECISION_COLUMNS)
        return table

    # the helper makes the posting texts and the postings table (which needs nothing
    # else), then the notes; this thread the late messages, every message in input
    # order (the posting texts among them) and the decisions table
    with _Beside(rows=n) as helper:
        posting_text = helper.submit(posting_texts)
        paid = helper.submit(paid_notes) if texts and paid_notes is not None else None
        postings_table = helper.submit(postings, posting_text)
        if texts:
            late = manual[checked.reason[manual] == 0]  # failed checks 18-21
            parts = _Messages(_manual_facts(checked, detail, reason_idx), late, reason_idx).make()
            shown_text = posting_texts(shown_id, shown_service) if masked else posting_text.result()
            parts += early_messages
            early_messages.clear()
            parts.append((posted_at, shown_text))
            noted_rows, noted = paid.result() if paid is not None else (np.empty(0, dtype=np.int64), None)
            if len(noted_rows):
                parts += _noted(parts, noted_rows, noted, n)  # last: their rows taken from it
            message, manual_message = _in_input_order(parts, manual, n)  # it empties parts
        else:
            message = pa.repeat(pa.scalar("", pa.large_string()), n)
            manual_message = message.slice(0, len(manual))
        notes_table = helper.submit(notes, manual_message)
        decisions_table = decisions(message)
    return decisions_table, postings_table.result(), notes_table.result()


def _noted(parts: list[tuple[np.ndarray, pa.Array]], at: np.ndarray, notes: pa.Array, n: int) -> list:
    """The messages of the rows ``at`` (ascending, of ``n``) in ``parts`` (rows, messages; each row in one),
    each ending in its note of ``notes``, cut before it where too long (:func:`messages.cut_keeping_notes`):
    one more part, which :func:`_in_input_order` takes those rows from. The parts themselves are not copied
    (replaced in them, every part holding a note was copied: 380 MiB more at a million invoices, then 110
    MiB); the messages are joined to their notes in arrow, and only those too long are cut one by one."""
    note_of = np.full(n, -1, dtype=np.int64)
    note_of[at] = np.arange(len(at))
    pieces, taken = [], []
    for rows, messages in parts:
        where = np.flatnonzero(note_of[rows] >= 0)
        if len(where):
            pieces.append(arrow_text(messages.take(pa.array(where)), pa.large_string()))
            taken.append(note_of[rows[where]])
    position = np.empty(len(at), dtype=np.int64)  # where each note's message stands among the pieces
    position[np.concatenate(taken)] = np.arange(len(at))
    texts = pc.fill_null(pa.concat_arrays(pieces).take(pa.array(position)), "")
    said = pc.binary_join_element_wise(texts, arrow_text(notes, pa.large_string()), pa.scalar("", pa.large_string()))
    long = np.flatnonzero(pc.greater(pc.utf8_length(said), msg.MESSAGE_MAX).to_numpy(zero_copy_only=False))
    if len(long):
        said = _replace(said, long, [msg.cut_keeping_notes(m) for m in _pylist(said, long)])
    return [(at, said)]


def _in_input_order(parts: list[tuple[np.ndarray, pa.Array]], manual: np.ndarray, n: int) -> tuple[pa.Array, pa.Array]:
    """Every invoice's message from ``parts``, (rows, messages) that together
    hold every row of ``n`` once, in input order, or a row again in a later
    part, which it is then taken from (:func:`_noted`); and the messages of the ``manual``
    rows (ascending) alone, taken from the first in order: reading it front
    to back costs less than picking from the parts again (arrow's take of
    long texts is mostly copying, and the copy is fresh memory). The parts
    are taken from as chunks, not joined into one array first: that would be
    one more copy of every message. ``parts`` is emptied before the manual
    rows are taken: memory the messages held is free again for them."""
    where = np.empty(n, dtype=np.int64)
    at = 0
    for rows, _ in parts:  # every row is posted or has a reason; a later part's row taken from it
        where[rows] = np.arange(at, at + len(rows))
        at += len(rows)
    taken = pa.chunked_array([messages for _, messages in parts], pa.large_string()).take(pa.array(where))
    parts.clear()
    message = taken.chunk(0) if taken.num_chunks == 1 else taken.combine_chunks()
    del taken
    return message, message.take(pa.array(manual))


def _pylist(values: pa.Array, rows: np.ndarray) -> np.ndarray:
    return np.asarray(values.take(pa.array(rows)).to_pylist(), dtype=object)


def _replace(values: pa.Array, rows: np.ndarray, texts) -> pa.Array:
    """``values`` with the texts at ``rows`` (ascending) replaced."""
    mask = np.zeros(len(values), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(values, pa.array(mask), arrow_text(texts))


def posting_dates(start: np.ndarray, end: np.ndarray, run_date: dt.date, supplementary_end: str) -> np.ndarray:
    """The posting date (``Bogføringsdato``) of each posting line: the run
    date, except in the supplementary period (run date on or before the
    ``MM-DD`` of ``supplementary_end`` in its year) for an invoice whose whole
    period lies in the previous calendar year: then 31 December of that year."""
    out = np.full(len(start), np.datetime64(run_date, "D"))
    if supplementary_end and len(start):
        month, day = (int(x) for x in supplementary_end.split("-"))
        if (run_date.month, run_date.day) <= (month, day):
            first = np.datetime64(dt.date(run_date.year - 1, 1, 1), "D")
            last = np.datetime64(dt.date(run_date.year - 1, 12, 31), "D")
            out[(start >= first) & (end <= last)] = last
    return out


def _explain_candidates(inv, gr, i, g, supplier_ok, covers, fixed, expected, amount_ok, amount, g_start, g_end):
    stage = np.full(len(i), "", dtype=object)
    for mask, code in (
        (~supplier_ok, "NO_GRANT_FOR_SUPPLIER"),
        (supplier_ok & ~covers, "PERIOD_NOT_COVERED"),
        (covers & ~fixed, "NO_FIXED_RATE"),
        (fixed & ~amount_ok, "AMOUNT_MISMATCH"),
    ):
        stage[mask & (stage == "")] = code
    return pd.DataFrame(
        {
            "row": inv["row"].to_numpy()[i],
            "invoice_id": inv["invoice_id"].to_numpy(dtype=object)[i],
            "grant_id": _shown(gr["grant_id"]).take(pa.array(g)).to_numpy(zero_copy_only=False),
            "service_code": _shown(gr["service_code"]).take(pa.array(g)).to_numpy(zero_copy_only=False),
            "grant_supplier_cvr": gr["supplier_cvr"].to_numpy(dtype=object)[g],
            "start_date": g_start,
            "end_date": g_end,
            # numbers: the explanation formats them as people read them (a rate in DKK: it may have
            # four decimals; the amounts in whole øre)
            "rate": gr["rate"].to_numpy()[g] / MONEY_SCALE,
            "rate_unit": gr["rate_unit"].to_numpy(dtype=object)[g],
            "supplier_ok": supplier_ok,
            "covers": covers,
            "fixed_rate": fixed,
            "expected_amount_ore": ore_array(expected, expected >= 0),  # none: blank
            "invoiced_amount_ore": ore_array(amount[i]),
            "amount_ok": amount_ok,
            "excluded_at": stage,
        }
    )


__all__ = [
    "Checked",
    "Decisions",
    "History",
    "check_batch",
    "decide",
    "decide_checked",
    "final_reasons",
    "rule_reasons",
]  # History re-exported: it was defined here
