"""The JSON report: the contract other tools read (``decide schema report``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from decide import __version__
from decide.model import CriterionResult, Report
from decide.report import RenderOptions

REPORT_FORMAT_VERSION = 1


def criteria_rows(criteria: Iterable[CriterionResult]) -> list[dict[str, Any]]:
    """Each criterion's answer, points, weight and contribution to its rubric's score."""
    return [
        {"field": c.field, "answer": c.answer, "label": c.label, "assumed": c.assumed, "points": c.points,
         "weight": c.weight, "contribution": c.contribution}
        for c in criteria
    ]  # fmt: skip


def report_dict(report: Report, options: RenderOptions) -> dict[str, Any]:
    task, rubrics, assessment, plan = report.task, report.rubrics, report.assessment, report.plan
    start, target = rubrics.level(assessment.start_level), rubrics.level(assessment.target_level)
    return {
        "version": REPORT_FORMAT_VERSION,
        "generator": {"name": "decide", "version": __version__},
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
            "named_risks": [
                {"id": r.id, "title": r.title, "description": r.description} for r in assessment.named_risks
            ],
        },
        "recommendation": {
            "kind": assessment.kind,
            "readiness": assessment.readiness,
            "start_level": start.level,
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
            {"field": step.field, "from": step.before, "to": step.after, "readiness_after": step.readiness_after}
            for step in assessment.to_ready
        ],
        "lower_level": assessment.lower_level,
        "gaps": [
            {
                "control": g.control,
                "severity": g.severity,
                "required": g.required,
                "present": g.present,
                "why": g.why,
                "remedy": g.remedy,
                "requirement": g.requirement,
                "level": g.level,
                "references": [
                    {"framework": r.framework, "version": r.version, "id": r.id, "title": r.title}
                    for r in rubrics.references_of(g.control, options.framework)
                ],
            }
            for g in assessment.gaps
        ],
        "pilot": {
            "measure_baseline_first": plan.measure_baseline_first,
            "total_weeks": sum(m.duration_weeks for m in plan.milestones),
            "milestones": [
                {
                    "id": m.id,
                    "name": m.name,
                    "level": m.level,
                    "level_name": m.level_name,
                    "duration_weeks": m.duration_weeks,
                    "sample_size": m.sample_size,
                    "objective": m.objective,
                    "exit_criteria": list(m.exit_criteria),
                }
                for m in plan.milestones
            ],
        },
        "rollback": {"triggers": list(plan.triggers), "steps": list(plan.steps), "fallback": plan.fallback},
        "criteria": criteria_rows(assessment.criteria),
        "assumptions": [{"field": c.field, "value": c.answer, "label": c.label} for c in report.assumptions],
    }


def render(report: Report, options: RenderOptions) -> str:
    if options.compact:  # the C encoder, several times faster than indenting
        return json.dumps(report_dict(report, options), ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(report_dict(report, options), indent=2, ensure_ascii=False) + "\n"
