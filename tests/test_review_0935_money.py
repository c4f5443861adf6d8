"""Found by a review of 0.9.34 (amounts as whole øre): the fix list weighs amounts with the robot's
tolerance and takes any index, a journal's amount no øre holds is refused as damage, and large
amounts are written to the øre and grouped. Each test failed on 0.9.34."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from invoicekit.actions import Settings, fix_list
from invoicekit.cli import main
from invoicekit.errors import InputError
from invoicekit.journal import Journal
from invoicekit.parsing import dkk_ore, ore_arrow
from invoicekit.rules import Rules
from tests.test_session_0934 import _as_0933, _run


def _manual(row: int, cvr: str, amount_ore: int, expected_ore: int, reason: str = "AMOUNT_MISMATCH") -> dict:
    return {
        "month": "2019-01", "row": row, "invoice_id": f"F-{row}", "supplier_cvr": cvr,
        "cpr_masked": "010190-xxxx", "amount_ore": amount_ore, "status": "manual", "reason": reason,
        "grant_id": f"G{row}", "expected_amount_ore": expected_ore, "service_code": "",
        "period_start": pd.Timestamp("2019-01-01"), "period_end": pd.Timestamp("2019-01-31"),
        "message": "Robotten", "posted": False,
    }  # fmt: skip


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame[["amount_ore", "expected_amount_ore"]] = frame[["amount_ore", "expected_amount_ore"]].astype("Int64")
    return frame


# ------------------------------------------------------------------ the fix list's tolerance


def test_fix_list_tolerance_is_the_robots_tolerance():
    """README (How the code is laid out): "The fix list compares amounts in øre, exactly as the robot
    does." ``Settings.tolerance_units`` says it is the tolerance "as the robot compares it
    (:attr:`Rules.tolerance_units`)", but rounds to the nearest unit where the robot rounds down
    ("never more than written", rules.py: a tolerance of 0.00999 kr. must not let an invoice 0.01 kr.
    off through). The robot's rules as the fix list reads them must weigh an amount as the robot does."""
    rules = Rules(tolerance=0.00999)
    assert Settings.from_rules(rules).tolerance_units == rules.tolerance_units


def test_fix_list_proposes_the_tolerance_for_invoices_the_robot_held_at_one_ore():
    """With the robot's tolerance 0.00999 kr., an invoice 0.01 kr. off its grant is AMOUNT_MISMATCH
    (the robot compares floor(0.00999 kr.) = 99 units). README, `invoicekit actions`: ``rule:tolerance``
    is proposed for "at least 3 invoices from at least 2 suppliers off by between the tolerance and
    5 kr., not by whole kroner". Four such invoices from two suppliers, each off by 0.01 kr. (more
    than the tolerance), must give the fix; 0.9.34 rounds the tolerance up to 1 øre and finds none of
    them off by more than it (0.9.33, comparing kroner, proposed it)."""
    d = _typed(
        pd.DataFrame(
            [
                _manual(1, "29345716", 2_500_001, 2_500_000),
                _manual(2, "29345716", 2_600_001, 2_600_000),
                _manual(3, "31587603", 2_700_001, 2_700_000),
                _manual(4, "31587603", 2_800_001, 2_800_000),
            ]
        )
    )
    settings = Settings.from_rules(Rules(tolerance=0.00999))
    assert "rule:tolerance" in fix_list(d, settings=settings).fixes["fix_key"].tolist()


def test_fix_list_takes_decisions_whose_index_repeats():
    """``fix_list`` is public (README, The library: ``.actions``); 0.9.33 took a table of decisions
    whose index repeats (two journals' ``load_decisions`` joined by ``pd.concat``) and proposed
    ``rule:tolerance`` for invoices off by 0.50 kr. 0.9.34 looks up the largest difference by
    ``Index.get_indexer``, which raises ``InvalidIndexError`` on a repeated index: a traceback where
    the list was made before."""
    a = pd.DataFrame([_manual(1, "29345716", 2_500_050, 2_500_000), _manual(2, "29345716", 2_600_050, 2_600_000)])
    b = pd.DataFrame([_manual(3, "31587603", 2_700_050, 2_700_000), _manual(4, "31587603", 2_800_050, 2_800_000)])
    d = _typed(pd.concat([a, b]))
    fixes = fix_list(d, settings=Settings(tolerance=0.10)).fixes
    assert "rule:tolerance" in fixes["fix_key"].tolist()


# ------------------------------------------------------------------ a schema-11 journal's odd amounts


def _schema_11_with_amount(example_case: Path, tmp_path: Path, value: float) -> Path:
    _run(example_case, tmp_path, "--new-journal", "first")
    journal = tmp_path / "journal.sqlite"
    _as_0933(journal)
    with contextlib.closing(sqlite3.connect(journal)) as conn:
        (data,) = conn.execute("SELECT data FROM run_decisions WHERE run_id = 1").fetchone()
        t = pq.read_table(pa.BufferReader(data))
        k = t.schema.get_field_index("amount")
        values = t.column(k).to_pylist()
        values[0] = value  # the first invoice's amount, as a damaged page or a hand edit left it
        t = t.set_column(k, "amount", pa.array(values, type=pa.float64()))
        sink = pa.BufferOutputStream()
        pq.write_table(t, sink, compression="zstd")
        conn.execute("UPDATE run_decisions SET data = ? WHERE run_id = 1", (sink.getvalue().to_pybytes(),))
        conn.commit()
    return journal


@pytest.mark.parametrize("value", [float("inf"), 1e300, -1e30])
def test_a_schema_11_amount_no_integer_holds_is_refused_as_damage_not_read_as_another(
    example_case, tmp_path, capsys, value
):
    """README, A journal of schema 11: the migration rewrites the amounts as whole øre and "Nothing else
    changes: every amount is the same to the øre"; a dry run or a report reads an older journal as it
    is, "handed øre all the same". A stored double that no int64 of øre holds (infinite, or beyond
    9e14 kr.) was cast by numpy, with a RuntimeWarning alone, to the smallest int64: the invoice read,
    and migrated, as -922,337,203,685,477.58 kr., which the follow-up summed. It is refused as the
    damage it is, naming the journal and the run: read as it is, by a report, and by a run's migration,
    which leaves the journal as it was."""
    journal = _schema_11_with_amount(example_case, tmp_path, value)
    before = journal.read_bytes()
    with (
        pytest.raises(InputError, match="run 1: its stored decisions cannot be read"),
        Journal(journal, readonly=True) as j,
    ):
        j.decisions()
    capsys.readouterr()
    assert main(["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "f"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "run 1" in err and "the journal is damaged" in err and "Traceback" not in err
    example = ["--grants", str(example_case / "bevillinger.csv"), "--invoices", str(example_case / "regninger.csv"),
               "--support-sheet", str(example_case / "stoetteark.xlsx")]  # fmt: skip
    assert main(["run", *example, "--out", str(tmp_path / "o2"), "--journal", str(journal), "--quiet"]) == 2
    assert "the journal is damaged" in capsys.readouterr().err
    assert journal.read_bytes() == before


# ------------------------------------------------------------------ explain states the expected amount to the øre


def test_explain_states_a_large_expected_amount_to_the_ore_as_decisions_csv(tmp_path, capsys):
    """README, `invoicekit explain`: the candidates' ``expected_amount_ore`` is whole øre, and the spec
    rounds an expected amount "once, to øre". A day rate of 99.999.999,99 kr. (a rate the grants' reader
    takes: at most 100 million) over 1900-2199 expects 10.957.299.998.904,27 kr., as decisions.csv and
    the caseworker's message say. ``explain`` turns the øre into kroner as a double and multiplies by
    10,000 again, past 2**53, and shows "forventet 10.957.299.998.904,2688 kr.": an amount with a
    fraction of an øre that no file holds."""
    grants = tmp_path / "g.csv"
    grants.write_text(
        "grant_id,cpr,service_code,supplier_cvr,rate,rate_unit,start_date,end_date\n"
        "G1,6101901234,SEL108-BO,29345716,99999999.99,day,1900-01-01,\n",
        encoding="utf-8",
    )
    invoices = tmp_path / "i.csv"
    invoices.write_text(
        "invoice_id,supplier_cvr,amount,cpr,period_start,period_end,text\n"
        "F1,29345716,1000.00,6101901234,01.01.1900,31.12.2199,x\n",
        encoding="utf-8",
    )
    sheet = Path(__file__).parent / "data" / "example" / "stoetteark.xlsx"
    argv = ["--grants", str(grants), "--invoices", str(invoices), "--support-sheet", str(sheet)]
    assert main(["run", *argv, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    written = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str)["expected_amount"].iat[0]
    assert written == "10957299998904.27"
    capsys.readouterr()
    assert main(["explain", *argv, "--invoice-id", "F1"]) == 0
    shown = capsys.readouterr().out
    assert "forventet 10.957.299.998.904,27 kr." in shown, shown
    # and the caseworker's message groups every three digits (it wrote 10957.299.998.904,27)
    message = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str)["message"].iat[0]
    assert "forventede beløb er 10.957.299.998.904,27 kr." in message, message


def test_a_report_on_a_journal_whose_run_lost_its_amounts_says_the_journal_is_damaged(example_case, tmp_path, capsys):
    """A run's stored decisions without their amounts (a damaged page, a hand edit): ``invoicekit run``
    on that journal stops with exit 2, "its stored decisions cannot be read ...; the journal is damaged:
    restore it from a backup". ``report followup`` (and ``actions``, ``sample draw``) read the same
    decisions and end in "unexpected ArrowInvalid: Failed to parse string: '' as a scalar of type int64
    ... (please report it)", exit 1: the missing ``amount_ore`` is filled with blank text and then cast
    to ``Int64``. Spec, Limits: absurd inputs end "in exit 2 with one line"; README: damaged stored
    decisions stop "naming the journal"."""
    _run(example_case, tmp_path, "--new-journal", "first")
    journal = tmp_path / "journal.sqlite"
    with contextlib.closing(sqlite3.connect(journal)) as conn:
        (data,) = conn.execute("SELECT data FROM run_decisions WHERE run_id = 1").fetchone()
        t = pq.read_table(pa.BufferReader(data)).drop(["amount_ore"])
        sink = pa.BufferOutputStream()
        pq.write_table(t, sink, compression="zstd")
        conn.execute("UPDATE run_decisions SET data = ? WHERE run_id = 1", (sink.getvalue().to_pybytes(),))
        conn.commit()
    capsys.readouterr()
    code = main(["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "f"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "damaged" in err and "unexpected" not in err, err


#: citizens on one collective invoice: 83 are enough for its expected amount to pass 9e14 kr.
CITIZENS = 90


def _collective_world(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A supplier's collective invoice of 90 lines for 1900-2199, one citizen a line, each citizen's
    grant a day rate of 100,000,000 kr. (the most the grants' reader takes, ``MAX_RATE_DKK``) since
    1900. Each line expects 10,957,300,000,000 kr. (the most one invoice can expect, the figure
    ``parsing.MOST_DKK``'s comment names); the invoice's expected amount is the sum of its lines'
    (as every release from 0.4.0 sums it): 986,157,000,000,000 kr. It goes to manual
    (AMOUNT_MISMATCH): absurd inputs, but inputs every release reads and decides."""
    cprs = [f"{1 + i % 28:02d}{1 + i // 28:02d}85{1000 + i:04d}" for i in range(CITIZENS)]
    grants = tmp_path / "g.csv"
    grants.write_text(
        "grant_id,cpr,service_code,supplier_cvr,rate,rate_unit,start_date,end_date\n"
        + "".join(f"G-{i},{c},SEL104-AKT,31587603,100000000.00,day,01-01-1900,\n" for i, c in enumerate(cprs)),
        encoding="utf-8",
    )
    invoices = tmp_path / "i.csv"
    invoices.write_text(
        "invoice_id;supplier_cvr;cpr;period_start;period_end;amount;text\n"
        "SAM-1;31587603;;01.01.1900;31.12.2199;90.000,00;Samlefaktura\n",
        encoding="utf-8",
    )
    lines = tmp_path / "l.csv"
    lines.write_text(
        "invoice_id;supplier_cvr;line_no;cpr;amount;period_start;period_end;text\n"
        + "".join(f"SAM-1;31587603;{i + 1};{c};1.000,00;01.01.1900;31.12.2199;Aktivitet\n" for i, c in enumerate(cprs)),
        encoding="utf-8",
    )
    return grants, invoices, lines


def test_a_schema_11_journal_of_a_large_collective_expected_amount_is_read_not_refused(tmp_path, capsys):
    """A journal written by 0.9.33 (schema 11; 0.4.0 to 0.9.33, schemas 3 to 11, store it the same way,
    checked by running those releases on these files) holds the collective invoice above with its
    expected amount stored as the double 986157000000000.0 kr., exactly as each release computed it:
    no damage and no hand edit. It is exactly 98,615,700,000,000,000 øre, an int64 (this version,
    deciding the same files, stores and reads back that very number in a schema-12 journal).

    A first fix of this review refused any amount from 9e14 kr. (its 1/10,000 DKK overflow int64) as
    damage: ``report followup``, ``actions`` and the migration stopped on an undamaged journal (found
    by opening journals recorded by 0.1.0 to 0.9.34). Such an amount is read in øre as it is, and
    ``decisions.csv`` writes it, where 0.9.34 wrote -858517407370955.16 (formatted through 1/10,000
    DKK, which overflowed)."""
    grants, invoices, lines = _collective_world(tmp_path)
    journal = tmp_path / "journal.sqlite"
    argv = [
        "--grants",
        str(grants),
        "--support-sheet",
        str(Path(__file__).parent / "data" / "example" / "stoetteark.xlsx"),
    ]
    assert main(["run", *argv, "--invoices", str(invoices), "--invoice-lines", str(lines), "--new-journal",
                 str(journal), "--out", str(tmp_path / "o1"), "--quiet"]) == 0  # fmt: skip
    with Journal(journal, readonly=True) as j:
        d = j.decisions()
    assert d["reason"].tolist() == ["AMOUNT_MISMATCH"]
    written = pd.read_csv(tmp_path / "o1" / "decisions.csv", dtype=str)["expected_amount"].iat[0]
    assert written == "986157000000000.00"
    assert int(d["expected_amount_ore"].iat[0]) == 98_615_700_000_000_000  # this version holds it as it is
    _as_0933(journal)  # as 0.9.33 stored it: DKK as doubles
    with contextlib.closing(sqlite3.connect(journal)) as conn:
        (data,) = conn.execute("SELECT data FROM run_decisions WHERE run_id = 1").fetchone()
    assert pq.read_table(pa.BufferReader(data)).column("expected_amount").to_pylist() == [986157000000000.0]

    capsys.readouterr()
    code = main(["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "f"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    with Journal(journal, readonly=True) as j:
        assert int(j.decisions()["expected_amount_ore"].iat[0]) == 98_615_700_000_000_000
    # the next month's run migrates the journal and records
    other = tmp_path / "i2.csv"
    other.write_text(
        "invoice_id;supplier_cvr;cpr;period_start;period_end;amount;text\n"
        "F-2;31587603;0101851000;01.03.2019;31.03.2019;100,00;Aktivitet\n",
        encoding="utf-8",
    )
    code = main(["run", *argv, "--invoices", str(other), "--journal", str(journal), "--out", str(tmp_path / "o2"),
                 "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err


def test_amounts_in_kroner_beyond_what_units_hold_are_read_and_written_to_the_ore():
    """Kroner as doubles become whole øre to the øre up to what int64 øre hold (half up, as before,
    below 9e12 kr.), and the writers format øre without going through 1/10,000 DKK."""
    ore = dkk_ore([986157000000000.0, 0.005, -0.005, 12.345, np.nan, 8.9e16])
    assert ore.tolist() == [98_615_700_000_000_000, 1, 0, 1235, pd.NA, 8_900_000_000_000_000_000]
    with pytest.raises(ValueError, match=r"9e\+16 kr\. is no amount"):
        dkk_ore([9e16])
    most = 2**63 - 1
    assert ore_arrow(pd.array([most, -most, 5, None], dtype="Int64")).to_pylist() == [
        "92233720368547758.07", "-92233720368547758.07", "0.05", ""]  # fmt: skip


def test_a_collective_invoice_whose_lines_expect_more_than_int64_oere_hold_has_no_expected_amount():
    """8,500 lines, each a citizen's day rate of 100 million kr. over 1900-2199 (about 1.1e15 øre a line):
    their sum is beyond int64's øre, and int64 arithmetic wrapped it round to a negative amount. The
    invoice has no expected amount instead (its lines keep theirs)."""
    n = 8_500
    cprs = [f"{1 + i % 28:02d}{1 + (i // 28) % 12:02d}{(i // 336) % 100:02d}{1000 + i % 9000:04d}" for i in range(n)]
    assert len(set(cprs)) == n
    grants = pd.DataFrame({"grant_id": [f"G{i}" for i in range(n)], "cpr": cprs, "service_code": "SEL104-AKT",
                           "supplier_cvr": "31587603", "rate": "100000000", "rate_unit": "day",
                           "start_date": "1900-01-01", "end_date": ""})  # fmt: skip
    invoices = pd.DataFrame([{"invoice_id": "SAM-1", "supplier_cvr": "31587603", "amount": "8.500.000,00", "cpr": "",
                              "period_start": "01.01.1900", "period_end": "31.12.2199", "text": ""}])  # fmt: skip
    lines = pd.DataFrame({"invoice_id": "SAM-1", "supplier_cvr": "31587603", "line_no": [str(i + 1) for i in range(n)],
                          "cpr": cprs, "amount": "1000"})  # fmt: skip
    import invoicekit as ik
    from tests.conftest import support_tables

    r = ik.decide(ik.prepare_invoices(invoices), ik.prepare_grants(grants), ik.prepare_support_sheet(support_tables()),
                  lines=ik.prepare_invoice_lines(lines))  # fmt: skip
    assert r.decisions["reason"].tolist() == ["AMOUNT_MISMATCH"]
    assert r.decisions["expected_amount_ore"].isna().tolist() == [True]
    assert (r.lines["expected_amount_ore"] > 10**15).all()
