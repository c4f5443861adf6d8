"""Explain one invoice: the funnel of candidate grants, check by check.

The robot finds the grant by exclusion. For one invoice this shows every grant
with the invoice's CPR, which check excluded it and why (another supplier, a
period not covered, an hourly rate, an expected amount that is not the
invoiced one), the coding rows considered for the grant that was left, and the
final reason with the caseworker's message. CPR numbers are masked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from invoicekit.charts import funnel_figure
from invoicekit.decide import decide
from invoicekit.errors import InputError
from invoicekit.extracts import Grants, InvoiceLines, Invoices, SupportSheet
from invoicekit.history import History
from invoicekit.identifiers import mask_cpr_text, quoted
from invoicekit.keys import TEXT_MARK, normalise_number, value_keys
from invoicekit.paid_marks import PaidMarks
from invoicekit.parsing import date_dk, kroner_dk, ore_dk
from invoicekit.reasons import CHECK_NUMBER, LABELS_DA, POSTED
from invoicekit.rules import Rules
from invoicekit.texts import one_line_text
from invoicekit.vocabulary import RATE_UNIT_NAMES_DA

EXCLUDED_DA = {
    "NO_GRANT_FOR_SUPPLIER": "anden leverandør",
    "PERIOD_NOT_COVERED": "dækker ikke perioden",
    "NO_FIXED_RATE": "timetakst, intet fast beløb",
    "AMOUNT_MISMATCH": "forventet beløb passer ikke",
    "": "tilbage",
}
FUNNEL_STEPS = (
    ("Bevillinger med borgerens CPR", None),
    ("… hos leverandøren", "NO_GRANT_FOR_SUPPLIER"),
    ("… der dækker perioden", "PERIOD_NOT_COVERED"),
    ("… med fast takst", "NO_FIXED_RATE"),
    ("… hvor beløbet passer", "AMOUNT_MISMATCH"),
)


def _kr(dkk: float) -> str:
    """An amount in DKK (a rate) as the caseworker's message writes it (``9.552,48 kr.``); ``?`` where there is none."""
    return "?" if pd.isna(dkk) else kroner_dk(dkk)


def _ore(ore: object, currency: str = "") -> str:
    """An amount in whole øre (the typed tables') as :func:`_kr` writes it, in the invoice's ``currency`` where
    that is not the krone (``1.000,00 EUR``); ``?`` where there is none."""
    return "?" if pd.isna(ore) else ore_dk(int(ore), currency)


def _date(value: object, missing: str = "?") -> str:
    """A date as the messages write it (``01.09.2019``); ``missing`` where there is none."""
    return missing if pd.isna(value) else date_dk(pd.Timestamp(value).date())


@dataclass
class Explanation:
    invoice: pd.Series  # the decision row (CPR masked)
    candidates: pd.DataFrame  # the grants with the invoice's CPR, and where each fell out
    coding: pd.DataFrame  # the coding rows considered for the grant found
    funnel: pd.DataFrame  # step, grants left
    #: a collective invoice decided line by line: each line's decision (``Decisions.lines``); the
    #: candidates and the funnel above hold every line's grants together
    lines: pd.DataFrame | None = None

    @property
    def reason(self) -> str:
        return str(self.invoice["reason"]) if self.invoice["status"] != POSTED else ""

    def text(self) -> str:
        inv = self.invoice
        period = "–".join(_date(inv[c]) for c in ("period_start", "period_end"))
        lines = [
            f"Faktura {inv['invoice_id']} (række {inv['row']}) fra CVR {inv['supplier_cvr']}: "
            f"CPR {inv['cpr_masked'] or '—'}, periode {period}, beløb {_ore(inv['amount_ore'], inv['currency'])}",
            "",
            "Kandidater (bevillinger med borgerens CPR):",
        ]
        stopped = self._stopped_at
        if len(self.candidates) == 0 and stopped < CHECK_NUMBER["NO_GRANT"]:
            lines.append(
                f"  ikke sammenlignet: fakturaen stoppede ved tjek {stopped} ({inv['reason']}), "
                "før bevillingerne blev sammenlignet"
            )
        elif len(self.candidates) == 0:
            lines.append("  ingen")
        for r in self.candidates.itertuples(index=False):
            if pd.notna(r.expected_amount_ore):
                exp = f"forventet {_ore(r.expected_amount_ore)} mod faktureret {_ore(r.invoiced_amount_ore)}"
            elif r.excluded_at == "NO_FIXED_RATE":
                exp = "intet forventet beløb"
            else:
                exp = ""
            lines.append(
                f"  {r.grant_id:<12} {r.service_code:<10} CVR {r.grant_supplier_cvr}  "
                f"{_date(r.start_date)}–{_date(r.end_date, 'åben')}  "
                f"takst {_kr(r.rate)} pr. {RATE_UNIT_NAMES_DA.get(r.rate_unit, r.rate_unit)}  {exp}  "
                f"→ {EXCLUDED_DA.get(r.excluded_at, r.excluded_at)}" + (f" ({r.excluded_at})" if r.excluded_at else "")
            )
        lines.append("")
        if stopped < CHECK_NUMBER["NO_GRANT"]:
            lines.append("Tragt: ingen (bevillingerne blev ikke sammenlignet)")
        else:
            lines.append(
                "Tragt: "
                + " → ".join(f"{s} {n}" for s, n in zip(self.funnel["step"], self.funnel["grants"], strict=True))
            )
        if len(self.coding):
            lines.append("Konteringsrækker overvejet:")
            for r in self.coding.itertuples(index=False):
                lines.append(
                    f"  række {r.coding_row}: PSP-element {r.psp_element}, art {r.art}, "
                    f"gyldig {_date(r.valid_from)}–{_date(r.valid_to, 'åben')}"
                    f" → {'gyldig' if r.valid else 'ikke gyldig på periodens start'}"
                )
        if self.lines is not None and len(self.lines):
            lines.append("")
            lines.append(
                "Afgjort linje for linje (kandidaterne og tragten ovenfor samler alle linjernes bevillinger; "
                "fakturaen bogføres kun, når hver linje kan):"
            )
            for r in self.lines.itertuples(index=False):
                if r.status == POSTED:
                    outcome = "bogført"
                elif not r.reason:  # it passed its checks; another line held the invoice back
                    outcome = "bestået, men fakturaen bogføres ikke: en anden linje kan ikke bogføres"
                else:
                    outcome = f"manuel, {r.reason} ({LABELS_DA.get(r.reason, r.reason)})"
                expected = f", forventet {_ore(r.expected_amount_ore)}" if pd.notna(r.expected_amount_ore) else ""
                grant = f", bevilling {r.grant_id}" if r.grant_id else ""
                lines.append(
                    f"  linje {r.line_no}: CPR {r.cpr_masked or '—'}, beløb {_ore(r.amount_ore, inv['currency'])}"
                    f"{expected}{grant}"
                    f" → {outcome}"
                )
        lines.append("")
        if inv["status"] == POSTED:
            lines.append(
                f"Resultat: bogført på bevilling {inv['grant_id']}, PSP-element {inv['psp_element']}, art {inv['art']}."
            )
        else:
            lines.append(f"Resultat: manuel, {inv['reason']} ({LABELS_DA[inv['reason']]}).")
        lines.append(f"Besked: {one_line_text(inv['message'])}")  # on one line, as the files hold it
        return mask_cpr_text("\n".join(lines))  # read by people: no CPR number

    @property
    def _stopped_at(self) -> int:
        """The check that held the invoice (99 for one posted): below check 11 its grants were not compared."""
        inv = self.invoice
        return CHECK_NUMBER.get(str(inv["reason"]), 99) if inv["status"] != POSTED else 99

    def figure(self):
        """The funnel as a bar chart: grants left after each check
        (:func:`invoicekit.charts.funnel_figure`), titled with the invoice and its result."""
        inv = self.invoice
        reason = inv["reason"]
        result = "bogført" if inv["status"] == POSTED else f"manuel: {LABELS_DA.get(reason, reason)}"
        stopped = self._stopped_at
        # stopped before the grants were compared: no funnel, said (bars of 0 read as a citizen without a grant,
        # and a caseworker asked for one that existed: an attack on 0.9.44)
        note = (
            f"Bevillingerne blev ikke sammenlignet:\nfakturaen stoppede ved tjek {stopped} ({reason})"
            if stopped < CHECK_NUMBER["NO_GRANT"]
            else None
        )
        return funnel_figure(self.funnel, f"Faktura {inv['invoice_id']}: {result}", note=note)


def explain(
    invoices: Invoices,
    grants: Grants,
    support: SupportSheet,
    invoice_id: str,
    rules: Rules | None = None,
    history: History | None = None,
    source: str = "invoices",
    lines: InvoiceLines | None = None,
    paid: PaidMarks | None = None,
    run_date: dt.date | None = None,
) -> list[Explanation]:
    """Decide the batch (so duplicates and earlier payments in it count) and
    explain every row whose invoice number is ``invoice_id``; ``lines``: the
    invoice lines the run was given (``--invoice-lines``), so a collective
    invoice is decided line by line as the run decided it; ``paid``: the
    paid marks it was given (``--paid``); ``run_date``: the run's date
    (default today), from which check 7 judges how far ahead a period starts."""
    inv = invoices.frame
    wanted = str(invoice_id).strip()
    # as check 10 compares numbers (inv9994 is INV-9994): every row the robot takes for that invoice
    # a number read from decisions.csv may carry the ' that guards a formula start ('-SOL-77): check 10
    # reads it off, and so is it here
    asked = {normalise_number(w) for w in (wanted, wanted[1:] if wanted.startswith(TEXT_MARK) else "")} - {""}
    same = inv["invoice_key"].astype(str).isin(asked).to_numpy().copy()
    # and a number of digits alone by its value, as check 10 compares it (0004711 is 4711): explain 4711 found
    # no 0004711, and explain 42 showed 42 alone beside the 0042 run took it for (an attack on 0.9.31)
    values = set(value_keys(sorted(asked)).to_pylist())
    same |= np.isin(value_keys(inv["invoice_key"].astype(str).to_numpy(dtype=object)).to_pylist(), list(values))
    rows = np.flatnonzero(
        (inv["invoice_id_raw"].astype(str).str.strip() == wanted).to_numpy()
        | (inv["invoice_id"] == wanted).to_numpy()
        | same
    )
    if len(rows) == 0:
        raise InputError(
            source, "invoice_id", f"no invoice numbered {quoted(wanted)}; expected a number from the invoice file"
        )
    result = decide(invoices, grants, support, rules, history, explain=True, lines=lines, paid=paid, run_date=run_date)
    out = []
    for pos in rows:
        # with the invoice's currency: its amount is written in it, not as kroner (a review of 0.9.43)
        d = result.decisions.iloc[pos].copy()
        d["currency"] = str(invoices.frame["currency"].iloc[pos])
        cands = result.candidates[result.candidates["row"] == d["row"]].reset_index(drop=True)
        coding = result.coding_candidates
        coding = coding[coding["row"] == d["row"]].reset_index(drop=True) if coding is not None else pd.DataFrame()
        funnel = pd.DataFrame(
            {
                "step": [s for s, _ in FUNNEL_STEPS],
                "grants": [
                    len(cands),
                    *(
                        int((~cands["excluded_at"].isin([code for _, code in FUNNEL_STEPS[1 : k + 1]])).sum())
                        for k in range(1, len(FUNNEL_STEPS))
                    ),
                ],
            }
        )
        decided_lines = None
        if result.lines is not None and len(result.lines):
            decided_lines = result.lines[result.lines["row"] == d["row"]].reset_index(drop=True)
        out.append(Explanation(invoice=d, candidates=cands, coding=coding, funnel=funnel, lines=decided_lines))
    return out
