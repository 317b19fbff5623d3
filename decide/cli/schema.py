"""`decide schema`: print a JSON Schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from decide.cli.errors import reported_errors
from decide.cli.io import emit
from decide.cli.options import RubricsOption


class SchemaName(StrEnum):
    TASK = "task"
    REPORT = "report"
    RUBRIC = "rubric"
    SUMMARY = "summary"
    EXPLAIN = "explain"
    IMPORT_MAPPING = "import-mapping"


def schema(
    which: Annotated[
        SchemaName,
        typer.Argument(metavar="WHICH", help="task (the default), report, rubric, summary, explain or import-mapping."),
    ] = SchemaName.TASK,
    rubrics: RubricsOption = None,
) -> None:
    """Print a JSON Schema: task, report, rubric, summary and more.

    The task schema follows the rubric set (--rubrics), so an editor can check and complete task
    files against the questions an organisation asks.

    \b
    Examples:
      decide schema task > task.schema.json
      decide schema report
    """

    from decide.loading.schemas import packaged_schema
    from decide.report.json_encoding import dump_json

    with reported_errors():
        document: dict[str, Any]
        if which is SchemaName.TASK:
            from decide.loading.rubrics import load_rubrics
            from decide.loading.task import task_schema

            document = task_schema(load_rubrics(rubrics))
        else:
            document = packaged_schema(which.value)
        emit(dump_json(document), None)
