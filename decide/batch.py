"""Batch evaluation: many task files → one report each, streamed, in parallel, plus a summary.

Workers take the files a chunk at a time; they load, evaluate and render each one and write its
report to a temporary file in the output folder. The main process takes their small results in
input order, settles duplicate ids, renames each temporary file into place and keeps one
:class:`TaskRow` per task for the summary. Nothing else is held beyond a chunk, so memory stays
flat, and output does not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterable, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, NamedTuple

from decide.engine import evaluate
from decide.errors import DecideError, Problem
from decide.loading.task import TaskLoader
from decide.loading.yaml_source import read_source
from decide.model import Report, RubricSet
from decide.output import publish, write_temporary
from decide.report import RenderOptions, ReportFormat, renderer
from decide.report.portfolio import SUMMARY_FILES, PortfolioWriter, TaskRow, Totals

REPORT_SUFFIX = {
    ReportFormat.JSON: ".json",
    ReportFormat.MARKDOWN: ".md",
    ReportFormat.TEXT: ".txt",
    ReportFormat.HTML: ".html",
}
# Below this many files a pool costs more than it saves.
PARALLEL_FROM = 64
# Files a worker takes at a time; their reports are held until the chunk is written.
CHUNK = 64
# Chunks given to a worker at a time: one to work on and the next, so it never waits for the main process.
IN_FLIGHT = 2
RESERVED_IDS = frozenset(Path(name).stem for name in SUMMARY_FILES)


class Outcome(NamedTuple):
    """One task's result as a worker returns it: a row and its temporary report, or problems."""

    position: int  # in the list of files
    row: TaskRow | None
    temporary: str | None
    problems: tuple[Problem, ...]


class Progress(NamedTuple):
    done: int
    total: int


Item = tuple[int, str]  # a file's position in the list of files, and its path


class _Worker:
    """Evaluates files a chunk at a time; built once per process, with everything per-task kept out.

    A chunk goes through one stage after another (read all, parse and check all, evaluate all,
    render and write all) rather than file by file: each stage's code and data then stay in the
    processor's caches, and the system calls come together."""

    def __init__(self, rubrics: RubricSet, fmt: ReportFormat, out_dir: Path, run_id: str) -> None:
        self.loader = TaskLoader(rubrics)
        self.rubrics = rubrics
        self.render = renderer(fmt)
        self.options = RenderOptions(color=False, width=100)
        self.suffix = REPORT_SUFFIX[fmt]
        self.folder = str(out_dir)
        self.temporaries = os.path.join(self.folder, f".decide-{run_id}-")

    def __call__(self, chunk: Sequence[Item]) -> list[Outcome]:
        refused: dict[int, Outcome] = {}
        chunk_paths = dict(chunk)

        def each(step: Callable[[int, Any], Any], values: Iterable[tuple[int, Any]]) -> list[tuple[int, Any]]:
            """``step`` applied to each value; a value it refuses leaves the chunk with its problems."""
            done = []
            for index, value in values:
                try:
                    done.append((index, step(index, value)))
                except DecideError as error:
                    refused[index] = Outcome(index, None, None, tuple(error.problems))
            return done

        sources = each(lambda _, path: read_source(path, path), chunk)
        tasks = each(lambda index, data: self.loader.load_bytes(data, chunk_paths[index]), sources)
        reports = each(lambda _, task: evaluate(task, self.rubrics), tasks)
        texts = [(index, (report, self.render(report, self.options))) for index, report in reports]
        written = dict(each(self.write, texts))
        return [refused[index] if index in refused else written[index] for index, _ in chunk]

    def write(self, index: int, report_and_text: tuple[Report, str]) -> Outcome:
        """The report in a temporary file, for the main process to rename into place."""
        report, text = report_and_text
        temporary = f"{self.temporaries}{index}.tmp"
        name = f"{report.task.id}{self.suffix}"
        write_temporary(temporary, text, durable=False, shown_as=os.path.join(self.folder, name))
        return Outcome(index, TaskRow.of(report, name), temporary, ())


def _serve(connection: Connection, chunks: Sequence[Sequence[Item]], worker_args: tuple[Any, ...]) -> None:
    """A worker process: the number of a chunk in, its outcomes out, until the main process sends None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # and then a terminate() must simply end them
    worker = _Worker(*worker_args)
    while (number := connection.recv()) is not None:
        try:
            outcomes = worker(chunks[number])
        except Exception:  # a bug, not a bad file: the main process stops the batch with it
            connection.send(traceback.format_exc())
            return
        connection.send(outcomes)


def _outcomes(
    files: Sequence[str], rubrics: RubricSet, *, fmt: ReportFormat, out_dir: Path, run_id: str, jobs: int
) -> Generator[list[Outcome], None, None]:
    """Each chunk's outcomes, chunks in the order of the files."""
    items = list(enumerate(files))
    size = max(1, min(CHUNK, len(items) // (jobs * 16)))  # small enough that both workers stay busy
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    if jobs <= 1 or len(files) < PARALLEL_FROM:
        yield from map(_Worker(rubrics, fmt, out_dir, run_id), chunks)
    else:
        yield from _in_workers(chunks, (rubrics, fmt, out_dir, run_id), jobs)


def _in_workers(
    chunks: list[list[Item]], worker_args: tuple[Any, ...], jobs: int
) -> Generator[list[Outcome], None, None]:
    """The chunks' outcomes from ``jobs`` worker processes, in order.

    Not multiprocessing.Pool: its thread that watches the workers also wakes for every result
    waiting in the pipe and spins until another thread reads it."""
    # fork shares the loaded rubric set and the chunks with the workers for free; elsewhere they
    # are pickled once for each.
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
    workers: list[tuple[BaseProcess, Connection]] = []
    finished = False
    try:
        for _ in range(min(jobs, len(chunks))):
            ours, theirs = context.Pipe()
            started = context.Process(target=_serve, args=(theirs, chunks, worker_args), daemon=True)
            started.start()
            theirs.close()
            workers.append((started, ours))
        yield from _in_order(len(chunks), workers)
        for _, connection in workers:
            connection.send(None)  # done: each worker returns
        finished = True
    finally:
        for process, connection in workers:
            if not finished:  # interrupted, or failed: the temporary files are swept up after
                process.terminate()
            process.join()
            connection.close()


def _in_order(count: int, workers: list[tuple[BaseProcess, Connection]]) -> Generator[list[Outcome], None, None]:
    """Chunk numbers out to the workers, IN_FLIGHT at a time each, and their outcomes back, in order.

    The messages out are small numbers, so sending one never waits on a worker that is itself waiting
    to send a large result."""
    sent = 0
    holding: dict[Connection, deque[int]] = {connection: deque() for _, connection in workers}
    processes = {connection: process for process, connection in workers}

    def send_next(connection: Connection) -> None:
        nonlocal sent
        if sent < count:
            connection.send(sent)
            holding[connection].append(sent)
            sent += 1

    for _ in range(IN_FLIGHT):
        for _, connection in workers:
            send_next(connection)
    returned: dict[int, list[Outcome]] = {}
    following = 0
    while following < count:
        for ready in wait([connection for connection, held in holding.items() if held]):
            assert isinstance(ready, Connection)
            try:
                result = ready.recv()
            except (EOFError, OSError):  # killed, by the system running out of memory, say
                processes[ready].join()
                raise DecideError.at("decide", (
                    f"a worker process ended unexpectedly (exit code {processes[ready].exitcode}); "
                    "the reports written are complete, no summary was written"
                )) from None  # fmt: skip
            if isinstance(result, str):
                raise RuntimeError(f"a worker process failed:\n{result}")
            returned[holding[ready].popleft()] = result
            send_next(ready)
        while following in returned:
            yield returned.pop(following)
            following += 1


def remove_temporaries(out_dir: Path, run_id: str) -> None:
    for leftover in out_dir.glob(f".decide-{run_id}-*.tmp"):
        leftover.unlink(missing_ok=True)


def run_batch(
    files: Sequence[str],
    rubrics: RubricSet,
    out_dir: Path,
    *,
    fmt: ReportFormat = ReportFormat.JSON,
    jobs: int = 1,
    on_problem: Callable[[Problem], None] = lambda problem: None,
    on_progress: Callable[[Progress], None] = lambda progress: None,
) -> Totals:
    """Evaluate every file, write its report into ``out_dir``, then the summary files.

    Invalid files never stop the batch: their problems go to ``on_problem`` as they are found
    and into the summary. On KeyboardInterrupt, the reports already in place stay (each is
    complete), every temporary and spool file is removed, no summary is written, and the
    interrupt goes on.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DecideError.at(str(out_dir), f"cannot create the output folder: {error.strerror or error}") from None
    run_id = str(os.getpid())
    first_seen: dict[str, int] = {}  # id → the position of the file that has it, to name both in a duplicate
    identity = {"name": rubrics.name, "version": rubrics.version, "sha256": rubrics.sha256}
    outcomes = _outcomes(files, rubrics, fmt=fmt, out_dir=out_dir, run_id=run_id, jobs=jobs)
    folder = str(out_dir)
    finished = False
    try:
        with PortfolioWriter(out_dir, run_id, identity, html=fmt is ReportFormat.HTML) as summary:
            done = 0
            for chunk in outcomes:
                # Every report of the chunk into place first, then the summaries: system calls together.
                settled = [(outcome, _settle(outcome, first_seen, files, folder)) for outcome in chunk]
                for outcome, problems in settled:
                    if not problems:
                        assert outcome.row is not None
                        summary.add(outcome.row)
                        continue
                    summary.add_invalid(files[outcome.position], [str(p) for p in problems])
                    for problem in problems:
                        on_problem(problem)
                done += len(chunk)
                on_progress(Progress(done, len(files)))
            totals = summary.finish()
            finished = True
            return totals
    finally:
        outcomes.close()  # stops the workers before their temporary files are swept up
        if not finished:  # a finished batch renamed or removed every report it wrote
            remove_temporaries(out_dir, run_id)


def _settle(outcome: Outcome, first_seen: dict[str, int], files: Sequence[str], folder: str) -> list[Problem]:
    """Rename a report into place, or remove it if its id is taken or reserved: its problems."""
    problems = list(outcome.problems)
    row = outcome.row
    if row is not None and outcome.temporary is not None:
        problems += _id_problems(row, first_seen, files)
        if problems:
            os.unlink(outcome.temporary)
        else:
            publish(outcome.temporary, os.path.join(folder, row.report))
            first_seen[row.id] = outcome.position
    return problems


def _id_problems(row: TaskRow, first_seen: dict[str, int], files: Sequence[str]) -> list[Problem]:
    if row.id in first_seen:
        message = f"duplicate id {row.id!r}: {files[first_seen[row.id]]} has it too; give each task its own id"
        return [Problem(row.source, message=message)]
    if row.id in RESERVED_IDS:
        return [Problem(row.source, message=f"the id {row.id!r} is reserved for the portfolio summary; choose another")]
    return []
