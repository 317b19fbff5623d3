"""The portfolio summary of a batch, as Markdown, JSON and CSV, written as the tasks stream in.

A batch never holds its tasks: each :class:`TaskRow` is counted into :class:`Totals` and its
lines are appended to spool files in the output folder, one per part of a summary that lists
every task. :meth:`PortfolioWriter.finish` then writes each summary (its header from the totals,
its lists copied from the spools) through a temporary file and a rename. Memory stays flat in
the number of tasks.
"""

from __future__ import annotations

import csv
import functools
import os
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

from decide import __version__
from decide.errors import shown
from decide.model import KINDS, READINESS, TIERS, Report
from decide.output import publish, write_temporary
from decide.report import counted
from decide.report.json_encoding import dump_json
from decide.report.markdown import code, escape, table

SUMMARY_FORMAT_VERSION = 1
SUMMARY_FILES = ("summary.md", "summary.json", "summary.csv")
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
    "cleared",
    "target_level",
    "blocking_gaps",
    "advisory_gaps",
    "report",
    "problem",
    "best_tier",
    "deciding",
    "unevidenced",
    "stale_evidence",
)
# The groups a portfolio of drafts is triaged into, by what the unanswered questions could still do.
RANGE_GROUPS = ("high or critical whatever the answers", "depends on the answers",
                "medium whatever the answers", "low whatever the answers")  # fmt: skip
MOST_DECIDING = 5  # questions listed as settling the most tasks at once
# The parts of the summaries that list every task or file, each spooled to its own file.
_SPOOLS = ("md-not-ready", "md-tasks", "md-invalid", "json-not-ready", "json-tasks", "json-invalid", "csv")
# summary.html's rows, one spool per readiness and tier, worst first: the page lists the worst first
# without holding or sorting its rows.
_HTML_TASK_SPOOLS = tuple(f"html-tasks-{readiness}-{tier}" for readiness in READINESS for tier in reversed(TIERS))
_HTML_SPOOLS = (*_HTML_TASK_SPOOLS, "html-invalid")


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
    cleared: bool  # False: cleared for no level, it runs in shadow only
    target_level: int
    blocking: tuple[str, ...]  # controls with a blocking gap
    advisory: tuple[str, ...]  # controls with an advisory gap
    report: str  # the report's file name in the output folder
    owner: str | None  # who proposed the work, when the task file says
    best_tier: str  # the lowest tier the unanswered questions could still give
    deciding: tuple[str, ...]  # the unanswered questions that decide between it and the tier
    unevidenced: tuple[str, ...]  # claimed controls whose required evidence is missing or unusable
    stale: tuple[str, ...]  # claimed controls whose evidence is too old or undated

    @property
    def range_group(self) -> str:
        """Which of RANGE_GROUPS the task falls in."""
        if TIERS.index(self.best_tier) >= TIERS.index("high"):
            return RANGE_GROUPS[0]
        if self.deciding:
            return RANGE_GROUPS[1]
        return RANGE_GROUPS[2] if self.tier == "medium" else RANGE_GROUPS[3]

    @property
    def levels(self) -> str:
        """The level cleared today and the target, as the summaries' tables show them."""
        return f"{self.start_level if self.cleared else 'none'} → {self.target_level}"

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
            cleared=a.cleared,
            target_level=a.target_level,
            blocking=tuple(g.control for g in a.gaps if g.severity == "blocking"),
            advisory=tuple(g.control for g in a.gaps if g.severity == "advisory"),
            report=file_name,
            owner=report.task.owner,
            best_tier=a.tier_range.best,
            deciding=a.tier_range.deciding,
            unevidenced=tuple(e.control for e in a.evidence if e.finding and e.status != "stale"),
            stale=tuple(e.control for e in a.evidence if e.status == "stale"),
        )


class MissingControl(NamedTuple):
    control: str
    tasks: int
    blocking: int
    advisory: int


class Totals:
    """The counts a summary leads with, kept as the tasks arrive."""

    def __init__(self) -> None:
        self.evaluated = 0
        self.invalid = 0
        self.counts: dict[str, dict[str, int]] = {
            "kind": dict.fromkeys(KINDS, 0),
            "readiness": dict.fromkeys(reversed(READINESS), 0),
            "tier": dict.fromkeys(TIERS, 0),
        }
        self.blocking: Counter[str] = Counter()
        self.advisory: Counter[str] = Counter()
        self.grid: Counter[tuple[str, str]] = Counter()  # by (tier, readiness)
        self.ranges: dict[str, int] = dict.fromkeys(RANGE_GROUPS, 0)
        self.deciding: Counter[str] = Counter()  # by question: the tasks whose tier range it decides
        self.unevidenced = 0  # claims
        self.stale = 0

    def add(self, row: TaskRow) -> None:
        self.evaluated += 1
        self.grid[row.tier, row.readiness] += 1
        self.counts["kind"][row.kind] += 1
        self.counts["readiness"][row.readiness] += 1
        self.counts["tier"][row.tier] += 1
        for control in row.blocking:  # Counter.update checks its argument's type first: slower per task
            self.blocking[control] += 1
        for control in row.advisory:
            self.advisory[control] += 1
        self.ranges[row.range_group] += 1
        for field in row.deciding:
            self.deciding[field] += 1
        self.unevidenced += len(row.unevidenced)
        self.stale += len(row.stale)

    @property
    def most_deciding(self) -> list[tuple[str, int]]:
        """The unanswered questions that would settle the most tasks' tiers, most first."""
        return sorted(self.deciding.items(), key=lambda item: (-item[1], item[0]))[:MOST_DECIDING]

    @property
    def missing(self) -> list[MissingControl]:
        """Controls with gaps, the most often missing first."""
        controls = self.blocking | self.advisory
        rows = [
            MissingControl(c, self.blocking[c] + self.advisory[c], self.blocking[c], self.advisory[c]) for c in controls
        ]
        return sorted(rows, key=lambda m: (-m.tasks, -m.blocking, m.control))


def _cell(text: str) -> str:
    """Text a spreadsheet will not run: a leading =, +, -, @ or control character is a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# The few control names, each set as code once rather than once per task that misses it.
_control_code = functools.cache(code)


def _json_item(value: Any) -> str:
    """One array item on a line of its own: a summary whose diff between two runs shows one line
    per changed task."""
    return "    " + dump_json(value, indent=False)


class PortfolioWriter:
    """Streams the summaries of one batch into ``out_dir``."""

    def __init__(self, out_dir: Path, run_id: str, rubrics: dict[str, str], *, html: bool = False) -> None:
        self.out_dir = out_dir
        self.rubrics = rubrics
        self.totals = Totals()
        self.html = html  # also summary.html, beside HTML reports
        spools = (*_SPOOLS, *_HTML_SPOOLS) if html else _SPOOLS
        self._paths = {name: out_dir / f".decide-{run_id}-{name}.spool" for name in spools}
        self._spools: dict[str, IO[str]] = {}
        self._items: Counter[str] = Counter()  # entries written to each spool
        self._run_id = run_id
        self._removed: list[str] = []

    def __enter__(self) -> PortfolioWriter:
        for name, path in self._paths.items():
            self._spools[name] = path.open("w", encoding="utf-8", newline="\n")
        self._csv_rows = csv.writer(self._spools["csv"], lineterminator="\n")  # straight into its spool
        return self

    def __exit__(self, *exc_info: object) -> None:
        failures: list[OSError] = []
        for spool in self._spools.values():
            try:
                spool.close()  # closed even when its last write fails (a full disk), which is then raised
            except OSError as error:
                failures.append(error)
        for path in self._paths.values():
            path.unlink(missing_ok=True)
        if failures:
            raise failures[0]

    def _write(self, name: str, text: str) -> None:
        self._spools[name].write(text)
        self._items[name] += 1

    def _item(self, name: str, value: Any) -> None:
        self._write(name, (",\n" if self._items[name] else "") + _json_item(value))

    def add(self, row: TaskRow) -> None:
        self.totals.add(row)
        link = f"[{escape(row.title)}]({row.report})"
        self._write(
            "md-tasks",
            f"| {link} | {row.kind} | {row.readiness} | {row.tier} | {row.levels} | {len(row.blocking)} |\n",
        )
        self._item("json-tasks", row._asdict())  # tuples are JSON arrays too
        if self.html:
            from decide.report.html import portfolio_row

            self._write(f"html-tasks-{row.readiness}-{row.tier}", portfolio_row(row))
        if row.readiness == "not-ready":
            blocking = ", ".join(map(_control_code, row.blocking))
            self._write("md-not-ready", f"- {link} ({code(row.id)}, {row.tier} risk): blocking {blocking}\n")
            self._item("json-not-ready", row.id)
        self._csv_rows.writerow([
            _cell(row.id), _cell(row.title), _cell(shown(row.source)), "evaluated", row.kind, row.readiness, row.tier,
            row.risk_score, row.start_level, str(row.cleared).lower(), row.target_level, " ".join(row.blocking),
            " ".join(row.advisory),
            row.report, "", row.best_tier, " ".join(row.deciding), " ".join(row.unevidenced), " ".join(row.stale),
        ])  # fmt: skip

    def add_invalid(self, source: str, problems: list[str]) -> None:
        self.totals.invalid += 1
        self._write("md-invalid", "".join(f"- {code(problem)}\n" for problem in problems))
        if self.html:
            from decide.report.html import invalid_items

            self._write("html-invalid", invalid_items(problems))
        self._item("json-invalid", {"source": source, "problems": problems})
        self._csv_rows.writerow(["", "", _cell(shown(source)), "invalid", *[""] * 9, _cell(" | ".join(problems)),
                                 *[""] * 4])  # fmt: skip

    def finish(self, removed: Sequence[str] = ()) -> Totals:
        """Write the three summaries, each whole or not at all. ``removed``: the files of an earlier run
        that this one removes from the folder (their tasks are gone or now invalid), listed at the end."""
        self._removed = list(removed)
        for name in self._removed:
            self._csv_rows.writerow(["", "", "", "removed", *[""] * 9, _cell(name), "written by an earlier run",
                                     *[""] * 4])  # fmt: skip
        for spool in self._spools.values():
            spool.flush()
        written = [
            self._write_whole("summary.md", self._markdown_parts()),
            self._write_whole("summary.json", self._json_parts()),
            self._write_whole("summary.csv", [",".join(CSV_COLUMNS) + "\n", self._paths["csv"]]),  # plain names
        ]
        if self.html:
            written.append(self._write_whole("summary.html", self._html_parts()))
        # Renamed into place only once all are written: a run that fails leaves no summary of its own
        # beside those of an earlier run.
        for temporary, final in written:
            publish(temporary, final)
        return self.totals

    def _html_parts(self) -> list[str | Path]:
        """The page from its template, with the spooled rows put where its markers stand."""
        from decide.report.html import INVALID_MARK, ROWS_MARK, portfolio_page

        head, rest = portfolio_page(self.totals, self.rubrics, self._removed).split(ROWS_MARK, 1)
        middle, tail = rest.split(INVALID_MARK, 1) if self._has("html-invalid") else (rest, "")
        parts: list[str | Path] = [head, *(self._paths[name] for name in _HTML_TASK_SPOOLS if self._has(name)), middle]
        if self._has("html-invalid"):
            parts.append(self._paths["html-invalid"])
        return [*parts, tail]

    def _write_whole(self, name: str, parts: list[str | Path]) -> tuple[Path, Path]:
        """Write text and spooled files, in order, to a temporary file: it, and where it goes."""
        final = self.out_dir / name
        temporary = self.out_dir / f".decide-{self._run_id}-{name}.tmp"
        write_temporary(temporary, "", durable=False, shown_as=final)
        with temporary.open("a", encoding="utf-8", newline="\n") as out:
            for part in parts:
                if isinstance(part, Path):
                    with part.open(encoding="utf-8") as spooled:
                        shutil.copyfileobj(spooled, out)
                else:
                    out.write(part)
            out.flush()
            os.fsync(out.fileno())
        return temporary, final

    def _has(self, name: str) -> bool:
        return self._items[name] > 0

    def _markdown_parts(self) -> list[str | Path]:
        totals, counts, rubrics = self.totals, self.totals.counts, self.rubrics
        invalid = f", {counted(totals.invalid, 'invalid file')}" if totals.invalid else ""
        columns = zip([*KINDS, ""], [*reversed(READINESS), ""], TIERS, strict=True)
        head = [
            "# Portfolio summary",
            "",
            f"{counted(totals.evaluated, 'task')} evaluated{invalid}, against the rubric set {escape(rubrics['name'])} "
            f"{escape(rubrics['version'])}.",
            "",
            *table(
                ["Kind", "Tasks", "", "Readiness", "Tasks", "", "Risk tier", "Tasks"],
                [
                    [*_count(counts["kind"], k), "", *_count(counts["readiness"], r), "", *_count(counts["tier"], t)]
                    for k, r, t in columns
                ],
            ),
            "",
            "## Controls most often missing",
            "",
        ]
        missing = totals.missing
        if missing:
            head += table(
                ["Control", "Tasks", "Blocking", "Advisory"],
                [[code(m.control), str(m.tasks), str(m.blocking), str(m.advisory)] for m in missing],
            )
        else:
            head.append("None: every task has the controls it requires.")
        head += ["", *self._markdown_ranges(), *self._markdown_evidence(), "## Not ready", "", ""]
        parts: list[str | Path] = ["\n".join(head)]
        parts.append(self._paths["md-not-ready"] if self._has("md-not-ready") else "None.\n")
        parts.append(
            "\n## Every task\n\n"
            + "\n".join(table(["Task", "Kind", "Readiness", "Tier", "Cleared → target", "Blocking gaps"], []))
            + "\n"
        )
        parts.append(self._paths["md-tasks"])
        if self._has("md-invalid"):
            parts += ["\n## Invalid files\n\n", self._paths["md-invalid"]]
        if self._removed:
            parts.append("\n## Removed\n\nWritten here by an earlier run and not by this one (its task is gone or "
                         "now invalid, or the reports' format changed):\n\n"
                         + "".join(f"- {code(name)}\n" for name in self._removed))  # fmt: skip
        parts.append(f"\n---\n\ndecide {__version__}, rubric set sha256 `{rubrics['sha256'][:12]}`.\n")
        return parts

    def _markdown_ranges(self) -> list[str]:
        totals = self.totals
        rows = [[group, str(count)] for group, count in totals.ranges.items()]
        lines = ["## Tier whatever the answers", "",
                 "Fields left out are read cautiously; what answering them could still do to each task's tier:", "",
                 *table(["Group", "Tasks"], rows), ""]  # fmt: skip
        if totals.deciding:
            lines += ["The questions that would settle the most tasks at once:", ""]
            lines += [f"- {code(field)}: {counted(tasks, 'task')}" for field, tasks in totals.most_deciding]
            lines.append("")
        return lines

    def _markdown_evidence(self) -> list[str]:
        totals = self.totals
        if not (totals.unevidenced or totals.stale):
            return []
        return ["## Evidence", "",
                f"{counted(totals.unevidenced, 'claim')} without the evidence the rubrics ask for, "
                f"{counted(totals.stale, 'claim')} with stale evidence.", ""]  # fmt: skip

    def _json_parts(self) -> list[str | Path]:
        totals = self.totals
        head = {
            "version": SUMMARY_FORMAT_VERSION,
            "generator": {"name": "decide", "version": __version__},
            "rubrics": self.rubrics,
            "totals": {
                "files": totals.evaluated + totals.invalid,
                "evaluated": totals.evaluated,
                "invalid": totals.invalid,
            },
            "counts": totals.counts,
            "missing_controls": [m._asdict() for m in totals.missing],
            "tier_ranges": {
                "groups": totals.ranges,
                "deciding": [{"field": field, "tasks": tasks} for field, tasks in totals.most_deciding],
            },
            "evidence": {"unevidenced": totals.unevidenced, "stale": totals.stale},
        }
        # The head without its closing brace, then each listing array, one item per line.
        parts: list[str | Path] = [dump_json(head).removesuffix("\n}\n")]
        for key, spool in (("not_ready", "json-not-ready"), ("tasks", "json-tasks"), ("invalid", "json-invalid")):
            if self._has(spool):
                parts += [f',\n  "{key}": [\n', self._paths[spool], "\n  ]"]
            else:
                parts.append(f',\n  "{key}": []')
        parts.append(f',\n  "removed": {dump_json(self._removed, indent=False)}\n}}\n')
        return parts


def _count(counts: dict[str, int], name: str) -> tuple[str, str]:
    """A name and its count as two table cells; blank cells pad a shorter column."""
    return (name, str(counts[name])) if name else ("", "")
