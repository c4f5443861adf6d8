"""An attack on 0.9.39's new guards from the side of the invoices they hold back (false refusals and false
holds): the robot's goal is to raise the automation rate from 38 % to 50 % without paying wrongly, and a
guard that refuses a whole extract or workbook, or holds a correct invoice, for something that carries no
risk costs the municipality the caseworker time the robot exists to save.

Each test fails on the current code and passes once the behaviour is right.

The invoice and grants are the example's (tests/data/example): SOL-1001, 610190-1234 at Bostedet Solhøj
(29345716), March 2019, 28.500,00 kr., fits B-1001 (SEL108-BO, 28500.00 a month, from 01-01-2018, no end);
the support sheets of the coding tests are tests/test_review_0936_inputs.py's (G-A108, F-1, March 2019)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl.styles import Font

from invoicekit.cli import main
from synthetic.write import GRANT_HEADERS_DA  # the grant columns under Sensum's headers, as the demo writes them
from tests.test_review_0936_inputs import run, sheets, write_xlsx

EXAMPLE = Path(__file__).parent / "data" / "example"

INVOICE_HEADER = "Fakturanummer;Leverandør CVR;CPR-nr;Periode fra;Periode til;Beløb;Tekst\n"
SOL_MARCH = "SOL-1001;29345716;610190-1234;01.03.2019;31.03.2019;28.500,00;Døgnophold marts 2019\n"


def _case(tmp_path: Path) -> Path:
    case = tmp_path / "case"
    shutil.copytree(EXAMPLE, case)
    (case / "inv.csv").write_text(INVOICE_HEADER + SOL_MARCH, encoding="utf-8")
    return case


def _sensum_grants(case: Path) -> pd.DataFrame:
    """The example's grants as Sensum's bevillingsliste heads them."""
    grants = pd.read_csv(case / "bevillinger.csv", dtype=str, keep_default_na=False)
    return grants.rename(columns=GRANT_HEADERS_DA)


def _run(case: Path, grants: pd.DataFrame, out: Path, capsys=None) -> tuple[int, pd.DataFrame | None, str]:
    path = case / "g.csv"
    grants.to_csv(path, index=False, sep=";")
    argv = ["run", "--grants", str(path), "--invoices", str(case / "inv.csv"),
            "--support-sheet", str(case / "stoetteark.xlsx"), "--rules", str(case / "rules.toml"),
            "--out", str(out), "--quiet"]  # fmt: skip
    code = main(argv)
    said = capsys.readouterr().err if capsys is not None else ""
    if code != 0:
        return code, None, said
    return code, pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False), said


# ---------------------------------------------------------------- 1. a grant's payment state beside its end


@pytest.mark.parametrize("header", ["Udbetalt til", "Udbetalt til og med", "Afregnet til"])
def test_a_paid_up_to_date_beside_slutdato_does_not_refuse_the_grant_extract(tmp_path, capsys, header):
    """What goes wrong: Sensum's bevillingsliste shows, beside a grant's `Slutdato`, how far it has been
    paid out: `Udbetalt til` (`Udbetalt til og med`), or settled, `Afregnet til`. 0.9.39 refuses a grant
    extract with a second end-date column beside `Slutdato` (exit 2), and exempts a date of the grant's
    handling, `Betalt til`, by its word (`HANDLING_WORDS`: ``betal`` ...). But the everyday Danish word for
    paid out is *udbetalt*, and *afregnet* is settled: neither begins with a handling word, so the whole
    extract is refused, "holds end dates beside 'Slutdato' ... give the earlier of the two under
    'Slutdato'", and the month's run posts nothing. Following the advice (writing the paid-up-to date into
    Slutdato) would end every grant at the last month paid and send every invoice to manual.

    Why it matters: a false refusal of the whole run: 0 % automation for the month, for a column that is
    no end of the grant. The README's grant line (0.9.39) means the second end to be the day the stay
    stopped ("`Ophørsdato` or `Faktisk slutdato` the day the stay stopped"), and `columns.of_handling`
    says a date of handling ("`Betalt til`") is none; *Udbetalt til* is `Betalt til` in Sensum's words.

    Right behaviour: the extract is read as before 0.9.39 (the column is no end of the grant, as
    `Betalt til` is not), and SOL-1001 is posted on B-1001."""
    case = _case(tmp_path)
    grants = _sensum_grants(case)
    grants[header] = ["28-02-2019"] * len(grants)  # every grant paid out up to February
    code, decisions, said = _run(case, grants, tmp_path / "out", capsys)
    assert code == 0, f"the grant extract was refused for its {header!r} column: {said.strip()}"
    d = decisions.iloc[0]
    assert (d["status"], d["grant_id"]) == ("posted", "B-1001"), d.to_dict()


# ---------------------------------------------------------------- 2. Ophørsdato as Sensum exports it, agreeing


def test_an_ophoersdato_that_agrees_with_slutdato_does_not_refuse_the_grant_extract(tmp_path, capsys):
    """What goes wrong: Sensum exports `Ophørsdato` beside `Slutdato` routinely; for grants that ended as
    granted the two are the same day, and for open grants both are blank. 0.9.39 refuses such an extract
    outright (exit 2: "holds end dates beside 'Slutdato' ... nothing says which end holds") although, row
    by row, the two say the same thing: there is nothing to choose between, and no grant could be paid past
    its stop by reading `Slutdato` alone.

    Why it matters: a false refusal of the whole month's run (nothing posted) for an extract that carries
    no risk. The guard's own reason (README, grants line: "nothing says which end holds, give the earlier
    under `Slutdato`") does not apply where every row's two ends agree, and the advice asks staff to edit
    an extract that already says what it asks.

    Right behaviour: where the second end agrees with `Slutdato` on every row (or is blank where Slutdato
    is), the extract is read and SOL-1001 posted on B-1001 (at most a row whose two ends disagree is held
    back, or the extract refused for that row)."""
    case = _case(tmp_path)
    grants = _sensum_grants(case)
    grants["Ophørsdato"] = grants["Slutdato"]  # the same end on every row; blank where open
    assert (grants["Ophørsdato"] != "").any()
    code, decisions, said = _run(case, grants, tmp_path / "out", capsys)
    assert code == 0, f"an Ophørsdato equal to Slutdato on every row refused the extract: {said.strip()}"
    d = decisions.iloc[0]
    assert (d["status"], d["grant_id"]) == ("posted", "B-1001"), d.to_dict()


# ---------------------------------------------------------------- 3. statuses that say the grant is in force


@pytest.mark.parametrize(
    "status",
    ["Genbevilget", "Forlænget", "I kraft", "Bevilling", "Midlertidig bevilling", "Under revurdering"],
)
def test_a_status_that_says_the_grant_is_in_force_does_not_hold_its_invoices(tmp_path, status):
    """What goes wrong: 0.9.39 reads a grant extract's `Status`, and leaves out (holding the citizen's
    invoices back as NO_GRANT) any grant whose status begins with no word of `GRANT_IN_FORCE` (``bevilg``,
    ``aktiv``, ``godkend``, ``igangv``, ``løbend`` ...). Everyday statuses of a grant in force are not among
    them: *Genbevilget* (granted again), *Forlænget* (extended), *I kraft* (in force), *Bevilling* (the
    noun: ``bevill``, not ``bevilg``), *Midlertidig bevilling* (a temporary grant), *Under revurdering* (a
    grant in force being reassessed: payment continues until a new decision). With every grant so marked,
    every invoice goes to a caseworker, told the grant "kunne ikke læses ... ret den i Sensum" although
    nothing in Sensum is wrong.

    Why it matters: a false hold of correct invoices, the cost the robot exists to save (goal: 38 % → 50 %
    automation). The README's grant line says *Bevilget*, *Aktiv*, *Godkendt*, *Igangværende*, *Løbende*
    say the grant holds; a grant granted again, extended, or said to be in force holds as much.

    Right behaviour: a status that says the grant is granted or in force, as these do, is read as in force
    and SOL-1001 is posted on B-1001."""
    case = _case(tmp_path)
    grants = _sensum_grants(case)
    grants["Status"] = [status] * len(grants)
    code, decisions, _ = _run(case, grants, tmp_path / "out")
    assert code == 0
    d = decisions.iloc[0]
    assert (d["status"], d["grant_id"]) == ("posted", "B-1001"), (status, d.to_dict())


# ---------------------------------------------------------------- 4. a retired coding row, ended and struck through


def test_a_coding_row_ended_by_gyldig_til_and_struck_through_does_not_refuse_the_sheet(tmp_path, capsys):
    """What goes wrong: at the new year finance ends the 2018 row of § 108 / privat / Udviklingshæmmede
    the way the README asks (`Gyldig til` 2018-12-31, the 2019 row below it) and, as people do, also
    strikes its `PSP-element` and `Artskonto` through so that nobody copies the retired element. 0.9.39
    refuses the whole support sheet (exit 2: "its psp_element is struck through ... expected only values
    in use: delete the row, or end it with a valid_to (Gyldig til) date and take the strike off"): the row
    is already ended, and the robot could never code a 2019 posting by it. On 0.9.38 the March invoice was
    posted on PSP-108-2019, rightly.

    Why it matters: a false refusal of the whole run (no invoice posted that month) for a sheet that is
    unambiguous to a person and to the robot alike: the struck value is one that its own `Gyldig til`
    already retired, which is exactly the state the refusal's message asks for. The README's reason for the
    guard ("a retired PSP element struck out, its key cells left as they were") is a struck row still in
    force, not one ended.

    Right behaviour: a struck-through value on a row whose `Gyldig til` has passed before any period
    decided (or simply: on a row ended) is no reason to refuse; March is posted on PSP-108-2019."""
    tables = sheets()
    assert tables["coding"][1][3:7:3] == ["PSP-108-2018", "2018-12-31"]  # the 2018 row, ended

    def strike_the_retired_element(wb):
        for ref in ("D2", "E2"):
            wb["coding"][ref].font = Font(strike=True)

    rc, decisions, _ = run(tmp_path, support=write_xlsx(tmp_path / "s.xlsx", tables, strike_the_retired_element))
    said = capsys.readouterr().err
    assert rc == 0, f"a retired, ended coding row struck through refused the support sheet: {said.strip()}"
    d = decisions.iloc[0]
    assert (d["status"], d["psp_element"]) == ("posted", "PSP-108-2019"), d.to_dict()
