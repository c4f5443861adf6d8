"""Turning the world into the files a municipality has: invoice extracts in
Danish or canonical layout, Sensum extracts, the support sheet, OIOUBL files,
and the truth behind them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from invoicekit.parsing import MONEY_SCALE, MONTHS_DA, format_date_dk, format_date_iso, format_money, format_money_dk
from synthetic.invoices import Months
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
OWNERSHIP_DA = {"municipal": "kommunal", "regional": "regional", "private": "privat", "state": "statslig"}
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
)
DANISH_LAYOUT_SHARE = 0.7


def _fmt_cpr(cpr: str, hyphen: bool) -> str:
    return f"{cpr[:6]}-{cpr[6:]}" if hyphen else cpr


def _typo_cpr(cpr: str) -> str:
    """A keying error that cannot be anyone's number, however it is read: the
    day's digits swapped when that gives no date (32-60), else a day of 32-60
    typed in. Always ten digits, so a spreadsheet cannot pad it into a date."""
    swapped = cpr[1] + cpr[0] + cpr[2:]
    if 32 <= int(swapped[:2]) <= 60:
        return swapped
    return f"{32 + int(cpr[2:6]) % 29:02d}{cpr[2:]}"


def _typo_cvr(cvr: str) -> str:
    """The check digit mistyped: never a valid CVR."""
    return cvr[:-1] + str((int(cvr[-1]) + 3) % 10)


def _period_text(s: np.datetime64, e: np.datetime64, style: int) -> str:
    sd = pd.Timestamp(s).date()
    ed = pd.Timestamp(e).date()
    whole = sd.day == 1 and (ed + dt.timedelta(days=1)).day == 1 and sd.month == ed.month and sd.year == ed.year
    if whole and style != 1:
        return f"{MONTHS_DA[sd.month - 1]} {sd.year}"
    if style == 2:
        return f"{sd:%d-%m-%Y} til {ed:%d-%m-%Y}"
    return f"Periode {sd:%d.%m.%Y} - {ed:%d.%m.%Y}"


def _main_text(r, service_name: str, style: int) -> str:
    t = r.invoice_type
    if t == "duplicate" and isinstance(r.orig_type, str) and r.orig_type:
        t = r.orig_type  # a copy or a reminder repeats the original's text
    rate = r.rate / MONEY_SCALE
    if t == "residential_monthly":
        return ("Opholdsbetaling", f"Takst for ophold, {service_name}", "Månedlig betaling for botilbud")[style % 3]
    if t == "daily_rate":
        days = (r.period_end - r.period_start).days + 1
        return (
            f"Døgnophold {days} døgn à {rate:.2f}".replace(".", ","),
            "Ophold, døgntakst",
            f"Døgntakst, {service_name}",
        )[style % 3]
    if t == "day_offer":
        if r.unit == "day":
            return f"Fremmøde i dagtilbud, {round(r.amount / r.rate)} dage à {rate:.2f}".replace(".", ",")
        return ("Dagtilbud", f"Aktivitetstilbud, {service_name}", "Beskyttet beskæftigelse og aktivitet")[style % 3]
    if t == "stu":
        return ("STU-forløb, undervisning", "Særligt tilrettelagt ungdomsuddannelse", "STU, skoleophold")[style % 3]
    if t == "hourly_97":
        if r.unit == "hour":
            return f"Ledsagelse {r.amount / r.rate:.1f} timer à {rate:.2f}".replace(".", ",")
        return "Ledsageordning, fast antal timer"
    if t == "collective":
        return f"Samlefaktura for {len(r.citizens)} borgere"
    if t == "extras":
        return str(r.extra_text)
    if t == "back_payment":
        return ("Efterregulering af takst", "Regulering for tidligere perioder", "Efterbetaling, takstregulering")[
            style % 3
        ]
    if t == "credit_note":
        if isinstance(r.credits, str) and r.credits:
            return f"Kreditnota vedr. faktura {r.credits}"
        return "Kreditering af ophold efter fraflytning"
    return "Ophold"


def render_month(world: World, inv: pd.DataFrame, k: int, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """The month's invoices as extract columns (text) plus per-row metadata
    used for the truth and OIOUBL."""
    p = world.params
    sup = world.suppliers
    cit = world.citizens
    svc_name = world.services["service_name"].to_numpy()
    ep = world.episodes
    inv = inv.copy()
    for col in ("credits", "reminder", "extra_text", "orig_type"):
        if col not in inv:
            inv[col] = None
    template = p.template_from_month > 0 and k + 1 >= p.template_from_month
    n = len(inv)
    s_idx = inv["supplier"].to_numpy()
    prof = sup["profile"].to_numpy()[s_idx].copy()
    if template:
        adopts = sup["template_adopter"].to_numpy()[s_idx] & np.isin(prof, ["no_cpr", "no_period"])
        prof[adopts] = "column"
    style = sup["id_style"].to_numpy()[s_idx].astype(int).tolist()
    hyphen = (sup["date_style"].to_numpy()[s_idx] != 1).tolist()
    shows_name = sup["shows_name"].to_numpy()[s_idx].tolist()
    cvr = sup["cvr"].to_numpy()[s_idx].copy()
    cpr_of = cit["cpr"].to_numpy()
    name_of = cit["name"].to_numpy()
    service_of = svc_name[ep["service"].to_numpy()[inv["episode"].to_numpy()]].tolist()
    keying = inv["keying"].to_numpy().tolist()
    reminder = [isinstance(v, (bool, np.bool_)) and bool(v) for v in inv["reminder"]]
    cpr_modes = {"column": "column", "collective": "column", "text": "text", "no_period": "column", "no_cpr": "none"}
    period_modes = {"column": "column", "collective": "column", "text": "text", "no_period": "none", "no_cpr": "column"}
    cpr_cell = np.full(n, "", dtype=object)
    text = np.full(n, "", dtype=object)
    ps_shown = np.zeros(n, bool)
    rows = inv.itertuples(index=False)
    for i, r in enumerate(rows):
        cprs = [cpr_of[c] for c in r.citizens]
        shown = [_fmt_cpr(c, hyphen[i]) for c in cprs]
        cpr_mode = cpr_modes[prof[i]]
        period_mode = period_modes[prof[i]]
        if keying[i] == "bad_cpr":
            cpr_mode = "column"
            shown = [_typo_cpr(c) for c in cprs]
        elif keying[i] == "swapped_period":
            period_mode = "column"
        elif keying[i] == "bad_cvr":
            cvr[i] = _typo_cvr(cvr[i])
        parts = []
        if reminder[i] and rng.random() < 0.7:
            parts.append("Rykker:")
        parts.append(_main_text(r, service_of[i], style[i]))
        if period_mode == "text":
            parts.append(_period_text(r.period_start, r.period_end, style[i] % 3))
        ps_shown[i] = period_mode == "column"
        if cpr_mode == "column":
            cpr_cell[i] = ", ".join(shown)
        elif cpr_mode == "text":
            parts.append(("CPR " if style[i] % 2 else "cpr.nr. ") + ", ".join(shown))
        if cpr_mode == "none" or (shows_name[i] and len(cprs) == 1):
            parts.append(f"Borger: {name_of[r.citizens[0]]}")
        text[i] = ", ".join(parts)
    swapped = inv["keying"].to_numpy() == "swapped_period"
    pstart = np.where(ps_shown, inv["period_start"].to_numpy(), np.datetime64("NaT"))
    pend = np.where(ps_shown, inv["period_end"].to_numpy(), np.datetime64("NaT"))
    # a keying error: the end typed a year too early
    pend = np.where(swapped, pend - np.timedelta64(365, "D"), pend).astype("datetime64[D]")
    frame = pd.DataFrame(
        {
            "invoice_id": inv["invoice_id"].to_numpy(),
            "supplier_cvr": cvr,
            "amount": inv["amount"].to_numpy(),
            "cpr": cpr_cell,
            "period_start": pstart.astype("datetime64[D]"),
            "period_end": pend,
            "text": text,
            "invoice_date": inv["invoice_date"].to_numpy(),
            "supplier_name": sup["name"].to_numpy()[inv["supplier"].to_numpy()],
        }
    )
    return frame, {"blank_amount": inv["keying"].to_numpy() == "blank_amount"}


def write_invoice_csv(frame: pd.DataFrame, meta: dict, world: World, path: Path, danish: bool) -> None:
    out = frame.copy()
    blank_amount = meta["blank_amount"]
    if danish:
        amount = pd.Series(format_money_dk(out["amount"].to_numpy()), dtype=object)
        styles = world.suppliers["date_style"].to_numpy()
        sups = world.suppliers["cvr"].to_numpy()
        idx = pd.Index(sups).get_indexer(out["supplier_cvr"].to_numpy())
        style = np.where(idx >= 0, styles[np.maximum(idx, 0)], 1)
        prefix = np.where(idx >= 0, world.suppliers["cvr_prefix"].to_numpy()[np.maximum(idx, 0)], False)
        for col in ("period_start", "period_end", "invoice_date"):
            d = format_date_dk(out[col].to_numpy()).to_numpy(dtype=object)
            d = np.where(style == 0, np.char.replace(d.astype(str), ".", "-"), d)
            d = np.where(style == 2, np.char.replace(d.astype(str), ".", "/"), d)
            out[col] = d
        out["supplier_cvr"] = np.where(
            prefix & (out["supplier_cvr"] != ""), "DK" + out["supplier_cvr"].astype(str), out["supplier_cvr"]
        )
    else:
        amount = format_money(out["amount"].to_numpy()).astype(object)
        for col in ("period_start", "period_end", "invoice_date"):
            out[col] = format_date_iso(out[col].to_numpy()).to_numpy(dtype=object)
    amount[blank_amount] = ""
    out["amount"] = amount.to_numpy()
    if danish:
        out = out.rename(columns=INVOICE_HEADERS_DA)
        out.to_csv(path, sep=";", index=False, encoding="cp1252", errors="replace")
    else:
        out.to_csv(path, sep=",", index=False, encoding="utf-8")


def write_grants_csv(grants: pd.DataFrame, path: Path) -> None:
    out = grants.copy()
    out["rate"] = format_money_dk(out["rate"].to_numpy())
    out["rate_unit"] = out["rate_unit"].map(UNIT_DA)
    for col in ("start_date", "end_date"):
        out[col] = np.char.replace(format_date_dk(out[col].to_numpy()).to_numpy(dtype=str), ".", "-")
    out.rename(columns=GRANT_HEADERS_DA).to_csv(path, sep=";", index=False, encoding="utf-8-sig")


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
    import re
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
    """One invoice or credit note as OIOUBL 2.1."""
    credit = row["amount"] < 0
    root = "CreditNote" if credit else "Invoice"
    line = "CreditNoteLine" if credit else "InvoiceLine"
    qty = "CreditedQuantity" if credit else "InvoicedQuantity"
    amount = f"{abs(row['amount']) / MONEY_SCALE:.2f}"
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
        "</cac:Party></cac:AccountingCustomerParty>\n"
        + cpr_parties
        + f'  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="DKK">{amount}</cbc:PayableAmount></cac:LegalMonetaryTotal>\n'
        f'  <cac:{line}><cbc:ID>1</cbc:ID><cbc:{qty} unitCode="EA">1</cbc:{qty}>'
        f'<cbc:LineExtensionAmount currencyID="DKK">{amount}</cbc:LineExtensionAmount>'
        f"<cac:Item><cbc:Description>{escape(row['text'])}</cbc:Description><cbc:Name>{escape(row['text'][:40])}</cbc:Name></cac:Item>"
        f'<cac:Price><cbc:PriceAmount currencyID="DKK">{amount}</cbc:PriceAmount></cac:Price></cac:{line}>\n'
        f"</{root}>\n"
    )


def write_oioubl(frame: pd.DataFrame, meta: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    iso_ps = format_date_iso(frame["period_start"].to_numpy())
    iso_pe = format_date_iso(frame["period_end"].to_numpy())
    iso_d = format_date_iso(frame["invoice_date"].to_numpy())
    for i, r in enumerate(frame.itertuples(index=False)):
        if meta["blank_amount"][i]:
            continue  # an e-invoice always has an amount; the scanned paper one had none
        row = {
            "invoice_id": r.invoice_id,
            "supplier_cvr": r.supplier_cvr,
            "supplier_name": r.supplier_name,
            "amount": int(r.amount),
            "text": r.text,
            "period_start": iso_ps.iat[i],
            "period_end": iso_pe.iat[i],
            "invoice_date": iso_d.iat[i],
            "cpr_ids": [c.replace("-", "") for c in r.cpr.split(", ") if c] if r.cpr else [],
        }
        name = f"{i + 1:05d}-{r.supplier_cvr or 'ukendt'}-{r.invoice_id or 'uden-nummer'}.xml".replace("/", "-")
        (folder / name).write_text(oioubl_xml(row), encoding="utf-8")


def generate(world: World, out: Path, oioubl: bool = False, progress=None) -> dict:
    """Write the whole world into ``out``; returns counts per month."""
    out = Path(out)
    (out / "sensum").mkdir(parents=True, exist_ok=True)
    (out / "invoices").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([world.seed, 1])
    layout_rng = np.random.default_rng([world.seed, 2])
    months = Months(world, rng)
    truth = []
    counts = {}
    write_support_sheet(world, out / "stoetteark.xlsx")
    for k in range(world.months):
        label = world.month_label(k)
        write_grants_csv(months.sensum(k), out / "sensum" / f"grants-{label}.csv")
        inv = months.invoices(k)
        frame, meta = render_month(world, inv, k, rng)
        danish = layout_rng.random() < DANISH_LAYOUT_SHARE
        write_invoice_csv(frame, meta, world, out / "invoices" / f"invoices-{label}.csv", danish)
        if oioubl:
            write_oioubl(frame, meta, out / "oioubl" / label)
        truth.append(
            pd.DataFrame(
                {
                    "month": label,
                    "row": np.arange(1, len(inv) + 1),
                    "invoice_id": frame["invoice_id"],
                    "supplier_cvr": frame["supplier_cvr"],
                    "invoice_type": inv["invoice_type"],
                    "true_grant_id": inv["true_grant_id"].fillna(""),
                    "should_pay": np.where(inv["should_pay"].astype(bool), "true", "false"),
                    "true_psp_element": inv["true_psp_element"].fillna(""),
                    "true_art": inv["true_art"].fillna(""),
                    "cause": inv["cause"],
                }
            )
        )
        counts[label] = len(inv)
        if progress:
            progress(1)
    pd.concat(truth, ignore_index=True)[list(TRUTH_COLUMNS)].to_csv(out / "truth.csv", index=False)
    return counts
