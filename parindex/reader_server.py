"""The reader server: one process per concurrent caller, reading documents in a reader it forks, with limits.

parindex.isolation starts it (`python -c "from parindex.reader_server import serve; serve()"`) and speaks
to it over its stdin and stdout in frames (FRAME: an 8-byte length, then a pickle). The server imports the
readers' modules once and forks a *reader* from itself: a process that reads documents one after another,
each under limits of its own (RLIMIT_AS: the budget above the reader's size when forked, so what earlier
documents left in it counts against the next one, which is read again in a fresh reader should memory
run out; a CPU backstop), and answers down a pipe. The server waits for each answer until the document's wall clock runs out, and
then kills the reader with everything it started (LibreOffice runs in a session of its own); the next
document gets a new reader. A reader also ends, and the next document gets a new one, after a document
that ran out of memory or started a process, when it has grown past READER_GROWTH_MB or read
READER_DOCUMENTS documents. Forking cost more than reading a Word form (docs/BENCHMARKS.md): a reader per
document is what a stop costs, not every document. Linux only: it reads /proc.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import struct
import sys
import time
from contextlib import suppress
from typing import Any

# What every reader needs, imported once per server so that a forked reader starts with it.
PRELOAD = ("extractors.extract", "extractors.archives", "parindex.pipeline", "parindex.settings", "schemas.framework", "schemas.units")
FRAME = struct.Struct("!Q")  # a frame's length, before its bytes
_MEMORY_EXIT = 86  # a reader that ran out of memory before it could say so
READER_DOCUMENTS = 200  # documents one reader reads at most before a new one is forked
READER_GROWTH_MB = 64  # a reader grown this much past its size when forked is retired


def serve() -> None:
    """Loop of a reader server: read a request from stdin, have its reader read it, answer on stdout."""
    import resource  # noqa: F401  (POSIX only: imported before any reader needs it)

    requests, answers = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the answers
    os.close(devnull)
    sys.path[:] = pickle.loads(_read_frame(requests) or b"")
    import importlib
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in PRELOAD:
        importlib.import_module(name)
    _warm_up()
    gc.freeze()  # what the server loaded stays shared with its readers: their collections do not copy it
    _write_frame(answers, b"ready")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the caller; its readers end with their deadline
    reader: _Reader | None = None
    try:
        while (header := _read_frame(requests)) is not None:
            payload = _read_frame(requests)
            if payload is None:
                break
            seconds, grace, memory_mb = pickle.loads(header)
            if reader is None or not reader.alive():
                reader = _Reader((requests, answers))
            used = reader.documents > 0
            answer, reader = reader.read(payload, seconds + grace, memory_mb)
            if answer == ("memory",) and used:  # what earlier documents left in it counted: a fresh reader decides
                reader = _Reader((requests, answers))
                answer, reader = reader.read(payload, seconds + grace, memory_mb)
            _write_frame(answers, pickle.dumps(answer))
    except BrokenPipeError:
        pass  # the caller is gone (killed mid-document): so is its server
    finally:
        if reader is not None:
            reader.stop()


def _warm_up() -> None:
    """Load every framework and unit registry once per server, not once per document: readers look them up."""
    from schemas.framework import FRAMEWORKS_DIR, framework_for
    from schemas.units import UNITS_DIR, registry_for

    for path in sorted(UNITS_DIR.glob("*.yaml")):
        with suppress(Exception):  # a broken file is the reader's to report, with its document
            registry_for(path.stem).find([path.stem])  # builds its name index too
    for path in sorted(FRAMEWORKS_DIR.glob("*.yaml")):
        program, _, year = path.stem.rpartition("-")
        with suppress(Exception):
            framework_for(program, int(year))


class _Reader:
    """The server's side of one reader: documents in, answers out, and the reader's end when it stops."""

    def __init__(self, server_fds: tuple[int, int]) -> None:
        requests_in, self.requests = os.pipe()
        self.answers, answers_out = os.pipe()
        pid = os.fork()
        if pid == 0:
            for fd in (self.requests, self.answers, *server_fds):
                os.close(fd)
            _reader(requests_in, answers_out)  # never returns
        os.close(requests_in)
        os.close(answers_out)
        try:
            os.setpgid(pid, pid)  # as the reader does: a group of its own, so that its LibreOffice dies with it
        except OSError:
            pass  # it did so itself, or is gone already
        self.pid = pid
        self.documents = 0  # read so far

    def read(self, payload: bytes, seconds: float, memory_mb: int) -> tuple[tuple[Any, ...], _Reader | None]:
        """One document's answer, and the reader for the next document (None: a new one must be forked)."""
        self.documents += 1
        try:
            _write_frame(self.requests, pickle.dumps((seconds, memory_mb, payload), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:  # it died between documents
            return self._ended(), None
        frame = _read_frame_until(self.answers, time.monotonic() + seconds)
        if frame is _TIMED_OUT:
            _kill_tree(self.pid)
            self._close()
            os.waitpid(self.pid, 0)
            return ("timeout",), None
        if frame is None:  # it died mid-document
            return self._ended(), None
        assert isinstance(frame, bytes)
        answer, goes_on = pickle.loads(frame)
        if goes_on:
            return answer, self
        self._ended()
        return answer, None

    def alive(self) -> bool:
        """Whether the reader still waits for a document (one killed from outside between documents does not)."""
        try:
            ended, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            ended = self.pid
        if not ended:
            return True
        self._close()
        _kill_group(self.pid)
        return False

    def stop(self) -> None:
        """End an idle reader: its requests pipe closes, so it exits."""
        self._close()
        with suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        _kill_group(self.pid)

    def _ended(self) -> tuple[Any, ...]:
        """How the reader ended (it has, or is about to): its exit status as an answer."""
        self._close()
        _, status = os.waitpid(self.pid, 0)
        _kill_group(self.pid)  # whatever the reader left running
        if os.WIFSIGNALED(status):
            return ("signal", os.WTERMSIG(status))
        code = os.WEXITSTATUS(status)
        if code == _MEMORY_EXIT:
            return ("memory",)
        return ("exit", code)

    def _close(self) -> None:
        for fd in (self.requests, self.answers):
            with suppress(OSError):
                os.close(fd)


class _TimedOut:
    """_read_frame_until's answer when the deadline passed first."""


_TIMED_OUT = _TimedOut()


def _read_frame_until(fd: int, deadline: float) -> bytes | _TimedOut | None:
    """A frame from `fd`, or _TIMED_OUT when `deadline` passes first, or None when the writer is gone."""
    chunks: list[bytes] = []
    size, header = FRAME.size, True
    while size:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return _TIMED_OUT
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
        if not size and header:
            (size,), chunks, header = FRAME.unpack(b"".join(chunks)), [], False
    return b"".join(chunks)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_tree(pid: int) -> None:
    """Kill a reader with every process it started, in its group or not (LibreOffice starts a session of its own).

    Each one found is stopped first, so that none starts another meanwhile; then all are killed.
    """
    victims: set[int] = set()
    while new := _descendants(pid) - victims:
        for victim in new:
            _signal(victim, signal.SIGSTOP)
        victims |= new
    for victim in victims:
        _signal(victim, signal.SIGKILL)
    _kill_group(pid)


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


def _reader(requests: int, answers: int) -> None:
    """The forked reader: for each document, its limits, then the work, then its answer; it exits when it
    must not go on (see the module's docstring) or when the server is gone."""
    import resource

    code = 0
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        born, read = _address_space(), 0
        while (frame := _read_frame(requests)) is not None:
            seconds, memory_mb, payload = pickle.loads(frame)
            _limit(resource.RLIMIT_AS, born + memory_mb * (1 << 20))  # what earlier documents left counts too
            # A backstop should the server be gone (SIGXCPU), never before the wall clock: threads
            # (Tesseract's) spend CPU time faster than it passes.
            used = resource.getrusage(resource.RUSAGE_SELF)
            _limit(resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime + seconds * (os.cpu_count() or 1)) + 2)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            answer, out_of_memory = _answer(payload)
            read += 1
            _limit(resource.RLIMIT_AS, resource.RLIM_INFINITY)
            started = resource.getrusage(resource.RUSAGE_CHILDREN) != children or _has_children()
            goes_on = not (out_of_memory or started or read >= READER_DOCUMENTS
                           or _address_space() - born > READER_GROWTH_MB * (1 << 20))
            _write_frame(answers, pickle.dumps((answer, goes_on)))
            if not goes_on:
                break
    except MemoryError:
        code = _MEMORY_EXIT
    except BrokenPipeError:
        pass  # the server is gone
    except BaseException:  # noqa: BLE001 (the server reports the exit code; the traceback goes to stderr)
        code = 1
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _answer(payload: bytes) -> tuple[tuple[Any, ...], bool]:
    """Run one request (func, args, environment, working directory): its answer, and whether memory ran out."""
    func, args, env, cwd = pickle.loads(payload)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        return ("ok", pickle.dumps(func(*args), protocol=pickle.HIGHEST_PROTOCOL)), False
    except MemoryError:
        return ("memory",), True
    except BaseException as exc:  # noqa: BLE001 (the caller re-raises it)
        try:
            return ("raised", pickle.dumps(exc)), False
        except Exception:  # noqa: BLE001 (sent as text instead)
            return ("unpicklable", f"{type(exc).__name__}: {exc}"), False


def allocation_failed(exc: BaseException) -> bool:
    """Whether `exc` is memory running out under an address-space limit although it is no MemoryError.

    C code whose allocation fails may return an error without setting one, which CPython reports as
    SystemError ("error return without exception set": pdfminer's glyph reading, under a 1 MB budget).
    Under RLIMIT_AS that is a failed allocation; without a limit it stays what it says it is.
    """
    import resource

    return isinstance(exc, SystemError) and resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY


def _limit(which: int, soft: int) -> None:
    """Set a soft limit, under the hard one (which stays, so that the next document can have its own)."""
    import resource

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


def _address_space() -> int:
    """The reader's own size (VmSize) as it starts, in bytes: its budget comes on top."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmSize in /proc/self/status")


def _read_frame(fd: int) -> bytes | None:
    head = _read_exactly(fd, FRAME.size)
    if head is None:
        return None
    return _read_exactly(fd, FRAME.unpack(head)[0])


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _write_frame(fd: int, data: bytes) -> None:
    _write_all(fd, FRAME.pack(len(data)) + data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
