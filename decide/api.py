"""The library API: the same path the CLI takes, for tools that embed decide.

from decide import load_rubrics, load_task, evaluate, render

rubrics = load_rubrics()                 # the bundled default set, or a name, or a folder
task = load_task("task.yaml", rubrics)   # validated; raises DecideError with located problems
report = evaluate(task, rubrics)         # pure: the same input gives the same report
print(render(report, "markdown"))        # "text", "markdown" or "json"
"""

from __future__ import annotations

from pathlib import Path

from decide.engine import evaluate
from decide.errors import DecideError
from decide.loading.rubrics import load_rubrics
from decide.loading.task import TaskLoader
from decide.model import Report, RubricSet, Task
from decide.report import render


def load_task(path: str | Path, rubrics: RubricSet) -> Task:
    """Read and validate one task file against a rubric set."""
    return TaskLoader(rubrics).load(path)


__all__ = ["DecideError", "Report", "evaluate", "load_rubrics", "load_task", "render"]
