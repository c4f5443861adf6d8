"""The posting history: an OPUS export read with its Danish headers, the
lines of one invoice netted, unreadable rows left out and named, a file
mostly unreadable refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from invoicekit.columns import POSTING_HISTORY_COLUMNS
from invoicekit.errors import InputError
from invoicekit.parsing import MONEY_SCALE
from invoicekit.posting_history import posted_per_invoice, prepare_posting_history, read_posting_history

CVR_A, CVR_B = "29345716", "57848995"  # valid CVR numbers (modulus 11)


def _write(path: Path, text: str, encoding: str = "cp1252") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _history(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["Fakturanummer", "Leverandør CVR", "Beløb", "PSP-element", "Artskonto"])


def test_an_opus_export_with_danish_headers_decimal_comma_and_danish_dates_is_read(tmp_path):
    path = _write(
        tmp_path / "opus.csv",
        "Fakturanummer;Leverandør CVR;Beløb;PSP-element;Artskonto;Bogføringsdato;Tekst\n"
        f"F2019-001;DK{CVR_A};12.345,50;XG-5385-01;47100000;05.02.2019;Botilbud januar\n"
        f"77;{CVR_B};-1.000,00;XG-5385-02;40500000;28.02.2019;Kreditnota\n",
    )
    h = read_posting_history(path)
    f = h.frame
    assert len(h.problems) == 0 and h.unreadable == frozenset()
    assert f["supplier_cvr"].tolist() == [CVR_A, CVR_B]  # the DK prefix goes, as for invoices
    assert f["invoice_id"].tolist() == ["F2019-001", "77"]
    assert f["invoice_key"].tolist() == ["f2019001", "77"]  # as check 10 compares numbers
    assert f["amount"].tolist() == [123_455_000, -10_000_000]  # 1/10,000 DKK
    assert f["psp_element"].tolist() == ["XG-5385-01", "XG-5385-02"] and f["art"].tolist() == ["47100000", "40500000"]
    assert f["posting_date"].tolist() == [pd.Timestamp("2019-02-05"), pd.Timestamp("2019-02-28")]
    assert f["text"].tolist() == ["Botilbud januar", "Kreditnota"]


def test_every_accepted_header_is_read_and_the_optional_columns_may_be_missing():
    for k in range(max(len(c.accepted()) for c in POSTING_HISTORY_COLUMNS)):
        names = {c.name: c.accepted()[min(k, len(c.accepted()) - 1)] for c in POSTING_HISTORY_COLUMNS if c.required}
        df = pd.DataFrame({names["invoice_id"]: ["A1"], names["supplier_cvr"]: [CVR_A], names["amount"]: ["100"]})
        df[names["psp_element"]] = ["P1"]
        df[names["art"]] = ["40000000"]
        f = prepare_posting_history(df).frame
        assert f[["invoice_key", "supplier_cvr", "amount", "psp_element", "art"]].values.tolist() == [
            ["a1", CVR_A, 100 * MONEY_SCALE, "P1", "40000000"]
        ], names
        assert f["posting_date"].isna().all() and f["text"].tolist() == [""]


def test_the_robots_own_posting_file_reads_as_a_history(tmp_path):
    header = (
        "Artskonto;PSP-element;Beløb;Tekst;Ydelsesmodtagernr.;Ydelsesmodtagernr.kode;Ydelsesperiode fra;"
        "Ydelsesperiode til;Fakturanummer;Leverandør CVR;Bogføringsdato\n"
    )
    row = f"47100000;XG-1;1234,50;107 01.01.2019-31.01.2019 B-1;0101901234;CPR;01.01.2019;31.01.2019;A-7;{CVR_A};05.02.2019\n"
    f = read_posting_history(_write(tmp_path / "opus_postings.csv", header + row, "utf-8")).frame
    assert f[["invoice_id", "supplier_cvr", "psp_element", "art"]].values.tolist() == [
        ["A-7", CVR_A, "XG-1", "47100000"]
    ]
    assert f["amount"].tolist() == [12_345_000]
    assert "0101901234" not in f.to_string()  # the citizen's CPR column is not read


def test_a_cpr_number_in_an_invoice_number_or_a_text_is_masked():
    df = _history([("1001901234", CVR_A, "10", "P", "A")]).assign(Tekst=["cpr 100190-1234 januar"])
    f = prepare_posting_history(df).frame
    assert f["invoice_id"].tolist() == ["100190-xxxx"]
    assert f["text"].tolist() == ["cpr 100190-xxxx januar"]
    assert "1234" not in f["invoice_key"].iat[0]


def test_the_lines_of_one_number_are_netted_per_psp_element_and_art():
    h = prepare_posting_history(
        _history(
            [
                ("R1", CVR_A, "500,00", "P9", "40000000"),  # posted on the wrong PSP element,
                ("R1", CVR_A, "-500,00", "P9", "40000000"),  # reversed,
                ("R1", CVR_A, "500,00", "P1", "40000000"),  # and posted again on the right one
                ("X1", CVR_A, "200,00", "P1", "40000000"),  # posted and reversed: not paid in the end
                ("x-1", CVR_A, "-200,00", "p1", "40000000"),  # the same number and account, written otherwise
                ("S1", CVR_B, "100,00", "P1", "40000000"),  # one invoice over two accounts
                ("S1", CVR_B, "50,25", "P2", "47100000"),
                ("S1", CVR_A, "80,00", "P1", "40000000"),  # another supplier's S1
            ]
        )
    )
    per = posted_per_invoice(h).set_index(["supplier_cvr", "invoice_key"])
    r1 = per.loc[(CVR_A, "r1")]
    assert (r1["postings"], r1["lines"], r1["true_psp_element"], r1["true_amount"]) == (3, 1, "P1", 500 * MONEY_SCALE)
    x1 = per.loc[(CVR_A, "x1")]
    assert (x1["postings"], x1["lines"], x1["true_amount"], x1["signature"]) == (2, 0, 0, "")
    s1 = per.loc[(CVR_B, "s1")]
    assert (s1["lines"], s1["true_psp_element"], s1["true_art"]) == (2, "P1;P2", "40000000;47100000")
    assert s1["true_amount"] == 1_502_500 and s1["posted_as"] == "P1 / 40000000: 100,00; P2 / 47100000: 50,25"
    assert per.loc[(CVR_A, "s1"), "lines"] == 1 and len(per) == 4


def test_unreadable_rows_are_left_out_named_and_their_invoice_cannot_be_judged():
    rows = [
        ("A1", CVR_A, "100,00", "P1", "40000000"),
        ("A1", CVR_A, "12,345", "P1", "40000000"),  # three decimals: not an amount to the øre
        ("", CVR_A, "100,00", "P1", "40000000"),  # no invoice number
        ("B1", "12345678", "100,00", "P1", "40000000"),  # not a valid CVR number
        ("C1", CVR_A, "kr. 1.000,00", "P1", "40000000"),
        ("D1", CVR_A, "", "P1", "40000000"),  # no amount
    ] + [(f"E{i}", CVR_B, "10,00", "P1", "40000000") for i in range(4)]
    h = prepare_posting_history(_history(rows).assign(Bogføringsdato=["05.02.2019"] * 9 + ["31/02/2019"]))
    problems = h.problems[["row", "column"]].values.tolist()
    assert problems == [[2, "amount"], [3, "invoice_id"], [4, "supplier_cvr"], [6, "amount"], [10, "posting_date"]]
    assert h.frame["invoice_key"].tolist() == ["a1", "c1", "e0", "e1", "e2", "e3"]  # a bad date is read without it
    assert h.unreadable == frozenset({(CVR_A, "a1"), (CVR_A, "d1")})
    per = posted_per_invoice(h).set_index("invoice_key")
    assert per.loc["a1", "unreadable"] and per.loc["d1", "unreadable"] and not per.loc["c1", "unreadable"]
    assert per.loc["d1", "postings"] == 0  # known only from its unreadable row


@pytest.mark.parametrize(
    ("cells", "where", "what"),
    [
        ([("A1", CVR_A, "1,2345", "P", "A")] * 3, "row 1, column 'Beløb'", "højst to decimaler"),
        ([("A1", CVR_A, "1,00", "P", "A"), ("", CVR_A, "1,00", "P", "A"), ("", CVR_A, "1,00", "P", "A")], "row 2, column 'Fakturanummer'", "mangler"),
    ],
)  # fmt: skip
def test_a_history_mostly_unreadable_is_refused_naming_the_file_row_and_column(tmp_path, cells, where, what):
    body = "".join(";".join(r) + "\n" for r in cells)
    path = _write(tmp_path / "historik.csv", "Fakturanummer;Leverandør CVR;Beløb;PSP-element;Artskonto\n" + body)
    with pytest.raises(InputError) as exc:
        read_posting_history(path)
    line = exc.value.line()
    assert line.startswith(f"{path}: {where}: ") and what in line and "rows cannot be read" in line


def test_a_history_without_a_required_column_or_rows_is_refused(tmp_path):
    path = _write(tmp_path / "h.csv", f"Fakturanummer;CVR-nr;Beløb;PSP-element\nA1;{CVR_A};1,00;P\n")
    with pytest.raises(InputError, match=r"column 'art'.*Artskonto"):
        read_posting_history(path)
    path = _write(tmp_path / "tom.csv", "Fakturanummer;CVR-nr;Beløb;PSP-element;Artskonto\n")
    with pytest.raises(InputError, match="holds no posting lines"):
        read_posting_history(path)
    with pytest.raises(TypeError):
        prepare_posting_history(np.zeros(3))


def test_a_row_with_the_wrong_number_of_fields_is_left_out(tmp_path):
    path = _write(
        tmp_path / "h.csv",
        "Fakturanummer;Leverandør CVR;Beløb;PSP-element;Artskonto\n"
        f"A1;{CVR_A};1,00;P;A\nB1;{CVR_A};1,00;P;A;to meget\nC1;{CVR_A};2,00;P;A\n",
    )
    h = read_posting_history(path)
    assert h.problems[["file", "row", "column"]].values.tolist() == [["h.csv", 2, ""]]
    assert h.frame["invoice_key"].tolist() == ["a1", "c1"] and h.unreadable == frozenset({(CVR_A, "b1")})


def test_an_xlsx_export_with_numbers_and_date_cells_is_read(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Fakturanr", "CVR-nr", "Beløb", "PSP", "Art", "Bogføringsdato"])
    ws.append([1001, int(CVR_A), 1234.5, "XG-1", 47100000, dt.datetime(2019, 2, 5)])
    wb.save(tmp_path / "opus.xlsx")
    f = read_posting_history(tmp_path / "opus.xlsx").frame
    assert f[["invoice_key", "supplier_cvr", "amount", "art"]].values.tolist() == [
        ["1001", CVR_A, 12_345_000, "47100000"]
    ]
    assert f["posting_date"].tolist() == [pd.Timestamp("2019-02-05")]
