"""How ``journal-v1.sqlite`` was made: a journal written by invoicekit 0.1.0
(journal schema 1, commit 76fd890) for the migration tests.

It cannot be remade with later versions (they write schema 2); it is kept as
the real file that version wrote. Two runs on the example case:

1. ``regninger.csv`` from ``tests/data/example`` (22 invoices, 5 posted);
2. ``regninger-2019-04.csv`` below: an April invoice of B-1001 (posted), one of
   B-1002 for May numbered ``0504190001`` (posted; schema 1 stored the number masked,
   ``050419-xxxx``) and one numbered ``0504190002`` that schema 1 wrongly
   called a duplicate of it (it compared masked numbers).

Every CPR number is a replacement number (day + 60): no real person's.
Run from the repository root with invoicekit 0.1.0 installed:
``python tests/data/journal_v1/make_journal_v1.py``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from invoicekit import run

HERE = Path(__file__).parent
EXAMPLE = HERE.parent / "example"

APRIL = """\
Fakturanummer;Leverandør CVR;CPR-nr;Periode fra;Periode til;Beløb;Tekst
SOL-1101;29345716;610190-1234;01.04.2019;30.04.2019;28.500,00;Døgnophold april 2019
0504190001;31587603;610190-1234;01.05.2019;31.05.2019;13.950,00;Aktivitetstilbud maj
0504190002;31587603;621203-1122;01.04.2019;30.04.2019;13.500,00;Aktivitetstilbud april
"""


def main() -> None:
    target = HERE / "journal-v1.sqlite"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        case = tmp / "case"
        shutil.copytree(EXAMPLE, case)
        (case / "regninger-2019-04.csv").write_text(APRIL, encoding="utf-8")
        for name in ("regninger.csv", "regninger-2019-04.csv"):
            run(
                grants=case / "bevillinger.csv",
                invoices=case / name,
                support_sheet=case / "stoetteark.xlsx",
                out=tmp / name,
                journal=target,
            )


if __name__ == "__main__":
    main()
