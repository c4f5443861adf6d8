"""Found by reviews of 0.9.34: a journal that lost what a run paid is refused, never read as
paying nothing; each test failed on 0.9.34."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from invoicekit import InputError, run
from invoicekit.cli import main
from invoicekit.followup import run_months
from tests.conftest import SOLHOJ, A, invoice, support_tables

#: a second citizen at Solhøj, with a grant of her own
F = "0101901234"

GRANT_COLUMNS = ["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date", "end_date"]
LINE_COLUMNS = ["invoice_id", "supplier_cvr", "line_no", "cpr", "amount", "period_start", "period_end", "text"]


def _grants() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("G-A108", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", ""),
            ("G-F108", F, "SEL108-BO", SOLHOJ, "30000.00", "month", "2018-01-01", ""),
        ],
        columns=GRANT_COLUMNS,
    )


def _write(folder: Path, name: str, rows: list[dict] | pd.DataFrame, columns: list[str] | None = None) -> Path:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=columns)
    path = folder / name
    frame.to_csv(path, index=False, sep=";")
    return path


def _sheet(folder: Path) -> Path:
    path = folder / "stoetteark.xlsx"
    with pd.ExcelWriter(path) as writer:
        for name, frame in support_tables().items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


def _collective_march() -> tuple[dict, list[dict]]:
    """A collective invoice for March 2019 from Solhøj: A (28.500,00) and F (30.000,00), one line each."""
    inv = invoice(invoice_id="SAM-1", cpr="", amount="58.500,00", text="Samlefaktura marts")
    lines = [
        dict(zip(LINE_COLUMNS, ("SAM-1", SOLHOJ, str(no), cpr, amount, "", "", ""), strict=True))
        for no, (cpr, amount) in enumerate(((A, "28500,00"), (F, "30000,00")), start=1)
    ]
    return inv, lines


def _collective_run(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Run 1 on a new journal posts SAM-1 line by line: A's and F's March 2019."""
    sheet, grants = _sheet(tmp_path), _write(tmp_path, "g.csv", _grants())
    journal = tmp_path / "journal.sqlite"
    inv, lines = _collective_march()
    first = run(grants=grants, invoices=_write(tmp_path, "i1.csv", [inv]), support_sheet=sheet,
                invoice_lines=_write(tmp_path, "l1.csv", lines, LINE_COLUMNS), out=tmp_path / "o1",
                new_journal=journal)  # fmt: skip
    assert first.decisions["status"].tolist() == ["posted"] and len(first.result.postings) == 2
    return grants, sheet, journal


def test_a_journal_that_lost_a_runs_stored_lines_is_refused_not_paid_again(tmp_path, capsys):
    """Run 1 posts a collective invoice line by line; its stored lines are then deleted (a damaged or
    half-copied journal). The invoice's own row keeps no grant or citizen key (its lines hold them), so
    0.9.34 read run 1 as paying nothing and posted a plain invoice for F's March 2019 again: paid twice
    (check 21: "a posted invoice (or line) ... in the journal, has the same grant"). The next run,
    dry or not, now stops with exit 2 naming run 1, as for a run whose decisions are lost."""
    grants, sheet, journal = _collective_run(tmp_path)
    with sqlite3.connect(journal) as conn:
        conn.execute("DELETE FROM run_decision_lines WHERE run_id = 1")
    again = _write(tmp_path, "i2.csv", [invoice(invoice_id="F-9", cpr=F, amount="30.000,00")])
    with pytest.raises(InputError, match="run 1: posted the invoice of its row 1 line by line"):
        run(grants=grants, invoices=again, support_sheet=sheet, out=tmp_path / "o2", journal=journal)
    for extra in ((), ("--dry-run",)):
        argv = ["run", "--grants", str(grants), "--invoices", str(again), "--support-sheet", str(sheet),
                "--journal", str(journal), "--out", str(tmp_path / f"o3{len(extra)}"), *extra]  # fmt: skip
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "restore it from a backup" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert not (tmp_path / f"o3{len(extra)}" / "opus_postings.csv").exists()
    with sqlite3.connect(journal) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_the_follow_up_and_the_sample_refuse_a_journal_that_lost_a_runs_stored_lines(tmp_path, capsys):
    """The same damage as above, read by the analysts' commands: 0.9.35 refused it only where a run
    reads the history, and `report followup` wrote its report on the damaged journal as if it were whole
    (and `sample draw` drew from it). Every reader of the decisions now stops with exit 2 naming run 1,
    one line, no traceback, no report written."""
    _, _, journal = _collective_run(tmp_path)
    with sqlite3.connect(journal) as conn:
        conn.execute("DELETE FROM run_decision_lines WHERE run_id = 1")
    for argv, out in (
        (["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "f")], tmp_path / "f"),
        (
            [
                "sample",
                "draw",
                "--journal",
                str(journal),
                "--month",
                run_months(journal)[0],
                "--out",
                str(tmp_path / "s" / "kontrol.xlsx"),
            ],
            tmp_path / "s",
        ),
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "run 1: posted the invoice of its row 1 line by line" in err, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert not out.exists() or not any(out.iterdir())


def test_a_journal_whose_lines_are_all_there_posts_nothing_of_them_again(tmp_path):
    """The refusal above is of lost lines only: with run 1's lines in place, F's March is ALREADY_PAID
    and another citizen's month posts."""
    grants, sheet, journal = _collective_run(tmp_path)
    rows = [invoice(invoice_id="F-9", cpr=F, amount="30.000,00"),
            invoice(invoice_id="F-10", cpr=F, amount="30.000,00", period_start="01.04.2019",
                    period_end="30.04.2019")]  # fmt: skip
    second = run(grants=grants, invoices=_write(tmp_path, "i2.csv", rows), support_sheet=sheet,
                 out=tmp_path / "o2", journal=journal)  # fmt: skip
    assert second.decisions["reason"].tolist() == ["ALREADY_PAID", ""]


def test_a_runs_decisions_replaced_by_a_shorter_table_are_refused_not_read_as_fewer(tmp_path):
    """Run 1 posts two invoices. Its stored decisions are then replaced by run 2's (one decision), the
    stored count with them, so that the table reads whole: 0.9.34 compared the count with nothing and read
    run 1 as paying one invoice, and the other was paid again. The run's own count (runs.invoices) is now
    compared with the stored one."""
    sheet, grants = _sheet(tmp_path), _write(tmp_path, "g.csv", _grants())
    journal = tmp_path / "journal.sqlite"
    two = [invoice(invoice_id="A-3", cpr=A, amount="28.500,00"), invoice(invoice_id="F-3", cpr=F, amount="30.000,00")]
    first = run(grants=grants, invoices=_write(tmp_path, "i1.csv", two), support_sheet=sheet, out=tmp_path / "o1",
                new_journal=journal)  # fmt: skip
    assert first.decisions["status"].tolist() == ["posted", "posted"]
    april = [invoice(invoice_id="A-4", cpr=A, amount="28.500,00", period_start="01.04.2019", period_end="30.04.2019")]
    run(grants=grants, invoices=_write(tmp_path, "i2.csv", april), support_sheet=sheet, out=tmp_path / "o2",
        journal=journal)  # fmt: skip
    with sqlite3.connect(journal) as conn:
        conn.execute(
            "UPDATE run_decisions SET rows = (SELECT rows FROM run_decisions WHERE run_id = 2), "
            "data = (SELECT data FROM run_decisions WHERE run_id = 2) WHERE run_id = 1"
        )
    again = [invoice(invoice_id="F-3b", cpr=F, amount="30.000,00")]
    with pytest.raises(InputError, match="run 1: recorded 2 decisions, and 1 are stored"):
        run(grants=grants, invoices=_write(tmp_path, "i3.csv", again), support_sheet=sheet, out=tmp_path / "o3",
            journal=journal)  # fmt: skip
