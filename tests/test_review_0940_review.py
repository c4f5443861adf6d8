"""A review and attack (r4) of the changes made for 0.9.40 (``git log de963a9..HEAD``): UBL address lines and
references read for citizens, a period element compared with its own words, the Peppol envelope, tune's
replay of moved grants, the business case's error rate, the fix list's run ids and ``;``-joined PSP
elements. Each test fails on the current code and passes once the behaviour is right."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.test_attack_0932_einvoice import decided, line, peppol
from tests.test_review_0936_einvoice import cii, cii_line

A, B = "610190-1234", "620585-2345"  # the example grants B-1001 and B-2001, § 108 at Solhøj, 28,500 kr. a month


def _posted_on(decisions: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(decisions["status"], decisions["reason"].fillna(""), strict=True))


# ------------------------------------------------------------------ a line's own parties


_UBL_LINE_PLACES = {
    # the line delivered c/o a citizen: the address lines 0.9.40 reads at the document's level
    "DeliveryLocation/Address/AdditionalStreetName": (
        "<cac:Delivery><cac:DeliveryLocation><cac:Address><cbc:StreetName>Solhøjvej 12</cbc:StreetName>"
        f"<cbc:AdditionalStreetName>c/o borger {A}</cbc:AdditionalStreetName><cbc:CityName>Vejle</cbc:CityName>"
        "<cbc:PostalZone>7100</cbc:PostalZone><cac:Country><cbc:IdentificationCode>DK</cbc:IdentificationCode>"
        "</cac:Country></cac:Address></cac:DeliveryLocation></cac:Delivery>"
    ),
    "DeliveryParty/PostalAddress/AddressLine/Line": (
        "<cac:Delivery><cac:DeliveryParty><cac:PartyName><cbc:Name>Bostedet Solhøj, afd. Vest</cbc:Name>"
        "</cac:PartyName><cac:PostalAddress><cbc:StreetName>Solhøjvej 12</cbc:StreetName>"
        f"<cac:AddressLine><cbc:Line>Beboer {A}</cbc:Line></cac:AddressLine></cac:PostalAddress>"
        "</cac:DeliveryParty></cac:Delivery>"
    ),
    "DeliveryParty/Contact/Name": (
        "<cac:Delivery><cac:DeliveryParty><cac:PartyName><cbc:Name>Bostedet Solhøj, afd. Vest</cbc:Name>"
        f"</cac:PartyName><cac:Contact><cbc:Name>Beboer {A}</cbc:Name></cac:Contact></cac:DeliveryParty></cac:Delivery>"
    ),
}


@pytest.mark.parametrize("where", list(_UBL_LINE_PLACES))
def test_a_ubl_lines_own_address_or_contact_naming_a_second_citizen_is_the_lines(tmp_path, where):
    """What goes wrong: a Peppol collective invoice for March 2019 (57,000.00 kr.) has two lines: line 1,
    "Borger 620585-2345" (B), delivered to an address whose line says ``c/o borger 610190-1234`` (A), or to a
    delivery party whose contact is A; line 2, "Borger 610190-1234" (A). 0.9.40 reads a citizen in an
    address's lines (StreetName, AdditionalStreetName, AddressLine/Line) and, since 0.9.38, in a contact's
    name, but only for the document (``Document.party_texts``): a line's own CPR texts take the names of the
    parties inside it (``PartyName/Name``) and nothing else of them. So line 1 is read as B's alone, the
    document's citizens are {A, B}, the lines' are {B, A}, and the invoice is POSTED: line 1 on B-2001 though
    the line itself names A as well. The same line with A in its delivery party's *name* goes to a
    caseworker (LINES_MISMATCH, "linje 1 har 2 CPR-numre").

    Why it matters: spec, Collective invoices: ``LINES_MISMATCH`` "when a line has no CPR or more than one";
    README (``cpr`` column): "the names of parties other than the supplier's, and where they name a person
    or a place (... an address's attention line, a contact's or a person's name ...; since 0.9.40 UBL's
    address lines too ...: ``c/o borger …`` there was passed over)". A line naming two citizens is paid on
    one of them: the wrong citizen's grant may be paid.

    Right behaviour: the person and place texts of the parties inside a line (address lines, attention,
    contact and person names, as the document's are read) are the line's CPR texts; line 1 names two
    citizens, and the invoice goes to a caseworker (LINES_MISMATCH)."""
    doc = peppol(
        "<cbc:Note>Samlefaktura</cbc:Note>",
        "57000.00",
        line(1, "28500.00", note=f"Borger {B}", extra=_UBL_LINE_PLACES[where])
        + line(2, "28500.00", note=f"Borger {A}"),
    )
    decisions = decided(tmp_path, doc)
    assert _posted_on(decisions) == [("manual", "LINES_MISMATCH")], (
        f"line 1 names {B} in its note and {A} in its own {where}, yet the invoice was posted: {_posted_on(decisions)}"
    )


_CII_SHIP_TO = {
    "ShipToTradeParty/PostalTradeAddress/LineTwo": (
        "<ram:ShipToTradeParty><ram:Name>Bostedet Solhøj, afd. Vest</ram:Name><ram:PostalTradeAddress>"
        "<ram:PostcodeCode>7100</ram:PostcodeCode><ram:LineOne>Solhøjvej 12</ram:LineOne>"
        f"<ram:LineTwo>c/o borger {A}</ram:LineTwo><ram:CityName>Vejle</ram:CityName><ram:CountryID>DK</ram:CountryID>"
        "</ram:PostalTradeAddress></ram:ShipToTradeParty>"
    ),
    "ShipToTradeParty/DefinedTradeContact/PersonName": (
        "<ram:ShipToTradeParty><ram:Name>Bostedet Solhøj, afd. Vest</ram:Name><ram:DefinedTradeContact>"
        f"<ram:PersonName>Beboer {A}</ram:PersonName></ram:DefinedTradeContact></ram:ShipToTradeParty>"
    ),
}


@pytest.mark.parametrize("where", list(_CII_SHIP_TO))
def test_a_cii_lines_own_ship_to_party_naming_a_second_citizen_is_the_lines(tmp_path, where):
    """What goes wrong: the CII twin of the test above. A collective CII invoice for March 2019 whose line 1
    says "Borger 620585-2345" (B) and is shipped to a party (the line's own
    ``SpecifiedLineTradeDelivery/ShipToTradeParty``) whose address's second line is ``c/o borger
    610190-1234`` (A), or whose contact is A; line 2 is A's. ``cii._line`` gives a line only the *names* of
    the trade parties inside it (``ram:Name``), not their contacts and address lines, which
    ``cii.PERSON_PATHS`` reads for the document. Line 1 is read as B's alone and the invoice is POSTED, line 1
    on B-2001.

    Why it matters: spec, Collective invoices: ``LINES_MISMATCH`` "when a line has ... more than one" CPR;
    README (``cpr``): "CII's contacts and address lines: a second citizen written there was passed over".
    A line naming two citizens is paid on one of them.

    Right behaviour: a line's own trade parties are read as the document's (``PERSON_PATHS``) for the line;
    line 1 names two citizens and the invoice goes to a caseworker (LINES_MISMATCH)."""
    first = cii_line(1, "28500.00", note=f"Borger {B}").replace(
        "</ram:BilledQuantity>", "</ram:BilledQuantity>" + _CII_SHIP_TO[where]
    )
    decisions = decided(tmp_path, cii("Samlefaktura", "57000.00", first + cii_line(2, "28500.00", note=f"Borger {A}")))
    assert _posted_on(decisions) == [("manual", "LINES_MISMATCH")], (
        f"line 1 names {B} in its note and {A} in its own {where}, yet the invoice was posted: {_posted_on(decisions)}"
    )


# ------------------------------------------------------------------ a period element against its own words


def _period_xml(description: str = "") -> str:
    d = f"<cbc:Description>{description}</cbc:Description>" if description else ""
    return f"<cac:InvoicePeriod><cbc:StartDate>2019-03-01</cbc:StartDate><cbc:EndDate>2019-03-31</cbc:EndDate>{d}</cac:InvoicePeriod>"


def _one_citizen(where: str, words: str) -> str:
    """A Peppol invoice of B for 28,500.00 kr. whose period element says March 2019 and whose ``words``
    stand ``where``."""
    head = f"<cbc:Note>Borger {B}</cbc:Note>"
    if where == "the line's note":
        return peppol(head, "28500.00", line(1, "28500.00", note=words, period="2019-03-01/2019-03-31"))
    if where == "the line's item description":
        return peppol(head, "28500.00", line(1, "28500.00", description=words, period="2019-03-01/2019-03-31"))
    if where == "the line's period description":
        return peppol(head, "28500.00", line(1, "28500.00", extra=_period_xml(words)))
    assert where == "the document's period description"
    return peppol(head, "28500.00", line(1, "28500.00"), period="", after_period=_period_xml(words))


@pytest.mark.parametrize(
    "where",
    [
        "the line's note",
        "the line's item description",
        "the line's period description",
        "the document's period description",
    ],
)
@pytest.mark.parametrize("words", ["Døgnophold februar", "Døgnophold feb. 2019", "Ophold februar måned"])
def test_a_period_element_beside_words_naming_another_month_without_one_period_is_not_paid(tmp_path, where, words):
    """What goes wrong: 0.9.40 sends a line (or document) to a caseworker where its period element says
    March 2019 and its own words say ``Døgnophold februar 2019`` (``einvoice.dated_against_words``). But it
    compares the dates only with :func:`~invoicekit.parsing.period_in_text`, exactly one period *with its
    year in full*: the same words as suppliers also write them, ``Døgnophold februar`` (no year), ``Døgnophold
    feb. 2019`` (a short name) or ``Ophold februar måned``, name no such period, and the invoice is POSTED
    on B-2001 for 01.03.2019-31.03.2019, in a line's note, its item description, its period's own
    Description or the document's InvoicePeriod/Description alike.

    Why it matters: it is the very case 0.9.40 closed (README, ``period_start``: "a line's period where its
    own texts or its period's description name one period its dates do not lie within: a line dated March
    whose note said ``Døgnophold februar 2019`` was posted for March"): February's stay paid as March, and
    February maybe paid before. The robot itself holds a line to these words (README, invoice lines: "a
    month named as a word, in full or short, that the invoice's period does not hold ... (``Ophold
    februar``, ``Døgnophold februar måned 2019``, ``feb. 2019`` ...)", and the converter already reads them
    with :func:`~invoicekit.parsing.holds_named`, "``Døgnophold februar``, ``02/2019``" writing a line's
    period ``(flere perioder i teksten)``).

    Right behaviour: a period element whose own words name a month its dates do not hold
    (:func:`~invoicekit.parsing.holds_named` false) is for neither: the period is written
    ``(flere perioder i teksten)`` and a caseworker decides (MISSING_PERIOD or INVALID_AMOUNT), never posted
    for March."""
    decisions = decided(tmp_path, _one_citizen(where, words))
    assert decisions["status"].iat[0] == "manual", (
        f"the period element says March 2019 and {where} says {words!r}, yet the invoice was posted: "
        f"{decisions['message'].iat[0]!r}"
    )


# ------------------------------------------------------------------ ';'-joined PSP elements in a workbook


def test_the_control_sheet_shows_a_collective_invoices_joined_psp_elements_as_posted(tmp_path):
    """What goes wrong: a collective invoice (S-1, March 2019) is posted line by line on the support sheet's
    PSP elements ``XG-0306101080-00002`` (§ 108) and ``XG-0306101040-00001`` (§ 104), whose ten digits read
    as birth dates. Since 0.9.40 decisions.csv and the journal keep the ``;``-joined cell as it is
    (``identifiers._PSP_CELL_RE2``), but the workbook writer still asks :func:`~invoicekit.identifiers.
    psp_shaped`, one element alone (``workbook._column``; ``render.py`` likewise for the HTML reports): the
    control sheet ``invoicekit sample draw`` writes for the month shows the posting's *PSP-element* as
    ``XG-030610-xxxx-00002;XG-030610-xxxx-00001``.

    Why it matters: the control sheet is where the controller checks "Rigtig kontering (PSP, art)?" for each
    sampled posting (ISA 530): the elements it shows exist nowhere in OPUS, so a right posting cannot be
    confirmed, and a wrong one cannot be told from it. README (masking): the PSP element is not masked "in
    the PSP columns of the reports, workbooks and CSV files people read (``psp_element``, ``true_psp_element``,
    *PSP-element*, *Rigtigt PSP-element*) ... and since 0.9.40 a collective invoice's elements joined by
    ``;`` in its decision's cell, each of that shape (masked whole, two real elements were shown as none OPUS
    has)".

    Right behaviour: the control sheet (and every workbook and report column of PSP elements) shows a cell of
    ``;``-joined PSP-shaped elements as written, as decisions.csv does."""

    import openpyxl

    from invoicekit.cli import main
    from tests.period_runs import GRANT_HEADER, INVOICE_HEADER, write_rows
    from tests.test_attack_0931_collective import LINE_HEADER, _grant, _invoice, _line
    from tests.test_attack_0931_collective import A as CA
    from tests.test_attack_0931_collective import B as CB
    from tests.test_review_0940_outputs import psp_sheet

    psp_sheet(tmp_path / "s.xlsx")
    grants = [_grant("G1", CA), {**_grant("G2", CB), "service_code": "SEL104-AKT", "rate": "9000.00"}]
    journal = tmp_path / "journal.sqlite"
    argv = ["run", "--grants", str(write_rows(tmp_path / "g.csv", GRANT_HEADER, grants)),
            "--invoices", str(write_rows(tmp_path / "invoices-2019-03.csv", INVOICE_HEADER, [_invoice(amount="37.500,00")])),
            "--invoice-lines", str(write_rows(tmp_path / "l.csv", LINE_HEADER,
                                              [_line(1, CA, "28.500,00"), _line(2, CB, "9.000,00")])),
            "--support-sheet", str(tmp_path / "s.xlsx"), "--out", str(tmp_path / "out"), "--quiet",
            "--new-journal", str(journal)]  # fmt: skip
    assert main(argv) == 0
    decisions = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert decisions["psp_element"].tolist() == ["XG-0306101080-00002;XG-0306101040-00001"]  # as 0.9.40 writes it
    control = tmp_path / "kontrol-2019-03.xlsx"
    assert main(["sample", "draw", "--journal", str(journal), "--month", "2019-03", "--out", str(control)]) == 0
    sheet = openpyxl.load_workbook(control).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    shown = rows[1][rows[0].index("PSP-element")]
    assert shown == "XG-0306101080-00002;XG-0306101040-00001", (
        f"the control sheet shows the posting's PSP elements as {shown!r}, elements OPUS does not have; it was "
        "posted on XG-0306101080-00002 and XG-0306101040-00001 (decisions.csv says so)"
    )
