"""The fast path decides as the reference on a messy support sheet, and reads Sensum's marks there as
it does (the cases and the tests are in ``test_equivalence.py``; ``MESSY_EXAMPLES`` sets how many; a file
of its own so that the suite's two processes run it beside the rest of the equivalence tests)."""

from tests.test_equivalence import (
    fast_path_decides_as_the_reference_on_a_messy_support_sheet,
    sensum_marks_on_a_messy_support_sheet_are_read_as_the_reference,
)

test_fast_path_decides_as_the_reference_on_a_messy_support_sheet = (
    fast_path_decides_as_the_reference_on_a_messy_support_sheet
)
test_sensum_marks_on_a_messy_support_sheet_are_read_as_the_reference = (
    sensum_marks_on_a_messy_support_sheet_are_read_as_the_reference
)
