"""The municipality's world: services, suppliers, citizens, their stays
(episodes) and how Sensum registers them, month by month.

Dates are ``datetime64[D]``; months are indices from go-live (0 = the first
month the robot runs). Money is in 1/10,000 DKK, as in :mod:`invoicekit`.

An *episode* is a citizen's stay or offer at one supplier for one service;
Sensum holds it as one grant per calendar year (*segment*), because the yearly
rate regulation is registered as a new grant from 1 January.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from invoicekit.parsing import MONEY_SCALE
from synthetic.people import NamePool, replacement_cprs, valid_cvrs
from synthetic.scenario import Params

NEVER = 10_000  # a month index that never comes
ALWAYS = -10_000

TARGET_GROUPS = ("Udviklingshæmning", "Sindslidelse", "Fysisk handicap", "Særlige sociale problemer")
TARGET_GROUP_MIX = (0.45, 0.30, 0.15, 0.10)
OWNERSHIPS = ("municipal", "regional", "private", "state")

# paragraph -> (function in the chart of accounts, Danish name, supplier kind)
PARAGRAPHS = {
    "108": ("5.38.50", "Længerevarende botilbud", "residential"),
    "107": ("5.38.52", "Midlertidigt botilbud", "residential"),
    "97": ("5.38.53", "Ledsageordning", "companion"),
    "103": ("5.38.58", "Beskyttet beskæftigelse", "day"),
    "104": ("5.38.59", "Aktivitets- og samværstilbud", "day"),
    "STU": ("3.30.46", "Særligt tilrettelagt ungdomsuddannelse", "stu"),
}
KINDS = ("residential", "day", "stu", "companion")
OWNERSHIP_MIX = {
    "residential": (0.35, 0.20, 0.40, 0.05),
    "day": (0.50, 0.10, 0.40, 0.00),
    "stu": (0.30, 0.00, 0.70, 0.00),
    "companion": (0.30, 0.00, 0.70, 0.00),
}
# art (artskonto) by ownership: 4.7 other municipalities, 4.8 regions, 4.0 private, 4.6 state
ART = {"municipal": "47100000", "regional": "48100000", "private": "40500000", "state": "46100000"}
OWNERSHIP_DIGIT = {"municipal": 3, "regional": 3, "private": 2, "state": 3}

# (paragraph, unit) -> rate range in DKK at go-live, and how rates are rounded (DKK)
RATES = {
    ("108", "month"): (38_000, 82_000, 1),
    ("108", "day"): (1_300, 2_700, 0.01),
    ("107", "day"): (1_500, 3_300, 0.01),
    ("104", "month"): (7_000, 19_000, 1),
    ("104", "day"): (400, 900, 0.01),
    ("103", "month"): (5_000, 12_000, 1),
    ("103", "day"): (300, 650, 0.01),
    ("STU", "year"): (190_000, 330_000, 1),
    ("97", "hour"): (330, 460, 0.01),
    ("97", "month"): (5_000, 16_000, 1),
}
HIGH_COST = (105_000, 160_000)
#: the ways of invoicing the contact template mends (an invoice in the text keeps its way)
TEMPLATE_MENDS = ("no_cpr", "no_period", "collective")
UNIT_DA = {"day": "døgntakst", "month": "månedstakst", "year": "årstakst", "hour": "timetakst"}


def plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text columns as numpy object arrays. The generator
    picks rows out of the world's tables by position many times a month;
    pandas' arrow-backed text columns would be converted on every pick."""
    text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


def object_frame(columns: dict) -> pd.DataFrame:
    """A frame whose text columns (object arrays, or one text for every row)
    stay numpy object arrays, as :func:`plain_columns` leaves them."""
    n = max((len(v) for v in columns.values() if not np.isscalar(v)), default=0)
    out = {}
    for name, v in columns.items():
        if isinstance(v, str):
            v = np.full(n, v, dtype=object)
        if isinstance(v, np.ndarray) and v.dtype.kind in "OU":
            v = pd.Series(v.astype(object), dtype=object)
        out[name] = v
    return pd.DataFrame(out)


def month_day(start_month: np.datetime64, k) -> np.ndarray:
    """First day of month index ``k``."""
    return (start_month + np.asarray(k, dtype=np.int64)).astype("datetime64[D]")


def month_index(start_month: np.datetime64, days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, dtype="datetime64[D]")
    return (d.astype("datetime64[M]") - start_month).astype(np.int64)


def draw_lag(rng: np.random.Generator, probs: tuple, n: int) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def exact_choice(rng: np.random.Generator, n: int, probs) -> np.ndarray:
    """Indices 0..len(probs)-1 in exactly the proportions ``probs`` (largest
    remainder), in random order: a small world gets the mix it was asked for,
    not a multinomial draw around it."""
    p = np.asarray(probs, dtype=float)
    p = p / p.sum()
    raw = p * n
    counts = np.floor(raw).astype(int)
    short = n - counts.sum()
    if short:
        counts[np.argsort(-(raw - counts) + rng.random(len(p)) * 1e-9)[:short]] += 1
    return rng.permutation(np.repeat(np.arange(len(p)), counts))


def exact_share(rng: np.random.Generator, mask: np.ndarray, share: float) -> np.ndarray:
    """A random subset of ``mask`` holding exactly ``share`` of it."""
    idx = np.flatnonzero(mask)
    out = np.zeros(len(mask), bool)
    out[idx[exact_choice(rng, len(idx), [1 - share, share]) == 1]] = True
    return out


def assign_by_volume(rng: np.random.Generator, volume: np.ndarray, shares: dict[str, float]) -> np.ndarray:
    """Give each unit (a supplier) one label so that the labels' shares of the
    total volume come as close to ``shares`` as whole units allow; the rest get
    ``""``. Units are taken in random order, so which supplier gets which
    profile is random, but the volume each profile gets is not."""
    order = rng.permutation(len(volume))
    labels = np.full(len(volume), "", dtype=object)
    total = float(volume.sum()) or 1.0
    targets = {k: v * total for k, v in shares.items()}
    got = dict.fromkeys(shares, 0.0)
    for i in order:
        v = float(volume[i])
        best, gain = "", 0.0
        for k, t in targets.items():
            # give the unit to the label whose remaining need it fills best
            need = t - got[k]
            g = min(v, need) - max(0.0, v - need) * 0.999
            if g > gain:
                best, gain = k, g
        if best:
            labels[i] = best
            got[best] += v
    return labels


@dataclass
class World:
    params: Params
    seed: int
    start_month: np.datetime64  # go-live month, datetime64[M]
    services: pd.DataFrame
    suppliers: pd.DataFrame
    citizens: pd.DataFrame
    episodes: pd.DataFrame
    segments: pd.DataFrame
    coding: pd.DataFrame  # the true chart of accounts, by (paragraph, ownership, target group, valid_from)
    sheet_coding: pd.DataFrame  # the support sheet's coding rows, as the municipality keeps them
    excluded_suppliers: list[str]

    def profiles(self, k: int) -> np.ndarray:
        """How each supplier invoices in month ``k``: its ``profile``, or
        ``"column"`` (CPR number and period in their columns, one citizen an
        invoice) once it follows the contact template (``template_from``)."""
        profile = self.suppliers["profile"].to_numpy(dtype=object).copy()
        follows = self.suppliers["template_from"].to_numpy() <= k
        profile[follows & np.isin(profile, TEMPLATE_MENDS)] = "column"
        return profile

    @property
    def months(self) -> int:
        return self.params.months

    def month_label(self, k: int) -> str:
        return str(self.start_month + k)


def _services() -> pd.DataFrame:
    rows = []
    for para, (_fn, name, kind) in PARAGRAPHS.items():
        units = sorted({u for (p, u) in RATES if p == para})
        for t, tg in enumerate(TARGET_GROUPS):
            for unit in units:
                code = f"{para}.{t + 1}{unit[0].upper()}"
                rows.append(
                    {
                        "service_code": code,
                        "service_name": f"{name} (§ {para}), {tg.lower()}, {UNIT_DA[unit]}"
                        if para != "STU"
                        else f"{name}, {tg.lower()}, {UNIT_DA[unit]}",
                        "paragraph": para,
                        "target_group": tg,
                        "rate_unit": unit,
                        "kind": kind,
                    }
                )
    return pd.DataFrame(rows)


def _true_coding(start_month: np.datetime64) -> tuple[pd.DataFrame, int]:
    """The chart of accounts: one row per (paragraph, ownership, target group)
    and scheme. The PSP elements are renumbered at the first new year after
    go-live (the chart-of-accounts change)."""
    change_year = int(str(start_month)[:4]) + 1
    rows = []
    for para, (fn, _name, _kind) in PARAGRAPHS.items():
        for own in OWNERSHIPS:
            for t, tg in enumerate(TARGET_GROUPS):
                for version, (frm, to) in enumerate(
                    ((f"{change_year - 3}-01-01", f"{change_year - 1}-12-31"), (f"{change_year}-01-01", ""))
                ):
                    grouping = (10 if version == 0 else 20) + t + 1
                    rows.append(
                        {
                            "paragraph": para,
                            "ownership": own,
                            "target_group": tg,
                            "psp_element": f"XG-{fn.replace('.', '')}{grouping:02d}{OWNERSHIP_DIGIT[own]}-{OWNERSHIPS.index(own) + 1:02d}",
                            "art": ART[own],
                            "valid_from": frm,
                            "valid_to": to,
                        }
                    )
    return pd.DataFrame(rows), change_year


def build_world(params: Params, seed: int) -> World:
    """Draw a whole municipality from ``params`` and ``seed`` (deterministic)."""
    rng = np.random.default_rng(seed)
    p = params
    start_month = np.datetime64(p.start, "M")
    go_live = month_day(start_month, 0)
    horizon_end = month_day(start_month, p.months) - np.timedelta64(1, "D")
    names = NamePool(seed)

    services = _services()
    coding, change_year = _true_coding(start_month)

    # --- citizens at go-live and arrivals during the year -------------------
    n0 = p.citizens
    n_new = round(p.citizens * p.monthly_turnover * p.months)
    n_cit = n0 + n_new
    offers = list(p.offer_mix)
    mix = np.array([p.offer_mix[o] for o in offers], dtype=float)
    main_offer = np.array(offers, dtype=object)[exact_choice(rng, n_cit, mix)]
    tg = exact_choice(rng, n_cit, TARGET_GROUP_MIX)
    arrival = np.full(n_cit, np.datetime64("NaT"), dtype="datetime64[D]")
    span = int((horizon_end - go_live).astype(int)) + 31
    arrival[n0:] = go_live - np.timedelta64(31, "D") + rng.integers(0, span, n_new).astype("timedelta64[D]")
    age = np.where(main_offer == "STU", rng.integers(17, 24, n_cit), rng.integers(19, 72, n_cit))
    birth = (
        go_live
        - (age * 365.25).astype(np.int64).astype("timedelta64[D]")
        - rng.integers(0, 365, n_cit).astype("timedelta64[D]")
    )
    citizens = pd.DataFrame(
        {
            "cpr": replacement_cprs(rng, birth),
            "name": names.people(rng, n_cit),
            "target_group": np.array(TARGET_GROUPS, dtype=object)[tg],
            "main_offer": main_offer,
            "arrival": arrival,
        }
    )
    # deaths (residential citizens mostly): a day, or NaT
    death_hazard = np.where(np.isin(main_offer, ["108", "107"]), 0.004, 0.0008)
    death_after = rng.exponential(1 / death_hazard) * 30.4
    death = np.where(
        death_after < span,
        np.maximum(go_live, np.where(np.isnat(arrival), go_live, arrival + np.timedelta64(60, "D")))
        + death_after.astype(np.int64).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    ).astype("datetime64[D]")
    death[death > horizon_end] = np.datetime64("NaT")

    # --- episodes: the main offer, plus a day offer for some residents -------
    ep_citizen = np.arange(n_cit)
    ep_para = main_offer.copy()
    resident = np.isin(main_offer, ["108", "107"])
    extra = np.flatnonzero(exact_share(rng, resident, p.day_offer_with_residential))
    ep_citizen = np.concatenate([ep_citizen, extra])
    ep_para = np.concatenate([ep_para, np.where(rng.random(len(extra)) < 0.7, "104", "103").astype(object)])
    n_ep = len(ep_citizen)
    ep_unit = np.empty(n_ep, dtype=object)
    ep_unit[:] = "month"
    ep_unit[ep_para == "107"] = "day"
    ep_unit[exact_share(rng, ep_para == "108", 0.3)] = "day"
    ep_unit[exact_share(rng, np.isin(ep_para, ["103", "104"]), p.day_rate_day_offer_share)] = "day"
    ep_unit[ep_para == "STU"] = "year"
    ep_unit[exact_share(rng, ep_para == "97", p.hourly_97_share)] = "hour"
    ep_tg = tg[ep_citizen]
    svc_key = pd.Series(
        range(len(services)), index=services["paragraph"] + "|" + services["target_group"] + "|" + services["rate_unit"]
    )
    ep_service = svc_key.loc[
        pd.Series(ep_para).astype(str)
        + "|"
        + np.array(TARGET_GROUPS, dtype=object)[ep_tg]
        + "|"
        + pd.Series(ep_unit).astype(str)
    ].to_numpy()
    ep_kind = services["kind"].to_numpy()[ep_service]

    # start and planned end
    first_seen = np.where(np.isnat(arrival[ep_citizen]), np.datetime64("NaT"), arrival[ep_citizen])
    back_days = np.select(
        [ep_para == "107", ep_para == "STU"],
        [rng.integers(1, 150, n_ep), rng.integers(1, 900, n_ep)],
        rng.integers(30, 3000, n_ep),
    )
    start = np.where(np.isnat(first_seen), go_live - back_days.astype("timedelta64[D]"), first_seen).astype(
        "datetime64[D]"
    )
    planned_end = np.full(n_ep, np.datetime64("NaT"), dtype="datetime64[D]")
    is107 = ep_para == "107"
    planned_end[is107] = start[is107] + rng.integers(90, 270, is107.sum()).astype("timedelta64[D]")
    # a § 107 stay must still be running at go-live if it started before
    late = is107 & (planned_end < go_live)
    planned_end[late] = go_live + rng.integers(10, 120, late.sum()).astype("timedelta64[D]")
    stu = ep_para == "STU"
    planned_end[stu] = start[stu] + np.timedelta64(3 * 365 - 1, "D")

    # real end: planned, extended, or by hazard (moves, ended stays), or death
    real_end = planned_end.copy()
    extended = exact_share(rng, is107, 0.5)
    real_end[extended] = planned_end[extended] + rng.integers(60, 180, extended.sum()).astype("timedelta64[D]")
    open_ended = np.isnat(planned_end)
    hazard = np.select([ep_para == "108", ep_para == "97"], [0.010, 0.020], 0.015)
    after = (rng.exponential(1 / hazard) * 30.4).astype(np.int64)
    by_hazard = np.maximum(start, go_live - np.timedelta64(20, "D")) + after.astype("timedelta64[D]")
    ends_now = open_ended & (by_hazard <= horizon_end)
    real_end[ends_now] = by_hazard[ends_now]
    d = death[ep_citizen]
    dies = ~np.isnat(d) & (np.isnat(real_end) | (d < real_end)) & (d >= start)
    real_end[dies] = d[dies]
    unplanned = ~np.isnat(real_end) & (np.isnat(planned_end) | (real_end < planned_end))
    # a stay that ended before go-live is not in the world
    keep = np.isnat(real_end) | (real_end >= go_live - np.timedelta64(31, "D"))

    # moves to another supplier: a new episode the day after (not after death)
    moves = ends_now & ~dies & (rng.random(n_ep) < 0.35) & keep & (real_end < horizon_end)
    mv = np.flatnonzero(moves)

    def cat(a, b):
        return np.concatenate([a, b])

    ep_citizen = cat(ep_citizen, ep_citizen[mv])
    ep_service = cat(ep_service, ep_service[mv])
    ep_kind = cat(ep_kind, ep_kind[mv])
    ep_para = cat(ep_para, ep_para[mv])
    ep_unit = cat(ep_unit, ep_unit[mv])
    start = cat(start, real_end[mv] + np.timedelta64(1, "D"))
    new_start = real_end[mv] + np.timedelta64(1, "D")
    new_planned = np.where(ep_para[mv] == "107", new_start + np.timedelta64(180, "D"), np.datetime64("NaT"))
    planned_end = cat(planned_end, new_planned)
    dm = d[mv]
    succ_end = np.where(~np.isnat(dm) & (dm > real_end[mv]), dm, np.datetime64("NaT")).astype("datetime64[D]")
    real_end = cat(real_end, succ_end)
    unplanned = cat(unplanned, ~np.isnat(succ_end))
    extended = cat(extended, np.zeros(len(mv), bool))
    keep = cat(keep, np.ones(len(mv), bool))
    moved_from = cat(np.full(n_ep, -1), mv)
    n_ep = len(ep_citizen)

    sel = np.flatnonzero(keep)
    ep = pd.DataFrame(
        {
            "citizen": ep_citizen[sel],
            "service": ep_service[sel],
            "kind": ep_kind[sel],
            "paragraph": ep_para[sel],
            "unit": ep_unit[sel],
            "start": start[sel],
            "planned_end": planned_end[sel],
            "real_end": real_end[sel],
            "unplanned_end": unplanned[sel],
            "extended": extended[sel],
        }
    )
    remap = np.full(n_ep, -1)
    remap[sel] = np.arange(len(sel))
    prev = moved_from[sel]
    ep["moved_from"] = np.where(prev >= 0, remap[np.maximum(prev, 0)], -1)
    n_ep = len(ep)

    # --- suppliers ----------------------------------------------------------
    n_sup = max(12, round(p.citizens / p.citizens_per_supplier))
    need = ep["kind"].value_counts()
    kind_of_sup = []
    for kind in KINDS:
        share = need.get(kind, 0) / max(1, need.sum())
        kind_of_sup += [kind] * max(2, round(share * n_sup))
    kind_of_sup = np.array(kind_of_sup, dtype=object)
    n_sup = len(kind_of_sup)
    own = np.empty(n_sup, dtype=object)
    for kind in KINDS:
        m = kind_of_sup == kind
        own[m] = np.array(OWNERSHIPS, dtype=object)[rng.choice(4, m.sum(), p=OWNERSHIP_MIX[kind])]
    weight = rng.lognormal(0.0, 0.8, n_sup)
    # citizens choose suppliers of the right kind; a move goes to another one
    supplier = np.empty(n_ep, dtype=np.int64)
    for kind in KINDS:
        idx = np.flatnonzero(kind_of_sup == kind)
        w = weight[idx] / weight[idx].sum()
        m = np.flatnonzero(ep["kind"].to_numpy() == kind)
        supplier[m] = idx[rng.choice(len(idx), len(m), p=w)]
    moved = np.flatnonzero(ep["moved_from"].to_numpy() >= 0)
    moved_from, ep_kinds = ep["moved_from"].to_numpy(), ep["kind"].to_numpy(dtype=object)
    sup_of_kind = {kind: np.flatnonzero(kind_of_sup == kind) for kind in KINDS}
    for i in moved:  # in turn: a move may follow a move
        j = moved_from[i]
        idx = sup_of_kind[ep_kinds[i]]
        if len(idx) > 1 and supplier[i] == supplier[j]:
            supplier[i] = idx[(np.flatnonzero(idx == supplier[j])[0] + 1 + rng.integers(0, len(idx) - 1)) % len(idx)]
    ep["supplier"] = supplier

    volume = np.bincount(supplier, minlength=n_sup).astype(float)

    def by_kind(shares: dict[str, float]) -> np.ndarray:
        """Volume quotas within each kind of supplier, so that each kind of
        offer gets its share of every profile."""
        out = np.full(n_sup, "", dtype=object)
        for kind in KINDS:
            m = kind_of_sup == kind
            out[m] = assign_by_volume(rng, volume[m], shares)
        return out

    profile = by_kind(
        {
            "text": p.share_cpr_in_text,
            "no_cpr": p.share_no_cpr,
            "no_period": p.share_no_period,
            "collective": p.share_collective,
        }
    )
    profile[profile == ""] = "column"

    def flag(share: float) -> np.ndarray:
        return by_kind({"x": share}) == "x"

    # suppliers missing from the support sheet: among those whose invoices
    # would otherwise go through (so their cost in points is steady)
    column_vol = np.where(profile == "column", volume, 0.0)
    missing_from_sheet = (
        assign_by_volume(
            rng,
            column_vol,
            {"x": min(1.0, p.share_suppliers_missing_from_sheet * volume.sum() / max(1.0, column_vol.sum()))},
        )
        == "x"
    )
    stems = names.last_names(rng, n_sup)
    kind_names = {
        "residential": ("Botilbuddet", "Bostedet", "Bofællesskabet", "Opholdsstedet"),
        "day": ("Værkstedet", "Aktivitetscentret", "Dagcentret", "Beskæftigelsestilbuddet"),
        "stu": ("STU-skolen", "Ungdomsskolen", "Produktionsskolen"),
        "companion": ("Ledsagerservice", "Ledsagelse"),
    }
    sup_name = np.array(
        [
            f"{kind_names[k][rng.integers(0, len(kind_names[k]))]} {s}{rng.choice(['gården', 'høj', 'lund', 'hus', 'vang', ''])}".strip()
            if o != "private" or rng.random() < 0.5
            else f"{s} {rng.choice(['ApS', 'A/S', 'Fonden', 'I/S'])}"
            for k, s, o in zip(kind_of_sup, stems, own, strict=True)
        ],
        dtype=object,
    )
    rate_lag = draw_lag(rng, p.rate_lag, n_sup)
    suppliers = pd.DataFrame(
        {
            "cvr": valid_cvrs(rng, n_sup),
            "name": sup_name,
            "kind": kind_of_sup,
            "ownership": own,
            "profile": profile,
            "extras": flag(p.share_extras),
            "duplicates": flag(p.share_duplicates),
            "no_proration": flag(p.share_no_proration),
            "advance": (kind_of_sup == "residential") & flag(p.share_advance_billing),
            "late_notice": flag(p.share_late_notice),
            "stu_twelfths": (kind_of_sup == "stu") & flag(p.share_stu_twelfths),
            "rate_lag": rate_lag,
            "in_sheet": ~missing_from_sheet,
            "template_adopter": flag(p.template_adoption),
            "id_style": rng.integers(0, 4, n_sup),
            "date_style": rng.integers(0, 3, n_sup),
            "cvr_prefix": rng.random(n_sup) < 0.15,
            "shows_name": rng.random(n_sup) < 0.6,
        }
    )
    # the month from which a supplier invoices by the contact template (the scenario template)
    adopts = (p.template_from_month > 0) & suppliers["template_adopter"].to_numpy()
    suppliers["template_from"] = np.where(adopts, p.template_from_month - 1, NEVER)
    # the municipality excludes one supplier with good invoices (under supervision)
    good = np.flatnonzero((profile == "column") & (kind_of_sup == "residential"))
    excluded: list[str] = []
    if len(good) and p.excluded_supplier_share > 0:
        target = p.excluded_supplier_share * volume.sum()
        best = good[np.argmin(np.abs(volume[good] - target))]
        excluded = [suppliers.at[best, "cvr"]]

    # --- rates --------------------------------------------------------------
    base_year = int(str(start_month - 1)[:4])
    lo = np.empty(n_ep)
    hi = np.empty(n_ep)
    step = np.empty(n_ep)
    for (para, unit), (a, b, s) in RATES.items():
        m = (ep["paragraph"].to_numpy() == para) & (ep["unit"].to_numpy() == unit)
        lo[m], hi[m], step[m] = a, b, s
    high = exact_share(
        rng, (ep["paragraph"].to_numpy() == "108") & (ep["unit"].to_numpy() == "month"), p.high_cost_share
    )
    lo[high], hi[high] = HIGH_COST
    raw = rng.uniform(lo, hi)
    ep["base_rate"] = (np.round(raw / step) * step * MONEY_SCALE).round().astype(np.int64)

    # --- registration in Sensum ------------------------------------------------
    ep_start_month = month_index(start_month, ep["start"].to_numpy())
    new = ep_start_month >= 0
    reg = np.where(new, ep_start_month + draw_lag(rng, p.new_grant_lag, n_ep), ALWAYS)
    cleanup = lambda n: rng.geometric(max(1e-6, p.cleanup_per_month), n)  # noqa: E731
    # the backlog at go-live: each old grant has at most one error
    shares = [
        p.backlog_unregistered,
        p.backlog_wrong_supplier,
        p.backlog_stale_rate,
        p.backlog_double,
        p.backlog_wrong_service,
    ]
    backlog = np.full(n_ep, -1)
    old = np.flatnonzero(~new)
    backlog[old] = exact_choice(rng, len(old), [*shares, 1 - sum(shares)])  # 5 = none
    fix = cleanup(n_ep)
    reg = np.where(backlog == 0, fix, reg)
    wrong_supplier = (backlog == 1) | exact_share(rng, new, p.wrong_supplier_new)
    wrong_until = np.where(wrong_supplier, np.where(new, reg + fix, fix), ALWAYS)
    # the wrong supplier is another one of the same kind (a sister institution)
    wrong_cvr = np.empty(n_ep, dtype=object)
    for kind in KINDS:
        idx = np.flatnonzero(kind_of_sup == kind)
        m = np.flatnonzero(ep["kind"].to_numpy() == kind)
        other = idx[rng.integers(0, len(idx), len(m))]
        other = np.where(other == supplier[m], idx[(np.searchsorted(idx, supplier[m]) + 1) % len(idx)], other)
        wrong_cvr[m] = suppliers["cvr"].to_numpy()[other]
    ep["reg_month"] = reg
    ep["wrong_cvr"] = np.where(wrong_supplier, wrong_cvr, "")
    ep["wrong_until"] = wrong_until
    ep["stale_until"] = np.where(backlog == 2, fix, ALWAYS)
    ep["double_until"] = np.where(backlog == 3, fix, ALWAYS)
    # a sibling service: same unit and target group, another paragraph
    svc = services
    wrong_service = np.full(n_ep, -1)
    ws = np.flatnonzero(backlog == 4)
    ep_service = ep["service"].to_numpy()
    siblings = {
        s: np.flatnonzero(
            (svc["rate_unit"] == svc.at[s, "rate_unit"])
            & (svc["target_group"] == svc.at[s, "target_group"])
            & (svc["paragraph"] != svc.at[s, "paragraph"])
            & svc["paragraph"].isin(["103", "104", "107", "108"])
        )
        for s in np.unique(ep_service[ws])
    }
    for i in ws:  # in turn: one draw for each that has a sibling, in order
        same = siblings[ep_service[i]]
        if len(same):
            wrong_service[i] = same[rng.integers(0, len(same))]
    ep["wrong_service"] = wrong_service
    # when the end or an extension reaches Sensum
    re_ = ep["real_end"].to_numpy()
    end_month = np.where(np.isnat(re_), NEVER, month_index(start_month, np.where(np.isnat(re_), go_live, re_)))
    end_known = np.where(ep["unplanned_end"].to_numpy(), end_month + draw_lag(rng, p.end_lag, n_ep), ALWAYS)
    pe = ep["planned_end"].to_numpy()
    ext_month = month_index(start_month, np.where(np.isnat(pe), go_live, pe))
    ext_known = np.where(ep["extended"].to_numpy(), ext_month + draw_lag(rng, p.extension_lag, n_ep), ALWAYS)
    # Sensum shows the planned end (blank if open) until then, the real end after
    ep["end_known"] = np.maximum(end_known, ext_known)

    segments = _segments(ep, suppliers, start_month, horizon_end, base_year, p, rng)

    # support sheet: the coding rows, with the new year's rows for some
    # (paragraph, ownership) groups entered a month late
    sheet_coding = coding.copy()
    groups = sorted(
        {(r.paragraph, r.ownership) for r in coding.itertuples() if r.paragraph in ("103", "104", "107", "108")}
    )
    late_groups = [groups[i] for i in rng.choice(len(groups), min(p.late_coding_groups, len(groups)), replace=False)]
    for para, o in late_groups:
        m = (
            (sheet_coding["paragraph"] == para)
            & (sheet_coding["ownership"] == o)
            & (sheet_coding["valid_from"] == f"{change_year}-01-01")
        )
        sheet_coding.loc[m, "valid_from"] = f"{change_year}-02-01"

    return World(
        params=p,
        seed=seed,
        start_month=start_month,
        services=plain_columns(services),
        suppliers=plain_columns(suppliers),
        citizens=plain_columns(citizens),
        episodes=plain_columns(ep),
        segments=plain_columns(segments),
        coding=plain_columns(coding),
        sheet_coding=plain_columns(sheet_coding),
        excluded_suppliers=excluded,
    )


def yearly_rate(base: np.ndarray, years_after: np.ndarray, unit: np.ndarray, regulation: float) -> np.ndarray:
    """The rate after ``years_after`` regulations: whole kroner for month and
    year rates, øre for day and hour rates."""
    factor = (1 + regulation) ** np.asarray(years_after, dtype=float)
    step = np.where(np.isin(unit, ["month", "year"]), MONEY_SCALE, MONEY_SCALE // 100)
    return (np.round(np.asarray(base) * factor / step) * step).astype(np.int64)


def _segments(ep, suppliers, start_month, horizon_end, base_year, p, rng) -> pd.DataFrame:
    """One Sensum grant per episode and calendar year of its life in the
    horizon. The first year's grant starts when the episode starts; later ones
    on 1 January, registered when the supplier's new rate is."""
    first_year = base_year
    last_year = int(str(horizon_end)[:4])
    rows = []
    start = ep["start"].to_numpy()
    real_end = ep["real_end"].to_numpy()
    rate_lag = suppliers["rate_lag"].to_numpy()[ep["supplier"].to_numpy()]
    for y in range(first_year, last_year + 1):
        y0 = np.datetime64(f"{y}-01-01")
        y1 = np.datetime64(f"{y}-12-31")
        alive = (start <= y1) & (np.isnat(real_end) | (real_end >= y0))
        idx = np.flatnonzero(alive)
        seg_start = np.where(start[idx] < y0, y0, start[idx]) if y > first_year else start[idx]
        jan = int((y0.astype("datetime64[M]") - start_month).astype(int))
        reg = ep["reg_month"].to_numpy()[idx]
        visible = reg if y == first_year else np.where(start[idx] >= y0, reg, np.maximum(reg, jan + rate_lag[idx]))
        rows.append(
            pd.DataFrame(
                {
                    "episode": idx,
                    "year": y,
                    "seg_start": seg_start,
                    "visible_from": visible,
                    "rate": yearly_rate(
                        ep["base_rate"].to_numpy()[idx], y - base_year, ep["unit"].to_numpy()[idx], p.rate_regulation
                    ),
                }
            )
        )
    seg = pd.concat(rows, ignore_index=True).sort_values(["episode", "year"], kind="stable").reset_index(drop=True)
    seg["grant_id"] = [f"{4_100_000 + i}" for i in rng.permutation(len(seg))]
    seg["is_first"] = ~seg["episode"].duplicated()
    return seg
