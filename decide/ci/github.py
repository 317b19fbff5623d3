"""GitHub Actions workflow commands: an annotation on the task file's line for each gap and evidence finding.

Escaping follows the runner's own encoder (actions/toolkit ``escapeData`` and ``escapeProperty``):
``%`` first, then line breaks, and in properties also ``:`` and ``,``.
"""

from __future__ import annotations

from decide.ci.gate import GateResult
from decide.ci.sarif import evidence_message, locate_evidence
from decide.model import display


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, *, file: str, line: int, column: int, title: str) -> str:
    properties = f"file={escape_property(file)},line={max(line, 1)}"
    if column:
        properties += f",col={column}"
    return f"::{kind} {properties},title={escape_property(title)}::{escape_data(message)}"


def render(result: GateResult) -> str:
    """``::error`` for blocking gaps and invalid files, ``::warning`` for advisory gaps."""
    lines: list[str] = []
    for outcome in result.tasks:
        for problem in outcome.problems:
            lines.append(command("error", problem.message, file=outcome.source, line=problem.line,
                                 column=problem.column, title="decide: invalid task file"))  # fmt: skip
        if outcome.report is None:
            continue
        task = outcome.report.task
        for gap in outcome.report.assessment.gaps:
            line, column = task.marks.get(f"governance.{gap.control}", task.marks.get("governance", (1, 1)))
            message = (f"{gap.control}: requires {display(gap.required)}, has {display(gap.present)}. {gap.why} "
                       f"{gap.remedy}")  # fmt: skip
            kind = "error" if gap.severity == "blocking" else "warning"
            lines.append(command(kind, message, file=outcome.source, line=line, column=column,
                                 title=f"decide: {gap.severity} gap in {task.id}"))  # fmt: skip
        for evidence in (e for e in outcome.report.assessment.evidence if e.finding):
            line, column = locate_evidence(task, evidence)
            kind = "error" if evidence.severity == "blocking" else "warning"
            title = f"decide: {evidence.severity} evidence finding in {task.id}"
            lines.append(command(kind, evidence_message(outcome.report, evidence), file=outcome.source, line=line,
                                 column=column, title=title))  # fmt: skip
    return "".join(line + "\n" for line in lines)
