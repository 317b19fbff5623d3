"""Why a task got its result, and what would change it: sensitivity, what-if and diff. Pure."""

from __future__ import annotations

from typing import Any, NamedTuple

from decide.engine import evaluate
from decide.engine.assess import assess
from decide.model import Assessment, Criterion, Report, RubricSet, Task


class Flip(NamedTuple):
    """Another answer to one criterion that changes the kind, the tier or the readiness."""

    field: str
    answer: Any
    kind: str
    tier: str
    readiness: str


class Explanation(NamedTuple):
    report: Report
    decisive: tuple[str, ...]
    sensitivity: tuple[Flip, ...]


def verdict(assessment: Assessment) -> tuple[str, str, str]:
    return assessment.kind, assessment.tier, assessment.readiness


def alternatives(criterion: Criterion, current: Any) -> list[Any]:
    """The other answers worth trying: every other option, or one value in every other band."""
    if criterion.type == "text":
        return [None] if current else ["someone accountable"]
    if criterion.options:
        return [o.value for o in criterion.options if (o.value, type(o.value)) != (current, type(current))]
    here = _band(criterion, criterion.rank(current))
    others = [band.min for band in criterion.bands if _band(criterion, band.min) != here]
    if criterion.type == "integer":
        return others
    return [[f"regulation {n + 1}" for n in range(count)] for count in others]  # a list: its length counts


def _band(criterion: Criterion, rank: float) -> int:
    return max(index for index, band in enumerate(criterion.bands) if band.min <= rank)


def _with(task: Task, field: str, answer: Any) -> Task:
    answers = dict(task.answers)
    if answer is None:
        answers.pop(field, None)
    else:
        answers[field] = answer
    return task._replace(answers=answers)


def explain(task: Task, rubrics: RubricSet) -> Explanation:
    """The report, the rules that fixed it, and every single answer that would flip it."""
    report = evaluate(task, rubrics)
    before = verdict(report.assessment)
    flips: list[Flip] = []
    for criterion in rubrics.criteria():
        current = task.answers.get(criterion.field, criterion.cautious)
        for answer in alternatives(criterion, current):
            after = assess(_with(task, criterion.field, answer), rubrics)
            if verdict(after) != before:
                flips.append(Flip(criterion.field, answer, *verdict(after)))
    a = report.assessment
    blocking = [gap.control for gap in a.gaps if gap.severity == "blocking"]
    readiness = (
        f"Not ready: blocking gaps in {', '.join(blocking)}" if blocking
        else f"Conditional: advisory gaps in {', '.join(g.control for g in a.gaps)}" if a.gaps
        else "Ready: every control the target level requires is in place"
    )  # fmt: skip
    decisive = (*a.kind_reasons, *a.tier_reasons, f"Target level {a.target_level}: {a.target_reason}", readiness)
    return Explanation(report, decisive, tuple(flips))
