"""An attack on 0.9.39's analyst outputs (f2): the business case's error rate written as a percentage, and
the fix list's links in a month of several runs."""

from __future__ import annotations

import pytest

from invoicekit import business_case as bcm
from invoicekit.errors import InputError


@pytest.mark.parametrize("text", ["error_rate = 0.5\n", "error_rate = [0, 0.005, 0.2]\n", "error_rate = [0.1, 0.5]\n"])
def test_business_case_error_rate_written_as_percent_without_sign_is_refused(text):
    """``error_rate = 0.5`` (the 0,5 % the report names as this figure's source) was read as half of the
    automatic postings wrong: the NPV a million kroner lower, a negative FTE, unsaid. ``tune --max-error 0.5``
    and ``automation_rate = 38`` are refused for the same slip. Refused now, naming the key and the
    percentage it would be."""
    with pytest.raises(InputError, match=r"error_rate: is 0\.\d+, \d+% of the automatic postings wrong"):
        bcm.load_config(text=text)


def test_an_error_rate_written_as_a_percentage_is_taken_as_said():
    """Where that much is meant, it is written so: ``"12 %"``, and a share below 10 % bare as before."""
    assert bcm.load_config(text='error_rate = "12 %"\n').estimates["error_rate"] == pytest.approx((0.12,) * 3)
    assert bcm.load_config(text='error_rate = "0,5 %"\n').estimates["error_rate"] == pytest.approx((0.005,) * 3)
    assert bcm.load_config(text="error_rate = [0, 0.005, 0.02]\n").estimates["error_rate"] == (0.0, 0.005, 0.02)
    with pytest.raises(InputError, match=r"automation_rate.*0\.38 for 38 %"):  # a share bare is how the others read
        bcm.load_config(text='automation_rate = "38 %"\n')


def test_fix_list_links_name_each_invoice_apart_when_a_month_has_two_runs(tmp_path):
    """``action_invoices.csv`` links each manual invoice to its fix by
    ``month`` and ``row`` "as in the replay's folders" (README, *invoicekit
    actions*). A municipality that runs the robot more than once a month
    (weekly extracts ``invoices-2019-09-uge1.csv``, ``…-uge2.csv``, both
    counted in 2019-09) gets rows numbered from 1 in each run, so two
    different invoices of two different fixes are both linked as
    ``2019-09, row 1``: the list cannot say which run's row 1 the caseworker
    or supplier must look at, and a reader joining it back to the runs'
    ``decisions.csv`` by month and row attaches the fix to the wrong invoice.

    Right behaviour: every link names its invoice apart, e.g. with the run (or
    the extract's file) beside the row, so that no two links share their
    month, run and row."""
    from invoicekit.actions import fix_list, rules_from_journal
    from invoicekit.extracts import read_grants, read_support_sheet
    from invoicekit.followup import decided_again, first_decisions, read_journal
    from invoicekit.run import run
    from tests.period_runs import EXAMPLE, GRANT_HEADER, INVOICE_HEADER, grant, invoice, write_rows

    journal = tmp_path / "journal.sqlite"
    grants = write_rows(tmp_path / "g.csv", GRANT_HEADER, [grant(end_date="2019-08-31")])

    def go(name: str, rows: list[dict]) -> None:
        args = {"journal": journal} if journal.exists() else {"new_journal": journal}
        extract = write_rows(tmp_path / name, INVOICE_HEADER, rows)
        run(grants, extract, EXAMPLE / "stoetteark.xlsx", tmp_path / f"out-{name}", **args)

    # week 1: row 1 billed after the grant ended (caseworker), row 2 without a CPR number (supplier)
    go("invoices-2019-09-uge1.csv", [invoice(invoice_id="F-1", period_start="01.09.2019", period_end="30.09.2019"),
                                    invoice(invoice_id="F-9", cpr="", period_start="01.08.2019", period_end="31.08.2019")])  # fmt: skip
    # week 2: row 1 without a CPR number, row 2 after the grant ended
    go("invoices-2019-09-uge2.csv", [invoice(invoice_id="F-2", cpr="", period_start="01.08.2019", period_end="31.08.2019"),
                                    invoice(invoice_id="F-3", period_start="01.10.2019", period_end="31.10.2019")])  # fmt: skip
    read = read_journal(journal)
    actions = fix_list(
        first_decisions(read.every),
        grants=read_grants(grants),
        support=read_support_sheet(EXAMPLE / "stoetteark.xlsx"),
        settings=rules_from_journal(journal, "2019-09", runs=read.runs),
        run_months=read.months,
        again=decided_again(read.every),
    )
    links = actions.links
    assert len(links) == 4  # the four manual invoices, each linked once
    apart = [c for c in links.columns if c not in ("fix_key", "invoice_id", "supplier_cvr")]
    assert not links.duplicated(apart).any(), links.to_string()
