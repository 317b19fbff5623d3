"""Planning: assessment → pilot milestones and rollback plan, from the rubric set's templates."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

from decide.engine.tables import TextRules
from decide.model import (
    METRIC_FACTS,
    Assessment,
    Facts,
    Gap,
    Milestone,
    MilestoneTemplate,
    Plan,
    Rate,
    RubricSet,
    Task,
    display,
)


def percent(value: float) -> str:
    return f"{value * 100:.3g}%"


def _rate_variables(name: str, rate: Rate | None) -> dict[str, str]:
    target = rate.target if rate else None
    baseline = rate.baseline if rate else None
    return {
        f"{name}_target": percent(target) if target is not None else "the target",
        f"{name}_baseline": percent(baseline) if baseline is not None else "not measured yet",
    }


def _texts(group: TextRules, facts: Facts, variables: Mapping[str, str]) -> list[str]:
    """The texts of the rules that hold, filled in."""
    holding = _holding(group, tuple(facts[name] for name in group.reads))
    return [text.format_map(variables) for text in holding]


# Tasks share few combinations of the facts text rules read, and a pilot checks its exit criteria once
# for every milestone: which rules hold is worked out once for each combination.
@lru_cache(maxsize=4096)
def _holding(group: TextRules, ranks: tuple[float, ...]) -> tuple[str, ...]:
    """The texts of the rules that hold where the facts they read have these ranks."""
    facts = dict(zip(group.reads, ranks, strict=True))
    return tuple(rule.text for rule in group.rules if rule.when.holds(facts))


def _gap_list(gaps: tuple[Gap, ...]) -> str:
    return ", ".join(f"{gap.control} ({display(gap.required)})" for gap in gaps)


def _milestones(
    rubrics: RubricSet, assessment: Assessment, facts: dict[str, float], variables: dict[str, str]
) -> tuple[Milestone, ...]:
    # One copy of the facts and variables serves every milestone: each milestone sets the same
    # keys before its conditions and texts read them.
    local = dict(facts)
    templates: list[tuple[int, MilestoneTemplate]] = []
    for index, template in enumerate(rubrics.milestones):
        if template.level <= assessment.target_level:
            local["milestone"], local["level"] = float(index), float(template.level)
            if template.when.holds(local):
                templates.append((index, template))
    factor, tier_sample = rubrics.pilot_tiers[assessment.tier]
    volume_field = "scope.volume_per_day"
    # Without a daily volume in the rubric set, collecting the sample is not what limits the weeks.
    volume = max(1, int(facts[volume_field])) if volume_field in facts else math.inf
    runs_per_week = volume * rubrics.working_days_per_week
    milestone_variables = dict(variables)
    milestones: list[Milestone] = []
    for position, (index, template) in enumerate(templates):
        following = templates[position + 1][1] if position + 1 < len(templates) else None
        sample = math.ceil(tier_sample * template.sample_factor)
        weeks = max(math.ceil(template.weeks * factor), math.ceil(sample / runs_per_week))
        if weeks > rubrics.max_weeks:
            weeks, sample = rubrics.max_weeks, int(min(sample, runs_per_week * rubrics.max_weeks))
        next_gaps = (
            assessment.gaps_by_level.get(following.level, ()) if following and following.level > template.level else ()
        )
        local["milestone"], local["level"] = float(index), float(template.level)
        local["final"], local["has_next_gaps"] = float(following is None), float(bool(next_gaps))
        level = rubrics.level(template.level)
        milestone_variables.update(
            sample=str(sample),
            weeks=str(weeks),
            level=str(level.level),
            level_name=level.name,
            next_gaps=_gap_list(next_gaps),
        )
        texts = _texts(rubrics.tables.exit_criteria, local, milestone_variables)
        milestones.append(
            Milestone(
                template.id, template.name, level.level, level.name, weeks, sample, template.objective, tuple(texts)
            )
        )
    return tuple(milestones)


def plan(task: Task, rubrics: RubricSet, assessment: Assessment) -> Plan:
    """The pilot that climbs to the target level, and how to roll back when it goes wrong."""
    metrics = task.metrics
    facts = dict(assessment.facts)
    facts.update(
        {
            "metrics.error_rate": float(bool(metrics.error_rate and metrics.error_rate.target is not None)),
            "metrics.escalation_rate": float(
                bool(metrics.escalation_rate and metrics.escalation_rate.target is not None)
            ),
            "metrics.time_saved_hours_per_week": float(metrics.time_saved_hours_per_week is not None),
        }
    )
    owner = task.answers.get("governance.owner")
    variables = {
        "owner": owner if owner else "the accountable owner (none is named yet)",
        "time_saved": f"{metrics.time_saved_hours_per_week:g}" if metrics.time_saved_hours_per_week is not None else "",
        **_rate_variables("error_rate", metrics.error_rate),
        **_rate_variables("escalation_rate", metrics.escalation_rate),
    }
    for name, rate in (("error_rate", metrics.error_rate), ("escalation_rate", metrics.escalation_rate)):
        reference = rate.target if rate and rate.target is not None else None
        variables[f"{name}_trigger"] = (
            percent(min(1.0, reference * rubrics.rate_trigger_factor)) if reference is not None else ""
        )
    milestones = _milestones(rubrics, assessment, facts, variables)
    fallback = _texts(rubrics.tables.fallbacks, facts, variables)[0]  # the last one always applies
    variables["fallback"] = fallback
    return Plan(
        milestones=milestones,
        measure_baseline_first=not all(facts[name] for name in METRIC_FACTS),
        triggers=tuple(_texts(rubrics.tables.rollback_triggers, facts, variables)),
        steps=tuple(_texts(rubrics.tables.rollback_steps, facts, variables)),
        fallback=fallback[0].upper() + fallback[1:],
    )
