"""Attack r17 on the r16 mends (0.9.45: a stopped run delivered in its own version's order; the letters'
embedded packages read member by member).

Each test fails on the code as found and passes once its defect is mended. The robot scenes use the example
municipality of tests/test_attacks.py: citizen 610190-1234, grant B-1001 (§ 108 at Solhøj, 28,500 kr. a
month); ``month(m)`` is its invoice for month ``m`` of 2019."""

from __future__ import annotations

from invoicekit.delivery import PROGRESS  # the delivery's note of how far it got
from tests.test_attacks import month
from tests.test_attacks import robot as robot  # a fixture, found by its name
from tests.test_review_0945_mends2 import _delivered, _killed_while_delivering


def test_a_payment_file_lost_from_staging_right_after_the_last_file_moved_passes_as_delivered(robot):
    """Scenario: run 2 (March, F-1, 28.500,00 kr.) is recorded by this version and killed (a power cut) while
    its files are moved into ``o1`` in this version's own order (by name, ``run.json`` last), right after
    ``opus_notes.csv``: ``decision_lines.csv``, ``decisions.csv``, ``input_problems.csv`` and ``opus_notes.csv``
    are in place; ``opus_postings.csv``, ``sensum_paid.csv`` and ``run.json`` are still staged. Before the next
    run ``opus_postings.csv`` is lost from the staging folder (a clean-up, a virus scanner's quarantine): it was
    never delivered. Then April's run on the journal.

    Now: exit 0, "run 2's files were delivered into o1; opus_postings.csv have been taken from there since
    (imported?)", run 2 marked delivered, April decided. ``deliver``/``_moved_before`` (delivery.py) infer from
    the staging folder alone that a file gone while a later one is still staged was moved and then imported;
    the r16 mend kept only the run's own order, but in that order the file right after the last one moved is
    exactly as ambiguous: the state (not staged, not in place, later files staged) is the same whether the
    delivery moved it and the import took it, or it never left the staging folder. r16's test killed after
    ``decisions.csv``; killed one step later (after ``opus_notes.csv``) the same loss passes.

    README, *What happens on a crash*: "… and the staged files were deleted | a recorded run without its
    files | stops with exit 2 naming the run and the folder, and decides nothing until they are restored";
    the r16 mend's own words: "either order for every run let a payment file lost from the staging folder
    pass as delivered".

    Why it matters: March's payment file never reaches OPUS, yet the journal records the month as posted and
    delivered (its grant period paid, its invoice a DUPLICATE_INVOICE from now on) and the only word is a
    warning that it was probably imported: a month's payment lost without an error."""
    assert robot.reasons(month(1, invoice_id="F-0"), out="o0") == [""]
    staging = _killed_while_delivering(robot, "opus_notes.csv")
    o1 = robot.tmp / "o1"
    assert (o1 / "opus_notes.csv").is_file() and not (o1 / "opus_postings.csv").exists()
    assert sorted(p.name for p in staging.iterdir() if p.name != PROGRESS) == [
        "opus_postings.csv",
        "run.json",
        "sensum_paid.csv",
    ]
    (staging / "opus_postings.csv").unlink()  # lost, never delivered

    code, printed, _ = robot.run(month(4, invoice_id="F-2"), out="o2")
    said = printed.out + printed.err
    # observed: exit 0, "opus_postings.csv have been taken from there since (imported?)", run 2 marked delivered
    assert code == 2, said
    assert "opus_postings.csv" in said and "taken from there since" not in said, said
    assert not _delivered(robot.journal, 2)
