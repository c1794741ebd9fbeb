"""Progress of long steps: reported to listeners, shown by the CLI as a bar or a line per tenth."""

from __future__ import annotations

import io
import threading

from core.progress import Step, TenthsPrinter, listening, report
from parindex.console import progress_shown


def test_listeners_hear_steps_only_while_they_listen():
    heard: list[Step] = []
    report(Step("reading documents", 1, 3))
    with listening(heard.append):
        report(Step("reading documents", 2, 3))
        worker = threading.Thread(target=report, args=(Step("reading documents", 3, 3),))  # tasks report from threads
        worker.start()
        worker.join()
    report(Step("reading documents", 3, 3))
    assert [s.done for s in heard] == [2, 3]


def test_a_failing_listener_does_not_fail_the_step():
    def broken(step: Step) -> None:
        raise RuntimeError("terminal went away")

    heard: list[Step] = []
    with listening(broken), listening(heard.append):
        report(Step("reading documents", 1, 1))
    assert heard == [Step("reading documents", 1, 1)]


def test_without_a_terminal_a_line_is_written_per_tenth():
    lines: list[str] = []
    printer = TenthsPrinter(lines.append)
    for done in range(1, 36):
        printer(Step("reading documents", done, 35))
    assert lines == [
        "reading documents: 1/35 (3%)",
        "reading documents: 4/35 (11%)",
        "reading documents: 7/35 (20%)",
        "reading documents: 11/35 (31%)",
        "reading documents: 14/35 (40%)",
        "reading documents: 18/35 (51%)",
        "reading documents: 21/35 (60%)",
        "reading documents: 25/35 (71%)",
        "reading documents: 28/35 (80%)",
        "reading documents: 32/35 (91%)",
        "reading documents: 35/35 (100%)",
    ]


def test_the_cli_shows_progress_on_its_error_stream():
    out = io.StringIO()  # not a terminal: lines, not a bar
    with progress_shown(out):
        for done in (1, 2):
            report(Step("reading documents", done, 2))
    assert out.getvalue() == "reading documents: 1/2 (50%)\nreading documents: 2/2 (100%)\n"
    report(Step("reading documents", 2, 2))  # after the command, nothing listens
    assert out.getvalue().count("\n") == 2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_cli_draws_a_bar_and_removes_it():
    out = _Terminal()
    with progress_shown(out):
        for done in range(1, 5):
            report(Step("reading documents", done, 4))
    assert "reading documents" in out.getvalue() and "4/4" in out.getvalue()
