"""Assessment: task + rubric set → scores, kind, risk tier, levels, gaps and readiness.

Pure functions: no I/O, no printing, the same answer for the same input. Every number used here
comes from the rubric set; this module only holds the mechanism.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from decide.model import (
    KINDS,
    RUBRICS,
    TIERS,
    Assessment,
    CriterionResult,
    Gap,
    RubricSet,
    Rule,
    Step,
    Task,
)


def score_criteria(
    task: Task, rubrics: RubricSet
) -> tuple[tuple[CriterionResult, ...], dict[str, float], dict[str, float]]:
    """Each criterion's points and contribution, each rubric's 0-100 score, and the answers' ranks."""
    results: list[CriterionResult] = []
    scores: dict[str, float] = {}
    facts: dict[str, float] = {}
    for name in RUBRICS:
        rubric = rubrics.rubrics[name]
        total = sum(criterion.weight for criterion in rubric.criteria) or 1.0
        score = 0.0
        for criterion in rubric.criteria:
            assumed = criterion.field not in task.answers
            answer: Any = criterion.cautious if assumed else task.answers[criterion.field]
            rank, points, label = criterion.score(answer)
            contribution = points * criterion.weight / total
            score += contribution
            facts[criterion.field] = rank
            results.append(
                CriterionResult(
                    criterion.field,
                    criterion.question,
                    answer,
                    label,
                    assumed,
                    points,
                    criterion.weight,
                    round(contribution, 2),
                )
            )
        scores[name] = round(score, 1)
    return tuple(results), scores, facts


def _kind(rubrics: RubricSet, scores: dict[str, float], facts: dict[str, float]) -> tuple[str, float, list[str]]:
    bonuses = [rule for rule in rubrics.demand_bonuses if rule.when.holds(facts)]
    demand = round(min(100.0, scores["autonomy"] + sum(rule.points for rule in bonuses)), 1)
    agentic = [rule for rule in rubrics.agentic if rule.when.holds(facts)]
    reasons = [f"{rule.title} (+{rule.points:g} autonomy demand)" for rule in bonuses]
    high = demand >= rubrics.demand_threshold
    if high:
        reasons.append(f"Autonomy demand {demand:g} is at or above the agent threshold of {rubrics.demand_threshold:g}")
    else:
        reasons.append(f"Autonomy demand {demand:g} is below the agent threshold of {rubrics.demand_threshold:g}")
    reasons += [rule.title for rule in agentic]
    if not (high or agentic):
        return "assistant", demand, reasons
    if rubrics.conversational.when.holds(facts):
        reasons.append(rubrics.conversational.title)
        return "hybrid", demand, reasons
    return "agent", demand, reasons


def _tier(rubrics: RubricSet, scores: dict[str, float], facts: dict[str, float]) -> tuple[float, str, list[str]]:
    weights = rubrics.risk_weights
    base = (weights["scope"] * scores["scope"] + weights["data_access"] * scores["data_access"]) / (
        (weights["scope"] + weights["data_access"]) or 1.0
    )
    score = round(min(100.0, base * (1 + rubrics.autonomy_amplifier * scores["autonomy"] / 100)), 1)
    tier = [name for name, minimum in rubrics.tier_minimums if minimum <= score][-1]
    reasons = [f"Risk score {score:g} (scope and data access, amplified by autonomy) falls in the {tier} band"]
    for ceiling in rubrics.ceilings:
        if not ceiling.when.holds(facts) and TIERS.index(tier) > TIERS.index(ceiling.tier):
            tier = ceiling.tier
            reasons.append(f"Capped at {tier}: {ceiling.title}")
    for floor in rubrics.floors:
        if floor.when.holds(facts) and TIERS.index(tier) < TIERS.index(floor.tier):
            tier = floor.tier
            reasons.append(f"Raised to {tier}: {floor.title}")
    return score, tier, reasons


def _target(rubrics: RubricSet, facts: dict[str, float]) -> tuple[int, str]:
    level, reason = 1, rubrics.level(1).description
    for rule in rubrics.target_rules:
        if rule.when.holds(facts) and rule.level > level:
            level, reason = rule.level, rule.title
    return level, reason


Strongest = dict[str, tuple[int, str, str]]  # control: (required rank, requirement id, why)


def _strongest(rubrics: RubricSet, facts: dict[str, float], by_level: bool, start: Strongest) -> Strongest:
    """The strongest requirement on each control among those (by level, or not) that apply."""
    strongest = dict(start)
    for requirement in rubrics.requirements:
        if requirement.by_level is by_level and requirement.when.holds(facts):
            for control, rank in requirement.require:
                if rank > strongest.get(control, (0, "", ""))[0]:
                    strongest[control] = (rank, requirement.id, requirement.why)
    return strongest


def _gaps(rubrics: RubricSet, strongest: Strongest, facts: dict[str, float], tier: str, level: int) -> tuple[Gap, ...]:
    """The controls weaker than required, in the rubric's control order."""
    gaps: list[Gap] = []
    for criterion in rubrics.rubrics["governance"].criteria:
        if criterion.id not in strongest:
            continue
        rank, requirement_id, why = strongest[criterion.id]
        present = int(facts[criterion.field])
        if present >= rank:
            continue
        blocking = present == 0 or tier in rubrics.always_blocking_tiers
        order = criterion.values  # a text criterion's options are "absent" and "present"
        gaps.append(
            Gap(
                control=criterion.id,
                severity="blocking" if blocking else "advisory",
                required=order[rank],
                present=order[present],
                why=why,
                remedy=rubrics.remedies.get(criterion.id, ""),
                requirement=requirement_id,
                level=level,
            )
        )
    return tuple(gaps)


def required_at(rubrics: RubricSet, assessment: Assessment, level: int) -> dict[str, int]:
    """The controls operating at ``level`` requires, with the weakest acceptable option's rank."""
    facts = {**assessment.facts, "level": float(level)}
    strongest = _strongest(rubrics, facts, True, _strongest(rubrics, facts, False, {}))
    return {control: rank for control, (rank, _, _) in strongest.items() if rank > 0}


def readiness_of(gaps: Iterable[Gap]) -> str:
    """Any blocking gap: not ready; only advisory ones: conditional; none: ready."""
    severities = {gap.severity for gap in gaps}
    return "not-ready" if "blocking" in severities else "conditional" if severities else "ready"


def path_to_ready(rubrics: RubricSet, gaps: tuple[Gap, ...]) -> tuple[Step, ...]:
    """The fewest control changes that make the task ready at its target level, cheapest first.

    Requirements never depend on the controls, so every gap must close and closing it at exactly
    the required option is the least change: the set is the gaps themselves, found exactly. The
    order puts blocking gaps first, then the least effort; readiness follows each step."""
    order = [criterion.id for criterion in rubrics.rubrics["governance"].criteria]
    costs = {
        gap.control: rubrics.effort.get(gap.control, 1.0)
        * (rubrics.criterion(f"governance.{gap.control}").values.index(gap.required)
           - rubrics.criterion(f"governance.{gap.control}").values.index(gap.present))
        for gap in gaps
    }  # fmt: skip
    ranked = sorted(gaps, key=lambda g: (g.severity != "blocking", costs[g.control], order.index(g.control)))
    return tuple(
        Step(f"governance.{gap.control}", gap.present, gap.required, costs[gap.control], readiness_of(ranked[n + 1 :]))
        for n, gap in enumerate(ranked)
    )


def assess(task: Task, rubrics: RubricSet) -> Assessment:
    """Score the task against the rubric set and judge its readiness for the autonomy it needs."""
    criteria, scores, facts = score_criteria(task, rubrics)
    kind, demand, kind_reasons = _kind(rubrics, scores, facts)
    named: list[Rule] = []
    for risk in rubrics.named_risks:
        holds = risk.when.holds(facts)
        facts[f"risk.{risk.id}"] = 1.0 if holds else 0.0
        if holds:
            named.append(risk)
    risk_score, tier, tier_reasons = _tier(rubrics, scores, facts)
    target, target_reason = _target(rubrics, facts)
    facts.update(kind=float(KINDS.index(kind)), tier=float(TIERS.index(tier)), target_level=float(target))

    # What applies at every level is found once; what depends on the level, level by level.
    common = _strongest(rubrics, facts, False, {})
    by_level: dict[int, tuple[Gap, ...]] = {}
    first: dict[tuple[str, object], Gap] = {}
    for level in range(1, target + 1):
        at_level = {**facts, "level": float(level)}
        by_level[level] = _gaps(rubrics, _strongest(rubrics, at_level, True, common), at_level, tier, level)
        for gap in by_level[level]:
            first.setdefault((gap.control, gap.required), gap)
    # Each gap as it first appears on the way up, so that its level and reason say where it starts.
    gaps = tuple(first[gap.control, gap.required] for gap in by_level[target])
    clear = [level for level, found in by_level.items() if not any(g.severity == "blocking" for g in found)]
    start = max(clear, default=1)
    readiness = readiness_of(gaps)
    facts["level"] = float(target)
    return Assessment(
        criteria=criteria,
        scores=scores,
        demand=demand,
        kind=kind,
        kind_reasons=tuple(kind_reasons),
        risk_score=risk_score,
        tier=tier,
        tier_reasons=tuple(tier_reasons),
        named_risks=tuple(named),
        target_level=target,
        target_reason=target_reason,
        start_level=start,
        readiness=readiness,
        gaps=gaps,
        gaps_by_level=by_level,
        to_ready=path_to_ready(rubrics, gaps),
        lower_level=max((level for level in range(1, target) if not by_level[level]), default=None),
        facts=facts,
    )
