"""Scenarios: the parameters of a simulated municipality.

A scenario is a set of changes to :class:`Params`, the baseline municipality's
parameters. Scenarios combine with ``+`` (``template+discipline``); they are
applied left to right.

Every parameter is a cause in the world, named after what happens in the
municipality, not after the reason code the robot ends up giving. Shares of
suppliers are shares of *invoice volume* (see ``world.assign_by_volume``), so
that a small world is not at the mercy of one big supplier drawing a bad
profile.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

#: at most this many citizens (memory grows with them: 300,000 for one month took 1.2 GB)
MAX_CITIZENS = 200_000


@dataclass(frozen=True)
class Params:
    # size and time
    citizens: int = 560  # citizens in day and residential offers at go-live (Rudersdal-sized)
    start: str = "2018-11"  # go-live month: the first month the robot runs
    months: int = 12
    citizens_per_supplier: float = 5.0
    monthly_turnover: float = 0.012  # citizens leaving (death, moving away) and new ones arriving, per month

    # the offers citizens have (shares of citizens by main offer)
    offer_mix: dict = field(
        default_factory=lambda: {"108": 0.33, "107": 0.08, "104": 0.19, "103": 0.10, "STU": 0.10, "97": 0.20}
    )
    day_offer_with_residential: float = 0.55  # residents who also have a § 103/104 day offer
    high_cost_share: float = 0.035  # § 108 stays for complex needs, above 100,000 a month
    day_rate_day_offer_share: float = 0.20  # day offers with a day rate, billed per attendance day
    hourly_97_share: float = 0.80  # § 97 grants by the hour (the rest have fixed hours, a monthly rate)

    # how suppliers invoice (shares of invoice volume)
    share_cpr_in_text: float = 0.25  # CPR and period written in the text, not in columns
    share_no_cpr: float = 0.115  # only the citizen's name: MISSING_CPR
    share_no_period: float = 0.085  # CPR but no period anywhere: MISSING_PERIOD
    share_collective: float = 0.10  # collective invoices: one a month per house
    collective_house_size: int = 3  # citizens are grouped in houses by their number: 1-3 per house
    share_extras: float = 0.35  # suppliers who invoice extras (transport, medicine, activities)
    extras_per_citizen_month: float = 0.24  # at such a supplier
    share_duplicates: float = 0.20  # suppliers who sometimes send the same invoice twice
    duplicate_rate: float = 0.08  # at such a supplier, per invoice
    resend_rate: float = 0.01  # any supplier: a reminder under a new invoice number next month
    share_no_proration: float = 0.10  # suppliers who bill whole months when a stay starts or ends mid-month
    share_advance_billing: float = 0.75  # residential suppliers billing the month in advance
    share_late_notice: float = 0.5  # of those: keep billing the month after a stay ended, then credit it
    share_stu_twelfths: float = 0.5  # STU schools that bill a year's rate in twelfths
    rounding_small: float = 0.02  # invoices off by 0.01-1.00 DKK (supplier's rounding): pay
    rounding_medium: float = 0.015  # off by 1-5 DKK (rounding of a day rate): a human pays
    fee_added: float = 0.012  # a fee of 5-25 DKK added to the rate: a human would not pay
    absence_deduction: float = 0.015  # a deduction for absence or hospital stay: pay
    back_payment_per_citizen_month: float = 0.008  # rate adjustments for past months
    correction_credit_rate: float = 0.008  # credit notes correcting an earlier invoice
    keying_error_rate: float = 0.012  # paper invoices keyed in by the scanning bureau, with an error

    # Sensum: registration by caseworkers and administrative staff
    new_grant_lag: tuple = (0.55, 0.27, 0.13, 0.05)  # months late, P(0), P(1), ...
    end_lag: tuple = (0.45, 0.30, 0.17, 0.08)  # registering that a stay ended
    extension_lag: tuple = (0.45, 0.30, 0.17, 0.08)  # registering that a temporary stay was extended
    rate_lag: tuple = (0.55, 0.25, 0.15, 0.05)  # January rate regulation, per supplier
    wrong_supplier_new: float = 0.06  # new grants registered with the wrong supplier
    rate_regulation: float = 0.021  # yearly rate increase (pris- og lønregulering)

    # the state of Sensum at go-live, cleaned up as the robot's notes come in
    backlog_unregistered: float = 0.04  # grants not registered at all
    backlog_wrong_supplier: float = 0.07
    backlog_stale_rate: float = 0.09  # last year's rate still registered
    backlog_double: float = 0.02  # the same grant registered twice: AMBIGUOUS
    backlog_wrong_service: float = 0.006  # wrong service registered: posted on the wrong PSP element
    cleanup_per_month: float = 0.40  # chance a flagged error is fixed in a month

    # support sheet (støtteark)
    share_suppliers_missing_from_sheet: float = 0.025
    late_coding_groups: int = 2  # (ownership, paragraph) groups whose new-year coding rows came a month late
    excluded_supplier_share: float = 0.02  # the supplier the municipality excludes (under supervision)

    # scenario switches
    template_from_month: int = 0  # 0: never; else suppliers adopt the contact template from this month
    template_adoption: float = 0.85  # share of suppliers' volume that adopts it
    collective_lines: bool = False  # suppliers of collective invoices send their lines (an e-invoice's lines)

    def replace(self, **changes: object) -> Params:
        return dataclasses.replace(self, **changes)

    def check(self) -> Params:
        """These parameters, or ``ValueError`` naming the first that no
        municipality can have (a share outside 0 to 1, a lag that does not
        add up to 1, an offer the generator does not know …): a world made of
        them would be empty, or stop half-way with a ZeroDivisionError."""

        def bad(name: str, expected: str) -> ValueError:
            return ValueError(f"Params.{name} = {getattr(self, name)!r}; expected {expected}")

        whole = {"citizens": (10, MAX_CITIZENS), "months": (1, 120), "collective_house_size": (1, 1000),
                 "late_coding_groups": (0, 1000), "template_from_month": (0, 120)}  # fmt: skip
        for name, (low, high) in whole.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise bad(name, f"a whole number from {low:,} to {high:,}")
        # a year from 1900 and the last month by 2099, as every command reads a month (a file named for a later
        # year belongs to no month: its runs would count in the month they ran)
        first = re.fullmatch(r"((?:19|20)\d{2})-(0[1-9]|1[0-2])", str(self.start))
        if not first or int(first[1]) * 12 + int(first[2]) - 1 + self.months - 1 > 2099 * 12 + 11:
            raise bad("start", f"a month, YYYY-MM, from 1900-01, whose {self.months} months end by 2099-12")
        open_ended = {"citizens_per_supplier": (0, False), "extras_per_citizen_month": (0, True),
                      "back_payment_per_citizen_month": (0, True)}  # fmt: skip
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in whole or not isinstance(value, float | int) or isinstance(value, bool):
                continue
            if not math.isfinite(value):
                raise bad(f.name, "a finite number")
            if f.name in open_ended:
                low, inclusive = open_ended[f.name]
                if value < low or (value == low and not inclusive):
                    raise bad(f.name, f"a number above {low}" if not inclusive else "0 or more")
            elif f.name == "rate_regulation":
                if not -1 < value < 1:
                    raise bad(f.name, "a yearly change between -1 and 1")
            elif not 0 <= value <= 1:
                raise bad(f.name, "a share from 0 to 1")
        for name in ("new_grant_lag", "end_lag", "extension_lag", "rate_lag"):
            lag = tuple(getattr(self, name))
            ok = lag and all(isinstance(p, float | int) and math.isfinite(p) and p >= 0 for p in lag)
            if not ok or abs(sum(lag) - 1) > 1e-9:
                raise bad(name, "the chances of 0, 1, 2 … months late: none negative, adding up to 1")
        known = set(Params().offer_mix)
        mix = self.offer_mix
        if (not isinstance(mix, dict) or not mix or not set(mix) <= known
                or not all(isinstance(v, float | int) and math.isfinite(v) and v >= 0 for v in mix.values())
                or sum(mix.values()) <= 0):  # fmt: skip
            raise bad("offer_mix", f"shares of the offers {', '.join(sorted(known))}, none negative, not all 0")
        return self

    def to_dict(self) -> dict:
        """The parameters, without the switches added later while they are
        off: a world of an older scenario keeps its ``world.json`` as it was."""
        d = dataclasses.asdict(self)
        for name in _LATER_SWITCHES:
            if not d[name]:
                del d[name]
        return d


#: switches added after worlds were first written (left out of ``to_dict`` while off)
_LATER_SWITCHES = ("collective_lines",)


def _template(p: Params) -> Params:
    """Suppliers adopt the municipality's contact template from month 7: their
    invoices carry the citizen's CPR and the period, one citizen per invoice."""
    return p.replace(template_from_month=7)


def _discipline(p: Params) -> Params:
    """Central registration of suppliers and rates by a few administrative
    staff: rates and suppliers registered on time and right, the support sheet
    complete and updated for the new year in time, flagged errors fixed
    quickly, new grants registered sooner."""
    return p.replace(
        rate_lag=(1.0,),
        wrong_supplier_new=0.0,
        backlog_stale_rate=0.0,
        backlog_wrong_supplier=p.backlog_wrong_supplier / 3,
        share_suppliers_missing_from_sheet=0.0,
        late_coding_groups=0,
        cleanup_per_month=0.85,
        new_grant_lag=(0.85, 0.15),
    )


def _lines(p: Params) -> Params:
    """Suppliers of collective invoices send the invoice's lines, one citizen
    a line (as an e-invoice's lines carry them): the robot posts them line by
    line."""
    return p.replace(collective_lines=True)


def _national(p: Params) -> Params:
    """A national-scale year: about a million invoices."""
    return p.replace(citizens=65_000)


SCENARIOS = {
    "baseline": (lambda p: p, "Rudersdal-sized municipality, go-live November 2018, as the case found it"),
    "template": (_template, "suppliers adopt the contact template from month 7 (CPR and period on every invoice)"),
    "discipline": (_discipline, "central registration of suppliers and rates: no lag, no wrong suppliers"),
    "national": (_national, "a national-scale year, about 1,000,000 invoices"),
    "lines": (_lines, "suppliers of collective invoices send the lines (one citizen a line): posted line by line"),
}


class UnknownScenario(ValueError):
    pass


def parse_scenario(name: str, base: Params | None = None) -> Params:
    """``"template+discipline"`` → the baseline with both applied."""
    p = base or Params()
    parts = [s.strip() for s in name.split("+") if s.strip()]
    if not parts:
        raise UnknownScenario("empty scenario name; expected one of " + ", ".join(SCENARIOS))
    for part in parts:
        if part not in SCENARIOS:
            raise UnknownScenario(f"unknown scenario {part!r}; expected one of {', '.join(SCENARIOS)} joined by '+'")
        p = SCENARIOS[part][0](p)
    return p
