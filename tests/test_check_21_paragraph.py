"""Check 21 and a grant registered again under another service of its
paragraph (a monthly rate made daily: a new grant id and a new service code,
the same citizen, supplier and stay). The spec compared the same grant, or
the same CPR, supplier and service, so the period was paid twice; check 21
now compares the same CPR, supplier and paragraph too (README, "No invoice is
paid twice"). In one run, across runs through the journal, and against a
journal recorded before the paragraph key was kept.
"""

from __future__ import annotations

import importlib
import io
import sqlite3
from pathlib import Path
from unittest import mock

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from invoicekit import (
    History,
    InputError,
    Journal,
    decide,
    prepare_grants,
    prepare_invoices,
    prepare_support_sheet,
    run,
)
from tests.conftest import KILDEN, SOLHOJ, A, grants_table, invoice, support_tables

#: § 108's daily service beside the monthly SEL108-BO
DAILY = "SEL108-DAG"


def _sheet() -> dict[str, pd.DataFrame]:
    sheet = support_tables()
    sheet["services"].loc[len(sheet["services"])] = [DAILY, "§ 108", "Udviklingshæmmede"]
    return sheet


def _grants(*more: tuple) -> pd.DataFrame:
    g = grants_table()
    g = g[g["cpr"] != A].reset_index(drop=True)  # citizen A's grants are this test's
    for row in more:
        g.loc[len(g)] = list(row)
    return g


MONTHLY = ("G-M", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-01-01", "2019-03-31")
DAILY_AGAIN = ("G-D", A, DAILY, SOLHOJ, "950.00", "day", "2019-03-01", "")  # registered again, from March


def _decided(*invoices: dict, grants: pd.DataFrame, history=None) -> pd.DataFrame:
    return decide(
        prepare_invoices(pd.DataFrame(list(invoices))),
        prepare_grants(grants),
        prepare_support_sheet(_sheet()),
        None,
        history,
    ).decisions


def test_a_period_paid_under_the_monthly_service_is_not_paid_again_under_the_daily_one():
    # the monthly grant ends with February, the daily one (a new id, a new service) begins on the 16th
    d = _decided(
        invoice(invoice_id="F-1", period_start="01.02.2019", period_end="28.02.2019"),
        invoice(invoice_id="F-2", period_start="16.02.2019", period_end="28.02.2019", amount="12.350,00"),
        invoice(invoice_id="F-3", period_start="01.04.2019", period_end="30.04.2019", amount="28.500,00"),
        grants=_grants(
            ("G-M", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-01-01", "2019-02-28"),
            ("G-D", A, DAILY, SOLHOJ, "950.00", "day", "2019-02-16", ""),
        ),
    )
    assert d["grant_id"].tolist()[:1] == ["G-M"]
    assert d["reason"].tolist() == ["", "ALREADY_PAID", ""]
    message = d["message"].iloc[1]
    assert "SEL108-BO efter § 108" in message and "G-M" in message and "F-1" in message
    assert f"under ydelsen {DAILY}" in message and "begge ydelser på én gang" in message


def test_grants_of_two_paragraphs_at_one_supplier_both_post():
    """The comparison is by paragraph: a § 104 activity beside a § 108 home at
    the same supplier is another service, paid beside it."""
    sheet_grants = _grants(MONTHLY, ("G-A", A, "SEL104-AKT", SOLHOJ, "450.00", "day", "2019-01-01", ""))
    d = decide(
        prepare_invoices(
            pd.DataFrame(
                [
                    invoice(invoice_id="F-1"),
                    invoice(invoice_id="F-2", amount="13.950,00", text="Aktivitet"),
                ]
            )
        ),
        prepare_grants(sheet_grants),
        prepare_support_sheet(_with_supplier_coding(_sheet())),
        None,
    ).decisions
    assert d["reason"].tolist() == ["", ""]
    assert d["grant_id"].tolist() == ["G-M", "G-A"]


def _with_supplier_coding(sheet: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """§ 104 coded for Solhøj (private) too."""
    coding = sheet["coding"]
    coding.loc[len(coding)] = ["104", "privat", "Udviklingshæmmede", "PSP-104-P", "40000000", "2018-01-01", ""]
    return sheet


# ---------------------------------------------------------------- across runs, through the journal


def _case(tmp_path: Path) -> Path:
    case = tmp_path / "case"
    case.mkdir()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, frame in _sheet().items():
        ws = wb.create_sheet(name)
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append(list(row))
    wb.save(case / "stoetteark.xlsx")
    _grants(MONTHLY).to_csv(case / "grants-march.csv", index=False)
    _grants(MONTHLY, DAILY_AGAIN).to_csv(case / "grants-april.csv", index=False)
    pd.DataFrame([invoice(invoice_id="SOL-1")]).to_csv(case / "march.csv", index=False)
    # March again under the daily grant (31 days at 950.00), and April
    pd.DataFrame(
        [
            invoice(invoice_id="SOL-2", amount="29.450,00"),
            invoice(invoice_id="SOL-3", amount="28.500,00", period_start="01.04.2019", period_end="30.04.2019"),
        ]
    ).to_csv(case / "april.csv", index=False)
    return case


def _run(case: Path, month: str, out: Path, journal: Path, new: bool = False):
    return run(
        grants=case / f"grants-{month}.csv",
        invoices=case / f"{month}.csv",
        support_sheet=case / "stoetteark.xlsx",
        out=out,
        journal=None if new else journal,
        new_journal=journal if new else None,
    )


def test_a_later_run_does_not_pay_again_under_the_paragraphs_other_service(tmp_path):
    case, journal = _case(tmp_path), tmp_path / "j.sqlite"
    first = _run(case, "march", tmp_path / "o1", journal, new=True)
    assert first.decisions["status"].tolist() == ["posted"]
    second = _run(case, "april", tmp_path / "o2", journal)
    assert second.decisions["reason"].fillna("").tolist() == ["ALREADY_PAID", ""]
    assert "SOL-1" in second.decisions["message"].iloc[0] and "§ 108" in second.decisions["message"].iloc[0]
    postings = pd.read_csv(tmp_path / "o2" / "opus_postings.csv", sep=";", dtype=str)
    assert len(postings) == 1  # April only


def _without_paragraph_keys(journal: Path, paragraph: bool = True) -> None:
    """The journal as invoicekit 0.9.12 left it: no paragraph key stored
    (``paragraph`` False: nor the paragraph, as a version before kept none)."""
    with sqlite3.connect(journal) as conn:
        for run_id, data in conn.execute("SELECT run_id, data FROM run_decisions").fetchall():
            t = pq.read_table(pa.BufferReader(data))
            t = t.drop_columns(["paragraph_key"] + ([] if paragraph else ["paragraph"]))
            sink = io.BytesIO()
            pq.write_table(t, sink, compression="zstd")
            conn.execute("UPDATE run_decisions SET data = ? WHERE run_id = ?", (sink.getvalue(), run_id))


def test_a_payment_recorded_before_the_paragraph_key_is_still_found_by_its_service(tmp_path):
    """An older version kept no paragraph key: the paid service's paragraph in
    today's support sheet is compared instead, so upgrading does not open a
    window in which March is paid twice."""
    case, journal = _case(tmp_path), tmp_path / "j.sqlite"
    _run(case, "march", tmp_path / "o1", journal, new=True)
    _without_paragraph_keys(journal)
    history = Journal(journal).history()
    assert history.paid["paragraph_key"].tolist() == [""]
    second = _run(case, "april", tmp_path / "o2", journal)
    assert second.decisions["reason"].fillna("").tolist() == ["ALREADY_PAID", ""]
    assert "SEL108-BO efter § 108" in second.decisions["message"].iloc[0]


def test_a_payment_recorded_before_the_paragraph_key_of_a_service_the_sheet_now_doubts_holds_every_paragraph(
    tmp_path,
):
    """Where today's sheet holds the paid service back (its readable row says
    § 104, another row of it cannot be read), its readable paragraph is no
    more to be trusted than the other: March, paid under SEL108-BO by a
    version before 0.9.13, is not paid again under the daily § 108 service."""
    case, journal = _case(tmp_path), tmp_path / "j.sqlite"
    _run(case, "march", tmp_path / "o1", journal, new=True)
    _without_paragraph_keys(journal, paragraph=False)
    assert Journal(journal).history().paid["paragraph"].fillna("").tolist() == [""]
    wb = openpyxl.load_workbook(case / "stoetteark.xlsx")
    services = wb["services"]
    for row in services.iter_rows(min_row=2):
        if row[0].value == "SEL108-BO":
            row[1].value = "§ 104"
    services.append(["SEL108-BO", "§ 107/108", "Udviklingshæmmede"])
    wb.save(case / "stoetteark.xlsx")
    second = _run(case, "april", tmp_path / "o2", journal)
    assert second.decisions["reason"].fillna("").tolist()[:1] == ["ALREADY_PAID"]


def test_stored_lines_that_lack_a_column_other_than_a_later_key_are_a_damaged_journal(tmp_path):
    """Reading a run's lines leaves a key that run did not keep blank, and
    nothing else: a lines table without its rows is damage, said as such."""
    case, journal = _case(tmp_path), tmp_path / "j.sqlite"
    _run(case, "march", tmp_path / "o1", journal, new=True)
    table = pa.table({"row": pa.array([1], pa.int64()), "status": ["posted"]})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    with sqlite3.connect(journal) as conn:
        conn.execute(
            "INSERT INTO run_decision_lines (run_id, rows, format, data) VALUES (1, 1, 'parquet-zstd', ?)",
            (sink.getvalue(),),
        )
    with pytest.raises(InputError, match=r"lack 'check'.*damaged"):
        Journal(journal).history()


def test_a_run_of_another_citizen_or_supplier_is_not_held(tmp_path):
    """The key is the citizen's at the supplier: the same § 108 paid for
    another citizen, or at Kilden, holds nothing back."""
    grants = _grants(
        ("G-M", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-01-01", ""),
        ("G-K", A, DAILY, KILDEN, "950.00", "day", "2019-01-01", ""),
    )
    sheet = _sheet()
    sheet["coding"].loc[len(sheet["coding"])] = [
        "108", "kommunal", "Udviklingshæmmede", "PSP-108-K", "40000000", "2018-01-01", ""
    ]  # fmt: skip
    d = decide(
        prepare_invoices(
            pd.DataFrame(
                [invoice(invoice_id="F-1"), invoice(invoice_id="F-2", supplier_cvr=KILDEN, amount="29.450,00")]
            )
        ),
        prepare_grants(grants),
        prepare_support_sheet(sheet),
        None,
    ).decisions
    assert d["reason"].tolist() == ["", ""]


# ---------------------------------------------------------------- payments recorded before the key
# Found by an attack on 0.9.13's first version: the comparison of a payment recorded without a
# paragraph key looked its service up in today's support sheet and made the ordinary citizen key.


def test_a_payment_under_a_service_gone_from_todays_sheet_is_compared_by_the_paragraph_it_was_coded_with(tmp_path):
    """The monthly service was retired from the sheet when the grant was
    registered again under the daily one: the journal's own record of the
    payment's paragraph says it was § 108."""
    case, journal = _case(tmp_path), tmp_path / "j.sqlite"
    _run(case, "march", tmp_path / "o1", journal, new=True)
    _without_paragraph_keys(journal)
    wb = openpyxl.load_workbook(case / "stoetteark.xlsx")
    services = wb["services"]
    for row in range(services.max_row, 1, -1):
        if services.cell(row, 1).value == "SEL108-BO":
            services.delete_rows(row)
    wb.save(case / "stoetteark.xlsx")
    second = _run(case, "april", tmp_path / "o2", journal)
    assert second.decisions["reason"].fillna("").tolist() == ["ALREADY_PAID", ""]


def test_a_schema_1_journals_payment_is_not_paid_again_under_the_paragraphs_other_service(tmp_path):
    """A journal of invoicekit 0.1 keeps a legacy citizen key (the birth date
    for the CPR number): compared as one. Its SOL-1101 paid April 2019 under
    B-1001 (SEL108-BO); the grant ended in March and came again as the daily
    SEL108-DAG."""
    example = Path(__file__).parent / "data" / "example"
    journal = tmp_path / "journal.sqlite"
    journal.write_bytes((Path(__file__).parent / "data" / "journal_v1" / "journal-v1.sqlite").read_bytes())
    wb = openpyxl.load_workbook(example / "stoetteark.xlsx")
    wb["Ydelser"].append([DAILY, "§ 108", "Udviklingshæmmede"])
    wb.save(tmp_path / "stoetteark.xlsx")
    grants = (example / "bevillinger.csv").read_text(encoding="utf-8")
    grants = grants.replace("28500.00,month,01-01-2018,", "28500.00,month,01-01-2018,31-03-2019")
    grants += f"B-2001,610190-1234,{DAILY},Døgn,29345716,950.00,day,01-04-2019,\n"
    (tmp_path / "bevillinger.csv").write_text(grants, encoding="utf-8")
    (tmp_path / "april.csv").write_text(
        "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n"
        "SOL-D1;29345716;28.500,00;6101901234;01.04.2019;30.04.2019\n",
        encoding="utf-8",
    )
    common = {"grants": tmp_path / "bevillinger.csv", "invoices": tmp_path / "april.csv",
              "support_sheet": tmp_path / "stoetteark.xlsx"}  # fmt: skip
    dry = run(**common, out=tmp_path / "dry", journal=journal, dry_run=True)  # read as it is
    assert dry.decisions["reason"].tolist() == ["ALREADY_PAID"]
    res = run(**common, out=tmp_path / "out", journal=journal)  # migrated first
    assert res.decisions["reason"].tolist() == ["ALREADY_PAID"] and "SOL-1101" in res.decisions["message"].iat[0]


@pytest.mark.parametrize("paragraph", ["108", "§ 108", "SEL §108"])
def test_a_history_written_by_hand_reads_its_paragraph_as_a_sheet_does(paragraph):
    """``History.from_tables`` keyed the paragraph as written: '§ 108' never
    matched the '108' decide codes. A blank one makes no key."""
    paid = pd.DataFrame(
        {"grant_id": ["OLD-1", "OLD-2"], "cpr": [A, A], "supplier_cvr": [SOLHOJ, SOLHOJ],
         "service_code": ["SEL108-BO", "SEL104-AKT"], "paragraph": [paragraph, ""],
         "period_start": ["2019-03-01", "2019-03-01"], "period_end": ["2019-03-31", "2019-03-31"]}
    )  # fmt: skip
    history = History.from_tables(paid=paid)
    assert history.paid["paragraph_key"].iat[1] == ""
    d = _decided(invoice(invoice_id="F-9", amount="29.450,00"), grants=_grants(DAILY_AGAIN), history=history)
    assert d["reason"].tolist() == ["ALREADY_PAID"]


def _march_paid() -> History:
    """March paid under SEL108-BO, as ``History.from_tables`` keys it."""
    paid = {"grant_id": ["OLD-1"], "cpr": [A], "supplier_cvr": [SOLHOJ], "service_code": ["SEL108-BO"],
            "period_start": ["2019-03-01"], "period_end": ["2019-03-31"]}  # fmt: skip
    return History.from_tables(paid=pd.DataFrame(paid))


def test_a_history_built_as_an_older_version_built_it_is_read():
    """A ``History`` whose paid periods lack the newer columns (paragraph key,
    paragraph) is compared as one recorded before them, not a KeyError."""
    older = _march_paid()
    history = History(
        seen=older.seen, paid=older.paid.drop(columns=["paragraph_key", "paragraph"]), secret=older.secret
    )
    d = _decided(invoice(invoice_id="F-9", amount="29.450,00"), grants=_grants(DAILY_AGAIN), history=history)
    assert d["reason"].tolist() == ["ALREADY_PAID"]  # by the sheet's paragraph of SEL108-BO


def test_the_comparison_with_payments_recorded_before_the_key_asks_only_invoices_that_may_overlap_them():
    """Counted, not timed: an invoice whose period begins after every old
    payment of a service is not hashed under that service (the cost stayed
    with every run while such payments were in the journal)."""
    decide_module = importlib.import_module("invoicekit.decide")
    older = _march_paid()
    history = History(seen=older.seen, paid=older.paid.assign(paragraph_key=""), secret=older.secret)
    asked = []
    real = decide_module._paid_under_the_paragraph

    def counting(*args, **kwargs):
        probes = real(*args, **kwargs)
        asked.extend(len(p[0]) for p in probes)
        return probes

    later = invoice(invoice_id="F-9", amount="28.500,00", period_start="01.04.2019", period_end="30.04.2019")
    with mock.patch.object(decide_module, "_paid_under_the_paragraph", counting):
        d = _decided(later, grants=_grants(DAILY_AGAIN), history=history)
    assert d["reason"].tolist() == [""] and sum(asked) == 0


def test_an_old_payment_without_an_end_does_not_switch_the_comparison_off_for_its_service():
    """Found by a review: the bound of the old payments' periods was NaT when
    one had no end, and then no invoice was asked at all."""
    paid = {"grant_id": ["OLD-0", "OLD-1"], "cpr": [A, A], "supplier_cvr": [SOLHOJ, SOLHOJ],
            "service_code": ["SEL108-BO", "SEL108-BO"], "period_start": ["2019-01-01", "2019-03-01"],
            "period_end": [None, "2019-03-31"]}  # fmt: skip
    older = History.from_tables(paid=pd.DataFrame(paid))
    history = History(seen=older.seen, paid=older.paid.assign(paragraph_key=None), secret=older.secret)
    d = _decided(invoice(invoice_id="F-9", amount="29.450,00"), grants=_grants(DAILY_AGAIN), history=history)
    assert d["reason"].tolist() == ["ALREADY_PAID"]


def test_an_old_payment_whose_paragraph_no_one_knows_holds_no_other_service_back():
    """Neither the journal nor today's sheet knows the paragraph of OLD-SVC:
    it is no kin of any service (it held a § 108 invoice back, and said the
    old payment was § 108)."""
    paid = {"grant_id": ["OLD-1"], "cpr": [A], "supplier_cvr": [SOLHOJ], "service_code": ["OLD-SVC"],
            "paragraph": [""], "period_start": ["2019-03-01"], "period_end": ["2019-03-31"]}  # fmt: skip
    history = History.from_tables(paid=pd.DataFrame(paid))
    d = _decided(invoice(invoice_id="F-9", amount="29.450,00"), grants=_grants(DAILY_AGAIN), history=history)
    assert d["reason"].tolist() == [""]
