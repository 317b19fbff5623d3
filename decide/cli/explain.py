"""`decide explain` and `decide diff`: why this result, and what changes it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from decide.cli.errors import reported_errors
from decide.cli.io import emit
from decide.cli.options import RubricsOption, TaskArgument


class ExplainFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class DiffFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


def explain(
    task: TaskArgument,
    fmt: Annotated[ExplainFormat, typer.Option("--format", "-f", help="Output format.")] = ExplainFormat.TEXT,
    what_if: Annotated[
        list[str] | None,
        typer.Option("--what-if", metavar="FIELD=VALUE", help="Re-evaluate with a field changed (repeatable)."),
    ] = None,
    rubrics: RubricsOption = None,
) -> None:
    """Every criterion's contribution, the decisive rules, the path to ready and what would flip the verdict."""
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
            subject = loader.load(task, overrides=what_if)
            sides = [Side("before", evaluate(original, rubric_set)), Side("what if", evaluate(subject, rubric_set))]
        explanation = explain_task(subject, rubric_set)
        render = explanation_json if fmt is ExplainFormat.JSON else explanation_text
        emit(render(explanation, sides), None)


def diff(
    old: Annotated[Path, typer.Argument(metavar="OLD", help="The earlier task file.")],
    new: Annotated[Path, typer.Argument(metavar="NEW", help="The later task file.")],
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = DiffFormat.TEXT,
    rubrics: RubricsOption = None,
) -> None:
    """What changed between two versions of a task, and what it did to the verdict."""

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
