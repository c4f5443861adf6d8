"""Attacks on ``run --invoice-lines`` (collective invoices decided line by
line) that found a defect: each test fails until it is fixed, and says what
the robot spec requires."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.test_lines import decide, files, invoice, line, run_cli  # noqa: F401  (files: a fixture)


def _cprs(n: int, first_day: int) -> list[str]:
    """``n`` distinct valid CPR numbers (birth dates from 1950 on, day ``first_day``)."""
    days = (dt.date(1950, 1, 1) + dt.timedelta(days=first_day + k) for k in range(n))
    return [f"{d:%d%m%y}1234" for d in days]


def test_a_lines_mismatch_message_is_at_most_1000_characters():
    """Spec, "Limits": messages are at most 1,000 characters. The core cuts its
    messages there, but check 3's LINES_MISMATCH message, made in lines.py,
    is not cut: an invoice naming 300 citizens whose lines name 300 others
    gets a message of 8,055 characters (decisions.csv and opus_notes.csv)."""
    named, on_lines = _cprs(300, 0), _cprs(300, 5000)
    r = decide(
        [invoice("S1", "300", cpr=";".join(named))], [line("S1", str(i), c, "1") for i, c in enumerate(on_lines)]
    )
    assert r.decisions["reason"].tolist() == ["LINES_MISMATCH"]
    assert len(r.decisions["message"].iloc[0]) <= 1000
    assert r.notes["message"].str.len().max() <= 1000


def test_a_lines_mismatch_naming_a_long_line_number_is_at_most_1000_characters():
    """The same limit when the line that fails check 3 has a long line number
    (any cell under 1 MB is read): "linje LLLL… har intet CPR-nummer"."""
    r = decide([invoice("S1", "2")], [line("S1", "L" * 5000, "", "1"), line("S1", "2", "0202901234", "1")])
    assert r.decisions["reason"].tolist() == ["LINES_MISMATCH"]
    assert len(r.decisions["message"].iloc[0]) <= 1000


def test_run_writes_a_lines_mismatch_message_of_at_most_1000_characters(files, tmp_path):  # noqa: F811
    """Through the command line: decisions.csv and opus_notes.csv (``Robot: `` + the message)."""
    named, on_lines = _cprs(300, 0), _cprs(300, 5000)
    pd.DataFrame([invoice("S1", "300", cpr=";".join(named))]).to_csv(files["invoices"], index=False)
    pd.DataFrame([line("S1", str(i), c, "1") for i, c in enumerate(on_lines)]).to_csv(files["lines"], index=False)
    assert run_cli(files, tmp_path / "out", "--dry-run") == 0
    d = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    notes = pd.read_csv(tmp_path / "out" / "opus_notes.csv", sep=";", dtype=str, keep_default_na=False)
    assert d["reason"].tolist() == ["LINES_MISMATCH"]
    assert d["message"].str.len().max() <= 1000
    assert notes["note"].str.len().max() <= len("Robot: ") + 1000
