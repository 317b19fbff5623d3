"""The gate's result in GitHub-flavoured Markdown: for a job summary or a pull-request comment."""

from __future__ import annotations

from decide.ci.gate import GateResult, TaskOutcome, evidence_lines, gap_lines
from decide.report.markdown import code, escape, table


def verdict(result: GateResult) -> str:
    evaluated = len(result.tasks) - len(result.invalid)
    if result.invalid:
        return f"❌ {len(result.invalid)} invalid task file{'s' if len(result.invalid) != 1 else ''}"
    if result.failed:
        against = f"regressions against {result.baseline}" if result.baseline else f"--fail-on {result.fail_on}"
        return f"❌ {len(result.failed)} of {evaluated} tasks fail the gate ({against})"
    return f"✅ {evaluated} tasks pass the gate (--fail-on {result.fail_on})"


def _status(outcome: TaskOutcome) -> str:
    if outcome.invalid:
        return "invalid"
    return "fails" if outcome.failed else "passes"


def render(result: GateResult) -> str:
    lines = [f"## decide: {verdict(result)}", ""]
    rows = [
        [
            escape(outcome.report.task.title if outcome.report else outcome.source),
            code(outcome.source),
            outcome.report.assessment.kind if outcome.report else "",
            outcome.report.assessment.tier if outcome.report else "",
            outcome.report.assessment.readiness if outcome.report else "",
            str(sum(g.severity == "blocking" for g in outcome.report.assessment.gaps)) if outcome.report else "",
            _status(outcome),
        ]
        for outcome in sorted(result.tasks, key=lambda o: (not o.invalid, not o.failed))
    ]
    lines += table(["Task", "File", "Kind", "Tier", "Readiness", "Blocking gaps", "Gate"], rows)
    for outcome in result.tasks:
        if outcome.regressions:
            lines += ["", f"### {escape(outcome.task_id)} regressed", ""]
            lines += [f"- {escape(text)}" for text in outcome.regressions]
        if outcome.failed and outcome.report is not None:
            lines += ["", f"### Gaps of {escape(outcome.task_id)}", ""]
            lines += [f"- {escape(text)}" for text in gap_lines(outcome.report, ("blocking", "advisory"))]
            lines += [f"- {escape(text)}" for text in evidence_lines(outcome.report, ("blocking", "advisory"))]
        if outcome.invalid:
            lines += ["", f"### {escape(outcome.source)} is not a valid task file", ""]
            lines += [f"- {code(str(problem))}" for problem in outcome.problems]
    return "\n".join(lines) + "\n"
