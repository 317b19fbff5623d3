"""GitLab Code Quality: the SARIF log's findings as one JSON array, for the merge request widget.

GitLab checks each item in turn and drops every item after the first invalid one, and merges
items that share a fingerprint; so every field it requires is always set, and fingerprints are
unique and stable across line moves (they hash the file, the task and the control, not the line).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath
from typing import Any

from decide.ci.gate import GateResult
from decide.ci.sarif import Finding, findings, fingerprints
from decide.model import RubricSet
from decide.report.json_encoding import dump_json


def severity(finding: Finding) -> str:
    """Blocking gaps are critical at the critical tier, major below it; advisory ones minor; an
    invalid file, which stops the gate, a blocker."""
    if finding.severity == "invalid":
        return "blocker"
    if finding.severity == "advisory":
        return "minor"
    return "critical" if finding.tier == "critical" else "major"


def repository_path(source: str) -> str:
    """GitLab wants a path relative to the repository: a file outside the working directory gets a
    relative path that leaves it (``../``), as no better one exists."""
    if not PurePath(source).is_absolute():
        return source
    try:
        return Path(os.path.relpath(source)).as_posix()
    except ValueError:  # Windows: another drive, where no relative path exists (and none starts with /)
        return source


def _issue(finding: Finding, fingerprint: str) -> dict[str, Any]:
    description = f"{finding.message} {finding.remedy}" if finding.remedy else finding.message
    return {
        "description": description,
        "check_name": finding.rule,
        "fingerprint": fingerprint,
        "severity": severity(finding),
        "location": {"path": repository_path(finding.source), "lines": {"begin": finding.line}},
    }


def render(result: GateResult, rubrics: RubricSet) -> str:
    """One issue per gap and per invalid file's problem. ``rubrics`` goes unused: every CI format
    takes the same arguments, and the findings hold what GitLab shows."""
    found = findings(result)
    issues = [_issue(finding, fingerprint) for finding, fingerprint in zip(found, fingerprints(found), strict=True)]
    return dump_json(issues)
