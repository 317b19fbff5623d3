"""Batch evaluation: many task files → one report each, streamed, in parallel, plus a summary.

Workers take the files a chunk at a time; they load, evaluate and render each one and write its
report to a temporary file in the output folder. The main process takes their small results in
input order, settles duplicate ids, renames each temporary file into place and keeps one
:class:`TaskRow` per task for the summary. Nothing else is held beyond a chunk, so memory stays
flat, and output does not depend on the number of workers.

The output folder belongs to one run at a time (:class:`OutputFolder`): a second run into it is
refused, what a killed run left is swept, and the files an earlier run wrote that this one does not
write again are removed, so the folder ends up holding exactly this run's reports and summaries.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import secrets
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, NamedTuple

from decide.engine import evaluate
from decide.errors import DecideError, Problem, shown
from decide.loading.task import TaskLoader
from decide.loading.yaml_source import read_source
from decide.model import Report, RubricSet
from decide.output import WriteFailed, publish, remove_quietly, write_temporary
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

    def __init__(
        self, rubrics: RubricSet, fmt: ReportFormat, options: RenderOptions, out_dir: Path, run_id: str
    ) -> None:
        self.loader = TaskLoader(rubrics)
        self.rubrics = rubrics
        self.render = renderer(fmt)
        self.options = options
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
        written = {index: self.write(index, text) for index, text in texts}  # WriteFailed stops the batch
        return [refused[index] if index in refused else written[index] for index, _ in chunk]

    def write(self, index: int, report_and_text: tuple[Report, str]) -> Outcome:
        """The report in a temporary file, for the main process to rename into place."""
        report, text = report_and_text
        temporary = f"{self.temporaries}{index}.tmp"
        name = f"{report.task.id}{self.suffix}"
        write_temporary(temporary, text, durable=False, shown_as=os.path.join(self.folder, name))
        return Outcome(index, TaskRow.of(report, name), temporary, ())


# In a worker process: its one :class:`_Worker`, built by :func:`_start_worker`.
_in_this_process: dict[str, _Worker] = {}
# How often a worker checks that the main process is still there.
PARENT_CHECK_SECONDS = 0.5


def _start_worker(worker_args: tuple[Any, ...], parent: int) -> None:
    """A worker process's start: its signals, a watch on the main process, and its :class:`_Worker`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A worker must end when the main process dies, even by SIGKILL, or it waits for work forever. A
    # thread that checks the parent's process id (a new parent adopts the orphan) works wherever there
    # is fork. Linux's PR_SET_PDEATHSIG would need ctypes, and it fires when the *thread* that started
    # the worker ends: a library caller may run a batch in a thread that ends before its process does.
    threading.Thread(target=_end_with, args=(parent,), name="end-with-parent", daemon=True).start()
    _in_this_process["worker"] = _Worker(*worker_args)


def _end_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # its temporary files are swept by the next run into the folder


def _work(chunk: Sequence[Item]) -> list[Outcome]:
    return _in_this_process["worker"](chunk)


def _outcomes(
    files: Sequence[str], worker_args: tuple[RubricSet, ReportFormat, RenderOptions, Path, str], jobs: int
) -> Generator[list[Outcome], None, None]:
    """Each chunk's outcomes, chunks in the order of the files."""
    items = list(enumerate(files))
    size = max(1, min(CHUNK, len(items) // (jobs * 16)))  # small enough that both workers stay busy
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    if jobs <= 1 or len(files) < PARALLEL_FROM:
        yield from map(_Worker(*worker_args), chunks)
    else:
        yield from _in_workers(chunks, worker_args, jobs)


def _in_workers(
    chunks: list[list[Item]], worker_args: tuple[Any, ...], jobs: int
) -> Generator[list[Outcome], None, None]:
    """The chunks' outcomes from a pool of ``jobs`` worker processes, in order, IN_FLIGHT chunks per worker
    given out at a time (so a worker never waits for the main process, and memory stays flat)."""
    # fork shares the loaded rubric set with the workers for free; elsewhere it is pickled once for each.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        min(jobs, len(chunks)), mp_context=multiprocessing.get_context(method),
        initializer=_start_worker, initargs=(worker_args, os.getpid()),
    )  # fmt: skip
    waiting: deque[Future[list[Outcome]]] = deque()
    following = iter(chunks)
    try:
        for chunk in following:
            waiting.append(pool.submit(_work, chunk))
            if len(waiting) >= jobs * IN_FLIGHT:
                break
        while waiting:
            outcomes = waiting.popleft().result()
            another = next(following, None)
            if another is not None:
                waiting.append(pool.submit(_work, another))
            yield outcomes
    except BrokenProcessPool:  # a worker killed, by the system running out of memory, say
        raise DecideError.at("decide", (
            "a worker process ended unexpectedly; the reports written are complete, no summary was written"
        )) from None  # fmt: skip
    finally:
        # Done, interrupted or failed: chunks not started are dropped, those under way end, and only
        # then are the temporary files swept up.
        pool.shutdown(wait=True, cancel_futures=True)


class OutputFolder:
    """The output folder, held by one run: locked, swept of what killed runs left, and with a record of
    the files decide wrote into it.

    The lock is ``flock`` on the record file, :data:`RECORD`: the system releases it when the process
    ends, however it ends, so a lock is never left behind. Holding it, a run knows that every temporary
    or spool file in the folder is a leftover, whatever process id wrote it. The record lists, one name
    a line, every report and summary a run wrote. Names are added before the files are renamed into
    place, so the record holds at least what is there even after a kill; at the end of a run it holds
    exactly that run's files. A file is only ever removed because the record names it: the user's own
    files in the folder are never touched."""

    RECORD = ".decide-written"
    HEADER = "# decide batch: the reports and summaries it wrote here; the next run removes those it does not write\n"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.before: set[str] = set()  # what earlier runs wrote
        self.written: set[str] = set()  # what this run wrote
        self._record = -1

    def __enter__(self) -> OutputFolder:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WriteFailed.at(
                str(self.path), f"cannot create the output folder: {error.strerror or error}"
            ) from None
        record = self.path / self.RECORD
        try:
            self._record = os.open(record, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            raise WriteFailed.at(str(self.path), f"cannot write into the folder: {error.strerror or error}") from None
        try:
            fcntl.flock(self._record, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._close()
            raise DecideError.at(str(self.path), (
                "another `decide batch` is writing into this folder; wait for it to end, or choose another --out-dir"
            )) from None  # fmt: skip
        except OSError as error:  # a file system without locks
            self._close()
            raise WriteFailed.at(str(self.path), (
                f"cannot lock the folder for this run ({error.strerror or error}); choose another --out-dir"
            )) from None  # fmt: skip
        try:
            with open(os.dup(self._record), encoding="utf-8", errors="replace") as text:
                self.before = {name for name in text.read().splitlines() if _plain_name(name)}
            for leftover in (*self.path.glob(".decide-*.tmp"), *self.path.glob(".decide-*.spool")):
                leftover.unlink(missing_ok=True)
        except OSError as error:
            self._close()
            raise WriteFailed.at(str(self.path), f"cannot write into the folder: {error.strerror or error}") from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def _close(self) -> None:
        if self._record >= 0:
            os.close(self._record)  # and the lock with it
            self._record = -1

    def record(self, names: Iterable[str]) -> None:
        """Note files about to be written, before they are: a run killed after still has them recorded."""
        new = [name for name in names if name not in self.written]
        if new:
            self.written.update(new)
            self._rewrite_or_add("".join(f"{name}\n" for name in new), append=True)

    def stale(self) -> list[str]:
        """What earlier runs wrote, is still here and this run did not write again."""
        return sorted(name for name in self.before - self.written if os.path.lexists(self.path / name))

    def remove(self, names: Iterable[str]) -> None:
        """Remove stale files, then record exactly what this run wrote."""
        for name in names:
            try:
                (self.path / name).unlink(missing_ok=True)
            except OSError as error:
                raise WriteFailed.at(str(self.path / name), f"cannot remove: {error.strerror or error}") from None
        self._rewrite_or_add("".join(f"{name}\n" for name in sorted(self.written)), append=False)

    def _rewrite_or_add(self, text: str, *, append: bool) -> None:
        """The record written in place: it is the file that holds the lock, so it is never replaced."""
        try:
            if append:
                os.lseek(self._record, 0, os.SEEK_END)
                if os.lseek(self._record, 0, os.SEEK_CUR) == 0:
                    text = self.HEADER + text
            else:
                os.ftruncate(self._record, 0)
                os.lseek(self._record, 0, os.SEEK_SET)
                text = self.HEADER + text
            data = memoryview(text.encode("utf-8"))
            while data:
                data = data[os.write(self._record, data) :]
        except OSError as error:
            raise WriteFailed.of(self.path / self.RECORD, error) from None


def _plain_name(name: str) -> bool:
    """A file name decide could have written in the folder: nothing else in the record is acted on."""
    return bool(name) and not name.startswith((".", "#")) and os.sep not in name and name not in ("..", ".")


def run_batch(
    files: Sequence[str],
    rubrics: RubricSet,
    out_dir: Path,
    *,
    fmt: ReportFormat = ReportFormat.JSON,
    framework: str | None = None,
    jobs: int = 1,
    unreadable: Sequence[Problem] = (),
    on_problem: Callable[[Problem], None] = lambda problem: None,
    on_progress: Callable[[Progress], None] = lambda progress: None,
) -> Totals:
    """Evaluate every file, write its report into ``out_dir``, then the summary files.

    Invalid files never stop the batch: their problems go to ``on_problem`` as they are found
    and into the summary, with ``unreadable`` (what the search for task files found and could not
    read). A file that cannot be written stops it (:class:`WriteFailed`). On KeyboardInterrupt or
    any failure, the reports already in place stay (each is complete), every temporary and spool
    file is removed, no summary is written, and the exception goes on.
    """
    run_id = secrets.token_hex(6)  # in the names of its temporary files: unlike a process id, never reused
    first_seen: dict[str, int] = {}  # id → the position of the file that has it, to name both in a duplicate
    identity = {"name": rubrics.name, "version": rubrics.version, "sha256": rubrics.sha256}
    html = fmt is ReportFormat.HTML
    with OutputFolder(out_dir) as folder:
        # Each HTML report links back to the portfolio page.
        options = RenderOptions(color=False, width=100, framework=framework, portfolio="summary.html")
        outcomes = _outcomes(files, (rubrics, fmt, options, out_dir, run_id), jobs)
        finished = False
        try:
            with PortfolioWriter(out_dir, run_id, identity, html=html) as summary:
                done = 0
                for chunk in outcomes:
                    settled = _settle(chunk, first_seen, files)
                    # Recorded first, then every report of the chunk into place: system calls together.
                    folder.record(outcome.row.report for outcome, problems in settled if outcome.row and not problems)
                    for outcome, problems in settled:
                        if not problems:
                            assert outcome.row is not None and outcome.temporary is not None
                            publish(outcome.temporary, out_dir / outcome.row.report)
                            summary.add(outcome.row)
                            continue
                        if outcome.temporary is not None:
                            remove_quietly(outcome.temporary)
                        summary.add_invalid(files[outcome.position], [str(p) for p in problems])
                        for problem in problems:
                            on_problem(problem)
                    done += len(chunk)
                    on_progress(Progress(done, len(files)))
                for problem in unreadable:
                    summary.add_invalid(problem.path, [str(problem)])
                    on_problem(problem)
                folder.record([*SUMMARY_FILES, *(["summary.html"] if html else [])])
                stale = folder.stale()
                totals = summary.finish(removed=stale)
            folder.remove(stale)
            finished = True
            return totals
        except OSError as error:  # a spool or summary that cannot be written (a full disk, say)
            ours = error.filename is None or Path(error.filename).name.startswith(".decide-")
            raise WriteFailed.of(out_dir if ours else error.filename, error) from None  # not a hidden name
        finally:
            outcomes.close()  # stops the workers before their temporary files are swept up
            if not finished:  # a finished batch renamed or removed every temporary file it wrote
                for leftover in out_dir.glob(f".decide-{run_id}-*"):
                    remove_quietly(leftover)


def _settle(
    chunk: Iterable[Outcome], first_seen: dict[str, int], files: Sequence[str]
) -> list[tuple[Outcome, list[Problem]]]:
    """Each outcome with its problems, a taken or reserved id among them; the ids of the others taken."""
    settled = []
    for outcome in chunk:
        problems = list(outcome.problems)
        if outcome.row is not None:
            problems += _id_problems(outcome.row, first_seen, files)
            if not problems:
                first_seen[outcome.row.id] = outcome.position
        settled.append((outcome, problems))
    return settled


def _id_problems(row: TaskRow, first_seen: dict[str, int], files: Sequence[str]) -> list[Problem]:
    if row.id in first_seen:
        message = f"duplicate id {row.id!r}: {shown(files[first_seen[row.id]])} has it too; give each task its own id"
        return [Problem(row.source, message=message)]
    if row.id in RESERVED_IDS:
        return [Problem(row.source, message=f"the id {row.id!r} is reserved for the portfolio summary; choose another")]
    return []
