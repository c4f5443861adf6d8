"""Sample control of the robot's automatic postings: attribute sampling (ISA 530).

- :func:`sample_size`: the smallest sample that shows, at the given confidence,
  that the error rate is below the tolerable rate when at most
  ``expected_errors`` errors turn up: ``n = ceil(ln(1 - C) / ln(1 - p))`` with
  none expected (59 at 95 %/5 %), the binomial with some (93 and 124 with 1 and
  2), and the hypergeometric when the population is given (small months).
- :func:`draw`: the sample, drawn reproducibly (a seed) from one month's
  automatic postings in the journal, as a control sheet (xlsx) for the reviewer.
- :func:`evaluate_control`: the filled-in sheet read back: errors found and the
  one-sided upper bound on the error rate, hypergeometric on the month's
  postings as the sample was sized (0 in 37 of 71 → accepted at 95 %/5 %), or
  Clopper–Pearson where the sheet gives no population (0 in 59 → 4.95 %).
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from invoicekit.errors import InputError, MissingFileError, check_input_file, make_folder
from invoicekit.formats import EXCEL_INT, EXCEL_MONTH, EXCEL_PERCENT, decimals_beside, en_percent
from invoicekit.identifiers import quoted
from invoicekit.journal import Journal, months_of_runs
from invoicekit.parsing import ore_dkk
from invoicekit.readers import refuse_no_xlsx
from invoicekit.reasons import POSTED
from invoicekit.vocabulary import MONTH, month_of_cell
from invoicekit.workbook import save_whole, write_workbook

log = logging.getLogger(__name__)

FINDING = "Fejl (ja/nej)"
CHECK_COLUMNS = (
    "Rigtig bevilling?",
    "Rigtigt beløb og periode?",
    "Rigtig kontering (PSP, art)?",
    FINDING,
    "Bemærkning",
)
SHEET_SAMPLE = "Stikprøve"
SHEET_INFO = "Oplysninger"


def _check_rate(name: str, value: float) -> float:
    if not 0 < value < 1:
        raise InputError(None, name, f"{value} is out of range; expected a rate between 0 and 1 (or a percentage)")
    return value


#: the largest population (and number of expected errors) a sample is sized
#: for: more postings than any municipality makes in a century
MAX_POPULATION = 1_000_000_000


def sample_size(confidence: float, tolerable: float, expected_errors: int = 0, population: int | None = None) -> int:
    """Attribute sample size (see the module's docstring)."""
    from scipy.stats import binom, hypergeom

    c = _check_rate("--confidence", confidence)
    p = _check_rate("--tolerable", tolerable)
    k = int(expected_errors)
    if k < 0:
        raise InputError(None, "--expected-errors", f"{k} is negative; expected 0 or more")
    if k > MAX_POPULATION:
        raise InputError(None, "--expected-errors", f"{k} is too large; expected at most {MAX_POPULATION:,}")
    if population is not None:
        if population < 1:
            raise InputError(None, "--population", f"{population} is too small; expected 1 or more")
        if population > MAX_POPULATION:  # scipy's hypergeometric lost its way there: a TypeError, or no answer in hours
            raise InputError(
                None, "--population", f"{population} is too large; expected at most {MAX_POPULATION:,} postings "
                "(leave it out for a large population: the sample size hardly depends on it)"
            )  # fmt: skip
        # the tolerable number of errors in the population (rounded first: 0.07 × 100 is 7.000000000000001)
        bad = math.ceil(round(p * population, 9))
        found = _first(lambda n: hypergeom.cdf(k, population, bad, n) <= 1 - c + 1e-12, k + 1, population)
        return population if found is None else found
    if p < 1e-9:  # 1 − p is 1 to a float: no sample of any size would do
        raise InputError(None, "--tolerable", f"{tolerable} is too small; expected a rate of at least 0.000000001")
    if k == 0:
        n = math.ceil(math.log(1 - c) / math.log(1 - p) - 1e-9)
    else:
        high = k + 1
        while binom.cdf(k, high, p) > 1 - c + 1e-12 and high <= MAX_POPULATION:  # doubled until enough
            high *= 2
        n = _first(lambda n: binom.cdf(k, n, p) <= 1 - c + 1e-12, k + 1, high) or high
    if n > MAX_POPULATION:
        # no municipality posts so many in a month; and a ten-digit answer may read as a CPR number, which the
        # printed line masks (an attack on 0.9.30 was told 100100-xxxx)
        raise InputError(
            None,
            "--expected-errors" if k else "--tolerable",
            f"asks for a sample of more than {MAX_POPULATION:,} postings; expected fewer expected errors, a higher "
            "tolerable rate or a lower confidence",
        )
    return n


def _first(enough, low: int, high: int) -> int | None:
    """The smallest ``n`` from ``low`` to ``high`` for which ``enough(n)``
    holds, None when none does. The chance of finding at most ``k`` errors
    only falls as the sample grows, so once ``enough`` holds it holds for
    every larger sample: halving the range finds the first (some twenty
    looks where counting up took as many as the answer: over two million
    for 100,000 expected errors)."""
    if low > high or not enough(high):
        return None
    while low < high:
        mid = (low + high) // 2
        if enough(mid):
            high = mid
        else:
            low = mid + 1
    return low


def upper_bound(errors: int, n: int, confidence: float = 0.95) -> float:
    """One-sided Clopper–Pearson upper bound on the error rate, as scipy's
    binomial test gives it (``alternative="less"``); 1 when nothing was
    checked or every posting checked was wrong."""
    from scipy.stats import binomtest  # lazily: scipy is slow to import and most commands never need it

    if n <= 0 or errors >= n:
        return 1.0
    ci = binomtest(errors, n, alternative="less").proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.high)


def upper_bound_in(errors: int, n: int, population: int, confidence: float = 0.95) -> float:
    """The one-sided upper bound on the error rate of a population of
    ``population`` postings when ``errors`` turned up in a sample of ``n``
    drawn without replacement: the largest share of wrong postings ``D / N``
    under which finding at most ``errors`` still has more than ``1 −
    confidence`` chance (hypergeometric), the bound :func:`sample_size` sizes
    a sample for. A month of 71 postings needs a sample of 37 (95 %/5 %), and
    0 errors in it are accepted, where the binomial bound (:func:`upper_bound`:
    7.78 %) would accept none under about 5,000 postings."""
    from scipy.stats import hypergeom

    if n <= 0:
        return 1.0
    if n >= population:
        return errors / population
    alpha = 1 - confidence + 1e-12
    # the chance of at most ``errors`` falls as the wrong postings grow: the first D it rules out
    ruled_out = _first(lambda d: hypergeom.cdf(errors, population, d, n) <= alpha, errors + 1, population)
    return 1.0 if ruled_out is None else (ruled_out - 1) / population  # none ruled out: every one may be wrong


def month_postings(journal: str | Path, month: str) -> pd.DataFrame:
    """The automatic postings of the runs of ``month`` (``YYYY-MM``), the
    month each run belongs to as the follow-up counts it
    (:func:`invoicekit.vocabulary.run_month`)."""
    if not MONTH.fullmatch(month or ""):
        raise InputError(None, "--month", f"{quoted(month)} is not a month; expected YYYY-MM")
    if not Path(journal).exists():
        raise MissingFileError(journal, "does not exist; expected the robot's journal")
    with Journal(journal, readonly=True) as j:
        runs = j.runs()
        chosen = runs[(months_of_runs(runs) == month).to_numpy()]
        frames = [j.decisions(int(r)) for r in chosen["run_id"]]
    if not frames:
        return pd.DataFrame()
    d = pd.concat(frames, ignore_index=True)
    return d[d["status"] == POSTED].reset_index(drop=True)


@dataclass
class Control:
    sample: pd.DataFrame
    info: dict

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            raise InputError(path, None, "has no .xlsx ending; expected a control sheet like control.xlsx")
        if path.exists():
            # a control sheet may hold a reviewer's findings, and the path may be any workbook
            # (the support sheet): nothing is replaced
            raise InputError(
                path,
                "--out",
                "exists; a control sheet is never written over a file (it may hold findings already): "
                "choose a new file name, or remove the old sheet to draw again",
            )
        make_folder(path.parent)  # as the other commands make theirs (its folder missing was an error)
        info = pd.DataFrame(list(self.info.items()), columns=["Oplysning", "Værdi"])
        # the month a real date shown yyyy-mm, as every workbook's months (text until 0.9.21); read back either way
        shown = {"Måned": EXCEL_MONTH, "Konfidens": EXCEL_PERCENT, "Tålelig fejlrate": EXCEL_PERCENT}
        counts = ("Automatiske posteringer i måneden", "Forventede fejl", "Stikprøvestørrelse")
        formats = [shown.get(k, EXCEL_INT if k in counts else None) for k in info["Oplysning"]]
        # written whole, its drop-down and all, beside --out, then moved there (save_whole): a full disk at the
        # second save left a sheet cut short at --out, which no draw may replace (a review of 0.9.39's first version)
        staged = path.with_name(f".{path.stem}.{os.getpid()}.draw.xlsx")  # openpyxl reads a name ending .xlsx alone
        try:
            write_workbook(
                staged, {SHEET_SAMPLE: self.sample, SHEET_INFO: info}, formats={SHEET_INFO: {"Værdi": formats}}
            )
            wb = load_workbook(staged)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        finally:
            staged.unlink(missing_ok=True)
        ws = wb[SHEET_SAMPLE]
        col = list(self.sample.columns).index(FINDING) + 1
        letter = ws.cell(row=1, column=col).column_letter
        # Excel refuses anything else as it is typed (without the message it took "x", which
        # sample evaluate refused later: an analyst's walk-through)
        dv = DataValidation(
            type="list",
            formula1='"ja,nej"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="ja eller nej",
            error="Skriv ja (posteringen er forkert) eller nej (den er rigtig).",
        )
        dv.add(f"{letter}2:{letter}{len(self.sample) + 1}")
        ws.add_data_validation(dv)
        return save_whole(wb, path)


def draw(
    journal: str | Path,
    month: str,
    confidence: float = 0.95,
    tolerable: float = 0.05,
    expected_errors: int = 0,
    seed: int = 1,
) -> Control:
    """Size the sample for the month's postings (hypergeometric on that
    population) and draw it reproducibly."""
    postings = month_postings(journal, month)
    if len(postings) == 0:
        with Journal(journal, readonly=True) as j:
            runs = j.runs()
        # the months the robot posted in, not every month it ran: "from 2019-05 to 2019-05" named the very
        # month refused, whose runs found no invoice (a user review)
        months = months_of_runs(runs)
        posted = sorted(set(months[pd.to_numeric(runs["posted"], errors="coerce").fillna(0).to_numpy() > 0]))
        within = (
            f": {', '.join(posted)}"
            if 0 < len(posted) <= 3
            else f", from {posted[0]} to {posted[-1]}"
            if posted
            else "; the robot has posted nothing in any month of this journal"
        )
        raise InputError(
            journal, month, f"has no automatic postings in that month; expected a month the robot posted in{within}"
        )
    s = postings.iloc[_chosen(len(postings), confidence, tolerable, expected_errors, seed)].reset_index(drop=True)
    sample = pd.DataFrame(
        {
            "Nr.": np.arange(1, len(s) + 1),
            "Kørsel": s["run_id"].to_numpy(),
            "Række": s["row"].to_numpy(),
            "Fakturanummer": s["invoice_id"].to_numpy(),
            "Leverandør CVR": s["supplier_cvr"].to_numpy(),
            "CPR": s["cpr_masked"].to_numpy(),
            "Beløb": ore_dkk(s["amount_ore"]),  # a number in the workbook, in kroner
            "Bevilling": s["grant_id"].to_numpy(),
            "Periode fra": s["period_start"].to_numpy(),
            "Periode til": s["period_end"].to_numpy(),
            "Paragraf": s["paragraph"].to_numpy(),
            "PSP-element": s["psp_element"].to_numpy(),
            "Art": s["art"].to_numpy(),
            "Posteringstekst": s["message"].to_numpy(),
            **{c: "" for c in CHECK_COLUMNS},
        }
    )
    info = {
        "Måned": month,
        "Automatiske posteringer i måneden": len(postings),
        "Konfidens": confidence,
        "Tålelig fejlrate": tolerable,
        "Forventede fejl": expected_errors,
        "Stikprøvestørrelse": len(sample),
        "Seed": seed,
        "Udfyld": f"Kontrollér hver postering og skriv ja eller nej i kolonnen '{FINDING}'.",
    }
    return Control(sample=sample, info=info)


def _chosen(population: int, confidence: float, tolerable: float, expected_errors: int, seed: int) -> np.ndarray:
    """The positions among a month's ``population`` postings that :func:`draw`
    samples (sized hypergeometric on that population, drawn with ``seed``),
    in order."""
    n = sample_size(confidence, tolerable, expected_errors, population=population)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(population, size=min(n, population), replace=False))


@dataclass
class ControlResult:
    checked: int
    errors: int
    confidence: float
    tolerable: float
    upper_bound: float
    month: str = ""
    #: whether the sheet's rows were held against the journal's automatic postings (``--journal``)
    against_journal: bool = True
    #: the month's automatic postings in runs after those the sample was drawn from (``--journal``): the
    #: sample says nothing of them (a review of 0.9.32's first mend: said only in a warning)
    not_covered: int = 0

    @property
    def accepted(self) -> bool:
        """The tolerable rate ruled out: the bound below it (a month of 1,000
        postings: 49 wrong ones at most, never the 50 that are 5 %)."""
        return self.upper_bound < self.tolerable

    def text(self) -> str:
        verdict = (
            "the error rate is below the tolerable rate: accepted"
            if self.accepted
            else "the tolerable rate cannot be ruled out: look at the errors, extend the sample or tighten the rules"
        )
        return (
            f"Checked:        {self.checked}\n"
            f"Errors found:   {self.errors}\n"
            # to a hundredth, or as many more decimals as tell the bound from the tolerable rate: 4.9975 % printed
            # 5.00 % against 5.00 %, accepted (an attack on 0.9.32 found the follow-up's summary so)
            f"Upper bound:    {en_percent(self.upper_bound, decimals_beside(self.upper_bound, self.tolerable, 2))} "
            f"(one-sided, {self.confidence:.0%} confidence)\n"
            f"Tolerable rate: {en_percent(self.tolerable, 2)}\n"
            f"Conclusion:     {verdict}"
            + (
                f"\nNot covered:    {self.not_covered} automatic postings of the month, in runs after those the "
                "sample was drawn from: draw a sample of the month again to control them"
                if self.not_covered
                else ""
            )
            + (
                ""
                if self.against_journal
                else "\nNot checked:    the sheet's rows against the journal's postings (give --journal: a sheet "
                "with rows deleted, or drawn from another journal, is refused with it)"
            )
        )


#: what the sheet Oplysninger must say: without them the sheet could be
#: judged on a laxer confidence or tolerable rate than it was drawn with, or
#: with rows deleted
_REQUIRED_INFO = ("Måned", "Konfidens", "Tålelig fejlrate", "Stikprøvestørrelse")
#: what it must say besides against a journal, which draws the sample again
#: with them: without its seed a row swapped for a posting not drawn passed,
#: and without its population the bound was taken as the sheet gave it. A
#: sheet evaluated without a journal may give none of them (one not drawn by
#: sample draw: Clopper–Pearson then, as no population is given)
_DRAWN_WITH = ("Automatiske posteringer i måneden", "Forventede fejl", "Seed")
#: the line giving the month's automatic postings, the population the sample was sized on
_POPULATION = _DRAWN_WITH[0]


def evaluate_control(path: str | Path, journal: str | Path | None = None) -> ControlResult:
    """Read a filled-in control sheet and bound the error rate. With
    ``journal``, every posting the sheet checks must be one of that journal's
    automatic postings in the sheet's month (a sheet drawn from another
    journal is refused)."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(path, "does not exist; expected a control sheet from invoicekit sample draw")
    check_input_file(path, "a control sheet from invoicekit sample draw (.xlsx)")
    refuse_no_xlsx(
        path,
        "the control sheet as the .xlsx workbook invoicekit sample draw wrote, filled in and saved in Excel as an "
        "Excel Workbook (.xlsx), not as CSV",
    )
    try:
        # openpyxl named: with calamine installed pandas warns that its default will change
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise InputError(
            path, None, f"cannot be read as a workbook ({type(exc).__name__}); expected an .xlsx file"
        ) from None
    for name in (SHEET_SAMPLE, SHEET_INFO):
        if name not in sheets:
            raise InputError(path, name, f"sheet missing; expected the sheets {SHEET_SAMPLE} and {SHEET_INFO}")
    sample = sheets[SHEET_SAMPLE]
    if FINDING not in sample:
        raise InputError(path, f"{SHEET_SAMPLE}: {FINDING}", "column missing; expected the finding column")
    info = _info(path, sheets[SHEET_INFO], _REQUIRED_INFO + (_DRAWN_WITH if journal is not None else ()))
    month = month_of_cell(info["Måned"])  # retyped in Excel, a date cell (its first day): still that month
    finding = sample[FINDING].str.strip().str.lower()
    unknown = ~finding.isin(["ja", "nej"])
    if unknown.any():
        at = np.flatnonzero(unknown.to_numpy())
        blank = (finding.iloc[at] == "").to_numpy()
        if blank.all():
            rows = ", ".join(str(i + 2) for i in at[:5]) + (f" and {len(at) - 5:,} more" if len(at) > 5 else "")
            said = f"not filled in on row(s) {rows}"
        else:  # an answer that is neither (x, ja., yes): said as what it is, not as blank
            k = int(at[~blank][0])
            said = f"row {k + 2}: {quoted(sample[FINDING].iat[k])} is neither ja nor nej"
        raise InputError(path, f"{SHEET_SAMPLE}: {FINDING}", f"{said}; expected ja or nej on every row")
    # a check answered nej (the grant, the amount and period, the coding) is an error found: with the finding
    # left at nej, the month was accepted on 0 errors (an attack on 0.9.36). Which holds, the reviewer says
    for question in CHECK_COLUMNS[:3]:
        if question not in sample:
            continue
        said_wrong = sample[question].str.strip().str.lower().eq("nej").to_numpy() & (finding == "nej").to_numpy()
        if said_wrong.any():
            k = int(np.flatnonzero(said_wrong)[0])
            raise InputError(
                path,
                f"{SHEET_SAMPLE}: row {k + 2}",
                f"answers nej to {quoted(question)} and nej to {quoted(FINDING)}; expected the finding ja where a "
                "check found the posting wrong (or the check ja, if it was right)",
            )
    confidence = _info_number(path, info, "Konfidens", 0.95, rate=True)
    tolerable = _info_number(path, info, "Tålelig fejlrate", 0.05, rate=True)
    size = _info_number(path, info, "Stikprøvestørrelse", None)
    population = _info_number(path, info, _POPULATION, None)
    expected = _info_number(path, info, "Forventede fejl", 0)
    n = len(sample)
    if n != size:
        raise InputError(
            path, SHEET_SAMPLE, f"has {n} rows where the sample drawn has {int(size)} (Stikprøvestørrelse); "
            "expected the rows drawn, none added or removed"
        )  # fmt: skip
    if {"Kørsel", "Række"} <= set(sample.columns):
        again = sample.duplicated(["Kørsel", "Række"]).to_numpy()
        if again.any():
            k = int(np.flatnonzero(again)[0])
            raise InputError(path, f"{SHEET_SAMPLE}: row {k + 2}", "checks a posting again; expected each posting once")
    if population is not None and population < n:
        raise InputError(path, _POPULATION, f"{int(population)} is fewer than the sample's {n}")
    not_covered = 0
    if journal is not None:
        if not MONTH.fullmatch(month):  # the sheet's, not an option's: month_postings would blame --month
            raise InputError(
                path, f"{SHEET_INFO}: Måned", f"{quoted(month)} is not a month; expected YYYY-MM, as drawn"
            )
        postings = month_postings(journal, month)  # read once for every check
        _drawn_from(path, sample, month, journal, postings)
        at_draw = _postings_at_draw(postings, int(population))
        if at_draw is None:
            # the bound is on the month's postings, and the journal holds them: lowered from 29 to 23, the
            # sheet's own count made one error in 23 checked an accepted month (an attack on 0.9.31)
            raise InputError(
                path, f"{SHEET_INFO}: {_POPULATION}", f"says {int(population)} where {journal} holds {len(postings)} "
                f"automatic postings in {month}, and no run of the month ends at that many; expected the month's "
                "postings the sample was drawn from"
            )  # fmt: skip
        not_covered = len(postings) - len(at_draw)
        if not_covered:
            log.warning(
                "%s: %d automatic postings of %s are in runs after those the sample was drawn from (its "
                "population is %d of the month's %d): the sample does not cover them; draw a sample of the month "
                "again to control them",
                path, not_covered, month, len(at_draw), len(postings),
            )  # fmt: skip
        postings = at_draw
        if len(postings):  # a month of none has no sample to draw again
            _as_drawn(path, sample, info, journal, postings, confidence, tolerable, int(expected))
    elif population is not None and population >= 1:  # its size against its lines (drawn again, the rows hold it)
        _sized_as_drawn(path, n, int(population), confidence, tolerable, int(expected))
    errors = int((finding == "ja").sum())
    bound = (
        upper_bound(errors, n, confidence)
        if population is None
        else upper_bound_in(errors, n, int(population), confidence)
    )
    return ControlResult(
        n, errors, confidence, tolerable, bound, month, against_journal=journal is not None, not_covered=not_covered
    )


def _info(path: Path, sheet: pd.DataFrame, required: tuple[str, ...] = _REQUIRED_INFO) -> dict[str, str]:
    """The sheet Oplysninger as ``Oplysning`` → ``Værdi``: each line once (a
    second *Konfidens* row was read in the first one's place), and each of
    ``required`` there."""
    for column in ("Oplysning", "Værdi"):
        if column not in sheet:
            raise InputError(
                path, f"{SHEET_INFO}: {column}", "column missing; expected the columns Oplysning and Værdi"
            )
    keys = sheet["Oplysning"].astype(str).str.strip()
    twice = keys[keys.duplicated() & (keys != "")]
    if len(twice):
        raise InputError(path, f"{SHEET_INFO}: {twice.iat[0]}", "is given twice; expected each line once, as drawn")
    missing = [k for k in required if k not in set(keys)]
    if missing:
        again = f" (against a journal its sample is drawn again with {', '.join(_DRAWN_WITH)})"
        raise InputError(
            path,
            f"{SHEET_INFO}: {missing[0]}",
            f"line missing; expected the lines the sheet was drawn with{again if missing[0] in _DRAWN_WITH else ''}",
        )
    return dict(zip(keys, sheet["Værdi"], strict=True))


def _drawn_from(path: Path, sample: pd.DataFrame, month: str, journal: str | Path, postings: pd.DataFrame) -> None:
    """Refuse a sheet whose rows are not automatic postings of ``journal`` in
    ``month`` (``postings``, :func:`month_postings`): each row's run, row and
    invoice number must be one."""
    for column in ("Kørsel", "Række", "Fakturanummer"):
        if column not in sample:
            raise InputError(path, f"{SHEET_SAMPLE}: {column}", "column missing; expected the columns drawn")
    known = set()
    if len(postings):
        known = set(
            zip(postings["run_id"].astype(int), postings["row"].astype(int), postings["invoice_id"], strict=True)
        )
    for k, (run, row, number) in enumerate(
        zip(sample["Kørsel"], sample["Række"], sample["Fakturanummer"], strict=True)
    ):
        try:
            key = (int(str(run).strip()), int(str(row).strip()))
        except ValueError:
            key = None
        number = str(number)
        plain = number[1:] if number.startswith("'") else number  # guarded where it would start a formula
        if key is None or ((*key, number) not in known and (*key, plain) not in known):
            raise InputError(
                path, f"{SHEET_SAMPLE}: row {k + 2}", f"run {run}, row {row}, invoice {number[:40]} is no automatic "
                f"posting of {journal} in {month}; expected a sheet drawn from this journal"
            )  # fmt: skip


def _postings_at_draw(postings: pd.DataFrame, population: int) -> pd.DataFrame | None:
    """The month's postings as they were when a sheet of ``population`` was
    drawn: all of them, or the first ``population`` where a run of the month
    ends there (the runs after the draw add theirs behind them, run by run);
    ``None`` where no run ends there (the sheet's count was changed)."""
    if population == len(postings):
        return postings
    if not 0 < population < len(postings):
        return None
    runs = postings["run_id"].astype(int).to_numpy()
    return postings.iloc[:population] if runs[population - 1] != runs[population] else None


def _sized_as_drawn(path: Path, n: int, population: int, confidence: float, tolerable: float, expected: int) -> None:
    """Refuse a sheet whose sample is not the size its own lines give it
    (:func:`sample_size` on its population, confidence, tolerable rate and
    expected errors), as :func:`draw` sized it: a population lowered to the
    sample's size was taken as a month checked whole."""
    want = sample_size(confidence, tolerable, expected, population=population)
    if n != want:
        raise InputError(
            path, f"{SHEET_INFO}: Stikprøvestørrelse", f"{n} is not the size its lines give a sample: {population} "
            f"postings ({_POPULATION}), confidence {confidence:g}, tolerable rate {tolerable:g} and {expected} "
            f"expected errors size it at {want}; expected the lines of {SHEET_INFO} as sample draw wrote them, none "
            "changed"
        )  # fmt: skip


def _as_drawn(
    path: Path,
    sample: pd.DataFrame,
    info: dict,
    journal: str | Path,
    postings: pd.DataFrame,
    confidence: float,
    tolerable: float,
    expected: int,
) -> None:
    """Refuse a sheet whose rows are not the sample its own lines draw from
    ``journal``'s ``postings`` of its month (as many as the sheet says, the
    caller has seen): drawn again with its seed, confidence, tolerable rate
    and expected errors. Rows with errors deleted and the sample size lowered
    to match passed every other check, and so did a row swapped for a posting
    not drawn once the line *Seed* was deleted (it is required: :data:`_DRAWN_WITH`)."""
    seed = _info_number(path, info, "Seed", None, most=2**32 - 1)  # as draw takes it (a review: refused above 10^9)
    if seed is None:  # _info requires the line against a journal; a caller that skipped it is told so
        raise InputError(path, f"{SHEET_INFO}: Seed", "line missing; expected the lines the sheet was drawn with")
    again = postings.iloc[_chosen(len(postings), confidence, tolerable, expected, int(seed))]
    drawn = set(zip(again["run_id"].astype(int), again["row"].astype(int), strict=True))
    rows = set(zip(sample["Kørsel"].astype(int), sample["Række"].astype(int), strict=True))
    if rows != drawn:
        missing, other = len(drawn - rows), len(rows - drawn)
        raise InputError(
            path, SHEET_SAMPLE, f"holds other rows than the sample its lines draw from {journal} (drawn again with "
            f"seed {int(seed)}, confidence {confidence:g}, tolerable rate {tolerable:g} and {expected} expected "
            f"errors: {len(drawn)} rows, {missing} of them missing here, and {other} rows here not drawn); expected "
            f"the rows and the lines of {SHEET_INFO} as sample draw wrote them, none removed or changed"
        )  # fmt: skip


def _info_number(
    path: Path, info: dict, key: str, default: float | None, rate: bool = False, most: int = MAX_POPULATION
) -> float | None:
    """A number of the sheet Oplysninger (a rate between 0 and 1 with
    ``rate``, a whole number otherwise); ``default`` where the sheet has none."""
    if key not in info:
        return default
    text = str(info[key]).strip()
    if not text:
        raise InputError(path, f"{SHEET_INFO}: {key}", "is blank; expected the value the sheet was drawn with")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    # a whole number up to what sample size takes: 1e30 reached scipy, "unexpected TypeError" (an attack on 0.9.30)
    ok = 0 < value < 1 if rate else math.isfinite(value) and 0 <= value <= most and value.is_integer()
    if not ok:
        what = "a rate between 0 and 1, as the sheet was drawn with" if rate else f"a whole number up to {most:,}"
        raise InputError(path, f"{SHEET_INFO}: {key}", f"{quoted(text)} is not {what}")
    return value
