"""A second review of 0.9.39's mends to reading (ab69d52): statuses of a grant not yet granted or stopped,
an in-force word beside one that stops it, a dated status, a second status column, an Ophørsdato that does not
read as a date, a struck element whose Gyldig til lies ahead, and the reference reading statuses as the fast
path does. Each test failed on ab69d52."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from openpyxl.styles import Font

from invoicekit import Rules
from tests.reference import reference_decide
from tests.test_equivalence import _decided, history, tables
from tests.test_review_0936_inputs import run, sheets, write_xlsx
from tests.test_review_0939_review_holds import _case, _run, _sensum_grants


def _with_b1001(grants, column: str, value: str, others: str = ""):
    """The extract with ``column`` holding ``value`` on B-1001's row (``others`` on the rest)."""
    grants[column] = [value if gid == "B-1001" else others for gid in grants["Bevilling"]]
    return grants


def _not_paid_on_b1001(code: int, decisions) -> bool:
    """The run refused the extract, or SOL-1001 was not posted on B-1001."""
    if code != 0:
        return True
    d = decisions.iloc[0]
    return not (d["status"] == "posted" and d["grant_id"] == "B-1001")


# ---------------------------------------------------------------- 1. a status of a grant not yet granted


@pytest.mark.parametrize(
    "status",
    ["Til godkendelse", "Sendt til godkendelse", "Under visitering", "Bevilling under behandling", "Ej bevilget"],
)
def test_a_status_of_a_grant_awaiting_approval_or_not_granted_is_not_paid_on(tmp_path, status):
    """What goes wrong: since ab69d52 a status is read by every word, and a status holding a word that
    *begins* like an in-force stem (``godkend``, ``visiter``, ``bevill``, ``bevilg``) is read as in force
    unless one of ``ikke``, ``afvent``, ``ansøg``, ``not``, ``pending`` stands beside it. *Til godkendelse* /
    *Sendt til godkendelse* (sent for approval: ``godkend`` matches ``godkendelse``), *Under visitering* (being
    assessed: ``visiter`` matches ``visitering``), *Bevilling under behandling* (the application is being
    handled) and *Ej bevilget* (``ej``, Danish for not) all say the grant is not granted, yet SOL-1001 is
    posted on B-1001 and March marked paid in Sensum. *Afventer godkendelse* or *Ikke bevilget* is held; the
    same state in these everyday words is paid.

    Why it matters: a wrong payment on a grant no one has granted: the guard exists because "until 0.9.39 the
    status was not read" and a grant that does not hold was paid on (README, grants line). The README lists the
    in-force words as *Bevilget*, *Godkendt*, *Aktiv* ...; "any other word leaves the row out, holding back",
    and "unless a word denies it".

    Right behaviour: a status saying the grant awaits approval or assessment, or is not granted, holds the
    grant back (left out and listed): SOL-1001 is not posted on B-1001."""
    case = _case(tmp_path)
    grants = _with_b1001(_sensum_grants(case), "Status", status, "Bevilget")
    code, decisions, _ = _run(case, grants, tmp_path / "out")
    assert _not_paid_on_b1001(code, decisions), f"status {status!r}: SOL-1001 posted on B-1001"


# ---------------------------------------------------------------- 2. an in-force word beside a stop


@pytest.mark.parametrize(
    "status",
    ["Bevilget - opsagt", "Bevilget - i bero", "Bevilget - suspenderet", "Midlertidigt afbrudt", "Aktiv - udsat"],
)
def test_an_in_force_word_beside_a_word_that_stops_the_grant_is_not_paid_on(tmp_path, status):
    """What goes wrong: ab69d52 reads a status by every word so that *Bevilget - annulleret* is no longer read
    as in force by its first word. But only the words of GRANT_VOID and GRANT_ENDED can outweigh an in-force
    word; any other word beside one is passed over. *Bevilget - opsagt* (the placement given notice),
    *Bevilget - i bero* / *suspenderet* (suspended, e.g. while the citizen is in hospital), *Midlertidigt
    afbrudt* (interrupted: ``midlertid`` is an in-force stem) and *Aktiv - udsat* (postponed) are all posted
    on, while the same word alone (*Opsagt*, *Suspenderet*, *Afbrudt*, *Udsat*) is held as unknown.

    Why it matters: a wrong payment for a month the service was stopped: the very case (a composite status
    whose second word ends the grant) the mend was made for. README, grants line: "any other word leaves the
    row out, holding back" and a status is "read by every word in it, wherever it stands".

    Right behaviour: a status with a word the robot does not know as in force beside an in-force word (or a
    word that stops the grant: *opsagt*, *i bero*, *suspenderet*, *afbrudt*, *udsat*) holds the grant back:
    SOL-1001 is not posted on B-1001."""
    case = _case(tmp_path)
    grants = _with_b1001(_sensum_grants(case), "Status", status, "Bevilget")
    code, decisions, _ = _run(case, grants, tmp_path / "out")
    assert _not_paid_on_b1001(code, decisions), f"status {status!r}: SOL-1001 posted on B-1001"


# ---------------------------------------------------------------- 3. a status that names its own end


@pytest.mark.parametrize("status", ["Afsluttet 28.02.2019", "Ophørt pr. 28.02.2019", "Afsluttet 28-02-2019"])
def test_a_status_ended_on_a_date_before_slutdato_is_not_paid_past_that_date(tmp_path, status):
    """What goes wrong: a stay stopped early: the caseworker sets the grant's status to *Afsluttet
    28.02.2019* while `Slutdato` still holds the granted end, 31-12-2019. The robot reads *Afsluttet* as
    "holds to its end date", takes Slutdato, and posts SOL-1001 for March on B-1001 (and marks March paid in
    Sensum). With a blank Slutdato the same status is held back; and since 0.9.39 a second end date in a
    *column* (`Ophørsdato`) that ends the grant sooner than Slutdato refuses the extract. The same date written
    inside the status is passed over.

    Why it matters: a wrong payment for a month after the service ended. README, grants line: an end beside
    `Slutdato` "that ends a grant sooner than it ... nothing says which end holds, give the earlier under
    `Slutdato`".

    Right behaviour: a status that names a date of its end earlier than `Slutdato` is read as that end (or
    the row held back / the extract refused, as for Ophørsdato): SOL-1001 (March) is not posted on B-1001."""
    case = _case(tmp_path)
    grants = _with_b1001(_sensum_grants(case), "Status", status, "Bevilget")
    grants.loc[grants["Bevilling"] == "B-1001", "Slutdato"] = "31-12-2019"
    code, decisions, _ = _run(case, grants, tmp_path / "out")
    assert _not_paid_on_b1001(code, decisions), f"status {status!r} with Slutdato 31-12-2019: March posted"


# ---------------------------------------------------------------- 4. a second status column


@pytest.mark.parametrize(
    ("header", "value"), [("Indsatsstatus", "Annulleret"), ("Afgørelse", "Afslag"), ("Bevillingens status", "Slettet")]
)
def test_a_second_status_column_beside_status_refuses_the_extract(tmp_path, header, value):
    """What goes wrong: Sensum's lists carry the case's or the overall `Status` (*Aktiv*) beside the grant's own
    status (`Indsatsstatus`) or its decision (`Afgørelse`). ab69d52 reads a status under such a name only
    "where no status column has a name it knows": with `Status` present, `Indsatsstatus` *Annulleret* or
    `Afgørelse` *Afslag* is dropped unseen, and SOL-1001 is posted on the cancelled / refused B-1001 and March
    marked paid. Without the `Status` column the same extract holds B-1001 back; with two unknown-named status
    columns it is refused ("nothing says which holds").

    Why it matters: a wrong payment on a cancelled or refused grant, the case the status guard exists for
    (README: "until 0.9.39 the status was not read, and a grant marked *Annulleret* was paid on"); the
    0.9.39 rule for a second end-date column (refused where it ends a grant sooner) shows the intended
    handling of a second column that says the grant does not hold.

    Right behaviour: a second column naming a status is read too (the grant held back where either says it
    does not hold), or the extract refused naming both columns: SOL-1001 is not posted on B-1001."""
    case = _case(tmp_path)
    grants = _with_b1001(_sensum_grants(case), "Status", "Aktiv", "Aktiv")
    grants = _with_b1001(grants, header, value)
    code, decisions, _ = _run(case, grants, tmp_path / "out")
    assert _not_paid_on_b1001(code, decisions), f"Status Aktiv beside {header} {value!r}: SOL-1001 posted on B-1001"


# ---------------------------------------------------------------- 5. an Ophørsdato that does not read as a date


@pytest.mark.parametrize("stopped", ["28.02.19", "28. februar 2019", "28.02.2019 (død)", "28-02-2019 kl. 12"])
def test_an_ophoersdato_that_ends_the_grant_but_does_not_parse_refuses_the_extract(tmp_path, stopped):
    """What goes wrong: Sensum exports `Ophørsdato` beside `Slutdato` (equal where both are set); a caseworker
    types the day a stay stopped into it by hand: *28.02.19*, *28. februar 2019*, or with a note. ab69d52
    narrowed the guard from "a second end-date column refuses the extract" to "refuses it where it ends a grant
    sooner", comparing parsed dates only: a cell that does not parse as a date is never "sooner", so B-1001
    (open in Slutdato, stopped 28 February in Ophørsdato) is paid for March and March marked paid. The same
    cell in Slutdato would leave the row out ("slutdatoen kan ikke læses").

    Why it matters: a wrong payment for a month after the stay ended, the exact case of the README's grants
    line ("`Ophørsdato` or `Faktisk slutdato` the day the stay stopped ... read without it a grant that had
    stopped would be paid on").

    Right behaviour: a filled second end that cannot be read is no proof that the grant goes on: the row is
    held back (or the extract refused naming the cell): SOL-1001 is not posted on B-1001."""
    case = _case(tmp_path)
    grants = _sensum_grants(case)
    grants["Ophørsdato"] = grants["Slutdato"]  # as Sensum exports it: equal to Slutdato, blank where it is
    grants.loc[grants["Bevilling"] == "B-1001", "Ophørsdato"] = stopped
    code, decisions, _ = _run(case, grants, tmp_path / "out")
    assert _not_paid_on_b1001(code, decisions), f"Ophørsdato {stopped!r}: March posted on B-1001"


# ---------------------------------------------------------------- 6. a struck PSP element on a row not yet ended


@pytest.mark.parametrize("valid_to", ["9999-12-31", "2019-12-31"])
def test_a_struck_psp_element_on_a_row_whose_gyldig_til_is_still_ahead_is_not_posted_on(tmp_path, valid_to):
    """What goes wrong: finance retires the 2019 § 108 PSP element mid-year the way the 0.9.38 attack found
    people do: strikes `PSP-element` through, key cells left as they are; the row's `Gyldig til` is the sheet's
    placeholder for open (31-12-9999) or the budget year's end (2019-12-31). 0.9.39's first version refused such
    a sheet. ab69d52 exempts every struck cell of a row whose `Gyldig til` is filled, whatever its date, so the
    March invoice F-1 is posted on the struck PSP-108-2019.

    Why it matters: a posting on the wrong account (a PSP element everyone who reads the sheet takes as void).
    README, support sheet: refused "where a cell it reads holds a value struck through ... (a retired PSP
    element struck out, its key cells left as they were; a row that says its own end in `Gyldig til` is read
    as ended by it)": a row whose end lies ahead has not ended, and its strike is the only sign of retirement.

    Right behaviour: the exemption holds only where the row's `Gyldig til` ends it before the periods it could
    code; here the sheet is refused (exit 2 naming the row) or F-1 is not posted on PSP-108-2019."""
    tables_ = sheets()
    assert tables_["coding"][2][3] == "PSP-108-2019"
    tables_["coding"][2][6] = valid_to

    def strike_the_element(wb):
        wb["coding"]["D3"].font = Font(strike=True)

    rc, decisions, _ = run(tmp_path, support=write_xlsx(tmp_path / "s.xlsx", tables_, strike_the_element))
    posted_on_struck = (
        rc == 0 and decisions.iloc[0]["status"] == "posted" and decisions.iloc[0]["psp_element"] == "PSP-108-2019"
    )
    assert not posted_on_struck, f"F-1 posted on the struck PSP-108-2019 (Gyldig til {valid_to})"


# ---------------------------------------------------------------- 7. the reference does not read statuses so


GRANT = {"grant_id": "G1", "cpr": "6101901234", "service_code": "SEL108", "service_name": "",
         "supplier_cvr": "29345716", "rate": "28500.00", "rate_unit": "month", "start_date": "2019-01-01",
         "end_date": "", "status": "", "cancelled": ""}  # fmt: skip
INVOICE = {"invoice_id": "R1", "supplier_cvr": "29345716", "amount": "28500.00", "cpr": "6101901234",
           "period_start": "2019-03-01", "period_end": "2019-03-31", "text": "", "document_type": "", "currency": "",
           "prepaid_amount": ""}  # fmt: skip
CODING = [{"paragraph": "§ 108", "ownership": "privat", "target_group": "UH", "art": "42000000",
           "psp_element": "P-108", "valid_from": "2018-01-01", "valid_to": ""}]  # fmt: skip


@pytest.mark.parametrize(
    "status", ["Bevilget - annulleret", "Bevilget - afsluttet", "Aktiv, ikke afsluttet", "Under revurdering"]
)
def test_the_reference_reads_a_grant_status_as_the_fast_path_does(status):
    """What goes wrong: ab69d52 made the fast path read a status by every word (`extracts._grant_standing`:
    ``str.contains`` of word stems, GRANT_DENIED), but tests/reference.py's `usable_grants` still reads the
    first word alone (``status.startswith(GRANT_VOID)`` ...). On *Bevilget - annulleret* and *Bevilget -
    afsluttet* (no end) the reference posts the invoice where the fast path holds it; on *Aktiv, ikke
    afsluttet* likewise; on *Under revurdering* (an in-force status the README lists) the reference holds it
    where the fast path posts. The equivalence tests draw only single-word statuses, so this goes unseen.

    Why it matters: the reference is the oracle every equivalence test relies on to catch a wrong payment in
    the fast path; one that disagrees with the README on the statuses the mend was made for can neither
    confirm the mend nor catch its regression (wrong figures from the checks that vouch for the tool).

    Right behaviour: the reference reads statuses as the README says (every word; void, then ended, then
    in-force words, a denying word beside them), and agrees with the fast path on these statuses."""
    grants = [dict(GRANT, status=status)]
    sheet = tables(CODING)
    rules = Rules()
    run_date = dt.date(2019, 4, 10)
    fast = _decided([INVOICE], grants, sheet, rules, history(set(), []), run_date).decisions.iloc[0]
    ref = reference_decide(
        [INVOICE], grants, sheet["services"].to_dict("records"), sheet["suppliers"].to_dict("records"), CODING,
        Fraction(str(rules.tolerance)), Fraction(str(rules.max_amount)), set(rules.paragraphs), set(), set(), [],
        run_date=run_date,
    )[0]  # fmt: skip
    assert (fast["status"], fast["reason"]) == (ref["status"], ref["reason"]), status
