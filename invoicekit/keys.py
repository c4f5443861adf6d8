"""How numbers are compared to catch a payment made twice: the one place the
rule lives (robot spec, checks 10 and 21).

An invoice number is compared after Unicode NFKC, case folding, digits of
any script read as 0-9, and removing whitespace, every dash (Unicode category
Pd and the characters with the Dash property, the minus signs and their
lookalikes) and everything invisible (control and format characters,
combining marks left over after NFKC, and the default-ignorable code points
such as variation selectors and Hangul fillers), so ``SOL-1001``, ``sol
1001``, ``SOL–1001`` and ``SOL\\u200b1001`` are the same number. A grant id is compared the same way with trailing dots
removed (``B-1001.`` is ``b1001``). Check 10 compares a number of digits alone by its value
(:func:`value_keys`: ``0004711`` is ``4711``), as a workbook's number cell drops leading zeros,
and the journal keeps the key of that value beside the number's (:func:`value_key_texts`). Service codes, where check 21 compares
them, are normalised as invoice numbers.

The journal must not hold a full CPR number, and an invoice number may be one.
What it stores of a number is its *key*: the normalised number when it holds
no run of ten digits and nothing else that reads as a CPR number
(``010140/1234``, ``010140.1234``: :data:`~invoicekit.vocabulary.CPR_LIKE`),
else ``#`` and a keyed hash (BLAKE2b with the journal's own secret) of it.
Up to invoicekit 0.9.2 only ten digits in a row were hashed; :func:`rekeyed`
makes such a journal's keys what this version stores (journal schema 7; 0.9.9 added
the birth date written as a date, ``01.01.90-1234``, and 0.9.13 the birth date and
sequence number joined by ``,`` ``:`` ``+`` ``#`` ``'`` or a middle dot, ``200190,1234``, and 0.9.16 the
dated birth date and its sequence number joined by ``.`` or ``/``, ``14.10.80.1515``, and the day
and the month of a dated one in one digit, ``1.2.85-1234``). The key of a citizen's service (check 21's "same CPR,
supplier and service") is always hashed, whole, and so is the key of a citizen's
paragraph at a supplier (its "same CPR, supplier and paragraph").

A *legacy* key (``~`` first) is what a journal of schema 1 allows: it stored
invoice numbers and CPR numbers masked (``DDMMYY-xxxx``). Such keys are
compared with the same masked form of a new invoice, so a payment recorded by
an older version is never missed (the comparison can only be broader). The
masked number in a legacy invoice key is stored as any number
(:func:`legacy_keys`): hashed where it still reads as a CPR number.

This module imports nothing of the package.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicekit.distinct import first_rows
from invoicekit.texts import arrow_text, matches_regex, text_bytes
from invoicekit.vocabulary import CPR_THOUSANDS_RE2, CPR_UNDATED_RE2, UNSEEN, is_ignorable

HASHED = "#"
LEGACY = "~"


#: Unicode's Dash property beyond category Pd, and minus lookalikes
_DASHES = frozenset("\u2053\u207b\u208b\u2212\u02d7\u2796\u2e3a\u2e3b\ufe63\uff0d\U00010ead")
_INVISIBLE_CATEGORIES = frozenset(("Pd", "Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp"))


def _removed(ch: str) -> bool:
    """Whitespace, a dash or anything invisible: not part of a number."""
    if ch.isspace() or ch in _DASHES or unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
        return True
    return is_ignorable(ch)


#: a birth date written as a date and a sequence number, as a key holds it (the
#: dash gone: ``13.03.85-3333`` is ``13.03.853333``; the year may have four digits;
#: the sequence number after one more ``.`` or ``/``, ``13.03.85.3333``, and the day and
#: the month in one digit, ``1.2.85-1234``, since 0.9.16)
_KEY_DATED_RE2 = r"[0-9]{1,2}[./][0-9]{1,2}[./](?:[0-9]{2})?[0-9]{2}[_./]?[0-9]{4}"
#: what makes a stored number a keyed hash: ten digits in a row (of any script),
#: or what else reads as a CPR number once normalised (``010140/1234``): it might be one
#: or a CPR number shown with thousands separators (``2.311.854.711``: from schema 10, 0.9.31)
#: or (from schema 11, 0.9.32) ten digits joined by ``_`` (``1_806_621_861``, as Python groups a number): the
#: masking read it as a CPR number, the key kept it in clear (an attack on 0.9.31)
#: ``_`` may stand before and after them (``FAK_1_806_621_861``, a review of the first version), not a digit
#: so joined (``5_1_806_621_861`` is eleven digits)
_KEY_UNDERSCORED_RE2 = r"(?:^|[^0-9_])_*[0-9](?:_{0,3}[0-9]){9}_*(?:$|[^0-9_])"
_HASHED_WHEN_RE2 = rf"\p{{Nd}}{{10}}|{CPR_UNDATED_RE2}|{_KEY_DATED_RE2}|{CPR_THOUSANDS_RE2}|{_KEY_UNDERSCORED_RE2}"
#: a stored key that is a keyed hash (:func:`digest`), or a legacy key (``~``
#: and one): kept as it is by :func:`rekeyed` (a hash may well hold ten digits
#: in a row). Any other key is a text and is hashed whole where it reads as a
#: CPR number: a number may begin with ``~`` (``～`` too, once NFKC), and a
#: legacy invoice key of older versions (``~`` and a number schema 1 stored
#: masked) may still show a CPR number in a form it did not mask
_KEYED_RE2 = r"^~?#[0-9a-f]{32}$"
_ASCII_REMOVED_RE2 = r"[\x{00}-\x{20}\x{7f}\-]+"  # ASCII controls, the space and the hyphen (removed byte by byte)


def new_secret() -> str:
    """A fresh secret for keyed hashes (64 hex digits)."""
    return secrets.token_hex(32)


#: the mark a spreadsheet-safe writer puts before a formula start (``'-SOL-77``),
#: as Excel marks text: the readers take it off a number that begins with one
#: (:data:`invoicekit.vocabulary.GUARDED_CELL_RE2`), so the keys made now never
#: hold it there; a journal written before 0.9.9 may (:func:`with_unmarked`)
TEXT_MARK = "'"


def normalise_number(text: object) -> str:
    """One invoice number as check 10 compares it."""
    folded = unicodedata.normalize("NFKC", "" if text is None else str(text)).casefold()
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in folded if not _removed(ch))


def with_unmarked(seen: pd.DataFrame, column: str = "invoice_key") -> pd.DataFrame:
    """The invoices seen, each plain key that begins with :data:`TEXT_MARK`
    there twice: as stored, and without the mark. Before 0.9.9 a number
    convert wrote guarded (``'-SOL-77``) was keyed with its mark (``'sol77``);
    now the mark is read off first (``sol77``). The key as stored still
    matches a number that truly begins with ``'``; the one without it matches
    the guarded number read now (at worst a number without the mark is then a
    duplicate of one with it: manual, never paid). A hashed key cannot be made
    again without the mark: for a guarded number that reads as a CPR number,
    check 10 compares the key made with it too (:func:`marked_keys`)."""
    keys = seen[column]
    marked = keys.str.startswith(TEXT_MARK, na=False).to_numpy()
    if not marked.any():
        return seen
    extra = seen[marked].copy()
    extra[column] = extra[column].str.lstrip(TEXT_MARK)
    return pd.concat([seen, extra], ignore_index=True)


def marked_keys(numbers: np.ndarray, secret: str) -> np.ndarray:
    """The keys versions before 0.9.9 stored of ``numbers`` (as read now, the
    mark read off) read from a guarded cell (``'-0101901234``): made with
    :data:`TEXT_MARK` first, hashed where they read as a CPR number. Where a
    key is hashed, :func:`with_unmarked` cannot take the mark off what the
    journal holds, so check 10 compares this one too."""
    marked = np.array([TEXT_MARK + str(n) for n in np.asarray(numbers, dtype=object)], dtype=object)
    return stored_keys(normalise_numbers(marked), secret)


def normalise_grant_id(text: object) -> str:
    """One grant id as check 21 compares it: as an invoice number, trailing dots removed."""
    return normalise_number(text).rstrip(".")


def normalise_numbers(values: object) -> np.ndarray:
    """:func:`normalise_number` whole-column: ASCII text (nearly all) with
    pyarrow, the rest one by one."""
    return np.asarray(normalise_numbers_arrow(values).to_numpy(zero_copy_only=False), dtype=object).copy()


def normalise_numbers_arrow(values: object) -> pa.Array:
    """:func:`normalise_numbers` as arrow text, for a column that stays
    arrow (the typed invoices' ``invoice_key``): no Python string is made
    but for the few numbers that are not ASCII."""
    arr = pc.fill_null(arrow_text(values), "")
    ascii_ = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
    fast = _without_ascii_removed(pc.ascii_lower(arr))
    if ascii_.all():
        return fast
    other = arr.filter(pa.array(~ascii_)).to_pylist()
    each = {raw: normalise_number(raw) for raw in set(other)}  # each distinct number once
    slow = [each[raw] for raw in other]
    return pc.replace_with_mask(fast, pa.array(~ascii_), pa.array(slow, type=fast.type))


#: a grant id of digits alone, maybe behind Excel's mark of text (``'``) or with a ``.0`` or ``,0`` after them
#: (an id column a CSV saved from Excel wrote as a number, with a point or a Danish comma), or grouped in
#: threes by ``.`` or ``,`` (Excel's number format with its thousands separator, Danish ``4.104.858`` or
#: English ``4,104,858``, since 0.9.38: a grant moved to another supplier was paid again for March under
#: ``4.104.858``); a single group of ``000`` (``123.000``) is read as decimals, as before: compared by value
GRANT_DIGITS = (
    r"^'?([0-9]{1,3}(?:\.[0-9]{3}){2,}(?=(?:,0*)?$)|[0-9]{1,3}\.(?!000)[0-9]{3}(?=(?:,0*)?$)"
    r"|[0-9]{1,3}(?:,[0-9]{3}){2,}(?=(?:\.0*)?$)|[0-9]{1,3},(?!000)[0-9]{3}(?=(?:\.0*)?$)|[0-9]+)(?:[.,]0*)?$"
)


def grant_values(ids: object) -> np.ndarray:
    """Grant ids (:func:`normalise_grant_ids`) as compared by value: an id of digits (:data:`GRANT_DIGITS`)
    without its leading zeros (``00123``, ``123.0``, ``'0123`` are ``123``), any other as it is. A workbook
    keeps an id as a number and drops its zeros; comparing so can only find a period paid."""
    return valued_grant_ids(ids)[0]


def valued_grant_ids(ids: object) -> tuple[np.ndarray, np.ndarray]:
    """:func:`grant_values` of ``ids``, and which of them are of digits (:data:`GRANT_DIGITS`): read once."""
    ids = pd.Series(np.asarray(ids, dtype=object), dtype=object)
    number = ids.str.extract(GRANT_DIGITS, expand=False)
    digits = number.notna().to_numpy(dtype=bool)
    value = number.fillna("").str.replace(r"[.,]", "", regex=True).str.lstrip("0").replace("", "0")
    return np.where(digits, value.to_numpy(dtype=object), ids.to_numpy(dtype=object)), digits


def sheet_keys(values: pd.Series, codes: bool = False) -> pd.Series:
    """How service codes (``codes``) and target groups are compared, between the grants and the support sheet
    and among the sheet's rows: as a person reads them: NFC (a letter written as two, as a Mac writes Å, is
    one), without characters nobody sees (:data:`~invoicekit.vocabulary.UNSEEN`; combining marks kept: O and a
    long solidus is Ø, not O), every kind of dash a ``-`` and every kind of space a space, spaces run
    together, trimmed and case folded; a service code, an identifier, without its spaces and dashes, as check
    21 compares services (``SEL108 BO``, ``SEL108–BO`` and ``SEL108-BO`` are one). Not NFKC: it would make
    ``SEL108²`` ``SEL1082``, which a person reads as another code. A row left out whose target group or code
    held a zero-width space, a no-break space or an en dash (Word's) agreed with no row read, held nothing
    back, and the invoice was posted on an older row's PSP element (reviews)."""
    code, distinct = pd.factorize(values.fillna("").astype(str).to_numpy(dtype=object), use_na_sentinel=False)
    keys = np.array([_sheet_key(str(v), codes) for v in distinct], dtype=object)
    return pd.Series(keys[code] if len(code) else np.array([], dtype=object), index=values.index, dtype=object)


def _sheet_key(text: str, code: bool) -> str:
    """:func:`sheet_keys` of one cell: a space first (a next-line character, U+0085, as cp1252's '…' reads in
    Latin-1, is a space, not a control), then what nobody sees (every format and control character and
    Unicode's default-ignorables, as :data:`~invoicekit.vocabulary.UNSEEN` and beyond it: a review found
    U+0890 kept), then the dashes."""
    seen, out = unicodedata.normalize("NFC", text), []
    for ch in seen:
        if ch.isspace():
            ch = "" if code else " "
        elif UNSEEN.match(ch) or unicodedata.category(ch) in ("Cf", "Cc"):
            continue
        elif _is_dash(ch):
            ch = "" if code else "-"
        out.append(ch)
    if not code:
        # a dash with spaces around it (Word's ' – ') is the dash alone: 'Voksne – …' is 'Voksne-…' (a review)
        return re.sub(r" ?- ?", "-", " ".join("".join(out).split())).casefold()
    # a code of dashes alone (a placeholder '-', '–', '--') is one code, not none
    return "".join(out).casefold() or ("-" if any(_is_dash(ch) for ch in seen) else "")


def ascii_dashes(text: str) -> str:
    """``text`` with every dash (:func:`_is_dash`: Word's en dash, a
    non-breaking hyphen) written as ``-``: an identifier OPUS knows
    (``XG‑5385000108‑00001`` pasted from Word is ``XG-5385000108-00001``)."""
    return "".join("-" if _is_dash(ch) else ch for ch in text) if not text.isascii() else text


def _is_dash(ch: str) -> bool:
    """Whether ``ch`` is a dash: category Pd, or one of :data:`_DASHES`."""
    return ch in _DASHES or unicodedata.category(ch) == "Pd"


def service_keys(codes: object) -> np.ndarray:
    """Service codes as check 21 compares them (:func:`normalise_numbers`); a code of no letter or digit (a
    placeholder ``-``, ``‐``, ``--``), which check 21 takes for one service, as one key of its own
    (:data:`PLACEHOLDER_SERVICE`), so that it is still found (a review: dropped as nothing, a payment under it
    was compared with no other service; a second: keyed as written, another spelling of it was); a blank one
    as none (``""``)."""
    codes = ["" if c is None or (isinstance(c, float) and np.isnan(c)) else str(c) for c in codes]
    keys = normalise_numbers(np.asarray(codes, dtype=object))
    return np.asarray(
        [k if k else (PLACEHOLDER_SERVICE if c.strip() else "") for k, c in zip(keys, codes, strict=True)],
        dtype=object,
    )


#: :func:`service_keys`' key of a service code of no letter or digit; :func:`normalise_numbers` gives none such
PLACEHOLDER_SERVICE = "\x00placeholder"


def _without_ascii_removed(arr: pa.Array) -> pa.Array:
    """``arr`` (arrow text) without the bytes :data:`_ASCII_REMOVED_RE2`
    matches, all cells at once: ASCII bytes are never part of a longer UTF-8
    character, so dropping each such byte of the character data is what
    replacing the pattern with nothing gives, without a regex pass (three
    times faster on half a million invoice numbers)."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    bounds, raw = text_bytes(arr)
    removed = (raw <= 0x20) | (raw == 0x7F) | (raw == 0x2D)
    at = np.flatnonzero(removed)
    if len(at) == 0:
        return arr
    # each cell's new end: its old end less the bytes removed before it
    offsets = (bounds - np.searchsorted(at, bounds)).astype(np.int64)
    return pa.LargeStringArray.from_buffers(len(arr), pa.py_buffer(offsets), pa.py_buffer(raw[~removed]))


#: a normalised number of digits alone
_DIGITS_ONLY_RE2 = r"^[0-9]+$"
#: the widths to which check 10 pads a workbook's number cell to find it among the journal's hashed
#: keys: from ten digits (what is hashed) to fifteen (what a number cell holds exactly)
PADDED_WIDTH = 10
MAX_NUMBER_CELL_DIGITS = 15


def digits_only(normalised: pa.Array) -> np.ndarray:
    """Which normalised numbers (arrow text) are digits alone."""
    return pc.fill_null(pc.match_substring_regex(normalised, _DIGITS_ONLY_RE2), False).to_numpy(zero_copy_only=False)


def value_keys(normalised: object) -> pa.Array:
    """Normalised numbers (arrow text) as check 10 compares them: a number of
    digits alone by its value, without leading zeros (``0004711`` is
    ``4711``, ``000`` is ``0``), as a workbook's number cell drops them; any
    other as it is. Never stored: the journal keeps :func:`stored_keys`."""
    arr = pc.fill_null(arrow_text(normalised), "")
    digits = digits_only(arr)
    if not digits.any():
        return arr
    stripped = pc.utf8_ltrim(arr, "0")
    stripped = pc.if_else(pc.equal(stripped, ""), pa.scalar("0", arr.type), stripped)
    return pc.if_else(pa.array(digits), stripped, arr)


#: a value of digits alone is kept as a keyed hash from this many digits: a CPR number whose
#: leading zero a workbook dropped (``101901234``) has nine
VALUE_HASHED_FROM = 9


def value_key_texts(normalised: object, secret: str, values: pa.Array | None = None) -> pa.Array:
    """What the journal keeps of each number's value (``invoice_value_key``,
    since 0.9.22): for a number of digits alone its value without leading
    zeros (:func:`value_keys`), as a keyed hash from nine digits on; blank
    for any other number. Check 10 finds a number again by it whatever
    zeros a file or a workbook put before it or took away, by an exact
    look-up (a review found ``0000000000004711`` paid by hand and ``4711``
    from a workbook posted; the journal had kept the number hashed).
    ``values``: :func:`value_keys` of them, where made already."""
    arr = pc.fill_null(arrow_text(normalised, pa.large_string()), "")
    digits = digits_only(arr)
    if not digits.any():
        return pa.repeat(pa.scalar("", pa.large_string()), len(arr))
    value = arrow_text(values if values is not None else value_keys(arr), pa.large_string())
    long = digits & (pc.utf8_length(value).to_numpy(zero_copy_only=False) >= VALUE_HASHED_FROM)
    return pc.if_else(pa.array(digits), _hashed_where(value, long, secret), pa.scalar("", pa.large_string()))


def normalise_grant_ids(values: object) -> np.ndarray:
    """:func:`normalise_grant_id` whole-column."""
    out = normalise_numbers(values)
    dotted = np.fromiter((v.endswith(".") for v in out), dtype=bool, count=len(out))
    for k in np.flatnonzero(dotted):
        out[k] = out[k].rstrip(".")
    return out


def digest(text: str, secret: str) -> str:
    """``#`` and the keyed hash of ``text`` (128 bits, hex)."""
    h = hashlib.blake2b(text.encode("utf-8"), key=bytes.fromhex(secret)[:64], digest_size=16)
    return HASHED + h.hexdigest()


def file_digest(sha256_hex: str, secret: str) -> str:
    """The journal's keyed form of a file's SHA-256 (hex in, 64 hex digits out): BLAKE2b with the
    journal's secret, apart from the keys by its personalisation. The payment file holds CPR numbers
    and nothing else the journal does not hold too, so its plain checksum let 10,000 tries of a
    citizen's sequence number find the one whose file it is (an attack on 0.9.38)."""
    h = hashlib.blake2b(sha256_hex.encode("ascii"), key=bytes.fromhex(secret)[:64], digest_size=32, person=b"file")
    return h.hexdigest()


def digests(texts, secret: str) -> list[str]:
    """:func:`digest` of each text: the keyed state is made once and copied."""
    keyed = hashlib.blake2b(key=bytes.fromhex(secret)[:64], digest_size=16)

    def one(text: str) -> str:
        h = keyed.copy()
        h.update(text.encode("utf-8"))
        return HASHED + h.hexdigest()

    return [one(t) for t in texts]


def stored_keys(normalised: np.ndarray, secret: str) -> np.ndarray:
    """What the journal may hold of normalised numbers: the number itself, or
    its keyed hash where it reads as a CPR number (ten digits in a row, or
    :data:`~invoicekit.vocabulary.CPR_UNDATED_RE2`): :func:`stored_keys_arrow`,
    as Python texts."""
    return np.array(stored_keys_arrow(normalised, secret).to_numpy(zero_copy_only=False), dtype=object)


def stored_keys_arrow(normalised: object, secret: str) -> pa.Array:
    """:func:`stored_keys` as arrow, from texts or arrow."""
    if isinstance(normalised, pa.Array):
        arr = normalised.cast(pa.large_string())
    else:
        arr = pa.array(np.asarray(normalised, dtype=object), type=pa.large_string())
    return _hashed_where(arr, matches_regex(arr, _HASHED_WHEN_RE2).to_numpy(zero_copy_only=False), secret)


def rekeyed(keys: object, secret: str) -> tuple[pa.Array, int]:
    """Keys as an older invoicekit stored them (texts or arrow), as this one
    stores them: a key kept as the number, where this version hashes the
    number (it reads as a CPR number), becomes its keyed hash; hashed keys
    and legacy keys of a hash stay as they are. A key of ``~`` and a number
    that reads as a CPR number is hashed whole, as the number it may be (a
    legacy invoice key the journal could not make again from its number then
    no longer matches: it could not anyway). Returns the keys and how many
    changed."""
    arr = pc.fill_null(arrow_text(keys), "")
    clear = pc.invert(pc.match_substring_regex(arr, _KEYED_RE2))
    risky = pc.and_(clear, matches_regex(arr, _HASHED_WHEN_RE2)).to_numpy(zero_copy_only=False)
    return _hashed_where(arr, risky, secret), int(risky.sum())


def _hashed_where(arr: pa.Array, risky: np.ndarray, secret: str) -> pa.Array:
    """``arr`` (arrow text) with the texts where ``risky`` holds replaced by
    their keyed hash (:func:`digests`); ``arr`` itself where none."""
    at = np.flatnonzero(risky)
    if len(at) == 0:
        return arr
    hashed = pa.array(digests(arr.take(pa.array(at)).to_pylist(), secret), type=arr.type)
    return pc.replace_with_mask(arr, pa.array(risky), hashed)


def citizen_keys(cpr: np.ndarray, cvr: np.ndarray, service: np.ndarray, secret: str) -> np.ndarray:
    """The key of (citizen, supplier, service) for check 21: the three joined
    and hashed whole (a service code may hold digits too), each distinct
    triple once."""
    return _hashed_triples(np.asarray(cpr, dtype=object), cvr, service, secret)


def paragraph_keys(cpr: np.ndarray, cvr: np.ndarray, paragraph: np.ndarray, secret: str) -> np.ndarray:
    """The key of (citizen, supplier, paragraph) for check 21: a grant
    registered again under another service of the same paragraph (a monthly
    rate made daily) still pays the same stay. Hashed as the citizen key,
    the paragraph marked with ``§`` (no service code's key is ever one of
    these, and the two are never compared)."""
    marked = np.array(["§" + str(p) for p in np.asarray(paragraph, dtype=object)], dtype=object)
    return _hashed_triples(np.asarray(cpr, dtype=object), cvr, marked, secret)


def legacy_citizen_keys(cpr_masked: np.ndarray, cvr: np.ndarray, service: np.ndarray, secret: str) -> np.ndarray:
    """The citizen key a schema-1 journal allows: the birth date of the masked
    CPR instead of the CPR, hashed the same way, ``~`` first."""
    birth = np.array([str(c)[:6] for c in np.asarray(cpr_masked, dtype=object)], dtype=object)
    return LEGACY + _hashed_triples(birth, cvr, service, secret)


def _hashed_triples(a: np.ndarray, cvr: np.ndarray, service: np.ndarray, secret: str) -> np.ndarray:
    if len(a) == 0:
        return np.empty(0, dtype=object)
    columns = [pd.factorize(np.asarray(x, dtype=object)) for x in (a, cvr, service)]
    if any((codes < 0).any() or not all(type(u) is str for u in uniques) for codes, uniques in columns):
        # anything but texts (a blank read as NaN): joined as str() writes each value
        joined = _join(a, cvr, normalise_numbers(service))
        codes, distinct = pd.factorize(joined)
        return np.array(digests([str(u) for u in distinct], secret), dtype=object)[codes]
    # texts (always, from the extracts): each distinct triple joined and hashed once
    (ca, ua), (cb, ub), (cc, uc) = columns
    pair, _ = pd.factorize(ca.astype(np.int64) * len(ub) + cb)
    codes, distinct = pd.factorize(pair.astype(np.int64) * len(uc) + cc)
    first = first_rows(codes, len(distinct))  # each triple's first row
    joined = _join(ua[ca[first]], ub[cb[first]], normalise_numbers(uc)[cc[first]])
    return np.array(digests(joined, secret), dtype=object)[codes]


def legacy_keys(shown: np.ndarray, secret: str) -> np.ndarray:
    """The legacy key of masked numbers (as shown): ``~`` and the number
    normalised as any key is stored (:func:`stored_keys`): hashed where it
    still reads as a CPR number (a form the masking of its day let through),
    ``~`` first all the same, so that a journal holding one is still seen to
    hold legacy keys (:attr:`~invoicekit.history.History.has_legacy`)."""
    return LEGACY + stored_keys(normalise_numbers(shown), secret)


def stored_masked(shown: np.ndarray) -> np.ndarray:
    """Which invoice numbers a schema-1 journal stored masked (``xxxx`` in them)."""
    shown = np.asarray(shown, dtype=object)
    return np.fromiter(("xxxx" in str(s) for s in shown), dtype=bool, count=len(shown))


def _join(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    arrays = [pa.array(np.asarray(x, dtype=object).astype(str), type=pa.large_string()) for x in (a, b, c)]
    joined = pc.binary_join_element_wise(*arrays, pa.scalar("|", pa.large_string()))
    return np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
