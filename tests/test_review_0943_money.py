"""Attack r3 on 0.9.43: money in other currencies, and credit notes, in everything an analyst or a
caseworker reads (the follow-up's new column *Heraf i anden valuta, ikke i beløbet*, the fix list,
``explain``, ``types``, the run's summary). Each test builds its own small extract or journal in
tmp_path, runs the command a user runs, reads what it writes, and fails on the code as found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook

from invoicekit import run
from invoicekit.cli import main
from tests.test_review_0942_followup import UNKNOWN, _decisions, _followup_sheet, _inputs, _inv, _journal

OTHER = "Heraf i anden valuta, ikke i beløbet"


def _invoice_sheet(actions_out: Path) -> pd.DataFrame:
    """The sheet *Manuelle fakturaer* of ``actions.xlsx``."""
    ws = load_workbook(actions_out / "actions.xlsx")["Manuelle fakturaer"]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _kroner_column(sheet: pd.DataFrame) -> str | None:
    """The heading of the column that says its amounts are kroner (``Beløb (kr.)``), if any."""
    return next((c for c in sheet.columns if isinstance(c, str) and "kr." in c), None)


# ---------------------------------------------------------------- 1


def test_a_euro_amount_read_from_a_workbooks_number_format_is_not_counted_as_another_currency(tmp_path):
    """Scenario: the March extract is a workbook. Anna's stay, 30,000 kr., is posted; a second invoice's
    amount cell holds 28,500 formatted ``#,##0.00 [$€-407]`` (Excel shows ``28.500,00 €``), its currency
    column blank. The robot reads it as shown, ``28500 EUR``, no DKK amount, and holds it (INVALID_AMOUNT),
    as the README promises.

    Now: the journal records that invoice's ``currency`` as ``DKK`` (run._named copies the currency
    column as read, ``DKK`` where blank, and never what the amount cell said), so the follow-up's paragraph
    and service tables count it in neither the kroner nor the new column *Heraf i anden valuta, ikke i
    beløbet*, which says 0: an invoice in euro vanishes from both figures of its row.

    README (follow-up, 0.9.43): "An invoice in another currency than kroner (held at check 8) is counted
    there in its own column, *Heraf i anden valuta, ikke i beløbet*, and not summed"; and ("Nothing is paid
    that should not be"): "an amount cell of a workbook whose number format shows another currency
    (`#,##0.00 [$€-407]` …) is read as shown, `28500 EUR`, no DKK amount (`INVALID_AMOUNT`)". This is an
    invoice in another currency held at check 8, and the column that exists to count such invoices says
    there is none. Why it matters: the column is the analyst's only sign that a row's *Beløb (kr.)* leaves
    money out; here 28,500 EUR are left out with the column saying nothing is (a misleading figure), and
    the journal's own record of the invoice says DKK."""
    grants, sheet = _inputs(tmp_path)
    wb = Workbook()
    ws = wb.active
    rows = [_inv("F-1", "30000"), _inv("E-1", "28500")]
    columns = list(rows[0])
    ws.append(columns)
    for r in rows:
        ws.append([float(r[c]) if c == "amount" else r[c] for c in columns])
    ws.cell(row=3, column=columns.index("amount") + 1).number_format = "#,##0.00 [$€-407]"
    wb.save(tmp_path / "invoices-2019-03.xlsx")
    journal = tmp_path / "journal.sqlite"
    run(
        grants=grants,
        invoices=tmp_path / "invoices-2019-03.xlsx",
        support_sheet=sheet,
        out=tmp_path / "out-2019-03",
        new_journal=journal,
        started_at=dt.datetime(2019, 3, 28, 6, tzinfo=dt.UTC),
    )
    decisions = _decisions(tmp_path, "2019-03")
    assert decisions[["status", "reason"]].values.tolist() == [["posted", ""], ["manual", "INVALID_AMOUNT"]]
    assert "EUR" in decisions.loc[1, "message"]  # the robot read the euro: "Beløbet '28500 EUR' er ikke …"
    table = _followup_sheet(journal, tmp_path / "report", "Paragraffer").set_index("Paragraf")
    assert table.loc[UNKNOWN, "Fakturaer"] == 1
    assert table.loc[UNKNOWN, OTHER] == 1, (
        f"an invoice of 28,500 EUR held at check 8 is counted {table.loc[UNKNOWN, OTHER]} times in {OTHER!r} "
        f"(and {table.loc[UNKNOWN, 'Beløb (kr.)']} kr. in the amount)"
    )


# ---------------------------------------------------------------- 2


def test_the_fix_lists_manual_invoices_show_a_euro_amount_as_kroner(tmp_path):
    """Scenario: in March Anna's stay, 30,000 kr., is posted, and a supplier's invoice E-1 of 1,000 EUR
    (``currency`` EUR) is held at check 8: "Fakturaen er i valutaen 'EUR' … omregn og bogfør manuelt"
    (convert and post by hand). The administration opens ``invoicekit actions``' workbook.

    Now: the sheet *Manuelle fakturaer* shows E-1 with ``1.000,00`` under *Beløb (kr.)*, beside the action
    "omregn og bogfør manuelt" (actions.fix_list takes ``ore_dkk(amount_ore)`` whatever the currency, though
    the journal keeps it since 0.9.43). The sheet is an Excel Table, made to be filtered and summed.

    README (0.9.43, follow-up): the journal keeps each invoice's currency so that a euro invoice's 1,000 is
    no longer "summed as 1,000 kr."; the same invoice is still shown and summed as 1,000 kr. in the fix
    list ("Every workbook … every sheet is an Excel Table (filters, pivots and sums work at once)").
    Why it matters: the person told to convert the amount reads a figure labelled kroner beside that
    instruction, which looks like the converted amount (1,000 kr. paid for 1,000 EUR, about 7,450 kr.), and
    a sum of the column mixes euro into kroner: a misleading figure where money is paid by hand."""
    journal = _journal(tmp_path, {"2019-03": [_inv("F-1", "30000"), _inv("E-1", "1000", currency="EUR")]})
    assert _decisions(tmp_path, "2019-03")["reason"].tolist() == ["", "INVALID_AMOUNT"]
    assert main(["actions", "--journal", str(journal), "--out", str(tmp_path / "act"), "--quiet"]) == 0
    sheet = _invoice_sheet(tmp_path / "act").set_index("Fakturanummer")
    kroner = _kroner_column(sheet)
    shown = sheet.loc["E-1", kroner] if kroner else None
    assert shown in (None, ""), f"an invoice of 1,000 EUR is shown as {shown!r} under {kroner!r}"


# ---------------------------------------------------------------- 3


def test_the_fix_lists_manual_invoices_show_a_credit_note_as_money_billed_or_credited_by_its_layout(tmp_path):
    """Scenario: in March Solhøj sends a credit note K-1 of 30,000 kr. without its period; the robot holds
    it at check 6 (MISSING_PERIOD, before check 9). Written as the spec writes a credit note (``amount``
    30000, ``document_type`` credit_note, as ``convert oioubl`` writes every e-invoiced one) or written
    negative (-30000), it is the same document and the same decision.

    Now: ``invoicekit actions``' sheet *Manuelle fakturaer* shows it as +30.000,00 under *Beløb (kr.)* in
    the first layout and -30.000,00 in the second (actions.fix_list: ``ore_dkk(amount_ore)`` as written),
    under the reason *Periode mangler* (the action's last sentence says it is a credit note; the amount
    column, which a sum or a filter reads, does not).

    Spec: ``amount`` is "positive for credit notes too when `document_type` says what the document is".
    README (follow-up, since 0.9.42): in the paragraph and service tables "a credit note takes its amount
    from *Beløb (kr.)*, written positive as the spec allows or negative (since 0.9.42: one written
    positive, as every e-invoiced credit note is, added it)"; the fix list's *Beløb (kr.)* still adds it.
    Why it matters: the same month's list says 30,000 kr. billed or 30,000 kr. credited by the layout of
    the extract; summed in the Excel Table, every e-invoiced credit note counts as money owed, twice its
    size off, and the amount column alone reads as a 30,000 kr. invoice to pay once its period is found."""
    shown = {}
    for name, amount, kind in (("positive", "30000", "credit_note"), ("negative", "-30000", "")):
        folder = tmp_path / name
        journal = _journal(folder, {"2019-03": [_inv("F-1", "30000"), _inv("K-1", amount, "", "", document_type=kind)]})
        assert _decisions(folder, "2019-03")["reason"].tolist() == ["", "MISSING_PERIOD"]
        assert main(["actions", "--journal", str(journal), "--out", str(folder / "act"), "--quiet"]) == 0
        sheet = _invoice_sheet(folder / "act").set_index("Fakturanummer")
        shown[name] = sheet.loc["K-1", _kroner_column(sheet)]
    assert shown["negative"] == -30000
    assert shown["positive"] == shown["negative"], (
        f"one credit note is shown as {shown['positive']} kr. written as the spec writes it and "
        f"{shown['negative']} kr. written negative"
    )


# ---------------------------------------------------------------- 4


def _types_total(folder: Path, rows: list[dict]) -> float:
    """``invoicekit types`` on one extract (a labelled sample of eight), and the sum of type_table.csv's
    ``amount`` over every type: all the money the extract is said to bill."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "invoices-2019-03.csv", index=False)
    labels = [f"F-{k},Døgnophold" for k in range(1, 5)] + [f"K-{k},Kreditnota" for k in range(1, 5)]
    (folder / "labels.csv").write_text("invoice_id,invoice_type\n" + "\n".join(labels) + "\n", encoding="utf-8")
    args = ["types", "--invoices", str(folder / "invoices-2019-03.csv"), "--labels", str(folder / "labels.csv"),
            "--out", str(folder / "out"), "--quiet"]  # fmt: skip
    assert main(args) == 0
    return float(pd.read_csv(folder / "out" / "type_table.csv")["amount"].sum())


def test_the_type_table_sums_credit_notes_written_positive_and_euro_invoices_as_kroner_billed(tmp_path):
    """Scenario: an analyst maps March's invoice types (``invoicekit types``, notebook 01): Solhøj's eight
    stays of 28,500 kr., Kilden's eight credit notes of 9,000 kr. and one invoice of 28,500 EUR (its
    ``currency`` EUR). The credit notes are written as the spec writes them (``amount`` 9000,
    ``document_type`` credit_note) in one copy of the extract and negative in another.

    Now: type_table.csv's ``amount`` (*Beløb (kr.)* in types.xlsx) sums every amount as written
    (types/tables.type_table): the spec's credit notes add +72,000 kr. where the negative ones take 72,000
    off, so the same month bills 328,500 or 184,500 "kr." by the layout; and the 28,500 EUR are summed as
    kroner in both.

    Spec: ``amount`` is "positive for credit notes too when `document_type` says what the document is";
    an invoice in another currency is not a DKK amount (check 8). README: type_table.csv gives "per type,
    the invoices and their share, the amount and its share"; the follow-up stopped adding credit notes
    written positive in 0.9.42 and summing euro as kroner in 0.9.43. Why it matters: the type table is
    what an analyst scopes the robot by (share of the money per kind of invoice): every e-invoiced credit
    note is counted as money billed, and a euro amount as kroner (misleading figures). Right: the
    kroner billed are 8 x 28,500 - 8 x 9,000 = 156,000, whichever way the credit notes are written."""
    stays = [
        {"invoice_id": f"F-{k}", "supplier_cvr": "29345716", "amount": "28500.00", "text": "Døgnophold marts 2019",
         "document_type": "", "currency": ""}
        for k in range(1, 9)
    ]  # fmt: skip
    euro = {"invoice_id": "E-1", "supplier_cvr": "29345716", "amount": "28500.00", "text": "Døgnophold marts 2019",
            "document_type": "", "currency": "EUR"}  # fmt: skip

    def credit_notes(amount: str, kind: str) -> list[dict]:
        return [
            {"invoice_id": f"K-{k}", "supplier_cvr": "31587603", "amount": amount,
             "text": "Kreditnota dagtilbud marts 2019", "document_type": kind, "currency": ""}
            for k in range(1, 9)
        ]  # fmt: skip

    positive = _types_total(tmp_path / "positive", [*stays, *credit_notes("9000.00", "credit_note"), euro])
    negative = _types_total(tmp_path / "negative", [*stays, *credit_notes("-9000.00", ""), euro])
    assert (positive, negative) == (156000, 156000), (
        f"the same month's invoices sum to {positive:,.2f} kr. (credit notes written as the spec writes them) "
        f"and {negative:,.2f} kr. (written negative); 156,000.00 kr. are billed in kroner, beside 28,500 EUR"
    )


# ---------------------------------------------------------------- 5


def test_explain_states_a_euro_invoices_amount_in_kroner(tmp_path, capsys):
    """Scenario: a caseworker asks why invoice E-1 went to manual: ``invoicekit explain --invoice-id E-1``.
    E-1 is an invoice of 1,000 EUR (``currency`` EUR), held at check 8.

    Now: explain's first line reads "Faktura E-1 … beløb 1.000,00 kr." (explain.Explanation.text formats
    ``amount_ore`` as kroner whatever the currency), and its last line "Fakturaen er i valutaen 'EUR', ikke
    i danske kroner (DKK) … omregn og bogfør manuelt".

    README (``explain``): "Amounts, rates and dates are written as the caseworker's message beside them
    writes them (`13.050,00 kr.` …)"; the message beside this one says the amount is not in kroner and must
    be converted, and explain writes it as kroner. Why it matters: the one tool
    made to explain an invoice to the person who will pay it by hand states a euro amount as kroner, the
    very conversion it asks for left undone (1,000 kr. for some 7,450 kr.): a misleading figure where money
    is paid by hand."""
    _journal(tmp_path, {"2019-03": [_inv("F-1", "30000"), _inv("E-1", "1000", currency="EUR")]})
    args = ["explain", "--grants", str(tmp_path / "grants.csv"), "--invoices", str(tmp_path / "invoices-2019-03.csv"),
            "--support-sheet", str(tmp_path / "sheet.xlsx"), "--invoice-id", "E-1"]  # fmt: skip
    code = main(args)
    printed = capsys.readouterr().out
    assert code == 0
    assert "valutaen 'EUR'" in printed  # the robot's own message: not kroner
    assert "1.000,00 kr." not in printed, f"explain states 1,000 EUR as kroner:\n{printed}"


# ---------------------------------------------------------------- 6


def test_the_run_summary_blames_the_decimal_separator_for_invoices_held_for_their_currency(tmp_path, capsys):
    """Scenario: March's extract holds six invoices from a German supplier, each with ``currency`` EUR
    and a plain amount (``1000.00``), and Anna's stay of 30,000 kr. The robot reads every amount and holds
    the six at check 8 (INVALID_AMOUNT: "Fakturaen er i valutaen 'EUR' … omregn og bogfør manuelt").

    Now: the summary on stdout says "Most invoices share one problem: 6 of 7 (86%) are INVALID_AMOUNT; the
    amounts could not be read: check the decimal separator (comma or point) and the column separator of
    the invoice extract" (run.LIKELY_CAUSE gives one cause for the reason, whichever of its kinds held the
    invoices).

    README (``invoicekit run``): "When more than half of the invoices (and at least five) share one reason,
    the summary says so in one line with the likely cause"; spec: "clear errors". Why it matters: the
    amounts were read; the user is sent to change an extract's separators that are right (and may break
    it), while the cause, invoices in another currency (or a currency column that spells the krone
    otherwise), goes unsaid."""
    grants, sheet = _inputs(tmp_path)
    invoices = [_inv("F-1", "30000"), *(_inv(f"E-{k}", "1000.00", currency="EUR") for k in range(1, 7))]
    pd.DataFrame(invoices).to_csv(tmp_path / "invoices-2019-03.csv", index=False)
    args = ["run", "--grants", str(grants), "--invoices", str(tmp_path / "invoices-2019-03.csv"), "--support-sheet",
            str(sheet), "--out", str(tmp_path / "out"), "--new-journal", str(tmp_path / "journal.sqlite")]  # fmt: skip
    code = main(args)
    printed = capsys.readouterr().out
    assert code == 0
    reasons = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)["reason"].tolist()
    assert reasons == ["", *["INVALID_AMOUNT"] * 6]
    assert "INVALID_AMOUNT" in printed  # the summary names the shared reason
    assert "decimal separator" not in printed, f"the summary blames the separators for euro invoices:\n{printed}"
