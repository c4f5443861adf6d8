"""What arrives each month: the invoices, with the truth behind each, and what
Sensum shows when the robot runs.

Residential suppliers who bill in advance invoice the month itself; everyone
else invoices the month before. Each cause in :class:`~synthetic.scenario.Params`
is applied here, and every invoice carries the ``cause`` that shaped it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.amounts import expected_amounts
from invoicekit.parsing import MONEY_SCALE, ORE
from invoicekit.types.kinds import TYPES
from synthetic.world import ALWAYS, World, month_day, month_index, object_frame, yearly_rate

INVOICE_TYPES = TYPES  # the types the type mapping tells apart

EXTRAS_DA = (
    "Kørsel til og fra tilbud",
    "Medicin, egenbetaling",
    "Udflugt og aktiviteter",
    "Tandlæge, egenbetaling",
    "Særlig støtte, ekstra timer",
    "Taxa til hospital",
    "Fysioterapi",
    "Hjælpemidler",
)


def _regular_type(paragraph: np.ndarray, unit: np.ndarray) -> np.ndarray:
    return np.select(
        [
            np.isin(paragraph, ["107", "108"]) & (unit == "month"),
            np.isin(paragraph, ["107", "108"]),
            np.isin(paragraph, ["103", "104"]),
            paragraph == "STU",
        ],
        ["residential_monthly", "daily_rate", "day_offer", "stu"],
        "hourly_97",
    ).astype(object)


def pick(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Exactly ``share`` of ``n`` items (rounded at random), chosen at random:
    a month's count of each cause does not add coin-flip noise on top of the
    world's own variation."""
    count = int(np.floor(n * share + rng.random()))
    mask = np.zeros(n, bool)
    mask[rng.choice(n, min(n, count), replace=False)] = True
    return mask


def pick_kinds(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    """Exclusive kinds 0..len(shares)-1 in exact shares; ``len(shares)`` for the rest."""
    kind = np.full(n, len(shares))
    order = rng.permutation(n)
    at = 0
    for k, share in enumerate(shares):
        count = int(np.floor(n * share + rng.random()))
        kind[order[at : at + count]] = k
        at += count
    return kind


def citizen_lists(citizens: pd.Series) -> pa.LargeListArray:
    """The invoices' ``citizens`` (a list of citizens each) as one arrow list
    array, read off the lists in one pass (arrow's own conversion of Python
    lists looks at each list in turn, about thirty times slower)."""
    counts = np.fromiter(map(len, citizens), dtype=np.int64, count=len(citizens))
    flat = np.fromiter(itertools.chain.from_iterable(citizens), dtype=np.int64, count=int(counts.sum()))
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(flat))


def _resendable(prev: pd.DataFrame) -> pd.DataFrame:
    """Last month's invoices a supplier may credit or send a reminder for."""
    return prev[(prev["amount"] > 0) & (prev["invoice_type"] != "duplicate") & (prev["keying"] == "")]


class Months:
    """Walks the world month by month; keeps what carries over (invoice
    numbers, last month's invoices for credit notes and reminders)."""

    def __init__(self, world: World, rng: np.random.Generator) -> None:
        self.w = world
        self.rng = rng
        self.p = world.params
        ep = world.episodes
        sup = world.suppliers
        self.sup_of = ep["supplier"].to_numpy()
        self.advance = sup["advance"].to_numpy()[self.sup_of] & (ep["kind"].to_numpy() == "residential")
        self.next_no = rng.integers(1000, 60000, len(sup))
        self.prev: pd.DataFrame | None = None
        self.carry: list[pd.DataFrame] = []
        seg = world.segments
        self.seg_index = pd.Series(np.arange(len(seg)), index=pd.MultiIndex.from_arrays([seg["episode"], seg["year"]]))
        self.change_year = int(world.coding.loc[world.coding["valid_to"] == "", "valid_from"].iloc[0][:4])
        c = world.coding
        # the true coding by (paragraph, ownership, target group, the new scheme)
        self.coding_key = pd.MultiIndex.from_arrays(
            [
                c["paragraph"].to_numpy(object),
                c["ownership"].to_numpy(object),
                c["target_group"].to_numpy(object),
                (c["valid_to"] == "").to_numpy(),
            ]
        )
        self.coding_psp = c["psp_element"].to_numpy(object)
        self.coding_art = c["art"].to_numpy(object)

    # --- helpers ---------------------------------------------------------------
    def segment_of(self, episodes: np.ndarray, days: np.ndarray) -> np.ndarray:
        years = np.asarray(days, dtype="datetime64[Y]").astype(np.int64) + 1970
        return self.seg_index.reindex(pd.MultiIndex.from_arrays([episodes, years])).to_numpy()

    def true_coding(self, episodes: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ep = self.w.episodes
        sup = self.w.suppliers
        para = ep["paragraph"].to_numpy()[episodes]
        own = sup["ownership"].to_numpy()[self.sup_of[episodes]]
        tg = self.w.citizens["target_group"].to_numpy()[ep["citizen"].to_numpy()[episodes]]
        new = np.asarray(days, dtype="datetime64[Y]").astype(np.int64) + 1970 >= self.change_year
        at = self.coding_key.get_indexer(pd.MultiIndex.from_arrays([para, own, tg, new]))
        if (at < 0).any():
            raise KeyError(f"no true coding for {len(np.flatnonzero(at < 0))} invoices")
        return self.coding_psp[at], self.coding_art[at]

    # --- one month ----------------------------------------------------------------
    def invoices(self, k: int) -> pd.DataFrame:
        """The invoices received in month ``k`` (internal columns; see
        :func:`synthetic.write.render_month` for the extract layout)."""
        w, rng = self.w, self.rng
        ep = w.episodes
        sm = w.start_month
        b = np.where(self.advance, k, k - 1)
        mstart = month_day(sm, b)
        mend = month_day(sm, b + 1) - np.timedelta64(1, "D")
        start = ep["start"].to_numpy().astype("datetime64[D]")
        real_end = ep["real_end"].to_numpy().astype("datetime64[D]")
        ended = ~np.isnat(real_end)
        active = (start <= mend) & (~ended | (real_end >= mstart))
        unplanned = ep["unplanned_end"].to_numpy()
        sup = w.suppliers
        no_prorate = sup["no_proration"].to_numpy()[self.sup_of]

        idx = np.flatnonzero(active)
        ps = np.maximum(start[idx], mstart[idx])
        knows_end = ~(self.advance[idx] & unplanned[idx])
        pe = np.where(ended[idx] & knows_end & (real_end[idx] < mend[idx]), real_end[idx], mend[idx])
        whole = no_prorate[idx] & ((ps != mstart[idx]) | (pe != mend[idx]))
        ps = np.where(no_prorate[idx], mstart[idx], ps)
        pe = np.where(no_prorate[idx], mend[idx], pe)
        regular = self._amounts(idx, ps, pe, types=None)
        regular["cause"] = np.where(whole, "whole_month_billed", "regular")
        regular["should_pay"] = ~whole

        # the month after an unplanned end: a bill sent in ignorance, and credit notes
        end_m = np.where(ended, month_index(sm, np.where(ended, real_end, mstart)), -99)
        after = np.flatnonzero(self.advance & unplanned & (end_m == b - 1) & sup["late_notice"].to_numpy()[self.sup_of])
        late = self._amounts(after, mstart[after], mend[after], types=None, rate_day=real_end[after])
        late["cause"] = "billed_after_end"
        late["should_pay"] = False
        late["true_grant_id"] = ""
        late["true_psp_element"] = ""
        late["true_art"] = ""

        cred = np.flatnonzero(self.advance & unplanned & (end_m == b - 1))
        lm_start = month_day(sm, b[cred] - 1)
        lm_end = month_day(sm, b[cred]) - np.timedelta64(1, "D")
        partial = real_end[cred] < lm_end
        cred = cred[partial]
        credit = self._amounts(cred, lm_start[partial], lm_end[partial], types=None)
        kept = self._amounts(cred, lm_start[partial], real_end[cred], types=None)
        credit["amount"] = -(credit["amount"].to_numpy() - kept["amount"].to_numpy())
        credit["period_start"] = real_end[cred] + np.timedelta64(1, "D")
        credit["invoice_type"] = "credit_note"
        credit["cause"] = "credit_after_end"
        back = np.flatnonzero(self.advance & unplanned & (end_m == b - 2) & sup["late_notice"].to_numpy()[self.sup_of])
        credit_late = self._amounts(
            back,
            month_day(sm, b[back] - 1),
            month_day(sm, b[back]) - np.timedelta64(1, "D"),
            types=None,
            rate_day=real_end[back],
        )
        credit_late["amount"] = -credit_late["amount"].to_numpy()
        credit_late["invoice_type"] = "credit_note"
        credit_late["cause"] = "credit_of_bill_after_end"
        credit_late["true_grant_id"] = ""  # it credits a bill no grant explains; booked on that bill's coding

        regular = self._modifiers(regular)
        extras = self._extras(regular)
        backpay = self._back_payments(regular)
        regular = self._collective(regular, k)
        # a grant registered under the wrong service: nothing on the invoice shows it
        silent = (w.episodes["wrong_service"].to_numpy()[regular["episode"].to_numpy()] >= 0) & (
            regular["cause"] != "collective"
        )
        regular.loc[silent, "cause"] = (regular.loc[silent, "cause"] + "+wrong_service_in_sensum").str.removeprefix(
            "regular+"
        )
        frames = [regular, late, credit, credit_late, extras, backpay]
        if self.prev is not None:
            resendable = _resendable(self.prev)  # once for both
            frames += [self._corrections(resendable), self._reminders(resendable)]
        month = pd.concat([f for f in frames if len(f)], ignore_index=True)
        month["k"] = k
        month["day"] = rng.integers(0, 26, len(month))
        month = self._numbers(month, k)
        dups = self._duplicates(month)
        carried, self.carry = self.carry, []
        nxt = dups["day"].to_numpy() >= 28
        self.carry.append(dups[nxt].assign(day=lambda d: d["day"] - 28, k=k + 1))
        month = pd.concat([month, dups[~nxt], *carried], ignore_index=True)
        month = month.sort_values(["day", "supplier"], kind="stable").reset_index(drop=True)
        month["invoice_date"] = month_day(sm, k) + month["day"].to_numpy().astype("timedelta64[D]")
        self.prev = month
        return month

    def _amounts(self, idx, ps, pe, types, rate_day=None) -> pd.DataFrame:
        """A regular invoice for each episode in ``idx`` over ``[ps, pe]``, at
        the rate the supplier really charges, with the truth filled in."""
        w, rng = self.w, self.rng
        ep = w.episodes
        n = len(idx)
        ps = np.asarray(ps, dtype="datetime64[D]")
        pe = np.asarray(pe, dtype="datetime64[D]")
        unit = ep["unit"].to_numpy()[idx]
        para = ep["paragraph"].to_numpy()[idx]
        rate_at = ps if rate_day is None else rate_day
        seg = self.segment_of(idx, rate_at)
        seg_ok = ~pd.isna(seg)
        segi = np.where(seg_ok, seg, 0).astype(np.int64)
        segs = w.segments
        years_after = (
            np.asarray(rate_at, dtype="datetime64[Y]").astype(np.int64) + 1970 - (int(str(w.start_month - 1)[:4]))
        )
        rate = np.where(
            seg_ok,
            segs["rate"].to_numpy()[segi],
            yearly_rate(ep["base_rate"].to_numpy()[idx], years_after, unit, self.p.rate_regulation),
        )
        amount = expected_amounts(rate, unit, ps, pe)
        sup_idx = self.sup_of[idx]
        twelfths = w.suppliers["stu_twelfths"].to_numpy()[sup_idx] & (unit == "year")
        if twelfths.any():
            dim = (np.asarray(ps, "datetime64[M]") + 1).astype("datetime64[D]") - np.asarray(
                ps, "datetime64[M]"
            ).astype("datetime64[D]")
            days = (np.asarray(pe) - np.asarray(ps)).astype(np.int64) + 1
            t = np.round(rate / 12 * days / dim.astype(np.int64) / ORE).astype(np.int64) * ORE
            amount = np.where(twelfths, t, amount)
        attend = (unit == "day") & np.isin(para, ["103", "104"])
        if attend.any():
            wd = np.busday_count(
                np.asarray(ps, "datetime64[D]"), np.asarray(pe, "datetime64[D]") + np.timedelta64(1, "D")
            )
            days = np.maximum(1, wd - rng.integers(0, 3, n))
            amount = np.where(attend, rate * days, amount)
        hourly = unit == "hour"
        if hourly.any():
            hours = rng.integers(8, 81, n) / 2
            amount = np.where(hourly, (np.round(rate * hours / ORE) * ORE).astype(np.int64), amount)
        psp, art = self.true_coding(idx, ps)
        return object_frame(
            {
                "episode": idx,
                "supplier": sup_idx,
                "citizens": ep["citizen"].to_numpy()[idx].reshape(-1, 1).tolist(),
                "period_start": np.asarray(ps, "datetime64[D]"),
                "period_end": np.asarray(pe, "datetime64[D]"),
                "amount": amount.astype(np.int64),
                "rate": rate.astype(np.int64),
                "unit": unit,
                "invoice_type": _regular_type(para, unit),
                "true_grant_id": np.where(seg_ok, segs["grant_id"].to_numpy()[segi], ""),
                "should_pay": np.ones(n, bool),
                "true_psp_element": psp,
                "true_art": art,
                "cause": "regular",
                "keying": "",
            }
        )

    def _modifiers(self, inv: pd.DataFrame) -> pd.DataFrame:
        """Small deviations and keying errors on single-citizen invoices."""
        p, rng = self.p, self.rng
        n = len(inv)
        fixed = inv["unit"].to_numpy() != "hour"
        reg = (inv["cause"].to_numpy() == "regular") & fixed
        kind = pick_kinds(
            rng, n, [p.rounding_small, p.rounding_medium, p.fee_added, p.absence_deduction, p.keying_error_rate]
        )
        amount = inv["amount"].to_numpy().copy()
        cause = inv["cause"].to_numpy().copy()
        pay = inv["should_pay"].to_numpy().copy()
        sign = rng.choice([-1, 1], n)
        m = reg & (kind == 0)
        amount[m] += sign[m] * rng.integers(1, 101, m.sum()) * ORE
        cause[m] = "rounding_within_1"
        m = reg & (kind == 1)
        amount[m] += sign[m] * rng.integers(101, 501, m.sum()) * ORE
        cause[m] = "rounding_1_to_5"
        m = reg & (kind == 2)
        amount[m] += rng.integers(5, 26, m.sum()) * MONEY_SCALE
        cause[m] = "fee_added"
        pay[m] = False
        m = reg & (kind == 3) & (inv["invoice_type"].to_numpy() != "stu")
        amount[m] -= np.minimum(amount[m] // 3, rng.integers(200, 3000, m.sum()) * MONEY_SCALE)
        cause[m] = "absence_deduction"
        keying = inv["keying"].to_numpy().copy()
        m = (kind == 4) & (inv["cause"].to_numpy() == "regular")
        keying[m] = rng.choice(
            ["missing_id", "bad_cpr", "bad_cvr", "swapped_period", "blank_amount"],
            m.sum(),
            p=[0.2, 0.3, 0.2, 0.15, 0.15],
        )
        cause[m] = "keying_" + keying[m].astype(str)
        pay[m & (keying != "bad_cpr")] = False
        return inv.assign(amount=amount, cause=cause, should_pay=pay, keying=keying)

    def _extras(self, inv: pd.DataFrame) -> pd.DataFrame:
        p, rng = self.p, self.rng
        sup = self.w.suppliers
        base = inv[sup["extras"].to_numpy()[inv["supplier"].to_numpy()] & (inv["cause"] == "regular")]
        base = base[pick(rng, len(base), p.extras_per_citizen_month)]
        amount = (np.round(rng.lognormal(np.log(650), 0.7, len(base)), 0) * MONEY_SCALE).astype(np.int64)
        return base.assign(
            amount=amount,
            invoice_type="extras",
            cause="extras",
            extra_text=np.array(EXTRAS_DA, dtype=object)[rng.integers(0, len(EXTRAS_DA), len(base))],
        )

    def _back_payments(self, inv: pd.DataFrame) -> pd.DataFrame:
        p, rng = self.p, self.rng
        base = inv[(inv["cause"] == "regular") & (inv["unit"] != "hour")]
        base = base[pick(rng, len(base), p.back_payment_per_citizen_month)]
        months = rng.integers(2, 4, len(base))
        ps = (base["period_start"].to_numpy().astype("datetime64[M]") - months).astype("datetime64[D]")
        ep_start = self.w.episodes["start"].to_numpy().astype("datetime64[D]")[base["episode"].to_numpy()]
        ps = np.maximum(ps, ep_start)
        pe = base["period_start"].to_numpy().astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
        # a regulation is per year's rate: the back period stays within one year, one grant
        ps = np.maximum(ps, pe.astype("datetime64[Y]").astype("datetime64[D]"))
        ok = pe > ps
        diff = np.maximum(
            100 * MONEY_SCALE,
            (base["amount"].to_numpy() * rng.uniform(0.005, 0.03, len(base)) * months // MONEY_SCALE) * MONEY_SCALE,
        )
        episodes = base["episode"].to_numpy()
        seg = self.segment_of(episodes, ps)
        has = ~pd.isna(seg)
        grant = np.where(has, self.w.segments["grant_id"].to_numpy()[np.where(has, seg, 0).astype(np.int64)], "")
        psp, art = self.true_coding(episodes, ps)
        return base.assign(
            period_start=ps,
            period_end=pe,
            amount=diff.astype(np.int64),
            invoice_type="back_payment",
            cause="back_payment",
            true_grant_id=grant,
            true_psp_element=psp,
            true_art=art,
        )[ok & has]

    def _collective(self, inv: pd.DataFrame, k: int) -> pd.DataFrame:
        """Suppliers who send one collective invoice a month per house (a few
        citizens) instead of one per citizen; the contact template asks for
        one invoice per citizen."""
        coll = self.w.profiles(k)[inv["supplier"].to_numpy()] == "collective"
        coll &= inv["keying"].to_numpy() == ""
        citizens = citizen_lists(inv["citizens"])
        first = pd.Series(pc.list_element(citizens, 0).to_numpy(), dtype=np.int64)
        rank = first.groupby(inv["supplier"].to_numpy()).rank(method="first").to_numpy().astype(np.int64) - 1
        house = np.where(coll, inv["supplier"].to_numpy() * 1_000_000 + rank // self.p.collective_house_size, -1)
        sizes = pd.Series(house).map(pd.Series(house[coll]).value_counts()).fillna(0).to_numpy()
        many = coll & (sizes >= 2)
        if not many.any():
            return inv
        g = inv[many].assign(house=house[many]).groupby("house", sort=True)
        combined = g.agg(
            episode=("episode", "first"),
            supplier=("supplier", "first"),
            period_start=("period_start", "min"),
            period_end=("period_end", "max"),
            amount=("amount", "sum"),
            rate=("rate", "first"),
            unit=("unit", "first"),
        ).reset_index(drop=True)
        combined.insert(2, "citizens", _house_citizens(citizens.take(pa.array(np.flatnonzero(many))), house[many]))
        combined["invoice_type"] = "collective"
        combined["true_grant_id"] = ""
        combined["should_pay"] = g["should_pay"].all().to_numpy()
        combined["true_psp_element"] = ""
        combined["true_art"] = ""
        combined["cause"] = "collective"
        combined["keying"] = ""
        if self.p.collective_lines:
            combined["lines"] = _house_lines(inv[many].assign(house=house[many]))
        return pd.concat([inv[~many], combined], ignore_index=True)

    def _corrections(self, resendable: pd.DataFrame) -> pd.DataFrame:
        """Credit notes for some of last month's invoices (those :func:`_resendable`)."""
        rng = self.rng
        base = resendable[pick(rng, len(resendable), self.p.correction_credit_rate)]
        share = rng.choice([1.0, 0.5, 0.2, 0.1], len(base))
        amount = -((base["amount"].to_numpy() * share) // ORE * ORE).astype(np.int64)
        if "lines" in base:  # a collective invoice's credit note credits each citizen's line in turn
            base = base.assign(
                lines=[_credited_lines(v, a, f) for v, a, f in zip(base["lines"], amount, share, strict=True)]
            )
        return base.assign(
            amount=amount,
            invoice_type="credit_note",
            cause="credit_correction",
            should_pay=True,
            credits=base["invoice_id"],
        ).drop(columns=["invoice_id", "k", "day", "invoice_date"], errors="ignore")

    def _reminders(self, resendable: pd.DataFrame) -> pd.DataFrame:
        """A reminder under a new invoice number for last month's invoice (of those :func:`_resendable`)."""
        rng = self.rng
        base = _lines_not_to_pay(resendable[pick(rng, len(resendable), self.p.resend_rate)])
        return base.assign(
            invoice_type="duplicate",
            orig_type=base["invoice_type"],
            cause="reminder_new_number",
            should_pay=False,
            reminder=True,
        ).drop(columns=["invoice_id", "k", "day", "invoice_date"], errors="ignore")

    def _duplicates(self, month: pd.DataFrame) -> pd.DataFrame:
        """The same invoice, same number, again: later this month or next."""
        rng = self.rng
        dup_sup = self.w.suppliers["duplicates"].to_numpy()[month["supplier"].to_numpy()]
        base = month[dup_sup & (month["invoice_id"] != "") & (month["invoice_type"] != "duplicate")]
        base = _lines_not_to_pay(base[pick(rng, len(base), self.p.duplicate_rate)])
        return base.assign(
            invoice_type="duplicate",
            orig_type=base["invoice_type"],
            cause="duplicate_same_number",
            should_pay=False,
            day=base["day"].to_numpy() + rng.integers(1, 20, len(base)),
        )

    def _numbers(self, month: pd.DataFrame, k: int) -> pd.DataFrame:
        """Each supplier numbers its invoices in its own style."""
        month = month.sort_values(["day"], kind="stable").reset_index(drop=True)
        sup = month["supplier"].to_numpy()
        order = month.groupby("supplier").cumcount().to_numpy()
        no = self.next_no[sup] + order
        np.add.at(self.next_no, sup, 1)
        style = self.w.suppliers["id_style"].to_numpy()[sup]
        year = str(self.w.start_month + k)[:4]
        plain = pa.array(np.asarray(no, dtype=np.int64)).cast(pa.string())
        five = pc.utf8_lpad(plain, 5, "0")
        styled = [
            plain,
            pc.binary_join_element_wise(f"F{year}-", five, ""),
            pc.binary_join_element_wise("INV", plain, ""),
        ]
        ids = pc.binary_join_element_wise(year[2:], five, "")  # style 3; 0 plain, 1 F2019-00123, 2 INV123
        for s in (2, 1, 0):
            ids = pc.if_else(pa.array(style == s), styled[s], ids)
        ids = pc.if_else(pa.array(month["keying"].to_numpy() == "missing_id"), "", ids)
        return month.assign(invoice_id=ids.to_numpy(zero_copy_only=False))

    # --- Sensum ----------------------------------------------------------------
    def registered(self, k: int) -> pd.DataFrame:
        """Every segment's grant as Sensum holds it when the robot runs in
        month ``k``, one row a segment (in the world's segment order):
        ``episode``, ``year``, ``visible``, ``grant_id``, ``cvr``, ``rate``, ``unit``, ``service``
        (an index into the world's services), ``start``, ``end``, ``stale``
        (last year's rate) and ``double`` (registered twice)."""
        w = self.w
        seg = w.segments
        ep = w.episodes
        e = seg["episode"].to_numpy()
        vis = seg["visible_from"].to_numpy() <= k
        # the next year's grant, when registered, ends this one on 31 December
        nxt_visible = np.zeros(len(seg), bool)
        same_next = np.r_[e[1:] == e[:-1], False]
        nxt_visible[:-1] = same_next[:-1] & vis[1:]
        known = ep["end_known"].to_numpy()[e] <= k
        reg_end = np.where(known, ep["real_end"].to_numpy()[e], ep["planned_end"].to_numpy()[e]).astype("datetime64[D]")
        dec31 = (seg["year"].to_numpy() - 1969).astype("datetime64[Y]").astype("datetime64[D]") - np.timedelta64(1, "D")
        end = np.where(nxt_visible, dec31, reg_end)
        start = seg["seg_start"].to_numpy().astype("datetime64[D]")
        vis &= np.isnat(end) | (end >= start)
        sup_cvr = w.suppliers["cvr"].to_numpy()[self.sup_of[e]]
        cvr = np.where(ep["wrong_until"].to_numpy()[e] > k, ep["wrong_cvr"].to_numpy()[e], sup_cvr)
        unit = ep["unit"].to_numpy()[e]
        years_after = seg["year"].to_numpy() - int(str(w.start_month - 1)[:4])
        stale = seg["is_first"].to_numpy() & (ep["stale_until"].to_numpy()[e] > k)
        rate = np.where(
            stale,
            yearly_rate(ep["base_rate"].to_numpy()[e], years_after - 1, unit, self.p.rate_regulation),
            seg["rate"].to_numpy(),
        )
        svc = ep["wrong_service"].to_numpy()[e]
        svc = np.where(svc >= 0, svc, ep["service"].to_numpy()[e])
        # the same grant registered twice, until someone notices
        double = (
            seg["is_first"].to_numpy()
            & (ep["double_until"].to_numpy()[e] > k)
            & (ep["double_until"].to_numpy()[e] != ALWAYS)
        )
        return object_frame(
            {
                "episode": e,
                "year": seg["year"].to_numpy(),
                "visible": vis,
                "grant_id": seg["grant_id"].to_numpy(),
                "cvr": cvr,
                "rate": rate,
                "unit": unit,
                "service": svc,
                "start": start,
                "end": end,
                "stale": stale,
                "double": double,
            }
        )

    def sensum(self, k: int) -> pd.DataFrame:
        """The grants as registered in Sensum when the robot runs in month ``k``."""
        w = self.w
        r = self.registered(k)
        vis = r["visible"].to_numpy()
        # the visible grants, then the copies of those registered twice, in the order of their CPR numbers
        # (a stable sort: the citizens' numbers ranked once, each row sorted by its citizen's rank)
        rows = np.flatnonzero(vis)
        twice = rows[r["double"].to_numpy()[rows]]
        rows = np.concatenate([rows, twice])
        citizen = w.episodes["citizen"].to_numpy()[r["episode"].to_numpy()[rows]]
        numbers = pa.array(w.citizens["cpr"].to_numpy(dtype=object), pa.large_string())
        rank = pc.rank(numbers, sort_keys="ascending", tiebreaker="dense").to_numpy()
        order = np.argsort(rank[citizen], kind="stable")
        rows, citizen = rows[order], citizen[order]
        grant_id = r["grant_id"].to_numpy(dtype=object)[rows]
        copy = order >= len(rows) - len(twice)
        grant_id[copy] = [str(int(g) + 5_000_000) for g in grant_id[copy]]
        svc = r["service"].to_numpy()[rows]
        return object_frame(
            {
                "grant_id": grant_id,
                "cpr": w.citizens["cpr"].to_numpy(dtype=object)[citizen],
                "service_code": w.services["service_code"].to_numpy(dtype=object)[svc],
                "service_name": w.services["service_name"].to_numpy(dtype=object)[svc],
                "supplier_cvr": r["cvr"].to_numpy(dtype=object)[rows],
                "rate": r["rate"].to_numpy()[rows],
                "rate_unit": r["unit"].to_numpy(dtype=object)[rows],
                "start_date": r["start"].to_numpy()[rows],
                "end_date": r["end"].to_numpy()[rows],
            }
        )


#: what a line of a collective invoice holds, from the citizen's own invoice it replaces
LINE_FIELDS = ("citizen", "amount", "period_start", "period_end", "true_grant_id", "should_pay", "true_psp_element",
               "true_art", "cause")  # fmt: skip


def _lines_not_to_pay(base: pd.DataFrame) -> pd.DataFrame:
    """An invoice sent again is not to be paid, nor are its lines: their
    truth copied, each line's ``should_pay`` false (the original's untouched)."""
    if "lines" not in base:
        return base
    return base.assign(
        lines=[[{**ln, "should_pay": False} for ln in v] if isinstance(v, list) else v for v in base["lines"]]
    )


def _credited_lines(lines: object, amount: int, share: float) -> object:
    """The lines of a credit note of ``share`` of a collective invoice: each
    line's share, negative, to the øre, the last taking what makes them add
    up to the credit note's ``amount``; anything but a list as it is."""
    if not isinstance(lines, list) or not lines:
        return lines
    parts = [-int(ln["amount"] * share) // ORE * ORE for ln in lines[:-1]]
    parts.append(amount - sum(parts))
    return [{**ln, "amount": a} for ln, a in zip(lines, parts, strict=True)]


def _house_citizens(citizens: pa.LargeListArray, house: np.ndarray) -> list[list[int]]:
    """For each house, in the order of their numbers: its invoices' citizens
    together, in order (``citizens`` the invoices' lists, ``house`` their houses)."""
    flat = citizens.flatten().to_numpy()
    owner = np.repeat(house, pc.list_value_length(citizens).to_numpy())
    order = np.lexsort((flat, owner))
    starts = np.flatnonzero(np.diff(owner[order])) + 1
    return [part.tolist() for part in np.split(flat[order], starts)]


def _house_lines(rows: pd.DataFrame) -> list[list[dict]]:
    """For each house (sorted, as the collective invoices are): its citizens'
    own invoices as lines, in citizen order."""
    rows = rows.assign(citizen=[c[0] for c in rows["citizens"]]).sort_values(["house", "citizen"], kind="stable")
    return [part[list(LINE_FIELDS)].to_dict("records") for _, part in rows.groupby("house", sort=True)]
