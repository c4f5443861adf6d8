"""An attack on collective invoices decided line by line (spec v2, "Collective invoices, line by
line"; README "Collective invoices, line by line"): each test fails on the code as it was found."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from tests.test_lines import ANNA, BO, GRANTS, SHEET, invoice, line
from tests.test_review_0942_followup import _inputs


def _files(folder: Path) -> dict[str, Path]:
    grants, sheet = _inputs(folder, GRANTS, SHEET)
    return {"grants": grants, "sheet": sheet}


def _run(files: dict[str, Path], invoices: list[dict], out: Path, journal: Path, lines: list[dict] | None) -> int:
    path = out.parent / f"{out.name}-invoices.csv"
    pd.DataFrame(invoices).to_csv(path, index=False)
    argv = ["run", "--grants", str(files["grants"]), "--invoices", str(path), "--support-sheet", str(files["sheet"]),
            "--out", str(out), "--quiet", "--journal" if journal.exists() else "--new-journal", str(journal)]  # fmt: skip
    if lines is not None:
        lines_path = out.parent / f"{out.name}-lines.csv"
        pd.DataFrame(lines).to_csv(lines_path, index=False)
        argv += ["--invoice-lines", str(lines_path)]
    return main(argv)


def _read(out: Path, name: str, sep: str = ",") -> pd.DataFrame:
    return pd.read_csv(out / name, sep=sep, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("cell", ["", f"{ANNA};{BO}"], ids=["cell-blank", "cell-names-both-as-convert-writes"])
def test_a_posted_collective_invoice_seen_again_without_its_lines_is_never_handed_on_to_be_paid_by_hand(tmp_path, cell):
    """Run 1 posts collective invoice S1 line by line (Anna's and Bo's March, 50.000 kr.). Run 2 on
    the same journal gets S1 again in the invoice extract (a month-to-date extract run weekly, or a
    rerun) but a lines extract that does not hold S1's lines (this week's lines only, or the
    `--invoice-lines` option forgotten).

    What goes wrong: S1 fails check 3/4 before check 10 is reached and goes to a caseworker as
    MULTIPLE_CPR ("Fordel beløbet på borgernes bevillinger og bogfør manuelt") or MISSING_CPR
    ("Find borgeren og bogfør manuelt"), and that note is written on the invoice in OPUS: the
    robot asks a person to pay by hand an invoice the robot itself paid in run 1, and never says
    so, though the journal knows it. Paid twice.

    Right behaviour: the README's first promise, "No invoice is paid twice", and its reason for
    departing from spec check 10 (an invoice whose message "tells the caseworker to post it by
    hand" was paid twice) hold in this direction too: the invoice may keep the reason of the first
    check that fails (the spec's order), but its message must say that it was already handled in
    run 1 (as a DUPLICATE_INVOICE message does: "i kørsel 1 den …"), or it is a duplicate."""
    files = _files(tmp_path)
    journal = tmp_path / "j.sqlite"
    s1 = invoice("S1", "50000", cpr=cell)
    lines = [line("S1", "1", ANNA, "30000"), line("S1", "2", BO, "20000")]
    assert _run(files, [s1], tmp_path / "out1", journal, lines) == 0
    assert _read(tmp_path / "out1", "decisions.csv")["status"].tolist() == ["posted"]
    assert len(_read(tmp_path / "out1", "opus_postings.csv", ";")) == 2

    # run 2: S1 again; the lines extract holds only another invoice's lines (or none is given)
    other = [line("S9", "1", ANNA, "1")]
    for k, given in enumerate((other, None)):
        out = tmp_path / f"out2-{k}"
        assert _run(files, [s1], out, journal, given) == 0
        d = _read(out, "decisions.csv").iloc[0]
        assert d["status"] == "manual"
        assert d["reason"] == "DUPLICATE_INVOICE" or "kørsel 1" in d["message"], (d["reason"], d["message"])
        note = _read(out, "opus_notes.csv", ";")["note"].iloc[0]
        assert d["reason"] == "DUPLICATE_INVOICE" or "kørsel 1" in note, note


@pytest.mark.parametrize(
    ("start", "end"),
    [("PeriodeFra", "PeriodeTil"), ("FraDato", "TilDato"), ("DatoFra", "DatoTil"), ("YdelseFra", "YdelseTil"),
     ("PeriodFrom", "PeriodTo")],
)  # fmt: skip
def test_a_lines_period_in_columns_named_in_one_word_is_never_paid_as_the_invoices_month(tmp_path, start, end):
    """A lines extract from a supplier's or an ERP's export, whose period columns are named in one
    word as such systems write them (`PeriodeFra`/`PeriodeTil`, `FraDato`/`TilDato`), holds Anna's
    and Bo's February (01.02.2019-28.02.2019) on collective invoice S1, whose own text says
    "Samlefaktura marts 2019".

    What goes wrong: the columns are not read, and the guard that refuses an extract with an
    unread period column (`Fra dato`, `Startdato`, `Leveret fra` … are refused since 0.9.38) does
    not see these names (it looks for the separate word `fra`), so each line takes the invoice's
    month: both lines are posted and marked paid in Sensum as 01.03.2019-31.03.2019, a month the
    lines never bill. February stays unpaid and March's real invoice is later held as ALREADY_PAID.

    Right behaviour (README, Collective invoices: a line's period is the invoice's only where its
    cells are blank; "an extract [...] that holds ranges, is refused, naming it"; the 0.9.38 guard
    "Read without it, a line's period was the invoice's [...]: a February line of a March invoice
    was paid as March"): the extract is refused (exit 2, naming the column) or the lines are
    posted for February, never for March."""
    files = _files(tmp_path)
    lines = [
        {**line("S1", "1", ANNA, "30000"), start: "01.02.2019", end: "28.02.2019"},
        {**line("S1", "2", BO, "20000"), start: "01.02.2019", end: "28.02.2019"},
    ]
    out = tmp_path / "out"
    code = _run(files, [invoice("S1", "50000")], out, tmp_path / "j.sqlite", lines)
    if code == 2:
        return
    postings = _read(out, "opus_postings.csv", ";")
    assert "01.03.2019" not in postings["Ydelsesperiode fra"].tolist(), postings.to_dict("records")
    paid = _read(out, "sensum_paid.csv")
    assert "2019-03-01" not in paid["period_start"].tolist()


def test_an_invoice_naming_one_citizen_whose_lines_name_another_is_not_posted_on_the_one(tmp_path):
    """An invoice whose CPR cell names Anna (the first line's citizen, as a supplier's system fills it), of
    30.000 kr. for March, Anna's monthly rate, with lines of 15.000 kr. for Anna and 15.000 kr. for Bo. The spec
    decides an invoice of one CPR number "as usual, its lines ignored": it was posted whole on Anna's grant, Bo's
    half paid as Anna's March. Now checked against its lines (check 3): not exactly its one citizen, so
    LINES_MISMATCH, naming both. Lines that name only the invoice's citizen, or no one, leave it as before."""
    files = _files(tmp_path)
    s1 = invoice("S1", "30000", cpr=ANNA)
    lines = [line("S1", "1", ANNA, "15000"), line("S1", "2", BO, "15000")]
    assert _run(files, [s1], tmp_path / "out", tmp_path / "j.sqlite", lines) == 0
    d = _read(tmp_path / "out", "decisions.csv").iloc[0]
    assert (d["status"], d["reason"]) == ("manual", "LINES_MISMATCH"), (d["status"], d["reason"], d["message"])
    assert len(_read(tmp_path / "out", "opus_postings.csv", ";")) == 0
    # the lines name Anna alone (or no one): decided as usual, as the spec says
    same = [line("S2", "1", ANNA, "15000"), line("S2", "2", "", "15000")]
    assert _run(files, [invoice("S2", "30000", cpr=ANNA)], tmp_path / "out2", tmp_path / "j2.sqlite", same) == 0
    d = _read(tmp_path / "out2", "decisions.csv").iloc[0]
    assert (d["status"], d["grant_id"]) == ("posted", "G1"), (d["status"], d["reason"], d["message"])
