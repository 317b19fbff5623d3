"""`decide rubrics`: inspect and check rubric sets."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from decide.cli.errors import reported_errors
from decide.cli.help import DecideCommand
from decide.cli.io import emit

rubrics_app = typer.Typer(
    help="Inspect and check rubric sets.\n\nWithout a command, lists the bundled sets (default, strict, relaxed).\n\n"
    "\b\nExamples:\n  decide rubrics show strict\n  decide rubrics validate my-rubrics/",
    rich_markup_mode=None,
)


class DocFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


@rubrics_app.callback(invoke_without_command=True)
def rubrics_root(context: typer.Context) -> None:
    """Without a subcommand: list the bundled rubric sets."""
    if context.invoked_subcommand is None:
        list_sets()


@rubrics_app.command("list", cls=DecideCommand)
def list_sets() -> None:
    """List the bundled rubric sets: name, version and what each is for.

    \b
    Example:
      decide rubrics list
    """
    from decide.loading.rubrics import bundled_sets, load_rubrics

    with reported_errors():
        sets = [load_rubrics(name) for name in bundled_sets()]
        emit("".join(f"{s.name}\t{s.version}\t{s.description}\n" for s in sets), None)


@rubrics_app.command("show", cls=DecideCommand)
def show(
    which: Annotated[str | None, typer.Argument(metavar="[NAME|DIR]", help="A bundled set or a folder.")] = None,
    fmt: Annotated[DocFormat, typer.Option("--format", "-f", help="Output format.")] = DocFormat.TEXT,
) -> None:
    """Print every criterion with its question, options and points.

    \b
    Examples:
      decide rubrics show
      decide rubrics show strict -f markdown > rubrics.md
    """
    from decide.loading.rubrics import load_rubrics
    from decide.report.rubric_docs import RUBRIC_RENDERERS

    with reported_errors():
        emit(RUBRIC_RENDERERS[fmt.value](load_rubrics(which)), None)


@rubrics_app.command("validate", cls=DecideCommand)
def validate_set(folder: Annotated[Path, typer.Argument(metavar="DIR", help="A rubric set folder.")]) -> None:
    """Check a rubric set folder: its files and their coherence.

    Every file against the rubric schema, then the set as a whole: one line per problem.

    \b
    Example:
      cp -r rubrics my-rubrics && decide rubrics validate my-rubrics
    """
    from decide.loading.rubrics import load_rubrics

    with reported_errors():
        rubric_set = load_rubrics(str(folder))
        emit(f"{folder}: rubric set {rubric_set.name} {rubric_set.version} is valid\n", None)


@rubrics_app.command("controls", cls=DecideCommand)
def controls(
    which: Annotated[str | None, typer.Argument(metavar="[NAME|DIR]", help="A bundled set or a folder.")] = None,
) -> None:
    """Print which framework clauses each control answers to.

    The controls catalogue: each governance control with its clauses, then each named risk (as
    risk.ID) with the clauses that name it.

    \b
    Example:
      decide rubrics controls | grep "EU AI Act"
    """
    from decide.loading.rubrics import load_rubrics

    with reported_errors():
        rubric_set = load_rubrics(which)
        cited = [(c.id, rubric_set.references_of(c.id)) for c in rubric_set.rubrics["governance"].criteria]
        cited += [(f"risk.{r.id}", rubric_set.risk_references_of(r.id)) for r in rubric_set.named_risks]
        rows = [("control", "framework", "id", "title")] + [
            (name, f"{r.title_of_framework} {r.version}", r.id, r.title)
            for name, references in cited
            for r in references
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]  # columns as wide as their text
        lines = [" ".join([*map(str.ljust, row[:3], widths), row[3]]) for row in rows]
        emit("\n".join(lines) + "\n", None)
