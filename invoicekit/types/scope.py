"""Which types are in scope, that is which the robot can take: decided for
each row of a type table by the best evidence it has, and left undecided
(and said so) when it has none.

- A known kind of invoice (one of :data:`~invoicekit.types.kinds.TYPES`, as a
  labelled sample gives them) is decided by the rule: billed per grant at a
  fixed rate (:data:`~invoicekit.types.kinds.FIXED_RATE_TYPES`) and at least
  :data:`SINGLE_CITIZEN_MIN` of its invoices for a single citizen.
- Any other type (a group found by clustering without labels, or a label of
  the user's own) is decided by what the robot did: in scope when it posted
  at least :data:`POSTED_MIN` of the type's invoices. That needs the robot's
  decisions; where none are known the type is undecided.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from invoicekit.types.kinds import FIXED_RATE_TYPES, TYPES

#: the rule for a known type: at least this share of its invoices name a single citizen
SINGLE_CITIZEN_MIN = 0.7
#: a type the rule does not know is in scope when the robot posted at least this share of it
POSTED_MIN = 0.5

#: how a type's scope was decided
RULE, POSTED, UNDECIDED = "rule", "posted", "undecided"
#: the same, and a type's scope, as the workbook shows them
BASIS_DA = {RULE: "Reglen for typen", POSTED: "Robottens bogføringer", UNDECIDED: "Uafgjort"}
IN_SCOPE_DA = {True: "ja", False: "nej"}


def scope_table(table: pd.DataFrame) -> pd.DataFrame:
    """The type table (:func:`~invoicekit.types.tables.type_table`) with
    ``in_scope`` (True, False, or <NA> where undecided) and ``scope_basis``
    (``rule``, ``posted`` or ``undecided``)."""
    out = table.copy()
    known = out["invoice_type"].isin(TYPES).to_numpy()
    by_rule = out["invoice_type"].isin(FIXED_RATE_TYPES).to_numpy() & (out["single_citizen"] >= SINGLE_CITIZEN_MIN)
    posted = out["posted_share"] if "posted_share" in out else pd.Series(float("nan"), index=out.index)
    seen = ~known & posted.notna().to_numpy()
    in_scope = pd.Series(pd.NA, index=out.index, dtype="boolean")
    in_scope[known] = by_rule[known]
    in_scope[seen] = (posted >= POSTED_MIN)[seen]
    out["in_scope"] = in_scope
    out["scope_basis"] = [RULE if k else POSTED if s else UNDECIDED for k, s in zip(known, seen, strict=True)]
    return out


@dataclass(frozen=True)
class Scope:
    """The shares of the invoices in scope, out of scope and undecided, and
    the per-type table they come from (:func:`scope_table`)."""

    table: pd.DataFrame
    in_scope: float
    out_of_scope: float
    undecided: float

    def text(self) -> str:
        """One paragraph: the share in scope and what decided it; what is
        undecided and what would decide it."""
        bases = set(self.table["scope_basis"])
        how = []
        if RULE in bases:
            how.append(f"known types by the rule (fixed rate, at least {SINGLE_CITIZEN_MIN:.0%} single citizen)")
        if POSTED in bases:
            how.append(f"groups by what the robot did (in scope where it posted at least {POSTED_MIN:.0%})")
        if not how:
            return (
                f"Types in scope: undecided for all the invoices ({self.undecided:.0%}): without labels the groups "
                "have no known type, and without the robot's decisions nothing says what it takes. Give the "
                "robot's decisions.csv per extract (DECISIONS, --decisions) or a labelled sample (LABELS, --labels)."
            )
        line = f"Types in scope: {self.in_scope:.0%} of the invoices, out of scope {self.out_of_scope:.0%}"
        line += f"; decided for {' and '.join(how)}."
        if self.undecided:
            line += f" Undecided: {self.undecided:.0%} (types the rule does not know, with no decision of the robot's)."
        return line


def scope_summary(table: pd.DataFrame) -> Scope:
    """The scope of each type of ``table`` (a type table, with
    ``posted_share`` when the robot's decisions are known) and the shares of
    the invoices in scope, out of scope and undecided."""
    t = scope_table(table)
    share = t["share"].to_numpy(dtype=float)
    decided = t["in_scope"].notna().to_numpy()
    inside = t["in_scope"].fillna(False).to_numpy(dtype=bool)
    return Scope(
        table=t,
        in_scope=float(share[inside].sum()),
        out_of_scope=float(share[decided & ~inside].sum()),
        undecided=float(share[~decided].sum()),
    )
