"""`decide evaluate`: one task file, one report."""

from __future__ import annotations

import shutil
import sys

from decide.cli.errors import reported_errors
from decide.cli.io import check_framework, choose_format, emit, refuse_overwriting_inputs, stdout_is_terminal, use_color
from decide.cli.options import FormatOption, FrameworkOption, OutputOption, RubricsOption, TaskArgument

STDIN = "<stdin>"  # how standard input is named in messages and reports


def evaluate(
    task: TaskArgument,
    fmt: FormatOption = None,
    output: OutputOption = None,
    rubrics: RubricsOption = None,
    framework: FrameworkOption = None,
) -> None:
    """Evaluate one task: kind, risk, gaps, pilot and rollback plan.

    The report's format is text on a terminal, or what --format or the -o file's extension says.

    \b
    Examples:
      decide evaluate examples/ticket-triage-agent.yaml
      decide evaluate task.yaml -o report.html
      decide evaluate task.yaml --framework eu-ai-act
      cat task.yaml | decide evaluate - -f json
    """
    from decide.engine import evaluate as evaluate_task
    from decide.errors import DecideError
    from decide.loading.rubrics import load_rubrics
    from decide.loading.task import TaskLoader
    from decide.report import RenderOptions, render

    with reported_errors():
        refuse_overwriting_inputs(output, [task])
        rubric_set = load_rubrics(rubrics)
        check_framework(rubric_set, framework)
        loader = TaskLoader(rubric_set)
        if str(task) == "-":
            from decide.loading.yaml_source import read_stream

            loaded = loader.load_bytes(read_stream(sys.stdin.buffer, STDIN), STDIN)
        elif task.is_dir():
            raise DecideError.at(
                str(task), f"is a folder: to evaluate every task file in it, run decide batch {task} --out-dir DIR"
            )
        else:
            loaded = loader.load(task)
        report = evaluate_task(loaded, rubric_set)
        on_terminal = output is None and stdout_is_terminal()
        width = min(120, shutil.get_terminal_size().columns) if on_terminal else 100
        options = RenderOptions(color=output is None and use_color(), width=width, framework=framework)
        emit(render(report, choose_format(fmt, output), options), output)
