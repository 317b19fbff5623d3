"""Which headlines of a report rest on answers the task file left out (taken at their cautious reading).

Read from the result, never re-scored. The tier rests on them when answering them could lower it
(the engine's tier range). Another headline rests on an answer left out when it scored points in a
rubric the headline is made from, when a rule that held for the headline names it, or, for the
readiness and the levels, when it is a control the work falls short on; the readiness also rests on
whatever the tier and the level rest on, since the controls required follow them.
"""

from __future__ import annotations

from collections.abc import Iterable

from decide.model import Facts, Gap, Report, Rule

# The rubrics whose points make a score-based headline: the kind, from the autonomy demand.
SCORED_FROM = {"kind": ("autonomy",)}


def assumed_behind(report: Report) -> dict[str, tuple[str, ...]]:
    """For each headline that rests on answers left out, those answers' fields (in the rubric order)."""
    assumed = [result for result in report.assessment.criteria if result.assumed]
    if not assumed:
        return {}
    a, rubrics = report.assessment, report.rubrics
    held = _held(a.facts, (*rubrics.demand_bonuses, *rubrics.agentic, rubrics.conversational))
    targets = [rule for rule in _held(a.facts, rubrics.target_rules) if rule.level == a.target_level]
    # A control falls short at the target (readiness) or at the first level not cleared (the levels).
    next_level = a.start_level + 1 if a.cleared else a.start_level
    short = {"readiness": _controls(a.gaps), "level": _controls(a.gaps_by_level.get(next_level, ()))}
    rules: dict[str, list[Rule]] = {"kind": held, "level": targets, "readiness": []}
    behind: dict[str, tuple[str, ...]] = {"tier": a.tier_range.deciding} if a.tier_range.open else {}
    for headline in ("kind", "level", "readiness"):
        fields = tuple(
            r.field
            for r in assumed
            if (r.contribution > 0 and r.field.partition(".")[0] in SCORED_FROM.get(headline, ()))
            or any(rule.when.names(r.field) for rule in rules[headline])
            or r.field in short.get(headline, set())
        )
        if fields:
            behind[headline] = fields
    # Requirements follow the tier and the level: what moves them moves the readiness too.
    for source in ("tier", "level"):
        if source in behind:
            merged = {*behind.get("readiness", ()), *behind[source]}
            behind["readiness"] = tuple(r.field for r in assumed if r.field in merged)
    return behind


def _held(facts: Facts, rules: Iterable[Rule]) -> list[Rule]:
    return [rule for rule in rules if rule.when.holds(facts)]


def _controls(gaps: Iterable[Gap]) -> set[str]:
    return {f"governance.{gap.control}" for gap in gaps}
