"""Options shared by several commands, defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from decide.report import ReportFormat

RubricsOption = Annotated[
    str | None,
    typer.Option("--rubrics", metavar="NAME|DIR", help="A bundled rubric set by name, or a folder of your own."),
]
FrameworkOption = Annotated[
    str | None,
    typer.Option("--framework", metavar="NAME", help="Show only this framework's references with each gap."),
]
FormatOption = Annotated[
    ReportFormat | None,
    typer.Option("--format", "-f", help="Report format [default: text, or from the -o file's extension]."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write the report here (atomically) instead of stdout."),
]
TaskArgument = Annotated[
    Path, typer.Argument(metavar="TASK", help="A task file (YAML); - reads standard input.", dir_okay=True)
]
TaskFileArgument = Annotated[Path, typer.Argument(metavar="TASK", help="A task file (YAML).")]
PathsArgument = Annotated[
    list[Path], typer.Argument(metavar="PATH...", help="Task files, or folders searched for *.yaml and *.yml.")
]
