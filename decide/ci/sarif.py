"""SARIF 2.1.0 for GitHub code scanning: one rule per governance control, one result per gap.

The findings (a gap of an evaluated task, a problem of an invalid file) are defined here, with the
format that needs the most of them; the GitLab Code Quality report reads the same findings, and
JUnit the same locations. Besides the OASIS schema, GitHub requires non-empty texts, descriptions of
at most 1024 characters, ``security-severity`` as a string, and one location with a full region.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import PurePath
from typing import Any, NamedTuple
from urllib.parse import quote

from decide import __version__
from decide.ci.gate import GateResult
from decide.errors import EXIT_INPUT, Problem
from decide.model import ControlEvidence, Criterion, Gap, Report, RubricSet, Task, display
from decide.report.json_encoding import dump_json
from decide.report.markdown import escape

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INVALID_RULE = "decide/invalid-task"
EVIDENCE_RULE = "decide/evidence"
FINGERPRINT_KEY = "decide/v1"  # a new key, should the identity of a finding ever change
MAX_DESCRIPTION = 1024  # GitHub's limit on a rule's short and full description


class Finding(NamedTuple):
    """One thing to show on a line of a task file: a gap of an evaluated task, or a problem of an invalid file."""

    rule: str  # decide/<control>, or decide/invalid-task
    severity: str  # blocking | advisory | invalid
    tier: str  # the task's risk tier; "" for an invalid file
    source: str
    message: str  # its first sentence says what is wrong where: the alert's title
    remedy: str  # how to close a gap; "" for an invalid file
    line: int
    column: int
    width: int  # characters from the column to the end of what is marked
    identity: str  # what stays the same across runs and line moves; hashed into the fingerprint


def locate(task: Task, control: str) -> tuple[int, int, str]:
    """Line, column and text of the control's key, or of the governance section's where it is left out."""
    field = f"governance.{control}"
    if field in task.marks:
        return (*task.marks[field], control)
    return (*task.marks["governance"], "governance")


def gap_message(report: Report, gap: Gap) -> str:
    """What is missing in which task, then why it is required."""
    criterion = report.rubrics.criterion(f"governance.{gap.control}")
    absent = criterion.values[:1] == [gap.present]  # its weakest option: none, false, broad, no owner
    what = f"is missing {gap.control}" if absent else f"falls short on {gap.control}"
    return (f"Task '{report.task.id}' {what}: required {display(gap.required)}, has {display(gap.present)}. "
            f"{gap.why}")  # fmt: skip


def _gap_finding(source: str, report: Report, gap: Gap) -> Finding:
    line, column, key = locate(report.task, gap.control)
    return Finding(
        rule=f"decide/{gap.control}",
        severity=gap.severity,
        tier=report.assessment.tier,
        source=source,
        message=gap_message(report, gap),
        remedy=gap.remedy,
        line=line,
        column=column,
        width=len(key),
        identity=f"{source}\0{report.task.id}\0{gap.control}",
    )


def locate_evidence(task: Task, evidence: ControlEvidence) -> tuple[int, int]:
    """Line and column of the first evidence item that cannot back the claim (else the first item),
    or of the control's key when it has none."""
    if evidence.items:
        return next((item for item in evidence.items if item.problem), evidence.items[0]).mark
    return locate(task, evidence.control)[:2]


EVIDENCE_REMEDIES = {
    "missing": "Add an item under evidence.{control}: a file in the repository (ref: a path from the task file's "
    "folder) or a URL, with the date it was last verified.",
    "unusable": "Point ref at a readable file inside the repository, or at a URL.",
    "stale": "Verify it again (rehearse, test, re-run) and update the item's date.",
}


def evidence_message(report: Report, evidence: ControlEvidence) -> str:
    """Which claim lacks current evidence in which task, how, and why it must have it."""
    return (f"Task '{report.task.id}' claims {evidence.control}: {display(evidence.claimed)} without current "
            f"evidence ({evidence.status}: {evidence.detail}). {evidence.why}")  # fmt: skip


def _evidence_finding(source: str, report: Report, evidence: ControlEvidence) -> Finding:
    line, column = locate_evidence(report.task, evidence)
    return Finding(
        rule=EVIDENCE_RULE,
        severity=evidence.severity,
        tier=report.assessment.tier,
        source=source,
        message=evidence_message(report, evidence),
        remedy=EVIDENCE_REMEDIES[evidence.status].format(control=evidence.control),
        line=line,
        column=column,
        width=1,
        identity=f"{source}\0{report.task.id}\0evidence\0{evidence.control}",
    )


def _problem_finding(source: str, problem: Problem) -> Finding:
    message = " ".join(problem.message.split())  # one line, as the problem prints
    return Finding(
        rule=INVALID_RULE,
        severity="invalid",
        tier="",
        source=source,
        message=f"Not a valid task file: {message}",
        remedy="",
        line=max(problem.line, 1),  # a problem with the whole file (unreadable, not YAML) marks its start
        column=max(problem.column, 1),
        width=1,  # the extent of a problem is unknown: mark the character where it starts
        identity=f"{source}\0{message}",
    )


def findings(result: GateResult) -> list[Finding]:
    """Every gap and evidence finding of every evaluated task and every problem of every invalid file,
    in the gate's order."""
    found: list[Finding] = []
    for outcome in result.tasks:
        if outcome.report is None:
            found += [_problem_finding(outcome.source, problem) for problem in outcome.problems]
            continue
        report = outcome.report
        found += [_gap_finding(outcome.source, report, gap) for gap in report.assessment.gaps]
        found += [_evidence_finding(outcome.source, report, e) for e in report.assessment.evidence if e.finding]
    return found


def fingerprints(found: list[Finding]) -> list[str]:
    """A stable hash of each finding's identity, numbered where one repeats (the same file given twice,
    two identical problems), so that no two findings share one: code scanning and GitLab merge those."""
    seen: Counter[str] = Counter()
    hashes: list[str] = []
    for finding in found:
        seen[finding.identity] += 1
        identity = finding.identity + (f"\0{seen[finding.identity]}" if seen[finding.identity] > 1 else "")
        hashes.append(hashlib.sha256(identity.encode()).hexdigest())
    return hashes


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _control_rule(criterion: Criterion, rubrics: RubricSet) -> dict[str, Any]:
    control = criterion.id
    # How to close the gap depends on what is in place: each present option's remedy, in order.
    remedy = " ".join(f"From {option}: {text}" for option, text in rubrics.remedies.get(control, {}).items())
    remedy = remedy or criterion.help  # help.text is required, and not empty
    properties: dict[str, Any] = {"tags": ["security", "ai-governance"]}
    if control in rubrics.security_severity:  # a rubric set may leave a control without one
        properties["security-severity"] = f"{rubrics.security_severity[control]:.1f}"
    return {
        "id": f"decide/{control}",
        "name": "".join(part.capitalize() for part in control.split("_")),
        "shortDescription": {"text": _clip(criterion.question)},
        "fullDescription": {"text": _clip(criterion.help)},
        "help": {
            "text": remedy,
            "markdown": f"**How to close the gap:** {escape(remedy)}\n\n"
            f"`governance.{control}` in the task file: {escape(criterion.question)} {escape(criterion.help)}",
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": properties,
    }


INVALID_TASK_RULE: dict[str, Any] = {
    "id": INVALID_RULE,
    "name": "InvalidTask",
    "shortDescription": {"text": "The file is not a valid task file."},
    "fullDescription": {
        "text": "decide cannot evaluate a file that is not YAML, not a mapping, or breaks the task file schema "
        "(`decide schema task`); the gate fails with exit code 2 until it is fixed."
    },
    "help": {
        "text": "Fix the problem at the marked line; `decide validate FILE` lists every problem of a file.",
        "markdown": "Fix the problem at the marked line; `decide validate FILE` lists every problem of a file.",
    },
    "defaultConfiguration": {"level": "error"},
    "properties": {"tags": ["ai-governance"]},
}


EVIDENCE_TASK_RULE: dict[str, Any] = {
    "id": EVIDENCE_RULE,
    "name": "ClaimWithoutEvidence",
    "shortDescription": {"text": "A claimed control lacks current evidence."},
    "fullDescription": {
        "text": "The rubric set asks that this claimed control be backed by evidence (the task file's evidence "
        "section): it has none, its files cannot be read inside the repository, or it is older than the tier allows."
    },
    "help": {
        "text": "Add an evidence item (ref, date) for the control, fix its ref, or verify it again and update "
        "its date.",
        "markdown": "Add an evidence item (`ref`, `date`) for the control, fix its `ref`, or verify it again and "
        "update its `date`.",
    },
    "defaultConfiguration": {"level": "warning"},
    "properties": {"tags": ["ai-governance"]},
}


def _uri(source: str) -> str:
    """A relative path as a relative URI reference (code scanning's recommendation), an absolute one as a file URI."""
    path = PurePath(source)
    return path.as_uri() if path.is_absolute() else quote(source)


def _result(finding: Finding, fingerprint: str, index: int) -> dict[str, Any]:
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": "warning" if finding.severity == "advisory" else "error",
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding.source)},
                    "region": {
                        "startLine": finding.line,
                        "startColumn": finding.column,
                        "endLine": finding.line,
                        "endColumn": finding.column + finding.width,
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }


def render(result: GateResult, rubrics: RubricSet) -> str:
    """The SARIF log: deterministic (no timestamps, no absolute paths for files under the working directory)."""
    rules = [_control_rule(criterion, rubrics) for criterion in rubrics.rubrics["governance"].criteria]
    rules += [EVIDENCE_TASK_RULE, INVALID_TASK_RULE]
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    found = findings(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "decide", "version": __version__, "semanticVersion": __version__, "rules": rules}
                },
                "columnKind": "unicodeCodePoints",  # YAML's marks count characters
                "results": [
                    _result(finding, fingerprint, index[finding.rule])
                    for finding, fingerprint in zip(found, fingerprints(found), strict=True)
                ],
                "invocations": [{"executionSuccessful": result.exit_code != EXIT_INPUT, "exitCode": result.exit_code}],
            }
        ],
    }
    return dump_json(log)
