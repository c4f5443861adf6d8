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


#: each type by its key and by its Danish name, case and spacing aside
_BY_NAME = {" ".join(name.casefold().split()): key for key, name in TYPE_NAMES_DA.items()} | {k: k for k in TYPES}


def canonical_type(value: object) -> object:
    """A label's type as its key where it names one of :data:`TYPES`, by the
    key or by the Danish name the tool shows (``Døgntakst`` is
    ``daily_rate``); any other value as it is. Labelled with the tool's own
    Danish names, every type was undecided (an attack on 0.9.37)."""
    return _BY_NAME.get(" ".join(str(value).casefold().split()), value) if isinstance(value, str) else value
