"""`decide certify`: write an autonomy certificate, or check that one still holds."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from decide.cli.errors import reported_errors
from decide.cli.io import emit
from decide.cli.options import RubricsOption, TaskFileArgument

if TYPE_CHECKING:
    from decide.model import Report

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
        "evidence": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["control", "valid_until", "files"],
                "properties": {
                    "control": {"type": "string"},
                    "valid_until": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                    "files": {
                        "type": "array",
                        "items": {"type": "object", "required": ["ref", "sha256"],
                                  "properties": {"ref": {"type": "string"}, "sha256": {"type": "string"}}},
                    },
                },
            },
        },
    },
}


def _not_cleared(report: Report) -> str:
    """Why no level is cleared: what level 1 lacks, and the claims it rests on that lack evidence."""
    from decide.engine.assess import required_at

    at_first = required_at(report.rubrics, report.assessment, 1)
    missing = ", ".join(gap.control for gap in report.assessment.gaps_by_level[1])
    unevidenced = ", ".join(e.control for e in report.assessment.evidence if e.finding and e.control in at_first)
    why = "; ".join(filter(None, [missing and f"{missing} missing at level 1",
                                  unevidenced and f"no current evidence for {unevidenced}"]))  # fmt: skip
    return f"cleared for no level yet ({why}): no certificate"


def _date(text: str | None) -> datetime.date:
    from decide.errors import DecideError

    if text is None:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise DecideError.at("--today", f"{text!r} is not a date: write YYYY-MM-DD") from None


def certify(
    task: TaskFileArgument,
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
    """Certify the autonomy level a task may use, or check one.

    The certificate names the level TASK is cleared for, the controls that level rests on and a
    review date; --check exits 1, saying why, once the task no longer supports it.

    \b
    Examples:
      decide certify task.yaml -o task.cert.json
      decide certify task.yaml --check task.cert.json
    """
    from decide.certify import certificate_json, holds_until, stale_reasons
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
        report = evaluate(TaskLoader(rubric_set, as_of=date).load(task), rubric_set)
        if check is None:
            if not report.assessment.cleared:  # a certificate never grants more than the cleared level
                raise DecideError(Problem(str(task), message=_not_cleared(report)), exit_code=EXIT_GATE)
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
        emit(f"{check}: holds: level {document['level']} until {holds_until(document)}\n", None)
