"""Errors that mean an input cannot be used at all.

A bad *row* is never an error: it becomes a manual decision or an entry in
``input_problems``. Only a whole file, sheet, column or rules key that cannot be
used raises :class:`InputError`; the command line turns it into one line on
stderr and exit status 2.
"""

from __future__ import annotations

import contextlib
import errno
import stat
from collections.abc import Iterable
from pathlib import Path

#: the attribute a failure raised after a command's work was done carries: what was done, for the error to say
#: beside it (:func:`done_before`)
DONE = "invoicekit_done"


def done_before(exc: BaseException, done: str) -> None:
    """Mark ``exc``, raised once the work was done (a run recorded and delivered), with ``done`` (``run 2 is
    recorded, and its files are in o1``), unless an earlier mark says it: a Ctrl-C or a fault as the summary
    was made read as a run that failed, and its payment file was not imported (an attack on 0.9.44)."""
    if not getattr(exc, DONE, None):
        with contextlib.suppress(AttributeError, TypeError):  # one that takes no attribute: said as before
            setattr(exc, DONE, done)


def first_named(names: list[str], most: int = 5) -> str:
    """The first ``most`` of ``names`` for one line of an error or warning,
    and how many more there are (``a, b, c, d, e and 2 more``)."""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


class InputError(ValueError):
    """An input file (or rules file) that cannot be used.

    ``source`` names the file, ``where`` the sheet, column or key, and
    ``expected`` says what was expected there.
    """

    def __init__(self, source: str | Path | None, where: str | None, expected: str) -> None:
        self.source = str(source) if source is not None else None
        self.where = where
        self.expected = expected
        super().__init__(self.line())

    def line(self) -> str:
        """The one line the command line prints."""
        parts = [p for p in (self.source, self.where) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.expected}" if prefix else self.expected


class MissingFileError(InputError, FileNotFoundError):
    """An input file that does not exist. It is a :class:`FileNotFoundError`
    (an :class:`OSError`, as pandas and ``open`` raise) for callers of the
    ``read_*`` functions, and an :class:`InputError` for the command line,
    which prints its one line and exits 2."""

    def __init__(self, source: str | Path, expected: str = "file not found") -> None:
        super().__init__(source, None, expected)
        self.errno = errno.ENOENT
        self.strerror = expected
        self.filename = str(source)

    def __str__(self) -> str:  # OSError's "[Errno 2] …" would win otherwise
        return self.line()


#: the largest input file read: an extract of a million invoices is about 200 MB
MAX_INPUT_BYTES = 1_000_000_000
#: the largest settings file read (rules, a business case): a few lines of TOML
MAX_TOML_BYTES = 10_000_000


def check_input_file(path: Path, expected: str, max_bytes: int = MAX_INPUT_BYTES) -> None:
    """Refuse, before it is opened, what is no regular file of a readable size: a folder, a device
    (``/dev/zero``, read without end), a pipe (a command reading one waits for a writer, forever from a
    cron job: an attack found five options that did) or a socket, or a file over ``max_bytes``;
    saying what was ``expected``."""
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(path, None, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):  # a folder named *.xlsx was called a device, a pipe or a socket (0.9.25)
        raise InputError(path, None, f"is a folder; expected {expected}")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(path, None, f"is not a regular file (a device, a pipe or a socket); expected {expected}")
    if st.st_size > max_bytes:
        raise InputError(path, None, f"is {st.st_size:,} bytes; expected {expected} under {max_bytes:,} bytes")


def read_toml_text(path: Path, expected: str) -> str:
    """The text of a settings file (TOML) that :func:`check_input_file` let
    through: UTF-8, a byte order mark (Notepad's "UTF-8 with BOM") left out.
    A file in another encoding (Notepad's "ANSI" or "Unicode") is refused
    saying so, where the rules file said "not valid TOML ('utf-8' codec
    can't decode byte 0xe6 …)" (an attack on 0.9.38)."""
    data = path.read_bytes()
    kind = _binary_kind(data)
    if kind is not None:
        # a workbook given for the rules was told to be saved again in Notepad as UTF-8 (an attack on 0.9.40)
        raise InputError(path, None, f"is {kind}, not text; expected {expected}, a text file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        saved = "UTF-16 (Notepad's 'Unicode')"
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            saved = "another encoding (Notepad's 'ANSI', Windows-1252?)"
    raise InputError(path, None, f"is not UTF-8 text but {saved}; expected {expected} saved as UTF-8 (in Notepad: "
                     "Save as, Encoding UTF-8)")  # fmt: skip


#: the first bytes of files people give where a settings file is asked for, and what they are
_BINARY_KINDS = (
    (b"PK\x03\x04", "a zip archive (an Excel workbook, .xlsx, or a Word document?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.xls or .doc)"),
    (b"%PDF", "a PDF file"),
)


def _binary_kind(data: bytes) -> str | None:
    return next((kind for magic, kind in _BINARY_KINDS if data.startswith(magic)), None)


def refuse_given_twice(paths: Iterable[str | Path], option: str | None, advice: str) -> None:
    """Refuse a file named twice among ``paths`` (by two spellings of one
    path too): read twice, each of its rows would count twice (an extract's
    invoices as resends of themselves, a run's numberless decisions twice).
    The error names the second naming and the first, then ``advice``."""
    given: dict[Path, str | Path] = {}
    for p in paths:
        key = Path(p).resolve()
        if key in given:
            raise InputError(p, option, f"is given twice (as {given[key]} too); {advice}")
        given[key] = p


class OutputError(RuntimeError):
    """A run's files or its journal could not be written or delivered (a full
    disk, a file in use): one line for the user, exit status 1. The message
    names the file."""


def make_folder(folder: Path, option: str = "--out") -> None:
    """``folder`` made with its parents, where a report writes: one that
    cannot be made is a file that could not be written (:class:`OutputError`,
    exit 1), as the report's own files are; but a folder that is a file, or
    lies under one, is the user's mistake (:class:`InputError`, exit 2, as
    ``run`` and ``tune`` say it; ``report``, ``actions`` and ``sample draw``
    said exit 1, as for a full disk, until 0.9.32: an attack)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(folder, option, "is a file, or lies under one; expected a folder") from None
    except OSError as exc:
        raise OutputError(f"{folder}: could not be written ({exc.strerror or exc})") from None
