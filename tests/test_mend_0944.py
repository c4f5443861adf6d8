"""Mends of 0.9.44 in the analysis commands: a credit note is never payable (evaluate by truth and by
history agree), clusters.csv's median takes kroner only, the types credit flag is evaluate's, and the fix
list keeps a masked CPR number as written. Each test reads what a user reads (evaluate's table and
evaluation.csv, clusters.csv, the types table, actions.xlsx) and failed on the code as found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from invoicekit.cli import main
from invoicekit.evaluate import credit_notes, evaluate, evaluate_history
from invoicekit.posting_history import prepare_posting_history

CVR = "29345716"


def _decisions(rows: list[tuple[str, str, str, str, str, str, float]]) -> pd.DataFrame:
    """(invoice_id, status, reason, grant_id, psp_element, art, amount in DKK), one supplier."""
    d = pd.DataFrame(rows, columns=["invoice_id", "status", "reason", "grant_id", "psp_element", "art", "amount"])
    return d.assign(row=range(1, len(d) + 1), supplier_cvr=CVR)


# ---------------------------------------------------------------- 1: a credit note is never payable


def test_a_credit_note_set_off_by_hand_is_not_counted_payable_by_history_nor_by_truth(tmp_path: Path):
    """Scenario: a month of three invoices of one supplier. A (1,000 kr.) the robot held for an amount that
    did not match, and a specialist paid it; K-1 is a credit note of 500 kr. written negative, K-2 one of
    200 kr. written positive (as the spec allows: known by check 9's reason). The robot holds both credit
    notes (check 9), as it must; the specialists set them off by hand, so the OPUS history holds their
    negative postings, and the truth says ``should_pay`` true for them (they were acted on).

    Found: ``evaluate --history`` counted each credit note ``manual_payable`` ("Manuel, kunne være betalt":
    what better data and rules could win), and so did ``evaluate`` by the truth. But the robot never posts a
    credit note, and no money goes out for one: the potential was inflated by every credit note of the
    period. A credit note is rightly held, by history and by truth alike (the two must agree)."""
    decisions = _decisions(
        [
            ("A", "manual", "AMOUNT_MISMATCH", "", "", "", 1000.00),
            ("K-1", "manual", "CREDIT_NOTE", "", "", "", -500.00),
            ("K-2", "manual", "CREDIT_NOTE", "", "", "", 200.00),
        ]
    )
    history = prepare_posting_history(
        pd.DataFrame(
            [
                ("A", "1.000,00", "P1", "40000000"),
                ("K-1", "-500,00", "P1", "40000000"),
                ("K-2", "-200,00", "P1", "40000000"),
            ],
            columns=["Fakturanummer", "Beløb", "PSP-element", "Artskonto"],
        ).assign(**{"Leverandør CVR": CVR})
    )
    truth = pd.DataFrame(
        {
            "supplier_cvr": CVR,
            "invoice_id": ["A", "K-1", "K-2"],
            "should_pay": "true",
            "true_grant_id": "G1",
            "true_psp_element": "P1",
            "true_art": "40000000",
        }
    )
    expected = {"A": "manual_payable", "K-1": "manual_held", "K-2": "manual_held"}
    for name, ev in (("history", evaluate_history(decisions, history)), ("truth", evaluate(decisions, truth))):
        got = dict(zip(ev.invoices["invoice_id"], ev.invoices["outcome"], strict=True))
        assert got == expected, f"judged by the {name}: {got}"
        assert ev.summary["manual_payable"] == 1 and ev.summary["manual_held"] == 2, name
        assert ev.summary["potential_rate"] == 1 / 3, name
        written = pd.read_csv(ev.write(tmp_path / name)["csv"], dtype=str, keep_default_na=False)
        assert written.set_index("invoice_id").loc[["K-1", "K-2"], "outcome"].tolist() == ["manual_held"] * 2, name
        assert written.set_index("invoice_id").loc[["K-1", "K-2"], "should_pay"].tolist() == ["false"] * 2, name


# ---------------------------------------------------------------- 2: clusters.csv's median in kroner only


def test_the_clusters_median_amount_takes_kroner_only_and_counts_the_other_currencies_left_out(tmp_path: Path):
    """Scenario: an analyst maps March's invoice types without labels (``invoicekit types --clusters 2``):
    Solhøj's four stays of 28,500 kr. and five invoices of 1,000,000 EUR (``currency`` EUR, a supplier
    abroad), and Kilden's five rides of 900 kr.

    Found: clusters.csv's ``median_amount`` (*Medianbeløb (kr.)*) took each group's median of the amounts as
    written, a euro amount as kroner, so a group of stays showed a median of 1,000,000 kr. The follow-up's
    tables and the type table count kroner only (evaluate's ``billed_ore``), and say how many invoices in
    another currency they left out (*Heraf i anden valuta, ikke i beløbet*): the groups now do the same, or
    an analyst scopes the robot by a median no invoice in kroner has."""
    stays = [(f"F-{k}", "29345716", "28500.00", "", "Døgnophold marts 2019") for k in range(1, 5)]
    euro = [(f"E-{k}", "29345716", "1000000.00", "EUR", "Døgnophold marts 2019") for k in range(1, 6)]
    rides = [(f"K-{k}", "31587603", "900.00", "", "Kørsel til dagtilbud") for k in range(1, 6)]
    extract = pd.DataFrame(
        [*stays, *euro, *rides], columns=["invoice_id", "supplier_cvr", "amount", "currency", "text"]
    ).assign(document_type="", period_start="2019-03-01", period_end="2019-03-31")
    extract["cpr"] = [f"0{k}0{k}60-000{k}" for k in range(1, 6)] * 2 + [f"0{k}0{k}60-000{k}" for k in range(1, 5)]
    extract.to_csv(tmp_path / "invoices-2019-03.csv", index=False)
    out = tmp_path / "out"
    args = ["types", "--invoices", str(tmp_path / "invoices-2019-03.csv"), "--clusters", "2", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    clusters = pd.read_csv(out / "clusters.csv")
    groups = pd.read_csv(out / "types.csv", dtype=str, keep_default_na=False)["invoice_type"].to_numpy()
    kroner = extract["amount"].astype(float).where(extract["currency"] == "", np.nan)
    by_hand = kroner.groupby(groups).median()
    left_out = (extract["currency"] != "").groupby(groups).sum()
    got = clusters.set_index("group")
    assert got["median_amount"].fillna(-1).to_dict() == by_hand.reindex(got.index).fillna(-1).to_dict()
    assert got["other_currency"].to_dict() == left_out.reindex(got.index).to_dict()
    assert got["other_currency"].sum() == 5
    heading = [c.value for c in load_workbook(out / "types.xlsx")["Grupper"][1]]
    assert heading[-2:] == ["Medianbeløb (kr.)", "Heraf i anden valuta, ikke i beløbet"]


# ---------------------------------------------------------------- 3: the types credit flag is evaluate's


def test_an_invoice_of_zero_kroner_is_a_credit_note_in_the_groups_as_evaluate_and_the_robot_count_it(tmp_path: Path):
    """Scenario: an analyst maps March's invoice types without labels (``invoicekit types --clusters 2``):
    Solhøj's five stays of 28,500 kr., and Kilden's five corrections, of which three of 0,00 kr. (a stay
    cancelled, nothing to pay) and two of -900 kr.

    Found: the types' credit flag (types/features ``credit``, the groups' *Andel kreditnotaer*) took an
    amount below 0 alone: the three of 0 kr. were no credit notes, where the spec's check 9 (amount ≤ 0), the
    robot, and evaluate's ``credit_notes`` (what the follow-up and evaluate count) hold them as credit notes.
    An invoice of 0 kr. asks for no payment and is never posted: the groups' share of credit notes must count
    it, or the analyst scopes the robot by a share that says fewer credit notes than the robot holds."""
    stays = [(f"F-{k}", "29345716", "28500.00", "Døgnophold marts 2019") for k in range(1, 6)]
    zero = [(f"K-{k}", "31587603", "0.00", "Korrektion dagtilbud") for k in range(1, 4)]
    minus = [(f"K-{k}", "31587603", "-900.00", "Korrektion dagtilbud") for k in range(4, 6)]
    extract = pd.DataFrame([*stays, *zero, *minus], columns=["invoice_id", "supplier_cvr", "amount", "text"]).assign(
        document_type="", currency="", period_start="2019-03-01", period_end="2019-03-31"
    )
    extract["cpr"] = [f"0{k}0{k}60-000{k}" for k in range(1, 6)] * 2
    extract.to_csv(tmp_path / "invoices-2019-03.csv", index=False)
    out = tmp_path / "out"
    args = ["types", "--invoices", str(tmp_path / "invoices-2019-03.csv"), "--clusters", "2", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    clusters = pd.read_csv(out / "clusters.csv")
    credit_in_groups = (clusters["credit_share"] * clusters["invoices"]).round().sum()
    decisions = extract.rename(columns={"amount": "amount_ore"}).assign(
        amount_ore=(extract["amount"].astype(float) * 100).round().astype("int64")
    )
    assert credit_notes(decisions).sum() == 5  # evaluate's: the three of 0 kr. and the two below
    assert credit_in_groups == 5, f"the groups count {credit_in_groups:.0f} credit notes of the 5 evaluate counts"


# ---------------------------------------------------------------- 4: the fix list keeps a masked CPR as written


def test_the_fix_list_keeps_a_masked_cpr_number_as_written_not_in_capitals(tmp_path: Path):
    """Scenario: in March Anna's stay, 30,000 kr., is posted; on a second invoice the supplier keyed the
    citizen's CPR number into the currency column (``currency`` 0101901234). The robot holds it at check 8
    (another currency than DKK), the journal keeping the currency as the extract shows it, masked:
    ``010190-xxxx``. The administration opens ``invoicekit actions``' workbook.

    Found: the sheet *Manuelle fakturaer* showed the invoice's *Valuta* as ``010190-XXXX``: evaluate's
    ``currencies``, which the fix list takes its currency codes from, upper-cased the whole cell, masked
    CPR number and all. A masked CPR number is written ``DDMMYY-xxxx`` everywhere (the README's promise, and
    what a PII scan and a reader look for); in capitals it is another string, which neither a search for
    the masked form nor the journal's own record finds."""
    from tests.test_review_0942_followup import _inv, _journal

    wrong = _inv("E-1", "1000", currency="0101901234")
    journal = _journal(tmp_path, {"2019-03": [_inv("F-1", "30000"), wrong]})
    assert main(["actions", "--journal", str(journal), "--out", str(tmp_path / "act"), "--quiet"]) == 0
    book = load_workbook(tmp_path / "act" / "actions.xlsx")
    ws = book["Manuelle fakturaer"]
    rows = list(ws.iter_rows(values_only=True))
    sheet = pd.DataFrame(rows[1:], columns=rows[0]).set_index("Fakturanummer")
    assert sheet.loc["E-1", "Valuta"] == "010190-xxxx"
    capitals = [
        (name, cell.coordinate, cell.value)
        for name in book.sheetnames
        for row in book[name].iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "-XXXX" in cell.value
    ]
    assert capitals == [], f"masked CPR numbers shown in capitals: {capitals}"


# ---------------------------------------------------------------- 5: the types' amount is kroner billed


def test_the_types_amount_is_kroner_billed_a_euro_invoice_none_and_a_credit_note_written_positive_credits():
    """Scenario: March's invoices hold a stay of 28,500 kr., a stay of 28,500 EUR from a German home (check 8
    holds it), and Kilden's credit note of 5,000 written positive with its type (``credit_note``, as the spec
    allows), beside Kilden's invoice of 5,000 kr.; the citizen's grant at Solhøj is 28,500 kr. a month.

    Found (0.9.43): the types' features read the euro invoice's 28,500 as kroner, in the same amount band as the
    Danish stay and a whole multiple of the Danish rate, and the credit note's 5,000 as a bill of 5,000 kr.: the
    classifier and the groups learnt a German home's invoices as Danish ones and a credit note as its invoice,
    where evaluate and the follow-up count kroner billed (``billed_ore``: a credit note credits, another
    currency is no kroner)."""
    from invoicekit.extracts import prepare_grants, prepare_invoices
    from invoicekit.types import invoice_features

    invoices = pd.DataFrame(
        {
            "invoice_id": ["F-1", "F-2", "K-1", "K-2"],
            "supplier_cvr": [CVR, CVR, "31587603", "31587603"],
            "cpr": ["0101601234", "0101601234", "0202602345", "0202602345"],
            "amount": ["28500.00", "28500.00", "5000.00", "5000.00"],
            "currency": ["", "EUR", "", ""],
            "document_type": ["", "", "credit_note", ""],
            "period_start": "2019-03-01",
            "period_end": "2019-03-31",
            "text": "Døgnophold marts 2019",
        }
    )
    grants = pd.DataFrame(
        {
            "grant_id": ["G1"],
            "cpr": ["0101601234"],
            "service_code": ["108.1"],
            "supplier_cvr": [CVR],
            "start_date": ["2019-01-01"],
            "end_date": [""],
            "rate": ["28500.00"],
            "rate_unit": ["month"],
        }
    )
    f = invoice_features(prepare_invoices(invoices), prepare_grants(grants))
    amounts = f["amount_dkk"].tolist()
    assert amounts[0] == 28500.0 and amounts[3] == 5000.0
    assert np.isnan(amounts[1]), f"the euro invoice's amount was read as {amounts[1]} kr."
    assert amounts[2] == -5000.0, f"the credit note written positive was read as {amounts[2]} kr. billed"
    assert f["rate_multiple"].tolist()[:2] == [1.0, 0.0], "a euro amount is no multiple of a rate in kroner"
    assert f["credit"].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_the_types_same_content_flag_tells_a_credit_note_and_another_currency_from_the_invoice():
    """Scenario: Solhøj sends Anna's March stay, 28,500 kr.; then its credit note of the same 28,500 written
    positive with its type (``credit_note``); then the same stay billed again, 28,500 kr. (a reminder); and a
    German home, the same CVR in the test, bills 28,500 EUR for the same month.

    Found (0.9.43): the types' ``same_content_before`` (a duplicate or a reminder: the same supplier, CPR
    numbers, period and amount came earlier) marked the credit note and the euro invoice as the stay again,
    comparing the figures as written: the classifier learnt credit notes and foreign invoices as reminders.
    The reminder is the one that repeats the stay."""
    from invoicekit.extracts import prepare_invoices
    from invoicekit.types import invoice_features

    invoices = pd.DataFrame(
        {
            "invoice_id": ["F-1", "K-1", "F-2", "F-3"],
            "supplier_cvr": CVR,
            "cpr": "0101601234",
            "amount": "28500.00",
            "currency": ["", "", "", "EUR"],
            "document_type": ["", "credit_note", "", ""],
            "period_start": "2019-03-01",
            "period_end": "2019-03-31",
            "text": "Døgnophold marts 2019",
        }
    )
    f = invoice_features(prepare_invoices(invoices))
    assert f["same_content_before"].tolist() == [0.0, 0.0, 1.0, 0.0]
