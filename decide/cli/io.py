"""Where command output goes: stdout, or a file written atomically."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from decide.report import FORMAT_BY_SUFFIX, ReportFormat


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def use_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stdout_is_terminal() and not os.environ.get("NO_COLOR")


def choose_format(fmt: ReportFormat | None, output: Path | None) -> ReportFormat:
    if fmt is not None:
        return fmt
    if output is not None:
        return FORMAT_BY_SUFFIX.get(output.suffix.lower(), ReportFormat.TEXT)
    return ReportFormat.TEXT


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from decide.output import write_atomic

    write_atomic(output, text)
