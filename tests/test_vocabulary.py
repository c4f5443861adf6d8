"""The vocabulary's listed character classes against Python's own Unicode data."""

from __future__ import annotations

import unicodedata

from invoicekit.vocabulary import DASH_CHARS


def test_the_dashes_are_every_dash_unicode_knows_and_the_minus_sign():
    """DASH_CHARS is listed (scanning every code point cost every command 70 ms to start): it must still be
    Unicode's Pd and the minus sign; a newer Python with a new dash fails here, and the list is extended."""
    scanned = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Pd"} | {"\u2212"}
    assert scanned == DASH_CHARS, sorted(hex(ord(c)) for c in scanned ^ DASH_CHARS)
