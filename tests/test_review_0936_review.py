"""A review of 0.9.36's first mends: periods joined by `til og med den` and the like, a collective line's period
in full-width digits or named by its item without one period, and the line-by-line evaluation where the
truth lacks a line or numbers its lines `01`: each near variant of a fault mended is mended too."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from invoicekit import run
from invoicekit.cli import main
from tests.conftest import SOLHOJ, A, invoice
from tests.period_runs import february_then
from tests.test_review_0935 import LINE_COLUMNS, F, _grants, _sheet, _write
from tests.test_review_0936_einvoice import decided, posted, ubl, ubl_line
from tests.test_review_0936_evaluate import _collective_world

# ------------------------------------------------------------------ range joiners: near variants

#: a February stay whose two dates are joined as Danes write them, one word or sign beside those 0.9.36
#: added (``til og med den``, ``indtil den``, ``frem til den``, ``til d.``), or a day before a month name /
#: ISO dates / compact dates joined by ``til og med``, or a dash _JOINERS already lists for months
FEBRUARY_JOINED_NEARLY_SO = [
    "Døgnophold fra den 01.02.2019 til og med den 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 indtil den 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 frem til den 28.02.2019, faktureret marts 2019",
    "Døgnophold 01.02.2019 til d. 28.02.2019, faktureret marts 2019",
    "Døgnophold 1. til og med 28. februar 2019, faktureret marts 2019",
    "Døgnophold 2019-02-01 til og med 2019-02-28, faktureret marts 2019",
    "Døgnophold 20190201 t.o.m. 20190228, faktureret marts 2019",
    "Døgnophold 01.02.2019 \u2012 28.02.2019, faktureret marts 2019",
]


@pytest.mark.parametrize("text", FEBRUARY_JOINED_NEARLY_SO)
def test_a_february_stay_joined_til_og_med_den_is_never_paid_again_as_march(tmp_path, text):
    """A user suffers February's stay paid twice: F-100 (February, period cells filled) is posted; a
    reminder F-101 with its period only in its text, "Døgnophold fra den 01.02.2019 til og med den
    28.02.2019, faktureret marts 2019", is posted as 01.03.2019-31.03.2019 at a month's rate. 0.9.36
    added `til og med`, `til den` ... as range joiners (README, Periods: "joined so, the two dates were
    taken for lone dates, and `faktureret marts 2019` beside them was paid as March, February paid
    twice"), but `til og med den` (the form Danish letters use most), `indtil den`, `frem til den`,
    `til d.`, a day before a month name joined `til og med` (`1. til og med 28. februar 2019`), ISO or
    compact dates joined so, and the figure dash are still not ranges: the two dates are dropped and
    "marts 2019" is the one period. Spec check 21: never pay twice. Manual (no period) is right."""
    again = february_then(tmp_path, text)
    d = again["decisions"].iloc[0]
    assert d["status"] == "manual", f"{text!r} posted: {d['message']}"
    assert len(again["postings"]) == 0


# ------------------------------------------------------------------ digits of any script on a collective line


def _collective_with_line_text(tmp: Path, text: str):
    """A collective invoice of Solhøj for March 2019: A's line says March, F's line says ``text``."""
    tmp.mkdir(parents=True, exist_ok=True)
    inv = invoice(invoice_id="SAM-1", cpr="", amount="58.500,00", text="Samlefaktura marts")
    lines = [
        dict(zip(LINE_COLUMNS, ("SAM-1", SOLHOJ, "1", A, "28500,00", "", "", "Ophold marts 2019"), strict=True)),
        dict(zip(LINE_COLUMNS, ("SAM-1", SOLHOJ, "2", F, "30000,00", "", "", text), strict=True)),
    ]
    return run(grants=_write(tmp, "g.csv", _grants()), invoices=_write(tmp, "i.csv", [inv]),
               support_sheet=_sheet(tmp), invoice_lines=_write(tmp, "l.csv", lines, LINE_COLUMNS),
               out=tmp / "o")  # fmt: skip


@pytest.mark.parametrize(
    "text", ["Ophold ０２/２０１９", "Ophold ０２.２０１９", "Ophold periode ２０１９０２", "Ophold Q４ 2018"]
)
def test_a_collective_line_naming_february_in_full_width_digits_is_never_paid_as_march(tmp_path, text):
    """A user suffers F's February paid as March: on a collective invoice for March, F's line says
    "Ophold ０２/２０１９" (full-width digits, as a PDF's text layer gives them). Written `Ophold 02/2019`
    the line goes to a caseworker (MISSING_PERIOD: README, a month in digits on a collective invoice's
    line is "a month named as much as in words", a sixth review found `Ophold 02/2019` paid as March);
    0.9.36 reads "digits of any script ... as 0-9 in a text's periods", but only inside
    `_periods_and_named_days`: lines.py holds a line's text to its invoice's months with
    `holds_named(text, ...)` on the raw text, whose `_MONTH_IN_DIGITS`/`_QUARTER` classes are ASCII,
    so the line gets the invoice's March and is posted."""
    plain = _collective_with_line_text(tmp_path / "plain", text.translate({0xFF10 + k: 0x30 + k for k in range(10)}))
    assert plain.decisions["status"].tolist() == ["manual"]  # the same words in digits 0-9
    got = _collective_with_line_text(tmp_path / "wide", text)
    assert got.decisions["status"].tolist() == ["manual"], f"{text!r} posted: {got.decisions['message'].tolist()}"


# ------------------------------------------------------------------ a line's month named in its item


def _ubl_line_with_item(no: int, note: str, name: str = "", prop: str = "") -> str:
    line = ubl_line(no, "28500.00", note=note)
    if name:
        line = line.replace("<cbc:Name>Døgnophold</cbc:Name>", f"<cbc:Name>{name}</cbc:Name>")
    if prop:
        line = line.replace(
            "</cac:ClassifiedTaxCategory>",
            "</cac:ClassifiedTaxCategory><cac:AdditionalItemProperty><cbc:Name>Periode</cbc:Name>"
            f"<cbc:Value>{prop}</cbc:Value></cac:AdditionalItemProperty>",
        )
    return line


@pytest.mark.parametrize(
    "where,value",
    [
        ("name", "Døgnophold februar"),
        ("property", "02/2019"),
        ("property", "2019-02"),
        ("property", "februar"),
    ],
)
def test_a_collective_lines_item_naming_february_without_one_period_is_never_paid_as_march(tmp_path, where, value):
    """A user suffers B's February paid as March: a collective e-invoice for March (document period
    1-31 March), B's line with the generic description `Døgnophold § 108` and its month in the item's
    name (`Døgnophold februar`) or an item property (`Periode: 02/2019`, `2019-02`, `februar`). The same
    words as the line's description go to a caseworker (MISSING_PERIOD: the robot holds a collective
    line's text to its invoice's months). 0.9.36's first mend (`einvoice._period_named_beside`, since `_period_beside`) read the item only
    for ONE period (`period_in_text`): a month without a year or in digits gives none, nothing of it
    reaches the line's text, and the line is paid for March. README, period_start: "a line's item name
    ... or item property that names its one period holds the line to it as its text would"."""
    kw = {"name": value} if where == "name" else {"prop": value}
    as_description = ubl_line(2, "28500.00", note="Borger 620585-2345").replace(
        "Døgnophold § 108", value if where == "name" else f"Døgnophold {value}"
    )
    (tmp_path / "d").mkdir()
    said = decided(tmp_path / "d", ubl("Samlefaktura", "57000.00",
                                       ubl_line(1, "28500.00", note="Borger 610190-1234") + as_description))  # fmt: skip
    assert posted(said) == []  # written in the description: a caseworker decides
    (tmp_path / "i").mkdir()
    lines = ubl_line(1, "28500.00", note="Borger 610190-1234") + _ubl_line_with_item(2, "Borger 620585-2345", **kw)
    got = decided(tmp_path / "i", ubl("Samlefaktura", "57000.00", lines))
    assert not any("01.03.2019-31.03.2019 B-2001" in m for m in posted(got)), posted(got)


# ------------------------------------------------------------------ evaluate, line by line


def _evaluated(tmp_path: Path, change) -> pd.DataFrame:
    w = tmp_path / "w"
    _collective_world(w)
    change(w)
    assert main(["evaluate", "--world", str(w), "--out", str(tmp_path / "ev"), "--quiet"]) == 0
    return pd.read_csv(tmp_path / "ev" / "evaluation.csv", dtype=str, keep_default_na=False)


def test_a_line_known_wrong_stays_wrong_when_another_lines_truth_is_missing(tmp_path):
    """An auditor is told the miscoded collective invoice was posted right: truth-lines.csv holds lines
    1 and 2 of SOL-2000 (line 2's truth: the § 104 PSP element, where the robot posted § 108) but not
    line 3. `agree_by_lines` judges an invoice by its lines only where the truth holds every one of
    them, else falls back to the invoice's row of truth.csv, which lists each PSP element once and
    reads 108;104 alike for 108,108,104: posted_right. Line 2 is wrong whatever line 3's truth says
    (README, evaluate: "the message names the first line that differs"; the 0.9.36 attack: a line
    posted on another line's PSP element was judged right)."""

    def drop_line_3(w: Path) -> None:
        t = pd.read_csv(w / "truth-lines.csv", dtype=str)
        t[t["line_no"] != "3"].to_csv(w / "truth-lines.csv", index=False)

    ev = _evaluated(tmp_path, drop_line_3)
    assert ev["outcome"].tolist() == ["posted_wrong"], ev.to_dict("records")


def test_line_numbers_written_with_a_leading_zero_are_still_judged_line_by_line(tmp_path):
    """The same miscoded line judged right: the supplier numbers its e-invoice lines `01`, `02`, `03`
    (UBL `cbc:ID` is text), the truth `1`, `2`, `3`. `agree_by_lines` compares line numbers as text, finds
    no truth for any line and silently falls back to the row comparison: posted_right, where line 2 is
    on § 108 and its truth on § 104 (README, evaluate: judged line by line where the world's
    truth-lines.csv holds each of its lines)."""

    def zero_padded(w: Path) -> None:
        f = w / "invoices" / "invoice-lines-2019-03.csv"
        lines = pd.read_csv(f, dtype=str)
        lines["line_no"] = ["01", "02", "03"]
        lines.to_csv(f, index=False)

    ev = _evaluated(tmp_path, zero_padded)
    assert ev["outcome"].tolist() == ["posted_wrong"], ev.to_dict("records")
