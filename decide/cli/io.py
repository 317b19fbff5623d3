"""Where command output goes: stdout, or a file written atomically."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from decide.errors import DecideError
from decide.report import FORMAT_BY_SUFFIX, ReportFormat

if TYPE_CHECKING:
    from decide.model import RubricSet


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def use_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stdout_is_terminal() and not os.environ.get("NO_COLOR")


def choose_format(fmt: ReportFormat | None, output: Path | None) -> ReportFormat:
    if fmt is not None:
        return fmt
    if output is None or not output.suffix:
        return ReportFormat.TEXT
    if output.suffix.lower() not in FORMAT_BY_SUFFIX:
        known = ", ".join(FORMAT_BY_SUFFIX)
        raise DecideError.at(
            str(output), f"no report format writes {output.suffix!r} files: name it {known}, or give --format"
        )
    return FORMAT_BY_SUFFIX[output.suffix.lower()]


def check_framework(rubrics: RubricSet, framework: str | None) -> None:
    """``--framework`` must name a framework the rubric set cites, or it would quietly show nothing."""
    known = rubrics.cited_frameworks()
    if framework is not None and framework not in known:
        raise DecideError.at("--framework", f"{framework!r} is not in the catalogue: {', '.join(known)}")


def refuse_overwriting_inputs(output: Path | None, inputs: list[Path]) -> None:
    """A report must never replace the file it was made from."""
    if output is None or not output.exists():
        return
    for source in inputs:
        if source.exists() and os.path.samefile(output, source):
            raise DecideError.at(str(output), f"refusing to overwrite the input {str(source)!r} with a report")


def emit(text: str, output: Path | None) -> None:
    """Write to stdout, or atomically to ``output``; a failed write is the user's to see, not a traceback."""
    if output is not None:
        from decide.output import write_atomic

        write_atomic(output, text)
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (`| head`): what it wanted it has; point stdout at nothing so
        # the interpreter's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as error:
        raise DecideError.at("<stdout>", f"cannot write: {error.strerror or error}") from None
