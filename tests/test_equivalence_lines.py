"""The fast path decides collective invoices line by line as the reference (the cases and the test
are in ``test_equivalence.py``; a file of its own so that the suite's two processes run it beside the
rest of the equivalence tests)."""

from tests.test_equivalence import collective_invoices_are_decided_line_by_line_as_the_reference

test_collective_invoices_are_decided_line_by_line_as_the_reference = (
    collective_invoices_are_decided_line_by_line_as_the_reference
)
