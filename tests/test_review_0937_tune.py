"""``tune`` judges a collective invoice posted line by line by its lines, as ``evaluate`` does (0.9.36
taught ``evaluate``, the replay and the follow-up to read ``truth-lines.csv``; tuning still compared the
invoice's row of the truth, which lists each PSP element once, and counted a line on the wrong PSP
element as a right posting)."""

from __future__ import annotations

from invoicekit.evaluate import evaluate
from invoicekit.replay import load_world, simulate_with_lines
from invoicekit.tune import tune
from tests.test_review_0936_evaluate import _collective_world


def _judged(world, rules) -> dict:
    """What ``evaluate`` says of a replay of ``world`` under ``rules``, its collective invoices by their lines."""
    decisions, lines = simulate_with_lines(world, rules, messages=False)
    return evaluate(decisions, world.truth, lines, world.truth_lines).summary


def test_tuning_counts_a_collective_line_on_the_wrong_psp_element_as_a_wrong_posting(tmp_path):
    """A world whose one collective invoice is posted with line 2 on the § 108 PSP element where its
    truth line says § 104: every rule set that posts it posts it wrong. ``tune`` counted it right (0 wrong,
    error rate 0 %) and so recommended the widest rule set as safe; its table must count what
    ``evaluate`` of the same replay counts (README, tune: each rule set is "evaluated against its truth")."""
    w = tmp_path / "w"
    _collective_world(w)
    world = load_world(w)
    judged = _judged(world, world.rules)
    assert judged["posted"] == 1 and judged["posted_wrong"] == 1, judged  # the referee: evaluate's own judgement
    tuning = tune(world, "max_amount=20000,100000", max_error=0.005)
    for rules, row in zip((20_000.0, 100_000.0), tuning.table.sort_values("max_amount").itertuples(), strict=True):
        alone = world.rules.replace(max_amount=rules)
        own = _judged(world, alone)
        assert (row.posted, row.posted_wrong) == (own["posted"], own["posted_wrong"]), (rules, row, own)
    assert tuning.table["posted_wrong"].max() == 1, tuning.table.to_dict("records")
    assert not tuning.table["recommended"].any(), "a rule set that posts the miscoded line was recommended as safe"


def test_notebook_02_judges_the_collective_invoice_by_its_lines(tmp_path):
    """Notebook 02, pointed at the same world (``WORLD``), says the one posting is wrong, by the truth and
    by the specialists' postings alike, and says which PSP element was wrong on a line; it showed "wrong postings 0 of 1"."""
    import nbformat
    from nbclient import NotebookClient

    from tests.test_notebooks import NOTEBOOKS, _outputs, _text

    w = tmp_path / "w"
    _collective_world(w)
    path = next(p for p in NOTEBOOKS if p.name.startswith("02_"))
    book = nbformat.read(path, as_version=4)
    injected = nbformat.v4.new_code_cell(f'WORLD = r"{w}"\nGRID = "max_amount=20000,100000"')
    injected.metadata["tags"] = ["injected-parameters"]
    book.cells.insert(2, injected)
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    texts = "\n".join(_text(o) for o in _outputs(book))
    assert "wrong postings 1 of 1" in texts, texts[:2000]
    assert "forkert PSP-element XG-5385000108-00001 på lin" in texts, texts[:3000]  # the table cuts it there
