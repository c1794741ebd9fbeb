"""Work that misbehaves, run by tests/test_isolation.py in a guarded reader (imported there by name: keep it light)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path


def double(value: int) -> int:
    return value * 2


def loop_forever() -> None:
    while True:
        pass


def allocate_at_once(gigabytes: int) -> int:
    return len(bytearray(gigabytes << 30))


def allocate_in_steps(megabytes: int) -> int:
    held = [bytearray(10 << 20) for _ in range(megabytes // 10)]
    return len(held)


def crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def abort_counting(count_file: str) -> None:
    """Abort as C++ code does when it cannot allocate (std::bad_alloc uncaught), counting the readers that tried."""
    with Path(count_file).open("a") as count:
        count.write("x")
    os.abort()


def raise_value_error(message: str) -> None:
    raise ValueError(message)


def raise_it(exc: Exception) -> None:
    raise exc


def start_a_child_then_hang(pid_file: str) -> None:
    """As a reader converting a .doc would: a LibreOffice of its own, then no answer."""
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)  # as extractors/legacy.py starts soffice
    Path(pid_file).write_text(str(child.pid), encoding="ascii")
    time.sleep(300)


def extract_with_a_page_that_never_ends(document, data, program):
    """pipeline.steps.extract_outcome, with pdfplumber's page text reading looping as a hostile page makes it."""
    import pdfplumber.page

    from pipeline.steps import extract_outcome

    def never_ends(self):
        while True:
            pass

    pdfplumber.page.Page.chars = property(never_ends)  # type: ignore[method-assign,assignment]  # a hostile page, patched in the reader only
    return extract_outcome(document, data, program)


def fail_silently(*args, **kwargs):
    """As C code whose allocation fails may: an error returned without an exception set, raised by CPython as SystemError."""
    raise SystemError("error return without exception set")


def extract_where_c_code_fails_silently(document, data, program):
    """pipeline.steps.extract_outcome, with reading failing silently in C (in a reader only: the patch stays there)."""
    import extractors
    from pipeline.steps import extract_outcome

    extractors.extract_document = fail_silently
    return extract_outcome(document, data, program)


def exit_at_start() -> None:
    """A reader's initializer that fails, as one would on a machine out of processes."""
    os._exit(70)


def reader_pid() -> int:
    return os.getpid()


_KEPT: list[bytearray] = []


def burn(cpu_seconds: float) -> int:
    """Spend `cpu_seconds` of CPU; the forkserver this reader was forked from."""
    end = time.process_time() + cpu_seconds
    while time.process_time() < end:
        pass
    return os.getppid()


def burn_in_a_worker(cpu_seconds: float) -> int:
    """In a worker process (a process pool's, as Prefect's process runner starts them): spend CPU in a
    guarded reader; the forkserver this process started for it."""
    from pipeline.isolation import run_guarded

    return int(run_guarded(burn, (cpu_seconds,), seconds=30, memory_mb=256))


def keep(megabytes: int) -> int:
    """Leave `megabytes` allocated in the reader, as a document's caches would; its pid."""
    _KEPT.append(bytearray(megabytes << 20))
    return os.getpid()


def run_a_process() -> int:
    subprocess.run(["true"], check=True)
    return os.getpid()
