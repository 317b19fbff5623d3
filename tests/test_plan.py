"""The pilot and rollback plans: each control named once, the cleared level marked, nothing said twice.

Task files are generated as in ``test_properties`` and run through the real loader, engine and renderers.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from markupsafe import escape as html_escape

from decide.model import Report
from decide.report import RenderOptions, render
from decide.report.markdown import escape as markdown_escape
from tests.test_properties import FAST, run, task_documents


def _plan_texts(report: Report) -> list[str]:
    plan = report.plan
    return [*plan.throughout, *(text for m in plan.milestones for text in m.exit_criteria), *plan.triggers]


@FAST
@given(doc=task_documents())
def test_each_control_is_closed_once_and_every_gap_above_the_cleared_level_is_closed(doc):
    report = run(doc)
    a, milestones = report.assessment, report.plan.milestones
    named = [closing.control for m in milestones for closing in m.closes]
    assert len(named) == len(set(named)), "a control is named at more than one milestone"
    cleared = a.start_level if a.cleared else 0
    needed = {gap.control for level, gaps in a.gaps_by_level.items() if level > cleared for gap in gaps}
    assert needed <= set(named)
    for position, m in enumerate(milestones):
        for closing in m.closes:
            # Closed before the first level that needs it is used: at the last milestone below it, or
            # at the last one of the lowest level (shadow) when the lowest level needs it.
            assert m.level < closing.level or m.level == milestones[0].level
            assert all(later.level >= closing.level for later in milestones[position + 1 :])
            assert closing in a.gaps_by_level[closing.level] or any(
                gap.control == closing.control and gap.required == closing.required
                for gap in a.gaps_by_level[closing.level]
            )


@FAST
@given(doc=task_documents())
def test_the_cleared_level_is_marked_as_the_assessment_states_it(doc):
    report = run(doc)
    a = report.assessment
    for m in report.plan.milestones:
        assert m.cleared == (a.cleared and m.level <= a.start_level)
    level = report.rubrics.level(a.start_level)
    if a.cleared:
        assert f"Cleared today for level {level.level} ({level.name})" in report.plan.standing
    else:
        assert report.plan.standing.startswith("Cleared for no level today")
    json_report = render(report, "json", RenderOptions())
    assert ('"cleared": true' in json_report) == any(m.cleared for m in report.plan.milestones)


@FAST
@given(doc=task_documents())
def test_no_exit_criterion_trigger_or_step_is_stated_twice(doc):
    report = run(doc)
    texts = _plan_texts(report)
    assert len(texts) == len(set(texts))
    assert len(report.plan.steps) == len(set(report.plan.steps))
    escapes: dict[str, Callable[[str], str]] = {"text": str, "markdown": markdown_escape, "html": html_escape}
    for fmt, escape in escapes.items():
        out = render(report, fmt, RenderOptions(width=10_000))
        for text in texts:
            assert out.count(escape(text)) == 1, (fmt, text)
        # The fallback is one of the steps, and said nowhere else.
        assert out.count(escape(report.plan.fallback[1:])) == 1, fmt
