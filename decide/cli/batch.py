"""`decide batch`: a portfolio of task files → a report each, and a summary."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from decide.cli.errors import reported_errors
from decide.cli.io import check_framework, emit
from decide.cli.options import FrameworkOption, PathsArgument, RubricsOption
from decide.report import ReportFormat, counted

if TYPE_CHECKING:
    from types import TracebackType

    from rich.progress import Progress as Bar

    from decide.batch import Progress
    from decide.errors import Problem


class ProgressDisplay:
    """A progress bar with counts and rate on a terminal; nothing at all otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._bar: Bar | None = None

    def __enter__(self) -> ProgressDisplay:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("Evaluating"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                console=Console(stderr=True), transient=True,
            )  # fmt: skip
            self._bar.add_task("batch", total=self.total, rate="")
            self._bar.start()
        return self

    def advance(self, progress: Progress) -> None:
        self.done = progress.done
        if self._bar is not None:
            task = self._bar.tasks[0]
            rate = f"{task.speed:,.0f} tasks/s" if task.speed else ""
            self._bar.update(task.id, completed=progress.done, rate=rate)

    def problem(self, problem: Problem) -> None:
        if self._bar is not None:
            self._bar.console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        else:
            print(problem, file=sys.stderr)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def _usable_cpus() -> int:
    """The CPUs this process may run on (a container or ``taskset`` may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def batch(
    paths: PathsArgument,
    out_dir: Annotated[
        Path,
        typer.Option("--out-dir", "-d", metavar="DIR", help="Where the reports and summaries go.", file_okay=False),
    ],
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Format of each task's report.")] = (
        ReportFormat.JSON
    ),
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes [default: one per CPU it may use].")
    ] = None,
    rubrics: RubricsOption = None,
    framework: FrameworkOption = None,
) -> None:
    """Evaluate many task files: a report each and a summary.

    Into --out-dir go one report per task and summary.md, summary.json and summary.csv (and
    summary.html with -f html); folders are searched for *.yaml and *.yml.

    \b
    Examples:
      decide batch tasks/ --out-dir reports/
      decide batch tasks/ -d reports/ -f html -j 4
      decide batch tasks/ -d reports/ -f markdown --framework eu-ai-act
    """
    from decide.batch import run_batch
    from decide.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED, DecideError, Problem, Terminated, shown
    from decide.loading.paths import collect_task_files
    from decide.loading.rubrics import load_rubrics

    with reported_errors():
        rubric_set = load_rubrics(rubrics)
        check_framework(rubric_set, framework)
        files, unreadable = collect_task_files(paths)  # unreadable: found, and listed as invalid files
        with ProgressDisplay(len(files)) as display:
            try:
                totals = run_batch(
                    files, rubric_set, out_dir, fmt=fmt, framework=framework, jobs=jobs or _usable_cpus(),
                    unreadable=unreadable, on_problem=display.problem, on_progress=display.advance,
                )  # fmt: skip
            except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (Terminated)
                display.stop()
                terminated = isinstance(stop, Terminated)
                print(f"decide: {'terminated' if terminated else 'interrupted'} after {display.done} of "
                      f"{len(files)} tasks; the reports written are complete, no summary was written",
                      file=sys.stderr)  # fmt: skip
                # Said once, here, with how far it got: not again by the error handler.
                raise typer.Exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED) from None
        counts = totals.counts["readiness"]
        emit(
            f"{counted(totals.evaluated, 'task')} evaluated ({counts['ready']} ready, "
            f"{counts['conditional']} conditional, {counts['not-ready']} not ready), {totals.invalid} invalid: "
            f"{shown(str(out_dir / 'summary.md'))}\n",
            None,
        )
        if totals.invalid:
            raise DecideError(Problem("decide", message=counted(totals.invalid, "invalid task file")), EXIT_INPUT)
