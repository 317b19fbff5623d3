"""The gate's result for the terminal: failing tasks first, each with what blocks it."""

from __future__ import annotations

from decide.ci.gate import GateResult, evidence_lines, gap_lines
from decide.ci.markdown import verdict
from decide.errors import shown


def render(result: GateResult) -> str:
    lines: list[str] = []
    for outcome in result.failed:
        assert outcome.report is not None  # only evaluated tasks fail the gate
        a = outcome.report.assessment
        lines.append(f"FAIL {shown(outcome.source)} ({outcome.task_id}): {a.readiness}, {a.tier} risk")
        lines += [f"     regressed: {text}" for text in outcome.regressions]
        lines += [f"     {text}" for text in (*gap_lines(outcome.report), *evidence_lines(outcome.report))]
    lines += [
        f"ok   {shown(outcome.source)} ({outcome.task_id}): {outcome.report.assessment.readiness}"
        for outcome in result.tasks
        if outcome.report is not None and not outcome.failed
    ]
    lines.append(f"decide ci: {verdict(result).lstrip('✅❌ ')}")
    return "\n".join(lines) + "\n"
