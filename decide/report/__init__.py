"""Renderers: one module per output format, each with ``render(report, options) -> str``.

Renderers only lay out the :class:`~decide.model.Report`; they never score or filter. Modules are
imported on demand, so that the JSON path never pays for rich.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:  # the model is not needed to name the formats on the CLI's start-up path
    from decide.model import ControlEvidence, Gap, Report


class ReportFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"


class RenderOptions(NamedTuple):
    color: bool = False  # text: ANSI colours
    width: int = 100  # text: columns
    framework: str | None = None  # show only this framework's references with each gap
    portfolio: str | None = None  # html: the batch's summary page, which each report links back to


class Reason(NamedTuple):
    """A reason for requiring controls, stated once however many gaps it stands behind."""

    why: str
    requirements: tuple[str, ...]  # the ids of the requirements that give it
    controls: tuple[str, ...]  # the gaps' controls it stands behind


class GapReasons(NamedTuple):
    reasons: tuple[Reason, ...]  # numbered from 1, in the order the gaps first give them
    numbers: dict[str, tuple[int, ...]]  # by gap control: its reasons' numbers, the primary reason's first


def counted(number: int, noun: str) -> str:
    """ "1 task", "2 tasks": a count and its noun, in the right number."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def gap_reasons(report: Report) -> GapReasons:
    """Every reason behind the report's gaps, each once, and which of them each gap comes from.

    Requirements that share a reason (word for word) are one reason: a report states a sentence once."""
    whys = {requirement.id: requirement.why for requirement in report.rubrics.requirements}
    found: dict[str, tuple[list[str], list[str]]] = {}  # by reason: its requirements and controls
    numbers: dict[str, tuple[int, ...]] = {}
    for gap in report.assessment.gaps:
        mine: list[int] = []
        for requirement in gap.requirements:
            ids, controls = found.setdefault(whys[requirement], ([], []))
            ids += [requirement] if requirement not in ids else []
            controls += [gap.control] if gap.control not in controls else []
            number = list(found).index(whys[requirement]) + 1
            mine += [number] if number not in mine else []
        numbers[gap.control] = tuple(mine)
    reasons = tuple(Reason(why, tuple(ids), tuple(controls)) for why, (ids, controls) in found.items())
    return GapReasons(reasons, numbers)


def evidence_status(evidence: ControlEvidence) -> str:
    """ "missing (blocking)": a control's evidence status, and what it counts as when it falls short."""
    return f"{evidence.status} ({evidence.severity})" if evidence.severity else evidence.status


SHOWN_DECIDING = 3  # deciding questions named in prose; the JSON report lists them all


def tier_range_text(report: Report, field: Callable[[str], str] = str) -> str:
    """What the unanswered questions could still make of the tier, in a sentence ("" when nothing);
    ``field`` sets out a field's name in the renderer's way."""
    assessment = report.assessment
    span = assessment.tier_range
    if not span.open:
        return ""
    shown = ", ".join(field(name) for name in span.deciding[:SHOWN_DECIDING])
    more = len(span.deciding) - SHOWN_DECIDING
    return (
        f"Unanswered questions are read cautiously: answered, they could bring the tier as low as {span.best}. "
        f"The questions that decide it: {shown}{f' and {more} more' if more > 0 else ''}."
    )


def risk_gaps(report: Report) -> list[tuple[Gap, str]]:
    """The gaps that address this work's named risks, in the gaps' order, with the risks' titles."""
    titles = {risk.id: risk.title for risk in report.assessment.named_risks}
    return [(gap, ", ".join(titles[r] for r in gap.risks)) for gap in report.assessment.gaps if gap.risks]


class Renderer(Protocol):
    def __call__(self, report: Report, options: RenderOptions) -> str: ...


RENDERER_MODULES: dict[ReportFormat, str] = {
    ReportFormat.TEXT: "decide.report.text",
    ReportFormat.MARKDOWN: "decide.report.markdown",
    ReportFormat.JSON: "decide.report.json_report",
    ReportFormat.HTML: "decide.report.html",
}

# The format `-o FILE` implies when no --format is given.
FORMAT_BY_SUFFIX: dict[str, ReportFormat] = {
    ".json": ReportFormat.JSON,
    ".md": ReportFormat.MARKDOWN,
    ".markdown": ReportFormat.MARKDOWN,
    ".txt": ReportFormat.TEXT,
    ".html": ReportFormat.HTML,
    ".htm": ReportFormat.HTML,
}


def renderer(fmt: ReportFormat) -> Renderer:
    render: Renderer = importlib.import_module(RENDERER_MODULES[fmt]).render
    return render


def render(report: Report, fmt: ReportFormat | str = ReportFormat.JSON, options: RenderOptions | None = None) -> str:
    """The report as text in the given format."""
    return renderer(ReportFormat(fmt))(report, options or RenderOptions())
