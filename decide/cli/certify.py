"""`decide certify`: write an autonomy certificate, or check that one still holds."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated

import typer

from decide.cli.errors import reported_errors
from decide.cli.io import emit
from decide.cli.options import RubricsOption, TaskArgument

CERTIFICATE_SCHEMA = {
    "type": "object",
    "required": ["version", "task", "rubrics", "level", "issued", "review_by"],
    "properties": {
        "version": {"const": 1},
        "task": {"type": "object", "required": ["id", "sha256"]},
        "rubrics": {"type": "object", "required": ["name", "version", "sha256"]},
        "level": {"type": "integer", "minimum": 1, "maximum": 4},
        "issued": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "review_by": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    },
}


def _date(text: str | None) -> datetime.date:
    from decide.errors import DecideError

    if text is None:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise DecideError.at("--today", f"{text!r} is not a date: write YYYY-MM-DD") from None


def certify(
    task: TaskArgument,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="CERT", help="Write the certificate.")
    ] = None,
    check: Annotated[
        Path | None, typer.Option("--check", metavar="CERT", help="Check that this certificate still holds for TASK.")
    ] = None,
    today: Annotated[
        str | None, typer.Option("--today", metavar="YYYY-MM-DD", help="The date to issue or check as of.")
    ] = None,
    rubrics: RubricsOption = None,
) -> None:
    """An autonomy certificate: the level TASK may operate at today and the controls it rests on."""
    from decide.certify import certificate_json, stale_reasons
    from decide.engine import evaluate
    from decide.errors import EXIT_GATE, DecideError, Problem
    from decide.loading.rubrics import load_rubrics
    from decide.loading.task import TaskLoader
    from decide.loading.validator import SchemaValidator
    from decide.loading.yaml_source import read_yaml_file

    with reported_errors():
        if check is not None and output is not None:  # an option that would do nothing is refused
            raise DecideError.at("--output", "--check writes nothing: check a certificate, or write one, not both")
        date = _date(today)
        rubric_set = load_rubrics(rubrics)
        report = evaluate(TaskLoader(rubric_set).load(task), rubric_set)
        if check is None:
            if not report.assessment.cleared:  # a certificate never grants more than the cleared level
                missing = ", ".join(gap.control for gap in report.assessment.gaps_by_level[1])
                message = f"cleared for no level yet ({missing} missing at level 1): no certificate"
                raise DecideError(Problem(str(task), message=message), exit_code=EXIT_GATE)
            text = certificate_json(report, date)
            if output is None:
                emit(text, None)
            else:
                from decide.output import write_atomic

                write_atomic(output, text)
            return
        document, _ = read_yaml_file(check)  # JSON is YAML: located errors for a broken file
        problems = SchemaValidator(CERTIFICATE_SCHEMA, root_name="the certificate").problems(document, str(check))
        if problems:
            raise DecideError(problems)
        reasons = stale_reasons(document, report, date)
        if reasons:
            emit("".join(f"{check}: no longer holds: {reason}\n" for reason in reasons), None)
            raise typer.Exit(EXIT_GATE)
        emit(f"{check}: holds: level {document['level']} until {document['review_by']}\n", None)
