"""Column names: the canonical name of every input and output column and the
Danish names accepted beside it. The one place they live."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    aliases: tuple[str, ...] = ()

    def accepted(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


#: the names of an invoice's or a line's period cells: the spec's, and those OPUS's own posting layout and
#: Danish exports use (``Ydelsesperiode fra``, ``Periode til og med``): a lines extract so headed had its
#: periods left unread, every line given the invoice's, and a February line paid as March (an attack on 0.9.37)
PERIOD_START_NAMES = ("Periode fra", "Periode fra og med", "Ydelsesperiode fra", "Ydelsesperiode fra og med")
PERIOD_END_NAMES = ("Periode til", "Periode til og med", "Ydelsesperiode til", "Ydelsesperiode til og med")

INVOICE_COLUMNS: tuple[Column, ...] = (
    Column("invoice_id", True, ("Fakturanummer", "Fakturanr", "Fakturanr.")),
    Column("supplier_cvr", True, ("CVR", "CVR-nr", "CVR-nr.", "Leverandør CVR")),
    Column("amount", True, ("Beløb",)),
    Column("cpr", False, ("CPR", "CPR-nr", "CPR-nr.", "Personnummer")),
    Column("period_start", False, PERIOD_START_NAMES),
    Column("period_end", False, PERIOD_END_NAMES),
    Column("text", False, ("Tekst", "Beskrivelse")),
    Column("invoice_date", False, ("Fakturadato",)),
    Column("supplier_name", False, ("Leverandør", "Leverandørnavn")),
    Column(
        "document_type",
        False,
        (
            "Dokumenttype",
            "Dokument type",
            "Document type",
            "Bilagstype",
            "DocumentType",
            "Dokumentart",
            "Bilagsart",
            "Fakturatype",
            "InvoiceTypeCode",
            "Invoice type code",
            "CreditNoteTypeCode",
        ),
    ),
    Column("currency", False, ("Valuta", "Valutakode", "Currency code")),
    Column("prepaid_amount", False, ("Forudbetalt", "Forudbetalt beløb", "A conto", "Aconto", "Prepaid")),
)

INVOICE_LINE_COLUMNS: tuple[Column, ...] = (
    Column("invoice_id", True, ("Fakturanummer", "Fakturanr", "Fakturanr.")),
    Column("supplier_cvr", True, ("CVR", "CVR-nr", "CVR-nr.", "Leverandør CVR")),
    Column("line_no", True, ("Linje", "Linjenr", "Linjenr.", "Linjenummer")),
    Column("cpr", False, ("CPR", "CPR-nr", "CPR-nr.", "Personnummer")),
    Column("amount", True, ("Beløb",)),
    Column("period_start", False, PERIOD_START_NAMES),
    Column("period_end", False, PERIOD_END_NAMES),
    Column("text", False, ("Tekst", "Beskrivelse")),
)

#: columns a lines file may hold beyond the spec's, read only to refuse a line
#: that is not a plain line of an invoice in DKK (the invoice's own cells say its
#: currency, type and prepayment): never ignored unread, never written
INVOICE_LINE_CHECKED: tuple[Column, ...] = tuple(
    c for c in INVOICE_COLUMNS if c.name in ("document_type", "currency", "prepaid_amount")
)

GRANT_COLUMNS: tuple[Column, ...] = (
    Column("grant_id", True, ("Bevilling", "Bevillings-ID", "Bevillings-id", "Bevillingsid")),
    Column("cpr", True, ("CPR", "CPR-nr", "CPR-nr.", "Personnummer")),
    Column("service_code", True, ("Ydelse", "Ydelseskode", "Indsats")),
    Column("service_name", False, ("Ydelsesnavn",)),
    Column("supplier_cvr", True, ("Leverandør CVR", "CVR", "CVR-nr")),
    Column("rate", True, ("Takst",)),
    Column("rate_unit", True, ("Takstenhed",)),
    Column("start_date", True, ("Startdato", "Bevilget fra")),
    Column("end_date", False, ("Slutdato", "Bevilget til")),
    # whether the grant is in force (:data:`~invoicekit.vocabulary.GRANT_VOID`): a grant Sensum marks cancelled,
    # refused or ended was paid on as any other (an attack on 0.9.38)
    Column("status", False, ("Status", "Bevillingsstatus", "Sagsstatus", "Tilstand")),
    Column("cancelled", False, ("Annulleret", "Annulleret?", "Afvist", "Slettet", "Cancelled")),
)

#: Sensum's paid marks (``--paid``): the grant periods marked paid, by the
#: robot or by hand; the robot's own ``sensum_paid.csv`` reads as one (its
#: ``amount`` is not read). ``cpr``, ``supplier_cvr`` and ``service_code``,
#: where all three are given, name the citizen's service without the grant
#: extract (a grant since deleted or registered again under a new id)
PAID_MARK_COLUMNS: tuple[Column, ...] = (
    Column("grant_id", True, ("Bevilling", "Bevillings-ID", "Bevillings-id", "Bevillingsid")),
    Column("period_start", True, ("Periode fra", "Betalt fra")),
    Column("period_end", True, ("Periode til", "Betalt til")),
    Column("invoice_id", False, ("Fakturanummer", "Fakturanr", "Fakturanr.")),
    Column("cpr", False, ("CPR", "CPR-nr", "CPR-nr.", "Personnummer")),
    Column("supplier_cvr", False, ("Leverandør CVR", "CVR", "CVR-nr")),
    Column("service_code", False, ("Ydelse", "Ydelseskode", "Indsats")),
    Column("amount", False, ("Beløb",)),
)

SERVICE_COLUMNS: tuple[Column, ...] = (
    Column("service_code", True, ("Ydelse", "Ydelseskode", "Indsats")),
    Column("paragraph", True, ("Paragraf", "§")),
    Column("target_group", True, ("Målgruppe",)),
)

SUPPLIER_COLUMNS: tuple[Column, ...] = (
    Column("supplier_cvr", True, ("Leverandør CVR", "CVR", "CVR-nr")),
    Column("ownership", True, ("Ejerforhold",)),
)

CODING_COLUMNS: tuple[Column, ...] = (
    Column("paragraph", True, ("Paragraf", "§")),
    Column("ownership", True, ("Ejerforhold",)),
    Column("target_group", True, ("Målgruppe",)),
    Column("psp_element", True, ("PSP-element", "PSP element", "PSP")),
    Column("art", True, ("Art", "Artskonto")),
    Column("valid_from", True, ("Gyldig fra", "Gyldig fra og med")),
    # required as a column (its cells may be blank: open), so that a header not
    # recognised can never make every coding row open-ended unseen
    Column("valid_to", True, ("Gyldig til", "Gyldig til og med")),
)

#: the sheets of the support sheet and the names accepted for each
SUPPORT_SHEETS: dict[str, tuple[str, tuple[Column, ...]]] = {
    "services": ("Ydelser", SERVICE_COLUMNS),
    "suppliers": ("Leverandører", SUPPLIER_COLUMNS),
    "coding": ("Kontering", CODING_COLUMNS),
}

DECISION_COLUMNS: tuple[str, ...] = (
    "row",
    "invoice_id",
    "supplier_cvr",
    "cpr_masked",
    "amount",
    "status",
    "reason",
    "grant_id",
    "expected_amount",
    "paragraph",
    "psp_element",
    "art",
    "message",
)

#: ``decision_lines.csv``: one row per line of an invoice decided line by line
DECISION_LINE_COLUMNS: tuple[str, ...] = (
    "row",
    "line_no",
    "cpr_masked",
    "amount",
    "status",
    "reason",
    "grant_id",
    "expected_amount",
    "psp_element",
    "art",
)

#: the amounts of ``decisions.csv``, ``decision_lines.csv`` and ``evaluation.csv`` (DKK, as the
#: spec writes them) and the columns of the typed tables they are written from
#: (:class:`~invoicekit.decide.Decisions`, its lines and postings, the journal, an evaluation
#: against a posting history): whole øre, integers (pandas ``Int64``, blank where there is none).
#: Numbers stay numbers until a writer formats them, with the unit in the name, so that no
#: reader takes øre for kroner
IN_ORE: dict[str, str] = {
    "amount": "amount_ore",
    "expected_amount": "expected_amount_ore",
    "true_amount": "true_amount_ore",  # an evaluation's against a posting history (evaluation.csv)
}


def typed_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    """A file's columns as its typed table holds them: the amounts in øre (:data:`IN_ORE`)."""
    return tuple(IN_ORE.get(c, c) for c in columns)


#: the decisions' columns as :class:`~invoicekit.decide.Decisions` holds them (first)
TYPED_DECISION_COLUMNS = typed_columns(DECISION_COLUMNS)
#: the decision lines' columns as ``Decisions.lines`` holds them
TYPED_LINE_COLUMNS = typed_columns(DECISION_LINE_COLUMNS)

OPUS_POSTING_COLUMNS: tuple[str, ...] = (
    "Artskonto",
    "PSP-element",
    "Beløb",
    "Tekst",
    "Ydelsesmodtagernr.",
    "Ydelsesmodtagernr.kode",
    "Ydelsesperiode fra",
    "Ydelsesperiode til",
    "Fakturanummer",
    "Leverandør CVR",
    "Bogføringsdato",
)

#: a posting history: an OPUS export of posted supplier invoices (what the
#: specialists posted), read as the truth by ``invoicekit evaluate --history``;
#: the robot's own ``opus_postings.csv`` has these headers too. The first
#: Danish name of each is OPUS's own (the synthetic municipality writes it)
POSTING_HISTORY_COLUMNS: tuple[Column, ...] = (
    Column("invoice_id", True, ("Fakturanummer", "Fakturanr", "Fakturanr.", "Faktura nr.")),
    Column("supplier_cvr", True, ("Leverandør CVR", "Leverandør CVR-nr", "CVR", "CVR-nr", "CVR-nr.")),
    Column("amount", True, ("Beløb", "Beløb DKK", "Beløb (DKK)")),
    Column("psp_element", True, ("PSP-element", "PSP element", "PSP")),
    Column("art", True, ("Artskonto", "Art")),
    Column("posting_date", False, ("Bogføringsdato", "Bogført dato", "Posteringsdato")),
    Column("text", False, ("Tekst", "Posteringstekst")),
)

OPUS_NOTE_COLUMNS: tuple[str, ...] = ("invoice_id", "supplier_cvr", "note")
SENSUM_PAID_COLUMNS: tuple[str, ...] = (
    "grant_id",
    "period_start",
    "period_end",
    "invoice_id",
    "amount",
)
PROBLEM_COLUMNS: tuple[str, ...] = ("file", "row", "column", "problem")


def header_key(name: object) -> str:
    """How header names are compared: case-insensitively after trimming."""
    return " ".join(str(name).split()).casefold()


#: words in a header the robot does not read that say the column may hold
#: what decides whether an invoice may be paid in full: a currency, a
#: prepayment, the kind of document (compared as :func:`header_key` compares;
#: a date column, such as a bank's *valutadato*, is not one)
PAYMENT_HINTS = ("valuta", "currency", "møntsort", "forudbet", "prepa", "a conto", "aconto", "a-conto", "dokumenttype",
                 "document type", "document_type", "documenttype", "bilagstype", "bilagsart", "dokumentart", "fakturatype",
                 "typecode", "type code", "kreditnota", "credit note", "creditnote", "credit_note")  # fmt: skip
_DATE_WORDS = ("dato", "date")


def unread_columns(headers: object, columns: tuple[Column, ...]) -> tuple[str, ...]:
    """The headers that no column of ``columns`` accepts: read by nothing."""
    accepted = {header_key(a) for c in columns for a in c.accepted()}
    return tuple(str(h) for h in headers if header_key(h) not in accepted)


def end_date_columns(headers: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``headers`` that look as if they hold an end date (a word
    ``til``, ``end`` or ``to``, or one beginning ``slut``, ``ophør``,
    ``udløb`` or ``afslut``; none beginning ``fra``, ``start`` or ``from``):
    ``Bevilget til og med``, ``Slutdato (inkl.)``, ``Ophørsdato``."""
    found = []
    for h in headers:
        words = _period_words(h)
        if any(w in ("fra", "from") or w.startswith("start") for w in words):
            continue
        if any(w in ("til", "end", "to") or w.startswith(("slut", "ophør", "udløb", "afslut")) for w in words):
            found.append(h)
    return tuple(found)


#: what a header names a date of, which a word of its start or end may be glued to in one word (``PeriodeFra``,
#: ``fradato``, ``YdelseTil``, ``PeriodTo``)
_DATED_STEMS = ("periode", "period", "dato", "date", "ydelse", "ydelses", "ydelsesperiode", "leveret", "levering",
                "bevilget", "bevilling")  # fmt: skip
_GLUED = ("fra", "til", "from", "to")
_CAMEL = re.compile(r"(?<=[^\W\d_])(?<![A-ZÆØÅ])(?=[A-ZÆØÅ])")


def _period_words(header: object) -> list[str]:
    """A header's words, case folded: also where they are written in one (``PeriodeFra``, ``FraDato``,
    ``periodefra``: a lines extract's period columns so named were read by nothing and passed the guards
    below, and a February line was paid as the invoice's March, an attack on 0.9.39)."""
    words = []
    for w in re.findall(r"[^\W\d_]+", _CAMEL.sub(" ", str(header))):
        w = w.casefold()
        glued = next(
            (
                [w[: -len(a)], a] if w.endswith(a) else [a, w[len(a) :]]
                for a in _GLUED
                if (w.endswith(a) and w[: -len(a)] in _DATED_STEMS) or (w.startswith(a) and w[len(a) :] in _DATED_STEMS)
            ),
            None,
        )
        words += glued or [w]
    return words


def _names_a_period(words: list[str]) -> bool:
    """A header's words that say it is of the period: a word beginning ``period`` (``Periode``,
    ``Ydelsesperiode``, ``Periodestart``), or ``første``/``sidste`` with ``dag``."""
    return any(w.startswith("period") or "periode" in w for w in words) or (
        "dag" in words and ("første" in words or "sidste" in words)
    )


#: words of an invoice's handling, not of its period: a date so named (``Modtaget fra leverandør``,
#: ``Sendt til attestation``, ``Godkendt til betaling``) is none (a review of 0.9.38's first version)
HANDLING_WORDS = ("modtag", "send", "godkend", "attest", "betal", "bogfør", "oprett", "registr", "forfald",
                  "udstedt", "scann", "import", "ændr", "rykk", "behandl")  # fmt: skip
#: … and of a grant's payment, beside them (``Udbetalt til``, ``Afregnet til``, ``Faktureret til``: how far it was
#: paid, no end of the grant: a review of 0.9.39's first version refused an extract for one). Not for an
#: invoice's period, which ``Fakturaperiode fra`` or ``Afregningsperiode`` may name
GRANT_HANDLING_WORDS = (*HANDLING_WORDS, "udbetal", "afregn", "faktur")


def _of_handling(words: list[str], stems: tuple[str, ...] = HANDLING_WORDS) -> bool:
    return any(w.startswith(stems) for w in words)


def of_grant_handling(header: object) -> bool:
    """Whether a header of a grant extract names a date or state of handling (:data:`GRANT_HANDLING_WORDS`:
    ``Betalt til``, ``Udbetalt til og med``, ``Betalingsstatus``), not of the grant itself."""
    return _of_handling(_period_words(header), GRANT_HANDLING_WORDS)


def period_start_columns(headers: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``headers`` that look as if they hold an invoice's or a line's first day: a word of a
    start (``fra``, ``from``, ``første``, one beginning or ending ``start``, one beginning ``begynd``),
    and none of the invoice's handling (:data:`HANDLING_WORDS`): ``Ydelsesperiode fra``,
    ``Periodestart``, ``Første dag``, ``Leveret fra``, ``Fra dato``, ``Startdato``; not ``Modtaget
    fra leverandør`` (reviews of 0.9.38's first versions: handling dates were refused as periods, then
    ``Fra dato``/``Leveret fra`` were let through and a line's period was the invoice's)."""
    found = []
    for h in headers:
        words = _period_words(h)
        if _of_handling(words):
            continue
        if any(
            w in ("fra", "from", "første") or w.startswith(("start", "begynd")) or w.endswith("start") for w in words
        ):
            found.append(h)
    return tuple(found)


def period_end_columns(headers: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``headers`` that look as if they hold an invoice's or a line's last day
    (:func:`period_start_columns`, its end: ``til``, ``to``, ``sidste``, a word beginning ``slut``,
    ``ophør``, ``udløb`` or ``afslut``, or ending ``slut`` or ``end``), none of its handling."""
    starts = set(period_start_columns(headers))
    found = []
    for h in headers:
        words = _period_words(h)
        if _of_handling(words) or h in starts:
            continue
        if any(
            w in ("til", "to", "sidste")
            or w.startswith(("slut", "ophør", "udløb", "afslut"))
            or w.endswith(("slut", "end"))
            for w in words
        ):
            found.append(h)
    return tuple(found)


def period_range_columns(headers: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``headers`` named for the period alone, neither its start nor its end
    (``Periode``, ``Ydelsesperiode``): a column that may hold the period as a range."""
    starts, ends = set(period_start_columns(headers)), set(period_end_columns(headers))
    return tuple(h for h in headers if h not in starts and h not in ends and _names_a_period(_period_words(h)))


def payment_columns(headers: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``headers`` that look as if they hold a currency, a
    prepayment or the kind of document (:data:`PAYMENT_HINTS`)."""
    keys = {h: header_key(h) for h in headers}
    return tuple(
        h for h, k in keys.items() if any(w in k for w in PAYMENT_HINTS) and not any(w in k for w in _DATE_WORDS)
    )
