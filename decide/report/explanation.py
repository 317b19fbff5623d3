"""`decide explain` and `decide diff` laid out: JSON for tools, plain text for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from decide.engine.explain import Explanation
from decide.errors import shown
from decide.model import RUBRICS, Report, cleared_text
from decide.report.json_encoding import dump_json
from decide.report.json_report import criteria_rows


def yaml_value(value: Any) -> str:
    """A value as a task file writes it: null, true, 30, [GDPR, SOX], {baseline: 0.04, target: 0.02}."""
    import yaml

    text: str = yaml.safe_dump(value, default_flow_style=True, width=1_000_000, sort_keys=False, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...")


class Side(NamedTuple):
    """One side of a comparison: a what-if's before or after, or a diff's old or new."""

    label: str
    report: Report


def _verdict(report: Report) -> dict[str, Any]:
    a = report.assessment
    return {
        "kind": a.kind,
        "tier": a.tier,
        "risk_score": a.risk_score,
        "readiness": a.readiness,
        "start_level": a.start_level,
        "cleared": a.cleared,
        "target_level": a.target_level,
        "scores": dict(a.scores),
        "gaps": [
            {"control": g.control, "severity": g.severity, "required": g.required, "present": g.present} for g in a.gaps
        ],
    }


def changed_fields(old: Report, new: Report) -> list[dict[str, Any]]:
    """Every answer that differs, by field; a left-out answer shows as null."""
    fields: list[dict[str, Any]] = []
    for key in ("title", "objective", "owner", "description"):
        before, after = getattr(old.task, key), getattr(new.task, key)
        if before != after:
            fields.append({"field": key, "from": before, "to": after})
    for criterion in new.rubrics.criteria():
        before, after = old.task.answers.get(criterion.field), new.task.answers.get(criterion.field)
        if (before, type(before)) != (after, type(after)):
            fields.append({"field": criterion.field, "from": before, "to": after})
    before_metrics, after_metrics = _metrics(old), _metrics(new)
    for name, before in before_metrics.items():
        if before != after_metrics[name]:
            fields.append({"field": f"metrics.{name}", "from": before, "to": after_metrics[name]})
    return fields


def _metrics(report: Report) -> dict[str, Any]:
    """Each metric as the task file gives it: a number, a {baseline, target} mapping, or null."""
    return {
        name: value._asdict() if hasattr(value, "_asdict") else value
        for name, value in report.task.metrics._asdict().items()
    }


def autonomy_creep(old: Report, new: Report) -> bool:
    """More autonomy (a higher autonomy score or target level) with no control made stronger."""
    raised = (
        new.assessment.scores["autonomy"] > old.assessment.scores["autonomy"]
        or new.assessment.target_level > old.assessment.target_level
    )
    governance = [c for c in new.rubrics.rubrics["governance"].criteria]
    strengthened = any(
        new.assessment.criteria[_index(new, c.field)].points > old.assessment.criteria[_index(old, c.field)].points
        for c in governance
    )
    return raised and not strengthened


def _index(report: Report, field: str) -> int:
    return next(n for n, result in enumerate(report.assessment.criteria) if result.field == field)


def explanation_dict(explanation: Explanation, what_if: Sequence[Side] = ()) -> dict[str, Any]:
    report = explanation.report
    a = report.assessment
    document: dict[str, Any] = {
        "task": {"id": report.task.id, "source": report.task.source},
        "verdict": _verdict(report),
        "criteria": criteria_rows(a.criteria),
        "decisive": list(explanation.decisive),
        "to_ready": [
            {"field": s.field, "from": s.before, "to": s.after, "readiness_after": s.readiness_after}
            for s in a.to_ready
        ],
        "lower_level": a.lower_level,
        "sensitivity": [f._asdict() for f in explanation.sensitivity],
    }
    if what_if:
        before, after = what_if
        document["what_if"] = {
            "changes": changed_fields(before.report, after.report),
            "before": _verdict(before.report),
            "after": _verdict(after.report),
        }
    return document


def explanation_json(explanation: Explanation, what_if: Sequence[Side] = ()) -> str:
    return dump_json(explanation_dict(explanation, what_if))


def _comparison(sides: Sequence[Side]) -> list[str]:
    rows = [
        ("kind", "kind"),
        ("risk tier", "tier"),
        ("readiness", "readiness"),
        ("cleared level", "cleared_level"),
        ("target level", "target_level"),
    ]
    verdicts = [_verdict(side.report) for side in sides]
    for verdict in verdicts:
        verdict["cleared_level"] = verdict["start_level"] if verdict["cleared"] else "none"
    lines = [f"  {'':18} {sides[0].label:>16} {sides[1].label:>16}"]
    for title, key in rows:
        mark = "" if verdicts[0][key] == verdicts[1][key] else "  ←"
        lines.append(f"  {title:18} {verdicts[0][key]!s:>16} {verdicts[1][key]!s:>16}{mark}")
    for name in RUBRICS:
        before, after = verdicts[0]["scores"][name], verdicts[1]["scores"][name]
        mark = "" if before == after else "  ←"
        lines.append(f"  {name + ' score':18} {before:>16g} {after:>16g}{mark}")
    before_gaps, after_gaps = ({g["control"]: g for g in v["gaps"]} for v in verdicts)
    gone = [control for control in before_gaps if control not in after_gaps]
    if gone:
        lines.append(f"  gaps closed: {', '.join(gone)}")
    # What each control must now be, where that changed: a raised level or tier asks more of some.
    criterion = sides[1].report.rubrics.criterion
    for control, gap in after_gaps.items():
        was = before_gaps.get(control)
        if was is not None and was["required"] == gap["required"]:
            continue
        field = criterion(f"governance.{control}")
        more = was is None or field.rank(gap["required"]) > field.rank(was["required"])
        lines.append(
            f"  {'now required' if more else 'requires less'}: {control} {yaml_value(gap['required'])} "
            f"(was {yaml_value(was['required']) if was else 'met'}; present {yaml_value(gap['present'])}, "
            f"{gap['severity']})"
        )
    return lines


def explanation_text(explanation: Explanation, what_if: Sequence[Side] = ()) -> str:
    report = explanation.report
    a = report.assessment
    lines = [f"{report.task.title} ({report.task.source})", ""]
    levels = cleared_text(a, report.rubrics.level(a.start_level), report.rubrics.level(a.target_level))
    lines.append(f"Recommendation: {a.kind}, {a.tier} risk, {a.readiness}; {levels}")
    lines += ["", "Why:"] + [f"  - {text}" for text in explanation.decisive]
    for name in RUBRICS:
        rubric = report.rubrics.rubrics[name]
        total = sum(c.weight for c in rubric.criteria)
        lines += ["", f"{rubric.title}: score {a.scores[name]:g}, the sum of points x weight / {total:g} "
                      f"(the rubric's total weight):"]  # fmt: skip
        for c in a.criteria:
            if c.field.startswith(name + "."):
                assumed = "  (assumed: left out)" if c.assumed else ""
                lines.append(
                    f"  {c.field:34} {yaml_value(c.answer)[:22]:22} {c.points:>5g} pts x {c.weight:g} / {total:g}"
                    f" = {c.contribution:>6g}{assumed}"
                )
    lines += ["", "Path to ready:"]
    lines += [
        f"  {n}. {s.field}: {yaml_value(s.before)} → {yaml_value(s.after)} (then {s.readiness_after})"
        for n, s in enumerate(a.to_ready, start=1)
    ] or ["  nothing to change: it is ready"]
    if a.lower_level is not None:
        lines.append(f"  or aim lower: ready today at level {a.lower_level}")
    lines += ["", "Answers that would change the verdict (kind, tier, readiness):"]
    lines += [
        f"  {f.field}: {yaml_value(f.answer)} gives {f.kind}, {f.tier}, {f.readiness}" for f in explanation.sensitivity
    ] or ["  none: no single answer changes it"]
    if what_if:
        lines += ["", "What if:"]
        lines += [
            f"  {c['field']}: {yaml_value(c['from'])} → {yaml_value(c['to'])}"
            for c in changed_fields(what_if[0].report, what_if[1].report)
        ]
        lines += _comparison(what_if)
    return _plain(lines)


def diff_dict(old: Report, new: Report) -> dict[str, Any]:
    return {
        "old": {"source": old.task.source, **_verdict(old)},
        "new": {"source": new.task.source, **_verdict(new)},
        "changes": changed_fields(old, new),
        "autonomy_raised_without_controls": autonomy_creep(old, new),
    }


def diff_text(old: Report, new: Report, markdown: bool = False) -> str:
    changes = changed_fields(old, new)
    if not changes:
        return "No changes.\n"
    lines = ["## What changed" if markdown else "What changed:", ""]
    lines += [
        f"- `{c['field']}`: `{yaml_value(c['from'])}` → `{yaml_value(c['to'])}`"
        if markdown
        else f"  {c['field']}: {yaml_value(c['from'])} → {yaml_value(c['to'])}"
        for c in changes
    ]
    lines += ["", "## What it did" if markdown else "What it did:", ""]
    comparison = _comparison([Side("before", old), Side("after", new)])
    lines += ["```", *comparison, "```"] if markdown else comparison
    if autonomy_creep(old, new):
        lines += ["", "Warning: autonomy was raised without any control made stronger."]
    return _plain(lines)


def _plain(lines: list[str]) -> str:
    """The lines as one text, whose user values (a title, an owner) cannot drive a terminal."""
    return shown("\n".join(lines) + "\n", keep_newlines=True)
