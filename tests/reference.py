"""A plain, row-by-row implementation of the robot spec, for tests only.

It reads the same raw tables (canonical headers, text cells) as the fast path
but shares none of its decision code: every invoice is decided by a loop over
the grants, expected amounts are computed with ``Fraction`` by walking the
calendar, and history is a set and a list. The fast, whole-column path is
checked against it on generated cases (``test_equivalence.py``).
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from stdnum.dk import cpr as std_cpr
from stdnum.dk import cvr as std_cvr
from stdnum.util import clean as std_clean

# the vocabulary's words, as the README lists them: the rate units' names, a date that ends nothing
from invoicekit.texts import LINE_BREAKS
from invoicekit.vocabulary import (
    ENDED,
    EXCEL_ERRORS,
    FLAG_NO,
    FLAG_YES,
    IN_FORCE,
    NO_END_DATE_RE,
    RATE_UNITS,
    VOID,
    danish_today,
    grant_standing,
)

MONTHS = [
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
]
#: the rate units' names (``md``, ``pr. måned``, ``monthly`` …): the vocabulary's, which the README lists
UNITS = RATE_UNITS
#: a grant's end date that is no end (README, "A grant's end date of 31 December 9999"): 31
#: December 9999 as SAP writes no end, and SAP's initial date, no date at all
NO_END = re.compile(NO_END_DATE_RE)
OWNERSHIP = {"municipal": "municipal", "kommunal": "municipal", "regional": "regional", "private": "private",
             "privat": "private", "selvejende": "private", "state": "state", "statslig": "state",
             "egen kommune": "own_municipality", "anden kommune": "other_municipality"}  # fmt: skip


def cpr_ok(text: str) -> str | None:
    # spaces and hyphens removed, the other dashes and spaces python-stdnum reads as them too
    # (an en dash, a minus, a no-break space: README, "Identifiers")
    n = std_clean(text, " -").strip()
    if len(n) != 10 or not n.isdigit():
        return None
    if std_cpr.is_valid(n):
        return n
    if int(n[:2]) > 60 and std_cpr.is_valid(f"{int(n[:2]) - 60:02d}{n[2:]}"):
        return n
    return None


DASH_LIKE = set("\u2053\u207b\u208b\u2212\u02d7\u2796\u2e3a\u2e3b\ufe63\uff0d\U00010ead")
IGNORABLE = {0xAD, 0x34F, 0x61C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFEFF, 0xFFA0, *range(0x180B, 0x1810),
             *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), *range(0xFE00, 0xFE10),
             *range(0xFFF0, 0xFFF9), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B), *range(0xE0000, 0xE1000)}  # fmt: skip


def names_something(text: str) -> bool:
    """A letter or a digit that shows (a Hangul filler is a letter that does not)."""
    return any(c.isalnum() and ord(c) not in IGNORABLE for c in text)


def by_value(key: str) -> str:
    """A normalised number of digits alone without its leading zeros (``0`` for zeros alone)."""
    return (key.lstrip("0") or "0") if re.fullmatch(r"[0-9]+", key) else key


def number_key(text: str) -> str:
    """Check 10's comparison: NFKC, case folding, digits of any script as
    0-9, and nothing that is whitespace, a dash or invisible."""
    out = []
    for ch in unicodedata.normalize("NFKC", text).casefold():
        if ch.isspace() or ch in DASH_LIKE or ord(ch) in IGNORABLE:
            continue
        if unicodedata.category(ch) in ("Pd", "Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp"):
            continue
        out.append(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch)
    return "".join(out)


def unguarded(number: str) -> str:
    """An invoice number without the ``'`` a spreadsheet-safe writer puts
    before a formula start (``'-SOL-77`` is ``-SOL-77``)."""
    return number[1:] if number[:1] == "'" and number[1:2] in ("=", "+", "-", "@", "\t", "\r") else number


def grant_key(text: str) -> str:
    return number_key(text).rstrip(".")


def grant_digits(key: str) -> str | None:
    """The digits of a grant key written as a number: digits alone, maybe behind a ' or with '.0' or ',0'
    after them (a CSV saved from Excel), or grouped in threes by '.' (then maybe ',0' after) or by ','
    (then maybe '.0'), one group of 000 alone read as decimals; None for any other key."""
    found = re.fullmatch(r"'?([0-9]+)(?:[.,]0*)?", key)
    if found:
        return found.group(1)
    bare = key.removeprefix("'")
    for group, decimal in ((".", ","), (",", ".")):
        whole, _, fraction = bare.partition(decimal)
        parts = whole.split(group)
        if fraction.strip("0") or len(parts) < 2 or not all(p.isascii() and p.isdigit() for p in parts):
            continue
        if 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]) and (len(parts) > 2 or parts[1] != "000"):
            return "".join(parts)
    return None


def grant_value(key: str) -> str:
    """A grant key as compared by value (:func:`grant_digits`), without leading zeros; any other as it is."""
    digits = grant_digits(key)
    return (digits.lstrip("0") or "0") if digits is not None else key


def sheet_key(text: str, code: bool = False) -> str:
    """How the sheet's service codes (``code``) and target groups are compared (and a grant's service with
    them): as a person reads them: NFC, nothing invisible (format and control characters, the default
    ignorables; a combining mark is part of its letter), any dash a '-' and any space a space, spaces run
    together, trimmed, case folded; a code without its dashes and spaces (one of dashes alone is '-')."""
    seen = "".join(
        ch for ch in unicodedata.normalize("NFC", text)
        if not (ord(ch) in IGNORABLE or unicodedata.category(ch) == "Cf"
                or (unicodedata.category(ch) == "Cc" and not ch.isspace()))
    )  # fmt: skip
    dashed = "".join("-" if unicodedata.category(ch) == "Pd" or ch in DASH_LIKE else ch for ch in seen)
    if not code:
        return re.sub(r" ?- ?", "-", " ".join(dashed.split())).casefold()
    key = "".join(dashed.replace("-", "").split()).casefold()
    return key or ("-" if seen.strip() else "")


def excel_cell(text: str) -> str:
    """A number cell as a person reads it where a CSV saved from Excel wrote it otherwise: trimmed, without
    the ="…" of Excel's text export and a leading ' (read loosely where it can only hold an invoice back)."""
    t = text.strip()
    found = re.fullmatch(r'="(.*)"', t)
    return (found.group(1).strip() if found else t).lstrip("'")


DOCUMENT_TYPES = {"invoice": "invoice", "faktura": "invoice", "380": "invoice", "creditnote": "credit_note",
                  "kreditnota": "credit_note", "kreditnote": "credit_note", "381": "credit_note"}  # fmt: skip


def document_type(text: str) -> str:
    t = re.sub(r"[\s_-]+", "", text.strip().casefold())
    return "invoice" if not t else DOCUMENT_TYPES.get(t, "other")


def cvr_ok(text: str) -> str | None:
    return std_cvr.compact(text) if std_cvr.is_valid(text) else None


def date_of(text: str) -> dt.date | None:
    """README, Dates: ISO or Danish, a time after it, or five digits of an Excel date serial."""
    text = text.strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(text)))
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = re.fullmatch(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})(?: \d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?", text)
        if not m:
            return None
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    if not 1900 <= y <= 2199:
        return None
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return None


SEPARATOR = "[ \u00a0']"  # a space, no-break space or apostrophe


def money(text: str, decimals: int = 4) -> Fraction | None:
    """An amount, or None: no number, more decimals than ``decimals``, or a hundred million kroner
    or more (README, Amounts; a cell that reads as a CPR number is one of those or no number)."""
    value = _money(text, decimals)
    return None if value is None or abs(value) >= 10**8 else value


def _money(text: str, decimals: int) -> Fraction | None:
    # kr., kr or DKK anywhere, as a word (README, Amounts)
    t = re.sub(r"\b(?:dkk|kr)\b\.?", "", text.strip(), flags=re.IGNORECASE | re.ASCII)
    # a separator between digits only in the first number, as a thousands
    # separator: one to three digits, then groups of three
    first = re.search(rf"\d+(?:{SEPARATOR}\d+)*", t)
    if first and re.fullmatch(rf"\d{{1,3}}(?:{SEPARATOR}\d{{3}})+", first[0]):
        t = t[: first.start()] + re.sub(SEPARATOR, "", first[0]) + t[first.end() :]
    if re.search(rf"\d{SEPARATOR}+\d", t):
        return None
    t = re.sub(SEPARATOR, "", t)
    if len(t) > 1 and t.endswith("-"):  # a trailing minus, as SAP writes one (README, Amounts)
        t = "-" + t[:-1]
    # 1,000: a thousand in English, a krone to three decimals in Danish: never read as either
    thousand_or_one = re.fullmatch(r"[-+]?\d{1,3},\d{3}", t) is not None
    if "," in t:
        # Danish: dots only group the thousands before the comma (1,850.5 is none)
        if not re.fullmatch(r"[-+]?(\d*|\d{1,3}(\.\d{3})+),[^.]*", t):
            return None
        t = t.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"[-+]?[1-9]\d{0,2}(\.\d{3})+", t):
        t = t.replace(".", "")
    whole, point, fraction = t.partition(".")
    if point and not thousand_or_one and len(fraction) > decimals and not fraction[decimals:].strip("0"):
        t = f"{whole}.{fraction[:decimals]}"  # zeros past the last decimal read are no fraction (README, Amounts)
    if not re.fullmatch(rf"[-+]?\d+(\.\d{{1,{decimals}}})?", t):
        return None
    try:
        return Fraction(Decimal(t))
    except InvalidOperation:
        return None


#: a month in digits with its year (02/2019, 2-2019, 2.2019, 2019-02, 2019/02; not in a date, not after a letter
#: as in Q3.2019, not 2019.10, an amount, nor 2019-7, an invoice's number; either end of a range), or as OPUS
#: writes it after "periode" (periode 201902): beside a named month no period; on a line, a month
MONTH_IN_DIGITS = (
    # after no digit, dot, slash or dash, but for those between the two ends of a range of them (01/2019-02/2019,
    # 2019-01/2019-02)
    r"(?:(?<![\d./-])|(?<=[/.-](?:19|20)\d\d-)|(?<=(?:19|20)\d\d[/-](?:0[1-9]|1[0-2])[/-]))(?<![^\W\d_])"
    r"(?:(0?[1-9]|1[0-2])[/.-]((?:19|20)\d{2})|((?:19|20)\d{2})[/-](0[1-9]|1[0-2]))"
    r"(?!\d|\.\d|[/-](?!(?:(?:0?[1-9]|1[0-2])[/.-](?:19|20)\d\d|(?:19|20)\d\d[/-](?:0[1-9]|1[0-2]))(?!\d)))"
    r"|(?<![^\W\d_])periode\s*:?\s*((?:19|20)\d{2})(0[1-9]|1[0-2])(?!\d)"
)
#: a quarter (2. kvartal 2019, 1. kvt. 2019, kvartal 3, Q4 2018): its three months
QUARTER = (
    r"(?i)(?:(?<!\d)([1-4])\.?\s*(?:kvartal|kvt\.?|kv\.)|(?<![^\W\d_])(?:kvartal|kvt\.?|kv\.)\s*([1-4])(?!\d)"
    r"|(?<![^\W\d_])q([1-4])(?!\w)|(?<![^\W\d_])(første|anden|andet|tredje|fjerde|sidste)\s+(?:kvartal|kvt\.?|kv\.)"
    r"|(?<![^\W\d_])((?-i:IV|I{1,3}))\.?\s*(?:kvartal|kvt\.?|kv\.))"  # a quarter in Roman numerals
    r"(?:\s*[.,/\-–—‐‑]?\s*((?:19|20)\d{2})(?!\d))?"
)
ORDINALS = {"første": 1, "anden": 2, "andet": 2, "tredje": 3, "fjerde": 4}


def ordinal(word: str, last: int) -> int:
    """An ordinal in words (a Turkish i an i; sidste: the last)."""
    key = word.casefold().replace("i\u0307", "i").replace("ı", "i")
    return {**ORDINALS, "sidste": last}.get(key, last)


#: a half year (2. halvår 2018, H1 2019 with its year): its six months
HALF = (
    r"(?i)(?:(?<!\d)([12])\.?\s*halv(?:år|del(?:en)?)|(?<![^\W\d_])h([12])(?=\s*[.,/\-–—‐‑]?\s*(?:19|20)\d{2}(?!\d))"
    r"|(?<![^\W\d_])(første|anden|andet|sidste)\s+halvår|(?<![^\W\d_])halvår\s*([12])(?!\d))"
    r"(?:\s*(?:[.,/\-–—‐‑]|af)?\s*((?:19|20)\d{2})(?!\d))?"
)


def unbroken(text: str) -> str:
    """A word broken over two lines by a hyphen (febru-, line break, ar) made one again."""
    return re.sub(r"([^\W\d_])[-\u2010\u2011\u00ad][ \t]*\r?\n[ \t]*([a-zæøåäöü])", r"\1\2", text)


#: any dash (Unicode's Pd), a minus sign or a tilde, escaped for a character class: found once, when the reference
#: is imported (a walk of every code point on each call of :func:`text_periods` was two thirds of the equivalence
#: tests' time)
_JOINING = "".join(
    re.escape(chr(c)) for c in range(0x110000) if unicodedata.category(chr(c)) == "Pd" or chr(c) in "\u2212~\u223c"
)


def text_periods(text: str) -> set[tuple[dt.date, dt.date]]:
    """Every period in ``text``; a day written before a month name is its date
    (two such days a range), and one that is no end of a range and lies
    inside the one period but for its first and last day makes the text
    ambiguous (two "periods"). Digits of any script count as 0-9, and what
    shows nothing (a soft hyphen, a zero-width space) is not read."""
    text = "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() else ch
        for ch in unbroken(text)
        if unicodedata.category(ch) != "Cf"
    )
    found = set()
    dashes = "\\-–—‐‑"  # the hyphen escaped: inside a class with others
    day_at = rf"(?<!\d)(?<!\d[.,/{dashes}])"
    # what joins two days of a range: any dash (Unicode's Pd), a minus sign or a tilde, one or two (then maybe
    # til), an arrow, or til, til og med, t.o.m., indtil, frem til (og before, den or d. after); two dates also
    # a slash, "Periode til:", "Slutdato" or space alone
    joining = _JOINING
    til = r"(?:og\s+)?(?:til\s+og\s+med|t\.?\s*o\.?\s*m\.?|indtil|frem\s+til|til)(?:\s+(?:den|d\.))?"
    day_joiner = rf"(?:->|→|[{joining}](?:\s*[{joining}])?(?:\s*{til})?|,?\s*{til})"
    date_joiner = rf"(?:{day_joiner}|(?:periode\s+)?(?:til|slut(?:dato)?)\s*:|slutdato)"
    named = (
        rf"{day_at}(?:(?P<first>\d{{1,2}})\.?(?:[\s./{dashes}]*(?P<fm>{'|'.join(MONTHS)}))?\s*{day_joiner}\s*)?"
        rf"(?P<day>\d{{1,2}})[\s./{dashes}]*(?P<m>{'|'.join(MONTHS)})(?:\s*[.,]\s*|\s+)(?P<y>\d{{4}})(?!\d)"
    )
    plain, singles, at = "", [], 0
    for m in re.finditer(named, text, re.I):
        names = {m["m"].casefold(), (m["fm"] or m["m"]).casefold()}
        if names - set(MONTHS) or not all(1 <= int(x) <= 31 for x in (m["day"], m["first"] or "1")):
            continue  # 'aprıl', or no day
        mo, y = MONTHS.index(m["m"].casefold()) + 1, int(m["y"])
        plain += text[at : m.start()]
        if m["first"]:
            fmo = MONTHS.index((m["fm"] or m["m"]).casefold()) + 1
            fy = y - 1 if fmo > mo else y  # 1. december - 15. januar 2019: December 2018
            plain += f"{int(m['first']):02d}.{fmo:02d}.{fy} - {int(m['day']):02d}.{mo:02d}.{y}"
        else:
            written = f"{int(m['day']):02d}.{mo:02d}.{y}"
            singles.append((len(plain), len(plain) + len(written)))
            plain += written
        at = m.end()
    text = plain + text[at:]
    compact = r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"  # yyyymmdd
    loose = (
        rf"{day_at}\d{{1,2}}\.\s*{day_joiner}\s*\d"
        rf"|{day_at}\d{{1,2}}\.(?:\s*{day_joiner}\s*\d{{1,2}}\.)?\s*(?:og|,|&)\s*\d"
        r"|(?<![\d.,/])\d{1,2}[./]\d{1,2}(?:[./]\d{2})?(?:\.(?!\d)|(?![\d./]))"
        # a date with dashes and two digits of the year (15-03-19, 01-02-19-28-02-19, not 2019-03-15)
        r"|(?<![\d.,/])(?<!\d-)(?:0?[1-9]|[12]\d|3[01])-(?:0?[1-9]|1[0-2])-\d{2}(?![\d/]|[.-]\d{3})"
        # a range of ISO dates, a date with other dashes in it, a week's number (uge 5-8)
        rf"|(?<!\d)\d{{4}}-\d{{1,2}}-\d{{1,2}}\s*{date_joiner}\s*\d{{4}}-\d{{1,2}}-\d{{1,2}}(?!\d)"
        r"|(?<!\d)(?:\d{1,2}[–—‐‑−]\d{1,2}[–—‐‑−]\d{2}(?:\d{2})?|\d{4}[–—‐‑−]\d{1,2}[–—‐‑−]\d{1,2})(?!\d)"
        r"|(?<![^\W\d_])uge(?:nr\.?)?\s*\d{1,2}(?!\d|[.,]\d)"
        # a range of compact dates (20190201-20190228)
        rf"|(?<!\d){compact}\s*{date_joiner}\s*{compact}(?!\d)"
        # a date with spaces after its dots (01. 02. 2019)
        r"|(?<![\d.,])\d{1,2}\.\s+\d{1,2}\.\s*(?:\d{4}|\d{2})(?!\d)"
        # a month named by where it stands (forrige måned, måneden før), compact dates of two-digit years joined
        # by a dash (010219-280219), an ISO date with dots (2019.02.01)
        r"|(?<![^\W\d_])(?:forrige|sidste|næste|foregående|kommende)\s+måned(?![^\W\d_])|(?<![^\W\d_])måneden\s+før"
        r"|(?<![\d.,/-])\d{6}\s*[-–]\s*\d{6}(?!\d)|(?<![\d.])(?:19|20)\d\d\.\d{1,2}\.\d{1,2}(?!\d)"
        # two dates with space alone or a slash between (an invoice date and a due date, or a period: cannot tell)
        r"|(?<!\d)\d{1,2}[./-]\d{1,2}[./-]\d{4}(?:\s+|\s*/\s*)\d{1,2}[./-]\d{1,2}[./-]\d{4}(?!\d)"
        # a day named alone after d. or den (udflyttet d. 15., død den 12.)
        r"|(?<![^\W\d_])d(?:en)?(?:\.\s*|\s+)\d{1,2}\.?(?![\d.,]?\d)"
    )
    # a month name and one or two digits, no year (februar 19, februar-19, februar/19)
    month_short = rf"(?<![^\W\d_])({'|'.join(MONTHS)})(?![^\W\d_])[\s.,'/{dashes}]*\d{{1,2}}(?![\d.,]\d|\d)"
    # a day before a month name without a year, or a range of such days, dotted or not (1-5 april)
    yearless = (
        rf"{day_at}(?:\d{{1,2}}\.?\s*(?:[{dashes}]|til)\s*)?(?:[1-9]|[12]\d|3[01])[\s./{dashes}]*"
        rf"({'|'.join(MONTHS)})(?![\s.,]*\d)"
    )
    if (
        re.search(loose, text, re.I)
        or any(m[1].casefold() in MONTHS for m in re.finditer(yearless, text, re.I))
        or any(m[1].casefold() in MONTHS for m in re.finditer(month_short, text, re.I))
    ):
        return {None, ()}  # days no month follows beside the period: ambiguous
    # a month name without its year joined to another or to a day (januar og februar 2019, marts-april 2019,
    # marts t.o.m. april 2019, marts indtil april 2019, marts april 2019, marts og 1.-15. april 2019), or a month
    # and its year joined so to another month or a day (april 2019 til og med juni, marts 2019 til 30. april
    # 2019): the months of a year written once; a capitalised month with a name after it is a person (August
    # Jensen, Maj-Britt) (README, "Periods")
    names = "|".join(MONTHS)
    words = (
        r"(?:indtil|til|og|samt|med|eller|el\.?|frem|hele|i|den|d\.|inkl\.?|inklusive|ultimo|primo|udgangen|af"
        r"|t\.?\s*o\.?\s*m\.?)(?![^\W\d_])"
    )
    by = rf"(?:\s+|\s*(?:[{dashes}\u2012\u2015\u2212\uff0d/\\.,;&+…→]|{words})\s*)+"
    date = r"(?<!\d)(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2})(?!\d)"
    day = rf"(?<!\d)\d{{1,2}}\.\s*(?:[{dashes}]|til|({names}))|{date}"

    def month_year(written: str) -> tuple[int, int]:  # a date's month and year
        parts = re.split(r"[./-]", written)
        d_m_y = parts if len(parts[0]) <= 2 else parts[::-1]
        return int(d_m_y[1]), int(d_m_y[2]) + (2000 if len(d_m_y[2]) == 2 else 0)

    forms = (  # (first month, its year, the second month, a day's month name)
        rf"(?<![^\W\d_])({names})(){by}(?:({names})(?![^\W\d_])|{day})",
        rf"(?<![^\W\d_])({names})\s*[.,]?\s*(\d{{4}}){by}(?:({names})(?![^\W\d_])|{day})",
    )
    for start in range(len(text)):  # every start: matches may overlap
        m = re.compile(rf"({date}){by}({names})(?![^\W\d_])", re.I).match(text, start)
        if m and m[2].casefold() in MONTHS and month_year(m[1])[0] != MONTHS.index(m[2].casefold()) + 1:
            return {None, ()}  # a date, then another month
        for form in forms:
            m = re.compile(form, re.I).match(text, start)
            if m is None:
                continue
            first, year, second, day_month = m[1], m[2], m[3], m[4]
            if not {n.casefold() for n in (first, second, day_month) if n} <= set(MONTHS):
                continue
            if second is None:
                # a day: of a range, or a date of another month than the first (a date in it is a lone date)
                ends = re.search(r"(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2})$", m[0])
                if ends is not None:
                    month, y = month_year(ends[0])
                    if (month, y) == (MONTHS.index(first.casefold()) + 1, int(year) if year else y):
                        continue
                return {None, ()}
            at = m.start(3)
            joiner = text[m.end(1) : at]
            capitalised = second[0].isupper() and second[1:].islower()
            hyphen = re.match(rf"[^\W\d_]+[{dashes}]([^\W\d_])([^\W\d_]*)", text[at:])
            if (
                capitalised
                and not any(c.isupper() for c in joiner)
                and hyphen
                and hyphen[1].isupper()
                and (hyphen[1] + hyphen[2]).casefold() not in MONTHS
                and (not hyphen[2] or hyphen[2][0].islower())
            ):
                continue  # a hyphenated first name (Maj-Britt)
            return {None, ()}
    d = r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})"
    spans = []
    for start in range(len(text)):  # every range, overlapping ones too
        m = re.compile(rf"(?<!\d){d}\s*{date_joiner}\s*{d}(?!\d)", re.I).match(text, start)
        if m:
            spans.append(m.span())
            try:
                if not all(1900 <= int(year) <= 2199 for year in (m[3], m[6])):
                    raise ValueError(m[0])
                found.add((dt.date(int(m[3]), int(m[2]), int(m[1])), dt.date(int(m[6]), int(m[5]), int(m[4]))))
            except ValueError:
                return {None, ()}  # a range that cannot be read (29.02.2019) says the text is of some period
    for m in re.finditer(rf"(?<![^\W\d_])({'|'.join(MONTHS)})\s+(\d{{4}})(?!\d)", text, re.I):
        if m[1].casefold() not in MONTHS or not 1900 <= int(m[2]) <= 2199:
            continue  # 'aprıl': IGNORECASE matches a Turkish i, but it is no month name
        y, mo = int(m[2]), MONTHS.index(m[1].casefold()) + 1
        found.add((dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])))
    lone = []
    for a, b in singles:
        if any(sa <= a and b <= sb for sa, sb in spans):
            continue  # one end of a range
        day, mo, y = (int(x) for x in text[a:b].split("."))
        with contextlib.suppress(ValueError):
            lone.append(dt.date(y, mo, day))
    # a date in digits, day first or ISO, no end of a range: as lone (a compact one stays a number)
    for m in re.finditer(rf"(?<!\d)(?:{d}|(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}))(?!\d)", text):
        if any(sa <= m.start() and m.end() <= sb for sa, sb in spans):
            continue
        y, mo, day = (m[3], m[2], m[1]) if m[1] else (m[4], m[5], m[6])
        with contextlib.suppress(ValueError):
            lone.append(dt.date(int(y), int(mo), int(day)))
    if len(found) == 1:
        ((s, e),) = found
        if any(s < day < e for day in lone):
            return {None, ()}  # ambiguous: maybe part of the period
    if not found and lone:
        return {None, ()}  # a date and no period: says something of the period, and gives none
    if not found:  # so does a date in digits, day first (a year of two or four digits) or ISO (README, Collective
        # invoices): a day 1-31 and a month 1-12, as written (31.04.2019 says something of the period too)
        date = r"(?<!\d)(?:(\d{1,2})[./-](\d{1,2})[./-](?:\d{4}|\d{2})|\d{4}-(\d{1,2})-(\d{1,2}))(?!\d)"
        for m in re.finditer(date, text):
            day, mo = (m[1], m[2]) if m[1] else (m[4], m[3])
            if 1 <= int(day) <= 31 and 1 <= int(mo) <= 12:
                return {None, ()}
    if len(found) == 1 and not line_months_held(*next(iter(found)), text):
        return {None, ()}  # it names a month the one period does not hold (februar, faktureret marts 2019)
    return found


SHORT_MONTHS = {"jan": 1, "feb": 2, "febr": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
                "sept": 9, "okt": 10, "nov": 11, "dec": 12}  # fmt: skip
NAME_MONTHS = {"april", "maj", "juni", "juli", "august", "jan"}


def line_months(text: str) -> set[tuple[int, int]]:
    """The months a line's text names as a word, (month, year or 0) (README, Collective invoices): a short
    name only before a number or joined to another month; a month that is also a first name none where a
    name is joined to it by a hyphen or follows it."""
    text = unbroken(text)
    text = "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text if unicodedata.category(ch) != "Cf"
    )
    text = text.replace("a\u030a", "å").replace("A\u030a", "Å")  # å as a and a ring is å
    words = "|".join([*MONTHS, *SHORT_MONTHS])
    word_re = rf"(?<![^\W\d_])({words})(?:s(?![^\W\d_])|(?=måned)|(?![^\W\d_]))"  # februarmåned, februars
    dashes = "\\-–—‐‑"
    out = set()
    for m in re.finditer(word_re, text, re.I):
        word = m[1].casefold()
        number = MONTHS.index(word) + 1 if word in MONTHS else SHORT_MONTHS.get(word)
        if number is None:
            continue
        rest = text[m.end() :]
        # a short name before a number of at most four digits (feb-19, not Jan 010190-1234) or a month joined
        # on, or after a month joined to it (dec-jan)
        after = rf"\.?\s*(?:[{dashes}/]\s*)?(?:['’]?\d{{1,4}}(?!\d)|(?<=[{dashes}/])\s*(?:{words})(?![^\W\d_]))"
        before = rf"(?:(?<![^\W\d_])(?:{words})\.?\s*[{dashes}/]|(?<!\d)\d{{1,2}}\.)\s*$"  # or 15. feb.
        # a short name is a month's as a word, but Jan (a man) and jul (Christmas) only before a number or joined
        if word in ("jan", "jul") and not (
            re.match(after, rest, re.I) or re.search(before, text[max(0, m.start() - 24) : m.start()], re.I)
        ):
            continue
        if word == "maj" and m[0][-1] in "sS":
            continue  # majs: maize
        if word in NAME_MONTHS and m[1][0].isupper() and not m[1].isupper():  # JUNI in capitals: a month
            after = re.match(rf"(?:[{dashes}]|\s+)([^\W\d_]+)", rest)
            before = re.search(rf"([^\W\d_]+)[{dashes}]$", text[: m.start()])
            names = [w[1] for w in (after, before) if w]
            no_names = {"måned", "md", "mdr", "måneder", "uge", "år", "døgn", "dage", "ophold", "takst", "faktura",
                        "faktureret", "regulering", "efterregulering", "betalt", "betaling", "afregning", "opkrævning",
                        "døgnophold", "aflastning", "samt", "og", "til", "for"}  # fmt: skip
            if any(
                n[0].isupper()
                and n[1:].islower()
                and not re.fullmatch(word_re, n, re.I)
                and n.casefold() not in no_names
                for n in names
            ):  # a name: a capital, then small letters
                continue
        year = re.match(rf"\.?\s*(?:(?:måned|mdr?)\.?\s*)?[.,{dashes}/]?\s*((?:19|20)\d{{2}})(?!\d)", rest, re.I)
        out.add((number, int(year[1]) if year else 0))
    # a month in English or German where the Danish name is another, before a year or a day (February 2019)
    foreign = {"january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "märz": 3,
               "maerz": 3, "mai": 5, "dezember": 12}  # fmt: skip
    for m in re.finditer(
        rf"(?<![^\W\d_])({'|'.join(foreign)})(?![^\W\d_])\.?\s*((?:19|20)\d\d|\d{{1,2}})(?!\d)", text, re.I
    ):
        out.add((foreign[m[1].casefold()], int(m[2]) if len(m[2]) == 4 else 0))
    for m in re.finditer(MONTH_IN_DIGITS, text, re.I):  # a month in digits with its year (02/2019, 2-2019, 2019-02)
        out.add((int(m[1] or m[4] or m[6]), int(m[2] or m[3] or m[5])))
    for m in re.finditer(QUARTER, text):
        roman = {"I": 1, "II": 2, "III": 3, "IV": 4}
        q = ordinal(m[4], 4) if m[4] else roman[m[5].upper()] if m[5] else int(m[1] or m[2] or m[3])
        out |= {(k, int(m[6]) if m[6] else 0) for k in (3 * q - 2, 3 * q - 1, 3 * q)}
    for m in re.finditer(HALF, text):
        h = ordinal(m[3], 2) if m[3] else int(m[1] or m[2] or m[4])
        out |= {(k, int(m[5]) if m[5] else 0) for k in range(6 * h - 5, 6 * h + 1)}
    return out


def months_held(s: dt.date | None, e: dt.date | None) -> set[tuple[int, int]]:
    if s is None or e is None or e < s:
        return set()
    out, y, m = set(), s.year, s.month
    while (y, m) <= (e.year, e.month) and len(out) < 25:
        out.add((m, y))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def line_months_held(s: dt.date | None, e: dt.date | None, text: str) -> bool:
    held = months_held(s, e)
    months = {m for m, _ in held}
    return all((m, y) in held if y else m in months for m, y in line_months(text))


def expected_amount(rate: Fraction, unit: str, s: dt.date, e: dt.date) -> Fraction | None:
    """Exact, then rounded once to øre, half up."""
    days = (e - s).days + 1
    if unit == "day":
        value = rate * days
    elif unit == "week":
        value = rate * days / 7
    elif unit in ("month", "year"):
        value = Fraction(0)
        day = s
        while day <= e:
            if unit == "month":
                first = day.replace(day=1)
                length = calendar.monthrange(day.year, day.month)[1]
                last = first.replace(day=length)
            else:
                first, last = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
                length = 366 if calendar.isleap(day.year) else 365
            stop = min(last, e)
            value += rate * ((stop - day).days + 1) / length
            day = stop + dt.timedelta(days=1)
    else:
        return None
    ore = value * 100
    return Fraction(int(ore + Fraction(1, 2)) if ore >= 0 else -int(-ore + Fraction(1, 2)), 100)


@dataclass
class Grant:
    grant_id: str
    cpr: str
    service: str
    cvr: str
    rate: Fraction
    unit: str
    start: dt.date
    end: dt.date | None


def line_key(no: str) -> str:
    """A line number as lines are told apart: 1, 01 and 001 are one line, A and a too."""
    no = no.strip().casefold()
    return (no.lstrip("0") or "0") if no.isdecimal() else no


def usable_grants(rows: list[dict]) -> tuple[list[Grant], set[tuple]]:
    """The grants read; copies of one grant (ids compared as check 21 compares
    them) count once when identical, and are all left out when they differ
    or when one of them could not be read. Beside them the (CPR, supplier CVR,
    start, end; None where not read, or open) of every row left out with a
    valid CPR number but an exact copy."""
    grants = []
    unread = set()
    left_out = set()
    for r in rows:
        cpr, cvr, rate = cpr_ok(r["cpr"]), cvr_ok(r["supplier_cvr"]), money(r["rate"])
        unit = UNITS.get(r["rate_unit"].strip().lower())
        start = date_of(r["start_date"])
        open_end = not r["end_date"].strip() or NO_END.fullmatch(r["end_date"]) is not None
        end = None if open_end else date_of(r["end_date"])
        ok = names_something(r["grant_id"]) and cpr and cvr and rate is not None and rate >= 0 and unit and start
        ok = ok and not any(c in LINE_BREAKS for c in r["grant_id"].strip())  # Sensum's import reads a line at a time
        # a lookup that found nothing (#N/A) is no value to match or mark paid on
        ok = ok and not any(r[c].strip() in EXCEL_ERRORS for c in ("grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit"))  # fmt: skip
        ok = ok and not (not open_end and (end is None or end < start)) and r["service_code"].strip()
        # a grant whose status says it never holds is no grant, and holds nothing back; one ended with no end
        # date, or of a status or flag of no word known, is left out, holding back
        standing, flag = grant_standing(r.get("status", "")), r.get("cancelled", "").strip().casefold()
        if standing == VOID or flag in FLAG_YES:
            if r["grant_id"].strip():  # another row of its id is no copy of it: nothing says which holds
                unread.add(grant_key(r["grant_id"].strip()))
            continue
        ok = ok and standing in (IN_FORCE, ENDED) and not (standing == ENDED and open_end) and flag in FLAG_NO
        if not ok:
            if r["grant_id"].strip():
                unread.add(grant_key(r["grant_id"].strip()))
            # held back (check 16) by a citizen read more loosely: a leading zero lost, '.0', a leading '
            loose = re.sub(r"^(\d{9,10})[.,]0*$", r"\1", excel_cell(r["cpr"]))
            held_by = cpr or cpr_ok("0" + loose if re.fullmatch(r"\d{9}", loose) else loose)
            if held_by:
                s_, e_ = start, end if r["end_date"].strip() else None
                if s_ is not None and e_ is not None and e_ < s_:  # backwards: it may cover any period
                    s_ = e_ = None
                left_out.add((held_by, cvr, s_, e_))
            continue
        grants.append(Grant(r["grant_id"].strip(), cpr, r["service_code"].strip(), cvr, rate, unit, start, end))
    by_id: dict[str, list[Grant]] = {}
    for g in grants:
        by_id.setdefault(grant_key(g.grant_id), []).append(g)
    kept = []
    for g in grants:
        copies = by_id[grant_key(g.grant_id)]
        if grant_key(g.grant_id) not in unread and all(c == copies[0] for c in copies):
            if g is copies[0]:
                kept.append(g)
        else:
            left_out.add((g.cpr, g.cvr, g.start, g.end))
    return kept, left_out


def ownership(text: str) -> str | None:
    """An ownership cell read as a target group is (any space a space, spaces run together, case folded),
    a ``/`` with spaces around it as one without."""
    return OWNERSHIP.get(re.sub(r"\s*/\s*", "/", sheet_key(text)))


def norm_paragraph(text: str) -> str:
    """The one paragraph a cell names (a number, or STU), else "" (README, "The support sheet"):
    where a ``§`` is written, the number right after it counts, and numbers listed after it with
    ``/``, ``og``, ``el.``, ``eller``, ``,`` count too when as long (``§ 107/108``, ``§§ 107/108``),
    a shorter one (``§ 108 - 24 timers``) and the text around (``SEL 2019``) do not; ``stk. 1 og 2``
    and ``2. pkt.`` name no paragraph. Two paragraphs, or none, give ""."""
    text = re.sub(r"(?i)\b(?:stk|nr|pkt)\.?\s*\d+(?:\s*(?:og|,|-)\s*\d+)*|\b\d+\.\s*pkt\b\.?", " ", text)
    found = set()
    if "§" in text:
        for m in re.finditer(r"§+\s*(\d+)", text):
            found.add(int(m[1]))
            rest = text[m.end() :]
            while True:
                more = re.match(r"\s*(?:/|,|og\b|eller\b|el\.|&|\+|-|–)\s*(\d+)", rest)
                if not more:
                    break
                if len(more[1]) >= len(m[1]) or m[0].startswith("§§"):
                    found.add(int(more[1]))
                rest = rest[more.end() :]
    else:
        found = {int(n) for n in re.findall(r"\d+", text)}
    if any(n > 999 for n in found):
        return ""  # no paragraph has four digits (a CPR number pasted in: README, "The support sheet")
    named = {str(n) for n in found} | ({"STU"} if re.search(r"(?i)\bstu\b", text) else set())
    return next(iter(named)) if len(named) == 1 else ""


#: a CPR number in a text: six digits and four, joined by nothing, any dash (Unicode's Pd, a minus sign)
#: or spaces, spaces around a dash too (README, Identifiers)
_TEXT_DASHES = "".join(re.escape(chr(c)) for c in range(0x110000) if unicodedata.category(chr(c)) == "Pd")
_TEXT_CPR = re.compile(
    rf"(?<!\d)\d{{6}}(?:[ \t\u00a0\u202f]*[{_TEXT_DASHES}\u2212][ \t\u00a0\u202f]*|[ \t\u00a0\u202f]+)?\d{{4}}(?!\d)"
)


def invoice_cprs(cell: str, text: str) -> tuple[bool, list[str]]:
    """(a filled cell held an invalid part, the distinct valid CPR numbers)."""
    cell = cell.strip()
    if cell:
        # a blank part is none; one of dashes alone is a part that is no CPR (README, Identifiers)
        # split on every line break (U+2028, NEL, a form feed ...: robot spec, Identifiers)
        parts = [p for p in re.split("[,;/|\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+", cell) if p.strip()]
        valid = [cpr_ok(p) for p in parts]
        return any(v is None for v in valid), list(dict.fromkeys(v for v in valid if v))
    cprs = []
    for m in _TEXT_CPR.finditer(text):
        c = cpr_ok(re.sub(r"\D", "", m.group()))
        if c and c not in cprs:
            cprs.append(c)
    return False, cprs


def invoice_period(ps: str, pe: str, text: str) -> tuple[dt.date | None, dt.date | None, bool]:
    """(start, end, a date cell could not be read): the columns, blank cells from the one period in the text."""
    s, e = date_of(ps), date_of(pe)
    blank_s, blank_e = not ps.strip(), not pe.strip()
    unreadable = (s is None and not blank_s) or (e is None and not blank_e)
    if (blank_s or blank_e) and not unreadable:
        found = text_periods(text)
        if len(found) == 1:
            ts, te = next(iter(found))
            # a date written in the other cell must lie in the text's period
            if (blank_s or ts <= s <= te) and (blank_e or ts <= e <= te):
                s = ts if blank_s else s
                e = te if blank_e else e
    return s, e, unreadable


def posting_date(s: dt.date, e: dt.date, run_date: dt.date, supplementary: str) -> dt.date:
    """The spec's posting date: the run date, except when the run date is on
    or before the supplementary period's day of its year and the whole period
    lies in the previous calendar year: then 31 December of that year."""
    if supplementary:
        month, day = (int(x) for x in supplementary.split("-"))
        if (run_date.month, run_date.day) <= (month, day) and s.year == e.year == run_date.year - 1:
            return dt.date(run_date.year - 1, 12, 31)
    return run_date


#: the period of a paid mark whose own period cannot be read: every one (README, "A period paid by hand")
WHOLE_TIME = (dt.date(1900, 1, 1), dt.date(2999, 12, 31))


def reference_marks(marks: list[dict], grants: list[dict], services: list[dict]) -> list[tuple]:
    """Sensum's paid marks (``run --paid``, README "A period paid by hand is not
    paid again") as the ``paid`` entries of :func:`reference_decide`, one at a
    time: a mark (``grant_id``, ``period_start``, ``period_end``, ``cpr``,
    ``supplier_cvr``, ``service_code``) pays its period for each usable grant of
    its id (ids as check 21 compares them), and for its own citizen's service
    where its CPR, CVR and service are all valid; a mark with neither pays
    under its grant id alone. A period that cannot be read, or ends before it
    begins, is every period. The paragraph is the service's in the sheet,
    service codes compared as check 21 compares them."""
    usable, _ = usable_grants(grants)
    # the sheet's services as the robot keeps them (copies that differ are left out), and a service
    # whose spellings name two paragraphs names none
    rows: dict[str, set] = {}
    for r in services:
        rows.setdefault(sheet_key(r["service_code"], code=True), set()).add(
            (norm_paragraph(r["paragraph"]), sheet_key(r["target_group"]))
        )
    named: dict[str, set] = {}
    for code, found in rows.items():
        if len(found) == 1 and number_key(code):  # a code of no letter or digit ('-') names no service
            named.setdefault(number_key(code), set()).add(next(iter(found))[0])
    paragraph_of = {key: next(iter(p)) for key, p in named.items() if len(p) == 1}
    # a service the sheet names in rows that say two things, or whose spellings name two paragraphs: its
    # paragraph is nobody's to trust
    # the citizen and supplier of each grant whose rows were all left out, where a row names them
    kept_ids = {grant_key(g.grant_id) for g in usable}
    lost: dict[str, set] = {}
    for r in grants:
        loose = re.sub(r"^(\d{9,10})[.,]0*$", r"\1", excel_cell(r["cpr"]))  # as check 16 reads it
        c = cpr_ok(r["cpr"]) or cpr_ok("0" + loose if re.fullmatch(r"\d{9}", loose) else loose)
        v = cvr_ok(r["supplier_cvr"].strip()) or cvr_ok(
            re.sub(r"^(\d{8})[.,]0*$", r"\1", excel_cell(r["supplier_cvr"]))
        )
        if c and v and names_something(r["grant_id"]) and grant_key(r["grant_id"].strip()) not in kept_ids:
            lost.setdefault(grant_key(r["grant_id"].strip()), set()).add((c, v))
    doubted = {number_key(code) for code, found in rows.items() if len(found) > 1}
    doubted |= {key for key, p in named.items() if len(p) > 1}
    # and one with a row that cannot be used (no one paragraph, no target group, an Excel error)
    doubted |= {
        number_key(r["service_code"].strip().casefold())
        for r in services
        if not (norm_paragraph(r["paragraph"]) == "STU" or norm_paragraph(r["paragraph"]).isdecimal())
        or not sheet_key(r["target_group"])
        or any(str(v).strip() in EXCEL_ERRORS for v in r.values())
    }
    doubted.discard("")
    every = sorted(set(paragraph_of.values()))
    out = []

    def lost_of(grant_id: str) -> set:
        key = grant_key(grant_id.strip())
        return set().union(*(v for k, v in lost.items() if k and mark_value(k) == mark_value(key)))

    mark_value = grant_value

    for m in marks:
        written = gid = re.sub(r'^="(.*)"$', r"\1", m["grant_id"].strip()).strip()  # Excel's text export
        if not names_something(gid):
            continue
        s, e = date_of(m["period_start"]), date_of(m["period_end"])
        if s is None or e is None or e < s:
            s, e = WHOLE_TIME
        ids = [gid]
        key = grant_key(gid)
        if grant_digits(key) is not None:
            # an id of digits alone: each grant of the same value, written alike or with other leading zeros
            same = {k for g in usable if grant_digits(k := grant_key(g.grant_id)) is not None and
                    mark_value(k) == mark_value(key)}  # fmt: skip
            ids = sorted(same) or ids
        # the citizens and suppliers the extract names for the mark's grant(s)
        named = {(g.cpr, g.cvr) for g in usable for i in ids if grant_key(g.grant_id) == grant_key(i)}
        for gid in ids:
            citizens = {(g.cpr, g.cvr, g.service) for g in usable if grant_key(g.grant_id) == grant_key(gid)}
            from_extract = set(citizens)
            cpr, cvr, service = (  # '.0' or a leading ' of a CSV saved from Excel read off
                cpr_ok(
                    re.sub(r"^(\d{9})$", r"0\1", re.sub(r"^(\d{9,10})[.,]0*$", r"\1", excel_cell(m.get("cpr", ""))))
                ),
                cvr_ok(re.sub(r"^(\d{8})[.,]0*$", r"\1", excel_cell(m.get("supplier_cvr", "")))),
                m.get("service_code", "").strip(),
            )
            anyone = []
            if cpr and cvr and (paragraph_of.get(number_key(service)) or number_key(service) in doubted):
                citizens.add((cpr, cvr, service))  # a doubted service: under every paragraph, below
            elif cpr and cvr and (cpr, cvr) not in named:  # its service blank or not the sheet's: any paragraph
                anyone = [(gid, cpr, cvr, service, s, e, p) for p in every]
            if not citizens and not anyone and not (cpr and cvr) and not lost_of(written):
                out.append((gid, None, None, "", s, e, None))  # compared by the grant alone
            for c, v, svc in sorted(citizens):
                if number_key(svc) in doubted or (svc and paragraph_of.get(number_key(svc)) is None
                                                   and (c, v, svc) in from_extract):  # fmt: skip
                    out += [(gid, c, v, "", s, e, p) for p in every]
                else:
                    out.append((gid, c, v, svc, s, e, paragraph_of.get(number_key(svc))))
            out += anyone
        # a grant left out, by the mark's own id (by value): its rows' citizen at the supplier, any paragraph,
        # whatever else the mark names
        mark_id = written
        out += [(mark_id, c, v, "", s, e, p) for c, v in sorted(lost_of(mark_id)) for p in every]
    return out


def reference_decide(invoices: list[dict], grants: list[dict], services: list[dict], suppliers: list[dict],
                     coding: list[dict], tolerance: Fraction, max_amount: Fraction, paragraphs: set[str],
                     excluded: set[str], seen: set[tuple[str, str]] = frozenset(),
                     paid: list[tuple[str, str, str, str, dt.date, dt.date]] = (),
                     lines: list[dict] | None = None, run_date: dt.date | None = None,
                     supplementary: str = "") -> list[dict]:  # fmt: skip
    """``seen``: (supplier CVR, invoice number) decided before, whatever the decision;
    ``paid``: (grant id, CPR, supplier CVR, service code, start, end) posted before, and
    the service's paragraph when it was paid (else the one ``services`` gives it).
    ``lines``: invoice lines (``invoice_id``, ``supplier_cvr``, ``line_no``,
    ``cpr``, ``amount``, ``period_start``, ``period_end``, ``text``); an
    invoice decided line by line has ``lines``: one dict a line (``line_no``,
    ``status``, ``reason``, ``grant_id``). With ``run_date``, a posted
    invoice has ``posting_dates``: one a posting line (a line each when decided
    line by line), with ``supplementary`` the rules' ``MM-DD``."""
    usable, left_out = usable_grants(grants)
    latest_start = (run_date or danish_today()) + dt.timedelta(days=366)
    # a service row is read when it names its code, one paragraph and a target group, and holds no
    # Excel error; a service codes when its rows read all say the same and no row left out names it
    svc, held_svc = {}, set()
    for r in services:
        code, paragraph, target = (
            sheet_key(r["service_code"], code=True),
            norm_paragraph(r["paragraph"]),
            sheet_key(r["target_group"]),
        )
        if code and paragraph and target and not any(str(v).strip() in EXCEL_ERRORS for v in r.values()):
            svc.setdefault(code, set()).add((paragraph, sheet_key(target)))
        else:
            held_svc.add(code)
    svc = {k: next(iter(v)) for k, v in svc.items() if len(v) == 1 and k not in held_svc}
    # a row that cannot be used, but names its key, holds the key back: the sheet says two things of it
    # (a supplier's CVR, a coding row's paragraph, ownership and target group on the days it may hold)
    sup, held_sup = {}, set()
    for r in suppliers:
        c, o = cvr_ok(r["supplier_cvr"]), ownership(r["ownership"])
        if c and o and r["ownership"].strip() not in EXCEL_ERRORS:
            sup.setdefault(c, set()).add(o)
        elif c:
            held_sup.add(c)
    sup = {k: next(iter(v)) for k, v in sup.items() if len(v) == 1 and k not in held_sup}
    codes, held_codes = [], []
    for r in coding:
        vf = date_of(r["valid_from"])
        open_end = not r["valid_to"].strip() or NO_END.fullmatch(r["valid_to"]) is not None  # 31.12.9999: open
        vt = None if open_end else date_of(r["valid_to"])
        own = ownership(r["ownership"])
        psp, art, target = r["psp_element"].strip(), r["art"].strip(), r["target_group"].strip()
        target = target if target in EXCEL_ERRORS else sheet_key(target)  # an Excel error stays one (any, below)
        reversed_or_unread = not open_end and (vt is None or (vf is not None and vt < vf))
        row_ok = (
            vf and own and psp and target and norm_paragraph(r["paragraph"]) and re.fullmatch("[0-9]{8}", art) and not reversed_or_unread
            and re.search("[1-9]", psp)  # OPUS's elements carry digits: Afventer, TBD or a lookup's 0 are none
            and not re.search(r"\s", psp) and not any(unicodedata.category(ch) == "Cf" for ch in psp)
            and not any(str(cell).strip() in EXCEL_ERRORS for cell in r.values())
        )  # fmt: skip
        key = (norm_paragraph(r["paragraph"]), own, target)
        if row_ok:
            codes.append((*key, psp, art, vf, vt))
            continue
        # held: the parts of its key it names ("" for any), on the days it may hold (all, where its dates
        # cannot be read)
        named = (key[0] if key[0] == "STU" or key[0].isdecimal() else "", own or "",
                 "" if target in EXCEL_ERRORS else key[2])  # fmt: skip
        # a row claiming nothing (no PSP element, art or date: a heading) holds nothing
        if any(named) and (psp or art or r["valid_from"].strip() or r["valid_to"].strip()):
            whole = vf is None or (vt is not None and vt < vf)
            held_codes.append((*named, dt.date.min if whole else vf, None if whole else vt))

    journal_seen = {(c, number_key(i)) for c, i in seen}
    seen = set()  # this run's, by value

    journal_by_value = {(c, by_value(j)) for c, j in journal_seen}

    def same_value(paid_key: str, key: str) -> bool:
        """A grant key of the journal (``paid_key``) and today's of the same value. The journal keeps an id
        that reads as a CPR number (ten digits in a row) hashed: such a one is found only where it was digits
        alone, ten to fifteen of them, bare, behind a ' or with '.0' or ',0' after them (today's value padded
        with zeros and written so)."""
        digits = re.compile(r"'?[0-9]+(?:[.,]0*)?")
        if digits.fullmatch(paid_key) is None or digits.fullmatch(key) is None:
            return False
        if grant_value(paid_key) != grant_value(key):
            return False
        if not re.search(r"[0-9]{10}", paid_key):
            return True
        # bare, padded to ten to fifteen digits; or as Excel writes it (a leading ', a point or comma and up to
        # three zeros), its digits padded to ten or as they are where longer
        if re.fullmatch(r"[0-9]{10,15}", paid_key):
            return True
        found = re.fullmatch(r"('?)([0-9]+)((?:[.,]0{1,3})?)", paid_key)
        return (found is not None and bool(found.group(1) or found.group(3))
                and len(found.group(2)) == max(10, len(grant_value(paid_key))))  # fmt: skip

    def in_run_same_value(key: str, other: str) -> bool:
        """Two grant keys of this run's grants of the same value (both of digits)."""
        digits = re.compile(r"'?[0-9]+(?:[.,]0*)?")
        both = digits.fullmatch(key) is not None and digits.fullmatch(other) is not None
        return both and grant_value(key) == grant_value(other)

    def seen_before(cvr: str, key: str) -> bool:
        """Check 10: decided before, in this run or in the journal, a number of digits alone by
        its value (leading zeros do not count; the journal keeps the key of each value since
        0.9.22, and these histories are of this version's runs)."""
        return (cvr, by_value(key)) in seen or (cvr, by_value(key)) in journal_by_value

    # a payment's paragraph: given (the sheet of its day), else its service's in this sheet
    # (the last: from the journal, where a grant id of digits is compared by its value too)
    paid = [
        (grant_key(p[0]), p[1], p[2], number_key(p[3]), p[4], p[5],
         p[6] if len(p) > 6 else svc.get(sheet_key(p[3], code=True), (None,))[0], True)
        for p in paid
    ]  # fmt: skip
    # a payment on a grant today's extract names for another citizen's service at another supplier (moved there
    # since) counts under today's citizen, supplier and service too, with its paragraph (0.9.39)
    today: dict[str, set] = {}
    for g in usable:
        paragraph = svc.get(sheet_key(g.service, code=True), (None,))[0]
        today.setdefault(grant_key(g.grant_id), set()).add((g.cpr, g.cvr, number_key(g.service), paragraph))
    paid += [
        (pg, c, v, sv, ps, pe, par, True)
        for pg, pc, pv, psvc, ps, pe, _ppar, _ in list(paid)
        for gk in sorted(today)
        # its id by value, as check 21 compares the journal's (a review); one the journal keeps hashed, where it was
        # ten to fifteen digits bare
        if gk == pg or (same_value(pg, gk) and (not re.search(r"[0-9]{10}", pg) or re.fullmatch(r"[0-9]{10,15}", pg)))
        for c, v, sv, par in sorted(today[gk], key=str)
        if (c, v, sv) != (pc, pv, psvc)
    ]

    # the lines of each (supplier, number); a line without both names no invoice
    by_invoice: dict[tuple[str, str], list[dict]] = {}
    for line in lines or ():
        cvr = cvr_ok(line["supplier_cvr"].strip())
        if line["invoice_id"].strip() and cvr:
            # as check 10 compares numbers: digits alone by their value (4711 finds 0004711)
            by_invoice.setdefault((cvr, by_value(number_key(unguarded(line["invoice_id"].strip())))), []).append(line)

    def checks_4_to_21(d: dict, cprs, cvr, s, e, amount, currency, prepaid, kind, inv_id, paid_now) -> tuple | None:
        """Checks 4-21 on one invoice (or line); the paid entry when it posts."""

        def fail(reason: str) -> None:
            d["reason"] = reason

        if not cprs:
            fail("MISSING_CPR")
        elif cvr is None:
            fail("INVALID_CVR")
        elif s is None or e is None:
            fail("MISSING_PERIOD")
        elif e < s or s > latest_start:  # a period starting more than a year after the run (README)
            fail("INVALID_PERIOD")
        elif amount is None or currency != "DKK" or prepaid != 0:
            fail("INVALID_AMOUNT")
        elif amount <= 0 or kind != "invoice":
            fail("CREDIT_NOTE")
        elif seen_before(cvr, number_key(inv_id)):
            fail("DUPLICATE_INVOICE")
        if d["reason"]:
            return None
        cpr = cprs[0]
        with_cpr = [g for g in usable if g.cpr == cpr]
        with_sup = [g for g in with_cpr if g.cvr == cvr]
        covering = [g for g in with_sup if g.start <= s and (g.end is None or g.end >= e)]
        fixed = [g for g in covering if g.unit != "hour"]
        expected = {g.grant_id: expected_amount(g.rate, g.unit, s, e) for g in fixed}
        fitting = [g for g in fixed if abs(amount - expected[g.grant_id]) <= tolerance]
        if not with_cpr:
            fail("NO_GRANT")
        elif not with_sup:
            fail("NO_GRANT_FOR_SUPPLIER")
        elif not covering:
            fail("PERIOD_NOT_COVERED")
        elif not fixed:
            fail("NO_FIXED_RATE")
        elif not fitting:
            fail("AMOUNT_MISMATCH")
            d["expected_amount"] = min((abs(amount - expected[g.grant_id]), expected[g.grant_id]) for g in fixed)[1]
        elif len(fitting) > 1 or any(
            c == cpr and v in (cvr, None) and (a is None or a <= e) and (b is None or b >= s) for c, v, a, b in left_out
        ):  # two fit, or one and a row left out that may cover part of the period
            fail("AMBIGUOUS")
        if d["reason"]:
            return None
        g = fitting[0]
        d["grant_id"] = g.grant_id
        d["expected_amount"] = expected[g.grant_id]
        service = svc.get(sheet_key(g.service, code=True))
        owner = sup.get(g.cvr)
        if service:
            d["paragraph"] = service[0]
        rows = []
        if service and owner:
            rows = [
                c
                for c in codes
                if c[:3] == (service[0], owner, service[1]) and c[5] <= s and (c[6] is None or c[6] >= s)
            ]
            rows += [
                None
                for c in held_codes
                if all(
                    not part or part == mine for part, mine in zip(c[:3], (service[0], owner, service[1]), strict=True)
                )
                and c[3] <= s
                and (c[4] is None or c[4] >= s)
            ]
        if len(rows) != 1 or rows[0] is None:
            fail("NO_CODING")
            return None
        d["psp_element"], d["art"] = rows[0][3], rows[0][4]
        if cvr in excluded:
            fail("SUPPLIER_EXCLUDED")
        elif service[0] not in paragraphs:
            fail("PARAGRAPH_EXCLUDED")
        elif amount > max_amount:
            fail("AMOUNT_ABOVE_LIMIT")
        elif any(
            ps <= e
            and pe >= s
            and (
                pg == grant_key(g.grant_id)
                or (earlier and same_value(pg, grant_key(g.grant_id)))
                or (not earlier and in_run_same_value(pg, grant_key(g.grant_id)))
                or (pc, pv, psvc) == (cpr, cvr, number_key(g.service))
                or (pc, pv, ppar) == (cpr, cvr, service[0])  # registered again under another service
            )
            for pg, pc, pv, psvc, ps, pe, ppar, earlier in paid_now
        ):
            fail("ALREADY_PAID")
        else:
            d["status"] = "posted"
            return (grant_key(g.grant_id), cpr, cvr, number_key(g.service), s, e, service[0], False)
        return None

    def blank() -> dict:
        return {"status": "manual", "reason": "", "grant_id": "", "expected_amount": None, "paragraph": "", "psp_element": "", "art": ""}  # fmt: skip

    line_numbers: dict[tuple, int] = {}
    for (cvr, key), group in by_invoice.items():
        for line in group:
            number = (cvr, key, line_key(line["line_no"]))
            line_numbers[number] = line_numbers.get(number, 0) + 1

    def numbered(inv: dict) -> tuple | None:  # the invoice's (supplier, number) as its lines are found by
        number = unguarded(inv["invoice_id"].strip()).translate(str.maketrans(dict.fromkeys(LINE_BREAKS, " ")))
        cvr = cvr_ok(inv["supplier_cvr"].strip())
        return (cvr, by_value(number_key(number))) if number and cvr else None

    numbered_before: set = set()  # the (supplier, number) of the documents before: its lines the first's
    out = []
    decided = None  # the invoice before this one, with its decision
    for inv in invoices:
        # check 10 remembers it from now on, whatever its decision, once it has a number and a
        # valid supplier CVR, unless it was a credit note (all its lines, for a collective one):
        # held by check 9 with an amount of 0 or less or as the type credit_note; a document of
        # another type is remembered. The spec (v2) remembered only one that passed checks 1-9
        # (README, "No invoice is paid twice")
        if decided is not None:
            key, was, kind_was, amounts_was = decided
            rows = was.get("lines") or [was]
            credit = [
                r["reason"] == "CREDIT_NOTE" and (kind_was == "credit_note" or (a is not None and a <= 0))
                for r, a in zip(rows, amounts_was if was.get("lines") else amounts_was[:1], strict=False)
            ]
            if not (len(credit) == len(rows) and all(credit)):
                seen.add((key[0], by_value(key[1])))
        d = blank()
        out.append(d)
        first_of_number = numbered(inv) not in numbered_before
        numbered_before.add(numbered(inv))
        # a line break inside the number is a space: the import files read a line at a time
        inv_id = unguarded(inv["invoice_id"].strip()).translate(str.maketrans(dict.fromkeys(LINE_BREAKS, " ")))
        if not names_something(inv_id) or inv_id in EXCEL_ERRORS:  # no letter or digit, #N/A: no number (check 1)
            inv_id = ""

        invalid, cprs = invoice_cprs(inv["cpr"], inv["text"])
        cvr = cvr_ok(inv["supplier_cvr"].strip())
        s, e, _unreadable = invoice_period(inv["period_start"], inv["period_end"], inv["text"])
        amount = money(inv["amount"], decimals=2)
        currency = inv.get("currency", "").strip().upper() or "DKK"
        prepaid_cell = inv.get("prepaid_amount", "").strip()
        prepaid = money(prepaid_cell, decimals=2) if prepaid_cell else Fraction(0)
        kind = document_type(inv.get("document_type", ""))
        # the invoice's amount, then its lines' as they are decided
        amounts_was = [amount]
        decided = ((cvr, number_key(inv_id)), d, kind, amounts_was) if inv_id and cvr else None
        group = by_invoice.get((cvr, by_value(number_key(inv_id))), []) if cvr else []
        if not inv_id:
            d["reason"] = "MISSING_INVOICE_ID"
            continue
        if invalid:
            d["reason"] = "INVALID_CPR"
            continue
        lines_name_cprs = any(any(invoice_cprs(line["cpr"], line["text"])) for line in group)
        if group and cprs:  # with lines: the CPR numbers its own CPR cell and text give (the spec)
            cprs = list(dict.fromkeys([*cprs, *invoice_cprs("", inv["text"])[1]]))
        # one citizen named, another by its lines: to a caseworker (departs from the spec, which ignores the
        # lines; invoicekit 0.9.40)
        on_lines = [invoice_cprs(line["cpr"], line["text"]) for line in group]
        if (
            len(cprs) == 1
            and group
            and first_of_number  # its lines its own: the first document of its number
            and ({c for _, named in on_lines for c in named} - {cprs[0]} or any(bad for bad, _ in on_lines))
        ):
            d["reason"] = "LINES_MISMATCH"
            continue
        if len(cprs) == 1 or not group or (not cprs and not lines_name_cprs):
            if len(cprs) > 1:
                d["reason"] = "MULTIPLE_CPR"
                continue
            posted = checks_4_to_21(d, cprs, cvr, s, e, amount, currency, prepaid, kind, inv_id, paid)
            if posted:
                paid.append(posted)
                if run_date is not None:
                    d["posting_dates"] = [posting_date(s, e, run_date, supplementary)]
            continue
        # a collective invoice with lines: check 3 on the lines, then line by line
        parsed = []
        mismatch = False
        for line in group:
            l_invalid, l_cprs = invoice_cprs(line["cpr"], line["text"])
            l_amount = money(line["amount"], decimals=2)
            no = line["line_no"].strip()
            if (
                not no
                or line_numbers[(cvr, by_value(number_key(inv_id)), line_key(no))] > 1
                or l_invalid
                or len(l_cprs) != 1
            ):
                mismatch = True
            parsed.append((no, l_cprs, l_amount, line))
        if not mismatch:
            amounts = [a for _, _, a, _ in parsed]
            mismatch = amount is None or None in amounts or sum(amounts) != amount
        if not mismatch and cprs:
            mismatch = set(cprs) != {c[0] for _, c, _, _ in parsed}
        if mismatch:
            d["reason"] = "LINES_MISMATCH"
            continue
        d["lines"] = []
        amounts_was[:] = [a for _, _, a, _ in parsed]  # check 10 reads a collective invoice's lines
        paid_now = list(paid)
        posted_lines = []
        for no, l_cprs, l_amount, line in parsed:
            ls, le, l_unreadable = invoice_period(
                line.get("period_start", ""), line.get("period_end", ""), line["text"]
            )
            # a blank cell is the invoice's, but where the line's text says something of its period and
            # gives none (two periods, a date, loose days: text_periods holds two "periods" then)
            # nor one whose text names a month the invoice's period does not hold (Ophold februar on March's)
            if not l_unreadable and len(text_periods(line["text"])) < 2 and line_months_held(s, e, line["text"]):
                ls = s if ls is None else ls
                le = e if le is None else le
            ld = blank()
            posted = checks_4_to_21(ld, l_cprs, cvr, ls, le, l_amount, currency, prepaid, kind, inv_id, paid_now)
            if posted:
                paid_now.append(posted)
                posted_lines.append(posted)
            d["lines"].append({"line_no": no, **ld})
        results = d["lines"]
        failed = [r for r in results if r["status"] != "posted"]
        if failed:
            d["reason"] = failed[0]["reason"]
            for r in results:
                r["status"] = "manual"
        else:
            d["status"] = "posted"
            paid.extend(posted_lines)
            if run_date is not None:  # one date for the invoice: from its lines' whole period
                whole = (min(p[4] for p in posted_lines), max(p[5] for p in posted_lines))
                d["posting_dates"] = [posting_date(*whole, run_date, supplementary)] * len(posted_lines)
        for name in ("grant_id", "paragraph", "psp_element", "art"):
            d[name] = ";".join(dict.fromkeys(r[name] for r in results if r[name]))
        expected = [r["expected_amount"] for r in results]
        d["expected_amount"] = None if None in expected else sum(expected)
    return out
