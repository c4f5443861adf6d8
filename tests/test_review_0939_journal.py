"""The journal handed out alone (0.9.39): an attack on 0.9.38 found a posted citizen's whole CPR number in
it, through the plain checksum of the payment file. Each test failed on that version."""

from __future__ import annotations

import hashlib
import sqlite3

import invoicekit as ik
from tests.period_runs import A, grant, invoice, run_robot
from tests.test_attacks import robot as robot  # a fixture, found by its name

OPUS_HEADER = (
    "Artskonto;PSP-element;Beløb;Tekst;Ydelsesmodtagernr.;Ydelsesmodtagernr.kode;"
    "Ydelsesperiode fra;Ydelsesperiode til;Fakturanummer;Leverandør CVR;Bogføringsdato\n"
)


def _postings_file_from_journal(rows, sequence: str) -> bytes:
    """opus_postings.csv rebuilt from what the journal keeps of a run's posted decisions (the
    spec's layout: `;`, decimal comma, dd.mm.yyyy), one guess at the hidden four digits."""
    lines = [OPUS_HEADER]
    for r in rows:
        cpr = r.cpr_masked[:6] + sequence
        amount = f"{r.amount_ore // 100},{r.amount_ore % 100:02d}"
        booked = r.started_at[8:10] + "." + r.started_at[5:7] + "." + r.started_at[:4]
        lines.append(
            f"{r.art};{r.psp_element};{amount};{r.message};{cpr};CPR;{r.period_start:%d.%m.%Y};"
            f"{r.period_end:%d.%m.%Y};{r.invoice_id};{r.supplier_cvr};{booked}\n"
        )
    return "".join(lines).encode("utf-8")


def test_the_journal_alone_gives_a_posted_citizens_full_cpr_through_the_postings_files_sha256(tmp_path):
    """The journal is meant to be handed out alone (README: "hand out the journal alone: the
    reports, the follow-up, sample control and the notebooks read it without the key"; spec: "The
    journal holds no full CPR number in clear text (... stored in a form that does not reveal one,
    e.g. a keyed hash)"; README: `test_the_journal_alone_holds_no_secret_and_reveals_no_cpr_number`).
    But its `run_files` table keeps the plain, unkeyed SHA-256 of each run's `opus_postings.csv`,
    the one file with full CPR numbers, and everything else in that file (art, PSP element,
    amount, posting text, period, invoice number, CVR, posting date, and the birth date in
    `cpr_masked`) is in the journal's decisions. Trying the 10,000 sequence numbers against the
    hash gives the citizen's full CPR number in a few milliseconds, for every run whose postings
    concern one citizen (a run of a late invoice, a supplementary run, a re-run): the same attack
    0.9.24 closed for the keys, through another column. Right: the journal keeps no unkeyed digest
    of a file that holds CPR numbers (keyed with the key file's secret, or not kept at all), so
    the journal alone reveals no CPR number."""
    journal = tmp_path / "j.sqlite"
    result = run_robot(
        tmp_path / "r", [grant()], [invoice(period_start="01.03.2019", period_end="31.03.2019")], journal
    )
    assert list(result["decisions"]["status"]) == ["posted"]
    # --- from here on, only the journal (no key file, no output folder)
    (tmp_path / "r" / "out").rename(tmp_path / "gone")
    journal.with_name(journal.name + ".key").rename(tmp_path / "gone" / "key")
    with sqlite3.connect(journal) as conn:
        # whichever column holds the checksums (0.9.39 renamed it keyed_sha256)
        column = next(c for (_, c, *_) in conn.execute("PRAGMA table_info(run_files)") if "sha256" in c)
        digests = {d for (d,) in conn.execute(f"SELECT {column} FROM run_files WHERE name = 'opus_postings.csv'")}
    assert len(digests) == 1
    rows = [r for r in ik.Journal(journal).decisions().itertuples() if r.status == "posted"]
    found = [
        f"{rows[0].cpr_masked[:6]}-{s:04d}"
        for s in range(10_000)
        if hashlib.sha256(_postings_file_from_journal(rows, f"{s:04d}")).hexdigest() in digests
    ]
    assert found == [], f"the journal alone gives the full CPR number {found} (the posted citizen is {A})"


def test_a_migrated_journal_keeps_no_plain_checksum_and_still_delivers_a_stopped_run(tmp_path, monkeypatch):
    """A journal of schema 12 kept each file's plain SHA-256; migrated to 13 it keeps them keyed, none of
    them plain, and a run stopped after its commit under schema 12 is still delivered from them."""
    from tests.conftest import old_schema

    journal = tmp_path / "j.sqlite"
    first = run_robot(tmp_path / "r", [grant()], [invoice(period_start="01.03.2019", period_end="31.03.2019")], journal)
    assert list(first["decisions"]["status"]) == ["posted"]
    out = tmp_path / "r" / "out"
    plain = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir() if p.is_file()}
    with sqlite3.connect(journal) as conn:
        old_schema(conn, 12)
        kept = dict(conn.execute("SELECT name, sha256 FROM run_files").fetchall())
    conn.close()
    assert kept == {n: d for n, d in plain.items() if n in kept} and "opus_postings.csv" in kept
    with ik.Journal(journal) as j:  # migrated on opening
        assert j.version == 13 and j.backup is not None
        keyed = dict(j.conn.execute("SELECT name, keyed_sha256 FROM run_files").fetchall())
        assert set(keyed) == set(kept) and not set(keyed.values()) & set(plain.values())
        assert keyed == {n: j.file_digest(out / n) for n in keyed}
        assert j.delivered_manifest(1) is not None  # run.json found as recorded


def test_a_run_stopped_after_its_commit_under_schema_12_is_delivered_by_the_migrated_journal(robot):
    """A run killed between its commit and its delivery under 0.9.38 (schema 12, plain checksums): the
    next run migrates the journal, keying the checksums, and still recognises the staged files as the run
    wrote them: it delivers them once, byte for byte, and the month is not paid again."""
    from tests.conftest import old_schema
    from tests.test_attacks import cli, month, runs_in, write_invoices

    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    invoices = write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1"))
    killed = cli(robot, invoices, "o1", env={"INVOICEKIT_CRASH_AT": "after-commit"})
    killed.communicate(timeout=120)
    assert killed.returncode == 137 and runs_in(robot.journal) == 2
    staged = next((robot.tmp / "o1").glob(".invoicekit-staging-*"))
    written = (staged / "opus_postings.csv").read_bytes()
    with sqlite3.connect(robot.journal) as conn:
        old_schema(conn, 12)
    conn.close()
    assert robot.reasons(month(3, invoice_id="F-2"), out="o2") == ["ALREADY_PAID"]
    assert (robot.tmp / "o1" / "opus_postings.csv").read_bytes() == written
    assert not list((robot.tmp / "o1").glob(".invoicekit-staging-*"))
    with sqlite3.connect(robot.journal) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "13"
        assert conn.execute("SELECT count(*) FROM runs WHERE delivered_at IS NULL").fetchone()[0] == 0
    conn.close()


def test_a_staged_payment_file_changed_after_the_commit_is_still_refused_by_its_keyed_checksum(robot):
    """The keyed checksum guards a stopped run's files as the plain one did: a staged payment file
    edited after the commit is not delivered (exit 2), and nothing is moved."""
    from tests.test_attacks import cli, month, write_invoices

    invoices = write_invoices(robot.tmp / "m.csv", month(3, invoice_id="F-1"))
    killed = cli(robot, invoices, "o1", env={"INVOICEKIT_CRASH_AT": "after-commit"})
    killed.communicate(timeout=120)
    assert killed.returncode == 137
    staged = next((robot.tmp / "o1").glob(".invoicekit-staging-*"))
    with (staged / "opus_postings.csv").open("a", encoding="utf-8") as f:
        f.write("47100000;XG-1;1,00;x;0101901234;CPR;01.03.2019;31.03.2019;X;12345678;01.03.2019\n")
    code, printed, _ = robot.run(month(4, invoice_id="F-2"), out="o2")
    assert code == 2 and "is not the file run 1 recorded in the journal" in printed.err, printed.err
    assert not (robot.tmp / "o1" / "opus_postings.csv").exists()
