"""Rule tuning: every rule set in a grid replayed over a world and weighed,
automation against the error rate of automatic postings.

The grid is every combination of the values given per rule (keys in
alphabetical order, the last varying fastest, as scikit-learn's
``ParameterGrid`` orders them). Each rule set is replayed without message
texts, which only counting does not need, and the rule sets of one tolerance
together: checks 1-17 read no other rule, so each month is checked once for
them all. The recommendation is the rule set with the highest
automation whose error rate (point estimate) is at most ``max_error``; ties go
to the lower error rate, then the narrower rules: the lower tolerance, the lower
``max_amount``, fewer paragraphs, more excluded suppliers, in that order.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.cells import safe_frame
from invoicekit.errors import InputError
from invoicekit.evaluate import evaluate, evaluate_alike
from invoicekit.formats import dk_number, en_percent
from invoicekit.history import History
from invoicekit.identifiers import compact_cvr, mask_cpr_text, quoted
from invoicekit.replay import WorldData, simulate_rule_sets, simulate_with_lines
from invoicekit.rules import RULE_KEYS, THOUSANDS_GROUPED, Rules, rules_from_dict
from invoicekit.vocabulary import normalise_paragraph

LIST_KEYS = ("paragraphs", "excluded_suppliers")
#: the rules a grid may vary: those that decide which invoices are posted
#: (``supplementary_period_end`` sets only the posting date of what is posted)
GRID_KEYS = ("tolerance", "max_amount", *LIST_KEYS)
log = logging.getLogger(__name__)

#: tolerances from which ``tune`` replays them in parallel by default: a
#: tolerance's rule sets take about a second together, starting a process
#: about as long
PARALLEL_FROM = 6


def parse_grid(text: str) -> dict[str, list]:
    """``"tolerance=0,1,5,25;max_amount=25000,100000;paragraphs=103+104+107+108+STU,103+104+107+108+STU+97"``
    → a dict of rule → values. Values are separated by ``,``; the items
    of a list (paragraphs, excluded suppliers) by ``+``; ``-`` is an empty list."""
    grid: dict[str, list] = {}
    for part in [p.strip() for p in text.split(";") if p.strip()]:
        if "=" not in part:
            raise InputError(None, "--grid", f"{quoted(part)} has no '='; expected key=value,value;key=value")
        key, _, values = (x.strip() for x in part.partition("="))
        _check_grid_key(key, "--grid")
        if key in grid:  # the last one was kept, unseen
            raise InputError(None, "--grid", f"{key} is given twice; expected each rule once, its values joined by ','")
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not items:
            raise InputError(None, "--grid", f"{key} has no values")
        if key in LIST_KEYS:
            grid[key] = [tuple() if v == "-" else tuple(x.strip() for x in v.split("+") if x.strip()) for v in items]
        else:
            if grouped := next((v for v in items if THOUSANDS_GROUPED.fullmatch(v)), None):
                whole = grouped.replace(".", "")
                raise InputError(
                    None, "--grid", f"{key}: {quoted(grouped)} is {whole} DKK with Danish thousands separators but a "
                    f"decimal number to Python and TOML; expected no thousands separator ({whole}) and a decimal "
                    "point only before decimals"
                )  # fmt: skip
            if cents := next((v for v in items[1:] if re.fullmatch(r"0[0-9]+", v)), None):
                # "max_amount=25000,00" was two rule sets, 25000 and 0 kr. (Danish decimals after the ',')
                raise InputError(
                    None, "--grid", f"{key}: {quoted(values)} reads as the values {', '.join(items)}, and "
                    f"{quoted(cents)} looks like Danish decimals; expected values separated by ',' with a decimal "
                    "point (25000.00)"
                )  # fmt: skip
            try:
                grid[key] = [float(v) for v in items]
            except ValueError:
                raise InputError(None, "--grid", f"{key}: {quoted(values)} are not all numbers") from None
        # each value as the rules take it, refused here naming --grid and the value as written (a bad
        # one was refused later as a rules file's key, 'max_amount=7101904321' shown as 710190-xxxx.0)
        for written, value in zip(items, grid[key], strict=True):
            try:
                Rules(**{key: value})
            except InputError as exc:
                said = (
                    f"{quoted(written)} is not a number from 0 to 1000000000 (DKK)"
                    if key not in LIST_KEYS
                    else exc.expected
                )
                raise InputError(None, "--grid", f"{key}: {said}") from None
        # a value twice made two rule sets alike, both on the front: one of them is no other choice
        # (a list compared as the rules read it: 103+104 is 104+103, § 107 is 107, DK29345716 is 29345716)
        same = [_as_read(key, v) for v in grid[key]]
        again = next((grid[key][k] for k, v in enumerate(same) if v in same[:k]), None)
        if again is not None:
            shown = "+".join(again) or "-" if key in LIST_KEYS else f"{again:g}"
            raise InputError(None, "--grid", f"{key}: {quoted(shown)} is given twice; expected each value once")
    if not grid:
        raise InputError(None, "--grid", "is empty; expected e.g. tolerance=0,1,5,25;max_amount=25000,100000")
    return grid


def _check_grid_key(key: str, option: str) -> None:
    """Refuse a grid's rule that is none, or one of the posting date alone (nothing to weigh)."""
    if key in RULE_KEYS and key not in GRID_KEYS:
        raise InputError(
            None, option, f"{key} sets only the posting date, not which invoices are posted, so there is "
            f"nothing to weigh; expected one of {', '.join(GRID_KEYS)} (set {key} in the world's rules.toml)"
        )  # fmt: skip
    if key not in GRID_KEYS:
        raise InputError(None, option, f"unknown rule {quoted(key)}; expected one of {', '.join(GRID_KEYS)}")


def check_grid(grid: dict) -> dict[str, list]:
    """A grid given as a dict (scikit-learn's ``ParameterGrid`` form: a list
    or array of values per rule), checked as :func:`parse_grid` checks the
    text: a dict skipped the checks, and a value given twice made two rule
    sets alike, both on the front, and a rule of the posting date alone was
    weighed (an attack on 0.9.37). Returned with lists of values."""
    if not grid:
        raise InputError(None, "grid", "is empty; expected e.g. {'tolerance': [0, 1, 5, 25]}")
    checked: dict[str, list] = {}
    for key, values in grid.items():
        _check_grid_key(key, "grid")
        # one value not in a list (5, np.float64(5), a text) is a list of one
        items = list(values) if isinstance(values, Iterable) and not isinstance(values, str) else [values]
        if not items:
            raise InputError(None, "grid", f"{key} has no values")
        if key in LIST_KEYS:
            # each item as text: paragraphs given as whole numbers (103) were taken, and describing the rule set
            # failed after the whole replay (a review)
            items = [tuple(str(x) for x in v) if not isinstance(v, str) else (v,) for v in items]
        else:
            items = [v.item() if hasattr(v, "item") else v for v in items]  # numpy's numbers as Python's
        for value in items:
            try:
                Rules(**{key: list(value) if key in LIST_KEYS else value})
            except InputError as exc:
                raise InputError(None, "grid", f"{key}: {exc.expected}") from None
        same = [_as_read(key, v) for v in items]
        again = next((items[k] for k, v in enumerate(same) if v in same[:k]), None)
        if again is not None:
            raise InputError(None, "grid", f"{key}: {quoted(again)} is given twice; expected each value once")
        checked[key] = items
    return checked


def _as_read(key: str, value: object) -> object:
    """A grid's value as the rules read it, to tell two alike."""
    read = {"paragraphs": normalise_paragraph, "excluded_suppliers": compact_cvr}.get(key)
    if read is None:
        return value
    items = [read(v) for v in value]
    # one the rules cannot read stays as written, for the rules to refuse (not "given twice")
    return frozenset(item or ("?", v) for item, v in zip(items, value, strict=True))


def rule_sets(grid: dict[str, list]) -> list[dict]:
    """Every combination of ``grid``'s values: keys sorted, the last varying
    fastest."""
    keys = sorted(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def parse_rate(text: str | float, option: str = "--max-error") -> float:
    """``"0.5%"`` or ``0.005`` → 0.005; an error names ``option``."""
    if isinstance(text, (int, float)):
        return float(text)
    t = text.strip().replace(",", ".")
    try:
        return float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        example = _RATE_EXAMPLES.get(option, "0.5% or 0.005")
        raise InputError(None, option, f"{quoted(text)} is not a rate; expected e.g. {example}") from None


#: the example a rate option's error gives: one a user of that option would write
_RATE_EXAMPLES = {"--target": "50% or 0.5", "--confidence": "95% or 0.95"}


#: a bare share (no %) from which ``--max-error`` is refused as a percentage written without its %
BARE_SHARE_LIMIT = 0.1


def max_error_rate(given: str | float) -> float:
    """``--max-error`` as a rate from 0 to 1; quoted as given when it is not.
    A share of 1 or more given without ``%`` is refused too: a bare ``1`` is
    100 %, no limit at all, where 1 % was meant (a newcomer's walk-through of
    0.9.14); ``100%`` says it means no limit."""
    rate = parse_rate(given)
    as_share = not (isinstance(given, str) and given.strip().endswith("%"))
    if not 0 <= rate <= 1 or (as_share and rate >= 1):  # also refuses nan
        raise InputError(
            None, "--max-error", f"{quoted(given)} is {rate:.0%}; expected a rate below 100 %, such as 1% or 0.01 "
            "(100% for no limit)"
        )  # fmt: skip
    if as_share and rate >= BARE_SHARE_LIMIT:
        # "0,5" meant half a percent and was 50 %, a limit that limits nothing (an analyst's walk-through
        # of 0.9.16); written with % it is taken as said
        written = str(given).strip()
        raise InputError(
            None, "--max-error", f"{quoted(given)} is {rate:.0%} of the automatic postings wrong, a limit that "
            f"limits nothing; expected a share below {BARE_SHARE_LIMIT:g} (such as 0.01), or a percentage: "
            f"{written}% for {written} %, or {rate:.0%} if that much is meant"
        )  # fmt: skip
    return rate


def _describe(params: dict) -> str:
    parts = []
    for k in sorted(params, key=RULE_KEYS.index):
        v = params[k]
        if isinstance(v, tuple):
            v = "+".join(v) if v else "-"
        elif isinstance(v, float) and v.is_integer():
            v = int(v)
        parts.append(f"{k}={v}")
    return "; ".join(parts)


def pareto_front(automation: np.ndarray, error: np.ndarray) -> np.ndarray:
    """True for the rule sets no other beats on both counts (at least as much
    automation and at most as high an ``error`` rate, better on one): the
    front of the chart of automation against error rate."""
    a = np.asarray(automation, dtype=float)
    e = np.asarray(error, dtype=float)
    better_or_equal = (a[None, :] >= a[:, None]) & (e[None, :] <= e[:, None])
    strictly = (a[None, :] > a[:, None]) | (e[None, :] < e[:, None])
    return ~(better_or_equal & strictly).any(axis=1)


def _rule_set_da(row: pd.Series) -> str:
    """A rule set of the table as a Danish reader reads it (``Tolerance 5 kr.; Beløbsgrænse 25.000 kr.``):
    the rules the grid varies, as the chart names the recommended one."""
    parts = []
    for key in GRID_KEYS:
        if key not in row.index or pd.isna(row[key]):
            continue
        label = TUNING_COLUMNS_DA[key][0].removesuffix(" (kr.)")
        value = row[key]
        shown = (str(value) or "ingen") if key in LIST_KEYS else f"{dk_number(float(value), 2).removesuffix(',00')} kr."
        parts.append(f"{label} {shown}")
    return "; ".join(parts) or str(row["rule_set"])


#: tuning.xlsx's Danish headings and kinds (:func:`~invoicekit.render.danish_sheet`); the
#: grid's own columns are those of the rule sets it varies; ``tuning.csv`` keeps the names
TUNING_COLUMNS_DA: dict[str, tuple[str, str]] = {
    "rule_set": ("Regelsæt", "text"),
    "tolerance": ("Tolerance (kr.)", "num2"),
    "max_amount": ("Beløbsgrænse (kr.)", "dkk"),
    "paragraphs": ("Paragraffer", "text"),
    "excluded_suppliers": ("Undtagne leverandører", "text"),
    "invoices": ("Fakturaer", "int"),
    "posted": ("Bogført automatisk", "int"),
    "posted_wrong": ("Fejlposteringer", "int"),
    "automation_rate": ("Automatiseringsgrad", "pct"),
    "error_rate": ("Fejlrate", "pct2"),
    "error_rate_low": ("Fejlrate, nedre 95 %-grænse", "pct2"),
    "error_rate_high": ("Fejlrate, øvre 95 %-grænse", "pct2"),
    "pareto": ("Pareto-front", "text"),
    "recommended": ("Anbefalet", "text"),
}


@dataclass
class Tuning:
    table: pd.DataFrame
    max_error: float
    recommended: Rules | None

    def text(self) -> str:
        t = self.table
        width = max(40, int(t["rule_set"].str.len().max()))
        lines = [f"{'rule set':<{width}} {'automation':>10} {'errors':>7} {'error rate':>10} {'upper 95%':>9}  front"]
        for r in t.itertuples(index=False):
            mark = "  <- recommended" if r.recommended else ""
            # no postings, no error rate (0 of 0)
            rate, high = (
                (f"{en_percent(r.error_rate, 2):>10}", f"{en_percent(r.error_rate_high, 2):>9}")
                if r.posted
                else (f"{'–':>10}", f"{'–':>9}")
            )
            lines.append(
                f"{r.rule_set:<{width}} {en_percent(r.automation_rate):>10} {r.posted_wrong:>7} {rate} "
                f"{high}  {'*' if r.pareto else ' '}{mark}"
            )
        if self.recommended is None and not (t["posted"] > 0).any():
            lines.append("No rule set posts anything: no error rate to weigh, and none to recommend.")
        elif self.recommended is None:
            lines.append(
                f"No rule set that posts anything keeps the error rate at or below {en_percent(self.max_error, 2)}."
            )
        else:
            rec = t[t["recommended"]].iloc[0]
            lines.append(
                f"Recommended (highest automation with error rate ≤ {en_percent(self.max_error, 2)}): {rec['rule_set']} "
                f"— {en_percent(rec['automation_rate'])} automation, {en_percent(rec['error_rate'], 2)} errors"
            )
            if rec["error_rate_high"] > self.max_error:  # a reader takes "≤ 1 %" as assured (a newcomer's walk-through)
                lines.append(
                    f"Its error rate's upper 95% bound is {en_percent(rec['error_rate_high'], 2)}: the limit is held by the rate "
                    "measured, not by the bound"
                )
        return mask_cpr_text("\n".join(lines))  # read by people: no CPR number

    def figure(self):
        """Automation against the error rate of automatic postings, with the
        Pareto front, the maximum error rate and the recommendation, named as
        a Danish reader reads it (:func:`invoicekit.charts.tuning_figure`)."""
        from invoicekit.charts import tuning_figure  # here, not above: importing tune loads no matplotlib

        rec = self.table[self.table["recommended"]]
        return tuning_figure(self.table, self.max_error, _rule_set_da(rec.iloc[0]) if len(rec) else "")

    def write(self, out: str | Path) -> dict[str, Path]:
        from invoicekit.render import danish_sheet
        from invoicekit.workbook import write_workbook

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"csv": out / "tuning.csv", "xlsx": out / "tuning.xlsx", "png": out / "tuning.png"}
        safe_frame(self.table).to_csv(paths["csv"], index=False)
        yes_no = {True: "ja", False: "nej"}
        table = self.table.assign(
            pareto=self.table["pareto"].map(yes_no), recommended=self.table["recommended"].map(yes_no)
        )
        shown = {c: TUNING_COLUMNS_DA[c] for c in table.columns if c in TUNING_COLUMNS_DA}
        frame, formats = danish_sheet(table, shown)
        write_workbook(paths["xlsx"], {"Regelsæt": frame}, formats={"Regelsæt": formats})
        self.figure().savefig(paths["png"], dpi=120)
        return paths


def _summaries(
    world: WorldData, rule_list: list[Rules], workers: int, progress: Callable[[int], None] | None = None
) -> list[dict]:
    """Each rule set's evaluation summary, in order. Rule sets of one
    tolerance are replayed together (:func:`~invoicekit.replay.simulate_rule_sets`
    checks their months once); the tolerances one after the other in this
    process, or side by side in ``workers`` fresh ones (spawned: forking a
    process whose arrow threads run is not safe). ``progress`` hears of each
    tolerance's rule sets as they are done."""
    groups: dict[int, list[int]] = {}
    for k, rules in enumerate(rule_list):
        groups.setdefault(rules.tolerance_units, []).append(k)
    batches = [[rule_list[k] for k in members] for members in groups.values()]
    summaries: list[dict] = [{} for _ in rule_list]

    def take(members: list[int], group: list[dict]) -> None:
        for k, summary in zip(members, group, strict=True):
            summaries[k] = summary
        if progress:
            progress(len(members))

    if workers <= 1 or len(batches) == 1:
        seen: list[History] = []  # the invoices seen before each month: the same for every tolerance
        for members, batch in zip(groups.values(), batches, strict=True):
            take(members, _group_summaries(world, batch, seen))
        return summaries
    context = multiprocessing.get_context("spawn")
    workers = min(workers, len(batches))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_hold, initargs=(world,)) as pool:
        for members, group in zip(groups.values(), pool.map(_group_summaries_of_held, batches), strict=True):
            take(members, group)
    return summaries


_HELD: WorldData | None = None


def _hold(world: WorldData) -> None:
    global _HELD
    _HELD = world


def _group_summaries_of_held(rule_list: list[Rules]) -> list[dict]:
    assert _HELD is not None
    return _group_summaries(_HELD, rule_list)


def _group_summaries(world: WorldData, rule_list: list[Rules], seen: list[History] | None = None) -> list[dict]:
    """The summaries of rule sets of one tolerance, in order (``seen``: see
    :func:`~invoicekit.replay.simulate_rule_sets`). A world with the lines
    of its collective invoices and their truth (``truth-lines.csv``) is
    replayed a rule set at a time, as :func:`simulate_rule_sets` replays it,
    and each collective invoice decided line by line judged by its lines, as
    ``evaluate`` judges it: its row of the truth lists each PSP element once,
    and read alone counted a line on another line's PSP element as right."""
    if world.truth_lines is not None and any(lines is not None for lines in world.lines):
        summaries = []
        for rules in rule_list:
            decisions, lines = simulate_with_lines(world, rules, messages=False)
            summaries.append(evaluate(decisions, world.truth, lines, world.truth_lines).summary)
        return summaries
    return [e.summary for e in evaluate_alike(simulate_rule_sets(world, rule_list, seen=seen), world.truth)]


def tune(
    world: WorldData,
    grid: dict[str, list] | str,
    max_error: float | str = 0.005,
    base: Rules | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Tuning:
    """Replay ``world`` under every rule set of ``grid`` (the other rules as
    in ``base``, default the world's own) and evaluate each against its truth.
    The rule sets of one tolerance are replayed together, each month checked
    once for all of them; the tolerances one after another, or side by side
    in ``workers`` processes (default: one per core for six tolerances or
    more, below which starting the processes costs about what they save;
    each process gets the world once)."""
    if world.truth is None:
        raise InputError(world.path, "truth.csv", "is missing; tuning needs the truth to count wrong postings")
    grid = parse_grid(grid) if isinstance(grid, str) else check_grid(grid)
    max_error = max_error_rate(max_error)
    if world.month_rules is not None and len({id(r) for r in world.month_rules}) > 1:
        log.warning(
            "tune applies each rule set to every month: the world's own month rules (rules-YYYY-MM.toml) are not used"
        )
    base = base or world.rules
    sets = rule_sets(grid)
    rule_list = [
        rules_from_dict({**base.to_dict(), **{k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}})
        for params in sets
    ]
    if workers is None:
        tolerances = len({rules.tolerance_units for rules in rule_list})
        workers = min(len(os.sched_getaffinity(0)), tolerances) if tolerances >= PARALLEL_FROM else 1
    rows = []
    for params, rules, s in zip(sets, rule_list, _summaries(world, rule_list, workers, progress), strict=True):
        rows.append(
            {
                "rule_set": _describe(params),
                **{k: ("+".join(v) if isinstance(v, tuple) else v) for k, v in params.items()},
                "invoices": s["invoices"],
                "posted": s["posted"],
                "posted_wrong": s["posted_wrong"],
                "automation_rate": s["automation_rate"],
                "error_rate": s["error_rate"],
                "error_rate_low": s["error_rate_low"],
                "error_rate_high": s["error_rate_high"],
                "_rules": rules,
            }
        )
    table = pd.DataFrame(rows)
    # a rule set that posts nothing has no error rate (0 of 0): no point of the front, where it stood
    # as the safest choice of all (an analyst's walk-through of 0.9.16)
    posts = (table["posted"] > 0).to_numpy()
    # and none in tuning.csv and tuning.xlsx either: a blank, not 0,00 % (an attack on 0.9.40 found the set that
    # posts nothing the safest in the workbook, where the printed table said –)
    table.loc[~posts, ["error_rate", "error_rate_low", "error_rate_high"]] = np.nan
    table["pareto"] = False
    if posts.any():
        table.loc[posts, "pareto"] = pareto_front(table["automation_rate"][posts], table["error_rate"][posts])
    # a rule set that posts nothing has no error rate to speak of (0 of 0): never the one recommended
    ok = (table["error_rate"] <= max_error + 1e-12) & (table["posted"] > 0)
    table["recommended"] = False
    recommended = None
    if ok.any():
        # a tie goes to the narrower rules (it went to the grid's order: the wider of two limits that post
        # the same invoices was recommended, more risk for no automation; an attack on 0.9.31)
        # how wide each rule set is, narrowest first: tolerance, limit, paragraphs, excluded suppliers (more is narrower)
        width = [
            (r.tolerance, r.max_amount, len(r.paragraphs), -len(r.excluded_suppliers)) for r in table.loc[ok, "_rules"]
        ]
        cand = (
            table[ok]
            .assign(_width=width)
            .sort_values(["automation_rate", "error_rate", "_width"], ascending=[False, True, True], kind="stable")
        )
        best = cand.index[0]
        table.loc[best, "recommended"] = True
        recommended = table.loc[best, "_rules"]
    table = table.drop(columns="_rules").sort_values("automation_rate", kind="stable").reset_index(drop=True)
    return Tuning(table=table, max_error=max_error, recommended=recommended)
