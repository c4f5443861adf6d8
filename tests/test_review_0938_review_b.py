"""A review of 0.9.38's second mends: a lone day in an invoice's own text on the run's fast path, and without a space; a line's period in columns named otherwise; a stray quote in a comma file with quoted amounts; month-first dates told only by a column not read; handling dates taken for periods; reversals written with a minus sign or in parentheses."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from tests.test_lines import ANNA, BO, CVR
from tests.test_review_0938_extract_files import (
    DANISH_HEADER,
    GRANT_HEADER,
    SOLHOJ,
    A,
    run,
    write_text,
)
from tests.test_review_0938_lines import _invoice, _postings, _run


def _decisions(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- 1. a day named alone, read by Python only


@pytest.mark.parametrize(
    "text",
    [
        "Døgnophold marts 2019, udflyttet d. 15.",
        "Døgnophold marts 2019, død den 12.",
        "Døgnophold marts 2019 (d. 1-15)",
    ],
)
def test_an_invoice_text_naming_a_lone_day_beside_its_month_is_posted_as_the_whole_month(tmp_path, text):
    """What goes wrong: 0.9.38 added a day named alone (``udflyttet d. 15.``, ``død den 12.``,
    ``d. 1-15``) to ``parsing._LOOSE_DAYS``, so that ``period_in_text`` reads no period from
    "Døgnophold marts 2019, udflyttet d. 15." (and tests/reference.py agrees: ambiguous). But the
    run reads invoice texts with the vectorised ``period_from_texts``, which leaves a text to Python
    only when ``_LOOSE_DAYS_RE2`` (its RE2 superset) finds something, and that pattern was not
    extended: the text is read by RE2 alone as March. Anna's invoice of 30.000 kr. (a whole month of
    her grant) saying she moved out (or died) on the 15th (12th) is POSTED for 01.03.2019-31.03.2019,
    and Sensum marks the whole of March paid. (The same holds for a line's text on a collective
    invoice: "Ophold marts 2019, udflyttet d. 15." on a line is posted as March.)

    Why it matters: a wrong payment, a whole month for a citizen who left in the middle of it, with
    no caseworker ever seeing it; the package and its own reference disagree on the most common
    wording of the case the mend was for.

    Right behaviour: README "Collective invoices": a day named alone "(`udflyttet d. 15.`, `død den
    12.`, `ophold d. 1 - 15` ...; in an invoice's own text such a day makes its period unread too)";
    robot-spec "Period from text ... exactly one such period, else none": the invoice has no period
    (MISSING_PERIOD) and goes to a caseworker, as ``period_in_text`` says."""
    code, out = _run(tmp_path, "out", [_invoice("F1", "30000", cpr=ANNA, text=text)])
    assert code == 0
    d = _decisions(out).iloc[0]
    assert d["status"] == "manual", f"{text!r} posted as {d['message']!r}"
    assert d["reason"] == "MISSING_PERIOD"


# ---------------------------------------------------------------- 2. a day named alone without a space


@pytest.mark.parametrize("text", ["Døgnophold marts 2019, udflyttet d.15.", "Døgnophold marts 2019, død d.12"])
def test_a_lone_day_written_without_a_space_after_d_is_posted_as_the_whole_month(tmp_path, text):
    """What goes wrong: the mend's pattern for a day named alone is ``d(?:en)?\\.?\\s+\\d{1,2}``: it
    needs a space after ``d.``. Danes write ``d.15.`` as often as ``d. 15.`` (tests/test_parsing.py
    already holds ``udflyttet d.15. april 2019``, "after a dot (d.15.)", for a day before a month
    name). "Døgnophold marts 2019, udflyttet d.15." is read as March by both ``period_in_text`` and
    tests/reference.py, and Anna's whole March (30.000 kr.) is POSTED although the text says she
    moved out on the 15th.

    Why it matters: a wrong payment (a half month paid as a whole one), the very case 0.9.38 meant to
    stop, in a variant as common as the one it stopped.

    Right behaviour: as for ``udflyttet d. 15.`` (README "Collective invoices": a day named alone
    makes the period unread): no period, MISSING_PERIOD, a caseworker decides."""
    code, out = _run(tmp_path, "out", [_invoice("F1", "30000", cpr=ANNA, text=text)])
    assert code == 0
    d = _decisions(out).iloc[0]
    assert d["status"] == "manual", f"{text!r} posted as {d['message']!r}"


# ---------------------------------------------------------------- 3. a lines extract's period in columns not seen


@pytest.mark.parametrize(
    ("anna", "bo"),
    [
        ({"Periode": "01.03.2019-31.03.2019"}, {"Periode": "01.02.2019-28.02.2019"}),
        ({"Ydelsesperiode": "01.03.2019 - 31.03.2019"}, {"Ydelsesperiode": "01.02.2019 - 28.02.2019"}),
        ({"Periodestart": "01.03.2019", "Periodeslut": "31.03.2019"},
         {"Periodestart": "01.02.2019", "Periodeslut": "28.02.2019"}),
        ({"Første dag": "01.03.2019", "Sidste dag": "31.03.2019"},
         {"Første dag": "01.02.2019", "Sidste dag": "28.02.2019"}),
    ],
    ids=["Periode", "Ydelsesperiode", "Periodestart-slut", "Foerste-Sidste-dag"],
)  # fmt: skip
def test_a_lines_period_in_columns_the_guard_does_not_see_is_replaced_by_the_invoices(tmp_path, anna, bo):
    """What goes wrong: a supplier's lines extract gives each line's period in columns the robot
    does not read, named as Danish exports name them: ONE column ``Periode`` (or ``Ydelsesperiode``)
    holding "01.02.2019-28.02.2019", or two named by compounds, ``Periodestart``/``Periodeslut``, or
    ``Første dag``/``Sidste dag``. 0.9.38's ``_refuse_unread_periods`` looks only for a header with
    the word ``fra``/``til`` or a word *beginning* ``start``/``slut`` (``columns.start_date_columns``,
    ``end_date_columns``), holding single dates: ``Periodestart`` is one word beginning
    ``periode``, and a range is no date. So the robot says nothing (no exit 2, nothing in
    input_problems.csv), takes every line's period as blank and gives it the invoice's (March, from
    "Samlefaktura marts 2019"): Bo's February line, whose February invoice B2 in the same batch is
    posted, is POSTED again as March. OPUS pays Bo's February twice, and Sensum marks March paid, so
    Bo's real March invoice will be held back as ALREADY_PAID.

    Why it matters: a double payment from an ordinary export: variants of the 0.9.38 attack
    (tests/test_review_0938_lines.py, ``Ydelsesperiode fra``/``til``) that the mend misses.

    Right behaviour: robot-spec "Collective invoices": a line's period is the invoice's only when its
    period cells are *blank*; README (Columns): "an extract with no period column of a known name and a
    column that looks like one, holding dates, is refused, naming it". Such a lines extract is refused
    (exit 2 naming the column), or at least Bo's February is not paid twice."""
    single = _invoice("B2", "20000", cpr=BO, text="Ophold februar 2019")
    lines = [
        {"Fakturanummer": "S1", "CVR": CVR, "Linje": "1", "CPR": ANNA, "Beløb": "30000", **anna},
        {"Fakturanummer": "S1", "CVR": CVR, "Linje": "2", "CPR": BO, "Beløb": "20000", **bo},
    ]
    code, out = _run(tmp_path, "out", [single, _invoice("S1", "50000")], lines)
    if code == 2:
        return  # refused, naming the column: right
    postings = _postings(out)
    paid_bo = postings[postings["Ydelsesmodtagernr."] == BO]
    assert len(paid_bo) == 1, f"Bo's February paid twice, the second time as March:\n{paid_bo.to_string()}"


# ---------------------------------------------------------------- 4. a stray quote in a ',' file with quoted amounts


def test_a_stray_quote_in_a_comma_file_whose_amounts_are_quoted_loses_the_next_invoice(tmp_path):
    """What goes wrong: a `,` invoice extract whose amounts have decimal commas, so every amount cell
    is quoted (``"28.500,00"``), as any CSV writer quotes a cell holding the separator. Row 1's text,
    in the last column, was typed with a leading quote and no closing one (``"Døgnophold marts``);
    row 2's supplier name holds a quote mid-cell (``Bosted "Lyset"``). The quote opened in row 1 is
    closed in row 2, so row 1 swallows the start of row 2 and row 2's other fields: F-2 (April) has NO
    decision at all (three invoice rows, two rows in decisions.csv), and F-1 goes to a caseworker as a
    bad amount. 0.9.38's ``_opened_by_a_stray_quote`` tells such a quote by the opening line holding
    exactly ``width - 1`` separators when its quotes are not read as quotes; the comma inside the
    quoted amount makes it ``width``, so the rule does not fire. The same file with `;` is refused.

    Why it matters: a lost invoice row. Robot spec: "Nothing is dropped silently: every input invoice
    row has exactly one row in decisions.csv"; README (Reading): a quote "not closed in its row but by
    a quote in the next ... is refused".

    Right behaviour: the file is refused (exit 2, naming row 1 and column 'text', as the same file
    with `;` or unquoted amounts is), or at least every invoice row has its own decision."""
    header = "invoice_id,supplier_name,supplier_cvr,amount,cpr,period_start,period_end,text"
    rows = [
        f'F-1,Solhøj,{SOLHOJ},"28.500,00",{A},01.03.2019,31.03.2019,"Døgnophold marts',
        f'F-2,Bosted "Lyset",{SOLHOJ},"28.500,00",{A},01.04.2019,30.04.2019,Døgnophold april',
        f'F-3,Solhøj,{SOLHOJ},"28.500,00",{A},01.05.2019,31.05.2019,Døgnophold maj',
    ]
    invoices = write_text(tmp_path / "regninger.csv", "\n".join([header, *rows]) + "\n")
    rc, decisions, _ = run(tmp_path, invoices)
    if rc == 2:
        return  # refused, naming the quote: right
    assert decisions["invoice_id"].tolist() == ["F-1", "F-2", "F-3"], (
        f"{len(decisions)} decisions for 3 invoice rows: {decisions['invoice_id'].tolist()}"
    )


# ---------------------------------------------------------------- 5. month first, told by a column not read


def test_a_month_first_grant_export_told_only_by_a_date_column_not_read_is_read_swapped(tmp_path):
    """What goes wrong: a grant extract exported from Sensum with US settings (month first). Every
    grant starts on the first of a month (``04/01/2019`` is 1 April) and is open-ended, so every date
    the robot reads reads either way, and is read day first: A's grant from 1 April 2019 is read as
    from 4 January. The export also holds the decision date (``Afgørelsesdato``: ``03/15/2019``,
    ``12/20/2018`` ...), which reads only month first in every row, but 0.9.38's
    ``_refuse_month_first`` judges only the date columns the robot reads, so the file passes and
    Solhøj's FEBRUARY invoice for A is POSTED on a grant that starts in April.

    Why it matters: a wrong payment, for a month no grant covers (spec check 13, PERIOD_NOT_COVERED).
    The mend's own reason (readers._refuse_month_first: "The file as a whole, as it was exported") is
    that one export writes all its date columns alike; the column that shows it here is simply one
    the robot does not read.

    Right behaviour: README ("A file read wrongly as a whole"): a file where a date cell reads only
    month first, another reads either way and none reads only day first "was exported month first,
    and is refused" (exit 2), or at least the February invoice is not posted."""
    others = ["020202-0208", "030303-0303", "040404-0404", "050505-0505", "060606-0606", "070707-0707"]
    starts = ["04/01/2019", "01/01/2019", "02/01/2019", "03/01/2019", "05/01/2019", "06/01/2019", "07/01/2019"]
    decided = ["03/15/2019", "12/20/2018", "01/17/2019", "02/18/2019", "04/16/2019", "05/21/2019", "06/19/2019"]
    grants = tmp_path / "bevillinger.csv"
    with open(grants, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow([*GRANT_HEADER, "Afgørelsesdato"])
        for k, (cpr, start, day) in enumerate(zip([A, *others], starts, decided, strict=True), start=1):
            w.writerow([f"G-{k}", cpr, "SEL108-BO", SOLHOJ, "28500,00", "month", start, "", day])
    february = f"{DANISH_HEADER}\nF-1;{SOLHOJ};28.500,00;{A};01.02.2019;28.02.2019;Døgnophold februar 2019\n"
    rc, decisions, _ = run(tmp_path, write_text(tmp_path / "regninger.csv", february), grants)
    if rc == 2:
        return  # refused as month first: right
    d = decisions.iloc[0]
    assert d["status"] == "manual", f"February posted on {d['grant_id']}, a grant from 1 April (04/01/2019)"


# ---------------------------------------------------------------- 6. a workflow date column refuses the invoices


@pytest.mark.parametrize("column", ["Modtaget fra leverandør", "Sendt til attestation", "Godkendt til betaling"])
def test_an_invoice_extract_with_a_workflow_date_column_is_refused_as_an_unread_period(tmp_path, column):
    """What goes wrong: an invoice extract as an e-invoice inbox exports it: number, CVR, amount, CPR,
    the text that names the period ("Døgnophold marts 2019"; README: the period may come from the
    text alone) and a date of the invoice's handling, ``Modtaget fra leverandør`` (received from the
    supplier), ``Sendt til attestation`` or ``Godkendt til betaling`` (05.04.2019). Until 83795c9
    it was read and March posted; now ``_refuse_unread_periods`` takes any unread column with the
    word ``fra`` (``til``) that holds dates for a period start (end) and refuses the whole file:
    "column 'Sendt til attestation': is not read, and the extract has no period_end column".

    Why it matters: a regression: a correct extract is refused (exit 2), and no invoice of the
    month is paid until someone edits the export; the column is no period, as its name says.

    Right behaviour: robot-spec "Exit 2 ... when an input cannot be used at all"; a column the robot
    does not read and that names no period (a date of receipt or approval) leaves the extract
    usable: the run completes and F-1 is decided from its text (posted, as before 0.9.38's
    mend). The guard is for columns that look like a *period* (``Ydelsesperiode fra``, ``Leveret
    fra``/``til``), not for every header with ``fra`` or ``til`` in it."""
    invoices = write_text(
        tmp_path / "regninger.csv",
        f"Fakturanr;CVR;Beløb;CPR;Tekst;{column}\nF-1;{SOLHOJ};28.500,00;{A};Døgnophold marts 2019;05.04.2019\n",
    )
    rc, decisions, _ = run(tmp_path, invoices)
    assert rc == 0, f"a correct invoice extract with a column {column!r} refused"
    assert decisions["status"].tolist() == ["posted"]


# ---------------------------------------------------------------- 7. a wrapped text whose second line holds commas


# ---------------------------------------------------------------- 8. a reversal written with another minus


@pytest.mark.parametrize(
    "amount", ["\u221228.500,00", "\u201328.500,00", "(28.500,00)"], ids=["minus", "en-dash", "parens"]
)
def test_a_reversal_mark_written_with_a_minus_sign_or_in_parentheses_holds_the_invoice_unsaid(tmp_path, amount):
    """What goes wrong: 0.9.38 lists a paid mark of a negative or no amount (a reversal) in
    input_problems.csv, since it still holds the invoice back and the caseworker is told as fact
    that the period was paid. A reversal written with the minus sign (U+2212, as systems that
    typeset numbers write it), an en dash (Excel's and Word's autocorrect) or in accounting
    parentheses (``(28.500,00)``) is an amount ``parse_amounts`` cannot read, and the new check
    lists only amounts it reads (``amount_ok & ~amount_blank & (amounts <= 0)``): the mark holds
    A's March invoice (ALREADY_PAID, "Bevilling G-A108 er allerede betalt ... afvis den over for
    leverandøren") and nothing at all is listed for it.

    Why it matters (cosmetic, but the very case of the mend): the caseworker rejects the supplier's
    invoice on the strength of a row that records money going back, with nothing saying the mark is
    in doubt.

    Right behaviour: README "Paid marks": "since 0.9.38 a mark of a negative or no amount (a
    reversal?) ... [is] listed in input_problems.csv", and "A mark that cannot be read is never taken
    as unpaid ... and is listed": a mark whose amount is negative, or cannot be read, is listed under
    its ``amount`` column."""
    from invoicekit import decide, prepare_grants, prepare_invoices, prepare_support_sheet
    from invoicekit.paid_marks import read_paid_marks
    from tests.conftest import grants_table, invoice, support_tables

    path = tmp_path / "markeringer.csv"
    path.write_text(
        f"Bevilling;Periode fra;Periode til;Fakturanummer;Beløb\nG-A108;01.03.2019;31.03.2019;HAND-1-K;{amount}\n",
        encoding="utf-8",
    )
    d = decide(
        prepare_invoices(pd.DataFrame([invoice(invoice_id="A-MAR")])),
        prepare_grants(grants_table()),
        prepare_support_sheet(support_tables()),
        paid=read_paid_marks(path),
    )
    listed = d.problems[(d.problems["file"] == path.name) & (d.problems["row"] == 1)]
    held = d.decisions["reason"].tolist() == ["ALREADY_PAID"]
    assert not held or "amount" in listed["column"].tolist(), (
        f"a reversal written {amount!r} held the invoice as a payment and is listed nowhere: "
        f"{listed[['column', 'problem']].values.tolist()}"
    )
