"""The reader server: one process per concurrent caller, forking a reader with limits for each document.

parindex.isolation starts it (`python -c "from parindex.reader_server import serve; serve()"`) and speaks
to it over its stdin and stdout in frames (FRAME: an 8-byte length, then a pickle). The server imports the
readers' modules once; each reader it forks sets its own limits (RLIMIT_AS above its starting size, a CPU
backstop), reads one document and answers down a pipe, and is killed with everything it started
(LibreOffice runs in a session of its own) when its wall clock runs out. Linux only: it reads /proc.
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
PRELOAD = ("extractors", "extractors.archives", "parindex.pipeline", "parindex.settings", "schemas.framework", "schemas.units")
FRAME = struct.Struct("!Q")  # a frame's length, before its bytes
_MEMORY_EXIT = 86  # a reader that ran out of memory before it could say so


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
