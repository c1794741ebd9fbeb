"""Each document is read in a reader process with a wall clock and a memory ceiling that hold.

pdfminer can loop inside one page, and a hostile file can ask for gigabytes: neither is stopped by checks
the reader makes itself. So a document is read by a *reader*: a worker of a pebble ProcessPool, which
kills it when the document's time is up (its SIGTERM handler first kills what it started: LibreOffice
runs in a session of its own). Before each document the reader sets a limit on its data (RLIMIT_DATA: heap
and anonymous mappings, counted from their size when it started) and a CPU-time backstop. Not RLIMIT_AS:
it counts the stack too, and a stack that cannot grow is a SIGSEGV, not a MemoryError.

Readers are forked by multiprocessing's forkserver, which imports their modules once (PRELOAD), and a
reader reads one document after another (pebble's tasks per child) until it must not go on: after a
document that ran out of memory or started a process, or once it has grown past READER_GROWTH_MB. It then
ends as its next document comes (exit code RETIRED), and that document goes to a fresh reader; a memory
stop in a used reader is decided again in a fresh one, so what earlier documents left never counts.

Each concurrent caller (a thread of the thread runner, a process runner's or Dask worker's process) takes
a pool of one reader of its own, and gives it back for the next. PARINDEX_ISOLATION=none reads in the
calling process instead (for benchmarks): the memory limit and a wall clock inside a page then do not hold.
Linux only: it reads /proc.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import resource
import signal
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from types import FrameType
from typing import Any, NamedTuple, TypeVar

from pebble import ProcessExpired, ProcessPool

from core.errors import ConfigurationError, DocumentError, Reason

T = TypeVar("T")

MODES = ("child", "none")
HARD_STOP_GRACE = 2.0  # seconds past max_seconds before a reader is killed: the PDF reader stops itself between pages
# What every reader needs, imported once by the forkserver so that a forked reader starts with it.
PRELOAD = ["extractors.extract", "extractors.archives", "pipeline.steps", "core.settings", "schemas.framework", "schemas.units"]
READER_START_SECONDS = 60.0  # for a reader to take a document: the forkserver's first start imports PRELOAD
READER_DOCUMENTS = 200  # documents one reader reads at most before a new one is forked
READER_GROWTH_MB = 64  # a reader grown this much past its size at start is retired
RETIRED = 85  # exit code of a reader that ended instead of reading: its document goes to a fresh one
_MB = 1 << 20


def isolation_mode() -> str:
    """How documents are read, from $PARINDEX_ISOLATION: `child` (default) or `none`."""
    mode = os.environ.get("PARINDEX_ISOLATION", "child")
    if mode not in MODES:
        raise ConfigurationError(f"PARINDEX_ISOLATION must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def time_limit_message(seconds: float) -> str:
    return f"reading took more than {seconds:g} s: stopped"


def memory_limit_message(memory_mb: int) -> str:
    return f"reading needed more than {memory_mb} MB: stopped"


def allocation_failed(exc: BaseException) -> bool:
    """Whether `exc` is memory running out under the reader's data limit although it is no MemoryError.

    C code whose allocation fails may return an error without setting one, which CPython reports as
    SystemError ("error return without exception set": pdfminer's glyph reading, under a 1 MB budget).
    Under RLIMIT_DATA that is a failed allocation; without a limit it stays what it says it is.
    """
    return isinstance(exc, SystemError) and resource.getrlimit(resource.RLIMIT_DATA)[0] != resource.RLIM_INFINITY


# ---------------------------------------------------------------- the caller's side


def run_guarded(func: Callable[..., T], args: tuple[Any, ...], *, seconds: float, memory_mb: int, grace: float = 0.0) -> T:
    """`func(*args)` in a reader process: its value, or the exception it raised.

    DocumentError(TIMEOUT) when it runs `seconds` (+ `grace`) of wall clock, MEMORY_LIMIT when it needs more
    than `memory_mb` MB beyond the reader's size at start, EXTRACTOR_FAILED when the reader dies of anything
    else. `func`, its arguments and its value travel by pickle: `func` must be importable by name.
    """
    if multiprocessing.current_process().daemon:
        raise ConfigurationError(
            "documents are read in reader processes, which a daemonic process cannot start: run Dask workers with distributed.worker.daemon = False"
        )
    request = _Request(func, args, dict(os.environ), os.getcwd(), seconds, memory_mb, fresh=False)
    pool, broken = _pools.take(), False
    try:
        # Each pass either answers or ends the reader, so a fresh one comes within two: a third is a defect.
        for _ in range(3):
            future = pool.schedule(_read, (request,), timeout=seconds + grace)
            try:
                # pebble's clock starts when a reader takes the document; ours also covers a reader that never comes.
                answer = future.result(timeout=seconds + grace + READER_START_SECONDS)
            except (BrokenProcessPool, FutureTimeout) as exc:
                if isinstance(exc, FutureTimeout) and future.done():
                    raise DocumentError(Reason.TIMEOUT, time_limit_message(seconds)) from None
                # No reader starts: the run stops, and nothing is recorded as read (stopping the pool drops the document).
                broken = True
                _pools.discard(pool)
                why = "none took a document" if isinstance(exc, FutureTimeout) else str(exc) or "every reader died"
                raise ConfigurationError(f"reader processes cannot start: {why}") from exc
            except ProcessExpired as exc:
                if exc.exitcode == RETIRED:
                    continue
                if exc.exitcode == -signal.SIGABRT and not request.fresh:
                    request = request._replace(fresh=True)  # decided again in a fresh reader, as a memory stop is
                    continue
                raise _death(exc.exitcode, seconds, memory_mb) from None
            if isinstance(answer, _OutOfMemory):
                if answer.used_reader and not request.fresh:
                    request = request._replace(fresh=True)
                    continue
                raise DocumentError(Reason.MEMORY_LIMIT, memory_limit_message(memory_mb))
            value: T = answer
            return value
        raise RuntimeError("no fresh reader came for a document in three tries")
    finally:
        if not broken:
            _pools.give_back(pool)


def _death(exitcode: int | None, seconds: float, memory_mb: int) -> DocumentError:
    """What a reader's death while reading says, as the document's error."""
    if exitcode is not None and exitcode < 0:
        signum = -exitcode
        if signum == signal.SIGXCPU:  # the CPU backstop: a reader that was not stopped in time by the wall clock
            return DocumentError(Reason.TIMEOUT, time_limit_message(seconds))
        if signum == signal.SIGKILL:  # not ours (a timeout is reported as such): the kernel's out-of-memory killer
            return DocumentError(Reason.MEMORY_LIMIT, memory_limit_message(memory_mb))
        if signum == signal.SIGABRT:  # C++ code (pdfium) that cannot allocate under the data limit aborts: bad_alloc has nowhere to go
            return DocumentError(Reason.MEMORY_LIMIT, memory_limit_message(memory_mb))
        return DocumentError(Reason.EXTRACTOR_FAILED, f"the reader crashed: {signal.Signals(signum).name} ({signal.strsignal(signum)})")
    return DocumentError(Reason.EXTRACTOR_FAILED, f"the reader stopped with exit code {exitcode} before answering")


class _Pools:
    """Idle reader pools of this process, one reader each; one more is started when every one is busy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[ProcessPool] = []
        self._all: list[ProcessPool] = []
        self._pid = os.getpid()

    def take(self) -> ProcessPool:
        with self._lock:
            if self._pid != os.getpid():  # a forked copy of this process: its parent's pools are not ours
                self._idle, self._all, self._pid = [], [], os.getpid()
            if self._idle:
                return self._idle.pop()
            if not self._all:
                # A multiprocessing finalizer, not atexit: a pool's worker process joins its (non-daemonic)
                # children before atexit runs, so the readers must be stopped first.
                multiprocessing.util.Finalize(None, self.close, exitpriority=10)
            pool = ProcessPool(max_workers=1, max_tasks=READER_DOCUMENTS, initializer=_start_reader, context=_forkserver())
            self._all.append(pool)
            return pool

    def give_back(self, pool: ProcessPool) -> None:
        with self._lock:
            if self._pid == os.getpid():
                self._idle.append(pool)

    def discard(self, pool: ProcessPool) -> None:
        with self._lock:
            if pool in self._all:
                self._all.remove(pool)
        pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves it unannotated
        pool.join()

    def close(self) -> None:
        """Stop every reader, then the forkserver, and wait for them: their CPU time is counted by this process."""
        with self._lock:
            pools, self._idle, self._all = self._all, [], []
            ours = self._pid == os.getpid()
        if not ours:
            return
        for pool in pools:
            pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves it unannotated
            pool.join()
        if pools:
            # Private but stable since Python 3.8: the forkserver ends and is waited for, so that it
            # outlives no caller and its readers' CPU time reaches whoever waits for this process.
            stop: Callable[[], None] | None = getattr(multiprocessing.forkserver._forkserver, "_stop", None)
            if stop is not None:
                stop()


def _forkserver() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


_pools = _Pools()


# ---------------------------------------------------------------- the reader's side


class _Request(NamedTuple):
    func: Callable[..., Any]
    args: tuple[Any, ...]
    env: dict[str, str]
    cwd: str
    seconds: float
    memory_mb: int
    fresh: bool  # to be read by a reader that has read nothing yet


class _OutOfMemory(NamedTuple):
    used_reader: bool  # earlier documents had been read in it: what they left counted


class _Reader:
    """This reader's state: its size at start, documents read, and whether it must end before the next."""

    born = 0
    documents = 0
    retire = False


def _start_reader() -> None:
    """pebble's initializer, in each new reader."""
    signal.signal(signal.SIGTERM, _killed)  # pebble's stop: take what it started along
    gc.freeze()  # what the forkserver loaded stays shared with it: collections do not copy it
    _Reader.born = _data_size()


def _killed(signum: int, frame: FrameType | None) -> None:
    _kill_descendants(os.getpid(), keep_self=True)
    os._exit(128 + signum)


def _read(request: _Request) -> Any:
    """One document in this reader, under its limits: func's value, its exception, or _OutOfMemory."""
    if _Reader.retire or (request.fresh and _Reader.documents):
        os._exit(RETIRED)
    os.environ.clear()
    os.environ.update(request.env)
    os.chdir(request.cwd)
    used = _Reader.documents > 0
    _Reader.documents += 1
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = resource.getrusage(resource.RUSAGE_SELF)
    out_of_memory = False
    try:
        # A backstop should the caller be gone (SIGXCPU), never before the wall clock: threads (Tesseract's)
        # spend CPU time faster than it passes.
        _limit(resource.RLIMIT_CPU, int(spent.ru_utime + spent.ru_stime + request.seconds * (os.cpu_count() or 1)) + 2)
        _limit(resource.RLIMIT_DATA, _Reader.born + request.memory_mb * _MB)
        return request.func(*request.args)
    except MemoryError:
        out_of_memory = True  # the answer is made once the limit is lifted: under it, even that may fail
    finally:
        _limit(resource.RLIMIT_DATA, resource.RLIM_INFINITY)
        _limit(resource.RLIMIT_CPU, resource.RLIM_INFINITY)
        # A child still running is killed with what it started; only then the walk over /proc, which reads every process.
        started = resource.getrusage(resource.RUSAGE_CHILDREN) != children or (_has_children() and _kill_descendants(os.getpid(), keep_self=True))
        if out_of_memory or started or _data_size() - _Reader.born > READER_GROWTH_MB * _MB:
            _Reader.retire = True
    return _OutOfMemory(used)


def _limit(which: int, soft: int) -> None:
    """Set a soft limit, under the hard one (which stays, so that the next document can have its own)."""
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY and (soft == resource.RLIM_INFINITY or soft > hard):
        soft = hard
    resource.setrlimit(which, (soft, hard))


def _has_children() -> bool:
    """Whether this process has a child still running (LibreOffice's, say): /proc/self/task/*/children."""
    for task in os.scandir("/proc/self/task"):
        try:
            with open(f"{task.path}/children", "rb") as children:
                if children.read().strip():
                    return True
        except OSError:
            continue
    return False


def _data_size() -> int:
    """This process's data (VmData) in bytes: a reader's budget comes on top of it at start."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmData in /proc/self/status")


def _kill_descendants(pid: int, keep_self: bool = False) -> bool:
    """Kill the processes under `pid` (and `pid` unless `keep_self`), in its session or not; whether there were any.

    Each one found is stopped first, so that none starts another meanwhile; then all are killed.
    """
    victims: set[int] = set()
    while new := _descendants(pid) - victims - {pid}:
        for victim in new:
            _signal(victim, signal.SIGSTOP)
        victims |= new
    for victim in victims:
        _signal(victim, signal.SIGKILL)
    if not keep_self:
        _signal(pid, signal.SIGKILL)
    return bool(victims)


def _descendants(pid: int) -> set[int]:
    """`pid` and the processes under it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = {pid}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
