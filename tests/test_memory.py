"""core.memory: what a finished slice freed goes back to the system."""

from __future__ import annotations

import gc
import sys
import weakref

import pytest

from core.memory import _malloc_trim, release_memory, set_aside_loaded


def _resident_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux") or _malloc_trim() is None, reason="malloc_trim is glibc's")
def test_freed_heap_pages_between_survivors_go_back_to_the_system() -> None:
    # 80 MB of 2 KB blocks (above pymalloc's 512 bytes: glibc's heap), one in 200 kept alive: the free runs
    # between survivors stay resident until trimmed, as a slice's scattered leftovers do.
    blocks = [bytearray(2048) for _ in range(40_000)]
    survivors = blocks[::200]
    del blocks
    before = _resident_mb()
    release_memory()
    after = _resident_mb()
    assert len(survivors) == 200
    assert before - after > 40, f"resident {before:.0f} MB before, {after:.0f} MB after release_memory"


class _Node:
    def __init__(self) -> None:
        self.itself = self  # a reference cycle: only the cyclic collector frees it


def test_what_is_set_aside_is_what_lives_on_its_cycles_collected_first() -> None:
    kept, dropped = _Node(), _Node()
    gone = weakref.ref(dropped)
    del dropped
    try:
        set_aside_loaded()
        assert gone() is None, "cyclic garbage was frozen instead of collected"
        # The oldest generation only, where a full collection leaves what survives: the young ones hold the
        # objects other threads (the reader pools') are building, which a heap scan must not touch.
        assert not any(o is kept for o in gc.get_objects(generation=2)), "a live object is still walked by collections"
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the other tests' objects back under the collector
