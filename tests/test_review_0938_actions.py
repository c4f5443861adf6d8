"""An attack on the fix list's figures (0.9.38): a limit raised, and a coding row added, for a month's later runs were proposed again as fixes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from invoicekit import read_grants, read_support_sheet, run
from invoicekit.followup import followup
from tests.test_attack_0931_followup import ANNA, BO, CVR, SHEET


def _sheet(path: Path, with_104_coding: bool = True) -> Path:
    """The support sheet of tests/test_attack_0931_followup.py, or without its § 104 coding row."""
    sheets = dict(SHEET)
    if not with_104_coding:
        sheets["coding"] = SHEET["coding"][SHEET["coding"]["paragraph"] != "104"]
    with pd.ExcelWriter(path) as w:
        for name, frame in sheets.items():
            frame.to_excel(w, sheet_name=name, index=False)
    return path


def _invoice(number: str, amount: str, cpr: str) -> dict:
    return {"invoice_id": number, "supplier_cvr": CVR, "amount": amount, "cpr": cpr, "period_start": "2019-03-01",
            "period_end": "2019-03-31", "text": "Ophold"}  # fmt: skip


def _grant(gid: str, cpr: str, service: str, rate: str) -> dict:
    return {"grant_id": gid, "cpr": cpr, "service_code": service, "supplier_cvr": CVR, "rate": rate,
            "rate_unit": "month", "start_date": "2019-01-01", "end_date": ""}  # fmt: skip


def _run(tmp_path: Path, name: str, invoices: list[dict], day: int, **kw) -> pd.DataFrame:
    path = tmp_path / name
    pd.DataFrame(invoices).to_csv(path, index=False)
    journal = tmp_path / "journal.sqlite"
    where = {"journal": journal} if journal.exists() else {"new_journal": journal}
    out = tmp_path / f"out-{path.stem}"
    run(invoices=path, out=out, started_at=dt.datetime(2019, 3, day, 6, tzinfo=dt.UTC), **where, **kw)
    return pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- 1


def test_a_limit_already_raised_in_the_months_last_run_is_not_proposed_again_as_a_fix(tmp_path):
    """A month run in parts with different rules: the first March run (max_amount 100,000) holds three
    invoices of 150,000 kr. that match their grants to the øre (AMOUNT_ABOVE_LIMIT); IT raises the limit
    to 200,000 (as the fix list asked) and the month's rest is run with the new rules, which post such an
    invoice. The fix list of March, in ``invoicekit actions`` and in the follow-up's *Næste måneds
    opgaver*, still proposes ``rule:max_amount``: "Overvej at hæve robottens beløbsgrænse på 200.000,00
    kr. til 150.000,00 kr." (raising a limit to below itself) and credits it with 3 invoices, 75
    procentpoint, of automation that the current rules already give. It matters because the list is
    ranked by that worth: a fix already made tops it, and the points it claims are no gain at all.

    Right (README, `invoicekit actions`: "`rule:max_amount` ... only with evidence: at least 3 invoices
    above the limit"; the rules weighed are "the month's last run's", and no fix is proposed that would
    not change what the robot does): invoices not above the rules' current limit are no evidence, so no
    ``rule:max_amount`` fix (and never a "raise" to a lower limit)."""
    cprs = [ANNA, BO, "0303901234", "0404901234"]
    grants = tmp_path / "grants.csv"
    pd.DataFrame([_grant(f"G{i}", c, "SEL108", "150000") for i, c in enumerate(cprs)]).to_csv(grants, index=False)
    sheet = _sheet(tmp_path / "sheet.xlsx")
    (tmp_path / "rules-old.toml").write_text("max_amount = 100000\n", encoding="utf-8")
    (tmp_path / "rules-new.toml").write_text("max_amount = 200000\n", encoding="utf-8")
    first = _run(tmp_path, "invoices-2019-03.csv", [_invoice(f"F-{i}", "150000", c) for i, c in enumerate(cprs[:3])],
                 10, grants=grants, support_sheet=sheet, rules=tmp_path / "rules-old.toml")  # fmt: skip
    assert set(first["reason"]) == {"AMOUNT_ABOVE_LIMIT"}
    rest = _run(tmp_path, "invoices-2019-03-rest.csv", [_invoice("F-9", "150000", cprs[3])], 30,
                grants=grants, support_sheet=sheet, rules=tmp_path / "rules-new.toml")  # fmt: skip
    assert rest["status"].tolist() == ["posted"]  # the new limit posts such an invoice already

    f = followup(tmp_path / "journal.sqlite", grants=read_grants(grants), support=read_support_sheet(sheet))
    fixes = f.actions.fixes
    proposed = fixes[fixes["fix_key"] == "rule:max_amount"]
    assert proposed.empty, proposed["action"].tolist()


# ---------------------------------------------------------------- 2


def test_a_coding_row_added_before_the_months_rest_run_is_not_proposed_again_as_a_fix(tmp_path):
    """March is run in two parts: the first run's support sheet has no coding row for § 104 / privat /
    UH, so Bo's invoice goes to manual (NO_CODING); finance adds the row, and the month's rest is run
    with the new sheet. ``report followup --support-sheet`` (and ``invoicekit actions``) with that sheet
    (read by a run of the month, so no warning) still proposes ``coding:104:private:uh``: "Ret
    konteringsrækkerne for § 104 / privat / UH, så præcis én er gyldig fra 01.03.2019", 1 invoice, 50
    procentpoint, though exactly one row is valid from that day in the sheet given. Finance is sent to
    mend rows that are right, and the list's worth counts a fix already made.

    Right (README, `invoicekit actions`: `coding:...` is proposed when "the support sheet lacks a coding
    row (or has several)"): with exactly one coding row valid on the invoice's first day in the sheet
    given, no coding fix is proposed for it."""
    grants = tmp_path / "grants.csv"
    pd.DataFrame([_grant("G1", ANNA, "SEL108", "30000"), _grant("G2", BO, "SEL104", "20000")]).to_csv(
        grants, index=False
    )
    old = _sheet(tmp_path / "sheet-old.xlsx", with_104_coding=False)
    new = _sheet(tmp_path / "sheet-new.xlsx")
    first = _run(tmp_path, "invoices-2019-03.csv", [_invoice("F-1", "20000", BO)], 10, grants=grants,
                 support_sheet=old)  # fmt: skip
    assert first["reason"].tolist() == ["NO_CODING"]
    _run(tmp_path, "invoices-2019-03-rest.csv", [_invoice("F-2", "30000", ANNA)], 30, grants=grants, support_sheet=new)

    f = followup(tmp_path / "journal.sqlite", grants=read_grants(grants), support=read_support_sheet(new))
    fixes = f.actions.fixes
    proposed = fixes[fixes["fix_key"].str.startswith("coding")]
    assert proposed.empty, proposed["action"].tolist()
