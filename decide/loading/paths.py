"""Finding task files in the paths a user names.

Nothing found under a folder is skipped silently: a task-file name that is not a regular file (a
named pipe, a device, a link to nothing or a link that loops) and a folder that cannot be read are
each listed as a problem, for the command to report beside its invalid files. Nothing here opens a
file, so a named pipe can never block the search.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from decide.errors import DecideError, Problem

TASK_SUFFIXES = (".yaml", ".yml")
_Enter = Callable[[str, os.stat_result], None]  # search a folder (its name ending in a separator) once

# What a file that is not a regular file is, in words.
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class TaskFiles(NamedTuple):
    """The task files found, in order, and what was found but cannot be read as one."""

    files: list[str]
    problems: list[Problem]


def _not_regular(mode: int) -> str:
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def _task_files_in(folder: str, found: list[str], problems: list[Problem]) -> None:
    """The task files under a folder, hidden files and folders left out; links to folders followed once.

    Names are built as strings in the form ``str(Path(...))`` gives (no leading ``./``)."""
    pending = ["" if folder == "." else folder.rstrip(os.sep) + os.sep]
    entered: dict[tuple[int, int], str] = {}  # each folder searched, by device and inode: a link loop ends

    def enter(prefix: str, status: os.stat_result) -> None:
        first = entered.setdefault((status.st_dev, status.st_ino), prefix)
        if first == prefix:
            pending.append(prefix)
        else:
            problems.append(Problem(prefix.rstrip(os.sep), message=(
                f"the folder already searched as {first.rstrip(os.sep) or '.'!r} (through a link): not searched again"
            )))  # fmt: skip

    try:
        enter(pending.pop(), os.stat(folder))
    except OSError as error:
        problems.append(Problem(folder, message=f"cannot read the folder: {error.strerror or error}"))
        return
    while pending:
        prefix = pending.pop()
        try:
            with os.scandir(prefix or ".") as entries:
                for entry in entries:
                    if not entry.name.startswith("."):  # hidden, and a hidden folder is never entered
                        _sort_entry(entry, prefix + entry.name, enter, found, problems)
        except OSError as error:  # unreadable, or gone since it was listed
            problems.append(Problem(prefix.rstrip(os.sep) or ".", message=(
                f"cannot read the folder: {error.strerror or error}; the task files in it were not evaluated"
            )))  # fmt: skip


def _sort_entry(entry: os.DirEntry[str], name: str, enter: _Enter, found: list[str], problems: list[Problem]) -> None:
    """A task file found, a folder to search, or a problem; anything else is not a task file."""
    is_task_name = name.endswith(TASK_SUFFIXES)
    try:
        if entry.is_dir(follow_symlinks=False):
            enter(name + os.sep, entry.stat(follow_symlinks=False))
            return
        linked = entry.is_symlink()
        if not linked:
            if is_task_name and entry.is_file(follow_symlinks=False):  # known from the listing, without a stat
                found.append(name)
            elif is_task_name:
                kind = _not_regular(entry.stat(follow_symlinks=False).st_mode)
                problems.append(Problem(name, message=f"{kind}, not a task file: not read"))
            return
        status = os.stat(name)  # where the link leads
    except FileNotFoundError:
        if is_task_name:
            problems.append(Problem(name, message="a link to nothing (its target does not exist)" if linked else
                                    "gone while the folder was searched"))  # fmt: skip
        return
    except OSError as error:  # a link that loops, or leads through a folder that cannot be searched
        problems.append(Problem(name, message=f"cannot read: {error.strerror or error}"))
        return
    if stat.S_ISDIR(status.st_mode):
        enter(name + os.sep, status)
    elif is_task_name:
        if stat.S_ISREG(status.st_mode):
            found.append(name)
        else:
            kind = _not_regular(status.st_mode)
            problems.append(Problem(name, message=f"a link to {kind}, not a task file: not read"))


def collect_task_files(paths: Iterable[Path]) -> TaskFiles:
    """Files as named; folders searched recursively for *.yaml and *.yml, sorted, hidden ones skipped.

    A path named that does not exist stops the command; what is found under a folder and cannot be
    read comes back as a problem beside the files."""
    found: list[str] = []
    problems: list[Problem] = []
    missing: list[Problem] = []
    for path in paths:
        try:
            status = path.stat()
        except FileNotFoundError:
            missing.append(Problem(str(path), message="no such file or folder"))
            continue
        except OSError as error:  # a link that loops, a folder on the way that cannot be searched
            missing.append(Problem(str(path), message=f"cannot read: {error.strerror or error}"))
            continue
        if stat.S_ISDIR(status.st_mode):
            in_folder: list[str] = []
            _task_files_in(str(path), in_folder, problems)
            found += sorted(in_folder, key=lambda name: name.split(os.sep))  # Path's order: part by part
        else:
            found.append(str(path))  # named: a pipe (`<(...)`, /dev/stdin) is read, without blocking
    if missing:
        raise DecideError(missing)
    unique = list(dict.fromkeys(found))  # every name is in Path's normal form, so equal paths are equal names
    if not unique and not problems:
        raise DecideError([Problem(str(path), message="no task files (*.yaml, *.yml) here") for path in paths])
    problems.sort(key=lambda problem: problem.path.split(os.sep))
    return TaskFiles(unique, problems)
