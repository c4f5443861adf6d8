"""The ``invoicekit`` command's process: how it takes memory (and whether
numpy's OpenBLAS starts a thread), settled before pyarrow and numpy load,
then the command line (:func:`invoicekit.cli.main`).

A module of its own, outside the package, because importing anything in
``invoicekit`` loads pyarrow, and arrow's jemalloc reads its settings once,
when pyarrow loads. The library (``import invoicekit``) is left as pyarrow
sets it up; only the command, a process that ends when its work is done,
takes memory this way.

Why: pyarrow's default allocator hands the pages of every large array back to
the system as soon as it is freed, and a command allocates and frees many
(each step's columns, the messages, the text of the files). On virtual
machines like the ones the README's figures come from, a page handed back is
handed out again at a cost (the kernel clears it; the host may have to map it
again), and a million-invoice run was handed about 2.9 GiB of pages to hold
under 1 GiB of arrow data at a time. Arrow's jemalloc, told never to hand
back what it freed (``dirty_decay_ms:-1``), reuses those pages instead: 24 %
fewer pages handed out for the same run (``benchmarks/bench_run.py`` counts
them), and the peak memory stays what the largest step needs.

``JE_ARROW_MALLOC_CONF``, ``OPENBLAS_NUM_THREADS`` and
``ARROW_DEFAULT_MEMORY_POOL``, where set, are left as the user set them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

#: arrow's jemalloc keeps the pages it freed for the process's later
#: allocations (the process hands them all back when it ends), in one arena
#: for all threads: a page one thread freed is used again by the next thread
#: that asks (with an arena per thread, each kept its own: 250 MiB more)
KEEP_FREED_PAGES = "dirty_decay_ms:-1,muzzy_decay_ms:-1,narenas:1"


#: read once, when pyarrow loads: arrow's jemalloc, as above
PROCESS_SETTINGS = {"JE_ARROW_MALLOC_CONF": KEEP_FREED_PAGES}

#: the commands that use no BLAS: numpy's OpenBLAS starts without a thread of
#: its own for them (read once, when numpy loads; its thread spun on the
#: second core, 1 % of a 1M run's CPU). ``types`` clusters with BLAS, 5 %
#: faster with its thread, so it keeps it
NO_BLAS_COMMANDS = ("run", "replay", "tune")
NO_BLAS = {"OPENBLAS_NUM_THREADS": "1"}


def prepare_process(command: str | None = None) -> str:
    """Settle how this process takes memory (and, for ``command`` among
    :data:`NO_BLAS_COMMANDS`, OpenBLAS's threads); returns the name of
    arrow's memory pool in use. Call it before anything imports pyarrow or
    numpy; called later, it changes nothing but the pool. A setting the user
    made is kept; the ones made here are taken out of the environment again
    once read, so that programs the command starts (a notebook's kernel)
    start as they would have."""
    settings = PROCESS_SETTINGS | (NO_BLAS if command in NO_BLAS_COMMANDS else {})
    made = [name for name in settings if name not in os.environ]
    os.environ.update({name: settings[name] for name in made})
    try:
        import pyarrow as pa

        if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
            # a pyarrow built without jemalloc (Windows) keeps its default pool
            with contextlib.suppress(NotImplementedError):
                pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.allocate_buffer(1)  # the pool in use, its settings read
    finally:
        for name in made:
            os.environ.pop(name, None)
    return pa.default_memory_pool().backend_name


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    try:
        prepare_process(words[0] if words else None)  # the command: the first word (its only option is --version)
        from invoicekit.cli import main as command
    except KeyboardInterrupt:  # while starting; once begun, the command says so in its own words
        print("invoicekit: error: stopped (Ctrl-C) while starting; nothing was read or written", file=sys.stderr)
        return 130
    return command(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
