"""Each document is read in a child process with a wall clock and a memory ceiling that hold.

pdfminer can loop inside one page, and a hostile file can ask for gigabytes: neither is stopped by checks
the reader makes itself. So a document is read by a *reader*, a child process that sets, for each
document, an address-space limit (RLIMIT_AS) and a CPU-time backstop; it is killed, with everything it
started (LibreOffice), when the document's time is up. Starting an interpreter per document would cost
the imports of pdfplumber and python-docx each time, so readers are forked from a *reader server*: a
small single-threaded process started once per concurrent caller, with the readers' modules imported,
serving one document at a time over its stdin and stdout. A reader reads one document after another
until a document is stopped or starts a process, or it has grown or read enough (parindex/reader_server.py);
the next document then gets a fresh one. A thread runner's threads each take a server of their own; a
process or Dask worker starts its own servers. A server outlives its readers and ends when its caller's
process does (its stdin closes).

PARINDEX_ISOLATION=none reads in the calling process instead (for benchmarks): the memory limit and a
wall clock inside a page then do not hold.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from parindex.errors import ConfigurationError, DocumentError, Reason
from parindex.reader_server import FRAME

T = TypeVar("T")

MODES = ("child", "none")
HARD_STOP_GRACE = 2.0  # seconds past max_seconds before a reader is killed: the PDF reader stops itself between pages
SERVER_START_SECONDS = 60.0  # a reader server imports the readers once
SERVER_SLACK_SECONDS = 30.0  # past a reader's deadline, a server that has not answered is itself killed
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
            [sys.executable, "-c", "from parindex.reader_server import serve; serve()"],
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
        self._in.write(FRAME.pack(len(data)) + data)
        self._in.flush()

    def _receive(self, deadline: float) -> bytes:
        (size,) = FRAME.unpack(self._read(FRAME.size, deadline))
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
