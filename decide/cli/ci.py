"""`decide ci`: the gate for pull requests that change task files, and its reports."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from decide.ci import FailOn
from decide.cli.errors import reported_errors
from decide.cli.io import emit
from decide.cli.options import RubricsOption


def ci(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(metavar="[PATH...]", help="Task files or folders [default: `paths` from the configuration]."),
    ] = None,
    fail_on: Annotated[
        FailOn | None, typer.Option("--fail-on", help="Which readiness fails the gate [default: not-ready].")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(metavar="FILE", help="A result JSON to compare with: fail only on regressions.")
    ] = None,
    junit: Annotated[Path | None, typer.Option(metavar="FILE", help="Write a JUnit XML report.")] = None,
    sarif: Annotated[Path | None, typer.Option(metavar="FILE", help="Write SARIF 2.1.0 for code scanning.")] = None,
    markdown: Annotated[Path | None, typer.Option(metavar="FILE", help="Write a Markdown summary.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", metavar="FILE", help="Write the result JSON (a later --baseline).")
    ] = None,
    gitlab: Annotated[Path | None, typer.Option(metavar="FILE", help="Write a GitLab Code Quality report.")] = None,
    rubrics: RubricsOption = None,
    show_config: Annotated[
        bool, typer.Option("--show-config", help="Print the settings in force and where each came from.")
    ] = False,
) -> None:
    """Gate a CI job: exit 1 when the gate fails, 2 on bad input.

    Settings come from the options, then .decide.yaml or [tool.decide] in pyproject.toml.

    \b
    Examples:
      decide ci tasks/
      decide ci tasks/ --fail-on conditional --sarif decide.sarif
      decide ci --baseline main.json --json result.json
    """
    from decide.ci import github, terminal
    from decide.ci import gitlab as gitlab_format
    from decide.ci import junit as junit_format
    from decide.ci import markdown as markdown_format
    from decide.ci import sarif as sarif_format
    from decide.ci.config import resolve_settings
    from decide.ci.gate import result_json, run_gate
    from decide.errors import DecideError
    from decide.loading.paths import collect_task_files
    from decide.loading.rubrics import load_rubrics
    from decide.output import write_atomic

    with reported_errors():
        settings = resolve_settings({
            "paths": [str(p) for p in paths or []], "rubrics": rubrics, "fail-on": fail_on.value if fail_on else None,
            "baseline": str(baseline) if baseline else None,
        })  # fmt: skip
        if show_config:
            emit("".join(f"{key} = {setting.value!r}  ({setting.source})\n" for key, setting in settings.items()), None)
            return
        if settings["paths"].value is None:
            raise DecideError.at("decide ci", "name the task files or folders, or set `paths` in .decide.yaml "
                                 "or [tool.decide] in pyproject.toml")  # fmt: skip
        gate = FailOn(settings["fail-on"].value)  # the configuration's value is checked by its schema
        rubric_set = load_rubrics(settings["rubrics"].value)
        files, unreadable = collect_task_files([Path(p) for p in settings["paths"].value])
        baseline_path = Path(settings["baseline"].value) if settings["baseline"].value else None
        result = run_gate(files, rubric_set, gate, baseline_path, unreadable=unreadable)

        # The reports are rendered before any is written: a failure leaves none half-done.
        outputs: list[tuple[Path | None, Callable[[], str]]] = [
            (json_out, lambda: result_json(result)),
            (junit, lambda: junit_format.render(result, rubric_set)),
            (sarif, lambda: sarif_format.render(result, rubric_set)),
            (gitlab, lambda: gitlab_format.render(result, rubric_set)),
            (markdown, lambda: markdown_format.render(result)),
        ]
        rendered = [(path, render()) for path, render in outputs if path is not None]
        for path, text in rendered:
            write_atomic(path, text)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            emit(github.render(result), None)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            with open(summary_file, "a", encoding="utf-8") as handle:
                handle.write(markdown_format.render(result))

        for outcome in result.invalid:
            for problem in outcome.problems:
                print(problem, file=sys.stderr)
        emit(terminal.render(result), None)
    raise typer.Exit(result.exit_code)
