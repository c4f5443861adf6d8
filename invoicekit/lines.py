"""Collective invoices decided line by line (robot spec, "Collective
invoices, line by line"): which invoices are, check 3's ``LINES_MISMATCH``,
the lines laid out as rows for the decision core, and the core's results
folded back into one decision per invoice.

::

    invoices ─┐                       ┌─ plain invoice ─────────┐
              ├─ expand ─ batch rows ─┤                         ├─ core (decide) ─ fold ─ decisions (one a invoice)
    lines ────┘   (check 3)           └─ line of a collective ──┘                       ├ postings (one a posted line)
                                        invoice (post_group)                            ├ notes (one a manual invoice)
                                                                                        └ lines (decision_lines.csv)

An invoice is decided line by line when it has lines and more than one CPR
number, or none while its lines name at least one (an e-invoice always has
lines: one that names no citizen anywhere lacks a CPR, check 4).

A line row is the invoice's row with the line's CPR, amount and period (a
blank period cell: the invoice's), so checks 4-21 run on it as on an invoice,
with the invoice's number, supplier and document type. ``post_group`` tells
the core which rows post together: check 10 does not compare the lines of one
invoice with each other, and check 21 counts a line for later invoices only if
its whole invoice posts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

import invoicekit.messages as msg
from invoicekit.extracts import InvoiceLines, Invoices, Problems, cprs_in_texts, written_invoice_ids
from invoicekit.keys import value_keys
from invoicekit.parsing import (
    format_money_dk,
    holds_named,
    months_between,
    names_no_one_period,
    ore_array,
    ore_column,
    ore_units,
    ore_values,
)
from invoicekit.reasons import CHECK_NUMBER, LINES_MISMATCH, MANUAL, POSTED
from invoicekit.texts import TEXT, arrow_text
from invoicekit.vocabulary import masked_cpr

#: the columns of a line row that come from the line (the rest from its invoice)
LINE_OWN = ("cpr", "cpr_key", "cpr_count", "cpr_all", "cpr_invalid", "cpr_invalid_masked", "cpr_invalid_fault", "amount", "amount_ok",
            "amount_raw", "period_start", "period_end", "period_source", "period_unreadable", "text")  # fmt: skip


def decide_by_lines(
    invoices: Invoices, lines: InvoiceLines, core: Callable[[Invoices], Any], messages: bool = True
) -> Any:
    """Decide ``invoices`` with their ``lines``: ``core`` decides a batch of
    typed invoices (``decide`` without lines) and returns its ``Decisions``;
    the result is the same ``Decisions`` for the invoices as given, with
    ``lines`` set (one row per line of an invoice decided line by line:
    ``row`` the invoice's, ``line_no``, ``cpr_masked``, ``amount_ore``,
    ``status``, ``reason``, ``grant_id``, ``expected_amount_ore`` (whole øre),
    ``psp_element``, ``art``, and for the journal ``message``, ``paragraph``,
    ``service_code``, ``period_start``, ``period_end``, ``check``,
    ``grant_key``, ``citizen_key``, ``paragraph_key``). ``messages=False``: no texts, as the
    core was asked."""
    inv = invoices.frame
    lf = lines.frame
    plan = _Plan(inv, lf)
    problems = Problems()
    for r in lf["row"].to_numpy()[~plan.attached]:
        problems.add(lines.source, r, "invoice_id", "ingen faktura med dette nummer og CVR-nummer i regningerne")
    batch = plan.batch()
    result = core(Invoices(batch, invoices.problems))
    decisions, postings, notes, by_line = _fold(plan, result, messages)
    left_out = [p for p in (result.problems, lines.problems, problems.frame()) if len(p)]
    return replace(
        result,
        decisions=decisions,
        postings=postings,
        notes=notes,
        lines=by_line,
        problems=pd.concat(left_out, ignore_index=True) if left_out else result.problems,
    )


def _naming(inv: pd.DataFrame, rows: np.ndarray, count: np.ndarray, named: np.ndarray) -> pd.DataFrame:
    """``inv`` (a shallow copy) with the invoices ``rows`` naming the CPR
    numbers ``named`` (``count`` of them, more than one): as a cell of
    several reads, no one citizen's."""
    inv = inv.copy(deep=False)
    for name, value in (("cpr_count", count), ("cpr_all", named), ("cpr", ""), ("cpr_key", 0)):
        column = inv[name].to_numpy(dtype=object if name in ("cpr", "cpr_all") else None).copy()
        column[rows] = value[rows] if isinstance(value, np.ndarray) else value
        inv[name] = pd.Series(column, index=inv.index).astype(inv[name].dtype)
    return inv


#: the batch's column of the CPR numbers named by the lines of an invoice whose lines do not fit it
#: (``LINES_MISMATCH``), ``;``-joined: :func:`invoicekit.decide._paid_before` asks them beside the invoice's own,
#: as it asks a collective invoice's (an invoice naming its citizens in its lines alone was handed on "to post by
#: hand" with nothing said of a line's month the robot had paid: a review of 0.9.41)
LINES_CPRS = "lines_cprs"


class _Plan:
    """Which invoices are decided line by line, which fail check 3 on their
    lines (``mismatch``: the Danish detail), and the batch rows: per row the
    invoice (``src``) and the line (``lpos``, -1 for an invoice row)."""

    def __init__(self, inv: pd.DataFrame, lf: pd.DataFrame) -> None:
        n = len(inv)
        self.inv, self.lf = inv, lf
        # a line is its invoice's as check 10 compares numbers: digits alone by their value, so that 4711 in
        # the lines finds 0004711, a workbook's number cell shown with zeros (a review found the lines lost)
        numbers = pa.concat_arrays(
            [arrow_text(inv["invoice_key"], pa.large_string()), arrow_text(lf["invoice_key"], pa.large_string())]
        )
        keys = pd.MultiIndex.from_arrays(
            [
                np.concatenate([inv["cvr_key"].to_numpy(), lf["cvr_key"].to_numpy()]).astype(np.int64),
                value_keys(numbers).to_numpy(zero_copy_only=False),
            ]
        )
        codes, _ = pd.factorize(keys)
        inv_code, line_code = codes[:n], codes[n:]
        self.attached = np.isin(line_code, inv_code)
        by_code = pd.Series(np.arange(len(lf))).groupby(line_code).indices if len(lf) else {}
        has_lines = np.isin(inv_code, line_code)
        # an invoice without a CPR number is collective only when its lines name one: an
        # e-invoice always has lines, and one that names no citizen anywhere lacks a CPR
        line_names = (lf["cpr_count"].to_numpy() > 0) | lf["cpr_invalid"].to_numpy()
        lines_name_cprs = np.isin(inv_code, line_code[line_names])
        count, named = self._named(has_lines)
        # as check 3 takes an invoice up: a number, and no invalid CPR number (checks 1 and 2 come first)
        taken = (inv["invoice_id_raw"] != "").to_numpy() & ~inv["cpr_invalid"].to_numpy()
        # one citizen named, another by its lines: decided as naming them all, so never posted, and told apart
        other, on_lines, told = self._lines_name_another(inv_code, by_code, has_lines & taken, count, named)
        for i in np.flatnonzero(other).tolist():
            union = list(dict.fromkeys([named[i], *on_lines[i]]))
            # at least two: a line's number no citizen has is another's (its row never posts on the one)
            count[i], named[i] = max(len(union), 2), ";".join(union)
        more = np.flatnonzero(count != inv["cpr_count"].to_numpy())
        if len(more):
            # the invoice row itself is decided as naming them all (check 3 and the lines' CPR numbers read
            # them): never posted on the cell's one citizen, where its lines do not fit (LINES_MISMATCH; the
            # reason alone was set over a posting)
            self.inv = inv = _naming(inv, more, count, named)
        candidate = has_lines & taken & ((count > 1) | ((count == 0) & lines_name_cprs)) & ~other
        self.candidate = candidate
        cand = np.flatnonzero(candidate)
        per = [by_code[c] for c in inv_code[cand]]
        counts = np.array([len(p) for p in per], dtype=np.int64)
        pos = np.concatenate(per) if per else np.empty(0, np.int64)
        owner = np.repeat(cand, counts)
        self.mismatch = np.full(n, "", dtype=object)
        self._check_lines(cand, owner, pos)
        self.mismatch[other] = told[other]
        self.lines_cprs = self._lines_cprs(owner, pos)
        self.by_lines = candidate & (self.mismatch == "")
        n_rows = np.where(self.by_lines, np.bincount(owner, minlength=n), 1)
        self.src = np.repeat(np.arange(n), n_rows)
        self.lpos = np.full(len(self.src), -1, dtype=np.int64)
        self.lpos[self.by_lines[self.src]] = pos[self.by_lines[owner]]

    def _lines_name_another(
        self, inv_code: np.ndarray, by_code: dict, taken: np.ndarray, count: np.ndarray, named: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which invoices naming one citizen (``count``, ``named``: :meth:`_named`; ``taken``: those with lines
        that check 3 takes up) have lines that name another, the CPR numbers the lines name, and what check 3
        says of it (the Danish detail). Such an invoice is not decided as usual with its lines ignored, as the
        spec says, but goes to a caseworker (``LINES_MISMATCH``): an invoice whose CPR cell named its first
        line's citizen was posted whole on that citizen's grant, the second citizen's half with it (an attack
        on 0.9.39). Lines that name no one, or the invoice's citizen alone, leave it as it is."""
        n = len(count)
        out = np.zeros(n, dtype=bool)
        on_lines = np.empty(n, dtype=object)
        told = np.full(n, "", dtype=object)
        lf = self.lf
        line_all = lf["cpr_all"].to_numpy(dtype=object)
        line_no = lf["line_no"].to_numpy(dtype=object)
        # a number no citizen has (a mistyped CPR number) is another's as well as the invoice's citizen's (a
        # review of the first version posted it whole on the one citizen)
        line_invalid = lf["cpr_invalid"].to_numpy(dtype=bool)
        line_masked = lf["cpr_invalid_masked"].to_numpy(dtype=object)
        # the first document of its number in the extract, whose lines they are: of a number two documents share
        # (a debit note, then the faktura sent after it) the second is decided as usual, and a copy of the same
        # invoice sent again is the first's duplicate (a review: with neither, the copies were posted whole)
        first = np.zeros(n, dtype=bool)
        first[np.unique(inv_code, return_index=True)[1]] = True
        for i in np.flatnonzero((count == 1) & taken & first).tolist():
            ls = by_code[inv_code[i]]
            found = list(dict.fromkeys(c for k in ls for c in str(line_all[k]).split(";") if c))
            on_lines[i] = found
            causes = [
                msg.LINE_INVALID_CPR.format(line_no=line_no[k], masked=line_masked[k]) for k in ls if line_invalid[k]
            ]
            if any(c != named[i] for c in found):
                causes.append(
                    msg.LINES_CPRS.format(
                        lines=", ".join(masked_cpr(c) for c in sorted(found)), invoice=masked_cpr(named[i])
                    )
                )
            out[i] = bool(causes)
            told[i] = msg.causes_da(causes)
        return out, on_lines, told

    def _lines_cprs(self, owner: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Per invoice whose lines do not fit it (``mismatch``), the CPR numbers its lines name, each once,
        ``;``-joined in line order ("" for every other invoice): the batch's :data:`LINES_CPRS`."""
        out = np.full(len(self.inv), "", dtype=object)
        mismatched = self.mismatch[owner] != ""
        line_all = self.lf["cpr_all"].to_numpy(dtype=object)
        found: dict[int, dict[str, None]] = {}
        for i, k in zip(owner[mismatched].tolist(), pos[mismatched].tolist(), strict=True):
            cprs = line_all[k] if isinstance(line_all[k], str) else ""
            found.setdefault(i, {}).update(dict.fromkeys(c for c in cprs.split(";") if c))
        for i, cprs in found.items():
            out[i] = ";".join(cprs)
        return out

    def _named(self, has_lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How many distinct CPR numbers each invoice names, and which
        (``;``-joined): for an invoice with lines, those of its CPR cell and
        of its text (the spec: one is collective when "its own CPR cell and
        text give more than one distinct CPR"; with the cell's alone, a
        collective invoice whose cell named one citizen and text another was
        posted whole on the one's grant: an attack on 0.9.30); for any other
        its CPR numbers (the cell's, else the text's)."""
        inv = self.inv
        count = inv["cpr_count"].to_numpy().copy()
        named = inv["cpr_all"].to_numpy(dtype=object).copy()
        # where the cell is blank the text's numbers are the invoice's already, and read again to the same
        more = np.flatnonzero(has_lines & (count > 0) & ~inv["cpr_invalid"].to_numpy())
        if len(more):
            in_text = cprs_in_texts(inv["text"].take(more))
            for i, found in zip(more[in_text != ""].tolist(), in_text[in_text != ""], strict=True):
                union = list(dict.fromkeys([*named[i].split(";"), *found.split(";")]))
                count[i], named[i] = len(union), ";".join(union)
        return count, named

    def _check_lines(self, cand: np.ndarray, owner: np.ndarray, pos: np.ndarray) -> None:
        """Check 3 with lines: each line usable with one valid CPR, amounts
        readable and adding up exactly, the invoice's CPR numbers (if any)
        exactly the lines'. The first cause found is the detail."""
        inv, lf = self.inv, self.lf
        line_no = lf["line_no"].to_numpy(dtype=object)[pos]
        usable = lf["usable"].to_numpy()[pos]
        count = lf["cpr_count"].to_numpy()[pos]
        invalid = lf["cpr_invalid"].to_numpy()[pos]
        amount_ok = lf["amount_ok"].to_numpy()[pos]
        amount = lf["amount"].to_numpy()[pos]
        total = np.bincount(owner, weights=np.where(amount_ok, amount, 0), minlength=len(inv)).astype(np.int64)
        cpr = lf["cpr"].to_numpy(dtype=object)[pos]
        masked = lf["cpr_invalid_masked"].to_numpy(dtype=object)[pos]
        inv_amount = inv["amount"].to_numpy()
        inv_ok = inv["amount_ok"].to_numpy()
        inv_raw = inv["amount_raw"].to_numpy(dtype=object)
        cpr_all = inv["cpr_all"].to_numpy(dtype=object)
        first_of = {}
        for k, i in enumerate(owner.tolist()):
            first_of.setdefault(i, []).append(k)
        for i in cand.tolist():
            ks = first_of[i]
            # every line's cause, in line order (the first alone was named: a caseworker who had line 2 mended
            # met line 3's unreadable amount only in the next run; an attack)
            causes = []
            for k in ks:
                if not usable[k]:
                    causes.append(msg.LINE_UNUSABLE.format(line_no=line_no[k] or "uden nummer"))
                    continue
                if invalid[k]:
                    causes.append(msg.LINE_INVALID_CPR.format(line_no=line_no[k], masked=masked[k]))
                elif count[k] == 0:
                    causes.append(msg.LINE_NO_CPR.format(line_no=line_no[k]))
                elif count[k] > 1:
                    causes.append(msg.LINE_MANY_CPR.format(line_no=line_no[k], n=count[k]))
                if not amount_ok[k]:
                    causes.append(msg.LINE_AMOUNT.format(line_no=line_no[k]))
            if not inv_ok[i]:
                # convert's note says why (allowances and charges on the whole document: not the lines')
                causes.insert(0, msg.invoice_amount_cause(str(inv_raw[i])))
            what = msg.causes_da(causes)
            if not what and total[i] != inv_amount[i]:
                what = msg.LINES_SUM.format(
                    lines=format_money_dk(np.array([total[i]]))[0],
                    invoice=format_money_dk(np.array([inv_amount[i]]))[0],
                )
            if not what and cpr_all[i]:
                named = set(cpr_all[i].split(";"))
                on_lines = {cpr[k] for k in ks}
                if named != on_lines:
                    what = msg.LINES_CPRS.format(
                        lines=", ".join(masked_cpr(c) for c in sorted(on_lines)),
                        invoice=", ".join(masked_cpr(c) for c in sorted(named)),
                    )
            self.mismatch[i] = what

    def batch(self) -> pd.DataFrame:
        """The rows the core decides: each invoice as it is, or its lines."""
        at = np.flatnonzero(self.lpos >= 0)
        if not len(at):
            frame = self.inv.iloc[self.src].reset_index(drop=True)
            frame["post_group"] = self.src
            return self._with_lines_cprs(frame)
        # the line's own columns are never taken from its invoice first: an invoice of 70,000
        # lines had its whole text (32,000 characters) and its 70,000 CPR numbers copied to
        # each line, 6.8 GB before they were replaced (an attack on 0.9.21)
        own_names = [name for name in LINE_OWN if name in self.inv.columns]
        frame = self.inv.drop(columns=own_names).iloc[self.src].reset_index(drop=True)
        alone = np.flatnonzero(self.lpos < 0)  # the rows that are invoices, decided as they are
        order = np.empty(len(self.src), dtype=np.int64)
        order[alone] = np.arange(len(alone))
        order[at] = len(alone) + np.arange(len(at))
        own = self.lf.iloc[self.lpos[at]].reset_index(drop=True)
        for name in own_names:
            kind = self.inv[name].dtype
            both = pd.concat(
                [self.inv[name].iloc[self.src[alone]].astype(kind), own[name].astype(kind)], ignore_index=True
            )
            frame[name] = both.take(order).reset_index(drop=True)
        frame = frame[list(self.inv.columns)]  # in the invoice table's order, as before
        if own_names:
            # a blank period cell of the line: the invoice's (a cell that could not be read stays unread,
            # and so does one whose text says something of its period but gives none: the line's own days
            # may be part of the invoice's period)
            readable = own["period_unreadable"].to_numpy(dtype=object) == ""
            open_cell = np.isnat(own["period_start"].to_numpy()) | np.isnat(own["period_end"].to_numpy())
            texts = own["text"].to_numpy(dtype=object)
            starts = self.inv["period_start"].to_numpy()[self.src[at]].astype("datetime64[M]")
            ends = self.inv["period_end"].to_numpy()[self.src[at]].astype("datetime64[M]")
            for i in np.flatnonzero(open_cell & readable):
                text = texts[i]
                if not isinstance(text, str):
                    continue
                # nor one whose text names a month the invoice's period does not hold (``Ophold februar`` on
                # a March invoice was paid as March: an attack on 0.9.31); ``Ophold marts`` is March's
                readable[i] = not names_no_one_period(text) and holds_named(text, _months_held(starts[i], ends[i]))
            for name in ("period_start", "period_end"):
                values = frame[name].to_numpy(copy=True)
                blank = np.isnat(own[name].to_numpy()) & readable
                values[at[blank]] = self.inv[name].to_numpy()[self.src[at[blank]]]
                frame[name] = values
        frame["post_group"] = self.src
        return self._with_lines_cprs(frame)

    def _with_lines_cprs(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (the batch) with :data:`LINES_CPRS`, where an invoice's lines do not fit it."""
        if (self.lines_cprs != "").any():
            frame[LINES_CPRS] = _text(self.lines_cprs[self.src])
        return frame


def _text(values) -> pd.Series:
    return pd.Series(pd.array(np.asarray(values, dtype=object), dtype=TEXT))


def _joined(values: np.ndarray, owner: np.ndarray, n: int, same: np.ndarray | None = None) -> np.ndarray:
    """Per invoice: its lines' non-blank values, each once, ``;``-joined in line order. ``same``:
    what says two lines' values are one (a grant's or a citizen's key, blank for none), where the
    values shown may be alike for two (two grant ids that read as CPR numbers of one birth date,
    masked alike, were shown as one grant for two paid: a fuzzing of 0.9.34 against the reference)."""
    keys = same.tolist() if same is not None else [""] * len(values)
    rows = list(zip(owner.tolist(), keys, values.tolist(), strict=True))
    # a value of a line without a key is the keyed lines' of that value, where there are any
    keyed: list[set[str]] = [set() for _ in range(n)]
    for i, k, v in rows:
        if k and v:
            keyed[i].add(v)
    out: list[dict[object, str]] = [{} for _ in range(n)]  # each once, in order (a list's search was
    for i, k, v in rows:  # 25 s for one invoice's 70,000 lines)
        if v and (k or v not in keyed[i]):
            out[i].setdefault(k or ("value", v), v)
    return np.array([";".join(v.values()) for v in out], dtype=object)


def _fold(plan: _Plan, result: Any, messages: bool) -> tuple[pd.DataFrame, ...]:
    """One decision per invoice from the batch's: an invoice decided line by
    line posts when every line posted, else goes to manual with the reason
    of its first line that failed; postings only of invoices that posted."""
    d = result.decisions
    inv = plan.inv
    n = len(inv)
    src, lpos = plan.src, plan.lpos
    is_line = lpos >= 0
    line_posted = (d["status"] == POSTED).to_numpy()
    invoice_posted = np.ones(n, dtype=bool)
    invoice_posted[src[~line_posted]] = False

    first = np.unique(src, return_index=True)[1]
    out = d.iloc[first].reset_index(drop=True)
    status = out["status"].to_numpy(dtype=object).copy()
    reason = out["reason"].to_numpy(dtype=object).copy()
    check = out["check"].to_numpy().copy()
    message = out["message"].to_numpy(dtype=object).copy()

    mismatch = np.flatnonzero(plan.mismatch != "")
    reason[mismatch] = LINES_MISMATCH
    check[mismatch] = CHECK_NUMBER["MULTIPLE_CPR"]
    if messages:
        # the mismatch may name many citizens or a long line number: cut as every message is
        # and, as checks 1-8 say it, that the document is a credit note
        also = msg.also_said_of(*(inv[name].to_numpy()[mismatch] for name in ("document_type", "amount_ok", "amount")))
        # what the invoice's own row said of its number decided before (messages.also_said) is said here too,
        # never cut away: a collective invoice paid in run 1, seen again with lines that no longer fit it, was
        # handed on "to post by hand" (a review of 0.9.40's first version)
        seen = [msg.kept_notes(m) for m in message[mismatch]]
        message[mismatch] = [
            msg.cut(msg.cut_before(msg.LINES_MISMATCH.format(what=w) + a, len(b)) + b)
            for w, a, b in zip(plan.mismatch[mismatch], also, seen, strict=True)
        ]

    rows = np.flatnonzero(is_line)
    owner = src[rows]
    dl = d.iloc[rows].reset_index(drop=True)
    by = np.flatnonzero(plan.by_lines)
    line_no = plan.lf["line_no"].to_numpy(dtype=object)[lpos[rows]]
    if len(by):
        status[by] = np.where(invoice_posted[by], POSTED, MANUAL)
        failed = np.flatnonzero(~line_posted[rows])
        first_failed = {}
        others: dict[int, list[int]] = {}
        for k in failed.tolist():
            i = int(owner[k])
            if i in first_failed:
                others.setdefault(i, []).append(k)
            else:
                first_failed[i] = k
        if first_failed:
            at = np.fromiter(first_failed, dtype=np.int64, count=len(first_failed))
            ks = np.fromiter(first_failed.values(), dtype=np.int64, count=len(first_failed))
            reason[at] = dl["reason"].to_numpy(dtype=object)[ks]
            check[at] = dl["check"].to_numpy()[ks]
        texts = dl["message"].to_numpy(dtype=object)
        line_reasons = dl["reason"].to_numpy(dtype=object)
        if messages:
            # each invoice's lines' texts, in line order, gathered in one pass
            # (not looked up among all lines once per invoice: that grows
            # with the square of the number of collective invoices)
            texts_of: dict[int, list[str]] = {}
            for i, text in zip(owner.tolist(), texts.tolist(), strict=True):
                texts_of.setdefault(i, []).append(text)
            for i in by.tolist():
                if i in first_failed:
                    k = first_failed[i]
                    text = msg.LINE_FAILED.format(line_no=line_no[k], cpr=dl["cpr_masked"].iloc[k], message=texts[k])
                    if i in others:
                        text += msg.LINES_ALSO_FAILED.format(others=msg.listed_da([str(line_no[j]) for j in others[i]]))
                        # what another failed line says of a payment before is said too, never cut away: only the
                        # first line's message was shown, and a later line's month paid before went unsaid (a
                        # review of 0.9.41's first version)
                        for j in others[i]:
                            paid = texts[j] if line_reasons[j] == "ALREADY_PAID" else msg.kept_notes(texts[j]).strip()
                            if paid:
                                text += msg.LINE_PAID_NOTE.format(
                                    line_no=line_no[j], cpr=dl["cpr_masked"].iloc[j], message=paid
                                )
                else:
                    text = "; ".join(texts_of.get(i, []))
                message[i] = msg.cut_keeping_notes(text)
        # the keys that say two lines' shown values are one: the grant's, and the citizen's CPR key (check 21's
        # citizen key is the citizen, supplier and service: a citizen with two services was named twice, as two
        # citizens born the same day are; an attack on 0.9.37)
        same = {
            "grant_id": dl["grant_key"].to_numpy(dtype=object),
            "cpr_masked": plan.lf["cpr_key"].to_numpy()[lpos[rows]].astype(object),
        }
        for name in ("grant_id", "paragraph", "psp_element", "art", "service_code", "cpr_masked"):
            values = out[name].to_numpy(dtype=object).copy()
            values[by] = _joined(dl[name].to_numpy(dtype=object), owner, n, same.get(name))[by]
            out[name] = _text(values)
        # an invoice's expected amount the sum of its lines' (blank where a line has none), in whole øre
        expected = dl["expected_amount_ore"].array
        none = np.asarray(expected.isna(), dtype=bool)
        total = np.zeros(n, dtype=np.int64)
        np.add.at(total, owner, expected.to_numpy(dtype=np.int64, na_value=0))
        missing = np.bincount(owner, weights=none, minlength=n) > 0
        # a sum no int64 of øre holds (thousands of lines at the largest rate over centuries) has none,
        # rather than the wrapped-round one int64 arithmetic leaves
        approx = np.bincount(owner, weights=expected.to_numpy(dtype=np.float64, na_value=0), minlength=n)
        missing |= np.abs(approx) >= 2.0**63 * 0.99
        exp_ore, exp_known = ore_values(out["expected_amount_ore"].array)
        exp_ore[by], exp_known[by] = total[by], ~missing[by]
        out["expected_amount_ore"] = ore_column(exp_ore, exp_known)
        amount, known = ore_units(out["amount_ore"].array)
        amount[by], known[by] = inv["amount"].to_numpy()[by], inv["amount_ok"].to_numpy()[by]
        out["amount_ore"] = ore_array(amount, known)
        for name, agg in (("period_start", "min"), ("period_end", "max")):
            values = out[name].to_numpy().copy()
            values[by] = pd.Series(dl[name].to_numpy()).groupby(owner).agg(agg).reindex(by).to_numpy()
            out[name] = values
        # the lines carry what checks 10 and 21 compare later (see the journal)
        for name in ("grant_key", "citizen_key", "paragraph_key"):
            values = out[name].to_numpy(dtype=object).copy()
            values[by] = ""
            out[name] = _text(values)
    out["status"] = _text(status)
    out["reason"] = _text(reason)
    out["check"] = check.astype(np.int64)
    out["message"] = _text(message)
    out["row"] = inv["row"].to_numpy()

    posted_rows = np.flatnonzero(line_posted)
    postings = result.postings[invoice_posted[src[posted_rows]]].reset_index(drop=True)
    manual = np.flatnonzero((out["status"] != POSTED).to_numpy())
    notes = pd.DataFrame(
        {
            "row": inv["row"].to_numpy()[manual],
            "invoice_id": _text(written_invoice_ids(inv).to_numpy(dtype=object)[manual]),
            "supplier_cvr": _text(out["supplier_cvr"].to_numpy(dtype=object)[manual]),
            "message": _text(message[manual]),
        }
    )
    by_line = pd.DataFrame(
        {
            "row": inv["row"].to_numpy()[owner],
            "line_no": _text(line_no),
            "cpr_masked": dl["cpr_masked"],
            "amount_ore": dl["amount_ore"],
            "status": _text(np.where(invoice_posted[owner], POSTED, MANUAL)),
            "reason": dl["reason"],
            "grant_id": dl["grant_id"],
            "expected_amount_ore": dl["expected_amount_ore"],
            "psp_element": dl["psp_element"],
            "art": dl["art"],
            "message": dl["message"],
            "paragraph": dl["paragraph"],
            "service_code": dl["service_code"],
            "period_start": dl["period_start"],
            "period_end": dl["period_end"],
            "check": dl["check"],
            "grant_key": dl["grant_key"],
            "citizen_key": dl["citizen_key"],
            "paragraph_key": dl["paragraph_key"],
        }
    )
    return out, postings, notes, by_line


def _months_held(start: np.datetime64, end: np.datetime64) -> set[tuple[int, int]]:
    """The months ``(month, year)`` a period from the month ``start`` to the month ``end`` holds
    (:func:`~invoicekit.parsing.months_between`); none without one."""
    if np.isnat(start) or np.isnat(end) or end < start:
        return set()
    return months_between(start.astype("datetime64[D]").astype(object), end.astype("datetime64[D]").astype(object))
