"""How many examples the suite's costly property tests draw: one definition for every test file.

``make test`` draws a fifth of the examples each costly property test was written with (never fewer than
ten), so that the whole suite keeps to about ten minutes on two cores. ``pytest --deep`` (``make
test-deep``) draws them all, as before a release. Hypothesis keeps every example that ever failed in
``.hypothesis/`` and tries it first the next time, whatever the depth. ``tests/conftest.py`` sets
:data:`DEEP` from the option before any test file is collected (test files call :func:`examples` when
they are imported)."""

from __future__ import annotations

import os

#: pytest --deep: every property test draws the examples it was written with
DEEP = False
#: the share of those examples make test draws
LIGHT_SHARE = 5
LEAST = 10


def examples(written: int, more: str | None = None) -> int:
    """The examples a property test written with ``written`` draws now: all of them with ``--deep``, else a
    fifth (at least :data:`LEAST`, never more than written). ``more`` names an environment variable that,
    when set to a whole number, is taken as it is (to draw more than written, as a fuzzing session does)."""
    if more is not None and os.environ.get(more, "").strip():
        text = os.environ[more].strip()
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"{more}={text!r}: expected a whole number of examples, 1 or more")
        return int(text)
    if DEEP:
        return written
    return min(written, max(LEAST, -(-written // LIGHT_SHARE)))
