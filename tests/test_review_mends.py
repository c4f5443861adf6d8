"""What a review of 0.9.27's mends found, each a fault until mended: check 21's old payments of a service
named only in rows left out, or recorded under a paragraph that names none; paid marks of a grant the extract
writes 123.0, or whose own CPR lost its leading zero; and the flush of the output folder after the commit."""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from invoicekit import History, decide, prepare_grants, prepare_invoices, prepare_support_sheet
from invoicekit.extracts import read_grants
from invoicekit.paid_marks import prepare_paid_marks, read_paid_marks
from tests.conftest import SOLHOJ, A, grants_table, invoice, support_tables
from tests.test_attack_delivery import fail_fsync_of
from tests.test_attacks import month, runs_in
from tests.test_attacks import robot as robot  # a fixture, found by its name
from tests.test_paid_marks_review import _re_registered

MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}
DAILY = "SEL108-DAG"


def _sheet(bo_paragraph: str = "§ 108") -> dict[str, pd.DataFrame]:
    sheet = support_tables()
    sheet["services"].loc[sheet["services"]["service_code"] == "SEL108-BO", "paragraph"] = bo_paragraph
    sheet["services"].loc[len(sheet["services"])] = [DAILY, "§ 108", "Udviklingshæmmede"]
    return sheet


def _daily_grants() -> pd.DataFrame:
    g = grants_table()
    g = g[g["cpr"] != A].reset_index(drop=True)
    g.loc[len(g)] = ["G-D", A, DAILY, SOLHOJ, "950.00", "day", "2019-03-01", ""]
    return g


def _old_payment(paragraph: str = "", service: str = "SEL108-BO") -> History:
    """March paid by a version before the paragraph key (none kept), its service written as the extract wrote
    it then."""
    paid = {"grant_id": ["OLD-1"], "cpr": [A], "supplier_cvr": [SOLHOJ], "service_code": [service],
            "paragraph": [paragraph], "period_start": ["2019-03-01"], "period_end": ["2019-03-31"]}  # fmt: skip
    return History.from_tables(paid=pd.DataFrame(paid))


# ---------------------------------------------------------------- check 21 and payments of old versions
@pytest.mark.parametrize("written", ["§ 107/108", "SEL"])
def test_check21_old_payment_of_a_service_whose_only_row_is_left_out_counts_under_every_paragraph(written):
    """README (0.9.27): an old payment without a paragraph key is compared under 'every paragraph where the
    sheet holds the service back, a row of it left out'. That holds where a readable row of the service is
    there too (held_services), not where the service's ONLY row is left out (services_out): then
    known.get() finds nothing, the paragraph is '' and the payment is compared with no other service."""
    sheet = _sheet()
    sheet["services"].loc[sheet["services"]["service_code"] == "SEL108-BO", "paragraph"] = written
    history = _old_payment()
    assert history.paid["paragraph_key"].tolist() == [""]
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-9", amount="29.450,00")])),
               prepare_grants(_daily_grants()), prepare_support_sheet(sheet), None, history).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"]


def test_check21_control_a_readable_row_beside_the_left_out_one_holds_back():
    """Control for the test above (passes): § 104 readable + a row left out -> held."""
    sheet = _sheet()
    sheet["services"].loc[sheet["services"]["service_code"] == "SEL108-BO", "paragraph"] = "§ 104"
    sheet["services"].loc[len(sheet["services"])] = ["SEL108-BO", "§ 107/108", "Udviklingshæmmede"]
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-9", amount="29.450,00")])),
               prepare_grants(_daily_grants()), prepare_support_sheet(sheet), None, _old_payment()).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"]


# ---------------------------------------------------------------- paid marks


@pytest.mark.parametrize("marked", ["123", "0123", "123.0"])
def test_a_mark_of_123_finds_the_extracts_grant_written_123_0(tmp_path: Path, marked):
    """The mirror of test_a_grant_number_saved_as_an_excel_float_in_the_marks_is_the_grant: here the GRANTS
    extract is the CSV saved from Excel (grant id 123.0, usable), Sensum's mark says 123. _by_value only
    looks among extract ids of digits alone ([0-9]+), so 123.0 is never found; the mark is 'not comparable'
    and March is paid again under G-NEW."""
    g = _re_registered(grant_id="123.0")
    path = tmp_path / "bevillinger.csv"
    g.to_csv(path, index=False, sep=";")
    marks = pd.DataFrame([(marked, "01.03.2019", "31.03.2019", "SOL-1001")],
                         columns=["grant_id", "period_start", "period_end", "invoice_id"])  # fmt: skip
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", **MARCH)])), read_grants(path),
               prepare_support_sheet(support_tables()), paid=prepare_paid_marks(marks)).decisions  # fmt: skip
    assert d["grant_id"].tolist() == ["G-NEW"]
    assert d["reason"].tolist() == ["ALREADY_PAID"]


@pytest.mark.parametrize("cpr", ["101901234.0", "101901234"])
def test_a_marks_own_cpr_with_its_leading_zero_lost_by_excel_still_names_the_citizen(tmp_path, cpr):
    """A mark's own CPR as a CSV saved from Excel writes a CPR number beginning with 0 (a third of all
    citizens): the leading zero lost (and maybe '.0'). The grants reader pads such a cell when reading
    loosely; the marks reader strips '.0' and leaves 9 digits: the mark is 'not comparable' and March is
    paid again."""
    citizen = "0101901234"
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", ["grant_id", "cpr"]] = ["G-NEW", citizen]
    path = tmp_path / "paid.csv"
    path.write_text(f"grant_id;period_start;period_end;cpr;supplier_cvr;service_code\n"
                    f"G-OLD;01.03.2019;31.03.2019;{cpr};{SOLHOJ};SEL108-BO\n", encoding="utf-8")  # fmt: skip
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", cpr="010190-1234", **MARCH)])),
               prepare_grants(g), prepare_support_sheet(support_tables()), paid=read_paid_marks(path)).decisions  # fmt: skip
    assert d["grant_id"].tolist() == ["G-NEW"] and d["status"].tolist() != ["posted"], d[["reason", "message"]]
    assert d["reason"].tolist() == ["ALREADY_PAID"]


# ---------------------------------------------------------------- delivery: fsync_path


def test_a_failed_flush_of_the_output_folder_after_the_commit_says_the_run_is_recorded(robot, monkeypatch):
    """deliver() flushes the output folder after the files were moved, i.e. after the commit. Since
    0.9.27 a failure there raises OutputError 'could not flush <out> to disk', exit 1, with no word that
    the run IS recorded and its payment file IS in place (the os.replace failure beside it says so, and
    run.py's mark_delivered handler exists precisely so that no error says 'failed' beside a payment
    file to import). A caseworker reads exit 1 as 'nothing happened'."""
    out = str(robot.tmp / "o1")
    # only the output folder, after the commit: once the payment file was moved into it (since 0.9.42 it is
    # flushed before the commit too, the entry of the staging folder in it; a failure there fails the run)
    fail_fsync_of(monkeypatch, lambda name: name == out and os.path.exists(os.path.join(out, "opus_postings.csv")))
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    monkeypatch.undo()
    assert code == 1  # files that could not be made safe on disk: exit 1, as the README says
    assert runs_in(robot.journal) == 1  # recorded
    assert (robot.tmp / "o1" / "opus_postings.csv").exists()  # and the payment file is in place
    # observed: exit 1, "could not flush .../o1 to disk (Input/output error)" and nothing more
    assert "recorded" in printed.err, printed.err
    # and the next run on the journal finishes the delivery (its files found in place)
    code, printed, _ = robot.run(month(4, invoice_id="F-2"), out="o2")
    assert code == 0, printed.err
    with sqlite3.connect(robot.journal) as conn:
        assert conn.execute("SELECT run_id FROM runs WHERE delivered_at IS NULL").fetchall() == []


def test_files_are_flushed_through_a_descriptor_open_for_writing_as_windows_needs(robot, monkeypatch):
    """Simulation of Windows: os.fsync is _commit/FlushFileBuffers, which needs a handle opened for
    writing and fails with EBADF on one opened O_RDONLY (as fsync_path opens every file). Until 0.9.27
    that was suppressed; now every staged file's flush raises OutputError, so no run can ever be recorded
    on Windows (the code keeps Windows branches: msvcrt locking, 'folders cannot be opened on Windows')."""
    from invoicekit import delivery

    real = os.fsync

    def windows_like(fd):
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise OSError(errno.EBADF, "Bad file descriptor")
        return real(fd)

    monkeypatch.setattr(delivery.os, "fsync", windows_like)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="o1")
    monkeypatch.undo()
    # observed: exit 1 "could not flush .../.invoicekit-staging-…/decisions.csv to disk (Bad file descriptor)"
    assert code == 0, printed.err


# ---------------------------------------------------------------- a recorded paragraph that names none
def test_check21_old_payment_recorded_under_paragraph_SEL_falls_back_to_todays_sheet():
    """A version before 0.9.13 (and before 0.9.27) coded a service whose sheet row said 'SEL' under the
    paragraph 'SEL' and recorded that text beside the payment (no paragraph key). Today's sheet says
    SEL108-BO is § 108. _paid_under_the_paragraph normalises the recorded 'SEL' to '' (0.9.27) and, the
    recorded cell not being blank, never asks today's sheet: the payment is compared with no other
    service, and March is paid again under the daily § 108 service. With the paragraph cell blank the
    same payment IS held (test_a_payment_recorded_before_the_paragraph_key_is_still_found_by_its_service)."""
    older = _old_payment()
    history = History(seen=older.seen, paid=older.paid.assign(paragraph="SEL", paragraph_key=""), secret=older.secret)
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-9", amount="29.450,00")])),
               prepare_grants(_daily_grants()), prepare_support_sheet(_sheet()), None, history).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"]


# ---------------------------------------------------------------- a third review
ZERO = "0101901234"  # a citizen whose CPR begins with 0: Excel writes 101901234


def _re_registered_from_an_unknown_service() -> pd.DataFrame:
    """G-OLD (a service today's sheet no longer names, ended Feb.) and G-NEW, § 108, from March."""
    g = grants_table()
    g.loc[len(g)] = ["G-OLD", ZERO, "SEL108-GAMMEL", SOLHOJ, "28500.00", "month", "2018-01-01", "2019-02-28"]
    g.loc[len(g)] = ["G-NEW", ZERO, "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-03-01", ""]
    return g


@pytest.mark.parametrize("cpr", ["101901234", "101901234.0", "0101901234"])
def test_a_marks_own_cpr_padded_hides_the_extracts_grant_of_an_unknown_service(tmp_path: Path, cpr):
    """March marked paid in Sensum under G-OLD, whose service the sheet does not know (still in the
    extract): the mark counts under every paragraph (the 'looked' rows of paid_from_marks; the reference
    agrees), so G-NEW's March is held. When the mark also carries its own CPR, CVR and service, the
    row made of its own cells is the same (row, cpr, cvr, service) as the extract's, comes first in the
    concat and survives drop_duplicates with own=False, looked=False: it is no longer 'unknown', gets
    paragraph '' and is compared by grant and service alone, and March is posted again under G-NEW.
    Before 5e8ae2f a nine-digit CPR was invalid, the own row never made, and March was held: padding
    turned a held month into a paid one (with a ten-digit CPR the fault was there already)."""
    path = tmp_path / "paid.csv"
    path.write_text("grant_id;period_start;period_end;cpr;supplier_cvr;service_code\n"
                    f"G-OLD;01.03.2019;31.03.2019;{cpr};{SOLHOJ};SEL108-GAMMEL\n", encoding="utf-8")  # fmt: skip
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", cpr="010190-1234", **MARCH)])),
               prepare_grants(_re_registered_from_an_unknown_service()), prepare_support_sheet(support_tables()),
               paid=read_paid_marks(path)).decisions  # fmt: skip
    assert d["grant_id"].tolist() == ["G-NEW"]
    assert d["reason"].tolist() == ["ALREADY_PAID"], d[["status", "message"]].to_dict("records")


def test_control_the_same_mark_without_its_own_cpr_is_held(tmp_path: Path):
    """Control (passes): no own cells; the extract's G-OLD alone, every paragraph: held."""
    path = tmp_path / "paid.csv"
    path.write_text("grant_id;period_start;period_end\nG-OLD;01.03.2019;31.03.2019\n", encoding="utf-8")
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", cpr="010190-1234", **MARCH)])),
               prepare_grants(_re_registered_from_an_unknown_service()), prepare_support_sheet(support_tables()),
               paid=read_paid_marks(path)).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"]


# ---------------------------------------------------------------- check 21: an old payment's service as check 21 reads it


@pytest.mark.parametrize("bo_paragraph", ["§ 108", "SEL"])  # readable; or named only in a row left out (new)
@pytest.mark.parametrize("recorded", ["SEL108-BO", "SEL108 BO", "SEL 108-BO", "SEL108‐BO"])
def test_check21_old_payment_finds_todays_sheet_row_of_its_service_as_check21_compares_services(bo_paragraph, recorded):
    """_paid_under_the_paragraph looks the recorded service up in today's sheet by
    str(v).strip().casefold() (the sheet's service_key), while check 21 compares services by
    normalise_numbers (spaces, dashes, NFKC: SEL108 BO is SEL108-BO, its citizen key the same).
    paid_from_marks looks marks' services up 'as check 21 compares them'. A payment recorded as
    'SEL108 BO' finds no paragraph (nor the new '*'), is compared with no other service, and March is paid
    again under the daily § 108 service."""
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-9", amount="29.450,00")])),
               prepare_grants(_daily_grants()), prepare_support_sheet(_sheet(bo_paragraph)), None,
               _old_payment(service=recorded)).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"], d[["status", "message"]].to_dict("records")


def test_check21_an_old_payment_counted_under_every_paragraph_is_not_said_to_be_of_the_invoices_paragraph():
    """The new '*' (a service the sheet names only in rows left out) holds a § 104 day service at the same
    supplier back, as designed; but the message is PAID_SAME_PARAGRAPH with the INVOICE's paragraph: 'har
    allerede fået betalt ydelsen SEL108-BO efter § 104' -- a statement nobody can make (the sheet's row of
    SEL108-BO cannot be read; it was § 108). '*' itself does not leak, but the caseworker is told a false
    paragraph instead of being told the paragraph is unknown (as PAID_ANY_SERVICE does for marks)."""
    sheet = _sheet("SEL")  # SEL108-BO named only in a row left out
    sheet["coding"].loc[len(sheet["coding"])] = ["104", "privat", "Udviklingshæmmede", "PSP-104-P", "47000000",
                                                 "2018-01-01", ""]  # fmt: skip
    g = _daily_grants()
    g.loc[len(g)] = ["G-DAG104", A, "SEL104-AKT", SOLHOJ, "450.00", "day", "2019-01-01", ""]
    g = g[g["grant_id"] != "G-D"]
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-9", amount="13.950,00")])),
               prepare_grants(g), prepare_support_sheet(sheet), None, _old_payment(service="SEL108-BO")).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"]  # held, as designed
    assert "efter § 104" not in d["message"][0], d["message"][0]


# ---------------------------------------------------------------- delivery: the folder flush's message


def test_a_dry_runs_failed_folder_flush_does_not_invite_importing_its_payment_file(robot, monkeypatch):
    """deliver()'s new wording for a failed flush of the output folder ends, for every run without a run id
    (a dry run included), with '; check the disk before importing the payment file'. A dry run records
    nothing: its opus_postings.csv imported into OPUS pays invoices the journal never hears of, and the
    next real run pays them again. The advice must not be given for a dry run. Since 0.9.28 a dry run does
    not flush its folder at all (test_attack_journal_copies.py): it ends as any dry run does."""
    assert robot.run(month(2, invoice_id="F-0"), out="o0")[0] == 0  # a journal to dry-run on
    out = str(robot.tmp / "dry")
    fail_fsync_of(monkeypatch, lambda name: name == out)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="dry", extra=("--dry-run",))
    monkeypatch.undo()
    assert code == 0, printed.err
    assert "import" not in printed.err, printed.err


# ---------------------------------------------------------------- a fourth review
def test_old_payment_of_a_service_whose_code_normalises_to_nothing_keeps_todays_sheet_paragraph():
    """The sheet codes a service written '-' (a placeholder Sensum writes) under § 108; a version before the
    paragraph key paid March under it. Before e930c5a the payment was looked up by the sheet's service_key
    ('-': § 108) and the daily § 108 invoice for March was held. Now the lookup key is normalise_numbers('-')
    == '' and `known.pop("", None)` drops it: the paragraph is '', no probe is made, March is paid again."""
    sheet = support_tables()
    sheet["services"].loc[len(sheet["services"])] = [DAILY, "§ 108", "Udviklingshæmmede"]
    sheet["services"].loc[len(sheet["services"])] = ["-", "§ 108", "Udviklingshæmmede"]
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-9", amount="29.450,00")])),
               prepare_grants(_daily_grants()), prepare_support_sheet(sheet), None, _old_payment(service="-")).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"], d[["status", "message"]].to_dict("records")


def test_a_run_without_a_journal_whose_folder_flush_fails_still_says_its_files_are_in_place(robot, monkeypatch):
    """A run without a journal writes importable files (run.json: run_id null, dry_run false; prepare()
    then refuses the folder: 'a run made without a journal, whose payment file may have been used').
    e930c5a re-raises the plain 'could not flush <out> to disk' for every run_id None, not only dry runs:
    exit 1 and no word that opus_postings.csv is already in place, while the folder can no longer be reused."""
    out = str(robot.tmp / "nojournal")
    fail_fsync_of(monkeypatch, lambda name: name == out)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="nojournal", journal=False)
    monkeypatch.undo()
    assert code == 1
    assert (robot.tmp / "nojournal" / "opus_postings.csv").exists()  # the payment file is in place
    assert "payment file" in printed.err or "in place" in printed.err, printed.err


def test_a_dry_run_whose_file_cannot_be_moved_into_place_promises_no_later_delivery(robot, monkeypatch):
    """A review: the message for a file that could not be moved said "the next run on the journal delivers
    them" for a dry run too, which nothing records and no run delivers."""
    from invoicekit import delivery

    assert robot.run(month(2, invoice_id="F-0"), out="o0")[0] == 0

    def failing(src, dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(delivery.os, "replace", failing)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="dry", extra=("--dry-run",))
    monkeypatch.undo()
    assert code == 1
    assert "nothing was recorded" in printed.err and "delivers them" not in printed.err, printed.err


# ---------------------------------------------------------------- a fifth review
@pytest.mark.parametrize("recorded", ["\u2010", "\u2013", "--", "- -"])
def test_old_payment_under_another_spelling_of_the_placeholder_keeps_its_paragraph(recorded):
    """Check 21 takes '-', '‐', '–', '--' and '- -' for one service; the sheet's '-' (§ 108) was looked up by
    the spelling as written, and an old payment under '‐' found no paragraph: March paid again."""
    sheet = support_tables()
    sheet["services"].loc[len(sheet["services"])] = [DAILY, "§ 108", "Udviklingshæmmede"]
    sheet["services"].loc[len(sheet["services"])] = ["-", "§ 108", "Udviklingshæmmede"]
    d = decide(prepare_invoices(pd.DataFrame([invoice(invoice_id="F-9", amount="29.450,00")])),
               prepare_grants(_daily_grants()), prepare_support_sheet(sheet), None,
               _old_payment(service=recorded)).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"], d[["status", "message"]].to_dict("records")


@pytest.mark.parametrize(("extra", "journal"), [((), False), (("--dry-run",), True)])
def test_a_run_without_a_run_id_whose_manifest_cannot_be_moved_names_the_payment_file_already_in_place(
    robot, monkeypatch, extra, journal
):
    """run.json is moved last: where only its move fails, the payment file is already in --out, and a run
    nothing recorded must not be taken for one that left nothing (imported beside a second run's, it pays
    twice)."""
    from invoicekit import delivery

    if journal:
        assert robot.run(month(2, invoice_id="F-0"), out="o0")[0] == 0
    real = os.replace

    def failing(src, dst):
        if str(dst).endswith("run.json"):
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(delivery.os, "replace", failing)
    code, printed, _ = robot.run(month(3, invoice_id="F-1"), out="x", journal=journal, extra=extra)
    monkeypatch.undo()
    assert code == 1
    assert (robot.tmp / "x" / "opus_postings.csv").exists()
    assert not (robot.tmp / "x" / "run.json").exists()
    assert "opus_postings.csv" in printed.err and "do not import" in printed.err, printed.err
