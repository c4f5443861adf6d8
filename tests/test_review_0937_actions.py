"""An attack on the fix list (`invoicekit actions`) and the follow-up's suppliers to contact (0.9.37):
what the tool tells the municipality to fix, and for whom. Each test failed on 0.9.36."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from invoicekit.actions import Settings, fix_list
from invoicekit.extracts import read_grants, read_support_sheet
from invoicekit.followup import load_decisions, template_candidates
from invoicekit.run import run
from tests.period_runs import GRANT_HEADER, write_rows
from tests.test_actions import S1, S2, A, decision, frame, grants

EXAMPLE = Path(__file__).parent / "data" / "example"
SOLHOJ = "29345716"  # Bostedet Solhøj: privat in the example support sheet
ANNA, BO = "610190-1234", "720385-4321"
INVOICE_HEADER = ["invoice_id", "supplier_cvr", "supplier_name", "amount", "cpr", "period_start", "period_end", "text"]
LINE_HEADER = ["invoice_id", "supplier_cvr", "line_no", "cpr", "amount", "period_start", "period_end", "text"]


def _collective_march(tmp_path: Path, grant_rows: list[dict], amounts: tuple[str, str]) -> tuple[pd.DataFrame, Path]:
    """A collective invoice from Solhøj for March 2019 with one line for Anna and one for Bo, run with the
    example support sheet into a journal; returns the journal's decisions and the grants file."""
    g = write_rows(tmp_path / "bevillinger-2019-03.csv", GRANT_HEADER, grant_rows)
    total = f"{sum(float(a) for a in amounts):.2f}"
    i = write_rows(
        tmp_path / "invoices-2019-03.csv",
        INVOICE_HEADER,
        [{"invoice_id": "S-1", "supplier_cvr": SOLHOJ, "supplier_name": "Bostedet Solhøj", "amount": total,
          "period_start": "2019-03-01", "period_end": "2019-03-31", "text": "Samlefaktura marts 2019"}],
    )  # fmt: skip
    lines = write_rows(
        tmp_path / "lines-2019-03.csv",
        LINE_HEADER,
        [
            {"invoice_id": "S-1", "supplier_cvr": SOLHOJ, "line_no": str(n), "cpr": cpr, "amount": amount,
             "period_start": "2019-03-01", "period_end": "2019-03-31"}
            for n, (cpr, amount) in enumerate(zip((ANNA, BO), amounts, strict=True), start=1)
        ],
    )  # fmt: skip
    journal = tmp_path / "journal.sqlite"
    run(g, i, EXAMPLE / "stoetteark.xlsx", tmp_path / "out", new_journal=journal, invoice_lines=lines,
        run_date=dt.date(2019, 3, 28))  # fmt: skip
    return load_decisions(journal), g


def _grant(gid: str, cpr: str, service: str, rate: str, end: str = "") -> dict:
    return {"grant_id": gid, "cpr": cpr, "service_code": service, "supplier_cvr": SOLHOJ, "rate": rate,
            "rate_unit": "month", "start_date": "2018-01-01", "end_date": end}  # fmt: skip


def test_collective_invoice_without_coding_asks_finance_to_add_a_service_that_does_not_exist(tmp_path):
    """A collective invoice (README: decided line by line) whose first line
    (Anna, § 108 at a private supplier) is coded and whose second (Bo, a
    § 104 grant at the same private supplier) has no coding row goes to
    manual as NO_CODING; the journal keeps the invoice's services joined,
    ``SEL108-BO;SEL104-AKT``. The fix list tells finance "Tilføj ydelsen
    SEL108-BO;SEL104-AKT i støttearkets fane Ydelser": a service no grant
    has, which the sheet must never hold. Finance cannot follow it (or
    adds a bogus row), the row really missing (Kontering § 104 / privat /
    Udviklingshæmmede) is never named, and the fix is counted at 100
    points. Why it matters: the README's fix table says
    ``coding_service:<service>`` is for "the support sheet lacks ... a
    service", and each fix is "one change would let through". Right: the
    fix names what the failing line lacks (``coding:104:privat:...``), or
    no fix at all; never a joined list of services as one service."""
    decisions, g = _collective_march(
        tmp_path,
        [_grant("G1", ANNA, "SEL108-BO", "28500.00"), _grant("G2", BO, "SEL104-AKT", "10000.00")],
        ("28500.00", "10000.00"),
    )
    assert decisions["reason"].tolist() == ["NO_CODING"]  # the robot held it: line 2 has no coding row
    a = fix_list(decisions, read_grants(g), read_support_sheet(EXAMPLE / "stoetteark.xlsx"))
    keys = a.fixes["fix_key"].tolist()
    assert not any(";" in k for k in keys), f"a fix names a joined list as one service: {keys}"
    assert all(k.startswith("coding:104:privat:") for k in keys), keys


def test_collective_invoice_grant_fix_is_for_a_citizen_whose_line_passed(tmp_path):
    """A collective invoice for March whose first line (Anna) fits her open
    § 108 grant and whose second (Bo) does not goes to manual with the
    second line's reason. The fix list reads the citizen off the invoice's
    joined ``cpr_masked`` (``610190-xxxx;720385-xxxx``) and so:

    - PERIOD_NOT_COVERED (Bo's grant ended 28.02.2019): takes Anna's birth
      date and tells the caseworker to check and extend Anna's old § 104
      grant G0, ended 31.12.2018, 100 points: the wrong citizen and the
      wrong grant. Extending it unlocks nothing (Bo's line still fails) and
      reopens a service Anna no longer gets, which the robot may then pay.
    - NO_GRANT (Bo has no grant): "Opret bevillingen: borger
      610190-xxxx;720385-xxxx": a second grant for Anna too, who has one
      (her next invoices AMBIGUOUS), under a key that is no
      ``grant_missing:<DDMMYY-xxxx>:<cvr>``.

    Why it matters: README, fix table: ``grant_period:<grant_id>`` is for
    "invoices after the grant's end", ``grant_missing:<DDMMYY-xxxx>:<cvr>``
    for "no grant for the citizen at this supplier"; the robot's own
    message names the line that failed (spec, *Collective invoices*).
    Right: the fix is for Bo (grant G2, or a grant for 720385-xxxx), or
    none; never one for a citizen whose line passed."""
    ended = tmp_path / "ended"
    ended.mkdir()
    decisions, g = _collective_march(
        ended,
        [
            _grant("G0", ANNA, "SEL104-AKT", "10000.00", "2018-12-31"),  # Anna's old activity, long ended
            _grant("G1", ANNA, "SEL108-BO", "28500.00"),
            _grant("G2", BO, "SEL108-BO", "28500.00", "2019-02-28"),  # Bo's stay ended in February
        ],
        ("28500.00", "28500.00"),
    )
    assert decisions["reason"].tolist() == ["PERIOD_NOT_COVERED"]
    a = fix_list(decisions, read_grants(g), read_support_sheet(EXAMPLE / "stoetteark.xlsx"))
    assert "grant_period:G0" not in a.fixes["fix_key"].tolist(), a.fixes[["fix_key", "action"]].to_string()

    none = tmp_path / "none"
    none.mkdir()
    decisions, g = _collective_march(none, [_grant("G1", ANNA, "SEL108-BO", "28500.00")], ("28500.00", "28500.00"))
    assert decisions["reason"].tolist() == ["NO_GRANT"]
    a = fix_list(decisions, read_grants(g), read_support_sheet(EXAMPLE / "stoetteark.xlsx"))
    for key, action in zip(a.fixes["fix_key"], a.fixes["action"], strict=True):
        assert "610190-xxxx" not in key and "610190-xxxx" not in action, (key, action)


def test_grant_supplier_fix_moves_a_grant_its_own_supplier_was_paid_under_for_the_same_period():
    """Anna's grant G-ELSE (1.000 kr. a day) is registered at supplier S2,
    and S2's January invoice was posted under it, paid as registered. S1
    also bills Anna for January, 31.000 kr. (NO_GRANT_FOR_SUPPLIER). The
    fix list tells the caseworker "Ret leverandøren på bevilling G-ELSE
    fra CVR S2 til CVR S1 ... fakturaerne passer med bevillingens takst",
    and counts S1's invoice as unlocked (50 points). Two suppliers billing
    one citizen's month is a double bill to stop, not a misregistration:
    following the fix sends S2's (right) invoices to manual and pays S1's
    automatically from next month, and S1's January invoice would not
    pass anyway (check 21, ALREADY_PAID: G-ELSE is paid for January).
    Why it matters: the README's own rule for rates, "A mismatch is no
    evidence of a new rate when the same grant was paid as registered for
    an overlapping period", and a fix's worth is "the invoices it would
    unlock". Right: no ``grant_supplier`` fix where the grant was paid to
    its own supplier for an overlapping period (at most the caseworker's
    "Kontrollér, om borger ... er flyttet" message)."""
    g = grants(("G-ELSE", A, "108-LAN", S2, "1000.00", "day", "2018-01-01", ""))
    d = frame(
        decision(1, supplier_cvr=S2, grant_id="G-ELSE", service_code="108-LAN", amount=31000.0,
                 expected_amount=31000.0),  # S2 paid for January under the grant, as registered
        decision(2, "NO_GRANT_FOR_SUPPLIER", amount=31000.0),  # S1 bills the same citizen's January
    )  # fmt: skip
    a = fix_list(d, grants=g)
    linked = dict(zip(a.invoices["row"], a.invoices["fix_key"], strict=True))
    assert linked[2] != "grant_supplier:G-ELSE", a.fixes[["fix_key", "action"]].to_string()


def test_an_excluded_supplier_gets_the_template_letter_through_one_mistyped_cvr():
    """Supplier S1 is in the rules' ``excluded_suppliers`` (always handled
    by hand). Three of its invoices lack a CPR number; one of them has the
    CVR number mistyped (29345717), which check 4 (MISSING_CPR) reaches
    before check 5. The fix list rightly drops the two with S1's number
    (the rules keep them from posting), but counts the mistyped one under
    S1 by its name and keeps ``template:29345716``: a letter goes to the
    excluded supplier, worth 25 points, and its sentence says "3 uden
    CPR-nummer" beside "1 faktura". With a CPR number on every invoice the
    robot would still post none (check 18). Why it matters: README: "nor
    does an invoice that a fix would take past its check only to meet the
    robot's rules (its supplier excluded ...)", and the follow-up leaves
    the excluded supplier out of its template list. Right: no template
    fix, letter or points for an excluded supplier, however its CVR number
    was typed."""

    def dec(row: int, reason: str = "", **fields) -> dict:
        return decision(row, reason, **{"supplier_name": "Bostedet Lind", "cpr_masked": "", **fields})

    d = frame(
        dec(1, "MISSING_CPR"),
        dec(2, "MISSING_CPR"),
        dec(3, "MISSING_CPR", supplier_cvr="29345717"),  # one digit mistyped: no valid CVR number
        dec(4, supplier_cvr=S2, supplier_name="Aktivitetscentret"),
    )
    a = fix_list(d, month="2019-01", settings=Settings(excluded_suppliers=(S1,)))
    assert f"template:{S1}" not in a.fixes["fix_key"].tolist(), a.fixes[["fix_key", "action"]].to_string()


def test_followup_puts_a_number_that_is_no_cvr_number_on_top_of_the_suppliers_to_contact():
    """Two invoices without a CPR number whose CVR number is mistyped
    (29345717, no valid CVR) under a name no other invoice gives: check 4
    (MISSING_CPR) comes before check 5, so they are the template's reasons.
    ``invoicekit actions`` rightly writes no letter ("one no name tells
    gets no letter ...: a letter to a number that is no CVR number reaches
    nobody", README), but the follow-up's list of suppliers to send the
    contact template puts "29345717" first, worth 66.7 points of
    automation: a supplier that does not exist, whom nobody can contact.
    Why it matters: README, follow-up: the template list counts "the
    reasons of the ``template:<cvr>`` fix in ``invoicekit actions``", and
    an earlier fix (test_the_follow_up_counts_for_the_template_the_invoices_the_template_fix_takes)
    was about this list naming a supplier ``actions`` wrote no letter to.
    Right: no template candidate (and no template points) for a number
    that is no valid CVR number."""
    d = frame(
        decision(1, "MISSING_CPR", supplier_cvr="29345717", supplier_name="Ukendt ApS", cpr_masked=""),
        decision(2, "MISSING_CPR", supplier_cvr="29345717", supplier_name="Ukendt ApS", cpr_masked=""),
        decision(3),
    )
    assert fix_list(d).fixes.empty  # actions: no letter to a number that is no CVR number
    top = template_candidates(d)
    assert "29345717" not in top["supplier_cvr"].tolist(), top.to_string()


def test_a_credit_note_without_cpr_is_given_to_the_supplier_not_to_the_administration():
    """A credit note without a CPR number reaches check 4 (MISSING_CPR)
    before check 9 (CREDIT_NOTE). The fix list links it to no fix, rightly
    (0.9.31), but its owner is then read off MISSING_CPR: *Leverandør*. The
    robot's own message says the credit note "skal ikke betales, men
    modregnes manuelt i den faktura, den krediterer": the administration's
    work, as for every other credit note (OWNER_OF_REASON: CREDIT_NOTE ->
    administration). A supplier writing a CPR number on it changes
    nothing: the robot never posts a credit note. In actions.xlsx the
    credit note stands under *Ansvarlig: Leverandør*, so the
    administration, who must offset it, never sees it in its list. Right
    (README: "credit notes ... get an owner and the robot's message, but
    no fix", the owner being the administration's): owner
    ``administration`` for every credit note, whatever check held it."""
    d = frame(
        decision(1, "MISSING_CPR", cpr_masked="", amount=-5857.10,
                 message="Der står intet CPR-nummer på fakturaen. Bemærk: dokumentet er en kreditnota; den skal "
                 "ikke betales, men modregnes manuelt i den faktura, den krediterer."),
        decision(2, "CREDIT_NOTE", amount=-100.0),
        decision(3),
    )  # fmt: skip
    a = fix_list(d, month="2019-01")
    owner = dict(zip(a.invoices["row"], a.invoices["owner"], strict=True))
    assert owner[2] == "administration"
    assert owner[1] == "administration", owner


def test_the_tolerance_fix_is_proposed_on_the_evidence_of_an_excluded_suppliers_invoices():
    """IT is told "Overvej at hæve robottens tolerance fra 1,00 kr. til
    4,37 kr.: 3 fakturaer fra 2 leverandører afviger med højst 4,37 kr.",
    but two of the three, and the 4,37 kr. itself, are of supplier S2,
    which the rules exclude (check 18 comes after the amount check 15, so
    its invoices are AMOUNT_MISMATCH). The fix list drops them from the fix
    (it links 1 invoice) after weighing the evidence, not before: what is
    left is one invoice of one supplier, 2,50 kr. off. Raising the
    tolerance is a rule change that makes the robot pay every invoice up
    to 4,37 kr. off (a fee, an overcharge) without a caseworker; the README
    tells how a looser tolerance "let 3 fees through". Why it matters:
    README, fix table: ``rule:tolerance`` only "with evidence: at least 3
    invoices from at least 2 suppliers", and no fix counts what the rules
    keep from posting. Right: no ``rule:tolerance`` fix (the evidence that
    counts is 1 invoice of 1 supplier); at least never a tolerance taken
    from an excluded supplier's invoice."""
    d = frame(
        decision(1, "AMOUNT_MISMATCH", amount=31002.50, expected_amount=31000.0, grant_id="GA"),
        decision(2, "AMOUNT_MISMATCH", cpr_masked="020285-xxxx", supplier_cvr=S2, amount=30996.90,
                 expected_amount=31000.0, grant_id="GB"),
        decision(3, "AMOUNT_MISMATCH", cpr_masked="030380-xxxx", supplier_cvr=S2, amount=31004.37,
                 expected_amount=31000.0, grant_id="GC"),
        decision(4),
    )  # fmt: skip
    a = fix_list(d, settings=Settings(excluded_suppliers=(S2,)))
    assert "rule:tolerance" not in a.fixes["fix_key"].tolist(), a.fixes[["fix_key", "action"]].to_string()
