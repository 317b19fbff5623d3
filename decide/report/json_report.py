"""The JSON report: the contract other tools read (``decide schema report``).

``report_dict`` is the one description of the report's structure. The compact form, which ``decide batch``
writes by the thousand, is written out by hand instead, key by key in the same order, because building the
dictionaries and encoding them cost twice as much: each value goes through the function the standard encoder
would call on it, and what repeats across a portfolio is encoded once and cached (criteria rows, gaps and
assumptions by value or, for the results the rubric set scores in advance, by identity; the rubric set's own
parts by identity; the texts its templates give, by value). Its bytes are exactly those of encoding
``report_dict``, for every value of the types the model declares; tests/test_json_fast.py compares them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Iterable
from itertools import repeat
from json.encoder import encode_basestring
from typing import Any

from decide import __version__
from decide.model import CriterionResult, Gap, Level, Milestone, Reference, Report, RubricSet, Rule, Step
from decide.report import RenderOptions

REPORT_FORMAT_VERSION = 1

_GENERATOR = {"name": "decide", "version": __version__}


def criterion_row(c: CriterionResult) -> dict[str, Any]:
    """A criterion's answer, points, weight and contribution to its rubric's score."""
    return {"field": c.field, "answer": c.answer, "label": c.label, "assumed": c.assumed, "points": c.points,
            "weight": c.weight, "contribution": c.contribution}  # fmt: skip


def criteria_rows(criteria: Iterable[CriterionResult]) -> list[dict[str, Any]]:
    return [criterion_row(c) for c in criteria]


def _rubric_set(rubrics: RubricSet) -> dict[str, Any]:
    return {"name": rubrics.name, "version": rubrics.version, "sha256": rubrics.sha256}


def _named_risk(risk: Rule) -> dict[str, Any]:
    return {"id": risk.id, "title": risk.title, "description": risk.description}


def _step(step: Step) -> dict[str, Any]:
    return {"field": step.field, "from": step.before, "to": step.after, "readiness_after": step.readiness_after}


def _gap(gap: Gap, references: Iterable[Reference]) -> dict[str, Any]:
    return {
        "control": gap.control,
        "severity": gap.severity,
        "required": gap.required,
        "present": gap.present,
        "why": gap.why,
        "remedy": gap.remedy,
        "requirement": gap.requirement,
        "level": gap.level,
        "references": [
            {"framework": r.framework, "version": r.version, "id": r.id, "title": r.title} for r in references
        ],
    }


def _references(report: Report, options: RenderOptions) -> list[tuple[Reference, ...]]:
    """Each gap's framework clauses, in the order of the gaps."""
    references_of = report.rubrics.references_of
    return [tuple(references_of(gap.control, options.framework)) for gap in report.assessment.gaps]


def _milestone(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "level": m.level,
        "level_name": m.level_name,
        "duration_weeks": m.duration_weeks,
        "sample_size": m.sample_size,
        "objective": m.objective,
        "exit_criteria": list(m.exit_criteria),
    }


def _assumption(c: CriterionResult) -> dict[str, Any]:
    return {"field": c.field, "value": c.answer, "label": c.label}


def report_dict(report: Report, options: RenderOptions) -> dict[str, Any]:
    task, rubrics, assessment, plan = report.task, report.rubrics, report.assessment, report.plan
    start, target = rubrics.level(assessment.start_level), rubrics.level(assessment.target_level)
    return {
        "version": REPORT_FORMAT_VERSION,
        "generator": dict(_GENERATOR),
        "task": {
            "id": task.id,
            "title": task.title,
            "objective": task.objective,
            "owner": task.owner,
            "source": task.source,
            "sha256": task.sha256,
        },
        "rubrics": _rubric_set(rubrics),
        "scores": dict(assessment.scores),
        "risk": {
            "tier": assessment.tier,
            "score": assessment.risk_score,
            "reasons": list(assessment.tier_reasons),
            "named_risks": [_named_risk(r) for r in assessment.named_risks],
        },
        "recommendation": {
            "kind": assessment.kind,
            "readiness": assessment.readiness,
            "start_level": start.level,
            "target_level": target.level,
            "start_level_name": start.name,
            "target_level_name": target.name,
            "start_level_equivalents": dict(start.equivalents),
            "target_level_equivalents": dict(target.equivalents),
            "summary": report.summary,
            "kind_description": rubrics.kind_descriptions[assessment.kind],
            "autonomy_demand": assessment.demand,
            "reasons": list(assessment.kind_reasons),
            "target_reason": assessment.target_reason,
        },
        "to_ready": [_step(step) for step in assessment.to_ready],
        "lower_level": assessment.lower_level,
        "gaps": [_gap(g, refs) for g, refs in zip(assessment.gaps, _references(report, options), strict=True)],
        "pilot": {
            "measure_baseline_first": plan.measure_baseline_first,
            "total_weeks": sum(m.duration_weeks for m in plan.milestones),
            "milestones": [_milestone(m) for m in plan.milestones],
        },
        "rollback": {"triggers": list(plan.triggers), "steps": list(plan.steps), "fallback": plan.fallback},
        "criteria": criteria_rows(assessment.criteria),
        "assumptions": [_assumption(c) for c in report.assumptions],
    }


# --- the compact form, written out --------------------------------------------------------------------------

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

_string: Callable[[str], str] = encode_basestring  # a str as _COMPACT encodes it


def encoding_function(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """What ``encoder.encode`` does (one line, text as it is), with CPython's C encoder made once:
    ``encode`` makes a new one for every call, which costs as much as encoding a small value."""
    try:
        from _json import make_encoder
    except ImportError:  # pragma: no cover - Pythons without the C accelerator
        return encoder.encode
    assert encoder.indent is None and not encoder.ensure_ascii, "one line, and text as it is"
    made = make_encoder(
        None,  # no record of the containers met: the values hold no cycles
        encoder.default,
        encode_basestring,
        None,  # no indent
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(value: Any) -> str:
        # A str straight to the function the encoder would call on it: most values are strings.
        return encode_basestring(value) if type(value) is str else "".join(made(value, 0))

    return encode


_value = encoding_function(_COMPACT)  # any JSON value as _COMPACT encodes it


# The types of JSON's scalars: only entries made from items of these alone are cached.
_SCALARS = frozenset({str, int, float, bool, type(None)})

# Past this many entries a cache starts afresh, so that memory stays flat however long the batch.
_CACHE_LIMIT = 10_000


def _keep(cache: dict[Any, Any], key: Hashable, value: Any) -> None:
    """``cache[key] = value``, the cache first emptied if it is full."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


class _CachedRows:
    """One kind of entry laid out as a JSON array, each entry encoded only the first time its item (and context)
    is seen."""

    def __init__(self, entry: Callable[..., dict[str, Any]]) -> None:
        self.entry = entry
        # (item, the types of its fields, context) -> (JSON text, where the item holds float zeros, the item)
        self.by_value: dict[Hashable, tuple[str, tuple[int, ...], Any]] = {}
        # id(item) -> (context, JSON text), for items met again as the very same object (the rubric set scores most
        # answers in advance): found without hashing or typing their fields. ``held`` keeps those items alive, so that
        # no other object can take their ids; only items of scalars get here, so nothing in them can change.
        self.by_identity: dict[int, tuple[Hashable, str]] = {}
        self.held: list[Any] = []

    def __call__(self, items: Iterable[Any], contexts: Iterable[Hashable] | None = None) -> str:
        """The entries made from each item (and its context)."""
        texts: list[str] = []
        add, known_by_identity = texts.append, self.by_identity.get  # looked up once: ~30 items a report
        for item, context in zip(items, repeat(None) if contexts is None else contexts, strict=False):
            known = known_by_identity(id(item))
            if known is not None and known[0] == context:
                add(known[1])
                continue
            text, met_before = self._text(item, context)
            if met_before:
                self._hold(item, context, text)
            add(text)
        return "[" + ",".join(texts) + "]"

    def _text(self, item: tuple[Any, ...], context: Hashable) -> tuple[str, bool]:
        """The entry's JSON text, and whether this very item was met before."""
        # 1, 1.0 and True are equal but encoded differently, so the fields' types are part of the key. Contexts are
        # compared as they are: references are strings only.
        types = tuple(map(type, item))
        key = (item, types, context) if _SCALARS.issuperset(types) else None
        found = self.by_value.get(key)
        if found is not None and not (found[1] and _has_negative_zero(item, found[1])):
            return found[0], found[2] is item
        text = _value(self.entry(item) if context is None else self.entry(item, context))
        if key is not None:
            zeros = tuple(i for i, value in enumerate(item) if type(value) is float and value == 0.0)
            # An item with -0.0 is too rare to be worth keeping, and an equal one with 0.0 must not find its text.
            if not _has_negative_zero(item, zeros):
                _keep(self.by_value, key, (text, zeros, item))
        return text, False

    def _hold(self, item: Any, context: Hashable, text: str) -> None:
        if len(self.held) >= _CACHE_LIMIT:
            self.by_identity.clear()
            self.held.clear()
        self.by_identity[id(item)] = (context, text)
        self.held.append(item)


def _has_negative_zero(item: tuple[Any, ...], zeros: tuple[int, ...]) -> bool:
    """Whether a float zero at one of ``zeros`` is -0.0, which equals 0.0 but is encoded differently."""
    return any(math.copysign(1.0, item[position]) < 0 for position in zeros)


# (encode, the objects' ids) -> (the objects, held so that no other object takes their ids; the JSON text)
_shared_texts: dict[tuple[Any, ...], tuple[tuple[Any, ...], str]] = {}


def _shared(encode: Callable[..., str], *shared: Any) -> str:
    """``encode(*shared)``, worked out once for these very objects of the rubric set, which never change and which
    every report made with it shares."""
    key = (encode, *map(id, shared))
    found = _shared_texts.get(key)
    if found is not None:
        return found[1]
    text = encode(*shared)
    _keep(_shared_texts, key, (shared, text))
    return text


_criteria_rows = _CachedRows(criterion_row)
_gaps = _CachedRows(_gap)
_assumptions = _CachedRows(_assumption)


class _RepeatedStrings(dict[str, str]):
    """Strings as JSON, each encoded the first time it is met: for the texts the rubric set's templates give, which
    most reports repeat (the exit criteria, the reasons, the rollback texts). Finding one again (hashing it, in C)
    costs a fraction of escaping it again."""

    def __missing__(self, text: str) -> str:
        encoded = _string(text)  # raises for anything but a str: only strings are kept
        _keep(self, text, encoded)
        return encoded


_repeated_string = _RepeatedStrings().__getitem__


def _repeated_strings(texts: Iterable[str]) -> str:
    return "[" + ",".join(map(_repeated_string, texts)) + "]"


def _integer(value: int) -> str:
    # int's own text, except for a bool (an int, which the encoder writes as true or false)
    return int.__repr__(value) if type(value) is int else _value(value)


def _step_text(step: Step) -> str:
    return "".join((
        '{"field":', _string(step.field), ',"from":', _value(step.before), ',"to":', _value(step.after),
        ',"readiness_after":', _string(step.readiness_after), "}",
    ))  # fmt: skip


def _milestone_text(m: Milestone) -> str:
    return "".join((
        '{"id":', _string(m.id), ',"name":', _string(m.name), ',"level":', _integer(m.level),
        ',"level_name":', _string(m.level_name), ',"duration_weeks":', _integer(m.duration_weeks),
        ',"sample_size":', _integer(m.sample_size), ',"objective":', _string(m.objective),
        ',"exit_criteria":', _repeated_strings(m.exit_criteria), "}",
    ))  # fmt: skip


def _rubric_set_text(rubrics: RubricSet) -> str:
    return _value(_rubric_set(rubrics))


def _named_risks_text(*risks: Rule) -> str:
    return _value([_named_risk(risk) for risk in risks])


def _levels_text(start: Level, target: Level) -> str:
    return "".join((
        ',"start_level":', _integer(start.level), ',"target_level":', _integer(target.level),
        ',"start_level_name":', _string(start.name), ',"target_level_name":', _string(target.name),
        ',"start_level_equivalents":', _value(dict(start.equivalents)),
        ',"target_level_equivalents":', _value(dict(target.equivalents)),
    ))  # fmt: skip


def _compact(report: Report, options: RenderOptions) -> str:
    """What encoding ``report_dict`` compactly gives, written out key by key."""
    task, rubrics, assessment, plan = report.task, report.rubrics, report.assessment, report.plan
    start, target = rubrics.level(assessment.start_level), rubrics.level(assessment.target_level)
    return "".join((
        _HEAD, _string(task.id), ',"title":', _string(task.title),
        ',"objective":', _string(task.objective), ',"owner":', _value(task.owner),
        ',"source":', _string(task.source), ',"sha256":', _string(task.sha256),
        '},"rubrics":', _shared(_rubric_set_text, rubrics), ',"scores":', _value(dict(assessment.scores)),
        ',"risk":{"tier":', _string(assessment.tier), ',"score":', _value(assessment.risk_score),
        ',"reasons":', _repeated_strings(assessment.tier_reasons),
        ',"named_risks":', _shared(_named_risks_text, *assessment.named_risks),
        '},"recommendation":{"kind":', _string(assessment.kind), ',"readiness":', _string(assessment.readiness),
        _shared(_levels_text, start, target), ',"summary":', _string(report.summary),
        ',"kind_description":', _string(rubrics.kind_descriptions[assessment.kind]),
        ',"autonomy_demand":', _value(assessment.demand), ',"reasons":', _repeated_strings(assessment.kind_reasons),
        ',"target_reason":', _string(assessment.target_reason),
        '},"to_ready":[', ",".join(map(_step_text, assessment.to_ready)),
        '],"lower_level":', _value(assessment.lower_level),
        ',"gaps":', _gaps(assessment.gaps, _references(report, options)),
        ',"pilot":{"measure_baseline_first":', _value(plan.measure_baseline_first),
        ',"total_weeks":', _value(sum(m.duration_weeks for m in plan.milestones)),
        ',"milestones":[', ",".join(map(_milestone_text, plan.milestones)),
        ']},"rollback":{"triggers":', _repeated_strings(plan.triggers),
        ',"steps":', _repeated_strings(plan.steps), ',"fallback":', _repeated_string(plan.fallback),
        '},"criteria":', _criteria_rows(assessment.criteria), ',"assumptions":', _assumptions(report.assumptions),
        "}\n",
    ))  # fmt: skip


_HEAD = '{"version":' + _value(REPORT_FORMAT_VERSION) + ',"generator":' + _value(_GENERATOR) + ',"task":{"id":'


def render(report: Report, options: RenderOptions) -> str:
    if options.compact:  # batch: no indentation, written out directly with the repeated entries cached
        return _compact(report, options)
    return json.dumps(report_dict(report, options), indent=2, ensure_ascii=False) + "\n"
