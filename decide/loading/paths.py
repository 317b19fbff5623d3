"""Finding task files in the paths a user names."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from decide.errors import DecideError, Problem

TASK_SUFFIXES = (".yaml", ".yml")


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def collect_task_files(paths: Iterable[Path]) -> list[Path]:
    """Files as named; folders searched recursively for *.yaml and *.yml, sorted, hidden ones skipped."""
    found: list[Path] = []
    missing: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                child
                for child in path.rglob("*")
                if child.suffix in TASK_SUFFIXES and child.is_file() and not _hidden(child, path)
            )
        elif path.exists():
            found.append(path)
        else:
            missing.append(Problem(str(path), message="no such file or folder"))
    if missing:
        raise DecideError(missing)
    unique = list(dict.fromkeys(found))
    if not unique:
        raise DecideError([Problem(str(path), message="no task files (*.yaml, *.yml) here") for path in paths])
    return unique
