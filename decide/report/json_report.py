"""The JSON report: the contract other tools read (``decide schema report``).

``report_dict`` is the one description of the report's structure; ``decide evaluate -f json`` and ``decide batch``
both write it through :func:`~decide.report.json_encoding.dump_json`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from decide import __version__
from decide.model import ControlEvidence, CriterionResult, Gap, Milestone, Reference, Report
from decide.report import RenderOptions
from decide.report.json_encoding import dump_json

REPORT_FORMAT_VERSION = 1

_GENERATOR = {"name": "decide", "version": __version__}


def criteria_rows(criteria: Iterable[CriterionResult]) -> list[dict[str, Any]]:
    """Each criterion's answer, points, weight and contribution to its rubric's score."""
    return [
        {"field": c.field, "answer": c.answer, "label": c.label, "assumed": c.assumed, "points": c.points,
         "weight": c.weight, "contribution": c.contribution}
        for c in criteria
    ]  # fmt: skip


def _references(references: Iterable[Reference]) -> list[dict[str, str]]:
    """Each clause with its framework's edition: ids are renumbered between editions."""
    return [{"framework": r.framework, "version": r.version, "id": r.id, "title": r.title} for r in references]


def _gap(gap: Gap, references: Iterable[Reference]) -> dict[str, Any]:
    return {
        "control": gap.control,
        "severity": gap.severity,
        "required": gap.required,
        "present": gap.present,
        "why": gap.why,
        "remedy": gap.remedy,
        "requirement": gap.requirement,
        "requirements": list(gap.requirements),
        "risks": list(gap.risks),
        "level": gap.level,
        "references": _references(references),
    }


def _requirements(report: Report) -> list[dict[str, Any]]:
    """The requirements behind the gaps, each with its reason once and the gaps' controls it asks for."""
    whys = {requirement.id: requirement.why for requirement in report.rubrics.requirements}
    controls: dict[str, list[str]] = {}
    for gap in report.assessment.gaps:
        for requirement in gap.requirements:
            controls.setdefault(requirement, []).append(gap.control)
    return [{"id": rid, "why": whys[rid], "controls": names} for rid, names in controls.items()]


def _milestone(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "level": m.level,
        "level_name": m.level_name,
        "duration_weeks": m.duration_weeks,
        "sample_size": m.sample_size,
        "objective": m.objective,
        "exit_criteria": list(m.exit_criteria),
        "closes": [
            {
                "control": c.control,
                "required": c.required,
                "level": c.level,
                "later": [{"level": level, "required": required} for level, required in c.later],
            }
            for c in m.closes
        ],
        "cleared": m.cleared,
    }


def report_dict(report: Report, options: RenderOptions) -> dict[str, Any]:
    task, rubrics, assessment, plan = report.task, report.rubrics, report.assessment, report.plan
    start, target = rubrics.level(assessment.start_level), rubrics.level(assessment.target_level)
    return {
        "version": REPORT_FORMAT_VERSION,
        "generator": dict(_GENERATOR),
        "task": {
            "id": task.id,
            "title": task.title,
            "objective": task.objective,
            "owner": task.owner,
            "source": task.source,
            "sha256": task.sha256,
        },
        "rubrics": {"name": rubrics.name, "version": rubrics.version, "sha256": rubrics.sha256},
        "scores": dict(assessment.scores),
        "risk": {
            "tier": assessment.tier,
            "score": assessment.risk_score,
            "reasons": list(assessment.tier_reasons),
            "tier_range": {
                "best": assessment.tier_range.best,
                "cautious": assessment.tier,
                "best_score": assessment.tier_range.best_score,
                "deciding": list(assessment.tier_range.deciding),
            },
            "named_risks": [
                {
                    "id": r.id,
                    "title": r.title,
                    "description": r.description,
                    "references": _references(rubrics.risk_references_of(r.id, options.framework)),
                }
                for r in assessment.named_risks
            ],
        },
        "recommendation": {
            "kind": assessment.kind,
            "readiness": assessment.readiness,
            "start_level": start.level,
            "cleared": assessment.cleared,
            "target_level": target.level,
            "start_level_name": start.name,
            "target_level_name": target.name,
            "start_level_equivalents": dict(start.equivalents),
            "target_level_equivalents": dict(target.equivalents),
            "summary": report.summary,
            "kind_description": rubrics.kind_descriptions[assessment.kind],
            "autonomy_demand": assessment.demand,
            "reasons": list(assessment.kind_reasons),
            "target_reason": assessment.target_reason,
        },
        "to_ready": [
            {"field": s.field, "from": s.before, "to": s.after, "readiness_after": s.readiness_after,
             "with_evidence": s.with_evidence}
            for s in assessment.to_ready
        ],
        "lower_level": assessment.lower_level,
        "evidence": {
            "as_of": task.as_of.isoformat() if task.as_of else None,
            "controls": [_control_evidence(e) for e in assessment.evidence],
        },
        "gaps": [_gap(g, rubrics.references_of(g.control, options.framework)) for g in assessment.gaps],
        "requirements": _requirements(report),
        "pilot": {
            "standing": plan.standing,
            "throughout": list(plan.throughout),
            "measure_baseline_first": plan.measure_baseline_first,
            "total_weeks": sum(m.duration_weeks for m in plan.milestones),
            "milestones": [_milestone(m) for m in plan.milestones],
        },
        "rollback": {"triggers": list(plan.triggers), "steps": list(plan.steps), "fallback": plan.fallback},
        "criteria": criteria_rows(assessment.criteria),
        "assumptions": [{"field": c.field, "value": c.answer, "label": c.label} for c in report.assumptions],
    }


def _control_evidence(evidence: ControlEvidence) -> dict[str, Any]:
    return {
        "control": evidence.control,
        "claimed": evidence.claimed,
        "status": evidence.status,
        "severity": evidence.severity or None,
        "detail": evidence.detail,
        "requirement": evidence.requirement or None,
        "items": [
            {"ref": i.ref, "date": i.date.isoformat() if i.date else None, "note": i.note, "url": i.url,
             "problem": i.problem or None, "sha256": i.sha256}
            for i in evidence.items
        ],
    }  # fmt: skip


def render(report: Report, options: RenderOptions) -> str:
    return dump_json(report_dict(report, options))
