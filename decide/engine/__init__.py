"""The engine: pure functions from a task and a rubric set to a report. No I/O, no printing."""

from __future__ import annotations

from decide.engine.assess import assess
from decide.engine.plan import plan
from decide.engine.summary import summarize
from decide.model import Report, RubricSet, Task


def evaluate(task: Task, rubrics: RubricSet) -> Report:
    """Assess the task, plan its pilot and rollback, and bundle the result every renderer reads."""
    assessment = assess(task, rubrics)
    return Report(task, rubrics, assessment, plan(task, rubrics, assessment), summarize(rubrics, assessment))


__all__ = ["assess", "evaluate", "plan"]
