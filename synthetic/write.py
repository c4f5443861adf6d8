"""Turning the world into the files a municipality has: invoice extracts in
Danish or canonical layout, Sensum extracts, the support sheet, OIOUBL files,
the truth behind them, and what the specialists posted (an OPUS posting
history)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.columns import PAID_MARK_COLUMNS, POSTING_HISTORY_COLUMNS
from invoicekit.parsing import (
    MONEY_SCALE,
    ORE,
    format_date_dk,
    format_date_iso,
    format_money,
    format_money_dk,
)
from invoicekit.texts import holds_ascii, text_bytes
from invoicekit.vocabulary import FIX_TRUTH_FIELDS, MONTHS_DA, OWNERSHIP_DA
from synthetic.fixes import fix_truth
from synthetic.invoices import Months, citizen_lists
from synthetic.world import World

INVOICE_HEADERS_DA = {
    "invoice_id": "Fakturanummer",
    "supplier_cvr": "CVR-nr",
    "amount": "Beløb",
    "cpr": "CPR-nr",
    "period_start": "Periode fra",
    "period_end": "Periode til",
    "text": "Tekst",
    "invoice_date": "Fakturadato",
    "supplier_name": "Leverandør",
}
GRANT_HEADERS_DA = {
    "grant_id": "Bevilling",
    "cpr": "CPR-nr",
    "service_code": "Ydelse",
    "service_name": "Ydelsesnavn",
    "supplier_cvr": "Leverandør CVR",
    "rate": "Takst",
    "rate_unit": "Takstenhed",
    "start_date": "Startdato",
    "end_date": "Slutdato",
}
UNIT_DA = {"day": "døgn", "month": "måned", "year": "år", "hour": "time", "week": "uge"}
TRUTH_COLUMNS = (
    "month",
    "row",
    "invoice_id",
    "supplier_cvr",
    "invoice_type",
    "true_grant_id",
    "should_pay",
    "true_psp_element",
    "true_art",
    "cause",
    *FIX_TRUTH_FIELDS,
)
DANISH_LAYOUT_SHARE = 0.7
#: what the specialists posted, as finance staff export it from OPUS (see :func:`_history`)
HISTORY_FILE = "opus_history.csv"
#: OPUS's own header for each column of a posting history
HISTORY_HEADERS = {c.name: c.aliases[0] for c in POSTING_HISTORY_COLUMNS}
#: the days from an invoice's date to the specialists' posting of it
POSTING_DELAY_DAYS = (2, 15)
#: Sensum's paid marks as an extract shows them, under the first Danish header each column accepts
#: (``run --paid``; see :func:`_paid_marks`)
PAID_MARK_HEADERS = {
    c.name: c.aliases[0]
    for c in PAID_MARK_COLUMNS
    if c.name in ("grant_id", "period_start", "period_end", "invoice_id")
}


L = pa.large_string()


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, L)


def _join(*parts, sep: str = "") -> pa.Array:
    """Element-wise concatenation of arrow text columns and plain strings."""
    return pc.binary_join_element_wise(*(_s(x) if isinstance(x, str) else x for x in parts), _s(sep))


def text_column(values) -> pa.Array:
    """A column as one arrow text array, blanks for missing values; numbers
    as ``str()`` writes them."""
    if isinstance(values, pd.Series):
        values = values.array if isinstance(values.dtype, pd.StringDtype) else values.to_numpy()
    if isinstance(values, pd.arrays.ArrowStringArray):
        values = pa.array(values)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = np.asarray(values)
        if values.dtype.kind in "iu":
            values = pa.array(values)
        else:
            values = pa.array(values.astype(object), from_pandas=True, type=L)
    values = values.cast(L)
    return pc.fill_null(values, _s("")) if values.null_count else values


def _number_text(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64)).cast(L)


def _typo_cprs(cprs: pa.Array) -> pa.Array:
    """A keying error that cannot be anyone's number, however it is read: the
    day's digits swapped when that gives no date (32-60), else a day of 32-60
    typed in. Always ten digits, so a spreadsheet cannot pad it into a date."""
    number = pc.cast(cprs, pa.int64()).to_numpy()
    swapped_day = (number // 10**8 % 10) * 10 + number // 10**9
    day = np.where((swapped_day >= 32) & (swapped_day <= 60), swapped_day, 32 + (number // 10**4 % 10**4) % 29)
    return pc.utf8_lpad(_number_text(day * 10**8 + number % 10**8), 10, "0")


def _typo_cpr(cpr: str) -> str:
    """One CPR number typed wrong, as :func:`_typo_cprs` types it."""
    return _typo_cprs(pa.array([cpr], L))[0].as_py()


def _typo_cvrs(cvrs: pa.Array) -> pa.Array:
    """The check digit mistyped: never a valid CVR."""
    last = pc.cast(pc.utf8_slice_codeunits(cvrs, -1), pa.int64()).to_numpy()
    return _join(pc.utf8_slice_codeunits(cvrs, 0, -1), _number_text((last + 3) % 10))


def _pick(style: np.ndarray, choices: tuple) -> pa.Array:
    """Per row the choice its style asks for; a choice is a text or an array."""
    out = None
    for k in range(len(choices) - 1, -1, -1):
        c = choices[k]
        c = _s(c) if isinstance(c, str) else c
        out = c if out is None else pc.if_else(pa.array(style == k), c, out)
    if isinstance(out, pa.Scalar):
        out = pc.if_else(pa.array(np.ones(len(style), bool)), out, out)
    return out


def _decimals(values: np.ndarray, places: int) -> pa.Array:
    """``f"{v:.{places}f}"`` with a decimal comma, whole-column: the digits
    come from integers; the few values within a hair of a rounding tie (or
    negative) are formatted one by one, so every value is what Python writes."""
    values = np.asarray(values, dtype=float)
    scaled = values * 10**places
    ties = (np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6) | ~np.isfinite(values) | (values < 0)
    q = np.where(ties, 0, np.rint(np.where(ties, 0, scaled))).astype(np.int64)
    frac = pc.utf8_lpad(_number_text(q % 10**places), places, "0")
    text = _join(_number_text(q // 10**places), ",", frac)
    if ties.any():
        odd = np.flatnonzero(ties)
        exact = pa.array([f"{v:.{places}f}".replace(".", ",") for v in values[odd]], L)  # rare: ties only
        text = pc.replace_with_mask(text, pa.array(ties), exact)
    return text


def _rate_text(rate: np.ndarray) -> pa.Array:
    """The rate in kroner with two decimals and a decimal comma."""
    return _decimals(np.asarray(rate) / MONEY_SCALE, 2)


def _main_texts(
    inv: pd.DataFrame, kind: np.ndarray, service: pa.Array, style: np.ndarray, count: np.ndarray
) -> pa.Array:
    """The invoice line's own words, by what kind of invoice it is (a copy or
    a reminder repeats the original's text)."""
    n = len(inv)
    s3 = style % 3
    unit = inv["unit"].to_numpy()
    amount = inv["amount"].to_numpy()
    rate = inv["rate"].to_numpy()
    text = pa.array(np.full(n, "Ophold", dtype=object), L)

    def put(mask: np.ndarray, values) -> None:
        nonlocal text
        if mask.any():
            values = _s(values) if isinstance(values, str) else values
            text = pc.if_else(pa.array(mask), values, text)

    m = kind == "residential_monthly"
    put(m, _pick(s3, ("Opholdsbetaling", _join("Takst for ophold, ", service), "Månedlig betaling for botilbud")))
    m = kind == "daily_rate"
    if m.any():
        days = (inv["period_end"].to_numpy() - inv["period_start"].to_numpy()).astype("timedelta64[D]").astype(np.int64)
        per_day = _join(
            "Døgnophold ", _number_text(np.where(m, days + 1, 0)), " døgn à ", _rate_text(np.where(m, rate, 0))
        )
        put(m, _pick(s3, (per_day, "Ophold, døgntakst", _join("Døgntakst, ", service))))
    m = kind == "day_offer"
    attend = m & (unit == "day")
    if attend.any():
        safe = np.where(attend, rate, 1)
        present = np.rint(np.where(attend, amount, 0) / safe).astype(np.int64)
        put(
            attend,
            _join("Fremmøde i dagtilbud, ", _number_text(present), " dage à ", _rate_text(np.where(attend, rate, 0))),
        )
    put(
        m & ~attend,
        _pick(s3, ("Dagtilbud", _join("Aktivitetstilbud, ", service), "Beskyttet beskæftigelse og aktivitet")),
    )
    put(
        kind == "stu",
        _pick(s3, ("STU-forløb, undervisning", "Særligt tilrettelagt ungdomsuddannelse", "STU, skoleophold")),
    )
    m = kind == "hourly_97"
    hours = m & (unit == "hour")
    if hours.any():
        safe = np.where(hours, rate, 1)
        text_h = _join("Ledsagelse ", _decimals(np.where(hours, amount, 0) / safe, 1), " timer à ")
        put(hours, _join(text_h, _rate_text(np.where(hours, rate, 0))))
    put(m & ~hours, "Ledsageordning, fast antal timer")
    m = kind == "collective"
    if m.any():
        put(m, _join("Samlefaktura for ", _number_text(count), " borgere"))
    m = kind == "extras"
    if m.any():
        extra = np.where(m, inv["extra_text"].to_numpy(dtype=object), "")
        put(m, pa.array(extra.astype(str), L))  # as str() writes each
    put(
        kind == "back_payment",
        _pick(s3, ("Efterregulering af takst", "Regulering for tidligere perioder", "Efterbetaling, takstregulering")),
    )
    m = kind == "credit_note"
    if m.any():
        credits = text_column(inv["credits"])
        has = pc.not_equal(credits, _s("")).to_numpy(zero_copy_only=False)
        put(m & has, _join("Kreditnota vedr. faktura ", credits))
        put(m & ~has, "Kreditering af ophold efter fraflytning")
    return text


def _period_texts(ps: np.ndarray, pe: np.ndarray, s3: np.ndarray) -> pa.Array:
    """The period in words: a whole month by its name (unless the supplier's
    style writes dates), else its first and last day."""
    ps = np.asarray(ps, dtype="datetime64[D]")
    pe = np.asarray(pe, dtype="datetime64[D]")
    first = ps.astype("datetime64[M]")
    whole = (first.astype("datetime64[D]") == ps) & ((pe + 1).astype("datetime64[M]").astype("datetime64[D]") == pe + 1)
    whole &= pe.astype("datetime64[M]") == first
    month = first.astype(np.int64) % 12
    year = first.astype("datetime64[Y]").astype(np.int64) + 1970
    named = _join(pa.array(np.array(MONTHS_DA, dtype=object)[month], L), " ", _number_text(year))
    a = text_column(format_date_dk(ps))
    b = text_column(format_date_dk(pe))
    dashes = _join(pc.replace_substring(a, ".", "-"), " til ", pc.replace_substring(b, ".", "-"))
    dotted = _join("Periode ", a, " - ", b)
    text = pc.if_else(pa.array(s3 == 2), dashes, dotted)
    return pc.if_else(pa.array(whole & (s3 != 1)), named, text)


def render_month(world: World, inv: pd.DataFrame, k: int, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """The month's invoices as extract columns (text) plus per-row metadata
    used for the truth and OIOUBL, whole-column."""
    sup = world.suppliers
    cit = world.citizens
    ep = world.episodes
    inv = inv.copy()
    for col in ("credits", "reminder", "extra_text", "orig_type"):
        if col not in inv:
            inv[col] = None
    n = len(inv)
    s_idx = inv["supplier"].to_numpy()
    profiles = pd.Series(world.profiles(k))  # a supplier's, for each of its invoices below
    at_sup = pa.array(s_idx)
    style = sup["id_style"].to_numpy()[s_idx].astype(np.int64)
    hyphen = sup["date_style"].to_numpy()[s_idx] != 1
    shows_name = sup["shows_name"].to_numpy()[s_idx].astype(bool)
    cvr = pc.take(text_column(sup["cvr"].to_numpy()), at_sup)
    keying = inv["keying"].to_numpy(dtype=object)
    svc_name = world.services["service_name"].to_numpy()
    service = pc.take(text_column(svc_name), pa.array(ep["service"].to_numpy()[inv["episode"].to_numpy()]))

    # the citizens on each invoice, flat, and their numbers as the supplier writes them
    citizens = citizen_lists(inv["citizens"])
    flat = citizens.flatten().to_numpy()
    offsets = citizens.offsets.to_numpy()
    count = np.diff(offsets)
    owner = np.repeat(np.arange(n), count)
    cprs = pc.take(text_column(cit["cpr"].to_numpy()), pa.array(flat))
    bad_cpr = keying == "bad_cpr"
    shown = pc.if_else(
        pa.array(hyphen[owner]), _join(pc.utf8_slice_codeunits(cprs, 0, 6), "-", pc.utf8_slice_codeunits(cprs, 6)), cprs
    )
    if bad_cpr.any():
        shown = pc.if_else(pa.array(bad_cpr[owner]), _typo_cprs(cprs), shown)
    shown = pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), shown), _s(", "))

    cpr_mode = profiles.map(CPR_MODES).to_numpy(dtype=object)[s_idx]
    period_mode = profiles.map(PERIOD_MODES).to_numpy(dtype=object)[s_idx]
    cpr_mode[bad_cpr] = "column"
    period_mode[keying == "swapped_period"] = "column"
    bad_cvr = keying == "bad_cvr"
    if bad_cvr.any():
        cvr = pc.if_else(pa.array(bad_cvr), _typo_cvrs(cvr), cvr)

    reminder = inv["reminder"].eq(True).to_numpy()
    rykker = np.zeros(n, bool)
    rykker[reminder] = rng.random(int(reminder.sum())) < 0.7  # the same draws, in row order, as one at a time
    kind = inv["invoice_type"].to_numpy(dtype=object).copy()
    orig = text_column(inv["orig_type"]).to_numpy(zero_copy_only=False)
    copy = (kind == "duplicate") & (orig != "")
    kind[copy] = orig[copy]

    ps_all = inv["period_start"].to_numpy().astype("datetime64[D]")
    pe_all = inv["period_end"].to_numpy().astype("datetime64[D]")
    in_text = period_mode == "text"
    period = pa.nulls(n, L)
    if in_text.any():
        i = np.flatnonzero(in_text)
        period = pc.replace_with_mask(period, pa.array(in_text), _period_texts(ps_all[i], pe_all[i], style[i] % 3))
    cpr_text = pc.if_else(pa.array(cpr_mode == "text"), _join(_pick(style % 2, ("cpr.nr. ", "CPR ")), shown), None)
    first = flat[np.minimum(offsets[:-1], len(flat) - 1)] if len(flat) else np.zeros(n, np.int64)
    name = _join("Borger: ", pc.take(text_column(cit["name"].to_numpy()), pa.array(first)))
    name = pc.if_else(pa.array((cpr_mode == "none") | (shows_name & (count == 1))), name, None)
    text = pc.binary_join_element_wise(
        pc.if_else(pa.array(rykker), _s("Rykker:"), None),
        _main_texts(inv, kind, service, style, count),
        period,
        cpr_text,
        name,
        _s(", "),
        null_handling="skip",
    )
    cpr_cell = pc.if_else(pa.array(cpr_mode == "column"), shown, _s(""))

    ps_shown = period_mode == "column"
    swapped = keying == "swapped_period"
    pstart = np.where(ps_shown, ps_all, np.datetime64("NaT"))
    pend = np.where(ps_shown, pe_all, np.datetime64("NaT"))
    # a keying error: the end typed a year too early
    pend = np.where(swapped, pend - np.timedelta64(365, "D"), pend).astype("datetime64[D]")
    frame = pd.DataFrame(
        {
            "invoice_id": pd.Series(text_column(inv["invoice_id"]), dtype="str"),
            "supplier_cvr": pd.Series(cvr, dtype="str"),
            "amount": inv["amount"].to_numpy(),
            "cpr": pd.Series(cpr_cell, dtype="str"),
            "period_start": pstart.astype("datetime64[D]"),
            "period_end": pend,
            "text": pd.Series(text, dtype="str"),
            "invoice_date": inv["invoice_date"].to_numpy(),
            "supplier_name": pd.Series(pc.take(text_column(sup["name"].to_numpy()), at_sup), dtype="str"),
        }
    )
    return frame, {"blank_amount": keying == "blank_amount"}


CPR_MODES = {"column": "column", "collective": "column", "text": "text", "no_period": "column", "no_cpr": "none"}
PERIOD_MODES = {"column": "column", "collective": "column", "text": "text", "no_period": "none", "no_cpr": "column"}


def _csv_cells(column: pa.Array, sep: str) -> pa.Array:
    """Cells quoted as Python's csv module quotes them (pandas' ``to_csv``):
    only a cell holding the separator, a quote or a line break, with its
    quotes doubled."""
    if not holds_ascii(column, f'{sep}"\n'):
        return column  # most columns: one look at their bytes
    needs = pc.match_substring_regex(column, f'[{re.escape(sep)}"\\n]')
    if not pc.any(needs).as_py():
        return column
    return pc.if_else(needs, _join('"', pc.replace_substring(column, '"', '""'), '"'), column)


CSV_CHUNK = 200_000  # rows assembled at a time, so a file is never held twice in memory


def write_csv(path: Path, columns: dict, sep: str, encoding: str, errors: str = "strict", append: bool = False) -> None:
    """One CSV file from text columns, byte for byte what pandas' ``to_csv``
    writes (header, minimal quoting, ``\\n`` line ends), assembled in arrow;
    ``append`` adds the rows to the file, without a header."""
    names = list(columns)
    cells = [text_column(columns[c]) for c in names]
    n = len(cells[0])
    with open(path, "ab" if append else "wb") as f:
        if not append:
            f.write((sep.join(_csv_cells(pa.array(names, L), sep).to_pylist()) + "\n").encode(encoding, errors))
        for at in range(0, n, CSV_CHUNK):
            part = [_csv_cells(c.slice(at, CSV_CHUNK), sep) for c in cells]
            part[-1] = _join(part[-1], "\n")  # the line's end on its last cell: the lines are joined once
            lines = pc.binary_join_element_wise(*part, _s(sep)) if len(part) > 1 else part[0]
            _, body = text_bytes(lines)  # the lines' bytes as they stand, no copy
            if encoding in ("utf-8", "utf-8-sig"):
                f.write(body)  # the header carried the byte order mark
            else:
                f.write(bytes(body).decode("utf-8").encode(encoding, errors))


def write_invoice_csv(frame: pd.DataFrame, meta: dict, world: World, path: Path, danish: bool) -> None:
    out = {c: frame[c] for c in frame.columns}
    blank_amount = meta["blank_amount"]
    cvr = text_column(frame["supplier_cvr"])
    if danish:
        amount = text_column(format_money_dk(frame["amount"].to_numpy()))
        styles = world.suppliers["date_style"].to_numpy()
        sups = world.suppliers["cvr"].to_numpy()
        idx = pd.Index(sups).get_indexer(cvr.to_numpy(zero_copy_only=False))
        style = np.where(idx >= 0, styles[np.maximum(idx, 0)], 1)
        prefix = np.where(idx >= 0, world.suppliers["cvr_prefix"].to_numpy()[np.maximum(idx, 0)], False)
        dashes, slashes = pa.array(style == 0), pa.array(style == 2)
        for col in ("period_start", "period_end", "invoice_date"):
            d = text_column(format_date_dk(frame[col].to_numpy()))
            d = pc.if_else(dashes, pc.replace_substring(d, ".", "-"), d)
            out[col] = pc.if_else(slashes, pc.replace_substring(d, ".", "/"), d)
        out["supplier_cvr"] = pc.if_else(
            pc.and_(pa.array(prefix.astype(bool)), pc.not_equal(cvr, _s(""))), _join("DK", cvr), cvr
        )
    else:
        amount = text_column(format_money(frame["amount"].to_numpy()))
        for col in ("period_start", "period_end", "invoice_date"):
            out[col] = format_date_iso(frame[col].to_numpy())
    out["amount"] = pc.if_else(pa.array(blank_amount), _s(""), amount)
    if danish:
        out = {INVOICE_HEADERS_DA[c]: v for c, v in out.items()}
        write_csv(path, out, ";", "cp1252", errors="replace")
    else:
        write_csv(path, out, ",", "utf-8")


def write_grants_csv(grants: pd.DataFrame, path: Path) -> None:
    out = {c: grants[c] for c in grants.columns}
    out["rate"] = format_money_dk(grants["rate"].to_numpy())
    units = text_column(grants["rate_unit"]).dictionary_encode()  # each distinct unit in Danish once
    out["rate_unit"] = pc.take(pa.array([UNIT_DA.get(u) for u in units.dictionary.to_pylist()], L), units.indices)
    for col in ("start_date", "end_date"):
        out[col] = _sensum_dates(grants[col].to_numpy())
    write_csv(path, {GRANT_HEADERS_DA.get(c, c): v for c, v in out.items()}, ";", "utf-8-sig")


def _sensum_dates(days: np.ndarray) -> pa.Array:
    """Dates as Sensum's extracts write them: ``dd-mm-yyyy``."""
    return pc.replace_substring(text_column(format_date_dk(days)), ".", "-")


def write_support_sheet(world: World, path: Path) -> None:
    """The støtteark, as the municipality keeps it: services, suppliers (some
    missing), and coding rows (the new year's rows for some groups a month
    late)."""
    svc = world.services[["service_code", "service_name", "paragraph", "target_group"]].copy()
    svc["paragraph"] = np.where(svc["paragraph"] == "STU", "STU", "§ " + svc["paragraph"].astype(str))
    sup = world.suppliers[world.suppliers["in_sheet"]]
    suppliers = pd.DataFrame(
        {"supplier_cvr": sup["cvr"], "supplier_name": sup["name"], "ownership": sup["ownership"].map(OWNERSHIP_DA)}
    )
    coding = world.sheet_coding.copy()
    coding["paragraph"] = np.where(coding["paragraph"] == "STU", "STU", "§ " + coding["paragraph"].astype(str))
    coding["ownership"] = coding["ownership"].map(OWNERSHIP_DA)
    for col in ("valid_from", "valid_to"):
        coding[col] = [dt.date.fromisoformat(v) if v else None for v in coding[col]]
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        svc.to_excel(xw, sheet_name="Ydelser", index=False)
        suppliers.to_excel(xw, sheet_name="Leverandører", index=False)
        coding.to_excel(xw, sheet_name="Kontering", index=False)
    _fixed_timestamps(path, dt.datetime.fromisoformat(str(world.start_month) + "-01"))


def _fixed_timestamps(path: Path, when: dt.datetime) -> None:
    """openpyxl stamps a workbook with the time it was saved (in its
    properties and in the zip entries); the same seed must give the same bytes,
    so both are set to ``when``."""
    import zipfile

    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rf"\g<1>{stamp}\g<3>", text)
                data = text.encode("utf-8")
            z.writestr(zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)


def oioubl_xml(row: dict) -> str:
    """One invoice or credit note as OIOUBL 2.1: one line with the invoice's
    text, or, when ``row["lines"]`` holds the lines of a collective invoice,
    one line a citizen (see :func:`_citizen_lines`)."""
    credit = row["amount"] < 0
    root = "CreditNote" if credit else "Invoice"
    line = "CreditNoteLine" if credit else "InvoiceLine"
    qty = "CreditedQuantity" if credit else "InvoicedQuantity"
    amount = f"{abs(row['amount']) / MONEY_SCALE:.2f}"
    by_citizen = row.get("lines")
    if by_citizen:
        amount = row["amount_text"].lstrip("-")  # to the unit, as the extract writes it
        body = _citizen_lines(amount, by_citizen, line, qty)
    else:
        body = (
            f'  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="DKK">{amount}</cbc:PayableAmount></cac:LegalMonetaryTotal>\n'
            f'  <cac:{line}><cbc:ID>1</cbc:ID><cbc:{qty} unitCode="EA">1</cbc:{qty}>'
            f'<cbc:LineExtensionAmount currencyID="DKK">{amount}</cbc:LineExtensionAmount>'
            f"<cac:Item><cbc:Description>{escape(row['text'])}</cbc:Description><cbc:Name>{escape(row['text'][:40])}</cbc:Name></cac:Item>"
            f'<cac:Price><cbc:PriceAmount currencyID="DKK">{amount}</cbc:PriceAmount></cac:Price></cac:{line}>\n'
        )
    ns = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    period = ""
    if row["period_start"]:
        period = (
            f"  <cac:InvoicePeriod><cbc:StartDate>{row['period_start']}</cbc:StartDate>"
            f"<cbc:EndDate>{row['period_end']}</cbc:EndDate></cac:InvoicePeriod>\n"
        )
    cpr_parties = "".join(
        f'  <cac:Delivery><cac:DeliveryParty><cac:PartyIdentification><cbc:ID schemeID="DK:CPR">{escape(c)}</cbc:ID>'
        f"</cac:PartyIdentification></cac:DeliveryParty></cac:Delivery>\n"
        for c in row["cpr_ids"]
    )
    cvr = row["supplier_cvr"]
    legal = (
        f"<cac:PartyLegalEntity><cbc:RegistrationName>{escape(row['supplier_name'])}</cbc:RegistrationName>"
        f'<cbc:CompanyID schemeID="DK:CVR">DK{escape(cvr)}</cbc:CompanyID></cac:PartyLegalEntity>'
        if cvr
        else f"<cac:PartyLegalEntity><cbc:RegistrationName>{escape(row['supplier_name'])}</cbc:RegistrationName></cac:PartyLegalEntity>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="{ns}" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">\n'
        "  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>\n"
        "  <cbc:CustomizationID>OIOUBL-2.1</cbc:CustomizationID>\n"
        f"  <cbc:ID>{escape(row['invoice_id'])}</cbc:ID>\n"
        f"  <cbc:IssueDate>{row['invoice_date']}</cbc:IssueDate>\n"
        + (
            '  <cbc:InvoiceTypeCode listAgencyID="320" listID="urn:oioubl:codelist:invoicetypecode-1.1">380</cbc:InvoiceTypeCode>\n'
            if not credit
            else ""
        )
        + f"  <cbc:Note>{escape(row['text'])}</cbc:Note>\n"
        "  <cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>\n"
        + period
        + f"  <cac:AccountingSupplierParty><cac:Party>{legal}</cac:Party></cac:AccountingSupplierParty>\n"
        '  <cac:AccountingCustomerParty><cac:Party><cbc:EndpointID schemeID="GLN">5798000000000</cbc:EndpointID>'
        "<cac:PartyLegalEntity><cbc:RegistrationName>Kommunen</cbc:RegistrationName></cac:PartyLegalEntity>"
        "</cac:Party></cac:AccountingCustomerParty>\n" + cpr_parties + body + f"</{root}>\n"
    )


def _zero_vat(taxable: str) -> str:
    """A ``TaxTotal`` of no VAT on ``taxable``: social services are exempt."""
    return (
        f'<cac:TaxTotal><cbc:TaxAmount currencyID="DKK">0.00</cbc:TaxAmount><cac:TaxSubtotal>'
        f'<cbc:TaxableAmount currencyID="DKK">{taxable}</cbc:TaxableAmount><cbc:TaxAmount currencyID="DKK">0.00</cbc:TaxAmount>'
        f"<cac:TaxCategory>{ZERO_RATED}<cbc:Percent>0</cbc:Percent>{VAT_SCHEME}</cac:TaxCategory>"
        "</cac:TaxSubtotal></cac:TaxTotal>"
    )


ZERO_RATED = '<cbc:ID schemeAgencyID="320" schemeID="urn:oioubl:id:taxcategoryid-1.1">ZeroRated</cbc:ID>'
VAT_SCHEME = (
    '<cac:TaxScheme><cbc:ID schemeAgencyID="320" schemeID="urn:oioubl:id:taxschemeid-1.1">63</cbc:ID>'
    "<cbc:Name>Moms</cbc:Name></cac:TaxScheme>"
)


def _citizen_lines(total: str, lines: list[dict], line: str, qty: str) -> str:
    """The totals and lines of a collective invoice sent with its lines: the
    document's VAT (none) and totals, then a line a citizen with its own
    number, the citizen in the line's note (``Borger: <name>, CPR
    DDMMYY-SSSS``), its period and amount. OIOUBL 2.x holds the VAT in
    ``TaxExclusiveAmount``."""
    out = [
        f"  {_zero_vat(total)}\n",
        "  <cac:LegalMonetaryTotal>"
        f'<cbc:LineExtensionAmount currencyID="DKK">{total}</cbc:LineExtensionAmount>'
        '<cbc:TaxExclusiveAmount currencyID="DKK">0.00</cbc:TaxExclusiveAmount>'
        f'<cbc:TaxInclusiveAmount currencyID="DKK">{total}</cbc:TaxInclusiveAmount>'
        f'<cbc:PayableAmount currencyID="DKK">{total}</cbc:PayableAmount></cac:LegalMonetaryTotal>\n',
    ]
    for ln in lines:
        amount = ln["amount"]
        out.append(
            f"  <cac:{line}><cbc:ID>{escape(ln['line_no'])}</cbc:ID><cbc:Note>{escape(ln['note'])}</cbc:Note>"
            f'<cbc:{qty} unitCode="EA">1</cbc:{qty}><cbc:LineExtensionAmount currencyID="DKK">{amount}</cbc:LineExtensionAmount>'
            f"<cac:InvoicePeriod><cbc:StartDate>{ln['period_start']}</cbc:StartDate>"
            f"<cbc:EndDate>{ln['period_end']}</cbc:EndDate></cac:InvoicePeriod>{_zero_vat(amount)}"
            f"<cac:Item><cbc:Name>{escape(ln['service'])}</cbc:Name>"
            f"<cac:ClassifiedTaxCategory>{ZERO_RATED}<cbc:Percent>0</cbc:Percent>{VAT_SCHEME}</cac:ClassifiedTaxCategory></cac:Item>"
            f'<cac:Price><cbc:PriceAmount currencyID="DKK">{amount}</cbc:PriceAmount></cac:Price></cac:{line}>\n'
        )
    return "".join(out)


def write_oioubl(frame: pd.DataFrame, meta: dict, folder: Path, lines: pd.DataFrame | None = None) -> None:
    """One OIOUBL file per invoice (a file each, so a loop over the rows).
    An invoice whose number and CVR have ``lines`` (:func:`collective_lines`,
    as the lines extract gives them) carries them, one line a citizen."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = {
        c: text_column(frame[c]).to_pylist() for c in ("invoice_id", "supplier_cvr", "supplier_name", "text", "cpr")
    }
    columns["amount"] = frame["amount"].to_numpy().tolist()
    columns["amount_text"] = format_money(frame["amount"].to_numpy(dtype=np.int64)).tolist()
    for col in ("period_start", "period_end", "invoice_date"):
        columns[col] = text_column(format_date_iso(frame[col].to_numpy())).to_pylist()
    by_key = _oioubl_lines(lines) if lines is not None and len(lines) else {}
    blank = meta["blank_amount"]
    for i in range(len(frame)):
        if blank[i]:
            continue  # an e-invoice always has an amount; the scanned paper one had none
        row = {c: v[i] for c, v in columns.items()}
        row["amount"] = int(row["amount"])
        row["lines"] = by_key.get((row["invoice_id"], row["supplier_cvr"]))
        cpr = row.pop("cpr")
        row["cpr_ids"] = [c.replace("-", "") for c in cpr.split(", ") if c] if cpr else []
        name = f"{i + 1:05d}-{row['supplier_cvr'] or 'ukendt'}-{row['invoice_id'] or 'uden-nummer'}.xml".replace(
            "/", "-"
        )
        (folder / name).write_text(oioubl_xml(row), encoding="utf-8")


def _oioubl_lines(lines: pd.DataFrame) -> dict[tuple[str, str], list[dict]]:
    """The lines of each (invoice number, CVR) as :func:`_citizen_lines`
    writes them: values as the lines extract has them, the citizen named in
    the line's note."""
    values = {
        **{c: text_column(lines[c]).to_pylist() for c in ("invoice_id", "supplier_cvr", "line_no", "name", "service")},
        "amount": format_money(lines["amount"].to_numpy(dtype=np.int64)).tolist(),
        "period_start": text_column(
            format_date_iso(lines["period_start"].to_numpy().astype("datetime64[D]"))
        ).to_pylist(),
        "period_end": text_column(format_date_iso(lines["period_end"].to_numpy().astype("datetime64[D]"))).to_pylist(),
        "note": [f"Borger: {n}, CPR {c}" for n, c in zip(lines["name"], lines["cpr"], strict=True)],
    }
    by_key: dict[tuple[str, str], list[dict]] = {}
    for k in range(len(lines)):
        line = {c: v[k] for c, v in values.items()}
        by_key.setdefault((line["invoice_id"], line["supplier_cvr"]), []).append(line)
    return by_key


def _truth(label: str, inv: pd.DataFrame, frame: pd.DataFrame, fixes: tuple) -> dict[str, pa.Array]:
    """The month's truth, one text column each, in :data:`TRUTH_COLUMNS`' order;
    ``fixes`` is ``(fix_owner, fix_key)`` (:func:`synthetic.fixes.fix_truth`)."""
    n = len(inv)
    columns = {
        "month": pa.array(np.full(n, label, dtype=object), L),
        "row": _number_text(np.arange(1, n + 1)),
        "invoice_id": text_column(frame["invoice_id"]),
        "supplier_cvr": text_column(frame["supplier_cvr"]),
        "invoice_type": text_column(inv["invoice_type"]),
        "true_grant_id": text_column(inv["true_grant_id"]),
        "should_pay": pa.array(np.where(inv["should_pay"].astype(bool), "true", "false").astype(object), L),
        "true_psp_element": text_column(inv["true_psp_element"]),
        "true_art": text_column(inv["true_art"]),
        "cause": text_column(inv["cause"]),
        "fix_owner": text_column(fixes[0]),
        "fix_key": text_column(fixes[1]),
    }
    return {c: columns[c] for c in TRUTH_COLUMNS}


def _payments(inv: pd.DataFrame, lines: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
    """What the month pays, one payment an entry, in row (then line) order:
    every invoice the truth says to pay, and of a collective invoice whose
    ``lines`` are known (the scenario ``lines``), each line it should pay,
    with the line's own period, amount, coding and grant. Each entry's
    ``row`` (0-based), ``period_start``, ``period_end``, ``amount``,
    ``true_psp_element``, ``true_art`` and ``true_grant_id``: what the
    specialists posted (:func:`_history`) and what Sensum marked paid
    (:func:`_paid_marks`)."""
    pay = inv["should_pay"].to_numpy(dtype=bool)
    by_line = np.zeros(len(inv), dtype=bool)
    if lines is not None and len(lines):
        line_of = lines["row"].to_numpy() - 1
        by_line[line_of] = True  # a collective invoice, or its credit note
    rows = np.flatnonzero(pay & ~by_line)
    # one payment per row: the invoice's own, or a line's (in row, then line order)
    paid = {
        "row": rows,
        "period_start": inv["period_start"].to_numpy().astype("datetime64[D]")[rows],
        "period_end": inv["period_end"].to_numpy().astype("datetime64[D]")[rows],
        "amount": inv["amount"].to_numpy().astype(np.int64)[rows],
        "true_psp_element": inv["true_psp_element"].to_numpy(dtype=object)[rows],
        "true_art": inv["true_art"].to_numpy(dtype=object)[rows],
        "true_grant_id": inv["true_grant_id"].to_numpy(dtype=object)[rows],
    }
    if by_line.any():
        of_lines = lines[by_line[line_of] & lines["should_pay"].astype(bool).to_numpy()]
        per_line = {"row": of_lines["row"].to_numpy() - 1, **{c: of_lines[c].to_numpy() for c in list(paid)[1:]}}
        paid = {c: np.concatenate([v, per_line[c].astype(v.dtype)]) for c, v in paid.items()}
    order = np.argsort(paid["row"], kind="stable")
    return {c: v[order] for c, v in paid.items()}


def _history(
    world: World, inv: pd.DataFrame, frame: pd.DataFrame, rng: np.random.Generator, lines: pd.DataFrame | None = None
) -> dict[str, pa.Array]:
    """The month's postings by the specialists, as an OPUS export of posted
    supplier invoices (:data:`HISTORY_HEADERS`): every invoice the truth says
    to pay, with its true PSP element and art, the invoiced amount (to the
    øre: a few synthetic amounts have fractions of one), on the
    supplier's real CVR number, posted a few days after the invoice date; the
    text is the period and the service's name, at most 50 characters. A
    collective invoice whose ``lines`` are known (the scenario ``lines``) is
    posted a line a citizen, each line it should pay with the line's own
    coding, amount and period, all under the invoice's number; without them
    it has no coding of its own in the truth and keeps it blank here."""
    paid = _payments(inv, lines)
    row, start, end, amount, psp, art = (
        paid[c] for c in ("row", "period_start", "period_end", "amount", "true_psp_element", "true_art")
    )
    sup = world.suppliers["cvr"].to_numpy()[inv["supplier"].to_numpy()[row]]
    service = world.services["service_name"].to_numpy()[
        world.episodes["service"].to_numpy()[inv["episode"].to_numpy()[row]]
    ]
    delay = rng.integers(*POSTING_DELAY_DAYS, len(row)).astype("timedelta64[D]")
    posted = inv["invoice_date"].to_numpy().astype("datetime64[D]")[row] + delay
    period = _join(text_column(format_date_dk(start)), "-", text_column(format_date_dk(end)))
    short = pc.replace_substring_regex(
        text_column(service.astype(object)), r"\s*[(,].*$", ""
    )  # no paragraph, no target
    text = pc.utf8_rtrim(pc.utf8_slice_codeunits(_join(period, " ", short), 0, 50), " ")
    columns = {
        "invoice_id": text_column(frame["invoice_id"].to_numpy(dtype=object)[row]),
        "supplier_cvr": text_column(sup),
        "amount": text_column(format_money_dk((amount + ORE // 2) // ORE * ORE)),  # OPUS: øre
        "psp_element": text_column(psp),
        "art": text_column(art),
        "posting_date": text_column(format_date_dk(posted)),
        "text": text,
    }
    return {HISTORY_HEADERS[c]: v for c, v in columns.items()}


def _paid_marks(inv: pd.DataFrame, frame: pd.DataFrame, lines: pd.DataFrame | None = None) -> dict[str, pa.Array]:
    """The month's grant periods marked paid in Sensum, by the robot or by a
    caseworker paying by hand (Danish headers, dates as the grants file
    writes them): every invoice the truth says to pay, on its true grant,
    for its period; a collective invoice whose ``lines`` are known, a mark
    for each line it should pay. The world does not know which were paid by
    whom, nor the robot's wrong postings (the journal holds those)."""
    paid = _payments(inv, lines)
    grant, start, end = paid["true_grant_id"], paid["period_start"], paid["period_end"]
    number = frame["invoice_id"].to_numpy(dtype=object)[paid["row"]]
    known = np.array([isinstance(g, str) and g != "" for g in grant], dtype=bool)  # paid on no grant: no mark
    columns = {
        "grant_id": text_column(grant[known]),
        "period_start": _sensum_dates(start[known]),
        "period_end": _sensum_dates(end[known]),
        "invoice_id": text_column(number[known]),
    }
    return {PAID_MARK_HEADERS[c]: v for c, v in columns.items()}


LINE_COLUMNS = ("invoice_id", "supplier_cvr", "line_no", "cpr", "amount", "period_start", "period_end", "text")
LINE_TRUTH_COLUMNS = ("month", "row", "invoice_id", "supplier_cvr", "line_no", "true_grant_id", "should_pay",
                      "true_psp_element", "true_art", "cause")  # fmt: skip


def collective_lines(world: World, inv: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The lines of the month's collective invoices (those that carry them),
    one row a citizen, with the row of their invoice in the month's file, the
    truth of each line, and for the OIOUBL files the citizen's ``name`` and
    the invoice's ``service``; the same number sent twice has its lines once."""
    if "lines" not in inv:
        return pd.DataFrame(columns=["row", *LINE_COLUMNS, *LINE_TRUTH_COLUMNS[5:], "name", "service"])
    has = np.flatnonzero(inv["lines"].map(lambda v: isinstance(v, list)).to_numpy())
    records = []
    cpr = world.citizens["cpr"].to_numpy()
    name = world.citizens["name"].to_numpy()
    service = world.services["service_name"].to_numpy()[world.episodes["service"].to_numpy()[inv["episode"].to_numpy()]]
    for i in has:
        for no, line in enumerate(inv["lines"].iloc[i], start=1):
            c = str(cpr[line["citizen"]])
            records.append({"row": i + 1, "invoice_id": frame["invoice_id"].iloc[i],
                            "supplier_cvr": frame["supplier_cvr"].iloc[i], "line_no": str(no),
                            "cpr": f"{c[:6]}-{c[6:]}", "amount": line["amount"],
                            "period_start": line["period_start"], "period_end": line["period_end"], "text": "",
                            **{k: line[k] for k in LINE_TRUTH_COLUMNS[5:]},
                            "name": name[line["citizen"]], "service": service[i]})  # fmt: skip
    lines = pd.DataFrame(records, columns=["row", *LINE_COLUMNS, *LINE_TRUTH_COLUMNS[5:], "name", "service"])
    lines["row"] = lines["row"].astype(np.int64)  # a month without lines (all adopted the template) too
    return lines[~lines.duplicated(["invoice_id", "supplier_cvr", "line_no"])].reset_index(drop=True)


def write_lines_csv(lines: pd.DataFrame, path: Path) -> None:
    """The lines extract (``--invoice-lines``), as an e-invoice's lines give it: UTF-8, ISO dates."""
    write_csv(
        path,
        {
            **{c: text_column(lines[c]) for c in ("invoice_id", "supplier_cvr", "line_no", "cpr")},
            "amount": text_column(format_money(lines["amount"].to_numpy(dtype=np.int64))),
            "period_start": format_date_iso(lines["period_start"].to_numpy().astype("datetime64[D]")),
            "period_end": format_date_iso(lines["period_end"].to_numpy().astype("datetime64[D]")),
            "text": text_column(lines["text"]),
        },
        ",",
        "utf-8",
    )


def _with_line_truth(inv: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """A collective invoice posted line by line (or its credit note) is right
    with its lines' grants, PSP elements and arts (``;``-joined, each once, in
    line order, as decisions.csv lists them)."""
    inv = inv.copy()
    own = lines
    for name in ("true_grant_id", "true_psp_element", "true_art"):
        joined = own.groupby("row")[name].agg(lambda s: ";".join(dict.fromkeys(v for v in s if v)))
        inv.loc[joined.index - 1, name] = joined.to_numpy()
    return inv


def _line_truth(label: str, lines: pd.DataFrame) -> dict[str, pa.Array]:
    n = len(lines)
    columns = {
        "month": pa.array(np.full(n, label, dtype=object), L),
        "row": _number_text(lines["row"].to_numpy()),
        **{
            c: text_column(lines[c])
            for c in ("invoice_id", "supplier_cvr", "line_no", "true_grant_id", "true_psp_element", "true_art", "cause")
        },
        "should_pay": pa.array(np.where(lines["should_pay"].astype(bool), "true", "false").astype(object), L),
    }
    return {c: columns[c] for c in LINE_TRUTH_COLUMNS}


def generate(world: World, out: Path, oioubl: bool = False, progress=None) -> dict:
    """Write the whole world into ``out``; returns counts per month."""
    counts = {}
    for month in write_months(world, out, oioubl=oioubl):
        counts[month.label] = len(month.invoices)
        if progress:
            progress(1)
    return counts


@dataclass(frozen=True)
class MonthWritten:
    """One month of a world as :func:`write_months` wrote it: its label and
    index, the invoices (internal columns, as
    :meth:`~synthetic.invoices.Months.invoices` gives them), the files the
    robot reads that month, and the month's truth (:data:`TRUTH_COLUMNS`, text)."""

    label: str
    k: int
    invoices: pd.DataFrame
    invoice_file: Path
    grants_file: Path
    lines_file: Path | None
    support_sheet: Path
    truth: dict[str, pa.Array]

    def truth_frame(self) -> pd.DataFrame:
        """The month's truth as text columns, as ``truth.csv`` holds them."""
        return pd.DataFrame({c: v.to_numpy(zero_copy_only=False) for c, v in self.truth.items()})


def write_months(world: World, out: Path, oioubl: bool = False) -> Iterator[MonthWritten]:
    """Write the world into ``out`` a month at a time, yielding each month
    once its files are written. The world is read afresh every month, so a
    caller may change what governs the months to come (a registration, a
    supplier's template, the support sheet's rows) between two months, as
    :mod:`synthetic.loop` does; when the support sheet has changed, the sheet
    as it stands from that month on is written as ``stoetteark-YYYY-MM.xlsx``
    beside ``stoetteark.xlsx``."""
    out = Path(out)
    (out / "sensum").mkdir(parents=True, exist_ok=True)
    (out / "invoices").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([world.seed, 1])
    layout_rng = np.random.default_rng([world.seed, 2])
    history_rng = np.random.default_rng([world.seed, 3])  # its own stream: the other files as before
    months = Months(world, rng)
    sheet = out / "stoetteark.xlsx"
    write_support_sheet(world, sheet)
    sheet_state = _sheet_state(world)
    marks: dict[str, pa.Array] = {h: pa.array([], L) for h in PAID_MARK_HEADERS.values()}  # before go-live: none
    marks_file: Path | None = None
    for k in range(world.months):
        label = world.month_label(k)
        if _sheet_state(world) != sheet_state:
            sheet_state = _sheet_state(world)
            sheet = out / f"stoetteark-{label}.xlsx"
            write_support_sheet(world, sheet)
        grants_file = out / "sensum" / f"grants-{label}.csv"
        write_grants_csv(months.sensum(k), grants_file)
        # Sensum's paid marks when the robot runs this month: the months before's, as they were, and last month's
        month_marks = out / "sensum" / f"paid-{label}.csv"
        if marks_file is not None:
            shutil.copyfile(marks_file, month_marks)
        write_csv(month_marks, marks, ";", "utf-8-sig", append=marks_file is not None)
        marks_file = month_marks
        inv = months.invoices(k)
        frame, meta = render_month(world, inv, k, rng)
        danish = layout_rng.random() < DANISH_LAYOUT_SHARE
        invoice_file = out / "invoices" / f"invoices-{label}.csv"
        write_invoice_csv(frame, meta, world, invoice_file, danish)
        lines = collective_lines(world, inv, frame) if world.params.collective_lines else None
        if oioubl:
            write_oioubl(frame, meta, out / "oioubl" / label, lines)
        fixes = fix_truth(months, inv, k)
        lines_file = None
        if lines is not None:  # the scenario "lines": the suppliers send the lines
            lines_file = out / "invoices" / f"invoice-lines-{label}.csv"
            write_lines_csv(lines, lines_file)
            write_csv(out / "truth-lines.csv", _line_truth(label, lines), ",", "utf-8", append=k > 0)
            inv = _with_line_truth(inv, lines)
        truth = _truth(label, inv, frame, fixes)
        write_csv(out / "truth.csv", truth, ",", "utf-8", append=k > 0)
        history = _history(world, inv, frame, history_rng, lines)
        write_csv(out / HISTORY_FILE, history, ";", "cp1252", errors="replace", append=k > 0)
        marks = _paid_marks(inv, frame, lines)
        yield MonthWritten(label, k, inv, invoice_file, grants_file, lines_file, sheet, truth)


def _sheet_state(world: World) -> tuple:
    """What of the world the support sheet shows and a fix may change: the
    coding rows' dates and the suppliers it lists."""
    coding = world.sheet_coding
    return (
        tuple(coding["valid_from"]),
        tuple(coding["valid_to"]),
        tuple(world.suppliers["in_sheet"].to_numpy(dtype=bool)),
    )
