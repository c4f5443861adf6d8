"""A small municipality written inline, shared by the tests."""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests import depth

EXAMPLE = Path(__file__).parent / "data" / "example"

A, B, C, D, E = "6101901234", "7203854321", "6505772468", "8811951357", "6212031122"
SOLHOJ, KILDEN, ENGEN, VINDEN, LEDSAGER = "29345716", "31587603", "19554627", "40713352", "36209488"


def grants_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("G-A108", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", ""),
            ("G-A104", A, "SEL104-AKT", KILDEN, "450.00", "day", "2018-06-01", ""),
            ("G-B107", B, "SEL107-MID", ENGEN, "1850.00", "day", "2019-01-01", "2019-02-28"),
            ("G-C-STU", C, "STU", VINDEN, "285000.00", "year", "2018-08-01", "2021-07-31"),
            ("G-D97", D, "SEL97-LED", LEDSAGER, "420.00", "hour", "2019-01-01", ""),
            ("G-E1", E, "SEL108-BO", SOLHOJ, "31200.00", "month", "2019-01-01", ""),
            ("G-E2", E, "SEL108-BO", SOLHOJ, "31200.00", "month", "2018-07-01", ""),
        ],
        columns=["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date", "end_date"],
    )


def support_tables() -> dict[str, pd.DataFrame]:
    return {
        "services": pd.DataFrame(
            [
                ("SEL108-BO", "§ 108", "Udviklingshæmmede"),
                ("SEL104-AKT", "SEL §104", "Udviklingshæmmede"),
                ("SEL107-MID", "107", "Sindslidende"),
                ("STU", "STU", "Unge"),
                ("SEL97-LED", "§ 97", "Fysisk handicappede"),
            ],
            columns=["service_code", "paragraph", "target_group"],
        ),
        "suppliers": pd.DataFrame(
            [
                (SOLHOJ, "privat"),
                (KILDEN, "kommunal"),
                (ENGEN, "regional"),
                (VINDEN, "selvejende"),
                (LEDSAGER, "privat"),
            ],
            columns=["supplier_cvr", "ownership"],
        ),
        "coding": pd.DataFrame(
            [
                ("108", "privat", "Udviklingshæmmede", "PSP-108-2018", "40000000", "2018-01-01", "2018-12-31"),
                ("108", "privat", "udviklingshæmmede ", "PSP-108-2019", "40000000", "2019-01-01", ""),
                ("104", "kommunal", "Udviklingshæmmede", "PSP-104", "47000000", "2018-01-01", ""),
                ("107", "regional", "Sindslidende", "PSP-107", "48000000", "2018-01-01", ""),
                ("STU", "selvejende", "Unge", "PSP-STU-1", "40000000", "2018-01-01", ""),
                ("97", "privat", "Fysisk handicappede", "PSP-97", "40000000", "2018-01-01", ""),
            ],
            columns=["paragraph", "ownership", "target_group", "psp_element", "art", "valid_from", "valid_to"],
        ),
    }


def invoice(**fields: str) -> dict[str, str]:
    """An invoice from Solhøj for citizen A, March 2019, that the robot posts."""
    row = {
        "invoice_id": "F-1",
        "supplier_cvr": SOLHOJ,
        "amount": "28.500,00",
        "cpr": "610190-1234",
        "period_start": "01.03.2019",
        "period_end": "31.03.2019",
        "text": "Døgnophold",
    }
    row.update(fields)
    return row


@pytest.fixture
def example_case(tmp_path: Path) -> Path:
    """A copy of the hand-made example case, free to change."""
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE, target)
    return target


def journal_text(path: Path) -> str:
    """Everything a journal holds, as text: every table, and each run's
    decisions decoded from their compressed Parquet (a scan of the file's
    bytes would not see inside it)."""
    import sqlite3

    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = []
    with sqlite3.connect(path) as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for row in conn.execute(f"SELECT * FROM {name}"):
                for value in row:
                    if isinstance(value, bytes):
                        parts.append(pq.read_table(pa.BufferReader(value)).to_pandas().to_csv(index=False))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def recorded_month(journal: Path) -> str:
    """The month the journal's first run started in, read from its ``runs`` table: the month a run of
    an extract named for no month belongs to. A test that took today's month instead failed when it
    ran across midnight at a month's end."""
    with closing(sqlite3.connect(journal)) as conn:
        (started_at,) = conn.execute("SELECT started_at FROM runs ORDER BY run_id LIMIT 1").fetchone()
    return started_at[:7]


#: the suite's longest files, collected first: make test's two processes take whole files (--dist loadfile) in
#: the order they are collected (--no-loadscope-reorder; xdist's own order, most tests first, put these files of
#: few tests last, and they ran alone for minutes at the end)
LONGEST_FIRST = (
    "test_equivalence_lines.py",
    "test_equivalence_messy.py",
    "test_equivalence.py",
    "test_tune_worlds.py",
    "test_synthetic.py",
    "test_tune.py",
    "test_journal.py",
    "test_journal_sequences.py",
)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    rank = {name: k for k, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FIRST)))  # stable: the rest as collected


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full-calibration",
        action="store_true",
        help="run the calibration tests (marker 'calibration') on more seeds, as before a release",
    )
    parser.addoption(
        "--deep",
        action="store_true",
        help="the costly property tests draw every example they were written with, not a fifth (tests/depth.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    depth.DEEP = bool(config.getoption("--deep"))


@pytest.fixture
def full_calibration(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--full-calibration"))


def unnumbered(text: str) -> str:
    """``text`` with pytest's numbered temporary folders (``pytest-1234``) unnumbered: a check that a CPR
    number's last four digits are not in a message that names a temporary path failed in the 1234th pytest
    session on a machine (a hunt for flaky tests)."""
    return re.sub(r"pytest-\d+", "pytest-N", text)


def old_schema(conn: sqlite3.Connection, version: int) -> None:
    """Make the journal open on ``conn`` one of schema ``version``, as an
    older invoicekit left it: its schema number, and before schema 9 its
    secret in the table meta, where the key file beside it (which goes) had it."""
    from invoicekit.delivery import sha256
    from invoicekit.journal import KEY_FILE_FROM, KEYED_FILES_FROM, key_path

    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    keyed = "keyed_sha256" in {r[1] for r in conn.execute("PRAGMA table_info(run_files)")}
    if version < KEYED_FILES_FROM and keyed:  # each file's plain SHA-256, as older versions kept it
        conn.execute("ALTER TABLE run_files RENAME COLUMN keyed_sha256 TO sha256")
        # and each run's inputs' plain SHA-256, from the files its paths name (the tests' own, still there)
        for name in ("grants", "invoices", "support_sheet"):
            for run_id, path in conn.execute(f"SELECT run_id, {name}_file FROM runs").fetchall():
                if path and Path(path).is_file():
                    conn.execute(f"UPDATE runs SET {name}_sha256 = ? WHERE run_id = ?", (sha256(Path(path)), run_id))
        folders = conn.execute("SELECT run_id, out_dir, staging_dir FROM runs").fetchall()
        for run_id, *where in folders:
            for (name,) in conn.execute("SELECT name FROM run_files WHERE run_id = ?", (run_id,)).fetchall():
                found = [Path(d) / name for d in where if d and (Path(d) / name).is_file()]
                if found:
                    conn.execute(
                        "UPDATE run_files SET sha256 = ? WHERE run_id = ? AND name = ?",
                        (sha256(found[-1]), run_id, name),
                    )
    key = key_path(conn.execute("PRAGMA database_list").fetchone()[2])
    if version < KEY_FILE_FROM and key.exists():
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('secret', ?)", (key.read_text(encoding="ascii").strip(),))
        key.unlink()


def periods_counting_python(monkeypatch, texts: list[str]) -> tuple[np.ndarray, int]:
    """``period_from_texts`` of ``texts`` (the starts), and how many of them it read one by one in Python
    (:func:`~invoicekit.parsing.period_in_text`): the whole-column path is to read ordinary texts itself."""
    import invoicekit.parsing as parsing

    calls = []
    real = parsing.period_in_text

    def counted(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(parsing, "period_in_text", counted)
    start, _end = parsing.period_from_texts(np.array(texts, dtype=object))
    return start, len(calls)


def assert_read_whole_column(monkeypatch, texts: list[str]) -> None:
    """Every text of ``texts`` gives a period, and fewer than 20 of them are read one by one in Python
    (:func:`periods_counting_python`): the speed tests of the month rule's reviews."""
    start, calls = periods_counting_python(monkeypatch, texts)
    assert not np.isnat(start).any()
    assert calls < 20, f"{calls} of {len(texts)} texts read one by one in Python"
