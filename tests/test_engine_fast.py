"""The tables and memos the engine reads instead of the rubric set give exactly its answers.

The rubric compiler derives lookups from the policy (each answer scored in advance, requirements
split so that only the level varies) and the engine remembers which rules hold for combinations
of facts. These tests check each shortcut against the plain reading of the rubric set.
"""

from __future__ import annotations

import pytest

import decide.model
from decide.engine import evaluate
from decide.engine.assess import _grade
from decide.loading.rubrics import _requirement_table, bundled_sets, load_rubrics
from decide.loading.task import TaskLoader
from decide.model import Clause, Condition, Requirement, RubricSet, Task
from tests.conftest import EXAMPLES

SETS = sorted(bundled_sets())


def _tasks(rubrics: RubricSet) -> list[Task]:
    loader = TaskLoader(rubrics)
    return [loader.load(str(path)) for path in EXAMPLES]


@pytest.mark.parametrize("name", SETS)
def test_scored_answers_match_the_criteria(name: str) -> None:
    rubrics = load_rubrics(name)
    for _, tables in rubrics.tables.criteria:
        for table in tables:
            criterion = table.criterion
            for option in criterion.options if criterion.type != "text" else ():
                scored = table.options[type(option.value), option.value]
                rank, points, label = criterion.score(option.value)
                assert (scored.rank, scored.given.points, scored.given.label) == (rank, points, label)
                assert scored.assumed == scored.given._replace(assumed=True)
            for band in criterion.bands:
                for count in (band.min, band.min + 1):
                    answer = ["item"] * count if criterion.type == "list" else count
                    rank, grade = _grade(table, answer)
                    assert (rank, grade.points, grade.label) == criterion.score(answer)
            if criterion.type == "text":
                for answer in (None, "", "Someone"):
                    rank, grade = _grade(table, answer)
                    assert (rank, grade.points, grade.label) == criterion.score(answer)


@pytest.mark.parametrize("name", SETS)
def test_split_requirements_hold_where_their_conditions_do(name: str) -> None:
    rubrics = load_rubrics(name)
    tables = rubrics.tables
    for task in _tasks(rubrics):
        facts = evaluate(task, rubrics).assessment.facts
        for table in (*tables.common_requirements, *tables.level_requirements):
            for level in (1, 2, 3, 4):
                at_level = {**facts, "level": float(level)}
                split = (
                    level in table.levels
                    and table.rest.holds(at_level)
                    and (table.per_level is None or table.per_level.holds(at_level))
                )
                assert split == table.requirement.when.holds(at_level), (table.requirement.id, level)


def test_a_requirement_whose_any_names_the_level_is_checked_level_by_level() -> None:
    when = Condition(
        (Clause("tier", low=1.0), Clause("level", low=2.0)),
        (Condition((Clause("level", ranks=frozenset({4.0})),)), Condition((Clause("kind", ranks=frozenset({1.0})),))),
    )
    table = _requirement_table(Requirement("r", "why", when, (("owner", 1),), True), load_rubrics().levels)
    assert table.levels == {2, 3, 4}
    assert table.per_level is not None
    for tier in (0.0, 2.0):
        for kind in (0.0, 1.0):
            for level in (1, 2, 3, 4):
                facts = {"tier": tier, "kind": kind, "level": float(level)}
                split = level in table.levels and table.rest.holds(facts) and table.per_level.holds(facts)
                assert split == when.holds(facts)


def _reports(rubrics: RubricSet, tasks: list[Task]) -> list[str]:
    return [repr(evaluate(task, rubrics)[2:]) for task in tasks]


@pytest.mark.parametrize("name", SETS)
def test_what_the_memos_remember_never_changes_a_report(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = load_rubrics(name)
    tasks = _tasks(cold)
    first = _reports(cold, tasks)
    warm = load_rubrics(name)
    _reports(warm, tasks[::-1])  # the memos filled in another order
    assert _reports(warm, tasks) == first
    assert _reports(cold, tasks) == first

    monkeypatch.setattr(decide.model, "MEMO_LIMIT", 1)
    bounded = load_rubrics(name)
    assert _reports(bounded, tasks) == first
    tables = bounded.tables
    for found in (tables.common_memo.found, tables.exit_criteria.memo.found, tables.gaps, tables.gap_texts, tables.gap_steps):
        assert len(found) <= 1
