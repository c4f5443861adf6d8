"""The Danish messages: what the caseworker reads in OPUS and in decisions.csv.

One function per reason, each taking the facts of the invoices that failed
with it (a table: ``len(facts)`` rows, ``facts["column"]`` one column, see
``decide._manual_facts`` for the columns) and returning one sentence per row
that says what is wrong and what would fix it: the reasons many invoices get
whole-column, in arrow, the rare ones row by row. This is the one place the
Danish text lives.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.distinct import first_rows
from invoicekit.parsing import (
    MONEY_SCALE,
    ORE,
    date_dk,
    format_date_dk,
    format_money_dk_arrow,
    format_money_one,
    shown_amount_cell,
)
from invoicekit.reasons import MANUAL, POSTED
from invoicekit.texts import arrow_text
from invoicekit.vocabulary import (
    AMOUNT_NOTE,
    CREDIT_NOTE,
    FORMULA_CELL_RE2,
    INVOICE,
    ISO_DAY,
    LINE_PERIOD_NOTE,
    NO_CURRENCY,
    RATE_UNIT_NAMES_DA,
    danish_moment,
)

Facts = Any  # anything with len() and facts["column"]: a DataFrame, or decide's lazy facts


def _each(values) -> Any:
    """A column's values one by one, as Python values (arrow's too)."""
    return values.to_pylist() if isinstance(values, pa.Array | pa.ChunkedArray) else values


def _missing_invoice_id(f: Facts) -> list[str]:
    return [
        f"Fakturanummeret står som en dato i regnearket ({number}): Excel har gjort nummeret til en dato, så "
        "det kan ikke læses, som leverandøren skrev det. Ret udtrækket, så fakturanummeret står som tekst, eller "
        "bogfør fakturaen manuelt med nummeret fra fakturaen."
        if lost and ISO_DAY.fullmatch(str(number))
        else f"Fakturanummeret {number} står som et tal i regnearket, og Excel gemmer kun et tal med 15 cifre: "
        "de sidste cifre kan være ændret. Ret udtrækket, så fakturanummeret står som tekst, eller bogfør "
        "fakturaen manuelt med nummeret fra fakturaen."
        if lost
        else f"Fakturaen har intet fakturanummer (leverandør CVR {cvr or 'ukendt'}). "
        "Bed leverandøren om en faktura med fakturanummer, eller bogfør den manuelt."
        for cvr, number, lost in zip(
            _each(f["supplier_cvr"]), _each(f["invoice_id"]), _each(f["invoice_id_lost"]), strict=True
        )
    ]


def _invalid_cpr(f: Facts) -> pa.Array:
    # what is wrong with it, where one number is (a review of the texts found "forkert antal cifre eller en
    # fødselsdato, der ikke findes" said of a seven-digit number): the reader says it, from the number as written
    fault = arrow_text(f["cpr_invalid_fault"], pa.large_string())
    fault = pc.if_else(pc.equal(fault, ""), pa.scalar(CPR_FAULT_UNSAID, pa.large_string()), fault)
    return joined_arrow(
        "CPR-nummeret på fakturaen (",
        f["cpr_invalid_masked"],
        ") er ikke et gyldigt CPR-nummer (",
        fault,
        "). Find borgerens rigtige CPR-nummer og bogfør manuelt, og bed leverandøren rette fakturaen.",
    )


#: INVALID_CPR's fault where a cell of several numbers holds more than one invalid
CPR_FAULT_UNSAID = "forkert antal cifre, andet end cifre eller en fødselsdato, der ikke findes"


def _multiple_cpr(f: Facts) -> pa.Array:
    return joined_arrow(
        "Fakturaen dækker ", integers(f["cpr_count"]), " borgere (",
        pc.replace_substring(arrow_text(f["cpr_masked"]), ";", ", "), "): en samlefaktura. Robotten "
        "bogfører kun en samlefaktura, når den får dens fakturalinjer. Fordel beløbet på borgernes bevillinger og "
        "bogfør manuelt, og bed leverandøren sende én faktura pr. borger (eller, hvor robotten får fakturalinjerne, "
        "en e-faktura med én linje pr. borger: CPR-nummer, periode og beløb).",
    )  # fmt: skip


def _missing_cpr(f: Facts) -> pa.Array:
    text = (
        "Der står intet CPR-nummer på fakturaen (hverken i CPR-feltet eller i teksten). Find "
        "borgeren og bogfør manuelt, og bed leverandøren skrive borgerens CPR-nummer på "
        "fakturaen (jf. kontaktskabelonen)."
    )
    return pa.repeat(pa.scalar(text, pa.large_string()), len(f))


def _invalid_cvr(f: Facts) -> list[str]:
    return [
        (
            f"Leverandørens CVR-nummer '{shown_amount_cell(cvr)}' er ikke gyldigt."
            if cvr
            else "Leverandørens CVR-nummer mangler."
        )
        + " Find leverandøren i OPUS, kontrollér CVR-nummeret og bogfør manuelt."
        for cvr in _each(f["supplier_cvr"])
    ]


def _missing_period(f: Facts) -> pa.Array:
    bad = arrow_text(f["period_unreadable"])
    head = pc.if_else(
        pc.equal(bad, ""),
        pa.scalar("Fakturaen angiver ingen periode, og teksten", pa.large_string()),
        joined_arrow("Periodedatoen '", bad, "' kan ikke læses, og teksten"),
    )
    return joined_arrow(
        head,
        " angiver ikke én entydig periode. Bogfør manuelt med den rigtige periode, "
        "og bed leverandøren angive perioden (fra–til) på fakturaen.",
    )


def _invalid_period(f: Facts) -> list[str]:
    return [
        f"Perioden slutter ({date_dk(e)}) før den starter ({date_dk(s)}). Ret perioden og bogfør "
        "manuelt, eller bed leverandøren om en rettet faktura."
        if e < s
        else f"Perioden ({date_dk(s)}–{date_dk(e)}) begynder mere end et år efter kørslen: kontrollér årstallet "
        "med leverandøren, og bogfør manuelt, hvis perioden er rigtig, eller bed om en rettet faktura."
        for s, e in zip(f["period_start"], f["period_end"], strict=True)
    ]


def _invalid_amount(f: Facts) -> list[str]:
    out = []
    for raw, fields, ok, currency, prepaid_ok, prepaid in zip(
        *(_each(f[name]) for name in ("amount_raw", "fields", "amount_ok", "currency", "prepaid_ok", "prepaid_dk")),
        strict=True,
    ):
        if fields:
            text = "Beløbet kan ikke læses sikkert. Kontrollér fakturaen og bogfør manuelt."
        elif not ok and (noted := _amount_noted(raw)):
            text = noted
        elif not ok and raw:
            text = f"Beløbet '{raw}' er ikke et beløb i kroner og øre. Kontrollér fakturaen og bogfør manuelt."
        elif not ok:
            text = "Fakturaen har intet beløb. Kontrollér fakturaen og bogfør manuelt."
        elif currency == NO_CURRENCY:
            text = (
                f"Fakturaen angiver ingen valuta ('{NO_CURRENCY}'), så beløbet kan være i en anden valuta end "
                "danske kroner. Kontrollér valutaen med leverandøren og bogfør manuelt."
            )
        elif currency != "DKK":
            text = (
                f"Fakturaen er i valutaen '{shown_amount_cell(currency)}', ikke i danske kroner (DKK). Robotten bogfører kun "
                "beløb i kroner: omregn og bogfør manuelt."
            )
        elif not prepaid_ok:
            text = "Det forudbetalte beløb (a conto) kan ikke læses. Kontrollér fakturaen og bogfør manuelt."
        else:
            text = (
                f"Fakturaen har et forudbetalt beløb (a conto) på {prepaid} kr. Modregn forudbetalingen og "
                "bogfør manuelt."
            )
        out.append(text)
    return out


def _amount_noted(raw: str) -> str | None:
    """What convert's note beside an e-invoice's amount says
    (:data:`~invoicekit.vocabulary.AMOUNT_NOTE`); None for a cell that is no
    such note (a date no calendar has: no note convert writes)."""
    noted = AMOUNT_NOTE.fullmatch(raw)
    if noted is None:
        return None
    try:
        return _note_said(noted)
    except ValueError:
        return None


def _note_said(noted) -> str:
    amount = _decimal_dk(noted["amount"])
    if noted["payee"] is not None:
        return (
            f"E-fakturaen på {amount} kr. skal betales til en anden end leverandøren ({_payee_da(noted['payee'])}): "
            "fakturaen er overdraget (factoring). Betal kun til den part, den er overdraget til, og bogfør manuelt."
        )
    if noted["allowances"] is not None:
        return (
            f"E-fakturaen på {amount} kr. har fradrag på {_decimal_dk(noted['allowances'])} kr. og tillæg på "
            f"{_decimal_dk(noted['charges'])} kr. på hele fakturaen, ikke på linjerne, så det er uvist, hvad "
            "hver borger og hver periode skal betales. Kontrollér beløbene med leverandøren og bogfør manuelt."
        )
    if noted["total"] is not None:
        return (
            f"E-fakturaens linjer giver tilsammen {_decimal_dk(noted['total'])} kr., fakturaen {amount} kr., så det er "
            "uvist, hvad der skal betales. Kontrollér beløbet med leverandøren og bogfør manuelt."
        )
    period = f"{_iso_dk(noted['start'])}–{_iso_dk(noted['end'])}"
    if noted["kind"] == LINE_PERIOD_NOTE:
        return (
            f"E-fakturaen på {amount} kr. har en linje for perioden {period}, uden for fakturaens egen periode, så "
            "det er uvist, hvilken periode beløbet dækker, og den periode kan være betalt før. Kontrollér perioden "
            "med leverandøren og bogfør manuelt."
        )
    return (
        f"E-fakturaen på {amount} kr. har en linje uden CPR-nummer for perioden {period}, en periode ingen af "
        "borgerens linjer har: linjen kan gælde en anden borger. Kontrollér, hvem linjen gælder, og bogfør manuelt."
    )


def _decimal_dk(written: str) -> str:
    """``28500.00`` as ``28.500,00``: an amount convert wrote, in øre or less
    (one a message shows with digits x-ed, :func:`~invoicekit.parsing.shown_amount_cell`,
    or with more decimals, as written)."""
    try:
        units = Decimal(written) * MONEY_SCALE
    except InvalidOperation:
        return written
    return format_money_one(int(units)) if units == units.to_integral_value() else written


def _iso_dk(day: str) -> str:
    """``2019-03-01`` as ``01.03.2019``; ``?`` as it stands."""
    return "?" if day == "?" else date_dk(dt.date.fromisoformat(day))


def misaligned_prefix(f: Facts) -> np.ndarray:
    """Said first on a row whose number of fields did not match the header."""
    return np.array(
        [
            f"Rækken i fakturaudtrækket har {n} felter, et andet antal end overskriften, så felterne kan være "
            "forskudt; robotten bogfører den ikke. "
            for n in _each(f["fields"])
        ],
        dtype=object,
    )


def _credit_note(f: Facts) -> list[str]:
    out = []
    for a, kind, raw in zip(
        *(_each(f[name]) for name in ("amount_dk", "document_type", "document_type_raw")), strict=True
    ):
        if kind == CREDIT_NOTE:
            head = f"Dokumentet er en kreditnota (beløb {a} kr.)."
        elif kind == "other":
            head = (
                f"Dokumenttypen '{shown_amount_cell(raw)}' er hverken en faktura eller en kreditnota (beløb {a} kr.). "
                "Kontrollér dokumentet; er det en kreditnota,"
            )
            out.append(f"{head} bogfør den manuelt som modregning i den faktura, den krediterer.")
            continue
        else:
            head = f"Beløbet er {a} kr. (nul eller negativt): en kreditnota."
        out.append(f"{head} Bogfør den manuelt som modregning i den faktura, den krediterer.")
    return out


def _duplicate(f: Facts) -> pa.Array:
    return joined_arrow(
        "Faktura ", f["invoice_id"], " fra CVR ", f["supplier_cvr"], " er allerede behandlet ", f["detail"],
        ". Kontrollér, om den er betalt før, af robotten eller manuelt (også en faktura, robotten sendte til "
        "manuel behandling, kan være bogført manuelt); betal den ikke igen.",
    )  # fmt: skip


def _no_grant(f: Facts) -> pa.Array:
    none = joined_arrow(
        "Der findes ingen bevilling i Sensum for borgeren (",
        f["cpr_masked"],
        "). Opret eller ret bevillingen "
        "i Sensum og bogfør manuelt, eller afvis fakturaen, hvis borgeren ikke er bevilget ydelsen.",
    )
    unread = pc.not_equal(arrow_text(f["detail"]), "")
    if not pc.any(unread).as_py():
        return none
    # the citizen's grant may be the row left out: said first, so that nobody creates a second grant (a review
    # of the Danish texts: the message said "create the grant" and then "do not")
    read = joined_arrow(
        "Borgerens (", f["cpr_masked"], ") bevilling kunne ikke læses: en række for borgeren i "
        "bevillingsudtrækket kunne ikke bruges (se input_problems.csv), og ingen anden bevilling for borgeren kunne "
        "læses. Er rækken borgerens bevilling til denne ydelse hos leverandøren, så ret den i Sensum og bogfør "
        "manuelt; opret ikke en ny. Ellers opret bevillingen, eller afvis fakturaen, hvis borgeren ikke er "
        "bevilget ydelsen.",
    )  # fmt: skip
    return pc.if_else(unread, read, none)


#: NO_GRANT's detail when a grant row of the citizen's was left out (its message then says so first)
NO_GRANT_UNREAD = "unread"


#: the end of the messages of checks 12-15 when a grant row of the citizen's at the supplier (or
#: at a supplier whose CVR could not be read) was left out
GRANT_ROW_UNREAD = (
    " En række i bevillingsudtrækket for borgeren hos leverandøren (eller uden et CVR-nummer, der kan læses) "
    "kunne ikke bruges (se input_problems.csv); er det den bevilling, fakturaen hører til, så ret den i Sensum."
)


def _no_grant_for_supplier(f: Facts) -> pa.Array:
    return joined_arrow(
        "Borgeren (", f["cpr_masked"], ") har bevilling i Sensum, men ingen hos leverandøren CVR ", f["supplier_cvr"],
        " (bevillingerne er hos ", f["detail"], "). Kontrollér leverandøren på bevillingen i Sensum, "
        "eller om fakturaen er sendt af den rigtige leverandør.", f["grant_row_unread"],
    )  # fmt: skip


def _period_not_covered(f: Facts) -> pa.Array:
    return joined_arrow(
        "Ingen bevilling hos leverandøren dækker hele perioden ", f["period"], ": ", f["detail"], ". Kontrollér, "
        "om borgeren fik ydelsen i hele perioden: forlæng i så fald bevillingen, eller ryk dens startdato, i Sensum; "
        "ellers bogfør manuelt "
        "kun den bevilgede del, og bed leverandøren om en kreditnota for resten.",
        f["grant_row_unread"],
    )  # fmt: skip


def _no_fixed_rate(f: Facts) -> pa.Array:
    detail = arrow_text(f["detail"], pa.large_string())
    # "Bevillingen (A; B) har" of two grants (a review of the Danish texts)
    several = pc.match_substring(detail, "; ")
    kind = pa.large_string()
    subject = pc.if_else(several, pa.scalar("Bevillingerne (", kind), pa.scalar("Bevillingen (", kind))
    return joined_arrow(
        subject,
        detail,
        ") har timetakst, så robotten kan ikke beregne et forventet beløb. "
        "Kontrollér de fakturerede timer og bogfør manuelt.",
        f["grant_row_unread"],
    )


def _amount_mismatch(f: Facts) -> pa.Array:
    diff = np.asarray(f["amount"]) - np.asarray(f["expected"])
    n = np.asarray(f["n_candidates"])
    # the few distinct units named once
    units = pc.dictionary_encode(arrow_text(f["rate_unit"]))
    names = [RATE_UNIT_NAMES_DA.get(u, u) for u in units.dictionary.to_pylist()]
    unit_da = pa.array(names, pa.large_string()).take(units.indices)
    # said where more than one grant was weighed: each count's text once
    counts = [f" ({k} bevillinger undersøgt)." if k > 1 else "" for k in range(int(n.max(initial=0)) + 1)]
    many = pa.array(counts, pa.large_string()).take(pa.array(np.maximum(n, 0)))
    # an ASCII minus, as the credit note's amount is written: U+2212 is no Windows-1252 character, and a note
    # field read so would lose it (a review of the texts)
    sign = pc.if_else(pa.array(diff > 0), pa.scalar("+", pa.large_string()), pa.scalar("-", pa.large_string()))
    return joined_arrow(
        "Beløbet ", f["amount_dk"], " kr. passer ikke med bevillingen: nærmeste forventede beløb er ",
        f["expected_dk"], " kr. (bevilling ", f["grant_id"], ", takst ", f["rate_dk"], " kr. pr. ", unit_da,
        "), forskel ", sign, money_dk(np.abs(diff)), " kr.", many, _mismatch_advice(f, diff),
        f["hourly_too"], f["grant_row_unread"],
    )  # fmt: skip


def said_where(where: np.ndarray, text: str, otherwise: str = "") -> pa.Array:
    """``text`` on the rows ``where`` holds, ``otherwise`` (blank) on the others (arrow)."""
    kind = pa.large_string()
    return pc.if_else(pa.array(where, pa.bool_()), pa.scalar(text, kind), pa.scalar(otherwise, kind))


#: AMOUNT_MISMATCH's advice, but where the amount is whole days at a day rate (:func:`_mismatch_advice`)
NEW_RATE_ADVICE = (
    " Kontrollér, om en ny takst mangler i Sensum, om fakturaen dækker en delperiode (ind- eller udflytning), "
    "eller om fakturaen er forkert, så bed leverandøren rette den; bogfør derefter manuelt."
)


def _mismatch_advice(f: Facts, diff: np.ndarray) -> pa.Array | str:
    """What to do: an amount that is whole days at the grant's day rate, fewer than the period's
    days, is days of attendance as a day offer bills them, not a new rate (399 of the demo year's
    1,469 AMOUNT_MISMATCH read so, and the message sent the caseworker after a new rate:
    an analyst's walk-through of 0.9.15); any other mismatch may be a new rate. The text of
    those only is made (a million invoices have some 160,000 mismatches)."""
    amount, rate = np.asarray(f["amount"], dtype=np.int64), np.asarray(f["rate"], dtype=np.int64)
    day = pc.fill_null(pc.equal(arrow_text(f["rate_unit"]), "day"), False).to_numpy(zero_copy_only=False)
    days = np.zeros(len(amount), dtype=np.int64)
    # the nearest whole number of days, and its amount rounded to øre half up as the expected amount is:
    # a rate with fractions of an øre (1.234,5678 kr.) never gave days × rate to the last 1/10,000 krone
    np.floor_divide(amount + rate // 2, rate, out=days, where=rate > 0)
    billed = (days * rate + ORE // 2) // ORE * ORE
    whole = day & (rate > 0) & (amount > 0) & (diff < 0) & (days > 0) & (billed == amount)
    if not whole.any():
        return NEW_RATE_ADVICE
    at = np.flatnonzero(whole)
    # the period's days counted from its dates (the expected amount is rounded to øre: a rate of
    # 100,0010 kr. a day gave 30 days for March)
    start = np.asarray(f["period_start"]).astype("datetime64[D]")[at]
    end = np.asarray(f["period_end"]).astype("datetime64[D]")[at]
    said = joined_arrow(
        " Beløbet svarer til ", integers(days[at]), said_where(days[at] == 1, " dag à ", " dage à "),
        arrow_text(f["rate_dk"]).take(pa.array(at)), " kr. af periodens ",
        integers((end - start).astype(np.int64) + 1),
        " dage: er det de dage, borgeren var i tilbuddet (fremmøde, ind- eller udflytning), så kontrollér "
        "antallet og bogfør manuelt.",
    )  # fmt: skip
    advice = pa.repeat(pa.scalar(NEW_RATE_ADVICE, pa.large_string()), len(amount))
    return pc.replace_with_mask(advice, pa.array(whole), said)


#: in AMOUNT_MISMATCH's message, where a grant with an hourly rate at the supplier covers the period too
HOURLY_TOO = (
    " Borgeren har også en bevilling med timetakst hos leverandøren, der dækker perioden: hører fakturaen "
    "til den, så kontrollér de fakturerede timer og bogfør manuelt på den."
)


def integers(values) -> pa.Array:
    """Whole numbers as texts (arrow)."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.large_string())


def money_dk(units) -> pa.Array:
    """:func:`~invoicekit.parsing.format_money_dk` as arrow, each distinct amount once."""
    codes, distinct = pd.factorize(np.asarray(units, dtype=np.int64))
    return format_money_dk_arrow(distinct).take(pa.array(codes))


def joined_arrow(*parts) -> pa.Array:
    """Texts and columns joined row by row, whole-column (arrow): the way to
    assemble a message that many invoices get. Columns of texts, numbers
    formatted as texts, or arrow arrays."""
    n = next(len(p) for p in parts if not isinstance(p, str))
    arrays = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else arrow_text(p) for p in parts]
    if n == 0:
        return pa.array([], type=pa.large_string())
    return pc.binary_join_element_wise(*arrays, pa.scalar("", pa.large_string()))


def formatted_arrow(template: str, **columns) -> pa.Array:
    """``template`` (``str.format``'s ``{name}`` fields, no format specs) filled row by row from
    ``columns``, whole-column (:func:`joined_arrow`): one message's text for many invoices."""
    parts: list = []
    for text, name, _spec, _conversion in string.Formatter().parse(template):
        parts.append(text)
        if name is not None:
            parts.append(columns[name])
    return joined_arrow(*parts)


def _ambiguous(f: Facts) -> pa.Array:
    n = np.asarray(f["n_candidates"])
    many = joined_arrow(
        integers(n), " bevillinger passer på CPR, leverandør, periode og beløb (",
        f["detail"], "). Afslut eller ret de overlappende bevillinger i Sensum, og bogfør manuelt på den rigtige.",
    )  # fmt: skip
    if (n > 1).all():
        return many
    # one fits, but a row of the citizen's at the supplier was left out and may fit too
    one = joined_arrow(
        "Én bevilling passer på CPR, leverandør, periode og beløb (", f["detail"], "), men en række i "
        "bevillingsudtrækket for borgeren hos leverandøren (eller uden et CVR-nummer, der kan læses) kunne ikke "
        "bruges (se input_problems.csv) og kan også passe. Ret rækken i Sensum, og bogfør manuelt på den rigtige bevilling.",
    )  # fmt: skip
    return pc.if_else(pa.array(n > 1), many, one)


def _no_coding(f: Facts) -> pa.Array:
    return joined_arrow(
        "Bevilling ", f["grant_id"], " kan ikke konteres: ", f["detail"], ". Ret støttearket, så kommende "
        "fakturaer kan konteres, og bogfør denne manuelt.",
    )  # fmt: skip


def _supplier_excluded(f: Facts) -> pa.Array:
    return joined_arrow(
        "Leverandøren CVR ", f["supplier_cvr"], " er undtaget fra automatisk bogføring i robottens regler. "
        "Bevilling ", f["grant_id"], " passer (forventet ", f["expected_dk"], " kr.); bogfør manuelt på "
        "PSP-element ", f["psp_element"], ", art ", f["art"], ".",
    )  # fmt: skip


def _paragraph_excluded(f: Facts) -> pa.Array:
    return joined_arrow(
        "Bevilling ", f["grant_id"], " er bevilget efter ", _paragraph_shown(f["paragraph"]), ", som robotten "
        "ikke bogfører efter reglerne (den bogfører ", f["detail"], "). Kontrollér fakturaen og bogfør manuelt "
        "på PSP-element ",
        f["psp_element"], ", art ", f["art"], ".",
    )  # fmt: skip


def _above_limit(f: Facts) -> pa.Array:
    return joined_arrow(
        "Beløbet ", f["amount_dk"], " kr. er over robottens grænse på ", f["detail"], " Bevilling ", f["grant_id"],
        " passer; godkend beløbet og bogfør manuelt på PSP-element ", f["psp_element"], ", art ", f["art"], ".",
    )  # fmt: skip


def _paragraph_shown(paragraph: object) -> pa.Array:
    """``§ 97`` for a numbered paragraph, ``STU`` as it is (no §), as the rules' allowed paragraphs are listed."""
    text = arrow_text(paragraph, pa.large_string())
    kind = pa.large_string()
    signed = pc.binary_join_element_wise(pa.scalar("§ ", kind), text, pa.scalar("", kind))
    return pc.if_else(pc.match_substring_regex(text, "^[0-9]+$"), signed, text)


def _already_paid(f: Facts) -> pa.Array:
    # it said "... og bogfør manuelt" of what may be a second bill for the same service (a review of the texts)
    return joined_arrow(
        f["detail"], ". Er det dobbeltfakturering, så betal den ikke, og afvis den over for leverandøren; er det "
        "en efterregulering, så bogfør kun forskellen manuelt.",
    )  # fmt: skip


#: checks 1-8's reasons, in order: a message of one of them goes on to say what a later one of checks
#: 1-9 would have said of the document itself (:func:`also_said`)
#: (check 3's LINES_MISMATCH says it of its own, :func:`also_said_of`)
_BEFORE_CVR = ("MISSING_INVOICE_ID", "INVALID_CPR", "MULTIPLE_CPR", "MISSING_CPR")  # checks 1-4
_BEFORE_CREDIT_NOTE = (*_BEFORE_CVR, "INVALID_CVR", "MISSING_PERIOD", "INVALID_PERIOD", "INVALID_AMOUNT")
ALSO_CREDIT_NOTE = (
    " Bemærk: dokumentet er en kreditnota; den skal ikke betales, men modregnes manuelt i den faktura, den krediterer."
)
ALSO_NOT_AN_INVOICE = " Bemærk: dokumenttypen er hverken en faktura eller en kreditnota; kontrollér dokumentet."
ALSO_NO_CVR = " Desuden mangler leverandørens CVR-nummer."
ALSO_INVALID_CVR = " Desuden er leverandørens CVR-nummer ugyldigt."
#: around check 10's detail (``i kørsel 1 den 30.11.2018, hvor robotten bogførte den``) of an invoice held before it
ALSO_SEEN_BEFORE = (
    " Bemærk: fakturanummeret fra denne leverandør er allerede behandlet ",
    "; kontrollér, om fakturaen er betalt før, af robotten eller manuelt, og betal den ikke igen.",
)

#: of an invoice held where a caseworker may post it by hand (checks 3, 11-20), where a grant of its
#: citizen at its supplier was paid for an overlapping period (check 21's ``earlier``)
ALSO_PAID_BEFORE = (
    " Bemærk: bevilling {grant_id} hos denne leverandør er allerede betalt for en periode, der overlapper "
    "({earlier}); kontrollér, at det ikke er samme ydelse og periode, før noget bogføres manuelt."
)
#: what another failed line of a collective invoice says of a payment before (check 21, or a kept note)
LINE_PAID_NOTE = " Bemærk, linje {line_no} ({cpr}): {message}"
#: the start of every note a message keeps whole when it is cut or said again (:func:`kept_notes`)
KEPT_NOTES = tuple(note.split("{", 1)[0] for note in (ALSO_SEEN_BEFORE[0], ALSO_PAID_BEFORE, LINE_PAID_NOTE))


def kept_notes(message: object) -> str:
    """The notes at the end of ``message`` that are never cut away (a number decided before, a period
    paid before), from the first; blank where it has none."""
    text = str(message)
    at = [text.find(note) for note in KEPT_NOTES if note in text]
    return text[min(at) :] if at else ""


def _credit_like(kind: np.ndarray, amount_ok: object, amount: object) -> np.ndarray:
    """Whether each document is what check 9 sends to manual as a credit note: one by its type, or an
    invoice whose amount, read, is zero or less (an amount not read is check 8's)."""
    return (kind == CREDIT_NOTE) | ((kind == INVOICE) & np.asarray(amount_ok, dtype=bool) & (np.asarray(amount) <= 0))


def also_said_of(kind: object, amount_ok: object, amount: object) -> list[str]:
    """What :func:`also_said` says of documents' kinds (``invoice``,
    ``credit_note``, ``other``) and amounts, one text each: as the lines'
    ``LINES_MISMATCH`` (check 3) says it (lines attach only to an invoice with
    a valid supplier CVR, so there is no CVR to speak of)."""
    kind = np.asarray(kind, dtype=object)
    credit = _credit_like(kind, amount_ok, amount)
    return [
        ALSO_CREDIT_NOTE if c else ALSO_NOT_AN_INVOICE if k == "other" else ""
        for k, c in zip(kind, credit, strict=True)
    ]


def also_said(f: Facts, code: str) -> pa.Array | None:
    """What the message of ``code`` (one of checks 1-8) adds of the document
    itself: a credit note, or a document of another type (check 9), and,
    before check 5, a missing or invalid supplier CVR number. The first check
    that fails is the reason, as the spec orders them; but a credit note sent
    to manual for a missing CPR number was told "bogfør manuelt" and nothing
    of being a credit note (an analyst's walk-through of 0.9.16). None where
    nothing is added."""
    if code not in _BEFORE_CREDIT_NOTE:
        return None
    kind = np.asarray(f["document_type"], dtype=object)
    credit = _credit_like(kind, f["amount_ok"], f["amount"])
    parts = []
    if code in _BEFORE_CVR:  # check 5 is the supplier's CVR number
        invalid = ~np.asarray(f["cvr_valid"], dtype=bool)
        if invalid.any():
            blank = pc.equal(pc.fill_null(arrow_text(f["supplier_cvr"]), ""), "").to_numpy(zero_copy_only=False)
            parts.append(
                pc.if_else(
                    pa.array(invalid & blank),
                    pa.scalar(ALSO_NO_CVR, pa.large_string()),
                    said_where(invalid, ALSO_INVALID_CVR),
                )
            )
    if credit.any():
        parts.append(said_where(credit, ALSO_CREDIT_NOTE))
    if (kind == "other").any():
        parts.append(said_where(kind == "other", ALSO_NOT_AN_INVOICE))
    seen = pc.fill_null(arrow_text(f["seen_before"]), "")
    if pc.any(pc.not_equal(seen, "")).as_py():
        # its number decided before: a caseworker told to post it by hand must know it may be paid (a collective
        # invoice posted line by line, seen again without its lines, was paid twice so: an attack on 0.9.39)
        told = joined_arrow(ALSO_SEEN_BEFORE[0], seen, ALSO_SEEN_BEFORE[1])
        parts.append(pc.if_else(pc.not_equal(seen, ""), told, pa.scalar("", pa.large_string())))
    if not parts:
        return None
    return pc.binary_join_element_wise(*parts, pa.scalar("", pa.large_string())) if len(parts) > 1 else parts[0]


#: each reason's message: a list, an array or an arrow array of texts, one per row of the facts
MESSAGES: dict[str, Callable[[Facts], list[str] | np.ndarray | pa.Array]] = {
    "MISSING_INVOICE_ID": _missing_invoice_id,
    "INVALID_CPR": _invalid_cpr,
    "MULTIPLE_CPR": _multiple_cpr,
    "MISSING_CPR": _missing_cpr,
    "INVALID_CVR": _invalid_cvr,
    "MISSING_PERIOD": _missing_period,
    "INVALID_PERIOD": _invalid_period,
    "INVALID_AMOUNT": _invalid_amount,
    "CREDIT_NOTE": _credit_note,
    "DUPLICATE_INVOICE": _duplicate,
    "NO_GRANT": _no_grant,
    "NO_GRANT_FOR_SUPPLIER": _no_grant_for_supplier,
    "PERIOD_NOT_COVERED": _period_not_covered,
    "NO_FIXED_RATE": _no_fixed_rate,
    "AMOUNT_MISMATCH": _amount_mismatch,
    "AMBIGUOUS": _ambiguous,
    "NO_CODING": _no_coding,
    "SUPPLIER_EXCLUDED": _supplier_excluded,
    "PARAGRAPH_EXCLUDED": _paragraph_excluded,
    "AMOUNT_ABOVE_LIMIT": _above_limit,
    "ALREADY_PAID": _already_paid,
}

# details that decide() writes for some reasons, in Danish
CODING_SERVICE_MISSING = "ydelsen {service} står ikke i støttearkets fane Ydelser"
CODING_SUPPLIER_MISSING = "leverandøren CVR {cvr} står ikke i støttearkets fane Leverandører"
CODING_SERVICE_UNREAD = (
    "ydelsen {service} står i en række i støttearkets fane Ydelser, der ikke kunne bruges (se input_problems.csv)"
)
CODING_SUPPLIER_UNREAD = (
    "leverandøren CVR {cvr} står i en række i støttearkets fane Leverandører, der ikke kunne bruges "
    "(se input_problems.csv)"
)
#: after :data:`CODING_NO_ROW` or :data:`CODING_MANY_ROWS`, where a coding row of the key was left out
CODING_ROW_UNREAD = " (en række for dem i fanen Kontering kunne ikke bruges, se input_problems.csv)"
#: the target group quoted as the sheet writes it, and the day "pr." (an analyst's walk-through of 0.9.20 read
#: "målgruppe Udviklingshæmning gyldig 01.01.2019" awkwardly)
CODING_NO_ROW = (
    "ingen konteringsrække for § {paragraph}, ejerforhold {ownership} og målgruppe '{target}' gælder pr. {date}"
)
CODING_MANY_ROWS = (
    "{n} konteringsrækker for § {paragraph}, ejerforhold {ownership} og målgruppe '{target}' gælder pr. {date}"
)


def run_day(started_at: object) -> str:
    """The day a recorded run started, as the messages write dates (``31.12.2018`` of
    ``2018-12-31T06:00:00+01:00``; until 0.9.15 the ISO day beside dd.mm.yyyy periods)."""
    text = danish_moment(started_at)  # Denmark's day (an older journal holds the machine's zone)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}.{text[5:7]}.{text[:4]}"
    return text[:10]


DUPLICATE_IN_RUN = "tidligere i denne kørsel (række {row})"
DUPLICATE_IN_JOURNAL = "i kørsel {run_id} den {date}"  # date: run_day
#: how the run before decided an invoice seen again (the journal's status; a review of the texts found the
#: message could not say whether it was paid)
DUPLICATE_HOW = {
    POSTED: ", hvor robotten bogførte den",
    MANUAL: ", hvor robotten sendte den til manuel behandling",
}
PAID_IN_RUN = "faktura {invoice_id} tidligere i denne kørsel, {period}"
#: an invoice posted in this run, before or after the one held (:data:`ALSO_PAID_BEFORE`)
PAID_IN_RUN_OR_LATER = "faktura {invoice_id} i denne kørsel, {period}"
PAID_IN_JOURNAL = "faktura {invoice_id}, {period}, kørsel {run_id} den {date}"
#: a grant period marked paid in Sensum (``--paid``); ``invoice`` is ``PAID_MARK_INVOICE`` or blank
PAID_IN_SENSUM = "markeret betalt i Sensum for {period}{invoice}"
PAID_MARK_INVOICE = ", faktura {invoice_id}"
#: a mark whose own period could not be read, which counts for every period of its grant
PAID_IN_SENSUM_UNREAD = "markeret betalt i Sensum{invoice}; mærkets periode kunne ikke læses, se input_problems.csv"
#: check 21's three ways of finding an earlier payment; ``earlier`` is one of the three above
PAID_SAME_GRANT = "Bevilling {grant_id} er allerede betalt for en periode, der overlapper {period} ({earlier})"
PAID_SAME_GRANT_VALUE = (
    "Bevilling {grant_id} er måske allerede betalt: bevilling {paid_grant_id}, samme nummer skrevet med andre "
    "foranstillede nuller, er betalt for en periode, der overlapper {period} ({earlier}); kontrollér i Sensum, om "
    "det er samme bevilling"
)
PAID_SAME_SERVICE = (
    "Borgeren har allerede fået betalt ydelsen {service} hos denne leverandør for en periode, der overlapper "
    "{period}, på bevilling {paid_grant_id} ({earlier}); bevillingen er måske oprettet igen under et nyt nummer"
)
#: check 21's find by a mark of a grant the extract lacks whose service the sheet does not know: it counts for every
#: paragraph of the citizen at the supplier
PAID_ANY_SERVICE = (
    "Borgeren er markeret betalt hos denne leverandør for en periode, der overlapper {period}, på bevilling "
    "{paid_grant_id} ({earlier}); mærket nævner ingen ydelse, som støttearket entydigt kender, så det gælder alle "
    "borgerens ydelser hos leverandøren. Kontrollér i Sensum, hvilken ydelse der er betalt"
)
#: check 21's find by a payment an older version recorded without its paragraph, of a service the support sheet
#: does not name for certain today: it counts for every paragraph of the citizen at the supplier
PAID_SERVICE_DOUBTED = (
    "Borgeren har allerede fået betalt ydelsen {paid_service} hos denne leverandør for en periode, der overlapper "
    "{period}, på bevilling {paid_grant_id} ({earlier}); støttearket siger ikke entydigt, hvilken paragraf "
    "{paid_service} hører under, så betalingen gælder alle borgerens ydelser hos leverandøren. Kontrollér, hvilken "
    "ydelse der er betalt"
)
PAID_SAME_PARAGRAPH = (
    "Borgeren har allerede fået betalt ydelsen {paid_service} efter § {paragraph} hos denne leverandør for en "
    "periode, der overlapper {period}, på bevilling {paid_grant_id} ({earlier}); bevillingen er måske oprettet igen "
    "under ydelsen {service}, eller borgeren har begge ydelser på én gang"
)
#: a list of grants in a message names at most this many, then how many more
LIST_AT_MOST = 5
MORE = " og {n} flere"
#: the longest message (robot spec, limits); a longer one is cut and ends in …
MESSAGE_MAX = 1000


def cut_before(text: str, room: int) -> str:
    """``text`` cut (ending in …) so that ``room`` characters more still fit in a message."""
    most = MESSAGE_MAX - room
    return text if len(text) <= most else text[: max(most - 1, 0)] + "…"


def cut(text: str) -> str:
    """A message as the result holds it: at most :data:`MESSAGE_MAX`
    characters, a longer one cut and ending in …."""
    return cut_before(text, 0)


def cut_keeping_notes(text: str) -> str:
    """:func:`cut`, but the notes at its end that must never be cut away (:func:`kept_notes`) kept whole
    after the cut: a long message told to post by hand lost that the invoice may be paid already."""
    kept = kept_notes(text)
    if not kept or len(text) <= MESSAGE_MAX:
        return cut(text)
    return cut(cut_before(text[: len(text) - len(kept)], len(kept)) + kept)


def posting_texts(service, start: np.ndarray, end: np.ndarray, grant, width: int = 50) -> np.ndarray:
    """OPUS ``Tekst``: service code, period ``dd.mm.yyyy-dd.mm.yyyy`` and grant
    id, at most ``width`` characters. The service code is shortened first; a
    grant id that still does not fit keeps its start and most of its end,
    where ids differ (``BEV-2019-000000123456-AENDRING-02`` and ``-03``), with
    ``..`` where it was cut: cut at its end, both read
    ``BEV-2019-000000123456-AE..`` (an attack on 0.9.21), and cut at its
    start, ``BEV-2019-…-02`` and ``BEV-2020-…-02`` read alike (a review).
    The period always fits."""
    texts = posting_texts_arrow(service, start, end, grant, width)
    return np.asarray(texts.to_numpy(zero_copy_only=False), dtype=object)


def posting_texts_arrow(service, start: np.ndarray, end: np.ndarray, grant, width: int = 50) -> pa.Array:
    """:func:`posting_texts` as arrow (service codes and grant ids may be arrow).
    A text that starts a formula (a service code ``-BO``) is written with a
    ``'`` before it (:mod:`invoicekit.cells`), so it is fitted within one
    character less: OPUS's field holds ``width`` (a review of 0.9.23 found 51)."""
    period = arrow_text(_periods_dk(start, end))
    service_a, grant_a = arrow_text(service), arrow_text(grant)
    joined = pc.binary_join_element_wise(service_a, period, grant_a, pa.scalar(" ", pa.large_string()))
    guarded = pc.fill_null(pc.match_substring_regex(service_a, FORMULA_CELL_RE2), False)
    room = pc.subtract(pa.scalar(width, pa.int64()), pc.cast(guarded, pa.int64()))
    too_long = np.flatnonzero(pc.greater(pc.utf8_length(joined), room).to_numpy(zero_copy_only=False))
    if len(too_long) == 0:
        return joined
    at = pa.array(too_long)
    svc, per, grt = (values.take(at).to_pylist() for values in (service_a, period, grant_a))
    widths = room.take(at).to_pylist()
    fitted = [
        _fit(s, p, g, max(1, w - 2 - len(p) - len(g)), w) for s, p, g, w in zip(svc, per, grt, widths, strict=True)
    ]
    mask = np.zeros(len(joined), dtype=bool)
    mask[too_long] = True
    return pc.replace_with_mask(joined, pa.array(mask), pa.array(fitted, type=joined.type))


def _periods_dk(start: np.ndarray, end: np.ndarray) -> pa.Array:
    """``dd.mm.yyyy-dd.mm.yyyy`` for each (start, end), each distinct pair once (arrow)."""
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    if len(start) == 0:
        return pa.array([], type=pa.large_string())
    # one integer per pair: days are far below 2**31 in both directions
    key = (start.view(np.int64) << 32) + (end.view(np.int64) & 0xFFFFFFFF)
    codes, distinct = pd.factorize(key)
    first = first_rows(codes, len(distinct))  # each pair's first row
    kind = pa.large_string()
    s_dk, e_dk = (arrow_text(format_date_dk(dates[first]), kind) for dates in (start, end))
    return pc.binary_join_element_wise(s_dk, e_dk, pa.scalar("-", kind)).take(pa.array(codes))


def _fit(service: str, period: str, grant: str, room: int, width: int) -> str:
    text = f"{service[:room]} {period} {grant}"
    if len(text) <= width:
        return text
    keep = width - len(service[:1]) - len(period) - 2 - 2
    head = min(8, keep // 3)  # its start too: ids that differ there (the year) are told apart
    return f"{service[:1]} {period} {grant[:head]}..{grant[len(grant) - (keep - head) :]}"


# collective invoices decided line by line (invoicekit.lines)
LINES_MISMATCH = (
    "Samlefakturaens linjer stemmer ikke med fakturaen ({what}). Robotten bogfører en samlefaktura linje for "
    "linje, når hver linje har ét CPR-nummer, og linjernes beløb tilsammen er fakturaens. Bogfør manuelt, og "
    "bed leverandøren om en rettet faktura."
)
LINE_UNUSABLE = "linje {line_no} kan ikke bruges (se input_problems.csv)"
LINE_NO_CPR = "linje {line_no} har intet CPR-nummer"
LINE_MANY_CPR = "linje {line_no} har {n} CPR-numre"
LINE_INVALID_CPR = "linje {line_no} har et ugyldigt CPR-nummer ({masked})"
LINES_INVOICE_AMOUNT = "fakturaens beløb kan ikke læses"
LINES_ADJUSTED = (
    "e-fakturaen har fradrag på {allowances} kr. og tillæg på {charges} kr. på hele fakturaen, ikke på linjerne"
)


LINES_PAYEE = "e-fakturaen skal betales til en anden end leverandøren ({payee}): den er overdraget (factoring)"


def _payee_da(cvr: str) -> str:
    return f"CVR {cvr}" if cvr != "?" else "uden CVR-nummer"


def invoice_amount_cause(raw: str) -> str:
    """Why a collective invoice's own amount cannot be used, for its LINES_MISMATCH message: convert's
    note of allowances and charges on the whole document, or of another payee, else that it cannot be read."""
    noted = AMOUNT_NOTE.fullmatch(raw)
    if noted is not None and noted["payee"] is not None:
        return LINES_PAYEE.format(payee=_payee_da(noted["payee"]))
    if noted is not None and noted["allowances"] is not None:
        try:
            return LINES_ADJUSTED.format(
                allowances=_decimal_dk(noted["allowances"]), charges=_decimal_dk(noted["charges"])
            )
        except ValueError:
            pass
    return LINES_INVOICE_AMOUNT


LINE_AMOUNT = "beløbet på linje {line_no} kan ikke læses"
LINES_SUM = "linjerne giver tilsammen {lines} kr., men fakturaen er på {invoice} kr."
LINES_CPRS = "linjernes CPR-numre ({lines}) er ikke fakturaens ({invoice})"


def causes_da(causes: list[str]) -> str:
    """The causes of a ``LINES_MISMATCH``, ``;``-joined: the first :data:`LIST_AT_MOST`, then how many more."""
    more = f"; og {len(causes) - LIST_AT_MOST} til" if len(causes) > LIST_AT_MOST else ""
    return "; ".join(causes[:LIST_AT_MOST]) + more


def listed_da(items: list[str]) -> str:
    """``2``, ``2 og 3``, ``2, 3 og 4``: items listed as Danish lists them."""
    return " og ".join(filter(None, (", ".join(items[:-1]), items[-1]))) if items else ""


#: the message of a collective invoice that went to manual: the first line that failed
LINE_FAILED = "Samlefakturaen er ikke bogført, heller ikke de linjer, der passer. Linje {line_no} ({cpr}): {message}"
LINES_ALSO_FAILED = " Også linje {others} kunne ikke bogføres."
