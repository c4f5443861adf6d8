"""The paid-before note (``decide._paid_before``, README "A caseworker told to post by hand is told what was
paid") on a collective invoice whose lines do not fit it (``LINES_MISMATCH``, check 3). Its message says
"Bogfør manuelt"; where a citizen it bills was paid at the supplier for the month, it must say so too. 0.9.41
asked only the citizens the invoice's own CPR cell and text named: an invoice that names its citizens in its
lines alone, or names fewer than its lines, was handed on without the note (a review of 0.9.41)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

import invoicekit.messages as msg
from invoicekit.decide import _noted
from tests.test_lines import ANNA, BO, CARL, line
from tests.test_lines import invoice as collective
from tests.test_review_0941_paid_before2 import _Cli, _g, _says_paid, _single

GRANTS = [_g("G1", ANNA, "30000"), _g("G2", BO, "20000"), _g("G3", CARL, "10000")]


def _bo_march_paid(tmp_path: Path) -> _Cli:
    """Run 1: Bo's March posted on his own invoice F-1 (20,000 kr., G2)."""
    cli = _Cli(tmp_path)
    first = cli.run("run1", GRANTS, [_single("F-1", BO, "20000")])
    assert list(first["status"]) == ["posted"]
    return cli


def test_an_invoice_naming_its_citizens_in_its_lines_only_says_that_a_lines_month_was_paid(tmp_path):
    """Run 2: collective invoice S1 names no CPR number itself; its lines bill Anna's and Bo's March, but add
    up to 50,000 kr. where the invoice says 51,000: ``LINES_MISMATCH`` "Bogfør manuelt". Bo's March was paid
    in run 1 (F-1): the message and the OPUS note say so."""
    cli = _bo_march_paid(tmp_path)
    lines = [line("S1", "1", ANNA, "30000", "marts 2019"), line("S1", "2", BO, "20000", "marts 2019")]
    second = cli.run("run2", GRANTS, [collective("S1", "51000")], lines)
    row = second.iloc[0]
    assert (row["status"], row["reason"]) == ("manual", "LINES_MISMATCH")
    assert "Bogfør manuelt" in row["message"]
    assert _says_paid(row["message"], "F-1"), row["message"]
    notes = pd.read_csv(tmp_path / "run2" / "opus_notes.csv", sep=";", dtype=str, keep_default_na=False)
    assert _says_paid(notes["note"].iloc[0], "F-1"), notes["note"].iloc[0]


def test_an_invoice_naming_fewer_citizens_than_its_lines_says_that_the_others_month_was_paid(tmp_path):
    """Run 2: S1's CPR cell names Anna and Carl; its lines name Anna and Bo (the lines' citizens are not the
    invoice's: ``LINES_MISMATCH``). Bo, named in the lines only, had his March paid in run 1: said."""
    cli = _bo_march_paid(tmp_path)
    lines = [line("S1", "1", ANNA, "30000", "marts 2019"), line("S1", "2", BO, "20000", "marts 2019")]
    second = cli.run("run2", GRANTS, [collective("S1", "50000", cpr=f"{ANNA};{CARL}")], lines)
    row = second.iloc[0]
    assert row["reason"] == "LINES_MISMATCH"
    assert _says_paid(row["message"], "F-1"), row["message"]


def test_a_mismatch_whose_lines_citizens_were_not_paid_has_no_note(tmp_path):
    """Run 2: S1's lines bill Anna's and Carl's March (never paid) and do not add up: no note, as nothing
    was paid; Bo's payment in run 1 is another citizen's."""
    cli = _bo_march_paid(tmp_path)
    lines = [line("S1", "1", ANNA, "30000", "marts 2019"), line("S1", "2", CARL, "10000", "juni 2019")]
    second = cli.run("run2", GRANTS, [collective("S1", "41000")], lines)
    row = second.iloc[0]
    assert row["reason"] == "LINES_MISMATCH"
    assert "allerede betalt" not in row["message"], row["message"]


def test_a_mismatch_says_that_a_line_of_an_invoice_posted_in_the_same_run_was_paid(tmp_path):
    """One extract: Bo's own invoice F-1 for March posts; S1 (no CPR of its own, lines Anna and Bo for March,
    not adding up) is held. Its message names F-1 in this run."""
    cli = _Cli(tmp_path)
    lines = [line("S1", "1", ANNA, "30000", "marts 2019"), line("S1", "2", BO, "20000", "marts 2019")]
    decided = cli.run("run1", GRANTS, [_single("F-1", BO, "20000"), collective("S1", "51000")], lines)
    assert list(decided["status"]) == ["posted", "manual"]
    assert decided.iloc[1]["reason"] == "LINES_MISMATCH"
    assert _says_paid(decided.iloc[1]["message"], "F-1"), decided.iloc[1]["message"]


def test_noted_messages_are_the_messages_and_their_notes_cut_as_one_by_one():
    """``decide._noted`` joins each held message to its note whole-column and cuts only those too long: the
    same texts as :func:`messages.cut_keeping_notes` of each message and note, in the rows' order, whichever
    part a row's message stands in, a blank message and one of exactly the limit among them."""
    note = msg.ALSO_PAID_BEFORE.format(grant_id="G1", earlier="faktura F-100, 01.03.2019–31.03.2019, kørsel 1")
    parts = [
        (np.array([4, 0, 2]), pa.array(["kort", "x" * 990, "æ" * (msg.MESSAGE_MAX - len(note))], pa.large_string())),
        (np.array([1, 3]), pa.array(["", "y" * 1500], pa.string())),
    ]
    at = np.array([0, 1, 2, 3])
    notes = pa.array([note, note + " 2", note, note], pa.large_string())
    [(rows, said)] = _noted(parts, at, notes, 5)
    messages = {4: "kort", 0: "x" * 990, 2: "æ" * (msg.MESSAGE_MAX - len(note)), 1: "", 3: "y" * 1500}
    expected = [msg.cut_keeping_notes(messages[r] + n) for r, n in zip(at.tolist(), notes.to_pylist(), strict=True)]
    assert rows.tolist() == at.tolist()
    assert said.to_pylist() == expected
    assert all(len(t) <= msg.MESSAGE_MAX and t.endswith(n) for t, n in zip(expected, notes.to_pylist(), strict=True))
    assert expected[2] == messages[2] + note  # exactly the limit: not cut
