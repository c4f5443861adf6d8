"""The business case's parameters: each one's name in the configuration, its
default (the likely value when a configuration leaves it out), Danish label,
unit and allowed range. A leaf: the business case and the follow-up's hours
both read them, and it imports nothing of the package."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    """One parameter: ``low`` to ``high`` is the range a configuration may
    give it (every value of a three-point estimate), ``integer`` that it
    takes whole numbers only."""

    name: str
    default: float
    label_da: str
    unit: str
    help: str
    low: float = 0.0
    high: float = math.inf
    integer: bool = False
    #: where the default comes from, in Danish for the report's assumptions (the domain notes' figures)
    source_da: str = "ingen offentlig kilde fundet"
    #: a share given as a bare number at or above this is refused as a percentage written as a share
    #: (``0.5`` for 0,5 %); written with ``%`` (``"50 %"``) it is taken as said
    bare_limit: float = math.inf


#: the most a sum of kroner may be: 100 million, as an invoice's amount or a grant's rate (a CPR number pasted
#: into one, 1503823313, was shown in the report and workbook as 1.503.823.313: an attack on 0.9.35)
MOST_KRONER = 1e8

PARAMETERS: tuple[Parameter, ...] = (
    # upper limits far above any municipality's (a national year is about 1,000,000 invoices), so that a
    # typo is refused naming its key instead of overflowing the charts and the Monte Carlo; each default's
    # source as the domain notes give it, else that no public source was found
    Parameter(
        "invoices_per_year",
        6000,
        "Fakturaer om året",
        "fakturaer",
        "invoices in scope a year",
        0,
        1e8,
        source_da="skøn: en kommunes fakturaer for dag- og botilbud er få tusinde til titusinder om året",
    ),
    Parameter(
        "minutes_manual",
        10,
        "Minutter pr. manuel faktura",
        "min.",
        "handling an invoice by hand",
        0,
        1e4,
        source_da="skøn inden for 5–15 minutter (Horsens: ca. 5 minutter for almindelige fakturaer; "
        "undersøgelser af kreditorbogholderi: 10–15)",
    ),
    Parameter(
        "minutes_exception",
        3,
        "Ekstra minutter pr. faktura til manuel behandling",
        "min.",
        "extra follow-up on an invoice the robot sends to manual",
        0,
        1e4,
    ),
    Parameter(
        "minutes_control",
        0.5,
        "Kontrolminutter pr. automatisk postering",
        "min.",
        "control per automatic posting (sample control)",
        0,
        1e4,
    ),
    Parameter(
        "error_rate",
        0.005,
        "Andel forkerte automatiske posteringer",
        "andel",
        "automatic postings later found wrong (another grant, PSP element or art, or not to be paid)",
        0,
        1,
        source_da="ingen offentlige fejlrater for robotposteringer fundet; 0,5 % er den fejlrate, invoicekit som "
        "standard højst accepterer, når forretningsreglerne afprøves",
        # "error_rate = 0.5", the 0,5 % its source names, was half of the postings wrong: the net present value a
        # million kroner lower, unsaid (an attack on 0.9.39); tune's --max-error refuses the same slip
        bare_limit=0.1,
    ),
    Parameter(
        "minutes_correction",
        30,
        "Minutter pr. forkert postering",
        "min.",
        "finding, reversing and handling again a wrong automatic posting",
        0,
        1e4,
    ),
    Parameter(
        "automation_rate",
        0.38,
        "Automatiseringsgrad",
        "andel",
        "share posted automatically",
        0,
        1,
        source_da="casen bag invoicekit: kommunens robot betalte 38 % automatisk efter 6 måneder (målet var 50 %)",
    ),
    Parameter(
        "hourly_cost",
        400,
        "Timepris",
        "kr.",
        "DKK per hour",
        0,
        1e5,
        source_da="Statens Administration 2018 (2018-priser): ca. 400 kr. pr. sparet time",
    ),
    Parameter("development_cost", 250000, "Udviklingsomkostning (år 0)", "kr.", "one-off, year 0", 0, MOST_KRONER),
    Parameter(
        "subscription_per_year",
        35000,
        "Abonnement og support pr. år",
        "kr.",
        "software and support",
        0,
        MOST_KRONER,
        source_da="en dansk udbyder af RPA som service: ca. 35.000 kr. pr. proces pr. år",
    ),
    Parameter("maintenance_hours_per_month", 1, "Drift, timer pr. måned", "timer", "operation", 0, 744),
    Parameter(
        "change_cost_per_year",
        15000,
        "Tilpasning til ændringer i OPUS/Sensum pr. år",
        "kr.",
        "extra work when OPUS or Sensum change",
        0,
        MOST_KRONER,
    ),
    Parameter("horizon_years", 5, "Tidshorisont", "år", "years of operation counted", 1, 50, True),
    Parameter(
        "discount_rate",
        0.035,
        "Diskonteringsrente (real)",
        "andel",
        "real, Finance Ministry",
        0,
        1,
        source_da="Finansministeriet: 3,5 % real fra 2021 (4 % 2013–2020)",
    ),
    Parameter(
        "effective_hours_per_fte",
        1628,
        "Effektive timer pr. årsværk",
        "timer",
        "hours in a full-time year",
        1,
        8784,
        source_da="afledt af 1.924 timer brutto (37 timer × 52 uger)",
    ),
)
PARAMS = {p.name: p for p in PARAMETERS}
