"""Writes the small hand-made example case in this folder.

A municipality's March 2019 run: six suppliers, seven citizens (replacement
CPR numbers, day + 60, so no real person's number), nine grants and 22
invoices chosen so that most reasons occur once. Run it again after changing
it: ``python tests/data/example/make_example.py``.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent

GRANTS = """\
grant_id,cpr,service_code,service_name,supplier_cvr,rate,rate_unit,start_date,end_date
B-1001,610190-1234,SEL108-BO,Længerevarende botilbud,29345716,28500.00,month,01-01-2018,
B-1002,610190-1234,SEL104-AKT,Aktivitets- og samværstilbud,31587603,450.00,day,01-06-2018,
B-1003,720385-4321,SEL107-MID,Midlertidigt botilbud,19554627,1850.00,day,01-01-2019,28-02-2019
B-1004,650577-2468,STU,Særligt tilrettelagt ungdomsuddannelse,40713352,285000.00,year,01-08-2018,31-07-2021
B-1005,881195-1357,SEL97-LED,Ledsageordning,36209488,420.00,hour,01-01-2019,
B-1006,621203-1122,SEL108-BO,Længerevarende botilbud,29345716,31200.00,month,01-01-2019,
B-1007,621203-1122,SEL108-BO,Længerevarende botilbud,29345716,31200.00,month,01-07-2018,
B-1008,660300-1235,SEL104-CAFE,Værested,25118871,2100.00,week,01-01-2019,
B-1009,,SEL108-BO,Længerevarende botilbud,29345716,28500.00,month,01-01-2019,
"""

# Fakturanummer;Leverandør CVR;Leverandør;CPR-nr;Periode fra;Periode til;Beløb;Tekst;Fakturadato
INVOICES = [
    (
        "SOL-1001",
        "29345716",
        "Bostedet Solhøj",
        "610190-1234",
        "01.03.2019",
        "31.03.2019",
        "28.500,00",
        "Døgnophold marts 2019",
    ),
    (
        "KIL-201",
        "31587603",
        "Aktivitetscentret Kilden",
        "6101901234",
        "01.03.2019",
        "31.03.2019",
        "13.950,00",
        "Aktivitetstilbud 31 dage",
    ),
    (
        "ENG-77",
        "19554627",
        "Botilbuddet Engen",
        "720385-4321",
        "01.03.2019",
        "31.03.2019",
        "57.350,00",
        "Midlertidigt ophold",
    ),
    (
        "VIN-2019-03",
        "40713352",
        "STU-skolen Vinden",
        "650577-2468",
        "01.03.2019",
        "31.03.2019",
        "24.205,48",
        "STU marts 2019",
    ),
    (
        "LED-9",
        "36209488",
        "Ledsagerservice ApS",
        "881195-1357",
        "01.03.2019",
        "31.03.2019",
        "3.360,00",
        "8 timers ledsagelse",
    ),
    (
        "SOL-1002",
        "29345716",
        "Bostedet Solhøj",
        "621203-1122",
        "01.03.2019",
        "31.03.2019",
        "31.200,00",
        "Døgnophold marts 2019",
    ),
    (
        "SOL-1003",
        "29345716",
        "Bostedet Solhøj",
        "",
        "",
        "",
        "59.700,00",
        "Samlefaktura marts 2019: 610190-1234, 621203-1122",
    ),
    (
        "BRO-15",
        "25118871",
        "Værestedet Broen",
        "",
        "",
        "",
        "8.400,00",
        "Værested for 660300-1235, periode 04.03.2019 - 31.03.2019",
    ),
    (
        "KIL-202",
        "31587603",
        "Aktivitetscentret Kilden",
        "610190-1234",
        "01.02.2019",
        "28.02.2019",
        "13.050,00",
        "Aktivitetstilbud februar",
    ),
    (
        "SOL-1001",
        "29345716",
        "Bostedet Solhøj",
        "610190-1234",
        "01.03.2019",
        "31.03.2019",
        "28.500,00",
        "Døgnophold marts 2019",
    ),
    (
        "KIL-K1",
        "31587603",
        "Aktivitetscentret Kilden",
        "610190-1234",
        "15.03.2019",
        "15.03.2019",
        "-450,00",
        "Kreditnota: lukkedag",
    ),
    ("X-1", "29345716", "Bostedet Solhøj", "700798-1234", "01.03.2019", "31.03.2019", "28.500,00", "Døgnophold"),
    ("ENG-78", "19554627", "Botilbuddet Engen", "610190-1234", "01.03.2019", "31.03.2019", "5.000,00", "Aflastning"),
    ("SOL-1005", "2934571", "Bostedet Solhøj", "610190-1234", "01.03.2019", "31.03.2019", "28.500,00", "Døgnophold"),
    (
        "KIL-203",
        "31587603",
        "Aktivitetscentret Kilden",
        "610190-1234",
        "01.03.2019",
        "15.03.2019",
        "6.750,00",
        "Aktivitetstilbud",
    ),
    (
        "",
        "31587603",
        "Aktivitetscentret Kilden",
        "610190-1234",
        "01.03.2019",
        "31.03.2019",
        "13.950,00",
        "Aktivitetstilbud",
    ),
    ("VIN-2019-X", "40713352", "STU-skolen Vinden", "310290-1234", "01.03.2019", "31.03.2019", "24.205,48", "STU"),
    (
        "VIN-2019-A",
        "40713352",
        "STU-skolen Vinden",
        "650577-2468",
        "01.01.2019",
        "31.12.2019",
        "285.000,00",
        "STU 2019",
    ),
    ("SOL-1006", "29345716", "Bostedet Solhøj", "610190-1234", "", "", "28.500,00", "Døgnophold"),
    ("SOL-1007", "29345716", "Bostedet Solhøj", "", "", "", "28.500,00", "Døgnophold marts 2019"),
    (
        "KIL-204",
        "31587603",
        "Aktivitetscentret Kilden",
        "610190-1234",
        "01.04.2019",
        "30.04.2019",
        "13.500",
        "Aktivitetstilbud april",
    ),
    (
        "VIN-2019-04",
        "40713352",
        "STU-skolen Vinden",
        "650577-2468",
        "01.04.2019",
        "30.04.2019",
        "23.424,66",
        "STU april 2019",
    ),
]

SERVICES = [
    ("service_code", "paragraph", "target_group"),
    ("SEL108-BO", "§ 108", "Udviklingshæmmede"),
    ("SEL104-AKT", "SEL §104", "Udviklingshæmmede"),
    ("SEL107-MID", "107", "Sindslidende"),
    ("STU", "STU", "Unge med særlige behov"),
    ("SEL97-LED", "§ 97", "Fysisk handicappede"),
]
SUPPLIERS = [
    ("CVR", "Ejerforhold"),
    (29345716, "privat"),
    (31587603, "kommunal"),
    (19554627, "regional"),
    (40713352, "selvejende"),
    (36209488, "privat"),
    (25118871, "privat"),
]
CODING = [
    ("Paragraf", "Ejerforhold", "Målgruppe", "PSP-element", "Artskonto", "Gyldig fra", "Gyldig til"),
    ("108", "privat", "Udviklingshæmmede", "XG-5385001080-00001", "40000000", "2018-01-01", "2018-12-31"),
    ("108", "privat", "Udviklingshæmmede", "XG-5385001080-00002", "40000000", "2019-01-01", None),
    ("104", "kommunal", "Udviklingshæmmede", "XG-5385901040-00001", "47000000", "2018-01-01", None),
    ("107", "regional", "Sindslidende", "XG-5385201070-00001", "48000000", "2018-01-01", None),
    ("STU", "selvejende", "Unge med særlige behov", "XG-3304600000-00001", "40000000", "2018-01-01", None),
    ("97", "privat", "Fysisk handicappede", "XG-5385300970-00001", "40000000", "2018-01-01", None),
]


def main() -> None:
    (HERE / "bevillinger.csv").write_text(GRANTS, encoding="utf-8")
    header = "Fakturanummer;Leverandør CVR;Leverandør;CPR-nr;Periode fra;Periode til;Beløb;Tekst;Fakturadato"
    lines = [header] + [";".join((*row, "05.04.2019")) for row in INVOICES]
    # Windows-1252, as exported from a Danish Excel
    (HERE / "regninger.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    wb = Workbook()
    ws = wb.active
    ws.title = "Ydelser"
    for row in SERVICES:
        ws.append(row)
    ws = wb.create_sheet("Leverandører")
    for row in SUPPLIERS:
        ws.append(row)
    ws = wb.create_sheet("Kontering")
    import datetime as dt

    for row in CODING:
        cells = list(row)
        for k in (5, 6):
            if cells[k] and cells[k][0].isdigit():
                cells[k] = dt.datetime.fromisoformat(cells[k])  # real Excel date cells
        ws.append(cells)
    wb.save(HERE / "stoetteark.xlsx")


if __name__ == "__main__":
    main()
