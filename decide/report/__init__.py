"""Renderers: one module per output format, each with ``render(report, options) -> str``.

Renderers only lay out the :class:`~decide.model.Report`; they never score or filter. Modules are
imported on demand, so that the JSON path never pays for rich.
"""

from __future__ import annotations

import importlib
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:  # the model is not needed to name the formats on the CLI's start-up path
    from decide.model import Report


class ReportFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"


class RenderOptions(NamedTuple):
    color: bool = False  # text: ANSI colours
    width: int = 100  # text: columns
    framework: str | None = None  # show only this framework's references with each gap


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
