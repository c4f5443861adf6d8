"""The fix each invoice needs, as the world knows it: the truth the fix list
(:mod:`invoicekit.actions`) is measured against.

For every invoice of a month, ``fix_key`` names the change at the source
that its first problem needs, in the forms :mod:`invoicekit.actions` writes,
and ``fix_owner`` who must make it; both are blank where no change at the
source is needed or none would help (the invoice is right as it is, or it
must be handled by hand whatever anyone registers: a credit note, a keying
error, a fee, an extra, a bill after the stay ended).

An invoice's problems are met in the order the robot checks them
(``docs/robot-spec.md``): the first one decides its fix, as a person
working through the invoice would meet it. In the world's terms:

- ``template:<cvr>`` (supplier): the supplier writes no CPR number, no period,
  or several citizens on one invoice, and has not adopted the contact template;
- ``grant_missing:<DDMMYY-xxxx>:<cvr>`` (caseworker): the stay's grant is not
  registered yet (registered late, or missing from the backlog at go-live);
- ``grant_supplier:<grant_id>`` (caseworker): registered at another supplier;
- ``grant_period:<grant_id>`` (caseworker): the stay goes on past the grant's
  registered end (an extension registered late), or began before its start;
- ``rate:<cvr>:<service>:<YYYY-01-01>`` (administration): the new year's rate
  is not registered yet, so last year's grant still shows the old rate;
- ``grant_rate:<grant_id>`` (administration): the grant shows last year's rate
  (the backlog at go-live), for this grant only;
- ``grant_double:<grant_id>`` (caseworker): the grant is registered twice; the
  key names the copy to delete;
- ``coding:<paragraph>:<ownership>:<target_group>`` and
  ``coding_supplier:<cvr>`` (finance): the support sheet lacks the coding row
  valid on the period's first day, or the supplier;
- ``rule:tolerance`` (it): the supplier rounded a day rate (1 to 5 kr. off)
  and a human pays it;
- ``rule:max_amount`` (it): a regular invoice above the robot's limit that
  would otherwise pass;
- ``grant_service:<grant_id>`` (caseworker): registered under the wrong
  service; the robot posts it on that service's coding without noticing.

Nothing here draws a random number: the truth is read off the world, so
every other file stays as it was for the same seed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from invoicekit.amounts import expected_amounts, unit_codes
from invoicekit.parsing import MONEY_SCALE
from invoicekit.vocabulary import RATE_UNIT_ORDER

#: the business rules the world is written with (``rules.toml``)
TOLERANCE = 1.0
MAX_AMOUNT = 100_000.0
PARAGRAPHS = ("103", "104", "107", "108", "STU")
#: an invoice that bills its grant's rate is off by at most this (a supplier's rounding)
ROUNDING = 5.0

#: who makes a fix, by the kind of its key
FIX_OWNERS: dict[str, str] = {
    "template": "supplier",
    "grant_missing": "caseworker",
    "grant_supplier": "caseworker",
    "grant_period": "caseworker",
    "grant_double": "caseworker",
    "grant_service": "caseworker",
    "rate": "administration",
    "grant_rate": "administration",
    "coding": "finance",
    "coding_supplier": "finance",
    "coding_service": "finance",
    "rule": "it",
}
#: the invoice's own causes that bill the grant's rate (give or take a rounding)
BY_RATE = ("regular", "rounding_within_1", "rounding_1_to_5")


def fix_owner(keys: np.ndarray) -> np.ndarray:
    """The owner of each key (blank for a blank key), worked out once for each distinct key."""
    codes, distinct = pd.factorize(np.asarray(keys, dtype=object))
    owners = np.array([FIX_OWNERS.get(k.split(":")[0], "") for k in distinct], dtype=object)
    return owners[codes]


class _First:
    """Keys given in check order: the first check that takes an invoice decides it.
    A key is one text, or a function from the rows a check takes (their
    positions) to their keys: each invoice's key is built once, by the check
    that takes it, not for every invoice by every check."""

    def __init__(self, n: int) -> None:
        self.key = np.full(n, "", dtype=object)
        self.done = np.zeros(n, dtype=bool)

    def take(self, mask: np.ndarray, key: str | Callable[[np.ndarray], np.ndarray] = "") -> None:
        m = np.asarray(mask, dtype=bool) & ~self.done
        if callable(key):
            rows = np.flatnonzero(m)
            if len(rows):
                self.key[rows] = key(rows)
        else:
            self.key[m] = key
        self.done |= m


def fix_truth(months, inv: pd.DataFrame, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(fix_owner, fix_key)`` for each invoice of month ``k`` (``inv`` as
    :meth:`synthetic.invoices.Months.invoices` returns it); ``months`` is the
    :class:`~synthetic.invoices.Months` that made them."""
    w = months.w
    n = len(inv)
    first = _First(n)
    if not n:
        return np.full(0, "", dtype=object), np.full(0, "", dtype=object)
    sup = inv["supplier"].to_numpy()
    suppliers = w.suppliers
    cvr = suppliers["cvr"].to_numpy(dtype=object)[sup]
    episode = inv["episode"].to_numpy()
    ep = w.episodes
    keying = inv["keying"].to_numpy(dtype=object)
    amount = inv["amount"].to_numpy(dtype=np.int64)
    ps = inv["period_start"].to_numpy().astype("datetime64[D]")
    pe = inv["period_end"].to_numpy().astype("datetime64[D]")
    # the invoice's own cause, without the grant's wrong service (each distinct cause once)
    cause_code, causes = pd.factorize(inv["cause"].to_numpy(dtype=object))
    own_causes = [c.replace("+wrong_service_in_sensum", "") for c in causes]
    own_causes = ["regular" if c == "wrong_service_in_sensum" else c for c in own_causes]
    n_citizens = np.fromiter(map(len, inv["citizens"]), dtype=np.int64, count=n)

    # the invoice itself (checks 1-10): the template's profiles, keying errors, credit notes, copies
    profile = w.profiles(k)[sup]

    def template(rows: np.ndarray) -> np.ndarray:
        return "template:" + cvr[rows]

    first.take(keying == "missing_id")
    first.take(keying == "bad_cpr")
    first.take(n_citizens > 1, template)
    first.take(profile == "no_cpr", template)
    first.take(keying == "bad_cvr")
    first.take(profile == "no_period", template)
    first.take(np.isin(keying, ["swapped_period", "blank_amount"]))
    first.take(amount <= 0)
    first.take(inv["invoice_type"].to_numpy(dtype=object) == "duplicate")

    # the grant (checks 11-16): what Sensum shows of the stay's grants this month
    reg = months.registered(k)
    reg = reg[reg["visible"].to_numpy()]
    c = pd.DataFrame({"i": np.arange(n), "episode": episode, "ps": ps, "pe": pe}).merge(reg, on="episode")
    shown = np.bincount(c["i"].to_numpy(), minlength=n) > 0
    cit = w.citizens["cpr"].to_numpy(dtype=object)[ep["citizen"].to_numpy()[episode]]
    first.take(
        ~shown,
        lambda rows: "grant_missing:" + np.array([f"{x[:6]}-xxxx" for x in cit[rows]], dtype=object) + ":" + cvr[rows],
    )

    wrong = c[c["cvr"].to_numpy() != cvr[c["i"].to_numpy()]]
    covers = (c["start"] <= c["ps"]) & (c["end"].isna() | (c["end"] >= c["pe"]))
    cov = c[covers.to_numpy()].sort_values(["i", "start"]).drop_duplicates("i", keep="last").set_index("i")
    # the grant a person would correct: the covering one, else the one ended last
    pick = pd.concat([cov.reset_index(), c.sort_values(["i", "end"]).drop_duplicates("i", keep="last")])
    pick = pick.drop_duplicates("i", keep="first").set_index("i")
    wrong_at = np.zeros(n, dtype=bool)
    wrong_at[wrong["i"].unique()] = True
    gid = np.full(n, "", dtype=object)
    gid[pick.index.to_numpy()] = pick["grant_id"].to_numpy(dtype=object)
    first.take(wrong_at, lambda rows: "grant_supplier:" + gid[rows])

    covered = np.zeros(n, dtype=bool)
    covered[cov.index.to_numpy()] = True
    start = ep["start"].to_numpy().astype("datetime64[D]")[episode]
    real_end = ep["real_end"].to_numpy().astype("datetime64[D]")[episode]
    lives = (start <= ps) & (np.isnat(real_end) | (real_end >= pe))
    late = c[(c["start"] > c["ps"]).to_numpy()].sort_values(["i", "start"]).drop_duplicates("i", keep="first")
    ended = c[(c["end"] < c["pe"]).to_numpy()].sort_values(["i", "end"]).drop_duplicates("i", keep="last")
    period_gid = np.full(n, "", dtype=object)
    period_gid[late["i"].to_numpy()] = late["grant_id"].to_numpy(dtype=object)
    period_gid[ended["i"].to_numpy()] = ended["grant_id"].to_numpy(dtype=object)
    first.take(~covered & lives, lambda rows: "grant_period:" + period_gid[rows])
    first.take(~covered)  # billed for days the stay did not have: to be rejected

    unit = unit_codes(inv["unit"].to_numpy(dtype=object))  # worked out once for the checks below
    first.take(unit == RATE_UNIT_ORDER.index("hour"))  # no fixed rate: checked by hand
    at = cov.reindex(np.arange(n))
    rate_shown = at["rate"].fillna(-1).to_numpy(dtype=np.int64)
    rate_true = inv["rate"].to_numpy(dtype=np.int64)
    exp_true = expected_amounts(rate_true, unit, ps, pe)
    exp_shown = expected_amounts(rate_shown, unit, ps, pe)
    attendance = (unit == RATE_UNIT_ORDER.index("day")) & np.isin(
        ep["paragraph"].to_numpy(dtype=object)[episode], ["103", "104"]
    )
    by_rate = (
        np.isin(np.array(own_causes, dtype=object), BY_RATE)[cause_code]
        & ~attendance
        & (np.abs(amount - exp_true) <= ROUNDING * MONEY_SCALE)
    )
    rate_wrong = by_rate & (rate_shown != rate_true)
    svc = at["service"].fillna(0).to_numpy(dtype=np.int64)
    codes = w.services["service_code"].to_numpy(dtype=object)[svc]
    year_shown = at["year"].fillna(0).to_numpy(dtype=np.int64)
    year_billed = ps.astype("datetime64[Y]").astype(np.int64) + 1970

    def rate_key(rows: np.ndarray) -> np.ndarray:
        new_year = np.array([f"{y}-01-01" for y in year_billed[rows]], dtype=object)
        return "rate:" + cvr[rows] + ":" + codes[rows] + ":" + new_year

    first.take(rate_wrong & (year_shown < year_billed), rate_key)
    cov_gid = at["grant_id"].fillna("").to_numpy(dtype=object)
    first.take(rate_wrong & at["stale"].fillna(False).to_numpy(dtype=bool), lambda rows: "grant_rate:" + cov_gid[rows])
    off = np.abs(amount - exp_shown) > TOLERANCE * MONEY_SCALE
    first.take(by_rate & off & (np.abs(amount - exp_shown) <= ROUNDING * MONEY_SCALE), "rule:tolerance")
    first.take(off)  # a fee, a deduction, an extra, days of attendance: the amount is the invoice's own

    def twin(rows: np.ndarray) -> np.ndarray:
        return "grant_double:" + np.array([str(int(g) + 5_000_000) if g else "" for g in cov_gid[rows]], dtype=object)

    first.take(at["double"].fillna(False).to_numpy(dtype=bool), twin)

    # coding (check 17): the support sheet as the municipality keeps it
    services = w.services
    para = services["paragraph"].to_numpy(dtype=object)[svc]
    target = services["target_group"].to_numpy(dtype=object)[svc]
    own = suppliers["ownership"].to_numpy(dtype=object)[sup]
    first.take(~suppliers["in_sheet"].to_numpy(dtype=bool)[sup], lambda rows: "coding_supplier:" + cvr[rows])
    valid = _coding_rows(
        w.sheet_coding,
        ((services["paragraph"], svc), (suppliers["ownership"], sup), (services["target_group"], svc)),
        ps,
    )

    def coding_key(rows: np.ndarray) -> np.ndarray:
        groups = pd.Series(target[rows]).str.casefold().to_numpy(dtype=object)
        return "coding:" + para[rows] + ":" + own[rows] + ":" + groups

    first.take(valid != 1, coding_key)

    # the rules (checks 18-20)
    first.take(np.isin(cvr, list(w.excluded_suppliers)))
    first.take(~np.isin(services["paragraph"].to_numpy(dtype=object), PARAGRAPHS)[svc])
    first.take(amount > MAX_AMOUNT * MONEY_SCALE, "rule:max_amount")
    true_svc = ep["service"].to_numpy()[episode]
    first.take(covered & (svc != true_svc), lambda rows: "grant_service:" + cov_gid[rows])
    return fix_owner(first.key), first.key


def _coding_rows(sheet: pd.DataFrame, groups: tuple, day: np.ndarray) -> np.ndarray:
    """How many of the sheet's coding rows are valid on ``day`` for each
    invoice's (paragraph, ownership, target group); ``groups`` gives each
    of the three as ``(values, at)``: the texts of a table (the services, the
    suppliers) and the invoices' rows in it."""
    frm = pd.to_datetime(sheet["valid_from"]).to_numpy().astype("datetime64[D]")
    to = pd.to_datetime(sheet["valid_to"].replace("", None)).to_numpy().astype("datetime64[D]")
    key, want = _group_numbers((sheet["paragraph"], sheet["ownership"], sheet["target_group"]), groups)
    # the invoices of each group together, so that each row looks only at its own group's
    order = np.argsort(want, kind="stable")
    bounds = np.searchsorted(want[order], np.stack([key, key + 1]))
    out = np.zeros(len(want), dtype=np.int64)
    for j in range(len(sheet)):  # a few dozen rows
        rows = order[bounds[0, j] : bounds[1, j]]
        d = day[rows]
        out[rows] += (frm[j] <= d) & (np.isnat(to[j]) | (d <= to[j]))
    return out


def _group_numbers(sheet: tuple, invoices: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Each (paragraph, ownership, target group) of the sheet's rows and of the
    invoices (each text as ``(values, at)``, see :func:`_coding_rows`) as one
    number, the same for the same three texts; -1 for an invoice's group that
    the sheet does not have."""
    key = np.zeros(len(sheet[0]), dtype=np.int64)
    want = np.zeros(len(invoices[0][1]), dtype=np.int64)
    missing = np.zeros(len(want), dtype=bool)
    for mine, (theirs, rows) in zip(sheet, invoices, strict=True):
        values = pd.Index(pd.unique(np.asarray(mine, dtype=object)))
        key = key * len(values) + values.get_indexer(np.asarray(mine, dtype=object))
        at = values.get_indexer(np.asarray(theirs, dtype=object))[rows]
        missing |= at < 0
        want = want * len(values) + at
    return key, np.where(missing, -1, want)
