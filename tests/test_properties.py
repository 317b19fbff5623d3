"""Property-based tests: the invariants of PRODUCT.md ("Properties that must always hold").

Task documents are generated from the bundled rubric set (every section, criterion, option and
band comes from ``load_rubrics()``, nothing is listed here by hand), dumped with
``yaml.safe_dump`` and read back through the real :class:`TaskLoader`, so validation, the
cautious readings of fields left out, the engine and the renderers all run as they do on a
user's file. The values the spec's fixed points name (``user``, ``severe``, ...) are checked to
exist in the rubric set before they are used.

Properties:

1. strengthening one governance control never worsens readiness, start level or gaps;
2. raising one risk-side answer never lowers the risk tier;
3. the same input gives a byte-identical report, in process and through the CLI;
4. the spec's fixed points, each with every other field free;
5. every JSON report is well formed: scores 0-100, levels 1-4, start <= target;
6. gaps a person can act on: no sentence of the gaps printed twice, blocking gaps first in the
   order of the path to ready, each with the remedy for its present option.
"""

from __future__ import annotations

import copy
import json
import os
import string
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from decide.engine import evaluate
from decide.loading.rubrics import load_rubrics
from decide.loading.schemas import packaged_schema
from decide.loading.task import TaskLoader
from decide.model import KINDS, READINESS, RUBRICS, TIERS, Assessment, Criterion, Report, display
from decide.report import RenderOptions, render

ROOT = Path(__file__).resolve().parents[1]
RUBRIC_SET = load_rubrics()
LOADER = TaskLoader(RUBRIC_SET)
GOVERNANCE = "governance"
RISK_SECTIONS = tuple(name for name in RUBRICS if name != GOVERNANCE)
MAX_INT = 20_000

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIXED = settings(max_examples=80, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# --- rubric-derived strategies -----------------------------------------------------------------


def criteria(section: str) -> tuple[Criterion, ...]:
    return RUBRIC_SET.rubrics[section].criteria


def criterion(field: str) -> Criterion:
    return RUBRIC_SET.criterion(field)


# User text: includes Markdown, rich-markup, template and YAML specials, and some non-ASCII.
TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + " -_.,:;!?'\"[]/*`|#$<>\\{}&%@~é中✓",
    min_size=1, max_size=24,
).filter(lambda s: s.strip() != "")
WORD = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=8)


def answer_strategy(c: Criterion) -> st.SearchStrategy[Any]:
    """Any valid answer to a criterion, from the rubric's own options and bands."""
    if c.type == "text":
        return TEXT
    if c.type in ("choice", "boolean"):
        return st.sampled_from(c.values)
    if c.type == "integer":
        edges = sorted({v for band in c.bands for v in (band.min - 1, band.min, band.min + 1) if 0 <= v <= MAX_INT})
        return st.one_of(st.sampled_from(edges), st.integers(0, MAX_INT))
    if c.type == "list":
        return st.lists(WORD, unique=True, max_size=5)
    raise AssertionError(f"criterion type {c.type!r} has no strategy: extend the tests")


def pinned(field: str, *values: Any) -> tuple[str, str, st.SearchStrategy[Any]]:
    """A field held to values the spec names; they must exist in the rubric set."""
    c = criterion(field)
    for value in values:
        assert value in c.values, f"{field}: {value!r} is not an option of the rubric ({c.values})"
    return c.rubric, c.id, st.sampled_from(values)


@st.composite
def section_strategy(draw: st.DrawFn, section: str, pins: Mapping[str, st.SearchStrategy[Any]]) -> dict | None:
    """One section: every field, most fields, or few of them (the rest take the cautious reading)."""
    if not pins and draw(st.integers(0, 24)) == 0:
        return draw(st.sampled_from([None, {}]))  # the whole section left to cautious readings
    leave_out = draw(st.sampled_from([0, 0, 2, 5, 8]))  # out of 10: how often a field is left out
    out: dict[str, Any] = {}
    for c in criteria(section):
        if c.id in pins:
            out[c.id] = draw(pins[c.id])
        elif draw(st.integers(0, 9)) >= leave_out:
            out[c.id] = draw(answer_strategy(c))
        elif draw(st.integers(0, 3)) == 0:
            out[c.id] = None  # `field:` with no value counts as left out
    if draw(st.integers(0, 9)) == 0:
        out["x-note"] = draw(TEXT)  # the user's own key: ignored
    return out


FRACTION = st.floats(0, 1, allow_nan=False, allow_subnormal=False)
RATE = st.fixed_dictionaries({}, optional={"baseline": FRACTION, "target": FRACTION})
METRICS = st.fixed_dictionaries({}, optional={
    "time_saved_hours_per_week": st.one_of(st.integers(0, 200), st.floats(0, 200, allow_nan=False)),
    "error_rate": RATE,
    "escalation_rate": RATE,
})


@st.composite
def task_documents(draw: st.DrawFn, *pins: tuple[str, str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """A valid task document as a dict; ``pins`` hold some fields to given values."""
    by_section: dict[str, dict[str, st.SearchStrategy[Any]]] = {}
    for section, field, strategy in pins:
        by_section.setdefault(section, {})[field] = strategy
    doc: dict[str, Any] = {"version": 1, "title": draw(TEXT), "objective": draw(TEXT)}
    if draw(st.booleans()):
        doc["owner"] = draw(TEXT)
    if draw(st.integers(0, 3)) == 0:
        doc["description"] = draw(TEXT)
    for section in RUBRICS:
        doc[section] = draw(section_strategy(section, by_section.get(section, {})))
    if draw(st.booleans()):
        doc["metrics"] = draw(METRICS)
    return doc


def dump(doc: Mapping[str, Any]) -> bytes:
    return yaml.safe_dump(dict(doc), sort_keys=False, allow_unicode=True).encode("utf-8")


def run(doc: Mapping[str, Any]) -> Report:
    """Through the real loader (a DecideError here means a valid document was refused) and engine."""
    return evaluate(LOADER.load_bytes(dump(doc), "gen.yaml"), RUBRIC_SET)


def assess(doc: Mapping[str, Any]) -> Assessment:
    return run(doc).assessment


def effective(doc: Mapping[str, Any], c: Criterion) -> Any:
    """What the engine reads for a criterion: the answer, or the cautious reading when left out."""
    value = (doc.get(c.rubric) or {}).get(c.id)
    return c.cautious if value is None else value


def with_answer(doc: Mapping[str, Any], c: Criterion, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(dict(doc))
    section = changed.get(c.rubric) or {}
    section[c.id] = value
    changed[c.rubric] = section
    return changed


def without_answer(doc: Mapping[str, Any], field: str) -> dict[str, Any]:
    c = criterion(field)
    changed = copy.deepcopy(dict(doc))
    (changed.get(c.rubric) or {}).pop(c.id, None)
    return changed


def higher_answers(c: Criterion, current: Any) -> st.SearchStrategy[Any] | None:
    """Answers ranked above ``current`` (riskier, or for governance stronger); None when none is."""
    if c.type == "text":
        return TEXT if not current else None
    if c.type in ("choice", "boolean"):
        later = c.values[c.values.index(current) + 1:]
        return st.sampled_from(later) if later else None
    if c.type == "integer":
        return st.integers(current + 1, max(current + 1, MAX_INT))
    if c.type == "list":
        return WORD.filter(lambda word: word not in current).map(lambda word: [*current, word])
    raise AssertionError(f"criterion type {c.type!r} has no order: extend the tests")


def raise_one(data: st.DataObject, doc: Mapping[str, Any], sections: tuple[str, ...]) -> tuple[Criterion, dict]:
    """The document with one answer in ``sections`` moved up its order."""
    candidates = [(c, s) for section in sections for c in criteria(section)
                  if (s := higher_answers(c, effective(doc, c))) is not None]
    assume(candidates)
    c, strategy = data.draw(st.sampled_from(candidates), label="criterion")
    new = data.draw(strategy, label=f"new {c.field}")
    assert c.rank(new) > c.rank(effective(doc, c))
    return c, with_answer(doc, c, new)


def rank(order: tuple[str, ...], value: str) -> int:
    return order.index(value)


# --- 1. governance monotonicity -----------------------------------------------------------------


@FAST
@given(doc=task_documents(), data=st.data())
def test_strengthening_a_governance_control_never_worsens_readiness_or_adds_gaps(doc, data):
    c, stronger = raise_one(data, doc, (GOVERNANCE,))
    before, after = assess(doc), assess(stronger)

    # Controls are not inherent risk: kind, tier and the level the work needs stay put.
    assert (after.kind, after.tier, after.target_level) == (before.kind, before.tier, before.target_level), c.field
    assert rank(READINESS, after.readiness) >= rank(READINESS, before.readiness), c.field
    assert after.start_level >= before.start_level, c.field
    severity_before = {gap.control: gap.severity for gap in before.gaps}
    severity_after = {gap.control: gap.severity for gap in after.gaps}
    assert set(severity_after) <= set(severity_before), f"{c.field} strengthened, yet new gaps appeared"
    for control, severity in severity_after.items():
        assert not (severity == "blocking" and severity_before[control] == "advisory"), (c.field, control)


# --- 2. risk monotonicity ---------------------------------------------------------------------------


@FAST
@given(doc=task_documents(), data=st.data())
def test_raising_a_risk_answer_never_lowers_the_tier(doc, data):
    c, riskier = raise_one(data, doc, RISK_SECTIONS)
    before, after = assess(doc), assess(riskier)
    assert rank(TIERS, after.tier) >= rank(TIERS, before.tier), (
        f"{c.field}: {effective(doc, c)!r} -> {effective(riskier, c)!r} lowered the tier "
        f"{before.tier} -> {after.tier}"
    )


# --- 3. determinism -----------------------------------------------------------------------------


RENDER = RenderOptions(color=False, width=100)


def all_formats(report: Report) -> dict[str, str]:
    return {fmt: render(report, fmt, RENDER) for fmt in ("json", "markdown", "text")}


@settings(max_examples=40, deadline=None)
@given(doc=task_documents())
def test_same_bytes_give_identical_reports_in_every_format(doc):
    data = dump(doc)
    first = all_formats(evaluate(LOADER.load_bytes(data, "gen.yaml"), RUBRIC_SET))
    # A second pass with a freshly read rubric set and loader: nothing may leak between runs.
    rubrics = load_rubrics()
    second = all_formats(evaluate(TaskLoader(rubrics).load_bytes(data, "gen.yaml"), rubrics))
    assert first == second


@settings(max_examples=4, deadline=None)
@given(doc=task_documents())
def test_cli_evaluate_is_byte_identical_across_runs_and_hash_seeds(doc):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.yaml"
        path.write_bytes(dump(doc))
        outputs = []
        for seed in ("0", "12345"):  # different hash seeds: set or dict-of-str ordering would show
            env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
            env.pop("NO_COLOR", None)
            done = subprocess.run([sys.executable, "-m", "decide", "evaluate", str(path), "-f", "json"],
                                  cwd=ROOT, env=env, capture_output=True, timeout=60, check=False)
            assert done.returncode == 0, done.stderr.decode()
            outputs.append(done.stdout)
        assert outputs[0] == outputs[1]
        # ... and the CLI says exactly what the library says about the same file.
        library = render(evaluate(LOADER.load(path), RUBRIC_SET), "json", RENDER)
        assert outputs[0].decode("utf-8") == library


# --- 4. fixed points --------------------------------------------------------------------------


@FIXED
@given(doc=task_documents(
    pinned("autonomy.initiation", "user"),
    pinned("autonomy.planning", "single-step"),
    pinned("autonomy.decisions", "person"),
    pinned("autonomy.unattended", "never"),
    pinned("scope.cross_system", False),
))
def test_fixed_point_person_started_single_step_work_is_an_assistant(doc):
    assert assess(doc).kind == "assistant"


AGENTIC_PINS = (
    pinned("autonomy.initiation", "event", "self"),
    pinned("autonomy.planning", "multi-step", "open-ended"),
    pinned("autonomy.decisions", "system"),
    pinned("autonomy.unattended", "hours", "days"),
)


@FIXED
@given(doc=task_documents(*AGENTIC_PINS, pinned("scope.user_facing", "none")))
def test_fixed_point_self_starting_unattended_background_work_is_an_agent(doc):
    assert assess(doc).kind == "agent"


@FIXED
@given(doc=task_documents(*AGENTIC_PINS, pinned("scope.user_facing", "external")))
def test_fixed_point_self_starting_work_that_customers_converse_with_is_a_hybrid(doc):
    assert assess(doc).kind == "hybrid"


@FIXED
@given(doc=st.one_of(task_documents(pinned("scope.impact", "severe")),
                     task_documents(pinned("data_access.sensitivity", "special"))))
def test_fixed_point_severe_impact_or_special_data_is_at_least_high_tier(doc):
    assert rank(TIERS, assess(doc).tier) >= rank(TIERS, "high")


@FIXED
@given(doc=task_documents(
    pinned("scope.impact", "severe"),
    pinned("scope.actions", "irreversible"),
    pinned("autonomy.decisions", "system"),
    pinned("scope.reach", "customers", "public"),
))
def test_fixed_point_severe_irreversible_system_decisions_for_customers_is_critical(doc):
    assert assess(doc).tier == "critical"


def strongest(c: Criterion) -> st.SearchStrategy[Any]:
    return TEXT if c.type == "text" else st.just(c.values[-1])


@FIXED
@given(doc=task_documents(*((GOVERNANCE, c.id, strongest(c)) for c in criteria(GOVERNANCE))))
def test_fixed_point_every_control_at_its_strongest_has_no_gaps_and_evidenced_is_ready(doc):
    assert assess(doc).gaps == ()
    # Shown with evidence verified on the day it is judged (conftest's SOURCE_DATE_EPOCH), it is ready.
    evidence = {c.id: [{"ref": f"https://evidence.invalid/{c.id}", "date": "2026-12-01"}] for c in criteria(GOVERNANCE)}
    assessment = assess({**doc, "evidence": evidence})
    assert assessment.gaps == ()
    assert assessment.readiness == "ready"
    assert assessment.start_level == assessment.target_level


@FIXED
@given(doc=task_documents(
    pinned("scope.actions", "transact", "irreversible"),
    pinned("governance.human_approval", "none"),
    pinned("governance.kill_switch", False),
))
def test_fixed_point_agent_that_can_transact_without_approval_or_kill_switch_is_not_ready(doc):
    assessment = assess(doc)
    assume(assessment.kind in ("agent", "hybrid"))
    assert assessment.readiness == "not-ready"


@FIXED
@given(doc=st.one_of(task_documents(), task_documents(pinned("scope.impact", "major", "severe"))))
def test_fixed_point_high_or_critical_tier_without_an_owner_is_not_ready(doc):
    doc = without_answer(doc, "governance.owner")
    assessment = assess(doc)
    assume(rank(TIERS, assessment.tier) >= rank(TIERS, "high"))
    assert assessment.readiness == "not-ready"


# --- 5. the JSON report ---------------------------------------------------------------------------

REPORT_SCHEMA = jsonschema.Draft202012Validator(packaged_schema("report"))


# Found by CI: every control claimed, none shown, at high risk: not ready on the evidence alone.
CLAIMED_UNSHOWN = {
    "version": 1, "title": "0", "objective": "0", "autonomy": None, "scope": {"impact": "minor"},
    "data_access": {"sensitivity": "public", "write": "none", "quality": "validated", "untrusted_input": False,
                    "external_sharing": False, "regulations": []},
    "governance": {"owner": "0", "human_approval": "high-impact", "audit_log": "partial", "monitoring": "dashboards",
                   "escalation": "manual", "rollback": "manual", "kill_switch": True, "access": "role-based",
                   "limits": "policy", "evaluation": "offline", "review": "ad-hoc"},
}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(doc=task_documents())
@example(doc=CLAIMED_UNSHOWN)
def test_json_report_has_bounded_scores_and_consistent_levels(doc):
    report = json.loads(render(run(doc), "json"))
    REPORT_SCHEMA.validate(report)  # `decide schema report`: every JSON report validates against it

    assert set(report["scores"]) == set(RUBRICS)
    for name, score in report["scores"].items():
        assert 0 <= score <= 100, (name, score)
    assert 0 <= report["risk"]["score"] <= 100
    assert report["risk"]["tier"] in TIERS

    recommendation = report["recommendation"]
    assert recommendation["kind"] in KINDS
    assert recommendation["readiness"] in READINESS
    assert 1 <= recommendation["start_level"] <= recommendation["target_level"] <= 4

    # Gaps name governance fields, and readiness follows them and the evidence findings (claims a rule
    # asks evidence of, shown short): blocking -> not-ready, advisory only -> conditional, none -> ready.
    controls = {c.id for c in criteria(GOVERNANCE)}
    findings = [e for e in report["evidence"]["controls"] if e["severity"]]
    severities = [gap["severity"] for gap in report["gaps"]] + [e["severity"] for e in findings]
    assert {gap["control"] for gap in report["gaps"]} <= controls
    assert {e["status"] for e in findings} <= {"missing", "unusable", "stale"}
    assert set(severities) <= {"blocking", "advisory"}
    expected = "not-ready" if "blocking" in severities else "conditional" if severities else "ready"
    assert recommendation["readiness"] == expected


@settings(max_examples=100, deadline=None)
@given(doc=task_documents())
def test_gap_severity_follows_absent_versus_weaker_rule(doc):
    """An absent control (weakest option) is blocking, unless every requirement asking for it says its
    absence is advisory; a weaker one advisory; every gap blocking at critical."""
    assessment = assess(doc)
    absent_blocks = {requirement.id: requirement.absent_blocks for requirement in RUBRIC_SET.requirements}
    for gap in assessment.gaps:
        c = criterion(f"{GOVERNANCE}.{gap.control}")
        absent = gap.present == c.values[0] and any(absent_blocks[r] for r in gap.requirements)
        blocking = absent or assessment.tier == TIERS[-1]
        assert gap.severity == ("blocking" if blocking else "advisory"), gap


# --- gaps a person can act on -------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(doc=task_documents())
def test_gaps_come_blocking_first_in_the_order_of_the_path_to_ready(doc):
    assessment = assess(doc)
    severities = [gap.severity for gap in assessment.gaps]
    assert severities == sorted(severities, key=lambda s: s != "blocking")
    assert [f"governance.{gap.control}" for gap in assessment.gaps] == [step.field for step in assessment.to_ready]


@settings(max_examples=100, deadline=None)
@given(doc=task_documents())
def test_each_gap_has_the_remedy_for_its_present_option_and_its_strongest_reason_first(doc):
    assessment = assess(doc)
    requirements = {r.id: r for r in RUBRIC_SET.requirements}
    for gap in assessment.gaps:
        assert gap.remedy == RUBRIC_SET.remedies[gap.control][display(gap.present)], gap
        assert gap.requirements[0] == gap.requirement and gap.why == requirements[gap.requirement].why, gap
        c = criterion(f"{GOVERNANCE}.{gap.control}")
        asks = [rank for rid in gap.requirements for control, rank in requirements[rid].require if control == gap.control]
        assert min(asks) > c.values.index(gap.present), gap  # every reason given asks more than is there
        named = {risk.id for risk in assessment.named_risks}
        assert set(gap.risks) <= named, gap
