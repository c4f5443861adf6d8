"""A review of 0.9.34's first version against issue 13, item 2 (øre as integers until a writer
formats them): each test failed on it. The fix list lost a resent invoice's amount and compared
amounts as floating point; the postings held a third unit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from invoicekit.actions import Settings, fix_list
from invoicekit.cli import main
from invoicekit.followup import decided_again, first_decisions, load_every_decision


def _run(example: Path, tmp_path: Path, journal_flag: str, out: str) -> None:
    argv = ["run", "--grants", str(example / "bevillinger.csv"), "--invoices", str(example / "regninger.csv"),
            "--support-sheet", str(example / "stoetteark.xlsx"), "--out", str(tmp_path / out),
            journal_flag, str(tmp_path / "journal.sqlite"), "--quiet"]  # fmt: skip
    assert main(argv) == 0


def test_fix_list_keeps_the_amount_of_a_resent_invoice(example_case, tmp_path):
    """The fix list lists the month's resent invoices (``again``) among its manual invoices, with their
    amount (``Beløb (kr.)`` in actions.xlsx). 0.9.34 converts the first decisions' ``amount_ore`` to
    kroner but not ``again``'s, whose rows are then concatenated on the column ``amount`` they lack:
    every resent invoice is listed with no amount (NaN, a blank cell), where 0.9.33 showed it."""
    _run(example_case, tmp_path, "--new-journal", "first")
    _run(example_case, tmp_path, "--journal", "again")  # the same extract again: every number a resend
    every = load_every_decision(tmp_path / "journal.sqlite")
    again = decided_again(every)
    assert len(again) and again["amount_ore"].notna().all()  # the journal has every amount
    actions = fix_list(first_decisions(every), again=again)
    assert actions.again == len(again)
    listed = actions.invoices
    assert len(listed) == len(first_decisions(every)[lambda d: d["status"] != "posted"]) + len(again)
    missing = listed[listed["amount"].isna()]
    assert missing.empty, (
        f"{len(missing)} manual invoices listed without their amount: {missing['invoice_id'].tolist()}"
    )


def _above_limit(row: int, amount_ore: int, expected_ore: int) -> dict:
    return {
        "month": "2019-01", "row": row, "invoice_id": f"F-{row}", "supplier_cvr": "29345716",
        "cpr_masked": "010190-xxxx", "amount_ore": amount_ore, "status": "manual", "reason": "AMOUNT_ABOVE_LIMIT",
        "grant_id": f"G{row}", "expected_amount_ore": expected_ore, "service_code": "",
        "period_start": pd.Timestamp("2019-01-01"), "period_end": pd.Timestamp("2019-01-31"),
        "message": "Robotten: AMOUNT_ABOVE_LIMIT", "posted": False,
    }  # fmt: skip


def test_fix_list_weighs_an_amount_exactly_at_the_tolerance_as_the_robot_does():
    """The robot takes an amount within ``tolerance`` of the grant's (``diff <= tolerance``, in exact
    units). The fix list converts the journal's øre back to kroner as floating point and compares
    there: 25.000,11 kr. against 25.000,01 kr. differs by 0.10000000000036 kr., "more" than a
    tolerance of 0,10 kr. So three invoices above the limit that each fit their grant within the
    robot's tolerance propose no ``rule:max_amount`` fix; with the difference 0 they do."""
    expected = [2_500_001, 2_500_003, 2_500_005]  # øre
    settings = Settings(tolerance=0.10, max_amount=25_000.0)
    at_tolerance = pd.DataFrame([_above_limit(k + 1, e + 10, e) for k, e in enumerate(expected)])
    exact = pd.DataFrame([_above_limit(k + 1, e, e) for k, e in enumerate(expected)])
    for frame in (at_tolerance, exact):
        frame[["amount_ore", "expected_amount_ore"]] = frame[["amount_ore", "expected_amount_ore"]].astype("Int64")
    assert "rule:max_amount" in fix_list(exact, settings=settings).fixes["fix_key"].tolist()
    assert "rule:max_amount" in fix_list(at_tolerance, settings=settings).fixes["fix_key"].tolist()


def test_postings_hold_the_amount_in_the_same_unit_as_the_decisions(example_case):
    """``Decisions.decisions`` holds ``amount_ore`` (whole øre, the unit in the name, "so that no reader
    takes øre for kroner"); ``Decisions.postings``, the table README shows as ``result.postings``,
    holds the same invoice's amount as ``amount`` in 1/10,000 DKK: a notebook that sums the postings
    as øre (or as kroner, as decisions.csv's ``amount`` means) is off by a factor of 100 (or 10,000)."""
    import invoicekit as ik

    result = ik.decide(
        ik.read_invoices(example_case / "regninger.csv"),
        ik.read_grants(example_case / "bevillinger.csv"),
        ik.read_support_sheet(example_case / "stoetteark.xlsx"),
    )
    p = result.postings
    assert len(p)
    d = result.decisions.set_index("row")
    held = d.loc[p["row"].to_numpy(), "amount_ore"].to_numpy(dtype=np.int64)
    amount = p["amount_ore"] if "amount_ore" in p else p["amount"]
    assert np.array_equal(amount.to_numpy(dtype=np.int64), held)


# ------------------------------------------------------------------ a comparison of every output with 0.9.33

EXAMPLE = Path(__file__).parent / "data" / "example"


def _twice(tmp_path: Path) -> Path:
    """The example batch run twice into one journal: the second run holds every numbered invoice as a
    duplicate (decided again), as a re-sent extract does."""
    _run(EXAMPLE, tmp_path, "--new-journal", "r1")
    _run(EXAMPLE, tmp_path, "--journal", "r2")
    return tmp_path / "journal.sqlite"


def test_actions_workbook_shows_the_amount_of_a_duplicate(tmp_path):
    """The workbook people read (actions.xlsx, sheet "Manuelle fakturaer"): a duplicate's
    "Beløb (kr.)" cell is empty in 0.9.34 (and loses its #,##0.00 format), where 0.9.33 showed
    the invoice's amount, e.g. 28.500,00."""
    journal = _twice(tmp_path)
    assert main(["actions", "--journal", str(journal), "--out", str(tmp_path / "a"), "--quiet"]) == 0
    ws = load_workbook(tmp_path / "a" / "actions.xlsx")["Manuelle fakturaer"]
    header = [c.value for c in ws[1]]
    amount, reason = header.index("Beløb (kr.)"), header.index("Årsagskode")
    dupes = [row for row in ws.iter_rows(min_row=2) if row[reason].value == "DUPLICATE_INVOICE"]
    assert dupes
    blank = [(row[0].row, row[amount].value, row[amount].number_format) for row in dupes if row[amount].value is None]
    assert not blank, f"duplicates without an amount (row, value, format): {blank}"
