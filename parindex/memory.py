"""Hand the memory a finished slice of the inbox used back to the system.

Freed memory stays in the process: glibc's allocator keeps freed heap pages for reuse, and a slice's
outcomes, data frames and pickles leave them scattered, so a long ingest's resident size creeps up
slice after slice although what it holds does not (docs/BENCHMARKS.md: 338 MB at N = 350, 406 MB at
N = 3,500 with reader processes). Between slices nothing of the slice is alive: glibc's malloc_trim
returns the free pages, and every slice starts from the same size. Only the young generations are
collected first (what is left of the slice in reference cycles): a full collection walks the 350,000
objects of Great Expectations and Prefect, 0.18 s a slice.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable
from functools import cache


def release_memory() -> None:
    """Collect the young generations, then give free heap pages back to the system (a no-op off glibc)."""
    gc.collect(1)
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
