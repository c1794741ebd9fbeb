"""Legacy Word .doc (Office 97-2003) to .docx with LibreOffice headless: the one extractor that runs a program."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from core.errors import DocumentError, Reason

SOFFICE_NAMES = ("soffice", "libreoffice")
_STDERR_TAIL = 300


def soffice_path() -> str | None:
    """Where LibreOffice's soffice is, or None when it is not installed (Debian: libreoffice-writer-nogui)."""
    return next((path for name in SOFFICE_NAMES if (path := shutil.which(name))), None)


def convert_doc_to_docx(data: bytes, timeout: float) -> bytes:
    """The .docx LibreOffice makes of a .doc; DocumentError(CONVERSION_FAILED) when it cannot within `timeout` s."""
    return libreoffice_convert(data, "doc", "docx:MS Word 2007 XML", timeout, what="the legacy .doc file")


def libreoffice_convert(data: bytes, suffix: str, target: str, timeout: float, *, what: str = "the document") -> bytes:
    """`data` (a file ending in `suffix`) converted by LibreOffice headless to `target` ("docx", "doc", "pdf", ...).

    Each conversion gets its own LibreOffice profile: conversions sharing one fail when they overlap.
    soffice starts a child process, so on timeout the whole process group is killed.
    DocumentError(CONVERSION_FAILED) when LibreOffice is missing, fails or runs out of time.
    """
    soffice = soffice_path()
    if soffice is None:
        raise DocumentError(Reason.CONVERSION_FAILED, f"LibreOffice is not installed here to convert {what}")
    extension = target.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="parindex-lo-") as folder:
        work = Path(folder)
        source, out = work / f"input.{suffix}", work / "out"
        source.write_bytes(data)
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ]
        stderr = _run(command, timeout, env={**os.environ, "HOME": str(work)}, what=what)
        converted = out / f"input.{extension}"
        if not converted.is_file() or converted.stat().st_size == 0:
            detail = f": {stderr.strip()[-_STDERR_TAIL:]}" if stderr.strip() else ""
            raise DocumentError(Reason.CONVERSION_FAILED, f"LibreOffice could not convert {what} (damaged or password-protected?){detail}")
        return converted.read_bytes()


def _run(command: list[str], timeout: float, env: dict[str, str], what: str) -> str:
    """Run `command` in its own process group; its stderr, or DocumentError after `timeout` seconds."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise DocumentError(Reason.CONVERSION_FAILED, f"LibreOffice did not convert {what} within {timeout:g} s") from None
    return stderr.decode("utf-8", "replace")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()
