"""The portfolio summary of a batch: one model, rendered as Markdown, JSON and CSV.

A batch keeps one small :class:`TaskRow` per task (never the reports themselves), and the
summary is computed from the rows once, here; the renderers only lay it out.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

from decide import __version__
from decide.model import KINDS, READINESS, TIERS, Report
from decide.report.markdown import code, escape, table

SUMMARY_FORMAT_VERSION = 1
SUMMARY_FILES = ("summary.md", "summary.json", "summary.csv")


class TaskRow(NamedTuple):
    """What the summary needs of one evaluated task."""

    id: str
    title: str
    source: str
    kind: str
    readiness: str
    tier: str
    risk_score: float
    start_level: int
    target_level: int
    blocking: tuple[str, ...]  # controls with a blocking gap
    advisory: tuple[str, ...]  # controls with an advisory gap
    report: str  # the report's file name in the output folder

    @classmethod
    def of(cls, report: Report, file_name: str) -> TaskRow:
        a = report.assessment
        return cls(
            id=report.task.id,
            title=report.task.title,
            source=report.task.source,
            kind=a.kind,
            readiness=a.readiness,
            tier=a.tier,
            risk_score=a.risk_score,
            start_level=a.start_level,
            target_level=a.target_level,
            blocking=tuple(g.control for g in a.gaps if g.severity == "blocking"),
            advisory=tuple(g.control for g in a.gaps if g.severity == "advisory"),
            report=file_name,
        )


class InvalidFile(NamedTuple):
    source: str
    problems: tuple[str, ...]  # each FILE:LINE:COL: message


class MissingControl(NamedTuple):
    control: str
    tasks: int
    blocking: int
    advisory: int


class Portfolio(NamedTuple):
    rubrics: dict[str, str]  # name, version, sha256
    rows: Sequence[TaskRow]
    invalid: Sequence[InvalidFile]
    counts: dict[str, dict[str, int]]  # kind / readiness / tier → value → tasks
    missing: tuple[MissingControl, ...]  # most often missing first

    @classmethod
    def of(cls, rubrics: dict[str, str], rows: Sequence[TaskRow], invalid: Sequence[InvalidFile]) -> Portfolio:
        counts = {
            "kind": {name: 0 for name in KINDS},
            "readiness": {name: 0 for name in reversed(READINESS)},
            "tier": {name: 0 for name in TIERS},
        }
        blocking: Counter[str] = Counter()
        advisory: Counter[str] = Counter()
        for row in rows:
            counts["kind"][row.kind] += 1
            counts["readiness"][row.readiness] += 1
            counts["tier"][row.tier] += 1
            blocking.update(row.blocking)
            advisory.update(row.advisory)
        missing = sorted(
            (MissingControl(c, blocking[c] + advisory[c], blocking[c], advisory[c]) for c in blocking | advisory),
            key=lambda m: (-m.tasks, -m.blocking, m.control),
        )
        return cls(rubrics, rows, invalid, counts, tuple(missing))

    @property
    def not_ready(self) -> list[TaskRow]:
        return [row for row in self.rows if row.readiness == "not-ready"]


def as_json(portfolio: Portfolio) -> str:
    document: dict[str, Any] = {
        "version": SUMMARY_FORMAT_VERSION,
        "generator": {"name": "decide", "version": __version__},
        "rubrics": portfolio.rubrics,
        "totals": {
            "files": len(portfolio.rows) + len(portfolio.invalid),
            "evaluated": len(portfolio.rows),
            "invalid": len(portfolio.invalid),
        },
        "counts": portfolio.counts,
        "missing_controls": [m._asdict() for m in portfolio.missing],
        "not_ready": [row.id for row in portfolio.not_ready],
        "tasks": [
            {**row._asdict(), "blocking": list(row.blocking), "advisory": list(row.advisory)} for row in portfolio.rows
        ],
        "invalid": [{"source": f.source, "problems": list(f.problems)} for f in portfolio.invalid],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = (
    "id",
    "title",
    "source",
    "status",
    "kind",
    "readiness",
    "tier",
    "risk_score",
    "start_level",
    "target_level",
    "blocking_gaps",
    "advisory_gaps",
    "report",
    "problem",
)


def _cell(text: str) -> str:
    """Text a spreadsheet will not run: a leading =, +, -, @ or control character is a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(portfolio: Portfolio) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in portfolio.rows:
        writer.writerow(
            [
                row.id,
                row.title,
                row.source,
                "evaluated",
                row.kind,
                row.readiness,
                row.tier,
                row.risk_score,
                row.start_level,
                row.target_level,
                " ".join(row.blocking),
                " ".join(row.advisory),
                row.report,
                "",
            ]
        )
    for invalid in portfolio.invalid:
        writer.writerow(["", "", _cell(invalid.source), "invalid", *[""] * 9, _cell(" | ".join(invalid.problems))])
    return buffer.getvalue()


def _count(counts: dict[str, int], name: str) -> tuple[str, str]:
    """A name and its count as two table cells; blank cells pad a shorter column."""
    return (name, str(counts[name])) if name else ("", "")


def as_markdown(portfolio: Portfolio) -> str:
    rows, invalid = portfolio.rows, portfolio.invalid
    counts = portfolio.counts
    rubrics = portfolio.rubrics
    lines = [
        "# Portfolio summary",
        "",
        f"{len(rows)} tasks evaluated"
        + (f", {len(invalid)} invalid file{'s' if len(invalid) != 1 else ''}" if invalid else "")
        + f", against the rubric set {escape(rubrics['name'])} {escape(rubrics['version'])}.",
        "",
        *table(
            ["Kind", "Tasks", "", "Readiness", "Tasks", "", "Risk tier", "Tasks"],
            [
                [
                    *_count(counts["kind"], kind),
                    "",
                    *_count(counts["readiness"], readiness),
                    "",
                    *_count(counts["tier"], tier),
                ]
                for kind, readiness, tier in zip([*KINDS, ""], [*reversed(READINESS), ""], TIERS, strict=True)
            ],
        ),
        "",
    ]
    lines += ["## Controls most often missing", ""]
    if portfolio.missing:
        lines += table(
            ["Control", "Tasks", "Blocking", "Advisory"],
            [[code(m.control), str(m.tasks), str(m.blocking), str(m.advisory)] for m in portfolio.missing],
        )
    else:
        lines.append("None: every task has the controls it requires.")
    lines += ["", "## Not ready", ""]
    if portfolio.not_ready:
        lines += [
            f"- [{escape(row.title)}]({row.report}) ({code(row.id)}, {row.tier} risk): blocking "
            + ", ".join(code(control) for control in row.blocking)
            for row in portfolio.not_ready
        ]
    else:
        lines.append("None.")
    lines += ["", "## Every task", ""]
    lines += table(
        ["Task", "Kind", "Readiness", "Tier", "Levels", "Blocking gaps"],
        [
            [
                f"[{escape(row.title)}]({row.report})",
                row.kind,
                row.readiness,
                row.tier,
                f"{row.start_level} → {row.target_level}",
                str(len(row.blocking)),
            ]
            for row in rows
        ],
    )
    if invalid:
        lines += ["", "## Invalid files", ""]
        lines += [f"- {escape(problem)}" for f in invalid for problem in f.problems]
    lines += ["", "---", "", f"decide {__version__}, rubric set sha256 `{rubrics['sha256'][:12]}`."]
    return "\n".join(lines) + "\n"


SUMMARY_RENDERERS = {"summary.md": as_markdown, "summary.json": as_json, "summary.csv": as_csv}
