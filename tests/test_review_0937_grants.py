"""An attack on the grant extract (0.9.37): an end date of 31 December 9999 exported with the time of the
day's end, which a workbook's date cell read as open-ended and a CSV file did not. Failed on 0.9.36."""

from __future__ import annotations

from pathlib import Path

from invoicekit.extracts import read_grants
from tests.period_runs import GRANT_HEADER, grant, write_rows


def test_an_iso_no_end_date_with_an_end_of_day_time_is_open_ended(tmp_path: Path):
    """Sensum's (SQL) CSV export writes a timestamp: ended grants as '2019-12-31 23:59:59', open ones
    with the SAP 'no end' date '9999-12-31 23:59:59'. The robot reads the first (an ISO date with a
    time) but not the second: the open grant is left out ('slutdatoen kan ikke læses'), and when most
    grants of the extract are open the whole extract is refused (exit 2) with the advice to "export the
    dates day first or as ISO dates", which they already are. The very same extract saved as a workbook
    (a date cell of 9999-12-31 23:59:59) is read as open-ended, so the CSV and the xlsx of one Sensum
    export decide differently.

    README: "A grant's end date of 31 December 9999 (31.12.9999, 9999-12-31, compact 99991231, a
    workbook's date cell) ... are open-ended like a blank one"; the spec: dates may be ISO. Right: the
    grant is kept, open-ended (end_date NaT), with no input problem."""
    path = write_rows(tmp_path / "bevillinger.csv", GRANT_HEADER,
                      [grant(start_date="2018-01-01 00:00:00", end_date="9999-12-31 23:59:59")])  # fmt: skip
    g = read_grants(path)
    assert g.problems.empty, g.problems.to_dict("records")
    assert list(g.frame["grant_id"]) == ["G1"]
    assert g.frame["end_date"].isna().all()
