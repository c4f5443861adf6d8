"""The journal: reruns never post twice, a dry run records nothing, a run is
recorded whole or not at all, nothing in it reads as a CPR number, a journal
of schema 1 is migrated without losing anything and a newer one is refused."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from invoicekit import InputError, Journal, run
from invoicekit.cli import main
from invoicekit.delivery import sha256
from invoicekit.journal import SCHEMA_VERSION, key_path, stored_decisions
from invoicekit.parsing import format_date_iso, ore_arrow
from invoicekit.run import summary
from tests.conftest import journal_text, old_schema, recorded_month

V1 = Path(__file__).parent / "data" / "journal_v1" / "journal-v1.sqlite"
EARLY = {"MISSING_INVOICE_ID", "INVALID_CPR", "MULTIPLE_CPR", "MISSING_CPR", "INVALID_CVR",
         "MISSING_PERIOD", "INVALID_PERIOD", "INVALID_AMOUNT", "CREDIT_NOTE"}  # fmt: skip


def run_example(case: Path, out: Path, journal: Path | None, dry_run: bool = False, invoices: str = "regninger.csv"):
    """A run on the example case; the first run on a journal starts it."""
    start = journal is not None and not journal.exists() and not dry_run
    return run(
        grants=case / "bevillinger.csv",
        invoices=case / invoices,
        support_sheet=case / "stoetteark.xlsx",
        out=out,
        journal=None if start else journal,
        new_journal=journal if start else None,
        dry_run=dry_run,
    )


def count_runs(journal: Path) -> int:
    with sqlite3.connect(journal) as conn:
        return conn.execute("SELECT count(*) FROM runs").fetchone()[0]


def test_a_run_is_recorded_with_its_inputs_decisions_and_files(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    res = run_example(example_case, tmp_path / "out", journal)
    with Journal(journal) as j:
        runs = j.runs()
        decisions = j.decisions(res.run_id)
        files = dict(j.conn.execute("SELECT name, keyed_sha256 FROM run_files").fetchall())
        keyed = {name: j.keyed_digest(f["sha256"]) for name, f in res.manifest["outputs"].items()}
        delivered = {p.name: j.file_digest(p) for p in res.outputs.values()}
    assert len(runs) == 1 and runs["invoices"].iloc[0] == 22 and runs["posted"].iloc[0] == 5
    assert len(runs["invoices_sha256"].iloc[0]) == 64 and runs["delivered_at"].notna().all()
    assert len(decisions) == 22
    assert decisions["status"].value_counts()["posted"] == 5
    assert files == keyed | {"run.json": files["run.json"]}
    assert set(files) == {p.name for p in res.outputs.values()}
    # the checksums and sizes taken while writing are those of the files delivered; the journal keeps them keyed
    assert delivered == files
    assert not set(files.values()) & {sha256(p) for p in res.outputs.values()}
    assert all(f["bytes"] == (tmp_path / "out" / name).stat().st_size for name, f in res.manifest["outputs"].items())


def test_decisions_stored_beforehand_are_recorded_as_made_and_only_for_their_own_run(example_case, tmp_path):
    res = run_example(example_case, tmp_path / "out", None, dry_run=True)
    decisions = res.decisions
    with Journal(tmp_path / "a.sqlite", create=True) as a, Journal(tmp_path / "b.sqlite", create=True) as b:
        for j, stored in ((a, None), (b, stored_decisions(decisions))):
            with j.transaction() as conn:
                run_id = j.begin_run(conn, {}, {}, "2026-01-01T00:00:00+00:00", "test", tmp_path, tmp_path / "s")
                j.record(conn, run_id, decisions, {}, stored=stored)
        blob = "SELECT rows, format, data FROM run_decisions"
        assert a.conn.execute(blob).fetchall() == b.conn.execute(blob).fetchall()
        with pytest.raises(ValueError, match="not those of this run"), b.transaction() as conn:
            run_id = b.begin_run(conn, {}, {}, "2026-01-01T00:00:00+00:00", "test", tmp_path, tmp_path / "s")
            b.record(conn, run_id, decisions, {}, stored=stored_decisions(decisions.iloc[:3]))
        assert len(b.runs()) == 1


def test_the_journal_holds_no_full_cpr_even_in_invoice_numbers_and_grant_ids(example_case, tmp_path):
    (example_case / "cpr.csv").write_text(
        "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n"
        "0504190001;31587603;13.950,00;6101901234;01.05.2019;31.05.2019\n"
        "050419-0002;29345716;28.500,00;6101901234;01.05.2019;31.05.2019\n",
        encoding="utf-8",
    )
    journal = tmp_path / "j.sqlite"
    res = run_example(example_case, tmp_path / "out", journal, invoices="cpr.csv")
    assert res.decisions["status"].tolist() == ["posted", "posted"]
    content = journal_text(journal)
    for number in ("6101901234", "610190-1234", "0504190001", "050419-0001", "0504190002", "050419-0002"):
        assert number not in content
    assert "050419-xxxx" in content  # the invoice numbers as people read them
    assert b"6101901234" not in journal.read_bytes()


def test_rerun_of_the_same_extract_posts_nothing(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    first = run_example(example_case, tmp_path / "out1", journal)
    second = run_example(example_case, tmp_path / "out2", journal)
    assert (first.decisions["status"] == "posted").sum() == 5
    assert (second.decisions["status"] == "posted").sum() == 0
    assert len(pd.read_csv(tmp_path / "out2" / "opus_postings.csv", sep=";")) == 0
    # an invoice that failed checks 1-9 keeps its reason; all the others are duplicates now
    expected = [r if r in EARLY else "DUPLICATE_INVOICE" for r in first.decisions["reason"]]
    assert second.decisions["reason"].tolist() == expected
    assert count_runs(journal) == 2
    # each duplicate says how run 1 decided it (its first copy: a copy run 1 found a duplicate of its own
    # row is said of that row): posted by the robot, or sent to manual handling
    again = (second.decisions["reason"] == "DUPLICATE_INVOICE") & (first.decisions["reason"] != "DUPLICATE_INVOICE")
    said, was = second.decisions.loc[again, "message"], first.decisions.loc[again, "status"]
    assert [", hvor robotten bogførte den." in m for m in said] == (was == "posted").tolist()
    assert all(("bogførte den." in m) != ("sendte den til manuel behandling." in m) for m in said)
    assert (was == "posted").sum() == 5 and (was == "manual").sum() > 5


def test_new_invoice_for_a_paid_period_is_already_paid_in_a_later_run(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out1", journal)
    (example_case / "later.csv").write_text(
        "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n"
        "SOL-2001;29345716;28.500,00;6101901234;01.03.2019;31.03.2019\n"
        "SOL-2002;29345716;28.500,00;6101901234;01.05.2019;31.05.2019\n",
        encoding="utf-8",
    )
    res = run_example(example_case, tmp_path / "out2", journal, invoices="later.csv")
    assert res.decisions["reason"].tolist() == ["ALREADY_PAID", ""]
    assert "SOL-1001" in res.decisions["message"].iloc[0]


def test_dry_run_records_nothing(example_case, tmp_path):
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out1", None, dry_run=True)
    run_example(example_case, tmp_path / "out2", journal)
    before = journal.read_bytes()
    res = run_example(example_case, tmp_path / "out3", journal, dry_run=True)
    assert journal.read_bytes() == before
    assert (res.decisions["status"] == "posted").sum() == 0  # it still sees the journal
    assert (tmp_path / "out3" / "decisions.csv").exists()
    assert res.manifest["run_id"] is None and res.manifest["dry_run"] is True


def test_an_error_while_recording_rolls_the_whole_run_back(example_case, tmp_path, monkeypatch):
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out1", journal)

    from invoicekit import journal as journal_module

    def stopped(decisions, *args, **kwargs):
        raise KeyboardInterrupt  # as if stopped half-way: the run and its files are inserted already

    monkeypatch.setattr(journal_module, "_journal_table", stopped)
    with pytest.raises(KeyboardInterrupt):
        run_example(example_case, tmp_path / "out2", journal)
    assert count_runs(journal) == 1
    with Journal(journal, readonly=True) as j:
        assert len(j.decisions()) == 22
    with sqlite3.connect(journal) as conn:
        assert conn.execute("SELECT count(*) FROM run_files").fetchone()[0] == 7  # six output files and run.json
    assert not (tmp_path / "out2" / "decisions.csv").exists()
    assert not list((tmp_path / "out2").glob(".invoicekit-staging-*"))


def test_amounts_and_periods_are_kept_as_numbers_and_dates(example_case, tmp_path):
    """The journal keeps what the run decided, typed: nothing reads its own
    output back. A run recorded by 0.2.0 (amounts and periods as text) reads
    the same."""
    journal = tmp_path / "j.sqlite"
    res = run_example(example_case, tmp_path / "out", journal)
    with Journal(journal) as j:
        d = j.decisions(res.run_id)
        blob = j.conn.execute("SELECT data FROM run_decisions").fetchone()[0]
    stored = pq.read_table(pa.BufferReader(blob))
    assert (
        stored.schema.field("amount_ore").type == pa.int64() and stored.schema.field("period_start").type == pa.date32()
    )
    decided = res.result.decisions
    assert d["amount_ore"].dtype == "Int64" and d["period_start"].dtype == "datetime64[s]"
    pd.testing.assert_series_equal(d["amount_ore"], decided["amount_ore"], check_names=False)
    pd.testing.assert_series_equal(d["expected_amount_ore"], decided["expected_amount_ore"], check_names=False)
    for col in ("period_start", "period_end"):
        pd.testing.assert_series_equal(d[col], decided[col].astype("datetime64[s]"), check_names=False)

    # the same run as 0.2.0 stored it: every amount (DKK, under the names of decisions.csv) and period as
    # text, blank where none
    as_text = {
        "amount_ore": ore_arrow(d["amount_ore"]).to_pylist(),
        "expected_amount_ore": ore_arrow(d["expected_amount_ore"]).to_pylist(),
        "period_start": format_date_iso(d["period_start"].to_numpy(dtype="datetime64[D]")).to_numpy(dtype=object),
        "period_end": format_date_iso(d["period_end"].to_numpy(dtype="datetime64[D]")).to_numpy(dtype=object),
    }
    for name, values in as_text.items():
        k = stored.schema.get_field_index(name)
        stored = stored.set_column(k, name.removesuffix("_ore"), pa.array(values, type=pa.string()))
    sink = pa.BufferOutputStream()
    pq.write_table(stored, sink, compression="zstd")
    with sqlite3.connect(journal) as conn:
        conn.execute("UPDATE run_decisions SET data = ?", (sink.getvalue().to_pybytes(),))
    with Journal(journal, readonly=True) as j:
        old = j.decisions(res.run_id)
    pd.testing.assert_frame_equal(old, d)


def test_a_file_that_is_not_a_journal_is_refused(tmp_path):
    bogus = tmp_path / "j.sqlite"
    bogus.write_text("hello, not sqlite at all" * 100)
    with pytest.raises(InputError, match="not an invoicekit journal"):
        Journal(bogus)


def test_a_journal_that_does_not_exist_is_never_created_by_opening_it(tmp_path):
    with pytest.raises(InputError, match=r"does not exist.*--new-journal"):
        Journal(tmp_path / "typo.sqlite")
    assert not (tmp_path / "typo.sqlite").exists()
    with pytest.raises(InputError, match="does not exist"):
        Journal(tmp_path / "typo.sqlite", readonly=True)
    Journal(tmp_path / "new.sqlite", create=True).close()
    assert (tmp_path / "new.sqlite").exists()


def test_new_journal_refuses_every_file_that_exists_and_names_a_journal_left_holding_no_run(example_case, tmp_path):
    """The spec: --new-journal is refused when the file exists. A journal a run started and left
    holding no run (it is no longer removed: another run may have recorded in it) is named so, for
    --journal; nothing that exists is ever written (a review of a first version, which took empty
    files and journals holding no run: an empty rules file given as the journal too became SQLite,
    a FIFO hung the run, and 'j#2.sqlite' was read as the journal 'j')."""
    import os
    import shutil

    started = tmp_path / "started.sqlite"
    Journal(started, create=True).close()
    # a run that started it may be running still (two runs started at once): the other is not told it stopped
    with pytest.raises(InputError, match=r"holds no run yet \(a run that started it is still running, or .*--journal"):
        Journal(started, create=True)
    with Journal(started) as j:  # --journal takes it
        assert j.version == SCHEMA_VERSION
    run_example(example_case, tmp_path / "o", started)
    assert count_runs(started) == 1
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE runs (x)")
    text = tmp_path / "regninger.csv"
    shutil.copy(example_case / "regninger.csv", text)
    empty = tmp_path / "empty.toml"
    empty.touch()
    fifo = tmp_path / "fifo.sqlite"
    os.mkfifo(fifo)
    hashed = tmp_path / "j#2.sqlite"  # the name, not the journal j and a query
    shutil.copy(started, tmp_path / "j")
    shutil.copy(started, hashed)
    for path in (started, other, text, empty, fifo, hashed):
        kept = path.read_bytes() if path.is_file() else None
        with pytest.raises(InputError, match="exists; --new-journal starts a journal and never reuses a file"):
            Journal(path, create=True)
        assert kept is None or path.read_bytes() == kept
    # an empty file, as a run stopped while starting the journal leaves it, is said to hold nothing
    with pytest.raises(InputError, match=r"is empty, not an invoicekit journal .*may be deleted, with its key file"):
        Journal(empty)


# ---------------------------------------------------------------- schema 1 → 2


def v1_copy(tmp_path: Path) -> Path:
    target = tmp_path / "journal.sqlite"
    shutil.copyfile(V1, target)
    return target


def table(path: Path, query: str) -> pd.DataFrame:
    with sqlite3.connect(path) as conn:
        return pd.read_sql_query(query, conn)


V1_DECISIONS = "SELECT run_id, row, invoice_id, supplier_cvr, cpr_masked, amount, status, reason, grant_id, " \
    "expected_amount, paragraph, psp_element, art, service_code, period_start, period_end, message " \
    "FROM decisions ORDER BY run_id, row"  # fmt: skip
V1_RUNS = "SELECT run_id, started_at, finished_at, tool_version, grants_file, grants_sha256, invoices_file, " \
    "invoices_sha256, support_sheet_file, support_sheet_sha256, rules, invoices, posted FROM runs ORDER BY run_id"  # fmt: skip


def test_a_schema_1_journal_is_migrated_after_a_backup_and_nothing_recorded_changes(example_case, tmp_path):
    journal = v1_copy(tmp_path)
    decisions_before, runs_before = table(journal, V1_DECISIONS), table(journal, V1_RUNS)
    assert len(decisions_before) == 25 and len(runs_before) == 2

    res = run_example(example_case, tmp_path / "out", journal)

    backup = tmp_path / "journal.sqlite.schema1-backup"
    assert res.journal_backup == backup
    assert f"Journal upgraded: to schema {SCHEMA_VERSION};" in summary(res)  # the schema it is now
    assert table(backup, V1_DECISIONS).equals(decisions_before) and table(backup, V1_RUNS).equals(runs_before)
    assert table(backup, "SELECT value FROM meta WHERE key = 'schema_version'")["value"].tolist() == ["1"]
    with Journal(journal, readonly=True) as j:
        after = j.decisions().rename(columns={"amount_ore": "amount", "expected_amount_ore": "expected_amount"})
    after = after[list(decisions_before.columns)]
    # schema 2 on keeps amounts (whole øre since schema 12) and periods typed; written back as schema 1 kept
    # them (DKK as text), they are the same
    for col in ("amount", "expected_amount"):
        after[col] = ore_arrow(after[col]).to_numpy(zero_copy_only=False).astype(object)
    for col in ("period_start", "period_end"):
        after[col] = format_date_iso(after[col].to_numpy(dtype="datetime64[D]")).to_numpy(dtype=object)
    after = after.astype(decisions_before.dtypes.to_dict())
    assert after[after["run_id"] <= 2].reset_index(drop=True).equals(decisions_before)
    runs_after = table(journal, V1_RUNS).iloc[:2]
    digests = [c for c in runs_before.columns if c.endswith("_sha256")]
    assert runs_after.drop(columns=digests).equals(runs_before.drop(columns=digests))
    # the inputs' checksums keyed with the journal's secret since schema 13, none of them plain
    with Journal(journal) as j:
        for c in digests:
            assert runs_after[c].tolist() == [j.keyed_digest(d) if d else d for d in runs_before[c]], c
    meta = dict(table(journal, "SELECT key, value FROM meta").itertuples(index=False))
    assert meta["schema_version"] == str(SCHEMA_VERSION) and meta["migrated_from"] == "1"
    # and the rerun of what was recorded posts nothing
    assert (res.decisions["status"] == "posted").sum() == 0
    expected = [r if r in EARLY else "DUPLICATE_INVOICE" for r in decisions_before[decisions_before.run_id == 1].reason]
    assert res.decisions["reason"].tolist() == expected


def test_after_migration_april_is_not_paid_again_even_where_schema_1_stored_the_number_masked(example_case, tmp_path):
    """Schema 1 stored 0504190001 as 050419-xxxx. After migration a resend of
    it is still a duplicate: the masked form is compared too (broader, never
    narrower), and a re-registered grant is caught on the citizen's birth date."""
    journal = v1_copy(tmp_path)
    (example_case / "april.csv").write_text(
        "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n"
        "SOL-1101;29345716;28.500,00;6101901234;01.04.2019;30.04.2019\n"
        "0504190001;31587603;13.950,00;6101901234;01.05.2019;31.05.2019\n"
        "KIL-999;31587603;13.950,00;6101901234;01.05.2019;31.05.2019\n",
        encoding="utf-8",
    )
    res = run_example(example_case, tmp_path / "out", journal, invoices="april.csv")
    assert res.decisions["reason"].tolist() == ["DUPLICATE_INVOICE", "DUPLICATE_INVOICE", "ALREADY_PAID"]
    assert (tmp_path / "out" / "opus_postings.csv").read_text(encoding="utf-8").count("\n") == 1  # the header


def test_readers_read_a_schema_1_journal_as_it_is(tmp_path):
    journal = v1_copy(tmp_path)
    before = journal.read_bytes()
    with Journal(journal, readonly=True) as j:
        assert j.version == 1
        history = j.history()
    # every decision but those with no number, an invalid CVR or a credit note
    assert len(history.seen) == 22 and len(history.paid) == 7
    assert history.seen["invoice_key"].str.startswith("~").sum() == 2  # the two numbers stored masked
    out = tmp_path / "report"
    assert main(["report", "followup", "--journal", str(journal), "--out", str(out), "--quiet"]) == 0
    assert journal.read_bytes() == before
    assert not (tmp_path / "journal.sqlite.schema1-backup").exists()


def test_a_journal_of_a_newer_schema_is_refused_by_every_command(example_case, tmp_path, capsys):
    journal = v1_copy(tmp_path)
    with sqlite3.connect(journal) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    before = journal.read_bytes()
    commands = [
        ["run", "--grants", str(example_case / "bevillinger.csv"), "--invoices", str(example_case / "regninger.csv"),
         "--support-sheet", str(example_case / "stoetteark.xlsx"), "--out", str(tmp_path / "o"), "--journal", str(journal)],
        ["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "r")],
        ["report", "business-case", "--journal", str(journal), "--out", str(tmp_path / "b")],
        ["sample", "draw", "--journal", str(journal), "--month", "2019-03", "--out", str(tmp_path / "c.xlsx")],
    ]  # fmt: skip
    for argv in commands:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"newer invoicekit (journal schema {SCHEMA_VERSION + 1})" in err[0], (argv, err)
    assert journal.read_bytes() == before
    assert not (tmp_path / "o" / "decisions.csv").exists()


def test_a_damaged_journal_is_named_in_one_line(example_case, tmp_path, capsys):
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with sqlite3.connect(journal) as conn:
        conn.execute("ALTER TABLE run_decisions RENAME COLUMN data TO blob")
    for argv in (
        [
            "sample",
            "draw",
            "--journal",
            str(journal),
            "--month",
            recorded_month(journal),
            "--out",
            str(tmp_path / "c.xlsx"),
        ],
        ["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "r")],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "table 'run_decisions'" in err[0] and "data" in err[0], err


def _hashed(keys: pd.Series) -> bool:
    """Every key a hash and nothing else: a check that four digits of the number were not in a key failed
    one run in some hundreds, where a random secret's hex digits held them (a hunt for flaky tests)."""
    return bool(keys.str.fullmatch(r"#[0-9a-f]{32}").all())


@pytest.mark.parametrize("damage", ["cut short", "emptied"])
def test_a_runs_damaged_or_emptied_decisions_stop_every_command_in_one_line(example_case, tmp_path, capsys, damage):
    """A run's stored decisions cut short, or replaced by a valid table with
    none: the run, the follow-up and the sample control stop (exit 2) naming
    the journal and the run, and nothing is decided, since a run's decisions
    lost would let the robot post again what it posted."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with sqlite3.connect(journal) as conn:
        if damage == "cut short":
            conn.execute("UPDATE run_decisions SET data = substr(data, 1, 100)")
        else:
            (data,) = conn.execute("SELECT data FROM run_decisions").fetchone()
            t = pq.read_table(pa.BufferReader(data))
            sink = pa.BufferOutputStream()
            pq.write_table(t.slice(0, 0), sink)
            conn.execute("UPDATE run_decisions SET data = ?", (sink.getvalue().to_pybytes(),))
    for argv in (
        ["run", "--grants", str(example_case / "bevillinger.csv"), "--invoices", str(example_case / "regninger.csv"),
         "--support-sheet", str(example_case / "stoetteark.xlsx"), "--journal", str(journal),
         "--out", str(tmp_path / "again")],
        ["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "r")],
        ["sample", "draw", "--journal", str(journal), "--month", recorded_month(journal), "--out", str(tmp_path / "c.xlsx")],
    ):  # fmt: skip
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(journal) in err[0] and "run 1" in err[0] and "damaged" in err[0], err
    assert not (tmp_path / "again" / "opus_postings.csv").exists()


def test_the_journal_keeps_supplier_and_service_names_and_reads_runs_without_them_blank(example_case, tmp_path):
    """Names beside the numbers, where the extracts give them: the supplier's
    from the invoice, the service's from the grant. A run recorded before the
    journal kept names reads with blank names."""
    journal = tmp_path / "j.sqlite"
    res = run_example(example_case, tmp_path / "out", journal)
    with Journal(journal) as j:
        d = j.decisions(res.run_id)
        blob = j.conn.execute("SELECT data FROM run_decisions").fetchone()[0]
    first = d[d["invoice_id"] == "SOL-1001"].iloc[0]
    assert first["supplier_name"] == "Bostedet Solhøj" and first["service_name"] == "Længerevarende botilbud"
    posted = d[d["status"] == "posted"]
    assert len(posted) and (posted["service_name"] != "").all()
    assert (d.loc[d["service_code"] == "", "service_name"] == "").all()

    # the same run without the names, as invoicekit 0.3.0 stored it
    stored = pq.read_table(pa.BufferReader(blob)).drop_columns(["supplier_name", "service_name"])
    sink = pa.BufferOutputStream()
    pq.write_table(stored, sink, compression="zstd")
    with sqlite3.connect(journal) as conn:
        conn.execute("UPDATE run_decisions SET data = ?", (sink.getvalue().to_pybytes(),))
    with Journal(journal, readonly=True) as j:
        old = j.decisions(res.run_id)
    assert list(old.columns) == list(d.columns)
    assert (old["supplier_name"] == "").all() and (old["service_name"] == "").all()
    pd.testing.assert_frame_equal(old.drop(columns=["supplier_name", "service_name"]),
                                  d.drop(columns=["supplier_name", "service_name"]))  # fmt: skip


def test_a_cpr_number_in_a_supplier_name_is_masked_in_the_journal(example_case, tmp_path):
    f = example_case / "regninger.csv"
    f.write_bytes(f.read_bytes().replace("Bostedet Solhøj".encode("cp1252"), b"Plejefamilie 610190-1234"))
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with Journal(journal, readonly=True) as j:
        names = set(j.decisions()["supplier_name"])
    assert "Plejefamilie 610190-xxxx" in names and not any("1234" in n for n in names)
    assert "610190-1234" not in journal_text(journal)


# ---------------------------------------------------------------- schema 1, 2, 3 → 4


def _sent_again(case: Path, number: str) -> None:
    """``again.csv`` in the example case: Solhøj's June invoice for citizen A, numbered ``number``."""
    (case / "again.csv").write_text(
        "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n"
        f"{number};29345716;28.500,00;6101901234;01.06.2019;30.06.2019\n",
        encoding="utf-8",
    )


def _v1_with(journal: Path, changes: dict[tuple[int, int], str]) -> None:
    """Invoice numbers of the schema-1 journal as a version that masked only
    ``DDMMYY-SSSS`` would have stored them: ``(run_id, row)`` → number."""
    with sqlite3.connect(journal) as conn:
        for (run_id, row), number in changes.items():
            conn.execute("UPDATE decisions SET invoice_id = ? WHERE run_id = ? AND row = ?", (number, run_id, row))


def test_a_schema_1_journal_goes_to_4_in_one_go_its_slash_cpr_hashed_and_still_caught(example_case, tmp_path):
    journal = v1_copy(tmp_path)
    _v1_with(journal, {(1, 1): "010140/1234"})  # SOL-1001, posted in run 1: schema 1 masked no "/" form
    with Journal(journal, readonly=True) as j:
        before = j.decisions()
    _sent_again(example_case, "01-01-40/1234")
    dry = run_example(example_case, tmp_path / "dry", journal, dry_run=True, invoices="again.csv")
    assert dry.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]  # read as it is, the key as 0.9.3 makes it
    res = run_example(example_case, tmp_path / "out", journal, invoices="again.csv")
    assert res.journal_backup == tmp_path / "journal.sqlite.schema1-backup"
    assert res.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    text = journal_text(journal)
    assert "010140/1234" not in text and "0101401234" not in text
    with Journal(journal, readonly=True) as j:
        assert j.version == SCHEMA_VERSION
        after = j.decisions(1)
        seen = j.history().seen
    keys = seen.loc[seen["run_id"] <= 2, "invoice_key"]
    assert keys.str.match(r"^#[0-9a-f]{32}$").sum() == 1  # the one hashed: no other key changed
    # nothing changed but the number masked: the same decisions, read from schema 1 and from 4
    masked = after["invoice_id"] == "010140-xxxx"
    assert masked.tolist() == [True] + [False] * 21
    same = before[before["run_id"] == 1].reset_index(drop=True).drop(columns="invoice_id")
    pd.testing.assert_frame_equal(after.drop(columns=[*after.columns.difference(before.columns), "invoice_id"]), same)


def test_a_reader_that_opened_an_old_journal_reads_it_as_another_process_migrated_it(tmp_path):
    # a dry run or a report opens the journal read-only (schema 1: it reads the
    # table of decisions, keys in memory with a secret of its own); a recorded
    # run migrates it meanwhile (that table dropped, keys hashed with the new secret)
    from invoicekit.keys import digest, normalise_number

    journal = v1_copy(tmp_path)
    _v1_with(journal, {(1, 1): "010140/1234"})
    with Journal(journal, readonly=True) as reader:
        assert reader.version == 1
        Journal(journal).close()  # the other process
        history = reader.history()
        decisions = reader.decisions()
        secret = reader.secret
    with Journal(journal, readonly=True) as j:
        assert secret == j.secret and j.version == SCHEMA_VERSION
    assert len(decisions) == 25 and len(history.seen) == 22
    assert digest(normalise_number("010140/1234"), secret) in history.seen["invoice_key"].tolist()


def test_a_migration_reads_the_schema_again_once_it_holds_the_lock(tmp_path):
    # another process (invoicekit 0.9.2) took the journal from schema 2 to 3
    # between this one's open and its migration: it goes on from 3
    journal = tmp_path / "j.sqlite"
    Journal(journal, create=True).close()
    with sqlite3.connect(journal) as conn:
        conn.execute("DROP TABLE run_decision_lines")
        old_schema(conn, 2)
    from invoicekit import journal as jm

    original = jm.Journal._migrate

    def meanwhile(self):
        with sqlite3.connect(journal) as conn:
            conn.execute(jm._RUN_DECISION_LINES)
            old_schema(conn, 3)
        original(self)

    jm.Journal._migrate = meanwhile
    try:
        with Journal(journal) as j:
            assert j.version == SCHEMA_VERSION
    finally:
        jm.Journal._migrate = original


@pytest.mark.parametrize(
    ("sep", "key"),
    [(".", "~050419xxxx/010140xxxx"), ("\uff0f", "~050419xxxx/010140xxxx")],  # masked as now (0.9.3 both)
    ids=["dot", "full-width solidus"],
)
def test_a_number_schema_1_stored_half_masked_is_still_a_duplicate(example_case, tmp_path, sep, key):
    # schema 1 masked DDMMYY-SSSS only: 0504190001/010140.1234 was stored
    # 050419-xxxx/010140.1234, its key a legacy key of that text. Masked as now,
    # the number resent is 050419-xxxx/010140-xxxx: the legacy key is made so too
    journal = v1_copy(tmp_path)
    _v1_with(journal, {(1, 1): f"050419-xxxx/010140{sep}1234"})  # SOL-1001, posted in run 1
    _sent_again(example_case, f"0504190001/010140{sep}1234")
    dry = run_example(example_case, tmp_path / "dry", journal, dry_run=True, invoices="again.csv")
    assert dry.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    res = run_example(example_case, tmp_path / "out", journal, invoices="again.csv")
    assert res.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    with Journal(journal, readonly=True) as j:  # a legacy key still (History.has_legacy)
        assert re.fullmatch(key, j.decisions(1)["invoice_key"].iloc[0])
    assert f"010140{sep}1234" not in journal_text(journal)


def test_a_full_disk_during_a_migration_is_named_as_such_and_leaves_the_journal_as_it_was(tmp_path, monkeypatch):
    # SQLite may roll a transaction back itself on a full disk (SQLITE_FULL): the
    # migration's own ROLLBACK then fails, and must not hide what happened
    from invoicekit import journal as jm
    from invoicekit.errors import OutputError

    journal = v1_copy(tmp_path)
    before = table(journal, V1_DECISIONS)

    def full(conn, *args):
        conn.execute("ROLLBACK")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(jm, "_insert_stored", full)
    with pytest.raises(OutputError, match="disk"):
        Journal(journal)
    monkeypatch.undo()
    assert table(journal, V1_DECISIONS).equals(before)
    with Journal(journal, readonly=True) as j:
        assert j.version == 1
    # the journal is as it was, so the copy made before is no backup of anything: it is
    # not left beside it (another copy of every number it holds), and the next migration
    # makes the one backup
    assert list(tmp_path.glob("journal.sqlite.*")) == []
    with Journal(journal) as j:
        assert j.version == SCHEMA_VERSION
    assert sorted(p.name for p in tmp_path.glob("journal.sqlite.*")) == [
        "journal.sqlite.key",
        "journal.sqlite.schema1-backup",
    ]


def test_a_backup_that_cannot_be_written_is_not_left_half_written(tmp_path, monkeypatch):
    journal = v1_copy(tmp_path)

    from invoicekit import journal as jm
    from invoicekit.errors import OutputError

    class FullDisk(sqlite3.Connection):
        def backup(self, target, *args, **kwargs):
            target.execute("CREATE TABLE half (x)")  # some pages written, then the disk is full
            raise sqlite3.OperationalError("database or disk is full")

    connect = sqlite3.connect
    monkeypatch.setattr(jm.sqlite3, "connect", lambda *a, **k: connect(*a, factory=FullDisk, **k))
    with pytest.raises(OutputError, match="disk"):
        Journal(journal)
    monkeypatch.undo()
    assert list(tmp_path.glob("journal.sqlite.*")) == []
    with Journal(journal, readonly=True) as j:
        assert j.version == 1


def test_a_migration_killed_half_way_leaves_the_journal_as_it_was_and_its_backup(tmp_path):
    import subprocess
    import sys
    import textwrap

    journal = v1_copy(tmp_path)
    _v1_with(journal, {(1, 1): "010140/1234"})
    before = table(journal, V1_DECISIONS)
    child = textwrap.dedent(
        """
        import os, signal, sys
        import invoicekit.journal as jm
        insert = jm._insert_stored
        def killed(conn, *args):  # the second run's table written, then SIGKILL
            insert(conn, *args)
            if args[1] == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        jm._insert_stored = killed
        jm.Journal(sys.argv[1])
        """
    )
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", child, str(journal)], env={"PYTHONPATH": root}, timeout=120)
    assert done.returncode == -9
    assert (tmp_path / "journal.sqlite.schema1-backup").exists()
    # a reader (a dry run) first: it rolls the half-done migration back and reads schema 1
    with Journal(journal, readonly=True) as j:
        assert j.version == 1 and len(j.decisions()) == 25
    assert table(journal, V1_DECISIONS).equals(before)
    with Journal(journal) as j:  # and the next run migrates it
        assert (
            j.version == SCHEMA_VERSION
            and j.backup == tmp_path / f"journal.sqlite.schema1-backup-{j.backup.name[-15:]}"
        )
    assert "010140/1234" not in journal_text(journal)


def test_a_run_that_finds_the_journal_migrated_by_another_meanwhile_reports_no_upgrade(tmp_path, monkeypatch):
    # two runs open the same schema-1 journal at once: one migrates it, the other
    # finds it done once it holds the lock; that one migrated nothing, so it
    # names no backup of its own (the run would log "journal upgraded") and leaves none
    from invoicekit import journal as jm

    journal = v1_copy(tmp_path)
    original = jm.Journal._migrate
    first = []

    def meanwhile(self):
        if not first:
            first.append(True)
            jm.Journal(journal).close()  # the other process, all the way to 4
        original(self)

    monkeypatch.setattr(jm.Journal, "_migrate", meanwhile)
    with Journal(journal) as j:
        assert j.version == SCHEMA_VERSION and j.backup is None
    assert sorted(p.name for p in tmp_path.glob("journal.sqlite.*")) == [
        "journal.sqlite.key",
        "journal.sqlite.schema1-backup",
    ]


def test_a_number_schema_1_stored_half_masked_is_still_a_duplicate_after_092_migrated_it(example_case, tmp_path):
    # as above, the journal taken to schema 3 by 0.9.2: it made the legacy key
    # of the text schema 1 stored (050419-xxxx/010140.1234), which no number
    # masked as now gives; the migration to 4 makes it again from that text
    journal = v1_copy(tmp_path)
    _v1_with(journal, {(1, 1): "050419-xxxx/010140.1234"})
    Journal(journal).close()
    with sqlite3.connect(journal) as conn:  # what 0.9.2 stored of it
        (data,) = conn.execute("SELECT data FROM run_decisions WHERE run_id = 1").fetchone()
        t = pq.read_table(pa.BufferReader(data))
        ids, keys = t.column("invoice_id").to_pylist(), t.column("invoice_key").to_pylist()
        ids[0], keys[0] = "050419-xxxx/010140.1234", "~050419xxxx/010140.1234"
        t = t.set_column(t.schema.get_field_index("invoice_id"), "invoice_id", pa.array(ids, pa.string()))
        t = t.set_column(t.schema.get_field_index("invoice_key"), "invoice_key", pa.array(keys, pa.string()))
        sink = pa.BufferOutputStream()
        pq.write_table(t, sink, compression="zstd")
        conn.execute("UPDATE run_decisions SET data = ? WHERE run_id = 1", (sink.getvalue().to_pybytes(),))
        old_schema(conn, 3)
    _sent_again(example_case, "0504190001/010140.1234")
    dry = run_example(example_case, tmp_path / "dry", journal, dry_run=True, invoices="again.csv")
    assert dry.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    res = run_example(example_case, tmp_path / "out", journal, invoices="again.csv")
    assert res.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    assert "010140.1234" not in journal_text(journal)


def test_a_schema_1_journal_read_only_hands_out_no_cpr_number(example_case, tmp_path):
    """Read as it is (not migrated), a schema-1 journal gave the library its
    invoice numbers as 0.1 stored them, 010140/1234 in full, and decide's
    messages quoted it; the keys are still made from the number as stored,
    so the invoice sent again is still caught."""
    from invoicekit.identifiers import mask_cpr_text

    journal = v1_copy(tmp_path)
    _v1_with(journal, {(1, 1): "010140/1234"})
    with Journal(journal, readonly=True) as j:
        assert j.version == 1
        decisions, history = j.decisions(), j.history()
    for values in (decisions["invoice_id"], history.seen["invoice_id"], history.paid["invoice_id"]):
        assert "010140-xxxx" in set(values)
        assert all(mask_cpr_text(str(v)) == str(v) for v in values)
    _sent_again(example_case, "01-01-40/1234")
    dry = run_example(example_case, tmp_path / "dry", journal, dry_run=True, invoices="again.csv")
    assert dry.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    assert "010140/1234" not in " ".join(dry.decisions["message"])


def _as_098_stored(journal: Path, number: str, key: str | None = None, schema: int = 4) -> None:
    """Run 1's invoice number and key as invoicekit 0.9.3 to 0.9.8 stored them
    (schema 4): by default a number written with its birth date as a date
    (``01.01.90-1234``) in full, its key the number normalised, not hashed
    (``schema=5``: as 0.9.10 to 0.9.12 stored a number they did not read as
    a CPR number)."""
    from invoicekit.keys import normalise_number

    with sqlite3.connect(journal) as conn:
        (data,) = conn.execute("SELECT data FROM run_decisions WHERE run_id = 1").fetchone()
        t = pq.read_table(pa.BufferReader(data))
        for name, value in (("invoice_id", number), ("invoice_key", key or normalise_number(number))):
            k = t.schema.get_field_index(name)
            t = t.set_column(k, name, pa.array([value] * t.num_rows, t.schema.field(k).type))
        sink = pa.BufferOutputStream()
        pq.write_table(t, sink, compression="zstd")
        conn.execute("UPDATE run_decisions SET data = ? WHERE run_id = 1", (sink.getvalue().to_pybytes(),))
        old_schema(conn, schema)


def test_a_dated_number_a_schema_4_journal_kept_in_full_is_still_a_duplicate_and_is_hashed(example_case, tmp_path):
    # 0.9.9 hashes the key of 01.01.90-1234 (a CPR number written with its birth
    # date as a date); 0.9.8 kept it in full, so 0.9.9 compared its hash with
    # 01.01.901234 and posted the invoice sent again for another month (check 21
    # does not see it: another period). Schema 5 makes the key so, in memory
    # for a dry run and in the file for a recorded run
    journal = tmp_path / "journal.sqlite"
    _sent_again(example_case, "01.01.90-1234")
    first = run_example(example_case, tmp_path / "first", journal, invoices="again.csv")
    assert first.decisions["status"].tolist() == ["posted"]
    _as_098_stored(journal, "01.01.90-1234")
    assert "01.01.901234" in journal_text(journal)
    (example_case / "july.csv").write_text(
        (example_case / "again.csv").read_text(encoding="utf-8").replace("06.2019", "07.2019"), encoding="utf-8"
    )
    with Journal(journal, readonly=True) as j:  # read as it is: handed out masked
        assert j.version == 4
        assert j.decisions(1)["invoice_id"].tolist() == ["010190-xxxx"]
        assert _hashed(j.history().seen["invoice_key"])
    dry = run_example(example_case, tmp_path / "dry", journal, dry_run=True, invoices="july.csv")
    assert dry.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    res = run_example(example_case, tmp_path / "out", journal, invoices="july.csv")
    assert res.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    assert f"Journal upgraded: to schema {SCHEMA_VERSION};" in summary(res)
    meta = dict(table(journal, "SELECT key, value FROM meta").itertuples(index=False))
    assert meta["schema_version"] == str(SCHEMA_VERSION) and meta["migrated_from"] == "4"
    assert sorted(p.name for p in tmp_path.glob("journal.sqlite.*")) == [
        "journal.sqlite.key",
        "journal.sqlite.schema4-backup",
    ]
    text = journal_text(journal)
    assert "01.01.90" not in text and "901234" not in text


@pytest.mark.parametrize("number", ["200190,1234", "150190:1234", "250190+1234", "260190#1234", "210190'1234",
                                    "010190·1234"])  # fmt: skip
def test_a_number_joined_by_a_comma_colon_or_such_is_hashed_and_a_schema_5_journal_is_migrated(
    example_case, tmp_path, number
):
    """Up to 0.9.12 a birth date and sequence number joined by ``,`` ``:``
    ``+`` ``#`` ``'`` or a middle dot were neither masked nor hashed: the
    journal held the number in full, as the invoice's key and as its number.
    A new run hashes and masks it; a schema-5 journal that holds it in full
    is migrated (schema 6), and the invoice sent again is still its duplicate."""
    journal = tmp_path / "journal.sqlite"
    _sent_again(example_case, number)
    first = run_example(example_case, tmp_path / "first", journal, invoices="again.csv")
    assert first.decisions["status"].tolist() == ["posted"]
    birth = number[:6]
    # the sequence number nowhere beside the birth date (alone, "1234" may stand in a hash)
    assert not re.search(rf"{birth}\D{{0,3}}{number[7:]}", journal_text(journal))
    _as_098_stored(journal, number, schema=5)  # as 0.9.12 stored it
    assert number in journal_text(journal)
    (example_case / "july.csv").write_text(
        (example_case / "again.csv").read_text(encoding="utf-8").replace("06.2019", "07.2019"), encoding="utf-8"
    )
    with Journal(journal, readonly=True) as j:  # read as it is: handed out masked and keyed as now
        assert j.version == 5
        assert j.decisions(1)["invoice_id"].tolist() == [f"{birth}-xxxx"]
        assert _hashed(j.history().seen["invoice_key"])
    res = run_example(example_case, tmp_path / "out", journal, invoices="july.csv")
    assert res.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    meta = dict(table(journal, "SELECT key, value FROM meta").itertuples(index=False))
    assert meta["schema_version"] == str(SCHEMA_VERSION) and meta["migrated_from"] == "5"
    assert number not in journal_text(journal) and f"{birth}-xxxx" in journal_text(journal)
    # the file people read shows it masked too (OPUS's notes name the invoice as written, to find it)
    assert number not in (tmp_path / "out" / "decisions.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("number", ["14.10.80.1515", "14/10/80/1515"])
def test_a_dated_number_whose_sequence_follows_a_dot_is_hashed_and_a_schema_6_journal_is_migrated(
    example_case, tmp_path, number
):
    """Up to 0.9.15 a birth date written as a date with the sequence number after one more ``.``
    or ``/`` was neither masked nor hashed (a PII scan): the journal held it in full, as the key
    and the number. A new run hashes and masks it; a schema-6 journal that holds it in full is
    migrated (schema 7), and the invoice sent again for another month is still its duplicate."""
    journal = tmp_path / "journal.sqlite"
    _sent_again(example_case, number)
    first = run_example(example_case, tmp_path / "first", journal, invoices="again.csv")
    assert first.decisions["status"].tolist() == ["posted"]
    assert not re.search(r"14\D?10\D?80\D{0,3}1515", journal_text(journal))
    _as_098_stored(journal, number, schema=6)  # as 0.9.13 to 0.9.15 stored it
    assert number in journal_text(journal)
    (example_case / "july.csv").write_text(
        (example_case / "again.csv").read_text(encoding="utf-8").replace("06.2019", "07.2019"), encoding="utf-8"
    )
    with Journal(journal, readonly=True) as j:  # read as it is: handed out masked and keyed as now
        assert j.version == 6
        assert j.decisions(1)["invoice_id"].tolist() == ["141080-xxxx"]
        assert _hashed(j.history().seen["invoice_key"])
    dry = run_example(example_case, tmp_path / "dry", journal, dry_run=True, invoices="july.csv")
    assert dry.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    res = run_example(example_case, tmp_path / "out", journal, invoices="july.csv")
    assert res.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    meta = dict(table(journal, "SELECT key, value FROM meta").itertuples(index=False))
    assert meta["schema_version"] == str(SCHEMA_VERSION) and meta["migrated_from"] == "6"
    assert number not in journal_text(journal) and "141080-xxxx" in journal_text(journal)
    assert number not in (tmp_path / "out" / "decisions.csv").read_text(encoding="utf-8-sig")


def test_a_second_migration_keeps_the_record_of_the_first(example_case, tmp_path):
    """A journal migrated from schema 1 by 0.9.3 and again from schema 4 lost
    the first migration's record, and with it where that backup lies: the
    second wrote over migrated_from, migrated_at and migration_backup."""
    journal = tmp_path / "journal.sqlite"
    run_example(example_case, tmp_path / "first", journal)
    with sqlite3.connect(journal) as conn:  # as 0.9.3 to 0.9.8 left a journal they migrated from schema 1
        conn.execute("DELETE FROM meta WHERE key = 'migrations'")
        old_schema(conn, 4)
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         [("migrated_from", "1"), ("migrated_at", "2026-06-01T06:00:00+00:00"),
                          ("migration_backup", "journal.sqlite.schema1-backup")])  # fmt: skip
    conn.close()
    run_example(example_case, tmp_path / "second", journal)
    meta = dict(table(journal, "SELECT key, value FROM meta").itertuples(index=False))
    assert (meta["schema_version"], meta["migrated_from"]) == (str(SCHEMA_VERSION), "4")
    history = json.loads(meta["migrations"])
    assert [(m["from"], m["backup"]) for m in history] == [
        (1, "journal.sqlite.schema1-backup"), (4, "journal.sqlite.schema4-backup")
    ]  # fmt: skip
    assert history[0]["at"] == "2026-06-01T06:00:00+00:00" and history[1]["at"] == meta["migrated_at"]


@pytest.mark.parametrize("resent", ["'-0101901234", "-0101901234"], ids=["guarded", "as-is"])
def test_a_guarded_cpr_like_number_0_9_8_hashed_with_its_mark_is_still_a_duplicate(example_case, tmp_path, resent):
    # convert writes -0101901234 as '-0101901234; 0.9.8 keyed the cell with its mark,
    # and as it reads as a CPR number hashed it so (#hash of '0101901234), which
    # no key made without the mark matches: 0.9.9 posted it again for another month
    from invoicekit.keys import digest, normalise_number

    journal = tmp_path / "journal.sqlite"
    _sent_again(example_case, "-0101901234")
    assert run_example(example_case, tmp_path / "first", journal, invoices="again.csv").decisions[
        "status"
    ].tolist() == ["posted"]
    secret = key_path(journal).read_text(encoding="ascii").strip()
    _as_098_stored(journal, "'-010190-xxxx", key=digest(normalise_number("'-0101901234"), secret))
    (example_case / "july.csv").write_text(
        (example_case / "again.csv")
        .read_text(encoding="utf-8")
        .replace("06.2019", "07.2019")
        .replace("-0101901234;", f"{resent};"),
        encoding="utf-8",
    )
    dry = run_example(example_case, tmp_path / "dry", journal, dry_run=True, invoices="july.csv")
    assert dry.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    res = run_example(example_case, tmp_path / "out", journal, invoices="july.csv")
    assert res.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]


def _schema_4(case: Path, tmp_path: Path) -> Path:
    """A journal as 0.9.3 to 0.9.9 left it (schema 4), with one run of the example case."""
    journal = tmp_path / "journal.sqlite"
    run_example(case, tmp_path / "first", journal)
    with sqlite3.connect(journal) as conn:
        old_schema(conn, 4)
    return journal


def test_a_migration_that_cannot_take_the_lock_leaves_no_backup(example_case, tmp_path, monkeypatch):
    # another run holds the journal past the timeout: the migration never began, and
    # its copy (every number the old journal holds in full) is not left beside it
    from invoicekit import journal as jm

    journal = _schema_4(example_case, tmp_path)
    other = sqlite3.connect(journal, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    connect = sqlite3.connect
    monkeypatch.setattr(jm.sqlite3, "connect", lambda *a, **k: connect(*a, **{**k, "timeout": 0.1}))
    with pytest.raises(InputError, match="in use"):
        Journal(journal)
    assert list(tmp_path.glob("journal.sqlite.*")) == []
    other.execute("ROLLBACK")
    other.close()
    with Journal(journal) as j:
        assert j.version == SCHEMA_VERSION
    assert sorted(p.name for p in tmp_path.glob("journal.sqlite.*")) == [
        "journal.sqlite.key",
        "journal.sqlite.schema4-backup",
    ]


def test_two_migrations_at_once_never_share_a_backup(example_case, tmp_path):
    # each makes its own file; the one that finds the journal migrated removes its own only
    from invoicekit.journal import _backup_path

    journal = _schema_4(example_case, tmp_path)
    first, second = _backup_path(journal, 4), _backup_path(journal, 4)
    assert first != second and first.exists() and second.exists()
    assert first.name == "journal.sqlite.schema4-backup"


def test_the_runs_of_a_schema_4_journal_read_as_it_is_show_no_dated_cpr(example_case, tmp_path):
    journal = _schema_4(example_case, tmp_path)
    with sqlite3.connect(journal) as conn:  # as 0.9.8 masked them: the dated form let through
        conn.execute("UPDATE runs SET invoices_file = '/data/borger 01.01.90-1234/regninger.csv'")
    with Journal(journal, readonly=True) as j:
        assert j.runs()["invoices_file"].tolist() == ["/data/borger 010190-xxxx/regninger.csv"]
    with Journal(journal) as j:  # migrated: the same, stored
        assert j.runs()["invoices_file"].tolist() == ["/data/borger 010190-xxxx/regninger.csv"]
    assert "01.01.90" not in journal_text(journal)


@pytest.mark.parametrize(("header", "value"), [("DocumentType", "CreditNote"), ("InvoiceTypeCode", "381")])
def test_a_credit_note_under_another_common_type_header_is_not_posted(example_case, tmp_path, header, value):
    # the column was read by nothing and not even named: the credit note was posted as an invoice
    (example_case / "credit.csv").write_text(
        f"invoice_id;supplier_cvr;amount;cpr;period_start;period_end;{header}\n"
        f"SOL-K1001;29345716;28.500,00;6101901234;01.06.2019;30.06.2019;{value}\n",
        encoding="utf-8",
    )
    res = run_example(example_case, tmp_path / "out", None, dry_run=True, invoices="credit.csv")
    assert res.decisions["reason"].tolist() == ["CREDIT_NOTE"]


@pytest.mark.parametrize(
    ("first", "reason"),
    [("SOL-3001;29345716;28.500,00;6101901234;;", "MISSING_PERIOD"),
     ("SOL-3001;29345716;28.500,00;6101901234,0202902345;01.06.2019;30.06.2019", "MULTIPLE_CPR"),
     ("SOL-3001;29345716;28.500,00;;01.06.2019;30.06.2019", "MISSING_CPR"),
     ("SOL-3001;29345716;28.500,00 EUR;6101901234;01.06.2019;30.06.2019", "INVALID_AMOUNT")],
    ids=["no period", "two citizens", "no citizen", "not an amount"],
)  # fmt: skip
def test_an_invoice_sent_to_manual_at_checks_2_to_8_is_a_duplicate_when_sent_again(
    example_case, tmp_path, first, reason
):
    """Check 10 (departing from spec v2, which remembers only invoices that
    passed checks 1-9): the caseworker was told to post the first by hand
    ("Bogfør manuelt ..."), and when the supplier sent it again corrected
    under its number, the robot posted it: paid twice. Now every invoice with
    a number and a valid supplier CVR is seen, whatever its decision, but a
    credit note."""
    header = "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n"
    fixed = "sol 3001;29345716;28.500,00;6101901234;01.06.2019;30.06.2019\n"  # the same number, spelled otherwise
    (example_case / "first.csv").write_text(header + first + "\n", encoding="utf-8")
    (example_case / "fixed.csv").write_text(header + fixed, encoding="utf-8")
    journal = tmp_path / "journal.sqlite"
    was = run_example(example_case, tmp_path / "first", journal, invoices="first.csv")
    assert was.decisions["reason"].tolist() == [reason]
    again = run_example(example_case, tmp_path / "again", journal, invoices="fixed.csv")
    assert again.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    assert "i kørsel 1 den" in again.decisions["message"].iat[0] and "manuelt" in again.decisions["message"].iat[0]
    # and how run 1 decided it: sent to manual, so the caseworker looks for a payment by hand (a review of the texts)
    assert ", hvor robotten sendte den til manuel behandling. Kontrollér" in again.decisions["message"].iat[0]
    # and within one run: the corrected copy after the first
    (example_case / "both.csv").write_text(header + first + "\n" + fixed, encoding="utf-8")
    both = run_example(example_case, tmp_path / "both", None, dry_run=True, invoices="both.csv")
    assert both.decisions["reason"].tolist() == [reason, "DUPLICATE_INVOICE"]
    # a first copy without a valid supplier CVR leaves nothing to compare: the corrected one is posted
    (example_case / "cvr.csv").write_text(
        header + first.replace("29345716", "29345717") + "\n" + fixed, encoding="utf-8"
    )
    assert run_example(example_case, tmp_path / "cvr", None, dry_run=True, invoices="cvr.csv").decisions[
        "status"
    ].tolist() == ["manual", "posted"]


def test_a_credit_note_is_not_remembered_and_an_invalid_cvr_is_neither_in_a_run_nor_in_the_journal(
    example_case, tmp_path
):
    """A credit note asks for no payment: an invoice of its number after it is
    posted (as before 0.9.11). A CVR written so that it is no valid one
    (029345716, 29345716.0) leaves nothing to compare, in one run as across
    runs; two such spellings in the journal beside the valid CVR broke every
    later run (InvalidIndexError, exit 1): a review of 0.9.11's change."""
    header = "invoice_id;supplier_cvr;amount;cpr;period_start;period_end;document_type\n"
    credit = "SOL-6001;29345716;28.500,00;6101901234;01.06.2019;30.06.2019;kreditnota\n"
    invoice = "SOL-6001;29345716;28.500,00;6101901234;01.06.2019;30.06.2019;\n"
    (example_case / "both.csv").write_text(header + credit + invoice, encoding="utf-8")
    both = run_example(example_case, tmp_path / "both", None, dry_run=True, invoices="both.csv")
    assert both.decisions["reason"].tolist() == ["CREDIT_NOTE", ""]
    journal = tmp_path / "journal.sqlite"
    (example_case / "credit.csv").write_text(header + credit, encoding="utf-8")
    (example_case / "invoice.csv").write_text(header + invoice, encoding="utf-8")
    run_example(example_case, tmp_path / "c", journal, invoices="credit.csv")
    spelled = header + "".join(
        f"Y-1;{cvr};1,00;{cpr};01.07.2019;31.07.2019;\n"
        for cvr, cpr in (("29345716.0", ""), ("029345716", ""), ("29345716", "6101901234,0202902345"))
    )
    (example_case / "spelled.csv").write_text(spelled, encoding="utf-8")
    first = run_example(example_case, tmp_path / "s", journal, invoices="spelled.csv")
    assert first.decisions["reason"].tolist() == ["MISSING_CPR", "MISSING_CPR", "MULTIPLE_CPR"]
    assert run_example(example_case, tmp_path / "i", journal, invoices="invoice.csv").decisions["status"].tolist() == [
        "posted"
    ]
    # CVRs that are no valid ones are not remembered: the journal holding them beside the valid one still works
    later = run_example(example_case, tmp_path / "later", journal)  # the example's own invoices
    assert len(later.decisions) == 22
    fixed = (
        header
        + "Y-2;029345716;1,00;;01.07.2019;31.07.2019;\nY-2;29345716;28.500,00;6101901234;01.07.2019;31.07.2019;\n"
    )
    (example_case / "fixed.csv").write_text(fixed, encoding="utf-8")
    in_run = run_example(example_case, tmp_path / "f", None, dry_run=True, invoices="fixed.csv")
    assert in_run.decisions["status"].tolist() == ["manual", "posted"]
    (example_case / "one.csv").write_text(header + fixed.splitlines()[1] + "\n", encoding="utf-8")
    (example_case / "two.csv").write_text(header + fixed.splitlines()[2] + "\n", encoding="utf-8")
    run_example(example_case, tmp_path / "one", journal, invoices="one.csv")
    assert run_example(example_case, tmp_path / "two", journal, invoices="two.csv").decisions["status"].tolist() == [
        "posted"
    ]


def _every_command_stops(case: Path, journal: Path, tmp_path: Path, capsys, *says: str) -> None:
    """A recorded run, a dry run and a report on ``journal`` each stop (exit
    2) in one line that says each of ``says``, and no run posts."""
    for argv in (
        _run_argv(case, journal, tmp_path / "again"),
        _run_argv(case, journal, tmp_path / "dry", "--dry-run"),
        ["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "r")],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and all(said in err[0] for said in says), err
    assert not (tmp_path / "again" / "opus_postings.csv").exists()
    assert not (tmp_path / "dry" / "opus_postings.csv").exists()


def _run_argv(case: Path, journal: Path, out: Path, *more: str) -> list[str]:
    return ["run", "--grants", str(case / "bevillinger.csv"), "--invoices", str(case / "regninger.csv"),
            "--support-sheet", str(case / "stoetteark.xlsx"), "--journal", str(journal), "--out", str(out), *more]  # fmt: skip


@pytest.mark.parametrize("how", ["deleted", "blank", "deleted at schema 4"])
def test_a_journal_that_lost_its_secret_is_refused_not_keyed_anew(example_case, tmp_path, capsys, how):
    """The journal's secret gone from meta: the run hashed with a new one, so
    no stored citizen key matched and check 21 posted an invoice for a period
    paid before under a grant registered again (an attack on 0.9.11). Every
    command now stops (exit 2) and posts nothing. (Before schema 9; from 9
    the secret is in the key file: see the test after this one.)"""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with sqlite3.connect(journal) as conn:
        old_schema(conn, 4 if how.endswith("schema 4") else 8)  # a run migrates it first: the
        # migration rekeyed with a new secret
        if how.startswith("deleted"):
            conn.execute("DELETE FROM meta WHERE key = 'secret'")
        else:
            conn.execute("UPDATE meta SET value = '' WHERE key = 'secret'")
    _every_command_stops(example_case, journal, tmp_path, capsys, str(journal), "has lost its secret")
    assert count_runs(journal) == 1
    with pytest.raises(InputError, match="has lost its secret"):
        Journal(journal, readonly=True)
    with sqlite3.connect(journal) as conn:  # nothing migrated, no backup left beside it
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert version == ("4" if how.endswith("schema 4") else "8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("j.sqlite")] == ["j.sqlite"]


def _runs_stop_and_reports_read(case: Path, journal: Path, tmp_path: Path, capsys, *says: str) -> None:
    """A recorded run and a dry run on ``journal`` each stop (exit 2) in one
    line that says each of ``says``, and neither posts; a report, which
    needs no key, reads the journal."""
    for argv in (_run_argv(case, journal, tmp_path / "again"), _run_argv(case, journal, tmp_path / "dry", "--dry-run")):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and all(said in err[0] for said in says), err
    assert not (tmp_path / "again" / "opus_postings.csv").exists()
    assert not (tmp_path / "dry" / "opus_postings.csv").exists()
    assert main(["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "r")]) == 0


@pytest.mark.parametrize("how", ["deleted", "blank", "edited", "a folder"])
def test_a_journal_whose_key_file_is_lost_or_damaged_stops_every_run(example_case, tmp_path, capsys, how):
    """From schema 9 the secret is in the key file beside the journal: gone
    or damaged, a run would hash with another secret and see nothing it paid
    before. Every run stops (exit 2) naming the key file; a report, which
    reads what was decided and needs no key, still reads the journal."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    key = key_path(journal)
    if how == "deleted":
        key.unlink()
    elif how == "a folder":
        key.unlink()
        key.mkdir()
    else:
        key.write_text("" if how == "blank" else "zz\n", encoding="ascii")
    said = "j.sqlite.key is missing" if how == "deleted" else "j.sqlite.key"
    _runs_stop_and_reports_read(example_case, journal, tmp_path, capsys, said)
    assert count_runs(journal) == 1


def test_stored_decisions_whose_text_is_no_text_stop_the_run_in_one_line(example_case, tmp_path, capsys):
    """A damaged page can leave a blob that reads as Parquet but whose text
    is no UTF-8: the run ended in 'unexpected ArrowException' (exit 1) and
    showed the damaged bytes (an attack on 0.9.11)."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with sqlite3.connect(journal) as conn:
        (data,) = conn.execute("SELECT data FROM run_decisions").fetchone()
        t = pq.read_table(pa.BufferReader(data))
        k = t.schema.get_field_index("invoice_id")
        bad = pa.array([b"INV\xff\xfe"] * t.num_rows, pa.binary()).view(pa.string())
        sink = pa.BufferOutputStream()
        pq.write_table(t.set_column(k, "invoice_id", bad), sink)
        conn.execute("UPDATE run_decisions SET data = ?", (sink.getvalue().to_pybytes(),))
    assert main(_run_argv(example_case, journal, tmp_path / "again")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(journal) in err[0] and "damaged" in err[0] and "\ufffd" not in err[0], err
    assert not (tmp_path / "again" / "opus_postings.csv").exists()


def test_a_delivered_runs_folder_that_names_a_cpr_number_is_masked_by_the_migration_and_readers(example_case, tmp_path):
    """Found by an attack on 0.9.13: 0.9.12 accepted an output folder named
    with a number it did not read as a CPR number (``rapport 200190,1234``),
    and the journal kept the path in full; the migration masked the input
    paths and rules, not the folders. A delivered run's folder is masked (no
    delivery looks for it again); so is one once its run is delivered."""
    journal = tmp_path / "journal.sqlite"
    run_example(example_case, tmp_path / "first", journal)
    folder = str(tmp_path / "rapport 200190,1234" / "marts")
    with sqlite3.connect(journal) as conn:  # as 0.9.12 left it
        conn.execute("UPDATE runs SET out_dir = ?, staging_dir = ? WHERE run_id = 1", (folder, folder + "-staging"))
        old_schema(conn, 5)
    with Journal(journal, readonly=True) as j:
        assert j.version == 5 and "200190-xxxx" in j.runs()["out_dir"].iat[0]
    run_example(example_case, tmp_path / "second", journal)  # migrates it
    shown = table(journal, "SELECT out_dir, staging_dir FROM runs WHERE run_id = 1").iloc[0].tolist()
    assert all("200190-xxxx" in p and "200190,1234" not in p for p in shown)
    assert str(tmp_path / "second") in table(journal, "SELECT out_dir FROM runs WHERE run_id = 2")["out_dir"].tolist()
    # a run delivered later (its folder was needed until then) is masked when it is
    with sqlite3.connect(journal) as conn:
        conn.execute("UPDATE runs SET out_dir = ?, delivered_at = NULL WHERE run_id = 2", (folder,))
    with Journal(journal) as j:
        j.mark_delivered(2)
    assert "200190,1234" not in table(journal, "SELECT out_dir FROM runs WHERE run_id = 2")["out_dir"].iat[0]


def test_a_schema_1_journal_whose_run_lost_its_decisions_is_refused_read_or_migrated(example_case, tmp_path):
    """A run listed with its invoices and none of its decisions (a copy taken
    while 0.1 recorded it): read as none, its invoices posted again. Refused
    read as it is (a dry run, a report) and when it is to be migrated (found
    by an attack on upgrades: only the migrated schema was checked)."""
    journal = v1_copy(tmp_path)
    with sqlite3.connect(journal) as conn:
        conn.execute("DELETE FROM decisions WHERE run_id = 1")
    with Journal(journal, readonly=True) as j, pytest.raises(InputError, match=r"run 1.*none is stored"):
        j.history()
    with pytest.raises(InputError, match="none is stored"):
        run_example(example_case, tmp_path / "dry", journal, dry_run=True)
    with pytest.raises(InputError, match="none is stored"):
        run_example(example_case, tmp_path / "out", journal)
    assert len(table(journal, "SELECT run_id FROM runs")) == 2  # nothing recorded; the old file kept as the backup
    assert (tmp_path / "journal.sqlite.schema1-backup").exists()


def test_the_follow_up_counts_a_resend_of_a_masked_number_once_in_a_schema_1_journal(tmp_path):
    """Found by a review of 0.9.15's first version: a journal that keeps no
    invoice keys (schema 1, read as it is) shows a resend of a CPR-like
    number only masked (``050419-xxxx`` twice), and the follow-up counted it
    as a second invoice. Check 10 called it a duplicate: it counts once."""
    from invoicekit.followup import load_decisions

    journal = v1_copy(tmp_path)
    d = table(journal, "SELECT run_id, row, invoice_id, reason FROM decisions WHERE invoice_id LIKE '%xxxx'")
    assert d.values.tolist() == [[2, 2, "050419-xxxx", ""], [2, 3, "050419-xxxx", "DUPLICATE_INVOICE"]]
    counted = load_decisions(journal)
    assert len(counted) == 23
    assert counted.loc[counted["run_id"] == 2, "row"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("0004711", 4711),
        ("0000004711", 4711),
        ("4711", "0004711"),
        ("0101901234", 101901234),
        ("047 11", 4711),
        ("012345678901", 12345678901),
        ("000004711000", 4711000),
        ("12345678901", "0012345678901"),
        ("000000000004711", 4711),
        ("0000000000004711", 4711),
        ("0000004711", "4711"),
        ("00000000000000123456", 123456),
    ],
    ids=[
        "zeros dropped",
        "ten digits, hashed",
        "zeros added",
        "a CPR-like number",
        "spaced",
        "eleven digits",
        "twelve digits",
        "zeros added to eleven",
        "fifteen digits",
        "sixteen digits",
        "text without the zeros",
        "twenty digits",
    ],
)
def test_an_invoice_number_whose_leading_zeros_a_workbook_dropped_is_a_duplicate(tmp_path, first, again):
    """An attack on 0.9.21: 0004711 went to manual (its amount did not fit)
    and was paid by hand; resent from a workbook, whose number cell keeps no
    leading zeros, as 4711, check 10 did not know it and the robot paid it
    again. A number of digits alone is compared by its value, in the run and
    against the journal, whether the journal keeps it as the number or, ten
    digits and more, hashed; the journal still keeps no CPR number."""
    from openpyxl import Workbook

    from tests.conftest import EXAMPLE

    inputs = ["--grants", str(EXAMPLE / "bevillinger.csv"), "--support-sheet", str(EXAMPLE / "stoetteark.xlsx")]
    header = ["Fakturanummer", "CVR", "Beløb", "CPR", "Periode fra", "Periode til"]
    pd.DataFrame([[first, "29345716", "28.000,00", "610190-1234", "01.03.2019", "31.03.2019"]], columns=header).to_csv(
        tmp_path / "marts.csv", sep=";", index=False
    )
    journal = tmp_path / "j.sqlite"
    assert main(["run", *inputs, "--invoices", str(tmp_path / "marts.csv"), "--new-journal", str(journal),
                 "--out", str(tmp_path / "o1"), "--quiet"]) == 0  # fmt: skip
    first_decision = pd.read_csv(tmp_path / "o1" / "decisions.csv", dtype=str, keep_default_na=False)
    assert first_decision["reason"].tolist() == ["AMOUNT_MISMATCH"]
    wb = Workbook()
    wb.active.append(header)
    wb.active.append([again, 29345716, 28500, "610190-1234", "01.03.2019", "31.03.2019"])
    wb.active.append(["F-2", 29345716, 28500, "610190-1234", "01.04.2019", "30.04.2019"])
    wb.save(tmp_path / "april.xlsx")
    assert main(["run", *inputs, "--invoices", str(tmp_path / "april.xlsx"), "--journal", str(journal),
                 "--out", str(tmp_path / "o2"), "--quiet"]) == 0  # fmt: skip
    d = pd.read_csv(tmp_path / "o2" / "decisions.csv", dtype=str, keep_default_na=False)
    assert d["reason"].tolist() == ["DUPLICATE_INVOICE", ""]
    assert "kørsel 1" in d["message"].iat[0]
    assert "0101901234" not in journal_text(journal)
    # within one run alike: the second of 0004711 and 4711 is the duplicate
    wb.active.append([first, 29345716, 28500, "610190-1234", "01.05.2019", "31.05.2019"])
    wb.save(tmp_path / "maj.xlsx")
    assert main(["run", *inputs, "--invoices", str(tmp_path / "maj.xlsx"), "--dry-run", "--out", str(tmp_path / "o3"),
                 "--quiet"]) == 0  # fmt: skip
    d = pd.read_csv(tmp_path / "o3" / "decisions.csv", dtype=str, keep_default_na=False)
    assert d["reason"].tolist() == ["", "", "DUPLICATE_INVOICE"]


@pytest.mark.parametrize(
    ("first", "again", "found"),
    [
        ("0004711", 4711, True),
        ("4711", "0004711", True),
        ("0000004711", 4711, True),
        ("012345678901", 12345678901, True),
        ("0000004711", "4711", False),
    ],
    ids=["zeros dropped", "zeros added", "hashed, a number cell", "eleven digits, a number cell", "hashed, text"],
)
def test_a_run_recorded_before_the_journal_kept_values_is_still_looked_for_by_value(first, again, found):
    """A journal recorded by 0.9.21 kept no key of a number's value: its
    numbers are looked for as that version could (its numbers kept as
    written compared by value, a workbook's number cell padded to ten to
    fifteen digits); a hashed number written without its zeros as text is
    the one case not found (README)."""
    from invoicekit import History, decide, prepare_grants, prepare_invoices, prepare_support_sheet
    from invoicekit.keys import new_secret, normalise_numbers, stored_keys
    from tests.conftest import grants_table, invoice, support_tables

    secret = new_secret()
    seen = pd.DataFrame({"supplier_cvr": ["29345716"], "invoice_id": [first], "run_id": [1],
                         "started_at": ["2019-04-01T10:00:00"], "status": ["manual"]})  # fmt: skip
    seen["invoice_key"] = stored_keys(normalise_numbers(seen["invoice_id"].to_numpy(dtype=object)), secret)
    history = History.from_tables(seen=seen, secret=secret)
    assert history.seen["invoice_value_key"].tolist() == [""]  # as 0.9.21 recorded it
    rows = pd.DataFrame([invoice(invoice_id="x")]).astype(object)
    rows.loc[0, "invoice_id"] = again
    d = decide(prepare_invoices(rows), prepare_grants(grants_table()), prepare_support_sheet(support_tables()),
               history=history).decisions  # fmt: skip
    assert (d["reason"].iat[0] == "DUPLICATE_INVOICE") is found


def test_a_journal_begun_before_value_keys_finds_a_number_by_the_key_a_later_run_kept():
    """A third review: 0000004711 recorded by 0.9.21 (no value key), seen
    again by 0.9.22 (which kept its value key), then 4711 from a CSV that
    Excel saved again was posted: check 10 kept the first row of the number,
    0.9.21's, which hid the later one's key."""
    from invoicekit import History, decide, prepare_grants, prepare_invoices, prepare_support_sheet
    from invoicekit.keys import new_secret, normalise_numbers, stored_keys, value_key_texts
    from tests.conftest import grants_table, invoice, support_tables

    secret = new_secret()
    normalised = normalise_numbers(np.array(["0000004711", "0000004711"], dtype=object))
    seen = pd.DataFrame({"supplier_cvr": ["29345716"] * 2, "invoice_id": ["0000004711"] * 2, "run_id": [1, 2],
                         "started_at": ["2019-04-01T10:00:00", "2019-05-01T10:00:00"], "status": ["manual"] * 2,
                         "invoice_key": stored_keys(normalised, secret),
                         "invoice_value_key": ["", value_key_texts(normalised[:1], secret)[0].as_py()]})  # fmt: skip
    history = History.from_tables(seen=seen, secret=secret)
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="4711")])), prepare_grants(grants_table()),
               prepare_support_sheet(support_tables()), history=history).decisions  # fmt: skip
    assert d["reason"].tolist() == ["DUPLICATE_INVOICE"]
    assert "kørsel 1" in d["message"].iat[0]  # the first run that saw it is named


@pytest.mark.parametrize("files_too", [False, True])
def test_a_run_whose_row_was_deleted_from_runs_is_refused_not_forgotten(example_case, tmp_path, capsys, files_too):
    """An attack on 0.9.22: a run's row deleted from the table runs (the
    table the README lists with sqlite3) left its decisions stored but unread,
    as they are read through runs, and a rerun of its extract posted again
    everything it posted. Every command now stops (exit 2) and posts nothing."""
    journal = tmp_path / "j.sqlite"
    first = run_example(example_case, tmp_path / "out", journal)
    assert len(first.result.postings) == 5
    with sqlite3.connect(journal) as conn:
        conn.execute("DELETE FROM runs WHERE run_id = 1")
        if files_too:
            conn.execute("DELETE FROM run_files WHERE run_id = 1")
    _every_command_stops(example_case, journal, tmp_path, capsys, "run 1", "no row in the table runs")


def test_a_schema_7_journal_is_numbered_8_by_a_recorded_run_after_a_backup_and_no_decision_changed(
    example_case, tmp_path, monkeypatch
):
    """An attack on 0.9.22: it stored each number's value key (check 10 by
    value) in a schema-7 journal, which 0.9.16 to 0.9.21 read: 0.9.21 opened
    it, did not see the key, and posted again an invoice 0.9.22 had seen with
    other leading zeros. Schema 8 changes nothing stored, only the number, so
    versions reading 7 refuse it. A dry run and a report read a schema-7
    journal as it is; the first recorded run numbers it 8, after a backup
    beside it as every migration (the spec), and keeps the migration."""
    from invoicekit import journal as journal_module

    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with sqlite3.connect(journal) as conn:
        old_schema(conn, 7)
    before = Journal(journal, readonly=True).decisions()
    dry = run_example(example_case, tmp_path / "dry", journal, dry_run=True)
    assert (dry.decisions["status"] == "posted").sum() == 0
    assert (dry.decisions["reason"] == "DUPLICATE_INVOICE").sum() == 15
    assert table(journal, "SELECT value FROM meta WHERE key = 'schema_version'")["value"].tolist() == ["7"]
    again = run_example(example_case, tmp_path / "again", journal)
    assert again.journal_backup == tmp_path / "j.sqlite.schema7-backup" and len(again.result.postings) == 0
    assert table(again.journal_backup, "SELECT value FROM meta WHERE key = 'schema_version'")["value"].tolist() == ["7"]
    meta = dict(table(journal, "SELECT key, value FROM meta").itertuples(index=False))
    assert (meta["schema_version"], meta["migrated_from"]) == (str(SCHEMA_VERSION), "7")
    assert json.loads(meta["migrations"])[-1] == {
        "from": 7, "to": SCHEMA_VERSION, "at": meta["migrated_at"], "backup": "j.sqlite.schema7-backup"
    }  # fmt: skip
    with Journal(journal, readonly=True) as j:
        after = j.decisions()
    pd.testing.assert_frame_equal(after[after["run_id"] == 1], before)
    # a version that reads schema 7 and older (as 0.9.16 to 0.9.22 do) refuses it now
    monkeypatch.setattr(journal_module, "SCHEMA_VERSION", 7)
    with pytest.raises(InputError, match=rf"newer invoicekit \(journal schema {SCHEMA_VERSION}\)"):
        Journal(journal, readonly=True)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("debetnota;28.500,00", "DUPLICATE_INVOICE"),  # another type, above 0: seen, as the spec's checks 1-9 pass it
        ("Regning;28.500,00", "DUPLICATE_INVOICE"),
        ("kreditnota;28.500,00", ""),  # a credit note: forgotten, the invoice of that number may still post
        ("Kreditnote;28.500,00", ""),  # as Danish systems write it too (a review: else remembered as another type)
        ("faktura;-28.500,00", ""),  # an amount below 0: a credit note too
    ],
)
@pytest.mark.parametrize("where", ["run", "journal"])
def test_a_document_of_another_type_is_remembered_by_check_10_and_a_credit_note_forgotten(tmp_path, first, then, where):
    """An attack on 0.9.22: a document of a type neither invoice nor credit
    note (``debetnota``) went to manual as CREDIT_NOTE, which check 10 never
    remembers, so the same number resent as a faktura was posted, in the same
    run or the next, while the first may have been paid by hand. The spec's
    check 9 holds only an amount of 0 or less or a credit note; a document of
    another type passes it, and check 10 sees it."""
    from invoicekit.cli import main
    from tests.conftest import EXAMPLE

    head = "Fakturanummer;CVR;Dokumenttype;Beløb;CPR;Periode fra;Periode til\n"
    rows = [f"SOL-1001;29345716;{first};610190-1234;01.03.2019;31.03.2019\n",
            "SOL-1001;29345716;faktura;28.500,00;610190-1234;01.03.2019;31.03.2019\n"]  # fmt: skip
    files = [tmp_path / "a.csv", tmp_path / "b.csv"]
    if where == "run":
        files = files[:1]
        files[0].write_text(head + "".join(rows), encoding="utf-8")
    else:
        for path, row in zip(files, rows, strict=True):
            path.write_text(head + row, encoding="utf-8")
    journal = tmp_path / "j.sqlite"
    for k, path in enumerate(files):
        argv = ["run", "--invoices", str(path), "--grants", str(EXAMPLE / "bevillinger.csv"),
                "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--journal" if k else "--new-journal",
                str(journal), "--out", str(tmp_path / f"o{k}"), "--quiet"]  # fmt: skip
        assert main(argv) == 0
    d = pd.read_csv(tmp_path / f"o{len(files) - 1}" / "decisions.csv", dtype=str, keep_default_na=False)
    assert d["reason"].iloc[-1] == then
    if where == "run":
        assert d["reason"].iloc[0] == "CREDIT_NOTE"


@pytest.mark.parametrize("secret", ["zz", "abcd", "A" * 64, "0" * 63])
def test_a_secret_edited_by_hand_is_refused_in_one_line(example_case, tmp_path, capsys, secret):
    """An attack on 0.9.22: a secret set to 'zz' ended in "unexpected
    ValueError ... please report it" (exit 1), and 'abcd' was taken: every
    key made with it matched nothing stored. A secret that is not the 64 hex
    digits invoicekit writes stops every command (exit 2); in a key file
    (schema 9), every run."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    key = key_path(journal)
    original = key.read_bytes()
    key.write_text(secret + "\n", encoding="ascii")
    _runs_stop_and_reports_read(example_case, journal, tmp_path, capsys, "is not a key invoicekit writes")
    key.write_bytes(original)
    with sqlite3.connect(journal) as conn:
        old_schema(conn, 8)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'secret'", (secret,))
    _every_command_stops(example_case, journal, tmp_path, capsys, "secret that is not the 64 hexadecimal digits")
    assert count_runs(journal) == 1


def test_a_transaction_a_stopped_run_left_is_named_to_a_reader_not_called_unwritable(example_case, tmp_path, capsys):
    """An attack on 0.9.22: a run killed inside a large transaction leaves a
    live rollback file (j.sqlite-journal) that only a writer may roll back; a
    dry run or a report, which open the journal read-only, said it "cannot be
    written", as if its permissions were wrong. They now name the unfinished
    transaction and what rolls it back; a recorded run does, and posts as
    before."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    script = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA cache_size = 5')\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute('CREATE TABLE filler (x BLOB)')\n"
        "for _ in range(400):\n"
        "    c.execute('INSERT INTO filler VALUES (randomblob(8000))')\n"
        "os._exit(9)\n"  # stopped inside the transaction: the rollback file stays, live
    )
    assert subprocess.run([sys.executable, "-c", script, str(journal)], check=False).returncode == 9
    assert Path(f"{journal}-journal").exists()
    for argv in (
        _run_argv(example_case, journal, tmp_path / "dry", "--dry-run"),
        ["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "r")],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "transaction a stopped run left unfinished" in err[0], err
        assert "cannot be written" not in err[0]
    assert main(_run_argv(example_case, journal, tmp_path / "again")) == 0  # rolled back, then run
    with sqlite3.connect(journal) as conn:
        assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'filler'").fetchall()
    assert count_runs(journal) == 2


@pytest.mark.parametrize(
    ("lines", "then"),
    [
        (("50,00", "-150,00"), "DUPLICATE_INVOICE"),  # a line of another type above 0: seen, in the run and after
        (("-50,00", "-50,00"), ""),  # every line below 0: a credit note's, forgotten
    ],
)
@pytest.mark.parametrize("where", ["run", "journal"])
def test_a_collective_document_of_another_type_is_remembered_alike_in_the_run_and_in_the_journal(
    tmp_path, lines, then, where
):
    """A review of the mend above: a collective ``debetnota`` of -100 with
    lines of +50 and -150 was remembered in the run (its +50 line is no
    credit note) and forgotten by the journal (which judged it on the
    invoice's amount), so the same number, resent as a faktura, was posted
    the next month. Both now judge each line."""
    from invoicekit.cli import main
    from tests.conftest import EXAMPLE

    total = f"{sum(float(a.replace(',', '.')) for a in lines):.2f}".replace(".", ",")
    head = "Fakturanummer;CVR;Dokumenttype;Beløb;CPR;Periode fra;Periode til\n"
    first = f"SOL-1001;29345716;debetnota;{total};;01.03.2019;31.03.2019\n"
    second = "SOL-1001;29345716;faktura;28.500,00;610190-1234;01.03.2019;31.03.2019\n"
    line_head = "Fakturanummer;CVR;Linje;CPR;Beløb\n"
    line_rows = "".join(f"SOL-1001;29345716;{k};{cpr};{a}\n" for k, (cpr, a) in
                        enumerate(zip(("610190-1234", "020285-1234"), lines, strict=True), start=1))  # fmt: skip
    (tmp_path / "lines.csv").write_text(line_head + line_rows, encoding="utf-8")
    files = [tmp_path / "a.csv", tmp_path / "b.csv"]
    if where == "run":
        files = files[:1]
        files[0].write_text(head + first + second, encoding="utf-8")
    else:
        files[0].write_text(head + first, encoding="utf-8")
        files[1].write_text(head + second, encoding="utf-8")
    journal = tmp_path / "j.sqlite"
    for k, path in enumerate(files):
        argv = ["run", "--invoices", str(path), "--grants", str(EXAMPLE / "bevillinger.csv"),
                "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--journal" if k else "--new-journal",
                str(journal), "--out", str(tmp_path / f"o{k}"), "--quiet"]  # fmt: skip
        if k == 0:
            argv += ["--invoice-lines", str(tmp_path / "lines.csv")]
        assert main(argv) == 0
    first_lines = pd.read_csv(tmp_path / "o0" / "decision_lines.csv", dtype=str, keep_default_na=False)
    assert first_lines["reason"].tolist() == ["CREDIT_NOTE", "CREDIT_NOTE"]  # decided line by line
    d = pd.read_csv(tmp_path / f"o{len(files) - 1}" / "decisions.csv", dtype=str, keep_default_na=False)
    assert d["reason"].iloc[-1] == then


@pytest.mark.parametrize("number", ["121281 40 11", "121281-40-11"])
def test_a_schema_7_journal_holding_a_sequence_in_two_pairs_is_masked_when_migrated(example_case, tmp_path, number):
    """A review of 0.9.23's first version: 0.9.22 masked a CPR number whose
    sequence is written in two pairs (``121281 40 11``), but journals of
    0.9.16 to 0.9.21 (schema 7) hold it in full, and the migration to 8 only
    renumbered them: the number stayed in the journal file and its readers.
    Read as it is it is handed out masked; migrated it is masked in the file,
    and the invoice sent again is still its duplicate."""
    journal = tmp_path / "journal.sqlite"
    _sent_again(example_case, number)
    first = run_example(example_case, tmp_path / "first", journal, invoices="again.csv")
    assert first.decisions["status"].tolist() == ["posted"]
    _as_098_stored(journal, number, schema=7)  # as 0.9.16 to 0.9.21 stored it
    assert number in journal_text(journal)
    with Journal(journal, readonly=True) as j:  # read as it is: handed out masked as now
        assert j.version == 7 and j.decisions(1)["invoice_id"].tolist() == ["121281-xxxx"]
    res = run_example(example_case, tmp_path / "out", journal, invoices="again.csv")
    assert res.decisions["reason"].tolist() == ["DUPLICATE_INVOICE"]
    meta = dict(table(journal, "SELECT key, value FROM meta").itertuples(index=False))
    assert (meta["schema_version"], meta["migrated_from"]) == (str(SCHEMA_VERSION), "7")
    assert number not in journal_text(journal) and "121281-xxxx" in journal_text(journal)


# ---------------------------------------------------------------- the key file (schema 9)


def _citizens_found(journal: Path, secret: str) -> set[str]:
    """The attack on 0.9.23: each stored citizen key tried against the birth
    date stored beside it and every sequence number, hashed as the robot
    hashes (:func:`invoicekit.keys.citizen_keys`) with ``secret``."""
    from invoicekit.keys import citizen_keys

    with Journal(journal, readonly=True) as j:
        d = j.decisions()
    d = d[(d["citizen_key"] != "") & (d["status"] == "posted")].drop_duplicates("citizen_key")
    found = set()
    for birth, cvr, service, key in d[["cpr_masked", "supplier_cvr", "service_code", "citizen_key"]].itertuples(
        index=False
    ):
        tries = np.array([f"{birth[:6]}{k:04d}" for k in range(10_000)], dtype=object)
        n = len(tries)
        keys = citizen_keys(tries, np.full(n, cvr, dtype=object), np.full(n, service, dtype=object), secret)
        found |= {str(t) for t, k in zip(tries, keys, strict=True) if k == key}
    return found


def test_the_journal_alone_holds_no_secret_and_reveals_no_cpr_number(example_case, tmp_path):
    """An attack on 0.9.23: the secret the keys are hashed with sat in the
    journal, beside each citizen's birth date (``cpr_masked``), so trying
    10,000 sequence numbers gave every full CPR number in under a second.
    The secret is now in the key file beside the journal, readable by its
    owner only: the journal alone, as an analyst or a report is handed it,
    holds no secret to try with."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    key = key_path(journal)
    secret = key.read_text(encoding="ascii").strip()
    assert re.fullmatch("[0-9a-f]{64}", secret) and key.stat().st_mode & 0o777 == 0o600
    meta = dict(table(journal, "SELECT key, value FROM meta").itertuples(index=False))
    assert "secret" not in meta and secret.encode() not in journal.read_bytes()
    # with the key file's secret the attack works (the keys are keyed with it); with any 64 hex digits
    # the journal holds, it finds nothing
    assert "6101901234" in _citizens_found(journal, secret)
    candidates = set(re.findall(rb"[0-9a-f]{64}", journal.read_bytes()))
    assert all(not _citizens_found(journal, c.decode()) for c in candidates)


def test_a_schema_8_journal_gives_its_secret_to_a_key_file_when_migrated(example_case, tmp_path):
    """Migrated (by the first recorded run, after a backup), the secret is
    moved to the key file and its row cleared from the journal's pages; what
    the journal paid before is still seen (the same secret)."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with sqlite3.connect(journal) as conn:
        old_schema(conn, 8)
    secret = table(journal, "SELECT value FROM meta WHERE key = 'secret'")["value"].iat[0]
    assert not key_path(journal).exists()
    # read as it is (a report, a dry run): with the secret it holds, no key file made
    dry = run_example(example_case, tmp_path / "dry", journal, dry_run=True)
    assert (dry.decisions["reason"] == "DUPLICATE_INVOICE").sum() == 15 and not key_path(journal).exists()
    again = run_example(example_case, tmp_path / "again", journal)
    assert len(again.result.postings) == 0 and again.journal_backup is not None
    assert key_path(journal).read_text(encoding="ascii").strip() == secret
    assert "secret" not in dict(table(journal, "SELECT key, value FROM meta").itertuples(index=False))
    assert secret.encode() not in journal.read_bytes()
    assert secret.encode() in again.journal_backup.read_bytes()  # the backup is the journal as it was


def test_a_migration_never_writes_over_another_key_file(example_case, tmp_path, capsys):
    """A key file beside a schema-8 journal holding another secret (another
    journal's, moved here) is never replaced: the run stops and the journal
    stays as it was."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with sqlite3.connect(journal) as conn:
        old_schema(conn, 8)
    key_path(journal).write_text("ab" * 32 + "\n", encoding="ascii")
    assert main(_run_argv(example_case, journal, tmp_path / "again")) == 2
    assert "exists and is not this journal's key file" in capsys.readouterr().err
    assert key_path(journal).read_text(encoding="ascii") == "ab" * 32 + "\n"
    assert table(journal, "SELECT value FROM meta WHERE key = 'schema_version'")["value"].tolist() == ["8"]
    assert not (tmp_path / "again" / "opus_postings.csv").exists()


def test_a_new_journal_is_refused_beside_a_key_file_without_its_journal(example_case, tmp_path, capsys):
    """A key file whose journal is not there may be the key of a journal
    moved elsewhere: --new-journal never writes over it (nor starts the
    journal, nor the output folder)."""
    journal = tmp_path / "j.sqlite"
    key_path(journal).write_text("ab" * 32 + "\n", encoding="ascii")
    argv = _run_argv(example_case, journal, tmp_path / "out")
    argv[argv.index("--journal")] = "--new-journal"
    assert main(argv) == 2
    assert "exists without its journal" in capsys.readouterr().err
    assert not journal.exists() and not (tmp_path / "out").exists()
    assert key_path(journal).read_text(encoding="ascii") == "ab" * 32 + "\n"


def test_a_journal_that_cannot_be_started_leaves_no_key_file(example_case, tmp_path, monkeypatch):
    """A new journal whose commit fails (a full disk) leaves no key of
    nothing beside it, which would refuse the next --new-journal."""
    from invoicekit import journal as jm
    from invoicekit.errors import OutputError

    written = jm._write_key

    def then_full(journal, secret):
        written(journal, secret)
        raise OutputError("disk full")

    monkeypatch.setattr(jm, "_write_key", then_full)
    with pytest.raises(OutputError):
        Journal(tmp_path / "j.sqlite", create=True)
    assert not key_path(tmp_path / "j.sqlite").exists()


def _regrant(case: Path) -> None:
    """The example's grants registered again under new ids, and its invoices
    sent again under new numbers: only the citizen keys (hashed) tell that
    their periods were paid (check 21)."""
    grants = case / "bevillinger.csv"
    grants.write_bytes(grants.read_bytes().replace(b"B-10", b"B-20"))
    text = (case / "regninger.csv").read_text(encoding="cp1252").splitlines()
    again = [text[0], *(";".join([f"{line.split(';')[0]}-NY", *line.split(";")[1:]]) for line in text[1:] if line)]
    (case / "regninger.csv").write_text("\n".join(again) + "\n", encoding="cp1252")


@pytest.mark.parametrize("how", ["another journal's", "a new one", "a link to another"])
def test_another_journals_key_file_is_refused_not_used(example_case, tmp_path, capsys, how):
    """A review of the first version: any 64 hexadecimal digits were taken
    as the key, so a key file of another journal (copied in, restored from
    the wrong backup) hashed every key anew, check 21 missed every period
    paid, and the run posted five payments again (exit 0). The journal knows
    its own key (``key_check``), and every run stops on another."""
    import secrets

    journal = tmp_path / "j.sqlite"
    assert len(run_example(example_case, tmp_path / "first", journal).result.postings) == 5
    key = key_path(journal)
    if how == "another journal's":
        other = tmp_path / "other" / "o.sqlite"
        other.parent.mkdir()
        run_example(example_case, tmp_path / "o", other)
        key.write_bytes(key_path(other).read_bytes())
    elif how == "a new one":
        key.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
    else:
        (tmp_path / "k").write_text(secrets.token_hex(32) + "\n", encoding="ascii")
        key.unlink()
        key.symlink_to(tmp_path / "k")
    _regrant(example_case)
    _runs_stop_and_reports_read(example_case, journal, tmp_path, capsys, "is not the key of the journal j.sqlite")
    assert count_runs(journal) == 1


def test_with_its_own_key_the_regranted_periods_are_seen_as_paid(example_case, tmp_path):
    """The case above with the journal's own key: nothing is paid again."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "first", journal)
    _regrant(example_case)
    again = run_example(example_case, tmp_path / "again", journal)
    assert len(again.result.postings) == 0 and (again.decisions["reason"] == "ALREADY_PAID").sum() >= 5


@pytest.mark.parametrize("kind", ["fifo", "huge", "device"])
def test_a_key_file_that_is_no_small_file_is_refused_unread(example_case, tmp_path, capsys, kind):
    """A review of the first version: a FIFO named as the key file hung every
    run for ever (a recorded one inside its lock), and a sparse file of 3 GB
    took 6 GB before it was refused."""
    import os

    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "first", journal)
    key = key_path(journal)
    key.unlink()
    if kind == "fifo":
        os.mkfifo(key)
    elif kind == "huge":
        with key.open("wb") as f:
            f.truncate(3 * 1024**3)
    else:
        key.symlink_to("/dev/zero")
    _runs_stop_and_reports_read(example_case, journal, tmp_path, capsys, "j.sqlite.key", "cannot be read")


def test_a_migration_backup_is_readable_by_its_owner_only(example_case, tmp_path):
    """It is the journal as it was, its secret included (a review found it
    readable by everyone beside a key file readable by its owner only)."""
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with sqlite3.connect(journal) as conn:
        old_schema(conn, 8)
    again = run_example(example_case, tmp_path / "again", journal)
    assert again.journal_backup.stat().st_mode & 0o777 == 0o600


def test_a_key_file_is_written_where_the_file_system_has_no_hard_links(example_case, tmp_path, monkeypatch):
    """A review of the first version: the key was placed with a hard link, and
    on a file system without them (FAT, some network shares) no journal
    could be started or migrated."""
    import errno
    import os

    from invoicekit import journal as jm

    def no_links(src, dst, *args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(jm.os, "link", no_links)
    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    assert key_path(journal).stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("j.sqlite.key")] == ["j.sqlite.key"]
    monkeypatch.undo()
    again = run_example(example_case, tmp_path / "again", journal)
    assert len(again.result.postings) == 0
    assert os.path.exists(key_path(journal))


def test_a_journal_reached_by_a_link_keeps_its_key_beside_the_file_itself(example_case, tmp_path):
    """A review of the first version: migrated or started through a link, the
    key was put beside the link, and the journal opened by its own path then
    had none."""
    (tmp_path / "real").mkdir()
    (tmp_path / "links").mkdir()
    journal = tmp_path / "real" / "j.sqlite"
    run_example(example_case, tmp_path / "first", journal)
    link = tmp_path / "links" / "j.sqlite"
    link.symlink_to(journal)
    assert key_path(link) == key_path(journal)
    assert len(run_example(example_case, tmp_path / "again", link).result.postings) == 0


def test_a_schema_1_migration_that_fails_after_its_key_leaves_no_key_and_migrates_next_time(
    example_case, tmp_path, monkeypatch
):
    """A review of 0.9.24: a schema-1 journal has no secret, so each attempt
    made a new one; a commit that failed (a full disk) after the key was
    written left that key, and every later run was refused as beside
    "another journal's key". The key is taken away with the migration."""
    from invoicekit import journal as jm
    from invoicekit.errors import OutputError

    journal = v1_copy(tmp_path)
    written = jm._write_key

    def then_full(path, secret):
        made = written(path, secret)
        raise OutputError("database or disk is full")
        return made

    monkeypatch.setattr(jm, "_write_key", then_full)
    with pytest.raises(OutputError):
        Journal(journal)
    monkeypatch.undo()
    assert list(tmp_path.glob("journal.sqlite.*")) == []
    again = run_example(example_case, tmp_path / "again", journal)
    assert again.journal_backup is not None and key_path(journal).exists()


def test_a_schema_1_migration_killed_after_its_key_takes_that_key_next_time(example_case, tmp_path):
    """The same stopped by a kill, which takes nothing away: the key left
    beside a schema-1 journal (which has no secret of its own) is the one the
    next migration takes, not refused."""
    import secrets

    journal = v1_copy(tmp_path)
    left = secrets.token_hex(32)
    key_path(journal).write_text(left + "\n", encoding="ascii")
    again = run_example(example_case, tmp_path / "again", journal)
    assert again.journal_backup is not None
    assert key_path(journal).read_text(encoding="ascii").strip() == left
    with Journal(journal) as j:
        assert j.version == SCHEMA_VERSION and j.secret == left


def test_a_key_write_stopped_by_a_full_disk_without_hard_links_leaves_nothing_in_the_way(
    example_case, tmp_path, monkeypatch
):
    """A review of 0.9.24: on a file system without hard links, the key
    written in place on a disk that filled left an empty key file, and every
    later run was refused as beside "another journal's key". A write that
    fails leaves no file; one a kill stopped (empty, or the start of the
    key) is the next write's to replace."""
    import errno

    from invoicekit import journal as jm
    from invoicekit.errors import OutputError

    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    with sqlite3.connect(journal) as conn:
        old_schema(conn, 8)
    secret = table(journal, "SELECT value FROM meta WHERE key = 'secret'")["value"].iat[0]

    def no_links(src, dst, *args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    real_write, calls = jm.os.write, []

    def full_second_time(fd, data):
        calls.append(fd)
        if len(calls) == 2:  # the copy is written; the key in place finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(jm.os, "link", no_links)
    monkeypatch.setattr(jm.os, "write", full_second_time)
    with pytest.raises(OutputError, match="No space left"):
        Journal(journal)
    monkeypatch.undo()
    assert not key_path(journal).exists() and not list(tmp_path.glob(".invoicekit-key-*"))
    assert table(journal, "SELECT value FROM meta WHERE key = 'schema_version'")["value"].tolist() == ["8"]
    for stopped in ("", secret[:20]):  # what a kill in the write leaves
        key_path(journal).write_text(stopped, encoding="ascii")
        with Journal(journal) as j:
            assert j.version == SCHEMA_VERSION
        assert key_path(journal).read_text(encoding="ascii") == secret + "\n"
        with sqlite3.connect(journal) as conn:
            old_schema(conn, 8)  # the secret back in the journal, the key file gone


def test_a_second_name_a_stopped_run_left_for_the_key_is_removed(example_case, tmp_path):
    """A review of 0.9.24: a run killed between placing the key (a hard link
    of its copy) and removing the copy left a second name of the key, which
    nothing removed: a copy of the secret beside the journal that people move
    or hand out without the key. The next recorded run removes it; another
    run's copy, not yet the key, is left."""
    import os

    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    from invoicekit.journal import _key_copy_prefix

    prefix = _key_copy_prefix(key_path(journal))
    stale = [tmp_path / f"{prefix}abc123.new", tmp_path / "j.sqlite.key.403fa153576e4ac3.new"]
    for name in stale:
        os.link(key_path(journal), name)
    others = tmp_path / f"{prefix}def456.new"
    others.write_text("cd" * 32 + "\n", encoding="ascii")
    run_example(example_case, tmp_path / "dry", journal, dry_run=True)  # a reader leaves them
    assert all(p.exists() for p in stale)
    run_example(example_case, tmp_path / "again", journal)
    assert not any(p.exists() for p in stale) and others.exists()
    assert key_path(journal).stat().st_nlink == 1


def test_a_journal_name_with_no_room_for_its_key_is_refused_before_anything_is_made(example_case, tmp_path, capsys):
    """A review of 0.9.24: a name of 247 bytes was refused naming an internal
    temporary file, and left an empty journal and the output folder behind."""
    journal = tmp_path / ("j" * 245 + ".sqlite")
    argv = _run_argv(example_case, journal, tmp_path / "out")
    argv[argv.index("--journal")] = "--new-journal"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "its name leaves no room for its key file beside it" in err and ".new" not in err
    assert not journal.exists() and not (tmp_path / "out").exists()
    # a name of 240 bytes, whose key file's name fits (the copy of the key had none)
    journal = tmp_path / ("j" * 233 + ".sqlite")
    argv = _run_argv(example_case, journal, tmp_path / "out")
    argv[argv.index("--journal")] = "--new-journal"
    assert main(argv) == 0, capsys.readouterr().err
    assert key_path(journal).exists()


def test_a_copy_of_the_key_a_run_killed_before_placing_it_left_is_removed(example_case, tmp_path):
    """A review of 0.9.25's first mend: killed after writing its copy of the
    key and before placing it, a run left a file of its own holding the
    secret, which no later run removed (only second names of the key were)."""
    from invoicekit.journal import _key_copy_prefix

    journal = tmp_path / "j.sqlite"
    run_example(example_case, tmp_path / "out", journal)
    copy = tmp_path / f"{_key_copy_prefix(key_path(journal))}dmzn3l94.new"
    copy.write_bytes(key_path(journal).read_bytes())
    # a copy of the same secret a run on another journal (a copy of this one, with its key) is writing
    theirs = tmp_path / f"{_key_copy_prefix(key_path(tmp_path / 'b.sqlite'))}kcb5v82i.new"
    theirs.write_bytes(key_path(journal).read_bytes())
    run_example(example_case, tmp_path / "again", journal)
    assert not copy.exists() and key_path(journal).exists() and theirs.exists()


def test_a_schema_1_journal_beside_part_of_a_key_is_migrated(example_case, tmp_path):
    """A review of 0.9.25's first mend: a schema-1 migration killed while it
    wrote its key in place (no hard links) left 40 of its 64 digits, and
    every later run was refused as beside another journal's key."""
    journal = v1_copy(tmp_path)
    key_path(journal).write_text("ab" * 20, encoding="ascii")
    again = run_example(example_case, tmp_path / "again", journal)
    assert again.journal_backup is not None
    with Journal(journal) as j:
        assert j.version == SCHEMA_VERSION and key_path(journal).read_text(encoding="ascii").strip() == j.secret
