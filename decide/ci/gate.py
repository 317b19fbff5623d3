"""The CI gate: evaluate task files, decide which fail, compare with a baseline.

:func:`run_gate` is the one computation; every CI output (terminal, JUnit, SARIF, GitLab,
Markdown, annotations, the result JSON) renders the :class:`GateResult` it returns and never
re-judges. The exit code is computed here, on the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from decide import __version__
from decide.ci import FAILING, FailOn
from decide.engine import evaluate
from decide.errors import EXIT_GATE, EXIT_INPUT, EXIT_OK, DecideError, Problem
from decide.loading.task import TaskLoader
from decide.loading.yaml_source import read_yaml_file
from decide.model import READINESS, TIERS, Report, RubricSet, display
from decide.report.json_encoding import dump_json

RESULT_FORMAT_VERSION = 1


class TaskOutcome(NamedTuple):
    """One task file's result: a report, or the problems that made it invalid."""

    source: str
    report: Report | None
    problems: tuple[Problem, ...]
    failed: bool  # fails the gate (with a baseline: only when it regressed or is new)
    regressions: tuple[str, ...]  # what got worse since the baseline, in words

    @property
    def invalid(self) -> bool:
        return self.report is None

    @property
    def task_id(self) -> str:
        return self.report.task.id if self.report else self.source


class GateResult(NamedTuple):
    fail_on: FailOn
    baseline: str | None
    tasks: tuple[TaskOutcome, ...]

    @property
    def invalid(self) -> list[TaskOutcome]:
        return [task for task in self.tasks if task.invalid]

    @property
    def failed(self) -> list[TaskOutcome]:
        return [task for task in self.tasks if task.failed]

    @property
    def exit_code(self) -> int:
        """Invalid input (2) wins over a failed gate (1)."""
        if self.invalid:
            return EXIT_INPUT
        return EXIT_GATE if self.failed else EXIT_OK


class BaselineEntry(NamedTuple):
    readiness: str
    tier: str
    blocking: frozenset[str]


def load_baseline(path: Path) -> dict[str, BaselineEntry]:
    """A result JSON written earlier with ``--json``, by task id."""
    document, _ = read_yaml_file(path)  # JSON is YAML: one loader, located errors
    tasks = document.get("tasks") if isinstance(document, dict) else None
    if not isinstance(tasks, list):
        raise DecideError.at(str(path), "not a decide result file (written by `decide ci --json`): no task list", 1, 1)
    baseline: dict[str, BaselineEntry] = {}
    for entry in tasks:
        try:
            if entry.get("status") == "evaluated":
                baseline[entry["id"]] = BaselineEntry(entry["readiness"], entry["tier"], frozenset(entry["blocking"]))
        except (AttributeError, KeyError, TypeError):
            raise DecideError.at(str(path), "a task entry of the baseline is incomplete; write it anew with --json",
                                 *getattr(entry, "start", (1, 1))) from None  # fmt: skip
    return baseline


def regressions(report: Report, before: BaselineEntry) -> list[str]:
    """What got worse since the baseline: readiness, tier, blocking gaps."""
    now = report.assessment
    found: list[str] = []
    if before.readiness in READINESS and READINESS.index(now.readiness) < READINESS.index(before.readiness):
        found.append(f"readiness {before.readiness} → {now.readiness}")
    if before.tier in TIERS and TIERS.index(now.tier) > TIERS.index(before.tier):
        found.append(f"risk tier {before.tier} → {now.tier}")
    new_blocking = [g.control for g in now.gaps if g.severity == "blocking" and g.control not in before.blocking]
    if new_blocking:
        found.append("new blocking gap" + ("s" if len(new_blocking) > 1 else "") + ": " + ", ".join(new_blocking))
    return found


def run_gate(
    files: Sequence[str | Path],
    rubrics: RubricSet,
    fail_on: FailOn = FailOn.NOT_READY,
    baseline_path: Path | None = None,
    *,
    unreadable: Sequence[Problem] = (),
) -> GateResult:
    """Evaluate every file and judge it against the gate, and against the baseline when given.

    ``unreadable``: what the search for task files found and could not read; each is an invalid file."""
    baseline = load_baseline(baseline_path) if baseline_path is not None else None
    loader = TaskLoader(rubrics)
    outcomes: list[TaskOutcome] = []
    for path in files:
        source = display_path(Path(path))
        try:
            report = evaluate(loader.load(path, source), rubrics)
        except DecideError as error:
            outcomes.append(TaskOutcome(source, None, tuple(error.problems), False, ()))
            continue
        fails_gate = report.assessment.readiness in FAILING[fail_on]
        worse: list[str] = []
        if baseline is not None and fail_on is not FailOn.NEVER:
            before = baseline.get(report.task.id)
            worse = regressions(report, before) if before is not None else []
            failed = bool(worse) or (before is None and fails_gate)
        else:
            failed = fails_gate
        outcomes.append(TaskOutcome(source, report, (), failed, tuple(worse)))
    for problem in unreadable:
        outcomes.append(TaskOutcome(problem.path, None, (problem,), False, ()))
    return GateResult(fail_on, str(baseline_path) if baseline_path else None, tuple(outcomes))


def display_path(path: Path) -> str:
    """A path relative to the working directory where it can be (CI tools want repository-relative)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def result_json(result: GateResult) -> str:
    """The machine-readable result, and the baseline format for a later ``--baseline``."""
    tasks: list[dict[str, Any]] = []
    for outcome in result.tasks:
        if outcome.report is None:
            tasks.append(
                {"source": outcome.source, "status": "invalid", "problems": [str(p) for p in outcome.problems]}
            )
            continue
        a = outcome.report.assessment
        tasks.append({
            "id": outcome.report.task.id, "source": outcome.source, "status": "evaluated", "kind": a.kind,
            "readiness": a.readiness, "tier": a.tier, "start_level": a.start_level, "target_level": a.target_level,
            "blocking": sorted(g.control for g in a.gaps if g.severity == "blocking"),
            "advisory": sorted(g.control for g in a.gaps if g.severity == "advisory"),
            "unevidenced": sorted(e.control for e in a.evidence if e.finding),
            "failed": outcome.failed, "regressions": list(outcome.regressions),
        })  # fmt: skip
    document = {
        "version": RESULT_FORMAT_VERSION,
        "generator": {"name": "decide", "version": __version__},
        "fail_on": result.fail_on.value,
        "baseline": result.baseline,
        "exit_code": result.exit_code,
        "tasks": tasks,
    }
    return dump_json(document)


def gap_lines(report: Report, severities: Iterable[str] = ("blocking",)) -> list[str]:
    """The gaps of a report as one line each: control, what is required, what is there."""
    wanted = set(severities)
    return [
        f"{g.control}: {g.severity}, requires {display(g.required)}, has {display(g.present)}"
        for g in report.assessment.gaps
        if g.severity in wanted
    ]


def evidence_lines(report: Report, severities: Iterable[str] = ("blocking",)) -> list[str]:
    """The claims that lack current evidence, one line each: control, status and what is wrong."""
    wanted = set(severities)
    return [
        f"{e.control}: {e.severity}, evidence {e.status}: {e.detail}"
        for e in report.assessment.evidence
        if e.severity in wanted
    ]
