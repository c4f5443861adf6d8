"""Replay: run the robot month by month on a municipality's extracts, as it
would have run in operation, and measure each month.

A world folder (from ``invoicekit synth``, or a real municipality's extracts
laid out the same way) holds::

    stoetteark.xlsx                 the support sheet
    sensum/grants-YYYY-MM.csv       the grants as Sensum showed them that month
    sensum/paid-YYYY-MM.csv         the grant periods Sensum showed as paid that month (optional: --paid)
    invoices/invoices-YYYY-MM.csv   the invoices received that month
    invoices/invoice-lines-YYYY-MM.csv  the lines of that month's collective invoices (optional)
    rules.toml                      the business rules (optional)
    truth.csv                       what a careful human would have done (optional)
    stoetteark-YYYY-MM.xlsx         the support sheet as it stands from that month on (optional)
    rules-YYYY-MM.toml              the business rules from that month on (optional)

A month uses the latest ``stoetteark-YYYY-MM.xlsx`` (and ``rules-YYYY-MM.toml``)
of a month up to its own, else ``stoetteark.xlsx`` (``rules.toml``): a
municipality that corrects its support sheet or its rules during the year
(the closed loop of ``invoicekit synth --follow-fixes``) is replayed with
each month's own. Rules given to the replay apply to every month. A dated file
of a month outside the world's months is used as that rule says, with a
warning naming it and the world's months: one dated after the last month is
never used, one dated before the first replaces ``stoetteark.xlsx``
(``rules.toml``) from the first month on.

Names are matched without case, as Windows matches them: a folder copied from
Windows may say ``Stoetteark-2019-03.xlsx`` or ``Invoices/``. Two names in a
folder that differ only in case are refused, naming both: which one is meant
cannot be told.

Each month runs as on its last day (the posting date of its postings, so a
January run puts December's services in the year before when the rules have a
supplementary period). Each month's outputs go to ``OUT/YYYY-MM/``; ``OUT/monthly.csv`` holds one row
per month: invoices, posted, automation rate, wrong postings (against the
truth) and the most common reasons.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from invoicekit.cells import as_written, safe_frame
from invoicekit.decide import (
    Checked,
    check_batch,
    day_codes,
    decide,
    decide_checked,
    grant_value_codes,
    rule_reasons,
)
from invoicekit.errors import DONE, InputError, MissingFileError, check_input_file
from invoicekit.evaluate import (
    agree_by_lines,
    agrees_with_truth,
    credit_notes,
    cvr_key,
    parse_should_pay,
    read_text_csv,
    truth_lines_beside,
    truth_months,
    truth_rows,
)
from invoicekit.extracts import (
    Grants,
    InvoiceLines,
    Invoices,
    SupportSheet,
    read_grants,
    read_invoice_lines,
    read_invoices,
    read_support_sheet,
)
from invoicekit.formats import en_percent
from invoicekit.history import PAID_KEYS, History, extend_history
from invoicekit.identifiers import ascii_digits, mask_cprs_in
from invoicekit.keys import grant_values, new_secret, normalise_grant_ids
from invoicekit.paid_marks import read_paid_marks, todays_grant_keys
from invoicekit.reasons import CHECK_NUMBER, MANUAL, POSTED, REASONS
from invoicekit.rules import Rules, load_rules
from invoicekit.run import run
from invoicekit.vocabulary import MONTH, TRUTH_FIELDS, month_in_name, month_run_date

log = logging.getLogger(__name__)

MONTHLY_COLUMNS = ("month", "invoices", "posted", "automation_rate", "wrong_postings", "top_reasons")


def _entries(folder: Path | None, name: str) -> list[Path]:
    """The files (or folders) in ``folder`` named ``name`` without regard to
    case, as Windows names them; more than one only where the file system
    tells case apart."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.casefold() == name.casefold())


def _one(found: list[Path], what: str) -> Path | None:
    """The one file of ``found``, None if there is none; two are refused."""
    if len(found) > 1:
        raise InputError(found[1], None, f"is a second {what} beside {found[0].name}; expected one")
    return found[0] if found else None


def _world_file(world: str | Path, name: str) -> Path | None:
    """A world folder's file ``name`` (``truth.csv``, ``rules.toml``,
    ``sensum``…), its name matched without case; None if it has none."""
    return _one(_entries(Path(world), name), f"'{name}'")


def _dated(folder: Path | None, stem: str, suffixes: tuple[str, ...]) -> list[tuple[str, Path]]:
    """``(month, file)`` for every ``stem-YYYY-MM.suffix`` in ``folder``
    (names matched without case), in the order of the names; a file of the
    stem and suffix not named for a month is refused."""
    found = []
    if folder is None or not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        name = path.name.casefold()
        suffix = next((x for x in suffixes if name.endswith(x)), None)
        if not name.startswith(f"{stem}-") or suffix is None:
            continue
        month = name[len(stem) + 1 : -len(suffix)]
        if not MONTH.fullmatch(month):
            raise InputError(
                path, None, f"is not named for a month; expected {stem}-YYYY-MM{suffixes[0]} (month 01-12)"
            )
        found.append((month, path))
    return found


#: the key of ``world.json`` that says the world was written whole (False while
#: ``invoicekit synth`` writes it; older worlds, without it, were)
COMPLETE = "complete"
#: the largest world.json read (synth writes a few hundred bytes)
WORLD_JSON_BYTES = 1_000_000


def world_info(world: str | Path) -> dict | None:
    """What a world's ``world.json`` holds, when ``invoicekit synth`` wrote it
    (a JSON object naming the scenario and the seed); None for a world
    folder without one, or with a ``world.json`` of something else."""
    path = _world_file(world, "world.json")
    if path is not None:  # a pipe so named was waited on for ever (a review of 0.9.29's file checks)
        check_input_file(path, "the world.json invoicekit synth writes", WORLD_JSON_BYTES)
    try:
        info = json.loads(path.read_text(encoding="utf-8")) if path is not None else None
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return info if isinstance(info, dict) and {"scenario", "seed"} <= set(info) else None


def world_months(world: str | Path) -> list[tuple[str, Path, Path]]:
    """``(month, grants file, invoices file)`` for each month in a world
    folder, in time order. A generated world (:func:`world_info`) must be
    whole: one that ``synth`` did not finish, or whose months are not the
    ones it wrote, is refused."""
    world = Path(world)
    if not world.is_dir():
        raise InputError(world, None, "is not a folder; expected a world folder with invoices/ and sensum/")
    info = world_info(world)
    if info is not None and info.get(COMPLETE) is False:
        raise InputError(
            world / "world.json",
            None,
            "says the world was still being written (invoicekit synth stopped before it ended); generate it again",
        )
    files = _dated(_world_file(world, "invoices"), "invoices", (".csv", ".xlsx"))
    if not files:
        raise InputError(world, "invoices/", "holds no invoices-YYYY-MM.csv files; expected one per month")
    months = []
    seen: dict[str, Path] = {}
    sensum = _world_file(world, "sensum")
    for month, f in sorted(files):
        if month in seen:
            raise InputError(
                f, None, f"is a second file for {month} (beside {seen[month].name}); expected one per month"
            )
        seen[month] = f
        found = [*_entries(sensum, f"grants-{month}.csv"), *_entries(sensum, f"grants-{month}.xlsx")]
        if not found:
            raise InputError(
                world, f"sensum/grants-{month}.csv", "is missing; expected Sensum's grants for every invoice month"
            )
        if len(found) > 1:
            raise InputError(found[1], None, f"is a second grants file for {month}; expected one per month")
        months.append((month, found[0], f))
    _refuse_a_gap(world, [m for m, _, _ in months])
    written = (info or {}).get("invoices_per_month")
    if isinstance(written, dict) and written:
        # the world may end sooner than written (its last months taken out), but
        # not begin later (go-live moved) nor hold a month it never had
        have = [m for m, _, _ in months]
        lacking = sorted(m for m in set(written) - set(have) if m < have[0])
        foreign = sorted(set(have) - set(written))
        if lacking or foreign:
            raise InputError(
                world,
                f"invoices-{(lacking or foreign)[0]}",
                ("is missing" if lacking else "is no month of this world")
                + f"; world.json says the world has the months {min(written)} to {max(written)}",
            )
    return months


def _refuse_a_gap(world: Path, months: list[str]) -> None:
    """A month between the first and the last without invoices would replay
    the months after it against a history that lacks a month: refused, as a
    month without grants is."""
    first, last = pd.Period(months[0], "M"), pd.Period(months[-1], "M")
    every = [str(p) for p in pd.period_range(first, last, freq="M")]
    missing = sorted(set(every) - set(months))
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise InputError(
            world,
            f"invoices/invoices-{missing[0]}.csv",
            f"is missing{more}; expected the invoices of every month from {months[0]} to {months[-1]} "
            "(a month without invoices: a file with the header only)",
        )


def month_lines(invoices: Path) -> Path | None:
    """The lines extract beside a month's invoices (``invoice-lines-YYYY-MM.csv``
    or ``.xlsx``), if the world has one. ``invoices`` is a month's invoices
    file (``invoices-YYYY-MM.csv``, a year 1900-2099); one named for no month is refused."""
    month = month_in_name(invoices)
    if not month:
        raise InputError(
            invoices, None, "is not named for a month; expected invoices-YYYY-MM.csv (a year 1900-2099, month 01-12)"
        )
    found = [p for ext in ("csv", "xlsx") for p in _entries(invoices.parent, f"invoice-lines-{month}.{ext}")]
    return _one(found, f"invoice-lines file for {month}")


def month_marks(world: Path, month: str) -> Path:
    """Sensum's paid marks when the robot runs ``month``
    (``sensum/paid-YYYY-MM.csv``, as ``invoicekit synth`` writes them); a
    month without them is refused."""
    sensum = _world_file(world, "sensum")
    found = _one([p for ext in ("csv", "xlsx") for p in _entries(sensum, f"paid-{month}.{ext}")],
                 f"file of paid marks for {month}")  # fmt: skip
    if found is None:
        raise InputError(
            world, f"sensum/paid-{month}.csv", "is missing; replay --paid needs Sensum's paid marks for every month"
        )
    return found


def _by_month(world: Path, stem: str, suffix: str, months: list[str], default: Path | None) -> list[Path | None]:
    """For each month, the latest ``stem-YYYY-MM.suffix`` of a month up to
    its own, else ``default``. A dated file outside the world's months is
    told of (a warning), since it is never used or is used instead of
    ``default``; two for one month are refused."""
    dated: dict[str, Path] = {}
    for month, path in _dated(world, stem, (suffix,)):
        if month in dated:
            raise InputError(path, None, f"is a second file for {month} (beside {dated[month].name}); expected one")
        dated[month] = path
    first, last = months[0], months[-1]
    for month, path in sorted(dated.items()):
        if month > last:
            log.warning("%s is dated %s, after the world's months (%s to %s): it is not used", path, month, first, last)
        elif month < first:
            later = [m for m in dated if m <= first and m > month]
            use = f"{dated[max(later)].name} is used instead" if later else f"used from {first} on"
            if not later and default is not None:
                use += f" instead of {default.name}"
            log.warning("%s is dated %s, before the world's months (%s to %s): %s", path, month, first, last, use)
    out, current = [], default
    froms = sorted(dated)
    for month in months:
        while froms and froms[0] <= month:
            current = dated[froms.pop(0)]
        out.append(current)
    return out


def _world_files(
    world: Path, rules: str | Path | Rules | None
) -> tuple[list[tuple[str, Path, Path]], list[Path], list[Rules]]:
    """The months, each month's support sheet and each month's rules of a
    world folder; the world's ``rules.toml`` (and ``rules-YYYY-MM.toml``)
    unless rules are given."""
    months = world_months(world)
    labels = [m for m, _, _ in months]
    sheet = _world_file(world, "stoetteark.xlsx")
    if sheet is None:
        raise InputError(world, "stoetteark.xlsx", "is missing; expected the support sheet in the world folder")
    sheets = _by_month(world, "stoetteark", ".xlsx", labels, sheet)
    if rules is not None:
        fixed = rules if isinstance(rules, Rules) else load_rules(rules)
        own = [p.name for _m, p in _dated(world, "rules", (".toml",))]
        if own and not isinstance(rules, Rules):  # a file the user named (--rules), not a rule set being tuned
            log.warning("%s is used for every month: the world's own %s are not", rules, ", ".join(own))
        return months, sheets, [fixed] * len(months)
    paths = _by_month(world, "rules", ".toml", labels, _world_file(world, "rules.toml"))
    loaded = {p: load_rules(p) for p in dict.fromkeys(paths)}
    return months, sheets, [loaded[p] for p in paths]


def read_truth(path: str | Path) -> pd.DataFrame:
    """A world's ``truth.csv`` (month, row, and what should have happened)."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(path, "does not exist; expected a world's truth.csv")
    truth = read_text_csv(path, "a world's truth.csv (UTF-8, comma-separated)")
    needed = {"month", "row", "invoice_id", *TRUTH_FIELDS}
    missing = needed - set(truth.columns)
    if missing:
        raise InputError(path, ", ".join(sorted(missing)), "missing; expected the columns of a world's truth.csv")
    truth["month"] = truth_months(truth["month"], path)
    truth["row"] = truth_rows(truth["row"], path)
    twice = truth.duplicated(["month", "row"])
    if twice.any():
        k = int(np.flatnonzero(twice.to_numpy())[0])
        raise InputError(
            path,
            f"row {k + 2}",
            f"names row {truth['row'].iat[k]} of {truth['month'].iat[k]} again; expected each invoice row once",
        )
    truth["should_pay"] = parse_should_pay(truth["should_pay"], path)
    return truth


def wrong_postings(
    decisions: pd.DataFrame,
    truth: pd.DataFrame,
    lines: pd.DataFrame | None = None,
    truth_lines: pd.DataFrame | None = None,
) -> pd.Series:
    """For one month's decisions and that month's truth: whether each posted
    invoice was posted wrongly (it should not have been paid, a credit note never, or went to
    another grant, PSP element or art than the truth). ``lines`` (the
    month's ``Decisions.lines``) and ``truth_lines`` (the world's
    ``truth-lines.csv``): a collective invoice decided line by line is
    judged line by line (:func:`~invoicekit.evaluate.agree_by_lines`)."""
    t = truth.set_index("row").reindex(decisions["row"].to_numpy()).reset_index(drop=True)
    m = pd.concat([decisions[["grant_id", "psp_element", "art"]].reset_index(drop=True), t], axis=1)
    agreed = agrees_with_truth(m)
    if lines is not None and truth_lines is not None and len(lines) and len(truth):
        month = str(truth["month"].iat[0])
        own = pd.DataFrame(
            {
                "month": month,
                "row": decisions["row"].to_numpy(dtype=np.int64),
                "supplier_cvr": decisions["supplier_cvr"].to_numpy(dtype=object),
                "invoice_id": as_written(decisions["invoice_id"]).to_numpy(dtype=object),
            }
        )
        agree_by_lines(own, t["should_pay"].notna().to_numpy(), lines.assign(month=month), truth_lines, agreed)
    grant_ok, psp_ok, art_ok = agreed
    # a credit note is never to be paid, as evaluate judges it (a truth saying pay: set off by hand)
    pay = t["should_pay"].fillna(False).astype(bool).to_numpy() & ~credit_notes(decisions)
    posted = (decisions["status"] == POSTED).to_numpy()
    return pd.Series(posted & ~(pay & grant_ok & psp_ok & art_ok), index=decisions.index)


def _started(month: str) -> dt.datetime:
    """When a replayed month's run is said to start: its run date
    (:func:`~invoicekit.vocabulary.month_run_date`), 06:00 UTC, not the
    clock: a replay reads the same whenever and wherever it is made."""
    return dt.datetime.combine(month_run_date(month), dt.time(6), tzinfo=dt.UTC)


def _check_truth_months(truth: pd.DataFrame, truth_path: Path, world_months: list[str]) -> None:
    """The truth names only the world's months: a world may end sooner than its
    truth (its last months taken out), but no month of the truth may lie
    before its first, or among its months without a file."""
    extra = sorted(m for m in set(truth["month"]) - set(world_months) if m < world_months[-1])
    if extra:
        raise InputError(
            truth_path,
            f"month {extra[0]}",
            f"has no invoice file in the world (its months are {world_months[0]} to {world_months[-1]}); "
            "expected the truth of this world's files",
        )


def _check_month(truth: pd.DataFrame, truth_path: Path, month: str, invoices: Invoices, path: Path) -> None:
    """The truth speaks of ``month``'s typed ``invoices`` (read from ``path``) row by row."""
    frame = invoices.frame
    rows = pd.DataFrame(
        {
            "row": frame["row"].to_numpy(),
            "invoice_id": frame["invoice_id"].to_numpy(dtype=object),
            "supplier_cvr": frame["supplier_cvr"].to_numpy(dtype=object),
        }
    )
    _check_alignment(truth[truth["month"] == month], rows, truth_path, path)


def _check_alignment(truth: pd.DataFrame, decisions: pd.DataFrame, truth_path: Path, invoices: Path) -> None:
    """The truth speaks of the same invoices, row by row, as the file the robot read."""
    if len(truth) != len(decisions):
        raise InputError(
            truth_path,
            None,
            f"has {len(truth)} rows for {invoices.name}, which has {len(decisions)}; expected one per invoice row",
        )
    # each row's invoice number (as the robot shows it: CPR numbers masked) and supplier CVR
    # (as check 10 compares it; older truths may lack it) are the file's
    compared = (
        ("invoice_id", lambda v: mask_cprs_in(v).to_numpy(), "invoice number"),
        # digits of any script as 0-9 and a CPR number masked, as the typed file shows them
        ("supplier_cvr", lambda v: cvr_key(mask_cprs_in(v.map(lambda x: ascii_digits(str(x))))), "supplier CVR number"),
    )
    for column, key, what in compared:
        if column not in truth.columns or column not in decisions.columns:
            continue
        t = truth.set_index("row")[column].reindex(decisions["row"].to_numpy()).fillna("")
        mine = decisions[column].fillna("").astype(object)
        differ = np.flatnonzero(
            key(pd.Series(t.to_numpy(), dtype=object)) != key(pd.Series(mine.to_numpy(), dtype=object))
        )
        if len(differ):
            row = int(decisions["row"].iloc[differ[0]])
            raise InputError(
                truth_path,
                f"row {row} of {invoices.name}",
                f"names another {what} than the file; expected the truth of these very files",
            )


def top_reasons(decisions: pd.DataFrame, top: int = 3) -> str:
    n = len(decisions)
    counts = decisions.loc[decisions["status"] != POSTED, "reason"].value_counts().head(top)
    return "; ".join(f"{code} {en_percent(count / n, 0)}" for code, count in counts.items())


def replay(
    world: str | Path,
    out: str | Path,
    journal: str | Path,
    rules: str | Path | Rules | None = None,
    on_month: Callable[[str], None] | None = None,
    months: int | None = None,
    paid: bool = False,
) -> pd.DataFrame:
    """Run the robot on each month of ``world`` in turn, with one journal, and
    return the monthly table (also written to ``OUT/monthly.csv``).
    ``paid`` gives each month's run Sensum's paid marks of that month
    (``sensum/paid-YYYY-MM.csv``, ``run --paid``), which every month must have.

    ``rules`` defaults to the world's ``rules.toml`` when it has one, else the
    robot's defaults. ``journal`` is started by the first month's run (as
    ``--new-journal``) and must not exist: a replay is a municipality's
    history from go-live. ``months`` replays only the first so many months."""
    world = Path(world)
    out = Path(out)
    all_months, all_sheets, all_rules = _world_files(world, rules)
    months = all_months[:months]
    if Path(journal).exists():
        raise InputError(journal, None, "exists; expected a new journal for a replay from go-live")
    used = [m for m, _, _ in months if (out / m).is_dir() and any((out / m).iterdir())]
    if used:
        raise InputError(out, None, f"already holds the month folder {used[0]}; choose a new --out for a replay")
    truth = read_truth(truth_file) if (truth_file := _world_file(world, "truth.csv")) is not None else None
    marks = {month: month_marks(world, month) for month, _, _ in months} if paid else {}
    # every month's files must be usable before the first run is recorded: a
    # replay stopped half-way by a bad file would leave a journal it cannot resume
    # (the truth too: it must speak of these very files, row by row)
    for sheet in dict.fromkeys(all_sheets[: len(months)]):
        read_support_sheet(sheet)
    truth_lines = None
    if truth is not None:
        _check_truth_months(truth, truth_file, [m for m, _, _ in all_months])
        truth_lines = truth_lines_beside(truth_file)
    for month, grants, invoices in months:
        read_grants(grants)
        typed = read_invoices(invoices)
        if truth is not None:  # each month's typed invoices checked and let go: not all held at once
            _check_month(truth, truth_file, month, typed, invoices)
        if (lines := month_lines(invoices)) is not None:
            read_invoice_lines(lines)
        if paid:
            read_paid_marks(marks[month])
    log.info(
        "replay of %s: %d months (%s to %s), journal %s, rules %s%s",
        world.resolve(),
        len(months),
        months[0][0],
        months[-1][0],
        Path(journal).resolve(),
        rules if isinstance(rules, str | Path) else "the world's" if _world_file(world, "rules.toml") else "defaults",
        ", with truth.csv" if truth is not None else "",
    )
    if paid:
        log.info("replay with Sensum's paid marks: sensum/paid-YYYY-MM.csv")
    clock = time.perf_counter()
    rows = []
    for k, (month, grants, invoices) in enumerate(months):
        log.info("month %s: %s", month, invoices.name)
        started = {"new_journal": journal} if k == 0 else {"journal": journal}
        try:
            res = run(
                grants=grants,
                invoices=invoices,
                support_sheet=all_sheets[k],
                out=out / month,
                rules=all_rules[k],
                run_date=month_run_date(month),
                invoice_lines=month_lines(invoices),
                started_at=_started(month),
                paid=marks.get(month),
                **started,
            )
        except BaseException as exc:
            # a month's run done is no replay done: the failure is said as the replay's, not "after the work was
            # done" (a review of 0.9.45 found a replay stopped in its first month said so)
            if hasattr(exc, DONE):
                with contextlib.suppress(AttributeError):
                    delattr(exc, DONE)
            raise
        d = res.decisions
        posted = int((d["status"] == POSTED).sum())
        wrong = np.nan
        if truth is not None:
            wrong = int(wrong_postings(d, truth[truth["month"] == month], res.result.lines, truth_lines).sum())
        rows.append(
            {
                "month": month,
                "invoices": len(d),
                "posted": posted,
                # no invoices, no rate (blank in monthly.csv, as the follow-up shows it): not 0 %
                "automation_rate": round(posted / len(d), 4) if len(d) else np.nan,
                "wrong_postings": wrong,
                "top_reasons": top_reasons(d),
            }
        )
        log.info(
            "month %s: run %s, %d invoices, %d posted (%s)%s; top reasons %s",
            month,
            res.run_id,
            len(d),
            posted,
            f"{100 * posted / len(d):.1f}%" if len(d) else "no rate",
            "" if truth is None else f", {wrong} wrong postings",
            rows[-1]["top_reasons"] or "none",
        )
        if on_month:
            on_month(month)
    monthly = pd.DataFrame(rows, columns=list(MONTHLY_COLUMNS))
    if truth is not None:
        monthly["wrong_postings"] = monthly["wrong_postings"].astype(np.int64)
    out.mkdir(parents=True, exist_ok=True)
    safe_frame(monthly).to_csv(out / "monthly.csv", index=False)
    n, posted = int(monthly["invoices"].sum()), int(monthly["posted"].sum())
    log.info(
        "replay finished in %.1f s: %d months, %d invoices, %d posted (%s); monthly table %s",
        time.perf_counter() - clock,
        len(monthly),
        n,
        posted,
        f"{100 * posted / n:.1f}%" if n else "no rate",
        out / "monthly.csv",
    )
    return monthly


def _rate(rate: float) -> str:
    """A month's rate as ``format_monthly`` prints it; ``–`` for a month without invoices."""
    return f"{'–':>6}" if pd.isna(rate) else f"{en_percent(rate):>6}"


def format_monthly(monthly: pd.DataFrame) -> str:
    """The monthly table as ``replay`` prints it."""
    lines = [f"{'month':<8} {'invoices':>8} {'posted':>7} {'rate':>6} {'wrong':>6}  top reasons"]
    for i, r in enumerate(monthly.itertuples(index=False), start=1):
        wrong = "" if pd.isna(r.wrong_postings) else f"{int(r.wrong_postings):d}"
        lines.append(
            f"{r.month:<8} {r.invoices:>8,} {r.posted:>7,} {_rate(r.automation_rate)} {wrong:>6}  {r.top_reasons}"
            + (f"   <- month {i}" if i == 6 else "")
        )
    n = int(monthly["invoices"].sum())
    posted = int(monthly["posted"].sum())
    wrong_all = "" if monthly["wrong_postings"].isna().all() else f"{int(monthly['wrong_postings'].sum()):d}"
    lines.append(f"{'all':<8} {n:>8,} {posted:>7,} {_rate(posted / n if n else np.nan)} {wrong_all:>6}")
    return "\n".join(lines)


@dataclass
class WorldData:
    """A world folder read once: each month's typed invoices and grants, the
    support sheet, the world's rules and its truth (if any). For replaying in
    memory many times over (tuning)."""

    path: Path
    months: list[str]
    invoices: list[Invoices]
    grants: list[Grants]
    #: each month's invoice lines, None where the world has none
    lines: list[InvoiceLines | None]
    sheet: SupportSheet
    rules: Rules
    truth: pd.DataFrame | None
    #: each month's support sheet and rules, where the world changes them during the year
    month_sheets: list[SupportSheet] | None = None
    month_rules: list[Rules] | None = None
    #: the truth of each line of the collective invoices (``truth-lines.csv``), None where it has none
    truth_lines: pd.DataFrame | None = None
    _grant_keys: dict = field(default_factory=dict, repr=False, compare=False)  # grant_keys_of's, made once

    def sheet_of(self, k: int) -> SupportSheet:
        """The support sheet of month ``k`` (0 = the first)."""
        return self.month_sheets[k] if self.month_sheets else self.sheet

    def rules_of(self, k: int) -> Rules:
        """The world's rules in month ``k`` (0 = the first)."""
        return self.month_rules[k] if self.month_rules else self.rules

    def grant_keys_of(self, k: int, secret: str) -> pd.DataFrame:
        """:func:`~invoicekit.paid_marks.todays_grant_keys` of month ``k``'s grants (0 = the first), keyed
        with ``secret``: made once, for every tolerance tuning replays with that secret."""
        if (k, secret) not in self._grant_keys:
            keys = todays_grant_keys(self.grants[k], self.sheet_of(k), secret)
            # the grant by the value of its id, as check 21 compares it across a replay's months
            values = grant_values(normalise_grant_ids(keys["grant_id"].to_numpy(dtype=object)))
            self._grant_keys[(k, secret)] = keys.assign(grant_value=values)
        return self._grant_keys[(k, secret)]


def load_world(world: str | Path, rules: str | Path | Rules | None = None) -> WorldData:
    """Read every month of a world folder (see :func:`replay`)."""
    world = Path(world)
    months, sheet_paths, rule_sets = _world_files(world, rules)
    read = {p: read_support_sheet(p) for p in dict.fromkeys(sheet_paths)}
    sheets = [read[p] for p in sheet_paths]
    invoices, grants, lines = [], [], []
    for _month, g, i in months:
        invoices.append(read_invoices(i))
        grants.append(read_grants(g))
        found = month_lines(i)
        lines.append(read_invoice_lines(found) if found is not None else None)
    truth = read_truth(truth_file) if (truth_file := _world_file(world, "truth.csv")) is not None else None
    if truth is not None:  # as replay checks it: a truth cut short or of another world is refused
        _check_truth_months(truth, truth_file, [m for m, _, _ in months])
        for (month, _g, path), typed in zip(months, invoices, strict=True):
            _check_month(truth, truth_file, month, typed, path)
    varies = len(read) > 1 or len(set(map(id, rule_sets))) > 1
    return WorldData(
        world,
        [m for m, _, _ in months],
        invoices,
        grants,
        lines,
        sheets[0],
        rule_sets[0],
        truth,
        month_sheets=sheets if varies else None,
        month_rules=rule_sets if varies else None,
        truth_lines=truth_lines_beside(truth_file) if truth is not None else None,
    )


def simulate(world: WorldData, rules: Rules | None = None, messages: bool = True) -> pd.DataFrame:
    """Decide every month in turn, carrying what earlier months posted and saw
    forward as the journal would, without writing anything. Returns all
    months' decisions with a ``month`` column (``messages=False``: without
    the texts, for counting)."""
    return simulate_with_lines(world, rules, messages)[0]


def simulate_with_lines(
    world: WorldData, rules: Rules | None = None, messages: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """:func:`simulate`, and the lines of the collective invoices decided
    line by line (the columns of ``decision_lines.csv``, with ``month``;
    None when the world has no lines)."""
    history = History()
    frames, line_frames = [], []
    months = zip(world.months, world.invoices, world.grants, world.lines, strict=True)
    for k, (month, inv, gr, lines) in enumerate(months, start=1):
        month_rules = rules or world.rules_of(k - 1)
        # the month's own run date, as replay runs it: check 7 reads how far ahead a period starts from it
        result = decide(inv, gr, world.sheet_of(k - 1), month_rules, history, messages=messages, lines=lines,
                        run_date=month_run_date(month))  # fmt: skip
        d = result.decisions
        history = extend_history(history, d, run_id=k, started_at=_started(month).isoformat(), lines=result.lines)
        frames.append(d.assign(month=month))
        if result.lines is not None:
            line_frames.append(result.lines.assign(month=month))
    return pd.concat(frames, ignore_index=True), pd.concat(line_frames, ignore_index=True) if line_frames else None


def simulate_rule_sets(
    world: WorldData, rule_list: list[Rules], secret: str | None = None, seen: list[History] | None = None
) -> Iterator[pd.DataFrame]:
    """:func:`simulate` without messages under each of ``rule_list``, rule
    sets of one tolerance, in order: the same decisions, with what they share
    worked out once a month. Checks 1-17 read no rule but the tolerance, and
    of the history only the invoices seen before (check 10), which no rule
    decides; so each month is checked once
    (:func:`~invoicekit.decide.check_batch`) and its table made once. Each
    rule set then runs checks 18-20 on it
    (:func:`~invoicekit.decide.rule_reasons`) and check 21 against the
    payments of its own earlier months (:class:`_Payments`: the pairs of
    invoices that could clash found once a month, each rule set then looks
    which of them it posted), and gets that table with its own status,
    reason and check. ``secret`` keys the hashes of all of them (default: a
    fresh one, as :func:`simulate` takes).

    ``seen``: the invoices each month adds to the invoices seen (a history
    of that month alone, without payments), the same under every rule set
    and tolerance: a list filled where it is shorter than the months and
    read where it is not, so that replays of other tolerances with the same
    secret (``seen[0]``'s) need not work them out again. Each month's own,
    not all before it: the list holds each invoice once."""
    if len({rules.tolerance_units for rules in rule_list}) > 1:
        raise ValueError("simulate_rule_sets takes rule sets of one tolerance")
    if not rule_list:
        return
    # each rule set alone for collective invoices decided line by line, and for a
    # month of one period invoiced over and over
    if not any(lines is not None for lines in world.lines):
        try:
            decisions, reasons = _replayed_together(world, rule_list, secret, seen)
        except _TooManyClashes as exc:
            log.info("replaying the rule sets one by one: a month holds %s that check 21 could pair", exc)
        else:
            for own in reasons:
                yield _with_reasons(decisions, np.concatenate(own))
            return
    for rules in rule_list:
        yield simulate(world, rules, messages=False)


def _replayed_together(
    world: WorldData, rule_list: list[Rules], secret: str | None, seen: list[History] | None
) -> tuple[pd.DataFrame, list[list[np.ndarray]]]:
    """The months of :func:`simulate_rule_sets` decided once, with each rule
    set's reasons per month; raises :class:`_TooManyClashes` for a month
    whose pairs :class:`_Payments` would not list."""
    seen = [] if seen is None else seen
    secret = seen[0].secret if seen else secret or new_secret()
    history = History(secret=secret)  # the invoices seen before the month, as simulate grows them
    first = rule_list[0]
    payments = _Payments(len(rule_list))  # what each rule set posted, as check 21 compares it
    reasons: list[list[np.ndarray]] = [[] for _ in rule_list]
    frames = []
    for k, (month, inv, gr) in enumerate(zip(world.months, world.invoices, world.grants, strict=True), start=1):
        # check_batch reads of the history the invoices seen, the same under every
        # rule set, and whether it holds a schema-1 journal's keys, which no replay has
        checked = check_batch(inv, gr, world.sheet_of(k - 1), first.tolerance, history, run_date=month_run_date(month))
        # the table: all but status, reason and check is the same under every rule set
        table = decide_checked(checked, first, history, messages=False).decisions
        clashes = payments.clashes(checked, world.grant_keys_of(k - 1, secret))
        own = [clashes.final_reasons(rule_reasons(checked, rules), paid)
               for rules, paid in zip(rule_list, payments.paid, strict=True)]  # fmt: skip
        payments.record(clashes, own)
        for j, reason in enumerate(own):
            reasons[j].append(reason)
        if len(seen) < k:  # unless another replay worked them out
            own_seen = extend_history(
                History(secret=secret), table, run_id=k, started_at=_started(month).isoformat()
            ).seen
            seen.append(History(seen=own_seen, secret=secret))
        if k < len(world.months):  # grown as extend_history grows it
            more = seen[k - 1].seen
            history = History(
                seen=pd.concat([history.seen, more], ignore_index=True) if len(history.seen) else more, secret=secret
            )
        frames.append(table.assign(month=month))
    return pd.concat(frames, ignore_index=True), reasons


_ALREADY_PAID = CHECK_NUMBER["ALREADY_PAID"]

#: the most pairs :meth:`_Payments.clashes` lists for a month, per open
#: invoice (and at least :data:`CLASH_PAIRS_AT_LEAST`): a month that holds
#: more (one grant period invoiced thousands of times over: the pairs grow as
#: the square of them) is replayed rule set by rule set with decide's own
#: check 21, which walks such invoices in input order instead of pairing them
CLASH_PAIRS_PER_INVOICE = 64
CLASH_PAIRS_AT_LEAST = 1_000_000


class _TooManyClashes(Exception):
    """A month whose pairs would exceed the bound above."""


@dataclass
class _Clashes:
    """A month's invoices open after check 17 (``rows``) with what check 21
    compares of them (grant, citizen and paragraph key ids, period start and end as
    days), and the pairs it may find: ``paid_u`` (index into ``rows``) with
    an earlier payment ``paid_p`` of the same key and an overlapping period,
    and ``run_a`` with a later ``run_b`` of this month (ordered by ``run_b``)."""

    rows: np.ndarray
    ids: tuple[np.ndarray, ...]
    s_day: np.ndarray
    e_day: np.ndarray
    paid_u: np.ndarray
    paid_p: np.ndarray
    run_a: np.ndarray
    run_b: np.ndarray

    def final_reasons(self, reason: np.ndarray, paid: np.ndarray) -> np.ndarray:
        """Check 21 on ``reason`` (checks 1-20's, changed in place and
        returned), against the earlier payments where ``paid`` says so: as
        :func:`~invoicekit.decide.final_reasons` decides it, in input order
        (an invoice blocked by another of this month blocks no later one)."""
        open_ = reason[self.rows] == 0
        hit = np.zeros(len(self.rows), dtype=bool)
        before = open_[self.paid_u] & paid[self.paid_p]
        hit[self.paid_u[before]] = True
        rest = open_ & ~hit
        both = np.flatnonzero(rest[self.run_a] & rest[self.run_b])
        for a, b in zip(self.run_a[both].tolist(), self.run_b[both].tolist(), strict=True):
            if not hit[a]:
                hit[b] = True
        reason[self.rows[hit]] = _ALREADY_PAID
        return reason


class _Payments:
    """Check 21 for rule sets of one tolerance replayed together: of every
    invoice one of them could have posted in earlier months (open after
    check 17), its grant, citizen and paragraph keys (as integer ids) and its period
    (days, as :func:`~invoicekit.decide.decide` compares the journal's), and
    which rule sets posted it (``paid``, one array per rule set)."""

    def __init__(self, rule_sets: int) -> None:
        self.ids: tuple[dict[str, int], ...] = tuple({} for _ in PAID_KEYS)  # each key's ids
        self.keys = tuple(np.empty(0, np.int64) for _ in PAID_KEYS)
        self.start = self.end = np.empty(0, np.int64)
        self.paid = [np.empty(0, dtype=bool) for _ in range(rule_sets)]

    def clashes(self, checked: Checked, today: pd.DataFrame) -> _Clashes:
        """The pairs check 21 may find among ``checked``'s open invoices and
        the payments before (see :class:`_Clashes`); ``today``: the keys of ``checked``'s grants
        (:meth:`WorldData.grant_keys_of`)."""
        checked.hash_paragraph_keys()
        rows = np.flatnonzero((checked.reason == 0) & (checked.match.grant_pos >= 0))
        start, end = checked.start[rows], checked.end[rows]
        s_day, e_day = day_codes(start), day_codes(end)
        ids = []
        # the grant by the value of its id, as the run compares it (a review: 00123 paid in March, 123 in April)
        by_value = grant_value_codes(checked.grant_ids, checked.match.grant_pos)
        for table, name in zip(self.ids, PAID_KEYS, strict=True):
            key_codes, key_distinct = (
                by_value if name == "grant_key" else (checked.key_codes[name], checked.key_distinct[name])
            )
            used, inverse = np.unique(key_codes[rows], return_inverse=True)
            # an invoice without the key (-1: no paragraph; none passes check 17 so) is given an id no other has
            distinct = np.append(key_distinct, None)[used]
            found = np.fromiter(
                (table.setdefault(key, len(table)) if key is not None else -1 for key in distinct),
                np.int64,
                len(distinct),
            )
            found = found[inverse.reshape(-1)]
            none = found < 0
            if none.any():
                found[none] = len(table) + np.arange(int(none.sum()))
                table.update({("none", int(k)): int(k) for k in found[none]})
            ids.append(found)
        # the pairs are counted before they are listed (see CLASH_PAIRS_PER_INVOICE)
        most = max(CLASH_PAIRS_PER_INVOICE * len(rows), CLASH_PAIRS_AT_LEAST)
        pairs_so_far = 0

        def counted(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            nonlocal pairs_so_far
            pairs_so_far += int(np.maximum(hi - lo, 0).sum())
            if pairs_so_far > most:
                raise _TooManyClashes(f"{pairs_so_far:,} pairs of {len(rows):,} invoices")
            return _ranges(lo, hi)

        # earlier payments of the same key that start by the period's end and end by its start; and, as
        # decide weighs them (paid_marks.with_moved_grants), those on a grant this month's extract names for
        # another citizen's service at another supplier, under its keys today
        paid_u, paid_p = [], []
        everyone = np.arange(len(self.start))
        for id_, paid_ids, whose in (*zip(ids, self.keys, [everyone] * len(ids), strict=True),
                                     *self._moved(today, ids[1:])):  # fmt: skip
            order = np.lexsort((self.start[whose], paid_ids))
            packed = (paid_ids[order] << 18) | self.start[whose][order]
            lo = np.searchsorted(packed, id_ << 18, side="left")
            hi = np.searchsorted(packed, (id_ << 18) | e_day, side="right")
            u, at = counted(lo, hi)
            p = whose[order[at]]
            overlaps = self.end[p] >= s_day[u]
            paid_u.append(u[overlaps])
            paid_p.append(p[overlaps])
        # pairs of this month's with the same key: sorted by key and start, a
        # period overlaps the later ones of its key that start by its end
        run_a, run_b = [], []
        days_s, days_e = start.astype(np.int64), end.astype(np.int64)
        for codes in ids:
            if len(rows) == 0:
                break
            order = np.lexsort((days_s, codes))
            first, last = int(days_s.min()), int(days_s.max())
            span = last - first + 1
            packed = codes[order] * span + (days_s[order] - first)
            reach = codes[order] * span + (np.minimum(days_e[order], last) - first)
            hi = np.searchsorted(packed, reach, side="right")
            a, b = counted(np.arange(1, len(rows) + 1), hi)
            a, b = order[a], order[b]
            run_a.append(np.minimum(a, b))
            run_b.append(np.maximum(a, b))
        pairs = np.unique(np.concatenate([a * len(rows) + b for a, b in zip(run_a, run_b, strict=True)] or [[]]))
        pairs = pairs.astype(np.int64)
        a, b = (pairs // len(rows), pairs % len(rows)) if len(rows) else (pairs, pairs)
        in_order = np.lexsort((a, b))
        return _Clashes(rows, tuple(ids), s_day, e_day, np.concatenate(paid_u), np.concatenate(paid_p),
                        a[in_order], b[in_order])  # fmt: skip

    def _moved(self, today: pd.DataFrame, ids: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Of the earlier payments on a grant that this month's extract names under other citizen keys
        (``today``: :meth:`WorldData.grant_keys_of`), for the citizen and the paragraph key in turn:
        this month's invoices' ids of that key (``ids``), the ids of the key today, and the payments (positions
        in the payments, each with a key today this month's invoices have)."""
        if not len(self.start):
            return []
        grant_table, citizen_table, paragraph_table = self.ids
        grant = np.array([grant_table.get(v, -1) for v in today["grant_value"]], dtype=np.int64)
        # a key no invoice had (-2) differs from every payment's, and pairs with no invoice of this month
        citizen = np.array([citizen_table.get(k, -2) for k in today["citizen_key"]], dtype=np.int64)
        paragraph = np.array([paragraph_table.get(k, -2) if k else -2 for k in today["paragraph_key"]], np.int64)
        known = (grant >= 0) & (today["citizen_key"] != "").to_numpy()
        if not known.any():
            return []
        grant, citizen, paragraph = grant[known], citizen[known], paragraph[known]
        # each such grant row with every payment on its grant (by the value of its id, as compared above)
        order = np.argsort(self.keys[0], kind="stable")
        lo = np.searchsorted(self.keys[0][order], grant, side="left")
        hi = np.searchsorted(self.keys[0][order], grant, side="right")
        row, at = _ranges(lo, hi)
        payment = order[at]
        moved = citizen[row] != self.keys[1][payment]
        row, payment = row[moved], payment[moved]
        out = []
        for invoices, today_ids in zip(ids, (citizen[row], paragraph[row]), strict=True):
            has = today_ids >= 0
            pairs = np.unique(np.stack([today_ids[has], payment[has]]), axis=1)
            if pairs.shape[1]:
                out.append((invoices, pairs[0], pairs[1]))
        return out

    def record(self, clashes: _Clashes, reasons: list[np.ndarray]) -> None:
        """Keep this month's open invoices, and which of them each rule set posted."""
        self.keys = tuple(np.concatenate([k, i]) for k, i in zip(self.keys, clashes.ids, strict=True))
        self.start = np.concatenate([self.start, clashes.s_day])
        self.end = np.concatenate([self.end, clashes.e_day])
        self.paid = [
            np.concatenate([paid, reason[clashes.rows] == 0]) for paid, reason in zip(self.paid, reasons, strict=True)
        ]


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with ``lo[i] <= j < hi[i]``, i ascending."""
    count = np.maximum(hi - lo, 0)
    i = np.repeat(np.arange(len(lo)), count)
    within = np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    return i, np.repeat(lo, count) + within


_STATUS = np.array([MANUAL, POSTED], dtype=object)
_REASON = np.array(["", *REASONS], dtype=object)


def _with_reasons(decisions: pd.DataFrame, reason: np.ndarray) -> pd.DataFrame:
    """A table of decisions made without messages, with the status, reason
    and check of ``reason`` (the failed check per invoice, 0 for posted)
    instead: the rest of such a table is the same under every rule set of
    one tolerance."""

    def text(values: np.ndarray, like: pd.Series) -> pd.Series:
        return pd.Series(values, dtype=like.dtype, index=like.index)

    return decisions.assign(
        status=text(_STATUS[(reason == 0).astype(np.int8)], decisions["status"]),
        reason=text(_REASON[reason.astype(np.int64)], decisions["reason"]),
        check=reason.astype(np.int64),
    )
