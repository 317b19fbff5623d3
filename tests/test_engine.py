"""The engine changes nothing it is given, and its tables read the rubric set as it is written.

The loader derives lookups from the policy for the engine (each answer scored in advance,
requirements split so that only the level varies); these tests hold them to the plain reading.
"""

from __future__ import annotations

import copy

import pytest

from decide.engine import evaluate
from decide.engine.assess import _grade
from decide.engine.explain import explain
from decide.engine.tables import _requirement_table
from decide.loading.rubrics import bundled_sets, load_rubrics
from decide.loading.task import TaskLoader
from decide.model import Clause, Condition, Requirement, RubricSet, Task
from tests.conftest import EXAMPLES

SETS = sorted(bundled_sets())


def _tasks(rubrics: RubricSet) -> list[Task]:
    loader = TaskLoader(rubrics)
    return [loader.load(str(path)) for path in EXAMPLES]


@pytest.mark.parametrize("name", SETS)
def test_evaluating_changes_neither_the_rubric_set_nor_the_task(name: str) -> None:
    rubrics = load_rubrics(name)
    tasks = _tasks(rubrics)
    rubrics_before, tasks_before = copy.deepcopy(rubrics), copy.deepcopy(tasks)
    first = [evaluate(task, rubrics)[2:] for task in tasks]
    for task in tasks:
        explain(task, rubrics)  # every other answer to every criterion, through the same rubric set
    assert rubrics == rubrics_before
    assert tasks == tasks_before
    assert [evaluate(task, rubrics)[2:] for task in reversed(tasks)] == first[::-1]


@pytest.mark.parametrize("name", SETS)
def test_every_answer_scores_what_its_criterion_says(name: str) -> None:
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
def test_requirements_apply_where_their_conditions_hold(name: str) -> None:
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
    table = _requirement_table(Requirement("r", "why", when, (("owner", 1),), True), load_rubrics().levels, 0)
    assert table.levels == {2, 3, 4}
    assert table.per_level is not None
    for tier in (0.0, 2.0):
        for kind in (0.0, 1.0):
            for level in (1, 2, 3, 4):
                facts = {"tier": tier, "kind": kind, "level": float(level)}
                split = level in table.levels and table.rest.holds(facts) and table.per_level.holds(facts)
                assert split == when.holds(facts)
