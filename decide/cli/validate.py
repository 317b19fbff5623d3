"""`decide validate`: check task files only."""

from __future__ import annotations

from decide.cli.errors import reported_errors
from decide.cli.io import emit
from decide.cli.options import PathsArgument, RubricsOption


def validate(paths: PathsArgument, rubrics: RubricsOption = None) -> None:
    """Check task files against the task schema; list every problem.

    One line per problem, FILE:LINE:COLUMN: message; exit 2 when any file is invalid.

    \b
    Examples:
      decide validate examples/
      decide validate task.yaml other.yaml --rubrics strict
    """
    from decide.errors import DecideError, Problem
    from decide.loading.paths import collect_task_files
    from decide.loading.rubrics import load_rubrics
    from decide.loading.task import TaskLoader

    with reported_errors():
        loader = TaskLoader(load_rubrics(rubrics))
        files, unreadable = collect_task_files(paths)  # unreadable: what was found and cannot be read
        problems = list(unreadable)
        for path in files:
            try:
                loader.load(path)
            except DecideError as error:
                problems += error.problems
        if problems:
            invalid = len({p.path for p in problems})
            found = len(files) + len(unreadable)
            raise DecideError([*problems, Problem("decide", message=f"{invalid} of {found} task files invalid")])
        emit(f"{len(files)} task file{'s' if len(files) != 1 else ''} valid\n", None)
