"""Evaluation: the robot's decisions against the truth.

The truth is a synthetic world's ``truth.csv``, or what a specialist posted by
hand beside the robot in a period of test without posting, in the same
columns (``supplier_cvr``, ``invoice_id``, ``should_pay``, ``true_grant_id``,
``true_psp_element``, ``true_art``). Each invoice counts once, at its first
decision (a resend under the same number is the same invoice). Every invoice
gets one outcome:

- ``posted_right``: posted, should be paid, same grant, PSP element and art as the truth
- ``posted_wrong``: any other posting
- ``manual_payable``: sent to manual, should be paid (an upper bound on what better data and rules could win)
- ``manual_held``: sent to manual, rightly

A credit note (:func:`credit_notes`) is never to be paid, whatever the truth
or the history says of it: no money goes out for one, and the robot holds
every one (check 9), so one held is ``manual_held``, never ``manual_payable``.

The truth may instead be a posting history (:func:`evaluate_history`): an
OPUS export of what the specialists posted (:mod:`invoicekit.posting_history`),
matched by supplier and invoice number. It knows no grant; a posting is then
judged on its PSP element, art and amount, and an invoice the specialists did
not post (not in the history, or every posting of it reversed) should not have
been paid.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.cells import as_written, safe_frame
from invoicekit.columns import IN_ORE, typed_columns
from invoicekit.delivery import sha256
from invoicekit.errors import InputError, MissingFileError, check_input_file, make_folder, refuse_given_twice
from invoicekit.formats import EXCEL_INT, EXCEL_PERCENT, EXCEL_PERCENT2, en_percent
from invoicekit.history import spec_credit_notes
from invoicekit.identifiers import mask_cpr_text, quoted
from invoicekit.keys import normalise_numbers, value_keys
from invoicekit.parsing import (
    ORE_PER_KRONE,
    dkk_ore,
    format_money_dk,
    ore_array,
    ore_arrow,
    ore_dkk,
    ore_units,
    ore_values,
    parse_amounts,
    whole_ore,
)
from invoicekit.posting_history import PostingHistory, account_code, posted_per_invoice, posting_signature
from invoicekit.readers import (
    ends_in_dos_end,
    excel_separator,
    mixed_encoding_lines,
    read_raw,
    sniff_separator,
    utf16_or_binary,
)
from invoicekit.reasons import CREDIT_NOTE_REASON, DUPLICATE_INVOICE, LABELS_DA, MANUAL, POSTED
from invoicekit.vocabulary import (
    CPR_MASK,
    FIX_TRUTH_FIELDS,
    MONTH,
    MONTH_AS_DATE,
    TRUTH_FIELDS,
    names_something,
    run_month,
)

OUTCOMES = ("posted_right", "posted_wrong", "manual_payable", "manual_held")
OUTCOME_LABELS_DA = {
    "posted_right": "Bogført korrekt",
    "posted_wrong": "Bogført forkert",
    "manual_payable": "Manuel, kunne være betalt",
    "manual_held": "Manuel, med rette",
}
#: a decision's status as the workbook writes it
STATUS_DA = {POSTED: "bogført", MANUAL: "manuel"}
#: the workbook's Danish headings and kinds of the columns of its invoice sheets
#: (:func:`~invoicekit.render.danish_sheet`); ``evaluation.csv`` keeps the names below
SHEET_COLUMNS_DA: dict[str, tuple[str, str]] = {
    "month": ("Måned", "month"),
    "row": ("Række", "int"),
    "supplier_cvr": ("Leverandør (CVR)", "text"),
    "invoice_id": ("Fakturanummer", "text"),
    "status": ("Status", "text"),
    "reason": ("Årsag", "text"),
    "reason_code": ("Årsagskode", "text"),
    "grant_id": ("Bevilling", "text"),
    "true_grant_id": ("Rigtig bevilling", "text"),
    "psp_element": ("PSP-element", "text"),
    "true_psp_element": ("Rigtigt PSP-element", "text"),
    "art": ("Art", "text"),
    "true_art": ("Rigtig art", "text"),
    "amount": ("Beløb (kr.)", "dkk"),
    "true_amount": ("Rigtigt beløb (kr.)", "dkk"),
    "history_postings": ("Posteringer i historikken", "int"),
    "should_pay": ("Skal betales", "text"),
    "outcome": ("Udfald", "text"),
    "why": ("Hvorfor forkert", "text"),
    "cause": ("Årsag i verden", "text"),
    "source": ("Fil", "text"),
    "column": ("Kolonne", "text"),
    "problem": ("Problem", "text"),
}
EVALUATION_COLUMNS = (
    "month",
    "row",
    "supplier_cvr",
    "invoice_id",
    "status",
    "reason",
    "grant_id",
    "true_grant_id",
    "psp_element",
    "true_psp_element",
    "art",
    "true_art",
    "should_pay",
    "outcome",
    "why",
    "cause",
)
#: the columns of an evaluation against a posting history (``evaluation.csv``): no grant to
#: compare, the amount instead (DKK in the file; whole øre in ``Evaluation.invoices``, as
#: ``amount_ore`` and ``true_amount_ore``: :data:`~invoicekit.columns.IN_ORE`), and how many
#: of the history's rows the invoice had
HISTORY_EVALUATION_COLUMNS = (
    "month",
    "row",
    "supplier_cvr",
    "invoice_id",
    "status",
    "reason",
    "grant_id",
    "psp_element",
    "true_psp_element",
    "art",
    "true_art",
    "amount",
    "true_amount",
    "history_postings",
    "should_pay",
    "outcome",
    "why",
)
HISTORY_ONLY_COLUMNS = (
    "supplier_cvr",
    "invoice_id",
    "true_amount",
    "true_psp_element",
    "true_art",
    "history_postings",
    "posting_date",
    "posted_as",
)


def clopper_pearson(errors: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided exact (Clopper–Pearson) interval for an error rate, as
    scipy's binomial test gives it; ``(0, 1)`` when nothing was checked."""
    from scipy.stats import binomtest  # lazily: scipy is slow to import and most commands never need it

    if n == 0:
        return 0.0, 1.0
    ci = binomtest(errors, n).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


def _summary(outcome: pd.Series, n_posted: int, without_truth: int) -> dict:
    """The figures of an evaluation: counts per outcome, the automation and
    error rates (with the error rate's exact 95 % interval) and the potential."""
    n = len(outcome)
    counts = outcome.value_counts()
    wrong = int(counts.get("posted_wrong", 0))
    low, high = clopper_pearson(wrong, n_posted)
    return {
        "invoices": n,
        "without_truth": without_truth,
        "posted": n_posted,
        "manual": n - n_posted,
        **{o: int(counts.get(o, 0)) for o in OUTCOMES},
        "automation_rate": n_posted / n if n else 0.0,
        "error_rate": wrong / n_posted if n_posted else 0.0,
        "error_rate_low": low,
        "error_rate_high": high,
        "potential_rate": (int(counts.get("posted_right", 0)) + int(counts.get("manual_payable", 0))) / n if n else 0.0,
    }


@dataclass
class Evaluation:
    """Per invoice (``invoices``), the wrong postings (``wrong``) and the
    figures (``summary``). Against a posting history also the history's
    invoices no decision holds (``history_only``) and its rows left out
    (``history_problems``). ``rows``: against a truth, the position in the
    decisions given of each of ``invoices`` (for a caller that needs more of
    their columns, the amount say)."""

    invoices: pd.DataFrame
    summary: dict
    history_only: pd.DataFrame | None = None
    history_problems: pd.DataFrame | None = None
    rows: np.ndarray | None = None

    @property
    def wrong(self) -> pd.DataFrame:
        return self.invoices[self.invoices["outcome"] == "posted_wrong"].reset_index(drop=True)

    def counts(self) -> pd.Series:
        return self.invoices["outcome"].value_counts().reindex(list(OUTCOMES), fill_value=0)

    @property
    def _unjudged(self) -> str:
        if self.history_only is None:
            return "without truth"
        return "without a number, with a history row that could not be read, or with a number shown alike"

    @property
    def _unjudged_da(self) -> str:
        """The overview's row of the invoices left out (not among Fakturaer)."""
        if self.history_only is None:
            return "Udeladt: fakturaer uden facit"
        return "Udeladt: uden fakturanummer, med en historikrække, der ikke kunne læses, eller med et nummer vist ens"

    def text(self) -> str:
        s = self.summary
        lines = [
            f"Invoices:            {s['invoices']:,}"
            + (f" ({s['without_truth']:,} {self._unjudged}, left out)" if s["without_truth"] else ""),
            f"Posted:              {s['posted']:,} ({en_percent(s['automation_rate'])} automation)",
            f"  posted right:      {s['posted_right']:,}",
            f"  posted wrong:      {s['posted_wrong']:,}  "
            + (
                f"error rate {en_percent(s['error_rate'], 2)} (95 % CI {en_percent(s['error_rate_low'], 2)}–"
                f"{en_percent(s['error_rate_high'], 2)})"
                if s["posted"]
                else "error rate – (nothing was posted)"
            ),
            f"Manual:              {s['manual']:,}",
            f"  could be paid:     {s['manual_payable']:,} (payable, held: what better data and rules could win "
            "at most, not a rate within reach)",
            f"  rightly held:      {s['manual_held']:,}",
        ]
        if "history_invoices" in s:
            lines += [
                f"History:             {s['history_rows']:,} posting lines, {s['history_invoices']:,} invoices"
                + (f" ({s['history_rows_left_out']:,} rows left out)" if s["history_rows_left_out"] else ""),
                f"  decided and found: {s['in_history']:,} of {s['invoices']:,} invoices",
                f"  never decided:     {s['history_only']:,} (in the history, not among the decisions)",
                f"  posted, not paid by the specialists: {s['posted_not_in_history']:,}",
            ]
        wrong = self.wrong
        if len(wrong):
            lines.append("Wrong postings:")
            for r in wrong.head(20).itertuples(index=False):
                where = f"{r.month} row {r.row}" if r.month else f"row {r.row}"
                lines.append(f"  {where}: {r.supplier_cvr} {r.invoice_id}: {r.why}")
            if len(wrong) > 20:
                lines.append(f"  … and {len(wrong) - 20} more (evaluation.csv)")
        return mask_cpr_text("\n".join(lines))  # read by people: no CPR number

    def write(self, out: str | Path) -> dict[str, Path]:
        """``evaluation.csv`` (every invoice) and ``evaluation.xlsx`` (Oversigt,
        Fakturaer, Fejlposteringer)."""
        from invoicekit.render import danish_sheet
        from invoicekit.workbook import write_workbook

        out = Path(out)
        make_folder(out)  # a file there is named as one (it said "--out: File exists")
        paths = {"csv": out / "evaluation.csv", "xlsx": out / "evaluation.xlsx"}
        _money_as_text(safe_frame(self.invoices)).to_csv(paths["csv"], index=False)
        overview = pd.DataFrame(
            [
                ("Fakturaer", self.summary["invoices"]),
                (self._unjudged_da, self.summary["without_truth"]),
                ("Bogført automatisk", self.summary["posted"]),
                ("Automatiseringsgrad", self.summary["automation_rate"]),
                *((OUTCOME_LABELS_DA[o], self.summary[o]) for o in OUTCOMES),
                # no rate of no postings: a blank cell, not 0,00 % (a user review)
                *(
                    (label, self.summary[key] if self.summary["posted"] else None)
                    for label, key in (
                        ("Fejlrate i automatiske posteringer", "error_rate"),
                        ("Fejlrate, nedre 95 %-grænse", "error_rate_low"),
                        ("Fejlrate, øvre 95 %-grænse", "error_rate_high"),
                    )
                ),
            ],
            columns=["Nøgletal", "Værdi"],
        )
        sheets = {"Oversigt": overview, "Fakturaer": self.invoices, "Fejlposteringer": self.wrong}
        shares = ("Automatiseringsgrad", "Fejlrate")  # the overview's rows that are shares
        if self.history_only is not None:
            overview.loc[len(overview)] = ("Linjer i posteringshistorikken", self.summary["history_rows"])
            overview.loc[len(overview)] = (
                "Rækker i historikken, der ikke kunne læses",
                self.summary["history_rows_left_out"],
            )
            overview.loc[len(overview)] = ("Fakturaer i historikken", self.summary["history_invoices"])
            overview.loc[len(overview)] = ("Heraf ikke blandt robottens fakturaer", self.summary["history_only"])
            overview.loc[len(overview)] = (
                "Bogført af robotten, ikke af specialisterne",
                self.summary["posted_not_in_history"],
            )
            sheets["Kun i historikken"] = self.history_only
            paths["history_only"] = out / "history_only.csv"
            _money_as_text(safe_frame(self.history_only)).to_csv(paths["history_only"], index=False)
        if self.history_problems is not None:
            sheets["Problemer i historikken"] = self.history_problems
            paths["history_problems"] = out / "history_problems.csv"
            safe_frame(self.history_problems).to_csv(paths["history_problems"], index=False)
        formats: dict[str, dict] = {"Oversigt": {"Værdi": [
            (EXCEL_PERCENT if key.startswith("Automatiseringsgrad") else EXCEL_PERCENT2)
            if key.startswith(shares) else EXCEL_INT for key in overview["Nøgletal"]
        ]}}  # fmt: skip
        for name in [n for n in sheets if n != "Oversigt"]:
            frame = _in_kroner(sheets[name])
            if "should_pay" in frame:
                frame = frame.assign(should_pay=frame["should_pay"].map({"true": "ja", "false": "nej"}))
            if "outcome" in frame:
                frame = frame.assign(outcome=frame["outcome"].map(OUTCOME_LABELS_DA).fillna(frame["outcome"]))
            if "status" in frame:  # in Danish, as Udfald beside it (the codes stay in evaluation.csv)
                frame = frame.assign(status=frame["status"].map(STATUS_DA).fillna(frame["status"]))
            if "reason" in frame:
                reason = frame["reason"].fillna("").astype(str)
                frame = frame.assign(reason=reason.map(LABELS_DA).fillna(reason))
                frame.insert(frame.columns.get_loc("reason") + 1, "reason_code", reason)
            if "why" in frame and "cause" in frame:  # the world's cause has a column of its own here
                frame = frame.assign(why=frame["why"].str.replace(r" \[årsag: [^\]]*\]$", "", regex=True))
            shown = {c: SHEET_COLUMNS_DA[c] for c in frame.columns if c in SHEET_COLUMNS_DA}
            sheets[name], formats[name] = danish_sheet(frame, shown)
        write_workbook(paths["xlsx"], sheets, formats=formats)
        return paths


def _money_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """The amounts (whole øre) as the CSV files write them (``1234.50``, under the files' names), after
    :func:`safe_frame`: a negative amount is a number, not a formula."""
    money = {ore: dkk for dkk, ore in IN_ORE.items() if ore in df.columns}
    texts = {ore: ore_arrow(df[ore]).to_numpy(zero_copy_only=False) for ore in money}
    return df.assign(**texts).rename(columns=money) if money else df


def _in_kroner(df: pd.DataFrame) -> pd.DataFrame:
    """The amounts (whole øre) as kroner, numbers for a workbook's cells, under the files' names."""
    money = {ore: dkk for dkk, ore in IN_ORE.items() if ore in df.columns}
    return df.assign(**{ore: ore_dkk(df[ore]) for ore in money}).rename(columns=money) if money else df


def _text(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.strip()


def cvr_key(values: pd.Series) -> np.ndarray:
    """CVR numbers compared as written without spaces, dashes or a ``DK`` prefix."""
    return _text(values).str.upper().str.replace(r"[\s\-.]|^DK", "", regex=True).to_numpy(dtype=object)


def truth_months(values: pd.Series, source: str | Path = "truth") -> pd.Series:
    """A truth's ``month`` column as text; :class:`InputError` naming the row of one that is no month.
    A month Excel made a date (its first day, ``2018-11-01``, as a truth opened in Excel and saved as a
    workbook holds it) is that month."""
    months = _text(values).str.replace(MONTH_AS_DATE, r"\1", regex=True)  # as month_of_cell, whole columns
    bad = ~months.str.fullmatch(MONTH.pattern)
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            source, f"row {k + 2}, column 'month'", f"{quoted(months.iloc[k])} is no month; expected YYYY-MM"
        )
    return months


def truth_rows(values: pd.Series, source: str | Path = "truth") -> pd.Series:
    """A ``row`` column (of a truth, or of decisions) as whole numbers from 1,
    the one reading replay and evaluate share; :class:`InputError` naming the
    row of one that is none (``3.9``, ``inf``, ``0``, a CPR number)."""
    if pd.api.types.is_integer_dtype(values):
        rows, bad = values.astype(str), (values < 1).to_numpy()
    else:
        rows = _text(values)
        bad = ~rows.str.fullmatch(r"0*[1-9][0-9]{0,11}").to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            source,
            f"row {k + 2}, column 'row'",
            f"{quoted(rows.iloc[k])} is no row number; expected a whole number from 1",
        )
    return rows.astype(np.int64)


def parse_should_pay(values: pd.Series, source: str | Path = "truth") -> np.ndarray:
    """``should_pay`` as booleans: true/false, 1/0, ja/nej, yes/no."""
    v = _text(values).str.lower()
    ok = v.isin(["true", "false", "1", "0", "ja", "nej", "yes", "no"])
    if not ok.all():
        k = int(np.flatnonzero(~ok.to_numpy())[0])
        raise InputError(
            source,
            f"row {k + 2}, column should_pay",
            f"{quoted(v.iat[k])} is not true/false; expected true or false (ja/nej)",
        )
    return v.isin(["true", "1", "ja", "yes"]).to_numpy()


def agrees_with_truth(m: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of decisions joined with their truth: whether the grant, the
    PSP element and the art are the truth's (blank equals blank). A posting is
    right when all three agree and the invoice should be paid."""

    def same(a: str, b: str) -> np.ndarray:
        return _text(m[a]).to_numpy() == _text(m[b]).to_numpy()

    return same("grant_id", "true_grant_id"), same("psp_element", "true_psp_element"), same("art", "true_art")


def invoice_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Each row's supplier and invoice number as one invoice is told from
    another (``cvr``, ``number``): the CVR number by :func:`cvr_key`, the
    invoice number as check 10 compares numbers (the journal's
    ``invoice_key`` where the decisions carry it). ``number`` is blank where
    the number as shown cannot tell one invoice from another: blank, of no
    letter or digit (``'-``), or masked as a CPR number (two invoices
    numbered ``0101901234`` and ``0101905678`` are both shown
    ``010190-xxxx``). ``shown``: the number as shown, compared so."""
    text = _text(frame["invoice_id"])
    shown = normalise_numbers(text.to_numpy(dtype=object))
    # a number of digits alone by its value, as check 10 compares it since 0.9.22 (0004711 and 4711,
    # a resend check 10 found so, were counted as two invoices: a review)
    by_value = np.asarray(value_keys(shown).to_pylist(), dtype=object)
    number = np.where(_cannot_tell_apart(text), "", by_value).astype(object)
    if "invoice_key" in frame.columns:  # the journal's own key: CPR-like numbers hashed, each its own
        kept = frame["invoice_key"].notna().to_numpy()
        keys = frame["invoice_key"].to_numpy(dtype=object)[kept]
        number[kept] = np.asarray(value_keys(keys).to_pylist(), dtype=object)
        if "invoice_value_key" in frame.columns:  # the key of its value, kept since 0.9.22
            values = frame["invoice_value_key"].fillna("").to_numpy(dtype=object)
            known = kept & (values != "")
            number[known] = values[known]
    return pd.DataFrame({"cvr": cvr_key(frame["supplier_cvr"]), "number": number, "shown": shown}, index=frame.index)


def _cannot_tell_apart(numbers: pd.Series) -> np.ndarray:
    """Whether each invoice number, as shown, may be another invoice's too:
    of no letter or digit (blank too), or masked as a CPR number."""
    return ~numbers.map(names_something).to_numpy(dtype=bool) | numbers.str.contains(CPR_MASK, regex=False).to_numpy()


#: the extract a decision came from (its SHA-256, as the run recorded it) and its row there: a numberless
#: invoice is told from another by it (:func:`first_decision`)
SOURCE_ROW = "source_row"


def source_rows(digest: pd.Series | str, rows: pd.Series) -> pd.Series:
    """:data:`SOURCE_ROW` of decisions: the extract's SHA-256 and the row, blank where the digest is unknown."""
    digest = pd.Series(digest, index=rows.index, dtype=object) if isinstance(digest, str) else digest
    digest = digest.fillna("").astype(str)
    return (digest + ":" + rows.astype(str)).where(digest != "", "")


def currencies(decisions: pd.DataFrame) -> pd.Series:
    """Each decision's invoice's currency as a code (``EUR``; ``DKK`` or blank for kroner): blank for runs
    recorded before the journal kept it (0.9.43). A cell holding a masked CPR number (a CPR number keyed into
    the currency column, ``010190-xxxx`` as the extract shows it) is kept as written, not in capitals: the fix
    list showed ``010190-XXXX``, a masked form no search for one finds (0.9.44)."""
    if "currency" not in decisions.columns:
        return pd.Series("", index=decisions.index, dtype=object)
    text = decisions["currency"].fillna("").astype(str).str.strip()
    # letters alone are a code (eur, Dkk) and compared in capitals; any other cell is shown as written, a
    # masked number among them (010190-xxxx, or 10190xxxx with its leading zero dropped: a review of 0.9.44)
    return text.where(~text.str.fullmatch(r"[^\W\d_]+"), text.str.upper())


def other_currency(decisions: pd.DataFrame) -> np.ndarray:
    """Which decisions are of an invoice in another currency than kroner: its ``currency`` (the journal keeps it
    since 0.9.43) is neither DKK nor blank. Runs recorded before kept none (blank): taken for kroner."""
    return ~currencies(decisions).isin(["", "DKK"]).to_numpy()


def settled_by_hand(decisions: pd.DataFrame) -> np.ndarray:
    """Which decisions are of an invoice that check 8 holds whatever else is mended: one in another currency
    (:func:`other_currency`), or one that states a prepayment (the journal's ``prepayment``, since 0.9.43;
    runs recorded before kept none). The fix list counts none of them as unlocked by a fix."""
    stated = np.zeros(len(decisions), dtype=bool)
    if "prepayment" in decisions.columns:
        stated = (decisions["prepayment"].fillna("").astype(str) != "").to_numpy()
    return other_currency(decisions) | stated


def signed_ore(decisions: pd.DataFrame) -> pd.Series:
    """Each decision's amount in whole øre (``Int64``), in its invoice's currency: a credit note's taken from
    what was billed whether written positive, as the spec allows, or negative (:func:`credit_notes`)."""
    amount = pd.Series(pd.array(decisions["amount_ore"], dtype="Int64"), index=decisions.index)
    return amount.where(~credit_notes(decisions), -amount.abs())


def billed_ore(decisions: pd.DataFrame) -> pd.Series:
    """Each decision's amount as kroner billed, in whole øre (``Int64``): :func:`signed_ore`, and none (``NA``)
    for an invoice in another currency (:func:`other_currency`), whose amount is no kroner. The one reading of
    an amount that the follow-up's sums and the fix list's invoices share (the fix list showed a credit note as
    billed or credited by its layout, and a euro invoice's 1,000 as 1.000,00 kr.: a review of 0.9.43)."""
    return signed_ore(decisions).where(~other_currency(decisions), pd.NA)


def credit_notes(decisions: pd.DataFrame) -> np.ndarray:
    """Which decisions are of the spec's credit notes (:func:`~invoicekit.history.spec_credit_notes`): an
    amount of 0 or less, or the ``document_type`` credit_note, whatever check held them (one held first at
    checks 2-8, never decided ``CREDIT_NOTE``, was another document than the same credit note sent again, and
    counted twice: an attack on 0.9.41). Not by the reason ``CREDIT_NOTE`` where the document says what it
    is: a collective invoice with one credit line, or a debit note, is decided so and is no credit note (a
    review). The reason counts for a row whose type is not given (a table without the column, as
    ``decisions.csv``)."""
    n = len(decisions)
    kind = decisions["document_type"] if "document_type" in decisions.columns else pd.Series([""] * n, dtype=object)
    kind = kind.fillna("").astype(str).to_numpy(dtype=object)
    amount = np.full(n, np.nan)
    if "amount_ore" in decisions.columns or "amount" in decisions.columns:
        units, known = _decision_units(decisions, None)
        amount = np.where(known, units, np.nan)
    found = spec_credit_notes(amount, kind)
    if "reason" in decisions.columns:
        # a table without the document's type (decisions.csv has none): a credit note written positive is
        # known by the reason alone (one was taken for an invoice, and the invoice of its number after it for
        # its resend, left out of evaluate --decisions: a second review)
        untyped = kind == ""
        found |= untyped & decisions["reason"].eq(CREDIT_NOTE_REASON).to_numpy(dtype=bool)
    return found


def first_decision(decisions: pd.DataFrame, credit: np.ndarray | None = None) -> np.ndarray:
    """True where a decision is its invoice's first: each invoice counts once
    (a resend under the same supplier and number, compared as check 10
    compares numbers, is the same invoice, :func:`invoice_keys`; a credit
    note (:func:`credit_notes`) is another document than an invoice of its number); numbers
    that cannot be told apart all count, but for a resend check 10 found
    (``DUPLICATE_INVOICE``) under a number an earlier decision shows alike:
    the invoice it resends, whatever its key (a number masked alike, or
    keyed by an older release of the journal)."""
    key = invoice_keys(decisions)
    # a credit note is a document of its own: the invoice of its number after it is no resend of it (check 10
    # does not remember credit notes, and posted that invoice; counted at the credit note's decision, its
    # payment was left out of the rate and the hours saved: an attack on 0.9.30)
    # (``credit``: which are credit notes, where the caller knows better than the decisions alone: evaluate, which
    # reads a collective invoice held for a credit line as the invoice it is by its lines, :func:`_never_payable`;
    # taken for a credit note, its resend was counted as another invoice: a review of 0.9.44)
    key = key.assign(credit_note=credit_notes(decisions) if credit is None else credit)
    later = key.duplicated(["cvr", "number", "credit_note"], keep="first").to_numpy() & (key["number"] != "").to_numpy()
    if SOURCE_ROW in decisions.columns:
        # a numberless invoice decided again from the same row of the same extract (a rerun of the file, by its
        # SHA-256) is the same invoice: counted each time, a rerun lowered the month's rate (an attack on 0.9.36)
        source = decisions[SOURCE_ROW].fillna("").astype(str)
        later |= (
            (key["number"] == "").to_numpy() & source.duplicated(keep="first").to_numpy() & (source != "").to_numpy()
        )
    if "reason" in decisions.columns:
        resent = (decisions["reason"] == DUPLICATE_INVOICE).to_numpy()
        # a resend check 10 found follows its number, whatever the document before (a debit note check 10
        # remembers, decided CREDIT_NOTE: a review found its resend counted as an invoice of its own)
        later |= resent & key.duplicated(["cvr", "number"], keep="first").to_numpy() & (key["number"] != "").to_numpy()
        later |= resent & key.duplicated(["cvr", "shown"], keep="first").to_numpy() & (key["shown"] != "").to_numpy()
    return ~later


def evaluate(
    decisions: pd.DataFrame,
    truth: pd.DataFrame,
    lines: pd.DataFrame | None = None,
    truth_lines: pd.DataFrame | None = None,
) -> Evaluation:
    """Compare decisions (the columns of ``decisions.csv``, from one or more
    runs in order; with ``month`` when they come from a replay) with the
    truth. Matches on ``(month, row)`` when both have them (a world's truth),
    else on ``(supplier_cvr, invoice_id)``. ``lines`` (the columns of
    ``decision_lines.csv`` with ``month``, or ``run_id`` where the decisions
    have it) and ``truth_lines`` (a world's ``truth-lines.csv``,
    :func:`read_truth_lines`): a collective invoice decided line by line is
    judged line by line where the truth has each of its lines (its row of
    the truth lists each value once, and cannot say which line had which)."""
    return _judge(_join(decisions, truth, lines, truth_lines))


def evaluate_alike(tables: Iterable[pd.DataFrame], truth: pd.DataFrame) -> Iterator[Evaluation]:
    """:func:`evaluate` for each of ``tables``, in order, joining the truth
    once for tables of the same invoices that differ only in status and
    reason (a replay under rule sets of one tolerance), and again for a
    table that differs in more."""
    first: pd.DataFrame | None = None
    for decisions in tables:
        if first is None or not _alike(first, decisions):
            first, joined = decisions, _join(decisions, truth)
            yield _judge(joined)
        else:
            yield _judge(joined, decisions)


#: the columns of the decisions, beside status and reason, that an evaluation reads
_READ = ("month", "row", "supplier_cvr", "invoice_id", "grant_id", "psp_element", "art")


def _source(frame: pd.DataFrame, default: str) -> str:
    """The file a table of decisions or truth was read from
    (:func:`read_decisions`, :func:`read_truth_file`), for an error to name;
    ``default`` for a table made otherwise."""
    return str(frame.attrs.get("source") or default)


def _alike(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two tables of decisions differ at most in status and reason."""
    return list(a.columns) == list(b.columns) and all(a[c].equals(b[c]) for c in _READ if c in a.columns)


@dataclass
class _Joined:
    """Decisions joined with the truth: each invoice once, at its first
    decision, those without truth left out (``without_truth`` of them);
    ``rows`` are their positions among the decisions, ``pay`` whether each
    should be paid, ``agree`` whether the grant, PSP element and art are the
    truth's, and ``why`` what a posting of each gets wrong (blank where it
    would be right): what no status decides, worked out once."""

    table: pd.DataFrame
    rows: np.ndarray
    pay: np.ndarray
    without_truth: int
    agree: np.ndarray
    why: np.ndarray


def _refuse_contradicting_truth(t: pd.DataFrame, source: str, d: pd.DataFrame) -> None:
    """Refuse a truth read by supplier and number that names one invoice
    with more different verdicts than the decisions hold decisions of it
    (in one month, where both have months): which row holds nobody can
    tell, and the first was taken, a wrong payment judged right from a
    verdict the second row corrected (an attack on 0.9.36). A truth that
    follows the decisions, an invoice and its resend each a row of their
    own (pay, then do not pay again), holds no more verdicts than those."""
    on = ["cvr", "number"] + (["month"] if "month" in t.columns and "month" in d.columns else [])

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        keys = invoice_keys(frame.drop(columns=["invoice_key"], errors="ignore"))
        return keys.assign(month=frame["month"].to_numpy()) if "month" in on else keys

    truth = keyed(t).assign(
        verdict=t[list(TRUTH_FIELDS)].astype(str).agg("|".join, axis=1).to_numpy(), at=np.arange(len(t))
    )
    truth = truth[truth["number"] != ""]
    verdicts = truth.drop_duplicates([*on, "verdict"]).groupby(on).size()
    decided = keyed(d).groupby(on).size().reindex(verdicts.index, fill_value=0)
    over = verdicts[(verdicts > 1) & (verdicts > decided)]
    if len(over):
        first = dict(zip(on, over.index[0] if len(on) > 1 else (over.index[0],), strict=True))
        rows = truth.loc[(truth[on] == pd.Series(first)).all(axis=1), "at"].to_numpy()
        raise InputError(
            source,
            f"rows {' and '.join(str(int(r) + 2) for r in rows[:2])}",
            f"name invoice {quoted(mask_cpr_text(str(t['invoice_id'].iat[int(rows[0])])))} of supplier "
            f"{t['supplier_cvr'].iat[int(rows[0])]} {len(rows)} times with different verdicts, where the decisions "
            f"hold {int(decided[over.index[0]])}; expected each invoice once (a resend a row of its own): keep the "
            "row that holds",
        )


def _by_number(rows: pd.DataFrame, t: pd.DataFrame, by_month: bool = False, not_later: bool = False) -> pd.DataFrame:
    """The truth's fields for each of ``rows`` (decisions), found by supplier
    and invoice number as :func:`invoice_keys` tells them (and by month, with
    ``by_month``), in their order; the first truth row of each; None where
    none, and for a number that cannot be told from another's. With
    ``not_later``, only among the truth's rows of the decision's month or
    before (all of them for a decision of no month): an invoice is run in
    the month its extract is named for or later, and a truth row of a later
    month with its number is a resend of it, another invoice."""
    on = ["month", "cvr", "number"] if by_month else ["cvr", "number"]

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        keys = invoice_keys(frame.drop(columns=["invoice_key"], errors="ignore"))
        return keys.assign(month=frame["month"]) if by_month or not_later else keys

    truth = pd.concat([keyed(t), t[[*TRUTH_FIELDS, "cause"]]], axis=1).assign(truth_at=np.arange(len(t)))
    truth = truth[truth["number"] != ""]
    if not_later:  # each decision's truth row of its month or before
        wanted = keyed(rows).reset_index(drop=True)
        ordered = truth.rename(columns={"month": "truth_month"}).assign(position=np.arange(len(truth)))
        # the earliest month's first: an invoice comes before its resends, whatever the truth's order
        pairs = wanted.reset_index(names="at").merge(ordered, on=on)
        pairs = pairs.sort_values(["at", "truth_month", "position"], kind="stable")
        pairs = pairs[(pairs["month"] == "") | (pairs["truth_month"] <= pairs["month"])].drop_duplicates("at")
        fields = pairs.set_index("at")[[*TRUTH_FIELDS, "cause", "truth_at"]].reindex(wanted.index)
        found = pd.concat([wanted, fields], axis=1).astype({"should_pay": object})
    else:
        truth = truth.drop_duplicates(on)
        found = keyed(rows).reset_index(drop=True).merge(truth, on=on, how="left").astype({"should_pay": object})
    found = found.where(found.notna(), None)
    found.loc[(found["number"] == "").to_numpy(), [*TRUTH_FIELDS, "cause", "truth_at"]] = None
    return found


def _join(
    decisions: pd.DataFrame,
    truth: pd.DataFrame,
    lines: pd.DataFrame | None = None,
    truth_lines: pd.DataFrame | None = None,
) -> _Joined:
    """The decisions and the truth joined, and what of that no status decides."""
    ds, ts = _source(decisions, "decisions"), _source(truth, "truth")
    d = decisions.copy()
    for col in ("supplier_cvr", "invoice_id", "status", "reason", "grant_id", "psp_element", "art"):
        if col not in d:
            raise InputError(ds, col, "missing; expected the columns of decisions.csv")
        d[col] = _text(d[col])
    # both sides' numbers as decisions.csv writes them (CPR masked, a formula start guarded: '-SOL-77),
    # whether the decisions were read back from it or made in memory (as written already: unchanged)
    d["invoice_id"] = as_written(d["invoice_id"])
    t = truth.copy()
    needed = ("supplier_cvr", "invoice_id", *TRUTH_FIELDS)
    for col in needed:
        if col not in t:
            raise InputError(ts, col, f"missing; expected {', '.join(needed)}")
    for col in ("supplier_cvr", "invoice_id", "true_grant_id", "true_psp_element", "true_art"):
        t[col] = _text(t[col])
    t["should_pay"] = parse_should_pay(t["should_pay"], ts)
    # as decisions.csv writes them: a CPR number masked, a formula start guarded ('-SOL-77)
    t["invoice_id"] = as_written(t["invoice_id"])
    if "cause" not in t:
        t["cause"] = ""
    if t.empty and len(d):
        raise InputError(ts, None, "holds no invoices; expected a row per invoice under its header")
    by_row = {"month", "row"} <= set(d.columns) and {"month", "row"} <= set(t.columns)
    placed = np.zeros(len(d), dtype=bool)  # found by month and row: the rows whose truth lines are theirs
    if by_row:
        d["month"] = _text(d["month"])
        d["row"] = truth_rows(d["row"], ds)
        t["month"], t["row"] = truth_months(t["month"], ts), truth_rows(t["row"], ts)
        again = t.duplicated(["month", "row"], keep="first").to_numpy()
        if again.any():
            k = int(np.flatnonzero(again)[0])
            raise InputError(ts, f"row {k + 2}", f"month {t['month'].iloc[k]}, row {t['row'].iloc[k]} comes "
                             "again; expected each invoice of a month once")  # fmt: skip
        fields = t[["month", "row", "supplier_cvr", "invoice_id", *TRUTH_FIELDS, "cause"]]
        fields = fields.astype({"should_pay": object})  # None where the truth does not hold
        m = d.merge(fields, on=["month", "row"], how="left", validate="many_to_one", suffixes=("", "_truth"))
        # the truth of a row holds only for the invoice it names: another world's truth, or a second
        # run in a month (its rows numbered from 1 again), must not pass for this invoice's
        same = (cvr_key(m["supplier_cvr"]) == cvr_key(m["supplier_cvr_truth"])) & (
            normalise_numbers(m["invoice_id"]) == normalise_numbers(_text(m["invoice_id_truth"]))
        )
        m.loc[~same, [*TRUTH_FIELDS, "cause"]] = None
        m = m.drop(columns=["supplier_cvr_truth", "invoice_id_truth"])
        # a decision the truth's month and row cannot place is found by supplier and number, among the
        # truth's rows no decision confirmed: one of a month in which no row is confirmed (the truth
        # lacks the month, or holds another extract under it: an extract not named for its month
        # belongs to the month it ran) among all of them, as without months; one of a month run in
        # parts (a month and row given twice: a later part's rows start again at 1) among its month's.
        # Any other row the truth names for another invoice stays without truth: a resend of the
        # number is never judged by another invoice's row. Nor is an invoice of a month the truth lacks
        # judged by a row of a later month: it is a resend of the number, another invoice, whose own
        # decision may be left out (the follow-up counts each invoice once), and a truth of some months
        # judged right postings of the month before as wrong (a review). A row of an earlier month is
        # looked at, of a month the decisions confirm too: a month run in parts, its rest from a file
        # not named for it, runs in a later month (an attack on a first fix)
        confirmed_at = np.asarray(same, dtype=bool)
        placed = confirmed_at.copy()
        m["truth_month"], m["truth_row"] = m["month"].to_numpy(dtype=object), m["row"].to_numpy()
        month_placed = m["month"].isin(set(m.loc[confirmed_at, "month"])).to_numpy()
        in_parts = m["month"].isin(set(m.loc[m.duplicated(["month", "row"], keep=False), "month"])).to_numpy()
        unplaced = ~confirmed_at & (~month_placed | in_parts)
        if unplaced.any():
            confirmed = pd.MultiIndex.from_frame(m.loc[confirmed_at, ["month", "row"]])
            free = t[~pd.MultiIndex.from_frame(t[["month", "row"]]).isin(confirmed)]
            keys = m.loc[unplaced, ["month", "supplier_cvr", "invoice_id"]].reset_index(drop=True)
            within = month_placed[unplaced]
            found = pd.concat(
                [
                    _by_number(keys[within], free, by_month=True).set_index(keys.index[within]),
                    _by_number(keys[~within], free, not_later=True).set_index(keys.index[~within]),
                ]
            ).sort_index()
            # a part of a month run in parts whose number its month does not hold: the rest of an earlier
            # month, run later from a file not named for it (its rows from 1 again), is found in its own
            # month as the others are (a review: the rest of March run in April was left without truth)
            again = found["should_pay"].isna().to_numpy() & within
            if again.any():
                found.loc[again, [*TRUTH_FIELDS, "cause", "truth_at"]] = _by_number(keys[again], free, not_later=True)[
                    [*TRUTH_FIELDS, "cause", "truth_at"]
                ].to_numpy()
            m.loc[unplaced, [*TRUTH_FIELDS, "cause"]] = found[[*TRUTH_FIELDS, "cause"]].to_numpy()
            # the truth's month and row each was found at, whose truth lines are its own (a collective invoice of
            # a month run in parts, found by its number, was judged by its row alone: a review of 0.9.44)
            at = found["truth_at"]
            hit = at.notna().to_numpy()
            where = np.flatnonzero(unplaced)[hit]
            taken = free.iloc[at[hit].to_numpy(dtype=np.int64)]
            m.loc[where, "truth_month"] = taken["month"].to_numpy(dtype=object)
            m.loc[where, "truth_row"] = taken["row"].to_numpy()
            placed[where] = True
    else:
        _refuse_contradicting_truth(t, ts, d)
        found = _by_number(d, t)
        m = d.reset_index(drop=True).assign(**{c: found[c] for c in (*TRUTH_FIELDS, "cause")})
    if len(d) and m["should_pay"].isna().all():
        raise InputError(
            ts,
            None,
            "names none of the decisions' invoices (by month and row, or by supplier CVR and invoice number); "
            "expected the truth.csv of the world these decisions came from",
        )
    for col in ("month", "row"):
        if col not in m:
            m[col] = "" if col == "month" else np.arange(1, len(m) + 1)
    if not pd.api.types.is_integer_dtype(m["row"]):  # matched by number: the decisions' rows as read, made numbers
        m["row"] = truth_rows(m["row"], ds).to_numpy()
    # a left join on keys that are unique in the truth keeps the decisions' rows and order
    assert len(m) == len(d)
    never = _never_payable(m, lines)  # each row's own: taken once, for counting and for paying
    first = first_decision(m, never)
    m = m[first].reset_index(drop=True)
    known = m["should_pay"].notna().to_numpy()
    without_truth = int((~known).sum())
    placed, never = placed[first][known], never[first][known]
    m = m[known].reset_index(drop=True)
    # a credit note is never payable: no money goes out, the robot holds it (check 9) and the specialists set
    # it off by hand; a truth saying pay for one (it was acted on) counted it manual_payable, a potential no
    # rule could win, and against a history too (0.9.44)
    pay = m["should_pay"].astype(bool).to_numpy() & ~never
    for col in ("true_grant_id", "true_psp_element", "true_art", "cause"):
        m[col] = _text(m[col])
    grant_ok, psp_ok, art_ok = agrees_with_truth(m)
    line_values: dict[int, dict[str, str]] = {}
    if lines is not None and truth_lines is not None and len(lines) and placed.any():
        line_values = agree_by_lines(m, placed, lines, truth_lines, (grant_ok, psp_ok, art_ok))
    agree = grant_ok & psp_ok & art_ok
    why = _why(m, ~(pay & agree), pay, grant_ok, psp_ok, art_ok, line_values)
    return _Joined(m, np.flatnonzero(first)[known], pay, without_truth, agree, why)


#: what an invoice's lines are judged on, beside the truth's name of each
_LINE_FIELDS = (("grant_id", "true_grant_id"), ("psp_element", "true_psp_element"), ("art", "true_art"))


def agree_by_lines(
    m: pd.DataFrame,
    placed: np.ndarray,
    lines: pd.DataFrame,
    truth_lines: pd.DataFrame,
    agreed: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> dict[int, dict[str, str]]:
    """Of the joined invoices ``m`` (``placed``: found in the truth by month
    and row), those decided line by line, judged by their lines, each line's
    grant, PSP element and art against the truth of its own line (the same
    line number, by value: ``01`` is line 1; of the same invoice), in
    ``agreed`` (changed in place). Their row of the truth lists each value
    once, in line order, as ``decisions.csv`` lists the robot's, so a line
    posted on another line's PSP element read alike (an attack on 0.9.35:
    lines on 108, 108, 104 where the truth said 108, 104, 104 were judged
    right). A line that differs from its truth makes the invoice wrong, as
    far as the truth holds its lines; where it holds every one of them (no
    more), what they say decides. Returns, per invoice wrong on a line, the
    values to name in the message: the first line that differs, of each
    field."""
    key = _run_key(m, lines)
    if key not in lines.columns or "line_no" not in lines.columns:
        return {}
    own = pd.DataFrame({key: _keyed(m, key), "row": m["row"].to_numpy(dtype=np.int64), "at": np.arange(len(m))})
    own = own[placed & ~own.duplicated([key, "row"], keep=False).to_numpy()]  # one invoice a key, or none judged
    robot = pd.DataFrame(
        {
            key: _keyed(lines, key),
            "row": pd.to_numeric(lines["row"]).to_numpy(dtype=np.int64),
            "line_no": _line_numbers(lines["line_no"]),
            **{c: _text(lines[c]).to_numpy() for c, _ in _LINE_FIELDS if c in lines.columns},
        }
    )
    if any(c not in robot.columns for c, _ in _LINE_FIELDS):
        return {}
    robot = robot.merge(own, on=[key, "row"])
    if robot.empty:
        return {}
    # the truth's lines of the truth's row each invoice was found at (its own month and row, or, found by its
    # number, the row the truth holds it under)
    truth_month = m["truth_month"] if "truth_month" in m else m["month"]
    truth_row = m["truth_row"] if "truth_row" in m else m["row"]
    robot["month"] = truth_month.to_numpy()[robot["at"].to_numpy()]
    robot["row"] = truth_row.to_numpy(dtype=np.int64)[robot["at"].to_numpy()]
    ts = _source(truth_lines, "truth lines")
    truth = pd.DataFrame(
        {
            "month": truth_months(truth_lines["month"], ts).to_numpy(),
            "row": truth_rows(truth_lines["row"], ts).to_numpy(),
            "line_no": _line_numbers(truth_lines["line_no"]),
            "cvr_truth": cvr_key(_text(truth_lines["supplier_cvr"])),
            "number_truth": normalise_numbers(as_written(_text(truth_lines["invoice_id"]))),
            **{t: _text(truth_lines[t]).to_numpy() for _, t in _LINE_FIELDS},
        }
    ).drop_duplicates(["month", "row", "line_no"], keep=False)  # a line given twice is no line's truth
    joined = robot.merge(truth, on=["month", "row", "line_no"], how="left")
    at = joined["at"].to_numpy()
    # the truth's line of this invoice (a line of another invoice under its month and row is not)
    held = (joined["cvr_truth"].to_numpy() == cvr_key(m["supplier_cvr"])[at]) & (
        joined["number_truth"].to_numpy() == normalise_numbers(m["invoice_id"])[at]
    )
    judged = np.unique(at[held])
    if not len(judged):
        return {}
    # where the truth holds every line of the invoice and no other, the lines decide; else a line that differs
    every_held = pd.Series(held).groupby(at).all()
    truth_count = truth.groupby(["month", "row"]).size()
    robot_count = joined.groupby("at").size()
    keys = pd.MultiIndex.from_arrays(
        [truth_month.to_numpy()[robot_count.index], truth_row.to_numpy(dtype=np.int64)[robot_count.index]]
    )
    whole = every_held.reindex(robot_count.index).to_numpy() & (
        truth_count.reindex(keys).to_numpy() == robot_count.to_numpy()
    )
    whole_at = robot_count.index.to_numpy()[whole]
    joined = joined[held]
    joined = joined.assign(order=pd.to_numeric(joined["line_no"], errors="coerce")).sort_values(
        ["at", "order"], kind="stable"
    )
    shown: dict[int, dict[str, str]] = {}
    for (robot_col, truth_col), ok in zip(_LINE_FIELDS, agreed, strict=True):
        equal = joined[robot_col].to_numpy() == joined[truth_col].to_numpy()
        every = pd.Series(equal).groupby(joined["at"].to_numpy()).all()
        decided = every.index.to_numpy()
        ok[decided[~every.to_numpy()]] = False  # a line wrong: the invoice wrong
        right = decided[every.to_numpy() & np.isin(decided, whole_at)]
        ok[right] = True  # every line right, the truth holding them all: right
        differ = joined[~equal].drop_duplicates("at")
        for i, line, value, true in zip(differ["at"], differ["line_no"], differ[robot_col], differ[truth_col],
                                        strict=True):  # fmt: skip
            shown.setdefault(int(i), {})[robot_col] = f"{value or 'intet'} på linje {line}"
            shown[int(i)][truth_col] = true
    return shown


def _line_numbers(values: pd.Series) -> np.ndarray:
    """Line numbers as compared: trimmed, one of digits alone by its value (``01`` is ``1``)."""
    text = _text(values).str.strip()
    digits = text.str.fullmatch(r"[0-9]+")
    return text.where(~digits, text.str.lstrip("0").replace("", "0")).to_numpy(dtype=object)


def _judge(joined: _Joined, decisions: pd.DataFrame | None = None) -> Evaluation:
    """The outcome of every joined invoice and the figures; with the status
    and reason of ``decisions`` instead when given (the same invoices)."""
    m = joined.table.copy()
    if decisions is not None:
        for col in ("status", "reason"):
            m[col] = _text(decisions[col]).iloc[joined.rows].reset_index(drop=True)
    pay, without_truth = joined.pay, joined.without_truth
    posted = (m["status"] == POSTED).to_numpy()
    right = posted & pay & joined.agree
    m["outcome"] = np.select([right, posted, pay], ["posted_right", "posted_wrong", "manual_payable"], "manual_held")
    m["why"] = np.where(posted & ~right, joined.why, "")
    m["should_pay"] = np.where(pay, "true", "false")
    invoices = m[list(EVALUATION_COLUMNS)]
    summary = _summary(invoices["outcome"], int(posted.sum()), without_truth)
    return Evaluation(invoices=invoices, summary=summary, rows=joined.rows)


def _why(
    m: pd.DataFrame, wrong: np.ndarray, pay, grant_ok, psp_ok, art_ok, line_values: dict | None = None
) -> np.ndarray:
    """For each wrong posting, in Danish: what differs from the truth
    (``line_values``: of an invoice judged line by line, the first line that
    differs, by :func:`agree_by_lines`)."""
    out = np.full(len(m), "", dtype=object)
    # the columns as arrays: a row taken out of the table each time is most of the work
    columns = ("grant_id", "true_grant_id", "psp_element", "true_psp_element", "art", "true_art", "cause")
    values = {c: m[c].to_numpy(dtype=object) for c in columns}
    line_values = line_values or {}
    for i in np.flatnonzero(wrong):
        r = {c: values[c][i] for c in columns} | line_values.get(int(i), {})
        parts = []
        if not pay[i]:
            parts.append("skulle ikke være betalt")
        if not grant_ok[i] and pay[i]:
            parts.append(f"forkert bevilling ({r['grant_id']}, rigtig: {r['true_grant_id'] or 'ingen'})")
        if not psp_ok[i] and pay[i]:
            true_psp = f"rigtigt PSP-element {r['true_psp_element']}" if r["true_psp_element"] else "rigtigt: intet"
            parts.append(f"forkert PSP-element {r['psp_element']} ({true_psp})")
        if not art_ok[i] and pay[i]:
            parts.append(f"forkert art ({r['art']}, rigtig: {r['true_art']})")
        cause = r["cause"]
        # read in notebooks and reports: a grant id of the truth's (or the robot's) that is a CPR number masked
        out[i] = mask_cpr_text("; ".join(parts) + (f" [årsag: {cause}]" if cause else ""))
    return out


def evaluate_history(decisions: pd.DataFrame, history: PostingHistory, lines: pd.DataFrame | None = None) -> Evaluation:
    """Compare decisions (the columns of ``decisions.csv``, with ``amount``;
    from one or more runs in order, with ``month`` from a replay) with a
    posting history (:func:`invoicekit.posting_history.read_posting_history`).

    Each invoice counts once, at its first decision, and is found in the
    history by supplier CVR and invoice number (compared as check 10 compares
    them). What the specialists posted in the end is the net of its lines
    (:func:`~invoicekit.posting_history.posted_per_invoice`). Outcomes:

    - ``posted_right``: posted, and the specialists posted the same: one net
      line with the same PSP element, art and amount (to the øre)
    - ``posted_wrong``: posted otherwise: another PSP element, art or amount,
      an invoice the specialists split over several lines, or one they never
      paid (not in the history, or every posting of it reversed)
    - ``manual_payable``: sent to manual, and the specialists paid it
    - ``manual_held``: sent to manual, and the specialists did not pay it,
      or it is a credit note (which they set off by hand: never paid)

    ``lines`` (the columns of ``decision_lines.csv``, with ``month`` as the
    decisions have it): a collective invoice the robot posted line by line
    posted one line per citizen, so what it posted is its lines netted per
    PSP element and art as the history's are. Without them such an invoice is
    judged as one line of its total, and counts as wrong wherever its
    citizens' lines went to other accounts.

    Left out (``without_truth``): decisions without an invoice number,
    invoices with a history row that could not be read, and invoices whose
    numbers show alike (masked as CPR numbers: the history keys its numbers
    as shown, and cannot tell them apart). The history's
    invoices no decision holds are in ``history_only``, not in the figures.
    """
    d = decisions.copy()
    for col in ("supplier_cvr", "invoice_id", "status", "reason", "grant_id", "psp_element", "art"):
        if col not in d:
            raise InputError(_source(decisions, "decisions"), col, "missing; expected the columns of decisions.csv")
    units, known_amount = _decision_units(d, _source(decisions, "decisions"))
    for col in ("supplier_cvr", "invoice_id", "status", "reason", "grant_id", "psp_element", "art"):
        d[col] = _text(d[col])
    d["month"] = _text(d["month"]) if "month" in d else ""
    d["row"] = truth_rows(d["row"], "decisions") if "row" in d else np.arange(1, len(d) + 1)
    d["amount_ore"] = ore_array(units, known_amount)
    key = normalise_numbers(d["invoice_id"].to_numpy(dtype=object))  # as the history keys its numbers, shown
    d["invoice_key"] = key
    robot_ore = np.where(known_amount, whole_ore(units), 0)
    sig = posting_signature(d["psp_element"].to_numpy(dtype=object), d["art"].to_numpy(dtype=object), robot_ore)
    d["robot_signature"] = np.where(known_amount, sig, "")
    if lines is not None and len(lines):
        d["robot_signature"] = _signatures_by_line(d, lines)

    per = posted_per_invoice(history)
    decided = pd.MultiIndex.from_arrays([d["supplier_cvr"], key])
    per_keys = pd.MultiIndex.from_arrays([per["supplier_cvr"], per["invoice_key"]])
    only = per[~per_keys.isin(decided) & (per["postings"] > 0)]
    history_only = pd.DataFrame(
        {
            "supplier_cvr": only["supplier_cvr"],
            "invoice_id": only["invoice_id"],
            "true_amount_ore": ore_array(only["true_amount"].to_numpy(dtype=np.int64)),
            "true_psp_element": only["true_psp_element"],
            "true_art": only["true_art"],
            "history_postings": only["postings"],
            "posting_date": only["posting_date"],
            "posted_as": only["posted_as"],
        }
    )[list(typed_columns(HISTORY_ONLY_COLUMNS))].reset_index(drop=True)

    # each invoice once, told apart as shown (the key above is the history's, not the journal's)
    never = _never_payable(d, lines)  # each row's own: taken once, for counting and for paying
    first = first_decision(d.drop(columns=["invoice_key"]), never)
    m, credit = d[first].reset_index(drop=True), never[first]
    # two invoices whose numbers show alike (masked: 0101901234 and 0101905678 are both 010190-xxxx)
    # cannot be told apart in the history, which keys its numbers so too: left out, not judged together
    alike = (
        _cannot_tell_apart(_text(m["invoice_id"]))
        & m.duplicated(["supplier_cvr", "invoice_key"], keep=False).to_numpy()
    )
    m = m.merge(
        per.drop(columns=["invoice_id", "posting_date"]), on=["supplier_cvr", "invoice_key"], how="left", validate="m:1"
    )
    found = m["postings"].notna().to_numpy()
    unreadable = m["unreadable"].fillna(False).astype(bool).to_numpy()
    # so too where the history holds several numbers shown alike (one of them never decided)
    alike |= m["shown_alike"].fillna(False).astype(bool).to_numpy()
    leave = (m["invoice_key"] == "").to_numpy() | unreadable | alike
    without_truth = int(leave.sum())
    m, found, credit = m[~leave].reset_index(drop=True), found[~leave], credit[~leave]
    lines = m["lines"].fillna(0).astype(np.int64).to_numpy()
    # a credit note the specialists set off by hand is not paid: never payable, as the truth judges it (_join);
    # nor is an invoice whose postings net below zero, whatever the decisions say it is: a set-off, no payment
    # (a credit note held before check 9 and read back from decisions.csv, which has no document type, was
    # counted paid beside its history's -200,00: a review of 0.9.44)
    set_off = found & (lines > 0) & (m["true_amount"].fillna(0).to_numpy(dtype=np.int64) <= 0)
    paid = found & (lines > 0) & ~(credit | set_off)
    posted = (m["status"] == POSTED).to_numpy()
    right = posted & paid & (m["robot_signature"].to_numpy() == m["signature"].fillna("").to_numpy())
    m["outcome"] = np.select([right, posted, paid], ["posted_right", "posted_wrong", "manual_payable"], "manual_held")
    for col in ("true_psp_element", "true_art", "posted_as"):
        m[col] = _text(m[col])
    m["true_amount_ore"] = ore_array(m["true_amount"].fillna(0).to_numpy(dtype=np.int64), found)
    m["history_postings"] = m["postings"].fillna(0).astype(np.int64)
    m["why"] = _why_history(m, posted & ~right, found, lines, credit | set_off)
    m["should_pay"] = np.where(paid, "true", "false")
    invoices = m[list(typed_columns(HISTORY_EVALUATION_COLUMNS))]

    left_out = history.problems[history.problems["column"] != "posting_date"]
    summary = {
        **_summary(invoices["outcome"], int(posted.sum()), without_truth),
        "history_rows": len(history.frame),
        "history_rows_left_out": int(left_out["row"].nunique()),
        "history_invoices": int((per["postings"] > 0).sum()),
        "history_only": len(history_only),
        "in_history": int(found.sum()),
        "posted_not_in_history": int((posted & ~found).sum()),
    }
    return Evaluation(
        invoices=invoices, summary=summary, history_only=history_only, history_problems=history.problems.copy()
    )


#: the columns of ``decision_lines.csv`` that judging a posting by its lines reads (and its amount:
#: ``amount`` as the file writes it, or ``amount_ore`` as ``Decisions.lines`` holds it)
_LINE_COLUMNS_READ = ("row", "status", "psp_element", "art")


#: the column :func:`read_decisions` and :func:`read_decision_lines` give each row: the ``decisions.csv`` it was
#: read from or lies beside, which tells apart the runs of a month run in parts, whose rows start again at 1
DECISIONS_FILE = "decisions_file"


def decisions_file(path: str | Path) -> str:
    """A ``decisions.csv``'s :data:`DECISIONS_FILE` key, one spelling whatever the path given (``./a``, ``a//b``,
    relative or absolute, a link): the decisions and the lines beside them keyed it each their way, and no line
    found its decision (a review of 0.9.44: a collective invoice's wrong line was counted right)."""
    return str(Path(path).resolve())


def _run_key(decisions: pd.DataFrame, lines: pd.DataFrame) -> str:
    """The column that tells one run's rows from another's in both the decisions and their lines: the run
    (``run_id``), the file read (:data:`DECISIONS_FILE`), else the month (a month run in parts was refused,
    or its lines taken for another part's: a review of 0.9.44)."""
    for key in ("run_id", DECISIONS_FILE):
        if key in decisions.columns and key in lines.columns:
            return key
    return "month"


def _keyed(frame: pd.DataFrame, key: str) -> np.ndarray:
    """``frame``'s :func:`_run_key` column as the keys compare it (blank where it has none)."""
    if key not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[key].to_numpy() if key == "run_id" else _text(frame[key]).to_numpy(dtype=object)


def _never_payable(m: pd.DataFrame, lines: pd.DataFrame | None) -> np.ndarray:
    """The invoices never to be paid, as evaluate judges payment: the credit notes (:func:`credit_notes`). But
    one known by its reason alone (a table without the document's type, as ``decisions.csv``: an amount above
    0) whose own lines in ``lines`` (``decision_lines.csv``) hold a credit line (an amount of 0 or less) was a
    collective invoice held for that line: an invoice, paid when the specialists paid it (a review of 0.9.44
    found one counted rightly held, where the same run judged in memory counted it missed). A collective credit
    note, every line a credit or written positive, stays one."""
    credit = credit_notes(m)
    if lines is None or not len(lines) or "document_type" in m.columns or "row" not in lines or not credit.any():
        return credit
    units, known = _decision_units(m, None)
    by_reason = credit & known & (units > 0)
    if not by_reason.any():
        return credit
    line_units, line_known = _decision_units(lines, None)
    key = _run_key(m, lines)
    row = pd.to_numeric(lines["row"], errors="coerce").fillna(-1).astype(np.int64).to_numpy()
    held_so = (
        (_text(lines["reason"]) == CREDIT_NOTE_REASON).to_numpy() if "reason" in lines else np.ones(len(row), bool)
    )
    # a line of 0 or less held as a credit, beside a line billed and not held so: an invoice held for its credit
    # line; a collective credit note holds every line so, a line of 0.00 among them (a review of 0.9.44)
    credit_line = line_known & (line_units <= 0) & held_so
    billed_line = line_known & (line_units > 0) & ~held_so
    part = _keyed(lines, key)
    with_credit = pd.MultiIndex.from_arrays([part[credit_line], row[credit_line]])
    with_billed = pd.MultiIndex.from_arrays([part[billed_line], row[billed_line]])
    own = pd.MultiIndex.from_arrays([_keyed(m, key), m["row"].astype(np.int64).to_numpy()])
    return credit & ~(by_reason & own.isin(with_credit) & own.isin(with_billed))


def _signatures_by_line(d: pd.DataFrame, lines: pd.DataFrame) -> np.ndarray:
    """``d``'s robot signatures, with those of the invoices posted line by
    line made from their posted lines: summed per PSP element and art, zero
    sums dropped, sorted and joined as
    :func:`~invoicekit.posting_history.posted_per_invoice` makes the history's."""
    where = lines["source"].iat[0] if "source" in lines else "decision lines"
    for col in _LINE_COLUMNS_READ:
        if col not in lines:
            raise InputError(where, col, "missing; expected the columns of decision_lines.csv")
    units, known = _decision_units(lines, where)
    posted_line = (_text(lines["status"]) == POSTED).to_numpy()
    if (posted_line & ~known).any():
        k = int(np.flatnonzero(posted_line & ~known)[0])
        src = lines["source"].iat[k] if "source" in lines else where
        written = lines["amount"].iat[k] if "amount" in lines else ""
        raise InputError(src, "amount", f"'{written}' of a posted line is not an amount")
    key = _run_key(d, lines)
    work = pd.DataFrame(
        {
            "part": _keyed(lines, key),
            "source": _text(lines["source"]).to_numpy(dtype=object) if "source" in lines else where,
            "row": pd.to_numeric(lines["row"]).astype(np.int64).to_numpy(),
            "psp_code": account_code(_text(lines["psp_element"])),
            "art_code": account_code(_text(lines["art"])),
            "ore": np.where(known, whole_ore(units), 0),
        }
    )[posted_line & known]
    net = work.groupby(["part", "row", "psp_code", "art_code"], sort=True)["ore"].sum().reset_index()
    net = net[net["ore"] != 0]
    net["signature"] = posting_signature(net["psp_code"].to_numpy(), net["art_code"].to_numpy(), net["ore"].to_numpy())
    joined = net.groupby(["part", "row"], sort=False)["signature"].agg("\x1e".join)
    out = d["robot_signature"].to_numpy(dtype=object).copy()
    decided = pd.MultiIndex.from_arrays([_keyed(d, key), d["row"].to_numpy()])
    if not decided.is_unique:
        raise InputError(
            where,
            None,
            "belongs to decisions of several runs whose rows cannot be told apart; give each run's "
            "decisions.csv and decision_lines.csv with the run.json the run wrote beside them (it says the run's "
            "month), or in a folder named for its month (YYYY-MM)",
        )
    at = decided.get_indexer(joined.index)
    if (at < 0).any():
        part, row = joined.index[int(np.flatnonzero(at < 0)[0])]
        # the file of that line, and the decisions it lies beside (the first file read was named, whichever
        # run's line it was: a review of 0.9.44)
        src = work.loc[(work["part"] == part) & (work["row"] == row), "source"]
        of = f" of {part}" if key == "month" and part else ""
        beside = f" ({part})" if key == DECISIONS_FILE else ""
        raise InputError(
            src.iat[0] if len(src) else where, "row", f"row {row}{of} names no decision in decisions.csv{beside}"
        )
    out[at] = joined.to_numpy(dtype=object)
    return out


def _decision_units(table: pd.DataFrame, source: object) -> tuple[np.ndarray, np.ndarray]:
    """The amounts of decisions or their lines in 1/10,000 DKK and where there
    is one: whole øre (``amount_ore``: decisions in memory, the journal's), or
    DKK (``amount``) as ``decisions.csv`` writes them or as numbers."""
    if "amount_ore" in table:
        return ore_units(table["amount_ore"])
    if "amount" not in table:
        raise InputError(source, "amount", "missing; expected the columns of decisions.csv")
    amount = table["amount"]
    if pd.api.types.is_numeric_dtype(amount.dtype):  # a table of one's own, DKK as numbers
        return ore_units(dkk_ore(amount.to_numpy(dtype=np.float64)))
    units, ok, _blank = parse_amounts(_text(amount), max_decimals=4)
    return units, ok


def _why_history(
    m: pd.DataFrame, wrong: np.ndarray, found: np.ndarray, lines: np.ndarray, credit: np.ndarray
) -> np.ndarray:
    """For each posting that differs from the history, in Danish: how
    (whole-column: a year's evaluation may hold many); ``credit``: a credit
    note (:func:`_never_payable`), or an invoice whose postings in the history net below zero (a set-off),
    never to be paid."""
    out = np.full(len(m), "", dtype=object)
    idx = np.flatnonzero(wrong)
    if not len(idx):
        return out
    r = m.iloc[idx]
    found, lines, credit = found[idx], lines[idx], credit[idx]
    psp, true_psp = r["psp_element"].to_numpy(dtype=object), r["true_psp_element"].to_numpy(dtype=object)
    art, true_art = r["art"].to_numpy(dtype=object), r["true_art"].to_numpy(dtype=object)
    robot, truth = _ore_texts(r["amount_ore"]), _ore_texts(r["true_amount_ore"])

    def part(differs: np.ndarray, text: np.ndarray) -> np.ndarray:
        return np.where(differs, text, "")

    def then(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + np.where((a != "") & (b != ""), "; ", "") + b

    one = then(
        then(
            part(account_code(psp) != account_code(true_psp), "forkert PSP-element " + psp + " (" + np.where(true_psp == "", "rigtigt: intet", "rigtigt PSP-element " + true_psp) + ")"),
            part(account_code(art) != account_code(true_art), "forkert art (" + art + ", rigtig: " + np.where(true_art == "", "ingen", true_art) + ")"),
        ),
        part(robot != truth, "forkert beløb (" + robot + ", rigtigt: " + truth + ")"),
    )  # fmt: skip
    several = (
        "specialisterne bogførte fakturaen på "
        + lines.astype(str)
        + " linjer ("
        + r["posted_as"].to_numpy(dtype=object)
        + ")"
    )
    why = np.select(
        [credit, ~found, lines == 0, lines > 1],
        [
            "skulle ikke være betalt (en kreditnota, eller specialisternes posteringer går i minus: en modregning)",
            "specialisterne har ikke bogført fakturaen (den findes ikke i posteringshistorikken)",
            "specialisternes posteringer af fakturaen er tilbageført (i alt 0,00)",
            several,
        ],
        one,
    )
    postings = r["history_postings"].to_numpy()
    out[idx] = why + np.where(found & (postings > 1), " [" + postings.astype(str) + " posteringer i historikken]", "")
    return out


def _ore_texts(ore: pd.Series) -> np.ndarray:
    """Amounts in whole øre for a Danish sentence (``1.234,50``); ``intet beløb`` where none."""
    values, known = ore_values(ore)
    texts = format_money_dk(values, per_krone=ORE_PER_KRONE)
    return np.where(known, texts.astype(object), "intet beløb").astype(object)


#: the most a run.json beside a decisions.csv may hold to be read (the robot writes about 2 kB)
_MANIFEST_BYTES = 1 << 20


def decisions_month(path: str | Path) -> str:
    """The month of the run that wrote the ``decisions.csv`` at ``path``, as
    every command counts it (:func:`~invoicekit.vocabulary.run_month`: the
    month its invoice extract is named for, else the month it started), read
    from the ``run.json`` beside it; a file without one (copied on its own)
    gets the month its folder is named for (``YYYY-MM``, as replay names
    them: :data:`~invoicekit.vocabulary.MONTH`), else none."""
    path = Path(path)
    return _month_of(path, _manifest_beside(path))


def _month_of(path: Path, facts: dict | None) -> str:
    """:func:`decisions_month` of the file at ``path`` whose ``run.json`` says ``facts`` (None: none)."""
    try:
        month = run_month(facts["inputs"]["invoices"]["path"], facts.get("started_at")) if facts else ""
    except (ValueError, KeyError, TypeError):
        month = ""
    if MONTH.fullmatch(month):
        return month
    return path.parent.name if MONTH.fullmatch(path.parent.name) else ""


def _manifest_beside(path: Path) -> dict | None:
    """The ``run.json`` beside the file at ``path``, None where there is none that reads as one."""
    manifest = path.parent / "run.json"
    try:
        # a regular file of a manifest's size (a pipe named so is never waited on, nor a huge file read)
        if not manifest.is_file() or manifest.stat().st_size > _MANIFEST_BYTES:
            return None
        facts = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return facts if isinstance(facts, dict) else None


def _recorded_run(facts: dict | None) -> tuple[str, int, str] | None:
    """The journal, run id and start of the recorded run whose ``run.json``
    says ``facts``, None for a dry run or a file without one. The start
    tells a run from one of the same id in a journal started again at the
    same path."""
    if not facts or not facts.get("recorded"):
        return None
    journal, run_id, started = facts.get("journal"), facts.get("run_id"), facts.get("started_at")
    if not isinstance(journal, str) or not isinstance(run_id, int) or isinstance(run_id, bool):
        return None
    return journal, run_id, started if isinstance(started, str) else ""


def read_decisions(paths: list[str | Path]) -> pd.DataFrame:
    """One or more ``decisions.csv`` files, in the order given (runs in time
    order). Each file's decisions get the month of the run that wrote them
    (:func:`decisions_month`), so they can be matched to a world's truth by
    row. Cells are as written (``'-SOL-77``, guarded against formulas): what
    they are compared with is made so too (:func:`~invoicekit.cells.as_written`)."""
    frames = []
    last_month = ""
    paths = [Path(p) for p in paths]
    # each invoice counts once, at its first decision: a file twice counted its numberless
    # invoices twice, and months out of order took a later decision for the first
    refuse_given_twice(paths, None, "give each run's file once")
    # and by any path: a copy of a run's folder (Explorer's '2019-03 - Kopi') read by a glob counted its
    # numberless invoices twice; runs of one month out of the order they ran ('uge10' sorts before 'uge9')
    # took a later duplicate for the first decision, and a wrong payment went from the figures (an attack
    # on 0.9.36). The same run by its run.json, the same file by its bytes; the order by the run ids
    runs: dict[tuple[str, int, str], Path] = {}
    contents: dict[str, tuple[Path, tuple[str, int, str] | None]] = {}
    last_run: dict[str, tuple[int, str]] = {}
    for p in paths:
        if not p.exists():
            raise MissingFileError(p, "does not exist; expected a decisions.csv from invoicekit run")
        facts = _manifest_beside(p)  # read once: the month, the run and the extract it read
        month = _month_of(p, facts)
        if month:
            if month < last_month:
                raise InputError(p, None, f"is of {month}, given after {last_month}; give the files oldest first")
            last_month = month
        if (run := _recorded_run(facts)) is not None:
            journal, run_id, started = run
            if run in runs:
                raise InputError(p, None, f"is run {run_id}'s decisions, as {runs[run]} is (a copy of the run's "
                                 "folder?); give each run's file once")  # fmt: skip
            before = last_run.get(journal)
            # a later id, or a later start (a journal started again at the same path counts from 1 again)
            if before is not None and run_id < before[0] and not (started and before[1] and started > before[1]):
                raise InputError(
                    p,
                    None,
                    f"is run {run_id} of its journal, given after run {before[0]}; give the files oldest "
                    "first, in the order the runs were made",
                )
            runs[run], last_run[journal] = p, (run_id, started)
        d = read_text_csv(p, "a decisions.csv from invoicekit run")
        # a file of decisions by its bytes too (one copied without its run.json); two runs that each name a run
        # of their own are none's copy, and a file of no decisions counts nothing twice (two months that found
        # no invoice were refused as copies: a review of 0.9.37's first version)
        if len(d):
            digest = sha256(p)  # a regular file: read_text_csv read it
            other, other_run = contents.get(digest, (None, None))
            if other is not None and (run is None or other_run is None or run == other_run):
                raise InputError(p, None, f"holds the same decisions as {other} (a copy?); give each run's file once")
            contents[digest] = (p, run)
        if "status" not in d or "row" not in d:
            raise InputError(p, "status", "missing; expected a decisions.csv from invoicekit run")
        odd = ~d["status"].isin((POSTED, MANUAL)).to_numpy()
        if odd.any():  # an edited status ('maybe', 'Posted') was counted as manual
            k = int(np.flatnonzero(odd)[0])
            raise InputError(
                p, f"row {k + 2}, column status", f"'{d['status'].iat[k][:40]}'; expected {POSTED} or {MANUAL}"
            )
        if month:
            d["month"] = month
        d[DECISIONS_FILE] = decisions_file(p)
        facts = facts or {}
        invoices = facts.get("inputs", {}).get("invoices", {}) if isinstance(facts.get("inputs"), dict) else {}
        digest = invoices.get("sha256") if isinstance(invoices, dict) else None
        if isinstance(digest, str) and digest:
            d[SOURCE_ROW] = source_rows(digest, d["row"].str.strip())
        frames.append(d)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["source"] = ", ".join(str(p) for p in paths)  # named by the errors of evaluate
    return out


def read_decision_lines(paths: list[str | Path]) -> pd.DataFrame | None:
    """The ``decision_lines.csv`` beside each of the ``decisions.csv`` files
    (each with its run's ``month``, as :func:`read_decisions` gives it);
    None when no run wrote any lines."""
    frames = []
    for p in paths:
        f = Path(p).parent / "decision_lines.csv"
        if f.exists():
            d = read_text_csv(f, "the decision_lines.csv invoicekit run writes")
            for col in (*_LINE_COLUMNS_READ, "amount"):
                if col not in d:
                    raise InputError(f, col, "missing; expected the columns of decision_lines.csv")
            rows = pd.to_numeric(d["row"].str.strip(), errors="coerce")
            bad = rows.isna() | (rows % 1 != 0) | (rows < 1)
            if bad.any():
                k = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(f, "row", f"line {k + 2}: '{d['row'].iat[k]}' is not a row number of decisions.csv")
            month = decisions_month(p)
            if month:
                d["month"] = month
            frames.append(d.assign(source=str(f), **{DECISIONS_FILE: decisions_file(p)}))
        else:
            _refuse_lines_left_behind(Path(p), f)
    lines = pd.concat(frames, ignore_index=True) if frames else None
    return lines if lines is not None and len(lines) else None


def _refuse_lines_left_behind(decisions: Path, lines: Path) -> None:
    """Refuse a ``decisions.csv`` without the ``decision_lines.csv`` its run wrote beside it, where it holds a
    collective invoice posted line by line (its grants joined by ``;``): judged without its lines, one whose
    line went to the wrong PSP element was counted posted right, unsaid (an attack on 0.9.40: the decisions
    copied out of the run folder for an audit)."""
    d = pd.read_csv(decisions, usecols=lambda c: c in ("status", "grant_id"), dtype=str, keep_default_na=False)
    if {"status", "grant_id"} <= set(d.columns) and (d["status"].eq("posted") & d["grant_id"].str.contains(";")).any():
        raise InputError(
            lines,
            None,
            f"is missing: {decisions} holds collective invoices posted line by line, which are judged by their "
            "lines; expected the decision_lines.csv the run wrote beside it (copy the run's folder whole)",
        )


#: the columns of decisions, decision lines and truth files that are read:
#: each must stand once
_READ_ONCE = frozenset(
    {*_READ, *_LINE_COLUMNS_READ, "amount", "status", "reason", "line_no", "cause", *TRUTH_FIELDS, *FIX_TRUTH_FIELDS}
)


def read_text_csv(path: Path, expected: str, windows_1252: bool = False) -> pd.DataFrame:
    """A CSV the robot wrote (or a truth file), as text cells; one that
    cannot be read (empty, not UTF-8, a quote left open) is the user's to fix:
    an :class:`InputError` naming the file and what was expected.
    ``windows_1252``: a file that is not UTF-8 is read as Windows-1252, as a
    Danish Excel saves "CSV (semikolonsepareret)" (a truth the specialists
    kept; the robot's own files are UTF-8)."""
    check_input_file(path, expected)
    with open(path, "rb") as f:
        head = f.read(4096)
    if utf16_or_binary(head):
        # read as Windows-1252, a UTF-16 truth's first column was "ÿþs\x00u\x00…" and the
        # error said its columns were missing (a walk-through of 0.9.16)
        text = "UTF-8 or Windows-1252" if windows_1252 else "UTF-8"
        raise InputError(path, None, f"is UTF-16 or binary, not CSV text; expected {expected} in {text}")
    try:
        return _read_text_csv(path, expected, "utf-8-sig")
    except UnicodeDecodeError:
        if not windows_1252:
            raise InputError(path, None, f"is not UTF-8 text; expected {expected}") from None
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
        bad = None
    except UnicodeDecodeError as exc:
        bad = exc.start
    lines = mixed_encoding_lines(raw, bad) if bad is not None else None
    if lines is not None:
        # UTF-8 letters beside a byte that is not UTF-8: read as Windows-1252, every æ became Ã¦, and
        # the truth's rows no longer matched, unsaid (an attack on 0.9.17)
        raise InputError(
            path,
            f"line {lines[0]}",
            f"holds a byte that is not UTF-8, while line {lines[1]} writes a letter in UTF-8: the file mixes "
            f"UTF-8 text with bytes that are not UTF-8; expected one encoding ({expected})",
        )
    try:
        return _read_text_csv(path, expected, "cp1252")
    except UnicodeDecodeError:
        raise InputError(path, None, f"is neither UTF-8 nor Windows-1252 text; expected {expected}") from None


def _read_text_csv(path: Path, expected: str, encoding: str) -> pd.DataFrame:
    try:
        # ',' as the robot writes, or ';' as a Danish Excel saves a truth the specialists kept (by the header
        # line, or the separator Excel's sep= line names, as the extracts' readers take it); a byte order
        # mark is no part of the first column's name
        with open(path, encoding=encoding, newline="") as f:
            first = f.readline()
            named = excel_separator(first)
            sep = named or sniff_separator(f.readline() if named else first)
        source: Path | io.StringIO = path
        with open(path, "rb") as f:  # a file ended by Ctrl-Z, as old DOS programs end it: no row of its own
            f.seek(max(path.stat().st_size - 64, 0))
            dos_end = ends_in_dos_end(f.read())
        if dos_end:
            source = io.StringIO(path.read_text(encoding=encoding).rstrip("\r\n\x1a"))
        skip = 1 if named else 0
        read = {"dtype": str, "keep_default_na": False, "sep": sep, "encoding": encoding, "skiprows": skip}
        frame = pd.read_csv(source, **read)
        if isinstance(source, io.StringIO):
            source.seek(0)
        header = pd.read_csv(source, header=None, nrows=1, **read).iloc[0].tolist()
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        why = "is empty" if isinstance(exc, pd.errors.EmptyDataError) else "cannot be read as CSV"
        raise InputError(path, None, f"{why}; expected {expected}") from None
    return _each_read_column_once(frame, header, path, expected)


def _each_read_column_once(frame: pd.DataFrame, header: list, path: Path, expected: str) -> pd.DataFrame:
    # pandas renames a second 'status' to 'status.1', and the first was read
    # as if the second were not there (a column nothing reads may repeat, as
    # in an OPUS export)
    twice = next((h for k, h in enumerate(header) if h in _READ_ONCE and h in header[:k]), None)
    if twice is not None:
        raise InputError(path, f"column '{str(twice)[:40]}'", f"is given twice; expected each column once ({expected})")
    return frame


#: the columns a world's truth-lines.csv is read for
TRUTH_LINE_COLUMNS = ("month", "row", "line_no", "supplier_cvr", "invoice_id", "true_grant_id", "true_psp_element",
                      "true_art")  # fmt: skip


def read_truth_lines(path: str | Path) -> pd.DataFrame:
    """A world's ``truth-lines.csv``: the truth of each line of its collective
    invoices (month, row and line number, the grant, PSP element and art)."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(path, "does not exist; expected a world's truth-lines.csv")
    lines = read_text_csv(path, "a world's truth-lines.csv (UTF-8, comma-separated)")
    missing = [c for c in TRUTH_LINE_COLUMNS if c not in lines.columns]
    if missing:
        raise InputError(path, ", ".join(missing), "missing; expected the columns of a world's truth-lines.csv")
    lines["month"] = truth_months(lines["month"], path)
    lines["row"] = truth_rows(lines["row"], path)
    lines.attrs["source"] = str(path)  # named by the errors of evaluate
    return lines


def truth_lines_beside(truth: str | Path) -> pd.DataFrame | None:
    """The ``truth-lines.csv`` beside a world's ``truth.csv`` (None for
    another truth file, or where the world has no collective invoices)."""
    path = Path(truth)
    beside = path.with_name("truth-lines.csv")
    return read_truth_lines(beside) if path.name == "truth.csv" and beside.is_file() else None


def read_truth_file(path: str | Path) -> pd.DataFrame:
    """A truth file: a world's ``truth.csv``, or the specialist's postings as
    a CSV (UTF-8 or Windows-1252, ``,`` or ``;``, as a Danish Excel saves it)
    or a workbook (its one sheet with values), as text cells."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(path, "does not exist; expected a truth.csv or the specialist's postings")
    expected = "a truth.csv (UTF-8 or Windows-1252, ',' or ';' between cells), an .xlsx, or the specialist's postings"
    if path.suffix.lower() == ".xlsx":
        frame = read_raw(path).frame
        header = [str(c) for c in frame.columns]
        truth = _each_read_column_once(frame.fillna("").astype(str), header, path, expected)
    else:
        truth = read_text_csv(path, expected, windows_1252=True)
    truth.attrs["source"] = str(path)  # named by the errors of evaluate
    return truth
