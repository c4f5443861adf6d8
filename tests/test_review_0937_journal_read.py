"""A report made while the robot records a run: the follow-up, the fix list and the business case read the
journal without a lock (the robot must be able to record while a report is made), and read its runs and
decisions apart; a run committed between the two reads came with decisions of no month, and the report
ended in a TypeError (an attack on 0.9.36). Now the runs are read first, and a run recorded after that is
in none of the report's tables: the report is the journal as it stood when its runs were read."""

from __future__ import annotations

import datetime as dt

import pytest

from invoicekit.business_case import measure
from invoicekit.cli import main
from invoicekit.followup import followup, read_journal
from invoicekit.journal import Journal
from tests.period_runs import grant, invoice, run_robot


@pytest.fixture
def recorded_meanwhile(tmp_path, monkeypatch):
    """A journal of one run (February's invoice) in which, the first time anything reads
    its decisions, the robot records another run (March's invoice) first: as when it commits while a report reads."""
    journal = tmp_path / "j.sqlite"
    feb = invoice(period_start="2019-02-01", period_end="2019-02-28")
    run_robot(tmp_path / "m1", [grant()], [feb], journal, run_date=dt.date(2019, 3, 5))
    real = Journal.decisions
    recorded: list[int] = []

    def decisions(self, *args, **kwargs):
        if not recorded:
            recorded.append(1)
            mar = invoice(invoice_id="F-2", period_start="2019-03-01", period_end="2019-03-31")
            run_robot(tmp_path / "m2", [grant()], [mar], journal, run_date=dt.date(2019, 4, 5))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Journal, "decisions", decisions)
    return journal


def test_the_follow_up_is_the_journal_as_it_stood_when_a_run_is_recorded_while_it_reads(recorded_meanwhile):
    report = followup(recorded_meanwhile)
    assert report.decisions["invoice_id"].tolist() == ["F-1"], report.decisions.to_dict("records")
    assert report.decisions["month"].notna().all()
    assert report.monthly["invoices"].tolist() == [1], report.monthly.to_dict("records")
    # read again, the run recorded meanwhile is there, whole
    again = read_journal(recorded_meanwhile)
    assert again.runs["run_id"].tolist() == [1, 2] and again.every["invoice_id"].tolist() == ["F-1", "F-2"]


def test_the_fix_list_reads_one_moment_of_the_journal(recorded_meanwhile, tmp_path, capsys):
    argv = ["actions", "--journal", str(recorded_meanwhile), "--out", str(tmp_path / "actions"), "--quiet"]
    assert main(argv) == 0, capsys.readouterr().err


def test_the_business_case_measures_one_moment_of_the_journal(recorded_meanwhile):
    invoices = measure(recorded_meanwhile)["invoices_per_year"]
    assert invoices.invoices == 1, invoices  # the run recorded meanwhile not read
