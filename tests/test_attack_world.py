"""An attack on world folders: what ``synth`` leaves behind when it is
stopped, what it may delete, and what ``replay``, ``evaluate`` and ``tune``
take from a world edited by hand. Each test here once got through (found by
an attack session on 0.9.8): a replay recorded months before it refused the
truth, leaving a journal it could not resume; a half-written world replayed
with the robot's default rules; an empty ``world.json`` let synth delete a
folder of real extracts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import synthetic
from invoicekit.cli import main
from synthetic import synthesize


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world") / "w"
    synthesize("baseline", seed=6, out=out, months=3, citizens=30)
    return out


def _copy(made: Path, tmp_path: Path) -> Path:
    shutil.copytree(made, tmp_path / "w")
    return tmp_path / "w"


def _replay(tmp_path: Path) -> list[str]:
    return ["replay", "--world", str(tmp_path / "w"), "--new-journal", str(tmp_path / "j.sqlite"),
            "--out", str(tmp_path / "r")]  # fmt: skip


def _edit_truth(world: Path, edit) -> None:
    lines = (world / "truth.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (world / "truth.csv").write_text("".join(edit(lines)), encoding="utf-8")


def _cell(lines: list[str], k: int, column: str, value: str) -> list[str]:
    header = lines[0].rstrip("\n").split(",")
    cells = lines[k].rstrip("\n").split(",")
    cells[header.index(column)] = value
    return [*lines[:k], ",".join(cells) + "\n", *lines[k + 1 :]]


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda ls: ls[:-1], "rows for invoices-2019-01.csv"),  # the last month's last row cut
        (lambda ls: [ls[0], *ls[2:]], "rows for invoices-2018-11.csv"),  # the first row cut
        (lambda ls: _cell(ls, 3, "row", "2"), "names row 2 of 2018-11 again"),
        (lambda ls: _cell(ls, 3, "row", "inf"), "is no row number"),
        (lambda ls: _cell(ls, 3, "row", "3.9"), "is no row number"),
        (lambda ls: _cell(ls, 3, "row", "3.0"), "'3.0' is no row number"),  # replay read it, evaluate refused it
        (lambda ls: _cell(ls, 3, "month", "2018-1"), "is no month"),
        (lambda ls: _cell(ls, 3, "should_pay", "måske"), "row 4, column should_pay"),
        (lambda ls: _cell(ls, 3, "supplier_cvr", "11111111"), "names another supplier CVR number"),
        (lambda ls: [ln.replace("invoice_id", "fakturanr", 1) if i == 0 else ln for i, ln in enumerate(ls)],
         "invoice_id: missing"),
    ],
    ids=["last row cut", "first row cut", "a row twice", "row inf", "row 3.9", "row 3.0", "bad month", "bad should_pay",
         "another supplier", "no invoice_id"],
)  # fmt: skip
def test_replay_refuses_a_bad_truth_before_it_records_a_month(made, tmp_path, capsys, edit, said):
    world = _copy(made, tmp_path)
    _edit_truth(world, edit)
    assert main(_replay(tmp_path)) == 2
    err = capsys.readouterr().err
    assert said in err and "unexpected" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "j.sqlite").exists() and not (tmp_path / "r").exists()


def test_a_truth_of_a_month_before_the_world_is_refused_a_world_cut_short_is_not(made, tmp_path, capsys):
    world = _copy(made, tmp_path)
    _edit_truth(world, lambda ls: [*ls, *(ln.replace("2018-11,", "2018-10,", 1) for ln in ls[1:3])])
    assert main(_replay(tmp_path)) == 2
    assert "month 2018-10: has no invoice file in the world" in capsys.readouterr().err
    shutil.rmtree(world)
    world = _copy(made, tmp_path)
    (world / "invoices" / "invoices-2019-01.csv").unlink()  # the world ends a month sooner: its truth may not
    (world / "sensum" / "grants-2019-01.csv").unlink()
    assert main([*_replay(tmp_path), "--quiet"]) == 0


def test_a_world_that_lost_its_first_month_or_gained_one_is_refused(made, tmp_path, capsys):
    world = _copy(made, tmp_path)
    (world / "invoices" / "invoices-2018-11.csv").unlink()
    (world / "sensum" / "grants-2018-11.csv").unlink()
    assert main(_replay(tmp_path)) == 2
    assert "invoices-2018-11: is missing; world.json says the world has the months 2018-11 to 2019-01" in (
        capsys.readouterr().err
    )
    shutil.rmtree(world)
    world = _copy(made, tmp_path)
    shutil.copy(world / "invoices" / "invoices-2019-01.csv", world / "invoices" / "invoices-2019-02.csv")
    shutil.copy(world / "sensum" / "grants-2019-01.csv", world / "sensum" / "grants-2019-02.csv")
    assert main(_replay(tmp_path)) == 2
    assert "invoices-2019-02: is no month of this world" in capsys.readouterr().err


def test_a_synth_stopped_half_way_leaves_a_world_every_reader_refuses_and_the_next_synth_replaces(
    tmp_path, capsys, monkeypatch
):
    real = synthetic.generate

    def stopped(world, out, **kw):
        real(world, out, **kw)  # every month written, then stopped before rules.toml and the counts
        raise KeyboardInterrupt

    monkeypatch.setattr(synthetic, "generate", stopped)
    with pytest.raises(KeyboardInterrupt):
        synthesize("baseline", seed=6, out=tmp_path / "w", months=2, citizens=20)
    monkeypatch.undo()
    assert json.loads((tmp_path / "w" / "world.json").read_text(encoding="utf-8"))["complete"] is False
    for argv in (_replay(tmp_path), ["evaluate", "--world", str(tmp_path / "w"), "--out", str(tmp_path / "e")],
                 ["tune", "--world", str(tmp_path / "w"), "--grid", "tolerance=1,2"]):  # fmt: skip
        assert main(argv) == 2
        assert "world.json: says the world was still being written" in capsys.readouterr().err
    assert not (tmp_path / "j.sqlite").exists()
    assert main(["synth", "--citizens", "20", "--months", "2", "--out", str(tmp_path / "w"), "--quiet"]) == 0
    assert json.loads((tmp_path / "w" / "world.json").read_text(encoding="utf-8"))["complete"] is True
    assert main([*_replay(tmp_path), "--quiet"]) == 0


@pytest.mark.parametrize("content", ["", "{}", '{"note": "my own"}', "not json"])
def test_synth_deletes_nothing_on_the_strength_of_a_world_json_it_did_not_write(tmp_path, capsys, content):
    real = tmp_path / "kommune"
    (real / "invoices").mkdir(parents=True)
    (real / "invoices" / "regninger-2024-01.csv").write_text("x\n", encoding="utf-8")
    (real / "world.json").write_text(content, encoding="utf-8")
    assert main(["synth", "--citizens", "20", "--months", "1", "--out", str(real), "--quiet"]) == 2
    assert "is not one invoicekit synth wrote" in capsys.readouterr().err
    assert (real / "invoices" / "regninger-2024-01.csv").read_text(encoding="utf-8") == "x\n"


def test_a_baseline_made_over_a_lines_world_leaves_no_line_truth_behind(tmp_path):
    synthesize("lines", seed=6, out=tmp_path / "w", months=2, citizens=60)
    assert (tmp_path / "w" / "truth-lines.csv").exists()
    synthesize("baseline", seed=6, out=tmp_path / "w", months=2, citizens=60)
    assert not (tmp_path / "w" / "truth-lines.csv").exists()


def test_synth_says_where_it_wrote_without_a_cpr_number_and_refuses_a_nation_of_citizens(tmp_path, capsys):
    # a folder so named is not made (since 0.9.15; it was, and named masked, a path that does not exist)
    out = tmp_path / "0101401234"
    assert main(["synth", "--citizens", "20", "--months", "1", "--out", str(out)]) == 2
    said = capsys.readouterr().err
    assert "010140-xxxx" in said and "0101401234" not in said and "--out" in said
    assert not out.exists()
    assert main(["synth", "--citizens", "1000000000000", "--months", "1", "--out", str(tmp_path / "c")]) == 2
    assert "--citizens: 1,000,000,000,000 is out of range; expected 10 to 200,000" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "change",
    [{"share_no_cpr": 1.5}, {"share_no_cpr": -0.5}, {"new_grant_lag": (0.2, 0.2)}, {"citizens_per_supplier": 0},
     {"offer_mix": {"999": 1.0}}, {"keying_error_rate": float("nan")}, {"months": 0}, {"citizens": 5}],
    ids=["share above 1", "share below 0", "lag not adding up", "no citizens per supplier", "unknown offer",
         "nan", "no months", "five citizens"],
)  # fmt: skip
def test_synthesize_refuses_parameters_no_municipality_has(tmp_path, change):
    """Found by an attack session on 0.9.8: months=0 wrote an empty world and
    returned, shares of 1.5 were taken, and citizens_per_supplier=0 stopped
    half-way with a ZeroDivisionError."""
    from synthetic.scenario import Params

    name = next(iter(change))
    with pytest.raises(ValueError, match=f"Params.{name} = "):
        synthesize("baseline", seed=1, out=tmp_path / "w", params=Params().replace(**change))
    assert not (tmp_path / "w").exists()


def test_synth_over_a_world_whose_folder_is_a_link_replaces_the_link_not_what_it_points_to(made, tmp_path):
    world = _copy(made, tmp_path)
    (tmp_path / "elsewhere").mkdir()
    shutil.move(world / "invoices", tmp_path / "elsewhere" / "invoices")
    (world / "invoices").symlink_to(tmp_path / "elsewhere" / "invoices")
    kept = sorted(p.name for p in (tmp_path / "elsewhere" / "invoices").iterdir())
    assert main(["synth", "--citizens", "20", "--months", "1", "--out", str(world), "--quiet"]) == 0
    assert not (world / "invoices").is_symlink()
    assert sorted(p.name for p in (tmp_path / "elsewhere" / "invoices").iterdir()) == kept


@pytest.mark.parametrize("cvr", ["٣٢٠٣٨٣٦٠", "３２０３８３６０", "710899-2916"], ids=["arabic", "full-width", "a cpr"])
def test_a_truth_that_copies_the_files_supplier_cvr_as_written_is_the_files(made, tmp_path, capsys, cvr):
    """Found by a review of 0.9.9: the file's CVR is typed (digits made 0-9, a
    CPR number masked) and the truth's was compared as written: refused."""
    import csv
    import io

    world = _copy(made, tmp_path)
    path = world / "invoices" / "invoices-2018-11.csv"
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("cp1252")
    sep = ";" if ";" in text.splitlines()[0] else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    column = next(i for i, h in enumerate(rows[0]) if "cvr" in h.casefold())
    rows[1][column] = cvr
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    _edit_truth(world, lambda ls: _cell(ls, 1, "supplier_cvr", cvr))
    assert main([*_replay(tmp_path), "--quiet"]) == 0, capsys.readouterr().err
