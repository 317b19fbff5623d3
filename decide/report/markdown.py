"""The Markdown report: reads well on GitHub, in a pull request or a job summary."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from decide import __version__
from decide.errors import shown
from decide.model import Reference, Report, cleared_text, display
from decide.report import RenderOptions, evidence_status, gap_reasons, risk_gaps, tier_range_text

_INLINE_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|~])")


def _one_line(text: object) -> str:
    """Whitespace runs as one space, and any other control character escaped (``\\x1b``)."""
    return shown(" ".join(str(text).split()))


def escape(text: str) -> str:
    """User text made inert in Markdown: no markup, no HTML, no table breaks, one line."""
    return _INLINE_SPECIALS.sub(r"\\\1", _one_line(text))


def code(text: str) -> str:
    """User text in a code span, which no backtick inside may close early."""
    return "`" + _one_line(text).replace("`", "'") + "`"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _why(report: Report, framework: str | None) -> list[str]:
    assessment = report.assessment
    lines = ["## Why", "", f"**Kind: {assessment.kind}.** {report.rubrics.kind_descriptions[assessment.kind]}", ""]
    lines += [f"- {escape(reason)}" for reason in assessment.kind_reasons]
    lines += [f"- Decisive answers: {_decisive(report, 'autonomy')}", ""]
    lines += [f"**Risk tier: {assessment.tier}.**", ""]
    lines += [f"- {escape(reason)}" for reason in assessment.tier_reasons]
    lines += [f"- Decisive answers: {_decisive(report, 'scope')}; {_decisive(report, 'data_access')}"]
    if span := tier_range_text(report, lambda field: f"`{field}`"):
        lines.append(f"- {span}")
    for risk in assessment.named_risks:
        cited = _cited(report.rubrics.risk_references_of(risk.id, framework))
        lines.append(f"- Named risk, **{escape(risk.title)}**: {escape(risk.description)}{cited and f' ({cited})'}")
    target = report.rubrics.level(assessment.target_level)
    lines += ["", f"**Target level: {target.level} ({target.name}).** {escape(assessment.target_reason)}.", ""]
    return lines


def _cited(references: list[Reference]) -> str:
    """Each clause with its framework's edition: ids are renumbered between editions."""
    return escape("; ".join(r.cited for r in references))


def _decisive(report: Report, rubric: str) -> str:
    results = report.decisive(rubric)
    if not results:
        return f"nothing in {rubric} adds to its score"
    return ", ".join(f"`{r.field}` = {escape(display(r.answer))} ({r.contribution:g} points)" for r in results)


def _gaps(report: Report, framework: str | None) -> list[str]:
    """The gaps against named risks first, then every gap in the order to close them, then each reason once."""
    gaps = report.assessment.gaps
    lines = ["## Governance gaps", ""]
    if not gaps:
        return [*lines, "None: every control this work requires is in place.", ""]
    first = risk_gaps(report)
    if first:
        lines += ["First, the gaps against this work's named risks:", ""]
        lines += [f"- {escape(risks)}: `{g.control}`, {escape(display(g.present))} → {escape(display(g.required))}"
                  for g, risks in first]  # fmt: skip
        lines.append("")
    reasons = gap_reasons(report)
    rows = [
        [
            f"`{g.control}`",
            g.severity,
            escape(display(g.required)),
            escape(display(g.present)),
            str(g.level),
            escape(g.remedy),
            ", ".join(map(str, reasons.numbers[g.control])),
            _cited(report.rubrics.references_of(g.control, framework)),
        ]
        for g in gaps
    ]
    header = ["Control", "Severity", "Required", "Present", "From level", "How to close", "Why", "References"]
    lines += [*table(header, rows), "", "**Why these are required**", ""]
    lines += [f"{number}. {escape(reason.why)}" for number, reason in enumerate(reasons.reasons, start=1)]
    return [*lines, ""]


def _evidence(report: Report) -> list[str]:
    """Each claimed control that has evidence or must: claimed against evidenced."""
    evidence = report.assessment.evidence
    if not evidence:
        return []
    as_of = report.task.as_of
    lines = ["## Evidence", "", f"Claimed against evidenced{f', as of {as_of}' if as_of else ''}:", ""]
    rows = [[f"`{e.control}`", escape(display(e.claimed)), evidence_status(e), escape(e.detail)] for e in evidence]
    lines += table(["Control", "Claimed", "Evidence", "Newest item, or what is wrong"], rows)
    return [*lines, ""]


class Changes(NamedTuple):
    """What would change the verdict, in plain sentences: an introduction, the steps, a lower aim."""

    intro: str
    steps: list[str]
    lower: str | None


def what_would_change(
    report: Report, control: Callable[[str], str] = str, readiness: Callable[[str], str] = str
) -> Changes:
    """The path to ready and the lower level that is ready today, as every report says them. ``control`` and
    ``readiness`` set out a control (``governance.rollback`` or ``rollback``) and a readiness in a renderer's
    words; by default they stay the engine's tokens."""
    a, rubrics = report.assessment, report.rubrics
    target = rubrics.level(a.target_level)
    lower = None
    if a.cleared and a.start_level < a.target_level:
        level = rubrics.level(a.start_level)
        lower = f"Or aim lower: it is cleared today for level {level.level} ({level.name})."
    unevidenced = [control(e.control) for e in a.evidence if e.finding]
    then = readiness(a.readiness_once_evidenced)
    show = [f"show current evidence for {', '.join(unevidenced)} (then {then})"] if unevidenced else []
    if not a.to_ready:
        if show:
            return Changes(f"To be ready for level {target.level} ({target.name}):", show, lower)
        return Changes(f"Nothing is missing for level {target.level} ({target.name}).", [], lower)
    intro = (f"To be ready for level {target.level} ({target.name}), {'show the evidence missing and ' if show else ''}"
             f"change {len(a.to_ready)} control{'s' if len(a.to_ready) != 1 else ''}, in this order:")  # fmt: skip
    steps = [
        f"{control(step.field)}: {display(step.before)} → {display(step.after)}"
        f"{', with evidence' if step.with_evidence else ''} (then {readiness(step.readiness_after)})"
        for step in a.to_ready
    ]
    return Changes(intro, [*show, *steps], lower)


def _changes(report: Report) -> list[str]:
    changes = what_would_change(report)
    return ["## What would change this", "", escape(changes.intro), "",
            *[f"{n}. {escape(line)}" for n, line in enumerate(changes.steps, start=1)],
            *(["", escape(changes.lower)] if changes.lower else []), ""]  # fmt: skip


def _pilot(report: Report) -> list[str]:
    plan = report.plan
    total = sum(m.duration_weeks for m in plan.milestones)
    intro = f"{len(plan.milestones)} milestones over {total} weeks."
    if plan.measure_baseline_first:
        intro += " The task file has no complete `metrics`, so the pilot starts by measuring a baseline."
    lines = ["## Pilot plan", "", escape(plan.standing), "", intro, ""]
    lines += ["Every milestone that runs it ends only when:", ""]
    lines += [f"- [ ] {escape(text)}" for text in plan.throughout]
    lines.append("")
    for number, m in enumerate(plan.milestones, start=1):
        lines += [
            f"### {number}. {escape(m.name)}: level {m.level} ({m.level_name}), {m.duration_weeks} weeks, "
            f"{m.sample_size} runs{' · cleared today' if m.cleared else ''}",
            "",
            escape(m.objective),
            "",
        ]
        if m.exit_criteria:
            lines += ["Exit criteria:", "", *[f"- [ ] {escape(text)}" for text in m.exit_criteria], ""]
    return lines


def _rollback(report: Report) -> list[str]:
    plan = report.plan
    lines = ["## Rollback plan", "", "Roll back on:", ""]
    lines += [f"- {escape(text)}" for text in plan.triggers]
    lines += ["", "Steps:", ""]
    lines += [f"{number}. {escape(text)}" for number, text in enumerate(plan.steps, start=1)]
    lines.append("")  # the fallback is one of the steps
    return lines


def _assumptions(report: Report) -> list[str]:
    assumed = report.assumptions
    lines = ["## Assumptions", ""]
    if not assumed:
        return [*lines, "None: the task file answers every question.", ""]
    lines += ["These fields are missing from the task file and were taken at their most cautious reading:", ""]
    rows = [[f"`{a.field}`", escape(display(a.answer)), escape(a.label)] for a in assumed]
    return [*lines, *table(["Field", "Assumed", "Meaning"], rows), ""]


def render(report: Report, options: RenderOptions) -> str:
    task, assessment, rubrics = report.task, report.assessment, report.rubrics
    start, target = rubrics.level(assessment.start_level), rubrics.level(assessment.target_level)
    scores = assessment.scores
    lines = [
        f"# {escape(task.title)}",
        "",
        f"> **{assessment.kind} · {assessment.tier} risk · {assessment.readiness}**",
        ">",
        f"> {escape(report.summary)}",
        "",
        *table(
            ["", ""],
            [
                ["Objective", escape(task.objective)],
                ["Proposed by", escape(task.owner or "not stated")],
                ["Recommendation", f"{assessment.kind}"],
                ["Risk tier", f"{assessment.tier} (score {assessment.risk_score:g} of 100)"],
                ["Readiness", assessment.readiness],
                ["Autonomy level", cleared_text(assessment, start, target)],
                ["Target in public scales", escape("; ".join(target.equivalents.values())) or "none"],
            ],
        ),
        "",
        "## Scores",
        "",
        *table(
            ["Rubric", "Score", "Reads as"],
            [
                ["Autonomy", f"{scores['autonomy']:g}", "how much initiative the work needs"],
                ["Scope", f"{scores['scope']:g}", "what it touches and how badly an error can land"],
                ["Data access", f"{scores['data_access']:g}", "how sensitive the data it reads and writes is"],
                ["Governance", f"{scores['governance']:g}", "how strong the controls in place are (higher is better)"],
            ],
        ),
        "",
        *_why(report, options.framework),
        *_gaps(report, options.framework),
        *_evidence(report),
        *_changes(report),
        *_pilot(report),
        *_rollback(report),
        *_assumptions(report),
        "---",
        "",
        f"Task {code(task.id)} from {code(task.source)} (sha256 `{task.sha256[:12]}`), rubric set "
        f"{escape(rubrics.name)} {escape(rubrics.version)} (sha256 `{rubrics.sha256[:12]}`), decide {__version__}.",
    ]
    return "\n".join(lines) + "\n"
