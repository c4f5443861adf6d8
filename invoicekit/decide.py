"""Deciding a batch of invoices: the 21 ordered checks of the robot spec as
whole-column operations.

The first check that fails gives the reason. Checks 1-9 look at the invoice
alone, 10 at earlier invoices, 11-16 exclude candidate grants (CPR, supplier,
period, fixed rate, amount) until one is left, 17 codes it from the support
sheet, 18-20 apply the business rules and 21 looks for an earlier payment of
the same grant for an overlapping period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit import messages as msg
from invoicekit.amounts import HOUR, expected_amounts
from invoicekit.columns import DECISION_COLUMNS
from invoicekit.extracts import (
    Problems,
    SupportSheet,
    prepare_grants,
    prepare_invoices,
    prepare_support_sheet,
)
from invoicekit.parsing import date_dk, format_date_dk, format_money, format_money_dk, format_money_one
from invoicekit.reasons import CHECK_NUMBER, MANUAL, PASSED_BASIC_CHECKS, POSTED, REASONS
from invoicekit.rules import Rules

NO_GRANT_POS = -1


@dataclass(frozen=True)
class History:
    """What earlier runs (the journal) tell a new run.

    ``seen``: invoices that passed checks 1-9 before (``supplier_cvr``,
    ``invoice_id``, ``run_id``, ``started_at``). ``paid``: posted invoices
    (``grant_id``, ``period_start``, ``period_end``, ``invoice_id``,
    ``run_id``, ``started_at``).
    """

    seen: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["supplier_cvr", "invoice_id", "run_id", "started_at"])
    )
    paid: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {
                "grant_id": pd.Series(dtype=object),
                "period_start": pd.Series(dtype="datetime64[s]"),
                "period_end": pd.Series(dtype="datetime64[s]"),
                "invoice_id": pd.Series(dtype=object),
                "run_id": pd.Series(dtype="int64"),
                "started_at": pd.Series(dtype=object),
            }
        )
    )


def extend_history(history: History, decisions: pd.DataFrame, run_id: int, started_at: str) -> History:
    """``history`` plus one more run's decisions, as the journal would record
    them: for replaying months in memory (tuning, evaluation) without a
    journal file."""
    passed = ((decisions["status"] == POSTED) | decisions["reason"].isin(PASSED_BASIC_CHECKS)).to_numpy()
    seen = pd.DataFrame(
        {
            "supplier_cvr": decisions["supplier_cvr"].to_numpy(dtype=object)[passed],
            "invoice_id": decisions["invoice_id"].to_numpy(dtype=object)[passed],
            "run_id": run_id,
            "started_at": started_at,
        }
    )
    posted = (decisions["status"] == POSTED).to_numpy()
    paid = pd.DataFrame(
        {
            "grant_id": decisions["grant_id"].to_numpy(dtype=object)[posted],
            "period_start": decisions["period_start"].to_numpy(dtype="datetime64[s]")[posted],
            "period_end": decisions["period_end"].to_numpy(dtype="datetime64[s]")[posted],
            "invoice_id": decisions["invoice_id"].to_numpy(dtype=object)[posted],
            "run_id": np.full(int(posted.sum()), run_id, dtype=np.int64),
            "started_at": started_at,
        }
    )
    return History(
        seen=pd.concat([history.seen, seen], ignore_index=True) if len(history.seen) else seen,
        paid=pd.concat([history.paid, paid], ignore_index=True) if len(history.paid) else paid,
    )


@dataclass
class Decisions:
    """The result of deciding a batch.

    - ``decisions``: one row per invoice, in input order: the columns of
      ``decisions.csv`` plus ``period_start``, ``period_end``,
      ``service_code`` and ``check`` (the number of the failed check, 0 when
      posted). CPR numbers masked.
    - ``postings``: the posted invoices with what OPUS needs, full CPR
      included (``cpr``); see :func:`invoicekit.post.opus_postings`.
    - ``candidates`` (with ``explain=True``): every grant with the invoice's
      CPR, and how far it got (``supplier_ok``, ``covers``, ``fixed_rate``,
      ``expected_amount``, ``amount_ok``, ``excluded_at``).
    - ``coding_candidates`` (with ``explain=True``): the coding rows
      considered for each invoice whose grant was found.
    - ``problems``: grant and support-sheet rows left out.
    """

    decisions: pd.DataFrame
    postings: pd.DataFrame
    problems: pd.DataFrame
    candidates: pd.DataFrame | None = None
    coding_candidates: pd.DataFrame | None = None

    @property
    def automation_rate(self) -> float:
        n = len(self.decisions)
        return float((self.decisions["status"] == POSTED).sum() / n) if n else 0.0


def decide(
    invoices: pd.DataFrame,
    grants: pd.DataFrame,
    support: SupportSheet | dict[str, pd.DataFrame],
    rules: Rules | None = None,
    history: History | None = None,
    explain: bool = False,
) -> Decisions:
    """Decide every invoice: posted, or manual with a reason and a Danish message.

    DataFrames in (typed by the ``read_*`` functions, or raw tables with
    canonical or Danish headers), a :class:`Decisions` out. ``history`` holds
    what the journal knows of earlier runs; without it, only this batch counts.
    """
    rules = rules or Rules()
    history = history or History()
    problems = Problems()
    inv = prepare_invoices(invoices)
    gr = prepare_grants(grants, problems=problems)
    sheet = prepare_support_sheet(support, problems=problems)
    n = len(inv)
    state = _State(n)
    detail = np.full(n, "", dtype=object)

    # ------------------------------------------------ 1-9: the invoice alone
    state.fail("MISSING_INVOICE_ID", (inv["invoice_id"] == "").to_numpy())
    state.fail("INVALID_CPR", inv["cpr_invalid"].to_numpy())
    count = inv["cpr_count"].to_numpy()
    state.fail("MULTIPLE_CPR", count > 1)
    state.fail("MISSING_CPR", count == 0)
    state.fail("INVALID_CVR", ~inv["cvr_valid"].to_numpy())
    start = inv["period_start"].to_numpy(dtype="datetime64[D]")
    end = inv["period_end"].to_numpy(dtype="datetime64[D]")
    state.fail("MISSING_PERIOD", np.isnat(start) | np.isnat(end))
    state.fail("INVALID_PERIOD", end < start)
    state.fail("INVALID_AMOUNT", ~inv["amount_ok"].to_numpy())
    amount = inv["amount"].to_numpy()
    state.fail("CREDIT_NOTE", amount <= 0)

    # ------------------------------------------------ 10: duplicates
    _check_duplicates(inv, history, state, detail)

    # ------------------------------------------------ 11-16: exclude grants
    alive = np.flatnonzero(state.open)
    pairs = _candidate_pairs(inv, gr, alive)
    g_rate = gr["rate"].to_numpy()
    g_unit = gr["unit_code"].to_numpy()
    i, g = pairs["i"].to_numpy(), pairs["g"].to_numpy()
    supplier_ok = gr["cvr_key"].to_numpy()[g] == inv["cvr_key"].to_numpy()[i]
    g_start = gr["start_date"].to_numpy(dtype="datetime64[D]")[g]
    g_end = gr["end_date"].to_numpy(dtype="datetime64[D]")[g]
    covers = supplier_ok & (g_start <= start[i]) & (np.isnat(g_end) | (g_end >= end[i]))
    fixed = covers & (g_unit[g] != HOUR)
    expected = np.full(len(i), -1, dtype=np.int64)
    if fixed.any():
        expected[fixed] = expected_amounts(g_rate[g[fixed]], g_unit[g[fixed]], start[i[fixed]], end[i[fixed]])
    diff = np.where(fixed, np.abs(amount[i] - expected), np.iinfo(np.int64).max)
    amount_ok = fixed & (diff <= rules.tolerance_units)

    def per_invoice(mask: np.ndarray) -> np.ndarray:
        return np.bincount(i, weights=mask, minlength=n).astype(np.int64) if len(i) else np.zeros(n, np.int64)

    n_cpr = per_invoice(np.ones(len(i), dtype=bool))
    n_sup, n_cov, n_fixed, n_ok = (per_invoice(m) for m in (supplier_ok, covers, fixed, amount_ok))
    state.fail("NO_GRANT", n_cpr == 0)
    state.fail("NO_GRANT_FOR_SUPPLIER", n_sup == 0)
    state.fail("PERIOD_NOT_COVERED", n_cov == 0)
    state.fail("NO_FIXED_RATE", n_fixed == 0)
    state.fail("AMOUNT_MISMATCH", n_ok == 0)
    state.fail("AMBIGUOUS", n_ok > 1)

    grant_pos = np.full(n, NO_GRANT_POS, dtype=np.int64)
    exp_out = np.full(n, -1, dtype=np.int64)
    # the one grant left
    single = amount_ok & (n_ok[i] == 1)
    grant_pos[i[single]] = g[single]
    exp_out[i[single]] = expected[single]
    # the closest expected amount, for AMOUNT_MISMATCH
    mismatch = state.reason == CHECK_NUMBER["AMOUNT_MISMATCH"]
    closest = _closest(i, g, diff, expected, fixed & mismatch[i])
    exp_out[closest[:, 0]] = expected[closest[:, 2]]
    closest_grant = np.full(n, NO_GRANT_POS, dtype=np.int64)
    closest_grant[closest[:, 0]] = closest[:, 1]

    _candidate_details(state, detail, gr, i, g, supplier_ok, covers, fixed, amount_ok, n_cpr)

    # ------------------------------------------------ 17: coding
    coded = _code(inv, gr, sheet, state, grant_pos, start, detail, explain)

    # ------------------------------------------------ 18-20: business rules
    inv_cvr = inv["supplier_cvr"].to_numpy(dtype=object)
    state.fail("SUPPLIER_EXCLUDED", pd.Series(inv_cvr, dtype=object).isin(set(rules.excluded_suppliers)).to_numpy())
    paragraph = coded["paragraph"]
    excluded_paragraph = ~pd.Series(paragraph, dtype=object).isin(set(rules.paragraphs)).to_numpy()
    detail[state.open & excluded_paragraph] = ", ".join(f"§ {p}" for p in rules.paragraphs) or "ingen"
    state.fail("PARAGRAPH_EXCLUDED", excluded_paragraph)
    above = amount > rules.max_amount_units
    detail[state.open & above] = f"{format_money_one(rules.max_amount_units)} kr."
    state.fail("AMOUNT_ABOVE_LIMIT", above)

    # ------------------------------------------------ 21: already paid
    _check_already_paid(inv, gr, history, state, grant_pos, start, end, detail)

    decisions, postings = _assemble(
        inv, gr, state, grant_pos, closest_grant, exp_out, coded, detail, n_ok, n_fixed, start, end
    )
    result = Decisions(decisions=decisions, postings=postings, problems=problems.frame())
    if explain:
        result.candidates = _explain_candidates(
            inv, gr, pairs, supplier_ok, covers, fixed, expected, amount_ok, amount, g_start, g_end
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


def _check_duplicates(inv: pd.DataFrame, history: History, state: _State, detail: np.ndarray) -> None:
    """Check 10, on integer keys: (supplier CVR, invoice number code)."""
    alive = np.flatnonzero(state.open)
    dup = np.zeros(len(inv), dtype=bool)
    codes, uniques = pd.factorize(inv["invoice_id"].to_numpy(dtype=object)[alive])
    cvr = inv["cvr_key"].to_numpy()[alive]
    width = max(len(uniques), 1)
    key = cvr * width + codes
    if len(history.seen):
        seen = history.seen.drop_duplicates(["supplier_cvr", "invoice_id"], keep="first")
        seen_code = pd.Index(uniques).get_indexer(seen["invoice_id"].astype(object))
        seen_cvr = pd.to_numeric(seen["supplier_cvr"], errors="coerce").fillna(-1).astype(np.int64).to_numpy()
        known = (seen_code >= 0) & (seen_cvr >= 0)
        seen_key = pd.Series(
            np.arange(len(seen))[known], index=seen_cvr[known] * width + seen_code[known], dtype=np.int64
        )
        hit = seen_key.reindex(key).to_numpy()
        found = np.flatnonzero(~np.isnan(hit))
        if len(found):
            at = hit[found].astype(np.int64)
            run_ids = seen["run_id"].to_numpy()[at]
            dates = seen["started_at"].astype(str).str.slice(0, 10).to_numpy(dtype=object)[at]
            dup[alive[found]] = True
            detail[alive[found]] = [
                msg.DUPLICATE_IN_JOURNAL.format(run_id=r, date=d) for r, d in zip(run_ids, dates, strict=True)
            ]
    key_series = pd.Series(key)
    in_run = key_series.duplicated(keep="first").to_numpy()
    if in_run.any():
        first = pd.Series(np.arange(len(key))).groupby(key, sort=False).transform("first").to_numpy()
        rows = inv["row"].to_numpy()
        for k in np.flatnonzero(in_run):
            pos = alive[k]
            if not dup[pos]:
                detail[pos] = msg.DUPLICATE_IN_RUN.format(row=rows[alive[first[k]]])
        dup[alive[in_run]] = True
    state.fail("DUPLICATE_INVOICE", dup)


def _candidate_pairs(inv: pd.DataFrame, gr: pd.DataFrame, alive: np.ndarray) -> pd.DataFrame:
    """(invoice position, grant position) for every grant with the invoice's
    CPR, ordered by invoice then grant: a sorted search, not a hash join."""
    if len(alive) == 0 or len(gr) == 0:
        return pd.DataFrame({"i": np.empty(0, np.int64), "g": np.empty(0, np.int64)})
    g_key = gr["cpr_key"].to_numpy()
    order = np.argsort(g_key, kind="stable")
    sorted_key = g_key[order]
    key = inv["cpr_key"].to_numpy()[alive]
    lo = np.searchsorted(sorted_key, key, side="left")
    count = np.searchsorted(sorted_key, key, side="right") - lo
    i = np.repeat(alive, count)
    within = np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    g = order[np.repeat(lo, count) + within]
    return pd.DataFrame({"i": i, "g": g.astype(np.int64)})


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


def _join_per_invoice(i: np.ndarray, labels: list[str], n: int) -> np.ndarray:
    """``"; "``-join the labels of each invoice (``i`` sorted ascending)."""
    out = np.full(n, "", dtype=object)
    if len(i) == 0:
        return out
    bounds = np.flatnonzero(np.diff(i)) + 1
    starts = np.concatenate(([0], bounds)).tolist()
    stops = [*bounds.tolist(), len(i)]
    out[i[starts]] = ["; ".join(labels[a:b]) for a, b in zip(starts, stops, strict=True)]
    return out


def _candidate_details(state, detail, gr, i, g, supplier_ok, covers, fixed, amount_ok, n_cpr) -> None:
    """What the message of reasons 12, 13, 14 and 16 lists: the grants still
    in play when the invoice dropped out. ``i`` is sorted ascending."""
    reason = state.reason
    n = len(reason)
    wanted = {
        "NO_GRANT_FOR_SUPPLIER": np.ones(len(i), dtype=bool),
        "PERIOD_NOT_COVERED": supplier_ok,
        "NO_FIXED_RATE": covers,
        "AMBIGUOUS": amount_ok,
    }
    for code, pair_mask in wanted.items():
        rows_mask = reason == CHECK_NUMBER[code]
        if not rows_mask.any():
            continue
        sel = pair_mask & rows_mask[i]
        gs = g[sel]
        grant_id = gr["grant_id"].take(gs).reset_index(drop=True)
        if code == "NO_GRANT_FOR_SUPPLIER":
            cvr = gr["supplier_cvr"].take(gs).reset_index(drop=True)
            labels = "CVR " + cvr + " (bevilling " + grant_id + ")"
        elif code == "PERIOD_NOT_COVERED":
            e = gr["end_date"].to_numpy(dtype="datetime64[D]")[gs]
            until = format_date_dk(e).where(~np.isnat(e), "løbende")
            labels = (
                grant_id + ": " + format_date_dk(gr["start_date"].to_numpy(dtype="datetime64[D]")[gs]) + "–" + until
            )
        else:
            labels = grant_id
        joined = _join_per_invoice(i[sel], labels.astype(str).tolist(), n)
        detail[rows_mask] = joined[rows_mask]


def _grant_coding_keys(gr: pd.DataFrame, sheet: SupportSheet) -> pd.DataFrame:
    """Per grant: paragraph, target group and ownership from the support sheet
    (NaN where missing) and ``group``, the index of its (paragraph, ownership,
    target group) among the coding rows' keys (-1 where there is none)."""
    g = pd.DataFrame(
        {
            "service_key": gr["service_code"].astype(str).str.strip().str.casefold().to_numpy(dtype=object),
            "supplier_cvr": gr["supplier_cvr"].to_numpy(dtype=object),
        }
    )
    g = g.merge(
        sheet.services[["service_key", "paragraph", "target_group", "target_key"]], on="service_key", how="left"
    )
    g = g.merge(sheet.suppliers[["supplier_cvr", "ownership"]], on="supplier_cvr", how="left")
    coding_keys = pd.MultiIndex.from_frame(sheet.coding[["paragraph", "ownership", "target_key"]].astype(object))
    groups = coding_keys.unique()
    grant_keys = pd.MultiIndex.from_frame(g[["paragraph", "ownership", "target_key"]].astype(object))
    g["group"] = groups.get_indexer(grant_keys) if len(groups) else -1
    sheet_group = groups.get_indexer(coding_keys) if len(groups) else np.empty(0, np.int64)
    g.attrs["coding_group"] = sheet_group
    return g


def _code(inv, gr, sheet: SupportSheet, state: _State, grant_pos, start, detail, explain: bool = False) -> dict:
    """Check 17: the one grant's service, supplier and (paragraph, ownership,
    target group) must give exactly one coding row valid on period_start."""
    n = len(inv)
    paragraph = np.full(n, "", dtype=object)
    psp = np.full(n, "", dtype=object)
    art = np.full(n, "", dtype=object)
    found = np.flatnonzero(grant_pos >= 0)
    considered_columns = ["row", "coding_row", "psp_element", "art", "valid_from", "valid_to", "valid"]
    if len(found) == 0:
        return {
            "paragraph": paragraph,
            "psp_element": psp,
            "art": art,
            "considered": pd.DataFrame(columns=considered_columns),
        }
    keys = _grant_coding_keys(gr, sheet)
    gp = grant_pos[found]
    has_service = keys["paragraph"].notna().to_numpy()[gp]
    has_supplier = keys["ownership"].notna().to_numpy()[gp]
    paragraph[found[has_service]] = keys["paragraph"].to_numpy(dtype=object)[gp][has_service]

    coding = sheet.coding
    w = pd.DataFrame({"pos": found, "group": keys["group"].to_numpy()[gp]})
    c = pd.DataFrame({"group": keys.attrs["coding_group"], "c": np.arange(len(coding))})
    m = w[w["group"].to_numpy() >= 0].merge(c, on="group", how="inner", sort=False)
    mpos, mc = m["pos"].to_numpy(), m["c"].to_numpy()
    s = start[mpos]
    vf = coding["valid_from"].to_numpy(dtype="datetime64[D]")[mc]
    vt = coding["valid_to"].to_numpy(dtype="datetime64[D]")[mc]
    valid = (vf <= s) & (np.isnat(vt) | (vt >= s))
    counts = np.bincount(mpos[valid], minlength=n)
    one = valid & (counts[mpos] == 1)
    psp[mpos[one]] = coding["psp_element"].to_numpy(dtype=object)[mc[one]]
    art[mpos[one]] = coding["art"].to_numpy(dtype=object)[mc[one]]

    fails = np.zeros(n, dtype=bool)
    fails[found] = True
    fails[mpos[one]] = False
    open_fail = fails & state.open
    svc_names = gr["service_code"].to_numpy(dtype=object)
    cvrs = gr["supplier_cvr"].to_numpy(dtype=object)
    k_par = keys["paragraph"].to_numpy(dtype=object)
    k_own = keys["ownership"].to_numpy(dtype=object)
    k_tg = keys["target_group"].to_numpy(dtype=object)
    for k in np.flatnonzero(open_fail[found]):
        p, g = found[k], gp[k]
        if not has_service[k]:
            detail[p] = msg.CODING_SERVICE_MISSING.format(service=svc_names[g])
        elif not has_supplier[k]:
            detail[p] = msg.CODING_SUPPLIER_MISSING.format(cvr=cvrs[g])
        else:
            template = msg.CODING_NO_ROW if counts[p] == 0 else msg.CODING_MANY_ROWS
            detail[p] = template.format(
                n=counts[p], paragraph=k_par[g], ownership=k_own[g], target=k_tg[g], date=date_dk(start[p])
            )
    state.fail("NO_CODING", fails)
    if not explain:
        return {"paragraph": paragraph, "psp_element": psp, "art": art, "considered": None}
    considered = pd.DataFrame(
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
    return {"paragraph": paragraph, "psp_element": psp, "art": art, "considered": considered}


def _check_already_paid(inv, gr, history: History, state: _State, grant_pos, start, end, detail) -> None:
    """Check 21, in input order: a grant is paid once for any stretch of days."""
    n = len(inv)
    candidates = np.flatnonzero(state.open & (grant_pos >= 0))
    paid = np.zeros(n, dtype=bool)
    grant_ids = gr["grant_id"].to_numpy(dtype=object)
    invoice_ids = inv["invoice_id"].to_numpy(dtype=object)
    if len(candidates) and len(history.paid):
        c = pd.DataFrame({"pos": candidates, "grant_id": grant_ids[grant_pos[candidates]]})
        h = history.paid
        m = c.merge(h, on="grant_id", how="inner", sort=False)
        hs = m["period_start"].to_numpy(dtype="datetime64[D]")
        he = m["period_end"].to_numpy(dtype="datetime64[D]")
        p = m["pos"].to_numpy()
        overlap = (hs <= end[p]) & (he >= start[p])
        hit = m[overlap].drop_duplicates("pos", keep="first")
        for pos, inv_id, s, e, run_id, started in zip(
            hit["pos"],
            hit["invoice_id"],
            hit["period_start"],
            hit["period_end"],
            hit["run_id"],
            hit["started_at"],
            strict=True,
        ):
            paid[pos] = True
            detail[pos] = msg.PAID_IN_JOURNAL.format(
                invoice_id=inv_id, period=f"{date_dk(s)}–{date_dk(e)}", run_id=run_id, date=str(started)[:10]
            )
    # within this run: the first invoice posts, a later overlapping one does not
    rest = candidates[~paid[candidates]]
    if len(rest) > 1:
        gp = grant_pos[rest]
        order = np.lexsort((start[rest], gp))
        sg, ss, se = gp[order], start[rest][order], end[rest][order]
        new_group = np.concatenate(([True], sg[1:] != sg[:-1]))
        # running max of period ends within each grant, before each row
        group_id = np.cumsum(new_group) - 1
        ends = se.astype(np.int64)
        run_max = pd.Series(ends).groupby(group_id).cummax().to_numpy()
        prev_max = np.where(new_group, np.iinfo(np.int64).min, np.roll(run_max, 1))
        overlapping_groups = np.unique(group_id[ss.astype(np.int64) <= prev_max])
        if len(overlapping_groups):
            in_overlap = np.isin(group_id, overlapping_groups)
            positions = rest[order][in_overlap]
            for _grant, members in pd.Series(positions).groupby(grant_pos[positions], sort=False):
                posted: list[int] = []
                for pos in sorted(members.to_numpy()):  # input order
                    clash = next((q for q in posted if start[q] <= end[pos] and end[q] >= start[pos]), None)
                    if clash is None:
                        posted.append(pos)
                    else:
                        paid[pos] = True
                        detail[pos] = msg.PAID_IN_RUN.format(
                            invoice_id=invoice_ids[clash], period=f"{date_dk(start[clash])}–{date_dk(end[clash])}"
                        )
    state.fail("ALREADY_PAID", paid)


def _obj(values) -> pd.Series:
    """A column of text kept as Python objects (no conversion)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _masked_cprs(inv: pd.DataFrame) -> np.ndarray:
    """``DDMMYY-xxxx`` for every CPR on the invoice (``;``-joined), or the
    masked invalid number."""
    count = inv["cpr_count"].to_numpy()
    birth = pc.utf8_lpad(pc.cast(pa.array(inv["cpr_key"].to_numpy() // 10_000), pa.large_string()), 6, "0")
    one = pc.binary_join_element_wise(birth, pa.scalar("-xxxx", pa.large_string()), pa.scalar("", pa.large_string()))
    out = np.asarray(one.to_numpy(zero_copy_only=False), dtype=object).copy()
    out[count != 1] = ""
    cpr_all = inv["cpr_all"].to_numpy(dtype=object)
    for k in np.flatnonzero(count > 1):
        out[k] = ";".join(f"{c[:6]}-xxxx" for c in cpr_all[k].split(";"))
    invalid = inv["cpr_invalid"].to_numpy()
    out[invalid] = inv["cpr_invalid_masked"].to_numpy(dtype=object)[invalid]
    return out


def _assemble(inv, gr, state, grant_pos, closest_grant, exp_out, coded, detail, n_ok, n_fixed, start, end):
    n = len(inv)
    reason_idx = state.reason.astype(np.int64)
    posted = reason_idx == 0
    manual = np.flatnonzero(~posted)
    has_grant = grant_pos >= 0
    grant_ids = gr["grant_id"].to_numpy(dtype=object)
    blank_last = np.where(has_grant, grant_pos, len(gr))  # index len(gr): the blank appended below
    matched_id = np.append(grant_ids, "")[blank_last]
    service = np.append(gr["service_code"].to_numpy(dtype=object), "")[blank_last]
    cpr_masked = _masked_cprs(inv)
    amount = inv["amount"].to_numpy()
    amount_text = format_money(amount).where(inv["amount_ok"].to_numpy(), "")
    expected_text = format_money(np.maximum(exp_out, 0)).where(exp_out >= 0, "")
    invoice_id = inv["invoice_id"].to_numpy(dtype=object)
    supplier_cvr = inv["supplier_cvr"].to_numpy(dtype=object)

    message = np.full(n, "", dtype=object)
    if posted.any():
        message[posted] = msg.posting_texts(service[posted], start[posted], end[posted], matched_id[posted])
    if len(manual):
        shown = np.where(has_grant, grant_pos, closest_grant)[manual]
        shown_take = np.maximum(shown, 0)
        facts = pd.DataFrame(
            {
                "invoice_id": _obj(invoice_id[manual]),
                "supplier_cvr": _obj(supplier_cvr[manual]),
                "cpr_masked": _obj(cpr_masked[manual]),
                "cpr_invalid_masked": _obj(inv["cpr_invalid_masked"].to_numpy(dtype=object)[manual]),
                "cpr_count": inv["cpr_count"].to_numpy()[manual],
                "amount": amount[manual],
                "amount_dk": _obj(format_money_dk(amount[manual])),
                "expected_dk": _obj(format_money_dk(np.maximum(exp_out[manual], 0))),
                "amount_raw": _obj(inv["amount_raw"].to_numpy(dtype=object)[manual]),
                "fields": inv["fields"].to_numpy()[manual],
                "period_start": start[manual],
                "period_end": end[manual],
                "period": _obj(
                    (format_date_dk(start[manual]) + "–" + format_date_dk(end[manual])).to_numpy(dtype=object)
                ),
                "period_unreadable": _obj(inv["period_unreadable"].to_numpy(dtype=object)[manual]),
                "expected": exp_out[manual],
                "grant_id": _obj(np.where(shown >= 0, grant_ids[shown_take] if len(gr) else "", "")),
                "rate_dk": _obj(
                    format_money_dk(gr["rate"].to_numpy()[shown_take] if len(gr) else np.zeros(len(manual), np.int64))
                ),
                "rate_unit": _obj(gr["rate_unit"].to_numpy(dtype=object)[shown_take] if len(gr) else ""),
                "n_candidates": np.where(reason_idx == CHECK_NUMBER["AMBIGUOUS"], n_ok, n_fixed)[manual],
                "detail": _obj(detail[manual]),
                "paragraph": _obj(coded["paragraph"][manual]),
                "psp_element": _obj(coded["psp_element"][manual]),
                "art": _obj(coded["art"][manual]),
            }
        )
        reasons = reason_idx[manual]
        for code, k in CHECK_NUMBER.items():
            rows = reasons == k
            if rows.any():
                message[manual[rows]] = msg.MESSAGES[code](facts[rows])
        misaligned = facts["fields"].to_numpy() > 0
        if misaligned.any():
            at = manual[misaligned]
            message[at] = msg.misaligned_prefix(facts[misaligned]) + message[at]

    decisions = pd.DataFrame(
        {
            "row": inv["row"].to_numpy(),
            "invoice_id": _obj(invoice_id),
            "supplier_cvr": _obj(supplier_cvr),
            "cpr_masked": _obj(cpr_masked),
            "amount": amount_text,
            "status": _obj(np.array([MANUAL, POSTED], dtype=object)[posted.astype(np.int8)]),
            "reason": _obj(np.array(["", *REASONS], dtype=object)[reason_idx]),
            "grant_id": _obj(matched_id),
            "expected_amount": expected_text,
            "paragraph": _obj(coded["paragraph"]),
            "psp_element": _obj(coded["psp_element"]),
            "art": _obj(coded["art"]),
            "message": _obj(message),
            "period_start": start,
            "period_end": end,
            "service_code": _obj(service),
            "check": state.reason.astype(np.int64),
        }
    )
    assert list(decisions.columns[: len(DECISION_COLUMNS)]) == list(DECISION_COLUMNS)
    postings = pd.DataFrame(
        {
            "row": inv["row"].to_numpy()[posted],
            "invoice_id": _obj(inv["invoice_id_raw"].to_numpy(dtype=object)[posted]),
            "supplier_cvr": _obj(supplier_cvr[posted]),
            "cpr": _obj(inv["cpr"].to_numpy(dtype=object)[posted]),
            "amount": amount[posted],
            "grant_id": _obj(matched_id[posted]),
            "service_code": _obj(service[posted]),
            "period_start": start[posted],
            "period_end": end[posted],
            "psp_element": _obj(coded["psp_element"][posted]),
            "art": _obj(coded["art"][posted]),
            "text": _obj(message[posted]),
        }
    )
    return decisions, postings


def _explain_candidates(inv, gr, pairs, supplier_ok, covers, fixed, expected, amount_ok, amount, g_start, g_end):
    i, g = pairs["i"].to_numpy(), pairs["g"].to_numpy()
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
            "grant_id": gr["grant_id"].to_numpy(dtype=object)[g],
            "service_code": gr["service_code"].to_numpy(dtype=object)[g],
            "grant_supplier_cvr": gr["supplier_cvr"].to_numpy(dtype=object)[g],
            "start_date": g_start,
            "end_date": g_end,
            "rate": format_money(gr["rate"].to_numpy()[g]).to_numpy(dtype=object),
            "rate_unit": gr["rate_unit"].to_numpy(dtype=object)[g],
            "supplier_ok": supplier_ok,
            "covers": covers,
            "fixed_rate": fixed,
            "expected_amount": format_money(np.maximum(expected, 0)).where(expected >= 0, "").to_numpy(dtype=object),
            "invoiced_amount": format_money(amount[i]).to_numpy(dtype=object),
            "amount_ok": amount_ok,
            "excluded_at": stage,
        }
    )


__all__ = ["Decisions", "History", "decide"]
