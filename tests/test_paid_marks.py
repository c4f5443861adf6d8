"""Sensum's paid marks (``run --paid``): a grant period paid by hand is not
paid again by the robot.

The journal knows only the robot's postings. An invoice sent to manual
handling, paid by hand and sent again under a new number (a reminder) was
paid a second time by the robot: the spec's check 21 could not see the first
payment. With Sensum's paid marks it can.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from invoicekit import decide, prepare_grants, prepare_invoices, prepare_support_sheet, run
from invoicekit.cli import main
from invoicekit.paid_marks import prepare_paid_marks, read_paid_marks, with_paid_marks
from tests.conftest import SOLHOJ, A, grants_table, invoice, support_tables

#: a second citizen at Solhøj
OTHER = "0101901234"
MARCH = {"period_start": "01.03.2019", "period_end": "31.03.2019"}


def _decide(*invoices: dict, marks: pd.DataFrame | None = None, grants: pd.DataFrame | None = None):
    return decide(
        prepare_invoices(pd.DataFrame(list(invoices))),
        prepare_grants(grants_table() if grants is None else grants),
        prepare_support_sheet(support_tables()),
        paid=prepare_paid_marks(marks) if marks is not None else None,
    )


def _marks(*rows: tuple, columns=("grant_id", "period_start", "period_end", "invoice_id")) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


def test_without_marks_the_reminder_of_an_invoice_paid_by_hand_is_paid_again():
    # the hole the marks close: nothing in this batch or a journal says March was paid
    d = _decide(invoice(invoice_id="SOL-1001-R", **MARCH)).decisions
    assert d["status"].tolist() == ["posted"]


@pytest.mark.parametrize("grant_id", ["G-A108", "g-a108", "G A108", "G–A108", "G-A108.", " G-A108 "])
def test_a_period_marked_paid_is_not_paid_again_however_the_grant_id_is_written(grant_id):
    d = _decide(
        invoice(invoice_id="SOL-1001-R", **MARCH), marks=_marks((grant_id, "15.03.2019", "31.03.2019", "SOL-1001"))
    ).decisions
    assert d["reason"].tolist() == ["ALREADY_PAID"]
    message = d["message"].iat[0]
    assert "markeret betalt i Sensum for 15.03.2019–31.03.2019, faktura SOL-1001" in message
    assert "Bevilling G-A108" in message


def test_a_mark_of_another_period_or_another_grant_pays_nothing_twice():
    marks = _marks(
        ("G-A108", "2019-02-01", "2019-02-28", "SOL-901"),  # February: the day before March
        ("G-A104", "2019-03-01", "2019-03-31", "KIL-201"),  # March, but another service at another supplier
        ("G-X", "2019-03-01", "2019-03-31", ""),  # a grant the extract does not hold
    )
    d = _decide(invoice(invoice_id="SOL-1001", **MARCH), marks=marks)
    assert d.decisions["status"].tolist() == ["posted"]
    # the grant the extract lacks, named by its id alone, can never be compared: it is said
    assert d.problems[["row", "column"]].values.tolist() == [[3, "grant_id"]]
    assert "kan ikke sammenlignes med nogen faktura" in d.problems["problem"].iat[0]


@pytest.mark.parametrize(("start", "end"), [("2019-03-31", "2019-04-30"), ("2019-02-01", "2019-03-01")])
def test_a_mark_touching_the_runs_periods_by_one_day_counts(start, end):
    # marks wholly outside the periods decided are left out before they are keyed: one day in is in
    d = _decide(invoice(invoice_id="SOL-1001-R", **MARCH), marks=_marks(("G-A108", start, end, "")))
    assert d.decisions["reason"].tolist() == ["ALREADY_PAID"]


def test_a_mark_on_a_grant_registered_again_under_a_new_id_is_found_by_the_citizens_service():
    # the grant paid by hand was deleted and registered again as G-NEW: the mark names the old id, which
    # the extract no longer holds, and the citizen, supplier and service
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", "grant_id"] = "G-NEW"
    columns = ("grant_id", "period_start", "period_end", "cpr", "supplier_cvr", "service_code")
    marks = _marks(("G-OLD", "01.03.2019", "31.03.2019", "610190-1234", f"DK{SOLHOJ}", "sel108-bo"), columns=columns)
    d = _decide(invoice(invoice_id="SOL-1001-R", **MARCH), marks=marks, grants=g).decisions
    assert d["reason"].tolist() == ["ALREADY_PAID"]
    assert "på bevilling G-OLD" in d["message"].iat[0]
    # the old grant still in the extract beside the new one: its id is enough
    g2 = pd.concat([grants_table(), g[g["grant_id"] == "G-NEW"]], ignore_index=True)
    g2.loc[g2["grant_id"] == "G-A108", "end_date"] = "2019-02-28"
    d2 = _decide(
        invoice(invoice_id="SOL-1001-R", **MARCH), marks=_marks(("G-A108", "01.03.2019", "31.03.2019", "")), grants=g2
    ).decisions
    assert d2["grant_id"].tolist() == ["G-NEW"] and d2["reason"].tolist() == ["ALREADY_PAID"]


def test_a_mark_whose_period_cannot_be_read_counts_for_every_period_and_is_listed():
    marks = _marks(("G-A108", "31.02.2019", "31.03.2019", "SOL-1001"), ("", "01.03.2019", "31.03.2019", "SOL-7"))
    d = _decide(invoice(invoice_id="SOL-2001", period_start="01.07.2020", period_end="31.07.2020"), marks=marks)
    assert d.decisions["reason"].tolist() == ["ALREADY_PAID"]
    assert "mærkets periode kunne ikke læses" in d.decisions["message"].iat[0]
    problems = d.problems.sort_values("row").reset_index(drop=True)
    assert problems[["file", "row", "column"]].values.tolist() == [
        ["paid", 1, "period_start"],
        ["paid", 2, "grant_id"],
    ]


def test_a_mark_that_ends_before_it_begins_counts_for_every_period():
    d = _decide(
        invoice(invoice_id="SOL-2001", period_start="01.07.2020", period_end="31.07.2020"),
        marks=_marks(("G-A108", "31.03.2019", "01.03.2019", "")),
    )
    assert d.decisions["reason"].tolist() == ["ALREADY_PAID"]


def test_a_marks_invoice_number_holding_a_cpr_number_is_masked_in_the_message():
    d = _decide(invoice(invoice_id="SOL-1001-R", **MARCH), marks=_marks(("G-A108", "01.03.2019", "31.03.2019", A)))
    message = d.decisions["message"].iat[0]
    assert A not in message and "610190-xxxx" in message


def test_a_collective_invoices_line_of_a_period_marked_paid_is_not_paid_again():
    from invoicekit import prepare_invoice_lines

    inv = invoice(invoice_id="SAML-1", cpr="", amount="57.000,00", text="Samlefaktura marts 2019", **MARCH)
    lines = pd.DataFrame(
        [
            {"invoice_id": "SAML-1", "supplier_cvr": SOLHOJ, "line_no": "1", "cpr": A, "amount": "28.500,00"},
            {
                "invoice_id": "SAML-1",
                "supplier_cvr": SOLHOJ,
                "line_no": "2",
                "cpr": OTHER,
                "amount": "28.500,00",
            },
        ]
    )
    other = pd.DataFrame(
        [("G-O108", OTHER, "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", "")], columns=grants_table().columns
    )
    args = (
        prepare_invoices(pd.DataFrame([inv])),
        prepare_grants(pd.concat([grants_table(), other], ignore_index=True)),
        prepare_support_sheet(support_tables()),
    )
    plain = decide(*args, lines=prepare_invoice_lines(lines))
    assert plain.decisions["status"].tolist() == ["posted"]
    marked = decide(
        *args,
        lines=prepare_invoice_lines(lines),
        paid=prepare_paid_marks(_marks(("G-A108", "2019-03-01", "2019-03-31", ""))),
    )
    assert marked.decisions["reason"].tolist() == ["ALREADY_PAID"]
    assert len(marked.postings) == 0


def test_the_robots_own_mark_back_from_sensum_is_its_posting_in_the_journal():
    from invoicekit import History

    posted = pd.DataFrame(
        {"grant_id": ["G-A108"], "period_start": ["2019-03-01"], "period_end": ["2019-03-31"],
         "invoice_id": ["SOL-1001"], "run_id": [4], "started_at": ["2019-04-06T06:00:00+02:00"],
         "cpr": [A], "supplier_cvr": [SOLHOJ], "service_code": ["SEL108-BO"], "paragraph": ["108"]}
    )  # fmt: skip
    history = History.from_tables(paid=posted)

    def said(marks: pd.DataFrame) -> str:
        return (
            decide(
                prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", **MARCH)])),
                prepare_grants(grants_table()),
                prepare_support_sheet(support_tables()),
                history=history,
                paid=prepare_paid_marks(marks),
            )
            .decisions["message"]
            .iat[0]
        )

    # the same grant, period and number (written otherwise): the run that posted it is named
    assert "kørsel 4 den 06.04.2019" in said(_marks(("g-a108", "01.03.2019", "31.03.2019", "sol 1001")))
    # a mark of another period or number: a payment by hand beside the robot's; both count
    grants, sheet = prepare_grants(grants_table()), prepare_support_sheet(support_tables())
    for other in (("G-A108", "01.03.2019", "15.03.2019", "SOL-1001"), ("G-A108", "01.03.2019", "31.03.2019", "X-9")):
        both = with_paid_marks(history, prepare_paid_marks(_marks(other)), grants, sheet)[0].paid
        assert sorted(both["run_id"].tolist()) == [-1, 4]
    same = with_paid_marks(history, prepare_paid_marks(_marks(("G-A108.", "2019-03-01", "2019-03-31", "SOL1001"))),
                           grants, sheet)[0].paid  # fmt: skip
    assert same["run_id"].tolist() == [4]


def _re_registered() -> pd.DataFrame:
    """Citizen A's § 108 stay: G-A108 until February, registered again as G-NEW from March."""
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", "end_date"] = "2019-02-28"
    g.loc[len(g)] = ["G-NEW", A, "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-03-01", ""]
    return g


@pytest.mark.parametrize(
    ("cpr", "cvr", "service"),
    [
        ("610190-1234", SOLHOJ, "Længerevarende botilbud"),  # the service's name in the code's place
        ("610190-1234", "29345717", "SEL108-BO"),  # a CVR number mistyped (no valid CVR: not a citizen of its own)
        ("610190-1234", "31587603", "SEL108-BO"),  # another supplier's valid CVR number
        ("0101901234", SOLHOJ, "SEL108-BO"),  # another citizen
    ],
)
def test_a_marks_own_cells_never_hide_what_the_extract_says_of_its_grant(cpr, cvr, service):
    # the mark names G-A108, which the extract holds: its citizen, supplier and service count
    # whatever the mark's own cells say (an attack on 0.9.20's first version: they replaced them)
    columns = ("grant_id", "period_start", "period_end", "cpr", "supplier_cvr", "service_code")
    marks = _marks(("G-A108", "01.03.2019", "31.03.2019", cpr, cvr, service), columns=columns)
    d = _decide(invoice(invoice_id="SOL-1001-R", **MARCH), marks=marks, grants=_re_registered()).decisions
    assert d["grant_id"].tolist() == ["G-NEW"] and d["reason"].tolist() == ["ALREADY_PAID"]


@pytest.mark.parametrize("service", ["SEL108-BO", "sel108bo", "SEL 108-BO", "SEL108–BO"])
def test_a_marks_own_service_finds_its_paragraph_however_it_is_written(service):
    # the grant paid is gone from the extract; the invoice is on a daily § 108 grant of another service
    g = grants_table()
    g = g[g["grant_id"] != "G-A108"].reset_index(drop=True)
    g.loc[len(g)] = ["G-DAY", A, "SEL108-DAG", SOLHOJ, "950.00", "day", "2019-03-01", ""]
    sheet = support_tables()
    sheet["services"].loc[len(sheet["services"])] = ["SEL108-DAG", "§ 108", "Udviklingshæmmede"]
    columns = ("grant_id", "period_start", "period_end", "cpr", "supplier_cvr", "service_code")
    marks = _marks(("G-OLD", "01.03.2019", "31.03.2019", A, SOLHOJ, service), columns=columns)
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", amount="29.450,00", **MARCH)])),
        prepare_grants(g),
        prepare_support_sheet(sheet),
        paid=prepare_paid_marks(marks),
    ).decisions
    assert d["grant_id"].tolist() == ["G-DAY"] and d["reason"].tolist() == ["ALREADY_PAID"]


@pytest.mark.parametrize(
    ("grant_id", "cpr", "cvr", "service", "column"),
    [
        ("G-GONE", "610190-1234", "", "SEL108-BO", "grant_id"),  # no supplier: no citizen's service of its own
        ("G-GONE", "10190123", SOLHOJ, "SEL108-BO", "grant_id"),  # a CPR number of eight digits: no one's
        ("#REF!", "", "", "", "grant_id"),
        ("–", "", "", "", "grant_id"),  # no letter or digit: names no grant
    ],
)
def test_a_mark_that_can_be_compared_with_no_invoice_is_said(grant_id, cpr, cvr, service, column):
    columns = ("grant_id", "period_start", "period_end", "cpr", "supplier_cvr", "service_code")
    marks = _marks(
        ("G-A104", "01.03.2019", "31.03.2019", "", "", ""), (grant_id, "01.03.2019", "31.03.2019", cpr, cvr, service),
        columns=columns,
    )  # fmt: skip
    d = _decide(invoice(invoice_id="SOL-1001", **MARCH), marks=marks)
    assert d.problems[["file", "row", "column"]].values.tolist() == [["paid", 2, column]]


def test_the_robots_own_mark_without_its_invoice_number_still_names_the_run_that_posted():
    from invoicekit import History

    posted = pd.DataFrame(
        {"grant_id": ["G-A108"], "period_start": ["2019-03-01"], "period_end": ["2019-03-31"],
         "invoice_id": ["SOL-1001"], "run_id": [4], "started_at": ["2019-04-06T06:00:00+02:00"]}
    )  # fmt: skip
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", **MARCH)])),
        prepare_grants(grants_table()),
        prepare_support_sheet(support_tables()),
        history=History.from_tables(paid=posted),
        paid=prepare_paid_marks(_marks(("G-A108", "01.03.2019", "31.03.2019", ""))),
    ).decisions
    assert "kørsel 4 den 06.04.2019" in d["message"].iat[0]


def test_decide_refuses_marks_that_are_not_typed():
    with pytest.raises(TypeError, match="PaidMarks"):
        decide(
            prepare_invoices(pd.DataFrame([invoice()])),
            prepare_grants(grants_table()),
            prepare_support_sheet(support_tables()),
            paid=_marks(("G-A108", "2019-03-01", "2019-03-31", "")),
        )


# ---------------------------------------------------------------- files and the command line


def _case(tmp_path: Path, example_case: Path, invoices: Path | None = None) -> list[str]:
    """The example's inputs, ``invoices`` in place of its invoices where given (an option given twice is refused)."""
    return ["--grants", str(example_case / "bevillinger.csv"), "--invoices", str(invoices or example_case / "regninger.csv"),
            "--support-sheet", str(example_case / "stoetteark.xlsx")]  # fmt: skip


def test_a_runs_own_sensum_paid_file_read_as_marks_stops_every_invoice_sent_again_under_new_numbers(
    example_case, tmp_path, capsys
):
    first = run(
        example_case / "bevillinger.csv",
        example_case / "regninger.csv",
        example_case / "stoetteark.xlsx",
        tmp_path / "o1",
    )
    posted = first.decisions[first.decisions["status"] == "posted"]
    assert len(posted) >= 3
    # every invoice sent again under a new number (no journal: only the marks can tell)
    again = pd.read_csv(example_case / "regninger.csv", sep=";", dtype=str, encoding="cp1252", keep_default_na=False)
    again["Fakturanummer"] = again["Fakturanummer"] + "-R"
    again.to_csv(tmp_path / "again.csv", sep=";", index=False, encoding="cp1252")
    argv = ["run", *_case(tmp_path, example_case, tmp_path / "again.csv")]
    assert main([*argv, "--out", str(tmp_path / "o2")]) == 0
    d2 = pd.read_csv(tmp_path / "o2" / "decisions.csv", dtype=str, keep_default_na=False)
    assert (d2["status"] == "posted").sum() == len(posted)  # without the marks: paid twice
    assert main([*argv, "--paid", str(tmp_path / "o1" / "sensum_paid.csv"), "--out", str(tmp_path / "o3")]) == 0
    d3 = pd.read_csv(tmp_path / "o3" / "decisions.csv", dtype=str, keep_default_na=False)
    assert (d3["status"] == "posted").sum() == 0
    assert set(d3.loc[d3["row"].astype(int).isin(posted["row"]), "reason"]) == {"ALREADY_PAID"}
    manifest = json.loads((tmp_path / "o3" / "run.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["paid"]["sha256"] and manifest["inputs"]["paid"]["path"].endswith("sensum_paid.csv")
    assert (tmp_path / "o3" / "opus_postings.csv").read_text(encoding="utf-8").count("\n") == 1  # the header alone


def test_marks_from_a_workbook_with_date_cells_and_a_cpr_that_lost_its_zero(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Bevilling", "Periode fra", "Periode til", "CPR", "Leverandør CVR", "Ydelse"])
    ws.append(["G-GONE", dt.datetime(2019, 3, 1), dt.datetime(2019, 3, 31), 101901234, int(SOLHOJ), "SEL108-BO"])
    wb.save(tmp_path / "paid.xlsx")
    marks = read_paid_marks(tmp_path / "paid.xlsx")
    assert marks.frame[["cpr", "supplier_cvr"]].values.tolist() == [["0101901234", SOLHOJ]]
    assert marks.frame["period_end"].iat[0] == pd.Timestamp("2019-03-31")
    g = pd.concat(
        [grants_table(), pd.DataFrame([("G-NEW", "0101901234", "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-01-01", "")],
                                      columns=grants_table().columns)],
        ignore_index=True,
    )  # fmt: skip
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(cpr="010190-1234", invoice_id="SOL-5", **MARCH)])),
        prepare_grants(g),
        prepare_support_sheet(support_tables()),
        paid=marks,
    ).decisions
    assert d["grant_id"].tolist() == ["G-NEW"] and d["reason"].tolist() == ["ALREADY_PAID"]


@pytest.mark.parametrize(("in_extract", "in_marks"), [("000108", 108), ("108", "000108"), ("0108", "00108")])
def test_a_grant_number_with_other_leading_zeros_than_the_extracts_is_the_same_grant(tmp_path, in_extract, in_marks):
    """A workbook keeps Sensum's grant number 000108 as the number 108: in the marks or in the
    extract. Compared as written, the mark was listed as naming no grant, and the period paid by hand
    was paid again."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Bevilling", "Periode fra", "Periode til", "Fakturanummer"])
    ws.append([in_marks, dt.datetime(2019, 3, 1), dt.datetime(2019, 3, 31), "SOL-1001"])
    ws.append([1080, dt.datetime(2019, 3, 1), dt.datetime(2019, 3, 31), "SOL-1002"])  # another number: no grant
    wb.save(tmp_path / "paid.xlsx")
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", "grant_id"] = in_extract
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", **MARCH)])),
        prepare_grants(g),
        prepare_support_sheet(support_tables()),
        paid=read_paid_marks(tmp_path / "paid.xlsx"),
    )
    assert d.decisions["reason"].tolist() == ["ALREADY_PAID"]
    assert "markeret betalt i Sensum for 01.03.2019–31.03.2019, faktura SOL-1001" in d.decisions["message"].iat[0]
    assert d.problems[["row", "column"]].values.tolist() == [[2, "grant_id"]]  # 1080 is listed, not taken


def test_the_marks_problems_are_in_input_problems_csv(example_case, tmp_path):
    paid = tmp_path / "paid.csv"
    paid.write_text("Bevilling;Periode fra;Periode til\nB-1001;01.03.2019;?\nB-1002;01.03.2019;31.03.2019\n", "utf-8")
    assert main(["run", *_case(tmp_path, example_case), "--paid", str(paid), "--out", str(tmp_path / "o")]) == 0
    problems = pd.read_csv(tmp_path / "o" / "input_problems.csv", dtype=str)
    mine = problems[problems["file"] == "paid.csv"]
    assert mine[["row", "column"]].values.tolist() == [["1", "period_end"]]
    d = pd.read_csv(tmp_path / "o" / "decisions.csv", dtype=str, keep_default_na=False)
    first = d.drop_duplicates("invoice_id")  # KIL-201 comes twice: the second is a duplicate
    assert first.loc[first["invoice_id"].isin(["SOL-1001", "KIL-201"]), "reason"].tolist() == ["ALREADY_PAID"] * 2


def _cli(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "invoicekit.cli", *argv], capture_output=True, text=True)


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("grant_id;period_start\nB-1001;2019-03-01\n", ["paid.csv", "period_end", "Periode til"]),
        (
            "Bevilling;Periode fra;Periode til\n;2019-03-01;2019-03-31\n;2019-04-01;2019-04-30\nB-1;x;y\n",
            ["paid.csv", "row 1", "grant_id", "2 of 3 rows"],
        ),
    ],
)
def test_a_marks_file_that_cannot_be_used_exits_2_in_one_line(example_case, tmp_path, content, fragments):
    paid = tmp_path / "paid.csv"
    paid.write_text(content, encoding="utf-8")
    result = _cli(["run", *_case(tmp_path, example_case), "--paid", str(paid), "--out", str(tmp_path / "o")])
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert not (tmp_path / "o" / "decisions.csv").exists()


def test_a_missing_marks_file_exits_2(example_case, tmp_path):
    result = _cli(
        ["run", *_case(tmp_path, example_case), "--paid", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")]
    )
    assert result.returncode == 2 and "nope.csv" in result.stderr and "Traceback" not in result.stderr


def test_explain_of_a_recorded_run_says_which_paid_marks_that_run_was_given(example_case, tmp_path, capsys):
    paid = tmp_path / "paid.csv"
    paid.write_text("grant_id,period_start,period_end\nB-1001,2019-03-01,2019-03-31\n", encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text("grant_id,period_start,period_end\nB-1001,2019-01-01,2019-01-31\n", encoding="utf-8")
    journal = tmp_path / "j.sqlite"
    run_argv = ["run", *_case(tmp_path, example_case), "--new-journal", str(journal), "--out", str(tmp_path / "o")]
    assert main([*run_argv, "--paid", str(paid)]) == 0
    capsys.readouterr()
    argv = ["explain", *_case(tmp_path, example_case), "--invoice-id", "SOL-1001", "--journal", str(journal)]
    assert main(argv) == 0  # without the marks: decided otherwise than the run did, and said so
    out = capsys.readouterr().out
    assert "Kørsel 1 fik Sensums markeringer af betalte perioder" in out and "paid.csv" in out
    assert main([*argv, "--paid", str(paid)]) == 0  # the same file: as the run decided it
    out = capsys.readouterr().out
    assert "was given" not in out and "ALREADY_PAID" in out and "markeret betalt i Sensum" in out
    assert main([*argv, "--paid", str(other)]) == 0
    assert "er ikke den, kørsel 1 fik" in capsys.readouterr().out


def test_explain_of_a_run_whose_run_json_is_gone_says_the_marks_cannot_be_told(example_case, tmp_path, capsys):
    # an attack on 0.9.20's first explain: with the folder moved it said nothing, and showed the invoice
    # posted where the run, given marks, had held it
    paid = tmp_path / "paid.csv"
    paid.write_text("grant_id,period_start,period_end\nB-1001,2019-03-01,2019-03-31\n", encoding="utf-8")
    journal = tmp_path / "j.sqlite"
    run_argv = ["run", *_case(tmp_path, example_case), "--new-journal", str(journal), "--out", str(tmp_path / "o")]
    assert main([*run_argv, "--paid", str(paid)]) == 0
    (tmp_path / "o").rename(tmp_path / "moved")
    capsys.readouterr()
    argv = ["explain", *_case(tmp_path, example_case), "--invoice-id", "SOL-1001", "--journal", str(journal)]
    assert main(argv) == 0
    assert "Om kørsel 1 fik Sensums markeringer af betalte perioder, kan ikke ses" in capsys.readouterr().out


def test_explain_on_a_journal_of_invoicekit_0_1_is_not_troubled_by_the_marks(example_case, tmp_path, capsys):
    # an attack on 0.9.20's first explain: it asked a schema-1 journal for the run's folder, and failed
    import shutil

    journal = tmp_path / "j.sqlite"
    shutil.copy(Path(__file__).parent / "data" / "journal_v1" / "journal-v1.sqlite", journal)
    argv = ["explain", *_case(tmp_path, example_case), "--invoice-id", "SOL-1001", "--journal", str(journal)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Afgjort, som kørsel 1" in out and "markeringer" not in out
    paid = tmp_path / "paid.csv"
    paid.write_text("grant_id,period_start,period_end\nB-1001,2019-03-01,2019-03-31\n", encoding="utf-8")
    assert main([*argv, "--paid", str(paid)]) == 0
    assert "Kørsel 1 fik ingen markeringer af betalte perioder" in capsys.readouterr().out


def test_a_runs_own_paid_file_reads_back_its_guarded_grant_ids(example_case, tmp_path):
    # a grant id that starts a formula is written guarded ('-1001); read back, it is -1001 again
    grants = pd.read_csv(example_case / "bevillinger.csv", dtype=str, keep_default_na=False)
    grants["grant_id"] = grants["grant_id"].str.replace("B-", "-", regex=False)
    grants.to_csv(example_case / "bevillinger.csv", index=False)
    assert main(["run", *_case(tmp_path, example_case), "--out", str(tmp_path / "o1")]) == 0
    assert "'-1001" in (tmp_path / "o1" / "sensum_paid.csv").read_text(encoding="utf-8")
    marks = read_paid_marks(tmp_path / "o1" / "sensum_paid.csv")
    assert "-1001" in set(marks.frame["grant_id"]) and len(marks.problems) == 0
    again = pd.read_csv(example_case / "regninger.csv", sep=";", dtype=str, encoding="cp1252", keep_default_na=False)
    again["Fakturanummer"] = again["Fakturanummer"] + "-R"
    again.to_csv(tmp_path / "again.csv", sep=";", index=False, encoding="cp1252")
    argv = ["run", *_case(tmp_path, example_case, tmp_path / "again.csv")]
    assert main([*argv, "--paid", str(tmp_path / "o1" / "sensum_paid.csv"), "--out", str(tmp_path / "o2")]) == 0
    d = pd.read_csv(tmp_path / "o2" / "decisions.csv", dtype=str, keep_default_na=False)
    assert (d["status"] == "posted").sum() == 0


def test_a_misaligned_marks_row_is_told_the_files_own_header_width(tmp_path):
    paid = tmp_path / "paid.csv"
    paid.write_text("grant_id;period_start;period_end\nB-1;2019-03-01;2019-03-31;x;y\n", encoding="utf-8")
    problems = read_paid_marks(paid).problems
    assert "rækken har 5 felter, men overskriften har 3" in problems["problem"].tolist()


def test_explain_says_the_mark_that_stopped_the_invoice(example_case, tmp_path, capsys):
    paid = tmp_path / "paid.csv"
    with paid.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["grant_id", "period_start", "period_end"], ["B-1001", "2019-03-01", "2019-03-31"]])
    argv = ["explain", *_case(tmp_path, example_case), "--invoice-id", "SOL-1001"]
    assert main(argv) == 0
    assert "markeret betalt i Sensum" not in capsys.readouterr().out
    assert main([*argv, "--paid", str(paid)]) == 0
    assert "markeret betalt i Sensum for 01.03.2019–31.03.2019" in capsys.readouterr().out


# ---------------------------------------------------------------- a simulated municipality


@pytest.fixture(scope="module")
def replayed(tmp_path_factory) -> Path:
    from invoicekit.replay import replay
    from synthetic import synthesize

    tmp = tmp_path_factory.mktemp("paid")
    # a world where the robot pays a period again that a caseworker paid by hand the month before
    synthesize("baseline", seed=22, out=tmp / "world", months=4, citizens=150)
    replay(tmp / "world", tmp / "plain", tmp / "plain.sqlite")
    replay(tmp / "world", tmp / "marked", tmp / "marked.sqlite", paid=True)
    return tmp


def _decisions(folder: Path) -> pd.DataFrame:
    parts = [
        pd.read_csv(f, dtype=str, keep_default_na=False).assign(month=f.parent.name)
        for f in sorted(folder.glob("*/decisions.csv"))
    ]
    return pd.concat(parts, ignore_index=True)


def test_synth_writes_sensums_paid_marks_as_they_stand_when_each_month_is_run(replayed):
    world = replayed / "world"
    truth = pd.read_csv(world / "truth.csv", dtype=str, keep_default_na=False)
    months = sorted(truth["month"].unique())
    for k, month in enumerate(months):
        marks = read_paid_marks(world / "sensum" / f"paid-{month}.csv")
        assert len(marks.problems) == 0
        before = truth[(truth["month"] < month) & (truth["should_pay"] == "true") & (truth["true_grant_id"] != "")]
        # every invoice of the months before that was to be paid, and nothing of this month or later
        assert len(marks) == len(before), month
        assert sorted(marks.frame["grant_id"]) == sorted(before["true_grant_id"])
        if k == 0:
            assert len(marks) == 0  # go-live: nothing paid before


def test_replay_with_the_marks_stops_the_double_payment_and_changes_nothing_else(replayed):
    plain, marked = _decisions(replayed / "plain"), _decisions(replayed / "marked")
    truth = pd.read_csv(replayed / "world" / "truth.csv", dtype=str, keep_default_na=False)
    keyed = plain.assign(row=plain["row"]).merge(
        truth[["month", "row", "should_pay"]], on=["month", "row"], how="left", validate="one_to_one"
    )
    not_due = keyed[(keyed["status"] == "posted") & (keyed["should_pay"] == "false")]
    assert len(not_due) >= 1  # the hole, in this world
    decided = ["status", "reason"]
    changed = plain[decided].compare(marked[decided]).index
    assert sorted(changed) == sorted(not_due.index)
    assert set(marked.loc[changed, "reason"]) == {"ALREADY_PAID"}
    assert marked.loc[changed, "message"].str.contains("markeret betalt i Sensum").all()
    # every other difference is a held invoice told that its grant's period is marked paid (since 0.9.41)
    others = plain.drop(index=changed).compare(marked[plain.columns].drop(index=changed))
    assert set(others.columns.get_level_values(0)) <= {"message"}
    for row in others.index:
        before, after = plain.loc[row, "message"], marked.loc[row, "message"]
        assert (
            after.startswith(before)
            and "er allerede betalt for en periode, der overlapper (markeret betalt i Sensum" in after
        )


def test_replay_paid_refuses_a_world_without_marks(replayed, tmp_path):
    import shutil

    from invoicekit import InputError
    from invoicekit.replay import replay

    world = tmp_path / "world"
    shutil.copytree(replayed / "world", world)
    month = sorted(world.glob("sensum/paid-*.csv"))[-1]
    month.unlink()
    with pytest.raises(InputError, match=f"sensum/{month.name}.*is missing"):
        replay(world, tmp_path / "r", tmp_path / "j.sqlite", paid=True)
    assert not (tmp_path / "j.sqlite").exists()


def test_the_robots_own_mark_of_a_grant_moved_to_another_supplier_still_holds_the_month(tmp_path):
    """A review of 0.9.24: a grant paid for March (run 1) moved in Sensum to
    the supplier that took over (another CVR), ended in February, and made
    again from March; the robot's own mark of March, back from Sensum, was
    taken for its posting and dropped, and with it the citizen's service at
    the new supplier, so the new supplier's bill for March was paid again.
    The same mark under another number held it back."""
    new_cvr = "31587603"
    grants = grants_table()
    path = tmp_path / "g1.csv"
    grants.to_csv(path, index=False)
    sheet = tmp_path / "s.xlsx"
    support = support_tables()  # the new supplier, not in the sheet's list, codes as a municipal one
    support["coding"].loc[len(support["coding"])] = ["108", "kommunal", "Udviklingshæmmede", "PSP-108-K", "40000000",
                                                     "2019-01-01", ""]  # fmt: skip
    with pd.ExcelWriter(sheet) as x:
        for name, frame in support.items():
            frame.to_excel(x, sheet_name=name, index=False)

    def run_on(journal: Path, grants_csv: Path, inv: dict, out: str, marks: Path | None = None) -> str:
        invoices = tmp_path / f"{out}.csv"
        pd.DataFrame([inv]).to_csv(invoices, index=False)
        j = ["--journal" if journal.exists() else "--new-journal", str(journal)]
        argv = ["run", "--grants", str(grants_csv), "--invoices", str(invoices), "--support-sheet", str(sheet),
                "--out", str(tmp_path / out), "--quiet", *j, *(["--paid", str(marks)] if marks else [])]  # fmt: skip
        assert main(argv) == 0
        return pd.read_csv(tmp_path / out / "decisions.csv", dtype=str, keep_default_na=False)["reason"].iat[0]

    journal = tmp_path / "j.sqlite"
    assert run_on(journal, path, invoice(invoice_id="F-1", **MARCH), "o1") == ""  # posted
    moved = grants.copy()
    at = moved.index[moved["grant_id"] == "G-A108"][0]
    moved.loc[at, ["supplier_cvr", "end_date"]] = [new_cvr, "2019-02-28"]
    again_granted = moved.loc[at].copy()
    again_granted[["grant_id", "start_date", "end_date"]] = ["G-N", "2019-03-01", ""]
    moved.loc[len(moved)] = again_granted
    moved_path = tmp_path / "g2.csv"
    moved.to_csv(moved_path, index=False)
    for number in ("F-1", "HAND-9"):  # the robot's own mark, and one by hand
        marks = tmp_path / f"paid-{number}.csv"
        _marks(("G-A108", "2019-03-01", "2019-03-31", number)).to_csv(marks, index=False)
        again = tmp_path / f"j-{number}.sqlite"
        again.write_bytes(journal.read_bytes())
        (tmp_path / f"j-{number}.sqlite.key").write_bytes((tmp_path / "j.sqlite.key").read_bytes())
        bill = invoice(invoice_id="N-1", supplier_cvr=new_cvr, **MARCH)
        assert run_on(again, moved_path, bill, f"o-{number}", marks) == "ALREADY_PAID", number


@pytest.mark.parametrize(
    "first, twin",
    [
        ("§ 108", None),
        ("§ 108", ("SEL108-BO", "#N/A", "Udviklingshæmmede")),
        ("§ 108", ("SEL108-BO", "§ 107/108", "x")),
        ("§ 104", ("SEL108-BO", "§ 107/108", "x")),  # its readable row says § 104: which holds, nobody can tell
    ],
)
def test_a_mark_of_a_service_held_back_in_the_sheet_still_holds_its_period_paid(first, twin):
    """Reviews of 0.9.26's first versions: a service whose sheet rows say two
    things (one could not be read) was dropped from the sheet, and a paid mark
    of it, on a grant since registered again under another service of § 108,
    found no paragraph: March was paid again. Kept, its readable row's § 104
    was trusted, and the § 108 invoice was paid. Such a service names no
    paragraph anybody can trust: the mark counts under every paragraph."""
    g = grants_table()
    g = g[g["grant_id"] != "G-A108"].reset_index(drop=True)
    g.loc[len(g)] = ["G-DAY", "610190-1234", "SEL108-DAG", SOLHOJ, "950.00", "day", "2019-03-01", ""]
    sheet = support_tables()
    sheet["services"].loc[len(sheet["services"])] = ["SEL108-DAG", "§ 108", "Udviklingshæmmede"]
    sheet["services"].loc[sheet["services"]["service_code"] == "SEL108-BO", "paragraph"] = first
    if twin:
        sheet["services"].loc[len(sheet["services"])] = list(twin)
    columns = ("grant_id", "period_start", "period_end", "cpr", "supplier_cvr", "service_code")
    marks = _marks(("G-OLD", "01.03.2019", "31.03.2019", "610190-1234", SOLHOJ, "SEL108-BO"), columns=columns)
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", amount="29.450,00", **MARCH)])),
        prepare_grants(g), prepare_support_sheet(sheet), paid=prepare_paid_marks(marks),
    ).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"]


@pytest.mark.parametrize(
    "service", ["", "Længerevarende botilbud (§ 108), udviklingshæmning, månedstakst", "#N/A", "SEL-UKENDT"]
)
def test_a_mark_of_a_grant_gone_whose_service_says_nothing_holds_back_the_citizen_at_the_supplier(service):
    """An attack on 0.9.25: a caseworker's mark of a grant since deleted and
    registered again, with the citizen and the supplier but the service blank
    or written by its name (as Sensum shows it), was compared with nothing
    (listed, or not even that) and the month was paid again. Which service it
    was, nobody can tell: it holds back the citizen's invoices at that
    supplier under every paragraph; another citizen's, or another supplier's,
    it leaves alone."""
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", "grant_id"] = "G-NEW"
    columns = ("grant_id", "period_start", "period_end", "cpr", "supplier_cvr", "service_code")
    marks = _marks(("G-OLD", "01.03.2019", "31.03.2019", "610190-1234", SOLHOJ, service), columns=columns)
    d = _decide(invoice(invoice_id="SOL-1001-R", **MARCH), marks=marks, grants=g)
    assert d.decisions["reason"].tolist() == ["ALREADY_PAID"]
    message = d.decisions["message"].iat[0]
    assert "på bevilling G-OLD" in message and "  " not in message  # it named "ydelsen  efter § 108" (a review)
    assert (
        "mærket nævner ingen ydelse, som støttearket entydigt kender, så det gælder alle borgerens ydelser" in message
    )
    # and the mark is listed: what it now holds back, the municipality is told
    assert d.problems[["row", "column"]].values.tolist() == [[1, "service_code"]]
    assert "det tæller for alle borgerens ydelser hos leverandøren" in d.problems["problem"].iat[0]
    for cpr, cvr in ((OTHER, SOLHOJ), ("610190-1234", "31587603")):
        others = _marks(("G-OLD", "01.03.2019", "31.03.2019", cpr, cvr, service), columns=columns)
        assert _decide(invoice(invoice_id="SOL-1001-R", **MARCH), marks=others, grants=g).decisions[
            "status"
        ].tolist() == ["posted"]


def test_a_mark_of_a_grant_the_extract_holds_is_that_grants_whatever_its_service_cell_says():
    """The extract says which service a mark of its grant was: a blank
    service cell beside the citizen and the supplier holds back nothing more
    (a review of the mend above: the citizen's other service at the supplier
    would have been held back as paid)."""
    columns = ("grant_id", "period_start", "period_end", "cpr", "supplier_cvr", "service_code")
    from invoicekit import Rules

    g = grants_table()
    g.loc[len(g)] = ["G-A97-SOL", "610190-1234", "SEL97-LED", SOLHOJ, "450.00", "day", "2018-06-01", ""]
    for service, reasons in (("", ["ALREADY_PAID", ""]), ("SEL-UKENDT", ["ALREADY_PAID", ""])):
        marks = _marks(("G-A108", "01.03.2019", "31.03.2019", "610190-1234", SOLHOJ, service), columns=columns)
        d = decide(
            prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", **MARCH),
                                           invoice(invoice_id="SOL-LED-3", amount="13.950,00", **MARCH)])),
            prepare_grants(g), prepare_support_sheet(support_tables()),
            Rules(paragraphs=("103", "104", "107", "108", "STU", "97")), paid=prepare_paid_marks(marks),
        ).decisions  # fmt: skip
        assert d["reason"].tolist() == reasons and d["grant_id"].tolist() == ["G-A108", "G-A97-SOL"]
    # the same mark of a grant gone holds both back (the test above)
    g2 = g[g["grant_id"] != "G-A108"]
    marks = _marks(("G-A108", "01.03.2019", "31.03.2019", "610190-1234", SOLHOJ, ""), columns=columns)
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-LED-3", amount="13.950,00", **MARCH)])),
        prepare_grants(g2), prepare_support_sheet(support_tables()),
        Rules(paragraphs=("103", "104", "107", "108", "STU", "97")), paid=prepare_paid_marks(marks),
    ).decisions  # fmt: skip
    assert d["reason"].tolist() == ["ALREADY_PAID"]


def test_a_mark_of_a_grant_in_the_extract_whose_service_is_held_back_counts_under_every_paragraph():
    """A third review: the mend for a held-back service held only where the
    mark's grant had left the extract. Its grant G-A108 still in it (ended in
    February), its service SEL108-BO written § 104 in one row and unreadably
    in another, a mark of March on it let the citizen's § 108 invoice of March
    under a new grant be paid."""
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", "end_date"] = "2019-02-28"
    g.loc[len(g)] = ["G-DAY", "610190-1234", "SEL108-DAG", SOLHOJ, "950.00", "day", "2019-03-01", ""]
    sheet = support_tables()
    sheet["services"].loc[sheet["services"]["service_code"] == "SEL108-BO", "paragraph"] = "§ 104"
    sheet["services"].loc[len(sheet["services"])] = ["SEL108-DAG", "§ 108", "Udviklingshæmmede"]
    sheet["services"].loc[len(sheet["services"])] = ["SEL108-BO", "§ 107/108", "Udviklingshæmmede"]
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", amount="29.450,00", **MARCH)])),
        prepare_grants(g), prepare_support_sheet(sheet),
        paid=prepare_paid_marks(_marks(("G-A108", "01.03.2019", "31.03.2019", "SOL-1001"))),
    )  # fmt: skip
    assert d.decisions["grant_id"].tolist() == ["G-DAY"] and d.decisions["reason"].tolist() == ["ALREADY_PAID"]
    assert "entydigt" in d.decisions["message"].iat[0]
    assert "arkets rækker for den siger to ting" in " ".join(d.problems["problem"])


@pytest.mark.parametrize(
    "rows",
    [[("SEL108-BO", "§ 104", "Udviklingshæmmede"), ("SEL108-BO", "§ 108", "Udviklingshæmmede")],
     [("SEL108-BO", "§ 104", "Udviklingshæmmede"), ("SEL108-BO", "§ 108", "Udviklingshæmmede"),
      ("SEL108-BO", "§ 107/108", "Udviklingshæmmede")]],
    ids=["two readable paragraphs", "and one unreadable"],
)  # fmt: skip
def test_a_mark_of_a_service_whose_rows_name_two_paragraphs_counts_under_every_paragraph(rows):
    """A fourth review: rows of a service that name two paragraphs, all
    readable, are all left out (nobody can tell which holds), so the service
    was not held back, a mark of it on a grant still in the extract found no
    paragraph, and the citizen's § 108 invoice of March under a new grant was
    paid again."""
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", "end_date"] = "2019-02-28"
    g.loc[len(g)] = ["G-DAY", "610190-1234", "SEL108-DAG", SOLHOJ, "950.00", "day", "2019-03-01", ""]
    sheet = support_tables()
    services = sheet["services"][sheet["services"]["service_code"] != "SEL108-BO"]
    extra = pd.DataFrame([*rows, ("SEL108-DAG", "§ 108", "Udviklingshæmmede")], columns=services.columns)
    sheet["services"] = pd.concat([services, extra], ignore_index=True)
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001-R", amount="29.450,00", **MARCH)])),
        prepare_grants(g), prepare_support_sheet(sheet),
        paid=prepare_paid_marks(_marks(("G-A108", "01.03.2019", "31.03.2019", "SOL-1001"))),
    ).decisions  # fmt: skip
    assert d["grant_id"].tolist() == ["G-DAY"] and d["reason"].tolist() == ["ALREADY_PAID"]


def test_a_mark_of_a_grant_in_the_extract_whose_service_the_sheet_does_not_know_counts_under_every_paragraph():
    """A fifth review: G-A108's service renamed in the sheet (SEL108-BO-GL
    no longer in it), the grant ended in February and registered again as
    G-NEW under SEL108-BO; a caseworker paid March by hand on G-A108 and
    marked it. The mark found no paragraph, its grant still in the extract,
    and the reminder was paid on G-NEW. The extract's own grant, of a service
    the sheet does not know, counts under every paragraph too."""
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", ["service_code", "end_date"]] = ["SEL108-BO-GL", "2019-02-28"]
    g.loc[len(g)] = ["G-NEW", "610190-1234", "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-03-01", ""]
    d = _decide(
        invoice(invoice_id="SOL-1001-R", **MARCH), marks=_marks(("G-A108", "01.03.2019", "31.03.2019", "SOL-1001")),
        grants=g,
    ).decisions  # fmt: skip
    assert d["grant_id"].tolist() == ["G-NEW"] and d["reason"].tolist() == ["ALREADY_PAID"]
    assert "entydigt" in d["message"].iat[0]


def test_a_mark_of_a_grant_whose_rows_were_left_out_is_its_citizens_at_the_supplier():
    """A fifth review: G-A108's row left out (its service blank), its CPR and
    CVR valid; a caseworker's March mark of it, naming the grant alone, was
    compared with nothing ("kan ikke sammenlignes"), and the reminder was
    paid under the citizen's new grant. The row left out still names whose
    grant it was: the mark counts for the citizen at the supplier under every
    paragraph."""
    for grant_id, marked, cpr, cvr in (
        ("G-A108", "G-A108", "610190-1234", SOLHOJ),
        ("00123", "123", "610190-1234", SOLHOJ),  # the mark's id without its leading zeros (a sixth review)
        ("G-A108", "G-A108", "6101901234.0", SOLHOJ),  # a CPR cell read as check 16 reads it (a sixth review)
        ("G-A108", "G-A108", "'6101901234", SOLHOJ),
        ("G-A108", "G-A108", "610190-1234", f"{SOLHOJ}.0"),  # a CVR cell of a CSV saved from Excel
        ("G-A108", "G-A108", "610190-1234", f"'{SOLHOJ}"),
    ):
        g = grants_table()
        g.loc[g["grant_id"] == "G-A108", ["grant_id", "cpr", "service_code", "supplier_cvr", "end_date"]] = [
            grant_id, cpr, "", cvr, "2019-02-28"
        ]  # fmt: skip
        g.loc[len(g)] = ["G-NEW", "610190-1234", "SEL108-BO", SOLHOJ, "28500.00", "month", "2019-03-01", ""]
        d = _decide(
            invoice(invoice_id="SOL-1001-R", **MARCH), marks=_marks((marked, "01.03.2019", "31.03.2019", "SOL-1001")),
            grants=g,
        )  # fmt: skip
        assert d.decisions["grant_id"].tolist() == ["G-NEW"] and d.decisions["reason"].tolist() == ["ALREADY_PAID"]
        assert "kan ikke sammenlignes" not in " ".join(d.problems["problem"])
        assert "det tæller for alle borgerens ydelser" in " ".join(d.problems["problem"])


def test_a_mark_of_a_grant_whose_service_the_sheet_lacks_holds_the_citizen_until_the_sheet_names_it():
    """A sixth review asked that a March mark of the citizen's running § 85
    grant at Solhøj, whose service the sheet lacks, not hold the citizen's
    § 108 invoice of March back; a seventh showed the same extract when the
    old grant of a re-registration is left open, and March paid again.
    Nothing tells the two apart: it holds, the message says why, and once the
    sheet names the service the mark is that service's alone."""
    g = grants_table()
    g.loc[len(g)] = ["G-A85", "610190-1234", "SEL85-STOETTE", SOLHOJ, "1000.00", "month", "2018-01-01", ""]
    marks = _marks(("G-A85", "01.03.2019", "31.03.2019", "SOL-85-3"))
    d = _decide(invoice(invoice_id="SOL-1001", **MARCH), marks=marks, grants=g).decisions
    assert d["reason"].tolist() == ["ALREADY_PAID"] and "entydigt" in d["message"].iat[0]
    sheet = support_tables()
    sheet["services"].loc[len(sheet["services"])] = ["SEL85-STOETTE", "§ 85", "Udviklingshæmmede"]
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="SOL-1001", **MARCH)])), prepare_grants(g),
        prepare_support_sheet(sheet), paid=prepare_paid_marks(marks),
    ).decisions  # fmt: skip
    assert d["grant_id"].tolist() == ["G-A108"] and d["status"].tolist() == ["posted"]


def test_a_left_out_id_of_the_marks_spelling_never_hides_the_usable_grant_of_its_value():
    """A seventh review: a usable grant 00123 (citizen A) and a left-out row
    123 (citizen B); a mark 123 counted only for B, and A's March was paid."""
    g = grants_table()
    g.loc[g["grant_id"] == "G-A108", "grant_id"] = "00123"
    g.loc[len(g)] = ["123", "620290-1234", "SEL108-BO", SOLHOJ, "x", "month", "2018-01-01", ""]
    d = _decide(invoice(invoice_id="SOL-1001-R", **MARCH), marks=_marks(("123", "01.03.2019", "31.03.2019", "")),
                grants=g).decisions  # fmt: skip
    assert d["grant_id"].tolist() == ["00123"] and d["reason"].tolist() == ["ALREADY_PAID"]
