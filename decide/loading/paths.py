"""Finding task files in the paths a user names."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from decide.errors import DecideError, Problem

TASK_SUFFIXES = (".yaml", ".yml")


def _task_files_in(folder: Path) -> list[str]:
    """The task files under a folder, in sorted order, hidden files and folders left out.

    Names are built as strings in the form ``str(Path(...))`` gives (no leading ``./``)."""
    found: list[str] = []
    root = str(folder)
    pending = ["" if root == "." else root.rstrip(os.sep) + os.sep]
    while pending:
        prefix = pending.pop()
        with os.scandir(prefix or ".") as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue  # hidden, and a hidden folder is never entered
                if entry.is_dir(follow_symlinks=False):
                    pending.append(prefix + entry.name + os.sep)
                elif entry.name.endswith(TASK_SUFFIXES) and entry.is_file():  # the type is known without a stat
                    found.append(prefix + entry.name)
    return sorted(found, key=lambda name: name.split(os.sep))  # Path's order: part by part


def collect_task_files(paths: Iterable[Path]) -> list[str]:
    """Files as named; folders searched recursively for *.yaml and *.yml, sorted, hidden ones skipped."""
    found: list[str] = []
    missing: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found += _task_files_in(path)
        elif path.exists():
            found.append(str(path))
        else:
            missing.append(Problem(str(path), message="no such file or folder"))
    if missing:
        raise DecideError(missing)
    unique = list(dict.fromkeys(found))  # every name is in Path's normal form, so equal paths are equal names
    if not unique:
        raise DecideError([Problem(str(path), message="no task files (*.yaml, *.yml) here") for path in paths])
    return unique
