"""One run of the robot, as ``invoicekit run`` does it: read the extracts,
decide, write the outputs and record the run in the journal.

Outputs are first written to a staging folder inside ``--out``; the journal
transaction is committed next, and only then are the files moved into place.
A run that fails before the commit leaves neither a journal entry nor output
files; one that is killed leaves no journal entry and no output files either,
only its hidden staging folder (``.invoicekit-staging-*``) inside ``--out``,
which holds nothing that was recorded and may be deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from invoicekit import __version__
from invoicekit.decide import Decisions, History, decide
from invoicekit.errors import InputError
from invoicekit.extracts import read_grants, read_invoices, read_support_sheet
from invoicekit.journal import Journal
from invoicekit.post import OUTPUT_FILES, write_outputs
from invoicekit.reasons import LABELS_DA, POSTED
from invoicekit.rules import Rules, load_rules


@dataclass
class RunResult:
    result: Decisions
    outputs: dict[str, Path]
    run_id: int | None
    dry_run: bool
    rules: Rules

    @property
    def decisions(self) -> pd.DataFrame:
        return self.result.decisions


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(
    grants: str | Path,
    invoices: str | Path,
    support_sheet: str | Path,
    out: str | Path,
    rules: str | Path | Rules | None = None,
    journal: str | Path | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Run the robot on extract files. Raises :class:`InputError` for an input
    that cannot be used; bad rows become manual decisions or input problems."""
    say = progress or (lambda _msg: None)
    started_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rule_set = rules if isinstance(rules, Rules) else load_rules(rules)
    paths = {"grants": Path(grants), "invoices": Path(invoices), "support_sheet": Path(support_sheet)}
    say("læser bevillinger")
    grant_table, grant_problems = read_grants(paths["grants"])
    say("læser støtteark")
    sheet, sheet_problems = read_support_sheet(paths["support_sheet"])
    say("læser regninger")
    invoice_table = read_invoices(paths["invoices"])
    problems = pd.concat([grant_problems, sheet_problems], ignore_index=True)
    out_dir = _prepare_out_dir(Path(out))

    def decide_and_stage(history: History) -> tuple[Decisions, Path]:
        say(f"afgør {len(invoice_table):,} regninger".replace(",", "."))
        result = decide(invoice_table, grant_table, sheet, rule_set, history)
        result.problems = pd.concat([problems, result.problems], ignore_index=True)
        staging = Path(tempfile.mkdtemp(prefix=".invoicekit-staging-", dir=out_dir))
        say("skriver resultater")
        write_outputs(staging, result.decisions, result.postings, result.problems)
        return result, staging

    run_id = None
    staging: Path | None = None
    committed = False
    try:
        if journal is None or (dry_run and not Path(journal).exists()):
            result, staging = decide_and_stage(History())
        elif dry_run:
            with Journal(journal, readonly=True) as j:
                history = j.history()
            result, staging = decide_and_stage(history)
        else:
            inputs = {name: (str(p), sha256(p)) for name, p in paths.items()}
            with Journal(journal) as j, j.transaction() as conn:
                result, staging = decide_and_stage(j.history())
                say("skriver journal")
                run_id = j.record(conn, result.decisions, inputs, rule_set.to_dict(), started_at, __version__)
                _crash_point("before-commit")
            committed = True
        outputs = _move_outputs(staging, out_dir, run_id)
    except BaseException:
        if staging is not None and not committed:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return RunResult(result=result, outputs=outputs, run_id=run_id, dry_run=dry_run, rules=rule_set)


class OutputsNotMoved(RuntimeError):
    """The run is recorded but its files could not be put in place; they are
    kept in the staging folder so nothing is lost."""


def _prepare_out_dir(out_dir: Path) -> Path:
    """Everything that could stop the output files from being put in place is
    checked before the journal is touched."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, None, "exists and is not a folder; expected an output folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            out_dir, None, f"cannot be created ({exc.strerror or exc}); expected an output folder"
        ) from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise InputError(out_dir, None, "is not writable; expected an output folder I can write in")
    for name in OUTPUT_FILES:
        target = out_dir / name
        if target.is_dir():
            raise InputError(target, None, "is a folder; expected to write an output file there")
        if target.exists() and not os.access(target, os.W_OK):
            raise InputError(target, None, "is read-only; expected to replace it")
    return out_dir


def _move_outputs(staging: Path, out_dir: Path, run_id: int | None) -> dict[str, Path]:
    outputs = {}
    try:
        for f in sorted(staging.iterdir()):
            target = out_dir / f.name
            os.replace(f, target)
            outputs[f.name] = target
    except OSError as exc:
        recorded = f"run {run_id} is recorded in the journal, but " if run_id is not None else ""
        raise OutputsNotMoved(
            f"{recorded}the output files could not be moved into {out_dir} ({exc.strerror or exc}); "
            f"they are kept in {staging}: move them there by hand"
        ) from None
    staging.rmdir()
    return outputs


def _crash_point(name: str) -> None:
    """For the journal tests: ``INVOICEKIT_CRASH_AT=before-commit`` kills the
    process there, as a power cut would."""
    if os.environ.get("INVOICEKIT_CRASH_AT") == name:
        sys.stdout.flush()
        os._exit(137)


def summary(res: RunResult, top: int = 5) -> str:
    """The short summary printed after a run."""
    d = res.decisions
    n = len(d)
    posted = int((d["status"] == POSTED).sum())
    share = posted / n if n else 0.0
    lines = [
        f"Invoices read:   {n:,}",
        f"Posted:          {posted:,} ({share:.1%})",
        f"Manual:          {n - posted:,} ({1 - share if n else 0:.1%})",
    ]
    reasons = d.loc[d["status"] != POSTED, "reason"].value_counts()
    if len(reasons):
        lines.append("Most common reasons:")
        for code, count in reasons.head(top).items():
            lines.append(f"  {code:<22} {count:>8,}  {count / n:6.1%}  {LABELS_DA[code]}")
    if len(res.result.problems):
        lines.append(
            f"Input problems:  {len(res.result.problems):,} grant or support-sheet rows left out (input_problems.csv)"
        )
    if res.dry_run:
        lines.append("Dry run:         nothing recorded in the journal")
    elif res.run_id is not None:
        lines.append(f"Journal:         run {res.run_id} recorded")
    out_dir = next(iter(res.outputs.values())).parent if res.outputs else None
    if out_dir is not None:
        lines.append(f"Outputs:         {out_dir}/ ({', '.join(sorted(res.outputs))})")
    return "\n".join(lines)
