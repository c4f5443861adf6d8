"""The business rules of the robot: what it may post.

:class:`Rules` is a small immutable, validated settings object that loads from
TOML. It is not a scikit-learn estimator (nothing is fitted): a changed rule set
is a new object, :meth:`Rules.replace`; :func:`invoicekit.tune.tune` searches a
grid of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import numbers
import re
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from invoicekit.errors import MAX_TOML_BYTES, InputError, MissingFileError, check_input_file, read_toml_text
from invoicekit.identifiers import compact_cvr, is_valid_cvr, quoted
from invoicekit.parsing import MONEY_SCALE
from invoicekit.vocabulary import normalise_paragraph

#: the largest tolerance or maximum amount (DKK) a rules file may set
MAX_RULE_AMOUNT = 1_000_000_000
#: a number with dots between groups of three digits (``25.000``): 25 to
#: Python and TOML, twenty-five thousand to a Dane
THOUSANDS_GROUPED = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
#: an amount rule set in a rules file to such a number, as TOML reads it (the line as written)
_GROUPED_RULE = re.compile(
    r"^[ \t]*([\"']?)(tolerance|max_amount)\1[ \t]*=[ \t]*\+?"  # the key bare or quoted, the value signed or not
    rf"({THOUSANDS_GROUPED.pattern})[ \t]*(?:#[^\r\n]*)?\r?$",  # a Windows line end too (an attack on 0.9.40)
    re.MULTILINE,
)


@dataclass(frozen=True)
class Rules:
    """Business rules. Amounts in DKK.

    - ``tolerance``: ``|amount - expected|`` allowed (DKK)
    - ``max_amount``: above it, manual (DKK)
    - ``paragraphs``: paragraphs the robot may post
    - ``excluded_suppliers``: CVR numbers always sent to manual
    - ``supplementary_period_end``: ``MM-DD``, the last day of the
      supplementary period (*supplementsperiode*) in which invoices for the
      previous year are posted on 31 December of that year; blank for none

    ``tolerance`` and ``max_amount`` lie between 0 and 1,000,000,000 DKK.
    """

    tolerance: float = 1.00
    max_amount: float = 100_000.00
    paragraphs: tuple[str, ...] = ("103", "104", "107", "108", "STU")
    excluded_suppliers: tuple[str, ...] = field(default_factory=tuple)
    supplementary_period_end: str = ""

    def __post_init__(self) -> None:
        for name in ("tolerance", "max_amount"):
            value = getattr(self, name)
            if isinstance(value, numbers.Real) and not isinstance(value, bool | int | float):
                # a numpy number (np.arange's, a column's maximum) is a number: taken as its Python value, where
                # it was refused as "not a number" (an attack on 0.9.37)
                value = value.item() if hasattr(value, "item") else float(value)
                object.__setattr__(self, name, value)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                # the range first: math.isfinite of a whole number beyond a float's range raises (an attack)
                or not 0 <= value <= MAX_RULE_AMOUNT
                or not math.isfinite(value)
            ):
                raise InputError(None, name, f"expected a number from 0 to 1000000000 (DKK), got {quoted(value)}")
        end = self.supplementary_period_end
        if not isinstance(end, str) or (end and not _month_day(end)):
            raise InputError(
                None, "supplementary_period_end", f'expected "MM-DD" (e.g. "01-31") or "" for none, got {quoted(end)}'
            )
        for name in ("paragraphs", "excluded_suppliers"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
                raise InputError(None, name, f"expected a list of texts or whole numbers, got {quoted(value)}")
        paragraphs = tuple(normalise_paragraph(p) for p in self.paragraphs)
        # a paragraph is a number or STU: "SEL" or "alle" names none (and posted nothing, unsaid)
        named = [p == "STU" or p.isdecimal() for p in paragraphs]
        if not all(named):
            given = self.paragraphs[named.index(False)]
            raise InputError(
                None, "paragraphs", f'expected one paragraph each, such as "107" or "§ 107", got {quoted(given)}'
            )
        object.__setattr__(self, "paragraphs", paragraphs)
        cvrs = []
        for cvr in self.excluded_suppliers:
            if not is_valid_cvr(cvr):
                raise InputError(None, "excluded_suppliers", f"expected CVR numbers, {quoted(cvr)} is not a valid CVR")
            cvrs.append(compact_cvr(cvr))
        object.__setattr__(self, "excluded_suppliers", tuple(cvrs))

    def replace(self, **changes: Any) -> Rules:
        """A new, validated Rules with these rules changed (Rules is immutable)."""
        unknown = set(changes) - set(RULE_KEYS)
        if unknown:
            raise InputError(None, ", ".join(sorted(unknown)), f"unknown rule; known: {', '.join(RULE_KEYS)}")
        return dataclasses.replace(self, **changes)

    @property
    def tolerance_units(self) -> int:
        """The tolerance in the amounts' units, never more than written."""
        return units_at_most(self.tolerance)

    @property
    def max_amount_units(self) -> int:
        """The largest amount posted, in the amounts' units, never more than
        written: an amount (whole units) is at most ``max_amount`` exactly when
        it is at most this."""
        return units_at_most(self.max_amount)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


RULE_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Rules))


def units_at_most(kroner: float) -> int:
    """The whole units (:data:`MONEY_SCALE` to a krone) in ``kroner`` as
    written (the shortest decimal that reads as the float: ``0.29`` is 0.29,
    not 0.28999…), rounded down. Rounded to the nearest, a tolerance of
    0.00999 kr. let an invoice 0.01 kr. off through, and a limit of
    28,499.99999 kr. posted 28,500.00 kr. (an attack on 0.9.25)."""
    return int((Decimal(str(kroner)) * MONEY_SCALE).to_integral_value(rounding=ROUND_FLOOR))


def _month_day(text: str) -> bool:
    """``MM-DD`` naming a day that exists in a leap year."""
    m = re.fullmatch(r"(\d{2})-(\d{2})", text)
    if not m:
        return False
    try:
        dt.date(2000, int(m[1]), int(m[2]))
    except ValueError:
        return False
    return True


def load_rules(path: str | Path | None) -> Rules:
    """Read a rules TOML file; every key optional. ``None`` gives the defaults."""
    if path is None:
        return Rules()
    path = Path(path)
    if not path.exists():
        raise MissingFileError(path)
    check_input_file(path, "a rules file (TOML)", MAX_TOML_BYTES)
    try:
        text = read_toml_text(path, "a rules file (TOML)")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, None, f"not valid TOML ({exc})") from None
    except RecursionError:
        raise InputError(path, None, "nests too deeply to be read; expected a flat rules file") from None
    except OSError as exc:
        raise InputError(path, None, f"cannot be read ({exc.strerror or exc})") from None
    if not text.strip():
        # a copy cut short (a full disk, a failed download) ran on the defaults, unsaid (0.9.32)
        raise InputError(path, None, "is empty; expected a rules file (TOML); leave out the option for the defaults")
    if grouped := _GROUPED_RULE.search(text):
        # max_amount = 25.000 is 25 kr. to TOML: every invoice above it went to manual, unsaid
        key, value = grouped[2], grouped[3]
        whole = value.replace(".", "")
        raise InputError(
            path,
            f"key '{key}'",
            f"{quoted(value)} is {whole} DKK with Danish thousands separators but {float(value):g} to TOML (a "
            f"decimal point); expected {whole} for {whole} kr., or {float(value):.1f} for {float(value):g} kr.",
        )
    return rules_from_dict(data, source=path)


def recorded_rules(stored: str | None, source: str | Path, where: str) -> Rules:
    """The rules a journal recorded for a run (the JSON :meth:`Rules.to_dict`
    gave, blank in the oldest journals: the defaults). Damaged rules raise
    :class:`InputError` naming ``source`` and ``where`` (the run)."""
    try:
        data = json.loads(stored or "{}")
        if not isinstance(data, dict):
            raise ValueError(data)
    except ValueError:
        raise InputError(source, where, "its recorded rules are damaged; expected the JSON the robot wrote") from None
    try:
        return rules_from_dict(data, source=source)
    except InputError as exc:
        raise InputError(source, where, f"its recorded rules are damaged ({exc.where}: {exc.expected})") from None


def rules_from_dict(data: dict[str, Any], source: str | Path | None = None) -> Rules:
    unknown = [k for k in data if k not in RULE_KEYS]
    if unknown:
        raise InputError(source, f"key '{unknown[0]}'", f"unknown rule; known keys: {', '.join(RULE_KEYS)}")
    kwargs = {}
    for key, value in data.items():
        if key in ("paragraphs", "excluded_suppliers"):
            if not isinstance(value, list):
                raise InputError(
                    source, f"key '{key}'", f"expected a list of texts or whole numbers, got {quoted(value)}"
                )
            value = tuple(value)
        kwargs[key] = value
    try:
        return Rules(**kwargs)
    except InputError as exc:
        raise InputError(source, f"key '{exc.where}'", exc.expected) from None
