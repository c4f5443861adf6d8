"""The version of invoicekit, as run.json, the journal and the reports name it,
and the reading of a version a journal recorded (:func:`recorded_before`).
A leaf, so that any module may say which version wrote a file (kept equal to
``pyproject.toml``'s; a test checks it)."""

import re

__version__ = "0.9.45"


def recorded_before(tool: str, version: tuple[int, int, int]) -> bool:
    """Whether ``tool``, a version as the journal keeps a run's (``0.9.44``, ``invoicekit 0.9.19``), is one
    before ``version``; one that cannot be read is not known to be."""
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", tool)
    return found is not None and tuple(int(x) for x in found.groups()) < version
