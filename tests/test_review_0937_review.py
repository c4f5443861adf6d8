"""A review of 0.9.37's first mends (the attack on 0.9.36): a supplier's bank account and a payment id
read as citizens, a payee named as the supplier's registered name taken for another party, allowances a
zero element hid, a grant paid on a collective invoice's line proposed moved, quiet months refused as
copies, labels made from types.csv lost, and a hidden row of spaces refusing the support sheet. Each
test failed on the first mends (two of them, places those mends missed, on 0.9.36 too)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from invoicekit.actions import fix_list
from invoicekit.convert import convert
from invoicekit.evaluate import read_decisions
from invoicekit.run import run
from invoicekit.types import map_types, match_labels, read_extracts
from invoicekit.types.labels import read_labels
from tests.test_actions import S2, A, B, decision, frame, grants
from tests.test_attack_0932_einvoice import EXAMPLE, decided, inbox, line, peppol
from tests.test_review_0935_allowances import _cii

ANNA = "610190-1234"  # citizen A of tests/test_attack_0932_einvoice.GRANTS: grant B-1001, 28,500 kr. a month
SOLHOJ, KILDEN = "29345716", "31587603"


def _outcome(decisions: pd.DataFrame) -> list[tuple[str, str, str]]:
    return list(zip(decisions["status"], decisions["reason"], decisions["grant_id"], strict=True))


# ---------------------------------------------------------------- 1. reference_texts: the supplier's bank account

_UBL_BANK = (
    "<cac:PaymentMeans><cbc:PaymentMeansCode>31</cbc:PaymentMeansCode>"
    "<cac:PayeeFinancialAccount><cbc:ID>3001234567</cbc:ID>"
    "<cac:FinancialInstitutionBranch><cbc:ID>1551</cbc:ID></cac:FinancialInstitutionBranch>"
    "</cac:PayeeFinancialAccount></cac:PaymentMeans>"
)
_CII_BANK = (
    "<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>30</ram:TypeCode>"
    "<ram:PayeePartyCreditorFinancialAccount><ram:ProprietaryID>3001234567</ram:ProprietaryID>"
    "</ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>"
)


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_the_suppliers_bank_account_number_is_read_as_a_second_citizen(tmp_path, syntax):
    """An ordinary one-citizen invoice for March 2019 (28,500.00, citizen A's grant B-1001 at Solhøj,
    the citizen named in the note) that says where to pay, as OIOUBL/Peppol invoices do: UBL
    ``cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID`` (CII
    ``PayeePartyCreditorFinancialAccount/ram:ProprietaryID``), the supplier's Danish account number
    ``3001234567`` (reg. no. 1551).

    What goes wrong: since 0.9.37 ``einvoice.reference_texts`` searches every element whose name ends in
    ``ID`` outside the supplier's *parties* for CPR numbers; the payment means (the supplier's bank
    account) are no party, so ``3001234567`` reads as the citizen ``300123-4567`` (30 January 1923).
    convert writes ``cpr`` = ``610190-1234, 300123-4567`` and the robot sends the invoice to a
    caseworker (``LINES_MISMATCH``), every month, for every invoice of that supplier. 0.9.36 posted it.

    Why it matters: a wrong refusal that hits every invoice of a supplier whose account number starts
    with something that reads as a birth date (roughly one Danish account number in fifteen), with a
    message about a second citizen that does not exist. An account number is the supplier's, as
    the supplier's parties (left out, README ``cpr`` row) are.

    Right: the payment means (the payee's financial account, its branch and the payment id) are read
    as the supplier's, as its parties are: the invoice is posted on B-1001 as before."""
    if syntax == "ubl":
        doc = peppol(f"<cbc:Note>Døgnophold marts 2019 for {ANNA}</cbc:Note>", "28500.00", line(1, "28500.00"))
        doc = doc.replace("<cac:TaxTotal>", _UBL_BANK + "<cac:TaxTotal>", 1)
    else:
        doc = _cii([(ANNA, "28500.00")], _CII_BANK, "28500.00")
    assert _outcome(decided(tmp_path, doc)) == [("posted", "", "B-1001")]


def test_a_payment_id_repeating_a_date_numbered_invoice_number_is_read_as_a_citizen(tmp_path):
    """A supplier numbering its invoices by date and a serial, ``DDMMYY`` + four digits (``1503190001``;
    the change's own ``tests/test_review_0937_types.py`` takes such suppliers as real), sends a Peppol
    invoice for citizen A's March (28,500.00) whose payment reference (``cac:PaymentMeans/cbc:PaymentID``,
    BT-83, remittance information) is, as usual, the invoice number.

    What goes wrong: ``reference_texts`` leaves out the document's own ``cbc:ID`` but not the same number
    repeated as the payment id, so ``1503190001`` reads as the citizen ``150319-0001``: the invoice goes to
    a caseworker (``LINES_MISMATCH``) where 0.9.36 posted it; every invoice of such a supplier does.

    Why it matters: a wrong refusal of ordinary invoices, every month, for a whole supplier.

    Right: a payment reference (and any identifier that repeats the document's own number) is no
    citizen: posted on B-1001."""
    pm = (
        "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentID>1503190001</cbc:PaymentID>"
        "<cac:PayeeFinancialAccount><cbc:ID>DK5000400440116243</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>"
    )
    doc = peppol(
        f"<cbc:Note>Døgnophold marts 2019 for {ANNA}</cbc:Note>", "28500.00", line(1, "28500.00"), number="1503190001"
    ).replace("<cac:TaxTotal>", pm + "<cac:TaxTotal>", 1)
    assert _outcome(decided(tmp_path, doc)) == [("posted", "", "B-1001")]


# ---------------------------------------------------------------- 2. the payee check


@pytest.mark.parametrize(
    "payee",
    [
        # the name the supplier's own PartyLegalEntity/RegistrationName gives
        "<cac:PayeeParty><cac:PartyName><cbc:Name>Bostedet Solhøj ApS</cbc:Name></cac:PartyName></cac:PayeeParty>",
        # the same, identified by a GLN (OIOUBL's usual party identifier), no CVR scheme
        '<cac:PayeeParty><cac:PartyIdentification><cbc:ID schemeID="0088">5790000123456</cbc:ID>'
        "</cac:PartyIdentification><cac:PartyName><cbc:Name>Bostedet Solhøj ApS</cbc:Name></cac:PartyName>"
        "</cac:PayeeParty>",
    ],
)
def test_a_payee_named_as_the_suppliers_registered_name_is_taken_for_another_party(tmp_path, payee):
    """A Peppol invoice from Bostedet Solhøj (PartyName ``Bostedet Solhøj``, RegistrationName
    ``Bostedet Solhøj ApS``, CVR 29345716) with a ``cac:PayeeParty`` that names the supplier itself by
    its registered name, ``Bostedet Solhøj ApS``, without a CVR-scheme identifier (BT-59 is the
    payee's *name*; its identifier is optional and often a GLN).

    What goes wrong: ``einvoice._other_payee`` compares a payee without a CVR number only with the
    supplier's ``PartyName`` (case and spaces aside), not with its registration name, so the supplier
    itself is taken for another party: the amount is written ``28500.00 (betales til: CVR ?)`` and the
    invoice goes to a caseworker as factored, every month.

    Why it matters: a wrong refusal of an ordinary invoice, with a message telling the caseworker the
    claim was assigned to someone (who is named nowhere: ``CVR ?``).

    Right: a payee that is the supplier by any name the supplier's party gives (PartyName or
    RegistrationName; a legal suffix aside) is the supplier: the amount is written plain."""
    doc = peppol(f"<cbc:Note>Døgnophold marts 2019 for {ANNA}</cbc:Note>", "28500.00", line(1, "28500.00"))
    doc = doc.replace("</cac:AccountingCustomerParty>", "</cac:AccountingCustomerParty>" + payee, 1)
    result = convert([inbox(tmp_path, doc)])
    amount = result.invoices["amount"].iat[0]
    assert isinstance(amount, Decimal) and amount == Decimal("28500.00"), amount


# ---------------------------------------------------------------- 3. allowances: a zero element beside the totals


def test_an_allowance_element_of_0_hides_the_allowances_and_charges_the_totals_state(tmp_path):
    """The collective invoice of ``test_allowances_and_charges_stated_only_in_the_totals_let_a_collective_
    invoice_post`` (A 28,500.00, B 28,500.00, totals stating an allowance of 1,500.00 and a charge of
    1,500.00 on the whole invoice), with one ``cac:AllowanceCharge`` of 0.00 beside them ("Rabat 0.00",
    a template's placeholder).

    What goes wrong: ``adjusted_totals`` reads the totals only where the document has *no* element
    (``doc.adjustments or ...``); an element of 0 counts as none, so neither the element nor the totals
    say anything, and both lines are posted at 28,500.00 (``B-1001;B-2001``): the fix the change made
    is undone by a zero element.

    Why it matters: the same wrong payment the change mends (one citizen overpaid, the other
    underpaid, both months marked paid).

    Right: totals stating allowances or charges the elements do not account for send the invoice to a
    caseworker, elements or not (nothing posted)."""
    totals = (
        '<cbc:AllowanceTotalAmount currencyID="DKK">1500.00</cbc:AllowanceTotalAmount>'
        '<cbc:ChargeTotalAmount currencyID="DKK">1500.00</cbc:ChargeTotalAmount>'
    )
    zero = (
        "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
        '<cbc:AllowanceChargeReason>Rabat</cbc:AllowanceChargeReason><cbc:Amount currencyID="DKK">0.00</cbc:Amount>'
        "</cac:AllowanceCharge>"
    )
    lines = line(1, "28500.00", note=f"Borger {ANNA}") + line(2, "28500.00", note="Borger 620585-2345")
    doc = peppol("<cbc:Note>Samlefaktura</cbc:Note>", "57000.00", lines, totals=totals)
    doc = doc.replace("<cac:TaxTotal>", zero + "<cac:TaxTotal>", 1)
    decisions = decided(tmp_path, doc)
    assert (decisions["status"] == "posted").sum() == 0, _outcome(decisions)


# ---------------------------------------------------------------- 4. the fix list: a grant paid on a collective line


def test_a_grant_paid_on_a_collective_invoices_line_is_still_moved_to_another_supplier():
    """Anna's grant G-ELSE and Bo's G-B are registered at supplier S2, and S2's January collective
    invoice was posted line by line: the journal keeps it as one decision with the lines' grants
    joined, ``G-ELSE;G-B`` (as ``invoicekit run`` records it). S1 also bills Anna for January, 31,000
    kr. (NO_GRANT_FOR_SUPPLIER).

    What goes wrong: the change stops the ``grant_supplier`` fix where the grant "was paid to its own
    supplier for an overlapping period" (``_paid_for_the_period``), but it looks for the grant id
    exactly, so a grant paid on a collective invoice's line (``G-ELSE;G-B``) is never found: the fix
    list tells the caseworker "Ret leverandøren på bevilling G-ELSE fra CVR S2 til CVR S1". The same
    document as a one-citizen invoice gets no such fix (``test_grant_supplier_fix_moves_a_grant_its_own_
    supplier_was_paid_under_for_the_same_period``). (``_rate_fixes`` has the same blind spot.)

    Why it matters: following the fix moves a grant whose supplier was right, sends S2's invoices to
    manual and pays S1's double bill from next month.

    Right: the grants of a collective invoice's posted lines count as paid for their period: no
    ``grant_supplier:G-ELSE`` fix."""
    g = grants(
        ("G-ELSE", A, "108-LAN", S2, "1000.00", "day", "2018-01-01", ""),
        ("G-B", B, "108-LAN", S2, "1000.00", "day", "2018-01-01", ""),
    )
    d = frame(
        decision(1, supplier_cvr=S2, grant_id="G-ELSE;G-B", service_code="108-LAN",
                 cpr_masked="010190-xxxx;020285-xxxx", amount=62000.0, expected_amount=62000.0),
        decision(2, "NO_GRANT_FOR_SUPPLIER", amount=31000.0),  # S1 bills Anna's January
    )  # fmt: skip
    a = fix_list(d, grants=g)
    linked = dict(zip(a.invoices["row"], a.invoices["fix_key"], strict=True))
    assert linked[2] != "grant_supplier:G-ELSE", a.fixes[["fix_key", "action"]].to_string()


# ---------------------------------------------------------------- 5. evaluate: copies by their bytes


def test_two_months_whose_runs_found_no_invoice_are_refused_as_copies(tmp_path):
    """Two recorded runs of one journal, March and April 2019, each on an extract that held no invoice
    (a quiet month: README, "a month whose runs found no invoice"), then ``evaluate --decisions
    2019-03/decisions.csv 2019-04/decisions.csv``.

    What goes wrong: ``read_decisions`` refuses a file that holds the same bytes as another as a copy;
    a run that found no invoice writes only the header, so the two runs' files are alike, and April's
    is refused "holds the same decisions as .../2019-03/decisions.csv (a copy?)", exit 2, though each
    file's ``run.json`` names its own run (1 and 2 of the journal). 0.9.36 read them.

    Why it matters: no period with two quiet months (nor a glob over a year's runs) can be evaluated.

    Right: a file whose run.json names a run of its own is no copy; the byte comparison is for files
    without one (or for files that hold decisions): both files read, no decision."""
    header = "invoice_id;supplier_cvr;supplier_name;amount;cpr;period_start;period_end;text\n"
    journal = tmp_path / "journal.sqlite"
    paths = []
    for k, month in enumerate(["2019-03", "2019-04"]):
        invoices = tmp_path / f"invoices-{month}.csv"
        invoices.write_text(header, encoding="utf-8")
        where = {"new_journal": journal} if k == 0 else {"journal": journal}
        run(EXAMPLE / "bevillinger.csv", invoices, EXAMPLE / "stoetteark.xlsx", tmp_path / month,
            run_date=dt.date(2019, 3 + k, 28), **where)  # fmt: skip
        paths.append(tmp_path / month / "decisions.csv")
    assert len(read_decisions(paths)) == 0


# ---------------------------------------------------------------- 6. types: labels made from types.csv


def test_labels_made_from_types_csv_no_longer_match_invoice_numbers_that_read_as_cpr_numbers(tmp_path):
    """`invoicekit types` run without labels writes ``types.csv`` (file, row, supplier_cvr, invoice_id,
    invoice_type), the invoice numbers as shown: ``1503190001`` (a supplier numbering by date) shown
    ``150319-xxxx``. Staff correct the types in it and give it back as ``--labels`` (the README's
    file/row keys, with the number and supplier beside them).

    What goes wrong: since 0.9.37 a label found by its row is put only on an invoice whose number it
    names, compared with the number *as written* (``1503190001``); the label says the number as the tool
    itself wrote it, ``150319-xxxx``, so every label of that supplier is "matched no invoice" and left
    out. 0.9.36 put all eight labels on their invoices.

    Why it matters: the tool's own output, fed back as the README describes, silently loses labels (all
    of them for such a supplier; with only such labels, refused as "none of the labels matched").

    Right: a label's number matches its row's invoice as written or as the tool shows it (masked): all
    eight labels matched."""
    rows = [f"15031900{k:02d},{SOLHOJ},28500.00,Døgnophold marts 2019" for k in range(1, 5)]
    rows += [f"K-{k},{KILDEN},9000.00,Dagtilbud marts 2019" for k in range(1, 5)]
    extract = tmp_path / "invoices-2019-03.csv"
    extract.write_text("invoice_id,supplier_cvr,amount,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    written = map_types([extract], random_state=0).types  # what types.csv holds
    labels = written[["file", "row", "supplier_cvr", "invoice_id"]].assign(
        file=[Path(f).name for f in written["file"]], invoice_type=["døgn"] * 4 + ["dag"] * 4
    )
    labels.to_csv(tmp_path / "labels.csv", index=False)
    match = match_labels(read_extracts([extract]), read_labels(tmp_path / "labels.csv"))
    assert match.labels.tolist() == ["døgn"] * 4 + ["dag"] * 4, (match.labels.tolist(), match.unmatched)


# ---------------------------------------------------------------- 7. the support sheet: a hidden row of nothing


def test_a_hidden_row_holding_only_a_space_refuses_the_support_sheet(tmp_path):
    """The example support sheet with, below the coding table, a hidden row whose one cell holds a
    space (a spacer row someone typed a space in and hid; or a cell cleared with the space bar).

    What goes wrong: ``readers.rows_not_shown`` counts any cell with a stored value as a value, a
    space too, so the whole support sheet is refused (exit 2: "row 9: is hidden ... the robot would
    code postings by it"), and no invoice of the month is decided. The reader itself reads that row as
    blank and no row of data (``_table_from_rows``: "a blank row is not data"; ``holds_cells``: "a cell
    of spaces is none"), so the robot would code nothing by it.

    Why it matters: a refusal of the whole run for a row nobody uses, whose message says something
    untrue; the refusal is meant for hidden rows of values the robot would post on.

    Right: a hidden or struck-through row is judged as the reader reads it: a row with nothing but
    spaces (or empty strings) is no row of values, and the sheet is read."""
    import openpyxl

    from invoicekit.extracts import read_support_sheet

    wb = openpyxl.load_workbook(EXAMPLE / "stoetteark.xlsx")
    ws = wb["Kontering"]
    at = ws.max_row + 2
    ws.cell(row=at, column=1, value=" ")
    ws.row_dimensions[at].hidden = True
    path = tmp_path / "stoetteark.xlsx"
    wb.save(path)
    read_support_sheet(path)  # refused on the changed code
