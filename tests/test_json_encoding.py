"""The JSON decide writes says exactly what its description (``report_dict`` and its peers) holds, the same bytes
every time."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from decide.engine import evaluate
from decide.loading.rubrics import load_rubrics
from decide.loading.task import TaskLoader
from decide.model import Report
from decide.report import RenderOptions
from decide.report.json_encoding import dump_json
from decide.report.json_report import render, report_dict
from tests.conftest import EXAMPLES

RUBRICS = load_rubrics()
LOADER = TaskLoader(RUBRICS)
FRAMEWORKS = sorted({reference.framework for found in RUBRICS.references.values() for reference in found})


def _typed(value: Any) -> Any:
    """``value`` with each scalar's type beside it, and -0.0 told from 0.0: ``1``, ``1.0`` and ``True`` are equal
    in Python but are three different things in JSON. Tuples and lists are both JSON arrays."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_typed(item) for item in value]
    return type(value).__name__, repr(value)


def _assert_says_what_report_dict_holds(report: Report) -> None:
    for framework in [None, *FRAMEWORKS]:
        options = RenderOptions(framework=framework)
        text = render(report, options)
        assert text == render(report, options)
        assert _typed(json.loads(text)) == _typed(report_dict(report, options)), (report.task.source, framework)


def test_dump_json_writes_a_document_or_one_line() -> None:
    value = {"b": [1, 1.0, True, None], "a": {"text": 'é "\\\n\u2028</script>'}, "empty": [], "none": {}}
    document = dump_json(value)
    assert document == (
        '{\n  "b": [\n    1,\n    1.0,\n    true,\n    null\n  ],\n'
        '  "a": {\n    "text": "é \\"\\\\\\n\u2028</script>"\n  },\n  "empty": [],\n  "none": {}\n}\n'
    )
    assert dump_json(value, indent=False) == document.replace("\n", "").replace("  ", "").replace('": ', '":')
    assert json.loads(document) == value


def test_every_example_says_what_report_dict_holds() -> None:
    assert len(FRAMEWORKS) >= 2
    for example in EXAMPLES:
        _assert_says_what_report_dict_holds(evaluate(LOADER.load(str(example)), RUBRICS))


# Values of the types the model declares, with the ones an encoder may treat apart: bools where ints are declared,
# -0.0 and floats small or large enough to be written with an exponent, and strings that need escaping.
TEXTS = st.text(max_size=12) | st.sampled_from(['"', "\\", "\n", "\x00", "\x7f", "\u2028", "é", "</script>"])
INTEGERS = st.integers(-2, 2**53 - 1) | st.booleans()
FLOATS = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([0.0, -0.0, 1.0, 100.0, 1e-05, 1e16])
SCALARS = st.none() | st.booleans() | st.integers(-2, 2) | FLOATS | TEXTS
ANSWERS = SCALARS | st.lists(TEXTS, max_size=3)
RICH = max(
    (evaluate(LOADER.load(str(path)), RUBRICS) for path in EXAMPLES),
    key=lambda r: (bool(r.assessment.named_risks), len(r.assessment.to_ready), len(r.assumptions)),
)


@st.composite
def _variants(draw: st.DrawFn) -> Report:
    """The richest example with any of its values replaced by others of its declared type."""
    report = RICH
    task, rubrics, a, plan = report.task, report.rubrics, report.assessment, report.plan

    def some(_: object) -> bool:
        """Whether to replace this one."""
        return draw(st.booleans())

    if some(task):
        task = task._replace(title=draw(TEXTS), owner=draw(st.none() | TEXTS))
    if some(rubrics):
        levels = tuple(
            level._replace(level=draw(INTEGERS), name=draw(TEXTS), equivalents={draw(TEXTS): draw(TEXTS)})
            for level in rubrics.levels
        )
        rubrics = rubrics._replace(levels=levels, name=draw(TEXTS))
    criteria = tuple(
        c._replace(answer=draw(ANSWERS), assumed=draw(st.booleans()), points=draw(FLOATS), contribution=draw(FLOATS))
        if some(c)
        else c
        for c in a.criteria
    )
    gaps = tuple(
        g._replace(required=draw(SCALARS), present=draw(SCALARS), why=draw(TEXTS), level=draw(INTEGERS))
        if some(g)
        else g
        for g in a.gaps
    )
    steps = tuple(s._replace(field=draw(TEXTS), before=draw(ANSWERS), after=draw(ANSWERS)) if some(s) else s
                  for s in a.to_ready)  # fmt: skip
    a = a._replace(
        criteria=criteria,
        gaps=gaps,
        to_ready=steps,
        scores={name: draw(FLOATS) for name in a.scores},
        risk_score=draw(FLOATS),
        demand=draw(FLOATS),
        lower_level=draw(st.none() | INTEGERS),
        tier_reasons=tuple(draw(st.lists(TEXTS, max_size=2))),
        kind_reasons=tuple(draw(st.lists(TEXTS, max_size=2))),
        target_reason=draw(TEXTS),
        named_risks=tuple(draw(st.lists(st.sampled_from(rubrics.named_risks), max_size=3))),
    )
    milestones = tuple(
        m._replace(
            level=draw(INTEGERS),
            duration_weeks=draw(INTEGERS),
            sample_size=draw(INTEGERS),
            exit_criteria=tuple(draw(st.lists(TEXTS, max_size=3))),
        )
        if some(m)
        else m
        for m in plan.milestones
    )
    plan = plan._replace(
        milestones=milestones,
        measure_baseline_first=draw(st.booleans()),
        triggers=tuple(draw(st.lists(TEXTS, max_size=2))),
        steps=tuple(draw(st.lists(TEXTS, max_size=2))),
        fallback=draw(TEXTS),
    )
    return report._replace(task=task, rubrics=rubrics, assessment=a, plan=plan, summary=draw(TEXTS))


@settings(max_examples=150, deadline=None)
@given(_variants())
def test_any_values_of_the_declared_types_are_written_as_they_are(report: Report) -> None:
    _assert_says_what_report_dict_holds(report)
