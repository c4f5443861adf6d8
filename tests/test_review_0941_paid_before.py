"""An invoice held before check 21 whose citizen's grant at its supplier was paid for an overlapping
period says so (an attack on 0.9.40, and the mend's own tests): March paid by the robot in one run, then
something about March comes again, in a later run or the same one. Each of the attack's tests failed on
0.9.40: the invoice was held, its message said "bogfør manuelt", and nothing of the payment."""

from __future__ import annotations

from pathlib import Path

import pytest

import invoicekit.messages as msg
from tests.period_runs import SOLHOJ, A, grant, invoice, run_robot
from tests.test_lines import ANNA, BO, line
from tests.test_lines import invoice as collective
from tests.test_review_0940_lines import _files, _read, _run

#: a second citizen of Solhøj
B = "070190-1238"
MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}


def _march_paid(tmp_path: Path) -> Path:
    """Run 1: the robot posts Solhøj's invoice F-100 for citizen A's March (grant G1, 28,500 kr.)."""
    journal = tmp_path / "journal.sqlite"
    first = run_robot(tmp_path / "run1", [grant()], [invoice(invoice_id="F-100", **MARCH)], journal)
    assert list(first["decisions"]["status"]) == ["posted"]
    assert len(first["postings"]) == 1
    return journal


def _says_paid(row) -> bool:
    """Whether a held invoice's decision tells the caseworker that the month was paid already."""
    message = str(row["message"]).lower()
    return row["reason"] == "ALREADY_PAID" or "betalt" in message or "f-100" in message


@pytest.mark.parametrize(
    "rules, reason",
    [("max_amount = 20000.00\n", "AMOUNT_ABOVE_LIMIT"), (f'excluded_suppliers = ["{SOLHOJ}"]\n', "SUPPLIER_EXCLUDED")],
    ids=["amount_above_limit", "supplier_excluded"],
)
def test_an_invoice_held_by_a_rule_for_a_month_the_robot_paid_is_told_to_be_posted_by_hand(tmp_path, rules, reason):
    """Run 1 posts citizen A's March (F-100, grant G1). In run 2 Solhøj resends March under a new number
    (F-101, a reminder or a copy), and the rules now hold the invoice at check 18-20 (the municipality
    lowered ``max_amount`` or excluded the supplier between the runs). The robot has matched the one grant,
    G1, and the journal says G1's March is paid (check 21 would say ``ALREADY_PAID``), but the message says
    "Bevilling G1 passer; godkend beløbet og bogfør manuelt på PSP-element …": nothing about March being
    paid in run 1. The caseworker does as told and March is paid twice.

    The spec keeps the first failing check as the reason, but the message must say "what is wrong and what
    would fix it" (robot-spec.md, *Writing*, ``decisions.csv``), and the README (*What the robot guarantees*,
    0.9.40) already adds such a warning where an invoice held before check 10 had its number decided before
    ("Bemærk: … betal den ikke igen"). Right: a held invoice whose period the journal shows paid on its
    grant says so (names the paid invoice/period, or is ``ALREADY_PAID``), never just "bogfør manuelt"."""
    journal = _march_paid(tmp_path)
    (tmp_path / "rules.toml").write_text(rules, encoding="utf-8")
    second = run_robot(
        tmp_path / "run2", [grant()], [invoice(invoice_id="F-101", **MARCH)], journal, rules=tmp_path / "rules.toml"
    )
    row = second["decisions"].iloc[0]
    assert row["status"] == "manual"
    assert row["reason"] in (reason, "ALREADY_PAID")
    assert _says_paid(row), f"{row['reason']}: {row['message']}"


@pytest.mark.parametrize(
    "grant_fields, invoice_fields",
    [
        ({}, {"amount": "29.000,00"}),  # resent with a new rate / a fee added: check 15
        ({"end_date": "2019-03-15"}, {}),  # the grant since ended mid-month in Sensum: check 13
    ],
    ids=["amount_mismatch", "period_not_covered"],
)
def test_a_resent_month_held_for_its_amount_or_period_hides_that_the_month_was_paid(
    tmp_path, grant_fields, invoice_fields
):
    """Run 1 posts citizen A's March on G1 (F-100, 28,500 kr.). In run 2 Solhøj sends March again under a
    new number: with a changed amount (29,000 kr., the new rate it wants), or after the caseworker ended the
    grant on 15 March in Sensum. The invoice goes to manual as ``AMOUNT_MISMATCH`` ("… forskel +500,00 kr.
    … bogfør derefter manuelt") or ``PERIOD_NOT_COVERED`` ("bogfør manuelt kun den bevilgede del"): the
    only grant it can be is G1, whose March the robot paid in run 1, and the message does not say so. Paid
    by hand as told, March is paid twice (29,000 kr., or the 1.-15. March already in the 28,500 kr.).

    This is the brief's "held invoice whose message hides that it was paid" (the spec's ``decisions.csv``
    message says what is wrong and what would fix it; the README's 0.9.40 note does this for a number seen
    before, not for a period paid). Right: the message names the payment in the journal that overlaps it on
    that grant (as ``ALREADY_PAID`` does: invoice, period, run), so the caseworker posts at most the
    difference."""
    journal = _march_paid(tmp_path)
    second = run_robot(
        tmp_path / "run2", [grant(**grant_fields)], [invoice(invoice_id="F-101", **MARCH, **invoice_fields)], journal
    )
    row = second["decisions"].iloc[0]
    assert row["status"] == "manual"
    assert _says_paid(row), f"{row['reason']}: {row['message']}"


def test_a_grant_registered_again_beside_the_paid_one_is_ambiguous_and_told_to_be_posted_by_hand(tmp_path):
    """Run 1 posts citizen A's March on G1 (F-100). The caseworker then registers the stay again in Sensum
    as G1B from 1 March (same citizen, service, supplier and rate) and leaves G1 open. In run 2 Solhøj
    resends March under a new number (F-101). Both grants match, so the invoice is ``AMBIGUOUS``: "2
    bevillinger passer … (G1; G1B). Afslut eller ret de overlappende bevillinger i Sensum, og bogfør manuelt
    på den rigtige." Whichever grant the caseworker picks, March was already paid on G1 in run 1, and the
    message does not say so: posted by hand as told, March is paid twice.

    This is the case the spec's check 21 was written for ("a grant re-registered under a new id is still the
    same service paid twice"): every remaining candidate is the citizen's same service at the supplier, paid
    for an overlapping period. Right: the invoice is held as ``ALREADY_PAID``, or its message names the
    payment (run 1, F-100, 01.03.2019–31.03.2019), never only "bogfør manuelt på den rigtige"."""
    journal = _march_paid(tmp_path)
    second = run_robot(
        tmp_path / "run2",
        [grant(), grant(grant_id="G1B", start_date="2019-03-01")],
        [invoice(invoice_id="F-101", **MARCH)],
        journal,
    )
    row = second["decisions"].iloc[0]
    assert row["status"] == "manual"
    assert _says_paid(row), f"{row['reason']}: {row['message']}"


def test_a_collective_invoice_without_lines_hides_that_one_citizens_month_was_paid(tmp_path):
    """Run 1 posts citizen A's March on her own invoice F-100. In run 2 Solhøj bills March for A and B
    again on one collective invoice S-1 (57,000 kr.), and no lines file is given. It goes to manual as
    ``MULTIPLE_CPR``: "Fordel beløbet på borgernes bevillinger og bogfør manuelt": nothing says that A's
    March was paid by the robot in run 1. The caseworker distributes 28,500 kr. to A's G1 and pays A's
    March twice.

    The README (0.9.40, *What the robot guarantees*) fixed this for the same collective invoice seen
    again without its lines (its number decided before); a month of one of its citizens paid on another
    invoice is the brief's "same citizen's month billed once as a collective invoice's line and once as a
    single invoice". Right: the message says that A's March (at this supplier, for this period) is
    already paid (run 1, F-100), so that only B's share is posted."""
    journal = _march_paid(tmp_path)
    second = run_robot(
        tmp_path / "run2",
        [grant(), grant(grant_id="G9", cpr=B)],
        [invoice(invoice_id="S-1", cpr=f"{A}, {B}", amount="57.000,00", **MARCH)],
        journal,
    )
    row = second["decisions"].iloc[0]
    assert row["reason"] == "MULTIPLE_CPR"
    assert _says_paid(row), f"{row['reason']}: {row['message']}"


def test_the_note_names_the_payment_and_is_given_only_where_a_period_overlaps(tmp_path):
    """The note names what paid the month (invoice, period, run), as check 21's message does; an
    invoice of April held for its amount, its grant paid for March only, gets no note; a month posted
    in the same run, before or after the held invoice in the extract, is named as this run's."""
    journal = _march_paid(tmp_path)
    second = run_robot(
        tmp_path / "run2",
        [grant()],
        [
            invoice(invoice_id="F-101", amount="29.000,00", **MARCH),
            invoice(invoice_id="F-102", amount="29.000,00", period_start="01.04.2019", period_end="30.04.2019"),
            invoice(invoice_id="F-103", amount="29.000,00", period_start="01.05.2019", period_end="31.05.2019"),
            invoice(invoice_id="F-104", period_start="01.05.2019", period_end="31.05.2019"),
        ],
        journal,
    )
    d = second["decisions"]
    assert list(d["status"]) == ["manual", "manual", "manual", "posted"]
    assert list(d["reason"][:3]) == ["AMOUNT_MISMATCH"] * 3
    march, april, may = d["message"][:3]
    assert march.endswith(
        " Bemærk: bevilling G1 hos denne leverandør er allerede betalt for en periode, der overlapper (faktura"
        " F-100, 01.03.2019–31.03.2019, kørsel 1 den " + march.split("kørsel 1 den ")[1].split(")")[0] + "); "
        "kontrollér, at det ikke er samme ydelse og periode, før noget bogføres manuelt."
    ), march
    assert "Bemærk" not in april, april
    assert "(faktura F-104 i denne kørsel, 01.05.2019–31.05.2019)" in may, may


def test_a_line_of_a_collective_invoice_that_does_not_post_is_no_payment_to_note(tmp_path):
    """A collective invoice decided line by line posts only where every line posts: Anna's line
    passes, Bo's is held for its amount, so the invoice goes to a caseworker whole and Anna's line
    paid nothing. No note may say that it did (the run's other invoice of Anna's March, held for its
    amount too, is told of no payment); a single invoice that did post is named."""
    files = _files(tmp_path)
    journal = tmp_path / "j.sqlite"
    invoices = [
        collective("S-1", "50.500,00"),
        {**collective("F-9", "30.900,00", cpr=ANNA), "period_start": "01.03.2019", "period_end": "31.03.2019"},
    ]
    lines = [line("S-1", "1", ANNA, "30.000,00", "marts 2019"), line("S-1", "2", BO, "20.500,00", "marts 2019")]
    assert _run(files, invoices, tmp_path / "out", journal, lines) == 0
    d = _read(tmp_path / "out", "decisions.csv")
    assert list(d["status"]) == ["manual", "manual"], d[["reason", "message"]]
    assert all("Bemærk: bevilling" not in m for m in d["message"]), list(d["message"])

    # a month posted in the run before is named, on the collective invoice and on the invoice held
    journal2 = tmp_path / "j2.sqlite"
    paid = [{**collective("F-1", "30.000,00", cpr=ANNA), "period_start": "01.03.2019", "period_end": "31.03.2019"}]
    assert _run(files, paid, tmp_path / "paid", journal2, None) == 0
    assert _read(tmp_path / "paid", "decisions.csv")["status"].tolist() == ["posted"]
    assert _run(files, invoices, tmp_path / "out2", journal2, lines) == 0
    d = _read(tmp_path / "out2", "decisions.csv")
    assert list(d["status"]) == ["manual", "manual"]
    # the collective invoice by its first line that failed (check 21's own message), the single one by the note
    assert list(d["reason"]) == ["ALREADY_PAID", "AMOUNT_MISMATCH"]
    assert "Bemærk: bevilling G1 hos denne leverandør er allerede betalt" in d["message"][1]
    for message in d["message"]:
        assert "G1 er allerede betalt" in message or "G1 hos denne leverandør er allerede betalt" in message, message
        assert "(faktura F-1, 01.03.2019–31.03.2019, kørsel 1 den" in message, message
    notes = _read(tmp_path / "out2", "opus_notes.csv", sep=";")
    assert all("allerede betalt" in m for m in notes.iloc[:, -1]), notes


def test_a_long_message_is_cut_before_its_note_never_through_it():
    """A message longer than the spec's limit is cut and ends in …; the notes a caseworker must read
    before posting by hand (a number decided before, a period paid before) are kept whole after the
    cut, not cut away."""
    note = msg.ALSO_PAID_BEFORE.format(grant_id="G1", earlier="faktura F-100, 01.03.2019–31.03.2019, kørsel 1")
    text = "Fakturaen dækker mange borgere: " + "x" * 1500 + note
    cut = msg.cut_keeping_notes(text)
    assert len(cut) == msg.MESSAGE_MAX
    assert cut.endswith(note)
    assert "…" + note in cut
    seen = msg.ALSO_SEEN_BEFORE[0] + "i kørsel 1" + msg.ALSO_SEEN_BEFORE[1]
    both = "y" * 1200 + seen + note
    assert msg.cut_keeping_notes(both).endswith(seen + note)
    assert msg.cut_keeping_notes("kort" + note) == "kort" + note
    assert msg.cut_keeping_notes("z" * 1200) == "z" * 999 + "…"
