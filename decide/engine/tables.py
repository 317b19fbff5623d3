"""Lookups the engine reads for every task, derived once from the rubric set.

They hold no policy of their own: the rubric loader builds them from the set's other fields when
it compiles a coherent set, and nothing changes them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from decide.model import (
    RUBRICS,
    Condition,
    Criterion,
    CriterionResult,
    Level,
    Requirement,
    Rubric,
    Rule,
    TextRule,
    display,
)

RISK_RUBRICS = ("autonomy", "scope", "data_access")  # the rubrics whose scores make the risk score


class ScoredOption(NamedTuple):
    """An option of a choice or boolean criterion, scored in advance."""

    rank: float
    contribution: float  # unrounded: a rubric's score adds these up
    given: CriterionResult  # the result when the task gives this answer
    assumed: CriterionResult  # ... and when it leaves the field out and the cautious answer is taken


class Grade(NamedTuple):
    """What a band of a count, or a text's absence or presence, scores."""

    points: float
    label: str
    contribution: float  # unrounded


class CriterionTable(NamedTuple):
    """One criterion as scoring reads it."""

    criterion: Criterion
    options: Mapping[tuple[type, Any], ScoredOption]  # choice, boolean: by the answer's type and value
    grades: tuple[Grade, ...]  # text: by rank (absent, present); integer, list: by band
    minimums: tuple[int, ...]  # integer, list: each band's minimum, rising


class Strength(NamedTuple):
    """What one requirement asks of one control."""

    rank: int  # the weakest acceptable option's
    absent_blocks: bool  # whether the control's absence is a blocking gap
    requirement: str  # the requirement's id
    why: str  # its reason
    risks: tuple[str, ...]  # the named risks its condition names: the ones it addresses
    specificity: int  # 0 for the requirement most specific to the work it applies to; see _specificity


class RequirementTable(NamedTuple):
    """A requirement as the gap finder reads it, its condition split so that only the level varies.

    It holds at a level when the level is one of ``levels`` (its level clauses, checked here),
    ``rest`` holds (checked once per task) and ``per_level`` holds, if there is one (only when an
    ``any`` names the level). One that does not name the level holds at every level.
    """

    requirement: Requirement
    demands: tuple[tuple[str, Strength], ...]  # by control
    levels: frozenset[int]
    rest: Condition
    per_level: Condition | None


class Control(NamedTuple):
    """A governance criterion as the gap finder reads it."""

    id: str
    field: str
    position: int  # in the governance rubric
    values: tuple[Any, ...]  # weakest to strongest; a text control's are "absent" and "present"
    ranks: Mapping[Any, int]  # each value's position in ``values``
    remedies: tuple[str, ...]  # how to close its gap, by the present option's rank
    effort: float  # the cost of strengthening it by one option


class TextRules(NamedTuple):
    """Text rules, and every fact their conditions read: which of them hold depends on those alone."""

    rules: tuple[TextRule, ...]
    reads: tuple[str, ...]


class EngineTables(NamedTuple):
    """Everything the engine reads per task that does not depend on the task."""

    criteria: tuple[tuple[str, tuple[CriterionTable, ...]], ...]  # by rubric, in RUBRICS order
    common_requirements: tuple[RequirementTable, ...]  # their conditions do not name the level
    level_requirements: tuple[RequirementTable, ...]
    controls: tuple[Control, ...]  # in the governance rubric's order
    controls_by_id: Mapping[str, Control]
    exit_criteria: TextRules
    rollback_triggers: TextRules
    rollback_steps: TextRules
    fallbacks: TextRules
    tier_fields: tuple[Criterion, ...]  # every criterion the tier can depend on, in RUBRICS order


def engine_tables(
    rubrics: Mapping[str, Rubric],
    *,
    levels: tuple[Level, ...],
    requirements: tuple[Requirement, ...],
    remedies: Mapping[str, Mapping[str, str]],
    effort: Mapping[str, float],
    texts: Mapping[str, tuple[TextRule, ...]],
    tier_rules: Iterable[Rule],
    named_risks: Iterable[Rule],
) -> EngineTables:
    """The rubric set's lookups in the form the engine reads them."""
    controls = tuple(
        Control(
            criterion.id,
            criterion.field,
            position,
            tuple(criterion.values),
            {value: criterion.values.index(value) for value in criterion.values},
            tuple(remedies.get(criterion.id, {}).get(display(value), "") for value in criterion.values),
            effort.get(criterion.id, 1.0),
        )
        for position, criterion in enumerate(rubrics["governance"].criteria)
    )
    specificity = {r.id: rank for rank, r in enumerate(sorted(requirements, key=_specificity))}
    return EngineTables(
        criteria=tuple((name, _criterion_tables(rubrics[name])) for name in RUBRICS),
        common_requirements=tuple(
            _requirement_table(r, levels, specificity[r.id]) for r in requirements if not r.by_level
        ),
        level_requirements=tuple(_requirement_table(r, levels, specificity[r.id]) for r in requirements if r.by_level),
        controls=controls,
        controls_by_id={control.id: control for control in controls},
        exit_criteria=_text_rules(texts["exit_criteria"]),
        rollback_triggers=_text_rules(texts["rollback_triggers"]),
        rollback_steps=_text_rules(texts["rollback_steps"]),
        fallbacks=_text_rules(texts["fallbacks"]),
        tier_fields=_tier_fields(rubrics, tier_rules, named_risks),
    )


def _tier_fields(
    rubrics: Mapping[str, Rubric], tier_rules: Iterable[Rule], named_risks: Iterable[Rule]
) -> tuple[Criterion, ...]:
    """The criteria that score the risk, and those the floors and ceilings read, directly or
    through a named risk."""
    fields = {criterion.field for name in RISK_RUBRICS for criterion in rubrics[name].criteria}
    read: set[str] = set()
    for rule in tier_rules:
        _add_fields(rule.when, read)
    for risk in named_risks:
        if f"risk.{risk.id}" in read:
            _add_fields(risk.when, fields)
    fields |= read
    return tuple(c for name in RUBRICS for c in rubrics[name].criteria if c.field in fields)


def _criterion_tables(rubric: Rubric) -> tuple[CriterionTable, ...]:
    """Each criterion's answers scored in advance: the same arithmetic scoring would do per task."""
    total = sum(criterion.weight for criterion in rubric.criteria) or 1.0
    tables = []
    for criterion in rubric.criteria:
        scored_options: dict[tuple[type, Any], ScoredOption] = {}
        if criterion.type != "text":  # a text's answer is free text, scored by its presence
            for rank, option in enumerate(criterion.options):
                contribution = option.points * criterion.weight / total
                given, assumed = (
                    CriterionResult(criterion.field, criterion.question, option.value, option.label, cautious,
                                    option.points, criterion.weight, round(contribution, 2))
                    for cautious in (False, True)
                )  # fmt: skip
                scored_options[type(option.value), option.value] = ScoredOption(
                    float(rank), contribution, given, assumed
                )
        grades = criterion.options if criterion.type == "text" else criterion.bands
        tables.append(
            CriterionTable(
                criterion,
                scored_options,
                tuple(Grade(g.points, g.label, g.points * criterion.weight / total) for g in grades),
                tuple(band.min for band in criterion.bands),
            )
        )
    return tuple(tables)


def _specificity(requirement: Requirement) -> tuple[bool, float, int]:
    """How closely a requirement fits the work it applies to, most specific first.

    When several requirements ask the same of a control, the reason a report gives first should be
    the one that says most about this work: a named risk is the work's own danger; then the higher
    the tier a requirement starts at, the narrower the work it speaks of (high-risk work over
    medium-risk work); then the more facts its condition names (kind, level, actions) the
    narrower. Ties keep the file's order (sorting is stable)."""
    risks, tier_floor, facts = _risks(requirement.when), 0.0, set[str]()
    _add_fields(requirement.when, facts)
    for clause in requirement.when.clauses:
        if clause.field == "tier":
            tier_floor = min(clause.ranks) if clause.ranks is not None else max(clause.low, 0.0)
    return not risks, -tier_floor, -len(facts)


def _risks(condition: Condition) -> tuple[str, ...]:
    """The named risks a condition needs to hold (``risk.ID: true`` among its own clauses)."""
    return tuple(
        clause.field.removeprefix("risk.")
        for clause in condition.clauses
        if clause.field.startswith("risk.") and not Condition((clause,)).holds({clause.field: 0.0})
    )


def _requirement_table(requirement: Requirement, levels: Iterable[Level], specificity: int) -> RequirementTable:
    """Split a requirement's condition into what the level decides, what it cannot change, and
    (only when an ``any`` names the level) what must still be checked level by level."""
    when, risks = requirement.when, _risks(requirement.when)
    on_level = Condition(tuple(clause for clause in when.clauses if clause.field == "level"))
    others = tuple(clause for clause in when.clauses if clause.field != "level")
    varying = any(option.names("level") for option in when.any_of)
    return RequirementTable(
        requirement,
        tuple(
            (control, Strength(rank, requirement.absent_blocks, requirement.id, requirement.why, risks, specificity))
            for control, rank in requirement.require
        ),
        frozenset(level.level for level in levels if on_level.holds({"level": float(level.level)})),
        Condition(others, () if varying else when.any_of),
        Condition((), when.any_of) if varying else None,
    )


def _text_rules(rules: tuple[TextRule, ...]) -> TextRules:
    reads: set[str] = set()
    for rule in rules:
        _add_fields(rule.when, reads)
    return TextRules(rules, tuple(sorted(reads)))


def _add_fields(condition: Condition, fields: set[str]) -> None:
    fields.update(clause.field for clause in condition.clauses)
    for option in condition.any_of:
        _add_fields(option, fields)
