"""The project's one error type: every user mistake becomes a list of located problems."""

from __future__ import annotations

import re
from typing import NamedTuple

# Exit codes (contract): 0 done, 1 a CI gate failed, 2 bad input or usage.
EXIT_OK = 0
EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143  # SIGTERM


# Characters that would break a message's one line or drive a terminal: C0 and C1 controls, DEL, and
# the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(path: str, *, keep_newlines: bool = False) -> str:
    """A path as messages and summaries show it: control characters escaped (``\\n``, ``\\x1b``),
    so that one path stays on one line and cannot move a terminal's cursor. With ``keep_newlines``,
    text laid out in lines keeps its line breaks and loses only what could drive a terminal."""
    control = _CONTROL_BUT_NEWLINE if keep_newlines else _CONTROL
    if not control.search(path):
        return path
    return control.sub(lambda match: _ESCAPES.get(match[0]) or repr(match[0])[1:-1], path)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is so that cleanup runs as for Ctrl-C.

    A kind of KeyboardInterrupt because event loops (asyncio, under the questionnaire's prompts)
    let only that and SystemExit through; any other exception raised in one of their callbacks is
    reported as unhandled, and prompt_toolkit then waits for Enter instead of exiting."""


class Problem(NamedTuple):
    """One mistake in one file, at a 1-based line and column where known."""

    path: str
    line: int = 0
    column: int = 0
    message: str = ""

    def __str__(self) -> str:
        message = " ".join(self.message.splitlines())  # one problem, one line, whatever a key held
        if self.line:
            return f"{shown(self.path)}:{self.line}:{self.column}: {message}"
        return f"{shown(self.path)}: {message}"


class DecideError(Exception):
    """A user's mistake: bad input, a bad rubric set, an unusable path. Never a bug."""

    def __init__(self, problems: list[Problem] | Problem, exit_code: int = EXIT_INPUT) -> None:
        self.problems = list(problems) if isinstance(problems, list) else [problems]
        self.exit_code = exit_code
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str, message: str, line: int = 0, column: int = 0) -> DecideError:
        return cls(Problem(path, line, column, message))
