"""The reason codes of the robot, in the order the checks are made.

This is the one place the codes live; everything else imports them. The
order is the order of the checks in the robot spec: the first check that
fails gives the reason.
"""

from __future__ import annotations

REASONS: tuple[str, ...] = (
    "MISSING_INVOICE_ID",  # 1
    "INVALID_CPR",  # 2
    "MULTIPLE_CPR",  # 3
    "MISSING_CPR",  # 4
    "INVALID_CVR",  # 5
    "MISSING_PERIOD",  # 6
    "INVALID_PERIOD",  # 7
    "INVALID_AMOUNT",  # 8
    "CREDIT_NOTE",  # 9
    "DUPLICATE_INVOICE",  # 10
    "NO_GRANT",  # 11
    "NO_GRANT_FOR_SUPPLIER",  # 12
    "PERIOD_NOT_COVERED",  # 13
    "NO_FIXED_RATE",  # 14
    "AMOUNT_MISMATCH",  # 15
    "AMBIGUOUS",  # 16
    "NO_CODING",  # 17
    "SUPPLIER_EXCLUDED",  # 18
    "PARAGRAPH_EXCLUDED",  # 19
    "AMOUNT_ABOVE_LIMIT",  # 20
    "ALREADY_PAID",  # 21
)

#: check 3 for an invoice that has lines (``--invoice-lines``): the lines do
#: not explain it (a line without one CPR, amounts that do not add up, other
#: CPR numbers than the invoice's). Not in :data:`REASONS`, which numbers the
#: checks one code each: the line-by-line layer (:mod:`invoicekit.lines`) sets it.
LINES_MISMATCH = "LINES_MISMATCH"

#: check 10's code: a resend of an invoice already seen (read by the evaluation, which counts it once)
DUPLICATE_INVOICE = "DUPLICATE_INVOICE"
assert DUPLICATE_INVOICE in REASONS
#: check 9's code: a credit note (or an amount of nothing or less), a document of its own beside an invoice of
#: its number (read by the evaluation, which counts the two apart)
CREDIT_NOTE_REASON = "CREDIT_NOTE"
assert CREDIT_NOTE_REASON in REASONS

#: check number (1-based) of each reason
CHECK_NUMBER: dict[str, int] = {code: i + 1 for i, code in enumerate(REASONS)}

#: the reasons of an invoice that check 10 does not remember: no invoice
#: number or no valid supplier CVR leave nothing to compare, and a credit note
#: asks for no payment (an invoice of its number may follow it). An invoice
#: decided with any other reason, or posted, is seen: a later copy of it is a
#: duplicate. This departs from the spec (v2), whose check 10 remembers only
#: an invoice that passed checks 1-9: one sent to manual at checks 2-8, which
#: the caseworker was told to post by hand, was posted again when the supplier
#: sent it corrected under its number (README, "No invoice is paid twice")
UNSEEN_REASONS: frozenset[str] = frozenset({"MISSING_INVOICE_ID", "INVALID_CVR", CREDIT_NOTE_REASON})

POSTED = "posted"
MANUAL = "manual"

#: the reasons the contact template mends, with the words a supplier's letter and its fix
#: (``invoicekit actions``) use for them: the habits the template asks a supplier to change (a
#: CPR number and a period on every invoice, one citizen per invoice). A mistyped number (an
#: invalid CPR or CVR number, an unreadable period) and a missing invoice number are keying
#: errors, which no template prevents; the synthetic world draws its true fixes the same way
#: (``synthetic/fixes.py``). The follow-up's suppliers to contact count these reasons too: until
#: 0.9.21 it also counted those four, and listed suppliers at the top that ``actions`` wrote no
#: letter to
TEMPLATE_FIX_REASONS: dict[str, str] = {
    "MISSING_CPR": "uden CPR-nummer",
    "MISSING_PERIOD": "uden periode",
    "MULTIPLE_CPR": "med flere borgere på samme faktura",
}
assert set(TEMPLATE_FIX_REASONS) <= set(REASONS)

#: short Danish labels, for summaries and report legends
LABELS_DA: dict[str, str] = {
    "MISSING_INVOICE_ID": "Fakturanummer mangler",
    "INVALID_CPR": "Ugyldigt CPR-nummer",
    "MULTIPLE_CPR": "Samlefaktura (flere CPR-numre)",
    LINES_MISMATCH: "Samlefakturaens linjer passer ikke",
    "MISSING_CPR": "CPR-nummer mangler",
    "INVALID_CVR": "Ugyldigt eller manglende CVR-nummer",
    "MISSING_PERIOD": "Periode mangler",
    "INVALID_PERIOD": "Ugyldig periode",
    "INVALID_AMOUNT": "Ugyldigt beløb",
    "CREDIT_NOTE": "Kreditnota",
    "DUPLICATE_INVOICE": "Dublet",
    "NO_GRANT": "Ingen bevilling til borgeren",
    "NO_GRANT_FOR_SUPPLIER": "Ingen bevilling hos leverandøren",
    "PERIOD_NOT_COVERED": "Perioden er ikke bevilget",
    "NO_FIXED_RATE": "Timetakst (intet fast beløb)",
    "AMOUNT_MISMATCH": "Beløbet passer ikke med taksten",
    "AMBIGUOUS": "Flere bevillinger kan passe",
    "NO_CODING": "Kontering mangler i støttearket",
    "SUPPLIER_EXCLUDED": "Leverandøren er undtaget",
    "PARAGRAPH_EXCLUDED": "Paragraffen er undtaget",
    "AMOUNT_ABOVE_LIMIT": "Beløbet er over grænsen",
    "ALREADY_PAID": "Perioden er allerede betalt",
}
