"""An attack on what the commands other than ``run`` print and write: no CPR
number in anything people read (README, "What the robot guarantees": only the
OPUS posting file holds full numbers), and a bad truth file, seed or output
folder ends in exit 2 with one line, never a traceback.

Each test here once got through (found by an attack session on 0.9.6). The
numbers are replacement CPR numbers (day + 60), which the robot reads as CPR
numbers all the same: ``750387-1301`` is 15 March 1987."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from invoicekit.cli import main
from invoicekit.identifiers import mask_cpr_text
from invoicekit.types import map_types
from tests.conftest import recorded_month, unnumbered
from tests.test_attacks import one_line

EXAMPLE = Path(__file__).parent / "data" / "example"
MASKED = "750387-xxxx"


def nothing_reads_as_cpr(text: str) -> None:
    """``text`` holds a masked number (so the value reached it) and nothing
    that still reads as a CPR number."""
    assert MASKED in text, text
    assert mask_cpr_text(text) == text, text


def _explain_case(folder: Path) -> list[str]:
    """Grants and a support sheet whose grant id, service code, PSP element,
    art account and target group read as CPR numbers."""
    (folder / "grants.csv").write_text(
        "grant_id,cpr,service_code,service_name,supplier_cvr,rate,rate_unit,start_date,end_date\n"
        "750387-1301,750387-1200,SEL108-BO,Bo,29345716,28500.00,month,01-01-2018,\n"
        "B-2,750387-1201,SEL108-750387-1202,Bo,29345716,1000.00,month,01-01-2018,\n",
        encoding="utf-8",
    )
    (folder / "invoices.csv").write_text(
        "invoice_id;supplier_cvr;cpr;period_start;period_end;amount;text\n"
        "SOL-1;29345716;750387-1200;01.03.2019;31.03.2019;28.500,00;marts\n"
        "SOL-2;29345716;750387-1201;01.03.2019;31.03.2019;1.000,00;marts\n",
        encoding="utf-8",
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ydelser"
    ws.append(["service_code", "paragraph", "target_group"])
    ws.append(["SEL108-BO", "§ 108", "Udv"])
    ws.append(["SEL108-750387-1202", "§ 108", "Udv 750387-1210"])
    ws = wb.create_sheet("Leverandører")
    ws.append(["CVR", "Ejerforhold"])
    ws.append([29345716, "privat"])
    ws = wb.create_sheet("Kontering")
    ws.append(["Paragraf", "Ejerforhold", "Målgruppe", "PSP-element", "Artskonto", "Gyldig fra", "Gyldig til"])
    ws.append(["108", "privat", "Udv", "XG-750387-1212", "7503871213", dt.datetime(2018, 1, 1), None])
    wb.save(folder / "stoetteark.xlsx")
    return ["--grants", str(folder / "grants.csv"), "--invoices", str(folder / "invoices.csv"),
            "--support-sheet", str(folder / "stoetteark.xlsx")]  # fmt: skip


@pytest.mark.parametrize("invoice_id", ["SOL-1", "SOL-2"])
def test_explain_prints_no_cpr_in_grant_ids_codes_or_coding(tmp_path, capsys, invoice_id):
    files = _explain_case(tmp_path)
    assert main(["explain", *files, "--invoice-id", invoice_id]) == 0
    nothing_reads_as_cpr(capsys.readouterr().out)


def test_the_type_names_of_labels_are_masked_in_the_printed_table_and_the_charts(tmp_path, capsys):
    invoices = tmp_path / "inv.csv"
    invoices.write_text(
        "invoice_id;supplier_cvr;cpr;period_start;period_end;amount;text\n"
        "A-1;29345716;750387-1200;01.03.2019;31.03.2019;28.500,00;Døgnophold marts\n"
        "A-2;29345716;750387-1201;01.03.2019;31.03.2019;1.000,00;Døgnophold marts\n"
        "A-3;31587603;750387-1203;01.03.2019;31.03.2019;13.950,00;Aktivitet\n",
        encoding="utf-8",
    )
    labels = tmp_path / "labels.csv"
    labels.write_text("invoice_id,invoice_type\nA-1,type 750387-1252\nA-2,type 750387-1252\nA-3,other\n")
    assert main(["types", "--invoices", str(invoices), "--labels", str(labels), "--out", str(tmp_path / "ty")]) == 0
    nothing_reads_as_cpr(capsys.readouterr().out)
    result = map_types([invoices], labels=labels)
    for name, fig in result.figures().items():
        shown = "\n".join(t.get_text() for ax in fig.axes for t in (*ax.get_yticklabels(), *ax.get_xticklabels()))
        assert mask_cpr_text(shown) == shown, name
    assert MASKED in "\n".join(t.get_text() for t in result.figures()["types"].axes[0].get_yticklabels())
    nothing_reads_as_cpr(result.text())


@pytest.fixture
def decided(tmp_path, capsys) -> Path:
    """The example case run with a new journal; its folder."""
    argv = ["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", str(EXAMPLE / "regninger.csv"),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--rules", str(EXAMPLE / "rules.toml"),
            "--new-journal", str(tmp_path / "journal.sqlite"), "--out", str(tmp_path / "out"), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    return tmp_path


def test_evaluate_prints_no_cpr_from_the_truth_file(decided, capsys):
    import pandas as pd

    d = pd.read_csv(decided / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    truth = pd.DataFrame(
        {
            "supplier_cvr": d["supplier_cvr"],
            "invoice_id": d["invoice_id"],
            "should_pay": "true",
            "true_grant_id": d["grant_id"],
            "true_psp_element": d["psp_element"],
            "true_art": "7503871402",  # every posting coded to the wrong account
            "cause": "c 750387-1506",
        }
    )
    truth.to_csv(decided / "truth.csv", index=False)
    argv = ["evaluate", "--decisions", str(decided / "out" / "decisions.csv"), "--truth", str(decided / "truth.csv")]
    assert main([*argv, "--out", str(decided / "ev")]) == 0
    out = capsys.readouterr().out
    assert "Wrong postings:" in out
    nothing_reads_as_cpr(out)


def test_a_business_case_writes_no_cpr_from_its_configuration(tmp_path, capsys):
    (tmp_path / "bc.toml").write_text(
        'title = "Business case 750387-1901"\nmunicipality = "Kommune 750387-1902"\n'
        'non_economic_benefits = ["Gevinst 750387-1903"]\n'
        '[[risks]]\nrisk = "Risiko 750387-1904"\nlikelihood = "lav"\nconsequence = "x"\nmitigation = "y"\n',
        encoding="utf-8",
    )
    assert main(["report", "business-case", "--config", str(tmp_path / "bc.toml"), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert mask_cpr_text(out) == out
    html = (tmp_path / "o" / "business-case.html").read_text(encoding="utf-8")
    for masked in ("Business case 750387-xxxx", "Kommune 750387-xxxx", "Gevinst 750387-xxxx", "Risiko 750387-xxxx"):
        assert masked in html
    assert mask_cpr_text(html) == html


def test_followup_writes_and_prints_no_cpr_from_the_journals_name_or_its_folder(decided, capsys):
    journal = decided / "journal 750387-2305.sqlite"  # a copy kept under another name
    shutil.copy(decided / "journal.sqlite", journal)
    out = decided / "rep"
    assert main(["report", "followup", "--journal", str(journal), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert mask_cpr_text(printed) == printed
    html = (out / "followup.html").read_text(encoding="utf-8")
    assert "Journal: journal 750387-xxxx.sqlite" in html
    assert mask_cpr_text(html) == html
    # a report folder so named is not made (since 0.9.15): its path would be shown masked, a path
    # that does not exist, and the number kept in its name
    assert main(["report", "followup", "--journal", str(journal), "--out", str(decided / "rep 750387-2306")]) == 2
    nothing_reads_as_cpr(capsys.readouterr().err)
    assert not (decided / "rep 750387-2306").exists()


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _quote_left_open(path: Path) -> Path:
    path.write_text('supplier_cvr,invoice_id,should_pay\n"29345716,SOL-1001,true\n', encoding="utf-8")
    return path


def _not_utf8(path: Path) -> Path:
    """Neither UTF-8 nor Windows-1252 (0x81 is no character of either): a Danish Excel's
    Windows-1252 is read since 0.9.17."""
    path.write_bytes(
        "supplier_cvr,invoice_id,should_pay,true_grant_id,true_psp_element,true_art\n"
        "31587603,KIL-201,true,B-1002,XG-5385901040-00001,Særlig\n".encode("cp1252")
        + b"\x81\n"
    )
    return path


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_empty, "is empty"),
        (_not_utf8, "is neither UTF-8 nor Windows-1252 text"),
        (_quote_left_open, "cannot be read as CSV"),
    ],
    ids=["empty", "neither encoding", "open quote"],
)
def test_a_truth_file_that_cannot_be_read_is_a_users_mistake(decided, capsys, make, says):
    truth = make(decided / "truth.csv")
    decisions = str(decided / "out" / "decisions.csv")
    for argv in (
        ["evaluate", "--decisions", decisions, "--truth", str(truth), "--out", str(decided / "ev")],
        ["report", "followup", "--journal", str(decided / "journal.sqlite"), "--truth", str(truth),
         "--out", str(decided / "rep")],
    ):  # fmt: skip
        assert main(argv) == 2, argv
        one_line(capsys.readouterr().err, str(truth), says, "expected a truth.csv")


def test_a_worlds_truth_file_that_cannot_be_read_is_a_users_mistake(tmp_path, capsys):
    world = tmp_path / "w"
    argv = ["synth", "--scenario", "baseline", "--seed", "3", "--citizens", "30", "--months", "1", "--out", str(world)]
    assert main([*argv, "--quiet"]) == 0
    truth = _empty(world / "truth.csv")
    for argv in (
        ["replay", "--world", str(world), "--new-journal", str(tmp_path / "j.sqlite"), "--out", str(tmp_path / "r")],
        ["evaluate", "--world", str(world), "--out", str(tmp_path / "ev")],
        ["tune", "--world", str(world), "--grid", "tolerance=1", "--out", str(tmp_path / "tu")],
    ):
        assert main([*argv, "--quiet"]) == 2, argv
        one_line(capsys.readouterr().err, str(truth), "is empty", "expected a world's truth.csv")
    assert not (tmp_path / "j.sqlite").exists()


def test_a_control_sheet_into_a_folder_that_cannot_be_made_is_one_line_and_no_traceback(decided):
    """A missing folder is made, as the other commands make theirs (since 0.9.23, a user review);
    one that cannot be made (a file stands in its place) is one line, no traceback: the user's mistake,
    exit 2, as run and tune say it (exit 1, as for a full disk, until 0.9.32: an attack)."""
    month = recorded_month(decided / "journal.sqlite")
    (decided / "a-file").write_text("not a folder", encoding="utf-8")
    argv = [sys.executable, "-m", "invoicekit.cli", "sample", "draw", "--journal", str(decided / "journal.sqlite"),
            "--month", month, "--out", str(decided / "a-file" / "k.xlsx")]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    one_line(done.stderr, "a-file", "is a file, or lies under one; expected a folder")
    assert (decided / "a-file").read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("seed", ["-5", "4294967296", "x"])
def test_a_seed_out_of_range_is_a_usage_error(decided, capsys, seed):
    for argv in (
        ["sample", "draw", "--journal", str(decided / "journal.sqlite"), "--month", "2019-03", "--seed", seed,
         "--out", str(decided / "k.xlsx")],
        ["types", "--invoices", str(EXAMPLE / "regninger.csv"), "--seed", seed, "--out", str(decided / "ty")],
    ):  # fmt: skip
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert "--seed" in err and "expected a whole number from 0 to 4294967295" in err and "Traceback" not in err
    assert not (decided / "k.xlsx").exists() and not (decided / "ty").exists()


def test_followup_with_grants_masks_grant_ids_that_read_as_cpr_numbers(decided, capsys):
    """The follow-up's task list quotes grant ids from ``--grants``; one that
    reads as a CPR number was shown in full on the HTML page, though the
    workbook and the actions files masked it."""
    text = (EXAMPLE / "bevillinger.csv").read_text(encoding="utf-8")
    for k in range(1001, 1020):
        text = text.replace(f"B-{k},", f"750387{k + 1000},")  # 750387-2001 …: each a CPR number
    (decided / "grants.csv").write_text(text, encoding="utf-8")
    out = decided / "rep"
    argv = ["report", "followup", "--journal", str(decided / "journal.sqlite"), "--out", str(out)]
    assert main([*argv, "--grants", str(decided / "grants.csv")]) == 0
    capsys.readouterr()
    html = (out / "followup.html").read_text(encoding="utf-8")
    assert "Næste måneds opgaver" in html
    nothing_reads_as_cpr(html)


def test_a_rate_range_without_a_journal_says_its_likely_value_is_no_default(tmp_path, capsys):
    """``automation_rate = [0.5, 0.6]`` and no journal: the range's end nearest
    the default (0.38), 50 %, is the likely value; the workbook labelled it
    "antaget (standardværdi)", as if 50 % were the default."""
    from openpyxl import load_workbook

    (tmp_path / "bc.toml").write_text("automation_rate = [0.5, 0.6]\n", encoding="utf-8")
    argv = ["report", "business-case", "--config", str(tmp_path / "bc.toml"), "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Automation rate"))
    assert "50.0%" in line and "the end nearest the default 38.0%" in line
    ws = load_workbook(tmp_path / "o" / "business-case.xlsx")["Forudsætninger"]
    heading = [c.value for c in ws[1]]
    row = next(
        r for r in ws.iter_rows(min_row=2) if r[heading.index("Nøgle i konfigurationen")].value == "automation_rate"
    )
    assert row[heading.index("Målt eller antaget")].value == "antaget (konfiguration)"
    assert row[heading.index("Kilde")].value == "konfiguration"


def _edited_status(d, truth):
    d.loc[2, "status"] = "maybe"  # counted as manual
    return d, truth


def _status_twice(d, truth):
    d.insert(len(d.columns), "status ", "posted")
    return d, truth


def _should_pay_twice(d, truth):
    truth.insert(len(truth.columns), "should_pay ", "false")
    return d, truth


@pytest.mark.parametrize(
    ("edit", "file", "says"),
    [(_edited_status, "decisions", "row 4, column status: 'maybe'; expected posted or manual"),
     (_status_twice, "decisions", "column 'status': is given twice; expected each column once"),
     (_should_pay_twice, "truth", "column 'should_pay': is given twice")],
    ids=["status maybe", "status twice", "should_pay twice"],
)  # fmt: skip
def test_an_edited_decisions_or_truth_file_is_refused_not_half_read(decided, capsys, edit, file, says):
    """A status edited to 'maybe' was read as manual, and a second status or
    should_pay column was left unread (pandas names it 'status.1') while the
    first was used: the evaluation judged other decisions than the file held."""
    import pandas as pd

    d = pd.read_csv(decided / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    truth = pd.DataFrame({"supplier_cvr": d["supplier_cvr"], "invoice_id": d["invoice_id"], "should_pay": "true",
                          "true_grant_id": d["grant_id"], "true_psp_element": d["psp_element"], "true_art": d["art"]})  # fmt: skip
    argv = ["evaluate", "--decisions", str(decided / "d.csv"), "--truth", str(decided / "t.csv")]
    for edited in (False, True):
        d_out, t_out = edit(d.copy(), truth.copy()) if edited else (d, truth)
        d_out.to_csv(decided / "d.csv", index=False)
        t_out.to_csv(decided / "t.csv", index=False)
        if edited:  # the header as a person leaves it: 'status ' is 'status' once read
            for name in ("d.csv", "t.csv"):
                path = decided / name
                path.write_text(path.read_text(encoding="utf-8").replace(",status ,", ",status,", 1)
                                .replace("status \n", "status\n", 1).replace("should_pay \n", "should_pay\n", 1),
                                encoding="utf-8")  # fmt: skip
        code = main([*argv, "--out", str(decided / ("ev2" if edited else "ev1"))])
        if not edited:
            assert code == 0
            capsys.readouterr()
            continue
        assert code == 2
        one_line(capsys.readouterr().err, str(decided / ("d.csv" if file == "decisions" else "t.csv")), says)


@pytest.mark.parametrize(
    "hidden", ["\u00ad", "\u200b", "\u00a0", "\n"], ids=["soft hyphen", "zero width", "nbsp", "newline"]
)
def test_a_value_quoted_in_an_error_is_masked_before_it_is_escaped(decided, tmp_path, capsys, hidden):
    """Quoted as repr writes it, 010190‹soft hyphen›1234 became
    '010190\\xad1234', which the masking of the message no longer read as a
    CPR number: the full number stood on stderr (found by an attack on 0.9.10)."""
    number = f"010190{hidden}1234"
    rules = tmp_path / "rules.toml"
    toml_text = number.replace("\n", "\\n")  # the character itself, but a line break as TOML escapes it
    rules.write_text(f'excluded_suppliers = ["{toml_text}"]\n', encoding="utf-8")
    argv = ["run", "--grants", str(EXAMPLE / "bevillinger.csv"), "--invoices", str(EXAMPLE / "regninger.csv"),
            "--support-sheet", str(EXAMPLE / "stoetteark.xlsx"), "--rules", str(rules), "--out", str(tmp_path / "o"),
            "--dry-run"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "010190-xxxx" in err and "1234" not in unnumbered(err), err
    assert main(["sample", "draw", "--journal", str(decided / "journal.sqlite"), "--month", number,
                 "--out", str(tmp_path / "k.xlsx")]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "010190-xxxx" in err and "1234" not in unnumbered(err), err
    assert main(["tune", "--world", str(tmp_path), "--grid", f"max_amount={number}"]) == 2
    err = capsys.readouterr().err
    assert "1234" not in unnumbered(err), err
