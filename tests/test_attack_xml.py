"""Attacks on the reading of real e-invoices (OIOUBL / Peppol UBL, CII): each
test is an input that once made the converter and the robot pay wrongly, lose
an invoice or crash, with the rule of the robot spec or README it broke."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.errors import InputError
from invoicekit.run import run as run_robot
from tests.test_oioubl import doc

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "example"
#: grant B-1001 in the example world: 610190-1234 at Bostedet Solhøj (29345716), 28,500.00 a month
MARCH = (
    "<cbc:Note>Døgnophold marts 2019 610190-1234</cbc:Note><cac:InvoicePeriod>"
    "<cbc:StartDate>2019-03-01</cbc:StartDate><cbc:EndDate>2019-03-31</cbc:EndDate></cac:InvoicePeriod>"
)


def converted_and_run(tmp_path: Path, files: dict[str, bytes], lines: bool = False) -> pd.DataFrame:
    """Convert the files with ``invoicekit convert oioubl`` and run the robot on
    the example world; the decisions."""
    inbox = tmp_path / "indbakke"
    inbox.mkdir()
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    out, lines_out = tmp_path / "regninger.csv", tmp_path / "fakturalinjer.csv"
    main(["convert", "oioubl", str(inbox), "--out", str(out), "--lines-out", str(lines_out), "--quiet"])
    return run_robot(
        grants=EXAMPLE / "bevillinger.csv",
        invoices=out,
        invoice_lines=lines_out if lines else None,
        support_sheet=EXAMPLE / "stoetteark.xlsx",
        out=tmp_path / "run",
    ).decisions


def test_an_xml_amount_with_three_decimals_is_not_read_as_thousands(tmp_path):
    # XML amounts are xsd:decimal: "28.500" is 28.50 kroner. The converter writes it as
    # written ("28.500"), and the robot's extract reader takes a dot followed by three
    # digits for a Danish thousands separator (spec, "Reading extracts": 1.234,50), so
    # an invoice for 28.50 kroner is posted as 28,500.00 against the month's grant.
    # Spec: "nothing is posted that the invoice does not support"; amount is the
    # TaxInclusiveAmount as written (spec, "Invoices"; README, convert oioubl).
    decisions = converted_and_run(tmp_path, {"a.xml": doc(MARCH, payable="28.500")})
    row = decisions.iloc[0]
    assert not (row["status"] == "posted" and row["amount_ore"] == 2_850_000), row.to_dict()


def test_one_hostile_e_invoice_does_not_stop_the_whole_batch(tmp_path):
    # Two well-formed e-invoices far under the converter's 100 MB limit: one with a
    # 1.1 MB invoice number, one naming 90,000 citizens in its note. The converter
    # writes both without a word (it cuts only the text, at 32,000 characters), and
    # `run` then refuses the whole extract (exit 2: "holds a cell of 1,100,000 bytes"),
    # so the good invoice beside them is never decided. Spec: "A bad row never aborts
    # a run: a bad invoice row becomes a manual decision"; README (convert oioubl):
    # "Values the robot validates ... a bad value becomes a manual decision with its
    # reason instead of a lost invoice". The converter should refuse (or cut, with a
    # warning) a value the robot's reader would refuse the whole file for.
    import datetime as dt

    good = doc(MARCH, payable="28500.00")
    huge_number = good.replace(b"<cbc:ID>F-1</cbc:ID>", b"<cbc:ID>" + b"A" * 1_100_000 + b"</cbc:ID>")
    day = dt.date(1950, 1, 1)
    citizens = " ".join(f"{(day + dt.timedelta(days=i)):%d%m%y}-{i % 10000:04d}" for i in range(90_000))
    many = doc(f"<cbc:Note>{citizens}</cbc:Note>" + MARCH[MARCH.index("<cac:InvoicePeriod>") :], payable="28500.00")
    for name, hostile in (("number", huge_number), ("citizens", many.replace(b"F-1", b"F-2"))):
        folder = tmp_path / name
        folder.mkdir()
        try:
            decisions = converted_and_run(
                folder, {"a-hostile.xml": hostile, "b-good.xml": good.replace(b"F-1", b"G-1")}
            )
        except InputError as exc:  # exit 2 for the whole batch
            raise AssertionError(f"{name}: the whole run was refused ({exc})") from None
        assert "G-1" in set(decisions["invoice_id"]), name


def test_a_half_period_is_not_stitched_to_another_period_from_the_text(tmp_path):
    # The InvoicePeriod has only a StartDate (EN 16931 allows either end alone), in
    # January; the note says "marts 2019". The converter writes period_start 2019-01-01
    # and a blank period_end; the robot fills the blank end from the text's period and
    # posts 01.01.2019-31.03.2019 for 85,500.00: a period that neither the XML's
    # InvoicePeriod nor its text states. Spec, "Period from text": "read DD.MM.YYYY -
    # DD.MM.YYYY ... or a Danish month name with a year ... from text; exactly one such
    # period": the period read is the text's (March), not a mix of the two. Expected: not
    # posted for January-March (manual, or the text's March alone when it agrees with
    # the start written).
    half = (
        "<cbc:Note>Døgnophold marts 2019 610190-1234</cbc:Note>"
        "<cac:InvoicePeriod><cbc:StartDate>2019-01-01</cbc:StartDate></cac:InvoicePeriod>"
    )
    decisions = converted_and_run(tmp_path, {"a.xml": doc(half, payable="85500.00")})
    row = decisions.iloc[0]
    assert row["status"] != "posted", row.to_dict()


def test_an_invoice_whose_lines_and_line_total_contradict_its_total_is_not_posted(tmp_path):
    # One citizen; the only line is a credit of -28,500.00 ("Kreditering"), the
    # document's own LineExtensionAmount is -28,500.00, but TaxInclusiveAmount and
    # PayableAmount say +28,500.00 (EN 16931 BR-CO-10 and BR-CO-15 broken). The converter
    # warns "the robot leaves it to a caseworker (LINES_MISMATCH)", but with one CPR the
    # robot ignores the lines (spec, "Collective invoices": "an invoice with exactly one
    # CPR is decided as usual, its lines ignored") and posts 28,500.00, with or without
    # --invoice-lines. The warning promises a manual decision that does not happen, and
    # a document that contradicts itself is paid. Expected: not posted.
    line = (
        '<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:Note>Kreditering 610190-1234</cbc:Note><cbc:LineExtensionAmount currencyID="DKK">-28500.00</cbc:LineExtensionAmount>'
        "<cac:Item><cbc:Name>Ophold</cbc:Name></cac:Item></cac:InvoiceLine>"
    )
    body = MARCH.replace(" 610190-1234", "")
    data = doc(body, payable="28500.00", lines=line).replace(
        b"<cac:LegalMonetaryTotal>",
        b'<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="DKK">-28500.00</cbc:LineExtensionAmount>'
        b'<cbc:TaxInclusiveAmount currencyID="DKK">28500.00</cbc:TaxInclusiveAmount>',
    )
    for lines in (False, True):
        folder = tmp_path / f"lines-{lines}"
        folder.mkdir()
        row = converted_and_run(folder, {"a.xml": data}, lines=lines).iloc[0]
        assert row["status"] != "posted", (lines, row.to_dict())


def test_an_amount_with_markup_inside_is_not_read_as_its_first_digits(tmp_path):
    # <cbc:PayableAmount>285<b/>00.00</cbc:PayableAmount>: an amount is simple content
    # (xsd:decimal); the reader takes the element's .text, the digits before the child,
    # and writes 285 as the amount without a warning. README (convert oioubl): "Values
    # the robot validates ... are left as read"; here the value is cut, not left as read.
    # Expected: the amount not written as 285 (left as the whole text, or refused).
    from invoicekit.convert import parse_document
    from invoicekit.einvoice import Refused

    with pytest.raises(Refused, match="markup inside <PayableAmount>"):
        parse_document(doc(MARCH, payable="285<b/>00.00"))
    with pytest.raises(Refused, match="markup inside <ID>"):
        parse_document(doc(MARCH, payable="28500.00").replace(b"<cbc:ID>F-1</cbc:ID>", b"<cbc:ID>F-<i>1</i></cbc:ID>"))
    assert parse_document(doc(MARCH, payable="28500.00"))["amount"] == 28500


def test_xml_amounts_reach_the_robot_as_the_amounts_they_are(tmp_path):
    """28500.000 is 28,500.00 and posts against the month's grant; 28.505 is
    no amount in øre and goes to a caseworker, never read as 28,505.00."""
    decisions = converted_and_run(
        tmp_path, {"a.xml": doc(MARCH, payable="28500.000"), "b.xml": doc(MARCH, payable="28.505")}
    )
    assert len(decisions) == 2
    assert decisions.loc[decisions["status"] == "posted", "amount_ore"].tolist() == [2_850_000]
    assert decisions.loc[decisions["status"] != "posted", "reason"].tolist() == ["INVALID_AMOUNT"]
