"""Strip a notebook's outputs, so that what git stores of notebooks/ is the
code and the text only (outputs can hold a citizen's data and make every
diff noise).

As git's clean filter (``.gitattributes`` names it for notebooks/*.ipynb;
each clone turns it on once, ``make lab`` does)::

    git config filter.strip-notebook-outputs.clean "python3 scripts/strip_notebook_outputs.py"

git then stores every notebook stripped while the working copy keeps its
outputs. With file names, it strips those files in place instead::

    python3 scripts/strip_notebook_outputs.py notebooks/*.ipynb

Outputs and execution counts go; everything else, the JSON layout included
(one-space indent, UTF-8 as it is), stays as Jupyter wrote it. Only the
standard library: the filter runs with whatever python3 git finds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def stripped(text: str) -> str:
    """The notebook ``text`` without outputs and execution counts."""
    book = json.loads(text)
    for cell in book.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)  # timings some front ends record
    return json.dumps(book, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if not argv:  # git's clean filter: the notebook on stdin, the stripped one on stdout
        sys.stdout.write(stripped(sys.stdin.read()))
        return 0
    for name in argv:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        clean = stripped(text)
        if clean != text:
            path.write_text(clean, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    sys.exit(main(sys.argv[1:]))
