"""An attack on 0.9.32 from time, dates and the machine's zone (a helper's, kept as it found the faults):
each test failed on 0.9.32 and passes since 0.9.33."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path

import pandas as pd

from invoicekit.vocabulary import danish_today

V1 = Path(__file__).parent / "data" / "journal_v1" / "journal-v1.sqlite"
EXAMPLE = Path(__file__).parent / "data" / "example"


@contextmanager
def _machine_zone(tz: str):
    """The machine's clock set to zone ``tz`` (the TZ environment variable), for this process."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def _zone_on_another_day() -> tuple[str, int]:
    """A zone whose calendar day differs from Denmark's right now, and by how many days (-1 or +1).
    UTC-12 is behind Denmark's day from Danish midnight to 13:00/14:00, UTC+14 ahead of it from
    11:00/12:00 on: at any moment one of them is on another day."""
    dk = danish_today()
    for tz in ("Etc/GMT+12", "Pacific/Kiritimati"):
        with _machine_zone(tz):
            local = dt.date.today()
        if local != dk:
            return tz, (local - dk).days
    raise AssertionError("no zone on another day than Denmark")  # pragma: no cover


def _cpr_born(day: dt.date) -> str:
    """A CPR number born on ``day`` (a year 2000-2036: 7th digit 4 gives 2000 + yy)."""
    assert 2000 <= day.year <= 2036
    return day.strftime("%d%m%y") + "4123"


def test_a_cprs_birth_date_is_judged_on_denmarks_day_not_the_machines():
    """identifiers.py judges "a birth date after today" by ``dt.date.today()`` (and stdnum's
    ``validate``, which does the same): the machine's local day, not Denmark's. Every other clock of
    the robot (run date, posting date, started_at, the run's month) is Denmark's since 0.9.32,
    whatever TZ says. On a machine behind Denmark (UTC-12; on a UTC server the window is an hour or
    two after Danish midnight) a child born today in Denmark has an "invalid" CPR number: its
    invoice goes to INVALID_CPR and the number is not masked where text is masked ("anything that
    reads as a CPR number"); on a machine ahead of Denmark (UTC+14) a birth date of Danish tomorrow
    is valid. The same number must be valid or not whatever the machine's zone: valid iff its birth
    date is on or before Denmark's day."""
    import invoicekit.identifiers as idf

    tz, shift = _zone_on_another_day()
    dk = danish_today()
    today_born, tomorrow_born = _cpr_born(dk), _cpr_born(dk + dt.timedelta(days=1))
    try:
        with _machine_zone(tz):
            idf._birth_date.cache_clear()
            got = {
                "scalar today": idf.is_valid_cpr(today_born),
                "scalar tomorrow": idf.is_valid_cpr(tomorrow_born),
                "column today": bool(idf.valid_cpr_mask(pd.Series([today_born]))[0]),
                "column tomorrow": bool(idf.valid_cpr_mask(pd.Series([tomorrow_born]))[0]),
                "masked today": "xxxx" in idf.mask_cpr_text(f"borger {today_born[:6]}-{today_born[6:]}"),
            }
    finally:
        idf._birth_date.cache_clear()
    want = {"scalar today": True, "scalar tomorrow": False, "column today": True, "column tomorrow": False,
            "masked today": True}  # fmt: skip
    assert got == want, f"TZ={tz} (machine day {shift:+d} from Denmark's {dk})"


def test_a_run_decides_a_newborns_invoice_alike_in_every_machine_zone():
    """End to end on decide(): an invoice for a citizen born on Denmark's day (or, ahead of Denmark,
    on Denmark's tomorrow) is decided by the machine's zone: INVALID_CPR on a machine behind Denmark,
    posted on a machine ahead for a birth date that has not come in Denmark. The decision must be
    the same as on a machine set to Denmark's zone."""
    import invoicekit.identifiers as idf
    from invoicekit import Rules, decide, prepare_grants, prepare_invoices, prepare_support_sheet
    from tests.test_attack_0932_equivalence import CODING, grant, invoice
    from tests.test_equivalence import GRANT_COLUMNS, INVOICE_COLUMNS, history, tables

    tz, shift = _zone_on_another_day()
    dk = danish_today()
    cpr = _cpr_born(dk if shift < 0 else dk + dt.timedelta(days=1))
    start = max(dk, dt.date(dk.year, dk.month, 1))

    def decided() -> tuple[str, str]:
        idf._birth_date.cache_clear()
        inv = invoice(cpr=cpr, amount="1000,00", period_start=start.strftime("%d.%m.%Y"),
                      period_end=start.strftime("%d.%m.%Y"))  # fmt: skip
        gr = grant(cpr=cpr, rate="1000.00", rate_unit="day", start_date="2000-01-01")
        d = decide(
            prepare_invoices(pd.DataFrame([inv], columns=INVOICE_COLUMNS)),
            prepare_grants(pd.DataFrame([gr], columns=GRANT_COLUMNS)),
            prepare_support_sheet(tables(CODING)),
            Rules(),
            history(set(), []),
            run_date=dk,
        ).decisions.iloc[0]
        return d["status"], d["reason"]

    try:
        with _machine_zone("Europe/Copenhagen"):
            in_denmark = decided()
        with _machine_zone(tz):
            elsewhere = decided()
    finally:
        idf._birth_date.cache_clear()
    assert elsewhere == in_denmark, f"TZ={tz}: {elsewhere} where a machine in Denmark decides {in_denmark}"


def _v1_journal(tmp_path: Path, started_at: str | None = None) -> Path:
    """The journal invoicekit 0.1.0 wrote (its started_at in the machine's zone, there UTC), run 1's
    start optionally set to another moment as that version wrote it."""
    journal = tmp_path / "journal.sqlite"
    shutil.copy(V1, journal)
    if started_at is not None:
        with closing(sqlite3.connect(journal)) as c:
            c.execute("UPDATE runs SET started_at = ? WHERE run_id = 1", (started_at,))
            c.commit()
    return journal


def test_an_older_journals_run_belongs_to_the_danish_month_it_started_in(tmp_path):
    """A run belongs to "the month it started" (README; since 0.9.32 on Denmark's clock). A journal
    written before 0.9.32 on a server on UTC holds started_at in UTC (journal-v1.sqlite:
    ``2026-12-01T23:14:05+00:00``), and months_of_runs / run_month read the month off the text
    (``started_at[:7]``), never on Denmark's clock: a run started at 00:30 on 1 February in Denmark
    (``2019-01-31T23:30:00+00:00``) is counted by the follow-up, the sample and evaluate as
    January's. It belongs to 2019-02."""
    from invoicekit.followup import load_decisions, run_months

    journal = _v1_journal(tmp_path, "2019-01-31T23:30:00+00:00")  # 00:30 on 1 February 2019 in Denmark
    months = run_months(journal)
    assert months == ["2019-02", "2019-04"], months
    d = load_decisions(journal)
    assert set(d.loc[d["run_id"] == 1, "month"]) == {"2019-02"}


def test_a_duplicates_message_names_the_danish_day_of_an_older_run(tmp_path):
    """Check 10's message names the earlier run and its day ("i kørsel 1 den …"). The journal
    0.1.0 wrote on UTC says run 1 started ``2026-12-01T23:14:05+00:00``: 00:14 on 2 December 2026
    in Denmark. Running the same extract again (after the journal is upgraded) says "i kørsel 1 den
    01.12.2026", the UTC day, where every day the robot shows is Denmark's (README, the posting date).
    It should say 02.12.2026."""
    from invoicekit.cli import main

    journal = _v1_journal(tmp_path)
    with closing(sqlite3.connect(journal)) as c:
        (started,) = c.execute("SELECT started_at FROM runs WHERE run_id = 1").fetchone()
    danish_day = dt.datetime.fromisoformat(started).astimezone(dt.timezone(dt.timedelta(hours=1))).date()
    assert danish_day == dt.date(2026, 12, 2)  # December: Denmark is UTC+1
    out = tmp_path / "out"
    rc = main(["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", str(EXAMPLE / "regninger.csv"),
               "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--journal", str(journal), "--out", str(out),
               "--quiet"])  # fmt: skip
    assert rc == 0
    d = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    dup = d[d["reason"] == "DUPLICATE_INVOICE"]
    assert len(dup)
    assert dup["message"].str.contains("i kørsel 1 den 02.12.2026").all(), dup["message"].iloc[0]
