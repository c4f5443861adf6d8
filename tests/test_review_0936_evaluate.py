"""A collective invoice posted line by line is judged by its lines against a world's truth-lines.csv
(an attack on 0.9.35 found a line posted on another line's PSP element judged right: the invoice's row
of the truth lists each PSP element once, as decisions.csv lists the robot's)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicekit.cli import main

SOLHOJ = "29345716"
P108, P104 = "XG-5385000108-00001", "XG-5385900104-00001"


def _collective_world(w: Path) -> None:
    """A one-month world (as ``invoicekit synth --scenario lines`` lays it out): a collective invoice of
    Solhøj for three citizens, sent with its lines. The second citizen's grant G2 is the right grant, but
    Sensum has it under the wrong service (SEL108-BO where it is an activity offer, SEL104-AKT): the robot
    posts line 2 on the § 108 PSP element, where it belongs on the § 104 one. The truth says so, line by
    line in ``truth-lines.csv``; ``truth.csv`` lists the invoice's PSP elements each once, in line order,
    as ``synthetic/write.py::_with_line_truth`` writes them and as ``decisions.csv`` lists the robot's."""
    (w / "invoices").mkdir(parents=True)
    (w / "sensum").mkdir()
    with pd.ExcelWriter(w / "stoetteark.xlsx") as x:
        pd.DataFrame(
            [("SEL108-BO", "108", "Udviklingshæmmede"), ("SEL104-AKT", "104", "Udviklingshæmmede")],
            columns=["service_code", "paragraph", "target_group"],
        ).to_excel(x, sheet_name="services", index=False)
        pd.DataFrame([(SOLHOJ, "privat")], columns=["supplier_cvr", "ownership"]).to_excel(
            x, sheet_name="suppliers", index=False
        )
        pd.DataFrame(
            [
                ("108", "privat", "Udviklingshæmmede", P108, "40000000", "2018-01-01", ""),
                ("104", "privat", "Udviklingshæmmede", P104, "40000000", "2018-01-01", ""),
            ],
            columns=["paragraph", "ownership", "target_group", "psp_element", "art", "valid_from", "valid_to"],
        ).to_excel(x, sheet_name="coding", index=False)
    pd.DataFrame(
        [
            ("G1", "6101901234", "SEL108-BO", SOLHOJ, "28500.00", "month", "2018-01-01", ""),
            ("G2", "6212031122", "SEL108-BO", SOLHOJ, "31200.00", "month", "2018-01-01", ""),  # truly § 104
            ("G3", "7203854321", "SEL104-AKT", SOLHOJ, "10000.00", "month", "2018-01-01", ""),
        ],
        columns=["grant_id", "cpr", "service_code", "supplier_cvr", "rate", "rate_unit", "start_date", "end_date"],
    ).to_csv(w / "sensum" / "grants-2019-03.csv", index=False)
    pd.DataFrame(
        [("SOL-2000", SOLHOJ, "69700.00", "610190-1234, 621203-1122, 720385-4321", "2019-03-01", "2019-03-31",
          "Samlefaktura marts 2019")],
        columns=["invoice_id", "supplier_cvr", "amount", "cpr", "period_start", "period_end", "text"],
    ).to_csv(w / "invoices" / "invoices-2019-03.csv", index=False)  # fmt: skip
    pd.DataFrame(
        [("SOL-2000", SOLHOJ, "1", "610190-1234", "28500.00"), ("SOL-2000", SOLHOJ, "2", "621203-1122", "31200.00"),
         ("SOL-2000", SOLHOJ, "3", "720385-4321", "10000.00")],
        columns=["invoice_id", "supplier_cvr", "line_no", "cpr", "amount"],
    ).to_csv(w / "invoices" / "invoice-lines-2019-03.csv", index=False)  # fmt: skip
    pd.DataFrame(
        [("2019-03", "1", "SOL-2000", SOLHOJ, "collective", "G1;G2;G3", "true", f"{P108};{P104}", "40000000",
          "wrong_service_in_sensum")],
        columns=["month", "row", "invoice_id", "supplier_cvr", "invoice_type", "true_grant_id", "should_pay",
                 "true_psp_element", "true_art", "cause"],
    ).to_csv(w / "truth.csv", index=False)  # fmt: skip
    pd.DataFrame(
        [("2019-03", "1", "SOL-2000", SOLHOJ, "1", "G1", "true", P108, "40000000", "regular"),
         ("2019-03", "1", "SOL-2000", SOLHOJ, "2", "G2", "true", P104, "40000000", "wrong_service_in_sensum"),
         ("2019-03", "1", "SOL-2000", SOLHOJ, "3", "G3", "true", P104, "40000000", "regular")],
        columns=["month", "row", "invoice_id", "supplier_cvr", "line_no", "true_grant_id", "should_pay",
                 "true_psp_element", "true_art", "cause"],
    ).to_csv(w / "truth-lines.csv", index=False)  # fmt: skip
    # what the specialists posted: a line a citizen, line 2 on the § 104 element
    pd.DataFrame(
        [("SOL-2000", SOLHOJ, "28500.00", P108, "40000000"), ("SOL-2000", SOLHOJ, "31200.00", P104, "40000000"),
         ("SOL-2000", SOLHOJ, "10000.00", P104, "40000000")],
        columns=["invoice_id", "supplier_cvr", "amount", "psp_element", "art"],
    ).to_csv(w / "opus_history.csv", index=False)  # fmt: skip


def test_a_collective_line_posted_on_the_wrong_psp_element_is_judged_a_wrong_posting(tmp_path, capsys):
    """An auditor measuring the robot's error rate (``evaluate``; the same judgement feeds ``report followup
    --truth``, the business case's measured error rate and ``tune``'s recommendation) is told a collective
    invoice was posted right when one of its lines went to the wrong PSP element: the truth of a collective
    invoice is compared as one string of its PSP elements, each once (``XG-108;XG-104``), so a robot posting
    108, 108, 104 and a truth of 108, 104, 104 read alike. The wrong posting is hidden from the error rate
    (README, evaluate: ``posted_right`` is "same grant, PSP element and art as the truth"; and "A test
    checks that the history judges the world exactly as its truth does, except where only the grant was
    wrong": here the grant is right, and the history judges the invoice wrong while the truth judges it
    right)."""
    w = tmp_path / "w"
    _collective_world(w)
    assert main(["evaluate", "--world", str(w), "--out", str(tmp_path / "by_truth")]) == 0, capsys.readouterr().err
    assert main(["evaluate", "--world", str(w), "--history", str(w / "opus_history.csv"),
                 "--out", str(tmp_path / "by_history")]) == 0, capsys.readouterr().err  # fmt: skip
    by_truth = pd.read_csv(tmp_path / "by_truth" / "evaluation.csv", dtype=str)
    by_history = pd.read_csv(tmp_path / "by_history" / "evaluation.csv", dtype=str)
    assert by_truth["status"].tolist() == ["posted"]
    assert by_history["outcome"].tolist() == ["posted_wrong"]  # the history sees line 2 on the wrong element
    assert by_truth["outcome"].tolist() == ["posted_wrong"], (
        "the truth judged right a collective invoice whose line 2 was posted on the § 108 PSP element "
        f"where truth-lines.csv says § 104: {by_truth.iloc[0].to_dict()}"
    )


def test_the_replay_the_follow_up_and_evaluate_of_run_files_judge_the_collective_invoice_by_its_lines(tmp_path, capsys):
    """The same world replayed into a journal: the replay's monthly wrong postings, `report followup
    --truth` (its wrong postings and error rate) and `evaluate --decisions` of the replay's run files
    with the world's truth.csv (its truth-lines.csv beside it) each count the miscoded line's invoice
    as one wrong posting, where 0.9.35 counted none."""
    w = tmp_path / "w"
    _collective_world(w)
    journal, out = tmp_path / "j.sqlite", tmp_path / "replay"
    assert main(["replay", "--world", str(w), "--new-journal", str(journal), "--out", str(out), "--quiet"]) == 0
    monthly = pd.read_csv(out / "monthly.csv", dtype=str)
    assert monthly["wrong_postings"].tolist() == ["1"], monthly.to_dict("records")
    argv = ["evaluate", "--decisions", str(out / "2019-03" / "decisions.csv"), "--truth", str(w / "truth.csv"),
            "--out", str(tmp_path / "ev"), "--quiet"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    ev = pd.read_csv(tmp_path / "ev" / "evaluation.csv", dtype=str)
    assert ev["outcome"].tolist() == ["posted_wrong"]
    assert "på linje 2" in ev["why"].iat[0] and P104 in ev["why"].iat[0], ev["why"].iat[0]
    from invoicekit.followup import followup

    wrong = followup(journal, truth=w / "truth.csv").wrong
    assert wrong["wrong"].tolist() == [1] and wrong["checked"].tolist() == [1], wrong.to_dict("records")


def test_a_collective_invoice_whose_lines_are_all_right_stays_right_when_judged_line_by_line(tmp_path, capsys):
    """The line-by-line judgement takes nothing from a right posting: with Sensum's grant G2 under the
    § 104 service, every line is on its truth's PSP element, and the invoice is posted right."""
    w = tmp_path / "w"
    _collective_world(w)
    grants = w / "sensum" / "grants-2019-03.csv"
    g = pd.read_csv(grants, dtype=str, keep_default_na=False)
    g.loc[g["grant_id"] == "G2", "service_code"] = "SEL104-AKT"
    g.to_csv(grants, index=False)
    assert main(["evaluate", "--world", str(w), "--out", str(tmp_path / "ev"), "--quiet"]) == 0
    ev = pd.read_csv(tmp_path / "ev" / "evaluation.csv", dtype=str, keep_default_na=False)
    assert ev["outcome"].tolist() == ["posted_right"], ev.to_dict("records")
