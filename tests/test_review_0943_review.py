"""Attack r4 on 0.9.43's mends to money in other currencies and credit notes (CHANGES.diff: the fix list's
new columns *Valuta* and *Beløb i valuta*, ``explain``'s amount, the run summary's likely cause of
INVALID_AMOUNT, ``types``' column *Heraf i anden valuta, ikke i beløbet*, the currency an amount cell names).
Each test builds its own small extract or journal in tmp_path, runs the command a user runs, reads what it
writes or prints, and fails on the code as found."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from invoicekit.cli import main
from tests.test_review_0942_followup import _decisions, _inv, _journal
from tests.test_review_0943_money import _inputs, _invoice_sheet


def _euro_workbook(folder: Path, euros: int) -> Path:
    """March's invoice extract as a workbook: Anna's stay, 30,000 kr., and ``euros`` invoices of 28,500 whose
    amount cells are formatted in euro (``#,##0.00 [$€-407]``: Excel shows ``28.500,00 €``), their currency
    column blank, as an inbox export of a German supplier's invoices has them."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    rows = [_inv("F-1", "30000"), *(_inv(f"E-{k}", "28500") for k in range(1, euros + 1))]
    columns = list(rows[0])
    ws.append(columns)
    for r in rows:
        ws.append([float(r[c]) if c == "amount" else r[c] for c in columns])
    for k in range(euros):
        ws.cell(row=3 + k, column=columns.index("amount") + 1).number_format = "#,##0.00 [$€-407]"
    path = folder / "invoices-2019-03.xlsx"
    wb.save(path)
    return path


# ---------------------------------------------------------------- 1


def test_a_cpr_number_in_the_currency_cell_is_shown_in_full_in_the_fix_list_and_explain(tmp_path, capsys):
    """Scenario: March's extract was made from a workbook whose columns slipped: invoice E-1's *Valuta* cell holds
    the citizen's CPR number as Excel keeps a number cell, its leading zero dropped (``101401234`` for
    010140-1234). The robot holds E-1 at check 8, and its message masks the cell: "Fakturaen er i valutaen
    '10140xxxx' …". The administration then opens ``invoicekit actions``' workbook, and a caseworker asks
    ``invoicekit explain --invoice-id E-1``.

    Now: the new column *Valuta* of the sheet *Manuelle fakturaer* shows ``101401234`` in full
    (actions.fix_list copies the journal's ``currency``, which run._journal_copy stores as
    extracts._add_currency_and_prepaid left it: ``mask_cprs_in`` masks ten digits, not nine), and explain's
    first line reads "beløb 1.000,00 101401234" (explain._amount writes the cell beside the amount).

    README: "Nine digits alone that a CPR number is with its leading zero dropped (a workbook's number cell,
    `101401234` for 010140-1234) are masked where the robot quotes a cell that cannot be read: … since
    0.9.29, an invalid CVR number, document type or currency in their messages"; spec: "Everything people
    read (… reports, workbooks, notebooks, stderr) masks anything that reads as a CPR number". Why it
    matters: a citizen's CPR number, which the robot's own message masks, is printed by the two places the
    mend made to quote the currency, in a workbook passed around the administration."""
    journal = _journal(tmp_path, {"2019-03": [_inv("F-1", "30000"), _inv("E-1", "1000", currency="101401234")]})
    decisions = _decisions(tmp_path, "2019-03")
    assert decisions["reason"].tolist() == ["", "INVALID_AMOUNT"]
    assert "10140xxxx" in decisions.loc[1, "message"]  # the robot masks it
    assert main(["actions", "--journal", str(journal), "--out", str(tmp_path / "act"), "--quiet"]) == 0
    sheet = _invoice_sheet(tmp_path / "act").set_index("Fakturanummer")
    shown = [str(v) for v in sheet.loc["E-1"].tolist()]
    args = ["explain", "--grants", str(tmp_path / "grants.csv"), "--invoices", str(tmp_path / "invoices-2019-03.csv"),
            "--support-sheet", str(tmp_path / "sheet.xlsx"), "--invoice-id", "E-1"]  # fmt: skip
    capsys.readouterr()
    assert main(args) == 0
    printed = capsys.readouterr().out
    leaks = [f"actions.xlsx: {v!r}" for v in shown if "101401234" in v]
    leaks += [f"explain: {line!r}" for line in printed.splitlines() if "101401234" in line]
    assert not leaks, "a CPR number (leading zero dropped) shown in full:\n" + "\n".join(leaks)


# ---------------------------------------------------------------- 2


def test_the_fix_list_counts_an_invoice_in_euro_or_with_a_prepayment_as_one_the_template_unlocks(tmp_path):
    """Scenario: in March Anna's stay, 30,000 kr., is posted; a supplier's invoice E-1 of 1,000 EUR
    (``currency`` EUR) and an invoice P-1 of 30,000 kr. with 5,000 kr. paid on account (``prepaid_amount``)
    come without a period, so the robot holds both at check 6 (MISSING_PERIOD), before it reads the currency
    and the prepayment at check 8. The administration runs ``invoicekit actions``.

    Now: actions.csv proposes "Send kontaktskabelonen til leverandør CVR 29345716: 2 uden periode (2
    fakturaer, 66,7 procentpoint)", and action_invoices.csv links E-1 and P-1 to it (actions.template_fixable
    leaves out credit notes, "which the robot never posts", but not an invoice in another currency or with a
    prepayment, though the mend now reads the currency in fix_list). With their periods the robot holds both
    again, at check 8 ("omregn og bogfør manuelt"; "Modregn forudbetalingen og bogfør manuelt").

    README (``invoicekit actions``): "Invoices that one change would let through are grouped into a fix, with
    the invoices it would unlock and the points of automation it would win …; each manual invoice is linked
    to at most one fix, and a credit note to none, as the robot never posts one (since 0.9.31: one without a
    CPR number counted as the contact template's to unlock, in its worth and in the supplier's letter)";
    spec check 8: another currency or a prepayment is settled by hand. Why it matters: the fix list ranks next
    month's work by the points each fix wins; here a letter is worth 66.7 points that wins none, the same
    overstatement 0.9.31 mended for credit notes (a misleading figure the work is planned by)."""
    invoices = [
        _inv("F-1", "30000"),
        _inv("E-1", "1000", "", "", currency="EUR"),
        _inv("P-1", "30000", "", "", prepaid_amount="5000"),
    ]
    journal = _journal(tmp_path, {"2019-03": invoices})
    assert _decisions(tmp_path, "2019-03")["reason"].tolist() == ["", "MISSING_PERIOD", "MISSING_PERIOD"]
    assert main(["actions", "--journal", str(journal), "--out", str(tmp_path / "act"), "--quiet"]) == 0
    links = pd.read_csv(tmp_path / "act" / "action_invoices.csv", dtype=str, keep_default_na=False)
    fixes = pd.read_csv(tmp_path / "act" / "actions.csv", dtype=str, keep_default_na=False)
    linked = links["invoice_id"].tolist()
    assert not linked, (
        f"invoices the robot can never post are counted as unlocked by a fix: {linked}; "
        f"{fixes[['fix_key', 'points']].values.tolist()}"
    )


# ---------------------------------------------------------------- 3


def test_explain_of_a_collective_invoice_in_euro_writes_its_lines_as_kroner(tmp_path, capsys):
    """Scenario: a collective invoice S1 of 50,000 EUR (``currency`` EUR) for Anna and Bo, with its lines
    (``--invoice-lines``: 30,000 and 20,000, the lines' currency blank, as ``convert --lines-out`` writes a
    line in its invoice's currency). The robot holds it at check 8 ("Fakturaen er i valutaen 'EUR' … omregn
    og bogfør manuelt"). A caseworker asks ``invoicekit explain --invoice-id S1``.

    Now: explain's first line says "beløb 50.000,00 EUR" (the mend), but its lines read "linje 1: CPR
    010190-xxxx, beløb 30.000,00 kr." and "linje 2: … beløb 20.000,00 kr." (explain.Explanation.text writes
    each line's amount with ``_ore``, as kroner, whatever the invoice's currency).

    README (0.9.43): the fix list's amount "is blank for an invoice in another currency, whose amount is under
    *Valuta* and *Beløb i valuta* (it showed 1,000 EUR as 1.000,00 kr. beside "omregn og bogfør manuelt"; the
    supplier letters write `1.000,00 EUR`, and `explain` too)"; explain: "Amounts, rates and dates are written
    as the caseworker's message beside them writes them". Why it matters: the person told to convert and pay
    each citizen's share by hand reads each share as kroner already (30,000 kr. for 30,000 EUR): the
    misleading figure the mend removed from the first line stays on every line."""
    from tests.test_lines import ANNA, BO, GRANTS, SHEET, invoice, line

    _inputs(tmp_path, GRANTS, SHEET)
    pd.DataFrame([{**invoice("S1", "50000"), "currency": "EUR"}]).to_csv(tmp_path / "invoices.csv", index=False)
    lines = [line("S1", "1", ANNA, "30000"), line("S1", "2", "", "20000", f"Bo {BO}")]
    pd.DataFrame(lines).to_csv(tmp_path / "lines.csv", index=False)
    args = ["explain", "--grants", str(tmp_path / "grants.csv"), "--invoices", str(tmp_path / "invoices.csv"),
            "--invoice-lines", str(tmp_path / "lines.csv"), "--support-sheet", str(tmp_path / "sheet.xlsx"),
            "--invoice-id", "S1"]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "beløb 50.000,00 EUR" in printed and "valutaen 'EUR'" in printed
    as_kroner = [ln.strip() for ln in printed.splitlines() if ln.strip().startswith("linje") and " kr." in ln]
    assert not as_kroner, "the lines of an invoice in euro are written as kroner:\n" + "\n".join(as_kroner)


# ---------------------------------------------------------------- 4


def test_the_run_summary_still_blames_the_decimal_separator_for_amounts_formatted_in_euro(tmp_path, capsys):
    """Scenario: March's extract is a workbook: Anna's stay of 30,000 kr. and six invoices of 28,500 whose
    amount cells are formatted in euro (``#,##0.00 [$€-407]``), their currency column blank. The robot reads
    each as shown, ``28500 EUR``, and holds it (INVALID_AMOUNT, "Beløbet '28500 EUR' er ikke et beløb i
    kroner og øre"); since 0.9.43 the extract gives each the currency EUR (extracts._add_amounts_currency) and
    the journal keeps it, so the follow-up counts them as invoices in another currency.

    Now: the summary says "Most invoices share one problem: 6 of 7 (86%) are INVALID_AMOUNT; the amounts
    could not be read: check the decimal separator (comma or point) and the column separator of the invoice
    extract" (run.amount_causes counts them under ``amount``, as it reads ``amount_ok`` before the currency
    the amount cell named, so AMOUNT_CAUSE's currency cause is never given for them).

    README (0.9.43): the summary names "for `INVALID_AMOUNT` what held most of them: an amount that cannot be
    read, another currency, or a prepayment, since 0.9.43: it blamed the decimal separator for invoices in
    euro"; and "an amount cell of a workbook whose number format shows another currency (`#,##0.00 [$€-407]`
    …) is read as shown, `28500 EUR`, no DKK amount". Why it matters: the user is sent to change the
    separators of an extract whose separators are right, while the cause, invoices in euro, goes unsaid:
    the very message the mend meant to end, for the one kind of euro invoice the robot reads from the amount."""
    grants, sheet = _inputs(tmp_path)
    path = _euro_workbook(tmp_path, 6)
    args = ["run", "--grants", str(grants), "--invoices", str(path), "--support-sheet", str(sheet),
            "--out", str(tmp_path / "out"), "--new-journal", str(tmp_path / "journal.sqlite")]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    reasons = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)["reason"].tolist()
    assert reasons == ["", *["INVALID_AMOUNT"] * 6]
    assert "INVALID_AMOUNT" in printed  # the summary names the shared reason
    assert "decimal separator" not in printed, f"the summary blames the separators for invoices in euro:\n{printed}"


# ---------------------------------------------------------------- 5


def test_the_type_table_counts_amounts_formatted_in_euro_in_neither_the_kroner_nor_the_other_currencies(tmp_path):
    """Scenario: an analyst maps March's invoice types (``invoicekit types``, notebook 01) on the workbook of
    test 4 with one more euro invoice: Anna's stay of 30,000 kr. and seven invoices of 28,500 whose amount
    cells are formatted in euro, labelled *Døgnophold* (the stay and three euro invoices) and *Udland* (four).

    Now: type_table.csv gives *Udland* 4 invoices, ``amount`` 0 and ``other_currency`` 0, and *Døgnophold*
    ``other_currency`` 0 (types/tables.type_table counts ``~currency_ok``, which
    extracts._add_amounts_currency leaves True when it gives the invoice the amount cell's currency): the
    seven euro invoices are in neither the kroner nor the column for other currencies, while the follow-up
    of the same invoices (the journal's ``currency``) counts them in *Heraf i anden valuta, ikke i beløbet*.

    README (``types``): type_table.csv gives "the amount in kroner billed and its share (…; an invoice in
    another currency counted in `other_currency` and in no amount …)"; and "an amount cell of a workbook whose
    number format shows another currency … is read as shown, `28500 EUR`". Why it matters: the column exists
    to tell the analyst that a type's *Beløb (kr.)* leaves money out; here a type of euro invoices reads as
    billing nothing at all, in nothing else either (a misleading figure the robot's scope is judged by)."""
    path = _euro_workbook(tmp_path, 7)
    labels = ["F-1,Døgnophold"] + [f"E-{k},{'Døgnophold' if k <= 3 else 'Udland'}" for k in range(1, 8)]
    (tmp_path / "labels.csv").write_text("invoice_id,invoice_type\n" + "\n".join(labels) + "\n", encoding="utf-8")
    args = ["types", "--invoices", str(path), "--labels", str(tmp_path / "labels.csv"), "--out",
            str(tmp_path / "types"), "--quiet"]  # fmt: skip
    assert main(args) == 0
    table = pd.read_csv(tmp_path / "types" / "type_table.csv").set_index("invoice_type")
    assert table["invoices"].to_dict() == {"Døgnophold": 4, "Udland": 4}
    assert table.loc["Døgnophold", "amount"] == 30000
    counted = table["other_currency"].to_dict()
    assert counted == {"Døgnophold": 3, "Udland": 4}, (
        f"seven invoices in euro are counted {counted} in other_currency (amounts {table['amount'].to_dict()})"
    )
