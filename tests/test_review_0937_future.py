"""A period that starts more than a year after the run is no period to pay (0.9.37, an attack on 0.9.36):
a supplier typed the year wrong (March 2091 for March 2019), the run posted it and marked March 2091 paid,
and the corrected invoice for March 2019 overlapped nothing paid and was posted too: March paid twice.
Invoicing a month or two ahead (residential services are invoiced in advance) still posts."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.period_runs import grant, invoice, run_robot


def test_a_period_decades_after_the_run_goes_to_a_caseworker_and_the_corrected_invoice_posts(tmp_path):
    typo = invoice(invoice_id="SOL-2091", period_start="01.03.2091", period_end="31.03.2091")
    first = run_robot(tmp_path / "a", [grant()], [typo], journal=tmp_path / "j.sqlite", run_date=dt.date(2019, 4, 5))
    d = first["decisions"].iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "INVALID_PERIOD"), d.to_dict()
    assert "mere end et år efter kørslen" in d["message"] and "01.03.2091" in d["message"], d["message"]
    assert first["postings"].empty
    fixed = invoice(invoice_id="SOL-2019", period_start="01.03.2019", period_end="31.03.2019")
    second = run_robot(tmp_path / "b", [grant()], [fixed], journal=tmp_path / "j.sqlite", run_date=dt.date(2019, 4, 6))
    assert second["decisions"]["status"].tolist() == ["posted"]  # paid once, for the month it was for


@pytest.mark.parametrize(("start", "posted"), [("2020-04-05", True), ("2020-04-06", False), ("2019-05-01", True)])
def test_a_period_may_start_up_to_a_year_after_the_run(tmp_path, start, posted):
    """366 days after a run of 5 April 2019 is 5 April 2020: a period starting then still posts, one
    starting the day after does not; next month's, invoiced in advance, posts."""
    day = dt.date.fromisoformat(start)
    end = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    whole = day.day == 1
    amount = "28.500,00" if whole else f"{28500 * ((end - day).days + 1) / end.day:.2f}".replace(".", ",")
    row = invoice(period_start=day.strftime("%d.%m.%Y"), period_end=end.strftime("%d.%m.%Y"), amount=amount)
    d = run_robot(tmp_path, [grant()], [row], run_date=dt.date(2019, 4, 5))["decisions"].iloc[0]
    if posted:
        assert d["status"] == "posted", d.to_dict()
    else:
        assert (d["status"], d["reason"]) == ("manual", "INVALID_PERIOD"), d.to_dict()
