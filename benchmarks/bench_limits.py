"""The robot's limits (robot spec, "Limits"), measured: hostile inputs end in
manual decisions or one-line refusals, in bounded time and memory.

Each case runs ``invoicekit run --dry-run`` in a fresh process and reads its
wall time, peak memory (max RSS) and exit status:

- ``citizen``: one citizen with 200,000 grants and 1,000 invoices (200 million
  candidate pairs, weighed in chunks);
- ``twice``: one citizen's daily invoices for 20,000 days, each sent twice
  under another number (40,000 invoices that check 21 weighs in this run);
- ``coding``: a support sheet with 5,000 coding rows for one key (a day's
  each) beside 20,000 invoices of that key (100 million pairs if paired);
- ``marks``: Sensum's paid marks (``--paid``), 500,000 of them on one grant
  of one citizen, each a day of the 20,000 days that 20,000 daily invoices
  of that grant bill (every invoice finds a payment: ``ALREADY_PAID``);
- ``lines``: one collective invoice of 70,000 lines, each a citizen of its
  own, with a 30,000-character text (0.9.21 copied the invoice's text and
  its citizens to each line before replacing them, and joined them with a
  list's search: 25 s and 6.8 GB for such an e-invoice);
- ``cell``: an invoice extract with a 1.2 MB cell (refused, exit 2);
- ``bomb``: a 0.2 MB workbook whose sheet unpacks to 200 MB (refused, exit 2);
- ``hidden``: a workbook of a million invoices with one row hidden (refused, exit 2);
- ``xml``: ``invoicekit convert oioubl`` of hostile e-invoices under the
  100 MB limit, each on its own: elements nested 14 million deep, 24 million
  bare elements, one element of 9 million attributes, a text cut into 14
  million pieces by comments, and a 1 MB document type whose attribute
  default every element copies (each refused, exit 1; the figures are the
  slowest's and the largest peak).

    python benchmarks/bench_limits.py              # all cases
    python benchmarks/bench_limits.py citizen      # one
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
EXAMPLE = HERE.parent / "tests" / "data" / "example"
INVOICE_HEADER = "invoice_id;supplier_cvr;amount;cpr;period_start;period_end;text\n"


def run(
    tmp: Path, grants: Path, invoices: Path, sheet: Path = EXAMPLE / "stoetteark.xlsx", more: tuple[str, ...] = ()
) -> tuple[float, float, int, str]:
    """``invoicekit run --dry-run`` on the files (and ``more`` options): :func:`timed`."""
    argv = [sys.executable, "-m", "invoicekit.cli", "run", "--grants", str(grants), "--invoices", str(invoices),
            "--support-sheet", str(sheet), "--out", str(tmp / "out"), "--dry-run", "--quiet", *more]  # fmt: skip
    return timed(argv, tmp)


def timed(argv: list[str], tmp: Path) -> tuple[float, float, int, str]:
    """Wall time, peak memory of that process (wait4), exit status, stderr.
    The kernel starts a child's peak at this process's own, so the cases write
    their inputs a piece at a time and this process stays small beside the
    hundreds of MiB measured."""
    with open(tmp / "stderr.txt", "w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().strip()[-200:]
    return seconds, usage.ru_maxrss / 1024, proc.returncode, text


def citizen(tmp: Path) -> tuple[float, float, int, str]:
    grants = tmp / "grants.csv"
    with open(grants, "w", encoding="utf-8") as f:
        f.write("grant_id,cpr,service_code,supplier_cvr,rate,rate_unit,start_date\n")
        f.writelines(f"G{k},6101901234,SEL108-BO,29345716,28500.00,month,2018-01-01\n" for k in range(200_000))
    invoices = tmp / "invoices.csv"
    with open(invoices, "w", encoding="utf-8") as f:
        f.write(INVOICE_HEADER)
        f.writelines(f"F-{k};29345716;28.500,00;6101901234;01.03.2019;31.03.2019;Ophold\n" for k in range(1_000))
    return run(tmp, grants, invoices)


def twice(tmp: Path) -> tuple[float, float, int, str]:
    import datetime as dt

    invoices = tmp / "invoices.csv"
    first = dt.date(2018, 6, 1)
    with open(invoices, "w", encoding="utf-8") as f:
        f.write(INVOICE_HEADER)
        for k in range(20_000):
            day = (first + dt.timedelta(days=k)).strftime("%d.%m.%Y")
            f.writelines(f"K-{k}-{copy};31587603;450,00;6101901234;{day};{day};Aktivitet\n" for copy in "ab")
    return run(tmp, EXAMPLE / "bevillinger.csv", invoices)


def coding(tmp: Path) -> tuple[float, float, int, str]:
    import datetime as dt

    import openpyxl

    wb = openpyxl.load_workbook(EXAMPLE / "stoetteark.xlsx")
    for k in range(5_000):  # each valid one day of 1900-1913: none on the invoices' days
        day = dt.datetime(1900, 1, 1) + dt.timedelta(days=k)
        wb["Kontering"].append(["104", "kommunal", "Udviklingshæmmede", f"XG-{k}", "47000000", day, day])
    sheet = tmp / "stoetteark.xlsx"
    wb.save(sheet)
    invoices = tmp / "invoices.csv"
    first = dt.date(2018, 6, 1)
    with open(invoices, "w", encoding="utf-8") as f:
        f.write(INVOICE_HEADER)
        for k in range(20_000):
            day = (first + dt.timedelta(days=k % 3_000)).strftime("%d.%m.%Y")
            f.write(f"K-{k};31587603;450,00;6101901234;{day};{day};Aktivitet\n")
    return run(tmp, EXAMPLE / "bevillinger.csv", invoices, sheet)


def marks(tmp: Path) -> tuple[float, float, int, str]:
    import datetime as dt

    first = dt.date(2018, 6, 1)
    days = [(first + dt.timedelta(days=k)).strftime("%d.%m.%Y") for k in range(20_000)]
    invoices = tmp / "invoices.csv"
    with open(invoices, "w", encoding="utf-8") as f:
        f.write(INVOICE_HEADER)
        f.writelines(f"K-{k};31587603;450,00;6101901234;{day};{day};Aktivitet\n" for k, day in enumerate(days))
    paid = tmp / "paid.csv"
    with open(paid, "w", encoding="utf-8") as f:
        f.write("grant_id;period_start;period_end;invoice_id\n")
        f.writelines(f"B-1002;{days[k % 20_000]};{days[k % 20_000]};H-{k}\n" for k in range(500_000))
    return run(tmp, EXAMPLE / "bevillinger.csv", invoices, more=("--paid", str(paid)))


def lines(tmp: Path) -> tuple[float, float, int, str]:
    n = 70_000
    cprs = [f"{61 + k % 28:02d}{1 + k // 28 % 12:02d}{40 + k // 336 % 50:02d}{k % 4_000:04d}" for k in range(n)]
    invoices = tmp / "invoices.csv"
    invoices.write_text(
        INVOICE_HEADER + f"SAML-1;29345716;{n}.00;;01.03.2019;31.03.2019;" + "Samlefaktura " * 2_300 + "\n",
        encoding="utf-8",
    )
    lines_file = tmp / "lines.csv"
    with open(lines_file, "w", encoding="utf-8") as f:
        f.write("invoice_id;supplier_cvr;line_no;cpr;amount;period_start;period_end;text\n")
        f.writelines(f"SAML-1;29345716;{k + 1};{c};1,00;01.03.2019;31.03.2019;Ophold\n" for k, c in enumerate(cprs))
    return run(tmp, EXAMPLE / "bevillinger.csv", invoices, more=("--invoice-lines", str(lines_file)))


def cell(tmp: Path) -> tuple[float, float, int, str]:
    invoices = tmp / "invoices.csv"
    invoices.write_text(INVOICE_HEADER + "F-1;29345716;28.500,00;6101901234;01.03.2019;31.03.2019;" + "x" * 1_200_000)
    return run(tmp, EXAMPLE / "bevillinger.csv", invoices)


def bomb(tmp: Path) -> tuple[float, float, int, str]:
    invoices = tmp / "invoices.xlsx"
    with zipfile.ZipFile(invoices, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:  # a MB at a time: see timed
            for _ in range(200):
                sheet.write(b" " * 1_000_000)
    return run(tmp, EXAMPLE / "bevillinger.csv", invoices)


def hidden(tmp: Path) -> tuple[float, float, int, str]:
    """A workbook of a million invoices, one row hidden: the rows are looked at a row at a time (parsed whole,
    300,000 rows took 2 GB)."""
    from openpyxl import Workbook

    plain = tmp / "plain.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Regninger")
    ws.append(["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text"])
    for k in range(1_000_000):
        ws.append([f"F-{k}", "29345716", "28500.00", "6101901234", "2019-03-01", "2019-03-31", "Døgnophold"])
    wb.save(plain)
    invoices = tmp / "invoices.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(invoices, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b'<row r="3"', b'<row r="3" hidden="1"', 1)
            out.writestr(item, data)
    plain.unlink()
    return run(tmp, EXAMPLE / "bevillinger.csv", invoices)


def _written(path: Path, head: bytes, body: Callable[[int], bytes], parts: int, tail: bytes) -> Path:
    """A file of ``head``, ``parts`` pieces made by ``body`` and ``tail``, written
    a piece at a time: a child started by this process is measured from this
    process's own peak memory (the kernel counts it), so that stays small."""
    with open(path, "wb") as f:
        f.write(head)
        for k in range(parts):
            f.write(body(k))
        f.write(tail)
    return path


def xml(tmp: Path) -> tuple[float, float, int, str]:
    million = 1_000_000
    files = [
        _written(
            tmp / "deep.xml",
            b"<Invoice>",
            lambda k: b"<a>" * million if k < 14 else b"</a>" * million,
            28,
            b"</Invoice>",
        ),
        _written(tmp / "flat.xml", b"<Invoice>", lambda k: b"<a/>" * million, 24, b"</Invoice>"),
        _written(
            tmp / "attributes.xml",
            b"<Invoice",
            lambda k: b"".join(b" a%x=''" % i for i in range(k * 100_000, (k + 1) * 100_000)),
            90,
            b"/>",
        ),
        _written(tmp / "pieces.xml", b"<Invoice><a>", lambda k: b"x<!---->" * 100_000, 118, b"</a></Invoice>"),
        _written(
            tmp / "defaults.xml",
            b'<!DOCTYPE Invoice [<!ATTLIST x a CDATA "' + b"A" * million + b'">]><Invoice>',
            lambda k: b"<x/>" * 2000,
            1,
            b"</Invoice>",
        ),
    ]
    convert = [sys.executable, "-m", "invoicekit.cli", "convert", "oioubl", "--out", str(tmp / "r.csv"), "--quiet"]
    runs = [timed([*convert, str(path)], tmp) for path in files]
    why = " | ".join(r[3].split(": ", 2)[-1][:60] for r in runs)
    return max(r[0] for r in runs), max(r[1] for r in runs), max(r[2] for r in runs), f"{len(runs)} files: {why}"


CASES = {"citizen": citizen, "twice": twice, "coding": coding, "marks": marks, "lines": lines, "cell": cell,
         "bomb": bomb, "xml": xml, "hidden": hidden}  # fmt: skip


def main() -> None:
    wanted = sys.argv[1:] or list(CASES)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'case':<8} {'exit':>4} {'seconds':>8} {'peak MiB':>9}  stderr")
    for name in wanted:
        with tempfile.TemporaryDirectory() as tmp:
            seconds, peak, code, err = CASES[name](Path(tmp))
        print(f"{name:<8} {code:>4} {seconds:>8.1f} {peak:>9,.0f}  {err}")


if __name__ == "__main__":
    main()
