"""Each document is read in a child process with a wall clock and a memory ceiling that hold.

pdfminer can loop inside one page, and a hostile file can ask for gigabytes: neither is stopped by checks
the reader makes itself. So a document is read by a *reader*, a process forked for that document alone,
with an address-space limit (RLIMIT_AS) above what it starts with and a CPU-time backstop; it is killed,
with everything it started (LibreOffice), when its time is up. Forking a fresh interpreter per document
would cost the imports of pdfplumber and python-docx each time, so readers are forked from a *reader
server*: a small single-threaded process started once per concurrent caller, with the readers' modules
imported, serving one document at a time over its stdin and stdout. A thread runner's threads each take
a server of their own; a process or Dask worker starts its own servers. A server outlives its readers
and ends when its caller's process does (its stdin closes).

PARINDEX_ISOLATION=none reads in the calling process instead (for benchmarks): the memory limit and a
wall clock inside a page then do not hold.
"""

from __future__ import annotations

import atexit
import gc
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

from parindex.errors import ConfigurationError, DocumentError, Reason

T = TypeVar("T")

MODES = ("child", "none")
HARD_STOP_GRACE = 2.0  # seconds past max_seconds before a reader is killed: the PDF reader stops itself between pages
SERVER_START_SECONDS = 60.0  # a reader server imports the readers once
SERVER_SLACK_SECONDS = 30.0  # past a reader's deadline, a server that has not answered is itself killed
# What every reader needs, imported once per server so that a forked reader starts with it.
PRELOAD = ("extractors", "extractors.archives", "parindex.pipeline", "parindex.settings", "schemas.framework", "schemas.units")
_MEMORY_EXIT = 86  # a reader that ran out of memory before it could say so
_FRAME = struct.Struct("!Q")
_PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # where `parindex` imports from


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


# ---------------------------------------------------------------- the caller's side


def run_guarded(func: Callable[..., T], args: tuple[Any, ...], *, seconds: float, memory_mb: int, grace: float = 0.0) -> T:
    """`func(*args)` in a reader process: its value, or the exception it raised.

    DocumentError(TIMEOUT) when it runs `seconds` (+ `grace`) of wall clock, MEMORY_LIMIT when it needs more
    than `memory_mb` MB beyond what the reader starts with, EXTRACTOR_FAILED when it dies of any other signal.
    `func`, its arguments and its value travel by pickle: `func` must be importable by name.
    """
    payload = pickle.dumps((func, args, dict(os.environ), os.getcwd()), protocol=pickle.HIGHEST_PROTOCOL)
    header = pickle.dumps((seconds, grace, memory_mb))
    server = _servers.take()
    try:
        answer = server.ask(header, payload, seconds + grace + SERVER_SLACK_SECONDS)
    except _ServerLost as exc:
        server.kill()
        if exc.timed_out:
            raise DocumentError(Reason.TIMEOUT, time_limit_message(seconds)) from None
        raise DocumentError(Reason.EXTRACTOR_FAILED, f"the reader server stopped: {exc}") from None
    except BaseException:  # interrupted while waiting: the server may be mid-answer, so it is not reused
        server.kill()
        raise
    _servers.give_back(server)
    return _result(answer, seconds, memory_mb)


def _result(answer: tuple[Any, ...], seconds: float, memory_mb: int) -> Any:
    kind = answer[0]
    if kind == "ok":
        return pickle.loads(answer[1])
    if kind == "raised":
        try:
            exc = pickle.loads(answer[1])
        except Exception as unpickling:  # noqa: BLE001 (a class this process cannot import, or rebuild)
            raise RuntimeError(f"the reader raised an exception that cannot be rebuilt here: {unpickling}") from None
        raise exc
    if kind == "unpicklable":
        raise RuntimeError(answer[1])
    if kind == "memory":
        raise DocumentError(Reason.MEMORY_LIMIT, memory_limit_message(memory_mb))
    if kind == "timeout":
        raise DocumentError(Reason.TIMEOUT, time_limit_message(seconds))
    if kind == "signal":
        signum = answer[1]
        if signum == signal.SIGXCPU:  # the CPU backstop: a reader that was not stopped in time by the wall clock
            raise DocumentError(Reason.TIMEOUT, time_limit_message(seconds))
        if signum == signal.SIGKILL:  # not ours (ours is "timeout"): the kernel's out-of-memory killer
            raise DocumentError(Reason.MEMORY_LIMIT, memory_limit_message(memory_mb))
        raise DocumentError(Reason.EXTRACTOR_FAILED, f"the reader crashed: {signal.Signals(signum).name} ({signal.strsignal(signum)})")
    raise DocumentError(Reason.EXTRACTOR_FAILED, f"the reader stopped with exit code {answer[1]} before answering")


class _ServerLost(Exception):
    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class _Server:
    """One reader server, spoken to by one thread at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from parindex.isolation import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": _PROJECT + os.pathsep + os.environ.get("PYTHONPATH", "")},
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in, self._out = self.process.stdin, self.process.stdout.fileno()
        try:
            self._send(pickle.dumps(list(sys.path)))
            if self._receive(time.monotonic() + SERVER_START_SECONDS) != b"ready":
                raise _ServerLost("it said something else than ready")
        except (_ServerLost, OSError) as exc:
            self.kill()
            raise _ServerLost(f"the reader server did not start: {exc}") from None

    def ask(self, header: bytes, payload: bytes, backstop: float) -> tuple[Any, ...]:
        try:
            self._send(header)
            self._send(payload)
        except (BrokenPipeError, OSError) as exc:
            raise _ServerLost(f"{type(exc).__name__}: {exc}") from None
        answer = pickle.loads(self._receive(time.monotonic() + backstop))
        return answer  # type: ignore[no-any-return]

    def _send(self, data: bytes) -> None:
        self._in.write(_FRAME.pack(len(data)) + data)
        self._in.flush()

    def _receive(self, deadline: float) -> bytes:
        (size,) = _FRAME.unpack(self._read(_FRAME.size, deadline))
        return self._read(size, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._out], [], [], left)[0]:
                raise _ServerLost("no answer in time", timed_out=True)
            chunk = os.read(self._out, min(size, 1 << 20))
            if not chunk:
                code = self.process.wait(timeout=5)
                raise _ServerLost(f"exit code {code}" if code >= 0 else signal.Signals(-code).name)
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        try:
            self._in.close()  # the server ends when its stdin does
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._in.close()
        if self.process.stdout is not None:
            self.process.stdout.close()


class _Servers:
    """Idle reader servers of this process; one more is started when every one is busy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Server] = []
        self._pid = os.getpid()

    def take(self) -> _Server:
        with self._lock:
            if self._pid != os.getpid():  # a forked copy of this process: its parent's servers are not ours
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                server = self._idle.pop()
                if server.alive():
                    return server
        try:
            return _Server()
        except _ServerLost as exc:
            raise DocumentError(Reason.EXTRACTOR_FAILED, str(exc)) from None

    def give_back(self, server: _Server) -> None:
        with self._lock:
            if self._pid == os.getpid():
                self._idle.append(server)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for server in idle:
            server.close()


_servers = _Servers()
atexit.register(_servers.close)


# ---------------------------------------------------------------- the reader server


def serve() -> None:
    """Loop of a reader server: read a request from stdin, fork a reader for it, answer on stdout."""
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
    try:
        while (header := _read_frame(requests)) is not None:
            payload = _read_frame(requests)
            if payload is None:
                break
            seconds, grace, memory_mb = pickle.loads(header)
            answer = _read_one(payload, seconds + grace, memory_mb, (requests, answers))
            _write_frame(answers, pickle.dumps(answer))
    except BrokenPipeError:
        pass  # the caller is gone (killed mid-document): so is its server


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


def _read_one(payload: bytes, seconds: float, memory_mb: int, server_fds: tuple[int, int]) -> tuple[Any, ...]:
    """Fork a reader for one request, wait for its answer until the deadline, kill it and its children then."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(readable)
        for fd in server_fds:
            os.close(fd)
        _reader(payload, seconds, memory_mb, writable)  # never returns
    os.close(writable)
    try:
        os.setpgid(pid, pid)  # as the reader does: a group of its own, so that its LibreOffice dies with it
    except OSError:
        pass  # it did so itself, or is gone already
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([readable], [], [], left)[0]:
            timed_out = True
            break
        chunk = os.read(readable, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    if timed_out:
        _kill_tree(pid)
    os.close(readable)
    _, status = os.waitpid(pid, 0)
    if not timed_out:
        _kill_group(pid)  # whatever the reader left running
    if timed_out:
        return ("timeout",)
    if os.WIFSIGNALED(status):
        return ("signal", os.WTERMSIG(status))
    code = os.WEXITSTATUS(status)
    if code == _MEMORY_EXIT:
        return ("memory",)
    if code != 0 or not chunks:
        return ("exit", code)
    return pickle.loads(b"".join(chunks))  # type: ignore[no-any-return]


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


def _reader(payload: bytes, seconds: float, memory_mb: int, answer_fd: int) -> None:
    """The forked reader: limits first, then the work; its answer goes down the pipe, then it exits."""
    import resource

    code = 0
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        ceiling = _address_space() + memory_mb * (1 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        # A backstop should the server be gone (SIGXCPU, then SIGKILL), never before the wall clock: threads
        # (Tesseract's) spend CPU time faster than it passes.
        cpu = int(seconds * (os.cpu_count() or 1)) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 3))
        func, args, env, cwd = pickle.loads(payload)
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        try:
            answer: tuple[Any, ...] = ("ok", pickle.dumps(func(*args), protocol=pickle.HIGHEST_PROTOCOL))
        except MemoryError:
            answer = ("memory",)
        except BaseException as exc:  # noqa: BLE001 (the caller re-raises it)
            try:
                answer = ("raised", pickle.dumps(exc))
            except Exception:  # noqa: BLE001 (sent as text instead)
                answer = ("unpicklable", f"{type(exc).__name__}: {exc}")
        _write_all(answer_fd, pickle.dumps(answer))
    except MemoryError:
        code = _MEMORY_EXIT
    except BaseException:  # noqa: BLE001 (the server reports the exit code; the traceback goes to stderr)
        code = 1
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _address_space() -> int:
    """The reader's own size (VmSize) as it starts, in bytes: its budget comes on top."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmSize in /proc/self/status")


def _read_frame(fd: int) -> bytes | None:
    head = _read_exactly(fd, _FRAME.size)
    if head is None:
        return None
    return _read_exactly(fd, _FRAME.unpack(head)[0])


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
    _write_all(fd, _FRAME.pack(len(data)) + data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
