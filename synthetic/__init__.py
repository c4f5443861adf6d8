"""A simulated municipality that reproduces the case: citizens, suppliers,
grants in Sensum, the invoices that arrive each month, and the truth behind
them. ``invoicekit`` never imports this package; this package uses
invoicekit's readers and writers.

>>> from synthetic import synthesize
>>> synthesize("baseline", seed=1, out="verden/")          # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from invoicekit.errors import InputError
from invoicekit.journal import key_path
from invoicekit.replay import COMPLETE, world_info
from synthetic.invoices import INVOICE_TYPES
from synthetic.loop import rules_toml, run_loop, world_rules
from synthetic.scenario import SCENARIOS, Params, UnknownScenario, parse_scenario
from synthetic.world import World, build_world
from synthetic.write import HISTORY_FILE, TRUTH_COLUMNS, generate

log = logging.getLogger(__name__)

__all__ = [
    "HISTORY_FILE",
    "INVOICE_TYPES",
    "SCENARIOS",
    "TRUTH_COLUMNS",
    "Params",
    "UnknownScenario",
    "World",
    "build_world",
    "parse_scenario",
    "synthesize",
]


def synthesize(
    scenario: str = "baseline",
    seed: int = 1,
    out: str | Path = "world",
    start: str | None = None,
    months: int | None = None,
    citizens: int | None = None,
    oioubl: bool = False,
    progress=None,
    params: Params | None = None,
    follow_fixes: int = 0,
) -> dict:
    """Generate a municipality and write it into ``out``. Returns what
    ``world.json`` holds. ``params`` replaces the scenario's parameters
    (for calibration); ``scenario`` is then only recorded. ``follow_fixes``
    closes the loop (:mod:`synthetic.loop`): the municipality makes the
    first so many fixes of each month's fix list before the next month, and
    ``world.json`` records how many (``follow_fixes``)."""
    if not 0 <= int(follow_fixes) <= MAX_FOLLOW_FIXES:
        raise InputError(None, "--follow-fixes", f"{follow_fixes} is out of range; expected 0 to {MAX_FOLLOW_FIXES}")
    if not 0 <= int(seed) < MAX_SEED:
        raise InputError(None, "--seed", f"{seed} is out of range; expected 0 to {MAX_SEED - 1:,}")
    params = params or parse_scenario(scenario)
    changes = {k: v for k, v in {"start": start, "months": months, "citizens": citizens}.items() if v is not None}
    # the option's range first: --start 1899-01 failed the parameters' own check, "unexpected ValueError" and
    # exit 1, where 1989-12 was named as out of range (an attack on 0.9.31)
    given = str(start)[:4] if start is not None else ""
    if given.isdigit() and not 1990 <= int(given) <= 2030:
        raise InputError(None, "--start", f"{start} is out of range; expected a go-live month from 1990 to 2030")
    params = params.replace(**changes).check()
    year = int(params.start[:4])
    if not 1990 <= year <= 2030:
        raise InputError(None, "--start", f"{params.start} is out of range; expected a go-live month from 1990 to 2030")
    world = build_world(params, seed)
    out = Path(out)
    _prepare(out)
    # first a world.json that says the world is being written: a synth stopped
    # half-way leaves a world the readers refuse (and that the next synth replaces)
    _write_world_json(out, {"scenario": scenario, "seed": seed, COMPLETE: False})
    if follow_fixes:
        on_month = (lambda _month: progress(1)) if progress else None
        loop = run_loop(world, follow_fixes, out, scenario, oioubl=oioubl, on_month=on_month)
        counts = dict(zip(loop.monthly["month"], loop.monthly["invoices"].astype(int).tolist(), strict=True))
    else:
        counts = generate(world, out, oioubl=oioubl, progress=progress)
    _write_rules(world, out / "rules.toml")
    info = {
        "scenario": scenario,
        "seed": seed,
        "params": params.to_dict(),
        "excluded_suppliers": world.excluded_suppliers,
        "invoices_per_month": counts,
        "citizens": len(world.citizens),
        "suppliers": len(world.suppliers),
        "grants": len(world.segments),
    }
    if follow_fixes:
        info["follow_fixes"] = int(follow_fixes)
    info[COMPLETE] = True
    _write_world_json(out, info)
    return info


def _write_world_json(out: Path, info: dict) -> None:
    """``world.json``, replaced whole (written beside it, then moved into place)."""
    part = out / "world.json.part"
    part.write_text(json.dumps(info, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(part, out / "world.json")


def example_municipality(
    folder: str | Path,
    scenario: str = "baseline",
    seed: int = 3,
    citizens: int | None = None,
    months: int | None = None,
) -> dict[str, Path]:
    """A small synthetic municipality for notebooks and examples, made once:
    ``folder/world`` is generated when it holds no world yet, and replayed
    month by month into ``folder/replay`` with the journal
    ``folder/journal.sqlite`` when that is missing. Returns the paths."""
    from invoicekit.replay import replay

    folder = Path(folder)
    world = folder / "world"
    journal = folder / "journal.sqlite"
    info = world_info(world) if world.is_dir() else None
    if info is None:
        # no example made here: a journal (or replay folder) beside it is someone's own, never the example's to
        # remove (an attack on 0.9.30: a notebook's DATA pointed at the user's folder replaced their journal and
        # its key with the example's, and the journal was lost)
        theirs = [p.name for p in (journal, key_path(journal), folder / "replay") if p.exists() or p.is_symlink()]
        if theirs:
            raise InputError(
                folder,
                None,
                f"holds {', '.join(theirs)}, which no example municipality made here; expected an empty folder or "
                "one the example made (give the notebook another DATA folder, or your own files by its parameters)",
            )
    params = (info or {}).get("params") or {}
    # a world made for other parameters (the notebook's SEED changed, DATA not): made again, for these;
    # it was reused unsaid, its figures taken for the new seed's (found by a newcomer's walk-through)
    other = info is not None and (
        info.get("scenario") != scenario
        or info.get("seed") != seed
        or (citizens is not None and params.get("citizens") != citizens)
        or (months is not None and params.get("months") != months)
    )
    if info is None or info.get(COMPLETE) is False or other:  # none yet, one whose making was stopped, another
        if other:
            log.warning(
                "%s holds the world of another scenario or seed: made again for %s, seed %d", world, scenario, seed
            )
        synthesize(scenario, seed=seed, out=world, citizens=citizens, months=months)
        _forget(journal)
    if not journal.exists() or not (folder / "replay" / "monthly.csv").exists():  # none, or one cut short
        _forget(journal)
        if (folder / "replay").exists():
            shutil.rmtree(folder / "replay")
        replay(world, folder / "replay", journal)
    return {
        "world": world,
        "invoices": world / "invoices",
        "truth": world / "truth.csv",
        "history": world / HISTORY_FILE,
        "journal": journal,
        "replay": folder / "replay",
    }


#: at most this many fixes a month in the closed loop
MAX_FOLLOW_FIXES = 1000
# a seed has at most nine digits, so world.json can never hold a ten-digit number that reads as a CPR
MAX_SEED = 1_000_000_000
WORLD_ENTRIES = (
    "invoices",
    "sensum",
    "oioubl",
    "stoetteark.xlsx",
    "truth.csv",
    HISTORY_FILE,
    "rules.toml",
    "truth-lines.csv",
    "world.json.part",
    "world.json",
)


def _prepare(out: Path) -> None:
    """A new folder, an empty one, or an earlier world (whose files are
    replaced, so no month of it lingers). Anything else is refused."""
    if out.exists() and not out.is_dir():
        raise InputError(out, None, "exists and is not a folder; expected a folder for the municipality")
    if out.is_dir() and any(out.iterdir()):
        if not (out / "world.json").exists():
            raise InputError(
                out, None, "is not empty and holds no earlier world (world.json); expected a new or empty folder"
            )
        if world_info(out) is None:  # only a world.json synth wrote lets it delete what is there
            raise InputError(
                out / "world.json",
                None,
                "is not one invoicekit synth wrote (no scenario and seed); expected a new or empty folder, "
                "or an earlier world",
            )
        dated = [p.name for pattern in ("stoetteark-*.xlsx", "rules-*.toml") for p in out.glob(pattern)]
        for name in (*WORLD_ENTRIES, *dated):
            target = out / name
            if target.is_symlink():  # the link goes, never what it points to (a folder elsewhere)
                target.unlink()
            elif target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _write_rules(world: World, path: Path) -> None:
    """The municipality's business rules: the robot's defaults, with the one
    supplier it has excluded while it is under supervision, and a
    supplementary period to the end of January (services of December
    invoiced in January are posted in the year before)."""
    comment = "The municipality's business rules (invoicekit's defaults, plus the supplier under supervision)"
    path.write_text(rules_toml(world_rules(world), comment), encoding="utf-8")


def _forget(journal: Path) -> None:
    """The example's journal removed, and its key file with it: both are
    made again with the world (a key left alone refuses a new journal)."""
    journal.unlink(missing_ok=True)
    key_path(journal).unlink(missing_ok=True)
