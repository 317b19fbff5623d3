"""Assessment: task + rubric set → scores, kind, risk tier, levels, gaps and readiness.

Pure functions: no I/O, no printing, the same answer for the same input. Every number used here
comes from the rubric set; this module only holds the mechanism.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

from decide.engine.tables import Control, CriterionTable, Grade, RequirementTable, Strength
from decide.model import (
    KINDS,
    TIERS,
    Assessment,
    ControlEvidence,
    CriterionResult,
    EvidenceItem,
    EvidenceRule,
    Facts,
    Gap,
    RubricSet,
    Rule,
    Step,
    Task,
    TierRange,
)


def score_criteria(
    task: Task, rubrics: RubricSet
) -> tuple[tuple[CriterionResult, ...], dict[str, float], dict[str, float]]:
    """Each criterion's points and contribution, each rubric's 0-100 score, and the answers' ranks."""
    answers = task.answers
    results: list[CriterionResult] = []
    scores: dict[str, float] = {}
    facts: dict[str, float] = {}
    for name, tables in rubrics.tables.criteria:
        score = 0.0
        for table in tables:
            field = table.criterion.field
            assumed = field not in answers
            answer: Any = table.criterion.cautious if assumed else answers[field]
            if table.options:  # a choice or a boolean: scored when the rubric set was compiled
                try:
                    scored = table.options[type(answer), answer]
                except (KeyError, TypeError):
                    table.criterion.rank(answer)  # not an option: raises the error that says so
                    raise
                rank, contribution = scored.rank, scored.contribution
                results.append(scored.assumed if assumed else scored.given)
            else:
                rank, grade = _grade(table, answer)
                contribution = grade.contribution
                results.append(
                    CriterionResult(
                        field,
                        table.criterion.question,
                        answer,
                        grade.label,
                        assumed,
                        grade.points,
                        table.criterion.weight,
                        round(contribution, 2),
                    )
                )
            score += contribution
            facts[field] = rank
        scores[name] = round(score, 1)
    return tuple(results), scores, facts


def _grade(table: CriterionTable, answer: Any) -> tuple[float, Grade]:
    """A text's, a number's or a list's rank, and what it scores."""
    rank = table.criterion.rank(answer)
    if not table.minimums:  # a text: scored by its absence or presence
        return rank, table.grades[int(rank)]
    band = bisect_right(table.minimums, rank) - 1
    if band < 0:  # below every band: raises the error that says so
        table.criterion.score(answer)
    return rank, table.grades[band]


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


def _named_risks(rubrics: RubricSet, facts: dict[str, float]) -> list[Rule]:
    """The named risks that hold, each also set in ``facts`` (``risk.ID``: 1 or 0) for later conditions."""
    named = []
    for risk in rubrics.named_risks:
        holds = risk.when.holds(facts)
        facts[f"risk.{risk.id}"] = 1.0 if holds else 0.0
        if holds:
            named.append(risk)
    return named


def _risk_with(task: Task, rubrics: RubricSet, answers: dict[str, Any]) -> tuple[int, float]:
    """The tier's rank and the risk score were the task to give ``answers`` as well."""
    _, scores, facts = score_criteria(task._replace(answers={**task.answers, **answers}), rubrics)
    _named_risks(rubrics, facts)
    score, tier, _ = _tier(rubrics, scores, facts)
    return TIERS.index(tier), score


def tier_range(task: Task, rubrics: RubricSet, tier: str, score: float) -> TierRange:
    """The lowest tier the unanswered questions could still give, and the fewest of them that decide it.

    The tier never falls as an answer gets riskier (the rubric compiler checks the points and
    conditions that make it), so every question answered the least cautious way gives the lowest
    tier. The deciding questions are taken in the order of how much each alone, left cautious while the
    others are answered, raises the tier (then the score), until answering them reaches the lowest
    tier; then any that turn out not to be needed are dropped."""
    unanswered = {c.field: c.least_cautious for c in rubrics.tables.tier_fields if c.field not in task.answers}
    best = _risk_with(task, rubrics, unanswered) if unanswered else (TIERS.index(tier), score)
    if best[0] == TIERS.index(tier):
        return TierRange(tier, score, ())
    chosen: dict[str, Any] = {}

    def weight_of(field: str) -> tuple[int, float]:
        tier_rank, raised = _risk_with(task, rubrics, {f: value for f, value in unanswered.items() if f != field})
        return -tier_rank, -raised

    for field in sorted(unanswered, key=weight_of):
        chosen[field] = unanswered[field]
        if _risk_with(task, rubrics, chosen)[0] == best[0]:
            break
    for field in list(chosen):
        rest = {f: value for f, value in chosen.items() if f != field}
        if _risk_with(task, rubrics, rest)[0] == best[0]:
            chosen = rest
    return TierRange(TIERS[best[0]], best[1], tuple(chosen))


def _target(rubrics: RubricSet, facts: dict[str, float]) -> tuple[int, str]:
    level, reason = 1, rubrics.level(1).description
    for rule in rubrics.target_rules:
        if rule.when.holds(facts) and rule.level > level:
            level, reason = rule.level, rule.title
    return level, reason


Demands = dict[str, tuple[Strength, ...]]  # by control: what each requirement that applies asks of it


def _demands(requirements: Iterable[RequirementTable], start: Demands) -> Demands:
    """What each of ``requirements`` (that apply) asks of each control, added to ``start``."""
    demands = dict(start)
    for requirement in requirements:
        for control, strength in requirement.demands:
            demands[control] = (*demands.get(control, ()), strength)
    return demands


def _common(rubrics: RubricSet, facts: Facts) -> Demands:
    """What the requirements that apply whatever the level ask of each control."""
    return _demands((r for r in rubrics.tables.common_requirements if r.rest.holds(facts)), {})


def _level_requirements(rubrics: RubricSet, facts: Facts) -> list[RequirementTable]:
    """The requirements that name the level and can hold at some level for this task."""
    return [r for r in rubrics.tables.level_requirements if r.levels and r.rest.holds(facts)]


def _applying_at(candidates: list[RequirementTable], level: int, facts: Facts) -> list[RequirementTable]:
    """Of ``candidates``, those that hold at ``level``; ``facts`` must have ``level`` set to it."""
    return [r for r in candidates if level in r.levels and (r.per_level is None or r.per_level.holds(facts))]


def _primacy(strength: Strength) -> tuple[int, int]:
    """Which reason a gap gives first: the requirement that asks the most and, of those that ask as
    much, the one most specific to this work (a named risk, then a higher tier, then a narrower
    condition: see tables._specificity). Every other requirement that asks more than is present
    comes after it, so that a high-risk report never explains a gap with the medium-risk reason alone."""
    return -strength.rank, strength.specificity


def _gaps(
    rubrics: RubricSet, demands: Demands, absence_blocks: dict[str, bool], present_ranks: list[int], *, tier: str,
    level: int,
) -> tuple[Gap, ...]:
    """The controls weaker than required, in the rubric's control order: an absent one as blocking as
    ``absence_blocks`` (:func:`_required`) says, a weaker one blocking only at an always-blocking tier."""
    always_blocking = tier in rubrics.always_blocking_tiers
    gaps: list[Gap] = []
    for control, present in zip(rubrics.tables.controls, present_ranks, strict=True):
        short = sorted((s for s in demands.get(control.id, ()) if s.rank > present), key=_primacy)
        if not short:
            continue
        primary = short[0]
        blocking = absence_blocks[control.id] if present == 0 else always_blocking
        required = control.values[primary.rank]
        gaps.append(
            Gap(
                control.id,
                "blocking" if blocking else "advisory",
                required,
                control.values[present],
                primary.why,
                control.remedies[present],
                primary.requirement,
                level,
                tuple(s.requirement for s in short),
                tuple(dict.fromkeys(risk for s in short for risk in s.risks)),
            )
        )
    return tuple(gaps)


def required_at(rubrics: RubricSet, assessment: Assessment, level: int) -> dict[str, int]:
    """The controls operating at ``level`` requires, with the weakest acceptable option's rank."""
    facts = {**assessment.facts, "level": float(level)}
    at_level = (r for r in rubrics.tables.level_requirements if r.requirement.when.holds(facts))
    demands = _demands(at_level, _common(rubrics, facts))
    return {control: rank for control, asks in demands.items() if (rank := max(s.rank for s in asks)) > 0}


def readiness_of(gaps: Iterable[Gap | ControlEvidence]) -> str:
    """Any blocking gap or evidence finding: not ready; only advisory ones: conditional; none: ready."""
    severities = {gap.severity for gap in gaps}
    return "not-ready" if "blocking" in severities else "conditional" if severities else "ready"


def _required(rubrics: RubricSet, demands: Demands, tier: str) -> dict[str, bool]:
    """The controls the demands require, each with whether its absence would be a blocking gap."""
    always_blocking = tier in rubrics.always_blocking_tiers
    return {
        control: always_blocking or any(s.absent_blocks for s in asks if s.rank > 0)
        for control, asks in demands.items()
        if any(s.rank > 0 for s in asks)
    }


def _evidence_rules(rubrics: RubricSet, facts: Facts, required: dict[str, bool]) -> dict[str, EvidenceRule]:
    """The rule that asks evidence of each required control, once claimed: of the rules that hold,
    a blocking one wins over an advisory one. A claim without evidence weighs no more than no claim:
    it blocks only where the control's absence would, so claiming a control never makes readiness
    worse (the spec's monotonicity)."""
    asked: dict[str, EvidenceRule] = {}
    for rule in rubrics.evidence_rules:
        if rule.when.holds(facts):
            for control in rule.controls:
                if control in required and (control not in asked or rule.blocking > asked[control].blocking):
                    asked[control] = rule._replace(blocking=rule.blocking and required[control])
    return asked


def _evidence(
    task: Task, rubrics: RubricSet, tier: str, asked: dict[str, EvidenceRule], present: list[int]
) -> tuple[ControlEvidence, ...]:
    """Each claimed control that has evidence or a rule asking for it: what backs it, and whether
    that falls short."""
    found: list[ControlEvidence] = []
    for control, rank in zip(rubrics.tables.controls, present, strict=True):
        items = task.evidence.get(control.id, ())
        rule = asked.get(control.id)
        if rank == 0 or not (items or rule):
            continue
        status, detail, verified = _judged(items, task.as_of, rubrics.evidence_max_age[tier], tier)
        severity = "" if rule is None or status == "evidenced" else "blocking" if rule.blocking else "advisory"
        claimed = task.answers.get(control.field, control.values[rank])
        found.append(ControlEvidence(control.id, claimed, status, severity, detail, items,
                                     rule.id if rule else "", rule.why if rule else "", verified))  # fmt: skip
    return tuple(found)


def _judged(
    items: tuple[EvidenceItem, ...], as_of: datetime.date | None, max_age: int, tier: str
) -> tuple[str, str, datetime.date | None]:
    """A control's evidence status, the words that say it, and the day it was last verified."""
    if not items:
        return "missing", "claimed, with no evidence", None
    usable = [item for item in items if not item.problem]
    if not usable:
        return "unusable", "; ".join(f"{item.ref}: {item.problem}" for item in items), None
    dated = [(item.date, item.ref) for item in usable if item.date is not None]
    if not dated or as_of is None:
        return "stale", "undated: say when it was last verified (date: YYYY-MM-DD)", None
    newest, ref = max(dated)
    age = (as_of - newest).days
    if age < 0:
        return "unusable", f"{ref}: dated {newest}, after {as_of}, the day it is judged on", None
    shown = f"{ref}, verified {newest} ({age} days before {as_of})"
    if age > max_age:
        return "stale", f"{shown}; at {tier} risk, evidence may be {max_age} days old", newest
    return "evidenced", shown, newest


def _in_order(rubrics: RubricSet, gaps: Iterable[Gap]) -> tuple[Gap, ...]:
    """The gaps in the order to close them: blocking first, then the least effort, then the rubric's order."""
    controls = rubrics.tables.controls_by_id
    return tuple(
        sorted(
            gaps,
            key=lambda g: (g.severity != "blocking", _cost(controls[g.control], g), controls[g.control].position),
        )
    )


def path_to_ready(
    rubrics: RubricSet, gaps: tuple[Gap, ...], evidenced: frozenset[str] = frozenset()
) -> tuple[Step, ...]:
    """The fewest control changes that make the task ready at its target level, in the gaps' order.

    Requirements never depend on the controls, so every gap must close and closing it at exactly
    the required option is the least change: the set is the gaps themselves, found exactly, and
    ``gaps`` come in :func:`_in_order` (blocking first, then the least effort). The path starts once
    the evidence the task's claims lack is shown (reports put that first); a control in ``evidenced``
    must be shown with evidence once strengthened, and each step assumes it is."""
    controls = rubrics.tables.controls_by_id
    # Readiness after each step is that of the gaps still open after it: walk back from the last.
    steps: list[Step] = []
    readiness = "ready"
    for gap in reversed(gaps):
        steps.append(Step(f"governance.{gap.control}", gap.present, gap.required, _cost(controls[gap.control], gap),
                          readiness, gap.control in evidenced))  # fmt: skip
        readiness = readiness_of([gap]) if readiness != "not-ready" else readiness
    return tuple(reversed(steps))


def _first_needed(gap: Gap, first: Gap) -> Gap:
    """A gap at the target with the level and primary reason of its first appearance on the way up,
    and every requirement and named risk behind it at any of those levels."""
    later = tuple(r for r in gap.requirements if r not in first.requirements)
    return gap._replace(
        why=first.why,
        requirement=first.requirement,
        level=first.level,
        requirements=first.requirements + later,
        risks=tuple(dict.fromkeys(first.risks + gap.risks)),
    )


def _cost(control: Control, gap: Gap) -> float:
    """The effort of strengthening the control from the option it has to the one required."""
    return control.effort * (control.ranks[gap.required] - control.ranks[gap.present])


def assess(task: Task, rubrics: RubricSet) -> Assessment:
    """Score the task against the rubric set and judge its readiness for the autonomy it needs."""
    criteria, scores, facts = score_criteria(task, rubrics)
    kind, demand, kind_reasons = _kind(rubrics, scores, facts)
    named = _named_risks(rubrics, facts)
    risk_score, tier, tier_reasons = _tier(rubrics, scores, facts)
    target, target_reason = _target(rubrics, facts)
    facts.update(kind=float(KINDS.index(kind)), tier=float(TIERS.index(tier)), target_level=float(target))

    # What applies at every level is found once; what depends on the level, level by level, on the
    # same facts with only the level changing (it ends at the target, where later stages read it).
    common = _common(rubrics, facts)
    candidates = _level_requirements(rubrics, facts)
    present = [int(facts[control.field]) for control in rubrics.tables.controls]
    by_level: dict[int, tuple[Gap, ...]] = {}
    required: dict[int, dict[str, bool]] = {}  # by level: the controls it requires, and whether absence blocks
    first: dict[tuple[str, object], Gap] = {}
    for level in range(1, target + 1):
        facts["level"] = float(level)
        applying = _applying_at(candidates, level, facts)
        demands = _demands(applying, common) if applying else common
        required[level] = _required(rubrics, demands, tier)
        by_level[level] = _gaps(rubrics, demands, required[level], present, tier=tier, level=level)
        for gap in by_level[level]:
            first.setdefault((gap.control, gap.required), gap)
    # Each gap as it first appears on the way up, so that its level and reason say where it starts; its
    # severity is the target's, where every requirement that can make it blocking applies.
    gaps = _in_order(rubrics, (_first_needed(gap, first[gap.control, gap.required]) for gap in by_level[target]))
    asked = _evidence_rules(rubrics, facts, required[target])
    evidence = _evidence(task, rubrics, tier, asked, present)
    findings = [e for e in evidence if e.finding]
    short = {e.control for e in findings}
    # Cleared: every requirement that applies is met, advisory ones included, and every control that
    # must be evidenced is, at this level and below.
    cleared = 0
    while cleared < target and not by_level[cleared + 1] and not short & required[cleared + 1].keys():
        cleared += 1
    readiness = readiness_of([*gaps, *findings])
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
        start_level=max(cleared, 1),
        cleared=cleared > 0,
        readiness=readiness,
        readiness_once_evidenced=readiness_of(gaps),
        gaps=gaps,
        gaps_by_level=by_level,
        to_ready=path_to_ready(rubrics, gaps, frozenset(asked)),
        lower_level=cleared if 0 < cleared < target else None,
        tier_range=tier_range(task, rubrics, tier, risk_score),
        evidence=evidence,
        facts=facts,
    )
