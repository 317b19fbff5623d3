"""The compact JSON report, written out by hand from cached pieces, is byte for byte the encoding of ``report_dict``."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decide.engine import evaluate
from decide.loading.rubrics import load_rubrics
from decide.loading.task import TaskLoader
from decide.model import Report
from decide.report import RenderOptions, json_report
from decide.report.json_report import render, report_dict
from tests.conftest import EXAMPLES, ROOT, rubrics_with_red_team

RUBRICS = load_rubrics()
LOADER = TaskLoader(RUBRICS)
FRAMEWORKS = sorted({reference.framework for found in RUBRICS.references.values() for reference in found})


def _expected(report: Report, options: RenderOptions) -> str:
    return json.dumps(report_dict(report, options), ensure_ascii=False, separators=(",", ":")) + "\n"


def _assert_same_bytes(report: Report) -> None:
    for framework in [None, *FRAMEWORKS]:
        options = RenderOptions(compact=True, framework=framework)
        expected = _expected(report, options)
        assert render(report, options) == expected, (report.task.source, framework)
        assert render(report, options) == expected, (report.task.source, framework, "cache warm")


def _batch_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("batch_benchmark", ROOT / "benchmarks" / "batch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_frameworks_are_known() -> None:
    assert len(FRAMEWORKS) >= 2


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_examples_render_the_same_bytes(example: Path) -> None:
    _assert_same_bytes(evaluate(LOADER.load(str(example)), RUBRICS))


def test_generated_portfolio_renders_the_same_bytes(tmp_path: Path) -> None:
    _batch_module().generate(tmp_path, 300, seed=11)
    reports = [evaluate(LOADER.load(str(path)), RUBRICS) for path in sorted(tmp_path.rglob("*.yaml"))]
    assert len(reports) == 300
    for report in reports:
        _assert_same_bytes(report)


def test_another_rubric_set_in_the_same_process_renders_its_own_bytes(tmp_path: Path) -> None:
    other = load_rubrics(str(rubrics_with_red_team(tmp_path / "rubrics", "Has it been red-teamed?")))
    other_loader = TaskLoader(other)
    for example in EXAMPLES:  # alternating, so each finds the other's entries in the cache
        _assert_same_bytes(evaluate(LOADER.load(str(example)), RUBRICS))
        _assert_same_bytes(evaluate(other_loader.load(str(example)), other))


def test_equal_values_of_other_types_or_signs_are_not_confused() -> None:
    # 1, 1.0 and True are equal, as are 0.0 and -0.0, and (1,) and (True,), but each is encoded differently; lists are
    # not hashable.
    report = next(r for r in (evaluate(LOADER.load(str(path)), RUBRICS) for path in EXAMPLES) if r.assessment.gaps)
    first, *rest = report.assessment.criteria
    gap, *other_gaps = report.assessment.gaps
    variants = []
    for answer in (True, 1, 1.0, 0, 0.0, -0.0, False, None, ["GDPR"], "1", (1,), (True,)):
        for points, contribution in ((0.0, 0.0), (-0.0, -0.0), (0.0, -0.0), (1.0, 1.0), (1, 1)):
            row = first._replace(answer=answer, points=points, contribution=contribution)
            variants.append(report.assessment._replace(criteria=(row, *rest)))
    for required in (True, 1, 1.0, "1"):
        changed = gap._replace(required=required, level=True if required is True else 1)
        variants.append(report.assessment._replace(gaps=(changed, *other_gaps)))
    for _ in range(2):
        for assessment in variants:
            _assert_same_bytes(report._replace(assessment=assessment))


# Values of the types the model declares, with the ones the encoder treats apart: bools where ints are declared,
# -0.0, NaN and infinities, and strings that need escaping.
TEXTS = st.text(max_size=12) | st.sampled_from(['"', "\\", "\n", "\x00", "\u2028", "é", "</script>"])
INTEGERS = st.integers(-2, 10**6) | st.booleans()
FLOATS = st.floats() | st.sampled_from([0.0, -0.0, 1.0, 100.0])
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
    if some(rubrics):  # new Level objects: the rubric set's parts are cached by identity
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
def test_any_values_of_the_declared_types_render_the_same_bytes(report: Report) -> None:
    for _ in range(3):  # met once, met again (and then known by identity), known
        _assert_same_bytes(report)


def test_caches_stay_within_their_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    limit = 4
    monkeypatch.setattr(json_report, "_CACHE_LIMIT", limit)
    for name in ("_criteria_rows", "_gaps", "_assumptions"):  # empty, as in a new process
        monkeypatch.setattr(json_report, name, json_report._CachedRows(getattr(json_report, name).entry))
    monkeypatch.setattr(json_report, "_shared_texts", {})
    monkeypatch.setattr(json_report, "_repeated_string", json_report._RepeatedStrings().__getitem__)
    for example in EXAMPLES:
        _assert_same_bytes(evaluate(LOADER.load(str(example)), RUBRICS))
    for rows in (json_report._criteria_rows, json_report._gaps, json_report._assumptions):
        assert max(len(rows.by_value), len(rows.by_identity), len(rows.held)) <= limit
    assert len(json_report._shared_texts) <= limit
    assert len(json_report._repeated_string.__self__) <= limit
