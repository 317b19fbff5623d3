"""The HTML report: one self-contained page (inline CSS and SVG, no script, nothing from the
network), from Jinja2 templates shipped in the package, with autoescaping on."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from decide import __version__
from decide.model import Report, display
from decide.report import RenderOptions, gap_reasons, risk_gaps
from decide.report.markdown import what_would_change

if TYPE_CHECKING:
    import jinja2

SCORES = (("autonomy", "Autonomy"), ("scope", "Scope"), ("data_access", "Data access"),
          ("governance", "Governance"))  # fmt: skip


@cache
def environment() -> jinja2.Environment:
    """Built on first use, once per process: templates are package data."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("decide", "templates"),
        autoescape=True,  # everything a user wrote is escaped, in text and attributes alike
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _milestones(report: Report) -> list[dict[str, Any]]:
    start = 0
    rows = []
    for m in report.plan.milestones:
        rows.append({"name": m.name, "level": m.level, "level_name": m.level_name, "weeks": m.duration_weeks,
                     "sample": m.sample_size, "objective": m.objective, "exit_criteria": m.exit_criteria,
                     "cleared": m.cleared, "start": start})  # fmt: skip
        start += m.duration_weeks
    return rows


def render(report: Report, options: RenderOptions) -> str:
    a = report.assessment
    milestones = _milestones(report)
    reasons = gap_reasons(report)
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            task=report.task,
            a=a,
            rubrics=report.rubrics,
            plan=report.plan,
            summary=report.summary,
            kind_description=report.rubrics.kind_descriptions[a.kind],
            start=report.rubrics.level(a.start_level),
            target=report.rubrics.level(a.target_level),
            blocking=[g for g in a.gaps if g.severity == "blocking"],
            scores=[{"name": name, "title": title, "value": a.scores[name]} for name, title in SCORES],
            decisive=[
                {"field": r.field, "answer": display(r.answer), "contribution": r.contribution}
                for rubric in ("autonomy", "scope", "data_access")
                for r in report.decisive(rubric)
            ],
            gaps=[
                {
                    "control": g.control,
                    "severity": g.severity,
                    "required": display(g.required),
                    "present": display(g.present),
                    "reasons": ", ".join(map(str, reasons.numbers[g.control])),
                    "remedy": g.remedy,
                }
                for g in a.gaps
            ],
            reasons=reasons.reasons,
            risk_gaps=[
                {"risks": risks, "control": g.control, "present": display(g.present), "required": display(g.required)}
                for g, risks in risk_gaps(report)
            ],
            changes=what_would_change(report),
            milestones=milestones,
            total_weeks=max(1, sum(m["weeks"] for m in milestones)),
            measure_baseline=report.plan.measure_baseline_first,
            assumptions=[{"field": r.field, "value": display(r.answer), "label": r.label} for r in report.assumptions],
            version=__version__,
        )
    )
