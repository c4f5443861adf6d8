"""The words the robot and its reports share, each defined once: the
paragraphs of the Social Services Act, Excel's error values, rate units, document types, ownership, what a CPR number looks like
and how it is masked, the truth columns of a synthetic world, and the month a
run belongs to.

A leaf: it imports nothing from invoicekit, so any module may use it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zoneinfo
from pathlib import Path

# ---------------------------------------------------------------- paragraphs


#: a part of a paragraph, not a paragraph: a subsection or several (``stk. 2``,
#: ``stk. 1-2``, ``stk. 1 og 2``), a number, a sentence (``1. pkt.``, ``pkt. 2``)
_PART = re.compile(r"(?i)\b(?:stk|nr|pkt|litra)\.?\s*\d+(?:\s*(?:-|–|og|,)\s*\d+)*|\b\d+\.\s*pkt\b\.?")
#: a paragraph sign and the number after it, and the numbers listed after it
#: (``§§ 107/108``, ``§ 107 og 108``, ``§ 107 el. 108``)
_SIGNED = re.compile(r"(?i)(§+)\s*(\d+)((?:\s*(?:/|,|\bog\b|\beller\b|\bel\.|\+|&|-|–)\s*\d+)*)")


#: the most digits a paragraph's number has (Serviceloven's and Barnets Lovs run to three)
MAX_PARAGRAPH_DIGITS = 3


def normalise_paragraph(value: object) -> str:
    """``§ 107``, ``SEL §107``, ``107``, ``§ 107 stk. 2`` → ``107``; ``stu`` →
    ``STU``. Where a ``§`` is written, the number right after each ``§``
    counts, and the text around it does not (``SEL 2019 § 107``, ``§ 108 - 24
    timers botilbud``, ``§ 104, 2. pkt.`` are § 107, 108, 104). A text naming
    more than one paragraph (``§§ 107/108``, ``§ 107/108``, ``§ 107 og 108``,
    ``tidl. § 91, nu § 108``, ``§ 103 (STU-lignende)``) gives ``""``, as one
    that names none: nothing says which holds; so does a number of more than
    :data:`MAX_PARAGRAPH_DIGITS` digits."""
    text = str(value).strip()
    if not text:
        return ""
    text = _PART.sub(" ", text)
    if "§" in text:
        named = set()
        for signs, first, listed in _SIGNED.findall(text):
            named.add(str(int(first)))
            # after §§ every number listed is a paragraph; after one § a number of as many
            # digits too (§ 107/108, § 107 og 108 were read as § 107), a shorter one is none
            # (§ 108 - 24 timers, § 104, 2. pkt.)
            named.update(str(int(n)) for n in re.findall(r"\d+", listed) if len(signs) > 1 or len(n) >= len(first))
    else:
        named = {str(int(n)) for n in re.findall(r"\d+", text)}
    if any(len(n) > MAX_PARAGRAPH_DIGITS for n in named):
        # no law the robot pays under has a § of four digits: such a number is something else pasted in (a CPR
        # number's leading zero dropped, 0101401234 shown as § 101401234 in messages and reports: an attack)
        return ""
    if re.search(r"(?i)\bstu\b", text):
        named.add("STU")
    # none (SEL, Serviceloven): read as the text itself until 0.9.27, a coding row of paragraph "SEL" was kept
    # and held nothing back, where one of § 107/108 did
    return named.pop() if len(named) == 1 else ""


#: the paragraph of a service the support sheet does not name for certain (a row of it left out, or its
#: spellings naming two paragraphs): a payment of it may have been under any paragraph
#: (:meth:`~invoicekit.extracts.SupportSheet.service_paragraphs`)
ANY_PARAGRAPH = "*"


# ---------------------------------------------------------------- spreadsheet cells

#: an end date that means none: 31 December 9999, as SAP-based systems write
#: an open end as SAP-based systems write one: 31 December 9999 (ISO, Danish
#: or compact ``99991231``, or a workbook's date cell with its time; dates do
#: not read year 9999) or SAP's initial date, no date at all (``00.00.0000``,
#: ``0000-00-00``, ``00000000``)
NO_END_DATE_RE = (
    r"\s*(?:9999-?12-?31|31[-./]12[-./]9999|0000-?00-?00|00[-./]00[-./]0000)"
    # with any time of the day (an export's 23:59:59, its fractions and zone too: until 0.9.37 only midnight,
    # and the same Sensum export read open-ended from a workbook and refused as CSV)
    r"(?:[ T](?:[01][0-9]|2[0-4])[:.][0-5][0-9](?:[:.][0-5][0-9](?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?\s*"
)

#: Excel's error values, as a cell that holds one is read (``#N/A`` of a
#: lookup that found nothing, ``#REF!`` of a deleted reference): never a value
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!",
     "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!", "#EXTERNAL!", "#PYTHON!"}
)  # fmt: skip


# ---------------------------------------------------------------- a grant's status

#: a grant's status, read (:func:`grant_standing`): it holds; it holds to its end date; it never holds (cancelled,
#: refused, deleted: left out and listed, holding nothing back); or no word known says (left out, holding back)
IN_FORCE, ENDED, VOID, UNKNOWN = "in force", "ended", "void", "unknown"
#: the stems (case folded) of a status's words that say the grant never holds
GRANT_VOID = ("annull", "afslå", "afslag", "afvis", "afvist", "slet", "tilbagekald", "tilbagetrukk", "ophævet",
              "fejlregistr", "henlagt", "bortfald", "cancel", "reject", "void", "delet", "withdrawn")  # fmt: skip
#: … that say it has ended: it holds up to its end date, and is left out (holding its citizen's invoices back)
#: where it has none
GRANT_ENDED = ("afslut", "ophør", "lukket", "udløb", "stop", "ended", "closed", "expired")
#: the words, whole, that say it is in force, and those that may stand beside them; a status with any other word
#: (``Bevilget - opsagt``, ``Til godkendelse``, ``Afsluttet 28.02.2019``) is none the robot can read (a review of
#: 0.9.39's first versions: stems in any word read ``Sendt til godkendelse`` as approved)
GRANT_IN_FORCE = frozenset(
    ("bevilget", "bevilliget", "bevilling", "genbevilget", "aktiv", "aktivt", "aktiveret", "aktuel", "godkendt",
     "igangværende", "igangsat", "løbende", "gældende", "visiteret", "åben", "forlænget", "midlertidig",
     "midlertidigt", "foreløbig", "foreløbigt", "revurderet", "revurdering", "kraft", "active", "approved",
     "granted", "open", "current")
)  # fmt: skip
GRANT_NEUTRAL = frozenset(("i", "under", "og", "ny", "nyt", "in", "force"))
#: … and the stems of words that deny whatever they stand beside (``Ikke aktiv``, ``Ej bevilget``,
#: ``Ikke annulleret``): such a status is none the robot can read
GRANT_DENIED = ("ikke", "ej", "not", "non", "afvent", "ansøg", "pending")
_STATUS_WORD = re.compile(r"[^\W_]+")


def grant_standing(status: str) -> str:
    """What a grant's status says (:data:`IN_FORCE`, :data:`ENDED`, :data:`VOID` or :data:`UNKNOWN`), read word by
    word, case aside: blank is in force; a word that denies (:data:`GRANT_DENIED`) makes it unknown; then a word
    of :data:`GRANT_VOID` makes it void; a status of the words of :data:`GRANT_ENDED`, :data:`GRANT_IN_FORCE` and
    :data:`GRANT_NEUTRAL` alone is ended where one says so, else in force where one says so; any other word makes
    it unknown."""
    words = _STATUS_WORD.findall(unicodedata.normalize("NFC", str(status)).casefold())
    if not words:
        return IN_FORCE
    if any(w.startswith(GRANT_DENIED) for w in words):
        return UNKNOWN
    if any(w.startswith(GRANT_VOID) for w in words):
        return VOID
    ended = [w.startswith(GRANT_ENDED) for w in words]
    if not all(e or w in GRANT_IN_FORCE or w in GRANT_NEUTRAL for w, e in zip(words, ended, strict=True)):
        return UNKNOWN
    if any(ended):
        return ENDED
    return IN_FORCE if any(w in GRANT_IN_FORCE for w in words) else UNKNOWN


#: a cancelled flag's cells (``Annulleret``: ``Ja``/``Nej``) that say yes, and those that say no
FLAG_YES = ("ja", "j", "x", "1", "sand", "true", "yes", "y")
FLAG_NO = ("nej", "n", "0", "falsk", "false", "no", "")


# ---------------------------------------------------------------- rate units

#: the units a grant's rate may be paid by whose share of a period is fixed, in the order their codes
#: run (:func:`invoicekit.amounts.unit_codes`): an invoice of them has an expected amount
FIXED_RATE_UNITS = ("day", "week", "month", "year")
#: every rate unit, in that order: the fixed ones, then an hour (no expected amount: no fixed number of hours)
RATE_UNIT_ORDER = (*FIXED_RATE_UNITS, "hour")
#: how a grant's rate unit may be written (lower case) → the unit
RATE_UNITS: dict[str, str] = {
    name: unit
    for unit, names in {
        "day": ("day", "daily", "dag", "døgn", "døgn/dag", "dag/døgn", "dagtakst", "døgntakst", "pr. dag", "pr. døgn"),
        "week": ("week", "weekly", "uge", "ugetakst", "pr. uge"),
        "month": ("month", "monthly", "måned", "md", "md.", "mdr", "mdr.", "månedstakst", "pr. måned", "pr. md."),
        "year": ("year", "yearly", "annual", "år", "årstakst", "pr. år"),
        "hour": ("hour", "hourly", "time", "timer", "timetakst", "pr. time"),
    }.items()
    for name in names
}
#: the currency of an e-invoice that names none anywhere: ISO 4217's code for "no currency".
#: Both syntaxes require the document's currency (UBL's DocumentCurrencyCode, CII's
#: InvoiceCurrencyCode, EN 16931's BT-5); written blank, the robot took it for DKK and posted a
#: German invoice of no stated currency (an attack on 0.9.21)
NO_CURRENCY = "XXX"

#: what convert writes in a blank period cell (the start's, if blank) where the text, cut to fit a
#: cell, would give the robot a period the whole text does not give: a date the robot cannot read,
#: so it reads no period from the text (MISSING_PERIOD, its message quoting this); not counted as a
#: date misread when the readers weigh whether a whole file's dates were exported wrongly
MANY_PERIODS = "(flere perioder i teksten)"
#: what convert writes before a line's date that is no ISO date (``01/02/2019``: the 2nd of January in
#: the US, the 1st of February read day first; a month alone, ``201902``), the date as written after
#: it, closed by ``)``: words the robot cannot read as a date, so that the line is not paid on the
#: invoice's period, as a blank line period would be; not counted as a date misread either
NOT_ISO_DATE = "(ikke en ISO-dato: "


def not_iso_date(written: str) -> str:
    """A line's date that is no ISO date, as convert writes it (:data:`NOT_ISO_DATE`)."""
    return f"{NOT_ISO_DATE}{written})"


#: what convert writes after an e-invoice's amount where the robot must not pay it (a cell the robot
#: reads as no amount, INVALID_AMOUNT), and the message then says why: one citizen's invoice whose
#: line is for a period outside the invoice's; whose line naming no citizen is for a period no line
#: naming the citizen has; whose lines add up to another amount
LINE_PERIOD_NOTE = "linjens periode:"
UNNAMED_LINE_NOTE = "linje uden CPR for"
LINES_TOTAL_NOTE = "linjerne:"
#: and one with allowances or charges on the whole document, not on a line: what each citizen's line is
#: owed is not told (an allowance for one citizen offset by a charge for another left the lines adding
#: up, and each line was posted as written: an attack on 0.9.35)
ADJUSTED_NOTE = "fradrag og tillæg på hele fakturaen:"
#: and one to be paid to another party than the supplier (a factored invoice, *overdraget*): its CVR
#: number (``?`` for none), as the document names the payee (posted to the supplier until 0.9.37)
PAYEE_NOTE = "betales til:"
_ISO_OR_NONE = r"(?:\d{4}-\d{2}-\d{2}|\?)"
#: an ISO day in digits 0-9, as a workbook's date cell is read: an identifier Excel made a date reads so
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: a decimal, or one a message shows with its digits from the sixth on x-ed (a figure that may be a CPR number)
_DECIMAL = r"-?[\dx]+(?:\.[\dx]+)?"
#: an amount cell as convert writes it with one of those notes
AMOUNT_NOTE = re.compile(
    rf"(?P<amount>{_DECIMAL}) \((?:(?P<kind>{LINE_PERIOD_NOTE}|{UNNAMED_LINE_NOTE}) "
    rf"(?P<start>{_ISO_OR_NONE}) til (?P<end>{_ISO_OR_NONE})|{LINES_TOTAL_NOTE} (?P<total>{_DECIMAL})"
    rf"|{ADJUSTED_NOTE} (?P<allowances>{_DECIMAL}) og (?P<charges>{_DECIMAL})"
    rf"|{PAYEE_NOTE} CVR (?P<payee>[0-9]{{8}}|\?))\)",
    re.ASCII,  # digits 0-9 alone: a cell of other digits is no note convert wrote
)


def amount_noted(amount: object, note: str, *parts: object) -> str:
    """An amount with one of convert's notes (:data:`AMOUNT_NOTE`): a period's
    start and end (``?`` for none), the lines' total, the allowances' and the
    charges' totals on the whole document, or the payee's CVR number."""
    if note == LINES_TOTAL_NOTE:
        return f"{amount} ({note} {parts[0]})"
    if note == ADJUSTED_NOTE:
        return f"{amount} ({note} {parts[0]} og {parts[1]})"
    if note == PAYEE_NOTE:
        return f"{amount} ({note} CVR {parts[0] or '?'})"
    start, end = parts
    return f"{amount} ({note} {start or '?'} til {end or '?'})"


#: the unit as a caseworker reads it
RATE_UNIT_NAMES_DA = {"day": "døgn/dag", "week": "uge", "month": "måned", "year": "år", "hour": "time"}

# ---------------------------------------------------------------- documents

#: the ``document_type`` of an invoice and of a credit note; any other type read is ``other``
INVOICE, CREDIT_NOTE = "invoice", "credit_note"
#: the document types the readers take, keyed by :func:`document_type_key`; any other is neither
#: (Kreditnote as well: Danish systems write both)
DOCUMENT_TYPES: dict[str, str] = {
    **dict.fromkeys(("invoice", "faktura", "380"), INVOICE),
    **dict.fromkeys(("creditnote", "kreditnota", "kreditnote", "381"), CREDIT_NOTE),
}
#: the codes of currencies other than the krone that an extract or a number format may write out (a quoted word of
#: three letters in a number format is otherwise a unit, ``"stk"``, ``"dgn"``)
CURRENCY_CODES = frozenset(
    ("EUR", "SEK", "NOK", "ISK", "USD", "GBP", "CHF", "PLN", "CZK", "HUF", "JPY", "CNY", "CAD", "AUD", "NZD", "RUB",
     "TRY", "INR", "BRL", "ZAR", "HKD", "SGD", "RON", "BGN", "UAH")
)  # fmt: skip
#: how the krone may be written where a currency is (a currency column, a number format's code; a review of
#: 0.9.39's first version: one ``DKR`` made a column no currency column, and a euro invoice beside it was posted
#: as kroner)
KRONE_SAID = frozenset({"DKK", "DKR", "KR", "KR.", "KRONER"})
#: what a cell says of a document that is a credit note, anywhere in it (case folded): ``Kreditnota``,
#: ``Kreditnota.``, ``Købskreditnota`` (Business Central), ``Credit note``, ``Credit memo`` (SAP), ``Kreditering``
CREDIT_NOTE_SAID = re.compile(r"kredit\s*-?\s*not[ae]|credit\s*-?\s*(?:note|memo)|kreditering")
#: what a document type is read without: case, white space, dashes and underscores
_DOCUMENT_TYPE_IGNORED = re.compile(r"[\s_\-]+")


def document_type_key(text: str) -> str:
    """A document type as the readers look it up in :data:`DOCUMENT_TYPES` (``Kredit-nota`` → ``kreditnota``)."""
    return _DOCUMENT_TYPE_IGNORED.sub("", text.casefold())


# ---------------------------------------------------------------- ownership

#: the supplier's ownership (*ejerforhold*) → how a caseworker reads it. Beside
#: the spec's four, the municipality itself and another municipality: the
#: chart of accounts tells them apart (ownership code 1 and 3), so a sheet
#: that writes ``egen kommune`` and ``anden kommune`` means two things, and
#: each matches only itself (neither matches ``kommunal``)
OWNERSHIP_DA = {
    "municipal": "kommunal",
    "own_municipality": "egen kommune",
    "other_municipality": "anden kommune",
    "regional": "regional",
    "private": "privat",
    "state": "statslig",
}
#: how an ownership may be written in the support sheet (lower case) → the ownership
OWNERSHIP: dict[str, str] = {
    name: ownership
    for ownership, names in {
        "municipal": ("municipal", "kommunal", "kommune"),
        "own_municipality": ("own_municipality", "own municipality", "egen kommune"),
        "other_municipality": ("other_municipality", "other municipality", "anden kommune"),
        "regional": ("regional", "region"),
        "private": ("private", "privat", "selvejende", "privat/selvejende", "selvejende/privat"),
        "state": ("state", "statslig", "stat", "staten"),
    }.items()
    for name in names
}

# ---------------------------------------------------------------- CPR numbers

#: every dash: Unicode's ``Pd`` (the hyphen-minus, Word's en dash, a non-breaking hyphen …; Unicode 14, which
#: tests/test_vocabulary.py holds against unicodedata) and the minus sign. Listed: found by scanning every code
#: point, it cost 70 ms of every command's start
DASH_CHARS = frozenset(
    chr(c)
    for c in (0x2D, 0x58A, 0x5BE, 0x1400, 0x1806, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2E17,
              0x2E1A, 0x2E3A, 0x2E3B, 0x2E40, 0x2E5D, 0x301C, 0x3030, 0x30A0, 0xFE31, 0xFE32, 0xFE58, 0xFE63,
              0xFF0D, 0x10EAD, 0x2212)
)  # fmt: skip
_CPR_DASH = "".join(re.escape(c) for c in sorted(DASH_CHARS))
#: the spaces that stand between a CPR number's birth date and its sequence number: a space, a tab, a no-break space
_CPR_SPACE = "[ \t\u00a0\u202f]"
#: a CPR number as read from an invoice's text: ten digits, the birth date and the sequence number joined by
#: nothing, a hyphen, any other dash (Word's en dash) or spaces (``620585 2345``, ``620585 – 2345``): read
#: as a hyphen alone (the spec's ``\d{6}-?\d{4}``), a citizen written so beside another was passed over
#: and the invoice paid on the other's grant (an attack on 0.9.36)
CPR_PATTERN = re.compile(rf"(?<!\d)\d{{6}}(?:{_CPR_SPACE}*[{_CPR_DASH}]{_CPR_SPACE}*|{_CPR_SPACE}+)?\d{{4}}(?!\d)")
#: a CPR number as a word of free text (the type mapping's text features)
CPR_WORD = r"\b\d{6}-?\d{4}\b"
#: the same for RE2 (pyarrow), which has no look-around: count the loose form,
#: extract the bounded one (the boundary matched as a character)
_CPR_JOIN_RE2 = r"(?:[ \t\x{a0}\x{202f}]*[\p{Pd}\x{2212}][ \t\x{a0}\x{202f}]*|[ \t\x{a0}\x{202f}]+)?"
CPR_LOOSE_RE2 = rf"\d{{6}}{_CPR_JOIN_RE2}\d{{4}}"
CPR_BOUNDED_RE2 = rf"(?:^|\D)(?P<cpr>\d{{6}}{_CPR_JOIN_RE2}\d{{4}})(?:\D|$)"


def cpr_digits(found: str) -> str:
    """A CPR number :data:`CPR_PATTERN` found, its digits alone."""
    return re.sub(r"\D", "", found)


#: Unicode's default-ignorable code points (DerivedCoreProperties), as ranges:
#: what an invoice number's key leaves out (:mod:`invoicekit.keys`) and
#: masking reads a text without
IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
#: the same, an RE2 character class
IGNORABLE_RE2 = "[" + "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in IGNORABLE) + "]"


def is_ignorable(ch: str) -> bool:
    """Whether a character is one of :data:`IGNORABLE`."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in IGNORABLE)


#: beside them, the controls that are not space and the other format characters
_CONTROLS = (
    (0x00, 0x08), (0x0E, 0x1B), (0x7F, 0x9F), (0x0600, 0x0605), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0xFFF9, 0xFFFB),
)  # fmt: skip
#: and the common combining marks (a mark on a digit hides nothing from a reader of a number; on a letter it
#: may make another letter: O and a long solidus is Ø)
_COMBINING = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
_HIDDEN_TOO = (*_CONTROLS, *_COMBINING)
#: characters nobody sees in a name (controls, format characters, Unicode's default-ignorables), the
#: combining marks kept: how the support sheet's service codes and target groups are read
#: (:func:`~invoicekit.keys.sheet_keys`)
UNSEEN = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in (*_CONTROLS, *IGNORABLE)) + "]")
#: characters a reader does not see (controls, format characters such as the
#: zero-width space, word joiner, soft hyphen and direction marks, Unicode's
#: default-ignorables and the common combining marks): masking reads a text
#: without them, as a person sees it
CPR_INVISIBLE = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in (*_HIDDEN_TOO, *IGNORABLE)) + "]")
#: what masking treats as a CPR number (in a text read without
#: :data:`CPR_INVISIBLE`): DDMMYY and SSSS in digits of any script, the birth
#: date whole or in pairs apart, the parts joined by nothing, by spaces and dashes
#: (``01 01 40 1234``, ``010140 - 1234``) or by one ``.`` or ``/`` (spaces
#: beside it, and the characters NFKC makes a digit, ``.`` or ``/``, read as
#: such: :data:`DIGIT_LIKE`, :data:`DOT_LIKE`); broader
#: than what is read as a CPR number, and at least what the invoice key reads
#: as ten digits in a row
CPR_LIKE_SEPARATORS = (
    "\\s\\-\u00ad"
    # every dash (Unicode's Pd) and the other characters with the Dash property: the invoice key removes them
    "\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32"
    "\ufe58\ufe63\uff0d\U00010ead\u02d7\u2053\u207b\u208b\u2212\u2796"
    # and the lines and bullets the CPR column reads past as dashes (python-stdnum's compact: ``610180⁃1234``
    # was posted as 6101801234 and shown in full elsewhere, an attack on 0.9.23)
    "\u180a\u2043\u23af\u23ba-\u23bd\u23e4"
)
_SEPARATED = f"[{CPR_LIKE_SEPARATORS}]+"
#: characters that are no digits but that Unicode's NFKC makes one (the
#: superscript, subscript and circled digits ``¹``, ``₁``, ``①``): the invoice
#: key (:mod:`invoicekit.keys`) reads them as digits, so masking does too
DIGIT_LIKE = "\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u24ea"
#: the one ``.`` or ``/`` that may join the birth date and the sequence number,
#: and the characters NFKC makes one of them (full-width, small, the one dot leader)
DOT_LIKE = "./\u2024\ufe52\uff0e\uff0f"
#: beside :data:`DOT_LIKE`, the other single marks that may join the birth date
#: and the sequence number where no date is written (``200190,1234``,
#: ``150190:1234``, ``250190+1234``, ``260190#1234``, ``210190'1234``,
#: ``010190·1234``, ``010190、1234``; masked since 0.9.13): every character NFKC
#: makes one of them (the invoice key reads a number so normalised; a test holds
#: the list to that), the typographic apostrophes and the bullets
JOIN_LIKE = DOT_LIKE + (
    "#'+,:\u00b7\u0387\u207a\u208a\u3001\ufb29\ufe10\ufe11\ufe13\ufe50\ufe51\ufe55\ufe5f\ufe62"
    "\uff03\uff07\uff0b\uff0c\uff1a\uff64"
    "\u2018\u2019\u02bc\u2022\u2219\u22c5\u30fb\uff65"
    # the spacing accents and the like that NFKC makes a space and a combining mark, both of which the
    # invoice key removes (``200190¸1234`` is 2001901234 to it): a test holds the list to that
    "\u00a8\u00af\u00b4\u00b8\u02d8\u02d9\u02da\u02db\u02dc\u02dd\u0384\u0385\u1fbd\u1fbf\u1fc0\u1fc1\u1fcd\u1fce"
    "\u1fcf\u1fdd\u1fde\u1fdf\u1fed\u1fee\u1ffd\u1ffe\u2017\u203e\u309b\u309c\ufc5e\ufc5f\ufc60\ufc61\ufc62\ufc63"
    "\ufe49\ufe4a\ufe4b\ufe4c\ufe70\ufe72\ufe74\ufe76\ufe78\ufe7a\ufe7c\ufe7e\uff9e\uff9f\uffe3"
)
_DIGIT = f"[\\d{DIGIT_LIKE}]"
CPR_LIKE = re.compile(
    rf"(?<!{_DIGIT})({_DIGIT}{{2}})(?:{_SEPARATED}({_DIGIT}{{2}}){_SEPARATED}|({_DIGIT}{{2}}))({_DIGIT}{{2}})"
    rf"(?:{_SEPARATED}|[{CPR_LIKE_SEPARATORS}]*[{re.escape(JOIN_LIKE)}_][{CPR_LIKE_SEPARATORS}]*)?"
    rf"({_DIGIT}{{4}})(?!{_DIGIT})"
)
#: the dashes that may join a birth date written as a date and the sequence number
_DASHES = CPR_LIKE_SEPARATORS.removeprefix("\\s") + "_"
#: beside :data:`CPR_LIKE`, a birth date written as a date, its parts joined by
#: ``.`` or ``/`` (the year in two digits), and the sequence number right after
#: a dash or ``_`` (``13.03.85-3333``, ``13/03/85_3333``), or after one more
#: ``.`` or ``/`` (``13.03.85.3333``, ``13/03/85/3333``; not with a space beside
#: it: ``31.1.19. 2500 kr.`` ends a period and names an amount); the day and the
#: month in one digit or two (``1.2.85-1234``, ``17.9.81-2665``, as Danes write
#: dates; since 0.9.16). A date and an amount
#: are not one: a dash with spaces beside it (``01.03.19 – 2500 kr``), a year of
#: four digits (``01.03.2019-2103``) or decimals after the four digits
#: (``01.03.19-1250,00``) are left as written. Unlike :data:`CPR_LIKE` it is read
#: in the text as written, invisible characters included (RE2 cannot find the cells
#: worth a look otherwise, see :data:`CPR_LIKE_RE2`): ``13.‹zero-width›03.85-3333``
#: is not masked. Groups: day, month, year, sequence number
CPR_DATED = re.compile(
    rf"(?<!{_DIGIT})({_DIGIT}{{1,2}})\s*[{DOT_LIKE}]\s*({_DIGIT}{{1,2}})\s*[{DOT_LIKE}]\s*"
    rf"({_DIGIT}{{2}})[{_DASHES}{DOT_LIKE}]?({_DIGIT}{{4}})(?!{_DIGIT}|[.,]{_DIGIT})"
)
#: beside :data:`CPR_LIKE`, a birth date with one pair apart from the others
#: (``0101 90 1234``, ``01 0190-1234``: the invoice key reads past the space and
#: hashes it as a CPR number), in ASCII digits with a month 01-12, joined by
#: any spaces and dashes (:data:`CPR_LIKE_SEPARATORS`, but for line breaks: two
#: lines are two things), and not before decimals (``0112 26 1250,00``, a date
#: and an amount); since 0.9.15. Read in
#: the text as written, as :data:`CPR_DATED` is, and for the same reason (with
#: other characters between its digits, the pattern that finds the cells
#: worth a look made RE2 give up its automaton: 5 s, not 0.08 s, over 300,000
#: messages). ``2018 4104858`` (a year and a grant id) has no month where one
#: would stand. The sequence number may be written in two pairs with spaces between
#: (``12 12 81 40 11``, ``121281 40 11``: the CPR column reads them as a CPR number
#: and the invoice key hashes them; masked since 0.9.22), not with a dash (``03-01–2019-03``
#: of an ISO period would then read as born 3 January 2020). Groups: birth date, sequence number
_SPACES_ONLY = "[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*"
_APART_BY = "[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000" + CPR_LIKE_SEPARATORS.removeprefix("\\s") + "]*"
CPR_APART = re.compile(
    rf"(?<!{_DIGIT})([0-9]{{2}}{_APART_BY}(?:0[1-9]|1[0-2]){_APART_BY}[0-9]{{2}}){_APART_BY}"
    rf"([0-9]{{2}}{_SPACES_ONLY}[0-9]{{2}})(?!{_DIGIT}|[.,][0-9])"
    # or six digits in a row, then the sequence number in two pairs, dashes or spaces before and
    # between them (``121281-40-11``, ``121281–40–11``, ``121281 40-11``: a review of the first
    # mend; not ``53850112-03``, as PSP elements' digits run)
    rf"|(?<!{_DIGIT})([0-9]{{6}}){_APART_BY.removesuffix('*')}+([0-9]{{2}}{_APART_BY}[0-9]{{2}})"
    rf"(?!{_DIGIT}|[.,][0-9])"
)
#: beside them, a CPR number a workbook held as a number and showed with
#: thousands separators (Excel's ``#,##0``, kept so in a CSV file saved from
#: it): ``2.311.854.711``, ``2,311,854,711``, and with decimals after the
#: other separator (``2.311.854.711,00``: ``#,##0.00``, a review of the first
#: mend): one digit, then three groups of three, one separator throughout, no
#: digit or further group joined before or after. Until 0.9.31 shown in full in messages, CSV files and the journal (an
#: attack on 0.9.30). Since 0.9.32 (an attack on 0.9.31 and a review) digits of any script, the
#: full-width ``．`` and ``，`` as separators, and around a dot spaces of any kind, the same throughout
#: (``2. 012. 621. 896``, ``2 .012 .621 .896``: the journal's key, which reads past spaces, already read
#: them as CPR numbers); a comma with a space after it is a list (``Værelser 2, 101, 102, 103``), no
#: number. Nine digits so (``101.901.234``, a leading zero dropped) are an amount's shape as much, and
#: left as written
CPR_THOUSANDS = re.compile(
    r"(?<!\d)(?<!\d[.,\uff0e\uff0c])(\d)(\s*[.\uff0e]\s*|[,\uff0c])(\d{3})\2(\d{3})\2(\d{3})(?!\d|\2\d)"
)
#: the cells worth a look for :data:`CPR_THOUSANDS` (RE2, which has no back-reference: either separator,
#: spaces on either side)
#: (every space Python's ``\s`` knows, the vertical tab and the file separators too: a review)
_RE2_THOUSANDS_SEPARATOR = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]*[.,\x{ff0e}\x{ff0c}][\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]*"
CPR_THOUSANDS_RE2 = rf"\p{{Nd}}(?:{_RE2_THOUSANDS_SEPARATOR}\p{{Nd}}{{3}}){{3}}"
#: beside them, a CPR number in any grouping of its ten digits (``610 180 1001``, ``6101 801 234``,
#: ``61-01-80-12-34``, ``6 1 0 1 8 0 1 2 3 4``), as the CPR column reads it (python-stdnum's compact
#: reads past its spaces and dashes; shown in full everywhere else until 0.9.24, an attack on 0.9.23):
#: digits joined by spaces (no line break: two lines are two things), dashes and ``_`` (and what NFKC
#: makes one, or a space and a mark), at most three between two digits, ten digits in all where
#: nothing but those joins another digit before or after (``Faktura 12 610 180 1001`` is twelve
#: digits, no CPR number), no decimals after (an amount), and the fifth to eighth digits not a group
#: of their own that reads as a year (``0101-2019-12``, ``01-03-2019 - 31 dage``: a date and a
#: number; a review of the first version masked them). Masked where the ten read as a valid CPR
#: number (:func:`invoicekit.identifiers.mask_cpr_text`). Not characters a reader does not see:
#: with them among the joiners RE2 gave up its automaton
CPR_GROUP_JOINERS = (
    "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
    + CPR_LIKE_SEPARATORS.removeprefix("\\s")
    + "_\u00af\u2017\u203e\uffe3\ufe33\ufe34\ufe4d-\ufe4f\uff3f"
)
#: a run of digits, each joined to the next by at most three joiners (four part one run from the next)
CPR_GROUPED = re.compile(rf"{_DIGIT}(?:[{CPR_GROUP_JOINERS}]{{0,3}}{_DIGIT})*")
#: the same for RE2 (pyarrow), to find the cells worth a look: it must find
#: every cell :data:`CPR_LIKE` finds in them once :data:`CPR_INVISIBLE` is
#: taken out, so any format, control or combining character may stand between
#: the digits. RE2's ``\s`` is ASCII only (and leaves out the vertical tab)
#: where Python's is all of Unicode's white space, so the other spaces are
#: named: ``\p{Z}`` (no-break, em, ideographic … spaces and the line and
#: paragraph separators) and the controls Python counts as space
# the categories, and the default-ignorables of other categories (the Hangul fillers …)
_RE2_INVISIBLE = r"\p{Cf}\p{Cc}\p{Mn}\p{Me}" + "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in IGNORABLE)
_RE2_HIDDEN = rf"[{_RE2_INVISIBLE}]*"
_RE2_DIGIT_LIKE = "".join(f"\\x{{{ord(c):x}}}" if c != "-" else "-" for c in DIGIT_LIKE)
_RE2_ANY_DIGIT = rf"[\p{{Nd}}{_RE2_DIGIT_LIKE}]"
_RE2_DIGIT = rf"{_RE2_ANY_DIGIT}{_RE2_HIDDEN}"
_RE2_DOT = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in DOT_LIKE) + "_]"
_RE2_JOIN = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in JOIN_LIKE) + "_]"
#: the Dash property beyond Pd, and the lines and bullets the CPR column reads past (as CPR_LIKE_SEPARATORS)
_RE2_OTHER_DASHES = r"\x{2d7}\x{2053}\x{207b}\x{208b}\x{2212}\x{2796}\x{180a}\x{2043}\x{23af}\x{23ba}-\x{23bd}\x{23e4}"
_RE2_JOINER = rf"[\s\x{{0b}}\x{{1c}}-\x{{1f}}\x{{85}}\p{{Z}}\p{{Pd}}{_RE2_OTHER_DASHES}\x{{ad}}{_RE2_INVISIBLE}]"
#: the spaces and dashes of :data:`CPR_APART`, for RE2 (a tab, Unicode's space separators, every
#: dash, the soft hyphen: no line break)
_RE2_APART = rf"[\t\p{{Zs}}\p{{Pd}}{_RE2_OTHER_DASHES}\x{{ad}}]"
#: the spaces that may part the sequence number's pairs in :data:`CPR_APART`, for RE2
_RE2_SPACES = r"[\t\p{Zs}]"
#: the spaces of :data:`CPR_DATED`, for RE2 (as Python's ``\s``)
_RE2_SPACE = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]"
#: the dashes (and ``_``) of :data:`CPR_DATED`, for RE2
_RE2_DASH = rf"[\p{{Pd}}{_RE2_OTHER_DASHES}\x{{ad}}_]"
#: :data:`CPR_LIKE_RE2` without the dated form: what an invoice key (no dashes,
#: no spaces) is hashed on (:mod:`invoicekit.keys`), beside ten digits in a row;
#: with the dated form too, that pattern made RE2 give up its automaton (8 s, not
#: 0.08 s, over a million invoice numbers)
CPR_UNDATED_RE2 = (
    rf"{_RE2_DIGIT}{_RE2_DIGIT}(?:{_RE2_JOINER}+{_RE2_DIGIT}{_RE2_DIGIT}{_RE2_JOINER}+|{_RE2_DIGIT}{_RE2_DIGIT})"
    rf"{_RE2_DIGIT}{_RE2_DIGIT}{_RE2_JOINER}*(?:{_RE2_JOIN}{_RE2_JOINER}*)?"
    rf"{_RE2_DIGIT}{_RE2_DIGIT}{_RE2_DIGIT}{_RE2_ANY_DIGIT}"
)
CPR_LIKE_RE2 = (
    "(?:"
    + CPR_UNDATED_RE2
    # or a birth date as a date, then a dash (:data:`CPR_DATED`, more loosely: it is read in the text
    # as written, so invisible characters are allowed only after digits here; beside the . / and the
    # dash they made RE2 give up its automaton, 29 s instead of 0.3 s over a million messages)
    # or one pair of the birth date apart (CPR_APART, read in the text as written)
    + rf"|[0-9][0-9]{_RE2_APART}*(?:0[1-9]|1[0-2]){_RE2_APART}*[0-9][0-9]{_RE2_APART}*[0-9][0-9]{_RE2_SPACES}*[0-9][0-9]"
    + rf"|[0-9]{{6}}{_RE2_APART}+[0-9][0-9]{_RE2_APART}*[0-9][0-9]"
    + rf"|{_RE2_DIGIT}{_RE2_SPACE}*{_RE2_DOT}{_RE2_SPACE}*(?:{_RE2_DIGIT})?{_RE2_DIGIT}{_RE2_SPACE}*"
    rf"{_RE2_DOT}{_RE2_SPACE}*(?:{_RE2_DIGIT}{_RE2_DIGIT})?{_RE2_DIGIT}{_RE2_DIGIT}"
    # the sequence number after a dash or a dot (spaces beside it), or right after the year (``01.01.901234``)
    rf"(?:{_RE2_SPACE}*(?:{_RE2_DASH}|{_RE2_DOT}){_RE2_SPACE}*)?{_RE2_DIGIT}{_RE2_DIGIT}{_RE2_DIGIT}{_RE2_ANY_DIGIT}"
    + ")"
)
#: :data:`CPR_GROUP_JOINERS` for RE2
_RE2_GROUP_JOINER = rf"[\t\p{{Zs}}\p{{Pd}}{_RE2_OTHER_DASHES}\x{{ad}}_\x{{af}}\x{{2017}}\x{{203e}}\x{{ffe3}}\x{{fe33}}\x{{fe34}}\x{{fe4d}}-\x{{fe4f}}\x{{ff3f}}]"
_RE2_NOT_GROUPED = r"[^0-9\t\p{Zs}\p{Pd}_]"
_RE2_NOT_ASCII = r"[^\x{0}-\x{7f}]"
#: the cells worth a look for :data:`CPR_GROUPED` (RE2): ten digits, each joined to the next by at
#: most three joiners, with no digit so joined before or after; the first digit one a day (or a
#: replacement number's day, day + 60) may begin with, the third one a month may. A pattern of its
#: own, matched beside :data:`CPR_LIKE_RE2`: as one more way of that pattern it made RE2 give up its
#: automaton (38 s, not 0.3 s, over a million messages)
CPR_GROUPED_RE2 = (
    rf"(?:^{_RE2_GROUP_JOINER}{{0,3}}|{_RE2_NOT_GROUPED}{_RE2_GROUP_JOINER}{{0,3}}|{_RE2_GROUP_JOINER}{{4}})"
    rf"(?:[0-36-9]|{_RE2_NOT_ASCII}){_RE2_GROUP_JOINER}{{0,3}}{_RE2_ANY_DIGIT}{_RE2_GROUP_JOINER}{{0,3}}"
    rf"(?:[01]|{_RE2_NOT_ASCII}){_RE2_GROUP_JOINER}{{0,3}}{_RE2_ANY_DIGIT}"
    rf"(?:{_RE2_GROUP_JOINER}{{0,3}}{_RE2_ANY_DIGIT}){{6}}"
    rf"(?:{_RE2_GROUP_JOINER}{{0,3}}(?:$|{_RE2_NOT_GROUPED})|{_RE2_GROUP_JOINER}{{4}})"
)
#: what stands for the sequence number of a masked CPR number
CPR_MASK = "-xxxx"


def masked_cpr(birth: str) -> str:
    """``DDMMYY-xxxx`` from the first six digits (the birth date); ``xxxxxx-xxxx``
    when there are not six."""
    return (birth[:6] if len(birth) >= 6 else "x" * 6) + CPR_MASK


# ---------------------------------------------------------------- text cells people open

#: what starts a formula in a spreadsheet cell: a text cell the writers write
#: that begins with one gets a ``'`` before it (:mod:`invoicekit.cells`), as
#: Excel marks text, and the readers take that ``'`` off again where a number
#: is compared (an invoice number ``-SOL-77`` converted and read back)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: one of them (an RE2 character class)
FORMULA_START_RE2 = "[" + "".join("\\" + c if c in "\\]^-" else c for c in FORMULA_START) + "]"
#: a cell that starts a formula, which the writers guard with a ``'`` (RE2)
FORMULA_CELL_RE2 = "^" + FORMULA_START_RE2
#: a cell guarded so: its ``'`` and the formula start after it (RE2)
GUARDED_CELL_RE2 = "^'" + FORMULA_START_RE2
#: what an invoice number or a grant id holds to name anything: a letter or a
#: digit, of any script (RE2), once :data:`IGNORABLE_RE2` is taken out (the
#: Hangul fillers are letters that show as nothing). A cell of dashes, quotes,
#: dots or characters a reader does not see (``-``, ``'``, a zero-width space, a
#: control character, a Hangul filler) names no invoice and no grant: the robot
#: reads it as blank (check 1; a grant row left out), as ``convert`` refuses it,
#: and never posts it to OPUS or marks it paid in Sensum, where nobody could
#: find it
NAMES_SOMETHING_RE2 = r"[\p{L}\p{N}]"


def names_something(text: str) -> bool:
    """:data:`NAMES_SOMETHING_RE2` in Python: a letter or digit a reader sees."""
    return any(c.isalnum() and not is_ignorable(c) for c in text)


# ---------------------------------------------------------------- PSP elements

#: the columns that hold PSP elements, by name and by the Danish heading a sheet gives them: a
#: cell of a PSP element's shape there is shown as it is, though its ten digits may read as a
#: birth date (:func:`invoicekit.identifiers.mask_unless_psp`)
PSP_COLUMNS: frozenset[str] = frozenset({"psp_element", "true_psp_element", "PSP-element", "Rigtigt PSP-element"})

# ---------------------------------------------------------------- a synthetic world's truth

#: what a world's truth says about each invoice, beside ``cause``
TRUTH_FIELDS = ("should_pay", "true_grant_id", "true_psp_element", "true_art")
#: what a world's truth says about the fix an invoice needs (the fix list's
#: keys, :mod:`invoicekit.actions`): optional, as older worlds lack them, and
#: not needed to judge a posting, so not among :data:`TRUTH_FIELDS`
FIX_TRUTH_FIELDS = ("fix_owner", "fix_key")

# ---------------------------------------------------------------- the month of a run

#: ``YYYY-MM`` (a year 1900-2099, month 01-12) inside a file name: a batch number before the month
#: (``batch_4711-12_2019-03.csv``) was the month 4711-12, and the follow-up's calendar filled the
#: 2,700 years between with months of no run (an attack on 0.9.30)
MONTH_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})-(0[1-9]|1[0-2])(?!\d)")
#: a month as given on the command line, of a year from 1900 to 2099 as in a file's name
#: (:data:`MONTH_IN_NAME`; a review found a world of 2150 whose runs counted in the month they ran)
MONTH = re.compile(r"(?:19|20)\d{2}-(0[1-9]|1[0-2])")
#: the months' Danish names, January first (as a period in a text names one: ``marts 2019``)
MONTHS_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)


def month_da(month: str) -> str:
    """A run's month (``2019-10``) as Danish prose writes it: ``oktober 2019``; anything else as it is."""
    return f"{MONTHS_DA[int(month[5:]) - 1]} {month[:4]}" if MONTH.fullmatch(month) else month


#: a month Excel made a date cell: its first day, as a workbook's date cell is read (``2018-11-01``,
#: with its time ``2018-11-01 00:00:00``); :func:`month_of_cell`
MONTH_AS_DATE = re.compile(r"^(\d{4}-\d{2})-01(?:[ T]00:00:00)?$")


def month_of_cell(value: object) -> str:
    """A month as a cell holds it, as text: ``2018-11``, or a month Excel
    retyped as a date (its first day, :data:`MONTH_AS_DATE`), still that
    month. Anything else is left as written (stripped), for the caller to
    refuse or match: a day inside a month is no month."""
    return MONTH_AS_DATE.sub(r"\1", str(value).strip())


def month_in_name(path: object) -> str:
    """The month a file is named for (``invoices-2025-03.csv`` → ``2025-03``),
    else blank."""
    m = MONTH_IN_NAME.search(Path(str(path or "")).name)
    return f"{m[1]}-{m[2]}" if m else ""


def month_run_date(month: str) -> dt.date:
    """The date a replay runs month ``YYYY-MM`` on: its last day, when every
    invoice of the month has come in (the posting date of its postings)."""
    if not MONTH.fullmatch(month):
        raise ValueError(f"expected a month as YYYY-MM, got {month!r}")
    year, number = int(month[:4]), int(month[5:])
    return dt.date(year + number // 12, number % 12 + 1, 1) - dt.timedelta(days=1)


def run_month(invoices_file: object, started_at: object) -> str:
    """The month a run belongs to: the month its invoice extract is named for
    (a replay runs a past month today), else the month it started."""
    return month_in_name(invoices_file) or danish_moment(started_at)[:7]


#: the municipality's clock: the day a run posts on, the month it belongs to and a moment an e-invoice
#: writes in another zone are Denmark's, whatever zone the machine is set to (a server on UTC ran on the
#: previous day for an hour or two after Danish midnight, past the supplementary period's last day too;
#: an attack on 0.9.31)
DANISH_TIME = zoneinfo.ZoneInfo("Europe/Copenhagen")


@functools.lru_cache(maxsize=1 << 12)
def danish_moment(recorded: object) -> str:
    """A moment a journal or a manifest recorded (``started_at``, ISO 8601)
    on Denmark's clock, as ISO text: its day and month are Denmark's. A
    journal written before 0.9.32 holds the machine's zone (a server on UTC
    wrote ``2019-01-31T23:30:00+00:00`` for 00:30 on 1 February in Denmark,
    and that run was counted as January's; an attack on 0.9.32). Text that is
    no ISO moment with its zone is returned as it is."""
    text = str(recorded or "")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return text if moment.tzinfo is None else moment.astimezone(DANISH_TIME).isoformat(timespec="seconds")


def danish_now(now: dt.datetime | None = None) -> dt.datetime:
    """The moment ``now`` (default: this one) on Denmark's clock."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(DANISH_TIME)


#: how many days after the run date an invoice's period may start: a month or two ahead is invoiced in
#: advance; a period starting later (a year mistyped, 2091 for 2019) is no period to pay (INVALID_PERIOD):
#: posted, it was marked paid for 2091, and the corrected invoice for 2019 was paid again (an attack on 0.9.36)
FUTURE_DAYS = 366


def latest_start(run_date: dt.date) -> dt.date:
    """The last day an invoice's period may start on in a run of ``run_date`` (:data:`FUTURE_DAYS`)."""
    return run_date + dt.timedelta(days=FUTURE_DAYS)


def danish_today(now: dt.datetime | None = None) -> dt.date:
    """The day it is in Denmark at ``now`` (default: now)."""
    return danish_now(now).date()
