"""Autonomy certificates: the level a task may operate at today, and the conditions it rests on.

A certificate is small, deterministic JSON: the same task, rubrics and issue date give the same
bytes. Checking it says why it no longer holds: the task or the rubric set changed, or the review
it was issued until is due. The date is passed in, never read here, so that it can be set in tests.
"""

from __future__ import annotations

import datetime
from typing import Any

from decide import __version__
from decide.engine.assess import required_at
from decide.model import Report, display
from decide.report.json_encoding import dump_json

CERTIFICATE_VERSION = 1


def certificate(report: Report, issued: datetime.date) -> dict[str, Any]:
    a, rubrics = report.assessment, report.rubrics
    level = rubrics.level(a.start_level)
    answers = report.task.answers
    conditions = [
        {"control": control, "in_force": display(answers.get(f"governance.{control}", _weakest(report, control))),
         "required": display(rubrics.criterion(f"governance.{control}").values[rank])}
        for control, rank in sorted(required_at(rubrics, a, level.level).items())
    ]  # fmt: skip
    return {
        "version": CERTIFICATE_VERSION,
        "generator": {"name": "decide", "version": __version__},
        "task": {"id": report.task.id, "source": report.task.source, "sha256": report.task.sha256},
        "rubrics": {"name": rubrics.name, "version": rubrics.version, "sha256": rubrics.sha256},
        "level": level.level,
        "level_name": level.name,
        "target_level": a.target_level,
        "kind": a.kind,
        "tier": a.tier,
        "readiness": a.readiness,
        "conditions": conditions,
        "issued": issued.isoformat(),
        "review_by": (issued + datetime.timedelta(days=rubrics.review_days[a.tier])).isoformat(),
        "evidence": _evidence(report),
    }


def _evidence(report: Report) -> list[dict[str, Any]]:
    """The evidence behind each claimed control: until when it is recent enough, and each local
    file's sha256, so that a check sees a file changed or gone."""
    max_age = datetime.timedelta(days=report.rubrics.evidence_max_age[report.assessment.tier])
    recorded = []
    for evidence in report.assessment.evidence:
        if evidence.status != "evidenced" or evidence.verified is None:
            continue
        recorded.append({
            "control": evidence.control,
            "valid_until": (evidence.verified + max_age).isoformat(),
            "files": [{"ref": item.ref, "sha256": item.sha256} for item in evidence.items if item.sha256],
        })  # fmt: skip
    return recorded


def holds_until(document: dict[str, Any]) -> str:
    """The day a certificate stops holding unless renewed: its review, or its evidence growing old."""
    dates: list[str] = [document["review_by"], *(e["valid_until"] for e in document.get("evidence", ()))]
    return min(dates)


def _weakest(report: Report, control: str) -> Any:
    return report.rubrics.criterion(f"governance.{control}").values[0]


def _what_changed(document: dict[str, Any], report: Report) -> str:
    """What the change to the task file did to what the certificate grants."""
    if not report.assessment.cleared:
        return "it is now cleared for no level"
    now = certificate(report, datetime.date.fromisoformat(document["issued"]))
    if (now["level"], now["conditions"]) == (document["level"], document["conditions"]):
        return f"level {now['level']} and the controls it rests on are unchanged: reissue it"
    if now["level"] != document["level"]:
        return f"it is now cleared for level {now['level']}, not {document['level']}"
    return f"level {now['level']} now rests on other controls"


def _evidence_reasons(recorded: list[dict[str, Any]], report: Report, today: datetime.date) -> list[str]:
    """Why the evidence a certificate rests on no longer backs it: a file changed or gone, or too old."""
    reasons = []
    for entry in recorded:
        control = entry["control"]
        now = {item.ref: item for item in report.task.evidence.get(control, ())}
        for file in entry["files"]:
            item = now.get(file["ref"])
            if item is None:
                reasons.append(f"evidence {file['ref']} for {control} is no longer listed in the task file")
            elif item.problem:
                reasons.append(f"evidence {file['ref']} for {control}: {item.problem}")
            elif item.sha256 != file["sha256"]:
                reasons.append(f"evidence {file['ref']} for {control} changed since the certificate was issued")
        if today > datetime.date.fromisoformat(entry["valid_until"]):
            reasons.append(f"the evidence for {control} was due to be verified again by {entry['valid_until']}")
    return reasons


def certificate_json(report: Report, issued: datetime.date) -> str:
    return dump_json(certificate(report, issued))


def stale_reasons(document: dict[str, Any], report: Report, today: datetime.date) -> list[str]:
    """Why the certificate no longer holds for this task and rubric set; empty while it does."""
    reasons = []
    if document["task"]["sha256"] != report.task.sha256:
        reasons.append(f"the task file changed since the certificate was issued on {document['issued']} "
                       f"({_what_changed(document, report)})")  # fmt: skip
    if document["rubrics"]["sha256"] != report.rubrics.sha256:
        reasons.append(f"the rubric set changed (certified against {document['rubrics']['name']} "
                       f"{document['rubrics']['version']})")  # fmt: skip
    if today > datetime.date.fromisoformat(document["review_by"]):
        reasons.append(f"the review was due by {document['review_by']}")
    reasons += _evidence_reasons(document.get("evidence", ()), report, today)
    if document["task"]["id"] != report.task.id:
        reasons.append(f"the certificate is for task {document['task']['id']!r}, not {report.task.id!r}")
    return reasons
