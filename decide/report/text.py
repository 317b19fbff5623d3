"""The terminal report, laid out with rich; plain text (no colour codes) when not on a terminal."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from decide.errors import shown
from decide.model import Report, cleared_text, display
from decide.report import RenderOptions, evidence_status, gap_reasons, risk_gaps, tier_range_text
from decide.report.assumptions import assumed_behind
from decide.report.markdown import what_would_change

TIER_STYLE = {"low": "green", "medium": "yellow", "high": "red", "critical": "bold white on red"}
READINESS_STYLE = {"ready": "green", "conditional": "yellow", "not-ready": "bold red"}
SEVERITY_STYLE = {"blocking": "bold red", "advisory": "yellow"}
SCORE_TITLES = {"autonomy": "autonomy", "scope": "scope", "data_access": "data access", "governance": "governance"}
ASSUMED_MARK, ASSUMED_STYLE = "*", "bold magenta"
ASSUMED_LEGEND = "rests on answers left out of the task file, read at their most cautious (see Assumptions)"


def _heading(text: str) -> Text:
    return Text(f"\n{text}", style="bold underline")


def _items(texts: list[str], markers: list[str] | None = None) -> Table:
    """A list whose wrapped lines hang under their text, not under the marker."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=4, justify="right")
    grid.add_column(ratio=1)
    for marker, text in zip(markers or ["•"] * len(texts), texts, strict=True):
        grid.add_row(marker, Text(text))
    return grid


def _numbered(texts: list[str]) -> Table:
    return _items(texts, [f"{number}." for number in range(1, len(texts) + 1)])


def _overview(report: Report) -> Panel:
    a, rubrics = report.assessment, report.rubrics
    start, target = rubrics.level(a.start_level), rubrics.level(a.target_level)
    behind = assumed_behind(report)

    def marked(headline: str, value: str | tuple[str, str], *rest: str) -> Text:
        return Text.assemble(value, (f" {ASSUMED_MARK}", ASSUMED_STYLE) if headline in behind else "", *rest)

    scores = " · ".join(f"{SCORE_TITLES[name]} {a.scores[name]:g}" for name in SCORE_TITLES)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Objective", Text(report.task.objective))
    grid.add_row("Recommendation", marked("kind", (a.kind, "bold cyan")))
    grid.add_row("Risk tier", marked("tier", (a.tier, TIER_STYLE[a.tier]), f"  (score {a.risk_score:g} of 100)"))
    grid.add_row("Readiness", marked("readiness", (a.readiness, READINESS_STYLE[a.readiness])))
    grid.add_row("Autonomy level", marked("level", cleared_text(a, start, target)))
    grid.add_row("Scores", Text(f"{scores} (high is good)"))
    parts: list[RenderableType] = [grid, Text(report.summary)]
    if behind:
        parts.append(Text.assemble((ASSUMED_MARK, ASSUMED_STYLE), f" {ASSUMED_LEGEND}"))
    return Panel(Group(*parts), title=Text(report.task.title, style="bold"), title_align="left", box=box.ROUNDED)


def _why(report: Report) -> Group:
    a = report.assessment
    parts: list[RenderableType] = [_heading("Why")]
    parts.append(
        Text.assemble(("Kind: ", "bold"), (a.kind, "bold cyan"), f". {report.rubrics.kind_descriptions[a.kind]}")
    )
    parts.append(_items([*a.kind_reasons, _decisive(report, "autonomy")]))
    parts.append(Text.assemble(("Risk tier: ", "bold"), (a.tier, TIER_STYLE[a.tier])))
    parts.append(
        _items(
            [
                *a.tier_reasons,
                _decisive(report, "scope"),
                _decisive(report, "data_access"),
                *filter(None, [tier_range_text(report)]),
                *(f"Named risk, {risk.title}: {risk.description}" for risk in a.named_risks),
            ]
        )
    )
    target = report.rubrics.level(a.target_level)
    parts.append(Text.assemble(("Target level: ", "bold"), f"{target.level} ({target.name}). {a.target_reason}."))
    return Group(*parts)


def _decisive(report: Report, rubric: str) -> str:
    answers = ", ".join(
        f"{r.field.partition('.')[2]} {display(r.answer)} {r.contribution:.3g}" for r in report.decisive(rubric)
    )
    return f"Most points, {rubric.replace('_', ' ')}: {answers or 'none'}"


def _gaps(report: Report, framework: str | None) -> Group:
    """Each gap on a line with its reasons' numbers and, under it, how to close it; each reason once, below."""
    gaps = report.assessment.gaps
    if not gaps:
        return Group(_heading("Governance gaps"), Text("None: every control this work requires is in place."))
    parts: list[RenderableType] = [_heading("Governance gaps")]
    first = risk_gaps(report)
    if first:
        against = "; ".join(f"{risks}: {g.control}, {display(g.present)} → {display(g.required)}" for g, risks in first)
        parts.append(Text(f"First, the gaps against this work's named risks. {against}."))
    reasons = gap_reasons(report)
    # The table is also what would change the verdict: the gaps stand in the order to close them.
    then = {step.field.removeprefix("governance."): step.readiness_after for step in report.assessment.to_ready}
    target = report.rubrics.level(report.assessment.target_level)
    parts.append(
        Text(f"In the order to close them; Then: the readiness for level {target.level} once those above are closed.")
    )
    rows = [
        (g.control, g.severity, display(g.required), display(g.present),
         ", ".join(map(str, reasons.numbers[g.control])), then[g.control])
        for g in gaps
    ]  # fmt: skip
    header = ("Control", "Severity", "Required", "Present", "Why", "Then")
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    parts.append(Text(" " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), style="bold"))
    for g, row in zip(gaps, rows, strict=True):
        cells = [(cell.ljust(width) + "  ", "") for cell, width in zip(row, widths, strict=True)]
        cells[1] = (cells[1][0], SEVERITY_STYLE[g.severity])
        parts.append(Text.assemble(" ", *cells))
        references = "; ".join(r.id for r in report.rubrics.references_of(g.control, framework))
        parts.append(_items([f"{g.remedy} [{references or 'no clause'}]" if framework else g.remedy], [""]))
    lower = what_would_change(report).lower
    if lower:
        parts.append(Text(lower))
    parts.append(Text("Why these are required", style="bold"))
    parts.append(_numbered([reason.why for reason in reasons.reasons]))
    parts.append(Text(_references(report, framework)))
    return Group(*parts)


def _references(report: Report, framework: str | None) -> str:
    """One framework's clauses are shown with each gap (--framework); without one, how many there are."""
    if framework is not None:
        title = _title(report, framework)
        return f"References: the {title} clauses a gap answers to are in brackets after how to close it."
    clauses = {(r.framework, r.id) for g in report.assessment.gaps for r in report.rubrics.references_of(g.control)}
    known = sorted({r.framework for refs in report.rubrics.references.values() for r in refs})
    return (
        f"References: {len(clauses)} clauses of {len({f for f, _ in clauses})} frameworks answer to these gaps; "
        f"--framework NAME shows one framework's with each gap ({', '.join(known)}), -f markdown all of them."
    )


def _title(report: Report, framework: str) -> str:
    """The framework's title and edition, as the catalogue gives them."""
    for references in report.rubrics.references.values():
        for r in references:
            if r.framework == framework:
                return f"{r.title_of_framework} ({r.version})"
    return framework


def _pilot(report: Report) -> Group:
    plan = report.plan
    parts: list[RenderableType] = [_heading("Pilot plan"), Text(plan.standing)]
    parts.append(Text("Every milestone that runs it ends only when:", style="bold"))
    parts.append(_items(list(plan.throughout), ["☐"] * len(plan.throughout)))
    for number, m in enumerate(plan.milestones, start=1):
        parts.append(
            Text.assemble(
                (f"{number}. {m.name}", "bold"),
                f"  level {m.level} ({m.level_name}), {m.duration_weeks} weeks, {m.sample_size} runs",
                ("  · cleared today", "green") if m.cleared else "",
            )
        )
        parts.append(_items([m.objective], [""]))
        parts.append(_items(list(m.exit_criteria), ["☐"] * len(m.exit_criteria)))
    return Group(*parts)


def _rollback(report: Report) -> Group:
    plan = report.plan
    parts: list[RenderableType] = [_heading("Rollback plan"), Text("Roll back on:", style="bold")]
    parts.append(_items(list(plan.triggers)))
    parts.append(Text("Steps:", style="bold"))
    parts.append(_numbered(list(plan.steps)))  # the fallback is one of them
    return Group(*parts)


def _evidence(report: Report) -> Group:
    """Claimed against evidenced: the controls with no evidence, and those evidenced, on a line each;
    evidence that cannot be used or is too old, a line per control with what is wrong."""
    evidence = report.assessment.evidence
    if not evidence:
        return Group()
    as_of = report.task.as_of
    grouped: dict[str, list[str]] = {}  # "missing (blocking)", "evidenced": the controls of each
    for e in evidence:
        if e.status in ("missing", "evidenced"):
            grouped.setdefault(evidence_status(e), []).append(e.control)
    lines = [f"{status}: {', '.join(controls)}" for status, controls in grouped.items()]
    lines += [f"{e.control}: {evidence_status(e)}: {e.detail}" for e in evidence if e.status in ("unusable", "stale")]
    heading = f"Evidence{f', as of {as_of}' if as_of else ''}: claimed against evidenced"
    return Group(_heading(heading), _items(lines))


def _assumptions(report: Report) -> Group:
    assumed = report.assumptions
    if not assumed:
        return Group(_heading("Assumptions: none, the task file answers every question"))
    parts: list[RenderableType] = [
        _heading("Assumptions"),
        Text("Missing from the task file, so taken at the most cautious reading:"),
    ]
    parts.append(_items([f"{a.field} = {display(a.answer)} ({a.label})" for a in assumed]))
    return Group(*parts)


def _escaped(console: Console, part: RenderableType) -> Segments:
    """The part laid out, with the control characters of its text escaped: user text (a title, an
    owner) must not drive the reader's terminal. The styles are rich's own, added when printed."""
    return Segments(Segment(shown(s.text, keep_newlines=True), s.style, s.control) for s in console.render(part))


def render(report: Report, options: RenderOptions) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=options.width,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        highlight=False,
        emoji=False,
        legacy_windows=False,
        force_jupyter=False,
        force_interactive=False,
    )
    for part in (
        _overview(report),
        _why(report),
        _gaps(report, options.framework),
        _evidence(report),
        _pilot(report),
        _rollback(report),
        _assumptions(report),
    ):
        console.print(_escaped(console, part), crop=False)
    footer = (
        f"\nTask {report.task.id} from {report.task.source} · rubric set {report.rubrics.name} "
        f"{report.rubrics.version} (sha256 {report.rubrics.sha256[:12]})"
    )
    console.print(_escaped(console, Text(footer, style="dim")), crop=False)
    # rich pads every line to the width; trailing blanks only get in the way of files and diffs.
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
