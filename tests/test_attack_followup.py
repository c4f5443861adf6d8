"""An attack on the follow-up's, the actions' and the analyst commands'
(evaluate, tune, explain, replay, sample) reading of what a user hands them
beside the journal: a truth file, options, and the journal's own recorded
rules. A truth describes the invoices of one world; it must never be counted
against other invoices, and a file that cannot be used is a user's mistake:
one line, exit 2 (README, "Reports: follow-up and the business case").

Each test here once got through (found by an attack session on 0.9.7)."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from invoicekit.cli import main
from invoicekit.evaluate import evaluate
from invoicekit.followup import followup, load_decisions
from invoicekit.journal import key_path
from tests.test_attacks import one_line


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    from invoicekit.replay import replay
    from synthetic import synthesize

    tmp = tmp_path_factory.mktemp("followup")
    synthesize("baseline", seed=5, out=tmp / "world", months=2, citizens=80)
    synthesize("baseline", seed=7, out=tmp / "other", months=1, citizens=20)
    replay(tmp / "world", tmp / "replay", tmp / "journal.sqlite")
    return tmp


def wrong(journal: Path, truth: Path) -> int:
    return int(followup(journal, truth=truth).wrong["wrong"].sum())


def test_another_worlds_truth_is_refused(world, tmp_path, capsys):
    """Joined on month and row alone, another world's truth made up wrong
    postings (12 in the attack) where the right truth finds none."""
    argv = ["report", "followup", "--journal", str(world / "journal.sqlite"), "--out", str(tmp_path / "f")]
    assert main([*argv, "--truth", str(world / "other" / "truth.csv")]) == 2
    one_line(capsys.readouterr().err, "names none of the decisions' invoices")
    assert not (tmp_path / "f").exists()


def test_a_truth_row_for_another_invoice_is_not_counted(world):
    """Rows whose invoice differs from the journal's at that month and row
    count as without truth, never as a wrong posting."""
    truth = pd.read_csv(world / "world" / "truth.csv", dtype=str, keep_default_na=False)
    right = evaluate(load_decisions(world / "journal.sqlite"), truth)
    posted = truth.index[truth["should_pay"] == "true"]
    changed = truth.copy()
    changed.loc[posted, "invoice_id"] = "X" + changed.loc[posted, "invoice_id"]
    changed.loc[posted, "should_pay"] = "false"  # would make every posting wrong, if it were counted
    other = evaluate(load_decisions(world / "journal.sqlite"), changed)
    assert other.summary["posted_wrong"] == 0
    assert other.summary["without_truth"] == right.summary["without_truth"] + len(posted)


def _header_only(truth: pd.DataFrame) -> pd.DataFrame:
    return truth.head(0)


def _excel_months(truth: pd.DataFrame) -> pd.DataFrame:
    return truth.assign(month="01-" + truth["month"].str[5:] + "-" + truth["month"].str[:4])


def _row_not_a_number(truth: pd.DataFrame) -> pd.DataFrame:
    truth = truth.copy()
    truth.loc[3, "row"] = "abc"
    return truth


def _row_zero(truth: pd.DataFrame) -> pd.DataFrame:
    truth = truth.copy()
    truth.loc[3, "row"] = "0"  # replay refused it, evaluate read it: one reading now
    return truth


def _line_twice(truth: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([truth, truth.iloc[[4]]], ignore_index=True)


@pytest.mark.parametrize(
    ("make", "says"),
    [(_header_only, "holds no invoices"), (_excel_months, "is no month"), (_row_not_a_number, "is no row number"),
     (_row_zero, "'0' is no row number"), (_line_twice, "comes again")],
    ids=["header only", "months as Excel saves them", "row not a number", "row 0", "a line twice"],
)  # fmt: skip
def test_a_truth_file_that_cannot_be_used_is_one_line_and_exit_2(world, tmp_path, capsys, make, says):
    truth = make(pd.read_csv(world / "world" / "truth.csv", dtype=str, keep_default_na=False))
    truth.to_csv(tmp_path / "truth.csv", index=False)
    argv = ["report", "followup", "--journal", str(world / "journal.sqlite"), "--out", str(tmp_path / "f")]
    assert main([*argv, "--truth", str(tmp_path / "truth.csv")]) == 2
    one_line(capsys.readouterr().err, says, f"{tmp_path / 'truth.csv'}: ")  # the file, not 'truth'
    argv = [
        "evaluate",
        "--decisions",
        str(world / "replay" / "2018-11" / "decisions.csv"),
        "--out",
        str(tmp_path / "e"),
    ]
    assert main([*argv, "--truth", str(tmp_path / "truth.csv")]) == 2
    one_line(capsys.readouterr().err, says, f"{tmp_path / 'truth.csv'}: ")


def test_two_runs_in_a_month_with_a_truth(world, tmp_path, capsys):
    """A municipality that runs weekly has two runs in a month, their rows
    numbered from 1 each: the join on month and row failed (exit 1), and
    the second run's invoices must not take the first run's truth."""
    journal = tmp_path / "journal.sqlite"
    shutil.copy(world / "journal.sqlite", journal)
    shutil.copy(key_path(world / "journal.sqlite"), key_path(journal))  # a run needs its key file too
    month = sorted((world / "world" / "invoices").glob("invoices-*.csv"))[-1]
    lines = month.read_text(encoding="cp1252").splitlines()
    week = tmp_path / month.name.replace(".csv", "-uge2.csv")
    week.write_text("\n".join([lines[0], *("B" + line for line in lines[1:])]) + "\n", encoding="cp1252")
    grants = sorted((world / "world" / "sensum").glob("grants-*.csv"))[-1]
    argv = ["run", "--grants", str(grants), "--invoices", str(week), "--support-sheet",
            str(world / "world" / "stoetteark.xlsx"), "--journal", str(journal), "--out", str(tmp_path / "r"), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    before = wrong(world / "journal.sqlite", world / "world" / "truth.csv")
    assert wrong(journal, world / "world" / "truth.csv") == before
    argv = ["report", "followup", "--journal", str(journal), "--truth", str(world / "world" / "truth.csv")]
    assert main([*argv, "--out", str(tmp_path / "f"), "--quiet"]) == 0


@pytest.mark.parametrize("stored", ["not json", "[1, 2]", '{"tolerance": "abc"}'])
@pytest.mark.parametrize("command", [["actions"], ["report", "followup"]])
def test_damaged_recorded_rules_are_one_line_and_exit_2(world, tmp_path, capsys, stored, command):
    journal = tmp_path / "journal.sqlite"
    shutil.copy(world / "journal.sqlite", journal)
    with sqlite3.connect(journal) as conn:
        conn.execute("UPDATE runs SET rules = ? WHERE run_id = (SELECT max(run_id) FROM runs)", (stored,))
    conn.close()
    assert main([*command, "--journal", str(journal), "--out", str(tmp_path / "o")]) == 2
    one_line(capsys.readouterr().err, "recorded rules are damaged")


def test_a_replay_reads_the_same_whenever_it_is_made(world, tmp_path):
    """What a run says of an earlier one ("i kørsel 1 den …") quoted the day
    the replay was made, so the same world replayed on another day (or in
    another time zone) gave other decisions and notes; the journal now says
    each replayed run started on its month's run date."""
    import datetime as dt

    from invoicekit.journal import Journal
    from invoicekit.run import run
    from invoicekit.vocabulary import month_run_date

    with Journal(world / "journal.sqlite", readonly=True) as j:
        runs = j.runs()
    months = sorted(p.name for p in (world / "replay").iterdir() if p.is_dir())
    assert [s[:10] for s in runs["started_at"]] == [month_run_date(m).isoformat() for m in months]
    # a run given when it started says so in the journal, and a later run quotes that day
    example = Path(__file__).parent / "data" / "example"
    files = (example / "bevillinger.csv", example / "regninger.csv", example / "stoetteark.xlsx")
    then = dt.datetime(2019, 3, 29, 6, tzinfo=dt.UTC)
    run(*files, tmp_path / "a", new_journal=tmp_path / "j.sqlite", started_at=then)
    again = run(*files, tmp_path / "b", journal=tmp_path / "j.sqlite")
    quoted = set(re.findall(r"kørsel 1 den (\d\d\.\d\d\.\d{4})", " ".join(again.decisions["message"])))
    assert quoted == {"29.03.2019"}


def test_explain_with_the_journal_decides_as_the_recorded_run_did(world, capsys):
    """Explained with the journal that recorded its run, every invoice of
    the month came out as a duplicate of itself (142 of 195 rows other than
    the run decided): the run's own decisions counted as earlier ones."""
    month = sorted(p.name for p in (world / "replay").iterdir() if p.is_dir())[-1]
    decisions = pd.read_csv(world / "replay" / month / "decisions.csv", dtype=str, keep_default_na=False)
    once = decisions.drop_duplicates("invoice_id", keep=False)  # an invoice sent twice shows both rows
    picked = pd.concat([once[once["status"] == "posted"].head(4), once[once["status"] == "manual"].head(4)])
    w = world / "world"
    argv = ["explain", "--grants", str(w / "sensum" / f"grants-{month}.csv"), "--invoices",
            str(w / "invoices" / f"invoices-{month}.csv"), "--support-sheet", str(w / "stoetteark.xlsx"),
            "--rules", str(w / "rules.toml"), "--journal", str(world / "journal.sqlite")]  # fmt: skip
    for d in picked.itertuples():
        assert main([*argv, "--invoice-id", d.invoice_id]) == 0
        out = capsys.readouterr().out
        assert out.startswith("Afgjort, som kørsel 2 i journalen")
        result = next(line for line in out.splitlines() if line.startswith("Resultat:"))
        if d.status == "posted":
            assert result.startswith("Resultat: bogført"), (d, result)
        else:
            assert d.reason in result, (d, result)


def test_explain_with_the_journal_decides_with_the_rules_the_run_recorded(tmp_path, capsys):
    """explain --journal said it decided the invoice as the recorded run had,
    but with the default rules (or --rules): an invoice the run sent to manual
    for its amount limit was shown as posted."""
    example = Path(__file__).parent / "data" / "example"
    strict = tmp_path / "strict.toml"
    strict.write_text("max_amount = 20000.00\n", encoding="utf-8")
    files = ["--grants", str(example / "bevillinger.csv"), "--invoices", str(example / "regninger.csv"),
             "--support-sheet", str(example / "stoetteark.xlsx")]  # fmt: skip
    journal = tmp_path / "j.sqlite"
    run_argv = ["run", *files, "--rules", str(strict), "--new-journal", str(journal), "--out", str(tmp_path / "o")]
    assert main([*run_argv, "--quiet"]) == 0
    decided = pd.read_csv(tmp_path / "o" / "decisions.csv", dtype=str, keep_default_na=False)
    assert decided.loc[decided["invoice_id"] == "SOL-1001", "reason"].iat[0] == "AMOUNT_ABOVE_LIMIT"
    capsys.readouterr()
    argv = ["explain", *files, "--journal", str(journal), "--invoice-id", "SOL-1001"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("Afgjort, som kørsel 1 i journalen afgjorde denne fakturafil") and "med dens regler" in out
    assert "AMOUNT_ABOVE_LIMIT" in next(line for line in out.splitlines() if line.startswith("Resultat:"))
    # other rules given on purpose are used, and said to differ from the run's
    assert main([*argv, "--rules", str(example / "rules.toml")]) == 0
    out = capsys.readouterr().out
    assert "de afviger fra de regler, kørslen brugte (max_amount)" in out
    assert next(line for line in out.splitlines() if line.startswith("Resultat:")).startswith("Resultat: bogført")
    assert main([*argv, "--rules", str(strict)]) == 0
    assert "er dem, kørslen brugte" in capsys.readouterr().out
    with sqlite3.connect(journal) as conn:
        conn.execute("UPDATE runs SET rules = ?", ('{"tolerance": "abc"}',))
    conn.close()
    assert main(argv) == 2
    one_line(capsys.readouterr().err, "recorded rules are damaged")


def test_explain_chart_must_be_a_png(world, tmp_path, capsys):
    month = sorted(p.name for p in (world / "replay").iterdir() if p.is_dir())[-1]
    w = world / "world"
    first = pd.read_csv(world / "replay" / month / "decisions.csv", dtype=str, keep_default_na=False)["invoice_id"][0]
    argv = ["explain", "--grants", str(w / "sensum" / f"grants-{month}.csv"), "--invoices",
            str(w / "invoices" / f"invoices-{month}.csv"), "--support-sheet", str(w / "stoetteark.xlsx"),
            "--invoice-id", first]  # fmt: skip
    assert main([*argv, "--chart", str(tmp_path / "funnel.txt")]) == 2
    one_line(capsys.readouterr().err, ".png")


@pytest.mark.parametrize("command", [["evaluate"], ["tune", "--grid", "tolerance=0,1"]])
def test_a_worlds_truth_cut_short_is_refused_as_replay_refuses_it(world, tmp_path, capsys, command):
    """replay refused a truth of two rows; evaluate --world reported on two
    invoices, and tune recommended a rule set with 100 % automation and no
    errors from them."""
    shutil.copytree(world / "world", tmp_path / "w")
    truth = (tmp_path / "w" / "truth.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "w" / "truth.csv").write_text("\n".join(truth[:3]) + "\n", encoding="utf-8")
    assert main([*command, "--world", str(tmp_path / "w"), "--out", str(tmp_path / "o")]) == 2
    one_line(capsys.readouterr().err, "truth.csv", "expected one per invoice row")


# ---------------------------------------------------------------- the analyst's options


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["evaluate", "--world", "{w}", "--truth", "{w}/truth.csv"], "--truth"),
        (["evaluate", "--decisions", "{r}/decisions.csv", "--truth", "{w}/truth.csv", "--rules", "nope.toml"],
         "--rules"),
        (["tune", "--world", "{w}", "--grid", "tolerance=0,1", "--max-error", "-1"], "--max-error"),
        (["tune", "--world", "{w}", "--grid", "tolerance=0,1", "--max-error", "150%"], "--max-error"),
        (["tune", "--world", "{w}", "--grid", "tolerance=0,1", "--max-error", "nan"], "--max-error"),
        (["tune", "--world", "{w}", "--grid", "tolerance=0;tolerance=25"], "given twice"),
        (["sample", "size", "--tolerable", "1e-17"], "--tolerable"),
    ],
    ids=["evaluate world with a truth", "evaluate decisions with rules", "max-error -1", "max-error 150%",
         "max-error nan", "a grid key twice", "a tolerable rate of nothing"],
)  # fmt: skip
def test_an_option_that_would_be_read_past_is_refused(world, tmp_path, capsys, argv, says):
    """Each of these was accepted and did something else than asked (the
    truth or rules given were read past, the last grid key kept) or crashed."""
    month = sorted(p.name for p in (world / "replay").iterdir() if p.is_dir())[-1]
    argv = [a.format(w=world / "world", r=world / "replay" / month) for a in argv]
    assert main([*argv, "--out", str(tmp_path / "o")] if argv[0] != "sample" else argv) == 2
    one_line(capsys.readouterr().err, says)


def test_an_output_workbook_that_is_a_folder_is_one_line(world, tmp_path):
    """The error line was followed, as the process ended, by openpyxl's
    half-written sheets torn down: tracebacks on stderr (a fresh process sees them)."""
    import subprocess
    import sys

    (tmp_path / "o" / "evaluation.xlsx").mkdir(parents=True)
    argv = [
        sys.executable,
        "-m",
        "invoicekit_command",
        "evaluate",
        "--world",
        str(world / "world"),
        "--out",
        str(tmp_path / "o"),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    one_line(done.stderr, "evaluation.xlsx", "Is a directory")


def test_decisions_with_a_row_that_is_no_number_are_one_line(world, tmp_path, capsys):
    month = sorted(p.name for p in (world / "replay").iterdir() if p.is_dir())[-1]
    lines = (world / "replay" / month / "decisions.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = "abc" + lines[2][lines[2].index(",") :]
    (tmp_path / month).mkdir()
    (tmp_path / month / "decisions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = [
        "evaluate",
        "--decisions",
        str(tmp_path / month / "decisions.csv"),
        "--truth",
        str(world / "world" / "truth.csv"),
    ]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    one_line(capsys.readouterr().err, "'abc' is no row number")


@pytest.mark.parametrize("command", [["actions"], ["report", "followup"]])
def test_an_output_folder_that_cannot_be_written_is_exit_1_for_every_report(world, tmp_path, capsys, command):
    """actions said exit 2 where the reports said 1 for the same folder:
    files that could not be written are exit 1, as for a run."""
    import subprocess

    locked = tmp_path / "locked"
    locked.mkdir()
    if subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode != 0:
        locked.chmod(0o555)
    try:
        try:
            (locked / "probe").mkdir()
        except OSError:
            pass
        else:
            pytest.skip("this user can write into any folder, and chattr is not to be had")
        assert main([*command, "--journal", str(world / "journal.sqlite"), "--out", str(locked / "o")]) == 1
        one_line(capsys.readouterr().err, "could not be written")
    finally:
        subprocess.run(["chattr", "-i", str(locked)], capture_output=True)
        locked.chmod(0o755)


def test_actions_out_that_is_a_file_is_exit_2(world, tmp_path, capsys):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    assert main(["actions", "--journal", str(world / "journal.sqlite"), "--out", str(tmp_path / "afile")]) == 2
    one_line(capsys.readouterr().err, "is a file")


def test_postings_the_truth_has_no_row_for_are_said_not_checked(world, tmp_path, capsys):
    """Truth rows of postings deleted: the follow-up still said 'Wrong
    postings found in the truth: N' over the postings left, and its table
    counted fewer postings than the month had, with no word of those never
    checked (an attack on 0.9.11). Now each month says how many postings
    were checked and how many were not."""
    journal = world / "journal.sqlite"
    d = load_decisions(journal)
    truth = pd.read_csv(world / "world" / "truth.csv", dtype=str, keep_default_na=False)
    full = followup(journal, truth=truth).wrong
    assert (full["unchecked"] == 0).all() and (full["checked"] == full["posted"]).all()
    posted = d[d["status"] == "posted"]
    last = posted["month"].max()
    gone = posted[posted["month"] == last].head(5)
    keys = set(zip(gone["month"], gone["row"].astype(str), strict=True))
    cut = truth[[(m, r) not in keys for m, r in zip(truth["month"], truth["row"], strict=True)]]
    assert len(cut) == len(truth) - 5
    path = tmp_path / "truth.csv"
    cut.to_csv(path, index=False)
    w = followup(journal, truth=cut).wrong.set_index("month")
    assert w.loc[last, "posted"] == full.set_index("month").loc[last, "posted"]
    assert w.loc[last, "unchecked"] == 5 and w.loc[last, "checked"] == w.loc[last, "posted"] - 5
    assert (
        main(["report", "followup", "--journal", str(journal), "--truth", str(path), "--out", str(tmp_path / "f")]) == 0
    )
    out = capsys.readouterr().out
    assert "5 automatic postings have no row in the truth and were not checked" in out
    html = (tmp_path / "f" / "followup.html").read_text(encoding="utf-8")
    assert "Bogføringer uden række i facit, ikke kontrolleret" in html and "Ikke i facit, ikke kontrolleret" in html


def test_one_month_is_said_in_the_singular():
    from invoicekit.followup import FollowUp

    h = {"months": 1, "invoices": 690, "posted": 277, "automation_rate": 0.4, "last_month": "2019-10",
         "last_month_rate": 0.4, "last_month_again": 0, "target": 0.5, "hours_saved": 12.0, "value_dkk": 4800.0,
         "wrong_postings": None}  # fmt: skip

    class One(FollowUp):
        def __init__(self):
            self.controls = None
            self.reasons = pd.DataFrame({"reason": ["X"], "points": [1.0]})

        def headline(self):
            return h

    assert One().text().startswith("690 invoices in 1 month, 277 posted automatically")
    h["months"] = 2
    assert One().text().startswith("690 invoices in 2 months, ")


def test_explain_of_a_file_run_twice_explains_its_first_run(tmp_path, capsys):
    """Found by a newcomer's walk-through of 0.9.14: after the README's worked
    example (the same file run twice), explain --journal explained run 2, in
    which every invoice is a duplicate of itself, not run 1, which decided it."""
    from invoicekit.run import run

    example = Path(__file__).parent / "data" / "example"
    files = (example / "bevillinger.csv", example / "regninger.csv", example / "stoetteark.xlsx")
    run(*files, tmp_path / "run1", new_journal=tmp_path / "j.sqlite")
    run(*files, tmp_path / "run2", journal=tmp_path / "j.sqlite")
    argv = ["explain", "--grants", str(files[0]), "--invoices", str(files[1]), "--support-sheet", str(files[2]),
            "--invoice-id", "KIL-202", "--journal", str(tmp_path / "j.sqlite")]  # fmt: skip
    capsys.readouterr()
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("Afgjort, som kørsel 1 i journalen afgjorde denne fakturafil (den første af dens 2 kørsler)")
    assert "AMOUNT_MISMATCH" in next(line for line in out.splitlines() if line.startswith("Resultat:"))
