"""`invoicekit run` end to end, as a user runs it."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import QUIET_HELP, MaskingFormatter, _os_error_line, build_parser, main
from invoicekit.columns import DECISION_COLUMNS, OPUS_POSTING_COLUMNS
from invoicekit.reasons import LINES_MISMATCH, REASONS
from invoicekit.run import LIKELY_CAUSE
from invoicekit.vocabulary import CPR_PATTERN
from tests.conftest import unnumbered

EXPECTED_REASONS = [
    "", "", "PERIOD_NOT_COVERED", "", "NO_FIXED_RATE", "AMBIGUOUS", "MULTIPLE_CPR", "NO_CODING",
    "AMOUNT_MISMATCH", "DUPLICATE_INVOICE", "CREDIT_NOTE", "NO_GRANT", "NO_GRANT_FOR_SUPPLIER",
    "INVALID_CVR", "ALREADY_PAID", "MISSING_INVOICE_ID", "INVALID_CPR", "AMOUNT_ABOVE_LIMIT",
    "MISSING_PERIOD", "MISSING_CPR", "", "",
]  # fmt: skip


def args(case: Path, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--grants", str(case / "bevillinger.csv"),
        "--invoices", str(case / "regninger.csv"),
        "--support-sheet", str(case / "stoetteark.xlsx"),
        "--out", str(out),
        *extra,
    ]  # fmt: skip


def test_example_case_end_to_end(example_case, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(args(example_case, out, "--rules", str(example_case / "rules.toml"))) == 0
    printed = capsys.readouterr().out
    assert "Invoices read:   22" in printed and "Posted:          5 (22.7%)" in printed

    decisions = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    assert list(decisions.columns) == list(DECISION_COLUMNS)
    assert decisions["reason"].tolist() == EXPECTED_REASONS
    assert decisions["row"].tolist() == [str(k) for k in range(1, 23)]

    postings = pd.read_csv(out / "opus_postings.csv", sep=";", dtype=str)
    assert list(postings.columns) == list(OPUS_POSTING_COLUMNS)
    first = postings.iloc[0]
    assert first["Beløb"] == "28500,00" and first["Ydelsesperiode fra"] == "01.03.2019"
    assert first["Ydelsesmodtagernr."] == "6101901234"
    assert first["Tekst"] == "SEL108-BO 01.03.2019-31.03.2019 B-1001"
    assert postings["Tekst"].str.len().max() <= 50

    notes = pd.read_csv(out / "opus_notes.csv", sep=";", dtype=str, keep_default_na=False)
    assert len(notes) == 17 and notes["note"].str.startswith("Robot: ").all()
    paid = pd.read_csv(out / "sensum_paid.csv", dtype=str)
    assert paid.columns.tolist() == ["grant_id", "period_start", "period_end", "invoice_id", "amount"]
    assert paid.iloc[0].tolist() == ["B-1001", "2019-03-01", "2019-03-31", "SOL-1001", "28500.00"]
    problems = pd.read_csv(out / "input_problems.csv", dtype=str)
    assert problems.iloc[0].tolist() == ["bevillinger.csv", "9", "cpr", "CPR-nummeret mangler eller er ugyldigt"]


def test_only_the_opus_posting_file_holds_full_cpr_numbers(example_case, tmp_path, capsys):
    out = tmp_path / "out"
    main(args(example_case, out))
    inputs = (example_case / "bevillinger.csv").read_text() + (example_case / "regninger.csv").read_text("cp1252")
    citizens = {m.replace("-", "") for m in re.findall(r"(?<!\d)\d{6}-?\d{4}(?!\d)", inputs)}
    assert len(citizens) >= 7
    forms = {c for n in citizens for c in (n, f"{n[:6]}-{n[6:]}")}
    printed = capsys.readouterr()
    assert not any(c in printed.out + printed.err for c in forms)
    for f in out.iterdir():
        text = f.read_text(encoding="utf-8")
        assert any(c in text for c in forms) == (f.name == "opus_postings.csv"), f.name


def test_help_documents_every_option():
    result = subprocess.run([sys.executable, "-m", "invoicekit.cli", "run", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for option in (
        "--grants",
        "--invoices",
        "--support-sheet",
        "--out",
        "--rules",
        "--journal",
        "--new-journal",
        "--dry-run",
        "--quiet",
    ):
        assert option in result.stdout
    assert "opus_postings.csv" in result.stdout and "run.json" in result.stdout and "Exit status" in result.stdout


def _jemalloc() -> bool:
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True


def test_the_command_takes_arrows_memory_from_jemalloc_and_writes_what_the_library_writes(example_case, tmp_path):
    """The console script starts in ``invoicekit_command``, which settles
    arrow's allocator before pyarrow loads; the files are the ones
    ``cli.main`` writes in this process, with pyarrow's default pool."""
    import pyarrow as pa

    expected = "jemalloc" if _jemalloc() else pa.default_memory_pool().backend_name
    assert f"arrow's memory pool: {expected}" in _command_log(example_case, tmp_path, tmp_path / "command")
    assert main(args(example_case, tmp_path / "library", "--quiet")) == 0
    written = sorted(f.name for f in (tmp_path / "command").glob("*.csv"))
    assert len(written) == 6 and written == sorted(f.name for f in (tmp_path / "library").glob("*.csv"))
    for name in written:
        assert (tmp_path / "command" / name).read_bytes() == (tmp_path / "library" / name).read_bytes(), name


def test_the_command_leaves_an_arrow_pool_the_user_chose(example_case, tmp_path):
    log = _command_log(example_case, tmp_path, tmp_path / "out", ARROW_DEFAULT_MEMORY_POOL="system")
    assert "arrow's memory pool: system" in log


def _command_log(case: Path, tmp_path: Path, out: Path, **env: str) -> str:
    """The debug log of ``run`` on ``case`` started as the console script
    starts it (``invoicekit_command``), with ``env`` added; it must succeed."""
    log = tmp_path / "run.log"
    command = [sys.executable, "-m", "invoicekit_command", *args(case, out), "--quiet"]
    result = subprocess.run(
        [*command, "--log-file", str(log), "--log-level", "DEBUG"],
        capture_output=True,
        text=True,
        env=os.environ | env,
    )
    assert result.returncode == 0, result.stderr
    return log.read_text(encoding="utf-8")


#: in a process set up as the command named by its argument (none: plain
#: numpy): OpenBLAS's threads, and the settings left in the environment of
#: the programs it starts
SETTLED = """
import json, os, sys
from invoicekit_command import NO_BLAS, PROCESS_SETTINGS, prepare_process
if sys.argv[1:]:
    prepare_process(sys.argv[1])
else:
    import numpy
from threadpoolctl import threadpool_info
blas = [pool["num_threads"] for pool in threadpool_info() if pool["internal_api"] == "openblas"]
print(json.dumps({"blas": blas, "left": [name for name in PROCESS_SETTINGS | NO_BLAS if name in os.environ]}))
"""


def test_the_batch_commands_start_no_blas_thread_and_leave_the_environment_as_they_found_it():
    def settled(*command: str, **env: str) -> dict:
        base = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "JE_ARROW_MALLOC_CONF")}
        out = subprocess.run(
            [sys.executable, "-c", SETTLED, *command], capture_output=True, text=True, check=True, env=base | env
        )
        return json.loads(out.stdout)

    plain = settled()
    for command in ("run", "replay", "tune"):
        found = settled(command)
        assert found["left"] == []  # a notebook's kernel the command starts begins as it would have
        assert set(found["blas"]) <= {1}  # numpy's OpenBLAS (where it has one) on one thread
    # types clusters with BLAS: its threads as numpy starts them
    assert settled("types") == plain
    # the user's own setting is theirs to keep
    assert settled("run", OPENBLAS_NUM_THREADS="2")["left"] == ["OPENBLAS_NUM_THREADS"]


#: in a process set up as the command: 256 MiB of arrow data made, freed (and
#: 1.5 s of allocating after) and made again; prints the resident MiB before, after freeing, after the second
KEPT = """
import time
from invoicekit_command import prepare_process
pool = prepare_process()
import numpy as np, pyarrow as pa, pyarrow.compute as pc
def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
zeros = pa.array(np.zeros(1 << 25, dtype=np.int64))
before = resident()
made = pc.add(zeros, 1)
del made
for _ in range(30):  # a while, and allocating: when allocators hand freed pages back
    time.sleep(0.05)
    pc.add(pa.array(np.zeros(1 << 16, dtype=np.int64)), 1)
freed = resident()
again = pc.add(zeros, 2)
print(pool, round(before), round(freed), round(resident()))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _jemalloc(), reason="/proc and arrow's jemalloc")
def test_the_command_keeps_the_memory_arrow_freed_and_uses_it_again():
    """What the command's allocator is for: a large array freed stays the
    process's, and the next one takes its pages instead of new ones."""
    out = subprocess.run([sys.executable, "-c", KEPT], capture_output=True, text=True, check=True).stdout.split()
    pool, before, freed, again = out[0], *map(float, out[1:])
    assert pool == "jemalloc"
    assert freed - before > 200  # the 256 MiB freed are still held …
    assert again - freed < 50  # … and the second array lives in them


def run_cli(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "invoicekit.cli", *argv], capture_output=True, text=True)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_column_exits_2_naming_file_and_column(example_case, tmp_path):
    (example_case / "regninger.csv").write_text("Fakturanummer;CVR\nF-1;29345716\n", encoding="utf-8")
    result = run_cli(args(example_case, tmp_path / "out"))
    assert_one_line_error(result, "regninger.csv", "column 'amount'", "Beløb")


def test_an_extract_read_wrongly_as_a_whole_exits_2_in_one_line(example_case, tmp_path):
    rows = "".join(f"F-{k},29345716,28500,00,610190-1234,2019-03-01,2019-03-31\n" for k in range(6))
    (example_case / "regninger.csv").write_text(
        "invoice_id,supplier_cvr,amount,cpr,period_start,period_end\n" + rows, encoding="utf-8"
    )
    result = run_cli(args(example_case, tmp_path / "out"))
    assert_one_line_error(result, "regninger.csv", "6 of 6 rows", "decimal comma")
    assert not (tmp_path / "out" / "decisions.csv").exists()


def test_unknown_rules_key_exits_2(example_case, tmp_path):
    rules = example_case / "rules.toml"
    rules.write_text("tolerence = 5\n", encoding="utf-8")
    result = run_cli(args(example_case, tmp_path / "out", "--rules", str(rules)))
    assert_one_line_error(result, "rules.toml", "key 'tolerence'", "known keys")


def test_missing_file_exits_2(example_case, tmp_path):
    (example_case / "bevillinger.csv").unlink()
    result = run_cli(args(example_case, tmp_path / "out"))
    assert_one_line_error(result, "bevillinger.csv", "file not found")


def test_support_sheet_without_coding_sheet_exits_2(example_case, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(example_case / "stoetteark.xlsx")
    del wb["Kontering"]
    wb.save(example_case / "stoetteark.xlsx")
    result = run_cli(args(example_case, tmp_path / "out"))
    assert_one_line_error(result, "stoetteark.xlsx", "sheet 'coding'")


def test_out_that_is_a_file_exits_2(example_case, tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("x")
    assert_one_line_error(run_cli(args(example_case, target)), "out.txt", "not a folder")


def test_missing_required_option_exits_2():
    result = run_cli(["run", "--grants", "x.csv"])
    assert result.returncode == 2 and "required" in result.stderr


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("abc", "INVALID_AMOUNT"), ("", "INVALID_AMOUNT"), ("12,34,56", "INVALID_AMOUNT")],
)
def test_garbage_amount_cells_go_to_manual_and_the_run_completes(example_case, tmp_path, cell, reason):
    (example_case / "regninger.csv").write_text(
        f"invoice_id;supplier_cvr;amount;cpr;period_start;period_end\nF-1;29345716;{cell};6101901234;01.03.2019;31.03.2019\n",
        encoding="utf-8",
    )
    result = run_cli(args(example_case, tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    d = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert d["reason"].tolist() == [reason]


def test_duplicated_rows_are_both_decided(example_case, tmp_path):
    row = "F-1;29345716;28.500,00;6101901234;01.03.2019;31.03.2019"
    (example_case / "regninger.csv").write_text(
        f"invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n{row}\n{row}\n", encoding="utf-8"
    )
    assert run_cli(args(example_case, tmp_path / "out")).returncode == 0
    d = pd.read_csv(tmp_path / "out" / "decisions.csv", dtype=str, keep_default_na=False)
    assert d["reason"].tolist() == ["", "DUPLICATE_INVOICE"]


def test_rules_path_that_is_a_folder_exits_2(example_case, tmp_path):
    result = run_cli(args(example_case, tmp_path / "out", "--rules", str(tmp_path)))
    assert_one_line_error(result, "is a folder")


@pytest.mark.parametrize("name, option", [("ark", "--support-sheet"), ("stoetteark.xlsx", "--support-sheet"),
                                          ("bevillinger.xlsx", "--grants")])  # fmt: skip
def test_a_folder_given_as_a_workbook_is_said_to_be_a_folder(example_case, tmp_path, name, option):
    """An attack on 0.9.25: a folder given as the support sheet was said to
    have an unknown extension '', and one named ``stoetteark.xlsx`` to be a
    device, a pipe or a socket, where a .csv file would do."""
    (tmp_path / name).mkdir()
    argv = args(example_case, tmp_path / "out")
    argv[argv.index(option) + 1] = str(tmp_path / name)
    result = run_cli(argv)
    assert_one_line_error(result, name, "is a folder; expected", ".xlsx")
    assert "device" not in result.stderr and ("csv" not in result.stderr or option == "--grants")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_rules_with_a_number_that_is_not_finite_exit_2(example_case, tmp_path, value):
    rules = example_case / "rules.toml"
    rules.write_text(f"tolerance = {value}\n", encoding="utf-8")
    assert_one_line_error(run_cli(args(example_case, tmp_path / "out", "--rules", str(rules))), "key 'tolerance'")


def test_out_below_a_file_exits_2(example_case, tmp_path):
    (tmp_path / "h.csv").write_text("x")
    assert_one_line_error(run_cli(args(example_case, tmp_path / "h.csv" / "sub")), "h.csv")


def test_an_output_file_that_is_a_folder_exits_2_before_anything_is_recorded(example_case, tmp_path):
    out = tmp_path / "out"
    (out / "opus_postings.csv").mkdir(parents=True)
    journal = tmp_path / "j.sqlite"
    result = run_cli(args(example_case, out, "--new-journal", str(journal)))
    assert_one_line_error(result, "opus_postings.csv", "is a folder")
    assert not journal.exists()  # the folder is checked before the journal is started
    assert not list(out.glob(".invoicekit-staging-*"))
    # and the same command takes it again once the folder is mended
    (out / "opus_postings.csv").rmdir()
    assert run_cli(args(example_case, out, "--new-journal", str(journal))).returncode == 0
    with sqlite3.connect(journal) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_a_sqlite_file_of_another_program_is_refused_and_left_alone(example_case, tmp_path):
    import sqlite3

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE runs (x)")
    before = foreign.read_bytes()
    result = run_cli(args(example_case, tmp_path / "out", "--journal", str(foreign)))
    assert_one_line_error(result, "foreign.db", "another program")
    assert foreign.read_bytes() == before


def test_dry_run_opens_the_journal_read_only(example_case, tmp_path, monkeypatch):
    import sqlite3

    from invoicekit import Journal
    from invoicekit import journal as journal_module

    journal = tmp_path / "j.sqlite"
    assert run_cli(args(example_case, tmp_path / "o1", "--new-journal", str(journal))).returncode == 0
    with Journal(journal, readonly=True) as j, pytest.raises(sqlite3.OperationalError, match="readonly"):
        j.conn.execute("DELETE FROM runs")
    modes = []
    real_init = journal_module.Journal.__init__

    def spy(self, path, readonly=False, create=False):
        modes.append(readonly)
        real_init(self, path, readonly, create)

    monkeypatch.setattr(journal_module.Journal, "__init__", spy)
    assert main(args(example_case, tmp_path / "o2", "--journal", str(journal), "--dry-run", "--quiet")) == 0
    assert modes == [True]


# ---------------------------------------------------------------- one voice on the command line


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every command and subcommand: its words and its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name), sub
                yield from _commands(sub, (*prefix, name))


def test_every_command_has_a_description_and_help_without_escaped_percent(capsys):
    commands = list(_commands(build_parser()))
    assert {"run", "replay", "synth", "sample evaluate", "report followup"} <= {" ".join(w) for w, _ in commands}
    for words, sub in commands:
        with pytest.raises(SystemExit) as stop:
            main([*words, "--help"])
        assert stop.value.code == 0
        shown = capsys.readouterr().out
        assert "%%" not in shown, words
        assert sub.description and sub.description.strip(), f"{' '.join(words)} has no description"
        assert sub.description.split()[0] in shown, words


def test_sample_size_help_prints_a_plain_percent_sign():
    result = run_cli(["sample", "size", "--help"])
    assert result.returncode == 0
    assert "95 % confidence" in result.stdout and "%%" not in result.stdout


@pytest.mark.parametrize("words", [("report",), ("report", "followup"), ("report", "business-case")])
def test_report_help_has_examples(words):
    shown = run_cli([*words, "--help"]).stdout
    assert "Examples:" in shown
    assert f"invoicekit {' '.join(words[:2] if len(words) > 1 else ('report',))}" in shown
    if words == ("report", "followup"):  # as actions says it (an analyst's walk-through of 0.9.20)
        assert "Exit status: 0 when the report was written, 2 when an input cannot be used" in shown
        assert "(created if" in shown


def test_quiet_means_one_thing_wherever_it_is_offered():
    helps = {
        " ".join(words): next(a.help for a in sub._actions if "--quiet" in a.option_strings)
        for words, sub in _commands(build_parser())
        if any("--quiet" in a.option_strings for a in sub._actions)
    }
    assert {"run", "replay", "evaluate", "tune", "types", "actions", "report followup", "synth"} <= set(helps)
    assert set(helps.values()) == {QUIET_HELP}, helps


def test_world_is_an_option_of_every_command_that_reads_one():
    for words, sub in _commands(build_parser()):
        positional = [a.dest for a in sub._actions if not a.option_strings and a.help != argparse.SUPPRESS]
        assert "world" not in positional, words
    for command in ("replay", "evaluate", "tune"):
        sub = dict((" ".join(w), s) for w, s in _commands(build_parser()))[command]
        assert any("--world" in a.option_strings for a in sub._actions), command


#: what a run does not use: the plugins' look-up and the synthetic municipality it imports, charts,
#: statistics, machine learning, Word and the workbook writer
NOT_FOR_A_RUN = ("importlib.metadata", "synthetic", "matplotlib", "scipy", "sklearn", "docx", "jinja2", "openpyxl")


def test_a_run_imports_nothing_it_does_not_use(example_case, tmp_path):
    argv = [*args(example_case, tmp_path / "out", "--dry-run", "--quiet")]
    script = (
        "import sys\nfrom invoicekit.cli import main\n"
        f"code = main({argv!r})\n"
        f"print(code, sorted(m for m in {NOT_FOR_A_RUN!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.split("\n")[-2] == "0 []", result.stdout + result.stderr


def test_help_still_lists_the_plugins_commands_and_a_plugin_command_runs():
    assert "synth" in run_cli(["--help"]).stdout
    assert "synth" in " ".join(run_cli(["no-such-command"]).stderr.split())
    result = run_cli(["synth", "--help"])
    assert result.returncode == 0 and "synthetic municipality" in result.stdout
    run_help = run_cli(["run", "--help"])
    assert run_help.returncode == 0 and "--support-sheet" in run_help.stdout


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory) -> Path:
    from synthetic import synthesize

    folder = tmp_path_factory.mktemp("tiny") / "w"
    synthesize("baseline", seed=2, out=folder, months=2, citizens=30)
    return folder


def test_replay_takes_world_as_an_option_and_still_the_old_positional_with_a_warning(tiny_world, tmp_path, capsys):
    argv = ["--new-journal", str(tmp_path / "j1.sqlite"), "--out", str(tmp_path / "r1")]
    assert main(["replay", "--world", str(tiny_world), *argv, "--quiet"]) == 0
    printed = capsys.readouterr()
    assert printed.out == "" and "deprecated" not in printed.err
    argv = ["--new-journal", str(tmp_path / "j2.sqlite"), "--out", str(tmp_path / "r2")]
    assert main(["replay", str(tiny_world), *argv]) == 0
    printed = capsys.readouterr()
    assert "deprecated" in printed.err and "replay --world" in printed.err and "top reasons" in printed.out
    assert (tmp_path / "r1" / "monthly.csv").read_text() == (tmp_path / "r2" / "monthly.csv").read_text()
    assert main(["replay", "--new-journal", str(tmp_path / "j3.sqlite"), "--out", str(tmp_path / "r3")]) == 2
    assert "--world" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "option"), [(["replay"], "--world DIR"), (["sample", "evaluate"], "--control FILE")]
)
def test_the_usage_line_shows_an_option_the_old_positional_stands_in_for_as_required(command, option, capsys):
    """It showed '[--world DIR]', an option left out at will, because the deprecated positional may stand in."""
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    usage = capsys.readouterr().out.split("\n\n")[0]
    assert f" {option} " in usage and f"[{option}]" not in usage
    assert "--quiet" in usage or "--journal PATH" in usage  # the whole line, every option in it


# ---------------------------------------------------------------- the log


def test_the_log_of_a_run_holds_what_a_robot_operator_needs_and_no_full_cpr_number(tiny_world, tmp_path, capsys):
    # the inputs sit in a folder named for a citizen's CPR number: paths are logged, and must be masked
    grants = pd.read_csv(tiny_world / "sensum" / "grants-2018-11.csv", dtype=str, sep=None, engine="python")
    invoices_text = (tiny_world / "invoices" / "invoices-2018-11.csv").read_text(encoding="utf-8", errors="replace")
    cprs = {c.replace("-", "") for c in CPR_PATTERN.findall(invoices_text + grants.to_csv())}
    assert len(cprs) >= 10
    folder = tmp_path / f"udtraek-{sorted(cprs)[0]}"
    folder.mkdir()
    for name in ("sensum/grants-2018-11.csv", "invoices/invoices-2018-11.csv", "stoetteark.xlsx"):
        (folder / Path(name).name).write_bytes((tiny_world / name).read_bytes())
    log_file = tmp_path / "robot.log"
    argv = [
        "run",
        "--grants", str(folder / "grants-2018-11.csv"),
        "--invoices", str(folder / "invoices-2018-11.csv"),
        "--support-sheet", str(folder / "stoetteark.xlsx"),
        "--journal", str(tmp_path / "j.sqlite"),
        "--log-file", str(log_file),
        "--log-level", "DEBUG",
    ]  # fmt: skip
    assert main([*argv[:7], "--new-journal", str(tmp_path / "j.sqlite"), "--out", str(tmp_path / "o1"), *argv[9:]]) == 0
    assert main([*argv, "--out", str(tmp_path / "o2"), "--quiet"]) == 0  # appended to
    assert main([*argv, "--out", str(tmp_path / "o2")]) == 2  # a refused run is logged too
    capsys.readouterr()
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (DEBUG|INFO|WARNING|ERROR) ", line) for line in lines)
    text = "\n".join(lines)
    found = {c.replace("-", "") for c in CPR_PATTERN.findall(text)}
    assert found & cprs == set(), "the log holds a full CPR number of the inputs"
    assert sorted(cprs)[0][:6] + "-xxxx" in text  # the folder's name, masked
    assert text.count("run starting") == 3 and text.count("run finished in") == 2  # the third was refused
    assert "run 1 recorded" in text and "run 2 recorded" in text
    assert "input invoices:" in text and "sha256" in text and "manual reasons:" in text
    assert " DEBUG " in text and " ERROR " in text and "invoicekit run stopped: " in text


def _run_argv(world: Path, out: Path) -> list[str]:
    return ["run", "--grants", str(world / "sensum" / "grants-2018-11.csv"),
            "--invoices", str(world / "invoices" / "invoices-2018-11.csv"),
            "--support-sheet", str(world / "stoetteark.xlsx"), "--out", str(out)]  # fmt: skip


def test_a_log_file_that_is_an_input_or_the_journal_is_refused_and_left_as_it_was(tiny_world, tmp_path, capsys):
    invoices = tiny_world / "invoices" / "invoices-2018-11.csv"
    before = invoices.read_bytes()
    assert main([*_run_argv(tiny_world, tmp_path / "o"), "--log-file", str(invoices)]) == 2
    assert "--log-file" in capsys.readouterr().err and invoices.read_bytes() == before
    journal = tmp_path / "j.sqlite"
    assert (
        main([*_run_argv(tiny_world, tmp_path / "o"), "--new-journal", str(journal), "--log-file", str(journal)]) == 2
    )
    assert "is the --new-journal file" in capsys.readouterr().err and not journal.exists()


def test_a_log_file_that_cannot_be_written_warns_once_masked_and_the_run_goes_on(tiny_world, tmp_path, capsys):
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("needs /dev/full (Linux) to fill a disk")
    folder = tmp_path / "0101901234"  # a CPR-like folder: logging's own error report would print it in full
    folder.mkdir()
    for name in ("sensum/grants-2018-11.csv", "invoices/invoices-2018-11.csv", "stoetteark.xlsx"):
        (folder / Path(name).name).write_bytes((tiny_world / name).read_bytes())
    argv = ["run", "--grants", str(folder / "grants-2018-11.csv"), "--invoices", str(folder / "invoices-2018-11.csv"),
            "--support-sheet", str(folder / "stoetteark.xlsx"), "--out", str(tmp_path / "o")]  # fmt: skip
    assert main([*argv, "--log-file", str(full), "--log-level", "DEBUG"]) == 0
    err = capsys.readouterr().err
    assert err.count("--log-file") == 1 and "logging stopped" in err
    assert "Traceback" not in err and "0101901234" not in err
    assert (tmp_path / "o" / "decisions.csv").exists()


@pytest.mark.parametrize("where", ["/proc/version", "folder", "missing/run.log"])
def test_a_log_file_that_cannot_be_opened_is_a_users_mistake_naming_the_option_and_the_path(
    example_case, tmp_path, where
):
    """/proc/version cannot be appended to (on Linux; elsewhere it does not exist), a folder is not a file."""
    log_file = where if where.startswith("/") else str(tmp_path / where)
    (tmp_path / "folder").mkdir()
    result = run_cli([*args(example_case, tmp_path / "out", "--dry-run"), "--log-file", log_file])
    assert_one_line_error(result, "--log-file", log_file, "expected a file a log can be appended to")
    assert not (tmp_path / "out").exists()


def test_a_file_the_command_cannot_write_is_named_with_the_option_that_named_it(tmp_path):
    taken = tmp_path / "rapporter"
    taken.write_text("a file where the folder should be", encoding="utf-8")
    result = run_cli(["report", "business-case", "--out", str(taken), "--quiet"])
    assert_one_line_error(result, f"{taken}: --out: ")
    # a file inside a folder an option names, and an option of many files
    missing = tmp_path / "out" / "sub" / "x.csv"
    parsed = argparse.Namespace(out=str(tmp_path / "out"), decisions=["a.csv", str(missing)], quiet=True)
    line = _os_error_line(FileNotFoundError(2, "No such file", str(missing)), parsed, ["--out", "--decisions"])
    assert line == f"{missing}: --decisions: No such file"
    line = _os_error_line(FileNotFoundError(2, "No such file", str(missing)), parsed, [f"--out={tmp_path}/out"])
    assert line == f"{missing}: --out: No such file"
    assert _os_error_line(OSError(22, "Invalid argument"), parsed, ["--out"]) == "Invalid argument"


@pytest.mark.parametrize("command", ["sample", "run"])
def test_an_unexpected_fault_is_one_masked_line_and_exit_1(monkeypatch, capsys, command):
    """Only a command that records runs says that a run is recorded whole or
    not at all (0.9.13 said it after ``types``, which records none)."""
    import argparse

    import invoicekit.cli as cli

    def broken(_args):
        raise ValueError("Unable to parse string '010190-1234'")

    class Parser:
        def __init__(self, _argv=None):
            pass

        def parse_args(self, _argv):
            return argparse.Namespace(command=command, handler=broken, quiet=False, log_file=None)

    monkeypatch.setattr(cli, "build_parser", Parser)
    assert main([command]) == 1
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "unexpected ValueError" in err
        and "010190-xxxx" in err
        and "1234" not in unnumbered(err)
    )
    assert ("a run is recorded whole or not at all" in err) == (command == "run")


def test_the_log_formatter_masks_a_cpr_number_whatever_logs_it():
    record = logging.LogRecord("invoicekit.x", logging.INFO, __file__, 1, "citizen %s, %s", ("0101901234", 7), None)
    shown = MaskingFormatter("%(message)s").format(record)
    assert shown == "citizen 010190-xxxx, 7"


def test_replay_logs_each_month_to_the_log_file(tiny_world, tmp_path, capsys):
    log_file = tmp_path / "replay.log"
    argv = [
        "replay",
        "--world",
        str(tiny_world),
        "--new-journal",
        str(tmp_path / "j.sqlite"),
        "--out",
        str(tmp_path / "r"),
    ]
    assert main([*argv, "--log-file", str(log_file), "--quiet"]) == 0
    text = log_file.read_text(encoding="utf-8")
    assert "month 2018-11: run 1," in text and "month 2018-12: run 2," in text and "replay finished in" in text
    assert CPR_PATTERN.findall(text) == []


# ---------------------------------------------------------------- one problem most rows share


def _invoice_rows(rows: list[str]) -> str:
    return "invoice_id;supplier_cvr;amount;cpr;period_start;period_end\n" + "".join(f"{r}\n" for r in rows)


def test_summary_says_when_most_invoices_share_one_reason(example_case, tmp_path, capsys):
    # the invoices name Solhøj's citizen, but another supplier: the supplier list is the likely cause
    rows = [f"F-{k};19554627;28.500,00;6101901234;01.03.2019;31.03.2019" for k in range(5)]
    rows.append("SOL-1;29345716;28.500,00;6101901234;01.03.2019;31.03.2019")
    (example_case / "regninger.csv").write_text(_invoice_rows(rows), encoding="utf-8")
    assert main(args(example_case, tmp_path / "out")) == 0
    printed = capsys.readouterr()
    line = [s for s in printed.out.splitlines() if s.startswith("Most invoices share one problem")]
    assert line and "5 of 6" in line[0] and "NO_GRANT_FOR_SUPPLIER" in line[0] and "supplier" in line[0].split(";")[1]
    assert "Most invoices" not in printed.err  # the summary says it; the terminal does not say it twice


def test_summary_says_nothing_shared_below_five_or_at_half(example_case, tmp_path, capsys):
    four = [f"F-{k};19554627;28.500,00;6101901234;01.03.2019;31.03.2019" for k in range(4)]
    (example_case / "regninger.csv").write_text(_invoice_rows(four), encoding="utf-8")
    assert main(args(example_case, tmp_path / "o1")) == 0
    assert "share one problem" not in capsys.readouterr().out
    half = [f"F-{k};19554627;28.500,00;6101901234;01.03.2019;31.03.2019" for k in range(5)]
    half += [";29345716;28.500,00;6101901234;01.03.2019;31.03.2019"] * 5  # MISSING_INVOICE_ID
    (example_case / "regninger.csv").write_text(_invoice_rows(half), encoding="utf-8")
    assert main(args(example_case, tmp_path / "o2")) == 0
    printed = capsys.readouterr().out
    assert "NO_GRANT_FOR_SUPPLIER" in printed and "MISSING_INVOICE_ID" in printed
    assert "share one problem" not in printed


def test_with_quiet_the_shared_problem_is_a_warning_on_stderr(example_case, tmp_path, capsys):
    # CPR numbers read as numbers by a spreadsheet lose a leading digit: 9 digits are no CPR number
    rows = ["SOL-1;29345716;28.500,00;6101901234;01.03.2019;31.03.2019"]
    rows += [f"G-{k};29345716;28.500,00;10190123{k};01.03.2019;31.03.2019" for k in range(6)]
    (example_case / "regninger.csv").write_text(_invoice_rows(rows), encoding="utf-8")
    assert main(args(example_case, tmp_path / "out", "--quiet")) == 0
    printed = capsys.readouterr()
    assert printed.out == ""
    warned = [s for s in printed.err.splitlines() if "share one problem" in s]
    assert len(warned) == 1 and "INVALID_CPR" in warned[0] and "leading zeros" in warned[0]


def test_summary_says_when_most_grant_rows_are_left_out_for_one_column(example_case, tmp_path, capsys):
    grants = pd.read_csv(example_case / "bevillinger.csv", dtype=str, keep_default_na=False)
    grants.loc[1:, "cpr"] = grants.loc[1:, "cpr"].str.replace("-", "").str[1:]  # a leading digit lost, as 0s are
    grants.to_csv(example_case / "bevillinger.csv", index=False)
    assert main(args(example_case, tmp_path / "out")) == 0
    line = [s for s in capsys.readouterr().out.splitlines() if s.startswith("Most grant rows share one problem")]
    assert line and "8 of 9" in line[0] and "for their cpr" in line[0] and "leading zeros" in line[0]


def test_every_likely_cause_names_a_reason_the_robot_gives():
    assert set(LIKELY_CAUSE) <= {*REASONS, LINES_MISMATCH}


#: where a block of 16 MB malloc gives lands, and whether it is there again once freed and asked for again
_WHERE_BLOCKS_LAND = """
import ctypes, sys
from invoicekit.cli import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def region(address):
    for line in open("/proc/self/maps"):
        parts = line.split()
        start, end = (int(x, 16) for x in parts[0].split("-"))
        if start <= address < end:
            return parts[5] if len(parts) > 5 else "anonymous"

first = libc.malloc(16 << 20)
ctypes.memset(first, 1, 16 << 20)
where = region(first)
libc.free(first)
again = libc.malloc(16 << 20)
print(kept, where, again == first, region(first) is not None)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc settings: Linux only")
def test_batch_commands_keep_the_memory_they_free():
    """What ``keep_freed_memory`` promises, in a process of its own: a block of
    16 MB comes from the heap, and once freed stays the process's (the next
    such block is the same memory) where glibc's defaults map it apart and
    hand it back to the system on free."""

    def blocks(mode: str) -> list[str]:
        out = subprocess.run([sys.executable, "-c", _WHERE_BLOCKS_LAND, mode], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.split()

    assert blocks("keep") == ["True", "[heap]", "True", "True"]
    kept, where, _again, still_mapped = blocks("default")
    assert (kept, where, still_mapped) == ("None", "anonymous", "False")


def test_run_asks_to_keep_its_freed_memory(example_case, tmp_path, monkeypatch):
    """The command asks for it before deciding (the library never does: a
    notebook's kernel lives on)."""
    import invoicekit.cli as cli

    asked = []
    monkeypatch.setattr(cli, "keep_freed_memory", lambda: asked.append("run") or True)
    assert main(args(example_case, tmp_path / "o1", "--dry-run", "--quiet")) == 0
    assert asked == ["run"]


@pytest.mark.parametrize("when", ["settling the process", "importing the command"])
def test_ctrl_c_while_the_command_starts_is_one_line_not_a_traceback(monkeypatch, capsys, when):
    """Ctrl-C in the first half second (the imports) printed a raw
    KeyboardInterrupt traceback (an attack on 0.9.11); a small run is mostly
    that half second."""
    import types

    import invoicekit_command

    def interrupted(*_args):
        raise KeyboardInterrupt

    if when == "settling the process":
        monkeypatch.setattr(invoicekit_command, "prepare_process", interrupted)
    else:
        cli_module = types.ModuleType("invoicekit.cli")
        cli_module.__getattr__ = interrupted  # the import's `from … import main` asks for it
        monkeypatch.setitem(sys.modules, "invoicekit.cli", cli_module)
    assert invoicekit_command.main(["run", "--help"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "invoicekit: error: stopped (Ctrl-C) while starting; nothing was read or written\n"
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--grants", "g.csv", "--invoices", "i.csv", "--support-sheet", "s.xlsx", "--out", "", "--dry-run"],
        ["run", "--grants", "g.csv", "--invoices", "i.csv", "--support-sheet", "s.xlsx", "--out", "o",
         "--journal", " "],
        ["evaluate", "--decisions", "d.csv", "", "--truth", "t.csv", "--out", "e"],
        ["sample", "draw", "--journal", "j.sqlite", "--month", "2019-01", "--out", ""],
    ],
)  # fmt: skip
def test_a_blank_path_is_refused_before_anything_is_read(argv, tmp_path, monkeypatch, capsys):
    """``--out ""`` (an unset shell variable) recorded a run into the
    current folder (an attack on 0.9.11): a blank file or folder name is now
    refused (exit 2), naming the option."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:  # argparse's own exit, as for any option typed wrong
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "is blank; expected the name of a file or a folder" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("argv", "dest"),
    [
        (["report", "followup", "--journal", "j", "--out", "o", "--control", "a.xlsx", "--control", "b.xlsx"], "control"),
        (["types", "--out", "o", "--invoices", "a.csv", "--invoices", "b.csv"], "invoices"),
        (["types", "--out", "o", "--invoices", "a.csv", "b.csv", "--decisions", "a.csv", "--decisions", "b.csv"],
         "decisions"),
        (["evaluate", "--truth", "t.csv", "--out", "o", "--decisions", "a.csv", "--decisions", "b.csv"], "decisions"),
    ],
)  # fmt: skip
def test_an_option_of_several_files_given_again_keeps_the_files_before(argv, dest):
    """Found by an attack on 0.9.14: ``--control a --control b`` used b
    alone (a rejected sample control left the follow-up without a word), as
    did ``types --invoices`` and ``evaluate --decisions``."""
    args = build_parser(argv).parse_args(argv)
    expected = ["a.xlsx", "b.xlsx"] if dest == "control" else ["a.csv", "b.csv"]
    assert getattr(args, dest) == expected


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["report", "followup", "--journal", "j.sqlite", "--out", "{tmp}/out-0101901234"], "--out"),
        (["report", "business-case", "--journal", "j.sqlite", "--out", "{tmp}/bc-010190-1234"], "--out"),
        (["actions", "--journal", "j.sqlite", "--out", "{tmp}/act-0101901234"], "--out"),
        (["tune", "--world", "w", "--grid", "tolerance=1", "--out", "{tmp}/tune-0101901234"], "--out"),
        (["types", "--invoices", "a.csv", "--out", "{tmp}/0101901234"], "--out"),
        (["explain", "--grants", "g.csv", "--invoices", "i.csv", "--support-sheet", "s.xlsx", "--invoice-id", "F-1",
          "--chart", "{tmp}/0101901234.png"], "--chart"),
        (["replay", "--world", "w", "--new-journal", "{tmp}/j.sqlite", "--out", "{tmp}/0101901234"], "--out"),
        (["replay", "--world", "w", "--new-journal", "{tmp}/0101901234.sqlite", "--out", "{tmp}/r"], "--new-journal"),
        (["evaluate", "--world", "w", "--out", "{tmp}/e-0101901234"], "--out"),
        # made before it is left (a review of the second version: abspath dropped it, mkdir made it)
        (["synth", "--citizens", "10", "--months", "1", "--out", "{tmp}/0101901234/../w"], "--out"),
        (["report", "followup", "--journal", "j.sqlite", "--out", "{tmp}/f/0101901234/../fu"], "--out"),
        (["run", "--grants", "g.csv", "--invoices", "i.csv", "--support-sheet", "s.xlsx", "--dry-run", "--out",
          "{tmp}/o", "--log-file", "{tmp}/0101901234.log"], "--log-file"),
    ],
)  # fmt: skip
def test_no_command_makes_a_file_named_with_a_cpr_number(tmp_path, capsys, argv, option):
    """Found by an attack on 0.9.14: the report, business case, fix list,
    tune, types and explain made a folder or file named with a full CPR
    number (``--out out-0101901234``), then printed its path masked, a path
    that does not exist. Only sample draw and run's journal refused it."""
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    log_file = tmp_path.parent / f"{tmp_path.name}.log"  # beside: the folder is to stay empty
    logged = argv[0] in ("run", "replay") and option != "--log-file"  # the commands with a --log-file
    if logged:
        argv += ["--log-file", str(log_file)]
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert option in line and "holds what reads as a CPR number" in line and "1234" not in unnumbered(line)
    assert list(tmp_path.iterdir()) == []
    if logged:  # the refusal is in the log too (a review of the first version: it was not)
        assert "holds what reads as a CPR number" in log_file.read_text(encoding="utf-8")


def test_a_folder_that_exists_is_never_refused_for_its_name(tmp_path, capsys, monkeypatch):
    """A review of the first version of the check above: it read the whole
    path, so a date-stamped folder that exists (``261204-1030``, the one
    worked in too) refused every report made in it. Only what the command
    makes is looked at."""
    stamped = tmp_path / "261204-1030"
    stamped.mkdir()
    monkeypatch.chdir(stamped)
    argv = ["report", "followup", "--journal", "missing.sqlite", "--out", str(stamped / "rapport")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "CPR" not in err
    assert main([*argv[:-1], "rapport"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_replay_gives_a_month_without_invoices_no_rate(tiny_world, tmp_path, capsys):
    """Found by an attack on 0.9.14: replay's monthly.csv (and its table)
    gave a month without invoices an automation rate of 0.0, where the
    follow-up rightly shows none."""
    import shutil

    world = tmp_path / "w"
    shutil.copytree(tiny_world, world)
    month = sorted((world / "invoices").glob("invoices-*.csv"))[-1]
    month.write_bytes(month.read_bytes().splitlines(keepends=True)[0])  # the header alone
    truth = pd.read_csv(world / "truth.csv", dtype=str, keep_default_na=False)
    truth[truth["month"] != "2018-12"].to_csv(world / "truth.csv", index=False)
    argv = ["replay", "--world", str(world), "--new-journal", str(tmp_path / "j.sqlite"), "--out", str(tmp_path / "r")]
    assert main(argv) == 0
    table = capsys.readouterr().out
    monthly = pd.read_csv(tmp_path / "r" / "monthly.csv", dtype=str, keep_default_na=False)
    assert monthly[["month", "invoices", "automation_rate"]].values.tolist()[1] == ["2018-12", "0", ""]
    assert float(monthly["automation_rate"].iat[0]) > 0
    assert re.search(r"^2018-12\s+0\s+0\s+–", table, re.MULTILINE), table
    # and the year's row, where no month has invoices (a review: it said 0.0 %)
    from invoicekit.replay import format_monthly

    none = pd.DataFrame(
        {"month": ["2018-11"], "invoices": [0], "posted": [0], "automation_rate": [float("nan")],
         "wrong_postings": [float("nan")], "top_reasons": [""]}
    )  # fmt: skip
    assert re.search(r"^all\s+0\s+0\s+–", format_monthly(none), re.MULTILINE)


def test_an_out_that_names_an_input_file_is_named_as_the_out(tmp_path, capsys):
    """Found by an attack on 0.9.14: ``types --invoices X --out X`` said
    "--invoices: File exists", the option that reads X, where --out could
    not be made; since 0.9.32 it says what was expected (a review: "--out: File exists" did not)."""
    extract = tmp_path / "regninger.csv"
    extract.write_bytes((Path(__file__).parent / "data" / "example" / "regninger.csv").read_bytes())
    before = extract.read_bytes()
    assert main(["types", "--invoices", str(extract), "--out", str(extract)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"invoicekit: error: {extract}: --out: is a file, or lies under one; expected a folder"]
    assert extract.read_bytes() == before
