"""A second review of 0.9.39's mends to the journal and the reports (ab69d52): a schema-12 journal handed out
alone read by the reports, and a control sheet's staged parts left by a Ctrl-C. Each test failed on ab69d52."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest

from invoicekit.cli import main
from tests.period_runs import SOLHOJ, A, grant, invoice, run_robot

MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _key_away(journal: Path, where: Path) -> None:
    """The journal handed out alone: its key file moved elsewhere."""
    journal.with_name(journal.name + ".key").rename(where)


# ---------------------------------------------------------------- the journal of 0.9.38 (schema 12) handed out alone


def test_a_schema_12_journal_handed_out_alone_is_read_by_the_reports_not_called_damaged(tmp_path, capsys):
    """What goes wrong: every journal in use today was written by 0.9.34 to 0.9.38 (schema 12). Handed out
    alone, as the README tells the municipality to ("Keep the two together ..., and hand out the journal
    alone: the reports, the follow-up, sample control and the notebooks read it without the key"), it is
    read by 0.9.39's readers "as it is" (not migrated). But since schema 13 is the current schema, a
    schema-12 journal is now an *older* one, and ``Journal._as_now`` re-cleans each run's stored decisions
    with ``self.secret``, which needs the key file: `report followup`, `report business-case`, `actions`,
    `sample draw`/`evaluate` and the notebooks (``followup.read_journal``) all stop, exit 2, with "run 1:
    its stored decisions cannot be read (... its key file j.sqlite.key is missing ...); the journal is
    damaged: restore it from a backup". Under 0.9.38 the same journal was read without its key.

    Why it matters: the analyst cannot make the month's follow-up from the journal they were given, and the
    message tells whoever runs the robot that a sound journal is damaged and to restore it from a backup,
    the one step the README warns "forgets every run recorded after the backup was taken, and the next run
    pays again what those runs posted". tests/test_journal.py::_runs_stop_and_reports_read holds the rule
    ("a report, which needs no key, reads the journal") for the current schema only.

    Right behaviour: a schema-12 journal without its key file is read by the reports as it was by 0.9.38
    (schema 12 to 13 changes no stored decision, and a report needs no key), exit 0; at the least it is
    never called damaged."""
    journal = tmp_path / "j.sqlite"
    first = run_robot(tmp_path / "mar", [grant()], [invoice(invoice_id="F-1", **MARCH)], journal)
    assert first["decisions"]["status"].tolist() == ["posted"]
    from tests.conftest import old_schema

    with sqlite3.connect(journal) as conn:
        old_schema(conn, 12)  # as 0.9.38 left it
    conn.close()
    _key_away(journal, tmp_path / "key-kept-by-operations")
    capsys.readouterr()
    code = main(["report", "followup", "--journal", str(journal), "--out", str(tmp_path / "report"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 0 and (tmp_path / "report" / "followup.html").exists(), (
        f"a sound schema-12 journal handed out alone is refused (exit {code}): {err.strip()}"
    )


# ---------------------------------------------------------------- a journal of 0.9.39's first version (schema 13)


# ---------------------------------------------------------------- tune's replay of a grant taken over


#: run 1 (March extract) posts March on G-A at Solhøj; the place is taken over: in April's extract G-A is
#: moved to the new owner's CVR and ended 28 February, and the stay registered again as G-N from 1 March;
#: the new owner bills March (tests/test_review_0939_grants.py's takeover, in a world)
OTHER = "25118871"
TAKEOVER = {
    "2019-03": (
        [("G-A", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", "")],
        [("SOL-1", SOLHOJ, "28500.00", A, "01.03.2019", "31.03.2019", "")],
    ),
    "2019-04": (
        [
            ("G-A", A, "SEL108-BO", OTHER, "28500.00", "month", "2018-01-01", "2019-02-28"),
            ("G-N", A, "SEL108-BO", OTHER, "28500.00", "month", "2019-03-01", ""),
        ],
        [("N-1", OTHER, "28500.00", A, "01.03.2019", "31.03.2019", "")],
    ),
}


# ---------------------------------------------------------------- sample draw stopped by Ctrl-C


# a save stopped inside openpyxl leaves its write-only sheets' generators open: closed when collected, they say
# "Exception ignored" from lxml, which pytest reports as a warning of every run of the suite (the stop is the test)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("which", [1, 2], ids=["staged-sheet", "final-save"])
def test_sample_draw_stopped_by_ctrl_c_leaves_no_hidden_part_of_a_control_sheet(tmp_path, monkeypatch, which):
    """What goes wrong: `sample draw` writes its control sheet under hidden names beside --out
    (write_workbook's ``.<name>.<pid>.tmp`` of the staged ``.<stem>.<pid>.draw.xlsx``, then save_whole's
    ``.kontrol.xlsx.<pid>.tmp``), and removes them on a failure it catches as ``Exception``. A Ctrl-C
    (KeyboardInterrupt, no Exception) while openpyxl saves leaves the half-written hidden workbook in the
    auditor's folder, for good (each is named by the process id: no later draw replaces it).

    Why it matters: the README: a workbook "is written beside its name and moved into place whole:
    nothing half-written is left"; the staged copy holds the month's sample (invoice numbers, CVR numbers,
    amounts) in a hidden file nobody knows of. (A minor finding.)

    Right behaviour: whatever stops the save, Ctrl-C too, the hidden files are removed; --out holds
    nothing or the whole sheet."""
    import openpyxl.workbook.workbook as owb

    journal = tmp_path / "j.sqlite"
    run_robot(tmp_path / "mar", [grant()], [invoice(invoice_id="F-1", **MARCH)], journal)
    month = dt.date.today().strftime("%Y-%m")  # the month of the journal's one run: started today
    out = tmp_path / "kontrol" / "kontrol.xlsx"
    out.parent.mkdir()
    real = owb.Workbook.save
    saves = []

    def save(self, filename):
        saves.append(filename)
        if len(saves) == which:  # part of the file written, then Ctrl-C
            Path(filename).write_bytes(b"PK\x03\x04 half a workbook")
            raise KeyboardInterrupt
        return real(self, filename)

    monkeypatch.setattr(owb.Workbook, "save", save)
    from invoicekit.sample import draw

    control = draw(journal, month, 0.95, 0.05, 0, 1)
    with pytest.raises(KeyboardInterrupt):
        control.write(out)
    assert len(saves) == which
    left = sorted(p.name for p in out.parent.iterdir())
    assert left == [], f"Ctrl-C while the control sheet is saved leaves {left} in the auditor's folder"
