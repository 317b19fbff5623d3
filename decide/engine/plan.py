"""Planning: assessment → pilot milestones and rollback plan, from the rubric set's templates."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

from decide.engine.tables import TextRules
from decide.model import (
    METRIC_FACTS,
    Assessment,
    Closing,
    Facts,
    Milestone,
    MilestoneTemplate,
    Plan,
    Rate,
    RubricSet,
    Task,
    TextRule,
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


def _closings(rubrics: RubricSet, assessment: Assessment) -> list[Closing]:
    """Each control some level up to the target still needs, once: for the first level needing it."""
    ranks = rubrics.tables.controls_by_id
    closings: dict[str, Closing] = {}
    for level in sorted(assessment.gaps_by_level):
        for gap in assessment.gaps_by_level[level]:
            first = closings.get(gap.control)
            if first is None:
                closings[gap.control] = Closing(gap.control, gap.required, level, ())
                continue
            asked = first.later[-1][1] if first.later else first.required
            if ranks[gap.control].ranks[gap.required] > ranks[gap.control].ranks[asked]:
                closings[gap.control] = first._replace(later=(*first.later, (level, gap.required)))
    return list(closings.values())


def _closing_list(closings: tuple[Closing, ...]) -> str:
    return ", ".join(
        f"{c.control} ({display(c.required)}"
        + "".join(f"; {display(required)} from level {level}" for level, required in c.later)
        + ")"
        for c in closings
    )


def _closer(levels: list[int], level: int) -> int:
    """The milestone that puts in place what ``level`` needs: the last one below it, or the last at the
    lowest level (the shadow milestone) when none is below it."""
    below = [position for position, at in enumerate(levels) if at < level]
    return below[-1] if below else levels.count(levels[0]) - 1


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
    levels = [template.level for _, template in templates]
    closes: list[list[Closing]] = [[] for _ in templates]
    for control in _closings(rubrics, assessment):
        closes[_closer(levels, control.level)].append(control)
    factor, tier_sample = rubrics.pilot_tiers[assessment.tier]
    volume_field = "scope.volume_per_day"
    # Without a daily volume in the rubric set, collecting the sample is not what limits the weeks.
    volume = max(1, int(facts[volume_field])) if volume_field in facts else math.inf
    runs_per_week = volume * rubrics.working_days_per_week
    milestone_variables = dict(variables)
    milestones: list[Milestone] = []
    for position, (index, template) in enumerate(templates):
        following = templates[position + 1][1] if position + 1 < len(templates) else template
        sample = math.ceil(tier_sample * template.sample_factor)
        weeks = max(math.ceil(template.weeks * factor), math.ceil(sample / runs_per_week))
        if weeks > rubrics.max_weeks:
            weeks, sample = rubrics.max_weeks, int(min(sample, runs_per_week * rubrics.max_weeks))
        closing = tuple(closes[position])
        local["milestone"], local["level"] = float(index), float(template.level)
        local["final"], local["closes"] = float(position + 1 == len(templates)), float(bool(closing))
        level, next_level = rubrics.level(template.level), rubrics.level(following.level)
        milestone_variables.update(
            sample=str(sample),
            weeks=str(weeks),
            level=str(level.level),
            level_name=level.name,
            closes=_closing_list(closing),
            next_level=str(next_level.level),
            next_level_name=next_level.name,
        )
        texts = _texts(rubrics.tables.exit_criteria, local, milestone_variables)
        milestones.append(
            Milestone(
                template.id,
                template.name,
                level.level,
                level.name,
                weeks,
                sample,
                template.objective,
                tuple(texts),
                closing,
                assessment.cleared and template.level <= assessment.start_level,
            )
        )
    return tuple(milestones)


def _plain_texts(rules: tuple[TextRule, ...], facts: Facts, variables: Mapping[str, str]) -> list[str]:
    """The texts of the rules that hold, filled in: for texts read once a task, with nothing to cache."""
    return [rule.text.format_map(variables) for rule in rules if rule.when.holds(facts)]


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
    start = rubrics.level(assessment.start_level)
    share, at_least = rubrics.second_review
    tier_sample = rubrics.pilot_tiers[assessment.tier][1]
    variables = {
        "owner": owner if owner else "the accountable owner (none is named yet)",
        "time_saved": f"{metrics.time_saved_hours_per_week:g}" if metrics.time_saved_hours_per_week is not None else "",
        "review_sample": str(min(tier_sample, max(at_least, math.ceil(tier_sample * share)))),
        "start_level": str(start.level),
        "start_level_name": start.name,
        **_rate_variables("error_rate", metrics.error_rate),
        **_rate_variables("escalation_rate", metrics.escalation_rate),
    }
    for name, rate in (("error_rate", metrics.error_rate), ("escalation_rate", metrics.escalation_rate)):
        reference = rate.target if rate and rate.target is not None else None
        variables[f"{name}_trigger"] = (
            percent(min(1.0, reference * rubrics.rate_trigger_factor)) if reference is not None else ""
        )
    # The floor is measured from the target where there is one: a target set below the baseline on
    # purpose would otherwise sit under a floor taken from the baseline.
    escalation = metrics.escalation_rate or Rate(None, None)
    reference = escalation.target if escalation.target is not None else escalation.baseline
    variables["escalation_rate_floor"] = (
        percent(reference * rubrics.rate_floor_factor)
        if reference is not None
        else f"{rubrics.rate_floor_factor:.0%} of the measured baseline"
    )
    facts["cleared"] = float(assessment.cleared)
    facts["climbs"] = float(not assessment.cleared or assessment.start_level < assessment.target_level)
    milestones = _milestones(rubrics, assessment, facts, variables)
    fallback = _texts(rubrics.tables.fallbacks, facts, variables)[0]  # the last one always applies
    variables["fallback"] = fallback
    return Plan(
        standing=_plain_texts(rubrics.standing, facts, variables)[0],  # the last one always applies
        throughout=tuple(_plain_texts(rubrics.throughout, facts, variables)),
        milestones=milestones,
        measure_baseline_first=not all(facts[name] for name in METRIC_FACTS),
        triggers=tuple(_texts(rubrics.tables.rollback_triggers, facts, variables)),
        steps=tuple(_texts(rubrics.tables.rollback_steps, facts, variables)),
        fallback=fallback[0].upper() + fallback[1:],
    )
