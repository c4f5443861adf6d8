"""An attack on `invoicekit types`' matching of a labelled sample to its invoices (0.9.37): labels written
in another case, a label found by its row that names another invoice's number, and invoice numbers that
read as CPR numbers. Each gave wrong type figures on 0.9.36."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicekit.types import invoice_features, map_types, match_labels, read_extracts
from invoicekit.types.labels import read_labels

SOLHOJ, KILDEN = "29345716", "31587603"


def _extract(folder: Path, ids_solhoj: list[str], ids_kilden: list[str]) -> Path:
    rows = [f"{i},{SOLHOJ},28500.00,Døgnophold marts 2019" for i in ids_solhoj]
    rows += [f"{i},{KILDEN},9000.00,Dagtilbud marts 2019" for i in ids_kilden]
    path = folder / "invoices-2019-03.csv"
    path.write_text("invoice_id,supplier_cvr,amount,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_labels_differing_only_in_case_are_one_type(tmp_path):
    """A labelled sample typed by hand in Excel: `Døgnophold`, `døgnophold`, `DØGNOPHOLD` (Caps Lock) for
    the same kind of invoice, `Dagtilbud`/`dagtilbud` for the other. `types` maps 16 invoices of two kinds
    to six types, splits each kind's share of invoices and amount over three rows of type_table.csv,
    leaves four "types" out of the cross-validation as "labelled once" and still prints a macro F1 of 1.000.
    The same invoice labelled `Døgnophold` in one row and `døgnophold` in another counts as a conflict.

    Why it matters: the type table is what decides which invoice types are in scope for the robot
    (README, `types`: per type the invoices, their share, the amount and its share); split by a typing
    accident, each part looks small and the F1 figure describes a sample the tool did not learn from.
    The labels are already trimmed; the project compares the support sheet's target groups "as a person
    reads them, trimmed, without case" (README, "The support sheet").

    Right: labels that differ only in letter case name one type: two rows in the type table here."""
    inv = _extract(tmp_path, [f"F-{k}" for k in range(1, 9)], [f"K-{k}" for k in range(1, 9)])
    labels = ["F-1,Døgnophold", "F-2,døgnophold", "F-3,Døgnophold", "F-4,DØGNOPHOLD",
              "K-1,Dagtilbud", "K-2,dagtilbud", "K-3,Dagtilbud", "K-4,DAGTILBUD"]  # fmt: skip
    (tmp_path / "labels.csv").write_text("invoice_id,invoice_type\n" + "\n".join(labels) + "\n", encoding="utf-8")
    mapping = map_types([inv], labels=tmp_path / "labels.csv", random_state=0)
    types = sorted(mapping.table["invoice_type"].astype(str))
    assert len(types) == 2, f"two kinds of invoice mapped to {len(types)} types: {types}"


def test_a_label_is_not_put_on_an_invoice_whose_number_it_contradicts(tmp_path):
    """A labelled sample made from `types.csv` of an earlier pull of the same month's extract (the README's
    `file`/`row` keys, with `invoice_id` and `supplier_cvr` beside them). The extract was pulled again after
    one late invoice was registered at the top, so every row number moved one down. The labels say
    `row 9: SOL-8, Solhøj, døgn`; the robot's reader puts the label on row 9 of the new extract, which is
    K-1 from Kilden, a day offer, and marks it `labelled` with confidence 1.00; the number and CVR the label
    names, which contradict it, are never looked at. Nothing is counted as unmatched.

    Why it matters: the classifier learns from and reports a label on the wrong invoice; the type table
    and macro F1 hide it. README: a label "that fits no invoice or several" is "left out rather than
    guessed"; a label whose own invoice number names another invoice does not fit the row.

    Right: where a label gives `invoice_id` (and `supplier_cvr`) beside its row, it is put only on an
    invoice of that number and supplier; otherwise it is left out and counted (or the file refused)."""
    inv_path = _extract(tmp_path, [f"SOL-{k}" for k in range(1, 9)], [f"K-{k}" for k in range(1, 9)])
    given = [(k + 1, f"SOL-{k}", SOLHOJ, "døgn") for k in range(1, 9)]  # rows of the earlier pull
    given += [(k + 9, f"K-{k}", KILDEN, "dag") for k in range(1, 8)]
    pd.DataFrame(
        [(inv_path.name, r, i, c, t) for r, i, c, t in given],
        columns=["file", "row", "invoice_id", "supplier_cvr", "invoice_type"],
    ).to_csv(tmp_path / "labels.csv", index=False)
    invoices = read_extracts([inv_path])
    match = match_labels(invoices, read_labels(tmp_path / "labels.csv"))
    said = {(c, i): t for _r, i, c, t in given}
    own = [said.get(key) for key in zip(invoices["supplier_cvr"], invoices["invoice_id"], strict=True)]
    wrong = [
        (invoices["invoice_id"].iat[k], label, own[k])
        for k, label in enumerate(match.labels)
        if label is not None and label != own[k]
    ]
    assert wrong == [], f"labels put on invoices their numbers do not name (invoice, put, its own): {wrong}"


def test_labels_of_invoice_numbers_that_read_as_cpr_numbers_match_their_invoices(tmp_path):
    """A supplier numbers its invoices by date and a serial, `DDMMYY` + four digits (`1503190001`,
    `1503190002`, ...), which read as CPR numbers. `types` reads the extract with those numbers masked
    (`150319-xxxx`) and matches the labels and works out the features on the masked form: no label of
    that supplier matches ("4 labels matched no invoice"), and every invoice of the supplier after the
    first is flagged `same_number_before`, the feature of a resend or a duplicate, though each number is
    different.

    Why it matters: the sample is silently thinned and the supplier's ordinary invoices look like
    duplicates to the classifier, so type table and scope figures are wrong. Robot spec, check 10:
    invoice numbers are compared "on the number as written, never on a masked form"; masking is for what
    people read, not for keys.

    Right: labels match the invoices by the number as written, and `same_number_before` is set only for a
    number that really came before."""
    numbers = [f"15031900{k:02d}" for k in range(1, 5)]
    inv_path = _extract(tmp_path, numbers, [f"K-{k}" for k in range(1, 5)])
    labels = [f"{n},døgn" for n in numbers] + [f"K-{k},dag" for k in range(1, 5)]
    (tmp_path / "labels.csv").write_text("invoice_id,invoice_type\n" + "\n".join(labels) + "\n", encoding="utf-8")
    invoices = read_extracts([inv_path])
    match = match_labels(invoices, read_labels(tmp_path / "labels.csv"))
    assert match.labels.tolist() == ["døgn"] * 4 + ["dag"] * 4, (match.labels.tolist(), match.unmatched)
    repeated = invoice_features(invoices)["same_number_before"].tolist()
    assert repeated == [0.0] * 8, f"four different invoice numbers flagged as repeats: {repeated}"
