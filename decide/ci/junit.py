"""JUnit XML: one test case per task file, for the test reports of Jenkins and GitLab.

The dialect is Jenkins xUnit's ``junit-10.xsd``, the most permissive one that is written down. It
allows no ``skipped`` on ``testsuites`` and no ``file`` on a test case, so neither is written; the
task file is named, with the line, on each line of a failure instead. No ``time`` either: the same
result gives the same bytes. GitLab wants each test case's name unique within its class.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence

from decide.ci import FailOn
from decide.ci.gate import GateResult, TaskOutcome, evidence_lines, gap_lines
from decide.ci.sarif import locate, locate_evidence
from decide.model import RubricSet

# Characters XML 1.0 forbids even as references; a problem message may quote a broken file.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def case_names(tasks: Sequence[TaskOutcome]) -> list[str]:
    """Each task's id, with its file where two tasks share one, numbered where a file is given twice."""
    ids = Counter(outcome.task_id for outcome in tasks)
    names = [o.task_id if ids[o.task_id] == 1 else f"{o.task_id} ({o.source})" for o in tasks]
    seen: Counter[str] = Counter()
    unique: list[str] = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return unique


def _failure(outcome: TaskOutcome, fail_on: FailOn) -> ET.Element:
    """What fails the gate: regressions since the baseline, and the gaps of the readiness that fails."""
    assert outcome.report is not None  # an invalid file is an error, not a failure
    report, assessment = outcome.report, outcome.report.assessment
    severities = ("blocking", "advisory") if fail_on is FailOn.CONDITIONAL else ("blocking",)
    gaps = [gap for gap in assessment.gaps if gap.severity in severities]
    unevidenced = [e for e in assessment.evidence if e.severity in severities]
    if outcome.regressions:
        message = "regressed since the baseline: " + "; ".join(outcome.regressions)
    else:
        short = [f"gaps in {', '.join(g.control for g in gaps)}"] if gaps else []
        short += [f"no current evidence for {', '.join(e.control for e in unevidenced)}"] if unevidenced else []
        message = f"{assessment.readiness} at {assessment.tier} risk: " + "; ".join(short)
    lines = [f"{outcome.source}: regressed: {text}" for text in outcome.regressions]
    for gap, text in zip(gaps, gap_lines(report, severities), strict=True):
        line, column, _ = locate(report.task, gap.control)
        lines.append(f"{outcome.source}:{line}:{column}: {text}")
    for evidence, text in zip(unevidenced, evidence_lines(report, severities), strict=True):
        line, column = locate_evidence(report.task, evidence)
        lines.append(f"{outcome.source}:{line}:{column}: {text}")
    failure = ET.Element("failure", message=message, type=assessment.readiness)
    failure.text = "\n".join(lines)
    return failure


def _case(outcome: TaskOutcome, name: str, fail_on: FailOn) -> ET.Element:
    if outcome.report is None:
        case = ET.Element("testcase", name=name, classname="decide.invalid")
        problems = outcome.problems
        message = " ".join(problems[0].message.split()) if len(problems) == 1 else f"{len(problems)} problems"
        error = ET.SubElement(case, "error", message=f"not a valid task file: {message}", type="invalid-task")
        error.text = "\n".join(str(problem) for problem in problems)
        return case
    case = ET.Element("testcase", name=name, classname=f"decide.{outcome.report.assessment.kind}")
    if outcome.failed:
        case.append(_failure(outcome, fail_on))
    return case


def render(result: GateResult, rubrics: RubricSet) -> str:
    """A ``testsuites`` root holding one ``testsuite``. ``rubrics`` goes unused: every CI format takes
    the same arguments, and JUnit shows only what the reports hold."""
    counts = {"tests": str(len(result.tasks)), "failures": str(len(result.failed)), "errors": str(len(result.invalid))}
    root = ET.Element("testsuites", {"name": "decide", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "decide", **counts, "skipped": "0"})
    for outcome, name in zip(result.tasks, case_names(result.tasks), strict=True):
        suite.append(_case(outcome, name, result.fail_on))
    ET.indent(root)
    document = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return _NOT_XML.sub("\ufffd", document)
