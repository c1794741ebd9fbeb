"""parindex.memory: what a finished slice freed goes back to the system."""

from __future__ import annotations

import sys

import pytest

from parindex.memory import _malloc_trim, release_memory


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
