"""An attack on finding the one grant by exclusion (robot spec, "The checks" 11-16 and 21), from the grant
extract a municipality actually exports (0.9.38): a grant Sensum marks cancelled, refused or ended, a second
end date beside the one read, a grant moved to a new owner's CVR. Each test failed on 0.9.38."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main

EXAMPLE = Path(__file__).parent / "data" / "example"

# SOL-1001 in the example's invoices: 610190-1234 at Bostedet Solhøj (29345716), March 2019,
# 28.500,00 kr.; it fits B-1001 (SEL108-BO, 28500.00 per month, from 01-01-2018, no end) alone
INVOICE_HEADER = "Fakturanummer;Leverandør CVR;CPR-nr;Periode fra;Periode til;Beløb;Tekst\n"
SOL_MARCH = "SOL-1001;29345716;610190-1234;01.03.2019;31.03.2019;28.500,00;Døgnophold marts 2019\n"


def _case(tmp_path: Path) -> Path:
    case = tmp_path / "case"
    shutil.copytree(EXAMPLE, case)
    (case / "inv.csv").write_text(INVOICE_HEADER + SOL_MARCH, encoding="utf-8")
    return case


def _grants_with(case: Path, **extra: list[str]) -> Path:
    """The example's grant extract with extra columns, as Sensum exports them beside the ones read."""
    grants = pd.read_csv(case / "bevillinger.csv", dtype=str, keep_default_na=False)
    for name, values in extra.items():
        grants[name] = values + [values[-1]] * (len(grants) - len(values))
    path = case / "g.csv"
    grants.to_csv(path, index=False, sep=";")
    return path


def _run(case: Path, grants: Path, out: Path) -> tuple[int, pd.DataFrame | None]:
    argv = ["run", "--grants", str(grants), "--invoices", str(case / "inv.csv"),
            "--support-sheet", str(case / "stoetteark.xlsx"), "--rules", str(case / "rules.toml"),
            "--out", str(out), "--quiet"]  # fmt: skip
    code = main(argv)
    if code != 0:
        return code, None
    return code, pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    "extra",
    [
        {"Status": ["Annulleret", "Bevilget"]},
        {"Bevillingsstatus": ["Afsluttet", "Aktiv"]},
        {"Status": ["Afslået", "Bevilget"]},
        {"Annulleret": ["Ja", "Nej"]},
    ],
    ids=["status-annulleret", "bevillingsstatus-afsluttet", "status-afslaaet", "annulleret-ja"],
)
def test_a_grant_whose_status_says_it_is_cancelled_is_never_paid(tmp_path, extra):
    """What goes wrong: a Sensum grant extract nearly always carries the grant's status (*Bevilget*,
    *Annulleret*, *Afsluttet*, *Afslået*) or a cancelled flag. The robot reads nine columns and
    silently ignores every other, so an invoice that fits a grant marked *Annulleret* (or a refused
    application, *Afslået*) is posted against it: 28.500 kr. paid for March on a grant the case
    system says was cancelled.

    Why it matters: check 11 reads "no **valid** grant has this CPR"; a cancelled or refused grant
    is not one, and the caseworker who cancelled it relies on no payment following. The robot has
    the same risk covered for a column it does not read that holds end dates (README, "Read without
    it, every grant is open-ended, and a grant that had ended was paid on, unsaid (an attack on
    0.9.35)": such an extract is refused) and for an invoice's unread currency or prepayment column
    (`PAYMENT_HINTS`), but not for a grant's status.

    Right behaviour: the invoice is not posted: either the extract is refused (exit 2, one line
    naming the column, as `_refuse_unread_end_dates` does) or the grant whose status says it is not
    in force is left out of matching (listed in input_problems.csv) so that SOL-1001 goes to a
    caseworker (spec: "a bad grant ... row is left out of matching and listed")."""
    case = _case(tmp_path)
    grants = _grants_with(case, **extra)
    code, decisions = _run(case, grants, tmp_path / "out")
    if code == 2:
        return  # refused, naming the column: the extract cannot be read as if every grant were in force
    assert code == 0
    d = decisions.iloc[0]
    assert d["status"] == "manual", (
        f"SOL-1001 was {d['status']} on grant {d['grant_id']!r}, which the extract marks {extra}"
    )


@pytest.mark.parametrize("column", ["Ophørsdato", "Faktisk slutdato", "Afsluttet dato"])
def test_a_second_end_date_column_beside_the_one_read_refuses_the_extract(tmp_path, column):
    """What goes wrong: Sensum exports the granted end (*Slutdato* / *Bevilget til*, blank while the
    grant runs on) and, beside it, the day the service actually stopped (*Ophørsdato*: the citizen
    moved out or died). The robot reads `Slutdato`, sees none, and takes B-1001 as open-ended; the
    `Ophørsdato` 28-02-2019 beside it is ignored, and the supplier's March invoice is posted: a
    month paid for a stay that had ended.

    Why it matters: `_refuse_unread_end_dates` exists for exactly this harm ("Read without it, every
    grant is open-ended, and a grant that had ended was paid on, unsaid (an attack on 0.9.35)"), but
    it looks only when the extract has no end-date column of a known name; a second, unread column
    that names an end (it finds `Ophørsdato`, `… slutdato`, `Afsluttet …` itself via
    `end_date_columns`) and holds dates is let through. Check 13 then counts B-1001 as covering
    March, contrary to the extract.

    Right behaviour: SOL-1001 is not posted: the extract is refused (exit 2, naming the column, and
    saying to give one end date) or the earlier end is used, so that check 13 fails
    (`PERIOD_NOT_COVERED`)."""
    case = _case(tmp_path)
    grants = _grants_with(case, **{column: ["28-02-2019", ""]})
    code, decisions = _run(case, grants, tmp_path / "out")
    if code == 2:
        return
    assert code == 0
    d = decisions.iloc[0]
    assert d["status"] == "manual", (
        f"SOL-1001 (March 2019) was {d['status']} on {d['grant_id']!r}, whose {column} is 28-02-2019"
    )


def test_a_month_paid_before_a_takeover_is_not_paid_again_to_the_new_cvr(tmp_path):
    """What goes wrong: run 1 posts citizen 610190-1234's § 108 stay for March 2019 at Bostedet
    Solhøj (CVR 29345716) on grant G-A108. The place is then taken over by a new owner with another
    CVR (31587603); the caseworker does what Sensum asks: moves G-A108 to the new CVR and ends it on
    28 February, and registers the stay again from 1 March as G-N at the new CVR. The new owner bills
    March again under its own number, and run 2 posts it on G-N: the same citizen's same service
    (SEL108-BO) for the same month, paid twice, 28.500 kr. each, with the journal holding the first
    payment.

    Why it matters: check 21 ("a posted invoice ... has the same grant ... or the same CPR, supplier
    CVR and service code: a grant re-registered under a new id is still the same service paid
    twice") holds exactly this when the journal's payment is weighed with today's extract, which
    says G-A108, paid for March, is the citizen's SEL108-BO at CVR 31587603, as G-N is. The README
    already calls this outcome wrong when Sensum's marks are given
    (`tests/test_paid_marks.py::test_the_robots_own_mark_of_a_grant_moved_to_another_supplier_still_holds_the_month`:
    "the new supplier's bill for March was paid again"), but `--paid` is optional and the journal
    alone records the robot's own posting of G-A108 for March; without the marks the month is paid
    twice.

    Right behaviour: the second March invoice goes to manual as ALREADY_PAID (naming G-A108 and F-1),
    with the journal alone, as it does with the marks."""
    from tests.conftest import grants_table, invoice, support_tables

    new_cvr = "31587603"
    march = {"period_start": "01.03.2019", "period_end": "31.03.2019"}
    sheet = tmp_path / "s.xlsx"
    support = support_tables()  # the new owner codes as a municipal supplier (as in test_paid_marks)
    support["coding"].loc[len(support["coding"])] = ["108", "kommunal", "Udviklingshæmmede", "PSP-108-K",
                                                     "40000000", "2019-01-01", ""]  # fmt: skip
    with pd.ExcelWriter(sheet) as x:
        for name, frame in support.items():
            frame.to_excel(x, sheet_name=name, index=False)
    journal = tmp_path / "j.sqlite"

    def run_on(grants: pd.DataFrame, inv: dict, out: str) -> pd.Series:
        g, i = tmp_path / f"{out}-g.csv", tmp_path / f"{out}-i.csv"
        grants.to_csv(g, index=False)
        pd.DataFrame([inv]).to_csv(i, index=False)
        argv = ["run", "--grants", str(g), "--invoices", str(i), "--support-sheet", str(sheet),
                "--out", str(tmp_path / out), "--quiet",
                "--journal" if journal.exists() else "--new-journal", str(journal)]  # fmt: skip
        assert main(argv) == 0
        return pd.read_csv(tmp_path / out / "decisions.csv", dtype=str, keep_default_na=False).iloc[0]

    grants = grants_table()
    first = run_on(grants, invoice(invoice_id="F-1", **march), "o1")
    assert (first["status"], first["grant_id"]) == ("posted", "G-A108")  # March paid once, at Solhøj

    moved = grants.copy()
    at = moved.index[moved["grant_id"] == "G-A108"][0]
    moved.loc[at, ["supplier_cvr", "end_date"]] = [new_cvr, "2019-02-28"]
    again = moved.loc[at].copy()
    again[["grant_id", "start_date", "end_date"]] = ["G-N", "2019-03-01", ""]
    moved.loc[len(moved)] = again
    second = run_on(moved, invoice(invoice_id="N-1", supplier_cvr=new_cvr, **march), "o2")
    assert (second["status"], second["reason"]) == ("manual", "ALREADY_PAID"), (
        f"March 2019 of 610190-xxxx's SEL108-BO, posted in run 1 on G-A108, was {second['status']} again on "
        f"{second['grant_id']} at the new CVR"
    )


def test_a_cancelled_grant_holds_nothing_back_and_every_status_is_listed(tmp_path):
    """A cancelled grant is no grant: listed in input_problems.csv, it holds nothing back, so the citizen's
    invoice on the grant in force is posted. A status of no word the robot knows, or an ended grant with no
    end date, leaves its row out and is listed, holding the citizen's invoices back (as any row left out)."""
    case = _case(tmp_path)
    grants = pd.read_csv(case / "bevillinger.csv", dtype=str, keep_default_na=False)
    at = grants.index[grants["grant_id"] == "B-1001"][0]
    cancelled = grants.loc[at].copy()
    cancelled["grant_id"] = "B-0999"
    grants.loc[len(grants)] = cancelled
    grants["Status"] = ["Bevilget"] * (len(grants) - 1) + ["Annulleret"]
    grants.to_csv(case / "g.csv", index=False, sep=";")
    code, decisions = _run(case, case / "g.csv", tmp_path / "out")
    assert code == 0
    d = decisions.iloc[0]
    assert (d["status"], d["grant_id"]) == ("posted", "B-1001"), d.to_dict()
    problems = pd.read_csv(tmp_path / "out" / "input_problems.csv", dtype=str)
    status = problems[problems["column"] == "status"]
    assert status["row"].tolist() == [str(len(grants))] and "annulleret" in status["problem"].iat[0], problems
    for status in ("Under behandling", "Afsluttet"):
        grants["Status"] = [status] + ["Bevilget"] * (len(grants) - 1)
        grants.loc[0, "end_date"] = ""
        grants.to_csv(case / "g.csv", index=False, sep=";")
        out = tmp_path / status.replace(" ", "-")
        code, decisions = _run(case, case / "g.csv", out)
        assert code == 0
        listed = pd.read_csv(out / "input_problems.csv", dtype=str)
        assert listed.loc[listed["column"] == "status", "row"].tolist() == ["1"], (status, listed)
        assert decisions.iloc[0]["status"] == "manual", (status, decisions.iloc[0].to_dict())
