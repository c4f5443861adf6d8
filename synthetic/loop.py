"""The loop closed: a simulated municipality that works through the top K
fixes of each month's fix list before the next month.

Each month the world's files are written as :func:`synthetic.write.write_months`
writes them, the robot decides them (read back as ``invoicekit replay`` reads
them, with the history of the months before), and
:func:`invoicekit.actions.fix_list` makes the month's fix list from the
decisions so far, that month's grants and support sheet. The municipality
then makes the first ``top`` fixes, as the people would, and the world
applies each from the next month on:

- ``template:<cvr>``: the supplier invoices by the contact template (CPR
  number and period in their columns, one citizen an invoice);
- ``grant_missing:<DDMMYY-xxxx>:<cvr>``: the grant of the citizen born that
  day at that supplier is registered, at that supplier;
- ``grant_supplier:<grant_id>``: the grant is moved to its right supplier;
- ``grant_period:<grant_id>``: the stay's real end (or extension) is registered;
- ``grant_double:<grant_id>``: the copy is deleted;
- ``rate:<cvr>:<service>:<YYYY-MM-DD>``: the year's new rate is registered in
  the supplier's grants of that service (the continuing grants waiting for
  the new year's rate, and any still showing last year's);
- ``grant_rate:<grant_id>``: that grant's rate is corrected;
- ``coding:<paragraph>:<ownership>:<target_group>``: the support sheet's
  coding rows for it are given their right dates; ``coding_supplier:<cvr>``:
  the supplier is added to the sheet;
- ``rule:max_amount`` and ``rule:tolerance``: IT raises the robot's limit or
  tolerance to what the action proposes (the largest linked invoice, or
  difference, rounded up as the action rounds it).

A fix changes only what it names, and only where the world holds the cause
it names: a key that names no cause in the world changes nothing (and is
counted as not applied). Everything else about the world (who arrives and
leaves, what the suppliers bill) is drawn up front by
:func:`synthetic.world.build_world` and stays; the draws within a month (a
rounding, a keying error) follow one stream, so a fix that changes how many
invoices arrive (a collective supplier sending one invoice a citizen) moves
the draws of the months after it, as the scenario ``template`` does.

``top=0`` is the plain world: the same files, the same decisions as
``invoicekit synth`` and ``invoicekit replay``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.actions import Settings, fix_list
from invoicekit.decide import decide
from invoicekit.extracts import read_grants, read_invoice_lines, read_invoices, read_support_sheet
from invoicekit.followup import first_decisions
from invoicekit.history import History, extend_history
from invoicekit.parsing import kroner
from invoicekit.reasons import POSTED
from invoicekit.replay import wrong_postings
from invoicekit.rules import Rules
from invoicekit.vocabulary import OWNERSHIP_DA
from synthetic.fixes import MAX_AMOUNT, PARAGRAPHS, TOLERANCE
from synthetic.scenario import parse_scenario
from synthetic.world import ALWAYS, TEMPLATE_MENDS, World, build_world, month_index
from synthetic.write import write_months

log = logging.getLogger(__name__)

LOOP_COLUMNS = (
    "scenario", "top", "month", "invoices", "posted", "automation_rate", "wrong_postings",
    "fixes_listed", "fixes_applied", "applied_keys",
)  # fmt: skip
#: the robot's rules in the world (its ``rules.toml``, :func:`world_rules`), beside the excluded suppliers
WORLD_RULES = {"tolerance": TOLERANCE, "max_amount": MAX_AMOUNT, "paragraphs": PARAGRAPHS,
               "supplementary_period_end": "01-31"}  # fmt: skip
#: a grant registered twice shows its copy under its number plus this (:meth:`synthetic.invoices.Months.sensum`)
TWIN_OFFSET = 5_000_000
_OWNERSHIP = {**{v: k for k, v in OWNERSHIP_DA.items()}, **{k: k for k in OWNERSHIP_DA}}


def world_rules(world: World) -> Rules:
    """The robot's rules in ``world`` before any rule fix: those its ``rules.toml`` holds."""
    return Rules(**WORLD_RULES, excluded_suppliers=tuple(world.excluded_suppliers))


class Registrations:
    """What the fixes move in a world, in place: the months from which
    grants, rates, ends and suppliers are registered right, suppliers follow
    the template, and the support sheet's rows. A segment's grant shows from
    the later of its episode's registration and, for a continuing grant's new
    year, the month its new rate is registered (``rate_from``), as
    :func:`synthetic.world.build_world` draws it."""

    def __init__(self, world: World) -> None:
        self.w = world
        seg, ep = world.segments, world.episodes
        e = seg["episode"].to_numpy()
        years = seg["year"].to_numpy()
        y0 = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        jan = month_index(world.start_month, y0)
        lag = world.suppliers["rate_lag"].to_numpy()[ep["supplier"].to_numpy()[e]]
        first_year = years == years.min()
        continuing = ~first_year & (ep["start"].to_numpy().astype("datetime64[D]")[e] < y0)
        self.rate_from = np.where(continuing, jan + lag, ALWAYS)
        if not (self._visible() == seg["visible_from"].to_numpy()).all():
            raise ValueError("the world's grants show from other months than its registrations say")
        cvrs = world.suppliers["cvr"].to_numpy(dtype=object)
        self.supplier_of = pd.Series(np.arange(len(cvrs)), index=cvrs)
        self.segment_of = pd.Series(np.arange(len(seg)), index=seg["grant_id"].to_numpy(dtype=object))

    def _visible(self) -> np.ndarray:
        e = self.w.segments["episode"].to_numpy()
        return np.maximum(self.w.episodes["reg_month"].to_numpy()[e], self.rate_from)

    def _earlier(self, frame: pd.DataFrame, column: str, rows: np.ndarray, month: int) -> int:
        """Move ``column`` of ``rows`` to ``month`` where it comes later; how many moved."""
        values = frame[column].to_numpy().copy()
        later = np.zeros(len(values), dtype=bool)
        later[rows] = values[rows] > month
        values[later] = month
        frame[column] = values
        return int(later.sum())

    def _episode_of_grant(self, grant_id: str) -> np.ndarray:
        at = self.segment_of.get(grant_id)
        return np.array([], dtype=np.int64) if at is None else self.w.segments["episode"].to_numpy()[[at]]

    def apply(self, key: str, month: int) -> int:
        """Make the fix ``key`` from month ``month`` on; how many things of
        the world it changed (0: the world holds no such cause)."""
        w = self.w
        ep, sup = w.episodes, w.suppliers
        kind, _, rest = key.partition(":")
        if kind == "template":
            s = self.supplier_of.get(rest)
            if s is None or sup["profile"].iat[s] not in TEMPLATE_MENDS:
                return 0
            return self._earlier(sup, "template_from", np.array([s]), month)
        if kind == "grant_missing":
            birth, _, cvr = rest.partition(":")
            s = self.supplier_of.get(cvr)
            if s is None:
                return 0
            cpr = w.citizens["cpr"].to_numpy(dtype=object)[ep["citizen"].to_numpy()]
            mine = np.flatnonzero((ep["supplier"].to_numpy() == s) & (pd.Series(cpr).str[:6] == birth[:6]).to_numpy())
            changed = self._earlier(ep, "reg_month", mine, month) + self._earlier(ep, "wrong_until", mine, month)
            self._show()
            return changed
        if kind == "grant_supplier":
            return self._earlier(ep, "wrong_until", self._episode_of_grant(rest), month)
        if kind == "grant_period":
            return self._earlier(ep, "end_known", self._episode_of_grant(rest), month)
        if kind == "grant_rate":
            return self._earlier(ep, "stale_until", self._episode_of_grant(rest), month)
        if kind == "grant_double":
            twin = str(int(rest) - TWIN_OFFSET) if rest.isdigit() else ""
            return self._earlier(ep, "double_until", self._episode_of_grant(twin), month)
        if kind == "rate":
            return self._rate(rest, month)
        if kind == "coding":
            return self._coding(rest)
        if kind == "coding_supplier":
            s = self.supplier_of.get(rest)
            if s is None or sup["in_sheet"].iat[s]:
                return 0
            in_sheet = sup["in_sheet"].to_numpy().copy()
            in_sheet[s] = True
            sup["in_sheet"] = in_sheet
            return 1
        return 0

    def _show(self) -> None:
        self.w.segments["visible_from"] = self._visible()

    def _rate(self, rest: str, month: int) -> int:
        cvr, _, tail = rest.partition(":")
        service, _, day = tail.rpartition(":")
        s = self.supplier_of.get(cvr)
        if s is None or len(day) < 4 or not day[:4].isdigit():
            return 0
        w = self.w
        seg, ep = w.segments, w.episodes
        e = seg["episode"].to_numpy()
        registered = np.where(ep["wrong_service"].to_numpy() >= 0, ep["wrong_service"], ep["service"])
        code = w.services["service_code"].to_numpy(dtype=object)[registered[e]]
        these = (ep["supplier"].to_numpy()[e] == s) & (code == service) & (seg["year"].to_numpy() == int(day[:4]))
        rows = np.flatnonzero(these)
        later = self.rate_from[rows] > month
        self.rate_from[rows[later]] = month
        self._show()
        first = rows[seg["is_first"].to_numpy()[rows]]
        return int(later.sum()) + self._earlier(ep, "stale_until", e[first], month)

    def _coding(self, rest: str) -> int:
        paragraph, ownership, target = [*rest.split(":", 2), "", ""][:3]
        paragraph = paragraph.removeprefix("§").strip()
        ownership = _OWNERSHIP.get(ownership, ownership)
        sheet, true = self.w.sheet_coding, self.w.coding
        mine = (
            (sheet["paragraph"] == paragraph)
            & (sheet["ownership"] == ownership)
            & (sheet["target_group"].str.casefold() == target.casefold())
        ).to_numpy()
        right = true["valid_from"].to_numpy(dtype=object)
        wrong = mine & (sheet["valid_from"].to_numpy(dtype=object) != right)
        if wrong.any():
            sheet["valid_from"] = np.where(wrong, right, sheet["valid_from"].to_numpy(dtype=object))
        return int(wrong.sum())


def rules_toml(
    rules: Rules, comment: str = "The municipality's business rules, as IT changed them after the fix list"
) -> str:
    """The rules as a ``rules.toml`` holds them, under ``comment``."""

    def strings(values: tuple[str, ...]) -> str:
        return "[" + ", ".join(f'"{v}"' for v in values) + "]"

    return (
        f"# {comment}\n"
        f"tolerance = {rules.tolerance:.2f}\n"
        f"max_amount = {rules.max_amount:.2f}\n"
        f"paragraphs = {strings(rules.paragraphs)}\n"
        f"excluded_suppliers = {strings(rules.excluded_suppliers)}\n"
        f'supplementary_period_end = "{rules.supplementary_period_end}"\n'
    )


def rules_after(key: str, month: pd.DataFrame, links: pd.DataFrame, rules: Rules) -> Rules:
    """The rules after IT makes the rule fix ``key`` as its action proposes,
    from the month's decisions and the fix list's ``links``: the limit
    raised to the largest linked invoice rounded up to 10.000 kr., the
    tolerance to the largest linked difference, to the øre (never lowered)."""
    linked = month[month["row"].isin(links.loc[links["fix_key"] == key, "row"])]
    if not len(linked):
        return rules
    if key == "rule:max_amount":
        limit = math.ceil(kroner(int(linked["amount_ore"].max())) / 10_000) * 10_000
        return dataclasses.replace(rules, max_amount=float(max(limit, rules.max_amount)))
    if key == "rule:tolerance":
        diff = int((linked["amount_ore"] - linked["expected_amount_ore"]).abs().max())  # whole øre
        return dataclasses.replace(rules, tolerance=float(max(kroner(diff), rules.tolerance)))
    return rules


@dataclass(frozen=True)
class LoopResult:
    """What :func:`run_loop` gives: the monthly table (:data:`LOOP_COLUMNS`)
    and every month's decisions beside the truth of each invoice (its
    ``should_pay``, ``cause`` and ``fix_key``, and whether it was posted
    ``wrong``)."""

    monthly: pd.DataFrame
    decisions: pd.DataFrame


def closed_loop(
    scenario: str = "baseline",
    seed: int = 1,
    top: int = 10,
    citizens: int | None = None,
    months: int | None = None,
    start: str | None = None,
    on_month: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Run the municipality of ``scenario`` and ``seed`` month by month,
    making the first ``top`` fixes of each month's fix list before the next
    month (``top=0``: none). Returns one row a month (:data:`LOOP_COLUMNS`):
    the invoices, how many the robot posted, the automation rate, the
    postings wrong against the truth, how many fixes the list held, how many
    of the top ones changed the world, and their keys (``;``-joined)."""
    params = parse_scenario(scenario).replace(
        **{k: v for k, v in {"citizens": citizens, "months": months, "start": start}.items() if v is not None}
    )
    world = build_world(params, seed)
    with tempfile.TemporaryDirectory(prefix="invoicekit-loop-") as tmp:
        return run_loop(world, top, Path(tmp), scenario=scenario, on_month=on_month).monthly


def run_loop(
    world: World,
    top: int,
    out: str | Path,
    scenario: str = "",
    oioubl: bool = False,
    on_month: Callable[[str], None] | None = None,
    fixes: Mapping[str, Sequence[str]] | None = None,
) -> LoopResult:
    """:func:`closed_loop` on a world already built (which the fixes change
    in place), writing its files into ``out`` (a new or empty folder) as
    ``invoicekit synth`` writes a world: a support sheet that a fix changes
    is written again for the month it holds from
    (``stoetteark-YYYY-MM.xlsx``), and rules IT changes likewise
    (``rules-YYYY-MM.toml``), so that ``invoicekit replay`` of the folder
    decides as the loop did.

    ``fixes`` (month → keys) makes exactly those fixes after those months
    instead of the list's top ``top``: what happens when the people make
    these (rule fixes need the list's linked invoices, so only ``top`` makes
    them)."""
    out = Path(out)
    registrations = Registrations(world)
    rules = world_rules(world)
    history = History()
    decided = []
    rows = []
    sheet_file, sheet = None, None
    for k, month in enumerate(write_months(world, out, oioubl=oioubl)):
        if month.support_sheet != sheet_file:
            sheet_file, sheet = month.support_sheet, read_support_sheet(month.support_sheet)
        grants = read_grants(month.grants_file)
        lines = read_invoice_lines(month.lines_file) if month.lines_file is not None else None
        result = decide(read_invoices(month.invoice_file), grants, sheet, rules, history, messages=False, lines=lines)
        d = result.decisions
        history = extend_history(history, d, run_id=k + 1, started_at=month.label, lines=result.lines)
        decided.append(d.assign(month=month.label))
        truth = month.truth_frame()
        truth["row"] = truth["row"].astype(np.int64)
        truth["should_pay"] = truth["should_pay"] == "true"
        wrong_posted = wrong_postings(d, truth)
        wrong = int(wrong_posted.sum())
        by_row = truth.set_index("row").reindex(d["row"].to_numpy())
        decided[-1] = decided[-1].assign(
            true_should_pay=by_row["should_pay"].to_numpy(),
            true_cause=by_row["cause"].to_numpy(),
            true_fix=by_row["fix_key"].to_numpy(),
            wrong=wrong_posted.to_numpy(),
        )
        listed, applied = 0, []
        if fixes is not None:
            applied = [key for key in fixes.get(month.label, ()) if registrations.apply(key, k + 1) > 0]
        elif top > 0 and k + 1 < world.months:
            settings = Settings.from_rules(rules)  # the month's, as invoicekit actions reads them from the journal
            actions = fix_list(first_decisions(pd.concat(decided, ignore_index=True)), grants, sheet,
                               month=month.label, settings=settings)  # fmt: skip
            listed = len(actions.fixes)
            before = rules
            for key in actions.fixes["fix_key"].head(top):
                if key.startswith("rule:"):
                    changed = rules_after(key, d, actions.links, rules)
                    done = changed != rules
                    rules = changed
                else:
                    done = registrations.apply(key, k + 1) > 0
                if done:
                    applied.append(key)
            if rules != before:
                (out / f"rules-{world.month_label(k + 1)}.toml").write_text(rules_toml(rules), encoding="utf-8")
        posted = int((d["status"] == POSTED).sum())
        rows.append(
            {
                "scenario": scenario,
                "top": top,
                "month": month.label,
                "invoices": len(d),
                "posted": posted,
                "automation_rate": posted / len(d) if len(d) else 0.0,
                "wrong_postings": wrong,
                "fixes_listed": listed,
                "fixes_applied": len(applied),
                "applied_keys": ";".join(applied),
            }
        )
        log.info("%s: %d of %d posted, %d fixes applied", month.label, posted, len(d), len(applied))
        if on_month:
            on_month(month.label)
    return LoopResult(pd.DataFrame(rows, columns=list(LOOP_COLUMNS)), pd.concat(decided, ignore_index=True))
