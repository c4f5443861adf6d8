"""A sixth review of the 0.9.32 session's mends (lines naming months, types' decisions files): faults
they left open or made. Each test failed on the mends reviewed."""

from __future__ import annotations

import pandas as pd
import pytest

from invoicekit.errors import InputError
from invoicekit.types.mapping import posted_flags
from tests.test_attack_0932_lines import _decide
from tests.test_lines import ANNA, BO, CVR


def _march_invoice_with_line(text: str):
    invoice = {"invoice_id": "S1", "supplier_cvr": CVR, "amount": "50.000,00", "cpr": "",
               "period_start": "01.03.2019", "period_end": "31.03.2019", "text": "Samlefaktura"}  # fmt: skip
    lines = [
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "1", "cpr": ANNA, "amount": "30000", "text": text},
        {"invoice_id": "S1", "supplier_cvr": CVR, "line_no": "2", "cpr": BO, "amount": "20000", "text": ""},
    ]
    return _decide([invoice], lines)


def _posted_as_march_for_anna(r) -> int:
    return len(r.postings[(r.postings["cpr"] == ANNA) & (r.postings["period_start"] == pd.Timestamp("2019-03-01"))])


@pytest.mark.parametrize("text", ["Døgnophold februarmåned 2019", "Ophold i februarmåned"])
def test_compound_month_word_paid_as_invoices_month(text):
    """What a user sees: a collective invoice for March 2019 whose line 1 (blank period cells) reads
    "Døgnophold februarmåned 2019" -- the ordinary Danish compound for "the month of February" -- is
    posted, Anna's February stay sent to OPUS with Ydelsesperiode 01.03.2019-31.03.2019 (her real
    March invoice will then be held as ALREADY_PAID). "Døgnophold februar måned 2019" (two words) is
    correctly MISSING_PERIOD.

    What they should see: manual, MISSING_PERIOD, as for "februar måned" (README, Collective invoices:
    "a month named as a word ... that the invoice's period does not hold").

    Cause: invoicekit/parsing.py:months_named -- _MONTH_WORD's lookahead (?![^\\W\\d_]) refuses a month
    name with "måned" (or any letters) joined on, so the line names no month; tests/reference.py
    line_months has the same pattern (they agree, both wrong)."""
    r = _march_invoice_with_line(text)
    assert _posted_as_march_for_anna(r) == 0, f"line 1 ({text!r}) was posted for March"
    assert tuple(r.decisions.iloc[0][["status", "reason"]]) == ("manual", "MISSING_PERIOD")


@pytest.mark.parametrize("text", ["udflyttet 15. feb.", "Ophold til og med 28. feb."])
def test_short_month_after_a_day_paid_as_invoices_month(text):
    """What a user sees: on a March 2019 collective invoice a line "udflyttet 15. feb." (blank period
    cells) is posted for the whole of March; the same line written "udflyttet 15. februar" is
    MISSING_PERIOD. A day before a short name is as clear a date as a number after it ("feb. 2019" and
    "feb-19" are read).

    What they should see: manual, MISSING_PERIOD, as for the full name.

    Cause: invoicekit/parsing.py:months_named -- _AFTER_SHORT/_BEFORE_SHORT accept a short name only
    before a number or next to another month, never after a day ("15. feb."); and
    names_no_one_period reads named days before full names only."""
    r = _march_invoice_with_line(text)
    assert _posted_as_march_for_anna(r) == 0, f"line 1 ({text!r}) was posted for March"
    assert tuple(r.decisions.iloc[0][["status", "reason"]]) == ("manual", "MISSING_PERIOD")


@pytest.mark.parametrize("text", ["Ophold 02/2019", "Ophold 02-2019", "Ophold md. 2/2019"])
def test_month_in_digits_paid_as_invoices_month(text):
    """What a user sees: on a March 2019 collective invoice a line "Ophold 02/2019" (blank period cells:
    February's stay, month and year in digits as many suppliers write it) is posted as March 2019.

    What they should see: manual, MISSING_PERIOD: the text says something of the line's period (a
    month of another period) -- as a date in digits ("15.03.2019") and a month name ("februar 2019")
    already are.

    Cause: invoicekit/parsing.py:names_no_one_period (_digit_date_in needs a day; months_named reads
    words only), used by invoicekit/lines.py:_Plan.batch; tests/reference.py text_periods likewise."""
    r = _march_invoice_with_line(text)
    assert _posted_as_march_for_anna(r) == 0, f"line 1 ({text!r}) was posted for March"
    assert tuple(r.decisions.iloc[0][["status", "reason"]]) == ("manual", "MISSING_PERIOD")


@pytest.mark.parametrize("text", ["Ophold marts Maj\u2010Britt Hansen", "Ophold marts Anne\u2011Maj"])
def test_name_with_unicode_hyphen_sent_to_manual(text):
    """What a user sees: an ordinary March line "Ophold marts Maj‐Britt Hansen" (a Unicode hyphen
    U+2010, or Word's non-breaking hyphen U+2011, in the name) goes to manual, MISSING_PERIOD: "Maj"
    is taken for May. With an ASCII hyphen the same line posts.

    What they should see: posted, as "Maj-Britt" (README: a month that is also a first name is none in
    a person's name, "Maj-Britt", "Anne-Maj").

    Cause: invoicekit/parsing.py:_in_a_name looks for an ASCII "-" only ((?:-|\\s+) and -$), while the
    months themselves are joined by every dash in _DASHES; tests/reference.py line_months likewise."""
    r = _march_invoice_with_line(text)
    assert r.decisions.iloc[0]["status"] == "posted", r.decisions.iloc[0]["reason"]


def test_posted_flags_miscounts_files_when_one_is_empty(tmp_path):
    """What a user sees: `invoicekit types --invoices a.csv b.csv --decisions da/decisions.csv
    db/decisions.csv` where db/decisions.csv is cut short to its header (b.csv has invoices) says
    "--decisions: 1 file(s) for 2 extract(s); expected one decisions.csv per extract" -- but two files
    were given, one per extract, and the wrong one is never named.

    What they should see: one line naming db/decisions.csv: it decides 0 invoices where b.csv has 2
    (as before the change).

    Cause: invoicekit/types/mapping.py:posted_flags drops every decisions file of no rows before
    counting the files, not only those of an extract of no rows."""
    inv = pd.DataFrame(
        {"file": ["a.csv"] * 2 + ["b.csv"] * 2, "invoice_id": ["1", "2", "3", "4"], "supplier_cvr": [CVR] * 4}
    )
    header = "row,invoice_id,supplier_cvr,status,reason\n"
    (tmp_path / "da").mkdir()
    (tmp_path / "db").mkdir()
    da, db = tmp_path / "da" / "decisions.csv", tmp_path / "db" / "decisions.csv"
    da.write_text(header + f"1,1,{CVR},posted,\n2,2,{CVR},manual,X\n")
    db.write_text(header)
    with pytest.raises(InputError) as err:
        posted_flags(inv, [da, db])
    message = str(err.value)
    assert "1 file(s)" not in message and "db" in message, message
