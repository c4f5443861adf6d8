"""The kinds of invoice the type mapping tells apart
and their Danish names. The one place they live: the type mapping reports
them and the synthetic municipality labels its invoices with them. A leaf
that imports nothing, so that either can load it cheaply."""

from __future__ import annotations

TYPES = (
    "residential_monthly",
    "daily_rate",
    "day_offer",
    "stu",
    "hourly_97",
    "collective",
    "extras",
    "back_payment",
    "credit_note",
    "duplicate",
)
TYPE_NAMES_DA = {
    "residential_monthly": "Botilbud, månedstakst",
    "daily_rate": "Døgntakst",
    "day_offer": "Dag- og aktivitetstilbud",
    "stu": "STU",
    "hourly_97": "Timer, § 97",
    "collective": "Samlefaktura",
    "extras": "Ekstraudgifter",
    "back_payment": "Efterregulering",
    "credit_note": "Kreditnota",
    "duplicate": "Dublet eller rykker",
}
#: the types billed per grant at a fixed rate: the ones the robot is built to take
FIXED_RATE_TYPES = frozenset({"residential_monthly", "daily_rate", "day_offer", "stu"})


def type_label(value: str) -> str:
    """A type's Danish name; any other value (a cluster's name) as it is."""
    return TYPE_NAMES_DA.get(value, value)
