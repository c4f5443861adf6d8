"""An auditor's attack on 0.9.39's mends to READING the inputs (support sheet, grants' status, an amount's
currency from a number format, a credit note or currency under a column name not read). Each test fails on
the code as of 57efa13 and passes once the behaviour is right.

Helpers are those of the 0.9.39 reviews: tests/test_review_0939_amounts.py (an .xlsx invoice extract with a
formatted amount; SOL's March invoice on the grant of 28,500 kr. a month), tests/test_review_0939_grants.py
(the example's grant extract with extra columns) and tests/test_review_0936_inputs.py (support sheets)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from invoicekit.run import run as run_robot
from tests.period_runs import EXAMPLE, GRANT_HEADER, grant, write_rows
from tests.test_review_0936_inputs import run as run_support
from tests.test_review_0936_inputs import sheets, write_xlsx
from tests.test_review_0939_amounts import _run_workbook
from tests.test_review_0939_grants import _case, _grants_with
from tests.test_review_0939_grants import _run as run_grants
from tests.test_review_0939_support_sheet import CODING_2018_OPEN

SOLHOJ = "29345716"
A = "610190-1234"


def _invoices_with_column(tmp_path: Path, header: str, values: list[str]) -> pd.DataFrame:
    """SOL's invoices for March, April, May … 2019 (28,500 kr. each, on the grant of 28,500 kr. a month),
    with one more column ``header`` the robot does not read, its cells ``values``; the decisions."""
    grants = write_rows(tmp_path / "g.csv", GRANT_HEADER, [grant()])
    ends = {3: 31, 4: 30, 5: 31, 6: 30}
    rows = [
        f"F-{m};{SOLHOJ};28.500,00;{A};01.{m:02d}.2019;{ends[m]}.{m:02d}.2019;Døgnophold;{v}\n"
        for m, v in zip(range(3, 3 + len(values)), values, strict=True)
    ]
    invoices = tmp_path / "regninger.csv"
    invoices.write_text(
        f"Fakturanummer;CVR;Beløb;CPR;Periode fra;Periode til;Tekst;{header}\n" + "".join(rows), encoding="utf-8"
    )
    run_robot(grants, invoices, EXAMPLE / "stoetteark.xlsx", tmp_path / "out")
    return pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- 1. a euro format Excel writes otherwise


@pytest.mark.parametrize(
    "amount_format",
    [
        "#,##0.00\\ \\€",  # the euro sign escaped with a backslash, as Excel stores a typed "# ##0,00 €"
        "[$€-x-euro2] #,##0.00",  # Excel 365's "€ Euro (€ 123)" currency choice as its dialog shows it
        "_-[$€-x-euro1]\\ * #,##0.00_-",  # the same as an accounting format, euro after the number
    ],
    ids=["escaped-euro", "x-euro2", "accounting-x-euro1"],
)
def test_an_amount_in_a_euro_format_excel_writes_otherwise_is_not_posted_as_kroner(tmp_path: Path, amount_format: str):
    """What goes wrong: an .xlsx invoice extract's Beløb cell holds 28500 and is formatted as euro, but in a
    way readers.format_currency does not see: the euro sign escaped with a backslash (``#,##0.00\\ \\€``,
    how Excel stores a literal character of a custom format; XlsxWriter issue #1178 shows Excel turning
    ``# ##0,00€`` into ``#\\ ## 000\\€``; the escape is dropped with the character it escapes before the
    € outside brackets is looked for), or the locale tag of Excel 365's euro currency choices as its
    Format Cells dialog shows them (``[$€-x-euro2]``, ``[$€-x-euro1]``), which a workbook written by a
    tool given the format so keeps (EPPlus issue #2276): the bracket's regex wants hex digits after the
    dash, so the bracket is not read, and is then dropped whole. Every eye sees
    ``28.500,00 €``; the robot posts 28500,00 kr. in opus_postings.csv and marks March paid.

    Why it matters: wrong payment. 28,500 euro is about 212,000 kr.; the 0.9.39 mend
    (``#,##0.00 [$€-407]``, ``"EUR"``) is there to stop exactly this, and only Excel's own spelling of the
    same format slips past it.

    Right (README, "Nothing is paid that should not be": "an amount cell of a workbook whose number format
    shows another currency ... is read as shown, 28500 EUR, no DKK amount (INVALID_AMOUNT)"; spec check 8):
    the invoice goes to manual as INVALID_AMOUNT and nothing is posted."""
    decisions, postings = _run_workbook(tmp_path, amount_format)
    assert decisions.loc[0, "status"] == "manual", decisions.loc[0].to_dict()
    assert decisions.loc[0, "reason"] == "INVALID_AMOUNT", decisions.loc[0].to_dict()
    assert postings.empty, postings.to_dict("records")


# ---------------------------------------------------------------- 2. a currency column with krone rows written otherwise


@pytest.mark.parametrize("krone", ["DKR", "kr.", "#N/A"], ids=["dkr", "kr-dot", "lookup-error"])
def test_a_currency_column_that_writes_the_krone_otherwise_still_holds_back_the_euro_invoice(
    tmp_path: Path, krone: str
):
    """What goes wrong: an invoice extract has its currency under a name the robot does not read (SAP's
    ``Crcy``), the krone rows written ``DKR`` or ``kr.`` (as Danish finance staff write the krone; the
    0.9.39 number-format reader itself takes ``DKR`` for the krone) or holding a lookup's ``#N/A``, and one
    invoice in ``EUR``. extracts._kinds_from_unread takes a column's currencies only where *every* filled
    cell is an ISO code or ``DKK``; one ``DKR`` makes it drop the whole column, and the EUR invoice is posted
    as 28,500 kr. Nothing is said: the header ``Crcy`` is no hint word either.

    Why it matters: wrong payment, unflagged: an amount in euro posted as kroner. One row written the Danish
    way decides whether every other row's currency is read.

    Right (README, "Nothing is paid that should not be": an invoice in another currency goes to a person;
    since 0.9.39 a column of currency codes under an unread name "gives it its currency"): the EUR invoice
    is not posted (INVALID_AMOUNT); the krone row is posted as before."""
    decisions = _invoices_with_column(tmp_path, "Crcy", [krone, "EUR"])
    if krone != "#N/A":  # a krone written so is a krone
        assert decisions.loc[0, "status"] == "posted", decisions.loc[0].to_dict()
    assert decisions.loc[1, "status"] == "manual", decisions.loc[1].to_dict()
    assert decisions.loc[1, "reason"] == "INVALID_AMOUNT", decisions.loc[1].to_dict()


# ---------------------------------------------------------------- 3. a credit note written otherwise in an unread column


@pytest.mark.parametrize(
    "said",
    ["Credit memo", "Kreditnota.", "Købskreditnota"],
    ids=["sap-credit-memo", "trailing-dot", "business-central"],
)
def test_a_credit_note_written_otherwise_under_an_unread_name_is_not_posted(tmp_path: Path, said: str):
    """What goes wrong: an invoice extract's ``Type`` column (a name the robot does not read) says the
    document is a credit note, but not in the two exact spellings extracts.CREDIT_NOTE_WORDS holds: SAP's
    English term ``Credit memo`` (document type KG, "Vendor credit memo"), ``Kreditnota.`` with a dot, or
    Business Central's Danish ``Købskreditnota`` (purchase credit memo). The amount is positive, as a credit
    note's is where its type says what it is. The robot posts 28,500 kr. on the citizen's grant and marks
    March paid.

    Why it matters: wrong payment: a credit note paid out as an invoice. Under the read name
    (``Dokumenttype``) the same words are an unknown type and go to a person (README: "a credit note is
    never posted ... or an unknown type"), so the outcome hangs on the column's name and the exact word.

    Right (README, "Nothing is paid that should not be", since 0.9.39: "a column the robot does not read
    whose cell says Kreditnota or Credit note ... makes it a credit note"): the invoice is not posted (a
    credit note, or a person asked)."""
    decisions = _invoices_with_column(tmp_path, "Type", [said])
    assert decisions.loc[0, "status"] != "posted", decisions.loc[0].to_dict()


# ---------------------------------------------------------------- 4. a grant's status under a name not read


@pytest.mark.parametrize(
    "extra",
    [
        {"Indsatsstatus": ["Annulleret", "Aktiv"]},
        {"Status på bevilling": ["Annulleret", "Bevilget"]},
        {"Afgørelse": ["Afslag", "Bevilling"]},
    ],
    ids=["indsatsstatus", "status-paa-bevilling", "afgoerelse-afslag"],
)
def test_a_cancelled_grant_whose_status_column_has_another_name_is_not_paid(tmp_path: Path, extra):
    """What goes wrong: the grant extract carries the grant's status under a name the robot does not read:
    ``Indsatsstatus`` (Sensum's grants are *indsatser*, and the robot reads ``Indsats`` as the service),
    ``Status på bevilling``, or the decision ``Afgørelse`` (*Afslag*, refused). Grant B-1001 is marked
    *Annulleret* (or its application refused). The robot reads four names for the status and ignores every
    other column, so SOL's March invoice of 28,500 kr. is posted on the cancelled grant, nothing said
    (no hint, no listed problem), exactly as before 0.9.39.

    Why it matters: wrong payment on a grant the case system says was cancelled or refused. For the same
    risk with an end date the robot refuses an extract whose unread column looks like one (README, grants:
    "an extract without it, where a column the robot does not read looks like an end date ... is refused");
    and since 0.9.39 it reads an invoice's credit note or currency from an unread column's cells. A status
    column under another name gets neither.

    Right (spec check 11: "no valid grant"; README grants: *Annulleret*, *Afslået* "say the grant never
    holds"): SOL-1001 is not posted: either the extract is refused naming the column (exit 2), or B-1001
    is left out so the invoice goes to a caseworker."""
    case = _case(tmp_path)
    grants = _grants_with(case, **extra)
    code, decisions = run_grants(case, grants, tmp_path / "out")
    assert code == 2 or decisions.loc[0, "status"] != "posted", decisions.loc[0].to_dict()


# ---------------------------------------------------------------- 5. a status naming the grant cancelled after an in-force word


@pytest.mark.parametrize(
    "status",
    ["Bevilget - annulleret", "Godkendt (tilbagekaldt)", "Aktiv/ophørt"],
    ids=["bevilget-annulleret", "godkendt-tilbagekaldt", "aktiv-ophoert"],
)
def test_a_status_that_ends_in_cancelled_or_ended_is_not_read_as_in_force(tmp_path: Path, status: str):
    """What goes wrong: extracts._grant_standing reads only how a status *begins*: ``Bevilget - annulleret``
    (granted, then cancelled), ``Godkendt (tilbagekaldt)`` (approved, withdrawn) and ``Aktiv/ophørt`` begin
    with an in-force word and are taken as in force, though they say the grant was cancelled or has ended
    (without an end date). SOL's March invoice is posted on B-1001. (A status of any other unknown words,
    ``Bevilling annulleret``, is left out holding back: only an in-force first word lets it through.)

    Why it matters: wrong payment on a grant its status says is void or ended; a status combining the
    grant's decision and its later state is how case systems that keep both in one field write it.

    Right (README, grants, since 0.9.39: *Annulleret*, *Tilbagekaldt* say the grant never holds; *Ophørt*
    that it holds to its end date, and without one it is left out, holding back; "any other word leaves the
    row out, holding back"): a status naming a void or ended state anywhere is not read as in force, and
    SOL-1001 goes to a caseworker."""
    case = _case(tmp_path)
    grants = _grants_with(case, Status=[status, "Bevilget"])
    code, decisions = run_grants(case, grants, tmp_path / "out")
    assert code == 2 or decisions.loc[0, "status"] != "posted", decisions.loc[0].to_dict()


# ---------------------------------------------------------------- 6. a paid-through date beside Slutdato refuses the extract


@pytest.mark.parametrize("header", ["Udbetalt til og med", "Afregnet til", "Faktureret til"])
def test_a_paid_through_date_beside_the_end_date_does_not_refuse_the_grants(tmp_path: Path, header: str):
    """What goes wrong: a grant extract carries, beside its read end date, the day the grant has been paid
    out (*udbetalt*), settled (*afregnet*) or invoiced (*faktureret*) up to: 28.02.2019 on B-1001. The 0.9.39
    guard against a second end date (extracts._refuse_unread_end_dates) exempts a date of handling only by
    columns.HANDLING_WORDS, which has ``betal`` but not ``udbetal`` (nor ``afregn``, ``faktur``): ``Betalt til
    og med`` is read past and SOL's March invoice is posted, while ``Udbetalt til og med``, the same column in
    Danish payment systems' own word, refuses the whole extract (exit 2, "holds end dates beside ...") and
    not one invoice of the month is paid.

    Why it matters: a correct run refused, every invoice held, and the message tells finance the column is
    a second end date of the grant ("give the earlier of the two under Slutdato"), which would end the
    grant on the day it was last paid and stop its next month.

    Right (README, grants: a second end date is one such as ``Ophørsdato`` or ``Faktisk slutdato``, "the day
    the stay stopped"; columns.of_handling: "a date of the grant's handling (Betalt til, Godkendt til) is
    none"): the extract is read and SOL-1001 (March) is posted as with ``Betalt til og med``."""
    case = _case(tmp_path)
    grants = _grants_with(case, **{header: ["28.02.2019", "31.12.2018"]})
    code, decisions = run_grants(case, grants, tmp_path / "out")
    assert code == 0, f"the grant extract was refused for its {header!r} column"
    assert decisions.loc[0, "status"] == "posted", decisions.loc[0].to_dict()


# ---------------------------------------------------------------- 7. a PSP element struck through in its text


def test_a_psp_element_struck_through_in_its_text_is_not_posted_on(tmp_path: Path):
    """What goes wrong: finance closes the 2018 element of § 108 / privat / Udviklingshæmmede by striking it
    through while editing the cell (double-click, select the text, Ctrl+5): Excel keeps the strike on the
    text's run (``<r><rPr><strike/></rPr><t>PSP-108-2018</t></r>``), not in the cell's style. The sheet shows
    the element struck out, exactly as the 0.9.39 test's Ctrl+5 on the cell does; the robot's guard
    (readers.columns_not_shown, _struck_styles) looks at cell styles alone and posts March 2019 on
    PSP-108-2018, nothing said.

    Why it matters: wrong payment: a posting on a closed element that every reader of the sheet sees void.

    Right (README/0.9.39: a role sheet is refused where "a cell it reads is struck through"): the workbook is
    refused (exit 2, naming the row), or at least March is not posted on the struck element."""
    tables = sheets()
    tables["coding"] = [list(row) for row in CODING_2018_OPEN]

    def strike_the_text(wb):
        wb["coding"]["D2"].value = CellRichText(TextBlock(InlineFont(strike=True), "PSP-108-2018"))

    rc, decisions, _ = run_support(tmp_path, support=write_xlsx(tmp_path / "s.xlsx", tables, strike_the_text))
    if rc == 2:
        return
    d = decisions.iloc[0]
    assert not (d["status"] == "posted" and d["psp_element"] == "PSP-108-2018"), d.to_dict()
