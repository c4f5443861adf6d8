"""The version of invoicekit, as run.json, the journal and the reports name it.
A leaf, so that any module may say which version wrote a file (kept equal to
``pyproject.toml``'s; a test checks it)."""

__version__ = "0.9.45"
