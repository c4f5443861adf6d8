"""The ``invoicekit`` command's process: how it takes memory, settled before
pyarrow loads, then the command line (:func:`invoicekit.cli.main`).

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

``JE_ARROW_MALLOC_CONF`` and ``ARROW_DEFAULT_MEMORY_POOL``, where set, are
left as the user set them.
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


def prepare_process() -> str:
    """Settle how this process takes memory; returns the name of arrow's
    memory pool in use. Call it before anything imports pyarrow; called
    later, it changes nothing but the pool."""
    os.environ.setdefault("JE_ARROW_MALLOC_CONF", KEEP_FREED_PAGES)
    import pyarrow as pa

    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        # a pyarrow built without jemalloc (Windows) keeps its default pool
        with contextlib.suppress(NotImplementedError):
            pa.set_memory_pool(pa.jemalloc_memory_pool())
    return pa.default_memory_pool().backend_name


def main(argv: Sequence[str] | None = None) -> int:
    prepare_process()
    from invoicekit.cli import main as command

    return command(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
