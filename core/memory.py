"""What a long-lived process's memory costs between slices of the inbox: freed pages, and the collector's walks.

Freed memory stays in the process: glibc's allocator keeps freed heap pages for reuse, and a slice's
outcomes, data frames and pickles leave them scattered, so a long ingest's resident size creeps up
slice after slice although what it holds does not. Between slices nothing of the slice is alive:
glibc's malloc_trim returns the free pages, and every slice starts from the same size.

The objects a process keeps for good (the modules, classes and caches of Great Expectations, Prefect,
pandas: hundreds of thousands) cost time too: every full collection the cyclic collector starts on its
own walks them all again. So they are set aside once loaded (`gc.freeze`: no later collection walks
them): when an ingest has documents to read, and after Great Expectations is imported, before its first
context. A frozen object is still freed when its last reference goes; only a reference cycle among
frozen objects would stay, which is why the cyclic garbage is collected first, and why nothing is set
aside between slices (see release_memory). docs/BENCHMARKS.md measures what each saves.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable
from functools import cache


def release_memory() -> None:
    """Collect what a finished slice left in cycles, then give free heap pages back to the system (a no-op off glibc).

    What is alive then is not set aside: not all of it is kept for good, and frozen, its cycles would
    never be collected. GX's current context did that (kept until the next validation replaced it, it
    grew the peak with every slice, before run_suites let it go); a library's cache or registry may do
    the same.
    """
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def set_aside_loaded() -> None:
    """Collect the cyclic garbage, then keep every object alive now out of later collections (`gc.freeze`).

    Called when what is alive is what the process keeps: after a heavy import. The collection is a full
    one but walks only what earlier calls have not set aside.
    """
    gc.collect()
    gc.freeze()


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
