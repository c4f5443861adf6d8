"""An attack on checks 10 and 21 with grant ids as Excel's number format writes them (0.9.38): grouped in threes, a grant moved to another supplier was paid again for March."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.period_runs import grant, invoice, run_robot

MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}
#: a private supplier in the example support sheet, so the moved grant codes as § 108 privat, like Solhøj's
OTHER = "25118871"


def test_grant_id_written_with_danish_thousands_separators_is_paid_again_from_the_journal(tmp_path: Path):
    """What goes wrong: in February the grants extract holds grant ``4104858``, and March is posted on it. In
    the next extract the stay has moved to another supplier under the same Sensum grant. The id column was
    formatted in Danish Excel as a number with the thousands separator and saved as CSV, so it reads
    ``4.104.858``. The robot posts March a second time: check 21 compares ``4.104.858`` with ``4104858`` as
    two grants. It already finds the same id written ``4104858.0``, ``4104858,00``, ``04104858`` or
    ``'4104858``, all forms of Excel's Number format, but not the same format with the 1000 separator.

    Why it matters: March is paid twice (28,500 kr.). Sensum is also asked to mark grant ``4.104.858`` paid,
    and it has no grant by that id.

    Right behaviour: robot spec check 21: "a posted invoice ... earlier ... in the journal ... has the same
    grant (ids compared as invoice numbers are in check 10 ...)". The keys module's own rule is "a grant id of
    digits is the same grant written with other leading zeros or a ``.0`` (as a workbook or a CSV saved from
    Excel writes it)". An id of digits grouped by ``.`` in threes, optionally with ``,00`` after it, is Excel's
    Number format of the same value, so the invoice is ``ALREADY_PAID`` (or the row is left out as an id that
    cannot be trusted). Either way it is never posted."""
    journal = tmp_path / "journal.sqlite"
    first = run_robot(tmp_path / "feb", [grant(grant_id="4104858")], [invoice(invoice_id="F-1", **MARCH)], journal)
    assert first["decisions"]["reason"].tolist() == [""]
    for k, written in enumerate(("4.104.858", "4.104.858,00")):
        again = run_robot(
            tmp_path / f"mar{k}",
            [grant(grant_id=written, supplier_cvr=OTHER)],
            [invoice(invoice_id=f"F-{k + 2}", supplier_cvr=OTHER, **MARCH)],
            journal,
        )
        assert again["decisions"]["status"].tolist() == ["manual"], (written, again["decisions"].to_dict("records"))
        assert len(again["postings"]) == 0, written


def test_grant_id_written_with_thousands_separators_is_paid_twice_in_one_run(tmp_path: Path):
    """What goes wrong: one grants extract holds the citizen's grant at Solhøj, ending 31 March, as
    ``4104858``. A second row, copied in from a sheet that showed the id with Danish thousands separators,
    holds the same Sensum grant moved to another supplier from 1 March, as ``4.104.858``. Both suppliers bill
    March in the same run, and both invoices are posted. Check 21 within a run compares ids of digits by their
    value (``_value_codes``), so written ``4104858.0`` the second invoice is ``ALREADY_PAID``. The grouped form
    is taken for another grant.

    Why it matters: the same grant period is paid twice in one payment file.

    Right behaviour: robot spec check 21 ("... earlier in this run ... has the same grant"). The second invoice
    is ``ALREADY_PAID`` on grant ``4104858``, as it is for ``4104858.0``."""
    grants = [
        grant(grant_id="4104858", end_date="2019-03-31"),
        grant(grant_id="4.104.858", supplier_cvr=OTHER, start_date="2019-03-01"),
    ]
    invoices = [invoice(invoice_id="F-1", **MARCH), invoice(invoice_id="F-2", supplier_cvr=OTHER, **MARCH)]
    result = run_robot(tmp_path / "run", grants, invoices)
    d = result["decisions"]
    assert d["status"].tolist()[0] == "posted"
    assert d["status"].tolist()[1] == "manual", d.to_dict("records")
    assert len(result["postings"]) == 1


@pytest.mark.parametrize(
    "first, again",
    [("1234567890", "1.234.567.890"), ("1.234.567.890", "1234567890"), ("123456789012", "123.456.789.012,00"),
     ("1,234,567,890", "1234567890")],
)  # fmt: skip
def test_a_long_grant_id_the_journal_keeps_hashed_is_found_grouped_or_bare(tmp_path: Path, first, again):
    """An id of ten digits or more is kept hashed in the journal (it reads as a CPR number), so it is found
    by value only through the forms hashed as the journal hashes them: grouped in threes is one of them, both
    ways round (paid under the bare id, then billed under the grouped one, and the reverse)."""
    journal = tmp_path / "journal.sqlite"
    run_robot(tmp_path / "feb", [grant(grant_id=first)], [invoice(invoice_id="F-1", **MARCH)], journal)
    again_run = run_robot(
        tmp_path / "mar",
        [grant(grant_id=again, supplier_cvr=OTHER)],
        [invoice(invoice_id="F-2", supplier_cvr=OTHER, **MARCH)],
        journal,
    )
    assert again_run["decisions"][["status", "reason"]].values.tolist() == [["manual", "ALREADY_PAID"]]
