"""The e-invoices written for the converter's tests (tests/data/einvoices),
converted one at a time with amounts as text, for the syntax readers' tests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from invoicekit.convert import convert

EINVOICES = Path(__file__).parent / "data" / "einvoices"


def _plain(row: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()}


def converted(name: str) -> tuple[dict, list[dict], list[str]]:
    """The invoice row, the line rows and the warnings of one fixture, which
    must convert."""
    result = convert([EINVOICES / name])
    assert result.refused == [] and len(result.invoices) == 1
    lines = [_plain(r) for r in result.lines.to_dict("records")]
    return _plain(result.invoices.iloc[0].to_dict()), lines, [w for _, w in result.warnings]
