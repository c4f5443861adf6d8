"""Where a notebook's relative paths start: its own folder, wherever the
kernel was started (JupyterLab starts it there; papermill or nbclient in the
folder they were run from).

The notebook's folder is, first, the one Jupyter names in the kernel's
``JPY_SESSION_NAME`` (jupyter_server sets it to the notebook's path); else
the working folder when it holds a notebook of the name of one of the
checkout's (papermill, nbclient or VS Code started in the folder of a copy of
a notebook, beside the municipality's own journal); else the ``notebooks``
folder of the checkout this package runs from (an editable install: papermill
from the checkout's root, which writes its output notebook, ``out.ipynb``, in
the working folder before a cell runs); else the working folder. Until 0.9.21
the checkout's folder came before the working folder: a copied notebook run by
nbclient in its own folder read from and wrote into the checkout (an analyst's
walk-through).
"""

from __future__ import annotations

import os
from pathlib import Path

#: the checkout's notebooks folder, beside the package
CHECKOUT_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def notebook_folder() -> Path:
    """The folder of the running notebook (see the module's docstring)."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb") and Path(session).is_absolute() and Path(session).parent.is_dir():
        return Path(session).parent
    here = Path.cwd()
    ours = {p.name for p in CHECKOUT_NOTEBOOKS.glob("*.ipynb")}
    if any((here / name).is_file() for name in ours):
        return here
    if ours:
        return CHECKOUT_NOTEBOOKS
    return here


def from_notebook(path: str | os.PathLike | None, folder: Path | None = None) -> Path | None:
    """``path`` as given when it is absolute (``~`` expanded), else read from
    the notebook's folder (``folder``, by default :func:`notebook_folder`);
    None stays None (a parameter left out)."""
    if path is None:
        return None
    given = Path(path).expanduser()
    if given.is_absolute():
        return given
    return Path(os.path.normpath((folder or notebook_folder()) / given))
