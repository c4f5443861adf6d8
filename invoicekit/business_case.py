"""The robot's business case, in the structure of the Danish state's business
case model: scenario 0 (invoices handled by hand) against scenario 1 (the
robot), costs and benefits per year, net present value, payback, sensitivity
(tornado) and uncertainty (Monte Carlo over three-point estimates),
non-economic benefits and risks.

Every parameter is read from a TOML file as a number or as a three-point
estimate ``[low, likely, high]``; the likely value drives the headline
figures. The figures the robot's journal knows (:data:`MEASURED`: the
invoices a year and the automation rate) are measured in it
(:func:`with_journal`) when the file leaves them out or gives only their
plausible range ``[low, high]``; every other figure is an assumption. The
model, with ``V`` invoices a year and ``a`` the automation rate:

- hours saved a year = V·a·m_manual/60 − V·(1−a)·m_exception/60 − V·a·m_control/60
  − V·a·e·m_correction/60, with ``e`` the share of automatic postings found
  wrong, each costing ``m_correction`` minutes to find, reverse and handle
  again (the handling by hand it then gets included)
- benefit = hours × hourly_cost
- running cost = subscription + 12 · maintenance_hours · hourly_cost + change_cost
- cash flow: year 0 = −development_cost; years 1..H = benefit − running cost
- NPV = Σ CFₜ/(1+r)ᵗ for t = 0..H
- payback: months until the cumulative undiscounted cash flow reaches 0, linear
  within a year; None if never within the horizon.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest, chi2

from invoicekit.case_parameters import PARAMETERS, PARAMS, Parameter
from invoicekit.errors import MAX_TOML_BYTES, InputError, MissingFileError, check_input_file, read_toml_text
from invoicekit.followup import first_decisions, load_every_decision, monthly_table, read_journal, wrong_in_journal
from invoicekit.formats import en_number, en_percent, en_probability, small_share_decimals
from invoicekit.identifiers import mask_cpr_text, quoted
from invoicekit.parsing import kroner
from invoicekit.vocabulary import danish_today

#: the automation rate the robot is meant to reach; the report shows the NPV there
TARGET_RATE = 0.5
#: the figures the journal knows, measured in it when the configuration leaves them out
MEASURED = ("invoices_per_year", "automation_rate")
#: the figure a truth (each invoice's right decision) measures in the journal's postings, given beside it
MEASURED_BY_TRUTH = ("error_rate",)
#: the figures a configuration may give as a plausible range ``[low, high]`` alone, the likely value measured
RANGE_ONLY = (*MEASURED, *MEASURED_BY_TRUTH)
#: the plausible range --print-config suggests for the error rate; the likely value measured with --truth
SUGGESTED_ERROR_RANGE = (0.0, 0.02)
#: the confidence of the interval a measured figure gets when the configuration states no range for it
CONFIDENCE = 0.95
#: the plausible range --print-config suggests for the automation rate over the horizon
SUGGESTED_RATE_RANGE = (0.25, 0.6)

OTHER_KEYS = {"title", "municipality", "non_economic_benefits", "risks", "monte_carlo"}
DISTRIBUTIONS = ("triangular", "pert")
RISK_KEYS = ("risk", "likelihood", "consequence", "mitigation")


@dataclass(frozen=True)
class Measurement:
    """A figure measured in the journal: its ``value``, the ``low`` and
    ``high`` ends of its :data:`CONFIDENCE` interval from the journal's
    counts, the ``months`` it was measured over (``first_month`` to
    ``last_month``), the ``invoices`` counted there, and whether the only
    month is ``under_way``. The invoices a year are the months' invoices
    scaled to twelve months. ``source`` is ``journal``, or ``truth`` for the
    error rate, measured in the journal's postings against a truth (its
    ``invoices``: the postings the truth has a row for; ``not_due`` and
    ``not_due_dkk``: of the wrong ones, those not to be paid at all, and their
    amount, which the model leaves out and the report says)."""

    name: str
    value: float
    low: float
    high: float
    first_month: str
    last_month: str
    months: int
    invoices: int
    under_way: bool = False
    source: str = "journal"
    not_due: int | None = None
    not_due_dkk: float | None = None


@dataclass
class Config:
    """Three-point estimates ``(low, likely, high)`` per parameter, and the
    texts and Monte Carlo settings of a business case. ``given`` names the
    parameters the file sets, ``ranges`` those it gives only a plausible
    range ``[low, high]`` (the likely value measured in the journal), and
    ``measurements`` what the journal measured (:func:`with_journal`)."""

    estimates: dict[str, tuple[float, float, float]]
    title: str = "Business case: robot til betaling af fakturaer på det sociale område"
    municipality: str = ""
    non_economic_benefits: list[str] = field(default_factory=list)
    risks: list[dict[str, str]] = field(default_factory=list)
    simulations: int = 10000
    seed: int = 1
    distribution: str = "triangular"
    source: str = ""
    given: set[str] = field(default_factory=set)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    measurements: dict[str, Measurement] = field(default_factory=dict)

    def likely(self) -> dict[str, float]:
        return {k: v[1] for k, v in self.estimates.items()}

    @property
    def measured(self) -> dict[str, Measurement]:
        """The measurements the case uses: those of figures the file does not set."""
        return {k: m for k, m in self.measurements.items() if k not in self.given}

    def basis(self, name: str) -> str:
        """Where a parameter's likely value comes from: ``measured`` (the
        journal), ``config`` (the file) or ``default``."""
        if name in self.measured:
            return "measured"
        if name in self.ranges and self.estimates[name][1] != PARAMS[name].default:
            return "config"  # the default lies outside the config's range: its nearest end, not the default
        return "config" if name in self.given else "default"

    def range_basis(self, name: str) -> str:
        """Where a parameter's low and high come from: ``confidence`` (the
        interval of the journal's counts), ``config`` (the file), or
        ``none`` (no range: low = likely = high)."""
        low, _, high = self.estimates[name]
        if low == high:
            return "none"
        if name in self.measured and name not in self.ranges:
            return "confidence"
        return "config"


DEFAULT_BENEFITS = [
    "Hurtigere betaling til leverandørerne og færre rykkere",
    "Ensartet kontering efter støttearket og færre fejlkonteringer",
    "Sagsbehandlerne bruger tiden på de fakturaer, der kræver et skøn",
    "Bedre datadisciplin i Sensum: bevillinger og takster registreres rettidigt",
    "Sporbarhed: hver beslutning er gemt i journalen med sin begrundelse",
]
DEFAULT_RISKS = [
    {
        "risk": "Leverandørerne tager ikke kontaktskabelonen i brug",
        "likelihood": "middel",
        "consequence": "Automatiseringsgraden bliver under målet på 50 %",
        "mitigation": "Følg op på de leverandører, der har flest fakturaer til manuel behandling",
    },
    {
        "risk": "Ændringer i OPUS eller Sensum stopper robotten",
        "likelihood": "middel",
        "consequence": "Fakturaer behandles manuelt, indtil robotten er tilpasset",
        "mitigation": "Budget til tilpasning hvert år; manuel procedure som nødplan",
    },
    {
        "risk": "Forkerte automatiske posteringer",
        "likelihood": "lav",
        "consequence": "Fejludbetalinger og ekstra arbejde med tilbageføring",
        "mitigation": "Stikprøvekontrol hver måned og forretningsregler med beløbsgrænse",
    },
]


#: three-point estimates --print-config suggests (the likely value is the default); those of
#: measured figures are printed commented out, so that the journal measures them
SUGGESTED_RANGES = {
    "invoices_per_year": "[5000, 6000, 7000]",
    "minutes_manual": "[5, 10, 15]",
    "minutes_exception": "[1, 3, 6]",
    "minutes_control": "[0.25, 0.5, 1]",
    "minutes_correction": "[15, 30, 60]",
    "hourly_cost": "[350, 400, 450]",
    "development_cost": "[200000, 250000, 350000]",
    "maintenance_hours_per_month": "[1, 1, 3]",
    "change_cost_per_year": "[5000, 15000, 40000]",
    "discount_rate": "[0.025, 0.035, 0.04]",
}


def default_config_text() -> str:
    """A commented default configuration, as ``--print-config`` prints it."""
    lines = [
        "# invoicekit business case: every parameter is a number or a three-point estimate",
        "# [low, likely, high]; the likely value drives the headline figures, the range the",
        "# tornado chart and the Monte Carlo simulation. With --journal, the figures the journal",
        "# knows are measured in it when left out here, with a 95 % confidence interval from its",
        "# counts as their range; give [low, high] to state their plausible range instead. With --truth",
        "# beside --journal, the share of its automatic postings that were wrong is measured too.",
        "",
        'title = "Business case: robot til betaling af fakturaer på det sociale område"',
        'municipality = ""',
        "",
    ]
    examples = SUGGESTED_RANGES
    for p in PARAMETERS:
        value = _fmt(p.default)
        if p.name == "automation_rate":
            low, high = (_fmt(v) for v in SUGGESTED_RATE_RANGE)
            lines.append(
                f"{p.name} = [{low}, {high}]   # {p.help}: the plausible range over the horizon; the likely value is "
                f"measured from --journal (without one: {value})"
            )
            continue
        if p.name in MEASURED_BY_TRUTH:
            low, high = (_fmt(v) for v in SUGGESTED_ERROR_RANGE)
            lines.append(
                f"{p.name} = [{low}, {high}]   # {p.help} ({p.unit}): the plausible range; the likely value is "
                f"measured with --truth (without one: {value}, assumed)"
            )
            continue
        shown = examples.get(p.name) or value
        if p.name in MEASURED:
            lines.append(f"# {p.name} = {shown}   # {p.help} ({p.unit}); measured from --journal when left out")
            continue
        lines.append(f"{p.name} = {shown}   # {p.help} ({p.unit})")
    lines += [
        "",
        "non_economic_benefits = [",
        *[f'  "{b}",' for b in DEFAULT_BENEFITS],
        "]",
        "",
        "[monte_carlo]",
        "simulations = 10000      # draws",
        "seed = 1                 # the same seed gives the same figures",
        'distribution = "triangular"   # or "pert"',
        "",
    ]
    for r in DEFAULT_RISKS:
        lines += ["[[risks]]", *[f'{k} = "{v}"' for k, v in r.items()], ""]
    return "\n".join(lines)


def _share_text(value: float) -> str:
    """A share in English with the decimals that keep a small one from
    reading 0 (:func:`~invoicekit.formats.small_share_decimals`)."""
    return en_percent(value, small_share_decimals(value))


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


#: a key where the config sets it (bare or quoted, dotted: monte_carlo.simulations)
_KEY = re.compile(r"^[ \t]*[\"']?((?:[A-Za-z_][\w-]*\.)*[A-Za-z_][\w-]*)[\"']?[ \t]*=", re.MULTILINE)
#: a number with Danish thousands separators (250.000), not a decimal (0.035, 2.5)
_GROUPED_NUMBER = re.compile(r"(?<![\w.])[+-]?([1-9]\d{0,2}(?:\.\d{3})+)(?![\w.])")
#: what is no value: texts (one line or several) and comments, blanked where they stand
_NO_VALUE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*')
#: the keys whose figure a Danish writer groups by thousands, and whose decimal reading would be no plausible
#: figure (250.000 kr., 6.000 invoices, 1.628 hours a year, 10.000 draws); a minute or an hour a month may be
#: a decimal (minutes_control = 1.250 is 1¼ minutes: a review refused it)
GROUPED_KEYS = frozenset(
    {p.name for p in PARAMETERS if p.unit in ("kr.", "fakturaer")} | {"effective_hours_per_fte", "simulations"}
)


#: a key set to a number with a decimal comma (automation_rate = 0,38), which is no TOML
_DECIMAL_COMMA = re.compile(
    r"^[ \t]*[\"']?([A-Za-z_][\w-]*)[\"']?[ \t]*=[ \t]*([+-]?\d+,\d+)[ \t]*(?:#.*)?$", re.MULTILINE
)


def _refuse_grouped_numbers(source: str, text: str) -> None:
    """``development_cost = 250.000`` is 250 kr. to TOML, and the case's figures were wrong with exit 0 (an
    audit of the business case): a number with Danish thousands separators set to one of :data:`GROUPED_KEYS`
    is refused, as the rules file refuses one, wherever it stands (an array over several lines too)."""
    bare = _NO_VALUE.sub(lambda m: " " * len(m[0]), text)  # the same length: places stay places
    keys = [(m.start(), m[1].rsplit(".", 1)[-1]) for m in _KEY.finditer(text)]  # a quoted key is a text too
    for grouped in _GROUPED_NUMBER.finditer(bare):
        key = next((k for at, k in reversed(keys) if at < grouped.start()), None)
        if key not in GROUPED_KEYS:
            continue
        number = grouped[1]
        whole = number.replace(".", "")
        read = f"{float(number):g} to TOML (a decimal point)" if number.count(".") == 1 else "no number to TOML"
        raise InputError(
            source,
            key,
            f"{quoted(number)} is {whole} with Danish thousands separators but {read}; expected {whole}, without "
            "separators",
        )


def load_config(path: str | Path | None = None, text: str | None = None) -> Config:
    """Read a business-case TOML file (or ``text``); every key optional."""
    source = str(path) if path else "business case config"
    if text is None and path is not None:
        p = Path(path)
        if not p.exists():
            raise MissingFileError(p, "does not exist; expected a TOML file (see --print-config)")
        check_input_file(p, "a business-case file (TOML)", MAX_TOML_BYTES)
        text = read_toml_text(p, "a TOML file")
        if not text.strip():  # a copy cut short ran on the defaults, unsaid, as an empty rules file did (0.9.32)
            raise InputError(
                p, None, "is empty; expected a TOML file (see --print-config); leave out --config for the defaults"
            )
    _refuse_grouped_numbers(source, text or "")  # first: 1.250.000 is no TOML at all
    try:
        data = tomllib.loads(text or "")
    except tomllib.TOMLDecodeError as exc:
        if comma := _DECIMAL_COMMA.search(text or ""):
            number = comma[2]
            raise InputError(
                source,
                comma[1],
                f"{quoted(number)} has a decimal comma; expected a decimal point ({number.replace(',', '.')})",
            ) from None
        raise InputError(source, None, f"is not valid TOML ({exc})") from None
    except RecursionError:
        raise InputError(source, None, "nests too deeply to be read; expected the keys of --print-config") from None
    unknown = sorted(set(data) - set(PARAMS) - OTHER_KEYS)
    if unknown:
        raise InputError(
            source,
            unknown[0],
            f"unknown key; expected one of {', '.join(p.name for p in PARAMETERS)} or {', '.join(sorted(OTHER_KEYS))}",
        )
    estimates = {}
    ranges = {}
    for p in PARAMETERS:
        value = data.get(p.name, p.default)
        if p.name in RANGE_ONLY and isinstance(value, list) and len(value) == 2:
            # a plausible range; the likely value measured
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value) and value[0] > value[1]:
                raise InputError(source, p.name, f"is [{_fmt(value[0])}, {_fmt(value[1])}]; expected [low, high]")
            low, _, high = _estimate(source, p, [value[0], value[0], value[1]])
            ranges[p.name] = (low, high)
            value = [low, min(max(p.default, low), high), high]  # until measured: the default, within the range
        estimates[p.name] = _estimate(source, p, value)
    mc = data.get("monte_carlo", {})
    if not isinstance(mc, dict):
        raise InputError(source, "monte_carlo", "expected a table: [monte_carlo] with simulations, seed, distribution")
    bad = sorted(set(mc) - {"simulations", "seed", "distribution"})
    if bad:
        raise InputError(source, f"monte_carlo.{bad[0]}", "unknown key; expected simulations, seed or distribution")
    sims = mc.get("simulations", 10000)
    if not isinstance(sims, int) or isinstance(sims, bool) or not 100 <= sims <= 10_000_000:
        raise InputError(
            source, "monte_carlo.simulations", f"is {quoted(sims)}; expected a whole number from 100 to 10,000,000"
        )
    seed = mc.get("seed", 1)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(source, "monte_carlo.seed", f"is {quoted(seed)}; expected a whole number ≥ 0")
    dist = mc.get("distribution", "triangular")
    if dist not in DISTRIBUTIONS:
        raise InputError(source, "monte_carlo.distribution", f"is {quoted(dist)}; expected triangular or pert")
    benefits = data.get("non_economic_benefits", DEFAULT_BENEFITS)
    if not isinstance(benefits, list) or not all(isinstance(b, str) for b in benefits):
        raise InputError(source, "non_economic_benefits", "expected a list of texts")
    risks = data.get("risks", DEFAULT_RISKS)
    if not isinstance(risks, list) or not all(isinstance(r, dict) and "risk" in r for r in risks):
        raise InputError(source, "risks", 'expected [[risks]] tables, each with at least risk = "..."')
    for i, r in enumerate(risks, start=1):
        for key, value in r.items():
            if key not in RISK_KEYS:
                raise InputError(source, f"risks[{i}].{key}", f"unknown key; expected {', '.join(RISK_KEYS)}")
            if not isinstance(value, str):
                raise InputError(source, f"risks[{i}].{key}", "expected a text in quotes")
    for key in ("title", "municipality"):
        if key in data and not isinstance(data[key], str):
            raise InputError(source, key, "expected a text in quotes")
    # the texts go into documents people read: anything in them that reads as a CPR number masked
    cfg = Config(
        estimates=estimates,
        non_economic_benefits=[mask_cpr_text(str(b)) for b in benefits],
        risks=[{k: mask_cpr_text(str(v)) for k, v in r.items()} for r in risks],
        simulations=sims,
        seed=seed,
        distribution=dist,
        source=source,
    )
    if "title" in data:
        cfg.title = mask_cpr_text(data["title"])
    cfg.municipality = mask_cpr_text(data.get("municipality", ""))
    cfg.given = set(data) & set(PARAMS) - set(ranges)
    cfg.ranges = ranges
    return cfg


def _estimate(source: str, p: Parameter, value: object) -> tuple[float, float, float]:
    ranged = " or [low, high]" if p.name in RANGE_ONLY else ""

    def number(v: object) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            # a share written as a text ("0,5 %"): the number it may have meant, taken as said where a bare
            # number of it would be refused as a percentage written as a share
            share = isinstance(v, str) and p.unit == "andel" and v.strip().endswith("%")
            try:
                meant = float(v.strip().rstrip("%").strip().replace(",", ".")) / 100 if share else None
            except ValueError:
                meant = None
            if meant is not None and math.isfinite(p.bare_limit) and math.isfinite(meant):
                return meant
            hint = f" ({_fmt(round(meant, 6))} for {v.strip()})" if meant is not None else ""
            shapes = ", [low, likely, high] or [low, high]" if ranged else " or [low, likely, high]"
            raise InputError(source, p.name, f"is {quoted(v)}; expected a number{hint}{shapes}")
        if float(v) >= p.bare_limit:
            raise InputError(
                source,
                p.name,
                f"is {_fmt(v)}, {float(v):.0%} of the automatic postings wrong; expected a share below "
                f"{_fmt(p.bare_limit)} ({_fmt(round(float(v) / 100, 6))} for {_fmt(v)} %), or, if that much is "
                f'meant, a percentage in quotes ("{float(v):.0%}")',
            )
        return float(v)

    if isinstance(value, list):
        if len(value) != 3:
            raise InputError(
                source, p.name, f"has {len(value)} values; expected a number or [low, likely, high]{ranged}"
            )
        low, likely, high = (number(v) for v in value)
    else:
        low = likely = high = number(value)
    if not low <= likely <= high:
        raise InputError(
            source, p.name, f"is [{_fmt(low)}, {_fmt(likely)}, {_fmt(high)}]; expected low ≤ likely ≤ high"
        )
    if low < p.low or high > p.high:
        limit = f"from {_fmt(p.low)} to {_fmt(p.high)}" if math.isfinite(p.high) else f"at least {_fmt(p.low)}"
        out = low if low < p.low else high
        # 38 for 38 %: the value and what it may have meant (an audit found the value not said)
        hint = (
            f" (a share: {_fmt(round(out / 100, 6))} for {_fmt(out)} %)" if p.unit == "andel" and 1 < out <= 100 else ""
        )
        raise InputError(source, p.name, f"is {_fmt(out)}, out of range; expected {limit}{hint}")
    if p.integer and not all(float(v).is_integer() for v in (low, likely, high)):
        raise InputError(source, p.name, "expected whole years")
    return low, likely, high


# ---------------------------------------------------------------- the model


def hours_saved(v: dict[str, float]) -> float:
    """Hours saved a year; ``v`` may also be a DataFrame of many parameter sets."""
    V, a = v["invoices_per_year"], v["automation_rate"]
    return (
        V * a * v["minutes_manual"] / 60
        - V * (1 - a) * v["minutes_exception"] / 60
        - V * a * v["minutes_control"] / 60
        - V * a * v["error_rate"] * v["minutes_correction"] / 60
    )


def running_cost(v: dict[str, float]) -> float:
    return (
        v["subscription_per_year"]
        + 12 * v["maintenance_hours_per_month"] * v["hourly_cost"]
        + v["change_cost_per_year"]
    )


def cash_flows(v: dict[str, float]) -> np.ndarray:
    """Cash flow of years 0..H."""
    h = int(v["horizon_years"])
    yearly = hours_saved(v) * v["hourly_cost"] - running_cost(v)
    return np.array([-v["development_cost"], *([yearly] * h)], dtype=float)


def npv(v: dict[str, float]) -> float:
    cf = cash_flows(v)
    t = np.arange(len(cf))
    return float(np.sum(cf / (1 + v["discount_rate"]) ** t))


def payback_months(v: dict[str, float]) -> float | None:
    """Months until the cumulative undiscounted cash flow reaches 0, linear
    within a year; None if it never does within the horizon."""
    cf = cash_flows(v)
    cumulative = cf[0]
    if cumulative >= 0:  # nothing to pay back, unless running the robot costs more than it saves
        return 0.0 if len(cf) == 1 or cf[1] >= 0 else None
    for t in range(1, len(cf)):
        if cf[t] > 0 and cumulative + cf[t] >= 0:
            return float(12 * (t - 1) + 12 * (-cumulative / cf[t]))
        cumulative += cf[t]
    return None


def break_even_rate(v: dict[str, float]) -> float | None:
    """The automation rate at which NPV = 0 (NPV is linear in it); None when
    more automation does not raise the NPV (each posting costs as much in
    control and correction as it saves, or more)."""
    V, m, me, mc = v["invoices_per_year"], v["minutes_manual"], v["minutes_exception"], v["minutes_control"]
    corrected = v["error_rate"] * v["minutes_correction"]  # a posting's share of correcting the wrong ones
    slope = V * (m - mc - corrected + me) / 60 * v["hourly_cost"]  # benefit per unit of rate
    if slope <= 0:
        return None
    r, h = v["discount_rate"], int(v["horizon_years"])
    annuity = float(np.sum(1 / (1 + r) ** np.arange(1, h + 1)))
    needed_benefit = running_cost(v) + v["development_cost"] / annuity
    return (needed_benefit + V * me / 60 * v["hourly_cost"]) / slope


def year_table(v: dict[str, float]) -> pd.DataFrame:
    """Scenario 0 (everything by hand) against scenario 1 (the robot), per
    year: their costs, the robot's costs and benefits, the cash flow, its
    present value and the cumulative cash flow."""
    h = int(v["horizon_years"])
    V, a, hc = v["invoices_per_year"], v["automation_rate"], v["hourly_cost"]
    years = np.arange(h + 1)
    op = years > 0
    manual_all = V * v["minutes_manual"] / 60 * hc
    s1_manual = V * (1 - a) * (v["minutes_manual"] + v["minutes_exception"]) / 60 * hc
    # the control of every automatic posting, and the correction of the wrong ones
    s1_control = V * a * (v["minutes_control"] + v["error_rate"] * v["minutes_correction"]) / 60 * hc
    dev = np.where(years == 0, v["development_cost"], 0.0)
    running = np.where(op, running_cost(v), 0.0)
    scenario0 = np.where(op, manual_all, 0.0)
    scenario1 = np.where(op, s1_manual + s1_control, 0.0) + dev + running
    cf = cash_flows(v)
    table = pd.DataFrame(
        {
            "year": years,
            "scenario0_cost": scenario0,
            "scenario1_handling": np.where(op, s1_manual + s1_control, 0.0),
            "development": dev,
            "running": running,
            "scenario1_cost": scenario1,
            "benefit": np.where(op, hours_saved(v) * hc, 0.0),
            "hours_saved": np.where(op, hours_saved(v), 0.0),
            "cash_flow": cf,
            "present_value": cf / (1 + v["discount_rate"]) ** years,
            "cumulative": np.cumsum(cf),
        }
    )
    return table


# ---------------------------------------------------------------- uncertainty


def draws(config: Config, n: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """``n`` seeded draws of every parameter from its three-point estimate
    (triangular, or PERT), one column per parameter."""
    n = n or config.simulations
    rng = np.random.default_rng(config.seed if seed is None else seed)
    out = {}
    for p in PARAMETERS:
        low, likely, high = config.estimates[p.name]
        if high == low:
            values = np.full(n, likely)
        elif config.distribution == "pert":
            alpha = 1 + 4 * (likely - low) / (high - low)
            beta = 1 + 4 * (high - likely) / (high - low)
            values = low + rng.beta(alpha, beta, n) * (high - low)
        else:
            values = rng.triangular(low, likely, high, n)
        if p.integer:
            values = np.rint(values)
        out[p.name] = values
    return pd.DataFrame(out)


def npv_many(d: pd.DataFrame) -> np.ndarray:
    """NPV for each row of parameter values (vectorised)."""
    yearly = hours_saved(d) * d["hourly_cost"] - running_cost(d)  # the scalar formulas work column-wise
    r = d["discount_rate"].to_numpy()
    h = d["horizon_years"].to_numpy()
    annuity = np.where(r > 0, (1 - (1 + r) ** -h) / np.where(r > 0, r, 1), h)
    return (-d["development_cost"] + yearly * annuity).to_numpy(dtype=float)


def tornado(config: Config) -> pd.DataFrame:
    """NPV with each parameter at its low and at its high value, the others
    likely; sorted by the swing, largest first, with ``measured`` true for a
    figure measured in the journal. Parameters with no range are left out.

    A measured figure's range is what the configuration states as plausible,
    or else the confidence interval of the journal's counts
    (:func:`with_journal`): never the spread of a few months, which says
    little of the years the case counts."""
    base = config.likely()
    rows = []
    for p in PARAMETERS:
        low, likely, high = config.estimates[p.name]
        if low == high:
            continue
        at_low = npv({**base, p.name: low})
        at_high = npv({**base, p.name: high})
        rows.append(
            {
                "parameter": p.name,
                "label": p.label_da,
                "low": low,
                "likely": likely,
                "high": high,
                "npv_low": at_low,
                "npv_high": at_high,
                "swing": abs(at_high - at_low),
                "measured": p.name in config.measured,
            }
        )
    cols = ["parameter", "label", "low", "likely", "high", "npv_low", "npv_high", "swing", "measured"]
    return pd.DataFrame(rows, columns=cols).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- the whole case


@dataclass
class BusinessCase:
    config: Config
    values: dict[str, float]
    years: pd.DataFrame
    tornado: pd.DataFrame
    simulated: np.ndarray
    headline: dict[str, float | None]

    def text(self) -> str:
        h = self.headline
        # rounded half up, as the page and the workbook show it: 30.25 is 30.3, where ":.1f" gave 30.2
        # (an attack on 0.9.32)
        pb = (
            "never within the horizon" if h["payback_months"] is None else f"{en_number(h['payback_months'], 1)} months"
        )
        be = h["break_even_automation_rate"]
        return "\n".join(
            [
                f"Invoices a year: {en_number(self.values['invoices_per_year'])} ({self._source('invoices_per_year')})",
                f"Automation rate: {en_percent(self.values['automation_rate'])} ({self._source('automation_rate')})",
                f"Wrong automatic postings: {_share_text(self.values['error_rate'])} ({self._source('error_rate')})"
                + self._not_due_text(),
                f"NPV over {int(self.values['horizon_years'])} years: {en_number(h['npv'])} kr.",
                f"Payback (undiscounted): {pb}",
                f"Hours saved a year: {en_number(h['hours_saved_per_year'])} ({en_number(h['fte'], 2)} FTE)",
                "Break-even automation rate: "
                + ("none" if be is None else en_percent(be) + (" (cannot be reached)" if be > 1 else "")),
                f"Monte Carlo ({self.config.simulations:,} draws, {self.config.distribution}): "
                f"P10 {en_number(h['npv_p10'])}, P50 {en_number(h['npv_p50'])}, P90 {en_number(h['npv_p90'])} kr.; "
                f"P(NPV > 0) = {en_probability(h['probability_npv_positive'])}",  # 99.7%, never 100% where it is not
            ]
        )

    @property
    def paid_not_due(self) -> Measurement | None:
        """The error rate's measurement where the truth found postings not to be paid at all (a
        wrongful payment, which the model leaves out): its ``not_due`` and ``not_due_dkk``."""
        m = self.config.measurements.get("error_rate")
        return m if m is not None and m.not_due else None

    def _not_due_text(self) -> str:
        """:attr:`paid_not_due`, said in a few words where there is any."""
        if (m := self.paid_not_due) is None:
            return ""
        return (
            f"; {m.not_due:,} of them not to be paid at all ({en_number(m.not_due_dkk, 2)} kr. to recover, "
            "not in the model)"
        )

    def _source(self, name: str) -> str:
        """Where a figure of :meth:`text` comes from, in a few words."""
        c = self.config
        fmt = _share_text if PARAMS[name].unit == "andel" else en_number
        m = c.measurements.get(name)
        if c.basis(name) == "measured":
            place = (
                f"against the truth in {m.invoices:,} postings of {m.months} month{'s' * (m.months != 1)}"
                if m.source == "truth"
                else "in the journal"
            )
            where = f"measured {place}, {m.first_month} to {m.last_month}" + (
                " (a month under way)" if m.under_way else ""
            )
            low, _, high = c.estimates[name]
            kind = f"{CONFIDENCE:.0%} interval"
            if c.range_basis(name) == "config":
                stated_low, stated_high = c.ranges[name]
                inside = stated_low <= m.value <= stated_high
                kind = "the config's plausible range" if inside else "the config's range, widened to the measured value"
            return f"{where}; {fmt(low)} to {fmt(high)}, {kind}"
        if name in c.ranges:  # [low, high] with no journal (or truth) to measure the likely value
            low, likely, high = c.estimates[name]
            default = PARAMS[name].default
            moved = "" if likely == default else f", the end nearest the default {fmt(default)}"
            what = "no truth (--truth)" if name in MEASURED_BY_TRUTH else "no journal"
            return f"assumed, {what} measured it; {fmt(low)} to {fmt(high)}, the config's range{moved}"
        if c.basis(name) == "config":
            by = "the truth" if m is not None and m.source == "truth" else "the journal"
            return "from the config" + (f"; {by} measured {fmt(m.value)}" if m else "")
        return "the default, assumed"

    def assumptions(self) -> pd.DataFrame:
        """Every parameter: ``name``, ``label``, ``unit``, ``low``,
        ``likely``, ``high``; ``basis`` (``measured``, ``config`` or
        ``default``) and ``range_basis`` (``confidence``, ``config`` or
        ``none``, see :class:`Config`); and for a figure the journal measured,
        ``journal_value`` and the ``first_month``, ``last_month``, ``months``
        and ``invoices`` it was measured over (empty otherwise)."""
        rows = []
        for p in PARAMETERS:
            low, likely, high = self.config.estimates[p.name]
            m = self.config.measurements.get(p.name)
            rows.append(
                {
                    "name": p.name,
                    "label": p.label_da,
                    "unit": p.unit,
                    "low": low,
                    "likely": likely,
                    "high": high,
                    "basis": self.config.basis(p.name),
                    "range_basis": self.config.range_basis(p.name),
                    "journal_value": m.value if m else np.nan,
                    "first_month": m.first_month if m else "",
                    "last_month": m.last_month if m else "",
                    "months": m.months if m else pd.NA,
                    "invoices": m.invoices if m else pd.NA,
                    "under_way": bool(m and m.under_way),
                }
            )
        out = pd.DataFrame(rows)
        out["months"] = out["months"].astype("Int64")
        out["invoices"] = out["invoices"].astype("Int64")
        return out

    def at_rate(self, rate: float) -> dict[str, float | None]:
        """NPV, payback and hours at another automation rate, the rest likely."""
        v = {**self.values, "automation_rate": rate}
        return {"npv": npv(v), "payback_months": payback_months(v), "hours_saved_per_year": hours_saved(v)}

    def npv_by_rate(self, rates: np.ndarray | None = None) -> pd.DataFrame:
        """NPV at each automation rate (0 to 100 % in steps of 1 point unless
        ``rates`` are given), the rest likely: ``automation_rate``, ``npv``."""
        rates = np.linspace(0, 1, 101) if rates is None else np.asarray(rates, dtype=float)
        values = [npv({**self.values, "automation_rate": r}) for r in rates]
        return pd.DataFrame({"automation_rate": rates, "npv": np.array(values, dtype=float)})

    def rate_marks(self, target: float = TARGET_RATE) -> pd.DataFrame:
        """The rates worth marking on :meth:`npv_by_rate`, with their NPV:
        ``now`` (the case's rate), ``target`` and ``break_even`` (when it lies
        from 0 to 100 %)."""
        marks = [("now", self.values["automation_rate"]), ("target", target)]
        be = self.headline["break_even_automation_rate"]
        if be is not None and 0 <= be <= 1:
            marks.append(("break_even", be))
        return pd.DataFrame(
            {
                "mark": [m for m, _ in marks],
                "automation_rate": [r for _, r in marks],
                "npv": [npv({**self.values, "automation_rate": r}) for _, r in marks],
            }
        )

    def json(self) -> str:
        return json.dumps(self.headline, indent=2, ensure_ascii=False)


def build(config: Config) -> BusinessCase:
    """Every figure of the business case from a configuration."""
    v = config.likely()
    simulated = npv_many(draws(config))
    hours = hours_saved(v)
    pb = payback_months(v)
    be = break_even_rate(v)
    # numbers as computed: each writer rounds once, as it shows them (rounded here to two
    # decimals, a payback of 51.147 months was 51.15, which the report then showed as 51,2)
    headline = {
        "npv": float(npv(v)),
        "payback_months": None if pb is None else float(pb),
        "hours_saved_per_year": float(hours),
        "fte": float(hours / v["effective_hours_per_fte"]),
        "break_even_automation_rate": None if be is None else float(be),
        "npv_p10": float(np.percentile(simulated, 10)),
        "npv_p50": float(np.percentile(simulated, 50)),
        "npv_p90": float(np.percentile(simulated, 90)),
        "probability_npv_positive": float((simulated > 0).mean()),
    }
    return BusinessCase(config, v, year_table(v), tornado(config), simulated, headline)


def _poisson_interval(count: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact (Garwood) interval of a Poisson count."""
    tail = (1 - confidence) / 2
    low = 0.0 if count == 0 else float(chi2.ppf(tail, 2 * count) / 2)
    return low, float(chi2.ppf(1 - tail, 2 * count + 2) / 2)


def measure(journal: str | Path, months: int = 3) -> dict[str, Measurement]:
    """What the journal knows of the business case's figures, each invoice
    counted once as the follow-up counts it:

    - ``invoices_per_year``: the invoices of every full month, scaled to
      twelve months and rounded to whole invoices; its interval the exact
      Poisson interval of the count, scaled alike;
    - ``automation_rate``: posted over invoices in the last ``months`` full
      months (what the robot does now); its interval Clopper–Pearson's.

    The month under way is left out, unless it is the only one, or the only
    one with invoices (then the volume and the rate are both measured with
    it, each as above). A month whose runs found no invoice counts in the volume
    (as none), not in the rate."""
    read = read_journal(journal)  # the runs and decisions of one reading: a run recorded meanwhile in neither
    monthly = monthly_table(first_decisions(read.every), months=read.months)
    this_month = danish_today().strftime("%Y-%m")
    full = monthly[monthly["month"] < this_month]
    under_way = not len(full) or (full["invoices"].sum() == 0 and monthly["invoices"].sum() > 0)
    if under_way:  # only this month so far, or only it found invoices: measure it, and say so
        full = monthly
    count = int(full["invoices"].sum())
    scale = 12 / len(full)
    low, high = _poisson_interval(count)
    volume = Measurement(  # whole invoices, the interval rounded outwards
        "invoices_per_year",
        float(round(count * scale)),
        float(math.floor(low * scale)),
        float(math.ceil(high * scale)),
        str(full["month"].iat[0]),
        str(full["month"].iat[-1]),
        len(full),
        count,
        under_way,
    )
    recent = full[full["invoices"] > 0].tail(months)
    if not len(recent):  # the full months found none: the month under way
        recent = monthly[monthly["invoices"] > 0].tail(months)
    rate = _measured_share(
        "automation_rate", int(recent["posted"].sum()), int(recent["invoices"].sum()), recent["month"], under_way
    )
    return {volume.name: volume, rate.name: rate}


def _measured_share(
    name: str, hits: int, n: int, months: pd.Series, under_way: bool = False, source: str = "journal"
) -> Measurement:
    """A share counted in the journal (``hits`` of ``n``) over ``months``, with
    its Clopper–Pearson interval."""
    interval = binomtest(hits, n).proportion_ci(CONFIDENCE, method="exact")
    return Measurement(
        name,
        hits / n,
        float(interval.low),
        float(interval.high),
        str(months.iat[0]),
        str(months.iat[-1]),
        len(months),
        n,
        under_way,
        source,
    )


def measure_errors(journal: str | Path, truth: str | Path | pd.DataFrame) -> Measurement:
    """The share of the journal's automatic postings that ``truth`` (a file
    or a table, as ``evaluate`` reads it) says were wrong (another grant,
    PSP element or art, or not to be paid), each invoice counted once as the
    follow-up counts it, over every month with a posting the truth has a
    row for (wrong postings are few: a quarter's would say little); its
    interval Clopper–Pearson's. The postings it has no row for are left out,
    neither right nor wrong."""
    wrong = wrong_in_journal(journal, truth, load_every_decision(journal))
    checked = wrong[wrong["checked"] > 0]
    if not len(checked):
        raise InputError(
            None if isinstance(truth, pd.DataFrame) else truth,
            None,
            "has no row for any invoice the robot posted in the journal; expected the truth of the journal's invoices",
        )
    rate = _measured_share(
        "error_rate", int(checked["wrong"].sum()), int(checked["checked"].sum()), checked["month"], source="truth"
    )
    return replace(rate, not_due=int(checked["not_due"].sum()), not_due_dkk=kroner(int(checked["not_due_ore"].sum())))


def with_journal(
    config: Config, journal: str | Path, months: int = 3, truth: str | Path | pd.DataFrame | None = None
) -> Config:
    """A copy of ``config`` with the figures the journal knows
    (:func:`measure`), and with ``truth`` the error rate of its postings
    (:func:`measure_errors`), taken from it where the configuration leaves
    them out: the measured value as the likely one, and as low and high the
    range the configuration states (``[low, high]``, widened to hold the
    measured value) or else the confidence interval of the counts. A figure
    the configuration sets keeps its value; the measurement is kept beside
    it, for the report to show."""
    measured = measure(journal, months)
    if truth is not None:
        measured["error_rate"] = measure_errors(journal, truth)
    estimates = dict(config.estimates)
    for name, m in measured.items():
        if name in config.given:
            continue
        if name in config.ranges:
            low, high = config.ranges[name]
            estimates[name] = (min(low, m.value), m.value, max(high, m.value))
        else:
            estimates[name] = (min(m.low, m.value), m.value, max(m.high, m.value))
    return replace(config, estimates=estimates, measurements={**config.measurements, **measured})
