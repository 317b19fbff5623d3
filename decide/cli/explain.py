"""`decide explain` and `decide diff`: why this result, and what changes it."""

from __future__ import annotations

import difflib
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from decide.cli.errors import reported_errors
from decide.cli.io import emit
from decide.cli.options import RubricsOption, TaskFileArgument

if TYPE_CHECKING:
    from decide.loading.task import TaskLoader
    from decide.model import Task


class ExplainFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class DiffFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


def explain(
    task: TaskFileArgument,
    fmt: Annotated[ExplainFormat, typer.Option("--format", "-f", help="Output format.")] = ExplainFormat.TEXT,
    what_if: Annotated[
        list[str] | None,
        typer.Option(
            "--what-if",
            metavar="FIELD=VALUE",
            help="Also evaluate with this answer changed, the value as YAML reads it, and compare (repeatable).",
        ),
    ] = None,
    rubrics: RubricsOption = None,
) -> None:
    """Why a task got its result, and which answers would change it.

    Each criterion's points, weight and share of its rubric's score; the rules behind the kind, the
    tier and the level; the fewest control changes that make it ready; every single answer that
    would change the kind, the tier or the readiness.

    \b
    Examples:
      decide explain examples/ticket-triage-agent.yaml
      decide explain task.yaml --what-if governance.kill_switch=true
      decide explain task.yaml -f json
    """
    from decide.engine import evaluate
    from decide.engine.explain import explain as explain_task
    from decide.loading.rubrics import load_rubrics
    from decide.loading.task import TaskLoader
    from decide.report.explanation import Side, explanation_json, explanation_text

    with reported_errors():
        rubric_set = load_rubrics(rubrics)
        loader = TaskLoader(rubric_set)
        original = loader.load(task)
        sides: list[Side] = []
        subject = original
        if what_if:
            subject = _with_what_ifs(loader, task, what_if)
            sides = [Side("before", evaluate(original, rubric_set)), Side("what if", evaluate(subject, rubric_set))]
        explanation = explain_task(subject, rubric_set)
        render = explanation_json if fmt is ExplainFormat.JSON else explanation_text
        emit(render(explanation, sides), None)


def _with_what_ifs(loader: TaskLoader, task: Path, what_if: list[str]) -> Task:
    """The task with every --what-if applied; a mistake in one is the option's, not the file's.

    The file itself has loaded already, so every problem found now comes from an option: each is
    told against the option whose field it names."""
    from decide.errors import DecideError, Problem
    from decide.loading.task import task_schema

    fields = _paths(task_schema(loader.rubrics))
    for option in what_if:
        field, equals, _ = option.partition("=")
        field = field.strip()
        if not equals or not field:
            raise DecideError.at(f"--what-if {option}", "write FIELD=VALUE, such as governance.kill_switch=true")
        if field not in fields:
            same_name = [known for known in fields if known.rpartition(".")[2] == field]
            close = same_name or difflib.get_close_matches(field, fields, n=1)
            hint = f": did you mean {close[0]}?" if close else ": `decide rubrics show` lists the fields"
            raise DecideError.at(f"--what-if {option}", f"unknown field {field!r}{hint}")
    try:
        return loader.load(task, overrides=what_if)
    except DecideError as error:

        def blamed(problem: Problem) -> Problem:
            named = [o for o in what_if if problem.message.startswith(o.partition("=")[0].strip() + ":")]
            return Problem(f"--what-if {named[0] if named else ' '.join(what_if)}", message=problem.message)

        raise DecideError([blamed(problem) for problem in error.problems]) from None


def _paths(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Every dotted field a task file may set, as its schema names them: governance.kill_switch, metrics.error_rate."""
    paths = []
    for key, part in schema.get("properties", {}).items():
        paths += [prefix + key, *_paths(part, f"{prefix}{key}.")]
    return paths


def diff(
    old: Annotated[Path, typer.Argument(metavar="OLD", help="The earlier version of the task file.")],
    new: Annotated[Path, typer.Argument(metavar="NEW", help="The later version of the task file.")],
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = DiffFormat.TEXT,
    rubrics: RubricsOption = None,
) -> None:
    """Compare two versions of a task file, and what the change did.

    Every answer that differs, the verdict and scores side by side, the controls a changed level or
    tier now asks more of, and a warning when autonomy rose with no control made stronger.

    \b
    Examples:
      git show HEAD~1:task.yaml > old.yaml && decide diff old.yaml task.yaml
      decide diff old.yaml task.yaml -f markdown >> "$GITHUB_STEP_SUMMARY"
    """
    from decide.engine import evaluate
    from decide.loading.rubrics import load_rubrics
    from decide.loading.task import TaskLoader
    from decide.report.explanation import diff_dict, diff_text
    from decide.report.json_encoding import dump_json

    with reported_errors():
        rubric_set = load_rubrics(rubrics)
        loader = TaskLoader(rubric_set)
        before, after = (evaluate(loader.load(path), rubric_set) for path in (old, new))
        if fmt is DiffFormat.JSON:
            emit(dump_json(diff_dict(before, after)), None)
        else:
            emit(diff_text(before, after, markdown=fmt is DiffFormat.MARKDOWN), None)
