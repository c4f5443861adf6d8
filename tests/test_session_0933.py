"""Faults found and mended in the stop that made 0.9.33, each with the test that found it."""

from __future__ import annotations

from openpyxl import load_workbook


def _two_runs_one_control(tmp_path):
    """A month's invoices in two runs, a control drawn after the first and accepted (every posting
    answered ``nej``): the second run's postings are not in its sample."""
    from invoicekit.cli import main
    from invoicekit.sample import month_postings
    from synthetic import synthesize
    from tests.test_sample import _filled

    synthesize("baseline", seed=5, out=tmp_path / "world", months=1, citizens=60)
    (extract,) = sorted((tmp_path / "world" / "invoices").glob("invoices-*.csv"))
    (grants,) = sorted((tmp_path / "world" / "sensum").glob("grants-*.csv"))
    month = extract.stem.removeprefix("invoices-")
    lines = extract.read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    journal = tmp_path / "journal.sqlite"
    path = None
    for part, body, flag in (("a", lines[1:half], "--new-journal"), ("b", lines[half:], "--journal")):
        batch = tmp_path / f"invoices-{month}-{part}.csv"
        batch.write_bytes(lines[0] + b"".join(body))
        argv = ["run", "--grants", str(grants), "--invoices", str(batch), "--support-sheet",
                str(tmp_path / "world" / "stoetteark.xlsx"), "--out", str(tmp_path / f"out-{part}"), flag,
                str(journal), "--quiet"]  # fmt: skip
        assert main(argv) == 0
        if part == "a":
            first = len(month_postings(journal, month))
            path, wb = _filled(journal, tmp_path, month)
            wb.save(path)
    assert len(month_postings(journal, month)) > first
    return journal, path, month


def test_a_control_that_does_not_cover_later_runs_is_not_a_month_accepted(tmp_path):
    """The follow-up's overview said "Stikprøvekontroller godkendt 1 af 1" for a month whose later run
    posted invoices no sample had seen: an auditor reads the month as accepted. The control is
    accepted for its sample, and the overview, the workbook and the summary say the month is not
    covered and a new sample is to be drawn."""
    from invoicekit.followup import followup
    from invoicekit.reports import write_followup

    journal, control, month = _two_runs_one_control(tmp_path)
    f = followup(journal, controls=[control])
    assert bool(f.controls["accepted"].iat[0]) and f.controls["not_covered"].iat[0] > 0
    h = f.headline()
    assert h["controls"] == 1 and h["controls_accepted"] == 0
    assert h["controls_partial"] == [month] and h["controls_rejected"] == []
    assert "not the whole month: draw a new sample" in f.text()
    written = write_followup(f, tmp_path / "report")
    page = next(p for p in written.values() if str(p).endswith(".html")).read_text(encoding="utf-8")
    overview = page[page.index("Overblik") : page.index("Overblik") + 4000]
    assert "0 af 1" in overview
    assert f"Stikprøven for {month} dækker ikke de automatiske posteringer fra senere kørsler" in overview
    wb = load_workbook(next(p for p in written.values() if str(p).endswith(".xlsx")))
    figures = {r[0].value: (r[1].value, r[2].value) for r in wb["Overblik"].iter_rows(min_row=2)}
    assert figures["Stikprøvekontroller godkendt"] == (0, "af 1")
    assert figures["Stikprøver, der ikke dækker senere kørsler"] == (1, month)


def test_a_line_naming_no_one_is_compared_with_the_named_lines_days_as_before_in_one_sorting():
    """An e-invoice's lines naming no citizen are compared with the days the citizen's lines cover
    (``einvoice._unnamed_line_apart``). It sorted the named lines once for every unnamed line: a file
    of 4,000 lines took 3 s to convert, 40,000 lines some minutes (a hostile file holds the robot up).
    The runs of days sorted once must give the first day not covered exactly as the walk over the
    sorted periods did, for any periods: overlapping, touching, nested, one day long."""
    import datetime as dt
    import random

    from invoicekit.einvoice import _first_day_not_in, _runs_of_days

    def walked(named, day):  # the 0.9.32 walk, the reference
        for ns, ne in sorted(named):
            if ns <= day <= ne:
                day = ne + dt.timedelta(days=1)
        return day

    rng = random.Random(33)
    base = dt.date(2019, 2, 20)
    for _ in range(3000):
        named = []
        for _ in range(rng.randint(0, 6)):
            start = base + dt.timedelta(days=rng.randint(0, 20))
            named.append((start, start + dt.timedelta(days=rng.randint(0, 6))))
        runs = _runs_of_days(named)
        for offset in range(-1, 30):
            day = base + dt.timedelta(days=offset)
            assert _first_day_not_in(runs, day) == walked(named, day), (named, day)


def test_sample_evaluates_printed_bound_is_never_the_tolerable_rate_it_was_accepted_below():
    """``sample evaluate`` printed a bound of 4.9975 % as ``5.00%`` beside a tolerable rate of ``5.00%``
    and said accepted (``:.2%``): the decimals now tell the two apart, as the follow-up shows them."""
    from invoicekit.sample import ControlResult

    accepted = ControlResult(checked=59, errors=0, confidence=0.95, tolerable=0.05, upper_bound=0.049975)
    assert accepted.accepted
    assert "Upper bound:    4.998% (one-sided, 95% confidence)" in accepted.text()
    assert "Tolerable rate: 5.00%" in accepted.text()
    plain = ControlResult(checked=59, errors=1, confidence=0.95, tolerable=0.05, upper_bound=0.0789)
    assert "Upper bound:    7.89% (one-sided" in plain.text()


def test_ordinary_texts_are_read_whole_column_never_one_by_one(monkeypatch):
    """The fast path hands Python only the texts its patterns cannot read alone. A prefilter widened for
    a range of months in digits (``01/2019-02/2019``) matched every dotted date (``01.03.2019``) and sent
    nearly every invoice of a million to Python: the dry run took 4.5 times as long, deciding the same. The
    texts the synthetic municipality writes, one period each, must be read without Python; those the rule
    is about must still reach it."""
    import numpy as np

    import invoicekit.parsing as parsing

    seen: list[str] = []
    real = parsing.period_in_text
    monkeypatch.setattr(parsing, "period_in_text", lambda text: seen.append(text) or real(text))
    ordinary = [
        "Ophold 01.03.2019 - 31.03.2019, Borger: Julie Vestergaard",
        "Døgnophold 01-03-2019 - 31-03-2019",
        "Månedlig betaling for botilbud, marts 2019, cpr.nr. 810749-3130, Borger: Marianne Augustesen",
        "Opholdsbetaling 01/03/2019-31/03/2019, Bostedet Majbakken, Novo Allé 3",
        "Aflastning marts 2019, 7.000,00 kr. pr. uge",
    ]
    start, _end = parsing.period_from_texts(np.array(ordinary, dtype=object))
    assert not np.isnat(start).any() and seen == []
    needing = ["Ophold 01/2019-02/2019, faktureret marts 2019", "Døgnophold februar, faktureret marts 2019"]
    start, _end = parsing.period_from_texts(np.array(needing, dtype=object))
    assert np.isnat(start).all() and seen == needing
