"""Attacks on the reading of real e-invoices (OIOUBL / Peppol UBL, CII): each
test is an input that once made the converter and the robot pay wrongly, lose
an invoice or crash, with the rule of the robot spec or README it broke."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicekit.cli import main
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
    assert not (row["status"] == "posted" and float(row["amount"]) == 28500.0), row.to_dict()


def test_xml_amounts_reach_the_robot_as_the_amounts_they_are(tmp_path):
    """28500.000 is 28,500.00 and posts against the month's grant; 28.505 is
    no amount in øre and goes to a caseworker, never read as 28,505.00."""
    decisions = converted_and_run(
        tmp_path, {"a.xml": doc(MARCH, payable="28500.000"), "b.xml": doc(MARCH, payable="28.505")}
    )
    assert len(decisions) == 2
    assert decisions.loc[decisions["status"] == "posted", "amount"].tolist() == [28500.0]
    assert decisions.loc[decisions["status"] != "posted", "reason"].tolist() == ["INVALID_AMOUNT"]
