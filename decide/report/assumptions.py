"""Which headlines of a report rest on answers the task file left out (taken at their cautious reading).

Read from the result, never re-scored: an answer left out weighs in a headline when it scored
points in a rubric the headline is made from, when a rule that held for the headline names it, or,
for the readiness and the levels, when it is a control the work falls short on.
"""

from __future__ import annotations

from collections.abc import Iterable

from decide.model import Facts, Gap, Report, Rule

HEADLINES = ("kind", "tier", "level", "readiness")
# The rubrics whose points make each score-based headline: the kind from the autonomy demand, the
# tier from scope and data access amplified by autonomy.
SCORED_FROM = {"kind": ("autonomy",), "tier": ("autonomy", "scope", "data_access")}


def assumed_behind(report: Report) -> dict[str, tuple[str, ...]]:
    """For each headline that rests on answers left out, those answers' fields (in the rubric order)."""
    assumed = [result for result in report.assessment.criteria if result.assumed]
    if not assumed:
        return {}
    a, rubrics = report.assessment, report.rubrics
    held = _held(a.facts, (*rubrics.demand_bonuses, *rubrics.agentic, rubrics.conversational))
    floors = _held(a.facts, (*rubrics.floors, *a.named_risks))
    targets = [rule for rule in _held(a.facts, rubrics.target_rules) if rule.level == a.target_level]
    # A control falls short at the target (readiness) or at the first level not cleared (the levels).
    next_level = a.start_level + 1 if a.cleared else a.start_level
    short = {"readiness": _controls(a.gaps), "level": _controls(a.gaps_by_level.get(next_level, ()))}
    rules: dict[str, list[Rule]] = {"kind": held, "tier": floors, "level": targets, "readiness": []}
    behind: dict[str, tuple[str, ...]] = {}
    for headline in HEADLINES:
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
