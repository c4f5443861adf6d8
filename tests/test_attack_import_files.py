"""An attack on 0.9.28's files other systems import: opus_postings.csv and opus_notes.csv (OPUS) and
sensum_paid.csv (Sensum). The spec, "Writing": they "carry invoice numbers exactly as written, so the systems
can find the invoice", and a text cell that *begins* with a formula start gets a leading '. The writer also put
a ' after a ';' or ',' inside a cell (a guard for files people open in Excel), so OPUS and Sensum got
``F-2019;'-1``, a number nobody wrote, a paid mark of no grant, and a posting text of 51 characters.

Each test runs ``invoicekit run`` on the example municipality (tests/data/example: citizen 610190-1234 has
B-1001, § 108 at Solhøj, 28,500 kr. a month).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from tests.conftest import invoice

HEADER = ["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text"]


def _march(**fields: str) -> dict[str, str]:
    """An invoice of B-1001 (Solhøj, 28,500 kr. a month) for March 2019, which the robot posts."""
    return invoice(**{"invoice_id": "SOL-1", **fields})


def _write_invoices(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        w.writerow(HEADER)
        for r in rows:
            w.writerow([r.get(c, "") for c in HEADER])
    return path


def _grants_with_id(case: Path, old: str, new: str) -> Path:
    grants = pd.read_csv(case / "bevillinger.csv", dtype=str, keep_default_na=False)
    grants["grant_id"] = grants["grant_id"].replace({old: new})
    grants.to_csv(case / "bevillinger.csv", index=False)
    return case / "bevillinger.csv"


def _run(case: Path, tmp: Path, out: str, *rows: dict[str, str], extra: tuple[str, ...] = ()) -> Path:
    invoices = _write_invoices(tmp / f"{out}.csv", *rows)
    argv = ["run", "--grants", str(case / "bevillinger.csv"), "--invoices", str(invoices),
            "--support-sheet", str(case / "stoetteark.xlsx"), "--out", str(tmp / out), *extra]  # fmt: skip
    assert main(argv) == 0
    return tmp / out


def _read(path: Path, sep: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=sep))


# ------------------------------------------------- a guard inside a cell changes what OPUS/Sensum match on


@pytest.mark.parametrize("number", ["F-2019;-1", "F-2019,-1", "F2019,+7", "F,=1"])
def test_an_invoice_number_with_a_separator_then_a_dash_reaches_opus_and_sensum_as_written(
    example_case, tmp_path, capsys, number
):
    # spec: the import files "carry invoice numbers exactly as written, so the systems can find the
    # invoice"; the formula guard is for a cell that *begins* with = + - @. The writer also puts a
    # ' after any ';' or ',' inside the cell (cells.neutralise), so OPUS and Sensum get F-2019;'-1,
    # a number no supplier wrote and that OPUS cannot find.
    out = _run(example_case, tmp_path, "o1", _march(invoice_id=number))
    postings = _read(out / "opus_postings.csv", ";")
    paid = _read(out / "sensum_paid.csv", ",")
    assert len(postings) == 1 and len(paid) == 1
    assert postings[0]["Fakturanummer"] == number
    assert paid[0]["invoice_id"] == number


def test_a_note_in_opus_names_the_invoice_number_as_written_with_a_separator_then_a_dash(
    example_case, tmp_path, capsys
):
    # an invoice sent to manual (a grant-less citizen): OPUS finds the invoice to note it by its number
    number = "KIL-2019;-3"
    out = _run(example_case, tmp_path, "o1", _march(invoice_id=number, cpr="720385-4321"))
    notes = _read(out / "opus_notes.csv", ";")
    assert len(notes) == 1
    assert notes[0]["invoice_id"] == number


def test_a_grant_id_with_a_comma_then_a_dash_is_marked_paid_in_sensum_as_sensum_wrote_it(
    example_case, tmp_path, capsys
):
    # the paid mark must name the grant Sensum holds; written "B,'-1001" it names no grant
    _grants_with_id(example_case, "B-1001", "B,-1001")
    out = _run(example_case, tmp_path, "o1", _march())
    paid = _read(out / "sensum_paid.csv", ",")
    assert [m["grant_id"] for m in paid] == ["B,-1001"]


def test_a_runs_own_paid_mark_of_such_a_grant_holds_the_period_when_read_back(example_case, tmp_path, capsys):
    # README: "A run's own sensum_paid.csv reads back whole, grant ids that a formula start made the
    # writer guard included". Here the guard inside the id makes the mark name another grant, and
    # March is paid a second time on a new invoice number (spec check 21: a posted period of the same
    # grant is ALREADY_PAID; the --paid marks are what check 21 counts beside the journal).
    _grants_with_id(example_case, "B-1001", "B,-1001")
    first = _run(example_case, tmp_path, "o1", _march(invoice_id="SOL-1"))
    second = _run(
        example_case,
        tmp_path,
        "o2",
        _march(invoice_id="SOL-2"),
        extra=("--paid", str(first / "sensum_paid.csv")),
    )
    decisions = _read(second / "decisions.csv", ",")
    assert [d["reason"] for d in decisions] == ["ALREADY_PAID"]
    assert _read(second / "opus_postings.csv", ";") == []


def test_the_opus_text_with_a_guard_inside_fits_50_characters(example_case, tmp_path, capsys):
    # spec: "`Tekst` holds the service code, the period ... and the grant id, at most 50 characters".
    # The text is fitted to 50 (49 when it starts a formula), but the writer then adds a ' after the
    # ';' inside it: 51 characters, and OPUS's field cuts the grant id's last character.
    grant = "BEV-2019-12345;-02"  # SEL108-BO + period + this id: exactly 50 characters before the guard
    _grants_with_id(example_case, "B-1001", grant)
    out = _run(example_case, tmp_path, "o1", _march())
    (posting,) = _read(out / "opus_postings.csv", ";")
    assert len(posting["Tekst"]) <= 50, posting["Tekst"]
    assert posting["Tekst"].endswith(grant)
