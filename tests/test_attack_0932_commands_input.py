"""An attack on 0.9.31's commands other than run and convert with hostile input: files of the
wrong kind, empty, given twice, output paths under a file. Each test failed on that version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "invoicekit_command", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=300,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("h14")
    w = base / "w"
    r = cli("synth", "--citizens", "30", "--months", "2", "--out", w, "--quiet")
    assert r.returncode == 0, r.stderr
    r = cli("replay", "--world", w, "--new-journal", base / "j.sqlite", "--out", base / "r", "--quiet")
    assert r.returncode == 0, r.stderr
    return {"base": base, "world": w, "journal": base / "j.sqlite", "replay": base / "r"}


def test_evaluate_empty_decisions_reports_zero_automation(world, tmp_path):
    """`invoicekit evaluate --decisions D --truth truth.csv --out O` where D is a
    decisions.csv holding its header only (a run of an empty extract, or a file
    cut short after its first line).

    A user sees exit 0 and "Invoices: 0 / Posted: 0 (0.0% automation)", and an
    evaluation.xlsx of nothing. They should see exit 2, one line naming the file:
    README "A truth that names none of the decisions' invoices is refused, exit 2
    (it gave 0 invoices and a 0 % automation rate)"; a month without invoices has
    a blank rate elsewhere (replay's monthly.csv), never 0.0 %.

    Cause: invoicekit/evaluate.py (the check that the truth names some of the
    decisions' invoices passes vacuously when there are no decisions).
    """
    decisions = world["replay"] / "2018-11" / "decisions.csv"
    header_only = tmp_path / "decisions.csv"
    header_only.write_text(decisions.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    r = cli("evaluate", "--decisions", header_only, "--truth", world["world"] / "truth.csv", "--out", tmp_path / "ev")
    assert "0.0% automation" not in r.stdout, r.stdout
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "decisions.csv" in r.stderr and "Traceback" not in r.stderr


def test_types_same_extract_given_twice_is_read_twice(world, tmp_path):
    """`invoicekit types --invoices X X --out O` (the same extract typed twice, as a
    shell history recall or a glob and a name easily give).

    A user sees exit 0 and "78 invoices" for an extract of 39: every invoice
    twice, the second copy a resend of the first (the features' "same supplier
    and number came earlier"), every share in the tables over the doubled
    count. Adding `--decisions D D` then says "2 file(s) for 1 extract(s)",
    though two were typed. They should see exit 2 naming the file given twice,
    as `evaluate` does for a decisions file given twice (README: "a file given
    twice (it counted its numberless invoices twice) … is refused").

    Cause: invoicekit/types/features.py:read_extracts reads each path given,
    keyed by its name, so the two copies share one `file` key
    (invoicekit/types/mapping.py:posted_flags counts extracts by that key).
    """
    extract = world["world"] / "invoices" / "invoices-2018-11.csv"
    r = cli("types", "--invoices", extract, extract, "--out", tmp_path / "t")
    assert "Traceback" not in r.stderr
    assert not r.stdout.startswith("78 invoices"), r.stdout[:200]
    assert r.returncode == 2, (r.returncode, r.stdout[:200], r.stderr)
    assert "invoices-2018-11.csv" in r.stderr


@pytest.mark.parametrize("command", ["report followup", "report business-case", "actions", "sample draw"])
def test_out_under_a_file_is_exit_1_in_reports(world, tmp_path, command):
    """`invoicekit report followup|report business-case|actions|sample draw --out
    FILE/sub` (an output path whose folder is a file).

    A user sees exit 1, "FILE/sub: could not be written (Not a directory)", as
    for a full disk. The same mistake is exit 2 in `run`, `evaluate`, `tune`,
    `replay` and `synth` ("cannot be created (Not a directory); expected an
    output folder"), and the command line's own handler gives exit 2 for "a file
    we may not read or write: the user's to fix". README: exit 2 for unusable
    input; "Exit 1 is for files that could not be written or moved (a full disk,
    a file held open)".

    Cause: invoicekit/errors.py:make_folder turns every OSError of mkdir into
    OutputError (exit 1), ENOTDIR included (used by render.py, action_files.py,
    sample.py).
    """
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    w, j = world["world"], world["journal"]
    args = {
        "report followup": ["report", "followup", "--journal", j, "--out", blocker / "sub"],
        "report business-case": ["report", "business-case", "--out", blocker / "sub"],
        "actions": [
            "actions",
            "--journal",
            j,
            "--grants",
            w / "sensum" / "grants-2018-11.csv",
            "--support-sheet",
            w / "stoetteark.xlsx",
            "--month",
            "2018-11",
            "--out",
            blocker / "sub",
        ],
        "sample draw": [
            "sample",
            "draw",
            "--journal",
            j,
            "--month",
            "2018-11",
            "--seed",
            "1",
            "--out",
            blocker / "k.xlsx",
        ],
    }[command]
    r = cli(*args, "--quiet") if command != "sample draw" else cli(*args)
    assert "Traceback" not in r.stderr
    assert r.returncode == 2, (r.returncode, r.stderr)


def test_evaluate_out_that_is_a_file_says_no_expectation(world, tmp_path):
    """`invoicekit evaluate --decisions D --truth T --out FILE` (an --out that is a
    file).

    A user sees "FILE: --out: File exists": the error names the file but not
    what was expected (nor that the trouble is that it is a file, not that it
    exists: a folder that exists is fine). `tune`, `report followup`, `actions`
    say "is a file; expected a folder for …". README (the promise for bad input):
    one line naming the file and what was expected.

    Cause: the `evaluate` handler in invoicekit/cli.py does not check --out as
    `tune` does (cli.py: "is a file; expected a folder for tuning.csv …"); the
    FileExistsError of mkdir reaches cli.py:_os_error_line, which gives the bare
    strerror.
    """
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    r = cli(
        "evaluate",
        "--decisions",
        world["replay"] / "2018-11" / "decisions.csv",
        "--truth",
        world["world"] / "truth.csv",
        "--out",
        blocker,
        "--quiet",
    )
    assert r.returncode == 2, r.stderr
    assert "expected" in r.stderr, r.stderr
