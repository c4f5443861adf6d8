"""A run's output folder: nothing a run recorded is ever lost.

- **One run at a time** writes into a folder: it holds an operating-system
  lock on ``.invoicekit.lock`` there, which ends with the process however the
  process ends.
- **A recorded run's folder is never reused**: a folder whose ``run.json``
  belongs to a recorded run is refused, as is one holding output files
  without a ``run.json`` (an older version's run) and one in which the run
  would replace one of its own input files. A dry run's files may be
  replaced.
- **Staging**: the files are written to ``.invoicekit-staging-*`` inside the
  folder and flushed to disk before the journal commits; then they are moved
  into place, ``run.json`` last, and the journal records the delivery.
- **Recovery**: a run killed after its commit and before delivery leaves its
  staged files and an undelivered run in the journal; the next run on that
  journal delivers them first (:func:`deliver`), or stops with the run and the
  folder named when they are gone. Staging folders of runs that were never
  recorded (killed before their commit) are removed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from invoicekit.errors import InputError, OutputError
from invoicekit.identifiers import is_utf8_path, mask_cpr_text, shown_path
from invoicekit.vocabulary import danish_moment

log = logging.getLogger(__name__)

MANIFEST = "run.json"
#: the note in a staging folder naming the file its delivery moves next (written before each move): how far a
#: stopped delivery got, so that a file gone after that one was lost, not delivered and imported since
PROGRESS = ".delivering"
LOCK = ".invoicekit.lock"
STAGING_PREFIX = ".invoicekit-staging-"


def read_only(path: str | Path, **kwargs: object) -> sqlite3.Connection:
    """A read-only SQLite connection to the file ``path``: its name quoted as
    a URI, so a ``#`` or ``?`` in it is no query (``j#2.sqlite`` opened ``j``)."""
    return sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True, timeout=30, **kwargs)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class HashedFile:
    """A file being written, whose SHA-256 and size are taken from what is
    written, so it is never read back to be checked. ``facts`` gives what
    :func:`file_facts` would."""

    closed = False  # pyarrow's writers ask before they write

    def __init__(self, path: Path) -> None:
        self._file = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._hash = hashlib.sha256()
        self._bytes = 0

    def write(self, data: bytes | memoryview) -> int:
        self._hash.update(data)  # hashlib lets go of the interpreter for big blocks
        n = self._file.write(data)
        self._bytes += n
        return n

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._file.close()

    def facts(self) -> dict[str, object]:
        return {"sha256": self._hash.hexdigest(), "bytes": self._bytes}

    def __enter__(self) -> HashedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fsync_path(path: Path) -> None:
    """Flush a file or folder to disk (a folder: its entries). A file that
    cannot be flushed (a full disk, an I/O error) raises
    :class:`OutputError` naming it: its data may never reach the disk, and a
    run recorded beside it could lose its payment file to a power cut (an
    attack on 0.9.26: every error was ignored). A folder that cannot be
    opened or flushed as such (Windows; some file systems) is passed by;
    one that fails to flush for any other reason raises the same."""
    folder = os.path.isdir(path)
    try:
        # a file opened for writing: Windows flushes no file opened only to read (EBADF: a review)
        fd = os.open(path, os.O_RDONLY if folder else os.O_RDWR)
    except OSError as exc:
        if folder:
            return  # folders cannot be opened on Windows
        raise OutputError(f"could not flush {path} to disk ({exc.strerror or exc})") from None
    try:
        os.fsync(fd)
    except OSError as exc:
        if not (exc.errno in _NO_FOLDER_FLUSH and folder):
            raise OutputError(f"could not flush {path} to disk ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


#: what flushing a folder gives where the file system does not flush folders
_NO_FOLDER_FLUSH = frozenset({errno.EINVAL, errno.EBADF, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTSUP})


def remove_staging(staging: Path, names: tuple[str, ...] | list[str]) -> None:
    """Remove a staging folder this run made: the run's files in it
    (``names``), then the folder. Anything else in it was put there by
    someone else (a folder another run delivered its files into, a journal)
    and is kept, with the folder, and said (an attack on 0.9.26: the folder
    was removed whole, and another journal's recorded run with it)."""
    for name in (*names, PROGRESS):
        path = staging / name
        with contextlib.suppress(FileNotFoundError):
            if path.is_symlink() or path.is_file():
                path.unlink()
    try:
        os.rmdir(staging)
    except FileNotFoundError:
        pass
    except OSError:
        log.warning("%s holds what this run did not put there; the folder is left as it is", staging)


def crash_point(name: str) -> None:
    """For the tests: ``INVOICEKIT_CRASH_AT=<name>`` kills the process here,
    as a power cut or a kill -9 would. Points: ``while-writing``,
    ``before-commit``, ``after-commit``, ``mid-delivery``,
    ``before-delivered-mark``."""
    if os.environ.get("INVOICEKIT_CRASH_AT") == name:
        sys.stdout.flush()
        os._exit(137)


# ---------------------------------------------------------------- the lock


class FolderLock:
    """An exclusive lock on a folder, held until :meth:`release` or the end of
    the process. ``wait`` seconds are waited for another holder to let go."""

    def __init__(self, folder: Path, wait: float = 0.0) -> None:
        self.path = folder / LOCK
        #: the folders :func:`prepare` made for the run, and the one holding the first of them (outermost last)
        self.made: tuple[Path, ...] = ()
        self._file = open(self.path, "a+b")  # noqa: SIM115 - held until release()
        deadline = time.monotonic() + wait
        while True:
            try:
                _lock_file(self._file)
                return
            except OSError:
                if time.monotonic() >= deadline:
                    self._file.close()
                    raise InputError(
                        folder,
                        None,
                        "is in use by another invoicekit run; wait for it to finish or choose another folder",
                    ) from None
                time.sleep(0.2)

    def release(self) -> None:
        if not self._file.closed:
            self._file.close()  # closing releases the lock


def _lock_file(f) -> None:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


# ---------------------------------------------------------------- the folder


#: the most a run's ``run.json`` is read for (a run's is a few kB)
MAX_MANIFEST_BYTES = 16 << 20


def read_regular(path: Path, most: int) -> bytes:
    """A small regular file's bytes (a ``run.json``, a journal's key file), at
    most ``most`` of them: anything else (a pipe named ``run.json``, which the
    run waited on for ever, holding the folder's lock: an attack on 0.9.35) is
    opened without waiting and refused, :class:`OSError` as a read's are."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(most + 1)
    finally:
        os.close(fd)
    if len(data) > most:
        raise OSError(errno.EFBIG, f"over {most:,} bytes")
    return data


def read_manifest(path: Path) -> dict | None:
    """A ``run.json``, or None when there is none. One that cannot be read is
    an error: whose files the folder holds cannot be told."""
    if not path.exists():
        return None
    try:
        data = json.loads(read_regular(path, MAX_MANIFEST_BYTES).decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    except (OSError, ValueError) as exc:
        raise InputError(
            path, None, f"cannot be read ({exc}); expected the manifest of an earlier run: choose a new --out folder"
        ) from None


def prepare(
    out_dir: Path, output_files: tuple[str, ...], inputs: list[Path], journal: Path | None, recovering: bool = True
) -> FolderLock:
    """Create and lock ``out_dir`` and check that the run may write there
    (see the module's docstring). Returns the lock, to be released when the
    run's files are in place. ``recovering`` says that this run delivers its
    journal's undelivered runs first (a dry run does not)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, None, "exists and is not a folder; expected an output folder")
    if _reads_as_cpr(str(out_dir.absolute())):
        raise InputError(
            mask_cpr_text(str(out_dir.absolute())),
            None,
            "holds what reads as a CPR number; choose a folder (and a path to it) without one",
        )
    if not is_utf8_path(out_dir.absolute()):
        raise InputError(
            shown_path(out_dir.absolute()),
            None,
            "is not named in UTF-8 (the journal finds the folder again by its name); choose a folder named in UTF-8",
        )
    if out_dir.absolute().name.startswith(STAGING_PREFIX):
        raise InputError(out_dir, None, f"is named like a staging folder ({STAGING_PREFIX}…); choose another name")
    # the folders this run makes, and the one that holds the first of them: their entries are flushed to disk with
    # the run's files (:func:`file_facts`)
    made = [folder for folder in (out_dir.absolute(), *out_dir.absolute().parents) if not folder.exists()]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            out_dir, None, f"cannot be created ({exc.strerror or exc}); expected an output folder"
        ) from None
    if _reads_as_cpr(str(out_dir.resolve())):  # a link may lead where the name did not say
        raise InputError(out_dir, None, "leads to a folder whose path holds what reads as a CPR number")
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise InputError(out_dir, None, "is not writable; expected an output folder I can write in")
    try:
        lock = FolderLock(out_dir)
    except OSError as exc:
        raise InputError(
            out_dir, None, f"cannot be locked ({exc.strerror or exc}); expected a folder I can write in"
        ) from None
    lock.made = tuple(made) + ((made[-1].parent,) if made else ())
    try:
        _check_folder(out_dir, (*output_files, MANIFEST), inputs, journal, recovering)
    except BaseException:
        lock.release()
        raise
    return lock


def _reads_as_cpr(text: str) -> bool:
    return mask_cpr_text(text) != text


def _check_folder(
    out_dir: Path, names: tuple[str, ...], inputs: list[Path], journal: Path | None, recovering: bool
) -> None:
    for name in names:
        target = out_dir / name
        if target.is_dir():
            raise InputError(target, None, "is a folder; expected to write an output file there")
        for source in inputs:
            with contextlib.suppress(OSError):
                if target.exists() and os.path.samefile(target, source):
                    raise InputError(
                        source,
                        None,
                        f"is an input of this run and would be replaced by its {name}; choose another --out",
                    )
    manifest = read_manifest(out_dir / MANIFEST)
    if manifest is not None and (manifest.get("run_id") is not None or manifest.get("dry_run") is not True):
        if manifest.get("run_id") is not None:
            whose = (
                f"run {manifest['run_id']}, recorded in the journal {manifest.get('journal') or '?'} "
                f"on {danish_moment(manifest.get('started_at', '?'))[:10]}"
            )
        else:
            whose = "a run made without a journal, whose payment file may have been used"
        raise InputError(
            out_dir,
            None,
            f"holds the files of {whose}; only a dry run's files are ever replaced: choose a new --out folder",
        )
    recorded_here = _runs_delivered_to(journal, out_dir) if journal is not None else []
    for run_id, delivered in recorded_here:
        if not delivered:
            raise InputError(
                out_dir,
                None,
                f"holds the undelivered files of run {run_id} of the journal {journal}; run invoicekit run (not a "
                "dry run) with that journal to deliver them first, into this folder, then choose a new --out",
            )
        raise InputError(
            out_dir,
            None,
            f"is where run {run_id} of the journal {journal} put its files; a recorded run's files are "
            "never replaced: choose a new --out folder",
        )
    if manifest is None:
        present = [n for n in names if (out_dir / n).exists()]
        if present:
            raise InputError(
                out_dir,
                None,
                f"holds output files ({', '.join(present)}) without a run.json, perhaps of a run recorded by an "
                "earlier version; they are never replaced: choose a new --out folder",
            )
    for name in names:
        target = out_dir / name
        if target.exists() and not os.access(target, os.W_OK):
            raise InputError(target, None, "is read-only; expected to replace it (a dry run's file)")
    for staging in sorted(out_dir.glob(STAGING_PREFIX + "*")):
        if staging.is_dir() and not staging.is_symlink():
            _leftover(staging, journal, recovering, removable=_made_by_a_run(staging, names))


#: the name :func:`new_staging` gives a folder: the prefix and tempfile's eight characters
_STAGING_NAME = re.compile(re.escape(STAGING_PREFIX) + r"[a-z0-9_]{8}")


def _made_by_a_run(staging: Path, names: tuple[str, ...]) -> bool:
    """Whether a folder named like a staging folder is one a run made: the
    name :func:`new_staging` gives, and nothing in it but files of ``names``
    (a run's files). Any other folder is not the robot's to remove, whatever
    its name: an attack on 0.9.20 found a recorded run's delivered files in
    ``.invoicekit-staging-archive/2019-03``, and a journal in such a folder,
    removed by the next run into the folder above it."""
    if not _STAGING_NAME.fullmatch(staging.name):
        return False
    try:
        return all(
            (p.name in names or p.name == PROGRESS) and p.is_file() and not p.is_symlink() for p in staging.iterdir()
        )
    except OSError:
        return False


def _runs_delivered_to(journal: Path, out_dir: Path) -> list[tuple[int, bool]]:
    """The runs of ``journal`` whose files go to ``out_dir``, and whether
    they are delivered."""
    if not journal.exists():
        return []
    try:
        conn = read_only(journal)
        try:
            have = {r[1] for r in conn.execute("PRAGMA table_info(runs)")}
            if "out_dir" not in have:
                return []
            rows = conn.execute(
                "SELECT run_id, delivered_at FROM runs WHERE out_dir = ? ORDER BY run_id", (str(out_dir.resolve()),)
            )
            return [(int(r[0]), r[1] is not None) for r in rows]
        finally:
            conn.close()
    except sqlite3.Error:
        return []  # the journal itself is checked, with a clear message, when the run opens it


def _leftover(staging: Path, journal: Path | None, recovering: bool, removable: bool = True) -> None:
    """A staging folder left by a killed run. It is removed when its run was
    never recorded (a kill before the commit) or was delivered; a recorded,
    undelivered run's staging folder is kept: this run delivers it first, or
    (another journal's, or a dry run) the run is refused. Not ``removable``
    (:func:`_made_by_a_run` says no run made it as it is): the same checks
    and refusals, but it is never removed, only warned of (a review of 0.9.21's
    first version, which skipped the checks too: a stray file in another
    journal's undelivered staging folder let this run take the folder, and
    that run's payment file was written over)."""
    try:
        manifest = read_manifest(staging / MANIFEST)
    except InputError:
        manifest = None
    run_id = manifest.get("run_id") if manifest else None
    journals = [Path(manifest["journal"])] if manifest and run_id is not None and manifest.get("journal") else []
    if journal is not None and journal.exists():
        # a journal this run is about to start (--new-journal) holds no run of anyone's: asked, it "could
        # not be opened", and a folder another journal's killed run had staged in was refused (an attack)
        journals.append(journal)
    for j in journals:
        row = _run_row(j, int(run_id) if run_id is not None else None, staging)
        if row is None:
            continue
        if row == "unknown":
            raise InputError(
                staging.parent,
                None,
                f"holds {staging.name}, the files of run {run_id} of the journal {j}, which cannot be opened to "
                "tell whether they were recorded; move that folder away or restore the journal",
            )
        found_id, out_dir, staging_dir, delivered_at = row
        if out_dir == str(staging.resolve()):
            return  # a recorded run's output folder that happens to be named like this: not ours to touch
        if delivered_at is None and staging_dir != str(staging.resolve()) and Path(staging_dir).name == staging.name:
            raise InputError(
                staging.parent,
                None,
                f"holds {staging.name}, the undelivered files of run {found_id} of the journal {j}, which were staged "
                f"in {Path(staging_dir).parent}: the folder was moved or is reached by another path; put it back "
                f"there and run invoicekit run with --journal {j} to deliver them",
            )
        if staging_dir == str(staging.resolve()) and delivered_at is None:
            if recovering and journal is not None and _same_file(j, journal):
                return  # this run delivers it first
            hint = (
                "run invoicekit run (not a dry run) with that journal to deliver them first"
                if journal is not None and _same_file(j, journal)
                else f"run invoicekit with --journal {j} to deliver them"
            )
            raise InputError(
                staging.parent, None, f"holds the undelivered files of run {found_id} of the journal {j}; {hint}"
            )
    if removable:
        shutil.rmtree(staging, ignore_errors=True)
    else:
        log.warning("%s is named like a staging folder but holds what no run stages there; left as it is", staging)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _run_row(journal: Path, run_id: int | None, staging: Path):
    """What ``journal`` says of the run that staged into ``staging``: any
    run whose staging or output folder it is, else the run with ``run_id``
    (the staged run.json's) when it staged into a folder of the same random
    name elsewhere (the folder was moved, or is reached by another path);
    ``(run_id, out_dir, staging_dir, delivered_at)``, None when it knows of
    none, ``"unknown"`` when it cannot be read."""
    if not journal.exists():
        return "unknown" if run_id is not None else None
    path = str(staging.resolve())
    try:
        conn = read_only(journal)
        try:
            have = {r[1] for r in conn.execute("PRAGMA table_info(runs)")}
            if "staging_dir" not in have:
                return None  # schema 1 staged nothing it recorded
            row = conn.execute(
                "SELECT run_id, out_dir, staging_dir, delivered_at FROM runs "
                "WHERE staging_dir = ? OR out_dir = ? ORDER BY run_id DESC LIMIT 1",
                (path, path),
            ).fetchone()
            if row is None and run_id is not None:
                found = conn.execute(
                    "SELECT run_id, out_dir, staging_dir, delivered_at FROM runs WHERE run_id = ?", (run_id,)
                ).fetchone()
                row = found if found is not None and Path(str(found[2] or "")).name == staging.name else None
        finally:
            conn.close()
    except sqlite3.Error:
        return "unknown"
    return row


def new_staging(out_dir: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))


def write_manifest(staging: Path, manifest: dict) -> Path:
    path = staging / MANIFEST
    try:
        path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"could not write {path} ({exc.strerror or exc})") from None
    return path


def file_facts(
    staging: Path, names: list[str], durable: bool = True, folders: tuple[Path, ...] = ()
) -> dict[str, dict]:
    """SHA-256 and size of each staged file; with ``durable`` (a run to be
    recorded) flushed to disk first, so a power cut after the commit cannot
    lose them, and so are the staging folder, the folder that holds it and
    ``folders`` (those made for the run: :attr:`FolderLock.made`), whose
    entries lead to them: only the files and the staging folder were
    flushed, and a new output folder's entries could be lost with the run
    recorded (an attack on 0.9.41)."""
    facts = {}
    for name in names:
        path = staging / name
        if durable:
            fsync_path(path)
        facts[name] = {"sha256": sha256(path), "bytes": path.stat().st_size}
    if durable:
        for folder in dict.fromkeys((staging, staging.parent, *folders)):
            fsync_path(folder)
    return facts


def _refuse_short_list(
    run_id: int | None, staging: Path, out_dir: Path, files: dict[str, str], digest: Callable[[Path], str] = sha256
) -> None:
    """Refuse to deliver a stopped run's files by a list of them (name →
    checksum, the journal's, as ``digest`` makes it of a file) that lacks one: ``run.json``, or a file the
    ``run.json`` recorded names. A damaged journal that had lost them
    delivered the rest and marked the run delivered, its payment file left
    in a staging folder the next run into that folder removes (an attack on
    0.9.30). A ``run.json`` found nowhere is left to the check for files
    gone."""
    unlisted = [MANIFEST] if MANIFEST not in files else []
    for path in (staging / MANIFEST, out_dir / MANIFEST) if not unlisted else ():
        try:
            if path.is_file() and digest(path) == files[MANIFEST]:
                named = json.loads(path.read_text(encoding="utf-8")).get("outputs") or {}
                unlisted = sorted(set(named) - set(files))
                break
        except (OSError, ValueError, AttributeError, TypeError):
            continue
    if unlisted:
        which = f"run {run_id}" if run_id is not None else "the run"
        raise InputError(
            staging,
            None,
            f"{which} is recorded in the journal, but the journal does not list its files {', '.join(unlisted)}: "
            "the journal is damaged, so none of the run's files were delivered; restore the journal from a backup",
        )


def deliver(
    run_id: int | None,
    staging: Path,
    out_dir: Path,
    files: dict[str, str],
    checked: bool = False,
    importable: bool = True,
    digest: Callable[[Path], str] = sha256,
    older_order: bool = False,
) -> dict[str, Path]:
    """Move the staged files (name → checksum, as ``digest`` makes it of a
    file: their SHA-256, or for a stopped run's the journal's keyed form,
    :meth:`~invoicekit.journal.Journal.file_digest`) into ``out_dir``, ``run.json``
    last. A file already moved (a delivery interrupted half-way) is
    recognised by its checksum. Raises :class:`InputError` naming the run and
    the folder when a file is neither staged nor in place, and, with
    ``checked`` (files another process staged: a run stopped after its
    commit), when a staged file is not the one recorded: then nothing is
    moved. The run that staged its files a moment ago took their checksums
    as it wrote them and does not read them again. ``importable``: the files
    are to be imported (any run but a dry run): only then is the folder
    flushed to disk, and an error after they were moved says they are there. ``older_order``: the run was
    recorded by invoicekit 0.9.44 or earlier, which delivered in another order (:data:`ORDER_BEFORE_0945`)."""
    if checked:
        _refuse_short_list(run_id, staging, out_dir, files, digest)
    # one order whoever delivers (the run itself, or the next run from the journal, which lists the files by
    # name): a file gone from the staging folder while one after it is still staged was delivered (below)
    order = sorted(files, key=lambda name: (name == MANIFEST, name))
    outputs: dict[str, Path] = {}
    missing = []
    for name in order:
        src, dst = staging / name, out_dir / name
        if not src.exists() and not (dst.exists() and digest(dst) == files[name]):
            if checked and dst.exists():
                # in place, but not as recorded: changed since it was delivered (a payment file edited, 28.500 made
                # 85.000), never taken for one delivered and taken since (a review of 0.9.45 found it passed so)
                raise InputError(
                    dst,
                    None,
                    f"is not the file run {run_id} recorded in the journal (a different checksum): it was changed "
                    "after it was delivered; put back the file as the run wrote it (from a backup) and run again",
                )
            missing.append(name)
        elif checked and src.exists() and (found := digest(src)) != files[name]:
            which = f"run {run_id}" if run_id is not None else "the run"
            raise InputError(
                src,
                None,
                f"is not the file {which} recorded in the journal (checksum {found[:16]}…, recorded "
                f"{files[name][:16]}…): it was changed after the run, so none of the run's files were delivered; "
                "put back the file as the run wrote it (from a backup) and run again",
            )
    if missing and run_id is None:  # nothing recorded (a review: it was said to be)
        raise OutputError(
            f"the run's files ({', '.join(missing)}) are neither in {staging} nor in {out_dir}; nothing was recorded: "
            "run again into a new --out folder"
        )
    if missing and (
        _delivered_whole(out_dir, files, missing, digest)
        or (checked and _moved_before(staging, order, missing, older_order))
    ):
        # run.json, moved last, is in place as recorded: every file was delivered, and those gone were taken
        # from the folder since (a payment file imported, moved out by the import), the delivery's note
        # unwritten (the journal busy or full, the folder not flushed). Stopping for them stopped the robot
        # for good, and its advice, to put the file back, had an imported payment file imported again (an
        # attack on 0.9.35). So too where the delivery was stopped half-way: a file gone while one after it is still
        # staged was moved into place, and taken since (an attack on 0.9.44: it stopped the robot, asking for an
        # imported payment file back)
        log.warning(
            "run %d's files were delivered into %s; %s have been taken from there since (imported?)",
            run_id,
            out_dir,
            ", ".join(missing),
            extra={"in_summary": True},
        )
        order = [name for name in order if name not in missing]
    elif missing:
        which = f"run {run_id}"
        raise InputError(
            out_dir,
            None,
            f"{which} is recorded in the journal, but its files ({', '.join(missing)}) are neither in "
            f"{staging} nor in place, so they cannot be delivered; restore that folder from a backup and run again",
        )
    for k, name in enumerate(order):
        src, dst = staging / name, out_dir / name
        if src.exists():
            try:
                (staging / PROGRESS).write_text(name, encoding="utf-8")  # how far the delivery got, if stopped
                os.replace(src, dst)
            except OSError as exc:
                if run_id is None:  # nothing recorded: no later run delivers them (a review)
                    moved = [n for n in order[:k] if n != MANIFEST]
                    there = f"; {', '.join(moved)} are already there: do not import them" if moved else ""
                    raise OutputError(
                        f"the run's file {name} could not be moved into {out_dir} ({exc.strerror or exc}){there}; "
                        "nothing was recorded: run again into a new --out folder"
                    ) from None
                raise OutputError(
                    f"run {run_id} is recorded in the journal, but its file {name} could not be moved into "
                    f"{out_dir} ({exc.strerror or exc}); the files are kept in {staging} and the next run on the "
                    "journal delivers them"
                ) from None
        outputs[name] = dst
        if k == 0:
            crash_point("mid-delivery")
    if not importable:
        # a dry run's files are never made durable (nothing imports them): its folder neither (a failed flush ended
        # a dry run with exit 1 and a bare 'could not flush', its staging folder left behind: an attack on 0.9.27)
        remove_staging(staging, order)
        return outputs
    try:
        fsync_path(out_dir)
    except OutputError as exc:
        # a recorded run's files are in place: said, as a failed move is, so that nobody takes the run for one that
        # failed
        if run_id is None:  # a run without a journal: its files are in place all the same (a review)
            remove_staging(staging, order)
            raise OutputError(
                f"the run's files are in {out_dir}, but {exc}; check the disk before importing the payment file"
            ) from None
        raise OutputError(
            f"run {run_id} is recorded in the journal and its files are in {out_dir}, but {exc}; check the disk "
            "before importing the payment file; the next run on the journal finishes the delivery"
        ) from None
    remove_staging(staging, order)
    return outputs


#: the order invoicekit 0.9.44 and earlier delivered a run's files in (the order they were written), which a run
#: stopped by one of them and delivered by this version was moved in
ORDER_BEFORE_0945 = ("decisions.csv", "decision_lines.csv", "opus_postings.csv", "opus_notes.csv", "sensum_paid.csv",
                     "input_problems.csv", MANIFEST)  # fmt: skip


def _moved_before(staging: Path, order: list[str], missing: list[str], older_order: bool = False) -> bool:
    """Whether every ``missing`` file comes, in the order the run's files were delivered in (``order``; with
    ``older_order``, :data:`ORDER_BEFORE_0945`), before every file still in ``staging``: moved into place by a
    delivery stopped half-way (only the delivery takes a file from the staging folder, and one at a time in
    order), and taken from there since. Only the order the run's own version delivered in: either order for
    every run let a payment file lost from the staging folder pass as delivered (a review of 0.9.45)."""
    if older_order:
        order = [n for n in ORDER_BEFORE_0945 if n in order] + [n for n in order if n not in ORDER_BEFORE_0945]
    staged = [k for k, name in enumerate(order) if (staging / name).exists()]
    last_missing = max(order.index(name) for name in missing)
    if not staged or last_missing >= min(staged):
        return False
    if older_order:  # no note of how far it got: the folders alone
        return True
    # the file after the last one moved is gone from the staging folder whether it was moved and imported since or
    # lost unmoved: the delivery's note names the last file it moved (a review of 0.9.45 found a payment file lost
    # from the staging folder passed as delivered)
    try:
        last = (staging / PROGRESS).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return False
    return last in order and last_missing <= order.index(last)


def _delivered_whole(
    out_dir: Path, files: dict[str, str], missing: list[str], digest: Callable[[Path], str] = sha256
) -> bool:
    """Whether a run's files were all delivered into ``out_dir`` once: its
    ``run.json``, moved in last, is there as recorded (and is not among the
    ``missing``)."""
    if MANIFEST not in files or MANIFEST in missing:
        return False
    try:
        path = out_dir / MANIFEST
        return path.is_file() and digest(path) == files[MANIFEST]
    except OSError:
        return False


@contextlib.contextmanager
def cleaned_on_failure(
    staging: Path, names: tuple[str, ...], recorded: Callable[[], bool] = lambda: False
) -> Iterator[Path]:
    """Remove ``staging`` and the run's files in it (``names``:
    :func:`remove_staging`) if anything fails inside the block, unless
    ``recorded()`` says the run was recorded all the same (a Ctrl-C raised as
    the journal's commit returned): those files are then the next run's to
    deliver."""
    try:
        yield staging
    except BaseException:
        if not recorded():
            remove_staging(staging, names)
        raise
